"""The trainer window's cost: guide frame rate and CPU share, offscreen, software rendering.

Run as ``.venv/bin/python benchmarks/gui_bench.py [--seconds 30] [--config practice|detail|both]
[--size 1280x720] [--json]``. It opens the real window (Qt's offscreen platform, so every
frame is rendered in software), starts the demo session on the simulated strap in real
time, and after a 5-s warm-up counts for ``--seconds``: guide frames painted, plot
refreshes and redraws, and the process's CPU time (``time.process_time``, all threads)
against wall time. It prints figures and asserts nothing.

Two configurations, measured one after the other in the same process:

- ``practice``: the window's practice page, the guide alone and large, with the session
  (not recorded) and the window's 10 Hz redraw running behind it;
- ``detail``: the window's detail page, the guide with the tiles and the plots.

Goals: guide >= 55 frames/s in both; CPU <= 12 % of one core (practice), <= 15 % (detail).
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

from resonant.gui.pacer_view import PacerView  # noqa: E402
from resonant.gui.window import MainWindow  # noqa: E402
from resonant.session.assemble import SimSpec, SourceSpec  # noqa: E402
from resonant.gui.qtloop import run_on_qt  # noqa: E402
from resonant.config.settings import Settings  # noqa: E402

WARMUP_S = 5.0


#: CPU goals, % of one core, by configuration.
CPU_GOAL_PCT = {"practice": 12.0, "detail": 15.0}
FPS_GOAL = 55.0


def _show(window: MainWindow, config: str, size: tuple[int, int]) -> PacerView:
    """Show the page ``config`` and return the guide being drawn."""
    window.resize(*size)
    window.show()
    window.show_page(config)
    return window.pacer_view


def run(seconds: float, config: str, size: tuple[int, int]) -> dict:
    app = QApplication.instance() or QApplication([])
    window = MainWindow(Settings(session_min=None, checkin=False), speed=1.0, save=False)
    window.with_choice(SourceSpec("sim", (), SimSpec(state="soothing", seed=1)))
    view = _show(window, config, size)

    async def main() -> dict:
        window.start()
        await asyncio.sleep(WARMUP_S)
        f0, r0, d0 = view.frames, window.plots.refreshes, window.plots.redraws
        c0, w0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        c1, w1 = time.process_time(), time.perf_counter()
        frames = view.frames - f0
        refreshes = window.plots.refreshes - r0
        redraws = window.plots.redraws - d0
        window.stop()
        await asyncio.wait([window.task], timeout=5)
        wall = w1 - w0
        return {
            "config": config,
            "size": f"{size[0]}x{size[1]}",
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
    goal = CPU_GOAL_PCT[r["config"]]
    print(f"{r['config']}: {r['size']}, {r['seconds']:.0f} s of the demo in real time, Qt "
          f"platform '{r['platform']}' (software rendering)")  # fmt: skip
    ok_fps = r["pacer_fps"] >= FPS_GOAL
    ok_cpu = r["cpu_pct_of_one_core"] <= goal
    print(f"   guide {r['pacer_fps']:.1f} frames/s   goal >= {FPS_GOAL:g}  "
          f"{'ok' if ok_fps else 'MISSED'}")  # fmt: skip
    print(f"   plot timer {r['plot_refresh_hz']:.1f} Hz; plots redrawn {r['plot_redraw_hz']:.1f} "
          "times/s (only when something moved by 1.5 px or more)")  # fmt: skip
    print(f"   CPU {r['cpu_pct_of_one_core']:.1f} % of one core   goal <= {goal:g} %  "
          f"{'ok' if ok_cpu else 'MISSED'}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--config", choices=("practice", "detail", "both"), default="both")
    ap.add_argument("--size", default="1280x720", help="window size, WIDTHxHEIGHT px")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    width, height = (int(x) for x in args.size.lower().split("x"))
    configs = ("practice", "detail") if args.config == "both" else (args.config,)
    results = [run(args.seconds, c, (width, height)) for c in configs]
    for r in results:
        if args.json:
            print(json.dumps(r))
        else:
            report(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
