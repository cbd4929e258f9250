"""``resonant scan``: the heart-rate straps in range."""

from __future__ import annotations

import asyncio
import json
import sys

from resonant.devices.ble import BleError, scan

__all__ = ["run_scan"]


def run_scan(timeout_s: float, as_json: bool = False) -> int:
    """Scan for ``timeout_s`` seconds and print what was found; 2 when Bluetooth is unusable."""
    if not 0.0 < timeout_s <= 600.0:
        print(f"resonant: --timeout {timeout_s:g} is outside 0-600 s", file=sys.stderr)
        return 2
    if not as_json:
        print(f"resonant: listening for heart-rate straps for {timeout_s:g} s...", file=sys.stderr)
    try:
        found = asyncio.run(scan(timeout_s))
    except BleError as exc:
        print(f"resonant: {exc}", file=sys.stderr)
        return 2
    if as_json:
        for s in found:
            print(json.dumps({
                "name": s.name, "address": s.address, "rssi_dbm": s.rssi_dbm,
                "model": s.model, "usable": s.refused is None, "refused": s.refused,
            }), flush=True)  # fmt: skip
        return 0
    if not found:
        print(
            "No heart-rate straps found. Is the strap worn, with the electrodes moistened? "
            "Is it connected to a phone or another app? (A strap talks to one device at a time.)"
        )
        return 0
    width = max(len(s.name) for s in found)
    for s in found:
        rssi = f"{s.rssi_dbm} dBm" if s.rssi_dbm is not None else "?"
        model = f"  {s.model}" if s.model else ""
        print(f"{s.name or '(no name)':<{width}}  {s.address}  {rssi:>8}{model}")
        if s.refused:
            print(f"    not usable for HRV: {s.refused}")
    print("Record with: resonant record --device NAME-OR-ADDRESS")
    return 0
