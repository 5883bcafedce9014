"""SQL adapters of the service ports, on one SQLAlchemy connection inside one transaction.

note: the sale write path runs a dozen statements per ticket under a durable commit whose own
cost is a fraction of a millisecond, so the repositories send plain SQL on the DBAPI connection
of the unit of work (sqlite3 caches the prepared statements); going through SQLAlchemy's
execution machinery cost about 50 µs a statement, more than the rest of the sale path put
together (measured with `caisse bench sales`). SQLAlchemy still owns the engine, the pool, the
transaction (BEGIN IMMEDIATE) and the schema that alembic checks.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from caisse.domain.catalog import Product, Unit
from caisse.services.ports import (
    ArchiveRecord,
    CashMovementRecord,
    CashSessionRecord,
    ClosureRecord,
    DatedRecord,
    Head,
    JournalEntry,
    OperatorRecord,
    TicketRef,
    TicketSummary,
    TillIdentity,
)

_JOURNAL_COLS = "gseq, kind, kseq, ts, core, sig, body, token_sha256"


def _entry(row: Sequence[Any]) -> JournalEntry:
    return JournalEntry(
        gseq=row[0],
        kind=row[1],
        kseq=row[2],
        ts=row[3],
        core=row[4],
        sig=row[5],
        # note: an attacker may store the body as TEXT; the bytes are what was signed.
        body=row[6].encode("utf-8") if isinstance(row[6], str) else bytes(row[6]),
        token_sha256=row[7],
    )


class SqlJournalStore:
    """The journal table and its one-row head."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def head(self) -> Head | None:
        row = self._conn.execute(
            "SELECT gseq, token_sha256, ts, gt, gt_abs FROM head WHERE id = 1"
        ).fetchone()
        return None if row is None else Head(row[0], row[1], row[2], row[3], row[4])

    def last_kseq(self, kind: str) -> int:
        # note: served by the UNIQUE(kind, kseq) index: one B-tree descent, whatever the size.
        row = self._conn.execute("SELECT MAX(kseq) FROM journal WHERE kind = ?", (kind,)).fetchone()
        return 0 if row is None or row[0] is None else int(row[0])

    def append(self, entry: JournalEntry, *, gt: int, gt_abs: int) -> None:
        self._conn.execute(
            f"INSERT INTO journal ({_JOURNAL_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            (
                entry.gseq,
                entry.kind,
                entry.kseq,
                entry.ts,
                entry.core,
                entry.sig,
                entry.body,
                entry.token_sha256,
            ),
        )
        self._conn.execute(
            "INSERT INTO head (id, gseq, token_sha256, ts, gt, gt_abs) VALUES (1, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET gseq = excluded.gseq, "
            "token_sha256 = excluded.token_sha256, ts = excluded.ts, gt = excluded.gt, "
            "gt_abs = excluded.gt_abs",
            (entry.gseq, entry.token_sha256, entry.ts, gt, gt_abs),
        )

    def get(self, gseq: int) -> JournalEntry | None:
        row = self._conn.execute(
            f"SELECT {_JOURNAL_COLS} FROM journal WHERE gseq = ?",  # noqa: S608 - constant columns
            (gseq,),
        ).fetchone()
        return None if row is None else _entry(row)

    def iter_from(self, gseq: int) -> Iterator[JournalEntry]:
        result = self._conn.execute(
            f"SELECT {_JOURNAL_COLS} FROM journal WHERE gseq >= ? ORDER BY gseq",  # noqa: S608
            (gseq,),
        )
        while rows := result.fetchmany(1000):
            for row in rows:
                yield _entry(row)

    def count(self) -> int:
        row = self._conn.execute("SELECT COUNT(*) FROM journal").fetchone()
        return 0 if row is None else int(row[0])


class SqlOperatorRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @staticmethod
    def _record(row: Sequence[Any]) -> OperatorRecord:
        locked = datetime.fromisoformat(row[5]) if row[5] else None
        return OperatorRecord(row[0], row[1], row[2], row[3], row[4], locked, bool(row[6]))

    def get(self, operator_id: str) -> OperatorRecord | None:
        row = self._conn.execute(
            "SELECT id, name, role, pin_hash, failed_attempts, locked_until, active "
            "FROM operators WHERE id = ?",
            (operator_id,),
        ).fetchone()
        return None if row is None else self._record(row)

    def add(self, operator: OperatorRecord) -> None:
        self._conn.execute(
            "INSERT INTO operators (id, name, role, pin_hash, failed_attempts, locked_until, "
            "active) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                operator.id,
                operator.name,
                operator.role,
                operator.pin_hash,
                operator.failed_attempts,
                operator.locked_until.isoformat() if operator.locked_until else None,
                int(operator.active),
            ),
        )

    def list(self) -> list[OperatorRecord]:
        rows = self._conn.execute(
            "SELECT id, name, role, pin_hash, failed_attempts, locked_until, active "
            "FROM operators ORDER BY id"
        ).fetchall()
        return [self._record(r) for r in rows]

    def set_lockout(
        self, operator_id: str, failed_attempts: int, locked_until: datetime | None
    ) -> None:
        self._conn.execute(
            "UPDATE operators SET failed_attempts = ?, locked_until = ? WHERE id = ?",
            (failed_attempts, locked_until.isoformat() if locked_until else None, operator_id),
        )


class SqlCatalogRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def find(self, code: str) -> Product | None:
        row = self._conn.execute(
            "SELECT sku, label, price_ttc_cents, vat_bp, category, unit, ean, plu FROM products "
            "WHERE active = 1 AND (sku = ? OR ean = ? OR plu = ?) "
            "ORDER BY (sku = ?) DESC LIMIT 1",
            (code, code, code, code),
        ).fetchone()
        if row is None:
            return None
        return Product(
            sku=row[0],
            label=row[1],
            price_ttc_cents=row[2],
            vat_bp=row[3],
            category=row[4],
            unit=Unit(row[5]),
            ean=row[6],
            plu=row[7],
        )

    def upsert_many(self, products: Iterable[Product]) -> int:
        n = 0
        for p in products:
            self._conn.execute(
                "INSERT INTO products (sku, ean, plu, label, price_ttc_cents, vat_bp, category, "
                "unit, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT(sku) DO UPDATE SET "
                "ean = excluded.ean, plu = excluded.plu, label = excluded.label, "
                "price_ttc_cents = excluded.price_ttc_cents, vat_bp = excluded.vat_bp, "
                "category = excluded.category, unit = excluded.unit, active = 1",
                (
                    p.sku,
                    p.ean,
                    p.plu,
                    p.label,
                    p.price_ttc_cents,
                    p.vat_bp,
                    p.category,
                    str(p.unit),
                ),
            )
            n += 1
        return n

    def count(self) -> int:
        row = self._conn.execute("SELECT COUNT(*) FROM products WHERE active = 1").fetchone()
        return 0 if row is None else int(row[0])


class SqlSalesProjection:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add_ticket(self, gseq: int, kind: str, ticket_no: str, body: Mapping[str, Any]) -> None:
        refers = body.get("refers_to")
        self._conn.execute(
            "INSERT INTO sales (gseq, kind, ticket_no, op, ts_utc, business_date, operator_id, "
            "total_ttc_cents, total_ht_cents, refers_gseq, training) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                gseq,
                kind,
                ticket_no,
                body["op"],
                body["ts_utc"],
                body["business_date"],
                body["operator"]["id"],
                body["total_ttc_cents"],
                body["total_ht_cents"],
                refers["gseq"] if refers else None,
                int(bool(body.get("training"))),
            ),
        )
        self._conn.executemany(
            "INSERT INTO sale_lines (sale_gseq, n, sku, label, qty_milli, unit_ttc_cents, vat_bp, "
            "line_ttc_cents, line_ht_cents, discount_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    gseq,
                    line["n"],
                    line["sku"],
                    line["label"],
                    line["qty_milli"],
                    line["unit_ttc_cents"],
                    line["vat_bp"],
                    line["line_ttc_cents"],
                    line["line_ht_cents"],
                    line["discount_cents"],
                )
                for line in body["lines"]
            ],
        )
        self._conn.executemany(
            "INSERT INTO sale_payments (sale_gseq, n, method, amount_cents) VALUES (?, ?, ?, ?)",
            [
                (gseq, i, pay["method"], pay["amount_cents"])
                for i, pay in enumerate(body["payments"], start=1)
            ],
        )

    def find_ticket(self, ticket_no: str) -> TicketRef | None:
        row = self._conn.execute(
            "SELECT gseq, kind, ticket_no, op FROM sales WHERE ticket_no = ?", (ticket_no,)
        ).fetchone()
        return None if row is None else TicketRef(row[0], row[1], row[2], row[3])

    def returned_qty(self, original_gseq: int) -> dict[int, int]:
        body_rows = self._conn.execute(
            "SELECT j.body FROM sales s JOIN journal j ON j.gseq = s.gseq WHERE s.refers_gseq = ?",
            (original_gseq,),
        ).fetchall()
        returned: dict[int, int] = {}
        for (raw,) in body_rows:
            body = json.loads(bytes(raw))
            for line in body["lines"]:
                origin = line.get("origin_n")
                if origin is not None:
                    returned[origin] = returned.get(origin, 0) - int(line["qty_milli"])
        return returned

    def on_date(self, business_date: str, limit: int) -> list[TicketSummary]:
        rows = self._conn.execute(
            "SELECT gseq, kind, ticket_no, op, ts_utc, operator_id, total_ttc_cents FROM sales "
            "WHERE business_date = ? ORDER BY gseq DESC LIMIT ?",
            (business_date, limit),
        ).fetchall()
        return [TicketSummary(*row) for row in rows]

    def add_duplicate(self, gseq: int, original_gseq: int, copy_no: int) -> None:
        self._conn.execute(
            "INSERT INTO duplicates (gseq, original_gseq, copy_no) VALUES (?, ?, ?)",
            (gseq, original_gseq, copy_no),
        )

    def last_copy_no(self, original_gseq: int) -> int:
        row = self._conn.execute(
            "SELECT MAX(copy_no) FROM duplicates WHERE original_gseq = ?", (original_gseq,)
        ).fetchone()
        return 0 if row is None or row[0] is None else int(row[0])


class SqlStockLedger:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add_movements(self, movements: Sequence[tuple[str, int, int | None, str, str]]) -> None:
        if movements:
            self._conn.executemany(
                "INSERT INTO stock_movements (sku, qty_milli, gseq, reason, ts_utc) "
                "VALUES (?, ?, ?, ?, ?)",
                list(movements),
            )

    def level(self, sku: str) -> int:
        # note: stock_levels is kept by a trigger on stock_movements (migration 0006).
        row = self._conn.execute(
            "SELECT qty_milli FROM stock_levels WHERE sku = ?", (sku,)
        ).fetchone()
        return 0 if row is None else int(row[0])


class SqlTillRepository:
    """The till identity; immutable once written, so it is read once per database."""

    def __init__(
        self, conn: sqlite3.Connection, cache: dict[str, TillIdentity] | None = None
    ) -> None:
        self._conn = conn
        self._cache = cache if cache is not None else {}

    def get(self) -> TillIdentity | None:
        cached = self._cache.get("till")
        if cached is not None:
            return cached
        identity = self._read()
        if identity is not None:
            self._cache["till"] = identity
        return identity

    def _read(self) -> TillIdentity | None:
        row = self._conn.execute(
            "SELECT till_id, store_id, company_name, siren, siret, vat_id, address, kid, "
            "public_jwk, cert_ref, activated_at FROM till WHERE id = 1"
        ).fetchone()
        if row is None:
            return None
        return TillIdentity(
            till_id=row[0],
            store_id=row[1],
            company_name=row[2],
            siren=row[3],
            siret=row[4],
            vat_id=row[5],
            address=row[6],
            kid=row[7],
            public_jwk=json.loads(row[8]),
            cert_ref=row[9],
            activated_at=row[10],
        )

    def create(self, identity: TillIdentity) -> None:
        self._conn.execute(
            "INSERT INTO till (id, till_id, store_id, company_name, siren, siret, vat_id, "
            "address, kid, public_jwk, cert_ref, activated_at) "
            "VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                identity.till_id,
                identity.store_id,
                identity.company_name,
                identity.siren,
                identity.siret,
                identity.vat_id,
                identity.address,
                identity.kid,
                json.dumps(dict(identity.public_jwk), sort_keys=True),
                identity.cert_ref,
                identity.activated_at,
            ),
        )


class SqlAppState:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM app_state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO app_state (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


_SESSION_COLS = (
    "opened_gseq, opened_ts, operator_id, opening_float_cents, closed_gseq, counted_cash_cents"
)


class SqlCashStore:
    """Cash sessions and the projection of P records."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def open_session(self) -> CashSessionRecord | None:
        row = self._conn.execute(
            f"SELECT {_SESSION_COLS} FROM cash_sessions WHERE closed_gseq IS NULL "  # noqa: S608
            "ORDER BY opened_gseq DESC LIMIT 1"
        ).fetchone()
        return None if row is None else CashSessionRecord(*row)

    def last_closed_session(self) -> CashSessionRecord | None:
        row = self._conn.execute(
            f"SELECT {_SESSION_COLS} FROM cash_sessions "  # noqa: S608 - constant columns
            "WHERE closed_gseq IS NOT NULL ORDER BY closed_gseq DESC LIMIT 1"
        ).fetchone()
        return None if row is None else CashSessionRecord(*row)

    def add_session(self, session: CashSessionRecord) -> None:
        self._conn.execute(
            f"INSERT INTO cash_sessions ({_SESSION_COLS}) VALUES (?, ?, ?, ?, ?, ?)",  # noqa: S608
            (
                session.opened_gseq,
                session.opened_ts,
                session.operator_id,
                session.opening_float_cents,
                session.closed_gseq,
                session.counted_cash_cents,
            ),
        )

    def close_session(self, opened_gseq: int, closed_gseq: int, counted_cash_cents: int) -> None:
        self._conn.execute(
            "UPDATE cash_sessions SET closed_gseq = ?, counted_cash_cents = ? "
            "WHERE opened_gseq = ?",
            (closed_gseq, counted_cash_cents, opened_gseq),
        )

    def add_movement(self, movement: CashMovementRecord) -> None:
        self._conn.execute(
            "INSERT INTO cash_movements (gseq, session_gseq, op, amount_cents, reason, "
            "business_date, ts_utc, operator_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                movement.gseq,
                movement.session_gseq,
                movement.op,
                movement.amount_cents,
                movement.reason,
                movement.business_date,
                movement.ts_utc,
                movement.operator_id,
            ),
        )


_CLOSURE_COLS = (
    "gseq, kind, kseq, period_from, period_to, gseq_from, gseq_to, net_ttc_cents, gt, gt_abs, "
    "token_sha256"
)


class SqlClosureStore:
    """The closures' projection, and the dated-record look-ups of the closure calendar.

    note: the look-ups run before every sale (the closure guard), so each one is a single
    B-tree descent: the primary key for "after gseq", the business_date indexes for a day.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, closure: ClosureRecord) -> None:
        self._conn.execute(
            f"INSERT INTO closures ({_CLOSURE_COLS}) "  # noqa: S608 - constant columns
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                closure.gseq,
                closure.kind,
                closure.kseq,
                closure.period_from,
                closure.period_to,
                closure.gseq_from,
                closure.gseq_to,
                closure.net_ttc_cents,
                closure.gt,
                closure.gt_abs,
                closure.token_sha256,
            ),
        )

    def last(self, kind: str | None = None) -> ClosureRecord | None:
        if kind is None:
            row = self._conn.execute(
                f"SELECT {_CLOSURE_COLS} FROM closures ORDER BY gseq DESC LIMIT 1"  # noqa: S608
            ).fetchone()
        else:
            row = self._conn.execute(
                f"SELECT {_CLOSURE_COLS} FROM closures WHERE kind = ? "  # noqa: S608
                "ORDER BY kseq DESC LIMIT 1",
                (kind,),
            ).fetchone()
        return None if row is None else ClosureRecord(*row)

    def since(self, kind: str, after_gseq: int) -> list[ClosureRecord]:
        rows = self._conn.execute(
            f"SELECT {_CLOSURE_COLS} FROM closures WHERE kind = ? AND gseq > ? "  # noqa: S608
            "ORDER BY gseq",
            (kind, after_gseq),
        ).fetchall()
        return [ClosureRecord(*r) for r in rows]

    def recent(self, limit: int) -> list[ClosureRecord]:
        rows = self._conn.execute(
            f"SELECT {_CLOSURE_COLS} FROM closures ORDER BY gseq DESC LIMIT ?",  # noqa: S608
            (limit,),
        ).fetchall()
        return [ClosureRecord(*r) for r in rows]

    def last_dated_after(self, gseq: int) -> DatedRecord | None:
        found: list[DatedRecord] = []
        for table in ("sales", "cash_movements"):
            row = self._conn.execute(
                f"SELECT gseq, business_date, ts_utc FROM {table} "  # noqa: S608 - fixed names
                "WHERE gseq > ? ORDER BY gseq DESC LIMIT 1",
                (gseq,),
            ).fetchone()
            if row is not None:
                found.append(DatedRecord(*row))
        return max(found, key=lambda r: r.gseq) if found else None

    def first_dated_on(self, business_date: str, after_gseq: int) -> DatedRecord | None:
        found: list[DatedRecord] = []
        for table in ("sales", "cash_movements"):
            row = self._conn.execute(
                f"SELECT gseq, business_date, ts_utc FROM {table} "  # noqa: S608 - fixed names
                "WHERE business_date = ? AND gseq > ? ORDER BY gseq LIMIT 1",
                (business_date, after_gseq),
            ).fetchone()
            if row is not None:
                found.append(DatedRecord(*row))
        return min(found, key=lambda r: r.gseq) if found else None


_ARCHIVE_COLS = (
    "gseq, archive_id, period, gseq_from, gseq_to, manifest_sha256, files, file_name, created_at"
)


class SqlArchiveStore:
    """The archives' projection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, archive: ArchiveRecord) -> None:
        self._conn.execute(
            f"INSERT INTO archives ({_ARCHIVE_COLS}) "  # noqa: S608 - constant columns
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                archive.gseq,
                archive.archive_id,
                archive.period,
                archive.gseq_from,
                archive.gseq_to,
                archive.manifest_sha256,
                archive.files,
                archive.file_name,
                archive.created_at,
            ),
        )

    def last(self) -> ArchiveRecord | None:
        row = self._conn.execute(
            f"SELECT {_ARCHIVE_COLS} FROM archives ORDER BY gseq DESC LIMIT 1"  # noqa: S608
        ).fetchone()
        return None if row is None else ArchiveRecord(*row)

    def all(self) -> list[ArchiveRecord]:
        rows = self._conn.execute(
            f"SELECT {_ARCHIVE_COLS} FROM archives ORDER BY gseq"  # noqa: S608
        ).fetchall()
        return [ArchiveRecord(*row) for row in rows]
