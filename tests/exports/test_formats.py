"""Exports (Kubios RR text, EDF+, tidy CSV), read back and compared with the session.

Kubios files are read back with read_recording, EDF with pyedflib.EdfReader, CSV with the csv
module, and compared with the tables of the session folder.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pyedflib
import pytest

from resonant.model.beats import Beat, EcgSamples, Event
from resonant.cli import main
from resonant.cli.export import run_export
from resonant.model.pacer import PacerSchedule
from resonant.exports.formats import (
    CSV_COLUMNS,
    ECG_RATE_HZ,
    EDF_GRID_HZ,
    export_csv,
    export_edf,
    export_kubios,
)
from resonant.folder.write import Recorder, fmt_number
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


# -- EDF+ --------------------------------------------------------------------------------------


def _expected_rr(time_s: np.ndarray, rr_ms: np.ndarray, starts: list[int], at_s: float) -> float:
    """The RR interval in progress at a time (the first beat at or after it), NaN in a gap."""
    bounds = [*starts, len(time_s)]
    for i0, i1 in zip(bounds[:-1], bounds[1:], strict=True):
        if time_s[i0] - rr_ms[i0] / 1000.0 < at_s <= time_s[i1 - 1]:
            return float(next(rr_ms[i] for i in range(i0, i1) if time_s[i] >= at_s))
    return math.nan


def _check_signal(reader: pyedflib.EdfReader, ch: int, expected: np.ndarray) -> None:
    """Equal within the EDF quantisation; gaps exactly at the digital minimum."""
    pmin, pmax = reader.getPhysicalMinimum(ch), reader.getPhysicalMaximum(ch)
    dmin, dmax = reader.getDigitalMinimum(ch), reader.getDigitalMaximum(ch)
    step = (pmax - pmin) / (dmax - dmin)
    got = reader.readSignal(ch)[: expected.size]
    digital = reader.readSignal(ch, digital=True)[: expected.size]
    gap = np.isnan(expected)
    assert (digital[gap] == dmin).all()
    assert (digital[~gap] > dmin).all()
    assert np.nanmax(expected) <= pmax and np.nanmin(expected) > pmin  # nothing clipped
    err = np.abs(got[~gap] - expected[~gap])
    assert err.max() <= step / 2 + 1e-9 * pmax


def _check_edf(folder: Path, path: Path) -> None:
    recs = read_recording(folder)
    start = datetime.fromisoformat(_json(folder)["start_utc"])
    shift = start.microsecond / 1e6
    with pyedflib.EdfReader(str(path)) as r:
        assert r.filetype == pyedflib.FILETYPE_EDFPLUS  # EDF+C
        assert r.getStartdatetime() == start.replace(microsecond=0, tzinfo=None)
        labels = r.getSignalLabels()
        n_records = int(r.datarecords_in_file)
        assert r.datarecord_duration == 1.0
        for rec in recs:
            suffix = f" {rec.source}" if rec.source else ""
            rr_ch, hr_ch = labels.index(f"RR{suffix}"), labels.index(f"HR{suffix}")
            assert r.getPhysicalDimension(rr_ch) == "ms" and r.getPhysicalDimension(hr_ch) == "bpm"
            assert r.getSampleFrequency(rr_ch) == EDF_GRID_HZ == r.getSampleFrequency(hr_ch)
            grid = np.arange(n_records * EDF_GRID_HZ) / EDF_GRID_HZ - shift
            starts = rec.segment_starts.tolist()
            rr = np.array([_expected_rr(rec.time_s, rec.rr_ms, starts, s) for s in grid])
            assert np.isfinite(rr).sum() > 0.5 * rr.size
            _check_signal(r, rr_ch, rr)
            _check_signal(r, hr_ch, 60000.0 / rr)
        onsets, durations, texts = r.readAnnotations()
    several = len(recs) > 1
    for ev in read_events(folder):
        text = f"{ev.kind}: {ev.label}" if ev.label else ev.kind
        if several and ev.source:
            text += f" ({ev.source})"
        text = text.encode()[:40].decode("utf-8", "ignore")  # the writer's limit
        i = [k for k, tx in enumerate(texts)
             if tx == text and abs(onsets[k] - shift - ev.onset_s) <= 1e-4]  # fmt: skip
        assert len(i) == 1, text
        assert durations[i[0]] == (ev.duration_s if ev.duration_s > 0 else -1)
    pacer = _tsv(folder / "pacer.tsv")
    assert pacer
    for row in pacer:
        text = f"{row['phase']} {fmt_number(float(row['rate_bpm']), 2)}/min"
        i = [k for k, tx in enumerate(texts)
             if tx == text and abs(onsets[k] - shift - float(row["time_s"])) <= 1e-4]  # fmt: skip
        assert len(i) == 1
        assert durations[i[0]] == pytest.approx(float(row["duration_s"]), abs=1e-4)
    assert len(texts) == len(pacer) + len(read_events(folder))


def _json(folder: Path) -> dict:
    return json.loads((folder / "session.json").read_text())


def test_edf_of_a_simulated_session(
    sim_session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s.edf"
    assert run_export(str(sim_session), "edf", str(out)) == 0
    assert str(out) in capsys.readouterr().out
    _check_edf(sim_session, out)
    with pyedflib.EdfReader(str(out)) as r:
        assert r.getSignalLabels() == ["RR sim", "HR sim"]
        assert r.getPatientCode() == ""  # no participant
        assert r.getTransducer(0) == "Simulated strap"


def test_edf_of_two_straps_with_ecg(two_straps: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.edf"
    result = export_edf(two_straps, out)
    assert any("cut to 40 bytes" in n for n in result.notes)
    _check_edf(two_straps, out)
    ecg = _tsv(two_straps / "ecg.tsv")
    with pyedflib.EdfReader(str(out)) as r:
        labels = r.getSignalLabels()
        assert labels == ["RR client", "HR client", "RR therapist", "HR therapist", "ECG client"]
        assert r.getPatientCode() == "P 07"  # written P_07: EDF+ spells spaces "_"
        assert r.getTransducer(4) == "Polar H10 A1B2C3D4"
        assert r.getPhysicalDimension(4) == "uV" and r.getSampleFrequency(4) == ECG_RATE_HZ
        # ECG: every sample, in order, exactly (digital = uV), the marker in the gap.
        step = (r.getPhysicalMaximum(4) - r.getPhysicalMinimum(4)) / 65535
        assert step == 1.0
        digital = r.readSignal(4, digital=True)
        got = r.readSignal(4)
    samples = np.array([float(row["ecg_uv"]) for row in ecg])
    data = digital > -32768
    assert data.sum() == samples.size
    assert np.abs(got[data] - samples).max() <= step / 2
    shift = 0.654321
    grid = np.arange(digital.size) / ECG_RATE_HZ - shift
    assert not data[(grid > 30.01) & (grid < 44.99)].any()  # disconnected: no ECG
    times = np.array([float(row["time_s"]) for row in ecg])
    assert np.abs(grid[data] - times).max() <= 0.5 / ECG_RATE_HZ


def test_edf_scales_ecg_beyond_16_bits_without_clipping(two_straps: Path, tmp_path: Path) -> None:
    folder = tmp_path / "s"
    shutil.copytree(two_straps, folder)
    lines = (folder / "ecg.tsv").read_text().splitlines(keepends=True)
    t, _, src = lines[5].rstrip("\n").split("\t")
    lines[5] = f"{t}\t-70000\t{src}\n"
    lines[6] = lines[6].split("\t")[0] + f"\t90000\t{src}\n"
    (folder / "ecg.tsv").write_text("".join(lines))
    export_edf(folder, tmp_path / "s.edf")
    samples = np.array([float(row["ecg_uv"]) for row in _tsv(folder / "ecg.tsv")])
    with pyedflib.EdfReader(str(tmp_path / "s.edf")) as r:
        step = (r.getPhysicalMaximum(4) - r.getPhysicalMinimum(4)) / 65535
        digital = r.readSignal(4, digital=True)
        got = r.readSignal(4)[digital > -32768]
    assert got.size == samples.size
    assert np.abs(got - samples).max() <= step / 2 + 1e-6


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
    export_edf(folder, tmp_path / "s.edf")
    with pyedflib.EdfReader(str(tmp_path / "s.edf")) as r:
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
        out.write_text("precious")
        _refused(capsys, run_export(str(sim_session), fmt, str(out)), "already exists")
        assert out.read_text() == "precious"
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
