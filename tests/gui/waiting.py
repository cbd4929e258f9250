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
