"""``resonant history``: every session in a folder, summarised, in date order, and plotted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from resonant.cli import main
from resonant.cli.history import collect, run_history
from resonant.folder.read import read_recording
from resonant.signal.offline import analyze_rr

FAST = "100000"
# name (sorts differently from the dates), state, seed, start_utc
SESSIONS = [
    ("a-threat", "threat", "2", "2026-03-04T18:30:00.000000Z"),
    ("b-soothing", "soothing", "3", "2026-01-10T07:05:00.000000Z"),
    ("c-rest", "rest", "1", "2026-02-01T12:00:00.000000Z"),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history")
    for name, state, seed, start in SESSIONS:
        # One session one level deeper: the search is recursive.
        out = root / ("nested" if name == "c-rest" else "") / name
        assert main(["record", "--simulate", "--out", str(out), "--duration", "180",
                     "--speed", FAST, "--sim-seed", seed, "--sim-state", state]) == 0  # fmt: skip
        meta = json.loads((out / "session.json").read_text())
        meta["start_utc"] = start
        if name == "b-soothing":
            meta["assessment"] = {"protocol": "stepped", "resonance_bpm": 5.42}
            meta["participant"] = "P07"
        (out / "session.json").write_text(json.dumps(meta))
    return root


def with_bad_folder(archive: Path, tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    shutil.copytree(archive, root)
    (root / "z-broken").mkdir()
    (root / "z-broken" / "session.json").write_text('{"start_utc": "2026-')
    return root


def test_sessions_in_date_order_with_analyze_rr_values(archive: Path) -> None:
    rows = collect(archive)
    assert [Path(r.path).name for r in rows] == ["b-soothing", "c-rest", "a-threat"]
    assert [r.start_utc.isoformat() for r in rows] == [  # type: ignore[union-attr]
        "2026-01-10T07:05:00+00:00", "2026-02-01T12:00:00+00:00", "2026-03-04T18:30:00+00:00",
    ]  # fmt: skip
    for r in rows:
        [rec] = read_recording(r.path)
        res = analyze_rr(rec.time_s, rec.rr_ms, rec.segment_starts)
        assert r.hr_mean_bpm == res.time.hr_mean_bpm
        assert r.rmssd_ms == res.time.rmssd_ms
        assert r.coherence_mean == res.coherence_mean
        assert r.breathing_rate_bpm == res.breathing_rate_bpm
        assert r.beats == rec.rr_ms.size and r.complete and r.duration_s == 180.0
    soothing, rest, threat = rows
    assert soothing.rmssd_ms > threat.rmssd_ms and soothing.coherence_mean > threat.coherence_mean
    assert (soothing.resonance_bpm, soothing.resonance_from) == (5.42, "assessment")
    assert (rest.resonance_bpm, rest.resonance_from) == (6.0, "guide")
    assert soothing.participant == "P07" and rest.participant is None
    assert rest.protocol is None


def test_json_lines_and_a_bad_folder_skipped(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = with_bad_folder(archive, tmp_path)
    assert run_history(str(root), as_json=True, plot=None) == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [Path(x["path"]).name for x in lines] == ["b-soothing", "c-rest", "a-threat"]
    assert set(lines[0]) == {
        "path", "start_utc", "date", "start_local", "duration_s", "complete", "source", "beats",
        "hr_mean_bpm", "rmssd_ms", "coherence_mean", "breathing_rate_bpm", "resonance_bpm",
        "resonance_from", "pace_bpm", "protocol", "participant", "end_reason", "calm_before",
        "calm_after", "self_critical_before", "self_critical_after", "has_journal",
    }  # fmt: skip
    assert lines[0]["start_utc"] == "2026-01-10T07:05:00.000000Z"
    assert lines[0]["resonance_bpm"] == 5.42 and lines[0]["participant"] == "P07"
    rows = collect(archive)
    for line, row in zip(lines, rows, strict=True):
        assert line["rmssd_ms"] == pytest.approx(row.rmssd_ms, abs=1e-6)
        assert line["coherence_mean"] == pytest.approx(row.coherence_mean, abs=1e-6)
    [err] = captured.err.splitlines()
    assert err.startswith("resonant: ") and "z-broken" in err and "skipped" in err


def test_table(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_history(str(archive), as_json=False, plot=None) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:7] == ["date", "start", "min", "HR", "RMSSD", "coh", "breath"]
    assert [line.split()[0] for line in out[1:4]] == ["2026-01-10", "2026-02-01", "2026-03-04"]
    assert out[1].split()[-1] == "b-soothing" and "P07" in out[1]
    assert out[-1].startswith("units:")


def test_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_history(str(tmp_path / "missing"), as_json=False, plot=None) == 2
    (tmp_path / "empty").mkdir()
    assert run_history(str(tmp_path / "empty"), as_json=False, plot=None) == 0
    assert "no sessions" in capsys.readouterr().err
    only_bad = tmp_path / "bad" / "s"
    only_bad.mkdir(parents=True)
    (only_bad / "beats.tsv").write_text("time_s\trr_ms\n1.0\tabc\n")
    (only_bad / "session.json").write_text("{}")
    assert run_history(str(tmp_path / "bad"), as_json=False, plot=None) == 2
    err = capsys.readouterr().err.splitlines()
    assert "'abc' is not a number" in err[0] and len(err) == 2


def test_default_folder_is_the_data_folder(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    shutil.copytree(archive / "a-threat", tmp_path / "resonant" / "sessions" / "a-threat")
    [row] = collect()
    assert Path(row.path).name == "a-threat"


def test_plot(archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "trend.png"
    assert run_history(str(archive), as_json=True, plot=str(out)) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3  # stdout stays JSON Lines
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
    from PyQt6.QtGui import QImage

    img = QImage(str(out))
    assert img.width() >= 1000 and img.height() >= 900
    # Something was drawn in the palette's colours, not just a blank canvas.
    pixels = np.frombuffer(img.convertToFormat(QImage.Format.Format_RGB888).constBits().asstring(
        img.height() * img.convertToFormat(QImage.Format.Format_RGB888).bytesPerLine()),
        dtype=np.uint8)  # fmt: skip
    assert len(np.unique(pixels)) > 50
    # Never overwritten; PNG only.
    assert run_history(str(archive), as_json=False, plot=str(out)) == 2
    assert out.read_bytes() == data
    assert run_history(str(archive), as_json=False, plot=str(tmp_path / "t.jpg")) == 2
    assert "already exists" in capsys.readouterr().err
