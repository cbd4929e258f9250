"""A simulated person: breathing, heart rate and heartbeats, for the simulated strap.

The model is built from the physiology the program is meant to show, so that a
clinician can demonstrate threat and soothing without a strap and the tests can check
the program against known truth:

* **Breathing.** The person follows the breathing pacer with a lag and a jitter that
  grow as adherence falls, and spends a share of the time (1 - adherence) breathing at
  their own spontaneous rate (12-16 breaths/min) instead; people often do not follow a
  pacer (Steffen et al. 2021). Switching between the two is blended over 3 s, so the
  breathing curve never jumps.
* **Heart rate.** A mean set by the emotional state, plus respiratory sinus arrhythmia
  (RSA) with two paths: a direct vagal path, flat in frequency, and a baroreflex path
  whose gain is a second-order resonance (a band-pass with unit gain and zero phase at
  the person's resonance frequency, lagging above it and leading below it). Breathing
  near the resonance therefore gives the largest, smoothest heart-rate oscillation, in
  phase with the breath (Vaschillo et al. 2002; Lehrer & Gevirtz 2014). Plus a 0.1 Hz
  Mayer-wave component (white noise through a narrow band-pass), a slow random drift
  (Ornstein-Uhlenbeck) and beat-to-beat noise.
* **Heartbeats.** An integral pulse frequency modulation (IPFM) model: the heart-rate
  signal is integrated and a beat fires each time the integral reaches a threshold that
  varies a little from beat to beat (Mateo & Laguna 2000). Ectopic beats (premature,
  with a compensatory pause) are the person's; missed and extra beats are the strap's
  and live in :mod:`resonant.devices.simulated`.
* **States.** ``rest``, ``threat`` and ``soothing`` set the mean heart rate, the vagal
  tone (scaling the RSA), breathing depth and spontaneous rate, and the noise; a change
  of state moves every parameter smoothly over about 30 s.

Everything is driven by the session times asked for, never by the wall clock, and by a
seeded random generator: the same seed and the same pacer give the same beats.

References
----------
Vaschillo E, Lehrer P, Rishe N, Konstantinov M (2002). Heart rate variability
biofeedback as a method for assessing baroreflex function: a preliminary study of
resonance in the cardiovascular system. Appl Psychophysiol Biofeedback 27:1-27.
Lehrer PM, Gevirtz R (2014). Heart rate variability biofeedback: how and why does it
work? Front Psychol 5:756.
Mateo J, Laguna P (2000). Improved heart rate variability signal analysis from the beat
occurrence times according to the IPFM model. IEEE Trans Biomed Eng 47(8):985-996.
Steffen PR et al. (2021). Integrating breathing techniques into psychotherapy to improve
HRV: which approach is best? Front Psychol 12:624254.
Hirsch JA, Bishop B (1981). Respiratory sinus arrhythmia in humans: how breathing
pattern modulates heart rate. Am J Physiol 241:H620-H629.
Langewitz W, Rüddel H (1989). Spectral analysis of heart rate variability under mental
stress. J Hypertens 7 Suppl 6:S32-S33 [citation details unverified].
Castaldo R et al. (2015). Acute mental stress assessment via short term HRV analysis in
healthy adults: a systematic review with meta-analysis. Biomed Signal Process Control
18:370-377.
McCraty R, Atkinson M, Tomasino D, Bradley RT (2009). The coherent heart. Integral
Review 5(2):10-115.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from resonant.model.pacer import PacerSchedule

__all__ = ["STATES", "MODELS", "StateProfile", "PROFILES", "PersonSpec", "Person", "TrueBeat"]

STATES = ("rest", "threat", "soothing")
#: The simulated people: ``resonator`` (:class:`Person`, this module) and ``delay``
#: (:class:`resonant.devices.baroreflex.DelayedBaroreflexPerson`).
MODELS = ("resonator", "delay")

#: Simulation step of the breathing and heart-rate signals, s (10 Hz: breathing and
#: Mayer waves are below 0.5 Hz; beat times are interpolated within a step).
DT_S = 0.1
#: Share of the resonance range the model accepts, breaths/min.
RESONANCE_RANGE_BPM = (4.0, 7.0)


@dataclass(frozen=True, slots=True)
class StateProfile:
    """Physiology of one emotional state.

    Attributes
    ----------
    hr_bpm : float
        Mean heart rate.
    vagal : float
        Vagal tone, scaling both RSA paths (1 = a healthy adult at rest).
    depth : float
        Breathing depth, 0-1 (1 = the slow, full breaths of soothing rhythm breathing).
    own_rate_bpm : float
        Spontaneous breathing rate when not following the pacer, breaths/min.
    noise_ms : float
        Standard deviation of the beat-to-beat noise, ms.
    mayer_bpm : float
        Standard deviation of the Mayer-wave component (a narrow 0.1 Hz rhythm), bpm.
    lf_broad_bpm : float
        Standard deviation of an irregular, broad low-frequency component (0.03-0.15 Hz,
        no single peak), bpm: the uneven sympathetic fluctuation of acute stress. 0 at
        rest and in soothing.
    """

    hr_bpm: float
    vagal: float
    depth: float
    own_rate_bpm: float
    noise_ms: float
    mayer_bpm: float
    lf_broad_bpm: float = 0.0


#: Threat follows what is reported for acute stress in the laboratory:
#:
#: - a faster heart (hr_bpm 86 against 70): heart rate rises by 10-20 bpm under mental
#:   stress tasks (Kim et al. 2018, review; Castaldo et al. 2015, meta-analysis);
#: - vagal withdrawal (vagal 0.75, with depth 0.4 an RSA of half rest's per breath):
#:   RMSSD and HF power fall under acute stress (Castaldo et al. 2015; Thayer et al.
#:   2012), and so does beat-to-beat noise (7 ms). Withdrawal is partial, not total: the
#:   respiratory sinus arrhythmia stays, smaller, at the faster breathing rate (its
#:   amplitude falls with faster and shallower breaths; Hirsch & Bishop 1981). Measured
#:   (10 minutes unpaced, seeds 0-7): HF 31 against 184 ms² at rest, RMSSD 10.5 against
#:   21.4 ms;
#: - faster, shallower breathing (own_rate 18, depth 0.4): respiratory rate rises and
#:   tidal volume tends to fall under mental stress and anxiety (Suess et al. 1980;
#:   Grassi et al. 2014 [unverified]; Homma & Masaoka 2008);
#: - LF/HF up (0.62 against 0.38) with an irregular, smaller low-frequency rhythm:
#:   sympathetic activity under stress is uneven rather than one clean 0.1 Hz wave
#:   (Julien 2006 on the Mayer wave's variable amplitude and frequency), and the 0.1 Hz
#:   power does not grow under mental tasks: it fell during a reaction-time task and was
#:   unchanged during mental arithmetic (Langewitz & Rüddel 1989 [unverified]). So the
#:   narrow Mayer component is smaller than at rest (0.15 against 0.5 bpm) and a broad
#:   0.003-0.2 Hz component (lf_broad 0.45 bpm) carries the rest of the LF power; LF/HF
#:   rises because HF falls further than LF (19 against 70 ms² LF).
#:
#: The coherence ratio (hrv-spec §5.6) is the power within 0.015 Hz of the highest point
#: in 0.04-0.26 Hz over all other power in 0.0033-0.4 Hz. A 64-s window resolves the LF
#: band into only about four such peak windows, so a spectrum made mostly of LF power
#: reads 0.4-1 however broad or irregular it is; what keeps the ratio low under threat is
#: that breathing at 18/min puts the remaining RSA at 0.3 Hz, above the peak search band,
#: where it counts only against the peak. With nearly all RSA withdrawn (the earlier
#: setting: vagal 0.3, Mayer 0.25, lf_broad 1 bpm) the LF wander dominated, its peak
#: window sat at the 0.04 Hz edge where that wander is strongest, and the stressor's
#: ratio (0.2-0.6) exceeded the baseline's in 4 of seeds 1-30. Now it is 0.26 over 10
#: minutes (rest 0.55), and at or below the baseline in every one of seeds 1-40 of
#: ``record --simulate --protocol threat-soothing`` (``benchmarks/threat_contrast.py``),
#: as the coherence literature reports for stress and negative emotion (McCraty et al.
#: 2009).
#:
#: Soothing: slower heart, more vagal tone, slow full breaths.
PROFILES: dict[str, StateProfile] = {
    #                      hr_bpm vagal depth own_rate noise_ms mayer_bpm lf_broad_bpm
    "rest": StateProfile(70.0, 1.0, 0.6, 14.0, 12.0, 0.5),
    "threat": StateProfile(86.0, 0.75, 0.4, 18.0, 7.0, 0.15, 0.45),
    "soothing": StateProfile(64.0, 1.3, 1.0, 12.0, 13.0, 0.6),
}
#: Time constants of the broad low-frequency component: Ornstein-Uhlenbeck processes of
#: equal power whose sum has a spectrum falling smoothly from 0.01 to 0.2 Hz, with no
#: peak (an erratic rather than a sine-like rhythm), s.
LF_BROAD_TAUS_S = (60.0, 15.0, 4.0, 1.0)


@dataclass(frozen=True, slots=True)
class PersonSpec:
    """Who the simulated person is.

    Attributes
    ----------
    resonance_bpm : float
        Breathing rate at which the baroreflex resonates, breaths/min (4-7).
    state : str
        Initial state: ``rest``, ``threat`` or ``soothing``.
    adherence : float
        0-1: the share of the time spent following the pacer; it also sets how closely
        (lag 0.4-1.6 s, jitter 0.1-0.7 s, both shrinking as adherence grows).
    resonance_q : float
        Sharpness of the resonance (quality factor of the band-pass).
    rsa_resonant_bpm : float
        Half the peak-to-trough heart-rate swing of the baroreflex path at resonance,
        for a full breath (depth 1) and vagal tone 1, bpm.
    rsa_direct_bpm : float
        Half the peak-to-trough swing of the direct vagal path, bpm.
    drift_bpm : float
        Standard deviation of the slow drift of heart rate, bpm.
    ectopic_rate : float
        Share of beats that are premature (ectopic) beats, 0-0.2.
    transition_s : float
        Time a change of state takes, s.
    seed : int
        Seed of every random part.
    model : str
        Which simulated person: ``resonator`` (a band-pass resonance, :class:`Person`) or
        ``delay`` (a delayed baroreflex loop,
        :class:`resonant.devices.baroreflex.DelayedBaroreflexPerson`).
    """

    resonance_bpm: float = 5.5
    state: str = "rest"
    adherence: float = 0.9
    resonance_q: float = 5.0
    rsa_resonant_bpm: float = 6.5
    rsa_direct_bpm: float = 2.2
    drift_bpm: float = 2.0
    ectopic_rate: float = 0.0
    transition_s: float = 30.0
    seed: int = 0
    model: str = "resonator"

    def __post_init__(self) -> None:
        lo, hi = RESONANCE_RANGE_BPM
        if not lo <= self.resonance_bpm <= hi:
            raise ValueError(
                f"resonance rate {self.resonance_bpm:g} breaths/min is outside {lo:g}-{hi:g}"
            )
        if self.state not in STATES:
            raise ValueError(f"state {self.state!r} is not one of {', '.join(STATES)}")
        if not 0.0 <= self.adherence <= 1.0:
            raise ValueError(f"adherence {self.adherence:g} is outside 0-1")
        if not 0.0 <= self.ectopic_rate <= 0.2:
            raise ValueError(f"ectopic beat rate {self.ectopic_rate:g} is outside 0-0.2")
        if self.model not in MODELS:
            raise ValueError(f"model {self.model!r} is not one of {', '.join(MODELS)}")


@dataclass(frozen=True, slots=True)
class TrueBeat:
    """A heartbeat as the heart made it (before the strap sees it).

    Attributes
    ----------
    time_s : float
        Time of the R-peak, s.
    rr_ms : float
        Interval since the previous R-peak, ms.
    ectopic : bool
        True for a premature beat or the compensatory pause after it.
    """

    time_s: float
    rr_ms: float
    ectopic: bool = False


class _Biquad:
    """Second-order band-pass (bilinear transform, pre-warped), unit gain and zero phase at f0."""

    def __init__(self, f0_hz: float, q: float, fs_hz: float) -> None:
        w0 = 2.0 * math.pi * f0_hz / fs_hz
        alpha = math.sin(w0) / (2.0 * q)
        a0 = 1.0 + alpha
        # RBJ cookbook band-pass with 0 dB peak gain.
        self.b0, self.b2 = alpha / a0, -alpha / a0
        self.a1, self.a2 = -2.0 * math.cos(w0) / a0, (1.0 - alpha) / a0
        self.x1 = self.x2 = self.y1 = self.y2 = 0.0

    def __call__(self, x: float) -> float:
        y = self.b0 * x + self.b2 * self.x2 - self.a1 * self.y1 - self.a2 * self.y2
        self.x2, self.x1 = self.x1, x
        self.y2, self.y1 = self.y1, y
        return y

    def noise_gain(self, n: int = 4000) -> float:
        """Standard deviation of the output for unit white noise (from the impulse response)."""
        saved = (self.x1, self.x2, self.y1, self.y2)
        self.x1 = self.x2 = self.y1 = self.y2 = 0.0
        total = 0.0
        for k in range(n):
            h = self(1.0 if k == 0 else 0.0)
            total += h * h
        self.x1, self.x2, self.y1, self.y2 = saved
        return math.sqrt(total)


def _smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


def _blend(a: StateProfile, b: StateProfile, w: float) -> StateProfile:
    return StateProfile(*(
        (1.0 - w) * getattr(a, f.name) + w * getattr(b, f.name) for f in fields(StateProfile)
    ))  # fmt: skip


def _breath_volume(phase: float, inhale_share: float) -> float:
    """Lung volume 0-1 at a breath phase 0-1 (inhale first), half-cosine shaped."""
    if phase < inhale_share:
        return 0.5 - 0.5 * math.cos(math.pi * phase / inhale_share)
    return 0.5 + 0.5 * math.cos(math.pi * (phase - inhale_share) / (1.0 - inhale_share))


class Person:
    """The simulated person, advanced in session time.

    Parameters
    ----------
    spec : PersonSpec
        Who the person is.
    pacer : PacerSchedule or None
        The pacer they may follow; None means no pacer (they breathe at their own rate).

    Examples
    --------
    >>> p = Person(PersonSpec(seed=1))
    >>> beats = p.advance(60.0)
    >>> 55 < len(beats) < 85
    True
    """

    #: Mean length of a stretch of breathing at one's own rate, s.
    OWN_EPISODE_S = 20.0
    #: Time to blend between following the pacer and breathing at one's own rate, s.
    SWITCH_S = 3.0

    def __init__(self, spec: PersonSpec, pacer: PacerSchedule | None = None) -> None:
        self.spec = spec
        self.pacer = pacer
        self._rng = np.random.default_rng(spec.seed)
        self._t = 0.0
        # State and its transition.
        self._from = self._to = PROFILES[spec.state]
        self._state = spec.state
        self._change_s = -math.inf
        # Breathing.
        self._own_phase = float(self._rng.uniform())
        self._own_rate = PROFILES[spec.state].own_rate_bpm
        self._own_depth = 1.0
        self._following = spec.adherence > 0.0
        self._w = 1.0 if self._following and pacer is not None else 0.0
        a = spec.adherence
        self._lag_mean_s = 0.4 + 1.2 * (1.0 - a)
        self._lag_sd_s = 0.1 + 0.6 * (1.0 - a)
        self._lag_s = self._lag_mean_s
        # Heart.
        fs = 1.0 / DT_S
        self._baro = _Biquad(spec.resonance_bpm / 60.0, spec.resonance_q, fs)
        self._mayer = _Biquad(0.1, 4.0, fs)
        self._mayer_norm = 1.0 / self._mayer.noise_gain()
        # The broad low-frequency component has its own generator, so that the rest and
        # soothing states (where it is 0) draw exactly what they drew before it existed.
        self._lf_rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 0x1F]))
        self._lf = [0.0] * len(LF_BROAD_TAUS_S)
        self._drift = 0.0
        self._beat_phase = float(self._rng.uniform(0.2, 0.8))
        self._threshold = 1.0
        self._last_beat_s: float | None = None
        self._pending_pause = False
        self._next_ectopic = False
        self._premature = 0.7
        # Last values, for tests and the demo.
        self.volume = 0.0
        # Lung volume above rest, depth-scaled (0 to about 1), read by the simulated chest.
        self.tidal_volume = 0.0
        self.hr_bpm = PROFILES[spec.state].hr_bpm
        self.breath_rate_bpm = self._own_rate

    # -- control -------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """The state the person is in or moving to."""
        return self._state

    @property
    def following(self) -> bool:
        """True while the person is following the pacer (rather than their own rate)."""
        return self._following and self.pacer is not None

    def set_state(self, state: str, at_s: float | None = None) -> None:
        """Start moving to ``state``; the change takes ``spec.transition_s`` seconds."""
        if state not in STATES:
            raise ValueError(f"state {state!r} is not one of {', '.join(STATES)}")
        at = self._t if at_s is None else max(at_s, self._t)
        self._from = self._profile(at)
        self._to = PROFILES[state]
        self._state = state
        self._change_s = at

    def _profile(self, t: float) -> StateProfile:
        if self._from is self._to:
            return self._to
        tau = self.spec.transition_s
        w = _smoothstep((t - self._change_s) / tau) if tau > 0 else 1.0
        if w >= 1.0:
            self._from = self._to
            return self._to
        return _blend(self._from, self._to, w)

    # -- simulation ----------------------------------------------------------------------

    def advance(self, until_s: float) -> list[TrueBeat]:
        """Run the person up to ``until_s``; return the beats completed on the way."""
        beats: list[TrueBeat] = []
        rng = self._rng
        spec = self.spec
        dt = DT_S
        sqrt_dt = math.sqrt(dt)
        tau_drift, tau_lag = 90.0, 5.0
        # Episodes of following last OWN_EPISODE_S * a / (1 - a) on average, so that the
        # share of time spent following is the adherence a.
        a = spec.adherence
        p_own = dt * (1.0 - a) / (self.OWN_EPISODE_S * a) if 0.0 < a < 1.0 else 0.0
        p_back = dt / self.OWN_EPISODE_S
        while self._t + dt <= until_s + 1e-6 * dt:  # (summed steps carry rounding)
            t0 = self._t
            t = t0 + dt
            prof = self._profile(t)
            # Following the pacer or not: a two-state Markov chain whose time share is the
            # adherence.
            if self.pacer is None or spec.adherence <= 0.0:
                self._following = False
            elif self._following:
                if rng.uniform() < p_own:
                    self._following = False
            elif rng.uniform() < p_back:
                self._following = True
            target_w = 1.0 if self.following else 0.0
            step = dt / self.SWITCH_S
            self._w += max(-step, min(step, target_w - self._w))
            # Own breathing: a phase oscillator whose rate and depth vary from breath to breath.
            self._own_phase += self._own_rate / 60.0 * dt
            if self._own_phase >= 1.0:
                self._own_phase -= 1.0
                self._own_rate = max(6.0, prof.own_rate_bpm * (1.0 + 0.08 * rng.standard_normal()))
                self._own_depth = max(0.5, 1.0 + 0.12 * rng.standard_normal())
            own_v = _breath_volume(self._own_phase, 0.42)
            # Following: the pacer's volume a lag ago, with a slowly wandering lag.
            self._lag_s += (self._lag_mean_s - self._lag_s) * dt / tau_lag + (
                self._lag_sd_s * math.sqrt(2.0 / tau_lag) * sqrt_dt * rng.standard_normal()
            )
            if self.pacer is not None and self._w > 0.0:
                lagged = self.pacer.at(max(0.0, t - max(0.0, self._lag_s)))
                pacer_v, rate = lagged.volume, lagged.rate_bpm
            else:
                pacer_v, rate = own_v, self._own_rate
            v = self._w * pacer_v + (1.0 - self._w) * own_v
            depth = prof.depth * (self._w + (1.0 - self._w) * self._own_depth)
            u = depth * (2.0 * v - 1.0)
            self.volume = v
            self.tidal_volume = depth * v
            self.breath_rate_bpm = self._w * rate + (1.0 - self._w) * self._own_rate
            # Heart rate, bpm.
            baro = self._baro(u)
            mayer = self._mayer(rng.standard_normal()) * self._mayer_norm
            lf_broad = self._lf_broad(dt)
            self._drift += (
                -self._drift * dt / tau_drift
                + spec.drift_bpm * math.sqrt(2.0 / tau_drift) * sqrt_dt * rng.standard_normal()
            )
            hr = (
                prof.hr_bpm + self._drift
                + prof.vagal * (spec.rsa_resonant_bpm * baro + spec.rsa_direct_bpm * u)
                + prof.mayer_bpm * mayer
                + prof.lf_broad_bpm * lf_broad
            )  # fmt: skip
            hr = min(max(hr, 35.0), 180.0)
            self.hr_bpm = hr
            # IPFM: integrate, fire at the threshold (interpolated inside the step).
            inc = hr / 60.0 * dt
            while self._beat_phase + inc >= self._threshold:
                frac = (self._threshold - self._beat_phase) / inc
                tb = t0 + frac * dt
                inc -= self._threshold - self._beat_phase
                t0 = tb
                self._beat_phase = 0.0
                beats.append(self._fire(tb, prof, hr))
            self._beat_phase += inc
            self._t = t
        return beats

    def _lf_broad(self, dt: float) -> float:
        """One step of the broad low-frequency component, unit standard deviation.

        The mean of Ornstein-Uhlenbeck processes (``LF_BROAD_TAUS_S``), scaled to unit
        variance: a spectrum without a resonance, so its highest point wanders from
        window to window instead of standing at 0.1 Hz.
        """
        total = 0.0
        for i, tau in enumerate(LF_BROAD_TAUS_S):
            kick = math.sqrt(2.0 * dt / tau) * self._lf_rng.standard_normal()
            self._lf[i] += -self._lf[i] * dt / tau + kick
            total += self._lf[i]
        return total / math.sqrt(len(LF_BROAD_TAUS_S))

    def _fire(self, tb: float, prof: StateProfile, hr: float) -> TrueBeat:
        """Make one beat at ``tb`` and choose the next threshold."""
        rng = self._rng
        rr_ms = (tb - self._last_beat_s) * 1000.0 if self._last_beat_s is not None else 60000.0 / hr
        self._last_beat_s = tb
        ectopic = self._next_ectopic
        self._next_ectopic = False
        # Next beat: usually after a normal cycle with beat-to-beat noise; sometimes a premature
        # beat (65-75 % of the cycle) followed by a compensatory pause that restores the rhythm.
        noise = prof.noise_ms / (60000.0 / hr) * rng.standard_normal()
        if self._pending_pause:
            self._threshold = 2.0 - self._premature + noise
            self._pending_pause = False
            self._next_ectopic = True
        elif self.spec.ectopic_rate > 0.0 and rng.uniform() < self.spec.ectopic_rate:
            self._premature = float(rng.uniform(0.65, 0.75))
            self._threshold = self._premature
            self._pending_pause = True
            self._next_ectopic = True
        else:
            self._threshold = max(0.5, 1.0 + noise)
        return TrueBeat(tb, rr_ms, ectopic)
