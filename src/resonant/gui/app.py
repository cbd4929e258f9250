"""Start the trainer window: ``resonant`` (source picker) and ``resonant demo``.

The window runs on Qt's event loop with asyncio bridged by qasync (:mod:`resonant.gui.qtloop`).
``--screenshot PNG --after S`` saves the window after S seconds of wall time and exits 0;
it works without a screen (Qt's offscreen platform).
"""

from __future__ import annotations

import asyncio
import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from resonant.errors import EXIT_OK

if TYPE_CHECKING:
    from PyQt6.QtWidgets import QApplication

    from resonant.session.assemble import SessionSpec

__all__ = [
    "default_size",
    "display_available",
    "run_window",
    "tone_player",
    "use_app_icon",
    "use_bundled_fonts",
]

#: The smallest size the window is designed for, px.
MIN_SIZE = (1280, 720)
#: The share of the screen's available area a new window takes.
SCREEN_SHARE = 0.8


def default_size(
    available: tuple[int, int] | None, remembered: tuple[int | None, int | None]
) -> tuple[int, int]:
    """The window's starting size, px.

    The size it had when last closed (``remembered``), fitted to the screen; otherwise
    80 % of the screen's available area, at least 1280 x 720 where the screen allows.

    Parameters
    ----------
    available : (int, int) or None
        The screen's available width and height (None: not known; 1280 x 720 is used).
    remembered : (int or None, int or None)
        ``Settings.window_width`` and ``window_height``.
    """
    aw, ah = available or MIN_SIZE
    w, h = remembered
    if w is None or h is None:
        w = max(int(aw * SCREEN_SHARE), MIN_SIZE[0])
        h = max(int(ah * SCREEN_SHARE), MIN_SIZE[1])
    return min(w, aw), min(h, ah)


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


def use_app_icon(app: QApplication) -> None:
    """Give every window of ``app`` resonant's icon, and name its desktop entry.

    ``setDesktopFileName("resonant")`` lets a Wayland compositor (and the X11 window
    class hint) match the windows to ``resonant.desktop`` written by ``resonant desktop
    install``, so the dock or task bar shows the icon and name of the entry.
    """
    from resonant.gui.icon import app_icon

    app.setDesktopFileName("resonant")
    app.setWindowIcon(app_icon())


def use_bundled_fonts() -> list[str]:
    """In the self-contained bundle, make its own fonts known to Qt; return their families.

    The Linux bundle (``./dev.sh bundle``, PyInstaller; ``docs/install.md``) carries the
    DejaVu fonts in ``fonts/`` beside its libraries, because a minimal system may have no
    fonts at all, and Qt then draws no text. They are added as application fonts
    (``QFontDatabase.addApplicationFont``); where the system has no font of its own,
    DejaVu Sans becomes the application's font. Outside the bundle (``sys.frozen`` unset)
    nothing is done. Needs the ``QApplication``.
    """
    if not getattr(sys, "frozen", False):
        return []
    from PyQt6.QtGui import QFont, QFontDatabase
    from PyQt6.QtWidgets import QApplication

    folder = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "fonts"
    had_fonts = bool(QFontDatabase.families())
    families: list[str] = []
    for path in sorted(folder.glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            new = QFontDatabase.applicationFontFamilies(font_id)
            families += [f for f in new if f not in families]
    if not had_fonts and "DejaVu Sans" in families:
        QApplication.setFont(QFont("DejaVu Sans"))
    return families


def tone_player() -> tuple[Callable[[str], None] | None, str | None]:
    """A function playing a soft rising (inhale) or falling (exhale) tone, or why there is none.

    Where there is no sound library or no sound output (:func:`tones_unavailable`), the
    plain sentence is returned for the person, and the library's words go to stderr.
    """
    from resonant.gui.tone import tone_wav, tones_unavailable

    problem = tones_unavailable()
    if problem is not None:
        print(f"resonant: no tones ({problem.detail})", file=sys.stderr)
        return None, problem.sentence
    from PyQt6.QtCore import QUrl
    from PyQt6.QtMultimedia import QSoundEffect

    import tempfile

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
    view: str | None = None,
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
        The window's width and height in pixels (default: :func:`default_size`, the size
        it had when last closed or 80 % of the screen); it is never made smaller than
        its controls need.
    view : {"practice", "detail", "welcome", "summary"} or None
        The page to show (for screenshots): the practice page (the default; the detail
        page for a protocol), the detail page, the welcome page (no session starts), or
        the summary after a session (the session is stopped 3 s before the screenshot).

    Notes
    -----
    The window opens on the welcome page while recording consent has not been asked
    (``resonant demo`` too, on first use; not for a screenshot); a session given in
    ``spec`` starts after Begin. A protocol opens on the detail page.
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
    use_app_icon(app)
    use_bundled_fonts()
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
        window.tone_note.setText(why or "")
        window.tone_note.show()
    if window.settings.eyes_closed:  # as it was left, now that it is known whether tones play
        window.set_eyes_closed(True, chosen=False)
    if demo or screenshot:
        # The demo runs at once, for its set length: no check-in, no shorter first session.
        window.settings = window.settings.with_changes(checkin=False, first_session_done=True)
    if spec is not None:
        window.apply_spec(spec)
        window.record_check.setChecked(spec.record)
    if size is None:
        screen = app.primaryScreen()
        geo = screen.availableGeometry() if screen is not None else None
        available = (geo.width(), geo.height()) if geo is not None else None
        size = default_size(
            available, (window.settings.window_width, window.settings.window_height)
        )
    else:
        window.remember_size = False  # a size asked for on the command line is not kept
    if view == "detail" or (view is None and spec is not None and spec.protocol is not None):
        window.show_page("detail")  # a clinician's protocol: its phases are in the detail
    window.resize(*size)
    window.show()
    status = {"code": EXIT_OK}

    async def main() -> None:
        done = asyncio.Event()
        app.lastWindowClosed.connect(done.set)

        def begin() -> None:
            if spec is None:
                return
            window.start(spec)
            if window.start_error is not None:  # the command line's options: its sentence, exit 2
                print(f"resonant: {window.start_error}", file=sys.stderr)
                status["code"] = window.start_error.exit_status
                window.close()

        if view == "welcome" or (not screenshot and window.settings.consent_recording is None):
            window.first_run(then=begin)  # the welcome first, for the demo too
        else:
            begin()
            if status["code"]:
                return
        if screenshot:

            def shoot() -> None:
                from resonant.errors import ResonantError
                from resonant.model.atomic import write_new

                path = Path(screenshot)
                window.redraw()
                image = window.grab()

                def save(tmp: Path) -> None:
                    if not image.save(str(tmp), "PNG"):
                        raise OSError(errno.EIO, "the image could not be encoded")

                try:  # a new file only: never over another, never through a symlink
                    write_new(path, save, noun="the screenshot")
                except ResonantError as exc:
                    print(f"resonant: {exc}", file=sys.stderr)
                    status["code"] = exc.exit_status
                else:
                    print(f"resonant: screenshot saved in {path}")
                window.close()

            QTimer.singleShot(int(after_s * 1000), shoot)
            if view == "summary":
                QTimer.singleShot(int(max(0.0, after_s - 3.0) * 1000), window.stop)
        await done.wait()
        if window.task is not None:
            window.stop()
            await asyncio.wait([window.task], timeout=5.0)
        if window.last_outcome is not None and window.last_outcome.status:
            status["code"] = status["code"] or window.last_outcome.status

    run_on_qt(main, app)
    return status["code"]
