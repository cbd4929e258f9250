"""The session folder's tables: their columns, the columns a reader needs, the version.

The one place that says what each table holds (docs/session-folder.md describes every
column): the recorder writes :data:`COLUMNS`, the readers check :data:`REQUIRED`, the
sidecars describe :data:`COLUMNS`. A table written by another tool needs only its
:data:`REQUIRED` columns; every other column is optional, and unknown columns are ignored.
"""

from __future__ import annotations

__all__ = ["FORMAT_VERSION", "COLUMNS", "REQUIRED", "LAZY", "fmt_number"]

#: ``format_version`` of ``session.json``.
FORMAT_VERSION = 1

#: Columns of every table of the session folder, in the order the recorder writes them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "beats.tsv": ("time_s", "rr_ms", "hr_bpm", "contact", "artifact", "source"),
    "pacer.tsv": ("time_s", "phase", "rate_bpm", "ratio", "duration_s", "breath"),
    "events.tsv": ("onset_s", "duration_s", "kind", "label", "source"),
    "ecg.tsv": ("time_s", "ecg_uv", "source"),
    "acc.tsv": ("time_s", "source", "x_mg", "y_mg", "z_mg"),
    "metrics.tsv": (
        "time_s", "source", "hr_bpm", "rmssd_ms", "sdnn_ms", "pnn50_pct",
        "coherence_ratio", "coherence_score", "coherence_level", "peak_hz",
        "lf_ms2", "hf_ms2", "lf_hf", "breathing_rate_bpm", "breathing_source", "amplitude_bpm",
        "pacer_rate_bpm", "adherent", "corrected_pct", "note",
    ),
}  # fmt: skip

#: Columns a reader cannot do without, per table. The others are read when present or
#: derived: a pacer phase without ``duration_s`` lasts until the next onset, and
#: ``breath`` counts the inhales.
REQUIRED: dict[str, tuple[str, ...]] = {
    "beats.tsv": ("time_s", "rr_ms"),
    "pacer.tsv": ("time_s", "phase", "rate_bpm"),
    "events.tsv": ("onset_s", "kind"),
    "ecg.tsv": ("time_s", "ecg_uv"),
    "acc.tsv": ("time_s", "x_mg", "y_mg", "z_mg"),
    "metrics.tsv": ("time_s",),
}

#: Tables created only when their first row comes (most sessions have no ECG or ACC).
LAZY = ("ecg.tsv", "acc.tsv")


def fmt_number(x: float | None, decimals: int = 4) -> str:
    """A number for a TSV cell: fixed decimals without trailing zeros; empty for None/NaN."""
    if x is None or x != x:
        return ""
    s = f"{x:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def required_sentence(table: str) -> str:
    """What the header of ``table`` must have, as the end of a sentence."""
    need = REQUIRED[table]
    if len(need) == 1:
        return f"the header needs the column {need[0]}"
    return f"the header needs the columns {', '.join(need[:-1])} and {need[-1]}"
