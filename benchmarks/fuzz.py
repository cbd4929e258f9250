"""The long fuzz run: hostile inputs through every command that reads them, for minutes.

Run as ``.venv/bin/python benchmarks/fuzz.py [--minutes 5] [--limit 30] [--seed 1]
[--json FILE]`` from the repository root.

It uses the harness of the test suite (``tests/fuzz/harness.py``): mutations of session
folders (``session.json`` fields, beats/events/pacer rows and cells, sidecars, bytes,
folders, FIFOs and symlinks in place of files), RR files, the settings file, custom
protocols (and the same file in the user's protocols folder beside the shipped
protocols) and practices, drawn with hypothesis from one seed, each run through the
commands that read it (for a session folder: ``analyze``, ``analyze --json``,
``history``, ``history --json``, ``report``, ``export`` as csv, kubios and edf,
``assess --replay`` and ``record --replay``), in this process, each under a time limit.
The settings, data and protocols folders are in a scratch folder. It prints the
mutations tried, the commands run, and how many ended in a traceback, a hang (over
``--limit`` s), an exit status other than 0 or 2, a warning, or stderr that is not
``resonant: ...`` sentences, with the distinct failures (command, last line, where).
It asserts nothing.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.fuzz import harness  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--limit", type=float, default=30.0, help="time limit per command, s")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="resonant-fuzz-"))
    os.environ["XDG_CONFIG_HOME"] = str(root / "config")
    os.environ["XDG_DATA_HOME"] = str(root / "data")
    bases = harness.make_bases(root / "bases")
    end = time.monotonic() + 60.0 * args.minutes
    counts: collections.Counter[str] = collections.Counter()
    failures: dict[str, list[str]] = collections.defaultdict(list)
    slowest = [0.0, ""]

    def record(kind: str, runs: list[harness.Run]) -> None:
        counts["mutations"] += 1
        counts[f"mutations {kind}"] += 1
        for r in runs:
            counts["commands"] += 1
            counts[f"commands {r.argv[0]}"] += 1
            if r.seconds > slowest[0]:
                slowest[:] = [r.seconds, " ".join(r.argv[:2])]
            problems = r.problems()
            counts["tracebacks"] += r.traceback is not None
            counts["hangs"] += r.hung
            counts["warnings"] += bool(r.warnings)
            counts["bad status"] += r.status is not None and r.status not in harness.ALLOWED_STATUS
            counts["commands that broke the rule"] += bool(problems)
            for p in problems:
                key = f"{r.argv[0]} {r.argv[1] if r.argv[0] == 'export' else ''}".strip()
                sig = f"[{harness.owner(r, kind)}] {key}: {p[:150]} {r.where()}"
                failures[sig].append(" ".join(r.argv))

    def work_dir() -> Path:
        counts["_n"] += 1
        w = root / "work" / str(counts["_n"])
        w.mkdir(parents=True)
        return w

    def one(data: st.DataObject) -> None:
        kind = data.draw(st.sampled_from(["session", "session", "session", "rr", "settings",
                                          "protocol", "practice"]))  # fmt: skip
        work = work_dir()
        try:
            if kind == "session":
                base = bases[data.draw(st.sampled_from(sorted(bases)))]
                folder = harness.mutate_session(data, base, work)
                runs = [harness.run(a, args.limit) for a in harness.session_commands(folder, work)]
            elif kind == "rr":
                path = harness.rr_file(data, work)
                runs = [harness.run(a, args.limit) for a in harness.rr_commands(path, work)]
            elif kind == "settings":
                from resonant.config.settings import settings_path

                p = settings_path()
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(harness.settings_text(data))
                runs = [harness.run(a, args.limit) for a in harness.settings_commands(work)]
                p.unlink()
            elif kind == "protocol":
                from resonant.config.settings import user_protocols_dir

                raw = harness.protocol_text(data)
                (work / "X.toml").write_bytes(raw)
                folder = user_protocols_dir()
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "mine.toml").write_bytes(raw)
                runs = [harness.run(a, args.limit)
                        for a in harness.protocol_commands(work / "X.toml", work)]  # fmt: skip
                (folder / "mine.toml").unlink()
            else:
                problem = harness.check_practice(harness.practice_text(data))
                counts["mutations"] += 1
                counts["mutations practice"] += 1
                counts["practice texts parsed"] += 1
                if problem:
                    failures[f"[mine] practice: {problem}"].append("parse_practice")
                    counts["tracebacks"] += problem.startswith("traceback")
                return
            record(kind, runs)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    started = time.monotonic()
    # Chunks of 10 mutations, each a hypothesis run of its own seed, until the time is up
    # (a hypothesis run cannot be stopped halfway without being taken for flaky).
    runner = settings(
        max_examples=10, deadline=None, database=None, derandomize=False,
        suppress_health_check=list(HealthCheck), phases=["generate"],
    )(given(st.data())(one))  # fmt: skip
    from hypothesis import seed as hseed

    chunk = 0
    try:
        while time.monotonic() < end:
            hseed(args.seed * 1_000_003 + chunk)(runner)()
            chunk += 1
    except KeyboardInterrupt:
        pass
    elapsed = time.monotonic() - started
    shutil.rmtree(root, ignore_errors=True)

    counts.pop("_n", None)
    print(f"fuzz run: {elapsed / 60:.1f} min, seed {args.seed}, limit {args.limit:g} s/command")
    for key in sorted(counts):
        print(f"  {key:32s} {counts[key]}")
    print(f"  slowest command: {slowest[1]} {slowest[0]:.1f} s")
    print(f"distinct failures: {len(failures)}")
    for sig, cases in sorted(failures.items()):
        print(f"  {sig}  (x{len(cases)}; e.g. {cases[0][:160]})")
    if args.json:
        Path(args.json).write_text(json.dumps({"counts": counts, "failures": failures,
                                               "minutes": elapsed / 60}, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
