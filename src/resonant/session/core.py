"""A running session: sources, one HRV stream per source, the pacer, and the sinks.

The terminal dashboard, the recorder and (later) the window are all sinks of a
:class:`Session`; none of them computes anything. The session takes every item the
sources yield (beats, gaps, events), pushes beats (and a strap's chest accelerometer
samples, for the breathing rate) through the streaming core, asks the
pacer schedule for its phase onsets as time passes, and hands everything to the sinks.

Time: the session clock starts at 0 when :meth:`Session.run` begins. ``duration_s``
counts from the first beat. When a duration is set, nothing after its end is kept, so
two runs with the same seed write the same files however fast the machine is.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from resonant.model.beats import AccSamples, Beat, EcgSamples, Event, Gap
from resonant.model.clock import Clock
from resonant.model.source import Source, SourceInfo, SourceItem
from resonant.model.sink import SessionSink
from resonant.model.pacer import PacerPhase, PacerSchedule, PacerSettings, PacerState
from resonant.signal.adherence import is_adherent
from resonant.signal.metrics import BeatMetrics, SpectralMetrics, StreamConfig
from resonant.signal.stream import HrvStream

__all__ = ["Session", "SessionSink", "SessionSnapshot", "SourceSnapshot", "SessionSummary"]

#: Session time between two looks at the pacer and the end of the session, s.
TICK_S = 0.25
#: After the planned end, a silent source is waited for this long, s of session time...
END_GRACE_S = 3.0
#: ... and at least this long in wall time (a source running behind a fast clock is not silent).
END_GRACE_WALL_S = 0.5
#: Accelerometer samples kept for a source whose first beat has not come yet, s.
_EARLY_ACC_S = 90.0


@dataclass(frozen=True, slots=True)
class SourceSnapshot:
    """The latest of one source, for displays."""

    label: str
    state: str
    beat: BeatMetrics | None
    spectral: SpectralMetrics | None
    adherent: bool | None
    beats: int
    artifacts: int
    contact: bool | None
    battery_pct: int | None = None


@dataclass(frozen=True, slots=True)
class SessionSnapshot:
    """Everything a display needs at one moment; made by :meth:`Session.snapshot`."""

    time_s: float
    elapsed_s: float
    duration_s: float | None
    pacer: PacerState | None
    sources: tuple[SourceSnapshot, ...]
    events: int
    running: bool


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """How a session went, for the closing lines of the terminal and ``session.json``."""

    started_s: float | None
    ended_s: float
    elapsed_s: float
    beats: dict[str, int]
    gaps: int
    events: int
    coherence_mean: dict[str, float | None]
    hr_mean_bpm: dict[str, float | None]
    rmssd_last_ms: dict[str, float | None]
    reason: str
    problems: list[str] = field(default_factory=list)


class _PerSource:
    """Book-keeping of one source label (the arithmetic is the core's)."""

    def __init__(self, label: str, config: StreamConfig) -> None:
        self.stream = HrvStream(config, label)
        self.beat: BeatMetrics | None = None
        self.spectral: SpectralMetrics | None = None
        self.adherent: bool | None = None
        self.beats = 0
        self.artifacts = 0
        self.contact: bool | None = None
        self.coherence: list[float] = []
        self.hr: list[float] = []


class Session:
    """Wire sources, the streaming core, the pacer schedule and sinks together.

    Parameters
    ----------
    sources : sequence of Source
        Where the beats come from.
    clock : Clock
        The session clock (real time, or accelerated).
    pacer : PacerSchedule or None
        The breathing pacer, or None for free breathing.
    sinks : sequence of SessionSink
        Receivers of beats, metrics, events and pacer onsets (recorder, dashboard, ...).
    duration_s : float or None
        Length of the session counted from the first beat, s; None runs until stopped
        (or until every source has ended).
    config : StreamConfig or None
        Windows and limits of the streaming core.
    """

    def __init__(
        self,
        sources: Sequence[Source],
        clock: Clock,
        pacer: PacerSchedule | None = None,
        sinks: Sequence[SessionSink] = (),
        duration_s: float | None = None,
        config: StreamConfig | None = None,
    ) -> None:
        if duration_s is not None and duration_s <= 0:
            raise ValueError(f"session duration {duration_s:g} s is not positive")
        self.sources = list(sources)
        self.clock = clock
        self.pacer = pacer
        self.sinks = list(sinks)
        self.duration_s = duration_s
        self.config = config or StreamConfig()
        self._per: dict[str, _PerSource] = {}
        self._first_beat_s: float | None = None
        self._pacer_done_s = 0.0
        self._stop = asyncio.Event()
        self._stop_reason = "stopped"
        self._gaps = 0
        self._events = 0
        self._running = False
        self._finished_sources = 0
        self._last_item_wall = 0.0
        self._handling = False
        #: Each source's view of the clock, to tell a quiet source from one behind it.
        self._watched: list[_WatchedClock] = []
        self._last_item_s = 0.0
        self.problems: list[str] = []
        self._scheduled: list[Event] = []
        # Accelerometer chunks of sources whose first beat has not come yet.
        self._early_acc: dict[str, list[AccSamples]] = {}

    # -- control --------------------------------------------------------------------------

    @property
    def end_s(self) -> float | None:
        """Session time at which the session ends (None until the first beat, or no duration)."""
        if self.duration_s is None or self._first_beat_s is None:
            return None
        return self._first_beat_s + self.duration_s

    def set_pacer(self, pacer: PacerSchedule | None, at_s: float) -> None:
        """Replace the breathing guide from ``at_s`` on (a protocol turning it on or off).

        The old guide's onsets are logged up to ``at_s``; the new one's from ``at_s``.
        A simulated strap's person breathes with the new guide (or at their own rate).
        """
        self._flush_pacer(at_s)
        self.pacer = pacer
        self._pacer_done_s = at_s
        for src in self.sources:
            person = getattr(src, "person", None)
            if person is not None:
                person.pacer = pacer

    def emit(self, event: Event) -> None:
        """Pass an event to the sinks now (markers, protocol phases)."""
        self._emit_event(event)

    def schedule_events(self, events: Sequence[Event]) -> None:
        """Emit planned events (a protocol's phases) when the session reaches their onset."""
        self._scheduled = sorted([*self._scheduled, *events], key=lambda e: e.onset_s)

    def _emit_due(self, until_s: float) -> None:
        while self._scheduled and self._scheduled[0].onset_s <= until_s:
            self._emit_event(self._scheduled.pop(0))

    def stop(self, reason: str = "stopped") -> None:
        """End the session soon (safe to call from a signal handler via the event loop)."""
        self._stop_reason = reason
        self._stop.set()

    def mark(self, label: str = "") -> Event:
        """Put a marker at the current session time."""
        ev = Event(self.clock.now(), "marker", label)
        self._emit_event(ev)
        return ev

    def change_pacer(self, settings: PacerSettings, reason: str = "") -> float | None:
        """Change the pacer at its next turning point (returned); logged as a ``pacer`` event.

        The change is requested at :meth:`view_time`, the time the session has reached
        (on an accelerated clock, the latest beat's), so the same run gives the same
        changes however fast the machine is.
        """
        if self.pacer is None:
            return None
        old = self.pacer.settings
        # Never before what the pacer log already holds: logged phases are not rewritten.
        at = self.pacer.change(settings, max(self.view_time(), self._pacer_done_s))
        label = (
            f"rate {old.rate_bpm:g} -> {settings.rate_bpm:g} breaths/min, "
            f"ratio {old.ratio} -> {settings.ratio}"
        )
        self._emit_event(Event(at, "pacer", f"{label} ({reason})" if reason else label))
        return at

    def view_time(self) -> float:
        """The session time that displays and the pacer log have reached.

        On a real-time clock it is the clock's time (never past the session's end). On
        an accelerated clock the sources may run behind it (the machine sets the pace);
        then it is the time of the latest item (a few seconds more once they are
        silent), so the pacer is never asked about times far ahead of the simulated
        person who breathes with it.
        """
        now = self.clock.now()
        if self.end_s is not None:
            now = min(now, self.end_s + END_GRACE_S)
        if self.clock.speed <= 1.0:
            return now
        if self._silent():
            # A fast clock whose sources went quiet (ended, or starved of the processor):
            # the displays move on a little, never far ahead of the data, so the pacer is
            # not asked about times it would then have to forget.
            return min(now, self._last_item_s + END_GRACE_S)
        return min(now, self._last_item_s)

    def _silent(self) -> bool:
        """True when the sources have gone quiet: not while an item is being handled, not
        while (on a fast clock) a source is behind the clock with work it can do now,
        and only once nothing has come for :data:`END_GRACE_WALL_S` of wall time.

        So on a fast clock a busy or descheduled machine never makes the session look
        silent (which would move its time past the data and make runs differ); a source
        waiting for its next item's time (a simulated disconnection, a replay's pause)
        or one that has ended can be.
        """
        if self._handling:
            return False
        if self.clock.speed > 1.0 and any(w.behind() for w in self._watched):
            return False
        try:
            wall = asyncio.get_running_loop().time()
        except RuntimeError:
            return True
        return wall - self._last_item_wall >= END_GRACE_WALL_S

    def spectrum(self, source: str) -> tuple[Any, Any] | None:
        """The core's latest 64-s spectrum of ``source`` (freq_hz, psd_ms2_hz), or None."""
        per = self._per.get(source)
        return per.stream.latest_psd if per is not None else None

    def snapshot(self) -> SessionSnapshot:
        """The latest state, for a display."""
        now = self.view_time()
        pacer = self.pacer.at(now) if self.pacer is not None else None
        states = {}
        battery: dict[str, int | None] = {}
        for src in self.sources:
            info = src.info
            states[info.label] = src.state
            battery[info.label] = info.settings.get("battery_pct")
        sources = tuple(
            SourceSnapshot(
                label, states.get(label, self.sources[0].state if self.sources else ""),
                p.beat, p.spectral, p.adherent, p.beats, p.artifacts, p.contact,
                battery.get(label),
            )
            for label, p in self._per.items()
        )  # fmt: skip
        elapsed = max(0.0, now - self._first_beat_s) if self._first_beat_s is not None else 0.0
        if self.end_s is not None:
            elapsed = min(elapsed, self.duration_s or elapsed)
        return SessionSnapshot(
            now, elapsed, self.duration_s, pacer, sources, self._events, self._running
        )

    # -- running --------------------------------------------------------------------------

    async def run(self) -> SessionSummary:
        """Run until the duration is over, every source has ended, or :meth:`stop`."""
        loop = asyncio.get_running_loop()
        self._running = True
        self._last_item_wall = loop.time()
        self._watched = [_WatchedClock(self.clock) for _ in self.sources]
        tasks = [asyncio.create_task(self._consume(src, w))
                 for src, w in zip(self.sources, self._watched, strict=True)]  # fmt: skip
        ticker = asyncio.create_task(self._tick())
        stopper = asyncio.create_task(self._stop.wait())
        try:
            await asyncio.wait([stopper, ticker], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in (*tasks, ticker, stopper):
                t.cancel()
            for t in (*tasks, ticker, stopper):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t  # a source's exception is already in self.problems
            self._running = False
        end = None
        if self._stop_reason == "completed" and self.end_s is not None:
            end = self.end_s
        elif self._stop_reason == "source ended":
            end = self._last_item_s  # a replay that ran out ends at its last item
        self._flush_pacer(end if end is not None else self.clock.now())
        self._batch_end()
        return self._summary(end if end is not None else self.clock.now())

    async def _consume(self, source: Source, clock: _WatchedClock) -> None:
        try:
            async with contextlib.aclosing(source.items(clock)) as items:  # type: ignore[type-var]
                async for item in items:
                    if not self._take(item):
                        break
                    self._batch_end()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failing source ends the session, with a sentence
            self.problems.append(f"source {source.info.label!r} failed: {exc}")
            self.stop("source failed")
            raise
        finally:
            clock.ended = True
            self._finished_sources += 1
            if self._finished_sources == len(self.sources) and not self._stop.is_set():
                end = self.end_s
                self.stop(
                    "completed" if end is not None and self._last_item_s > end else "source ended"
                )

    def _take(self, item: SourceItem) -> bool:
        """Handle one item; False once the session's end has been reached.

        While it is handled (the sinks may take a while on a busy machine), and for
        :data:`END_GRACE_WALL_S` after, the session is not silent: a pacer change asked
        for by a sink is placed by the data's time, not by how slow the machine was.
        """
        loop = asyncio.get_running_loop()
        self._last_item_wall = loop.time()
        self._handling = True
        try:
            return self._handle(item)
        finally:
            self._handling = False
            self._last_item_wall = loop.time()

    def _handle(self, item: SourceItem) -> bool:
        t = item.onset_s if isinstance(item, Event) else item.time_s
        self._last_item_s = max(self._last_item_s, t)
        end = self.end_s
        if end is not None and t > end:
            return False
        if isinstance(item, Beat):
            self._on_beat(item)
        elif isinstance(item, EcgSamples):
            for s in self.sinks:
                _call(s, "on_ecg", item)
        elif isinstance(item, AccSamples):
            self._on_acc(item)
            for s in self.sinks:
                _call(s, "on_acc", item)
        elif isinstance(item, Gap):
            self._gaps += 1
            if item.source in self._per:
                self._per[item.source].stream.gap(item)
            for s in self.sinks:
                _call(s, "on_gap", item)
        else:
            self._emit_event(item)
        return True

    def _on_acc(self, samples: AccSamples) -> None:
        """Chest accelerometer samples to their source's stream (the breathing rate shown).

        Samples that come before the source's first beat wait (the last
        :data:`_EARLY_ACC_S` seconds of them) until its stream exists.
        """
        per = self._per.get(samples.source)
        if per is not None:
            per.stream.push_acc(samples)
            return
        if not samples.times_s:
            return
        early = self._early_acc.setdefault(samples.source, [])
        early.append(samples)
        cut = samples.times_s[-1] - _EARLY_ACC_S
        while early[0].times_s[-1] < cut:
            early.pop(0)

    def _on_beat(self, beat: Beat) -> None:
        if self._first_beat_s is None:
            self._first_beat_s = beat.time_s
        per = self._per.get(beat.source)
        if per is None:
            per = self._per[beat.source] = _PerSource(beat.source, self.config)
            per.stream.guide_bpm = self._pacer_rate  # the breathing rule's guide criterion
            for chunk in self._early_acc.pop(beat.source, []):
                per.stream.push_acc(chunk)
            # People keep the sources' order (a group's sim1, sim2, ...), whoever beats first.
            order = {src.info.label: i for i, src in enumerate(self.sources)}
            ranked = sorted(self._per.items(), key=lambda kv: order.get(kv[0], len(order)))
            self._per = dict(ranked)
        metrics, spectral = per.stream.push(beat)
        per.beat = metrics
        per.beats += 1
        per.artifacts += int(metrics.artifact != 0)
        per.contact = beat.contact
        for s in self.sinks:
            _call(s, "on_beat", beat, metrics)
        if spectral is not None:
            pacer_rate = self._pacer_rate(spectral.time_s)
            adherent = is_adherent(
                spectral.breathing_rate_bpm, pacer_rate, spectral.coherence_ratio
            )
            per.spectral, per.adherent = spectral, adherent
            if spectral.coherence_ratio is not None:
                per.coherence.append(spectral.coherence_ratio)
            if metrics.hr_mean_bpm is not None:
                per.hr.append(metrics.hr_mean_bpm)
            for s in self.sinks:
                _call(s, "on_spectral", spectral, metrics, pacer_rate, adherent)

    def _pacer_rate(self, time_s: float) -> float | None:
        """Return the pacer rate over the 60 s before ``time_s`` (None if it changed)."""
        if self.pacer is None:
            return None
        now = self.pacer.at(time_s).rate_bpm
        try:
            then = self.pacer.at(max(0.0, time_s - 60.0)).rate_bpm
        except ValueError:
            return now
        return now if abs(then - now) < 1e-9 else None

    def _emit_event(self, event: Event) -> None:
        self._events += 1
        for s in self.sinks:
            _call(s, "on_event", event)
        if event.kind == "connection" and event.label in ("connected", "reconnected"):
            # A strap has told who it is (model, firmware, battery): refresh the metadata.
            infos = [src.info for src in self.sources]
            for s in self.sinks:
                _call(s, "on_sources", infos)

    def _flush_pacer(self, until_s: float) -> None:
        self._emit_due(until_s)
        if self.pacer is None or until_s <= self._pacer_done_s:
            return
        for phase in self.pacer.phases(self._pacer_done_s, until_s):
            for s in self.sinks:
                _call(s, "on_pacer", phase)
        self._pacer_done_s = until_s

    def _batch_end(self) -> None:
        for s in self.sinks:
            _call(s, "on_batch_end")

    async def _tick(self) -> None:
        while True:
            await self.clock.sleep_until(self.clock.now() + TICK_S)
            now = self.view_time()
            end = self.end_s
            # Never past the end: before the first beat the end is at least duration_s away.
            limit = end if end is not None else self.duration_s
            reached = now if limit is None else min(now, limit)
            for sink in self.sinks:
                _call(sink, "on_tick", reached)
            self._flush_pacer(reached)
            self._batch_end()
            if end is not None and self.clock.now() >= end + END_GRACE_S and self._silent():
                # Past the end and the source is silent (not merely behind a fast clock).
                self.stop("completed")
                return

    def _summary(self, ended_s: float) -> SessionSummary:
        def mean(xs: list[float]) -> float | None:
            return sum(xs) / len(xs) if xs else None

        started = self._first_beat_s
        return SessionSummary(
            started_s=started,
            ended_s=ended_s,
            elapsed_s=max(0.0, ended_s - started) if started is not None else 0.0,
            beats={k: p.beats for k, p in self._per.items()},
            gaps=self._gaps,
            events=self._events,
            coherence_mean={k: mean(p.coherence) for k, p in self._per.items()},
            hr_mean_bpm={k: mean(p.hr) for k, p in self._per.items()},
            rmssd_last_ms={k: (p.beat.rmssd_ms if p.beat else None) for k, p in self._per.items()},
            reason=self._stop_reason,
            problems=list(self.problems),
        )


def _call(sink: object, name: str, *args: object) -> None:
    method = getattr(sink, name, None)
    if method is not None:
        method(*args)


class _WatchedClock:
    """The session clock as one source sees it, noting whether the source waits for a time
    to come (quiet) or has work it can do now (behind a fast clock, or busy).

    Everything else is the session clock's own (:meth:`__getattr__`).
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        #: The session time the source is asleep until, or None while it is not asleep.
        self.waiting_for_s: float | None = None
        #: True once the source's items have ended (or the session stopped taking them).
        self.ended = False

    @property
    def speed(self) -> float:
        """Session seconds per wall-clock second."""
        return self._clock.speed

    def now(self) -> float:
        """Session time, s."""
        return self._clock.now()

    async def sleep_until(self, time_s: float) -> None:
        """The session clock's ``sleep_until``, noted while it lasts."""
        self.waiting_for_s = time_s
        try:
            await self._clock.sleep_until(time_s)
        finally:
            self.waiting_for_s = None

    def behind(self) -> bool:
        """True while the source has work it can do now (its time has come, or it is not
        asleep on the clock); False once it has ended or while it waits for a later time."""
        if self.ended:
            return False
        until = self.waiting_for_s
        return until is None or until <= self._clock.now()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._clock, name)
