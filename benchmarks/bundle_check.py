"""Run the self-contained Linux bundle in a minimal Debian with no Python (issue 19).

Run as root: ``.venv/bin/python benchmarks/bundle_check.py [--root DIR] [--reuse] [--png OUT]``
(``./dev.sh bundle-check`` does this after ``./dev.sh bundle``). It

1. makes a minimal Debian root with ``debootstrap --variant=minbase`` (anew each run
   unless ``--reuse``), from the Debian mirror this machine's apt uses;
2. shows that there is no ``python3`` in it;
3. unpacks the bundle's tarball into ``/opt`` of the root and lists, with the root's own
   ``ldd``, the shared libraries the bundle's files expect from the system and do not find;
4. installs the Debian packages that provide the graphics libraries every desktop has
   (``--debs``), lists every package that came with them, and shows again that there is
   still no ``python3``;
5. runs ``resonant --version``, ``resonant demo --screenshot PNG --after 5`` and
   ``resonant demo --screenshot PNG --view welcome`` inside the root (``chroot``, Qt's
   offscreen platform, a scratch HOME and XDG folders), and copies the screenshots out
   (``--png`` and ``...-welcome.png``) for a person to look at;
6. runs ``resonant desktop install`` there and shows the entry's ``Exec`` line;
7. where dbus-daemon and dbus-fast are at hand (``.venv``), starts the tests' fake BlueZ
   (``tests/devices/fake_bluez.py``) with one strap on a private D-Bus, makes its socket
   visible inside the root and runs ``resonant scan`` there: the bundle's bleak finds
   the strap through BlueZ's D-Bus interface as on a real machine;
8. prints the figures: tarball and folder sizes, how long each step took, exit statuses.

Exits 1 when a step fails. It is not part of the test suite: it needs root, the
network and a minute or two.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: The graphics libraries the bundle leaves to the system: PyInstaller never bundles
#: libGL, libEGL, libxcb and libwayland-client (they must match the machine's drivers).
#: libgl1 and libegl1 bring the other two (46 packages in all on bookworm minbase).
DESKTOP_DEBS = ("libgl1", "libegl1")
SUITE = "bookworm"
STRAP_ADDRESS = "C0:FF:EE:00:00:19"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
HOME_ENV = {
    "HOME": "/tmp/home",
    "XDG_CONFIG_HOME": "/tmp/home/.config",
    "XDG_DATA_HOME": "/tmp/home/.local/share",
    "XDG_CACHE_HOME": "/tmp/home/.cache",
    "XDG_RUNTIME_DIR": "/tmp/runtime",
    "QT_QPA_PLATFORM": "offscreen",
}


def debian_mirror() -> str:
    """The Debian mirror this machine's apt is configured with (deb822 or one-line form)."""
    d = Path("/etc/apt/sources.list.d")
    for f in [
        *sorted(d.glob("*.sources")),
        Path("/etc/apt/sources.list"),
        *sorted(d.glob("*.list")),
    ]:
        try:
            text = f.read_text()
        except OSError:
            continue
        for m in re.finditer(r"^\s*(?:URIs:|deb)\s+(\S+)", text, re.MULTILINE):
            if m.group(1).rstrip("/").endswith("/debian"):
                return m.group(1)
    return "http://deb.debian.org/debian"


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, text=True, **kw)  # type: ignore[call-overload]


def chroot_args(root: Path, env: dict[str, str] | None = None) -> list[str]:
    """The command prefix that runs something in ``root`` with a clean environment."""
    base = {"PATH": PATH, "LANG": "C.UTF-8", **(env or {})}
    return ["chroot", str(root), "/usr/bin/env", "-i", *[f"{k}={v}" for k, v in base.items()]]


def in_root(
    root: Path, script: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a shell script inside ``root``; its output is captured."""
    return run([*chroot_args(root, env), "/bin/sh", "-c", script], capture_output=True)


def has_python(root: Path) -> bool:
    r = in_root(
        root,
        "command -v python3 python3.11 python; "
        "ls -d /usr/bin/python3* /usr/lib/python3* 2>/dev/null",
    )
    found = r.stdout.strip()
    print(f"python in the root: {found or 'none'}")
    return bool(found)


def packages(root: Path) -> set[str]:
    r = in_root(root, "dpkg-query -W -f '${Package}\\n'")
    return set(r.stdout.split())


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    w, h = struct.unpack(">II", head[16:24])
    return int(w), int(h)


def du_mb(path: Path) -> float:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink()) / 1e6


def missing_libraries(root: Path, folder: str) -> list[str]:
    """Sonames that the bundle's ELF files need and the root's loader cannot find."""
    script = (
        f"cd {folder} && find . -type f \\( -name '*.so*' -o -name resonant \\) "
        "-exec ldd {} + 2>/dev/null | grep 'not found' | awk '{print $1}' | sort -u"
    )
    r = in_root(root, script, {"LD_LIBRARY_PATH": f"{folder}/_internal"})
    return r.stdout.split()


def mounts_under(root: Path) -> list[str]:
    text = Path("/proc/self/mounts").read_text()
    prefix = str(root).rstrip("/") + "/"
    return [f.split()[1] for f in text.splitlines() if f.split()[1].startswith(prefix)]


def make_root(root: Path, mirror: str, figures: dict[str, str]) -> bool:
    if root.exists():
        if mounts_under(root):  # never delete through a mount of the host's /dev or /proc
            print(f"bundle_check: {root} still has mounts: {mounts_under(root)}", file=sys.stderr)
            return False
        shutil.rmtree(root)
    t0 = time.monotonic()
    r = run(["debootstrap", "--variant=minbase", SUITE, str(root), mirror], capture_output=True)
    if r.returncode != 0:
        print(r.stdout[-2000:], r.stderr[-2000:], file=sys.stderr)
        return False
    figures["debootstrap"] = (
        f"{SUITE} minbase in {time.monotonic() - t0:.0f} s, {du_mb(root):.0f} MB"
    )
    return True


def shoot(
    root: Path,
    args: argparse.Namespace,
    name: str,
    options: str,
    out: Path,
    figures: dict[str, str],
) -> bool:
    t0 = time.monotonic()
    r = in_root(
        root,
        f"rm -f /tmp/{name} && /opt/resonant/resonant demo --screenshot /tmp/{name} {options}",
        HOME_ENV,
    )
    took = time.monotonic() - t0
    shot = root / "tmp" / name
    key = f"resonant demo --screenshot {options}"
    if r.returncode != 0 or not shot.is_file():
        figures[key] = f"exit {r.returncode} in {took:.1f} s: {r.stderr.strip()[-600:]}"
        return False
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, out)
    w, h = png_size(out)
    figures[key] = f"exit 0 in {took:.1f} s; {w} x {h} px -> {out}"
    return True


async def scan_with_fake_bluez(root: Path, figures: dict[str, str]) -> bool:
    """``resonant scan`` inside the root against the tests' fake BlueZ on a private bus."""
    sys.path.insert(0, str(REPO))
    from tests.devices.dbus_daemon import private_dbus_daemon
    from tests.devices.fake_bluez import FakeBluez, FakeStrap

    with private_dbus_daemon() as address:
        socket = Path(re.search(r"unix:path=([^,]+)", address).group(1))  # type: ignore[union-attr]
        inside = root / "run" / "fake-bluez"
        inside.mkdir(parents=True, exist_ok=True)
        run(["mount", "--bind", str(socket.parent), str(inside)], check=True)
        try:
            async with FakeBluez(address) as bluez:
                bluez.add_strap(FakeStrap(address=STRAP_ADDRESS, name="Polar H10 19191919"))
                env = {
                    **HOME_ENV,
                    "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path=/run/fake-bluez/{socket.name}",
                }
                cmd = [*chroot_args(root, env), "/opt/resonant/resonant", "scan", "--timeout", "3"]
                print("$", " ".join(cmd), flush=True)
                t0 = time.monotonic()
                proc = await asyncio.create_subprocess_exec(
                    *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
                )
                out, err = await proc.communicate()
                took = time.monotonic() - t0
        finally:
            run(["umount", "-l", str(inside)])
    text = out.decode().strip()
    ok = proc.returncode == 0 and STRAP_ADDRESS in text
    figures["resonant scan (fake BlueZ)"] = (
        f"exit {proc.returncode} in {took:.1f} s: {text or err.decode().strip()[-400:]}"
    )
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--root", type=Path, default=Path(tempfile.gettempdir()) / "resonant-bundle-root"
    )
    ap.add_argument("--reuse", action="store_true", help="use the root of the last run as it is")
    ap.add_argument(
        "--tarball", type=Path, help="default: the newest dist/resonant-*-linux-x86_64.tar.gz"
    )
    ap.add_argument("--png", type=Path, default=REPO / "build" / "bundle-check.png")
    ap.add_argument("--mirror", default=None, help="default: the Debian mirror apt uses here")
    ap.add_argument("--debs", nargs="*", default=list(DESKTOP_DEBS))
    ap.add_argument("--after", type=float, default=5.0, help="seconds before the screenshot")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bundle_check: needs root (debootstrap, chroot, mount)", file=sys.stderr)
        return 2
    tarball = args.tarball or max(
        (REPO / "dist").glob("resonant-*-linux-x86_64.tar.gz"),
        key=lambda p: p.stat().st_mtime,
        default=None,
    )
    if tarball is None or not tarball.is_file():
        print("bundle_check: no bundle tarball; run ./dev.sh bundle first", file=sys.stderr)
        return 2
    root: Path = args.root.resolve()
    figures: dict[str, str] = {"tarball": f"{tarball.name}, {tarball.stat().st_size / 1e6:.1f} MB"}
    ok = True

    if not (args.reuse and (root / "bin" / "sh").exists()):
        if not make_root(root, args.mirror or debian_mirror(), figures):
            return 1
    figures["python in the root, before"] = "yes" if has_python(root) else "none"
    ok &= figures["python in the root, before"] == "none"

    shutil.rmtree(root / "opt" / "resonant", ignore_errors=True)
    run(["tar", "-C", str(root / "opt"), "-xzf", str(tarball)], check=True)
    figures["unpacked"] = f"{du_mb(root / 'opt' / 'resonant'):.0f} MB in /opt/resonant"
    figures["libraries not found, before"] = (
        " ".join(missing_libraries(root, "/opt/resonant")) or "none"
    )

    mounted: list[Path] = []
    try:
        for src, dst, opts in (("proc", "proc", ["-t", "proc"]), ("/dev", "dev", ["--bind"])):
            if not os.path.ismount(root / dst):
                run(["mount", *opts, src, str(root / dst)], check=True)
                mounted.append(root / dst)
        if args.debs:
            shutil.copy("/etc/resolv.conf", root / "etc" / "resolv.conf")
            before = packages(root)
            t0 = time.monotonic()
            r = in_root(
                root,
                "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                f"--no-install-recommends {' '.join(args.debs)} >/dev/null",
            )
            if r.returncode != 0:
                print(r.stdout[-2000:], r.stderr[-2000:], file=sys.stderr)
                return 1
            added = sorted(packages(root) - before)
            figures["apt-get install"] = f"{' '.join(args.debs)} ({time.monotonic() - t0:.0f} s)"
            figures["packages that came"] = f"{len(added)}: {' '.join(added)}"
            figures["libraries not found, after"] = (
                " ".join(missing_libraries(root, "/opt/resonant")) or "none"
            )
        figures["python in the root, after"] = "yes" if has_python(root) else "none"
        ok &= figures["python in the root, after"] == "none"

        in_root(
            root, "rm -rf /tmp/home /tmp/runtime && mkdir -p /tmp/home && mkdir -m 700 /tmp/runtime"
        )
        t0 = time.monotonic()
        r = in_root(root, "/opt/resonant/resonant --version", HOME_ENV)
        said = r.stdout.strip() or r.stderr.strip()[-300:]
        figures["resonant --version"] = (
            f"exit {r.returncode} in {time.monotonic() - t0:.1f} s: {said}"
        )
        ok &= r.returncode == 0
        ok &= shoot(root, args, "shot.png", f"--after {args.after:g}", args.png, figures)
        welcome = args.png.with_name(args.png.stem + "-welcome.png")
        ok &= shoot(root, args, "welcome.png", "--view welcome --after 2", welcome, figures)
        r = in_root(
            root,
            "/opt/resonant/resonant desktop install >/dev/null && "
            "grep '^Exec=' /tmp/home/.local/share/applications/resonant.desktop && "
            "ls /tmp/home/.local/share/icons/hicolor | wc -l",
            HOME_ENV,
        )
        said = " ".join(r.stdout.split()) or r.stderr.strip()[-300:]
        figures["resonant desktop install"] = f"exit {r.returncode}: {said} icon folders"
        ok &= r.returncode == 0 and "Exec=/opt/resonant/resonant" in r.stdout
        try:
            import dbus_fast  # noqa: F401  (the fake BlueZ runs on the host, in .venv)

            have_fake = shutil.which("dbus-daemon") is not None
        except ImportError:
            have_fake = False
        if have_fake:
            ok &= asyncio.run(scan_with_fake_bluez(root, figures))
        else:
            figures["resonant scan (fake BlueZ)"] = (
                "not run: needs dbus-daemon and .venv's dbus-fast"
            )
    finally:
        for target in reversed(mounted):
            run(["umount", "-l", str(target)])

    print()
    for k, v in figures.items():
        print(f"{k:30s} {v}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
