"""The one rule deciding whether a breathing rate read from the heart rhythm is shown."""

from __future__ import annotations

import numpy as np
import pytest

from resonant.signal.coherence import short_spectra
from resonant.signal.rsa_breathing import (
    AGREE_MIN,
    MAYER_HI_HZ,
    SHARE_MIN,
    SHARE_MIN_GUIDED,
    SHARE_MIN_SLOW,
    UNCLEAR,
    agreement,
    judge_breathing,
    summarize_breathing,
)


def test_each_criterion_of_the_rule() -> None:
    fast, slow = 0.25, 0.1
    assert MAYER_HI_HZ > slow
    # Prominence.
    assert judge_breathing([fast], [SHARE_MIN], [1.0]).tolist() == [True]
    assert judge_breathing([fast], [SHARE_MIN - 0.01], [1.0]).tolist() == [False]
    # Consistency.
    assert judge_breathing([fast], [0.9], [AGREE_MIN - 0.01]).tolist() == [False]
    # A slow peak without a guide is taken for the Mayer wave unless it dominates.
    assert judge_breathing([slow], [SHARE_MIN_SLOW - 0.01], [1.0]).tolist() == [False]
    assert judge_breathing([slow], [SHARE_MIN_SLOW], [1.0]).tolist() == [True]
    # ... with a guide at its rate, less is needed; with a guide elsewhere, nothing changes.
    assert judge_breathing([slow], [SHARE_MIN_GUIDED], [1.0], [6.0]).tolist() == [True]
    assert judge_breathing([slow], [SHARE_MIN_GUIDED], [1.0], [4.5]).tolist() == [False]
    assert judge_breathing([slow], [SHARE_MIN_GUIDED], [1.0], [np.nan]).tolist() == [False]
    # A guide never raises what a fast peak needs.
    assert judge_breathing([fast], [SHARE_MIN], [1.0], [15.0]).tolist() == [True]


def test_agreement_counts_the_last_30_s_of_one_stretch() -> None:
    t = np.arange(0.0, 60.0, 5.0)
    f = np.full(t.size, 0.25)
    f[5] = 0.1  # one jump
    a = agreement(t, f)
    assert a[0] == 1.0 and a[4] == 1.0
    assert a[5] == pytest.approx(1 / 6)  # it agrees only with itself
    assert a[6] == pytest.approx(5 / 6)
    assert a[11] == 1.0  # 30 s later the jump has left the window
    # A new stretch starts afresh.
    seg = (t >= 30.0).astype(int)
    assert agreement(t, f, seg)[6] == 1.0


def test_a_phase_shows_the_median_of_its_clear_updates_or_says_unclear() -> None:
    f = np.array([0.23, 0.24, 0.25, 0.1])
    read = summarize_breathing(f, [True, True, True, False])
    assert read.rate_bpm == pytest.approx(60 * 0.24) and read.reason is None
    read = summarize_breathing(f, [True, False, False, False])
    assert read.rate_bpm is None and read.reason == UNCLEAR
    assert summarize_breathing([], []).reason == UNCLEAR


def test_a_clean_wave_is_shown_and_noise_is_unclear() -> None:
    """Noise can hold a third of the band in one window; its peak wanders, so it is unclear."""
    rng = np.random.default_rng(1)
    t = np.arange(0.0, 600.0, 0.8)
    clean = 800.0 + 40.0 * np.sin(2 * np.pi * 0.25 * t)
    noise = 800.0 + 20.0 * rng.standard_normal(t.size)
    ends = np.arange(70.0, 600.0, 5.0)
    a = short_spectra(t, clean, ends)
    b = short_spectra(t, noise, ends)
    assert np.allclose(a.breath_hz, 0.25, atol=0.005)
    assert a.breath_share.min() > 0.9 > 0.6 > b.breath_share.mean()
    assert judge_breathing(a.breath_hz, a.breath_share, agreement(ends, a.breath_hz)).all()
    shown = judge_breathing(b.breath_hz, b.breath_share, agreement(ends, b.breath_hz))
    assert shown.mean() < 0.2  # a phase (at least half shown) reads as unclear
