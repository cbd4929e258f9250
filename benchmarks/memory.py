"""Peak memory of ``resonant analyze`` on a long RR file, per beat (issue 18, bounded work).

Run as ``.venv/bin/python benchmarks/memory.py [--beats 3000000] [--keep FILE]``.
It writes a plain RR text file (one interval per line, ms) of a simulated-looking series
with breathing, Mayer waves, drift, noise and about 1 % artifacts (fixed seed), runs
``resonant analyze --json`` on it in a child process and reads the child's peak resident
memory (GNU ``/usr/bin/time -f %M``; else ``getrusage(RUSAGE_CHILDREN).ru_maxrss``,
which may include this process's size at the fork). It prints the peak in MB, the
bytes per beat, and the SHA-256 of the child's output, so runs before and after a change
can be compared value for value. It asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from resonant.devices.synthetic import RRSpec, inject_artifacts, synth_rr


def write_rr(path: Path, beats: int, seed: int = 18) -> None:
    """Write ``beats`` simulated RR intervals (ms, one decimal) to ``path``."""
    spec = RRSpec(
        mean_ms=850.0, breath_hz=0.1, breath_ms=60.0, mayer_hz=0.1, mayer_ms=15.0,
        drift_ms=30.0, noise_ms=12.0,
    )  # fmt: skip
    duration_s = beats * spec.mean_ms / 1000.0 * 1.05
    rr = synth_rr(spec, duration_s, seed=seed)[:beats]
    rr = inject_artifacts(rr, every=100, seed=seed).rr_ms[:beats]
    with path.open("w") as f:
        for a in range(0, rr.size, 100_000):
            f.write("\n".join(f"{v:.1f}" for v in rr[a : a + 100_000].tolist()))
            f.write("\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beats", type=int, default=3_000_000)
    ap.add_argument("--keep", type=Path, help="write the RR file here (and keep it)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "rr.txt"
        if not path.exists():
            write_rr(path, args.beats)
        exe = Path(sys.executable).with_name("resonant")
        cmd = [str(exe), "analyze", "--json", str(path)]
        gnu_time = Path("/usr/bin/time")
        t0 = time.perf_counter()
        if gnu_time.exists():
            # GNU time's %M (KiB): the child's own peak, not this process's at the fork.
            with tempfile.NamedTemporaryFile("r") as rss:
                run = subprocess.run(
                    [str(gnu_time), "-f", "%M", "-o", rss.name, *cmd], capture_output=True
                )
                peak_kb = int(rss.read().split()[-1])
        else:
            run = subprocess.run(cmd, capture_output=True)
            # May include this process's size at the fork (Linux keeps it across exec).
            peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        wall = time.perf_counter() - t0
        digest = hashlib.sha256(run.stdout).hexdigest()
        print(f"file: {path} ({path.stat().st_size / 1e6:.0f} MB, {args.beats:,} beats)")
        print(f"exit status {run.returncode}, {wall:.1f} s")
        print(f"peak resident memory: {peak_kb * 1024 / 1e6:.0f} MB")
        print(f"bytes per beat: {peak_kb * 1024 / args.beats:.0f}")
        print(f"output sha256: {digest}")


if __name__ == "__main__":
    main()
