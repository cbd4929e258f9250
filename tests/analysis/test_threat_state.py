"""Issue 16: the simulated threat state looks like acute stress, and its breathing is told honestly.

On ``record --simulate --protocol threat-soothing`` (both simulated people, seeds 1-12,
with the chest accelerometer and with ``--no-acc``), analysed per phase as ``analyze``
does: the stressor's heart rate is up and RMSSD down against the baseline, its breathing
rate reads within 1.5 breaths/min of the person's true rate over the phase or is empty
with its reason (never the 0.1 Hz Mayer wave's 5.5-6), and its coherence is not above
the baseline's (every seed for the resonator; all but the measured few for the delay
person, ``ABOVE_BASELINE_ALLOWED``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from resonant.analysis.compare import phase_notes
from resonant.devices.baroreflex import DelayedBaroreflexPerson
from resonant.devices.physiology import PROFILES, Person, PersonSpec
from resonant.model.practices import judging_words_in
from resonant.signal.offline import analyze_rr
from resonant.signal.rsa_breathing import UNCLEAR
from tests.analysis.threat_runs import record_phases, true_rate_bpm

#: Every seed 1-12, both people, both breathing sources (48 recordings, about 30-60 s).
SEEDS = tuple(range(1, 13))
MODELS = ("resonator", "delay")
SOURCES = ("acc", "no-acc")
TRUE_THREAT_BPM = PROFILES["threat"].own_rate_bpm
#: Seeds of 1-12 whose stressor coherence may exceed the baseline's, per model, as
#: measured (``.venv/bin/python benchmarks/threat_contrast.py``, 2026-12-03):
#:
#: - resonator: none (12/12; 40/40 over seeds 1-40). Its rest has a clear RSA peak at
#:   14/min inside the ratio's 0.04-0.26 Hz peak search (baseline 0.35-0.89), and under
#:   threat the remaining RSA sits at 0.3 Hz, outside it (stressor 0.12-0.43).
#: - delay: 3 (9/12: seeds 3, 6 and 10; 19/30 over seeds 1-30). Its rest has little RSA
#:   and LF/HF about 1.5, so its 2-minute baseline (0.19-0.61) is already what any
#:   peakless spectrum of that LF/HF balance reads (with the ratio's pinned choices,
#:   hrv-spec §5.6, a 64-s window holds only about four peak windows across the LF band;
#:   measured on synthetic noise, LF/HF 1.8 reads about 0.45, white noise about 0.25). A threat state with LF/HF above rest's,
#:   as acute stress requires, cannot then sit reliably below it seed by seed; over the
#:   10-minute comparison of means below it does.
ABOVE_BASELINE_ALLOWED = {"resonator": 0, "delay": 3}


def _phases(tmp_path: Path, model: str, seed: int, source: str = "acc") -> list[dict]:
    return record_phases(tmp_path / f"{model}-{seed}-{source}", model, seed, source == "acc")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int, str], list[dict]]:
    tmp = tmp_path_factory.mktemp("threat")
    return {(m, s, src): _phases(tmp, m, s, src) for m in MODELS for s in SEEDS for src in SOURCES}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("seed", SEEDS)
def test_the_stressor_phase_looks_like_threat(runs, model: str, seed: int) -> None:
    base, stress, soothe, _ = runs[model, seed, "acc"]
    assert stress["stressor"]
    assert stress["hr_mean_bpm"] > base["hr_mean_bpm"] + 8
    assert stress["rmssd_ms"] < base["rmssd_ms"]
    if ABOVE_BASELINE_ALLOWED[model] == 0:
        assert stress["coherence_mean"] <= base["coherence_mean"]
    truth = true_rate_bpm(model, seed, stress)
    for source in SOURCES:  # the chest's breathing, and the one read from the heart rhythm
        stress = runs[model, seed, source][1]
        rate = stress["breathing_rate_bpm"]
        if rate is None:  # empty, with its reason
            reason = stress["breathing_reason"]
            assert reason == UNCLEAR if source == "no-acc" else reason, (source, reason)
        else:
            assert abs(rate - truth) <= 1.5, (source, rate, truth)
    # Soothing is as before: coherent, and the guide's rate read clearly from the heart.
    assert soothe["coherence_mean"] > 2.0
    soothe_heart = runs[model, seed, "no-acc"][2]
    assert soothe_heart["breathing_rate_bpm"] == pytest.approx(5.5, abs=0.3)


@pytest.mark.parametrize("model", MODELS)
def test_the_stressor_coherence_is_not_above_the_baseline(runs, model: str) -> None:
    """Seed by seed, within what was measured (``ABOVE_BASELINE_ALLOWED``), and on average."""
    pairs = [(runs[model, s, "acc"][0], runs[model, s, "acc"][1]) for s in SEEDS]
    above = [s for s, (b, st) in zip(SEEDS, pairs, strict=True)
             if st["coherence_mean"] > b["coherence_mean"]]  # fmt: skip
    assert len(above) <= ABOVE_BASELINE_ALLOWED[model], above
    assert np.mean([st["coherence_mean"] for _, st in pairs]) < np.mean(
        [b["coherence_mean"] for b, _ in pairs]
    )
    # Without the accelerometer the heart data, and so the coherence, are the same.
    for s in SEEDS:
        no_acc, acc = runs[model, s, "no-acc"][1], runs[model, s, "acc"][1]
        assert no_acc["coherence_mean"] == acc["coherence_mean"]


def test_no_phase_ever_shows_the_mayer_wave_as_breathing(runs) -> None:
    """Unguided phases: a rate is the person's own (12-20/min) or unclear, never 4-8."""
    for phases in runs.values():  # both people, every seed, both breathing sources
        for ph in phases:
            if "soothing" in ph["label"]:
                continue  # guided at 5.5/min
            rate = ph["breathing_rate_bpm"]
            assert rate is None or rate > 10.0, (ph["label"], rate)


def test_the_notes_on_the_stressor_never_praise_it(runs) -> None:
    for (_, _, source), phases in runs.items():
        if source != "acc":
            continue
        notes = phase_notes(phases)
        assert "threat system" in notes[0]
        for n in notes:
            assert judging_words_in(n) == []
            assert "smoother" not in n and "more coherent" not in n


def _state(model: str, state: str, seed: int):
    cls = Person if model == "resonator" else DelayedBaroreflexPerson
    beats = cls(PersonSpec(seed=seed, state=state, model=model)).advance(600.0)
    t = np.array([b.time_s for b in beats[1:]])
    return analyze_rr(t, np.array([b.rr_ms for b in beats[1:]]))


@pytest.mark.parametrize("model", ["resonator", "delay"])
def test_ten_minutes_of_threat_against_rest(model: str) -> None:
    """Acute stress: HR up, RMSSD and HF down, LF/HF up, coherence at or below rest."""
    rest = [_state(model, "rest", s) for s in range(4)]
    threat = [_state(model, "threat", s) for s in range(4)]

    def mean(rows, get) -> float:
        return float(np.mean([get(r) for r in rows]))

    assert mean(threat, lambda r: r.time.hr_mean_bpm) > mean(rest, lambda r: r.time.hr_mean_bpm) + 10
    assert mean(threat, lambda r: r.time.rmssd_ms) < 0.7 * mean(rest, lambda r: r.time.rmssd_ms)
    assert mean(threat, lambda r: r.hf_ms2) < 0.5 * mean(rest, lambda r: r.hf_ms2)
    assert mean(threat, lambda r: r.lf_hf) > mean(rest, lambda r: r.lf_hf)
    assert mean(threat, lambda r: r.coherence_mean) <= mean(rest, lambda r: r.coherence_mean)
    for r in threat:  # breathing at 18/min: its rate, or unclear
        rate = r.breathing_rate_bpm
        assert rate is None or abs(rate - TRUE_THREAT_BPM) <= 1.5


def test_the_offline_analysis_knows_the_guide_from_pacer_tsv(tmp_path: Path) -> None:
    from resonant.analysis.phases import recording_guide
    from resonant.folder.read import read_recording

    _phases(tmp_path, "resonator", 1)
    [rec] = read_recording(str(tmp_path / "resonator-1-acc"))
    guide = recording_guide(rec)
    assert guide is not None
    got = guide(np.array([100.0, 200.0, 280.0, 400.0, 600.0]))
    assert np.isnan(got[[0, 1, 4]]).all()  # baseline, stressor, recovery: no guide
    assert got[2] == got[3] == pytest.approx(5.5)  # the soothing phase's guide
