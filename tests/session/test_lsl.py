"""LSL outlets, on loopback only: every beat, metric, accelerometer sample, pacer onset
and event arrives, time-stamped at its own session time mapped onto LSL's clock, with
XDF-style metadata.

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

Time stamps are checked against the items' session times (a beat's ``time_s``, a
metrics update's ``time_s``, a phase's ``start_s``, an event's ``onset_s``) mapped with
a reading of both clocks taken by the child itself when the session clock starts (the
session clock and ``pylsl.local_clock`` run on the same monotonic clock), plus the
inlet's ``time_correction()`` (zero on one machine, but what a recorder adds): each
within 1 ms. The metadata is checked in the stream's XML as an inlet receives it,
parsed here with the standard library rather than through pylsl.
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
from xml.etree import ElementTree

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


def _channels(xml: str) -> list[tuple[str, str, str]]:
    """(label, unit, type) of each ``desc/channels/channel`` of a stream's XML."""
    desc = ElementTree.fromstring(xml).find("desc")
    assert desc is not None
    return [
        (c.findtext("label", ""), c.findtext("unit", ""), c.findtext("type", ""))
        for c in desc.findall("channels/channel")
    ]


def _check_stamps(r: dict[str, Any], name: str, times: list[float]) -> None:
    """Each time stamp is its item's session time on LSL's clock, within 1 ms."""
    got = r["received"][name]
    stamps, correction = got["stamps"], got["time_correction"]
    assert len(stamps) == len(times) > 0
    # One machine: the inlet's clock correction is (close to) zero; a recorder adds it.
    assert abs(correction) < 1e-3
    # The child's own reading of both clocks when the session clock started.
    anchor = r["anchor"]
    errors = [abs(stamp + correction - (anchor + t / SPEED))
              for stamp, t in zip(stamps, times, strict=True)]  # fmt: skip
    assert max(errors) <= 1e-3, f"{name}: a time stamp is {max(errors) * 1e3:.3f} ms off"
    # Closed form: the stamps keep the spacing of the session times exactly (one anchor).
    steps = [(b - a) - (d - c) / SPEED for a, b, c, d in
             zip(stamps, stamps[1:], times, times[1:], strict=False)]  # fmt: skip
    assert max((abs(s) for s in steps), default=0.0) < 1e-6
    assert stamps[-1] < r["lsl_ended"]


def _check(r: dict[str, Any]) -> None:
    assert r["lslapicfg"].endswith("lsl_api.cfg")
    assert r["available"] == [True, None]
    expected = r["expected"]
    got = r["received"]
    # Every beat of every source: RR (exact: double64), the strap's own HR (None where
    # it sends none), the HR of this interval (60000 / rr_ms), artifact and contact.
    for label in LABELS:
        name = f"resonant-rr-{label}"
        beats = expected["beats"][label]
        assert len(beats) > 100
        assert got[name]["samples"] == beats
        assert r["pushed"][name] == len(beats)
        assert all(b[2] == 60000.0 / b[0] for b in beats)
        assert all(b[1] is None or 20 <= b[1] <= 250 for b in beats)
        _check_stamps(r, name, expected["beat_times"][label])
        # The 5-s metrics, NaN where missing (float32; JSON null for NaN).
        metrics = expected["metrics"][label]
        assert len(metrics) >= 20
        assert len(got[f"resonant-metrics-{label}"]["samples"]) == len(metrics)
        for sent, came in zip(metrics, got[f"resonant-metrics-{label}"]["samples"], strict=True):
            for x, y in zip(sent, came, strict=True):
                assert (x is None and y is None) or abs(x - y) <= 1e-6 * max(1.0, abs(x))
        _check_stamps(r, f"resonant-metrics-{label}", expected["metric_times"][label])
        # Each rate says where it came from (1 chest, 2 heart rhythm), NaN with no rate.
        assert all((m[4] is None) == (m[-1] is None) for m in metrics)
        assert {m[-1] for m in metrics} - {None} and {m[-1] for m in metrics} <= {None, 1.0, 2.0}
    # The chest accelerometer of the H10-like strap: every sample (mG, exact in float32:
    # whole milli-g), each at its own time; the strap without one has no stream.
    acc = expected["acc"]
    assert len(acc) > 25 * 100
    assert got["resonant-acc-chest"]["samples"] == acc
    assert r["pushed"]["resonant-acc-chest"] == len(acc)
    _check_stamps(r, "resonant-acc-chest", expected["acc_times"])
    assert "resonant-acc-spare" not in got
    acc_info = r["info"]["resonant-acc-chest"]
    assert acc_info["type"] == "Accelerometer" and acc_info["format"] == "float32"
    assert _channels(acc_info["xml"]) == [
        ("x_mg", "milli-g", "AccelerationX"), ("y_mg", "milli-g", "AccelerationY"),
        ("z_mg", "milli-g", "AccelerationZ"),
    ]  # fmt: skip
    # Every pacer onset and every event (and gap), in order, each at its own time.
    assert len(expected["pacer"]) > 20
    assert got["resonant-pacer"]["samples"] == [[m] for m in expected["pacer"]]
    assert got["resonant-pacer"]["samples"][0][0].startswith("inhale 5.5/min 4:6 ")
    _check_stamps(r, "resonant-pacer", expected["pacer_times"])
    assert got["resonant-markers"]["samples"] == [[m] for m in expected["markers"]]
    _check_stamps(r, "resonant-markers", expected["marker_times"])
    assert "phase: baseline" in expected["markers"]
    assert "marker: felt calmer" in expected["markers"]
    assert "gap: disconnected [spare]" in expected["markers"]
    assert any(m[0].startswith("inhale 6.0/min") for m in got["resonant-pacer"]["samples"])
    assert any(m.startswith("pacer: rate 5.5 -> 6 breaths/min") for m in expected["markers"])
    # Metadata, as an inlet receives it: XDF meta-data conventions (channels/channel with
    # label, unit, type; acquisition; synchronization), read from the stream's XML.
    rr = r["info"]["resonant-rr-chest"]
    assert rr["type"] == "RR" and rr["srate"] == 0.0 and rr["format"] == "double64"
    assert rr["source_id"] == f"resonant:{r['session_label']}:chest:rr"
    # The channel names changed with issue 14: "RR"/"HR" became rr_ms, hr_bpm (the
    # strap's value) and rr_hr_bpm (60000 / rr_ms), as in every file of the program.
    assert _channels(rr["xml"]) == [
        ("rr_ms", "milliseconds", "RR"), ("hr_bpm", "beats per minute", "HR"),
        ("rr_hr_bpm", "beats per minute", "HR"), ("artifact", "code", "Artifact"),
        ("contact", "boolean", "Contact"),
    ]  # fmt: skip
    desc = ElementTree.fromstring(rr["xml"]).find("desc")
    assert desc is not None
    assert desc.findtext("acquisition/manufacturer") == "resonant (simulated strap)"
    assert desc.findtext("acquisition/model") == "resonant simulated person"
    assert desc.findtext("synchronization/can_drop_samples") == "true"
    assert desc.findtext("session/start_utc") == "2024-05-01T09:30:00.000000Z"
    assert desc.findtext("session/speed") == f"{SPEED:g}"
    assert desc.findtext("source/label") == "chest"
    assert desc.findtext("source/kind") == "simulated"
    assert "60000 / rr_ms" in (desc.findtext("channels/channel[3]/description") or "")
    assert [c.findtext("name") for c in desc.findall("artifact_codes/code")][0] == "none"
    metrics_info = r["info"]["resonant-metrics-chest"]
    assert metrics_info["type"] == "HRV" and metrics_info["format"] == "float32"
    channels = _channels(metrics_info["xml"])
    assert [c[0] for c in channels][:3] == ["hr_mean_bpm", "rmssd_ms", "coherence_ratio"]
    assert channels[1] == ("rmssd_ms", "milliseconds", "HRV")
    assert ("lf_ms2", "square milliseconds", "HRV") in channels
    # Where the breathing rate comes from: the last channel, its codes named.
    assert channels[-1] == ("breathing_source", "code", "Respiration")
    metrics_desc = ElementTree.fromstring(metrics_info["xml"]).find("desc")
    assert metrics_desc is not None
    assert [(c.findtext("value"), c.findtext("name"))
            for c in metrics_desc.findall("breathing_source_codes/code")] == [
        ("1", "chest"), ("2", "heart rhythm")]  # fmt: skip
    for name in ("resonant-pacer", "resonant-markers"):
        info = r["info"][name]
        assert info["type"] == "Markers" and info["format"] == "string"
        desc = ElementTree.fromstring(info["xml"]).find("desc")
        assert desc is not None and desc.findtext("acquisition/manufacturer") == "resonant"
        assert desc.findtext("synchronization/can_drop_samples") == "false"
    # A pause at real speed moves the later session times only, by the pause's length.
    pause = r["pause"]
    assert abs(pause["now_error"]) < 1e-3
    assert pause["pause_shortest"] - 1e-3 < pause["moved"] < pause["pause_longest"] + 1e-3
    assert pause["before_again"] == 0.0
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
    from resonant.devices.chest import ChestSpec
    from resonant.devices.physiology import PersonSpec
    from resonant.devices.simulated import SimulatedStrap, StrapSpec
    from resonant.model.pacer import PacerSchedule, PacerSettings
    from resonant.session.core import Session

    class Collect:
        def __init__(self) -> None:
            self.beats: dict[str, list[list[float | None]]] = {k: [] for k in LABELS}
            self.beat_times: dict[str, list[float]] = {k: [] for k in LABELS}
            self.metrics: dict[str, list[list[float | None]]] = {k: [] for k in LABELS}
            self.metric_times: dict[str, list[float]] = {k: [] for k in LABELS}
            self.pacer: list[Any] = []
            self.markers: list[str] = []
            self.marker_times: list[float] = []
            self.last_metrics: Any = None
            self.acc: list[list[float]] = []
            self.acc_times: list[float] = []

        def on_acc(self, samples) -> None:
            assert samples.source == "chest"
            self.acc += [[float(v) for v in xyz] for xyz in samples.xyz_mg]
            self.acc_times += list(samples.times_s)

        def on_beat(self, beat, metrics) -> None:
            contact = None if beat.contact is None else float(beat.contact)
            self.beats[beat.source].append(
                [beat.rr_ms, beat.hr_bpm, 60000.0 / beat.rr_ms, metrics.artifact, contact]
            )
            self.beat_times[beat.source].append(beat.time_s)
            self.last_metrics = metrics

        def on_spectral(self, m, b, pacer_rate, adherent) -> None:
            values = [
                b.hr_mean_bpm, b.rmssd_ms, m.coherence_ratio, m.coherence_score,
                m.breathing_rate_bpm, m.amplitude_bpm, m.lf_ms2, m.hf_ms2,
                None if adherent is None else float(adherent), pacer_rate,
                {"chest": 1.0, "heart": 2.0}.get(m.breathing_source or ""),
            ]  # fmt: skip
            self.metrics[m.source].append(values)
            self.metric_times[m.source].append(m.time_s)

        def on_pacer(self, phase) -> None:
            self.pacer.append(phase)

        def on_event(self, event) -> None:
            self.markers.append(f"{event.kind}: {event.label}" + (
                f" [{event.source}]" if event.source else ""))  # fmt: skip
            self.marker_times.append(event.onset_s)

        def on_gap(self, gap) -> None:
            self.markers.append(f"gap: {gap.reason} [{gap.source}]")
            self.marker_times.append(gap.time_s)

    pacer = PacerSchedule(PacerSettings(rate_bpm=5.5))
    sources = [
        SimulatedStrap(
            PersonSpec(seed=i + 1, resonance_bpm=5.5, state="soothing"),
            StrapSpec(label=label, seed=i + 1, disconnects_per_h=30.0 * i),
            pacer,
            chest=ChestSpec() if label == "chest" else None,  # an H10 with its accelerometer
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
    # One query for all seven streams (each query waits for answers ~0.5 s), by name.
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
    # LSL time of session time 0, read here (both clocks back to back) as the test's own
    # reference: the outlet made its mapping separately.
    before = pylsl.local_clock()
    session_s = clock.now()
    after = pylsl.local_clock()
    anchor = (before + after) / 2 - session_s / SPEED
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
        elif name.startswith("resonant-acc-"):
            samples = [[float(x) for x in s] for s in samples]
        elif name.startswith("resonant-rr-"):
            samples = [[s[0], None if math.isnan(s[1]) else s[1], s[2], int(s[3]),
                        None if math.isnan(s[4]) else s[4]] for s in samples]  # fmt: skip
        correction = inlet.time_correction(5.0)
        received[name] = {"samples": samples, "stamps": stamps, "time_correction": correction}

    infos: dict[str, Any] = {}
    for name, inlet in inlets.items():
        info = inlet.info(5.0)
        fmt = {pylsl.cf_double64: "double64", pylsl.cf_float32: "float32",
               pylsl.cf_string: "string"}[info.channel_format()]  # fmt: skip
        infos[name] = {
            "type": info.type(), "srate": info.nominal_srate(), "format": fmt,
            "source_id": info.source_id(), "xml": info.as_xml(),
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

    # At real speed, a pause of the session clock mid-session: the session times from
    # the pause on move later by its length, the earlier ones keep their LSL times, and
    # "now" on the session clock is "now" on LSL's clock.
    real = MonotonicClock(1.0)
    paused = LslOutlet(f"{session_label}-pause", "2024-05-01T09:30:00.000000Z", [], real)
    paused.on_event(Event(real.now(), "marker", "before the pause"))
    before_s = real.now()
    lsl_before = paused.lsl_time(before_s)
    t0 = pylsl.local_clock()
    real.pause()
    t1 = pylsl.local_clock()
    time.sleep(0.3)
    t2 = pylsl.local_clock()
    real.resume()
    t3 = pylsl.local_clock()
    lsl_now = pylsl.local_clock()
    after_s = real.now()
    lsl_after = paused.lsl_time(after_s)
    pause = {
        "now_error": lsl_after - lsl_now,
        "moved": (lsl_after - lsl_before) - (after_s - before_s),
        "pause_shortest": t2 - t1,
        "pause_longest": t3 - t0,
        "before_again": paused.lsl_time(before_s) - lsl_before,
    }
    paused.close()

    result = {
        "lslapicfg": cfg,
        "session_label": session_label,
        "available": list(available),
        "pushed": out.pushed,
        "expected": {
            "beats": collect.beats,
            "beat_times": collect.beat_times,
            "metrics": collect.metrics,
            "metric_times": collect.metric_times,
            "pacer": pacer_markers,
            "pacer_times": [p.start_s for p in collect.pacer],
            "markers": collect.markers,
            "marker_times": collect.marker_times,
            "acc": collect.acc,
            "acc_times": collect.acc_times,
        },
        "received": received,
        "info": infos,
        "lsl_started": lsl_started,
        "lsl_ended": lsl_ended,
        "anchor": anchor,
        "pause": pause,
        "late_stream_found": late_found,
        "after_close": {"stream_names": out.stream_names, "found": len(gone)},
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__" and sys.argv[1:] == ["child"]:
    sys.exit(_main())
