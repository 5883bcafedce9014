"""Reference data going down to the tills: publish by scope, pull by cursor, compact.

Every change gets a version from the counter row, locked until commit, so that version order
is commit order (sync.md §3.6) on PostgreSQL and SQLite alike. Deletions are tombstones;
`compact` forgets tombstones older than a version and makes older cursors answer ``409 reset``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, MetaData, Table, and_, delete, select

from sync import protocol
from sync.protocol import PullItem, PullPage
from sync.server import schema
from sync.server.auth import Device
from sync.server.bulk import insert_rows
from sync.server.context import ServerContext

_CHUNK = 5000
_ANALYZE_AFTER = 10_000
_LOAD = Table(
    "ref_item_load", MetaData(), *(Column(c.name, c.type) for c in schema.ref_item.columns)
)
"""The session's temporary copy of ``ref_item`` that a PostgreSQL publish loads first."""
CATALOG_COLUMNS = ("sku", "ean", "label", "price_ttc_cents", "vat_bp", "category", "unit")


def publish(
    ctx: ServerContext, scope: str, changes: Iterable[tuple[str, dict[str, Any] | None]]
) -> int:
    """Publish changes to one scope: ``(item_id, data)`` upserts, ``(item_id, None)`` deletes.

    Returns:
        The last version assigned (0 when there was nothing to publish).
    """
    protocol.check_scope(scope)
    items = list(changes)
    if not items:
        return 0
    # note: an item given twice keeps its last value (one row can be merged once a statement)
    last = {item_id: i for i, (item_id, _) in enumerate(items)}
    items = [item for i, item in enumerate(items) if last[item[0]] == i]
    with ctx.engine.begin() as conn:
        first = ctx.next_versions(conn, len(items))
        for start in range(0, len(items), _CHUNK):
            _upsert(
                ctx,
                conn,
                [
                    {
                        "scope": scope,
                        "item_id": item_id,
                        "version": first + start + offset,
                        "deleted": data is None,
                        "data": None if data is None else json.dumps(data, ensure_ascii=False),
                    }
                    for offset, (item_id, data) in enumerate(items[start : start + _CHUNK])
                ],
            )
    if len(items) >= _ANALYZE_AFTER and ctx.engine.dialect.name == "postgresql":
        # note: with the statistics of an empty table the planner sorts the whole scope for
        # every page (80 ms instead of 0.4 ms a page at 200,000 products); refresh them now
        with ctx.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE ref_item")
    return first + len(items) - 1


def _upsert(ctx: ServerContext, conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert or replace `rows` of ``ref_item`` (one chunk, unique keys).

    PostgreSQL: the chunk is copied into a temporary table and merged by one
    ``INSERT ... SELECT ... ON CONFLICT`` (an executemany costs one statement per row: minutes
    for a 200,000-product catalogue). SQLite: an executemany, which has no round trips.
    """
    r = schema.ref_item
    if conn.dialect.name != "postgresql":
        stmt = ctx.insert(r)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[r.c.scope, r.c.item_id],
                set_={
                    "version": stmt.excluded.version,
                    "deleted": stmt.excluded.deleted,
                    "data": stmt.excluded.data,
                },
            ),
            rows,
        )
        return
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS ref_item_load "
        "(LIKE ref_item INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    conn.exec_driver_sql("TRUNCATE ref_item_load")
    insert_rows(conn, _LOAD, list(rows[0]), (tuple(row.values()) for row in rows))
    conn.exec_driver_sql(
        "INSERT INTO ref_item (scope, item_id, version, deleted, data) "
        "SELECT scope, item_id, version, deleted, data FROM ref_item_load "
        "ON CONFLICT (scope, item_id) DO UPDATE SET version = EXCLUDED.version, "
        "deleted = EXCLUDED.deleted, data = EXCLUDED.data"
    )


def import_catalog_csv(ctx: ServerContext, path: Path, *, replace: bool = False) -> int:
    """Publish products from a CSV file (the columns of ``caisse catalog import``).

    With `replace`, products absent from the file become tombstones.

    Raises:
        ValueError: a missing column or a bad number (the message names the line).
    """
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = [
        c
        for c in ("sku", "label", "price_ttc_cents", "vat_bp")
        if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise ValueError(f"missing column(s): {', '.join(missing)}")
    changes: list[tuple[str, dict[str, Any] | None]] = []
    seen: set[str] = set()
    for number, row in enumerate(reader, start=2):
        sku = (row.get("sku") or "").strip()
        try:
            data: dict[str, Any] = {
                "sku": sku,
                "ean": (row.get("ean") or "").strip() or None,
                "label": row["label"].strip(),
                "price_ttc_cents": int(row["price_ttc_cents"]),
                "vat_bp": int(row["vat_bp"]),
                "category": (row.get("category") or "").strip(),
                "unit": (row.get("unit") or "piece").strip() or "piece",
            }
        except (TypeError, ValueError) as exc:
            raise ValueError(f"line {number}: {exc}") from exc
        if not sku:
            raise ValueError(f"line {number}: empty sku")
        seen.add(sku)
        changes.append((sku, data))
    if replace:
        r = schema.ref_item
        with ctx.engine.connect() as conn:
            live = conn.execute(
                select(r.c.item_id).where(and_(r.c.scope == "catalog", r.c.deleted.is_(False)))
            ).scalars()
            changes.extend((sku, None) for sku in live if sku not in seen)
    publish(ctx, "catalog", changes)
    return len(changes)


def import_users_csv(
    ctx: ServerContext, store_id: str, path: Path, *, replace: bool = False
) -> int:
    """Publish a store's users and rights from a CSV file.

    Columns ``id``, ``name`` and ``role``; any other column (a PIN hash...) travels as is.
    With `replace`, users absent from the file are deleted.

    Raises:
        ValueError: a missing column or an empty id (the message names the line).
    """
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    missing = [c for c in ("id", "name", "role") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"missing column(s): {', '.join(missing)}")
    changes: list[tuple[str, dict[str, Any] | None]] = []
    for number, row in enumerate(reader, start=2):
        user_id = (row.get("id") or "").strip()
        if not user_id:
            raise ValueError(f"line {number}: empty id")
        changes.append((user_id, {k: (v or "").strip() for k, v in row.items() if k != "id"}))
    scope = f"users:{store_id}"
    if replace:
        r = schema.ref_item
        seen = {user_id for user_id, _ in changes}
        with ctx.engine.connect() as conn:
            live = conn.execute(
                select(r.c.item_id).where(and_(r.c.scope == scope, r.c.deleted.is_(False)))
            ).scalars()
            changes.extend((user_id, None) for user_id in live if user_id not in seen)
    publish(ctx, scope, changes)
    return len(changes)


def compact(ctx: ServerContext, scope: str, below_version: int) -> int:
    """Forget the scope's tombstones older than `below_version`; older cursors will reset.

    Returns:
        How many tombstones were removed.
    """
    r, s = schema.ref_item, schema.scope_state
    with ctx.engine.begin() as conn:
        result = conn.execute(
            delete(r).where(
                and_(r.c.scope == scope, r.c.deleted.is_(True), r.c.version < below_version)
            )
        )
        stmt = ctx.insert(s).values(scope=scope, min_version=below_version)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[s.c.scope], set_={"min_version": stmt.excluded.min_version}
            )
        )
    return int(result.rowcount)


def pull(ctx: ServerContext, device: Device, scope: str, since: int, limit: int) -> PullPage:
    """One page of `scope` after version `since`.

    Raises:
        ProtocolError: ``not_found`` (unknown scope), ``forbidden`` (another store's scope),
            ``bad_payload`` (bad limit), ``reset`` (cursor too old, or newer than the server).
    """
    protocol.check_scope(scope)
    store = protocol.scope_store(scope) or (
        scope.partition(":")[2] if scope.startswith("prices:") else None
    )
    if store is not None and store != device.store_id:
        raise protocol.protocol_error("forbidden", "another store's scope")
    if not 1 <= limit <= protocol.MAX_PULL_LIMIT or since < 0:
        raise protocol.protocol_error("bad_payload", "since or limit out of range")
    with ctx.engine.connect() as conn:
        current = ctx.current_version(conn)
        min_version = conn.execute(
            select(schema.scope_state.c.min_version).where(schema.scope_state.c.scope == scope)
        ).scalar()
        if since > current or (min_version is not None and 0 < since < int(min_version)):
            raise protocol.protocol_error("reset", snapshot_version=current)
        if scope.startswith("stock:"):
            items = _stock_items(conn, device.store_id, since, limit + 1)
        else:
            items = _ref_items(conn, scope, since, limit + 1)
        has_more = len(items) > limit
        items = items[:limit]
        snapshot = None
        if scope.startswith("users:") and not has_more:
            snapshot = _rights_snapshot(ctx, conn, scope, device.store_id)
    next_version = items[-1].version if items else since
    return PullPage(scope, items, next_version, has_more, protocol.page_checksum(items), snapshot)


def _ref_items(conn: Any, scope: str, since: int, limit: int) -> list[PullItem]:
    r = schema.ref_item
    rows = conn.execute(
        select(r.c.item_id, r.c.version, r.c.deleted, r.c.data)
        .where(and_(r.c.scope == scope, r.c.version > since))
        .order_by(r.c.version)
        .limit(limit)
    )
    return [
        PullItem(item_id, int(version), bool(deleted), None if data is None else json.loads(data))
        for item_id, version, deleted, data in rows
    ]


def _stock_items(conn: Any, store_id: str, since: int, limit: int) -> list[PullItem]:
    level = schema.stock_level
    rows = conn.execute(
        select(level.c.sku, level.c.version, level.c.qty_milli)
        .where(and_(level.c.store_id == store_id, level.c.version > since))
        .order_by(level.c.version, level.c.sku)
        .limit(limit)
    )
    return [
        PullItem(sku, int(version), False, {"qty_milli": int(qty)}) for sku, version, qty in rows
    ]


def _rights_snapshot(
    ctx: ServerContext, conn: Any, scope: str, store_id: str
) -> protocol.SignedObject:
    """The whole current users-and-rights set of the store, signed, with ``valid_until``."""
    r = schema.ref_item
    rows = conn.execute(
        select(r.c.item_id, r.c.version, r.c.data)
        .where(and_(r.c.scope == scope, r.c.deleted.is_(False)))
        .order_by(r.c.item_id)
    ).all()
    users: list[Mapping[str, Any]] = [
        {"id": item_id, **(json.loads(data) if data else {})} for item_id, _, data in rows
    ]
    version = max((int(v) for _, v, _ in rows), default=0)
    now = ctx.now()
    return protocol.sign_object(
        ctx.key,
        {
            "type": "rights",
            "store": store_id,
            "version": version,
            "issued_at": protocol.utc_iso(now),
            "valid_until": protocol.utc_iso(now + timedelta(seconds=ctx.rights_valid_s)),
            "users": users,
        },
    )
