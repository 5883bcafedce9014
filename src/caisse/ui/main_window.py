"""The till's window: start-up checks, then login → sale, with a lock button back to login.

Object names of every interactive widget of the till (the screens list theirs too):

- window: ``main.window``, ``main.stack``, ``main.alarm`` (blocking alert banner),
  ``main.operator``, ``main.lock``;
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
  ``sale.training_banner``, ``sale.status``;
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

from caisse.services.integrity import StartupReport
from caisse.services.operators import OperatorSession
from caisse.ui.errors import show_error
from caisse.ui.login import LoginScreen
from caisse.ui.ports import Checkout, Operators
from caisse.ui.sale_screen import SaleScreen
from caisse.ui.tasks import TaskRunner
from caisse.ui.theme import STYLESHEET, touch_button

logger = logging.getLogger(__name__)

WINDOW_SIZE = (1280, 800)


class MainWindow(QMainWindow):
    """Stacks the login and sale screens; shows the start-up alarm when sales are blocked."""

    def __init__(
        self,
        checkout: Checkout,
        operators: Operators,
        tasks: TaskRunner,
        *,
        lang: str = "fr",
        startup: Callable[[], StartupReport] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("main.window")
        self.setWindowTitle(self.tr("Caisse"))
        self.setStyleSheet(STYLESHEET)
        self._operators = operators
        self._tasks = tasks
        self._lang = lang
        self._session: OperatorSession | None = None
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
        bar.setContentsMargins(12, 4, 12, 4)
        title = QLabel(self.tr("Caisse"))
        title.setProperty("role", "big")
        self.operator_label = QLabel("")
        self.operator_label.setObjectName("main.operator")
        self.lock_button = touch_button(self.tr("Verrouiller"), "main.lock")
        self.lock_button.clicked.connect(self._on_lock_clicked)
        self.lock_button.setVisible(False)
        bar.addWidget(title)
        bar.addSpacing(24)
        bar.addWidget(self.operator_label, 1)
        bar.addWidget(self.lock_button)

        self.login = LoginScreen(operators, tasks, lang)
        self.login.operator_did_sign_in.connect(self._on_login_operator_did_sign_in)
        self.sale = SaleScreen(checkout, tasks, lang)
        self.stack = QStackedWidget()
        self.stack.setObjectName("main.stack")
        self.stack.addWidget(self.login)
        self.stack.addWidget(self.sale)

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
            self.login.loading.setText(self.tr("Vérification du journal de la caisse…"))
            self.login.loading.setVisible(True)
            self._tasks.run(startup, self._on_startup_done, self._on_startup_failed)
        self.login.reload()
        self.login.setFocus()

    # ------------------------------------------------------------ start-up

    def _on_startup_done(self, report: StartupReport) -> None:
        self.report = report
        self.started = True
        if report.blocked is not None:
            fr, en = report.blocked
            reason = en if self._lang == "en" else fr
            self.show_message(
                self.tr(
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
        self.operator_label.setText(self.tr("Opérateur : {name}").format(name=session.name))
        self.lock_button.setVisible(True)
        self.stack.setCurrentWidget(self.sale)
        self.sale.start(session)

    def _on_lock_clicked(self) -> None:
        self.lock()

    def lock(self) -> None:
        """Sign the operator out and go back to the login; the open sale is kept."""
        session, self._session = self._session, None
        self.sale.stop()
        self.operator_label.setText("")
        self.lock_button.setVisible(False)
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
