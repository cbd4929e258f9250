"""The simulated chest: what a strap's accelerometer feels as the simulated person breathes.

A chest strap's accelerometer mostly measures gravity. Breathing tilts the chest wall
under the sensor by a degree or two, so gravity's share on each axis rises and falls
with the lung volume: this tilt, not the tiny linear acceleration of the wall, is the
breathing signal an accelerometer carries (Bates et al. 2010; Hernandez et al. 2015).
Here the sensor leans back by a person-specific angle; a full breath tilts it further
by :attr:`ChestSpec.tilt_per_breath_deg` (and sideways by a third of that); posture
drifts slowly (an Ornstein-Uhlenbeck process smoothed by a 10-s low-pass, so that
slouching and settling are slow, not jittery); each heartbeat adds a short
ballistocardiographic bump; the sensor adds white noise. Values are whole mG, as the
Polar H10 sends them (16-bit frames, hrv-spec §2.6).

References
----------
Bates A, Ling MJ, Mann J, Arvind DK (2010). Respiratory rate and flow waveform
estimation from tri-axial accelerometer data. Proc. International Conference on Body
Sensor Networks, 144-150.
Hernandez J, McDuff D, Picard RW (2015). BioWatch: estimation of heart and breathing
rates from wrist motions. Proc. PervasiveHealth, 169-176.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["ChestSpec", "Chest", "GRAVITY_MG"]

#: Standard gravity, mG.
GRAVITY_MG = 1000.0


@dataclass(frozen=True, slots=True)
class ChestSpec:
    """How the simulated chest and its accelerometer behave.

    Attributes
    ----------
    rate_hz : int
        Accelerometer sample rate, Hz (25 or 50 suit breathing; the H10 offers 25-200).
    tilt_per_breath_deg : float
        Extra lean of the sensor at a full breath (tidal volume 1), degrees.
    posture_sd_deg : float
        Standard deviation of the slow posture drift, degrees.
    posture_tau_s : float
        Time constant of the posture drift, s.
    cardiac_mg : float
        Height of the ballistocardiographic bump of each heartbeat, mG.
    noise_mg : float
        Standard deviation of the sensor's white noise, mG.
    """

    rate_hz: int = 25
    tilt_per_breath_deg: float = 2.0
    posture_sd_deg: float = 1.0
    posture_tau_s: float = 60.0
    cardiac_mg: float = 3.0
    noise_mg: float = 3.0

    def __post_init__(self) -> None:
        if self.rate_hz not in (25, 50, 100, 200):
            raise ValueError(f"accelerometer rate {self.rate_hz} Hz is not 25, 50, 100 or 200")
        if self.noise_mg < 0 or self.cardiac_mg < 0 or self.posture_sd_deg < 0:
            raise ValueError("chest noise, cardiac bump and posture drift cannot be negative")
        if self.posture_tau_s <= 0:
            raise ValueError("the posture time constant must be positive")


class Chest:
    """The accelerometer of a strap on a breathing chest.

    Parameters
    ----------
    spec : ChestSpec
        Rate, tilt, drift and noise.
    seed : int
        Seed of the posture, drift and noise.
    """

    def __init__(self, spec: ChestSpec | None = None, seed: int = 0) -> None:
        self.spec = spec or ChestSpec()
        self._rng = np.random.default_rng([seed, 0xACC])
        self._lean_deg = float(self._rng.uniform(15.0, 35.0))
        self._side_deg = float(self._rng.uniform(-10.0, 10.0))
        self._drift = np.zeros(2)
        self._smooth = np.zeros(2)
        self._k = 0  # samples made
        self._beats: list[float] = []

    @property
    def period_s(self) -> float:
        """Time between samples, s."""
        return 1.0 / self.spec.rate_hz

    def samples(
        self,
        until_s: float,
        volume_t_s: NDArray[np.float64],
        volume: NDArray[np.float64],
        beat_times_s: list[float],
    ) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
        """The samples due from the last one up to ``until_s``.

        Parameters
        ----------
        until_s : float
            Make every sample at or before this time (samples fall on ``k / rate_hz``).
        volume_t_s, volume : ndarray
            The person's tidal volume over (at least) the new samples' span, at its
            simulation steps; read by linear interpolation.
        beat_times_s : list of float
            Heartbeats since the last call (each bumps the chest once).

        Returns
        -------
        times_s : ndarray of float64
            Sample times, s (true time, before the sensor's clock).
        xyz_mg : ndarray of int32, shape (n, 3)
            x (along the body, gravity mostly), y (sideways), z (out of the chest), mG.
        """
        sp = self.spec
        k_end = int(math.floor(until_s * sp.rate_hz + 1e-9))
        n = k_end - self._k
        if n <= 0:
            return np.zeros(0), np.zeros((0, 3), dtype=np.int32)
        t = (self._k + 1 + np.arange(n)) / sp.rate_hz
        self._k = k_end
        v = np.interp(t, volume_t_s, volume) if volume.size else np.zeros(n)
        # Posture drift: Ornstein-Uhlenbeck, exact discretisation per sample.
        a = math.exp(-self.period_s / sp.posture_tau_s)
        sd = sp.posture_sd_deg * math.sqrt(1.0 - a * a)
        b = 1.0 - math.exp(-self.period_s / 10.0)
        drift = np.empty((n, 2))
        d, m = self._drift, self._smooth
        steps = self._rng.standard_normal((n, 2)) * sd
        for i in range(n):
            d = a * d + steps[i]
            m = m + b * (d - m)
            drift[i] = m
        self._drift, self._smooth = d, m
        lean = np.radians(self._lean_deg + drift[:, 0] + sp.tilt_per_breath_deg * v)
        side = np.radians(self._side_deg + drift[:, 1] + sp.tilt_per_breath_deg / 3.0 * v)
        x = -GRAVITY_MG * np.cos(lean) * np.cos(side)
        y = GRAVITY_MG * np.sin(side)
        z = GRAVITY_MG * np.sin(lean) * np.cos(side)
        self._beats = [b for b in self._beats if b > t[0] - 0.5] + list(beat_times_s)
        bump = np.zeros(n)
        for b in self._beats:
            bump += np.exp(-0.5 * ((t - b - 0.1) / 0.04) ** 2)
        z = z + sp.cardiac_mg * bump
        xyz = np.stack([x, y, z], axis=1) + self._rng.standard_normal((n, 3)) * sp.noise_mg
        return t, np.rint(xyz).astype(np.int32)
