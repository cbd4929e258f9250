"""Replay: a recording as a live source, with its breaks and events."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from resonant.model.beats import Beat, Event, Gap
from resonant.model.clock import MonotonicClock
from resonant.devices.replay import ReplaySource
from resonant.folder.read import RecordingError
from resonant.folder.write import Recorder
from tests.conftest import FIXTURES, REFERENCE

GAP_SESSION = FIXTURES / "sessions" / "2026-11-22T10-00-00Z_gap"


def test_session_folder_timeline_has_beats_gap_and_events_in_order() -> None:
    src = ReplaySource(GAP_SESSION)
    items = src.timeline()
    times = [x.onset_s if isinstance(x, Event) else x.time_s for x in items]
    assert times == sorted(times)
    gaps = [x for x in items if isinstance(x, Gap)]
    events = [x for x in items if isinstance(x, Event)]
    beats = [x for x in items if isinstance(x, Beat)]
    assert len(gaps) == 1 and [e.label for e in events] == ["disconnected", "reconnected"]
    assert len(beats) == src.beats_total
    assert all(b.source == "strap" and b.contact is True and b.hr_bpm for b in beats)
    # The gap falls between the last beat before the disconnect and the first after it.
    after = next(b for b in beats if b.time_s > gaps[0].time_s)
    before = [b for b in beats if b.time_s <= gaps[0].time_s][-1]
    assert before.time_s < events[0].onset_s < after.time_s


def test_gap_events_come_back_as_the_gaps_they_were(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "s", {"start_utc": "2026-11-22T10:00:00Z", "sources": []})
    for k in range(3):
        rec.beat(Beat(1.0 + k, 1000.0, None, None, "a"))
    rec.on_gap(Gap(3.5, "a", "clock"))
    rec.on_gap(Gap(3.6, "a", "disconnected"))  # two breaks with no beat between them
    for k in range(3, 6):
        rec.beat(Beat(1.0 + k, 1000.0, None, None, "a"))
    rec.close(duration_s=6.0)
    items = ReplaySource(tmp_path / "s").timeline()
    assert [(g.time_s, g.reason) for g in items if isinstance(g, Gap)] == [
        (3.5, "clock"), (3.6, "disconnected")]  # fmt: skip
    assert not [e for e in items if isinstance(e, Event)]  # not replayed as events too


def test_rr_file_replays_at_its_running_sum() -> None:
    src = ReplaySource(REFERENCE / "spontaneous.txt", label="file")
    beats = [x for x in src.timeline() if isinstance(x, Beat)]
    assert beats[0].source == "file" and beats[0].time_s == pytest.approx(beats[0].rr_ms / 1000)
    assert src.info.kind == "replay" and src.info.settings["beats"] == len(beats)


def test_replay_waits_for_each_beat_on_the_clock() -> None:
    src = ReplaySource(REFERENCE / "spontaneous.txt")

    async def first_beats() -> list[tuple[float, float]]:
        clock = MonotonicClock(speed=50.0)
        got = []
        async for item in src.items(clock):
            got.append((item.time_s, clock.now()))
            if len(got) == 20:
                break
        return got

    for t, now in asyncio.run(first_beats()):
        assert now >= t


def test_unreadable_recording_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="no such file"):
        ReplaySource(tmp_path / "missing.txt")


def test_a_folder_with_acc_tsv_replays_its_accelerometer(tmp_path: Path) -> None:
    from resonant.cli import main
    from resonant.folder.read import read_acc
    from resonant.model.beats import AccSamples

    first, again = tmp_path / "first", tmp_path / "again"
    assert main(["record", "--simulate", "--out", str(first), "--duration", "30",
                 "--speed", "100000", "--sim-seed", "2"]) == 0  # fmt: skip
    recorded = read_acc(first)["sim"]
    src = ReplaySource(first)
    chunks = [x for x in src.timeline() if isinstance(x, AccSamples)]
    assert chunks and all(len(c.times_s) <= 26 for c in chunks)
    assert src.info.settings["acc_sources"] == ["sim"]
    assert ReplaySource(first, acc=False).acc == {}
    assert main(["record", "--replay", str(first), "--out", str(again),
                 "--speed", "100000"]) == 0  # fmt: skip
    replayed = read_acc(again)["sim"]
    assert replayed.time_s.tolist() == recorded.time_s.tolist()
    assert replayed.xyz_mg.tolist() == recorded.xyz_mg.tolist()


def test_a_replay_is_bounded_by_the_recordings_own_extent(tmp_path: Path) -> None:
    """Issue 18: an event far after the last beat is given at the last beat, not waited for;
    an absurd time (1e12 s, 1e300 s) is refused when the folder is read."""
    import shutil

    from resonant.cli import main

    folder = tmp_path / "s"
    shutil.copytree(GAP_SESSION, folder)
    with open(folder / "events.tsv", "a", encoding="utf-8") as f:
        f.write("9000000\t0\tmarker\tfar\n")  # within the limit, but 104 days on
    src = ReplaySource(folder)
    out = tmp_path / "again"
    assert main(["record", "--replay", str(folder), "--speed", "100000", "--out", str(out)]) == 0
    assert src.end_s < 1000  # so the run above took well under a second, not 90 s
    assert "far" in (out / "events.tsv").read_text()
    assert len((out / "pacer.tsv").read_text().splitlines()) < 1000  # not 1.8 million rows
    assert any("after the last beat" in w for w in src.warnings)
    for row in ("1000000000000\t0\tmarker\tfar\n", "1e300\t0\tmarker\tfar\n"):
        (folder / "events.tsv").write_text("onset_s\tduration_s\tkind\tlabel\n" + row)
        with pytest.raises(RecordingError, match="too far from the session's start"):
            ReplaySource(folder)
