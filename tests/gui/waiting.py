"""Waiting in GUI tests: on a condition, never a fixed sleep (the machines are busy)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def until(condition: Callable[[], object], timeout_s: float = 10.0) -> bool:
    """Wait until ``condition()`` holds, at most ``timeout_s``; whether it did."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def shown_main_window():  # -> MainWindow | None
    """The visible main window, or None while none shows yet."""
    from PyQt6.QtWidgets import QApplication

    from resonant.gui.window import MainWindow

    return next((w for w in QApplication.topLevelWidgets()
                 if isinstance(w, MainWindow) and w.isVisible()), None)  # fmt: skip


def when_shown(action: Callable[..., None], first_ms: int = 400) -> None:
    """Call ``action(window)`` once the main window shows (tried every 100 ms after
    ``first_ms``: a loaded machine is slow to show it), for tests of ``run_window``."""
    from PyQt6.QtCore import QTimer

    def attempt() -> None:
        window = shown_main_window()
        if window is None:
            QTimer.singleShot(100, attempt)
        else:
            action(window)

    QTimer.singleShot(first_ms, attempt)


def watchdog(seen: dict[str, object], after_ms: int = 30_000) -> None:
    """Close every window after ``after_ms`` unless ``seen["returned"]`` is set by then,
    noting ``seen["hung"]``: a test of ``run_window`` fails instead of hanging."""
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    def fire() -> None:
        if "returned" not in seen:
            seen["hung"] = True
            for w in QApplication.topLevelWidgets():
                w.close()

    QTimer.singleShot(after_ms, fire)
