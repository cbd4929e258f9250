"""The accelerometer LSL stream, against a stand-in pylsl (no network, no liblsl).

The real outlets are tested end to end in test_lsl.py (loopback only, in a child
process); this checks what the ACC stream is made of and pushes, in-process, with a
recording stand-in for pylsl.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from resonant.model.beats import AccSamples


class _El:
    def __init__(self) -> None:
        self.children: list[tuple[str, Any]] = []

    def append_child(self, name: str) -> _El:
        el = _El()
        self.children.append((name, el))
        return el

    def append_child_value(self, name: str, value: str) -> None:
        self.children.append((name, value))


class _Info:
    def __init__(self, name, kind, n, rate, fmt, source_id) -> None:
        self.args = (name, kind, n, rate, fmt, source_id)
        self._desc = _El()

    def desc(self) -> _El:
        return self._desc


class _Outlet:
    made: list[_Outlet] = []

    def __init__(self, info: _Info, chunk: int, buffered: int) -> None:
        self.info = info
        self.pushed: list[tuple[list[float], float]] = []
        _Outlet.made.append(self)

    def push_sample(self, sample: list[float], stamp: float, pushthrough: bool) -> None:
        self.pushed.append((sample, stamp))


@pytest.fixture
def fake_pylsl(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    mod = types.ModuleType("pylsl")
    mod.StreamInfo = _Info  # type: ignore[attr-defined]
    mod.StreamOutlet = _Outlet  # type: ignore[attr-defined]
    mod.IRREGULAR_RATE = 0.0  # type: ignore[attr-defined]
    mod.local_clock = lambda: 1000.0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pylsl", mod)
    _Outlet.made.clear()
    return mod


def test_acc_samples_make_their_stream_and_each_sample_keeps_its_time(fake_pylsl) -> None:
    from resonant.session.lsl import ACC_CHANNELS, LslOutlet

    out = LslOutlet("s1", "2026-12-03T00:00:00Z", ["chest"], time_map=lambda t: 500.0 + t)
    assert "resonant-acc-chest" not in out.stream_names  # made with the first samples
    out.on_acc(AccSamples((1.0, 1.02), ((-930, -70, 361), (-929, -71, 362)), "chest"))
    out.on_acc(AccSamples((1.04,), ((-928, -72, 363),), "chest"))
    assert "resonant-acc-chest" in out.stream_names
    [acc] = [o for o in _Outlet.made if o.info.args[0] == "resonant-acc-chest"]
    name, kind, n, rate, fmt, source_id = acc.info.args
    assert (kind, n, rate, fmt) == ("Accelerometer", 3, 0.0, "float32")
    assert source_id == "resonant:s1:chest:acc"
    assert [p[0] for p in acc.pushed] == [
        [-930.0, -70.0, 361.0], [-929.0, -71.0, 362.0], [-928.0, -72.0, 363.0]
    ]
    assert [p[1] for p in acc.pushed] == pytest.approx([501.0, 501.02, 501.04], abs=1e-9)
    assert out.pushed["resonant-acc-chest"] == 3
    channels = dict(acc.info.desc().children)["channels"]
    labels = [dict(ch.children)["label"] for _, ch in channels.children]
    assert labels == [c[0] for c in ACC_CHANNELS] == ["x_mg", "y_mg", "z_mg"]
    out.close()
    assert out.stream_names == []
    out.on_acc(AccSamples((2.0,), ((0, 0, 1000),), "chest"))  # after close: nothing
    assert len(acc.pushed) == 3
