"""`caisse report x|sales` and `caisse close day` with a printer and PDF/CSV files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from caisse.app.demo import demo_products
from caisse.domain.catalog import Unit
from hw.simulators.escpos_printer import CutEvent, EscposEmulator, QrEvent
from tests.e2e.cli_helpers import caisse, one_sentence

pytestmark = pytest.mark.integration


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    assert caisse(data, "demo", "--products", "20").returncode == 0
    product = next(p for p in demo_products(20) if p.unit is Unit.PIECE)
    sold = caisse(
        data, "sell", "--operator", "marie", "--item", f"{product.sku}x2",
        "--pay", f"CARD:{2 * product.price_ttc_cents}", pin="1234",
    )  # fmt: skip
    assert sold.returncode == 0, sold.stderr
    return data


def decoded(path: Path) -> EscposEmulator:
    emulator = EscposEmulator()
    emulator.feed(path.read_bytes())
    assert emulator.unknown == []
    assert isinstance(emulator.events[-1], CutEvent)
    return emulator


def test_report_x_prints_the_ticket_and_writes_the_pdf(shop: Path, tmp_path: Path) -> None:
    ticket, pdf = tmp_path / "x.bin", tmp_path / "x.pdf"
    done = caisse(
        shop, "report", "x", "--printer", f"escpos-file:{ticket}", "--pdf", str(pdf), "--json"
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    lines = decoded(ticket).text_lines()
    assert "RAPPORT X" in lines
    assert "Lecture sans clôture" in lines
    net = report["totals"]["net"]["ttc"]
    assert any(line.startswith("TOTAL TTC NET") and f"{net // 100}," in line for line in lines)
    assert report["operators"][0]["name"] == "Marie Dupont"
    assert pdf.read_bytes().startswith(b"%PDF")


def test_close_day_prints_the_z_with_its_qr_and_writes_the_pdf(shop: Path, tmp_path: Path) -> None:
    ticket, pdf = tmp_path / "z.bin", tmp_path / "z.pdf"
    done = caisse(
        shop, "close", "day", "--operator", "paul", "--printer", f"escpos-file:{ticket}",
        "--pdf", str(pdf), "--json", pin="5678",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    closure = json.loads(done.stdout)["closures"][-1]
    emulator = decoded(ticket)
    lines = emulator.text_lines()
    assert "CLÔTURE JOURNALIÈRE (Z)" in lines
    assert any(
        line.startswith(f"N° Z-{closure['kseq']:06d}  Seq {closure['gseq']}") for line in lines
    )
    assert any(isinstance(e, QrEvent) and e.data.startswith("FR1,") for e in emulator.events)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_report_sales_writes_pdf_and_csv(shop: Path, tmp_path: Path) -> None:
    pdf, sheet = tmp_path / "ventes.pdf", tmp_path / "ventes.csv"
    done = caisse(
        shop, "report", "sales", "--from", "2020-01-01", "--to", "2029-12-31",
        "--pdf", str(pdf), "--csv", str(sheet), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["tickets"] == 1
    assert pdf.read_bytes().startswith(b"%PDF")
    with sheet.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    summary = {r[1]: r[2] for r in rows if r[0] == "summary"}
    assert int(summary["turnover_ttc_cents"]) == report["turnover_ttc_cents"]


@pytest.mark.parametrize(
    ("dates", "fragment"),
    [
        (("2026-13-01", "2026-11-30"), "Date de début invalide"),
        (("2026-11-30", "2026-11-01"), "la fin doit suivre le début"),
    ],
)
def test_report_sales_bad_dates_are_refused(
    shop: Path, tmp_path: Path, dates: tuple[str, str], fragment: str
) -> None:
    pdf = tmp_path / "ventes.pdf"
    done = caisse(shop, "report", "sales", "--from", dates[0], "--to", dates[1], "--pdf", str(pdf))
    assert done.returncode == 2
    one_sentence(done.stderr)
    assert fragment in done.stderr
    assert not pdf.exists()
