"""Z, M and Y closures through the real services, days and a fiscal year on a fake clock.

Every closure is checked twice: by the verifier (`verify_data_dir`), and by `recompute`, an
oracle of this file that rebuilds each closure's figures from the journal bodies with plain
dictionaries (no caisse or caisse_verif code).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from caisse.app.bootstrap import open_till
from caisse.app.settings import Settings
from caisse.domain.cash import CashCount, CashOp
from caisse.domain.closures import AlreadyClosed, BusinessDayExpired, DayState, PeriodClosed
from caisse.domain.sale import Payment, Tender
from caisse.services.checkout import TicketResult
from caisse.services.errors import PermissionDenied
from tests.fakes import FakeClock
from tests.integration.conftest import TillFixture, make_till
from tests.journal_helpers import journal_rows, projection_anomalies, verify_data_dir

pytestmark = pytest.mark.integration

Body = dict[str, Any]


# ------------------------------------------------------------------ the oracle


def hts(ht: int = 0, tva: int = 0, ttc: int = 0) -> dict[str, int]:
    return {"ht": ht, "tva": tva, "ttc": ttc}


def add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a[k] + b[k] for k in a}


def z_figures(rows: list[dict[str, Any]]) -> Body:
    """A Z's figures from the records of its range, as the format (nf525.md §6.3) says."""
    records: Counter[str] = Counter()
    tickets = dict.fromkeys(("SALE", "REFUND", "CANCEL"), 0)
    training_ops = dict.fromkeys(("SALE", "REFUND", "CANCEL"), 0)
    voids = dict.fromkeys(("60", "61", "62"), 0)
    vat: dict[int, dict[str, dict[str, int]]] = {}
    payments: dict[str, int] = {}
    moves: dict[str, list[int]] = {}
    training = {"count": 0, "amount_cents": 0}
    numbered: list[Body] = []
    for row in rows:
        body = json.loads(row["body"])
        records[row["kind"]] += 1
        if row["kind"] == "T":
            tickets[body["op"]] += 1
            part = "sales" if body["op"] == "SALE" else "returns"
            for v in body["vat"]:
                slot = vat.setdefault(v["rate_bp"], {"sales": hts(), "returns": hts()})
                slot[part] = add(slot[part], hts(v["ht"], v["tva"], v["ttc"]))
            for p in body["payments"]:
                payments[p["method"]] = payments.get(p["method"], 0) + p["amount_cents"]
            if body["change_cents"]:
                payments["CASH"] -= body["change_cents"]
            numbered.append(
                {
                    "gseq": row["gseq"],
                    "number": body["ticket_no"],
                    "token_hash": row["token_sha256"],
                }
            )
        elif row["kind"] == "X":
            training_ops[body["op"]] += 1
            training["count"] += 1
            training["amount_cents"] += body["total_ttc_cents"]
        elif row["kind"] == "P":
            moves.setdefault(body["op"], [0, 0])
            moves[body["op"]][0] += 1
            moves[body["op"]][1] += body["total_cents"]
        elif row["kind"] == "J" and str(body["code"]) in voids:
            voids[str(body["code"])] += 1
    return finish(
        records=dict(sorted(records.items())),
        tickets=tickets,
        training_ops=training_ops,
        voids=voids,
        vat=vat,
        payments=payments,
        moves=moves,
        training=training,
        first=numbered[0] if numbered else None,
        last=numbered[-1] if numbered else None,
        gseq_from=rows[0]["gseq"] if rows else None,
        gseq_to=rows[-1]["gseq"] if rows else None,
    )


def finish(
    *,
    records: dict[str, int],
    tickets: dict[str, int],
    training_ops: dict[str, int],
    voids: dict[str, int],
    vat: dict[int, dict[str, dict[str, int]]],
    payments: dict[str, int],
    moves: dict[str, list[int]],
    training: dict[str, int],
    first: Body | None,
    last: Body | None,
    gseq_from: int | None,
    gseq_to: int | None,
) -> Body:
    vat_list: list[dict[str, Any]] = [
        {"rate_bp": r, **v, "net": add(v["sales"], v["returns"])} for r, v in sorted(vat.items())
    ]
    sales, returns = hts(), hts()
    for v in vat_list:
        sales, returns = add(sales, v["sales"]), add(returns, v["returns"])
    return {
        "counts": {
            "records": records,
            "tickets": tickets,
            "training": training_ops,
            "voids": voids,
        },
        "vat": vat_list,
        "totals": {"sales": sales, "returns": returns, "net": add(sales, returns)},
        "payments": [{"method": m, "amount_cents": a} for m, a in sorted(payments.items())],
        "cash_movements": [
            {"op": op, "count": n, "amount_cents": a} for op, (n, a) in sorted(moves.items())
        ],
        "training": training,
        "first_ticket": first,
        "last_ticket": last,
        "gseq_from": gseq_from,
        "gseq_to": gseq_to,
        "period_gt": add(sales, returns)["ttc"],
    }


def summed(children: list[Body]) -> Body:
    """An M's figures from its Zs, or a Y's from its Ms."""
    records: Counter[str] = Counter()
    counts: dict[str, dict[str, int]] = {
        "tickets": dict.fromkeys(("SALE", "REFUND", "CANCEL"), 0),
        "training": dict.fromkeys(("SALE", "REFUND", "CANCEL"), 0),
        "voids": dict.fromkeys(("60", "61", "62"), 0),
    }
    vat: dict[int, dict[str, dict[str, int]]] = {}
    payments: dict[str, int] = {}
    moves: dict[str, list[int]] = {}
    training = {"count": 0, "amount_cents": 0}
    for child in children:
        records.update(child["counts"]["records"])
        for name, section in counts.items():
            for key, n in child["counts"][name].items():
                section[key] += n
        for v in child["vat"]:
            slot = vat.setdefault(v["rate_bp"], {"sales": hts(), "returns": hts()})
            slot["sales"] = add(slot["sales"], v["sales"])
            slot["returns"] = add(slot["returns"], v["returns"])
        for p in child["payments"]:
            payments[p["method"]] = payments.get(p["method"], 0) + p["amount_cents"]
        for m in child["cash_movements"]:
            moves.setdefault(m["op"], [0, 0])
            moves[m["op"]][0] += m["count"]
            moves[m["op"]][1] += m["amount_cents"]
        training = add(training, child["training"])
    firsts = [c["first_ticket"] for c in children if c["first_ticket"]]
    lasts = [c["last_ticket"] for c in children if c["last_ticket"]]
    froms = [c["gseq_from"] for c in children if c["gseq_from"] is not None]
    tos = [c["gseq_to"] for c in children if c["gseq_to"] is not None]
    return finish(
        records=dict(sorted(records.items())),
        tickets=counts["tickets"],
        training_ops=counts["training"],
        voids=counts["voids"],
        vat=vat,
        payments=payments,
        moves=moves,
        training=training,
        first=firsts[0] if firsts else None,
        last=lasts[-1] if lasts else None,
        gseq_from=froms[0] if froms else None,
        gseq_to=tos[-1] if tos else None,
    )


def recompute(data_dir: Path) -> dict[int, Body]:
    """Every closure of the journal, recomputed: gseq → the fields its body must hold."""
    rows = journal_rows(data_dir)
    expected: dict[int, Body] = {}
    last: dict[str, dict[str, Any]] = {}
    children: dict[str, list[dict[str, Any]]] = {"Z": [], "M": []}
    gt = gt_abs = 0
    z_start = 0  # index in rows of the first record after the previous Z
    for i, row in enumerate(rows):
        kind = row["kind"]
        body = json.loads(row["body"])
        if kind in "TF":
            gt, gt_abs = body["gt_after"], body["gt_abs_after"]
        if kind not in "ZMY":
            continue
        if kind == "Z":
            in_range = rows[z_start:i]
            figures = z_figures(in_range)
            z_start = i + 1
            # one business date per Z, the one it closes
            dated = {json.loads(r["body"])["business_date"] for r in in_range if r["kind"] in "TXP"}
            assert dated <= {body["period"]["business_date"]}, (row["gseq"], dated)
        else:
            child = "Z" if kind == "M" else "M"
            figures = summed([json.loads(c["body"]) for c in children[child]])
            figures["included"] = [
                {
                    "kind": child,
                    "kseq": c["kseq"],
                    "gseq": c["gseq"],
                    "token_hash": c["token_sha256"],
                }
                for c in children[child]
            ]
            children[child] = []
        previous = last.get(kind)
        figures["gt"] = {
            "period": figures.pop("period_gt"),
            "perpetual": gt,
            "perpetual_abs": gt_abs,
        }
        figures["chain_head"] = {"gseq": row["gseq"] - 1, "token_hash": rows[i - 1]["token_sha256"]}
        figures["previous"] = (
            None
            if previous is None
            else {
                "gseq": previous["gseq"],
                "kseq": previous["kseq"],
                "token_hash": previous["token_sha256"],
            }
        )
        figures["number"] = f"TILL01-{kind}-{row['kseq']:06d}"
        expected[row["gseq"]] = figures
        last[kind] = row
        if kind in "ZM":
            children[kind].append(row)
    return expected


def assert_closures_match(data_dir: Path) -> dict[int, Body]:
    """The verifier finds nothing, and each closure holds exactly the oracle's figures."""
    report = verify_data_dir(data_dir)
    assert report.ok, report.anomalies
    assert projection_anomalies(data_dir) == []
    bodies = {r["gseq"]: (r, json.loads(r["body"])) for r in journal_rows(data_dir)}
    expected = recompute(data_dir)
    for gseq, figures in expected.items():
        row, body = bodies[gseq]
        for name, value in figures.items():
            assert body[name] == value, (row["kind"], gseq, name)
        # the signed core says the same as the body
        fields = row["core"].split(",")
        assert int(fields[7]) == body["gt"]["period"]
        assert fields[8] == ("-" if body["previous"] is None else str(body["previous"]["gseq"]))
    return {g: bodies[g][1] for g in expected}


# ------------------------------------------------------------------ shop helpers


def shop_with(data_dir: Path, clock: FakeClock, **settings: Any) -> TillFixture:
    """The conftest till, reopened with the given settings."""
    shop = make_till(data_dir, clock)
    shop.till.close()
    shop.till = open_till(
        Settings(data_dir=data_dir, **settings), clock=clock, printer=shop.printer
    )
    return shop


PARIS = ZoneInfo("Europe/Paris")


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Paris wall-clock time (CET or CEST as the date says)."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def at_local(clock: FakeClock, when: datetime) -> None:
    """Move the fake clock to `when`, kept in UTC like every clock of the till."""
    clock.current = when.astimezone(UTC)


def sell(
    shop: TillFixture, *codes: str, pay: list[tuple[Tender, int]] | None = None
) -> TicketResult:
    shop.clock.advance(minutes=2)
    sale = shop.till.checkout.new_sale()
    for code in codes:
        shop.till.checkout.add_item(sale, code)
    for tender, amount in pay or [(Tender.CARD, sale.totals.total_ttc_cents)]:
        sale.add_payment(Payment(tender, amount))
    return shop.till.checkout.finalise(shop.cashier, sale)


def kinds(shop: TillFixture) -> list[str]:
    return [r["kind"] for r in journal_rows(shop.data_dir)]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 30, 6, 0, tzinfo=UTC))  # Monday 30 March, 08:00 Paris


@pytest.fixture
def shop(tmp_path: Path, clock: FakeClock) -> Any:
    fixture = make_till(tmp_path / "data", clock)
    yield fixture
    fixture.till.close()


# ------------------------------------------------------------------ days


def test_days_of_sales_close_automatically_and_match_the_oracle(
    shop: TillFixture, clock: FakeClock
) -> None:
    till = shop.till
    # Monday 30 March: float, sales with change, a refund, training, a void, cash movements
    till.cash.open_session(shop.cashier, CashCount.of_pieces([(2000, 2), (200, 10)]))
    a = sell(shop, "BAG", "VIN", pay=[(Tender.CASH, 2000)])
    sell(shop, "VIN", "SAN", pay=[(Tender.CARD, 1000), (Tender.CASH, 1000)])
    clock.advance(minutes=5)
    till.checkout.refund(shop.manager, a.number, [(2, None)], [Payment(Tender.CASH, -1200)])
    till.checkout.set_training(shop.manager, True)
    sell(shop, "VIN", pay=[(Tender.CASH, 1500)])
    till.checkout.set_training(shop.manager, False)
    open_sale = till.checkout.new_sale()
    till.checkout.add_item(open_sale, "SAN")
    till.checkout.add_item(open_sale, "BAG")
    till.checkout.void_line(shop.cashier, open_sale, 1, "erreur")
    open_sale.add_payment(Payment(Tender.CASH, 105))
    till.checkout.finalise(shop.cashier, open_sale)
    till.cash.movement(shop.manager, CashOp.CASH_IN, 1000, "monnaie")
    till.cash.movement(shop.manager, CashOp.SAFE_DROP, 3000)
    x_before = len(kinds(shop))
    x = till.closures.x_report(cash_session=till.cash.session_status())
    assert len(kinds(shop)) == x_before  # X writes nothing
    assert x["counts"]["tickets"] == {"SALE": 3, "REFUND": 1, "CANCEL": 0}
    assert x["training"] == {"count": 1, "amount_cents": 1200}
    assert "Z" not in kinds(shop)

    # Tuesday 31 March, 09:00: the first sale closes Monday first (automatic Z)
    at_local(clock, paris(2026, 3, 31, 9, 0))
    tuesday = sell(shop, "BAG", pay=[(Tender.CASH, 200)])
    journal = kinds(shop)
    assert journal.count("Z") == 1
    assert journal[tuesday.gseq - 2] == "Z"  # the Z just before Tuesday's first ticket
    z1 = json.loads(journal_rows(shop.data_dir)[tuesday.gseq - 2]["body"])
    assert z1["period"]["business_date"] == "2026-03-30"
    assert z1["trigger"] == "automatic"
    assert z1["gt"]["period"] == x["gt"]["period"]
    assert z1["payments"] == x["payments"]
    till.cash.movement(shop.manager, CashOp.BANK_DEPOSIT, 2000, "remise 1")
    # Tuesday evening the manager closes the day (and the month is not over yet)
    at_local(clock, paris(2026, 3, 31, 19, 30))
    written = till.closures.close_day(shop.manager)
    assert [(r.kind, r.period, r.trigger) for r in written] == [("Z", "2026-03-31", "manual")]
    with pytest.raises(PeriodClosed):
        sell(shop, "BAG")
    # Thursday 2 April: Wednesday had no sale (no Z), March is over: its M comes first
    at_local(clock, paris(2026, 4, 2, 10, 0))
    sell(shop, "VIN", "BAG")
    assert kinds(shop).count("M") == 1
    bodies = assert_closures_match(shop.data_dir)
    month = next(b for b in bodies.values() if b["period"]["type"] == "month")
    assert month["period"] == {
        "type": "month",
        "month": "2026-03",
        "from": "2026-03-01",
        "to": "2026-03-31",
    }
    assert [z["kind"] for z in month["included"]] == ["Z", "Z"]
    zs = [b for b in bodies.values() if b["period"]["type"] == "day"]
    assert month["gt"]["period"] == sum(z["gt"]["period"] for z in zs)
    assert month["gt"]["perpetual"] == zs[-1]["gt"]["perpetual"]
    assert zs[0]["gt"]["perpetual"] + zs[1]["gt"]["period"] == zs[1]["gt"]["perpetual"]


def test_closing_is_for_managers_and_only_once(shop: TillFixture, clock: FakeClock) -> None:
    sell(shop, "BAG")
    with pytest.raises(PermissionDenied):
        shop.till.closures.close_day(shop.cashier)
    shop.till.closures.close_day(shop.manager)
    size = len(kinds(shop))
    with pytest.raises(AlreadyClosed) as excinfo:
        shop.till.closures.close_day(shop.manager)
    assert "déjà clôturée" in excinfo.value.fr
    assert len(kinds(shop)) == size
    # nothing may be dated in the closed day, not even a refund or a training sale
    with pytest.raises(PeriodClosed):
        shop.till.checkout.refund(shop.manager, "TILL01-T-000001", None, [])
    shop.till.checkout.set_training(shop.manager, True)
    with pytest.raises(PeriodClosed):
        sell(shop, "BAG")
    assert shop.till.closures.day_status().state is DayState.CLOSED
    assert len(kinds(shop)) == size + 1  # only the JET 110 of training mode
    assert_closures_match(shop.data_dir)


def test_a_day_closed_by_another_till_instance_refuses_the_next_sale(
    shop: TillFixture, clock: FakeClock
) -> None:
    """The guard's answer read inside the sale transaction sees a Z written meanwhile.

    The till's guard remembers that the day is open; a manager closing the day from another
    process (the command line, a second window) must still stop the next sale.
    """
    sell(shop, "BAG")
    sell(shop, "VIN")  # the guard's cached answer is warm now
    other = open_till(Settings(data_dir=shop.data_dir), clock=clock)
    try:
        other.closures.close_day(other.operators.authenticate("paul", "5678"))
    finally:
        other.close()
    size = len(kinds(shop))
    with pytest.raises(PeriodClosed):
        sell(shop, "BAG")
    assert len(kinds(shop)) == size
    assert_closures_match(shop.data_dir)


def test_an_empty_day_can_be_closed_and_an_x_report_any_time(shop: TillFixture) -> None:
    empty = shop.till.closures.x_report()
    assert empty["gt"] == {"period": 0, "perpetual": 0, "perpetual_abs": 0}
    assert empty["day"]["state"] == "not_started"
    written = shop.till.closures.close_day(shop.manager)
    assert written[0].net_ttc_cents == 0
    assert_closures_match(shop.data_dir)


def test_manual_month_and_year_closures(tmp_path: Path, clock: FakeClock) -> None:
    shop = shop_with(tmp_path / "data", clock, fiscal_year_start="04-01")
    try:
        sell(shop, "VIN")
        # 31 March is the last day of the fiscal year 2025-04-01/2026-03-31
        at_local(clock, paris(2026, 3, 31, 18, 0))
        sell(shop, "BAG")
        written = shop.till.closures.close_year(shop.manager)
        assert [(r.kind, r.period) for r in written] == [
            ("Z", "2026-03-31"),
            ("M", "2026-03"),
            ("Y", "2025-04-01/2026-03-31"),
        ]
        assert {r.trigger for r in written} == {"manual"}
        assert kinds(shop).count("Z") == 2  # 30 March closed itself at the sale of the 31st
        with pytest.raises(AlreadyClosed):
            shop.till.closures.close_month(shop.manager)
        with pytest.raises(AlreadyClosed):
            shop.till.closures.close_year(shop.manager)
        at_local(clock, paris(2026, 4, 1, 9, 0))
        sell(shop, "BAG")
        assert shop.till.closures.close_month(shop.manager)[-1].period == "2026-04"
        with pytest.raises(PeriodClosed):
            sell(shop, "BAG")
        bodies = assert_closures_match(shop.data_dir)
        year = next(b for b in bodies.values() if b["period"]["type"] == "fiscal_year")
        assert (year["period"]["from"], year["period"]["to"]) == ("2025-04-01", "2026-03-31")
    finally:
        shop.till.close()


# ------------------------------------------------------------------ the business day


def test_a_business_day_warns_then_blocks_payments(tmp_path: Path, clock: FakeClock) -> None:
    shop = shop_with(tmp_path / "data", clock, business_day_max_hours=10)
    try:
        closures = shop.till.closures
        assert closures.day_status().state is DayState.NOT_STARTED
        at_local(clock, paris(2026, 3, 30, 8, 0))
        shop.till.cash.open_session(shop.cashier, CashCount.of_amount(5000))  # the day starts
        at_local(clock, paris(2026, 3, 30, 17, 29))
        assert closures.day_status().state is DayState.OPEN
        at_local(clock, paris(2026, 3, 30, 17, 30))
        status = closures.day_status()
        assert status.state is DayState.WARNING
        assert status.as_json(clock.now())["minutes_left"] == 30
        sell(shop, "BAG")  # still allowed during the warning
        at_local(clock, paris(2026, 3, 30, 18, 0))
        assert closures.day_status().state is DayState.EXPIRED
        with pytest.raises(BusinessDayExpired) as excinfo:
            sell(shop, "BAG")
        assert "clôture journalière" in excinfo.value.fr
        # counting the drawer and closing stay possible
        shop.till.cash.count(shop.cashier, CashCount.of_amount(5000), justification="test")
        closures.close_day(shop.manager)
        at_local(clock, paris(2026, 3, 31, 8, 0))
        sell(shop, "BAG")
        assert closures.day_status().state is DayState.OPEN
        assert_closures_match(shop.data_dir)
    finally:
        shop.till.close()


def test_the_setting_is_checked(tmp_path: Path, clock: FakeClock) -> None:
    from caisse.domain.errors import InvalidInput

    shop = make_till(tmp_path / "data", clock)
    shop.till.close()
    for bad in ({"fiscal_year_start": "07-15"}, {"business_day_max_hours": 0}):
        with pytest.raises(InvalidInput):
            open_till(Settings(data_dir=tmp_path / "data", **bad), clock=clock)


def test_changing_the_fiscal_year_or_the_day_length_is_a_jet_100(
    tmp_path: Path, clock: FakeClock
) -> None:
    shop = shop_with(tmp_path / "data", clock)
    sell(shop, "BAG")  # the first values are recorded silently
    shop.till.close()
    shop.till = open_till(
        Settings(data_dir=tmp_path / "data", fiscal_year_start="07-01", business_day_max_hours=12),
        clock=clock,
    )
    try:
        sell(shop, "BAG")
        events = [
            json.loads(r["body"])
            for r in journal_rows(shop.data_dir)
            if r["kind"] == "J" and json.loads(r["body"])["code"] == 100
        ]
        assert [
            (e["detail"]["parameter"], e["detail"]["from"], e["detail"]["to"]) for e in events
        ] == [
            ("fiscal_year_start", "01-01", "07-01"),
            ("business_day_max_minutes", "1440", "720"),
        ]
    finally:
        shop.till.close()


# ------------------------------------------------------------------ a fiscal year


def test_a_fiscal_year_from_july_to_june(tmp_path: Path) -> None:
    """A sale every few days from 1 July 2025 to 30 June 2026: 12 Ms, one Y, all verified."""
    clock = FakeClock(datetime(2025, 7, 1, 7, 0, tzinfo=UTC))
    shop = shop_with(tmp_path / "data", clock, fiscal_year_start="07-01")
    try:
        till = shop.till
        day = paris(2025, 7, 1, 10, 0)
        n = 0
        while day < paris(2026, 7, 1):
            at_local(clock, day)
            n += 1
            result = sell(shop, *(["VIN", "BAG"] if n % 2 else ["SAN"]), pay=[(Tender.CASH, 5000)])
            if n % 10 == 0:
                clock.advance(minutes=5)
                till.checkout.refund(
                    shop.manager, result.number, None, [Payment(Tender.CASH, -550)]
                )
            if n == 7:
                till.checkout.set_training(shop.manager, True)
                sell(shop, "BAG")
                till.checkout.set_training(shop.manager, False)
            day += timedelta(days=5)
        # the first operation of the new fiscal year closes the old one
        at_local(clock, paris(2026, 7, 1, 9, 0))
        till.cash.open_session(shop.cashier, CashCount.of_amount(10000))
        journal = kinds(shop)
        assert journal.count("Z") == n
        assert journal.count("M") == 12
        assert journal.count("Y") == 1
        bodies = assert_closures_match(shop.data_dir)
        year = next(b for b in bodies.values() if b["period"]["type"] == "fiscal_year")
        months = [b for b in bodies.values() if b["period"]["type"] == "month"]
        zs = [b for b in bodies.values() if b["period"]["type"] == "day"]
        assert year["period"] == {"type": "fiscal_year", "from": "2025-07-01", "to": "2026-06-30"}
        assert [m["period"]["month"] for m in months][:2] == ["2025-07", "2025-08"]
        assert months[-1]["period"]["month"] == "2026-06"
        # the perpetual grand total agrees at every level, and the sums hold
        assert year["gt"]["perpetual"] == months[-1]["gt"]["perpetual"] == zs[-1]["gt"]["perpetual"]
        assert year["gt"]["period"] == sum(m["gt"]["period"] for m in months)
        assert year["gt"]["period"] == sum(z["gt"]["period"] for z in zs) == year["gt"]["perpetual"]
        assert year["training"] == {"count": 1, "amount_cents": 105}
        assert year["counts"]["tickets"]["REFUND"] == n // 10
    finally:
        shop.till.close()
