"""The SQLite engine of the till: WAL, synchronous=FULL, BEGIN IMMEDIATE, and migrations."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import DatabaseError, OperationalError

from caisse.storage.errors import DatabaseUnusable

logger = logging.getLogger(__name__)

DB_FILENAME = "caisse.sqlite"
# note: the till may sit behind a slow disk or a sync worker holding the write lock for a
# moment; five seconds of waiting beats a refused sale.
BUSY_TIMEOUT_MS = 5000


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
    migrations = _repo_migrations_dir()
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    return cfg


def upgrade_database(engine: Engine) -> None:
    """Bring the database to the newest schema; the till calls this at every start.

    Raises:
        DatabaseUnusable: the file is not a SQLite database or cannot be migrated.
    """
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
