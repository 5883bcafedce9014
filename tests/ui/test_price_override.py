"""A price override: refused without the right, accepted with a manager's PIN (R7, JET 70)."""

from __future__ import annotations

import json

import pytest
from pytestqt.qtbot import QtBot

from caisse.services.jet import Jet
from caisse.ui.main_window import MainWindow
from caisse.ui.tasks import ImmediateTaskRunner
from tests.integration.conftest import TillFixture
from tests.journal_helpers import journal_rows
from tests.ui.conftest import label, make_window, scan, sign_in, tap

pytestmark = pytest.mark.qt


def open_sale(qtbot: QtBot, shop: TillFixture, operator: str, pin: str) -> MainWindow:
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    till = shop.till
    window.sale.use_ticket_services(till.open_tickets, operators=till.operators)
    sign_in(qtbot, window, operator, pin)
    scan(qtbot, window, "VIN")  # 12,00 €
    window.sale.lines_table.selectRow(0)
    return window


def type_price(qtbot: QtBot, window: MainWindow, keys: str, reason: int = 0) -> None:
    tap(qtbot, window, "sale.override_price")
    dialog = window.sale.price_dialog
    assert dialog is not None
    for key in keys:
        tap(qtbot, dialog, "price.key.comma" if key == "," else f"price.key.{key}")
    tap(qtbot, dialog, f"price.reason.{reason}")


def override_events(shop: TillFixture) -> list[dict[str, object]]:
    bodies = [json.loads(r["body"]) for r in journal_rows(shop.data_dir) if r["kind"] == "J"]
    return [
        b["detail"] for b in bodies if b["code"] == Jet.OVERRIDE and b["detail"]["kind"] == "price"
    ]


def test_a_cashier_needs_the_manager_pin_to_change_a_price(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_sale(qtbot, shop, "marie", "1234")
    type_price(qtbot, window, "9,50")
    approver = window.sale.approver_dialog
    assert approver is not None
    assert approver.isVisible()
    assert window.sale.view.total_cents == 1200  # nothing changed yet
    tap(qtbot, approver, "approver.cancel")  # refused without the manager: the price stays
    assert window.sale.view.total_cents == 1200
    assert override_events(shop) == []

    type_price(qtbot, window, "9,50")
    approver = window.sale.approver_dialog
    assert approver is not None
    tap(qtbot, approver, "approver.operator.paul")
    for digit in "5678":
        tap(qtbot, approver, f"approver.pin_pad.{digit}")
    tap(qtbot, approver, "approver.ok")
    assert window.sale.view.total_cents == 950
    [event] = override_events(shop)
    assert event["from_cents"] == 1200
    assert event["to_cents"] == 950
    assert event["approved_by"] == "paul"
    assert label(window, "sale.total").text().startswith("9,50")


def test_a_manager_changes_a_price_without_being_asked_again(
    qtbot: QtBot, shop: TillFixture
) -> None:
    window = open_sale(qtbot, shop, "paul", "5678")
    type_price(qtbot, window, "10")
    assert window.sale.approver_dialog is None
    assert window.sale.view.total_cents == 1000
    assert override_events(shop)[0]["approved_by"] == "paul"
