"""Soak: a long recorded session on the simulated strap, as fast as it runs; is memory flat?

Run as ``.venv/bin/python benchmarks/session_soak.py [--hours 2] [--json]``. It runs the
same pieces as ``resonant record --simulate`` (simulated person and strap with 1 % of
beats artifacts and 2 dropped links an hour, pacer, streaming core, recorder writing
and syncing a real session folder) on a clock running as fast as the machine allows,
and samples the process's resident memory (VmRSS) and the count of live Python objects
every 10 minutes of session time. It prints figures and asserts nothing.

Goal: memory flat, i.e. resident memory at the end within 5 MB of what it was after
the first 20 minutes (the core's ring buffers and the pacer's history are bounded).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

from resonant.model.clock import SPEED_MAX, MonotonicClock
from resonant.devices.physiology import PersonSpec
from resonant.devices.simulated import SimulatedStrap, StrapSpec
from resonant.model.pacer import PacerSchedule
from resonant.folder.write import Recorder
from resonant.session.core import Session

SAMPLE_EVERY_S = 600.0


def rss_mb() -> float:
    """Resident memory of this process, MB (Linux /proc; 0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


class Probe:
    """A sink that samples memory every 10 minutes of session time."""

    def __init__(self) -> None:
        self.samples: list[dict[str, float]] = []
        self._next_s = SAMPLE_EVERY_S

    def on_spectral(self, metrics, beat, pacer_rate, adherent) -> None:  # noqa: ANN001
        if metrics.time_s >= self._next_s:
            self._next_s += SAMPLE_EVERY_S
            self.samples.append({
                "session_min": round(metrics.time_s / 60.0, 1),
                "rss_mb": rss_mb(),
                "objects": len(gc.get_objects()),
            })  # fmt: skip


def run(hours: float) -> dict:
    duration_s = hours * 3600.0
    with tempfile.TemporaryDirectory(prefix="resonant-soak-") as tmp:
        pacer = PacerSchedule()
        strap = SimulatedStrap(
            PersonSpec(seed=1, state="soothing"),
            StrapSpec(seed=1, artifact_rate=0.01, disconnects_per_h=2.0),
            pacer,
        )
        folder = Path(tmp) / "soak"
        recorder = Recorder(folder, {"start_utc": "", "sources": [strap.info.to_json()]})
        probe = Probe()
        session = Session([strap], MonotonicClock(SPEED_MAX), pacer, [recorder, probe], duration_s)
        rss0 = rss_mb()
        t0 = time.perf_counter()
        summary = asyncio.run(session.run())
        wall_s = time.perf_counter() - t0
        recorder.close()
        sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
        rows = dict(recorder.rows)
    s = probe.samples
    base = next((x for x in s if x["session_min"] >= 20.0), s[0])
    growth = s[-1]["rss_mb"] - base["rss_mb"]
    return {
        "hours": hours,
        "beats": sum(summary.beats.values()),
        "gaps": summary.gaps,
        "wall_s": wall_s,
        "speed_x": duration_s / wall_s,
        "us_per_beat": 1e6 * wall_s / max(1, sum(summary.beats.values())),
        "rss_start_mb": rss0,
        "samples": s,
        "rss_growth_after_20min_mb": growth,
        "rows": rows,
        "bytes": sizes,
    }


def report(r: dict) -> None:
    print(f"session soak: {r['hours']:g} h recorded session on the simulated strap, fastest clock")
    print(
        f"   {r['beats']} beats, {r['gaps']} gaps, wall {r['wall_s']:.1f} s "
        f"({r['speed_x']:.0f}x real time, {r['us_per_beat']:.0f} us per beat end to end)"
    )
    print(f"   rows written: {r['rows']}")
    print(f"   session folder: {sum(r['bytes'].values()) / 1e6:.2f} MB")
    print("   session min   RSS MB   live objects")
    for x in r["samples"]:
        print(f"   {x['session_min']:11.0f}   {x['rss_mb']:6.1f}   {x['objects']:12d}")
    g = r["rss_growth_after_20min_mb"]
    print(f"   growth after the first 20 min: {g:+.1f} MB   goal within 5 MB  "
          f"{'ok' if abs(g) <= 5 else 'MISSED'}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=2.0, help="session length (default 2)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    r = run(args.hours)
    if args.json:
        print(json.dumps(r))
    else:
        report(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
