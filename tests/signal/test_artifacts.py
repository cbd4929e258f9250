import numpy as np
import pytest

from resonant.devices.synthetic import RRSpec, inject_artifacts, synth_rr
from resonant.signal.artifacts import Artifact, CausalCheck, classify_artifacts, correct_rr

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
