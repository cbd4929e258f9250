"""Baseline against stressor on ``record --simulate --protocol threat-soothing``, per seed.

Run as ``.venv/bin/python benchmarks/threat_contrast.py [--models resonator,delay]
[--seeds 1-12] [--no-acc-only]``.

Each run records the protocol as ``resonant record --simulate --protocol
threat-soothing --speed 100000 --sim-seed S --sim-model M`` does (into a temporary
folder), with the simulated chest accelerometer (the default) and again with
``--no-acc`` (breathing read from the heart rhythm only), and analyses it as
``resonant analyze --json`` does. It prints one row per model and seed: heart rate,
RMSSD and mean coherence ratio in the baseline and the stressor, and the stressor's
breathing rate (or the reason it is empty) from both recordings, beside the person's
true rate over the phase; then, per model, how many seeds meet issue 16's goals (HR up,
RMSSD down, stressor coherence not above baseline's, breathing within 1.5 breaths/min of
the true rate or empty with its reason). The true rate is the same simulated person
(seed, model, no guide) moved to threat at the phase's onset, its breaths per minute over
the phase: about 17.5 rather than the threat state's 18, since the phase holds the 30-s
change from rest's 14/min and a person's own rate wanders. It asserts nothing;
``tests/analysis/test_threat_state.py`` does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from resonant.devices.physiology import PROFILES  # noqa: E402
from tests.analysis.threat_runs import record_phases as phases  # noqa: E402
from tests.analysis.threat_runs import true_rate_bpm  # noqa: E402

TRUE_BPM = PROFILES["threat"].own_rate_bpm


def _rate(ph: dict[str, Any]) -> str:
    rate = ph["breathing_rate_bpm"]
    return f"{rate:5.1f}" if rate is not None else f"empty ({ph['breathing_reason']})"


def _rate_ok(ph: dict[str, Any], truth: float) -> bool:
    rate = ph["breathing_rate_bpm"]
    if rate is None:
        return bool(ph["breathing_reason"])
    return bool(abs(rate - truth) <= 1.5)


def _seeds(text: str) -> list[int]:
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def main_(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="resonator,delay")
    ap.add_argument("--seeds", default="1-12")
    ap.add_argument("--no-acc-only", action="store_true", help="skip the accelerometer runs")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models.split(","):
            print(f"\n{model}: baseline -> stressor (threat state's own rate {TRUE_BPM:g}/min)")
            print(f"{'seed':>4} {'HR':>13} {'RMSSD':>13} {'coherence':>11} ok  true  "
                  f"{'rate (acc)':<36} rate (--no-acc)")  # fmt: skip
            counts = {"hr": 0, "rmssd": 0, "coherence": 0, "rate acc": 0, "rate no-acc": 0}
            seeds = _seeds(args.seeds)
            for seed in seeds:
                no_acc = phases(Path(tmp) / f"{model}-{seed}-n", model, seed, acc=False)
                base, stress = no_acc[0], no_acc[1]
                with_acc = None
                if not args.no_acc_only:
                    with_acc = phases(Path(tmp) / f"{model}-{seed}-a", model, seed, acc=True)[1]
                hr_ok = stress["hr_mean_bpm"] > base["hr_mean_bpm"] + 8
                rm_ok = stress["rmssd_ms"] < base["rmssd_ms"]
                co_ok = stress["coherence_mean"] <= base["coherence_mean"]
                counts["hr"] += hr_ok
                counts["rmssd"] += rm_ok
                counts["coherence"] += co_ok
                truth = true_rate_bpm(model, seed, stress)
                counts["rate no-acc"] += _rate_ok(stress, truth)
                if with_acc is not None:
                    counts["rate acc"] += _rate_ok(with_acc, truth)
                print(
                    f"{seed:4d} {base['hr_mean_bpm']:5.1f}->{stress['hr_mean_bpm']:5.1f} "
                    f"{base['rmssd_ms']:5.1f}->{stress['rmssd_ms']:5.1f} "
                    f"{base['coherence_mean']:4.2f}->{stress['coherence_mean']:4.2f} "
                    f"{'yes' if co_ok else 'NO '} {truth:4.1f}  "
                    f"{_rate(with_acc) if with_acc is not None else '-':<36} {_rate(stress)}"
                )
            n = len(seeds)
            print("goals met: " + ", ".join(f"{k} {v}/{n}" for k, v in counts.items()))


if __name__ == "__main__":
    main_()
