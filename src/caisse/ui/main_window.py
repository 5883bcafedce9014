"""The till's window: start-up checks, then login → sale, with a lock button back to login.

Object names of every interactive widget of the till (the screens list theirs too):

- window: ``main.window``, ``main.stack``, ``main.alarm`` (blocking alert banner),
  ``main.operator``, ``main.manager`` (opens the manager menu), ``main.lock``;
- status bar (`caisse.ui.status_bar`): ``status.bar``, ``status.sync``, ``status.printer``,
  ``status.training``;
- manager menu (`caisse.ui.manager_menu`, its docstring lists every name): ``manager.menu``,
  ``manager.nav.<page>``, ``manager.x.*``, ``manager.close_*``, ``manager.cash.*``,
  ``manager.reprint.*``, ``manager.training.*``, ``manager.queue.*``, ``manager.back``…;
- manager PIN (`caisse.ui.pin_dialog`): ``approver.dialog``, ``approver.operator.<id>``,
  ``approver.pin_pad.<digit>``, ``approver.ok``, ``approver.cancel``, ``approver.message``;
- price override (`caisse.ui.price_dialog`, opened by ``sale.override_price``):
  ``price.dialog``, ``price.amount``, ``price.key.<digit>``, ``price.key.comma``,
  ``price.key.back``, ``price.reason.<i>``, ``price.cancel``;
- weighing (`caisse.ui.weigh_dialog`): ``weigh.dialog``, ``weigh.weight``, ``weigh.reason``,
  ``weigh.read``, ``weigh.use``, ``weigh.cancel``;
- customer display window (`caisse.ui.customer_display`): ``customer.window``,
  ``customer.top``, ``customer.bottom``, ``customer.total``;
- login (`caisse.ui.login`): ``login.screen``, ``login.operator.<id>``, ``login.selected``,
  ``login.pin_display``, ``login.pin_pad.0`` … ``login.pin_pad.9``, ``login.pin_pad.clear``,
  ``login.pin_pad.back``, ``login.pin_pad.ok``, ``login.message``, ``login.loading``;
- sale (`caisse.ui.sale_screen`): ``sale.screen``, ``sale.code_entry``, ``sale.add``,
  ``sale.lines``, ``sale.qty_minus``, ``sale.qty_plus``, ``sale.void_line``,
  ``sale.void_ticket``, ``sale.message``, ``sale.total``, ``sale.remaining``, ``sale.change``,
  ``sale.payments``, ``sale.remove_payment``, ``sale.amount``, ``sale.keypad.0`` …
  ``sale.keypad.9``, ``sale.keypad.00``, ``sale.keypad.comma``, ``sale.keypad.clear``,
  ``sale.keypad.back``, ``sale.note.500``, ``sale.note.1000``, ``sale.note.2000``,
  ``sale.note.5000``, ``sale.pay_cash``, ``sale.pay_card``, ``sale.pay_cheque``,
  ``sale.print_ticket``, ``sale.finalise``, ``sale.confirmation``,
  ``sale.confirmation.change``, ``sale.confirmation.ticket``, ``sale.confirmation.gseq``,
  ``sale.confirmation.signature``, ``sale.confirmation.print``, ``sale.new_sale``,
  ``sale.training_banner``, ``sale.status``, ``sale.park``, ``sale.parked``, ``sale.returns``;
- payment panel (`caisse.ui.payment_screen`, in the sale screen; the ``sale.*`` names above
  and): ``sale.payment_panel``, ``sale.coin.100``, ``sale.coin.200``,
  ``sale.pay_meal_voucher``, ``sale.pay_gift_voucher``, ``sale.pay_credit_note``,
  ``sale.receipt.none``, ``sale.receipt.email``, ``sale.receipt.email_address``;
- parked tickets (`caisse.ui.parked_screen`): ``parked.screen``, ``parked.list``,
  ``parked.resume``, ``parked.discard``, ``parked.close``, ``parked.message``,
  ``parked.empty``; resume offer after a stop mid-ticket: ``resume.dialog``, ``resume.text``,
  ``resume.yes``, ``resume.later``;
- returns (`caisse.ui.returns_screen`): ``returns.screen``, ``returns.search``,
  ``returns.find``, ``returns.date``, ``returns.by_date``, ``returns.tickets``,
  ``returns.original``, ``returns.lines``, ``returns.qty_minus``, ``returns.qty_plus``,
  ``returns.all``, ``returns.total``, ``returns.tender.<TENDER>``, ``returns.print``,
  ``returns.refund``, ``returns.message``, ``returns.close``;
- catalogue (`caisse.ui.catalogue_panel`, `caisse.ui.search_panel`, `caisse.ui.product_grid`):
  ``catalogue.panel``, ``catalogue.search`` (search field), ``catalogue.search_clear``,
  ``catalogue.stack``, ``catalogue.expand``, ``catalogue.collapse`` (the folded strip of a
  narrow window), ``catalogue.search_results``, ``catalogue.search_status``,
  ``catalogue.search.tile.<i>``, ``catalogue.browser``,
  ``catalogue.categories`` (tab bar), ``catalogue.grid.tile.<i>`` (tiles carry a ``sku``
  property), ``catalogue.page_prev``, ``catalogue.page_next``, ``catalogue.page``;
  unknown code: ``sale.unknown_code``, ``sale.unknown_code.text``,
  ``sale.unknown_code.search``;
- reason dialog (`caisse.ui.dialogs`): ``reason.dialog``, ``reason.preset.<i>``,
  ``reason.other``, ``reason.ok``, ``reason.cancel``;
- error box (`caisse.ui.errors`, only outside a screen): ``error.box``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from caisse.services.checkout import TicketResult
from caisse.services.device_status import PrinterStatusSource, SyncStatusSource
from caisse.services.integrity import StartupReport
from caisse.services.operators import OperatorSession
from caisse.ui.catalogue_panel import CataloguePanel
from caisse.ui.customer_display import CustomerDisplayFeed
from caisse.ui.errors import show_error
from caisse.ui.i18n import tr
from caisse.ui.login import LoginScreen
from caisse.ui.manager_menu import ManagerDeps, ManagerMenu
from caisse.ui.manager_ports import Weighing
from caisse.ui.ports import Catalogue, Checkout, Operators
from caisse.ui.sale_screen import SaleScreen
from caisse.ui.status_bar import StatusBar
from caisse.ui.tasks import TaskRunner
from caisse.ui.theme import STYLESHEET, touch_button

logger = logging.getLogger(__name__)

WINDOW_SIZE = (1280, 800)
RECENT_TICKETS = 50


class MainWindow(QMainWindow):
    """Stacks the login, sale and manager screens over a status bar.

    Shows the start-up alarm when sales are blocked, feeds the customer displays from the
    sale screen, and keeps the numbers of the tickets rung up here for the duplicate page.
    """

    def __init__(
        self,
        checkout: Checkout,
        operators: Operators,
        tasks: TaskRunner,
        *,
        lang: str = "fr",
        startup: Callable[[], StartupReport] | None = None,
        manager: ManagerDeps | None = None,
        sync: SyncStatusSource | None = None,
        printer: PrinterStatusSource | None = None,
        display: CustomerDisplayFeed | None = None,
        weighing: Weighing | None = None,
        catalogue: Catalogue | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("main.window")
        self.setWindowTitle(tr("Caisse"))
        self.setStyleSheet(STYLESHEET)
        self._operators = operators
        self._tasks = tasks
        self._lang = lang
        self._session: OperatorSession | None = None
        self._checkout = checkout
        self.display = display
        self.recent_tickets: list[str] = []
        self.report: StartupReport | None = None
        self.started = startup is None

        self.alarm = QLabel("")
        self.alarm.setObjectName("main.alarm")
        self.alarm.setProperty("role", "alarm")
        self.alarm.setWordWrap(True)
        self.alarm.setVisible(False)

        top = QFrame()
        top.setObjectName("main.top_bar")
        bar = QHBoxLayout(top)
        bar.setContentsMargins(12, 2, 12, 2)
        title = QLabel(tr("Caisse"))
        title.setProperty("role", "big")
        self.operator_label = QLabel("")
        self.operator_label.setObjectName("main.operator")
        self.manager_button = touch_button(tr("Gestion"), "main.manager", min_height=48)
        self.manager_button.clicked.connect(self._on_manager_clicked)
        self.manager_button.setVisible(False)
        self.lock_button = touch_button(tr("Verrouiller"), "main.lock", min_height=48)
        self.lock_button.clicked.connect(self._on_lock_clicked)
        self.lock_button.setVisible(False)
        bar.addWidget(title)
        bar.addSpacing(24)
        bar.addWidget(self.operator_label)
        # note: the status sits in the top bar, not under the screens: at 1024×768 the sale
        # screen needs every pixel of height.
        self.status = StatusBar(tasks, sync, printer)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.manager_button)
        bar.addWidget(self.lock_button)

        self.login = LoginScreen(operators, tasks, lang)
        self.login.operator_did_sign_in.connect(self._on_login_operator_did_sign_in)
        self.sale = SaleScreen(checkout, tasks, lang)
        self.sale.sale_did_finalise.connect(self._on_sale_did_finalise)
        if weighing is not None:
            self.sale.weighing = weighing
        if catalogue is not None:
            self.sale.attach_catalogue(CataloguePanel(catalogue, tasks))
        if display is not None:
            self.sale.sale_view_did_change.connect(display.view_did_change)
            self.sale.weight_did_show.connect(display.weighing)
        self.manager: ManagerMenu | None = None
        self.stack = QStackedWidget()
        self.stack.setObjectName("main.stack")
        self.stack.addWidget(self.login)
        self.stack.addWidget(self.sale)
        if manager is not None:
            self.manager = ManagerMenu(manager, operators, tasks, lang=lang)
            self.manager.back_requested.connect(self._on_manager_back_requested)
            self.manager.lock_requested.connect(self.lock)
            self.manager.training_did_change.connect(self._on_training_did_change)
            self.manager.queue_did_change.connect(self._on_queue_did_change)
            self.stack.addWidget(self.manager)

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.alarm)
        column.addWidget(top)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.resize(*WINDOW_SIZE)

        if startup is not None:
            self.login.loading.setText(tr("Vérification du journal de la caisse…"))
            self.login.loading.setVisible(True)
            self._tasks.run(startup, self._on_startup_done, self._on_startup_failed)
        self.login.reload()
        self.login.setFocus()
        self.status.start()

    # ------------------------------------------------------------ start-up

    def _on_startup_done(self, report: StartupReport) -> None:
        self.report = report
        self.started = True
        if report.blocked is not None:
            fr, en = report.blocked
            reason = en if self._lang == "en" else fr
            self.show_message(
                tr(
                    "CAISSE BLOQUÉE : {reason} Aucune vente n'est possible ; appelez le "
                    "responsable."
                ).format(reason=reason)
            )

    def _on_startup_failed(self, exc: BaseException) -> None:
        show_error(self, exc, self._lang)

    def show_message(self, text: str, *, error: bool = True) -> None:
        """Show the blocking alert banner across the top of the window."""
        self.alarm.setText(text)
        self.alarm.setVisible(True)

    # ------------------------------------------------------------ sessions

    @property
    def session(self) -> OperatorSession | None:
        return self._session

    def _on_login_operator_did_sign_in(self, session: OperatorSession) -> None:
        self._session = session
        self.operator_label.setText(tr("Opérateur : {name}").format(name=session.name))
        self.lock_button.setVisible(True)
        self.manager_button.setVisible(self.manager is not None)
        self.stack.setCurrentWidget(self.sale)
        self.sale.start(session)
        self._tasks.run(
            self._checkout.training_supervisor, self.status.set_training, self._on_task_failed
        )

    def _on_task_failed(self, exc: BaseException) -> None:
        show_error(self.sale, exc, self._lang)

    # ------------------------------------------------------------ manager menu

    def _on_manager_clicked(self) -> None:
        self.open_manager_menu()

    def open_manager_menu(self) -> None:
        """Show the manager menu for the signed-in operator (the open sale is kept)."""
        session = self._session
        if session is None or self.manager is None:
            return
        self.sale.stop()
        self.manager_button.setVisible(False)
        self.stack.setCurrentWidget(self.manager)
        self.manager.start(session, self.recent_tickets)

    def _on_manager_back_requested(self) -> None:
        session = self._session
        if self.manager is not None:
            self.manager.stop()
        if session is None:
            return
        self.manager_button.setVisible(True)
        self.stack.setCurrentWidget(self.sale)
        self.sale.start(session)  # reloads the training banner

    def _on_training_did_change(self, supervisor: str | None) -> None:
        self.status.set_training(supervisor)

    def _on_queue_did_change(self) -> None:
        self.status.refresh()

    def _on_sale_did_finalise(self, result: TicketResult) -> None:
        self.recent_tickets = [*self.recent_tickets, result.number][-RECENT_TICKETS:]
        if self.display is not None:
            self.display.finalised(
                result.change_cents, result.total_ttc_cents + result.change_cents
            )
        self.status.refresh()  # the printer's state after this ticket

    def _on_lock_clicked(self) -> None:
        self.lock()

    def lock(self) -> None:
        """Sign the operator out and go back to the login; the open sale is kept."""
        session, self._session = self._session, None
        self.sale.stop()
        if self.manager is not None:
            self.manager.stop()
        self.operator_label.setText("")
        self.lock_button.setVisible(False)
        self.manager_button.setVisible(False)
        self.login.reset()
        self.stack.setCurrentWidget(self.login)
        if session is not None:
            self._tasks.run(
                lambda: self._operators.sign_out(session), _ignore, self._on_sign_out_failed
            )
        self.login.reload()  # operators added meanwhile (caisse user add) appear
        self.login.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_sign_out_failed(self, exc: BaseException) -> None:
        show_error(self.login, exc, self._lang)

    def close_session(self) -> None:
        """Queue the sign-out of whoever is signed in (the window is closing)."""
        session, self._session = self._session, None
        if session is not None:
            self._tasks.run(
                lambda: self._operators.sign_out(session), _ignore, self._on_sign_out_failed
            )


def _ignore(_value: object) -> None:
    """A task result nobody needs."""
