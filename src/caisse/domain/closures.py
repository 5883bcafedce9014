"""Closures (Z day, M month, Y fiscal year): periods, the business day and the closure totals.

A Z covers every record after the previous Z, up to the record just before itself, and its
period is one business date (the local calendar date of its records). An M lists the Zs
written since the previous M and sums them; a Y lists the Ms since the previous Y and sums
them (nf525.md §6.3 and §6.5). The body layout built here is what `caisse_verif` recomputes.

Exception tree (all under `caisse.domain.errors.Refused`)::

    Refused
    ├── PeriodClosed          a sale or cash operation dated in a closed period
    ├── AlreadyClosed         closing a period twice
    └── BusinessDayExpired    the business day is longer than its maximum: close it first
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

from caisse.domain.errors import IntegrityError, InvalidInput, Refused

TICKET_OPS: Final = ("SALE", "REFUND", "CANCEL")
VOID_CODES: Final = ("60", "61", "62")
"""JET codes counted as voids in a closure: ticket voided, line voided, quantity decreased."""
FISCAL_TICKET_KINDS: Final = frozenset("TF")
DATED_KINDS: Final = frozenset("TFXP")
"""Kinds whose business date must fall in an open period."""
DEFAULT_FISCAL_YEAR_START: Final = "01-01"
WARN_BEFORE: Final = timedelta(minutes=30)

_MMDD_RE: Final = re.compile(r"(?P<m>[0-9]{2})-(?P<d>[0-9]{2})")


def french_date(iso: str) -> str:
    """2026-03-15 → 15/03/2026."""
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


class PeriodClosed(Refused):
    def __init__(self, business_date: str) -> None:
        super().__init__(
            f"La journée du {french_date(business_date)} est clôturée : aucune vente ni "
            "opération de caisse ne peut plus y être enregistrée.",
            f"The business day {business_date} is closed: no sale or cash operation can be "
            "recorded in it any more.",
        )
        self.business_date = business_date


class AlreadyClosed(Refused):
    def __init__(self, what_fr: str, what_en: str) -> None:
        super().__init__(
            f"{what_fr} : rien n'a été modifié.", f"{what_en} is already closed: nothing changed."
        )


class BusinessDayExpired(Refused):
    def __init__(self, started_local: str, hours: float) -> None:
        super().__init__(
            f"La journée commerciale ouverte le {started_local} dépasse sa durée maximale "
            f"({hours:g} h) : faites la clôture journalière (Z) avant d'encaisser.",
            f"The business day opened on {started_local} is past its maximum length "
            f"({hours:g} h): run the daily closure (Z) before taking payments.",
        )


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True, slots=True)
class FiscalYearStart:
    """The first day of every fiscal year, as month and day (``"07-01"``: 1 July)."""

    month: int
    day: int

    @classmethod
    def parse(cls, text: str) -> FiscalYearStart:
        """Parse ``MM-DD``, where DD must be 01.

        note: a fiscal year starting mid-month would split a month between two years, and
        then neither M = ΣZ within a month nor Y = ΣM within a year could hold; French
        fiscal years start on the first of a month in practice.

        Raises:
            InvalidInput: not MM-DD, or not the first day of a month.
        """
        match = _MMDD_RE.fullmatch(text.strip())
        if match is None or not 1 <= int(match["m"]) <= 12 or match["d"] != "01":
            raise InvalidInput(
                f"Début d'exercice invalide : {text!r} (format MM-JJ, le premier jour d'un "
                "mois, par ex. 07-01).",
                f"Invalid fiscal year start: {text!r} (MM-DD, the first day of a month, "
                "e.g. 07-01).",
            )
        return cls(int(match["m"]), 1)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True, slots=True)
class Period:
    """A closed or closable period: its level and first and last business dates."""

    level: str  # "Z", "M" or "Y"
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.level == "Z":
            return self.start.isoformat()
        if self.level == "M":
            return self.start.strftime("%Y-%m")
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def as_body(self) -> dict[str, str]:
        body = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.level == "Z":
            body |= {"type": "day", "business_date": self.start.isoformat()}
        elif self.level == "M":
            body |= {"type": "month", "month": self.label}
        else:
            body |= {"type": "fiscal_year"}
        return body

    def names(self) -> tuple[str, str]:
        """The sentence "<period> is already closed" in French, and the name in English."""
        if self.level == "Z":
            return (
                f"La journée du {french_date(self.label)} est déjà clôturée",
                f"The day {self.label}",
            )
        if self.level == "M":
            return f"Le mois {self.label} est déjà clôturé", f"The month {self.label}"
        return (
            f"L'exercice du {french_date(self.start.isoformat())} au "
            f"{french_date(self.end.isoformat())} est déjà clôturé",
            f"The fiscal year {self.label}",
        )


def business_date(moment: datetime, tz: ZoneInfo) -> date:
    """The business date of an aware instant: its local calendar date."""
    return moment.astimezone(tz).date()


def day_period(day: date) -> Period:
    return Period("Z", day, day)


def month_period(day: date) -> Period:
    last = calendar.monthrange(day.year, day.month)[1]
    return Period("M", day.replace(day=1), day.replace(day=last))


def fiscal_year_period(day: date, start: FiscalYearStart) -> Period:
    """The fiscal year holding `day` (it need not be the calendar year)."""
    first = date(day.year, start.month, start.day)
    if day < first:
        first = date(day.year - 1, start.month, start.day)
    following = date(first.year + 1, start.month, start.day)
    return Period("Y", first, following - timedelta(days=1))


# --------------------------------------------------------------------------- business day


class DayState(StrEnum):
    NOT_STARTED = "not_started"
    OPEN = "open"
    WARNING = "warning"
    EXPIRED = "expired"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class DayStatus:
    """Where the business day stands; the UI polls it to warn before the limit.

    Attributes:
        business_date: today's business date.
        state: not started, open, warning (30 min before the limit), expired (payments are
            blocked until the Z) or closed.
        started_at: the first sale or cash operation of the open day (UTC), if any.
        deadline: when payments stop being accepted.
        closure_due: an earlier period is waiting for its automatic closure.
    """

    business_date: str
    state: DayState
    started_at: datetime | None
    deadline: datetime | None
    closure_due: bool = False

    def as_json(self, now: datetime) -> dict[str, Any]:
        left = None
        if self.deadline is not None:
            left = max(0, int((self.deadline - now).total_seconds() // 60))
        return {
            "business_date": self.business_date,
            "state": str(self.state),
            "started_at": None if self.started_at is None else self.started_at.isoformat(),
            "deadline": None if self.deadline is None else self.deadline.isoformat(),
            "minutes_left": left,
            "closure_due": self.closure_due,
        }


def day_status(
    today: date,
    *,
    closed: bool,
    started_at: datetime | None,
    now: datetime,
    max_length: timedelta,
    warn_before: timedelta = WARN_BEFORE,
    closure_due: bool = False,
) -> DayStatus:
    """The business day's state at `now` (pure: the service supplies the facts)."""
    iso = today.isoformat()
    if closed:
        return DayStatus(iso, DayState.CLOSED, started_at, None, closure_due)
    if started_at is None:
        return DayStatus(iso, DayState.NOT_STARTED, None, None, closure_due)
    deadline = started_at + max_length
    if now >= deadline:
        state = DayState.EXPIRED
    elif now >= deadline - warn_before:
        state = DayState.WARNING
    else:
        state = DayState.OPEN
    return DayStatus(iso, state, started_at, deadline, closure_due)


# --------------------------------------------------------------------------- Z totals


def _triple() -> list[int]:
    return [0, 0, 0]


class PeriodTotals:
    """Folds the records of a Z's gseq range into the totals of its body.

    Fed with every record of the range in gseq order (bodies parsed); `as_body` gives the
    blocks that the Z holds and that the verifier recomputes: counts, VAT per rate split into
    sales and returns, payments per method net of change, cash movements, training, the
    period GT, the first and last ticket and the range itself.
    """

    def __init__(self) -> None:
        self.records: dict[str, int] = {}
        self.tickets = dict.fromkeys(TICKET_OPS, 0)
        self.training_ops = dict.fromkeys(TICKET_OPS, 0)
        self.voids = dict.fromkeys(VOID_CODES, 0)
        # rate -> [sales ht, tva, ttc, returns ht, tva, ttc]
        self.vat: dict[int, list[int]] = {}
        self.payments: dict[str, int] = {}
        self.movements: dict[str, list[int]] = {}
        self.training_count = 0
        self.training_amount = 0
        self.first_ticket: dict[str, Any] | None = None
        self.last_ticket: dict[str, Any] | None = None
        self.gseq_from: int | None = None
        self.gseq_to: int | None = None
        self.head_hash: str | None = None
        self.first_date: str | None = None
        self.last_date: str | None = None

    @property
    def fiscal_records(self) -> int:
        return sum(self.records.get(k, 0) for k in DATED_KINDS)

    def add(self, kind: str, gseq: int, token_hash: str, body: Mapping[str, Any]) -> None:
        """Fold one record.

        Raises:
            IntegrityError: a T, F, X, P or J body lacks the fields a closure needs.
        """
        if self.gseq_from is None:
            self.gseq_from = gseq
        self.gseq_to = gseq
        self.head_hash = token_hash
        self.records[kind] = self.records.get(kind, 0) + 1
        try:
            if kind in FISCAL_TICKET_KINDS:
                self._ticket(gseq, token_hash, body)
            elif kind == "X":
                op = body["op"]
                self.training_ops[op] += 1
                self.training_count += 1
                self.training_amount += int(body["total_ttc_cents"])
                self._date(body)
            elif kind == "P":
                entry = self.movements.setdefault(str(body["op"]), [0, 0])
                entry[0] += 1
                entry[1] += int(body["total_cents"])
                self._date(body)
            elif kind == "J":
                code = str(body.get("code"))
                if code in self.voids:
                    self.voids[code] += 1
        except (KeyError, TypeError, ValueError) as exc:
            raise IntegrityError(
                f"record {gseq} ({kind}) lacks a field a closure needs: {exc!r}"
            ) from exc

    def _date(self, body: Mapping[str, Any]) -> None:
        day = str(body["business_date"])
        if self.first_date is None:
            self.first_date = day
        self.last_date = day

    def _ticket(self, gseq: int, token_hash: str, body: Mapping[str, Any]) -> None:
        op = body["op"]
        self.tickets[op] += 1
        offset = 0 if op == "SALE" else 3
        vat = self.vat
        for entry in body["vat"]:
            slot = vat.get(entry["rate_bp"])
            if slot is None:
                slot = vat[entry["rate_bp"]] = [0, 0, 0, 0, 0, 0]
            slot[offset] += entry["ht"]
            slot[offset + 1] += entry["tva"]
            slot[offset + 2] += entry["ttc"]
        payments = self.payments
        for pay in body["payments"]:
            payments[pay["method"]] = payments.get(pay["method"], 0) + pay["amount_cents"]
        change = body.get("change_cents", 0)
        if change:
            # note: change is only ever handed back in cash (domain.sale.settle)
            payments["CASH"] = payments.get("CASH", 0) - change
        ref = {"gseq": gseq, "number": body["ticket_no"], "token_hash": token_hash}
        if self.first_ticket is None:
            self.first_ticket = ref
        self.last_ticket = ref
        self._date(body)

    def as_body(self) -> dict[str, Any]:
        sales, returns = _triple(), _triple()
        vat_list = []
        for rate in sorted(self.vat):
            s = self.vat[rate]
            vat_list.append(_vat_entry(rate, s[0:3], s[3:6]))
            for i in range(3):
                sales[i] += s[i]
                returns[i] += s[3 + i]
        net = [sales[i] + returns[i] for i in range(3)]
        return {
            "counts": {
                "records": dict(sorted(self.records.items())),
                "tickets": dict(self.tickets),
                "training": dict(self.training_ops),
                "voids": dict(self.voids),
            },
            "vat": vat_list,
            "totals": {"sales": _hts(sales), "returns": _hts(returns), "net": _hts(net)},
            "payments": [
                {"method": m, "amount_cents": a} for m, a in sorted(self.payments.items())
            ],
            "cash_movements": [
                {"op": op, "count": c, "amount_cents": a}
                for op, (c, a) in sorted(self.movements.items())
            ],
            "training": {"count": self.training_count, "amount_cents": self.training_amount},
            "period_gt": net[2],
            "first_ticket": self.first_ticket,
            "last_ticket": self.last_ticket,
            "gseq_from": self.gseq_from,
            "gseq_to": self.gseq_to,
        }


def _hts(values: Sequence[int]) -> dict[str, int]:
    return {"ht": values[0], "tva": values[1], "ttc": values[2]}


def _vat_entry(rate: int, sales: Sequence[int], returns: Sequence[int]) -> dict[str, Any]:
    return {
        "rate_bp": rate,
        "sales": _hts(sales),
        "returns": _hts(returns),
        "net": _hts([sales[i] + returns[i] for i in range(3)]),
    }


def sum_closures(children: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The totals of an M from its Zs, or of a Y from its Ms (same blocks as `as_body`).

    Raises:
        IntegrityError: a child body lacks a block.
    """
    records: dict[str, int] = {}
    tickets = dict.fromkeys(TICKET_OPS, 0)
    training_ops = dict.fromkeys(TICKET_OPS, 0)
    voids = dict.fromkeys(VOID_CODES, 0)
    vat: dict[int, list[int]] = {}
    payments: dict[str, int] = {}
    movements: dict[str, list[int]] = {}
    training = [0, 0]
    first: Any = None
    last: Any = None
    gseq_from: Any = None
    gseq_to: Any = None
    try:
        for child in children:
            counts = child["counts"]
            for target, source in (
                (records, counts["records"]),
                (tickets, counts["tickets"]),
                (training_ops, counts["training"]),
                (voids, counts["voids"]),
            ):
                for key, n in source.items():
                    target[key] = target.get(key, 0) + n
            for entry in child["vat"]:
                slot = vat.setdefault(entry["rate_bp"], [0, 0, 0, 0, 0, 0])
                for i, part in enumerate(("sales", "returns")):
                    for j, name in enumerate(("ht", "tva", "ttc")):
                        slot[3 * i + j] += entry[part][name]
            for pay in child["payments"]:
                payments[pay["method"]] = payments.get(pay["method"], 0) + pay["amount_cents"]
            for mov in child["cash_movements"]:
                slot2 = movements.setdefault(mov["op"], [0, 0])
                slot2[0] += mov["count"]
                slot2[1] += mov["amount_cents"]
            training[0] += child["training"]["count"]
            training[1] += child["training"]["amount_cents"]
            if first is None:
                first = child["first_ticket"]
            if child["last_ticket"] is not None:
                last = child["last_ticket"]
            if gseq_from is None:
                gseq_from = child["gseq_from"]
            if child["gseq_to"] is not None:
                gseq_to = child["gseq_to"]
    except (KeyError, TypeError) as exc:
        raise IntegrityError(f"a closure body lacks a block: {exc!r}") from exc
    sales, returns = _triple(), _triple()
    vat_list = []
    for rate in sorted(vat):
        s = vat[rate]
        vat_list.append(_vat_entry(rate, s[0:3], s[3:6]))
        for i in range(3):
            sales[i] += s[i]
            returns[i] += s[3 + i]
    net = [sales[i] + returns[i] for i in range(3)]
    return {
        "counts": {
            "records": dict(sorted(records.items())),
            "tickets": tickets,
            "training": training_ops,
            "voids": voids,
        },
        "vat": vat_list,
        "totals": {"sales": _hts(sales), "returns": _hts(returns), "net": _hts(net)},
        "payments": [{"method": m, "amount_cents": a} for m, a in sorted(payments.items())],
        "cash_movements": [
            {"op": op, "count": c, "amount_cents": a} for op, (c, a) in sorted(movements.items())
        ],
        "training": {"count": training[0], "amount_cents": training[1]},
        "period_gt": net[2],
        "first_ticket": first,
        "last_ticket": last,
        "gseq_from": gseq_from,
        "gseq_to": gseq_to,
    }


def vat_token(totals: Mapping[str, Any]) -> tuple[tuple[int, int], ...]:
    """The core's VAT token of a closure: net TTC per rate, ascending."""
    return tuple((int(v["rate_bp"]), int(v["net"]["ttc"])) for v in totals["vat"])
