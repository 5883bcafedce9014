"""What the till's status bar shows: the sync link and the ticket printer, behind two ports.

The screens poll these sources through the task runner; the sources only return what they
already know (no device or network I/O in the call), so a poll never waits on a slow printer
or a dead network. The sync worker feeds a `SyncStatusSource` when it exists (sync issue);
until then the till runs `LocalOnly`. The composition root adapts the printer's device worker
to a `PrinterStatusSource`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

logger = logging.getLogger(__name__)


class SyncLink(StrEnum):
    LOCAL_ONLY = "local_only"  # no sync server configured
    ONLINE = "online"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """The sync link as the cashier sees it.

    Args:
        link: local only, online or offline.
        offline_since: ISO local time of the last successful exchange when offline.
        pending: records written locally and not yet acknowledged by the server.
        stopped: pushing stopped until the till is enrolled again (fork, clone, defect,
            revocation): an alarm, not a passing outage.
    """

    link: SyncLink = SyncLink.LOCAL_ONLY
    offline_since: str | None = None
    pending: int = 0
    stopped: bool = False


class SyncStatusSource(Protocol):
    """Fed by the sync worker; read by the status bar."""

    def sync_status(self) -> SyncStatus: ...


class LocalOnly:
    """The source of a till without a sync server."""

    def sync_status(self) -> SyncStatus:
        return SyncStatus()


class PrinterState(StrEnum):
    NONE = "none"  # no printer configured
    OK = "ok"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    ERROR = "error"
    UNKNOWN = "unknown"  # not probed yet


@dataclass(frozen=True, slots=True)
class PrinterStatusView:
    """The ticket printer as the cashier sees it.

    Args:
        state: the last state known.
        detail_fr: the printer's own French sentence for a fault (empty when fine).
        waiting_jobs: tickets still in the print queue (failed or interrupted).
    """

    state: PrinterState
    detail_fr: str = ""
    waiting_jobs: int = 0


class PrinterStatusSource(Protocol):
    """The printer's last known state; asking never blocks on the device."""

    def printer_status(self) -> PrinterStatusView: ...


class NoPrinter:
    """The source of a till that prints nothing."""

    def printer_status(self) -> PrinterStatusView:
        return PrinterStatusView(PrinterState.NONE)
