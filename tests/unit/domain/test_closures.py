"""Closures in the domain: periods, fiscal years, the business day and the closure totals."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caisse.domain.closures import (
    AlreadyClosed,
    BusinessDayExpired,
    DayState,
    FiscalYearStart,
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
from tests.unit.domain.strategies import assert_bilingual

PARIS = ZoneInfo("Europe/Paris")

# ------------------------------------------------------------------ periods


def test_business_dates_are_local() -> None:
    # 23:30 UTC on 14 March is already 15 March in Paris (UTC+1)
    assert business_date(datetime(2026, 3, 14, 23, 30, tzinfo=UTC), PARIS) == date(2026, 3, 15)
    # summer time: 22:30 UTC on 1 July is 00:30 on 2 July
    assert business_date(datetime(2026, 7, 1, 22, 30, tzinfo=UTC), PARIS) == date(2026, 7, 2)


def test_months() -> None:
    feb = month_period(date(2028, 2, 10))
    assert (feb.start, feb.end, feb.label) == (date(2028, 2, 1), date(2028, 2, 29), "2028-02")
    assert feb.as_body() == {
        "type": "month",
        "month": "2028-02",
        "from": "2028-02-01",
        "to": "2028-02-29",
    }
    day = day_period(date(2026, 3, 15))
    assert day.as_body()["business_date"] == "2026-03-15"


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2025, 7, 1), date(2025, 7, 1), date(2026, 6, 30)),
        (date(2026, 6, 30), date(2025, 7, 1), date(2026, 6, 30)),
        (date(2026, 1, 15), date(2025, 7, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 7, 1), date(2027, 6, 30)),
    ],
)
def test_a_fiscal_year_from_july_to_june(day: date, start: date, end: date) -> None:
    year = fiscal_year_period(day, FiscalYearStart.parse("07-01"))
    assert (year.start, year.end) == (start, end)
    assert year.label == f"{start.isoformat()}/{end.isoformat()}"


def test_the_default_fiscal_year_is_the_calendar_year() -> None:
    year = fiscal_year_period(date(2026, 3, 15), FiscalYearStart.parse("01-01"))
    assert (year.start, year.end) == (date(2026, 1, 1), date(2026, 12, 31))


@pytest.mark.parametrize("text", ["07-15", "13-01", "7-1", "00-01", "02-29", "juillet", ""])
def test_fiscal_years_start_on_the_first_of_a_month(text: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        FiscalYearStart.parse(text)
    assert_bilingual(excinfo)


@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.integers(1, 12))
def test_months_nest_in_fiscal_years(day: date, month: int) -> None:
    year = fiscal_year_period(day, FiscalYearStart(month, 1))
    m = month_period(day)
    assert year.start <= m.start <= m.end <= year.end
    assert year.contains(day)
    assert (year.end - year.start).days in (364, 365)


def test_refusals_say_one_sentence_in_each_language() -> None:
    for error in (
        PeriodClosed("2026-03-15"),
        AlreadyClosed(*day_period(date(2026, 3, 15)).names()),
        AlreadyClosed(*month_period(date(2026, 3, 15)).names()),
        BusinessDayExpired("15/03/2026 à 07:00", 12),
    ):
        assert error.fr != error.en
        assert error.fr.count(". ") == 0
    assert "15/03/2026" in PeriodClosed("2026-03-15").fr


# ------------------------------------------------------------------ the business day

START = datetime(2026, 3, 15, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("elapsed", "state"),
    [
        (timedelta(0), DayState.OPEN),
        (timedelta(hours=11, minutes=29), DayState.OPEN),
        (timedelta(hours=11, minutes=30), DayState.WARNING),
        (timedelta(hours=11, minutes=59), DayState.WARNING),
        (timedelta(hours=12), DayState.EXPIRED),
    ],
)
def test_warning_thirty_minutes_before_then_expired(elapsed: timedelta, state: DayState) -> None:
    status = day_status(
        date(2026, 3, 15),
        closed=False,
        started_at=START,
        now=START + elapsed,
        max_length=timedelta(hours=12),
    )
    assert status.state is state
    assert status.deadline == START + timedelta(hours=12)
    assert status.as_json(START + elapsed)["state"] == str(state)


def test_a_day_not_started_or_closed() -> None:
    today = date(2026, 3, 15)
    common: dict[str, Any] = {"now": START, "max_length": timedelta(hours=24)}
    assert day_status(today, closed=False, started_at=None, **common).state is (
        DayState.NOT_STARTED
    )
    closed = day_status(today, closed=True, started_at=START, **common)
    assert closed.state is DayState.CLOSED
    assert closed.as_json(START)["minutes_left"] is None


# ------------------------------------------------------------------ totals


def ticket(
    op: str,
    lines: list[tuple[int, int, int]],
    payments: list[tuple[str, int]],
    change: int,
    n: int,
    day: str = "2026-03-15",
) -> dict[str, Any]:
    """A T body with only what a closure reads: vat (rate, ht, ttc), payments, change."""
    return {
        "op": op,
        "ticket_no": f"TILL01-T-{n:06d}",
        "business_date": day,
        "vat": [{"rate_bp": r, "ht": ht, "tva": ttc - ht, "ttc": ttc} for r, ht, ttc in lines],
        "total_ttc_cents": sum(ttc for _, _, ttc in lines),
        "payments": [{"method": m, "amount_cents": a} for m, a in payments],
        "change_cents": change,
    }


def test_period_totals_split_sales_and_returns_and_net_the_change() -> None:
    totals = PeriodTotals()
    totals.add("J", 1, "h1", {"code": 61})
    totals.add(
        "T", 2, "h2", ticket("SALE", [(550, 199, 210), (2000, 1000, 1200)], [("CASH", 1500)], 90, 1)
    )
    totals.add("T", 3, "h3", ticket("REFUND", [(550, -100, -105)], [("CASH", -105)], 0, 2))
    totals.add("X", 4, "h4", {"op": "SALE", "total_ttc_cents": 2450, "business_date": "2026-03-15"})
    totals.add("P", 5, "h5", {"op": "CASH_OUT", "total_cents": -500, "business_date": "2026-03-15"})
    body = totals.as_body()
    assert body["counts"] == {
        "records": {"J": 1, "P": 1, "T": 2, "X": 1},
        "tickets": {"SALE": 1, "REFUND": 1, "CANCEL": 0},
        "training": {"SALE": 1, "REFUND": 0, "CANCEL": 0},
        "voids": {"60": 0, "61": 1, "62": 0},
    }
    assert body["vat"][0] == {
        "rate_bp": 550,
        "sales": {"ht": 199, "tva": 11, "ttc": 210},
        "returns": {"ht": -100, "tva": -5, "ttc": -105},
        "net": {"ht": 99, "tva": 6, "ttc": 105},
    }
    assert body["payments"] == [{"method": "CASH", "amount_cents": 1500 - 90 - 105}]
    assert body["cash_movements"] == [{"op": "CASH_OUT", "count": 1, "amount_cents": -500}]
    assert body["training"] == {"count": 1, "amount_cents": 2450}
    assert body["period_gt"] == 1410 - 105
    assert body["first_ticket"]["gseq"] == 2
    assert body["last_ticket"] == {"gseq": 3, "number": "TILL01-T-000002", "token_hash": "h3"}
    assert (body["gseq_from"], body["gseq_to"]) == (1, 5)
    assert vat_token(body) == ((550, 105), (2000, 1200))


def test_a_ticket_without_its_fields_is_an_integrity_error() -> None:
    with pytest.raises(IntegrityError):
        PeriodTotals().add("T", 1, "h", {"op": "SALE"})


vat_lines = st.lists(
    st.tuples(st.sampled_from([0, 550, 1000, 2000]), st.integers(0, 10_000)),
    min_size=1,
    max_size=3,
)


@st.composite
def bodies(draw: st.DrawFn, n: int) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from("TTTXPJD"))
    if kind == "T":
        op = draw(st.sampled_from(["SALE", "REFUND", "CANCEL"]))
        sign = 1 if op == "SALE" else -1
        lines = [(r, sign * (ttc * 10000 // (10000 + r)), sign * ttc) for r, ttc in draw(vat_lines)]
        total = sum(ttc for _, _, ttc in lines)
        change = draw(st.integers(0, 500)) if sign > 0 else 0
        method = draw(st.sampled_from(["CASH", "CARD"]))
        return kind, ticket(op, lines, [(method, total + change)], change, n)
    if kind == "X":
        return kind, {
            "op": "SALE",
            "total_ttc_cents": draw(st.integers(0, 999)),
            "business_date": "2026-03-15",
        }
    if kind == "P":
        op = draw(st.sampled_from(["CASH_IN", "CASH_OUT", "OPEN"]))
        return kind, {
            "op": op,
            "total_cents": draw(st.integers(-999, 999)),
            "business_date": "2026-03-15",
        }
    return kind, {"code": draw(st.sampled_from([10, 40, 60, 61, 62]))}


@settings(max_examples=150, deadline=None)
@given(data=st.data(), cuts=st.lists(st.integers(0, 40), max_size=6))
def test_the_sum_of_the_zs_is_the_total_of_their_records(
    data: st.DataObject, cuts: list[int]
) -> None:
    records = [data.draw(bodies(n)) for n in range(1, data.draw(st.integers(0, 40)) + 1)]
    whole = PeriodTotals()
    for gseq, (kind, body) in enumerate(records, start=1):
        whole.add(kind, gseq, f"h{gseq}", body)
    bounds = sorted({0, len(records), *(c for c in cuts if c <= len(records))})
    zs = []
    for a, b in itertools.pairwise(bounds):
        part = PeriodTotals()
        for gseq in range(a + 1, b + 1):
            kind, body = records[gseq - 1]
            part.add(kind, gseq, f"h{gseq}", body)
        zs.append(part.as_body())
    assert sum_closures(zs) == whole.as_body()
    # a month of Zs sums again into a year
    assert sum_closures([sum_closures(zs)]) == sum_closures(zs)
