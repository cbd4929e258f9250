"""One session, one truth: the same description gives the same session in the terminal and the window.

``resonant demo`` with ``--headless`` runs the session in the terminal; with
``--screenshot`` (no display needed) it runs in the trainer window. Both go through the
one session assembly, so the folders they record hold the same facts: the same
``session.json`` (but for the wall-clock times), the same beats, phase events and guide,
and the same per-phase numbers in every command and view that reads them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from resonant.cli import main
from resonant.folder.read import read_events, read_session_json

DEMO = [
    "demo", "--protocol", "threat-soothing", "--speed", "1000", "--sim-seed", "11",
    "--participant", "P7", "--label", "clinic",
]  # fmt: skip
#: Fields that are wall-clock times, and so differ between any two runs.
WALL_CLOCK = ("start_utc", "end_utc")


def _analyze(folder: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["analyze", "--json", str(folder)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    result = json.loads(out[0])
    result.pop("path")
    return result


@pytest.fixture(scope="module")
def two_faces(tmp_path_factory: pytest.TempPathFactory, qapp) -> tuple[Path, Path]:  # noqa: ANN001
    root = tmp_path_factory.mktemp("faces")
    terminal, window = root / "terminal", root / "window"
    assert main([*DEMO, "--headless", "--out", str(terminal)]) == 0
    shot = root / "window.png"
    assert main([*DEMO, "--out", str(window), "--screenshot", str(shot), "--after", "10"]) == 0
    assert shot.is_file()
    return terminal, window


def test_the_window_records_the_protocol_and_its_phases(two_faces: tuple[Path, Path]) -> None:
    _, window = two_faces
    meta = read_session_json(window)
    assert meta["protocol"]["name"] == "threat-soothing"
    assert [p["name"] for p in meta["protocol"]["phases"]] == [
        "baseline", "mild stressor", "soothing rhythm breathing", "quiet recovery",
    ]  # fmt: skip
    assert meta["participant"] == "P7"
    assert meta["settings"]["duration_s"] == pytest.approx(691.0)
    assert meta["settings"]["windows"]["time_domain_s"] > 0
    assert meta["simulation"]["seed"] == 11 and meta["simulation"]["state"] == "soothing"
    assert meta["end_reason"] == "completed" and meta["beats"]["sim"] > 700
    phases = [e for e in read_events(window) if e.kind == "phase"]
    assert [e.label for e in phases] == [
        "baseline", "mild stressor (stressor)", "soothing rhythm breathing", "quiet recovery",
    ]  # fmt: skip
    assert [e.onset_s for e in phases] == pytest.approx([0.0, 120.0, 270.0, 570.0])


def test_terminal_and_window_record_the_same_session(two_faces: tuple[Path, Path]) -> None:
    terminal, window = two_faces
    a, b = read_session_json(terminal), read_session_json(window)
    for key in WALL_CLOCK:
        assert a.pop(key) and b.pop(key)
    assert a == b
    for table in ("beats.tsv", "events.tsv", "pacer.tsv", "metrics.tsv"):
        assert (terminal / table).read_bytes() == (window / table).read_bytes(), table


def test_analyze_reads_the_same_facts_from_both(
    two_faces: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    terminal, window = two_faces
    a, b = _analyze(terminal, capsys), _analyze(window, capsys)
    assert a == b
    assert [p["label"] for p in a["phases"]][1] == "mild stressor" and a["phases"][1]["stressor"]


def _three_views(folder: Path, capsys: pytest.CaptureFixture[str]) -> list[list[dict]]:
    """Per-phase values as ``analyze --json``, the report and the comparison view show them."""
    from resonant.gui.compare_view import load_phases
    from resonant.reports.page import load_session

    analyzed = _analyze(folder, capsys)["phases"]
    reported = [p.to_json() for p in load_session(folder).phases]
    compared, _ = load_phases(folder)
    return [analyzed, reported, compared]


def test_analyze_report_and_comparison_agree_on_every_phase(
    two_faces: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    terminal, window = two_faces
    views = _three_views(terminal, capsys) + _three_views(window, capsys)
    assert len(views[0]) == 4 and all(p["beats"] > 50 for p in views[0])
    for other in views[1:]:
        assert other == views[0]


def test_a_phase_ended_early_in_the_window_reads_the_same_everywhere(
    qapp, tmp_path: Path, capsys: pytest.CaptureFixture[str]  # noqa: ANN001
) -> None:
    """A clinician's "Next phase": every view ends the phase where the next one began."""
    import asyncio

    from resonant.config.settings import Settings
    from resonant.gui.qtloop import run_on_qt
    from resonant.gui.window import MainWindow
    from resonant.session.assemble import SimSpec, SourceSpec

    window = MainWindow(
        Settings(session_min=None, checkin=False, consent_recording=True),
        speed=400.0, save=False, record_dir=tmp_path,
    )  # fmt: skip
    window.with_choice(SourceSpec("sim", (), SimSpec(state="rest", seed=5)))
    window.protocol_combo.setCurrentIndex(window.protocol_combo.findData("threat-soothing"))

    async def main() -> None:
        window.start()
        assert window.session is not None and window.runner is not None
        while window.session.view_time() < 60.0:  # a minute into the 2-minute baseline
            await asyncio.sleep(0.01)
        window.next_phase()
        assert window.task is not None
        await asyncio.wait([window.task], timeout=60.0)
        await asyncio.sleep(0.1)  # _finished runs as the task's done callback

    run_on_qt(main, qapp)
    window.close()
    outcome = window.last_outcome
    assert outcome is not None and outcome.folder is not None
    folder = outcome.folder
    assert read_session_json(folder)["protocol"]["name"] == "threat-soothing"
    views = _three_views(folder, capsys)
    first = views[0][0]
    assert first["label"] == "baseline" and 60.0 <= first["duration_s"] < 70.0
    assert views[0][1]["onset_s"] == pytest.approx(first["onset_s"] + first["duration_s"])
    for other in views[1:]:
        assert other == views[0]
    notes = [e.label for e in read_events(folder) if e.kind == "note"]
    assert any("ended early" in n for n in notes)


@pytest.mark.parametrize("bad", [["--protocol", "resonance-assessment"], ["--protocol", "nope"]])
def test_a_bad_option_is_refused_the_same_way_by_both_faces(
    bad: list[str], tmp_path: Path, qapp, capsys: pytest.CaptureFixture[str]  # noqa: ANN001
) -> None:
    shot = tmp_path / "x.png"
    assert main(["demo", "--headless", *bad]) == 2
    terminal = capsys.readouterr().err
    assert main(["demo", *bad, "--screenshot", str(shot), "--after", "1"]) == 2
    window = capsys.readouterr().err
    assert terminal.strip().splitlines()[-1] == window.strip().splitlines()[-1]
    assert not shot.exists()
