"""The fuzz harness: hostile inputs, run through the commands that read them, in-process.

Shared by the fast sample in the test run (``tests/fuzz/test_fuzz.py``) and the long run
(``benchmarks/fuzz.py``). Each input kind has a mutator (a function of a
``hypothesis`` data object and a scratch folder, returning the commands to run on what it
made) and every command runs through :func:`resonant.cli.main` in this process under
:func:`run`, which records what the issue asks of every command (issue 18, "One rule for
every command"):

- the exit status is 0 or 2 (done, or bad input said in a sentence);
- no exception escapes ``main`` (a traceback);
- nothing but ``resonant: ...`` sentences on stderr, one line each, and no warning
  (numpy's RuntimeWarnings included) on the way;
- it ends within a time limit (a guard raises in the command when the limit is reached:
  a hang).

The mutations are those of an unlucky user and of an attacker: values out of range or
of the wrong type in ``session.json``, table cells that are not numbers or absurd ones,
truncated and non-UTF-8 files, deep nesting, files that are folders, FIFOs and symlink
loops, and the same for RR files, the settings file, protocols and practices.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import shutil
import signal
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

#: Exit statuses a command may end with on any input: done, or bad input said.
ALLOWED_STATUS = (0, 2)


class Hang(BaseException):
    """Raised in the command by the time guard (a BaseException: nothing swallows it)."""


@dataclass
class Run:
    """One command run: what it did, and what broke the rule."""

    argv: list[str]
    status: int | None
    out: str
    err: str
    seconds: float
    traceback: str | None = None
    hung: bool = False
    warnings: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """What broke the rule, one short line each (empty: the command behaved)."""
        found = []
        if self.hung:
            found.append(f"hang (over {self.seconds:.0f} s)")
        if self.traceback is not None:
            found.append("traceback: " + self.traceback.strip().splitlines()[-1][:200])
        if self.status is not None and self.status not in ALLOWED_STATUS:
            found.append(f"exit status {self.status}")
        for w in self.warnings:
            found.append(f"warning: {w[:200]}")
        for line in self.err.splitlines():
            if line.strip() and not line.startswith("resonant: "):
                found.append(f"stderr line not a sentence: {line[:120]!r}")
                break
        return found

    def where(self) -> str:
        """The innermost resonant source line of the traceback ('' when none)."""
        if self.traceback is None:
            return ""
        lines = [ln for ln in self.traceback.splitlines() if "/resonant/" in ln and "File" in ln]
        return lines[-1].strip() if lines else ""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def expire(_signum: int, _frame: Any) -> None:
        raise Hang()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(argv: list[str], timeout_s: float = 20.0) -> Run:
    """Run ``resonant ARGV`` in this process, capturing its output, warnings and fate."""
    from resonant.cli import main

    out, err = io.StringIO(), io.StringIO()
    status: int | None = None
    tb = None
    hung = False
    start = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                with _time_limit(timeout_s):
                    status = main(argv)
        except Hang:
            hung = True
        except SystemExit as exc:  # argparse: a usage error is exit 2
            status = exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # noqa: BLE001 - anything escaping main is what we look for
            tb = traceback.format_exc()
    said = [f"{w.category.__name__}: {w.message}" for w in caught
            if not issubclass(w.category, DeprecationWarning | ResourceWarning)]  # fmt: skip
    return Run(argv, status, out.getvalue(), err.getvalue(), time.monotonic() - start, tb,
               hung, said)  # fmt: skip


# ---------------------------------------------------------------------- hostile values

#: Table cells: not numbers, absurd numbers, digits Python reads but a table should not.
CELLS = [
    "", "nan", "NaN", "inf", "-inf", "-1", "0", "1e300", "-1e300", "1e12", "1e6",
    "\u0668\u0660\u0660", "8_00", "0x10", "abc", "\x1b[2J", "9" * 5000, "1.5.5", " 800 ",
    "\x00", "800\r", "True", "1e-300", "-0",
]  # fmt: skip


def _deep(n: int) -> Any:
    value: Any = 1
    for _ in range(n):
        value = [value]
    return value


#: JSON values: wrong types, absurd numbers and times, hostile text, nesting.
VALUES: list[Any] = [
    None, True, False, 0, -1, 1e300, -1e300, float("nan"), float("inf"), 10**30, "",
    "abc", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00Z", "2026-13-45T99:99:99Z",
    [], [1], ["x"], {}, {"a": 1}, "\x1b]0;owned\x07\x1b[2J", "x" * 10_000, _deep(50), 5,
    "5", 1e12,
]  # fmt: skip


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a JSON document (dict keys and list indices)."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:5]):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any, delete: bool) -> None:
    for key in path[:-1]:
        doc = doc[key]
    if delete and isinstance(doc, dict):
        del doc[path[-1]]
    else:
        doc[path[-1]] = value


def mutate_bytes(data: st.DataObject, raw: bytes) -> bytes:
    """A byte-level mutation: cut short, a bad byte, a bad insert, emptied, repeated."""
    how = data.draw(st.sampled_from(["cut", "byte", "insert", "empty", "bom", "repeat"]))
    n = len(raw)
    if how == "cut" and n:
        return raw[: data.draw(st.integers(0, n - 1))]
    if how == "byte" and n:
        k = data.draw(st.integers(0, n - 1))
        b = data.draw(st.sampled_from([0xFF, 0x00, 0x80, 0x1B, 0x0A, 0x09, 0x22, 0x2C]))
        return raw[:k] + bytes([b]) + raw[k + 1 :]
    if how == "insert":
        k = data.draw(st.integers(0, n))
        junk = data.draw(st.sampled_from([b"\xff\xfe", b"\n\n", b"\t\t", b"\r", b"{", b"[" * 3000]))
        return raw[:k] + junk + raw[k:]
    if how == "bom":
        return b"\xef\xbb\xbf" + raw
    if how == "repeat":
        return raw * data.draw(st.integers(2, 5))
    return b""


def mutate_json(data: st.DataObject, raw: bytes) -> bytes:
    """Change, delete or replace a value of a JSON document (or its bytes)."""
    if data.draw(st.integers(0, 9)) == 0:
        return mutate_bytes(data, raw)
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):  # mutated already: more of the same
        return mutate_bytes(data, raw)
    paths = _paths(doc)
    if not paths or data.draw(st.integers(0, 19)) == 0:
        whole = data.draw(st.sampled_from([5, "x", [], None, _deep(100_000)]))
        if isinstance(whole, list) and whole and isinstance(whole[0], list):
            return b"[" * 100_000 + b"]" * 100_000
        return json.dumps(whole).encode()
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _paths(doc)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        value = copy.deepcopy(data.draw(st.sampled_from(VALUES)))  # never the shared one
        try:
            _set(doc, path, value, delete=data.draw(st.integers(0, 4)) == 0)
        except (KeyError, IndexError, TypeError):
            pass
    return json.dumps(doc).encode()


def mutate_tsv(data: st.DataObject, raw: bytes) -> bytes:
    """Change cells, rows or the header of a tab-separated table (or its bytes)."""
    if data.draw(st.integers(0, 6)) == 0:
        return mutate_bytes(data, raw)
    try:
        lines = raw.decode("utf-8").split("\n")
    except UnicodeDecodeError:  # mutated already: more of the same
        return mutate_bytes(data, raw)
    rows = [ln.split("\t") for ln in lines]
    for _ in range(data.draw(st.integers(1, 4))):
        how = data.draw(st.sampled_from(["cell", "cell", "cell", "drop", "dup", "swap", "header",
                                         "extra", "last"]))  # fmt: skip
        body = [i for i in range(1, len(rows)) if rows[i] != [""]]
        if how in ("cell", "last") and body:
            i = body[-1] if how == "last" else data.draw(st.sampled_from(body))
            j = data.draw(st.integers(0, len(rows[i]) - 1))
            rows[i][j] = data.draw(st.sampled_from(CELLS))
        elif how == "drop" and body:
            del rows[data.draw(st.sampled_from(body))]
        elif how == "dup" and body:
            i = data.draw(st.sampled_from(body))
            rows.insert(i, list(rows[i]))
        elif how == "swap" and len(body) > 1:
            i, j = data.draw(st.sampled_from(body)), data.draw(st.sampled_from(body))
            rows[i], rows[j] = rows[j], rows[i]
        elif how == "header" and rows[0]:
            j = data.draw(st.integers(0, len(rows[0]) - 1))
            rows[0][j] = data.draw(st.sampled_from(["", "x", rows[0][j].upper(), "time_s"]))
        elif how == "extra" and body:
            rows[data.draw(st.sampled_from(body))].append("extra")
    return "\n".join("\t".join(r) for r in rows).encode("utf-8", "surrogatepass")


def replace_with_special(data: st.DataObject, path: Path) -> str:
    """Make ``path`` a folder, a FIFO, a dangling or looping symlink, or remove it."""
    how = data.draw(st.sampled_from(["folder", "fifo", "loop", "dangling", "missing"]))
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    if how == "folder":
        path.mkdir()
    elif how == "fifo":
        os.mkfifo(path)
    elif how == "loop":
        path.symlink_to(path.name)
    elif how == "dangling":
        path.symlink_to(path.parent / "no-such-file")
    return how


# ---------------------------------------------------------------------- inputs and commands


def session_commands(folder: Path, scratch: Path) -> list[list[str]]:
    """Every command that reads a session folder, writing only under ``scratch``."""
    f, d = str(folder), str(folder.parent)
    return [
        ["analyze", f], ["analyze", f, "--json"], ["history", d], ["history", d, "--json"],
        ["report", f, "--out", str(scratch / "r.html")],
        ["export", f, "--format", "csv", "--out", str(scratch / "e.csv")],
        ["export", f, "--format", "kubios", "--out", str(scratch / "e.txt")],
        ["export", f, "--format", "edf", "--out", str(scratch / "e.edf")],
        ["assess", "--replay", f],
        ["record", "--replay", f, "--speed", "100000", "--out", str(scratch / "replayed")],
    ]  # fmt: skip


#: The tables and sidecars of a session folder a mutation may touch.
SESSION_FILES = ("session.json", "beats.tsv", "events.tsv", "pacer.tsv", "metrics.tsv",
                 "beats.json", "events.json", "acc.tsv")  # fmt: skip


def mutate_session(data: st.DataObject, base: Path, work: Path) -> Path:
    """A copy of the session folder ``base`` in ``work`` with one to three files mutated."""
    folder = work / "sessions" / base.name
    shutil.copytree(base, folder)
    present = [n for n in SESSION_FILES if (folder / n).exists()]
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(present))
        path = folder / name
        if not path.is_file() or path.is_symlink():
            continue
        if data.draw(st.integers(0, 14)) == 0:
            replace_with_special(data, path)
            continue
        raw = path.read_bytes()
        new = mutate_json(data, raw) if name.endswith(".json") else mutate_tsv(data, raw)
        path.write_bytes(new)
    return folder


def rr_file(data: st.DataObject, work: Path) -> Path:
    """A plain RR file (one interval per line, ms or s), hostile in places."""
    n = data.draw(st.integers(0, 400))
    base = [f"{800 + 40 * ((i * 7) % 5 - 2)}" for i in range(n)]
    text = "\n".join(base)
    raw = text.encode()
    if data.draw(st.booleans()):
        raw = mutate_tsv(data, ("rr_ms\n" + text).encode())
    if data.draw(st.integers(0, 4)) == 0:
        raw = mutate_bytes(data, raw)
    path = work / "rr.txt"
    path.write_bytes(raw)
    return path


def rr_commands(path: Path, scratch: Path) -> list[list[str]]:
    """Every command that reads an RR file."""
    return [["analyze", str(path)], ["analyze", str(path), "--json"],
            ["record", "--replay", str(path), "--speed", "100000",
             "--out", str(scratch / "replayed")]]  # fmt: skip


#: Settings: every key, with values of every kind.
SETTING_KEYS = ("pace_bpm", "ratio", "hold_in_s", "hold_out_s", "session_min",
                "challenge_level", "theme", "font_scale", "tone", "last_strap",
                "resonance_bpm", "consent_recording", "participant", "window_width",
                "unknown_key")  # fmt: skip
TOML_VALUES = ("6", "5.55", "-1", "1e308", "inf", "nan", '"6"', "true", '"4:6"', '"0:0"',
               '"abc"', "[]", "{}", "[[1]]", "0", "99999999999999999999", '"\\u001b[2J"',
               "2026-01-01T00:00:00Z", "1", "2.0")  # fmt: skip


def settings_text(data: st.DataObject) -> bytes:
    """A settings file: keys with values of every kind, deep nesting, or broken bytes."""
    def line() -> str:
        key = data.draw(st.sampled_from(SETTING_KEYS))
        return f"{key} = {data.draw(st.sampled_from(TOML_VALUES))}"

    lines = [line() for _ in range(data.draw(st.integers(0, 6)))]
    raw = "\n".join(dict.fromkeys(lines)).encode()
    kind = data.draw(st.integers(0, 9))
    if kind == 0:
        raw = b"a = " + b"[" * 50_000 + b"]" * 50_000
    elif kind == 1:
        raw = b"x = " + b"{a = " * 20_000 + b"}" * 20_000
    elif kind == 2:
        raw = mutate_bytes(data, raw)
    elif kind == 3:
        raw = b"[" + b"a." * 5000 + b"b]\nc = 1\n"
    return raw


def settings_commands(scratch: Path) -> list[list[str]]:
    """Commands that read the settings file."""
    return [
        ["record", "--simulate", "--speed", "100000", "--duration", "10", "--sim-seed", "1",
         "--out", str(scratch / "s1")],
        ["demo", "--headless", "--speed", "100000", "--duration", "10", "--sim-seed", "1",
         "--out", str(scratch / "s2")],
        ["record", "--simulate", "--protocol", "threat-soothing", "--speed", "100000",
         "--duration", "10", "--sim-seed", "1", "--out", str(scratch / "s3")],
    ]  # fmt: skip


def protocol_text(data: st.DataObject) -> bytes:
    """A protocol file: the shipped threat-soothing one, mutated."""
    from importlib import resources

    import resonant.model.protocols as protocols

    raw = (resources.files(protocols) / "threat-soothing.toml").read_bytes()
    kind = data.draw(st.integers(0, 9))
    if kind == 0:
        return mutate_bytes(data, raw)
    if kind == 1:
        return b"a = " + b"[" * 50_000 + b"]" * 50_000
    lines = raw.decode().splitlines()
    values = [ln for ln in range(len(lines)) if " = " in lines[ln]]
    for _ in range(data.draw(st.integers(1, 3))):
        k = data.draw(st.sampled_from(values))
        key = lines[k].split(" = ")[0]
        lines[k] = f"{key} = {data.draw(st.sampled_from(TOML_VALUES + ('5.55', '3', '11')))}"
    if data.draw(st.integers(0, 5)) == 0:
        lines.append(data.draw(st.sampled_from(["phase = 5", "name = 5", "[[phase]]",
                                                "phase = [5]", "assessment = 1"])))  # fmt: skip
    return "\n".join(lines).encode()


def protocol_commands(path: Path, scratch: Path) -> list[list[str]]:
    """Commands that read a custom protocol, and the shipped one beside a bad user file."""
    return [
        ["record", "--simulate", "--protocol", str(path), "--speed", "100000", "--duration",
         "10", "--sim-seed", "1", "--out", str(scratch / "p1")],
        ["record", "--simulate", "--protocol", "threat-soothing", "--speed", "100000",
         "--duration", "10", "--sim-seed", "1", "--out", str(scratch / "p2")],
    ]  # fmt: skip


def practice_text(data: st.DataObject) -> str:
    """A practice file: a shipped one, mutated."""
    from importlib import resources

    import resonant.model.practices as practices

    raw = (resources.files(practices) / "self-compassion.toml").read_bytes()
    if data.draw(st.integers(0, 3)) == 0:
        return mutate_bytes(data, raw).decode("utf-8", "replace")
    lines = raw.decode().splitlines()
    values = [ln for ln in range(len(lines)) if " = " in lines[ln]]
    for _ in range(data.draw(st.integers(1, 3))):
        k = data.draw(st.sampled_from(values))
        lines[k] = f"{lines[k].split(' = ')[0]} = {data.draw(st.sampled_from(TOML_VALUES))}"
    return "\n".join(lines)


def check_practice(text: str) -> str | None:
    """None when a practice text is read or refused in one sentence; else what went wrong."""
    from resonant.model.practices import PracticeError, parse_practice

    try:
        parse_practice(text, "mutated.toml")
    except PracticeError as exc:
        return None if "\n" not in str(exc) else f"not one line: {exc!s:.100}"
    except BaseException:  # noqa: BLE001
        return "traceback: " + traceback.format_exc().strip().splitlines()[-1]
    return None


def make_bases(root: Path) -> dict[str, Path]:
    """Session folders to mutate: a free session with artifacts, and a protocol session."""
    bases = {}
    for name, extra in (
        ("free", ["--sim-artifacts", "0.02", "--duration", "90"]),
        ("protocol", ["--protocol", "threat-soothing", "--duration", "150"]),
    ):
        out = root / name
        r = run(["record", "--simulate", "--speed", "100000", "--sim-seed", "3", "--out",
                 str(out), *extra])  # fmt: skip
        assert r.status == 0 and not r.problems(), r
        bases[name] = out
    return bases


#: The code behind settings, protocols, practices and terminal text; the session-folder
#: readers, the replay and the exports are other work of issue 18.
MINE = ("config/settings.py", "model/protocols", "model/practices", "model/text.py",
        "cli/options.py", "session/lsl.py")  # fmt: skip


def owner(r: Run, kind: str) -> str:
    """``others`` for a failure on a session folder or RR file outside :data:`MINE`."""
    if any(part in r.where() for part in MINE):
        return "mine"
    return "others" if kind in ("session", "rr") else "mine"


Mutator = Callable[[st.DataObject, Path], list[list[str]]]
