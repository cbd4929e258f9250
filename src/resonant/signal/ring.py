"""A fixed-capacity ring of float64 columns whose recent items are always one contiguous view."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["Ring"]


class Ring:
    """Fixed-capacity FIFO of rows with ``ncols`` float64 columns.

    Every row is written twice, at ``i % capacity`` and at ``i % capacity + capacity``
    of a buffer twice the capacity, so the last ``k <= capacity`` rows are always the
    contiguous slice ending at ``i % capacity + capacity``: reading a window never
    copies or reorders, and appending never allocates.

    Rows are addressed by their absolute index (0 for the first row ever appended).

    Parameters
    ----------
    capacity : int
        Rows kept.
    ncols : int
        Columns per row.
    """

    def __init__(self, capacity: int, ncols: int) -> None:
        if capacity < 1:
            raise ValueError(f"Ring: capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._buf = np.zeros((2 * capacity, ncols))
        #: Absolute index one past the newest row.
        self.end = 0
        # Oldest row never overwritten; only grows (truncating does not bring rows back).
        self._start = 0

    @property
    def start(self) -> int:
        """Absolute index of the oldest row still held."""
        return self._start

    def append(self, row: tuple[float, ...]) -> None:
        """Append one row (one value per column)."""
        p = self.end % self.capacity
        self._buf[p] = row
        self._buf[p + self.capacity] = row
        self.end += 1
        self._start = max(self._start, self.end - self.capacity)

    def truncate(self, end: int) -> None:
        """Drop the rows from absolute index ``end`` on (to overwrite them)."""
        if not self.start <= end <= self.end:
            raise IndexError(f"Ring: cannot truncate to {end}, holding {self.start}..{self.end}")
        self.end = end

    def extend(self, rows: NDArray[np.float64]) -> None:
        """Append many rows at once, shape ``(k, ncols)``, k at most the capacity."""
        k = rows.shape[0]
        if k > self.capacity:
            raise ValueError(f"Ring: cannot append {k} rows to a ring of {self.capacity}")
        self._write(self.end, rows, slice(None))
        self.end += k
        self._start = max(self._start, self.end - self.capacity)

    def view(self, start: int, end: int | None = None) -> NDArray[np.float64]:
        """Rows ``start`` (absolute, inclusive) to ``end`` (exclusive; default newest), a view."""
        end = self.end if end is None else end
        if not self.start <= start <= end <= self.end:
            raise IndexError(f"Ring: rows {start}..{end} are not held ({self.start}..{self.end})")
        stop = (end - 1) % self.capacity + self.capacity + 1 if end > 0 else self.capacity
        return self._buf[stop - (end - start) : stop]

    def write_column(self, start: int, col: int, values: NDArray[np.number]) -> None:
        """Overwrite column ``col`` of rows ``start`` (absolute) onwards with ``values``.

        Integer values (artifact codes) are stored as floats, like every cell.
        """
        if not self.start <= start <= self.end - len(values):
            raise IndexError(f"Ring: rows {start}.. are not held ({self.start}..{self.end})")
        self._write(start, values, col)

    def _write(self, start: int, values: NDArray, col: int | slice) -> None:
        """Write rows from absolute index ``start`` on, both copies, as at most two slices."""
        cap, buf = self.capacity, self._buf
        p0 = start % cap
        n1 = min(len(values), cap - p0)
        buf[p0 : p0 + n1, col] = values[:n1]
        buf[p0 + cap : p0 + cap + n1, col] = values[:n1]
        rest = len(values) - n1
        if rest > 0:
            buf[:rest, col] = values[n1:]
            buf[cap : cap + rest, col] = values[n1:]

    def row(self, i: int) -> NDArray[np.float64]:
        """Row at absolute index ``i``."""
        if not self.start <= i < self.end:
            raise IndexError(f"Ring: row {i} is not held ({self.start}..{self.end})")
        return self._buf[i % self.capacity]
