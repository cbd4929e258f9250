"""A simulated group: ``--sim-people`` and ``--sim-person``, the folder, ``analyze``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from resonant.cli import main
from resonant.cli.options import add_source_arguments, session_spec, sim_people
from resonant.cli.terminal import render_plain
from resonant.errors import EXIT_BAD_INPUT, BadInputError
from resonant.folder.read import read_recording
from resonant.session.assemble import SimSpec, SourceSpec, sim_group
from resonant.session.core import SessionSnapshot, SourceSnapshot

FAST = "100000"  # as fast as the machine goes


def _args(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_source_arguments(p, demo=True)
    return p.parse_args(list(argv))


def test_a_four_person_record_holds_four_people_with_their_own_beats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "group"
    status = main([
        "record", "--simulate", "--out", str(out), "--speed", FAST, "--duration", "120",
        "--sim-people", "4", "--sim-seed", "3", "--sim-person", "sim2:state=threat,label=ana",
    ])  # fmt: skip
    assert status == 0
    said = capsys.readouterr().out
    assert "seeds: sim1 3, ana 4, sim3 5, sim4 6" in said
    recs = read_recording(out)
    assert [r.source for r in recs] == ["sim1", "ana", "sim3", "sim4"]
    for rec in recs:
        assert len(rec.rr_ms) > 100
    # Distinct people: no two share their beats.
    series = [np.asarray(r.rr_ms[:100]) for r in recs]
    for i in range(4):
        for j in range(i + 1, 4):
            assert not np.allclose(series[i], series[j])
    # The person under threat has the faster heart.
    means = {r.source: float(np.mean(r.rr_ms)) for r in recs}
    assert means["ana"] < min(v for k, v in means.items() if k != "ana")
    meta = json.loads((out / "session.json").read_text())
    assert [s["label"] for s in meta["sources"]] == ["sim1", "ana", "sim3", "sim4"]
    assert [s["settings"]["seed"] for s in meta["sources"]] == [3, 4, 5, 6]
    people = meta["simulation"]["people"]
    assert [p["label"] for p in people] == ["sim1", "ana", "sim3", "sim4"]
    assert [p["state"] for p in people] == ["rest", "threat", "rest", "rest"]
    assert [p["resonance_bpm"] for p in people] == [4.75, 5.25, 5.75, 6.25]
    assert meta["simulation"]["label"] == "sim1"
    # analyze shows each person.
    assert main(["analyze", "--json", str(out)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["source"] for r in rows] == ["sim1", "ana", "sim3", "sim4"]
    # The report makes each person's page; its simulated person is that person.
    page = tmp_path / "ana.html"
    assert main(["report", str(out), "--out", str(page), "--source", "ana"]) == 0
    html = page.read_text(encoding="utf-8")
    assert "sim1, sim3, sim4 (this page shows ana)" in html
    assert "resonance 5.25 breaths/min, state threat" in html
    capsys.readouterr()
    assert main(["report", str(out), "--out", str(tmp_path / "x.html"), "--source", "bob"]) == (
        EXIT_BAD_INPUT
    )
    assert "has no beats labelled 'bob' (it has sim1, ana, sim3, sim4)" in capsys.readouterr().err


def test_one_person_stays_as_before(tmp_path: Path) -> None:
    out = tmp_path / "one"
    assert main(["record", "--simulate", "--out", str(out), "--speed", FAST,
                 "--duration", "30", "--sim-seed", "2"]) == 0  # fmt: skip
    [rec] = read_recording(out)
    assert rec.source == "sim"
    meta = json.loads((out / "session.json").read_text())
    assert "people" not in meta["simulation"] and meta["simulation"]["seed"] == 2


def test_the_group_is_made_from_the_sim_options() -> None:
    spec = session_spec(_args("--sim-people", "3", "--sim-seed", "10", "--sim-resonance", "6.8"),
                        kind="sim", record=False)  # fmt: skip
    people = spec.source.simulated()
    assert [p.label for p in people] == ["sim1", "sim2", "sim3"]
    assert [p.seed for p in people] == [10, 11, 12]
    # Spread over 1.5 breaths/min around 6.8, kept within 4-7.
    assert [p.resonance_bpm for p in people] == [6.05, 6.8, 7.0]
    assert spec.source.describe() == "3 simulated people (soothing)"
    one = session_spec(_args("--sim-person", "sim:state=threat,seed=4"), kind="sim", record=False)
    assert one.source.people == () and one.source.sim.state == "threat" and one.source.sim.seed == 4


def test_people_without_a_seed_get_one_drawn_at_assembly(tmp_path: Path) -> None:
    from resonant.session.assemble import SessionSpec, assemble

    source = SourceSpec("sim", (), SimSpec(), people=sim_group(SimSpec(), 3))
    assembly = assemble(SessionSpec(source=source, record=False, duration_s=5.0))
    seeds = [p.seed for p in assembly.spec.source.people]
    base = assembly.spec.source.sim.seed
    assert base is not None and seeds == [base, base + 1, base + 2]
    assert [s.info.label for s in assembly.session.sources] == ["sim1", "sim2", "sim3"]


@pytest.mark.parametrize(
    "persons, words",
    [
        (["sim5:state=threat"], "no person is labelled 'sim5'"),
        (["sim2:mood=calm"], "is not KEY=VALUE"),
        (["sim2:state=angry"], "is not rest, threat or soothing"),
        (["sim2:resonance=9"], "outside 4-7"),
        (["sim2:seed=x"], "seed=x is not valid"),
        (["sim1:label=sim2"], "two simulated people are labelled 'sim2'"),
    ],
)
def test_a_person_badly_described_is_told_in_one_sentence(persons: list[str], words: str) -> None:
    with pytest.raises(BadInputError, match=words.replace("(", r"\(")):
        sim_people(SimSpec(), 2, persons)
        SourceSpec("sim", (), SimSpec(), people=sim_people(SimSpec(), 2, persons))


def test_bad_group_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", "--simulate", "--sim-people", "9", "--duration", "5"]) == EXIT_BAD_INPUT
    assert "--sim-people 9 is outside 1-8" in capsys.readouterr().err
    assert main(["record", "--simulate", "--sim-person", "sim3", "--duration", "5"]) == (
        EXIT_BAD_INPUT
    )
    assert "the simulated people are sim;" in capsys.readouterr().err


def test_the_plain_lines_give_each_person_a_line() -> None:
    people = tuple(
        SourceSnapshot(f"sim{k}", "streaming", None, None, None, 0, 0, None, None)
        for k in (1, 2, 3)
    )
    snap = SessionSnapshot(60.0, 60.0, None, None, people, 0, True)
    lines = render_plain(snap).splitlines()
    assert lines[0] == "1:00" and [ln.split(":")[0].strip() for ln in lines[1:]] == [
        "sim1", "sim2", "sim3",
    ]


def test_an_assessment_is_for_one_person(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", "--simulate", "--sim-people", "2", "--speed", FAST]) == EXIT_BAD_INPUT
    assert "an assessment finds one person's rate" in capsys.readouterr().err
