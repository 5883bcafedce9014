"""Closures: the X report, Z/M/Y records (manual or automatic) and the closure guard.

The guard (`before_record`) runs before every sale, refund and cash operation: it first writes
every closure that is due (a past business day still open, a month or a fiscal year that has
ended), then refuses a record dated in a closed period, and payments once the business day is
longer than its maximum (nf525.md §3.4, §6.5, R18, R22).

Which records a closure covers:
- Z: every record after the previous Z up to the record just before itself (`gseq_from`,
  `gseq_to`), for one business date;
- M: the Zs written since the previous M, all in one month;
- Y: the Ms written since the previous Y, all in one fiscal year.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from caisse.domain.closures import (
    AlreadyClosed,
    BusinessDayExpired,
    DayState,
    DayStatus,
    FiscalYearStart,
    Period,
    PeriodClosed,
    PeriodTotals,
    business_date,
    day_period,
    day_status,
    fiscal_year_period,
    month_period,
    sum_closures,
    vat_token,
)
from caisse.domain.errors import IntegrityError, InvalidInput
from caisse.services.context import TillContext
from caisse.services.jet import Jet
from caisse.services.journal_writer import AppendContext, Draft
from caisse.services.operators import OperatorSession, Right, require
from caisse.services.ports import ClosureRecord, DatedRecord, JournalEntry, UnitOfWork
from caisse.services.receipts import company_block
from caisse_verif.record import signature_extract

logger = logging.getLogger(__name__)

DEFAULT_MAX_DAY = timedelta(hours=24)
FISCAL_YEAR_KEY = "fiscal_year_start"
MAX_DAY_KEY = "business_day_max_minutes"


@dataclass(frozen=True, slots=True)
class ClosureResult:
    """A closure that was written: what the manager and the command line are told."""

    gseq: int
    kind: str
    kseq: int
    number: str
    period: str
    trigger: str
    net_ttc_cents: int
    gt: int
    gt_abs: int
    extract: str
    token_sha256: str

    def as_json(self) -> dict[str, Any]:
        return {
            "gseq": self.gseq,
            "kind": self.kind,
            "kseq": self.kseq,
            "number": self.number,
            "period": self.period,
            "trigger": self.trigger,
            "net_ttc_cents": self.net_ttc_cents,
            "gt_perpetual": self.gt,
            "gt_perpetual_abs": self.gt_abs,
            "signature_extract": self.extract,
            "token_sha256": self.token_sha256,
        }


@dataclass(frozen=True, slots=True)
class _Calendar:
    """What the projections say about closures, read in one transaction."""

    last_z: ClosureRecord | None
    last_m: ClosureRecord | None
    last_y: ClosureRecord | None
    open_last: DatedRecord | None  # the latest T, X or P record after the last Z

    @property
    def closed_through(self) -> date | None:
        ends = [c.period_to for c in (self.last_z, self.last_m, self.last_y) if c is not None]
        return date.fromisoformat(max(ends)) if ends else None

    @property
    def z_gseq(self) -> int:
        return 0 if self.last_z is None else self.last_z.gseq

    def is_closed(self, day: date) -> bool:
        closed = self.closed_through
        return closed is not None and day <= closed

    def has_closure(self, period: Period) -> bool:
        """Whether `period` already has its closure: any closure for a day, else its level's.

        note: the last day of a month closed by its Z does not close the month itself, nor
        does the last month of a fiscal year close the year.
        """
        if period.level == "Z":
            return self.is_closed(period.end)
        covering = (self.last_m, self.last_y) if period.level == "M" else (self.last_y,)
        ends = [c.period_to for c in covering if c is not None]
        return bool(ends) and max(ends) >= period.end.isoformat()


def _to_utc(ts_utc: str) -> datetime:
    return datetime.strptime(ts_utc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


class ClosureService:
    """Writes Z, M and Y records and keeps sales out of closed periods."""

    def __init__(
        self,
        till: TillContext,
        *,
        fiscal_year_start: str = "01-01",
        max_day: timedelta = DEFAULT_MAX_DAY,
    ) -> None:
        """Bind the till and the closure settings.

        Raises:
            InvalidInput: a fiscal year start that is not MM-01, or a business day that is
                not between 1 and 24 hours.
        """
        if not timedelta(hours=1) <= max_day <= timedelta(hours=24):
            raise InvalidInput(
                "La durée maximale d'une journée commerciale doit être de 1 à 24 heures.",
                "The maximum length of a business day must be 1 to 24 hours.",
            )
        self._till = till
        self.fiscal_start = FiscalYearStart.parse(fiscal_year_start)
        self.max_day = max_day
        # (business date, gseq of the latest closure, start of the open day) when known
        self._cache: tuple[date, int, datetime] | None = None
        self._parameters_recorded = False

    def record_parameters(self) -> bool:
        """Log JET 100 when the fiscal year start or the business day's length changed.

        The first values are stored without an event (they are the activation's). Returns
        whether an event was written.
        """
        values = {
            FISCAL_YEAR_KEY: str(self.fiscal_start),
            MAX_DAY_KEY: str(int(self.max_day.total_seconds() // 60)),
        }
        entry = None
        with self._till.uow() as uow:
            for key, value in values.items():
                recorded = uow.state.get(key)
                if recorded == value:
                    continue
                if recorded is not None:
                    entry = self._till.event(
                        uow, Jet.FISCAL_PARAMETER, {"parameter": key, "from": recorded, "to": value}
                    )
                uow.state.set(key, value)
            self._till.commit(uow, entry)
        self._parameters_recorded = True
        return entry is not None

    # ------------------------------------------------------------------ the calendar

    def _calendar(self, uow: UnitOfWork) -> _Calendar:
        closures = uow.closures
        last_z = closures.last("Z")
        return _Calendar(
            last_z=last_z,
            last_m=closures.last("M"),
            last_y=closures.last("Y"),
            open_last=closures.last_dated_after(0 if last_z is None else last_z.gseq),
        )

    def _due(self, cal: _Calendar, today: date) -> Period | None:
        """The next closure due at `today`, oldest level first (Z, then M, then Y)."""
        closed = cal.closed_through
        if cal.open_last is not None:
            day = date.fromisoformat(cal.open_last.business_date)
            # note: a record dated in an already closed period (only a bypassed guard can
            # write one) is folded into the next Z instead of closing that day twice.
            if day < today and (closed is None or day > closed):
                return day_period(day)
        last_z, last_m, last_y = cal.last_z, cal.last_m, cal.last_y
        if last_z is not None and (last_m is None or last_z.gseq > last_m.gseq):
            month = month_period(date.fromisoformat(last_z.period_to))
            if month.end < today:
                return month
        if last_m is not None and (last_y is None or last_m.gseq > last_y.gseq):
            year = fiscal_year_period(date.fromisoformat(last_m.period_from), self.fiscal_start)
            if year.end < today:
                return year
        return None

    def _status(self, uow: UnitOfWork, cal: _Calendar, now: datetime) -> DayStatus:
        today = business_date(now, self._till.tz)
        started: datetime | None = None
        if cal.open_last is not None and cal.open_last.business_date == today.isoformat():
            first = uow.closures.first_dated_on(today.isoformat(), cal.z_gseq)
            started = None if first is None else _to_utc(first.ts_utc)
        return day_status(
            today,
            closed=cal.is_closed(today),
            started_at=started,
            now=now,
            max_length=self.max_day,
            closure_due=self._due(cal, today) is not None,
        )

    def day_status(self, now: datetime | None = None) -> DayStatus:
        """Where the business day stands (read-only; the UI polls it to warn in time)."""
        moment = now or self._till.clock.now()
        with self._till.uow() as uow:
            return self._status(uow, self._calendar(uow), moment)

    # ------------------------------------------------------------------ automatic closures

    def ensure_closed_up_to(self, now: datetime) -> list[ClosureResult]:
        """Write every closure due at `now`: past business days, ended months and years.

        Raises:
            SignerUnavailable, ClockWentBackwards: the closure could not be written.
            IntegrityError: a record of the period cannot be read.
        """
        today = business_date(now, self._till.tz)
        written: list[ClosureResult] = []
        while True:
            with self._till.uow() as uow:
                cal = self._calendar(uow)
                period = self._due(cal, today)
                if period is None:
                    return written
                result = self._write(uow, cal, period, "automatic", None)
            logger.info("automatic closure %s %s (gseq %s)", result.kind, period.label, result.gseq)
            written.append(result)

    def before_record(self, *, payment: bool = True) -> None:
        """The guard before a sale, refund (payment) or cash operation.

        Raises:
            PeriodClosed: today's business date is already closed.
            BusinessDayExpired: a payment after the business day's maximum length.
        """
        if not self._parameters_recorded:
            self.record_parameters()
        now = self._till.clock.now()
        today = business_date(now, self._till.tz)
        status: DayStatus | None = None
        with self._till.uow() as uow:
            latest = uow.closures.last()
            latest_gseq = 0 if latest is None else latest.gseq
            cache = self._cache
            if cache is not None and cache[0] == today and cache[1] == latest_gseq:
                # note: nothing was closed since, and the open day already started today, so
                # only the clock moved: no closure can be due and the start is unchanged.
                # One look-up instead of seven (this guard runs before every sale).
                status = day_status(
                    today, closed=False, started_at=cache[2], now=now, max_length=self.max_day
                )
            else:
                cal = self._calendar(uow)
                if self._due(cal, today) is None:
                    status = self._status(uow, cal, now)
                    if status.started_at is not None and status.state is not DayState.CLOSED:
                        self._cache = (today, latest_gseq, status.started_at)
        if status is None:
            self.ensure_closed_up_to(now)
            status = self.day_status(now)
        self._refuse(status, payment=payment)

    def guard_in(self, uow: UnitOfWork, *, payment: bool = True) -> bool:
        """`before_record` inside the caller's transaction, when its usual answer is known.

        Returns False when the full guard must run first (the first record of a day, a
        closure written since, a day not yet started): the caller then calls `before_record`,
        which writes what is due in its own transactions, and opens a new one.

        note: a sale used to pay a transaction of its own for this guard (BEGIN IMMEDIATE, one
        look-up, ROLLBACK) before its real one; reading the last closure in the sale's own
        transaction gives the same answer, under the same write lock, for a tenth of the cost.

        Raises:
            PeriodClosed, BusinessDayExpired: as `before_record`.
        """
        cache = self._cache
        if cache is None or not self._parameters_recorded:
            return False
        now = self._till.clock.now()
        today = business_date(now, self._till.tz)
        latest = uow.closures.last()
        if cache[0] != today or cache[1] != (0 if latest is None else latest.gseq):
            return False
        status = day_status(
            today, closed=False, started_at=cache[2], now=now, max_length=self.max_day
        )
        self._refuse(status, payment=payment)
        return True

    def _refuse(self, status: DayStatus, *, payment: bool) -> None:
        if status.state is DayState.CLOSED:
            raise PeriodClosed(status.business_date)
        if payment and status.state is DayState.EXPIRED and status.started_at is not None:
            started = status.started_at.astimezone(self._till.tz).strftime("%d/%m/%Y à %H:%M")
            raise BusinessDayExpired(started, self.max_day.total_seconds() / 3600)

    def before_sale(self) -> None:
        """`before_record` for a sale or refund (the checkout's hook)."""
        self.before_record(payment=True)

    # ------------------------------------------------------------------ manual closures

    def close_day(self, session: OperatorSession) -> list[ClosureResult]:
        """Close today's business day (Z), after any closure still due.

        Raises:
            PermissionDenied: the operator may not close.
            AlreadyClosed: today is already closed; nothing is written.
        """
        require(session, Right.CLOSE)
        now = self._till.clock.now()
        period = day_period(business_date(now, self._till.tz))
        self._refuse_closed(period)
        written = self.ensure_closed_up_to(now)
        written.append(self._manual(period, session))
        return written

    def close_month(self, session: OperatorSession) -> list[ClosureResult]:
        """Close the current month (its last Z if sales are open, then M).

        Nothing more can be recorded this month afterwards.

        Raises:
            PermissionDenied, AlreadyClosed.
        """
        require(session, Right.CLOSE)
        now = self._till.clock.now()
        today = business_date(now, self._till.tz)
        month = month_period(today)
        self._refuse_closed(month)
        written = self.ensure_closed_up_to(now)
        written.extend(self._close_open_day(today, session))
        written.append(self._manual(month, session))
        return written

    def close_year(self, session: OperatorSession) -> list[ClosureResult]:
        """Close the current fiscal year (Z and M still open, then Y).

        Raises:
            PermissionDenied, AlreadyClosed.
        """
        require(session, Right.CLOSE)
        now = self._till.clock.now()
        today = business_date(now, self._till.tz)
        year = fiscal_year_period(today, self.fiscal_start)
        self._refuse_closed(year)
        written = self.ensure_closed_up_to(now)
        written.extend(self._close_open_day(today, session))
        month = month_period(today)
        with self._till.uow() as uow:
            month_open = not self._calendar(uow).has_closure(month)
        if month_open:
            written.append(self._manual(month, session))
        written.append(self._manual(year, session))
        return written

    def _refuse_closed(self, period: Period) -> None:
        if not self._parameters_recorded:
            self.record_parameters()
        with self._till.uow() as uow:
            closed = self._calendar(uow).has_closure(period)
        if closed:
            raise AlreadyClosed(*period.names())

    def _close_open_day(self, today: date, session: OperatorSession) -> list[ClosureResult]:
        with self._till.uow() as uow:
            cal = self._calendar(uow)
            if cal.open_last is None or cal.is_closed(today):
                return []
            return [self._write(uow, cal, day_period(today), "manual", session)]

    def _manual(self, period: Period, session: OperatorSession) -> ClosureResult:
        with self._till.uow() as uow:
            cal = self._calendar(uow)
            if cal.has_closure(period):
                raise AlreadyClosed(*period.names())
            return self._write(uow, cal, period, "manual", session)

    # ------------------------------------------------------------------ writing

    def _write(
        self,
        uow: UnitOfWork,
        cal: _Calendar,
        period: Period,
        trigger: str,
        session: OperatorSession | None,
    ) -> ClosureResult:
        """Compute, sign, append, project and commit one closure (in the open unit of work)."""
        if period.level == "Z":
            previous = cal.last_z
            totals = self._z_totals(uow, cal.z_gseq + 1)
            included: list[dict[str, Any]] | None = None
        else:
            child_kind = "Z" if period.level == "M" else "M"
            previous = cal.last_m if period.level == "M" else cal.last_y
            children = uow.closures.since(child_kind, 0 if previous is None else previous.gseq)
            bodies = [self._body_of(uow, c.gseq) for c in children]
            totals = sum_closures(bodies)
            included = [
                {"kind": c.kind, "kseq": c.kseq, "gseq": c.gseq, "token_hash": c.token_sha256}
                for c in children
            ]
        head = uow.journal.head()
        if head is None:
            raise IntegrityError("a closure needs a journal")
        period_gt = int(totals.pop("period_gt"))
        software = self._till.software

        def build(ctx: AppendContext) -> Draft:
            body: dict[str, Any] = {
                "number": ctx.number,
                "ts_utc": ctx.ts_utc,
                "ts_local": ctx.local.isoformat(),
                "till": ctx.till.till_id,
                "store": ctx.till.store_id,
                "company": company_block(ctx),
                "kid": ctx.till.kid,
                "period": period.as_body(),
                "trigger": trigger,
                "operator": None if session is None else session.as_body(),
                **totals,
                "gt": {
                    "period": period_gt,
                    "perpetual": ctx.gt_before,
                    "perpetual_abs": ctx.gt_abs_before,
                },
                "chain_head": {"gseq": head.gseq, "token_hash": head.token_sha256},
                "previous": None
                if previous is None
                else {
                    "gseq": previous.gseq,
                    "kseq": previous.kseq,
                    "token_hash": previous.token_sha256,
                },
                "software": software.as_body(),
                "cert_ref": software.cert_ref,
            }
            if included is not None:
                body["included"] = included
            return Draft(
                body=body,
                total_cents=period_gt,
                vat=vat_token(totals),
                ref=None if previous is None else previous.gseq,
            )

        entry, draft = self._till.append(uow, period.level, build)
        uow.closures.add(
            ClosureRecord(
                gseq=entry.gseq,
                kind=entry.kind,
                kseq=entry.kseq,
                period_from=period.start.isoformat(),
                period_to=period.end.isoformat(),
                gseq_from=totals["gseq_from"],
                gseq_to=totals["gseq_to"],
                net_ttc_cents=period_gt,
                gt=head.gt,
                gt_abs=head.gt_abs,
                token_sha256=entry.token_sha256,
            )
        )
        self._till.commit(uow, entry)
        return self._result(entry, draft, period, trigger, head.gt, head.gt_abs, period_gt)

    @staticmethod
    def _result(
        entry: JournalEntry,
        draft: Draft,
        period: Period,
        trigger: str,
        gt: int,
        gt_abs: int,
        net: int,
    ) -> ClosureResult:
        return ClosureResult(
            gseq=entry.gseq,
            kind=entry.kind,
            kseq=entry.kseq,
            number=str(draft.body["number"]),
            period=period.label,
            trigger=trigger,
            net_ttc_cents=net,
            gt=gt,
            gt_abs=gt_abs,
            extract=signature_extract(entry.sig),
            token_sha256=entry.token_sha256,
        )

    @staticmethod
    def _z_totals(uow: UnitOfWork, start: int) -> dict[str, Any]:
        totals = PeriodTotals()
        loads = json.loads
        for e in uow.journal.iter_from(start):
            totals.add(e.kind, e.gseq, e.token_sha256, loads(e.body))
        return totals.as_body()

    @staticmethod
    def _body_of(uow: UnitOfWork, gseq: int) -> dict[str, Any]:
        entry = uow.journal.get(gseq)
        if entry is None:
            raise IntegrityError(f"closure record {gseq} is missing from the journal")
        body: dict[str, Any] = json.loads(entry.body)
        return body

    # ------------------------------------------------------------------ X report

    def x_report(
        self, now: datetime | None = None, *, cash_session: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The X report: the open period's figures at any time; read-only, writes nothing."""
        moment = now or self._till.clock.now()
        with self._till.uow() as uow:
            cal = self._calendar(uow)
            status = self._status(uow, cal, moment)
            totals = self._z_totals(uow, cal.z_gseq + 1)
            head = uow.journal.head()
            till = uow.till.get()
            recent = uow.closures.recent(3)
        period_gt = totals.pop("period_gt")
        return {
            "report": "X",
            "till": None if till is None else till.till_id,
            "generated_at": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "business_date": status.business_date,
            "day": status.as_json(moment),
            **totals,
            "gt": {
                "period": period_gt,
                "perpetual": 0 if head is None else head.gt,
                "perpetual_abs": 0 if head is None else head.gt_abs,
            },
            "last_closures": [
                {
                    "kind": c.kind,
                    "kseq": c.kseq,
                    "gseq": c.gseq,
                    "from": c.period_from,
                    "to": c.period_to,
                    "net_ttc_cents": c.net_ttc_cents,
                }
                for c in recent
            ],
            "cash_session": None if cash_session is None else dict(cash_session),
        }

    def closure_body(self, gseq: int) -> dict[str, Any]:
        """The body of a closure record (for printing or showing it again)."""
        with self._till.uow() as uow:
            return self._body_of(uow, gseq)
