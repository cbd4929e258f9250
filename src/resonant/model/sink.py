"""What a running session hands to its sinks: the base class every sink derives from.

The recorder, the LSL outlet, the window's buffers, the protocol runner and the
adaptive guide are sinks of a :class:`~resonant.session.core.Session`. Each derives
from :class:`SessionSink` and overrides the calls it needs; the others do nothing. The
session calls every method of every sink, so a sink is a type the checker knows, not a
set of method names looked up at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the metrics are the core's (resonant.signal)
    from resonant.model.beats import AccSamples, Beat, EcgSamples, Event, Gap
    from resonant.model.pacer import PacerPhase
    from resonant.model.source import SourceInfo
    from resonant.signal.metrics import BeatMetrics, SpectralMetrics

__all__ = ["SessionSink"]


class SessionSink:
    """Receives a session's beats, metrics, events and guide phases; every call is optional."""

    def on_beat(self, beat: Beat, metrics: BeatMetrics) -> None:
        """A beat as received, with the core's per-beat metrics."""

    def on_spectral(
        self,
        metrics: SpectralMetrics,
        beat: BeatMetrics | None,
        pacer_rate_bpm: float | None,
        adherent: bool | None,
    ) -> None:
        """A 5-s update, the latest per-beat metrics, the pacer rate and adherence."""

    def on_gap(self, gap: Gap) -> None:
        """A break in one source's beats."""

    def on_event(self, event: Event) -> None:
        """A marker, phase, connection, pacer or note event."""

    def on_pacer(self, phase: PacerPhase) -> None:
        """A breathing-phase onset."""

    def on_batch_end(self) -> None:
        """The end of a batch of calls (a notification, a tick): a moment to sync."""

    def on_sources(self, sources: list[SourceInfo]) -> None:
        """The sources' descriptions changed (a strap connected and said who it is)."""

    def on_ecg(self, samples: EcgSamples) -> None:
        """Raw ECG samples from a strap that streams them."""

    def on_acc(self, samples: AccSamples) -> None:
        """Chest accelerometer samples from a strap that streams them."""

    def on_tick(self, time_s: float) -> None:
        """The session has reached ``time_s`` (about 4 times a second of session time)."""
