"""A person's settings, kept per user in a small TOML file.

:class:`Settings` holds what the window remembers between sessions: the pacer (rate,
inhale:exhale ratio, holds), the session length, the coherence challenge level, the look
(theme, font scale), the breath-turn tone, focus mode, the last strap used and the
person's resonance rate once assessed. :func:`load_settings` never fails: a missing file
gives the defaults, and a damaged file or a bad value gives the defaults for what could
not be read plus one warning sentence each, for the window to show. :func:`save_settings`
writes atomically, so a crash never leaves half a file.

The file lives in :func:`user_config_dir` as ``settings.toml``. TOML has no null, so a
setting that is None is simply left out, and a missing key reads as its default; the one
exception is ``session_min``, whose default is not None: "no set length" is written as
``session_min = 0``.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
import os
import re
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import tomli_w

from resonant.errors import BadInputError
from resonant.model.atomic import PRIVATE_FOLDER_MODE, os_error_reason, write_atomic
from resonant.model.pacer import (
    HOLD_MAX_S,
    RATE_MAX_BPM,
    RATE_MIN_BPM,
    RATE_STEP_BPM,
    PacerError,
    PacerSettings,
)
from resonant.signal.coherence import CHALLENGE_LEVELS

__all__ = [
    "SETTINGS_FILE",
    "THEMES",
    "FONT_SCALE_MIN",
    "FONT_SCALE_MAX",
    "SESSION_MIN_MIN",
    "SESSION_MIN_MAX",
    "RESONANCE_MIN_BPM",
    "RESONANCE_MAX_BPM",
    "SettingsError",
    "Settings",
    "user_config_dir",
    "settings_path",
    "user_protocols_dir",
    "load_settings",
    "save_settings",
]

APP = "resonant"
#: Name of the settings file inside :func:`user_config_dir`.
SETTINGS_FILE = "settings.toml"
#: The window's colour themes.
THEMES = ("light", "dark")
#: Smallest and largest font scale (1.0 = the platform's size).
FONT_SCALE_MIN, FONT_SCALE_MAX = 0.75, 2.0
#: Shortest and longest set session length, min.
SESSION_MIN_MIN, SESSION_MIN_MAX = 0.5, 240.0
#: Range of an assessed resonance rate, breaths per minute.
RESONANCE_MIN_BPM, RESONANCE_MAX_BPM = 4.0, 7.0

#: First line of the file.
_HEADER = "# resonant settings (written by resonant; edit only while resonant is closed)\n"
#: How "no set session length" is written in the file (TOML has no null).
_NO_SESSION_LENGTH = 0
#: Pacer fields, in the order they are reset when their combination is not valid.
_PACER_RESET_ORDER = ("hold_in_s", "hold_out_s", "ratio", "pace_bpm")


class SettingsError(BadInputError, ValueError):
    """A setting with a value outside its allowed range, in one plain sentence.

    Attributes
    ----------
    fields : tuple of str
        Names of the settings concerned: one, or several when only their combination
        is not allowed.
    """

    def __init__(self, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields


def user_config_dir() -> Path:
    r"""The platform's per-user configuration folder for resonant.

    Linux and other Unix: ``$XDG_CONFIG_HOME/resonant`` (default ``~/.config/resonant``,
    XDG Base Directory Specification); macOS: ``~/Library/Application Support/resonant``;
    Windows: ``%APPDATA%\\resonant`` (the roaming profile).
    """
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(base) / APP
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP


def settings_path() -> Path:
    """Where the settings are kept: ``user_config_dir() / "settings.toml"``."""
    return user_config_dir() / SETTINGS_FILE


def user_protocols_dir() -> Path:
    """Where a clinician's own protocols go: ``user_config_dir() / "protocols"``.

    Pass it to :func:`resonant.model.protocols.protocols` and ``load_protocol``.
    """
    return user_config_dir() / "protocols"


# ---------------------------------------------------------------------- validation


def _show(value: object) -> str:
    """A value as it would be written in the file (strings quoted, true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _num(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, int) and abs(value) >= 10**15:
        return "a very large number"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value) if value is not None else "nothing"


def _num(x: float) -> str:
    """A number, short when that loses nothing (``6`` rather than ``6.0``)."""
    short = f"{x:g}"
    return short if float(short) == x else repr(x)


def _number(name: str, value: object, allowed: str) -> float:
    """``value`` as a finite float, or raise :class:`SettingsError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SettingsError(f"{name} = {_show(value)} is not a number: {allowed}.", (name,))
    try:
        x = float(value)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise SettingsError(f"{name} = {_show(value)} is not a finite number: {allowed}.", (name,))
    return x


def _in_range(name: str, value: object, lo: float, hi: float, unit: str) -> float:
    allowed = f"it must be {lo:g}-{hi:g} {unit}"
    x = _number(name, value, allowed)
    if not lo <= x <= hi:
        raise SettingsError(
            f"{name} = {_num(x)} is outside the allowed range {lo:g}-{hi:g} {unit}.", (name,)
        )
    return x


def _pace_bpm(value: object) -> float:
    allowed = (
        f"it must be {RATE_MIN_BPM:.1f}-{RATE_MAX_BPM:.1f} breaths per minute "
        f"in steps of {RATE_STEP_BPM:g}"
    )
    x = _number("pace_bpm", value, allowed)
    try:
        return PacerSettings(rate_bpm=x).rate_bpm
    except PacerError:
        raise SettingsError(
            f"pace_bpm = {_num(x)} is not allowed: {allowed}.", ("pace_bpm",)
        ) from None


def _ratio(value: object) -> str:
    if not isinstance(value, str):
        raise SettingsError(
            f"ratio = {_show(value)} is not text: it must be an inhale:exhale ratio such as "
            '"4:6" or "1:2".',
            ("ratio",),
        )
    try:
        PacerSettings.parse_ratio(value)
    except PacerError:
        raise SettingsError(
            f"ratio = {_show(value)} is not allowed: it must be two positive numbers "
            'separated by a colon, such as "4:6", "1:2" or "4.5:5.5".',
            ("ratio",),
        ) from None
    return re.sub(r"\s+", "", value)


def _hold(name: str) -> Callable[[object], float]:
    def check(value: object) -> float:
        return _in_range(name, value, 0.0, HOLD_MAX_S, "s")

    return check


def _session_min(value: object) -> float | None:
    if value is None:
        return None
    return _in_range("session_min", value, SESSION_MIN_MIN, SESSION_MIN_MAX, "min")


def _challenge_level(value: object) -> int:
    levels = sorted(CHALLENGE_LEVELS)
    allowed = f"it must be a whole number {levels[0]}-{levels[-1]}"
    x = _number("challenge_level", value, allowed)
    if not x.is_integer() or int(x) not in CHALLENGE_LEVELS:
        raise SettingsError(
            f"challenge_level = {_num(x)} is not allowed: {allowed}.", ("challenge_level",)
        )
    return int(x)


def _theme(value: object) -> str:
    if not isinstance(value, str) or value not in THEMES:
        names = " or ".join(f'"{t}"' for t in THEMES)
        raise SettingsError(
            f"theme = {_show(value)} is not allowed: it must be {names}.", ("theme",)
        )
    return value


def _flag(name: str) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        if not isinstance(value, bool):
            raise SettingsError(
                f"{name} = {_show(value)} is not allowed: it must be true or false.", (name,)
            )
        return value

    return check


def _last_strap(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            pass
        else:
            return value or None
    raise SettingsError(
        f"last_strap = {_show(value)} is not allowed: it must be a strap's address or "
        "name as text.",
        ("last_strap",),
    )


def _text(name: str) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > 200:
            raise SettingsError(
                f"{name} = {_show(value)} is not allowed: it must be text of at most 200 "
                "characters.",
                (name,),
            )
        return value.strip() or None

    return check


def _consent(value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise SettingsError(
        f"consent_recording = {_show(value)} is not allowed: it must be true, false or absent.",
        ("consent_recording",),
    )


#: Smallest and largest remembered window side, px.
WINDOW_PX_MIN, WINDOW_PX_MAX = 320, 16384


def _window_px(name: str) -> Callable[[object], int | None]:
    def check(value: object) -> int | None:
        if value is None:
            return None
        allowed = f"it must be a whole number of pixels {WINDOW_PX_MIN}-{WINDOW_PX_MAX}"
        x = _number(name, value, allowed)
        if not x.is_integer() or not WINDOW_PX_MIN <= x <= WINDOW_PX_MAX:
            raise SettingsError(f"{name} = {_num(x)} is not allowed: {allowed}.", (name,))
        return int(x)

    return check


def _resonance_bpm(value: object) -> float | None:
    if value is None:
        return None
    return _in_range(
        "resonance_bpm", value, RESONANCE_MIN_BPM, RESONANCE_MAX_BPM, "breaths per minute"
    )


#: One check per field: it returns the value normalised, or raises SettingsError.
_CHECKS: dict[str, Callable[[object], Any]] = {
    "pace_bpm": _pace_bpm,
    "ratio": _ratio,
    "hold_in_s": _hold("hold_in_s"),
    "hold_out_s": _hold("hold_out_s"),
    "session_min": _session_min,
    "challenge_level": _challenge_level,
    "theme": _theme,
    "font_scale": lambda v: _in_range("font_scale", v, FONT_SCALE_MIN, FONT_SCALE_MAX, "times"),
    "tone": _flag("tone"),
    "focus_on_start": _flag("focus_on_start"),
    "last_strap": _last_strap,
    "resonance_bpm": _resonance_bpm,
    "consent_recording": _consent,
    "consent_utc": _text("consent_utc"),
    "participant": _text("participant"),
    "first_session_done": _flag("first_session_done"),
    "checkin": _flag("checkin"),
    "eyes_closed": _flag("eyes_closed"),
    "window_width": _window_px("window_width"),
    "window_height": _window_px("window_height"),
}


@dataclass(frozen=True, slots=True)
class Settings:
    """What the window remembers between sessions.

    Values are checked and normalised on creation: numbers become floats (whole numbers
    for ``challenge_level``), ``pace_bpm`` is rounded to its 0.1 grid and ``ratio`` loses
    its spaces. The pacer values follow :class:`resonant.model.pacer.PacerSettings`, together
    too: the inhale and the exhale must each last at least 1 s.

    Attributes
    ----------
    pace_bpm : float
        Pacer rate, 3.0-10.0 breaths per minute on the 0.1 grid.
    ratio : str
        Inhale:exhale ratio, such as ``"4:6"`` (:meth:`PacerSettings.parse_ratio`).
    hold_in_s, hold_out_s : float
        Holds after inhaling and after exhaling, 0-2 s.
    session_min : float or None
        Set session length, 0.5-240 min; None for no set length.
    challenge_level : int
        Coherence challenge level, 1-4 (:data:`resonant.signal.coherence.CHALLENGE_LEVELS`).
    theme : str
        ``"light"`` or ``"dark"``.
    font_scale : float
        Size of the window's text relative to the platform's, 0.75-2.0.
    tone : bool
        Whether a soft tone sounds at each turn of the breath.
    focus_on_start : bool
        Whether a session starts in focus mode.
    last_strap : str or None
        Address or name of the strap used last (an empty string becomes None).
    resonance_bpm : float or None
        The person's resonance rate once assessed, 4-7 breaths per minute.
    consent_recording : bool or None
        The person's answer to recording sessions on this computer (None: not asked yet).
    consent_utc : str or None
        When that answer was given (ISO 8601, UTC).
    participant : str or None
        A participant id a clinician set (written into each session).
    first_session_done : bool
        Whether a first session has been completed (the first one is shorter).
    checkin : bool
        Whether the short check-in is offered before and after a session.
    eyes_closed : bool
        Eyes-closed mode: the tones lead, the screen stays quiet.
    window_width, window_height : int or None
        The trainer window's size when it was last closed, px (320-16384); None: a
        size from the screen (:func:`resonant.gui.app.default_size`).

    Raises
    ------
    SettingsError
        When a value is not allowed, or the pacer values are not allowed together.
    """

    pace_bpm: float = 6.0
    ratio: str = "4:6"
    hold_in_s: float = 0.0
    hold_out_s: float = 0.0
    session_min: float | None = 10.0
    challenge_level: int = 1
    theme: str = "light"
    font_scale: float = 1.0
    tone: bool = False
    focus_on_start: bool = False
    last_strap: str | None = None
    resonance_bpm: float | None = None
    consent_recording: bool | None = None
    consent_utc: str | None = None
    participant: str | None = None
    first_session_done: bool = False
    checkin: bool = True
    eyes_closed: bool = False
    window_width: int | None = None
    window_height: int | None = None

    def __post_init__(self) -> None:
        for name, check in _CHECKS.items():
            object.__setattr__(self, name, check(getattr(self, name)))
        try:
            self.pacer_settings()
        except PacerError:
            raise self._combination_error() from None

    def _combination_error(self) -> SettingsError:
        inhale, exhale = PacerSettings.parse_ratio(self.ratio)
        active_s = 60.0 / self.pace_bpm - self.hold_in_s - self.hold_out_s
        inhale_s = active_s * inhale / (inhale + exhale)
        which, length_s = "inhale", inhale_s
        if exhale < inhale:
            which, length_s = "exhale", active_s - inhale_s
        return SettingsError(
            f"pace_bpm = {_num(self.pace_bpm)}, ratio = {_show(self.ratio)}, hold_in_s = "
            f"{_num(self.hold_in_s)} and hold_out_s = {_num(self.hold_out_s)} are not allowed "
            f"together: the {which} would last {max(length_s, 0.0):.2g} s, and it must last "
            "at least 1 s.",
            _PACER_RESET_ORDER,
        )

    def pacer_settings(self) -> PacerSettings:
        """The pacer part of the settings.

        Returns
        -------
        PacerSettings
            Rate, ratio and holds for :class:`resonant.model.pacer.PacerSchedule`.
        """
        inhale, exhale = PacerSettings.parse_ratio(self.ratio)
        return PacerSettings(
            rate_bpm=self.pace_bpm,
            inhale=inhale,
            exhale=exhale,
            hold_in_s=self.hold_in_s,
            hold_out_s=self.hold_out_s,
        )

    def with_changes(self, **kw: Any) -> Settings:
        """Return a copy with some settings replaced, checked like new settings.

        Parameters
        ----------
        **kw
            Setting names and their new values.

        Returns
        -------
        Settings
            The changed settings.

        Raises
        ------
        SettingsError
            When a name is not a setting, a value is not allowed, or the pacer values
            are not allowed together.
        """
        unknown = sorted(set(kw) - set(_CHECKS))
        if unknown:
            verb = "is not a setting" if len(unknown) == 1 else "are not settings"
            raise SettingsError(
                f"{', '.join(unknown)} {verb}: the settings are {', '.join(_CHECKS)}.",
                tuple(unknown),
            )
        return dataclasses.replace(self, **kw)


_DEFAULTS = Settings()


# ---------------------------------------------------------------------- the file


def _to_toml(settings: Settings) -> dict[str, Any]:
    """The settings as a TOML table: None left out, no set session length as 0."""
    data: dict[str, Any] = {}
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if f.name == "session_min" and value is None:
            value = _NO_SESSION_LENGTH
        if value is not None:
            data[f.name] = value
    return data


def _read(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The TOML table in ``path``, or None and the reason it could not be read.

    A missing file gives ``(None, None)``.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, (
            f"The settings file {path} could not be read ({os_error_reason(exc)}), "
            "so the default settings are used."
        )
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark from a Windows editor is fine
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, (
            f"The settings file {path} is not UTF-8 text (line {line}), "
            "so the default settings are used."
        )
    try:
        return tomllib.loads(text), None
    except RecursionError:  # tables or lists nested thousands deep: tomllib recurses
        return None, (
            f"The settings file {path} is nested too deeply to be read, "
            "so the default settings are used."
        )
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        lineno: int | None = getattr(exc, "lineno", None)  # Python >= 3.14 has it
        found = re.search(r"\s*\(at line (\d+), column \d+\)|\s*\(at end of document\)", message)
        if found is not None:
            message = message[: found.start()] + message[found.end() :]
            if lineno is None and found.group(1) is not None:
                lineno = int(found.group(1))
        reason = getattr(exc, "msg", None) or message.strip() or "a syntax error"
        where = f" at line {lineno}" if lineno is not None else ""
        return None, (
            f"The settings file {path} is not valid TOML{where} ({reason.rstrip('.')}), "
            "so the default settings are used."
        )


def _from_toml(data: dict[str, Any], path: Path) -> tuple[Settings, list[str]]:
    """Settings from a TOML table, with a warning for each value that was not used."""
    warnings: list[str] = []
    good: dict[str, Any] = {}
    for key, value in data.items():
        check = _CHECKS.get(key)
        if check is None:
            warnings.append(
                f"In {path}, the setting {key!r} is not known to this version of resonant, "
                "so it is ignored."
            )
            continue
        if key == "session_min" and value == _NO_SESSION_LENGTH and not isinstance(value, bool):
            value = None
        try:
            good[key] = check(value)
        except SettingsError as exc:
            default = getattr(_DEFAULTS, key)
            instead = (
                f"the default {key} = {_show(default)} is used"
                if default is not None
                else f"{key} is left unset"
            )
            warnings.append(f"In {path}, {str(exc).rstrip('.')}, so {instead}.")
    try:
        return Settings(**good), warnings
    except SettingsError as exc:
        problem = str(exc).rstrip(".")
    # Reset as few pacer values as possible to their defaults (holds first) so that they
    # fit together; with the holds and the ratio at their defaults every rate fits.
    present = [key for key in _PACER_RESET_ORDER if key in good]
    settings, reset = _DEFAULTS, present
    for n in range(1, len(present) + 1):
        for keys in itertools.combinations(present, n):
            try:
                settings = Settings(**{k: v for k, v in good.items() if k not in keys})
            except SettingsError:
                continue
            reset = list(keys)
            break
        else:
            continue
        break
    names = " and ".join(f"{k} = {_show(getattr(_DEFAULTS, k))}" for k in reset)
    verb = "is" if len(reset) == 1 else "are"
    warnings.append(f"In {path}, {problem}, so the default {names} {verb} used.")
    return settings, warnings


def load_settings(path: Path | None = None) -> tuple[Settings, list[str]]:
    """Read the settings, never failing: what cannot be read falls back to its default.

    A damaged file is left as it is: it is only replaced when :func:`save_settings` is
    next called (the caller saves when the person changes a setting), and then kept as
    ``settings.toml.bak``.

    Parameters
    ----------
    path : Path or None
        The settings file; None for :func:`settings_path`.

    Returns
    -------
    settings : Settings
        The settings; the defaults when there is no file.
    warnings : list of str
        One sentence for each problem, naming the file: a file that cannot be read or is
        not valid TOML (with its line when known; then all settings are defaults), an
        unknown key (ignored), a value that is not allowed (that setting is its
        default, the others are kept), pacer values not allowed together (those are
        reset to their defaults, holds first). Empty when all is well.
    """
    path = settings_path() if path is None else Path(path)
    data, problem = _read(path)
    if data is None:
        return Settings(), [] if problem is None else [problem]
    return _from_toml(data, path)


def _backup_content(path: Path) -> bytes | None:
    """What ``path`` holds when saving over it would lose some of it, else None."""
    data, problem = _read(path)
    if data is None and problem is None:
        return None  # no file
    if data is not None and not _from_toml(data, path)[1]:
        return None  # every value in it was used
    try:
        return path.read_bytes()
    except OSError:
        return None  # what cannot be read cannot be kept


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings, atomically, creating the folder when needed.

    When the file already there could not be fully used (not valid TOML, a value not
    allowed, an unknown key), it is first copied to ``<name>.bak`` beside it, replacing
    an older backup, so nothing the person wrote is lost.

    Parameters
    ----------
    settings : Settings
        The settings to keep.
    path : Path or None
        The settings file; None for :func:`settings_path`.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OSError
        When the folder or the file cannot be written.
    """
    if not isinstance(settings, Settings):
        raise TypeError(f"Settings to save must be Settings, got {settings!r}.")
    path = settings_path() if path is None else Path(path)
    # Owner-only, as everything resonant writes: the folder 0o700, the file and backup 0o600.
    path.parent.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
    old = _backup_content(path)
    if old is not None:
        write_atomic(path.with_name(path.name + ".bak"), old)
    content = _HEADER + tomli_w.dumps(_to_toml(settings))
    write_atomic(path, content.encode("utf-8"))
    return path
