"""The sale screen: scan or type codes, see the ticket, take the tenders, finalise.

The open `Sale` lives in a `SaleDesk` that only the task runner's worker touches; the screen
sends it requests and draws the `SaleView` snapshots that come back, so the GUI thread never
reads an aggregate that the worker may be changing.

Object names: ``sale.screen``, ``sale.code_entry``, ``sale.add``, ``sale.lines``,
``sale.qty_minus``, ``sale.qty_plus``, ``sale.void_line``, ``sale.void_ticket``,
``sale.message``, ``sale.total``, ``sale.remaining``, ``sale.change``, ``sale.payments``,
``sale.remove_payment``, ``sale.amount``, ``sale.keypad.0`` … ``sale.keypad.9``,
``sale.keypad.00``, ``sale.keypad.comma``, ``sale.keypad.clear``, ``sale.keypad.back``,
``sale.note.500``, ``sale.note.1000``, ``sale.note.2000``, ``sale.note.5000``,
``sale.pay_cash``, ``sale.pay_card``, ``sale.pay_cheque``, ``sale.print_ticket``,
``sale.finalise``, ``sale.confirmation``, ``sale.confirmation.change``,
``sale.confirmation.ticket``, ``sale.confirmation.gseq``, ``sale.confirmation.signature``,
``sale.confirmation.print``, ``sale.new_sale``, ``sale.training_banner``, ``sale.status``,
``sale.park``, ``sale.parked``, ``sale.returns``; the payment panel's names (tenders, coins,
receipt choice) are listed in `caisse.ui.payment_screen`, the parked tickets' and the resume
offer's in `caisse.ui.parked_screen`, the returns screen's in `caisse.ui.returns_screen`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caisse.domain.catalog import Product, Unit
from caisse.domain.errors import InvalidQuantity, Refused
from caisse.domain.money import format_eur, parse_eur, parse_quantity
from caisse.domain.sale import Payment, Sale, SaleState, Tender
from caisse.services.catalogue import ProductHit
from caisse.services.checkout import TicketResult
from caisse.services.errors import PermissionDenied
from caisse.services.open_tickets import ParkedTicket
from caisse.services.operators import OperatorSession
from caisse.ui.catalogue_panel import CataloguePanel, unknown_code_of
from caisse.ui.dialogs import ReasonDialog
from caisse.ui.errors import show_error
from caisse.ui.i18n import tr
from caisse.ui.manager_ports import Weighing
from caisse.ui.parked_screen import (
    OpenTickets,
    ParkedScreen,
    ResumeOfferDialog,
    TicketKeeper,
    describe,
)
from caisse.ui.payment_screen import PaymentPanel, ReceiptChoice, tender_label
from caisse.ui.pin_dialog import ApproverDialog
from caisse.ui.ports import Checkout, Operators
from caisse.ui.price_dialog import PriceDialog
from caisse.ui.returns_screen import Refunder, ReturnsLookup, ReturnsScreen
from caisse.ui.search_panel import UnknownCodeNotice
from caisse.ui.tasks import TaskRunner
from caisse.ui.theme import TOUCH_MIN_PX, set_level, touch_button, two_lines
from caisse.ui.weigh_dialog import WeighDialog, WeightFromScale

logger = logging.getLogger(__name__)

QUICK_NOTES_CENTS = (500, 1000, 2000, 5000)
QTY_SEPARATOR = "*"
KEY_PX = 54
# note: the columns share the width by these stretch factors, so that a wider window widens
# each of them; their minimum widths (the payment panel's keys) keep 1024 px readable.
TICKET_STRETCH = 4
CATALOGUE_STRETCH = 3
PAYMENT_STRETCH = 4


# ---------------------------------------------------------------- snapshots for the GUI


@dataclass(frozen=True, slots=True)
class LineView:
    """One active ticket line as drawn: `n` is the sale's line number (voids included)."""

    n: int
    label: str
    qty: str
    unit_price: str
    total_cents: int
    weighed: bool


@dataclass(frozen=True, slots=True)
class PaymentView:
    """One tender taken."""

    tender: Tender
    amount_cents: int


@dataclass(frozen=True, slots=True)
class SaleView:
    """A read-only snapshot of the sale, built on the worker thread."""

    lines: tuple[LineView, ...]
    payments: tuple[PaymentView, ...]
    total_cents: int
    paid_cents: int
    remaining_cents: int
    change_cents: int
    open: bool

    @property
    def can_finalise(self) -> bool:
        """Lines to sell, tenders covering them, and still open."""
        return self.open and bool(self.lines) and self.remaining_cents == 0


EMPTY_SALE = SaleView((), (), 0, 0, 0, 0, open=True)


def format_qty(qty_milli: int, unit: Unit) -> str:
    """A quantity as the cashier reads it: ``3`` pieces, ``0,532 kg``."""
    if unit is Unit.KG:
        return f"{qty_milli / 1000:.3f}".replace(".", ",") + "\u00a0kg"
    if qty_milli % 1000 == 0:
        return str(qty_milli // 1000)
    return f"{qty_milli / 1000:g}".replace(".", ",")


def view_of(sale: Sale) -> SaleView:
    """Snapshot a sale for drawing (pure: domain reads only)."""
    totals = sale.totals
    settlement = sale.settlement
    lines = tuple(
        LineView(
            n=line.n,
            label=line.label,
            qty=format_qty(line.qty_milli, line.unit),
            unit_price=format_eur(line.unit_ttc_cents) + ("/kg" if line.unit is Unit.KG else ""),
            total_cents=computed.line_ttc_cents,
            weighed=line.unit is Unit.KG,
        )
        for line, computed in zip(sale.active_lines, totals.lines, strict=True)
    )
    return SaleView(
        lines=lines,
        payments=tuple(PaymentView(p.method, p.amount_cents) for p in sale.payments),
        total_cents=totals.total_ttc_cents,
        paid_cents=settlement.paid,
        remaining_cents=settlement.remaining,
        change_cents=settlement.change_cents,
        open=sale.state is SaleState.OPEN,
    )


@dataclass(frozen=True, slots=True)
class Finalised:
    """What the worker returns after a finalise: the record and the ticket as sold."""

    result: TicketResult
    ticket: SaleView


class SaleRecordedButUnfinished(Refused):
    """The sale was journaled, then something after the commit failed (it must not be redone)."""

    def __init__(self) -> None:
        super().__init__(
            "La vente est bien enregistrée, mais la suite (impression, tiroir) a échoué : "
            "ne la refaites pas ; réimprimez un duplicata si le client le demande.",
            "The sale is recorded, but what follows (printing, drawer) failed: do not ring "
            "it up again; reprint a duplicate if the customer asks.",
        )


class SaleDesk:
    """The open sale and the operations on it; used only from inside tasks (worker thread)."""

    def __init__(self, checkout: Checkout) -> None:
        self._checkout = checkout
        self._sale: Sale | None = None

    def _current(self) -> Sale:
        if self._sale is None or self._sale.state is not SaleState.OPEN:
            self._sale = self._checkout.new_sale()
        return self._sale

    def view(self) -> SaleView:
        return view_of(self._current())

    @property
    def sale(self) -> Sale | None:
        """The sale on screen, if one was started."""
        return self._sale

    def swap(self, sale: Sale | None) -> Sale | None:
        """Put `sale` on screen (None: a new one at the next tap); returns the one replaced."""
        old, self._sale = self._sale, sale
        return old

    def add(self, entry: str, *, typed_weight: bool = True) -> tuple[SaleView, int]:
        """Add `code` or `qty*code` (a weight in kg for a weighed item); returns the line number.

        `typed_weight=False` (a scale is configured) refuses a typed weight: the weight of a
        weighed item then comes from the scale only.

        Raises:
            UnknownProduct: no such code (nothing is added).
            InvalidQuantity: a weighed item without its weight, or a malformed quantity.
            WeightFromScale: a typed weight while the scale must be used.
        """
        sale = self._current()
        qty_text, sep, code = entry.strip().rpartition(QTY_SEPARATOR)
        code = code.strip()
        if sep:
            product = self._checkout.find_product(code)
            if product.unit is Unit.KG and not typed_weight:
                raise WeightFromScale(product.label)
            n = self._checkout.add_item(sale, code, parse_quantity(qty_text, product.unit))
        else:
            n = self._checkout.add_item(sale, code)
        return view_of(sale), n

    def void_line(self, session: OperatorSession, n: int, reason: str) -> SaleView:
        sale = self._current()
        self._checkout.void_line(session, sale, n, reason)
        return view_of(sale)

    def override_price(
        self,
        session: OperatorSession,
        n: int,
        cents: int,
        reason: str,
        approver: OperatorSession | None = None,
    ) -> SaleView:
        """Change a line's unit price. Raises PermissionDenied without the right or a manager."""
        sale = self._current()
        self._checkout.override_price(session, sale, n, cents, reason, approver)
        return view_of(sale)

    def step_quantity(self, session: OperatorSession, n: int, step: int) -> SaleView:
        """Add or remove one piece on a line.

        Raises:
            Refused: the line is sold by weight.
            InvalidQuantity: the quantity would fall to zero.
        """
        sale = self._current()
        line = sale.line(n)
        if line.unit is Unit.KG:
            raise Refused(
                "Un article au poids ne se compte pas à la pièce : annulez la ligne et "
                "pesez-le à nouveau.",
                "A weighed item is not counted by the piece: void the line and weigh it again.",
            )
        self._checkout.set_quantity(session, sale, n, line.qty_milli + step * 1000)
        return view_of(sale)

    def pay(self, tender: Tender, amount_cents: int | None) -> SaleView:
        """Take a tender; no amount means exactly what remains to pay.

        Raises:
            Refused: the ticket is empty or already settled.
            InvalidAmount, ChangeNotAllowed: from the sale's rules.
        """
        sale = self._current()
        if not sale.active_lines:
            raise Refused(
                "Le ticket est vide : scannez d'abord un article.",
                "The ticket is empty: scan an item first.",
            )
        if amount_cents is None:
            amount_cents = sale.settlement.remaining
            if amount_cents == 0:
                raise Refused("Le ticket est déjà réglé.", "The ticket is already settled.")
        sale.add_payment(Payment(tender, amount_cents))
        return view_of(sale)

    def pay_typed(self, tender: Tender, text: str) -> SaleView:
        """Take a tender of an amount typed on the keypad (empty: what remains)."""
        return self.pay(tender, parse_eur(text) if text.strip() else None)

    def remove_payment(self, index: int) -> SaleView:
        sale = self._current()
        sale.remove_payment(index)
        return view_of(sale)

    def void_ticket(self, session: OperatorSession, reason: str) -> SaleView:
        sale = self._current()
        self._checkout.void_ticket(session, sale, reason)
        return view_of(self._current())

    def finalise(self, session: OperatorSession, printed: str) -> Finalised:
        """Journal the sale and open the next one.

        Raises:
            SaleRecordedButUnfinished: the record is committed but what follows failed.
            TillBlocked, PermissionDenied, UnderPaid, ...: nothing was recorded.
        """
        sale = self._current()
        try:
            result = self._checkout.finalise(session, sale, printed=printed)
        except BaseException as exc:
            # note: finalise reopens the sale when the transaction fails; a sale still closed
            # here was committed, and ringing it up again would sell it twice.
            if sale.state is SaleState.CLOSED:
                self._sale = None
                raise SaleRecordedButUnfinished from exc
            raise
        return Finalised(result, view_of(sale))


# ---------------------------------------------------------------- the screen


class SaleScreen(QWidget):
    """Rings up one sale after another for the signed-in operator."""

    sale_did_finalise = Signal(object)
    sale_view_did_change = Signal(object)  # each SaleView drawn (the customer displays follow)
    weight_did_show = Signal(str, int, int, int)  # label, grams, price per kg, price

    def __init__(
        self, checkout: Checkout, tasks: TaskRunner, lang: str = "fr", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sale.screen")
        self._checkout = checkout
        self._tasks = tasks
        self._lang = lang
        self._desk = SaleDesk(checkout)
        self._session: OperatorSession | None = None
        self._view = EMPTY_SALE
        self._finalising = False
        self._amount = ""
        self._last_ticket = ""
        self.reason_dialog: ReasonDialog | None = None
        self.keypad: dict[str, QPushButton] = {}
        self.notes: dict[int, QPushButton] = {}
        # the scale (set by the main window when one is configured): weighed items are then
        # weighed on it, and a typed weight is refused
        self.weighing: Weighing | None = None
        self.weigh_dialog: WeighDialog | None = None
        self.price_dialog: PriceDialog | None = None
        self.approver_dialog: ApproverDialog | None = None
        # open and parked tickets, returns (set by `use_ticket_services`)
        self._raw_tasks = tasks
        self.open_tickets: OpenTickets | None = None
        self._keeper: TicketKeeper | None = None
        self._returns: ReturnsLookup | None = None
        self._refunder: Refunder | None = None
        self._operators: Operators | None = None
        self._resume_offered = False
        self._receipt = ReceiptChoice("none")
        self.parked_screen: ParkedScreen | None = None
        self.returns_screen: ReturnsScreen | None = None
        self.resume_dialog: ResumeOfferDialog | None = None

        self.catalogue_panel: CataloguePanel | None = None
        columns = QHBoxLayout()
        columns.setSpacing(10)
        columns.addLayout(self._build_ticket_column(), TICKET_STRETCH)
        payment = QWidget()
        payment.setLayout(self._build_payment_column())
        columns.addWidget(payment, PAYMENT_STRETCH)
        self._columns = columns  # `attach_catalogue` puts the tiles in the middle
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(6)
        layout.addLayout(columns, 1)
        layout.addLayout(self._build_status_row())
        self._render(EMPTY_SALE)

    # ------------------------------------------------------------ building

    def _build_ticket_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(8)
        self.training_banner = QLabel("")
        self.training_banner.setObjectName("sale.training_banner")
        self.training_banner.setProperty("role", "banner")
        self.training_banner.setWordWrap(True)
        self.training_banner.setVisible(False)
        column.addWidget(self.training_banner)

        entry_row = QHBoxLayout()
        self.code_entry = QLineEdit()
        self.code_entry.setObjectName("sale.code_entry")
        self.code_entry.setPlaceholderText(self.tr("Scannez ou tapez un code"))
        # note: a smaller font than other fields, so that the hint fits the 1024 px column
        self.code_entry.setProperty("role", "entry")
        self.code_entry.setMinimumHeight(TOUCH_MIN_PX + 8)
        self.code_entry.returnPressed.connect(self._on_code_entry_return_pressed)
        self.add_button = touch_button(self.tr("Ajouter"), "sale.add", min_height=TOUCH_MIN_PX + 8)
        self.add_button.clicked.connect(self._on_code_entry_return_pressed)
        entry_row.addWidget(self.code_entry, 1)
        entry_row.addWidget(self.add_button)
        column.addLayout(entry_row)

        self.message = QLabel("")
        self.message.setObjectName("sale.message")
        self.message.setProperty("role", "message")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        column.addWidget(self.message)
        self.unknown_code = UnknownCodeNotice()
        self.unknown_code.search_did_request.connect(self._on_unknown_code_search_did_request)
        column.addWidget(self.unknown_code)

        self.lines_table = QTableWidget(0, 4)
        self.lines_table.setObjectName("sale.lines")
        self.lines_table.setHorizontalHeaderLabels(
            [self.tr("Article"), self.tr("Qté"), self.tr("Prix unit."), self.tr("Total")]
        )
        header = self.lines_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.lines_table.verticalHeader().setVisible(False)
        self.lines_table.verticalHeader().setDefaultSectionSize(46)
        self.lines_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lines_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lines_table.setWordWrap(False)
        self.lines_table.itemSelectionChanged.connect(self._on_lines_table_item_selection_changed)
        column.addWidget(self.lines_table, 1)

        line_row = QHBoxLayout()
        self.qty_minus_button = touch_button(self.tr("Qté −"), "sale.qty_minus", role="key")
        self.qty_minus_button.clicked.connect(lambda: self._on_qty_clicked(-1))
        self.qty_plus_button = touch_button(self.tr("Qté +"), "sale.qty_plus", role="key")
        self.qty_plus_button.clicked.connect(lambda: self._on_qty_clicked(1))
        self.void_line_button = touch_button(
            self.tr("Annuler la ligne"), "sale.void_line", role="danger"
        )
        self.void_line_button.clicked.connect(self._on_void_line_clicked)
        self.override_price_button = touch_button(self.tr("Prix"), "sale.override_price")
        self.override_price_button.clicked.connect(self._on_override_price_clicked)
        self.void_ticket_button = touch_button(
            self.tr("Annuler le ticket"), "sale.void_ticket", role="danger"
        )
        self.void_ticket_button.clicked.connect(self._on_void_ticket_clicked)
        for button in (self.qty_minus_button, self.qty_plus_button, self.override_price_button):
            line_row.addWidget(button)
        column.addLayout(line_row)
        column.addLayout(self._build_ticket_actions())
        return column

    def _build_ticket_actions(self) -> QGridLayout:
        """Voids, parking and returns: two per row, their labels on two lines.

        note: the ticket column is under 400 px wide at 1024 px; three of these labels on one
        line side by side were cut at 1280 px already. The table above gives up the height.
        """
        grid = QGridLayout()
        grid.setSpacing(6)
        for button in (self.void_line_button, self.void_ticket_button):
            button.setText(two_lines(button.text()))
        self.park_button = touch_button(two_lines(tr("Mettre en attente")), "sale.park")
        self.park_button.clicked.connect(self._on_park_clicked)
        self.parked_button = touch_button(tr("Tickets en attente"), "sale.parked")
        self.parked_button.clicked.connect(self._on_parked_clicked)
        self.returns_button = touch_button(two_lines(tr("Retour / remboursement")), "sale.returns")
        self.returns_button.clicked.connect(self._on_returns_clicked)
        grid.addWidget(self.void_line_button, 0, 0)
        grid.addWidget(self.void_ticket_button, 0, 1)
        grid.addWidget(self.park_button, 1, 0)
        grid.addWidget(self.returns_button, 1, 1)
        grid.addWidget(self.parked_button, 2, 0, 1, 2)
        for button in (self.park_button, self.parked_button, self.returns_button):
            button.setVisible(False)  # shown by use_ticket_services
        return grid

    def _build_status_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(24)
        self.status_label = QLabel("")
        self.status_label.setObjectName("sale.status")
        self.status_label.setProperty("role", "status")
        # note: Ignored, so that a long status never widens the window past the screen.
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        hint = QLabel(self.tr("Quantité : 3*code · poids : 0,532*code"))
        hint.setProperty("role", "status")
        row.addWidget(self.status_label, 1)
        row.addWidget(hint)
        return row

    def _big_label(self, name: str, role: str) -> QLabel:
        label = QLabel(format_eur(0))
        label.setObjectName(name)
        label.setProperty("role", role)
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return label

    def _caption(self, text: str) -> QLabel:
        caption = QLabel(text)
        caption.setProperty("role", "caption")
        return caption

    def _build_payment_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(8)

        total_panel = QFrame()
        total_panel.setProperty("role", "panel")
        total_grid = QGridLayout(total_panel)
        total_grid.setContentsMargins(12, 4, 12, 4)
        total_grid.setVerticalSpacing(0)
        self.total_label = self._big_label("sale.total", "total")
        self.remaining_label = self._big_label("sale.remaining", "big")
        self.change_label = self._big_label("sale.change", "big")
        total_grid.addWidget(self._caption(self.tr("TOTAL À PAYER")), 0, 0, 1, 2)
        total_grid.addWidget(self.total_label, 1, 0, 1, 2)
        total_grid.addWidget(self._caption(self.tr("Reste à payer")), 2, 0)
        total_grid.addWidget(self._caption(self.tr("À rendre")), 2, 1)
        total_grid.addWidget(self.remaining_label, 3, 0)
        total_grid.addWidget(self.change_label, 3, 1)
        column.addWidget(total_panel)

        self.right_stack = QStackedWidget()
        self.right_stack.addWidget(self._build_tender_panel())
        self.right_stack.addWidget(self._build_confirmation_panel())
        column.addWidget(self.right_stack, 1)
        return column

    def _build_tender_panel(self) -> QWidget:
        panel = PaymentPanel()
        panel.tender_did_choose.connect(self._pay_typed)
        panel.cash_did_hand.connect(lambda cents: self._pay(Tender.CASH, cents))
        panel.payment_did_remove.connect(self._on_remove_payment)
        panel.finalise_did_request.connect(self._on_finalise_clicked)
        self.payment = panel
        # the widgets under the names the screen always had
        self.keypad = panel.keypad
        self.notes = panel.notes
        self.payments_list = panel.payments_list
        self.remove_payment_button = panel.remove_payment_button
        self.amount_display = panel.amount_display
        self.print_toggle = panel.print_toggle
        self.pay_cash_button = panel.tenders[Tender.CASH]
        self.pay_card_button = panel.tenders[Tender.CARD]
        self.pay_cheque_button = panel.tenders[Tender.CHEQUE]
        self.finalise_button = panel.finalise_button
        return panel

    def _build_confirmation_panel(self) -> QWidget:
        panel = QFrame()
        panel.setObjectName("sale.confirmation")
        panel.setProperty("role", "panel")
        box = QVBoxLayout(panel)
        box.setContentsMargins(16, 12, 16, 12)
        title = QLabel(self.tr("Vente enregistrée"))
        title.setProperty("role", "message")
        set_level(title, "info")
        box.addWidget(title)
        box.addWidget(self._caption(self.tr("Monnaie à rendre")))
        self.confirm_change = self._big_label("sale.confirmation.change", "total")
        box.addWidget(self.confirm_change)
        self.confirm_ticket = QLabel("")
        self.confirm_ticket.setObjectName("sale.confirmation.ticket")
        self.confirm_ticket.setProperty("role", "big")
        self.confirm_ticket.setWordWrap(True)  # "Ticket" over its number in a 1024 px window
        self.confirm_gseq = QLabel("")
        self.confirm_gseq.setObjectName("sale.confirmation.gseq")
        self.confirm_signature = QLabel("")
        self.confirm_signature.setObjectName("sale.confirmation.signature")
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.confirm_signature.setFont(mono)
        self.confirm_signature.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.confirm_print = QLabel("")
        self.confirm_print.setObjectName("sale.confirmation.print")
        self.confirm_print.setWordWrap(True)
        for label in (
            self.confirm_ticket,
            self.confirm_gseq,
            self.confirm_signature,
            self.confirm_print,
        ):
            box.addWidget(label)
        box.addStretch(1)
        self.new_sale_button = touch_button(
            self.tr("Nouvelle vente"), "sale.new_sale", role="primary", min_height=72
        )
        self.new_sale_button.clicked.connect(self._on_new_sale_clicked)
        box.addWidget(self.new_sale_button)
        return panel

    # ------------------------------------------------------------ life cycle

    @property
    def session(self) -> OperatorSession | None:
        return self._session

    @property
    def view(self) -> SaleView:
        """The last snapshot drawn."""
        return self._view

    @property
    def confirming(self) -> bool:
        """Whether the confirmation of the last sale is on screen."""
        return self.right_stack.currentIndex() == 1

    def start(self, session: OperatorSession) -> None:
        """Sell as `session`; the open sale, if any, is kept (a lock does not lose it)."""
        self._session = session
        self._update_status()
        self._refresh_enabled()  # the code entry takes scans at once, before the view is back
        self._tasks.run(self._desk.view, self._render, self._on_task_failed)
        self._tasks.run(
            self._checkout.training_supervisor, self._on_training_loaded, self._on_task_failed
        )
        if self.catalogue_panel is not None:
            self.catalogue_panel.start()
        self.code_entry.setFocus()
        if self.open_tickets is not None and not self._resume_offered:
            self._resume_offered = True
            self._tasks.run(self.open_tickets.interrupted, self._offer_resume, self._on_task_failed)
        self._count_parked()

    def use_ticket_services(
        self,
        open_tickets: OpenTickets,
        returns: ReturnsLookup | None = None,
        refunder: Refunder | None = None,
        operators: Operators | None = None,
    ) -> None:
        """Keep the ticket on screen saved, offer parking, and returns (wired by the app).

        From now on every task saves the open sale on the worker when it changed, so a
        parked or interrupted ticket survives a restart of the till.
        """
        self.open_tickets = open_tickets
        self._keeper = TicketKeeper(self._desk, open_tickets)
        self._tasks = self._keeper.wrap(self._raw_tasks, lambda: self._session)
        self._returns, self._refunder, self._operators = returns, refunder, operators
        self.park_button.setVisible(True)
        self.parked_button.setVisible(True)
        self.returns_button.setVisible(returns is not None and refunder is not None)
        self._refresh_enabled()

    def stop(self) -> None:
        """The operator left (lock or sign-out): nothing may be rung up until the next one."""
        self._session = None
        self._close_dialog()
        self._refresh_enabled()

    def _on_training_loaded(self, supervisor: str | None) -> None:
        if supervisor:
            self.training_banner.setText(
                self.tr(
                    "MODE ÉCOLE : ces tickets ne sont pas des ventes (responsable : {who})."
                ).format(who=supervisor)
            )
        self.training_banner.setVisible(bool(supervisor))

    def _update_status(self) -> None:
        # note: the sync link and the printer are in the window's status bar (status_bar.py)
        self.status_label.setText(self._last_ticket)

    # ------------------------------------------------------------ drawing

    def _render(self, view: SaleView, select_n: int | None = None) -> None:
        keep = select_n if select_n is not None else self._selected_line()
        self._view = view
        table = self.lines_table
        table.setRowCount(len(view.lines))
        for row, line in enumerate(view.lines):
            cells = (line.label, line.qty, line.unit_price, format_eur(line.total_cents))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, line.n)
                if col:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                table.setItem(row, col, item)
        rows = {line.n: row for row, line in enumerate(view.lines)}
        if keep in rows and view.open:
            table.selectRow(rows[keep])
            first = table.item(rows[keep], 0)
            if first is not None:
                table.scrollToItem(first)
        else:
            table.clearSelection()
        self.total_label.setText(format_eur(view.total_cents))
        self.remaining_label.setText(format_eur(view.remaining_cents))
        self.change_label.setText(format_eur(view.change_cents))
        self.payment.show_payments([(p.tender, p.amount_cents) for p in view.payments])
        self._refresh_enabled()
        self.sale_view_did_change.emit(view)

    def _tender_label(self, tender: Tender) -> str:
        return tender_label(tender)

    def _refresh_enabled(self) -> None:
        view = self._view
        ready = self._session is not None and not self._finalising
        has_lines = bool(view.lines) and view.open
        selected = self._selected_line() is not None
        self.code_entry.setEnabled(self._session is not None)
        self.add_button.setEnabled(self._session is not None)
        for button in (
            self.qty_minus_button,
            self.qty_plus_button,
            self.void_line_button,
            self.override_price_button,
        ):
            button.setEnabled(ready and has_lines and selected)
        self.void_ticket_button.setEnabled(
            ready and view.open and (has_lines or bool(view.payments))
        )
        self.payment.set_state(
            ready=ready,
            has_lines=has_lines,
            has_payments=view.open and bool(view.payments),
            can_finalise=view.can_finalise,
        )
        self.park_button.setEnabled(ready and has_lines)
        self.parked_button.setEnabled(ready)
        self.returns_button.setEnabled(ready)

    def _selected_line(self) -> int | None:
        rows = self.lines_table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.lines_table.item(rows[0].row(), 0)
        if item is None:
            return None
        value = item.data(Qt.ItemDataRole.UserRole)
        return int(value) if value is not None else None

    def _leave_confirmation(self) -> None:
        self.right_stack.setCurrentIndex(0)

    # ------------------------------------------------------------ messages

    def show_message(self, text: str, *, error: bool = True) -> None:
        """Show one sentence above the ticket (red for an error)."""
        self.message.setText(text)
        set_level(self.message, "error" if error else "info")
        self.message.setVisible(True)

    def clear_message(self) -> None:
        self.message.setText("")
        self.message.setVisible(False)
        self.unknown_code.dismiss()

    def _on_task_failed(self, exc: BaseException) -> None:
        code = unknown_code_of(exc)
        if code is not None and self.catalogue_panel is not None:
            self._offer_search(code)
            return
        QApplication.beep()  # the cashier looks at the customer, not the screen, when scanning
        show_error(self, exc, self._lang)
        self._refresh_enabled()
        self.code_entry.setFocus()

    # ------------------------------------------------------------ catalogue

    def attach_catalogue(self, panel: CataloguePanel) -> None:
        """Show the catalogue (search, category tabs, tiles) between ticket and payment."""
        self.catalogue_panel = panel
        # note: the ticket and the payment keys keep the larger shares (see the stretches).
        self._columns.insertWidget(1, panel, CATALOGUE_STRETCH)
        panel.product_did_choose.connect(self._on_catalogue_product_did_choose)
        panel.task_did_fail.connect(self._on_task_failed)

    def _on_catalogue_product_did_choose(self, hit: ProductHit) -> None:
        """A tapped tile is rung up as if its sku were scanned.

        A typed "3*" applies; a weighed product goes to the scale, or asks for its weight.
        """
        if self._session is None or self._finalising:
            return
        typed = self.code_entry.text().strip()
        prefix = typed if typed.endswith(QTY_SEPARATOR) else ""
        self.code_entry.setText(prefix + hit.sku)
        self._on_code_entry_return_pressed()

    def _offer_search(self, code: str) -> None:
        """An unknown code: say so, add nothing, and offer to search for it instead."""
        QApplication.beep()
        self.clear_message()
        self.unknown_code.offer(code)
        self._refresh_enabled()
        self.code_entry.setFocus()

    def _on_unknown_code_search_did_request(self, code: str) -> None:
        if self.catalogue_panel is not None:
            self.catalogue_panel.search_for(code)

    # ------------------------------------------------------------ lines

    def _on_code_entry_return_pressed(self) -> None:
        entry = self.code_entry.text().strip()
        self.code_entry.clear()
        self.code_entry.setFocus()
        if not entry or self._session is None:
            return
        self.clear_message()
        typed = self.weighing is None
        self._tasks.run(
            lambda: self._desk.add(entry, typed_weight=typed),
            self._on_item_added,
            lambda exc: self._on_add_failed(entry, exc),
        )

    def _on_add_failed(self, entry: str, exc: BaseException) -> None:
        """A weighed item scanned without a weight goes to the scale, when there is one."""
        if (
            isinstance(exc, InvalidQuantity)
            and self.weighing is not None
            and QTY_SEPARATOR not in entry
        ):
            self._tasks.run(
                lambda: self._checkout.find_product(entry), self._weigh, self._on_task_failed
            )
            return
        self._on_task_failed(exc)

    def _weigh(self, product: Product) -> None:
        """Open the scale dialog for `product`; its weight is shown before it is used."""
        weighing = self.weighing
        if weighing is None or self._session is None:
            return
        self._close_dialog()
        dialog = WeighDialog(
            weighing, self._tasks, product.label, product.price_ttc_cents, self._lang, self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.weight_did_show.connect(self.weight_did_show)
        dialog.weight_did_choose.connect(lambda grams: self._add_weighed(product.sku, grams))
        dialog.finished.connect(self._on_weigh_dialog_finished)
        self.weigh_dialog = dialog
        dialog.start()

    def _on_weigh_dialog_finished(self, _result: int) -> None:
        self.weigh_dialog = None
        self.code_entry.setFocus()

    def _add_weighed(self, sku: str, grams: int) -> None:
        entry = f"{grams / 1000:.3f}{QTY_SEPARATOR}{sku}"
        self._tasks.run(lambda: self._desk.add(entry), self._on_item_added, self._on_task_failed)

    def _on_item_added(self, outcome: tuple[SaleView, int]) -> None:
        view, n = outcome
        self._leave_confirmation()
        self._render(view, select_n=n)

    def _on_lines_table_item_selection_changed(self) -> None:
        self._refresh_enabled()

    def _on_qty_clicked(self, step: int) -> None:
        n, session = self._selected_line(), self._session
        if n is None or session is None or self._finalising:
            return
        self.clear_message()
        self._tasks.run(
            lambda: self._desk.step_quantity(session, n, step),
            lambda view: self._render(view, select_n=n),
            self._on_task_failed,
        )

    def _ask_reason(self, title: str, question: str, presets: list[str]) -> ReasonDialog:
        self._close_dialog()
        dialog = ReasonDialog(title, question, presets, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.finished.connect(self._on_reason_dialog_finished)
        self.reason_dialog = dialog
        dialog.open()
        return dialog

    def _on_reason_dialog_finished(self, _result: int) -> None:
        self.reason_dialog = None
        self.code_entry.setFocus()

    def _close_dialog(self) -> None:
        if self.reason_dialog is not None:
            self.reason_dialog.reject()
            self.reason_dialog = None
        if self.weigh_dialog is not None:
            self.weigh_dialog.reject()
            self.weigh_dialog = None
        for screen in (self.parked_screen, self.returns_screen, self.resume_dialog):
            if screen is not None:
                screen.reject()
        self.parked_screen = self.returns_screen = None
        self.resume_dialog = None

    def _on_override_price_clicked(self) -> None:
        n = self._selected_line()
        if n is None or self._session is None or self._finalising:
            return
        line = next((li for li in self._view.lines if li.n == n), None)
        if line is None:
            return
        self._close_dialog()
        dialog = PriceDialog(line.label, line.unit_price, self._lang, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.price_did_choose.connect(lambda cents, reason: self._override(n, cents, reason))
        dialog.finished.connect(self._on_price_dialog_finished)
        self.price_dialog = dialog
        dialog.open()

    def _on_price_dialog_finished(self, _result: int) -> None:
        self.price_dialog = None

    def _override(
        self, n: int, cents: int, reason: str, approver: OperatorSession | None = None
    ) -> None:
        """Send the new price; without the right, a manager's PIN is asked, then it is resent."""
        session = self._session
        if session is None:
            return

        def refused(exc: BaseException) -> None:
            if isinstance(exc, PermissionDenied) and approver is None and self._operators:
                dialog = ApproverDialog(
                    self._operators,
                    self._raw_tasks,
                    tr("Changer un prix demande un responsable."),
                    self._lang,
                    self,
                )
                dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
                dialog.approver_did_sign.connect(
                    lambda manager: self._override(n, cents, reason, manager)
                )
                self.approver_dialog = dialog
                dialog.open()
                return
            self._on_task_failed(exc)

        self._tasks.run(
            lambda: self._desk.override_price(session, n, cents, reason, approver),
            lambda view: self._render(view, select_n=n),
            refused,
        )

    def _on_void_line_clicked(self) -> None:
        n = self._selected_line()
        if n is None or self._session is None or self._finalising:
            return
        label = next((line.label for line in self._view.lines if line.n == n), "")
        dialog = self._ask_reason(
            self.tr("Annuler une ligne"),
            self.tr("Pourquoi annuler «\u00a0{label}\u00a0»\u00a0?").format(label=label),
            [
                self.tr("Erreur de saisie"),
                self.tr("Le client renonce"),
                self.tr("Article défectueux"),
                self.tr("Prix contesté"),
            ],
        )
        dialog.reason_did_choose.connect(lambda reason: self._void_line(n, reason))

    def _void_line(self, n: int, reason: str) -> None:
        session, weighing = self._session, self.weighing
        if session is None:
            return
        weighed = any(line.n == n and line.weighed for line in self._view.lines)

        def void() -> SaleView:
            view = self._desk.void_line(session, n, reason)
            if weighed and weighing is not None:
                weighing.release()  # the voided weighing may be weighed again
            return view

        self._tasks.run(void, self._render, self._on_task_failed)

    def _on_void_ticket_clicked(self) -> None:
        if self._session is None or self._finalising:
            return
        dialog = self._ask_reason(
            self.tr("Annuler le ticket"),
            self.tr("Pourquoi abandonner tout le ticket ?"),
            [
                self.tr("Le client renonce"),
                self.tr("Moyen de paiement refusé"),
                self.tr("Erreur de saisie"),
                self.tr("Client parti"),
            ],
        )
        dialog.reason_did_choose.connect(self._void_ticket)

    def _void_ticket(self, reason: str) -> None:
        session = self._session
        if session is None:
            return
        self.payment.reset()
        self._tasks.run(
            lambda: self._desk.void_ticket(session, reason),
            self._on_ticket_voided,
            self._on_task_failed,
        )

    def _on_ticket_voided(self, view: SaleView) -> None:
        self._render(view)
        self.show_message(self.tr("Ticket annulé."), error=False)

    # ------------------------------------------------------------ tenders

    def _pay_typed(self, tender: Tender, amount: str) -> None:
        if self._session is None or self._finalising:
            return
        self.clear_message()
        self._tasks.run(
            lambda: self._desk.pay_typed(tender, amount), self._render, self._on_task_failed
        )
        self._refresh_enabled()

    def _pay(self, tender: Tender, cents: int) -> None:
        if self._session is None or self._finalising:
            return
        self.clear_message()
        self._tasks.run(lambda: self._desk.pay(tender, cents), self._render, self._on_task_failed)

    def _on_remove_payment(self, index: int) -> None:
        if self._session is None or self._finalising or not self._view.payments:
            return
        self._tasks.run(
            lambda: self._desk.remove_payment(index), self._render, self._on_task_failed
        )

    # ------------------------------------------------------------ finalising

    def _on_finalise_clicked(self, choice: ReceiptChoice | None = None) -> None:
        session = self._session
        # note: a double tap must never journal two sales; the button is disabled at once and
        # the flag refuses any click that was already queued.
        if self._finalising or session is None or not self._view.can_finalise:
            return
        choice = choice or self.payment.receipt_choice()
        if choice.channel == "email" and (not choice.email or self.open_tickets is None):
            self.show_message(
                tr("Tapez l'adresse e-mail du client, ou choisissez un autre ticket.")
            )
            return
        self._finalising = True
        self.finalise_button.setEnabled(False)
        self._refresh_enabled()
        self._receipt = choice
        printed = choice.channel
        self._tasks.run(
            lambda: self._desk.finalise(session, printed),
            self._on_finalised,
            self._on_finalise_failed,
        )

    def _on_finalised(self, done: Finalised) -> None:
        self._finalising = False
        result = done.result
        receipt, self._receipt = self._receipt, ReceiptChoice("none")
        self.payment.reset()
        self._render(done.ticket)
        self.confirm_change.setText(format_eur(result.change_cents))
        self.confirm_ticket.setText(self.tr("Ticket {number}").format(number=result.number))
        self.confirm_gseq.setText(
            self.tr("Enregistrement n° {gseq} (gseq)").format(gseq=result.gseq)
        )
        self.confirm_signature.setText(
            self.tr("Signature : {extract}").format(extract=result.extract)
        )
        if result.print_error:
            text = self.tr(
                "Ticket non imprimé ({error}) : la vente est enregistrée ; réimprimez un duplicata."
            ).format(error=result.print_error)
        elif result.printed:
            text = self.tr("Ticket imprimé.")
        elif receipt.channel == "email":
            text = tr("Ticket à envoyer par e-mail à {address} (en file d'attente).").format(
                address=receipt.email
            )
            self._queue_email(result, receipt.email)
        else:
            text = self.tr("Ticket non imprimé (sur demande du client seulement).")
        if result.drawer_error:
            text += " " + tr("Le tiroir ne s'est pas ouvert ({error}).").format(
                error=result.drawer_error
            )
        self.confirm_print.setText(text)
        self._last_ticket = self.tr("Dernier ticket : {number}, rendu {change}").format(
            number=result.number, change=format_eur(result.change_cents)
        )
        self._update_status()
        self.right_stack.setCurrentIndex(1)
        self._refresh_enabled()
        self.sale_did_finalise.emit(result)
        self.code_entry.setFocus()

    def _on_finalise_failed(self, exc: BaseException) -> None:
        self._finalising = False
        show_error(self, exc, self._lang)
        self._tasks.run(self._desk.view, self._render, self._on_task_failed)

    def _on_new_sale_clicked(self) -> None:
        self._leave_confirmation()
        self.clear_message()
        self._tasks.run(self._desk.view, self._render, self._on_task_failed)
        self.code_entry.setFocus()

    # ------------------------------------------------------------ parked tickets and returns

    def _queue_email(self, result: TicketResult, address: str) -> None:
        tickets = self.open_tickets
        if tickets is not None:
            self._tasks.run(
                lambda: tickets.queue_receipt_email(result.gseq, result.number, address),
                _ignore,
                self._on_task_failed,
            )

    def _offer_resume(self, ticket: ParkedTicket | None) -> None:
        """At the first sign-in: the till stopped in the middle of this ticket."""
        if ticket is None or self._session is None or self._view.lines:
            return
        self._close_dialog()
        dialog = ResumeOfferDialog(ticket, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.resume_did_choose.connect(lambda: self._on_resume_answered(ticket.id, True))
        dialog.later_did_choose.connect(lambda: self._on_resume_answered(ticket.id, False))
        self.resume_dialog = dialog
        dialog.open()

    def _on_resume_answered(self, ticket_id: str, resume: bool) -> None:
        self.resume_dialog = None
        keeper, session = self._keeper, self._session
        if keeper is None or session is None:
            return
        if resume:
            self._tasks.run(
                lambda: self._resume_and_view(keeper, session, ticket_id),
                self._on_ticket_resumed,
                self._on_task_failed,
            )
        else:
            self._tasks.run(
                lambda: keeper.set_aside(session, ticket_id),
                self._on_ticket_set_aside,
                self._on_task_failed,
            )

    def _resume_and_view(
        self, keeper: TicketKeeper, session: OperatorSession, ticket_id: str
    ) -> SaleView:
        keeper.resume(session, ticket_id)
        return self._desk.view()

    def _on_ticket_set_aside(self, parked: ParkedTicket) -> None:
        self.show_message(
            tr("Ticket mis en attente : {what}.").format(what=describe(parked)), error=False
        )
        self._count_parked()

    def _count_parked(self) -> None:
        """Show on the button how many tickets wait, so that none is forgotten."""
        tickets = self.open_tickets
        if tickets is not None:
            self._tasks.run(lambda: len(tickets.parked()), self._show_parked_count, _ignore)

    def _show_parked_count(self, count: int) -> None:
        self.parked_button.setText(
            tr("Tickets en attente ({count})").format(count=count)
            if count
            else tr("Tickets en attente")
        )

    def _on_ticket_resumed(self, view: SaleView) -> None:
        self._leave_confirmation()
        self._render(view)
        self.show_message(tr("Ticket repris."), error=False)
        self.code_entry.setFocus()

    def _on_park_clicked(self) -> None:
        keeper, session = self._keeper, self._session
        if keeper is None or session is None or self._finalising:
            return
        self.clear_message()
        self.payment.reset()
        self._tasks.run(
            lambda: (keeper.park(session), self._desk.view()),
            self._on_parked,
            self._on_task_failed,
        )

    def _on_parked(self, outcome: tuple[ParkedTicket, SaleView]) -> None:
        parked, view = outcome
        self._leave_confirmation()
        self._render(view)
        self._on_ticket_set_aside(parked)
        self.code_entry.setFocus()

    def _on_parked_clicked(self) -> None:
        keeper, tickets, session = self._keeper, self.open_tickets, self._session
        if keeper is None or tickets is None or session is None or self._finalising:
            return
        self._close_dialog()
        screen = ParkedScreen(keeper, tickets, self._tasks, session, self._lang, self)
        screen.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        screen.ticket_did_resume.connect(self._on_parked_screen_ticket_did_resume)
        screen.finished.connect(self._on_parked_screen_finished)
        self.parked_screen = screen
        screen.open()

    def _on_parked_screen_ticket_did_resume(self, set_aside: ParkedTicket | None) -> None:
        def shown(view: SaleView) -> None:
            self._on_ticket_resumed(view)
            if set_aside is not None:
                self.show_message(
                    tr("Ticket repris ; le ticket en cours est mis en attente ({what}).").format(
                        what=describe(set_aside)
                    ),
                    error=False,
                )

        self._tasks.run(self._desk.view, shown, self._on_task_failed)

    def _on_parked_screen_finished(self, _result: int) -> None:
        self.parked_screen = None
        self.code_entry.setFocus()
        self._count_parked()

    def _on_returns_clicked(self) -> None:
        returns, refunder, session = self._returns, self._refunder, self._session
        if returns is None or refunder is None or session is None or self._finalising:
            return
        self._close_dialog()
        screen = ReturnsScreen(
            returns, refunder, self._operators, self._tasks, session, self._lang, self
        )
        screen.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        screen.finished.connect(self._on_returns_screen_finished)
        self.returns_screen = screen
        screen.open()

    def _on_returns_screen_finished(self, _result: int) -> None:
        self.returns_screen = None
        self.code_entry.setFocus()

    # ------------------------------------------------------------ keyboard

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Keys typed anywhere on the screen go to the code entry (keyboard-wedge scanners)."""
        if self.code_entry.isEnabled() and not self.code_entry.hasFocus() and event.text():
            self.code_entry.setFocus()
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._on_code_entry_return_pressed()
            elif event.text().isprintable():
                self.code_entry.insert(event.text())
            return
        super().keyPressEvent(event)


def _ignore(_value: object) -> None:
    """A task result nobody needs."""
