"""A threat-soothing recording of a simulated person, analysed as ``analyze`` does: shared by
``test_threat_state.py`` and ``benchmarks/threat_contrast.py``."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

from resonant.cli import main
from resonant.devices.people import own_breath_rate_bpm
from resonant.devices.physiology import PersonSpec


def record_phases(out: Path, model: str, seed: int, acc: bool = True) -> list[dict[str, Any]]:
    """Record ``record --simulate --protocol threat-soothing`` into ``out`` (the chest
    accelerometer, or ``--no-acc``) and return ``analyze --json``'s phases."""
    args = ["record", "--simulate", "--protocol", "threat-soothing", "--out", str(out),
            "--speed", "100000", "--sim-seed", str(seed), "--sim-model", model]  # fmt: skip
    if not acc:
        args.append("--no-acc")
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        assert main(args) == 0, quiet.getvalue()
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        assert main(["analyze", "--json", str(out)]) == 0
    result: list[dict[str, Any]] = json.loads(text.getvalue())["phases"]
    return result


def true_rate_bpm(model: str, seed: int, phase: dict[str, Any]) -> float:
    """The person's own breathing rate over ``phase`` (unguided), as the recording's person made it.

    The same person (seed, model) with no guide, moved to threat at the phase's onset:
    the mean of its breathing rate over the phase, i.e. its breaths per minute. This is
    the truth to compare with, not the threat state's 18/min: the phase holds the 30-s
    change from rest's 14/min, and a person's own rate wanders (seeds 1-12: 16.5-18.2).
    """
    onset = phase["onset_s"]
    return own_breath_rate_bpm(
        PersonSpec(seed=seed, model=model), "threat", onset, onset + phase["duration_s"]
    )
