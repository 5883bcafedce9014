"""The composition root: which printer a till gets from its settings, and the drawer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from caisse.app.bootstrap import open_till
from caisse.app.printing import SpoolingReceiptPrinter
from caisse.app.settings import Settings, load_settings
from caisse.domain.errors import InvalidInput
from caisse.domain.sale import Payment, Tender
from caisse.services.errors import DrawerFailed
from hw.simulators.escpos_printer import CutEvent, EscposEmulator, PulseEvent, TcpPrinterServer
from tests.fakes import FakeClock
from tests.integration.conftest import make_till

pytestmark = pytest.mark.integration


def activated(tmp_path: Path) -> Path:
    fixture = make_till(tmp_path / "data")
    fixture.till.close()
    return fixture.data_dir


def sell(till, operator):
    sale = till.checkout.new_sale()
    till.checkout.add_item(sale, "BAG")
    sale.add_payment(Payment(Tender.CASH, 105))
    return till.checkout.finalise(operator, sale)


def cashier(till):
    return till.operators.authenticate("marie", "1234")


def test_the_command_line_default_prints_nothing(tmp_path: Path) -> None:
    data = activated(tmp_path)
    till = open_till(Settings(data_dir=data), clock=FakeClock())
    try:
        assert Settings(data_dir=data).printer == "sim:"
        assert till.printing is None
        assert till.context.printer is None
        assert till.context.drawer is None
        result = sell(till, cashier(till))
        assert result.printed is False
        assert result.print_error is None
    finally:
        till.close()


def test_the_running_till_prints_to_the_simulator(tmp_path: Path) -> None:
    data = activated(tmp_path)
    till = open_till(Settings(data_dir=data), clock=FakeClock(), simulators=True)
    try:
        assert till.printing is not None
        assert isinstance(till.context.printer, SpoolingReceiptPrinter)
        emulator = till.printing.opened.emulator
        assert emulator is not None
        result = sell(till, cashier(till))
        assert result.printed is True
        assert f"N° T-{result.kseq:06d}  Seq {result.gseq}  Sig {result.extract}" in (
            emulator.text_lines()
        )
        assert any(isinstance(e, CutEvent) for e in emulator.events)
        manager = till.operators.authenticate("paul", "5678")
        till.checkout.open_drawer(manager, "fond de caisse")
        assert PulseEvent(2, 100, 100) in emulator.events
    finally:
        till.close()
    transcript = (data / "imprimante-simulee.txt").read_text(encoding="utf-8")
    assert "VENTE" in transcript
    assert "[QR FR1,TILL01," in transcript


def test_a_configured_network_printer_is_used_and_its_queue_survives(tmp_path: Path) -> None:
    data = activated(tmp_path)
    with TcpPrinterServer(EscposEmulator()) as server:
        (data / "config.toml").write_text(
            f'printer = "escpos-net:127.0.0.1:{server.port}?columns=32"\n', encoding="utf-8"
        )
        settings = load_settings(data)
        till = open_till(settings, clock=FakeClock())
        try:
            assert sell(till, cashier(till)).printed is True
            assert max(len(li) for li in server.emulator.text_lines()) == 32
            server.emulator.run_out_of_paper()
            failed = sell(till, cashier(till))
            assert failed.printed is False
        finally:
            till.close()
        # restart of the till: the failed ticket still waits for the cashier
        till = open_till(settings, clock=FakeClock())
        try:
            assert till.printing is not None
            (job,) = till.printing.receipts.pending()
            assert job.reference == failed.number
            server.emulator.refill_paper()
            till.printing.receipts.retry(job.job_id)
            assert till.printing.receipts.pending() == []
        finally:
            till.close()


def test_a_drawer_that_cannot_open_says_so(tmp_path: Path) -> None:
    data = activated(tmp_path)
    server = TcpPrinterServer(EscposEmulator()).start()
    port = server.port
    server.stop()
    settings = replace(Settings(data_dir=data), printer=f"escpos-net:127.0.0.1:{port}")
    till = open_till(settings, clock=FakeClock())
    try:
        manager = till.operators.authenticate("paul", "5678")
        with pytest.raises(DrawerFailed, match="tiroir"):
            till.checkout.open_drawer(manager, "monnaie")
    finally:
        till.close()


def test_an_unusable_printer_url_is_one_clear_sentence(tmp_path: Path) -> None:
    settings = replace(Settings(data_dir=tmp_path / "data"), printer="lpt:1")
    with pytest.raises(InvalidInput, match="Adresse de périphérique inconnue"):
        open_till(settings)
    settings = replace(settings, printer="none")
    till = open_till(settings)
    try:
        assert till.printing is None
    finally:
        till.close()
