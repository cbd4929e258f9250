"""The spectral building blocks: the cubic spline, the tridiagonal solver, the periodogram,
and whole-recording LF/HF against the 4 Hz cubic-spline convention (Kubios, NeuroKit2)."""

import warnings

import numpy as np
import pytest

from resonant.devices.synthetic import RRSpec, synth_rr
from resonant.signal.coherence import short_spectra, spectra_and_psd, window_psd
from resonant.signal.offline import analyze_rr
from resonant.signal.spectrum import (
    cubic_spline_interp,
    hann,
    periodogram,
    solve_tridiagonal,
)
from tests.conftest import REFERENCE


def knots(n, seed=0):
    rng = np.random.default_rng(seed)
    xp = np.cumsum(rng.uniform(0.4, 1.5, n))
    return xp, rng.normal(800.0, 50.0, n)


@pytest.mark.parametrize("n", [4, 5, 9, 200, 5000])
def test_spline_passes_through_every_knot(n):
    xp, fp = knots(n)
    assert cubic_spline_interp(xp, xp, fp) == pytest.approx(fp, abs=1e-9)


@pytest.mark.parametrize("n", [2, 3, 7, 50])
def test_spline_reproduces_a_cubic_polynomial_exactly(n):
    # Closed form: a not-a-knot spline of a cubic polynomial is that polynomial.
    xp, _ = knots(max(n, 2), seed=n)
    deg = min(3, n - 1)
    coef = [3.0, -2.0, 0.5, -0.01][: deg + 1]
    f = np.polynomial.Polynomial(coef)
    x = np.linspace(xp[0], xp[-1], 1000)
    assert cubic_spline_interp(x, xp, f(xp)) == pytest.approx(f(x), abs=1e-8)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 10, 1000, 100_000])
def test_spline_agrees_with_scipy_cubic_spline(n):
    from scipy.interpolate import CubicSpline

    xp, fp = knots(n, seed=n)
    x = np.linspace(xp[0], xp[-1], 3 * n)
    assert cubic_spline_interp(x, xp, fp) == pytest.approx(CubicSpline(xp, fp)(x), abs=1e-8)


def test_tridiagonal_solver_agrees_with_a_dense_solve():
    rng = np.random.default_rng(3)
    n = 300
    lower, upper = rng.uniform(0.1, 1.0, n), rng.uniform(0.1, 1.0, n)
    diag = lower + upper + rng.uniform(0.1, 1.0, n)
    rhs = rng.normal(size=n)
    a = np.diag(diag) + np.diag(lower[1:], -1) + np.diag(upper[:-1], 1)
    assert solve_tridiagonal(lower, diag, upper, rhs) == pytest.approx(
        np.linalg.solve(a, rhs), abs=1e-10
    )


@pytest.mark.parametrize("keep", [None, 1, 213, 513])
def test_periodogram_agrees_with_scipy_and_keeps_the_first_bins(keep):
    from scipy.signal import periodogram as sp_periodogram

    x = np.random.default_rng(4).normal(size=(3, 128))
    f, p = periodogram(x, 2.0, 1024, hann(128), keep)
    f_ref, p_ref = sp_periodogram(x, 2.0, window="hann", nfft=1024, detrend=False)
    k = f.size
    assert k == (513 if keep is None else keep)
    assert f == pytest.approx(f_ref[:k])
    assert p == pytest.approx(p_ref[:, :k], rel=1e-10, abs=1e-12)


def test_one_periodogram_gives_the_live_spectra_and_the_display_psd():
    rr = synth_rr(RRSpec(), 120.0, seed=5)
    t = np.cumsum(rr) / 1000
    spec, (f, psd) = spectra_and_psd(t, rr, float(t[-1]))
    ref = short_spectra(t, rr, np.array([t[-1]]))
    f_ref, psd_ref = window_psd(t, rr, float(t[-1]))
    assert spec.coherence_ratio == pytest.approx(ref.coherence_ratio)
    assert spec.hf_ms2 == pytest.approx(ref.hf_ms2)
    assert f == pytest.approx(f_ref) and psd == pytest.approx(psd_ref)


# -- whole-recording LF/HF against the 4 Hz cubic-spline convention ------------------------


def protocol_like():
    """A protocol session's shape: 5 min threat-like, then 6 min slow breathing."""
    threat = RRSpec(mean_ms=650, breath_hz=0.3, breath_ms=6, mayer_hz=0.1, mayer_ms=4,
                    drift_ms=12, noise_ms=4)  # fmt: skip
    slow = RRSpec(mean_ms=900, breath_hz=0.092, breath_ms=45, mayer_hz=0.09, mayer_ms=8,
                  drift_ms=20, noise_ms=10)  # fmt: skip
    return np.concatenate([synth_rr(threat, 300.0, seed=31), synth_rr(slow, 360.0, seed=32)])


def recordings():
    out = {n: np.loadtxt(REFERENCE / f"{n}.txt") for n in
           ("slow-breathing", "spontaneous", "threat-like")}  # fmt: skip
    out["protocol-like"] = protocol_like()
    return out


def welch_reference(grid_values, fs=4.0, segment_s=300.0):
    """Welch by scipy: 300-s periodic-Hann segments, half overlap, linear detrend."""
    from scipy.signal import welch

    n = min(int(segment_s * fs), grid_values.size)
    f, p = welch(grid_values, fs, window="hann", nperseg=n, noverlap=n // 2, detrend="linear")
    df = f[1] - f[0]
    return tuple(float(p[(f >= lo) & (f < hi)].sum() * df) for lo, hi in ((0.04, 0.15), (0.15, 0.4)))


@pytest.mark.parametrize("name", ["slow-breathing", "spontaneous", "threat-like", "protocol-like"])
def test_lf_hf_follow_the_kubios_cubic_spline_convention_within_10_percent(name):
    """Kubios: RR resampled by a cubic spline at 4 Hz, then Welch (Tarvainen et al. 2014);
    built here from scipy's CubicSpline and welch, independent of our code."""
    from scipy.interpolate import CubicSpline

    rr = recordings()[name]
    t = np.cumsum(rr) / 1000
    res = analyze_rr(t, rr)
    grid = np.arange(t[0], t[-1], 0.25)
    lf, hf = welch_reference(CubicSpline(t, rr)(grid))
    assert res.lf_ms2 == pytest.approx(lf, rel=0.10)
    assert res.hf_ms2 == pytest.approx(hf, rel=0.10)


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["slow-breathing", "spontaneous", "threat-like", "protocol-like"])
def test_lf_hf_agree_with_neurokit2_cubic_interpolation_within_10_percent(name):
    """NeuroKit2's own resampling (``intervals_process`` with its cubic method at 4 Hz),
    fed to the same 300-s Welch. NeuroKit2's ``hrv_frequency`` defaults differ in the
    PSD, not the interpolation: quadratic at 100 Hz and a Welch window of half the
    recording (see docs/research-guide.md)."""
    from neurokit2.hrv.intervals_process import intervals_process

    rr = recordings()[name]
    t = np.cumsum(rr) / 1000
    res = analyze_rr(t, rr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x, _, _ = intervals_process(
            rr, intervals_time=t, interpolate=True, interpolation_rate=4, method="cubic"
        )
    lf, hf = welch_reference(np.asarray(x)[: np.arange(t[0], t[-1], 0.25).size])
    assert res.lf_ms2 == pytest.approx(lf, rel=0.10)
    assert res.hf_ms2 == pytest.approx(hf, rel=0.10)


def test_the_chunked_slope_solve_equals_one_solve_bit_for_bit(monkeypatch):
    # Issue 18: a long spline system is solved a chunk at a time with a margin of
    # neighbours. Alternating knot spacings need four reduction steps, others five, so
    # the chunks that stopped early are solved again to the common step.
    import resonant.signal.spectrum as sp

    rng = np.random.default_rng(18)
    n = 40_000
    h = rng.uniform(0.3, 1.6, n)
    h[:15_000] = np.tile([1.0, 1000.0], 7_500)
    xp = np.cumsum(h)
    fp = rng.normal(800.0, 60.0, n)
    ends = sp._end_rows(xp, fp)
    whole = sp._reduce_cyclic(*sp._slope_rows(xp, fp, 0, n - 2, ends))
    monkeypatch.setattr(sp, "_SOLVE_CHUNK", 2_000)
    steps = []
    solve_chunk = sp._solve_chunk

    def spy(*args):
        k = solve_chunk(*args)
        steps.append(k)
        return k

    monkeypatch.setattr(sp, "_solve_chunk", spy)
    out = np.empty(n - 2)
    assert sp._solve_chunked(xp, fp, ends, out)
    assert {4, 5} <= set(steps)
    np.testing.assert_array_equal(out, whole)
    m = sp._not_a_knot_slopes(xp, fp)
    np.testing.assert_array_equal(m[1:-1], whole)


@pytest.mark.parametrize("step", [0.25, 0.5, 1 / 3])
def test_a_part_of_a_grid_has_the_values_of_numpy_arange(step):
    from resonant.signal.spectrum import _arange_part, _arange_size

    rng = np.random.default_rng(int(step * 100))
    for _ in range(200):
        start = np.float64(rng.uniform(0.0, 1.0) if rng.random() < 0.3 else rng.uniform(0, 1e6))
        stop = start + rng.uniform(0.0, 3000.0)
        grid = np.arange(start, stop, step)
        assert _arange_size(start, stop, step) == grid.size
        lo = int(rng.integers(0, max(1, grid.size)))
        hi = int(rng.integers(lo, grid.size + 1))
        np.testing.assert_array_equal(_arange_part(start, step, lo, hi), grid[lo:hi])


def test_welch_segments_are_the_resampled_series_cut_and_detrended():
    # The series is resampled a few windows at a time (issue 18); the segments must be
    # those of the whole 4 Hz series resampled at once.
    from numpy.lib.stride_tricks import sliding_window_view

    from resonant.signal.spectrum import detrend_linear, welch_batches, welch_segments

    rr = synth_rr(RRSpec(), 3_600.0, seed=18)
    t = np.cumsum(rr) / 1000.0
    x = cubic_spline_interp(np.arange(t[0], t[-1], 0.25), t, rr)
    want = detrend_linear(sliding_window_view(x, 1200)[::600])
    got = welch_segments(t, rr, 300.0)
    assert got.shape == want.shape == (23, 1200)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    batches = list(welch_batches(t, rr, 300.0, 4.0, 5))
    assert [b.shape[0] for b in batches] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(np.concatenate(batches), got)
