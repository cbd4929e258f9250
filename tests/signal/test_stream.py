import numpy as np
import pytest

from resonant.model.beats import Beat, Gap
from resonant.devices.synthetic import RRSpec, inject_artifacts, synth_rr
from resonant.signal.artifacts import classify_artifacts, correct_rr
from resonant.signal.metrics import StreamConfig
from resonant.signal.offline import analyze_rr
from resonant.signal.ring import Ring
from resonant.signal.stream import HrvStream, update_ticks

CLEAN = RRSpec(mean_ms=950, breath_hz=0.1, breath_ms=40, mayer_hz=0.09, mayer_ms=5, noise_ms=3)


def feed(stream, rr, t=None):
    t = np.cumsum(rr) / 1000 if t is None else t
    beats, spectra = [], []
    for ti, r in zip(t, rr, strict=False):
        bm, sp = stream.push(Beat(float(ti), float(r)))
        beats.append(bm)
        if sp is not None:
            spectra.append(sp)
    return beats, spectra


def test_live_spectral_updates_equal_the_offline_analysis_on_a_clean_recording():
    rr = synth_rr(CLEAN, 900, seed=1)
    _, live = feed(HrvStream(), rr)
    off = analyze_rr(np.cumsum(rr) / 1000, rr)
    assert np.count_nonzero(off.artifact_codes) == 0
    shown = [s for s in live if s.coherence_ratio is not None]
    assert len(shown) == off.series.time_s.size > 150
    np.testing.assert_allclose(
        [s.coherence_ratio for s in shown], off.series.coherence_ratio, rtol=1e-9
    )
    np.testing.assert_allclose([s.lf_ms2 for s in shown], off.series.lf_ms2, rtol=1e-9)
    np.testing.assert_allclose(
        [s.breathing_rate_bpm for s in shown], 60 * off.series.breath_hz, rtol=1e-12
    )
    assert off.series.breath_clear.all()
    # Updates come every 5 s of session time; the first 64 s are "settling in".
    assert all(s.reason and "settling" in s.reason for s in live[:12])
    assert np.all(np.diff([s.time_s for s in live]) < 5.0 + 1.5)


def test_per_beat_window_metrics_equal_a_direct_computation():
    rr = synth_rr(CLEAN, 300, seed=2)
    t = np.cumsum(rr) / 1000
    beats, _ = feed(HrvStream(StreamConfig(window_s=60.0)), rr)
    for k in (80, 150, len(rr) - 1):
        w = rr[(t > t[k] - 60.0) & (t <= t[k])]
        bm = beats[k]
        assert bm.window_beats == w.size
        assert bm.rmssd_ms == pytest.approx(np.sqrt(np.mean(np.diff(w) ** 2)), rel=1e-9)
        assert bm.sdnn_ms == pytest.approx(np.std(w, ddof=1), rel=1e-9)
        assert bm.hr_mean_bpm == pytest.approx(60000 / w.mean(), rel=1e-12)
        assert bm.pnn50_pct == pytest.approx(100 * np.sum(np.abs(np.diff(w)) > 50) / w.size)
        assert bm.hr_bpm == pytest.approx(60000 / rr[k])
    assert beats[5].rmssd_ms is None and "settling" in beats[5].reason


def test_long_sessions_do_not_drift_or_grow():
    rr = synth_rr(RRSpec(noise_ms=20, drift_ms=30), 2 * 3600, seed=3)
    stream = HrvStream()
    beats, _ = feed(stream, rr)
    t = np.cumsum(rr) / 1000
    w = rr[t > t[-1] - 60.0]
    assert beats[-1].sdnn_ms == pytest.approx(np.std(w, ddof=1), rel=1e-6)
    assert stream._raw._buf.shape[0] == 2 * stream.config.capacity


def test_artifacts_are_corrected_for_the_metrics_but_raw_beats_are_kept():
    clean = synth_rr(CLEAN, 600, seed=4)
    inj = inject_artifacts(clean, every=80, seed=4)
    beats, spectra = feed(HrvStream(), inj.rr_ms)
    assert [b.rr_ms for b in beats] == pytest.approx(list(inj.rr_ms))
    ref, _ = feed(HrvStream(), clean)
    # Corrected RMSSD stays close to the clean value; uncorrected it would be far off.
    assert beats[-1].rmssd_ms == pytest.approx(ref[-1].rmssd_ms, rel=0.25)
    raw_rmssd = np.sqrt(np.mean(np.diff(inj.rr_ms[-70:]) ** 2))
    assert raw_rmssd > 2 * ref[-1].rmssd_ms


def test_metrics_are_suppressed_with_a_reason_when_many_beats_are_corrected():
    rr = synth_rr(CLEAN, 300, seed=5)
    rr[200::8] = 3000.0  # every 8th beat out of range: 12 % corrected
    beats, spectra = feed(HrvStream(), rr)
    assert beats[-1].rmssd_ms is None
    assert "corrected" in beats[-1].reason
    assert spectra[-1].coherence_score is None and "corrected" in spectra[-1].reason


def test_a_gap_starts_a_new_segment():
    rr = synth_rr(CLEAN, 200, seed=6)
    stream = HrvStream()
    feed(stream, rr)
    stream.gap(Gap(200.0, "", "disconnected"))
    t2 = 260.0 + np.cumsum(rr[:20]) / 1000
    beats, spectra = feed(stream, rr[:20], t2)
    assert beats[-1].window_beats == 20  # nothing from before the gap
    assert all(s.coherence_ratio is None for s in spectra)


def test_update_ticks():
    t = np.array([1.0, 4.9, 5.0, 7.0, 9.99, 10.5, 30.0])
    np.testing.assert_array_equal(update_ticks(t, 5.0), [2, 5, 6])


def test_ring_keeps_the_newest_rows_contiguous():
    ring = Ring(4, 2)
    for i in range(10):
        ring.append((i, -i))
    np.testing.assert_array_equal(ring.view(6)[:, 0], [6, 7, 8, 9])
    ring.truncate(8)
    ring.extend(np.array([[80.0, 0], [90.0, 0], [100.0, 0]]))
    np.testing.assert_array_equal(ring.view(ring.start)[:, 0], [7, 80, 90, 100])
    ring.write_column(9, 1, np.array([5.0, 6.0]))
    np.testing.assert_array_equal(ring.view(9)[:, 1], [5, 6])
    with pytest.raises(IndexError):
        ring.view(2)


def test_truncating_a_full_ring_does_not_bring_back_overwritten_rows():
    ring = Ring(4, 1)
    for i in range(6):
        ring.append((i,))
    ring.truncate(4)
    assert ring.start == 2
    ring.append((40.0,))
    np.testing.assert_array_equal(ring.view(ring.start)[:, 0], [2, 3, 40])


def test_two_hours_with_artifacts_run_through_a_small_ring():
    rr = inject_artifacts(synth_rr(CLEAN, 2 * 3600, seed=8), every=60, seed=8).rr_ms
    beats, spectra = feed(HrvStream(StreamConfig(capacity=512)), rr)
    assert len(beats) == rr.size
    assert sum(s.coherence_ratio is not None for s in spectra) > 1000


def test_settled_classes_and_nn_values_equal_the_offline_correction():
    """Once a beat's 91-beat window is in, its class and NN value are the offline ones."""
    rr = inject_artifacts(synth_rr(CLEAN, 1800, seed=5), every=40, seed=5).rr_ms
    stream = HrvStream()
    feed(stream, rr)
    t = np.cumsum(rr) / 1000
    codes = classify_artifacts(rr)
    raw = stream._raw.view(stream._raw.start)
    settled = slice(0, raw.shape[0] - 100)  # the newest beats may still change
    assert (raw[settled, 2] != 0).sum() > 10
    np.testing.assert_array_equal(raw[settled, 2], codes[-raw.shape[0]:][settled])
    t_nn, nn, _ = correct_rr(t, rr, codes)
    ring = stream._nn.view(stream._nn.start)[:-100]
    k = np.searchsorted(t_nn, ring[0, 0] - 1e-6)
    np.testing.assert_allclose(ring[:, 0], t_nn[k : k + ring.shape[0]], atol=1e-6)
    np.testing.assert_allclose(ring[:, 1], nn[k : k + ring.shape[0]], atol=1e-9)


def test_live_and_offline_decide_the_same_breathing_rates_when_some_are_unclear():
    """The one rule (signal/rsa_breathing.py): the same updates are shown or unclear."""
    from resonant.devices.physiology import Person, PersonSpec

    person = Person(PersonSpec(seed=3, state="threat"))
    true = person.advance(600.0)
    rr = np.array([b.rr_ms for b in true[1:]])
    _, live = feed(HrvStream(), rr)
    off = analyze_rr(np.cumsum(rr) / 1000, rr)
    shown = [s for s in live if s.reason is None or "settling" not in s.reason]
    assert len(shown) == off.series.time_s.size
    live_clear = np.array([s.breathing_rate_bpm is not None for s in shown])
    np.testing.assert_array_equal(live_clear, off.series.breath_clear)
    assert not live_clear.all()
    for s in shown:
        assert (s.breathing_reason is None) == (s.breathing_rate_bpm is not None)
        if s.breathing_reason:
            assert s.breathing_reason == "unclear from the heart rhythm"


def _threat_updates(chest: bool):
    """A simulated person under threat (heart rhythm unclear) through one stream, 5 min."""
    from resonant.devices.chest import ChestSpec
    from resonant.devices.physiology import PersonSpec
    from resonant.devices.simulated import SimulatedStrap
    from resonant.model.beats import AccSamples

    strap = SimulatedStrap(PersonSpec(state="threat", seed=3),
                           chest=ChestSpec() if chest else None, keep_breaths=True)  # fmt: skip
    stream = HrvStream(source=strap.strap.label)
    updates = []
    for item in strap.run_until(300.0):
        if isinstance(item, Beat):
            _, sp = stream.push(item)
            if sp is not None and sp.coherence_ratio is not None:
                updates.append(sp)
        elif isinstance(item, AccSamples):
            stream.push_acc(item)
        elif isinstance(item, Gap):
            stream.gap(item)
    return updates, np.array(strap.breath_onsets)


def test_a_chest_gives_the_breathing_rate_live_when_the_heart_rhythm_cannot():
    """Issue 16: with the accelerometer, the rate shown is the chest's, within 0.3/min."""
    updates, onsets = _threat_updates(chest=True)
    assert len(updates) > 40
    for sp in updates:
        assert sp.breathing_source == "chest" and sp.breathing_reason is None
        w = onsets[(onsets >= sp.time_s - 60.0) & (onsets <= sp.time_s)]
        true_bpm = 60.0 * (w.size - 1) / (w[-1] - w[0])
        assert sp.breathing_rate_bpm == pytest.approx(true_bpm, abs=0.3)


def test_without_a_chest_the_heart_rhythm_rule_decides_as_before():
    updates, _ = _threat_updates(chest=False)
    assert updates
    for sp in updates:
        if sp.breathing_rate_bpm is None:
            assert sp.breathing_source is None
            assert sp.breathing_reason == "unclear from the heart rhythm"
        else:
            assert sp.breathing_source == "heart" and sp.breathing_rate_bpm > 10.0
