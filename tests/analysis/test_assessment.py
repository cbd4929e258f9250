"""Resonance assessment and the adaptive guide, end to end against simulated people."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from resonant.cli import main
from resonant.model.clock import SPEED_MAX, MonotonicClock
from resonant.devices.physiology import PersonSpec
from resonant.devices.simulated import SimulatedStrap, StrapSpec
from resonant.model.pacer import PacerSettings
from resonant.analysis.assessment import analyze_folder
from resonant.folder.read import read_pacer
from resonant.model.plans import SlidingProtocol, SteppedProtocol
from resonant.session.adaptive import AdaptivePacer
from resonant.folder.write import Recorder
from resonant.folder.read import read_events
from resonant.session.core import Session


def _assess(tmp: Path, protocol, resonance: float, seed: int, adherence: float = 1.0):
    plan = protocol.plan(PacerSettings())
    strap = SimulatedStrap(
        PersonSpec(resonance_bpm=resonance, seed=seed, adherence=adherence, state="soothing"),
        StrapSpec(seed=seed, artifact_rate=0.01), plan.pacer,
    )  # fmt: skip
    folder = tmp / f"{protocol.name}-{resonance}-{seed}"
    rec = Recorder(folder, {"start_utc": "", "sources": [], "protocol": plan.metadata})
    session = Session([strap], MonotonicClock(SPEED_MAX), plan.pacer, [rec], plan.end_s + 1.0)
    session.schedule_events(plan.events)
    asyncio.run(session.run())
    rec.close()
    return folder, analyze_folder(folder)


def test_stepped_plan_changes_rate_only_at_inhale_onsets() -> None:
    plan = SteppedProtocol().plan(PacerSettings())
    phases = plan.pacer.phases(0.0, plan.end_s + 1)
    rates = [(p.start_s, p.rate_bpm, p.phase) for p in phases]
    changes = [
        (t, r, ph) for (t, r, ph), (_, r0, _) in zip(rates[1:], rates[:-1], strict=True) if r != r0
    ]
    assert [c[1] for c in changes] == [6.0, 5.5, 5.0, 4.5]
    assert all(ph == "inhale" for _, _, ph in changes)
    starts = [e.onset_s for e in plan.events]
    assert starts[0] == 0.0 and all(
        b - a >= 120.0 for a, b in zip(starts, starts[1:], strict=False)
    )
    assert [c[0] for c in changes] == starts[1:]


def test_sliding_plan_lengthens_every_breath_by_the_increment() -> None:
    plan = SlidingProtocol().plan(PacerSettings())
    inhales = [p for p in plan.pacer.phases(0.0, plan.end_s + 1) if p.phase == "inhale"]
    durations = np.diff([p.start_s for p in inhales])
    assert len(inhales) == 79  # 78 breaths and the onset that ends the last
    np.testing.assert_allclose(np.diff(durations), 0.0676, atol=1e-9)
    assert inhales[0].rate_bpm == pytest.approx(6.75) and inhales[-2].rate_bpm == pytest.approx(
        4.257, abs=0.01
    )
    assert 14.5 < plan.end_s / 60 < 15.5


@pytest.mark.parametrize("resonance", [4.5, 5.0, 5.5, 6.0, 6.5])
def test_stepped_protocol_recovers_the_rate_within_a_quarter(
    tmp_path: Path, resonance: float
) -> None:
    _, result = _assess(tmp_path, SteppedProtocol(), resonance, seed=1)
    assert result.reliable
    assert abs(result.resonance_bpm - resonance) <= 0.25, result.to_json()


@pytest.mark.parametrize("resonance", [4.5, 5.0, 5.5, 6.0, 6.5])
def test_sliding_protocol_recovers_the_rate_within_a_half(tmp_path: Path, resonance: float) -> None:
    _, result = _assess(tmp_path, SlidingProtocol(), resonance, seed=2)
    assert result.reliable
    assert abs(result.resonance_bpm - resonance) <= 0.5, result.to_json()


@pytest.mark.parametrize("protocol", [SteppedProtocol(), SlidingProtocol()])
def test_poor_adherence_is_flagged_not_answered_wrongly(tmp_path: Path, protocol) -> None:
    _, result = _assess(tmp_path, protocol, 5.5, seed=3, adherence=0.2)
    assert not result.reliable and result.resonance_bpm is None
    assert result.warnings


def test_live_answer_equals_the_replayed_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "a"
    assert main(["assess", "--simulate", "--sim-resonance", "5.0", "--sim-seed", "4",
                 "--speed", "100000", "--out", str(out), "--json"]) == 0  # fmt: skip
    live = json.loads(capsys.readouterr().out)
    assert main(["assess", "--replay", str(out), "--json"]) == 0
    replayed = json.loads(capsys.readouterr().out)
    assert live == replayed
    for key in ("resonance_bpm", "protocol", "confidence", "reliable", "warnings", "table"):
        assert key in live
    meta = json.loads((out / "session.json").read_text())
    assert meta["assessment"] == live and meta["protocol"]["protocol"] == "stepped"
    phases = [e.label for e in read_events(out) if e.kind == "phase"]
    assert phases[0] == "assessment step 1: 6.5 breaths/min" and len(phases) == 5


def test_accept_saves_the_rate_for_the_guide(tmp_path: Path, capsys, monkeypatch) -> None:
    from resonant.config.settings import load_settings

    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    out = tmp_path / "a"
    assert main(["assess", "--simulate", "--sim-resonance", "5.5", "--sim-seed", "1",
                 "--sim-adherence", "1", "--speed", "100000", "--out", str(out),
                 "--accept"]) == 0  # fmt: skip
    answer = json.loads((out / "session.json").read_text())["assessment"]["resonance_bpm"]
    settings, _ = load_settings()
    assert settings.resonance_bpm == round(answer, 1) and abs(answer - 5.5) <= 0.25
    assert settings.pace_bpm == settings.resonance_bpm
    assert "Resonance rate: about" in capsys.readouterr().out


def test_bad_assessment_options_are_one_sentence(tmp_path: Path, capsys) -> None:
    assert main(["assess", "--simulate", "--step-s", "40", "--out", str(tmp_path / "x")]) == 2
    assert "settling" in capsys.readouterr().err
    assert main(["assess", "--replay", str(tmp_path / "nothing")]) == 2


def _adaptive_run(tmp: Path, start: float, resonance: float, seed: int, adherence: float):
    pacer_settings = PacerSettings(rate_bpm=start)
    from resonant.model.pacer import PacerSchedule

    pacer = PacerSchedule(pacer_settings)
    strap = SimulatedStrap(
        PersonSpec(resonance_bpm=resonance, seed=seed, adherence=adherence, state="soothing"),
        StrapSpec(seed=seed), pacer,
    )  # fmt: skip
    adaptive = AdaptivePacer(lambda s, r: None, pacer_settings)
    rec = Recorder(tmp / f"adaptive-{seed}", {"start_utc": "", "sources": []})
    session = Session([strap], MonotonicClock(SPEED_MAX), pacer, [rec, adaptive], 1200.0)
    adaptive.change = session.change_pacer
    asyncio.run(session.run())
    rec.close()
    return adaptive, pacer, tmp / f"adaptive-{seed}"


@pytest.mark.parametrize(("start", "seed"), [(6.0, 1), (4.0, 2)])
def test_adaptive_guide_moves_toward_the_resonance_without_jumping(
    tmp_path: Path, start, seed
) -> None:
    adaptive, pacer, folder = _adaptive_run(tmp_path, start, 5.0, seed, adherence=1.0)
    assert abs(adaptive.rate_bpm - 5.0) <= 0.3, adaptive.log
    # Never more than 0.1 breaths/min per 2 minutes, each change an event, every one at
    # a turning point of the guide: the recorded phases are contiguous and the drawn
    # volume never jumps.
    changes = [e for e in read_events(folder) if e.kind == "pacer"]
    assert len(changes) == sum(1 for x in adaptive.log if x["new_rate_bpm"] != x["rate_bpm"])
    assert all(abs(x["new_rate_bpm"] - x["rate_bpm"]) <= 0.1 + 1e-9 for x in adaptive.log)
    rows = read_pacer(folder)
    np.testing.assert_allclose(rows.start_s[1:], (rows.start_s + rows.duration_s)[:-1], atol=1e-3)
    # (compared within 1 ms: numpy's and Python's round() differ on ties such as 730.4365)
    assert all(np.min(np.abs(rows.start_s - e.onset_s)) < 1e-3 for e in changes)
    t = np.arange(0.0, rows.start_s[-1], 0.05)
    assert np.max(np.abs(np.diff(rows.volume(t)))) < 0.05


def test_adaptive_guide_holds_while_the_person_breathes_at_their_own_rate(tmp_path: Path) -> None:
    adaptive, _, _ = _adaptive_run(tmp_path, 6.0, 5.0, 5, adherence=0.0)
    assert adaptive.rate_bpm == 6.0
    assert adaptive.log and all("holding" in x["reason"] for x in adaptive.log)
