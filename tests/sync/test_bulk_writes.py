"""The server's bulk writes (COPY on PostgreSQL, executemany on SQLite) keep their contracts."""

from __future__ import annotations

import pytest
from psycopg.errors import UniqueViolation
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sync.server import refdata, schema
from sync.server.bulk import insert_rows
from sync.server.context import ServerContext


def test_rows_go_in_exactly_with_their_bytes(server: ServerContext) -> None:
    body = bytes(range(256)) + b"\\x00\\\\N\t\n"  # bytes that text COPY must escape
    j = schema.journal
    columns = [c.name for c in j.columns]
    row = ("dev_1", 7, "T", 3, "20260315134502Z", "core", "sig", body, "h" * 43, "now")
    with server.engine.begin() as conn:
        insert_rows(conn, j, columns, [row])
    with server.engine.connect() as conn:
        stored = conn.execute(select(*j.columns)).one()
    assert tuple(stored[:7]) == row[:7]
    assert bytes(stored.body) == body
    assert tuple(stored[8:]) == row[8:]


def test_an_unknown_column_is_refused_before_anything_is_written(server: ServerContext) -> None:
    with server.engine.begin() as conn, pytest.raises(ValueError, match="no column nope"):
        insert_rows(conn, schema.alert, ["kind", "nope"], [("negative_stock", 1)])


def test_a_conflicting_row_fails_the_whole_transaction(server: ServerContext) -> None:
    m = schema.stock_movement
    columns = [c.name for c in m.columns]
    first = ("a:1:1", "S1", "BAG", -1000, "sale", "2026-03-15T13:45:02Z", "a")
    with server.engine.begin() as conn:
        insert_rows(conn, m, columns, [first])
    # note: COPY's error comes from psycopg itself, the executemany's through SQLAlchemy
    with pytest.raises((IntegrityError, UniqueViolation)), server.engine.begin() as conn:
        insert_rows(conn, m, columns, [("b:1:1", *first[1:]), first])
    with server.engine.connect() as conn:
        assert conn.execute(select(m.c.movement_id)).scalars().all() == ["a:1:1"]


def test_publish_keeps_the_last_value_of_an_item_given_twice(server: ServerContext) -> None:
    refdata.publish(server, "catalog", [("A", {"label": "old"}), ("B", {"label": "b"})])
    last = refdata.publish(
        server,
        "catalog",
        [("A", {"label": "first"}), ("B", None), ("A", {"label": "second"})],
    )
    r = schema.ref_item
    with server.engine.connect() as conn:
        rows = {
            item: (int(version), bool(deleted), data)
            for item, version, deleted, data in conn.execute(
                select(r.c.item_id, r.c.version, r.c.deleted, r.c.data)
            )
        }
    assert rows["A"] == (last, False, '{"label": "second"}')
    assert rows["B"][1:] == (True, None)
    assert rows["B"][0] < last
