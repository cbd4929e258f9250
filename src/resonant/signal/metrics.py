"""What the core publishes: frozen dataclasses, one per beat and one per spectral update."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BeatMetrics", "SpectralMetrics", "StreamConfig"]


@dataclass(frozen=True, slots=True)
class StreamConfig:
    """Windows and limits of the streaming core (hrv-spec §3.3, §5.6, §6.3).

    Attributes
    ----------
    window_s : float
        Window of the per-beat time-domain metrics (RMSSD, SDNN, pNN50, mean HR).
    min_window_s : float
        Time-domain metrics are shown once the window spans this much (Munoz et al. 2015:
        30 s of beats give a valid RMSSD).
    update_s : float
        Interval between spectral updates and artifact re-classifications.
    reclassify_s : float
        Longest span of recent beats re-classified (Lipponen & Tarvainen) at each
        update; within it only the beats whose class can still change (the newest 60:
        a class is settled once the beat's 91-beat window is in) are.
    max_corrected_pct : float
        Metrics are suppressed when more of the window's beats than this were corrected.
    challenge_level : int
        Coherence challenge level (1-4) for the low/medium/high label.
    capacity : int
        Beats held in the ring buffers. Must cover ``reclassify_s`` plus half a
        classification window at the fastest plausible heart rate: 120 s at 300 ms
        per beat is 400 beats, extra beats can double that; 2048 leaves room.
    """

    window_s: float = 60.0
    min_window_s: float = 30.0
    update_s: float = 5.0
    reclassify_s: float = 120.0
    max_corrected_pct: float = 5.0
    challenge_level: int = 1
    capacity: int = 2048


@dataclass(frozen=True, slots=True)
class BeatMetrics:
    """Per-beat update of one source's stream.

    Attributes
    ----------
    time_s : float
        Session time of the beat, s.
    source : str
        Source label.
    rr_ms : float
        The raw interval as received, ms.
    nn_ms : float
        The interval used for the metrics (the raw one, or a provisional replacement).
    artifact : int
        Provisional :class:`~resonant.signal.artifacts.Artifact` class from the causal check.
    hr_bpm : float
        Instantaneous heart rate of this beat, 60000 / NN.
    hr_mean_bpm, rmssd_ms, sdnn_ms, pnn50_pct : float or None
        Over the last ``window_s`` seconds of the segment; None while unavailable.
    window_beats : int
        NN intervals in the window.
    corrected_pct : float
        Share of the window's NN intervals that were corrected, percent.
    reason : str or None
        Why the windowed metrics are unavailable, as a sentence; None when they are shown.
    """

    time_s: float
    source: str
    rr_ms: float
    nn_ms: float
    artifact: int
    hr_bpm: float
    hr_mean_bpm: float | None
    rmssd_ms: float | None
    sdnn_ms: float | None
    pnn50_pct: float | None
    window_beats: int
    corrected_pct: float
    reason: str | None


@dataclass(frozen=True, slots=True)
class SpectralMetrics:
    """Update every ``update_s`` seconds from the last 64 s of one source's segment.

    Attributes
    ----------
    time_s : float
        Session time of the beat that triggered the update, s.
    source : str
        Source label.
    coherence_ratio : float or None
        Coherence ratio (McCraty et al. 2009) with the pinned spectral choices.
    coherence_score : float or None
        The ratio on the 0-16 display scale (min(ratio, 16)).
    coherence_level : str or None
        "low", "medium" or "high" at the configured challenge level.
    peak_hz : float or None
        Coherence peak frequency, 0.04-0.26 Hz.
    lf_ms2, hf_ms2 : float or None
        LF (0.04-0.15 Hz) and HF (0.15-0.40 Hz) power of the 64-s window, ms².
    lf_hf : float or None
        LF / HF.
    breathing_rate_bpm : float or None
        Breathing rate, breaths per minute: measured from chest movement over the last
        60 s when the source streams its accelerometer, else read from the RR spectrum
        when its breathing peak is clear (:mod:`resonant.signal.breathing_source`,
        :mod:`resonant.signal.rsa_breathing`); None otherwise.
    amplitude_bpm : float or None
        Mean peak-to-trough heart-rate swing per breath, beats per minute.
    corrected_pct : float
        Share of the window's NN intervals that were corrected, percent.
    reason : str or None
        Why the values are unavailable or the coherence score is suppressed; None when
        everything is shown.
    breathing_reason : str or None
        Why ``breathing_rate_bpm`` is None once the spectrum runs ("unclear from the heart
        rhythm"); None when it is shown (or the spectrum is still settling: ``reason``).
    breathing_source : str or None
        Where ``breathing_rate_bpm`` comes from: "chest" (the accelerometer) or "heart"
        (the heart rhythm); None when it is empty.
    """

    time_s: float
    source: str
    coherence_ratio: float | None
    coherence_score: float | None
    coherence_level: str | None
    peak_hz: float | None
    lf_ms2: float | None
    hf_ms2: float | None
    lf_hf: float | None
    breathing_rate_bpm: float | None
    amplitude_bpm: float | None
    corrected_pct: float
    reason: str | None
    breathing_reason: str | None = None
    breathing_source: str | None = None
