"""The slices of the services the manager menu, the status bar and the scale dialog call.

`ClosureService`, `CashService` and `CheckoutService` fit the first three as they are; the
composition root (`caisse.app.till_desks`) adapts the print queue, the X report ticket and
the scale, which sit on devices the UI never touches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from caisse.domain.cash import CashCount, CashOp
from caisse.services.cash import CashResult
from caisse.services.checkout import TicketResult
from caisse.services.closures import ClosureResult
from caisse.services.operators import OperatorSession


class Closures(Protocol):
    """Z, M and Y closures (`ClosureService`)."""

    def close_day(self, session: OperatorSession) -> list[ClosureResult]: ...

    def close_month(self, session: OperatorSession) -> list[ClosureResult]: ...

    def close_year(self, session: OperatorSession) -> list[ClosureResult]: ...


class Cash(Protocol):
    """The drawer's cash session (`CashService`)."""

    def session_status(self) -> dict[str, Any] | None: ...

    def open_session(
        self, operator: OperatorSession, count: CashCount, note: str = ""
    ) -> CashResult: ...

    def movement(
        self,
        operator: OperatorSession,
        op: CashOp,
        amount_cents: int,
        reason: str = "",
        approver: OperatorSession | None = None,
    ) -> CashResult: ...

    def count(
        self,
        operator: OperatorSession,
        cash: CashCount,
        others: Mapping[str, int] | None = None,
        justification: str | None = None,
    ) -> CashResult: ...


class TicketDesk(Protocol):
    """Duplicates, training mode and the drawer without a sale (`CheckoutService`)."""

    def reprint(
        self, session: OperatorSession, ticket_no: str, reason: str = "", channel: str = "paper"
    ) -> TicketResult: ...

    def set_training(self, session: OperatorSession, on: bool) -> None: ...

    def open_drawer(
        self, session: OperatorSession, reason: str, approver: OperatorSession | None = None
    ) -> None: ...

    def training_supervisor(self) -> str | None: ...


class XReports(Protocol):
    """The X report (figures and ticket) and the closure tickets, on the till's printer."""

    def x_report(self, now: datetime | None = None) -> dict[str, Any]: ...

    def print_x(self) -> None:
        """Print the X ticket. Raises PrinterFailed, or Refused when there is no printer."""
        ...

    def print_closure(self, gseq: int) -> None:
        """Print a Z, M or Y ticket. Raises as `print_x`."""
        ...


@dataclass(frozen=True, slots=True)
class PrintJobView:
    """A ticket waiting in the print queue."""

    job_id: str
    ticket: str
    created_at: str
    attempts: int
    reason_fr: str


class PrintQueueDesk(Protocol):
    """The tickets that did not print: list, retry, cancel (JET 190/191 in the adapter)."""

    def jobs(self) -> list[PrintJobView]: ...

    def retry(self, job_id: str) -> None:
        """Print it again. Raises Refused with the printer's sentence; the job stays."""
        ...

    def cancel(self, session: OperatorSession, job_id: str, reason: str) -> None: ...


class ScaleReadingView(Protocol):
    """What one scale answer looks like to the screen (`caisse.app.till_desks.ScaleView`)."""

    @property
    def grams(self) -> int: ...

    @property
    def usable(self) -> bool: ...

    @property
    def reason_fr(self) -> str: ...

    @property
    def reason_en(self) -> str: ...


class Weighing(Protocol):
    """The till's scale, with the metrology rules (stable only, shown first, never twice)."""

    def read(self, unit_price_cents: int, label: str) -> ScaleReadingView:
        """Ask the scale once; the reading is now the one shown (and on the customer display).

        Raises:
            Refused: the scale cannot be reached (one sentence).
        """
        ...

    def register(self, reading: ScaleReadingView, unit_price_cents: int) -> int:
        """The grams to sell for the reading last shown.

        Raises:
            Refused: unstable, negative, over capacity, below the minimum, or already used.
        """
        ...

    def release(self) -> None:
        """The weighed line was voided: the load on the pan may be registered again."""
        ...


@dataclass(frozen=True, slots=True)
class ArchivePeriodView:
    """A closed month or fiscal year that can be archived."""

    period: str
    """What `ArchiveDesk.export` takes: ``YYYY-MM`` or ``YYYY`` (the fiscal year's start)."""
    label: str
    archived: bool


@dataclass(frozen=True, slots=True)
class ArchiveDoneView:
    """A signed archive written and recorded (A record, JET 130)."""

    path: str
    period: str
    records: int
    manifest_sha256: str


class ArchiveDesk(Protocol):
    """The signed archives of closed periods (nf525.md §6.10), for the manager menu."""

    def periods(self) -> list[ArchivePeriodView]:
        """The closed months and fiscal years, newest first."""
        ...

    def export(self, session: OperatorSession, period: str) -> ArchiveDoneView:
        """Write and record the archive of `period`.

        Raises:
            PermissionDenied: the operator may not close periods.
        """
        ...
