"""Every deliberate error derives from ResonantError and carries its exit status."""

import pytest

from resonant.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    BadInputError,
    ResonantError,
)


def test_the_exit_statuses() -> None:
    assert (EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED) == (0, 1, 2, 130)
    assert ResonantError.exit_status == EXIT_FAILED
    assert BadInputError.exit_status == EXIT_BAD_INPUT


@pytest.mark.parametrize(
    ("module", "name", "status", "also"),
    [
        ("resonant.folder.read", "RecordingError", 2, None),
        ("resonant.folder.write", "RecorderError", 2, None),
        ("resonant.model.pacer", "PacerError", 2, ValueError),
        ("resonant.model.protocols", "ProtocolError", 2, ValueError),
        ("resonant.config.settings", "SettingsError", 2, ValueError),
        ("resonant.exports.formats", "ExportError", 2, None),
        ("resonant.reports.page", "ReportError", 2, None),
        ("resonant.devices.ble", "BleError", 1, None),
        ("resonant.session.lsl", "LslError", 1, None),
    ],
)
def test_each_error_has_its_place(
    module: str, name: str, status: int, also: type[Exception] | None
) -> None:
    cls = getattr(__import__(module, fromlist=[name]), name)
    assert issubclass(cls, ResonantError)
    assert cls.exit_status == status
    assert issubclass(cls, BadInputError) == (status == EXIT_BAD_INPUT)
    if also is not None:
        assert issubclass(cls, also)  # existing `except ValueError` still catches it
