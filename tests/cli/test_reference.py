"""docs/cli.md is the parser's own help, so the reference cannot go stale."""

import os
import subprocess
import sys

import resonant.cli
from resonant.cli.reference import cli_reference
from tests.conftest import ROOT

CLI_MD = ROOT / "docs" / "cli.md"
REGENERATE = "python -m resonant.cli.reference > docs/cli.md"


def test_docs_cli_md_is_the_generated_reference():
    assert CLI_MD.read_text(encoding="utf-8") == cli_reference(), (
        f"docs/cli.md is out of date with the command line: regenerate it with `{REGENERATE}`"
    )


def test_every_command_has_a_section_with_its_help():
    text = cli_reference()
    assert text.startswith("# ") and REGENERATE in text
    parser = getattr(resonant.cli, "build_parser", None) or resonant.cli._build_parser
    (sub,) = (a for a in parser()._actions if hasattr(a, "choices") and a.choices)
    for name in sub.choices:
        assert f"\n## resonant {name}\n\n```text\nusage: resonant {name} " in text


def test_the_width_does_not_depend_on_the_terminal_and_columns_is_restored(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = cli_reference()
    assert os.environ["COLUMNS"] == "40"
    monkeypatch.delenv("COLUMNS")
    assert cli_reference() == narrow
    assert "COLUMNS" not in os.environ


def test_running_the_module_prints_the_reference():
    p = subprocess.run(
        [sys.executable, "-m", "resonant.cli.reference"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "50"},
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert p.stdout == cli_reference()
