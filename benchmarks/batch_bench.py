"""Batch analysis speed: sessions per second on an archive of recorded sessions, by cores.

Run as ``.venv/bin/python benchmarks/batch_bench.py [--sessions 1000] [--minutes 10]``.
It writes an archive of session folders (``session.json``, ``beats.tsv`` and, for a
third of them, ``events.tsv`` with two phases) from synthetic RR series with breathing,
Mayer waves, drift, noise and 1 % artifacts, then times ``resonant analyze ARCHIVE
--recursive --out results.tsv --jobs N`` as a whole process for N = 1 and N = every
core. It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from resonant.devices.synthetic import RRSpec, inject_artifacts, synth_rr


def write_archive(root: Path, sessions: int, minutes: float) -> int:
    """Write the session folders; return the number of beats written."""
    total = 0
    for i in range(sessions):
        rng = np.random.default_rng(i)
        spec = RRSpec(
            mean_ms=float(rng.uniform(750, 1000)), breath_hz=float(rng.uniform(0.08, 0.25)),
            breath_ms=float(rng.uniform(20, 80)), mayer_hz=0.1, mayer_ms=15.0,
            drift_ms=30.0, noise_ms=12.0,
        )  # fmt: skip
        rr = synth_rr(spec, minutes * 60.0, seed=i)
        rr = inject_artifacts(rr, every=100, seed=i).rr_ms
        t = np.cumsum(rr) / 1000.0
        folder = root / f"{2026 + i // 365}" / f"2026-01-01T00-00-00Z_s{i:04d}"
        folder.mkdir(parents=True)
        (folder / "session.json").write_text(json.dumps({
            "format_version": 1, "start_utc": "2026-01-01T00:00:00Z", "sources": [],
        }))  # fmt: skip
        lines = ["time_s\trr_ms\thr_bpm\tcontact\tartifact\tsource"]
        lines += [f"{a:.4f}\t{b:.4f}\t\tn/a\t\tsim" for a, b in zip(t, rr, strict=True)]
        (folder / "beats.tsv").write_text("\n".join(lines) + "\n")
        if i % 3 == 0:
            half = minutes * 30.0
            (folder / "events.tsv").write_text(
                "onset_s\tduration_s\tkind\tlabel\tsource\n"
                f"0\t{half}\tphase\tbaseline\t\n{half}\t{half}\tphase\tbreathing\t\n"
            )
        total += rr.size
    return total


def time_batch(root: Path, jobs: int, out: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "resonant", "analyze", str(root), "--recursive",
         "--out", str(out), "--jobs", str(jobs)],
        capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 2):
        raise SystemExit(proc.stderr)
    return wall


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="resonant-batch-") as tmp:
        root = Path(tmp) / "archive"
        t0 = time.perf_counter()
        beats = write_archive(root, args.sessions, args.minutes)
        made = time.perf_counter() - t0
        result = {"sessions": args.sessions, "minutes": args.minutes, "beats": beats,
                  "cores": cores, "runs": {}}  # fmt: skip
        for jobs in sorted({1, cores}):
            wall = time_batch(root, jobs, Path(tmp) / f"results-{jobs}.tsv")
            rows = sum(1 for _ in open(Path(tmp) / f"results-{jobs}.tsv")) - 1
            result["runs"][jobs] = {"wall_s": wall, "sessions_per_s": args.sessions / wall,
                                    "rows": rows}  # fmt: skip
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"batch analysis: {args.sessions} sessions of {args.minutes:g} min ({beats} beats; "
          f"archive written in {made:.0f} s), {cores} cores")  # fmt: skip
    base = result["runs"][1]["sessions_per_s"]
    for jobs, r in result["runs"].items():
        print(f"   --jobs {jobs}: {r['wall_s']:.1f} s, {r['sessions_per_s']:.1f} sessions/s "
              f"({r['sessions_per_s'] / base:.2f}x), {r['rows']} rows")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
