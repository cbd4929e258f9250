"""acc.tsv: the chest accelerometer table, written as frames arrive and read back."""

from pathlib import Path

import numpy as np
import pytest

from resonant.folder.read import RecordingError, read_acc
from resonant.folder.schema import COLUMNS, LAZY
from resonant.folder.write import Recorder
from resonant.model.beats import AccSamples, Beat


def _meta() -> dict:
    return {"start_utc": "2026-01-01T00:00:00.000000Z"}


def test_acc_table_has_the_documented_columns_and_is_made_with_its_first_row(
    tmp_path: Path,
) -> None:
    assert COLUMNS["acc.tsv"] == ("time_s", "source", "x_mg", "y_mg", "z_mg")
    assert "acc.tsv" in LAZY
    rec = Recorder(tmp_path / "s", _meta())
    assert not (tmp_path / "s" / "acc.tsv").exists()
    rec.acc(AccSamples((0.04, 0.08), ((-930, -70, 361), (-929, -71, 362)), "h10"))
    # Flushed as it comes: readable before the session ends.
    text = (tmp_path / "s" / "acc.tsv").read_text()
    assert text == "time_s\tsource\tx_mg\ty_mg\tz_mg\n0.04\th10\t-930\t-70\t361\n" \
        "0.08\th10\t-929\t-71\t362\n"  # fmt: skip
    rec.close()
    assert (tmp_path / "s" / "acc.json").is_file()


def test_read_acc_as_the_recorder_writes_it(tmp_path: Path) -> None:
    assert read_acc(tmp_path) == {}
    rec = Recorder(tmp_path / "s", _meta())
    rec.acc(AccSamples((0.0, 0.02), ((1, 2, 3), (4, 5, 6)), "a"))
    rec.acc(AccSamples((0.01,), ((7, 8, 9),), "b"))
    rec.beat(Beat(1.0, 1000.0, 60.0, True, "a"))
    rec.close()
    acc = read_acc(tmp_path / "s")
    assert list(acc) == ["a", "b"]
    assert acc["a"].time_s.tolist() == [0.0, 0.02]
    assert acc["a"].xyz_mg.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert acc["b"].xyz_mg.shape == (1, 3)


def test_read_acc_sorts_by_time_and_skips_a_cut_off_row(tmp_path: Path) -> None:
    tmp_path.joinpath("acc.tsv").write_text(
        "time_s\tx_mg\ty_mg\tz_mg\n0.04\t1\t2\t3\n0\t4\t5\t6\n0.08\t7\t8"
    )
    acc = read_acc(tmp_path)
    assert list(acc) == [""]
    assert np.array_equal(acc[""].time_s, [0.0, 0.04])
    assert acc[""].xyz_mg[0].tolist() == [4, 5, 6]


def test_a_broken_acc_row_names_its_line(tmp_path: Path) -> None:
    p = tmp_path / "acc.tsv"
    p.write_text("time_s\tx_mg\ty_mg\tz_mg\n0\t1\t2\t3\n0.04\t1\tup\t3\n")
    with pytest.raises(RecordingError, match="is not an accelerometer sample") as info:
        read_acc(tmp_path)
    assert info.value.line == 3
    p.write_text("time_s\tx_mg\n")
    with pytest.raises(RecordingError, match="needs the columns"):
        read_acc(tmp_path)
