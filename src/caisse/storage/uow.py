"""The unit of work: one BEGIN IMMEDIATE transaction shared by every repository."""

from __future__ import annotations

import sqlite3
from typing import Self

from sqlalchemy import Connection, Engine

from caisse.storage.repositories import (
    SqlAppState,
    SqlCatalogRepository,
    SqlJournalStore,
    SqlOperatorRepository,
    SqlSalesProjection,
    SqlStockLedger,
    SqlTillRepository,
)


class SqlUnitOfWork:
    """Opens a connection and a transaction on enter; rolls back whatever was not committed."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        self._conn = self._engine.connect()
        self._conn.begin()
        # note: the repositories talk to the DBAPI connection inside SQLAlchemy's transaction
        # (see repositories.py for why); commit and rollback still go through SQLAlchemy.
        conn = self._conn.connection.driver_connection
        if not isinstance(conn, sqlite3.Connection):
            raise TypeError("the till database must be SQLite")
        self._journal = SqlJournalStore(conn)
        self._operators = SqlOperatorRepository(conn)
        self._catalog = SqlCatalogRepository(conn)
        self._sales = SqlSalesProjection(conn)
        self._stock = SqlStockLedger(conn)
        self._till = SqlTillRepository(conn)
        self._state = SqlAppState(conn)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._conn is not None:
            self._conn.rollback()  # no-op after commit()
            self._conn.close()
            self._conn = None

    def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit() outside the unit of work")
        self._conn.commit()

    @property
    def journal(self) -> SqlJournalStore:
        return self._journal

    @property
    def operators(self) -> SqlOperatorRepository:
        return self._operators

    @property
    def catalog(self) -> SqlCatalogRepository:
        return self._catalog

    @property
    def sales(self) -> SqlSalesProjection:
        return self._sales

    @property
    def stock(self) -> SqlStockLedger:
        return self._stock

    @property
    def till(self) -> SqlTillRepository:
        return self._till

    @property
    def state(self) -> SqlAppState:
        return self._state


class SqlUnitOfWorkFactory:
    """Makes a unit of work per use-case call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
