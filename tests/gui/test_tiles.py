"""The tiles: a breathing rate only when the heart rhythm shows it clearly (hrv-spec §11.1)."""

from __future__ import annotations

from resonant.model.pacer import PacerSchedule, PacerSettings
from resonant.session.core import SessionSnapshot, SourceSnapshot
from resonant.signal.metrics import SpectralMetrics


def _snap(rate: float | None, reason: str | None, pacer: bool) -> SessionSnapshot:
    sp = SpectralMetrics(100.0, "sim", 0.4, 0.4, "low", 0.1, 200.0, 100.0, 2.0, rate, 3.0,
                         0.0, None, reason)  # fmt: skip
    src = SourceSnapshot("sim", "streaming", None, sp, None if rate is None else False,
                         100, 0, True)  # fmt: skip
    state = PacerSchedule(PacerSettings(rate_bpm=6.0)).at(100.0) if pacer else None
    return SessionSnapshot(100.0, 100.0, None, state, (src,), 0, True)


def test_the_breathing_tile_says_unclear_instead_of_a_number(qapp) -> None:
    from resonant.gui.tiles import TilesPanel

    tiles = TilesPanel()
    tiles.fill(_snap(None, "unclear from the heart rhythm", pacer=True), None)
    assert tiles.breathing.value.text() == "–"
    assert tiles.breathing.note.text() == "unclear from the heart rhythm"
    assert "than the guide" not in tiles.breathing.note.text()
    tiles.fill(_snap(14.2, None, pacer=True), None)
    assert tiles.breathing.value.text() == "14.2"
    assert "quicker than the guide" in tiles.breathing.note.text()
    tiles.fill(_snap(14.2, None, pacer=False), None)
    assert tiles.breathing.note.text() == ""


def test_the_coherence_tile_speaks_plainly_and_keeps_the_numbers_in_its_tooltip(qapp) -> None:
    from resonant.gui.tiles import LEVEL_WORDS, TilesPanel

    sp = SpectralMetrics(100.0, "sim", 2.0, 2.0, "high", 0.1, 200.0, 100.0, 2.0, 6.0, 3.0,
                         0.0, None, None)  # fmt: skip
    src = SourceSnapshot("sim", "streaming", None, sp, True, 100, 0, True)
    snap = SessionSnapshot(100.0, 100.0, None, None, (src,), 0, True)
    tiles = TilesPanel()
    tiles.fill(snap, None)  # ratio 2.0: high at level 1
    note, tip = tiles.coherence.note.text(), tiles.coherence.toolTip()
    assert note == LEVEL_WORDS["high"] == "smooth and steady"
    for jargon in ("ratio", "challenge", "level", "(", "from 0.5"):
        assert jargon not in note
    assert "ratio 2.00" in tip and "challenge level 1" in tip and "high from 1.8" in tip
    tiles.challenge_level = 4  # 2.0 is below 2.1 there: settling, said kindly
    tiles.fill(snap, None)
    assert tiles.coherence.note.text() == "settling"
    assert "medium from 2.1" in tiles.coherence.toolTip()
    assert tiles.rmssd.title.text() == "Variability" and "RMSSD" in tiles.rmssd.toolTip()


def test_the_breathing_tile_says_where_the_rate_comes_from(qapp) -> None:
    """Issue 16: "from the chest" (the accelerometer) or "from the heart rhythm"."""
    import dataclasses

    from resonant.gui.tiles import TilesPanel

    tiles = TilesPanel()
    for source, words in (("chest", "from the chest"), ("heart", "from the heart rhythm")):
        snap = _snap(16.2, None, pacer=False)
        sp = dataclasses.replace(snap.sources[0].spectral, breathing_source=source)
        src = dataclasses.replace(snap.sources[0], spectral=sp)
        tiles.fill(dataclasses.replace(snap, sources=(src,)), None)
        assert tiles.breathing.value.text() == "16.2"
        assert tiles.breathing.note.text() == words
    snap = _snap(14.2, None, pacer=True)
    sp = dataclasses.replace(snap.sources[0].spectral, breathing_source="chest")
    src = dataclasses.replace(snap.sources[0], spectral=sp)
    tiles.fill(dataclasses.replace(snap, sources=(src,)), None)
    note = tiles.breathing.note.text()
    assert note.startswith("from the chest · ") and "quicker than the guide" in note
