"""Replay a recording as a live source: a session folder, or any file ``resonant analyze`` reads.

Beats come out at their recorded session times (a file without times: at the running
sum of its intervals), on the clock given, so a faster clock replays faster. A session
folder's events (markers, phases, disconnects) come out at their times too, and each
break in the recording (a disconnect, or beats lost on the way) is a :class:`Gap`, so the
replayed session has the same segments as the original. A folder's chest accelerometer
(``acc.tsv``) comes back too, in chunks of about a second, as the strap sent it.

A replay lasts as long as the recording's beats: an event after the last beat is given
at the last beat's time (with a note), and nothing waits past it, so a far-off marker
can neither keep the replay waiting nor stretch the new session's tables to its time.
Absurd times (beyond :data:`~resonant.folder.read.TIME_LIMIT_S`) are refused by the
readers.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np

from resonant.model.beats import AccSamples, Beat, Event, Gap
from resonant.model.clock import Clock
from resonant.model.source import SourceInfo, SourceItem
from resonant.folder.read import read_acc, read_events, read_recording

__all__ = ["ReplaySource"]

# Order of items at the same time: events and gaps before the beat they precede.
_ORDER_EVENT, _ORDER_GAP, _ORDER_BEAT, _ORDER_ACC = 0, 1, 2, 3
#: Accelerometer samples are given back in chunks of this length, s.
ACC_CHUNK_S = 1.0


class ReplaySource:
    """A recorded session or RR file as a source.

    Parameters
    ----------
    path : str or Path
        A session folder, a ``beats.tsv``, an RR text file or an OpenHRV CSV.
    label : str or None
        Label for beats whose recording has none (RR files); default ``"replay"``.
        Beats from a session folder keep their recorded source labels.
    acc : bool
        Give back the folder's accelerometer samples (``acc.tsv``) too.

    Raises
    ------
    resonant.folder.read.RecordingError
        When the recording cannot be read (one sentence naming the file and line).
    """

    def __init__(self, path: str | Path, label: str | None = None, acc: bool = True) -> None:
        self.path = Path(path)
        self._label = label or "replay"
        self.recordings = read_recording(self.path)
        self.events = read_events(self.path) if self.path.is_dir() else []
        self.acc = read_acc(self.path) if acc and self.path.is_dir() else {}
        self._state = "streaming"
        self.beats_total = sum(r.rr_ms.size for r in self.recordings)
        self.end_s = max(float(r.time_s[-1]) for r in self.recordings)
        late = [ev for ev in self.events if ev.onset_s > self.end_s]
        if late:
            self.events = [
                dataclasses.replace(ev, onset_s=self.end_s) if ev.onset_s > self.end_s else ev
                for ev in self.events
            ]
        self._late_events = len(late)

    @property
    def info(self) -> SourceInfo:
        """Who the source is, for ``session.json``."""
        return SourceInfo(
            label=self._label,
            kind="replay",
            name=self.path.name,
            settings={
                "path": str(self.path),
                "recorded_sources": [r.source or self._label for r in self.recordings],
                "beats": self.beats_total,
                "acc_sources": list(self.acc),
            },
        )

    @property
    def state(self) -> str:
        """``streaming``, ``reconnecting`` or (a replay at its end) ``ended``."""
        return self._state

    @property
    def warnings(self) -> list[str]:
        """What the reader skipped or assumed, as sentences."""
        out = [w for r in self.recordings for w in r.warnings]
        if self._late_events:
            out.append(
                f"{self._late_events} event(s) after the last beat are replayed at its time "
                f"({self.end_s:.1f} s): a replay lasts as long as the recording's beats"
            )
        return out

    def timeline(self) -> list[SourceItem]:
        """Every item of the replay in time order (what :meth:`items` yields)."""
        heap: list[tuple[float, int, int, SourceItem]] = []
        seq = 0
        # A folder's gap events come back as the Gaps they were (the recorder writes
        # them again), not as events.
        gap_events = [ev for ev in self.events if ev.kind == "gap"]
        for ev in self.events:
            if ev.kind != "gap":
                heap.append((ev.onset_s, _ORDER_EVENT, seq, ev))
                seq += 1
        for rec in self.recordings:
            label = rec.source or self._label
            t, rr = rec.time_s, rec.rr_ms
            starts = set(rec.segment_starts.tolist())
            mine = [ev for ev in gap_events if ev.source in ("", rec.source)]
            for ev in mine:
                heap.append((ev.onset_s, _ORDER_GAP, seq, Gap(ev.onset_s, label, ev.label)))
                seq += 1
            for k in range(t.size):
                if k in starts and k > 0 and not any(
                    t[k - 1] < ev.onset_s <= t[k] for ev in mine
                ):
                    # A break the folder does not name (written before gap events).
                    gap_t = max(float(t[k - 1]), float(t[k]) - float(rr[k]) / 1000.0)
                    heap.append((gap_t, _ORDER_GAP, seq, Gap(gap_t, label, "replayed break")))
                    seq += 1
                hr = None
                if rec.hr_bpm is not None and rec.hr_bpm[k] == rec.hr_bpm[k]:
                    hr = float(rec.hr_bpm[k])
                contact = None
                if rec.contact is not None and rec.contact[k] >= 0:
                    contact = bool(rec.contact[k])
                beat = Beat(float(t[k]), float(rr[k]), hr, contact, label)
                heap.append((beat.time_s, _ORDER_BEAT, seq, beat))
                seq += 1
        for src, trace in self.acc.items():
            label = src or self._label
            if trace.time_s.size == 0:
                continue
            chunk = np.floor((trace.time_s - trace.time_s[0]) / ACC_CHUNK_S).astype(np.int64)
            cuts = np.flatnonzero(np.diff(chunk)) + 1
            for idx in np.split(np.arange(trace.time_s.size), cuts):
                xyz = np.rint(trace.xyz_mg[idx]).astype(np.int64).tolist()
                item = AccSamples(
                    tuple(trace.time_s[idx].tolist()), tuple(map(tuple, xyz)), label
                )
                heap.append((item.time_s, _ORDER_ACC, seq, item))
                seq += 1
        heapq.heapify(heap)
        return [heapq.heappop(heap)[3] for _ in range(len(heap))]

    async def items(self, clock: Clock) -> AsyncIterator[SourceItem]:
        """The recording's items, each when its time comes on ``clock``; then it ends.

        Nothing waits past the last beat (:attr:`end_s`): later events and samples come
        out then, so the replay is bounded by the recording's own extent.
        """
        for item in self.timeline():
            when = item.onset_s if isinstance(item, Event) else item.time_s
            await clock.sleep_until(min(when, self.end_s))
            yield item
        self._state = "ended"
