"""The outbox of the second sync stream, and the stock level the till shows.

Non-fiscal events (stock by hand, receipts, counts, customers) are queued here in the
transaction of the change they describe, then pushed by the sync agent, which stamps
`sent_at` only once the server has answered (sync.md §6.1; migration 0009).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from caisse.services.ports import OpsEventRecord
from caisse.storage.sync_store import SqlSyncStore

_COLS = "event_id, kind, created_at, payload, sku, qty_milli"


def _record(row: Sequence[Any]) -> OpsEventRecord:
    return OpsEventRecord(
        event_id=str(row[0]),
        kind=str(row[1]),
        created_at=str(row[2]),
        payload=json.loads(row[3]),
        sku=None if row[4] is None else str(row[4]),
        qty_milli=None if row[5] is None else int(row[5]),
    )


class SqlOpsOutbox:
    """`ops_outbox` on the unit of work's connection (the caller holds the transaction)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, event: OpsEventRecord) -> None:
        # note: the unit of work holds BEGIN IMMEDIATE, so MAX(seq) + 1 cannot race.
        self._conn.execute(
            "INSERT INTO ops_outbox (event_id, seq, kind, payload, sku, qty_milli, created_at, "
            "sent_at) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM ops_outbox), ?, ?, ?, "
            "?, ?, NULL)",
            (
                event.event_id,
                event.kind,
                json.dumps(dict(event.payload), ensure_ascii=False, sort_keys=True),
                event.sku,
                event.qty_milli,
                event.created_at,
            ),
        )

    def pending(self, limit: int) -> list[OpsEventRecord]:
        rows = self._conn.execute(
            f"SELECT {_COLS} FROM ops_outbox "  # noqa: S608 - constant
            "WHERE sent_at IS NULL AND rejected_at IS NULL ORDER BY seq LIMIT ?",
            (limit,),
        ).fetchall()
        return [_record(r) for r in rows]

    def mark_sent(self, event_ids: Sequence[str], sent_at: str) -> None:
        self._conn.executemany(
            "UPDATE ops_outbox SET sent_at = ? WHERE event_id = ? AND sent_at IS NULL",
            [(sent_at, e) for e in event_ids],
        )

    def pending_count(self) -> int:
        row = self._conn.execute(
            "SELECT COUNT(*) FROM ops_outbox WHERE sent_at IS NULL AND rejected_at IS NULL"
        ).fetchone()
        return 0 if row is None else int(row[0])

    def mark_rejected(self, event_id: str, rejected_at: str, reason: str) -> None:
        self._conn.execute(
            "UPDATE ops_outbox SET rejected_at = ?, rejected_reason = ? "
            "WHERE event_id = ? AND sent_at IS NULL",
            (rejected_at, reason, event_id),
        )

    def rejected(self) -> list[tuple[OpsEventRecord, str]]:
        rows = self._conn.execute(
            f"SELECT {_COLS}, rejected_reason FROM ops_outbox "  # noqa: S608 - constant
            "WHERE rejected_at IS NOT NULL ORDER BY seq"
        ).fetchall()
        return [(_record(r), str(r[6])) for r in rows]

    def get(self, event_id: str) -> tuple[OpsEventRecord, str | None] | None:
        """One event and its `sent_at` (tests and diagnostics)."""
        row = self._conn.execute(
            f"SELECT {_COLS}, sent_at FROM ops_outbox WHERE event_id = ?",  # noqa: S608
            (event_id,),
        ).fetchone()
        return None if row is None else (_record(row), row[6])


class SqlStockView:
    """The level shown: the server's projection plus the till's unacknowledged movements."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def shown(self, sku: str) -> int:
        displayed = SqlSyncStore(self._conn).displayed_stock(sku)
        if displayed is not None:
            return displayed
        # note: a till that never synced (or an article the server has no level for) is
        # its own reference: the sum of its own movements, kept by a trigger (migration 0006).
        row = self._conn.execute(
            "SELECT qty_milli FROM stock_levels WHERE sku = ?", (sku,)
        ).fetchone()
        return 0 if row is None else int(row[0])
