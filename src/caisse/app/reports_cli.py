"""Report output on the command line: X and closure tickets on the printer, PDFs, the sales report.

`caisse report x [--pdf FILE]` and `caisse close ... [--pdf FILE]` print their report on the
configured (or `--printer`) printer and write the PDF when asked; `caisse report sales --from
DATE --to DATE [--pdf FILE] [--csv FILE]` is the sales report (cli.md names no command for
it: this one is ours). A ticket that fails to print leaves its job queued and is reported on
stderr; the closure itself stands (exit 0).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from caisse.app.bootstrap import Till
from caisse.app.cli_session import opened
from caisse.domain.money import format_eur
from caisse.services.errors import PrinterFailed
from caisse.services.reports import ReportService, parse_report_date


def report_service(till: Till) -> ReportService:
    """The report use cases of an opened till."""
    return till.reports


def _warn(lang: str, fr: str, en: str) -> None:
    sys.stderr.write((en if lang == "en" else fr) + "\n")


def emit_x(args: argparse.Namespace, till: Till, lang: str) -> dict[str, Any]:
    """The X report with its details; printed when a printer is set, PDF with --pdf."""
    service = report_service(till)
    report = service.x_report()
    if till.printing is not None:
        try:
            till.printing.receipts.print_document(service.x_ticket(report))
        except PrinterFailed as exc:
            _warn(lang, f"Rapport X non imprimé : {exc}", f"X report not printed: {exc}")
    pdf = getattr(args, "pdf", None)
    if pdf:
        from caisse.reports.pdf import write_x_pdf

        write_x_pdf(report, Path(pdf))
    return report


def emit_closures(
    args: argparse.Namespace, till: Till, gseqs: Sequence[int], lang: str
) -> list[dict[str, Any]]:
    """Print each closure written (when a printer is set) and write them as one PDF."""
    pdf = getattr(args, "pdf", None)
    if not gseqs or (till.printing is None and not pdf):
        return []  # note: nothing to print or write; spare re-reading the closed range
    service = report_service(till)
    reports = [service.closure_report(g) for g in gseqs]
    if till.printing is not None:
        from caisse.services.report_layout import layout_closure

        for report in reports:
            try:
                till.printing.receipts.print_document(layout_closure(report))
            except PrinterFailed as exc:
                _warn(
                    lang,
                    f"Clôture {report.get('number')} non imprimée : {exc}",
                    f"Closure {report.get('number')} not printed: {exc}",
                )
    if pdf:
        from caisse.reports.pdf import write_closures_pdf

        write_closures_pdf(reports, Path(pdf))
    return reports


def cmd_report_sales(args: argparse.Namespace, out: Any) -> int:
    """The sales report of a range of business dates, as text/JSON, PDF and CSV."""
    date_from = parse_report_date(args.date_from, "de début")
    date_to = parse_report_date(args.date_to, "de fin")
    with opened(args, check="initialised") as till:
        report = report_service(till).sales_report(date_from, date_to)
    if args.pdf:
        from caisse.reports.pdf import write_sales_pdf

        write_sales_pdf(report, Path(args.pdf))
    if args.csv:
        from caisse.reports.csv_export import write_sales_csv

        write_sales_csv(report, Path(args.csv))
    data = report.as_json()
    lines = [
        f"Ventes du {report.date_from} au {report.date_to} — caisse {report.till}",
        f"CA TTC net : {format_eur(report.turnover_ttc_cents)}  (HT "
        f"{format_eur(report.turnover_ht_cents)})",
        f"Tickets : {report.tickets}  retours : {report.returns}  panier moyen : "
        f"{format_eur(report.average_basket_cents)}",
        *(
            f"  {i:>2}. {t['label']}  {format_eur(t['ttc_cents'])}"
            for i, t in enumerate(data["top_items"][:5], start=1)
        ),
    ]
    lines += [f"PDF : {args.pdf}"] if args.pdf else []
    lines += [f"CSV : {args.csv}"] if args.csv else []
    out.result(data, lines)
    return 0


def register_report_commands(
    rsub: Any, add: Callable[..., argparse.ArgumentParser], add_device_options: Callable[..., None]
) -> None:
    """Hook `report sales` into the `report` sub-commands."""
    p = add(
        "sales",
        cmd_report_sales,
        "sales report over business dates: turnover, tickets, average basket, top 20 items, by "
        "hour, operator, category and VAT rate; PDF with charts and/or CSV",
        rsub,
    )
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--pdf", metavar="FILE.pdf", help="write the report with its charts as PDF")
    p.add_argument("--csv", metavar="FILE.csv", help="write the report's tables as CSV")
    add_device_options(p)


def add_pdf_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--pdf", metavar="FILE.pdf", help=f"also write {what} as PDF")


def pdf_lines(args: argparse.Namespace, written: Sequence[object] | None = None) -> list[str]:
    pdf = getattr(args, "pdf", None)
    return [f"PDF : {pdf}"] if pdf and (written is None or written) else []
