"""Stock entered by hand: adjustments with a reason, goods receipts and inventory counts.

Each one writes a movement to the till's own stock ledger and queues its event for the
central server (`caisse.services.ops_events`) in one transaction: both or neither. None of
them is a fiscal record (nf525.md covers sales, payments, closures and technical events,
not stock), so the signed journal is not touched.

An inventory count is kept as "counted X at T" (sync.md §3.5): the server re-anchors it
against the movements it knows up to T, late sales included. The till records the difference
between X and the level it shows, so that its display agrees with the count at once.

Rights: the three need `Right.MANAGE_STOCK` (managers and admins), checked here so that the
command line and the touch screen obey the same rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from caisse.domain.catalog import Product, Unit
from caisse.domain.errors import InvalidInput, InvalidQuantity, UnknownProduct
from caisse.domain.money import parse_quantity
from caisse.services import ops_events
from caisse.services.context import TillContext
from caisse.services.operators import OperatorSession, Right, require
from caisse.services.ports import UnitOfWork

MAX_COMMENT_CHARS = 200
_ZERO_RE = re.compile(r"0+(?:[.,]0*)?")


class StockReason(StrEnum):
    """Why stock was entered by hand: two entries, five exits (product.md, Stock)."""

    INITIAL = "initial"
    FOUND = "found"
    BREAKAGE = "breakage"
    EXPIRED = "expired"
    LOSS = "loss"
    DEFECTIVE = "defective"
    THEFT = "theft"

    @property
    def is_exit(self) -> bool:
        return self not in (StockReason.INITIAL, StockReason.FOUND)


REASON_LABELS: dict[StockReason, tuple[str, str]] = {
    StockReason.INITIAL: ("stock initial", "initial stock"),
    StockReason.FOUND: ("retrouvé", "found"),
    StockReason.BREAKAGE: ("casse", "breakage"),
    StockReason.EXPIRED: ("périmé", "expired"),
    StockReason.LOSS: ("perte", "loss"),
    StockReason.DEFECTIVE: ("défectueux", "defective"),
    StockReason.THEFT: ("vol", "theft"),
}


@dataclass(frozen=True, slots=True)
class StockResult:
    """What one entry did: its event, the movement written and the level now shown."""

    event_id: str
    kind: str
    sku: str
    qty_milli: int
    level_milli: int
    counted_milli: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "kind": self.kind,
            "sku": self.sku,
            "qty_milli": self.qty_milli,
            "level_milli": self.level_milli,
            "counted_milli": self.counted_milli,
        }


def parse_reason(text: str) -> StockReason:
    """A reason by its code (``breakage``) or its French label (``casse``).

    Raises:
        InvalidInput: neither.
    """
    wanted = text.strip().lower()
    for reason, (fr, en) in REASON_LABELS.items():
        if wanted in (reason.value, fr, en):
            return reason
    names = ", ".join(f"{r.value} ({fr})" for r, (fr, _) in REASON_LABELS.items())
    raise InvalidInput(
        f"Motif de stock inconnu : « {text} » (attendu : {names}).",
        f"Unknown stock reason: '{text}' (expected: {', '.join(r.value for r in StockReason)}).",
    )


def _quantity(text: str, unit: Unit, *, allow_zero: bool, negative_fr: str) -> int:
    shown = str(text).strip()
    if shown.startswith("-"):
        raise InvalidQuantity(
            f"La quantité « {shown} » est négative : {negative_fr}",
            f"The quantity '{shown}' is negative: give a positive quantity.",
        )
    if allow_zero and _ZERO_RE.fullmatch(shown):
        return 0
    return parse_quantity(shown, unit)


def _comment(text: str) -> str:
    comment = " ".join(text.split())
    if len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInput(
            f"Le commentaire dépasse {MAX_COMMENT_CHARS} caractères.",
            f"The comment is longer than {MAX_COMMENT_CHARS} characters.",
        )
    return comment


def _product(uow: UnitOfWork, code: str) -> Product:
    product = uow.catalog.find(code.strip())
    if product is None:
        raise UnknownProduct(
            f"Article inconnu : « {code} » (ni référence, ni EAN, ni PLU du catalogue).",
            f"Unknown article: '{code}' (no catalogue sku, EAN or PLU).",
            code=code,
        )
    return product


class StockService:
    """Hand adjustments, goods receipts and inventory counts at the till."""

    def __init__(self, till: TillContext) -> None:
        self._till = till

    def level(self, code: str) -> int:
        """The level shown for an article, in thousandths of its unit.

        Raises:
            UnknownProduct: no such article.
        """
        with self._till.uow() as uow:
            return uow.stock_view.shown(_product(uow, code).sku)

    def adjust(
        self,
        session: OperatorSession,
        code: str,
        quantity: str,
        reason: StockReason | str,
        comment: str = "",
    ) -> StockResult:
        """Stock entered or removed by hand; the reason says which way (casse removes).

        Raises:
            PermissionDenied: the operator may not enter stock.
            InvalidInput: unknown reason, a negative, zero or non-numeric quantity, a comment
                too long.
            UnknownProduct: no such article.
        """
        require(session, Right.MANAGE_STOCK)
        why = reason if isinstance(reason, StockReason) else parse_reason(reason)
        note = _comment(comment)
        with self._till.uow() as uow:
            product = _product(uow, code)
            qty = _quantity(
                quantity,
                product.unit,
                allow_zero=False,
                negative_fr="donnez une quantité positive et un motif de sortie "
                "(casse, perte, vol…) pour retirer du stock.",
            )
            delta = -qty if why.is_exit else qty
            payload: dict[str, Any] = {
                "sku": product.sku,
                "qty_milli": delta,
                "reason": why.value,
                "operator_id": session.id,
            }
            if note:
                payload["comment"] = note
            return self._write(
                uow, ops_events.STOCK_ADJUST, product, delta, f"adjust:{why}", payload
            )

    def receive(
        self, session: OperatorSession, code: str, quantity: str, reference: str = ""
    ) -> StockResult:
        """Goods received (a delivery), with the supplier's delivery note reference if any.

        Raises:
            PermissionDenied, InvalidInput, UnknownProduct: as `adjust`.
        """
        require(session, Right.MANAGE_STOCK)
        note = _comment(reference)
        with self._till.uow() as uow:
            product = _product(uow, code)
            qty = _quantity(
                quantity,
                product.unit,
                allow_zero=False,
                negative_fr="une réception ajoute du stock ; pour en retirer, faites un "
                "ajustement avec un motif de sortie.",
            )
            payload: dict[str, Any] = {
                "sku": product.sku,
                "qty_milli": qty,
                "reason": "delivery",
                "operator_id": session.id,
            }
            if note:
                payload["reference"] = note
            return self._write(uow, ops_events.STOCK_RECEIPT, product, qty, "receipt", payload)

    def count(self, session: OperatorSession, code: str, counted: str) -> StockResult:
        """An inventory count: "counted X now"; zero is a valid count.

        Raises:
            PermissionDenied, InvalidInput, UnknownProduct: as `adjust`.
        """
        require(session, Right.MANAGE_STOCK)
        with self._till.uow() as uow:
            product = _product(uow, code)
            qty = _quantity(
                counted,
                product.unit,
                allow_zero=True,
                negative_fr="un stock compté ne peut pas être négatif.",
            )
            shown = uow.stock_view.shown(product.sku)
            delta = qty - shown
            payload = {
                "sku": product.sku,
                "counted_milli": qty,
                "expected_milli": shown,
                "operator_id": session.id,
            }
            return self._write(
                uow, ops_events.STOCK_COUNT, product, delta, "count", payload, counted=qty
            )

    def _write(
        self,
        uow: UnitOfWork,
        kind: str,
        product: Product,
        delta: int,
        ledger_reason: str,
        payload: dict[str, Any],
        *,
        counted: int | None = None,
    ) -> StockResult:
        now = self._till.clock.now()
        if delta != 0:
            uow.stock.add_movements(
                [(product.sku, delta, None, ledger_reason, ops_events.iso_seconds(now))]
            )
        event = ops_events.queue(uow, kind, now, payload, sku=product.sku, qty_milli=delta)
        level = uow.stock_view.shown(product.sku)
        uow.commit()
        if self._till.listener is not None:
            self._till.listener.ops_queued()
        return StockResult(event.event_id, kind, product.sku, delta, level, counted)
