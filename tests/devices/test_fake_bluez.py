"""Unmodified bleak against the fake BlueZ (fake_bluez.py) on a private D-Bus.

Each test runs its own event loop with ``asyncio.run`` (no pytest-asyncio); the
``private_bus`` fixture gives each test its own dbus-daemon.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDBusError,
)

from resonant.devices.hrm import (
    BATTERY_LEVEL_UUID,
    BODY_SENSOR_LOCATION_UUID,
    HEART_RATE_MEASUREMENT_UUID,
    HEART_RATE_SERVICE_UUID,
    decode_battery_level,
    decode_body_sensor_location,
    encode_hrm,
)
from tests.devices.fake_bluez import (
    CONNECT_FAILED_MESSAGE,
    FIRMWARE_REVISION_UUID,
    MANUFACTURER_NAME_UUID,
    MODEL_NUMBER_UUID,
    PMD_CONTROL_POINT_READ_VALUE,
    PMD_CONTROL_POINT_UUID,
    PMD_DATA_UUID,
    PMD_SERVICE_UUID,
    FakeBluez,
    FakeStrap,
)

STRAP = "C0:FF:EE:00:00:02"
OTHER = "C0:FF:EE:00:00:03"
WAIT_S = 2.0  # upper bound for anything that should take milliseconds


def _collector() -> tuple[list[bytes], Callable[[int], asyncio.Event], Callable]:
    """A notify callback, the list it fills, and 'an event set once n items arrived'."""
    received: list[bytes] = []
    waiters: list[tuple[int, asyncio.Event]] = []

    def callback(_char: BleakGATTCharacteristic, data: bytearray) -> None:
        received.append(bytes(data))
        for n, event in waiters:
            if len(received) >= n:
                event.set()

    def when(n: int) -> asyncio.Event:
        event = asyncio.Event()
        if len(received) >= n:
            event.set()
        waiters.append((n, event))
        return event

    return received, when, callback


def test_scan_finds_the_strap_by_its_heart_rate_service(private_bus: str) -> None:
    async def main() -> None:
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap())
            bluez.add_strap(
                FakeStrap(address=OTHER, name="Kitchen scale", advertise_hrs=False, rssi=-40)
            )
            found = await BleakScanner.discover(
                timeout=1.0, return_adv=True, service_uuids=[HEART_RATE_SERVICE_UUID]
            )
            assert list(found) == [STRAP]
            device, adv = found[STRAP]
            assert device.name == adv.local_name == "Polar H10 0A1B2C3D"
            assert adv.rssi == -60
            assert adv.service_uuids == [HEART_RATE_SERVICE_UUID]
            assert 0x006B in adv.manufacturer_data  # Polar's company id, as a dict key
            assert any(
                HEART_RATE_SERVICE_UUID in f.get("UUIDs", []) for f in bluez.discovery_filters
            )
            assert bluez.connect_calls == {}

            # Without the filter the scale is reported too: the filter excluded it.
            everything = await BleakScanner.discover(timeout=0.3, return_adv=True)
            assert set(everything) == {STRAP, OTHER}
            assert everything[OTHER][0].name == "Kitchen scale"
            assert everything[OTHER][1].rssi == -40

    asyncio.run(main())


def test_a_strap_switched_on_during_a_scan_is_found(private_bus: str) -> None:
    async def main() -> None:
        async with FakeBluez(private_bus) as bluez:
            search = asyncio.create_task(
                BleakScanner.find_device_by_address(
                    STRAP, timeout=WAIT_S, service_uuids=[HEART_RATE_SERVICE_UUID]
                )
            )
            await asyncio.sleep(0.2)
            assert not search.done()
            bluez.add_strap(FakeStrap())
            device = await search
            assert device is not None and device.address == STRAP

    asyncio.run(main())


def test_connect_read_and_receive_heart_rate_notifications(private_bus: str) -> None:
    packets = [
        encode_hrm(60, [1024]),
        encode_hrm(61, [1000, 1010], contact=True),
        encode_hrm(300, [200]),  # uint16 HR
        encode_hrm(62, [], contact=False, energy_kj=5),
        encode_hrm(60, [1024]),  # same bytes as the first: must arrive again
    ]

    async def main() -> None:
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap())
            received, when, on_hrm = _collector()
            async with BleakClient(STRAP, timeout=5.0) as client:
                assert bluez.connected(STRAP)
                location = await client.read_gatt_char(BODY_SENSOR_LOCATION_UUID)
                assert decode_body_sensor_location(location) == "chest"
                assert decode_battery_level(await client.read_gatt_char(BATTERY_LEVEL_UUID)) == 87
                assert await client.read_gatt_char(MANUFACTURER_NAME_UUID) == b"Polar Electro Oy"
                assert await client.read_gatt_char(MODEL_NUMBER_UUID) == b"H10"
                assert await client.read_gatt_char(FIRMWARE_REVISION_UUID) == b"5.0.0"
                assert client.services.get_service(PMD_SERVICE_UUID) is None
                hrm = client.services.get_characteristic(HEART_RATE_MEASUREMENT_UUID)
                assert hrm is not None and hrm.properties == ["notify"]
                assert hrm.handle == 0x000D  # parsed by bleak from ".../service000c/char000d"

                await client.start_notify(HEART_RATE_MEASUREMENT_UUID, on_hrm)
                assert bluez.notifying(STRAP)
                for packet in packets:
                    assert await bluez.notify_hrm(STRAP, packet)
                await asyncio.wait_for(when(len(packets)).wait(), WAIT_S)
                assert received == packets

                await client.stop_notify(HEART_RATE_MEASUREMENT_UUID)
                assert not bluez.notifying(STRAP)
                assert not await bluez.notify_hrm(STRAP, packets[0])
            assert not bluez.connected(STRAP)
            assert bluez.connect_calls == {STRAP: 1}
            assert received == packets

    asyncio.run(main())


def test_link_loss_fires_the_callback_and_a_reconnect_resumes(private_bus: str) -> None:
    async def main() -> None:
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap())
            received, when, on_hrm = _collector()
            losses: list[BleakClient] = []
            lost = asyncio.Event()

            def on_disconnect(client: BleakClient) -> None:
                losses.append(client)
                lost.set()

            client = BleakClient(STRAP, disconnected_callback=on_disconnect, timeout=5.0)
            await client.connect()
            try:
                await client.start_notify(HEART_RATE_MEASUREMENT_UUID, on_hrm)
                for hr in (60, 61, 62):
                    assert await bluez.notify_hrm(STRAP, encode_hrm(hr, [1000]))
                await asyncio.wait_for(when(3).wait(), WAIT_S)

                await bluez.drop_link(STRAP)
                await asyncio.wait_for(lost.wait(), WAIT_S)
                assert losses == [client]
                assert not client.is_connected
                assert not bluez.connected(STRAP) and not bluez.notifying(STRAP)
                assert not await bluez.notify_hrm(STRAP, encode_hrm(63, [1000]))

                # bleak keeps the connection's own D-Bus socket after a link loss;
                # disconnect() releases it (a no-op towards the strap).
                await client.disconnect()
                assert len(losses) == 1

                await client.connect()  # same client: no new scan, straight to Connect
                await client.start_notify(HEART_RATE_MEASUREMENT_UUID, on_hrm)
                for hr in (70, 71):
                    assert await bluez.notify_hrm(STRAP, encode_hrm(hr, [900]))
                await asyncio.wait_for(when(5).wait(), WAIT_S)
                assert [p[1] for p in received] == [60, 61, 62, 70, 71]
                assert bluez.connect_calls[STRAP] == 2
            finally:
                await client.disconnect()
            assert len(losses) == 2  # the callback also fires on a client disconnect()

    asyncio.run(main())


def test_powered_off_adapter_and_missing_adapter(private_bus: str) -> None:
    async def main() -> None:
        async with FakeBluez(private_bus, powered=False) as bluez:
            bluez.add_strap(FakeStrap())
            with pytest.raises(BleakBluetoothNotAvailableError) as off:
                await BleakScanner.discover(timeout=0.2)
            assert off.value.reason is BleakBluetoothNotAvailableReason.POWERED_OFF
            assert "No powered Bluetooth adapters found" in str(off.value)
            with pytest.raises(BleakBluetoothNotAvailableError) as off:
                await BleakClient(STRAP, timeout=1.0).connect()
            assert off.value.reason is BleakBluetoothNotAvailableReason.POWERED_OFF

            bluez.set_powered(True)
            await asyncio.sleep(0.1)  # let bleak's manager see Powered change
            assert await BleakScanner.find_device_by_address(STRAP, timeout=WAIT_S)

        async with FakeBluez(private_bus, adapter_present=False):
            with pytest.raises(BleakBluetoothNotAvailableError) as none:
                await BleakScanner.discover(timeout=0.2)
            assert none.value.reason is BleakBluetoothNotAvailableReason.NO_BLUETOOTH
            assert "No Bluetooth adapters found" in str(none.value)

    asyncio.run(main())


def test_powering_off_drops_the_link(private_bus: str) -> None:
    async def main() -> None:
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap())
            lost = asyncio.Event()
            async with BleakClient(
                STRAP, disconnected_callback=lambda _c: lost.set(), timeout=5.0
            ) as client:
                bluez.set_powered(False)
                await asyncio.wait_for(lost.wait(), WAIT_S)
                assert not client.is_connected
            assert not bluez.connected(STRAP)

    asyncio.run(main())


def test_non_connectable_strap_fails_to_connect(private_bus: str) -> None:
    async def main() -> None:
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(connectable=False))
            client = BleakClient(STRAP, timeout=2.0)
            try:
                with pytest.raises(BleakDBusError) as failed:
                    await client.connect()
                assert failed.value.dbus_error == "org.bluez.Error.Failed"
                assert failed.value.dbus_error_details == CONNECT_FAILED_MESSAGE
                assert str(failed.value) == (
                    "[org.bluez.Error.Failed] le-connection-abort-by-remote"
                )
                assert bluez.connect_calls == {STRAP: 1}
                assert not client.is_connected and not bluez.connected(STRAP)

                bluez.set_connectable(STRAP, True)
                await client.connect()
                assert client.is_connected and bluez.connected(STRAP)
                assert bluez.connect_calls == {STRAP: 2}
            finally:
                await client.disconnect()

    asyncio.run(main())


def test_services_that_never_resolve_time_out_and_disconnect(private_bus: str) -> None:
    async def main() -> None:
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(resolves_services=False))
            client = BleakClient(STRAP, timeout=0.5)
            try:
                with pytest.raises(TimeoutError):
                    await client.connect()
                assert bluez.connect_calls == {STRAP: 1}
                assert not bluez.connected(STRAP)  # bleak called Disconnect on its way out
            finally:
                await client.disconnect()

    asyncio.run(main())


def test_battery_notifications_and_the_read_echo(private_bus: str) -> None:
    async def main() -> None:
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(battery=90, battery_notify=True))
            received, when, on_battery = _collector()
            async with BleakClient(STRAP, timeout=5.0) as client:
                battery = client.services.get_characteristic(BATTERY_LEVEL_UUID)
                assert battery is not None and battery.properties == ["read", "notify"]
                await client.start_notify(BATTERY_LEVEL_UUID, on_battery)
                assert await bluez.notify_battery(STRAP, 80)
                await asyncio.wait_for(when(1).wait(), WAIT_S)
                # As with BlueZ, a read of a characteristic being notified also reaches
                # the notify callback.
                assert await client.read_gatt_char(BATTERY_LEVEL_UUID) == bytes([80])
                await asyncio.wait_for(when(2).wait(), WAIT_S)
                assert received == [bytes([80]), bytes([80])]

    asyncio.run(main())


def test_pmd_control_point_indication_and_data_notification(private_bus: str) -> None:
    start_ecg = bytes.fromhex("0200 0001 8200 0101 0e00")  # hrv-spec §2.2
    frame = bytes([0x00]) + (123_456_789).to_bytes(8, "little") + bytes([0x00]) + bytes(9)

    def answer(address: str, value: bytes) -> bytes | None:
        assert address == STRAP
        return bytes([0xF0, value[0], value[1], 0x00, 0x00])  # success (hrv-spec §2.3)

    async def main() -> None:
        async with FakeBluez(private_bus) as bluez:
            bluez.add_strap(FakeStrap(pmd=True))
            bluez.pmd_handler = answer
            responses, response_count, on_response = _collector()
            data, data_count, on_data = _collector()
            async with BleakClient(STRAP, timeout=5.0) as client:
                control = client.services.get_characteristic(PMD_CONTROL_POINT_UUID)
                assert control is not None
                assert sorted(control.properties) == ["indicate", "read", "write"]
                read = await client.read_gatt_char(PMD_CONTROL_POINT_UUID)
                assert read == PMD_CONTROL_POINT_READ_VALUE

                await client.start_notify(PMD_CONTROL_POINT_UUID, on_response)
                await client.start_notify(PMD_DATA_UUID, on_data)
                await client.write_gatt_char(PMD_CONTROL_POINT_UUID, start_ecg, response=True)
                await asyncio.wait_for(response_count(1).wait(), WAIT_S)
                assert responses == [bytes.fromhex("f002000000")]
                assert bluez.writes == [(STRAP, PMD_CONTROL_POINT_UUID, start_ecg)]

                assert await bluez.notify_pmd_data(STRAP, frame)
                await asyncio.wait_for(data_count(1).wait(), WAIT_S)
                assert data == [frame]

    asyncio.run(main())
