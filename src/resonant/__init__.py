"""resonant: a biofeedback trainer for soothing rhythm breathing.

Importing the package is cheap on purpose: it pulls in neither numpy, Qt nor bleak, so
the command line starts fast. The parts live in sub-packages:

- :mod:`resonant.model.beats`: the Beat and Gap types every part exchanges;
- :mod:`resonant.signal`: the streaming HRV core (pure numpy);
- :mod:`resonant.folder`: reading and writing session folders and recordings;
- :mod:`resonant.cli`: the ``resonant`` command.

The names a researcher needs are offered here (docs/library.md), but loaded only when
first used (PEP 562), so ``import resonant`` stays as cheap as before:

>>> import resonant
>>> resonant.analyze_rr  # doctest: +ELLIPSIS
<function analyze_rr at ...>
"""

from __future__ import annotations

from importlib import import_module

from resonant._version import __version__

#: False at run time, True for type checkers (so ``import resonant`` skips ``typing``).
TYPE_CHECKING = False
if TYPE_CHECKING:  # real imports for type checkers and IDEs; at run time see __getattr__
    from typing import Any

    from resonant.errors import ResonantError
    from resonant.folder.contents import SessionFolder, read_session
    from resonant.folder.read import read_recording
    from resonant.model.beats import Beat, Event, Gap
    from resonant.model.pacer import PacerSchedule, PacerSettings
    from resonant.signal.metrics import StreamConfig
    from resonant.signal.offline import analyze_rr
    from resonant.signal.stream import HrvStream

#: Where each lazily offered name lives.
_LAZY = {
    "Beat": "resonant.model.beats",
    "Gap": "resonant.model.beats",
    "Event": "resonant.model.beats",
    "PacerSchedule": "resonant.model.pacer",
    "PacerSettings": "resonant.model.pacer",
    "HrvStream": "resonant.signal.stream",
    "StreamConfig": "resonant.signal.metrics",
    "analyze_rr": "resonant.signal.offline",
    "read_session": "resonant.folder.contents",
    "SessionFolder": "resonant.folder.contents",
    "read_recording": "resonant.folder.read",
    "ResonantError": "resonant.errors",
}

__all__ = [
    "__version__",
    "Beat",
    "Gap",
    "Event",
    "PacerSchedule",
    "PacerSettings",
    "HrvStream",
    "StreamConfig",
    "analyze_rr",
    "read_session",
    "SessionFolder",
    "read_recording",
    "ResonantError",
]


def __getattr__(name: str) -> Any:
    """Import a name of :data:`__all__` from its module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'resonant' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    """Module attributes, including the names not loaded yet."""
    return sorted(set(globals()) | set(__all__))
