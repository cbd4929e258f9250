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
from resonant.analysis.phases import analyze_recording
from resonant.signal.offline import analyze_rr
from resonant.signal.rsa_breathing import UNCLEAR

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
        res = analyze_recording(rec)  # as `analyze`: the guide and the chest included
        assert r.hr_mean_bpm == res.time.hr_mean_bpm
        assert r.rmssd_ms == res.time.rmssd_ms
        assert r.coherence_mean == res.coherence_mean
        assert r.breathing_rate_bpm == res.breathing_rate_bpm
        assert r.breathing_reason == res.breathing_reason
        assert r.breathing_source == res.breathing_source
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
    # One rule for every command (issue 18): the others listed, the bad one said, exit 2.
    assert run_history(str(root), as_json=True, plot=None) == 2
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [Path(x["path"]).name for x in lines] == ["b-soothing", "c-rest", "a-threat"]
    assert set(lines[0]) == {
        "path", "start_utc", "date", "start_local", "duration_s", "complete", "source", "beats",
        "hr_mean_bpm", "rmssd_ms", "coherence_mean", "breathing_rate_bpm", "breathing_reason",
        "breathing_source", "resonance_bpm",
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
    # Owner-only, and nothing else left beside it (no predictable temporary file).
    import stat

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trend.png"]


@pytest.mark.parametrize("link", ["dangling", "to a file"])
def test_a_symlink_at_the_plot_name_is_refused_not_followed(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], link: str
) -> None:
    victim = tmp_path / "victim"
    if link == "to a file":
        victim.write_text("precious")
    out = tmp_path / "trend.png"
    out.symlink_to(victim)
    assert run_history(str(archive), as_json=False, plot=str(out)) == 2
    assert "already exists; the plot never overwrites a file" in capsys.readouterr().err
    assert out.is_symlink()
    assert victim.read_text() == "precious" if link == "to a file" else not victim.exists()


def test_a_symlink_planted_at_the_old_temporary_name_is_harmless(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The temporary name was once ``.trend.png.part``: now random and created exclusively."""
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (tmp_path / ".trend.png.part").symlink_to(victim)
    assert run_history(str(archive), as_json=False, plot=str(tmp_path / "trend.png")) == 0
    assert victim.read_text() == "precious"
    assert (tmp_path / "trend.png").read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".trend.png.part", "trend.png", "victim"]


def test_breathing_is_measured_or_unclear_never_a_raw_peak(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rule of `analyze` (hrv-spec §11.1): the chest's rate, else a clear peak, else unclear.

    A threat session without a guide (breathing fast and shallow, the Mayer wave the
    heart rhythm's largest slow peak), with and without its accelerometer: with it, the
    chest's rate; without it, "unclear" with its reason, never that slow peak.
    """
    root = tmp_path / "h"
    assert main(["record", "--simulate", "--no-pacer", "--out", str(root / "with-chest"),
                 "--duration", "180", "--speed", FAST, "--sim-seed", "2",
                 "--sim-state", "threat"]) == 0  # fmt: skip
    shutil.copytree(root / "with-chest", root / "heart-only")
    for f in (root / "heart-only").glob("acc.*"):
        f.unlink()
    rows = {Path(r.path).name: r for r in collect(root)}
    chest, heart = rows["with-chest"], rows["heart-only"]
    assert chest.breathing_source == "chest" and chest.breathing_reason is None
    assert chest.breathing_rate_bpm is not None and chest.breathing_rate_bpm > 10
    assert heart.breathing_rate_bpm is None and heart.breathing_source is None
    assert heart.breathing_reason == UNCLEAR
    for name, row in rows.items():  # the same as `analyze`
        res = analyze_recording(read_recording(root / name)[0])
        assert (row.breathing_rate_bpm, row.breathing_reason, row.breathing_source) == (
            res.breathing_rate_bpm, res.breathing_reason, res.breathing_source)
    capsys.readouterr()
    assert run_history(str(root), as_json=False, plot=None) == 0
    lines = {line.split()[-1]: line for line in capsys.readouterr().out.splitlines()[1:3]}
    assert f" {chest.breathing_rate_bpm:.1f} (chest) " in lines["with-chest"]
    assert " unclear " in lines["heart-only"]
    assert run_history(str(root), as_json=True, plot=None) == 0
    js = {Path(x["path"]).name: x for x in map(json.loads, capsys.readouterr().out.splitlines())}
    assert js["heart-only"]["breathing_rate_bpm"] is None
    assert js["heart-only"]["breathing_reason"] == UNCLEAR
    assert js["with-chest"]["breathing_source"] == "chest"


def test_one_hostile_session_does_not_lose_the_listing(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18: a session.json deeply nested or with a start in year 9999 is skipped with
    one sentence naming it; the others are listed; exit 2."""
    root = tmp_path / "archive"
    shutil.copytree(archive, root)
    for name, text in (("y-deep", "[" * 100_000 + "]" * 100_000),
                       ("z-far", '{"start_utc": "9999-12-31T23:59:59-05:00"}')):  # fmt: skip
        shutil.copytree(archive / "a-threat", root / name)
        (root / name / "session.json").write_text(text)
    assert run_history(str(root), as_json=False, plot=None) == 2
    captured = capsys.readouterr()
    assert [line.split()[-1] for line in captured.out.splitlines()[1:4]] == [
        "b-soothing", "c-rest", "a-threat"]  # fmt: skip
    err = captured.err.splitlines()
    assert len(err) == 2 and "Traceback" not in captured.err
    assert "y-deep" in err[0] and "nested too deeply" in err[0]
    assert "z-far" in err[1] and "start_utc" in err[1]


def test_an_unreadable_folder_is_said_not_called_empty(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    import errno
    import os

    root = tmp_path / "archive"
    shutil.copytree(archive, root)
    real = os.scandir

    def denied(path: object = ".") -> object:
        if Path(str(path)).name in ("archive", "c-rest"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", denied)
    assert run_history(str(root), as_json=False, plot=None) == 2
    err = capsys.readouterr().err
    assert f"{root}: cannot be read (permission denied)" in err and "no session in" in err
    assert "there are no sessions" not in err
    monkeypatch.setattr(os, "scandir", lambda path=".": denied(path) if Path(str(path)).name
                        == "c-rest" else real(path))  # fmt: skip
    assert run_history(str(root), as_json=False, plot=None) == 2
    captured = capsys.readouterr()
    assert "c-rest: cannot be read (permission denied)" in captured.err
    assert "b-soothing" in captured.out and "a-threat" in captured.out
