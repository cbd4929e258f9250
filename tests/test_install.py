"""Issue 19: resonant installs the way programs do, from its sdist and wheel.

The fast test keeps ``[tool.setuptools.package-data]`` in step with the source tree: every
file under ``src/resonant`` that is not Python must be matched by one of its patterns, or
the installed program would miss it (a strap profile, a protocol, a practice, an icon).

The slow tests build the sdist and, from it, the wheel (``python -m build``, without build
isolation so that no network is needed), compare the wheel with the source tree, install
it into a fresh virtual environment with ``pip install --no-index --no-deps`` and run
``resonant --version``, ``resonant analyze`` and ``resonant demo --screenshot`` (offscreen)
from there. The dependencies come from the development environment through one plain
path line in a ``.pth`` file: such a line only extends ``sys.path`` (the ``.pth`` files
in that folder, among them the editable install's, are not read), so ``resonant`` itself
must come from the new environment, which the tests check.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

import resonant
from resonant._version import __version__
from tests.conftest import FIXTURES, ROOT

SRC = ROOT / "src" / "resonant"
RECORDING = FIXTURES / "sessions" / "2026-11-22T10-00-00Z_gap"
SHOT_SIZE = (1280, 720)  # the practice view at its documented size


def _package_data_patterns() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns: list[str] = pyproject["tool"]["setuptools"]["package-data"]["resonant"]
    return patterns


def _source_files() -> set[str]:
    """Every file of the package in the source tree, relative to src/ (as in the wheel)."""
    return {
        p.relative_to(SRC.parent).as_posix()
        for p in SRC.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".pyo"}
    }


def test_every_data_file_in_the_package_is_named_in_package_data() -> None:
    patterns = _package_data_patterns()
    data = {f for f in _source_files() if not f.endswith(".py")}
    matched: set[str] = set()
    for pattern in patterns:
        hits = {p.relative_to(SRC.parent).as_posix() for p in SRC.glob(pattern) if p.is_file()}
        assert hits, f"package-data pattern {pattern!r} matches no file under src/resonant"
        matched |= hits
    missing = sorted(data - matched)
    assert not missing, (
        f"not in [tool.setuptools.package-data] of pyproject.toml, so not in the wheel: {missing}"
    )
    # what the program reads at run time, by kind
    for kind in ("devices/profiles/", "model/protocols/", "model/practices/", "gui/icons/"):
        assert any(f.startswith(f"resonant/{kind}") for f in matched), kind


# --- slow: build, install, run --------------------------------------------------------


def _run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:  # fmt: skip
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel built from it (``python -m build`` with no isolation)."""
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)])
    return out


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    home = tmp_path_factory.mktemp("venv")
    env_dir = home / "env"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    (wheel,) = dist.glob("resonant-*.whl")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index",
          "--no-deps", "--no-cache-dir", "--disable-pip-version-check", str(wheel)])  # fmt: skip
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    here = sysconfig.get_paths()
    lines = dict.fromkeys([here["purelib"], here["platlib"]])  # the dependencies, no network
    (Path(site.stdout.strip()) / "resonant-test-dependencies.pth").write_text(
        "".join(f"{line}\n" for line in lines), encoding="utf-8"
    )
    return bin_dir


def _env(bin_dir: Path, scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "QT_QPA", "DISPLAY", "WAYLAND"))}  # fmt: skip
    return env | {
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(scratch / "config"),
        "XDG_DATA_HOME": str(scratch / "data"),
        "XDG_STATE_HOME": str(scratch / "state"),
        "XDG_CACHE_HOME": str(scratch / "cache"),
    }


@pytest.mark.slow
def test_the_wheel_built_from_the_sdist_holds_the_source_tree(dist: Path) -> None:
    (wheel,) = dist.glob("resonant-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        entry_points = z.read(f"resonant-{__version__}.dist-info/entry_points.txt").decode()
    info = {n for n in names if n.startswith(f"resonant-{__version__}.dist-info/")}
    assert names - info == _source_files()  # every module and data file, nothing else
    assert f"resonant-{__version__}.dist-info/licenses/LICENSE" in info
    assert "resonant = resonant.cli:main" in entry_points


@pytest.mark.slow
def test_the_sdist_carries_the_licence_readme_and_docs(dist: Path) -> None:
    (sdist,) = dist.glob("resonant-*.tar.gz")
    top = f"resonant-{__version__}/"
    with tarfile.open(sdist) as t:
        names = {n.removeprefix(top) for n in t.getnames()}
    for name in ("LICENSE", "README.md", "pyproject.toml", "docs/index.md", "docs/install.md"):
        assert name in names, name
    assert not any(n.startswith("tests/") for n in names)  # the tests run from a clone


@pytest.mark.slow
def test_the_installed_program_runs_from_its_own_environment(
    installed: Path, tmp_path: Path
) -> None:
    env = _env(installed, tmp_path)
    python = str(installed / "python")
    where = _run([python, "-c", "import resonant; print(resonant.__file__)"], env, tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(installed.parent)
    assert not Path(where.stdout.strip()).is_relative_to(ROOT / "src")
    assert Path(resonant.__file__).is_relative_to(ROOT / "src")  # this process: the clone

    resonant_cmd = str(installed / "resonant")
    version = _run([resonant_cmd, "--version"], env, tmp_path)
    assert version.stdout.split() == ["resonant", __version__]

    analyzed = _run([resonant_cmd, "analyze", str(RECORDING), "--json"], env, tmp_path)
    row = json.loads(analyzed.stdout.splitlines()[0])
    assert isinstance(row["rmssd_ms"], float) and math.isfinite(row["rmssd_ms"])
    assert row["beats"] == 200 and 10 < row["rmssd_ms"] < 30

    png = tmp_path / "shot.png"
    w, h = SHOT_SIZE
    _run([resonant_cmd, "demo", "--screenshot", str(png), "--after", "5", "--size", f"{w}x{h}",
          "--view", "practice", "--speed", "10", "--sim-seed", "1"], env, tmp_path)  # fmt: skip
    from PyQt6.QtGui import QColor, QImage

    image = QImage(str(png))
    assert not image.isNull()
    assert (image.width(), image.height()) == SHOT_SIZE
    colours = {image.pixel(x, y) for x in range(0, w, 16) for y in range(0, h, 16)}
    assert len(colours) > 3  # a drawn window, not an empty or black one
    centre = QColor(image.pixel(w // 2, h * 3 // 8))  # the breathing guide, in its blue
    assert centre.blue() > centre.red()
