"""A person's settings: checked values, a TOML file per user, never lost, never fatal."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import resonant.config.settings as rs
from resonant.model.pacer import RATIO_PRESETS, PacerSettings
from resonant.config.settings import (
    Settings,
    SettingsError,
    load_settings,
    save_settings,
    settings_path,
    user_config_dir,
)

#: Every field away from its default (and every None field set).
CHANGED = Settings(
    pace_bpm=5.5,
    ratio="1:2",
    hold_in_s=1.5,
    hold_out_s=0.5,
    session_min=20.0,
    challenge_level=3,
    theme="dark",
    font_scale=1.25,
    tone=True,
    focus_on_start=True,
    last_strap="Polar H10 A1B2C3D4 / E8:2F:00:11:22:33",
    resonance_bpm=5.5,
    consent_recording=True,
    consent_utc="2026-11-22T10:00:00Z",
    participant="P07",
    first_session_done=True,
    checkin=False,
    eyes_closed=True,
    window_width=1600,
    window_height=900,
)


def _one_sentence(text: str) -> bool:
    return text.endswith(".") and "\n" not in text and ". " not in text[:-1]


# ---------------------------------------------------------------------- the values


def test_the_defaults() -> None:
    s = Settings()
    assert (s.pace_bpm, s.ratio, s.hold_in_s, s.hold_out_s) == (6.0, "4:6", 0.0, 0.0)
    assert (s.session_min, s.challenge_level, s.theme, s.font_scale) == (10.0, 1, "light", 1.0)
    assert (s.tone, s.focus_on_start, s.last_strap, s.resonance_bpm) == (False, False, None, None)
    assert s.pacer_settings() == PacerSettings()


def test_every_field_differs_from_its_default_in_the_changed_settings() -> None:
    for name in rs._CHECKS:
        assert getattr(CHANGED, name) != getattr(Settings(), name), name


def test_values_are_normalised() -> None:
    s = Settings(pace_bpm=5, ratio=" 1 : 2 ", hold_in_s=1, font_scale=2, challenge_level=2.0)
    assert s.pace_bpm == 5.0 and isinstance(s.pace_bpm, float)
    assert s.ratio == "1:2"
    assert isinstance(s.hold_in_s, float) and isinstance(s.font_scale, float)
    assert s.challenge_level == 2 and isinstance(s.challenge_level, int)
    assert Settings(pace_bpm=5.1 + 1e-12).pace_bpm == 5.1  # the pacer's 0.1 grid
    assert Settings(last_strap="").last_strap is None


def test_pacer_settings_follow_the_settings() -> None:
    p = CHANGED.pacer_settings()
    assert p == PacerSettings(rate_bpm=5.5, inhale=1, exhale=2, hold_in_s=1.5, hold_out_s=0.5)
    assert Settings(ratio="4.5:5.5").pacer_settings().ratio == "4.5:5.5"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"pace_bpm": 12}, "pace_bpm"),
        ({"pace_bpm": 2.9}, "pace_bpm"),
        ({"pace_bpm": 6.05}, "pace_bpm"),
        ({"pace_bpm": float("nan")}, "pace_bpm"),
        ({"pace_bpm": "6"}, "pace_bpm"),
        ({"ratio": "4-6"}, "ratio"),
        ({"ratio": "0:6"}, "ratio"),
        ({"ratio": 4}, "ratio"),
        ({"hold_in_s": -0.5}, "hold_in_s"),
        ({"hold_out_s": 2.5}, "hold_out_s"),
        ({"session_min": 0.25}, "session_min"),
        ({"session_min": 300}, "session_min"),
        ({"session_min": float("inf")}, "session_min"),
        ({"challenge_level": 0}, "challenge_level"),
        ({"challenge_level": 5}, "challenge_level"),
        ({"challenge_level": 1.5}, "challenge_level"),
        ({"challenge_level": True}, "challenge_level"),
        ({"theme": "blue"}, "theme"),
        ({"theme": None}, "theme"),
        ({"font_scale": 0.5}, "font_scale"),
        ({"font_scale": 10**400}, "font_scale"),
        ({"tone": 1}, "tone"),
        ({"focus_on_start": "yes"}, "focus_on_start"),
        ({"last_strap": 42}, "last_strap"),
        ({"last_strap": "\udc80"}, "last_strap"),
        ({"resonance_bpm": 3.5}, "resonance_bpm"),
        ({"resonance_bpm": 7.5}, "resonance_bpm"),
    ],
)
def test_a_bad_value_is_refused_in_one_sentence_naming_it(kw: dict[str, Any], field: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings(**kw)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert info.value.fields == (field,)
    assert message.startswith(f"{field} = ")
    assert _one_sentence(message), message
    # the same through with_changes
    with pytest.raises(SettingsError):
        Settings().with_changes(**kw)


def test_range_messages_name_the_value_and_the_range() -> None:
    with pytest.raises(SettingsError, match=r"^pace_bpm = 12 .*3\.0-10\.0 breaths per minute"):
        Settings(pace_bpm=12)
    with pytest.raises(SettingsError, match=r"^font_scale = 0\.5 .*0\.75-2 "):
        Settings(font_scale=0.5)
    with pytest.raises(SettingsError, match=r"^session_min = 300 .*0\.5-240 min"):
        Settings(session_min=300)
    with pytest.raises(SettingsError, match=r'^theme = "blue" .*"light" or "dark"'):
        Settings(theme="blue")


def test_pacer_values_must_fit_together() -> None:
    with pytest.raises(SettingsError) as info:
        Settings(pace_bpm=10, hold_in_s=2, hold_out_s=2)
    message = str(info.value)
    assert _one_sentence(message), message
    assert "pace_bpm = 10" in message and "inhale" in message and "1 s" in message
    assert set(info.value.fields) == {"pace_bpm", "ratio", "hold_in_s", "hold_out_s"}


def test_with_changes_replaces_and_checks() -> None:
    s = Settings().with_changes(pace_bpm=5.5, theme="dark")
    assert (s.pace_bpm, s.theme, s.ratio) == (5.5, "dark", "4:6")
    assert Settings().with_changes() == Settings()
    with pytest.raises(SettingsError) as info:
        Settings().with_changes(pace=5)
    assert info.value.fields == ("pace",) and _one_sentence(str(info.value))


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        Settings().tone = True  # type: ignore[misc]


# ---------------------------------------------------------------------- the folder


def test_xdg_config_home_is_respected(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert user_config_dir() == tmp_path / "cfg" / "resonant"
    assert settings_path() == tmp_path / "cfg" / "resonant" / "settings.toml"
    written = save_settings(CHANGED)
    assert written == settings_path() and written.is_file()
    assert load_settings() == (CHANGED, [])


@pytest.mark.parametrize("xdg", [None, ""])
def test_linux_default_is_dot_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xdg: str | None
) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path))
    if xdg is None:
        monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    assert user_config_dir() == tmp_path / ".config" / "resonant"


def test_macos_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("sys.platform", "darwin")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "ignored"))
    assert user_config_dir() == tmp_path / "Library" / "Application Support" / "resonant"


def test_windows_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("sys.platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    assert user_config_dir() == tmp_path / "Roaming" / "resonant"
    monkeypatch.delenv("APPDATA")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_config_dir() == tmp_path / "AppData" / "Roaming" / "resonant"


# ---------------------------------------------------------------------- the file


def test_a_missing_file_gives_the_defaults_quietly(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "nope" / "settings.toml") == (Settings(), [])
    assert not (tmp_path / "nope").exists()


def test_every_field_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    assert save_settings(CHANGED, path) == path
    assert load_settings(path) == (CHANGED, [])
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ") and "resonant settings" in text.splitlines()[0]
    data = tomllib.loads(text)
    assert set(data) == set(rs._CHECKS)
    assert data["pace_bpm"] == 5.5 and data["tone"] is True and data["ratio"] == "1:2"


def test_none_is_left_out_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    s = CHANGED.with_changes(last_strap=None, resonance_bpm=None, session_min=None)
    save_settings(s, path)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert "last_strap" not in data and "resonance_bpm" not in data
    assert data["session_min"] == 0  # "no set length": its default is not None
    assert load_settings(path) == (s, [])


def test_missing_keys_read_as_their_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('theme = "dark"\n', encoding="utf-8")
    assert load_settings(path) == (Settings(theme="dark"), [])


def test_the_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "settings.toml"
    save_settings(Settings(), path)
    assert path.is_file()


def test_the_write_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    save_settings(Settings(), path)
    save_settings(CHANGED, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.toml"]
    assert load_settings(path) == (CHANGED, [])


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.toml"
    save_settings(CHANGED, path)
    before = path.read_bytes()

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        save_settings(Settings(), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.toml"]


def test_corrupt_toml_gives_defaults_and_one_warning_naming_file_and_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.toml"
    bad = b'theme = "dark"\ntone = true\npace_bpm = = 6\n'
    path.write_bytes(bad)
    s, warnings = load_settings(path)
    assert s == Settings()
    assert len(warnings) == 1
    assert str(path) in warnings[0] and "line 3" in warnings[0]
    assert _one_sentence(warnings[0].replace(str(path), "FILE")), warnings[0]
    assert path.read_bytes() == bad  # reading never rewrites the file


def test_text_that_is_not_utf8_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b'theme = "dark"\nlast_strap = "\xff"\n')
    s, warnings = load_settings(path)
    assert s == Settings() and len(warnings) == 1
    assert str(path) in warnings[0] and "line 2" in warnings[0]


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b'\xef\xbb\xbftheme = "dark"\n')
    assert load_settings(path) == (Settings(theme="dark"), [])


def test_an_unreadable_file_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.mkdir()  # a folder where the file should be
    s, warnings = load_settings(path)
    assert s == Settings() and len(warnings) == 1 and str(path) in warnings[0]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("pace_bpm = 12", "pace_bpm"),
        ("pace_bpm = 6.05", "pace_bpm"),
        ("pace_bpm = nan", "pace_bpm"),
        ('pace_bpm = "6"', "pace_bpm"),
        ('ratio = "six"', "ratio"),
        ("hold_in_s = 3", "hold_in_s"),
        ("hold_out_s = -1", "hold_out_s"),
        ("session_min = 1000", "session_min"),
        ("session_min = true", "session_min"),
        ("challenge_level = 9", "challenge_level"),
        ('theme = "blue"', "theme"),
        ("font_scale = 5", "font_scale"),
        ("font_scale = 1" + "0" * 400, "font_scale"),
        ('tone = "on"', "tone"),
        ("focus_on_start = 1", "focus_on_start"),
        ("last_strap = [1, 2]", "last_strap"),
        ("resonance_bpm = 9", "resonance_bpm"),
        ("resonance_bpm = {a = 1}", "resonance_bpm"),
    ],
)
def test_a_bad_value_in_the_file_falls_back_to_its_default_alone(
    tmp_path: Path, line: str, field: str
) -> None:
    path = tmp_path / "settings.toml"
    good = {"theme": '"dark"', "tone": "true", "font_scale": "1.5", "resonance_bpm": "5.0"}
    good.pop(field, None)
    lines = [f"{k} = {v}" for k, v in good.items()] + [line]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s, warnings = load_settings(path)
    assert getattr(s, field) == getattr(Settings(), field)
    for key, value in good.items():  # the good ones are kept
        assert getattr(s, key) == tomllib.loads(f"x = {value}")["x"], key
    assert len(warnings) == 1
    assert str(path) in warnings[0] and f"{field} = " in warnings[0]
    assert _one_sentence(warnings[0].replace(str(path), "FILE")), warnings[0]


def test_unknown_keys_are_ignored_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('theme = "dark"\ncolour = "red"\n[window]\nwidth = 800\n', encoding="utf-8")
    s, warnings = load_settings(path)
    assert s == Settings(theme="dark")
    assert len(warnings) == 2
    assert "'colour'" in warnings[0] and "'window'" in warnings[1]
    assert all(str(path) in w for w in warnings)


def test_pacer_values_that_do_not_fit_together_are_reset_as_little_as_possible(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('pace_bpm = 6.0\nratio = "1:20"\nhold_in_s = 2.0\ntone = true\n')
    s, warnings = load_settings(path)
    assert s == Settings(pace_bpm=6.0, hold_in_s=2.0, tone=True)  # only the ratio reset
    assert len(warnings) == 1 and 'ratio = "4:6"' in warnings[0]
    path.write_text("pace_bpm = 10.0\nhold_in_s = 2.0\nhold_out_s = 2.0\n")
    s, warnings = load_settings(path)
    assert s == Settings(pace_bpm=10.0, hold_out_s=2.0)
    assert len(warnings) == 1 and "hold_in_s = 0" in warnings[0]


def test_saving_over_a_corrupt_file_keeps_it_as_bak(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    bad = b"theme = \n"
    path.write_bytes(bad)
    assert load_settings(path)[0] == Settings()
    assert path.read_bytes() == bad
    save_settings(CHANGED, path)
    assert (tmp_path / "settings.toml.bak").read_bytes() == bad
    assert load_settings(path) == (CHANGED, [])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.toml", "settings.toml.bak"]
    # a later save over the good file keeps that first backup
    save_settings(Settings(), path)
    assert (tmp_path / "settings.toml.bak").read_bytes() == bad


def test_saving_over_a_file_with_unused_values_keeps_it_as_bak(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    original = b'theme = "dark"\nfuture_setting = 3\n'
    path.write_bytes(original)
    save_settings(Settings(theme="dark"), path)
    assert (tmp_path / "settings.toml.bak").read_bytes() == original


def test_saving_over_a_good_file_makes_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    save_settings(Settings(), path)
    save_settings(CHANGED, path)
    assert not (tmp_path / "settings.toml.bak").exists()


def test_only_settings_are_saved(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        save_settings({"theme": "dark"}, tmp_path / "settings.toml")  # type: ignore[arg-type]


# ---------------------------------------------------------------------- any valid settings

_number_text = st.decimals(min_value="0.1", max_value="20", places=2).map(str)
_ratios = st.one_of(
    st.sampled_from(sorted(RATIO_PRESETS)),
    st.tuples(_number_text, _number_text, st.sampled_from(["", " "])).map(
        lambda t: f"{t[2]}{t[0]}{t[2]}:{t[2]}{t[1]}"
    ),
)
_finite = {"allow_nan": False, "allow_infinity": False}


@st.composite
def valid_settings(draw: st.DrawFn) -> Settings:
    kw: dict[str, Any] = {
        "pace_bpm": draw(st.integers(30, 100)) / 10,
        "ratio": draw(_ratios),
        "hold_in_s": draw(st.floats(0.0, 2.0, **_finite)),
        "hold_out_s": draw(st.floats(0.0, 2.0, **_finite)),
        "session_min": draw(st.none() | st.floats(0.5, 240.0, **_finite)),
        "challenge_level": draw(st.integers(1, 4)),
        "theme": draw(st.sampled_from(rs.THEMES)),
        "font_scale": draw(st.floats(0.75, 2.0, **_finite)),
        "tone": draw(st.booleans()),
        "focus_on_start": draw(st.booleans()),
        "last_strap": draw(st.none() | st.text(st.characters(exclude_categories=["Cs"]))),
        "resonance_bpm": draw(st.none() | st.floats(4.0, 7.0, **_finite)),
    }
    try:
        return Settings(**kw)
    except SettingsError:
        assume(False)
        raise


@settings(max_examples=60, deadline=None)
@given(s=valid_settings())
def test_any_valid_settings_round_trip(
    tmp_path_factory: pytest.TempPathFactory, s: Settings
) -> None:
    path = tmp_path_factory.getbasetemp() / "roundtrip" / "settings.toml"
    save_settings(s, path)
    assert load_settings(path) == (s, [])
    assert Settings(**{name: getattr(s, name) for name in rs._CHECKS}) == s  # idempotent
    assert re.fullmatch(r"\S*", s.ratio)


def test_the_window_size_is_whole_pixels_in_range() -> None:
    assert Settings(window_width=1280.0, window_height=720).window_width == 1280
    for bad in (100, 1280.5, True, "wide", 20000):
        with pytest.raises(SettingsError, match="window_width"):
            Settings(window_width=bad)
