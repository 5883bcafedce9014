"""The payment panel of the sale screen: tenders, cash keypad, receipt choice and "Encaisser".

The panel only collects what the cashier taps and says it through signals; the sale screen
sends each request to the open sale on the task runner and draws the result back with
`show_payments` and `set_state`, so the panel never holds a copy of the sale. The remaining
amount and the change due are the sale screen's large figures above the panel.

Tenders: any number of them on one ticket. A tender button takes the amount typed on the
keypad, or exactly what remains when nothing is typed; the quick notes and coins hand that
much cash at once. Only cash gives change (the sale refuses the rest).

Receipt (AGEC law, 2023): no ticket unless the customer asks; "Imprimer" prints it, "E-mail"
records the address in a queue (`receipt_emails`) that `caisse.app.receipt_mail` sends through
the shop's SMTP relay (`smtp_*` settings).

Object names (kept from the first sale screen for the widgets it had): ``sale.payments``,
``sale.remove_payment``, ``sale.amount``, ``sale.keypad.0`` … ``sale.keypad.9``,
``sale.keypad.00``, ``sale.keypad.comma``, ``sale.keypad.clear``, ``sale.keypad.back``,
``sale.note.500``, ``sale.note.1000``, ``sale.note.2000``, ``sale.note.5000``,
``sale.coin.100``, ``sale.coin.200``, ``sale.pay_cash``, ``sale.pay_card``,
``sale.pay_cheque``, ``sale.pay_meal_voucher``, ``sale.pay_gift_voucher``,
``sale.pay_credit_note``, ``sale.receipt.none``, ``sale.print_ticket`` (receipt on paper),
``sale.receipt.email``, ``sale.receipt.email_address``, ``sale.finalise``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from caisse.domain.money import format_eur
from caisse.domain.sale import Tender
from caisse.ui.i18n import tr
from caisse.ui.theme import TOUCH_MIN_PX, touch_button, two_lines

logger = logging.getLogger(__name__)

QUICK_NOTES_CENTS = (500, 1000, 2000, 5000)
QUICK_COINS_CENTS = (100, 200)
KEY_PX = 48
"""The 48 px touch floor: the panel must fit a 768 px high screen under the totals."""
AMOUNT_MAX_CHARS = 9
MIN_WIDTH_PX = 400
"""Five keypad columns and three tender columns still readable (a 1024 px window)."""
LONG_TENDER_CHARS = 8

TENDER_NAMES = {
    Tender.CASH: "sale.pay_cash",
    Tender.CARD: "sale.pay_card",
    Tender.CHEQUE: "sale.pay_cheque",
    Tender.MEAL_VOUCHER: "sale.pay_meal_voucher",
    Tender.GIFT_VOUCHER: "sale.pay_gift_voucher",
    Tender.CREDIT_NOTE: "sale.pay_credit_note",
}


def tender_label(tender: Tender) -> str:
    """The tender as a button or a list shows it, in the current language."""
    labels = {
        Tender.CASH: tr("Espèces"),
        Tender.CARD: tr("Carte"),
        Tender.CHEQUE: tr("Chèque"),
        Tender.MEAL_VOUCHER: tr("Titre-restaurant"),
        Tender.GIFT_VOUCHER: tr("Bon d'achat"),
        Tender.CREDIT_NOTE: tr("Avoir"),
    }
    return labels[tender]


@dataclass(frozen=True, slots=True)
class ReceiptChoice:
    """How the customer wants the receipt: "none", "paper" or "email" (with the address)."""

    channel: str
    email: str = ""


NO_RECEIPT = ReceiptChoice("none")


class PaymentPanel(QWidget):
    """Tender buttons, a cash keypad with notes and coins, the receipt choice, "Encaisser"."""

    tender_did_choose = Signal(object, str)
    """(Tender, typed amount text; empty means exactly what remains)."""
    cash_did_hand = Signal(int)
    """Cents of a quick note or coin handed in cash."""
    payment_did_remove = Signal(int)
    """0-based index of the tender to remove."""
    finalise_did_request = Signal(object)
    """The `ReceiptChoice`, when "Encaisser" is tapped while enabled."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sale.payment_panel")
        self.setMinimumWidth(MIN_WIDTH_PX)
        self._amount = ""
        self.keypad: dict[str, QPushButton] = {}
        self.notes: dict[int, QPushButton] = {}
        self.tenders: dict[Tender, QPushButton] = {}

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addLayout(self._build_paid_row())
        column.addLayout(self._build_pad(), 1)
        column.addLayout(self._build_tenders())
        column.addLayout(self._build_receipt_row())
        self.finalise_button = touch_button(
            tr("Encaisser"), "sale.finalise", role="primary", min_height=TOUCH_MIN_PX
        )
        self.finalise_button.clicked.connect(self._on_finalise_clicked)
        column.addWidget(self.finalise_button)
        self._refresh_amount()

    # ------------------------------------------------------------ building

    def _build_paid_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.payments_list = QListWidget()
        self.payments_list.setObjectName("sale.payments")
        self.payments_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.payments_list.setFixedHeight(KEY_PX + 8)
        self.payments_list.setToolTip(tr("Règlements pris"))
        # note: this row shares 400 px with the typed amount and the remove button at 1024 px:
        # a smaller font, no horizontal scroll bar hiding the only row shown, and a long
        # tender ("Titre-restaurant 20,00 €") wrapped on two lines rather than cut.
        self.payments_list.setProperty("compact", True)
        self.payments_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.payments_list.setWordWrap(True)
        self.payments_list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.payments_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.remove_payment_button = touch_button(
            tr("Retirer\nle règlement"), "sale.remove_payment", role="danger", min_height=KEY_PX
        )
        self.remove_payment_button.setProperty("compact", True)
        self.remove_payment_button.clicked.connect(self._on_remove_payment_clicked)
        # note: the typed amount sits beside the tenders taken (one row less, so that the
        # panel fits a 768 px high screen); empty, a tender takes exactly what remains.
        self.amount_display = QLabel("")
        self.amount_display.setToolTip(tr("Montant tapé (vide : le reste dû)"))
        self.amount_display.setObjectName("sale.amount")
        self.amount_display.setProperty("role", "amount")
        self.amount_display.setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )
        self.amount_display.setMinimumHeight(KEY_PX)
        self.amount_display.setMinimumWidth(110)
        row.addWidget(self.payments_list, 3)
        row.addWidget(self.amount_display, 2)
        row.addWidget(self.remove_payment_button)
        return row

    # note: the click lambdas take *args, never a bool default (``_checked=False``): with
    # PySide6 6.12 a bool default on a slot of clicked(bool) ends in "bool_dealloc" at exit.
    def _key(self, text: str, name: str, role: str = "key") -> QPushButton:
        key = touch_button(text, name, role=role, min_height=KEY_PX)
        key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        return key

    def _build_pad(self) -> QGridLayout:
        pad = QGridLayout()
        pad.setSpacing(5)
        keys = [
            ("7", "7"), ("8", "8"), ("9", "9"),
            ("4", "4"), ("5", "5"), ("6", "6"),
            ("1", "1"), ("2", "2"), ("3", "3"),
            ("0", "0"), ("00", "00"), ("comma", ","),
        ]  # fmt: skip
        for index, (name, text) in enumerate(keys):
            key = self._key(text, f"sale.keypad.{name}")
            key.clicked.connect(lambda *_args, t=text: self.type_amount(t))
            pad.addWidget(key, index // 3, index % 3)
            self.keypad[name] = key
        for row, cents in enumerate(QUICK_NOTES_CENTS):
            note = self._key(f"{cents // 100} €", f"sale.note.{cents}")
            note.setToolTip(tr("Billet reçu en espèces"))
            note.clicked.connect(lambda *_args, c=cents: self.cash_did_hand.emit(c))
            pad.addWidget(note, row, 3)
            self.notes[cents] = note
        clear = self._key("C", "sale.keypad.clear", role="danger")
        clear.clicked.connect(self._on_keypad_clear_clicked)
        back = self._key("⌫", "sale.keypad.back")
        back.clicked.connect(self._on_keypad_back_clicked)
        self.keypad["clear"] = clear
        self.keypad["back"] = back
        pad.addWidget(clear, 0, 4)
        pad.addWidget(back, 1, 4)
        for row, cents in enumerate(QUICK_COINS_CENTS, start=2):
            coin = self._key(f"{cents // 100} €", f"sale.coin.{cents}")
            coin.setToolTip(tr("Pièce reçue en espèces"))
            coin.clicked.connect(lambda *_args, c=cents: self.cash_did_hand.emit(c))
            pad.addWidget(coin, row, 4)
            self.notes[cents] = coin
        return pad

    def _build_tenders(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setSpacing(5)
        for index, (tender, name) in enumerate(TENDER_NAMES.items()):
            # note: a third of the panel at 1024 px is too narrow for "Titre-restaurant" on
            # one line; the long labels take two lines of a smaller, still bold, font.
            text = tender_label(tender)
            if len(text) > LONG_TENDER_CHARS:
                text = two_lines(text)
            button = touch_button(text, name, role="tender", min_height=KEY_PX)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            button.clicked.connect(lambda *_args, t=tender: self._on_tender_clicked(t))
            grid.addWidget(button, index // 3, index % 3)
            self.tenders[tender] = button
        return grid

    def _build_receipt_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(5)
        self.receipt_group = QButtonGroup(self)
        self.receipt_group.setExclusive(True)
        # note: "receipt" is a toggle in a slightly smaller font: three fit at 1024 px
        self.receipt_none = self._key(tr("Sans ticket"), "sale.receipt.none", role="receipt")
        self.print_toggle = self._key(tr("Imprimer"), "sale.print_ticket", role="receipt")
        self.receipt_email = self._key(tr("E-mail"), "sale.receipt.email", role="receipt")
        for button in (self.receipt_none, self.print_toggle, self.receipt_email):
            button.setCheckable(True)
            self.receipt_group.addButton(button)
            row.addWidget(button, 1)
        self.email_entry = QLineEdit()
        self.email_entry.setObjectName("sale.receipt.email_address")
        self.email_entry.setPlaceholderText(tr("Adresse e-mail"))
        self.email_entry.setMinimumHeight(KEY_PX)
        self.email_entry.setVisible(False)
        row.addWidget(self.email_entry, 2)
        # note: AGEC law (2023): the receipt is printed only when the customer asks for it.
        self.receipt_none.setChecked(True)
        self.receipt_group.buttonToggled.connect(self._on_receipt_toggled)
        return row

    # ------------------------------------------------------------ state from the sale

    def show_payments(self, payments: Sequence[tuple[Tender, int]]) -> None:
        self.payments_list.clear()
        for tender, cents in payments:
            self.payments_list.addItem(f"{tender_label(tender)}  {format_eur(cents)}")

    def set_state(
        self, *, ready: bool, has_lines: bool, has_payments: bool, can_finalise: bool
    ) -> None:
        """Enable what makes sense: tenders on a ticket with lines, "Encaisser" once covered."""
        for button in (*self.tenders.values(), *self.notes.values()):
            button.setEnabled(ready and has_lines)
        self.remove_payment_button.setEnabled(ready and has_payments)
        self.finalise_button.setEnabled(ready and can_finalise)

    def receipt_choice(self) -> ReceiptChoice:
        if self.print_toggle.isChecked():
            return ReceiptChoice("paper")
        if self.receipt_email.isChecked():
            return ReceiptChoice("email", self.email_entry.text().strip())
        return NO_RECEIPT

    def reset(self) -> None:
        """After a sale: nothing typed, no receipt unless asked again."""
        self._amount = ""
        self.receipt_none.setChecked(True)
        self.email_entry.clear()
        self._refresh_amount()

    # ------------------------------------------------------------ taps

    @property
    def typed(self) -> str:
        return self._amount

    def type_amount(self, text: str) -> None:
        if text == "," and "," in self._amount:
            return
        if len(self._amount) >= AMOUNT_MAX_CHARS:
            return
        self._amount += text
        self._refresh_amount()

    def _refresh_amount(self) -> None:
        self.amount_display.setText(self._amount + "\u00a0€" if self._amount else "")

    def _on_keypad_clear_clicked(self) -> None:
        self._amount = ""
        self._refresh_amount()

    def _on_keypad_back_clicked(self) -> None:
        self._amount = self._amount[:-1]
        self._refresh_amount()

    def _on_tender_clicked(self, tender: Tender) -> None:
        amount, self._amount = self._amount, ""
        self._refresh_amount()
        self.tender_did_choose.emit(tender, amount)

    def _on_remove_payment_clicked(self) -> None:
        count = self.payments_list.count()
        if not count:
            return
        row = self.payments_list.currentRow()
        self.payment_did_remove.emit(row if 0 <= row < count else count - 1)

    def _on_receipt_toggled(self, button: QPushButton, checked: bool) -> None:
        if button is self.receipt_email:
            self.email_entry.setVisible(checked)
            if checked:
                self.email_entry.setFocus()

    def _on_finalise_clicked(self) -> None:
        if self.finalise_button.isEnabled():
            self.finalise_did_request.emit(self.receipt_choice())
