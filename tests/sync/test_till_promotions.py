"""Promotions pulled into the till (migration 0008) from the real server over loopback.

The server runs on SQLite, then on PostgreSQL when CAISSE_TEST_PG_URL is set (the `server`
fixture of `till_harness`); the till is a real one on its SQLite file.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import and_, select

from caisse.services.promotions import active_promotions
from sync.server import refdata, schema
from tests.sync.till_harness import ServerThread, SyncTill, attach, make_sync_till, server

__all__ = ["server"]  # the fixture

pytestmark = pytest.mark.integration

SCOPE = "promotions:S1"


@pytest.fixture
def till(tmp_path: Path, server: ServerThread) -> Iterator[SyncTill]:
    t = attach(make_sync_till(tmp_path / "till"), server)
    yield t
    t.close()


def _promo(label: str, valid_from: str | None, valid_until: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"label": label, "kind": "percent", "percent_bp": 1000}
    data["skus"] = ["BAG", "VIN"]
    if valid_from is not None:
        data["valid_from"] = valid_from
    if valid_until is not None:
        data["valid_until"] = valid_until
    return data


def _server_live(srv: ServerThread) -> dict[str, tuple[int, dict[str, Any]]]:
    """The scope's live items on the server: id -> (version, data)."""
    r = schema.ref_item
    with srv.ctx.engine.connect() as conn:
        rows = conn.execute(
            select(r.c.item_id, r.c.version, r.c.data).where(
                and_(r.c.scope == SCOPE, r.c.deleted.is_(False))
            )
        ).all()
    return {str(i): (int(v), json.loads(d)) for i, v, d in rows}


def _till_rows(t: SyncTill) -> dict[str, tuple[int, dict[str, Any]]]:
    with t.uow() as w:
        return {p.promo_id: (p.version, dict(p.data)) for p in w.promotions.list_all()}


def _cursor(t: SyncTill) -> int:
    with t.uow() as w:
        return w.sync.cursor(SCOPE)


def test_published_updated_and_deleted_promotions_reach_the_till(
    server: ServerThread, till: SyncTill
) -> None:
    soldes = _promo("Soldes d'hiver -10 %", "2027-01-13T08:00:00+01:00", "2027-02-10T00:00:00Z")
    last = refdata.publish(
        server.ctx, SCOPE, [("SOLDES", soldes), ("HAPPY", _promo("Happy hour", None, None))]
    )
    report = till.agent.sync_once()
    assert report.pulled[SCOPE] == 2
    assert _till_rows(till) == _server_live(server)
    assert _cursor(till) == last
    with till.uow() as w:
        got = w.promotions.get("SOLDES")
    assert got is not None
    assert got.label == "Soldes d'hiver -10 %"
    assert got.valid_from == datetime(2027, 1, 13, 7, 0, tzinfo=UTC)  # +01:00 kept as UTC
    assert got.valid_until == datetime(2027, 2, 10, tzinfo=UTC)
    assert got.data["skus"] == ["BAG", "VIN"]

    # an update replaces the row: new version, new window, new payload
    changed = _promo("Soldes d'hiver -20 %", "2027-01-13T07:00:00Z", "2027-02-03T00:00:00Z")
    changed["percent_bp"] = 2000
    last = refdata.publish(server.ctx, SCOPE, [("SOLDES", changed)])
    assert till.agent.sync_once().pulled[SCOPE] == 1
    with till.uow() as w:
        got = w.promotions.get("SOLDES")
    assert got is not None
    assert (got.version, got.label, got.data["percent_bp"]) == (last, changed["label"], 2000)
    assert got.valid_until == datetime(2027, 2, 3, tzinfo=UTC)
    assert _till_rows(till) == _server_live(server)

    # a deletion comes as a tombstone and removes the row
    last = refdata.publish(server.ctx, SCOPE, [("HAPPY", None)])
    till.agent.sync_once()
    assert set(_till_rows(till)) == {"SOLDES"}
    assert _till_rows(till) == _server_live(server)
    assert _cursor(till) == last

    # what the till will ask: which promotions hold now
    inside = datetime(2027, 2, 2, 23, 59, 59, tzinfo=UTC)
    assert [p.promo_id for p in active_promotions(till.uow, inside)] == ["SOLDES"]
    assert active_promotions(till.uow, inside + timedelta(seconds=1)) == []  # until: exclusive
    assert active_promotions(till.uow, datetime(2027, 1, 13, 6, 59, 59, tzinfo=UTC)) == []
    with pytest.raises(ValueError, match="aware"):
        active_promotions(till.uow, datetime(2027, 1, 20))  # noqa: DTZ001 - naive on purpose


def test_a_page_and_its_cursor_commit_together(server: ServerThread, till: SyncTill) -> None:
    versions = [
        refdata.publish(server.ctx, SCOPE, [(f"P{i}", _promo(f"Promo {i}", None, None))])
        for i in range(1, 6)
    ]
    till.agent._pull_limit = 2  # pages (P1, P2), (P3, P4), (P5)
    # a real failure of the till's database in the middle of the second page
    with till.uow() as w:
        w.sync._conn.execute(
            "CREATE TRIGGER fail_p4 BEFORE INSERT ON promotions WHEN NEW.id = 'P4' "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
        w.commit()
    with pytest.raises(sqlite3.IntegrityError, match="injected failure"):
        till.agent.sync_once()
    # the first page and its cursor are in; of the second page, neither rows nor cursor
    assert set(_till_rows(till)) == {"P1", "P2"}
    assert _cursor(till) == versions[1]

    with till.uow() as w:
        w.sync._conn.execute("DROP TRIGGER fail_p4")
        w.commit()
    till.agent.sync_once()
    assert set(_till_rows(till)) == {f"P{i}" for i in range(1, 6)}
    assert _till_rows(till) == _server_live(server)
    assert _cursor(till) == versions[-1]


def test_a_reset_scope_forgets_promotions_the_server_no_longer_has(
    server: ServerThread, till: SyncTill
) -> None:
    refdata.publish(
        server.ctx, SCOPE, [("A", _promo("A", None, None)), ("B", _promo("B", None, None))]
    )
    till.agent.sync_once()
    assert set(_till_rows(till)) == {"A", "B"}
    # the server deletes A and compacts its tombstone: the till's cursor is now too old
    last = refdata.publish(server.ctx, SCOPE, [("A", None)])
    assert refdata.compact(server.ctx, SCOPE, last + 1) == 1
    till.agent.sync_once()  # 409 reset: the scope is dropped and pulled again from 0
    assert set(_till_rows(till)) == {"B"}
    assert _till_rows(till) == _server_live(server)


def test_an_unreadable_window_removes_the_promotion_and_the_cursor_moves(
    server: ServerThread, till: SyncTill
) -> None:
    refdata.publish(server.ctx, SCOPE, [("X", _promo("X", None, "2027-03-01T00:00:00Z"))])
    till.agent.sync_once()
    assert set(_till_rows(till)) == {"X"}
    # a bare date: which time zone, and is the day included? The till does not guess.
    last = refdata.publish(server.ctx, SCOPE, [("X", _promo("X", None, "2027-03-01"))])
    till.agent.sync_once()
    assert _till_rows(till) == {}
    assert _cursor(till) == last


def test_a_bound_with_an_offset_east_of_utc_is_stored_as_utc(
    server: ServerThread, till: SyncTill
) -> None:
    tokyo = timezone(timedelta(hours=9))
    start = datetime(2027, 4, 1, 9, 0, 0, 250_000, tzinfo=tokyo)
    refdata.publish(server.ctx, SCOPE, [("J", _promo("J", start.isoformat(), None))])
    till.agent.sync_once()
    with till.uow() as w:
        got = w.promotions.get("J")
    assert got is not None
    # a fraction of a second rounds the start up: never valid before the server said
    assert got.valid_from == datetime(2027, 4, 1, 0, 0, 1, tzinfo=UTC)
