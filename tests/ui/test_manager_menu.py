"""The manager menu on a real till: X report, closures with a manager PIN, cash, duplicates."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from PySide6.QtWidgets import QLineEdit, QListWidget, QPlainTextEdit
from pytestqt.qtbot import QtBot

from caisse.app.till_desks import ArchiveDesk, ReportDesk
from caisse.domain.cash import CashCount
from caisse.domain.closures import business_date
from caisse.domain.money import format_eur
from caisse.domain.sale import Payment, Tender
from caisse.services.archives import ArchiveService
from caisse.services.jet import Jet
from caisse.ui.main_window import MainWindow
from caisse.ui.manager_menu import ManagerDeps
from caisse.ui.tasks import ImmediateTaskRunner
from caisse_verif.cli import main as verif_main
from tests.integration.conftest import TillFixture
from tests.journal_helpers import jet_codes, journal_rows, verify_data_dir
from tests.ui.conftest import button, label, make_window, scan, sign_in, tap

pytestmark = pytest.mark.qt


def manager_deps(shop: TillFixture) -> ManagerDeps:
    till = shop.till
    return ManagerDeps(
        closures=till.closures,
        cash=till.cash,
        tickets=till.checkout,
        reports=ReportDesk(till.closures, till.cash, None),
        day_tickets=lambda: till.returns.on_date(business_date(shop.clock.now(), till.context.tz)),
        settings=(("lang", "fr"), ("columns", "42")),
    )


def open_menu(qtbot: QtBot, shop: TillFixture, operator: str, pin: str) -> MainWindow:
    window = make_window(qtbot, shop, ImmediateTaskRunner(), manager=manager_deps(shop))
    sign_in(qtbot, window, operator, pin)
    return window


def sell_baguette(qtbot: QtBot, window: MainWindow) -> None:
    scan(qtbot, window, "BAG")
    tap(qtbot, window, "sale.pay_cash")
    tap(qtbot, window, "sale.finalise")
    assert window.sale.confirming


def approve(qtbot: QtBot, window: MainWindow, operator: str, pin: str) -> None:
    assert window.manager is not None
    dialog = window.manager.approver_dialog
    assert dialog is not None
    assert dialog.isVisible()
    tap(qtbot, dialog, f"approver.operator.{operator}")
    for digit in pin:
        tap(qtbot, dialog, f"approver.pin_pad.{digit}")
    tap(qtbot, dialog, "approver.ok")


def test_the_x_report_shows_the_day_and_writes_nothing(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_menu(qtbot, shop, "marie", "1234")
    sell_baguette(qtbot, window)
    before = len(journal_rows(shop.data_dir))
    tap(qtbot, window, "main.manager")
    assert window.stack.currentWidget() is window.manager
    text = window.findChild(QPlainTextEdit, "manager.x.text")
    assert text is not None
    shown = text.toPlainText()
    assert "RAPPORT X" in shown
    # note: the text view gives no-break spaces back as plain spaces
    assert format_eur(105).replace("\xa0", " ") in shown  # the baguette's TTC
    assert "Espèces" in shown
    assert len(journal_rows(shop.data_dir)) == before  # an X report records nothing
    tap(qtbot, window, "manager.x.print")  # no printer on this till: said in one sentence
    assert "Aucune imprimante" in label(window, "manager.message").text()


def test_a_cashier_closes_the_day_with_the_manager_pin(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_menu(qtbot, shop, "marie", "1234")
    sell_baguette(qtbot, window)
    tap(qtbot, window, "main.manager")
    tap(qtbot, window, "manager.nav.closures")
    assert window.manager is not None
    window.manager.close_period("Z")
    assert not [r for r in journal_rows(shop.data_dir) if r["kind"] == "Z"]  # refused, asked
    approve(qtbot, window, "paul", "5678")
    z_records = [r for r in journal_rows(shop.data_dir) if r["kind"] == "Z"]
    assert len(z_records) == 1
    body = json.loads(z_records[0]["body"])
    assert body["operator"]["id"] == "paul"
    assert body["trigger"] == "manual"
    assert "Clôture Z" in label(window, "manager.closures.text").text()
    assert verify_data_dir(shop.data_dir).ok


def test_a_wrong_manager_pin_writes_no_closure(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_menu(qtbot, shop, "marie", "1234")
    tap(qtbot, window, "main.manager")
    assert window.manager is not None
    window.manager.close_period("Z")
    approve(qtbot, window, "paul", "9999")
    dialog = window.manager.approver_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert "PIN" in label(dialog, "approver.message").text()
    assert not [r for r in journal_rows(shop.data_dir) if r["kind"] == "Z"]


def test_the_closure_buttons_ask_for_confirmation(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_menu(qtbot, shop, "paul", "5678")
    sell_baguette(qtbot, window)
    tap(qtbot, window, "main.manager")
    tap(qtbot, window, "manager.close_day")
    assert window.manager is not None
    assert window.manager.reason_dialog is not None
    tap(qtbot, window.manager.reason_dialog, "reason.preset.0")
    assert [r["kind"] for r in journal_rows(shop.data_dir) if r["kind"] in "ZMY"] == ["Z"]


def test_cash_session_open_movement_and_count(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_menu(qtbot, shop, "paul", "5678")
    tap(qtbot, window, "main.manager")
    tap(qtbot, window, "manager.nav.cash")
    menu = window.manager
    assert menu is not None
    for _ in range(5):  # 5 × 10 € with the touch keys
        tap(qtbot, window, "manager.cash.count.1000.plus")
    menu.cash_grid.set_pieces(200, 10)  # 10 × 2 €
    assert "70,00" in label(window, "manager.cash.count_total").text()
    tap(qtbot, window, "manager.cash.open")
    amount = window.findChild(QLineEdit, "manager.cash.amount")
    reason = window.findChild(QLineEdit, "manager.cash.reason")
    assert amount is not None
    assert reason is not None
    amount.setText("20")
    reason.setText("Achat de timbres")
    tap(qtbot, window, "manager.cash.out")
    assert "Sortie d'espèces" in label(window, "manager.message").text()
    assert "50,00" in label(window, "manager.cash.status").text()  # 70 € − 20 €
    # counted 70 € while 50 € are expected: refused without a justification
    tap(qtbot, window, "manager.cash.close")
    assert shop.till.cash.session_status() is not None
    justification = window.findChild(QLineEdit, "manager.cash.justification")
    assert justification is not None
    justification.setText("Timbres remboursés par le client")
    tap(qtbot, window, "manager.cash.close")
    assert shop.till.cash.session_status() is None
    ops = [json.loads(r["body"])["op"] for r in journal_rows(shop.data_dir) if r["kind"] == "P"]
    assert ops == ["OPEN", "CASH_OUT", "COUNT"]


def test_a_cashier_cash_out_needs_the_manager(qtbot: QtBot, shop: TillFixture) -> None:
    shop.till.cash.open_session(shop.manager, CashCount.of_amount(5000))
    window = open_menu(qtbot, shop, "marie", "1234")
    tap(qtbot, window, "main.manager")
    menu = window.manager
    assert menu is not None
    menu.cash_amount.setText("10")
    menu.cash_reason.setText("Avance")
    tap(qtbot, window, "manager.cash.out")
    approve(qtbot, window, "paul", "5678")
    rows = [json.loads(r["body"]) for r in journal_rows(shop.data_dir) if r["kind"] == "P"]
    assert rows[-1]["op"] == "CASH_OUT"
    assert rows[-1]["operator"]["id"] == "marie"
    assert rows[-1]["approved_by"] == "paul"


def test_a_duplicate_of_a_ticket_rung_up_here(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_menu(qtbot, shop, "marie", "1234")
    sell_baguette(qtbot, window)
    tap(qtbot, window, "main.manager")
    tap(qtbot, window, "manager.nav.reprint")
    menu = window.manager
    assert menu is not None
    assert menu.reprint_list.count() == 1
    menu.reprint_list.setCurrentRow(0)
    tap(qtbot, window, "manager.reprint.go")
    d_records = [json.loads(r["body"]) for r in journal_rows(shop.data_dir) if r["kind"] == "D"]
    assert len(d_records) == 1
    assert d_records[0]["original"]["number"] == window.recent_tickets[0]
    assert shop.printer.receipts[-1].copy


def test_training_mode_from_the_menu_marks_the_status_bar(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_menu(qtbot, shop, "paul", "5678")
    tap(qtbot, window, "main.manager")
    tap(qtbot, window, "manager.nav.training")
    tap(qtbot, window, "manager.training.on")
    assert Jet.TRAINING_ON in jet_codes(shop.data_dir)
    training = label(window, "status.training")
    assert not training.isHidden()
    assert "paul" in training.text()
    tap(qtbot, window, "manager.back")
    assert window.stack.currentWidget() is window.sale
    assert not label(window, "sale.training_banner").isHidden()
    tap(qtbot, window, "main.manager")
    tap(qtbot, window, "manager.training.off")
    assert training.isHidden()


def test_lock_from_the_menu_goes_back_to_the_login(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_menu(qtbot, shop, "marie", "1234")
    tap(qtbot, window, "main.manager")
    tap(qtbot, window, "manager.switch")
    assert window.stack.currentWidget() is window.login
    assert window.session is None
    settings = label(window, "manager.settings.text").text()
    assert "Langue : fr" in settings
    assert "Colonnes du ticket : 42" in settings


def test_the_duplicate_page_lists_the_day_s_sales_made_elsewhere(
    qtbot: QtBot, shop: TillFixture
) -> None:
    checkout = shop.till.checkout
    sale = checkout.new_sale()
    checkout.add_item(sale, "VIN")
    sale.add_payment(Payment(Tender.CASH, 1200))
    sold = checkout.finalise(shop.cashier, sale, printed="none")  # e.g. from the command line
    window = open_menu(qtbot, shop, "marie", "1234")
    tap(qtbot, window, "main.manager")
    menu = window.manager
    assert menu is not None
    assert menu.reprint_list.count() == 1
    assert sold.number in menu.reprint_list.item(0).text()
    menu.reprint_list.setCurrentRow(0)
    assert menu.reprint_number.text() == sold.number
    tap(qtbot, window, "manager.reprint.go")
    d_records = [json.loads(r["body"]) for r in journal_rows(shop.data_dir) if r["kind"] == "D"]
    assert [d["original"]["number"] for d in d_records] == [sold.number]


def test_the_drawer_opens_without_a_sale_with_the_manager_and_is_traced(
    qtbot: QtBot, shop: TillFixture
) -> None:
    window = open_menu(qtbot, shop, "marie", "1234")
    tap(qtbot, window, "main.manager")
    tap(qtbot, window, "manager.nav.cash")
    tap(qtbot, window, "manager.cash.drawer")
    menu = window.manager
    assert menu is not None
    assert menu.reason_dialog is not None
    tap(qtbot, menu.reason_dialog, "reason.preset.0")
    approve(qtbot, window, "paul", "5678")
    bodies = [json.loads(r["body"]) for r in journal_rows(shop.data_dir) if r["kind"] == "J"]
    [event] = [b for b in bodies if b["detail"].get("kind") == "drawer_no_sale"]
    assert event["detail"]["approved_by"] == "paul"
    assert event["operator"]["id"] == "marie"
    assert "Tiroir ouvert" in label(window, "manager.message").text()


def test_a_closed_month_is_archived_from_the_menu_with_the_manager_pin(
    qtbot: QtBot, shop: TillFixture
) -> None:
    """The archives page lists the closed months, writes the signed ZIP that caisse-verif
    accepts (an A record and JET 130 in the journal) and marks the month archived; a cashier
    gets the manager's PIN asked first, and nothing is written before it."""
    till = shop.till
    desk = ArchiveDesk(
        till.context,
        ArchiveService(till.context, fiscal_year_start=till.settings.fiscal_year_start),
        shop.data_dir / "archives",
    )
    deps = replace(manager_deps(shop), archives=desk)
    window = make_window(qtbot, shop, ImmediateTaskRunner(), manager=deps)
    sign_in(qtbot, window, "marie", "1234")
    sell_baguette(qtbot, window)
    tap(qtbot, window, "main.manager")
    assert window.manager is not None
    periods = window.findChild(QListWidget, "manager.archives.periods")
    assert periods is not None
    assert periods.count() == 0  # nothing closed yet
    assert "clôturez d'abord" in label(window, "manager.archives.text").text()
    # a manager closes the month elsewhere (the command line, say); the page lists it
    month = shop.clock.now().astimezone(till.context.tz).strftime("%Y-%m")
    till.closures.close_month(shop.manager)
    window.manager.load_archives()
    tap(qtbot, window, "manager.nav.archives")
    assert [periods.item(i).text() for i in range(periods.count())] == [month]

    before = len(journal_rows(shop.data_dir))
    periods.setCurrentRow(0)
    tap(qtbot, window, "manager.archives.export")
    assert len(journal_rows(shop.data_dir)) == before  # a cashier may not: the PIN first
    approve(qtbot, window, "paul", "5678")

    written = list((shop.data_dir / "archives").glob("*.zip"))
    assert len(written) == 1
    assert verif_main([str(written[0])]) == 0
    new = journal_rows(shop.data_dir)[before:]
    assert [r["kind"] for r in new][-2:] == ["A", "J"]  # after the manager's sign-in, if any
    assert [r["kind"] for r in new].count("A") == 1
    assert Jet.ARCHIVE in jet_codes(shop.data_dir)
    assert str(written[0]) in label(window, "manager.archives.text").text()
    assert "Archive signée écrite" in label(window, "manager.message").text()
    assert periods.item(0).text() == f"{month} (déjà archivée)"
    assert verify_data_dir(shop.data_dir).ok


def test_the_archive_button_needs_a_chosen_period(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_menu(qtbot, shop, "paul", "5678")
    tap(qtbot, window, "main.manager")
    tap(qtbot, window, "manager.nav.archives")
    # this menu has no archive desk (a till without its data directory, say): said, not hidden
    assert "pas disponibles" in label(window, "manager.archives.text").text()
    assert not button(window, "manager.archives.export").isEnabled()
