"""Exports (Kubios RR text, EDF+, tidy CSV), read back and compared with the session.

Kubios files are read back with read_recording, EDF with pyedflib.EdfReader, CSV with the csv
module, and compared with the tables of the session folder.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pyedflib
import pytest

from resonant.model.beats import Beat, EcgSamples, Event
from resonant.cli import main
from resonant.cli.export import run_export
from resonant.model.pacer import PacerSchedule
from resonant.exports.formats import (
    ACC_CSV_COLUMNS,
    CSV_COLUMNS,
    ECG_RATE_HZ,
    export_csv,
    export_edf,
    export_kubios,
)
from resonant.folder.write import Recorder
from resonant.folder.read import read_events, read_recording

START_UTC = "2026-11-22T10:00:00.654321Z"
LONG_NOTE = "a very long note about how the session went, with Ümlauts"


@pytest.fixture(scope="module")
def sim_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated 120-s session with disconnects (3 segments) and flagged artifacts."""
    folder = tmp_path_factory.mktemp("sim") / "s"
    status = main([
        "record", "--simulate", "--out", str(folder), "--duration", "120", "--speed", "100000",
        "--sim-seed", "4", "--sim-disconnects", "60", "--sim-artifacts", "0.02",
    ])  # fmt: skip
    assert status == 0
    return folder


def _tsv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.fixture(scope="module")
def two_straps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two sources (one with a disconnect), ECG at 130 Hz, events, the pacer, a participant."""
    folder = tmp_path_factory.mktemp("two") / "s"
    meta = {
        "start_utc": START_UTC, "settings": {}, "protocol": None, "participant": "P 07",
        "consent": None, "notes": "",
        "sources": [
            {"label": "client", "kind": "ble", "name": "Polar H10 A1B2C3D4", "model": "H10"},
            {"label": "therapist", "kind": "ble", "name": "Polar H9", "model": "H9"},
        ],
    }  # fmt: skip
    rec = Recorder(folder, meta)
    rng = np.random.default_rng(3)
    for source, mean_raw in (("client", 880), ("therapist", 700)):
        t = 0.4
        n = 0
        while t < 58.0:
            rr = int(mean_raw + rng.integers(-60, 60)) * 1000.0 / 1024
            t = round(t + rr / 1000.0, 4)
            if source == "client" and 30.0 < t < 45.0:
                continue  # disconnected: these beats are lost
            hr = None if n % 7 == 3 else float(round(60000 / rr))
            contact = None if source == "therapist" else n % 11 != 5
            rec.beat(Beat(t, rr, hr, contact, source))
            n += 1
    rec.event(Event(2.5, "marker", "start, eyes closed"))
    rec.event(Event(10.0, "phase", "soothing breathing", 20.0))
    rec.event(Event(30.0, "connection", "disconnected", 0.0, "client"))
    rec.event(Event(44.5, "connection", "reconnected", 0.0, "client"))
    rec.event(Event(50.0, "note", LONG_NOTE))
    for phase in PacerSchedule().phases(0.0, 60.0):
        rec.pacer(phase)
    # ECG of the client at 130 Hz, in chunks as the strap sends them, lost while disconnected.
    k = np.arange(int(56 * ECG_RATE_HZ))
    times = 1.0 + k / ECG_RATE_HZ
    values = np.round(1500 * np.sin(2 * np.pi * 1.2 * times) + rng.normal(0, 40, k.size))
    values[100] = -32767  # the extremes still fit uV exactly
    values[101] = 32767
    keep = (times < 30.0) | (times > 45.0)
    times, values = times[keep], values[keep].astype(int)
    for i in range(0, times.size, 73):
        rec.ecg(EcgSamples(tuple(times[i : i + 73].tolist()), tuple(values[i : i + 73].tolist()),
                           "client"))  # fmt: skip
    rec.close()
    return folder


# -- Kubios ------------------------------------------------------------------------------------


def test_kubios_gives_back_every_raw_rr_interval_exactly(
    sim_session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rr.txt"
    assert run_export(str(sim_session), "kubios", str(out)) == 0
    std = capsys.readouterr()
    [session] = read_recording(sim_session)
    [back] = read_recording(out)
    assert back.kind == "rr-text" and not back.warnings
    assert back.rr_ms.tolist() == session.rr_ms.tolist()  # float equality, every beat
    # Artifacts are kept: the flagged beats are in the file too.
    flagged = [float(r["rr_ms"]) for r in _tsv(sim_session / "beats.tsv") if r["artifact"]]
    assert flagged and all(v in back.rr_ms.tolist() for v in flagged)
    lines = out.read_text().splitlines()
    assert len(lines) == session.rr_ms.size
    assert all(len(v.partition(".")[2]) <= 7 for v in lines)  # exact 1/1024-s values, trimmed
    assert std.out.count("\n") == 1 and str(out) in std.out
    # A plain RR list cannot show the gaps: one line on stderr says so.
    assert session.segment_starts.size == 3
    assert std.err.count("\n") == 1 and "cannot show gaps" in std.err and "3 segments" in std.err


def test_kubios_writes_one_file_per_source(two_straps: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.txt"
    result = export_kubios(two_straps, out)
    assert result.files == [tmp_path / "x_client.txt", tmp_path / "x_therapist.txt"]
    assert not out.exists()
    for rec, path in zip(read_recording(two_straps), result.files, strict=True):
        [back] = read_recording(path)
        assert back.rr_ms.tolist() == rec.rr_ms.tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x_client.txt", "x_therapist.txt"]


# -- EDF+: tests/exports/test_edf.py ---------------------------------------------------------


# -- CSV ---------------------------------------------------------------------------------------


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
        return list(reader)


@pytest.mark.parametrize("which", ["sim_session", "two_straps"])
def test_csv_holds_every_beat_event_and_phase(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    folder: Path = request.getfixturevalue(which)
    out = tmp_path / "s.csv"
    export_csv(folder, out)
    rows = _csv_rows(out)
    times = [float(r["time_s"]) for r in rows]
    assert times == sorted(times)  # one time line
    for r in rows:  # empty cells where a column does not apply
        assert bool(r["rr_ms"]) == bool(r["segment"]) == (r["kind"] == "beat")
        assert bool(r["phase"]) == bool(r["rate_bpm"]) == (r["kind"] == "pacer")
        assert bool(r["event_kind"]) == (r["kind"] == "event")
    # Beats: beats.tsv, row by row, per source in file order.
    tsv_beats = _tsv(folder / "beats.tsv")
    beats = [r for r in rows if r["kind"] == "beat"]
    assert len(beats) == len(tsv_beats)
    for source in {r["source"] for r in tsv_beats}:
        mine = [r for r in beats if r["source"] == source]
        theirs = [r for r in tsv_beats if r["source"] == source]
        assert len(mine) == len(theirs)
        for a, b in zip(mine, theirs, strict=True):
            assert float(a["time_s"]) == float(b["time_s"])
            assert float(a["rr_ms"]) == float(b["rr_ms"])
            assert a["hr_bpm"] == b["hr_bpm"] or float(a["hr_bpm"]) == float(b["hr_bpm"])
            # The strap's value and the beat-derived rate are two columns, never mixed.
            assert float(a["rr_hr_bpm"]) == 60000.0 / float(b["rr_ms"])
            assert a["contact"] == ("" if b["contact"] == "n/a" else b["contact"])
            assert a["artifact"] == b["artifact"]
    if which == "sim_session":
        assert any(r["artifact"] for r in beats)
    # Segments: from 0, +1 at each disconnect, as resonant analyze splits them.
    disconnects = 0
    for rec in read_recording(folder):
        seg = [int(r["segment"]) for r in beats if r["source"] == rec.source]
        assert seg[0] == 0 and all(0 <= b - a <= 1 for a, b in zip(seg, seg[1:], strict=False))
        rises = [i for i in range(1, len(seg)) if seg[i] > seg[i - 1]]
        assert rises == rec.segment_starts[1:].tolist()
        t = rec.time_s
        for ev in read_events(folder):
            mine = ev.source in ("", rec.source)
            if ev.label == "disconnected" and mine and t[0] < ev.onset_s < t[-1]:
                after = int(np.searchsorted(t, ev.onset_s))
                assert seg[after] == seg[after - 1] + 1
                disconnects += 1
        assert seg[-1] == rec.segment_starts.size - 1
    assert disconnects >= 1
    # Events: events.tsv, row by row.
    events = [r for r in rows if r["kind"] == "event"]
    tsv_events = _tsv(folder / "events.tsv")
    assert len(events) == len(tsv_events) > 0
    for a, b in zip(events, tsv_events, strict=True):
        assert float(a["time_s"]) == float(b["onset_s"])
        assert float(a["duration_s"]) == float(b["duration_s"])
        assert (a["event_kind"], a["label"], a["source"]) == (b["kind"], b["label"], b["source"])
    # Pacer phases: pacer.tsv, row by row.
    phases = [r for r in rows if r["kind"] == "pacer"]
    tsv_pacer = _tsv(folder / "pacer.tsv")
    assert len(phases) == len(tsv_pacer) > 0
    for a, b in zip(phases, tsv_pacer, strict=True):
        assert float(a["time_s"]) == float(b["time_s"])
        assert a["phase"] == b["phase"]
        assert float(a["rate_bpm"]) == float(b["rate_bpm"])
        assert float(a["duration_s"]) == float(b["duration_s"])
        assert a["source"] == ""


def test_csv_keeps_a_label_with_a_comma_whole(two_straps: Path, tmp_path: Path) -> None:
    export_csv(two_straps, tmp_path / "s.csv")
    labels = [r["label"] for r in _csv_rows(tmp_path / "s.csv") if r["kind"] == "event"]
    assert "start, eyes closed" in labels and LONG_NOTE in labels


# -- what the readers skip -----------------------------------------------------------------


def test_a_cut_off_last_line_is_skipped_as_the_readers_do(
    sim_session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cut"
    shutil.copytree(sim_session, folder)
    text = (folder / "beats.tsv").read_text()
    (folder / "beats.tsv").write_text(text[:-9])  # an interrupted write
    (folder / "pacer.tsv").unlink()  # optional tables may be missing
    (folder / "events.tsv").unlink()
    [rec] = read_recording(folder)
    assert rec.warnings
    assert run_export(str(folder), "kubios", str(tmp_path / "rr.txt")) == 0
    assert "cut off" in capsys.readouterr().err
    [back] = read_recording(tmp_path / "rr.txt")
    assert back.rr_ms.tolist() == rec.rr_ms.tolist()
    export_csv(folder, tmp_path / "s.csv")
    rows = _csv_rows(tmp_path / "s.csv")
    assert [r["kind"] for r in rows] == ["beat"] * rec.rr_ms.size
    for path in export_edf(folder, tmp_path / "s.edf").files:
        with pyedflib.EdfReader(str(path)) as r:
            assert r.readAnnotations()[2].size == 0


# -- run_export's refusals -----------------------------------------------------------------


def _refused(capsys: pytest.CaptureFixture[str], status: int, says: str) -> None:
    std = capsys.readouterr()
    assert status == 2
    assert std.out == ""
    err = std.err.strip()
    assert err.startswith("resonant: ") and "\n" not in err and err.endswith(".")
    assert says in err


def test_a_missing_session_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("kubios", "edf", "csv"):
        status = run_export(str(tmp_path / "nope"), fmt, str(tmp_path / "out"))
        _refused(capsys, status, "no such session folder")
    (tmp_path / "empty").mkdir()
    _refused(capsys, run_export(str(tmp_path / "empty"), "csv", str(tmp_path / "o.csv")),
             "not a session folder")  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_an_existing_out_is_never_overwritten(
    sim_session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt in ("kubios", "edf", "csv"):
        out = tmp_path / f"out.{fmt}"
        # The session has disconnects: its EDF is one file per part, the first refused.
        taken = tmp_path / "out_part1.edf" if fmt == "edf" else out
        taken.write_text("precious")
        _refused(capsys, run_export(str(sim_session), fmt, str(out)), "already exists")
        assert taken.read_text() == "precious"
    assert len(list(tmp_path.iterdir())) == 3  # no temporary file left


def test_an_existing_per_source_file_is_refused_before_anything_is_written(
    two_straps: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x_therapist.txt").write_text("precious")
    status = run_export(str(two_straps), "kubios", str(tmp_path / "x.txt"))
    _refused(capsys, status, "x_therapist.txt already exists")
    assert not (tmp_path / "x_client.txt").exists()


def test_an_unknown_format_is_refused(
    sim_session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _refused(capsys, run_export(str(sim_session), "xlsx", str(tmp_path / "o")), "'xlsx'")
    assert not (tmp_path / "o").exists()


def test_an_unwritable_destination_is_refused(
    sim_session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x")
    for fmt in ("kubios", "edf", "csv"):
        status = run_export(str(sim_session), fmt, str(tmp_path / "file" / "o"))
        _refused(capsys, status, "cannot be written")
        status = run_export(str(sim_session), fmt, str(tmp_path / "no" / "o"))
        _refused(capsys, status, "does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_edf_needs_the_start_time(
    sim_session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "s"
    shutil.copytree(sim_session, folder)
    (folder / "session.json").unlink()
    _refused(capsys, run_export(str(folder), "edf", str(tmp_path / "o.edf")), "start_utc")
    assert run_export(str(folder), "csv", str(tmp_path / "o.csv")) == 0  # the others need no start


# -- the chest accelerometer beside the CSV ------------------------------------------------------


def test_csv_writes_the_accelerometer_beside_the_table(
    sim_session: Path, two_straps: Path, tmp_path: Path
) -> None:
    result = export_csv(sim_session, tmp_path / "s.csv")
    acc_csv = tmp_path / "s_acc.csv"
    assert result.files == [tmp_path / "s.csv", acc_csv]
    assert "chest accelerometer samples" in result.summary
    with open(acc_csv, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames or ()) == ACC_CSV_COLUMNS
        rows = list(reader)
    tsv = _tsv(sim_session / "acc.tsv")
    assert len(rows) == len(tsv) > 1000
    for a, b in zip(rows, tsv, strict=True):  # time order, every value as recorded
        assert a["source"] == b["source"]
        assert float(a["time_s"]) == float(b["time_s"])
        assert [float(a[k]) for k in ("x_mg", "y_mg", "z_mg")] == [
            float(b[k]) for k in ("x_mg", "y_mg", "z_mg")]
    times = [float(r["time_s"]) for r in rows]
    assert times == sorted(times)
    # Without acc.tsv, the one table only.
    assert export_csv(two_straps, tmp_path / "t.csv").files == [tmp_path / "t.csv"]
    assert not (tmp_path / "t_acc.csv").exists()


def test_an_existing_acc_csv_is_refused_before_anything_is_written(
    sim_session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x_acc.csv").write_text("precious")
    status = run_export(str(sim_session), "csv", str(tmp_path / "x.csv"))
    _refused(capsys, status, "x_acc.csv already exists")
    assert not (tmp_path / "x.csv").exists()
    assert (tmp_path / "x_acc.csv").read_text() == "precious"
