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
from typing import TYPE_CHECKING

from resonant.errors import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from resonant.session.assemble import SessionSpec

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
    spec: SessionSpec | None = None,
    demo: bool = False,
    screenshot: Path | None = None,
    after_s: float = 10.0,
    record_dir: Path | None = None,
    save_settings: bool = True,
    size: tuple[int, int] | None = None,
) -> int:
    """Open the trainer window; return the exit status.

    Parameters
    ----------
    spec : SessionSpec or None
        The session to start at once (``resonant demo`` passes the one its options
        describe, the same the terminal would run); its options are shown in the controls.
        None: wait for the person to choose and press Start.
    demo : bool
        The demo: no welcome, no check-in, no shorter first session.
    screenshot, after_s : Path or None, float
        Save the window as PNG after ``after_s`` seconds of wall time, then exit.
    record_dir : Path or None
        Where sessions started from the controls are recorded; None: not recorded.
    save_settings : bool
        Whether setting changes are written to the settings file.
    size : (int, int) or None
        The window's width and height in pixels (default 1400 x 860); it is never made
        smaller than its controls need.
    """
    if screenshot and not display_available():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        # The offscreen platform warns about window-manager hints it cannot honour.
        os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from resonant.config.settings import load_settings
    from resonant.gui.qtloop import run_on_qt
    from resonant.gui.window import MainWindow

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("resonant")
    app.setQuitOnLastWindowClosed(False)  # the loop ends when main() returns, after cleanup
    settings, warnings = load_settings()
    for w in warnings:
        print(f"resonant: {w}", file=sys.stderr)
    if spec is not None and record_dir is None and spec.out is not None:
        record_dir = spec.out.parent
    window = MainWindow(
        settings, speed=spec.speed if spec else 1.0, save=save_settings, record_dir=record_dir
    )
    player, why = tone_player()
    window.tone_player = player
    if player is None:
        window.tone_check.setEnabled(False)
        window.tone_check.setToolTip(why or "")
    if demo or screenshot:
        # The demo runs at once, for its set length: no check-in, no shorter first session.
        window.settings = window.settings.with_changes(checkin=False, first_session_done=True)
    if spec is not None:
        window.apply_spec(spec)
        window.record_check.setChecked(spec.record)
    window.resize(*(size or (1400, 860)))
    window.show()
    status = {"code": EXIT_OK}

    async def main() -> None:
        done = asyncio.Event()
        app.lastWindowClosed.connect(done.set)
        if not demo and not screenshot and window.settings.consent_recording is None:
            window.first_run()
        if spec is not None:
            window.start(spec)
            if window.start_error is not None:  # the command line's options: its sentence, exit 2
                print(f"resonant: {window.start_error}", file=sys.stderr)
                status["code"] = window.start_error.exit_status
                window.close()
                return
        if screenshot:

            def shoot() -> None:
                path = Path(screenshot)
                path.parent.mkdir(parents=True, exist_ok=True)
                window.redraw()
                if not window.grab().save(str(path)):
                    print(f"resonant: could not write the screenshot {path}", file=sys.stderr)
                    status["code"] = EXIT_FAILED
                else:
                    print(f"resonant: screenshot saved in {path}")
                window.close()

            QTimer.singleShot(int(after_s * 1000), shoot)
        await done.wait()
        if window.task is not None:
            window.stop()
            await asyncio.wait([window.task], timeout=5.0)
        if window.last_outcome is not None and window.last_outcome.status:
            status["code"] = status["code"] or window.last_outcome.status

    run_on_qt(main, app)
    return status["code"]
