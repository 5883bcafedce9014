"""Builds the bodies of T, X and D records from a computed ticket (nf525.md §6.3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from caisse.domain.sale import ComputedLine, Payment, TicketTotals
from caisse.services.journal_writer import AppendContext, SoftwareInfo
from caisse.services.operators import OperatorSession


def company_block(ctx: AppendContext) -> dict[str, str]:
    till = ctx.till
    return {
        "name": till.company_name,
        "siren": till.siren,
        "siret": till.siret,
        "vat_id": till.vat_id,
        "address": till.address,
    }


def line_block(line: ComputedLine, origin_n: int | None = None) -> dict[str, Any]:
    override = line.price_override
    block: dict[str, Any] = {
        "n": line.n,
        "sku": line.sku,
        "label": line.label,
        "unit": str(line.unit),
        "qty_milli": line.qty_milli,
        "unit_ttc_cents": line.unit_ttc_cents,
        "unit_ht_cents": line.unit_ht_cents,
        "vat_bp": line.vat_bp,
        "line_ht_cents": line.line_ht_cents,
        "line_ttc_cents": line.line_ttc_cents,
        "discount_cents": line.discount_cents,
        "ticket_discount_cents": line.ticket_discount_cents,
        "price_override": None
        if override is None
        else {
            "from_cents": override.from_cents,
            "to_cents": override.to_cents,
            "reason": override.reason,
        },
    }
    if origin_n is not None:
        block["origin_n"] = origin_n
    return block


def ticket_body(
    ctx: AppendContext,
    *,
    op: str,
    operator: OperatorSession,
    totals: TicketTotals,
    payments: Sequence[Payment],
    change_cents: int,
    software: SoftwareInfo,
    printed: str,
    training_supervisor: str | None,
    refers_to: Mapping[str, Any] | None = None,
    origins: Sequence[int] | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """The body of a T (or, in training, X) record with every field of nf525.md §6.3."""
    training = training_supervisor is not None
    gt_after = ctx.gt_before if training else ctx.gt_before + totals.total_ttc_cents
    gt_abs_after = (
        ctx.gt_abs_before if training else ctx.gt_abs_before + abs(totals.total_ttc_cents)
    )
    lines = [
        line_block(line, origins[i] if origins is not None else None)
        for i, line in enumerate(totals.lines)
    ]
    body: dict[str, Any] = {
        "op": op,
        "ticket_no": ctx.number,
        "ts_utc": ctx.ts_utc,
        "ts_local": ctx.local.isoformat(),
        "business_date": ctx.business_date,
        "company": company_block(ctx),
        "till": ctx.till.till_id,
        "store": ctx.till.store_id,
        "operator": operator.as_body(),
        "lines": lines,
        "line_count": len(lines),
        "ticket_discount_cents": totals.ticket_discount_cents,
        "vat": [{"rate_bp": v.rate_bp, "ht": v.ht, "tva": v.tva, "ttc": v.ttc} for v in totals.vat],
        "total_ht_cents": totals.total_ht_cents,
        "total_ttc_cents": totals.total_ttc_cents,
        "payments": [
            {"method": str(p.method), "amount_cents": p.amount_cents, "currency": "EUR"}
            for p in payments
        ],
        "change_cents": change_cents,
        "refers_to": dict(refers_to) if refers_to is not None else None,
        "gt_before": ctx.gt_before,
        "gt_after": gt_after,
        "gt_abs_after": gt_abs_after,
        "training": training,
        "supervisor": training_supervisor,
        "printed": printed,
        "software": software.as_body(),
        "cert_ref": software.cert_ref,
    }
    if reason is not None:
        body["reason"] = reason
    return body


def vat_token(totals: TicketTotals) -> tuple[tuple[int, int], ...]:
    return tuple((v.rate_bp, v.ttc) for v in totals.vat)
