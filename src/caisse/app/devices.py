"""The `caisse devices` commands (cli.md): list, test and drive the till's peripherals.

The device options (`--printer URL`, `--display URL`, `--scale URL`, `--scanner URL`) override
the till's configuration for one run (`override_settings`). Every hardware failure is turned
into one French sentence: `DeviceFailed` (exit 1) for a device that does not do what was
asked, `InvalidInput` (exit 2) for a URL that cannot be used.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TypeVar

from caisse.app.printing import DEFAULT_LOGO, LOGO_FILE, SPOOL_DIR, Printing
from caisse.app.settings import Settings
from caisse.domain.errors import InvalidInput, Refused
from caisse.services.context import TillContext
from caisse.services.jet import Jet
from caisse.services.operators import OperatorSession, Right, require
from hw.display.factory import DisplaySetup, open_display
from hw.errors import BelowMinimum, HardwareError, InvalidDeviceUrl, PrintJobNotFound
from hw.escpos_protocol import blocking_error
from hw.ports import (
    Align,
    Columns,
    Cut,
    Feed,
    Logo,
    PrinterProfile,
    PrintJobInfo,
    QrCode,
    Separator,
    TextLine,
    TicketDocument,
)
from hw.print_queue import PrintQueue
from hw.registry import (
    NetworkPrinterSpec,
    PrinterOptions,
    open_printer,
    parse_device_url,
    printer_spec,
)
from hw.scales.factory import ScaleSetup, open_scale

logger = logging.getLogger(__name__)

ROLES: Final = ("printer", "display", "scale", "scanner")
"""The device roles of cli.md, in the order they are listed."""

ROLE_FR: Final = {
    "printer": "Imprimante",
    "display": "Afficheur",
    "scale": "Balance",
    "scanner": "Lecteur",
}

SIM_TRANSCRIPT = "imprimante-simulee.txt"
"""The text copy the `sim:` printer writes in the data directory (hw.registry)."""

_SERIAL_SCHEMES: Final = frozenset(
    {"escpos-serial", "epson-display", "cd5220", "toledo8217", "dialog06", "serial-scanner"}
)
_T = TypeVar("_T")


class DeviceFailed(Refused):
    """A device did not do what was asked; `fr` is the hardware error's French sentence."""

    def __init__(self, role: str, exc: HardwareError) -> None:
        super().__init__(f"{ROLE_FR[role]} : {exc.fr}", f"{role}: {exc}")
        self.role = role


def invalid_url(role: str, url: str, exc: InvalidDeviceUrl) -> InvalidInput:
    """The exit-2 error of an unusable device URL, naming the option."""
    return InvalidInput(
        f"--{role} {url} : {exc.fr}",
        f"--{role} {url}: unusable device URL ({exc}).",
    )


def device_options(values: Mapping[str, str | None]) -> dict[str, str]:
    """The device URLs given on the command line (roles without an option left out)."""
    return {role: str(values[role]) for role in ROLES if values.get(role) is not None}


def override_settings(settings: Settings, options: Mapping[str, str]) -> Settings:
    """The settings with the device URLs given on the command line.

    Raises:
        InvalidInput: a URL whose scheme does not exist for its role.
    """
    for role, url in options.items():
        try:
            parsed = parse_device_url(url, role)
            if role == "printer" and parsed.scheme != "none":
                printer_spec(parsed)
        except InvalidDeviceUrl as exc:
            raise invalid_url(role, url, exc) from exc
    if not options:
        return settings
    return replace(
        settings,
        printer=options.get("printer", settings.printer),
        display=options.get("display", settings.display),
        scale=options.get("scale", settings.scale),
        scanner=options.get("scanner", settings.scanner),
    )


def printer_simulated(options: Mapping[str, str]) -> bool:
    """True when `--printer sim:` asks for the shipped printer simulator on this run."""
    return options.get("printer", "").strip().startswith("sim:")


def _guard(role: str, url: str, action: Callable[[], _T]) -> _T:
    try:
        return action()
    except InvalidDeviceUrl as exc:
        raise invalid_url(role, url, exc) from exc
    except HardwareError as exc:
        raise DeviceFailed(role, exc) from exc


def _scheme(role: str, url: str) -> str:
    try:
        return parse_device_url(url, role).scheme
    except InvalidDeviceUrl as exc:
        raise invalid_url(role, url, exc) from exc


def _profile(settings: Settings) -> PrinterProfile:
    logo = settings.data_dir / LOGO_FILE
    if not logo.exists():
        logo = DEFAULT_LOGO
    return PrinterProfile(logo_path=str(logo) if logo.exists() else None)


def _printer_options(settings: Settings) -> PrinterOptions:
    return PrinterOptions(profile=_profile(settings), sim_dir=settings.data_dir)


# ---------------------------------------------------------------------------- list


@dataclass(frozen=True, slots=True)
class DeviceState:
    """One configured role: its URL and whether it can be opened (None: not checked)."""

    role: str
    url: str
    state: str  # none, simulator, ui, ready, missing, invalid, unchecked
    openable: bool | None
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "url": self.url,
            "state": self.state,
            "openable": self.openable,
            "detail": self.detail,
        }

    def line(self) -> str:
        mark = {True: "OK", False: "ÉCHEC", None: "--"}[self.openable]
        return f"{ROLE_FR[self.role]:<11} {self.url or 'none':<36} {mark:<5} {self.detail}"


def _port_state(role: str, url: str, port: str) -> DeviceState:
    if port.startswith(("socket://", "rfc2217://")):
        return DeviceState(role, url, "unchecked", None, f"port réseau {port} (non vérifié)")
    if not Path(port).exists():
        return DeviceState(role, url, "missing", False, f"le port {port} n'existe pas")
    if not os.access(port, os.R_OK | os.W_OK):
        return DeviceState(role, url, "missing", False, f"le port {port} n'est pas accessible")
    return DeviceState(role, url, "ready", True, f"port {port} présent")


def _net_state(role: str, url: str, host: str, port: int) -> DeviceState:
    try:
        with socket.create_connection((host, port), timeout=2.0):
            pass
    except OSError as exc:
        return DeviceState(
            role, url, "missing", False, f"{host}:{port} ne répond pas ({exc.strerror or exc})"
        )
    return DeviceState(role, url, "ready", True, f"{host}:{port} répond")


def device_state(role: str, url: str) -> DeviceState:
    """Whether the device of `url` can be opened, without using it."""
    try:
        parsed = parse_device_url(url, role)
    except InvalidDeviceUrl as exc:
        return DeviceState(role, url, "invalid", False, exc.fr)
    scheme = parsed.scheme
    if scheme == "none":
        return DeviceState(role, url, "none", None, "aucun périphérique configuré")
    if scheme == "sim":
        return DeviceState(role, url, "simulator", True, "simulateur fourni")
    if scheme == "hid":
        return DeviceState(role, url, "ui", True, "lecteur clavier (lu par l'écran de caisse)")
    if scheme == "window":
        return DeviceState(role, url, "ui", True, "second écran (ouvert par l'écran de caisse)")
    if scheme in _SERIAL_SCHEMES:
        return _port_state(role, url, parsed.target)
    try:
        spec = printer_spec(parsed)
    except InvalidDeviceUrl as exc:
        return DeviceState(role, url, "invalid", False, exc.fr)
    if isinstance(spec, NetworkPrinterSpec):
        return _net_state(role, url, spec.host, spec.port)
    if scheme == "escpos-file":
        return _port_state(role, url, parsed.target)
    return DeviceState(role, url, "unchecked", None, "périphérique USB (vérifié par « test »)")


def list_devices(settings: Settings) -> list[DeviceState]:
    """Each configured role with its URL and whether it can be opened."""
    return [device_state(role, str(getattr(settings, role))) for role in ROLES]


# ---------------------------------------------------------------------------- test


@dataclass(frozen=True, slots=True)
class DeviceCheck:
    """The outcome of exercising one device: `error` is its French sentence when it failed."""

    role: str
    url: str
    detail: str
    error: DeviceFailed | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "url": self.url,
            "ok": self.ok,
            "detail": self.detail,
            "error": self.error.fr if self.error is not None else None,
        }

    def line(self) -> str:
        text = self.detail if self.error is None else self.error.fr
        mark = "OK" if self.ok else "ÉCHEC"
        return f"{ROLE_FR[self.role]:<11} {self.url or 'none':<36} {mark:<5} {text}"


def _test_printer(settings: Settings) -> str:
    url = settings.printer
    opened = _guard("printer", url, lambda: open_printer(url, _printer_options(settings)))
    if opened is None:
        return "aucune imprimante"
    try:
        status = _guard("printer", url, opened.printer.status)
    finally:
        opened.close()
    if not status.verified:
        return "état illisible sur ce lien (écriture seule)"
    error = blocking_error(status)
    if error is not None:
        raise DeviceFailed("printer", error)
    paper = "papier bientôt fini" if status.paper_near_end else "papier OK"
    return f"{paper}, capot fermé, en ligne"


def _test_display(settings: Settings) -> str:
    url = settings.display
    if _scheme("display", url) == "window":
        return "second écran : testé par l'écran de caisse"
    opened = _guard(
        "display", url, lambda: open_display(url, DisplaySetup(sim_dir=settings.data_dir))
    )
    if opened is None:
        return "aucun afficheur"
    try:
        _guard("display", url, lambda: opened.display.show(["caisse OK"]))
    finally:
        opened.close()
    return "« caisse OK » affiché"


def _test_scale(settings: Settings) -> str:
    url = settings.scale
    opened = _guard("scale", url, lambda: open_scale(url, ScaleSetup(sim_dir=settings.data_dir)))
    if opened is None:
        return "aucune balance"
    try:
        reading = _guard("scale", url, opened.scale.reading)
    finally:
        opened.close()
    return f"{reading.grams} g ({reading.status.value})"


def _test_scanner(settings: Settings) -> str:
    url = settings.scanner
    scheme = _scheme("scanner", url)
    if scheme == "none":
        return "aucun lecteur"
    if scheme == "hid":
        return "lecteur clavier : testé en scannant dans l'écran de caisse"
    if scheme == "sim":
        return "simulateur fourni"
    from hw.drivers.serial_scanner import open_serial_scanner

    scanner = _guard("scanner", url, lambda: open_serial_scanner(url))
    try:
        code = _guard("scanner", url, lambda: scanner.read(0.2))
    finally:
        scanner.close()
    return "port ouvert" if code is None else f"port ouvert, code lu : {code.data}"


_TESTS: Final[Mapping[str, Callable[[Settings], str]]] = {
    "printer": _test_printer,
    "display": _test_display,
    "scale": _test_scale,
    "scanner": _test_scanner,
}


def check_devices(settings: Settings) -> list[DeviceCheck]:
    """Open each configured device and exercise it once (status, a reading, "caisse OK").

    Raises:
        InvalidInput: a URL that cannot be used.
    """
    checks = []
    for role in ROLES:
        url = str(getattr(settings, role))
        try:
            checks.append(DeviceCheck(role, url, _TESTS[role](settings)))
        except DeviceFailed as exc:
            checks.append(DeviceCheck(role, url, "", exc))
    return checks


def failure_sentence(checks: Sequence[DeviceCheck]) -> tuple[str, str] | None:
    """The one sentence (fr, en) for the failed devices, or None when all work."""
    failed = [c.error for c in checks if c.error is not None]
    if not failed:
        return None
    more_fr = (
        f" (et {len(failed) - 1} autre(s) périphérique(s) en échec)" if len(failed) > 1 else ""
    )
    more_en = f" (and {len(failed) - 1} other failing device(s))" if len(failed) > 1 else ""
    return failed[0].fr + more_fr, failed[0].en + more_en


# ---------------------------------------------------------------------------- print-test


TEST_QR = "https://caisse.example/essai"


def trial_document(now: datetime) -> TicketDocument:
    """A test ticket: the logo, French accents, the euro sign, columns, a QR code and a cut."""
    return TicketDocument(
        (
            Logo(),
            TextLine("TICKET DE TEST", bold=True, align=Align.CENTER, width=2, height=2),
            TextLine("Impression d'essai — caisse", align=Align.CENTER),
            Separator(),
            TextLine("Accents : é è ê ë à â ç ù û ô î ï É È À Ç"),
            TextLine("Crème brûlée, pâté, Noël"),
            Columns("Article à 12,50 €", "12,50 €"),
            Columns("TOTAL", "12,50 €", bold=True),
            Separator("="),
            QrCode(TEST_QR),
            TextLine(now.strftime("%d/%m/%Y %H:%M:%S"), align=Align.CENTER),
            TextLine("Aucune valeur fiscale", align=Align.CENTER),
            Feed(),
            Cut(),
        ),
        reference="TEST",
    )


@dataclass(frozen=True, slots=True)
class PrintTestResult:
    url: str
    transcript: Path | None

    def as_json(self) -> dict[str, Any]:
        return {
            "printer": self.url,
            "printed": True,
            "transcript": str(self.transcript) if self.transcript else None,
        }


def print_test(settings: Settings, now: datetime) -> PrintTestResult:
    """Print the test ticket on the printer of `settings` (the simulator for `sim:`).

    Raises:
        InvalidInput: the URL is unusable, or no printer is configured.
        DeviceFailed: it did not print.
    """
    url = settings.printer
    opened = _guard("printer", url, lambda: open_printer(url, _printer_options(settings)))
    if opened is None:
        raise InvalidInput(
            "Aucune imprimante configurée : donnez --printer URL.",
            "No printer configured: give --printer URL.",
        )
    try:
        _guard("printer", url, lambda: opened.printer.print_document(trial_document(now)))
    finally:
        opened.close()
    transcript = settings.data_dir / SIM_TRANSCRIPT if opened.emulator is not None else None
    return PrintTestResult(url, transcript)


# ---------------------------------------------------------------------------- weigh


@dataclass(frozen=True, slots=True)
class WeighResult:
    url: str
    grams: int
    tare_grams: int
    status: str

    def as_json(self) -> dict[str, Any]:
        return {
            "scale": self.url,
            "grams": self.grams,
            "tare_grams": self.tare_grams,
            "status": self.status,
        }


def weigh(settings: Settings) -> WeighResult:
    """One stable reading of the scale (waiting a bounded time for a moving load).

    A stable empty pan or a load below the minimum is a reading too (status zero or
    under_load); a moving load, a negative weight or an overload is a failure.

    Raises:
        InvalidInput: the URL is unusable, or no scale is configured.
        DeviceFailed: no stable reading (the hardware error's sentence).
    """
    url = settings.scale
    opened = _guard("scale", url, lambda: open_scale(url, ScaleSetup(sim_dir=settings.data_dir)))
    if opened is None:
        raise InvalidInput(
            "Aucune balance configurée : donnez --scale URL.",
            "No scale configured: give --scale URL.",
        )
    scale = opened.scale
    try:
        try:
            weight = scale.read()
        except BelowMinimum:
            reading = _guard("scale", url, scale.reading)
            if not reading.stable:
                raise DeviceFailed("scale", BelowMinimum()) from None
            return WeighResult(url, reading.grams, reading.tare_grams, reading.status.value)
        except InvalidDeviceUrl as exc:
            raise invalid_url("scale", url, exc) from exc
        except HardwareError as exc:
            raise DeviceFailed("scale", exc) from exc
    finally:
        opened.close()
    return WeighResult(url, weight.grams, weight.tare_grams, "stable")


# ---------------------------------------------------------------------------- show


MAX_SHOWN_LINES: Final = 2


def show(settings: Settings, texts: Sequence[str]) -> list[str]:
    """Show up to two lines on the display; returns the lines as sent (cut to its width).

    Raises:
        InvalidInput: more than two lines, an unusable URL, or no display to drive.
        DeviceFailed: the display cannot be written to.
    """
    if not texts or len(texts) > MAX_SHOWN_LINES:
        raise InvalidInput(
            "Donnez une ou deux lignes à afficher.",
            "Give one or two lines to show.",
        )
    url = settings.display
    if _scheme("display", url) == "window":
        raise InvalidInput(
            "L'afficheur window: est le second écran de la caisse : lancez « caisse run ».",
            "The window: display is the till's second screen: run 'caisse run'.",
        )
    opened = _guard(
        "display", url, lambda: open_display(url, DisplaySetup(sim_dir=settings.data_dir))
    )
    if opened is None:
        raise InvalidInput(
            "Aucun afficheur configuré : donnez --display URL.",
            "No display configured: give --display URL.",
        )
    try:
        lines = [text[: opened.display.columns] for text in texts]
        _guard("display", url, lambda: opened.display.show(lines))
    finally:
        opened.close()
    return lines


# ---------------------------------------------------------------------------- print queue


class PrintJobUnknown(Refused):
    """No job of that id waits in the print queue (printed, cancelled or mistyped)."""

    def __init__(self, job_id: str) -> None:
        super().__init__(
            f"Impression inconnue : {job_id} n'est pas dans la file d'attente "
            "(voir « caisse devices queue »).",
            f"Unknown print job: {job_id} is not in the print queue (see 'caisse devices queue').",
        )
        self.job_id = job_id


@dataclass(frozen=True, slots=True)
class QueuedJob:
    """A ticket waiting in the print queue, as the cashier sees it."""

    job_id: str
    ticket: str
    created_at: str
    state: str
    attempts: int
    reason_fr: str

    @classmethod
    def of(cls, info: PrintJobInfo) -> QueuedJob:
        return cls(
            info.job_id,
            info.reference,
            info.created_at,
            str(info.state),
            info.attempts,
            info.last_error_fr or "en attente d'impression",
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "job": self.job_id,
            "ticket": self.ticket,
            "created_at": self.created_at,
            "state": self.state,
            "attempts": self.attempts,
            "reason": self.reason_fr,
        }

    def line(self) -> str:
        return f"{self.job_id}  {self.ticket:<24} {self.created_at}  {self.reason_fr}"


def spool_queue(settings: Settings) -> PrintQueue:
    """The print queue spooled in the data directory (the one `build_printing` uses)."""
    return PrintQueue(settings.data_dir / SPOOL_DIR)


def queued_jobs(settings: Settings) -> list[QueuedJob]:
    """The tickets still waiting (failed or interrupted), oldest first; no printer is opened."""
    if not (settings.data_dir / SPOOL_DIR).is_dir():
        return []
    return [QueuedJob.of(info) for info in spool_queue(settings).jobs()]


def _queued(queue: PrintQueue, job_id: str) -> QueuedJob:
    try:
        return QueuedJob.of(queue.get(job_id).info())
    except PrintJobNotFound:
        raise PrintJobUnknown(job_id) from None


def _ticket_gseq(context: TillContext, ticket: str) -> int | None:
    with context.uow() as uow:
        ref = uow.sales.find_ticket(ticket)
    return None if ref is None else ref.gseq


def retry_jobs(
    context: TillContext, printing: Printing, job_ids: Sequence[str] | None
) -> list[QueuedJob]:
    """Print waiting tickets again (`None`: every one, oldest first); returns those printed.

    A success writes no record (the ticket's own record already stands) and is logged. The
    first failure stops: it is traced as JET 190 and the job stays queued.

    Raises:
        PrintJobUnknown: a job id not in the queue (nothing is printed).
        DeviceFailed: the printer failed (the printer's sentence); earlier jobs printed.
    """
    spooler = printing.spooler
    jobs = (
        [QueuedJob.of(info) for info in spooler.jobs()]
        if job_ids is None
        else [_queued(spooler.queue, job_id) for job_id in job_ids]
    )
    printed: list[QueuedJob] = []
    for job in jobs:
        try:
            spooler.retry(job.job_id)
        except PrintJobNotFound:
            raise PrintJobUnknown(job.job_id) from None
        except HardwareError as exc:
            context.log_event(
                Jet.PRINTER_FAILURE,
                {"ticket": job.ticket, "error": exc.fr, "job": job.job_id, "retry": True},
                related_gseq=_ticket_gseq(context, job.ticket),
            )
            raise DeviceFailed("printer", exc) from exc
        logger.info("print job %s (%s) reprinted from the queue", job.job_id, job.ticket)
        printed.append(job)
    return printed


def cancel_job(
    context: TillContext,
    queue: PrintQueue,
    session: OperatorSession,
    job_id: str,
    reason: str,
) -> QueuedJob:
    """Give up a waiting ticket, traced as JET 191 (ticket, reason, operator) first.

    Raises:
        PermissionDenied: the operator may not reprint (the right that covers the queue).
        InvalidInput: no reason given.
        PrintJobUnknown: no such job.
    """
    require(session, Right.REPRINT)
    if not reason.strip():
        raise InvalidInput(
            "Donnez la raison de l'annulation de l'impression (--reason).",
            "Give the reason for cancelling the print job (--reason).",
        )
    job = _queued(queue, job_id)
    context.log_event(
        Jet.NOT_PRINTED,
        {"ticket": job.ticket, "reason": reason.strip(), "job": job.job_id, "error": job.reason_fr},
        operator=session.as_body(),
        related_gseq=_ticket_gseq(context, job.ticket),
    )
    try:
        queue.cancel(job.job_id)
    except PrintJobNotFound:
        logger.info("print job %s left the queue while it was cancelled", job.job_id)
    logger.info("print job %s (%s) cancelled by %s", job.job_id, job.ticket, session.id)
    return job
