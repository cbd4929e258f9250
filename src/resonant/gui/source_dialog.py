"""Choose where the beats come from: the simulated strap, a strap found by scanning, a recording."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from PyQt6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from resonant.session.assemble import MAX_SIM_PEOPLE, SourceSpec, sim_group


__all__ = ["SourceDialog"]


class SourceDialog(QDialog):
    """The source picker.

    Parameters
    ----------
    current : SourceSpec
        The choice shown at first.
    last_strap : str or None
        The strap used last time, offered first.
    """

    def __init__(
        self, current: SourceSpec, last_strap: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Where do the heartbeats come from?")
        lay = QVBoxLayout(self)
        self.sim = QRadioButton("&Simulated strap: simulated people, no strap needed")
        self.ble = QRadioButton("A &Bluetooth chest strap")
        self.replay = QRadioButton("A &recording (session folder or RR file)")
        group = QButtonGroup(self)
        for b in (self.sim, self.ble, self.replay):
            group.addButton(b)

        lay.addWidget(self.sim)
        sim_row = QHBoxLayout()
        self.sim_state = QComboBox()
        self.sim_state.addItems(["soothing", "rest", "threat"])
        self.sim_state.setCurrentText(current.sim.state)
        self.sim_resonance = QDoubleSpinBox()
        self.sim_resonance.setRange(4.0, 7.0)
        self.sim_resonance.setSingleStep(0.1)
        self.sim_resonance.setSuffix(" breaths/min")
        self.sim_resonance.setValue(current.sim.resonance_bpm)
        # A group: sim1..simN, resonance rates spread around the one set here (sim_group).
        self.sim_people = QSpinBox()
        self.sim_people.setRange(1, MAX_SIM_PEOPLE)
        self.sim_people.setValue(len(current.simulated()) if current.kind == "sim" else 1)
        self.sim_people.setToolTip(
            "Several simulated people at once show the group view: each their own "
            "label (sim1, sim2, ...), seed and resonance rate"
        )
        for label, w in (
            ("state", self.sim_state), ("resonance", self.sim_resonance),
            ("people", self.sim_people),
        ):  # fmt: skip
            lab = QLabel(label)
            lab.setBuddy(w)
            sim_row.addWidget(lab)
            sim_row.addWidget(w)
        sim_row.addStretch(1)
        lay.addLayout(sim_row)

        lay.addWidget(self.ble)
        ble_row = QHBoxLayout()
        self.strap_edit = QLineEdit(", ".join(current.targets) if current.kind == "ble" else (last_strap or ""))
        self.strap_edit.setPlaceholderText(
            "address or part of the name, e.g. H10; several straps: H10, TICKR"
        )
        self.scan_button = QPushButton("S&can")
        ble_row.addWidget(self.strap_edit, 1)
        ble_row.addWidget(self.scan_button)
        lay.addLayout(ble_row)
        self.found = QListWidget()
        self.found.setMaximumHeight(120)
        lay.addWidget(self.found)
        self.scan_note = QLabel(
            "Wear the strap with the electrodes moistened; close any phone app using it."
        )
        self.scan_note.setWordWrap(True)
        lay.addWidget(self.scan_note)

        lay.addWidget(self.replay)
        rep_row = QHBoxLayout()
        self.path_edit = QLineEdit(current.targets[0] if current.kind == "replay" and current.targets else "")
        self.browse = QPushButton("Br&owse...")
        rep_row.addWidget(self.path_edit, 1)
        rep_row.addWidget(self.browse)
        lay.addLayout(rep_row)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        {"sim": self.sim, "ble": self.ble, "replay": self.replay}[current.kind].setChecked(True)
        self.scan_button.clicked.connect(self.scan)
        self.browse.clicked.connect(self._browse)
        self.found.itemClicked.connect(self._picked)
        self._current = current

    def choice(self) -> SourceSpec:
        """What was chosen."""
        if self.ble.isChecked():
            text = self.strap_edit.text().strip()
            return SourceSpec("ble", tuple(t.strip() for t in text.split(",") if t.strip()))
        if self.replay.isChecked():
            path = self.path_edit.text().strip()
            return SourceSpec("replay", (path,) if path else ())
        current = self._current
        sim = replace(
            current.sim, state=self.sim_state.currentText(),
            resonance_bpm=self.sim_resonance.value(),
        )
        n = self.sim_people.value()
        if current.kind == "sim" and sim == current.sim and n == len(current.simulated()):
            return current  # unchanged: keep each person as set (the demo's --sim-person)
        if n == 1:
            return SourceSpec("sim", (), replace(sim, label="sim"))
        return SourceSpec("sim", (), sim, people=sim_group(sim, n))

    def scan(self) -> None:
        """Look for straps (asynchronously; the dialog stays responsive)."""
        self.ble.setChecked(True)
        self.scan_button.setEnabled(False)
        self.scan_note.setText("Listening for heart-rate straps for 5 s...")
        asyncio.ensure_future(self._scan())

    async def _scan(self) -> None:
        from resonant.devices.ble import BleError, scan

        self.found.clear()
        try:
            straps = await scan(5.0)
        except BleError as exc:
            self.scan_note.setText(str(exc))
        else:
            for s in straps:
                text = f"{s.name or '(no name)'}  {s.address}  {s.rssi_dbm} dBm"
                if s.refused:
                    text += "  (optical: not usable for HRV)"
                item = QListWidgetItem(text)
                item.setData(256, s.address)
                self.found.addItem(item)
            self.scan_note.setText(
                f"{len(straps)} strap(s) found." if straps else
                "No straps found. Is it worn, moistened, and not connected to a phone?"
            )  # fmt: skip
        finally:
            self.scan_button.setEnabled(True)

    def _picked(self, item: QListWidgetItem) -> None:
        self.strap_edit.setText(item.data(256))

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "A session folder")
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, "An RR file", "", "RR files (*.txt *.csv *.tsv)"
            )
        if path:
            self.path_edit.setText(path)
            self.replay.setChecked(True)
