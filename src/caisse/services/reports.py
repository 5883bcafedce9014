"""Read models of the reports: the X and Z/M/Y reports with their details, and the sales report.

Pure aggregation over journal bodies read through the unit of work (the journal is the only
source of truth; nothing here writes). Rendering lives elsewhere: `report_layout` lays the X
and closure reports out for the thermal printer, `caisse.reports` writes PDF and CSV.

What a report holds beyond the closure body (nf525.md §6.3): the operators of the range (their
tickets and net amount) and the cash counts of the range (expected, counted and difference per
tender, the justification, the opening differences), read from the T/F and P bodies of the
closure's gseq range. After a purge those records may be gone: the closure's own figures stay
(closures are never purged) and the detail sections are then empty.

Service functions the manager menu calls (all read-only unless they print):
- `ReportService.x_report()`: the X report with its details;
- `ReportService.closure_report(gseq)`: a Z, M or Y with its details;
- `ReportService.print_x(printer)` / `print_closure(gseq, printer)`: the ticket on paper;
- `ReportService.sales_report(date_from, date_to)`: the sales report of a date range.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Protocol

from caisse.domain.errors import InvalidInput
from caisse.services.cash import CashService
from caisse.services.closures import ClosureService
from caisse.services.context import TillContext
from caisse.services.ports import JournalEntry, UnitOfWork
from caisse.services.report_layout import layout_closure, layout_x
from hw.ports import TicketDocument

NO_CATEGORY: Final = "Sans catégorie"
TOP_ITEMS: Final = 20
MAX_RANGE_DAYS: Final = 3660


class DocumentPrinter(Protocol):
    """Prints a laid-out document (an X or Z ticket) through the till's print queue.

    Raises:
        PrinterFailed: it did not print; the job stays queued.
    """

    def print_document(self, document: TicketDocument) -> None: ...


# ----------------------------------------------------------------------------- range details


def _entries(uow: UnitOfWork, gseq_from: int, gseq_to: int) -> Iterator[JournalEntry]:
    for entry in uow.journal.iter_from(gseq_from):
        if entry.gseq > gseq_to:
            return
        yield entry


def range_details(uow: UnitOfWork, gseq_from: int | None, gseq_to: int | None) -> dict[str, Any]:
    """The operators and the cash counts of the records gseq_from..gseq_to (bodies parsed).

    Operators: per operator of a T or F record, the sales, refunds and cancellations and the
    net TTC. Cash counts: every P COUNT (expected, counted and difference per tender, and the
    justification) and every opening difference of a P OPEN.
    """
    operators: dict[str, dict[str, Any]] = {}
    counts: list[dict[str, Any]] = []
    openings: list[dict[str, Any]] = []
    if gseq_from is None or gseq_to is None:
        return {"operators": [], "cash_counts": [], "opening_differences": []}
    loads = json.loads
    for entry in _entries(uow, gseq_from, gseq_to):
        if entry.kind in ("T", "F"):
            body = loads(entry.body)
            op = body.get("operator") or {}
            key = str(op.get("id", ""))
            slot = operators.setdefault(
                key,
                {
                    "id": key,
                    "name": str(op.get("name") or key),
                    "SALE": 0,
                    "REFUND": 0,
                    "CANCEL": 0,
                    "net_ttc_cents": 0,
                },
            )
            slot[str(body["op"])] = slot.get(str(body["op"]), 0) + 1
            slot["net_ttc_cents"] += int(body["total_ttc_cents"])
        elif entry.kind == "P":
            body = loads(entry.body)
            op = body.get("operator") or {}
            if body.get("op") == "COUNT":
                counts.append(
                    {
                        "gseq": entry.gseq,
                        "number": body.get("number"),
                        "operator": op.get("name") or op.get("id"),
                        "ts_local": body.get("ts_local"),
                        "tenders": list(body.get("tenders") or []),
                        "justification": body.get("justification"),
                    }
                )
            elif body.get("op") == "OPEN" and body.get("opening_difference_cents"):
                openings.append(
                    {
                        "gseq": entry.gseq,
                        "number": body.get("number"),
                        "operator": op.get("name") or op.get("id"),
                        "difference_cents": int(body["opening_difference_cents"]),
                    }
                )
    return {
        "operators": sorted(operators.values(), key=lambda o: str(o["id"])),
        "cash_counts": counts,
        "opening_differences": openings,
    }


# ----------------------------------------------------------------------------- sales report


@dataclass
class SalesReport:
    """The sales of a date range (business dates, both included), training excluded.

    Amounts are TTC cents, net of refunds and cancellations (which are negative records).
    `tickets` counts sales (op SALE); `returns` counts refunds and cancellations; the average
    basket is the sales' TTC over their number (rounded half up, 0 without sales).
    Categories come from the current catalogue (a body holds the sku, not the category):
    an item no longer in the catalogue goes under "Sans catégorie".
    """

    date_from: str
    date_to: str
    till: str
    company: str
    turnover_ttc_cents: int = 0
    turnover_ht_cents: int = 0
    sales_ttc_cents: int = 0
    returns_ttc_cents: int = 0
    tickets: int = 0
    returns: int = 0
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_hour: dict[int, dict[str, int]] = field(default_factory=dict)
    by_operator: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_category: dict[str, dict[str, int]] = field(default_factory=dict)
    by_vat: dict[int, dict[str, int]] = field(default_factory=dict)
    by_day: dict[str, dict[str, int]] = field(default_factory=dict)
    first_gseq: int | None = None
    last_gseq: int | None = None

    @property
    def average_basket_cents(self) -> int:
        if not self.tickets:
            return 0
        return (2 * self.sales_ttc_cents + self.tickets) // (2 * self.tickets)

    def top_items(self, limit: int = TOP_ITEMS) -> list[dict[str, Any]]:
        """The items with the highest net TTC (ties by sku), at most `limit`."""
        ranked = sorted(self.items.values(), key=lambda i: (-int(i["ttc_cents"]), str(i["sku"])))
        return ranked[:limit]

    def as_json(self) -> dict[str, Any]:
        return {
            "report": "sales",
            "from": self.date_from,
            "to": self.date_to,
            "till": self.till,
            "company": self.company,
            "turnover_ttc_cents": self.turnover_ttc_cents,
            "turnover_ht_cents": self.turnover_ht_cents,
            "sales_ttc_cents": self.sales_ttc_cents,
            "returns_ttc_cents": self.returns_ttc_cents,
            "tickets": self.tickets,
            "returns": self.returns,
            "average_basket_cents": self.average_basket_cents,
            "top_items": self.top_items(),
            "by_hour": [{"hour": h, **v} for h, v in sorted(self.by_hour.items())],
            "by_operator": [v for _, v in sorted(self.by_operator.items())],
            "by_category": [{"category": c, **v} for c, v in sorted(self.by_category.items())],
            "by_vat": [{"rate_bp": r, **v} for r, v in sorted(self.by_vat.items())],
            "by_day": [{"date": d, **v} for d, v in sorted(self.by_day.items())],
            "gseq_from": self.first_gseq,
            "gseq_to": self.last_gseq,
        }


def parse_report_date(text: str, name: str) -> date:
    """``YYYY-MM-DD`` → date.

    Raises:
        InvalidInput: not a date.
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"Date {name} invalide : « {text} » (format AAAA-MM-JJ).",
            f"Invalid {name} date: {text!r} (YYYY-MM-DD).",
        ) from None


def _hour(ts_local: str) -> int:
    try:
        return datetime.fromisoformat(ts_local).hour
    except ValueError:
        return 0


class _Categories:
    """sku → category of the current catalogue, looked up once per sku."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._cache: dict[str, str] = {}

    def __call__(self, sku: str) -> str:
        found = self._cache.get(sku)
        if found is None:
            product = self._uow.catalog.find(sku) if sku else None
            found = (product.category if product is not None else "") or NO_CATEGORY
            self._cache[sku] = found
        return found


def _add(slot: dict[str, int], **values: int) -> None:
    for key, value in values.items():
        slot[key] = slot.get(key, 0) + value


def _fold(report: SalesReport, gseq: int, body: Mapping[str, Any], categories: _Categories) -> None:
    total = int(body["total_ttc_cents"])
    sale = body["op"] == "SALE"
    report.turnover_ttc_cents += total
    report.turnover_ht_cents += int(body["total_ht_cents"])
    if sale:
        report.tickets += 1
        report.sales_ttc_cents += total
    else:
        report.returns += 1
        report.returns_ttc_cents += total
    if report.first_gseq is None:
        report.first_gseq = gseq
    report.last_gseq = gseq
    counted = {"tickets": 1 if sale else 0, "returns": 0 if sale else 1, "ttc_cents": total}
    _add(report.by_hour.setdefault(_hour(str(body.get("ts_local", ""))), {}), **counted)
    _add(report.by_day.setdefault(str(body["business_date"]), {}), **counted)
    op = body.get("operator") or {}
    op_id = str(op.get("id", ""))
    slot = report.by_operator.setdefault(
        op_id, {"id": op_id, "name": str(op.get("name") or op_id), "tickets": 0, "returns": 0}
    )
    slot["tickets"] += counted["tickets"]
    slot["returns"] += counted["returns"]
    slot["ttc_cents"] = int(slot.get("ttc_cents", 0)) + total
    for v in body.get("vat") or []:
        _add(
            report.by_vat.setdefault(int(v["rate_bp"]), {}),
            ht_cents=int(v["ht"]),
            tva_cents=int(v["tva"]),
            ttc_cents=int(v["ttc"]),
        )
    for line in body.get("lines") or []:
        sku = str(line.get("sku", ""))
        ttc = int(line["line_ttc_cents"])
        item = report.items.setdefault(
            sku, {"sku": sku, "label": str(line.get("label", "")), "qty_milli": 0, "ttc_cents": 0}
        )
        item["qty_milli"] += int(line["qty_milli"])
        item["ttc_cents"] += ttc
        _add(
            report.by_category.setdefault(categories(sku), {}),
            qty_milli=int(line["qty_milli"]),
            ttc_cents=ttc,
        )


# ----------------------------------------------------------------------------- the service


class ReportService:
    """X and closure reports with their details, their tickets, and the sales report."""

    def __init__(self, till: TillContext, closures: ClosureService, cash: CashService) -> None:
        self._till = till
        self._closures = closures
        self._cash = cash

    def _identity(self, uow: UnitOfWork) -> dict[str, Any]:
        till = uow.till.get()
        if till is None:
            return {"company": {}, "kid": None, "store": None}
        return {
            "company": {
                "name": till.company_name,
                "siren": till.siren,
                "siret": till.siret,
                "vat_id": till.vat_id,
                "address": till.address,
            },
            "kid": till.kid,
            "store": till.store_id,
        }

    def x_report(self, now: datetime | None = None) -> dict[str, Any]:
        """The X report (no closure, nothing written) with operators, cash counts, identity."""
        moment = now or self._till.clock.now()
        report = self._closures.x_report(moment, cash_session=self._cash.session_status())
        with self._till.uow() as uow:
            details = range_details(uow, report.get("gseq_from"), report.get("gseq_to"))
            identity = self._identity(uow)
        software = self._till.software
        return (
            report
            | details
            | identity
            | {
                "generated_local": moment.astimezone(self._till.tz).isoformat(),
                "software": software.as_body(),
                "cert_ref": software.cert_ref,
            }
        )

    def closure_report(self, gseq: int) -> dict[str, Any]:
        """A Z, M or Y body with the operators and cash counts of its range.

        Raises:
            InvalidInput: `gseq` is not a closure.
        """
        with self._till.uow() as uow:
            entry = uow.journal.get(gseq)
            if entry is None or entry.kind not in ("Z", "M", "Y"):
                raise InvalidInput(
                    f"L'enregistrement {gseq} n'est pas une clôture (Z, M ou Y).",
                    f"Record {gseq} is not a closure (Z, M or Y).",
                )
            body: dict[str, Any] = json.loads(entry.body)
            details = range_details(uow, body.get("gseq_from"), body.get("gseq_to"))
        return (
            body
            | details
            | {
                "kind": entry.kind,
                "gseq": entry.gseq,
                "kseq": entry.kseq,
                "core": entry.core,
                "sig": entry.sig,
            }
        )

    def closure_entry(self, gseq: int) -> JournalEntry | None:
        with self._till.uow() as uow:
            return uow.journal.get(gseq)

    def x_ticket(self, report: Mapping[str, Any] | None = None) -> TicketDocument:
        """The X report laid out for the thermal printer."""
        return layout_x(report if report is not None else self.x_report())

    def closure_ticket(self, gseq: int) -> TicketDocument:
        """A closure laid out for the thermal printer (with its kid and QR)."""
        return layout_closure(self.closure_report(gseq))

    def print_x(self, printer: DocumentPrinter) -> dict[str, Any]:
        """Print the X report; returns the report printed.

        Raises:
            PrinterFailed: it did not print (the job stays queued).
        """
        report = self.x_report()
        printer.print_document(layout_x(report))
        return report

    def print_closure(self, gseq: int, printer: DocumentPrinter) -> None:
        """Print a Z, M or Y ticket.

        Raises:
            InvalidInput: not a closure. PrinterFailed: it did not print.
        """
        printer.print_document(self.closure_ticket(gseq))

    def sales_report(self, date_from: date, date_to: date) -> SalesReport:
        """The sales of the business dates date_from..date_to (T and F records, no training).

        Raises:
            InvalidInput: the range is reversed or longer than ten years.
        """
        if date_to < date_from or (date_to - date_from).days > MAX_RANGE_DAYS:
            raise InvalidInput(
                f"Période invalide : du {date_from.isoformat()} au {date_to.isoformat()} "
                "(la fin doit suivre le début, dix ans au plus).",
                f"Invalid range: {date_from.isoformat()} to {date_to.isoformat()} (the end "
                "must follow the start, ten years at most).",
            )
        lo, hi = date_from.isoformat(), date_to.isoformat()
        loads = json.loads
        with self._till.uow() as uow:
            till = uow.till.get()
            report = SalesReport(
                lo,
                hi,
                "" if till is None else till.till_id,
                "" if till is None else till.company_name,
            )
            categories = _Categories(uow)
            for entry in uow.journal.iter_from(1):
                if entry.kind not in ("T", "F"):
                    continue
                body = loads(entry.body)
                if lo <= str(body.get("business_date", "")) <= hi and not body.get("training"):
                    _fold(report, entry.gseq, body, categories)
        return report
