"""The unit of work: one BEGIN IMMEDIATE transaction shared by every repository."""

from __future__ import annotations

import sqlite3
import threading
from functools import cached_property
from typing import Any, Self

from sqlalchemy import Engine

from caisse.services.ports import TillIdentity
from caisse.storage.customers import SqlCustomerStore
from caisse.storage.open_tickets import SqlOpenTicketStore, SqlReceiptEmailQueue
from caisse.storage.ops_outbox import SqlOpsOutbox, SqlStockView
from caisse.storage.promotions import SqlPromotionStore
from caisse.storage.purge_store import SqlPurgeStore
from caisse.storage.repositories import (
    SqlAppState,
    SqlArchiveStore,
    SqlCashStore,
    SqlCatalogRepository,
    SqlClosureStore,
    SqlJournalStore,
    SqlOperatorRepository,
    SqlSalesProjection,
    SqlStockLedger,
    SqlTillRepository,
)
from caisse.storage.sync_store import SqlSyncStore


class SqlUnitOfWork:
    """Opens a transaction on enter; rolls back whatever was not committed.

    note: the transaction is driven by hand on a DBAPI connection that the factory keeps for
    its thread. Checking a connection out of SQLAlchemy's pool and beginning through its
    events cost ~130 µs per sale, as much as the durable commit itself (`caisse bench sales`).
    The connection still comes from the engine, so it carries the engine's pragmas (WAL,
    synchronous=FULL, foreign keys, busy timeout).

    The repositories are made on first use: a sale touches five of the seventeen, and a unit of
    work is made for every use case.
    """

    def __init__(
        self, conn: sqlite3.Connection, till_cache: dict[str, TillIdentity] | None = None
    ) -> None:
        self._conn = conn
        self._till_cache = till_cache

    def __enter__(self) -> Self:
        # note: IMMEDIATE takes the write lock now, so the head read next cannot go stale
        # before the append (nf525.md §6.8).
        self._conn.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def commit(self) -> None:
        if not self._conn.in_transaction:
            raise RuntimeError("commit() outside the unit of work")
        self._conn.execute("COMMIT")

    @cached_property
    def journal(self) -> SqlJournalStore:
        return SqlJournalStore(self._conn)

    @cached_property
    def operators(self) -> SqlOperatorRepository:
        return SqlOperatorRepository(self._conn)

    @cached_property
    def catalog(self) -> SqlCatalogRepository:
        return SqlCatalogRepository(self._conn)

    @cached_property
    def sales(self) -> SqlSalesProjection:
        return SqlSalesProjection(self._conn)

    @cached_property
    def stock(self) -> SqlStockLedger:
        return SqlStockLedger(self._conn)

    @cached_property
    def till(self) -> SqlTillRepository:
        return SqlTillRepository(self._conn, self._till_cache)

    @cached_property
    def state(self) -> SqlAppState:
        return SqlAppState(self._conn)

    @cached_property
    def cash(self) -> SqlCashStore:
        return SqlCashStore(self._conn)

    @cached_property
    def closures(self) -> SqlClosureStore:
        return SqlClosureStore(self._conn)

    @cached_property
    def archives(self) -> SqlArchiveStore:
        return SqlArchiveStore(self._conn)

    @cached_property
    def open_tickets(self) -> SqlOpenTicketStore:
        return SqlOpenTicketStore(self._conn)

    @cached_property
    def receipt_emails(self) -> SqlReceiptEmailQueue:
        return SqlReceiptEmailQueue(self._conn)

    @property
    def purge(self) -> SqlPurgeStore:
        """Deletion of purged records (the purge use case only)."""
        return SqlPurgeStore(self._conn)

    @cached_property
    def promotions(self) -> SqlPromotionStore:
        """The promotions pulled from the central server (written by the sync agent)."""
        return SqlPromotionStore(self._conn)

    @cached_property
    def ops(self) -> SqlOpsOutbox:
        """The outbox of non-fiscal events (stock by hand, counts, customers)."""
        return SqlOpsOutbox(self._conn)

    @cached_property
    def stock_view(self) -> SqlStockView:
        """The stock level the till shows (server level + unacknowledged movements)."""
        return SqlStockView(self._conn)

    @cached_property
    def customers(self) -> SqlCustomerStore:
        return SqlCustomerStore(self._conn)

    @cached_property
    def sync(self) -> SqlSyncStore:
        """Sync state and pulled reference data (used by the sync agent in caisse.app)."""
        return SqlSyncStore(self._conn)


class SqlUnitOfWorkFactory:
    """Makes a unit of work per use-case call, on one connection per thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()
        self._lock = threading.Lock()
        self._proxies: list[Any] = []
        # note: the identity never changes after activation (nf525.md R1); one read serves
        # every unit of work of this database.
        self._till_cache: dict[str, TillIdentity] = {}

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            proxy = self.engine.raw_connection()
            driver = proxy.driver_connection
            if not isinstance(driver, sqlite3.Connection):
                raise TypeError("the till database must be SQLite")
            with self._lock:
                self._proxies.append(proxy)
            self._local.conn = conn = driver
        return conn

    def __call__(self) -> SqlUnitOfWork:
        # note: one unit of work per thread, reused: it holds only its connection and
        # stateless repositories, and units of work never nest on a thread (SQLite refuses a
        # second BEGIN). Building its dozen repositories twice per sale was measurable.
        uow: SqlUnitOfWork | None = getattr(self._local, "uow", None)
        if uow is None:
            uow = SqlUnitOfWork(self._connection(), self._till_cache)
            self._local.uow = uow
        return uow

    def close(self) -> None:
        """Give every thread's connection back (call from the thread that owns the till)."""
        with self._lock:
            proxies, self._proxies = self._proxies, []
        for proxy in proxies:
            proxy.close()
        self._local = threading.local()
