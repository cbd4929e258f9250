"""Strap profiles: what is known about each strap model (data files, one TOML each).

Profiles never decide which devices are found: straps are found by the Heart Rate
Service they advertise. A profile only adds what is known about a model once it is
found: its quirks, whether contact is reported, whether it offers ECG, and whether it is
an optical sensor whose intervals are refused for HRV.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Profile", "profiles", "match_profile"]


@dataclass(frozen=True, slots=True)
class Profile:
    """One strap model.

    Attributes
    ----------
    key : str
        File name without ``.toml``.
    model : str
        Model name.
    kind : str
        ``chest`` (electrical, RR usable for HRV) or ``optical`` (refused).
    name_patterns : tuple of str
        Shell-style patterns of the advertised name.
    contact_reported : bool or None
        Whether the strap sets the contact-supported flag (None: not known).
    ecg : str or None
        ``pmd`` when raw ECG is offered through Polar Measurement Data.
    acc : str or None
        ``pmd`` when the chest accelerometer is offered through Polar Measurement Data.
    status : str
        Whether it is known to work.
    refusal : str or None
        For refused sensors, the sentence explaining why.
    quirks : tuple of str
        Known behaviour, as sentences.
    """

    key: str
    model: str
    kind: str
    name_patterns: tuple[str, ...]
    contact_reported: bool | None
    ecg: str | None
    status: str
    refusal: str | None
    quirks: tuple[str, ...]
    acc: str | None = None


@cache
def profiles() -> tuple[Profile, ...]:
    """Every shipped profile, sorted by key."""
    out = []
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        out.append(
            Profile(
                key=entry.name[: -len(".toml")],
                model=data["model"],
                kind=data.get("kind", "chest"),
                name_patterns=tuple(data.get("name_patterns", ())),
                contact_reported=data.get("contact_reported"),
                ecg=data.get("ecg"),
                status=data.get("status", ""),
                refusal=data.get("refusal"),
                quirks=tuple(data.get("quirks", ())),
                acc=data.get("acc"),
            )
        )
    return tuple(out)


def match_profile(name: str | None) -> Profile | None:
    """The profile whose name pattern matches an advertised name, or None."""
    if not name:
        return None
    for p in profiles():
        if any(fnmatch.fnmatchcase(name, pat) for pat in p.name_patterns):
            return p
    return None
