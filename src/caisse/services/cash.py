"""Cash sessions: opening float, cash in and out, safe drops, bank deposits and the count.

Each operation is a signed payment-only (P) record (nf525.md §6.3), written through the
closure guard like a sale, so none can be dated in a closed period. The expected cash comes
from `caisse.domain.cash.expected_cash`, fed with the session's records read back from the
journal (the only source of truth).

P body: ``op`` (OPEN, CASH_IN, CASH_OUT, SAFE_DROP, BANK_DEPOSIT, COUNT), ``number``,
``ts_utc``, ``ts_local``, ``business_date``, company, till, store, operator, ``approved_by``,
``session`` {gseq of the OPEN record} (null on OPEN), ``payments`` [{method, amount_cents,
currency}] signed as the drawer sees them, ``total_cents`` (their sum, also the core's
total), ``reason``, software and ``cert_ref``; OPEN adds the count, the previous closing and
the opening difference; COUNT adds the count, the flows of the session, the expected and
counted amount per tender and the justification.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from caisse.domain.cash import (
    CASH,
    MOVEMENT_SIGN,
    CashCount,
    CashFlows,
    CashLedger,
    CashOp,
    CashSessionOpen,
    NoCashSession,
    compare_count,
    expected_cash,
    opening_difference,
)
from caisse.domain.errors import InvalidAmount, InvalidInput
from caisse.services.closures import ClosureService
from caisse.services.context import TillContext
from caisse.services.errors import DrawerFailed
from caisse.services.journal_writer import AppendContext, Draft
from caisse.services.operators import OperatorSession, Right, require
from caisse.services.ports import (
    CashMovementRecord,
    CashSessionRecord,
    JournalEntry,
    UnitOfWork,
)
from caisse.services.receipts import company_block
from caisse_verif.record import signature_extract

logger = logging.getLogger(__name__)

MAX_MOVEMENT_CENTS = 99_999_999_999
_DEFAULT_REASONS = {
    CashOp.SAFE_DROP: "Dépôt au coffre",
    CashOp.BANK_DEPOSIT: "Remise en banque",
}


@dataclass(frozen=True, slots=True)
class CashResult:
    """A committed P record and what the cashier is told about it."""

    gseq: int
    kseq: int
    number: str
    op: str
    amount_cents: int
    extract: str
    details: Mapping[str, Any] = field(default_factory=dict)
    drawer_error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "gseq": self.gseq,
            "kind": "P",
            "kseq": self.kseq,
            "number": self.number,
            "op": self.op,
            "amount_cents": self.amount_cents,
            "signature_extract": self.extract,
            "drawer_error": self.drawer_error,
            **self.details,
        }


class CashService:
    """Use cases of the cash drawer, one session at a time per till."""

    def __init__(self, till: TillContext, closures: ClosureService) -> None:
        self._till = till
        self._closures = closures

    # ------------------------------------------------------------------ reading

    def _ledger(self, uow: UnitOfWork, session: CashSessionRecord) -> CashLedger:
        """The session's flows, from its opening to the head (training tickets excluded)."""
        ledger = CashLedger(flows=CashFlows(opening_float=session.opening_float_cents))
        loads = json.loads
        for entry in uow.journal.iter_from(session.opened_gseq + 1):
            if entry.kind in ("T", "F"):
                body = loads(entry.body)
                payments = body.get("payments") or []
                ledger.add_ticket(
                    ((p["method"], p["amount_cents"]) for p in payments),
                    int(body.get("change_cents", 0)),
                )
            elif entry.kind == "P":
                body = loads(entry.body)
                op = CashOp(body["op"])
                if op in MOVEMENT_SIGN:
                    ledger.add_movement(op, int(body["total_cents"]))
        return ledger

    def session_status(self) -> dict[str, Any] | None:
        """The open session and what the drawer should hold now (None when closed)."""
        with self._till.uow() as uow:
            session = uow.cash.open_session()
            if session is None:
                return None
            ledger = self._ledger(uow, session)
        return {
            "opened_gseq": session.opened_gseq,
            "opened_at": session.opened_ts,
            "operator": session.operator_id,
            "tickets": ledger.tickets,
            "flows": ledger.flows.as_body(),
            "expected": dict(sorted(ledger.expected_by_tender().items())),
            "expected_cash_cents": expected_cash(ledger.flows),
        }

    # ------------------------------------------------------------------ writing

    def _append(
        self,
        uow: UnitOfWork,
        operator: OperatorSession,
        op: CashOp,
        session_gseq: int | None,
        amount_cents: int,
        reason: str,
        extra: Mapping[str, Any],
        approver: OperatorSession | None = None,
    ) -> JournalEntry:
        software = self._till.software
        payments = (
            [{"method": CASH, "amount_cents": amount_cents, "currency": "EUR"}]
            if amount_cents
            else []
        )

        def build(ctx: AppendContext) -> Draft:
            body: dict[str, Any] = {
                "op": str(op),
                "number": ctx.number,
                "ts_utc": ctx.ts_utc,
                "ts_local": ctx.local.isoformat(),
                "business_date": ctx.business_date,
                "company": company_block(ctx),
                "till": ctx.till.till_id,
                "store": ctx.till.store_id,
                "operator": operator.as_body(),
                "approved_by": None if approver is None else approver.id,
                "session": None if session_gseq is None else {"gseq": session_gseq},
                "payments": payments,
                "total_cents": amount_cents,
                "reason": reason,
                **extra,
                "software": software.as_body(),
                "cert_ref": software.cert_ref,
            }
            return Draft(body=body, total_cents=amount_cents, ref=session_gseq)

        entry, draft = self._till.append(uow, "P", build)
        body = draft.body
        if op is CashOp.OPEN:
            # the session row first: the OPEN record's own movement row refers to it
            uow.cash.add_session(
                CashSessionRecord(
                    opened_gseq=entry.gseq,
                    opened_ts=str(body["ts_utc"]),
                    operator_id=operator.id,
                    opening_float_cents=int(body["count"]["cash_cents"]),
                )
            )
        uow.cash.add_movement(
            CashMovementRecord(
                gseq=entry.gseq,
                session_gseq=session_gseq if session_gseq is not None else entry.gseq,
                op=str(op),
                amount_cents=amount_cents,
                reason=reason,
                business_date=str(body["business_date"]),
                ts_utc=str(body["ts_utc"]),
                operator_id=operator.id,
            )
        )
        return entry

    def _result(
        self, entry: JournalEntry, op: CashOp, amount: int, details: Mapping[str, Any]
    ) -> CashResult:
        return CashResult(
            gseq=entry.gseq,
            kseq=entry.kseq,
            number=str(json.loads(entry.body)["number"]),
            op=str(op),
            amount_cents=amount,
            extract=signature_extract(entry.sig),
            details=details,
        )

    def open_session(
        self, operator: OperatorSession, count: CashCount, note: str = ""
    ) -> CashResult:
        """Open the drawer's session with its float, counted by denomination.

        The difference with what the previous session left is reported here, once.

        Raises:
            PermissionDenied: the operator may not sell.
            CashSessionOpen: a session is already open.
            PeriodClosed: today is closed.
        """
        require(operator, Right.SELL)
        self._closures.before_record(payment=False)
        with self._till.uow() as uow:
            current = uow.cash.open_session()
            if current is not None:
                raise CashSessionOpen(current.opened_ts)
            previous = uow.cash.last_closed_session()
            previous_cash = None if previous is None else previous.counted_cash_cents
            difference = opening_difference(count.total_cents, previous_cash)
            details: dict[str, Any] = {
                "count": count.as_body(),
                "previous_closing": None
                if previous is None
                else {"gseq": previous.closed_gseq, "cash_cents": previous_cash},
                "opening_difference_cents": difference,
            }
            entry = self._append(uow, operator, CashOp.OPEN, None, 0, note.strip(), details)
            self._till.commit(uow, entry)
        return self._result(entry, CashOp.OPEN, 0, details)

    def movement(
        self,
        operator: OperatorSession,
        op: CashOp,
        amount_cents: int,
        reason: str = "",
        approver: OperatorSession | None = None,
    ) -> CashResult:
        """Cash in, cash out, a drop to the safe or a bank deposit (amount > 0, signed here).

        Needs the right to open the drawer without a sale, or a manager's approval. Cash in
        and cash out need a reason.

        Raises:
            PermissionDenied, InvalidAmount, InvalidInput (no reason), NoCashSession,
            PeriodClosed.
        """
        if op not in MOVEMENT_SIGN:
            raise InvalidInput(f"Opération de caisse inconnue : {op}.", f"Unknown cash op: {op}.")
        require(operator, Right.DRAWER_NO_SALE, approver)
        if not 0 < amount_cents <= MAX_MOVEMENT_CENTS:
            raise InvalidAmount(
                f"Montant invalide : {amount_cents} (centimes, strictement positif).",
                f"Invalid amount: {amount_cents} (cents, strictly positive).",
            )
        why = reason.strip() or _DEFAULT_REASONS.get(op, "")
        if not why:
            raise InvalidInput(
                "Indiquez le motif de l'entrée ou de la sortie d'espèces.",
                "Give the reason for the cash in or out.",
            )
        self._closures.before_record(payment=False)
        signed = MOVEMENT_SIGN[op] * amount_cents
        by = approver if approver is not None and not operator.can(Right.DRAWER_NO_SALE) else None
        with self._till.uow() as uow:
            session = uow.cash.open_session()
            if session is None:
                raise NoCashSession
            entry = self._append(uow, operator, op, session.opened_gseq, signed, why, {}, by)
            self._till.commit(uow, entry)
        result = self._result(entry, op, signed, {"reason": why})
        return self._open_drawer(result)

    def count(
        self,
        operator: OperatorSession,
        cash: CashCount,
        others: Mapping[str, int] | None = None,
        justification: str | None = None,
    ) -> CashResult:
        """Count the drawer against the expected amounts and close the session.

        Raises:
            PermissionDenied, NoCashSession, PeriodClosed.
            InvalidAmount: a negative counted amount.
            JustificationRequired: a difference without a justification; nothing is written.
        """
        require(operator, Right.SELL)
        counted = {CASH: cash.total_cents, **{k.upper(): v for k, v in (others or {}).items()}}
        self._closures.before_record(payment=False)
        with self._till.uow() as uow:
            session = uow.cash.open_session()
            if session is None:
                raise NoCashSession
            ledger = self._ledger(uow, session)
            lines = compare_count(ledger.expected_by_tender(), counted, justification)
            details: dict[str, Any] = {
                "count": cash.as_body(),
                "flows": ledger.flows.as_body(),
                "expected_cash_cents": expected_cash(ledger.flows),
                "tenders": [line.as_body() for line in lines],
                "justification": (justification or "").strip() or None,
            }
            entry = self._append(uow, operator, CashOp.COUNT, session.opened_gseq, 0, "", details)
            uow.cash.close_session(session.opened_gseq, entry.gseq, cash.total_cents)
            self._till.commit(uow, entry)
        return self._result(entry, CashOp.COUNT, 0, details)

    def _open_drawer(self, result: CashResult) -> CashResult:
        drawer = self._till.drawer
        if drawer is None:
            return result
        try:
            drawer.open()
        except DrawerFailed as exc:
            logger.warning("drawer did not open after P %s: %s", result.gseq, exc)
            return CashResult(
                result.gseq,
                result.kseq,
                result.number,
                result.op,
                result.amount_cents,
                result.extract,
                result.details,
                str(exc),
            )
        return result
