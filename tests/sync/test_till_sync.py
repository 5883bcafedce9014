"""The till's sync agent against the real server over loopback: push, anchors, pull, handshake."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from caisse.app.sync_agent import DataDirLock, SyncStopped
from caisse.app.sync_runtime import start_sync
from caisse.domain.errors import UserFacingError
from caisse.services.device_status import SyncLink
from caisse.services.errors import RightsExpired, TillBlocked
from caisse.services.jet import Jet
from caisse.services.operators import RIGHTS_SNAPSHOT_KEY, hash_pin
from sync.errors import SyncUnavailable
from sync.server import refdata
from tests.sync.till_harness import (
    ServerThread,
    SyncTill,
    assert_settled,
    attach,
    make_sync_till,
    server,
    server_journal,
)

__all__ = ["server"]  # the fixture


@pytest.fixture
def till(tmp_path: Path, server: ServerThread) -> Iterator[SyncTill]:
    t = attach(make_sync_till(tmp_path / "till"), server)
    yield t
    t.close()


def _anchor_records(t: SyncTill) -> list[dict[str, object]]:
    with t.uow() as w:
        bodies = [json.loads(e.body) for e in w.journal.iter_from(1) if e.kind == "J"]
    return [b for b in bodies if b["code"] == int(Jet.ANCHOR_ACK)]


def test_push_everything_then_anchor_once(server: ServerThread, till: SyncTill) -> None:
    for _ in range(5):
        till.sell(("BAG", 2000), ("VIN", 1000))
    report = till.agent.sync_once()
    assert report.pending == 0
    assert report.anchors == 1
    anchors = _anchor_records(till)
    assert len(anchors) == 1
    detail = anchors[0]["detail"]
    assert isinstance(detail, dict)
    assert detail["anchor"]["device_id"] == till.device_id()
    # a second session has nothing new to anchor: no ping-pong of anchor records
    again = till.agent.sync_once()
    assert again.accepted == 0
    assert again.anchors == 0
    assert_settled(server, [till])
    assert till.agent.sync_status().link is SyncLink.ONLINE


def test_pull_catalogue_prices_users_and_stock(server: ServerThread, till: SyncTill) -> None:
    refdata.publish(
        server.ctx,
        "catalog",
        [
            (
                "NEW1",
                {
                    "sku": "NEW1",
                    "ean": "3760000000999",
                    "label": "Nouveau",
                    "price_ttc_cents": 350,
                    "vat_bp": 550,
                    "category": "Épicerie",
                    "unit": "piece",
                },
            ),
            ("VIN", None),
        ],
    )
    refdata.publish(server.ctx, "prices:S1", [("BAG", {"sku": "BAG", "price_ttc_cents": 110})])
    report = till.agent.sync_once()
    assert report.pulled["catalog"] == 2
    with till.uow() as w:
        assert w.catalog.find("3760000000999") is not None
        assert w.catalog.find("VIN") is None  # tombstone: deactivated
        bag = w.catalog.find("BAG")
        assert bag is not None
        assert bag.price_ttc_cents == 110
        assert w.sync.cursor("catalog") > 0
        snapshot = w.state.get(RIGHTS_SNAPSHOT_KEY)
    assert snapshot is not None
    assert "valid_until" in snapshot


def test_restored_server_makes_the_till_rewind(server: ServerThread, till: SyncTill) -> None:
    for _ in range(2):
        till.sell(("BAG", 1000))
    till.agent.sync_once()
    server.snapshot("backup")
    for _ in range(3):
        till.sell(("BAG", 1000))
    till.agent.sync_once()
    device = till.device_id()
    full = server_journal(server, device)
    # the server comes back from the older backup: its last records and cursor are gone
    server.restore("backup")
    assert len(server_journal(server, device)) < len(full)
    report = till.agent.sync_once()
    assert report.rewound_from == full[-1][0]
    assert server_journal(server, device) == till.journal()


def test_restored_till_stops_selling(server: ServerThread, tmp_path: Path, till: SyncTill) -> None:
    import shutil

    till.sell(("BAG", 1000))
    till.agent.sync_once()
    backup = tmp_path / "backup"
    till.fixture.till.context.uow.close()  # type: ignore[attr-defined]
    shutil.copytree(till.fixture.data_dir, backup)
    for _ in range(3):
        till.sell(("BAG", 1000))
    till.agent.sync_once()
    till.close()
    # the old backup comes back: the server holds more than the till
    shutil.rmtree(till.fixture.data_dir)
    shutil.copytree(backup, till.fixture.data_dir)
    till.fixture.reopen()
    restored = attach(till.fixture, server, enrol=False)
    with pytest.raises(SyncStopped):
        restored.agent.sync_once()
    with pytest.raises(TillBlocked):
        restored.sell(("BAG", 1000))
    assert restored.agent.sync_status().stopped  # the status bar shows the alarm
    restored.agent.stop(final_session=False)
    old_device = restored.device_id()
    # whatever opens it next (the till, a command) finds it still blocked
    till.fixture.reopen()
    again = SyncTill(till.fixture, restored.agent)
    with pytest.raises(TillBlocked):
        again.sell(("BAG", 1000))
    # re-enrolment: a new device, JET 150 device.rebased, selling again, the whole chain pushed
    rebased = attach(till.fixture, server)
    assert rebased.device_id() != old_device
    with rebased.uow() as w:
        bodies = [json.loads(e.body) for e in w.journal.iter_from(1) if e.kind == "J"]
    event = [b for b in bodies if b["code"] == int(Jet.RESTORE)][-1]
    assert event["detail"]["what"] == "device.rebased"
    assert event["detail"]["predecessor"] == old_device
    rebased.sell(("BAG", 1000))
    assert rebased.agent.sync_once().pending == 0
    assert server_journal(server, rebased.device_id()) == rebased.journal()
    rebased.agent.stop(final_session=False)


def test_offline_status_then_reconnection(server: ServerThread, till: SyncTill) -> None:
    till.sell(("BAG", 1000))
    till.agent.sync_once()
    server.stop()
    till.sell(("VIN", 1000))
    with pytest.raises(SyncUnavailable):
        till.agent.sync_once()
    status = till.agent.sync_status()
    assert status.link is SyncLink.OFFLINE
    assert status.offline_since
    assert status.pending >= 1
    server.start()
    assert till.agent.sync_once().pending == 0
    assert till.agent.sync_status().link is SyncLink.ONLINE


def test_a_sale_wakes_the_agent_thread(server: ServerThread, till: SyncTill) -> None:
    till.agent.interval_s = 3600  # only the sale can trigger the push
    till.fixture.till.context.listener = till.agent
    assert till.agent.start()
    try:
        deadline = time.monotonic() + 30
        while till.agent.sessions == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        gseq = till.sell(("BAG", 1000))
        while time.monotonic() < deadline:
            if any(g == gseq for g, _ in server_journal(server, till.device_id())):
                break
            time.sleep(0.05)
        assert any(g == gseq for g, _ in server_journal(server, till.device_id()))
    finally:
        till.agent.stop(final_session=False)


def test_one_agent_per_data_directory(till: SyncTill) -> None:
    first = DataDirLock(till.fixture.data_dir)
    assert first.acquire()
    try:
        assert not till.agent.start()  # another holder: this agent stays off
        assert not DataDirLock(till.fixture.data_dir).acquire()
    finally:
        first.release()
    assert till.agent.start()
    till.agent.stop(final_session=False)


def test_demo_embedded_server_enrols_and_syncs(tmp_path: Path) -> None:
    fixture = make_sync_till(tmp_path / "demo")
    try:
        runtime = start_sync(fixture.till, demo=True, interval_s=3600)
        assert runtime.server is not None
        assert runtime.agent is not None
        report = runtime.agent.sync_once()
        assert report.pending == 0
        first_url = runtime.server.base_url
        with fixture.till.context.uow() as w:
            device = w.sync.state().device_id  # type: ignore[attr-defined]
        runtime.stop()
        # the next start serves on another port: the same device follows it
        runtime = start_sync(fixture.till, demo=True, interval_s=3600)
        assert runtime.agent is not None
        assert runtime.agent.sync_once().pending == 0
        with fixture.till.context.uow() as w:
            state = w.sync.state()  # type: ignore[attr-defined]
        assert state.device_id == device
        assert runtime.server is not None
        assert state.server_url == runtime.server.base_url
        assert first_url.startswith("http://127.0.0.1:")
        runtime.stop()
    finally:
        fixture.till.close()


def test_bulk_catalogue_pull_rebuilds_the_search_index(
    server: ServerThread, till: SyncTill
) -> None:
    refdata.publish(
        server.ctx,
        "catalog",
        [
            (
                f"Z{i}",
                {
                    "sku": f"Z{i}",
                    "label": f"Zèbre en peluche {i}",
                    "price_ttc_cents": 900,
                    "vat_bp": 2000,
                },
            )
            for i in range(30)
        ],
    )
    till.agent._pull_limit = 7  # several pages from 0: the bulk path
    till.agent.sync_once()
    with till.uow() as w:
        conn = w.sync._conn
        triggers = conn.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'products_fts%'"
        ).fetchone()
        hits = conn.execute(
            "SELECT COUNT(*) FROM products_fts WHERE products_fts MATCH 'zebre'"
        ).fetchone()
        pending = w.state.get("sync.fts_triggers")
    assert triggers[0] == 3
    assert hits[0] == 30
    assert pending is None


def test_users_pulled_can_sign_in_and_revocations_arrive(
    server: ServerThread, till: SyncTill
) -> None:
    refdata.publish(
        server.ctx,
        "users:S1",
        [("lea", {"name": "Léa", "role": "cashier", "pin_hash": hash_pin("4321")})],
    )
    till.agent.sync_once()
    session = till.fixture.till.operators.authenticate("lea", "4321")
    assert session.role.value == "cashier"
    refdata.publish(server.ctx, "users:S1", [("lea", None)])
    till.agent.sync_once()
    with pytest.raises(UserFacingError):
        till.fixture.till.operators.authenticate("lea", "4321")


def test_offline_period_is_bracketed_by_jet_120_and_121(
    server: ServerThread, till: SyncTill
) -> None:
    till.agent.offline_jet_after_s = 0
    till.agent.sync_once()
    server.stop()
    till.sell(("BAG", 1000))
    till.agent._one_round()  # fails: the link is down
    server.start()
    till.agent._one_round()  # reconnection
    with till.uow() as w:
        codes = [json.loads(e.body)["code"] for e in w.journal.iter_from(1) if e.kind == "J"]
    assert int(Jet.OFFLINE_START) in codes
    assert codes.index(int(Jet.OFFLINE_END)) > codes.index(int(Jet.OFFLINE_START))


def test_after_valid_until_only_a_manager_signs_in(server: ServerThread, till: SyncTill) -> None:
    from datetime import UTC, datetime, timedelta

    till.agent.sync_once()  # keeps the signed snapshot (valid a week)
    operators = till.fixture.till.operators
    assert operators.authenticate("marie", "1234").id == "marie"
    till.fixture.clock.current = datetime.now(UTC) + timedelta(days=8)
    with pytest.raises(RightsExpired):
        operators.authenticate("marie", "1234")
    assert operators.authenticate("paul", "5678").id == "paul"  # a manager still may


def test_displayed_stock_is_the_pulled_level_plus_unacked_sales(
    server: ServerThread, till: SyncTill
) -> None:
    till.sell(("BAG", 2000))
    till.agent.sync_once()  # push first, then pull: the level includes our own sale
    with till.uow() as w:
        assert w.sync.displayed_stock("BAG") == -2000
    till.sell(("BAG", 1000))  # not pushed yet
    with till.uow() as w:
        assert w.sync.displayed_stock("BAG") == -3000
        assert w.sync.displayed_stock("NEVER") is None
    till.agent.sync_once()
    with till.uow() as w:
        assert w.sync.displayed_stock("BAG") == -3000
        level = w.sync._conn.execute(
            "SELECT qty_milli FROM server_stock WHERE sku = 'BAG'"
        ).fetchone()
    assert level[0] == -3000
