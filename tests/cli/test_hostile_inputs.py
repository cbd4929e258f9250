"""Issue 18, made real: permissions as an ordinary user, a disk that is really full, and
the cases of the issue that no other test shows end to end.

- **As an ordinary user.** Root reads every file, so elsewhere a refusal is injected where
  a file is opened. Here, when the tests run as root (as in CI), the commands run in a
  child process as ``nobody``, on files in a scratch folder ``nobody`` owns, so that
  ``chmod 000`` really blocks reading (run by an ordinary user, the child is that user).
  The interpreter must be one ``nobody`` can run and that finds numpy and resonant
  (:func:`_nobody_python`); where none is, the tests skip and say why.
- **A full disk.** A tiny tmpfs (root only) filled to the brim or nearly so takes an EDF
  export, a report and a batch table: one sentence, exit 2, nothing half-written left,
  and a rerun after space is freed is not blocked. (The recorder on a tiny tmpfs:
  ``tests/cli/test_record.py::test_a_full_disk_during_record_counts_only_what_was_saved``.)
- **Owner-only.** ``ls -l`` of a fresh data folder and session, an export, a report, a
  batch table and a plot.
- **Cases of the issue** without an end-to-end test elsewhere, each through the command
  line with the fuzz harness's judge (:func:`tests.fuzz.harness.run`: no traceback, no
  warning, exit 0 or 2, only ``resonant: ...`` sentences on stderr, a time limit).

Where each case of issue 18 is shown (``here`` is this file; ``::`` names a test):

Data lost while saying it worked
    EDF on a nearly full / full disk: here ``test_a_full_disk_is_one_sentence...``;
    exports/test_formats_hostile ``test_a_full_disk_during_the_edf_write...``,
    ``test_an_edf_shorter_than_its_header_says_is_refused``. Folder deleted during
    record: cli/test_record ``test_a_folder_removed_during_record_is_said_at_once...``,
    folder/test_write ``test_a_removed_folder_is_noticed...``. Full disk during record:
    cli/test_record ``test_a_full_disk_during_record_counts_only_what_was_saved`` (tmpfs).
    Stopped report / batch table: reports/test_page
    ``test_a_stopped_or_failed_report_leaves_nothing...``, analysis/test_batch
    ``test_a_stopped_table_leaves_nothing...``.
Writes where they should not
    history --plot temporary name: cli/test_history
    ``test_a_symlink_planted_at_the_old_temporary_name_is_harmless``; demo --screenshot:
    gui/test_window ``test_a_screenshot_never_overwrites_or_follows_a_symlink``; batch
    --out through a dangling symlink: analysis/test_batch
    ``test_a_symlink_at_the_table_name_is_refused_not_followed``, the race:
    model/test_atomic ``test_a_file_that_appears_while_writing_is_never_replaced``.
Private data
    modes: here ``test_ls_l_of_a_fresh_session...``, cli/test_record
    ``test_a_fresh_data_folder_and_session_are_owner_only``; LSL: session/test_lsl_local;
    control characters: cli/test_safe_text ``test_commands_print_no_control_characters``.
Tracebacks
    history on a nested / year-9999 session.json: cli/test_history
    ``test_one_hostile_session_does_not_lose_the_listing``; report and EDF on those, and
    duration_s Infinity, assessment.warnings, sources: here
    ``test_a_hostile_session_json_is_one_sentence_naming_the_key``; report with pacer.tsv
    not UTF-8, a folder, unreadable: here ``test_a_report_with_a_broken_pacer_table...``
    and ``test_a_report_with_an_unreadable_pacer_table...``; EDF beat 1e300, event 1e12:
    exports/test_formats_hostile ``test_far_times_are_refused_by_every_export``, pacer
    inf: here; assess --replay: analysis/test_assessment
    ``test_replay_of_a_plain_rr_file_or_a_bare_number_is_one_sentence``; unreadable
    folders: here (as nobody); long --label: cli/test_safe_text
    ``test_a_label_too_long_for_a_folder_name_is_one_sentence``; settings nested 50,000
    deep: cli/test_settings_problems; custom protocols and a bad user file:
    model/test_protocol_files; batch --out on a full disk: here and analysis/test_batch
    ``test_a_full_disk_is_one_sentence_and_leaves_nothing``.
Hangs and memory
    replay of far times: here ``test_a_replay_of_a_far_time...``, devices/test_replay
    ``test_a_replay_is_bounded_by_the_recordings_own_extent``; EDF with a far marker:
    exports/test_formats_hostile ``test_a_marker_far_after_the_beats_builds_no_grid_to_it``;
    FIFO: here ``test_a_fifo_named_like_an_rr_file_is_never_opened``; memory per beat:
    here ``test_memory_per_beat_in_analyze_stays_bounded`` (and benchmarks/memory.py).
Wrong messages
    unreadable pacer.tsv blamed on the output: here (as nobody), cli/test_export; events.tsv
    empty or malformed: folder/test_read_hostile; a 50 MB line of digits: here; history
    of an unreadable folder: here (as nobody), cli/test_history; Ctrl-C before the first
    beat: cli/test_record ``test_ctrl_c_before_the_first_beat_leaves_no_folder``; settings
    warnings and --accept: cli/test_settings_problems; numpy warnings: here
    ``test_no_numpy_warning_reaches_stderr`` and the fuzz sample; NaN in history --json:
    cli/test_safe_text ``test_history_json_is_strict_json...``; ``٨٠٠``, ``8_00``, 1e300:
    folder/test_read_hostile.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resonant.cli import main
from tests.conftest import FIXTURES, ROOT
from tests.fuzz import harness

GAP = FIXTURES / "sessions" / "2026-11-22T10-00-00Z_gap"
PACER = "time_s\tphase\trate_bpm\n0\tinhale\t6\n4\texhale\t6\n10\tinhale\t6\n"
FAST = "100000"


def _sentences(err: str) -> list[str]:
    """The lines of stderr that are not notes (``resonant: note: ...``)."""
    return [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("resonant: note:")]


def _judged(argv: list[str], timeout_s: float = 20.0) -> harness.Run:
    """Run ``resonant ARGV`` in this process; fail on a traceback, warning, hang or stray line."""
    r = harness.run(argv, timeout_s)
    assert not r.problems(), (r.problems(), r.traceback, r.err)
    return r


@pytest.fixture(scope="module")
def five_minutes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated 5-minute session: beats, events, pacer, chest accelerometer."""
    folder = tmp_path_factory.mktemp("five") / "s"
    assert main(["record", "--simulate", "--out", str(folder), "--duration", "300",
                 "--speed", FAST, "--sim-seed", "3"]) == 0  # fmt: skip
    return folder


# =============================================================== as an ordinary user (nobody)


def _nobody() -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        return None


def _child_env(scratch: Path) -> dict[str, str]:
    paths = dict.fromkeys([str(ROOT / "src"), sysconfig.get_paths()["purelib"],
                           sysconfig.get_paths()["platlib"]])  # fmt: skip
    return {
        "PATH": "/usr/bin:/bin", "HOME": str(scratch), "LANG": "C.UTF-8",
        "XDG_CONFIG_HOME": str(scratch / "config"), "XDG_DATA_HOME": str(scratch / "data"),
        "PYTHONPATH": os.pathsep.join(paths), "PYTHONDONTWRITEBYTECODE": "1",
        "QT_QPA_PLATFORM": "offscreen", "PYTHONIOENCODING": "utf-8",
    }  # fmt: skip


def _root() -> bool:
    return os.name == "posix" and os.geteuid() == 0


def _as_nobody(
    cmd: list[str], scratch: Path, timeout_s: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` as ``nobody`` when this is root, else as this (ordinary) user."""
    switch: dict[str, Any] = {}
    if _root():
        who = _nobody()
        assert who is not None
        switch = {"user": who.pw_uid, "group": who.pw_gid, "extra_groups": []}
    return subprocess.run(
        cmd, env=_child_env(scratch), cwd=scratch, capture_output=True, text=True,
        timeout=timeout_s, check=False, **switch,
    )  # fmt: skip


def _nobody_python(scratch: Path) -> list[str] | str:
    """An interpreter ``nobody`` can run that imports numpy and resonant, or why there is none.

    The test environment's own interpreter first; a virtual environment whose base
    interpreter sits in an owner-only home (``/root/.pyenv``: ``nobody`` may not even
    look there) is replaced by the system's interpreter of the same version, with the
    environment's packages on ``PYTHONPATH``.
    """
    if os.name != "posix":
        return "file modes that block reading are POSIX"
    if _root() and _nobody() is None:
        return "there is no user 'nobody' here"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [sys.executable, os.path.realpath(sys.executable), f"/usr/bin/{version}",
                  f"/usr/local/bin/{version}"]  # fmt: skip
    tried = []
    for exe in dict.fromkeys(candidates):
        if not os.path.exists(exe):
            continue
        try:
            p = _as_nobody([exe, "-c", "import numpy, resonant.cli"], scratch, 60.0)
        except (OSError, subprocess.SubprocessError) as exc:
            tried.append(f"{exe}: {exc}")
            continue
        if p.returncode == 0:
            return [exe]
        tried.append(f"{exe}: {(p.stderr.strip().splitlines() or ['?'])[-1]}")
    return ("no interpreter that 'nobody' can run imports numpy and resonant ("
            + "; ".join(tried) + ")")  # fmt: skip


#: Run each ``(argv, environment changes)`` through resonant.cli.main in one child process
#: (one start-up for all), printing a JSON list of {status, out, err, traceback}.
_DRIVER = r"""
import contextlib, io, json, os, sys, traceback
from resonant.cli import main
results = []
for argv, env in json.loads(sys.argv[1]):
    saved = dict(os.environ)
    os.environ.update(env)
    out, err = io.StringIO(), io.StringIO()
    status, tb = None, None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    except SystemExit as exc:
        status = exc.code
    except BaseException:
        tb = traceback.format_exc()
    os.environ.clear()
    os.environ.update(saved)
    results.append({"status": status, "out": out.getvalue(), "err": err.getvalue(),
                    "traceback": tb})
sys.stdout.write(json.dumps(results))
"""


def _session_copy(src: Path, dst: Path, pacer: bool = True) -> Path:
    shutil.copytree(src, dst)
    if pacer:
        (dst / "pacer.tsv").write_text(PACER)
    return dst


@pytest.fixture(scope="module")
def as_nobody() -> Iterator[dict[str, Any]]:
    """Every command of the permission cases, run once as ``nobody`` on a scratch folder.

    Layout (owned by nobody; ``[000]`` marks mode 000)::

        good/                    a session
        locked/ [000]            a session
        parent/ [000]  s/        a session inside an unreadable folder
        pacer-locked/            a session whose pacer.tsv is [000]
        archive/  a/ b/ c/[000]  sessions for history, one unreadable
        archive-locked/ [000]    sessions for history
        config/resonant/protocols/locked.toml [000]
        other-config/resonant/settings.toml [000]
        out/                     where outputs go
    """
    scratch = Path(tempfile.mkdtemp(prefix="resonant-nobody-", dir="/tmp"))
    try:
        os.chmod(scratch, 0o755)
        python = _nobody_python(scratch)
        if isinstance(python, str):
            pytest.skip(python)
        _session_copy(GAP, scratch / "good")
        _session_copy(GAP, scratch / "locked")
        _session_copy(GAP, scratch / "parent" / "s")
        _session_copy(GAP, scratch / "pacer-locked")
        for name in ("a", "b", "c"):
            _session_copy(GAP, scratch / "archive" / name)
            _session_copy(GAP, scratch / "archive-locked" / name)
        protocols = scratch / "config" / "resonant" / "protocols"
        protocols.mkdir(parents=True)
        (protocols / "locked.toml").write_text(
            'name = "mine"\n[[phase]]\nname = "breathe"\nminutes = 0.5\npacer = 6.0\n'
        )
        settings = scratch / "other-config" / "resonant" / "settings.toml"
        settings.parent.mkdir(parents=True)
        settings.write_text('theme = "dark"\n')
        (scratch / "out").mkdir()
        (scratch / "locked.txt").write_text("800\n810\n790\n" * 100)
        (scratch / "read-only").mkdir()
        who = _nobody()
        if _root() and who is not None:
            for p in [scratch, *scratch.rglob("*")]:
                os.chown(p, who.pw_uid, who.pw_gid, follow_symlinks=False)
        for locked in ("locked", "locked.txt", "parent", "pacer-locked/pacer.tsv", "archive/c",
                       "archive-locked", "config/resonant/protocols/locked.toml",
                       "other-config/resonant/settings.toml"):  # fmt: skip
            os.chmod(scratch / locked, 0)
        os.chmod(scratch / "read-only", 0o555)
        s, o = str(scratch), str(scratch / "out")
        other_config = {"XDG_CONFIG_HOME": f"{s}/other-config"}
        runs: dict[str, tuple[list[str], dict[str, str]]] = {
            "analyze table": (["analyze", f"{s}/good", f"{s}/locked"], {}),
            "analyze json": (["analyze", f"{s}/good", f"{s}/locked", "--json"], {}),
            "analyze rr": (["analyze", f"{s}/good", f"{s}/locked.txt"], {}),
            "analyze parent": (["analyze", f"{s}/good", f"{s}/parent/s"], {}),
            "analyze recursive": (["analyze", s, "--recursive", "--out", f"{o}/t.tsv"], {}),
            "history locked": (["history", f"{s}/archive-locked"], {}),
            "history one locked": (["history", f"{s}/archive"], {}),
            "report locked": (["report", f"{s}/locked", "--out", f"{o}/r.html"], {}),
            "report pacer": (["report", f"{s}/pacer-locked", "--out", f"{o}/rp.html"], {}),
            "assess locked": (["assess", "--replay", f"{s}/locked"], {}),
            "export locked": (["export", f"{s}/locked", "--format", "csv", "--out",
                               f"{o}/e.csv"], {}),  # fmt: skip
            "export pacer csv": (["export", f"{s}/pacer-locked", "--format", "csv", "--out",
                                  f"{o}/p.csv"], {}),  # fmt: skip
            "export pacer edf": (["export", f"{s}/pacer-locked", "--format", "edf", "--out",
                                  f"{o}/p.edf"], {}),  # fmt: skip
            "replay locked": (["record", "--replay", f"{s}/locked", "--speed", FAST, "--out",
                               f"{o}/replayed"], {}),  # fmt: skip
            "report parent": (["report", f"{s}/parent/s", "--out", f"{o}/r.html"], {}),
            "assess parent": (["assess", "--replay", f"{s}/parent/s"], {}),
            "export parent": (["export", f"{s}/parent/s", "--format", "edf", "--out",
                               f"{o}/e.edf"], {}),  # fmt: skip
            "replay parent": (["record", "--replay", f"{s}/parent/s", "--speed", FAST, "--out",
                               f"{o}/replayed"], {}),  # fmt: skip
            "history parent": (["history", f"{s}/parent/s"], {}),
            "record into read-only": (["record", "--simulate", "--duration", "10", "--speed",
                                       FAST, "--out", f"{s}/read-only/s"], {}),  # fmt: skip
            "export into read-only": (["export", f"{s}/good", "--format", "edf", "--out",
                                       f"{s}/read-only/x.edf"], {}),  # fmt: skip
            "report into read-only": (["report", f"{s}/good", "--out",
                                       f"{s}/read-only/r.pdf"], {}),  # fmt: skip
            "table into read-only": (["analyze", f"{s}/good", "--out",
                                      f"{s}/read-only/t.tsv"], {}),  # fmt: skip
            "protocol with a locked user file": (
                ["record", "--simulate", "--protocol", "threat-soothing", "--duration", "10",
                 "--speed", FAST, "--sim-seed", "1", "--out", f"{o}/ts"], {}),  # fmt: skip
            "record with locked settings": (
                ["record", "--simulate", "--duration", "10", "--speed", FAST, "--sim-seed",
                 "1", "--out", f"{o}/rs"], other_config),  # fmt: skip
        }
        p = _as_nobody([*python, "-c", _DRIVER, json.dumps(list(runs.values()))], scratch)
        assert p.returncode == 0, p.stderr
        results = dict(zip(runs, json.loads(p.stdout), strict=True))
        yield {"scratch": scratch, "results": results}
    finally:
        for p in [scratch, *scratch.rglob("*")] if not _root() else []:
            with contextlib.suppress(OSError):  # an ordinary user's own mode 000
                os.chmod(p, 0o700, follow_symlinks=False)
        shutil.rmtree(scratch, ignore_errors=True)


def _result(as_nobody: dict[str, Any], name: str) -> tuple[int, str, list[str]]:
    r = as_nobody["results"][name]
    assert r["traceback"] is None, r["traceback"]
    assert "Traceback" not in r["err"]
    lines = _sentences(r["err"])
    assert all(ln.startswith("resonant: ") for ln in lines), r["err"]
    return r["status"], r["out"], lines


@pytest.mark.parametrize("mode", ["table", "json", "rr"])
def test_analyze_good_and_unreadable_keeps_the_good_result(
    as_nobody: dict[str, Any], mode: str
) -> None:
    """``analyze GOOD UNREADABLE`` as an ordinary user: GOOD's row, one sentence, exit 2.

    UNREADABLE is a session folder of mode 000 (table, JSON Lines) or an RR file (rr).
    """
    s = as_nobody["scratch"]
    status, out, err = _result(as_nobody, f"analyze {mode}")
    assert status == 2
    assert f"{s}/good" in out and f"{s}/locked" not in out
    [sentence] = [ln for ln in err if f"{s}/locked" in ln]
    assert "cannot be read (permission denied)" in sentence


def test_analyze_a_session_inside_an_unreadable_folder(as_nobody: dict[str, Any]) -> None:
    s = as_nobody["scratch"]
    status, out, err = _result(as_nobody, "analyze parent")
    assert status == 2 and f"{s}/good" in out
    [sentence] = [ln for ln in err if f"{s}/parent/s" in ln]
    assert "permission denied" in sentence


def test_analyze_recursive_skips_unreadable_folders_and_writes_the_rest(
    as_nobody: dict[str, Any],
) -> None:
    s = as_nobody["scratch"]
    status, _, err = _result(as_nobody, "analyze recursive")
    assert status == 2
    for locked in ("locked", "parent", "archive/c", "archive-locked"):
        [said] = [ln for ln in err if f"{s}/{locked}:" in ln]
        assert "cannot be searched (permission denied)" in said
    [said] = [ln for ln in err if "pacer-locked" in ln]
    assert said.startswith(f"resonant: {s}/pacer-locked/pacer.tsv: cannot be read")
    table = (s / "out" / "t.tsv").read_text()
    assert f"{s}/good\t" in table and f"{s}/archive/a\t" in table
    assert f"{s}/pacer-locked\t" in table  # its beats, analysed without the guide


def test_history_of_an_unreadable_folder_says_so(as_nobody: dict[str, Any]) -> None:
    """Not "there are no sessions in DIR yet", exit 0: it cannot be read, exit 2."""
    s = as_nobody["scratch"]
    status, out, err = _result(as_nobody, "history locked")
    assert status == 2 and out == ""
    assert f"resonant: {s}/archive-locked: cannot be read (permission denied)" in err[0]
    assert not any("no sessions" in ln and "yet" in ln for ln in err)
    status, out, err = _result(as_nobody, "history parent")  # inside a folder with mode 000
    assert status == 2 and out == ""
    assert f"{s}/parent/s" in err[0] and "permission denied" in err[0]


def test_history_lists_the_readable_sessions_beside_an_unreadable_one(
    as_nobody: dict[str, Any],
) -> None:
    s = as_nobody["scratch"]
    status, out, err = _result(as_nobody, "history one locked")
    assert status == 2
    assert [ln.split()[-1] for ln in out.splitlines()[1:3]] == ["a", "b"]
    assert out.splitlines()[3].startswith("units:")
    [sentence] = err
    assert f"{s}/archive/c" in sentence and "permission denied" in sentence


@pytest.mark.parametrize("where", ["locked", "parent"])
@pytest.mark.parametrize("command", ["report", "assess", "export", "replay"])
def test_an_unreadable_session_folder_is_one_sentence(
    as_nobody: dict[str, Any], command: str, where: str
) -> None:
    """A session folder with mode 000, or inside a folder with mode 000 (``parent/s``)."""
    s = as_nobody["scratch"]
    status, _, err = _result(as_nobody, f"{command} {where}")
    assert status == 2
    [sentence] = err
    assert f"{s}/{where}" in sentence and "cannot be read (permission denied)" in sentence
    for made in ("r.html", "e.csv", "e.edf", "replayed"):
        assert not (s / "out" / made).exists()


@pytest.mark.parametrize("what", ["record", "export", "report", "table"])
def test_an_output_in_a_folder_the_user_may_not_write_is_one_sentence(
    as_nobody: dict[str, Any], what: str
) -> None:
    s = as_nobody["scratch"]
    status, _, err = _result(as_nobody, f"{what} into read-only")
    assert status == 2
    [sentence] = [ln for ln in err if "analysed (" not in ln and "guide starts" not in ln]
    assert sentence.startswith(f"resonant: {s}/read-only/") and "permission denied" in sentence
    assert list((s / "read-only").iterdir()) == []


@pytest.mark.parametrize("fmt", ["csv", "edf"])
def test_an_unreadable_pacer_table_is_named_as_read_not_the_output_as_written(
    as_nobody: dict[str, Any], fmt: str
) -> None:
    """The issue saw "OUT.csv cannot be written (permission denied)"."""
    s = as_nobody["scratch"]
    status, _, err = _result(as_nobody, f"export pacer {fmt}")
    assert status == 2
    [sentence] = err
    assert f"{s}/pacer-locked/pacer.tsv" in sentence and "permission denied" in sentence
    assert "written" not in sentence and f"p.{fmt}" not in sentence
    assert not (s / "out" / f"p.{fmt}").exists()


def test_a_report_with_an_unreadable_pacer_table_is_made_and_says_so(
    as_nobody: dict[str, Any],
) -> None:
    s = as_nobody["scratch"]
    status, out, err = _result(as_nobody, "report pacer")
    assert status == 2 and "report saved in" in out
    [sentence] = err
    assert sentence.startswith(f"resonant: {s}/pacer-locked/pacer.tsv: cannot be read")
    assert "permission denied" in sentence
    assert "made without the breathing guide's curve" in sentence
    page = (s / "out" / "rp.html").read_text()
    assert "pacer.tsv could not be read (cannot be read (permission denied))" in page


def test_an_unreadable_user_protocol_never_hides_the_shipped_ones(
    as_nobody: dict[str, Any],
) -> None:
    s = as_nobody["scratch"]
    status, out, err = _result(as_nobody, "protocol with a locked user file")
    assert status == 0, err
    raw = as_nobody["results"]["protocol with a locked user file"]["err"]
    assert f"{s}/config/resonant/protocols/locked.toml cannot be read (permission denied)" in raw
    assert (s / "out" / "ts" / "beats.tsv").is_file()


def test_an_unreadable_settings_file_is_said_and_the_session_runs(
    as_nobody: dict[str, Any],
) -> None:
    s = as_nobody["scratch"]
    status, _, err = _result(as_nobody, "record with locked settings")
    assert status == 0
    [said] = [ln for ln in err if "settings.toml" in ln]
    assert f"{s}/other-config/resonant/settings.toml" in said and "permission denied" in said
    assert (s / "out" / "rs" / "beats.tsv").is_file()


# =============================================================== a disk that is really full


@contextlib.contextmanager
def full_disk(folder: Path, leave_bytes: int = 0, size: str = "2m") -> Iterator[Path]:
    """A tiny tmpfs at ``folder``, filled by a file ``filler`` up to ``leave_bytes`` free.

    Root only (as the tests run here and in CI); skips where mounting is not permitted.
    """
    from tests.model.test_atomic import small_tmpfs

    with small_tmpfs(folder, size) as disk:
        filler = disk / "filler"
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        with contextlib.suppress(OSError):
            os.truncate(filler, max(0, filler.stat().st_size - leave_bytes))
        yield disk


_OUTPUTS = {
    "edf": ["export", "{s}", "--format", "edf", "--out", "{out}"],
    "csv": ["export", "{s}", "--format", "csv", "--out", "{out}"],
    "pdf": ["report", "{s}", "--out", "{out}"],
    "html": ["report", "{s}", "--out", "{out}"],
    "tsv": ["analyze", "{s}", "--out", "{out}"],
}


@pytest.mark.parametrize(
    ("kind", "leave"),
    [pytest.param(k, 0, id=f"{k}-no space at all") for k in _OUTPUTS]
    + [pytest.param(k, 24_576, id=f"{k}-nearly full") for k in _OUTPUTS if k != "tsv"],
)  # a table of one session is smaller than the space left "nearly full"
def test_a_full_disk_is_one_sentence_and_leaves_nothing_behind(
    five_minutes: Path, tmp_path: Path, kind: str, leave: int
) -> None:
    """An EDF or CSV export, a report (PDF, HTML) and a batch table onto a full tmpfs.

    The issue saw "wrote ..." and exit 0 with a cut-short or 0-byte EDF, and tracebacks
    with a 0-byte batch table that then blocked a rerun ("already exists").
    """
    with full_disk(tmp_path / "disk", leave) as disk:
        out = disk / f"x.{kind}"
        argv = [a.format(s=five_minutes, out=out) for a in _OUTPUTS[kind]]
        r = _judged(argv, 60.0)
        assert r.status == 2
        [sentence] = [ln for ln in _sentences(r.err) if "analysed (" not in ln]
        assert sentence.startswith(f"resonant: {disk}/x") and " cannot be written (" in sentence
        assert "(the disk is full)" in sentence, sentence
        assert "wrote" not in r.out + r.err and "saved" not in r.out
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]  # nothing half-written
        (disk / "filler").unlink()
        assert _judged(argv, 60.0).status == 0  # the rerun is not blocked
        assert out.stat().st_size > 0


# =============================================================== owner-only, as `ls -l` shows it


def test_ls_l_of_a_fresh_session_an_export_and_a_report_is_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the usual umask 022, everything resonant makes is ``drwx------``/``-rw-------``.

    A fresh data folder and session (``record`` without ``--out``), exports (EDF, CSV,
    Kubios; an export's folder must exist), and a report (HTML), a batch table and a
    history plot, each in a new folder it makes.
    """
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "new" / "data"))
    out = tmp_path / "outputs"
    out.mkdir()
    old = os.umask(0o022)
    try:
        assert _judged(["record", "--simulate", "--duration", "130", "--speed", FAST,
                        "--sim-seed", "2"]).status == 0  # fmt: skip
        [session] = [p.parent for p in (tmp_path / "new").rglob("session.json")]
        for argv in (
            ["export", str(session), "--format", "edf", "--out", f"{out}/x.edf"],
            ["export", str(session), "--format", "csv", "--out", f"{out}/x.csv"],
            ["export", str(session), "--format", "kubios", "--out", f"{out}/x.txt"],
            ["report", str(session), "--out", f"{out}/r/report.html"],
            ["analyze", str(session), "--out", f"{out}/t/table.tsv"],
            ["history", str(session.parent), "--plot", f"{out}/p/trend.png"],
        ):
            assert _judged(argv, 60.0).status == 0, argv
    finally:
        os.umask(old)
    listing = subprocess.run(["ls", "-lRa", str(tmp_path / "new"), str(out)],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
    entries = [ln.split() for ln in listing.splitlines()
               if ln[:1] in ("d", "-") and ln.split()[-1] not in (".", "..")]  # fmt: skip
    names = {e[-1] for e in entries}
    assert {"data", "resonant", "sessions", session.name, "session.json", "beats.tsv",
            "x.edf", "x.csv", "x.txt", "report.html", "table.tsv", "trend.png"} <= names
    for e in entries:
        mode = e[0].rstrip(".+")  # an SELinux context or ACL marker may follow
        assert mode == ("drwx------" if e[0][0] == "d" else "-rw-------"), " ".join(e)
    assert len([e for e in entries if e[-1] in ("r", "t", "p")]) == 3  # folders they made


# =============================================================== cases of the issue, end to end


def _with_meta(src: Path, dst: Path, change: dict[str, Any] | str) -> Path:
    shutil.copytree(src, dst)
    if isinstance(change, str):
        (dst / "session.json").write_text(change)
    else:
        meta = json.loads((dst / "session.json").read_text())
        (dst / "session.json").write_text(json.dumps({**meta, **change}))
    return dst


_META = {
    "duration_s Infinity": ({"duration_s": float("inf")}, "duration_s inf is not"),
    "warnings not a list": ({"assessment": {"warnings": 5}}, "assessment.warnings 5 is not a list"),
    "deeply nested": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "year 9999": ({"start_utc": "9999-12-31T23:59:59-05:00"}, "start_utc '9999-12-31T23:59:59"),
    "sources not a list": ({"sources": 5}, "sources 5 is not a list"),
}


@pytest.mark.parametrize("case", list(_META))
@pytest.mark.parametrize("command", ["report", "edf"])
def test_a_hostile_session_json_is_one_sentence_naming_the_key(
    five_minutes: Path, tmp_path: Path, command: str, case: str
) -> None:
    """``report`` and ``export --format edf`` on the issue's session.json values."""
    change, words = _META[case]
    folder = _with_meta(five_minutes, tmp_path / "s", change)
    out = tmp_path / ("r.html" if command == "report" else "x.edf")
    argv = (["report", str(folder), "--out", str(out)] if command == "report"
            else ["export", str(folder), "--format", "edf", "--out", str(out)])  # fmt: skip
    r = _judged(argv)
    assert r.status == 2
    [sentence] = _sentences(r.err)
    assert sentence.startswith(f"resonant: {folder / 'session.json'}: ") and words in sentence
    assert not out.exists()


@pytest.mark.parametrize("kind", ["not UTF-8", "a folder", "a FIFO"])
def test_a_report_with_a_broken_pacer_table_is_made_and_says_so(
    five_minutes: Path, tmp_path: Path, kind: str
) -> None:
    folder = tmp_path / "s"
    shutil.copytree(five_minutes, folder)
    pacer = folder / "pacer.tsv"
    pacer.unlink()
    if kind == "not UTF-8":
        pacer.write_bytes(b"time_s\tphase\trate_bpm\n0\tinhale\t6\n\xff\xfe\t1\n")
    elif kind == "a folder":
        pacer.mkdir()
    else:
        os.mkfifo(pacer)
    out = tmp_path / "r.html"
    r = _judged(["report", str(folder), "--out", str(out)])
    assert r.status == 2 and f"report saved in {out}" in r.out
    [sentence] = _sentences(r.err)
    assert sentence.startswith(f"resonant: {pacer}") and "made without" in sentence
    assert "pacer.tsv could not be read" in out.read_text()


@pytest.mark.parametrize("value", ["inf", "1e300"])
def test_an_export_with_a_far_pacer_time_is_one_sentence(
    five_minutes: Path, tmp_path: Path, value: str
) -> None:
    folder = tmp_path / "s"
    shutil.copytree(five_minutes, folder)
    lines = (folder / "pacer.tsv").read_text().splitlines()
    lines[2] = value + "\t" + lines[2].split("\t", 1)[1]
    (folder / "pacer.tsv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "x.edf"
    r = _judged(["export", str(folder), "--format", "edf", "--out", str(out)])
    assert r.status == 2 and not out.exists()
    [sentence] = _sentences(r.err)
    assert sentence.startswith(f"resonant: {folder / 'pacer.tsv'}:3: ")


@pytest.mark.parametrize("recursive", [False, True])
def test_a_fifo_named_like_an_rr_file_is_never_opened(tmp_path: Path, recursive: bool) -> None:
    """``analyze`` and ``analyze --recursive`` hung on a FIFO named ``x.txt``."""
    shutil.copytree(GAP, tmp_path / "good")
    os.mkfifo(tmp_path / "x.txt")
    argv = ["analyze", str(tmp_path), "--recursive"] if recursive else [
        "analyze", str(tmp_path / "good"), str(tmp_path / "x.txt")]  # fmt: skip
    r = _judged(argv, timeout_s=20.0)
    assert r.status == 2 and r.seconds < 20
    [sentence] = [ln for ln in _sentences(r.err) if "analysed (" not in ln]
    fifo = tmp_path / "x.txt"
    assert sentence == f"resonant: {fifo}: is a pipe (FIFO), not a file, so it is not read"
    assert str(tmp_path / "good") in r.out


@pytest.mark.parametrize(
    ("table", "row"),
    [("events.tsv", "1000000000000\t0\tmarker\tfar\n"), ("beats.tsv", None)],
    ids=["an event at 1e12 s", "a last beat at 1e300 s"],
)  # fmt: skip
def test_a_replay_of_a_far_time_ends_at_once_with_one_sentence(
    tmp_path: Path, table: str, row: str | None
) -> None:
    folder = tmp_path / "s"
    shutil.copytree(GAP, folder)
    if row is not None:
        with open(folder / table, "a", encoding="utf-8") as f:
            f.write(row)
    else:
        lines = (folder / table).read_text().splitlines()
        lines[-1] = "1e300\t" + lines[-1].split("\t", 1)[1]
        (folder / table).write_text("\n".join(lines) + "\n")
    out = tmp_path / "again"
    r = _judged(["record", "--replay", str(folder), "--speed", FAST, "--out", str(out)], 20.0)
    assert r.status == 2 and r.seconds < 20 and not out.exists()
    [sentence] = _sentences(r.err)
    assert sentence.startswith(f"resonant: {folder / table}:") and "too far" in sentence


def test_a_50_mb_line_of_digits_is_not_called_empty(tmp_path: Path) -> None:
    """As an RR file (one line, no newline: it was skipped as a cut-off last line, leaving
    "empty"), and as a session's events.tsv (it rejected the whole session as "empty")."""
    rr = tmp_path / "rr.txt"
    rr.write_text("7" * 50_000_000)
    folder = tmp_path / "s"
    shutil.copytree(GAP, folder)
    (folder / "events.tsv").write_text("7" * 5_000_000)
    r = _judged(["analyze", str(rr), str(folder)], 60.0)
    assert r.status == 2 and "empty" not in r.err
    first, second = _sentences(r.err)
    assert first.startswith(f"resonant: {rr}:1: '7777") and "50,000,000 characters" in first
    assert "too large to be an RR interval" in first
    assert second.startswith(f"resonant: {folder / 'events.tsv'}:1: the header needs")


@pytest.mark.parametrize(
    "text", ["800", "800\n800\n800\n", "800\n" * 300, "300\n" + "800\n" * 5, "1200\n1200\n400\n"]
)
def test_no_numpy_warning_reaches_stderr(tmp_path: Path, text: str) -> None:
    """A single beat, identical beats, a flat hour: no RuntimeWarning, only sentences."""
    rr = tmp_path / "rr.txt"
    rr.write_text(text)
    for argv in (["analyze", str(rr)], ["analyze", str(rr), "--json"]):
        assert _judged(argv).status in (0, 2)


def test_memory_per_beat_in_analyze_stays_bounded(tmp_path: Path) -> None:
    """The issue measured about 420 bytes per beat (3 million beats: 1.27 GB).

    Traced peak (numpy's buffers included) on 300,000 beats; the figure on 3 million
    beats, as resident memory, is ``benchmarks/memory.py``'s.
    """
    import tracemalloc

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from memory import write_rr  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    beats = 300_000
    rr = tmp_path / "rr.txt"
    write_rr(rr, beats)
    tracemalloc.start()
    try:
        r = _judged(["analyze", "--json", str(rr)], 60.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.status == 0 and json.loads(r.out)["beats"] == beats
    # 122 measured (fixed-size 64k-beat chunks weigh more on 300,000 beats than on 3 million)
    assert peak / beats < 160, f"{peak / beats:.0f} bytes per beat"
