"""The X report and the Z/M/Y closures as printed tickets (printer-neutral `TicketDocument`).

Pure: from the report dictionaries of `caisse.services.reports` (a closure body plus its range
details, or the X report) to `hw.ports` elements, in French: VAT per rate for sales, returns
and net, the ticket counts, tenders net of change, cash movements, the cash counts with their
differences and justifications, the operators, training totals (outside the grand total), the
period and perpetual grand totals, the first and last ticket, and for a closure its number,
sequence, signature extract, the kid (nf525.md §6.7) and a QR of its core and signature. The
X report says in capitals that it is not a closure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from caisse.domain.closures import french_date
from caisse.domain.money import format_eur
from caisse.domain.sale import TENDER_LABELS_FR, Tender
from caisse.domain.vat import format_rate
from caisse.services.ticket_layout import format_local, vat_letter
from caisse_verif.record import signature_extract
from hw.ports import (
    Align,
    Columns,
    Cut,
    Feed,
    QrCode,
    Separator,
    Table,
    TextLine,
    TicketDocument,
    TicketElement,
)

MOVEMENT_LABELS: Final[Mapping[str, str]] = {
    "OPEN": "Ouvertures de caisse",
    "CASH_IN": "Entrées d'espèces",
    "CASH_OUT": "Sorties d'espèces",
    "SAFE_DROP": "Dépôts au coffre",
    "BANK_DEPOSIT": "Remises en banque",
    "COUNT": "Comptages",
}
CLOSURE_TITLES: Final[Mapping[str, str]] = {
    "Z": "CLÔTURE JOURNALIÈRE (Z)",
    "M": "CLÔTURE MENSUELLE (M)",
    "Y": "CLÔTURE ANNUELLE (Y)",
}
X_TITLE: Final = "RAPPORT X"
X_NOTICE: Final = "Lecture sans clôture"


def tender_label(method: str) -> str:
    """The French name of a tender ("CASH" → "Espèces"); unknown ones as they are."""
    try:
        return TENDER_LABELS_FR[Tender(method)]
    except ValueError:
        return method


TENDER_SHORT: Final[Mapping[str, str]] = {
    "CASH": "Espèces",
    "CARD": "CB",
    "CHEQUE": "Chèque",
    "MEAL_VOUCHER": "Titre-rest.",
    "GIFT_VOUCHER": "Bon achat",
    "CREDIT_NOTE": "Avoir",
}
"""Tender names short enough for a four-column table on 58 mm paper."""


def _amount(cents: int) -> str:
    return format_eur(cents).removesuffix("€").rstrip("\u00a0 ")


def _hts_row(letter: str, rate_bp: int, block: Mapping[str, Any]) -> tuple[str, ...]:
    return (
        letter,
        format_rate(rate_bp),
        _amount(int(block["ht"])),
        _amount(int(block["tva"])),
        _amount(int(block["ttc"])),
    )


class _Doc:
    def __init__(self) -> None:
        self.elements: list[TicketElement] = []

    def add(self, *elements: TicketElement) -> None:
        self.elements.extend(elements)

    def section(self, title: str) -> None:
        self.add(Separator(), TextLine(title, bold=True))


def _header(d: _Doc, report: Mapping[str, Any]) -> None:
    company = report.get("company") or {}
    d.add(TextLine(str(company.get("name", "")), bold=True, align=Align.CENTER, height=2))
    for part in str(company.get("address", "")).splitlines():
        d.add(TextLine(part, align=Align.CENTER))
    d.add(
        TextLine(f"SIRET {company.get('siret', '')}", align=Align.CENTER),
        TextLine(f"N° TVA {company.get('vat_id', '')}", align=Align.CENTER),
        Separator(),
    )


def _counts(d: _Doc, report: Mapping[str, Any]) -> None:
    counts = report.get("counts") or {}
    tickets = counts.get("tickets") or {}
    voids = counts.get("voids") or {}
    d.section("TICKETS")
    d.add(
        Columns("Ventes", str(tickets.get("SALE", 0))),
        Columns("Remboursements", str(tickets.get("REFUND", 0))),
        Columns("Annulations", str(tickets.get("CANCEL", 0))),
        Columns("Annulations avant paiement", str(sum(int(v) for v in voids.values()))),
    )
    records = counts.get("records") or {}
    if records.get("D"):
        d.add(Columns("Duplicatas", str(records["D"])))


def _vat(d: _Doc, report: Mapping[str, Any]) -> None:
    vat = report.get("vat") or []
    header = ("Code", "Taux", "HT", "TVA", "TTC")
    for part, title in (("sales", "VENTES PAR TAUX"), ("returns", "RETOURS PAR TAUX")):
        rows = tuple(
            _hts_row(vat_letter(int(v["rate_bp"])), int(v["rate_bp"]), v[part])
            for v in vat
            if any(int(v[part][k]) for k in ("ht", "tva", "ttc"))
        )
        d.section(title)
        if rows:
            d.add(Table(rows, header=header))
        else:
            d.add(TextLine("Néant"))
    d.section("NET PAR TAUX DE TVA")
    rows = tuple(_hts_row(vat_letter(int(v["rate_bp"])), int(v["rate_bp"]), v["net"]) for v in vat)
    if rows:
        d.add(Table(rows, header=header))
    totals = report.get("totals") or {}
    sales, returns, net = (
        totals.get(k) or {"ht": 0, "tva": 0, "ttc": 0} for k in ("sales", "returns", "net")
    )
    d.add(
        Columns("Ventes TTC", format_eur(int(sales["ttc"]))),
        Columns("Retours TTC", format_eur(int(returns["ttc"]))),
        Columns("Total HT", format_eur(int(net["ht"]))),
        Columns("Total TVA", format_eur(int(net["tva"]))),
        Columns("TOTAL TTC NET", format_eur(int(net["ttc"])), bold=True),
    )


def _tenders(d: _Doc, report: Mapping[str, Any]) -> None:
    d.section("RÈGLEMENTS (rendu déduit)")
    payments = report.get("payments") or []
    if not payments:
        d.add(TextLine("Néant"))
    for p in payments:
        d.add(Columns(tender_label(str(p["method"])), format_eur(int(p["amount_cents"]))))
    movements = report.get("cash_movements") or []
    if movements:
        d.section("OPÉRATIONS DE CAISSE")
        for m in movements:
            label = MOVEMENT_LABELS.get(str(m["op"]), str(m["op"]))
            amount = int(m["amount_cents"])
            right = f"{m['count']}" + (f"  {format_eur(amount)}" if amount else "")
            d.add(Columns(label, right))


def _cash_counts(d: _Doc, report: Mapping[str, Any]) -> None:
    counts: Sequence[Mapping[str, Any]] = report.get("cash_counts") or []
    openings: Sequence[Mapping[str, Any]] = report.get("opening_differences") or []
    session = report.get("cash_session")
    if not counts and not openings and not session:
        return
    d.section("COMPTAGES DE CAISSE")
    if session:
        d.add(
            Columns("Espèces attendues", format_eur(int(session.get("expected_cash_cents", 0)))),
        )
    for o in openings:
        d.add(
            Columns(
                f"Écart à l'ouverture {o.get('number', '')}",
                format_eur(int(o["difference_cents"])),
            )
        )
    for c in counts:
        d.add(TextLine(f"Comptage {c.get('number', '')} ({c.get('operator') or ''})"))
        rows = tuple(
            (
                TENDER_SHORT.get(str(t["method"]), str(t["method"]))[:11],
                _amount(int(t["expected_cents"])),
                "-" if t.get("counted_cents") is None else _amount(int(t["counted_cents"])),
                "-" if t.get("difference_cents") is None else _amount(int(t["difference_cents"])),
            )
            for t in c.get("tenders") or []
        )
        if rows:
            d.add(Table(rows, header=("Moyen", "Attendu", "Compté", "Écart")))
        if c.get("justification"):
            d.add(TextLine(f"Justification : {c['justification']}"))


def _operators(d: _Doc, report: Mapping[str, Any]) -> None:
    operators: Sequence[Mapping[str, Any]] = report.get("operators") or []
    if not operators:
        return
    d.section("OPÉRATEURS")
    for o in operators:
        d.add(
            Columns(str(o.get("name") or o.get("id")), format_eur(int(o["net_ttc_cents"]))),
            TextLine(
                f"  {o.get('SALE', 0)} vente(s), {o.get('REFUND', 0)} remb., "
                f"{o.get('CANCEL', 0)} annul."
            ),
        )


def _training_and_gt(d: _Doc, report: Mapping[str, Any]) -> None:
    training = report.get("training") or {}
    d.section("MODE ÉCOLE (hors grand total)")
    d.add(
        Columns("Tickets école", str(training.get("count", 0))),
        Columns("Montant école", format_eur(int(training.get("amount_cents", 0)))),
    )
    gt = report.get("gt") or {}
    d.section("GRANDS TOTAUX")
    d.add(
        Columns("GT période", format_eur(int(gt.get("period", 0)))),
        Columns("GT perpétuel", format_eur(int(gt.get("perpetual", 0))), bold=True),
        Columns("GT perpétuel absolu", format_eur(int(gt.get("perpetual_abs", 0)))),
    )
    d.section("TICKETS DE LA PÉRIODE")
    first, last = report.get("first_ticket"), report.get("last_ticket")
    d.add(
        Columns("Premier ticket", "-" if not first else str(first.get("number"))),
        Columns("Dernier ticket", "-" if not last else str(last.get("number"))),
    )
    if report.get("gseq_from") is not None:
        d.add(Columns("Séquences", f"{report['gseq_from']} à {report['gseq_to']}"))


def _software(d: _Doc, report: Mapping[str, Any]) -> None:
    software = report.get("software") or {}
    d.add(
        TextLine(
            f"Logiciel {software.get('name', '')} {software.get('version', '')}".rstrip(),
            align=Align.CENTER,
        )
    )
    if report.get("cert_ref"):
        d.add(TextLine(str(report["cert_ref"]), align=Align.CENTER))


def _period_text(period: Mapping[str, Any]) -> str:
    kind = period.get("type")
    if kind == "day":
        return f"Journée du {french_date(str(period['from']))}"
    if kind == "month":
        return f"Mois {period.get('month', '')!s}"
    return f"Exercice du {french_date(str(period['from']))} au {french_date(str(period['to']))}"


def layout_closure(report: Mapping[str, Any]) -> TicketDocument:
    """The ticket of a Z, M or Y: the closure body and its range details (`closure_report`)."""
    kind = str(report["kind"])
    d = _Doc()
    _header(d, report)
    d.add(TextLine(CLOSURE_TITLES.get(kind, kind), bold=True, align=Align.CENTER, height=2))
    operator = report.get("operator") or {}
    trigger = "automatique" if report.get("trigger") == "automatic" else "manuelle"
    d.add(
        Columns("Clôture", str(report.get("number", ""))),
        TextLine(_period_text(report.get("period") or {})),
        Columns("Caisse", f"{report.get('till', '')}  Magasin {report.get('store', '')}"),
        Columns("Date", format_local(str(report.get("ts_local", "")))),
        Columns("Déclenchement", trigger),
    )
    if operator:
        d.add(Columns("Opérateur", str(operator.get("name") or operator.get("id", ""))))
    _counts(d, report)
    _vat(d, report)
    _tenders(d, report)
    _cash_counts(d, report)
    _operators(d, report)
    _training_and_gt(d, report)
    included = report.get("included") or []
    if included:
        d.add(Columns("Clôtures incluses", str(len(included))))
    d.add(Separator())
    sig = str(report.get("sig", ""))
    d.add(
        TextLine(
            f"N° {kind}-{int(report.get('kseq', 0)):06d}  Seq {report.get('gseq', '')}  "
            f"Sig {signature_extract(sig) if sig else ''}",
            bold=True,
            align=Align.CENTER,
        ),
        TextLine("Clé (kid) :", align=Align.CENTER),
        TextLine(str(report.get("kid", "")), align=Align.CENTER),
    )
    _software(d, report)
    if report.get("core") and sig:
        d.add(QrCode(f"{report['core']},{sig}"))
    d.add(Feed(1), Cut())
    return TicketDocument(tuple(d.elements), str(report.get("number", kind)))


def layout_x(report: Mapping[str, Any]) -> TicketDocument:
    """The ticket of the X report (`ReportService.x_report`): no closure, no signature."""
    d = _Doc()
    _header(d, report)
    d.add(
        TextLine(X_TITLE, bold=True, align=Align.CENTER, width=2, height=2),
        TextLine(X_NOTICE, align=Align.CENTER),
        Columns("Caisse", f"{report.get('till', '')}  Magasin {report.get('store', '')}"),
        TextLine(f"Journée du {french_date(str(report['business_date']))}"),
        Columns("Édité le", format_local(str(report.get("generated_local", "")))),
    )
    _counts(d, report)
    _vat(d, report)
    _tenders(d, report)
    _cash_counts(d, report)
    _operators(d, report)
    _training_and_gt(d, report)
    d.add(
        Separator(),
        TextLine("Clé (kid) :", align=Align.CENTER),
        TextLine(str(report.get("kid", "")), align=Align.CENTER),
    )
    _software(d, report)
    d.add(TextLine(f"{X_TITLE} – {X_NOTICE}", bold=True, align=Align.CENTER), Feed(1), Cut())
    return TicketDocument(tuple(d.elements), f"X {report.get('business_date', '')}")
