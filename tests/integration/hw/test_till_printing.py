"""The till's print path end to end: checkout → layout → queue → driver → emulator.

Over a pty (pyserial) and loopback TCP: paper out mid-job, cover open, a port that goes away
and comes back. In every case the sale stands, JET 190 is written, the job stays queued, and
the till keeps selling.
"""

from __future__ import annotations

import json

import pytest

from caisse.domain.sale import Payment, Tender
from caisse.services.checkout import TicketResult
from caisse.services.jet import Jet
from hw.errors import CoverOpen, DeviceOffline, PaperOut
from hw.ports import PrintJobState
from hw.simulators.escpos_printer import ClearedEvent, CutEvent, QrEvent
from tests.integration.conftest import TillFixture
from tests.integration.hw.conftest import PrinterRig
from tests.journal_helpers import journal_rows, verify_data_dir

pytestmark = pytest.mark.integration


def sell(shop: TillFixture, code: str = "BAG", cents: int = 105) -> TicketResult:
    sale = shop.till.checkout.new_sale()
    shop.till.checkout.add_item(sale, code)
    sale.add_payment(Payment(Tender.CASH, cents))
    return shop.till.checkout.finalise(shop.cashier, sale)


def tickets_printed(rig: PrinterRig) -> int:
    return sum(1 for e in rig.emulator.events if isinstance(e, CutEvent))


def last_jet(shop: TillFixture) -> dict[str, object]:
    row = journal_rows(shop.data_dir)[-1]
    assert row["kind"] == "J"
    body: dict[str, object] = json.loads(row["body"])
    return body


def test_a_sale_prints_its_ticket_over_a_pty(shop: TillFixture, pty_rig: PrinterRig) -> None:
    shop.reopen(printer=pty_rig.receipts)
    result = sell(shop)
    assert result.printed is True
    assert result.print_error is None
    lines = pty_rig.emulator.text_lines()
    assert "VENTE" in lines
    assert f"N° T-{result.kseq:06d}  Seq {result.gseq}  Sig {result.extract}" in lines
    assert QrEvent(f"{result.core},{result.sig}") in pty_rig.emulator.events
    assert tickets_printed(pty_rig) == 1
    assert pty_rig.spooler.jobs() == []


def test_paper_out_mid_job_keeps_the_sale_the_job_and_the_till(
    shop: TillFixture, pty_rig: PrinterRig
) -> None:
    shop.reopen(printer=pty_rig.receipts)
    pty_rig.emulator.run_out_of_paper(after_lines=6)
    first = sell(shop)
    # the sale stands, the failure is a French sentence, and JET 190 points at the sale
    assert first.printed is False
    assert first.print_error == PaperOut.FR
    jet = last_jet(shop)
    assert jet["code"] == Jet.PRINTER_FAILURE
    assert jet["related_gseq"] == first.gseq
    assert isinstance(pty_rig.emulator.events[-1], ClearedEvent)  # half a ticket, no more
    (job,) = pty_rig.spooler.jobs()
    assert job.state is PrintJobState.FAILED
    assert job.reference == first.number
    # the till keeps selling while the printer waits for paper
    second = sell(shop, "VIN", 1200)
    assert second.printed is False
    assert [j.reference for j in pty_rig.spooler.jobs()] == [first.number, second.number]
    assert verify_data_dir(shop.data_dir).ok
    # new roll: the cashier reprints both; nothing else comes out
    pty_rig.emulator.refill_paper()
    pty_rig.emulator.clear_output()
    for waiting in pty_rig.spooler.jobs():
        pty_rig.receipts.retry(waiting.job_id)
    assert pty_rig.spooler.jobs() == []
    assert tickets_printed(pty_rig) == 2
    proofs = [li for li in pty_rig.emulator.text_lines() if li.startswith("N° T-")]
    assert proofs == [f"N° T-{r.kseq:06d}  Seq {r.gseq}  Sig {r.extract}" for r in (first, second)]
    assert sell(shop).printed is True


def test_cover_open_is_reported_and_retried(shop: TillFixture, pty_rig: PrinterRig) -> None:
    shop.reopen(printer=pty_rig.receipts)
    pty_rig.emulator.open_cover()
    result = sell(shop)
    assert result.print_error == CoverOpen.FR
    assert last_jet(shop)["code"] == Jet.PRINTER_FAILURE
    assert pty_rig.emulator.lines == []  # checked before the job: nothing sent
    pty_rig.emulator.close_cover()
    (job,) = pty_rig.spooler.jobs()
    pty_rig.receipts.retry(job.job_id)
    assert tickets_printed(pty_rig) == 1


def test_a_serial_port_that_disappears_and_comes_back(
    shop: TillFixture, pty_rig: PrinterRig
) -> None:
    shop.reopen(printer=pty_rig.receipts)
    assert sell(shop).printed is True
    pty_rig.server.stop()  # unplugged: the pty is gone
    lost = sell(shop)
    assert lost.printed is False
    assert lost.print_error == DeviceOffline.FR
    assert last_jet(shop)["related_gseq"] == lost.gseq
    assert sell(shop, "VIN", 1200).printed is False  # still selling
    pty_rig.server.start()  # plugged back: same path, new pty
    after = sell(shop)
    assert after.printed is True
    for job in pty_rig.spooler.jobs():
        pty_rig.receipts.retry(job.job_id)
    assert pty_rig.spooler.jobs() == []
    assert tickets_printed(pty_rig) == 4
    assert verify_data_dir(shop.data_dir).ok


def test_a_network_printer_restarted(shop: TillFixture, tcp_rig: PrinterRig) -> None:
    shop.reopen(printer=tcp_rig.receipts)
    assert sell(shop).printed is True
    tcp_rig.server.stop()
    lost = sell(shop)
    assert lost.print_error == DeviceOffline.FR
    tcp_rig.server.start()  # same port
    assert sell(shop).printed is True
    (job,) = tcp_rig.spooler.jobs()
    tcp_rig.receipts.retry(job.job_id)
    assert tickets_printed(tcp_rig) == 3
    lines = tcp_rig.emulator.text_lines()
    assert max(len(li) for li in lines) == 48


def test_paper_out_over_tcp(shop: TillFixture, tcp_rig: PrinterRig) -> None:
    shop.reopen(printer=tcp_rig.receipts)
    tcp_rig.emulator.run_out_of_paper(after_lines=10)
    assert sell(shop).print_error == PaperOut.FR
    assert len(tcp_rig.spooler.jobs()) == 1


def test_a_duplicate_and_a_refund_print_with_their_mentions(
    shop: TillFixture, pty_rig: PrinterRig
) -> None:
    shop.reopen(printer=pty_rig.receipts)
    sale = sell(shop, "VIN", 1200)
    copy = shop.till.checkout.reprint(shop.cashier, sale.number, reason="client")
    assert copy.printed is True
    lines = pty_rig.emulator.text_lines()
    assert lines.count("DUPLICATA n° 1") == 2
    assert f"N° D-{copy.kseq:06d}  Seq {copy.gseq}  Sig {copy.extract}" in lines
    assert lines.count(f"N° T-{sale.kseq:06d}  Seq {sale.gseq}  Sig {sale.extract}") == 2
    refund = shop.till.checkout.refund(
        shop.manager, sale.number, None, [Payment(Tender.CASH, -1200)]
    )
    assert refund.printed is True
    lines = pty_rig.emulator.text_lines()
    assert "REMBOURSEMENT" in lines
    assert any(li.startswith("Ticket d'origine") and li.endswith(sale.number) for li in lines)
