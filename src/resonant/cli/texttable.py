"""Aligned plain-text tables for the terminal (``analyze``, ``history``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TextIO

from resonant.analysis.numbers import rounded  # re-exported: it lives below cli now
from resonant.model.text import for_terminal

__all__ = ["print_table", "cell", "rounded"]


def cell(x: float | None, fmt: str) -> str:
    """A number for a table cell, or ``-`` when missing or not finite."""
    return "-" if x is None or not math.isfinite(x) else format(x, fmt)


def print_table(
    columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[str]], out: TextIO
) -> None:
    """Print a header and rows, each column padded to its widest cell.

    Parameters
    ----------
    columns : sequence of (str, str)
        Column titles and alignments (``"<"`` left, ``">"`` right).
    rows : sequence of sequence of str
        The cells, already formatted.
    out : text stream
        Where to print.
    """
    # Labels, participant ids and paths come from files: shown without control characters.
    cells = [[c for c, _ in columns], *[[for_terminal(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    for r in cells:
        line = "  ".join(
            format(v, f"{al}{w}") for v, (_, al), w in zip(r, columns, widths, strict=True)
        )
        print(line.rstrip(), file=out)
