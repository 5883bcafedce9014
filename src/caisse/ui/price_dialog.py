"""Changing a line's unit price: the new price on a touch keypad, and the reason.

The dialog only collects; the sale screen sends the override to the checkout service, which
checks the right (a manager's PIN when the operator lacks it) and keeps the old price (R7).

Object names: ``price.dialog``, ``price.amount``, ``price.key.0`` … ``price.key.9``,
``price.key.comma``, ``price.key.back``, ``price.reason.<i>``, ``price.cancel``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QWidget

from caisse.domain.errors import UserFacingError
from caisse.domain.money import parse_eur
from caisse.ui.i18n import tr
from caisse.ui.theme import set_level, touch_button

logger = logging.getLogger(__name__)

MAX_CHARS = 9


class PriceDialog(QDialog):
    """Emits `price_did_choose(unit_ttc_cents, reason)` when a reason is tapped."""

    price_did_choose = Signal(int, str)

    def __init__(
        self, label: str, old_price: str, lang: str = "fr", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("price.dialog")
        self.setWindowTitle(tr("Changer le prix"))
        self.setModal(True)
        self.setMinimumWidth(560)
        self._lang = lang
        self._typed = ""
        layout = QGridLayout(self)
        layout.setSpacing(8)
        heading = QLabel(tr("{label} : {price} aujourd'hui").format(label=label, price=old_price))
        heading.setProperty("role", "big")
        heading.setWordWrap(True)
        layout.addWidget(heading, 0, 0, 1, 3)
        self.amount = QLabel("")
        self.amount.setObjectName("price.amount")
        self.amount.setProperty("role", "amount")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.amount, 1, 0, 1, 3)
        keys = [*"789456123", ",", "0", "⌫"]
        names = {",": "comma", "⌫": "back"}
        for index, key in enumerate(keys):
            button = touch_button(key, f"price.key.{names.get(key, key)}", role="key")
            button.clicked.connect(lambda *_args, k=key: self._type(k))
            layout.addWidget(button, 2 + index // 3, index % 3)
        self.message = QLabel(tr("Tapez le nouveau prix, puis touchez le motif."))
        self.message.setProperty("role", "message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message, 6, 0, 1, 3)
        reasons = [tr("Article abîmé"), tr("Erreur d'étiquette"), tr("Geste commercial")]
        for index, reason in enumerate(reasons):
            button = touch_button(reason, f"price.reason.{index}", role="primary")
            button.setStyleSheet("font-size: 18px;")
            button.clicked.connect(lambda *_args, r=reason: self._choose(r))
            layout.addWidget(button, 7, index)
        cancel = touch_button(tr("Retour"), "price.cancel")
        cancel.clicked.connect(self.reject)
        layout.addWidget(cancel, 8, 0, 1, 3)

    def _type(self, key: str) -> None:
        if key == "⌫":
            self._typed = self._typed[:-1]
        elif len(self._typed) < MAX_CHARS and not (key == "," and "," in self._typed):
            self._typed += key
        self.amount.setText(self._typed + "\u00a0€" if self._typed else "")

    def _choose(self, reason: str) -> None:
        try:
            cents = parse_eur(self._typed)
        except UserFacingError as exc:
            self.message.setText(exc.message(self._lang))
            set_level(self.message, "error")
            return
        self.accept()
        self.price_did_choose.emit(cents, reason)
