"""Small touch dialogs shared by the screens: choosing a reason (void a line, void a ticket).

Object names: ``reason.dialog``, ``reason.preset.<i>`` (one per preset reason, from 0),
``reason.other`` (free text), ``reason.ok``, ``reason.cancel``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QWidget

from caisse.ui.theme import touch_button

logger = logging.getLogger(__name__)


class ReasonDialog(QDialog):
    """Pick a preset reason with one tap, or type another; emits `reason_did_choose`.

    Open it with `open()` (window-modal, non-blocking): the event loop keeps running, so the
    task runner's results still arrive while the dialog is up.
    """

    reason_did_choose = Signal(str)

    def __init__(
        self, title: str, question: str, presets: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reason.dialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(640)
        layout = QGridLayout(self)
        layout.setSpacing(12)
        heading = QLabel(question)
        heading.setProperty("role", "big")
        heading.setWordWrap(True)
        layout.addWidget(heading, 0, 0, 1, 2)
        self.presets = []
        for index, text in enumerate(presets):
            button = touch_button(text, f"reason.preset.{index}", min_height=64)
            button.clicked.connect(lambda *_args, t=text: self._choose(t))
            layout.addWidget(button, 1 + index // 2, index % 2)
            self.presets.append(button)
        row = 2 + (len(presets) - 1) // 2
        self.other = QLineEdit()
        self.other.setObjectName("reason.other")
        self.other.setPlaceholderText(self.tr("Autre motif…"))
        self.other.returnPressed.connect(self._on_ok_clicked)
        layout.addWidget(self.other, row, 0, 1, 2)
        buttons = QHBoxLayout()
        self.cancel_button = touch_button(self.tr("Retour"), "reason.cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button = touch_button(self.tr("Valider ce motif"), "reason.ok", role="primary")
        self.ok_button.clicked.connect(self._on_ok_clicked)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        layout.addLayout(buttons, row + 1, 0, 1, 2)

    def _on_ok_clicked(self) -> None:
        text = self.other.text().strip()
        if text:
            self._choose(text)

    def _choose(self, reason: str) -> None:
        self.accept()
        self.reason_did_choose.emit(reason)
