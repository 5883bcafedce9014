"""The till's screens with its devices: printer status and queue, scale, customer displays."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from caisse.app.bootstrap import open_till
from caisse.app.settings import Settings
from caisse.app.till_desks import GuiDevices, PoleDisplayFeed, ReportDesk, ScaleDesk, gui_devices
from caisse.services.ports import Receipt
from caisse.ui.customer_display import CustomerDisplayFeed, CustomerDisplayWindow
from caisse.ui.main_window import MainWindow
from caisse.ui.manager_menu import ManagerDeps
from caisse.ui.tasks import ImmediateTaskRunner, QtTaskRunner
from caisse.ui.weigh_dialog import WeighDialog
from hw.display.factory import open_display
from hw.scales.factory import open_scale
from hw.simulators.escpos_printer import EscposEmulator
from hw.simulators.scale_toledo8217 import Toledo8217Emulator
from hw.worker import DeviceWorker
from tests.integration.conftest import TillFixture
from tests.journal_helpers import journal_rows
from tests.ui.conftest import label, make_window, scan, sign_in, tap

pytestmark = pytest.mark.qt


def manager_deps(shop: TillFixture, devices: GuiDevices | None = None) -> ManagerDeps:
    till = shop.till
    return ManagerDeps(
        closures=till.closures,
        cash=till.cash,
        tickets=till.checkout,
        reports=devices.reports if devices else ReportDesk(till.closures, till.cash, None),
        print_queue=devices.print_queue if devices else None,
    )


# ---------------------------------------------------------------- a slow printer


class SlowPrinter:
    """A receipt printer that takes `seconds` per ticket (a cheap clone on a slow link)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.receipts: list[Receipt] = []

    def print_receipt(self, receipt: Receipt) -> None:
        time.sleep(self.seconds)
        self.receipts.append(receipt)


class StallMeter:
    """A 10 ms timer on the GUI thread; the longest gap between two ticks is the worst stall."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.longest = 0.0

    def start(self) -> None:
        self.last = time.monotonic()
        self.timer.start()

    def _tick(self) -> None:
        now = time.monotonic()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def stop(self) -> None:
        self._tick()
        self.timer.stop()


def test_a_three_second_printer_never_freezes_the_till(
    qtbot: QtBot, shop: TillFixture, qt_runner: QtTaskRunner
) -> None:
    printer = SlowPrinter(3.0)
    shop.reopen(printer=printer)
    window = make_window(qtbot, shop, qt_runner)
    qtbot.waitUntil(lambda: "marie" in window.login.tiles, timeout=5000)
    sign_in(qtbot, window, "marie", "1234")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.sale, timeout=5000)
    scan(qtbot, window, "BAG")
    qtbot.waitUntil(lambda: len(window.sale.view.lines) == 1, timeout=5000)
    tap(qtbot, window, "sale.print_ticket")  # the customer asks for the ticket
    tap(qtbot, window, "sale.pay_cash")
    qtbot.waitUntil(lambda: window.sale.view.can_finalise, timeout=5000)

    meter = StallMeter()
    meter.start()
    started = time.monotonic()
    tap(qtbot, window, "sale.finalise")
    qtbot.waitUntil(lambda: window.sale.confirming, timeout=15000)
    elapsed = time.monotonic() - started
    meter.stop()

    assert len(printer.receipts) == 1
    assert elapsed >= 3.0  # the measure covered the whole print
    assert meter.longest < 0.100, f"the GUI thread stalled {meter.longest * 1000:.0f} ms"


# ---------------------------------------------------------------- printer status and queue


@pytest.fixture
def printing_shop(shop: TillFixture) -> Iterator[tuple[TillFixture, GuiDevices]]:
    """The shop reopened with the shipped ESC/POS emulator as its printer (over TCP)."""
    shop.till.close()
    settings = Settings(data_dir=shop.data_dir, display="none", scale="none")
    shop.till = open_till(settings, clock=shop.clock, simulators=True)
    till = shop.till
    devices = gui_devices(
        settings, till.context, till.closures, till.cash, till.printing, reports=till.reports
    )
    yield shop, devices
    devices.close()


def emulator_of(shop: TillFixture) -> EscposEmulator:
    printing = shop.till.printing
    assert printing is not None
    assert printing.opened.emulator is not None
    return printing.opened.emulator


def status_says(window: MainWindow, text: str) -> bool:
    window.status.refresh()
    return text in label(window, "status.printer").text()


def test_paper_out_shows_in_the_status_bar_and_the_menu_reprints_the_ticket(
    qtbot: QtBot, printing_shop: tuple[TillFixture, GuiDevices]
) -> None:
    shop, devices = printing_shop
    emulator = emulator_of(shop)
    window = make_window(
        qtbot,
        shop,
        ImmediateTaskRunner(),
        manager=manager_deps(shop, devices),
        printer=devices.printer_source,
    )
    qtbot.waitUntil(lambda: status_says(window, "OK"), timeout=10000)
    emulator.run_out_of_paper()
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, "BAG")
    tap(qtbot, window, "sale.print_ticket")
    tap(qtbot, window, "sale.pay_cash")
    tap(qtbot, window, "sale.finalise")
    assert window.sale.confirming  # the sale stands
    assert "non imprimé" in label(window, "sale.confirmation.print").text()
    qtbot.waitUntil(lambda: status_says(window, "plus de papier"), timeout=10000)
    assert "1 ticket(s) à réimprimer" in label(window, "status.printer").text()

    emulator.refill_paper()
    tap(qtbot, window, "main.manager")
    tap(qtbot, window, "manager.nav.queue")
    menu = window.manager
    assert menu is not None
    assert menu.queue_table.rowCount() == 1
    ticket = window.recent_tickets[0]
    tap(qtbot, window, "manager.queue.retry")
    assert f"Ticket {ticket} imprimé." in label(window, "manager.message").text()
    assert menu.queue_table.rowCount() == 0
    assert any(ticket in line for line in emulator.text_lines())
    qtbot.waitUntil(lambda: status_says(window, "Imprimante : OK"), timeout=10000)

    emulator.clear_output()
    tap(qtbot, window, "manager.nav.x")
    tap(qtbot, window, "manager.x.print")
    assert "Rapport X imprimé." in label(window, "manager.message").text()
    assert any("RAPPORT X" in line.upper() for line in emulator.text_lines())


def test_a_job_cancelled_from_the_menu_is_traced(
    qtbot: QtBot, printing_shop: tuple[TillFixture, GuiDevices]
) -> None:
    shop, devices = printing_shop
    emulator_of(shop).run_out_of_paper()
    window = make_window(qtbot, shop, ImmediateTaskRunner(), manager=manager_deps(shop, devices))
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, "BAG")
    tap(qtbot, window, "sale.print_ticket")
    tap(qtbot, window, "sale.pay_cash")
    tap(qtbot, window, "sale.finalise")
    tap(qtbot, window, "main.manager")
    tap(qtbot, window, "manager.queue.retry")  # still no paper: said, and the job stays
    menu = window.manager
    assert menu is not None
    assert "papier" in label(window, "manager.message").text()
    assert menu.queue_table.rowCount() == 1
    tap(qtbot, window, "manager.queue.cancel")
    assert menu.reason_dialog is not None
    tap(qtbot, menu.reason_dialog, "reason.preset.0")
    assert menu.queue_table.rowCount() == 0
    events = [json.loads(r["body"]) for r in journal_rows(shop.data_dir) if r["kind"] == "J"]
    assert [e["code"] for e in events if e["code"] in (190, 191)][-1] == 191


def test_a_z_closure_from_the_menu_prints_its_ticket(
    qtbot: QtBot, printing_shop: tuple[TillFixture, GuiDevices]
) -> None:
    shop, devices = printing_shop
    emulator = emulator_of(shop)
    window = make_window(qtbot, shop, ImmediateTaskRunner(), manager=manager_deps(shop, devices))
    sign_in(qtbot, window, "paul", "5678")
    scan(qtbot, window, "BAG")
    tap(qtbot, window, "sale.pay_cash")
    tap(qtbot, window, "sale.finalise")
    tap(qtbot, window, "main.manager")
    menu = window.manager
    assert menu is not None
    emulator.clear_output()
    menu.close_period("Z")
    assert [r["kind"] for r in journal_rows(shop.data_dir) if r["kind"] == "Z"] == ["Z"]
    assert any("(Z)" in line for line in emulator.text_lines())
    assert "Clôture enregistrée." in label(window, "manager.message").text()


# ---------------------------------------------------------------- scale


@dataclass
class SimScale:
    desk: ScaleDesk
    emulator: Toledo8217Emulator
    worker: DeviceWorker


@pytest.fixture
def sim_scale() -> Iterator[SimScale]:
    opened = open_scale("sim:")
    assert opened is not None
    assert isinstance(opened.emulator, Toledo8217Emulator)
    worker = DeviceWorker("test-scale")
    yield SimScale(ScaleDesk(opened.scale, worker), opened.emulator, worker)
    worker.stop()
    opened.close()


def line_texts(window: MainWindow) -> list[tuple[str, str]]:
    return [(line.label, line.qty) for line in window.sale.view.lines]


def weigh_dialog(window: MainWindow) -> WeighDialog | None:
    """The scale dialog on screen (a function, so that mypy does not narrow it for good)."""
    return window.sale.weigh_dialog


def test_a_weighed_item_takes_its_weight_from_the_scale_once(
    qtbot: QtBot, shop: TillFixture, sim_scale: SimScale
) -> None:
    window = make_window(qtbot, shop, ImmediateTaskRunner(), weighing=sim_scale.desk)
    sign_in(qtbot, window, "marie", "1234")
    scan(qtbot, window, "0,532*COMTE")  # a typed weight is refused when there is a scale
    assert "balance" in label(window, "sale.message").text()
    assert line_texts(window) == []

    sim_scale.emulator.set_weight(-20)
    scan(qtbot, window, "COMTE")
    dialog = weigh_dialog(window)
    assert dialog is not None
    assert dialog.isVisible()
    assert "refusé" in label(dialog, "weigh.reason").text()
    assert not dialog.use_button.isEnabled()

    sim_scale.emulator.set_weight(532, settle=120.0)  # moving
    dialog.read()
    assert not dialog.use_button.isEnabled()
    assert "refusé" in label(dialog, "weigh.reason").text()

    sim_scale.emulator.set_weight(532)
    dialog.read()
    assert "0,532" in label(dialog, "weigh.weight").text()  # shown before it is used
    assert "13,25" in label(dialog, "weigh.price").text()  # 0,532 kg × 24,90 €/kg
    tap(qtbot, dialog, "weigh.use")
    assert weigh_dialog(window) is None
    assert line_texts(window) == [("Comté AOP", "0,532\u00a0kg")]

    scan(qtbot, window, "COMTE")  # the same load again: refused until it changes
    again = weigh_dialog(window)
    assert again is not None
    assert not again.use_button.isEnabled()
    assert "refusé" in label(again, "weigh.reason").text()
    sim_scale.emulator.set_weight(0)
    again.read()
    sim_scale.emulator.set_weight(611)
    again.read()
    tap(qtbot, again, "weigh.use")
    assert len(line_texts(window)) == 2

    # voiding a weighed line lets the same load be weighed again
    window.sale.lines_table.selectRow(1)
    tap(qtbot, window, "sale.void_line")
    reasons = window.sale.reason_dialog
    assert reasons is not None
    tap(qtbot, reasons, "reason.preset.0")
    assert len(line_texts(window)) == 1
    scan(qtbot, window, "COMTE")
    third = weigh_dialog(window)
    assert third is not None
    assert third.use_button.isEnabled()  # 611 g again, without lifting the load


# ---------------------------------------------------------------- customer displays


def test_the_customer_window_and_the_pole_display_show_the_same_sale(
    qtbot: QtBot, shop: TillFixture
) -> None:
    customer = CustomerDisplayWindow()
    qtbot.addWidget(customer)
    opened = open_display("sim:")
    assert opened is not None
    assert opened.emulator is not None
    worker = DeviceWorker("test-display")
    pole = PoleDisplayFeed(opened.screens, worker)
    try:
        window = make_window(
            qtbot, shop, ImmediateTaskRunner(), display=CustomerDisplayFeed([customer, pole])
        )
        sign_in(qtbot, window, "marie", "1234")
        scan(qtbot, window, "VIN")
        assert customer.lines() == ["Vin rouge  12,00\u00a0€", "Total", "12,00\u00a0€"]
        worker.call(lambda: None, 5.0)  # the pole display's queue is drained
        assert "Vin rouge" in opened.emulator.lines()[0]
        tap(qtbot, window, "sale.note.2000")
        assert customer.lines()[0] == "Rendu"
        assert customer.lines()[2] == "8,00\u00a0€"
        tap(qtbot, window, "sale.finalise")
        assert customer.lines()[1] == "Merci et à bientôt !"
        worker.call(lambda: None, 5.0)
        assert "Merci" in " ".join(opened.emulator.lines())
    finally:
        worker.stop()
        opened.close()
