"""The sale write path end to end on a real SQLite file: record, projections, commit, print."""

from __future__ import annotations

import json
import sqlite3

import pytest

from caisse.domain.errors import UnderPaid, UnknownProduct
from caisse.domain.sale import Discount, Payment, Tender
from caisse.services.checkout import TicketResult
from caisse.services.errors import ClockWentBackwards, SignerUnavailable
from caisse.services.jet import Jet
from tests.fakes import FailingSigner, FakePrinter
from tests.integration.conftest import TillFixture
from tests.journal_helpers import jet_codes, journal_rows, verify_data_dir


def _sell(shop: TillFixture, *items: tuple[str, int | None], pay: list[Payment]) -> TicketResult:
    sale = shop.till.checkout.new_sale()
    for code, qty in items:
        shop.till.checkout.add_item(sale, code, qty)
    for p in pay:
        sale.add_payment(p)
    return shop.till.checkout.finalise(shop.cashier, sale)


def test_a_sale_is_one_signed_record_with_its_projections(shop: TillFixture) -> None:
    result = _sell(shop, ("BAG", 2000), ("3760000000024", None), pay=[Payment(Tender.CASH, 1500)])
    assert result.total_ttc_cents == 2 * 105 + 1200
    assert result.change_cents == 90
    rows = journal_rows(shop.data_dir)
    record = rows[-1]
    assert record["kind"] == "T"
    assert record["kseq"] == 1
    body = json.loads(record["body"])
    assert [li["label"] for li in body["lines"]] == ["Baguette", "Vin rouge"]
    assert body["vat"] == [
        {"ht": 199, "rate_bp": 550, "ttc": 210, "tva": 11},
        {"ht": 1000, "rate_bp": 2000, "ttc": 1200, "tva": 200},
    ]
    assert body["gt_before"] == 0
    assert body["gt_after"] == 1410
    assert body["gt_abs_after"] == 1410
    assert body["company"]["siret"] == "73282932000074"
    assert body["operator"] == {"id": "marie", "name": "Marie"}
    assert body["ticket_no"] == "TILL01-T-000001" == result.number
    assert record["core"].startswith("FR1,TILL01,")
    assert ",550:210|2000:1200,1410,-," in record["core"]
    with sqlite3.connect(shop.data_dir / "caisse.sqlite") as conn:
        sale = conn.execute("SELECT total_ttc_cents, op FROM sales").fetchone()
        lines = conn.execute("SELECT COUNT(*) FROM sale_lines").fetchone()
        stock = conn.execute(
            "SELECT SUM(qty_milli) FROM stock_movements WHERE sku = 'BAG'"
        ).fetchone()
    assert sale == (1410, "SALE")
    assert lines == (2,)
    assert stock == (-2000,)
    assert verify_data_dir(shop.data_dir).ok
    assert shop.printer.receipts
    assert shop.printer.receipts[0].entry.gseq == record["gseq"]


def test_grand_totals_follow_sales_and_refunds(shop: TillFixture) -> None:
    first = _sell(shop, ("VIN", None), pay=[Payment(Tender.CARD, 1200)])
    _sell(shop, ("BAG", None), pay=[Payment(Tender.CASH, 105)])
    shop.till.checkout.refund(shop.manager, first.number, None, [Payment(Tender.CARD, -1200)])
    bodies = [json.loads(r["body"]) for r in journal_rows(shop.data_dir) if r["kind"] == "T"]
    assert [b["gt_after"] for b in bodies] == [1200, 1305, 105]
    assert [b["gt_abs_after"] for b in bodies] == [1200, 1305, 2505]
    assert verify_data_dir(shop.data_dir).ok


def test_weighed_item_is_priced_from_the_weight(shop: TillFixture) -> None:
    result = _sell(shop, ("COMTE", 532), pay=[Payment(Tender.CASH, 2000)])
    # 0.532 kg x 24.90 €/kg = 13.2468 € -> 13.25 €
    assert result.total_ttc_cents == 1325


def test_unknown_code_adds_nothing(shop: TillFixture) -> None:
    sale = shop.till.checkout.new_sale()
    with pytest.raises(UnknownProduct, match="Code inconnu"):
        shop.till.checkout.add_item(sale, "0000000000000")
    assert sale.active_lines == ()


def test_tenders_must_cover_the_total_and_nothing_is_written(shop: TillFixture) -> None:
    before = len(journal_rows(shop.data_dir))
    sale = shop.till.checkout.new_sale()
    shop.till.checkout.add_item(sale, "VIN")
    sale.add_payment(Payment(Tender.CASH, 1000))
    with pytest.raises(UnderPaid):
        shop.till.checkout.finalise(shop.cashier, sale)
    assert len(journal_rows(shop.data_dir)) == before
    sale.add_payment(Payment(Tender.CHEQUE, 200))
    assert shop.till.checkout.finalise(shop.cashier, sale).total_ttc_cents == 1200


def test_a_signer_failure_fails_closed(shop: TillFixture) -> None:
    before = journal_rows(shop.data_dir)
    shop.till.context._signer = FailingSigner()
    sale = shop.till.checkout.new_sale()
    shop.till.checkout.add_item(sale, "BAG")
    sale.add_payment(Payment(Tender.CASH, 105))
    with pytest.raises(SignerUnavailable):
        shop.till.checkout.finalise(shop.cashier, sale)
    assert journal_rows(shop.data_dir) == before
    with sqlite3.connect(shop.data_dir / "caisse.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM sales").fetchone() == (0,)
    assert shop.printer.receipts == []
    # the sale is still open: the cashier can retry once the key is back
    shop.till.context._signer = None
    assert shop.till.checkout.finalise(shop.cashier, sale).kind == "T"


def test_a_printer_failure_never_undoes_the_sale(shop: TillFixture) -> None:
    shop.reopen(printer=FakePrinter(fail=True))
    result = _sell(shop, ("BAG", None), pay=[Payment(Tender.CASH, 200)])
    assert result.printed is False
    assert result.print_error == "plus de papier"
    rows = journal_rows(shop.data_dir)
    assert rows[-2]["gseq"] == result.gseq
    last = json.loads(rows[-1]["body"])
    assert last["code"] == Jet.PRINTER_FAILURE
    assert last["related_gseq"] == result.gseq
    assert verify_data_dir(shop.data_dir).ok


def test_a_clock_that_went_backwards_is_refused(shop: TillFixture) -> None:
    _sell(shop, ("BAG", None), pay=[Payment(Tender.CASH, 105)])
    shop.clock.advance(hours=-1)
    sale = shop.till.checkout.new_sale()
    shop.till.checkout.add_item(sale, "BAG")
    sale.add_payment(Payment(Tender.CASH, 105))
    with pytest.raises(ClockWentBackwards):
        shop.till.checkout.finalise(shop.cashier, sale)
    report = shop.till.integrity.start(shop.till.checkout)
    assert report.clock_went_back
    assert report.blocked is not None
    assert Jet.CLOCK_ANOMALY in jet_codes(shop.data_dir)
    assert verify_data_dir(shop.data_dir).ok


def test_discounts_are_spread_without_losing_a_cent(shop: TillFixture) -> None:
    sale = shop.till.checkout.new_sale()
    for code in ("BAG", "VIN", "SAN"):
        shop.till.checkout.add_item(sale, code)
    shop.till.checkout.discount_ticket(shop.cashier, sale, Discount(amount_cents=100))
    sale.add_payment(Payment(Tender.CASH, 5000))
    result = shop.till.checkout.finalise(shop.cashier, sale)
    body = json.loads(journal_rows(shop.data_dir)[-1]["body"])
    assert result.total_ttc_cents == 105 + 1200 + 550 - 100
    assert sum(li["ticket_discount_cents"] for li in body["lines"]) == 100
    assert sum(v["ttc"] for v in body["vat"]) == body["total_ttc_cents"]
    assert verify_data_dir(shop.data_dir).ok


def test_training_sales_are_x_records_outside_the_grand_total(shop: TillFixture) -> None:
    _sell(shop, ("VIN", None), pay=[Payment(Tender.CASH, 1200)])
    shop.till.checkout.set_training(shop.manager, True)
    training = _sell(shop, ("VIN", None), pay=[Payment(Tender.CASH, 1200)])
    shop.till.checkout.set_training(shop.manager, False)
    after = _sell(shop, ("BAG", None), pay=[Payment(Tender.CASH, 105)])
    assert training.kind == "X"
    assert training.number == "TILL01-X-000001"
    bodies = {r["gseq"]: json.loads(r["body"]) for r in journal_rows(shop.data_dir)}
    assert bodies[training.gseq]["gt_after"] == 1200
    assert bodies[training.gseq]["training"] is True
    assert bodies[training.gseq]["supervisor"] == "paul"
    assert bodies[after.gseq]["gt_before"] == 1200
    codes = jet_codes(shop.data_dir)
    assert Jet.TRAINING_ON in codes
    assert Jet.TRAINING_OFF in codes
    assert verify_data_dir(shop.data_dir).ok


def test_decomposed_labels_are_stored_composed(shop: TillFixture) -> None:
    import unicodedata

    from caisse.domain.catalog import Product

    label = unicodedata.normalize("NFD", "Crème brûlée, « maison » 🍮")
    with shop.till.context.uow() as uow:
        uow.catalog.upsert_many([Product("CREME", label, 450, 1000)])
        uow.commit()
    _sell(shop, ("CREME", None), pay=[Payment(Tender.CASH, 450)])
    record = journal_rows(shop.data_dir)[-1]
    body = json.loads(record["body"])
    assert body["lines"][0]["label"] == unicodedata.normalize("NFC", label)
    assert len(record["core"].split(",")) == 11  # the comma of the label stays in the body
    assert verify_data_dir(shop.data_dir).ok
