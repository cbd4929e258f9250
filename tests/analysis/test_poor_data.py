"""Values computed on heavily corrected data (more than 5 % of NN) carry a note everywhere.

The real recording is MIT-BIH record 208 (an excerpt with frequent PVCs; see
signal/real/README.md for its source and licence).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resonant.analysis.phases import analyze_phases, poor_data, poor_data_note
from resonant.analysis.summaries import analyze_path
from resonant.cli.analyze import run_analyze
from resonant.folder.read import read_recording
from resonant.model.beats import Event
from resonant.signal.metrics import StreamConfig
from resonant.signal.offline import MAX_CORRECTED_PCT, analyze_rr

REAL = Path(__file__).resolve().parents[2] / "signal" / "real" / "mitbih-208-excerpt.txt"
HEAVY = "rest on heavily corrected data"


def test_the_threshold_is_the_live_paths() -> None:
    assert MAX_CORRECTED_PCT == StreamConfig().max_corrected_pct == 5.0


@given(st.floats(min_value=0.0, max_value=100.0, allow_nan=False))
def test_note_exactly_above_the_threshold(pct: float) -> None:
    note = poor_data_note(pct)
    assert poor_data(pct) is (pct > MAX_CORRECTED_PCT) is (note is not None)
    if note is not None:
        assert HEAVY in note and f"{pct:.1f}%" in note
    assert poor_data_note(None) is None and not poor_data(None)


def test_real_recording_with_ectopy_gets_the_note_and_keeps_its_values() -> None:
    rr = np.loadtxt(REAL)
    assert rr.size == 501  # the stored file, as made by signal/real/make_mitbih208.py
    [(s, notes)], _ = analyze_path(str(REAL))
    assert s["corrected_pct"] > MAX_CORRECTED_PCT
    assert s["artifacts"]["ectopic"] >= 10  # PVCs, found as ectopic beats
    assert s["poor_data"] is True
    assert HEAVY in s["notes"][0] and notes[0] == s["notes"][0]
    # The numbers are not hidden: RMSSD and the rest are still reported.
    res = analyze_rr(np.cumsum(rr) / 1000.0, rr)
    assert s["rmssd_ms"] == pytest.approx(res.time.rmssd_ms, abs=1e-6) and s["rmssd_ms"] > 0
    assert s["hr_mean_bpm"] is not None and s["sdnn_ms"] is not None


def test_real_recording_note_in_the_table_and_the_json() -> None:
    out = io.StringIO()
    assert run_analyze([str(REAL)], as_json=False, out=out) == 0
    text = out.getvalue()
    [row] = [line for line in text.splitlines() if line.startswith(str(REAL) + " ")]
    assert "87." in row or "88." in row  # RMSSD still in the table
    assert f"{REAL}: " in text and HEAVY in text.split(row, 1)[1]
    out = io.StringIO()
    assert run_analyze([str(REAL)], as_json=True, out=out) == 0
    obj = json.loads(out.getvalue())
    assert obj["poor_data"] is True and any(HEAVY in n for n in obj["notes"])


def test_clean_recording_has_no_note(real_nn_short: np.ndarray) -> None:
    t = np.cumsum(real_nn_short) / 1000.0
    res = analyze_rr(t, real_nn_short)
    assert res.corrected_pct < MAX_CORRECTED_PCT and poor_data_note(res.corrected_pct) is None


def test_each_phase_carries_its_own_note(tmp_path: Path, real_nn_short: np.ndarray) -> None:
    """A clean phase followed by the ectopic one: only the second phase gets the note."""
    rr = np.concatenate([real_nn_short, np.loadtxt(REAL)])
    path = tmp_path / "clean-then-ectopic.txt"
    path.write_text("".join(f"{v:.4f}\n" for v in rr), encoding="utf-8")
    [rec] = read_recording(path)
    split = float(rec.time_s[real_nn_short.size - 1]) + 1e-3
    events = [Event(0.0, "phase", "clean", split), Event(split, "phase", "ectopic")]
    first, second = analyze_phases(rec, events)
    assert not first.poor_data and second.poor_data
    a, b = first.to_json(), second.to_json()
    assert a["poor_data"] is False and a["notes"] == [] and a["corrected_pct"] < 5
    assert b["poor_data"] is True and HEAVY in b["notes"][0] and b["corrected_pct"] > 5
    assert b["rmssd_ms"] is not None  # shown, with the note
