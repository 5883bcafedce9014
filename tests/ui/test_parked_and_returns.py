"""Parked tickets, a crash mid-ticket and a refund, by taps on a real till."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QTableWidget
from pytestqt.qtbot import QtBot

from caisse.domain.money import format_eur
from caisse.domain.sale import Payment, Tender
from caisse.services.jet import Jet
from caisse.ui.main_window import MainWindow
from caisse.ui.parked_screen import ParkedScreen
from caisse.ui.returns_screen import ReturnsScreen
from caisse.ui.tasks import ImmediateTaskRunner, QtTaskRunner
from tests.integration.conftest import TillFixture
from tests.journal_helpers import jet_codes, journal_rows, verify_data_dir
from tests.ui.conftest import QueuedTaskRunner, button, label, make_window, scan, sign_in, tap

pytestmark = pytest.mark.qt

BAGUETTE_EAN = "3760000000017"  # 1,05 €
WINE_EAN = "3760000000024"  # 12,00 €


def till_window(qtbot: QtBot, shop: TillFixture) -> MainWindow:
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    window.sale.use_ticket_services(
        shop.till.open_tickets, shop.till.returns, shop.till.checkout, shop.till.operators
    )
    return window


def t_bodies(data_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(r["body"]) for r in journal_rows(data_dir) if r["kind"] == "T"]


def lines_shown(window: MainWindow) -> int:
    table = window.findChild(QTableWidget, "sale.lines")
    assert isinstance(table, QTableWidget)
    return table.rowCount()


def parked_screen(qtbot: QtBot, window: MainWindow) -> ParkedScreen:
    tap(qtbot, window, "sale.parked")
    screen = window.sale.parked_screen
    assert screen is not None
    return screen


def pay_and_finalise(qtbot: QtBot, window: MainWindow) -> None:
    tap(qtbot, window, "sale.pay_card")
    tap(qtbot, window, "sale.finalise")
    assert window.sale.confirming


def test_two_parked_a_third_finalised_then_both_resumed_and_finalised(
    qtbot: QtBot, shop: TillFixture
) -> None:
    window = till_window(qtbot, shop)
    sign_in(qtbot, window, "marie", "1234")

    scan(qtbot, window, WINE_EAN)  # first customer: 12,00
    tap(qtbot, window, "sale.park")
    assert lines_shown(window) == 0
    assert "en attente" in label(window, "sale.message").text()
    shop.clock.advance(minutes=1)
    scan(qtbot, window, BAGUETTE_EAN)  # second customer: 2 x 1,05
    scan(qtbot, window, BAGUETTE_EAN)
    tap(qtbot, window, "sale.park")
    assert button(window, "sale.parked").text() == "Tickets en attente (2)"
    scan(qtbot, window, "SAN")  # third customer, served at once: 5,50
    pay_and_finalise(qtbot, window)

    screen = parked_screen(qtbot, window)
    assert screen.table.rowCount() == 2
    assert [(t.items, t.total_cents) for t in screen.tickets] == [(1, 1200), (2, 210)]
    screen.select(screen.tickets[1].id)
    tap(qtbot, screen, "parked.resume")
    assert window.sale.parked_screen is None
    assert label(window, "sale.total").text() == format_eur(210)
    pay_and_finalise(qtbot, window)

    screen = parked_screen(qtbot, window)
    assert screen.table.rowCount() == 1
    tap(qtbot, screen, "parked.resume")
    assert label(window, "sale.total").text() == format_eur(1200)
    pay_and_finalise(qtbot, window)

    assert [b["total_ttc_cents"] for b in t_bodies(shop.data_dir)] == [550, 210, 1200]
    assert button(window, "sale.parked").text() == "Tickets en attente"
    assert shop.till.open_tickets.parked() == []
    assert shop.till.open_tickets.interrupted() is None
    assert verify_data_dir(shop.data_dir).ok


def test_resuming_while_a_ticket_is_in_progress_parks_that_one(
    qtbot: QtBot, shop: TillFixture
) -> None:
    window = till_window(qtbot, shop)
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, WINE_EAN)
    tap(qtbot, window, "sale.park")
    scan(qtbot, window, BAGUETTE_EAN)
    screen = parked_screen(qtbot, window)
    tap(qtbot, screen, "parked.resume")
    assert label(window, "sale.total").text() == format_eur(1200)
    assert "mis en attente" in label(window, "sale.message").text()
    assert [t.total_cents for t in shop.till.open_tickets.parked()] == [105]


def test_parked_tickets_survive_closing_and_reopening_the_till(
    qtbot: QtBot, shop: TillFixture
) -> None:
    window = till_window(qtbot, shop)
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, WINE_EAN)
    scan(qtbot, window, "2*BAG")
    tap(qtbot, window, "sale.park")
    window.close_session()
    window.close()

    shop.reopen()
    again = till_window(qtbot, shop)
    sign_in(qtbot, again, "paul", "5678")
    assert again.sale.resume_dialog is None  # parked is not interrupted: nothing to offer
    screen = parked_screen(qtbot, again)
    assert [(t.items, t.total_cents, t.operator_name) for t in screen.tickets] == [
        (3, 1410, "Marie")
    ]
    tap(qtbot, screen, "parked.resume")
    assert lines_shown(again) == 2
    pay_and_finalise(qtbot, again)
    (body,) = t_bodies(shop.data_dir)
    assert body["total_ttc_cents"] == 1410
    assert body["operator"]["id"] == "paul"
    assert verify_data_dir(shop.data_dir).ok


def test_a_parked_ticket_abandoned_from_the_list_is_traced(qtbot: QtBot, shop: TillFixture) -> None:
    window = till_window(qtbot, shop)
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, WINE_EAN)
    tap(qtbot, window, "sale.park")
    screen = parked_screen(qtbot, window)
    tap(qtbot, screen, "parked.discard")
    dialog = screen.reason_dialog
    assert dialog is not None
    qtbot.mouseClick(button(dialog, "reason.preset.0"), Qt.MouseButton.LeftButton)
    assert screen.table.rowCount() == 0
    assert screen.empty.isVisibleTo(screen)
    assert int(Jet.TICKET_VOIDED) in jet_codes(shop.data_dir)


def test_a_crash_mid_ticket_offers_to_resume_it_at_restart(qtbot: QtBot, shop: TillFixture) -> None:
    window = till_window(qtbot, shop)
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, WINE_EAN)
    scan(qtbot, window, "3*BAG")
    tap(qtbot, window, "sale.pay_cash")  # taken, not finalised
    # the till dies: the window is dropped without finalising or signing out
    window.hide()
    window.deleteLater()
    shop.reopen()

    again = till_window(qtbot, shop)
    sign_in(qtbot, again, "marie", "1234")
    dialog = again.sale.resume_dialog
    assert dialog is not None
    assert format_eur(1515) in label(dialog, "resume.text").text()
    tap(qtbot, dialog, "resume.yes")
    assert lines_shown(again) == 2
    assert label(again, "sale.total").text() == format_eur(1515)
    assert label(again, "sale.remaining").text() == format_eur(0)  # the tender came back too
    tap(qtbot, again, "sale.finalise")
    assert [b["total_ttc_cents"] for b in t_bodies(shop.data_dir)] == [1515]
    assert shop.till.open_tickets.interrupted() is None
    assert verify_data_dir(shop.data_dir).ok


def test_an_interrupted_ticket_put_off_goes_to_the_parked_list(
    qtbot: QtBot, shop: TillFixture
) -> None:
    window = till_window(qtbot, shop)
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, WINE_EAN)
    window.hide()
    shop.reopen()
    again = till_window(qtbot, shop)
    sign_in(qtbot, again, "marie", "1234")
    dialog = again.sale.resume_dialog
    assert dialog is not None
    tap(qtbot, dialog, "resume.later")
    assert lines_shown(again) == 0
    assert [t.total_cents for t in shop.till.open_tickets.parked()] == [1200]


def _original_sale(shop: TillFixture) -> tuple[str, str]:
    sale = shop.till.checkout.new_sale()
    shop.till.checkout.add_item(sale, "BAG", 3000)
    shop.till.checkout.add_item(sale, "VIN")
    sale.add_payment(Payment(Tender.CARD, 1515))
    done = shop.till.checkout.finalise(shop.cashier, sale)
    return done.number, f"{done.core},{done.sig}"


def returns_screen(qtbot: QtBot, window: MainWindow) -> ReturnsScreen:
    tap(qtbot, window, "sale.returns")
    screen = window.sale.returns_screen
    assert screen is not None
    return screen


def search(qtbot: QtBot, screen: ReturnsScreen, text: str) -> None:
    entry = screen.findChild(QLineEdit, "returns.search")
    assert entry is not None
    entry.setText(text)  # a scanner types the QR code's text at once
    qtbot.keyClick(entry, Qt.Key.Key_Return)


def test_a_refund_through_the_returns_screen_references_the_original(
    qtbot: QtBot, shop: TillFixture
) -> None:
    number, qr = _original_sale(shop)
    window = till_window(qtbot, shop)
    sign_in(qtbot, window, "marie", "1234")  # a cashier: the refund needs a manager
    screen = returns_screen(qtbot, window)
    search(qtbot, screen, qr)
    assert screen.ticket is not None
    assert number in label(screen, "returns.original").text()

    screen.select_line(1)  # 3 baguettes sold
    for _ in range(4):
        tap(qtbot, screen, "returns.qty_plus")
    assert screen.chosen == {1: 3000}  # never more than was sold
    tap(qtbot, screen, "returns.qty_minus")
    assert label(screen, "returns.total").text() == format_eur(210)
    assert button(screen, "returns.tender.CARD").isChecked()  # paid by card, back to the card

    tap(qtbot, screen, "returns.refund")
    approver = screen.approver_dialog
    assert approver is not None
    tap(qtbot, approver, "approver.operator.paul")
    for digit in "5678":
        tap(qtbot, approver, f"approver.pin_pad.{digit}")
    tap(qtbot, approver, "approver.ok")

    result = screen.refund_result
    assert result is not None
    refund = json.loads(
        next(r["body"] for r in journal_rows(shop.data_dir) if r["gseq"] == result.gseq)
    )
    original_gseq = next(b for b in t_bodies(shop.data_dir) if b["ticket_no"] == number)
    assert refund["op"] == "REFUND"
    assert refund["refers_to"]["number"] == number
    assert refund["approved_by"] == "paul"
    assert refund["total_ttc_cents"] == -210
    assert [(p["method"], p["amount_cents"]) for p in refund["payments"]] == [("CARD", -210)]
    assert original_gseq["op"] == "SALE"
    assert "Remboursement enregistré" in label(screen, "returns.message").text()
    # what is left is shown again: one baguette, and the wine
    assert screen.ticket is not None
    assert [line.left_milli for line in screen.ticket.lines] == [1000, 1000]
    assert verify_data_dir(shop.data_dir).ok

    # a second refund by the ticket number, by a manager, in cash: no PIN asked
    tap(qtbot, screen, "returns.close")
    tap(qtbot, window, "main.lock")
    sign_in(qtbot, window, "paul", "5678")
    screen = returns_screen(qtbot, window)
    search(qtbot, screen, number)
    screen.select_line(2)
    tap(qtbot, screen, "returns.all")
    tap(qtbot, screen, "returns.tender.CASH")
    tap(qtbot, screen, "returns.refund")
    assert screen.approver_dialog is None
    refunds = [b for b in t_bodies(shop.data_dir) if b["op"] == "REFUND"]
    assert [r["total_ttc_cents"] for r in refunds] == [-210, -1200]
    assert verify_data_dir(shop.data_dir).ok


def test_returns_by_date_and_a_forged_qr_code(qtbot: QtBot, shop: TillFixture) -> None:
    number, qr = _original_sale(shop)
    window = till_window(qtbot, shop)
    sign_in(qtbot, window, "paul", "5678")
    screen = returns_screen(qtbot, window)
    search(qtbot, screen, qr[:-3] + "AAA")
    assert "introuvable" in label(screen, "returns.message").text()
    assert screen.lines_table.rowCount() == 0
    screen.date_edit.setDate(screen.date_edit.date().fromString("2026-03-15", "yyyy-MM-dd"))
    tap(qtbot, screen, "returns.by_date")
    assert screen.tickets_list.count() == 1
    item = screen.tickets_list.item(0)
    assert number in item.text()
    assert item.text().startswith("14:45")  # the shop's time (Paris), not UTC
    screen._on_tickets_list_item_clicked(item)  # a tap on the row
    assert screen.ticket is not None
    assert screen.ticket.ticket_no == number
    assert not button(screen, "returns.refund").isEnabled()  # nothing chosen yet


def test_park_and_resume_through_the_worker_thread(
    qtbot: QtBot, shop: TillFixture, qt_runner: QtTaskRunner
) -> None:
    window = make_window(qtbot, shop, qt_runner)
    window.sale.use_ticket_services(
        shop.till.open_tickets, shop.till.returns, shop.till.checkout, shop.till.operators
    )
    qtbot.waitUntil(lambda: "marie" in window.login.tiles)
    sign_in(qtbot, window, "marie", "1234")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.sale)
    scan(qtbot, window, WINE_EAN)
    qtbot.waitUntil(lambda: lines_shown(window) == 1)
    qtbot.waitUntil(lambda: button(window, "sale.park").isEnabled())
    tap(qtbot, window, "sale.park")
    qtbot.waitUntil(lambda: lines_shown(window) == 0)
    qtbot.waitUntil(lambda: qt_runner.pending == 0)
    assert shop.till.open_tickets.interrupted() is None
    tap(qtbot, window, "sale.parked")
    screen = window.sale.parked_screen
    assert screen is not None
    qtbot.waitUntil(lambda: screen.table.rowCount() == 1)
    tap(qtbot, screen, "parked.resume")
    qtbot.waitUntil(lambda: label(window, "sale.total").text() == format_eur(1200))
    qtbot.waitUntil(lambda: button(window, "sale.pay_card").isEnabled())
    tap(qtbot, window, "sale.pay_card")
    qtbot.waitUntil(lambda: button(window, "sale.finalise").isEnabled())
    tap(qtbot, window, "sale.finalise")
    qtbot.waitUntil(lambda: window.sale.confirming)
    qtbot.waitUntil(lambda: qt_runner.pending == 0)
    assert [b["total_ttc_cents"] for b in t_bodies(shop.data_dir)] == [1200]
    assert shop.till.open_tickets.parked() == []
    assert shop.till.open_tickets.interrupted() is None


def test_rembourser_waits_for_the_total_of_the_quantities_shown(
    qtbot: QtBot, shop: TillFixture
) -> None:
    number, _qr = _original_sale(shop)
    tasks = QueuedTaskRunner()
    screen = ReturnsScreen(
        shop.till.returns, shop.till.checkout, shop.till.operators, tasks, shop.manager
    )
    qtbot.addWidget(screen)
    search(qtbot, screen, number)
    tasks.flush()
    screen.select_line(1)
    tap(qtbot, screen, "returns.qty_plus")
    assert not button(screen, "returns.refund").isEnabled()  # the total is being computed
    tasks.flush()
    assert button(screen, "returns.refund").isEnabled()
    tap(qtbot, screen, "returns.qty_plus")
    tap(qtbot, screen, "returns.refund")  # a tap on the stale 1,05 € total does nothing
    tasks.flush()
    assert not [b for b in t_bodies(shop.data_dir) if b["op"] == "REFUND"]
    assert label(screen, "returns.total").text() == format_eur(210)
    tap(qtbot, screen, "returns.refund")
    tap(qtbot, screen, "returns.refund")  # a double tap refunds once
    tasks.flush()
    refunds = [b for b in t_bodies(shop.data_dir) if b["op"] == "REFUND"]
    assert [r["total_ttc_cents"] for r in refunds] == [-210]
