"""Synthetic RR series with known content, and artifact injection at known places.

Used by the tests, the benchmarks and the script that regenerates the reference
recordings in ``signal/``. This is a signal generator with exact ground truth, not the
physiological model of a person (that is the simulated strap).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from resonant.signal.artifacts import Artifact

__all__ = ["RRSpec", "synth_rr", "inject_artifacts", "Injected"]


@dataclass(frozen=True, slots=True)
class RRSpec:
    """Content of a synthetic RR series; every amplitude is in ms.

    Attributes
    ----------
    mean_ms : float
        Mean interval.
    breath_hz, breath_ms : float
        Frequency and amplitude of the respiratory oscillation (a sine in time).
    mayer_hz, mayer_ms : float
        Frequency and amplitude of a second, Mayer-wave oscillation.
    drift_ms : float
        Standard deviation of a slow random drift (a random walk low-passed over ~60 s).
    noise_ms : float
        Standard deviation of white beat-to-beat noise.
    """

    mean_ms: float = 900.0
    breath_hz: float = 0.1
    breath_ms: float = 50.0
    mayer_hz: float = 0.1
    mayer_ms: float = 0.0
    drift_ms: float = 0.0
    noise_ms: float = 0.0


def synth_rr(spec: RRSpec, duration_s: float, seed: int = 0) -> NDArray[np.float64]:
    """Make RR intervals whose value is the modulation evaluated at each beat's time.

    Parameters
    ----------
    spec : RRSpec
        What the series contains.
    duration_s : float
        Length of the series, s.
    seed : int
        Seed of the random parts.

    Returns
    -------
    ndarray of float
        RR intervals in ms; their sum is about ``duration_s`` s.
    """
    rng = np.random.default_rng(seed)
    n_max = int(duration_s * 1000.0 / max(spec.mean_ms - 3 * spec.breath_ms, 250.0)) + 10
    # Drift: a random walk sampled per beat, smoothed by an exponential filter (~60 beats).
    if spec.drift_ms > 0:
        steps = rng.normal(0.0, 1.0, n_max)
        walk = np.empty(n_max)
        acc = 0.0
        for k in range(n_max):
            acc = 0.985 * acc + steps[k]
            walk[k] = acc
        drift = spec.drift_ms * (walk - walk.mean()) / (walk.std() or 1.0)
    else:
        drift = np.zeros(n_max)
    noise = rng.normal(0.0, spec.noise_ms, n_max) if spec.noise_ms > 0 else np.zeros(n_max)
    out = np.empty(n_max)
    t = 0.0
    n = 0
    two_pi = 2.0 * np.pi
    while t < duration_s and n < n_max:
        rr = (
            spec.mean_ms
            + spec.breath_ms * np.sin(two_pi * spec.breath_hz * t)
            + spec.mayer_ms * np.sin(two_pi * spec.mayer_hz * t + 1.0)
            + drift[n]
            + noise[n]
        )
        out[n] = rr
        t += rr / 1000.0
        n += 1
    return out[:n]


@dataclass(frozen=True, slots=True)
class Injected:
    """A series with artifacts put in at known places.

    Attributes
    ----------
    rr_ms : ndarray of float
        The series with artifacts (its length differs from the clean one: a missed beat
        removes an interval, an extra beat adds one).
    index : ndarray of int
        Position in ``rr_ms`` of each injected artifact (for ectopic beats, the premature
        interval; for extra beats, the first of the two short intervals).
    kind : ndarray of int8
        The :class:`~resonant.signal.artifacts.Artifact` class injected there.
    """

    rr_ms: NDArray[np.float64]
    index: NDArray[np.intp]
    kind: NDArray[np.int8]


def inject_artifacts(
    rr_ms: NDArray[np.float64],
    every: int = 50,
    kinds: tuple[Artifact, ...] = (Artifact.ECTOPIC, Artifact.MISSED, Artifact.EXTRA),
    seed: int = 0,
) -> Injected:
    """Put ectopic, missed and extra beats into a clean series, about one per ``every`` beats.

    - ectopic: the beat comes 20-35 % early, and the next interval is longer by the same
      amount (a compensatory pause), as with a premature ventricular contraction;
    - missed: two intervals are merged (the strap missed one R-peak);
    - extra: one interval is split in two at 25-45 % (a spurious R-peak).

    Parameters
    ----------
    rr_ms : ndarray of float
        Clean series, ms.
    every : int
        Mean spacing of artifacts, in beats (at least 10 beats apart).
    kinds : tuple of Artifact
        Classes to inject, in turn.
    seed : int
        Seed for the places and sizes.

    Returns
    -------
    Injected
        The new series and where each artifact is.
    """
    rng = np.random.default_rng(seed)
    rr = list(np.asarray(rr_ms, dtype=np.float64))
    out: list[float] = []
    index: list[int] = []
    kind: list[int] = []
    i = 0
    k = 0
    next_at = int(rng.integers(10, 2 * every))
    while i < len(rr):
        if i >= next_at and i + 2 < len(rr):
            what = kinds[k % len(kinds)]
            k += 1
            if what == Artifact.ECTOPIC:
                early = rng.uniform(0.20, 0.35) * rr[i]
                index.append(len(out))
                out += [rr[i] - early, rr[i + 1] + early]
                i += 2
            elif what == Artifact.MISSED:
                index.append(len(out))
                out.append(rr[i] + rr[i + 1])
                i += 2
            elif what == Artifact.EXTRA:
                split = rng.uniform(0.25, 0.45)
                index.append(len(out))
                out += [rr[i] * split, rr[i] * (1.0 - split)]
                i += 1
            else:
                raise ValueError(f"inject_artifacts: cannot inject {what!r}")
            kind.append(int(what))
            next_at = i + max(10, int(rng.integers(every // 2, every * 3 // 2 + 1)))
        else:
            out.append(rr[i])
            i += 1
    return Injected(
        np.asarray(out), np.asarray(index, dtype=np.intp), np.asarray(kind, dtype=np.int8)
    )
