"""Refunds, cancellations and duplicates: new records that reference untouched originals."""

from __future__ import annotations

import json

import pytest

from caisse.domain.sale import Payment, Tender
from caisse.services.checkout import TicketResult
from caisse.services.errors import PermissionDenied, ReturnNotAllowed, TicketNotFound
from tests.integration.conftest import TillFixture
from tests.journal_helpers import journal_rows, verify_data_dir


def _sale(shop: TillFixture) -> TicketResult:
    sale = shop.till.checkout.new_sale()
    shop.till.checkout.add_item(sale, "BAG", 3000)
    shop.till.checkout.add_item(sale, "VIN")
    sale.add_payment(Payment(Tender.CASH, 2000))
    return shop.till.checkout.finalise(shop.cashier, sale)


def test_partial_refunds_reference_the_original_whose_bytes_never_change(
    shop: TillFixture,
) -> None:
    original = _sale(shop)
    before = next(r for r in journal_rows(shop.data_dir) if r["gseq"] == original.gseq)
    first = shop.till.checkout.refund(
        shop.manager, original.number, [(1, 1000)], [Payment(Tender.CASH, -105)]
    )
    second = shop.till.checkout.refund(
        shop.manager, original.number, [(1, 2000)], [Payment(Tender.CASH, -210)]
    )
    rows = {r["gseq"]: r for r in journal_rows(shop.data_dir)}
    assert rows[original.gseq] == before
    body = json.loads(rows[second.gseq]["body"])
    assert body["op"] == "REFUND"
    assert body["refers_to"] == {
        "gseq": original.gseq,
        "number": original.number,
        "token_hash": original.token_sha256,
    }
    assert rows[first.gseq]["core"].split(",")[8] == str(original.gseq)
    assert body["lines"][0]["qty_milli"] == -2000
    with pytest.raises(ReturnNotAllowed, match="quantité"):
        shop.till.checkout.refund(
            shop.manager, original.number, [(1, 1000)], [Payment(Tender.CASH, -105)]
        )
    assert verify_data_dir(shop.data_dir).ok


def test_a_cashier_cannot_refund_without_a_manager(shop: TillFixture) -> None:
    original = _sale(shop)
    with pytest.raises(PermissionDenied):
        shop.till.checkout.refund(
            shop.cashier, original.number, None, [Payment(Tender.CASH, -1515)]
        )
    done = shop.till.checkout.refund(
        shop.cashier,
        original.number,
        None,
        [Payment(Tender.CASH, -1515)],
        approver=shop.manager,
    )
    assert done.total_ttc_cents == -1515


def test_cancellation_negates_the_whole_ticket(shop: TillFixture) -> None:
    original = _sale(shop)
    done = shop.till.checkout.refund(
        shop.manager, original.number, None, [Payment(Tender.CASH, -1515)], cancel=True
    )
    assert done.op == "CANCEL"
    assert done.total_ttc_cents == -original.total_ttc_cents
    with pytest.raises(ReturnNotAllowed):
        shop.till.checkout.refund(shop.manager, original.number, None, [Payment(Tender.CASH, -1)])


def test_unknown_ticket(shop: TillFixture) -> None:
    with pytest.raises(TicketNotFound):
        shop.till.checkout.refund(shop.manager, "TILL01-T-999999", None, [])


def test_reprints_are_d_records_with_increasing_copy_numbers(shop: TillFixture) -> None:
    original = _sale(shop)
    copies = [shop.till.checkout.reprint(shop.cashier, original.number) for _ in range(2)]
    rows = {r["gseq"]: r for r in journal_rows(shop.data_dir)}
    bodies = [json.loads(rows[c.gseq]["body"]) for c in copies]
    assert [b["copy_no"] for b in bodies] == [1, 2]
    assert [rows[c.gseq]["kind"] for c in copies] == ["D", "D"]
    assert all(b["original"]["gseq"] == original.gseq for b in bodies)
    # the copy went to the printer after its D record, flagged as a copy
    assert shop.printer.receipts[-1].copy is True
    assert shop.printer.receipts[-1].entry.gseq == copies[-1].gseq
    assert verify_data_dir(shop.data_dir).ok


def test_training_refunds_touch_only_training_tickets(shop: TillFixture) -> None:
    real = _sale(shop)
    shop.till.checkout.set_training(shop.manager, True)
    sale = shop.till.checkout.new_sale()
    shop.till.checkout.add_item(sale, "VIN")
    sale.add_payment(Payment(Tender.CASH, 1200))
    practice = shop.till.checkout.finalise(shop.cashier, sale)
    with pytest.raises(ReturnNotAllowed, match="mode école"):
        shop.till.checkout.refund(shop.manager, real.number, None, [Payment(Tender.CASH, -1515)])
    back = shop.till.checkout.refund(
        shop.manager, practice.number, None, [Payment(Tender.CASH, -1200)]
    )
    shop.till.checkout.set_training(shop.manager, False)
    assert back.kind == "X"
    body = json.loads(
        next(r["body"] for r in journal_rows(shop.data_dir) if r["gseq"] == back.gseq)
    )
    assert body["training"] is True
    assert body["gt_after"] == body["gt_before"] == real.total_ttc_cents
    with pytest.raises(ReturnNotAllowed, match="hors du mode école"):
        shop.till.checkout.refund(
            shop.manager, practice.number, None, [Payment(Tender.CASH, -1200)]
        )
    assert verify_data_dir(shop.data_dir).ok
