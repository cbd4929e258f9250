"""Guidance texts and guided practices as data (TOML), editable by a clinician.

``guidance.toml`` holds every sentence the program uses to guide a person (first run,
consent, safety, the breathing cues, eyes-closed mode, the grounding pause, the
check-in); each other ``*.toml`` here is a practice: timed prompts shown during a
session. ``avoid-words.txt`` lists commanding or judging words the texts do not use
(checked by the tests).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["Practice", "guidance", "practices", "avoid_words", "all_texts", "judging_words_in"]


@dataclass(frozen=True, slots=True)
class Practice:
    """A guided practice: prompts shown at set times of a session.

    Attributes
    ----------
    name, title, description : str
        Identifier (the file name), title and a few sentences.
    prompts : tuple of (float, str)
        Session time (s) and text, in order.
    """

    name: str
    title: str
    description: str
    prompts: tuple[tuple[float, str], ...]

    def prompt_at(self, time_s: float) -> str | None:
        """The prompt in force at ``time_s`` (the latest whose time has come)."""
        current = None
        for at, text in self.prompts:
            if at <= time_s:
                current = text
        return current


def _load(name: str) -> dict[str, Any]:
    return tomllib.loads((resources.files(__package__) / name).read_text(encoding="utf-8"))


@cache
def guidance() -> dict[str, dict[str, str]]:
    """The guidance texts, by section (``first_run``, ``safety``, ``cues``, ...)."""
    return _load("guidance.toml")


@cache
def practices() -> dict[str, Practice]:
    """Every shipped practice, by name."""
    out = {}
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml") and entry.name != "guidance.toml":
            d = tomllib.loads(entry.read_text(encoding="utf-8"))
            prompts = tuple(sorted((float(p["at_s"]), str(p["text"])) for p in d.get("prompt", [])))
            out[d["name"]] = Practice(d["name"], d["title"], d.get("description", ""), prompts)
    return out


@cache
def avoid_words() -> tuple[str, ...]:
    """Commanding or judging words the guidance does not use (``avoid-words.txt``)."""
    text = (resources.files(__package__) / "avoid-words.txt").read_text(encoding="utf-8")
    return tuple(
        w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#")
    )


def all_texts() -> list[str]:
    """Every guidance and practice sentence (for the language check)."""
    out = [v for section in guidance().values() for v in section.values()]
    for p in practices().values():
        out += [p.title, p.description, *(t for _, t in p.prompts)]
    return out


def judging_words_in(text: str) -> list[str]:
    """The avoided words that occur in ``text`` (whole words, case-insensitive)."""
    low = text.lower()
    return [w for w in avoid_words() if re.search(rf"(?<![\w']){re.escape(w)}(?![\w'])", low)]
