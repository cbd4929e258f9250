import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from resonant.devices.synthetic import RRSpec, inject_artifacts, synth_rr
from resonant.signal.artifacts import (
    RR_MAX_MS,
    RR_MIN_MS,
    Artifact,
    CausalCheck,
    classify_artifacts,
    correct_rr,
    range_codes,
)
from resonant.signal.rolling import rolling_quantiles

REALISTIC = RRSpec(mean_ms=900, breath_hz=0.1, breath_ms=40, mayer_hz=0.09, mayer_ms=10,
                   drift_ms=20, noise_ms=12)  # fmt: skip


def found_within_one_beat(codes, index):
    flagged = np.flatnonzero(codes)
    return np.array([np.any(np.abs(flagged - i) <= 1) for i in index])


def false_flags(codes, index):
    """Flagged beats farther than two beats from any injected artifact."""
    flagged = np.flatnonzero(codes)
    if index.size == 0:
        return flagged.size
    return int(sum(np.min(np.abs(index - f)) > 2 for f in flagged))


@pytest.mark.parametrize("seed", range(5))
def test_injected_artifacts_are_found_synthetic(seed):
    inj = inject_artifacts(synth_rr(REALISTIC, 1800, seed), every=50, seed=seed)
    codes = classify_artifacts(inj.rr_ms)
    found = found_within_one_beat(codes, inj.index)
    assert found.mean() >= 0.95, f"found {found.sum()} of {found.size}"
    assert false_flags(codes, inj.index) <= 0.01 * inj.rr_ms.size


def test_injected_artifacts_are_found_in_real_recordings(real_nn_long, real_nn_short):
    for nn, seed in ((real_nn_long, 1), (real_nn_short, 2)):
        inj = inject_artifacts(nn, every=40, seed=seed)
        codes = classify_artifacts(inj.rr_ms)
        assert found_within_one_beat(codes, inj.index).mean() >= 0.95
        assert false_flags(codes, inj.index) <= 0.01 * inj.rr_ms.size


def test_each_kind_gets_its_class():
    rr = synth_rr(RRSpec(breath_ms=30, noise_ms=8), 900, seed=4)
    for kind, expect in [
        (Artifact.MISSED, {Artifact.MISSED}),
        (Artifact.EXTRA, {Artifact.EXTRA}),
        (Artifact.ECTOPIC, {Artifact.ECTOPIC, Artifact.SHORT}),
    ]:
        inj = inject_artifacts(rr, every=60, kinds=(kind,), seed=5)
        codes = classify_artifacts(inj.rr_ms)
        hits = [codes[i] if codes[i] else codes[i + 1] for i in inj.index]
        share = np.mean([h in expect for h in hits])
        assert share >= 0.9, (kind, hits)


def test_clean_synthetic_recordings_are_barely_flagged():
    for seed in range(5):
        rr = synth_rr(REALISTIC, 1800, seed)
        assert np.count_nonzero(classify_artifacts(rr)) <= 0.01 * rr.size


@pytest.mark.oracle
def test_agrees_with_neurokit2_kubios_method_on_real_recordings(real_nn_long, real_nn_short):
    """The pyhrv series hold genuine long beats: both implementations must flag the same ones."""
    import warnings

    import neurokit2 as nk

    for nn in (real_nn_long, real_nn_short):
        peaks = np.concatenate([[0], np.cumsum(nn)]).astype(int)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            info, _ = nk.signal_fixpeaks(
                peaks, sampling_rate=1000, method="Kubios", iterative=False
            )
        theirs = set()
        for key in ("ectopic", "missed", "extra", "longshort"):
            theirs |= {int(p) - 1 for p in np.asarray(info[key])}  # peak k ends interval k-1
        ours = set(np.flatnonzero(classify_artifacts(nn)).tolist())
        assert len(ours & theirs) >= 0.8 * max(len(theirs), len(ours)), (len(ours), len(theirs))
        assert len(ours) <= 0.02 * nn.size


def test_range_failures_are_flagged_and_do_not_spoil_the_rest():
    rr = synth_rr(RRSpec(noise_ms=10), 300, seed=1)
    rr[100] = 4000.0
    rr[200] = 150.0
    codes = classify_artifacts(rr)
    assert codes[100] == Artifact.RANGE and codes[200] == Artifact.RANGE
    assert np.count_nonzero(codes) <= 4


def test_causal_check_is_loose_on_clean_beats(real_nn_long):
    for nn in (real_nn_long, synth_rr(REALISTIC, 3600, 7)):
        check = CausalCheck()
        flags = [check.check(v) for v in nn]
        assert np.count_nonzero(flags) <= 0.01 * nn.size


def test_causal_check_relocks_on_a_real_change_of_rate():
    check = CausalCheck()
    codes = [check.check(v) for v in [1000.0] * 10 + [600.0] * 10]
    assert codes[10:12] == [Artifact.JUMP, Artifact.JUMP]
    assert all(c == Artifact.NONE for c in codes[12:])
    assert check.check(100.0) == Artifact.RANGE


def test_correction_merges_extra_splits_missed_and_interpolates():
    rr = np.array([1000.0, 1000, 300, 700, 1000, 2000, 1000, 1000, 600, 1400, 1000])
    t = np.cumsum(rr) / 1000
    codes = np.zeros(rr.size, dtype=np.int8)
    codes[2] = Artifact.EXTRA
    codes[5] = Artifact.MISSED
    codes[8] = Artifact.SHORT
    codes[9] = Artifact.ECTOPIC
    t_nn, nn, corrected = correct_rr(t, rr, codes)
    np.testing.assert_allclose(nn, [1000] * 11)
    assert nn.size == rr.size  # one beat removed, one inserted
    assert np.all(np.diff(t_nn) > 0)
    assert corrected.sum() == 5
    # Raw values are untouched.
    assert rr[2] == 300.0


def test_no_artifacts_returns_the_input():
    rr = np.array([900.0, 910.0, 905.0, 895.0])
    t = np.cumsum(rr) / 1000
    t_nn, nn, corrected = correct_rr(t, rr, np.zeros(4, dtype=np.int8))
    np.testing.assert_array_equal(nn, rr)
    assert not corrected.any()


# --- the classification before its speed-up (issue 14), verbatim, as a reference ------------

ALPHA, C1, C2 = 5.2, 0.13, 0.17


def qd(x):
    q1, q3 = rolling_quantiles(x, 91, (0.25, 0.75))
    return (q3 - q1) / 2.0


def reference_classify(rr_ms):
    rr = np.asarray(rr_ms, dtype=np.float64)
    n = rr.size
    codes = range_codes(rr)
    if n < 4:
        return codes
    bad = codes != Artifact.NONE
    if bad.any():
        if bad.all():
            return codes
        idx = np.arange(n)
        rr = rr.copy()
        rr[bad] = np.interp(idx[bad], idx[~bad], rr[~bad])

    drr = np.empty(n)
    drr[1:] = np.diff(rr)
    drr[0] = drr[1:].mean()
    th1 = np.maximum(ALPHA * qd(np.abs(drr)), 1e-6)
    drrs = drr / th1
    pad = np.pad(drrs, 2, mode="reflect")
    prev, nxt, nxt2 = pad[1 : n + 1], pad[3 : n + 3], pad[4 : n + 4]
    s12 = np.where(drrs > 0, np.maximum(prev, nxt), np.minimum(prev, nxt))
    s22 = np.where(drrs >= 0, np.minimum(nxt, nxt2), np.maximum(nxt, nxt2))

    (medrr,) = rolling_quantiles(rr, 11, (0.5,))
    mrr = rr - medrr
    mrr = np.where(mrr < 0, 2.0 * mrr, mrr)
    th2 = np.maximum(ALPHA * qd(np.abs(mrr)), 1e-6)
    mrrs = mrr / th2

    raw = np.asarray(rr_ms, dtype=np.float64)
    for i in np.flatnonzero(bad).tolist():
        # An out-of-range interval may still be a missed or an extra beat: give it that
        # class, so that the correction splits or merges instead of interpolating.
        if raw[i] > RR_MAX_MS and abs(raw[i] / 2 - medrr[i]) < th2[i]:
            codes[i] = Artifact.MISSED
        elif raw[i] < RR_MIN_MS and i + 1 < n and abs(raw[i] + raw[i + 1] - medrr[i]) < th2[i]:
            codes[i] = Artifact.EXTRA

    candidates = np.flatnonzero((np.abs(drrs) > 1) | (np.abs(mrrs) > 3))
    if candidates.size == 0:
        return codes
    # The decision flow is sequential but touches only the (few) candidate beats; plain
    # Python floats keep it fast.
    d, s12l, s22l = drrs.tolist(), s12.tolist(), s22.tolist()
    mr, rrl, med, t2 = mrrs.tolist(), rr.tolist(), medrr.tolist(), th2.tolist()
    out = codes.tolist()
    done = [c != Artifact.NONE for c in out]
    for i in np.flatnonzero(codes == Artifact.EXTRA).tolist():
        if i + 1 < n:
            done[i + 1] = True  # absorbs the extra beat
    for i in candidates.tolist():
        if done[i]:
            continue
        di = d[i]
        if (di > 1 and s12l[i] < -C1 * di - C2) or (di < -1 and s12l[i] > -C1 * di + C2):
            out[i] = Artifact.ECTOPIC
            done[i] = True
            continue
        tests = [i]
        if i + 2 < n and abs(d[i + 1]) < abs(d[i + 2]):
            tests.append(i + 1)
        for j in tests:
            if done[j]:
                continue
            dj = d[j]
            big_m = abs(mr[j]) > 3
            long_ = (dj > 1 and s22l[j] < -1) or (big_m and mr[j] > 0)
            short = (dj < -1 and s22l[j] > 1) or (big_m and mr[j] <= 0)
            if not (long_ or short):
                continue
            done[j] = True
            if long_ and abs(rrl[j] / 2 - med[j]) < t2[j]:
                out[j] = Artifact.MISSED
            elif short and j + 1 < n and abs(rrl[j] + rrl[j + 1] - med[j]) < t2[j]:
                out[j] = Artifact.EXTRA
                done[j + 1] = True
            else:
                out[j] = Artifact.LONG if long_ else Artifact.SHORT
    return np.asarray(out, dtype=np.int8)


@settings(max_examples=150, deadline=None)
@given(
    base=st.floats(400.0, 1500.0),
    noise=arrays(np.float64, st.integers(0, 400), elements=st.floats(-0.3, 0.3)),
    hits=st.lists(st.tuples(st.floats(0, 1), st.sampled_from([0.15, 0.5, 0.6, 1.5, 2.0, 3.0]))),
    step=st.sampled_from([0.0, 25.0]),
)
def test_bit_identical_to_the_classification_before_the_speed_up(base, noise, hits, step):
    """Random series with ties (rounded to `step` ms), ectopics, misses, extras, range."""
    rr = base * (1.0 + noise)
    for where, factor in hits:
        if rr.size:
            rr[min(int(where * rr.size), rr.size - 1)] *= factor
    if step:
        rr = np.round(rr / step) * step
    got = classify_artifacts(rr)
    assert got.dtype == np.int8
    assert np.array_equal(got, reference_classify(rr))


def test_bit_identical_to_the_classification_before_on_a_long_recording():
    rr = inject_artifacts(synth_rr(REALISTIC, 6 * 3600, 4), every=60, seed=4).rr_ms
    assert np.array_equal(classify_artifacts(rr), reference_classify(rr))


def _long_series_with_artifacts(beats, seed=18):
    """Breathing, drift, noise, injected artifacts and out-of-range beats (some in a run)."""
    rng = np.random.default_rng(seed)
    rr = synth_rr(REALISTIC, beats * 0.95, seed=seed)[:beats]
    rr = inject_artifacts(rr, every=40, seed=seed).rr_ms
    out = rng.integers(0, rr.size, size=rr.size // 500)
    rr[out] = rng.choice([150.0, 250.0, 2100.0, 2600.0, 3500.0], size=out.size)
    rr[1000:1004] = 2500.0  # a run of range beats
    rr[:2] = 2400.0  # range beats at both ends
    rr[-1] = 120.0
    return rr


@pytest.mark.parametrize("chunk", [50, 997, 1 << 16])
def test_chunked_classification_equals_whole_series(monkeypatch, chunk):
    # Issue 18: a long segment is classified a chunk at a time with 64 beats of context
    # each side; every class must be the one of the whole series classified at once.
    import resonant.signal.artifacts as artifacts

    rr = _long_series_with_artifacts(200_000)
    monkeypatch.setattr(artifacts, "_CHUNK_BEATS", rr.size)
    whole = classify_artifacts(rr)
    monkeypatch.setattr(artifacts, "_CHUNK_BEATS", chunk)
    chunked = classify_artifacts(rr)
    assert np.count_nonzero(whole) > 5000
    assert set(np.unique(whole).tolist()) == {int(a) for a in Artifact if a != Artifact.JUMP}
    np.testing.assert_array_equal(chunked, whole)


@pytest.mark.parametrize("chunk", [1, 97, 1 << 16])
def test_chunked_correction_equals_whole_series(monkeypatch, chunk):
    # Issue 18: the corrected series is copied a chunk of beats at a time; every time,
    # value and flag must be the one of the whole series copied at once.
    import resonant.signal.artifacts as artifacts

    rr = _long_series_with_artifacts(20_000)
    codes = classify_artifacts(rr)
    t = np.cumsum(rr) / 1000.0
    assert np.count_nonzero(codes == Artifact.MISSED) and np.count_nonzero(codes == Artifact.EXTRA)
    monkeypatch.setattr(artifacts, "_COPY_CHUNK", rr.size)
    whole = correct_rr(t, rr, codes)
    monkeypatch.setattr(artifacts, "_COPY_CHUNK", chunk)
    for got, want in zip(correct_rr(t, rr, codes), whole, strict=True):
        np.testing.assert_array_equal(got, want)
