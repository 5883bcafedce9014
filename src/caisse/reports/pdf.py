"""PDF renderings (reportlab) of the X report, the Z/M/Y closures and the sales report.

The figures come from `caisse.services.reports` unchanged; this module only lays them out. The
built-in Helvetica font is used so that the PDF needs no font file: its WinAnsi encoding has
the euro sign and French letters, and the narrow no-break space of `format_eur` is printed as
a plain space. Files are written to a temporary name and renamed, so a failed export never
leaves half a PDF under the requested name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from caisse.domain.closures import french_date
from caisse.domain.errors import InvalidInput
from caisse.domain.money import format_eur
from caisse.domain.vat import format_rate
from caisse.services.report_layout import MOVEMENT_LABELS, tender_label
from caisse.services.reports import SalesReport
from caisse.services.ticket_layout import format_local, vat_letter
from caisse_verif.record import signature_extract

_STYLES = getSampleStyleSheet()
TITLE: Final = ParagraphStyle("CaisseTitle", parent=_STYLES["Title"], fontSize=16)
H2: Final = ParagraphStyle(
    "CaisseH2", parent=_STYLES["Heading2"], fontSize=11, spaceBefore=5, spaceAfter=3
)
BODY: Final = ParagraphStyle("CaisseBody", parent=_STYLES["BodyText"], fontSize=9, leading=11)
SMALL: Final = ParagraphStyle("CaisseSmall", parent=BODY, fontSize=7.5, leading=9)
BAR: Final = colors.HexColor("#2F6690")
PIE_COLOURS: Final = (
    "#2F6690",
    "#3A7CA5",
    "#81C3D7",
    "#D9DCD6",
    "#16425B",
    "#F4A259",
    "#BC4B51",
    "#8CB369",
    "#5B8E7D",
    "#F4E285",
)


PDF_TITLES: Final = {
    "Z": "Clôture journalière (Z)",
    "M": "Clôture mensuelle (M)",
    "Y": "Clôture de l'exercice (Y)",
}


def clean(text: str) -> str:
    """Text that Helvetica (WinAnsi) can show: no-break spaces become plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def eur(cents: int) -> str:
    return clean(format_eur(cents))


def _esc(text: str) -> str:
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(_esc(text), style)


def _table(
    rows: Sequence[Sequence[str]],
    widths: Sequence[float] | None = None,
    header: bool = True,
    left: int = 1,
) -> Table:
    """A table whose first `left` columns are text (left-aligned) and the rest figures."""
    data = [[clean(str(c)) for c in row] for row in rows]
    table = Table(data, colWidths=list(widths) if widths else None, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5),
        ("ALIGN", (left, 0), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 0), (left - 1, -1), "LEFT"),
        ("LINEBELOW", (0, -1), (-1, -1), 0.25, colors.grey),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style += [
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF2")),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
        ]
    table.setStyle(TableStyle(style))  # type: ignore[arg-type]
    return table


def _write(path: Path, story: list[Flowable], title: str) -> None:
    """Build the PDF at a temporary name, then rename it over `path`.

    Raises:
        InvalidInput: the file cannot be written.
    """
    part = path.with_name(path.name + ".part")
    try:
        doc = SimpleDocTemplate(
            str(part),
            pagesize=A4,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=16 * mm,
            bottomMargin=16 * mm,
            title=clean(title),
            author="caisse",
        )
        doc.build(story)
        part.replace(path)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise InvalidInput(
            f"Impossible d'écrire {path} : {exc.strerror or exc}.",
            f"Cannot write {path}: {exc.strerror or exc}.",
        ) from exc


# ----------------------------------------------------------------------------- X and Z


def _identity(report: Mapping[str, Any]) -> list[Flowable]:
    company = report.get("company") or {}
    return [
        _p(
            f"{company.get('name', '')} — {company.get('address', '')} — SIRET "
            f"{company.get('siret', '')} — N° TVA {company.get('vat_id', '')}"
        ),
        _p(f"Caisse {report.get('till', '')} — magasin {report.get('store', '')}"),
    ]


def _figures(report: Mapping[str, Any]) -> list[Flowable]:
    """The sections shared by X and closures, in the order of the ticket."""
    story: list[Flowable] = []
    counts = report.get("counts") or {}
    tickets = counts.get("tickets") or {}
    voids = counts.get("voids") or {}
    records = counts.get("records") or {}
    story += [
        _p("Tickets", H2),
        _table(
            [
                [
                    "Ventes",
                    "Remboursements",
                    "Annulations",
                    "Annulations avant paiement",
                    "Duplicatas",
                ],
                [
                    str(tickets.get("SALE", 0)),
                    str(tickets.get("REFUND", 0)),
                    str(tickets.get("CANCEL", 0)),
                    str(sum(int(v) for v in voids.values())),
                    str(records.get("D", 0)),
                ],
            ]
        ),
    ]
    rows = [
        [
            "Code",
            "Taux",
            "Ventes HT",
            "Ventes TVA",
            "Ventes TTC",
            "Retours TTC",
            "Net HT",
            "Net TVA",
            "Net TTC",
        ]
    ]
    for v in report.get("vat") or []:
        rate = int(v["rate_bp"])
        rows.append(
            [
                vat_letter(rate),
                format_rate(rate),
                eur(int(v["sales"]["ht"])),
                eur(int(v["sales"]["tva"])),
                eur(int(v["sales"]["ttc"])),
                eur(int(v["returns"]["ttc"])),
                eur(int(v["net"]["ht"])),
                eur(int(v["net"]["tva"])),
                eur(int(v["net"]["ttc"])),
            ]
        )
    totals = report.get("totals") or {}
    zero = {"ht": 0, "tva": 0, "ttc": 0}
    sales, returns, net = (totals.get(k) or zero for k in ("sales", "returns", "net"))
    rows.append(
        [
            "Total",
            "",
            eur(int(sales["ht"])),
            eur(int(sales["tva"])),
            eur(int(sales["ttc"])),
            eur(int(returns["ttc"])),
            eur(int(net["ht"])),
            eur(int(net["tva"])),
            eur(int(net["ttc"])),
        ]
    )
    story += [_p("TVA par taux (ventes, retours, net)", H2), _table(rows)]
    rows = [["Moyen de paiement (monnaie rendue déduite)", "Montant"]]
    rows += [
        [tender_label(str(p["method"])), eur(int(p["amount_cents"]))]
        for p in report.get("payments") or []
    ]
    story += [_p("Règlements", H2), _table(rows, (110 * mm, 35 * mm))]
    movements = report.get("cash_movements") or []
    if movements:
        rows = [["Opération de caisse", "Nombre", "Montant"]]
        rows += [
            [
                MOVEMENT_LABELS.get(str(m["op"]), str(m["op"])),
                str(m["count"]),
                eur(int(m["amount_cents"])),
            ]
            for m in movements
        ]
        story.append(_table(rows, (90 * mm, 20 * mm, 35 * mm)))
    story += _cash(report)
    operators = report.get("operators") or []
    if operators:
        rows = [["Opérateur", "Ventes", "Remb.", "Annul.", "Net TTC"]]
        rows += [
            [
                str(o.get("name") or o.get("id")),
                str(o.get("SALE", 0)),
                str(o.get("REFUND", 0)),
                str(o.get("CANCEL", 0)),
                eur(int(o["net_ttc_cents"])),
            ]
            for o in operators
        ]
        story += [_p("Opérateurs", H2), _table(rows, (70 * mm, 20 * mm, 20 * mm, 20 * mm, 30 * mm))]
    training = report.get("training") or {}
    gt = report.get("gt") or {}
    first, last = report.get("first_ticket"), report.get("last_ticket")
    story += [
        _p("Mode école, grands totaux et tickets", H2),
        _table(
            [
                ["Rubrique", "Valeur"],
                ["Tickets école (hors grand total)", str(training.get("count", 0))],
                ["Montant école (hors grand total)", eur(int(training.get("amount_cents", 0)))],
                ["GT période", eur(int(gt.get("period", 0)))],
                ["GT perpétuel", eur(int(gt.get("perpetual", 0)))],
                ["GT perpétuel absolu", eur(int(gt.get("perpetual_abs", 0)))],
                ["Premier ticket", "-" if not first else str(first.get("number"))],
                ["Dernier ticket", "-" if not last else str(last.get("number"))],
                [
                    "Séquences (gseq)",
                    "-"
                    if report.get("gseq_from") is None
                    else f"{report['gseq_from']} à {report['gseq_to']}",
                ],
            ],
            (110 * mm, 45 * mm),
        ),
    ]
    return story


def _cash(report: Mapping[str, Any]) -> list[Flowable]:
    counts = report.get("cash_counts") or []
    openings = report.get("opening_differences") or []
    session = report.get("cash_session")
    if not counts and not openings and not session:
        return []
    story: list[Flowable] = [_p("Comptages de caisse", H2)]
    if session:
        story.append(
            _p(f"Espèces attendues en caisse : {eur(int(session.get('expected_cash_cents', 0)))}")
        )
    for o in openings:
        story.append(
            _p(f"Écart à l'ouverture {o.get('number', '')} : {eur(int(o['difference_cents']))}")
        )
    for c in counts:
        rows = [["Moyen", "Attendu", "Compté", "Écart"]]
        for t in c.get("tenders") or []:
            counted, diff = t.get("counted_cents"), t.get("difference_cents")
            rows.append(
                [
                    tender_label(str(t["method"])),
                    eur(int(t["expected_cents"])),
                    "-" if counted is None else eur(int(counted)),
                    "-" if diff is None else eur(int(diff)),
                ]
            )
        block: list[Flowable] = [
            _p(f"Comptage {c.get('number', '')} par {c.get('operator') or ''}"),
            _table(rows, (60 * mm, 30 * mm, 30 * mm, 30 * mm)),
        ]
        if c.get("justification"):
            block.append(_p(f"Justification : {c['justification']}"))
        story.append(KeepTogether(block))
    return story


def _period_text(period: Mapping[str, Any]) -> str:
    if period.get("type") == "day":
        return f"journée du {french_date(str(period['from']))}"
    if period.get("type") == "month":
        return f"mois {period.get('month', '')}"
    return f"exercice du {french_date(str(period['from']))} au {french_date(str(period['to']))}"


def x_story(report: Mapping[str, Any]) -> list[Flowable]:
    """The X report's flowables."""
    return [
        _p("Rapport X — lecture sans clôture", TITLE),
        *_identity(report),
        _p(
            f"Journée du {french_date(str(report['business_date']))} — édité le "
            f"{format_local(str(report.get('generated_local', '')))}"
        ),
        *_figures(report),
        Spacer(1, 4 * mm),
        _p(f"Clé de la caisse (kid) : {report.get('kid', '')}", SMALL),
        _p("Ce rapport X n'est pas une clôture : il n'est pas enregistré au journal.", SMALL),
    ]


def closure_story(report: Mapping[str, Any]) -> list[Flowable]:
    """A Z, M or Y closure's flowables (`ReportService.closure_report`)."""
    kind = str(report["kind"])
    title = PDF_TITLES.get(kind, kind)
    operator = report.get("operator") or {}
    sig = str(report.get("sig", ""))
    story: list[Flowable] = [
        _p(f"{title} — {report.get('number', '')}", TITLE),
        *_identity(report),
        _p(
            f"Période : {_period_text(report.get('period') or {})} — clôture "
            f"{'automatique' if report.get('trigger') == 'automatic' else 'manuelle'} du "
            f"{format_local(str(report.get('ts_local', '')))}"
            + (f" par {operator.get('name') or operator.get('id')}" if operator else "")
        ),
        *_figures(report),
    ]
    included = report.get("included") or []
    if included:
        story.append(_p(f"Clôtures incluses : {len(included)}"))
    proof: list[Flowable] = [
        _p(
            f"N° {kind}-{int(report.get('kseq', 0)):06d} — Seq {report.get('gseq', '')} — "
            f"Sig {signature_extract(sig) if sig else ''}"
        ),
        _p(f"Clé de la caisse (kid) : {report.get('kid', '')}", SMALL),
        _p(f"Noyau signé : {report.get('core', '')}", SMALL),
        _p("Le QR code contient le noyau et sa signature : caisse-verif --qr.", SMALL),
    ]
    block = Table(
        [[proof, _qr(f"{report.get('core', '')},{sig}")]],
        colWidths=[130 * mm, 34 * mm],
        hAlign="LEFT",
    )
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [Spacer(1, 3 * mm), KeepTogether([block])]
    return story


def _qr(data: str) -> Drawing:
    """The closure's QR code (core and signature), 30 mm wide."""
    widget = QrCodeWidget(data)
    x0, y0, x1, y1 = widget.getBounds()
    size = 30 * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def write_x_pdf(report: Mapping[str, Any], path: Path) -> None:
    """The X report as a PDF.

    Raises:
        InvalidInput: the file cannot be written.
    """
    _write(path, x_story(report), "Rapport X")


def write_closures_pdf(reports: Iterable[Mapping[str, Any]], path: Path) -> None:
    """One or more closures as one PDF, a page each.

    Raises:
        InvalidInput: the file cannot be written.
    """
    story: list[Flowable] = []
    for report in reports:
        if story:
            story.append(PageBreak())
        story += closure_story(report)
    _write(path, story, "Clôtures")


# ----------------------------------------------------------------------------- sales


def _bars(
    labels: Sequence[str], values: Sequence[int], title: str, *, horizontal: bool = False
) -> Drawing:
    """A bar chart of euro amounts (values in cents, drawn in euros)."""
    width, height = 170 * mm, (max(60, 9 * len(labels) + 30) * mm if horizontal else 62 * mm)
    height = min(height, 150 * mm)
    drawing = Drawing(width, height)
    chart = HorizontalBarChart() if horizontal else VerticalBarChart()
    x, y = (45 * mm, 8 * mm) if horizontal else (14 * mm, 14 * mm)
    # note: the stubs type these as int; reportlab takes any number of points
    chart.x, chart.y = int(x), int(y)
    chart.width = int(width - x - 6 * mm)
    chart.height = int(height - y - 10 * mm)
    chart.data = [[v / 100 for v in values] or [0]]
    chart.categoryAxis.categoryNames = [clean(x)[:28] for x in labels] or [""]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 6.5
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.forceZero = True
    chart.bars[0].fillColor = BAR
    chart.barSpacing = 1
    drawing.add(chart)
    drawing.add(String(0, height - 4 * mm, clean(title), fontName="Helvetica-Bold", fontSize=9))
    return drawing


def _pie(labels: Sequence[str], values: Sequence[int], title: str) -> Drawing:
    drawing = Drawing(170 * mm, 62 * mm)
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = int(10 * mm), int(4 * mm), int(48 * mm), int(48 * mm)
    positive = [(lbl, v) for lbl, v in zip(labels, values, strict=True) if v > 0] or [("", 1)]
    pie.data = [v for _, v in positive]
    pie.labels = None
    for i in range(len(positive)):
        pie.slices[i].fillColor = colors.HexColor(PIE_COLOURS[i % len(PIE_COLOURS)])
        pie.slices[i].strokeColor = colors.white
    drawing.add(pie)
    total = sum(v for _, v in positive) or 1
    for i, (label, value) in enumerate(positive[:12]):
        y = 52 * mm - i * 4 * mm
        colour = colors.HexColor(PIE_COLOURS[i % len(PIE_COLOURS)])
        square = Rect(72 * mm, y - 0.5 * mm, 3 * mm, 3 * mm)
        square.fillColor, square.strokeColor = colour, colour
        drawing.add(square)
        drawing.add(
            String(
                77 * mm,
                y,
                clean(f"{label[:40]} — {value * 100 / total:.1f} %".replace(".", ",")),
                fontName="Helvetica",
                fontSize=7.5,
            )
        )
    drawing.add(String(0, 58 * mm, clean(title), fontName="Helvetica-Bold", fontSize=9))
    return drawing


def _qty(qty_milli: int) -> str:
    whole, milli = divmod(abs(qty_milli), 1000)
    sign = "-" if qty_milli < 0 else ""
    return f"{sign}{whole}" if not milli else f"{sign}{whole},{milli:03d}".rstrip("0")


def write_sales_pdf(report: SalesReport, path: Path) -> None:
    """The sales report with its charts (by hour, operator, category) as a PDF.

    Raises:
        InvalidInput: the file cannot be written.
    """
    data = report.as_json()
    story: list[Flowable] = [
        _p("Rapport des ventes", TITLE),
        _p(
            f"{report.company} — caisse {report.till} — du {french_date(report.date_from)} au "
            f"{french_date(report.date_to)} (dates commerciales, mode école exclu)"
        ),
        _p("Synthèse", H2),
        _table(
            [
                ["Indicateur", "Valeur"],
                ["Chiffre d'affaires TTC (net des retours)", eur(report.turnover_ttc_cents)],
                ["Chiffre d'affaires HT (net des retours)", eur(report.turnover_ht_cents)],
                ["Nombre de tickets de vente", str(report.tickets)],
                ["Nombre de retours et annulations", str(report.returns)],
                ["Ventes TTC", eur(report.sales_ttc_cents)],
                ["Retours TTC", eur(report.returns_ttc_cents)],
                ["Panier moyen TTC", eur(report.average_basket_cents)],
            ],
            (110 * mm, 45 * mm),
        ),
    ]
    hours = data["by_hour"]
    story += [
        _p("Ventes par heure", H2),
        _bars([f"{h['hour']:02d}h" for h in hours], [h["ttc_cents"] for h in hours], "TTC (€)"),
        _table(
            [["Heure", "Tickets", "Retours", "TTC"]]
            + [
                [f"{h['hour']:02d}h", str(h["tickets"]), str(h["returns"]), eur(h["ttc_cents"])]
                for h in hours
            ],
            (30 * mm, 25 * mm, 25 * mm, 35 * mm),
        ),
    ]
    top = data["top_items"]
    story += [
        PageBreak(),
        _p(f"Meilleures ventes ({len(top)} article(s), par montant TTC)", H2),
        _table(
            [["Rang", "Article", "Réf.", "Quantité", "TTC"]]
            + [
                [
                    str(i),
                    str(t["label"])[:44],
                    str(t["sku"]),
                    _qty(t["qty_milli"]),
                    eur(t["ttc_cents"]),
                ]
                for i, t in enumerate(top, start=1)
            ],
            (12 * mm, 80 * mm, 25 * mm, 20 * mm, 28 * mm),
            left=3,
        ),
    ]
    operators = data["by_operator"]
    story += [
        _p("Ventes par opérateur", H2),
        _bars(
            [str(o["name"]) for o in operators],
            [o["ttc_cents"] for o in operators],
            "TTC (€)",
            horizontal=True,
        ),
        _table(
            [["Opérateur", "Tickets", "Retours", "TTC"]]
            + [
                [str(o["name"]), str(o["tickets"]), str(o["returns"]), eur(o["ttc_cents"])]
                for o in operators
            ],
            (70 * mm, 25 * mm, 25 * mm, 35 * mm),
        ),
    ]
    categories = data["by_category"]
    story += [
        PageBreak(),
        _p("Ventes par catégorie (catégorie actuelle du catalogue)", H2),
        _pie(
            [str(c["category"]) for c in categories],
            [c["ttc_cents"] for c in categories],
            "Part du TTC",
        ),
        _table(
            [["Catégorie", "Quantité", "TTC"]]
            + [[str(c["category"]), _qty(c["qty_milli"]), eur(c["ttc_cents"])] for c in categories],
            (90 * mm, 30 * mm, 35 * mm),
        ),
    ]
    vat = data["by_vat"]
    story += [
        _p("Ventes par taux de TVA", H2),
        _table(
            [["Code", "Taux", "HT", "TVA", "TTC"]]
            + [
                [
                    vat_letter(v["rate_bp"]),
                    format_rate(v["rate_bp"]),
                    eur(v["ht_cents"]),
                    eur(v["tva_cents"]),
                    eur(v["ttc_cents"]),
                ]
                for v in vat
            ],
            (20 * mm, 25 * mm, 35 * mm, 35 * mm, 35 * mm),
        ),
    ]
    _write(path, story, "Rapport des ventes")
