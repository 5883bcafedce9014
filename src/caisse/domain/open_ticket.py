"""An open sale as plain JSON data, so that a ticket being built survives a restart.

An open ticket is not fiscal: nothing is journaled until it is finalised. What is kept is
exactly what the cashier built (every line with the product as scanned, voided lines, discounts,
price overrides and the tenders already taken), so that a resumed ticket computes the same
totals to the cent. Reading it back goes through the `Sale` constructor, which applies the same
rules as ringing it up.
"""

from __future__ import annotations

import logging
from typing import Any

from caisse.domain.catalog import Product
from caisse.domain.errors import InvalidInput
from caisse.domain.sale import Discount, Payment, PriceOverride, Sale, SaleLine, SaleOp, Tender
from caisse.domain.units import Unit

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1


def _discount_to_data(discount: Discount | None) -> dict[str, int] | None:
    if discount is None:
        return None
    if discount.percent_bp is not None:
        return {"percent_bp": discount.percent_bp}
    return {"amount_cents": int(discount.amount_cents or 0)}


def _discount_from_data(data: Any) -> Discount | None:
    if data is None:
        return None
    return Discount(percent_bp=data.get("percent_bp"), amount_cents=data.get("amount_cents"))


def _line_to_data(line: SaleLine) -> dict[str, Any]:
    p = line.product
    override = line.price_override
    return {
        "n": line.n,
        "product": {
            "sku": p.sku,
            "label": p.label,
            "price_ttc_cents": p.price_ttc_cents,
            "vat_bp": p.vat_bp,
            "category": p.category,
            "unit": str(p.unit),
            "ean": p.ean,
            "plu": p.plu,
        },
        "qty_milli": line.qty_milli,
        "unit_ttc_cents": line.unit_ttc_cents,
        "discount": _discount_to_data(line.discount),
        "price_override": None
        if override is None
        else {"from": override.from_cents, "to": override.to_cents, "reason": override.reason},
        "voided": line.voided,
        "void_reason": line.void_reason,
    }


def _line_from_data(data: Any) -> SaleLine:
    p = data["product"]
    override = data.get("price_override")
    return SaleLine(
        n=int(data["n"]),
        product=Product(
            sku=str(p["sku"]),
            label=str(p["label"]),
            price_ttc_cents=int(p["price_ttc_cents"]),
            vat_bp=int(p["vat_bp"]),
            category=str(p.get("category", "")),
            unit=Unit(p.get("unit", "piece")),
            ean=p.get("ean"),
            plu=p.get("plu"),
        ),
        qty_milli=int(data["qty_milli"]),
        unit_ttc_cents=int(data["unit_ttc_cents"]),
        discount=_discount_from_data(data.get("discount")),
        price_override=None
        if override is None
        else PriceOverride(int(override["from"]), int(override["to"]), str(override["reason"])),
        voided=bool(data.get("voided", False)),
        void_reason=data.get("void_reason"),
    )


def sale_to_data(sale: Sale) -> dict[str, Any]:
    """The sale as JSON-ready data (its `id` and state are kept by the store, not here)."""
    return {
        "v": FORMAT_VERSION,
        "op": str(sale.op),
        "lines": [_line_to_data(line) for line in sale.lines],
        "ticket_discount": _discount_to_data(sale.ticket_discount),
        "payments": [
            {"method": str(p.method), "amount_cents": p.amount_cents} for p in sale.payments
        ],
    }


def sale_from_data(data: Any, sale_id: str | None = None) -> Sale:
    """An open sale rebuilt from `sale_to_data` output.

    Raises:
        InvalidInput: the data is not an open ticket of a known format (a damaged row).
    """
    if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
        raise _unreadable(sale_id, "unknown format")
    try:
        return Sale(
            op=SaleOp(data.get("op", "SALE")),
            id=sale_id,
            lines=tuple(_line_from_data(line) for line in data["lines"]),
            ticket_discount=_discount_from_data(data.get("ticket_discount")),
            payments=tuple(
                Payment(Tender(p["method"]), int(p["amount_cents"])) for p in data["payments"]
            ),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _unreadable(sale_id, str(exc)) from exc


def _unreadable(sale_id: str | None, why: str) -> InvalidInput:
    logger.warning("open ticket %s unreadable: %s", sale_id, why)
    return InvalidInput(
        "Ce ticket en attente est illisible : il ne peut pas être repris.",
        "This parked ticket is unreadable: it cannot be resumed.",
    )


def item_count(sale: Sale) -> int:
    """How many items the list shows: pieces counted one by one, a weighed line as one."""
    count = 0
    for line in sale.active_lines:
        if line.unit is Unit.KG:
            count += 1
        else:
            count += max(line.qty_milli // 1000, 1)
    return count
