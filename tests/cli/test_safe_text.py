"""Labels, participant ids and notes reach the terminal without control characters.

The issue's example: ``--participant $'\\e[2J\\e[31mFAKE\\e]0;owned\\a'`` cleared the
screen and set the window title when ``history`` or ``analyze`` printed it. Files keep
the text intact (JSON escapes it); the terminal sees it stripped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from resonant.cli import main
from resonant.cli.options import LABEL_MAX_CHARS

HOSTILE = "\x1b[2J\x1b[31mFAKE\x1b]0;owned\x07"
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _clean(text: str) -> bool:
    return RAW.search(text) is None


@pytest.fixture(scope="module")
def hostile_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    out = root / "s"
    assert main(["record", "--simulate", "--out", str(out), "--speed", "100000",
                 "--duration", "60", "--sim-seed", "1", "--participant", HOSTILE,
                 "--label", "x" + HOSTILE]) == 0  # fmt: skip
    return out


def test_the_file_keeps_the_participant_id_intact(hostile_session: Path) -> None:
    meta = json.loads((hostile_session / "session.json").read_text(encoding="utf-8"))
    assert meta["participant"] == HOSTILE


@pytest.mark.parametrize(
    "command",
    [["history", "{root}"], ["history", "{root}", "--json"], ["analyze", "{s}"],
     ["analyze", "{s}", "--json"], ["report", "{s}", "--out", "{root}/r.html"]],
)  # fmt: skip
def test_commands_print_no_control_characters(
    command: list[str], hostile_session: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    args = [a.format(root=hostile_session.parent if "{root}" in a and "r.html" not in a
                     else tmp_path, s=hostile_session) for a in command]  # fmt: skip
    capsys.readouterr()
    main(args)
    out, err = capsys.readouterr()
    assert _clean(out) and _clean(err), (out, err)
    if command[0] == "history":
        assert "FAKE" in out
    if command[-1] == "--json" and command[0] == "history":
        assert json.loads(out.splitlines()[0])["participant"] == HOSTILE


def test_record_says_its_folder_and_problems_without_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["record", "--simulate", "--out", str(tmp_path / ("o" + HOSTILE)), "--speed",
                 "100000", "--duration", "20", "--sim-seed", "1",
                 "--sim-person", "sim:label=p" + HOSTILE[:10]]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert _clean(out) and _clean(err), (out, err)
    assert "oFAKE" in out


def test_a_bad_input_sentence_is_shown_without_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / ("p" + HOSTILE + ".toml")
    bad.write_bytes(b"phase = 5\n")
    assert main(["record", "--simulate", "--protocol", str(bad), "--out",
                 str(tmp_path / "never")]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert _clean(err) and "pFAKE.toml" in err and err.count("\n") == 1


def test_a_label_too_long_for_a_folder_name_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["record", "--simulate", "--label", "x" * 300, "--speed", "100000",
                 "--duration", "10"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert err == (
        f"resonant: --label has 300 characters: it names the session folder, so it can be "
        f"at most {LABEL_MAX_CHARS}; the participant id (--participant) has no such limit\n"
    )
    assert not (tmp_path / "data").exists()
    # The longest label allowed makes a folder.
    assert main(["record", "--simulate", "--label", "é" * LABEL_MAX_CHARS, "--speed", "100000",
                 "--duration", "10", "--sim-seed", "1"]) == 0  # fmt: skip
    assert main(["record", "--simulate", "--label", "y" * LABEL_MAX_CHARS, "--speed", "100000",
                 "--duration", "10", "--sim-seed", "1"]) == 0  # fmt: skip
    assert len(list((tmp_path / "data").rglob("session.json"))) == 2


def test_history_json_is_strict_json_whatever_a_summary_holds(
    hostile_session: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from resonant.cli import history

    real = history.SessionSummary.to_json

    def with_nan(self: history.SessionSummary) -> dict:
        return {**real(self), "rmssd_ms": float("nan"), "hr_mean_bpm": float("inf")}

    monkeypatch.setattr(history.SessionSummary, "to_json", with_nan)
    capsys.readouterr()
    assert main(["history", str(hostile_session.parent), "--json"]) == 0
    out = capsys.readouterr().out
    assert "NaN" not in out and "Infinity" not in out
    row = json.loads(out.splitlines()[0], parse_constant=lambda c: pytest.fail(c))
    assert row["rmssd_ms"] is None and row["hr_mean_bpm"] is None
