"""A whole sale by taps on a real till: login, scan, cash, finalise, and the journal it leaves."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot

from caisse.domain.money import format_eur
from caisse.services.integrity import StartupReport
from caisse.services.jet import Jet
from caisse.ui.main_window import MainWindow
from caisse.ui.tasks import ImmediateTaskRunner, QtTaskRunner
from tests.integration.conftest import TillFixture
from tests.journal_helpers import jet_codes, journal_rows, verify_data_dir
from tests.ui.conftest import (
    QueuedTaskRunner,
    button,
    cell,
    label,
    make_window,
    scan,
    sign_in,
    tap,
)

pytestmark = pytest.mark.qt

BAGUETTE_EAN = "3760000000017"  # Baguette, 1,05 €
WINE_EAN = "3760000000024"  # Vin rouge, 12,00 €


def t_records(data_dir: Path) -> list[dict[str, Any]]:
    return [row for row in journal_rows(data_dir) if row["kind"] == "T"]


def lines_table(window: MainWindow) -> QTableWidget:
    table = window.findChild(QTableWidget, "sale.lines")
    assert isinstance(table, QTableWidget)
    return table


def confirming(window: MainWindow) -> bool:
    return window.sale.confirming


def test_a_sale_by_taps_ends_in_a_signed_record_matching_the_total_shown(
    qtbot: QtBot, shop: TillFixture
) -> None:
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    sign_in(qtbot, window, "marie", "1234")
    assert window.stack.currentWidget() is window.sale

    scan(qtbot, window, BAGUETTE_EAN)
    scan(qtbot, window, WINE_EAN)
    assert lines_table(window).rowCount() == 2
    assert label(window, "sale.total").text() == format_eur(1305)
    assert not button(window, "sale.finalise").isEnabled()

    tap(qtbot, window, "sale.note.2000")
    assert label(window, "sale.remaining").text() == format_eur(0)
    assert label(window, "sale.change").text() == format_eur(695)
    assert button(window, "sale.finalise").isEnabled()

    tap(qtbot, window, "sale.finalise")

    records = t_records(shop.data_dir)
    assert len(records) == 1
    body = json.loads(records[0]["body"])
    assert label(window, "sale.total").text() == format_eur(body["total_ttc_cents"])
    assert body["total_ttc_cents"] == 1305
    assert body["change_cents"] == 695
    assert body["operator"] == {"id": "marie", "name": "Marie"}
    assert body["printed"] == "none"  # AGEC: printed only on request
    assert window.sale.confirming
    assert label(window, "sale.confirmation.change").text() == format_eur(695)
    assert body["ticket_no"] in label(window, "sale.confirmation.ticket").text()
    assert str(records[0]["gseq"]) in label(window, "sale.confirmation.gseq").text()
    assert label(window, "sale.confirmation.signature").text().startswith("Signature : ")
    assert verify_data_dir(shop.data_dir).ok
    assert not shop.printer.receipts

    # the next scan starts the next sale at once
    scan(qtbot, window, BAGUETTE_EAN)
    assert not confirming(window)
    assert lines_table(window).rowCount() == 1
    assert label(window, "sale.total").text() == format_eur(105)


def test_the_same_sale_through_the_worker_thread(
    qtbot: QtBot, shop: TillFixture, qt_runner: QtTaskRunner
) -> None:
    window = make_window(qtbot, shop, qt_runner)
    qtbot.waitUntil(
        lambda: "login.operator.marie" in {b.objectName() for b in window.login.tiles.values()}
    )
    sign_in(qtbot, window, "marie", "1234")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.sale)
    scan(qtbot, window, BAGUETTE_EAN)
    qtbot.waitUntil(lambda: lines_table(window).rowCount() == 1)
    tap(qtbot, window, "sale.pay_card")  # no amount typed: exactly what remains
    qtbot.waitUntil(lambda: button(window, "sale.finalise").isEnabled())
    # a double tap on a touch screen: two clicks, the second while the worker finalises
    tap(qtbot, window, "sale.finalise")
    tap(qtbot, window, "sale.finalise")
    qtbot.waitUntil(lambda: window.sale.confirming)
    qtbot.waitUntil(lambda: qt_runner.pending == 0)
    records = t_records(shop.data_dir)
    assert len(records) == 1
    body = json.loads(records[0]["body"])
    assert (
        label(window, "sale.total").text() == format_eur(body["total_ttc_cents"]) == format_eur(105)
    )
    assert body["payments"][0]["method"] == "CARD"


def test_a_double_tap_on_encaisser_journals_one_sale(qtbot: QtBot, shop: TillFixture) -> None:
    tasks = QueuedTaskRunner()
    window = make_window(qtbot, shop, tasks)
    tasks.flush()
    sign_in(qtbot, window, "marie", "1234")
    tasks.flush()
    scan(qtbot, window, WINE_EAN)
    tasks.flush()
    tap(qtbot, window, "sale.pay_cash")
    tasks.flush()
    finalise = button(window, "sale.finalise")
    assert finalise.isEnabled()

    tap(qtbot, window, "sale.finalise")
    assert not finalise.isEnabled()  # disabled before the worker even started
    tap(qtbot, window, "sale.finalise")
    finalise.click()
    window.sale._on_finalise_clicked()  # a click already queued behind the first one
    tasks.flush()

    assert len(t_records(shop.data_dir)) == 1
    assert window.sale.confirming
    assert not finalise.isEnabled()


def test_an_unknown_code_says_so_and_adds_nothing(qtbot: QtBot, shop: TillFixture) -> None:
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, "999999")
    message = label(window, "sale.message")
    assert message.isVisible()
    assert message.text() == "Code inconnu : 999999. Recherchez l'article par son nom."
    assert lines_table(window).rowCount() == 0
    assert window.sale.view.lines == ()
    assert label(window, "sale.total").text() == format_eur(0)
    # the next good scan clears the message
    scan(qtbot, window, BAGUETTE_EAN)
    assert not message.isVisible()
    assert lines_table(window).rowCount() == 1


def test_quantity_and_weight_are_typed_before_the_code(qtbot: QtBot, shop: TillFixture) -> None:
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, "3*BAG")
    scan(qtbot, window, "0,532*COMTE")
    table = lines_table(window)
    assert [cell(table, r, 1) for r in range(2)] == ["3", "0,532\u00a0kg"]
    assert label(window, "sale.total").text() == format_eur(315 + 1325)
    scan(qtbot, window, "COMTE")  # sold by weight: refused without its weight
    assert "poids" in label(window, "sale.message").text()
    assert table.rowCount() == 2


def test_a_voided_line_leaves_the_ticket_and_the_jet_keeps_it(
    qtbot: QtBot, shop: TillFixture
) -> None:
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, BAGUETTE_EAN)
    scan(qtbot, window, WINE_EAN)
    lines_table(window).selectRow(1)
    tap(qtbot, window, "sale.void_line")
    dialog = window.sale.reason_dialog
    assert dialog is not None
    qtbot.mouseClick(button(dialog, "reason.preset.1"), Qt.MouseButton.LeftButton)
    assert lines_table(window).rowCount() == 1
    assert label(window, "sale.total").text() == format_eur(105)
    assert int(Jet.LINE_VOIDED) in jet_codes(shop.data_dir)


def test_qty_buttons_change_the_selected_line(qtbot: QtBot, shop: TillFixture) -> None:
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, BAGUETTE_EAN)
    tap(qtbot, window, "sale.qty_plus")
    tap(qtbot, window, "sale.qty_plus")
    assert cell(lines_table(window), 0, 1) == "3"
    tap(qtbot, window, "sale.qty_minus")
    assert label(window, "sale.total").text() == format_eur(210)
    assert int(Jet.QUANTITY_DECREASED) in jet_codes(shop.data_dir)


def test_cash_typed_on_the_keypad_and_a_card_that_may_not_give_change(
    qtbot: QtBot, shop: TillFixture
) -> None:
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, WINE_EAN)
    for key in ("5", "comma", "5"):
        tap(qtbot, window, f"sale.keypad.{key}")
    assert label(window, "sale.amount").text() == "5,5\u00a0€"
    tap(qtbot, window, "sale.pay_cash")
    assert label(window, "sale.remaining").text() == format_eur(650)
    for key in ("2", "0"):
        tap(qtbot, window, f"sale.keypad.{key}")
    tap(qtbot, window, "sale.pay_card")
    assert "seules les espèces" in label(window, "sale.message").text()
    assert label(window, "sale.remaining").text() == format_eur(650)
    tap(qtbot, window, "sale.remove_payment")
    assert label(window, "sale.remaining").text() == format_eur(1200)


def test_the_lock_keeps_the_open_sale(qtbot: QtBot, shop: TillFixture) -> None:
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, WINE_EAN)
    tap(qtbot, window, "main.lock")
    assert window.stack.currentWidget() is window.login
    assert int(Jet.SIGN_OUT) in jet_codes(shop.data_dir)
    sign_in(qtbot, window, "marie", "1234")
    assert lines_table(window).rowCount() == 1


def test_training_mode_shows_its_banner(qtbot: QtBot, shop: TillFixture) -> None:
    shop.till.checkout.set_training(shop.manager, True)
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    sign_in(qtbot, window, "marie", "1234")
    banner = label(window, "sale.training_banner")
    assert banner.isVisible()
    assert "paul" in banner.text()
    assert "Local uniquement" in label(window, "status.sync").text()


def test_a_blocked_till_shows_the_alarm(qtbot: QtBot, shop: TillFixture) -> None:
    def startup() -> StartupReport:
        # what IntegrityService.start does when it finds a defect
        report = StartupReport(blocked=("défaut d'intégrité du journal (test).", "defect."))
        shop.till.checkout.blocked = report.blocked
        return report

    window = make_window(qtbot, shop, ImmediateTaskRunner(), startup=startup)
    alarm = label(window, "main.alarm")
    assert alarm.isVisible()
    assert "CAISSE BLOQUÉE" in alarm.text()
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, BAGUETTE_EAN)
    tap(qtbot, window, "sale.pay_cash")
    tap(qtbot, window, "sale.finalise")
    assert "Caisse bloquée" in label(window, "sale.message").text()
    assert t_records(shop.data_dir) == []
    assert button(window, "sale.finalise").isEnabled()  # the sale is still there to retry


def test_screenshots_of_login_sale_and_confirmation(
    qtbot: QtBot, shop: TillFixture, tmp_path: Path
) -> None:
    """Renders the screens at 1280x800; set CAISSE_SCREENSHOTS=DIR to keep the PNG files."""
    out = Path(os.environ.get("CAISSE_SCREENSHOTS") or tmp_path)
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    tap(qtbot, window, "login.operator.marie")
    tap(qtbot, window, "login.pin_pad.1")
    assert window.grab().save(str(out / "caisse-login.png"))
    for digit in "234":
        tap(qtbot, window, f"login.pin_pad.{digit}")
    tap(qtbot, window, "login.pin_pad.ok")
    for code in ("2*BAG", WINE_EAN, "SAN", "0,532*COMTE"):
        scan(qtbot, window, code)
    tap(qtbot, window, "sale.note.2000")
    tap(qtbot, window, "sale.keypad.1")
    tap(qtbot, window, "sale.keypad.5")
    scan(qtbot, window, "404")
    qtbot.wait(50)  # let the layout take the message in
    image = window.grab()
    assert (image.width(), image.height()) == (1280, 800)
    assert image.save(str(out / "caisse-sale.png"))
    tap(qtbot, window, "sale.pay_cash")
    tap(qtbot, window, "sale.finalise")
    assert window.sale.confirming
    qtbot.wait(50)
    assert window.grab().save(str(out / "caisse-confirmation.png"))
    scan(qtbot, window, BAGUETTE_EAN)
    window.sale.lines_table.selectRow(0)
    tap(qtbot, window, "sale.void_line")
    dialog = window.sale.reason_dialog
    assert dialog is not None
    qtbot.wait(50)
    assert dialog.grab().save(str(out / "caisse-void-reason.png"))
    dialog.reject()
