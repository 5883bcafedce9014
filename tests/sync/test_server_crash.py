"""F7: the server killed (SIGKILL) inside the ingest transaction: nothing half-applied, and the
till's retry of the same batch completes after a restart."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import httpx
import pytest
from sqlalchemy import func, select, text

from caisse_verif import es256
from sync.client import SyncClient
from sync.errors import SyncUnavailable
from sync.server import auth, reports, schema
from sync.server.context import COMMIT_DELAY_ENV, ServerContext
from tests.integration.conftest import TillFixture
from tests.sync.conftest import sell, wire_records

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _serve(url: str, delay: float) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, **{COMMIT_DELAY_ENV: str(delay)})
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync.server.cli",
            "serve",
            "--database-url",
            url,
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(900):
        try:
            httpx.get(f"{base}/v1/time", timeout=2)
        except httpx.TransportError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
        else:
            return process, base
    process.kill()
    raise RuntimeError("the server did not start")


def _in_transaction(ctx: ServerContext, db_url: str) -> bool:
    """Whether the server holds the ingest transaction open (writes done, no COMMIT yet)."""
    if ctx.engine.dialect.name == "sqlite":
        lite = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0)
        try:
            lite.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        finally:
            lite.close()
        return False
    schema_name = db_url.rsplit("%3D", 1)[1]
    with ctx.engine.connect() as conn:
        held = conn.execute(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON l.relation = c.oid "
                "JOIN pg_namespace n ON c.relnamespace = n.oid "
                "WHERE n.nspname = :s AND c.relname = 'journal' AND l.mode = 'RowExclusiveLock'"
            ),
            {"s": schema_name},
        ).scalar_one()
    return bool(held)


def test_a_server_killed_before_commit_loses_nothing_half_way(
    server: ServerContext, db_url: str, till: TillFixture
) -> None:
    for _ in range(3):
        sell(till, ("BAG", 1000))
    records = wire_records(till.data_dir)
    key = es256.generate_private_key()
    process, base = _serve(db_url, delay=600)
    outcome: list[BaseException | None] = []
    try:
        client = SyncClient(base, "enroll", key, timeout=900)
        client.enroll(auth.create_enroll_code(server, "S1"))

        def push() -> None:
            try:
                client.push(records)
                outcome.append(None)
            except BaseException as exc:  # noqa: BLE001 - checked below
                outcome.append(exc)

        pusher = threading.Thread(target=push)
        pusher.start()
        for _ in range(3000):
            if _in_transaction(server, db_url):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the server never reached the ingest transaction")
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
        pusher.join(60)
        client.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], SyncUnavailable)
    with server.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.journal)).scalar_one() == 0
        assert conn.execute(select(schema.device.c.acked_gseq)).scalar_one() == 0
        assert (
            conn.execute(select(func.count()).select_from(schema.stock_movement)).scalar_one() == 0
        )

    process, base = _serve(db_url, delay=0)
    try:
        retry = SyncClient(base, client.device_id, key)
        ack = retry.push(records)
        retry.close()
    finally:
        process.terminate()
        process.wait(30)
    assert ack.acked_gseq == records[-1].gseq
    assert reports.verify_device(server, client.device_id).report.ok
    assert reports.stock_levels(server, "S1") == {"BAG": -3000}
