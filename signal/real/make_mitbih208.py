"""Make ``mitbih-208-excerpt.txt`` from SciPy's copy of MIT-BIH record 208 (an excerpt).

SciPy up to 1.13 shipped a 5-minute excerpt (19:35-24:35) of MIT-BIH Arrhythmia
Database record 208, lead MLII, 360 Hz, as ``scipy/misc/ecg.dat`` (the data of the
deprecated ``scipy.misc.electrocardiogram``). Newer SciPy fetches it at run time, which
tests may not do, so the RR intervals are stored here. Run once, from the repository
root, with the ``ecg.dat`` of such a SciPy wheel (for example scipy 1.11.4,
sha256 of ecg.dat in README.md):

    .venv/bin/python signal/real/make_mitbih208.py path/to/scipy/misc/ecg.dat

The R-peaks are found by resonant's own detector (:func:`resonant.signal.rpeaks.detect_r_peaks`,
Pan-Tompkins); each RR interval is the distance between two peaks in samples x 1000/360 ms,
written with 4 decimals, one per line (the RR text format ``resonant analyze`` reads).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from resonant.signal.rpeaks import detect_r_peaks

FS_HZ = 360.0
OUT = Path(__file__).resolve().parent / "mitbih-208-excerpt.txt"


def main(ecg_dat: str) -> None:
    with np.load(ecg_dat) as f:
        raw = f["ecg"].astype(int)
    ecg_uv = (raw - 1024) / 200.0 * 1000.0  # ADC units -> mV (SciPy's conversion) -> µV
    peaks = detect_r_peaks(ecg_uv, FS_HZ)
    rr_ms = np.diff(peaks) * 1000.0 / FS_HZ
    OUT.write_text("".join(f"{v:.4f}\n" for v in rr_ms), encoding="utf-8")
    print(f"{OUT}: {rr_ms.size} RR intervals from {peaks.size} R-peaks")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_mitbih208.py path/to/scipy/misc/ecg.dat")
    main(sys.argv[1])
