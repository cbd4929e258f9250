"""The EDF+ export read back by two independent readers: pyedflib (edflib) and MNE.

What must hold: one continuous EDF+ file per gap-free part (breaks where the disconnects
were), typed labels and units, every beat's RR exactly at the grid points of its interval,
every file starting at its part's first interval to the 100 ns of EDF+'s time-keeping TALs,
and every annotation within its file's data.
"""

from __future__ import annotations

import json
import re
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import mne
import numpy as np
import pyedflib
import pytest

from resonant.cli import main
from resonant.exports.formats import (
    ECG_RATE_HZ,
    EDF_GRID_HZ,
    EDF_LABELS,
    acc_rate_hz,
    export_edf,
)
from resonant.folder.read import AccTrace, read_acc, read_events, read_recording
from resonant.folder.write import Recorder
from resonant.model.beats import AccSamples, Beat, EcgSamples, Event

GAP_FIXTURE = Path(__file__).parents[2] / "fixtures" / "sessions" / "2026-11-22T10-00-00Z_gap"


@pytest.fixture(scope="module")
def sim_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated 120-s session with disconnects (several segments)."""
    folder = tmp_path_factory.mktemp("sim") / "s"
    status = main([
        "record", "--simulate", "--out", str(folder), "--duration", "120", "--speed", "100000",
        "--sim-seed", "4", "--sim-disconnects", "60", "--sim-artifacts", "0.02",
    ])  # fmt: skip
    assert status == 0
    return folder


@pytest.fixture(scope="module")
def two_straps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two sources, the client with a disconnect and ECG at 130 Hz."""
    folder = tmp_path_factory.mktemp("two") / "s"
    meta = {
        "start_utc": "2026-11-22T10:00:00.654321Z", "participant": "P 07",
        "sources": [
            {"label": "client", "kind": "ble", "name": "Polar H10 A1B2C3D4", "model": "H10"},
            {"label": "therapist", "kind": "ble", "name": "Polar H9", "model": "H9"},
        ],
    }  # fmt: skip
    rec = Recorder(folder, meta)
    rng = np.random.default_rng(3)
    for source, mean_raw in (("client", 880), ("therapist", 700)):
        t = 0.4
        lost = False
        while t < 58.0:
            rr = int(mean_raw + rng.integers(-60, 60)) * 1000.0 / 1024
            t = t + rr / 1000.0
            if source == "client" and 30.0 < t < 45.0:
                lost = True
                continue
            rec.beat(Beat(t, rr, None, True, source))
        assert lost or source == "therapist"
    rec.event(Event(30.0, "connection", "disconnected", 0.0, "client"))
    rec.event(Event(44.5, "connection", "reconnected", 0.0, "client"))
    rec.event(Event(50.0, "phase", "a phase running past the end", 100.0))
    k = np.arange(int(56 * ECG_RATE_HZ))
    times = 1.0 + k / ECG_RATE_HZ
    values = np.round(1500 * np.sin(2 * np.pi * 1.2 * times)).astype(int)
    keep = (times < 30.0) | (times > 45.0)
    rec.ecg(EcgSamples(tuple(times[keep].tolist()), tuple(values[keep].tolist()), "client"))
    rec.close()
    return folder


# -- an independent look at the bytes: header start and each record's time-keeping TAL --------


def _record_onsets(path: Path) -> tuple[datetime, list[float]]:
    """Header start (UTC, whole second) and every data record's onset (s after it).

    Parsed from the bytes as the EDF+ specification lays them out (Kemp & Olivan 2003,
    sections 2.1.1 and 2.2.4): the first TAL of each record's first annotation signal.
    """
    data = path.read_bytes()
    assert data[192:197] == b"EDF+C"
    start = datetime.strptime(
        (data[168:176] + data[176:184]).decode(), "%d.%m.%y%H.%M.%S"
    ).replace(tzinfo=UTC)
    header = int(data[184:192])
    n_records = int(data[236:244])
    ns = int(data[252:256])
    labels = [data[256 + 16 * i : 272 + 16 * i].decode().strip() for i in range(ns)]
    off = 256 + ns * 216
    samples = [int(data[off + 8 * i : off + 8 * i + 8]) for i in range(ns)]
    record_bytes = 2 * sum(samples)
    annot = labels.index("EDF Annotations")
    before = 2 * sum(samples[:annot])
    onsets = []
    for r in range(n_records):
        at = header + r * record_bytes + before
        tal = data[at : at + 2 * samples[annot]]
        m = re.match(rb"([+-][0-9.]+)\x14\x14", tal)
        assert m, tal[:20]
        onsets.append(float(m.group(1)))
    return start, onsets


def _mne(path: Path) -> mne.io.BaseRaw:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "Omitted annotation(s) outside data range"
        return mne.io.read_raw_edf(path, infer_types=True, preload=True, verbose="error")


def _check_files(folder: Path, files: list[Path]) -> None:
    """Every file against the session folder, with pyedflib, MNE and the bytes."""
    recs = {r.source: r for r in read_recording(folder)}
    session_start = datetime.fromisoformat(
        json.loads((folder / "session.json").read_text())["start_utc"]
    ).astimezone(UTC)
    covered = {src: np.zeros(r.rr_ms.size, bool) for src, r in recs.items()}
    for path in files:
        with pyedflib.EdfReader(str(path)) as r:
            assert r.getSignalLabels()[:2] == [EDF_LABELS["rr"], EDF_LABELS["rr_hr"]]
            assert [r.getPhysicalDimension(i) for i in (0, 1)] == ["ms", "bpm"]
            assert r.getSampleFrequency(0) == r.getSampleFrequency(1) == EDF_GRID_HZ
            transducer = r.getTransducer(0)
            source = re.search(r"\(source (.*)\)$", transducer)
            rec = recs[source.group(1) if source else ""]
            rr_grid = r.readSignal(0)
            hr_grid = r.readSignal(1)
            duration = r.getFileDuration()
            onsets, _, texts = r.readAnnotations()
        # The file starts at its part's first interval, on the session's UTC clock.
        header_start, record_onsets = _record_onsets(path)
        assert np.allclose(np.diff(record_onsets), 1.0)  # continuous
        file_start_s = (header_start - session_start).total_seconds() + record_onsets[0]
        grid_s = file_start_s + np.arange(rr_grid.size) / EDF_GRID_HZ
        first = int(np.searchsorted(rec.time_s, file_start_s))
        assert abs(rec.time_s[first] - rec.rr_ms[first] / 1000 - file_start_s) < 1e-6
        # Every beat of the part, exactly, at every grid point inside its interval.
        seg_end = rec.segment_starts[rec.segment_starts > first]
        last = int(seg_end[0]) if seg_end.size else rec.rr_ms.size
        prev = file_start_s
        for k in range(first, last):
            inside = (grid_s >= prev - 1e-9) & (grid_s <= rec.time_s[k] + 1e-9)
            if k > first:
                inside &= grid_s > prev + 1e-9
            assert inside.any() or rec.rr_ms[k] < 1000 / EDF_GRID_HZ
            assert np.all(rr_grid[inside] == rec.rr_ms[k])  # exact: 1/1024-s counts
            np.testing.assert_allclose(hr_grid[inside], 60000 / rec.rr_ms[k], rtol=1e-3)
            covered[rec.source][k] = True
            prev = rec.time_s[k]
        # Nothing after the last beat but the held last interval (the record's tail).
        assert np.all(rr_grid[grid_s > prev + 1e-9] == rec.rr_ms[last - 1])
        assert grid_s[-1] - prev < 1.0
        # Annotations lie within the data.
        assert np.all((onsets >= 0) & (onsets < duration))
        # MNE: typed ECG channels (not EEG), the units kept, the same values and annotations.
        raw = _mne(path)
        assert raw.ch_names[:2] == ["RR", "HR from RR"]
        assert raw.get_channel_types()[:2] == ["ecg", "ecg"]
        assert raw._orig_units["RR"] == "ms"
        if raw.n_times == rr_grid.size:  # one rate (MNE brings mixed rates to the highest)
            assert np.array_equal(raw.get_data()[0], rr_grid)
        else:
            with pyedflib.EdfReader(str(path)) as r:
                rates = [r.getSampleFrequency(i) for i in range(r.signals_in_file)]
            assert raw.info["sfreq"] == max(rates)
            at_whole_2s = raw.get_data()[0][:: int(max(rates)) * 2]
            np.testing.assert_allclose(at_whole_2s, rr_grid[:: EDF_GRID_HZ * 2], rtol=1e-9)
        assert len(raw.annotations) == len(texts)
        assert np.allclose(raw.annotations.onset, onsets)
        assert np.all(raw.annotations.onset + raw.annotations.duration <= raw.times[-1] + 1 / 4)
    for src, seen in covered.items():
        assert seen.all(), f"beats of {src!r} missing from every file"


def _check_breaks(folder: Path, files: list[Path], source: str = "") -> None:
    """Each disconnect lies after one file's last beat and before the next file's data."""
    spans = []
    session_start = datetime.fromisoformat(
        json.loads((folder / "session.json").read_text())["start_utc"]
    ).astimezone(UTC)
    for path in files:
        header_start, record_onsets = _record_onsets(path)
        start = (header_start - session_start).total_seconds() + record_onsets[0]
        spans.append((start, start + len(record_onsets)))
    rec = next(r for r in read_recording(folder) if r.source == source)
    disconnects = [
        ev.onset_s for ev in read_events(folder)
        if ev.label == "disconnected" and ev.source in ("", source)
    ]  # fmt: skip
    assert len(files) == rec.segment_starts.size
    assert disconnects
    for t in disconnects:
        k = int(np.searchsorted(rec.time_s, t))
        before = [s for s in spans if s[0] <= rec.time_s[k - 1]]
        after = [s for s in spans if s[0] > rec.time_s[k - 1]]
        assert before and after
        assert rec.time_s[k - 1] < t < after[0][0] + 1e-3  # the break: no file has data


def test_the_gap_fixture_is_two_files_around_its_disconnect(tmp_path: Path) -> None:
    result = export_edf(GAP_FIXTURE, tmp_path / "g.edf")
    assert [p.name for p in result.files] == ["g_part1.edf", "g_part2.edf"]
    assert any("gap-free part" in n for n in result.notes)
    _check_breaks(GAP_FIXTURE, result.files, "strap")
    rec = read_recording(GAP_FIXTURE)[0]
    for path in result.files:  # RR not on 1/1024 s here: within half a 16-bit step
        with pyedflib.EdfReader(str(path)) as r:
            step = (r.getPhysicalMaximum(0) - r.getPhysicalMinimum(0)) / 65535
            got = np.unique(r.readSignal(0))
        assert all(np.abs(rec.rr_ms - v).min() <= step / 2 + 1e-9 for v in got)


def test_a_simulated_session_with_disconnects(sim_session: Path, tmp_path: Path) -> None:
    result = export_edf(sim_session, tmp_path / "s.edf")
    [rec] = read_recording(sim_session)
    assert rec.segment_starts.size > 1
    assert [p.name for p in result.files] == [
        f"s_part{i + 1}.edf" for i in range(rec.segment_starts.size)
    ]
    _check_files(sim_session, result.files)
    _check_breaks(sim_session, result.files, rec.source)


def test_two_straps_one_file_per_source_and_part_with_ecg(two_straps: Path, tmp_path: Path) -> None:
    result = export_edf(two_straps, tmp_path / "x.edf")
    names = [p.name for p in result.files]
    assert names == ["x_client_part1.edf", "x_client_part2.edf", "x_therapist.edf"]
    _check_files(two_straps, result.files)
    _check_breaks(two_straps, result.files[:2], "client")
    assert any("cut at the end" in n for n in result.notes)  # the 100-s phase
    for path in result.files[:2]:
        with pyedflib.EdfReader(str(path)) as r:
            assert r.getSignalLabels()[2] == EDF_LABELS["ecg"]
            assert r.getPhysicalDimension(2) == "uV"
            assert r.getTransducer(2).startswith("chest strap ECG electrodes, Polar H10")
            assert r.getPatientCode() == "P 07"
            ecg = r.readSignal(2)
        raw = _mne(path)
        assert raw.get_channel_types()[2] == "ecg"
        assert np.allclose(raw.get_data()[2], ecg * 1e-6)  # MNE: uV to V
    with pyedflib.EdfReader(str(result.files[2])) as r:
        assert r.signals_in_file == 2  # no ECG from the therapist's strap


def test_the_start_is_kept_below_the_second(two_straps: Path, tmp_path: Path) -> None:
    """Closed form: file start = start_utc + first beat time - its RR, to 100 ns."""
    [path, *_] = export_edf(two_straps, tmp_path / "x.edf").files
    client = next(r for r in read_recording(two_straps) if r.source == "client")
    expected = datetime(2026, 11, 22, 10, 0, 0, 654321, UTC) + timedelta(
        seconds=float(client.time_s[0] - client.rr_ms[0] / 1000)
    )
    header_start, onsets = _record_onsets(path)
    got = header_start + timedelta(seconds=onsets[0])
    assert abs((got - expected).total_seconds()) <= 1e-6


# -- the chest accelerometer --------------------------------------------------------------------

ACC_LABELS = [EDF_LABELS[k] for k in ("acc_x", "acc_y", "acc_z")]


@pytest.fixture(scope="module")
def strap_with_acc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One H10 with a disconnect, ECG at 130 Hz and its accelerometer at 50 Hz (rate not given)."""
    folder = tmp_path_factory.mktemp("acc") / "s"
    meta = {
        "start_utc": "2026-11-22T10:00:00.25Z",
        "sources": [{"label": "client", "kind": "ble", "name": "Polar H10 A1B2C3D4",
                     "model": "H10"}],
    }  # fmt: skip
    rec = Recorder(folder, meta)
    rng = np.random.default_rng(5)
    t = 0.3
    while t < 50.0:
        rr = int(860 + rng.integers(-50, 50)) * 1000.0 / 1024
        t += rr / 1000.0
        if not 20.0 < t < 30.0:
            rec.beat(Beat(t, rr, None, True, "client"))
    k = np.arange(int(49 * ECG_RATE_HZ))
    times = 0.8 + k / ECG_RATE_HZ
    keep = (times < 20.0) | (times > 30.0)
    values = np.round(1200 * np.sin(2 * np.pi * 1.2 * times)).astype(int)
    rec.ecg(EcgSamples(tuple(times[keep].tolist()), tuple(values[keep].tolist()), "client"))
    # 50 Hz with a little timing jitter, breathing at 0.1 Hz on z.
    k = np.arange(49 * 50)
    acc_t = 0.61 + k / 50 + rng.uniform(-0.002, 0.002, k.size)
    xyz = np.column_stack([
        np.full(k.size, -850), np.round(-140 + 5 * rng.standard_normal(k.size)),
        np.round(460 + 30 * np.sin(2 * np.pi * 0.1 * acc_t)),
    ]).astype(int)  # fmt: skip
    keep = (acc_t < 20.0) | (acc_t > 30.0)
    rec.acc(AccSamples(tuple(acc_t[keep].tolist()),
                       tuple(tuple(map(int, row)) for row in xyz[keep]), "client"))  # fmt: skip
    rec.close()
    return folder


def _check_acc(folder: Path, files: list[Path], rate_hz: int) -> None:
    """Each file's Accel X/Y/Z: mG at the strap's rate, the nearest sample, by both readers."""
    session_start = datetime.fromisoformat(
        json.loads((folder / "session.json").read_text())["start_utc"]
    ).astimezone(UTC)
    [trace] = read_acc(folder).values()
    [rec] = read_recording(folder)
    for path in files:
        with pyedflib.EdfReader(str(path)) as r:
            labels = r.getSignalLabels()
            idx = [labels.index(name) for name in ACC_LABELS]
            assert [r.getPhysicalDimension(i) for i in idx] == ["mG"] * 3
            assert [r.getSampleFrequency(i) for i in idx] == [rate_hz] * 3
            assert r.getTransducer(idx[0]).startswith("chest strap accelerometer")
            got = np.column_stack([r.readSignal(i) for i in idx])
            rates = [r.getSampleFrequency(i) for i in range(r.signals_in_file)]
        header_start, record_onsets = _record_onsets(path)
        start_s = (header_start - session_start).total_seconds() + record_onsets[0]
        grid = start_s + np.arange(got.shape[0]) / rate_hz
        beats = rec.time_s[(rec.time_s > start_s) & (rec.time_s < grid[-1] + 1.0)]
        inside = (grid >= trace.time_s[0]) & (grid <= min(trace.time_s[-1], beats[-1]))
        # From the part's start to its last beat, each point is the nearest sample, exactly.
        dist = np.abs(trace.time_s[None, :] - grid[inside][:, None])
        nearest = dist <= dist.min(axis=1, keepdims=True) + 1e-6  # ties: either sample
        same = np.all(got[inside][:, None, :] == trace.xyz_mg[None, :, :], axis=2)
        covered = dist.min(axis=1) < 0.6 / rate_hz  # not in a hole of the samples
        assert covered.mean() > 0.9
        assert np.all(np.any(nearest & same, axis=1)[covered])
        raw = _mne(path)
        names = [raw.ch_names[i] for i in idx]
        assert names == ACC_LABELS  # no standard type: the label is kept whole
        # MNE keeps only the units it knows: mG stays unconverted (scale 1), typed as EEG.
        data = raw.get_data(picks=names)
        assert raw.info["sfreq"] == max(rates)
        step = int(raw.info["sfreq"] // rate_hz) if raw.info["sfreq"] % rate_hz == 0 else None
        if step is not None:  # the highest rate, or a whole multiple: the samples themselves
            np.testing.assert_allclose(data[:, ::step].T, got, atol=1e-9)
        else:  # brought to the ECG's 130 Hz: the samples on whole seconds (both grids meet)
            n_s = got.shape[0] // rate_hz
            np.testing.assert_allclose(
                data[:, :: int(raw.info["sfreq"])][:, :n_s].T, got[::rate_hz][:n_s], atol=1e-6
            )


def test_the_accelerometer_at_its_own_rate_beside_ecg(strap_with_acc: Path, tmp_path: Path) -> None:
    result = export_edf(strap_with_acc, tmp_path / "a.edf")
    assert [p.name for p in result.files] == ["a_part1.edf", "a_part2.edf"]
    assert "chest accelerometer at 50 Hz" in result.summary  # inferred from the samples
    _check_files(strap_with_acc, result.files)
    for path in result.files:
        with pyedflib.EdfReader(str(path)) as r:
            assert r.getSignalLabels()[:3] == [EDF_LABELS["rr"], EDF_LABELS["rr_hr"],
                                               EDF_LABELS["ecg"]]  # fmt: skip
            assert r.signals_in_file == 6
    _check_acc(strap_with_acc, result.files, 50)


def test_a_simulated_strap_s_accelerometer_at_its_stated_rate(
    sim_session: Path, tmp_path: Path
) -> None:
    meta = json.loads((sim_session / "session.json").read_text())
    assert meta["sources"][0]["settings"]["acc_hz"] == 25
    result = export_edf(sim_session, tmp_path / "s.edf")
    assert "chest accelerometer at 25 Hz" in result.summary
    _check_acc(sim_session, result.files, 25)


def test_acc_rate_from_session_json_or_the_samples() -> None:
    t = np.arange(200) / 100.0
    trace = AccTrace(t, np.zeros((200, 3)))
    assert acc_rate_hz(trace) == 100
    assert acc_rate_hz(trace, {"acc_hz": 25}) == 25
    assert acc_rate_hz(AccTrace(np.arange(50) / 52.0, np.zeros((50, 3)))) == 50  # jitter
    assert acc_rate_hz(AccTrace(np.arange(50) / 33.0, np.zeros((50, 3)))) == 33
    assert acc_rate_hz(AccTrace(np.zeros(1), np.zeros((1, 3)))) == 25
