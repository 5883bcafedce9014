"""The payment panel by taps on a real till: several tenders, change, receipt choice, drawer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from caisse.domain.money import format_eur
from caisse.services.errors import DrawerFailed
from caisse.ui.main_window import MainWindow
from caisse.ui.tasks import ImmediateTaskRunner, TaskRunner
from tests.integration.conftest import TillFixture
from tests.journal_helpers import journal_rows, verify_data_dir
from tests.ui.conftest import QueuedTaskRunner, button, label, make_window, scan, sign_in, tap

pytestmark = pytest.mark.qt

BAGUETTE_EAN = "3760000000017"  # 1,05 €
WINE_EAN = "3760000000024"  # 12,00 €


class FakeDrawer:
    def __init__(self) -> None:
        self.opened = 0
        self.fail = False

    def open(self) -> None:
        if self.fail:
            raise DrawerFailed("tiroir débranché")
        self.opened += 1


def till_window(qtbot: QtBot, shop: TillFixture, tasks: TaskRunner) -> MainWindow:
    """The window as `caisse run` wires it: open tickets, returns and approvals included."""
    window = make_window(qtbot, shop, tasks)
    window.sale.use_ticket_services(
        shop.till.open_tickets, shop.till.returns, shop.till.checkout, shop.till.operators
    )
    return window


def t_bodies(data_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(r["body"]) for r in journal_rows(data_dir) if r["kind"] == "T"]


def type_amount(qtbot: QtBot, window: MainWindow, keys: str) -> None:
    names = {",": "comma"}
    for key in keys:
        tap(qtbot, window, f"sale.keypad.{names.get(key, key)}")


def test_card_meal_voucher_and_cash_with_change_then_the_drawer_opens(
    qtbot: QtBot, shop: TillFixture
) -> None:
    drawer = FakeDrawer()
    shop.till.context.drawer = drawer
    window = till_window(qtbot, shop, ImmediateTaskRunner())
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, WINE_EAN)
    scan(qtbot, window, BAGUETTE_EAN)
    assert label(window, "sale.total").text() == format_eur(1305)
    finalise = button(window, "sale.finalise")

    type_amount(qtbot, window, "5")
    tap(qtbot, window, "sale.pay_card")
    assert label(window, "sale.remaining").text() == format_eur(805)
    assert not finalise.isEnabled()  # not covered: "Encaisser" is impossible
    type_amount(qtbot, window, "3")
    tap(qtbot, window, "sale.pay_meal_voucher")
    tap(qtbot, window, "sale.coin.200")
    assert label(window, "sale.remaining").text() == format_eur(305)
    assert not finalise.isEnabled()
    window.sale._on_finalise_clicked()  # even forced, nothing is recorded before it is covered
    assert t_bodies(shop.data_dir) == []
    tap(qtbot, window, "sale.note.1000")
    assert label(window, "sale.remaining").text() == format_eur(0)
    assert label(window, "sale.change").text() == format_eur(695)
    assert window.sale.payments_list.count() == 4
    assert drawer.opened == 0

    tap(qtbot, window, "sale.finalise")

    (body,) = t_bodies(shop.data_dir)
    assert [(p["method"], p["amount_cents"]) for p in body["payments"]] == [
        ("CARD", 500),
        ("MEAL_VOUCHER", 300),
        ("CASH", 200),
        ("CASH", 1000),
    ]
    assert body["change_cents"] == 695
    assert label(window, "sale.confirmation.change").text() == format_eur(695)
    assert drawer.opened == 1
    assert verify_data_dir(shop.data_dir).ok


def test_a_card_tender_may_not_exceed_what_is_due_and_can_be_removed(
    qtbot: QtBot, shop: TillFixture
) -> None:
    window = till_window(qtbot, shop, ImmediateTaskRunner())
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, BAGUETTE_EAN)
    type_amount(qtbot, window, "5")
    tap(qtbot, window, "sale.pay_gift_voucher")
    assert "seules les espèces" in label(window, "sale.message").text()
    tap(qtbot, window, "sale.pay_credit_note")  # nothing typed: exactly what remains
    assert button(window, "sale.finalise").isEnabled()
    tap(qtbot, window, "sale.remove_payment")
    assert label(window, "sale.remaining").text() == format_eur(105)
    assert not button(window, "sale.finalise").isEnabled()


def test_a_double_tap_on_encaisser_finalises_once(qtbot: QtBot, shop: TillFixture) -> None:
    tasks = QueuedTaskRunner()
    window = till_window(qtbot, shop, tasks)
    tasks.flush()
    sign_in(qtbot, window, "marie", "1234")
    tasks.flush()
    scan(qtbot, window, WINE_EAN)
    tasks.flush()
    tap(qtbot, window, "sale.pay_cheque")
    tasks.flush()
    finalise = button(window, "sale.finalise")
    assert finalise.isEnabled()
    tap(qtbot, window, "sale.finalise")
    assert not finalise.isEnabled()
    finalise.click()
    window.sale.payment.finalise_did_request.emit(window.sale.payment.receipt_choice())
    window.sale._on_finalise_clicked()
    tasks.flush()
    assert len(t_bodies(shop.data_dir)) == 1
    assert window.sale.confirming


def test_the_receipt_is_printed_on_request_only_or_queued_by_email(
    qtbot: QtBot, shop: TillFixture
) -> None:
    window = till_window(qtbot, shop, ImmediateTaskRunner())
    sign_in(qtbot, window, "marie", "1234")

    scan(qtbot, window, BAGUETTE_EAN)
    tap(qtbot, window, "sale.pay_card")
    tap(qtbot, window, "sale.print_ticket")
    tap(qtbot, window, "sale.finalise")
    assert len(shop.printer.receipts) == 1
    assert button(window, "sale.receipt.none").isChecked()  # back to "no ticket" for the next

    scan(qtbot, window, BAGUETTE_EAN)
    tap(qtbot, window, "sale.pay_card")
    tap(qtbot, window, "sale.receipt.email")
    email = window.findChild(QLineEdit, "sale.receipt.email_address")
    assert email is not None
    assert email.isVisible()
    tap(qtbot, window, "sale.finalise")
    assert "adresse e-mail" in label(window, "sale.message").text()
    assert len(t_bodies(shop.data_dir)) == 1  # nothing recorded without the address
    qtbot.keyClicks(email, "client@example.fr")
    tap(qtbot, window, "sale.finalise")

    bodies = t_bodies(shop.data_dir)
    assert [b["printed"] for b in bodies] == ["paper", "email"]
    assert len(shop.printer.receipts) == 1
    assert "client@example.fr" in label(window, "sale.confirmation.print").text()
    with shop.till.context.uow() as uow:
        assert uow.receipt_emails.pending() == [
            (journal_rows(shop.data_dir)[-1]["gseq"], bodies[1]["ticket_no"], "client@example.fr")
        ]


def test_a_drawer_failure_is_said_and_the_sale_stays_recorded(
    qtbot: QtBot, shop: TillFixture
) -> None:
    drawer = FakeDrawer()
    drawer.fail = True
    shop.till.context.drawer = drawer
    window = till_window(qtbot, shop, ImmediateTaskRunner())
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, BAGUETTE_EAN)
    tap(qtbot, window, "sale.pay_cash")
    tap(qtbot, window, "sale.finalise")
    assert window.sale.confirming
    assert "tiroir" in label(window, "sale.confirmation.print").text()
    assert len(t_bodies(shop.data_dir)) == 1


def test_touch_targets_are_at_least_48_px_and_named(qtbot: QtBot, shop: TillFixture) -> None:
    window = till_window(qtbot, shop, ImmediateTaskRunner())
    window.resize(1024, 768)
    sign_in(qtbot, window, "marie", "1234")
    qtbot.wait(10)
    panel = window.sale.payment
    buttons = [*panel.keypad.values(), *panel.notes.values(), *panel.tenders.values()]
    buttons += [panel.finalise_button, panel.remove_payment_button, panel.print_toggle]
    for b in buttons:
        assert b.objectName()
        assert b.height() >= 48, b.objectName()
    assert window.height() <= 768
