"""Start-up: JET 10/20/80/230, and the recent records checked against the head anchor (R15)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from caisse.domain.sale import Payment, Tender
from caisse.services.errors import TillBlocked
from caisse.services.jet import Jet
from caisse.services.journal_writer import SoftwareInfo
from tests.integration.conftest import TillFixture
from tests.journal_helpers import jet_codes, journal_rows


def _sell(shop: TillFixture) -> int:
    sale = shop.till.checkout.new_sale()
    shop.till.checkout.add_item(sale, "BAG")
    sale.add_payment(Payment(Tender.CASH, 105))
    return shop.till.checkout.finalise(shop.cashier, sale).gseq


def _attack(shop: TillFixture, sql: str, *params: object) -> None:
    conn = sqlite3.connect(shop.data_dir / "caisse.sqlite")
    conn.execute("DROP TRIGGER IF EXISTS journal_no_update")
    conn.execute("DROP TRIGGER IF EXISTS journal_no_delete")
    conn.execute(sql, params)
    conn.commit()
    conn.close()


def test_clean_start_and_stop(shop: TillFixture) -> None:
    report = shop.till.integrity.start(shop.till.checkout)
    assert report.blocked is None
    assert report.anomalies == []
    shop.till.integrity.stop()
    report = shop.till.integrity.start(shop.till.checkout)
    assert not report.unclean_stop
    codes = jet_codes(shop.data_dir)
    assert codes.count(Jet.APP_START) == 2
    assert Jet.APP_STOP in codes


def test_an_unclean_stop_is_recorded_at_the_next_start(shop: TillFixture) -> None:
    shop.till.integrity.start(shop.till.checkout)
    _sell(shop)  # then the process dies: no stop()
    report = shop.reopen().integrity.start(shop.till.checkout)
    assert report.unclean_stop
    assert Jet.CRASH_RECOVERY in jet_codes(shop.data_dir)


def test_a_new_version_writes_jet_80(shop: TillFixture) -> None:
    shop.till.integrity.start()
    shop.till.integrity.stop()
    till = shop.reopen()
    old = till.context.software
    till.context.software = SoftwareInfo(old.name, "9.9.9", old.build_sha256, old.cert_ref)
    report = till.integrity.start()
    assert report.version_changed == (old.version, "9.9.9")
    update = [json.loads(r["body"]) for r in journal_rows(shop.data_dir) if r["kind"] == "J"][-1]
    assert update["code"] == Jet.SOFTWARE_UPDATED
    assert update["detail"] == {"from": old.version, "to": "9.9.9"}


def test_a_corrupted_recent_body_blocks_the_till_with_jet_90(shop: TillFixture) -> None:
    gseq = _sell(shop)
    body = next(r["body"] for r in journal_rows(shop.data_dir) if r["gseq"] == gseq)
    tampered = body.replace(b'"Baguette"', b'"Baguettf"')
    _attack(shop, "UPDATE journal SET body = ? WHERE gseq = ?", tampered, gseq)
    report = shop.reopen().integrity.start(shop.till.checkout)
    assert report.blocked is not None
    assert any(a.gseq == gseq and a.check == "body.hash" for a in report.anomalies)
    defect = [json.loads(r["body"]) for r in journal_rows(shop.data_dir) if r["kind"] == "J"]
    assert any(e["code"] == Jet.INTEGRITY_DEFECT and e["related_gseq"] == gseq for e in defect)
    sale = shop.till.checkout.new_sale()
    shop.till.checkout.add_item(sale, "BAG")
    sale.add_payment(Payment(Tender.CASH, 105))
    with pytest.raises(TillBlocked, match="intégrité"):
        shop.till.checkout.finalise(shop.cashier, sale)


def test_a_truncated_tail_is_caught_by_the_head_anchor(shop: TillFixture) -> None:
    _sell(shop)
    last = _sell(shop)
    for table in ("sale_payments", "sale_lines", "stock_movements"):
        key = "gseq" if table == "stock_movements" else "sale_gseq"
        _attack(shop, f"DELETE FROM {table} WHERE {key} = ?", last)  # noqa: S608
    _attack(shop, "DELETE FROM sales WHERE gseq = ?", last)
    _attack(shop, "DELETE FROM journal WHERE gseq = ?", last)
    _attack(
        shop,
        "UPDATE head SET gseq = gseq - 1, token_sha256 = "
        "(SELECT token_sha256 FROM journal WHERE gseq = ?)",
        last - 1,
    )
    report = shop.reopen().integrity.start(shop.till.checkout)
    assert any(a.check == "anchor.truncated" for a in report.anomalies)
    assert report.blocked is not None


def test_a_changed_certificate_reference_writes_jet_100(shop: TillFixture) -> None:
    shop.till.integrity.start()
    shop.till.integrity.stop()
    till = shop.reopen()
    old = till.context.software
    till.context.software = SoftwareInfo(old.name, old.version, old.build_sha256, "NF525 n° 0000")
    till.integrity.start()
    events = [json.loads(r["body"]) for r in journal_rows(shop.data_dir) if r["kind"] == "J"]
    change = [e for e in events if e["code"] == Jet.FISCAL_PARAMETER]
    assert len(change) == 1
    assert change[0]["detail"]["to"] == "NF525 n° 0000"
    assert change[0]["detail"]["from"] == old.cert_ref
    # the next ticket carries the new reference in its signed body
    sale = shop.till.checkout.new_sale()
    shop.till.checkout.add_item(sale, "BAG")
    sale.add_payment(Payment(Tender.CASH, 105))
    gseq = shop.till.checkout.finalise(shop.cashier, sale).gseq
    body = json.loads(next(r["body"] for r in journal_rows(shop.data_dir) if r["gseq"] == gseq))
    assert body["cert_ref"] == "NF525 n° 0000"


def test_sign_in_and_out_are_jet_40_and_50(shop: TillFixture) -> None:
    session = shop.till.operators.authenticate("marie", "1234")
    shop.till.operators.sign_out(session)
    events = [json.loads(r["body"]) for r in journal_rows(shop.data_dir) if r["kind"] == "J"]
    assert [e["code"] for e in events[-2:]] == [Jet.SIGN_IN, Jet.SIGN_OUT]
    assert all(e["operator"]["id"] == "marie" for e in events[-2:])
