"""The one exception root of resonant, and the exit statuses of the command line.

Every error resonant raises on purpose derives from :class:`ResonantError`, and carries
the exit status the command line ends with when it is not handled on the way
(:attr:`ResonantError.exit_status`). Its message is one plain sentence naming what and
where; the command line prints it as ``resonant: <message>``, never a traceback.

Two kinds of failure, two exit statuses:

- :data:`EXIT_BAD_INPUT` (2): the input was wrong: a bad option or value, a file that
  cannot be read as what it should be, a destination that exists already or cannot be
  written. Fixing the input fixes it. :class:`BadInputError` and its subclasses.
- :data:`EXIT_FAILED` (1): the input was fine but the work failed: a strap that never
  streamed, Bluetooth that is off, a recording that stopped halfway.

This module imports nothing from resonant: every layer may import it.
"""

from __future__ import annotations

__all__ = [
    "EXIT_OK",
    "EXIT_FAILED",
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "ResonantError",
    "BadInputError",
]

#: Exit status: done.
EXIT_OK = 0
#: Exit status: the input was fine but the work failed (a strap, the disk, Bluetooth).
EXIT_FAILED = 1
#: Exit status: bad input (an option, a value, a file, a destination), said in one sentence.
EXIT_BAD_INPUT = 2
#: Exit status: stopped by Ctrl+C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


class ResonantError(Exception):
    """Root of every error resonant raises on purpose: one plain sentence.

    Attributes
    ----------
    exit_status : int
        The command line's exit status when this error ends a command
        (:data:`EXIT_FAILED` unless a subclass says otherwise).
    """

    exit_status: int = EXIT_FAILED


class BadInputError(ResonantError):
    """Bad input: an option, a value, a file or a destination that cannot be used."""

    exit_status = EXIT_BAD_INPUT
