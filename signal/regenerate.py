"""Regenerate the reference recordings in signal/reference/ and their expected values.

Run from the repository root with the test environment:

    .venv/bin/python signal/regenerate.py

It writes:

- ``reference/*.txt``: RR text files (ms, 4 decimals, one per line) made by
  :mod:`resonant.devices.synthetic` with fixed seeds, so the content is known exactly;
- ``reference/with-artifacts.truth.tsv``: where the artifacts were injected;
- ``reference/expected.json``: time- and frequency-domain HRV of each clean recording
  computed by NeuroKit2 (an independent implementation), with the versions used.

The tests compare ``resonant analyze`` with ``expected.json`` and check that NeuroKit2,
where installed, still gives the stored values. Real recordings are not stored here
(no licence lets us redistribute one); the tests read two real NN series from the pyhrv
package at test time instead.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np

from resonant.devices.synthetic import RRSpec, inject_artifacts, synth_rr
from resonant.signal.artifacts import ARTIFACT_NAMES

HERE = Path(__file__).resolve().parent / "reference"

#: name -> (what it is, spec, duration s, seed)
RECORDINGS: dict[str, tuple[str, RRSpec, float, int]] = {
    "slow-breathing": (
        "10 min breathing at 6 breaths/min: large, regular oscillation (high coherence)",
        RRSpec(mean_ms=900, breath_hz=0.1, breath_ms=45, mayer_hz=0.09, mayer_ms=8,
               drift_ms=20, noise_ms=10),
        600.0, 11,
    ),
    "spontaneous": (
        "10 min spontaneous breathing at 15 breaths/min with a Mayer wave (low coherence)",
        RRSpec(mean_ms=780, breath_hz=0.25, breath_ms=18, mayer_hz=0.1, mayer_ms=10,
               drift_ms=25, noise_ms=12),
        600.0, 12,
    ),
    "threat-like": (
        "5 min fast, shallow heart rhythm: high heart rate, little variability",
        RRSpec(mean_ms=640, breath_hz=0.3, breath_ms=6, mayer_hz=0.1, mayer_ms=4,
               drift_ms=12, noise_ms=4),
        300.0, 13,
    ),
}  # fmt: skip


def _neurokit(rr: np.ndarray) -> dict[str, float]:
    import neurokit2 as nk

    data = {"RRI": rr, "RRI_Time": np.cumsum(rr) / 1000.0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        td = nk.hrv_time(data)
        fd = nk.hrv_frequency(data)
    return {
        "hr_mean_bpm": 60000.0 / float(td["HRV_MeanNN"].iloc[0]),
        "rmssd_ms": float(td["HRV_RMSSD"].iloc[0]),
        "sdnn_ms": float(td["HRV_SDNN"].iloc[0]),
        "pnn50_pct": float(td["HRV_pNN50"].iloc[0]),
        "lf_ms2": float(fd["HRV_LF"].iloc[0]),
        "hf_ms2": float(fd["HRV_HF"].iloc[0]),
        "lf_hf": float(fd["HRV_LFHF"].iloc[0]),
    }


def main() -> int:
    import neurokit2 as nk

    HERE.mkdir(parents=True, exist_ok=True)
    expected: dict[str, object] = {
        "generated_by": "signal/regenerate.py",
        "oracle": f"neurokit2 {nk.__version__} (hrv_time, hrv_frequency with defaults)",
        "numpy": np.__version__,
        "recordings": {},
    }
    for name, (what, spec, duration, seed) in RECORDINGS.items():
        rr = synth_rr(spec, duration, seed)
        np.savetxt(HERE / f"{name}.txt", rr, fmt="%.4f", header=f"{what}\nRR intervals, ms",
                   comments="# ")  # fmt: skip
        expected["recordings"][name] = {"description": what, "neurokit2": _neurokit(rr)}  # type: ignore[index]

    spec = RECORDINGS["slow-breathing"][1]
    clean = synth_rr(spec, 1200.0, 21)
    inj = inject_artifacts(clean, every=40, seed=21)
    np.savetxt(HERE / "with-artifacts.txt", inj.rr_ms, fmt="%.4f",
               header="20 min slow breathing with ectopic, missed and extra beats injected\n"
               "RR intervals, ms; where: with-artifacts.truth.tsv", comments="# ")  # fmt: skip
    with open(HERE / "with-artifacts.truth.tsv", "w", encoding="utf-8") as f:
        f.write("beat\tkind\n")
        for i, k in zip(inj.index.tolist(), inj.kind.tolist(), strict=True):
            f.write(f"{i}\t{ARTIFACT_NAMES[k]}\n")
    with open(HERE / "expected.json", "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    print(f"wrote {len(RECORDINGS) + 1} recordings and expected.json to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
