"""Tickets being built or parked, kept in the database so that they survive a restart.

The ticket on screen is saved after each change (status "open"); parking it keeps it aside
(status "parked") while another customer is served. At start-up an "open" row means the till
stopped in the middle of a ticket: the screen offers to resume it. Nothing here is fiscal:
`CheckoutService.finalise` deletes the row in the transaction that journals the sale, so a
finalised sale is never offered again, and abandoning a parked ticket is traced as JET 60 like
any ticket voided before payment.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from caisse.domain.errors import InvalidInput, Refused
from caisse.domain.open_ticket import item_count, sale_from_data, sale_to_data
from caisse.domain.sale import Sale, SaleState
from caisse.services.checkout import TRAINING_KEY
from caisse.services.context import TillContext
from caisse.services.jet import Jet
from caisse.services.operators import OperatorSession
from caisse.services.ports import OpenTicketRecord, UnitOfWork

logger = logging.getLogger(__name__)

OPEN = "open"
PARKED = "parked"


class ParkedInAnotherMode(Refused):
    """A ticket started in training mode is resumed in real mode, or the other way round."""

    def __init__(self, training: bool) -> None:
        if training:
            super().__init__(
                "Ce ticket a été commencé en mode école : reprenez-le en mode école, "
                "ou abandonnez-le.",
                "This ticket was started in training mode: resume it in training mode, "
                "or abandon it.",
            )
        else:
            super().__init__(
                "Ce ticket a été commencé hors mode école : quittez le mode école pour le "
                "reprendre.",
                "This ticket was started outside training mode: leave training mode to resume it.",
            )


class ParkedTicketNotFound(Refused):
    """The parked ticket was resumed or abandoned meanwhile (another tap, another screen)."""

    def __init__(self) -> None:
        super().__init__(
            "Ce ticket en attente n'existe plus : il a déjà été repris ou abandonné.",
            "This parked ticket no longer exists: it was already resumed or abandoned.",
        )


@dataclass(frozen=True, slots=True)
class ParkedTicket:
    """An open or parked ticket as the list shows it (times in the till's time zone)."""

    id: str
    operator_id: str
    operator_name: str
    created_at: datetime
    parked_at: datetime | None
    items: int
    total_cents: int


_TRAINING = "training"


def _in_training(uow: UnitOfWork) -> bool:
    return bool(uow.state.get(TRAINING_KEY))


def _is_empty(sale: Sale) -> bool:
    return not sale.lines and not sale.payments


class OpenTicketService:
    """Save, park, list, resume and abandon tickets that are not finalised yet."""

    def __init__(self, till: TillContext) -> None:
        self._till = till

    def _now(self) -> str:
        return self._till.clock.now().isoformat()

    def _summary(self, record: OpenTicketRecord) -> ParkedTicket:
        tz = self._till.tz
        return ParkedTicket(
            id=record.id,
            operator_id=record.operator_id,
            operator_name=record.operator_name,
            created_at=datetime.fromisoformat(record.created_at).astimezone(tz),
            parked_at=datetime.fromisoformat(record.parked_at).astimezone(tz)
            if record.parked_at
            else None,
            items=record.items,
            total_cents=record.total_cents,
        )

    def _write(self, session: OperatorSession, sale: Sale, status: str) -> OpenTicketRecord:
        now = self._now()
        if sale.id is None:
            sale.id = uuid.uuid4().hex
        with self._till.uow() as uow:
            old = uow.open_tickets.get(sale.id)
            data = sale_to_data(sale)
            # note: the mode the ticket was built in travels with it, so that a training
            # ticket can never come back as a real sale (or a real one as a simulation).
            data[_TRAINING] = _in_training(uow)
            record = OpenTicketRecord(
                id=sale.id,
                status=status,
                operator_id=session.id,
                operator_name=session.name,
                created_at=old.created_at if old is not None else now,
                updated_at=now,
                parked_at=now if status == PARKED else None,
                items=item_count(sale),
                total_cents=sale.totals.total_ttc_cents,
                data=json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            )
            uow.open_tickets.put(record)
            uow.commit()
        return record

    def save(self, session: OperatorSession, sale: Sale) -> None:
        """Keep the ticket on screen as it is now; a finished or empty one is forgotten."""
        if sale.state is not SaleState.OPEN or _is_empty(sale):
            self.forget(sale)
            return
        self._write(session, sale, OPEN)

    def forget(self, sale: Sale) -> None:
        """Drop the row of a ticket that was finalised, voided or emptied (no trace needed)."""
        if sale.id is None:
            return
        with self._till.uow() as uow:
            if uow.open_tickets.delete(sale.id):
                uow.commit()

    def park(self, session: OperatorSession, sale: Sale) -> ParkedTicket:
        """Set the ticket aside to serve another customer.

        Raises:
            Refused: the ticket is empty or no longer open.
        """
        if sale.state is not SaleState.OPEN or not sale.active_lines:
            raise Refused(
                "Il n'y a pas de ticket en cours à mettre en attente.",
                "There is no ticket in progress to park.",
            )
        return self._summary(self._write(session, sale, PARKED))

    def parked(self) -> list[ParkedTicket]:
        """The parked tickets, oldest first."""
        with self._till.uow() as uow:
            records = uow.open_tickets.list(PARKED)
        return [self._summary(r) for r in records]

    def interrupted(self) -> ParkedTicket | None:
        """The ticket that was on screen when the till last stopped, if any."""
        with self._till.uow() as uow:
            records = uow.open_tickets.list(OPEN)
        return self._summary(records[-1]) if records else None

    def resume(self, session: OperatorSession, ticket_id: str) -> Sale:
        """Bring a parked (or interrupted) ticket back on screen, as it was.

        Raises:
            ParkedTicketNotFound: it was resumed or abandoned meanwhile.
            InvalidInput: its row is unreadable.
        """
        with self._till.uow() as uow:
            record = uow.open_tickets.get(ticket_id)
            if record is None:
                raise ParkedTicketNotFound
            data = json.loads(record.data)
            training = bool(data.pop(_TRAINING, False)) if isinstance(data, dict) else False
            if training != _in_training(uow):
                raise ParkedInAnotherMode(training)
            sale = sale_from_data(data, record.id)
            # note: marked open at once, so that a crash now offers it again at start-up.
            uow.open_tickets.put(
                OpenTicketRecord(
                    id=record.id,
                    status=OPEN,
                    operator_id=session.id,
                    operator_name=session.name,
                    created_at=record.created_at,
                    updated_at=self._now(),
                    parked_at=None,
                    items=record.items,
                    total_cents=record.total_cents,
                    data=record.data,
                )
            )
            uow.commit()
        return sale

    def discard(self, session: OperatorSession, ticket_id: str, reason: str) -> None:
        """Abandon a parked or interrupted ticket; JET 60 keeps its lines, as for a voided one.

        Raises:
            ParkedTicketNotFound: it was resumed or abandoned meanwhile.
            InvalidInput: no reason given.
        """
        if not reason.strip():
            raise InvalidInput(
                "Indiquez pourquoi le ticket est abandonné.",
                "Say why the ticket is abandoned.",
            )
        with self._till.uow() as uow:
            record = uow.open_tickets.get(ticket_id)
            if record is None:
                raise ParkedTicketNotFound
            try:
                totals = sale_from_data(json.loads(record.data), record.id).totals
                lines = [
                    {"sku": li.sku, "label": li.label, "qty_milli": li.qty_milli}
                    for li in totals.lines
                ]
            except (InvalidInput, ValueError):
                lines = []  # an unreadable row is still abandoned, and said so
            entry = self._till.event(
                uow,
                Jet.TICKET_VOIDED,
                {
                    "reason": reason.strip(),
                    "total_cents": record.total_cents,
                    "lines": lines,
                    "parked": record.status == PARKED,
                    "created_at": record.created_at,
                },
                operator=session.as_body(),
            )
            uow.open_tickets.delete(ticket_id)
            self._till.commit(uow, entry)

    def queue_receipt_email(self, gseq: int, ticket_no: str, address: str) -> None:
        """Queue the receipt of a committed ticket to be e-mailed.

        Raises:
            InvalidInput: the address does not look like an e-mail address.
        """
        address = address.strip()
        local, at, domain = address.rpartition("@")
        if not at or not local or "." not in domain or " " in address:
            raise InvalidInput(
                f"L'adresse « {address} » n'est pas une adresse e-mail.",
                f"'{address}' is not an e-mail address.",
            )
        with self._till.uow() as uow:
            uow.receipt_emails.add(gseq, ticket_no, address, self._now())
            uow.commit()
