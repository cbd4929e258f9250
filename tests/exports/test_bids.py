"""``resonant export --format bids``: a BIDS dataset the official tools accept.

Checked three ways: the BIDS schema (``bidsschematools``: every file name; every sidecar's
fields, types and required keys), the official validator (``bids-validator-deno``, when it
is installed: no errors), and a round trip of the physio grid and the events against the
session folders' own tables, read with the csv module.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from resonant.cli import main
from resonant.exports.bids import EVENT_COLUMNS, PHYSIO_RATE_HZ, ECG_RATE_HZ, export_bids
from resonant.folder.read import read_recording
from resonant.folder.write import Recorder
from resonant.model.beats import Beat, EcgSamples, Event
from resonant.model.pacer import PacerSchedule

bst_schema = pytest.importorskip("bidsschematools.schema")
bst_validator = pytest.importorskip("bidsschematools.validator")


def _record(folder: Path, *args: str) -> Path:
    status = main(["record", "--simulate", "--out", str(folder), "--speed", "100000", *args])
    assert status == 0
    return folder


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two sessions of "P 07", one without a participant, one of "P-07" (2 straps, ECG)."""
    base = tmp_path_factory.mktemp("bids")
    out = {
        "plain": _record(base / "plain", "--duration", "120", "--sim-seed", "4",
                         "--sim-disconnects", "60", "--participant", "P 07"),
        "protocol": _record(base / "protocol", "--protocol", "threat-soothing", "--sim-seed", "5",
                            "--participant", "P 07"),
        "anonymous": _record(base / "anonymous", "--duration", "60", "--sim-seed", "6"),
    }  # fmt: skip
    folder = base / "two"
    meta = {
        "start_utc": "2026-11-22T10:00:00.654321Z", "settings": {}, "protocol": None,
        "participant": "P-07", "consent": None, "notes": "",
        "sources": [
            {"label": "client", "kind": "ble", "name": "Polar H10 A1B2C3D4", "model": "H10"},
            {"label": "therapist", "kind": "ble", "name": "Polar H9", "model": "H9"},
        ],
    }  # fmt: skip
    rec = Recorder(folder, meta)
    rng = np.random.default_rng(3)
    for source, mean_raw in (("client", 880), ("therapist", 700)):
        t = 0.4
        while t < 58.0:
            rr = int(mean_raw + rng.integers(-60, 60)) * 1000.0 / 1024
            t = round(t + rr / 1000.0, 4)
            if not (source == "client" and 30.0 < t < 45.0):
                rec.beat(Beat(t, rr, float(round(60000 / rr)), True, source))
    rec.event(Event(2.5, "marker", "start, eyes closed"))
    rec.event(Event(30.0, "connection", "disconnected", 0.0, "client"))
    rec.event(Event(44.5, "connection", "reconnected", 0.0, "client"))
    rec.event(Event(50.0, "note", "a note\twith a tab"))
    for phase in PacerSchedule().phases(0.0, 60.0):
        rec.pacer(phase)
    k = np.arange(int(20 * ECG_RATE_HZ))
    times = 1.0 + k / ECG_RATE_HZ
    values = np.round(1500 * np.sin(2 * np.pi * 1.2 * times)).astype(int)
    for i in range(0, times.size, 73):
        rec.ecg(EcgSamples(tuple(times[i : i + 73].tolist()), tuple(values[i : i + 73].tolist()),
                           "client"))  # fmt: skip
    rec.close()
    out["two"] = folder
    return out


@pytest.fixture(scope="module")
def dataset(sessions: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ds") / "dataset"
    result = export_bids(list(sessions.values()), out)
    assert not result.refused
    assert any("dup2" in n for n in result.notes)  # "P 07" and "P-07" are two people
    return out


def _bids_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and "sourcedata" not in p.parts)


def _tsv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _beh(dataset: Path, folder: Path) -> Path:
    """The ``beh`` folder exported from a session folder (found by its copy in sourcedata)."""
    meta = json.loads((folder / "session.json").read_text())
    for ses in (dataset / "sourcedata").glob("sub-*/ses-*"):
        if json.loads((ses / "session.json").read_text()) == meta:
            return dataset / ses.parent.name / ses.name / "beh"
    raise AssertionError(f"{folder} was not exported")


def _physio(path: Path) -> list[list[str]]:
    text = gzip.decompress(path.read_bytes()).decode("ascii")
    return [line.split("\t") for line in text.splitlines()]


# -- the schema and the validator ---------------------------------------------------------------


def test_every_file_name_is_one_the_schema_allows(dataset: Path, tmp_path: Path) -> None:
    result = bst_validator.validate_bids(str(dataset))
    assert result["path_tracking"] == []
    assert len(result["path_listing"]) == len(list(p for p in dataset.rglob("*") if p.is_file()))
    # the oracle bites: a name the schema does not know is reported
    bad = tmp_path / "bad"
    shutil.copytree(dataset, bad)
    physio = next(bad.rglob("*_recording-rr_physio.json"))
    physio.rename(physio.with_name(physio.name.replace("_physio", "_pulse")))
    assert len(bst_validator.validate_bids(str(bad))["path_tracking"]) == 1


# CMIXF-12 (BIDS appendix "Units"): prefixed unit symbols with ^exponents, joined by . or /.
_PREFIX = "(?:da|[yzafpnumcdhkMGTPEZY])?"
_SYMBOL = "(?:min|s|Hz|V|m|g|L|mol|K|A|N|Pa|J|W|C|Ohm|S|T|rad)"
_UNIT = f"{_PREFIX}{_SYMBOL}(?:\\^-?[0-9]+)?"
CMIXF = re.compile(f"^{_UNIT}(?:[./]{_UNIT})*$")


def test_cmixf_pattern_itself() -> None:
    for good in ("ms", "uV", "min^-1", "s", "m/s", "V/us"):
        assert CMIXF.match(good), good
    for bad in ("bpm", "beats/min", "breaths/min", "%", "ms^2 ", "n/a", ""):
        assert not CMIXF.match(bad), bad


def _check_type(value: object, spec: dict) -> None:
    kind = spec.get("type")
    checks = {"number": (int, float), "string": str, "array": list, "object": dict,
              "integer": int, "boolean": bool}  # fmt: skip
    if kind in checks:
        assert isinstance(value, checks[kind]), (value, spec)
    if "enum" in spec:
        assert value in spec["enum"]
    if "anyOf" in spec:
        errors = 0
        for option in spec["anyOf"]:
            try:
                _check_type(value, option)
            except AssertionError:
                errors += 1
        assert errors < len(spec["anyOf"]), (value, spec)


def test_every_sidecar_follows_the_schema(dataset: Path) -> None:
    schema = bst_schema.load_schema().to_dict()
    metadata = {v["name"]: v for v in schema["objects"]["metadata"].values()}
    required = schema["rules"]["sidecars"]["continuous"]["Continuous"]["fields"]
    description = json.loads((dataset / "dataset_description.json").read_text())
    for key in ("Name", "BIDSVersion", "DatasetType", "GeneratedBy"):
        _check_type(description[key], metadata[key])
    assert description["BIDSVersion"] in schema["meta"]["versions"]
    assert description["DatasetType"] == "raw"
    assert description["GeneratedBy"][0]["Name"] == "resonant"
    for path in _bids_files(dataset):
        if path.suffix != ".json" or path.name == "dataset_description.json":
            continue
        side = json.loads(path.read_text(encoding="utf-8"))
        data = path.with_name(path.name[: -len(".json")] + (".tsv.gz" if "_physio" in path.name
                                                             else ".tsv"))  # fmt: skip
        if path.name.endswith("_physio.json"):
            for key, level in required.items():
                assert level == "required" and key in side, (path, key)
            columns = side["Columns"]
            assert len(_physio(data)[0]) == len(columns)
        else:
            columns = data.read_text(encoding="utf-8").splitlines()[0].split("\t")
        for key, value in side.items():
            if key in columns:  # a column's description
                assert isinstance(value, dict) and "Description" in value, (path, key)
                for field, inner in value.items():
                    _check_type(inner, metadata[field])
                if "Units" in value:
                    assert CMIXF.match(value["Units"]), (path, key, value["Units"])
            else:  # a metadata field of the schema
                assert key in metadata, (path, key)
                _check_type(value, metadata[key])


def _validator() -> str | None:
    found = shutil.which("bids-validator-deno")
    beside = Path(sys.executable).with_name("bids-validator-deno")
    return found or (str(beside) if beside.exists() else None)


@pytest.mark.skipif(_validator() is None, reason="bids-validator-deno is not installed")
def test_the_official_validator_finds_no_errors(dataset: Path) -> None:
    run = subprocess.run([str(_validator()), str(dataset), "--format", "json"],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    report = json.loads(run.stdout)
    errors = [i for i in report["issues"]["issues"] if i["severity"] == "error"]
    assert errors == []
    assert run.returncode == 0
    summary = report["summary"]
    assert sorted(summary["subjects"]) == ["P07", "P07dup2", "unknown01"]


# -- what is in it --------------------------------------------------------------------------------


def test_participants_and_sessions(dataset: Path, sessions: dict[str, Path]) -> None:
    participants = {r["recorded_id"]: r["participant_id"]
                    for r in _tsv(dataset / "participants.tsv")}  # fmt: skip
    assert participants["n/a"] == "sub-unknown01"
    # "P-07" (2026-11-22) started before the others: it is sub-P07, "P 07" is sub-P07dup2
    assert participants == {"P-07": "sub-P07", "P 07": "sub-P07dup2", "n/a": "sub-unknown01"}
    rows = _tsv(dataset / "sub-P07dup2" / "sub-P07dup2_sessions.tsv")
    assert [r["source_folder"] for r in rows] == ["plain", "protocol"]
    for r in rows:
        meta = json.loads((sessions[r["source_folder"]] / "session.json").read_text())
        assert r["acq_time"] == meta["start_utc"]
        assert (dataset / "sub-P07dup2" / r["session_id"] / "beh").is_dir()
    assert rows[1]["protocol"] == "threat-soothing" and rows[0]["protocol"] == "n/a"
    tasks = {p.name.split("_task-")[1].split("_")[0] for p in dataset.rglob("*_events.tsv")}
    assert tasks == {"biofeedback", "threatsoothing"}


def test_sourcedata_keeps_the_session_folders_unchanged(
    dataset: Path, sessions: dict[str, Path]
) -> None:
    for ses_dir in (dataset / "sourcedata").glob("sub-*/ses-*"):
        meta = json.loads((ses_dir / "session.json").read_text())
        name = next(k for k, v in sessions.items()
                    if json.loads((v / "session.json").read_text()) == meta)  # fmt: skip
        for f in sessions[name].iterdir():
            assert (ses_dir / f.name).read_bytes() == f.read_bytes()


def _expected_grid(time_s: np.ndarray, rr_ms: np.ndarray, starts: list[int], at: float) -> float:
    """The RR in progress at ``at`` by the definition, from the folder's own beats (NaN in gaps)."""
    i = int(np.searchsorted(time_s, at, side="left"))
    if i == time_s.size:
        return math.nan
    if i in starts and at <= time_s[i] - rr_ms[i] / 1000.0:
        return math.nan
    return float(rr_ms[i])


def test_the_rr_grid_holds_every_interval_and_gaps_as_na(
    dataset: Path, sessions: dict[str, Path]
) -> None:
    for name in ("plain", "two"):
        for rec in read_recording(sessions[name]):
            beats = [r for r in _tsv(sessions[name] / "beats.tsv") if r["source"] == rec.source]
            t = np.array([float(r["time_s"]) for r in beats])
            rr = np.array([float(r["rr_ms"]) for r in beats])
            starts = rec.segment_starts.tolist()
            label = "rr" + (rec.source if name == "two" else "")
            physio = next(_beh(dataset, sessions[name]).glob(f"*_recording-{label}_physio.tsv.gz"))
            side = json.loads(physio.with_name(physio.name.replace(".tsv.gz", ".json")).read_text())
            assert side["SamplingFrequency"] == PHYSIO_RATE_HZ
            assert side["Columns"] == ["rr_ms", "rr_hr_bpm"]
            rows = _physio(physio)
            seen: set[float] = set()
            n_na = 0
            for k, (a, b) in enumerate(rows):
                at = side["StartTime"] + k / PHYSIO_RATE_HZ
                expected = _expected_grid(t, rr, starts, at)
                if math.isnan(expected):
                    assert a == b == "n/a"
                    n_na += 1
                else:
                    assert float(a) == expected
                    assert float(b) == pytest.approx(60000 / expected, abs=1e-4)
                    seen.add(expected)
            assert rows[0][0] != "n/a" and rows[-1][0] != "n/a"
            assert (n_na > 0) == (len(starts) > 1)  # n/a only where a gap is
            # every interval spanning a grid step in time is on the grid
            span = np.diff(t, prepend=-np.inf)
            span[starts] = rr[starts] / 1000.0
            assert set(rr[span >= 1 / PHYSIO_RATE_HZ].tolist()) <= seen


def test_ecg_is_on_its_own_130_hz_grid(dataset: Path) -> None:
    physio = next(dataset.rglob("*_recording-ecgclient_physio.tsv.gz"))
    side = json.loads(physio.with_name(physio.name.replace(".tsv.gz", ".json")).read_text())
    assert side["SamplingFrequency"] == ECG_RATE_HZ and side["StartTime"] == 1.0
    rows = _physio(physio)
    k = np.arange(len(rows))
    expected = np.round(1500 * np.sin(2 * np.pi * 1.2 * (1.0 + k / ECG_RATE_HZ)))
    assert [float(r[0]) for r in rows] == expected.tolist()


def test_events_hold_every_event_and_guide_phase(dataset: Path, sessions: dict[str, Path]) -> None:
    for name in ("plain", "protocol", "two"):
        path = next(_beh(dataset, sessions[name]).glob("*_events.tsv"))
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].split("\t") == list(EVENT_COLUMNS)
        rows = _tsv(path)
        assert all(len(line.split("\t")) == len(EVENT_COLUMNS) for line in lines)
        assert all(v != "" for r in rows for v in r.values())  # n/a, never an empty cell
        onsets = [float(r["onset"]) for r in rows]
        assert onsets == sorted(onsets)
        n_events = len(_tsv(sessions[name] / "events.tsv"))
        n_phases = len(_tsv(sessions[name] / "pacer.tsv"))
        assert len(rows) == n_events + n_phases
        kinds = {r["trial_type"] for r in rows}
        levels = json.loads(path.with_suffix(".json").read_text())["trial_type"]["Levels"]
        assert kinds <= set(levels) and "n/a" not in kinds
        for r in rows:
            assert (r["trial_type"] == "breathing_phase") == (r["pacer_rate"] != "n/a")
    two = next(_beh(dataset, sessions["two"]).glob("*_events.tsv"))
    labels = {r["label"] for r in _tsv(two)}
    assert "a note with a tab" in labels and "start, eyes closed" in labels


# -- the command ----------------------------------------------------------------------------------


def test_a_bad_folder_is_refused_and_the_others_exported(
    sessions: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    out = tmp_path / "ds"
    status = main(["export", "--format", "bids", "--out", str(out),
                   str(tmp_path / "empty"), str(sessions["anonymous"])])  # fmt: skip
    std = capsys.readouterr()
    assert status == 2
    err = std.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("resonant: ") and err[0].endswith(".")
    assert "not a session folder" in err[0]
    assert "wrote a BIDS dataset" in std.out
    assert (out / "sub-unknown01").is_dir()


def test_an_existing_out_is_never_touched(
    sessions: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ds"
    out.mkdir()
    (out / "precious").write_text("x")
    status = main(["export", "--format", "bids", "--out", str(out), str(sessions["plain"])])
    err = capsys.readouterr().err.strip()
    assert status == 2 and "already exists" in err and "\n" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]  # nothing staged is left
    assert [p.name for p in out.iterdir()] == ["precious"]


def test_other_formats_take_one_session(
    sessions: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["export", "--format", "csv", "--out", str(tmp_path / "x.csv"),
                   str(sessions["plain"]), str(sessions["anonymous"])])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert status == 2 and "one session at a time" in err
    assert not (tmp_path / "x.csv").exists()
    assert main(["export", "--format", "csv", "--out", str(tmp_path / "x.csv"),
                 str(sessions["plain"])]) == 0  # fmt: skip


def test_the_chest_accelerometer_is_on_its_own_grid_in_m_per_s2(
    dataset: Path, sessions: dict[str, Path]
) -> None:
    from resonant.folder.read import read_acc

    recorded = read_acc(sessions["anonymous"])["sim"]
    beh = _beh(dataset, sessions["anonymous"])
    [physio] = beh.glob("*_recording-acc_physio.tsv.gz")
    side = json.loads(physio.with_name(physio.name.replace(".tsv.gz", ".json")).read_text())
    assert side["SamplingFrequency"] == 25 and side["Columns"] == ["acc_x", "acc_y", "acc_z"]
    assert side["acc_z"]["Units"] == "m/s^2"
    rows = _physio(physio)
    assert len(rows) == pytest.approx(recorded.time_s.size, abs=2)
    first = [float(v) for v in rows[0]]
    assert first == pytest.approx((recorded.xyz_mg[0] * 9.80665e-3).tolist(), abs=1e-6)
