"""The asyncio-Qt bridge (qasync): bleak, the session and Qt timers on one loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from resonant.model.clock import MonotonicClock
from resonant.devices.ble import BleStrap
from resonant.devices.hrm import encode_hrm
from resonant.model.pacer import PacerSchedule
from resonant.gui.qtloop import run_on_qt
from resonant.session.core import Session
from tests.devices.fake_bluez import FakeBluez, FakeStrap

H10 = "C0:FF:EE:00:00:02"


def test_ble_session_runs_on_the_qt_event_loop(private_bus: str, tmp_path: Path) -> None:
    from PyQt6.QtCore import QTimer

    loop_clock: list[float] = []  # times the Qt timer fired
    beat_times: list[float] = []  # times beats reached the sink

    class Sink:
        def on_beat(self, beat, metrics) -> None:
            beat_times.append(asyncio.get_running_loop().time())

    async def main() -> int:
        timer = QTimer()
        timer.setInterval(16)
        timer.timeout.connect(lambda: loop_clock.append(asyncio.get_running_loop().time()))
        timer.start()
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(address=H10))
            strap = BleStrap(H10, "h10")
            session = Session([strap], MonotonicClock(20.0), PacerSchedule(), [Sink()])
            task = asyncio.create_task(session.run())
            while strap.state != "streaming":
                await asyncio.sleep(0.01)
            for k in range(20):
                await bluez.notify_hrm(H10, encode_hrm(60, [1000 + k]))
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.05)
            session.stop()
            summary = await task
        timer.stop()
        return summary.beats["h10"]

    assert run_on_qt(main) == 20
    # Qt's timer kept firing while beats arrived: one thread, one loop, neither blocked.
    during = [t for t in loop_clock if beat_times[0] <= t <= beat_times[-1]]
    assert len(during) > 10
