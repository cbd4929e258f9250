"""The session clock: the one place that reads the machine's time.

Every other part of the program asks a :class:`Clock` for the time on the *session
clock* (seconds since the session started) and sleeps on it. A person gets real time
(``speed=1``); tests, benchmarks and scripted runs get the same code running faster
(``speed=60`` is a minute a second). Sources stamp what they produce with session
times, so a faster clock changes how long a run takes, not what it records.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

__all__ = [
    "fmt_clock","Clock", "MonotonicClock", "ManualClock", "SPEED_MAX", "utc_now"]

#: Fastest clock accepted: beyond this the session time outruns any processing anyway.
SPEED_MAX = 100_000.0


@runtime_checkable
class Clock(Protocol):
    """What the program needs of a clock."""

    @property
    def speed(self) -> float:
        """Session seconds per wall-clock second."""
        ...

    def now(self) -> float:
        """Session time, s (monotonic, never goes back)."""
        ...

    async def sleep_until(self, time_s: float) -> None:
        """Return once the session time has reached ``time_s`` (at once if it has)."""
        ...


class MonotonicClock:
    """Session time from the operating system's monotonic clock, optionally accelerated.

    Parameters
    ----------
    speed : float
        Session seconds per wall-clock second (1 = real time), 0 < speed <= SPEED_MAX.

    Notes
    -----
    The session starts (time 0) when the clock is made, or at :meth:`restart`.
    ``time.monotonic`` is used rather than the wall clock so that a change of the
    system time (NTP, daylight saving) never moves the session clock.
    """

    def __init__(self, speed: float = 1.0) -> None:
        if not 0.0 < speed <= SPEED_MAX:
            raise ValueError(f"clock speed {speed:g} is outside 0-{SPEED_MAX:g}")
        self._speed = float(speed)
        self._t0 = time.monotonic()
        self._paused_at: float | None = None

    @property
    def speed(self) -> float:
        """Session seconds per wall-clock second."""
        return self._speed

    def restart(self) -> None:
        """Make now the session's time 0."""
        self._t0 = time.monotonic()
        self._paused_at = None

    @property
    def paused(self) -> bool:
        """True while the clock is stopped."""
        return self._paused_at is not None

    def pause(self) -> None:
        """Stop the session time (simulated and replayed sources wait with it)."""
        if self._paused_at is None:
            self._paused_at = time.monotonic()

    def resume(self) -> None:
        """Let the session time run on from where it stopped."""
        if self._paused_at is not None:
            self._t0 += time.monotonic() - self._paused_at
            self._paused_at = None

    def now(self) -> float:
        """Session time, s."""
        wall = self._paused_at if self._paused_at is not None else time.monotonic()
        return (wall - self._t0) * self._speed

    def wall_s(self, session_s: float) -> float:
        """Wall-clock seconds that ``session_s`` seconds of session time take."""
        return session_s / self._speed

    async def sleep_until(self, time_s: float) -> None:
        """Return once the session time has reached ``time_s``."""
        while True:
            if self._paused_at is not None:
                await asyncio.sleep(0.05)
                continue
            wait = (time_s - self.now()) / self._speed
            if wait <= 0.0:
                # Yield anyway, so a source that is behind the clock cannot starve the loop.
                await asyncio.sleep(0)
                return
            await asyncio.sleep(wait)


class ManualClock:
    """A clock that only moves when told to: for unit tests of time-driven code.

    ``sleep_until`` waits until :meth:`advance` or :meth:`set` has moved the time far
    enough.
    """

    def __init__(self, start_s: float = 0.0, speed: float = 1.0) -> None:
        self._now = float(start_s)
        self._speed = speed
        self._moved = asyncio.Event()

    @property
    def speed(self) -> float:
        """Session seconds per wall-clock second."""
        return self._speed

    def now(self) -> float:
        """Session time, s."""
        return self._now

    def set(self, time_s: float) -> None:
        """Move the time to ``time_s`` (never backwards)."""
        if time_s < self._now:
            raise ValueError(f"a clock cannot go back from {self._now:g} s to {time_s:g} s")
        self._now = float(time_s)
        self._moved.set()

    def advance(self, seconds: float) -> None:
        """Move the time forward by ``seconds``."""
        self.set(self._now + seconds)

    async def sleep_until(self, time_s: float) -> None:
        """Return once the time has been moved to ``time_s`` or beyond."""
        while self._now < time_s:
            self._moved.clear()
            await self._moved.wait()
        await asyncio.sleep(0)


def utc_now() -> datetime:
    """The current date and time in UTC (for ``session.json`` and folder names only)."""
    return datetime.now(UTC)


def fmt_clock(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss``."""
    s = int(max(0.0, seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"
