"""The Polar PMD accelerometer codec: commands, frames, timing (hrv-spec §2.6)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resonant.devices.pmd import (
    ACC,
    decode_acc_frame,
    acc_sample_times_s,
    acc_samples_mg,
    acc_settings_command,
    acc_start_command,
    acc_stop_command,
    encode_acc_frame,
    encode_ecg_frame,
    parse_settings,
)


def test_acc_commands_match_the_spec_bytes() -> None:
    assert acc_settings_command() == bytes([0x01, 0x02])
    assert acc_stop_command() == bytes([0x03, 0x02])
    assert acc_start_command() == bytes.fromhex("02 02 00 01 32 00 01 01 10 00 02 01 08 00")
    assert acc_start_command(25, 2) == bytes.fromhex("02 02 00 01 19 00 01 01 10 00 02 01 02 00")


@pytest.mark.parametrize(("rate", "rng"), [(30, 8), (50, 16), (0, 2)])
def test_acc_start_refuses_what_the_h10_does_not_offer(rate: int, rng: int) -> None:
    with pytest.raises(ValueError, match="H10"):
        acc_start_command(rate, rng)


def test_an_h10_acc_settings_answer_is_read() -> None:
    params = bytes.fromhex("00 04 19 00 32 00 64 00 c8 00 01 01 10 00 02 03 02 00 04 00 08 00")
    got = parse_settings(params)
    assert got.ok and got.get(0) == (25, 50, 100, 200) and got.get(2) == (2, 4, 8)


def test_spec_acc_frame_decodes() -> None:
    # type 2, timestamp 1000 ns, frame type 1, then (1, -2, 1000) and (-32768, 32767, 0).
    raw = bytes.fromhex("02 e8 03 00 00 00 00 00 00 01 01 00 fe ff e8 03 00 80 ff 7f 00 00")
    frame = decode_acc_frame(raw)
    assert frame.ok and frame.timestamp_ns == 1000 and frame.frame_type == 1
    assert frame.samples_mg == ((1, -2, 1000), (-32768, 32767, 0))
    assert encode_acc_frame(1000, [[1, -2, 1000], [-32768, 32767, 0]]) == raw


xyz = st.tuples(*[st.integers(-32768, 32767)] * 3)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**64 - 1), st.lists(xyz, min_size=1, max_size=40), st.sampled_from([1]))
def test_acc_frame_round_trip(timestamp: int, samples: list, frame_type: int) -> None:
    frame = decode_acc_frame(encode_acc_frame(timestamp, samples, frame_type))
    assert frame.ok and frame.timestamp_ns == timestamp
    assert frame.samples_mg == tuple(samples)


@pytest.mark.parametrize(("frame_type", "top"), [(0, 127), (2, 2**23 - 1)])
def test_other_uncompressed_frame_types_round_trip(frame_type: int, top: int) -> None:
    samples = [[top, -top - 1, 0], [-1, 1, top // 3]]
    frame = decode_acc_frame(encode_acc_frame(7, samples, frame_type))
    assert frame.ok and frame.samples_mg == tuple(map(tuple, samples))


@pytest.mark.parametrize(
    ("data", "word"),
    [
        (b"", "empty"),
        (bytes([ACC, 1, 2, 3]), "shorter than its header"),
        (bytes([ACC]) + bytes(8) + bytes([1]), "no samples"),
        (encode_ecg_frame(5, [1, 2, 3]), "not ACC"),
        (bytes([ACC | 0x80]) + bytes(8) + bytes([1]) + bytes(6), "offline"),
        (bytes([ACC]) + bytes(8) + bytes([0x81]) + bytes(6), "compressed"),
        (bytes([ACC]) + bytes(8) + bytes([9]) + bytes(6), "unknown"),
    ],
)
def test_bad_acc_frames_give_a_plain_problem_and_no_samples(data: bytes, word: str) -> None:
    frame = decode_acc_frame(data)
    assert not frame.ok and word in (frame.problem or "")
    assert frame.samples_mg == ()


def test_truncated_acc_frame_keeps_complete_samples_and_is_skipped_when_timing() -> None:
    whole = encode_acc_frame(10**9, [[1, 2, 3], [4, 5, 6]])
    frame = decode_acc_frame(whole[:-2])
    assert frame.problem is not None and "truncated" in frame.problem
    assert frame.samples_mg == ((1, 2, 3),)
    assert acc_samples_mg([frame]).shape == (0, 3)
    assert acc_sample_times_s([frame], 50.0).size == 0


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64))
def test_decode_acc_frame_never_raises(data: bytes) -> None:
    frame = decode_acc_frame(data)
    assert frame.ok or frame.problem


@pytest.mark.parametrize(
    ("timestamp", "samples", "frame_type"),
    [
        (-1, [[0, 0, 0]], 1),
        (0, [], 1),
        (0, [[0, 0]], 1),
        (0, [[40000, 0, 0]], 1),
        (0, [[0.5, 0, 0]], 1),
        (0, [[0, 0, 0]], 3),
    ],
)
def test_encode_refuses_what_an_acc_frame_cannot_hold(
    timestamp: int, samples: list, frame_type: int
) -> None:
    with pytest.raises(ValueError):
        encode_acc_frame(timestamp, samples, frame_type)


def test_acc_frames_are_timed_like_ecg_frames() -> None:
    period_ns = 20_000_000  # 50 Hz
    frames = [
        decode_acc_frame(encode_acc_frame((k + 1) * 10 * period_ns, np.zeros((10, 3), int)))
        for k in range(3)
    ]
    t = acc_sample_times_s(frames, 50.0)
    assert t.shape == (30,) and acc_samples_mg(frames).shape == (30, 3)
    assert np.allclose(t, (np.arange(30) + 1) * 0.02)
