"""Codec for the Bluetooth Heart Rate Service: bytes in, fields out, and back.

A pure codec (no Bluetooth stack, no asyncio, no I/O) for the Heart Rate Measurement
notification (0x2A37), Body Sensor Location (0x2A38) and Battery Level (0x2A19). The
live strap reader decodes with it; the simulated strap encodes with it, so both go
through the same byte layout (hrv-spec §1.1-1.7).

:func:`decode_hrm` never raises for any bytes: a malformed packet comes back with
:attr:`HeartRateMeasurement.problem` set and never yields a wrong beat.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass

from resonant.model.beats import RR_UNITS_PER_S, rr_ms_from_raw

__all__ = [
    "uuid16",
    "HEART_RATE_SERVICE_UUID",
    "HEART_RATE_MEASUREMENT_UUID",
    "BODY_SENSOR_LOCATION_UUID",
    "BATTERY_SERVICE_UUID",
    "BATTERY_LEVEL_UUID",
    "HeartRateMeasurement",
    "decode_hrm",
    "encode_hrm",
    "rr_raw_from_ms",
    "ATT_PAYLOAD_BYTES",
    "MAX_RR_PER_PACKET",
    "split_rr",
    "BODY_LOCATIONS",
    "decode_body_sensor_location",
    "decode_battery_level",
]


def uuid16(short: int) -> str:
    """Expand a 16-bit Bluetooth SIG UUID to its 128-bit string form.

    Parameters
    ----------
    short : int
        The 16-bit UUID, 0x0000-0xFFFF (e.g. ``0x2A37``).

    Returns
    -------
    str
        ``"0000xxxx-0000-1000-8000-00805f9b34fb"`` with ``xxxx`` in lower-case hex.

    Raises
    ------
    ValueError
        If ``short`` does not fit in 16 bits.

    References
    ----------
    Bluetooth Core Specification, Vol 3 Part B §2.5.1 (Bluetooth Base UUID); hrv-spec §1.1.
    """
    value = operator.index(short)
    if not 0 <= value <= 0xFFFF:
        raise ValueError(f"A 16-bit UUID must be between 0x0000 and 0xFFFF, not {short!r}.")
    return f"0000{value:04x}-0000-1000-8000-00805f9b34fb"


#: Heart Rate Service (primary service; discovery filters on it, hrv-spec §1.1).
HEART_RATE_SERVICE_UUID = uuid16(0x180D)
#: Heart Rate Measurement characteristic (notify).
HEART_RATE_MEASUREMENT_UUID = uuid16(0x2A37)
#: Body Sensor Location characteristic (read, optional).
BODY_SENSOR_LOCATION_UUID = uuid16(0x2A38)
#: Battery Service.
BATTERY_SERVICE_UUID = uuid16(0x180F)
#: Battery Level characteristic (read; notify optional).
BATTERY_LEVEL_UUID = uuid16(0x2A19)

# Flags of the Heart Rate Measurement (hrv-spec §1.2).
_HR_UINT16 = 0x01
_CONTACT_SHIFT = 1  # bits 1-2, one 2-bit field
_ENERGY = 0x08
_RR = 0x10
# Bits 5-7 are reserved: the server sends 0, the client ignores them.

_UINT16_MAX = 0xFFFF

#: Bytes of one notification at the default ATT_MTU of 23 (23 minus the 3-byte ATT header).
ATT_PAYLOAD_BYTES = 20


def _max_rr(hr_uint16: bool, energy: bool) -> int:
    fixed = 1 + (2 if hr_uint16 else 1) + (2 if energy else 0)
    return (ATT_PAYLOAD_BYTES - fixed) // 2


#: Most RR values one notification holds at ATT_MTU 23, keyed ``(hr_uint16, energy)``
#: (hrv-spec §1.3 rule 4): 9, 8 with Energy Expended, 8 with a uint16 HR, 7 with both.
MAX_RR_PER_PACKET: dict[tuple[bool, bool], int] = {
    (u16, ee): _max_rr(u16, ee) for u16 in (False, True) for ee in (False, True)
}


@dataclass(frozen=True, slots=True)
class HeartRateMeasurement:
    """One decoded Heart Rate Measurement notification.

    Attributes
    ----------
    hr_bpm : int or None
        Heart rate in beats per minute; None when the packet is too short to hold one.
    contact : bool or None
        Skin contact: True (detected), False (not detected), or None when the strap does
        not support contact detection in this connection (flags bit 2 clear). None never
        means "no contact".
    energy_kj : int or None
        Energy Expended since the last reset, kJ (saturates at 65535); None when absent.
    rr_raw : tuple of int
        RR intervals in units of 1/1024 s, oldest first. Only complete, non-zero values.
    problem : str or None
        None for a well-formed packet; otherwise what was wrong with it, as one plain
        sentence. The other fields then hold only what could be read safely.
    """

    hr_bpm: int | None
    contact: bool | None
    energy_kj: int | None
    rr_raw: tuple[int, ...]
    problem: str | None = None

    @property
    def rr_ms(self) -> tuple[float, ...]:
        """RR intervals in ms (``raw * 1000 / 1024``, not rounded), oldest first."""
        return tuple(rr_ms_from_raw(r) for r in self.rr_raw)

    @property
    def ok(self) -> bool:
        """True when the packet was well formed."""
        return self.problem is None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def decode_hrm(data: bytes | bytearray | memoryview) -> HeartRateMeasurement:
    """Decode a Heart Rate Measurement (0x2A37) notification.

    The flags are read on every packet, so the HR format may change from one packet to
    the next. Reserved flag bits 5-7 are ignored. The number of RR values is taken from
    the length (hrv-spec §1.3 rule 2), never assumed.

    Malformed packets never raise and never yield a wrong beat; ``problem`` says what
    was wrong and the fields keep only what could be read safely:

    - empty, or too short for the HR value: ``hr_bpm`` None, no RR (``contact`` is still
      read from a complete flags byte);
    - Energy Expended flagged but its two bytes missing: ``energy_kj`` None, no RR (the
      RR values cannot be located);
    - an odd trailing byte in the RR region: the complete RR values are kept (rule 9);
    - an RR value of 0 is not a beat: dropped;
    - bytes after the HR (and Energy Expended) field while the RR flag is clear: ignored;
    - HR 0 with no RR values: ``hr_bpm`` kept as 0 (a strap without a reading);
    - RR flag set but no RR bytes: no RR, flagged as a problem. The GATT definition of
      the flag is "One or more RR-Interval values are present", so a set flag with no
      value contradicts the flags; hrv-spec §1.3 does not cover the case (decision).
      Nothing wrong is produced either way: the caller may still use ``hr_bpm``.

    Several problems in one packet are joined with "; " into one sentence.

    Parameters
    ----------
    data : bytes, bytearray or memoryview
        The characteristic value as notified.

    Returns
    -------
    HeartRateMeasurement
        The decoded fields, with ``problem`` None for a well-formed packet.

    References
    ----------
    Bluetooth SIG, Heart Rate Service 1.0 (2011), §3.1; GATT XML
    ``org.bluetooth.characteristic.heart_rate_measurement.xml``; hrv-spec §1.2-1.5.
    """
    buf = bytes(data)
    if not buf:
        return HeartRateMeasurement(None, None, None, (), "empty packet")

    flags = buf[0]
    contact_field = (flags >> _CONTACT_SHIFT) & 0b11
    contact = None if contact_field < 2 else contact_field == 3

    hr_bytes = 2 if flags & _HR_UINT16 else 1
    pos = 1 + hr_bytes
    if len(buf) < pos:
        form = "uint16" if hr_bytes == 2 else "uint8"
        return HeartRateMeasurement(
            None, contact, None, (), f"packet too short for its {form} heart-rate value"
        )
    hr = int.from_bytes(buf[1:pos], "little")

    problems: list[str] = []
    energy: int | None = None
    if flags & _ENERGY:
        if len(buf) < pos + 2:
            problems.append("Energy Expended flagged but its 2 bytes are missing")
            if hr == 0:
                problems.append("heart rate 0 with no RR values")
            return HeartRateMeasurement(hr, contact, None, (), "; ".join(problems))
        energy = int.from_bytes(buf[pos : pos + 2], "little")
        pos += 2

    rest = buf[pos:]
    rr: tuple[int, ...] = ()
    if flags & _RR:
        n = len(rest) // 2
        values = [int.from_bytes(rest[2 * k : 2 * k + 2], "little") for k in range(n)]
        rr = tuple(v for v in values if v != 0)
        if not rest:
            problems.append("RR flag set but no RR values")
        elif n == 0:
            problems.append("RR flag set but only 1 byte of RR data")
        elif len(rest) % 2:
            problems.append("1 trailing byte after the RR values")
        zeros = n - len(rr)
        if zeros:
            problems.append(f"{_plural(zeros, 'RR value')} of 0 dropped (not a beat)")
    elif rest:
        field = "Energy Expended" if flags & _ENERGY else "heart-rate value"
        problems.append(f"{_plural(len(rest), 'unexpected byte')} after the {field}")

    if hr == 0 and not rr:
        problems.append("heart rate 0 with no RR values")
    return HeartRateMeasurement(hr, contact, energy, rr, "; ".join(problems) or None)


def _check_uint16(value: int, name: str, low: int = 0) -> int:
    v = operator.index(value)
    if not low <= v <= _UINT16_MAX:
        raise ValueError(f"{name} must be between {low} and {_UINT16_MAX}, not {value!r}.")
    return v


def encode_hrm(
    hr_bpm: int,
    rr_raw: Sequence[int] = (),
    contact: bool | None = None,
    energy_kj: int | None = None,
    hr_uint16: bool | None = None,
) -> bytes:
    """Build a well-formed Heart Rate Measurement (0x2A37) notification.

    Reserved flag bits are 0. The RR flag is set only when ``rr_raw`` is not empty. The
    packet is not limited to one 20-byte payload: use :func:`split_rr` to stay within
    ATT_MTU 23.

    Parameters
    ----------
    hr_bpm : int
        Heart rate, 0-65535 bpm.
    rr_raw : sequence of int
        RR intervals, oldest first, in 1/1024 s units, each 1-65535.
    contact : bool or None
        True = contact detected, False = not detected, None = contact not supported.
    energy_kj : int or None
        Energy Expended, 0-65535 kJ, or None to leave the field out.
    hr_uint16 : bool or None
        Force the HR format; None picks uint8 when ``hr_bpm`` <= 255, else uint16.

    Returns
    -------
    bytes
        The characteristic value.

    Raises
    ------
    ValueError
        If a value is out of range, or ``hr_uint16`` is False with ``hr_bpm`` > 255.

    References
    ----------
    Bluetooth SIG, Heart Rate Service 1.0 (2011), §3.1; hrv-spec §1.2.
    """
    hr = _check_uint16(hr_bpm, "The heart rate (bpm)")
    if hr_uint16 is None:
        hr_uint16 = hr > 0xFF
    elif not hr_uint16 and hr > 0xFF:
        raise ValueError(f"A heart rate of {hr} bpm does not fit the uint8 format.")
    rrs = [_check_uint16(r, "An RR value (1/1024 s units)", low=1) for r in rr_raw]

    flags = 0
    body = bytearray(hr.to_bytes(2 if hr_uint16 else 1, "little"))
    if hr_uint16:
        flags |= _HR_UINT16
    if contact is not None:
        flags |= (3 if contact else 2) << _CONTACT_SHIFT
    if energy_kj is not None:
        flags |= _ENERGY
        body += _check_uint16(energy_kj, "Energy Expended (kJ)").to_bytes(2, "little")
    if rrs:
        flags |= _RR
        for r in rrs:
            body += r.to_bytes(2, "little")
    return bytes([flags]) + bytes(body)


def rr_raw_from_ms(rr_ms: float) -> int:
    """Convert an RR interval in ms to the nearest 1/1024 s unit.

    Ties round half to even. ``rr_raw_from_ms(rr_ms_from_raw(r)) == r`` for every valid
    raw value ``r``.

    Parameters
    ----------
    rr_ms : float
        RR interval in milliseconds.

    Returns
    -------
    int
        The raw value, 1-65535.

    Raises
    ------
    ValueError
        If the value is not finite or rounds outside 1-65535 units (0.49-63999.5 ms).

    References
    ----------
    Bluetooth SIG, Heart Rate Service 1.0 (2011), RR-Interval resolution 1/1024 s;
    hrv-spec §1.4.
    """
    units = float(rr_ms) * RR_UNITS_PER_S / 1000.0
    if not math.isfinite(units):
        raise ValueError(f"An RR interval must be a finite number of ms, not {rr_ms!r}.")
    raw = round(units)
    if not 1 <= raw <= _UINT16_MAX:
        raise ValueError(
            f"An RR interval of {rr_ms!r} ms is outside 1-{_UINT16_MAX} units of 1/1024 s."
        )
    return raw


def split_rr(
    rr_raw: Sequence[int], hr_uint16: bool = False, energy: bool = False
) -> list[tuple[int, ...]]:
    """Split pending RR values into chunks that each fit one 20-byte notification.

    Used by the simulated strap when several beats are pending (hrv-spec §1.3 rules 4-5:
    values that do not fit go in the next notification). Every chunk is sized for a
    packet with the given HR format and, when ``energy`` is True, an Energy Expended
    field.

    Parameters
    ----------
    rr_raw : sequence of int
        RR values, oldest first.
    hr_uint16 : bool
        The packets carry a uint16 HR value.
    energy : bool
        The packets carry Energy Expended.

    Returns
    -------
    list of tuple of int
        Consecutive chunks, oldest first, each at most
        ``MAX_RR_PER_PACKET[(hr_uint16, energy)]`` long; empty for no values.

    References
    ----------
    Bluetooth SIG, Heart Rate Service 1.0 (2011), §3.1.1.5; hrv-spec §1.3.
    """
    size = MAX_RR_PER_PACKET[(bool(hr_uint16), bool(energy))]
    values = tuple(rr_raw)
    return [values[i : i + size] for i in range(0, len(values), size)]


#: Body Sensor Location values (0x2A38); 7-255 are reserved (hrv-spec §1.6).
BODY_LOCATIONS: dict[int, str] = {
    0: "other",
    1: "chest",
    2: "wrist",
    3: "finger",
    4: "hand",
    5: "ear lobe",
    6: "foot",
}


def decode_body_sensor_location(data: bytes | bytearray | memoryview) -> str | None:
    """Decode the Body Sensor Location characteristic (0x2A38, one uint8).

    Bytes after the first are ignored.

    Parameters
    ----------
    data : bytes, bytearray or memoryview
        The characteristic value as read.

    Returns
    -------
    str or None
        One of the :data:`BODY_LOCATIONS` names, or None for an empty value or a
        reserved code (7-255).

    References
    ----------
    GATT XML ``org.bluetooth.characteristic.body_sensor_location.xml``; hrv-spec §1.6.
    """
    buf = bytes(data)
    return BODY_LOCATIONS.get(buf[0]) if buf else None


def decode_battery_level(data: bytes | bytearray | memoryview) -> int | None:
    """Decode the Battery Level characteristic (0x2A19, one uint8 percent).

    Bytes after the first are ignored.

    Parameters
    ----------
    data : bytes, bytearray or memoryview
        The characteristic value as read or notified.

    Returns
    -------
    int or None
        Charge in percent, 0-100; None for an empty value or a reserved one (101-255),
        which is treated as unknown (decision).

    References
    ----------
    GATT XML ``org.bluetooth.characteristic.battery_level.xml``; hrv-spec §1.7.
    """
    buf = bytes(data)
    if not buf or buf[0] > 100:
        return None
    return buf[0]
