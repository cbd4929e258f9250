"""The H10's accelerometer over Bluetooth, end to end: unmodified bleak on the fake BlueZ.

The simulated person breathes; the simulated chest's PMD ACC frames (and the strap's
heart-rate notifications, and ECG frames) go through a fake BlueZ, bleak and
:class:`BleStrap` into a session folder; the breaths read from ``acc.tsv`` are compared
with the simulated person's true inhalation starts.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from resonant.devices.ble import ACC_RATE_HZ, BleStrap
from resonant.devices.chest import ChestSpec
from resonant.devices.physiology import PersonSpec
from resonant.devices.pmd import acc_start_command, decode_acc_frame, ecg_start_command
from resonant.devices.simulated import SimulatedStrap
from resonant.folder.read import read_acc, read_events
from resonant.session.core import Session
from resonant.signal.breathing import breathing_from_acc
from tests.devices.fake_bluez import FakeBluez, FakeStrap
from tests.devices.test_ble import FAST_BACKOFF, FIXTURE, H10, TICK_WALL_S, _hex_lines
from tests.devices.test_ble import _run_session, _until


def _answer(writes: list[bytes]):
    def answer(address: str, value: bytes) -> bytes | None:
        writes.append(value)
        return bytes([0xF0, value[0], value[1], 0x00, 0x00])  # success, no more

    return answer


async def _send_ticks(bluez: FakeBluez, sim: SimulatedStrap, n: int, ecg: list[bytes],
                      sent_acc: list[bytes]) -> None:  # fmt: skip
    for _ in range(n):
        for packet in sim.next_packets():
            if packet.data is not None:
                await bluez.notify_hrm(H10, packet.data)
            elif packet.pmd is not None and await bluez.notify_pmd_data(H10, packet.pmd):
                sent_acc.append(packet.pmd)
        if ecg:
            await bluez.notify_pmd_data(H10, ecg.pop(0))
        await asyncio.sleep(TICK_WALL_S)


@pytest.mark.parametrize("model", ["resonator", "delay"])
def test_breaths_from_the_h10_accelerometer_match_the_simulated_chest(
    private_bus: str, tmp_path: Path, model: str
) -> None:
    sim = SimulatedStrap(
        PersonSpec(model=model, seed=11), chest=ChestSpec(rate_hz=ACC_RATE_HZ), keep_breaths=True
    )
    ecg_frames = _hex_lines(FIXTURE / "ecg-frames.hex")[:150]
    writes: list[bytes] = []
    sent_acc: list[bytes] = []
    sent_before: list[int] = []

    async def main() -> BleStrap:
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(address=H10, pmd=True))
            bluez.pmd_handler = _answer(writes)
            strap = BleStrap(H10, "h10", backoff=FAST_BACKOFF, ecg=True, acc=True)

            async def script(session: Session) -> None:
                await _until(lambda: strap.acc_state == "streaming")
                await _send_ticks(bluez, sim, 100, ecg_frames, sent_acc)
                sent_before.append(len(sent_acc))
                await bluez.drop_link(H10)
                await _until(lambda: strap.state == "reconnecting")
                await _until(lambda: strap.state == "streaming")
                await _until(lambda: len(writes) >= 4)  # both streams asked for again
                await _send_ticks(bluez, sim, 40, ecg_frames, sent_acc)
                await asyncio.sleep(0.1)

            await _run_session(bluez, [strap], tmp_path / "s", script)
            return strap

    strap = asyncio.run(main())
    # Both streams started on each connection, ACC at the rate the chest sends.
    assert writes == [ecg_start_command(), acc_start_command(ACC_RATE_HZ)] * 2
    acc = read_acc(tmp_path / "s")["h10"]
    per_frame = ACC_RATE_HZ  # one frame a second
    sizes = [len(decode_acc_frame(f).samples_mg) for f in sent_acc]
    assert acc.time_s.size == sum(sizes)
    assert np.all(np.diff(acc.time_s) > 0)
    # The first connection: its clock is the first frame's arrival; put the truth on it.
    first = decode_acc_frame(sent_acc[0])
    assert first.timestamp_ns is not None
    true_last_s = (first.timestamp_ns - sim._sensor_origin_ns) / 1e9
    offset = acc.time_s[sizes[0] - 1] - true_last_s
    n1 = sum(sizes[: sent_before[0]])
    t1, x1 = acc.time_s[:n1] - offset, acc.xyz_mg[:n1]
    lo, hi = t1[0] + 20.0, t1[-1] - 5.0
    got = breathing_from_acc(t1, x1, lo, hi)
    true = np.array([o for o in sim.breath_onsets if lo + 1.0 <= o <= hi - 1.0])
    est = np.array(got.onsets_s)
    err = np.array([np.min(np.abs(est - o)) for o in true])
    assert true.size >= 12 and err.max() < 0.5, err
    inside = np.array([o for o in sim.breath_onsets if lo <= o <= hi])
    true_rate = 60.0 * (inside.size - 1) / (inside[-1] - inside[0])
    assert got.rate_bpm == pytest.approx(true_rate, abs=0.3)
    # After the reconnection both streams came back.
    [back] = [e.onset_s for e in read_events(tmp_path / "s") if e.label == "reconnected"]
    assert np.sum(acc.time_s > back) >= 30 * per_frame
    ecg_t = np.loadtxt(tmp_path / "s" / "ecg.tsv", skiprows=1, usecols=(0,))
    assert np.sum(ecg_t > back) > 0 and np.sum(ecg_t < back) > 0
    meta = json.loads((tmp_path / "s" / "session.json").read_text())
    settings = meta["sources"][0]["settings"]
    assert settings["acc"] == "streaming" and settings["acc_hz"] == ACC_RATE_HZ
    assert strap.ecg_state == "streaming"


def test_a_strap_without_the_accelerometer_records_rr_without_a_word(
    private_bus: str, tmp_path: Path
) -> None:
    async def main():
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(address=H10, name="TICKR 1234", pmd=False))
            strap = BleStrap(H10, "tickr", acc=True)

            async def script(session: Session) -> None:
                await _until(lambda: strap.acc_state is not None)
                from resonant.devices.hrm import encode_hrm

                await bluez.notify_hrm(H10, encode_hrm(60, [1024]))
                await asyncio.sleep(0.1)

            _, sink, _ = await _run_session(bluez, [strap], tmp_path / "s", script)
            return strap, sink

    strap, sink = asyncio.run(main())
    assert strap.acc_state == "not offered by this strap"
    assert not [e for e in sink.events if e.kind == "note"]
    assert [b.rr_ms for b in sink.beats] == [1000.0]
    assert not (tmp_path / "s" / "acc.tsv").exists()


def test_a_refused_accelerometer_is_a_note_and_rr_goes_on(private_bus: str, tmp_path: Path) -> None:
    def refuse(address: str, value: bytes) -> bytes | None:
        return bytes([0xF0, value[0], value[1], 0x08, 0x00])  # sample rate not supported

    async def main():
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(address=H10, pmd=True))
            bluez.pmd_handler = refuse
            strap = BleStrap(H10, "h10", acc=True)

            async def script(session: Session) -> None:
                await _until(lambda: strap.acc_state is not None)
                await asyncio.sleep(0.1)

            _, sink, _ = await _run_session(bluez, [strap], tmp_path / "s", script)
            return strap, sink

    strap, sink = asyncio.run(main())
    assert strap.acc_state == "the sensor does not support this sample rate"
    notes = [e.label for e in sink.events if e.kind == "note"]
    assert notes and "accelerometer" in notes[0] and "heart rhythm" in notes[0]
