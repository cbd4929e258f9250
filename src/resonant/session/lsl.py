"""Lab Streaming Layer outlets: a session's beats, metrics, pacer and events, live.

:class:`LslOutlet` is a session sink (see :class:`~resonant.session.core.SessionSink`)
that publishes what the session hands it on the lab network, so that a recorder such as
LabRecorder, or an EEG acquisition, can take the heart beats and the breathing pacer on
one common clock. Nothing is computed here: the values are the streaming core's.

Streams (all irregular rate, ``nominal_srate = 0``; one sample per item, pushed at once):

- ``resonant-rr-LABEL``, type ``RR``, double64, one per source, one sample per beat:
  channels :data:`RR_CHANNELS`: ``rr_ms`` (the interval as received), ``hr_bpm`` (the
  heart rate the strap itself reported in the notification that carried the beat, NaN
  when it reports none), ``rr_hr_bpm`` (the rate of this one interval, 60000 / rr_ms),
  ``artifact`` (code, see ``desc/artifact_codes``) and ``contact`` (1, 0, or NaN when
  the strap does not say). ``hr_bpm`` and ``rr_hr_bpm`` keep the program-wide meanings
  of those names (``hr_bpm`` is only ever the strap's value).
- ``resonant-metrics-LABEL``, type ``HRV``, float32, one per source: the 5-s updates,
  channels :data:`METRIC_CHANNELS`, NaN where a value is missing; the last,
  ``breathing_source``, says where ``breathing_rate_bpm`` comes from (1 the chest, 2 the
  heart rhythm, see ``desc/breathing_source_codes``).
- ``resonant-acc-LABEL``, type ``Accelerometer``, float32, one per source whose strap
  streams its chest accelerometer (made with the source's other streams when its
  information says it streams one, else with its first samples): channels
  :data:`ACC_CHANNELS`, ``x_mg``, ``y_mg``, ``z_mg`` (milli-g, gravity included), one
  sample per accelerometer sample, each stamped with its own time. Breathing tilts the
  chest, so these channels rise and fall with each breath.
- ``resonant-pacer``, type ``Markers``, string: one marker per breathing-phase onset,
  such as ``"inhale 6.0/min 4:6 4.000s breath 3"``.
- ``resonant-markers``, type ``Markers``, string: events as ``"kind: label"`` and gaps
  as ``"gap: reason"``, with ``" [source]"`` appended when the item names a source.

One RR and one metrics stream per source label, rather than one stream with a source
channel: an LSL stream describes one device (its ``desc/source`` says which strap, and
a recorder lists and stores each separately), values of two straps never share a
sample, and a label needs no numeric code. Names carry the label so that two straps are
told apart in LabRecorder's list; ``source_id`` is ``resonant:SESSION:LABEL:rr`` (and
``...:metrics``, ``resonant:SESSION:pacer``, ``resonant:SESSION:markers``), stable for a
session and a source, so a consumer's inlet recovers if the outlets are made again.

Outlets for the sources named at construction, and the pacer and marker streams, exist
as soon as the object is made, so a consumer can subscribe before the first beat; a
source label first seen in a beat gets its streams then.

No regular-rate pacer signal is published: the session calls its sinks when items
arrive, not at a fixed rate, and a regular-rate LSL stream must keep to its nominal
rate; the target volume follows entirely from the onset markers (phase, duration).

Time stamps: each sample carries the LSL time (:func:`pylsl.local_clock`) at which its
item happened, never the time it was pushed: a beat's ``time_s`` (its R-peak, see
:class:`~resonant.model.beats.BeatTimer`), a metrics update's ``time_s``, a pacer phase's
``start_s``, an event's ``onset_s``, a gap's ``time_s``, each mapped from the session
clock and given to ``push_sample`` explicitly. The mapping is
``lsl = anchor + session_s / speed``, with ``anchor`` (the LSL time of session time 0)
fixed when the outlet is made, by reading both clocks back to back; so the time stamps
of one stream keep exactly the spacing of the session times (a beat's stamp minus the
previous one is its RR interval at speed 1). A paused (or restarted) clock starts a new
anchor, the old one plus the length of the pause, for the session times from the last
reading before the pause on: the offset between the two clocks is read again at each
push, and a growth beyond :data:`PAUSE_TOLERANCE_S` is taken as a pause. Items of
earlier session times that arrive later keep the anchor of their own time. A clock held
before anything was pushed (a session that starts paused) just moves the anchor. The time
stamps mean something only at ``speed == 1`` (``desc/session/speed`` says which): at a
faster speed, session seconds are compressed into fewer LSL seconds, and a simulated
source may run behind the clock.

Metadata follows the XDF meta-data conventions that LSL uses (github.com/sccn/xdf/wiki,
"Meta-Data" and the per-content-type pages): ``desc/channels/channel`` with ``label``,
``unit`` (spelled out, as the conventions do: ``milliseconds``, ``beats per minute``)
and ``type``, plus a ``description`` of each channel; ``desc/acquisition`` with the
``manufacturer`` and ``model`` (the strap's where known, resonant's for the pacer and
marker streams); ``desc/synchronization`` with
``can_drop_samples`` (true for the per-source streams, whose beats a lost link drops).
The conventions define the content type ``Markers`` (used for the pacer and marker
streams) but none for heart beats or HRV, so those streams are typed ``RR`` and ``HRV``
and each channel says what it holds. Elements the conventions do not define
(``software``, ``session``, ``source``, ``artifact_codes``) add what a reader of the
recording needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from resonant._version import __version__
from resonant.errors import ResonantError
from resonant.model.beats import AccSamples, Beat, Event, Gap
from resonant.model.clock import Clock
from resonant.model.source import SourceInfo
from resonant.model.pacer import PacerPhase
from resonant.signal.artifacts import ARTIFACT_NAMES
from resonant.signal.breathing_source import CHEST, HEART, SOURCE_WORDS
from resonant.signal.metrics import BeatMetrics, SpectralMetrics
from resonant.model.sink import SessionSink

__all__ = [
    "LslOutlet",
    "LslError",
    "lsl_available",
    "MACHINE_ONLY_CONFIG",
    "keep_to_this_machine",
    "RR_CHANNELS",
    "METRIC_CHANNELS",
    "BREATHING_SOURCE_CODES",
    "ACC_CHANNELS",
    "MARKER_STREAMS",
    "MARKER_TEXTS",
    "PAUSE_TOLERANCE_S",
]

#: Channels of each ``resonant-rr-LABEL`` stream: (label, unit, type, description).
#: Units are spelled out as the XDF meta-data conventions spell theirs ("microvolts").
RR_CHANNELS: tuple[tuple[str, str, str, str], ...] = (
    ("rr_ms", "milliseconds", "RR", "RR interval ending at this beat, as received"),
    ("hr_bpm", "beats per minute", "HR",
     "heart rate the strap reported with this beat (NaN when it reports none)"),
    ("rr_hr_bpm", "beats per minute", "HR", "heart rate from this RR interval, 60000 / rr_ms"),
    ("artifact", "code", "Artifact",
     "provisional artifact class of this beat, see artifact_codes"),
    ("contact", "boolean", "Contact",
     "skin contact: 1 detected, 0 not detected, NaN when the strap does not say"),
)  # fmt: skip

#: Channels of each ``resonant-metrics-LABEL`` stream: (label, unit, type, description).
METRIC_CHANNELS: tuple[tuple[str, str, str, str], ...] = (
    ("hr_mean_bpm", "beats per minute", "HR", "60000 / mean NN over the window (60 s by default)"),
    ("rmssd_ms", "milliseconds", "HRV", "RMSSD of NN over the window (60 s by default)"),
    ("coherence_ratio", "ratio", "Coherence", "peak power / (total - peak), 64-s window"),
    ("coherence_score", "score", "Coherence", "coherence ratio on the 0-16 display scale"),
    ("breathing_rate_bpm", "breaths per minute", "Respiration",
     "breathing rate: counted at the chest where the accelerometer streams, else read from "
     "the heart rhythm when clear (NaN when unclear); see breathing_source"),
    ("amplitude_bpm", "beats per minute", "HRV", "mean peak-to-trough swing per breath"),
    ("lf_ms2", "square milliseconds", "HRV", "power in 0.04-0.15 Hz, 64-s window"),
    ("hf_ms2", "square milliseconds", "HRV", "power in 0.15-0.40 Hz, 64-s window"),
    ("adherent", "boolean", "Adherence", "breathing follows the pacer (1/0, NaN unknown)"),
    ("pacer_rate_bpm", "breaths per minute", "Pacer", "the guide's rate (NaN without one)"),
    ("breathing_source", "code", "Respiration",
     "where breathing_rate_bpm comes from, see breathing_source_codes (NaN when it is NaN)"),
)  # fmt: skip

#: Codes of the metrics stream's ``breathing_source`` channel (``desc/breathing_source_codes``).
BREATHING_SOURCE_CODES = {CHEST: 1.0, HEART: 2.0}

#: Channels of each ``resonant-acc-LABEL`` stream: (label, unit, type, description).
ACC_CHANNELS: tuple[tuple[str, str, str, str], ...] = (
    ("x_mg", "milli-g", "AccelerationX", "the sensor's x axis, gravity included"),
    ("y_mg", "milli-g", "AccelerationY", "the sensor's y axis, gravity included"),
    ("z_mg", "milli-g", "AccelerationZ", "the sensor's z axis, gravity included"),
)

#: The session-wide string streams: name -> channel label.
MARKER_STREAMS = {"resonant-pacer": "pacer", "resonant-markers": "event"}

#: What the channel of each string stream holds.
MARKER_TEXTS = {
    "resonant-pacer": "breathing-phase onset: phase rate/min ratio duration breath number",
    "resonant-markers": "event as 'kind: label', or 'gap: reason', with ' [source]' if any",
}

#: Growth of the clock-to-LSL offset, wall s, taken as a pause of the session clock.
#: Larger than any time-reading jitter (a coarse Windows clock ticks every ~16 ms),
#: smaller than any pause a person makes.
PAUSE_TOLERANCE_S = 0.05

#: Samples an irregular-rate outlet keeps for a slow consumer, in hundreds (LSL's unit).
_MAX_BUFFERED = 360


class LslError(ResonantError):
    """The LSL outlets cannot be made (one sentence)."""


#: liblsl configuration (``lsl_api.cfg``, labstreaminglayer.readthedocs.io/info/lslapicfg)
#: that keeps LSL to this machine: streams are looked for and answered only on the
#: machine's own multicast scope and the loopback address, over IPv4, and the discovery
#: responder listens on 127.0.0.1 only. liblsl still opens each outlet's data port
#: (TCP) on every interface; without discovery a program elsewhere does not learn it,
#: and a firewall is what closes it.
MACHINE_ONLY_CONFIG = """\
; written by resonant for --lsl-local: Lab Streaming Layer on this machine only
[ports]
IPv6 = disable

[multicast]
ResolveScope = machine
ListenAddress = 127.0.0.1

[lab]
KnownPeers = {127.0.0.1}

[log]
level = -2
"""

#: liblsl configuration used when the person has not named one (``LSLAPICFG`` unset):
#: liblsl's defaults, but its log says only errors (level -2), so its start-up lines
#: ("Loaded default config", its build) do not reach the terminal among resonant's own.
QUIET_CONFIG = """\
[log]
level = -2
"""


def keep_to_this_machine(folder: Path | None = None) -> Path:
    """Keep this process's LSL to this machine: write :data:`MACHINE_ONLY_CONFIG` and use it.

    liblsl reads its configuration once, from the file named by the environment variable
    ``LSLAPICFG`` when it is set, so this must run before ``pylsl`` is first imported.

    Parameters
    ----------
    folder : Path or None
        Where to write ``lsl_api.cfg``; None for a new private temporary folder.

    Returns
    -------
    Path
        The configuration file, now named by ``LSLAPICFG``.

    Raises
    ------
    LslError
        When pylsl is already loaded (its configuration can no longer change), or the
        file cannot be written.
    """
    import os
    import sys
    import tempfile

    if "pylsl" in sys.modules:
        raise LslError(
            "LSL was already started in this program, so it cannot be kept to this machine "
            "now; start resonant again with --lsl-local"
        )
    try:
        where = Path(tempfile.mkdtemp(prefix="resonant-lsl-")) if folder is None else Path(folder)
        path = where / "lsl_api.cfg"
        path.write_text(MACHINE_ONLY_CONFIG, encoding="utf-8")
    except OSError as exc:
        raise LslError(f"the LSL configuration could not be written ({exc.strerror})") from None
    if folder is None:  # liblsl reads it once, at its start: gone when the program ends
        import atexit
        import shutil

        atexit.register(shutil.rmtree, where, True)
    os.environ["LSLAPICFG"] = str(path)
    return path


def lsl_available() -> tuple[bool, str | None]:
    """Tell whether LSL can be used here (pylsl imports and its liblsl loads).

    Returns
    -------
    available : bool
        True when ``pylsl`` imports.
    reason : str or None
        Why not, as one sentence; None when available.
    """
    try:
        import pylsl
    except ImportError:
        return False, (
            "LSL output needs the pylsl package, which is not installed "
            "(pip install pylsl; its wheels include the liblsl library)."
        )
    except (RuntimeError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return False, f"pylsl is installed but cannot load the liblsl library ({first})."
    _quiet(pylsl)
    return True, None


def _quiet(pylsl: Any) -> None:
    """Give liblsl :data:`QUIET_CONFIG` unless the person named a configuration.

    liblsl reads its configuration once, when its first stream is made, so this works
    only before then; afterwards, and with an older liblsl (before 1.16) that has no
    ``lsl_set_config_content``, it changes nothing.
    """
    import os

    if os.environ.get("LSLAPICFG"):
        return
    library = getattr(getattr(pylsl, "lib", None), "lib", None)
    setter = getattr(library, "lsl_set_config_content", None)
    if setter is None:
        return
    try:
        setter(QUIET_CONFIG.encode("ascii"))
    except (OSError, TypeError, ValueError):
        return


def _acquisition(source: SourceInfo | None) -> list[tuple[str, str]]:
    """``desc/acquisition`` entries (XDF meta-data conventions): what made the data.

    The strap for a per-source stream (its manufacturer and model where known, the
    simulated strap named as such; a replayed file names the file), resonant itself for
    the pacer and marker streams.
    """
    if source is None:
        return [("manufacturer", "resonant"), ("model", f"resonant {__version__}")]
    out: list[tuple[str, str]] = []
    maker = source.settings.get("manufacturer") if source.settings else None
    if source.kind == "simulated":
        out.append(("manufacturer", "resonant (simulated strap)"))
    elif isinstance(maker, str) and maker:
        out.append(("manufacturer", maker))
    model = source.model or source.name
    if model:
        out.append(("model", model))
    return out


def _f(x: float | None) -> float:
    """A value for a numeric channel: NaN for missing."""
    return math.nan if x is None else float(x)


def _num(x: float) -> str:
    """A rate for a marker: at least one decimal, no trailing zeros beyond it."""
    s = f"{x:.3f}".rstrip("0")
    return s + "0" if s.endswith(".") else s


class LslOutlet(SessionSink):
    """Publish a session on the Lab Streaming Layer (a session sink).

    Parameters
    ----------
    session_label : str
        Names the session in every ``source_id`` and ``desc/session/label`` (the
        session folder's name is a good choice).
    start_utc : str
        When the session started, ISO 8601 UTC (as in ``session.json``), for
        ``desc/session/start_utc``.
    sources : sequence of SourceInfo or str
        The sources known now (descriptions or bare labels): their RR and metrics
        outlets are made at once, so consumers can subscribe before the first beat.
        Others are made at their first beat.
    clock : Clock or None
        The session clock, to map session time to LSL time (see the module notes).
        Without it (and without ``time_map``) session time 0 is taken as the moment
        the outlet is made, at real speed.
    time_map : callable or None
        Session time (s) -> LSL time (s, on :func:`pylsl.local_clock`); replaces the
        mapping made from ``clock``.
    on_problem : callable or None
        Called once, with a sentence, if pushing fails; publishing then stops and the
        session goes on.

    Raises
    ------
    LslError
        When pylsl cannot be loaded or an outlet cannot be made.

    Notes
    -----
    The ``desc`` of every stream holds ``channels/channel`` (label, unit, type,
    description), ``acquisition`` (manufacturer, model: the strap's as known, or
    resonant's for the pacer and marker streams), ``synchronization/can_drop_samples``,
    ``software/name`` and ``software/version``, ``session/label``,
    ``session/start_utc``, ``session/speed`` and ``session/timestamps`` and, for the
    per-source streams, ``source`` (label, kind, name, address, model, firmware,
    body_location as known when the stream is made). The RR stream adds
    ``artifact_codes/code`` (value, name). LSL metadata cannot change once a stream
    exists, so a strap's model and firmware learnt later are not in it.
    """

    def __init__(
        self,
        session_label: str,
        start_utc: str,
        sources: Sequence[SourceInfo | str] = (),
        clock: Clock | None = None,
        *,
        time_map: Callable[[float], float] | None = None,
        on_problem: Callable[[str], None] | None = None,
    ) -> None:
        ok, why = lsl_available()
        if not ok:
            raise LslError(why)
        import pylsl

        self._lsl: Any = pylsl
        self.session_label = session_label
        self.start_utc = start_utc
        self.problem: str | None = None
        self.on_problem = on_problem
        self.closed = False
        self._clock = clock
        self._time_map = time_map
        self._speed = float(clock.speed) if clock is not None else 1.0
        anchor = float(pylsl.local_clock())
        #: Session time of the last clock reading (a pause found later began after it).
        self._read_s = -math.inf
        if clock is not None:
            for _ in range(10):  # a reading fails only when the thread is held up
                reading = self._offset()
                if reading is not None:
                    anchor, self._read_s = reading
                    break
            else:
                self._read_s = clock.now()
                anchor -= self._read_s / self._speed
        #: (first session time, anchor) of each stretch between pauses, in time order:
        #: a session time maps with the anchor of the last stretch that begins at or
        #: before it.
        self._anchors: list[tuple[float, float]] = [(-math.inf, anchor)]
        self._infos: dict[str, SourceInfo] = {}
        self._rr: dict[str, Any] = {}
        self._metrics: dict[str, Any] = {}
        self._acc: dict[str, Any] = {}
        self._markers: dict[str, Any] = {}
        #: Samples pushed so far, per stream name.
        self.pushed: dict[str, int] = {}
        try:
            for name, channel in MARKER_STREAMS.items():
                self._markers[name] = self._outlet(
                    name, "Markers", [(channel, "", "Markers", MARKER_TEXTS[name])], "string",
                    f"resonant:{session_label}:{name.removeprefix('resonant-')}",
                )  # fmt: skip
            for src in sources:
                info = src if isinstance(src, SourceInfo) else SourceInfo(src, "")
                self._add_source(info)
        except Exception as exc:
            self.close()
            raise LslError(f"the LSL outlets cannot be made ({exc}).") from None

    # -- names and time ----------------------------------------------------------------------

    @staticmethod
    def rr_stream_name(label: str) -> str:
        """Name of the RR stream of a source label."""
        return f"resonant-rr-{label}"

    @staticmethod
    def metrics_stream_name(label: str) -> str:
        """Name of the metrics stream of a source label."""
        return f"resonant-metrics-{label}"

    @staticmethod
    def acc_stream_name(label: str) -> str:
        """Name of the accelerometer stream of a source label."""
        return f"resonant-acc-{label}"

    @property
    def stream_names(self) -> list[str]:
        """Names of the streams published now."""
        return [*self._markers, *(self._rr[k].name for k in self._rr),
                *(self._metrics[k].name for k in self._metrics),
                *(self._acc[k].name for k in self._acc)]  # fmt: skip

    def _offset(self) -> tuple[float, float] | None:
        """LSL time of session time 0 according to the clock now, and the session time.

        The session clock is read between two readings of LSL's clock; None when those
        are too far apart (the thread was held up) for the reading to be trusted.
        """
        assert self._clock is not None
        before = float(self._lsl.local_clock())
        session_s = self._clock.now()
        after = float(self._lsl.local_clock())
        if after - before > PAUSE_TOLERANCE_S / 2:
            return None
        return (before + after) / 2 - session_s / self._speed, session_s

    @property
    def anchor(self) -> float:
        """LSL time (s) of session time 0 for the session times of now on."""
        return self._anchors[-1][1]

    def lsl_time(self, session_s: float) -> float:
        """LSL time (s, :func:`pylsl.local_clock`) of a session time.

        ``anchor + session_s / speed``, with the anchor of the stretch of session time
        that ``session_s`` falls in. With a clock, a pause of the clock since the last
        call (the offset between the two clocks grew by more than
        :data:`PAUSE_TOLERANCE_S`) first starts a new stretch, from the session time of
        the last reading before the pause, whose anchor is later by the pause's length;
        a pause before anything was pushed (a clock held until the session starts)
        replaces the anchor instead, since nothing happened before it.
        """
        if self._time_map is not None:
            return float(self._time_map(session_s))
        if self._clock is not None:
            reading = self._offset()
            if reading is not None:
                offset, now_s = reading
                if offset - self._anchors[-1][1] > PAUSE_TOLERANCE_S:
                    if any(self.pushed.values()):
                        start = max(self._read_s, self._anchors[-1][0])
                        self._anchors.append((start, offset))
                    else:  # paused before anything happened: the session starts now
                        self._anchors = [(-math.inf, offset)]
                self._read_s = max(self._read_s, now_s)
        anchors = self._anchors
        k = len(anchors) - 1
        while k > 0 and session_s < anchors[k][0]:
            k -= 1
        return anchors[k][1] + session_s / self._speed

    # -- outlets ----------------------------------------------------------------------------

    def _outlet(
        self,
        name: str,
        kind: str,
        channels: Sequence[tuple[str, str, str, str]],
        fmt: str,
        source_id: str,
        source: SourceInfo | None = None,
    ) -> _Named:
        lsl = self._lsl
        info = lsl.StreamInfo(name, kind, len(channels), lsl.IRREGULAR_RATE, fmt, source_id)
        desc = info.desc()
        chans = desc.append_child("channels")
        for label, unit, ctype, text in channels:
            ch = chans.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", unit)
            ch.append_child_value("type", ctype)
            ch.append_child_value("description", text)
        acq = desc.append_child("acquisition")
        for key, value in _acquisition(source):
            acq.append_child_value(key, value)
        sync = desc.append_child("synchronization")
        sync.append_child_value("can_drop_samples", "true" if source is not None else "false")
        sw = desc.append_child("software")
        sw.append_child_value("name", "resonant")
        sw.append_child_value("version", __version__)
        ses = desc.append_child("session")
        ses.append_child_value("label", self.session_label)
        ses.append_child_value("start_utc", self.start_utc)
        ses.append_child_value("speed", f"{self._speed:g}")
        ses.append_child_value(
            "timestamps",
            "LSL time of each item's own session time (a beat's R-peak, a phase's start, "
            "an event's onset), LSL time of session time 0 + session_s / speed; "
            "meaningful at speed 1 only",
        )
        if source is not None:
            el = desc.append_child("source")
            for key, value in (
                ("label", source.label), ("kind", source.kind), ("name", source.name),
                ("address", source.address), ("model", source.model),
                ("firmware", source.firmware), ("body_location", source.body_location or ""),
            ):  # fmt: skip
                el.append_child_value(key, value)
        if channels is RR_CHANNELS:
            codes = desc.append_child("artifact_codes")
            for number, art in enumerate(ARTIFACT_NAMES):
                code = codes.append_child("code")
                code.append_child_value("value", str(number))
                code.append_child_value("name", art or "none")
        if channels is METRIC_CHANNELS:
            codes = desc.append_child("breathing_source_codes")
            for key, code_value in BREATHING_SOURCE_CODES.items():
                code = codes.append_child("code")
                code.append_child_value("value", f"{code_value:g}")
                code.append_child_value("name", SOURCE_WORDS[key])
        self.pushed[name] = 0
        return _Named(name, lsl.StreamOutlet(info, 0, _MAX_BUFFERED))

    def _add_source(self, info: SourceInfo) -> None:
        label = info.label
        if label in self._rr:
            return
        self._infos[label] = info
        base = f"resonant:{self.session_label}:{label}"
        self._rr[label] = self._outlet(
            self.rr_stream_name(label), "RR", RR_CHANNELS, "double64", f"{base}:rr", info
        )
        self._metrics[label] = self._outlet(
            self.metrics_stream_name(label), "HRV", METRIC_CHANNELS, "float32",
            f"{base}:metrics", info,
        )  # fmt: skip
        if info.settings.get("acc_hz"):  # known to stream its accelerometer: made now,
            self._add_acc(label, info)  # so that a recorder started first sees it

    def _add_acc(self, label: str, info: SourceInfo) -> None:
        """Make the accelerometer stream of ``label``."""
        self._acc[label] = self._outlet(
            self.acc_stream_name(label), "Accelerometer", ACC_CHANNELS, "float32",
            f"resonant:{self.session_label}:{label}:acc", info,
        )  # fmt: skip

    def _push(self, outlet: _Named, sample: list[Any], session_s: float) -> None:
        try:
            outlet.outlet.push_sample(sample, self.lsl_time(session_s), True)
        except Exception as exc:  # a publishing failure never ends the session
            self._fail(exc)
            return
        self.pushed[outlet.name] += 1

    def _ready(self) -> bool:
        return not self.closed and self.problem is None

    def _source(self, label: str) -> bool:
        if label not in self._rr:
            try:
                self._add_source(self._infos.get(label) or SourceInfo(label, ""))
            except Exception as exc:
                self._fail(exc)
                return False
        return True

    def _fail(self, exc: Exception) -> None:
        if self.problem is None:
            self.problem = (
                f"LSL output stopped ({str(exc) or type(exc).__name__}). The session goes on; "
                "the streams published until now are unchanged."
            )
            if self.on_problem is not None:
                self.on_problem(self.problem)

    # -- as a session sink -------------------------------------------------------------------

    def on_beat(self, beat: Beat, metrics: BeatMetrics) -> None:
        """Sink: push the beat to its source's RR stream."""
        if not self._ready() or not self._source(beat.source):
            return
        contact = math.nan if beat.contact is None else float(beat.contact)
        rr_hr_bpm = 60000.0 / beat.rr_ms if beat.rr_ms > 0.0 else math.nan
        sample = [beat.rr_ms, _f(beat.hr_bpm), rr_hr_bpm, float(metrics.artifact), contact]
        self._push(self._rr[beat.source], sample, beat.time_s)

    def on_spectral(
        self, metrics: SpectralMetrics, beat: BeatMetrics | None,
        pacer_rate_bpm: float | None, adherent: bool | None,
    ) -> None:  # fmt: skip
        """Sink: push the 5-s update to its source's metrics stream."""
        if not self._ready() or not self._source(metrics.source):
            return
        b = beat
        sample = [
            _f(b.hr_mean_bpm if b else None), _f(b.rmssd_ms if b else None),
            _f(metrics.coherence_ratio), _f(metrics.coherence_score),
            _f(metrics.breathing_rate_bpm), _f(metrics.amplitude_bpm),
            _f(metrics.lf_ms2), _f(metrics.hf_ms2),
            math.nan if adherent is None else float(adherent), _f(pacer_rate_bpm),
            BREATHING_SOURCE_CODES.get(metrics.breathing_source or "", math.nan),
        ]  # fmt: skip
        self._push(self._metrics[metrics.source], sample, metrics.time_s)

    def on_acc(self, samples: AccSamples) -> None:
        """Sink: push each accelerometer sample to its source's stream (made at the first)."""
        if not self._ready() or not samples.times_s:
            return
        label = samples.source
        if label not in self._acc:
            try:
                self._add_acc(label, self._infos.get(label) or SourceInfo(label, ""))
            except Exception as exc:
                self._fail(exc)
                return
        outlet = self._acc[label]
        for t, xyz in zip(samples.times_s, samples.xyz_mg, strict=True):
            self._push(outlet, [float(v) for v in xyz], t)
            if not self._ready():
                return

    def on_pacer(self, phase: PacerPhase) -> None:
        """Sink: push the phase onset as a marker."""
        if self._ready():
            text = (
                f"{phase.phase} {_num(phase.rate_bpm)}/min {phase.ratio} "
                f"{phase.duration_s:.3f}s breath {phase.breath}"
            )
            self._push(self._markers["resonant-pacer"], [text], phase.start_s)

    def on_event(self, event: Event) -> None:
        """Sink: push the event as ``"kind: label"`` (`` [source]`` when it names one)."""
        if self._ready():
            text = f"{event.kind}: {event.label}" + (f" [{event.source}]" if event.source else "")
            self._push(self._markers["resonant-markers"], [text], event.onset_s)

    def on_gap(self, gap: Gap) -> None:
        """Sink: push the break as ``"gap: reason"`` (`` [source]`` when it names one)."""
        if self._ready():
            text = f"gap: {gap.reason}" + (f" [{gap.source}]" if gap.source else "")
            self._push(self._markers["resonant-markers"], [text], gap.time_s)

    def close(self) -> None:
        """Destroy every outlet (consumers see the streams end); safe to call twice."""
        self.closed = True
        for group in (self._rr, self._metrics, self._acc, self._markers):
            # pylsl destroys an outlet when its last reference goes (StreamOutlet.__del__).
            group.clear()


class _Named:
    """An outlet with its stream name."""

    __slots__ = ("name", "outlet")

    def __init__(self, name: str, outlet: Any) -> None:
        self.name = name
        self.outlet = outlet
