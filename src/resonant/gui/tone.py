"""A soft tone at each turn of the breath, synthesised as a WAV file (numpy, no Qt).

The tone is a pure sine that glides a perfect fourth, from G4 (392 Hz) up to C5 (523.25
Hz) when the in-breath begins and back down when the out-breath begins, so the pitch
follows the breath without the person having to look. Its loudness rises and falls along
raised-cosine ramps, so it starts and stops without a click. The window plays the bytes
with whatever sound player it has; nothing here plays sound.

Where no tone can play, :func:`tones_unavailable` says why, once and plainly (a sentence
from the guidance data for the person, the library's detail for the log), and
:func:`eyes_closed_text` gives eyes-closed mode's words for either case: the tones, or
the guide's visual alternative.
"""

from __future__ import annotations

import io
import math
import numbers
import wave
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from resonant.model.practices import guidance

__all__ = [
    "TONE_LOW_HZ",
    "TONE_HIGH_HZ",
    "TONE_IN",
    "TONE_OUT",
    "tone_wav",
    "NoTones",
    "tones_unavailable",
    "no_tones",
    "eyes_closed_text",
]

#: The default rising tone (in-breath), made on first use (see :func:`__getattr__`).
TONE_IN: bytes
#: The default falling tone (out-breath), made on first use.
TONE_OUT: bytes

#: Pitch at the bottom of the glide, Hz (G4).
TONE_LOW_HZ = 392.0
#: Pitch at the top of the glide, Hz (C5).
TONE_HIGH_HZ = 523.25
#: Share of the tone taken by the fade in and by the fade out.
_FADE_IN, _FADE_OUT = 0.25, 0.5
#: Largest 16-bit sample.
_FULL_SCALE = 32767
#: Allowed ranges of the arguments.
_DURATION_S = (0.05, 10.0)
_FS_HZ = (8000, 192000)


def _check(rising: bool, duration_s: float, fs_hz: int, volume: float) -> None:
    if not isinstance(rising, bool | np.bool_):
        raise ValueError(f"rising must be True or False, got {rising!r}.")
    lo, hi = _DURATION_S
    if (
        isinstance(duration_s, bool)
        or not isinstance(duration_s, numbers.Real)
        or not (lo <= duration_s <= hi)
    ):
        raise ValueError(
            f"Tone duration {duration_s!r} s is outside the allowed range {lo:g}-{hi:g} s."
        )
    lo_fs, hi_fs = _FS_HZ
    if (
        isinstance(fs_hz, bool)
        or not isinstance(fs_hz, numbers.Integral)
        or not (lo_fs <= fs_hz <= hi_fs)
    ):
        raise ValueError(
            f"Sample rate {fs_hz!r} Hz is not allowed: it must be a whole number "
            f"{lo_fs}-{hi_fs} Hz."
        )
    if (
        isinstance(volume, bool)
        or not isinstance(volume, numbers.Real)
        or not (0.0 <= volume <= 1.0)
    ):
        raise ValueError(f"Tone volume {volume!r} is outside the allowed range 0-1 of full scale.")


@lru_cache(maxsize=8)
def tone_wav(
    rising: bool, duration_s: float = 0.6, fs_hz: int = 22050, volume: float = 0.25
) -> bytes:
    """A gentle tone for one turn of the breath, as a complete WAV file.

    The pitch glides exponentially (evenly on a musical scale) between
    :data:`TONE_LOW_HZ` and :data:`TONE_HIGH_HZ`; the loudness rises over the first
    quarter of the tone and falls over its second half along raised-cosine ramps, so the
    first and the last samples are 0 and the tone neither starts nor stops with a click.

    Parameters
    ----------
    rising : bool
        True for the in-breath (the pitch rises), False for the out-breath (it falls).
    duration_s : float
        Length of the tone, 0.05-10 s.
    fs_hz : int
        Sample rate, 8000-192000 Hz.
    volume : float
        Loudest sample as a share of full scale, 0-1; no sample exceeds it.

    Returns
    -------
    bytes
        A WAV file: RIFF header, 16-bit signed little-endian mono PCM,
        ``round(duration_s * fs_hz)`` frames.

    Raises
    ------
    ValueError
        When an argument is outside its allowed range.
    """
    _check(rising, duration_s, fs_hz, volume)
    n = round(duration_s * fs_hz)
    t_s = np.arange(n) / fs_hz
    length_s = n / fs_hz
    f0_hz, f1_hz = (TONE_LOW_HZ, TONE_HIGH_HZ) if rising else (TONE_HIGH_HZ, TONE_LOW_HZ)
    # Exponential glide f(t) = f0 * r**(t/T); the phase is 2 pi times its integral.
    log_r = math.log(f1_hz / f0_hz)
    phase = 2.0 * np.pi * f0_hz * length_s / log_r * np.expm1(log_r * t_s / length_s)
    envelope = np.ones(n)
    n_in, n_out = round(_FADE_IN * n), round(_FADE_OUT * n)
    envelope[:n_in] = 0.5 * (1.0 - np.cos(np.pi * np.arange(n_in) / n_in))
    envelope[n - n_out :] = 0.5 * (1.0 + np.cos(np.pi * np.arange(1, n_out + 1) / n_out))
    peak = math.floor(float(volume) * _FULL_SCALE)
    samples = np.clip(np.rint(peak * envelope * np.sin(phase)), -peak, peak).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(fs_hz))
        w.writeframes(samples.tobytes())
    return buf.getvalue()


@dataclass(frozen=True, slots=True)
class NoTones:
    """Why tones cannot play here.

    Attributes
    ----------
    sentence : str
        For the person, once, in plain words (from the guidance data, ``[sound]``).
    detail : str
        For the log: what the sound library said.
    """

    sentence: str
    detail: str


def no_tones(missing_library: bool, detail: str) -> NoTones:
    """The plain sentence for a missing sound library or a missing sound output.

    Parameters
    ----------
    missing_library : bool
        True when the sound library (Qt Multimedia) cannot be loaded, False when it
        loads but finds no sound output.
    detail : str
        The library's own words, for the log.
    """
    words = guidance()["sound"]
    return NoTones(words["no_library" if missing_library else "no_output"], detail)


def tones_unavailable() -> NoTones | None:
    """None when the tones can play here, else why not (:class:`NoTones`).

    Tones need Qt Multimedia and at least one sound output
    (``QMediaDevices.audioOutputs()``): without an output, a sound effect loads and
    plays silently, so eyes-closed mode would promise tones nobody hears. Call it once
    a ``QApplication`` exists.
    """
    try:
        from PyQt6.QtMultimedia import QMediaDevices
    except ImportError as exc:
        return no_tones(True, f"Qt Multimedia could not be loaded: {exc}")
    outputs = QMediaDevices.audioOutputs()
    if not outputs:
        return no_tones(False, "Qt Multimedia lists no audio output device")
    return None


def eyes_closed_text(tones: bool) -> str:
    """Eyes-closed mode's words: the tones lead (``tones``), or the guide's visual
    alternative where no tone can play (guidance data, ``[eyes_closed]``)."""
    g = guidance()["eyes_closed"]
    return g["text"] if tones else g["no_sound"]


def __getattr__(name: str) -> bytes:
    """``TONE_IN`` and ``TONE_OUT``: the default rising and falling tones, made on first use."""
    if name == "TONE_IN":
        return tone_wav(True)
    if name == "TONE_OUT":
        return tone_wav(False)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
