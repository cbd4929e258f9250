"""Clocks: real, accelerated and manual."""

from __future__ import annotations

import asyncio
import time

import pytest

from resonant.model.clock import ManualClock, MonotonicClock


def test_accelerated_clock_runs_faster_than_the_wall() -> None:
    clock = MonotonicClock(speed=100.0)
    t0 = time.monotonic()
    asyncio.run(clock.sleep_until(5.0))
    assert clock.now() >= 5.0
    assert time.monotonic() - t0 < 2.0


def test_sleeping_until_the_past_returns_at_once() -> None:
    clock = MonotonicClock()
    asyncio.run(clock.sleep_until(-1.0))
    assert clock.now() < 1.0


@pytest.mark.parametrize("speed", [0.0, -1.0, 1e9])
def test_bad_speed_is_refused(speed: float) -> None:
    with pytest.raises(ValueError, match="speed"):
        MonotonicClock(speed)


def test_manual_clock_wakes_sleepers_when_moved() -> None:
    async def main() -> list[float]:
        clock = ManualClock()
        woke: list[float] = []

        async def sleeper() -> None:
            await clock.sleep_until(3.0)
            woke.append(clock.now())

        task = asyncio.create_task(sleeper())
        for _ in range(2):
            clock.advance(1.0)
            for _ in range(5):
                await asyncio.sleep(0)
        assert not task.done()  # 2 s: still asleep
        clock.advance(1.0)
        await task
        return woke

    assert asyncio.run(main()) == [3.0]
    with pytest.raises(ValueError, match="cannot go back"):
        ManualClock(5.0).set(4.0)


def test_a_paused_clock_stands_still_and_resumes_where_it_stopped() -> None:
    clock = MonotonicClock(speed=100.0)
    time.sleep(0.02)
    clock.pause()
    stopped = clock.now()
    time.sleep(0.05)
    assert clock.now() == stopped and clock.paused
    clock.resume()
    assert 0.0 <= clock.now() - stopped < 1.0  # runs on from where it was, not from the wall
    assert not clock.paused
