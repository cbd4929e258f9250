"""Chest straps over Bluetooth LE with bleak: scan, connect, stream, reconnect.

Any strap with the standard Heart Rate Service is found by the service it advertises
(0x180D), never by a list of names. A :class:`BleStrap` is a source like the simulated
strap: its notifications go through the same :class:`BeatDecoder`, stamped with their
arrival on the session clock. A dropped link is re-established with backoff for as long
as the session runs; the break is a ``disconnected`` and a ``reconnected`` connection
event and a :class:`~resonant.model.beats.Gap`, so nothing is bridged and the strap's
buffered intervals after a reconnect start a new segment.

Errors people meet are turned into plain sentences by :func:`explain`.

References
----------
Bluetooth SIG, Heart Rate Service 1.0 (2011); Battery Service 1.0; Device Information
Service 1.1. hrv-spec §1 (every byte), testing-without-hardware §3 (how this is tested
with unmodified bleak against a fake BlueZ).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from resonant.errors import ResonantError
from resonant.model.beats import AccSamples, EcgSamples, Event, Gap
from resonant.model.clock import Clock
from resonant.devices.hrm import (
    BATTERY_LEVEL_UUID,
    BODY_SENSOR_LOCATION_UUID,
    HEART_RATE_MEASUREMENT_UUID,
    HEART_RATE_SERVICE_UUID,
    decode_battery_level,
    decode_body_sensor_location,
    uuid16,
)
from resonant.devices.notifications import BeatDecoder
from resonant.devices.pmd import (
    ACC,
    ECG,
    PMD_CONTROL_POINT_UUID,
    PMD_DATA_UUID,
    PMD_SERVICE_UUID,
    AccTimer,
    EcgFrame,
    PmdControlResponse,
    acc_start_command,
    decode_ecg_frame,
    ecg_sample_times_s,
    ecg_start_command,
    parse_control_response,
    parse_features,
)
from resonant.devices.profiles import Profile, match_profile
from resonant.model.source import SourceInfo, SourceItem

if TYPE_CHECKING:  # at run time bleak is imported only inside the functions that use it
    from bleak import BleakClient

__all__ = [
    "FoundStrap",
    "BleStrap",
    "BleError",
    "Backoff",
    "scan",
    "explain",
    "is_address",
    "MANUFACTURER_UUID",
    "MODEL_UUID",
    "FIRMWARE_UUID",
]

log = logging.getLogger(__name__)

#: Device Information Service characteristics (DIS 1.1).
MANUFACTURER_UUID = uuid16(0x2A29)
MODEL_UUID = uuid16(0x2A24)
FIRMWARE_UUID = uuid16(0x2A26)
#: Sample rate asked of a strap's accelerometer, Hz (the H10 offers 25-200; 50 is ample
#: for breathing and keeps the radio light).
ACC_RATE_HZ = 50
#: A strap that has not come back after this long is shown as lost (still tried), s.
LOST_AFTER_S = 60.0
#: Battery level is read again this often when the strap does not notify it, s (hrv-spec §1.7).
BATTERY_READ_S = 600.0

_ADDRESS = re.compile(r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f-]{36}$")

_NOT_FOUND_HINTS = (
    "Is it worn, with the electrodes moistened? Most straps only wake up on skin. "
    "Is it connected to a phone or another app? A strap talks to one device at a time: "
    "close that app or switch off the phone's Bluetooth. `resonant scan` lists the straps "
    "in range."
)


class BleError(ResonantError):
    """A Bluetooth problem, as a plain sentence a person can act on."""


def is_address(text: str) -> bool:
    """True for a Bluetooth address (``C0:FF:EE:00:00:02``) or a macOS device UUID."""
    return bool(_ADDRESS.match(text.strip()))


def explain(exc: BaseException) -> str:
    """Turn an exception from bleak or the system into one plain sentence.

    Covers: no adapter, Bluetooth switched off, permission denied, the Linux Bluetooth
    service not running, a strap connected elsewhere or out of range.
    """
    from bleak.exc import (
        BleakBluetoothNotAvailableError,
        BleakBluetoothNotAvailableReason,
        BleakDBusError,
        BleakDeviceNotFoundError,
    )

    if isinstance(exc, BleError):
        return str(exc)
    if isinstance(exc, BleakBluetoothNotAvailableError):
        r = exc.reason
        if r == BleakBluetoothNotAvailableReason.POWERED_OFF:
            return (
                "Bluetooth is switched off. Turn it on (Linux: `bluetoothctl power on`; "
                "macOS and Windows: the Bluetooth settings) and try again."
            )
        if r in (
            BleakBluetoothNotAvailableReason.DENIED_BY_USER,
            BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM,
            BleakBluetoothNotAvailableReason.DENIED_BY_UNKNOWN,
        ):
            return _permission()
        if r == BleakBluetoothNotAvailableReason.NO_BLE_CENTRAL_ROLE:
            return (
                "This Bluetooth adapter cannot connect to Bluetooth LE devices. "
                "A Bluetooth 4.0 (LE) adapter or newer is needed."
            )
        return (
            "No Bluetooth adapter was found. Plug one in or enable it "
            "(Linux: is the bluetooth service running? `systemctl status bluetooth`)."
        )
    if isinstance(exc, BleakDeviceNotFoundError):
        return f"The strap {exc.identifier} is no longer in range. {_NOT_FOUND_HINTS}"
    if isinstance(exc, BleakDBusError):
        name = exc.dbus_error
        if name in ("org.freedesktop.DBus.Error.AccessDenied", "org.bluez.Error.NotPermitted"):
            return _permission()
        if name in (
            "org.freedesktop.DBus.Error.ServiceUnknown",
            "org.freedesktop.DBus.Error.NameHasNoOwner",
        ):
            return _no_bluez()
        if name == "org.bluez.Error.NotReady":
            return "Bluetooth is not ready (is it switched on? `bluetoothctl power on`)."
        if name in (
            "org.bluez.Error.Failed",
            "org.bluez.Error.InProgress",
            "org.bluez.Error.AlreadyConnected",
        ):
            return (
                "The strap was found but would not connect "
                f"({exc.dbus_error_details or name}). It may be connected to another phone "
                "or app: close that app or switch off the phone's Bluetooth, then try again."
            )
        return f"Bluetooth reported an error: {exc.dbus_error_details or name}."
    if isinstance(exc, (FileNotFoundError, ConnectionRefusedError)):
        return _no_bluez()
    if isinstance(exc, PermissionError):
        return _permission()
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return f"The strap did not answer in time. {_NOT_FOUND_HINTS}"
    return f"Bluetooth problem: {exc}"


def _permission() -> str:
    return (
        "resonant is not allowed to use Bluetooth. Linux: add your user to the `bluetooth` "
        "group (`sudo usermod -aG bluetooth $USER`, then log in again); macOS: allow "
        "Bluetooth for your terminal or resonant in System Settings > Privacy & Security > "
        "Bluetooth; Windows: Settings > Privacy > Bluetooth."
    )


def _no_bluez() -> str:
    return (
        "The Linux Bluetooth service (BlueZ) is not running. Start it with "
        "`sudo systemctl start bluetooth` and try again."
    )


@dataclass(frozen=True, slots=True)
class FoundStrap:
    """A strap seen while scanning.

    Attributes
    ----------
    address : str
        Bluetooth address (a UUID on macOS).
    name : str
        Advertised name (empty when none).
    rssi_dbm : int or None
        Signal strength, dBm.
    model : str or None
        The matching profile's model name, if any.
    refused : str or None
        Why this sensor cannot be used for HRV (optical sensors), or None.
    """

    address: str
    name: str
    rssi_dbm: int | None
    model: str | None = None
    refused: str | None = None


async def scan(timeout_s: float = 5.0) -> list[FoundStrap]:
    """Straps advertising the Heart Rate Service, strongest signal first.

    Raises
    ------
    BleError
        With a plain sentence when Bluetooth is unavailable.
    """
    from bleak import BleakScanner

    try:
        found = await BleakScanner.discover(
            timeout=timeout_s, return_adv=True, service_uuids=[HEART_RATE_SERVICE_UUID]
        )
    except Exception as exc:  # bleak and the OS raise many kinds; all become one sentence
        raise BleError(explain(exc)) from exc
    out = []
    for device, adv in found.values():
        if HEART_RATE_SERVICE_UUID not in {u.lower() for u in adv.service_uuids}:
            continue  # some platforms ignore the scan filter
        name = adv.local_name or device.name or ""
        profile = match_profile(name)
        out.append(
            FoundStrap(
                device.address, name, adv.rssi,
                profile.model if profile else None,
                profile.refusal if profile and profile.kind == "optical" else None,
            )
        )  # fmt: skip
    out.sort(key=lambda s: -(s.rssi_dbm if s.rssi_dbm is not None else -999))
    return out


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits between reconnection attempts: ``first_s`` doubling up to ``max_s``, s."""

    first_s: float = 1.0
    max_s: float = 30.0

    def delay_s(self, attempt: int) -> float:
        """Wait before attempt ``attempt`` (0-based) of one reconnection."""
        return min(self.max_s, self.first_s * 2.0 ** max(0, attempt))


_RADIO_LOCKS: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}


def _setter(event: asyncio.Event) -> Callable[[BleakClient], None]:
    """A disconnected-callback that sets ``event`` (bound now, not late in the loop)."""
    return lambda _client: event.set()


def _radio_lock() -> asyncio.Lock:
    """One lock per event loop around scanning and connecting.

    BlueZ runs one discovery per client at a time (a second one fails with
    ``org.bluez.Error.InProgress``), so the straps of one session take turns to find
    and connect; streaming is not serialised.
    """
    loop = asyncio.get_running_loop()
    for old in [k for k in _RADIO_LOCKS if k.is_closed()]:
        del _RADIO_LOCKS[old]
    return _RADIO_LOCKS.setdefault(loop, asyncio.Lock())


class BleStrap:
    """A Heart Rate Service strap as a source of beats.

    Parameters
    ----------
    target : str
        The strap's address, or (part of) its advertised name, case-insensitive.
    label : str or None
        Source label; default ``target``.
    find_timeout_s : float
        How long to look for the strap at the start before giving up, s.
    backoff : Backoff
        Waits between reconnection attempts after a dropped link (session time).
    claimed : set of str or None
        Addresses taken by other straps of the same session; a name match skips them, so
        two straps of the same model can be told apart.
    ecg : bool
        Also stream raw ECG where the strap offers it (Polar H10, through Polar
        Measurement Data, 130 Hz), as :class:`~resonant.model.beats.EcgSamples`.
    acc : bool
        Also stream the chest accelerometer where the strap offers it (Polar H10, through
        Polar Measurement Data, :data:`ACC_RATE_HZ`), as
        :class:`~resonant.model.beats.AccSamples`. A strap without it records RR (and
        ECG) without a word: the accelerometer is asked for by default.
    """

    def __init__(
        self,
        target: str,
        label: str | None = None,
        find_timeout_s: float = 15.0,
        backoff: Backoff | None = None,
        claimed: set[str] | None = None,
        ecg: bool = False,
        acc: bool = False,
    ) -> None:
        self.target = target.strip()
        self.want_ecg = ecg
        self.ecg_state: str | None = None  # None (not asked), "streaming", or why not
        self.want_acc = acc
        self.acc_state: str | None = None  # None (not asked), "streaming", or why not
        self.label = label or self.target
        self.find_timeout_s = find_timeout_s
        self.backoff = backoff or Backoff()
        self.claimed = claimed if claimed is not None else set()
        self.decoder = BeatDecoder(self.label)
        self._state = "scanning"
        self.address = self.target.upper() if is_address(self.target) else ""
        self.name = ""
        self.profile: Profile | None = None
        self.device_info: dict[str, str] = {}
        self.body_location: str | None = None
        self.battery_pct: int | None = None
        self.connections = 0
        self.warnings: list[str] = []

    # -- Source protocol ----------------------------------------------------------------

    @property
    def info(self) -> SourceInfo:
        """Who the strap is (filled in as it connects)."""
        return SourceInfo(
            label=self.label,
            kind="ble",
            name=self.name,
            address=self.address,
            model=self.device_info.get("model") or (self.profile.model if self.profile else ""),
            firmware=self.device_info.get("firmware", ""),
            body_location=self.body_location,
            settings={
                "target": self.target,
                "manufacturer": self.device_info.get("manufacturer", ""),
                "profile": self.profile.key if self.profile else None,
                "battery_pct": self.battery_pct,
                "malformed_notifications": self.decoder.malformed,
                "ecg": self.ecg_state,
                "acc": self.acc_state,
                "acc_hz": ACC_RATE_HZ if self.acc_state == "streaming" else None,
            },
        )

    @property
    def state(self) -> str:
        """``scanning``, ``connecting``, ``streaming``, ``reconnecting`` or ``lost``.

        ``lost``: the link has been down for more than a minute (it is still being
        tried), or the strap failed in a way that cannot be retried.
        """
        return self._state

    async def items(self, clock: Clock) -> AsyncIterator[SourceItem]:
        """Beats, gaps and connection events, as the strap sends them, until cancelled."""
        queue: asyncio.Queue[SourceItem | BaseException] = asyncio.Queue()
        task = asyncio.create_task(self._run(clock, queue.put_nowait))
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- the connection state machine -------------------------------------------------------

    async def _run(self, clock: Clock, put: Callable[[SourceItem | BaseException], None]) -> None:
        from bleak import BleakClient

        attempt = 0
        first = True
        try:
            down_since: float | None = None
            while True:
                if first:
                    self._state = "scanning"
                elif down_since is not None and clock.now() - down_since > LOST_AFTER_S:
                    self._state = "lost"  # still trying, for as long as the session runs
                else:
                    self._state = "reconnecting"
                lost = asyncio.Event()
                async with _radio_lock():
                    device = await self._find(first)
                    client = None
                    if device is not None:
                        self._state = "connecting" if first else "reconnecting"
                        client = BleakClient(device, disconnected_callback=_setter(lost))
                        try:
                            await client.connect()
                        except Exception as exc:
                            with contextlib.suppress(Exception):
                                await client.disconnect()  # frees bleak's D-Bus connection
                            if first:
                                raise BleError(explain(exc)) from exc
                            log.info("%s: reconnection failed: %s", self.label, explain(exc))
                            client = None
                if client is None:
                    if first and device is None:
                        raise BleError(self._not_found())
                    await self._wait(clock, attempt)
                    attempt += 1
                    continue
                try:
                    if first:
                        await self._read_details(client)
                        self._check_usable()
                        put(Event(clock.now(), "connection", "connected", source=self.label))
                        for warning in self.warnings:
                            put(Event(clock.now(), "note", warning, source=self.label))
                    else:
                        put(Event(clock.now(), "connection", "reconnected", source=self.label))
                    self.decoder.reset()

                    def on_hrm(_char: Any, data: bytearray) -> None:
                        decoded = self.decoder.decode(bytes(data), clock.now())
                        if decoded.problem is not None:
                            log.info("%s: malformed notification %s: %s", self.label,
                                     bytes(data).hex(" "), decoded.problem)  # fmt: skip
                        for item in decoded.items:
                            put(item)

                    await client.start_notify(HEART_RATE_MEASUREMENT_UUID, on_hrm)
                    if self.want_ecg or self.want_acc:
                        for note in await self._start_pmd(client, clock, put):
                            put(Event(clock.now(), "note", note, source=self.label))
                    self.connections += 1
                    first = False
                    down_since = None
                    attempt = 0
                    self._state = "streaming"
                    await self._stream(client, clock, lost)
                except BleError:
                    raise
                except Exception as exc:
                    if first:
                        raise BleError(explain(exc)) from exc
                    log.info("%s: %s", self.label, explain(exc))
                finally:
                    with contextlib.suppress(Exception):
                        await client.disconnect()
                # The link is gone: record it, start a new segment, and try again.
                now = clock.now()
                down_since = now
                self._state = "reconnecting"
                put(Event(now, "connection", "disconnected", source=self.label))
                put(Gap(now, self.label, "disconnected"))
                self.decoder.reset()
                await self._wait(clock, attempt)
                attempt += 1
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self._state = "lost"
            put(exc if isinstance(exc, BleError) else BleError(explain(exc)))

    async def _stream(self, client: Any, clock: Clock, lost: asyncio.Event) -> None:
        """Wait while the link holds; read the battery now and then when it is not notified."""
        next_battery = clock.now() + BATTERY_READ_S
        while not lost.is_set():
            wait = asyncio.create_task(lost.wait())
            tick = asyncio.create_task(clock.sleep_until(next_battery))
            done, pending = await asyncio.wait({wait, tick}, return_when=asyncio.FIRST_COMPLETED)
            for t in pending:
                t.cancel()
            if tick in done and not lost.is_set():
                next_battery = clock.now() + BATTERY_READ_S
                with contextlib.suppress(Exception):
                    self.battery_pct = decode_battery_level(
                        await client.read_gatt_char(BATTERY_LEVEL_UUID)
                    )

    async def _start_pmd(
        self, client: Any, clock: Clock, put: Callable[[SourceItem | BaseException], None]
    ) -> list[str]:
        """Start the Polar Measurement Data streams asked for; sentences for what failed.

        One PMD Data characteristic carries both streams; each frame is routed by its
        measurement type (hrv-spec §2.6). Called on every connection, so a reconnected
        strap streams again, each stream timed anew.
        """
        notes: list[str] = []
        if client.services.get_service(PMD_SERVICE_UUID) is None:
            if self.want_ecg:
                self.ecg_state = "not offered by this strap"
                notes.append(
                    f"{self.label} does not offer raw ECG (only a Polar H10 does); "
                    "recording RR only."
                )
            if self.want_acc:
                self.acc_state = "not offered by this strap"
            return notes
        ecg = _EcgStream(self.label, clock)
        acc = _AccStream(self.label, clock, ACC_RATE_HZ)

        def on_data(_c: Any, data: bytearray) -> None:
            kind = data[0] & 0x3F if data else None
            if kind == ECG:
                ecg.take(bytes(data), put)
            elif kind == ACC:
                acc.take(bytes(data), put)

        answers: asyncio.Queue[bytes] = asyncio.Queue()
        await client.start_notify(
            PMD_CONTROL_POINT_UUID, lambda _c, d: answers.put_nowait(bytes(d))
        )
        await client.start_notify(PMD_DATA_UUID, on_data)
        if self.want_ecg:
            answer = await _pmd_command(client, answers, ecg_start_command())
            if answer is None:
                self.ecg_state = "no answer to the start command"
                notes.append(
                    f"{self.label} did not answer the request to start ECG; recording RR only."
                )
            elif not answer.success:
                self.ecg_state = answer.problem or answer.status_text
                notes.append(
                    f"{self.label} refused to start ECG ({self.ecg_state}); recording RR only."
                )
            else:
                self.ecg_state = "streaming"
        if self.want_acc:
            self.acc_state = await self._start_acc(client, answers)
            if self.acc_state not in ("streaming", "not offered by this strap"):
                notes.append(
                    f"{self.label} could not start its accelerometer ({self.acc_state}); "
                    "breathing is read from the heart rhythm only."
                )
        return notes

    async def _start_acc(self, client: Any, answers: asyncio.Queue[bytes]) -> str:
        """Start the accelerometer where the strap offers it; its state in a few words."""
        offered = self.profile is not None and self.profile.acc == "pmd"
        with contextlib.suppress(Exception):
            features = parse_features(await client.read_gatt_char(PMD_CONTROL_POINT_UUID))
            if features.problem is None:
                offered = ACC in features.types
        if not offered:
            return "not offered by this strap"
        answer = await _pmd_command(client, answers, acc_start_command(ACC_RATE_HZ))
        if answer is None:
            return "no answer to the start command"
        if not answer.success:
            return answer.problem or answer.status_text
        return "streaming"

    async def _wait(self, clock: Clock, attempt: int) -> None:
        await clock.sleep_until(clock.now() + self.backoff.delay_s(attempt))

    async def _find(self, first: bool) -> Any:
        from bleak import BleakScanner

        timeout = self.find_timeout_s if first else 10.0
        try:
            if self.address:
                return await BleakScanner.find_device_by_address(self.address, timeout=timeout)
            want = self.target.lower()

            def match(device: Any, adv: Any) -> bool:
                name = (adv.local_name or device.name or "").lower()
                hrs = HEART_RATE_SERVICE_UUID in {u.lower() for u in adv.service_uuids}
                return hrs and want in name and device.address.upper() not in self.claimed

            device = await BleakScanner.find_device_by_filter(match, timeout=timeout)
        except Exception as exc:
            raise BleError(explain(exc)) from exc
        if device is not None:
            self.address = device.address.upper()
            self.claimed.add(self.address)
            self.name = device.name or self.name
        return device

    def _not_found(self) -> str:
        what = "with the address" if self.address else "whose name contains"
        return (
            f"No strap {what} {self.target!r} was found within {self.find_timeout_s:g} s. "
            + _NOT_FOUND_HINTS
        )

    async def _read_details(self, client: Any) -> None:
        """Device Information, Body Sensor Location and Battery Level, where offered."""
        self.name = self.name or getattr(client, "name", "") or ""
        for key, uuid in (
            ("manufacturer", MANUFACTURER_UUID),
            ("model", MODEL_UUID),
            ("firmware", FIRMWARE_UUID),
        ):
            with contextlib.suppress(Exception):
                raw = await client.read_gatt_char(uuid)
                self.device_info[key] = bytes(raw).decode("utf-8", "replace").strip("\x00 ")
        with contextlib.suppress(Exception):
            self.body_location = decode_body_sensor_location(
                await client.read_gatt_char(BODY_SENSOR_LOCATION_UUID)
            )
        with contextlib.suppress(Exception):
            self.battery_pct = decode_battery_level(await client.read_gatt_char(BATTERY_LEVEL_UUID))
        with contextlib.suppress(Exception):
            char = client.services.get_characteristic(BATTERY_LEVEL_UUID)
            if char is not None and "notify" in char.properties:

                def on_battery(_c: Any, data: bytearray) -> None:
                    self.battery_pct = decode_battery_level(bytes(data))

                await client.start_notify(BATTERY_LEVEL_UUID, on_battery)
        self.profile = match_profile(self.name) or match_profile(self.device_info.get("model"))

    def _check_usable(self) -> None:
        """Refuse optical sensors; note a strap worn somewhere other than the chest."""
        if self.profile is not None and self.profile.kind == "optical":
            raise BleError(self.profile.refusal or f"{self.profile.model} is an optical sensor.")
        if self.body_location not in (None, "chest", "other"):
            self.warnings.append(
                f"{self.label} reports being worn on the {self.body_location}: beat-to-beat "
                "intervals from optical or wrist sensors are too smoothed for HRV; a chest "
                "strap is recommended."
            )


async def _pmd_command(
    client: Any, answers: asyncio.Queue[bytes], command: bytes, timeout_s: float = 5.0
) -> PmdControlResponse | None:
    """Write a PMD control-point command; its response (None when none came in time).

    Responses to other commands (a late one) are skipped: the answer is the first whose
    op-code and measurement type are this command's.
    """
    await client.write_gatt_char(PMD_CONTROL_POINT_UUID, command, response=True)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        try:
            raw = await asyncio.wait_for(answers.get(), max(0.0, deadline - loop.time()))
        except TimeoutError:
            return None
        answer = parse_control_response(raw)
        if answer.opcode == command[0] and answer.measurement_type == command[1]:
            return answer


class _AccStream:
    """Time Polar ACC frames on the session clock as they arrive (:class:`AccTimer`)."""

    def __init__(self, label: str, clock: Clock, fs_hz: float) -> None:
        self.label = label
        self.clock = clock
        self.timer = AccTimer(fs_hz)

    def take(self, data: bytes, put: Callable[[SourceItem | BaseException], None]) -> None:
        got = self.timer.take(data, self.clock.now())
        if got is None:
            return
        times, xyz = got
        put(AccSamples(tuple(times.tolist()), tuple(map(tuple, xyz.tolist())), self.label))


class _EcgStream:
    """Time Polar ECG frames on the session clock as they arrive.

    Sample times within and between frames follow the sensor's own clock
    (:func:`~resonant.devices.pmd.ecg_sample_times_s`, hrv-spec §2.5). The sensor clock
    is placed on the session clock once per connection: the last sample of the first
    frame at that frame's arrival. Later arrival jitter therefore never moves samples.
    """

    def __init__(self, label: str, clock: Clock) -> None:
        self.label = label
        self.clock = clock
        self._prev: EcgFrame | None = None
        self._origin_ns: int | None = None
        self._anchor_s = 0.0
        self.frames = 0
        self.bad_frames = 0

    def take(self, data: bytes, put: Callable[[SourceItem | BaseException], None]) -> None:
        frame = decode_ecg_frame(data)
        if not frame.ok or not frame.samples_uv or frame.timestamp_ns is None:
            self.bad_frames += 1
            self._prev = None
            return
        self.frames += 1
        origin_ns = self._origin_ns
        if origin_ns is None:
            origin_ns = self._origin_ns = frame.timestamp_ns
            self._anchor_s = self.clock.now()
        window = [self._prev, frame] if self._prev is not None else [frame]
        times = ecg_sample_times_s(window, origin_ns=origin_ns)[-len(frame.samples_uv) :]
        self._prev = frame
        put(EcgSamples(tuple((times + self._anchor_s).tolist()), frame.samples_uv, self.label))
