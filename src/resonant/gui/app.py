"""Start the trainer window: ``resonant`` (source picker) and ``resonant demo``.

The window runs on Qt's event loop with asyncio bridged by qasync (:mod:`resonant.gui.qtloop`).
``--screenshot PNG --after S`` saves the window after S seconds of wall time and exits 0;
it works without a screen (Qt's offscreen platform).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["display_available", "run_window", "tone_player"]


def display_available() -> bool:
    """Whether a window can be shown to a person.

    Qt's ``offscreen`` and ``minimal`` platforms draw nowhere visible (they serve tests
    and screenshots), so they count as no display; any other platform chosen explicitly
    counts as one.
    """
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0] not in ("offscreen", "minimal")
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def tone_player() -> tuple[Callable[[str], None] | None, str | None]:
    """A function playing a soft rising (inhale) or falling (exhale) tone, or why there is none."""
    try:
        from PyQt6.QtCore import QUrl
        from PyQt6.QtMultimedia import QSoundEffect
    except ImportError as exc:
        return None, f"sound is not available here ({exc}); the pacer works without it"
    import tempfile

    from resonant.gui.tone import tone_wav

    folder = Path(tempfile.mkdtemp(prefix="resonant-tones-"))
    effects = {}
    for phase, rising in (("inhale", True), ("exhale", False)):
        path = folder / f"{phase}.wav"
        path.write_bytes(tone_wav(rising))
        effect = QSoundEffect()
        effect.setSource(QUrl.fromLocalFile(str(path)))
        effect.setVolume(0.6)
        effects[phase] = effect

    def play(phase: str) -> None:
        effect = effects.get(phase)
        if effect is not None:
            effect.play()

    return play, None


def run_window(
    speed: float = 1.0,
    demo: bool = False,
    screenshot: str | None = None,
    after_s: float = 10.0,
    sim_state: str = "soothing",
    sim_resonance_bpm: float = 5.5,
    sim_seed: int | None = None,
    record_dir: Path | None = None,
    save_settings: bool = True,
    pacer: dict[str, object] | None = None,
    guide: bool = True,
    record_folder: Path | None = None,
) -> int:
    """Open the trainer window; return the exit status.

    Parameters
    ----------
    speed : float
        Session clock speed.
    demo : bool
        Start at once on the simulated strap (else: wait for the person to choose).
    screenshot, after_s : str or None, float
        Save the window as PNG after ``after_s`` seconds of wall time, then exit.
    sim_state, sim_resonance_bpm, sim_seed
        The simulated person of the demo.
    record_dir : Path or None
        Where sessions are recorded; None: not recorded.
    save_settings : bool
        Whether setting changes are written to the settings file.
    pacer : dict or None
        Pacer settings for this run (``pace_bpm``, ``ratio``, ``hold_in_s``,
        ``hold_out_s``), over the saved ones.
    guide : bool
        Whether the breathing guide runs.
    record_folder : Path or None
        The exact session folder of the first recording (``record_dir`` must be set).
    """
    if screenshot and not display_available():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        # The offscreen platform warns about window-manager hints it cannot honour.
        os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from resonant.gui.window import MainWindow, SourceChoice
    from resonant.gui.qtloop import run_on_qt
    from resonant.config.settings import load_settings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("resonant")
    app.setQuitOnLastWindowClosed(False)  # the loop ends when main() returns, after cleanup
    settings, warnings = load_settings()
    for w in warnings:
        print(f"resonant: {w}", file=sys.stderr)
    if pacer:
        try:
            settings = settings.with_changes(**pacer)
        except ValueError as exc:
            print(f"resonant: {exc}", file=sys.stderr)
            return 2
    window = MainWindow(settings, speed=speed, save=save_settings, record_dir=record_dir)
    player, why = tone_player()
    window.tone_player = player
    if player is None:
        window.tone_check.setEnabled(False)
        window.tone_check.setToolTip(why or "")
    window.guide_check.setChecked(guide)
    if demo or screenshot:
        # The demo runs at once, for its set length: no check-in, no shorter first session.
        window.settings = window.settings.with_changes(checkin=False, first_session_done=True)
    window.next_folder = record_folder
    window.resize(1400, 860)
    window.show()
    status = {"code": 0}

    async def main() -> None:
        done = asyncio.Event()
        app.lastWindowClosed.connect(done.set)  # type: ignore[attr-defined]
        if not demo and not screenshot and window.settings.consent_recording is None:
            window.first_run()
        if demo:
            window.with_choice(SourceChoice("sim", None, sim_state, sim_resonance_bpm, sim_seed))
            window.start()
        if screenshot:

            def shoot() -> None:
                path = Path(screenshot)
                path.parent.mkdir(parents=True, exist_ok=True)
                window.render()
                if not window.grab().save(str(path)):
                    print(f"resonant: could not write the screenshot {path}", file=sys.stderr)
                    status["code"] = 1
                else:
                    print(f"resonant: screenshot saved in {path}")
                window.close()

            QTimer.singleShot(int(after_s * 1000), shoot)
        await done.wait()
        if window.task is not None:
            window.stop()
            await asyncio.wait([window.task], timeout=5.0)

    run_on_qt(main, app)
    return status["code"]
