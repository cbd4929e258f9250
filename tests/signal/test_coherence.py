import numpy as np
import pytest

from resonant.signal.coherence import coherence_level, short_spectra


def sine_series(sigma_ms: float, seed: int = 0, duration_s: float = 200.0):
    """hrv-spec §5.5: RR = 1000 + 50 sin(2 pi 0.1 t) at each beat time t, plus noise."""
    rng = np.random.default_rng(seed)
    t, out, times = 0.0, [], []
    while t < duration_s:
        rr = 1000 + 50 * np.sin(2 * np.pi * 0.1 * t) + (rng.normal(0, sigma_ms) if sigma_ms else 0)
        out.append(rr)
        t += rr / 1000
        times.append(t)
    return np.array(times), np.array(out)


def ratio(t, nn):
    return float(short_spectra(t, nn, np.array([t[-1]])).coherence_ratio[0])


def test_noise_free_sine_gives_the_pinned_ratio_and_peak():
    t, nn = sine_series(0)
    spec = short_spectra(t, nn, np.array([t[-1]]))
    assert spec.coherence_ratio[0] == pytest.approx(8.3, rel=0.05)
    assert spec.peak_hz[0] == pytest.approx(0.1, abs=0.005)
    assert spec.breath_hz[0] == pytest.approx(0.1, abs=0.005)
    assert spec.coherence_ratio[0] >= 3


def test_ratio_falls_as_noise_rises():
    medians = []
    for sigma in (0, 10, 30, 60):
        medians.append(np.median([ratio(*sine_series(sigma, seed)) for seed in range(10)]))
    assert all(a > b for a, b in zip(medians, medians[1:], strict=False)), medians
    assert medians[-1] < 1.0


def test_white_noise_is_low():
    rng = np.random.default_rng(5)
    values = []
    for _ in range(20):
        nn = 1000 + rng.normal(0, 30, 300)
        values.append(ratio(np.cumsum(nn) / 1000, nn))
    assert np.median(values) < 0.5
    assert max(values) <= 1.0


def test_lf_and_hf_follow_where_the_power_is():
    t = np.cumsum(np.full(200, 1.0))
    slow = 1000 + 40 * np.sin(2 * np.pi * 0.1 * t)
    fast = 1000 + 40 * np.sin(2 * np.pi * 0.25 * t)
    s, f = short_spectra(t, slow, np.array([t[-1]])), short_spectra(t, fast, np.array([t[-1]]))
    assert s.lf_ms2[0] > 10 * s.hf_ms2[0]
    assert f.hf_ms2[0] > 10 * f.lf_ms2[0]
    assert f.breath_hz[0] == pytest.approx(0.25, abs=0.005)
    # Parseval: a sine of amplitude A has variance A^2/2; the band holds most of it.
    assert s.total_ms2[0] == pytest.approx(40**2 / 2, rel=0.1)


def test_many_windows_at_once_equal_one_at_a_time():
    t, nn = sine_series(20, seed=3, duration_s=400)
    ends = t[np.searchsorted(t, [100.0, 150.0, 300.0])]
    batch = short_spectra(t, nn, ends)
    for k, end in enumerate(ends):
        one = short_spectra(t, nn, np.array([end]))
        assert batch.coherence_ratio[k] == pytest.approx(one.coherence_ratio[0], rel=1e-12)


@pytest.mark.parametrize(
    ("ratio_value", "level", "expected"),
    [(0.4, 1, "low"), (0.5, 1, "medium"), (1.8, 1, "high"), (3.0, 2, "medium"), (6.0, 4, "high")],
)
def test_challenge_levels(ratio_value, level, expected):
    assert coherence_level(ratio_value, level) == expected


def test_window_psd_integrates_to_the_band_powers_of_the_same_window() -> None:
    from resonant.signal.coherence import short_spectra, window_psd
    from resonant.signal.spectrum import HF, LF

    rng = np.random.default_rng(3)
    rr = 900 + 60 * np.sin(2 * np.pi * 0.1 * np.arange(150) * 0.9) + rng.normal(0, 10, 150)
    t = np.cumsum(rr) / 1000
    end = t[-1]
    f, psd = window_psd(t, rr, end)
    spec = short_spectra(t, rr, np.array([end]))
    df = f[1] - f[0]

    def band(lo: float, hi: float) -> float:
        return float(psd[(f >= lo) & (f < hi)].sum() * df)

    assert f[0] == 0.0 and f[-1] <= 0.5 + 1e-9
    assert band(LF.lo_hz, LF.hi_hz) == pytest.approx(spec.lf_ms2[0], rel=1e-9)
    assert band(HF.lo_hz, HF.hi_hz) == pytest.approx(spec.hf_ms2[0], rel=1e-9)
    assert abs(f[np.argmax(psd)] - 0.1) < 0.01
