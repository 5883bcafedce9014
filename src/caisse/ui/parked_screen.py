"""Parked tickets: keep the ticket on screen saved, park it, serve another, resume any.

`TicketKeeper` wraps the sale screen's task runner: after every task it saves the open sale
on the worker thread when it changed (so a crash loses at most the tap in flight), and it
parks, resumes and sets aside tickets for the screens below. `ParkedScreen` lists the parked
tickets (time, items, total, operator) to resume or abandon one; `ResumeOfferDialog` is shown at
the first sign-in when the till stopped in the middle of a ticket.

Object names: ``parked.screen``, ``parked.list``, ``parked.resume``, ``parked.discard``,
``parked.close``, ``parked.message``, ``parked.empty``; ``resume.dialog``, ``resume.text``,
``resume.yes``, ``resume.later``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caisse.domain.money import format_eur
from caisse.domain.sale import Sale, SaleLine, SaleState
from caisse.services.open_tickets import ParkedTicket
from caisse.services.operators import OperatorSession
from caisse.ui.dialogs import ReasonDialog
from caisse.ui.errors import error_text
from caisse.ui.i18n import tr
from caisse.ui.tasks import OnError, TaskRunner
from caisse.ui.theme import set_level, touch_button

logger = logging.getLogger(__name__)

T = TypeVar("T")


class OpenTickets(Protocol):
    """What the screens ask of `caisse.services.open_tickets.OpenTicketService`."""

    def save(self, session: OperatorSession, sale: Sale) -> None: ...

    def park(self, session: OperatorSession, sale: Sale) -> ParkedTicket: ...

    def parked(self) -> list[ParkedTicket]: ...

    def interrupted(self) -> ParkedTicket | None: ...

    def resume(self, session: OperatorSession, ticket_id: str) -> Sale: ...

    def discard(self, session: OperatorSession, ticket_id: str, reason: str) -> None: ...

    def queue_receipt_email(self, gseq: int, ticket_no: str, address: str) -> None: ...


class SaleHolder(Protocol):
    """The sale screen's desk, as far as parking goes (worker thread only)."""

    @property
    def sale(self) -> Sale | None: ...

    def swap(self, sale: Sale | None) -> Sale | None: ...


Fingerprint = tuple[int, SaleState, tuple[SaleLine, ...], tuple[Any, ...], Any]


def _fingerprint(sale: Sale) -> Fingerprint:
    # note: lines and payments are tuples of frozen values, replaced as a whole on change,
    # so comparing them is cheap (identity first) and exact.
    return (id(sale), sale.state, sale.lines, sale.payments, sale.ticket_discount)


def _has_content(sale: Sale | None) -> bool:
    return sale is not None and sale.state is SaleState.OPEN and bool(sale.lines or sale.payments)


class TicketKeeper:
    """Saves the sale on screen after each change; parks and resumes tickets (worker side)."""

    def __init__(self, desk: SaleHolder, tickets: OpenTickets) -> None:
        self._desk = desk
        self._tickets = tickets
        self._saved: Fingerprint | None = None

    def wrap(self, tasks: TaskRunner, session: Callable[[], OperatorSession | None]) -> TaskRunner:
        """A runner that saves the open sale after each task (the session read on the GUI)."""
        return _KeepingRunner(tasks, self, session)

    def keep(self, session: OperatorSession | None) -> None:
        """Save the sale on screen if it changed since the last save (worker thread)."""
        sale = self._desk.sale
        if sale is None or session is None:
            return
        mark = _fingerprint(sale)
        if mark == self._saved:
            return
        try:
            self._tickets.save(session, sale)
        # note: the saved copy is a convenience, not a record: failing to write it must never
        # make the cashier's tap fail (the line is on the ticket); it is logged and retried
        # at the next change.
        except Exception:
            logger.exception("the open ticket could not be saved")
            return
        self._saved = mark

    def park(self, session: OperatorSession) -> ParkedTicket:
        """Park the sale on screen; the next scan starts a new one.

        Raises:
            Refused: nothing to park.
        """
        sale = self._desk.sale
        if sale is None:
            sale = Sale()  # park() refuses it with the right sentence
        parked = self._tickets.park(session, sale)
        self._desk.swap(None)
        return parked

    def resume(self, session: OperatorSession, ticket_id: str) -> ParkedTicket | None:
        """Bring a parked ticket on screen; the one in progress, if any, is parked first.

        Returns the ticket that was parked to make room, if any.
        """
        current = self._desk.sale
        set_aside = None
        if _has_content(current) and current is not None:
            set_aside = self._tickets.park(session, current)
        elif current is not None and current.id is not None:
            self._tickets.save(session, current)  # an emptied ticket: forgets its row
        sale = self._tickets.resume(session, ticket_id)
        self._desk.swap(sale)
        self._saved = _fingerprint(sale)
        return set_aside

    def set_aside(self, session: OperatorSession, ticket_id: str) -> ParkedTicket:
        """Park an interrupted ticket without showing it (the cashier will resume it later)."""
        return self._tickets.park(session, self._tickets.resume(session, ticket_id))


class _KeepingRunner:
    def __init__(
        self,
        inner: TaskRunner,
        keeper: TicketKeeper,
        session: Callable[[], OperatorSession | None],
    ) -> None:
        self._inner = inner
        self._keeper = keeper
        self._session = session

    def run(self, fn: Callable[[], T], on_done: Callable[[T], None], on_error: OnError) -> None:
        session = self._session()
        self._inner.run(fn, on_done, on_error)
        # note: the save is a task of its own, queued right behind: the result of `fn` is
        # drawn while the worker writes (a durable commit, ~10 ms on a plain disk), so a
        # scan is never slowed by it; a save with nothing changed costs a comparison.
        self._inner.run(lambda: self._keeper.keep(session), _ignore, _ignore)


def _ignore(_value: object) -> None:
    """A task outcome nobody needs (`TicketKeeper.keep` logs its own failures)."""


def describe(ticket: ParkedTicket) -> str:
    """One line for a parked ticket: time, items, total, operator."""
    when = ticket.parked_at or ticket.created_at
    return tr("{time} · {items} article(s) · {total} · {name}").format(
        time=when.strftime("%H:%M"),
        items=ticket.items,
        total=format_eur(ticket.total_cents),
        name=ticket.operator_name,
    )


class ParkedScreen(QDialog):
    """The parked tickets, oldest first: resume one, or abandon it with a reason."""

    ticket_did_resume = Signal(object)
    """The resumed `Sale` is on the desk; carries the ticket parked to make room, or None."""

    def __init__(
        self,
        keeper: TicketKeeper,
        tickets: OpenTickets,
        tasks: TaskRunner,
        session: OperatorSession,
        lang: str = "fr",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("parked.screen")
        self.setWindowTitle(tr("Tickets en attente"))
        self.setModal(True)
        self._keeper = keeper
        self._tickets_service = tickets
        self._tasks = tasks
        self._session = session
        self._lang = lang
        self._busy = False
        self.tickets: list[ParkedTicket] = []
        self.reason_dialog: ReasonDialog | None = None
        if parent is not None:
            self.resize(parent.window().size())

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        title = QLabel(tr("Tickets en attente"))
        title.setProperty("role", "big")
        layout.addWidget(title)
        self.message = QLabel("")
        self.message.setObjectName("parked.message")
        self.message.setProperty("role", "message")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout.addWidget(self.message)
        self.empty = QLabel(tr("Aucun ticket en attente."))
        self.empty.setObjectName("parked.empty")
        self.empty.setVisible(False)
        layout.addWidget(self.empty)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("parked.list")
        self.table.setHorizontalHeaderLabels(
            [tr("Heure"), tr("Articles"), tr("Total"), tr("Opérateur")]
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(56)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._refresh_enabled)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.close_button = touch_button(tr("Retour à la vente"), "parked.close")
        self.close_button.clicked.connect(self.reject)
        self.discard_button = touch_button(tr("Abandonner"), "parked.discard", role="danger")
        self.discard_button.clicked.connect(self._on_discard_clicked)
        self.resume_button = touch_button(
            tr("Reprendre ce ticket"), "parked.resume", role="primary", min_height=64
        )
        self.resume_button.clicked.connect(self._on_resume_clicked)
        row.addWidget(self.close_button)
        row.addWidget(self.discard_button)
        row.addWidget(self.resume_button, 1)
        layout.addLayout(row)
        self._refresh_enabled()
        self.reload()

    def reload(self) -> None:
        self._tasks.run(self._tickets_service.parked, self._on_loaded, self._on_failed)

    def _on_loaded(self, tickets: list[ParkedTicket]) -> None:
        self.tickets = tickets
        self.table.setRowCount(len(tickets))
        for r, ticket in enumerate(tickets):
            when = ticket.parked_at or ticket.created_at
            cells = (
                when.strftime("%H:%M"),
                str(ticket.items),
                format_eur(ticket.total_cents),
                ticket.operator_name,
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, ticket.id)
                self.table.setItem(r, c, item)
        if tickets:
            self.table.selectRow(0)
        self.empty.setVisible(not tickets)
        self._refresh_enabled()

    def select(self, ticket_id: str) -> None:
        """Select the row of a ticket (what a tap on it does)."""
        for r, ticket in enumerate(self.tickets):
            if ticket.id == ticket_id:
                self.table.selectRow(r)

    def _selected(self) -> ParkedTicket | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or not 0 <= rows[0].row() < len(self.tickets):
            return None
        return self.tickets[rows[0].row()]

    def _refresh_enabled(self) -> None:
        chosen = self._selected() is not None and not self._busy
        self.resume_button.setEnabled(chosen)
        self.discard_button.setEnabled(chosen)

    def _say(self, text: str, *, error: bool = True) -> None:
        self.message.setText(text)
        set_level(self.message, "error" if error else "info")
        self.message.setVisible(True)

    def _on_failed(self, exc: BaseException) -> None:
        self._busy = False
        self._say(error_text(exc, self._lang))
        self._refresh_enabled()
        self.reload()

    def _on_resume_clicked(self) -> None:
        ticket = self._selected()
        if ticket is None or self._busy:
            return
        self._busy = True  # a second tap must not resume it twice
        self._refresh_enabled()
        session = self._session
        self._tasks.run(
            lambda: self._keeper.resume(session, ticket.id), self._on_resumed, self._on_failed
        )

    def _on_resumed(self, set_aside: ParkedTicket | None) -> None:
        self._busy = False
        self.accept()
        self.ticket_did_resume.emit(set_aside)

    def _on_discard_clicked(self) -> None:
        ticket = self._selected()
        if ticket is None or self._busy:
            return
        dialog = ReasonDialog(
            tr("Abandonner un ticket en attente"),
            tr("Pourquoi abandonner ce ticket ({what}) ?").format(what=describe(ticket)),
            [tr("Client parti"), tr("Le client renonce"), tr("Erreur de saisie")],
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.reason_did_choose.connect(lambda reason: self._discard(ticket.id, reason))
        dialog.finished.connect(self._on_reason_dialog_finished)
        self.reason_dialog = dialog
        dialog.open()

    def _on_reason_dialog_finished(self, _result: int) -> None:
        self.reason_dialog = None

    def _discard(self, ticket_id: str, reason: str) -> None:
        session = self._session
        self._busy = True
        self._tasks.run(
            lambda: self._tickets_service.discard(session, ticket_id, reason),
            self._on_discarded,
            self._on_failed,
        )

    def _on_discarded(self, _none: None) -> None:
        self._busy = False
        self._say(tr("Ticket abandonné (tracé au journal)."), error=False)
        self.reload()


class ResumeOfferDialog(QDialog):
    """At the first sign-in after a stop in the middle of a ticket: resume it now, or later."""

    resume_did_choose = Signal()
    """Resume it now."""
    later_did_choose = Signal()
    """Park it: it stays in the parked list (also when the dialog is closed otherwise)."""

    def __init__(self, ticket: ParkedTicket, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resume.dialog")
        self.setWindowTitle(tr("Ticket interrompu"))
        self.setModal(True)
        self.setMinimumWidth(640)
        self.ticket = ticket
        self._answered = False
        layout = QVBoxLayout(self)
        text = QLabel(
            tr(
                "La caisse s'est arrêtée pendant un ticket ({what}). Aucune vente encaissée "
                "n'est perdue. Reprendre ce ticket ?"
            ).format(what=describe(ticket))
        )
        text.setObjectName("resume.text")
        text.setProperty("role", "big")
        text.setWordWrap(True)
        layout.addWidget(text)
        row = QHBoxLayout()
        self.later_button = touch_button(tr("Plus tard (en attente)"), "resume.later")
        self.later_button.clicked.connect(self._on_later_clicked)
        self.yes_button = touch_button(
            tr("Reprendre le ticket"), "resume.yes", role="primary", min_height=72
        )
        self.yes_button.clicked.connect(self._on_yes_clicked)
        row.addWidget(self.later_button)
        row.addWidget(self.yes_button, 1)
        layout.addLayout(row)
        self.rejected.connect(self._on_later_clicked)

    def _on_yes_clicked(self) -> None:
        if not self._answered:
            self._answered = True
            self.accept()
            self.resume_did_choose.emit()

    def _on_later_clicked(self) -> None:
        if not self._answered:
            self._answered = True
            self.accept()
            self.later_did_choose.emit()
