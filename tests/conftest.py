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


@pytest.fixture(autouse=True)
def _private_settings(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep every test away from the real user's settings (an accepted rate moves the guide)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


def accept_simulated_rate(tmp: Path) -> float:
    """``resonant assess --accept`` on a simulated person resonating at 5 breaths/min.

    Returns the rate now saved in the (private, per-test) settings.
    """
    from resonant.cli import main
    from resonant.config.settings import load_settings

    assert main(["assess", "--simulate", "--sim-resonance", "5.0", "--sim-seed", "1",
                 "--sim-adherence", "1", "--speed", "100000", "--out", str(tmp / "assessment"),
                 "--accept"]) == 0  # fmt: skip
    accepted = load_settings()[0].resonance_bpm
    assert accepted is not None and accepted != 6.0
    return accepted


def first_pacer_rate(folder: Path) -> float:
    """The guide's rate in a session folder's first ``pacer.tsv`` row."""
    from resonant.folder.read import read_pacer

    rows = read_pacer(folder)
    assert rows is not None and rows.rate_bpm.size
    return float(rows.rate_bpm[0])
