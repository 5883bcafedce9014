"""Adapters between the screens' ports and the devices (the UI never imports `hw`).

- `PrintQueueAdapter`: the print queue (list, retry with JET 190 on failure, cancel with JET
  191) and the printer's last known state for the status bar;
- `PrinterMonitor`: that state, refreshed on the device worker after each job and by a
  non-blocking poll (a status question queued behind the job being printed, never waited on);
- `ReportDesk`: the X report and its ticket;
- `ScaleDesk`: the scale read on its device worker, through the hw weighing rules;
- `PoleDisplayFeed`: the customer-display calls queued to a pole display's device worker.

Every method here runs on the task runner's worker or the device worker, never on the GUI
thread, except `PoleDisplayFeed`'s, which only queue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from caisse.app.devices import DeviceFailed, cancel_job, retry_jobs
from caisse.app.printing import Printing
from caisse.app.settings import Settings
from caisse.domain.errors import Refused
from caisse.domain.money import round_half_away
from caisse.services.archives import ArchiveService
from caisse.services.cash import CashService
from caisse.services.closures import ClosureService
from caisse.services.context import TillContext
from caisse.services.device_status import PrinterState, PrinterStatusView
from caisse.services.operators import OperatorSession, Right, require
from caisse.services.reports import ReportService
from caisse.ui.manager_ports import (
    ArchiveDoneView,
    ArchivePeriodView,
    PrintJobView,
    ScaleReadingView,
)
from hw.display.factory import DisplaySetup, open_display
from hw.errors import (
    CoverOpen,
    DeviceOffline,
    DeviceTimeout,
    HardwareError,
    PaperOut,
)
from hw.escpos_protocol import blocking_error
from hw.ports import PrintJobState, ScaleReading, TicketDocument, WeighingScale
from hw.scales.factory import ScaleSetup, open_scale
from hw.scales.session import WeighingSession, fault_of
from hw.worker import DeviceWorker

logger = logging.getLogger(__name__)


def _state_of(error: HardwareError | None) -> PrinterState:
    if error is None:
        return PrinterState.OK
    if isinstance(error, PaperOut):
        return PrinterState.PAPER_OUT
    if isinstance(error, CoverOpen):
        return PrinterState.COVER_OPEN
    if isinstance(error, DeviceOffline | DeviceTimeout):
        return PrinterState.OFFLINE
    return PrinterState.ERROR


class PrinterMonitor:
    """The printer's last known state; `poll()` queues a status question, never waits."""

    def __init__(self, printing: Printing) -> None:
        self._printing = printing
        self._lock = threading.Lock()
        self._state = PrinterState.UNKNOWN
        self._detail = ""
        self._asking = False

    def note(self, error: HardwareError | None) -> None:
        """Record what the printer last said (a job's outcome or a status answer)."""
        with self._lock:
            self._state = _state_of(error)
            self._detail = "" if error is None else error.fr

    def _ask(self) -> None:
        try:
            status = self._printing.opened.printer.status()
            self.note(blocking_error(status) if status.verified else None)
        except HardwareError as exc:
            self.note(exc)
        finally:
            with self._lock:
                self._asking = False

    def poll(self) -> None:
        """Queue one status question on the device worker (after the job printing, if any)."""
        with self._lock:
            if self._asking:
                return
            self._asking = True
        try:
            self._printing.worker.submit(self._ask)
        except RuntimeError:  # the worker is stopped: the till is closing
            with self._lock:
                self._asking = False

    def printer_status(self) -> PrinterStatusView:
        jobs = [j for j in self._printing.spooler.jobs() if j.state is PrintJobState.FAILED]
        self.poll()
        with self._lock:
            state, detail = self._state, self._detail
        if jobs and state in (PrinterState.OK, PrinterState.UNKNOWN):
            # the job failed after the last good status: its reason is the freshest news
            state, detail = PrinterState.ERROR, jobs[-1].last_error_fr
        return PrinterStatusView(state, detail, len(self._printing.spooler.jobs()))


class PrintQueueAdapter:
    """The print queue for the manager menu (port `PrintQueueDesk`)."""

    def __init__(self, context: TillContext, printing: Printing, monitor: PrinterMonitor) -> None:
        self._context = context
        self._printing = printing
        self._monitor = monitor

    def jobs(self) -> list[PrintJobView]:
        return [
            PrintJobView(
                job.job_id,
                job.reference,
                job.created_at,
                job.attempts,
                job.last_error_fr or "en attente d'impression",
            )
            for job in self._printing.spooler.jobs()
        ]

    def retry(self, job_id: str) -> None:
        try:
            retry_jobs(self._context, self._printing, [job_id])
        except DeviceFailed as exc:
            cause = exc.__cause__
            self._monitor.note(cause if isinstance(cause, HardwareError) else None)
            raise
        self._monitor.note(None)

    def cancel(self, session: OperatorSession, job_id: str, reason: str) -> None:
        cancel_job(self._context, self._printing.spooler.queue, session, job_id, reason)

    def printer_status(self) -> PrinterStatusView:
        return self._monitor.printer_status()


class NoReportPrinter(Refused):
    def __init__(self) -> None:
        super().__init__(
            "Aucune imprimante n'est configurée : le rapport X reste affiché à l'écran.",
            "No printer is configured: the X report stays on the screen.",
        )


class ReportDesk:
    """The X report and the closure tickets for the manager menu (port `XReports`).

    With the report service (`caisse.services.reports`) the X report carries its details and
    is laid out by `report_layout`; without it (tests of the menu alone) the closure service's
    figures are shown and nothing prints.
    """

    def __init__(
        self,
        closures: ClosureService,
        cash: CashService,
        printing: Printing | None,
        reports: ReportService | None = None,
    ) -> None:
        self._closures = closures
        self._cash = cash
        self._printing = printing
        self._reports = reports

    def x_report(self, now: datetime | None = None) -> dict[str, Any]:
        if self._reports is not None:
            return self._reports.x_report(now)
        return self._closures.x_report(now, cash_session=self._cash.session_status())

    def _print(self, document: Callable[[ReportService], TicketDocument]) -> None:
        if self._printing is None or self._reports is None:
            raise NoReportPrinter
        try:
            self._printing.spooler.print(document(self._reports))
        except HardwareError as exc:
            raise DeviceFailed("printer", exc) from exc

    def print_x(self) -> None:
        self._print(lambda reports: reports.x_ticket())

    def print_closure(self, gseq: int) -> None:
        self._print(lambda reports: reports.closure_ticket(gseq))


# ---------------------------------------------------------------- scale


@dataclass(frozen=True, slots=True)
class ScaleView:
    """One scale answer for the screen (port `ScaleReadingView`)."""

    reading: ScaleReading
    grams: int
    usable: bool
    reason_fr: str
    reason_en: str


class ScaleUnavailable(Refused):
    def __init__(self, exc: HardwareError) -> None:
        super().__init__(f"Balance : {exc.fr}", f"Scale: {exc}")


class ScaleDesk:
    """The scale of the till, read on its device worker (port `Weighing`).

    The hw `WeighingSession` keeps the metrology rules: only the reading last shown can be
    used, only when stable and in range, and the same load only once.
    """

    def __init__(self, scale: WeighingScale, worker: DeviceWorker, timeout: float = 5.0) -> None:
        self._scale = scale
        self._worker = worker
        self._timeout = timeout
        self._session = WeighingSession(rounding=round_half_away)

    def read(self, unit_price_cents: int, label: str) -> ScaleView:
        def ask() -> ScaleReading:
            self._scale.set_article(min(unit_price_cents, 999_999), label)
            return self._scale.reading()

        try:
            reading = self._worker.call(ask, self._timeout)
        except HardwareError as exc:
            raise ScaleUnavailable(exc) from exc
        self._session.show(reading)
        fault: HardwareError | None = fault_of(reading)
        if fault is None:
            try:
                self._session.check(reading)  # the same load already registered?
            except HardwareError as exc:
                fault = exc
        return ScaleView(
            reading,
            reading.grams,
            fault is None,
            "" if fault is None else fault.fr,
            "" if fault is None else str(fault),
        )

    def register(self, reading: ScaleReadingView, unit_price_cents: int) -> int:
        if not isinstance(reading, ScaleView):
            raise TypeError("a reading of this scale desk is expected")
        try:
            item = self._session.register(reading.reading, min(unit_price_cents, 999_999))
        except HardwareError as exc:
            raise ScaleUnavailable(exc) from exc
        return item.grams

    def release(self) -> None:
        """The weighed line was voided: the same load may be weighed again."""
        self._session.release()


# ---------------------------------------------------------------- pole display


class PoleDisplayFeed:
    """Queues the customer-display calls to a pole display on its device worker.

    Each call returns at once (the GUI thread calls it); a failure is logged on the worker
    and the sale goes on (hardware.md: a display unplugged never stops the till).
    """

    def __init__(self, screens: Any, worker: DeviceWorker) -> None:
        self._screens = screens
        self._worker = worker

    def _queue(self, name: str, *args: object) -> None:
        method = getattr(self._screens, name)

        def call() -> None:
            try:
                method(*args)
            except HardwareError as exc:
                logger.warning("customer display: %s", exc)

        try:
            self._worker.submit(call)
        except RuntimeError:
            logger.info("customer display worker stopped; %s dropped", name)

    def welcome(self) -> None:
        self._queue("welcome")

    def item(self, label: str, amount_cents: int, total_cents: int) -> None:
        self._queue("item", label, amount_cents, total_cents)

    def weighing(self, label: str, grams: int, unit_price_cents: int, price_cents: int) -> None:
        self._queue("weighing", label, grams, unit_price_cents, price_cents)

    def amount_due(self, cents: int) -> None:
        self._queue("amount_due", cents)

    def change(self, cents: int, paid_cents: int | None = None) -> None:
        self._queue("change", cents, paid_cents)

    def thank_you(self) -> None:
        self._queue("thank_you")

    def close(self) -> None:
        """The display itself is closed by whoever opened it."""


# ---------------------------------------------------------------- wiring for the Qt till

DEMO_LOAD_GRAMS = 532
"""What lies on the simulated scale's pan in demo mode, so that a weighed item can be sold."""


@dataclass
class GuiDevices:
    """The device-side objects the Qt till is given, and what to close at the end."""

    print_queue: PrintQueueAdapter | None
    printer_source: PrinterMonitor | None
    reports: ReportDesk
    weighing: ScaleDesk | None
    pole_display: PoleDisplayFeed | None
    settings_shown: tuple[tuple[str, str], ...]
    closers: list[Callable[[], None]]

    def close(self) -> None:
        for closer in reversed(self.closers):
            try:
                closer()
            except HardwareError as exc:
                logger.info("device close: %s", exc)


def _scale(settings: Settings, demo: bool, closers: list[Callable[[], None]]) -> ScaleDesk | None:
    url = settings.scale.strip()
    if url in ("", "none", "none:"):
        return None
    try:
        opened = open_scale(url, ScaleSetup(sim_dir=settings.data_dir))
    except HardwareError as exc:
        logger.warning("scale %s unusable: %s", url, exc)
        return None
    if opened is None:
        return None
    worker = DeviceWorker("hw-scale")
    closers.extend([opened.close, worker.stop])
    emulator = opened.emulator
    if demo and emulator is not None:
        emulator.set_weight(DEMO_LOAD_GRAMS)
    return ScaleDesk(opened.scale, worker)


def _pole(settings: Settings, closers: list[Callable[[], None]]) -> PoleDisplayFeed | None:
    url = settings.display.strip()
    if url.startswith("window") or url in ("", "none", "none:"):
        return None
    try:
        opened = open_display(url, DisplaySetup(sim_dir=settings.data_dir))
    except HardwareError as exc:
        logger.warning("customer display %s unusable: %s", url, exc)
        return None
    if opened is None:
        return None
    worker = DeviceWorker("hw-display")
    closers.extend([opened.close, worker.stop])
    feed = PoleDisplayFeed(opened.screens, worker)
    feed.welcome()
    return feed


def gui_devices(
    settings: Settings,
    context: TillContext,
    closures: ClosureService,
    cash: CashService,
    printing: Printing | None,
    *,
    demo: bool = False,
    reports: ReportService | None = None,
) -> GuiDevices:
    """Open the scale and the pole display of `settings` and adapt the printer for the UI."""
    closers: list[Callable[[], None]] = []
    monitor = PrinterMonitor(printing) if printing is not None else None
    queue = (
        PrintQueueAdapter(context, printing, monitor)
        if printing is not None and monitor is not None
        else None
    )
    columns = printing.opened.printer.profile.columns if printing is not None else None
    settings_shown = (
        ("lang", settings.lang),
        ("printer", settings.printer),
        ("columns", "" if columns is None else str(columns)),
        ("display", settings.display),
        ("scale", settings.scale),
        ("scanner", settings.scanner),
        ("data_dir", str(settings.data_dir)),
    )
    return GuiDevices(
        queue,
        monitor,
        ReportDesk(closures, cash, printing, reports),
        _scale(settings, demo, closers),
        _pole(settings, closers),
        settings_shown,
        closers,
    )


class ArchiveDesk:
    """Signed archives of closed periods from the manager menu (port `ArchiveDesk`).

    The file goes to `directory` (the data directory's ``archives``, created on first use), named
    after the till and the period; the manager copies it from there to the shop's safe keeping.
    Writing an archive is a closure-level act: it needs the right to close.
    """

    def __init__(self, context: TillContext, archives: ArchiveService, directory: Path) -> None:
        self._context = context
        self._archives = archives
        self._directory = directory

    def periods(self) -> list[ArchivePeriodView]:
        with self._context.uow() as uow:
            closures = [*uow.closures.since("M", 0), *uow.closures.since("Y", 0)]
            archived = {a.gseq_to for a in uow.archives.all()}
        views = []
        for c in sorted(closures, key=lambda c: c.gseq, reverse=True):
            if c.kind == "M":
                period, label = c.period_from[:7], c.period_from[:7]
            else:
                period = c.period_from[:4]
                label = f"{c.period_from} → {c.period_to}"
            views.append(ArchivePeriodView(period, label, c.gseq in archived))
        return views

    def export(self, session: OperatorSession, period: str) -> ArchiveDoneView:
        require(session, Right.CLOSE)
        with self._context.uow() as uow:
            till = uow.till.get()
        till_id = till.till_id if till is not None else "caisse"
        self._directory.mkdir(parents=True, exist_ok=True)
        stamp = self._context.clock.now().strftime("%Y%m%dT%H%M%S")
        out = self._directory / f"archive-{till_id}-{period}-{stamp}.zip"
        done = self._archives.export(period, out, session)
        return ArchiveDoneView(str(done.path), done.period, done.records, done.manifest_sha256)
