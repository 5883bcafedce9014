"""The sales report, the X and closure PDFs and the CSV, against a recomputation of the journal.

`oracle` below rebuilds the sales figures from the journal rows with plain dictionaries (no
caisse code); the PDF is read back with pypdf (an independent parser) and the CSV with the
csv module, and both must show the oracle's figures.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from caisse.domain.cash import CashCount
from caisse.domain.errors import InvalidInput
from caisse.domain.sale import Payment, Tender
from caisse.reports.csv_export import write_sales_csv
from caisse.reports.pdf import write_closures_pdf, write_sales_pdf, write_x_pdf
from caisse.services.reports import ReportService
from tests.integration.conftest import TillFixture
from tests.journal_helpers import journal_rows

pytestmark = pytest.mark.integration


def eur(cents: int) -> str:
    """French amount as the PDF shows it (plain spaces), written independently."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", " ")
    return f"{sign}{grouped},{rest:02d} €"


def pdf_text(path: Path) -> str:
    """The PDF's text, read back by pypdf (an independent parser) in layout mode: one line per
    line of the page, runs of spaces folded."""
    reader = PdfReader(path)
    text = "\n".join(page.extract_text(extraction_mode="layout") for page in reader.pages)
    return re.sub(r"[ \u00a0]+", " ", text)


def trade(shop: TillFixture) -> None:
    """Two business days, several hours, both operators, a refund and a training ticket."""
    till = shop.till
    plan = [
        (shop.cashier, [("BAG", 3000)], Tender.CASH),
        (shop.cashier, [("VIN", 2000), ("SAN", 1000)], Tender.CARD),
        (shop.manager, [("COMTE", 750)], Tender.CARD),
        (shop.cashier, [("BAG", 1000), ("VIN", 1000)], Tender.CASH),
    ]
    numbers = []
    for day in range(2):
        shop.clock.current = datetime.fromisoformat(f"2026-03-{16 + day}T07:30:00+00:00")
        for operator, items, tender in plan:
            sale = till.checkout.new_sale()
            for code, qty in items:
                till.checkout.add_item(sale, code, qty)
            sale.add_payment(Payment(tender, sale.totals.total_ttc_cents))
            numbers.append(till.checkout.finalise(operator, sale).number)
            shop.clock.advance(minutes=50)
    till.checkout.refund(
        shop.manager, numbers[1], [(1, 1000)], [Payment(Tender.CARD, -1200)], reason="bouchonné"
    )
    till.checkout.set_training(shop.manager, True)
    sale = till.checkout.new_sale()
    till.checkout.add_item(sale, "VIN", 5000)
    sale.add_payment(Payment(Tender.CASH, 6000))
    till.checkout.finalise(shop.cashier, sale)
    till.checkout.set_training(shop.manager, False)


def oracle(data_dir: Path, lo: str, hi: str) -> dict[str, Any]:
    """The sales figures from the journal rows (T records of the dates, training excluded)."""
    categories = {"BAG": "Boulangerie", "VIN": "Vins", "SAN": "Traiteur", "COMTE": "Fromages"}
    out: dict[str, Any] = {
        "ttc": 0,
        "ht": 0,
        "tickets": 0,
        "returns": 0,
        "sales_ttc": 0,
        "items": Counter(),
        "hours": Counter(),
        "operators": Counter(),
        "categories": Counter(),
        "vat": defaultdict(lambda: [0, 0, 0]),
    }
    for row in journal_rows(data_dir):
        if row["kind"] != "T":
            continue
        body = json.loads(row["body"])
        if not lo <= body["business_date"] <= hi:
            continue
        out["ttc"] += body["total_ttc_cents"]
        out["ht"] += body["total_ht_cents"]
        if body["op"] == "SALE":
            out["tickets"] += 1
            out["sales_ttc"] += body["total_ttc_cents"]
        else:
            out["returns"] += 1
        out["hours"][int(body["ts_local"][11:13])] += body["total_ttc_cents"]
        out["operators"][body["operator"]["name"]] += body["total_ttc_cents"]
        for line in body["lines"]:
            out["items"][line["sku"]] += line["line_ttc_cents"]
            out["categories"][categories[line["sku"]]] += line["line_ttc_cents"]
        for v in body["vat"]:
            slot = out["vat"][v["rate_bp"]]
            slot[0] += v["ht"]
            slot[1] += v["tva"]
            slot[2] += v["ttc"]
    return out


def service(shop: TillFixture) -> ReportService:
    return ReportService(shop.till.context, shop.till.closures, shop.till.cash)


def test_sales_report_equals_the_recomputation(shop: TillFixture) -> None:
    trade(shop)
    report = service(shop).sales_report(date(2026, 3, 16), date(2026, 3, 17))
    expected = oracle(shop.data_dir, "2026-03-16", "2026-03-17")
    assert report.turnover_ttc_cents == expected["ttc"] == 2 * (315 + 2950 + 1868 + 1305) - 1200
    assert report.turnover_ht_cents == expected["ht"]
    assert (report.tickets, report.returns) == (expected["tickets"], expected["returns"]) == (8, 1)
    assert report.average_basket_cents == round(expected["sales_ttc"] / 8)
    data = report.as_json()
    assert {i["sku"]: i["ttc_cents"] for i in data["top_items"]} == dict(expected["items"])
    assert {h["hour"]: h["ttc_cents"] for h in data["by_hour"]} == dict(expected["hours"])
    assert {o["name"]: o["ttc_cents"] for o in data["by_operator"]} == dict(expected["operators"])
    assert {c["category"]: c["ttc_cents"] for c in data["by_category"]} == dict(
        expected["categories"]
    )
    assert {
        v["rate_bp"]: [v["ht_cents"], v["tva_cents"], v["ttc_cents"]] for v in data["by_vat"]
    } == dict(expected["vat"])
    only_first = service(shop).sales_report(date(2026, 3, 16), date(2026, 3, 16))
    assert only_first.turnover_ttc_cents == oracle(shop.data_dir, "2026-03-16", "2026-03-16")["ttc"]


def test_top_items_are_limited_to_twenty_and_ranked(shop: TillFixture) -> None:
    trade(shop)
    report = service(shop).sales_report(date(2026, 3, 1), date(2026, 3, 31))
    top = report.top_items()
    assert [t["ttc_cents"] for t in top] == sorted((t["ttc_cents"] for t in top), reverse=True)
    assert len(report.top_items(2)) == 2


def test_a_reversed_range_is_refused(shop: TillFixture) -> None:
    with pytest.raises(InvalidInput, match="la fin doit suivre le début"):
        service(shop).sales_report(date(2026, 3, 17), date(2026, 3, 16))


def test_sales_pdf_shows_the_recomputed_figures(shop: TillFixture, tmp_path: Path) -> None:
    trade(shop)
    report = service(shop).sales_report(date(2026, 3, 16), date(2026, 3, 17))
    path = tmp_path / "ventes.pdf"
    write_sales_pdf(report, path)
    assert path.read_bytes().startswith(b"%PDF")
    text = pdf_text(path)
    expected = oracle(shop.data_dir, "2026-03-16", "2026-03-17")
    assert f"Chiffre d'affaires TTC (net des retours) {eur(expected['ttc'])}" in text
    assert f"Chiffre d'affaires HT (net des retours) {eur(expected['ht'])}" in text
    assert f"Nombre de tickets de vente {expected['tickets']}" in text
    assert f"Panier moyen TTC {eur(round(expected['sales_ttc'] / 8))}" in text
    for hour, cents in expected["hours"].items():
        assert re.search(rf"{hour:02d}h \d+ \d+ {re.escape(eur(cents))}", text), hour
    for name, cents in expected["operators"].items():
        assert re.search(rf"{name} \d+ \d+ {re.escape(eur(cents))}", text), name
    for category, cents in expected["categories"].items():
        assert re.search(rf"{category} [\d,]+ {re.escape(eur(cents))}", text), category
    for rate, (ht, tva, ttc) in expected["vat"].items():
        assert f"{eur(ht)} {eur(tva)} {eur(ttc)}" in text, rate
    for sku, cents in expected["items"].items():
        assert re.search(rf"{sku} [\d,-]+ {re.escape(eur(cents))}", text), sku
    assert "Ventes par heure" in text
    assert "Part du TTC" in text


def test_sales_csv_reads_back_to_the_recomputed_figures(shop: TillFixture, tmp_path: Path) -> None:
    trade(shop)
    report = service(shop).sales_report(date(2026, 3, 16), date(2026, 3, 17))
    path = tmp_path / "ventes.csv"
    write_sales_csv(report, path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    expected = oracle(shop.data_dir, "2026-03-16", "2026-03-17")
    summary = {r[1]: r[2] for r in rows if r[0] == "summary"}
    assert int(summary["turnover_ttc_cents"]) == expected["ttc"]
    assert int(summary["turnover_ht_cents"]) == expected["ht"]
    assert int(summary["tickets"]) == expected["tickets"]

    def section(name: str, key: int, value: int) -> dict[str, int]:
        body = [r for r in rows if r[0] == name][1:]  # the first row is the header
        return {r[key]: int(r[value]) for r in body}

    assert section("hour", 1, 4) == {str(h): c for h, c in expected["hours"].items()}
    assert section("operator", 2, 5) == dict(expected["operators"])
    assert section("category", 1, 3) == dict(expected["categories"])
    assert section("top", 2, 5) == dict(expected["items"])
    assert section("vat", 1, 4) == {str(r): v[2] for r, v in expected["vat"].items()}


def test_x_and_z_pdfs_show_the_report_figures(shop: TillFixture, tmp_path: Path) -> None:
    till = shop.till
    till.cash.open_session(shop.cashier, CashCount.of_amount(5000))
    trade(shop)
    x = service(shop).x_report()
    write_x_pdf(x, tmp_path / "x.pdf")
    text = pdf_text(tmp_path / "x.pdf")
    assert "Rapport X — lecture sans clôture" in text
    net = x["totals"]["net"]
    assert f"Total {eur(x['totals']['sales']['ht'])}" in text
    assert eur(net["ttc"]) in text
    assert f"GT perpétuel {eur(x['gt']['perpetual'])}" in text
    assert f"Tickets école (hors grand total) {x['training']['count']}" in text
    till.cash.count(shop.cashier, CashCount.of_amount(5000), None, "écart test")
    results = till.closures.close_day(shop.manager)
    reports = [service(shop).closure_report(r.gseq) for r in results]
    write_closures_pdf(reports, tmp_path / "z.pdf")
    text = pdf_text(tmp_path / "z.pdf")
    written = {r.gseq for r in results}
    rows = [r for r in journal_rows(shop.data_dir) if r["gseq"] in written]
    assert [r["kind"] for r in rows] == ["Z"]
    for row in rows:
        body = json.loads(row["body"])
        assert f"Clôture journalière (Z) — {body['number']}" in text
        assert f"GT période {eur(body['gt']['period'])}" in text
        assert f"GT perpétuel absolu {eur(body['gt']['perpetual_abs'])}" in text
    assert "Justification : écart test" in text
    assert "Espèces" in text
    assert "Attendu" in text
