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

from resonant.errors import BadInputError

__all__ = [
    "Practice",
    "PracticeError",
    "parse_practice",
    "guidance",
    "practices",
    "avoid_words",
    "all_texts",
    "judging_words_in",
]

#: Latest prompt time, s (a day): a practice's prompts fall within a session.
PROMPT_MAX_S = 86_400.0


class PracticeError(BadInputError, ValueError):
    """A practice file that cannot be used (one sentence naming the file and the field)."""


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


def _text_field(d: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = d.get(key, default)
    if not isinstance(value, str):
        shown = "missing" if value is None else "not text"
        raise PracticeError(f"{where}: {key} is {shown}")
    return value


def parse_practice(text: str, where: str) -> Practice:
    """A practice from its TOML text, checked (:class:`PracticeError` when it cannot be used).

    Parameters
    ----------
    text : str
        The file's text: ``name``, ``title``, an optional ``description`` and
        ``[[prompt]]`` tables of ``at_s`` (0 to :data:`PROMPT_MAX_S` s) and ``text``.
    where : str
        The file, named in the sentence.

    Raises
    ------
    PracticeError
        One sentence naming the file and the field.
    """
    try:
        d = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PracticeError(f"{where}: not valid TOML ({exc})") from None
    except RecursionError:
        raise PracticeError(f"{where}: nested too deeply to be a practice") from None
    name = _text_field(d, "name", where).strip()
    if not name:
        raise PracticeError(f"{where}: name is empty")
    title = _text_field(d, "title", where)
    description = _text_field(d, "description", where, "")
    entries = d.get("prompt", [])
    if not isinstance(entries, list):
        raise PracticeError(f"{where}: prompt is not a list of [[prompt]] tables")
    prompts = []
    for k, p in enumerate(entries):
        if not isinstance(p, dict):
            raise PracticeError(f"{where}: prompt {k + 1} is not a [[prompt]] table")
        at_s = p.get("at_s")
        if (
            isinstance(at_s, bool)
            or not isinstance(at_s, int | float)
            or not 0.0 <= at_s <= PROMPT_MAX_S
        ):
            raise PracticeError(
                f"{where}: prompt {k + 1}: at_s is not a time of 0-{PROMPT_MAX_S:g} s"
            )
        prompts.append((float(at_s), _text_field(p, "text", f"{where}: prompt {k + 1}")))
    return Practice(name, title, description, tuple(sorted(prompts)))


@cache
def practices() -> dict[str, Practice]:
    """Every shipped practice, by name."""
    out = {}
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml") and entry.name != "guidance.toml":
            p = parse_practice(entry.read_text(encoding="utf-8"), entry.name)
            out[p.name] = p
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
