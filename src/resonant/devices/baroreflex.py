"""A second simulated person: a closed baroreflex loop with a delay.

The first simulated person (:mod:`resonant.devices.physiology`) makes the resonance with
a band-pass filter. This one makes it the way the physiology is thought to: a blood
pressure control loop whose delay lets it ring (deBoer, Karemaker & Strackee 1987;
Vaschillo et al. 2002, 2006). The two share no code, only the interface types, so that the
assessment and the adaptive guide can be checked against two unlike people and are not
tuned to one model.

* **Circulation.** Blood pressure deviation ``p`` (mmHg) follows an arterial Windkessel
  (a first-order lag of time constant ``WINDKESSEL_S``) driven by heart rate (cardiac
  output), by peripheral resistance, by breathing and by a random vascular disturbance.
  Breathing acts mechanically: a deeper inspiration lowers intrathoracic pressure, the
  left ventricle fills less a pulmonary transit time later, and pressure falls
  (``RESPIRATORY_DELAY_S`` later).
* **Baroreflex.** Two branches answer pressure. The vagal branch slows the heart within
  ``VAGAL_DELAY_S`` of a pressure rise (gain: the baroreflex sensitivity of the state,
  ms/mmHg; Eckberg & Sleight 1992). The sympathetic branch lowers peripheral resistance
  after a pure delay and a first-order lag (``SYMPATHETIC_LAG_S``); it is the slow, delayed
  loop that rings, at the frequency where its phase lag reaches half a cycle (deBoer et
  al. 1987: the 10-s rhythm; Vaschillo et al. 2006: heart rate and blood pressure 180
  degrees apart at resonance). Breathing at that frequency drives the loop at its
  resonance, and the heart-rate swing, which follows pressure through the vagal branch,
  is largest there. A small central (direct) respiratory modulation of vagal outflow adds
  a flat part (Eckberg 2003).
* **Calibration.** The loop is linear, so its steady-state response to breathing is known
  exactly (``_hr_response``: the z-transform of the very update equations the simulation
  runs, at its 0.1-s step). :func:`calibrate_loop` chooses the sympathetic delay and gain
  so that the sympathetic term cancels ``LOOP_GAIN`` of the rest of the loop at a design
  frequency, then moves the design frequency (bisection) until the peak-to-trough
  heart-rate swing for a full breath of the pacer's shape (4:6 half-cosine, harmonics
  included) is largest at ``spec.resonance_bpm``. The respiratory drive is scaled so that
  the baroreflex part of the swing at resonance is ``spec.rsa_resonant_bpm`` each side.
  It is done per state, so the resonance is the person's in every state (the delay is
  2-5 s, longer for a slower resonance: 5.0 s at 4, 3.1 s at 5.5, 2.1 s at 7
  breaths/min).
* **Noise.** A vascular disturbance (Ornstein-Uhlenbeck, 2 s) that the loop itself turns
  into a Mayer-like wave at its resonance; a 1/f-like heart-rate fluctuation (three
  Ornstein-Uhlenbeck processes, 5, 50 and 500 s, equal power; total ``spec.drift_bpm``);
  beat-to-beat jitter of the pacemaker threshold that is AR(1) across beats.
* **Breathing.** A phase oscillator. While the person follows the guide it is pulled
  toward the guide's breath phase (phase locking, with a reaction lag and phase noise
  that grow as adherence falls, so it can slip a breath); otherwise it runs at the
  person's own rate, which varies from breath to breath (AR(1)), with an occasional sigh.
  Following and own-rate stretches alternate with log-normal lengths (own stretches of
  about 50 s on average, following stretches ``a / (1 - a)`` times as long), switching
  only at the end of a breath: the share of time following is the adherence ``a``.
* **Heartbeats.** The pacemaker integrates heart rate and fires when the integral passes
  a threshold whose jitter is AR(1) from beat to beat. An ectopic (premature ventricular) beat
  falls 60-75 % of a cycle after a sinus beat; the next sinus beat meets a refractory
  ventricle and is hidden, so a full compensatory pause follows. Both intervals are
  flagged.

References
----------
deBoer RW, Karemaker JM, Strackee J (1987). Hemodynamic fluctuations and baroreflex
sensitivity in humans: a beat-to-beat model. Am J Physiol 253:H680-H689.
Vaschillo E, Lehrer P, Rishe N, Konstantinov M (2002). Heart rate variability
biofeedback as a method for assessing baroreflex function: a preliminary study of
resonance in the cardiovascular system. Appl Psychophysiol Biofeedback 27:1-27.
Vaschillo EG, Vaschillo B, Lehrer PM (2006). Characteristics of resonance in heart rate
variability stimulated by biofeedback. Appl Psychophysiol Biofeedback 31:129-142.
Eckberg DL, Sleight P (1992). Human Baroreflexes in Health and Disease. Oxford:
Clarendon Press.
Eckberg DL (2003). The human respiratory gate. J Physiol 548:339-352.
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from resonant.devices.physiology import DT_S, PROFILES, STATES, PersonSpec, TrueBeat
from resonant.model.pacer import PacerSchedule, PacerSettings

__all__ = ["DelayedBaroreflexPerson", "LoopCalibration", "calibrate_loop", "swing_curve"]

#: Arterial Windkessel time constant (peripheral resistance times compliance), s.
WINDKESSEL_S = 1.5
#: Blood pressure rise per bpm of heart rate in the steady state (cardiac output), mmHg/bpm.
HR_TO_BP_MMHG = 0.3
#: Latency of the vagal (cardiac) baroreflex, s.
VAGAL_DELAY_S = 0.5
#: Time constant of the sympathetic (vascular) response after its delay, s.
SYMPATHETIC_LAG_S = 1.5
#: Pulmonary transit: from lung volume to left-ventricular output, s.
RESPIRATORY_DELAY_S = 1.0
#: Share of the rest of the loop the sympathetic term cancels at resonance (0-1); the
#: closer to 1, the sharper and taller the resonance.
LOOP_GAIN = 0.8
#: Inhale share of the breath shape the calibration assumes (the pacer's default 4:6).
CALIBRATION_INHALE_SHARE = 0.4


@dataclass(frozen=True, slots=True)
class _Tone:
    """What one state sets in this model.

    Attributes
    ----------
    hr_bpm : float
        Mean heart rate (the state means of :data:`~resonant.devices.physiology.PROFILES`).
    brs_ms_per_mmhg : float
        Vagal baroreflex sensitivity (threat lowers it, slow calm breathing raises it).
    central : float
        Central respiratory modulation of vagal outflow, relative to rest.
    depth : float
        Breathing depth, 0-1.
    own_rate_bpm : float
        Spontaneous breathing rate, breaths/min.
    vascular_mmhg : float
        Standard deviation of the random vascular disturbance of pressure, mmHg.
    jitter_ms : float
        Standard deviation of the pacemaker's beat-to-beat jitter, ms.
    erratic_bpm : float
        Standard deviation of an erratic sympathetic drive of heart rate, bpm: broad
        low-frequency power with no single peak (0 at rest and in soothing).
    loop_gain : float
        Share of the rest of the loop the sympathetic term cancels at resonance
        (:data:`LOOP_GAIN` but under threat): how sharply the loop rings.
    drift_scale : float
        Scale of the slow 1/f-like heart-rate fluctuation (``spec.drift_bpm``), relative
        to rest.
    """

    hr_bpm: float
    brs_ms_per_mmhg: float
    central: float
    depth: float
    own_rate_bpm: float
    vascular_mmhg: float
    jitter_ms: float
    erratic_bpm: float = 0.0
    loop_gain: float = LOOP_GAIN
    drift_scale: float = 1.0

    @property
    def vagal_gain(self) -> float:
        """Vagal baroreflex gain in bpm/mmHg at the state's mean heart rate."""
        return self.brs_ms_per_mmhg * self.hr_bpm**2 / 60000.0


def _tone(
    state: str, brs: float, central: float, vascular: float, jitter: float,
    erratic: float = 0.0, loop_gain: float = LOOP_GAIN, drift_scale: float = 1.0,
) -> _Tone:  # fmt: skip
    p = PROFILES[state]
    return _Tone(
        p.hr_bpm, brs, central, p.depth, p.own_rate_bpm, vascular, jitter, erratic, loop_gain,
        drift_scale,
    )  # fmt: skip


#: Baroreflex sensitivity about 12 ms/mmHg at rest, lower under threat, higher in slow calm
#: breathing (Eckberg & Sleight 1992; Joseph et al. 2005, Hypertension 46:714-718).
#:
#: Threat follows acute mental stress (the heart rate, breathing rate and depth come
#: from :data:`~resonant.devices.physiology.PROFILES`, cited there):
#:
#: - baroreflex sensitivity falls (4.5 against 12 ms/mmHg) and the central respiratory
#:   gating of vagal outflow is withdrawn (0.4): acute mental stress lowers cardiac
#:   baroreflex sensitivity and RSA (Steptoe & Sawada 1989; Castaldo et al. 2015), so
#:   RMSSD and HF fall;
#: - the random vascular drive that the loop turns into a clean Mayer wave at its
#:   resonance is small (0.25 mmHg), and an erratic sympathetic drive of heart rate
#:   (1 bpm, broad 0.02-0.2 Hz, no peak) carries the low-frequency power instead:
#:   LF/HF rises, but as an uneven rhythm, not one 0.1 Hz sine (Julien 2006: the Mayer
#:   wave's amplitude and frequency vary), so the coherence ratio stays at or below
#:   rest (McCraty et al. 2009: stress and negative emotion give an erratic rhythm);
#: - the loop rings less sharply (loop gain 0.55 against 0.8): with the vagal gain low,
#:   less of the loop's disturbance is turned into one clean oscillation;
#: - the slow 1/f-like wandering of heart rate shrinks to 0.35 of rest: it is mostly
#:   vagal, abolished by vagal blockade (Taylor et al. 1998, Circulation 98:547-555);
#: - a little more beat-to-beat jitter than before (6 ms), still below rest.
#:
#: What this gives, and its limit (issue 16): over 10 minutes the threat's coherence is
#: below rest's on average (0.44 against 0.47, seeds 0-7) with LF/HF up (seeds 0-3: 1.67
#: against 1.41), but seed by seed on ``record --simulate --protocol threat-soothing`` the
#: stressor's is at or below the 2-minute baseline's in 9 of seeds 1-12 (19 of 1-30;
#: ``benchmarks/threat_contrast.py``). This person's rest has little RSA and an LF/HF of
#: about 1.5, so its baseline coherence (0.19-0.61) is already what any spectrum without
#: a peak reads at that LF/HF balance: a 64-s window spans the LF band with only about
#: four of the ratio's 0.03-Hz peak windows, so peakless noise with LF/HF 1.8 reads about
#: 0.45 and white noise about 0.25, whatever its shape. A threat whose LF/HF rises, as
#: acute stress requires, cannot then sit reliably below rest seed by seed; the variants
#: tried (less ringing, a smaller erratic drive, more RSA at 18/min) moved the count by
#: one or two seeds at the cost of LF/HF falling below rest, so the tones are unchanged.
#: (The resonator person's rest has a clear RSA peak at 14/min inside the ratio's search
#: band, so there the contrast holds on every seed; :data:`resonant.devices.physiology.PROFILES`.)
_TONES: dict[str, _Tone] = {
    #                  state       brs   central vascular jitter erratic
    "rest": _tone("rest", 12.0, 1.0, 0.6, 9.0),
    "threat": _tone("threat", 4.5, 0.4, 0.25, 6.0, 1.0, 0.55, 0.35),
    "soothing": _tone("soothing", 16.0, 1.2, 0.5, 10.0),
}
#: Time constants of the erratic sympathetic drive: first-order Gauss-Markov processes
#: of equal power, whose sum has a smoothly falling spectrum without a peak, s.
_ERRATIC_S = (10.0, 3.0, 0.8)


# -- the loop's frequency response ---------------------------------------------------------


def _delay(z1: NDArray[np.complex128], delay_s: float) -> NDArray[np.complex128]:
    """A delay read from a history by linear interpolation: (1 - f) z^-n + f z^-(n+1)."""
    m = delay_s / DT_S
    n = int(math.floor(m))
    f = m - n
    return (1.0 - f) * z1**n + f * z1 ** (n + 1)


def _lag(z1: NDArray[np.complex128], tau_s: float) -> NDArray[np.complex128]:
    """The exponential first-order lag ``y += (x - y) * a`` as a transfer function."""
    a = 1.0 - math.exp(-DT_S / tau_s)
    return a / (1.0 - (1.0 - a) * z1)


@dataclass(frozen=True, slots=True)
class LoopCalibration:
    """The person's loop in one state, as calibrated.

    Attributes
    ----------
    sympathetic_delay_s : float
        Pure delay of the sympathetic branch, s.
    sympathetic_gain : float
        Gain of the sympathetic branch (mmHg of pressure per mmHg, through resistance).
    respiratory_mmhg : float
        Pressure fall per unit of breath (half a full breath's swing), mmHg.
    central_bpm : float
        Direct (central) heart-rate rise per unit of breath, bpm.
    vagal_gain : float
        Vagal baroreflex gain, bpm/mmHg.
    """

    sympathetic_delay_s: float
    sympathetic_gain: float
    respiratory_mmhg: float
    central_bpm: float
    vagal_gain: float


def _hr_response(
    omega: NDArray[np.float64], loop: LoopCalibration
) -> NDArray[np.complex128]:
    """Heart-rate deviation (bpm) per unit of breath ``u`` at angular frequencies ``omega``.

    The z-transform of :meth:`DelayedBaroreflexPerson._circulate`:
    ``h = -Gv D(tv) p + c u``, ``p W = kh h - Gs D(ts) L(tl) p - A D(tr) u``, with W the
    Windkessel's inverse lag. So ``h/u = c - Gv D(tv) (kh c - A D(tr)) / den`` with
    ``den = W + kh Gv D(tv) + Gs D(ts) L(tl)``.
    """
    z1 = np.exp(-1j * omega * DT_S)
    w_inv = 1.0 / _lag(z1, WINDKESSEL_S)
    dv = _delay(z1, VAGAL_DELAY_S)
    sympathetic = _delay(z1, loop.sympathetic_delay_s) * _lag(z1, SYMPATHETIC_LAG_S)
    den = w_inv + HR_TO_BP_MMHG * loop.vagal_gain * dv + loop.sympathetic_gain * sympathetic
    mechanical = loop.respiratory_mmhg * _delay(z1, RESPIRATORY_DELAY_S)
    drive = HR_TO_BP_MMHG * loop.central_bpm - mechanical
    return loop.central_bpm - loop.vagal_gain * dv * drive / den


def _breath_shape(phase: NDArray[np.float64], inhale_share: float) -> NDArray[np.float64]:
    """Lung volume 0-1 over a breath phase 0-1: a half cosine up, a half cosine down."""
    up = phase < inhale_share
    rise = 0.5 * (1.0 - np.cos(np.pi * phase / inhale_share))
    fall = 0.5 * (1.0 + np.cos(np.pi * (phase - inhale_share) / (1.0 - inhale_share)))
    return np.where(up, rise, fall)


_SAMPLES = 128
_HARMONICS = 8


@lru_cache(maxsize=8)
def _shape_coefficients(inhale_share: float) -> NDArray[np.complex128]:
    """Fourier coefficients 1.._HARMONICS of ``u = 2 v - 1`` over one breath."""
    u = 2.0 * _breath_shape(np.arange(_SAMPLES) / _SAMPLES, inhale_share) - 1.0
    return np.fft.rfft(u)[1 : _HARMONICS + 1] / _SAMPLES


def swing_curve(
    rates_bpm: NDArray[np.float64],
    loop: LoopCalibration,
    inhale_share: float = CALIBRATION_INHALE_SHARE,
) -> NDArray[np.float64]:
    """Steady-state peak-to-trough heart-rate swing (bpm) for full breaths at each rate.

    Parameters
    ----------
    rates_bpm : ndarray of float
        Breathing rates, breaths/min.
    loop : LoopCalibration
        The loop.
    inhale_share : float
        Share of the breath spent inhaling.

    Returns
    -------
    ndarray of float
        The swing without noise, bpm, for ``u`` going from -1 to 1 each breath.
    """
    rates = np.asarray(rates_bpm, dtype=np.float64)
    k = np.arange(1, _HARMONICS + 1)
    omega = 2.0 * np.pi * rates[:, None] / 60.0 * k[None, :]
    coef = _shape_coefficients(inhale_share)[None, :] * _hr_response(omega.ravel(), loop).reshape(
        omega.shape
    )
    phase = np.arange(_SAMPLES) / _SAMPLES
    basis = np.exp(2j * np.pi * k[:, None] * phase[None, :])
    y = 2.0 * np.real(coef @ basis)
    return _crest(y) + _crest(-y)  # the maximum less the minimum


def _crest(y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each periodic row's maximum, refined by a parabola through the largest sample and
    its two neighbours."""
    k = np.argmax(y, axis=1)
    rows = np.arange(y.shape[0])
    n = y.shape[1]
    mid = y[rows, k]
    left = y[rows, (k - 1) % n]
    right = y[rows, (k + 1) % n]
    curve = left - 2.0 * mid + right
    safe = np.where(curve < 0.0, curve, -1.0)
    lift = np.where(curve < 0.0, -((right - left) ** 2) / (8.0 * safe), 0.0)
    return np.asarray(mid + lift, dtype=np.float64)


def _design(
    omega_d: float, tone: _Tone, central_bpm: float, resonance_bpm: float, swing_bpm: float
) -> LoopCalibration:
    """The loop designed at ``omega_d``: the sympathetic delay and gain cancel the tone's
    loop gain of the rest of the loop there, and the respiratory drive gives a baroreflex
    swing of ``swing_bpm`` at ``resonance_bpm``."""
    z1 = np.exp(np.array([-1j * omega_d * DT_S]))
    rest = 1.0 / _lag(z1, WINDKESSEL_S) + HR_TO_BP_MMHG * tone.vagal_gain * _delay(
        z1, VAGAL_DELAY_S
    )
    lag = _lag(z1, SYMPATHETIC_LAG_S)
    # Gs e^{-j w ts} L = -g rest  <=>  w ts = arg L - arg rest + pi  (mod 2 pi)
    angle = (float(np.angle(lag[0])) - float(np.angle(rest[0])) + math.pi) % (2.0 * math.pi)
    delay_s = angle / omega_d
    gain = tone.loop_gain * float(abs(rest[0])) / float(abs(lag[0]))
    bare = LoopCalibration(delay_s, gain, 1.0, 0.0, tone.vagal_gain)
    unit = float(swing_curve(np.array([resonance_bpm]), bare)[0])
    return LoopCalibration(delay_s, gain, swing_bpm / unit, central_bpm, tone.vagal_gain)


def _peak_rate(loop: LoopCalibration, around_bpm: float) -> float:
    """The rate of the largest swing within 2 breaths/min of ``around_bpm`` (to 0.001)."""
    rates = np.arange(around_bpm - 2.0, around_bpm + 2.0, 0.01)
    rates = rates[rates > 1.0]
    k = int(np.argmax(swing_curve(rates, loop)))
    fine = np.linspace(rates[max(k - 1, 0)], rates[min(k + 1, rates.size - 1)], 21)
    return float(fine[int(np.argmax(swing_curve(fine, loop)))])


@lru_cache(maxsize=64)
def calibrate_loop(
    resonance_bpm: float, state: str, rsa_resonant_bpm: float, rsa_direct_bpm: float
) -> LoopCalibration:
    """The loop whose swing peaks at ``resonance_bpm`` in ``state``.

    Parameters
    ----------
    resonance_bpm : float
        The rate at which the heart-rate swing for a full breath is largest, breaths/min.
    state : str
        ``rest``, ``threat`` or ``soothing``.
    rsa_resonant_bpm : float
        Half the baroreflex part of the swing at resonance, at rest, for a full breath, bpm.
    rsa_direct_bpm : float
        The central (direct) modulation at rest, bpm per unit of breath.

    Returns
    -------
    LoopCalibration
        The calibrated loop.

    Notes
    -----
    The design frequency is found by bisection so that :func:`swing_curve` (central part
    included) peaks at ``resonance_bpm`` to 0.002 breaths/min. The baroreflex part of the
    swing at resonance is ``2 * rsa_resonant_bpm`` times the state's baroreflex
    sensitivity relative to rest.
    """
    tone = _TONES[state]
    central = rsa_direct_bpm * tone.central
    swing = 2.0 * rsa_resonant_bpm * tone.brs_ms_per_mmhg / _TONES["rest"].brs_ms_per_mmhg
    lo, hi = resonance_bpm - 1.5, resonance_bpm + 1.5  # design -> peak is monotone here
    for _ in range(40):
        design = 0.5 * (lo + hi)
        loop = _design(2.0 * math.pi * design / 60.0, tone, central, resonance_bpm, swing)
        peak = _peak_rate(loop, resonance_bpm)
        if abs(peak - resonance_bpm) < 2e-3:
            break
        if peak > resonance_bpm:
            hi = design
        else:
            lo = design
    return loop


# -- the person ----------------------------------------------------------------------------

#: Correlation time of the random vascular disturbance of pressure, s.
_VASCULAR_S = 2.0
#: Time constants of the 1/f-like heart-rate fluctuation, s.
_DRIFT_S = (5.0, 50.0, 500.0)
_WINDKESSEL_STEP = 1.0 - math.exp(-DT_S / WINDKESSEL_S)
_SYMPATHETIC_STEP = 1.0 - math.exp(-DT_S / SYMPATHETIC_LAG_S)
_PACE_STEP = 1.0 - math.exp(-DT_S / 4.0)  # the breathing pace settles over 4 s


def _blend_loop(a: LoopCalibration, b: LoopCalibration, w: float) -> LoopCalibration:
    if w <= 0.0:
        return a
    if w >= 1.0:
        return b
    return LoopCalibration(
        _mix(a.sympathetic_delay_s, b.sympathetic_delay_s, w),
        _mix(a.sympathetic_gain, b.sympathetic_gain, w),
        _mix(a.respiratory_mmhg, b.respiratory_mmhg, w),
        _mix(a.central_bpm, b.central_bpm, w),
        _mix(a.vagal_gain, b.vagal_gain, w),
    )


def _blend_tone(a: _Tone, b: _Tone, w: float) -> _Tone:
    if w <= 0.0:
        return a
    if w >= 1.0:
        return b
    return _Tone(*(_mix(x, y, w) for x, y in zip(astuple(a), astuple(b), strict=True)))


def _volume(phase: float, inhale_share: float) -> float:
    """:func:`_breath_shape` at one phase (the simulation's step)."""
    if phase < inhale_share:
        return 0.5 - 0.5 * math.cos(math.pi * phase / inhale_share)
    return 0.5 + 0.5 * math.cos(math.pi * (phase - inhale_share) / (1.0 - inhale_share))


def _ease(x: float) -> float:
    """A raised-cosine ramp from 0 (x <= 0) to 1 (x >= 1)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    return 0.5 - 0.5 * math.cos(math.pi * x)


def _mix(a: float, b: float, w: float) -> float:
    return a + (b - a) * w


class _History:
    """The last few seconds of one signal at the simulation step, read with a delay."""

    def __init__(self, seconds: float) -> None:
        self._n = int(math.ceil(seconds / DT_S)) + 2
        self._buf = [0.0] * self._n
        self._k = 0  # index of the next value

    def push(self, value: float) -> None:
        """Add this step's value."""
        self._buf[self._k % self._n] = value
        self._k += 1

    def ago(self, delay_s: float, pending: bool = False) -> float:
        """The value ``delay_s`` ago (linear between steps); 0 before the start.

        ``ago(0)`` is the newest value pushed. With ``pending``, this step's value is not
        pushed yet, so the newest one is already a step old: a delay of ``n`` steps is
        then ``z^-n`` all the same (the convention of :func:`_delay`).
        """
        m = delay_s / DT_S - (1.0 if pending else 0.0)
        n = int(m)
        f = m - n
        a = self._buf[(self._k - 1 - n) % self._n]
        b = self._buf[(self._k - 2 - n) % self._n]
        return (1.0 - f) * a + f * b


class _Episodes:
    """Alternating stretches of following the guide and of breathing at one's own rate.

    Stretch lengths are log-normal; own-rate stretches have a median of ``OWN_MEDIAN_S``,
    following stretches a mean ``a / (1 - a)`` times the own-rate mean, so the share of
    time following is the adherence ``a``. A stretch ends only when a breath ends; the
    time it ran over is taken off the next stretch of its kind, so the share holds.
    """

    OWN_MEDIAN_S = 40.0
    SPREAD = 0.6  # sigma of the log-normal

    def __init__(self, adherence: float, rng: np.random.Generator) -> None:
        self._a = adherence
        self._rng = rng
        self.following = adherence >= 1.0 or (adherence > 0.0 and rng.uniform() < adherence)
        self._over_s = {True: 0.0, False: 0.0}  # time run over, by kind
        # The first stretch is already under way: what is left of a stretch met at a
        # random moment (longer stretches are likelier to be met: a length-biased draw).
        first = self._length(biased=True)
        self._left_s = first * float(rng.uniform()) if math.isfinite(first) else first

    def _length(self, biased: bool = False) -> float:
        a = self._a
        if a <= 0.0 or a >= 1.0:
            return math.inf
        median = self.OWN_MEDIAN_S * (a / (1.0 - a) if self.following else 1.0)
        shift = self.SPREAD**2 if biased else 0.0
        return float(median * math.exp(shift + self.SPREAD * self._rng.standard_normal()))

    def tick(self, dt: float) -> None:
        """Time passes."""
        self._left_s -= dt

    def breath_ended(self) -> None:
        """A breath ended: the stretch ends too if its time is up."""
        if self._left_s > 0.0:
            return
        self._over_s[self.following] -= self._left_s
        self.following = not self.following
        length = self._length()
        repaid = min(self._over_s[self.following], 0.5 * length)
        self._over_s[self.following] -= repaid
        self._left_s = length - repaid


class DelayedBaroreflexPerson:
    """The delayed-baroreflex simulated person, advanced in session time.

    The same interface as :class:`resonant.devices.physiology.Person`; the model is in
    this module's description.

    Parameters
    ----------
    spec : PersonSpec
        Who the person is. ``resonance_bpm``, ``state``, ``adherence``, ``seed``,
        ``ectopic_rate``, ``rsa_resonant_bpm``, ``rsa_direct_bpm``, ``drift_bpm`` and
        ``transition_s`` are used; ``resonance_q`` is not (the sharpness follows from
        :data:`LOOP_GAIN`).
    pacer : PacerSchedule or None
        The guide they may follow; None: they breathe at their own rate. The session
        sets :attr:`pacer` when the guide changes.

    Examples
    --------
    >>> p = DelayedBaroreflexPerson(PersonSpec(seed=1, model="delay"))
    >>> beats = p.advance(60.0)
    >>> 55 < len(beats) < 85
    True
    """

    #: Locking strength of the breathing oscillator to the guide, 1/s.
    LOCKING = 0.5
    #: Chance that a breath at one's own rate is a sigh (twice as deep).
    SIGH = 0.02

    def __init__(self, spec: PersonSpec, pacer: PacerSchedule | None = None) -> None:
        self.spec = spec
        self.pacer = pacer
        seeds = np.random.SeedSequence([spec.seed, 0xBA50]).spawn(4)
        self._rng_breath, self._rng_blood, self._rng_heart, rng_ep = (
            np.random.default_rng(s) for s in seeds
        )
        # The erratic drive has its own generator: rest and soothing, where it is 0,
        # draw exactly what they drew before it existed.
        self._rng_erratic = np.random.default_rng(np.random.SeedSequence([spec.seed, 0xE7]))
        self._erratic = [0.0] * len(_ERRATIC_S)
        self._t = 0.0
        self._state = spec.state
        self._to_tone = self._from_tone = _TONES[spec.state]
        self._to_loop = self._from_loop = self._calibrated(spec.state)
        self._change_s = -math.inf
        a = spec.adherence
        self._episodes = _Episodes(a, rng_ep)
        # Breathing oscillator (phase in breaths).
        self._theta = float(self._rng_breath.uniform())
        self._own_rate_bpm = self._to_tone.own_rate_bpm
        self._pace_hz = self._own_rate_bpm / 60.0
        self._inhale_share = 0.42
        self._guide_share = 0.4
        self._breath_depth = 1.0
        self._lag_s = 0.3 + 1.0 * (1.0 - a)
        self._phase_noise = 0.02 + 0.08 * (1.0 - a)
        self._ratios: dict[str, float] = {}
        # Circulation.
        self._pressure = _History(12.0)
        self._breath = _History(2.0)
        self._sympathetic = 0.0
        self._vascular = 0.0
        self._drift = [0.0] * len(_DRIFT_S)
        # Pacemaker.
        self._integral = float(self._rng_heart.uniform(0.0, 0.8))
        self._threshold = 1.0
        self._jitter = 0.0
        self._last_beat_s: float | None = None
        self._ectopic_at: float | None = None
        self._hide_next = False
        self._flag_next = False
        # Last values, for the strap, tests and the demo.
        self.volume = 0.0
        # Lung volume above rest, depth-scaled (0 to about 1), read by the simulated chest.
        self.tidal_volume = 0.0
        self.hr_bpm = self._to_tone.hr_bpm
        self.breath_rate_bpm = self._own_rate_bpm

    def _calibrated(self, state: str) -> LoopCalibration:
        s = self.spec
        return calibrate_loop(s.resonance_bpm, state, s.rsa_resonant_bpm, s.rsa_direct_bpm)

    # -- control -------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """The state the person is in or moving to."""
        return self._state

    @property
    def following(self) -> bool:
        """True during a stretch of following the guide (there being one)."""
        return self._episodes.following and self.pacer is not None

    def set_state(self, state: str, at_s: float | None = None) -> None:
        """Start moving to ``state``; the change takes ``spec.transition_s`` seconds."""
        if state not in STATES:
            raise ValueError(f"state {state!r} is not one of {', '.join(STATES)}")
        at = self._t if at_s is None else max(at_s, self._t)
        # A change during a change starts from where the first one has got to.
        w = self._weight(at)
        self._from_tone = _blend_tone(self._from_tone, self._to_tone, w)
        self._from_loop = _blend_loop(self._from_loop, self._to_loop, w)
        self._to_tone = _TONES[state]
        self._to_loop = self._calibrated(state)
        self._state = state
        self._change_s = at

    def _weight(self, t: float) -> float:
        """How far the current change of state has gone at ``t``, 0-1."""
        tau = self.spec.transition_s
        if t <= self._change_s:
            return 0.0
        return 1.0 if tau <= 0 else _ease((t - self._change_s) / tau)

    # -- simulation ----------------------------------------------------------------------

    def advance(self, until_s: float) -> list[TrueBeat]:
        """Run the person up to ``until_s``; return the beats completed on the way."""
        beats: list[TrueBeat] = []
        while self._t + DT_S <= until_s + 1e-6 * DT_S:  # (summed steps carry rounding)
            t = self._t + DT_S
            w = self._weight(t)
            tone = _blend_tone(self._from_tone, self._to_tone, w)
            loop = _blend_loop(self._from_loop, self._to_loop, w)
            u = self._breathe(t, tone)
            hr = self._circulate(u, tone, loop)
            self._beat(self._t, t, hr, tone.jitter_ms, beats)
            self._t = t
        return beats

    def _breathe(self, t: float, tone: _Tone) -> float:
        """One step of breathing; the breath ``u`` (-depth to +depth) at ``t``."""
        rng = self._rng_breath
        dt = DT_S
        self._episodes.tick(dt)
        pull = 0.0
        if self.following:
            assert self.pacer is not None
            st = self.pacer.at(t)
            share = self._guide_share = self._ratio(st.ratio)
            # The guide's phase in breaths (a hold keeps it where the hold began).
            if st.phase == "inhale":
                guide = st.breath + share * st.fraction
            elif st.phase == "exhale":
                guide = st.breath + share + (1.0 - share) * st.fraction
            else:
                guide = st.breath + (share if st.phase == "hold_in" else 0.999)
            target_hz = st.rate_bpm / 60.0
            error = guide - self._lag_s * target_hz - self._theta
            pull = self.LOCKING / (2.0 * math.pi) * math.sin(2.0 * math.pi * error)
        else:
            target_hz = self._own_rate_bpm / 60.0
        self._pace_hz += (target_hz - self._pace_hz) * _PACE_STEP
        noise = self._phase_noise * math.sqrt(dt) * float(rng.standard_normal())
        before = self._theta
        self._theta += max(0.0, (self._pace_hz + pull) * dt + noise)
        if math.floor(self._theta) > math.floor(before):
            self._new_breath(tone.own_rate_bpm)
        v = _volume(self._theta % 1.0, self._inhale_share)
        self.volume = v
        self.breath_rate_bpm = 60.0 * self._pace_hz
        self.tidal_volume = tone.depth * self._breath_depth * v
        # Each breath starts from the same resting lung volume whatever its depth.
        return tone.depth * (2.0 * self._breath_depth * v - 1.0)

    def _ratio(self, text: str) -> float:
        share = self._ratios.get(text)
        if share is None:
            inhale, exhale = PacerSettings.parse_ratio(text)
            share = self._ratios[text] = inhale / (inhale + exhale)
        return share

    def _new_breath(self, own_rate_bpm: float) -> None:
        """A breath ends: maybe switch stretch; draw the next breath's depth, pace, shape."""
        rng = self._rng_breath
        self._episodes.breath_ended()
        if self.following:
            self._breath_depth = math.exp(0.07 * float(rng.standard_normal()))
            self._inhale_share = self._guide_share
            return
        # One's own rate wanders from breath to breath (AR(1), 8 %); now and then a sigh.
        dev = self._own_rate_bpm / own_rate_bpm - 1.0
        dev = 0.6 * dev + 0.08 * 0.8 * float(rng.standard_normal())
        self._own_rate_bpm = own_rate_bpm * (1.0 + max(-0.4, min(0.4, dev)))
        sigh = 2.0 if rng.uniform() < self.SIGH else 1.0
        self._breath_depth = sigh * math.exp(0.15 * float(rng.standard_normal()))
        self._inhale_share = min(0.55, max(0.3, 0.42 + 0.04 * float(rng.standard_normal())))

    def _circulate(self, u: float, tone: _Tone, loop: LoopCalibration) -> float:
        """One step of the pressure loop; the heart rate (bpm) at the step's end."""
        rng = self._rng_blood
        dt = DT_S
        self._breath.push(u)
        # Both branches read pressure before this step's value is known (pending).
        h = -loop.vagal_gain * self._pressure.ago(VAGAL_DELAY_S, pending=True)
        h += loop.central_bpm * u
        delayed = self._pressure.ago(loop.sympathetic_delay_s, pending=True)
        self._sympathetic += (delayed - self._sympathetic) * _SYMPATHETIC_STEP
        resistance = -loop.sympathetic_gain * self._sympathetic
        kick = tone.vascular_mmhg * math.sqrt(2.0 * dt / _VASCULAR_S) * float(rng.standard_normal())
        self._vascular += -self._vascular * dt / _VASCULAR_S + kick
        mechanical = -loop.respiratory_mmhg * self._breath.ago(RESPIRATORY_DELAY_S)
        drive = HR_TO_BP_MMHG * h + resistance + mechanical + self._vascular
        p_prev = self._pressure.ago(0.0)
        self._pressure.push(p_prev + (drive - p_prev) * _WINDKESSEL_STEP)
        # A 1/f-like fluctuation of the heart's set point: equal power at 5, 50 and 500 s.
        sd = self.spec.drift_bpm / math.sqrt(len(_DRIFT_S))
        for i, tau in enumerate(_DRIFT_S):
            kick = sd * math.sqrt(2.0 * dt / tau) * float(rng.standard_normal())
            self._drift[i] += -self._drift[i] * dt / tau + kick
        drift = sum(self._drift) * tone.drift_scale
        hr = min(max(tone.hr_bpm + h + drift + self._erratic_step(tone), 35.0), 180.0)
        self.hr_bpm = hr
        return hr

    def _erratic_step(self, tone: _Tone) -> float:
        """One step of the erratic sympathetic drive of heart rate, bpm (``tone.erratic_bpm``)."""
        rng = self._rng_erratic
        total = 0.0
        for i, tau in enumerate(_ERRATIC_S):
            decay = math.exp(-DT_S / tau)
            self._erratic[i] = decay * self._erratic[i] + math.sqrt(1.0 - decay * decay) * float(
                rng.standard_normal()
            )
            total += self._erratic[i]
        return tone.erratic_bpm * total / math.sqrt(len(_ERRATIC_S))

    def _beat(
        self, t0: float, t1: float, hr: float, jitter_ms: float, out: list[TrueBeat]
    ) -> None:
        """Integrate the pacemaker over one step; fire, hide or insert beats."""
        rate_hz = hr / 60.0
        t = t0
        while self._integral + rate_hz * (t1 - t) >= self._threshold:
            tb = t + (self._threshold - self._integral) / rate_hz
            self._integral = 0.0
            t = tb
            self._ectopic_due(tb, out)
            self._sinus(tb, hr, jitter_ms, out)
        self._integral += rate_hz * (t1 - t)
        self._ectopic_due(t1, out)

    def _ectopic_due(self, t: float, out: list[TrueBeat]) -> None:
        """Make the waiting ectopic beat if its time has come by ``t``."""
        if self._ectopic_at is not None and self._ectopic_at <= t:
            self._emit(self._ectopic_at, True, out)
            self._ectopic_at = None
            self._hide_next = True

    def _sinus(self, tb: float, hr: float, jitter_ms: float, out: list[TrueBeat]) -> None:
        """A sinus beat at ``tb``: shown, or hidden by a refractory ventricle."""
        rng = self._rng_heart
        cycle_s = 60.0 / hr
        # The next threshold: jitter that is AR(1) from beat to beat (phi 0.4).
        self._jitter = 0.4 * self._jitter + math.sqrt(1.0 - 0.16) * float(rng.standard_normal())
        self._threshold = max(0.5, 1.0 + jitter_ms / (1000.0 * cycle_s) * self._jitter)
        draw, prematurity = float(rng.uniform()), float(rng.uniform(0.6, 0.75))
        if self._hide_next:
            # The ventricle is refractory after the ectopic beat: a full compensatory pause.
            self._hide_next = False
            self._flag_next = True
            return
        self._emit(tb, self._flag_next, out)
        self._flag_next = False
        if draw < self.spec.ectopic_rate and self._ectopic_at is None:
            self._ectopic_at = tb + prematurity * cycle_s

    def _emit(self, time_s: float, ectopic: bool, out: list[TrueBeat]) -> None:
        last = self._last_beat_s
        rr_ms = (time_s - last) * 1000.0 if last is not None else 60000.0 / self.hr_bpm
        self._last_beat_s = time_s
        out.append(TrueBeat(time_s, rr_ms, ectopic))
