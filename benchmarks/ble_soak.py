"""Soak: a 2-hour Bluetooth session through repeated dropped links, on a fake BlueZ.

Run as ``.venv/bin/python benchmarks/ble_soak.py [--hours 2] [--speed 100] [--json]``
(needs Debian's ``dbus-daemon``). It runs unmodified bleak against the fake BlueZ of the
tests on a private D-Bus, and a real session (``BleStrap`` -> core -> recorder) on a
clock running ``--speed`` times faster than real time. The fake strap sends one
notification per second of session time and drops the link every 10 minutes; resonant
must reconnect each time by itself. It prints figures and asserts nothing.

Goals: every beat sent while connected is in ``beats.tsv``, in order, none duplicated;
one segment per connection; resident memory flat (within 5 MB after 20 minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' fake BlueZ

from session_soak import rss_mb  # noqa: E402

from resonant.model.clock import MonotonicClock  # noqa: E402
from resonant.devices.ble import Backoff, BleStrap  # noqa: E402
from resonant.devices.hrm import encode_hrm  # noqa: E402
from resonant.model.pacer import PacerSchedule  # noqa: E402
from resonant.folder.write import Recorder  # noqa: E402
from resonant.folder.read import read_recording  # noqa: E402
from resonant.session.core import Session  # noqa: E402
from tests.devices.dbus_daemon import private_dbus_daemon  # noqa: E402
from tests.devices.fake_bluez import FakeBluez, FakeStrap  # noqa: E402

ADDRESS = "C0:FF:EE:00:00:02"
DROP_EVERY_S = 600.0


async def soak(bus: str, hours: float, speed: float, folder: Path) -> dict:
    duration_s = hours * 3600.0
    rng = np.random.default_rng(1)
    sent: list[int] = []
    reconnect_s: list[float] = []
    rss: list[tuple[float, float]] = []
    async with FakeBluez(bus) as bluez:
        bluez.add_strap(FakeStrap(address=ADDRESS))
        strap = BleStrap(ADDRESS, "h10", backoff=Backoff(1.0, 30.0))
        clock = MonotonicClock(speed)
        rec = Recorder(folder, {"start_utc": "", "sources": []})
        session = Session([strap], clock, PacerSchedule(), [rec])
        task = asyncio.create_task(session.run())
        while strap.state != "streaming":
            await asyncio.sleep(0.01)
        t = clock.now()
        next_drop = t + DROP_EVERY_S
        next_rss = 0.0
        while t < duration_s:
            t += 1.0
            await clock.sleep_until(t)
            if t >= next_drop:
                next_drop += DROP_EVERY_S
                await bluez.drop_link(ADDRESS)
                dropped = clock.now()
                while strap.state == "streaming":
                    await asyncio.sleep(0.001)
                while strap.state != "streaming":
                    await asyncio.sleep(0.001)
                reconnect_s.append(clock.now() - dropped)
                t = clock.now()
                continue
            raw = int(rng.integers(850, 1100))
            if await bluez.notify_hrm(ADDRESS, encode_hrm(62, [raw])):
                sent.append(raw)
            if t >= next_rss:
                next_rss += 600.0
                rss.append((t / 60.0, rss_mb()))
        await asyncio.sleep(0.05)
        session.stop()
        summary = await task
        rec.close()
    [r] = read_recording(folder)
    expected = [x * 1000 / 1024 for x in sent]
    base = next((m for minute, m in rss if minute >= 20.0), rss[0][1])
    return {
        "hours": hours,
        "speed": speed,
        "beats_sent": len(sent),
        "beats_recorded": int(r.rr_ms.size),
        "identical_in_order": r.rr_ms.tolist() == expected,
        "drops": len(reconnect_s),
        "segments": int(r.segment_starts.size),
        "reconnect_median_s": float(np.median(reconnect_s)) if reconnect_s else None,
        "reconnect_max_s": float(np.max(reconnect_s)) if reconnect_s else None,
        "connections": strap.connections,
        "rss_mb": rss,
        "rss_growth_after_20min_mb": rss[-1][1] - base,
        "session_reason": summary.reason,
    }


def report(r: dict, wall_s: float) -> None:
    print(f"BLE soak: {r['hours']:g} h session at {r['speed']:g}x on the fake BlueZ, "
          f"a dropped link every {DROP_EVERY_S / 60:.0f} min (wall {wall_s:.0f} s)")  # fmt: skip
    print(f"   beats sent while connected {r['beats_sent']}, recorded {r['beats_recorded']}, "
          f"identical and in order: {r['identical_in_order']}")  # fmt: skip
    print(f"   drops {r['drops']}, connections {r['connections']}, segments {r['segments']}")
    print(f"   reconnection (session time): median {r['reconnect_median_s']:.1f} s, "
          f"max {r['reconnect_max_s']:.1f} s")  # fmt: skip
    g = r["rss_growth_after_20min_mb"]
    print(f"   resident memory {r['rss_mb'][0][1]:.1f} -> {r['rss_mb'][-1][1]:.1f} MB; growth "
          f"after 20 min {g:+.1f} MB  {'ok' if abs(g) <= 5 else 'MISSED'}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--speed", type=float, default=100.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    with private_dbus_daemon() as bus, tempfile.TemporaryDirectory() as tmp:
        import os

        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = bus
        t0 = time.perf_counter()
        r = asyncio.run(soak(bus, args.hours, args.speed, Path(tmp) / "s"))
        wall = time.perf_counter() - t0
    if args.json:
        print(json.dumps({**r, "wall_s": wall}))
    else:
        report(r, wall)
    return 0


if __name__ == "__main__":
    sys.exit(main())
