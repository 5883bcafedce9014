"""Printers behind real transports: the emulator over a pty and over loopback TCP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from caisse.app.printing import SpoolingReceiptPrinter
from hw.drivers.escpos_printer import EscposPrinter, NetworkLink, SerialLink
from hw.ports import PrinterProfile
from hw.print_queue import PrintQueue, PrintSpooler
from hw.simulators.escpos_printer import EscposEmulator, PtyPrinterServer, TcpPrinterServer
from hw.worker import DeviceWorker


@dataclass
class PrinterRig:
    emulator: EscposEmulator
    server: PtyPrinterServer | TcpPrinterServer
    printer: EscposPrinter
    worker: DeviceWorker
    spooler: PrintSpooler
    receipts: SpoolingReceiptPrinter

    def close(self) -> None:
        self.worker.call(self.printer.close)
        self.worker.stop()
        self.server.stop()


def rig(
    server: PtyPrinterServer | TcpPrinterServer, printer: EscposPrinter, spool: Path
) -> PrinterRig:
    worker = DeviceWorker("test-printer")
    spooler = PrintSpooler(printer, PrintQueue(spool), worker, timeout=30)
    return PrinterRig(
        server.emulator, server, printer, worker, spooler, SpoolingReceiptPrinter(spooler)
    )


@pytest.fixture
def pty_rig(tmp_path: Path) -> Iterator[PrinterRig]:
    server = PtyPrinterServer(EscposEmulator(), tmp_path / "ttyPRINTER").start()
    printer = EscposPrinter(
        SerialLink(str(server.path), baudrate=19200), PrinterProfile(columns=42)
    )
    made = rig(server, printer, tmp_path / "spool")
    yield made
    made.close()


@pytest.fixture
def tcp_rig(tmp_path: Path) -> Iterator[PrinterRig]:
    server = TcpPrinterServer(EscposEmulator()).start()
    printer = EscposPrinter(NetworkLink(server.host, server.port), PrinterProfile(columns=48))
    made = rig(server, printer, tmp_path / "spool")
    yield made
    made.close()
