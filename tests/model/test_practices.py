"""Guidance and practices as data, and the language they use."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resonant.model.practices import all_texts, avoid_words, guidance, judging_words_in, practices

SRC = Path(__file__).resolve().parents[2] / "src" / "resonant"


def test_no_guidance_commands_or_judges() -> None:
    texts = all_texts()
    assert len(texts) > 40
    offending = {t: judging_words_in(t) for t in texts if judging_words_in(t)}
    assert offending == {}


def test_protocol_instructions_pass_the_same_check() -> None:
    from resonant.model.protocols import protocols

    for p in protocols(None).values():
        for text in [p.title, p.description, *(ph.instruction for ph in p.phases)]:
            assert judging_words_in(text) == [], (p.name, text)


@given(st.sampled_from(["must", "should", "bad", "wrong", "need to", "fail"]),
       st.text(alphabet="abc ", max_size=20))  # fmt: skip
def test_the_check_finds_an_avoided_word_anywhere(word: str, filler: str) -> None:
    assert word in judging_words_in(f"{filler} You {word.upper()} breathe. {filler}")


def test_whole_words_only() -> None:
    assert judging_words_in("a badge, a shoulder, neverland") == []
    assert "must" in avoid_words()


def test_guidance_strings_live_only_in_the_data_files() -> None:
    """No guiding sentence is written into the code: the window and the terminal read them."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.py"))
    for section in guidance().values():
        for text in section.values():
            if len(text) >= 12:
                assert text not in code, text


def test_the_window_and_terminal_use_the_guidance_cues() -> None:
    from resonant.cli import terminal
    from resonant.gui.pacer_view import CUES

    cues = guidance()["cues"]
    assert all(CUES[k] == cues[k] for k in ("inhale", "hold_in", "exhale", "hold_out"))
    assert terminal._CUES is cues


@pytest.mark.parametrize(
    "name", ["soothing-rhythm-breathing", "self-compassion", "compassionate-imagery"]
)
def test_practices_are_timed_prompts(name: str) -> None:
    p = practices()[name]
    times = [t for t, _ in p.prompts]
    assert times == sorted(times) and times[0] == 0 and len(times) >= 4
    assert p.prompt_at(0) == p.prompts[0][1] and p.prompt_at(10_000) == p.prompts[-1][1]


def test_self_compassion_covers_its_three_elements() -> None:
    text = " ".join(t for _, t in practices()["self-compassion"].prompts).lower()
    for element in ("mindful awareness", "common humanity", "self-kindness"):
        assert element in text


# ---------------------------------------------------------------------- broken files

_BROKEN_PRACTICES = {
    "not valid TOML": "[[prompt]\n",
    "nested too deeply": "a = " + "[" * 50_000 + "]" * 50_000,
    "name is missing": 'title = "t"\n',
    "title is not text": 'name = "n"\ntitle = 5\n',
    "prompt is not a list": 'name = "n"\ntitle = "t"\nprompt = 5\n',
    "prompt 1 is not a [[prompt]] table": 'name = "n"\ntitle = "t"\nprompt = [5]\n',
    "prompt 1: at_s is not a time": 'name = "n"\ntitle = "t"\n[[prompt]]\nat_s = nan\ntext = "x"\n',
    "prompt 1: text is missing": 'name = "n"\ntitle = "t"\n[[prompt]]\nat_s = 1\n',
}


@pytest.mark.parametrize("why", list(_BROKEN_PRACTICES))
def test_a_broken_practice_is_one_sentence_naming_the_file(why: str) -> None:
    from resonant.model.practices import PracticeError, parse_practice

    with pytest.raises(PracticeError) as info:
        parse_practice(_BROKEN_PRACTICES[why], "mine.toml")
    assert str(info.value).startswith("mine.toml: ") and why in str(info.value)
    assert "\n" not in str(info.value)
