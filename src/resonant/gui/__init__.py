"""The trainer window (PyQt6 + pyqtgraph): a face over the session, with no maths of its own."""

__all__ = ["WINDOW_SPEED_MAX"]

#: The fastest session clock the window runs (it draws every frame); the terminal allows more.
WINDOW_SPEED_MAX = 1000.0
