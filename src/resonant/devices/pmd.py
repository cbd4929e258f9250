"""Codec for Polar Measurement Data (PMD): the raw ECG and accelerometer streams of a Polar H10.

A pure codec (no Bluetooth stack, no asyncio, no I/O), written from hrv-spec §2:
the UUIDs, the control-point commands that start and stop the ECG stream, the
control-point responses, the ECG and accelerometer (ACC) data frames and the time of
every sample. A live
strap reader decodes with it; tests and simulators encode with it.

Nothing here raises on bytes received from a sensor: :func:`parse_control_response`,
:func:`parse_settings`, :func:`parse_features`, :func:`decode_ecg_frame` and
:func:`decode_acc_frame` return
a result whose ``problem`` is None for well-formed input and one plain sentence
otherwise (the convention of :func:`resonant.devices.hrm.decode_hrm`).

References
----------
hrv-spec §2 (after the Polar BLE SDK ``PmdDataFrame.kt``, ``model/EcgData.kt``,
``model/AccData.kt``, ``PmdSetting.kt``, ``PmdControlPointResponse.kt``,
``PmdMeasurementType.kt``,
``model/PmdTimeStampUtils.kt``; the normative document is Polar's
``Polar_Measurement_Data_Specification.pdf``).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "PMD_SERVICE_UUID",
    "PMD_CONTROL_POINT_UUID",
    "PMD_DATA_UUID",
    "MEASUREMENT_TYPES",
    "ECG",
    "ACC",
    "OP_CODES",
    "GET_MEASUREMENT_SETTINGS",
    "REQUEST_MEASUREMENT_START",
    "STOP_MEASUREMENT",
    "SETTING_TYPES",
    "SAMPLE_RATE",
    "RESOLUTION",
    "RANGE",
    "RANGE_MILLIUNIT",
    "CHANNELS",
    "FACTOR",
    "CONTROL_POINT_RESPONSE",
    "CONTROL_POINT_FEATURES",
    "STATUS_SUCCESS",
    "STATUS_TEXTS",
    "H10_ECG_SAMPLE_RATE_HZ",
    "H10_ECG_RESOLUTION_BITS",
    "ECG_FRAME_TYPE",
    "ECG_HEADER_BYTES",
    "ECG_SAMPLE_BYTES",
    "ECG_SAMPLE_MIN_UV",
    "ECG_SAMPLE_MAX_UV",
    "SENSOR_EPOCH_UNIX_NS",
    "settings_command",
    "start_command",
    "stop_command",
    "ecg_settings_command",
    "ecg_start_command",
    "ecg_stop_command",
    "PmdControlResponse",
    "parse_control_response",
    "PmdSettings",
    "parse_settings",
    "PmdFeatures",
    "parse_features",
    "EcgFrame",
    "decode_ecg_frame",
    "encode_ecg_frame",
    "ecg_samples_uv",
    "ecg_sample_times_s",
    "H10_ACC_SAMPLE_RATES_HZ",
    "H10_ACC_RANGES_G",
    "ACC_RESOLUTION_BITS",
    "ACC_FRAME_TYPE",
    "ACC_SAMPLE_BYTES",
    "acc_settings_command",
    "acc_start_command",
    "acc_stop_command",
    "AccFrame",
    "decode_acc_frame",
    "encode_acc_frame",
    "acc_samples_mg",
    "acc_sample_times_s",
    "AccTimer",
]

#: PMD service (hrv-spec §2.1), lower case as Bluetooth stacks report it.
PMD_SERVICE_UUID = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
#: PMD Control Point characteristic (read, write, indicate).
PMD_CONTROL_POINT_UUID = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
#: PMD Data characteristic (notify).
PMD_DATA_UUID = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"

#: Measurement types (hrv-spec §2.1, ``PmdMeasurementType.kt``); 4 and 8 are not defined.
MEASUREMENT_TYPES: dict[int, str] = {
    0: "ECG",
    1: "PPG",
    2: "ACC",
    3: "PPI",
    5: "GYRO",
    6: "MAG",
    7: "SKIN_TEMP",
    9: "SDK_MODE",
    10: "LOCATION",
    11: "PRESSURE",
    12: "TEMPERATURE",
    13: "OFFLINE_RECORDING",
    14: "OFFLINE_HR",
    15: "OFFLINE_TEMP",
}
#: Measurement type of the ECG stream.
ECG = 0
#: Measurement type of the accelerometer stream.
ACC = 2
# The type byte of a response or a frame is masked with 0x3F; bit 7 marks offline data.
_TYPE_MASK = 0x3F
_OFFLINE_BIT = 0x80

#: Control-point op-codes (hrv-spec §2.2).
OP_CODES: dict[int, str] = {
    0x01: "GET_MEASUREMENT_SETTINGS",
    0x02: "REQUEST_MEASUREMENT_START",
    0x03: "STOP_MEASUREMENT",
    0x04: "GET_SDK_MODE_SETTINGS",
    0x05: "GET_MEASUREMENT_STATUS",
    0x06: "GET_SDK_MODE_STATUS",
    0x07: "offline trigger",
    0x08: "offline trigger",
    0x09: "offline trigger",
}
GET_MEASUREMENT_SETTINGS = 0x01
REQUEST_MEASUREMENT_START = 0x02
STOP_MEASUREMENT = 0x03

#: Setting types and the size in bytes of one value (hrv-spec §2.2, ``PmdSetting.kt``).
SETTING_TYPES: dict[int, tuple[str, int]] = {
    0: ("SAMPLE_RATE", 2),
    1: ("RESOLUTION", 2),
    2: ("RANGE", 2),
    3: ("RANGE_MILLIUNIT", 4),
    4: ("CHANNELS", 1),
    5: ("FACTOR", 4),
}
SAMPLE_RATE = 0
RESOLUTION = 1
RANGE = 2
RANGE_MILLIUNIT = 3
CHANNELS = 4
#: Returned by the sensor, never sent.
FACTOR = 5

#: First byte of every control-point response (hrv-spec §2.3).
CONTROL_POINT_RESPONSE = 0xF0
#: First byte of the value read from the control point: the feature flags (hrv-spec §2.1).
CONTROL_POINT_FEATURES = 0x0F

STATUS_SUCCESS = 0
#: Control-point status codes (hrv-spec §2.3) in plain language.
STATUS_TEXTS: dict[int, str] = {
    0: "success",
    1: "the sensor does not know this command (invalid op code)",
    2: "the sensor does not offer this measurement (invalid measurement type)",
    3: "not supported",
    4: "the command has the wrong length (invalid length)",
    5: "a setting in the command is not valid (invalid parameter)",
    6: "already in that state (e.g. the measurement is already running or stopped)",
    7: "the sensor does not support this resolution",
    8: "the sensor does not support this sample rate",
    9: "the sensor does not support this range",
    10: "the Bluetooth packet size (MTU) is too small for this measurement",
    11: "the sensor does not support this number of channels",
    12: "the sensor cannot do this in its current state (invalid state)",
    13: "the sensor is on its charger",
    14: "the sensor's storage is full",
}

#: The H10's only ECG setting (hrv-spec §2.2): 130 Hz, 14-bit.
H10_ECG_SAMPLE_RATE_HZ = 130
H10_ECG_RESOLUTION_BITS = 14

#: Frame type of the H10's ECG frames: uncompressed 3-byte samples (hrv-spec §2.4).
ECG_FRAME_TYPE = 0
#: Bytes before the first sample: type (1), timestamp (8), frame type (1).
ECG_HEADER_BYTES = 10
#: Bytes of one ECG sample (signed 24-bit little-endian, µV).
ECG_SAMPLE_BYTES = 3
ECG_SAMPLE_MIN_UV = -(1 << 23)
ECG_SAMPLE_MAX_UV = (1 << 23) - 1
_COMPRESSED_BIT = 0x80
_UINT64_MAX = (1 << 64) - 1

#: Add to a sensor timestamp (ns since 2000-01-01T00:00:00) to get Unix ns (hrv-spec §2.5).
SENSOR_EPOCH_UNIX_NS = 946_684_800_000_000_000


def _type_name(measurement_type: int) -> str:
    return MEASUREMENT_TYPES.get(measurement_type, f"type {measurement_type}")


def _check_uint(value: int, size: int, name: str) -> int:
    v = operator.index(value)
    top = (1 << (8 * size)) - 1
    if not 0 <= v <= top:
        raise ValueError(f"{name} must be between 0 and {top}, not {value!r}.")
    return v


def _check_type(measurement_type: int) -> int:
    return _check_uint(measurement_type, 1, "A measurement type")


# --- control-point commands --------------------------------------------------------------


def settings_command(measurement_type: int) -> bytes:
    """Build GET_MEASUREMENT_SETTINGS for one measurement type: ``01 type``.

    Parameters
    ----------
    measurement_type : int
        One of :data:`MEASUREMENT_TYPES` (0-255 accepted).

    Returns
    -------
    bytes
        The value to write to the PMD Control Point.

    References
    ----------
    hrv-spec §2.2.
    """
    return bytes([GET_MEASUREMENT_SETTINGS, _check_type(measurement_type)])


def start_command(measurement_type: int, settings: Mapping[int, int]) -> bytes:
    """Build REQUEST_MEASUREMENT_START with settings, each ``[type, 1, value LE]``.

    Settings are written in the order given, each with a count of 1 and a value of the
    size :data:`SETTING_TYPES` gives for its type.

    Parameters
    ----------
    measurement_type : int
        One of :data:`MEASUREMENT_TYPES`.
    settings : mapping of int to int
        Setting type (:data:`SAMPLE_RATE`, :data:`RESOLUTION`, ...) to value.

    Returns
    -------
    bytes
        The value to write to the PMD Control Point.

    Raises
    ------
    ValueError
        For an unknown setting type, :data:`FACTOR` (the sensor's to send, not ours), or a
        value that does not fit its field.

    References
    ----------
    hrv-spec §2.2 (setting encoding, ``PmdSetting.kt``).
    """
    out = bytearray([REQUEST_MEASUREMENT_START, _check_type(measurement_type)])
    for setting_type, value in settings.items():
        if setting_type not in SETTING_TYPES or setting_type == FACTOR:
            raise ValueError(f"Setting type {setting_type!r} cannot be sent in a start command.")
        name, size = SETTING_TYPES[setting_type]
        v = _check_uint(value, size, f"The {name} value")
        out += bytes([setting_type, 1]) + v.to_bytes(size, "little")
    return bytes(out)


def stop_command(measurement_type: int) -> bytes:
    """Build STOP_MEASUREMENT for one measurement type: ``03 type``.

    Parameters
    ----------
    measurement_type : int
        One of :data:`MEASUREMENT_TYPES`.

    Returns
    -------
    bytes
        The value to write to the PMD Control Point.

    References
    ----------
    hrv-spec §2.2.
    """
    return bytes([STOP_MEASUREMENT, _check_type(measurement_type)])


def ecg_settings_command() -> bytes:
    """Ask for the ECG settings the sensor offers: ``01 00``.

    Returns
    -------
    bytes
        The value to write to the PMD Control Point.

    References
    ----------
    hrv-spec §2.2.
    """
    return settings_command(ECG)


def ecg_start_command() -> bytes:
    """Start the H10's ECG at 130 Hz, 14-bit: ``02 00 00 01 82 00 01 01 0E 00``.

    This is the H10's only ECG setting, so the command takes no argument; use
    :func:`start_command` for anything else.

    Returns
    -------
    bytes
        The value to write to the PMD Control Point.

    References
    ----------
    hrv-spec §2.2 ("Start ECG on an H10 at 130 Hz, 14-bit").
    """
    return start_command(
        ECG, {SAMPLE_RATE: H10_ECG_SAMPLE_RATE_HZ, RESOLUTION: H10_ECG_RESOLUTION_BITS}
    )


def ecg_stop_command() -> bytes:
    """Stop the ECG stream: ``03 00``.

    Returns
    -------
    bytes
        The value to write to the PMD Control Point.

    References
    ----------
    hrv-spec §2.2.
    """
    return stop_command(ECG)


# --- control-point responses -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PmdControlResponse:
    """One decoded control-point response (an indication on the PMD Control Point).

    Attributes
    ----------
    opcode : int or None
        The op-code answered (:data:`OP_CODES`); None when the response is too short.
    measurement_type : int or None
        The measurement type answered, masked with 0x3F; None when too short.
    status : int or None
        The status code (:data:`STATUS_TEXTS`); None when too short.
    status_text : str
        The status in plain language; for an unreadable response, what was missing.
    more : bool
        True when the sensor announced that more response data follows in another
        indication. False when the byte is absent.
    parameters : bytes
        Bytes after the ``more`` byte (e.g. the settings of GET_MEASUREMENT_SETTINGS,
        read with :func:`parse_settings`).
    problem : str or None
        None for a well-formed response; otherwise what was wrong with it, as one plain
        sentence. The other fields then hold only what could be read safely.
    """

    opcode: int | None
    measurement_type: int | None
    status: int | None
    status_text: str
    more: bool = False
    parameters: bytes = b""
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when the response was well formed (whatever its status)."""
        return self.problem is None

    @property
    def success(self) -> bool:
        """True when the response was well formed and its status is SUCCESS."""
        return self.problem is None and self.status == STATUS_SUCCESS


def parse_control_response(data: bytes | bytearray | memoryview) -> PmdControlResponse:
    """Decode a PMD control-point response: ``F0 op type status [more] [parameters]``.

    Never raises. Decisions where hrv-spec §2.3 is silent:

    - a 4-byte response (no ``more`` byte, as an error answer may be) is well formed,
      with ``more`` False and no parameters;
    - any non-zero ``more`` byte means True;
    - an unknown status code or op-code is decoded, not flagged (the status text says
      the code is unknown);
    - bit 7 of the type byte (offline recording) is dropped with the 0x3F mask.

    Unusable input gives ``problem``: empty, a first byte other than 0xF0 (the value
    *read* from the control point starts with 0x0F: use :func:`parse_features`), or
    fewer than 4 bytes.

    Parameters
    ----------
    data : bytes, bytearray or memoryview
        The indicated value.

    Returns
    -------
    PmdControlResponse
        The decoded fields, with ``problem`` None for a well-formed response.

    References
    ----------
    hrv-spec §2.3 (``PmdControlPointResponse.kt``).
    """
    buf = bytes(data)
    if not buf:
        return PmdControlResponse(None, None, None, "no response", problem="empty response")
    if buf[0] != CONTROL_POINT_RESPONSE:
        hint = ""
        if buf[0] == CONTROL_POINT_FEATURES:
            hint = " (that is the feature list read from the control point)"
        return PmdControlResponse(
            None,
            None,
            None,
            "not a control-point response",
            problem=f"first byte 0x{buf[0]:02X} is not the response code 0xF0{hint}",
        )
    if len(buf) < 4:
        missing = ("op-code", "measurement type", "status")[len(buf) - 1 :]
        opcode = buf[1] if len(buf) > 1 else None
        mtype = buf[2] & _TYPE_MASK if len(buf) > 2 else None
        return PmdControlResponse(
            opcode,
            mtype,
            None,
            "no status",
            problem=f"response too short: {', '.join(missing)} missing",
        )
    status = buf[3]
    text = STATUS_TEXTS.get(status, f"unknown status code {status}")
    more = len(buf) > 4 and buf[4] != 0
    return PmdControlResponse(buf[1], buf[2] & _TYPE_MASK, status, text, more, buf[5:])


@dataclass(frozen=True, slots=True)
class PmdSettings:
    """Settings a sensor offers for one measurement (the answer to GET_MEASUREMENT_SETTINGS).

    Attributes
    ----------
    values : tuple of (int, tuple of int)
        ``(setting type, offered values)`` pairs in the order received.
    problem : str or None
        None when the whole parameter block was read; otherwise what stopped the reading.
        The settings read before the problem are kept.
    """

    values: tuple[tuple[int, tuple[int, ...]], ...]
    problem: str | None = None

    def get(self, setting_type: int) -> tuple[int, ...]:
        """The values offered for one setting type; empty when it was not listed."""
        for kind, vals in self.values:
            if kind == setting_type:
                return vals
        return ()

    @property
    def ok(self) -> bool:
        """True when the parameter block was read completely."""
        return self.problem is None


def parse_settings(parameters: bytes | bytearray | memoryview) -> PmdSettings:
    """Read the settings in the parameters of a GET_MEASUREMENT_SETTINGS response.

    Each setting is ``[type, count, count values LE]``, each value of the size
    :data:`SETTING_TYPES` gives for its type. hrv-spec §2.2 describes ``count = 1`` for
    commands; for the sensor's answer the count is read as the number of values offered
    (decision). Never raises; an unknown setting type stops the reading (its value size
    is unknown), as does a setting cut short.

    Parameters
    ----------
    parameters : bytes, bytearray or memoryview
        :attr:`PmdControlResponse.parameters`.

    Returns
    -------
    PmdSettings
        The settings read.

    References
    ----------
    hrv-spec §2.2 (``PmdSetting.kt``).
    """
    buf = bytes(parameters)
    out: list[tuple[int, tuple[int, ...]]] = []
    pos = 0
    while pos < len(buf):
        kind = buf[pos]
        if kind not in SETTING_TYPES:
            return PmdSettings(tuple(out), f"unknown setting type {kind} at byte {pos}")
        name, size = SETTING_TYPES[kind]
        if pos + 2 > len(buf):
            return PmdSettings(tuple(out), f"{name} setting has no value count")
        count = buf[pos + 1]
        end = pos + 2 + count * size
        if end > len(buf):
            return PmdSettings(tuple(out), f"{name} setting is cut short")
        vals = tuple(
            int.from_bytes(buf[pos + 2 + k * size : pos + 2 + (k + 1) * size], "little")
            for k in range(count)
        )
        out.append((kind, vals))
        pos = end
    return PmdSettings(tuple(out))


@dataclass(frozen=True, slots=True)
class PmdFeatures:
    """Measurement types a sensor offers (the value read from the PMD Control Point).

    Attributes
    ----------
    types : tuple of int
        Measurement types flagged in byte 1, ascending.
    problem : str or None
        None for a readable value; otherwise what was wrong.
    """

    types: tuple[int, ...]
    problem: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Names of :attr:`types` (``"ECG"``, ``"ACC"``, ...)."""
        return tuple(_type_name(t) for t in self.types)


def parse_features(data: bytes | bytearray | memoryview) -> PmdFeatures:
    """Decode the value read from the PMD Control Point: ``0F flags...``.

    Byte 1, bit n set means measurement type n is available (bit 4 is not a type and is
    ignored). Byte 2 "carries further types" (hrv-spec §2.1) without a documented bit
    map, so it is not decoded (decision). Never raises.

    Parameters
    ----------
    data : bytes, bytearray or memoryview
        The value read from the control point.

    Returns
    -------
    PmdFeatures
        The available types; an H10 gives ECG and ACC.

    References
    ----------
    hrv-spec §2.1.
    """
    buf = bytes(data)
    if len(buf) < 2:
        return PmdFeatures((), "feature value too short" if buf else "empty feature value")
    if buf[0] != CONTROL_POINT_FEATURES:
        return PmdFeatures((), f"first byte 0x{buf[0]:02X} is not the feature code 0x0F")
    return PmdFeatures(tuple(b for b in range(8) if buf[1] >> b & 1 and b in MEASUREMENT_TYPES))


# --- ECG data frames ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EcgFrame:
    """One decoded ECG data frame (a notification on PMD Data).

    Attributes
    ----------
    timestamp_ns : int or None
        Sensor time of the frame's LAST sample, ns since 2000-01-01T00:00:00 on the
        sensor clock (hrv-spec §2.4); None when the frame is too short to hold it.
    samples_uv : tuple of int
        ECG samples in µV, oldest first; only complete 3-byte samples.
    measurement_type : int or None
        Measurement type (type byte masked with 0x3F); None for an empty frame.
    frame_type : int or None
        Frame type byte (bit 7 = compressed); None when the frame is too short.
    problem : str or None
        None for a well-formed H10 ECG frame; otherwise what was wrong, as one plain
        sentence. A frame with a problem should not be timed from its timestamp:
        :func:`ecg_samples_uv` and :func:`ecg_sample_times_s` skip it.
    """

    timestamp_ns: int | None
    samples_uv: tuple[int, ...]
    measurement_type: int | None = ECG
    frame_type: int | None = ECG_FRAME_TYPE
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True for a well-formed H10 ECG frame."""
        return self.problem is None

    @property
    def samples_array(self) -> NDArray[np.int32]:
        """The samples as an int32 array, µV."""
        return np.asarray(self.samples_uv, dtype=np.int32)


def _unpack_int24(raw: bytes) -> tuple[int, ...]:
    b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, ECG_SAMPLE_BYTES).astype(np.int32)
    v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
    v = (v ^ 0x800000) - 0x800000  # sign-extend 24 bits
    return tuple(v.tolist())


def decode_ecg_frame(data: bytes | bytearray | memoryview) -> EcgFrame:
    """Decode an H10 ECG frame: type, uint64 timestamp, frame type 0, 3-byte samples.

    Never raises. Unusable input gives ``problem`` and keeps what could be read safely:

    - shorter than the 10-byte header: no samples (the timestamp is kept if its 8 bytes
      are present);
    - measurement type not ECG, offline-recording bit set, compressed (delta) frame, or a
      frame type other than 0 (the H10's): no samples, since they would be misread;
    - length not ``10 + 3n`` (hrv-spec §2.4 says to reject such a frame): the complete
      samples are kept and the trailing bytes reported; the frame is then skipped when
      timing samples, because its timestamp belongs to a sample that was cut off;
    - a header with no samples.

    Parameters
    ----------
    data : bytes, bytearray or memoryview
        The notified value.

    Returns
    -------
    EcgFrame
        The decoded frame, with ``problem`` None when it is well formed.

    References
    ----------
    hrv-spec §2.4 (``PmdDataFrame.kt``, ``model/EcgData.kt``).
    """
    buf = bytes(data)
    if not buf:
        return EcgFrame(None, (), None, None, "empty frame")
    type_byte = buf[0]
    mtype = type_byte & _TYPE_MASK
    timestamp = int.from_bytes(buf[1:9], "little") if len(buf) >= 9 else None
    if len(buf) < ECG_HEADER_BYTES:
        return EcgFrame(
            timestamp, (), mtype, None, f"frame of {len(buf)} bytes is shorter than its header"
        )
    frame_type = buf[9]
    if mtype != ECG:
        why = f"measurement type {_type_name(mtype)} is not ECG"
    elif type_byte & _OFFLINE_BIT:
        why = "offline-recording frame, not live ECG"
    elif frame_type & _COMPRESSED_BIT:
        why = "compressed (delta) ECG frames are not the H10's format"
    elif frame_type != ECG_FRAME_TYPE:
        why = f"ECG frame type {frame_type} is not the H10's type 0"
    else:
        why = None
    if why is not None:
        return EcgFrame(timestamp, (), mtype, frame_type, why)
    body = buf[ECG_HEADER_BYTES:]
    n = len(body) // ECG_SAMPLE_BYTES
    samples = _unpack_int24(body[: n * ECG_SAMPLE_BYTES])
    extra = len(body) - n * ECG_SAMPLE_BYTES
    problem = None
    if n == 0 and extra == 0:
        problem = "frame holds no samples"
    elif extra:
        word = "byte" if extra == 1 else "bytes"
        problem = f"{extra} trailing {word} after the last complete sample (truncated frame)"
    return EcgFrame(timestamp, samples, mtype, frame_type, problem)


def encode_ecg_frame(timestamp_ns: int, samples_uv: ArrayLike) -> bytes:
    """Build an H10 ECG frame (type 0, frame type 0, 3-byte signed samples).

    Parameters
    ----------
    timestamp_ns : int
        Sensor time of the LAST sample, ns since 2000-01-01 (0 to 2**64 - 1).
    samples_uv : array_like of int
        At least one sample, µV, each within -8388608..8388607.

    Returns
    -------
    bytes
        The frame as the sensor would notify it.

    Raises
    ------
    ValueError
        For an out-of-range timestamp or sample, non-integer samples, or no samples.

    References
    ----------
    hrv-spec §2.4.
    """
    ts = _check_uint(timestamp_ns, 8, "The timestamp (ns)")
    try:
        arr = np.asarray(samples_uv)
    except OverflowError as exc:  # Python ints beyond int64
        raise ValueError("ECG samples must fit in 24 signed bits.") from exc
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("An ECG frame needs a one-dimensional, non-empty sequence of samples.")
    if arr.dtype.kind not in "iu":
        raise ValueError(f"ECG samples must be integers (µV), not {arr.dtype}.")
    if arr.min() < ECG_SAMPLE_MIN_UV or arr.max() > ECG_SAMPLE_MAX_UV:
        raise ValueError(f"ECG samples must be within {ECG_SAMPLE_MIN_UV}..{ECG_SAMPLE_MAX_UV} µV.")
    body = arr.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :ECG_SAMPLE_BYTES].tobytes()
    return bytes([ECG]) + ts.to_bytes(8, "little") + bytes([ECG_FRAME_TYPE]) + body


def _usable(frames: Iterable[EcgFrame]) -> list[EcgFrame | None]:
    """The frames, with None in place of each frame that cannot be timed (a break)."""
    return [f if f.ok and f.timestamp_ns is not None and f.samples_uv else None for f in frames]


def ecg_samples_uv(frames: Iterable[EcgFrame]) -> NDArray[np.int32]:
    """Concatenate the samples of the well-formed frames, oldest first.

    Frames with a problem are skipped, exactly as :func:`ecg_sample_times_s` skips
    them, so the two arrays line up.

    Parameters
    ----------
    frames : iterable of EcgFrame
        Frames in the order received.

    Returns
    -------
    ndarray of int32
        ECG in µV.
    """
    parts = [f.samples_uv for f in _usable(frames) if f is not None]
    if not parts:
        return np.zeros(0, dtype=np.int32)
    return np.concatenate([np.asarray(p, dtype=np.int32) for p in parts])


def ecg_sample_times_s(
    frames: Iterable[EcgFrame],
    fs_hz: float = float(H10_ECG_SAMPLE_RATE_HZ),
    *,
    origin_ns: int = 0,
    tolerance: float = 0.25,
) -> NDArray[np.float64]:
    """The sensor time of every sample of the well-formed frames, in seconds.

    The frame timestamp is the time of the frame's LAST sample (hrv-spec §2.4, §2.5).
    Following hrv-spec §2.5 (``PmdTimeStampUtils.kt``):

    - **first frame** (of the stream, or after a break): samples are spaced by the
      nominal period, ``delta = 1e9 / fs_hz`` ns, back from the timestamp:
      ``t_k = t_frame - delta * (n - 1 - k)`` for ``k = 0..n-1``;
    - **later frames**: the frame's samples share the time since the previous frame
      evenly, ``delta = (t_frame - t_prev) / n``, and sample ``k`` (1..n) is at
      ``t_prev + delta * k``; so the last sample is exactly at the timestamp and the
      spacing follows the sensor's own clock rather than the nominal rate.

    A break, after which the next frame is timed as a first frame, is a frame that was
    skipped (it has a problem), a timestamp that does not increase, or a derived
    spacing that differs from the nominal period by more than ``tolerance`` (relative),
    as when a notification was lost; hrv-spec §2.5 does not cover these cases (decision).
    Times are not guaranteed to increase across a break with a backward timestamp.

    Parameters
    ----------
    frames : iterable of EcgFrame
        Frames in the order received.
    fs_hz : float
        Nominal sample rate, Hz (130 on the H10).
    origin_ns : int
        Sensor time subtracted (exactly, in integers) before converting to seconds,
        e.g. the first frame's timestamp or the sensor time of the session start. 0
        gives seconds since the sensor epoch 2000-01-01 (add
        :data:`SENSOR_EPOCH_UNIX_NS` for Unix time).
    tolerance : float
        Largest relative deviation of a later frame's spacing from ``1e9 / fs_hz``
        that is still read as continuous.

    Returns
    -------
    ndarray of float64
        One time per sample of :func:`ecg_samples_uv` of the same frames, s.

    Raises
    ------
    ValueError
        If ``fs_hz`` is not a positive finite number or ``tolerance`` is negative.

    References
    ----------
    hrv-spec §2.4-2.5 (``model/PmdTimeStampUtils.kt``, ``TimeSystemExplained.md``).
    """
    marks = [
        None if f is None else (f.timestamp_ns, len(f.samples_uv)) for f in _usable(frames)
    ]
    return _frame_times_s(marks, fs_hz, origin_ns, tolerance)


def _frame_times_s(
    marks: list[tuple[int | None, int] | None], fs_hz: float, origin_ns: int, tolerance: float
) -> NDArray[np.float64]:
    """Sample times of frames given as ``(timestamp_ns, n_samples)``, None for a break."""
    if not (math.isfinite(fs_hz) and fs_hz > 0.0):
        raise ValueError(f"The sample rate must be a positive number of Hz, not {fs_hz!r}.")
    if not tolerance >= 0.0:
        raise ValueError(f"The tolerance must be zero or positive, not {tolerance!r}.")
    origin = operator.index(origin_ns)
    nominal_ns = 1e9 / fs_hz
    parts: list[NDArray[np.float64]] = []
    prev_ns: int | None = None
    for mark in marks:
        if mark is None:
            prev_ns = None
            continue
        t_ns, n = mark
        assert t_ns is not None  # the callers pass only timed frames
        delta_ns = nominal_ns
        start_ns = float(t_ns - origin)  # time of sample k = 0 is start - delta * (n - 1 - 0)
        if prev_ns is not None and t_ns > prev_ns:
            step = (t_ns - prev_ns) / n
            if abs(step / nominal_ns - 1.0) <= tolerance:
                delta_ns = step
        k_back = np.arange(n - 1, -1, -1, dtype=np.float64)  # n-1 .. 0 periods before the last
        parts.append((start_ns - delta_ns * k_back) / 1e9)
        prev_ns = t_ns
    if not parts:
        return np.zeros(0, dtype=np.float64)
    return np.concatenate(parts)


# --- accelerometer (ACC) ----------------------------------------------------------------

#: Sample rates the H10 offers for ACC, Hz (Polar BLE SDK, documentation/products/PolarH10.md).
H10_ACC_SAMPLE_RATES_HZ = (25, 50, 100, 200)
#: Ranges the H10 offers for ACC, ±g.
H10_ACC_RANGES_G = (2, 4, 8)
#: Resolution of the H10's ACC samples, bits.
ACC_RESOLUTION_BITS = 16
#: Frame type of the H10's ACC frames: uncompressed, 2 bytes per axis (hrv-spec §2.6).
ACC_FRAME_TYPE = 1
#: Bytes of one axis value by uncompressed frame type (signed little-endian, mG).
ACC_SAMPLE_BYTES: dict[int, int] = {0: 1, 1: 2, 2: 3}


def acc_settings_command() -> bytes:
    """Ask for the accelerometer settings the sensor offers: ``01 02``.

    Returns
    -------
    bytes
        The value to write to the PMD Control Point.

    References
    ----------
    hrv-spec §2.2, §2.6.
    """
    return settings_command(ACC)


def acc_start_command(rate_hz: int = 50, range_g: int = 8) -> bytes:
    """Start the H10's accelerometer: 16-bit samples at ``rate_hz``, range ``±range_g`` g.

    At 50 Hz and 8 g: ``02 02 00 01 32 00 01 01 10 00 02 01 08 00``.

    Parameters
    ----------
    rate_hz : int
        One of :data:`H10_ACC_SAMPLE_RATES_HZ`.
    range_g : int
        One of :data:`H10_ACC_RANGES_G`.

    Returns
    -------
    bytes
        The value to write to the PMD Control Point.

    Raises
    ------
    ValueError
        For a rate or range the H10 does not offer.

    References
    ----------
    hrv-spec §2.2, §2.6 (Polar BLE SDK ``PmdSetting.kt``, ``PolarH10.md``).
    """
    if rate_hz not in H10_ACC_SAMPLE_RATES_HZ:
        raise ValueError(
            f"The H10 samples its accelerometer at 25, 50, 100 or 200 Hz, not {rate_hz!r}."
        )
    if range_g not in H10_ACC_RANGES_G:
        raise ValueError(f"The H10's accelerometer range is 2, 4 or 8 g, not {range_g!r}.")
    return start_command(
        ACC, {SAMPLE_RATE: rate_hz, RESOLUTION: ACC_RESOLUTION_BITS, RANGE: range_g}
    )


def acc_stop_command() -> bytes:
    """Stop the accelerometer stream: ``03 02``.

    Returns
    -------
    bytes
        The value to write to the PMD Control Point.

    References
    ----------
    hrv-spec §2.2.
    """
    return stop_command(ACC)


@dataclass(frozen=True, slots=True)
class AccFrame:
    """One decoded accelerometer data frame (a notification on PMD Data).

    Attributes
    ----------
    timestamp_ns : int or None
        Sensor time of the frame's LAST sample, ns since 2000-01-01 (hrv-spec §2.5);
        None when the frame is too short to hold it.
    samples_mg : tuple of (int, int, int)
        ``(x, y, z)`` samples in milli-g (gravity included), oldest first.
    frame_type : int or None
        Frame type byte; None when the frame is too short.
    problem : str or None
        None for a well-formed frame; otherwise what was wrong, as one plain sentence.
        :func:`acc_samples_mg` and :func:`acc_sample_times_s` skip such a frame.
    """

    timestamp_ns: int | None
    samples_mg: tuple[tuple[int, int, int], ...]
    frame_type: int | None = ACC_FRAME_TYPE
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True for a well-formed ACC frame."""
        return self.problem is None

    @property
    def samples_array(self) -> NDArray[np.int32]:
        """The samples as an ``(n, 3)`` int32 array, mG."""
        return np.asarray(self.samples_mg, dtype=np.int32).reshape(-1, 3)


def decode_acc_frame(data: bytes | bytearray | memoryview) -> AccFrame:
    """Decode an ACC frame: type 2, uint64 timestamp, frame type, ``x y z`` samples.

    Frame types 0, 1 and 2 carry uncompressed samples of 1, 2 and 3 signed
    little-endian bytes per axis (the H10 sends type 1, 16-bit); each sample is
    ``x, y, z`` in mG. Never raises. Unusable input gives ``problem``:

    - shorter than the 10-byte header, or a header with no samples;
    - measurement type not ACC, offline-recording bit set, compressed (delta) frame, or
      an unknown frame type: no samples;
    - a body that is not a whole number of samples: the complete samples are kept and
      the frame is reported (and skipped when timing, as for ECG).

    Parameters
    ----------
    data : bytes, bytearray or memoryview
        The notified value.

    Returns
    -------
    AccFrame
        The decoded frame, with ``problem`` None when it is well formed.

    References
    ----------
    hrv-spec §2.6 (Polar BLE SDK ``model/AccData.kt``, ``PmdDataFrame.kt``).
    """
    buf = bytes(data)
    if not buf:
        return AccFrame(None, (), None, "empty frame")
    type_byte = buf[0]
    mtype = type_byte & _TYPE_MASK
    timestamp = int.from_bytes(buf[1:9], "little") if len(buf) >= 9 else None
    if len(buf) < ECG_HEADER_BYTES:
        short = f"frame of {len(buf)} bytes is shorter than its header"
        return AccFrame(timestamp, (), None, short)
    frame_type = buf[9]
    why: str | None
    if mtype != ACC:
        why = f"measurement type {_type_name(mtype)} is not ACC"
    elif type_byte & _OFFLINE_BIT:
        why = "offline-recording frame, not live ACC"
    elif frame_type & _COMPRESSED_BIT:
        why = "compressed (delta) ACC frames are not read"
    elif frame_type not in ACC_SAMPLE_BYTES:
        why = f"ACC frame type {frame_type} is unknown"
    else:
        why = None
    if why is not None:
        return AccFrame(timestamp, (), frame_type, why)
    size = ACC_SAMPLE_BYTES[frame_type]
    step = 3 * size
    body = buf[ECG_HEADER_BYTES:]
    n = len(body) // step
    raw = np.frombuffer(body[: n * step], dtype=np.uint8).reshape(-1, size).astype(np.int64)
    v = np.zeros(raw.shape[0], dtype=np.int64)
    for k in range(size):
        v |= raw[:, k] << (8 * k)
    sign = 1 << (8 * size - 1)
    v = (v ^ sign) - sign
    samples = tuple((int(a), int(b), int(c)) for a, b, c in v.reshape(-1, 3).tolist())
    extra = len(body) - n * step
    problem = None
    if n == 0 and extra == 0:
        problem = "frame holds no samples"
    elif extra:
        word = "byte" if extra == 1 else "bytes"
        problem = f"{extra} trailing {word} after the last complete sample (truncated frame)"
    return AccFrame(timestamp, samples, frame_type, problem)


def encode_acc_frame(
    timestamp_ns: int, samples_mg: ArrayLike, frame_type: int = ACC_FRAME_TYPE
) -> bytes:
    """Build an ACC frame (type 2, uncompressed ``x y z`` samples in mG).

    Parameters
    ----------
    timestamp_ns : int
        Sensor time of the LAST sample, ns since 2000-01-01 (0 to 2**64 - 1).
    samples_mg : array_like of int, shape (n, 3)
        At least one ``(x, y, z)`` sample, mG, each within the frame type's signed range
        (±32767 for the H10's type 1).
    frame_type : int
        0, 1 or 2: 1, 2 or 3 bytes per axis.

    Returns
    -------
    bytes
        The frame as the sensor would notify it.

    Raises
    ------
    ValueError
        For an out-of-range timestamp or sample, an unknown frame type, non-integer
        samples, or a shape other than ``(n, 3)`` with n >= 1.

    References
    ----------
    hrv-spec §2.6.
    """
    ts = _check_uint(timestamp_ns, 8, "The timestamp (ns)")
    if frame_type not in ACC_SAMPLE_BYTES:
        raise ValueError(f"ACC frame type must be 0, 1 or 2, not {frame_type!r}.")
    try:
        arr = np.asarray(samples_mg)
    except OverflowError as exc:
        raise ValueError("ACC samples do not fit the frame type.") from exc
    if arr.ndim != 2 or arr.shape[1] != 3 or arr.shape[0] == 0:
        raise ValueError("An ACC frame needs a non-empty (n, 3) array of x, y, z samples.")
    if arr.dtype.kind not in "iu":
        raise ValueError(f"ACC samples must be integers (mG), not {arr.dtype}.")
    size = ACC_SAMPLE_BYTES[frame_type]
    top = (1 << (8 * size - 1)) - 1
    if arr.min() < -top - 1 or arr.max() > top:
        raise ValueError(
            f"ACC samples of frame type {frame_type} must be within {-top - 1}..{top} mG."
        )
    body = arr.reshape(-1).astype("<i4").view(np.uint8).reshape(-1, 4)[:, :size].tobytes()
    return bytes([ACC]) + ts.to_bytes(8, "little") + bytes([frame_type]) + body


def _usable_acc(frames: Iterable[AccFrame]) -> list[AccFrame | None]:
    return [f if f.ok and f.timestamp_ns is not None and f.samples_mg else None for f in frames]


def acc_samples_mg(frames: Iterable[AccFrame]) -> NDArray[np.int32]:
    """Stack the samples of the well-formed frames, oldest first, as an ``(n, 3)`` array.

    Frames with a problem are skipped, as :func:`acc_sample_times_s` skips them.

    Parameters
    ----------
    frames : iterable of AccFrame
        Frames in the order received.

    Returns
    -------
    ndarray of int32, shape (n, 3)
        x, y, z in mG.
    """
    parts = [f.samples_array for f in _usable_acc(frames) if f is not None]
    if not parts:
        return np.zeros((0, 3), dtype=np.int32)
    return np.concatenate(parts)


def acc_sample_times_s(
    frames: Iterable[AccFrame],
    fs_hz: float,
    *,
    origin_ns: int = 0,
    tolerance: float = 0.25,
) -> NDArray[np.float64]:
    """The sensor time of every sample of the well-formed ACC frames, in seconds.

    The same rule as :func:`ecg_sample_times_s` (hrv-spec §2.5): the timestamp is the
    last sample's; a first frame is spaced at the nominal period, later frames share the
    time since the previous frame evenly; a bad frame, a backward timestamp or a spacing
    more than ``tolerance`` from nominal is a break.

    Parameters
    ----------
    frames : iterable of AccFrame
        Frames in the order received.
    fs_hz : float
        Nominal sample rate, Hz (the rate asked for in :func:`acc_start_command`).
    origin_ns : int
        Sensor time subtracted before converting to seconds.
    tolerance : float
        Largest relative deviation of a later frame's spacing that is still continuous.

    Returns
    -------
    ndarray of float64
        One time per row of :func:`acc_samples_mg` of the same frames, s.

    Raises
    ------
    ValueError
        If ``fs_hz`` is not a positive finite number or ``tolerance`` is negative.

    References
    ----------
    hrv-spec §2.5-2.6.
    """
    marks = [
        None if f is None else (f.timestamp_ns, len(f.samples_mg)) for f in _usable_acc(frames)
    ]
    return _frame_times_s(marks, fs_hz, origin_ns, tolerance)


class AccTimer:
    """Place the samples of ACC frames on the session clock as the frames arrive.

    Times within and between frames follow the sensor's own clock
    (:func:`acc_sample_times_s`, hrv-spec §2.5). The sensor clock is placed on the
    session clock once: the last sample of the first frame at that frame's arrival, so
    later arrival jitter never moves samples. Make a new timer for each connection.

    Parameters
    ----------
    fs_hz : float
        The sample rate asked for, Hz.
    """

    def __init__(self, fs_hz: float) -> None:
        self.fs_hz = float(fs_hz)
        self._prev: AccFrame | None = None
        self._origin_ns: int | None = None
        self._anchor_s = 0.0
        self.frames = 0
        self.bad_frames = 0

    def take(
        self, data: bytes, arrival_s: float
    ) -> tuple[NDArray[np.float64], NDArray[np.int32]] | None:
        """Decode one notified frame; its sample times (s) and ``(n, 3)`` samples (mG).

        Returns None for a frame with a problem (counted in :attr:`bad_frames`); the
        next good frame is then timed as a first frame.
        """
        frame = decode_acc_frame(data)
        if not frame.ok or not frame.samples_mg or frame.timestamp_ns is None:
            self.bad_frames += 1
            self._prev = None
            return None
        self.frames += 1
        if self._origin_ns is None:
            self._origin_ns = frame.timestamp_ns
            self._anchor_s = arrival_s
        window = [self._prev, frame] if self._prev is not None else [frame]
        n = len(frame.samples_mg)
        times = acc_sample_times_s(window, self.fs_hz, origin_ns=self._origin_ns)[-n:]
        self._prev = frame
        return times + self._anchor_s, frame.samples_array
