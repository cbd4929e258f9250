"""Static checks that run with the test suite: mypy's types and import-linter's layers.

Both read their configuration from pyproject.toml (``[tool.mypy]``,
``[tool.importlinter]``). Deselect them with ``-m "not static"``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.static


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a checker from the repository root, with its output captured."""
    env = dict(os.environ, PYTHONUTF8="1", NO_COLOR="1")
    return subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def _passes(proc: subprocess.CompletedProcess[str]) -> None:
    """Fail with the checker's own output unless it exited 0."""
    if proc.returncode != 0:
        command = " ".join(map(str, proc.args))
        pytest.fail(
            f"{command} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}", pytrace=False
        )


def test_mypy_finds_no_type_errors() -> None:
    _passes(_run([sys.executable, "-m", "mypy"]))


def test_imports_follow_the_layers() -> None:
    exe = Path(sys.executable).with_name("lint-imports.exe" if os.name == "nt" else "lint-imports")
    assert exe.is_file(), f"no {exe.name} next to {sys.executable}: install the 'test' extra"
    _passes(_run([str(exe), "--no-cache"]))
