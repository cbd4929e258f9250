"""The one bridge between asyncio (bleak, the session) and Qt's event loop: qasync.

The window and the sources share one thread and one event loop: qasync's
``QEventLoop`` is an asyncio event loop driven by Qt's, so bleak's D-Bus sockets (or
CoreBluetooth/WinRT callbacks), the session's tasks, Qt's timers and paint events all
run in turn on the GUI thread. Nothing crosses threads, so no locks and no queues are
needed, and Qt objects are only ever touched from the thread that owns them. The price
is that every callback must be short; the core's per-beat cost (about 15 µs) and the
5-s update (about 1 ms) are far below a 60 Hz frame (16.7 ms). See docs/architecture.md.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

__all__ = ["run_on_qt"]

T = TypeVar("T")


def run_on_qt(main: Callable[[], Awaitable[T]], app: Any = None) -> T:
    """Run ``main()`` to completion on Qt's event loop and return its result.

    Parameters
    ----------
    main : callable returning an awaitable
        The asyncio work (a session, a scan).
    app : QApplication or None
        The application; the existing instance, or a new one, by default.

    Notes
    -----
    The Qt binding is pinned to PyQt6 for qasync (``QT_API``), which otherwise takes the
    first binding it finds installed.
    """
    os.environ.setdefault("QT_API", "pyqt6")
    import qasync
    from PyQt6.QtWidgets import QApplication

    app = app or QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
