"""A fake BlueZ on a private D-Bus, so that unmodified bleak can be tested without hardware.

bleak's Linux backend talks only to ``org.bluez`` on the system bus. :class:`FakeBluez`
owns that name on a private ``dbus-daemon`` (the ``private_bus`` fixture points
``DBUS_SYSTEM_BUS_ADDRESS`` at it) and exports what bluetoothd would: an adapter
``/org/bluez/hci0`` and, once discovery sees them, one ``Device1`` per
:class:`FakeStrap` with its GATT services and characteristics. It runs as dbus-fast
``ServiceInterface`` objects inside the test's own asyncio loop; there is no thread
and no subprocess besides the bus daemon.

Written from the BlueZ D-Bus API documents (``org.bluez.Adapter``, ``Device``,
``GattService``, ``GattCharacteristic``), from what bleak 3.1.0's ``bluezdbus``
backend reads and calls, and from bluetoothd's observable behaviour. Not copied from
any other project.

What bleak 3.1.0 raises against this fake
-----------------------------------------
- Adapter present but ``powered=False`` (or :meth:`FakeBluez.set_powered` False):
  ``bleak.exc.BleakBluetoothNotAvailableError``, ``reason`` =
  ``BleakBluetoothNotAvailableReason.POWERED_OFF``, message "No powered Bluetooth
  adapters found. Turn on Bluetooth and try again." It is raised by
  ``BleakScanner.start()`` (so by ``discover``/``find_device_by_*`` and by
  ``BleakClient.connect()`` given an address string, which scans first).
- ``adapter_present=False``: the same exception type with ``reason`` =
  ``BleakBluetoothNotAvailableReason.NO_BLUETOOTH``, message "No Bluetooth adapters
  found.".
- Non-connectable strap (``FakeStrap.connectable`` False): ``Device1.Connect`` fails
  with ``org.bluez.Error.Failed`` / :data:`CONNECT_FAILED_MESSAGE`, and
  ``BleakClient.connect()`` raises ``bleak.exc.BleakDBusError`` with ``dbus_error``
  "org.bluez.Error.Failed", ``dbus_error_details`` "le-connection-abort-by-remote",
  ``str()`` "[org.bluez.Error.Failed] le-connection-abort-by-remote". The message is
  deliberately *not* "le-connection-abort-by-local": bleak treats that one as a
  transient radio error, waits for a Connected=false signal and calls Connect again
  in a loop until its own timeout (then ``TimeoutError``).
- Strap with ``resolves_services=False``: ``connect()`` raises ``TimeoutError``
  after the client's ``timeout``; bleak calls ``Device1.Disconnect`` on the way out,
  so the fake ends disconnected.
- No ``org.bluez`` owner on the bus at all (a FakeBluez not entered, like a stopped
  bluetoothd): ``BleakDBusError`` "org.freedesktop.DBus.Error.ServiceUnknown".

Fidelity choices (what bluetoothd does, reproduced because bleak or the app can
notice it)
-----------------------------------------------------------------------------
- Discovery sessions and notify sessions belong to the D-Bus *sender*, as in
  bluetoothd: a second ``StartDiscovery`` from the same connection (bleak shares one
  connection for all scanners of a loop) fails with ``org.bluez.Error.InProgress``
  "Operation already in progress"; ``StopDiscovery`` without a session fails with
  ``org.bluez.Error.Failed`` "No discovery started"; a client that leaves the bus
  loses its sessions. ``Adapter1.Discovering`` is true while any session exists.
- Discovery filters are applied like bluetoothd: with a ``UUIDs`` filter a strap that
  does not advertise one of them is never reported (not even exported); ``RSSI`` and
  ``Pattern`` filters work too. While discovering, every reportable, unconnected
  strap is announced every :data:`ANNOUNCE_INTERVAL_S` (``InterfacesAdded`` the first
  time, then an ``RSSI`` ``PropertiesChanged``); a connected strap does not advertise.
- Device and GATT objects are exported together when discovery first reports the
  strap and stay exported after disconnects (bluetoothd keeps the GATT cache);
  bleak only reads GATT objects after ``ServicesResolved``.
- ``Connect``: ``Connected`` true, the reply, then after
  :data:`SERVICES_RESOLVE_DELAY_S` ``UUIDs`` (now also listing every GATT service, as
  bluetoothd does) and ``ServicesResolved`` true. A lost link or ``Disconnect``:
  ``Notifying`` false on each notifying characteristic, ``ServicesResolved`` false,
  ``Connected`` false, one ``PropertiesChanged`` each, in that order.
- GATT paths encode handles (``service000c``/``char000d``); handles are laid out like
  a real ATT table (declaration, value, and a CCCD handle after notify/indicate
  characteristics). No ``GattDescriptor1`` objects are exported: bleak 3.1 never needs
  the CCCD (``StartNotify`` does the subscription), and nothing else reads them.
  ``NotifyAcquired``/``WriteAcquired`` are absent, so bleak always uses
  ``StartNotify`` (also with ``bluez={"use_start_notify": False}``).
- ``Value`` starts empty, as in bluetoothd's cache; ``ReadValue`` stores the value and
  emits a ``Value`` ``PropertiesChanged`` like bluetoothd, so reading a
  characteristic that has notifications on delivers the value to the notify
  callback too (the duplicate bleak's source warns about).
- The Battery Service is exported as plain GATT, as bluetoothd does with its battery
  plugin disabled (``bluetoothd -P battery``). A stock bluetoothd claims 0x180F and
  shows ``org.bluez.Battery1`` instead, so on a real machine 0x2A19 may be missing
  from bleak's services: the app must treat it as optional.

Not modelled: pairing security, ``AcquireNotify``/``AcquireWrite``, the
Advertisement Monitor API (bleak's passive scanning), BR/EDR, several adapters,
removal of stale devices after discovery stops.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from dbus_fast import (
    DBusError,
    Message,
    MessageType,
    NameFlag,
    RequestNameReply,
    Variant,
    unpack_variants,
)
from dbus_fast.annotations import (
    DBusBool,
    DBusBytes,
    DBusDict,
    DBusInt16,
    DBusObjectPath,
    DBusSignature,
    DBusStr,
    DBusUInt16,
    DBusUInt32,
)
from dbus_fast.aio import MessageBus
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_method, dbus_property

from resonant.devices.hrm import (
    BATTERY_LEVEL_UUID,
    BATTERY_SERVICE_UUID,
    BODY_SENSOR_LOCATION_UUID,
    HEART_RATE_MEASUREMENT_UUID,
    HEART_RATE_SERVICE_UUID,
    uuid16,
)

__all__ = [
    "FakeStrap",
    "FakeBluez",
    "close_bleak_manager",
    "ADAPTER_PATH",
    "ADAPTER_ADDRESS",
    "ANNOUNCE_INTERVAL_S",
    "SERVICES_RESOLVE_DELAY_S",
    "CONNECT_FAILED_MESSAGE",
    "DEVICE_INFORMATION_SERVICE_UUID",
    "MANUFACTURER_NAME_UUID",
    "MODEL_NUMBER_UUID",
    "FIRMWARE_REVISION_UUID",
    "PMD_SERVICE_UUID",
    "PMD_CONTROL_POINT_UUID",
    "PMD_DATA_UUID",
    "PMD_CONTROL_POINT_READ_VALUE",
    "device_path",
]

BLUEZ_SERVICE = "org.bluez"
ADAPTER_INTERFACE = "org.bluez.Adapter1"
DEVICE_INTERFACE = "org.bluez.Device1"
GATT_SERVICE_INTERFACE = "org.bluez.GattService1"
GATT_CHARACTERISTIC_INTERFACE = "org.bluez.GattCharacteristic1"

#: The one adapter's object path and address.
ADAPTER_PATH = "/org/bluez/hci0"
ADAPTER_ADDRESS = "00:1A:7D:DA:71:13"

#: While discovering, every reportable strap is re-announced this often (s).
ANNOUNCE_INTERVAL_S = 0.1
#: Delay between the Connect reply and ServicesResolved (s).
SERVICES_RESOLVE_DELAY_S = 0.01
#: Error text of a failed Connect (``org.bluez.Error.Failed``); see the module docstring.
CONNECT_FAILED_MESSAGE = "le-connection-abort-by-remote"

#: Device Information Service and the three strings the fake serves.
DEVICE_INFORMATION_SERVICE_UUID = uuid16(0x180A)
MANUFACTURER_NAME_UUID = uuid16(0x2A29)
MODEL_NUMBER_UUID = uuid16(0x2A24)
FIRMWARE_REVISION_UUID = uuid16(0x2A26)

#: Polar Measurement Data service and characteristics (hrv-spec §2.1), lower case as
#: BlueZ reports them.
PMD_SERVICE_UUID = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
PMD_CONTROL_POINT_UUID = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
PMD_DATA_UUID = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"
#: What reading the PMD control point returns: 0x0F, then ECG and ACC available
#: (hrv-spec §2.1, as on an H10).
PMD_CONTROL_POINT_READ_VALUE = bytes([0x0F, 0x05, 0x00])

_POLAR_COMPANY_ID = 0x006B
_MTU = 247
_FIRST_HANDLE = 0x000C
_ADDRESS_RE = re.compile(r"^[0-9A-F]{2}(:[0-9A-F]{2}){5}$")
_FILTER_KEYS = {
    "UUIDs",
    "RSSI",
    "Pathloss",
    "Transport",
    "DuplicateData",
    "Discoverable",
    "Pattern",
}

# D-Bus signatures for dbus-fast (module level: dbus-fast evaluates the annotations here).
_StrList = Annotated[list[str], DBusSignature("as")]
_PathList = Annotated[list[str], DBusSignature("ao")]
_ManufacturerData = Annotated[dict[int, Variant], DBusSignature("a{qv}")]


def device_path(address: str) -> str:
    """The BlueZ object path of the device with this address."""
    return f"{ADAPTER_PATH}/dev_{address.upper().replace(':', '_')}"


def _full_uuid(value: str) -> str:
    v = value.lower()
    if len(v) == 4:
        return uuid16(int(v, 16))
    if len(v) == 8:
        return f"{v}-0000-1000-8000-00805f9b34fb"
    return v


def _constant(value: bytes) -> Callable[[], bytes]:
    return lambda: value


def _error(name: str, text: str) -> DBusError:
    return DBusError(f"org.bluez.Error.{name}", text)


def _not_ready() -> DBusError:
    return _error("NotReady", "Resource Not Ready")


@dataclass
class FakeStrap:
    """One simulated heart-rate chest strap (defaults: a Polar H10).

    Optional characteristics are left out when their value is None.
    """

    address: str = "C0:FF:EE:00:00:02"
    name: str = "Polar H10 0A1B2C3D"
    rssi: int = -60
    advertise_hrs: bool = True  # 0x180D in the advertised UUIDs
    body_location: int | None = 1  # 0x2A38 value (None: characteristic absent)
    battery: int | None = 87  # Battery Service 0x180F / 0x2A19 (None: absent)
    battery_notify: bool = False  # 0x2A19 flags include "notify"
    manufacturer: str | None = "Polar Electro Oy"  # Device Information 0x2A29
    model: str | None = "H10"  # 0x2A24
    firmware: str | None = "5.0.0"  # 0x2A26
    pmd: bool = False  # Polar Measurement Data service (control point + data)
    resolves_services: bool = True  # False: Connect succeeds, ServicesResolved never true
    connectable: bool = True  # False: Connect fails with org.bluez.Error.Failed


class _Interface(ServiceInterface):
    """A ServiceInterface that knows its object path and emits PropertiesChanged."""

    _SIGNATURES: ClassVar[dict[str, str]] = {}

    def __init__(self, interface: str, object_path: str, fake: FakeBluez) -> None:
        super().__init__(interface)
        self.object_path = object_path
        self.fake = fake
        self.exported = False

    def changed(self, **values: Any) -> asyncio.Future[Any] | None:
        """Emit PropertiesChanged for these properties (new values); None if not on the bus."""
        if not self.exported:
            return None
        body = {k: Variant(self._SIGNATURES[k], v) for k, v in values.items()}
        return self.fake._emit(self.object_path, self.name, body)


class _Adapter(_Interface):
    _SIGNATURES: ClassVar[dict[str, str]] = {"Powered": "b", "Discovering": "b"}

    def __init__(self, fake: FakeBluez) -> None:
        super().__init__(ADAPTER_INTERFACE, ADAPTER_PATH, fake)

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> DBusStr:
        return ADAPTER_ADDRESS

    @dbus_property(access=PropertyAccess.READ)
    def AddressType(self) -> DBusStr:
        return "public"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> DBusStr:
        return "resonant-fake"

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> DBusStr:
        return "resonant-fake"

    @dbus_property(access=PropertyAccess.READ)
    def Class(self) -> DBusUInt32:
        return 0

    @dbus_property(access=PropertyAccess.READ)
    def Powered(self) -> DBusBool:
        return self.fake._powered

    @dbus_property(access=PropertyAccess.READ)
    def Discoverable(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Pairable(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Discovering(self) -> DBusBool:
        return self.fake._discovering

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> _StrList:
        return []

    @dbus_property(access=PropertyAccess.READ)
    def Roles(self) -> _StrList:
        return ["central", "peripheral"]

    @dbus_method()
    def SetDiscoveryFilter(self, properties: DBusDict):
        self.fake._set_discovery_filter(properties)

    @dbus_method()
    def StartDiscovery(self):
        self.fake._start_discovery()

    @dbus_method()
    def StopDiscovery(self):
        self.fake._stop_discovery()

    @dbus_method()
    def RemoveDevice(self, device: DBusObjectPath):
        self.fake._remove_device(device)

    @dbus_method()
    def GetDiscoveryFilters(self) -> _StrList:
        return sorted(_FILTER_KEYS)


class _GattService(_Interface):
    def __init__(self, fake: FakeBluez, device: _Device, handle: int, uuid: str) -> None:
        super().__init__(GATT_SERVICE_INTERFACE, f"{device.object_path}/service{handle:04x}", fake)
        self.device = device
        self.uuid = uuid

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> DBusStr:
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Primary(self) -> DBusBool:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Device(self) -> DBusObjectPath:
        return self.device.object_path

    @dbus_property(access=PropertyAccess.READ)
    def Includes(self) -> _PathList:
        return []


class _GattCharacteristic(_Interface):
    _SIGNATURES: ClassVar[dict[str, str]] = {"Value": "ay", "Notifying": "b"}

    def __init__(
        self,
        fake: FakeBluez,
        service: _GattService,
        handle: int,
        uuid: str,
        flags: list[str],
        read: Callable[[], bytes] | None,
    ) -> None:
        super().__init__(
            GATT_CHARACTERISTIC_INTERFACE, f"{service.object_path}/char{handle:04x}", fake
        )
        self.service = service
        self.device = service.device
        self.uuid = uuid
        self.flags = flags
        self.read = read
        self.value = b""
        self.sessions: set[str] = set()  # D-Bus senders with a notify session

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> DBusStr:
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Service(self) -> DBusObjectPath:
        return self.service.object_path

    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> DBusBytes:
        return self.value

    @dbus_property(access=PropertyAccess.READ)
    def Notifying(self) -> DBusBool:
        return bool(self.sessions)

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> _StrList:
        return list(self.flags)

    @dbus_property(access=PropertyAccess.READ)
    def MTU(self) -> DBusUInt16:
        return _MTU

    def _check_connected(self) -> None:
        if not self.device.connected:
            raise _error("Failed", "Not connected")

    @dbus_method()
    def ReadValue(self, options: DBusDict) -> DBusBytes:
        self._check_connected()
        if self.read is None or "read" not in self.flags:
            raise _error("NotPermitted", "Read not permitted")
        offset = int(unpack_variants(options).get("offset", 0))
        self.value = bytes(self.read())
        self.changed(Value=self.value)  # bluetoothd updates its cache and signals it
        return self.value[offset:]

    @dbus_method()
    def WriteValue(self, value: DBusBytes, options: DBusDict):
        self._check_connected()
        if not {"write", "write-without-response"} & set(self.flags):
            raise _error("NotPermitted", "Write not permitted")
        self.fake._on_write(self, bytes(value))

    @dbus_method()
    def StartNotify(self):
        self._check_connected()
        if not {"notify", "indicate"} & set(self.flags):
            raise _error("NotSupported", "Operation is not supported")
        sender = self.fake._sender
        if sender in self.sessions:
            return  # bluetoothd answers a repeated StartNotify with success
        self.sessions.add(sender)
        if len(self.sessions) == 1:
            self.changed(Notifying=True)

    @dbus_method()
    def StopNotify(self):
        sender = self.fake._sender
        if sender not in self.sessions:
            raise _error("Failed", "No notify session started")
        self.sessions.discard(sender)
        if not self.sessions:
            self.changed(Notifying=False)


class _Device(_Interface):
    _SIGNATURES: ClassVar[dict[str, str]] = {
        "Connected": "b",
        "ServicesResolved": "b",
        "RSSI": "n",
        "UUIDs": "as",
        "Paired": "b",
        "Bonded": "b",
        "Trusted": "b",
    }

    def __init__(self, fake: FakeBluez, strap: FakeStrap) -> None:
        super().__init__(DEVICE_INTERFACE, device_path(strap.address), fake)
        self.strap = strap
        self.address = strap.address.upper()
        self.connected = False
        self.services_resolved = False
        self.resolved_once = False
        self.paired = False
        self.trusted = False
        self.battery_level = strap.battery
        self.resolve_handle: asyncio.TimerHandle | None = None
        self.services: list[_GattService] = []
        self.chars: list[_GattCharacteristic] = []
        self._build_gatt()

    # -- GATT table ------------------------------------------------------------------

    def _build_gatt(self) -> None:
        s = self.strap
        handle = _FIRST_HANDLE
        hrs: list[tuple[str, list[str], Callable[[], bytes] | None]] = [
            (HEART_RATE_MEASUREMENT_UUID, ["notify"], None)
        ]
        if s.body_location is not None:
            hrs.append((BODY_SENSOR_LOCATION_UUID, ["read"], _constant(bytes([s.body_location]))))
        table: list[tuple[str, list[tuple[str, list[str], Callable[[], bytes] | None]]]] = [
            (HEART_RATE_SERVICE_UUID, hrs)
        ]
        if s.battery is not None:
            flags = ["read", "notify"] if s.battery_notify else ["read"]
            table.append((BATTERY_SERVICE_UUID, [(BATTERY_LEVEL_UUID, flags, self._battery_value)]))
        dis = [
            (uuid, ["read"], _constant(text.encode("utf-8")))
            for uuid, text in (
                (MANUFACTURER_NAME_UUID, s.manufacturer),
                (MODEL_NUMBER_UUID, s.model),
                (FIRMWARE_REVISION_UUID, s.firmware),
            )
            if text is not None
        ]
        if dis:
            table.append((DEVICE_INFORMATION_SERVICE_UUID, dis))
        if s.pmd:
            table.append(
                (
                    PMD_SERVICE_UUID,
                    [
                        (
                            PMD_CONTROL_POINT_UUID,
                            ["read", "write", "indicate"],
                            _constant(PMD_CONTROL_POINT_READ_VALUE),
                        ),
                        (PMD_DATA_UUID, ["notify"], None),
                    ],
                )
            )
        for service_uuid, chars in table:
            service = _GattService(self.fake, self, handle, service_uuid)
            self.services.append(service)
            handle += 1
            for uuid, flags, read in chars:
                self.chars.append(
                    _GattCharacteristic(self.fake, service, handle, uuid, flags, read)
                )
                handle += 2  # declaration + value
                if {"notify", "indicate"} & set(flags):
                    handle += 1  # CCCD (not exported, see module docstring)

    def _battery_value(self) -> bytes:
        assert self.battery_level is not None
        return bytes([self.battery_level])

    def char(self, uuid: str) -> _GattCharacteristic | None:
        return next((c for c in self.chars if c.uuid == uuid), None)

    def advertised_uuids(self) -> list[str]:
        return [HEART_RATE_SERVICE_UUID] if self.strap.advertise_hrs else []

    def uuids(self) -> list[str]:
        known = set(self.advertised_uuids())
        if self.resolved_once:  # bluetoothd adds every GATT service once resolved
            known |= {s.uuid for s in self.services}
        return sorted(known)

    # -- Device1 ---------------------------------------------------------------------

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> DBusStr:
        return self.address

    @dbus_property(access=PropertyAccess.READ)
    def AddressType(self) -> DBusStr:
        return "public"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> DBusStr:
        return self.strap.name

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> DBusStr:
        return self.strap.name

    @dbus_property(access=PropertyAccess.READ)
    def Adapter(self) -> DBusObjectPath:
        return ADAPTER_PATH

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> _StrList:
        return self.uuids()

    @dbus_property(access=PropertyAccess.READ)
    def RSSI(self) -> DBusInt16:
        return self.strap.rssi

    @dbus_property(access=PropertyAccess.READ)
    def ManufacturerData(self) -> _ManufacturerData:
        if (self.strap.manufacturer or "").startswith("Polar"):
            return {_POLAR_COMPANY_ID: Variant("ay", b"\x33\x1e\x33\x00")}
        return {}

    @dbus_property(access=PropertyAccess.READ)
    def ServiceData(self) -> DBusDict:
        return {}

    @dbus_property(access=PropertyAccess.READ)
    def AdvertisingFlags(self) -> DBusBytes:
        return b"\x06"  # LE General Discoverable, BR/EDR not supported

    @dbus_property(access=PropertyAccess.READ)
    def Paired(self) -> DBusBool:
        return self.paired

    @dbus_property(access=PropertyAccess.READ)
    def Bonded(self) -> DBusBool:
        return self.paired

    @dbus_property()
    def Trusted(self) -> DBusBool:
        return self.trusted

    @Trusted.setter
    def Trusted(self, value: DBusBool):
        self.trusted = bool(value)
        self.changed(Trusted=self.trusted)

    @dbus_property(access=PropertyAccess.READ)
    def Blocked(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def LegacyPairing(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Connected(self) -> DBusBool:
        return self.connected

    @dbus_property(access=PropertyAccess.READ)
    def ServicesResolved(self) -> DBusBool:
        return self.services_resolved

    @dbus_method()
    def Connect(self):
        self.fake._connect(self)

    @dbus_method()
    def Disconnect(self):
        self.fake._drop(self)

    @dbus_method()
    def Pair(self):
        self.fake._connect(self)
        if not self.paired:
            self.paired = True
            self.changed(Paired=True, Bonded=True)


class FakeBluez:
    """A fake bluetoothd on the bus at ``bus_address``; use as ``async with``.

    Parameters
    ----------
    bus_address : str
        The private bus (the ``private_bus`` fixture's value).
    powered : bool
        Initial ``Adapter1.Powered``.
    adapter_present : bool
        False: own ``org.bluez`` but export no adapter (a machine without Bluetooth).

    Attributes
    ----------
    connect_calls : dict of str to int
        ``Device1.Connect`` calls per address (upper case), successful or not.
    discovery_filters : list of dict
        Every ``SetDiscoveryFilter`` argument, unpacked (e.g. ``{"UUIDs": [...],
        "Transport": "le", "DuplicateData": False}``); bleak clears the filter with
        ``{}`` after each scan, so that appears too.
    writes : list of (str, str, bytes)
        ``(address, characteristic uuid, value)`` of every accepted ``WriteValue``.
    pmd_handler : callable or None
        Called as ``pmd_handler(address, value)`` on each PMD control-point write; a
        returned ``bytes`` is sent as an indication on the control point (if the
        client enabled indications), after the write's reply.

    Addresses given to the methods are case-insensitive; an address never added
    raises KeyError.
    """

    def __init__(
        self, bus_address: str, powered: bool = True, adapter_present: bool = True
    ) -> None:
        self.bus_address = bus_address
        self.connect_calls: dict[str, int] = {}
        self.discovery_filters: list[dict[str, Any]] = []
        self.writes: list[tuple[str, str, bytes]] = []
        self.pmd_handler: Callable[[str, bytes], bytes | None] | None = None
        self._powered = powered
        self._adapter = _Adapter(self) if adapter_present else None
        self._devices: dict[str, _Device] = {}
        self._bus: MessageBus | None = None
        self._sender = ""  # unique name of the caller of the method being handled
        self._sessions: dict[str, dict[str, Any]] = {}  # discovery sessions: sender -> filter
        self._preset_filters: dict[str, dict[str, Any]] = {}  # filters set before starting
        self._announcer: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------

    async def __aenter__(self) -> FakeBluez:
        bus = MessageBus(bus_address=self.bus_address)
        try:
            await bus.connect()
            bus.add_message_handler(self._on_message)
            reply = await bus.call(
                Message(
                    destination="org.freedesktop.DBus",
                    path="/org/freedesktop/DBus",
                    interface="org.freedesktop.DBus",
                    member="AddMatch",
                    signature="s",
                    body=[
                        "type='signal',sender='org.freedesktop.DBus',"
                        "interface='org.freedesktop.DBus',member='NameOwnerChanged'"
                    ],
                )
            )
            if reply is None or reply.message_type is not MessageType.METHOD_RETURN:
                raise RuntimeError(f"AddMatch failed: {reply and reply.body}")
            owner = await bus.request_name(BLUEZ_SERVICE, NameFlag.DO_NOT_QUEUE)
            if owner is not RequestNameReply.PRIMARY_OWNER:
                raise RuntimeError(f"could not own {BLUEZ_SERVICE} on the bus: {owner}")
        except BaseException:
            await _close_bus(bus)
            raise
        self._bus = bus
        if self._adapter is not None:
            self._export(self._adapter)
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop discovery, unexport everything, release org.bluez and close the bus.

        bleak's per-loop BlueZ manager is closed first (:func:`close_bleak_manager`),
        so that the test leaves no open D-Bus socket behind. BleakClients still
        connected keep their own bus connection: disconnect them before leaving.
        """
        await close_bleak_manager()
        announcer, self._announcer = self._announcer, None
        if announcer is not None:
            announcer.cancel()
            await asyncio.wait({announcer})
        self._sessions.clear()
        self._preset_filters.clear()
        bus, self._bus = self._bus, None
        if bus is None:
            return
        for device in self._devices.values():
            if device.resolve_handle is not None:
                device.resolve_handle.cancel()
                device.resolve_handle = None
            if device.exported:
                self._unexport_device(device, bus)
        if self._adapter is not None and self._adapter.exported:
            bus.unexport(ADAPTER_PATH, self._adapter)
            self._adapter.exported = False
        try:
            await bus.release_name(BLUEZ_SERVICE)
        except Exception:  # the bus may already be gone
            pass
        await _close_bus(bus)

    # -- test API --------------------------------------------------------------------

    def add_strap(self, strap: FakeStrap) -> None:
        """Add a strap; discovery reports it (at once if discovery is running)."""
        address = strap.address.upper()
        if not _ADDRESS_RE.match(address):
            raise ValueError(f"not a Bluetooth address: {strap.address!r}")
        if address in self._devices:
            raise ValueError(f"a strap with address {address} was already added")
        self._devices[address] = _Device(self, strap)
        if self._discovering:
            self._announce()

    def set_powered(self, on: bool) -> None:
        """Power the adapter on or off; off drops every link and ends discovery."""
        if on == self._powered:
            return
        if not on:
            for device in self._devices.values():
                self._drop(device)
            self._preset_filters.clear()
            if self._sessions:
                self._sessions.clear()
                self._discovery_ended()
        self._powered = on
        if self._adapter is not None:
            self._adapter.changed(Powered=on)

    def set_connectable(self, address: str, on: bool) -> None:
        """Make Connect succeed (True) or fail with org.bluez.Error.Failed (False)."""
        self._device(address).strap.connectable = on

    async def notify_hrm(self, address: str, data: bytes) -> bool:
        """Send a Heart Rate Measurement notification; False if not connected/subscribed."""
        return await self._notify(address, HEART_RATE_MEASUREMENT_UUID, bytes(data))

    async def notify_battery(self, address: str, level: int) -> bool:
        """Set the battery level and notify it (if 0x2A19 notifies and is subscribed)."""
        if not 0 <= level <= 0xFF:
            raise ValueError(f"a battery level is one byte, not {level!r}")
        device = self._device(address)
        if device.battery_level is None:
            return False
        device.battery_level = level
        return await self._notify(address, BATTERY_LEVEL_UUID, bytes([level]))

    async def notify_pmd_data(self, address: str, data: bytes) -> bool:
        """Send a PMD data notification; False if not connected/subscribed."""
        return await self._notify(address, PMD_DATA_UUID, bytes(data))

    async def drop_link(self, address: str) -> None:
        """Lose the link: Notifying false, ServicesResolved false, Connected false."""
        sent = self._drop(self._device(address))
        if sent is not None:
            await sent

    def connected(self, address: str) -> bool:
        """Whether the strap is connected."""
        return self._device(address).connected

    def notifying(self, address: str) -> bool:
        """Whether Heart Rate Measurement notifications are on."""
        char = self._device(address).char(HEART_RATE_MEASUREMENT_UUID)
        return char is not None and bool(char.sessions)

    # -- internals -------------------------------------------------------------------

    def _device(self, address: str) -> _Device:
        try:
            return self._devices[address.upper()]
        except KeyError:
            raise KeyError(f"no strap with address {address} was added") from None

    @property
    def _discovering(self) -> bool:
        return bool(self._sessions)

    def _emit(
        self, path: str, interface: str, changed: dict[str, Variant]
    ) -> asyncio.Future[Any] | None:
        if self._bus is None or not self._bus.connected:
            return None
        return self._bus.send(
            Message.new_signal(
                path,
                "org.freedesktop.DBus.Properties",
                "PropertiesChanged",
                "sa{sv}as",
                [interface, changed, []],
            )
        )

    def _export(self, interface: _Interface) -> None:
        assert self._bus is not None
        self._bus.export(interface.object_path, interface)
        interface.exported = True

    def _export_device(self, device: _Device) -> None:
        self._export(device)
        for service in device.services:
            self._export(service)
        for char in device.chars:
            self._export(char)

    def _unexport_device(self, device: _Device, bus: MessageBus) -> None:
        for iface in [*device.chars, *device.services, device]:
            if iface.exported:
                bus.unexport(iface.object_path, iface)
                iface.exported = False

    def _on_message(self, msg: Message) -> None:
        # Runs before dbus-fast dispatches a call, so the (synchronous) method
        # handlers can read the caller's unique name from self._sender.
        if msg.message_type is MessageType.METHOD_CALL:
            self._sender = msg.sender or ""
        elif (
            msg.message_type is MessageType.SIGNAL
            and msg.member == "NameOwnerChanged"
            and msg.sender == "org.freedesktop.DBus"
        ):
            name, _old, new = msg.body
            if name.startswith(":") and not new:
                self._client_left(name)
        return None

    def _client_left(self, sender: str) -> None:
        """A D-Bus client disconnected: end its discovery and notify sessions."""
        self._preset_filters.pop(sender, None)
        if self._sessions.pop(sender, None) is not None and not self._sessions:
            self._discovery_ended()
        for device in self._devices.values():
            for char in device.chars:
                if sender in char.sessions:
                    char.sessions.discard(sender)
                    if not char.sessions:
                        char.changed(Notifying=False)

    # discovery

    def _set_discovery_filter(self, properties: dict[str, Variant]) -> None:
        if not self._powered:
            raise _not_ready()
        filt = unpack_variants(properties)
        self.discovery_filters.append(filt)
        unknown = set(filt) - _FILTER_KEYS
        if unknown:
            raise _error("InvalidArguments", f"Invalid arguments in method call: {sorted(unknown)}")
        sender = self._sender
        if sender in self._sessions:
            self._sessions[sender] = filt
        elif filt:
            self._preset_filters[sender] = filt
        else:
            self._preset_filters.pop(sender, None)

    def _start_discovery(self) -> None:
        if not self._powered:
            raise _not_ready()
        sender = self._sender
        if sender in self._sessions:
            raise _error("InProgress", "Operation already in progress")
        first = not self._sessions
        self._sessions[sender] = self._preset_filters.pop(sender, {})
        if first:
            assert self._adapter is not None
            self._adapter.changed(Discovering=True)
            self._announcer = asyncio.get_running_loop().create_task(self._announce_loop())

    def _stop_discovery(self) -> None:
        if not self._powered:
            raise _not_ready()
        if self._sessions.pop(self._sender, None) is None:
            raise _error("Failed", "No discovery started")
        if not self._sessions:
            self._discovery_ended()

    def _discovery_ended(self) -> None:
        if self._announcer is not None:
            self._announcer.cancel()
            self._announcer = None
        if self._adapter is not None:
            self._adapter.changed(Discovering=False)

    async def _announce_loop(self) -> None:
        while True:
            self._announce()
            await asyncio.sleep(ANNOUNCE_INTERVAL_S)

    def _announce(self) -> None:
        """One advertising round: report every unconnected strap the filters let through."""
        if self._bus is None:
            return
        for device in self._devices.values():
            if device.connected or not any(
                _filter_allows(f, device) for f in self._sessions.values()
            ):
                continue
            if device.exported:
                device.changed(RSSI=device.strap.rssi)
            else:
                self._export_device(device)  # InterfacesAdded carries the advertisement

    def _remove_device(self, path: str) -> None:
        device = next((d for d in self._devices.values() if d.object_path == path), None)
        if device is None or not device.exported:
            raise _error("DoesNotExist", "Does Not Exist")
        self._drop(device)
        assert self._bus is not None
        self._unexport_device(device, self._bus)

    # connections

    def _connect(self, device: _Device) -> None:
        self.connect_calls[device.address] = self.connect_calls.get(device.address, 0) + 1
        if not self._powered:
            raise _not_ready()
        if device.connected:
            return
        if not device.strap.connectable:
            raise _error("Failed", CONNECT_FAILED_MESSAGE)
        device.connected = True
        device.changed(Connected=True)
        if device.strap.resolves_services:
            device.resolve_handle = asyncio.get_running_loop().call_later(
                SERVICES_RESOLVE_DELAY_S, self._resolve_services, device
            )

    def _resolve_services(self, device: _Device) -> None:
        device.resolve_handle = None
        if not device.connected:
            return
        before = device.uuids()
        device.resolved_once = True
        if device.uuids() != before:
            device.changed(UUIDs=device.uuids())
        device.services_resolved = True
        device.changed(ServicesResolved=True)

    def _drop(self, device: _Device) -> asyncio.Future[Any] | None:
        """End the link the way bluetoothd reports it; returns the last signal's send."""
        if device.resolve_handle is not None:
            device.resolve_handle.cancel()
            device.resolve_handle = None
        if not device.connected:
            return None
        last = None
        for char in device.chars:
            if char.sessions:
                char.sessions.clear()
                last = char.changed(Notifying=False) or last
        if device.services_resolved:
            device.services_resolved = False
            last = device.changed(ServicesResolved=False) or last
        device.connected = False
        return device.changed(Connected=False) or last

    # GATT traffic

    async def _notify(self, address: str, uuid: str, data: bytes) -> bool:
        device = self._device(address)
        char = device.char(uuid)
        if char is None or not device.connected or not char.sessions:
            return False
        char.value = data
        sent = char.changed(Value=data)
        if sent is None:
            return False
        await sent
        return True

    def _on_write(self, char: _GattCharacteristic, value: bytes) -> None:
        address = char.device.address
        self.writes.append((address, char.uuid, value))
        if char.uuid != PMD_CONTROL_POINT_UUID or self.pmd_handler is None:
            return
        answer = self.pmd_handler(address, value)
        if answer is not None:
            # after the write's reply, which dbus-fast sends when this handler returns
            asyncio.get_running_loop().call_soon(self._indicate, char, bytes(answer))

    def _indicate(self, char: _GattCharacteristic, value: bytes) -> None:
        if char.device.connected and char.sessions:
            char.value = value
            char.changed(Value=value)


def _filter_allows(filt: dict[str, Any], device: _Device) -> bool:
    """Whether one client's discovery filter lets this strap's advertisement through."""
    strap = device.strap
    uuids = filt.get("UUIDs")
    if uuids and not {_full_uuid(u) for u in uuids} & set(device.advertised_uuids()):
        return False
    rssi = filt.get("RSSI")
    if rssi is not None and strap.rssi < rssi:
        return False
    pattern = filt.get("Pattern")
    if pattern and not (
        device.address.startswith(pattern.upper()) or strap.name.startswith(pattern)
    ):
        return False
    return filt.get("Transport", "auto") != "bredr"


async def _close_bus(bus: MessageBus) -> None:
    bus.disconnect()
    try:
        await bus.wait_for_disconnect()
    except Exception:  # closing anyway
        pass


async def close_bleak_manager() -> None:
    """Close bleak's BlueZ manager of the running loop (its D-Bus connection).

    bleak keeps one ``BlueZManager`` per event loop, connected to the system bus, and
    never closes it: after ``asyncio.run`` ends, its socket would stay open until
    garbage collection (a ResourceWarning, an error under ``filterwarnings=error``).
    :meth:`FakeBluez.__aexit__` calls this. It uses bleak 3.1's private names
    (``_global_instances``, ``_bus``, ``_bus_watcher_task``) and does nothing when bleak's
    BlueZ backend was never imported. A later bleak call in the same loop makes a new
    manager.
    """
    module = sys.modules.get("bleak.backends.bluezdbus.manager")
    instances = getattr(module, "_global_instances", None)
    if not isinstance(instances, dict):
        return
    manager = instances.pop(asyncio.get_running_loop(), None)
    if manager is None:
        return
    bus = getattr(manager, "_bus", None)
    watcher = getattr(manager, "_bus_watcher_task", None)
    # The watcher task reacts to the bus closing (resets the manager, reports watched
    # devices disconnected) and logs a warning meant for a dying system bus: mute it.
    # Cancelling the task instead would cancel the bus's own disconnect future.
    log = logging.getLogger("bleak.backends.bluezdbus.manager")
    was_disabled, log.disabled = log.disabled, True
    try:
        if bus is not None:
            await _close_bus(bus)
        if watcher is not None:
            await asyncio.wait({watcher})
    finally:
        log.disabled = was_disabled
