"""How well the adaptive guide finds a simulated person's resonance rate, and holds.

Run as ``.venv/bin/python benchmarks/adaptive_accuracy.py [--models resonator,delay]
[--rates 4.8,5.15,5.5,5.85,6.3,6.5] [--offsets -1,1] [--seeds 5] [--minutes 20]
[--adherence 0.9] [--hold-adherence 0.0,0.3] [--jobs 2] [--set max_step_bpm=0.3]
[--json FILE]``.

Each run is one accelerated session, as ``resonant record --simulate --adaptive`` runs
it (without writing a folder): a simulated person (model M, resonance rate R, seed S,
soothing, the given adherence) through the simulated strap and the core, with the
guide starting ``offset`` breaths/min from R (clipped to the guide's 4-7) and
:class:`resonant.session.adaptive.AdaptivePacer` moving it. It prints, per model: the
share of runs whose guide ends within 0.2 (and 0.3) breaths/min of R, the mean absolute,
the mean and the largest final error, the share still within 0.2 over the last 6
minutes, the largest step taken and the share of blocks held. Then, at each
``--hold-adherence`` (people mostly breathing at their own rate), the share of runs in
which the guide moved at all. ``--set`` changes one of the guide's fields (for trying
its settings, e.g. ``--set history_blocks=10``). It asserts nothing.

Goals (issue 15): within 0.2 at the end of 20 minutes at adherence 0.9 (measured: about
9 runs in 10, docs/benchmarks.md); at adherence 0.3 or below, the guide does not move.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass
from multiprocessing import Pool
from typing import Any

import numpy as np

from resonant.devices.physiology import PersonSpec
from resonant.devices.simulated import SimulatedStrap, StrapSpec
from resonant.model.clock import SPEED_MAX, MonotonicClock
from resonant.model.pacer import PacerSchedule, PacerSettings
from resonant.session.adaptive import AdaptivePacer
from resonant.session.core import Session


@dataclass(frozen=True)
class Run:
    model: str
    resonance_bpm: float
    start_bpm: float
    seed: int
    adherence: float
    minutes: float
    fields: tuple[tuple[str, float | int], ...] = ()


def one(run: Run) -> dict[str, Any]:
    """One accelerated session with the adaptive guide; where the guide went."""
    settings = PacerSettings(rate_bpm=run.start_bpm)
    pacer = PacerSchedule(settings)
    person = PersonSpec(
        resonance_bpm=run.resonance_bpm, seed=run.seed, adherence=run.adherence,
        state="soothing", model=run.model,
    )  # fmt: skip
    strap = SimulatedStrap(person, StrapSpec(seed=run.seed), pacer)
    fields: dict[str, Any] = dict(run.fields)
    guide = AdaptivePacer(lambda _s, _r: None, settings, **fields)
    session = Session([strap], MonotonicClock(SPEED_MAX), pacer, [guide], 60.0 * run.minutes)
    guide.change = session.change_pacer
    asyncio.run(session.run())
    path = [run.start_bpm] + [x["new_rate_bpm"] for x in guide.log]
    last = [x["new_rate_bpm"] for x in guide.log if x["time_s"] >= 60.0 * (run.minutes - 6.0)]
    return {
        "model": run.model, "true_bpm": run.resonance_bpm, "start_bpm": run.start_bpm,
        "seed": run.seed, "adherence": run.adherence, "final_bpm": guide.rate_bpm,
        "path_bpm": path, "last_6_min_bpm": last,
        "largest_step_bpm": float(np.max(np.abs(np.diff(path)))) if len(path) > 1 else 0.0,
        "moved": any(x["new_rate_bpm"] != x["rate_bpm"] for x in guide.log),
        "held_blocks": sum("holding" in x["reason"] for x in guide.log),
        "blocks": len(guide.log),
    }  # fmt: skip


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Shares within 0.2, mean and worst final error, steadiness, largest step."""
    err = np.array([r["final_bpm"] - r["true_bpm"] for r in rows])
    steady = [
        all(abs(x - r["true_bpm"]) <= 0.2 + 1e-9 for x in r["last_6_min_bpm"]) for r in rows
    ]
    return {
        "runs": len(rows),
        "within_0.2": float(np.mean(np.abs(err) <= 0.2 + 1e-9)),
        "within_0.3": float(np.mean(np.abs(err) <= 0.3 + 1e-9)),
        "mean_abs_error": float(np.mean(np.abs(err))),
        "mean_error": float(np.mean(err)),
        "worst_abs_error": float(np.max(np.abs(err))),
        "steady_last_6_min": float(np.mean(steady)),
        "largest_step_bpm": float(max(r["largest_step_bpm"] for r in rows)),
        "held_share": float(sum(r["held_blocks"] for r in rows) / sum(r["blocks"] for r in rows)),
    }


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="resonator,delay")
    ap.add_argument("--rates", default="4.8,5.15,5.5,5.85,6.3,6.5", help="breaths/min")
    ap.add_argument("--offsets", default="-1,1", help="where the guide starts, from the rate")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--adherence", type=float, default=0.9)
    ap.add_argument("--hold-adherence", default="0.0,0.3", help="'' for none")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    ap.add_argument("--json", metavar="FILE", help="also write every run and the summaries")
    args = ap.parse_args()
    fields = tuple(
        (k, int(v) if v.lstrip("-").isdigit() else float(v))
        for k, v in (s.split("=", 1) for s in args.set)
    )
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    models = args.models.split(",")

    def start(rate: float, offset: float) -> float:
        return round(float(np.clip(rate + offset, 4.0, 7.0)), 1)

    runs = [
        Run(m, r, start(r, o), s, args.adherence, args.minutes, fields)
        for m in models for r in _floats(args.rates) for o in _floats(args.offsets) for s in seeds
    ]  # fmt: skip
    holds = [
        Run(m, r, start(r, o), s, a, args.minutes, fields)
        for a in _floats(args.hold_adherence) for m in models for r in _floats(args.rates)
        for o in _floats(args.offsets) for s in seeds
    ]  # fmt: skip
    t0 = time.perf_counter()
    with Pool(args.jobs) as pool:
        rows = pool.map(one, runs + holds, chunksize=2)
    report: dict[str, Any] = {"adherence": args.adherence, "fields": dict(fields), "groups": []}
    print(f"adaptive guide, {args.minutes:g} min from {args.offsets} breaths/min away, "
          f"adherence {args.adherence:g}" + (f", {dict(fields)}" if fields else ""))  # fmt: skip
    for m in models:
        group = [r for r in rows if r["model"] == m and r["adherence"] == args.adherence]
        s = summary(group)
        report["groups"].append({"model": m, **s})
        print(f"\n{m} model: {s['runs']} runs")
        print(f"  ends within 0.2: {100 * s['within_0.2']:.1f} %   within 0.3: "
              f"{100 * s['within_0.3']:.1f} %   mean |final error| "
              f"{s['mean_abs_error']:.3f}   mean final error {s['mean_error']:+.3f}   worst "
              f"{s['worst_abs_error']:.2f}")  # fmt: skip
        print(f"  within 0.2 over the last 6 min: {100 * s['steady_last_6_min']:.1f} %   "
              f"largest step {s['largest_step_bpm']:.2f}   blocks held "
              f"{100 * s['held_share']:.1f} %")  # fmt: skip
        for r in group:
            if abs(r["final_bpm"] - r["true_bpm"]) > 0.2 + 1e-9:
                print(f"    missed: true {r['true_bpm']} seed {r['seed']} path {r['path_bpm']}")
    for a in _floats(args.hold_adherence):
        for m in models:
            group = [r for r in rows[len(runs) :] if r["model"] == m and r["adherence"] == a]
            moved = float(np.mean([r["moved"] for r in group]))
            report["groups"].append(
                {"model": m, "adherence": a, "runs": len(group), "moved": moved}
            )
            print(f"\n{m} model at adherence {a:g}: the guide moved in {100 * moved:.1f} % of "
                  f"{len(group)} runs")  # fmt: skip
            for r in group:
                if r["moved"]:
                    print(f"    moved: true {r['true_bpm']} seed {r['seed']} path {r['path_bpm']}")
    print(f"\n{len(rows)} runs in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"rows": rows, **report}, f, indent=1)


if __name__ == "__main__":
    main()
