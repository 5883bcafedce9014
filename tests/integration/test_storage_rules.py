"""SQLite rules of nf525.md §6.8: WAL, FULL, BEGIN IMMEDIATE, append-only triggers, migrations."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from caisse.storage.engine import PAGE_SIZE, make_engine, upgrade_database
from caisse.storage.schema import Base, include_in_schema_check
from tests.integration.conftest import TillFixture


def test_pragmas_on_every_connection(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "t.sqlite")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_a_new_database_has_small_pages_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    """The page size must be set before WAL mode creates the file, or it is silently lost."""
    engine = make_engine(tmp_path / "new.sqlite")
    upgrade_database(engine)
    engine.dispose()
    with sqlite3.connect(tmp_path / "new.sqlite") as raw:
        assert raw.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    old = sqlite3.connect(tmp_path / "old.sqlite")
    old.execute("PRAGMA journal_mode=WAL")
    old.execute("CREATE TABLE kept (x INTEGER)")
    old.close()
    engine = make_engine(tmp_path / "old.sqlite")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4096
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM kept").scalar() == 0
    engine.dispose()


def test_migrations_reach_the_declared_schema(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "t.sqlite")
    upgrade_database(engine)
    upgrade_database(engine)  # idempotent at start-up
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_in_schema_check})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    engine.dispose()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE journal SET body = x'00' WHERE gseq = 1", "DELETE FROM journal WHERE gseq = 1"],
)
def test_journal_rows_cannot_be_updated_or_deleted(shop: TillFixture, statement: str) -> None:
    conn = sqlite3.connect(shop.data_dir / "caisse.sqlite")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(statement)
    conn.close()


def test_the_write_path_takes_the_write_lock_at_begin(shop: TillFixture) -> None:
    """BEGIN IMMEDIATE: a second writer cannot even start while a unit of work is open."""
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with shop.till.context.uow() as uow:
            uow.journal.head()
            entered.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert entered.wait(5)
    other = sqlite3.connect(shop.data_dir / "caisse.sqlite", timeout=0.1, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    release.set()
    holder.join()
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()
