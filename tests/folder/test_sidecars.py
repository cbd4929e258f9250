"""BIDS-style JSON sidecars: one beside each table, valid, complete, in step with the README."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from resonant.model.beats import AccSamples, Beat, EcgSamples
from resonant.cli import main
from resonant.folder.write import COLUMNS, LAZY, Recorder
from resonant.folder.sidecars import SIDECARS, sidecar, sidecar_name, write_sidecar

ROOT = Path(__file__).resolve().parents[2]
#: Columns whose values are a fixed set, each of which the sidecar must explain.
CATEGORICAL = {
    "beats.tsv": {"contact": {"1", "0", "n/a"}, "artifact": {"", "range", "jump"}},
    "pacer.tsv": {"phase": {"inhale", "hold_in", "exhale", "hold_out"}},
    "events.tsv": {"kind": {"marker", "phase", "connection", "pacer", "note"}},
    "metrics.tsv": {"coherence_level": {"low", "medium", "high", ""}, "adherent": {"1", "0", ""},
                    "breathing_source": {"chest", "heart", ""}},
}


def _meta() -> dict:
    return {"start_utc": "2026-11-22T10:00:00Z", "sources": [], "settings": {}, "protocol": None,
            "participant": None, "consent": None, "notes": ""}  # fmt: skip


def _check_complete(folder: Path, table: str) -> None:
    data = json.loads((folder / sidecar_name(table)).read_text(encoding="utf-8"))
    assert isinstance(data.pop("Description"), str)
    assert list(data) == list(COLUMNS[table])  # every column, and only those, in file order
    for col, spec in data.items():
        assert spec["Description"].strip() and spec["LongName"].strip(), col
        assert isinstance(spec["Units"], str) and spec["Units"], col
    for col, values in CATEGORICAL.get(table, {}).items():
        assert set(data[col]["Levels"]) == values


def test_every_table_has_a_sidecar_with_every_column() -> None:
    assert set(SIDECARS) == set(COLUMNS)
    for table, cols in COLUMNS.items():
        assert list(SIDECARS[table]["Columns"]) == list(cols)
        assert list(sidecar(table))[1:] == list(cols)
        assert sidecar(table.removesuffix(".tsv")) == sidecar(table)


def test_the_recorder_writes_a_sidecar_beside_each_table(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    rec = Recorder(folder, _meta())
    for table in COLUMNS:
        if table in LAZY:
            assert not (folder / sidecar_name(table)).exists()
        else:
            _check_complete(folder, table)
    rec.beat(Beat(1.0, 812.5, 72.0, True, "a"))
    rec.ecg(EcgSamples((1.0, 1.0076923), (-12, 1034), "h10"))
    _check_complete(folder, "ecg.tsv")  # made with the table
    rec.acc(AccSamples((1.0, 1.04), ((-930, -70, 361), (-929, -70, 363)), "h10"))
    _check_complete(folder, "acc.tsv")
    rec.close()
    assert not list(folder.glob(".*"))  # no temporary file left
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(["session.json", *COLUMNS, *(sidecar_name(t) for t in COLUMNS)])


def test_a_recorded_session_has_its_sidecars(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    main(["record", "--simulate", "--out", str(folder), "--duration", "20", "--speed", "100000",
          "--sim-seed", "1"])  # fmt: skip
    for table in COLUMNS:
        if table not in LAZY:
            header = (folder / table).read_text().splitlines()[0].split("\t")
            assert header == list(COLUMNS[table])
            _check_complete(folder, table)


def test_write_sidecar_replaces_atomically(tmp_path: Path) -> None:
    (tmp_path / "beats.json").write_text("{broken")
    path = write_sidecar(tmp_path, "beats")
    assert path == tmp_path / "beats.json"
    assert json.loads(path.read_text()) == sidecar("beats.tsv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["beats.json"]
    with pytest.raises(KeyError):
        write_sidecar(tmp_path, "nothing.tsv")
    with pytest.raises(FileNotFoundError):
        write_sidecar(tmp_path / "missing", "beats.tsv")
    assert not (tmp_path / "missing").exists()


def test_the_sidecars_agree_with_the_format_doc() -> None:
    doc = (ROOT / "docs" / "session-folder.md").read_text(encoding="utf-8")
    section = doc.split("## Tables", 1)[1].split("\n## ", 1)[0]
    for table, spec in SIDECARS.items():
        rows = [ln for ln in section.splitlines() if ln.startswith("|")]
        start = next(i for i, ln in enumerate(rows) if f"`{table}`" in ln)
        end = next(
            (i for i in range(start + 1, len(rows)) if re.match(r"\| `\w+\.tsv`", rows[i])),
            len(rows),
        )
        documented = set(re.findall(r"`(\w+)`", " ".join(r.split("|")[3] for r in rows[start:end])))
        assert set(spec["Columns"]) == documented, table
