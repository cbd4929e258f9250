from pathlib import Path

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


PLAIN_RR = [
    "800\n810.5\n+820\n.83e3\n",
    "800\r\n810\r\n\r\n820\r\n",  # Windows line ends, a blank line
    "800\n\n\n810\n820",  # blank lines, no newline after the last value
    "800\r810\r820\r",  # old Mac line ends
    "\n\n812.25\n1e3\n799.\n",
    "800\n810\n8",  # a cut-off last value: the line reader says so
    "800\n810\n8_00\n",
    "800\n٨١٠\n",
    "800\n 810 \n",
    "800\n810\n#c\n",
    "RR\n800\n810\n",
    "5\n0.8\n",  # seconds
    "800\n1e999\n",
    "800\n5\n",  # absurd
    "800\n1e-3.5\n",
]


@pytest.mark.parametrize("text", PLAIN_RR)
@pytest.mark.parametrize("chunk", [1, 5, 1 << 18])
def test_plain_rr_files_read_from_their_bytes_as_line_by_line(tmp_path, monkeypatch, text, chunk):
    # Issue 18: a file of plain numbers is parsed from its bytes a chunk at a time, not
    # as one string per line; what it reads must be what the line reader reads, and
    # anything else must go to the line reader (the same recording or the same error).
    import resonant.folder.read as read

    path = tmp_path / "rr.txt"
    path.write_bytes(text.encode())
    monkeypatch.setattr(read, "_PARSE_CHUNK", chunk)

    def outcome():
        try:
            return read_recording(path)[0]
        except RecordingError as err:
            return str(err)

    got = outcome()
    monkeypatch.setattr(read, "_read_rr_bytes", lambda p, data: None)
    want = outcome()
    if isinstance(want, str):
        assert got == want
        return
    assert not isinstance(got, str)
    for name in ("path", "kind", "source", "warnings"):
        assert getattr(got, name) == getattr(want, name)
    for name in ("time_s", "rr_ms", "rows", "segment_starts"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
        assert getattr(got, name).dtype == getattr(want, name).dtype


def test_only_plain_files_are_read_from_their_bytes():
    from resonant.folder.read import _read_rr_bytes

    plain = _read_rr_bytes(Path("rr.txt"), b"800\r\n\n810.5\n")
    assert plain is not None and plain.rr_ms.tolist() == [800.0, 810.5]
    for data in [b"", b"\n\n", b"800\n8_00\n", "800\n٨٠٠\n".encode(), b"800 \n", b"inf\n",
                 b"800\n810\n8", b"0.8\n0.9\n", b"800\t810\n", b"\xef\xbb\xbf800\n"]:  # fmt: skip
        assert _read_rr_bytes(Path("rr.txt"), data) is None, data
