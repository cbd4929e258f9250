"""The library guide's examples run, and their outputs are what the guide shows."""

import doctest

from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "library.md"


def test_library_guide_examples_run(monkeypatch):
    monkeypatch.chdir(ROOT)  # the guide's fixture paths are relative to the repository root
    result = doctest.testfile(
        str(GUIDE),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
        report=True,
    )
    assert result.attempted > 20, f"{GUIDE} lost its examples"
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} examples in {GUIDE} failed (see stdout above)"
    )
