"""``resonant demo`` in the terminal face: the guide starts at the person's accepted rate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from resonant.cli import main
from tests.conftest import accept_simulated_rate, first_pacer_rate
from resonant.config.settings import Settings, save_settings

FAST = "100000"  # as fast as the machine goes




def demo(out: Path, *args: str) -> None:
    assert main(["demo", "--headless", "--out", str(out), "--duration", "30",
                 "--speed", FAST, "--sim-seed", "3", *args]) == 0  # fmt: skip




def test_the_demo_starts_at_6_without_an_accepted_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo(tmp_path / "d")
    assert first_pacer_rate(tmp_path / "d") == 6.0
    assert "resonant: the guide starts at 6 breaths/min.\n" in capsys.readouterr().err


def test_after_accept_the_demo_starts_at_the_accepted_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rate = accept_simulated_rate(tmp_path)
    capsys.readouterr()
    demo(tmp_path / "d")
    assert first_pacer_rate(tmp_path / "d") == rate
    meta = json.loads((tmp_path / "d" / "session.json").read_text())
    assert meta["settings"]["pacer"]["rate_bpm"] == rate
    err = capsys.readouterr().err
    assert f"the guide starts at {rate:g} breaths/min, your accepted resonance rate." in err
    assert err.count("the guide starts at") == 1


def test_pace_overrides_the_accepted_rate_in_the_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_settings(Settings(resonance_bpm=5.2, pace_bpm=5.2))
    demo(tmp_path / "d", "--pace", "6")
    assert first_pacer_rate(tmp_path / "d") == 6.0
    assert "starts at 6 breaths/min; your accepted resonance rate is 5.2." in (
        capsys.readouterr().err
    )


def test_the_help_says_where_the_default_pace_comes_from(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert "accepted" in capsys.readouterr().out
