"""Wires the services' printer and drawer ports to the hw print queue and the device worker.

`SpoolingReceiptPrinter` is the `caisse.services.ports.ReceiptPrinter` of a real till: a
journal receipt is laid out (`ticket_layout`), queued (spooled on disk), printed on the
device worker, and a failure raises `PrinterFailed` with the French sentence of the hardware
error; the job stays queued for the cashier to retry or cancel. `PrinterDrawer` is the
`CashDrawer` port over the printer's kick connector. `build_printing` makes both from the
till's settings (the composition root's only knowledge of device URLs).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from caisse.app.settings import Settings
from caisse.domain.errors import InvalidInput
from caisse.services.errors import DrawerFailed, PrinterFailed
from caisse.services.ports import Receipt
from caisse.services.ticket_layout import LayoutOptions, layout_receipt
from hw.errors import HardwareError, InvalidDeviceUrl
from hw.escpos_protocol import blocking_error
from hw.ports import CashDrawer, PrinterProfile, PrintJobInfo, TicketDocument
from hw.print_queue import PrintQueue, PrintSpooler
from hw.registry import OpenablePrinter, OpenedPrinter, PrinterOptions, open_printer
from hw.worker import DeviceWorker

logger = logging.getLogger(__name__)

SPOOL_DIR = "spool"
LOGO_FILE = "logo.png"
DEFAULT_LOGO = Path(__file__).resolve().parents[3] / "resources" / LOGO_FILE
"""The shipped logo (source checkouts); a `logo.png` in the data directory replaces it."""


class SpoolingReceiptPrinter:
    """Prints journal receipts through the print queue (port `ReceiptPrinter`)."""

    def __init__(self, spooler: PrintSpooler, options: LayoutOptions | None = None) -> None:
        self.spooler = spooler
        self.options = options or LayoutOptions()

    def print_receipt(self, receipt: Receipt) -> None:
        """Lay out, queue and print one receipt.

        Raises:
            PrinterFailed: it did not print (paper out, cover open, offline...); the job stays
                queued and the message is one French sentence for the cashier.
        """
        document = layout_receipt(receipt, self.options)
        try:
            self.spooler.print(document)
        except HardwareError as exc:
            raise PrinterFailed(exc.fr) from exc

    def print_document(self, document: TicketDocument) -> None:
        """Queue and print an already laid-out document (X and Z reports).

        Raises:
            PrinterFailed: it did not print; the job stays queued.
        """
        try:
            self.spooler.print(document)
        except HardwareError as exc:
            raise PrinterFailed(exc.fr) from exc

    def pending(self) -> list[PrintJobInfo]:
        """The tickets still waiting (failed or interrupted), oldest first."""
        return self.spooler.jobs()

    def retry(self, job_id: str) -> None:
        """Print a waiting ticket again.

        Raises:
            PrinterFailed: it failed again (it stays queued), or the job is gone.
        """
        try:
            self.spooler.retry(job_id)
        except HardwareError as exc:
            raise PrinterFailed(exc.fr) from exc

    def cancel(self, job_id: str) -> None:
        """Give up a waiting ticket (a DUPLICATA can still be printed later).

        Raises:
            PrinterFailed: no such job.
        """
        try:
            self.spooler.cancel(job_id)
        except HardwareError as exc:
            raise PrinterFailed(exc.fr) from exc


class PrinterDrawer:
    """The cash drawer behind the printer's kick connector (port `CashDrawer`)."""

    def __init__(self, drawer: CashDrawer, worker: DeviceWorker, timeout: float = 15.0) -> None:
        self._drawer = drawer
        self._worker = worker
        self._timeout = timeout

    def open(self) -> None:
        """Send the opening pulse.

        Raises:
            DrawerFailed: the pulse could not be sent.
        """
        try:
            self._worker.call(self._drawer.open, self._timeout)
        except HardwareError as exc:
            raise DrawerFailed(f"Le tiroir-caisse ne s'est pas ouvert : {exc.fr}") from exc


@dataclass
class Printing:
    """The printing devices of one opened till."""

    worker: DeviceWorker
    opened: OpenedPrinter
    spooler: PrintSpooler
    receipts: SpoolingReceiptPrinter
    drawer: PrinterDrawer

    def close(self) -> None:
        try:
            self.worker.call(self.opened.printer.close, 10.0)
        except HardwareError as exc:
            logger.info("printer close: %s", exc)
        finally:
            self.worker.stop()
            if self.opened.server is not None:
                self.opened.server.stop()


PROBE_INTERVAL = 15.0


def _check(printer: OpenablePrinter) -> None:
    status = printer.status()
    error = blocking_error(status) if status.verified else None
    if error is not None:
        raise error


def _log_change(name: str, error: HardwareError | None) -> None:
    if error is None:
        logger.info("%s ready", name)
    else:
        logger.warning("%s unavailable: %s", name, error)


def build_printing(settings: Settings, *, simulators: bool) -> Printing | None:
    """The printer of `settings.printer`, or None when there is none to use.

    `sim:` (the default) is only started when `simulators` is True, i.e. when the till itself
    runs (`caisse run`); the command line and the tests keep printing nothing by default. The
    running till also starts the device worker at once, so that its idle probe notices an
    unplugged printer before the next ticket.

    Raises:
        InvalidInput: the configured URL is unusable.
    """
    url = settings.printer.strip()
    if not url or url == "none" or (url.startswith("sim:") and not simulators):
        return None
    logo = settings.data_dir / LOGO_FILE
    if not logo.exists():
        logo = DEFAULT_LOGO
    profile = PrinterProfile(logo_path=str(logo) if logo.exists() else None)
    try:
        opened = open_printer(url, PrinterOptions(profile=profile, sim_dir=settings.data_dir))
    except InvalidDeviceUrl as exc:
        raise InvalidInput(
            f"{exc.fr} (réglage printer de config.toml)",
            f"{exc} (setting printer in config.toml)",
        ) from exc
    if opened is None:
        return None
    worker = DeviceWorker("hw-printer")
    spooler = PrintSpooler(opened.printer, PrintQueue(settings.data_dir / SPOOL_DIR), worker)
    printer = opened.printer
    # note: polled when idle, so that an unplugged printer is seen (and reopened when it
    # comes back) before the next ticket, not by it.
    worker.add_probe(
        "printer", lambda: _check(printer), interval=PROBE_INTERVAL, on_change=_log_change
    )
    if simulators:
        worker.start()  # the running till probes at once; commands start it on first print
    logger.info("printer %s ready (%d job(s) waiting)", url, len(spooler.jobs()))
    return Printing(
        worker,
        opened,
        spooler,
        SpoolingReceiptPrinter(spooler),
        PrinterDrawer(opened.printer, worker),
    )
