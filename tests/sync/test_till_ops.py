"""The second stream from a real till to the real server over loopback (SQLite, PostgreSQL).

Stock entered by hand, goods receipts, inventory counts and customers made at the till reach
the server exactly once, whatever happens to the answers: the server's stock levels converge
with the till's (hand entries and counts included) and its customers are the till's.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caisse.domain.errors import InvalidInput, Refused
from caisse.services.customers import CustomerService
from caisse.services.ports import OpsEventRecord
from caisse.services.stock import StockService
from sync.errors import SyncUnavailable
from sync.server import schema
from tests.sync.faultproxy import FaultProxy
from tests.sync.till_harness import (
    ServerThread,
    SyncTill,
    attach,
    make_sync_till,
    proxy,
    seed,
    server,
    server_journal,
    server_stock,
)

__all__ = ["proxy", "seed", "server"]  # fixtures (server: SQLite, then PostgreSQL)

pytestmark = pytest.mark.integration

OPS_PUSH = "POST /v1/devices/"


def _server_events(srv: ServerThread) -> list[tuple[str, str, str]]:
    ev = schema.ops_event
    with srv.ctx.engine.connect() as conn:
        rows = conn.execute(select(ev.c.event_id, ev.c.device_id, ev.c.type)).all()
    return sorted((str(e), str(d), str(t)) for e, d, t in rows)


def _server_customer(srv: ServerThread, customer_id: str) -> dict[str, object]:
    c = schema.customer
    with srv.ctx.engine.connect() as conn:
        raw = conn.execute(select(c.c.fields).where(c.c.customer_id == customer_id)).scalar_one()
    return {name: field["value"] for name, field in json.loads(raw).items()}


def _outbox(t: SyncTill) -> list[tuple[str, str, str | None]]:
    """(event_id, kind, sent_at) in queue order."""
    with t.uow() as w:
        rows = w.sync._conn.execute(
            "SELECT event_id, kind, sent_at FROM ops_outbox ORDER BY seq"
        ).fetchall()
    return [(str(e), str(k), s) for e, k, s in rows]


def _shown(t: SyncTill, *skus: str) -> dict[str, int]:
    stock = StockService(t.till.context)
    return {sku: stock.level(sku) for sku in skus}


def _hand_entries(t: SyncTill) -> dict[str, str]:
    """A receipt, two adjustments, a sale, a count, a later sale, a customer created then
    edited (the levels they lead to: `EXPECTED_LEVELS`); returns the customer's id."""
    stock = StockService(t.till.context)
    people = CustomerService(t.till.context)
    f = t.fixture
    stock.receive(f.manager, "BAG", "20", "BL-118")
    stock.adjust(f.manager, "BAG", "3", "casse")
    stock.adjust(f.admin, "VIN", "6", "initial")
    f.clock.advance(seconds=30)
    t.sell(("BAG", 2000), ("VIN", 1000))
    f.clock.advance(seconds=30)
    stock.count(f.manager, "COMTE", "1,500")
    f.clock.advance(seconds=30)
    t.sell(("COMTE", 250))  # after the count: subtracted from it
    jeanne = people.add(f.cashier, "Jeanne Martin", email="jeanne@exemple.fr", phone="0612345678")
    f.clock.advance(seconds=30)
    people.update(f.manager, jeanne.id, phone="", notes="livraison le mardi")
    return {"customer": jeanne.id}


EXPECTED_LEVELS = {"BAG": 20_000 - 3_000 - 2_000, "VIN": 6_000 - 1_000, "COMTE": 1_500 - 250}


def test_events_made_at_the_till_reach_the_server_exactly_once(
    server: ServerThread, tmp_path: Path
) -> None:
    t = attach(make_sync_till(tmp_path / "t1"), server)
    try:
        t.agent._ops_batch = 2  # several batches
        ids = _hand_entries(t)
        local = _outbox(t)
        # refused at the till: nothing queued, so nothing can reach the server
        assert _state_of_refusals(t) == local
        assert [k for _, k, _ in local] == [
            "stock.receipt",
            "stock.adjust",
            "stock.adjust",
            "stock.count",
            "customer.upsert",
            "customer.upsert",
        ]
        assert all(sent is None for _, _, sent in local)

        report = t.agent.sync_once()

        assert (report.ops_accepted, report.ops_duplicates, report.ops_pending) == (6, 0, 0)
        device = t.device_id()
        assert _server_events(server) == sorted((e, device, k) for e, k, _ in local)
        assert all(sent is not None for _, _, sent in _outbox(t))
        # the fiscal journal went as usual, and carries none of it
        assert server_journal(server, device) == t.journal()
        # stock converged: the server's levels, and the till's once it has pulled them
        assert server_stock(server) == EXPECTED_LEVELS
        assert _shown(t, *EXPECTED_LEVELS) == EXPECTED_LEVELS
        with t.uow() as w:
            pulled = dict(w.sync._conn.execute("SELECT sku, qty_milli FROM server_stock"))
        assert {k: v for k, v in pulled.items() if v} == EXPECTED_LEVELS
        # the customer, merged field by field on the server
        assert _server_customer(server, ids["customer"]) == {
            "name": "Jeanne Martin",
            "email": "jeanne@exemple.fr",
            "phone": None,
            "notes": "livraison le mardi",
            "marketing_optin": False,
        }

        again = t.agent.sync_once()
        assert (again.ops_accepted, again.ops_duplicates, again.ops_pending) == (0, 0, 0)
        assert len(_server_events(server)) == 6
        assert server_stock(server) == EXPECTED_LEVELS

        # a later entry goes alone, and the display follows before and after the sync
        StockService(t.till.context).adjust(t.fixture.manager, "BAG", "1", "vol")
        assert _shown(t, "BAG") == {"BAG": EXPECTED_LEVELS["BAG"] - 1000}
        later = t.agent.sync_once()
        assert (later.ops_accepted, later.ops_pending) == (1, 0)
        assert server_stock(server)["BAG"] == EXPECTED_LEVELS["BAG"] - 1000
        assert _shown(t, "BAG") == {"BAG": EXPECTED_LEVELS["BAG"] - 1000}
    finally:
        t.close()


def _state_of_refusals(t: SyncTill) -> list[tuple[str, str, str | None]]:
    """Try what the till must refuse; return the outbox, which must not change."""
    stock = StockService(t.till.context)
    f = t.fixture
    attempts = [
        lambda: stock.adjust(f.manager, "BAG", "-4", "casse"),
        lambda: stock.receive(f.manager, "BAG", "beaucoup"),
        lambda: stock.count(f.manager, "INCONNU", "3"),
        lambda: stock.adjust(f.cashier, "BAG", "1", "perte"),
        lambda: CustomerService(t.till.context).add(f.cashier, "Paul", email="paul@@exemple"),
    ]
    for attempt in attempts:
        with pytest.raises((InvalidInput, Refused)) as info:
            attempt()
        assert info.value.fr  # a French sentence first
    return _outbox(t)


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param("drop_after", id="response-lost"),
        pytest.param("truncate", id="response-truncated"),
        pytest.param("duplicate", id="delivered-twice"),
        pytest.param("delay", id="retry-overtakes-original"),
    ],
)
def test_a_lost_answer_and_a_retry_never_duplicate(
    server: ServerThread, proxy: FaultProxy, tmp_path: Path, seed: int, fault: str
) -> None:
    t = attach(make_sync_till(tmp_path / "t1"), server, proxy.url, timeout=1.0, seed=seed)
    try:
        t.agent.sync_once()  # the journal's first records, without faults
        _hand_entries(t)
        local = _outbox(t)
        proxy.applies_to = lambda line: (
            line.startswith(OPS_PUSH) and line.split()[1].endswith("/ops")
        )
        proxy.script = [fault]
        if fault == "duplicate":
            report = t.agent.sync_once()
            assert report.ops_accepted == len(local)
        else:
            with pytest.raises(SyncUnavailable):
                t.agent.sync_once()
            # nothing marked sent without an answer
            assert all(sent is None for _, _, sent in _outbox(t))
            if fault != "delay":
                # the server committed although the till heard nothing
                assert len(_server_events(server)) == len(local)
            report = t.agent.sync_once()
            assert report.ops_accepted + report.ops_duplicates == len(local)
            if fault != "delay":
                assert report.ops_duplicates == len(local)
        assert proxy.stats[fault] == 1
        proxy.close()  # a delayed original lands now, if it has not already
        device = t.device_id()
        assert _server_events(server) == sorted((e, device, k) for e, k, _ in local)
        assert all(sent is not None for _, _, sent in _outbox(t))
        assert server_stock(server) == EXPECTED_LEVELS
        ev = schema.ops_event
        with server.ctx.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(ev)).scalar_one()
        assert stored == len(local)
    finally:
        t.close()


def test_a_hand_entry_wakes_the_running_agent(server: ServerThread, tmp_path: Path) -> None:
    """The agent's timer is an hour: only the entry's own wake-up can push it."""
    t = attach(make_sync_till(tmp_path / "t1"), server, interval_s=3600.0)
    try:
        assert t.agent.start()
        # the first session (at start) is over: the agent sleeps on its hour-long timer
        _wait(lambda: t.agent.sessions >= 1 and not t.agent._session_lock.locked())
        assert t.agent.failures == 0
        sessions = t.agent.sessions
        entry = StockService(t.till.context).receive(t.fixture.manager, "VIN", "4")
        _wait(lambda: any(e == entry.event_id for e, _, _ in _server_events(server)))
        assert t.agent.sessions > sessions
        customer = CustomerService(t.till.context).add(t.fixture.cashier, "Léa Petit")
        _wait(lambda: customer.id in _server_customers(server))
    finally:
        t.close()


def _server_customers(srv: ServerThread) -> set[str]:
    c = schema.customer
    with srv.ctx.engine.connect() as conn:
        return {str(i) for i in conn.execute(select(c.c.customer_id)).scalars()}


def _wait(condition: Callable[[], bool], limit_s: float = 30.0) -> None:
    """Poll until `condition` holds; fail after `limit_s` (a bound, not a timing claim)."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the condition did not come true")
        time.sleep(0.02)


def test_an_event_the_server_refuses_is_set_aside_and_those_behind_it_still_go(
    server: ServerThread, tmp_path: Path
) -> None:
    """One event refused for its content (a newer till's event type an older server does not
    know) must not block the queue: halving finds it, it is set aside with the server's reason
    and stays visible, the others arrive once, and it is not sent again."""
    t = attach(make_sync_till(tmp_path / "t1"), server)
    try:
        t.agent._ops_batch = 8
        stock = StockService(t.till.context)
        f = t.fixture
        stock.receive(f.manager, "BAG", "20", "BL-7")
        stock.adjust(f.manager, "BAG", "3", "casse")
        unknown = OpsEventRecord(
            event_id=str(uuid.uuid4()),
            kind="loyalty.adjust",
            created_at=f.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            payload={"customer_id": "c1", "points": 5},
        )
        with t.uow() as w:
            w.ops.add(unknown)
            w.commit()
        stock.adjust(f.admin, "VIN", "6", "initial")
        stock.count(f.manager, "COMTE", "2")
        queued = _outbox(t)
        assert len(queued) == 5

        report = t.agent.sync_once()

        assert (report.ops_accepted, report.ops_rejected, report.ops_pending) == (4, 1, 0)
        device = t.device_id()
        assert _server_events(server) == sorted(
            (e, device, k) for e, k, _ in queued if e != unknown.event_id
        )
        with t.uow() as w:
            rejected = w.ops.rejected()
            assert w.ops.pending_count() == 0
        assert [(e.event_id, e.kind) for e, _ in rejected] == [(unknown.event_id, unknown.kind)]
        assert "events[0]" in rejected[0][1]  # the server's reason, kept for the manager
        assert server_stock(server) == {"BAG": 17_000, "VIN": 6_000, "COMTE": 2_000}

        again = t.agent.sync_once()
        assert (again.ops_accepted, again.ops_duplicates, again.ops_rejected) == (0, 0, 0)
        assert len(_server_events(server)) == 4
    finally:
        t.close()
