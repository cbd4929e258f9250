"""Accuracy of the resonance assessment over a grid of simulated people.

Run as ``.venv/bin/python benchmarks/resonance_accuracy.py [--protocols stepped,sliding]
[--models resonator,delay] [--rates 4.5:7.0:0.1] [--seeds 10] [--adherence 0.9]
[--artifacts 0.01] [--no-acc] [--jobs 2] [--json FILE]``.

Each run simulates one person (resonance rate R, seed S, model M, the given adherence,
1 % of beats artifacts) breathing with the protocol's guide, through the simulated
strap and the beat clock, with the strap's chest accelerometer as ``record
--simulate`` has it (``--no-acc``: without, so the breathing is read from the heart
rhythm), and scores the beats with
:func:`resonant.analysis.assessment.analyze_assessment` (the same code as ``resonant
assess``, without writing a folder). It prints, per protocol and model: the share of
runs within 0.15 and 0.25 breaths/min of the true rate (a run without a rate counts
as a miss), the mean bias per rate band, the share of runs marked reliable and, among
them, the share within 0.3; and the calibration table: runs binned by their stated
confidence against the share of them actually within 0.25. It asserts nothing.

Goals (issue 15): within 0.2 in at least 95 % of runs; mean bias within +-0.05 in every
band; among runs marked reliable at least 98 % within 0.3; at adherence 0.5 or below, at
least 95 % of runs give no rate or are marked unreliable.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from multiprocessing import Pool
from typing import Any

import numpy as np

from resonant.analysis.assessment import analyze_assessment
from resonant.devices.chest import ChestSpec
from resonant.devices.physiology import PersonSpec
from resonant.devices.simulated import SimulatedStrap, StrapSpec
from resonant.folder.read import AccTrace, PacerRows
from resonant.model.beats import AccSamples, Beat, Gap
from resonant.model.pacer import PacerSettings
from resonant.model.plans import SlidingProtocol, SteppedProtocol
from resonant.signal.resonance import AssessmentResult


@dataclass(frozen=True)
class Run:
    protocol: str
    model: str
    resonance_bpm: float
    seed: int
    adherence: float
    artifacts: float
    acc: bool = True


def one(run: Run) -> dict[str, Any]:
    """Simulate and score one assessment, with the one more step it may ask for.

    A live stepped assessment adds that step itself when its answer lies at the first or
    last rate (``extend_bpm``); here the same person (same seed: the same beats up to the
    planned end) is simulated again with the step added.
    """
    if run.protocol == "stepped":
        res = _simulate(run, SteppedProtocol())
        if res.extend_bpm is not None:
            rates = SteppedProtocol().rates_bpm + (res.extend_bpm,)
            res = _simulate(run, SteppedProtocol(rates_bpm=rates))
    else:
        res = _simulate(run, SlidingProtocol())
    return {
        "protocol": run.protocol, "model": run.model, "true_bpm": run.resonance_bpm,
        "seed": run.seed, "adherence": run.adherence,
        "estimate_bpm": res.resonance_bpm, "confidence": res.confidence,
        "reliable": res.reliable, "extended": res.extend_bpm is not None,
    }  # fmt: skip


def _simulate(run: Run, proto: SteppedProtocol | SlidingProtocol) -> AssessmentResult:
    """One simulated assessment, scored as ``resonant assess`` scores a folder."""
    plan = proto.plan(PacerSettings())
    kwargs: dict[str, Any] = {}
    if run.model != "resonator":
        kwargs["model"] = run.model
    person = PersonSpec(
        resonance_bpm=run.resonance_bpm, state="soothing", adherence=run.adherence,
        seed=run.seed, **kwargs,
    )  # fmt: skip
    strap = SimulatedStrap(
        person, StrapSpec(seed=run.seed, artifact_rate=run.artifacts), plan.pacer,
        chest=ChestSpec() if run.acc else None,
    )  # fmt: skip
    items = strap.run_until(plan.end_s + 1.0)
    t: list[float] = []
    rr: list[float] = []
    starts: list[int] = [0]
    acc_t: list[float] = []
    acc_xyz: list[tuple[int, int, int]] = []
    for x in items:
        if isinstance(x, AccSamples):
            acc_t.extend(x.times_s)
            acc_xyz.extend(x.xyz_mg)
        elif isinstance(x, Beat):
            t.append(x.time_s)
            rr.append(x.rr_ms)
        elif isinstance(x, Gap) and t:
            starts.append(len(t))
    seg = np.array(sorted(set(s for s in starts if s < len(t))), dtype=np.intp)
    pacer = PacerRows.from_phases(plan.pacer.phases(0.0, plan.end_s + 1.0))
    acc = None
    if len(acc_t) >= 2:
        order = np.argsort(acc_t, kind="stable")
        acc = AccTrace(np.array(acc_t)[order], np.array(acc_xyz, dtype=np.float64)[order])
    return analyze_assessment(np.array(t), np.array(rr), seg, pacer, dict(plan.metadata), acc)


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Shares, bias per band, reliability and calibration of one group of runs."""
    err = np.array([
        math.inf if r["estimate_bpm"] is None else r["estimate_bpm"] - r["true_bpm"] for r in rows
    ])  # fmt: skip
    true = np.array([r["true_bpm"] for r in rows])
    conf = np.array([r["confidence"] for r in rows])
    rel = np.array([r["reliable"] and r["estimate_bpm"] is not None for r in rows])
    out: dict[str, Any] = {
        "runs": len(rows),
        "no_rate": int(np.sum(~np.isfinite(err))),
        "within_0.15": float(np.mean(np.abs(err) <= 0.15)),
        "within_0.2": float(np.mean(np.abs(err) <= 0.2)),
        "within_0.25": float(np.mean(np.abs(err) <= 0.25)),
        "reliable": float(np.mean(rel)),
        "reliable_within_0.3": float(np.mean(np.abs(err[rel]) <= 0.3)) if rel.any() else None,
        "worst_abs_error": float(np.max(np.abs(err[np.isfinite(err)]))) if np.isfinite(err).any() else None,
    }
    bands = []
    for lo in np.arange(4.5, 7.0, 0.5):
        sel = (true >= lo - 1e-9) & (true < lo + 0.5 - 1e-9) & np.isfinite(err)
        if sel.any():
            bands.append({"band": f"{lo:.1f}-{lo + 0.5:.1f}", "runs": int(sel.sum()),
                          "mean_bias": float(np.mean(err[sel])),
                          "mean_abs": float(np.mean(np.abs(err[sel])))})  # fmt: skip
    out["bias_by_band"] = bands
    cal = []
    edges = [0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 1.0001]
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        sel = (conf >= a) & (conf < b) & np.isfinite(err)
        if sel.any():
            cal.append({"confidence": f"{a:.2f}-{min(b, 1.0):.2f}", "runs": int(sel.sum()),
                        "stated_mean": float(np.mean(conf[sel])),
                        "observed_within_0.25": float(np.mean(np.abs(err[sel]) <= 0.25))})  # fmt: skip
    out["calibration"] = cal
    return out


def _rates(text: str) -> list[float]:
    lo, hi, step = (float(x) for x in text.split(":"))
    return [round(float(x), 3) for x in np.arange(lo, hi + step / 2, step)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--protocols", default="stepped,sliding")
    ap.add_argument("--models", default="resonator,delay")
    ap.add_argument("--rates", default="4.5:7.0:0.1", help="lo:hi:step, breaths/min")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--adherence", type=float, default=0.9)
    ap.add_argument("--artifacts", type=float, default=0.01)
    ap.add_argument("--no-acc", action="store_true",
                    help="no chest accelerometer: breathing read from the heart rhythm")  # fmt: skip
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", metavar="FILE", help="also write every run and the summaries")
    args = ap.parse_args()
    runs = [
        Run(p, m, r, s, args.adherence, args.artifacts, not args.no_acc)
        for p in args.protocols.split(",") for m in args.models.split(",")
        for r in _rates(args.rates) for s in range(args.first_seed, args.first_seed + args.seeds)
    ]  # fmt: skip
    t0 = time.perf_counter()
    with Pool(args.jobs) as pool:
        rows = []
        for k, row in enumerate(pool.imap_unordered(one, runs, chunksize=4), 1):
            rows.append(row)
            if k % 50 == 0 or k == len(runs):
                print(f"  {k}/{len(runs)} runs, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    report: dict[str, Any] = {
        "adherence": args.adherence, "artifacts": args.artifacts, "acc": not args.no_acc,
        "groups": [],
    }  # fmt: skip
    for p in args.protocols.split(","):
        for m in args.models.split(","):
            group = [r for r in rows if r["protocol"] == p and r["model"] == m]
            s = summary(group)
            report["groups"].append({"protocol": p, "model": m, **s})
            print(f"\n{p}, {m} model: {s['runs']} runs (adherence {args.adherence:g}), "
                  f"{s['no_rate']} without a rate")  # fmt: skip
            print(f"  within 0.15: {100 * s['within_0.15']:.1f} %   within 0.2: "
                  f"{100 * s['within_0.2']:.1f} %   within 0.25: {100 * s['within_0.25']:.1f} %")
            rel = s["reliable_within_0.3"]
            print(f"  marked reliable: {100 * s['reliable']:.1f} %; of those within 0.3: "
                  f"{'-' if rel is None else f'{100 * rel:.1f} %'}; worst error "
                  f"{s['worst_abs_error']}")  # fmt: skip
            print("  band      runs  mean bias  mean |error|")
            for b in s["bias_by_band"]:
                print(f"  {b['band']}  {b['runs']:4d}  {b['mean_bias']:+9.3f}  {b['mean_abs']:12.3f}")
            print("  confidence  runs  stated  observed within 0.25")
            for c in s["calibration"]:
                print(f"  {c['confidence']}  {c['runs']:4d}  {c['stated_mean']:6.2f}  "
                      f"{100 * c['observed_within_0.25']:6.1f} %")  # fmt: skip
    print(f"\n{len(runs)} runs in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"rows": rows, **report}, f, indent=1)


if __name__ == "__main__":
    main()
