"""Where the guide starts (one rule for every face) and the adaptive guide's first steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from resonant.errors import BadInputError
from resonant.model.pacer import PacerSettings
from resonant.session.adaptive import AdaptivePacer
from resonant.session.assemble import (
    DEFAULT_PACE_BPM,
    SessionSpec,
    assemble,
    guide_start,
    starting_pacer,
)


def test_no_rate_given_starts_at_the_accepted_rate_else_6() -> None:
    assert starting_pacer(None).rate_bpm == DEFAULT_PACE_BPM == 6.0
    assert starting_pacer(None, accepted_bpm=5.2).rate_bpm == 5.2
    assert starting_pacer(None, accepted_bpm=5.23).rate_bpm == 5.2  # on the 0.1 grid
    # A rate the person gave wins; ratio and holds are kept as given.
    ps = starting_pacer(6.0, "1:2", 0.5, 1.0, accepted_bpm=5.2)
    assert (ps.rate_bpm, ps.ratio, ps.hold_in_s, ps.hold_out_s) == (6.0, "1:2", 0.5, 1.0)
    with pytest.raises(BadInputError):
        starting_pacer(11.0, accepted_bpm=5.2)
    with pytest.raises(BadInputError):
        starting_pacer(None, "4-6", accepted_bpm=5.2)


@pytest.mark.parametrize(
    ("rate", "accepted", "adaptive", "words"),
    [
        (6.0, None, False, "the guide starts at 6 breaths/min"),
        (5.5, 5.5, False, "the guide starts at 5.5 breaths/min, your accepted resonance rate"),
        (6.0, 5.5, False, "the guide starts at 6 breaths/min; your accepted resonance rate is 5.5"),
        (6.0, None, True, "the guide starts at 6 breaths/min and then gently follows you"),
        (5.5, 5.5, True, "the guide starts at 5.5 breaths/min, your accepted resonance rate, "
                         "and then gently follows you"),
    ],
)
def test_the_words_say_where_the_guide_starts_and_why(
    rate: float, accepted: float | None, adaptive: bool, words: str
) -> None:
    assert guide_start(PacerSettings(rate_bpm=rate), accepted, adaptive) == words


def test_the_assembly_carries_the_words_only_for_a_plain_guide(tmp_path: Path) -> None:
    from resonant.session.assemble import AssessmentSpec

    def words(**kw: Any) -> str | None:
        spec = SessionSpec(
            record=False, out=tmp_path / "a", duration_s=1.0, resonance_bpm=5.0, **kw
        )
        assembly = assemble(spec)
        if assembly.recorder is not None:
            assembly.recorder.close()
        return assembly.guide_start

    assert words(pacer=PacerSettings(rate_bpm=5.0)) == (
        "the guide starts at 5 breaths/min, your accepted resonance rate"
    )
    assert words(pacer=None) is None  # free breathing
    assert words(assessment=AssessmentSpec("stepped")) is None  # the assessment's own rates


def _pacer(rate: float, prior: float) -> AdaptivePacer:
    return AdaptivePacer(lambda _s, _r: None, PacerSettings(rate_bpm=rate), prior_bpm=prior)


def _block(pacer: AdaptivePacer, k: int, hf_share: float = 0.05) -> None:
    """Judge block k: swing 12 bpm, 8 of 8 breaths locked, every update adherent."""
    pacer._judge(120.0 * k, 12.0, 8, 8, 1.0, hf_share)


@pytest.mark.parametrize(
    ("rate", "prior", "first"),
    [
        (6.0, 5.0, 5.5),  # toward the accepted rate, at most 0.5
        (4.5, 5.0, 5.0),
        (5.8, 5.5, 5.5),  # no farther than the accepted rate
        (5.0, 5.0, 5.3),  # starting at it: 0.3 toward the middle of 4-7
        (6.5, 6.5, 6.2),
        (7.0, 7.0, 6.7),  # at the edge: inward, never stuck there
        (4.0, 4.0, 4.3),
    ],
)
def test_the_adaptive_guide_first_heads_toward_the_prior_or_the_middle(
    rate: float, prior: float, first: float
) -> None:
    pacer = _pacer(rate, prior)
    _block(pacer, 1)
    _block(pacer, 2)
    assert pacer.rate_bpm == pytest.approx(first)


def test_exploring_turns_back_at_the_edge_of_the_range() -> None:
    pacer = _pacer(7.0, 5.0)
    pacer._last_dir = 1.0  # it was heading up and reached 7
    assert pacer._target()[0] == pytest.approx(6.5)


def test_the_adaptive_guide_moves_only_after_two_followed_blocks_in_a_row() -> None:
    moves: list[float] = []
    pacer = AdaptivePacer(lambda s, _r: moves.append(s.rate_bpm), PacerSettings(rate_bpm=6.0))
    _block(pacer, 1)
    assert pacer.log[-1]["reason"].startswith("holding: waiting")
    _block(pacer, 2, hf_share=0.5)  # breathing at one's own rate: the swing is in HF
    assert pacer.log[-1]["reason"].startswith("holding: the breathing did not follow")
    _block(pacer, 3)
    assert pacer.rate_bpm == 6.0 and not moves
    _block(pacer, 4)
    assert pacer.rate_bpm == 5.5 and moves == [5.5]
    assert pacer.log[-1]["new_rate_bpm"] == 5.5


def test_the_adaptive_guide_heads_for_the_top_of_the_curve() -> None:
    pacer = AdaptivePacer(lambda _s, _r: None, PacerSettings(rate_bpm=5.0), prior_bpm=6.0)
    for k in range(1, 12):  # a swing of 14 bpm at 5.5, less on either side
        pacer._judge(120.0 * k, 14.0 - 16.0 * (pacer.rate_bpm - 5.5) ** 2, 8, 8, 1.0, 0.05)
    assert abs(pacer.rate_bpm - 5.5) <= 0.1, pacer.log
    assert pacer.log[-1]["reason"] == "staying: at the largest heart-rate swing found"


def test_a_guide_started_outside_4_to_7_comes_back_into_it() -> None:
    pacer = _pacer(8.0, 5.5)
    for k in range(1, 6):
        _block(pacer, k)
    path = [8.0] + [x["new_rate_bpm"] for x in pacer.log]
    assert all(abs(b - a) <= 0.5 + 1e-9 for a, b in zip(path, path[1:], strict=False))
    assert path[2] == 7.5 and pacer.rate_bpm <= 7.0
