"""Real tills against the real central server over loopback, and the invariants of sync.md §5.3.

- `ServerThread`: the server's ASGI app (`sync.server.app.create_app`) under uvicorn in a
  thread, on a free loopback port, over SQLite or a fresh PostgreSQL database.
- `SyncTill`: a till activated in a temporary folder (the same services as the real till,
  via `tests.integration.conftest`), enrolled, with its `SyncAgent`.
- `assert_settled`: the invariants after the system settles: no record lost, none
  duplicated, every chain verified on the server, stock converged.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, func, select, text

from caisse.app.bootstrap import KeyStoreGenerator, open_till
from caisse.app.settings import Settings
from caisse.app.sync_agent import SyncAgent, enroll
from caisse.domain.sale import Payment, Tender
from caisse.services.activation import activate
from caisse.services.operators import OperatorSession, Role
from caisse.storage.uow import SqlUnitOfWorkFactory
from sync.server import auth, db, reports, schema
from sync.server.app import create_app
from sync.server.context import ServerContext
from tests.fakes import FakeClock, FakePrinter
from tests.integration.conftest import IDENTITY, PRODUCTS, TillFixture
from tests.sync.faultproxy import FaultProxy

PG_ENV = "CAISSE_TEST_PG_URL"


class ServerThread:
    """The central server on 127.0.0.1 (a free port), in a thread of the test process."""

    def __init__(self, url: str) -> None:
        self.url = url
        db.upgrade(url)
        self.ctx = ServerContext.open(url)
        self._sock: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.ctx), log_level="warning", lifespan="off", access_log=False
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        self._sock, self._server, self._thread = sock, server, thread
        # wait until it answers
        for _ in range(200):
            try:
                httpx.get(self.base_url + "/v1/time", timeout=1)
            except httpx.HTTPError:
                threading.Event().wait(0.02)
            else:
                return
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def close(self) -> None:
        self.stop()
        self.ctx.engine.dispose()

    def snapshot(self, name: str) -> None:
        """A backup of the whole server database (server stopped for the copy)."""
        self._copy(self.url, name, to_backup=True)

    def restore(self, name: str) -> None:
        """Put a backup back in place of the live database and serve it again."""
        self._copy(self.url, name, to_backup=False)

    def _copy(self, url: str, name: str, *, to_backup: bool) -> None:
        import shutil

        self.stop()
        self.ctx.engine.dispose()
        if url.startswith("sqlite"):
            live = Path(url.removeprefix("sqlite:///"))
            backup = live.with_name(f"{live.name}.{name}")
            src, dst = (live, backup) if to_backup else (backup, live)
            for suffix in ("-wal", "-shm"):
                Path(str(dst) + suffix).unlink(missing_ok=True)
            shutil.copyfile(src, dst)
            for suffix in ("-wal", "-shm"):
                if Path(str(src) + suffix).exists():
                    shutil.copyfile(str(src) + suffix, str(dst) + suffix)
        else:
            base, _, live_name = url.rpartition("/")
            backup_name = f"{live_name}_{name}"
            admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                if to_backup:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{backup_name}"'))
                    conn.execute(text(f'CREATE DATABASE "{backup_name}" TEMPLATE "{live_name}"'))
                else:
                    conn.execute(text(f'DROP DATABASE "{live_name}" WITH (FORCE)'))
                    conn.execute(text(f'CREATE DATABASE "{live_name}" TEMPLATE "{backup_name}"'))
                    conn.execute(text(f'DROP DATABASE "{backup_name}"'))
            admin.dispose()
        self.ctx = ServerContext.open(self.url)
        self.start()

    def code(self, store: str = "S1", till: str | None = None) -> str:
        return auth.create_enroll_code(self.ctx, store, till)


def server_database_urls(tmp_path: Path) -> Iterator[str]:
    """Yields the URL of a new server database: SQLite here, or PostgreSQL (see `pg_url`)."""
    yield f"sqlite:///{tmp_path / 'server.sqlite'}"


@dataclass
class PgDatabase:
    admin_url: str
    name: str

    @property
    def url(self) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{self.name}"

    def drop(self) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        engine.dispose()


def fresh_pg_database() -> PgDatabase:
    """A new, empty PostgreSQL database next to CAISSE_TEST_PG_URL's (dropped after)."""
    admin = os.environ[PG_ENV]
    name = f"caisse_till_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return PgDatabase(admin, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerThread]:
    """The central server over SQLite, then over a fresh PostgreSQL database."""
    pg: PgDatabase | None = None
    if request.param == "postgresql":
        if not os.environ.get(PG_ENV):
            pytest.skip(f"{PG_ENV} is not set: no PostgreSQL to run against")
        pg = fresh_pg_database()
        url = pg.url
    else:
        url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    srv = ServerThread(url)
    yield srv
    srv.close()
    if pg is not None:
        pg.drop()


@pytest.fixture
def seed() -> int:
    """The fault proxy's seed, printed so that a failing run can be replayed."""
    value = int(os.environ.get("CAISSE_FAULT_SEED") or random.randrange(2**32))
    print(f"fault seed: {value} (replay with CAISSE_FAULT_SEED={value})")  # noqa: T201
    return value


@pytest.fixture
def proxy(server: ServerThread, seed: int) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of the server (1.5 s when asked to delay)."""
    p = FaultProxy(server.port, seed=seed)
    p.delay_s = 1.5
    yield p
    p.close()


# ---------------------------------------------------------------------------- tills


@dataclass
class SyncTill:
    fixture: TillFixture
    agent: SyncAgent

    @property
    def till(self) -> Any:
        return self.fixture.till

    @property
    def uow(self) -> SqlUnitOfWorkFactory:
        uow = self.fixture.till.context.uow
        assert isinstance(uow, SqlUnitOfWorkFactory)
        return uow

    def sell(self, *items: tuple[str, int]) -> int:
        """A cash sale of (sku, qty_milli) lines; returns its gseq."""
        checkout = self.fixture.till.checkout
        sale = checkout.new_sale()
        for sku, qty in items:
            checkout.add_item(sale, sku, qty)
        total = sale.totals.total_ttc_cents
        sale.add_payment(Payment(Tender.CASH, total))
        return int(checkout.finalise(self.fixture.cashier, sale, printed="none").gseq)

    def journal(self) -> list[tuple[int, str]]:
        with self.uow() as w:
            return [(e.gseq, e.token_sha256) for e in w.journal.iter_from(1)]

    def device_id(self) -> str:
        with self.uow() as w:
            device = w.sync.state().device_id
        assert device is not None
        return device

    def sold_by_sku(self) -> dict[str, int]:
        """Σ qty of the till's own sale movements per sku (the stock oracle's part)."""
        with self.uow() as w:
            rows = w.sync._conn.execute(
                "SELECT sku, SUM(qty_milli) FROM stock_movements WHERE gseq IS NOT NULL "
                "GROUP BY sku"
            ).fetchall()
        return {str(s): int(q) for s, q in rows}

    def close(self) -> None:
        self.agent.stop(final_session=False)
        self.fixture.till.close()


def make_sync_till(
    data_dir: Path,
    till_id: str = "TILL01",
    clock: FakeClock | None = None,
) -> TillFixture:
    """`tests.integration.conftest.make_till` with a till id of our choice."""
    clock = clock or FakeClock()
    printer = FakePrinter()
    till = open_till(Settings(data_dir=data_dir), clock=clock, printer=printer)
    activate(
        till.context,
        KeyStoreGenerator(till.keys),
        replace(IDENTITY, till_id=till_id),
        activated_at="2026-03-15",
    )
    with till.context.uow() as uow:
        uow.catalog.upsert_many(PRODUCTS)
        uow.commit()
    admin = till.operators.authenticate("admin", "0000")
    till.operators.add(admin, "marie", "Marie", Role.CASHIER, "1234")
    till.operators.add(admin, "paul", "Paul", Role.MANAGER, "5678")
    return TillFixture(
        till,
        clock,
        printer,
        data_dir,
        admin,
        OperatorSession("marie", "Marie", Role.CASHIER),
        OperatorSession("paul", "Paul", Role.MANAGER),
    )


def attach(
    fixture: TillFixture,
    srv: ServerThread,
    url: str | None = None,
    *,
    timeout: float = 5.0,
    batch_size: int = 500,
    seed: int = 0,
    enrol: bool = True,
    **kwargs: Any,
) -> SyncTill:
    """Enrol the till with `srv` (through `url`, e.g. a fault proxy) and build its agent."""
    import random

    till = fixture.till
    uow = till.context.uow
    assert isinstance(uow, SqlUnitOfWorkFactory)
    if enrol:
        enroll(
            till.context,
            uow,
            fixture.data_dir,
            srv.base_url,
            srv.code("S1", None),
            checkout=till.checkout,
        )
    agent = SyncAgent(
        till.context,
        uow,
        fixture.data_dir,
        checkout=till.checkout,
        timeout=timeout,
        batch_size=batch_size,
        backoff_base_s=0.01,
        backoff_cap_s=0.05,
        rng=random.Random(seed),
        **kwargs,
    )
    if url is not None:
        with uow() as w:
            w.sync.set_server_url(url)
            w.commit()
    till.context.listener = agent
    return SyncTill(fixture, agent)


# ---------------------------------------------------------------------------- invariants


def server_journal(srv: ServerThread, device_id: str) -> list[tuple[int, str]]:
    j = schema.journal
    with srv.ctx.engine.connect() as conn:
        rows = conn.execute(
            select(j.c.gseq, j.c.token_sha256).where(j.c.device_id == device_id).order_by(j.c.gseq)
        ).all()
    return [(int(g), str(h)) for g, h in rows]


def server_stock(srv: ServerThread, store: str = "S1") -> dict[str, int]:
    level = schema.stock_level
    with srv.ctx.engine.connect() as conn:
        rows = conn.execute(
            select(level.c.sku, level.c.qty_milli).where(level.c.store_id == store)
        ).all()
    return {str(s): int(q) for s, q in rows if int(q) != 0}


def movement_sums(srv: ServerThread, store: str = "S1") -> dict[str, int]:
    m = schema.stock_movement
    with srv.ctx.engine.connect() as conn:
        rows = conn.execute(
            select(m.c.sku, func.sum(m.c.qty_milli)).where(m.c.store_id == store).group_by(m.c.sku)
        ).all()
    return {str(s): int(q) for s, q in rows if int(q) != 0}


def quarantined(srv: ServerThread, device_id: str) -> int:
    q = schema.quarantine
    with srv.ctx.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(q).where(q.c.device_id == device_id)
            ).scalar_one()
        )


def assert_settled(srv: ServerThread, tills: Sequence[SyncTill], store: str = "S1") -> None:
    """sync.md §5.3, invariants 1 to 5, once every till has pushed everything."""
    oracle: dict[str, int] = {}
    for t in tills:
        device = t.device_id()
        local = t.journal()
        remote = server_journal(srv, device)
        # 1. no record lost / 2. none duplicated: the same (gseq, hash) set, exactly
        assert remote == local, f"{device}: server {len(remote)} records, till {len(local)}"
        # 3. the chain verifies on the server with the till's own verifier
        verification = reports.verify_device(srv.ctx, device).report
        assert verification.ok, [a.en for a in verification.anomalies[:5]]
        assert verification.records == len(local)
        # 5. the till's cursor never exceeds the server's
        with t.uow() as w:
            acked = w.sync.state().acked_gseq
        assert acked == remote[-1][0] if remote else acked == 0
        for sku, qty in t.sold_by_sku().items():
            oracle[sku] = oracle.get(sku, 0) + qty
    oracle = {k: v for k, v in oracle.items() if v != 0}
    # 4. stock converged: projection = Σ movements = the oracle from the tills' journals
    assert movement_sums(srv, store) == oracle
    assert server_stock(srv, store) == oracle
