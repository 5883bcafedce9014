"""Pull by scope (sync.md §3.6, §6.3): pages, cursors, tombstones, reset, signed rights."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import text

from sync import protocol
from sync.client import SyncClient
from sync.errors import ProtocolError
from sync.protocol import PullItem
from sync.server import refdata
from sync.server.auth import Device
from sync.server.context import ServerContext
from tests.sync.conftest import LiveServer

pytestmark = pytest.mark.integration


def _product(sku: str, price: int) -> dict[str, object]:
    return {"sku": sku, "label": f"Produit {sku}", "price_ttc_cents": price, "vat_bp": 550}


def _pull_all(client: SyncClient, scope: str, since: int, limit: int) -> tuple[list[PullItem], int]:
    items: list[PullItem] = []
    while True:
        page = client.pull(scope, since, limit)
        items.extend(page.items)
        assert page.next >= since
        since = page.next
        if not page.has_more:
            return items, since


def _replica(items: list[PullItem]) -> dict[str, dict[str, object] | None]:
    state: dict[str, dict[str, object] | None] = {}
    for item in items:
        if item.deleted:
            state.pop(item.id, None)
        else:
            state[item.id] = item.data
    return state


def test_pages_cursor_and_tombstones_converge(live: LiveServer) -> None:
    refdata.publish(
        live.ctx, "catalog", [(f"P{i:02d}", _product(f"P{i:02d}", i)) for i in range(7)]
    )
    client = live.enrolled()
    items, cursor = _pull_all(client, "catalog", 0, 3)
    assert [i.id for i in items] == [f"P{i:02d}" for i in range(7)]
    replica = _replica(items)

    refdata.publish(live.ctx, "catalog", [("P01", None), ("P02", _product("P02", 999))])
    refdata.publish(live.ctx, "catalog", [("P07", _product("P07", 7))])
    changes, cursor = _pull_all(client, "catalog", cursor, 2)
    assert [(i.id, i.deleted) for i in changes] == [("P01", True), ("P02", False), ("P07", False)]
    replica.update(_replica(changes))
    replica.pop("P01", None)
    full, _ = _pull_all(client, "catalog", 0, 1000)
    assert replica == _replica(full)
    assert "P01" not in replica
    assert replica["P02"] == _product("P02", 999)

    empty = client.pull("catalog", cursor)
    assert (empty.items, empty.next, empty.has_more) == ([], cursor, False)


def test_a_cursor_older_than_the_retained_tombstones_must_reset(live: LiveServer) -> None:
    refdata.publish(live.ctx, "catalog", [("A", _product("A", 1)), ("B", _product("B", 2))])
    client = live.enrolled()
    _, old_cursor = _pull_all(client, "catalog", 0, 10)
    last = refdata.publish(live.ctx, "catalog", [("A", None)])
    assert refdata.compact(live.ctx, "catalog", last + 1) == 1
    with pytest.raises(ProtocolError) as info:
        client.pull("catalog", old_cursor)
    assert (info.value.status, info.value.code) == (409, "reset")
    assert info.value.extra["snapshot_version"] == last
    items, _ = _pull_all(client, "catalog", 0, 10)
    assert [i.id for i in items] == ["B"]


def test_a_cursor_ahead_of_the_server_must_reset(live: LiveServer) -> None:
    refdata.publish(live.ctx, "catalog", [("A", _product("A", 1))])
    client = live.enrolled()
    with pytest.raises(ProtocolError) as info:
        client.pull("catalog", 10_000)
    assert info.value.code == "reset"


def test_users_come_with_a_signed_rights_snapshot(live: LiveServer) -> None:
    refdata.publish(
        live.ctx,
        "users:S1",
        [
            ("marie", {"name": "Marie", "role": "cashier"}),
            ("paul", {"name": "Paul", "role": "manager"}),
        ],
    )
    client = live.enrolled()
    first = client.pull("users:S1", 0, 1)
    assert first.has_more
    assert first.snapshot is None
    last = client.pull("users:S1", first.next, 10)
    assert last.snapshot is not None
    assert last.snapshot.verify(live.ctx.jwk)
    payload = last.snapshot.payload
    assert payload["type"] == "rights"
    assert [u["id"] for u in payload["users"]] == ["marie", "paul"]
    valid_until = protocol.parse_utc_iso(payload["valid_until"])
    issued = protocol.parse_utc_iso(payload["issued_at"])
    assert (valid_until - issued).total_seconds() == live.ctx.rights_valid_s
    assert isinstance(valid_until, datetime)


def test_unknown_scope_and_bad_limits_are_refused(live: LiveServer) -> None:
    client = live.enrolled()
    with pytest.raises(ProtocolError) as info:
        client.pull("secrets", 0)
    assert info.value.status == 404
    with pytest.raises(ProtocolError) as info:
        client.pull("catalog", 0, limit=protocol.MAX_PULL_LIMIT + 1)
    assert info.value.code == "bad_payload"


def test_a_late_commit_is_never_skipped(server: ServerContext) -> None:
    """F14: a writer holding an early version commits after a later one; a reader that pulls
    in between must still see both (versions are handed out under the counter-row lock)."""
    if server.engine.dialect.name != "postgresql":
        pytest.skip("needs two concurrent writers: PostgreSQL only (SQLite has one writer)")
    holding = server.engine.connect()
    tx = holding.begin()
    first = server.next_versions(holding, 1)
    holding.execute(
        text(
            "INSERT INTO ref_item (scope, item_id, version, deleted, data) "
            "VALUES ('catalog', 'EARLY', :v, false, '{}')"
        ),
        {"v": first},
    )
    done: list[int] = []
    writer = threading.Thread(
        target=lambda: done.append(refdata.publish(server, "catalog", [("LATE", {})]))
    )
    writer.start()
    writer.join(1.0)
    assert done == []  # the late writer waits for the counter row: it cannot commit first
    device = Device("dev_x", "S1", None, "active", 0)
    page = refdata.pull(server, device, "catalog", 0, 100)
    assert [i.id for i in page.items] == []
    tx.commit()
    holding.close()
    writer.join(10)
    page = refdata.pull(server, device, "catalog", page.next, 100)
    assert [i.id for i in page.items] == ["EARLY", "LATE"]
