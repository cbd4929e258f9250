"""One session assembly for every face: a description of a session in, a running session out.

The command line (``record``, ``demo``, ``assess``) and the window (Start, Assess...,
protocols) describe the session they want as a :class:`SessionSpec`; :func:`assemble`
turns it into a :class:`~resonant.session.core.Session` with its sources, guide (a pacer,
a guided protocol, an assessment plan, or the adaptive guide), recorder and LSL outlet,
and writes ``session.json``; :meth:`Assembly.close` ends it the same way for both faces
(end fields, the assessment's answer, an empty folder removed when the strap never
streamed). An option therefore means the same in the terminal and in the window, and a
session folder holds the same facts whichever face recorded it.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from resonant.analysis.assessment import analyze_folder
from resonant.config.paths import sessions_dir
from resonant.config.settings import user_protocols_dir
from resonant.errors import EXIT_FAILED, EXIT_OK, BadInputError, ResonantError
from resonant.folder.write import Recorder
from resonant.model.clock import SPEED_MAX, Clock, MonotonicClock, utc_now
from resonant.model.pacer import PacerError, PacerSchedule, PacerSettings
from resonant.model.plans import Plan, SlidingProtocol, SteppedProtocol, accepted_rate
from resonant.model.protocols import Protocol, check_phase_pacers, load_protocol
from resonant.model.source import Source
from resonant.session.extension import StepExtension
from resonant.session.adaptive import AdaptivePacer
from resonant.session.core import Session, SessionSink, SessionSummary
from resonant.session.protocol_runner import DEFAULT_RESONANCE_BPM, ProtocolRunner
from resonant.signal.metrics import StreamConfig
from resonant.signal.resonance import AssessmentResult

__all__ = [
    "SimSpec",
    "SourceSpec",
    "MAX_SIM_PEOPLE",
    "sim_group",
    "AssessmentSpec",
    "SessionSpec",
    "Assembly",
    "Outcome",
    "assemble",
    "UTC_FORMAT",
    "DEFAULT_PACE_BPM",
    "starting_pacer",
    "guide_start",
]

#: How times are written into ``session.json``.
UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
@dataclass(frozen=True, slots=True)
class SimSpec:
    """The simulated person and strap (``--sim-*`` options; the window's source picker).

    Attributes
    ----------
    resonance_bpm : float
        The person's resonance rate, breaths/min (4-7).
    state : str
        ``rest``, ``threat`` or ``soothing``.
    adherence : float
        Share of the time the person follows the guide (0-1).
    artifact_rate : float
        Share of beats with an artifact (0-0.2).
    contact_losses_per_h, disconnects_per_h : float
        Contact losses and dropped links per hour.
    seed : int or None
        The same seed gives the same session; None: a random one, drawn at assembly.
    model : str
        Which simulated person: ``resonator`` (a band-pass resonance) or ``delay`` (a
        delayed baroreflex loop); see :mod:`resonant.devices.people`.
    label : str
        The person's label in the files (``source``) and on the screen: ``sim`` for one
        person, ``sim1``...``simN`` in a group (:func:`sim_group`).
    """

    resonance_bpm: float = 5.5
    state: str = "soothing"
    adherence: float = 0.9
    artifact_rate: float = 0.0
    contact_losses_per_h: float = 0.0
    disconnects_per_h: float = 0.0
    seed: int | None = None
    model: str = "resonator"
    label: str = "sim"


#: The most simulated people one session holds (``--sim-people``; the source picker).
MAX_SIM_PEOPLE = 8

#: How far the resonance rates of a simulated group spread around the given one, from the
#: lowest to the highest, breaths/min (adult resonance rates lie between about 4.5 and
#: 6.5 breaths/min; Vaschillo et al. 2006).
GROUP_RESONANCE_SPAN_BPM = 1.5


def sim_group(base: SimSpec, n: int) -> tuple[SimSpec, ...]:
    """``n`` simulated people made from ``base``: a group to demonstrate and test with.

    One person is ``base`` itself. Several are labelled ``sim1``...``simN``; person k
    (counting from 1) has the seed ``base.seed + k - 1`` (None stays None and is drawn at
    assembly) and a resonance rate spread evenly over
    :data:`GROUP_RESONANCE_SPAN_BPM` around ``base.resonance_bpm`` (kept within
    4-7 breaths/min); state, adherence, faults and model are ``base``'s.

    Parameters
    ----------
    base : SimSpec
        The person the group is made from (``--sim-*`` options).
    n : int
        How many people, 1-:data:`MAX_SIM_PEOPLE`.

    Returns
    -------
    tuple of SimSpec
        The people, in order.

    Raises
    ------
    BadInputError
        When ``n`` is outside 1-:data:`MAX_SIM_PEOPLE`.

    References
    ----------
    Vaschillo, Vaschillo & Lehrer (2006), Characteristics of resonance in heart rate
    variability stimulated by biofeedback, Applied Psychophysiology and Biofeedback 31(2).
    """
    from dataclasses import replace

    if not 1 <= n <= MAX_SIM_PEOPLE:
        raise BadInputError(f"--sim-people {n} is outside 1-{MAX_SIM_PEOPLE}")
    if n == 1:
        return (base,)
    people = []
    for k in range(n):
        offset = GROUP_RESONANCE_SPAN_BPM * (k / (n - 1) - 0.5)
        people.append(replace(
            base, label=f"sim{k + 1}",
            resonance_bpm=round(min(7.0, max(4.0, base.resonance_bpm + offset)), 2),
            seed=None if base.seed is None else base.seed + k,
        ))  # fmt: skip
    return tuple(people)


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """Where the beats come from.

    Attributes
    ----------
    kind : str
        ``sim`` (the simulated strap), ``ble`` (Bluetooth straps) or ``replay``.
    targets : tuple of str
        ``ble``: one ``NAME|ADDR[=LABEL]`` per strap; ``replay``: the recording's path.
    sim : SimSpec
        The simulated person (``sim`` only); in a group, the person the group was made
        from (:func:`sim_group`).
    ecg : bool
        Also record raw ECG where a strap offers it (Polar H10).
    people : tuple of SimSpec
        Several simulated people at once (a group, ``sim`` only), each with their own
        label, state, resonance and seed; empty: the one person ``sim``.
    acc : bool
        Record the chest accelerometer where the strap offers it (Polar H10, the
        simulated strap), for breathing measured at the chest.
    """

    kind: str = "sim"
    targets: tuple[str, ...] = ()
    sim: SimSpec = field(default_factory=SimSpec)
    ecg: bool = False
    people: tuple[SimSpec, ...] = ()
    acc: bool = True

    def __post_init__(self) -> None:
        if self.kind not in ("sim", "ble", "replay"):
            raise BadInputError(f"unknown source kind {self.kind!r} (sim, ble or replay)")
        if len(self.people) > MAX_SIM_PEOPLE:
            raise BadInputError(
                f"{len(self.people)} simulated people: at most {MAX_SIM_PEOPLE} at once"
            )
        labels = [p.label for p in self.people]
        for label in labels:
            if not label.strip() or not label.isprintable():
                raise BadInputError(f"{label!r} cannot label a simulated person")
            if labels.count(label) > 1:
                raise BadInputError(f"two simulated people are labelled {label!r}")

    def simulated(self) -> tuple[SimSpec, ...]:
        """The simulated people: ``people``, or the one person ``sim``."""
        return self.people or (self.sim,)

    def describe(self) -> str:
        """A few words for a status line."""
        if self.kind == "sim" and len(self.people) > 1:
            states = ", ".join(dict.fromkeys(p.state for p in self.people))
            return f"{len(self.people)} simulated people ({states})"
        if self.kind == "sim":
            return f"simulated strap ({self.simulated()[0].state})"
        if self.kind == "ble":
            return "strap " + ", ".join(self.targets) if self.targets else "a strap"
        return f"recording {Path(self.targets[0]).name if self.targets else ''}"


@dataclass(frozen=True, slots=True)
class AssessmentSpec:
    """A resonance assessment: ``stepped`` (rates of 2 minutes) or ``sliding`` (one sweep)."""

    protocol: str = "stepped"
    step_s: float = 120.0
    rest_s: float = 0.0

    def plan(self, base: PacerSettings) -> Plan:
        """The protocol laid out on the session clock with ``base``'s ratio and holds."""
        try:
            if self.protocol == "sliding":
                return SlidingProtocol().plan(base)
            if self.protocol == "stepped":
                return SteppedProtocol(step_s=self.step_s, rest_s=self.rest_s).plan(base)
        except ValueError as exc:
            raise BadInputError(str(exc)) from None
        raise BadInputError(f"unknown assessment {self.protocol!r} (stepped or sliding)")


@dataclass(frozen=True, slots=True)
class SessionSpec:
    """Everything that decides what a session is, whichever face starts it.

    Attributes
    ----------
    source : SourceSpec
        Where the beats come from.
    pacer : PacerSettings or None
        The breathing guide (rate, ratio, holds); None: no guide (free breathing). With a
        protocol or an assessment, its ratio and holds are used and the rate is theirs.
    protocol : str or None
        A guided protocol (a name, or a TOML file): its phases run on their durations.
    assessment : AssessmentSpec or None
        A resonance assessment instead of free practice.
    adaptive : bool
        The guide follows the person toward their resonance (hrv-spec §8).
    record : bool
        Record a session folder. A protocol or an assessment is always recorded (its
        comparison and its answer are read back from the folder): into a temporary
        folder when recording is off.
    out : Path or None
        The exact folder to create (refused when it exists).
    record_dir : Path or None
        Where a new folder is made when ``out`` is not given (default: the data folder).
    label, participant : str or None
        The folder name's label (default: the source's); the participant id.
    duration_s : float or None
        Length counted from the first beat, s (a protocol or an assessment sets its own
        when None).
    speed : float
        Session clock speed (1 = real time).
    lsl : bool
        Publish Lab Streaming Layer outlets.
    resonance_bpm : float or None
        The person's accepted resonance rate: the guide of a protocol's ``resonance``
        phases, the adaptive guide's first direction, and the words that say where the
        guide starts (:func:`guide_start`). The faces also start the guide there unless
        told otherwise (:func:`starting_pacer`).
    auto_phases : bool
        A protocol's phases follow each other on their durations (else on request).
    consent, checkin_before : dict or None
        The consent given (``recording``, ``given_utc``) and the check-in before.
    """

    source: SourceSpec = field(default_factory=SourceSpec)
    pacer: PacerSettings | None = field(default_factory=PacerSettings)
    protocol: str | None = None
    assessment: AssessmentSpec | None = None
    adaptive: bool = False
    record: bool = True
    out: Path | None = None
    record_dir: Path | None = None
    label: str | None = None
    participant: str | None = None
    duration_s: float | None = None
    speed: float = 1.0
    lsl: bool = False
    resonance_bpm: float | None = None
    auto_phases: bool = True
    consent: dict[str, Any] | None = None
    checkin_before: dict[str, Any] | None = None

    def check(self, max_speed: float = SPEED_MAX) -> None:
        """Raise :class:`BadInputError` (one sentence) for values no session can have."""
        if not 0.0 < self.speed <= max_speed:
            raise BadInputError(f"--speed {self.speed:g} is outside 0-{max_speed:g}")
        if self.duration_s is not None and not self.duration_s > 0:
            raise BadInputError(
                f"--duration {self.duration_s:g} is not a positive number of seconds"
            )
        if self.out is not None and Path(self.out).exists():
            raise BadInputError(
                f"{self.out} already exists: a session folder is never overwritten "
                "(choose another --out)"
            )


@dataclass(frozen=True, slots=True)
class Outcome:
    """How an assembled session ended, for both faces to tell.

    Attributes
    ----------
    summary : SessionSummary
        The session's own summary.
    folder : Path or None
        The session folder (None when nothing was recorded, it was removed empty, or
        it was removed or moved away while recording).
    status : int
        Exit status: 0, or 1 when the source failed or the recording stopped.
    problems : list of str
        Sentences to show (the source's failure, the recorder's).
    assessment : AssessmentResult or None
        The answer of an assessment.
    assessment_problem : str or None
        Why an assessment could not be scored.
    removed_empty : bool
        No beat arrived (the strap never streamed, or the session was stopped before
        the first beat), so the empty folder was removed.
    """

    summary: SessionSummary
    folder: Path | None
    status: int
    problems: list[str]
    assessment: AssessmentResult | None = None
    assessment_problem: str | None = None
    removed_empty: bool = False


@dataclass
class Assembly:
    """A session with everything around it, made by :func:`assemble`.

    Attributes
    ----------
    spec : SessionSpec
        What was asked for (with the simulation's seed filled in).
    session : Session
        The session to run (``await session.run()``).
    clock : MonotonicClock
        Its clock (pause/resume).
    recorder : Recorder or None
        The session folder's writer.
    plan : Plan or None
        The assessment's plan.
    protocol : Protocol or None
        The guided protocol.
    runner : ProtocolRunner or None
        Drives the protocol's phases.
    adaptive : AdaptivePacer or None
        The adaptive guide.
    notes : list of str
        Sentences to show before the start (a replay's reader notes, a protocol's
        default rate).
    guide_start : str or None
        Where the guide starts and why (:func:`guide_start`), for every face to say
        once; None when there is no plain guide (free breathing, a protocol, an
        assessment).
    """

    spec: SessionSpec
    session: Session
    clock: MonotonicClock
    recorder: Recorder | None = None
    plan: Plan | None = None
    protocol: Protocol | None = None
    runner: ProtocolRunner | None = None
    adaptive: AdaptivePacer | None = None
    lsl: Any = None
    notes: list[str] = field(default_factory=list)
    guide_start: str | None = None

    @property
    def folder(self) -> Path | None:
        """The session folder, when recorded."""
        return self.recorder.folder if self.recorder is not None else None

    def close(self, summary: SessionSummary) -> Outcome:
        """End the session's files the same way for every face.

        Writes the end fields into ``session.json``, scores an assessment from the
        folder and stores its answer there (hrv-spec §7.5.4), closes the LSL outlet,
        and removes the folder of a strap that never streamed.
        """
        if self.lsl is not None:
            self.lsl.close()
        rec = self.recorder
        problems = list(summary.problems)
        status = EXIT_FAILED if problems else EXIT_OK
        if rec is not None and not any(summary.beats.values()):
            # No beat arrived (a strap that never streamed, Ctrl-C before the first beat):
            # a folder without beats is of no use and no reader accepts it.
            rec.close()
            _remove_empty(rec.folder)
            failed = summary.reason == "source failed"
            return Outcome(summary, None, EXIT_FAILED if failed else status, problems,
                           removed_empty=True)  # fmt: skip
        if rec is None:
            return Outcome(summary, None, status, problems)
        rec.close(
            end_utc=utc_now().strftime(UTC_FORMAT),
            duration_s=round(summary.elapsed_s, 3),
            end_reason=summary.reason,
            beats=summary.beats,
            sources=[src.info.to_json() for src in self.session.sources],
        )
        result, why = None, None
        if self.plan is not None and any(summary.beats.values()):
            try:
                result = analyze_folder(rec.folder)
            except ResonantError as exc:
                why = str(exc)
            else:
                rec.update_metadata(assessment=result.to_json())
        if rec.problem:
            status = EXIT_FAILED
            if rec.problem not in problems:
                problems.append(rec.problem)
        # A folder removed or moved away while recording holds nothing to name.
        return Outcome(summary, rec.folder if rec.kept else None, status, problems, result, why)


def assemble(
    spec: SessionSpec,
    *,
    sinks: Sequence[SessionSink] = (),
    clock: MonotonicClock | None = None,
    on_problem: Callable[[str], None] | None = None,
    on_phase: Callable[[int, Any], None] | None = None,
    max_speed: float = SPEED_MAX,
) -> Assembly:
    """Build the session ``spec`` describes, with its sinks, and write ``session.json``.

    Parameters
    ----------
    spec : SessionSpec
        The session.
    sinks : sequence of SessionSink
        The face's own sinks (the terminal dashboard, the window's buffers); they come
        after the recorder, the LSL outlet, the protocol runner and the adaptive guide.
    clock : MonotonicClock or None
        The clock (default: a new one at ``spec.speed``).
    on_problem : callable or None
        Told, with one sentence, when recording or LSL stops working mid-session.
    on_phase : callable or None
        Told ``(index, phase)`` when a protocol phase starts.
    max_speed : float
        The fastest clock this face allows.

    Returns
    -------
    Assembly
        Ready to run.

    Raises
    ------
    ResonantError
        A bad option, protocol or recording, or a folder that cannot be made (one
        sentence, with its exit status).
    """
    spec.check(max_speed)
    seed = spec.source.sim.seed
    unseeded = any(p.seed is None for p in spec.source.simulated())
    if spec.source.kind == "sim" and (seed is None or unseeded):
        if seed is None:
            seed = random.SystemRandom().randrange(2**31)
        spec = _with_seed(spec, seed)
    base = spec.pacer or PacerSettings()
    plan = spec.assessment.plan(base) if spec.assessment is not None else None
    skipped: list[str] = []  # the user's protocol files that could not be used
    protocol = _protocol(spec.protocol, skipped) if spec.protocol and plan is None else None
    if protocol is not None:  # every phase's guide with this ratio and these holds, now
        rate_of = ProtocolRunner(protocol, base, spec.resonance_bpm).rate_for
        check_phase_pacers(protocol, base, rate_of)
    if plan is not None:
        pacer: PacerSchedule | None = plan.pacer
        duration: float | None = plan.end_s + 1.0
    elif protocol is not None:
        pacer = None  # the protocol turns the guide on and off
        duration = spec.duration_s if spec.duration_s is not None else protocol.duration_s + 1.0
    else:
        pacer = PacerSchedule(spec.pacer) if spec.pacer is not None else None
        duration = spec.duration_s
    sources = _sources(spec.source, pacer)
    notes = [w for src in sources for w in getattr(src, "warnings", [])] + skipped
    start = utc_now()
    clock = clock or MonotonicClock(spec.speed)
    recorder = None
    if spec.record or plan is not None or protocol is not None:
        meta = session_metadata(spec, sources, pacer, plan, protocol, start.strftime(UTC_FORMAT))
        meta["settings"]["duration_s"] = duration
        if spec.out is not None:
            recorder = Recorder(Path(spec.out).expanduser(), meta, on_problem=on_problem)
        else:
            parent = spec.record_dir or sessions_dir()
            if not spec.record:
                parent = Path(tempfile.mkdtemp(prefix="resonant-"))
            label = spec.label or (
                "assessment" if plan is not None else "+".join(s.info.label for s in sources)
            )
            recorder = Recorder.new(parent, start, label, meta, on_problem=on_problem)
    own: list[SessionSink] = [recorder] if recorder is not None else []
    lsl = None
    if spec.lsl:
        lsl = _lsl(spec, recorder, sources, clock, start.strftime(UTC_FORMAT), on_problem)
        own.append(lsl)
    adaptive = None
    if spec.adaptive and pacer is not None and plan is None:
        prior = spec.resonance_bpm or DEFAULT_RESONANCE_BPM
        adaptive = AdaptivePacer(lambda _s, _r: None, pacer.settings, prior_bpm=prior)
        own.append(adaptive)
    extension = None
    if plan is not None and spec.assessment is not None and spec.assessment.protocol == "stepped":
        rec_ = recorder
        extension = StepExtension(
            plan, base,
            on_metadata=None if rec_ is None else lambda m: rec_.update_metadata(protocol=m),
        )  # fmt: skip
        own.append(extension)
    runner = None
    if protocol is not None:
        runner = ProtocolRunner(
            protocol, base, spec.resonance_bpm, spec.auto_phases, on_phase=on_phase
        )
        own.append(runner)
    session = Session(sources, clock, pacer, [*own, *sinks], duration_s=duration)
    if runner is not None:
        runner.attach(session)
        notes += runner.notes
    if adaptive is not None:
        adaptive.change = session.change_pacer
    if plan is not None:
        session.schedule_events(plan.events)
    if extension is not None:
        extension.attach(session)
    start_words = None
    if pacer is not None and plan is None:
        start_words = guide_start(pacer.settings, spec.resonance_bpm, adaptive=adaptive is not None)
    return Assembly(
        spec, session, clock, recorder, plan, protocol, runner, adaptive, lsl, notes, start_words
    )


def session_metadata(
    spec: SessionSpec,
    sources: Sequence[Source],
    pacer: PacerSchedule | None,
    plan: Plan | None,
    protocol: Protocol | None,
    start_utc: str,
) -> dict[str, Any]:
    """The content of ``session.json`` at the start, the same for every face."""
    ps = pacer.settings if pacer is not None else (spec.pacer if protocol is not None else None)
    cfg = StreamConfig()
    if plan is not None:
        proto: dict[str, Any] | None = plan.metadata
    elif protocol is not None:
        proto = {
            "name": protocol.name, "title": protocol.title,
            "phases": [{"name": ph.name, "duration_s": ph.duration_s, "pacer": ph.pacer,
                        "stressor": ph.stressor, "state": ph.state,
                        "compare_with": ph.compare_with}
                       for ph in protocol.phases],
        }  # fmt: skip
    else:
        proto = None
    meta: dict[str, Any] = {
        "start_utc": start_utc,
        "sources": [src.info.to_json() for src in sources],
        "settings": {
            "pacer": None if ps is None else {
                "rate_bpm": ps.rate_bpm, "ratio": ps.ratio,
                "hold_in_s": ps.hold_in_s, "hold_out_s": ps.hold_out_s,
            },
            "adaptive": bool(spec.adaptive and plan is None and pacer is not None),
            "windows": {
                "time_domain_s": cfg.window_s, "spectral_update_s": cfg.update_s,
                "reclassify_s": cfg.reclassify_s, "max_corrected_pct": cfg.max_corrected_pct,
            },
            "duration_s": spec.duration_s,
            "speed": spec.speed,
        },
        "protocol": proto,
        "participant": spec.participant,
        "consent": spec.consent,
        "notes": "",
    }  # fmt: skip
    if spec.source.kind == "sim":
        people = spec.source.simulated()
        # The first person (the one a report shows); a group lists every person too.
        meta["simulation"] = asdict(people[0])
        if len(people) > 1:
            meta["simulation"]["people"] = [asdict(p) for p in people]
    if spec.checkin_before is not None:
        meta["checkin"] = {"before": spec.checkin_before}
    return meta


# -- pieces ----------------------------------------------------------------------------------


def _with_seed(spec: SessionSpec, seed: int) -> SessionSpec:
    """``spec`` with the simulation's ``seed``; person k of a group without one: seed + k - 1."""
    from dataclasses import replace

    src = spec.source
    sim = src.sim if src.sim.seed is not None else replace(src.sim, seed=seed)
    people = tuple(
        p if p.seed is not None else replace(p, seed=seed + k) for k, p in enumerate(src.people)
    )
    return replace(spec, source=replace(src, sim=sim, people=people))


def _protocol(name: str, skipped: list[str] | None = None) -> Protocol:
    protocol = load_protocol(name, user_protocols_dir(), skipped)
    if protocol.assessment is not None:
        raise BadInputError(
            f"{protocol.name} is an assessment: run `resonant assess --protocol "
            f"{protocol.assessment}` (or Assess... in the window)"
        )
    return protocol


def _sources(spec: SourceSpec, pacer: PacerSchedule | None) -> list[Source]:
    if spec.kind == "sim":
        return [_simulated(person, pacer, spec.acc) for person in spec.simulated()]
    if spec.kind == "replay":
        from resonant.devices.replay import ReplaySource

        if not spec.targets:
            raise BadInputError("no recording was given to replay")
        return [ReplaySource(spec.targets[0], acc=spec.acc)]
    return _straps(spec.targets, spec.ecg, spec.acc)


def _simulated(sim: SimSpec, pacer: PacerSchedule | None, acc: bool = True) -> Source:
    from resonant.devices.chest import ChestSpec
    from resonant.devices.physiology import PersonSpec
    from resonant.devices.simulated import SimulatedStrap, StrapSpec

    seed = sim.seed if sim.seed is not None else 0
    try:
        person = PersonSpec(
            resonance_bpm=sim.resonance_bpm, state=sim.state, adherence=sim.adherence, seed=seed,
            model=sim.model,
        )  # fmt: skip
        strap = StrapSpec(
            label=sim.label, artifact_rate=sim.artifact_rate,
            contact_losses_per_h=sim.contact_losses_per_h,
            disconnects_per_h=sim.disconnects_per_h, seed=seed,
        )  # fmt: skip
    except ValueError as exc:
        raise BadInputError(str(exc)) from None
    return SimulatedStrap(person, strap, pacer, chest=ChestSpec() if acc else None)


def _straps(targets: Sequence[str], ecg: bool, acc: bool = True) -> list[Source]:
    """One Bluetooth source per ``NAME|ADDR[=LABEL]``, with distinct labels."""
    from resonant.devices.ble import BleStrap

    if not targets:
        raise BadInputError("no strap was named (give an address or a name)")
    claimed: set[str] = set()
    labels: set[str] = set()
    out: list[Source] = []
    for spec in targets:
        target, _, label = spec.partition("=")
        target, label = target.strip(), label.strip() or target.strip()
        if not target:
            raise BadInputError(f"--device {spec!r} names no strap (give an address or a name)")
        if label in labels:
            raise BadInputError(f"two straps are labelled {label!r}: give each its own =LABEL")
        labels.add(label)
        out.append(BleStrap(target, label, claimed=claimed, ecg=ecg, acc=acc))
    return out


def _lsl(
    spec: SessionSpec,
    recorder: Recorder | None,
    sources: Sequence[Source],
    clock: Clock,
    start_utc: str,
    on_problem: Callable[[str], None] | None,
) -> Any:
    from resonant.session.lsl import LslError, LslOutlet, lsl_available

    ok, why = lsl_available()
    if not ok:
        raise LslError(why or "Lab Streaming Layer is not available here")
    return LslOutlet(
        recorder.folder.name if recorder is not None else "resonant", start_utc,
        [src.info for src in sources], clock, on_problem=on_problem,
    )  # fmt: skip


def _remove_empty(folder: Path) -> None:
    """Remove a session folder this run created when it holds no beats (headers only)."""
    import contextlib

    from resonant.folder.schema import COLUMNS
    from resonant.folder.sidecars import sidecar_name

    beats = folder / "beats.tsv"
    with contextlib.suppress(OSError):
        if beats.is_file() and beats.read_text(encoding="utf-8").count("\n") > 1:
            return
    for name in ["session.json", *COLUMNS, *(sidecar_name(t) for t in COLUMNS)]:
        with contextlib.suppress(OSError):
            (folder / name).unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


#: Where the guide starts when no rate is given and no resonance rate has been accepted,
#: breaths/min (a common adult resonance rate; Lehrer et al. 2000; Vaschillo et al. 2006).
DEFAULT_PACE_BPM = 6.0


def starting_pacer(
    rate_bpm: float | None,
    ratio: str = "4:6",
    hold_in_s: float = 0.0,
    hold_out_s: float = 0.0,
    *,
    accepted_bpm: float | None = None,
) -> PacerSettings:
    """The guide a session starts with: the one rule every face follows.

    A rate the person gave (``--pace``, the window's Pace control) is used as given;
    without one the guide starts at the person's accepted resonance rate (``assess
    --accept``, Accept in the window), and at :data:`DEFAULT_PACE_BPM` when there is none.

    Parameters
    ----------
    rate_bpm : float or None
        The rate the person gave, breaths/min; None: none was given.
    ratio : str
        Inhale:exhale ratio, such as ``"4:6"``.
    hold_in_s, hold_out_s : float
        Holds after inhaling and after exhaling, s.
    accepted_bpm : float or None
        The person's accepted resonance rate (``Settings.resonance_bpm``), or None.

    Returns
    -------
    PacerSettings
        The guide's settings.

    Raises
    ------
    BadInputError
        When the values are not a valid guide (one sentence).

    References
    ----------
    Lehrer, Vaschillo & Vaschillo (2000), Resonant frequency biofeedback training to
    increase cardiac variability, Applied Psychophysiology and Biofeedback 25(3).
    """
    if rate_bpm is None:
        rate_bpm = DEFAULT_PACE_BPM if accepted_bpm is None else accepted_rate(accepted_bpm)
    return pacer_from_options(rate_bpm, ratio, hold_in_s, hold_out_s)


def guide_start(pacer: PacerSettings, accepted_bpm: float | None, adaptive: bool = False) -> str:
    """Where the guide starts and why, in a few calm words (no capital, no full stop).

    For example "the guide starts at 5.5 breaths/min, your accepted resonance rate", or
    "the guide starts at 6 breaths/min" when no rate has been accepted.

    Parameters
    ----------
    pacer : PacerSettings
        The guide at the start.
    accepted_bpm : float or None
        The person's accepted resonance rate, or None.
    adaptive : bool
        The guide follows the person from there (hrv-spec §8).
    """
    rate = pacer.rate_bpm
    words = f"the guide starts at {rate:g} breaths/min"
    then = "then gently follows you"
    if accepted_bpm is None:
        return f"{words} and {then}" if adaptive else words
    accepted = accepted_rate(accepted_bpm)
    if abs(rate - accepted) < 1e-9:
        words += ", your accepted resonance rate"
        return f"{words}, and {then}" if adaptive else words
    if adaptive:
        words += f" and {then}"
    return f"{words}; your accepted resonance rate is {accepted:g}"


def pacer_from_options(
    rate_bpm: float, ratio: str, hold_in_s: float, hold_out_s: float
) -> PacerSettings:
    """Pacer settings from the options both faces show (one sentence when invalid)."""
    try:
        inhale, exhale = PacerSettings.parse_ratio(ratio)
        return PacerSettings(
            rate_bpm=rate_bpm, inhale=inhale, exhale=exhale,
            hold_in_s=hold_in_s, hold_out_s=hold_out_s,
        )  # fmt: skip
    except PacerError as exc:
        raise BadInputError(str(exc)) from None
