"""Stock as a sum of movements (sync.md §3.5): levels may go negative, counts are re-anchored.

A level is ``SUM(qty)`` of a (store, sku)'s movements, kept as the ``stock_level`` projection
and versioned for the ``stock:{store}`` pull. An inventory count is "counted X at T": its
adjustment movement is ``X − Σ movements up to T`` and is recomputed whenever a movement dated
at or before T arrives late, so that an offline sale is never subtracted twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, and_, func, select, update

from sync.server import schema
from sync.server.bulk import insert_rows
from sync.server.context import ServerContext

_CHUNK = 500
"""Rows per multi-row statement (well under SQLite's 32,766 bound parameters)."""


@dataclass(frozen=True, slots=True)
class Movement:
    """One stock movement (negative for goods leaving)."""

    movement_id: str
    store_id: str
    sku: str
    qty_milli: int
    source: str
    at: str
    device_id: str | None


def apply_movements(
    ctx: ServerContext, conn: Connection, movements: Iterable[Movement], *, idempotent: bool
) -> int:
    """Insert movements, update the levels and raise negative-stock alerts, in one transaction.

    Returns how many movements were new.

    Args:
        ctx: the server context.
        conn: the open transaction.
        movements: the movements.
        idempotent: ignore movements whose id is already stored (the ops stream); the fiscal
            ingest already knows its records are new.
    """
    rows = list(movements)
    if not rows:
        return 0
    t = schema.stock_movement
    if idempotent:
        known = set(
            conn.execute(
                select(t.c.movement_id).where(t.c.movement_id.in_([m.movement_id for m in rows]))
            ).scalars()
        )
        rows = [m for m in rows if m.movement_id not in known]
        if not rows:
            return 0
    insert_rows(conn, t, _MOVEMENT_COLUMNS, (_values(m) for m in rows))
    deltas: dict[tuple[str, str], int] = {}
    earliest: dict[tuple[str, str], str] = {}
    for m in rows:
        key = (m.store_id, m.sku)
        deltas[key] = deltas.get(key, 0) + m.qty_milli
        earliest[key] = min(earliest.get(key, m.at), m.at)
    update_levels(ctx, conn, deltas, earliest)
    return len(rows)


def _values(m: Movement) -> tuple[str, str, str, int, str, str, str | None]:
    """The movement's values in the order of `Movement`'s fields (the table's columns)."""
    return (m.movement_id, m.store_id, m.sku, m.qty_milli, m.source, m.at, m.device_id)


_MOVEMENT_COLUMNS = Movement.__slots__


def update_levels(
    ctx: ServerContext,
    conn: Connection,
    deltas: dict[tuple[str, str], int],
    earliest: dict[tuple[str, str], str],
    recount: Iterable[tuple[str, str]] = (),
) -> None:
    """Add `deltas` to the levels and alert on negatives.

    The touched rows get a new version for the pull, one each, so that a page boundary never
    falls inside a version; counts that a late movement affects are recomputed. The versions
    are reserved first: every writer of levels takes the counter row before any level row,
    so concurrent pushes queue on it and never deadlock. The rows are written by multi-row
    upserts that return the new levels.
    """
    level = schema.stock_level
    keys = sorted(set(deltas) | set(recount))
    if not keys:
        return
    first = ctx.next_versions(conn, len(keys))
    stmt = ctx.insert(level)
    upsert = stmt.on_conflict_do_update(
        index_elements=[level.c.store_id, level.c.sku],
        set_={
            "qty_milli": level.c.qty_milli + stmt.excluded.qty_milli,
            "version": stmt.excluded.version,
        },
    ).returning(level.c.store_id, level.c.sku, level.c.qty_milli)
    # note: an executemany with RETURNING is sent as multi-row statements ("insertmanyvalues")
    now_levels = {
        (store_id, sku): int(qty)
        for store_id, sku, qty in conn.execute(
            upsert,
            [
                {
                    "store_id": store_id,
                    "sku": sku,
                    "qty_milli": deltas.get((store_id, sku), 0),
                    "version": first + offset,
                }
                for offset, (store_id, sku) in enumerate(keys)
            ],
        )
    }
    counted = _keys_with_counts_after(conn, earliest, set(recount))
    for key in counted:
        _recompute_counts(ctx, conn, *key)
    if counted:
        now_levels.update(_levels(conn, counted))
    before = {key: now_levels[key] - deltas.get(key, 0) for key in keys}
    alerts = [
        {
            "kind": "negative_stock",
            "store_id": key[0],
            "sku": key[1],
            "device_id": None,
            "detail": json.dumps({"qty_milli": now_levels[key]}),
            "created_at": ctx.now_iso(),
        }
        for key in keys
        if now_levels[key] < 0 <= before[key] or (now_levels[key] < 0 and key in counted)
    ]
    if alerts:
        conn.execute(schema.alert.insert(), alerts)


def _levels(conn: Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    level = schema.stock_level
    result: dict[tuple[str, str], int] = {}
    for store_id in {k[0] for k in keys}:
        skus = [k[1] for k in keys if k[0] == store_id]
        for sku, qty in conn.execute(
            select(level.c.sku, level.c.qty_milli).where(
                and_(level.c.store_id == store_id, level.c.sku.in_(skus))
            )
        ):
            result[(store_id, sku)] = int(qty)
    return result


def _keys_with_counts_after(
    conn: Connection, earliest: dict[tuple[str, str], str], always: set[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The keys in `always`, and those with a count dated at or after their earliest movement.

    One query per store (the latest count of each of its skus), not one per key.
    """
    c = schema.stock_count
    found = set(always)
    for store_id in sorted({k[0] for k in earliest}):
        skus = sorted(k[1] for k in earliest if k[0] == store_id)
        for start in range(0, len(skus), _CHUNK):
            latest = conn.execute(
                select(c.c.sku, func.max(c.c.at))
                .where(and_(c.c.store_id == store_id, c.c.sku.in_(skus[start : start + _CHUNK])))
                .group_by(c.c.sku)
            )
            for sku, at in latest:
                if at is not None and at >= earliest[(store_id, sku)]:
                    found.add((store_id, sku))
    return sorted(found)


def _recompute_counts(ctx: ServerContext, conn: Connection, store_id: str, sku: str) -> None:
    """Re-anchor every count of (store, sku), then set the level to the sum of movements."""
    c, m, level = schema.stock_count, schema.stock_movement, schema.stock_level
    counts = conn.execute(
        select(c.c.event_id, c.c.counted_milli, c.c.at)
        .where(and_(c.c.store_id == store_id, c.c.sku == sku))
        .order_by(c.c.at, c.c.event_id)
    ).all()
    adjusted = 0
    for event_id, counted, at in counts:
        moved = conn.execute(
            select(func.coalesce(func.sum(m.c.qty_milli), 0)).where(
                and_(m.c.store_id == store_id, m.c.sku == sku, m.c.at <= at, m.c.source != "count")
            )
        ).scalar_one()
        adjustment = int(counted) - int(moved) - adjusted
        adjusted += adjustment
        movement_id = f"count:{event_id}"
        stmt = ctx.insert(m).values(
            movement_id=movement_id,
            store_id=store_id,
            sku=sku,
            qty_milli=adjustment,
            source="count",
            at=at,
            device_id=None,
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[m.c.movement_id], set_={"qty_milli": stmt.excluded.qty_milli}
            )
        )
    total = conn.execute(
        select(func.coalesce(func.sum(m.c.qty_milli), 0)).where(
            and_(m.c.store_id == store_id, m.c.sku == sku)
        )
    ).scalar_one()
    conn.execute(
        update(level)
        .where(and_(level.c.store_id == store_id, level.c.sku == sku))
        .values(qty_milli=int(total))
    )
