import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resonant.devices import pmd
from resonant.devices.hrm import decode_hrm
from resonant.devices.pmd import (
    ACC,
    ECG,
    PMD_CONTROL_POINT_UUID,
    PMD_DATA_UUID,
    PMD_SERVICE_UUID,
    RESOLUTION,
    SAMPLE_RATE,
    SENSOR_EPOCH_UNIX_NS,
    STATUS_TEXTS,
    EcgFrame,
    decode_ecg_frame,
    ecg_sample_times_s,
    ecg_samples_uv,
    ecg_settings_command,
    ecg_start_command,
    ecg_stop_command,
    encode_ecg_frame,
    parse_control_response,
    parse_features,
    parse_settings,
    start_command,
)
from resonant.signal.rpeaks import detect_r_peaks, r_peak_times_s

FIXTURE = Path(__file__).resolve().parents[2] / "devices" / "polar-h10"
FS = 130.0
SAMPLE_S = 1.0 / FS  # 7.7 ms


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# --- hrv-spec §2.1-2.2: UUIDs and commands, byte for byte --------------------------------


def test_uuids_are_the_spec_ones_in_lower_case():
    assert PMD_SERVICE_UUID == "FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8".lower()
    assert PMD_CONTROL_POINT_UUID == "FB005C81-02E7-F387-1CAD-8ACD2D8DF0C8".lower()
    assert PMD_DATA_UUID == "FB005C82-02E7-F387-1CAD-8ACD2D8DF0C8".lower()


def test_ecg_commands_match_the_spec_bytes():
    assert ecg_start_command() == h("02 00 00 01 82 00 01 01 0E 00")
    assert ecg_stop_command() == h("03 00")
    assert ecg_settings_command() == h("01 00")


def test_start_command_follows_the_setting_rule_for_acc():
    # hrv-spec §2.2, the constructed ACC start at 200 Hz, 16 bit, range 2 G
    acc = start_command(ACC, {SAMPLE_RATE: 200, RESOLUTION: 16, pmd.RANGE: 2})
    assert acc == h("02 02 00 01 C8 00 01 01 10 00 02 01 02 00")
    assert start_command(ECG, {pmd.RANGE_MILLIUNIT: 0x01020304, pmd.CHANNELS: 3}) == h(
        "02 00 03 01 04 03 02 01 04 01 03"
    )
    assert pmd.settings_command(ACC) == h("01 02")
    assert pmd.stop_command(ACC) == h("03 02")


@pytest.mark.parametrize(
    "settings_",
    [{pmd.FACTOR: 1}, {42: 1}, {SAMPLE_RATE: 70000}, {SAMPLE_RATE: -1}, {pmd.CHANNELS: 256}],
)
def test_start_command_refuses_what_cannot_be_sent(settings_):
    with pytest.raises(ValueError):
        start_command(ECG, settings_)


def test_command_measurement_type_must_be_a_byte():
    with pytest.raises(ValueError):
        pmd.settings_command(256)
    with pytest.raises(TypeError):
        pmd.stop_command(1.5)  # type: ignore[arg-type]


# --- hrv-spec §2.3: control-point responses ----------------------------------------------


def test_successful_ecg_start_response():
    r = parse_control_response(h("F0 02 00 00 00"))
    assert (r.opcode, r.measurement_type, r.status) == (0x02, ECG, 0)
    assert r.status_text == "success"
    assert r.more is False and r.parameters == b""
    assert r.ok and r.success and r.problem is None


@pytest.mark.parametrize("status", range(1, 15))
def test_error_statuses_are_decoded_with_plain_text(status):
    r = parse_control_response(bytes([0xF0, 0x02, 0x00, status, 0x00]))
    assert r.ok and not r.success
    assert r.status == status
    assert r.status_text == STATUS_TEXTS[status]
    assert r.status_text and r.status_text != "success"


def test_status_text_examples():
    assert "sample rate" in parse_control_response(h("F0 02 00 08 00")).status_text
    assert "already" in parse_control_response(h("F0 02 00 06 00")).status_text
    assert "charger" in parse_control_response(h("F0 02 00 0D 00")).status_text
    unknown = parse_control_response(h("F0 02 00 63 00"))
    assert unknown.ok and not unknown.success and unknown.status_text == "unknown status code 99"


def test_four_byte_response_has_no_more_flag_and_is_well_formed():
    r = parse_control_response(h("F0 02 00 05"))
    assert r.ok and r.status == 5 and r.more is False and r.parameters == b""


def test_settings_response_with_parameters_and_more_flag():
    r = parse_control_response(h("F0 01 00 00 01 00 01 82 00 01 01 0E 00"))
    assert r.success and r.more is True
    assert r.parameters == h("00 01 82 00 01 01 0E 00")
    s = parse_settings(r.parameters)
    assert s.ok
    assert s.get(SAMPLE_RATE) == (130,)
    assert s.get(RESOLUTION) == (14,)
    assert s.get(pmd.RANGE) == ()


def test_settings_with_several_offered_values_and_wide_fields():
    s = parse_settings(h("00 02 19 00 32 00 05 01 01 00 00 00 03 01 10 27 00 00 04 01 03"))
    assert s.ok
    assert s.values == ((0, (25, 50)), (5, (1,)), (3, (10000,)), (4, (3,)))


@pytest.mark.parametrize(
    ("params", "kept", "word"),
    [
        ("00 01 82", (), "cut short"),
        ("00 01 82 00 01", ((0, (130,)),), "no value count"),
        ("00 01 82 00 09 01 02", ((0, (130,)),), "unknown setting type 9"),
    ],
)
def test_malformed_settings_keep_what_was_read(params, kept, word):
    s = parse_settings(h(params))
    assert not s.ok and word in s.problem
    assert s.values == kept


@pytest.mark.parametrize(
    ("data", "word"),
    [
        ("", "empty"),
        ("0F 05 00", "feature list"),
        ("01 02 00 00", "not the response code"),
        ("F0", "op-code, measurement type, status missing"),
        ("F0 02", "measurement type, status missing"),
        ("F0 02 00", "status missing"),
    ],
)
def test_malformed_responses_never_raise(data, word):
    r = parse_control_response(h(data))
    assert not r.ok and not r.success
    assert word in r.problem
    assert r.status is None


def test_offline_bit_is_masked_from_the_measurement_type():
    assert parse_control_response(h("F0 02 80 00 00")).measurement_type == ECG


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40))
def test_parse_control_response_never_raises_on_arbitrary_bytes(data):
    r = parse_control_response(data)
    assert isinstance(r.status_text, str) and r.status_text
    if r.problem is None:
        assert len(data) >= 4 and data[0] == 0xF0
        assert r.status == data[3]
        assert r.parameters == data[5:]
    else:
        assert isinstance(r.problem, str) and r.problem
    s = parse_settings(data)
    assert s.problem is None or isinstance(s.problem, str)
    f = parse_features(data)
    assert f.problem is None or isinstance(f.problem, str)


def test_features_of_an_h10():
    f = parse_features(h("0F 05 00"))
    assert f.problem is None
    assert f.types == (ECG, ACC) and f.names == ("ECG", "ACC")
    assert parse_features(h("0F FF")).names == (
        "ECG", "PPG", "ACC", "PPI", "GYRO", "MAG", "SKIN_TEMP",
    )  # fmt: skip
    assert parse_features(b"").problem and parse_features(h("0F")).problem
    assert "0xF0" in parse_features(h("F0 05")).problem


# --- hrv-spec §2.4: ECG data frames ------------------------------------------------------

SPEC_FRAME = h("00 00 E4 0B 54 02 00 00 00 00 01 00 00 FF FF FF 00 00 80 E8 03 00")
SPEC_SAMPLES = (1, -1, -8_388_608, 1000)


def test_spec_ecg_test_frame_decodes():
    f = decode_ecg_frame(SPEC_FRAME)
    assert f.ok and f.problem is None
    assert f.timestamp_ns == 10_000_000_000
    assert f.samples_uv == SPEC_SAMPLES
    assert f.measurement_type == ECG and f.frame_type == 0
    assert f.samples_array.dtype == np.int32
    assert f.samples_array.tolist() == list(SPEC_SAMPLES)


def test_spec_ecg_test_frame_encodes():
    assert encode_ecg_frame(10_000_000_000, SPEC_SAMPLES) == SPEC_FRAME
    assert encode_ecg_frame(10_000_000_000, np.array(SPEC_SAMPLES, dtype=np.int32)) == SPEC_FRAME


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 2**64 - 1),
    st.lists(st.integers(-(2**23), 2**23 - 1), min_size=1, max_size=80),
)
def test_ecg_frame_round_trip(timestamp, samples):
    data = encode_ecg_frame(timestamp, samples)
    assert len(data) == 10 + 3 * len(samples)
    f = decode_ecg_frame(data)
    assert f == EcgFrame(timestamp, tuple(samples))
    assert encode_ecg_frame(f.timestamp_ns, f.samples_uv) == data


@pytest.mark.parametrize("cut", [1, 2])
def test_truncated_frame_keeps_only_complete_samples(cut):
    f = decode_ecg_frame(SPEC_FRAME[:-cut])
    assert f.samples_uv == SPEC_SAMPLES[:3]
    assert f.timestamp_ns == 10_000_000_000
    assert not f.ok and "truncated" in f.problem
    assert f"{3 - cut} trailing" in f.problem


@pytest.mark.parametrize(
    ("data", "word", "timestamp"),
    [
        (b"", "empty", None),
        (SPEC_FRAME[:5], "shorter than its header", None),
        (SPEC_FRAME[:9], "shorter than its header", 10_000_000_000),
        (SPEC_FRAME[:10], "no samples", 10_000_000_000),
        (b"\x02" + SPEC_FRAME[1:], "ACC is not ECG", 10_000_000_000),
        (b"\x80" + SPEC_FRAME[1:], "offline", 10_000_000_000),
        (SPEC_FRAME[:9] + b"\x80" + SPEC_FRAME[10:], "compressed", 10_000_000_000),
        (SPEC_FRAME[:9] + b"\x01" + SPEC_FRAME[10:], "frame type 1", 10_000_000_000),
    ],
)
def test_unusable_frames_give_a_problem_and_no_samples(data, word, timestamp):
    f = decode_ecg_frame(data)
    assert not f.ok and word in f.problem
    assert f.samples_uv == ()
    assert f.timestamp_ns == timestamp


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120))
def test_decode_ecg_frame_never_raises_on_arbitrary_bytes(data):
    f = decode_ecg_frame(data)
    assert f.problem is None or (isinstance(f.problem, str) and f.problem)
    assert all(-(2**23) <= s < 2**23 for s in f.samples_uv)
    if f.ok:
        assert (len(data) - 10) % 3 == 0 and len(f.samples_uv) == (len(data) - 10) // 3
        assert encode_ecg_frame(f.timestamp_ns, f.samples_uv) == data


@pytest.mark.parametrize(
    ("timestamp", "samples"),
    [
        (-1, [0]),
        (2**64, [0]),
        (0, []),
        (0, [2**23]),
        (0, [-(2**23) - 1]),
        (0, [1.5]),
        (0, [2**70]),
        (0, [[1, 2]]),
    ],
)
def test_encode_refuses_what_an_ecg_frame_cannot_hold(timestamp, samples):
    with pytest.raises(ValueError):
        encode_ecg_frame(timestamp, samples)


# --- hrv-spec §2.5: per-sample times -----------------------------------------------------

DELTA_NS = 1e9 / 130.0


def test_first_frame_is_timed_back_from_its_last_sample_at_the_nominal_rate():
    t = ecg_sample_times_s([decode_ecg_frame(SPEC_FRAME)])
    # the spec's worked example: 10 s - 3δ, - 2δ, - δ, and 10 s, δ = 7 692 307.7 ns
    expected = np.array([10e9 - 3 * DELTA_NS, 10e9 - 2 * DELTA_NS, 10e9 - DELTA_NS, 10e9]) / 1e9
    np.testing.assert_allclose(t, expected, rtol=0, atol=1e-12)
    assert t[-1] == 10.0


def test_later_frames_share_the_time_since_the_previous_frame():
    # a sensor clock 1 % slow against the nominal rate: frames 4 x 7.8 ms apart
    a = EcgFrame(10_000_000_000, (1, 2, 3, 4))
    b = EcgFrame(10_000_000_000 + 4 * 7_800_000, (5, 6, 7, 8))
    c = EcgFrame(10_000_000_000 + 4 * 7_800_000 + 2 * 7_600_000, (9, 10))
    t = ecg_sample_times_s([a, b, c], origin_ns=10_000_000_000)
    np.testing.assert_allclose(
        t * 1e3,
        [-3 * DELTA_NS / 1e6, -2 * DELTA_NS / 1e6, -DELTA_NS / 1e6, 0.0,
         7.8, 15.6, 23.4, 31.2, 38.8, 46.4],
        rtol=0, atol=1e-9,
    )  # fmt: skip
    assert t[3] == 0.0 and t[7] == pytest.approx(0.0312, abs=1e-15)  # last sample = timestamp
    assert ecg_samples_uv([a, b, c]).tolist() == list(range(1, 11))


def test_a_lost_frame_restarts_timing_at_the_nominal_rate():
    a = EcgFrame(0, (0,) * 73)
    lost_gap = 3 * 73 * 7_692_308  # two frames lost
    b = EcgFrame(lost_gap, (0,) * 73)
    t = ecg_sample_times_s([a, b])
    np.testing.assert_allclose(np.diff(t[73:]), DELTA_NS / 1e9, rtol=1e-12)
    assert t[-1] == lost_gap / 1e9
    # a backward timestamp and a frame with a problem are breaks too
    back = EcgFrame(1_000_000, (0, 0))
    bad = decode_ecg_frame(SPEC_FRAME[:-1])
    c = EcgFrame(2_000_000_000, (7, 8))
    t = ecg_sample_times_s([a, back, bad, c])
    assert t.size == ecg_samples_uv([a, back, bad, c]).size == 73 + 2 + 2
    np.testing.assert_allclose(np.diff(t[-2:]), DELTA_NS / 1e9, rtol=1e-12)
    assert ecg_samples_uv([a, back, bad, c])[-2:].tolist() == [7, 8]


def test_no_usable_frames_give_empty_arrays():
    bad = decode_ecg_frame(b"\x00")
    assert ecg_sample_times_s([]).shape == (0,) and ecg_sample_times_s([bad]).shape == (0,)
    assert ecg_samples_uv([bad]).dtype == np.int32 and ecg_samples_uv([bad]).size == 0


@pytest.mark.parametrize("fs", [0.0, -130.0, float("nan"), float("inf")])
def test_sample_rate_must_be_positive(fs):
    with pytest.raises(ValueError):
        ecg_sample_times_s([decode_ecg_frame(SPEC_FRAME)], fs)


def test_sensor_epoch_is_2000_01_01_utc():
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    assert SENSOR_EPOCH_UNIX_NS == round(epoch.timestamp()) * 1_000_000_000


# --- the synthetic H10 fixture: ECG R-peaks against the strap's RR -----------------------


def _hex_lines(name: str) -> list[bytes]:
    text = (FIXTURE / name).read_text(encoding="utf-8")
    return [bytes.fromhex(line) for line in text.splitlines() if line and line[0] != "#"]


@pytest.fixture(scope="module")
def fixture_ecg():
    header = (FIXTURE / "ecg-frames.hex").read_text(encoding="utf-8").splitlines()[:12]
    assert any("SYNTHETIC, NOT CAPTURED" in line for line in header)
    frames = [decode_ecg_frame(b) for b in _hex_lines("ecg-frames.hex")]
    assert frames and all(f.ok for f in frames)
    ecg = ecg_samples_uv(frames)
    times = ecg_sample_times_s(frames, FS, origin_ns=frames[0].timestamp_ns)
    peaks = detect_r_peaks(ecg, FS)
    # sub-sample R-peak times, mapped onto the sensor sample times
    peak_s = np.interp(r_peak_times_s(ecg, FS, peaks) * FS, np.arange(ecg.size), times)
    return frames, ecg, times, peaks, peak_s


@pytest.fixture(scope="module")
def strap_rr_s():
    packets = [decode_hrm(b) for b in _hex_lines("hrm-notifications.hex")]
    assert all(p.ok for p in packets)
    assert all(p.contact is None for p in packets)  # an H10 sets no contact bits
    return np.array([r for p in packets for r in p.rr_raw]) / 1024.0


def test_fixture_frames_are_h10_sized_and_stamped_with_their_last_sample(fixture_ecg):
    frames, ecg, times, _, _ = fixture_ecg
    assert {len(f.samples_uv) for f in frames} == {73}
    stamps = np.array([f.timestamp_ns for f in frames])
    assert np.all(np.abs(np.diff(stamps) - 73 * DELTA_NS) <= 1.0)
    # samples are evenly spaced and each frame's last sample sits on its timestamp
    assert np.all(np.abs(np.diff(times) - 1.0 / FS) < 1e-9)
    last = times[72::73]
    np.testing.assert_allclose(last, (stamps - stamps[0]) / 1e9, rtol=0, atol=1e-12)
    assert 1000 < np.percentile(ecg, 99.9) < 2000  # R-peaks of about 1-1.5 mV


def match_strap_to_ecg(peak_s: np.ndarray, rr_s: np.ndarray):
    """Align the strap's beats to the ECG by the RR sequence; the residuals and counts.

    The strap's beats are the cumulative sums of its RR (beat 0 precedes the first RR).
    The lag that best matches the ECG's RR sequence fixes which R-peak is beat 0; the
    constant offset between the two clocks is the median difference.
    """
    ecg_rr = np.diff(peak_s)
    n = rr_s.size
    costs = [np.mean(np.abs(ecg_rr[k : k + n] - rr_s)) for k in range(ecg_rr.size - n + 1)]
    lag = int(np.argmin(costs))
    strap_t = np.concatenate(([0.0], np.cumsum(rr_s)))
    offset = float(np.median(peak_s[lag : lag + n + 1] - strap_t))
    strap_t = strap_t + offset
    nearest = np.abs(peak_s[:, None] - strap_t[None, :])
    err = peak_s[np.argmin(nearest, axis=0)] - strap_t
    matched = np.abs(err) <= 1.0 / FS
    span = (peak_s > strap_t[0] - 0.2) & (peak_s < strap_t[-1] + 0.2)
    extra = int(span.sum()) - int(matched.sum())
    return err, int(matched.sum()), int((~matched).sum()), extra


def test_ecg_r_peaks_match_every_strap_beat_within_one_sample(fixture_ecg, strap_rr_s):
    _, _, _, _, peak_s = fixture_ecg
    err, matched, missed, extra = match_strap_to_ecg(peak_s, strap_rr_s)
    assert matched == strap_rr_s.size + 1
    assert missed == 0 and extra == 0
    assert np.max(np.abs(err)) <= SAMPLE_S
    assert np.median(np.abs(err)) < 1e-3  # sub-sample times: well under a sample


def test_ecg_rr_agrees_with_strap_rr(fixture_ecg, strap_rr_s):
    _, _, _, _, peak_s = fixture_ecg
    err, *_ = match_strap_to_ecg(peak_s, strap_rr_s)
    # ECG RR - strap RR is the difference of successive timing errors (matched beats)
    assert np.max(np.abs(np.diff(err))) * 1e3 < 3.0


def test_ecg_r_peaks_against_the_ground_truth(fixture_ecg):
    _, _, times, peaks, peak_s = fixture_ecg
    truth = np.loadtxt(FIXTURE / "true-beats.tsv", skiprows=5, usecols=0)  # s after sample 0
    assert peaks.size == truth.size
    np.testing.assert_allclose(peak_s - times[0], truth, rtol=0, atol=2e-3)
    np.testing.assert_allclose(peaks / FS, truth, rtol=0, atol=SAMPLE_S)


@pytest.mark.oracle
def test_agrees_with_neurokit2_on_the_fixture(fixture_ecg):
    import neurokit2 as nk

    _, ecg, _, peaks, _ = fixture_ecg
    cleaned = nk.ecg_clean(ecg.astype(float), sampling_rate=int(FS))
    _, info = nk.ecg_peaks(cleaned, sampling_rate=int(FS))
    theirs = np.asarray(info["ECG_R_Peaks"], dtype=int)
    distance = np.min(np.abs(theirs[None, :] - peaks[:, None]), axis=1)
    agree = int(np.sum(distance <= 1))
    assert agree / max(peaks.size, theirs.size) >= 0.98
