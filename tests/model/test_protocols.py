"""Guided protocols: the shipped files, user files, the runner, and the notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from resonant.cli import main
from resonant.analysis.compare import phase_notes, protocol_plan
from resonant.config.settings import user_protocols_dir
from resonant.model.protocols import ProtocolError, load_protocol, protocols
from resonant.folder.read import read_events

JUDGING = ("bad", "poor", "fail", "wrong", "must", "should")

PHASE_NAMES = ["baseline", "mild stressor", "soothing rhythm breathing", "quiet recovery"]


def test_shipped_protocols_are_complete_and_kind() -> None:
    ps = protocols(None)
    assert {"threat-soothing", "soothing-practice", "resonance-assessment"} <= set(ps)
    ts = ps["threat-soothing"]
    assert [p.name for p in ts.phases] == PHASE_NAMES
    assert [p.duration_s for p in ts.phases] == [120, 150, 300, 120]
    assert [p.stressor for p in ts.phases] == [False, True, False, False]
    assert ps["resonance-assessment"].assessment == "stepped"
    for p in ps.values():
        for text in [p.description, *(ph.instruction for ph in p.phases)]:
            assert not any(f" {w} " in f" {text.lower()} " for w in JUDGING), text


def test_a_users_protocol_replaces_and_a_broken_one_is_a_sentence(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "resonant" / "protocols"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(
        'name = "mine"\n[[phase]]\nname = "breathe"\nminutes = 1\npacer = 6.0\n'
    )
    assert protocols(user_protocols_dir())["mine"].phases[0].pacer == 6.0
    (folder / "broken.toml").write_text('[[phase]]\nname = "x"\nminutes = 500\n')
    problems: list[str] = []
    assert "mine" in protocols(user_protocols_dir(), problems)  # skipped, not fatal
    assert len(problems) == 1 and "broken.toml" in problems[0] and "minutes = 500" in problems[0]
    with pytest.raises(ProtocolError, match="minutes = 500"):
        load_protocol("broken", user_protocols_dir())  # asked for: refused
    (folder / "broken.toml").unlink()
    with pytest.raises(ProtocolError, match="no protocol 'nothing'"):
        load_protocol("nothing", user_protocols_dir())


def test_record_runs_the_phases_and_analyze_compares_them(tmp_path: Path, capsys) -> None:
    out = tmp_path / "s"
    assert main(["record", "--simulate", "--protocol", "threat-soothing", "--out", str(out),
                 "--speed", "100000", "--sim-seed", "2"]) == 0  # fmt: skip
    phases_ev = [e for e in read_events(out) if e.kind == "phase"]
    assert [(e.onset_s, e.label) for e in phases_ev] == [
        (0.0, "baseline"), (120.0, "mild stressor (stressor)"),
        (270.0, "soothing rhythm breathing"), (570.0, "quiet recovery"),
    ]  # fmt: skip
    meta = json.loads((out / "session.json").read_text())
    assert meta["protocol"]["name"] == "threat-soothing"
    capsys.readouterr()
    assert main(["analyze", "--json", str(out)]) == 0
    phases = json.loads(capsys.readouterr().out)["phases"]
    keys = {"label", "onset_s", "duration_s", "stressor", "hr_mean_bpm", "rmssd_ms",
            "coherence_mean", "lf_hf", "breathing_rate_bpm"}  # fmt: skip
    assert all(keys <= set(p) for p in phases)
    base, stress, soothe, _ = phases
    assert stress["stressor"] and not base["stressor"]
    assert stress["hr_mean_bpm"] > base["hr_mean_bpm"] + 8
    assert soothe["rmssd_ms"] > 2 * stress["rmssd_ms"]
    assert soothe["coherence_mean"] > stress["coherence_mean"]
    assert soothe["hr_mean_bpm"] < stress["hr_mean_bpm"]
    # Measured at the chest: this person (adherence 0.9) spent stretches at their own
    # rate, so the breaths counted lie a little above the guide's 5.5 (checked against
    # the simulated person's own breaths in tests/signal/test_breathing_source.py).
    assert soothe["coherence_mean"] > 2.0 and soothe["breathing_source"] == "chest"
    assert 5.2 < soothe["breathing_rate_bpm"] < 8.0
    notes = phase_notes(phases, protocol_plan(meta))  # the plan: the guide ran slow
    assert len(notes) == 3 and "threat system" in notes[0] and "soothing system" in notes[1]


def test_an_assessment_protocol_points_to_assess(tmp_path: Path, capsys) -> None:
    assert main(["record", "--simulate", "--protocol", "resonance-assessment",
                 "--out", str(tmp_path / "s")]) == 2  # fmt: skip
    assert "resonant assess" in capsys.readouterr().err


def test_notes_with_one_phase_or_no_difference() -> None:
    assert phase_notes([{"label": "only"}]) == []
    same = {"hr_mean_bpm": 70.0, "rmssd_ms": 40.0, "coherence_mean": 1.0}
    notes = phase_notes([{"label": "a", **same}, {"label": "b", **same}])
    assert notes == ["In 'b' the heart rhythm was much as in 'a'."]
