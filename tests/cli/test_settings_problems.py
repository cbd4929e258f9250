"""A broken settings file on the command line: said on stderr, one line each, never fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from resonant.cli import main
from resonant.config.settings import load_settings, settings_path

FAST = "1000"


def _write_settings(text: str | bytes) -> Path:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


DEEP = "a = " + "[" * 50_000 + "]" * 50_000 + "\n"


def test_a_settings_file_nested_50000_deep_is_one_sentence_naming_it() -> None:
    path = _write_settings(DEEP)
    settings, warnings = load_settings()
    assert settings == type(settings)()
    assert warnings == [
        f"The settings file {path} is nested too deeply to be read, "
        "so the default settings are used."
    ]


@pytest.mark.parametrize(
    "content", [DEEP, "x = {" * 30_000 + "}" * 30_000, b"pace_bpm = \xff\n", "pace_bpm = [\n"]
)
def test_record_and_demo_run_on_a_broken_settings_file_and_say_so_once(
    content: str | bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_settings(content)
    assert main(["record", "--simulate", "--out", str(tmp_path / "r"), "--speed", FAST,
                 "--duration", "20", "--sim-seed", "1"]) == 0  # fmt: skip
    assert main(["demo", "--headless", "--out", str(tmp_path / "d"), "--speed", FAST,
                 "--duration", "20", "--sim-seed", "1"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if str(path) in line]
    assert len(lines) == 2, err  # one line per command
    assert all(line.startswith("resonant: The settings file ") for line in lines)
    assert "Traceback" not in err


def test_record_with_a_protocol_runs_on_a_deeply_nested_settings_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_settings(DEEP)
    assert main(["record", "--simulate", "--protocol", "threat-soothing", "--out",
                 str(tmp_path / "p"), "--speed", "100000", "--duration", "30",
                 "--sim-seed", "1"]) == 0  # fmt: skip
    assert "nested too deeply" in capsys.readouterr().err


def test_value_warnings_are_said_on_the_command_line_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_settings('pace_bpm = 99\ntheme = "pink"\nnot_a_setting = 1\n')
    assert main(["record", "--simulate", "--out", str(tmp_path / "r"), "--speed", FAST,
                 "--duration", "20", "--sim-seed", "1"]) == 0  # fmt: skip
    err = capsys.readouterr().err.splitlines()
    said = [line for line in err if line.startswith(f"resonant: In {path}, ")]
    assert len(said) == 3
    assert any("pace_bpm" in line for line in said) and any("theme" in line for line in said)


def test_accept_says_it_rewrote_the_file_and_where_the_backup_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_settings('theme = "pink"\n')
    assert main(["assess", "--simulate", "--sim-resonance", "5.0", "--sim-seed", "1",
                 "--sim-adherence", "1", "--speed", "100000", "--out", str(tmp_path / "a"),
                 "--accept"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    backup = path.with_name(path.name + ".bak")
    assert backup.read_text() == 'theme = "pink"\n'
    assert err.count(f"resonant: In {path}, theme") == 1  # said once, at the start
    assert (
        f"the settings file {path} could not be fully used, so it was rewritten; "
        f"what it held before is kept in {backup}." in err
    )
    assert load_settings()[1] == []


def test_accept_on_a_clean_file_mentions_no_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["assess", "--simulate", "--sim-resonance", "5.0", "--sim-seed", "1",
                 "--sim-adherence", "1", "--speed", "100000", "--out", str(tmp_path / "a"),
                 "--accept"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert ".bak" not in err and "is saved in" in err
    assert not settings_path().with_name("settings.toml.bak").exists()


def test_the_window_opens_on_a_deeply_nested_settings_file(tmp_path: Path) -> None:
    """``resonant demo --screenshot`` (the window, offscreen) in a process of its own."""
    import os
    import subprocess
    import sys

    config = tmp_path / "config"
    (config / "resonant").mkdir(parents=True)
    (config / "resonant" / "settings.toml").write_text(DEEP)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_QPA", "DISPLAY"))}
    env |= {"XDG_CONFIG_HOME": str(config), "XDG_DATA_HOME": str(tmp_path / "data"),
            "QT_QPA_PLATFORM": "offscreen", "QT_LOGGING_RULES": "qt.qpa.*=false"}  # fmt: skip
    png = tmp_path / "shot.png"
    proc = subprocess.run(
        [sys.executable, "-m", "resonant", "demo", "--speed", "10", "--sim-seed", "3",
         "--after", "2", "--screenshot", str(png)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and png.is_file()
    assert "nested too deeply" in proc.stderr  # said on the command line too
