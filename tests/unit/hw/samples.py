"""Hand-built receipts (bodies as receipts.py writes them) for layout and rendering tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from caisse.domain.catalog import Unit
from caisse.domain.sale import Discount, LineInput, PriceOverride, compute_ticket
from caisse.services.ports import JournalEntry, Receipt
from caisse.services.receipts import line_block
from caisse_verif.record import signature_extract

# nf525.md TV-1: a real core and signature (extract 4GzO)
TV1_CORE = (
    "FR1,TILL01,1,T,1,20260315134502Z,550:210|2000:1200,1410,-,"
    "GdZXGay0vvyc0yFoADMskW-nXveiL9jSu5r_hfTspYA,KzKX5zEdQsvRc72YwZBViYkopcM4-bxILCipmsix5UM"
)
TV1_SIG = "gT4_lMGTQ_BIzw9pcaODACg4QfFGfkC-F4jND3-wNw42paCa3DogObMNourPFrgCG7wGDWI231P2ir61iUhmUg"
D_SIG = "Zy9_QpXw3Lk0Rt7uVb2Nc4Ej6Ha8Fm1Gs5Td0Yo2Wi9Pl3Ku7Je1Mh5Ng8Bq4Cr6Dx0Az2Sy9"

COMPANY = {
    "name": "Épicerie Test",
    "siren": "732829320",
    "siret": "73282932000074",
    "vat_id": "FR44732829320",
    "address": "1 rue du Test, 75001 Paris",
}


def body_for(
    lines: Sequence[LineInput],
    payments: Sequence[tuple[str, int]],
    *,
    op: str = "SALE",
    kind: str = "T",
    kseq: int = 1,
    ticket_discount: Discount | None = None,
    refers_to: dict[str, Any] | None = None,
    training: bool = False,
) -> dict[str, Any]:
    totals = compute_ticket(list(lines), ticket_discount)
    paid = sum(a for _, a in payments)
    return {
        "op": op,
        "ticket_no": f"TILL01-{kind}-{kseq:06d}",
        "ts_utc": "2026-03-15T13:45:02Z",
        "ts_local": "2026-03-15T14:45:02+01:00",
        "business_date": "2026-03-15",
        "company": COMPANY,
        "till": "TILL01",
        "store": "S1",
        "operator": {"id": "marie", "name": "Marie"},
        "lines": [line_block(li) for li in totals.lines],
        "line_count": len(totals.lines),
        "ticket_discount_cents": totals.ticket_discount_cents,
        "vat": [{"rate_bp": v.rate_bp, "ht": v.ht, "tva": v.tva, "ttc": v.ttc} for v in totals.vat],
        "total_ht_cents": totals.total_ht_cents,
        "total_ttc_cents": totals.total_ttc_cents,
        "payments": [{"method": m, "amount_cents": a, "currency": "EUR"} for m, a in payments],
        "change_cents": paid - totals.total_ttc_cents,
        "refers_to": refers_to,
        "gt_before": 0,
        "gt_after": totals.total_ttc_cents,
        "gt_abs_after": abs(totals.total_ttc_cents),
        "training": training,
        "supervisor": "paul" if training else None,
        "printed": "paper",
        "software": {"name": "caisse", "version": "0.1.0", "build_sha256": "x" * 64},
        "cert_ref": "Attestation individuelle de l'éditeur (art. 286 I 3° bis CGI)",
    }


def entry_for(
    body: dict[str, Any],
    *,
    kind: str = "T",
    kseq: int = 1,
    gseq: int = 42,
    sig: str = TV1_SIG,
    core: str = TV1_CORE,
) -> JournalEntry:
    return JournalEntry(
        gseq=gseq,
        kind=kind,
        kseq=kseq,
        ts=body.get("ts_utc", ""),
        core=core,
        sig=sig,
        body=json.dumps(body, ensure_ascii=False, sort_keys=True).encode(),
        token_sha256="t" * 43,
    )


def receipt_for(body: dict[str, Any], **kwargs: Any) -> Receipt:
    entry = entry_for(body, **kwargs)
    return Receipt(entry, body, signature_extract(entry.sig), copy=False)


def line(
    n: int,
    label: str,
    vat_bp: int,
    qty_milli: int,
    unit_cents: int,
    *,
    unit: Unit = Unit.PIECE,
    discount: Discount | None = None,
    override: PriceOverride | None = None,
    sku: str | None = None,
) -> LineInput:
    return LineInput(
        n=n,
        sku=sku or f"SKU{n}",
        label=label,
        vat_bp=vat_bp,
        unit=unit,
        qty_milli=qty_milli,
        unit_ttc_cents=unit_cents,
        line_discount=discount,
        price_override=override,
    )


SALE_LINES = (
    line(1, "Baguette", 550, 2000, 105),
    line(2, "Vin rouge", 2000, 1000, 1200),
    line(3, "Comté AOP", 550, 532, 2490, unit=Unit.KG),
)


def sale_receipt() -> Receipt:
    return receipt_for(body_for(SALE_LINES, [("CASH", 3000)]))


def weighed_receipt() -> Receipt:
    return receipt_for(body_for((SALE_LINES[2],), [("CARD", 1325)]))


def duplicate_receipt(original: Receipt, copy_no: int = 1) -> Receipt:
    body = {
        "original": {
            "gseq": original.entry.gseq,
            "number": original.body["ticket_no"],
            "token_hash": original.entry.token_sha256,
        },
        "copy_no": copy_no,
        "reason": "client",
        "operator": {"id": "marie", "name": "Marie"},
        "channel": "paper",
        "ts_utc": "2026-03-16T09:00:00Z",
        "ts_local": "2026-03-16T10:00:00+01:00",
        "till": "TILL01",
        "ticket_no": "TILL01-D-000001",
        "software": {"name": "caisse", "version": "0.1.0", "build_sha256": "x" * 64},
    }
    d_core = f"FR1,TILL01,57,D,1,20260316090000Z,-,0,{original.entry.gseq},h,p"
    entry = entry_for(body, kind="D", kseq=1, gseq=57, sig=D_SIG, core=d_core)
    return Receipt(entry, body, signature_extract(D_SIG), copy=True, original=original.entry)
