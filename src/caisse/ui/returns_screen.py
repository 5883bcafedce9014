"""Returns: find the original ticket, choose lines and quantities, refund, reference it.

The original is found by its number, by scanning the QR code printed on it (``core,sig``:
the scanner types it into the search field), or by picking it among the sales of a date. Each
line shows what was sold, what came back already and what is left; the cashier taps a line and
sets how many return (never more than is left: the service refuses it anyway). The refund goes
through `CheckoutService.refund`, a negative ticket that references the original; a cashier
without the refund right gets a manager's PIN first (the service checks the right again).

Object names: ``returns.screen``, ``returns.search``, ``returns.find``, ``returns.date``,
``returns.by_date``, ``returns.tickets``, ``returns.original``, ``returns.lines``,
``returns.qty_minus``, ``returns.qty_plus``, ``returns.all``, ``returns.total``,
``returns.tender.<TENDER>`` (CASH, CARD, CHEQUE, MEAL_VOUCHER, GIFT_VOUCHER, CREDIT_NOTE: the
original's tenders, cash and a credit note), ``returns.print``, ``returns.refund``,
``returns.message``, ``returns.close``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Protocol

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caisse.domain.catalog import Unit
from caisse.domain.money import format_eur
from caisse.domain.sale import Payment, Tender
from caisse.services.checkout import TicketResult
from caisse.services.operators import OperatorSession, Right
from caisse.services.returns import DayTicket, RefundableLine, RefundableTicket
from caisse.ui.errors import error_text
from caisse.ui.i18n import tr
from caisse.ui.payment_screen import tender_label
from caisse.ui.pin_dialog import ApproverDialog
from caisse.ui.ports import Operators
from caisse.ui.tasks import TaskRunner
from caisse.ui.theme import TOUCH_MIN_PX, set_level, touch_button

logger = logging.getLogger(__name__)


class ReturnsLookup(Protocol):
    """What the screen asks of `caisse.services.returns.ReturnsService`."""

    def find(self, ticket_no: str) -> RefundableTicket: ...

    def find_by_qr(self, text: str) -> RefundableTicket: ...

    def on_date(self, day: date) -> list[DayTicket]: ...

    def refund_total(self, ticket_no: str, lines: Sequence[tuple[int, int]]) -> int: ...


class Refunder(Protocol):
    """The refund use case of `caisse.services.checkout.CheckoutService`."""

    def refund(
        self,
        session: OperatorSession,
        ticket_no: str,
        lines: Sequence[tuple[int, int | None]] | None,
        payments: Sequence[Payment],
        *,
        approver: OperatorSession | None = None,
        cancel: bool = False,
        reason: str = "",
        printed: str = "paper",
    ) -> TicketResult: ...


def _qty_text(milli: int, unit: Unit) -> str:
    if unit is Unit.KG:
        return f"{milli / 1000:.3f}".replace(".", ",") + "\u00a0kg"
    return f"{milli / 1000:g}".replace(".", ",")


REFUND_TENDERS = (Tender.CASH, Tender.CREDIT_NOTE)
"""Offered on every refund, besides the tenders the original was paid with."""


class ReturnsScreen(QDialog):
    """Find a ticket, pick what comes back, refund it with a tender."""

    refund_did_finish = Signal(object)
    """The `TicketResult` of the refund record."""

    def __init__(
        self,
        lookup: ReturnsLookup,
        refunder: Refunder,
        operators: Operators | None,
        tasks: TaskRunner,
        session: OperatorSession,
        lang: str = "fr",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("returns.screen")
        self.setWindowTitle(tr("Retours et remboursements"))
        self.setModal(True)
        self._lookup = lookup
        self._refunder = refunder
        self._operators = operators
        self._tasks = tasks
        self._session = session
        self._lang = lang
        self._busy = False
        self._totals_pending = 0  # refund totals asked and not back yet
        self.ticket: RefundableTicket | None = None
        self.chosen: dict[int, int] = {}
        self.total_cents = 0
        self.tender_buttons: dict[Tender, QPushButton] = {}
        self.approver_dialog: ApproverDialog | None = None
        self.refund_result: TicketResult | None = None
        if parent is not None:
            self.resize(parent.window().size())

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addLayout(self._build_search_row())
        self.message = QLabel("")
        self.message.setObjectName("returns.message")
        self.message.setProperty("role", "message")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout.addWidget(self.message)
        body = QHBoxLayout()
        self.tickets_list = QListWidget()
        self.tickets_list.setObjectName("returns.tickets")
        self.tickets_list.setFixedWidth(300)
        self.tickets_list.itemClicked.connect(self._on_tickets_list_item_clicked)
        body.addWidget(self.tickets_list)
        body.addLayout(self._build_ticket_column(), 1)
        layout.addLayout(body, 1)
        layout.addLayout(self._build_refund_row())
        self._refresh_enabled()
        self.search.setFocus()

    # ------------------------------------------------------------ building

    def _build_search_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("returns.search")
        self.search.setPlaceholderText(tr("N° de ticket, ou scannez son QR code"))
        self.search.setMinimumHeight(TOUCH_MIN_PX)
        self.search.returnPressed.connect(self._on_find_clicked)
        self.find_button = touch_button(tr("Chercher"), "returns.find", role="key")
        self.find_button.clicked.connect(self._on_find_clicked)
        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setObjectName("returns.date")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.date_edit.setMinimumHeight(TOUCH_MIN_PX)
        self.by_date_button = touch_button(tr("Tickets du jour choisi"), "returns.by_date")
        self.by_date_button.clicked.connect(self._on_by_date_clicked)
        row.addWidget(self.search, 1)
        row.addWidget(self.find_button)
        row.addWidget(self.date_edit)
        row.addWidget(self.by_date_button)
        return row

    def _build_ticket_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        self.original_label = QLabel(tr("Cherchez le ticket d'origine."))
        self.original_label.setObjectName("returns.original")
        self.original_label.setProperty("role", "big")
        self.original_label.setWordWrap(True)
        column.addWidget(self.original_label)
        self.lines_table = QTableWidget(0, 5)
        self.lines_table.setObjectName("returns.lines")
        self.lines_table.setHorizontalHeaderLabels(
            [tr("Article"), tr("Vendu"), tr("Déjà rendu"), tr("Reste"), tr("À rendre")]
        )
        header = self.lines_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 5):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.lines_table.verticalHeader().setVisible(False)
        self.lines_table.verticalHeader().setDefaultSectionSize(52)
        self.lines_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lines_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines_table.itemSelectionChanged.connect(self._refresh_enabled)
        column.addWidget(self.lines_table, 1)
        qty_row = QHBoxLayout()
        self.qty_minus = touch_button(tr("À rendre −"), "returns.qty_minus", role="key")
        self.qty_minus.clicked.connect(lambda: self._step(-1))
        self.qty_plus = touch_button(tr("À rendre +"), "returns.qty_plus", role="key")
        self.qty_plus.clicked.connect(lambda: self._step(1))
        self.all_button = touch_button(tr("Tout le reste"), "returns.all", role="key")
        self.all_button.clicked.connect(self._on_all_clicked)
        for button in (self.qty_minus, self.qty_plus, self.all_button):
            qty_row.addWidget(button)
        column.addLayout(qty_row)
        return column

    def _build_refund_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        caption = QLabel(tr("À rembourser"))
        caption.setProperty("role", "caption")
        self.total_label = QLabel(format_eur(0))
        self.total_label.setObjectName("returns.total")
        self.total_label.setProperty("role", "total")
        row.addWidget(caption)
        row.addWidget(self.total_label)
        self.tenders_row = QHBoxLayout()
        self.tender_group = QButtonGroup(self)
        self.tender_group.setExclusive(True)
        row.addLayout(self.tenders_row, 1)
        self.print_toggle = touch_button(tr("Imprimer"), "returns.print", role="toggle")
        self.print_toggle.setCheckable(True)  # AGEC: printed on request only
        row.addWidget(self.print_toggle)
        self.close_button = touch_button(tr("Retour à la vente"), "returns.close")
        self.close_button.clicked.connect(self.reject)
        row.addWidget(self.close_button)
        self.refund_button = touch_button(
            tr("Rembourser"), "returns.refund", role="primary", min_height=64
        )
        self.refund_button.clicked.connect(self._on_refund_clicked)
        row.addWidget(self.refund_button)
        return row

    # ------------------------------------------------------------ finding the original

    def _say(self, text: str, *, error: bool = True) -> None:
        self.message.setText(text)
        set_level(self.message, "error" if error else "info")
        self.message.setVisible(True)

    def _on_failed(self, exc: BaseException) -> None:
        self._busy = False
        self._say(error_text(exc, self._lang))
        self._refresh_enabled()

    def _on_find_clicked(self) -> None:
        text = self.search.text().strip()
        if not text or self._busy:
            return
        lookup = self._lookup
        # note: a QR code carries the signed core and its signature, commas included; a
        # ticket number has none.
        fn = (lambda: lookup.find_by_qr(text)) if "," in text else (lambda: lookup.find(text))
        self._tasks.run(fn, self._on_ticket_found, self._on_failed)

    def _on_by_date_clicked(self) -> None:
        day = self.date_edit.date().toPython()
        if not isinstance(day, date):
            return
        lookup = self._lookup
        self._tasks.run(lambda: lookup.on_date(day), self._on_day_loaded, self._on_failed)

    def _on_day_loaded(self, tickets: list[DayTicket]) -> None:
        self.tickets_list.clear()
        for ticket in tickets:
            item = QListWidgetItem(
                f"{ticket.time_local}  {ticket.ticket_no}  {format_eur(ticket.total_ttc_cents)}"
            )
            item.setData(Qt.ItemDataRole.UserRole, ticket.ticket_no)
            item.setSizeHint(item.sizeHint().expandedTo(self.find_button.minimumSizeHint()))
            self.tickets_list.addItem(item)
        if not tickets:
            self._say(tr("Aucune vente ce jour-là."), error=False)

    def _on_tickets_list_item_clicked(self, item: QListWidgetItem) -> None:
        number = str(item.data(Qt.ItemDataRole.UserRole))
        lookup = self._lookup
        self._tasks.run(lambda: lookup.find(number), self._on_ticket_found, self._on_failed)

    def _on_ticket_found(self, ticket: RefundableTicket) -> None:
        self.message.setVisible(False)
        self.ticket = ticket
        self.refund_result = None
        self.chosen = {}
        self.total_cents = 0
        self.search.clear()
        paid = ", ".join(
            f"{tender_label(tender)} {format_eur(cents)}" for tender, cents in ticket.payments
        )
        self.original_label.setText(
            tr("Ticket {number} du {when} · {total} · {paid}").format(
                number=ticket.ticket_no,
                when=ticket.ts_local[:16].replace("T", " "),
                total=format_eur(ticket.total_ttc_cents),
                paid=paid,
            )
        )
        self._build_tender_buttons(ticket)
        self._render_lines()
        if not ticket.anything_left:
            self._say(tr("Tout ce ticket a déjà été remboursé."))
        self._refresh_enabled()

    def _build_tender_buttons(self, ticket: RefundableTicket) -> None:
        for button in self.tender_buttons.values():
            self.tender_group.removeButton(button)
            button.deleteLater()
        self.tender_buttons = {}
        tenders = [t for t, _ in ticket.payments]
        offered = [t for t in Tender if t in tenders or t in REFUND_TENDERS]
        for tender in offered:
            button = touch_button(tender_label(tender), f"returns.tender.{tender.value}")
            button.setProperty("role", "toggle")
            button.setCheckable(True)
            self.tender_group.addButton(button)
            self.tenders_row.addWidget(button)
            self.tender_buttons[tender] = button
        # the original's first tender by default (a card sale goes back to the card)
        first = tenders[0] if tenders else Tender.CASH
        self.tender_buttons.get(first, self.tender_buttons[Tender.CASH]).setChecked(True)

    # ------------------------------------------------------------ lines and quantities

    def _render_lines(self) -> None:
        ticket = self.ticket
        lines = ticket.lines if ticket is not None else ()
        keep = self._selected_row()
        self.lines_table.setRowCount(len(lines))
        for r, line in enumerate(lines):
            cells = (
                line.label,
                _qty_text(line.sold_milli, line.unit),
                _qty_text(line.returned_milli, line.unit),
                _qty_text(line.left_milli, line.unit),
                _qty_text(self.chosen.get(line.n, 0), line.unit),
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.lines_table.setItem(r, c, item)
        if keep is not None and keep < len(lines):
            self.lines_table.selectRow(keep)
        self.total_label.setText(format_eur(-self.total_cents))

    def _selected_row(self) -> int | None:
        rows = self.lines_table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _selected_line(self) -> RefundableLine | None:
        row = self._selected_row()
        if self.ticket is None or row is None or not 0 <= row < len(self.ticket.lines):
            return None
        return self.ticket.lines[row]

    def select_line(self, n: int) -> None:
        """Select an original line by its number (what a tap on its row does)."""
        if self.ticket is not None:
            for r, line in enumerate(self.ticket.lines):
                if line.n == n:
                    self.lines_table.selectRow(r)

    def _set_chosen(self, line: RefundableLine, milli: int) -> None:
        milli = max(0, min(milli, line.left_milli))
        if milli:
            self.chosen[line.n] = milli
        else:
            self.chosen.pop(line.n, None)
        self._recompute()

    def _step(self, step: int) -> None:
        line = self._selected_line()
        if line is None or self._busy:
            return
        now = self.chosen.get(line.n, 0)
        if line.unit is Unit.KG:
            # a weighed line comes back whole or not at all
            self._set_chosen(line, line.left_milli if step > 0 else 0)
        else:
            self._set_chosen(line, now + step * 1000)

    def _on_all_clicked(self) -> None:
        line = self._selected_line()
        if line is not None and not self._busy:
            self._set_chosen(line, line.left_milli)

    def _recompute(self) -> None:
        ticket = self.ticket
        if ticket is None:
            return
        if not self.chosen:
            self.total_cents = 0
            self._render_lines()
            self._refresh_enabled()
            return
        lines = sorted(self.chosen.items())
        lookup = self._lookup
        number = ticket.ticket_no
        # note: "Rembourser" waits for the total of the quantities shown, never an older one
        self._totals_pending += 1
        self._refresh_enabled()
        self._tasks.run(
            lambda: lookup.refund_total(number, lines), self._on_total, self._on_total_failed
        )
        self._render_lines()

    def _on_total_failed(self, exc: BaseException) -> None:
        self._totals_pending -= 1
        self._on_failed(exc)

    def _on_total(self, total: int) -> None:
        self._totals_pending -= 1
        self.total_cents = total
        self._render_lines()
        self._refresh_enabled()

    # ------------------------------------------------------------ refunding

    def _tender(self) -> Tender | None:
        for tender, button in self.tender_buttons.items():
            if button.isChecked():
                return tender
        return None

    def _refresh_enabled(self) -> None:
        has_line = self._selected_line() is not None and not self._busy
        for button in (self.qty_minus, self.qty_plus, self.all_button):
            button.setEnabled(has_line)
        self.refund_button.setEnabled(
            not self._busy
            and not self._totals_pending
            and bool(self.chosen)
            and self.total_cents < 0
        )

    def _on_refund_clicked(self) -> None:
        if not self.refund_button.isEnabled() or self.ticket is None:
            return
        if self._session.can(Right.REFUND) or self._operators is None:
            self._refund(None)
            return
        dialog = ApproverDialog(
            self._operators,
            self._tasks,
            tr("Un remboursement demande l'accord d'un responsable."),
            self._lang,
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.approver_did_sign.connect(self._refund)
        dialog.finished.connect(self._on_approver_dialog_finished)
        self.approver_dialog = dialog
        dialog.open()

    def _on_approver_dialog_finished(self, _result: int) -> None:
        self.approver_dialog = None

    def _refund(self, approver: OperatorSession | None) -> None:
        ticket, tender = self.ticket, self._tender()
        if self._busy or ticket is None or tender is None or self.total_cents >= 0:
            return
        self._busy = True  # a double tap never refunds twice
        self._refresh_enabled()
        session, refunder = self._session, self._refunder
        lines: list[tuple[int, int | None]] = [(n, q) for n, q in sorted(self.chosen.items())]
        payments = [Payment(tender, self.total_cents)]
        printed = "paper" if self.print_toggle.isChecked() else "none"
        self._tasks.run(
            lambda: refunder.refund(
                session,
                ticket.ticket_no,
                lines,
                payments,
                approver=approver,
                reason=tr("Retour client"),
                printed=printed,
            ),
            self._on_refunded,
            self._on_failed,
        )

    def _on_refunded(self, result: TicketResult) -> None:
        self._busy = False
        self.refund_result = result
        self.chosen = {}
        self.total_cents = 0
        self._say(
            tr("Remboursement enregistré : ticket {number}, {total}.").format(
                number=result.number, total=format_eur(-result.total_ttc_cents)
            ),
            error=False,
        )
        self.refund_did_finish.emit(result)
        ticket = self.ticket
        if ticket is not None:
            lookup = self._lookup
            number = ticket.ticket_no
            self._tasks.run(lambda: lookup.find(number), self._reload_ticket, self._on_failed)
        self._refresh_enabled()

    def _reload_ticket(self, ticket: RefundableTicket) -> None:
        self.ticket = ticket
        self._render_lines()
        self._refresh_enabled()
