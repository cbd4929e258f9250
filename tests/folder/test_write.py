"""The recorder: folder creation, rows as they happen, failures that keep what is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from resonant.model.beats import Beat, Event, Gap
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


def test_every_gap_is_written_and_read_back_as_a_break(tmp_path: Path) -> None:
    """A break the live path made is a break for every reader, whatever its reason."""
    folder = tmp_path / "s"
    rec = Recorder(folder, _meta())
    for k in range(4):
        rec.beat(Beat(1.0 + k, 1000.0, None, None, "a"))
    # Beats spaced by their RR on both sides: only the written gap says there is a break.
    rec.on_gap(Gap(4.5, "a", "clock"))
    for k in range(4, 8):
        rec.beat(Beat(1.0 + k, 1000.0, None, None, "a"))
    rec.close(duration_s=8.0)
    [e] = read_events(folder)
    assert (e.onset_s, e.kind, e.label, e.source) == (4.5, "gap", "clock", "a")
    [r] = read_recording(folder)
    assert r.segment_starts.tolist() == [0, 4]


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


# -- private by default ----------------------------------------------------------------------


def _modes(root: Path) -> dict[str, int]:
    """Permission bits of ``root`` and everything under it."""
    import stat

    return {
        str(p): stat.S_IMODE(p.stat().st_mode)
        for p in [root, *root.rglob("*")]
    }


def test_everything_resonant_writes_is_private(
    tmp_path: Path, capsys: "pytest.CaptureFixture[str]"
) -> None:
    """A recorded session, its exports, a report, the settings and their backup: owner only."""
    import os

    from resonant.cli import main
    from resonant.config.settings import Settings, save_settings

    old = os.umask(0o022)  # the usual umask; a stricter one only removes more bits
    try:
        data = tmp_path / "data"
        session = data / "s"
        assert main(["record", "--simulate", "--duration", "20", "--speed", "1000",
                     "--sim-disconnects", "8", "--out", str(session)]) == 0  # fmt: skip
        exports = tmp_path / "exports"
        exports.mkdir(mode=0o700)
        for fmt, name in (("csv", "s.csv"), ("kubios", "s.txt"), ("edf", "s.edf")):
            assert main(["export", str(session), "--format", fmt,
                         "--out", str(exports / name)]) == 0  # fmt: skip
        assert main(["report", str(session), "--out", str(exports / "r.html")]) == 0
        config = tmp_path / "config" / "resonant" / "settings.toml"
        save_settings(Settings(), config)
        with open(config, "a", encoding="utf-8") as f:
            f.write("a_key_from_a_newer_version = 1\n")
        save_settings(Settings(), config)  # keeps what it would lose in a backup
        capsys.readouterr()
    finally:
        os.umask(old)
    files = {**_modes(data), **_modes(exports), **_modes(config.parent)}
    assert any(p.endswith("beats.tsv") for p in files)
    assert any(p.endswith(".edf") for p in files) and any(p.endswith(".bak") for p in files)
    assert any(p.endswith("r.html") for p in files)
    for path, mode in files.items():
        is_dir = Path(path).is_dir()
        assert mode == (0o700 if is_dir else 0o600), f"{path}: {oct(mode)}"


def test_a_stricter_umask_is_kept(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o077 | 0o200)  # not even writable by the owner
    try:
        rec = Recorder(tmp_path / "s", {"start_utc": "2026-01-01T00:00:00Z"})
        rec.close()
    finally:
        os.umask(old)
    for p in (tmp_path / "s").iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o400


def test_an_unclear_breathing_rate_is_an_empty_cell_with_its_reason(tmp_path) -> None:
    """metrics.tsv: the missing-value convention (an empty cell) and the note says why."""
    import csv

    from resonant.cli import main as cli_main

    out = tmp_path / "threat"
    # Without the accelerometer: the rate is read from the heart rhythm, or left empty.
    assert cli_main(["record", "--simulate", "--sim-state", "threat", "--no-pacer",
                     "--duration", "240", "--speed", "100000", "--sim-seed", "2",
                     "--no-acc", "--out", str(out)]) == 0  # fmt: skip
    with (out / "metrics.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    ran = [r for r in rows if r["coherence_ratio"]]
    unclear = [r for r in ran if not r["breathing_rate_bpm"]]
    assert ran and unclear
    assert all(r["breathing_source"] == ("heart" if r["breathing_rate_bpm"] else "") for r in ran)
    assert all("breathing rate unclear from the heart rhythm" in r["note"] for r in unclear)
    assert all("breathing rate" not in r["note"] for r in ran if r["breathing_rate_bpm"])
    for r in ran:  # never the Mayer wave's 5.5-6 as breathing
        assert not r["breathing_rate_bpm"] or float(r["breathing_rate_bpm"]) > 10.0


def test_the_breathing_source_column_names_the_chest(tmp_path) -> None:
    """metrics.tsv: with the accelerometer, breathing_source is "chest" once it has a minute."""
    import csv

    from resonant.cli import main as cli_main

    out = tmp_path / "chest"
    assert cli_main(["record", "--simulate", "--sim-state", "threat", "--no-pacer",
                     "--duration", "180", "--speed", "100000", "--sim-seed", "2",
                     "--out", str(out)]) == 0  # fmt: skip
    with (out / "metrics.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    ran = [r for r in rows if r["coherence_ratio"]]
    assert ran and all(r["breathing_source"] == "chest" for r in ran)
    assert all(abs(float(r["breathing_rate_bpm"]) - 18.0) < 2.0 for r in ran)
    assert all("breathing rate" not in r["note"] for r in ran)


# -- a folder that goes away, a disk that fills: noticed at once, counted honestly -------------


def _beats(rec: Recorder, start_s: float, n: int, source: str = "a") -> None:
    for k in range(n):
        rec.beat(Beat(start_s + k, 1000.0, 60.0, True, source))


def test_a_removed_folder_is_noticed_at_the_next_sync_and_nothing_is_claimed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from resonant.folder import write

    monkeypatch.setattr(write, "SYNC_INTERVAL_S", 0.0)
    said: list[str] = []
    rec = Recorder(tmp_path / "s", _meta(), on_problem=said.append)
    _beats(rec, 1.0, 5)
    rec.sync()
    assert rec.beats_saved == {"a": 5} and rec.problem is None
    shutil.rmtree(tmp_path / "s")  # writes into the open files still succeed after this
    _beats(rec, 6.0, 3)
    rec.sync()  # the session calls this after each batch of beats
    assert said == [rec.problem] and rec.problem is not None
    assert "was removed or moved while recording" in rec.problem and "goes on" in rec.problem
    assert rec.kept is False and rec.beats_saved == {}
    _beats(rec, 9.0, 3)  # quietly ignored
    rec.close(duration_s=12.0)
    assert said == [rec.problem] and not (tmp_path / "s").exists()


def test_a_moved_folder_is_noticed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from resonant.folder import write

    monkeypatch.setattr(write, "SYNC_INTERVAL_S", 0.0)
    rec = Recorder(tmp_path / "s", _meta())
    _beats(rec, 1.0, 2)
    (tmp_path / "s").rename(tmp_path / "elsewhere")
    (tmp_path / "s").mkdir()  # even a new folder of the same name is not the session's
    _beats(rec, 3.0, 2)
    rec.sync()
    assert rec.problem and "removed or moved" in rec.problem and not rec.kept
    rec.close()


def test_a_folder_made_unwritable_is_noticed_and_keeps_what_it_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """chmod a-w on the folder: open files still take rows, so it is checked at each sync.

    (The check is os.access, which root always passes: it is stood in for here.)
    """
    import os

    from resonant.folder import write

    monkeypatch.setattr(write, "SYNC_INTERVAL_S", 0.0)
    rec = Recorder(tmp_path / "s", _meta())
    _beats(rec, 1.0, 4)
    rec.sync()
    monkeypatch.setattr(write.os, "access", lambda path, mode: False)
    _beats(rec, 5.0, 2)
    rec.sync()
    assert rec.problem and "cannot be written any more (permission denied)" in rec.problem
    assert rec.kept and rec.beats_saved == {"a": 6}  # the rows already written are on disk
    monkeypatch.setattr(write.os, "access", os.access)
    rec.close()
    [r] = read_recording(tmp_path / "s")
    assert r.rr_ms.size == 6


def test_a_failing_write_counts_only_the_beats_written_before_it(tmp_path: Path) -> None:
    import errno

    rec = Recorder(tmp_path / "s", _meta())
    _beats(rec, 1.0, 3, "a")
    _beats(rec, 1.5, 2, "b")
    real = rec._files["beats.tsv"]

    class Full:
        def write(self, _s: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self) -> None: ...
        def fileno(self) -> int:
            return real.fileno()  # noqa: E704

        def close(self) -> None: ...

    rec._files["beats.tsv"] = Full()  # type: ignore[assignment]
    _beats(rec, 4.0, 10, "a")
    assert rec.problem and "the disk is full" in rec.problem
    assert rec.beats_written == {"a": 3, "b": 2} and rec.beats_saved == {"a": 3, "b": 2}
    rec._files["beats.tsv"] = real
    rec.close()
    assert sum(r.rr_ms.size for r in read_recording(tmp_path / "s")) == 5


def test_beats_are_counted_as_saved_only_once_synced(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "s", _meta())
    _beats(rec, 1.0, 3)
    assert rec.beats_written == {"a": 3}
    rec.close()
    assert rec.beats_saved == {"a": 3} and rec.kept


def test_missing_parents_of_a_session_folder_are_owner_only(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        Recorder(tmp_path / "data" / "resonant" / "sessions" / "s", _meta()).close()
    finally:
        os.umask(old)
    data = tmp_path / "data"
    for p in (data, data / "resonant", data / "resonant" / "sessions"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o700, p


def test_the_docs_show_owner_only_listings() -> None:
    """docs/session-folder.md's "Who can read it": a real ``ls -l`` of a fresh session
    folder, an export and a report, every line owner-only (as the test above checks)."""
    import re

    from tests.conftest import ROOT

    text = (ROOT / "docs" / "session-folder.md").read_text(encoding="utf-8")
    block = text.split("**Who can read it.**", 1)[1].split("```console", 1)[1].split("```", 1)[0]
    listed = [ln for ln in block.splitlines() if re.match(r"^[d-][rwx-]{9} ", ln)]
    names = {ln.split()[-1] for ln in listed}
    assert {"session", "session.json", "beats.tsv", "session.csv", "report.html"} <= names
    for ln in listed:
        assert ln.startswith(("drwx------ ", "-rw------- ")), ln
    assert "$ umask\n0022" in block
    for command in ("resonant record --simulate", "resonant export session",
                    "resonant report session"):  # fmt: skip
        assert f"$ {command}" in block
