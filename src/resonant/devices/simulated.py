"""The simulated strap: a simulated person wearing a Heart Rate Service chest strap.

The person (:mod:`resonant.devices.physiology`, or :mod:`resonant.devices.baroreflex` as
``PersonSpec.model`` says) makes heartbeats; the strap does what a real one does with
them: about once a second it sends a Heart Rate Measurement notification (0x2A37 bytes,
RR in 1/1024 s) carrying the beats completed since the last one, and it sometimes gets
things wrong. The bytes then go through the same decoder as
a Bluetooth strap's (:class:`~resonant.devices.notifications.BeatDecoder`).

Strap faults, each at a set rate: a missed R-peak (two intervals reported as one), an
extra detection (one interval reported as two), loss of skin contact (contact bit clear,
no RR values, the beats lost), and a dropped link (no notifications for a while, then a
reconnection; the beats in between are lost, as HRS 1.0 §3.4 says they are).

With a :class:`~resonant.devices.chest.ChestSpec` the strap is an H10 with its
accelerometer on: once per notification it also sends a Polar PMD ACC frame
(hrv-spec §2.6) of the chest's samples since the last one, stamped on the strap's own
clock, which goes through the same timing as a Bluetooth strap's
(:class:`~resonant.devices.pmd.AccTimer`). The samples made while the link is down
are lost with it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass

import numpy as np

from resonant.model.beats import AccSamples, Event, Gap
from resonant.model.clock import Clock
from resonant.devices.chest import Chest, ChestSpec
from resonant.devices.hrm import encode_hrm, rr_raw_from_ms, split_rr
from resonant.devices.notifications import BeatDecoder
from resonant.devices.people import make_person
from resonant.devices.physiology import DT_S, PersonSpec, TrueBeat
from resonant.devices.pmd import AccTimer, encode_acc_frame
from resonant.model.source import SourceInfo, SourceItem
from resonant.model.pacer import PacerSchedule

__all__ = ["StrapSpec", "SimulatedStrap", "Packet"]


@dataclass(frozen=True, slots=True)
class StrapSpec:
    """How the simulated strap behaves.

    Attributes
    ----------
    label : str
        Source label.
    artifact_rate : float
        Share of beats affected by an artifact, 0-0.2, split equally between ectopic
        beats (the person's), missed beats and extra beats (the strap's).
    contact_losses_per_h : float
        Mean number of contact losses per hour (each 3-15 s).
    disconnects_per_h : float
        Mean number of dropped links per hour (each 5-30 s).
    notify_s : float
        Interval between notifications, s.
    reports_contact : bool
        Whether the strap reports skin contact (a Polar H10 does not; an H7 does).
    seed : int
        Seed of the strap's random faults (the person has their own).
    clock_drift_ppm : float
        How fast the strap's clock runs against the host's, parts per million (-500 to
        500): a positive drift makes every RR value that much longer than the heart's.
    arrival_jitter_s : float
        Extra delay of each notification, uniform from 0 to this, s (0-0.5; host
        scheduling, radio retries), on top of the connection-event latency (10-40 ms).
    """

    label: str = "sim"
    artifact_rate: float = 0.0
    contact_losses_per_h: float = 0.0
    disconnects_per_h: float = 0.0
    notify_s: float = 1.0
    reports_contact: bool = True
    seed: int = 0
    clock_drift_ppm: float = 0.0
    arrival_jitter_s: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.artifact_rate <= 0.2:
            raise ValueError(f"artifact rate {self.artifact_rate:g} is outside 0-0.2")
        if not -500.0 <= self.clock_drift_ppm <= 500.0:
            raise ValueError(f"clock drift {self.clock_drift_ppm:g} ppm is outside -500 to 500")
        if not 0.0 <= self.arrival_jitter_s <= 0.5:
            raise ValueError(f"arrival jitter {self.arrival_jitter_s:g} s is outside 0-0.5")
        for name in ("contact_losses_per_h", "disconnects_per_h"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name.replace('_', ' ')} cannot be negative")


@dataclass(frozen=True, slots=True)
class Packet:
    """One notification as it arrives at the host, or a change of the link."""

    arrival_s: float
    data: bytes | None = None  # None for a link event
    link: str | None = None  # "disconnected" or "reconnected"
    pmd: bytes | None = None  # a Polar PMD data frame (accelerometer)


class SimulatedStrap:
    """A simulated person and strap, as a source of beats.

    Parameters
    ----------
    person : PersonSpec
        The simulated person (resonance rate, state, adherence, seed).
    strap : StrapSpec
        The strap's label, faults and notification interval.
    pacer : PacerSchedule or None
        The pacer the person breathes with (None: they breathe at their own rate).
    keep_heartbeats : bool
        Keep every true heartbeat in :attr:`heartbeats` (for tests and benchmarks; off,
        so that a long session's memory stays flat).
    chest : ChestSpec or None
        Stream the chest's accelerometer as an H10 does (None: no accelerometer).
    keep_breaths : bool
        Keep the true start of every inhalation in :attr:`breath_onsets` (for tests).

    Attributes
    ----------
    injected : collections.Counter
        Artifacts made so far, by kind (``ectopic``, ``missed``, ``extra``), and
        ``contact_lost`` and ``disconnected`` episodes: the ground truth for tests.
    heartbeats : list of TrueBeat
        With ``keep_heartbeats``, every beat of the simulated heart so far, at its true
        R-peak time (before the strap measures, loses or delivers it): the ground truth
        for beat timing.
    breath_onsets : list of float
        With ``keep_breaths`` (and a chest), the true start of every inhalation, s: the
        last moment of lowest lung volume before it rises. The ground truth for breathing.
    """

    def __init__(
        self,
        person: PersonSpec | None = None,
        strap: StrapSpec | None = None,
        pacer: PacerSchedule | None = None,
        keep_heartbeats: bool = False,
        chest: ChestSpec | None = None,
        keep_breaths: bool = False,
    ) -> None:
        self.strap = strap or StrapSpec()
        spec = person or PersonSpec()
        if self.strap.artifact_rate > 0:
            spec = PersonSpec(**{**asdict(spec), "ectopic_rate": self.strap.artifact_rate / 3})
        self.person_spec = spec
        self.person = make_person(spec, pacer)
        self.decoder = BeatDecoder(self.strap.label)
        self.injected: Counter[str] = Counter()
        self.heartbeats: list[TrueBeat] = []
        self._keep_heartbeats = keep_heartbeats
        self._rng = np.random.default_rng([self.strap.seed, 0x5157])
        self._n = 0  # notifications made
        self._pending: list[float] = []  # RR values (ms) the strap has measured, not yet sent
        self._recent_rr: list[float] = []
        self._carry_ms = 0.0  # a missed beat's interval, added to the next one
        # The strap times R-peaks in whole 1/1024 s ticks and sends their differences,
        # so rounding never accumulates: the part of a tick not yet sent, ms.
        self._tick_rest_ms = 0.0
        self._contact_until = -math.inf
        self._link_until = -math.inf
        self._down = False
        self._state = "connecting"
        # The strap's notification ticks fall on the person's time steps, so that a
        # notification carries every beat completed before it (the first one a random
        # fraction of an interval into the session).
        steps = max(1, int(round(self.strap.notify_s / DT_S)))
        self._offset_s = int(self._rng.integers(0, steps)) * DT_S
        self._last_arrival_s: float | None = None
        self._drift = 1.0 + self.strap.clock_drift_ppm * 1e-6
        self.chest = Chest(chest, self.strap.seed) if chest is not None else None
        self.breath_onsets: list[float] = []
        self._keep_breaths = keep_breaths
        self._acc_timer = AccTimer(chest.rate_hz) if chest is not None else None
        self._trace_t: list[float] = [0.0]
        self._trace_v: list[float] = [0.0]
        # Breath onsets by hysteresis on the tidal volume: (rising, extreme, its time).
        self._breath = [False, math.inf, 0.0]
        # The strap's clock at session time 0, ns since 2000-01-01 (about 2026-12-01).
        self._sensor_origin_ns = 849_398_400 * 10**9

    # -- Source protocol --------------------------------------------------------------

    @property
    def info(self) -> SourceInfo:
        """Who the source is, for ``session.json``."""
        s = self.person_spec
        return SourceInfo(
            label=self.strap.label,
            kind="simulated",
            name="Simulated strap",
            model="resonant simulated person",
            body_location="chest",
            settings={
                "resonance_bpm": s.resonance_bpm,
                "state": self.person.state,
                "adherence": s.adherence,
                "artifact_rate": self.strap.artifact_rate,
                "contact_losses_per_h": self.strap.contact_losses_per_h,
                "disconnects_per_h": self.strap.disconnects_per_h,
                "seed": s.seed,
                "model": s.model,
                "acc_hz": self.chest.spec.rate_hz if self.chest is not None else None,
            },
        )

    @property
    def state(self) -> str:
        """``streaming``, ``reconnecting`` or (a replay at its end) ``ended``."""
        return self._state

    def set_state(self, state: str, at_s: float | None = None) -> None:
        """Move the simulated person to ``rest``, ``threat`` or ``soothing`` (over ~30 s)."""
        self.person.set_state(state, at_s)

    async def items(self, clock: Clock) -> AsyncIterator[SourceItem]:
        """Notifications, decoded, each yielded when its arrival time comes on ``clock``."""
        while True:
            for packet in self.next_packets():
                await clock.sleep_until(packet.arrival_s)
                for item in self.decode(packet):
                    yield item

    # -- without a clock (tests) -------------------------------------------------------

    def decode(self, packet: Packet) -> list[SourceItem]:
        """The beats, gaps and events one packet gives."""
        label = self.strap.label
        if packet.link == "disconnected":
            self._state = "reconnecting"
            self.decoder.reset()
            return [
                Event(packet.arrival_s, "connection", "disconnected", source=label),
                Gap(packet.arrival_s, label, "disconnected"),
            ]
        if packet.link == "reconnected":
            self._state = "streaming"
            if self._acc_timer is not None:  # a new connection: the sensor clock anew
                self._acc_timer = AccTimer(self._acc_timer.fs_hz)
            return [Event(packet.arrival_s, "connection", "reconnected", source=label)]
        if packet.pmd is not None:
            assert self._acc_timer is not None
            got = self._acc_timer.take(packet.pmd, packet.arrival_s)
            if got is None:
                return []
            times, xyz = got
            return [AccSamples(tuple(times.tolist()), tuple(map(tuple, xyz.tolist())), label)]
        assert packet.data is not None
        self._state = "streaming"
        return [*self.decoder.decode(packet.data, packet.arrival_s).items]

    def run_until(self, until_s: float) -> list[SourceItem]:
        """Everything the source gives up to ``until_s``, without waiting (for tests)."""
        out: list[SourceItem] = []
        while True:
            t_next = self._offset_s + (self._n + 1) * self.strap.notify_s
            if t_next > until_s:
                return out
            for packet in self.next_packets():
                out.extend(self.decode(packet))

    def next_packets(self) -> list[Packet]:
        """Advance to the next notification time and return what arrives there."""
        st = self.strap
        rng = self._rng
        self._n += 1
        t_n = self._offset_s + self._n * st.notify_s
        packets: list[Packet] = []
        # Faults start at random (Poisson) moments and last a random while.
        if t_n >= self._link_until and self._starts(st.disconnects_per_h):
            self._link_until = t_n + float(rng.uniform(5.0, 30.0))
            self.injected["disconnected"] += 1
            packets.append(Packet(t_n, link="disconnected"))
        if t_n >= self._contact_until and self._starts(st.contact_losses_per_h):
            self._contact_until = t_n + float(rng.uniform(3.0, 15.0))
            self.injected["contact_lost"] += 1
        beats = self._advance(t_n)
        acc = self._chest_frame(t_n, beats)
        if self._keep_heartbeats:
            self.heartbeats.extend(beats)
        linked = t_n >= self._link_until
        in_contact = t_n >= self._contact_until
        if not in_contact:
            # No skin contact: the strap sees no R-peaks; the beats are lost.
            self._pending.clear()
            self._carry_ms = 0.0
            self._tick_rest_ms = 0.0
        else:
            for b in beats:
                self._measure(b)
        if not linked:
            self._down = True
            # The link is down: nothing arrives, and the strap's buffer is lost with it.
            self._pending.clear()
            return packets
        if self._down:
            self._down = False
            packets.append(Packet(t_n, link="reconnected"))
        arrival = t_n + float(rng.uniform(0.01, 0.04))  # BLE connection-event latency
        if st.arrival_jitter_s > 0:
            arrival += float(rng.uniform(0.0, st.arrival_jitter_s))
        if self._last_arrival_s is not None:
            arrival = max(arrival, self._last_arrival_s)  # notifications arrive in order
        self._last_arrival_s = arrival
        rr_raw = []
        for rr_ms in self._pending:
            raw = rr_raw_from_ms(rr_ms + self._tick_rest_ms)
            self._tick_rest_ms += rr_ms - raw * 1000.0 / 1024.0
            rr_raw.append(raw)
        self._pending.clear()
        hr = self._strap_hr()
        contact = in_contact if st.reports_contact else None
        if not in_contact:
            hr = 0
        chunks = split_rr(rr_raw) if rr_raw else [()]
        for chunk in chunks:
            packets.append(Packet(arrival, encode_hrm(hr, chunk, contact=contact)))
        if acc is not None:
            packets.append(Packet(arrival, pmd=acc))
        return packets

    def _advance(self, t_n: float) -> list[TrueBeat]:
        """Run the person to ``t_n``; with a chest, step by step, tracing the lung volume."""
        if self.chest is None:
            return self.person.advance(t_n)
        beats: list[TrueBeat] = []
        t = self._trace_t[-1]
        while t + DT_S <= t_n + 1e-6 * DT_S:
            t += DT_S
            beats += self.person.advance(t)
            v = float(getattr(self.person, "tidal_volume", self.person.volume))
            self._trace_t.append(t)
            self._trace_v.append(v)
            self._track_breath(t, v)
        return beats

    def _track_breath(self, t: float, v: float, hysteresis: float = 0.05) -> None:
        """Note an inhalation start once the volume has risen clearly from its low point."""
        rising, extreme, at = self._breath
        if rising:
            if v > extreme:
                self._breath = [True, v, t]
            elif extreme - v > hysteresis:
                self._breath = [False, v, t]
        elif v <= extreme:
            self._breath = [False, v, t]  # the last lowest moment (a held exhale ends late)
        elif v - extreme > hysteresis:
            if self._keep_breaths:
                self.breath_onsets.append(float(at))
            self._breath = [True, v, t]

    def _chest_frame(self, t_n: float, beats: list[TrueBeat]) -> bytes | None:
        """The chest's accelerometer samples up to ``t_n`` as one PMD ACC frame."""
        if self.chest is None:
            return None
        tt = np.asarray(self._trace_t)
        vv = np.asarray(self._trace_v)
        times, xyz = self.chest.samples(t_n, tt, vv, [b.time_s for b in beats])
        keep = max(0, len(self._trace_t) - 40)  # the trace needs only the last few seconds
        del self._trace_t[:keep], self._trace_v[:keep]
        if times.size == 0:
            return None
        sensor_ns = self._sensor_origin_ns + int(round(float(times[-1]) * self._drift * 1e9))
        return encode_acc_frame(sensor_ns, xyz)

    def _starts(self, per_hour: float) -> bool:
        """Whether a fault occurring ``per_hour`` times an hour starts in this interval."""
        return per_hour > 0 and self._rng.uniform() < per_hour * self.strap.notify_s / 3600.0

    def _measure(self, beat: TrueBeat) -> None:
        """What the strap's R-peak detector makes of one true beat."""
        rate = self.strap.artifact_rate / 3.0
        rr = beat.rr_ms * self._drift + self._carry_ms  # measured on the strap's clock
        self._carry_ms = 0.0
        if beat.ectopic:
            self.injected["ectopic"] += 1
        u = self._rng.uniform() if rate > 0 else 1.0
        if u < rate:
            # Missed R-peak: this interval runs on into the next one.
            self._carry_ms = rr
            self.injected["missed"] += 1
            return
        if u < 2 * rate:
            # Extra detection (a T wave or a movement spike) splits the interval in two.
            f = float(self._rng.uniform(0.25, 0.6))
            self._pending += [rr * f, rr * (1.0 - f)]
            self.injected["extra"] += 1
        else:
            self._pending.append(rr)
        self._recent_rr = (self._recent_rr + [rr])[-4:]

    def _strap_hr(self) -> int:
        """The strap's own heart-rate value: the mean of its last few intervals, in bpm."""
        if not self._recent_rr:
            return int(round(self.person.hr_bpm))
        return int(round(60000.0 / (sum(self._recent_rr) / len(self._recent_rr))))
