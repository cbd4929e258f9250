"""The recorder: folder creation, rows as they happen, failures that keep what is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from resonant.model.beats import Beat, Event
from resonant.model.pacer import PacerSchedule
from resonant.folder.write import COLUMNS, LAZY, Recorder, RecorderError, fmt_number
from resonant.folder.read import read_events, read_recording


def _meta() -> dict:
    return {"start_utc": "2026-11-22T10:00:00Z", "sources": [], "settings": {}, "protocol": None,
            "participant": None, "consent": None, "notes": ""}  # fmt: skip


def test_folder_tables_and_metadata(tmp_path: Path) -> None:
    folder = tmp_path / "deep" / "s1"
    rec = Recorder(folder, _meta())
    for name, cols in COLUMNS.items():
        if name in LAZY:
            assert not (folder / name).exists()  # made with its first row
            continue
        assert (folder / name).read_text().splitlines() == ["\t".join(cols)]
    meta = json.loads((folder / "session.json").read_text())
    assert meta["format_version"] == 1 and meta["software_version"]
    rec.close(duration_s=1.0)
    assert json.loads((folder / "session.json").read_text())["duration_s"] == 1.0


def test_rows_are_on_disk_before_close(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "s", _meta())
    rec.beat(Beat(1.0, 812.5, 72.0, True, "a"))
    rec.beat(Beat(1.9004, 900.390625, None, None, "a"))
    rec.event(Event(1.5, "marker", "tab\there"))
    for phase in PacerSchedule().phases(0.0, 10.0):
        rec.pacer(phase)
    # Not closed: another reader sees every row already.
    lines = (tmp_path / "s" / "beats.tsv").read_text().splitlines()
    assert lines[1] == "1\t812.5\t72\t1\t\ta"
    assert lines[2] == "1.9004\t900.390625\t\tn/a\t\ta"
    [r] = read_recording(tmp_path / "s")
    assert r.rr_ms.tolist() == [812.5, 900.390625]
    assert r.contact.tolist() == [1, -1]
    [ev] = read_events(tmp_path / "s")
    assert ev.kind == "marker" and ev.label == "tab here"
    pacer = (tmp_path / "s" / "pacer.tsv").read_text().splitlines()
    assert pacer[1:] == ["0\tinhale\t6\t4:6\t4\t0", "4\texhale\t6\t4:6\t6\t0"]
    rec.close()


def test_an_existing_folder_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "beats.tsv").write_text("precious")
    with pytest.raises(RecorderError, match="already exists"):
        Recorder(tmp_path / "s", _meta())
    assert (tmp_path / "s" / "beats.tsv").read_text() == "precious"


def test_an_uncreatable_folder_is_a_sentence(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(RecorderError, match="cannot be created"):
        Recorder(tmp_path / "file" / "s", _meta())


def test_a_failing_disk_stops_recording_keeps_rows_and_says_so(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "s", _meta())
    rec.beat(Beat(1.0, 1000.0, 60.0, True, "a"))

    class Full:
        def write(self, _s: str) -> int:
            raise OSError(28, "No space left on device")

        def flush(self) -> None: ...
        def fileno(self) -> int:
            return 0  # noqa: E704

        def close(self) -> None: ...

    real = rec._files["beats.tsv"]
    rec._files["beats.tsv"] = Full()  # type: ignore[assignment]
    rec.beat(Beat(2.0, 1000.0, 60.0, True, "a"))
    assert rec.problem and "the disk is full" in rec.problem and "goes on" in rec.problem
    rec.beat(Beat(3.0, 1000.0, 60.0, True, "a"))  # ignored quietly, no exception
    rec._files["beats.tsv"] = real
    rec.close()
    [r] = read_recording(tmp_path / "s")
    assert r.rr_ms.tolist() == [1000.0]


@pytest.mark.parametrize(
    ("x", "d", "text"),
    [(1.0, 4, "1"), (812.5, 7, "812.5"), (900.390625, 7, "900.390625"), (None, 4, ""),
     (float("nan"), 4, ""), (-0.00001, 4, "0"), (0.1 + 0.2, 4, "0.3")],
)  # fmt: skip
def test_number_cells(x: float | None, d: int, text: str) -> None:
    assert fmt_number(x, d) == text


def test_every_raw_rr_value_is_written_exactly() -> None:
    for raw in range(1, 65536, 7):
        rr = raw * 1000.0 / 1024
        assert float(fmt_number(rr, 7)) == rr


def test_ecg_table_is_made_with_its_first_samples(tmp_path: Path) -> None:
    from resonant.model.beats import EcgSamples

    rec = Recorder(tmp_path / "s", _meta())
    rec.ecg(EcgSamples((1.0, 1.0076923), (-12, 1034), "h10"))
    lines = (tmp_path / "s" / "ecg.tsv").read_text().splitlines()
    assert lines == ["time_s\tecg_uv\tsource", "1\t-12\th10", "1.00769\t1034\th10"]
    assert rec.rows["ecg.tsv"] == 2
    rec.close()
