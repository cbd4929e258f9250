"""Text made safe to show in a terminal: no control characters, no escape sequences.

Labels, participant ids, notes, file names and any text read from a file may hold
characters a terminal acts on instead of showing: ESC sequences (ECMA-48 CSI, OSC, DCS,
...) that clear the screen, move the cursor, recolour or set the window title, the
other C0 and C1 controls (ECMA-48 §5; BEL, BS, CR, ...), and the Unicode bidirectional
formatting characters (UAX #9: LRE, RLE, LRO, RLO, PDF, LRI, RLI, FSI, PDI, and the
marks LRM, RLM, ALM) that reorder what is shown ("Trojan Source", Boucher & Anderson
2021, CVE-2021-42574). :func:`for_terminal` removes them, for display only: files keep
the text intact, escaped by their own format (JSON, TSV, HTML).

This module imports only the standard library.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["for_terminal", "json_line"]

#: ESC sequences: CSI (ESC [ ... final byte), OSC/DCS/SOS/PM/APC strings (ended by BEL
#: or ST, or by the end of the text), and two-character escapes (ESC + one byte). The C1
#: forms (U+009B CSI, U+009D OSC, ...) are matched too.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"  # CSI ... final
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # strings
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"  # ESC + intermediates + final (or a lone ESC)
)
#: What is left to remove: C0 controls (tabs and newlines are made spaces first, so one
#: value stays on one line), DEL, C1 controls, and the bidirectional formatting characters.
_CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)

_SURROGATES = re.compile("[\ud800-\udfff]")


def for_terminal(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character and escape sequence removed, to print it.

    Parameters
    ----------
    text : object
        The text (anything else is shown through ``str``).
    keep_newlines : bool
        Keep ``\\n`` (a multi-line message); otherwise a newline, like a tab, becomes
        a space, so one value stays on one line.

    Returns
    -------
    str
        What can be shown as it is: escape sequences removed whole (ECMA-48 §5.4-5.6),
        tabs and newlines as spaces, other C0/C1 controls, DEL and the Unicode
        bidirectional formatting characters (UAX #9 §2) removed.

    Examples
    --------
    >>> for_terminal("\\x1b[2J\\x1b[31mFAKE\\x1b]0;owned\\x07 P07")
    'FAKE P07'
    """
    s = text if isinstance(text, str) else str(text)
    if s.isprintable():  # the common case, fast: nothing to remove
        return s
    s = _ESCAPES.sub("", s)
    # Lone surrogates (undecodable bytes of a file name) cannot be printed: U+FFFD.
    s = _SURROGATES.sub("\ufffd", s)
    if keep_newlines:
        lines = s.split("\n")
        return "\n".join(_CONTROLS.sub("", line.replace("\t", " ")) for line in lines)
    return _CONTROLS.sub("", s.replace("\t", " ").replace("\n", " ").replace("\r", " "))


#: What JSON leaves raw that a terminal may act on or reorder (C1, bidi, surrogates).
_JSON_RAW = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)


def _finite(value: Any) -> Any:
    """``value`` with every float that is not finite made None (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def json_line(value: Any) -> str:
    """``value`` as one line of strict JSON (RFC 8259), safe to print in a terminal.

    Not-finite numbers become ``null`` (JSON has no NaN or Infinity); text is kept
    intact, with the characters a terminal could act on written as ``\\uXXXX`` escapes
    (C0 by JSON itself; DEL, C1, the bidirectional formatting characters and lone
    surrogates here), so a JSON reader gets the very same text back.

    Parameters
    ----------
    value : Any
        What :func:`json.dumps` takes.

    Returns
    -------
    str
        One line, no newline at the end.
    """
    text = json.dumps(_finite(value), ensure_ascii=False, allow_nan=False)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
