import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resonant.signal.rpeaks import REFRACTORY_S, detect_r_peaks, r_peak_times_s

FS = 130.0  # the Polar H10's ECG rate

# PQRST as Gaussians: (amplitude µV, delay after R s, width s)
NORMAL = ((120.0, -0.165, 0.022), (-110.0, -0.028, 0.009), (1250.0, 0.0, 0.011),
          (-320.0, 0.030, 0.011), (300.0, 0.270, 0.050))  # fmt: skip
TALL_T = ((100.0, -0.16, 0.02), (900.0, 0.0, 0.012), (-200.0, 0.03, 0.012),
          (700.0, 0.24, 0.04))  # fmt: skip


def beat_times(hr_bpm: float, duration_s: float, rng: np.random.Generator, sd_ms=25.0):
    rr = 60.0 / hr_bpm + rng.normal(0.0, sd_ms / 1000.0, int(duration_s * hr_bpm / 60.0) + 5)
    t = 0.35 + np.cumsum(np.concatenate(([0.0], rr)))
    return t[t < duration_s - 0.35]


def synth_ecg(r_times, fs, duration_s, template=NORMAL, scale=None):
    n = round(duration_s * fs)
    t = np.arange(n) / fs
    x = np.zeros(n)
    for k, tr in enumerate(r_times):
        g = 1.0 if scale is None else scale[k]
        for amp, delay, width in template:
            x += g * amp * np.exp(-0.5 * ((t - tr - delay) / width) ** 2)
    return x


def assert_same_beats(found, r_times, fs, tol_samples=1):
    truth = np.round(np.asarray(r_times) * fs).astype(int)
    assert found.size == truth.size, (found.size, truth.size)
    assert np.max(np.abs(found - truth)) <= tol_samples


# --- closed forms ------------------------------------------------------------------------


@pytest.mark.parametrize("fs", [130.0, 250.0, 500.0])
@pytest.mark.parametrize("period_s", [0.4, 0.8, 1.5])
@pytest.mark.parametrize("first", [0, 3, 40])
def test_a_spike_train_gives_exactly_its_indices(fs, period_s, first):
    n = round(12.0 * fs)
    period = round(period_s * fs)
    x = np.zeros(n)
    expected = np.arange(first, n, period)
    x[expected] = 1000.0
    np.testing.assert_array_equal(detect_r_peaks(x, fs), expected)


def test_indices_are_intp_and_sorted():
    x = np.zeros(1300)
    x[65::130] = 1.0
    found = detect_r_peaks(x.tolist(), FS)
    assert found.dtype == np.intp
    assert np.all(np.diff(found) > 0)


def test_parabolic_interpolation_is_exact_on_a_parabolic_peak():
    n = 400
    centres = [50.3, 150.0, 249.75, 330.4]
    i = np.arange(n, dtype=float)
    x = np.zeros(n)
    for c in centres:
        x = np.maximum(x, 1000.0 - 40.0 * (i - c) ** 2)
    peaks = np.rint(centres).astype(np.intp)
    np.testing.assert_allclose(r_peak_times_s(x, FS, peaks) * FS, centres, atol=1e-9)
    # the same on an inverted lead
    np.testing.assert_allclose(r_peak_times_s(-x, FS, peaks) * FS, centres, atol=1e-9)


def test_interpolation_keeps_edge_peaks_and_flat_tops_on_their_sample():
    x = np.zeros(50)
    x[0] = 5.0
    x[20:23] = 3.0  # a flat top: no bend, no offset
    np.testing.assert_array_equal(r_peak_times_s(x, 10.0, [0, 21]), [0.0, 2.1])
    assert r_peak_times_s(x, 10.0, []).shape == (0,)
    with pytest.raises(ValueError):
        r_peak_times_s(x, 10.0, [50])


def test_sub_sample_times_follow_the_true_r_peaks_at_130_hz():
    rng = np.random.default_rng(3)
    r = beat_times(72.0, 60.0, rng) + rng.uniform(0, 1 / FS)  # R-peaks between samples
    x = synth_ecg(r, FS, 60.0)
    found = detect_r_peaks(x, FS)
    assert_same_beats(found, r, FS)
    t = r_peak_times_s(x, FS)
    err_ms = (t - r) * 1e3
    assert np.max(np.abs(err_ms)) < 1.5  # against 3.85 ms worst case for whole samples
    np.testing.assert_array_equal(np.rint(r_peak_times_s(x, FS) * FS).astype(int), found)


# --- properties --------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from(["noise", "spikes", "ecg"]),
    n=st.integers(0, 2000),
)
def test_detections_respect_the_refractory_period(seed, kind, n):
    rng = np.random.default_rng(seed)
    if kind == "noise":
        x = rng.standard_normal(n) * rng.uniform(1e-3, 1e3)
    elif kind == "spikes":  # spikes at any spacing, including closer than 200 ms
        x = np.zeros(n)
        x[rng.integers(0, max(n, 1), size=n // 20)] = rng.uniform(100, 2000, size=n // 20)
    else:
        r = np.sort(rng.uniform(0, n / FS, size=max(1, n // 60)))
        x = synth_ecg(r, FS, n / FS) + rng.normal(0, 30, n)
    found = detect_r_peaks(x, FS)
    assert found.dtype == np.intp
    assert np.all((found >= 0) & (found < n))
    assert np.all(np.diff(found) >= round(REFRACTORY_S * FS))


@pytest.mark.parametrize("factor", [1e-3, 0.37, 2.0, 3.7, 1e4, -1.0, -2.5])
def test_indices_do_not_depend_on_scale_or_sign(factor):
    rng = np.random.default_rng(11)
    r = beat_times(75.0, 40.0, rng)
    x = synth_ecg(r, FS, 40.0) + rng.normal(0, 20, round(40.0 * FS))
    base = detect_r_peaks(x, FS)
    assert_same_beats(base, r, FS)
    np.testing.assert_array_equal(detect_r_peaks(factor * x, FS), base)
    np.testing.assert_array_equal(detect_r_peaks(x + 5000.0, FS), base)


def test_an_inverted_lead_gives_its_r_peaks():
    rng = np.random.default_rng(5)
    r = beat_times(65.0, 30.0, rng)
    x = -synth_ecg(r, FS, 30.0) + rng.normal(0, 15, round(30.0 * FS))
    assert_same_beats(detect_r_peaks(x, FS), r, FS)


# --- robustness --------------------------------------------------------------------------


@pytest.mark.parametrize("hr_bpm", [42.0, 70.0, 120.0, 175.0])
def test_robust_to_baseline_wander_and_moderate_noise(hr_bpm):
    rng = np.random.default_rng(int(hr_bpm))
    duration = 60.0
    r = beat_times(hr_bpm, duration, rng, sd_ms=min(25.0, 6000.0 / hr_bpm / 10))
    t = np.arange(round(duration * FS)) / FS
    wander = 400.0 * np.sin(2 * np.pi * 0.25 * t) + 800.0 * np.sin(2 * np.pi * 0.03 * t + 1.0)
    noise = rng.normal(0.0, 60.0, t.size)  # 5 % of the R amplitude
    x = synth_ecg(r, FS, duration) + wander + noise
    assert_same_beats(detect_r_peaks(x, FS), r, FS)


def test_tall_t_waves_are_not_beats():
    rng = np.random.default_rng(8)
    r = beat_times(80.0, 40.0, rng)
    x = synth_ecg(r, FS, 40.0, TALL_T) + rng.normal(0, 20, round(40.0 * FS))
    assert_same_beats(detect_r_peaks(x, FS), r, FS)


def test_premature_beats_and_pauses_are_found():
    r = [0.5]
    for rr in [0.85, 0.85, 0.85, 0.55, 1.15, 0.85, 0.85, 0.5, 1.2, 0.85, 0.85, 0.85, 0.85]:
        r.append(r[-1] + rr)
    rng = np.random.default_rng(2)
    x = synth_ecg(r, FS, r[-1] + 0.6) + rng.normal(0, 20, round((r[-1] + 0.6) * FS))
    assert_same_beats(detect_r_peaks(x, FS), r, FS)


def test_a_small_beat_is_recovered_by_search_back():
    r = 0.5 + 0.8 * np.arange(30)
    scale = np.ones(r.size)
    scale[15] = 0.45  # integrated energy about 0.2 of the others: under the first threshold
    rng = np.random.default_rng(4)
    x = synth_ecg(r, FS, r[-1] + 0.6, scale=scale) + rng.normal(0, 10, round((r[-1] + 0.6) * FS))
    assert_same_beats(detect_r_peaks(x, FS), r, FS)


@pytest.mark.parametrize(
    "x",
    [[], [1.0], [0.0] * 4, [1.0, 2.0, 3.0, 4.0, 5.0], np.zeros(5000), np.full(3000, 812.0),
     np.arange(2000.0), np.tile([0.0, 1.0], 500)],
    ids=["empty", "one", "four", "five-ramp", "zeros", "constant", "ramp", "alternating"],
)  # fmt: skip
def test_no_crash_on_flat_or_tiny_inputs(x):
    found = detect_r_peaks(x, FS)
    assert found.dtype == np.intp
    assert np.all(np.diff(found) >= round(REFRACTORY_S * FS))
    assert r_peak_times_s(x, FS).shape == found.shape
    a = np.asarray(x, dtype=float)
    if a.size < 5 or np.ptp(a) == 0:
        assert found.size == 0


@pytest.mark.parametrize(
    ("x", "fs"),
    [([1.0, np.nan, 2.0], FS), ([1.0, np.inf], FS), (np.zeros((3, 3)), FS), ([1.0], 0.0),
     ([1.0], -130.0), ([1.0], float("nan"))],
)  # fmt: skip
def test_bad_input_raises_value_error(x, fs):
    with pytest.raises(ValueError):
        detect_r_peaks(x, fs)


# --- a real ECG (BITalino, 1000 Hz, shipped with pyhrv), also resampled to 130 Hz --------


@pytest.fixture(scope="module")
def real_ecg_1000hz():
    spec = importlib.util.find_spec("pyhrv")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the pyhrv package (a real ECG, read as data) is missing")
    path = Path(next(iter(spec.submodule_search_locations))) / "files" / "SampleECG.txt"
    return np.loadtxt(path, usecols=5)  # column A2: the ECG channel, 22 s


def test_real_ecg_at_1000_hz_and_resampled_to_130_hz(real_ecg_1000hz):
    x = real_ecg_1000hz
    fine = detect_r_peaks(x, 1000.0)
    assert fine.size == 29
    rr_ms = np.diff(fine)
    assert 700 <= rr_ms.min() and rr_ms.max() <= 900
    # resample to 130 Hz (band-limited, through the spectrum) as the H10 would sample
    m = round(x.size * FS / 1000.0)
    y = np.fft.irfft(np.fft.rfft(x - x.mean())[: m // 2 + 1], m) * m / x.size
    coarse = r_peak_times_s(y, FS)
    assert coarse.size == fine.size
    assert np.max(np.abs(coarse - fine / 1000.0)) < 1.0 / FS
    assert np.max(np.abs(np.diff(coarse) * 1e3 - rr_ms)) < 1.0 / FS * 1e3
