"""The comparison view: a group's rows, traces and notes say whose they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from resonant.cli import main
from resonant.model.practices import judging_words_in

PEOPLE = ["sim1", "sim2", "sim3", "sim4"]


@pytest.fixture(scope="module")
def group(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("group") / "s"
    assert main(["record", "--simulate", "--sim-people", "4", "--protocol", "threat-soothing",
                 "--out", str(out), "--speed", "100000", "--sim-seed", "3"]) == 0  # fmt: skip
    return out


def test_a_groups_phases_and_notes_name_each_person(group: Path, qapp) -> None:
    from resonant.gui.compare_view import CompareDialog, load_people

    assert [who for who, _, _ in load_people(group)] == PEOPLE
    dialog = CompareDialog(group)
    try:
        table = dialog.table
        assert table.horizontalHeaderItem(0).text() == "person"
        assert table.rowCount() == 4 * 4
        cells = [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(16)]
        assert cells[:4] == [("sim1", f"{k}. {name}") for k, name in enumerate(
            ["baseline", "mild stressor", "soothing rhythm breathing", "quiet recovery"], 1)]
        assert [who for who, _ in cells] == [p for p in PEOPLE for _ in range(4)]
        # Three notes per person, each beginning with whose it is.
        notes = dialog.note_list
        assert len(notes) == 4 * 3
        for k, who in enumerate(PEOPLE):
            for note in notes[3 * k: 3 * k + 3]:
                assert note.startswith(f"{who}: In '"), note
                assert judging_words_in(note) == []
        # The stressor note of each person is theirs (their own numbers).
        stress = [n for n in notes if n.split(": ", 1)[1].startswith("In 'mild stressor'")]
        assert [n.split(":")[0] for n in stress] == PEOPLE
        assert "sim3: In 'mild stressor'" in dialog.notes.text()
    finally:
        dialog.close()


def test_one_person_has_no_person_column_and_plain_notes(tmp_path: Path, qapp) -> None:
    from resonant.gui.compare_view import CompareDialog

    out = tmp_path / "s"
    assert main(["record", "--simulate", "--protocol", "threat-soothing", "--out", str(out),
                 "--speed", "100000", "--sim-seed", "3"]) == 0  # fmt: skip
    dialog = CompareDialog(out)
    try:
        assert dialog.table.horizontalHeaderItem(0).text() == "phase"
        assert dialog.table.rowCount() == 4
        assert len(dialog.note_list) == 3
        assert all(n.startswith("In '") for n in dialog.note_list)
    finally:
        dialog.close()
