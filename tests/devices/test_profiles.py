"""Strap profiles: well-formed, matched by name only for quirks, traces that agree with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from resonant.devices.hrm import decode_hrm
from resonant.devices.profiles import match_profile, profiles

TRACES = Path(__file__).resolve().parents[2] / "devices"


def test_every_profile_is_complete() -> None:
    ps = profiles()
    assert len(ps) >= 8
    for p in ps:
        assert p.model and p.kind in ("chest", "optical") and p.name_patterns and p.status
        if p.kind == "optical":
            assert p.refusal and "heart-rate variability" in p.refusal


@pytest.mark.parametrize(
    ("name", "model"),
    [("Polar H10 0A1B2C3D", "Polar H10"), ("Polar H7 11223344", "Polar H7"),
     ("HRM-Dual:123456", "Garmin HRM-Dual"), ("TICKR 8F21", "Wahoo TICKR"),
     ("Polar OH1 A1B2C3D4", "Polar OH1"), ("Polar Sense 1234", "Polar Verity Sense"),
     ("Some Strap", None), ("", None), (None, None)],
)  # fmt: skip
def test_profiles_match_advertised_names(name: str | None, model: str | None) -> None:
    p = match_profile(name)
    assert (p.model if p else None) == model


def test_polar_h10_trace_shows_its_quirk() -> None:
    """The H10 trace (synthetic, see devices/polar-h10/README.md) never sets contact bits."""
    h10 = match_profile("Polar H10 0A1B2C3D")
    assert h10 is not None and h10.contact_reported is False and h10.ecg == "pmd"
    lines = (TRACES / "polar-h10" / "hrm-notifications.hex").read_text().splitlines()
    packets = [decode_hrm(bytes.fromhex(ln)) for ln in lines if ln and not ln.startswith("#")]
    assert len(packets) > 100
    assert all(m.ok and m.contact is None for m in packets)
    assert sum(len(m.rr_raw) for m in packets) > 100
