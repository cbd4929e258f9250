import json
import shutil
from datetime import UTC, datetime

import pytest

from resonant.errors import ResonantError
from resonant.folder.contents import SessionFolder, read_session
from resonant.folder.read import RecordingError
from resonant.model.beats import Event
from tests.conftest import FIXTURES

SESSION = FIXTURES / "sessions" / "2026-11-22T10-00-00Z_gap"

PACER_TSV = (
    "time_s\tphase\trate_bpm\tratio\tduration_s\tbreath\n"
    "0.0\tinhale\t6.0\t4:6\t4.0\t0\n"
    "4.0\texhale\t6.0\t4:6\t6.0\t0\n"
    "10.0\tinhale\t6.0\t4:6\t4.0\t1\n"
)


@pytest.fixture
def folder(tmp_path):
    """A copy of the fixture session that a test may change."""
    dst = tmp_path / "session"
    shutil.copytree(SESSION, dst)
    return dst


def test_fixture_session_is_read_whole():
    s = read_session(SESSION)
    assert isinstance(s, SessionFolder)
    assert s.path == SESSION
    assert s.meta["format_version"] == 1
    assert s.sources == ["strap"]
    assert s.start_utc == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert s.start_utc.tzinfo is not None
    assert s.events == [
        Event(90.915, "connection", "disconnected"),
        Event(109.915, "connection", "reconnected"),
    ]
    assert s.pacer is None
    rec = s.recording()
    assert rec is s.recording("strap") and rec.kind == "session"
    assert rec.rr_ms.size == 200 and rec.segment_starts.tolist() == [0, 100]


def test_a_string_path_is_accepted():
    assert read_session(str(SESSION)).sources == ["strap"]


def test_an_unknown_source_names_the_known_ones():
    with pytest.raises(KeyError, match="'chest'.*'strap'"):
        read_session(SESSION).recording("chest")


def test_missing_optional_tables_give_empty_values(folder):
    (folder / "session.json").unlink()
    (folder / "events.tsv").unlink()
    s = read_session(folder)
    assert s.meta == {} and s.events == [] and s.pacer is None and s.start_utc is None
    # without events.tsv the disconnection is not known, but the timing still shows the gap
    assert s.recording().segment_starts.tolist() == [0, 100]


def test_pacer_phases_are_read_when_present(folder):
    (folder / "pacer.tsv").write_text(PACER_TSV, encoding="utf-8")
    pacer = read_session(folder).pacer
    assert pacer is not None
    assert pacer.start_s.tolist() == [0.0, 4.0, 10.0]
    assert pacer.duration_s.tolist() == [4.0, 6.0, 4.0]
    assert pacer.rate_bpm.tolist() == [6.0] * 3


def test_a_naive_start_time_is_taken_as_utc(folder):
    meta = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    meta["start_utc"] = "2026-11-22T11:30:00"
    (folder / "session.json").write_text(json.dumps(meta), encoding="utf-8")
    assert read_session(folder).start_utc == datetime(2026, 11, 22, 11, 30, tzinfo=UTC)


def broken(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")
    with pytest.raises(RecordingError) as info:
        read_session(folder)
    assert isinstance(info.value, ResonantError)
    assert "Traceback" not in str(info.value) and "\n" not in str(info.value)
    return str(info.value)


def test_broken_session_json_raises(folder):
    assert "session.json" in broken(folder, "session.json", "{not json")


def test_a_start_time_that_is_not_a_time_raises(folder):
    msg = broken(folder, "session.json", json.dumps({"start_utc": "yesterday"}))
    assert "session.json" in msg and "start_utc 'yesterday'" in msg


def test_broken_events_raise(folder):
    assert "events.tsv" in broken(folder, "events.tsv", "when\twhat\n1\tx\n")


def test_broken_pacer_raises(folder):
    msg = broken(folder, "pacer.tsv", PACER_TSV + "12.0\tsideways\t6.0\t4:6\t1.0\t1\n")
    assert "pacer.tsv:5" in msg


def test_broken_beats_raise(folder):
    assert "beats.tsv" in broken(folder, "beats.tsv", "time_s\trr_ms\n1.0\tabc\n")


def test_a_folder_without_beats_raises(folder):
    (folder / "beats.tsv").unlink()
    with pytest.raises(RecordingError, match="beats.tsv"):
        read_session(folder)


def test_a_missing_folder_or_a_file_raises(tmp_path):
    with pytest.raises(RecordingError, match="no such folder"):
        read_session(tmp_path / "nothing")
    with pytest.raises(RecordingError, match="not a session folder"):
        read_session(SESSION / "beats.tsv")
