"""The command-line reference (docs/cli.md), generated from the parser itself.

``python -m resonant.cli.reference > docs/cli.md`` writes it; a test fails when the file
and the parser disagree, so the reference cannot go stale. Imports only the standard
library and :mod:`resonant.cli`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator

__all__ = ["cli_reference", "REFERENCE_COLUMNS"]

#: Terminal width the help is formatted for, so the text does not depend on the terminal.
REFERENCE_COLUMNS = 100

_TITLE = "# resonant command-line reference"
_NOTE = (
    "generated from `resonant --help`; do not edit by hand: "
    "`python -m resonant.cli.reference > docs/cli.md`"
)


def _parser() -> argparse.ArgumentParser:
    """The ``resonant`` parser, by whichever name :mod:`resonant.cli` builds it."""
    import resonant.cli as cli

    build: Callable[[], argparse.ArgumentParser] | None = getattr(
        cli, "build_parser", None
    ) or getattr(cli, "_build_parser", None)
    if build is None:
        raise RuntimeError("resonant.cli has neither build_parser nor _build_parser")
    return build()


def _commands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """The sub-commands of ``parser``, in the order they were added (aliases once)."""
    seen: set[int] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if id(sub) not in seen:
                    seen.add(id(sub))
                    yield name, sub


def _section(heading: str, parser: argparse.ArgumentParser) -> str:
    return f"## {heading}\n\n```text\n{parser.format_help().rstrip()}\n```\n"


def cli_reference() -> str:
    """The command-line reference as markdown.

    A title, a note saying how it is made, then for ``resonant`` and each sub-command a
    ``## resonant <command>`` heading and its ``--help`` text in a fenced block,
    formatted for a terminal :data:`REFERENCE_COLUMNS` wide whatever the real one is.

    Returns
    -------
    str
        The markdown, ending with one newline.
    """
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(REFERENCE_COLUMNS)  # argparse sizes its help from COLUMNS
    try:
        parser = _parser()
        parts = [f"{_TITLE}\n", f"{_NOTE}\n", _section("resonant", parser)]
        parts += [_section(f"resonant {name}", sub) for name, sub in _commands(parser)]
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
    return "\n".join(parts)


if __name__ == "__main__":
    print(cli_reference(), end="")
