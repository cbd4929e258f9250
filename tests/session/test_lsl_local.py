"""LSL is off unless asked, and ``--lsl-local`` keeps its discovery to this machine.

pylsl is never imported by the pytest process (see ``test_lsl.py``): the one test that
publishes streams runs ``resonant record --lsl-local`` in a child process inside a
private network namespace (``unshare -n``, only loopback up) and lists its sockets with
``ss`` while it runs.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from resonant.cli import main
from resonant.session.lsl import MACHINE_ONLY_CONFIG, LslError, keep_to_this_machine


def test_lsl_is_off_unless_asked(tmp_path: Path) -> None:
    assert main(["record", "--simulate", "--out", str(tmp_path / "s"), "--speed", "100000",
                 "--duration", "20", "--sim-seed", "1"]) == 0  # fmt: skip
    assert "pylsl" not in sys.modules


def test_the_machine_only_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LSLAPICFG", raising=False)
    path = keep_to_this_machine(tmp_path)
    assert os.environ["LSLAPICFG"] == str(path)
    text = path.read_text(encoding="utf-8")
    assert text == MACHINE_ONLY_CONFIG
    for line in ("ResolveScope = machine", "KnownPeers = {127.0.0.1}", "IPv6 = disable",
                 "ListenAddress = 127.0.0.1"):  # fmt: skip
        assert line in text


def test_it_is_refused_once_pylsl_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pylsl", object())
    with pytest.raises(LslError, match="start resonant again with --lsl-local"):
        keep_to_this_machine()


def _namespace() -> list[str] | None:
    if not sys.platform.startswith("linux") or not all(
        shutil.which(t) for t in ("unshare", "ip", "ss")
    ):
        return None
    prefix = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-r", "-n"]
    probe = subprocess.run([*prefix, "sh", "-c", "ip link set lo up"], capture_output=True,
                           timeout=10)  # fmt: skip
    return prefix if probe.returncode == 0 else None


@pytest.mark.skipif(importlib.util.find_spec("pylsl") is None, reason="pylsl is not installed")
def test_lsl_local_answers_discovery_on_loopback_only(tmp_path: Path) -> None:
    prefix = _namespace()
    if prefix is None:
        pytest.skip("no private network namespace here (unshare), so no LSL is started")
    script = f"""
ip link set lo up
"{sys.executable}" -m resonant record --simulate --lsl-local --speed 1 --duration 8 \\
    --sim-seed 1 --out "{tmp_path / 's'}" >/dev/null 2>"{tmp_path / 'err'}" &
pid=$!
for i in $(seq 1 60); do
    ss -lnup | grep -q ':16571 ' && break
    sleep 0.1
done
sleep 0.5
ss -lntup > "{tmp_path / 'ss'}"
kill -INT $pid; wait $pid
"""
    env = {k: v for k, v in os.environ.items() if k != "LSLAPICFG"}
    start = time.monotonic()
    subprocess.run([*prefix, "sh", "-c", script], env=env, timeout=60, check=False)
    assert time.monotonic() - start < 60
    sockets = (tmp_path / "ss").read_text().splitlines()[1:]
    err = (tmp_path / "err").read_text()
    # The machine-only configuration also keeps liblsl's start-up lines off stderr (only
    # its errors remain: here, inside the namespace, that it finds no network interface).
    assert "INFO|" not in err and "resonant: " in err, err
    discovery = [s for s in sockets if ":16571 " in s]
    assert discovery, sockets
    assert all(" 127.0.0.1:16571 " in s for s in discovery), discovery  # not 0.0.0.0, not ::
    assert not any("[::" in s or " *:" in s for s in sockets), sockets  # no IPv6 at all


@pytest.mark.skipif(importlib.util.find_spec("pylsl") is None, reason="pylsl is not installed")
def test_liblsl_says_nothing_of_its_own_on_stderr(tmp_path: Path) -> None:
    """``--lsl`` with liblsl's defaults: its start-up lines do not reach the terminal."""
    prefix = _namespace()
    if prefix is None:
        pytest.skip("no private network namespace here (unshare), so no LSL is started")
    cmd = [sys.executable, "-m", "resonant", "record", "--simulate", "--lsl", "--speed", "50",
           "--duration", "20", "--sim-seed", "1", "--out", str(tmp_path / "s")]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "LSLAPICFG"}
    proc = subprocess.run([*prefix, "sh", "-c", 'ip link set lo up && exec "$0" "$@"', *cmd],
                          env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "publishing LSL streams" in proc.stderr
    # liblsl's errors remain (in the namespace: that it finds no network interface).
    assert "INFO|" not in proc.stderr, proc.stderr
