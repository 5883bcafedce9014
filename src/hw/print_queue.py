"""The print queue: a job stays until it printed or the cashier cancelled it, across restarts.

`PrintQueue` keeps jobs in memory and in a small spool directory (one JSON file per job,
written atomically), so that a failed ticket survives a restart of the till. `PrintSpooler`
puts a document in the queue, prints it on the device worker, and removes it only after the
printer said it printed; a failure leaves the job queued (FAILED, with the French reason) and
raises. The cashier then retries or cancels it: never a silent "printed".
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from hw.errors import DeviceTimeout, HardwareError, PrintJobNotFound, ProtocolError
from hw.ports import (
    Align,
    Barcode,
    BarcodeSymbology,
    Columns,
    Cut,
    DrawerKick,
    DrawerPin,
    Feed,
    Logo,
    PrintJobInfo,
    PrintJobState,
    QrCode,
    QrErrorLevel,
    ReceiptPrinter,
    Separator,
    Table,
    TextLine,
    TicketDocument,
    TicketElement,
)
from hw.worker import DeviceWorker

logger = logging.getLogger(__name__)

SPOOL_VERSION: Final = 1

_ELEMENTS: Final[Mapping[str, type[Any]]] = {
    cls.__name__: cls
    for cls in (TextLine, Columns, Separator, Feed, Barcode, QrCode, Logo, Cut, DrawerKick, Table)
}
_ENUMS: Final[Mapping[str, Callable[[Any], Any]]] = {
    "align": Align,
    "symbology": BarcodeSymbology,
    "error_level": QrErrorLevel,
    "pin": DrawerPin,
}


# ---------------------------------------------------------------- (de)serialisation


def document_to_json(document: TicketDocument) -> dict[str, Any]:
    """A JSON-ready dict of a document (round-trips through `document_from_json`)."""
    return {
        "version": SPOOL_VERSION,
        "reference": document.reference,
        "elements": [{"type": type(e).__name__, **asdict(e)} for e in document.elements],
    }


def _element(raw: Mapping[str, Any]) -> TicketElement:
    cls = _ELEMENTS.get(str(raw.get("type")))
    if cls is None:
        raise ProtocolError(f"unknown element type {raw.get('type')!r} in spool")
    fields = {k: v for k, v in raw.items() if k != "type"}
    for key, convert in _ENUMS.items():
        if key in fields:
            fields[key] = convert(fields[key])
    if cls is Table:
        fields["rows"] = tuple(tuple(row) for row in fields.get("rows", ()))
        fields["header"] = tuple(fields.get("header", ()))
        fields["aligns"] = tuple(Align(a) for a in fields.get("aligns", ()))
    element: TicketElement = cls(**fields)
    return element


def document_from_json(raw: Mapping[str, Any]) -> TicketDocument:
    """The document of `document_to_json`.

    Raises:
        ProtocolError: not a spooled document of a known version.
    """
    if raw.get("version") != SPOOL_VERSION:
        raise ProtocolError(f"spool version {raw.get('version')!r} unknown")
    try:
        elements = tuple(_element(e) for e in raw["elements"])
        return TicketDocument(elements, str(raw.get("reference", "")))
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"spooled document unreadable: {exc}") from exc


# ---------------------------------------------------------------- the queue


@dataclass(frozen=True, slots=True)
class PrintJob:
    """A document waiting to be printed (or that failed and waits for the cashier)."""

    job_id: str
    document: TicketDocument
    created_at: str
    state: PrintJobState = PrintJobState.PENDING
    attempts: int = 0
    last_error_fr: str = ""

    def info(self) -> PrintJobInfo:
        return PrintJobInfo(
            self.job_id,
            self.document.reference,
            self.state,
            self.attempts,
            self.created_at,
            self.last_error_fr,
        )


_counter = itertools.count()


def _new_id() -> str:
    # note: sortable by creation (nanoseconds, then a process counter), unique across restarts.
    return f"{time.time_ns():020d}-{next(_counter):06d}-{uuid.uuid4().hex[:8]}"


class PrintQueue:
    """Jobs by id, mirrored to `spool_dir` (None keeps them in memory only).

    A job found in the spool at start-up was either failed or interrupted by a crash: it is
    loaded as FAILED, for the cashier to reprint or cancel.
    """

    def __init__(
        self, spool_dir: Path | None = None, now: Callable[[], datetime] | None = None
    ) -> None:
        self._dir = spool_dir
        self._now = now or (lambda: datetime.now(UTC))
        self._jobs: dict[str, PrintJob] = {}
        self._lock = threading.Lock()
        if spool_dir is not None:
            spool_dir.mkdir(parents=True, exist_ok=True)
            self._load()

    def _path(self, job_id: str) -> Path:
        if self._dir is None:
            raise RuntimeError("this print queue has no spool directory")
        return self._dir / f"{job_id}.json"

    def _load(self) -> None:
        if self._dir is None:
            return
        for path in sorted(self._dir.glob("*.json")):
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                job = PrintJob(
                    job_id=str(raw["job_id"]),
                    document=document_from_json(raw["document"]),
                    created_at=str(raw["created_at"]),
                    state=PrintJobState.FAILED,
                    attempts=int(raw.get("attempts", 0)),
                    last_error_fr=str(raw.get("last_error_fr", ""))
                    or "Impression interrompue (arrêt de la caisse) : réimprimez ou annulez.",
                )
            except (OSError, ValueError, KeyError, TypeError, ProtocolError) as exc:
                logger.warning("unreadable spool file %s set aside: %s", path, exc)
                with contextlib.suppress(OSError):
                    path.replace(path.with_suffix(".bad"))
                continue
            self._jobs[job.job_id] = job

    def _save(self, job: PrintJob) -> None:
        if self._dir is None:
            return
        path = self._path(job.job_id)
        tmp = path.with_suffix(".tmp")
        data = {
            "job_id": job.job_id,
            "created_at": job.created_at,
            "state": str(job.state),
            "attempts": job.attempts,
            "last_error_fr": job.last_error_fr,
            "document": document_to_json(job.document),
        }
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    def _drop(self, job_id: str) -> None:
        if self._dir is not None:
            with contextlib.suppress(FileNotFoundError):
                self._path(job_id).unlink()

    # -------------------------------------------------------------- operations
    def add(self, document: TicketDocument) -> PrintJob:
        """Queue a document (spooled before anything is sent to the printer)."""
        job = PrintJob(_new_id(), document, self._now().isoformat(timespec="seconds"))
        with self._lock:
            self._jobs[job.job_id] = job
            self._save(job)
        return job

    def get(self, job_id: str) -> PrintJob:
        """Raises: PrintJobNotFound."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise PrintJobNotFound(job_id)
        return job

    def mark_printed(self, job_id: str) -> PrintJobInfo:
        with self._lock:
            job = self._jobs.pop(job_id, None)
            self._drop(job_id)
        if job is None:
            raise PrintJobNotFound(job_id)
        return replace(job, state=PrintJobState.PRINTED, attempts=job.attempts + 1).info()

    def mark_failed(self, job_id: str, error: HardwareError) -> PrintJobInfo:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise PrintJobNotFound(job_id)
            job = replace(
                job, state=PrintJobState.FAILED, attempts=job.attempts + 1, last_error_fr=error.fr
            )
            self._jobs[job_id] = job
            self._save(job)
        return job.info()

    def cancel(self, job_id: str) -> PrintJobInfo:
        """Drop a job the cashier gave up on. Raises: PrintJobNotFound."""
        with self._lock:
            job = self._jobs.pop(job_id, None)
            self._drop(job_id)
        if job is None:
            raise PrintJobNotFound(job_id)
        return replace(job, state=PrintJobState.CANCELLED).info()

    def jobs(self) -> list[PrintJobInfo]:
        """Every job still queued, oldest first."""
        with self._lock:
            return [self._jobs[k].info() for k in sorted(self._jobs)]


class PrintSpooler:
    """Prints through the queue on the device worker.

    Args:
        printer: the device (called on the worker only).
        queue: where jobs wait.
        worker: the device thread.
        timeout: how long a caller waits for one job before it is reported failed.
    """

    def __init__(
        self,
        printer: ReceiptPrinter,
        queue: PrintQueue,
        worker: DeviceWorker,
        *,
        timeout: float | None = 60.0,
    ) -> None:
        self.printer = printer
        self.queue = queue
        self.worker = worker
        self.timeout = timeout

    def _attempt(self, job: PrintJob) -> PrintJobInfo:
        def run() -> None:
            self.printer.print_document(job.document)

        timed_out = False
        try:
            if self.worker.on_worker_thread:
                run()
            else:
                future = self.worker.submit(run)
                try:
                    future.result(self.timeout)
                except TimeoutError as exc:
                    timed_out = True
                    error = DeviceTimeout(f"no answer within {self.timeout} s")
                    self._failed(job, error)
                    # note: the job may still finish on the worker; if it does, it leaves the
                    # queue then (the cashier was told "not printed" and finds it gone).
                    future.add_done_callback(lambda f: self._finished_late(job.job_id, f))
                    raise error from exc
        except HardwareError as exc:
            if not timed_out:
                self._failed(job, exc)
            raise
        return self.queue.mark_printed(job.job_id)

    def _failed(self, job: PrintJob, error: HardwareError) -> None:
        logger.warning("print job %s (%s) failed: %s", job.job_id, job.document.reference, error)
        self.queue.mark_failed(job.job_id, error)

    def _finished_late(self, job_id: str, future: Future[None]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        with contextlib.suppress(PrintJobNotFound):
            self.queue.mark_printed(job_id)
            logger.info("print job %s printed after its timeout", job_id)

    def print(self, document: TicketDocument) -> PrintJobInfo:
        """Queue and print a document.

        Raises:
            HardwareError: it did not print; the job stays queued for retry or cancel.
        """
        return self._attempt(self.queue.add(document))

    def retry(self, job_id: str) -> PrintJobInfo:
        """Print a queued job again.

        Raises:
            PrintJobNotFound: no such job (printed or cancelled meanwhile).
            HardwareError: it failed again (still queued).
        """
        return self._attempt(self.queue.get(job_id))

    def cancel(self, job_id: str) -> PrintJobInfo:
        return self.queue.cancel(job_id)

    def jobs(self) -> list[PrintJobInfo]:
        return self.queue.jobs()
