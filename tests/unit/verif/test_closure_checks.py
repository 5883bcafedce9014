"""The verifier's closure checks: Z from its records, M from Zs, Y from Ms, closed periods.

Closure bodies are built here from the builder's own records with arithmetic of this file
(no caisse code), then tampered with and re-signed with the journal's key, so that only the
closure checks can notice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from caisse_verif.checks import CHECKS, Report, verify_records
from caisse_verif.record import StoredRecord
from tests.unit.verif.builder import (
    JournalBuilder,
    Line,
    edit_body,
    edit_core,
    rfc6979_key,
    with_body,
)

KEY = rfc6979_key()
BAGUETTE = Line("Baguette", 2000, 105, 550)
VIN = Line("Vin rouge", 1000, 1200, 2000)
DAY1 = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def found(report: Report) -> set[tuple[str, int | None]]:
    return {(a.check, a.gseq) for a in report.anomalies}


def checks(report: Report) -> set[str]:
    return {a.check for a in report.anomalies}


# ------------------------------------------------------------------ an oracle of this file


def parsed(j: JournalBuilder) -> list[tuple[int, str, dict[str, Any]]]:
    out = []
    for rec in j.records:
        fields = rec.core.split(",")
        out.append((int(fields[2]), fields[3], json.loads(rec.body)))
    return out


def hts(ht: int, tva: int, ttc: int) -> dict[str, int]:
    return {"ht": ht, "tva": tva, "ttc": ttc}


def sum_hts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a[k] + b[k] for k in ("ht", "tva", "ttc")}


def z_totals(records: list[tuple[int, str, dict[str, Any]]], j: JournalBuilder) -> dict[str, Any]:
    kinds: dict[str, int] = {}
    tickets = {"SALE": 0, "REFUND": 0, "CANCEL": 0}
    training_ops = {"SALE": 0, "REFUND": 0, "CANCEL": 0}
    voids = {"60": 0, "61": 0, "62": 0}
    vat: dict[int, dict[str, dict[str, int]]] = {}
    payments: dict[str, int] = {}
    moves: dict[str, list[int]] = {}
    training = [0, 0]
    tickets_seen: list[dict[str, Any]] = []
    for gseq, kind, body in records:
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind == "T":
            tickets[body["op"]] += 1
            part = "sales" if body["op"] == "SALE" else "returns"
            for v in body["vat"]:
                slot = vat.setdefault(
                    v["rate_bp"], {"sales": hts(0, 0, 0), "returns": hts(0, 0, 0)}
                )
                slot[part] = sum_hts(slot[part], hts(v["ht"], v["tva"], v["ttc"]))
            for p in body["payments"]:
                payments[p["method"]] = payments.get(p["method"], 0) + p["amount_cents"]
            payments["CASH"] = payments.get("CASH", 0) - body["change_cents"]
            tickets_seen.append(
                {"gseq": gseq, "number": body["ticket_no"], "token_hash": j.hashes[gseq]}
            )
        elif kind == "X":
            training_ops[body["op"]] += 1
            training[0] += 1
            training[1] += body["total_ttc_cents"]
        elif kind == "P":
            slot2 = moves.setdefault(body["op"], [0, 0])
            slot2[0] += 1
            slot2[1] += body["total_cents"]
        elif kind == "J" and str(body["code"]) in voids:
            voids[str(body["code"])] += 1
    vat_list: list[dict[str, Any]] = [
        {"rate_bp": r, **v, "net": sum_hts(v["sales"], v["returns"])}
        for r, v in sorted(vat.items())
    ]
    sales, returns = hts(0, 0, 0), hts(0, 0, 0)
    for v in vat_list:
        sales, returns = sum_hts(sales, v["sales"]), sum_hts(returns, v["returns"])
    return {
        "counts": {"records": kinds, "tickets": tickets, "training": training_ops, "voids": voids},
        "vat": vat_list,
        "totals": {"sales": sales, "returns": returns, "net": sum_hts(sales, returns)},
        "payments": [{"method": m, "amount_cents": a} for m, a in sorted(payments.items())],
        "cash_movements": [
            {"op": op, "count": c, "amount_cents": a} for op, (c, a) in sorted(moves.items())
        ],
        "training": {"count": training[0], "amount_cents": training[1]},
        "first_ticket": tickets_seen[0] if tickets_seen else None,
        "last_ticket": tickets_seen[-1] if tickets_seen else None,
        "gseq_from": records[0][0] if records else None,
        "gseq_to": records[-1][0] if records else None,
    }


def sum_children(children: list[dict[str, Any]]) -> dict[str, Any]:
    out = z_totals([], JournalBuilder(KEY))
    vat: dict[int, dict[str, Any]] = {}
    payments: dict[str, int] = {}
    moves: dict[str, list[int]] = {}
    for c in children:
        for section, values in c["counts"].items():
            for k, n in values.items():
                out["counts"][section][k] = out["counts"][section].get(k, 0) + n
        for v in c["vat"]:
            slot = vat.setdefault(v["rate_bp"], {"sales": hts(0, 0, 0), "returns": hts(0, 0, 0)})
            slot["sales"] = sum_hts(slot["sales"], v["sales"])
            slot["returns"] = sum_hts(slot["returns"], v["returns"])
        for p in c["payments"]:
            payments[p["method"]] = payments.get(p["method"], 0) + p["amount_cents"]
        for m in c["cash_movements"]:
            slot2 = moves.setdefault(m["op"], [0, 0])
            slot2[0] += m["count"]
            slot2[1] += m["amount_cents"]
        for k in ("count", "amount_cents"):
            out["training"][k] += c["training"][k]
    out["vat"] = [
        {"rate_bp": r, **v, "net": sum_hts(v["sales"], v["returns"])}
        for r, v in sorted(vat.items())
    ]
    for part in ("sales", "returns", "net"):
        out["totals"][part] = hts(0, 0, 0)
        for v in out["vat"]:
            out["totals"][part] = sum_hts(out["totals"][part], v[part])
    out["payments"] = [{"method": m, "amount_cents": a} for m, a in sorted(payments.items())]
    out["cash_movements"] = [
        {"op": op, "count": n, "amount_cents": a} for op, (n, a) in sorted(moves.items())
    ]
    firsts = [c["first_ticket"] for c in children if c["first_ticket"]]
    lasts = [c["last_ticket"] for c in children if c["last_ticket"]]
    out["first_ticket"] = firsts[0] if firsts else None
    out["last_ticket"] = lasts[-1] if lasts else None
    froms = [c["gseq_from"] for c in children if c["gseq_from"] is not None]
    tos = [c["gseq_to"] for c in children if c["gseq_to"] is not None]
    out["gseq_from"] = froms[0] if froms else None
    out["gseq_to"] = tos[-1] if tos else None
    return out


class Closer:
    """Writes Z, M and Y records onto a JournalBuilder the way the till would."""

    def __init__(self, j: JournalBuilder) -> None:
        self.j = j
        self.last: dict[str, int] = {}
        self.children: dict[str, list[int]] = {"Z": [], "M": []}

    def _write(
        self,
        kind: str,
        period: dict[str, Any],
        totals: dict[str, Any],
        mutate: Callable[[dict[str, Any]], None] | None,
        ref: int | str | None = "auto",
    ) -> StoredRecord:
        j = self.j
        previous = self.last.get(kind)
        net = totals["totals"]["net"]["ttc"]
        body = {
            "number": f"{j.till}-{kind}-{j.kseq.get(kind, 0) + 1:06d}",
            "till": j.till,
            "period": period,
            "trigger": "manual",
            **totals,
            "gt": {"period": net, "perpetual": j.gt, "perpetual_abs": j.gt_abs},
            "chain_head": {"gseq": j.gseq, "token_hash": j.prev},
            "previous": None
            if previous is None
            else {
                "gseq": previous,
                "kseq": int(j.records[previous - 1].core.split(",")[4]),
                "token_hash": j.hashes[previous],
            },
        }
        if kind != "Z":
            child = "Z" if kind == "M" else "M"
            body["included"] = [
                {
                    "kind": child,
                    "kseq": int(j.records[g - 1].core.split(",")[4]),
                    "gseq": g,
                    "token_hash": j.hashes[g],
                }
                for g in self.children[child]
            ]
        record = j.append(
            kind,
            body,
            ts=j.next_ts(None),
            vat=[(v["rate_bp"], v["net"]["ttc"]) for v in totals["vat"]],
            total=net,
            ref=previous if ref == "auto" else ref,  # type: ignore[arg-type]
            mutate=mutate,
        )
        self.last[kind] = j.gseq
        return record

    def z(self, day: str, mutate: Callable[[dict[str, Any]], None] | None = None, **kw: Any) -> int:
        start = self.last.get("Z", 0)
        records = [r for r in parsed(self.j) if r[0] > start]
        period = {"type": "day", "business_date": day, "from": day, "to": day}
        self._write("Z", period, z_totals(records, self.j), mutate, **kw)
        self.children["Z"].append(self.j.gseq)
        return self.j.gseq

    def m(
        self, month: str, end: str, mutate: Callable[[dict[str, Any]], None] | None = None
    ) -> int:
        bodies = [json.loads(self.j.records[g - 1].body) for g in self.children["Z"]]
        period = {"type": "month", "month": month, "from": f"{month}-01", "to": end}
        self._write("M", period, sum_children(bodies), mutate)
        self.children["Z"] = []
        self.children["M"].append(self.j.gseq)
        return self.j.gseq

    def y(
        self, start: str, end: str, mutate: Callable[[dict[str, Any]], None] | None = None
    ) -> int:
        bodies = [json.loads(self.j.records[g - 1].body) for g in self.children["M"]]
        period = {"type": "fiscal_year", "from": start, "to": end}
        self._write("Y", period, sum_children(bodies), mutate)
        self.children["M"] = []
        return self.j.gseq


def payment_record(
    j: JournalBuilder, op: str, amount: int, day: str, session: int | None = None, **kw: Any
) -> int:
    moment = j.next_ts(None)
    body = {
        "op": op,
        "number": f"{j.till}-P-{j.kseq.get('P', 0) + 1:06d}",
        "ts_utc": f"{moment:%Y-%m-%dT%H:%M:%S}Z",
        "business_date": day,
        "till": j.till,
        "session": None if session is None else {"gseq": session},
        "payments": [{"method": "CASH", "amount_cents": amount, "currency": "EUR"}]
        if amount
        else [],
        "total_cents": amount,
        "reason": "test",
    }
    j.append("P", body, ts=moment, total=amount, ref=session, **kw)
    return j.gseq


def month_of_march() -> tuple[JournalBuilder, Closer, dict[str, int]]:
    """Two business days of March, their Zs, the March M, then a day of April and a Y."""
    j = JournalBuilder(KEY, start=DAY1)
    c = Closer(j)
    at: dict[str, int] = {}
    j.genesis()
    at["open"] = payment_record(j, "OPEN", 0, "2026-03-30")
    j.sale(BAGUETTE, VIN, payments=[("CASH", 2000)], change=590)
    at["sale"] = j.gseq
    j.sale(VIN, payments=[("CARD", 1200)])
    j.refund(at["sale"], BAGUETTE)
    j.ticket([Line("Tarte", 1000, 2450, 550)], kind="X")
    j.event(61, "Ligne annulée", {"n": 1})
    payment_record(j, "CASH_OUT", -500, "2026-03-30", at["open"])
    at["z1"] = c.z("2026-03-30")
    j.clock = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
    j.sale(BAGUETTE)
    at["z2"] = c.z("2026-03-31")
    at["m"] = c.m("2026-03", "2026-03-31")
    j.clock = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    j.sale(VIN)
    at["z3"] = c.z("2026-04-01")
    at["m2"] = c.m("2026-04", "2026-04-30")
    at["y"] = c.y("2026-01-01", "2026-12-31")
    return j, c, at


def verify(j: JournalBuilder, records: list[StoredRecord] | None = None, **kw: Any) -> Report:
    return j.verify(records, **kw)


# ------------------------------------------------------------------ intact


def test_an_intact_quarter_of_closures_verifies() -> None:
    j, _, _ = month_of_march()
    report = verify(j, anchor=j.anchor())
    assert report.ok, report.anomalies
    assert report.counts_by_kind["Z"] == 3
    assert report.counts_by_kind["M"] == 2
    assert report.counts_by_kind["Y"] == 1


def test_a_slice_starting_mid_period_raises_no_false_alarm() -> None:
    j, _, _ = month_of_march()
    for start in range(2, len(j.records)):
        report = verify_records(
            j.records[start - 1 :],
            check_signatures=None,
            public_key_kid=j.kid,
            expect_genesis=False,
        )
        assert report.ok, (start, report.anomalies)


def test_the_new_check_ids_are_listed_and_documented() -> None:
    import caisse_verif.checks as module

    for check in ("closure.mismatch", "closure.order", "period.closed"):
        assert check in CHECKS
        assert f"``{check}``" in (module.__doc__ or "")


# ------------------------------------------------------------------ Z


def retamper(j: JournalBuilder, gseq: int, change: Callable[[dict[str, Any]], None]) -> list[Any]:
    """Edit the body of the LAST record and re-sign it with the journal's own key."""
    assert gseq == len(j.records)
    records = list(j.records)
    records[gseq - 1] = edit_body(records[gseq - 1], KEY, change)
    return records


def day_then_z(
    mutate: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[JournalBuilder, int]:
    j = JournalBuilder(KEY, start=DAY1)
    j.genesis()
    j.sale(BAGUETTE, payments=[("CASH", 500)], change=290)
    j.sale(VIN, payments=[("CARD", 1200)])
    return j, Closer(j).z("2026-03-30", mutate)


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("payments", lambda b: b["payments"][1].update(amount_cents=500)),
        ("totals", lambda b: b["totals"]["sales"].update(ht=1)),
        ("vat", lambda b: b["vat"][0]["sales"].update(tva=0)),
        ("counts.tickets", lambda b: b["counts"]["tickets"].update(SALE=1)),
        ("counts.records", lambda b: b["counts"]["records"].pop("J")),
        ("training", lambda b: b["training"].update(count=1)),
        ("gt.perpetual", lambda b: b["gt"].update(perpetual=0)),
        ("gseq_from", lambda b: b.update(gseq_from=2)),
        ("last_ticket", lambda b: b.update(last_ticket=b["first_ticket"])),
        ("chain_head", lambda b: b["chain_head"].update(gseq=2)),
        (
            "cash_movements",
            lambda b: b["cash_movements"].append({"op": "CASH_IN", "count": 1, "amount_cents": 5}),
        ),
    ],
)
def test_a_z_field_changed_and_resigned_is_a_closure_mismatch(
    field: str, change: Callable[[dict[str, Any]], None]
) -> None:
    j, z = day_then_z()
    records = retamper(j, z, change)
    report = verify(j, records)
    assert checks(report) == {"closure.mismatch"}, report.anomalies
    assert {(a.gseq, a.check) for a in report.anomalies} == {(z, "closure.mismatch")}
    assert any(field in a.fr for a in report.anomalies)


def test_a_z_whose_core_total_disagrees_with_its_body() -> None:
    j, z = day_then_z()
    records = list(j.records)
    records[z - 1] = edit_core(records[z - 1], KEY, total="1")
    assert ("body.core", z) in found(verify(j, records))


def test_a_z_not_referring_to_the_previous_z_is_out_of_order() -> None:
    j, z = day_then_z()
    c = Closer(j)
    c.last["Z"] = z
    j.clock = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
    j.sale(BAGUETTE)
    z2 = c.z("2026-03-31", ref=None)
    report = verify(j)
    assert found(report) == {("closure.order", z2)}


def test_two_zs_for_the_same_day_are_out_of_order() -> None:
    j, z = day_then_z()
    c = Closer(j)
    c.last["Z"] = z
    j.sale(BAGUETTE)
    z2 = c.z("2026-03-30")
    report = verify(j)
    assert ("closure.order", z2) in found(report)
    assert ("period.closed", z2 - 1) in found(report)


def test_a_sale_dated_in_a_closed_day_is_reported() -> None:
    j, _ = day_then_z()
    j.sale(BAGUETTE)  # the builder dates it 2026-03-30: closed
    late = j.gseq
    j.clock = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
    j.sale(VIN)
    report = verify(j)
    assert found(report) == {("period.closed", late)}


def test_a_payment_record_dated_in_a_closed_period_is_reported() -> None:
    j, _ = day_then_z()
    p = payment_record(j, "CASH_IN", 100, "2026-03-30")
    assert found(verify(j)) == {("period.closed", p)}


def test_a_deleted_z_is_a_kseq_gap() -> None:
    j, _, at = month_of_march()
    records = [r for r in j.records if r.gseq_column != at["z1"]]
    report = verify(j, records)
    assert ("chain.kseq", at["z2"]) in found(report)
    assert ("chain.gseq", at["z1"] + 1) in found(report)


def test_a_z_including_a_later_day_is_a_mismatch() -> None:
    j = JournalBuilder(KEY, start=DAY1)
    j.genesis()
    j.sale(BAGUETTE)
    j.clock = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
    j.sale(VIN)
    z = Closer(j).z("2026-03-30")
    assert ("closure.mismatch", z) in found(verify(j))


# ------------------------------------------------------------------ P


def test_payment_records_add_up() -> None:
    j = JournalBuilder(KEY, start=DAY1)
    j.genesis()
    ok = payment_record(j, "CASH_IN", 500, "2026-03-30")
    bad_sum = payment_record(
        j, "CASH_OUT", -300, "2026-03-30", mutate=lambda b: b["payments"][0].update(amount_cents=1)
    )
    bad_total = payment_record(
        j, "CASH_OUT", -300, "2026-03-30", mutate=lambda b: b.update(total_cents=-30)
    )
    report = verify(j)
    assert ("payments.sum", bad_sum) in found(report)
    assert ("body.core", bad_total) in found(report)
    assert not any(a.gseq == ok for a in report.anomalies)


# ------------------------------------------------------------------ M and Y


def test_an_m_different_from_the_sum_of_its_zs() -> None:
    j, _, at = month_of_march()
    records = list(j.records)
    records[at["m"] - 1] = edit_body(
        records[at["m"] - 1], KEY, lambda b: b["payments"][0].update(amount_cents=1)
    )
    report = verify(j, records[: at["m"]])
    assert found(report) == {("closure.mismatch", at["m"])}


def test_an_m_leaving_out_a_z() -> None:
    j = JournalBuilder(KEY, start=DAY1)
    c = Closer(j)
    j.genesis()
    j.sale(BAGUETTE)
    c.z("2026-03-30")
    j.clock = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
    j.sale(VIN)
    c.z("2026-03-31")
    c.children["Z"] = c.children["Z"][1:]  # forget the first Z
    m = c.m("2026-03", "2026-03-31")
    report = verify(j)
    assert ("closure.mismatch", m) in found(report)
    assert any("included" in a.en for a in report.anomalies)


def test_an_m_over_a_z_of_another_month() -> None:
    j = JournalBuilder(KEY, start=DAY1)
    c = Closer(j)
    j.genesis()
    j.sale(BAGUETTE)
    c.z("2026-03-30")
    m = c.m("2026-04", "2026-04-30")
    report = verify(j)
    assert ("closure.mismatch", m) in found(report)


def test_the_perpetual_gt_must_match_across_levels() -> None:
    j, _, at = month_of_march()
    records = list(j.records)[: at["y"]]
    records[at["y"] - 1] = edit_body(
        records[at["y"] - 1], KEY, lambda b: b["gt"].update(perpetual=b["gt"]["perpetual"] + 1)
    )
    report = verify(j, records)
    assert found(report) == {("closure.mismatch", at["y"])}
    assert all("gt.perpetual" in a.en for a in report.anomalies)


def test_a_y_over_a_month_outside_its_fiscal_year() -> None:
    j, _, at = month_of_march()
    records = list(j.records)
    records[at["y"] - 1] = edit_body(
        records[at["y"] - 1],
        KEY,
        lambda b: b["period"].update({"from": "2026-04-01", "to": "2027-03-31"}),
    )
    assert ("closure.mismatch", at["y"]) in found(verify(j, records))


def test_an_unreadable_closure_body_does_not_cascade() -> None:
    j, _, at = month_of_march()
    for name in ("z1", "m"):
        records = list(j.records)
        records[at[name] - 1] = with_body(records[at[name] - 1], b"[]", None)
        report = verify(j, records)
        assert checks(report) == {"body.hash", "body.canonical"}, report.anomalies
        assert {a.gseq for a in report.anomalies} == {at[name]}


def test_dates_after_a_month_closure_are_closed_up_to_its_end() -> None:
    j = JournalBuilder(KEY, start=DAY1)
    c = Closer(j)
    j.genesis()
    j.sale(BAGUETTE)
    c.z("2026-03-30")
    c.m("2026-03", "2026-03-31")
    j.clock = datetime(2026, 3, 31, 8, 0, tzinfo=UTC) + timedelta(hours=1)
    j.sale(VIN)  # 31 March: closed by the M, not by any Z
    late = j.gseq
    assert found(verify(j)) == {("period.closed", late)}
