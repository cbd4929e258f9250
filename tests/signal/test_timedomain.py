import warnings

import numpy as np
import pytest

from resonant.devices.synthetic import RRSpec, synth_rr
from resonant.signal.timedomain import time_domain


def test_hand_checkable_vector():
    td = time_domain(np.array([800.0, 810.0, 790.0, 800.0]))
    assert td.rmssd_ms == pytest.approx(14.142, abs=1e-3)
    assert td.sdnn_ms == pytest.approx(8.165, abs=1e-3)
    assert td.mean_nn_ms == 800.0
    assert td.hr_mean_bpm == 75.0
    assert td.nn50 == 0 and td.pnn50_pct == 0.0


def test_closed_form_sine_by_beat_index():
    # hrv-spec §3.2: NN_i = 1000 + 50 sin(2 pi 0.1 i), i = 0..599.
    i = np.arange(600)
    td = time_domain(1000 + 50 * np.sin(2 * np.pi * 0.1 * i))
    assert td.rmssd_ms == pytest.approx(np.sqrt(2) * 50 * np.sin(np.pi * 0.1), rel=1e-3)
    assert td.rmssd_ms == pytest.approx(21.84, abs=0.01)
    assert td.sdnn_ms == pytest.approx(50 / np.sqrt(2), rel=1e-3)
    assert td.pnn50_pct == 0.0


def test_pnn50_counts_differences_over_50_ms_divided_by_n():
    td = time_domain(np.array([800.0, 900.0, 800.0, 810.0]))
    assert td.nn50 == 2
    assert td.pnn50_pct == pytest.approx(100 * 2 / 4)


def test_no_difference_across_a_gap():
    nn = np.array([800.0, 810.0, 1200.0, 1210.0])
    joined = time_domain(nn)
    split = time_domain(nn, new_segment=np.array([True, False, True, False]))
    assert split.rmssd_ms == pytest.approx(10.0)
    assert joined.rmssd_ms > 200


def test_properties_scale_and_shift():
    nn = synth_rr(RRSpec(noise_ms=20), 300, seed=3)
    base = time_domain(nn)
    shifted = time_domain(nn + 100.0)
    assert shifted.rmssd_ms == pytest.approx(base.rmssd_ms)
    assert shifted.sdnn_ms == pytest.approx(base.sdnn_ms)
    assert shifted.hr_mean_bpm < base.hr_mean_bpm
    doubled = time_domain(nn * 2)
    assert doubled.rmssd_ms == pytest.approx(2 * base.rmssd_ms)
    assert time_domain(np.full(50, 900.0)).rmssd_ms == 0.0


def test_empty_and_single():
    assert time_domain(np.array([])).n == 0
    one = time_domain(np.array([900.0]))
    assert (
        np.isnan(one.rmssd_ms)
        and np.isnan(one.sdnn_ms)
        and one.hr_mean_bpm == pytest.approx(66.667, abs=1e-3)
    )


def _nk_time(nn):
    import neurokit2 as nk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nk.hrv_time({"RRI": nn, "RRI_Time": np.cumsum(nn) / 1000.0})


@pytest.mark.oracle
@pytest.mark.parametrize("which", ["real_long", "real_short", "synthetic_slow", "synthetic_fast"])
def test_agrees_with_neurokit2_within_half_a_percent(which, real_nn_long, real_nn_short):
    nn = {
        "real_long": real_nn_long,
        "real_short": real_nn_short,
        "synthetic_slow": synth_rr(RRSpec(breath_ms=45, drift_ms=20, noise_ms=10), 600, 1),
        "synthetic_fast": synth_rr(
            RRSpec(mean_ms=650, breath_hz=0.3, breath_ms=8, noise_ms=5), 600, 2
        ),
    }[which]
    ours = time_domain(nn)
    ref = _nk_time(nn)
    for name, value in [
        ("HRV_RMSSD", ours.rmssd_ms),
        ("HRV_SDNN", ours.sdnn_ms),
        ("HRV_MeanNN", ours.mean_nn_ms),
        ("HRV_pNN50", ours.pnn50_pct),
    ]:
        assert value == pytest.approx(float(ref[name].iloc[0]), rel=0.005, abs=1e-9), name
