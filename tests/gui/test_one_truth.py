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
    assert main([*DEMO, "--out", str(window), "--screenshot", str(shot), "--after", "5"]) == 0
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
