"""Failing fixtures for closures (nf525.md R21, R22): a real till's file, edited as an attacker.

The attacker holds the till key (root on the till can read it): a changed closure is re-signed,
so its signature, body hash and chain stay valid and only the closure checks can notice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from caisse.domain.sale import Payment, Tender
from caisse.keys.keystore import FileKeyStore
from caisse_verif.canonical import canonical_json
from caisse_verif.record import body_hash, format_core, parse_core, token_hash
from tests.fakes import FakeClock
from tests.integration.conftest import TillFixture, make_till
from tests.journal_helpers import journal_rows, verify_data_dir

pytestmark = pytest.mark.integration


def sell(shop: TillFixture, code: str, tender: Tender = Tender.CASH) -> int:
    shop.clock.advance(minutes=7)
    sale = shop.till.checkout.new_sale()
    shop.till.checkout.add_item(sale, code)
    sale.add_payment(Payment(tender, sale.totals.total_ttc_cents + 95 * (tender is Tender.CASH)))
    return shop.till.checkout.finalise(shop.cashier, sale).gseq


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[TillFixture]:
    # Monday 30 March 2026, 09:00 in Paris
    fixture = make_till(tmp_path / "data", FakeClock(datetime(2026, 3, 30, 7, 0, tzinfo=UTC)))
    yield fixture
    fixture.till.close()


def two_days(shop: TillFixture) -> dict[str, int]:
    """Monday's sales (closed automatically), Tuesday's sales closed by hand, then the M."""
    sell(shop, "BAG")
    sell(shop, "VIN", Tender.CARD)
    shop.clock.advance(days=1)
    sell(shop, "SAN")
    z_tuesday = shop.till.closures.close_month(shop.manager)
    rows = journal_rows(shop.data_dir)
    zs = [r["gseq"] for r in rows if r["kind"] == "Z"]
    ms = [r["gseq"] for r in rows if r["kind"] == "M"]
    assert [r.kind for r in z_tuesday] == ["Z", "M"]
    return {"z1": zs[0], "z2": zs[1], "m": ms[0], "head": rows[-1]["gseq"]}


@contextmanager
def attacker(data_dir: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(data_dir / "caisse.sqlite")) as conn:
        conn.execute("DROP TRIGGER IF EXISTS journal_no_update")
        conn.execute("DROP TRIGGER IF EXISTS journal_no_delete")
        yield conn
        conn.commit()


def resign_body(data_dir: Path, gseq: int, change: Callable[[dict[str, Any]], None]) -> None:
    """Change a record's body, fix its core's body hash and re-sign it with the till key."""
    sign = FileKeyStore(data_dir).load_signer().sign
    with attacker(data_dir) as conn:
        core, raw = conn.execute(
            "SELECT core, body FROM journal WHERE gseq = ?", (gseq,)
        ).fetchone()
        body = json.loads(bytes(raw))
        change(body)
        data = canonical_json(body)
        new_core = format_core(replace(parse_core(core), body_hash=body_hash(data)))
        sig = sign(new_core.encode("ascii"))
        conn.execute(
            "UPDATE journal SET core = ?, sig = ?, body = ?, token_sha256 = ? WHERE gseq = ?",
            (new_core, sig, data, token_hash(new_core, sig), gseq),
        )


def found(data_dir: Path, *, use_anchor: bool = True) -> set[tuple[str, int | None]]:
    return {(a.check, a.gseq) for a in verify_data_dir(data_dir, use_anchor=use_anchor).anomalies}


def test_the_clean_journal_verifies(shop: TillFixture) -> None:
    two_days(shop)
    assert found(shop.data_dir) == set()


def test_a_z_total_changed_and_resigned_is_caught_by_the_recomputation(
    tmp_path: Path,
) -> None:
    shop = make_till(tmp_path / "data", FakeClock(datetime(2026, 3, 30, 7, 0, tzinfo=UTC)))
    sell(shop, "BAG")
    sell(shop, "VIN", Tender.CARD)
    z = shop.till.closures.close_day(shop.manager)[-1].gseq
    shop.till.close()

    # hide 5 € of cash takings in the Z, the last record of the journal
    def skim(body: dict[str, Any]) -> None:
        cash = next(p for p in body["payments"] if p["method"] == "CASH")
        cash["amount_cents"] -= 500

    resign_body(shop.data_dir, z, skim)
    # the signature, the body hash and the chain all hold: only the recomputation sees it
    assert found(shop.data_dir, use_anchor=False) == {("closure.mismatch", z)}
    # (and the external head anchor, which still holds the old token, sees a rewrite)
    assert ("anchor.mismatch", z) in found(shop.data_dir)


def test_an_m_that_is_not_the_sum_of_its_zs(shop: TillFixture) -> None:
    at = two_days(shop)
    assert at["m"] == at["head"]
    shop.till.close()
    resign_body(shop.data_dir, at["m"], lambda b: b["vat"][0]["sales"].update(ttc=1))
    assert found(shop.data_dir, use_anchor=False) == {("closure.mismatch", at["m"])}


def test_a_deleted_z_is_a_kseq_gap(shop: TillFixture) -> None:
    at = two_days(shop)
    shop.till.close()
    with attacker(shop.data_dir) as conn:
        conn.execute("DELETE FROM closures WHERE gseq = ?", (at["z1"],))
        conn.execute("DELETE FROM journal WHERE gseq = ?", (at["z1"],))
    anomalies = found(shop.data_dir)
    assert ("chain.kseq", at["z2"]) in anomalies
    assert ("chain.gseq", at["z1"] + 1) in anomalies
    # the month no longer finds the Z it lists
    assert ("closure.mismatch", at["m"]) in anomalies


def test_a_record_dated_in_a_closed_period(shop: TillFixture) -> None:
    sell(shop, "BAG")
    shop.till.closures.close_day(shop.manager)
    # a patched till that skips the guard: the ticket is signed, but dated in a closed day
    shop.till.checkout.before_record = None
    late = sell(shop, "VIN")
    shop.till.close()
    assert found(shop.data_dir) == {("period.closed", late)}


def test_the_guard_refuses_what_the_verifier_would_flag(shop: TillFixture) -> None:
    from caisse.domain.closures import PeriodClosed

    sell(shop, "BAG")
    shop.till.closures.close_day(shop.manager)
    with pytest.raises(PeriodClosed):
        sell(shop, "VIN")
    shop.till.close()
    assert found(shop.data_dir) == set()
