"""A stateful property test of sync (sync.md §5.1): sales, faults and outages in any order.

Hypothesis drives two real tills against the real server (SQLite) through the fault proxy:
sell on till k, sync through a fault, sync with the server down, restart an agent, pull a
catalogue change. After every step the cursors are safe (the server holds a prefix of each
till's journal and the till never believes more than the server acknowledged); at the end
the system settles and every invariant of sync.md §5.3 holds.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from sync.errors import SyncUnavailable
from sync.server import refdata
from tests.sync.faultproxy import FaultProxy
from tests.sync.till_harness import (
    ServerThread,
    SyncTill,
    assert_settled,
    attach,
    make_sync_till,
    server_journal,
)

FAULTS = ("ok", "drop_before", "drop_after", "truncate", "duplicate", "reset")
ITEMS = ("BAG", "VIN", "SAN")


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="caisse-stateful-"))
        self.server = ServerThread(f"sqlite:///{self.tmp / 'server.sqlite'}")
        self.proxy = FaultProxy(self.server.port, seed=0)
        self.tills: list[SyncTill] = [
            attach(
                make_sync_till(self.tmp / f"t{k}", till_id=f"TILL0{k}"),
                self.server,
                self.proxy.url,
                timeout=1.0,
            )
            for k in range(2)
        ]
        self.version = 0

    @rule(k=st.integers(0, 1), item=st.sampled_from(ITEMS), qty=st.integers(1, 3))
    def sell(self, k: int, item: str, qty: int) -> None:
        till = self.tills[k]
        till.fixture.clock.advance(seconds=90)
        till.sell((item, qty * 1000))

    @rule(k=st.integers(0, 1), fault=st.sampled_from(FAULTS), batch=st.integers(1, 5))
    def sync_through_a_fault(self, k: int, fault: str, batch: int) -> None:
        till = self.tills[k]
        till.agent._batch_size = batch
        self.proxy.script = [fault]
        with contextlib.suppress(SyncUnavailable):
            till.agent.sync_once()
        self.proxy.script = []

    @rule(k=st.integers(0, 1))
    def sync_with_the_server_down(self, k: int) -> None:
        self.server.stop()
        try:
            with pytest.raises(SyncUnavailable):
                self.tills[k].agent.sync_once()
        finally:
            self.server.start()
            self.proxy.upstream_port = self.server.port

    @rule(k=st.integers(0, 1))
    def restart_the_agent(self, k: int) -> None:
        till = self.tills[k]
        till.agent.stop(final_session=False)
        self.tills[k] = attach(till.fixture, self.server, self.proxy.url, enrol=False, timeout=1.0)

    @rule(price=st.integers(50, 500), delete=st.booleans())
    def publish_a_catalogue_change(self, price: int, delete: bool) -> None:
        self.version += 1
        sku = f"N{self.version % 3}"
        data = None if delete else {"sku": sku, "label": f"Nouveau {sku}", "price_ttc_cents": price}
        refdata.publish(self.server.ctx, "catalog", [(sku, data)])

    @invariant()
    def cursors_are_safe(self) -> None:
        for till in self.tills:
            with till.uow() as w:
                state = w.sync.state()
            local = till.journal()
            remote = server_journal(self.server, till.device_id())
            assert remote == local[: len(remote)]  # a prefix: nothing foreign, nothing lost
            assert state.acked_gseq <= len(remote)

    def teardown(self) -> None:
        try:
            self.proxy.enabled = False
            for till in self.tills:
                for _ in range(5):
                    if till.agent.sync_once().pending == 0:
                        break
                till.agent.sync_once()
            assert_settled(self.server, self.tills)
            for till in self.tills:  # the catalogue converged too (values and tombstones)
                with till.uow() as w:
                    for n in range(3):
                        found = w.catalog.find(f"N{n}")
                        assert (found is None) == (not self._live(f"N{n}"))
        finally:
            for till in self.tills:
                till.close()
            self.proxy.close()
            self.server.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _live(self, sku: str) -> bool:
        from sqlalchemy import select

        from sync.server import schema

        r = schema.ref_item
        with self.server.ctx.engine.connect() as conn:
            deleted = conn.execute(
                select(r.c.deleted).where((r.c.scope == "catalog") & (r.c.item_id == sku))
            ).scalar()
        return deleted is not None and not deleted


SyncMachine.TestCase.settings = settings(
    max_examples=5,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_sync_under_random_sales_faults_and_outages = SyncMachine.TestCase
