"""A user's protocol files that cannot be used: one sentence, exit 2, nothing created.

A custom ``--protocol ./X.toml`` that is not UTF-8, not a protocol's shape, nested
thousands deep, or asks the guide for a rate it does not offer is refused before a
session folder is made; one broken file in the user's protocols folder is skipped with a
note naming it and never hides the shipped protocols.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from resonant.cli import main
from resonant.config.settings import user_protocols_dir
from resonant.model.protocols import ProtocolError, load_protocol, protocols

GOOD = 'name = "mine"\n[[phase]]\nname = "breathe"\nminutes = 0.5\npacer = 6.0\n'

BROKEN: dict[str, bytes] = {
    "not UTF-8 text (line 3)": b'name = "x"\n[[phase]]\nname = "\xff\xfe"\nminutes = 1\n',
    "phase = 5 is not a list": b"phase = 5\n",
    "phase 1 is 5, not a [[phase]] table": b"phase = [5]\n",
    "nested too deeply": b"a = " + b"[" * 50_000 + b"]" * 50_000 + b"\n",
    "nested too deeply to be a protocol": b"a = " + b"{b = " * 30_000 + b"}" * 30_000,
    "pacer = 5.55 is not a rate the guide offers": GOOD.replace("6.0", "5.55").encode(),
    "pacer = 11.0 is not a rate the guide offers": GOOD.replace("6.0", "11.0").encode(),
    "pacer = nan is not a rate": GOOD.replace("6.0", "nan").encode(),
    "minutes = inf is not 0-240": GOOD.replace("0.5", "inf").encode(),
    "name = [1] must be text": b"name = [1]\n[[phase]]\nname = 'a'\nminutes = 1\n",
    "instruction = {} must be text": GOOD.encode() + b"instruction = {}\n",
    "not valid TOML": b"[[phase]\n",
    "no [[phase]] entries": b'title = "nothing here"\n',
}


@pytest.fixture
def user_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    folder = user_protocols_dir()
    folder.mkdir(parents=True)
    return folder


@pytest.mark.parametrize("why", list(BROKEN))
def test_a_broken_custom_protocol_is_one_sentence_exit_2_and_nothing_is_created(
    why: str, tmp_path: Path, user_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "X.toml"
    path.write_bytes(BROKEN[why])
    with pytest.raises(ProtocolError, match=re.escape(why)):
        load_protocol(str(path), user_folder)
    status = main(["record", "--simulate", "--protocol", str(path), "--speed", "100000",
                   "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith(f"resonant: {path}") and why in err, err
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "data").exists()  # no folder in the data folder either


def test_a_missing_file_a_folder_and_a_fifo_are_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="there is no protocol file"):
        load_protocol(str(tmp_path / "none.toml"), None)
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(ProtocolError, match="dir.toml: not a file"):
        load_protocol(str(tmp_path / "dir.toml"), None)
    import os

    os.mkfifo(tmp_path / "fifo.toml")
    with pytest.raises(ProtocolError, match="fifo.toml: not a file"):  # never waits on it
        load_protocol(str(tmp_path / "fifo.toml"), None)


def test_a_huge_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_bytes(b"# " + b"x" * 2_000_000 + b"\n")
    with pytest.raises(ProtocolError, match="larger than 1000 kB"):
        load_protocol(str(path), None)


def test_one_bad_user_file_does_not_break_the_shipped_protocols(
    tmp_path: Path, user_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (user_folder / "broken.toml").write_bytes(b"phase = 5\n")
    (user_folder / "mine.toml").write_text(GOOD)
    problems: list[str] = []
    known = protocols(user_folder, problems)
    assert {"threat-soothing", "mine"} <= set(known)
    assert problems == [f"{user_folder / 'broken.toml'}: phase = 5 is not a list of [[phase]] "
                        "tables, so it is skipped"]  # fmt: skip
    status = main(["record", "--simulate", "--protocol", "threat-soothing", "--speed",
                   "100000", "--out", str(tmp_path / "ts"), "--duration", "20",
                   "--sim-seed", "1"])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 0, err
    assert f"resonant: note: {user_folder / 'broken.toml'}: phase = 5" in err
    assert (tmp_path / "ts" / "session.json").is_file()
    # Asked for by name, the broken one is refused with its own sentence.
    status = main(["record", "--simulate", "--protocol", "broken", "--speed", "100000",
                   "--out", str(tmp_path / "b")])  # fmt: skip
    err = capsys.readouterr().err
    broken = user_folder / "broken.toml"
    assert status == 2
    assert err == f"resonant: {broken}: phase = 5 is not a list of [[phase]] tables\n"
    assert not (tmp_path / "b").exists()


def test_an_unreadable_user_file_is_skipped(
    user_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    bad = user_folder / "locked.toml"
    bad.write_text(GOOD)
    bad.chmod(0)
    problems: list[str] = []
    assert "threat-soothing" in protocols(user_folder, problems)
    assert problems == [f"{bad} cannot be read (permission denied), so it is skipped"]


def test_a_phase_rate_that_does_not_fit_the_holds_is_refused_before_a_folder_is_made(
    tmp_path: Path, user_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fast.toml"
    path.write_text('name = "fast"\n[[phase]]\nname = "quick"\nminutes = 0.2\npacer = 10\n')
    status = main(["record", "--simulate", "--protocol", str(path), "--hold-in", "2",
                   "--hold-out", "2", "--speed", "100000",
                   "--out", str(tmp_path / "o")])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert err.startswith(f"resonant: {path}: phase 'quick' at 10 breaths/min does not fit")
    assert not (tmp_path / "o").exists()
