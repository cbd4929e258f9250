"""The streaming HRV core: pure numpy, no Qt, no asyncio, no I/O.

The names a researcher needs are re-exported here, so ``from resonant.signal import
HrvStream`` works; each still lives in its own module:

- :class:`HrvStream` (:mod:`~resonant.signal.stream`): streaming HRV, one beat at a time;
- :class:`StreamConfig`, :class:`BeatMetrics`, :class:`SpectralMetrics`
  (:mod:`~resonant.signal.metrics`): its windows and what it publishes;
- :func:`analyze_rr`, :class:`RecordingAnalysis`, :class:`SpectralSeries`
  (:mod:`~resonant.signal.offline`): a whole recording at once;
- :func:`time_domain`, :class:`TimeDomain` (:mod:`~resonant.signal.timedomain`): RMSSD,
  SDNN, pNN50 of an NN series;
- :func:`classify_artifacts`, :func:`correct_rr`, :class:`Artifact`
  (:mod:`~resonant.signal.artifacts`): artifact classes and correction;
- :func:`short_spectra`, :func:`coherence_level` (:mod:`~resonant.signal.coherence`):
  the 64-s coherence spectrum.
"""

from resonant.signal.artifacts import (
    ARTIFACT_NAMES,
    RR_MAX_MS,
    RR_MIN_MS,
    Artifact,
    classify_artifacts,
    correct_rr,
)
from resonant.signal.coherence import coherence_level, short_spectra
from resonant.signal.metrics import BeatMetrics, SpectralMetrics, StreamConfig
from resonant.signal.offline import RecordingAnalysis, SpectralSeries, analyze_rr
from resonant.signal.stream import HrvStream, update_ticks
from resonant.signal.timedomain import TimeDomain, time_domain

__all__ = [
    "HrvStream",
    "update_ticks",
    "StreamConfig",
    "BeatMetrics",
    "SpectralMetrics",
    "analyze_rr",
    "RecordingAnalysis",
    "SpectralSeries",
    "time_domain",
    "TimeDomain",
    "classify_artifacts",
    "correct_rr",
    "Artifact",
    "ARTIFACT_NAMES",
    "RR_MIN_MS",
    "RR_MAX_MS",
    "short_spectra",
    "coherence_level",
]
