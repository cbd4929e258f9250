import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resonant.model.beats import rr_ms_from_raw
from resonant.devices.hrm import (
    BATTERY_LEVEL_UUID,
    BATTERY_SERVICE_UUID,
    BODY_LOCATIONS,
    BODY_SENSOR_LOCATION_UUID,
    HEART_RATE_MEASUREMENT_UUID,
    HEART_RATE_SERVICE_UUID,
    MAX_RR_PER_PACKET,
    HeartRateMeasurement,
    decode_battery_level,
    decode_body_sensor_location,
    decode_hrm,
    encode_hrm,
    rr_raw_from_ms,
    split_rr,
    uuid16,
)

# --- hrv-spec §1.5 parser test vectors, exactly as listed --------------------------------
# (hex, hr_bpm, contact, energy_kj, rr_ms, well formed)
SPEC_VECTORS = [
    ("10 3C 00 04 00 04", 60, None, None, [1000.0, 1000.0], True),
    ("16 48 40 03 9A 03", 72, True, None, [812.5, 900.390625], True),
    ("19 48 00 34 12 40 03", 72, None, 4660, [812.5], True),
    ("04 50", 80, False, None, [], True),
    ("10 3C 00 04 00", 60, None, None, [1000.0], False),  # constructed; rule 9
]


def h(text: str) -> bytes:
    return bytes.fromhex(text)


@pytest.mark.parametrize(("hexstr", "hr", "contact", "energy", "rr_ms", "ok"), SPEC_VECTORS)
def test_spec_vectors(hexstr, hr, contact, energy, rr_ms, ok):
    m = decode_hrm(h(hexstr))
    assert m.hr_bpm == hr
    assert m.contact is contact
    assert m.energy_kj == energy
    assert list(m.rr_ms) == rr_ms  # exact: raw * 1000 / 1024 is exact in binary floats
    assert m.ok is ok
    assert (m.problem is None) is ok


def test_spec_vector_raw_values_and_trailing_byte_sentence():
    assert decode_hrm(h("16 48 40 03 9A 03")).rr_raw == (832, 922)
    assert decode_hrm(h("19 48 00 34 12 40 03")).rr_raw == (832,)
    m = decode_hrm(h("10 3C 00 04 00"))
    assert m.rr_raw == (1024,)
    assert m.problem == "1 trailing byte after the RR values"


# --- independent check: a deliberately naive parser straight from the §1.2 byte table -----
def naive_parse(data: bytes):
    """Flags, then uint8/uint16 HR, then uint16 EE if bit 3, then uint16 RRs if bit 4.

    Raises struct.error when the packet is shorter than its header. Floors the RR count.
    """
    (flags,) = struct.unpack_from("<B", data, 0)
    off = 1
    if flags & 0b1:
        (hr,) = struct.unpack_from("<H", data, off)
        off += 2
    else:
        (hr,) = struct.unpack_from("<B", data, off)
        off += 1
    supported = bool(flags & 0b100)
    detected = bool(flags & 0b10)
    contact = detected if supported else None
    energy = None
    if flags & 0b1000:
        (energy,) = struct.unpack_from("<H", data, off)
        off += 2
    rr = []
    if flags & 0b10000:
        n = (len(data) - off) // 2
        rr = list(struct.unpack_from(f"<{n}H", data, off))
    return hr, contact, energy, rr


@pytest.mark.parametrize("hexstr", [v[0] for v in SPEC_VECTORS])
def test_spec_vectors_agree_with_a_naive_struct_parser(hexstr):
    hr, contact, energy, rr = naive_parse(h(hexstr))
    m = decode_hrm(h(hexstr))
    assert (m.hr_bpm, m.contact, m.energy_kj, list(m.rr_raw)) == (hr, contact, energy, rr)
    assert list(m.rr_ms) == [r * 1000 / 1024 for r in rr]


# --- round trips ---------------------------------------------------------------------------
hr_and_format = st.one_of(
    st.tuples(st.integers(0, 255), st.sampled_from([None, False, True])),
    st.tuples(st.integers(256, 65535), st.sampled_from([None, True])),
)


@settings(max_examples=300, deadline=None)
@given(
    hr_fmt=hr_and_format,
    contact=st.sampled_from([None, True, False]),
    energy=st.one_of(st.none(), st.integers(0, 65535)),
    rr=st.lists(st.integers(1, 65535), max_size=9),
)
def test_encode_decode_round_trip(hr_fmt, contact, energy, rr):
    hr, fmt = hr_fmt
    data = encode_hrm(hr, rr, contact=contact, energy_kj=energy, hr_uint16=fmt)
    expect_u16 = hr > 255 if fmt is None else fmt
    assert bool(data[0] & 0x01) is expect_u16
    assert bool(data[0] & 0x10) is bool(rr)  # RR flag only with RR values
    assert data[0] & 0xE0 == 0  # reserved bits sent as 0
    size = 1 + (2 if expect_u16 else 1) + (2 if energy is not None else 0) + 2 * len(rr)
    assert len(data) == size
    m = decode_hrm(data)
    assert m.hr_bpm == hr
    assert m.contact is contact
    assert m.energy_kj == energy
    assert m.rr_raw == tuple(rr)
    assert m.rr_ms == tuple(r * 1000 / 1024 for r in rr)
    assert m.rr_ms == tuple(rr_ms_from_raw(r) for r in rr)
    # The only well-formed-bytes case that is still reported: a strap without a reading.
    assert m.ok is not (hr == 0 and not rr)


def test_encoder_picks_uint8_up_to_255():
    assert encode_hrm(255) == h("00 FF")
    assert encode_hrm(256) == h("01 00 01")
    assert encode_hrm(72, hr_uint16=True) == h("01 48 00")


def test_encoder_reproduces_the_spec_vectors():
    assert encode_hrm(60, [1024, 1024]) == h("10 3C 00 04 00 04")
    assert encode_hrm(72, [832, 922], contact=True) == h("16 48 40 03 9A 03")
    assert encode_hrm(72, [832], energy_kj=4660, hr_uint16=True) == h("19 48 00 34 12 40 03")
    assert encode_hrm(80, contact=False) == h("04 50")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"hr_bpm": -1},
        {"hr_bpm": 65536},
        {"hr_bpm": 256, "hr_uint16": False},
        {"hr_bpm": 60, "rr_raw": [0]},
        {"hr_bpm": 60, "rr_raw": [800, 65536]},
        {"hr_bpm": 60, "rr_raw": [-5]},
        {"hr_bpm": 60, "energy_kj": -1},
        {"hr_bpm": 60, "energy_kj": 65536},
    ],
)
def test_encoder_refuses_out_of_range_values(kwargs):
    with pytest.raises(ValueError, match=r"\.$"):
        encode_hrm(**kwargs)


def test_rr_raw_from_ms():
    assert rr_raw_from_ms(1000.0) == 1024
    assert rr_raw_from_ms(812.5) == 832
    assert rr_raw_from_ms(800.0) == 819  # 819.2 units; bumble would truncate the same way
    assert rr_raw_from_ms(800.5) == 820  # 819.712 units
    assert rr_raw_from_ms(rr_ms_from_raw(65535)) == 65535
    for bad in (0.0, 0.4, -800.0, 64000.0, math.nan, math.inf):
        with pytest.raises(ValueError):
            rr_raw_from_ms(bad)


@given(st.integers(1, 65535))
def test_rr_raw_from_ms_inverts_rr_ms_from_raw(raw):
    assert rr_raw_from_ms(rr_ms_from_raw(raw)) == raw


# --- packet size and splitting -----------------------------------------------------------
def test_max_rr_per_packet_matches_the_spec_table():
    # hrv-spec §1.3 rule 4, keyed (hr_uint16, energy)
    assert MAX_RR_PER_PACKET == {(False, False): 9, (False, True): 8, (True, False): 8,
                                 (True, True): 7}  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    rr=st.lists(st.integers(1, 65535), max_size=40),
    hr_uint16=st.booleans(),
    energy=st.booleans(),
)
def test_split_rr_fills_20_byte_packets_and_loses_nothing(rr, hr_uint16, energy):
    size = MAX_RR_PER_PACKET[(hr_uint16, energy)]
    chunks = split_rr(rr, hr_uint16=hr_uint16, energy=energy)
    assert [r for c in chunks for r in c] == rr  # nothing lost, order kept
    assert all(1 <= len(c) <= size for c in chunks)
    assert len(chunks) == math.ceil(len(rr) / size)
    hr = 300 if hr_uint16 else 70
    for c in chunks:
        data = encode_hrm(hr, c, contact=True, energy_kj=65535 if energy else None)
        assert len(data) <= 20
        assert decode_hrm(data).rr_raw == c
    # A full packet uses the payload: one more value would not fit.
    full = encode_hrm(hr, [1000] * (size + 1), energy_kj=0 if energy else None)
    assert len(full) > 20


# --- stream behaviour ----------------------------------------------------------------------
def test_hr_format_bit_changing_between_packets_is_honoured():
    stream = [
        h("10 48 40 03"),  # uint8 72
        h("11 2C 01 40 03"),  # uint16 300
        h("11 48 00 40 03"),  # uint16 72 (allowed, uint8 is only a "should")
        h("10 48 40 03"),  # back to uint8
    ]
    got = [decode_hrm(p) for p in stream]
    assert [m.hr_bpm for m in got] == [72, 300, 72, 72]
    assert all(m.rr_raw == (832,) and m.ok for m in got)


def test_reserved_flag_bits_are_ignored():
    m = decode_hrm(h("F6 48 40 03 9A 03"))
    assert m == decode_hrm(h("16 48 40 03 9A 03"))
    assert m.ok


@pytest.mark.parametrize(
    ("flags", "contact"),
    [(0x00, None), (0x02, None), (0x04, False), (0x06, True)],
)
def test_contact_is_one_two_bit_field(flags, contact):
    # 0x02 sets bit 1 but not bit 2: contact "not supported", not "detected".
    m = decode_hrm(bytes([flags, 60]))
    assert m.contact is contact
    assert m.ok
    assert decode_hrm(bytes([flags | 0x11, 60, 0, 0, 4])).contact is contact


# --- malformed packets ---------------------------------------------------------------------
# (hex, hr_bpm, contact, energy_kj, rr_raw, words expected in the problem)
MALFORMED = [
    ("", None, None, None, (), "empty"),
    ("10", None, None, None, (), "too short"),
    ("06", None, True, None, (), "too short"),
    ("01 48", None, None, None, (), "uint16"),
    ("08 48 34", 72, None, None, (), "Energy Expended"),
    ("18 48", 72, None, None, (), "Energy Expended"),
    ("18 48 34", 72, None, None, (), "Energy Expended"),
    ("10 3C 00 04 00", 60, None, None, (1024,), "1 trailing byte"),
    ("10 3C 00 00 00 04", 60, None, None, (1024,), "RR value of 0"),
    ("10 3C 00 00 00 00", 60, None, None, (), "2 RR values of 0"),
    ("10 3C 00 00 00 04 00", 60, None, None, (1024,), "trailing byte"),
    ("00 00", 0, None, None, (), "heart rate 0"),
    ("10 00", 0, None, None, (), "heart rate 0"),
    ("10 3C", 60, None, None, (), "RR flag set but no RR values"),
    ("18 3C 10 00", 60, None, 16, (), "RR flag set but no RR values"),
    ("10 3C 00", 60, None, None, (), "1 byte"),
    ("00 3C 00 04", 60, None, None, (), "unexpected bytes after the heart-rate value"),
    ("08 3C 10 00 00", 60, None, 16, (), "unexpected byte after the Energy Expended"),
]


@pytest.mark.parametrize(("hexstr", "hr", "contact", "energy", "rr", "words"), MALFORMED)
def test_malformed_packets_are_flagged_and_give_no_wrong_beat(
    hexstr, hr, contact, energy, rr, words
):
    m = decode_hrm(h(hexstr))
    assert not m.ok
    assert words in m.problem
    assert (m.hr_bpm, m.contact, m.energy_kj, m.rr_raw) == (hr, contact, energy, rr)
    assert 0 not in m.rr_raw


def test_trailing_byte_keeps_exactly_the_complete_beat():
    m = decode_hrm(h("10 3C 00 04 00"))
    assert list(m.rr_ms) == [1000.0]
    assert m.problem is not None


def test_several_problems_make_one_sentence():
    m = decode_hrm(h("10 00 00 00 04"))
    assert m.rr_raw == ()
    assert m.problem == (
        "1 trailing byte after the RR values; 1 RR value of 0 dropped (not a beat); "
        "heart rate 0 with no RR values"
    )


def test_heart_rate_0_with_rr_values_is_accepted():
    # Only "HR 0 and nothing else" is reported; the RR values are beats.
    m = decode_hrm(h("10 00 00 04"))
    assert (m.hr_bpm, m.rr_raw, m.ok) == (0, (1024,), True)


def test_accepts_bytearray_and_memoryview():
    raw = h("16 48 40 03 9A 03")
    assert decode_hrm(bytearray(raw)) == decode_hrm(memoryview(raw)) == decode_hrm(raw)


# --- fuzz ----------------------------------------------------------------------------------
@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=40))
def test_decode_never_raises_and_well_formed_packets_re_encode(data):
    m = decode_hrm(data)
    assert isinstance(m, HeartRateMeasurement)
    assert 0 not in m.rr_raw
    # No wrong beat: the RR values are the naive parser's, minus zeros, or none at all.
    try:
        naive_rr = naive_parse(data)[3]
    except struct.error:
        naive_rr = None
    if naive_rr is None:
        assert m.rr_raw == ()
    else:
        assert m.rr_raw == tuple(r for r in naive_rr if r)
    if m.ok:
        flags = data[0]
        again = encode_hrm(m.hr_bpm, m.rr_raw, m.contact, m.energy_kj, hr_uint16=bool(flags & 0x01))
        # The encoder writes reserved bits 5-7 as 0, and writes "contact not supported" as
        # contact field 0, while a sender may also use 1 (flags 0x02): both mean the same.
        expected_flags = flags & 0x1F
        if not expected_flags & 0x04:
            expected_flags &= ~0x02
        assert again == bytes([expected_flags]) + data[1:]


# --- UUIDs ---------------------------------------------------------------------------------
def test_uuids():
    assert uuid16(0x2A37) == "00002a37-0000-1000-8000-00805f9b34fb"
    assert HEART_RATE_SERVICE_UUID == "0000180d-0000-1000-8000-00805f9b34fb"
    assert HEART_RATE_MEASUREMENT_UUID == "00002a37-0000-1000-8000-00805f9b34fb"
    assert BODY_SENSOR_LOCATION_UUID == "00002a38-0000-1000-8000-00805f9b34fb"
    assert BATTERY_SERVICE_UUID == "0000180f-0000-1000-8000-00805f9b34fb"
    assert BATTERY_LEVEL_UUID == "00002a19-0000-1000-8000-00805f9b34fb"
    for bad in (-1, 0x10000):
        with pytest.raises(ValueError):
            uuid16(bad)


# --- Body Sensor Location and Battery Level --------------------------------------------------
def test_body_sensor_location():
    names = ["other", "chest", "wrist", "finger", "hand", "ear lobe", "foot"]
    assert [decode_body_sensor_location(bytes([v])) for v in range(7)] == names
    assert BODY_LOCATIONS == dict(enumerate(names))
    assert decode_body_sensor_location(b"") is None
    for reserved in (7, 8, 128, 255):
        assert decode_body_sensor_location(bytes([reserved])) is None


def test_battery_level():
    assert decode_battery_level(b"\x00") == 0
    assert decode_battery_level(b"\x57") == 87
    assert decode_battery_level(b"\x64") == 100
    assert decode_battery_level(b"") is None
    for reserved in (101, 200, 255):
        assert decode_battery_level(bytes([reserved])) is None
