"""The compassionate-imagery protocol (Rockliff et al. 2008): data, a simulated run, phases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from resonant.analysis.compare import phase_notes
from resonant.cli import main
from resonant.folder.read import read_events
from resonant.model.practices import judging_words_in
from resonant.model.protocols import protocols

NAME = "compassionate-imagery"
PHASE_NAMES = ["baseline", "neutral imagery", "compassionate imagery", "quiet recovery"]


def test_the_protocol_loads_with_its_four_phases() -> None:
    p = protocols(None)[NAME]
    assert [ph.name for ph in p.phases] == PHASE_NAMES
    assert [ph.duration_s for ph in p.phases] == [120, 180, 300, 120]
    assert not any(ph.stressor for ph in p.phases)
    # The imagery, not a breathing pace, is what differs between the phases.
    assert all(ph.pacer == "off" for ph in p.phases)
    assert [ph.state for ph in p.phases] == ["rest", "rest", "soothing", "rest"]
    assert p.assessment is None and "Rockliff" in p.description


def test_the_scripts_invite_say_it_can_be_hard_and_offer_a_way_out() -> None:
    p = protocols(None)[NAME]
    for text in [p.title, p.description, *(ph.instruction for ph in p.phases)]:
        assert judging_words_in(text) == [], text
    neutral, compassion = p.phases[1].instruction, p.phases[2].instruction
    assert "if it feels right for you" in neutral.lower()
    assert "if it feels right for you" in compassion.lower()
    assert "as best you can" in compassion
    # A compassionate other first, then compassion flowing to oneself.
    assert compassion.index("wishes you well") < compassion.index("towards yourself")
    # Some find it hard; that is common and all right; a way out.
    for words in ("find this kind of imagery hard", "common", "all right", "open your eyes",
                  "come back to your breath", "stop at any time"):  # fmt: skip
        assert words in compassion, words


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("imagery") / "s"
    assert main(["record", "--simulate", "--protocol", NAME, "--out", str(out),
                 "--speed", "100000", "--sim-seed", "2"]) == 0  # fmt: skip
    return out


def test_a_simulated_run_writes_the_four_phase_events(recorded: Path) -> None:
    phases_ev = [e for e in read_events(recorded) if e.kind == "phase"]
    assert [(e.onset_s, e.label) for e in phases_ev] == [
        (0.0, "baseline"), (120.0, "neutral imagery"),
        (300.0, "compassionate imagery"), (600.0, "quiet recovery"),
    ]  # fmt: skip
    meta = json.loads((recorded / "session.json").read_text())
    assert meta["protocol"]["name"] == NAME


def test_analyze_and_its_notes_compare_the_four_phases(recorded: Path, capsys) -> None:
    capsys.readouterr()
    assert main(["analyze", "--json", str(recorded)]) == 0
    phases = json.loads(capsys.readouterr().out)["phases"]
    assert [p["label"] for p in phases] == PHASE_NAMES
    assert not any(p["stressor"] for p in phases)
    _, neutral, compassion, _ = phases
    # The simulated person settles during the compassionate imagery (real people vary:
    # Rockliff et al. 2008 saw variability fall in some).
    assert compassion["rmssd_ms"] > neutral["rmssd_ms"]
    assert compassion["hr_mean_bpm"] < neutral["hr_mean_bpm"]
    notes = phase_notes(phases)
    assert len(notes) == 3 and "compassionate imagery" in notes[1]
    assert all(judging_words_in(n) == [] for n in notes)


def test_the_comparison_view_shows_the_four_phases(recorded: Path, qapp) -> None:
    from resonant.gui.compare_view import CompareDialog

    dialog = CompareDialog(recorded)
    assert dialog.table.rowCount() == 4
    labels = [dialog.table.item(r, 0).text() for r in range(4)]
    assert labels == [f"{k}. {name}" for k, name in enumerate(PHASE_NAMES, 1)]
    assert "compassionate imagery" in dialog.notes.text()
    dialog.close()
