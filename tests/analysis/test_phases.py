"""The one per-phase slicing: closed form, properties, and every user agreeing on a session."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resonant.analysis.compare import phase_notes
from resonant.analysis.numbers import rounded
from resonant.analysis.phases import (
    MIN_PHASE_BEATS,
    WHOLE_SESSION,
    analyze_phases,
    phase_spans,
)
from resonant.folder.read import Recording, read_events
from resonant.model.beats import Event
from resonant.signal.offline import analyze_rr

JSON_KEYS = ["label", "onset_s", "duration_s", "stressor", "beats", "hr_mean_bpm", "rmssd_ms",
             "coherence_mean", "lf_hf", "hf_ms2", "breathing_rate_bpm", "breathing_reason",
             "breathing_source", "corrected_pct",
             "poor_data",
             "notes"]  # fmt: skip


def recording(time_s: np.ndarray, rr_ms: np.ndarray, starts: list[int] | None = None) -> Recording:
    n = time_s.size
    return Recording(
        "synthetic", "rr-text", "", np.asarray(time_s, float), np.asarray(rr_ms, float),
        np.arange(n, dtype=np.intp), np.array(starts or [0], dtype=np.intp),
    )  # fmt: skip


# -- (a) closed form ------------------------------------------------------------------------------


def test_closed_form_spans_and_beat_counts() -> None:
    # One beat a second, at 1, 2, ..., 100 s (RR swinging gently about 1000 ms); a gap
    # before the beat at 51 s.
    t = np.arange(1.0, 101.0)
    rr = 1000.0 + 30.0 * np.sin(2 * np.pi * t / 10.0)
    rec = recording(t, rr, [0, 50])
    events = [
        Event(0.0, "phase", "A", 30.0),  # ended early at 20 s by "Next phase"
        Event(20.0, "note", "phase 'A' ended early by the clinician"),
        Event(20.0, "phase", "B (stressor)", 40.0),  # ends as planned, at 60 s
        Event(60.0, "phase", "C", 0.0),  # until the next phase
        Event(80.0, "phase", "D", 50.0),  # planned past the end of the data (100 s)
        Event(95.0, "marker", "felt calmer"),
    ]
    results = analyze_phases(rec, events)
    spans = [r.span for r in results]
    assert [(s.number, s.label, s.stressor) for s in spans] == [
        (1, "A", False), (2, "B", True), (3, "C", False), (4, "D", False)]  # fmt: skip
    assert [(s.onset_s, s.planned_s, s.end_s) for s in spans] == [
        (0.0, 30.0, 20.0), (20.0, 40.0, 60.0), (60.0, 0.0, 80.0), (80.0, 50.0, 100.0)]  # fmt: skip
    assert [s.duration_s for s in spans] == [20.0, 40.0, 20.0, 20.0]
    assert [s.ended_early for s in spans] == [True, False, False, False]
    # The data start at 1 s - rr[0] (1.0176 s): before 0, so at 0 s.
    assert [s.recorded_s for s in spans] == pytest.approx([20.0, 40.0, 20.0, 20.0])
    # Beats 1..19 | 20..59 | 60..79 | 80..100 (the last phase holds the last beat).
    assert [r.beats for r in results] == [19, 40, 20, 21]
    assert sum(r.beats for r in results) == t.size
    b = results[1].analysis
    assert b is not None and b.beats == 40 and b.segments == 2  # the gap is kept
    alone = analyze_rr(t[19:59], rr[19:59], np.array([0, 31]))  # beats 20..59 s, gap at 51 s
    assert b.time.rmssd_ms == alone.time.rmssd_ms and b.coherence_mean == alone.coherence_mean
    js = results[1].to_json()
    assert list(js) == JSON_KEYS
    assert js["label"] == "B" and js["stressor"] is True and js["beats"] == 40
    assert js["onset_s"] == 20.0 and js["duration_s"] == 40.0
    assert js["rmssd_ms"] == rounded(b.time.rmssd_ms)
    assert js["hr_mean_bpm"] == rounded(b.time.hr_mean_bpm)
    # phase_notes takes the results or their JSON alike.
    assert phase_notes(results) == phase_notes([r.to_json() for r in results])


def test_too_few_beats_are_not_analysed() -> None:
    t = np.arange(1.0, 31.0)
    rec = recording(t, np.full(30, 1000.0))
    events = [Event(0.0, "phase", "short", 9.5), Event(9.5, "phase", "", 0.0)]
    short, rest = analyze_phases(rec, events)
    assert short.beats == MIN_PHASE_BEATS - 1 and short.analysis is None
    assert short.to_json()["rmssd_ms"] is None and short.to_json()["beats"] == 9
    assert rest.span.label == "phase 2" and rest.beats == 21 and rest.analysis is not None


def test_without_phases_one_span_covers_the_data() -> None:
    t = np.cumsum(np.full(120, 800.0)) / 1000.0 + 3.0
    rec = recording(t, np.full(120, 800.0))
    [whole] = analyze_phases(rec, [Event(5.0, "marker", "x")])
    assert whole.span.label == WHOLE_SESSION and whole.beats == 120
    assert whole.span.onset_s == pytest.approx(3.0) and whole.span.end_s == t[-1]
    assert phase_spans([], 10.0) == [phase_spans([], 10.0, 0.0)[0]]


def test_a_note_alone_marks_a_phase_ended_early_and_late_phases_are_empty() -> None:
    events = [
        Event(0.0, "phase", "X", 10.0),
        Event(10.0, "note", "phase 'X' ended early by the clinician"),
        Event(10.0, "phase", "Y", 10.0),
        Event(50.0, "phase", "after", 10.0),
    ]
    x, y, after = phase_spans(events, end_s=30.0)
    assert x.ended_early and not y.ended_early
    assert (after.onset_s, after.end_s, after.recorded_s) == (50.0, 50.0, 0.0)


def test_events_of_another_source_are_ignored() -> None:
    t = np.arange(1.0, 41.0)
    rec = recording(t, np.full(40, 1000.0))
    events = [Event(0.0, "phase", "mine", 20.0), Event(20.0, "phase", "other's", 0.0, "chest")]
    [mine] = analyze_phases(rec, events)
    assert mine.span.label == "mine" and mine.beats == 19


# -- (b) properties -------------------------------------------------------------------------------


@st.composite
def sessions(draw):
    rr = np.array(draw(st.lists(st.floats(300.0, 2000.0), min_size=1, max_size=200)))
    start = draw(st.floats(0.0, 30.0))
    t = start + np.cumsum(rr) / 1000.0
    end = float(t[-1])
    n_phases = draw(st.integers(0, 8))
    events = []
    for _ in range(n_phases):
        onset = draw(st.one_of(st.floats(0.0, end + 20.0), st.sampled_from([0.0, end])))
        planned = draw(st.one_of(st.just(0.0), st.floats(0.5, 200.0)))
        events.append(Event(onset, "phase", draw(st.sampled_from(["a", "b (stressor)"])),
                            planned))  # fmt: skip
    return recording(t, rr), events


@settings(max_examples=200, deadline=None)
@given(sessions())
def test_spans_are_ordered_disjoint_within_the_data_and_count_each_beat_once(session) -> None:
    rec, events = session
    t = rec.time_s
    data_end = float(t[-1])
    results = analyze_phases(rec, events)
    spans = [r.span for r in results]
    assert [s.number for s in spans] == list(range(1, len(spans) + 1))
    for s in spans:
        assert s.onset_s <= s.end_s
        assert s.end_s <= max(data_end, s.onset_s)  # within the data (empty after it)
        if s.planned_s > 0:
            assert s.end_s <= s.onset_s + s.planned_s
        assert 0.0 <= s.recorded_s <= s.duration_s
    for a, b in zip(spans, spans[1:], strict=False):
        assert a.onset_s <= b.onset_s and a.end_s <= b.onset_s  # in order, no overlap
    # Each span holds its half-open interval's beats, the one reaching the end of the data
    # also the last beat; no beat is counted twice.
    owner = np.full(t.size, -1)
    for k, r in enumerate(results):
        s = r.span
        inside = (t >= s.onset_s) & (t < s.end_s)
        extra = r.beats - int(inside.sum())
        assert extra in (0, 1)
        if extra:
            assert s.end_s == data_end and s.onset_s <= data_end
            inside[-1] = True
        assert not (owner[inside] >= 0).any()
        owner[inside] = k
    assert sum(r.beats for r in results) == int((owner >= 0).sum())
    if not any(e.kind == "phase" for e in events):
        assert (owner == 0).all()


# -- (c) every user agrees on a recorded protocol session -----------------------------------------


class _NextPhaseAt:
    """A clinician pressing "Next phase" once the session reaches ``at_s``."""

    def __init__(self, runner, at_s: float) -> None:
        self.runner, self.at_s, self.done = runner, at_s, False

    def on_beat(self, beat, metrics) -> None:
        if not self.done and beat.time_s >= self.at_s:
            self.done = True
            self.runner.next_phase(beat.time_s)


@pytest.fixture(scope="module")
def ended_early(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from resonant.devices.physiology import PersonSpec
    from resonant.devices.simulated import SimulatedStrap, StrapSpec
    from resonant.folder.write import Recorder
    from resonant.model.clock import MonotonicClock
    from resonant.model.pacer import PacerSettings
    from resonant.model.protocols import Phase, Protocol
    from resonant.session.core import Session
    from resonant.session.protocol_runner import ProtocolRunner

    protocol = Protocol("short", "A short protocol", "", (
        Phase("settling", 90.0, "off", False, "Rest.", "rest"),
        Phase("stressor", 60.0, "off", True, "Recall.", "threat"),
        Phase("breathing", 90.0, 6.0, False, "Breathe.", "soothing"),
    ), None, "")  # fmt: skip
    folder = tmp_path_factory.mktemp("phases") / "s"
    recorder = Recorder(folder, {"start_utc": "2026-01-01T10:00:00.000000Z"})
    source = SimulatedStrap(PersonSpec(seed=3), StrapSpec(label="sim", seed=3, disconnects_per_h=0))
    runner = ProtocolRunner(protocol, PacerSettings(), resonance_bpm=6.0)
    clinician = _NextPhaseAt(runner, 50.0)  # 40 s before "settling" was planned to end
    session = Session([source], MonotonicClock(100000.0), None,
                      [recorder, runner, clinician], duration_s=180.0)  # fmt: skip
    runner.attach(session)
    summary = asyncio.run(session.run())
    recorder.close(end_utc="2026-01-01T10:03:00.000000Z", duration_s=180.0,
                   end_reason=summary.reason)  # fmt: skip
    return folder


def test_analyze_report_and_comparison_view_agree(
    ended_early: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from resonant.cli import main
    from resonant.gui.compare_view import load_phases
    from resonant.reports.page import load_session

    events = read_events(ended_early)
    assert any(e.kind == "note" and "ended early" in e.label for e in events)
    capsys.readouterr()
    assert main(["analyze", "--json", str(ended_early)]) == 0
    from_cli = json.loads(capsys.readouterr().out)["phases"]
    facts = load_session(ended_early)
    from_report = facts.phases
    from_view, rec = load_phases(ended_early)

    assert [p["label"] for p in from_cli] == ["settling", "stressor", "breathing"]
    settling, stressor, breathing = (r.span for r in from_report)
    # "settling" ended at the click (planned 90 s), "stressor" ran its 60 s, and
    # "breathing" (planned 90 s) was cut by the end of the session.
    assert settling.ended_early and 50.0 <= settling.end_s < 52.5
    assert settling.planned_s == 90.0 and stressor.onset_s == settling.end_s
    assert not stressor.ended_early and stressor.duration_s == pytest.approx(60.0)
    assert breathing.end_s == rec.time_s[-1] < breathing.onset_s + 90.0
    assert not breathing.ended_early
    t = rec.time_s
    assert from_report[0].beats == int(((t >= 0) & (t < settling.end_s)).sum())

    beats = [p["beats"] for p in from_cli]
    assert beats == [r.beats for r in from_report] == [p["beats"] for p in from_view]
    rmssd = [p["rmssd_ms"] for p in from_cli]
    assert all(x is not None for x in rmssd)
    assert rmssd == [rounded(r.analysis.time.rmssd_ms) for r in from_report]
    assert rmssd == [p["rmssd_ms"] for p in from_view]
    assert from_view == from_cli  # the comparison view shows exactly what analyze prints


def test_the_report_shows_planned_length_and_the_early_end(
    ended_early: Path, tmp_path: Path
) -> None:
    import html
    import re

    from resonant.reports.page import make_report

    page = make_report(ended_early, tmp_path / "r.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr class='phase'>(.*?)</tr>", page, flags=re.S)
    cells = [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)] for r in rows]
    assert [c[1] for c in cells] == ["settling", "stressor (stressor)", "breathing"]
    assert cells[0][3].startswith("1:30 (ended early at 0:5")
    assert cells[1][3] == "1:00"
    assert cells[2][3].startswith("1:30 (recorded ")


# -- (d) the breathing rate measured at the chest ---------------------------------------------


def _threat_soothing(tmp_path: Path, *extra: str) -> tuple[Path, list[dict]]:
    import contextlib
    import io

    from resonant.cli import main

    out = tmp_path / ("ts" + "".join(extra))
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        assert main(["record", "--simulate", "--protocol", "threat-soothing", "--out", str(out),
                     "--speed", "100000", "--sim-seed", "1", *extra]) == 0  # fmt: skip
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        assert main(["analyze", "--json", str(out)]) == 0
    return out, json.loads(text.getvalue())["phases"]


def _live_sources(folder: Path, start_s: float, end_s: float) -> set[str]:
    import csv

    with (folder / "metrics.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {r["breathing_source"] for r in rows
            if start_s + 60.0 <= float(r["time_s"]) <= end_s and r["coherence_ratio"]}  # fmt: skip


def test_the_stressor_breathing_is_measured_at_the_chest_live_and_offline(tmp_path: Path) -> None:
    """Issue 16: with the accelerometer (on by default for the simulated strap) the
    stressor's breathing is the chest's, within 1.5 of the simulated person's own rate,
    and the live metrics name the same source as the analysis."""
    from resonant.devices.physiology import PROFILES

    folder, phases = _threat_soothing(tmp_path)
    stress = next(p for p in phases if p["stressor"])
    assert stress["breathing_source"] == "chest" and stress["breathing_reason"] is None
    assert abs(stress["breathing_rate_bpm"] - PROFILES["threat"].own_rate_bpm) <= 1.5
    assert all(p["breathing_source"] == "chest" for p in phases)
    onset = stress["onset_s"]
    assert _live_sources(folder, onset, onset + stress["duration_s"]) == {"chest"}


def test_without_the_accelerometer_the_heart_rhythm_decides(tmp_path: Path) -> None:
    from resonant.devices.physiology import PROFILES
    from resonant.signal.rsa_breathing import UNCLEAR

    folder, phases = _threat_soothing(tmp_path, "--no-acc")
    assert not (folder / "acc.tsv").exists()
    stress = next(p for p in phases if p["stressor"])
    if stress["breathing_rate_bpm"] is None:
        assert stress["breathing_source"] is None and stress["breathing_reason"] == UNCLEAR
    else:
        assert stress["breathing_source"] == "heart"
        assert abs(stress["breathing_rate_bpm"] - PROFILES["threat"].own_rate_bpm) <= 1.5
    onset = stress["onset_s"]
    assert _live_sources(folder, onset, onset + stress["duration_s"]) <= {"heart", ""}
