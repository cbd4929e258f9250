"""One more step for a stepped assessment whose answer lies at the first or last rate.

When the largest heart-rate swing of a stepped assessment is at the fastest or slowest
rate tried, the resonance may lie beyond the range, and the steps cannot tell. As a
clinician would, the assessment then adds one step half a breath/min further (for
example 7.5 breaths/min after 7.0 ... 4.5) before it ends, says so, and scores every
step together. :class:`StepExtension` is the session sink that decides this at the end
of the planned steps, from the beats so far, with the same scoring as the final answer
(:func:`resonant.analysis.assessment.analyze_assessment`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from resonant.analysis.assessment import analyze_assessment
from resonant.folder.read import AccTrace, PacerRows
from resonant.model.beats import AccSamples, Beat, Event, Gap
from resonant.model.pacer import PacerSettings
from resonant.model.plans import Plan
from resonant.model.sink import SessionSink
from resonant.signal.metrics import BeatMetrics

__all__ = ["StepExtension", "EXTENSION_RANGE_BPM"]

#: An added step stays within the rates a guide offers, breaths/min.
EXTENSION_RANGE_BPM = (3.5, 8.0)


class StepExtension(SessionSink):
    """At the end of the planned steps, add one step when the answer asks for it.

    Parameters
    ----------
    plan : Plan
        The stepped assessment laid out (its ``metadata`` has ``step_s``).
    base : PacerSettings
        Ratio and holds of the guide.
    on_metadata : callable or None
        Called with the protocol's metadata once a step is added (the recorder rewrites
        ``session.json``'s ``protocol``).
    """

    def __init__(
        self,
        plan: Plan,
        base: PacerSettings,
        on_metadata: Any = None,
    ) -> None:
        self.plan = plan
        self.base = base
        self.on_metadata = on_metadata
        self.session: Any = None
        self.added_bpm: float | None = None
        self._decided = False
        self._source: str | None = None
        self._t: list[float] = []
        self._rr: list[float] = []
        self._starts: list[int] = [0]
        # Chest accelerometer chunks per source label (times, xyz), as the recorder keeps them.
        self._acc: dict[str, tuple[list[float], list[tuple[int, int, int]]]] = {}

    def attach(self, session: Any) -> None:
        """The session whose guide and end the extension changes."""
        self.session = session

    def on_gap(self, gap: Gap) -> None:
        """Sink: a break in the beats starts a new segment."""
        if gap.source == self._source and self._t:
            self._starts.append(len(self._t))

    def on_acc(self, samples: AccSamples) -> None:
        """Sink: keep the chest accelerometer until the steps are over (their breathing)."""
        if self._decided:
            return
        times, xyz = self._acc.setdefault(samples.source, ([], []))
        times.extend(samples.times_s)
        xyz.extend(samples.xyz_mg)

    def on_beat(self, beat: Beat, metrics: BeatMetrics) -> None:
        """Sink: keep the beats of the first source; decide once the steps are over."""
        if self._source is None:
            self._source = beat.source
        if beat.source != self._source:
            return
        self._t.append(beat.time_s)
        self._rr.append(beat.rr_ms)
        if not self._decided and beat.time_s >= self.plan.end_s:
            self._decided = True
            self._decide()

    def _decide(self) -> None:
        session = self.session
        if session is None or session.pacer is None:
            return
        meta = dict(self.plan.metadata)
        pacer = PacerRows.from_phases(self.plan.pacer.phases(0.0, self.plan.end_s))
        starts = np.array(sorted({s for s in self._starts if s < len(self._t)}), dtype=np.intp)
        acc = None
        times, xyz = self._acc.get(self._source or "", ([], []))
        if len(times) >= 2:
            order = np.argsort(times, kind="stable")
            acc = AccTrace(
                np.asarray(times, dtype=np.float64)[order],
                np.asarray(xyz, dtype=np.float64).reshape(-1, 3)[order],
            )
        self._acc.clear()
        result = analyze_assessment(
            np.array(self._t), np.array(self._rr), starts, pacer, meta, acc
        )
        rate = result.extend_bpm
        lo, hi = EXTENSION_RANGE_BPM
        if rate is None or not lo <= rate <= hi:
            return
        step_s = float(meta.get("step_s", 120.0))
        settings = PacerSettings(
            rate_bpm=rate, inhale=self.base.inhale, exhale=self.base.exhale,
            hold_in_s=self.base.hold_in_s, hold_out_s=self.base.hold_out_s,
        )  # fmt: skip
        at = session.change_pacer(settings, "one more assessment step")
        if at is None:
            return
        self.added_bpm = rate
        n = len(meta.get("rates_bpm", [])) + 1
        session.emit(Event(
            at, "note",
            f"one more step at {rate:g} breaths/min: the strongest response was at the "
            f"{'fastest' if rate > max(meta.get('rates_bpm', [rate])) else 'slowest'} rate "
            "tried, so two more minutes will tell whether it lies beyond",
        ))  # fmt: skip
        session.schedule_events([
            Event(at, "phase", f"assessment step {n}: {rate:g} breaths/min", step_s)
        ])  # fmt: skip
        end = session.end_s
        if end is not None and session.duration_s is not None:
            session.duration_s += at + step_s + 1.0 - end
        meta["rates_bpm"] = [*meta.get("rates_bpm", []), rate]
        meta["extended_bpm"] = rate
        if self.on_metadata is not None:
            self.on_metadata(meta)
