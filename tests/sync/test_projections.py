"""Server projections: sales by store and day, stock as a sum of movements (negative allowed,
with an alert), inventory counts with late sales, flags, signed store closures."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from sync.errors import SyncError
from sync.protocol import OpsEvent
from sync.server import refdata, reports, schema
from tests.integration.conftest import TillFixture
from tests.sync.conftest import LiveServer, sell, wire_records

pytestmark = pytest.mark.integration


def _event(kind: str, at: str, **data: object) -> OpsEvent:
    return OpsEvent(str(uuid.uuid4()), kind, at, dict(data))


def test_sales_by_day_and_stock_from_the_pushed_sales(live: LiveServer, till: TillFixture) -> None:
    sell(till, ("BAG", 2000), ("VIN", None))
    sell(till, ("BAG", 1000))
    client = live.enrolled()
    client.push(wire_records(till.data_dir))
    assert reports.sales_by_day(live.ctx, "S1") == [
        {
            "store_id": "S1",
            "business_date": "2026-03-15",
            "tickets": 2,
            "ttc_cents": 3 * 105 + 1200,
            "tills": 1,
        }
    ]
    levels = reports.stock_levels(live.ctx, "S1")
    assert levels == {"BAG": -3000, "VIN": -1000}
    assert levels == reports.stock_from_movements(live.ctx, "S1")
    with live.ctx.engine.connect() as conn:
        alerts = conn.execute(
            select(schema.alert.c.sku).where(schema.alert.c.kind == "negative_stock")
        ).scalars()
        assert sorted(alerts) == ["BAG", "VIN"]
    page = client.pull("stock:S1", 0)
    assert {i.id: i.data for i in page.items} == {
        "BAG": {"qty_milli": -3000},
        "VIN": {"qty_milli": -1000},
    }


def test_stock_entered_by_hand_is_idempotent_by_event_id(
    live: LiveServer, till: TillFixture
) -> None:
    client = live.enrolled()
    receipt = _event("stock.receipt", "2026-03-15T08:00:00Z", sku="BAG", qty_milli=10_000)
    first = client.push_ops([receipt])
    again = client.push_ops([receipt])
    assert (first.accepted, first.duplicates) == (1, 0)
    assert (again.accepted, again.duplicates) == (0, 1)
    sell(till, ("BAG", 4000))
    client.push(wire_records(till.data_dir))
    assert reports.stock_levels(live.ctx, "S1") == {"BAG": 6000}
    with live.ctx.engine.connect() as conn:
        assert conn.execute(select(schema.alert)).first() is None


def test_a_count_is_not_undone_by_a_late_offline_sale(live: LiveServer, till: TillFixture) -> None:
    """F20: counted 10 at 14:00; a sale made offline at 13:45 arrives afterwards."""
    client = live.enrolled()
    client.push_ops([_event("stock.receipt", "2026-03-15T08:00:00Z", sku="BAG", qty_milli=12_000)])
    client.push_ops(
        [_event("stock.count", "2026-03-15T14:00:00Z", sku="BAG", counted_milli=10_000)]
    )
    assert reports.stock_levels(live.ctx, "S1") == {"BAG": 10_000}
    sell(till, ("BAG", 2000))  # the till's clock says 13:45:02, before the count
    client.push(wire_records(till.data_dir))
    assert reports.stock_levels(live.ctx, "S1") == {"BAG": 10_000}
    till.clock.advance(hours=1)  # 14:45: after the count, so it is subtracted
    sell(till, ("BAG", 1000))
    client.push(wire_records(till.data_dir, client.cursor().acked_gseq + 1))
    assert reports.stock_levels(live.ctx, "S1") == {"BAG": 9_000}
    assert reports.stock_levels(live.ctx, "S1") == reports.stock_from_movements(live.ctx, "S1")


def test_customers_merge_field_by_field_by_time(live: LiveServer) -> None:
    client = live.enrolled()
    cid = str(uuid.uuid4())
    client.push_ops(
        [
            _event(
                "customer.upsert",
                "2026-03-15T10:00:00Z",
                customer_id=cid,
                fields={"name": "Durand", "phone": "0600000000"},
            ),
            _event(
                "customer.upsert",
                "2026-03-15T09:00:00Z",
                customer_id=cid,
                fields={"name": "Dupont", "email": "d@example.org"},
            ),
        ]
    )
    with live.ctx.engine.connect() as conn:
        fields = conn.execute(select(schema.customer.c.fields)).scalar_one()
    assert '"Durand"' in fields
    assert '"Dupont"' not in fields
    assert "d@example.org" in fields


def test_an_unknown_sku_is_accepted_and_flagged(live: LiveServer, till: TillFixture) -> None:
    refdata.publish(live.ctx, "catalog", [("BAG", {"sku": "BAG"})])
    sell(till, ("BAG", 1000), ("VIN", None))
    records = wire_records(till.data_dir)
    client = live.enrolled()
    ack = client.push(records)
    assert ack.acked_gseq == records[-1].gseq
    assert [(f["gseq"], f["code"]) for f in ack.flags] == [(records[-1].gseq, "unknown_sku")]
    assert "VIN" in ack.flags[0]["en"]


def test_a_store_closure_lists_the_tills_z_and_is_signed(
    live: LiveServer, till: TillFixture
) -> None:
    sell(till, ("BAG", 1000))
    client = live.enrolled()
    client.push(wire_records(till.data_dir))
    with pytest.raises(SyncError):
        reports.consolidate_store_day(live.ctx, "S1", "2026-03-15")
    till.till.closures.close_day(till.manager)
    records = wire_records(till.data_dir, client.cursor().acked_gseq + 1)
    client.push(records)
    z = next(r for r in records if r.core.split(",")[3] == "Z")
    closure = reports.consolidate_store_day(live.ctx, "S1", "2026-03-15")
    assert closure.verify(live.ctx.jwk)
    assert closure.payload["tills"] == [
        {
            "device_id": client.device_id,
            "till": "TILL01",
            "gseq": z.gseq,
            "token_sha256": z.token_sha256,
            "total_cents": int(z.core.split(",")[7]),
        }
    ]
    assert reports.consolidate_store_day(live.ctx, "S1", "2026-03-15") == closure
    assert reports.verify_device(live.ctx, client.device_id).report.ok


def test_a_sale_by_a_revoked_user_is_accepted_and_flagged(
    live: LiveServer, till: TillFixture
) -> None:
    refdata.publish(live.ctx, "users:S1", [("marie", {"name": "Marie", "role": "cashier"})])
    refdata.publish(live.ctx, "users:S1", [("marie", None)])
    sell(till, ("BAG", 1000))
    records = wire_records(till.data_dir)
    ack = live.enrolled().push(records)
    assert ack.acked_gseq == records[-1].gseq
    assert ("revoked_user", records[-1].gseq) in [(f["code"], f["gseq"]) for f in ack.flags]
