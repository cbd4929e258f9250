"""What every source of beats offers the session: a description and a stream of items."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from resonant.model.beats import AccSamples, Beat, EcgSamples, Event, Gap
from resonant.model.clock import Clock

__all__ = ["SourceInfo", "Source", "SourceItem", "SOURCE_STATES"]

SourceItem = Beat | Gap | Event | EcgSamples | AccSamples

#: States a source shows while a session runs.
SOURCE_STATES = ("scanning", "connecting", "streaming", "reconnecting", "lost", "ended")


@dataclass(frozen=True)
class SourceInfo:
    """Who a source is, for ``session.json`` and for labelling every output.

    Attributes
    ----------
    label : str
        Short label carried by every beat (unique within a session).
    kind : str
        ``"simulated"``, ``"replay"`` or ``"ble"``.
    name, address, model, firmware : str
        Device details where known (empty otherwise).
    body_location : str or None
        Body Sensor Location where the strap reports it.
    settings : dict
        Source-specific settings (the simulated person, the replayed file, ...).
    """

    label: str
    kind: str
    name: str = ""
    address: str = ""
    model: str = ""
    firmware: str = ""
    body_location: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``sources`` entry of ``session.json``."""
        return {
            "label": self.label,
            "kind": self.kind,
            "name": self.name,
            "address": self.address,
            "model": self.model,
            "firmware": self.firmware,
            "body_location": self.body_location,
            "settings": self.settings,
        }


@runtime_checkable
class Source(Protocol):
    """A source of beats: a strap, the simulated strap, or a replayed recording.

    ``items`` yields beats, gaps and events stamped with session times, in time order
    per source label, sleeping on the clock until each is due. It ends when the source
    has nothing more to give (a replay at its end); a live source runs until cancelled.
    """

    @property
    def info(self) -> SourceInfo:
        """Who the source is."""
        ...

    @property
    def state(self) -> str:
        """One of :data:`SOURCE_STATES`."""
        ...

    def items(self, clock: Clock) -> AsyncIterator[SourceItem]:
        """Beats, gaps and events, each yielded when its time comes on ``clock``."""
        ...
