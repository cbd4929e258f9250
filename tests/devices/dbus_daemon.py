"""A private dbus-daemon for the fake BlueZ (used by the test fixture and the benchmarks)."""

from __future__ import annotations

import select
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["dbus_daemon_path", "private_dbus_daemon"]

# How long dbus-daemon may take to print its address, and to exit when asked.
_DBUS_START_TIMEOUT_S = 10.0
_DBUS_STOP_TIMEOUT_S = 5.0

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


def dbus_daemon_path() -> str | None:
    """The dbus-daemon executable (Debian package ``dbus-daemon``), or None."""
    return shutil.which("dbus-daemon") or (
        "/usr/bin/dbus-daemon" if Path("/usr/bin/dbus-daemon").exists() else None
    )


@contextmanager
def private_dbus_daemon() -> Iterator[str]:
    """Run a private dbus-daemon; yield its address; stop it and clean up afterwards."""
    daemon = dbus_daemon_path()
    if daemon is None:
        raise FileNotFoundError("dbus-daemon is not installed (Debian package 'dbus-daemon')")
    # A short directory of our own: a unix socket path must stay under 108 bytes,
    # which pytest's tmp_path (long test names) does not guarantee.
    workdir = Path(tempfile.mkdtemp(prefix="resonant-dbus-"))
    config = workdir / "bus.conf"
    config.write_text(_BUS_CONFIG.format(socket=workdir / "bus"), encoding="utf-8")
    log_path = workdir / "dbus-daemon.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [daemon, f"--config-file={config}", "--nofork", "--print-address=1"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
        )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], _DBUS_START_TIMEOUT_S)
        address = proc.stdout.readline().decode().strip() if ready else ""
        if not address:
            raise RuntimeError(
                f"dbus-daemon printed no address (exit code {proc.poll()}): "
                + log_path.read_text(errors="replace").strip()
            )
        yield address
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=_DBUS_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        shutil.rmtree(workdir, ignore_errors=True)
