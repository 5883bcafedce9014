"""The catalogue search port on SQLite: the FTS5 index of migration 0004, read-only.

note: searches run on their own read-only connection per thread, outside the unit of work:
the unit of work begins with BEGIN IMMEDIATE (the write lock), and a keystroke must neither
wait for a sale's commit nor hold one up. In WAL mode each statement reads the last
committed catalogue.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from caisse.domain.catalog import Unit
from caisse.services.catalogue import ProductHit
from caisse.storage.engine import BUSY_TIMEOUT_MS

_COLS = "p.sku, p.label, p.price_ttc_cents, p.unit, p.category, p.ean, p.plu, p.picture"
MAX_WORDS = 8
# note: the FTS index and the products' pages are read on every keystroke; 16 MB of page
# cache holds both for 200,000 products instead of going back to the OS each time.
CACHE_KIB = 16384


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression: every word of `text` as a quoted prefix, all required.

    Quoting makes any input literal (FTS5 operators such as NEAR, OR, `-`, `:` or `^` typed
    by the cashier are just text); words are cut where SQLite's unicode61 tokenizer cuts.
    """
    words: list[str] = []
    word: list[str] = []
    for ch in text:
        if ch.isalnum():
            word.append(ch)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return " ".join(f'"{w}"*' for w in words[:MAX_WORDS])


# note: a dict look-up; calling the enum costs more than the rest of a row's decoding.
_UNITS = {unit.value: unit for unit in Unit}


def _hit(row: Any) -> ProductHit:
    return ProductHit(
        sku=row[0],
        label=row[1],
        price_ttc_cents=row[2],
        unit=_UNITS.get(row[3]) or Unit(row[3]),
        category=row[4],
        ean=row[5],
        plu=row[6],
        picture=row[7],
    )


class SqlCatalogueIndex:
    """`CatalogueIndex` over one till database file."""

    def __init__(self, db_path: Path) -> None:
        self._db_path = db_path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # note: query_only rather than a mode=ro URI, which cannot open a WAL database
            # whose -shm file is gone (the last writer closed).
            conn = sqlite3.connect(self._db_path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            conn.execute("PRAGMA query_only=ON")
            with self._lock:
                self._connections.append(conn)
            self._local.conn = conn
        return conn

    def match(self, text: str, limit: int) -> list[ProductHit]:
        expression = fts_query(text)
        if not expression:
            return []
        rows = self._conn().execute(
            f"SELECT {_COLS} FROM products_fts f JOIN products p ON p.rowid = f.rowid "  # noqa: S608
            "WHERE products_fts MATCH ? AND p.active = 1 LIMIT ?",
            (expression, limit),
        )
        return [_hit(row) for row in rows]

    def exact(self, code: str) -> ProductHit | None:
        row = (
            self._conn()
            .execute(
                f"SELECT {_COLS} FROM products p WHERE p.active = 1 "  # noqa: S608
                "AND (p.sku = ? OR p.ean = ? OR p.plu = ?) ORDER BY (p.sku = ?) DESC LIMIT 1",
                (code, code, code, code),
            )
            .fetchone()
        )
        return None if row is None else _hit(row)

    def categories(self) -> list[str]:
        # note: a loose index scan of ix_products_category_label, one index seek per
        # category; a DISTINCT walks the whole index (30 ms over 200,000 products).
        rows = self._conn().execute(
            "WITH RECURSIVE c(name) AS ("
            " SELECT MIN(category) FROM products"
            " UNION ALL"
            " SELECT (SELECT MIN(category) FROM products WHERE category > c.name) FROM c"
            " WHERE c.name IS NOT NULL)"
            " SELECT name FROM c WHERE name IS NOT NULL AND EXISTS"
            " (SELECT 1 FROM products WHERE category = c.name AND active = 1)"
        )
        return [row[0] for row in rows]

    def in_category(self, category: str, offset: int, limit: int) -> list[ProductHit]:
        rows = self._conn().execute(
            f"SELECT {_COLS} FROM products p WHERE p.category = ? AND p.active = 1 "  # noqa: S608
            "ORDER BY p.label, p.rowid LIMIT ? OFFSET ?",
            (category, limit, offset),
        )
        return [_hit(row) for row in rows]

    def close(self) -> None:
        """Close every thread's connection (call when the till closes)."""
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()
