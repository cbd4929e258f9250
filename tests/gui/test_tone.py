"""The breath-turn tone: a valid WAV, quiet, click-free, gliding the right way."""

from __future__ import annotations

import io
import wave
from typing import Any

import numpy as np
import pytest

from resonant.gui import tone
from resonant.gui.tone import TONE_HIGH_HZ, TONE_LOW_HZ, tone_wav

FULL_SCALE = 32768


def _read(data: bytes) -> tuple[Any, np.ndarray]:
    with wave.open(io.BytesIO(data), "rb") as w:
        params = w.getparams()
        frames = w.readframes(params.nframes)
    return params, np.frombuffer(frames, dtype="<i2").astype(float)


def _dominant_hz(x: np.ndarray, fs_hz: int) -> float:
    n = 1 << 16  # zero-padded: well under 1 Hz per bin
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size), n))
    return float(np.fft.rfftfreq(n, 1.0 / fs_hz)[np.argmax(spectrum)])


@pytest.mark.parametrize(("duration_s", "fs_hz"), [(0.6, 22050), (0.25, 44100), (1.5, 8000)])
def test_the_wav_parses_as_16_bit_mono_pcm(duration_s: float, fs_hz: int) -> None:
    data = tone_wav(True, duration_s=duration_s, fs_hz=fs_hz)
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    params, x = _read(data)
    assert params.nchannels == 1
    assert params.sampwidth == 2
    assert params.framerate == fs_hz
    assert params.comptype == "NONE"
    assert params.nframes == round(duration_s * fs_hz) == x.size
    assert len(data) == 44 + 2 * x.size


@pytest.mark.parametrize("rising", [True, False])
@pytest.mark.parametrize("volume", [0.25, 0.1, 1.0])
def test_the_peak_never_exceeds_the_volume(rising: bool, volume: float) -> None:
    _, x = _read(tone_wav(rising, volume=volume))
    peak = np.max(np.abs(x)) / FULL_SCALE
    assert peak <= volume
    assert peak > 0.9 * volume  # and it does reach about that loudness


def test_zero_volume_is_silence() -> None:
    _, x = _read(tone_wav(True, volume=0.0))
    assert not np.any(x)


@pytest.mark.parametrize("rising", [True, False])
@pytest.mark.parametrize("fs_hz", [22050, 48000])
def test_it_starts_and_ends_without_a_click(rising: bool, fs_hz: int) -> None:
    _, x = _read(tone_wav(rising, fs_hz=fs_hz, volume=1.0))
    edge = round(0.005 * fs_hz)
    assert np.max(np.abs(x[:edge])) < 0.01 * FULL_SCALE
    assert np.max(np.abs(x[-edge:])) < 0.01 * FULL_SCALE
    assert x[0] == 0 and x[-1] == 0
    # no jump anywhere: the largest step is what a sine at the top pitch can make
    max_step = 2 * np.pi * TONE_HIGH_HZ / fs_hz * FULL_SCALE
    assert np.max(np.abs(np.diff(x))) <= max_step * 1.01


@pytest.mark.parametrize("rising", [True, False])
def test_the_pitch_glides_with_the_breath(rising: bool) -> None:
    fs_hz = 22050
    _, x = _read(tone_wav(rising, fs_hz=fs_hz))
    third = x.size // 3
    first, last = _dominant_hz(x[:third], fs_hz), _dominant_hz(x[-third:], fs_hz)
    for f in (first, last):
        assert TONE_LOW_HZ - 10 <= f <= TONE_HIGH_HZ + 10
    if rising:
        assert last - first > 50
    else:
        assert first - last > 50


def test_rising_and_falling_tones_differ_and_are_cached() -> None:
    assert tone.TONE_IN == tone_wav(True)
    assert tone.TONE_OUT == tone_wav(False)
    assert tone.TONE_IN != tone.TONE_OUT
    assert tone_wav(True) is tone_wav(True)
    from resonant.gui.tone import TONE_IN  # module-level name, made on first use

    assert TONE_IN == tone.TONE_IN
    with pytest.raises(AttributeError):
        _ = tone.TONE_SIDEWAYS


@pytest.mark.parametrize(
    "kw",
    [
        {"duration_s": 0.0},
        {"duration_s": float("nan")},
        {"duration_s": 60.0},
        {"fs_hz": 1000},
        {"fs_hz": 22050.0},
        {"volume": 1.5},
        {"volume": -0.1},
        {"rising": "yes"},
    ],
)
def test_bad_arguments_are_refused_in_one_sentence(kw: dict[str, object]) -> None:
    args: dict[str, object] = {"rising": True, **kw}
    with pytest.raises(ValueError) as info:
        tone_wav(**args)  # type: ignore[arg-type]
    message = str(info.value)
    assert message.endswith(".") and "\n" not in message and ". " not in message


def test_no_tones_says_why_plainly_once_with_the_detail_for_the_log() -> None:
    from resonant.gui.tone import NoTones, no_tones
    from resonant.model.practices import guidance, judging_words_in

    output = no_tones(False, "Qt Multimedia lists no audio output device")
    assert output == NoTones(
        "Tones are not available here: this computer has no sound output we can use.",
        "Qt Multimedia lists no audio output device",
    )
    library = no_tones(True, "No module named 'PyQt6.QtMultimedia'")
    assert "no sound library" in library.sentence and "PyQt6" not in library.sentence
    for problem in (output, library):
        text = problem.sentence
        assert text.endswith(".") and "\n" not in text and not judging_words_in(text)
    assert set(guidance()["sound"]) == {"no_library", "no_output"}


def test_tones_unavailable_without_the_library_or_an_output(qapp, monkeypatch) -> None:
    import builtins

    from PyQt6 import QtMultimedia

    from resonant.gui.tone import tones_unavailable

    monkeypatch.setattr(QtMultimedia.QMediaDevices, "audioOutputs", staticmethod(lambda: []))
    problem = tones_unavailable()
    assert problem is not None and "no sound output" in problem.sentence
    monkeypatch.setattr(
        QtMultimedia.QMediaDevices, "audioOutputs", staticmethod(lambda: ["speakers"])
    )
    assert tones_unavailable() is None
    real_import = builtins.__import__

    def no_multimedia(name: str, *args: object, **kw: object) -> object:
        if name.endswith("QtMultimedia"):
            raise ImportError("No module named 'PyQt6.QtMultimedia'")
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_multimedia)
    problem = tones_unavailable()
    assert problem is not None and "no sound library" in problem.sentence
    assert "PyQt6.QtMultimedia" in problem.detail


def test_eyes_closed_words_offer_the_guide_when_there_is_no_sound() -> None:
    from resonant.gui.tone import eyes_closed_text
    from resonant.model.practices import guidance

    assert eyes_closed_text(True) == guidance()["eyes_closed"]["text"]
    quiet = eyes_closed_text(False)
    assert "tone" not in quiet.replace("without tones", "") and "guide" in quiet
