"""The sign-in screen: one tile per operator and a numeric PIN pad.

Object names: ``login.screen``, ``login.operator.<id>`` (one tile per operator),
``login.selected``, ``login.pin_display``, ``login.pin_pad.0`` … ``login.pin_pad.9``,
``login.pin_pad.clear``, ``login.pin_pad.back``, ``login.pin_pad.ok``, ``login.message``.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from caisse.services.errors import OperatorLocked
from caisse.services.operators import OperatorSession
from caisse.services.ports import OperatorRecord
from caisse.ui.errors import show_error
from caisse.ui.ports import Operators
from caisse.ui.tasks import TaskRunner
from caisse.ui.theme import TOUCH_MIN_PX, set_level, touch_button

logger = logging.getLogger(__name__)

PIN_MAX_DIGITS = 8
PIN_KEY_PX = 84
TILE_COLUMNS = 2


class LoginScreen(QWidget):
    """Choose your name, type your PIN; emits `operator_did_sign_in` with the session."""

    operator_did_sign_in = Signal(object)

    def __init__(
        self,
        operators: Operators,
        tasks: TaskRunner,
        lang: str = "fr",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("login.screen")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._operators = operators
        self._tasks = tasks
        self._lang = lang
        self._records: list[OperatorRecord] = []
        self._selected: OperatorRecord | None = None
        self._pin = ""
        self._busy = False
        self._locked_until: dict[str, float] = {}
        self.tiles: dict[str, QPushButton] = {}
        self.pin_keys: dict[str, QPushButton] = {}

        self._tile_group = QButtonGroup(self)
        self._tile_group.setExclusive(True)

        title = QLabel(self.tr("Qui êtes-vous ?"))
        title.setProperty("role", "big")
        self._tiles_box = QWidget()
        self._tiles_layout = QGridLayout(self._tiles_box)
        self._tiles_layout.setSpacing(12)
        self._tiles_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._tiles_box)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.loading = QLabel(self.tr("Chargement des opérateurs…"))
        self.loading.setObjectName("login.loading")

        left = QVBoxLayout()
        left.addWidget(title)
        left.addWidget(self.loading)
        left.addWidget(scroll, 1)

        self.selected_label = QLabel(self.tr("Touchez votre nom"))
        self.selected_label.setObjectName("login.selected")
        self.selected_label.setProperty("role", "big")
        self.selected_label.setWordWrap(True)
        self.pin_display = QLabel("")
        self.pin_display.setObjectName("login.pin_display")
        self.pin_display.setProperty("role", "total")
        self.pin_display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin_display.setMinimumHeight(TOUCH_MIN_PX + 20)
        self.message = QLabel("")
        self.message.setObjectName("login.message")
        self.message.setProperty("role", "message")
        self.message.setWordWrap(True)
        self.message.setVisible(False)

        pad = QGridLayout()
        pad.setSpacing(10)
        for index, digit in enumerate("123456789"):
            key = self._pin_key(digit, f"login.pin_pad.{digit}")
            pad.addWidget(key, index // 3, index % 3)
        clear = self._pin_key(self.tr("Effacer"), "login.pin_pad.clear", role="danger")
        clear.clicked.connect(self._on_clear_clicked)
        pad.addWidget(clear, 3, 0)
        pad.addWidget(self._pin_key("0", "login.pin_pad.0"), 3, 1)
        back = self._pin_key("⌫", "login.pin_pad.back")
        back.clicked.connect(self._on_back_clicked)
        pad.addWidget(back, 3, 2)
        self.ok_button = touch_button(
            self.tr("Valider"), "login.pin_pad.ok", role="primary", min_height=PIN_KEY_PX
        )
        self.ok_button.clicked.connect(self._on_ok_clicked)
        pad.addWidget(self.ok_button, 4, 0, 1, 3)

        right = QVBoxLayout()
        right.addWidget(self.selected_label)
        right.addWidget(self.pin_display)
        right.addLayout(pad)
        right.addWidget(self.message)
        right.addStretch(1)
        right_box = QWidget()
        right_box.setLayout(right)
        right_box.setMaximumWidth(480)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(32)
        layout.addLayout(left, 3)
        layout.addWidget(right_box, 2)

        self._lock_timer = QTimer(self)
        self._lock_timer.setInterval(1000)
        self._lock_timer.timeout.connect(self._on_lock_timer_timeout)
        self._refresh_pad()

    # ------------------------------------------------------------ building

    def _pin_key(self, text: str, name: str, role: str = "key") -> QPushButton:
        key = touch_button(text, name, role=role, min_height=PIN_KEY_PX)
        key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        if text.isdigit():
            key.clicked.connect(lambda *_args, d=text: self._type_digit(d))
        self.pin_keys[name.rsplit(".", 1)[-1]] = key
        return key

    def _role_label(self, role: str) -> str:
        labels = {
            "cashier": self.tr("Caisse"),
            "manager": self.tr("Responsable"),
            "admin": self.tr("Administration"),
            "auditor": self.tr("Contrôle"),
        }
        return labels.get(role, role)

    # ------------------------------------------------------------ operators

    def reload(self) -> None:
        """Load the operator tiles (through the task runner)."""
        self.loading.setVisible(True)
        self._tasks.run(self._operators.list, self._on_operators_loaded, self._on_task_failed)

    def _on_operators_loaded(self, records: list[OperatorRecord]) -> None:
        self.loading.setVisible(False)
        for tile in self.tiles.values():
            self._tile_group.removeButton(tile)
            tile.deleteLater()
        self.tiles.clear()
        self._records = [r for r in records if r.active]
        for index, record in enumerate(self._records):
            tile = touch_button(
                f"{record.name}\n{self._role_label(record.role)}",
                f"login.operator.{record.id}",
                role="tile",
                min_height=96,
            )
            tile.setCheckable(True)
            tile.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            tile.clicked.connect(lambda *_args, r=record: self.select_operator(r.id))
            self._tile_group.addButton(tile)
            self._tiles_layout.addWidget(tile, index // TILE_COLUMNS, index % TILE_COLUMNS)
            self.tiles[record.id] = tile
        if not self._records:
            self.show_message(
                self.tr("Aucun opérateur actif : créez-en un avec « caisse user add »."),
                error=True,
            )
        elif len(self._records) == 1:
            self.select_operator(self._records[0].id)
        self._refresh_pad()

    def select_operator(self, operator_id: str) -> None:
        """Choose the operator whose PIN will be typed."""
        record = next((r for r in self._records if r.id == operator_id), None)
        if record is None:
            return
        self._selected = record
        self.tiles[operator_id].setChecked(True)
        self._pin = ""
        self.selected_label.setText(self.tr("Code PIN de {name}").format(name=record.name))
        self.clear_message()
        self._refresh_pad()

    def reset(self) -> None:
        """Back to a blank screen (after a lock or a sign-out)."""
        self._pin = ""
        self.clear_message()
        if len(self._records) != 1:
            self._selected = None
            checked = self._tile_group.checkedButton()
            if checked is not None:
                self._tile_group.setExclusive(False)
                checked.setChecked(False)
                self._tile_group.setExclusive(True)
            self.selected_label.setText(self.tr("Touchez votre nom"))
        self._refresh_pad()

    # ------------------------------------------------------------ PIN pad

    def _type_digit(self, digit: str) -> None:
        if self._busy:
            return
        if self._selected is None:
            self.show_message(self.tr("Touchez d'abord votre nom."), error=True)
            return
        if len(self._pin) < PIN_MAX_DIGITS:
            self._pin += digit
        self._refresh_pad()

    def _on_clear_clicked(self) -> None:
        self._pin = ""
        self._refresh_pad()

    def _on_back_clicked(self) -> None:
        self._pin = self._pin[:-1]
        self._refresh_pad()

    def _on_ok_clicked(self) -> None:
        record = self._selected
        if self._busy or record is None:
            if record is None:
                self.show_message(self.tr("Touchez d'abord votre nom."), error=True)
            return
        if not self._pin:
            self.show_message(self.tr("Tapez votre code PIN."), error=True)
            return
        if self._lock_left(record.id) > 0:
            self._show_lock(record)
            return
        pin, self._pin = self._pin, ""
        self._busy = True
        self.clear_message()
        self._refresh_pad()
        self._tasks.run(
            lambda: self._operators.authenticate(record.id, pin),
            self._on_signed_in,
            lambda exc: self._on_sign_in_failed(record, exc),
        )

    def _on_signed_in(self, session: OperatorSession) -> None:
        self._busy = False
        self._pin = ""
        self.clear_message()
        self._refresh_pad()
        self.operator_did_sign_in.emit(session)

    def _on_sign_in_failed(self, record: OperatorRecord, exc: BaseException) -> None:
        self._busy = False
        self._pin = ""
        show_error(self, exc, self._lang)
        if isinstance(exc, OperatorLocked):
            self._locked_until[record.id] = time.monotonic() + exc.seconds
            self._lock_timer.start()
        self._refresh_pad()

    def _on_task_failed(self, exc: BaseException) -> None:
        self.loading.setVisible(False)
        show_error(self, exc, self._lang)

    def _refresh_pad(self) -> None:
        self.pin_display.setText(" ".join("●" for _ in self._pin) if self._pin else "")
        ready = self._selected is not None and not self._busy
        locked = self._selected is not None and self._lock_left(self._selected.id) > 0
        for key in self.pin_keys.values():
            key.setEnabled(ready and not locked)
        self.ok_button.setEnabled(ready and not locked and bool(self._pin))

    # ------------------------------------------------------------ lockout countdown

    def _lock_left(self, operator_id: str) -> int:
        until = self._locked_until.get(operator_id)
        if until is None:
            return 0
        left = int(until - time.monotonic() + 0.999)
        if left <= 0:
            del self._locked_until[operator_id]
            return 0
        return left

    def _show_lock(self, record: OperatorRecord) -> None:
        self.show_message(
            self.tr("Trop de codes PIN erronés : {name} est bloqué encore {seconds} s.").format(
                name=record.name, seconds=self._lock_left(record.id)
            ),
            error=True,
        )

    def _on_lock_timer_timeout(self) -> None:
        record = self._selected
        if record is not None and record.id in self._locked_until:
            if self._lock_left(record.id) > 0:
                self._show_lock(record)
            else:
                self.show_message(self.tr("Vous pouvez retaper votre code PIN."), error=False)
        if not self._locked_until:
            self._lock_timer.stop()
        self._refresh_pad()

    # ------------------------------------------------------------ messages and keys

    def show_message(self, text: str, *, error: bool = True) -> None:
        """Show a sentence under the pad (red for an error)."""
        self.message.setText(text)
        set_level(self.message, "error" if error else "info")
        self.message.setVisible(True)

    def clear_message(self) -> None:
        self.message.setText("")
        self.message.setVisible(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """A physical keyboard works too: digits, Backspace, Enter."""
        text = event.text()
        if text.isdigit() and len(text) == 1:
            self._type_digit(text)
        elif event.key() == Qt.Key.Key_Backspace:
            self._on_back_clicked()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._on_ok_clicked()
        else:
            super().keyPressEvent(event)
