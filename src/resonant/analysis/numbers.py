"""Numbers for JSON output (``analyze --json``, ``history --json``, per-phase values)."""

from __future__ import annotations

import math

__all__ = ["rounded"]


def rounded(x: float | None, digits: int = 6) -> float | None:
    """A number for JSON output: rounded, or None when missing or not finite.

    Parameters
    ----------
    x : float or None
        The value.
    digits : int
        Decimals kept.

    Returns
    -------
    float or None
        ``round(x, digits)``; None for None, NaN and infinities (JSON has no such numbers).
    """
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)
