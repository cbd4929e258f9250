"""Shared test fixtures: data locations and real NN recordings."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

# Qt must never look for a screen in tests (set before anything imports Qt).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "signal" / "reference"
FIXTURES = ROOT / "fixtures"


def _pyhrv_file(name: str) -> Path:
    spec = importlib.util.find_spec("pyhrv")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the pyhrv package (real NN recordings, read as data) is missing: run ./dev.sh test"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "files" / name


@pytest.fixture(scope="session")
def real_nn_long() -> np.ndarray:
    """4684 real NN intervals (ms), about 60 min (pyhrv SampleNNISeriesLong, BSD-3)."""
    return np.load(_pyhrv_file("SampleNNISeriesLong.npy")).astype(float)


@pytest.fixture(scope="session")
def real_nn_short() -> np.ndarray:
    """337 real NN intervals (ms), about 5 min (pyhrv SampleNNISeriesShort, BSD-3)."""
    return np.load(_pyhrv_file("SampleNNISeriesShort.npy")).astype(float)
