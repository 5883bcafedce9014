"""The sale write path, and the corrections: refunds, cancellations, duplicates, training.

A ticket is built, signed, appended and projected in one transaction, committed, and only
then printed (architecture.md §1).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from caisse.domain.catalog import Product, Unit
from caisse.domain.errors import InvalidInput, InvalidQuantity, UnderPaid, UnknownProduct
from caisse.domain.money import round_half_away
from caisse.domain.sale import (
    Discount,
    FinalisedSale,
    LineInput,
    Payment,
    Sale,
    Tender,
    compute_ticket,
    settle,
)
from caisse.services.context import TillContext
from caisse.services.errors import (
    DrawerFailed,
    PrinterFailed,
    ReturnNotAllowed,
    TicketNotFound,
    TillBlocked,
)
from caisse.services.jet import Jet
from caisse.services.journal_writer import AppendContext, Draft
from caisse.services.operators import OperatorSession, Right, require
from caisse.services.ports import JournalEntry, Receipt, UnitOfWork
from caisse.services.receipts import ticket_body, vat_token
from caisse_verif.record import signature_extract

logger = logging.getLogger(__name__)

TRAINING_KEY = "training_supervisor"
DEFAULT_DISCOUNT_CAP_BP = 1000  # a cashier may give up to 10 % without a manager


@dataclass(frozen=True, slots=True)
class TicketResult:
    """What the cashier and the command line are told after a record is committed."""

    gseq: int
    kind: str
    kseq: int
    number: str
    op: str
    total_ttc_cents: int
    change_cents: int
    extract: str
    core: str
    sig: str
    token_sha256: str
    printed: bool
    print_error: str | None
    drawer_error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "gseq": self.gseq,
            "kind": self.kind,
            "kseq": self.kseq,
            "ticket": self.number,
            "op": self.op,
            "total_cents": self.total_ttc_cents,
            "change_cents": self.change_cents,
            "signature_extract": self.extract,
            "core": self.core,
            "sig": self.sig,
            "printed": self.printed,
            "print_error": self.print_error,
        }


class CheckoutService:
    """Use cases of the till's sale path."""

    def __init__(
        self, till: TillContext, *, discount_cap_bp: int = DEFAULT_DISCOUNT_CAP_BP
    ) -> None:
        self._till = till
        self._cap_bp = discount_cap_bp
        self.blocked: tuple[str, str] | None = None
        # the closure guard (ClosureService.before_sale), wired by caisse.app: it writes the
        # closures that are due and refuses a ticket in a closed period or a too-long day
        self.before_record: Callable[[], None] | None = None
        # its usual answer read inside the sale's own transaction (ClosureService.guard_in):
        # False sends the sale through `before_record` first
        self.guard_in: Callable[[UnitOfWork], bool] | None = None

    # ------------------------------------------------------------------ building a sale
    def new_sale(self) -> Sale:
        return Sale()

    def find_product(self, code: str) -> Product:
        """The product for a scanned or typed code.

        Raises:
            UnknownProduct: nothing answers to that code.
        """
        with self._till.uow() as uow:
            product = uow.catalog.find(code.strip())
        if product is None:
            raise UnknownProduct(
                f"Code inconnu : {code}. Recherchez l'article par son nom.",
                f"Unknown code: {code}. Search the item by name instead.",
                code=code.strip(),
            )
        return product

    def add_item(self, sale: Sale, code: str, qty_milli: int | None = None) -> int:
        """Add a product by sku, EAN or PLU; weighed products need their weight in grams.

        Raises:
            UnknownProduct: no such code.
            InvalidQuantity: a weighed article without a weight.
        """
        product = self.find_product(code)
        if qty_milli is None:
            if product.unit is Unit.KG:
                raise InvalidQuantity(
                    f"{product.label} se vend au poids : indiquez le poids.",
                    f"{product.label} is sold by weight: give the weight.",
                )
            qty_milli = 1000
        return sale.add_line(product, qty_milli)

    def void_line(self, session: OperatorSession, sale: Sale, n: int, reason: str) -> None:
        """Void a line before payment; JET 61 keeps its label, quantity and amount."""
        line = sale.line(n)
        amount = round_half_away(line.qty_milli * line.unit_ttc_cents, 1000)
        sale.void_line(n, reason)
        self._till.log_event(
            Jet.LINE_VOIDED,
            {
                "n": n,
                "sku": line.sku,
                "label": line.label,
                "qty_milli": line.qty_milli,
                "amount_cents": amount,
                "reason": reason,
            },
            operator=session.as_body(),
        )

    def set_quantity(self, session: OperatorSession, sale: Sale, n: int, qty_milli: int) -> None:
        """Change a quantity; a decrease before payment is JET 62."""
        line = sale.line(n)
        before = line.qty_milli
        sale.set_quantity(n, qty_milli)
        if qty_milli < before:
            self._till.log_event(
                Jet.QUANTITY_DECREASED,
                {"n": n, "sku": line.sku, "label": line.label, "from": before, "to": qty_milli},
                operator=session.as_body(),
            )

    def override_price(
        self,
        session: OperatorSession,
        sale: Sale,
        n: int,
        unit_ttc_cents: int,
        reason: str,
        approver: OperatorSession | None = None,
    ) -> None:
        """Change a unit price, keeping the old one (R7); needs the right or a manager's PIN.

        Raises:
            PermissionDenied: neither the operator nor the approver may override prices.
        """
        require(session, Right.PRICE_OVERRIDE, approver)
        line = sale.line(n)
        old = line.unit_ttc_cents
        sale.override_price(n, unit_ttc_cents, reason)
        by = approver if approver is not None and not session.can(Right.PRICE_OVERRIDE) else session
        self._till.log_event(
            Jet.OVERRIDE,
            {
                "kind": "price",
                "n": n,
                "sku": line.sku,
                "from_cents": old,
                "to_cents": unit_ttc_cents,
                "reason": reason,
                "approved_by": by.id,
            },
            operator=session.as_body(),
        )

    def _check_discount(
        self,
        session: OperatorSession,
        discount: Discount,
        gross: int,
        approver: OperatorSession | None,
    ) -> None:
        amount = discount.amount_for(gross) if gross else 0
        over_cap = (discount.percent_bp is not None and discount.percent_bp > self._cap_bp) or (
            gross > 0 and amount * 10000 > gross * self._cap_bp
        )
        if over_cap:
            require(session, Right.DISCOUNT_ABOVE_CAP, approver)

    def discount_line(
        self,
        session: OperatorSession,
        sale: Sale,
        n: int,
        discount: Discount | None,
        approver: OperatorSession | None = None,
    ) -> None:
        """Set a line discount; above the cap it needs a manager."""
        if discount is not None:
            line = sale.line(n)
            gross = round_half_away(line.qty_milli * line.unit_ttc_cents, 1000)
            self._check_discount(session, discount, gross, approver)
        sale.set_line_discount(n, discount)

    def discount_ticket(
        self,
        session: OperatorSession,
        sale: Sale,
        discount: Discount | None,
        approver: OperatorSession | None = None,
    ) -> None:
        """Set a ticket discount; above the cap it needs a manager."""
        if discount is not None:
            sale.set_ticket_discount(None)
            gross = sale.totals.total_ttc_cents
            self._check_discount(session, discount, gross, approver)
        sale.set_ticket_discount(discount)

    def void_ticket(self, session: OperatorSession, sale: Sale, reason: str) -> None:
        """Abandon an open ticket before payment (JET 60 with its lines)."""
        totals = sale.totals
        sale.cancel()
        self._till.log_event(
            Jet.TICKET_VOIDED,
            {
                "reason": reason,
                "total_cents": totals.total_ttc_cents,
                "lines": [
                    {"sku": li.sku, "label": li.label, "qty_milli": li.qty_milli}
                    for li in totals.lines
                ],
            },
            operator=session.as_body(),
        )

    def open_drawer(
        self, session: OperatorSession, reason: str, approver: OperatorSession | None = None
    ) -> None:
        """Open the drawer without a sale: needs the right or a manager's PIN; always traced.

        The JET 70 record is committed before the drawer opens, so an opening is never
        untraced, even if the drawer then fails.

        Raises:
            PermissionDenied: neither the operator nor the approver holds the right.
            InvalidInput: no reason given.
            DrawerFailed: the drawer did not open (the event stays recorded).
        """
        require(session, Right.DRAWER_NO_SALE, approver)
        if not reason.strip():
            raise InvalidInput(
                "Indiquez pourquoi le tiroir est ouvert sans vente.",
                "Say why the drawer is opened without a sale.",
            )
        by = approver if approver is not None and not session.can(Right.DRAWER_NO_SALE) else session
        self._till.log_event(
            Jet.OVERRIDE,
            {"kind": "drawer_no_sale", "reason": reason.strip(), "approved_by": by.id},
            operator=session.as_body(),
        )
        if self._till.drawer is not None:
            self._till.drawer.open()

    # ------------------------------------------------------------------ training mode
    def training_supervisor(self) -> str | None:
        with self._till.uow() as uow:
            value = uow.state.get(TRAINING_KEY)
        return value or None

    def set_training(self, session: OperatorSession, on: bool) -> None:
        """Switch training mode (X records, no GT effect); needs a manager (JET 110/111)."""
        require(session, Right.TRAINING)
        with self._till.uow() as uow:
            uow.state.set(TRAINING_KEY, session.id if on else "")
            entry = self._till.event(
                uow,
                Jet.TRAINING_ON if on else Jet.TRAINING_OFF,
                {"supervisor": session.id},
                operator=session.as_body(),
            )
            self._till.commit(uow, entry)

    # ------------------------------------------------------------------ finalising
    def _check_open(self) -> None:
        if self.blocked is not None:
            raise TillBlocked(*self.blocked)
        if self.before_record is not None:
            self.before_record()

    def finalise(
        self, session: OperatorSession, sale: Sale, *, printed: str = "paper"
    ) -> TicketResult:
        """Finalise a sale: one transaction (record, projections, stock), commit, then print.

        Raises:
            TillBlocked: an integrity defect blocks the till.
            PermissionDenied: the operator may not sell.
            UnderPaid, ChangeNotAllowed: the tenders do not settle the total.
            ClockWentBackwards: the clock is behind the last record (JET 180 is written).
            SignerUnavailable: the key failed; nothing was committed.
        """
        if self.blocked is not None:
            raise TillBlocked(*self.blocked)
        require(session, Right.SELL)
        done = sale.finalise()
        try:
            written = None
            if self.guard_in is not None:
                with self._till.uow() as uow:
                    if self.guard_in(uow):
                        written = self._journal_sale(uow, session, sale, done, printed)
            if written is None:
                if self.before_record is not None:
                    self.before_record()
                with self._till.uow() as uow:
                    written = self._journal_sale(uow, session, sale, done, printed)
        except BaseException:
            sale.reopen()
            raise
        entry, draft = written
        return self._kick_drawer(self._after_commit(entry, draft, printed), done.payments)

    def _journal_sale(
        self,
        uow: UnitOfWork,
        session: OperatorSession,
        sale: Sale,
        done: FinalisedSale,
        printed: str,
    ) -> tuple[JournalEntry, Draft]:
        """Journal, project and commit a finalised sale in the open unit of work."""
        supervisor = uow.state.get(TRAINING_KEY) or None
        kind = "X" if supervisor else "T"
        build = self.build_sale(session, done, kind, supervisor, printed)
        entry, draft = self._till.append(uow, kind, build)
        self._project(uow, entry, draft, stock_reason="sale")
        if sale.id is not None:
            # note: the open ticket goes in the transaction that journals it, so a crash can
            # never offer to resume a ticket already sold.
            uow.open_tickets.delete(sale.id)
        self._till.commit(uow, entry)
        return entry, draft

    def _kick_drawer(self, result: TicketResult, payments: Sequence[Payment]) -> TicketResult:
        """Open the drawer after a ticket with cash; a drawer failure never undoes the ticket."""
        drawer = self._till.drawer
        if drawer is None or not any(p.method is Tender.CASH for p in payments):
            return result
        try:
            drawer.open()
        except DrawerFailed as exc:
            logger.warning("drawer did not open after ticket %s: %s", result.number, exc)
            return replace(result, drawer_error=str(exc))
        return result

    def _project(
        self, uow: UnitOfWork, entry: JournalEntry, draft: Draft, stock_reason: str
    ) -> None:
        project_ticket(uow, entry, draft, stock_reason)

    def build_sale(
        self,
        session: OperatorSession,
        done: FinalisedSale,
        kind: str,
        supervisor: str | None,
        printed: str,
    ) -> Callable[[AppendContext], Draft]:
        """The body builder of a finalised sale (shared with the benchmark's prefill)."""

        def build(ctx: AppendContext) -> Draft:
            body = ticket_body(
                ctx,
                op="SALE",
                operator=session,
                totals=done.totals,
                payments=done.payments,
                change_cents=done.change_cents,
                software=self._till.software,
                printed=printed,
                training_supervisor=supervisor,
            )
            return Draft(
                body=body,
                total_cents=done.totals.total_ttc_cents,
                vat=vat_token(done.totals),
                gt_delta=0 if supervisor else done.totals.total_ttc_cents,
            )

        return build

    def _after_commit(
        self,
        entry: JournalEntry,
        draft: Draft,
        printed: str,
        original: JournalEntry | None = None,
    ) -> TicketResult:
        body = draft.body
        error: str | None = None
        did_print = False
        if printed == "paper" and self._till.printer is not None:
            try:
                self._till.printer.print_receipt(
                    Receipt(
                        entry,
                        body,
                        signature_extract(entry.sig),
                        copy=entry.kind == "D",
                        original=original,
                    )
                )
                did_print = True
            except PrinterFailed as exc:
                error = str(exc)
                logger.warning("ticket %s not printed: %s", body.get("ticket_no"), exc)
                self._till.log_event(
                    Jet.PRINTER_FAILURE,
                    {"ticket": body.get("ticket_no"), "error": error},
                    related_gseq=entry.gseq,
                )
        return TicketResult(
            gseq=entry.gseq,
            kind=entry.kind,
            kseq=entry.kseq,
            number=str(body.get("ticket_no", "")),
            op=str(body.get("op", "COPY")),
            total_ttc_cents=int(body.get("total_ttc_cents", 0)),
            change_cents=int(body.get("change_cents", 0)),
            extract=signature_extract(entry.sig),
            core=entry.core,
            sig=entry.sig,
            token_sha256=entry.token_sha256,
            printed=did_print,
            print_error=error,
        )

    # ------------------------------------------------------------------ corrections
    def _original(self, uow: UnitOfWork, ticket_no: str) -> tuple[JournalEntry, dict[str, Any]]:
        ref = uow.sales.find_ticket(ticket_no.strip())
        if ref is None:
            raise TicketNotFound(ticket_no)
        entry = uow.journal.get(ref.gseq)
        if entry is None:
            raise TicketNotFound(ticket_no)
        return entry, json.loads(entry.body)

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
    ) -> TicketResult:
        """A refund (or a full cancellation) as a new negative T record referencing the original.

        Args:
            session: the operator.
            ticket_no: the original ticket's number.
            lines: (original line number, quantity in thousandths or None for all that is left);
                None refunds every line still returnable.
            payments: the tenders paid back, as negative amounts.
            approver: a manager approving on the operator's behalf.
            cancel: a cancellation (op CANCEL) of the whole ticket.
            reason: why, kept in the body.
            printed: paper, email or none.

        Raises:
            PermissionDenied, TicketNotFound, ReturnNotAllowed, UnderPaid.
        """
        self._check_open()
        require(session, Right.CANCEL if cancel else Right.REFUND, approver)
        with self._till.uow() as uow:
            original, body = self._original(uow, ticket_no)
            # note: in training mode a refund is itself a training (X) record and may only
            # refund a training ticket; a real ticket is never touched by a simulation.
            supervisor = uow.state.get(TRAINING_KEY) or None
            kind = "X" if supervisor else "T"
            if original.kind != kind:
                raise ReturnNotAllowed(
                    f"Le ticket {ticket_no} ne peut pas être remboursé "
                    + ("en mode école." if supervisor else "hors du mode école."),
                    f"Ticket {ticket_no} cannot be refunded "
                    + ("in training mode." if supervisor else "outside training mode."),
                )
            if body.get("op") != "SALE":
                raise ReturnNotAllowed(
                    f"Le ticket {ticket_no} n'est pas une vente : il ne peut pas être remboursé.",
                    f"Ticket {ticket_no} is not a sale: it cannot be refunded.",
                )
            inputs, origins = refund_inputs(
                ticket_no, body, uow.sales.returned_qty(original.gseq), lines, cancel=cancel
            )
            totals = compute_ticket(inputs, None)
            settlement = settle(totals.total_ttc_cents, list(payments))
            if not settlement.covered:
                raise UnderPaid(abs(settlement.remaining))
            refers = {
                "gseq": original.gseq,
                "number": body["ticket_no"],
                "token_hash": original.token_sha256,
            }
            op = "CANCEL" if cancel else "REFUND"

            def build(ctx: AppendContext) -> Draft:
                new_body = ticket_body(
                    ctx,
                    op=op,
                    operator=session,
                    totals=totals,
                    payments=payments,
                    change_cents=settlement.change_cents,
                    software=self._till.software,
                    printed=printed,
                    training_supervisor=supervisor,
                    refers_to=refers,
                    origins=origins,
                    reason=reason or None,
                )
                if approver is not None:
                    new_body["approved_by"] = approver.id
                return Draft(
                    body=new_body,
                    total_cents=totals.total_ttc_cents,
                    vat=vat_token(totals),
                    ref=original.gseq,
                    gt_delta=0 if supervisor else totals.total_ttc_cents,
                )

            entry, draft = self._till.append(uow, kind, build)
            self._project(uow, entry, draft, stock_reason="return")
            self._till.commit(uow, entry)
        return self._kick_drawer(self._after_commit(entry, draft, printed), payments)

    def reprint(
        self, session: OperatorSession, ticket_no: str, reason: str = "", channel: str = "paper"
    ) -> TicketResult:
        """A DUPLICATA: the D record is written and committed before the copy is output (R30)."""
        require(session, Right.REPRINT)
        with self._till.uow() as uow:
            original, body = self._original(uow, ticket_no)
            copy_no = uow.sales.last_copy_no(original.gseq) + 1

            def build(ctx: AppendContext) -> Draft:
                return Draft(
                    body={
                        "original": {
                            "gseq": original.gseq,
                            "number": body["ticket_no"],
                            "token_hash": original.token_sha256,
                        },
                        "copy_no": copy_no,
                        "reason": reason,
                        "operator": session.as_body(),
                        "channel": channel,
                        "ts_utc": ctx.ts_utc,
                        "ts_local": ctx.local.isoformat(),
                        "till": ctx.till.till_id,
                        "ticket_no": ctx.number,
                        "software": self._till.software.as_body(),
                    },
                    ref=original.gseq,
                )

            entry, draft = self._till.append(uow, "D", build)
            uow.sales.add_duplicate(entry.gseq, original.gseq, copy_no)
            self._till.commit(uow, entry)
        return self._after_commit(entry, draft, channel, original)


def refund_inputs(
    ticket_no: str,
    body: Mapping[str, Any],
    returned: Mapping[int, int],
    lines: Sequence[tuple[int, int | None]] | None,
    *,
    cancel: bool = False,
) -> tuple[list[LineInput], list[int]]:
    """The negative lines of a refund of `body` and the original line numbers they return.

    Args:
        ticket_no: the original's number, for the messages.
        body: the original sale's journal body.
        returned: quantities already returned per original line (`SalesProjection.returned_qty`).
        lines: (original line, quantity or None for all that is left); None: every line.
        cancel: a cancellation of the whole ticket (refused once partly refunded).

    Raises:
        ReturnNotAllowed: an unknown line, an impossible quantity, or nothing left to refund.
    """
    by_n = {int(li["n"]): li for li in body["lines"]}
    wanted = [(n, None) for n in by_n] if lines is None or cancel else list(lines)
    inputs: list[LineInput] = []
    origins: list[int] = []
    for n, qty in wanted:
        if n not in by_n:
            raise ReturnNotAllowed(
                f"Le ticket {ticket_no} n'a pas de ligne {n}.",
                f"Ticket {ticket_no} has no line {n}.",
            )
        li = by_n[n]
        left = int(li["qty_milli"]) - returned.get(n, 0)
        q = left if qty is None else qty
        if cancel and left != int(li["qty_milli"]):
            raise ReturnNotAllowed(
                f"Le ticket {ticket_no} a déjà été en partie remboursé : "
                "remboursez le reste au lieu de l'annuler.",
                f"Ticket {ticket_no} was already partly refunded: refund the rest "
                "instead of cancelling it.",
            )
        if q <= 0 or q > left:
            raise ReturnNotAllowed(
                f"Ligne {n} : quantité à rendre impossible (reste {left / 1000:g}).",
                f"Line {n}: impossible quantity to return ({left / 1000:g} left).",
            )
        orig_qty = int(li["qty_milli"])
        paid_discount = int(li.get("discount_cents", 0)) + int(li.get("ticket_discount_cents", 0))
        share = round_half_away(paid_discount * q, orig_qty)
        inputs.append(
            LineInput(
                n=len(inputs) + 1,
                sku=str(li["sku"]),
                label=str(li["label"]),
                vat_bp=int(li["vat_bp"]),
                unit=Unit(li.get("unit", "piece")),
                qty_milli=-q,
                unit_ttc_cents=int(li["unit_ttc_cents"]),
                line_discount=Discount(percent_bp=None, amount_cents=share) if share else None,
                price_override=None,
            )
        )
        origins.append(n)
    if not inputs:
        raise ReturnNotAllowed(
            f"Rien à rembourser sur le ticket {ticket_no}.",
            f"Nothing left to refund on ticket {ticket_no}.",
        )
    return inputs, origins


def project_ticket(uow: UnitOfWork, entry: JournalEntry, draft: Draft, stock_reason: str) -> None:
    """Write the sale, line, payment and stock projections of a T or X record."""
    body = draft.body
    uow.sales.add_ticket(entry.gseq, entry.kind, body["ticket_no"], body)
    if entry.kind == "T":
        uow.stock.add_movements(
            [
                (line["sku"], -int(line["qty_milli"]), entry.gseq, stock_reason, body["ts_utc"])
                for line in body["lines"]
            ]
        )
