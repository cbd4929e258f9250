"""LSL outlets, on loopback only: every beat, metric, pacer onset and event arrives.

LSL discovery leaves the machine by default (multicast to the site, broadcast), and
tests must never send traffic beyond loopback. So pylsl is never imported by the pytest
process: each test runs this file as a script in a child process whose ``LSLAPICFG``
points to a machine-only configuration (:data:`LSL_API_CFG`, also in the child's
working directory), set before pylsl is first imported there. Where network namespaces
are available, the second test also runs the child inside ``unshare -n`` with only the
loopback interface up, so nothing could leave even if the configuration were ignored.

In the child a short accelerated simulated session with two straps runs with an
:class:`~resonant.session.lsl.LslOutlet` and a collecting sink, while one inlet per
stream (resolved by name, opened before the session starts) receives every sample.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pylsl") is None,
    reason="pylsl is not installed, so the LSL outlets cannot be tested (pip install pylsl)",
)

#: liblsl configuration that keeps discovery on this machine (loopback only). The ports
#: are a block of this run's own (``{base}``), so that runs in parallel, or an LSL setup
#: of the machine's user, neither see nor crowd each other (liblsl finds an outlet by a
#: unicast query to each port of the block, and only one process receives a unicast
#: datagram on a shared port).
LSL_API_CFG = """\
[ports]
IPv6 = disable
MulticastPort = {base}
BasePort = {base_1}
PortRange = 48

[multicast]
ResolveScope = machine

[lab]
KnownPeers = {{127.0.0.1}}
"""

SPEED = 300.0
DURATION_S = 150.0
LABELS = ("chest", "spare")
SKIP = 77  # exit status of the child when pylsl cannot load


# -- the pytest side ----------------------------------------------------------------------


def _namespace_prefix() -> list[str] | None:
    """``unshare`` arguments for a private network namespace with lo up, or None."""
    if not sys.platform.startswith("linux") or not (shutil.which("unshare") and shutil.which("ip")):
        return None
    prefix = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-r", "-n"]
    probe = subprocess.run(
        [*prefix, "sh", "-c", "ip link set lo up"], capture_output=True, timeout=10
    )
    return prefix if probe.returncode == 0 else None


def _child(tmp_path: Path, prefix: list[str]) -> dict[str, Any]:
    cfg = tmp_path / "lsl_api.cfg"
    base = 20000 + (os.getpid() % 190) * 64  # below the usual ephemeral ports
    cfg.write_text(LSL_API_CFG.format(base=base, base_1=base + 1), encoding="utf-8")
    env = {**os.environ, "LSLAPICFG": str(cfg)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "child"]
    if prefix:
        cmd = [*prefix, "sh", "-c", 'ip link set lo up && exec "$0" "$@"', *cmd]
    proc = subprocess.run(
        cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )  # fmt: skip
    if proc.returncode == SKIP:
        pytest.skip(proc.stdout.strip() or "pylsl cannot load")
    assert proc.returncode == 0, f"child failed:\n{proc.stdout}\n{proc.stderr}"
    # liblsl says which configuration it read: the machine-only one, nothing else.
    assert f"Configuration loaded from {cfg}" in proc.stderr, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _check(r: dict[str, Any]) -> None:
    assert r["lslapicfg"].endswith("lsl_api.cfg")
    assert r["available"] == [True, None]
    expected = r["expected"]
    got = r["received"]
    # Every beat of every source, with its RR (exact: double64), HR, artifact and contact.
    for label in LABELS:
        name = f"resonant-rr-{label}"
        beats = expected["beats"][label]
        assert len(beats) > 100
        assert got[name]["samples"] == beats
        assert r["pushed"][name] == len(beats)
        # Time stamps: the session times on LSL's clock, compressed by the speed.
        ts, times = got[name]["stamps"], expected["beat_times"][label]
        steps = [(b - a) - (d - c) / SPEED for a, b, c, d in
                 zip(ts, ts[1:], times, times[1:], strict=False)]  # fmt: skip
        assert max(abs(s) for s in steps) < 1e-6
        assert r["lsl_started"] < ts[0] and ts[-1] < r["lsl_ended"]
        # The 5-s metrics, NaN where missing (float32; JSON null for NaN).
        metrics = expected["metrics"][label]
        assert len(metrics) >= 20
        assert len(got[f"resonant-metrics-{label}"]["samples"]) == len(metrics)
        for sent, came in zip(metrics, got[f"resonant-metrics-{label}"]["samples"], strict=True):
            for x, y in zip(sent, came, strict=True):
                assert (x is None and y is None) or abs(x - y) <= 1e-6 * max(1.0, abs(x))
    # Every pacer onset and every event (and gap), in order.
    assert len(expected["pacer"]) > 20
    assert got["resonant-pacer"]["samples"] == [[m] for m in expected["pacer"]]
    assert got["resonant-pacer"]["samples"][0][0].startswith("inhale 5.5/min 4:6 ")
    assert got["resonant-markers"]["samples"] == [[m] for m in expected["markers"]]
    assert "phase: baseline" in expected["markers"]
    assert "marker: felt calmer" in expected["markers"]
    assert "gap: disconnected [spare]" in expected["markers"]
    assert any(m[0].startswith("inhale 6.0/min") for m in got["resonant-pacer"]["samples"])
    assert any(m.startswith("pacer: rate 5.5 -> 6 breaths/min") for m in expected["markers"])
    # Metadata, as an inlet reads it.
    rr = r["info"]["resonant-rr-chest"]
    assert rr["type"] == "RR" and rr["srate"] == 0.0 and rr["format"] == "double64"
    assert rr["source_id"] == f"resonant:{r['session_label']}:chest:rr"
    assert rr["channels"] == [["RR", "ms"], ["HR", "bpm"], ["artifact", "code"],
                              ["contact", "bool"]]  # fmt: skip
    assert rr["manufacturer"] == "resonant" and rr["start_utc"] == "2024-05-01T09:30:00.000000Z"
    assert rr["source"] == "chest" and rr["kind"] == "simulated"
    metrics_info = r["info"]["resonant-metrics-chest"]
    assert metrics_info["type"] == "HRV" and metrics_info["format"] == "float32"
    assert [c[0] for c in metrics_info["channels"]][:3] == [
        "hr_mean_bpm", "rmssd_ms", "coherence_ratio"
    ]  # fmt: skip
    assert metrics_info["channels"][1] == ["rmssd_ms", "ms"]
    for name in ("resonant-pacer", "resonant-markers"):
        assert r["info"][name]["type"] == "Markers" and r["info"][name]["format"] == "string"
    # A source first seen in a beat gets its streams; close() ends them all, twice.
    assert r["late_stream_found"]
    assert r["after_close"] == {"stream_names": [], "found": 0}


def test_every_item_reaches_an_inlet_with_the_machine_only_config(tmp_path: Path) -> None:
    _check(_child(tmp_path, []))


def test_every_item_reaches_an_inlet_in_a_private_network_namespace(tmp_path: Path) -> None:
    prefix = _namespace_prefix()
    if prefix is None:
        pytest.skip("network namespaces (unshare -n) are not available here")
    _check(_child(tmp_path, prefix))


# -- the child side (never run in the pytest process) -------------------------------------


def _main() -> int:
    import asyncio
    import math
    import time

    assert "pylsl" not in sys.modules
    cfg = os.environ["LSLAPICFG"]
    from resonant.session.lsl import LslOutlet, lsl_available

    available = lsl_available()  # the first import of pylsl in this process
    if not available[0]:
        print(available[1])
        return SKIP
    import pylsl

    from resonant.model.beats import Beat, Event
    from resonant.model.clock import MonotonicClock
    from resonant.devices.physiology import PersonSpec
    from resonant.devices.simulated import SimulatedStrap, StrapSpec
    from resonant.model.pacer import PacerSchedule, PacerSettings
    from resonant.session.core import Session

    class Collect:
        def __init__(self) -> None:
            self.beats: dict[str, list[list[float | None]]] = {k: [] for k in LABELS}
            self.beat_times: dict[str, list[float]] = {k: [] for k in LABELS}
            self.metrics: dict[str, list[list[float | None]]] = {k: [] for k in LABELS}
            self.pacer: list[Any] = []
            self.markers: list[str] = []
            self.last_metrics: Any = None

        def on_beat(self, beat, metrics) -> None:
            contact = None if beat.contact is None else float(beat.contact)
            self.beats[beat.source].append([beat.rr_ms, metrics.hr_bpm, metrics.artifact, contact])
            self.beat_times[beat.source].append(beat.time_s)
            self.last_metrics = metrics

        def on_spectral(self, m, b, pacer_rate, adherent) -> None:
            values = [
                b.hr_mean_bpm, b.rmssd_ms, m.coherence_ratio, m.coherence_score,
                m.breathing_rate_bpm, m.amplitude_bpm, m.lf_ms2, m.hf_ms2,
                None if adherent is None else float(adherent), pacer_rate,
            ]  # fmt: skip
            self.metrics[m.source].append(values)

        def on_pacer(self, phase) -> None:
            self.pacer.append(phase)

        def on_event(self, event) -> None:
            self.markers.append(f"{event.kind}: {event.label}" + (
                f" [{event.source}]" if event.source else ""))  # fmt: skip

        def on_gap(self, gap) -> None:
            self.markers.append(f"gap: {gap.reason} [{gap.source}]")

    pacer = PacerSchedule(PacerSettings(rate_bpm=5.5))
    sources = [
        SimulatedStrap(
            PersonSpec(seed=i + 1, resonance_bpm=5.5, state="soothing"),
            StrapSpec(label=label, seed=i + 1, disconnects_per_h=30.0 * i),
            pacer,
        )
        for i, label in enumerate(LABELS)
    ]
    clock = MonotonicClock(SPEED)
    clock.pause()  # the session starts once every inlet listens (the outlet follows)
    # Unique per run: other runs on this machine (parallel tests) publish the same names.
    session_label = f"lsl-test-{os.getpid()}"
    out = LslOutlet(
        session_label, "2024-05-01T09:30:00.000000Z", [s.info for s in sources], clock
    )  # fmt: skip
    # One query for all six streams (each query waits for answers ~0.5 s), by name.
    names = out.stream_names
    ours = f"starts-with(source_id,'resonant:{session_label}:')"
    query = f"({' or '.join(f'name={name!r}' for name in names)}) and {ours}"
    found = {i.name(): i for i in pylsl.resolve_bypred(query, len(names), 5.0)}
    assert sorted(found) == sorted(names), f"found {sorted(found)}"
    inlets: dict[str, Any] = {}
    for name in names:  # subscribed before any sample is pushed
        inlet = pylsl.StreamInlet(found[name], max_buflen=360, recover=False)
        inlet.open_stream(5.0)
        inlets[name] = inlet
    collect = Collect()
    session = Session(sources, clock, pacer, [collect, out], duration_s=DURATION_S)
    session.schedule_events([
        Event(20.0, "phase", "baseline", 40.0), Event(61.0, "marker", "felt calmer"),
    ])  # fmt: skip

    async def run() -> None:
        task = asyncio.create_task(session.run())
        while session.view_time() < 70.0:
            await asyncio.sleep(0.005)
        session.change_pacer(PacerSettings(rate_bpm=6.0), "test")
        await task

    lsl_started = pylsl.local_clock()
    clock.resume()
    asyncio.run(run())
    lsl_ended = pylsl.local_clock()
    pacer_markers = [
        f"{p.phase} {p.rate_bpm:.1f}/min {p.ratio} {p.duration_s:.3f}s breath {p.breath}"
        for p in collect.pacer
    ]

    received: dict[str, dict[str, list[Any]]] = {}
    deadline = time.monotonic() + 10.0
    for name, inlet in inlets.items():
        samples: list[Any] = []
        stamps: list[float] = []
        while len(samples) < out.pushed[name] and time.monotonic() < deadline:
            chunk, ts = inlet.pull_chunk(timeout=0.0, max_samples=4096)
            samples += chunk
            stamps += ts
            if not chunk:
                time.sleep(0.01)
        time.sleep(0.02)
        extra, _ = inlet.pull_chunk(timeout=0.0)  # nothing beyond what was pushed
        samples += extra
        if name.startswith("resonant-metrics-"):
            samples = [[None if math.isnan(x) else x for x in s] for s in samples]
        elif name.startswith("resonant-rr-"):
            samples = [[s[0], s[1], int(s[2]), None if math.isnan(s[3]) else s[3]]
                       for s in samples]  # fmt: skip
        received[name] = {"samples": samples, "stamps": stamps}

    infos: dict[str, Any] = {}
    for name, inlet in inlets.items():
        info = inlet.info(5.0)
        desc = info.desc()
        channels = []
        ch = desc.child("channels").child("channel")
        while not ch.empty():
            channels.append([ch.child_value("label"), ch.child_value("unit")])
            ch = ch.next_sibling("channel")
        fmt = {pylsl.cf_double64: "double64", pylsl.cf_float32: "float32",
               pylsl.cf_string: "string"}[info.channel_format()]  # fmt: skip
        infos[name] = {
            "type": info.type(), "srate": info.nominal_srate(), "format": fmt,
            "source_id": info.source_id(), "channels": channels,
            "manufacturer": desc.child_value("manufacturer"),
            "start_utc": desc.child("session").child_value("start_utc"),
            "source": desc.child("source").child_value("label"),
            "kind": desc.child("source").child_value("kind"),
        }  # fmt: skip
    for inlet in inlets.values():  # inlets close before the outlets go
        inlet.close_stream()
    inlets.clear()

    assert collect.last_metrics is not None
    out.on_beat(Beat(DURATION_S + 10.0, 1000.0, source="late"), collect.last_metrics)
    late = pylsl.resolve_bypred(f"name='resonant-rr-late' and {ours}", 1, 5.0)
    late_found = len(late) == 1 and "resonant-rr-late" in out.stream_names
    del late

    out.close()
    out.close()
    gone = pylsl.resolve_bypred(ours, 1, 0.3)

    result = {
        "lslapicfg": cfg,
        "session_label": session_label,
        "available": list(available),
        "pushed": out.pushed,
        "expected": {
            "beats": collect.beats,
            "beat_times": collect.beat_times,
            "metrics": collect.metrics,
            "pacer": pacer_markers,
            "markers": collect.markers,
        },
        "received": received,
        "info": infos,
        "lsl_started": lsl_started,
        "lsl_ended": lsl_ended,
        "late_stream_found": late_found,
        "after_close": {"stream_names": out.stream_names, "found": len(gone)},
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__" and sys.argv[1:] == ["child"]:
    sys.exit(_main())
