"""The ticket as printed: a journal receipt laid out as a printer-neutral `TicketDocument`.

Pure: from the committed record and its body (receipts.py) to `hw.ports` elements, with every
mention of nf525.md §3.11 and §6.7: company, SIRET, VAT number, till, number, sequence and
signature extract, operator, local date and time, lines with their VAT code letter, quantity
× unit price (weighed lines as "0,532 kg × 24,90 €/kg"), discounts, the old price of an
override, the VAT table, total, tenders and change, line count, transaction type, software
and certificate reference, and a QR code of `core,sig`. Copies carry "DUPLICATA n° k", the
copy date and the D record's own extract; training tickets carry "MODE ÉCOLE – FACTICE" on
every block. The hw renderer fits it to the paper's columns.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from caisse.domain.money import format_eur
from caisse.domain.sale import TENDER_LABELS_FR, Tender
from caisse.domain.vat import format_rate
from caisse.services.ports import JournalEntry, Receipt
from caisse_verif.record import signature_extract
from hw.ports import (
    Align,
    Columns,
    Cut,
    Feed,
    Logo,
    QrCode,
    Separator,
    Table,
    TextLine,
    TicketDocument,
    TicketElement,
)

logger = logging.getLogger(__name__)

VAT_LETTERS: Final[Mapping[int, str]] = {
    550: "A",
    1000: "B",
    2000: "C",
    210: "D",
    0: "E",
    700: "F",
    1960: "G",
}
"""The VAT code letter printed after each line and in the VAT table (fixed per rate)."""

TRAINING_MARK: Final = "MODE ÉCOLE – FACTICE"
DUPLICATE_MARK: Final = "DUPLICATA"

_OPS: Final[Mapping[str, str]] = {
    "SALE": "VENTE",
    "REFUND": "REMBOURSEMENT",
    "CANCEL": "ANNULATION",
}


@dataclass(frozen=True, slots=True)
class LayoutOptions:
    """Store-level choices that do not change the fiscal content.

    Args:
        logo: print the printer's logo at the top.
        qr: print the QR code of the signed core (recommended, nf525.md §6.7).
        footer: closing lines ("Merci de votre visite").
        cut: end with a cut.
    """

    logo: bool = True
    qr: bool = True
    footer: tuple[str, ...] = ("Merci de votre visite !",)
    cut: bool = True


def vat_letter(rate_bp: int) -> str:
    """The code letter of a rate ("*" for a rate outside the French table)."""
    return VAT_LETTERS.get(rate_bp, "*")


def format_qty(qty_milli: int, unit: str) -> str:
    """3 pieces → "3", 2,5 pieces → "2,5", 532 g → "0,532 kg" (French decimals)."""
    sign = "-" if qty_milli < 0 else ""
    whole, milli = divmod(abs(qty_milli), 1000)
    if unit == "kg":
        return f"{sign}{whole},{milli:03d} kg"
    if milli == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole},{milli:03d}".rstrip("0")


def format_local(ts_local: str) -> str:
    """The till's local time as printed: 2026-03-15T14:45:02+01:00 → 15/03/2026 14:45:02."""
    try:
        moment = datetime.fromisoformat(ts_local)
    except ValueError:
        return ts_local
    return moment.strftime("%d/%m/%Y %H:%M:%S")


def short_number(entry: JournalEntry) -> str:
    """The kind and its gap-free counter, e.g. T-000001."""
    return f"{entry.kind}-{entry.kseq:06d}"


def proof_line(entry: JournalEntry) -> str:
    """The proof line of nf525.md §6.7, e.g. `N° T-000001  Seq 42  Sig 4GzO`."""
    return f"N° {short_number(entry)}  Seq {entry.gseq}  Sig {signature_extract(entry.sig)}"


def _tender_label(method: str) -> str:
    try:
        return TENDER_LABELS_FR[Tender(method)]
    except ValueError:
        return method


class _Builder:
    """Collects elements; in training mode each block starts with the watermark."""

    def __init__(self, training: bool) -> None:
        self.training = training
        self.elements: list[TicketElement] = []

    def add(self, *elements: TicketElement) -> None:
        self.elements.extend(elements)

    def block(self) -> None:
        """Start a block (a separator, and the training mark when in training)."""
        if self.elements:
            self.add(Separator())
        if self.training:
            self.add(TextLine(f"*** {TRAINING_MARK} ***", bold=True, align=Align.CENTER))


def _header(b: _Builder, body: Mapping[str, Any], options: LayoutOptions) -> None:
    company = body.get("company") or {}
    b.block()
    if options.logo:
        b.add(Logo())
    b.add(TextLine(str(company.get("name", "")), bold=True, align=Align.CENTER, height=2))
    for part in str(company.get("address", "")).splitlines():
        b.add(TextLine(part, align=Align.CENTER))
    b.add(
        TextLine(f"SIRET {company.get('siret', '')}", align=Align.CENTER),
        TextLine(f"N° TVA {company.get('vat_id', '')}", align=Align.CENTER),
    )


def _identity(b: _Builder, entry: JournalEntry, body: Mapping[str, Any]) -> None:
    op = str(body.get("op", "SALE"))
    b.block()
    b.add(TextLine(_OPS.get(op, op), bold=True, align=Align.CENTER, width=2, height=2))
    refers = body.get("refers_to") or {}
    if op == "REFUND" and refers:
        b.add(Columns("Ticket d'origine", str(refers.get("number", ""))))
    elif op == "CANCEL" and refers:
        b.add(Columns("Annule le ticket", str(refers.get("number", ""))))
    if body.get("reason"):
        b.add(TextLine(f"Motif : {body['reason']}"))
    operator = body.get("operator") or {}
    b.add(
        Columns("Ticket", str(body.get("ticket_no", short_number(entry)))),
        Columns("Caisse", f"{body.get('till', '')}  Magasin {body.get('store', '')}".strip()),
        Columns("Opérateur", str(operator.get("name") or operator.get("id", ""))),
        Columns("Date", format_local(str(body.get("ts_local", "")))),
    )
    if body.get("training") and body.get("supervisor"):
        b.add(Columns("Superviseur", str(body["supervisor"])))


def _lines(b: _Builder, lines: Sequence[Mapping[str, Any]]) -> None:
    b.block()
    for line in lines:
        qty = int(line["qty_milli"])
        unit = str(line.get("unit", "piece"))
        unit_price = int(line["unit_ttc_cents"])
        discount = int(line.get("discount_cents", 0))
        ticket_share = int(line.get("ticket_discount_cents", 0))
        amount = int(line["line_ttc_cents"]) + discount + ticket_share  # before any discount
        letter = vat_letter(int(line["vat_bp"]))
        right = f"{format_eur(amount)} {letter}"
        label = str(line["label"])
        override = line.get("price_override")
        if unit != "kg" and qty == 1000 and not discount and not override:
            b.add(Columns(label, right))
        else:
            b.add(TextLine(label))
            price = f"{format_eur(unit_price)}/kg" if unit == "kg" else format_eur(unit_price)
            b.add(Columns(f"  {format_qty(qty, unit)} × {price}", right))
        if override:
            reason = str(override.get("reason") or "")
            text = f"  Prix initial {format_eur(int(override['from_cents']))}"
            b.add(TextLine(f"{text} ({reason})" if reason else text))
        if discount:
            b.add(Columns("  Remise", format_eur(-discount)))


def _totals(b: _Builder, body: Mapping[str, Any]) -> None:
    b.block()
    lines = body.get("lines") or []
    count = int(body.get("line_count", len(lines)))
    items = sum(abs(int(li["qty_milli"])) for li in lines if li.get("unit") != "kg")
    b.add(Columns("Nombre de lignes", str(count)))
    if items:
        b.add(Columns("Nombre d'articles", format_qty(items, "piece")))
    ticket_discount = int(body.get("ticket_discount_cents", 0))
    if ticket_discount:
        b.add(Columns("Remise sur le ticket", format_eur(-ticket_discount)))
    b.add(
        Columns("TOTAL TTC", format_eur(int(body.get("total_ttc_cents", 0))), bold=True, height=2)
    )


def _payments(b: _Builder, body: Mapping[str, Any]) -> None:
    payments = body.get("payments") or []
    if not payments:
        return
    b.block()
    for payment in payments:
        b.add(
            Columns(_tender_label(str(payment["method"])), format_eur(int(payment["amount_cents"])))
        )
    change = int(body.get("change_cents", 0))
    if change:
        b.add(Columns("Rendu", format_eur(change)))


def _vat(b: _Builder, body: Mapping[str, Any]) -> None:
    vat = body.get("vat") or []
    if not vat:
        return
    b.block()
    rows = tuple(
        (
            vat_letter(int(v["rate_bp"])),
            format_rate(int(v["rate_bp"])),
            _amount(int(v["ht"])),
            _amount(int(v["tva"])),
            _amount(int(v["ttc"])),
        )
        for v in vat
    )
    b.add(Table(rows, header=("Code", "Taux", "HT", "TVA", "TTC")))
    b.add(Columns("Total HT", format_eur(int(body.get("total_ht_cents", 0)))))
    tva = sum(int(v["tva"]) for v in vat)
    b.add(Columns("Total TVA", format_eur(tva)))


def _amount(cents: int) -> str:
    """An amount without the euro sign (table cells), e.g. "1 234,50"."""
    return format_eur(cents).removesuffix("€").rstrip("\u00a0 ")


def _footer(
    b: _Builder,
    entry: JournalEntry,
    body: Mapping[str, Any],
    options: LayoutOptions,
    *,
    qr: bool,
) -> None:
    b.block()
    software = body.get("software") or {}
    b.add(
        TextLine(proof_line(entry), bold=True, align=Align.CENTER),
        TextLine(
            f"Logiciel {software.get('name', '')} {software.get('version', '')}".rstrip(),
            align=Align.CENTER,
        ),
    )
    if body.get("cert_ref"):
        b.add(TextLine(str(body["cert_ref"]), align=Align.CENTER))
    if qr:
        b.add(QrCode(f"{entry.core},{entry.sig}"))
    for line in options.footer:
        b.add(TextLine(line, align=Align.CENTER))


def _ticket(
    b: _Builder,
    entry: JournalEntry,
    body: Mapping[str, Any],
    options: LayoutOptions,
) -> None:
    _header(b, body, options)
    _identity(b, entry, body)
    _lines(b, body.get("lines") or [])
    _totals(b, body)
    _payments(b, body)
    _vat(b, body)
    _footer(b, entry, body, options, qr=options.qr)


def _duplicate_banner(b: _Builder, receipt: Receipt) -> None:
    body = receipt.body
    b.add(
        TextLine(
            f"{DUPLICATE_MARK} n° {body.get('copy_no', '')}",
            bold=True,
            align=Align.CENTER,
            width=2,
            height=2,
        ),
        TextLine(f"Copie du {format_local(str(body.get('ts_local', '')))}", align=Align.CENTER),
        TextLine(proof_line(receipt.entry), align=Align.CENTER),
    )


def _finish(b: _Builder, options: LayoutOptions) -> None:
    if b.training:
        b.block()
    if options.cut:
        b.add(Feed(1), Cut())


def layout_receipt(receipt: Receipt, options: LayoutOptions | None = None) -> TicketDocument:
    """The printable ticket of a T, X or D receipt.

    A D receipt reproduces its original (when `receipt.original` is given) between two
    DUPLICATA banners carrying the copy's date and its own signature extract.
    """
    options = options or LayoutOptions()
    entry, body = receipt.entry, receipt.body
    if entry.kind == "D" or receipt.copy:
        original = receipt.original
        original_body: Mapping[str, Any] = json.loads(original.body) if original else {}
        b = _Builder(training=bool(original_body.get("training")))
        b.block()
        _duplicate_banner(b, receipt)
        if original is not None:
            _ticket(b, original, original_body, options)
        else:
            refs = body.get("original") or {}
            b.block()
            b.add(
                Columns("Ticket d'origine", str(refs.get("number", ""))),
                Columns("Seq d'origine", str(refs.get("gseq", ""))),
            )
        b.block()
        _duplicate_banner(b, receipt)
        _finish(b, options)
        number = refs_number(body)
        return TicketDocument(tuple(b.elements), f"{DUPLICATE_MARK} {number}".strip())
    b = _Builder(training=bool(body.get("training")) or entry.kind == "X")
    _ticket(b, entry, body, options)
    _finish(b, options)
    return TicketDocument(tuple(b.elements), str(body.get("ticket_no", short_number(entry))))


def refs_number(body: Mapping[str, Any]) -> str:
    """The original's number named by a D body."""
    refs = body.get("original") or {}
    return str(refs.get("number", ""))
