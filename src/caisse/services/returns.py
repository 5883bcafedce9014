"""Finding the ticket a customer brings back, and what is still refundable on it.

The refund itself is `CheckoutService.refund` (a negative T record referencing the original);
this module answers the questions the returns screen asks first: which ticket (by number, by
its QR code, by date), which lines, how much of each is left, and what a refund of the chosen
quantities comes to, computed by the same `refund_inputs` as the refund itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from caisse.domain.catalog import Unit
from caisse.domain.errors import InvalidInput
from caisse.domain.sale import Tender, compute_ticket
from caisse.services.checkout import refund_inputs
from caisse.services.context import TillContext
from caisse.services.errors import TicketNotFound
from caisse.services.ports import JournalEntry, TicketSummary, UnitOfWork
from caisse_verif.errors import CoreGrammarError
from caisse_verif.record import parse_core, ticket_number

logger = logging.getLogger(__name__)

DATE_LIST_LIMIT = 200


@dataclass(frozen=True, slots=True)
class RefundableLine:
    """One line of the original sale and how much of it may still come back."""

    n: int
    sku: str
    label: str
    unit: Unit
    sold_milli: int
    returned_milli: int
    unit_ttc_cents: int
    line_ttc_cents: int

    @property
    def left_milli(self) -> int:
        return self.sold_milli - self.returned_milli


@dataclass(frozen=True, slots=True)
class DayTicket:
    """A sale of the chosen day as the list shows it (time in the till's time zone)."""

    ticket_no: str
    time_local: str
    total_ttc_cents: int
    operator_id: str


@dataclass(frozen=True, slots=True)
class RefundableTicket:
    """An original sale, its lines with what is left, and how it was paid."""

    gseq: int
    kind: str
    ticket_no: str
    ts_local: str
    operator_name: str
    total_ttc_cents: int
    lines: tuple[RefundableLine, ...]
    payments: tuple[tuple[Tender, int], ...]

    @property
    def anything_left(self) -> bool:
        return any(line.left_milli > 0 for line in self.lines)


class ReturnsService:
    """Look-ups of the returns screen (read-only: the refund goes through CheckoutService)."""

    def __init__(self, till: TillContext) -> None:
        self._till = till

    def _load(self, uow: UnitOfWork, ticket_no: str) -> tuple[JournalEntry, dict[str, Any]]:
        ref = uow.sales.find_ticket(ticket_no.strip())
        entry = None if ref is None else uow.journal.get(ref.gseq)
        if entry is None:
            raise TicketNotFound(ticket_no.strip())
        body: dict[str, Any] = json.loads(entry.body)
        return entry, body

    def find(self, ticket_no: str) -> RefundableTicket:
        """The sale with this number (``TILL01-T-000123``).

        Raises:
            TicketNotFound: no ticket has that number.
        """
        with self._till.uow() as uow:
            entry, body = self._load(uow, ticket_no)
            returned = uow.sales.returned_qty(entry.gseq)
        return self._refundable(entry, body, returned)

    def find_by_qr(self, text: str) -> RefundableTicket:
        """The sale whose printed QR code (``core,sig``) was scanned.

        The scanned core and signature must be exactly those of the stored record: a QR code
        copied from another till or altered by hand finds nothing.

        Raises:
            InvalidInput: the text is not a ticket's QR code.
            TicketNotFound: no record of this till matches it.
        """
        core_text, _, sig = text.strip().rpartition(",")
        try:
            core = parse_core(core_text)
        except CoreGrammarError as exc:
            raise InvalidInput(
                "Ce code n'est pas le QR code d'un ticket de caisse.",
                "This code is not the QR code of a till receipt.",
            ) from exc
        number = ticket_number(core.till, core.kind, core.kseq)
        with self._till.uow() as uow:
            entry, body = self._load(uow, number)
            if entry.core != core_text or entry.sig != sig:
                raise TicketNotFound(number)
            returned = uow.sales.returned_qty(entry.gseq)
        return self._refundable(entry, body, returned)

    def on_date(self, day: date) -> list[DayTicket]:
        """The sales of a business date (refunds left out), newest first."""
        with self._till.uow() as uow:
            found = uow.sales.on_date(day.isoformat(), DATE_LIST_LIMIT)
        return [self._day_ticket(t) for t in found if t.op == "SALE"]

    def _day_ticket(self, ticket: TicketSummary) -> DayTicket:
        moment = datetime.fromisoformat(ticket.ts_utc.replace("Z", "+00:00"))
        return DayTicket(
            ticket_no=ticket.ticket_no,
            time_local=moment.astimezone(self._till.tz).strftime("%H:%M"),
            total_ttc_cents=ticket.total_ttc_cents,
            operator_id=ticket.operator_id,
        )

    def refund_total(self, ticket_no: str, lines: Sequence[tuple[int, int]]) -> int:
        """What refunding these (line, quantity) comes to, negative, as the refund computes it.

        Raises:
            TicketNotFound, ReturnNotAllowed: as `CheckoutService.refund`.
        """
        with self._till.uow() as uow:
            entry, body = self._load(uow, ticket_no)
            inputs, _ = refund_inputs(
                ticket_no, body, uow.sales.returned_qty(entry.gseq), [(n, q) for n, q in lines]
            )
        return compute_ticket(inputs, None).total_ttc_cents

    def _refundable(
        self, entry: JournalEntry, body: dict[str, Any], returned: dict[int, int]
    ) -> RefundableTicket:
        lines = tuple(
            RefundableLine(
                n=int(li["n"]),
                sku=str(li["sku"]),
                label=str(li["label"]),
                unit=Unit(li.get("unit", "piece")),
                sold_milli=int(li["qty_milli"]),
                returned_milli=returned.get(int(li["n"]), 0),
                unit_ttc_cents=int(li["unit_ttc_cents"]),
                line_ttc_cents=int(li["line_ttc_cents"]),
            )
            for li in body.get("lines", [])
        )
        return RefundableTicket(
            gseq=entry.gseq,
            kind=entry.kind,
            ticket_no=str(body.get("ticket_no", "")),
            ts_local=str(body.get("ts_local", "")),
            operator_name=str((body.get("operator") or {}).get("name", "")),
            total_ttc_cents=int(body.get("total_ttc_cents", 0)),
            lines=lines,
            payments=tuple(
                (Tender(p["method"]), int(p["amount_cents"])) for p in body.get("payments", [])
            ),
        )
