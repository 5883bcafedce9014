"""The SQLite engine of the till: WAL, synchronous=FULL, BEGIN IMMEDIATE, and migrations."""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import DatabaseError, OperationalError

from caisse.storage.errors import DatabaseUnusable

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

DB_FILENAME = "caisse.sqlite"
# note: the till may sit behind a slow disk or a sync worker holding the write lock for a
# moment; five seconds of waiting beats a refused sale.
BUSY_TIMEOUT_MS = 5000


PAGE_SIZE = 1024
"""The page size of a new till database (see `_on_connect`)."""


def _repo_migrations_dir() -> Path:
    # src layout: <root>/src/caisse/storage/engine.py -> <root>/migrations
    return Path(__file__).resolve().parents[3] / "migrations"


def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # note: pysqlite's own transaction handling would send a plain (deferred) BEGIN; we take
    # the transaction control and emit BEGIN IMMEDIATE in _on_begin, so two writers never
    # both read the chain head and then race to append (nf525.md §6.8).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # note: 1 KiB pages for a new database (a no-op on an existing one, whose page size is
    # fixed). A sale's durable commit writes every page it touched to the WAL, about a dozen
    # (the record, its index, the head, the sale, lines, payments, stock...), each holding a
    # few rows at most: with 4 KiB pages that is ~55 KB to sync per sale, with 1 KiB ~16 KB,
    # and `caisse bench sales` measured p50 0.38 ms instead of 0.44 ms. A record's body then
    # lives on overflow pages, which `caisse bench verify` reads at the same speed.
    cursor.execute(f"PRAGMA page_size={PAGE_SIZE}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(db_path: Path, *, immediate: bool = True) -> Engine:
    """Build the engine of one till database file (never at import time).

    Args:
        db_path: the SQLite file.
        immediate: every transaction starts with BEGIN IMMEDIATE (the write path).
    """
    engine = create_engine(f"sqlite:///{db_path}")
    event.listen(engine, "connect", _on_connect)

    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    event.listen(engine, "begin", _on_begin)
    return engine


def _alembic_config() -> Config:
    from alembic.config import Config

    migrations = _repo_migrations_dir()
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    return cfg


_REVISION = re.compile(r"^revision\b[^=\n]*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(
    r"^down_revision\b[^=\n]*=\s*(?:None|['\"]([^'\"]+)['\"])\s*$", re.MULTILINE
)


def script_head(versions: Path | None = None) -> str | None:
    """The newest revision of the migration files, read without importing alembic.

    Returns None when the files do not form one chain that this plain reading understands
    (a merge, a tuple of parents, an unusual assignment): the caller then asks alembic.
    """
    folder = versions or _repo_migrations_dir() / "versions"
    parents: dict[str, str | None] = {}
    for path in sorted(folder.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(text), _DOWN_REVISION.findall(text)
        if len(revision) != 1 or len(down) != 1:
            return None
        parents[revision[0]] = down[0] or None
    heads = set(parents) - {p for p in parents.values() if p is not None}
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
            conn.rollback()
    except (DatabaseError, OperationalError):
        return None  # no version table yet, or not a database: alembic will say which
    return str(rows[0][0]) if len(rows) == 1 else None


def upgrade_database(engine: Engine) -> None:
    """Bring the database to the newest schema; the till calls this at every start.

    Raises:
        DatabaseUnusable: the file is not a SQLite database or cannot be migrated.
    """
    # note: a database already at the newest revision is the common case; checking that
    # without alembic spares every start its import and its env.py (about 0.3 s, more on a
    # busy till; measured with `caisse bench ui`).
    head = script_head()
    if head is not None and _stored_revision(engine) == head:
        return
    from alembic import command

    cfg = _alembic_config()
    try:
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    except (DatabaseError, OperationalError) as exc:
        raise DatabaseUnusable(str(engine.url.database)) from exc


def integrity_ok(engine: Engine) -> bool:
    """Run SQLite's own integrity check."""
    with engine.connect() as conn:
        result = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
        conn.rollback()
    return result == "ok"


def has_journal(engine: Engine) -> bool:
    """Whether the database already holds a journal table."""
    try:
        return inspect(engine).has_table("journal")
    except DatabaseError as exc:
        raise DatabaseUnusable(str(engine.url.database)) from exc
