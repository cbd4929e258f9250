import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from resonant.signal.rolling import rolling_quantiles


def naive(x, width, q):
    h = width // 2
    return np.array([np.quantile(x[max(0, i - h) : i + h + 1], q) for i in range(x.size)])


@settings(max_examples=60, deadline=None)
@given(
    x=arrays(np.float64, st.integers(1, 300), elements=st.floats(-1e4, 1e4)),
    width=st.sampled_from([1, 3, 11, 91]),
    q=st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]),
)
def test_matches_a_plain_loop_over_np_quantile(x, width, q):
    (got,) = rolling_quantiles(x, width, (q,))
    np.testing.assert_allclose(got, naive(x, width, q), rtol=1e-12, atol=1e-9)


def test_several_quantiles_from_one_call_and_chunk_boundaries():
    x = np.random.default_rng(0).normal(size=5000)
    q1, q3 = rolling_quantiles(x, 91, (0.25, 0.75))
    np.testing.assert_allclose(q1, naive(x, 91, 0.25))
    np.testing.assert_allclose(q3, naive(x, 91, 0.75))
    assert np.all(q3 >= q1)


def test_even_width_is_refused():
    import pytest

    with pytest.raises(ValueError, match="odd"):
        rolling_quantiles(np.zeros(5), 4, (0.5,))


def reference(x, width, qs):
    """The previous implementation, verbatim: sort every inf-padded window, fancy-index."""
    x = np.asarray(x, dtype=np.float64)
    n, h = x.size, width // 2
    outs = [np.empty(n) for _ in qs]
    if n == 0:
        return outs
    padded = np.concatenate([np.full(h, np.inf), x, np.full(h, np.inf)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, width)
    sizes = np.minimum(np.arange(n) + h, n - 1) - np.maximum(np.arange(n) - h, 0) + 1
    for start in range(0, n, 2048):
        stop = min(start + 2048, n)
        rows = np.sort(windows[start:stop], axis=1)
        m = sizes[start:stop]
        r = np.arange(stop - start)
        for q, out in zip(qs, outs, strict=True):
            pos = q * (m - 1)
            lo = np.floor(pos).astype(np.intp)
            hi = np.minimum(lo + 1, m - 1)
            a = rows[r, lo]
            out[start:stop] = a + (pos - lo) * (rows[r, hi] - a)
    return outs


QS = (0.0, 0.1, 0.25, 0.5, 0.75, 1 / 3, 1.0)


@settings(max_examples=150, deadline=None)
@given(
    x=st.one_of(
        arrays(np.float64, st.integers(0, 400), elements=st.floats(-1e4, 1e4)),
        # Few distinct values: many ties inside every window.
        arrays(np.float64, st.integers(0, 400), elements=st.sampled_from([0.0, 1.0, 2.5, 7.0])),
    ),
    width=st.sampled_from([1, 3, 5, 11, 91]),
    chunk=st.sampled_from([None, 1, 7, 64]),
)
def test_bit_identical_to_the_previous_implementation(x, width, chunk):
    """Every path (cached plans, chunks with shrunk edge rows) gives the same bits."""
    import resonant.signal.rolling as rolling

    expected = reference(x, width, QS)
    saved = rolling._CHUNK_ROWS, rolling._PLAN_MAX
    try:
        if chunk is not None:  # force the chunked path, with edges inside and across chunks
            rolling._CHUNK_ROWS, rolling._PLAN_MAX = chunk, 0
        got = rolling.rolling_quantiles(x, width, QS)
    finally:
        rolling._CHUNK_ROWS, rolling._PLAN_MAX = saved
    for g, e in zip(got, expected, strict=True):
        assert np.array_equal(g, e)


def test_bit_identical_on_a_long_series_across_chunks():
    x = np.round(np.random.default_rng(3).normal(850, 40, size=9001))  # ties, 5 chunks
    for width, qs in ((91, (0.25, 0.75)), (11, (0.5,))):
        for g, e in zip(rolling_quantiles(x, width, qs), reference(x, width, qs), strict=True):
            assert np.array_equal(g, e)
