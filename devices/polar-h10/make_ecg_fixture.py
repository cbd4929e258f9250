"""Make the synthetic Polar H10 fixture: ECG data frames and the strap's RR for the same beats.

We have no real H10 capture, so this script builds one from resonant's own simulated
person, with known truth, and labels every file it writes as synthetic:

1. ``Person(PersonSpec(seed=SEED, ectopic_rate=ECTOPIC_RATE))`` is run for the record's
   length; its ``TrueBeat`` times are the exact R-peak times, and its breathing curve
   (``Person.volume``, sampled every 0.1 s) drives the baseline wander and a small
   respiratory modulation of the QRS amplitude.
2. A 130 Hz single-lead ECG is the sum, at every true R-peak, of a PQRST template made
   of Gaussians (amplitudes in µV, R about 1250 µV; the T wave's delay and width
   scale with the square root of the RR interval), plus baseline wander (breathing and
   a slow drift) and white noise, rounded to whole µV. Premature beats keep the
   normal QRS shape (supraventricular), which is all the RR comparison needs.
3. The ECG is cut into PMD ECG frames of 73 samples (229 bytes: 10-byte header + 73 x 3,
   the payload of an ATT_MTU of 232; hrv-spec §2.4) encoded with
   :func:`resonant.devices.pmd.encode_ecg_frame`. Each frame's timestamp is the sensor
   time of its LAST sample (hrv-spec §2.4-2.5), in ns since 2000-01-01 on a sensor
   clock that reads 2019-01-01 plus a few minutes (an H10 whose clock was never set;
   hrv-spec §2.5), with samples exactly 1e9/130 ns apart (rounded to whole ns).
4. The strap's RR values are the differences of the true R-peak times counted in a
   1024 Hz tick (so each RR is within 1/1024 s of the truth and the quantisation
   does not accumulate), sent about once a second from ``HRM_START_S`` to
   ``HRM_END_S`` as Heart Rate Measurement (0x2A37) notifications built with
   :func:`resonant.devices.hrm.encode_hrm`: the beats completed since the previous
   notification, HR = 60000 / mean of the last 4 RR (whole bpm), no contact bits (the
   H10 sets none; hrv-spec §1.3 rule 10), at most 9 RR values each.

Output, next to this script: ``ecg-frames.hex`` and ``hrm-notifications.hex`` (one
hex-encoded packet per line after a ``#`` header) and ``true-beats.tsv`` (the ground
truth). Run from the repository root with the project's venv::

    .venv/bin/python devices/polar-h10/make_ecg_fixture.py

The output is deterministic for a given seed (and numpy version).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path

import numpy as np

from resonant.devices.hrm import decode_hrm, encode_hrm, split_rr
from resonant.devices.physiology import DT_S, Person, PersonSpec
from resonant.devices.pmd import H10_ECG_SAMPLE_RATE_HZ, encode_ecg_frame

SEED = 20240611
ECTOPIC_RATE = 0.01
DURATION_S = 120.0
FS_HZ = H10_ECG_SAMPLE_RATE_HZ
SAMPLES_PER_FRAME = 73
#: The strap's notifications cover beats from here to there (the ECG covers 0-120 s), so
#: the RR series sits inside the ECG record and must be aligned to it by its intervals.
HRM_START_S = 3.3
HRM_END_S = 117.3
NOTIFY_S = 1.0
#: Sensor clock at the first sample: an H10 whose clock was never set restarts at
#: 2019-01-01T00:00:00 (hrv-spec §2.5); here it has been running 12 min 34.5 s.
SENSOR_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
SENSOR_START = dt.datetime(2019, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=12, seconds=34.5)

#: PQRST template: (wave, amplitude µV, delay after the R-peak s, width s, scales with RR).
WAVES = (
    ("P", 120.0, -0.165, 0.022, False),
    ("Q", -110.0, -0.028, 0.009, False),
    ("R", 1250.0, 0.000, 0.011, False),
    ("S", -320.0, 0.030, 0.011, False),
    ("T", 300.0, 0.270, 0.050, True),
)
BREATH_WANDER_UV = 120.0
DRIFT_UV = 90.0
NOISE_UV = 15.0
QRS_BREATH_MOD = 0.08

HERE = Path(__file__).resolve().parent


def _sensor_ns(moment: dt.datetime) -> int:
    delta = moment - SENSOR_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def simulate(seed: int = SEED) -> tuple[list[float], list[bool], np.ndarray, np.ndarray]:
    """Run the person: R-peak times (s), ectopic flags, and the breathing curve (t, volume)."""
    person = Person(PersonSpec(seed=seed, ectopic_rate=ECTOPIC_RATE))
    times: list[float] = []
    ectopic: list[bool] = []
    t_breath, vol = [], []
    steps = round((DURATION_S + 1.0) / DT_S)
    for k in range(1, steps + 1):
        for b in person.advance(k * DT_S):
            times.append(b.time_s)
            ectopic.append(b.ectopic)
        t_breath.append(k * DT_S)
        vol.append(person.volume)
    return times, ectopic, np.asarray(t_breath), np.asarray(vol)


def synthesise_ecg(
    r_times_s: list[float], t_breath: np.ndarray, volume: np.ndarray, n: int, seed: int = SEED
) -> np.ndarray:
    """The ECG in whole µV at n samples of 1/FS_HZ s, from the true R-peak times."""
    rng = np.random.default_rng([seed, 0xEC6])
    t = np.arange(n) / FS_HZ
    ecg = np.zeros(n)
    breath = np.interp(r_times_s, t_breath, volume)  # 0-1 at each beat
    for k, tr in enumerate(r_times_s):
        rr_s = r_times_s[k] - r_times_s[k - 1] if k else 60.0 / 70.0
        lo = np.searchsorted(t, tr - 0.4)
        hi = np.searchsorted(t, tr + 0.7)
        u = t[lo:hi] - tr
        for name, amp, delay, width, scales in WAVES:
            s = math.sqrt(rr_s) if scales else 1.0
            a = amp * (1.0 + QRS_BREATH_MOD * (2.0 * breath[k] - 1.0)) if name == "R" else amp
            ecg[lo:hi] += a * np.exp(-0.5 * ((u - delay * s) / (width * s)) ** 2)
    wander = BREATH_WANDER_UV * (2.0 * np.interp(t, t_breath, volume) - 1.0)
    f_drift = 0.021 + 0.01 * rng.uniform()
    drift = DRIFT_UV * np.sin(2.0 * np.pi * f_drift * t + rng.uniform(0.0, 2.0 * np.pi))
    noise = NOISE_UV * rng.standard_normal(n)
    return np.rint(ecg + wander + drift + noise).astype(np.int32)


def ecg_frames(ecg_uv: np.ndarray) -> list[bytes]:
    """Cut the ECG into 73-sample PMD frames stamped with the sensor time of their last sample."""
    t0 = _sensor_ns(SENSOR_START)
    frames = []
    for start in range(0, ecg_uv.size, SAMPLES_PER_FRAME):
        last = start + SAMPLES_PER_FRAME - 1
        ts = t0 + round(last * 1_000_000_000 / FS_HZ)
        frames.append(encode_ecg_frame(ts, ecg_uv[start : last + 1]))
    return frames


def hrm_notifications(r_times_s: list[float], seed: int = SEED) -> list[bytes]:
    """The strap's notifications for the beats between HRM_START_S and HRM_END_S."""
    rng = np.random.default_rng([seed, 0x2A37])
    origin = int(rng.integers(0, 1 << 20))  # the strap's tick counter started long ago
    ticks = [origin + round(tr * 1024) for tr in r_times_s]
    packets = []
    recent: list[int] = []
    t_prev = HRM_START_S - NOTIFY_S
    t_send = HRM_START_S
    k = 1  # beat 0 has no predecessor, so no RR
    while t_send <= HRM_END_S + 1e-9:
        while k < len(r_times_s) and r_times_s[k] <= t_prev:
            k += 1
        pending = []
        while k < len(r_times_s) and r_times_s[k] <= t_send:
            pending.append(ticks[k] - ticks[k - 1])
            k += 1
        recent = [*recent, *pending][-4:]
        hr = round(60.0 * 1024 / float(np.mean(recent))) if recent else 0
        chunks = split_rr(pending) or [()]
        for chunk in chunks:
            packets.append(encode_hrm(hr, chunk, contact=None))
        t_prev, t_send = t_send, t_send + NOTIFY_S
    return packets


def _write_hex(path: Path, header: list[str], packets: list[bytes]) -> None:
    lines = [f"# {h}" if h else "#" for h in header] + [p.hex() for p in packets]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(out_dir: Path = HERE, seed: int = SEED) -> None:
    """Write the fixture files into ``out_dir``."""
    times, ectopic, t_breath, volume = simulate(seed)
    n_frames = math.ceil(DURATION_S * FS_HZ / SAMPLES_PER_FRAME)
    n = n_frames * SAMPLES_PER_FRAME
    in_record = [(tr, e) for tr, e in zip(times, ectopic, strict=True) if tr < n / FS_HZ]
    ecg = synthesise_ecg(times, t_breath, volume, n, seed)
    frames = ecg_frames(ecg)
    packets = hrm_notifications([tr for tr, _ in in_record], seed)
    n_rr = sum(len(decode_hrm(p).rr_raw) for p in packets)
    common = [
        "SYNTHETIC, NOT CAPTURED FROM A DEVICE. No real Polar H10 was involved.",
        f"Made by devices/polar-h10/make_ecg_fixture.py, seed {seed}: resonant's simulated",
        f"person (PersonSpec(seed={seed}, ectopic_rate={ECTOPIC_RATE})) for {n / FS_HZ:.2f} s;",
        "the ECG is a Gaussian PQRST template at each true R-peak plus baseline wander and",
        "noise; the strap's RR are the same beats' intervals in 1/1024 s. See README.md.",
    ]
    _write_hex(
        out_dir / "ecg-frames.hex",
        [
            "Polar H10 PMD ECG data frames (notifications on PMD Data fb005c82-...),",
            "one hex-encoded frame per line, oldest first (hrv-spec §2.4): type 00 (ECG),",
            "uint64 LE timestamp = sensor ns since 2000-01-01 of the LAST sample, frame type",
            f"00, then {SAMPLES_PER_FRAME} x int24 LE samples in µV at {FS_HZ} Hz.",
            f"{len(frames)} frames, {n} samples; sensor clock starts at"
            f" {SENSOR_START:%Y-%m-%dT%H:%M:%S.%f}Z (H10 clock never set).",
            *common,
        ],
        frames,
    )
    _write_hex(
        out_dir / "hrm-notifications.hex",
        [
            "Heart Rate Measurement (0x2A37) notifications of the same strap for the same",
            "beats, one hex-encoded packet per line, in order (hrv-spec §1.2); about one",
            f"a second, sent from {HRM_START_S:g} s to {HRM_END_S:g} s after the first ECG sample.",
            "Packets carry no time: align them to the ECG by their RR sequence.",
            f"{len(packets)} notifications, {n_rr} RR values; contact bits not set (H10).",
            *common,
        ],
        packets,
    )
    truth = [
        f"# SYNTHETIC ground truth of ecg-frames.hex and hrm-notifications.hex (seed {seed}).",
        "# time_s: true R-peak time, s after the first ECG sample; rr_ms: exact interval",
        "# since the previous R-peak (empty for the first); ectopic: 1 for a premature beat",
        "# or the pause after it.",
        "time_s\trr_ms\tectopic",
    ]
    prev = None
    for tr, e in in_record:
        rr = "" if prev is None else f"{(tr - prev) * 1000.0:.4f}"
        truth.append(f"{tr:.6f}\t{rr}\t{int(e)}")
        prev = tr
    (out_dir / "true-beats.tsv").write_text("\n".join(truth) + "\n", encoding="utf-8")
    print(
        f"{len(frames)} ECG frames ({n} samples), {len(packets)} HRM notifications "
        f"({n_rr} RR), {len(in_record)} true beats ({sum(e for _, e in in_record)} ectopic)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    main(args.out, args.seed)
