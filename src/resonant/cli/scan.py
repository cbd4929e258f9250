"""``resonant scan``: the heart-rate straps in range.

Importing this module loads the standard library only; bleak is imported when the
command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from resonant.errors import EXIT_BAD_INPUT, EXIT_OK
from resonant.model.text import for_terminal

if TYPE_CHECKING:
    from resonant.cli.options import Subparsers

__all__ = ["add_parser", "run", "run_scan"]


def add_parser(sub: Subparsers) -> None:
    """Add ``resonant scan`` and its options to the sub-commands ``sub``."""
    scan = sub.add_parser(
        "scan",
        help="list the Bluetooth heart-rate straps in range",
        description=(
            "Scan for Bluetooth LE devices advertising the Heart Rate Service (0x180D): "
            "name, address and signal strength, strongest first. A strap shows up when it "
            "is worn (moistened electrodes) and not connected to another phone or app."
        ),
    )
    scan.add_argument("--timeout", type=float, default=5.0, metavar="S",
                      help="how long to listen, s (default 5)")  # fmt: skip
    scan.add_argument("--json", action="store_true", help="print one JSON object per strap")
    scan.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``resonant scan``: :func:`run_scan` with the parsed options."""
    return run_scan(args.timeout, as_json=args.json)


def run_scan(timeout_s: float, as_json: bool = False) -> int:
    """Scan for ``timeout_s`` seconds and print what was found.

    Returns
    -------
    int
        0 when the scan ran (whether or not straps were found); 2 for a bad
        ``--timeout``; 1 when Bluetooth cannot be used (:class:`BleError`).
    """
    import asyncio  # here, not at the top: every command builds this parser

    from resonant.devices.ble import BleError, scan

    if not 0.0 < timeout_s <= 600.0:
        print(f"resonant: --timeout {timeout_s:g} is outside 0-600 s", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not as_json:
        print(f"resonant: listening for heart-rate straps for {timeout_s:g} s...", file=sys.stderr)
    try:
        found = asyncio.run(scan(timeout_s))
    except BleError as exc:
        print(f"resonant: {for_terminal(exc)}", file=sys.stderr)
        return exc.exit_status
    if as_json:
        for s in found:
            print(json.dumps({
                "name": s.name, "address": s.address, "rssi_dbm": s.rssi_dbm,
                "model": s.model, "usable": s.refused is None, "refused": s.refused,
            }), flush=True)  # fmt: skip
        return EXIT_OK
    if not found:
        print(
            "No heart-rate straps found. Is the strap worn, with the electrodes moistened? "
            "Is it connected to a phone or another app? (A strap talks to one device at a time.)"
        )
        return EXIT_OK
    width = max(len(for_terminal(s.name)) for s in found)
    for s in found:
        rssi = f"{s.rssi_dbm} dBm" if s.rssi_dbm is not None else "?"
        model = f"  {s.model}" if s.model else ""
        # A strap's name is whatever it advertises: shown without control characters.
        name = for_terminal(s.name) or "(no name)"
        print(f"{name:<{width}}  {for_terminal(s.address)}  {rssi:>8}{for_terminal(model)}")
        if s.refused:
            print(f"    not usable for HRV: {for_terminal(s.refused)}")
    print("Record with: resonant record --device NAME-OR-ADDRESS")
    return EXIT_OK
