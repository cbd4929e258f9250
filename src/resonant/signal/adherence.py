"""Is the person breathing with the pacer? (hrv-spec §11)."""

from __future__ import annotations

from resonant.signal.coherence import CHALLENGE_LEVELS

__all__ = ["is_adherent", "ADHERENCE_TOLERANCE_BPM", "ADHERENCE_MIN_RATIO"]

#: Largest difference between the breathing rate shown (the chest's, else the one read
#: from the heart rhythm) and the pacer's rate for a person to count as following it,
#: breaths/min (hrv-spec §11).
ADHERENCE_TOLERANCE_BPM = 0.3
#: The breathing peak must dominate the spectrum: coherence ratio at least the level-1
#: low/medium threshold (hrv-spec §11, §5.3).
ADHERENCE_MIN_RATIO = CHALLENGE_LEVELS[1][0]


def is_adherent(
    breathing_rate_bpm: float | None,
    pacer_rate_bpm: float | None,
    coherence_ratio: float | None,
    tolerance_bpm: float = ADHERENCE_TOLERANCE_BPM,
) -> bool | None:
    """Whether the breathing rate shown follows the pacer.

    Parameters
    ----------
    breathing_rate_bpm : float or None
        The spectral update's breathing rate, breaths/min: counted at the chest where the
        strap streams its accelerometer, else 60 x the peak frequency; None while it is
        unclear from the heart rhythm (hrv-spec §11.1), which makes the answer None
        (unknown).
    pacer_rate_bpm : float or None
        The pacer's rate over the same window, breaths/min; None when there is no pacer.
    coherence_ratio : float or None
        Coherence ratio of the same update.
    tolerance_bpm : float
        Largest accepted difference, breaths/min.

    Returns
    -------
    bool or None
        True when following (rates within the tolerance and the peak dominant), False
        when not, None when it cannot be told (no pacer, or no spectrum yet).

    References
    ----------
    Steffen PR et al. (2021), Front Psychol 12:624254 (people paced at 6/min averaged
    about 12/min); hrv-spec §11 (the rule).
    """
    if pacer_rate_bpm is None or breathing_rate_bpm is None or coherence_ratio is None:
        return None
    close = abs(breathing_rate_bpm - pacer_rate_bpm) <= tolerance_bpm
    return close and coherence_ratio >= ADHERENCE_MIN_RATIO
