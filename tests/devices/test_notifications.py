"""BeatDecoder: notifications to beats, loss detection, contact events, malformed packets."""

from __future__ import annotations

import pytest

from resonant.model.beats import Beat, Event, Gap
from resonant.devices.hrm import encode_hrm
from resonant.devices.notifications import LOSS_TOLERANCE_S, BeatDecoder


def _beats(items):
    return [x for x in items if isinstance(x, Beat)]


def test_beats_are_timed_back_from_arrival() -> None:
    d = BeatDecoder("strap")
    out = d.decode(bytes.fromhex("16 48 40 03 9A 03"), 10.0)
    beats = _beats(out.items)
    assert [b.rr_ms for b in beats] == [812.5, 900.390625]
    assert beats[-1].time_s == 10.0
    assert beats[0].time_s == pytest.approx(10.0 - 0.900390625)
    assert all(b.source == "strap" and b.contact is True and b.hr_bpm == 72 for b in beats)


def test_lost_beats_between_notifications_make_a_gap() -> None:
    d = BeatDecoder("s")
    d.decode(encode_hrm(60, [1024]), 1.0)
    d.decode(encode_hrm(60, [1024]), 2.0)
    # Nothing arrives for 5 s, then one beat: 4 s of beats were lost.
    items = d.decode(encode_hrm(60, [1024]), 7.0).items
    gaps = [x for x in items if isinstance(x, Gap)]
    assert len(gaps) == 1 and gaps[0].reason == "timing"
    assert items.index(gaps[0]) < items.index(_beats(items)[0])


def test_slow_heart_without_rr_in_some_notifications_is_not_a_loss() -> None:
    d = BeatDecoder("s")
    d.decode(encode_hrm(40, [1536]), 1.0)
    d.decode(encode_hrm(40), 2.0)  # a notification with no completed beat
    items = d.decode(encode_hrm(40, [1536]), 2.5 + LOSS_TOLERANCE_S / 2).items
    assert not any(isinstance(x, Gap) for x in items)


def test_contact_changes_are_events() -> None:
    d = BeatDecoder("s")
    d.decode(encode_hrm(60, [1024], contact=True), 1.0)
    lost = d.decode(encode_hrm(0, contact=False), 2.0).items
    back = d.decode(encode_hrm(60, [1024], contact=True), 3.0).items
    assert [(e.kind, e.label) for e in lost if isinstance(e, Event)] == [
        ("connection", "contact_lost")
    ]
    assert [(e.kind, e.label) for e in back if isinstance(e, Event)] == [
        ("connection", "contact_restored")
    ]


def test_malformed_notifications_are_counted_never_raised() -> None:
    d = BeatDecoder("s")
    for data in (b"", b"\x10", bytes.fromhex("10 3C 00 04 00"), bytes.fromhex("10 00")):
        d.decode(data, 1.0)
    assert d.packets == 4 and d.malformed == 4 and d.last_problem
    # The good RR value of the packet with a trailing byte was still used.
    out = d.decode(bytes.fromhex("10 3C 00 04 00"), 5.0)
    assert [b.rr_ms for b in _beats(out.items)] == [1000.0]


def test_reset_starts_a_new_timing_anchor() -> None:
    d = BeatDecoder("s")
    d.decode(encode_hrm(60, [1024]), 1.0)
    d.reset()
    items = d.decode(encode_hrm(60, [1024]), 30.0).items
    assert not any(isinstance(x, Gap) for x in items)  # the disconnect's own Gap says it
    assert _beats(items)[0].time_s == 30.0
