"""Text for the terminal: escape sequences and control characters never get through."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from resonant.model.text import for_terminal, json_line

HOSTILE = "\x1b[2J\x1b[31mFAKE\x1b]0;owned\x07"


def test_the_issue_example_is_shown_as_plain_text() -> None:
    assert for_terminal(HOSTILE) == "FAKE"
    assert for_terminal("P07") == "P07"


def test_c1_controls_bidi_overrides_and_lone_surrogates_go() -> None:
    assert for_terminal("a\x9b2Jb\x9d0;x\x9cc") == "abc"  # 8-bit CSI and OSC ... ST
    assert for_terminal("safe\u202eevil\u2066x\u2069") == "safeevilx"  # Trojan Source
    assert for_terminal("bell\x07 bs\x08 del\x7f") == "bell bs del"
    assert for_terminal("name\udcff") == "name\ufffd"  # an undecodable file-name byte


def test_newlines_and_tabs_become_spaces_unless_kept() -> None:
    assert for_terminal("a\nb\tc\rd") == "a b c d"
    assert for_terminal("a\nb\x1b[1m", keep_newlines=True) == "a\nb"


def test_ordinary_text_is_untouched() -> None:
    for text in ("café", "Zoë P-07", "参加者 12", "😀 ok", "-", ""):
        assert for_terminal(text) == text


@given(st.text())
def test_nothing_a_terminal_acts_on_survives(text: str) -> None:
    shown = for_terminal(text)
    assert not any(0 <= ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in shown)
    assert not any(c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069" for c in shown)


@given(st.recursive(
    st.none() | st.booleans() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
))  # fmt: skip
def test_json_lines_are_strict_json_that_keeps_the_text(value: object) -> None:
    line = json_line(value)
    assert "\n" not in line
    assert not any(0 <= ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in line)
    back = json.loads(line, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert back == _finite(value)


def _finite(v: object) -> object:
    if isinstance(v, float):
        return v if v == v and v not in (float("inf"), float("-inf")) else None
    if isinstance(v, list):
        return [_finite(x) for x in v]
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    return v
