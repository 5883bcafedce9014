"""Open and parked tickets on a real till database; return look-ups; the drawer after cash."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from caisse.domain.sale import Discount, Payment, Sale, Tender
from caisse.services.errors import DrawerFailed, ReturnNotAllowed, TicketNotFound
from caisse.services.jet import Jet
from caisse.services.open_tickets import ParkedInAnotherMode, ParkedTicketNotFound
from tests.integration.conftest import TillFixture
from tests.journal_helpers import jet_codes, journal_rows, verify_data_dir


def open_rows(shop: TillFixture) -> list[tuple[str, str]]:
    with sqlite3.connect(shop.data_dir / "caisse.sqlite") as conn:
        return [tuple(r) for r in conn.execute("SELECT id, status FROM open_tickets ORDER BY id")]


def _ticket(shop: TillFixture, *codes: str) -> Sale:
    sale = shop.till.checkout.new_sale()
    for code in codes:
        qty = 532 if code == "COMTE" else None
        shop.till.checkout.add_item(sale, code, qty)
    return sale


class FakeDrawer:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.opened = 0

    def open(self) -> None:
        if self.fail:
            raise DrawerFailed("tiroir débranché")
        self.opened += 1


def test_parked_tickets_survive_a_restart_and_resume_as_they_were(shop: TillFixture) -> None:
    tickets = shop.till.open_tickets
    first = _ticket(shop, "BAG", "VIN", "COMTE")
    shop.till.checkout.discount_ticket(shop.cashier, first, Discount.of_percent(500))
    first.void_line(2, "Erreur de saisie")
    tickets.save(shop.cashier, first)
    parked = tickets.park(shop.cashier, first)
    shop.clock.advance(minutes=2)
    second = _ticket(shop, "SAN")
    tickets.park(shop.cashier, second)
    assert parked.items == 2  # a baguette and a weighed line; the voided wine is out
    assert parked.total_cents == first.totals.total_ttc_cents

    till = shop.reopen()
    listed = till.open_tickets.parked()
    assert [t.id for t in listed] == [first.id, second.id]
    assert listed[0].parked_at is not None
    assert listed[0].operator_name == "Marie"
    assert till.open_tickets.interrupted() is None  # parked is not interrupted

    back = till.open_tickets.resume(shop.cashier, listed[0].id)
    assert back.totals == first.totals
    assert back.lines == first.lines
    assert [t.id for t in till.open_tickets.parked()] == [second.id]
    assert till.open_tickets.interrupted() is not None  # on screen now: a crash would offer it

    back.add_payment(Payment(Tender.CASH, back.totals.total_ttc_cents))
    done = till.checkout.finalise(shop.cashier, back)
    assert done.total_ttc_cents == first.totals.total_ttc_cents
    assert (back.id, "open") not in open_rows(shop)  # gone in the finalising transaction
    assert till.open_tickets.interrupted() is None
    with pytest.raises(ParkedTicketNotFound):
        till.open_tickets.resume(shop.cashier, first.id or "")
    assert verify_data_dir(shop.data_dir).ok


def test_the_ticket_on_screen_is_saved_after_each_change_and_offered_after_a_crash(
    shop: TillFixture,
) -> None:
    tickets = shop.till.open_tickets
    sale = _ticket(shop, "BAG")
    tickets.save(shop.cashier, sale)
    shop.till.checkout.add_item(sale, "VIN")
    tickets.save(shop.cashier, sale)
    shop.reopen()  # the process died: nothing was finalised
    interrupted = shop.till.open_tickets.interrupted()
    assert interrupted is not None
    assert (interrupted.items, interrupted.total_cents) == (2, 1305)
    back = shop.till.open_tickets.resume(shop.cashier, interrupted.id)
    assert back.totals.total_ttc_cents == 1305


def test_an_emptied_or_voided_ticket_is_forgotten(shop: TillFixture) -> None:
    tickets = shop.till.open_tickets
    sale = _ticket(shop, "BAG")
    tickets.save(shop.cashier, sale)
    assert len(open_rows(shop)) == 1
    shop.till.checkout.void_ticket(shop.cashier, sale, "Client parti")
    tickets.save(shop.cashier, sale)
    assert open_rows(shop) == []
    tickets.save(shop.cashier, Sale())
    assert open_rows(shop) == []


def test_abandoning_a_parked_ticket_is_traced(shop: TillFixture) -> None:
    tickets = shop.till.open_tickets
    sale = _ticket(shop, "VIN")
    parked = tickets.park(shop.cashier, sale)
    with pytest.raises(Exception, match="pourquoi"):
        tickets.discard(shop.cashier, parked.id, " ")
    tickets.discard(shop.cashier, parked.id, "Client parti")
    assert tickets.parked() == []
    j = [json.loads(r["body"]) for r in journal_rows(shop.data_dir) if r["kind"] == "J"]
    voided = [b for b in j if b["code"] == int(Jet.TICKET_VOIDED)]
    assert voided[-1]["detail"]["parked"] is True
    assert voided[-1]["detail"]["lines"][0]["sku"] == "VIN"
    assert int(Jet.TICKET_VOIDED) in jet_codes(shop.data_dir)
    with pytest.raises(ParkedTicketNotFound):
        tickets.discard(shop.cashier, parked.id, "encore")
    assert verify_data_dir(shop.data_dir).ok


def test_an_empty_ticket_cannot_be_parked(shop: TillFixture) -> None:
    with pytest.raises(Exception, match="pas de ticket en cours"):
        shop.till.open_tickets.park(shop.cashier, Sale())


def test_the_drawer_opens_after_cash_only_and_its_failure_keeps_the_sale(
    shop: TillFixture,
) -> None:
    drawer = FakeDrawer()
    shop.till.context.drawer = drawer
    card = _ticket(shop, "BAG")
    card.add_payment(Payment(Tender.CARD, 105))
    shop.till.checkout.finalise(shop.cashier, card)
    assert drawer.opened == 0
    cash = _ticket(shop, "VIN")
    cash.add_payment(Payment(Tender.CARD, 200))
    cash.add_payment(Payment(Tender.CASH, 2000))
    result = shop.till.checkout.finalise(shop.cashier, cash)
    assert drawer.opened == 1
    assert result.drawer_error is None
    drawer.fail = True
    again = _ticket(shop, "SAN")
    again.add_payment(Payment(Tender.CASH, 1000))
    failed = shop.till.checkout.finalise(shop.cashier, again)
    assert failed.drawer_error == "tiroir débranché"
    assert len([r for r in journal_rows(shop.data_dir) if r["kind"] == "T"]) == 3


def test_returns_find_the_original_by_number_qr_and_date(shop: TillFixture) -> None:
    sale = _ticket(shop, "BAG", "BAG", "VIN")
    sale.set_quantity(1, 3000)
    sale.add_payment(Payment(Tender.CASH, 2000))
    done = shop.till.checkout.finalise(shop.cashier, sale)
    returns = shop.till.returns

    found = returns.find(done.number)
    assert found.ticket_no == done.number
    assert [(li.n, li.left_milli) for li in found.lines] == [(1, 3000), (2, 1000), (3, 1000)]
    assert returns.find_by_qr(f"{done.core},{done.sig}").gseq == done.gseq
    with pytest.raises(TicketNotFound):
        returns.find_by_qr(f"{done.core},{done.sig[:-2]}AA")
    with pytest.raises(Exception, match="QR code"):
        returns.find_by_qr("https://example.com")
    with pytest.raises(TicketNotFound):
        returns.find("TILL01-T-999999")
    day = date.fromisoformat(found.ts_local[:10])
    (listed,) = returns.on_date(day)
    assert listed.ticket_no == done.number
    assert listed.time_local == found.ts_local[11:16]  # local time, not UTC (14:45 vs 13:45)
    assert listed.time_local == "14:45"

    assert returns.refund_total(done.number, [(1, 2000)]) == -210
    shop.till.checkout.refund(shop.manager, done.number, [(1, 2000)], [Payment(Tender.CASH, -210)])
    left = returns.find(done.number)
    line = left.lines[0]
    assert (line.n, line.returned_milli, line.left_milli) == (1, 2000, 1000)
    with pytest.raises(ReturnNotAllowed):
        returns.refund_total(done.number, [(1, 2000)])
    assert [t.ticket_no for t in returns.on_date(day)] == [done.number]  # refunds left out


def test_a_receipt_by_email_is_queued_with_its_address(shop: TillFixture) -> None:
    sale = _ticket(shop, "BAG")
    sale.add_payment(Payment(Tender.CARD, 105))
    done = shop.till.checkout.finalise(shop.cashier, sale, printed="email")
    with pytest.raises(Exception, match="adresse e-mail"):
        shop.till.open_tickets.queue_receipt_email(done.gseq, done.number, "pas une adresse")
    shop.till.open_tickets.queue_receipt_email(done.gseq, done.number, " client@example.fr ")
    with shop.till.context.uow() as uow:
        assert uow.receipt_emails.pending() == [(done.gseq, done.number, "client@example.fr")]


def test_a_training_ticket_never_comes_back_as_a_real_sale(shop: TillFixture) -> None:
    tickets = shop.till.open_tickets
    shop.till.checkout.set_training(shop.manager, True)
    practice = _ticket(shop, "VIN")
    tickets.park(shop.cashier, practice)
    shop.till.checkout.set_training(shop.manager, False)
    real = _ticket(shop, "BAG")
    tickets.park(shop.cashier, real)

    with pytest.raises(ParkedInAnotherMode, match="mode école"):
        tickets.resume(shop.cashier, practice.id or "")
    shop.till.checkout.set_training(shop.manager, True)
    with pytest.raises(ParkedInAnotherMode, match="quittez le mode école"):
        tickets.resume(shop.cashier, real.id or "")

    back = tickets.resume(shop.cashier, practice.id or "")
    back.add_payment(Payment(Tender.CASH, back.totals.total_ttc_cents))
    shop.till.checkout.finalise(shop.cashier, back)
    kinds = [r["kind"] for r in journal_rows(shop.data_dir) if r["kind"] in "TX"]
    assert kinds == ["X"]
    assert [t.id for t in tickets.parked()] == [real.id]
