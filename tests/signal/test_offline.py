import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resonant.devices.synthetic import RRSpec, synth_rr
from resonant.signal.offline import analyze_rr
from tests.conftest import REFERENCE

EXPECTED = json.loads((REFERENCE / "expected.json").read_text())["recordings"]


def load(name):
    return np.loadtxt(REFERENCE / f"{name}.txt")


def nk_frequency(rr):
    import neurokit2 as nk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = nk.hrv_frequency({"RRI": rr, "RRI_Time": np.cumsum(rr) / 1000}, normalize=False)
    return float(fd["HRV_LF"].iloc[0]), float(fd["HRV_HF"].iloc[0])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reference_recordings_match_the_stored_neurokit2_values(name):
    rr = load(name)
    res = analyze_rr(np.cumsum(rr) / 1000, rr)
    ref = EXPECTED[name]["neurokit2"]
    # Our figures are after artifact correction (at most a few false flags on these).
    assert res.corrected_pct < 0.5
    assert res.time.rmssd_ms == pytest.approx(ref["rmssd_ms"], rel=0.02)
    assert res.time.sdnn_ms == pytest.approx(ref["sdnn_ms"], rel=0.02)
    assert res.time.hr_mean_bpm == pytest.approx(ref["hr_mean_bpm"], rel=0.005)


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_stored_values_are_still_what_neurokit2_gives(name):
    import neurokit2 as nk

    rr = load(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        td = nk.hrv_time({"RRI": rr, "RRI_Time": np.cumsum(rr) / 1000})
    assert float(td["HRV_RMSSD"].iloc[0]) == pytest.approx(EXPECTED[name]["neurokit2"]["rmssd_ms"])


@pytest.mark.oracle
@pytest.mark.parametrize(
    "which", ["slow-breathing", "spontaneous", "threat-like", "real_long", "real_short"]
)
def test_lf_and_hf_power_agree_with_neurokit2_within_25_percent(which, real_nn_long, real_nn_short):
    rr = {"real_long": real_nn_long, "real_short": real_nn_short}.get(which)
    rr = load(which) if rr is None else rr
    res = analyze_rr(np.cumsum(rr) / 1000, rr)
    lf, hf = nk_frequency(rr)
    assert res.lf_ms2 == pytest.approx(lf, rel=0.25)
    assert res.hf_ms2 == pytest.approx(hf, rel=0.25)


def test_slow_breathing_is_coherent_and_spontaneous_is_not():
    slow, spont = load("slow-breathing"), load("spontaneous")
    a = analyze_rr(np.cumsum(slow) / 1000, slow)
    b = analyze_rr(np.cumsum(spont) / 1000, spont)
    assert a.coherence_mean > 2 > 1 > b.coherence_mean
    assert a.breathing_rate_bpm == pytest.approx(6.0, abs=0.3)
    assert b.breathing_rate_bpm == pytest.approx(15.0, abs=0.5)
    assert a.lf_hf > 5 > 1 > b.lf_hf


def test_artifact_truth_file_is_found():
    rr = load("with-artifacts")
    truth = np.loadtxt(REFERENCE / "with-artifacts.truth.tsv", skiprows=1, usecols=0, dtype=int)
    res = analyze_rr(np.cumsum(rr) / 1000, rr)
    flagged = np.flatnonzero(res.artifact_codes)
    found = [np.any(np.abs(flagged - i) <= 1) for i in truth]
    assert np.mean(found) >= 0.95


def test_gaps_split_the_recording_and_short_stretches_say_why():
    rr = synth_rr(RRSpec(noise_ms=10), 400, seed=1)
    t = np.cumsum(rr) / 1000
    t[200:] += 60.0  # a disconnect of one minute
    res = analyze_rr(t, rr, np.array([0, 200]))
    assert res.segments == 2
    assert res.time.n == rr.size
    whole = analyze_rr(np.cumsum(rr) / 1000, rr)
    # The jump across the gap is not a successive difference.
    assert res.time.rmssd_ms == pytest.approx(whole.time.rmssd_ms, rel=0.05)
    short = synth_rr(RRSpec(), 50, seed=2)
    r = analyze_rr(np.cumsum(short) / 1000, short)
    assert r.coherence_mean is None and r.lf_ms2 is None
    assert any("64 s" in n for n in r.notes) and any("120 s" in n for n in r.notes)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(float("nan"))),
        min_size=1, max_size=60,
    )
)
def test_the_median_without_numpy_ma_equals_numpys(values) -> None:
    """Closed form: ``_median`` gives numpy's median exactly (NaN when any value is NaN)."""
    from resonant.signal.rsa_breathing import _median

    x = np.array(values)
    expected = float(np.median(x))
    got = _median(x)
    assert (np.isnan(got) and np.isnan(expected)) or got == expected


def test_ring_slice_writes_keep_every_row() -> None:
    """Property: chunks that wrap, and column rewrites, keep the held rows exactly."""
    from resonant.signal.ring import Ring

    rng = np.random.default_rng(0)
    ring = Ring(50, 2)
    rows: list[np.ndarray] = []
    for _ in range(200):
        k = int(rng.integers(1, 30))
        chunk = rng.normal(size=(k, 2))
        rows.append(chunk)
        ring.extend(chunk)
        kept = np.concatenate(rows)[-50:]
        np.testing.assert_array_equal(ring.view(ring.start), kept)
        at = int(rng.integers(ring.start, ring.end))
        values = rng.normal(size=ring.end - at)
        ring.write_column(at, 1, values)
        kept[at - ring.start :, 1] = values
        rows = [kept.copy()]
        np.testing.assert_array_equal(ring.view(ring.start), kept)
