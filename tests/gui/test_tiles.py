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
