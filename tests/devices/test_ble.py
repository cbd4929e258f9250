"""Bluetooth straps end to end: resonant's BLE source on unmodified bleak and a fake BlueZ.

Each test starts a private dbus-daemon (``private_bus``), a fake BlueZ on it, and runs
a real :class:`~resonant.session.core.Session` with :class:`BleStrap` sources and the
recorder, on an accelerated clock (20x: 50 ms of wall time is a second of session time).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np
import pytest

from resonant.model.beats import Beat, Event
from resonant.model.clock import MonotonicClock
from resonant.devices.ble import Backoff, BleError, BleStrap, explain, scan
from resonant.devices.hrm import encode_hrm
from resonant.model.pacer import PacerSchedule
from resonant.folder.write import Recorder
from resonant.folder.read import read_events, read_recording
from resonant.session.core import Session
from tests.devices.fake_bluez import FakeBluez, FakeStrap

H10 = "C0:FF:EE:00:00:02"
H7 = "C0:FF:EE:00:00:07"
SPEED = 20.0
TICK_WALL_S = 1.0 / SPEED  # one notification per second of session time
FAST_BACKOFF = Backoff(first_s=0.5, max_s=2.0)


class Collect:
    def __init__(self) -> None:
        self.beats: list[Beat] = []
        self.events: list[Event] = []

    def on_beat(self, beat: Beat, metrics: object) -> None:
        self.beats.append(beat)

    def on_event(self, event: Event) -> None:
        self.events.append(event)


async def _until(cond: Callable[[], bool], timeout_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not cond():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.005)


def _meta() -> dict:
    return {"start_utc": "2026-11-22T10:00:00Z", "sources": [], "settings": {}}


async def _run_session(
    bluez: FakeBluez,
    sources: list[BleStrap],
    folder: Path,
    script: Callable[[Session], Awaitable[None]],
) -> tuple[Session, Collect, object]:
    rec = Recorder(folder, _meta())
    sink = Collect()
    pacer = PacerSchedule()
    session = Session(sources, MonotonicClock(SPEED), pacer, [rec, sink])
    task = asyncio.create_task(session.run())
    try:
        await script(session)
    finally:
        session.stop()
        summary = await task
        rec.close(sources=[s.info.to_json() for s in sources])
    return session, sink, summary


def test_scan_connect_stream_lose_the_link_reconnect_and_keep_every_beat(
    private_bus: str, tmp_path: Path
) -> None:
    """The issue's end-to-end: beats exactly as sent, in order, with the gap recorded."""
    sent_before = [800 + 3 * k for k in range(20)]  # raw 1/1024 s
    sent_after = [900 - 2 * k for k in range(20)]

    async def main():
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(address=H10, name="Polar H10 0A1B2C3D"))
            found = await scan(1.0)
            assert [(f.address, f.name, f.model) for f in found] == [
                (H10, "Polar H10 0A1B2C3D", "Polar H10")
            ]
            strap = BleStrap("h10", "client", backoff=FAST_BACKOFF)

            async def script(session: Session) -> None:
                await _until(lambda: strap.state == "streaming")
                assert bluez.notifying(H10)
                for raw in sent_before:
                    assert await bluez.notify_hrm(H10, encode_hrm(70, [raw]))
                    await asyncio.sleep(TICK_WALL_S)
                await bluez.drop_link(H10)
                await _until(lambda: strap.state == "reconnecting")
                await _until(lambda: strap.state == "streaming")  # reconnected by itself
                for raw in sent_after:
                    assert await bluez.notify_hrm(H10, encode_hrm(66, [raw]))
                    await asyncio.sleep(TICK_WALL_S)
                await asyncio.sleep(0.05)

            result = await _run_session(bluez, [strap], tmp_path / "s", script)
            return result, dict(bluez.connect_calls)

    (session, sink, summary), calls = asyncio.run(main())
    expected = [r * 1000 / 1024 for r in sent_before + sent_after]
    assert [b.rr_ms for b in sink.beats] == expected
    assert all(b.source == "client" for b in sink.beats)
    assert calls == {H10: 2}
    labels = [(e.kind, e.label) for e in sink.events if e.kind == "connection"]
    assert labels == [("connection", "connected"), ("connection", "disconnected"),
                      ("connection", "reconnected")]  # fmt: skip
    # The folder: every beat, two segments split at the disconnect, the strap's details.
    [rec] = read_recording(tmp_path / "s")
    assert rec.rr_ms.tolist() == expected
    # A new segment at the drop. (On an accelerated clock a scheduling delay of 75 ms of
    # wall time is 1.5 s of session time and may look like lost beats: another split,
    # never a lost or bridged beat; so the test asks for "at least".)
    assert {0, 20} <= set(rec.segment_starts.tolist())
    assert [e.label for e in read_events(tmp_path / "s") if e.kind == "connection"] == [
        "connected", "disconnected", "reconnected"]  # fmt: skip
    meta = json.loads((tmp_path / "s" / "session.json").read_text())
    [src] = meta["sources"]
    assert src["kind"] == "ble" and src["address"] == H10 and src["model"] == "H10"
    assert src["firmware"] == "5.0.0" and src["body_location"] == "chest"
    assert src["settings"]["manufacturer"] == "Polar Electro Oy"
    assert src["settings"]["battery_pct"] == 87 and src["settings"]["profile"] == "polar-h10"
    assert summary.gaps == 1


def test_two_straps_at_once_each_its_own_labelled_source(private_bus: str, tmp_path: Path) -> None:
    async def main():
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(address=H10, name="Polar H10 0A1B2C3D"))
            bluez.add_strap(FakeStrap(address=H7, name="Polar H7 11223344", model="H7"))
            claimed: set[str] = set()
            # Both match "polar": the second must take the other strap, not the same one.
            a = BleStrap("polar", "client", claimed=claimed, backoff=FAST_BACKOFF)
            b = BleStrap("polar", "clinician", claimed=claimed, backoff=FAST_BACKOFF)

            async def script(session: Session) -> None:
                await _until(lambda: a.state == b.state == "streaming")
                for k in range(12):
                    await bluez.notify_hrm(H10, encode_hrm(60, [1024 + k]))
                    await bluez.notify_hrm(H7, encode_hrm(75, [820 - k], contact=True))
                    await asyncio.sleep(TICK_WALL_S)
                await asyncio.sleep(0.05)

            await _run_session(bluez, [a, b], tmp_path / "s", script)
            return a, b

    a, b = asyncio.run(main())
    assert {a.address, b.address} == {H10, H7}
    recs = {r.source: r for r in read_recording(tmp_path / "s")}
    assert set(recs) == {"client", "clinician"}
    by_addr = {a.address: "client", b.address: "clinician"}
    assert recs[by_addr[H10]].rr_ms.tolist() == [(1024 + k) * 1000 / 1024 for k in range(12)]
    assert recs[by_addr[H7]].rr_ms.tolist() == [(820 - k) * 1000 / 1024 for k in range(12)]
    assert (recs[by_addr[H7]].contact == 1).all() and (recs[by_addr[H10]].contact == -1).all()


def test_repeated_drops_never_duplicate_or_bridge(private_bus: str, tmp_path: Path) -> None:
    """Six stretches of 12 beats between five dropped links (and one at the end)."""
    rng = np.random.default_rng(1)
    sent: list[list[int]] = []

    async def main():
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(address=H10))
            strap = BleStrap(H10, "h10", backoff=FAST_BACKOFF)

            async def script(session: Session) -> None:
                for _drop in range(6):
                    await _until(lambda: strap.state == "streaming")
                    part = [int(x) for x in rng.integers(850, 1100, 12)]
                    for raw in part:
                        assert await bluez.notify_hrm(H10, encode_hrm(62, [raw]))
                        await asyncio.sleep(TICK_WALL_S)
                    sent.append(part)
                    await bluez.drop_link(H10)
                    await _until(lambda: strap.state != "streaming")
                await asyncio.sleep(0.05)

            await _run_session(bluez, [strap], tmp_path / "s", script)
            return strap

    strap = asyncio.run(main())
    [rec] = read_recording(tmp_path / "s")
    flat = [r * 1000 / 1024 for part in sent for r in part]
    assert rec.rr_ms.tolist() == flat
    assert {12 * k for k in range(6)} <= set(rec.segment_starts.tolist())  # see the first test
    assert strap.connections == 6


def test_strap_not_found_is_a_sentence(private_bus: str, tmp_path: Path) -> None:
    async def main():
        async with FakeBluez(private_bus) as bluez:
            strap = BleStrap("H10", find_timeout_s=0.5)
            return await _run_session(bluez, [strap], tmp_path / "s", lambda s: asyncio.sleep(1.0))

    _, sink, summary = asyncio.run(main())
    assert summary.reason == "source failed" and not sink.beats
    [problem] = summary.problems
    assert "No strap whose name contains 'H10' was found" in problem
    assert "moistened" in problem and "resonant scan" in problem


def test_bluetooth_off_and_no_adapter_are_sentences(private_bus: str) -> None:
    async def main(**kw) -> str:
        async with FakeBluez(private_bus, **kw):
            with pytest.raises(BleError) as err:
                await scan(0.5)
            return str(err.value)

    assert asyncio.run(main(powered=False)).startswith("Bluetooth is switched off")
    assert asyncio.run(main(adapter_present=False)).startswith("No Bluetooth adapter was found")


def test_strap_held_by_another_device_is_a_sentence(private_bus: str, tmp_path: Path) -> None:
    async def main():
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(address=H10, connectable=False))
            strap = BleStrap(H10, find_timeout_s=2.0)
            return await _run_session(bluez, [strap], tmp_path / "s", lambda s: asyncio.sleep(1.0))

    _, _, summary = asyncio.run(main())
    [problem] = summary.problems
    assert "would not connect" in problem and "another phone or app" in problem


def test_optical_sensor_is_refused_with_an_explanation(private_bus: str, tmp_path: Path) -> None:
    async def main():
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(address=H10, name="Polar OH1 A1B2C3D4", model="OH1",
                                      body_location=3))  # fmt: skip
            strap = BleStrap("OH1", find_timeout_s=2.0)
            return await _run_session(bluez, [strap], tmp_path / "s", lambda s: asyncio.sleep(1.0))

    _, _, summary = asyncio.run(main())
    [problem] = summary.problems
    assert "optically" in problem and "not usable for heart-rate variability" in problem


def test_malformed_notifications_are_counted_and_give_no_beat(
    private_bus: str, tmp_path: Path
) -> None:
    async def main():
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(address=H10))
            strap = BleStrap(H10, backoff=FAST_BACKOFF)

            async def script(session: Session) -> None:
                await _until(lambda: strap.state == "streaming")
                for data in (encode_hrm(60, [1024]), b"\x10", bytes.fromhex("10 3C 00 04 00"),
                             b"", encode_hrm(60, [1030])):  # fmt: skip
                    await bluez.notify_hrm(H10, data)
                    await asyncio.sleep(TICK_WALL_S)
                await asyncio.sleep(0.05)

            _, sink, _ = await _run_session(bluez, [strap], tmp_path / "s", script)
            return strap, sink

    strap, sink = asyncio.run(main())
    assert [b.rr_ms for b in sink.beats] == [1000.0, 1000.0, 1030 * 1000 / 1024]
    assert strap.decoder.malformed == 3


def test_explain_covers_what_people_meet() -> None:
    from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason

    denied = BleakBluetoothNotAvailableError("x", BleakBluetoothNotAvailableReason.DENIED_BY_USER)
    assert "bluetooth` group" in explain(denied) and "Privacy" in explain(denied)
    assert "BlueZ" in explain(FileNotFoundError("no bus"))
    assert "did not answer" in explain(TimeoutError())


def test_scan_command_prints_json(private_bus: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``resonant scan --json`` as a person runs it, with the fake in another thread."""
    from resonant.cli import main

    ready, done = threading.Event(), threading.Event()

    def serve() -> None:
        async def run() -> None:
            async with FakeBluez(private_bus) as bluez:
                bluez.add_strap(FakeStrap(address=H10, name="Polar H10 0A1B2C3D", rssi=-48))
                bluez.add_strap(FakeStrap(address=H7, name="Polar OH1 99887766", rssi=-70))
                ready.set()
                while not done.is_set():
                    await asyncio.sleep(0.02)

        asyncio.run(run())

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        assert ready.wait(10)
        status = main(["scan", "--timeout", "1", "--json"])
    finally:
        done.set()
        thread.join(10)
    assert status == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(r["name"], r["rssi_dbm"], r["usable"]) for r in rows] == [
        ("Polar H10 0A1B2C3D", -48, True), ("Polar OH1 99887766", -70, False)]  # fmt: skip


FIXTURE = Path(__file__).resolve().parents[2] / "devices" / "polar-h10"


def _hex_lines(path: Path) -> list[bytes]:
    return [bytes.fromhex(ln) for ln in path.read_text().splitlines() if ln and ln[0] != "#"]


def test_polar_h10_ecg_is_recorded_beside_the_rr(private_bus: str, tmp_path: Path) -> None:
    """PMD ECG through bleak into ecg.tsv; its R-peaks give back the true heartbeats."""
    from resonant.devices.pmd import ecg_start_command
    from resonant.signal.rpeaks import detect_r_peaks, r_peak_times_s

    frames = _hex_lines(FIXTURE / "ecg-frames.hex")
    writes: list[bytes] = []

    def answer(address: str, value: bytes) -> bytes | None:
        writes.append(value)
        return bytes([0xF0, value[0], value[1], 0x00, 0x00])  # success, no more

    async def main():
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(address=H10, pmd=True))
            bluez.pmd_handler = answer
            strap = BleStrap(H10, "h10", ecg=True)

            async def script(session: Session) -> None:
                await _until(lambda: strap.ecg_state == "streaming")
                for i, frame in enumerate(frames):
                    assert await bluez.notify_pmd_data(H10, frame)
                    if i % 2 == 0:
                        await bluez.notify_hrm(H10, encode_hrm(60, [1024]))
                    await asyncio.sleep(0.002)
                await asyncio.sleep(0.1)

            await _run_session(bluez, [strap], tmp_path / "s", script)
            return strap

    strap = asyncio.run(main())
    assert writes == [ecg_start_command()]
    rows = np.loadtxt(tmp_path / "s" / "ecg.tsv", skiprows=1, usecols=(0, 1))
    assert rows.shape[0] == 214 * 73
    t, ecg = rows[:, 0], rows[:, 1]
    assert np.all(np.diff(t) > 0) and np.allclose(np.diff(t), 1 / 130, rtol=0.02)
    peaks = detect_r_peaks(ecg, 130.0)
    rr_ecg_ms = np.diff(r_peak_times_s(ecg, 130.0, peaks)) * 1000
    truth = np.loadtxt(FIXTURE / "true-beats.tsv", comments="#", skiprows=5, usecols=(0,))
    rr_true_ms = np.diff(truth) * 1000
    assert rr_ecg_ms.size == rr_true_ms.size
    assert np.max(np.abs(rr_ecg_ms - rr_true_ms)) < 3.0
    meta = json.loads((tmp_path / "s" / "session.json").read_text())
    assert meta["sources"][0]["settings"]["ecg"] == "streaming"
    assert strap.ecg_state == "streaming"


def test_a_strap_without_ecg_says_so_and_records_rr(private_bus: str, tmp_path: Path) -> None:
    async def main():
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(address=H10, name="TICKR 1234", pmd=False))
            strap = BleStrap(H10, "tickr", ecg=True)

            async def script(session: Session) -> None:
                await _until(lambda: strap.ecg_state is not None)
                await bluez.notify_hrm(H10, encode_hrm(60, [1024]))
                await asyncio.sleep(0.1)

            _, sink, _ = await _run_session(bluez, [strap], tmp_path / "s", script)
            return sink

    sink = asyncio.run(main())
    notes = [e.label for e in sink.events if e.kind == "note"]
    assert notes and "does not offer raw ECG" in notes[0]
    assert [b.rr_ms for b in sink.beats] == [1000.0]
    assert not (tmp_path / "s" / "ecg.tsv").exists()


def test_a_strap_gone_for_a_minute_shows_lost_and_comes_back(
    private_bus: str, tmp_path: Path
) -> None:
    states: list[str] = []

    async def main():
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(address=H10))
            strap = BleStrap(H10, "h10", backoff=FAST_BACKOFF)

            async def script(session: Session) -> None:
                await _until(lambda: strap.state == "streaming")
                assert await bluez.notify_hrm(H10, encode_hrm(60, [1024]))
                bluez.set_connectable(H10, False)
                await bluez.drop_link(H10)
                await _until(lambda: strap.state == "lost", timeout_s=20.0)
                states.append(session.snapshot().sources[0].state)
                bluez.set_connectable(H10, True)
                await _until(lambda: strap.state == "streaming", timeout_s=20.0)
                assert await bluez.notify_hrm(H10, encode_hrm(60, [1030]))
                await asyncio.sleep(0.05)

            _, sink, _ = await _run_session(bluez, [strap], tmp_path / "s", script)
            return sink, bluez.connect_calls[H10]

    sink, calls = asyncio.run(main())
    assert states == ["lost"]
    assert calls > 3  # tried again and again with backoff
    assert [b.rr_ms for b in sink.beats] == [1000.0, 1030 * 1000 / 1024]
    assert [e.label for e in sink.events if e.kind == "connection"][-1] == "reconnected"
