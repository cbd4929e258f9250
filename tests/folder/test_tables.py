"""The session folder's tables: required columns, the one error rule, session.json."""

import json
from pathlib import Path

import numpy as np
import pytest

from resonant.cli import main
from resonant.folder.read import (
    RecordingError,
    read_ecg,
    read_events,
    read_pacer,
    read_recording,
    read_session_json,
)
from resonant.folder.schema import COLUMNS, REQUIRED
from resonant.folder.write import Recorder
from resonant.model.beats import Beat, EcgSamples


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def _beats(n: int = 400, seed: int = 1) -> str:
    """``beats.tsv`` with only the required columns: a slow breathing rhythm, ~5 min."""
    rng = np.random.default_rng(seed)
    k = np.arange(n)
    rr = 900.0 + 60.0 * np.sin(2 * np.pi * 0.1 * k * 0.9) + rng.normal(0.0, 5.0, n)
    t = np.cumsum(rr) / 1000.0
    rows = "".join(f"{ti:.4f}\t{ri:.3f}\n" for ti, ri in zip(t, rr, strict=True))
    return "time_s\trr_ms\n" + rows


def test_every_table_has_its_required_columns_among_its_columns() -> None:
    assert set(REQUIRED) == set(COLUMNS)
    for table, need in REQUIRED.items():
        assert need and set(need) <= set(COLUMNS[table]), table


def test_the_old_names_are_still_importable_from_write() -> None:
    from resonant.folder import schema, write

    assert write.COLUMNS is schema.COLUMNS and write.fmt_number is schema.fmt_number
    assert write.FORMAT_VERSION == schema.FORMAT_VERSION and write.LAZY == schema.LAZY


# -- pacer.tsv --------------------------------------------------------------------------------


def test_read_pacer_derives_durations_without_duration_s_and_breath(tmp_path: Path) -> None:
    _write(tmp_path, "pacer.tsv",
           "time_s\tphase\trate_bpm\n0\tinhale\t6\n4\texhale\t6\n10\tinhale\t6\n14\texhale\t6\n")  # fmt: skip
    rows = read_pacer(tmp_path)
    assert rows is not None
    assert rows.start_s.tolist() == [0.0, 4.0, 10.0, 14.0]
    # A phase lasts until the next onset; the last as long as the same phase did last time.
    assert rows.duration_s.tolist() == [4.0, 6.0, 4.0, 6.0]
    assert rows.code.tolist() == [0, 2, 0, 2]
    assert rows.inhales()[0].tolist() == [0.0, 10.0]


def test_read_pacer_fills_empty_duration_cells_only(tmp_path: Path) -> None:
    _write(tmp_path, "pacer.tsv",
           "time_s\tphase\trate_bpm\tduration_s\n0\tinhale\t6\t3.5\n4\texhale\t6\t\n"
           "10\tinhale\t6\t4\n")  # fmt: skip
    rows = read_pacer(tmp_path)
    assert rows is not None
    assert rows.duration_s.tolist() == [3.5, 6.0, 4.0]  # only the empty cell is derived


def test_read_pacer_is_none_without_a_guide(tmp_path: Path) -> None:
    assert read_pacer(tmp_path) is None  # no pacer.tsv
    _write(tmp_path, "pacer.tsv", "\t".join(COLUMNS["pacer.tsv"]) + "\n")
    assert read_pacer(tmp_path) is None  # a header only: the session ran without the guide
    _write(tmp_path, "pacer.tsv", "")
    assert read_pacer(tmp_path) is None  # cut off before its header


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("time_s\tphase\n0\tinhale\n", 1, "the header needs the columns time_s, phase and rate_bpm"),
        ("time_s\tphase\trate_bpm\n0\tbreathe\t6\n", 2, "is not a breathing phase"),
        ("time_s\tphase\trate_bpm\n0\tinhale\t0\n", 2, "is not a breathing phase"),
        ("time_s\tphase\trate_bpm\n4\tinhale\t6\n2\texhale\t6\n", 3, "comes before"),
        ("time_s\tphase\trate_bpm\n0\tinhale\t6\t1\n", 2, "expected 3 columns, found 4"),
    ],
)
def test_a_broken_pacer_names_the_file_and_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    p = _write(tmp_path, "pacer.tsv", text)
    with pytest.raises(RecordingError) as info:
        read_pacer(tmp_path)
    assert info.value.line == line and words in str(info.value)
    assert str(info.value).startswith(f"{p}:{line}: ")


def test_a_cut_off_last_pacer_row_is_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "pacer.tsv", "time_s\tphase\trate_bpm\n0\tinhale\t6\n4\texhale\t6\n10\tinh")
    rows = read_pacer(tmp_path)
    assert rows is not None and rows.start_s.tolist() == [0.0, 4.0]


# -- events.tsv and beats.tsv ------------------------------------------------------------------


def test_events_need_only_onset_and_kind(tmp_path: Path) -> None:
    _write(tmp_path, "events.tsv", "onset_s\tkind\n1.5\tmarker\n3\tsomething\n")
    events = read_events(tmp_path)
    assert [(e.onset_s, e.kind, e.label, e.duration_s, e.source) for e in events] == [
        (1.5, "marker", "", 0.0, ""), (3.0, "note", "", 0.0, "")]  # fmt: skip


def test_events_without_kind_are_refused_naming_the_columns(tmp_path: Path) -> None:
    p = _write(tmp_path, "events.tsv", "onset_s\tlabel\n1\tx\n")
    with pytest.raises(RecordingError, match="needs the columns onset_s and kind") as info:
        read_events(tmp_path)
    assert info.value.path == str(p) and info.value.line == 1


def test_a_broken_event_names_its_line(tmp_path: Path) -> None:
    _write(tmp_path, "events.tsv", "onset_s\tkind\tlabel\n1\tmarker\ta\nsoon\tmarker\tb\n")
    with pytest.raises(RecordingError, match="'soon' is not a number") as info:
        read_events(tmp_path)
    assert info.value.line == 3


def test_a_cut_off_last_event_is_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "events.tsv", "onset_s\tkind\tlabel\n1\tmarker\ta\n2\tmark")
    assert [e.label for e in read_events(tmp_path)] == ["a"]


def test_the_artifact_column_comes_with_the_beats(tmp_path: Path) -> None:
    _write(tmp_path, "beats.tsv",
           "time_s\trr_ms\tartifact\tsource\n1\t1000\t\ta\n1.2\t200\trange\ta\n"
           "1.3\t1000\t\tb\n2.2\t1000\tjump\ta\n")  # fmt: skip
    recs = {r.source: r for r in read_recording(tmp_path)}
    assert recs["a"].artifact is not None and recs["a"].artifact.tolist() == ["", "range", "jump"]
    assert recs["b"].artifact is not None and recs["b"].artifact.tolist() == [""]
    _write(tmp_path, "beats.tsv", "time_s\trr_ms\n1\t1000\n")
    [rec] = read_recording(tmp_path)
    assert rec.artifact is None and rec.hr_bpm is None and rec.contact is None


def test_a_connection_event_without_a_label_column_splits_nothing(tmp_path: Path) -> None:
    _write(tmp_path, "beats.tsv", _beats(50))
    _write(tmp_path, "events.tsv", "onset_s\tkind\n10\tconnection\n")
    [rec] = read_recording(tmp_path)
    assert rec.segment_starts.tolist() == [0]


# -- ecg.tsv ----------------------------------------------------------------------------------


def test_read_ecg_per_source_in_time_order(tmp_path: Path) -> None:
    assert read_ecg(tmp_path) == {}
    _write(tmp_path, "ecg.tsv",
           "time_s\tecg_uv\tsource\n0.01\t5\ta\n0\t-3\ta\n0.005\t7\tb\n0.02\t1")  # fmt: skip
    ecg = read_ecg(tmp_path)
    assert list(ecg) == ["a", "b"]
    assert ecg["a"].time_s.tolist() == [0.0, 0.01] and ecg["a"].ecg_uv.tolist() == [-3.0, 5.0]
    assert ecg["b"].ecg_uv.tolist() == [7.0]  # the cut-off last row was skipped


def test_read_ecg_as_the_recorder_writes_it(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "s", {"start_utc": "2026-01-01T00:00:00.000000Z"})
    rec.ecg(EcgSamples((0.0, 1 / 130), (12, -40), "h10"))
    rec.beat(Beat(1.0, 1000.0, 60.0, True, "h10"))
    rec.close()
    ecg = read_ecg(tmp_path / "s")
    assert ecg["h10"].ecg_uv.tolist() == [12.0, -40.0]


def test_a_broken_ecg_row_names_its_line(tmp_path: Path) -> None:
    _write(tmp_path, "ecg.tsv", "time_s\tecg_uv\n0\t1\n0.01\tlots\n")
    with pytest.raises(RecordingError, match="is not an ECG sample") as info:
        read_ecg(tmp_path)
    assert info.value.line == 3
    _write(tmp_path, "ecg.tsv", "time_s\tsource\n")
    with pytest.raises(RecordingError, match="needs the columns time_s and ecg_uv"):
        read_ecg(tmp_path)


# -- session.json -----------------------------------------------------------------------------


def test_read_session_json_missing_gives_an_empty_dict(tmp_path: Path) -> None:
    assert read_session_json(tmp_path) == {}


def test_read_session_json_reads_the_object(tmp_path: Path) -> None:
    _write(tmp_path, "session.json", json.dumps({"format_version": 1, "participant": "P01"}))
    assert read_session_json(tmp_path) == {"format_version": 1, "participant": "P01"}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'{"format_version": 1,', "is not valid JSON"),
        (b"[1, 2]", "is not a JSON object"),
        (b'{"a": "\xff"}', "is not UTF-8 text"),
    ],
)
def test_read_session_json_broken_is_one_sentence(
    tmp_path: Path, content: bytes, words: str
) -> None:
    (tmp_path / "session.json").write_bytes(content)
    with pytest.raises(RecordingError) as info:
        read_session_json(tmp_path)
    assert str(info.value).startswith(f"{tmp_path / 'session.json'}: ") and words in str(info.value)
    assert "\n" not in str(info.value)
    assert info.value.exit_status == 2


# -- a folder written by another tool ---------------------------------------------------------


def _other_tool_folder(folder: Path) -> Path:
    """Only the required columns of each table, no session.json, no sidecars."""
    _write(folder, "beats.tsv", _beats())
    _write(folder, "events.tsv", "onset_s\tkind\n0\tphase\n120\tphase\n200\tmarker\n")
    rows = []
    for breath in range(30):
        rows.append(f"{breath * 10}\tinhale\t6\n")
        rows.append(f"{breath * 10 + 4}\texhale\t6\n")
    _write(folder, "pacer.tsv", "time_s\tphase\trate_bpm\n" + "".join(rows))
    return folder


def test_a_folder_from_another_tool_is_analysed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _other_tool_folder(tmp_path / "other")
    assert main(["analyze", str(folder)]) == 0
    std = capsys.readouterr()
    assert str(folder) in std.out
    assert main(["analyze", "--json", str(folder)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    result = json.loads(line)
    assert result["beats"] == 400 and len(result["phases"]) == 2
    pacer = read_pacer(folder)
    assert pacer is not None and pacer.start_s.size == 60
    assert np.allclose(pacer.duration_s[:-1], np.tile([4.0, 6.0], 30)[:-1])


def test_a_folder_from_another_tool_is_exported(tmp_path: Path) -> None:
    from resonant.exports.formats import export_csv

    folder = _other_tool_folder(tmp_path / "other")
    result = export_csv(folder, tmp_path / "out.csv")
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert len(lines) == 1 + 400 + 3 + 60 and result.files == [tmp_path / "out.csv"]
