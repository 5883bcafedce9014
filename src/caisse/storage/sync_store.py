"""The till's side of sync in SQLite: enrolment, acknowledged cursor, pull cursors and pages.

Everything runs on the caller's connection inside the caller's transaction, so that a pulled
page and its cursor, or an acknowledgement and its JET 210 record, commit together. The
journal itself is the outbox: what is pending is `gseq > acked_gseq` (sync.md §3.1).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from caisse.storage.promotions import SqlPromotionStore

_STATE_COLS = (
    "acked_gseq, acked_hash, device_id, store_id, server_url, server_jwk, status, last_contact, "
    "last_error"
)


@dataclass(frozen=True, slots=True)
class SyncState:
    """The one row of `sync_state`."""

    acked_gseq: int = 0
    acked_hash: str | None = None
    device_id: str | None = None
    store_id: str | None = None
    server_url: str | None = None
    server_jwk: dict[str, str] | None = None
    status: str | None = None
    last_contact: str | None = None
    last_error: str | None = None

    @property
    def enrolled(self) -> bool:
        return self.device_id is not None and self.server_url is not None


@dataclass(frozen=True, slots=True)
class PulledItem:
    """One item of a pulled page, as the store applies it (the wire type stays in `sync`)."""

    id: str
    version: int
    deleted: bool
    data: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    """A journal record as pushed: gseq, core, signature, exact body bytes, kind and hash."""

    gseq: int
    kind: str
    core: str
    sig: str
    body: bytes
    token_sha256: str


_FALSE = frozenset({"0", "false", "no", "non", "none"})
_ROLES = frozenset({"cashier", "manager", "admin", "auditor"})
"""The roles of caisse.services.operators.Role; an unknown one gets the least rights."""

_UPSERT_PRODUCT = (
    "INSERT INTO products (sku, ean, plu, label, price_ttc_cents, vat_bp, category, unit, active) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT(sku) DO UPDATE SET ean = excluded.ean, "
    "plu = excluded.plu, label = excluded.label, price_ttc_cents = excluded.price_ttc_cents, "
    "vat_bp = excluded.vat_bp, category = excluded.category, unit = excluded.unit, active = 1"
)


def _product_row(item: PulledItem) -> tuple[Any, ...]:
    data = item.data or {}
    return (
        item.id,
        data.get("ean") or None,
        data.get("plu") or None,
        str(data.get("label", item.id)),
        int(data.get("price_ttc_cents", 0)),
        int(data.get("vat_bp", 0)),
        str(data.get("category") or ""),
        str(data.get("unit") or "piece"),
    )


class SqlSyncStore:
    """Sync state on one DBAPI connection (the caller holds the transaction)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # ------------------------------------------------------------------ state
    def state(self) -> SyncState:
        row = self._conn.execute(
            f"SELECT {_STATE_COLS} FROM sync_state WHERE id = 1"  # noqa: S608 - constant columns
        ).fetchone()
        if row is None:
            return SyncState()
        jwk = json.loads(row[5]) if row[5] else None
        return SyncState(int(row[0]), row[1], row[2], row[3], row[4], jwk, row[6], row[7], row[8])

    def _ensure_row(self) -> None:
        self._conn.execute("INSERT OR IGNORE INTO sync_state (id, acked_gseq) VALUES (1, 0)")

    def enrol(
        self, device_id: str, store_id: str, server_url: str, server_jwk: Mapping[str, str]
    ) -> None:
        """A new device: nothing acknowledged yet, every pull cursor back to 0."""
        self._ensure_row()
        self._conn.execute(
            "UPDATE sync_state SET acked_gseq = 0, acked_hash = NULL, device_id = ?, "
            "store_id = ?, server_url = ?, server_jwk = ?, status = 'active', "
            "last_error = NULL WHERE id = 1",
            (device_id, store_id, server_url, json.dumps(dict(server_jwk), sort_keys=True)),
        )
        self._conn.execute("DELETE FROM sync_cursors")

    def set_server_url(self, url: str) -> None:
        """The same device behind another address (the demo's server moves port each run)."""
        self._conn.execute("UPDATE sync_state SET server_url = ? WHERE id = 1", (url,))

    def set_acked(self, gseq: int, token_sha256: str | None) -> None:
        self._ensure_row()
        self._conn.execute(
            "UPDATE sync_state SET acked_gseq = ?, acked_hash = ? WHERE id = 1",
            (gseq, token_sha256),
        )

    def set_status(self, status: str, error: str | None = None) -> None:
        self._ensure_row()
        self._conn.execute(
            "UPDATE sync_state SET status = ?, last_error = ? WHERE id = 1", (status, error)
        )

    def set_contact(self, when: str, error: str | None = None) -> None:
        self._ensure_row()
        if error is None:
            self._conn.execute(
                "UPDATE sync_state SET last_contact = ?, last_error = NULL WHERE id = 1", (when,)
            )
        else:
            self._conn.execute("UPDATE sync_state SET last_error = ? WHERE id = 1", (error,))

    # ------------------------------------------------------------------ the outbox
    def head_gseq(self) -> int:
        row = self._conn.execute("SELECT gseq FROM head WHERE id = 1").fetchone()
        return 0 if row is None else int(row[0])

    def token_at(self, gseq: int) -> str | None:
        row = self._conn.execute(
            "SELECT token_sha256 FROM journal WHERE gseq = ?", (gseq,)
        ).fetchone()
        return None if row is None else str(row[0])

    def records_after(self, gseq: int, limit: int) -> list[OutgoingRecord]:
        """Up to `limit` records after `gseq`, in order (contiguous: gseq has no gaps)."""
        rows = self._conn.execute(
            "SELECT gseq, kind, core, sig, body, token_sha256 FROM journal WHERE gseq > ? "
            "ORDER BY gseq LIMIT ?",
            (gseq, limit),
        ).fetchall()
        return [
            OutgoingRecord(
                int(r[0]),
                r[1],
                r[2],
                r[3],
                r[4].encode("utf-8") if isinstance(r[4], str) else bytes(r[4]),
                r[5],
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ pull cursors
    def cursor(self, scope: str) -> int:
        row = self._conn.execute(
            "SELECT version FROM sync_cursors WHERE scope = ?", (scope,)
        ).fetchone()
        return 0 if row is None else int(row[0])

    def cursors(self) -> dict[str, int]:
        rows = self._conn.execute("SELECT scope, version FROM sync_cursors ORDER BY scope")
        return {str(s): int(v) for s, v in rows}

    def set_cursor(self, scope: str, version: int) -> None:
        self._conn.execute(
            "INSERT INTO sync_cursors (scope, version) VALUES (?, ?) "
            "ON CONFLICT(scope) DO UPDATE SET version = excluded.version",
            (scope, version),
        )

    def drop_scope(self, scope: str) -> None:
        """Forget what a scope brought (the server asked for a reset) and its cursor.

        note: products and operators are deactivated, not deleted: sales and sessions refer
        to them, and the full pull that follows reactivates every one the server still has.
        """
        kind = scope.partition(":")[0]
        if kind == "catalog":
            self._conn.execute("UPDATE products SET active = 0")
        elif kind == "users":
            self._conn.execute("UPDATE operators SET active = 0")
        elif kind == "stock":
            self._conn.execute("DELETE FROM server_stock")
        elif kind == "promotions":
            # note: deleted, not deactivated: nothing refers to a promotion row yet
            SqlPromotionStore(self._conn).clear()
        self._conn.execute("DELETE FROM sync_cursors WHERE scope = ?", (scope,))

    # ------------------------------------------------------------------ bulk catalogue loads
    def begin_bulk_catalog(self) -> None:
        """Suspend the FTS5 triggers of `products` for a whole-catalogue pull.

        note: each trigger-fed insert writes the 8 prefix indexes of the search (migration
        0004): about 0.2 ms a product, 45 s for 200,000; one 'rebuild' at the end costs a
        fraction of that. The triggers' SQL is kept in `app_state` in the same transaction,
        so that `end_bulk_catalog` restores them even after a crash in the middle.
        """
        if self._conn.execute("SELECT 1 FROM app_state WHERE key = 'sync.fts_triggers'").fetchone():
            return
        triggers = self._conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'products_fts%' ORDER BY name"
        ).fetchall()
        if not triggers:
            return
        self._conn.execute(
            "INSERT INTO app_state (key, value) VALUES ('sync.fts_triggers', ?)",
            (json.dumps([[n, q] for n, q in triggers]),),
        )
        for name, _ in triggers:
            self._conn.execute(f'DROP TRIGGER "{name}"')

    def end_bulk_catalog(self) -> bool:
        """Rebuild the search index and put its triggers back; False when none was suspended."""
        row = self._conn.execute(
            "SELECT value FROM app_state WHERE key = 'sync.fts_triggers'"
        ).fetchone()
        if row is None:
            return False
        self._conn.execute("INSERT INTO products_fts(products_fts) VALUES('rebuild')")
        for _name, sql in json.loads(row[0]):
            self._conn.execute(sql)
        self._conn.execute("DELETE FROM app_state WHERE key = 'sync.fts_triggers'")
        return True

    # ------------------------------------------------------------------ applying pages
    def apply(self, scope: str, items: Sequence[PulledItem]) -> int:
        """Apply one page of `scope`; returns how many items were applied."""
        kind = scope.partition(":")[0]
        if kind == "catalog":
            return self._apply_catalog(items)
        if kind == "prices":
            return self._apply_prices(items)
        if kind == "users":
            return self._apply_users(items)
        if kind == "stock":
            return self._apply_stock(items)
        if kind == "promotions":
            return self._apply_promotions(items)
        return 0

    def _apply_catalog(self, items: Sequence[PulledItem]) -> int:
        gone = [(i.id,) for i in items if i.deleted or not i.data]
        rows = [_product_row(i) for i in items if not (i.deleted or not i.data)]
        if gone:
            self._conn.executemany("UPDATE products SET active = 0 WHERE sku = ?", gone)
        if rows:
            # note: one executemany for the page (a 200,000-product catalogue is 200 pages);
            # only when an EAN or PLU moved between skus does the page go row by row, taking
            # the code from its old holder first so that the UNIQUE constraints hold.
            self._conn.execute("SAVEPOINT catalog_page")
            try:
                self._conn.executemany(_UPSERT_PRODUCT, rows)
            except sqlite3.IntegrityError:
                self._conn.execute("ROLLBACK TO catalog_page")
                for row in rows:
                    sku, ean, plu = row[0], row[1], row[2]
                    if ean is not None:
                        self._conn.execute(
                            "UPDATE products SET ean = NULL WHERE ean = ? AND sku <> ?", (ean, sku)
                        )
                    if plu is not None:
                        self._conn.execute(
                            "UPDATE products SET plu = NULL WHERE plu = ? AND sku <> ?", (plu, sku)
                        )
                    self._conn.execute(_UPSERT_PRODUCT, row)
            self._conn.execute("RELEASE catalog_page")
        return len(gone) + len(rows)

    def _apply_prices(self, items: Iterable[PulledItem]) -> int:
        n = 0
        for item in items:
            data = item.data or {}
            price = data.get("price_ttc_cents")
            if item.deleted or not isinstance(price, int):
                continue  # note: a store price removed falls back to the catalogue's next pull
            self._conn.execute(
                "UPDATE products SET price_ttc_cents = ? WHERE sku = ?",
                (price, str(data.get("sku", item.id))),
            )
            n += 1
        return n

    def _apply_users(self, items: Iterable[PulledItem]) -> int:
        n = 0
        for item in items:
            data = item.data or {}
            if item.deleted or str(data.get("active", "1")).strip().lower() in _FALSE:
                self._conn.execute("UPDATE operators SET active = 0 WHERE id = ?", (item.id,))
                n += 1
                continue
            pin_hash = data.get("pin_hash")
            # note: a user sent without a PIN hash keeps the one the till has (or none: they
            # cannot sign in here until the server sends one).
            self._conn.execute(
                "INSERT INTO operators (id, name, role, pin_hash, failed_attempts, "
                "locked_until, active) VALUES (?, ?, ?, ?, 0, NULL, 1) ON CONFLICT(id) DO UPDATE "
                "SET name = excluded.name, role = excluded.role, active = 1, "
                "pin_hash = CASE WHEN ? IS NULL THEN operators.pin_hash ELSE excluded.pin_hash END",
                (
                    item.id,
                    str(data.get("name", item.id)),
                    role if (role := str(data.get("role", ""))) in _ROLES else "cashier",
                    str(pin_hash) if pin_hash else "",
                    pin_hash if pin_hash else None,
                ),
            )
            n += 1
        return n

    def _apply_promotions(self, items: Iterable[PulledItem]) -> int:
        """Tombstones delete; a newer version replaces the row (`SqlPromotionStore.put`)."""
        store = SqlPromotionStore(self._conn)
        n = 0
        for item in items:
            if item.deleted or item.data is None:
                store.delete(item.id)
            else:
                store.put(item.id, item.version, item.data)
            n += 1
        return n

    def _apply_stock(self, items: Iterable[PulledItem]) -> int:
        n = 0
        for item in items:
            data = item.data or {}
            if item.deleted:
                self._conn.execute("DELETE FROM server_stock WHERE sku = ?", (item.id,))
            else:
                self._conn.execute(
                    "INSERT INTO server_stock (sku, qty_milli, version) VALUES (?, ?, ?) "
                    "ON CONFLICT(sku) DO UPDATE SET qty_milli = excluded.qty_milli, "
                    "version = excluded.version",
                    (item.id, int(data.get("qty_milli", 0)), item.version),
                )
            n += 1
        return n

    def displayed_stock(self, sku: str) -> int | None:
        """Server level + the till's own movements not yet acknowledged (sync.md §3.5).

        None when the server never sent a level for `sku`.
        """
        row = self._conn.execute(
            "SELECT qty_milli FROM server_stock WHERE sku = ?", (sku,)
        ).fetchone()
        if row is None:
            return None
        acked = self.state().acked_gseq
        pending = self._conn.execute(
            "SELECT COALESCE(SUM(qty_milli), 0) FROM stock_movements WHERE sku = ? AND gseq > ?",
            (sku, acked),
        ).fetchone()
        # note: stock entered by hand and counts are not journal records: theirs are the
        # events of the second stream the server has not acknowledged yet (migration 0009).
        by_hand = self._conn.execute(
            "SELECT COALESCE(SUM(qty_milli), 0) FROM ops_outbox WHERE sku = ? AND sent_at IS NULL",
            (sku,),
        ).fetchone()
        return int(row[0]) + int(pending[0] if pending else 0) + int(by_hand[0] if by_hand else 0)
