"""The manager's PIN, asked when the operator lacks a right (price override, closure, cash out…).

The dialog lists the operators who may approve (managers and administrators), takes a PIN on
a touch pad and checks it through the operator service on the task runner; on success it
emits `approver_did_sign` with the manager's session. The service that needed the right
checks it again: the dialog is a convenience, not a control.

Object names: ``approver.dialog``, ``approver.operator.<id>``, ``approver.pin_display``,
``approver.pin_pad.0`` … ``approver.pin_pad.9``, ``approver.pin_pad.clear``,
``approver.ok``, ``approver.cancel``, ``approver.message``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from caisse.services.operators import OperatorSession
from caisse.services.ports import OperatorRecord
from caisse.ui.errors import error_text
from caisse.ui.i18n import tr
from caisse.ui.ports import Operators
from caisse.ui.tasks import TaskRunner
from caisse.ui.theme import set_level, touch_button

logger = logging.getLogger(__name__)

APPROVER_ROLES = frozenset({"manager", "admin"})
PIN_MAX = 8


class ApproverDialog(QDialog):
    """Ask a manager for their PIN; emits `approver_did_sign(OperatorSession)`."""

    approver_did_sign = Signal(object)

    def __init__(
        self,
        operators: Operators,
        tasks: TaskRunner,
        why: str,
        lang: str = "fr",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("approver.dialog")
        self.setWindowTitle(tr("Accord du responsable"))
        self.setModal(True)
        self.setMinimumWidth(560)
        self._operators = operators
        self._tasks = tasks
        self._lang = lang
        self._pin = ""
        self._chosen: str | None = None
        self._busy = False
        self.tiles: dict[str, QPushButton] = {}

        layout = QGridLayout(self)
        layout.setSpacing(10)
        heading = QLabel(why)
        heading.setProperty("role", "big")
        heading.setWordWrap(True)
        layout.addWidget(heading, 0, 0, 1, 3)
        self._tiles_row = QHBoxLayout()
        layout.addLayout(self._tiles_row, 1, 0, 1, 3)
        self.pin_display = QLabel("")
        self.pin_display.setObjectName("approver.pin_display")
        self.pin_display.setProperty("role", "amount")
        self.pin_display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.pin_display, 2, 0, 1, 3)
        for index, digit in enumerate("1234567890"):
            key = touch_button(digit, f"approver.pin_pad.{digit}", role="key", min_height=60)
            key.clicked.connect(lambda *_args, d=digit: self._type(d))
            row, col = (3 + index // 3, index % 3) if digit != "0" else (6, 1)
            layout.addWidget(key, row, col)
        clear = touch_button(tr("Effacer"), "approver.pin_pad.clear", role="danger", min_height=60)
        clear.clicked.connect(self._on_clear_clicked)
        layout.addWidget(clear, 6, 0)
        self.message = QLabel("")
        self.message.setObjectName("approver.message")
        self.message.setProperty("role", "message")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout.addWidget(self.message, 7, 0, 1, 3)
        self.cancel_button = touch_button(tr("Retour"), "approver.cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button = touch_button(tr("Valider"), "approver.ok", role="primary")
        self.ok_button.clicked.connect(self._on_ok_clicked)
        layout.addWidget(self.cancel_button, 8, 0)
        layout.addWidget(self.ok_button, 8, 1, 1, 2)
        self._tasks.run(self._operators.list, self._on_operators_loaded, self._on_failed)

    def _on_operators_loaded(self, records: list[OperatorRecord]) -> None:
        approvers = [r for r in records if r.active and r.role in APPROVER_ROLES]
        for record in approvers:
            tile = touch_button(record.name, f"approver.operator.{record.id}", role="tile")
            tile.setCheckable(True)
            tile.clicked.connect(lambda *_args, i=record.id: self.choose(i))
            self._tiles_row.addWidget(tile)
            self.tiles[record.id] = tile
        if len(approvers) == 1:
            self.choose(approvers[0].id)

    def choose(self, operator_id: str) -> None:
        """Pick the manager who types the PIN."""
        self._chosen = operator_id
        for tile_id, tile in self.tiles.items():
            tile.setChecked(tile_id == operator_id)

    def _type(self, digit: str) -> None:
        if len(self._pin) < PIN_MAX and not self._busy:
            self._pin += digit
            self.pin_display.setText("●" * len(self._pin))

    def _on_clear_clicked(self) -> None:
        self._pin = ""
        self.pin_display.setText("")

    def _on_ok_clicked(self) -> None:
        chosen, pin = self._chosen, self._pin
        if self._busy:
            return
        if chosen is None:
            self._say(tr("Touchez d'abord le nom du responsable."))
            return
        self._busy = True
        self._pin = ""
        self.pin_display.setText("")
        self._tasks.run(
            lambda: self._operators.authenticate(chosen, pin), self._on_signed, self._on_failed
        )

    def _on_signed(self, session: OperatorSession) -> None:
        self._busy = False
        if session.role.value not in APPROVER_ROLES:
            self._say(tr("{name} n'est pas responsable.").format(name=session.name))
            return
        self.accept()
        self.approver_did_sign.emit(session)

    def _on_failed(self, exc: BaseException) -> None:
        self._busy = False
        self._say(error_text(exc, self._lang))

    def _say(self, text: str) -> None:
        self.message.setText(text)
        set_level(self.message, "error")
        self.message.setVisible(True)
