"""Central server fixtures: a migrated database (SQLite always, PostgreSQL when configured),
the server running under uvicorn on a loopback port, and tills whose journals it receives.

PostgreSQL runs use ``CAISSE_TEST_PG_URL`` and one fresh schema per test (dropped afterwards),
so that runs never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import create_engine, text

from caisse.domain.sale import Payment, Tender
from caisse.services.checkout import TicketResult
from caisse_verif import es256
from sync.client import SyncClient
from sync.protocol import WireRecord
from sync.server import auth, db
from sync.server.app import create_app
from sync.server.context import ServerContext
from tests.integration.conftest import TillFixture, make_till

PG_ENV = "CAISSE_TEST_PG_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.sqlite'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: the PostgreSQL run of this test is skipped")
    schema_name = "caisse_test_" + secrets.token_hex(6)
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema_name}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema_name}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        admin.dispose()


@pytest.fixture
def server(db_url: str) -> Iterator[ServerContext]:
    db.upgrade(db_url)
    ctx = ServerContext.open(db_url)
    yield ctx
    ctx.close()


class LiveServer:
    """uvicorn serving the app in a thread, on a free loopback port."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        config = uvicorn.Config(create_app(ctx), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._clients: list[SyncClient] = []
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        self._server.should_exit = True
        self._thread.join(20)
        self._sock.close()

    def client(self, key: ec.EllipticCurvePrivateKey | None = None) -> SyncClient:
        client = SyncClient(self.url, "enroll", key or es256.generate_private_key())
        self._clients.append(client)
        return client

    def enrolled(self, store: str = "S1", till: str | None = None) -> SyncClient:
        client = self.client()
        client.enroll(auth.create_enroll_code(self.ctx, store), till_id=till)
        return client


@pytest.fixture
def live(server: ServerContext) -> Iterator[LiveServer]:
    running = LiveServer(server)
    running.start()
    yield running
    running.stop()


# ------------------------------------------------------------------------------ tills


def sell(
    shop: TillFixture, *items: tuple[str, int | None], cash: int | None = None
) -> TicketResult:
    sale = shop.till.checkout.new_sale()
    for code, qty in items:
        shop.till.checkout.add_item(sale, code, qty)
    sale.add_payment(Payment(Tender.CASH, cash if cash is not None else 100_000))
    return shop.till.checkout.finalise(shop.cashier, sale)


def wire_records(data_dir: Path, from_gseq: int = 1) -> list[WireRecord]:
    """The till's journal rows as the push sends them (read straight from its SQLite file)."""
    with sqlite3.connect(data_dir / "caisse.sqlite") as conn:
        rows = conn.execute(
            "SELECT gseq, core, sig, body FROM journal WHERE gseq >= ? ORDER BY gseq",
            (from_gseq,),
        ).fetchall()
    return [WireRecord(int(g), str(c), str(s), bytes(b)) for g, c, s, b in rows]


@pytest.fixture
def till(tmp_path: Path) -> Iterator[TillFixture]:
    fixture = make_till(tmp_path / "till")
    yield fixture
    fixture.till.close()
