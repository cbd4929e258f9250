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
