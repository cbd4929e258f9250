import numpy as np
import pytest

from resonant.folder.read import RecordingError, read_recording
from tests.conftest import FIXTURES

REC = FIXTURES / "recordings"
SESSION = FIXTURES / "sessions" / "2026-11-22T10-00-00Z_gap"


def test_rr_text_in_ms_with_comments_and_blank_lines():
    (rec,) = read_recording(REC / "rr-ms.txt")
    np.testing.assert_allclose(rec.rr_ms, [812.5, 900.3906, 850.0])
    np.testing.assert_allclose(rec.time_s, np.cumsum(rec.rr_ms) / 1000)
    assert rec.kind == "rr-text" and not rec.warnings


def test_rr_text_in_seconds_is_converted():
    (rec,) = read_recording(REC / "rr-seconds.txt")
    np.testing.assert_allclose(rec.rr_ms, [812.5, 900.4, 850.0])
    assert any("seconds" in w for w in rec.warnings)


def test_a_header_line_is_skipped_with_a_note():
    (rec,) = read_recording(REC / "rr-header.txt")
    assert rec.rr_ms.tolist() == [800.0, 810.0]
    assert any("header" in w for w in rec.warnings)


def test_a_cut_off_last_line_is_skipped_with_a_warning():
    (rec,) = read_recording(REC / "cut-off.txt")
    assert rec.rr_ms.tolist() == [800.0, 810.0, 820.0]
    assert any("line 4 is cut off" in w for w in rec.warnings)


def test_openhrv_csv_reads_the_ibi_rows():
    (rec,) = read_recording(REC / "openhrv.csv")
    assert rec.kind == "openhrv-csv"
    assert rec.rr_ms.tolist() == [800.0, 812.0, 790.0]
    assert rec.rows.tolist() == [1, 2, 4]
    assert any("cut off" in w for w in rec.warnings)


def test_session_folder_with_a_disconnect_has_two_segments():
    (rec,) = read_recording(SESSION)
    assert rec.kind == "session" and rec.source == "strap"
    assert rec.rr_ms.size == 200
    assert rec.segment_starts.tolist() == [0, 100]
    (same,) = read_recording(SESSION / "beats.tsv")
    np.testing.assert_array_equal(same.rr_ms, rec.rr_ms)


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("text-in-numbers.txt", 3, "not a number"),
        ("negative.txt", 2, "not positive"),
        ("absurd.txt", 2, "cannot be a heartbeat"),
        ("empty.txt", None, "empty"),
        ("comments-only.txt", None, "empty"),
        ("binary.bin", None, "not a text file"),
        ("does-not-exist.txt", None, "no such file"),
    ],
)
def test_bad_input_names_the_file_and_line(name, line, words):
    with pytest.raises(RecordingError) as info:
        read_recording(REC / name)
    err = info.value
    assert err.line == line
    assert words in str(err)
    assert str(err).startswith(str(REC / name))


def test_a_folder_that_is_not_a_session(tmp_path):
    with pytest.raises(RecordingError, match="no beats.tsv"):
        read_recording(tmp_path)


def test_beats_tsv_rows_must_move_forward_in_time(tmp_path):
    p = tmp_path / "beats.tsv"
    p.write_text("time_s\trr_ms\n1.0\t800\n0.5\t800\n")
    with pytest.raises(RecordingError, match="does not come after") as info:
        read_recording(p)
    assert info.value.line == 3
