"""Fixtures for the device tests: a private D-Bus daemon for the fake BlueZ."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.devices.dbus_daemon import dbus_daemon_path, private_dbus_daemon


@pytest.fixture
def private_bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private dbus-daemon for one test; DBUS_SYSTEM_BUS_ADDRESS points at it.

    bleak's BlueZ backend always talks to the *system* bus, which dbus-fast finds
    through ``DBUS_SYSTEM_BUS_ADDRESS``, so a fake BlueZ on this bus (see
    ``fake_bluez.py``) is what bleak sees. Yields the bus address.
    """
    if dbus_daemon_path() is None:
        pytest.skip(
            "dbus-daemon is not installed (Debian package 'dbus-daemon'); it is needed to "
            "run bleak against the fake BlueZ"
        )
    with private_dbus_daemon() as address:
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", address)
        yield address
