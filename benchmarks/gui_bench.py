"""The trainer window's cost: pacer frame rate and CPU share, offscreen, software rendering.

Run as ``.venv/bin/python benchmarks/gui_bench.py [--seconds 30] [--json]``. It opens the
real window (Qt's offscreen platform, so every frame is rendered in software), starts
the demo session on the simulated strap in real time, and after a 5-s warm-up counts for
``--seconds``: pacer frames painted, plot refreshes, and the process's CPU time
(``time.process_time``, all threads) against wall time. It prints figures and asserts
nothing.

Goals: pacer >= 55 frames/s; CPU <= 15 % of one core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

from PyQt6.QtWidgets import QApplication  # noqa: E402

from resonant.gui.window import MainWindow  # noqa: E402
from resonant.session.assemble import SimSpec, SourceSpec  # noqa: E402
from resonant.gui.qtloop import run_on_qt  # noqa: E402
from resonant.config.settings import Settings  # noqa: E402

WARMUP_S = 5.0


def run(seconds: float) -> dict:
    app = QApplication.instance() or QApplication([])
    window = MainWindow(Settings(session_min=None, checkin=False), speed=1.0, save=False)
    window.resize(1400, 860)
    window.show()
    window.with_choice(SourceSpec("sim", (), SimSpec(state="soothing", seed=1)))

    async def main() -> dict:
        window.start()
        await asyncio.sleep(WARMUP_S)
        f0, r0, d0 = window.pacer_view.frames, window.plots.refreshes, window.plots.redraws
        c0, w0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        c1, w1 = time.process_time(), time.perf_counter()
        frames = window.pacer_view.frames - f0
        refreshes = window.plots.refreshes - r0
        redraws = window.plots.redraws - d0
        window.stop()
        await asyncio.wait([window.task], timeout=5)
        wall = w1 - w0
        return {
            "seconds": wall,
            "platform": app.platformName(),
            "pacer_fps": frames / wall,
            "plot_refresh_hz": refreshes / wall,
            "plot_redraw_hz": redraws / wall,
            "cpu_pct_of_one_core": 100.0 * (c1 - c0) / wall,
            "beats": sum((window.last_summary.beats if window.last_summary else {}).values()),
        }

    r = run_on_qt(main, app)
    window.close()
    return r


def report(r: dict) -> None:
    print(f"trainer window, {r['seconds']:.0f} s of the demo in real time, Qt platform "
          f"'{r['platform']}' (software rendering)")  # fmt: skip
    ok_fps = r["pacer_fps"] >= 55
    ok_cpu = r["cpu_pct_of_one_core"] <= 15
    print(f"   pacer {r['pacer_fps']:.1f} frames/s   goal >= 55  {'ok' if ok_fps else 'MISSED'}")
    print(f"   plot timer {r['plot_refresh_hz']:.1f} Hz; plots redrawn {r['plot_redraw_hz']:.1f} "
          "times/s (only when something moved by 1.5 px or more)")  # fmt: skip
    print(f"   CPU {r['cpu_pct_of_one_core']:.1f} % of one core   goal <= 15 %  "
          f"{'ok' if ok_cpu else 'MISSED'}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    r = run(args.seconds)
    print(json.dumps(r) if args.json else "", end="\n" if args.json else "")
    if not args.json:
        report(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
