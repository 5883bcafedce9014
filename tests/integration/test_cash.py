"""Cash sessions through the real services: P records, expected cash, the count (issue 5.1)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from caisse.domain.cash import (
    CashCount,
    CashOp,
    CashSessionOpen,
    JustificationRequired,
    NoCashSession,
)
from caisse.domain.closures import PeriodClosed
from caisse.domain.errors import InvalidAmount, InvalidInput
from caisse.domain.sale import Payment, Tender
from caisse.services.errors import PermissionDenied
from tests.integration.conftest import TillFixture, make_till
from tests.journal_helpers import journal_rows, projection_anomalies, verify_data_dir

pytestmark = pytest.mark.integration

FLOAT = CashCount.of_pieces([(2000, 3), (1000, 2), (200, 5), (100, 4), (10, 4)])  # 94,40 €


@pytest.fixture
def shop(tmp_path: Any) -> Any:
    from tests.fakes import FakeClock

    fixture = make_till(tmp_path / "data", FakeClock(datetime(2026, 3, 16, 7, 0, tzinfo=UTC)))
    yield fixture
    fixture.till.close()


def sell(shop: TillFixture, *codes: str, pay: list[tuple[Tender, int]]) -> Any:
    shop.clock.advance(minutes=3)
    sale = shop.till.checkout.new_sale()
    for code in codes:
        shop.till.checkout.add_item(sale, code)
    for tender, amount in pay:
        sale.add_payment(Payment(tender, amount))
    return shop.till.checkout.finalise(shop.cashier, sale)


def p_bodies(shop: TillFixture) -> list[dict[str, Any]]:
    return [json.loads(r["body"]) for r in journal_rows(shop.data_dir) if r["kind"] == "P"]


def journal_size(shop: TillFixture) -> int:
    return len(journal_rows(shop.data_dir))


def drawer_from_journal(shop: TillFixture, opened_gseq: int) -> int:
    """Recompute the cash the drawer should hold from the journal bodies (not with caisse)."""
    cash = 0
    for row in journal_rows(shop.data_dir):
        if row["gseq"] < opened_gseq:
            continue
        body = json.loads(row["body"])
        if row["kind"] == "P" and body["op"] == "OPEN":
            cash += body["count"]["cash_cents"]
        elif row["kind"] == "P":
            cash += body["total_cents"]
        elif row["kind"] == "T":
            cash += sum(p["amount_cents"] for p in body["payments"] if p["method"] == "CASH")
            cash -= body["change_cents"]
    return cash


def test_a_day_of_cash_from_float_to_count(shop: TillFixture) -> None:
    cash = shop.till.cash
    opened = cash.open_session(shop.cashier, FLOAT, note="fond de caisse")
    assert opened.details["count"]["cash_cents"] == 9440
    assert opened.details["opening_difference_cents"] is None  # no previous session
    a = sell(shop, "BAG", "VIN", pay=[(Tender.CASH, 2000)])  # 13,05 €, 6,95 € change
    assert a.change_cents == 695
    sell(shop, "VIN", pay=[(Tender.CARD, 1200)])
    sell(shop, "BAG", "SAN", pay=[(Tender.CARD, 500), (Tender.CASH, 500)])  # 3,45 € change
    shop.clock.advance(minutes=1)
    shop.till.checkout.refund(shop.manager, a.number, [(1, None)], [Payment(Tender.CASH, -105)])
    # training money is not the shop's: it never reaches the drawer's expected cash
    shop.till.checkout.set_training(shop.manager, True)
    sell(shop, "VIN", pay=[(Tender.CASH, 5000)])
    shop.till.checkout.set_training(shop.manager, False)
    cash.movement(shop.manager, CashOp.CASH_IN, 2000, "monnaie de la banque")
    cash.movement(shop.manager, CashOp.CASH_OUT, 350, "timbres")
    cash.movement(shop.manager, CashOp.SAFE_DROP, 5000)
    cash.movement(shop.manager, CashOp.BANK_DEPOSIT, 1000, "remise n° 12")

    status = cash.session_status()
    assert status is not None
    expected = 9440 + (2000 - 695) + (500 - 345) - 105 + 2000 - 350 - 5000 - 1000
    assert status["expected_cash_cents"] == expected
    assert status["expected"] == {"CASH": expected, "CARD": 1700}
    assert drawer_from_journal(shop, opened.gseq) == expected
    assert status["flows"]["change_given_cents"] == 695 + 345

    count = cash.count(
        shop.cashier, CashCount.of_amount(expected), {"CARD": 1700}, justification=None
    )
    assert [(t["method"], t["difference_cents"]) for t in count.details["tenders"]] == [
        ("CASH", 0),
        ("CARD", 0),
    ]
    assert cash.session_status() is None
    ops = [b["op"] for b in p_bodies(shop)]
    assert ops == ["OPEN", "CASH_IN", "CASH_OUT", "SAFE_DROP", "BANK_DEPOSIT", "COUNT"]
    signed = [b["total_cents"] for b in p_bodies(shop)]
    assert signed == [0, 2000, -350, -5000, -1000, 0]
    report = verify_data_dir(shop.data_dir)
    assert report.ok, report.anomalies
    assert projection_anomalies(shop.data_dir) == []


def test_the_next_opening_reports_its_difference_once(shop: TillFixture) -> None:
    cash = shop.till.cash
    cash.open_session(shop.cashier, CashCount.of_amount(10000))
    sell(shop, "VIN", pay=[(Tender.CASH, 1200)])
    cash.count(shop.cashier, CashCount.of_amount(11200))
    # overnight a 5 € note went missing: the morning count says so, once
    reopened = cash.open_session(shop.cashier, CashCount.of_amount(10700))
    assert reopened.details["previous_closing"]["cash_cents"] == 11200
    assert reopened.details["opening_difference_cents"] == -500
    sell(shop, "BAG", pay=[(Tender.CASH, 105)])
    # ... and the evening count is exact: the missing note is not counted a second time
    status = cash.session_status()
    assert status is not None
    assert status["expected_cash_cents"] == 10700 + 105
    closed = cash.count(shop.cashier, CashCount.of_amount(10805))
    assert closed.details["tenders"][0]["difference_cents"] == 0


def test_a_difference_needs_a_justification_and_nothing_is_written(shop: TillFixture) -> None:
    cash = shop.till.cash
    cash.open_session(shop.cashier, FLOAT)
    before = journal_size(shop)
    with pytest.raises(JustificationRequired):
        cash.count(shop.cashier, CashCount.of_amount(9400))
    assert journal_size(shop) == before
    assert cash.session_status() is not None
    done = cash.count(shop.cashier, CashCount.of_amount(9400), justification="pièce de 40 c perdue")
    assert done.details["justification"] == "pièce de 40 c perdue"
    assert done.details["tenders"][0]["difference_cents"] == -40


def test_sessions_one_at_a_time(shop: TillFixture) -> None:
    cash = shop.till.cash
    with pytest.raises(NoCashSession):
        cash.movement(shop.manager, CashOp.CASH_IN, 100, "x")
    with pytest.raises(NoCashSession):
        cash.count(shop.cashier, CashCount.of_amount(0))
    cash.open_session(shop.cashier, FLOAT)
    with pytest.raises(CashSessionOpen):
        cash.open_session(shop.cashier, FLOAT)


def test_movements_need_the_right_a_reason_and_a_positive_amount(shop: TillFixture) -> None:
    cash = shop.till.cash
    cash.open_session(shop.cashier, FLOAT)
    before = journal_size(shop)
    with pytest.raises(PermissionDenied):
        cash.movement(shop.cashier, CashOp.CASH_OUT, 500, "café")
    with pytest.raises(InvalidInput):
        cash.movement(shop.manager, CashOp.CASH_OUT, 500, "  ")
    with pytest.raises(InvalidAmount):
        cash.movement(shop.manager, CashOp.CASH_IN, 0, "x")
    with pytest.raises(InvalidAmount):
        cash.movement(shop.manager, CashOp.CASH_IN, -5, "x")
    assert journal_size(shop) == before
    approved = cash.movement(shop.cashier, CashOp.CASH_OUT, 500, "café", approver=shop.manager)
    assert p_bodies(shop)[-1]["approved_by"] == "paul"
    assert approved.amount_cents == -500


def test_no_cash_operation_in_a_closed_day(shop: TillFixture) -> None:
    cash = shop.till.cash
    cash.open_session(shop.cashier, FLOAT)
    sell(shop, "BAG", pay=[(Tender.CASH, 105)])
    shop.till.closures.close_day(shop.manager)
    before = journal_size(shop)
    with pytest.raises(PeriodClosed):
        cash.movement(shop.manager, CashOp.CASH_IN, 100, "x")
    with pytest.raises(PeriodClosed):
        cash.count(shop.cashier, CashCount.of_amount(9545))
    assert journal_size(shop) == before
    # the next morning the same session goes on and is counted
    shop.clock.advance(days=1)
    done = cash.count(shop.cashier, CashCount.of_amount(9545))
    assert done.details["tenders"][0]["difference_cents"] == 0
    assert verify_data_dir(shop.data_dir).ok
