"""The window's layout stands alone: widgets and their arrangement, no session or settings."""

from __future__ import annotations

from PyQt6.QtGui import QKeySequence

from resonant.config.settings import Settings
from resonant.gui.layout import PAGES, SHORTCUTS, WindowLayout


def test_the_layout_builds_without_a_window_or_settings(qapp) -> None:
    ui = WindowLayout(lambda: None, lambda phase: None, "simulated strap",
                      [("Two phases", "two.toml")], [("Safe place", "safe_place")])  # fmt: skip
    assert ui.source_label_widget.text() == "simulated strap"
    assert ui.settings.source_text.text() == "simulated strap"
    assert [ui.protocol_combo.itemData(k) for k in range(ui.protocol_combo.count())] == [
        None, "two.toml"
    ]
    assert ui.settings.practice_combo.itemText(1) == "Safe place"
    # Client first: the practice page, with the guide on it and nothing of the detail.
    assert ui.page() == "practice" and ui.left.parent() is ui.practice
    assert ui.group.isHidden() and ui.group.columnCount() == 6
    # The detail page takes the guide beside the numbers; back again, it is the practice's.
    ui.show_page("detail")
    assert ui.splitter.widget(0) is ui.left and ui.splitter.widget(1) is ui.right
    assert ui.controls.parent() is ui.detail and ui.footer.parent() is ui.detail
    ui.show_page("practice")
    assert ui.left.parent() is ui.practice and ui.splitter.indexOf(ui.left) < 0
    assert [ui.stack.widget(k) for k in range(3)] == [ui.welcome, ui.practice, ui.detail]
    assert PAGES == ("welcome", "practice", "detail")
    ui.central.deleteLater()
    ui.settings.deleteLater()


def test_every_shortcut_is_a_valid_key_bound_by_the_window(qapp) -> None:
    from resonant.gui.window import MainWindow

    assert all(not QKeySequence(keys).isEmpty() for keys, _ in SHORTCUTS)
    window = MainWindow(Settings(), save=False)
    try:
        assert set(window.shortcut_actions) >= {action for _, action in SHORTCUTS}
        assert window.pace_spin is window.ui.settings.pace_spin
        assert window.centralWidget() is window.ui.central
    finally:
        window.close()
