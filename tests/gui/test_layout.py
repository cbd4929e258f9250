"""The window's layout stands alone: widgets and their arrangement, no session or settings."""

from __future__ import annotations

from PyQt6.QtGui import QKeySequence

from resonant.config.settings import Settings
from resonant.gui.layout import SHORTCUTS, WindowLayout


def test_the_layout_builds_without_a_window_or_settings(qapp) -> None:
    ui = WindowLayout(lambda: None, lambda phase: None, "simulated strap",
                      [("Two phases", "two.toml")], [("Safe place", "safe_place")])  # fmt: skip
    assert ui.source_label_widget.text() == "simulated strap"
    assert [ui.protocol_combo.itemData(k) for k in range(ui.protocol_combo.count())] == [
        None, "two.toml"
    ]
    assert ui.practice_combo.itemText(1) == "Safe place"
    assert ui.splitter.widget(0) is ui.left and ui.splitter.widget(1) is ui.right
    assert ui.group.isHidden() and ui.group.columnCount() == 6
    assert ui.controls.parent() is ui.central and ui.footer.parent() is ui.central
    ui.central.deleteLater()


def test_every_shortcut_is_a_valid_key_bound_by_the_window(qapp) -> None:
    from resonant.gui.window import MainWindow

    assert all(not QKeySequence(keys).isEmpty() for keys, _ in SHORTCUTS)
    window = MainWindow(Settings(), save=False)
    try:
        assert window.pace_spin is window.ui.pace_spin
        assert window.centralWidget() is window.ui.central
    finally:
        window.close()
