"""Issue 18: the session-folder readers against hostile and unlucky input.

Every case is one :class:`RecordingError` naming the file (and line or key), never a
traceback, a hang on a FIFO or a far time taken at its word (``folder/read.py``: values
are checked for range where they are read, once).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from resonant.folder.contents import read_session
from resonant.folder.read import (
    TIME_LIMIT_S,
    RecordingError,
    parse_utc,
    read_acc,
    read_ecg,
    read_events,
    read_pacer,
    read_recording,
    read_session_json,
)
from tests.conftest import FIXTURES

SESSION = FIXTURES / "sessions" / "2026-11-22T10-00-00Z_gap"


def session(tmp_path: Path, meta: dict[str, Any] | None = None) -> Path:
    """A copy of the fixture session, with ``meta`` merged into its session.json."""
    folder = tmp_path / "s"
    shutil.copytree(SESSION, folder)
    if meta is not None:
        base = json.loads((folder / "session.json").read_text())
        (folder / "session.json").write_text(json.dumps({**base, **meta}))
    return folder


def refused(folder: Path, reader: Any = read_session) -> str:
    with pytest.raises(RecordingError) as info:
        reader(folder)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# -- session.json ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, words",
    [
        ("5", "is not a JSON object"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "nested too deeply"),
        ('{"start_utc": "9999-12-31T23:59:59-05:00"}', "start_utc '9999-12-31T23:59:59-05:00'"),
        ('{"start_utc": "0001-01-01T00:00:00+05:00"}', "years 1900-2999"),
        ('{"end_utc": 5}', "end_utc 5 is not an ISO 8601 time"),
        ('{"duration_s": Infinity}', "duration_s inf is not a length of time"),
        ('{"duration_s": NaN}', "duration_s nan is not a length of time"),
        ('{"duration_s": -1}', "duration_s -1"),
        ('{"assessment": {"warnings": "abc"}}', "assessment.warnings 'abc' is not a list"),
        ('{"assessment": {"warnings": 5}}', "assessment.warnings 5 is not a list"),
        ('{"assessment": 5}', "assessment 5 is not an object"),
        ('{"sources": 5}', "sources 5 is not a list of objects"),
        ('{"sources": [{"label": "a", "settings": {"acc_hz": 1e300}}]}',
         "sources[0].settings.acc_hz 1e+300 is not a sample rate"),
        ('{"protocol": {"rates_bpm": 5}}', "protocol.rates_bpm 5 is not a list of breathing rates"),
        ('{"protocol": {"rates_bpm": []}}', "protocol.rates_bpm [] is not a list"),
        ('{"protocol": {"rates_bpm": ["x"]}}', "protocol.rates_bpm ['x'] is not a list"),
        ('{"protocol": {"settle_s": "abc"}}', "protocol.settle_s 'abc' is not a length of time"),
        ('{"protocol": "stepped"}', "protocol 'stepped' is not an object"),
        ('{"settings": {"pacer": {"rate_bpm": 0}}}', "settings.pacer.rate_bpm 0 is not a"),
        ('{"checkin": {"after": {"calm": 11}}}', "checkin.after.calm 11 is not an answer"),
        ('{"participant": [1, 2]}', "participant [1, 2] is not text"),
    ],
)  # fmt: skip
def test_a_broken_session_json_is_one_sentence_naming_the_key(
    tmp_path: Path, text: str, words: str
) -> None:
    folder = session(tmp_path)
    (folder / "session.json").write_text(text)
    message = refused(folder, read_session_json)
    assert message.startswith(f"{folder / 'session.json'}: ") and words in message
    assert refused(folder) == message  # read_session says the same, before the tables


def test_null_is_the_same_as_absent_and_unknown_fields_are_kept(tmp_path: Path) -> None:
    meta = {"duration_s": None, "protocol": None, "sources": None, "extra": {"x": [1e300]}}
    folder = session(tmp_path, meta)
    assert read_session(folder).meta["extra"] == {"x": [1e300]}


def test_parse_utc_never_raises() -> None:
    assert parse_utc("9999-12-31T23:59:59-05:00") is None
    assert parse_utc("0001-01-01T00:00:00+05:00") is None
    assert parse_utc("2026-11-22T10:00:00Z") is not None


# -- far times and numbers -------------------------------------------------------------------


def _last_beat_time(folder: Path, value: str) -> None:
    lines = (folder / "beats.tsv").read_text().splitlines()
    cells = lines[-1].split("\t")
    cells[0] = value
    (folder / "beats.tsv").write_text("\n".join([*lines[:-1], "\t".join(cells)]) + "\n")


@pytest.mark.parametrize("value", ["1e300", "1e12", f"{TIME_LIMIT_S * 1.01:.0f}", "-1e9"])
def test_an_absurd_beat_time_is_an_input_error_with_file_and_line(
    tmp_path: Path, value: str
) -> None:
    folder = session(tmp_path)
    _last_beat_time(folder, value)
    n = len((folder / "beats.tsv").read_text().splitlines())
    message = refused(folder, read_recording)
    assert f"beats.tsv:{n}: time_s {value}" in message and "too far" in message


@pytest.mark.parametrize(
    "table, row, words",
    [
        ("events.tsv", "1e12\t0\tmarker\tfar\t", "onset_s 1e12 is too far"),
        ("events.tsv", "inf\t0\tmarker\tfar\t", "onset_s 'inf' is not a number"),
        ("events.tsv", "10\tinf\tmarker\tfar\t", "duration_s 'inf' is not a number"),
        ("events.tsv", "10\t1e300\tmarker\tfar\t", "duration_s 1e300 is not a duration"),
        ("events.tsv", "10\t-5\tmarker\tfar\t", "duration_s -5 is not a duration"),
        ("events.tsv", "٨٠٠\t0\tmarker\tfar\t", "onset_s '٨٠٠' is not a number"),
        ("pacer.tsv", "1e300\tinhale\t6", "time_s 1e300 is too far"),
        ("pacer.tsv", "inf\tinhale\t6", "is not a breathing phase"),
        ("pacer.tsv", "500\tinhale\t1e300", "rate_bpm 1e300 is not a breathing rate"),
        ("ecg.tsv", "1e300\t5\t", "time_s 1e300 is too far"),
        ("acc.tsv", "1e300\t\t1\t2\t3", "time_s 1e300 is too far"),
    ],
)  # fmt: skip
def test_absurd_times_in_the_other_tables(
    tmp_path: Path, table: str, row: str, words: str
) -> None:
    folder = session(tmp_path)
    headers = {
        "events.tsv": "onset_s\tduration_s\tkind\tlabel\tsource",
        "pacer.tsv": "time_s\tphase\trate_bpm",
        "ecg.tsv": "time_s\tecg_uv\tsource",
        "acc.tsv": "time_s\tsource\tx_mg\ty_mg\tz_mg",
    }
    (folder / table).write_text(f"{headers[table]}\n{row}\n")
    reader = {"events.tsv": read_events, "pacer.tsv": read_pacer, "ecg.tsv": read_ecg,
              "acc.tsv": read_acc}[table]  # fmt: skip
    message = refused(folder, reader)
    assert f"{table}:2: " in message and words in message


@pytest.mark.parametrize("value", ["٨٠٠", "8_00", "inf", "nan", "0x320", " 8 00"])
def test_only_ascii_decimal_numbers_are_read(tmp_path: Path, value: str) -> None:
    rr = tmp_path / "rr.txt"
    rr.write_text(f"800\n810\n{value}\n820\n")
    assert "rr.txt:3" in refused(rr, read_recording)
    folder = session(tmp_path)
    lines = (folder / "beats.tsv").read_text().splitlines()
    cells = lines[1].split("\t")
    cells[1] = value
    (folder / "beats.tsv").write_text("\n".join([lines[0], "\t".join(cells), *lines[2:]]) + "\n")
    assert "beats.tsv:2: rr_ms" in refused(folder, read_recording)


def test_plain_numbers_still_read(tmp_path: Path) -> None:
    rr = tmp_path / "rr.txt"
    rr.write_text("800\n+810.5\n.82e3\n 830 \n")
    [rec] = read_recording(rr)
    assert rec.rr_ms.tolist() == [800.0, 810.5, 820.0, 830.0]


# -- files that are not files ----------------------------------------------------------------


@pytest.mark.parametrize("table", ["events.tsv", "pacer.tsv", "session.json", "beats.tsv",
                                   "acc.tsv", "ecg.tsv"])  # fmt: skip
@pytest.mark.parametrize("kind", ["fifo", "folder", "latin-1", "dangling link"])
def test_a_table_that_is_no_readable_file_is_named(tmp_path: Path, table: str, kind: str) -> None:
    folder = session(tmp_path)
    p = folder / table
    p.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(p)  # never opened: reading it would block for ever
        words = "is a pipe (FIFO)"
    elif kind == "folder":
        p.mkdir()
        words = "is a folder"
    elif kind == "dangling link":
        p.symlink_to(tmp_path / "nowhere")
        words = "is a link to nothing"
    else:
        header = {"session.json": b"{", "beats.tsv": b"time_s\trr_ms\n"}.get(table, b"time_s\t")
        p.write_bytes(header + b"\xe9\xff\n")
        words = "UTF-8"
    readers = [read_session]
    if table in ("acc.tsv", "ecg.tsv"):
        readers = [read_acc if table == "acc.tsv" else read_ecg]
    for reader in readers:
        message = refused(folder, reader)
        assert str(p) in message and words in message, message
        assert "no RR intervals" not in message


def test_an_fifo_given_as_a_recording_is_refused_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)
    assert "is a pipe (FIFO)" in refused(fifo, read_recording)


def test_an_unreadable_table_says_permission_denied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = session(tmp_path)
    real_open = os.open

    def no_access(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path).name == "events.tsv":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_access)
    message = refused(folder)
    assert message == f"{folder / 'events.tsv'}: cannot be read (permission denied)"


def test_a_folder_that_cannot_be_listed_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = session(tmp_path)
    real_stat = os.stat

    def no_search(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if Path(path).parent == folder:  # as in a folder with mode 000
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", no_search)
    message = refused(folder)
    assert str(folder) in message and "permission denied" in message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads everything")
def test_a_folder_with_mode_000_as_an_ordinary_user(tmp_path: Path) -> None:
    folder = session(tmp_path)
    folder.chmod(0)
    try:
        assert "permission denied" in refused(folder)
    finally:
        folder.chmod(0o700)


# -- optional tables ---------------------------------------------------------------------------


def test_an_empty_events_table_is_a_table_without_rows(tmp_path: Path) -> None:
    folder = session(tmp_path)
    (folder / "events.tsv").write_text("")
    s = read_session(folder)
    assert s.events == [] and s.recordings


@pytest.mark.parametrize("text", ["hello world\n", "1" * 1_000_000])
def test_a_malformed_events_table_is_an_error_about_that_table(tmp_path: Path, text: str) -> None:
    folder = session(tmp_path)
    (folder / "events.tsv").write_text(text)
    message = refused(folder)
    assert f"{folder / 'events.tsv'}:1: the header needs" in message
    assert "no RR intervals" not in message


@pytest.mark.parametrize(
    "table, text, words",
    [
        ("ecg.tsv", "time_s\tecg_uv\tsource\n1\t1e300\t\n", "ecg_uv 1e300 cannot be an ECG"),
        ("acc.tsv", "time_s\tsource\tx_mg\ty_mg\tz_mg\n1\t\t1e300\t2\t3\n", "1e+300 mG"),
        ("beats.tsv", "time_s\trr_ms\thr_bpm\n1\t800\t1e300\n", "hr_bpm 1e300 is not a heart"),
    ],
)  # fmt: skip
def test_absurd_sample_values_are_refused(
    tmp_path: Path, table: str, text: str, words: str
) -> None:
    folder = session(tmp_path)
    (folder / table).write_text(text)
    reader = {"ecg.tsv": read_ecg, "acc.tsv": read_acc, "beats.tsv": read_recording}[table]
    message = refused(folder, reader)
    assert f"{table}:2: " in message and words in message


def test_accelerometer_samples_at_one_time_are_given_once(tmp_path: Path) -> None:
    """A replay's AccSamples need increasing times: a repeated time keeps its first sample."""
    folder = session(tmp_path)
    rows = "".join(f"{t}\t\t{k}\t2\t3\n" for k, t in enumerate([1.0, 1.0, 1.04, 1.04, 1.08]))
    (folder / "acc.tsv").write_text("time_s\tsource\tx_mg\ty_mg\tz_mg\n" + rows)
    trace = read_acc(folder)[""]
    assert trace.time_s.tolist() == [1.0, 1.04, 1.08]
    assert trace.xyz_mg[:, 0].tolist() == [0.0, 2.0, 4.0]
