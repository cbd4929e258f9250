"""The window's group view with four simulated people, and the source picker's group."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from resonant.config.settings import Settings
from resonant.gui.qtloop import run_on_qt
from resonant.gui.source_dialog import SourceDialog
from resonant.gui.window import MainWindow
from resonant.session.assemble import SimSpec, SourceSpec, sim_group

BASE = SimSpec(resonance_bpm=5.5, state="soothing", seed=11)
FOUR = SourceSpec("sim", (), BASE, people=tuple(
    replace(p, state="threat") if p.label == "sim2" else p for p in sim_group(BASE, 4)
))  # fmt: skip


def _window(qapp, speed: float = 200.0) -> MainWindow:
    w = MainWindow(Settings(session_min=None, checkin=False, consent_recording=True), speed=speed)
    w.resize(1400, 860)
    w.show()
    return w.with_choice(FOUR)


def _rows(window: MainWindow) -> list[list[str]]:
    table = window.group
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_the_group_view_shows_four_simulated_people(qapp) -> None:
    window = _window(qapp)
    assert window.source_label_widget.text() == "4 simulated people (soothing, threat)"

    async def main():
        window.start()
        for _ in range(400):  # until every person has a coherence value, however busy
            await asyncio.sleep(0.05)
            snap = window.session.snapshot()
            if len(snap.sources) == 4 and all(
                s.spectral and s.spectral.coherence_score is not None for s in snap.sources
            ):
                break
        window.redraw()
        shown = _rows(window)
        selected = window.group.currentRow()
        window.show_person(2)  # choosing sim3 shows sim3 in the tiles and plots
        window.redraw()
        after = window.source_label, window.group.currentRow()
        snap = window.session.snapshot()
        window.stop()
        await asyncio.wait([window.task], timeout=10)
        return snap, shown, selected, after

    snap, shown, selected, after = run_on_qt(main, qapp)
    assert not window.group.isHidden()
    assert [row[0] for row in shown] == ["sim1", "sim2", "sim3", "sim4"]
    assert [row[1] for row in shown] == [
        "streaming · soothing", "streaming · threat", "streaming · soothing",
        "streaming · soothing",
    ]  # fmt: skip
    for row, src in zip(shown, snap.sources, strict=True):
        assert row[2] not in ("", "–") and row[3] not in ("", "–") and row[4] not in ("", "–")
        assert src.beats > 50
    # Four different people: under threat the heart is faster.
    hr = {row[0]: float(row[2]) for row in shown}
    assert hr["sim2"] > max(v for k, v in hr.items() if k != "sim2")
    assert selected == 0  # the tiles show sim1 at first
    assert after == ("sim3", 2)
    # The whole table is visible: no scrolling to find the fourth person.
    assert window.group.maximumHeight() >= window.group.rowHeight(0) * 4
    window.close()


def test_the_source_picker_chooses_several_simulated_people(qapp) -> None:
    dialog = SourceDialog(SourceSpec("sim", (), BASE), None, None)
    assert dialog.sim_people.value() == 1
    dialog.sim_people.setValue(4)
    choice = dialog.choice()
    assert choice.kind == "sim" and [p.label for p in choice.simulated()] == [
        "sim1", "sim2", "sim3", "sim4",
    ]
    assert [p.seed for p in choice.simulated()] == [11, 12, 13, 14]
    dialog.close()
    # Shown again unchanged, each person stays as set (sim2 under threat).
    dialog = SourceDialog(FOUR, None, None)
    assert dialog.sim_people.value() == 4 and dialog.choice() == FOUR
    dialog.sim_people.setValue(1)
    one = dialog.choice()
    assert one.people == () and one.sim.label == "sim" and one.describe().startswith("simulated")
    dialog.close()
