"""The simulated strap: real 0x2A37 bytes, faults at known rates, determinism."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from resonant.model.beats import Beat, Event, Gap
from resonant.model.clock import MonotonicClock
from resonant.devices.hrm import decode_hrm
from resonant.devices.physiology import PersonSpec
from resonant.devices.simulated import SimulatedStrap, StrapSpec
from resonant.model.pacer import PacerSchedule
from resonant.signal.offline import analyze_rr


def _split(items):
    beats = [x for x in items if isinstance(x, Beat)]
    return (
        beats,
        [x for x in items if isinstance(x, Gap)],
        [x for x in items if isinstance(x, Event)],
    )


def test_notifications_are_valid_heart_rate_measurements_about_once_a_second() -> None:
    strap = SimulatedStrap(PersonSpec(seed=1), StrapSpec(seed=1), PacerSchedule())
    packets = [p for _ in range(120) for p in strap.next_packets()]
    arrivals = np.array([p.arrival_s for p in packets])
    assert np.allclose(np.diff(arrivals), 1.0, atol=0.05)
    for p in packets:
        m = decode_hrm(p.data)
        assert m.problem is None
        assert 40 <= m.hr_bpm <= 120 and m.contact is True
        assert len(p.data) <= 20


def test_beats_through_the_decoder_keep_the_hearts_intervals() -> None:
    strap = SimulatedStrap(PersonSpec(seed=2), StrapSpec(seed=2), PacerSchedule())
    beats, gaps, events = _split(strap.run_until(300.0))
    assert not events
    # No beat is lost, and the beat clock's re-anchoring steps are not breaks.
    assert not gaps
    rr = np.array([b.rr_ms for b in beats])
    # 1/1024 s resolution: every value is a whole number of units.
    np.testing.assert_allclose(rr * 1.024, np.round(rr * 1.024), atol=1e-9)
    t = np.array([b.time_s for b in beats])
    assert np.all(np.diff(t) > 0)
    assert 250 < rr.size < 450


def test_artifacts_are_made_at_the_set_rate_and_found_by_the_analysis() -> None:
    strap = SimulatedStrap(
        PersonSpec(seed=3), StrapSpec(artifact_rate=0.03, seed=3), PacerSchedule()
    )
    beats, _, _ = _split(strap.run_until(1200.0))
    made = sum(strap.injected[k] for k in ("ectopic", "missed", "extra"))
    n = len(beats)
    assert 0.015 * n < made < 0.06 * n
    a = analyze_rr(np.array([b.time_s for b in beats]), np.array([b.rr_ms for b in beats]))
    found = a.artifact_counts()["total"]
    # An ectopic beat is two flagged intervals (premature + pause); an extra beat also two.
    assert 0.6 * made < found < 2.5 * made


def test_disconnects_give_events_gaps_and_no_beats_in_between() -> None:
    strap = SimulatedStrap(PersonSpec(seed=4), StrapSpec(disconnects_per_h=60.0, seed=4))
    beats, gaps, events = _split(strap.run_until(1800.0))
    labels = [e.label for e in events]
    assert strap.injected["disconnected"] >= 5
    assert labels.count("disconnected") == strap.injected["disconnected"]
    assert labels.count("reconnected") >= labels.count("disconnected") - 1
    assert sum(g.reason == "disconnected" for g in gaps) == labels.count("disconnected")
    for e in events:
        if e.label == "disconnected":
            back = next(
                x.onset_s for x in events if x.label == "reconnected" and x.onset_s > e.onset_s
            )
            assert not [b for b in beats if e.onset_s < b.time_s < back - 1.5]


def test_contact_loss_is_reported_and_loses_beats() -> None:
    strap = SimulatedStrap(PersonSpec(seed=5), StrapSpec(contact_losses_per_h=60.0, seed=5))
    beats, gaps, events = _split(strap.run_until(1800.0))
    assert strap.injected["contact_lost"] >= 5
    assert sum(e.label == "contact_lost" for e in events) == strap.injected["contact_lost"]
    assert sum(g.reason == "timing" for g in gaps) >= strap.injected["contact_lost"] - 1


def test_a_strap_without_contact_detection_reports_none() -> None:
    strap = SimulatedStrap(PersonSpec(seed=6), StrapSpec(reports_contact=False, seed=6))
    beats, _, _ = _split(strap.run_until(30.0))
    assert beats and all(b.contact is None for b in beats)


def test_same_seed_same_items() -> None:
    def run(seed: int) -> list:
        s = SimulatedStrap(
            PersonSpec(seed=seed), StrapSpec(artifact_rate=0.02, seed=seed), PacerSchedule()
        )
        return s.run_until(200.0)

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_items_follow_an_accelerated_clock() -> None:
    strap = SimulatedStrap(PersonSpec(seed=9), StrapSpec(seed=9), PacerSchedule())

    async def collect() -> list:
        clock = MonotonicClock(speed=200.0)
        out = []
        async for item in strap.items(clock):
            out.append((item, clock.now()))
            if isinstance(item, Beat) and item.time_s > 20.0:
                return out
        return out

    out = asyncio.run(collect())
    # Nothing is delivered before its time on the session clock.
    assert all(now >= item.time_s - 1e-6 for item, now in out if isinstance(item, Beat))
    assert strap.state == "streaming"


@pytest.mark.parametrize("drift_ppm", [100.0, -100.0])
def test_a_drifting_strap_with_jittery_arrivals_end_to_end(drift_ppm: float) -> None:
    """2 h, 100 ppm strap clock, 0.1 s arrival jitter: RR spacing and the true R-peaks."""
    strap = SimulatedStrap(
        PersonSpec(seed=3),
        StrapSpec(seed=3, clock_drift_ppm=drift_ppm, arrival_jitter_s=0.1),
        PacerSchedule(),
        keep_heartbeats=True,
    )
    items = strap.run_until(7200.0)
    true = strap.heartbeats
    beats = [x for x in items if isinstance(x, Beat)]
    assert not [g for g in items if isinstance(g, Gap)]  # nothing lost
    t = np.array([b.time_s for b in beats])
    rr = np.array([b.rr_ms for b in beats])
    # Each beat is the previous one plus its RR (to under 1 ms) but at the clock's
    # re-anchoring steps in the first minute (a late first anchor).
    off = np.abs(np.diff(t) * 1000.0 - rr[1:])
    assert np.sum(off > 1.0) <= 3 and np.all(t[1:][off > 1.0] < 60.0)
    # Each beat is the true one (no artifacts): compare with the heart's own R-peaks.
    t_true = np.array([b.time_s for b in true[: t.size]])
    err_ms = (t - t_true) * 1000.0
    # (measured over seeds 1-8 at +-100 ppm: worst 48.6 ms after the first minute)
    assert np.max(np.abs(err_ms[t > 60.0])) <= 50.0


def test_strap_spec_rejects_impossible_clocks() -> None:
    with pytest.raises(ValueError, match="clock drift"):
        StrapSpec(clock_drift_ppm=1000.0)
    with pytest.raises(ValueError, match="arrival jitter"):
        StrapSpec(arrival_jitter_s=2.0)
