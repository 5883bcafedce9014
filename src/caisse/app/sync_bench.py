"""`caisse bench sync`: push, concurrent ingest and catalogue pull over loopback (issue 6 §10).

Targets: 10,000 records pushed to PostgreSQL in ≤ 10 s; ≥ 2,000 records/s ingested with 4
tills pushing at once; a 200,000-product catalogue pulled into an empty till in ≤ 30 s. The
server is the real ASGI app under uvicorn on 127.0.0.1, over a fresh database created next to
`--database-url` (PostgreSQL) or a temporary SQLite file. The same-run baseline is the time to
read the whole outbox from the till's database (what no network can beat).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from caisse.app.bootstrap import KeyStoreGenerator, Till, open_till
from caisse.app.settings import Settings
from caisse.app.sync_agent import SyncAgent, enroll
from caisse.domain.catalog import Product, Unit
from caisse.domain.sale import Payment, Tender
from caisse.services.activation import ActivationRequest, activate
from caisse.services.operators import OperatorSession, Role
from caisse.storage.uow import SqlUnitOfWorkFactory

PG_ENV = "CAISSE_TEST_PG_URL"

_IDENTITY = ActivationRequest(
    company="Bench",
    siren="732829320",
    siret="73282932000074",
    vat_id="FR44732829320",
    address="1 rue du Banc, 75001 Paris",
    till_id="BENCH01",
    store_id="S1",
    admin_pin="0000",
)


def _uow(till: Till) -> SqlUnitOfWorkFactory:
    uow = till.context.uow
    if not isinstance(uow, SqlUnitOfWorkFactory):
        raise TypeError("SQLite unit of work expected")
    return uow


def _new_till(data_dir: Path, till_id: str, products: bool = True) -> Till:
    from dataclasses import replace

    till = open_till(Settings(data_dir=data_dir))
    activate(
        till.context,
        KeyStoreGenerator(till.keys),
        replace(_IDENTITY, till_id=till_id),
        activated_at="2026-01-01",
    )
    if products:
        with _uow(till)() as w:
            w.catalog.upsert_many(
                [
                    Product(f"P{i:03d}", f"Article {i}", 100 + i, 2000, "Bench", Unit.PIECE)
                    for i in range(50)
                ]
            )
            w.commit()
    return till


def _fill(till: Till, records: int) -> None:
    """Sales until the journal holds `records` records."""
    cashier = OperatorSession("admin", "Admin", Role.ADMIN)
    checkout = till.checkout
    i = 0
    while True:
        with _uow(till)() as w:
            head = w.sync.head_gseq()
        if head >= records:
            return
        for _ in range(min(500, records - head)):
            sale = checkout.new_sale()
            checkout.add_item(sale, f"P{i % 50:03d}", 1000)
            checkout.add_item(sale, f"P{(i * 7) % 50:03d}", 2000)
            sale.add_payment(Payment(Tender.CASH, sale.totals.total_ttc_cents))
            checkout.finalise(cashier, sale, printed="none")
            i += 1


class _Database:
    """A fresh server database: a new PostgreSQL database, or a SQLite file."""

    def __init__(self, url: str | None, folder: Path) -> None:
        self._admin: str | None = None
        self.name = ""
        if url and url.startswith("postgresql"):
            from sqlalchemy import create_engine, text

            self._admin = url
            self.name = f"caisse_bench_{uuid.uuid4().hex[:10]}"
            engine = create_engine(url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            engine.dispose()
            self.url = f"{url.rpartition('/')[0]}/{self.name}"
            self.kind = "postgresql"
        else:
            self.url = f"sqlite:///{folder / 'server.sqlite'}"
            self.kind = "sqlite"

    def drop(self) -> None:
        if self._admin is None:
            return
        from sqlalchemy import create_engine, text

        engine = create_engine(self._admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        engine.dispose()


class _ServerProcess:
    """``caisse-server serve`` in its own process, as in a real shop (no shared GIL).

    Codes and the catalogue are written through an in-process context on the same database
    (the server is stateless over it).
    """

    def __init__(self, url: str) -> None:
        import socket
        import subprocess

        from sync.server import db
        from sync.server.context import ServerContext

        db.upgrade(url)
        self.ctx = ServerContext.open(url)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "sync.server.cli",
                "serve",
                "--database-url",
                url,
                "--port",
                str(self.port),
                # note: PostgreSQL takes several server processes (SQLite: one writer)
                "--workers",
                "2" if url.startswith("postgresql") else "1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import httpx

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(self.base_url + "/v1/time", timeout=1)
            except httpx.HTTPError:
                time.sleep(0.05)
            else:
                return
        self.stop()
        raise RuntimeError("caisse-server did not start")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def enroll_code(self, store_id: str, till_id: str | None = None) -> str:
        from sync.server import auth

        return auth.create_enroll_code(self.ctx, store_id, till_id)

    def cpu_s(self) -> float | None:
        """CPU seconds used so far by the server's processes (None off Linux)."""
        return _cpu_s(self._proc.pid)

    def stop(self) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(10)
        except Exception:  # noqa: BLE001 - a stuck server is killed
            self._proc.kill()
        self.ctx.engine.dispose()


def _publish_catalog(ctx: Any, products: int) -> None:
    """Publish a catalogue through the server's own `refdata.publish` (one transaction)."""
    from sync.server import refdata

    refdata.publish(
        ctx,
        "catalog",
        (
            (
                f"SKU{i:07d}",
                {
                    "sku": f"SKU{i:07d}",
                    "ean": f"{3760000000000 + i:013d}",
                    "label": f"Produit {i}",
                    "price_ttc_cents": 100 + i % 5000,
                    "vat_bp": 2000,
                    "category": f"Rayon {i % 40}",
                    "unit": "piece",
                },
            )
            for i in range(products)
        ),
    )


def _cpu_s(root: int) -> float | None:
    """CPU seconds used so far by process `root` and its live descendants (Linux /proc).

    note: the machine running the bench is often shared, so wall-clock figures move with the
    load; the server's CPU time per record does not (much), and is printed beside them.
    """
    try:
        stats = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    except OSError:
        return None
    if root not in stats:
        return None
    tree, todo = {root}, [root]
    while todo:
        parent = todo.pop()
        for pid, (ppid, _) in stats.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                todo.append(pid)
    return sum(stats[pid][1] for pid in tree) / os.sysconf("SC_CLK_TCK")


def _per_cpu_s(records: int, cpu: float | None) -> float | None:
    return round(records / cpu) if cpu else None


def _enrolled_agent(till: Till, data_dir: Path, server: _ServerProcess) -> SyncAgent:
    uow = _uow(till)
    enroll(till.context, uow, data_dir, server.base_url, server.enroll_code("S1"))
    return SyncAgent(till.context, uow, data_dir, timeout=120, pull_limit=1000)


def _delta(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def bench_sync(
    *, records: int = 10000, tills: int = 4, products: int = 200000, database_url: str | None
) -> dict[str, Any]:
    """Run the three measurements and return the figures (one JSON line on the command line)."""
    folder = Path(tempfile.mkdtemp(prefix="caisse-bench-sync-"))
    database = _Database(database_url or os.environ.get(PG_ENV), folder)
    server: _ServerProcess | None = None
    opened: list[Till] = []
    try:
        server = _ServerProcess(database.url)
        # the journal: one till filled once, copied for the concurrent tills
        source_dir = folder / "till0"
        source = _new_till(source_dir, "BENCH00")
        opened.append(source)
        started = time.perf_counter()
        _fill(source, records)
        fill_s = time.perf_counter() - started
        with _uow(source)() as w:
            started = time.perf_counter()
            n = 0
            last = 0
            while batch := w.sync.records_after(last, 500):
                n += len(batch)
                last = batch[-1].gseq
            read_s = time.perf_counter() - started
        source.close()
        opened.remove(source)
        copies = []
        for k in range(tills + 1):
            target = folder / f"till{k + 1}"
            shutil.copytree(source_dir, target, ignore=shutil.ignore_patterns("sync*"))
            copies.append(target)
        # 1. one till pushes its whole journal
        first = open_till(Settings(data_dir=copies[0]))
        opened.append(first)
        agent = _enrolled_agent(first, copies[0], server)
        server_cpu = server.cpu_s()
        started = time.perf_counter()
        report = agent.sync_once(pull=False)
        push_s = time.perf_counter() - started
        push_cpu = _delta(server.cpu_s(), server_cpu)
        agent.stop(final_session=False)
        # 2. several tills push at once
        agents = []
        for target in copies[1:]:
            till = open_till(Settings(data_dir=target))
            opened.append(till)
            agents.append(_enrolled_agent(till, target, server))
        results: list[int] = []
        errors: list[BaseException] = []

        def push(a: SyncAgent) -> None:
            try:
                results.append(a.sync_once(pull=False).accepted)
            except BaseException as exc:  # noqa: BLE001 - reported in the figures
                errors.append(exc)

        threads = [threading.Thread(target=push, args=(a,)) for a in agents]
        server_cpu = server.cpu_s()
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ingest_s = time.perf_counter() - started
        ingest_cpu = _delta(server.cpu_s(), server_cpu)
        for a in agents:
            a.stop(final_session=False)
        # 3. a big catalogue into an empty till
        started = time.perf_counter()
        _publish_catalog(server.ctx, products)
        publish_s = time.perf_counter() - started
        empty_dir = folder / "empty"
        empty = _new_till(empty_dir, "BENCH99", products=False)
        opened.append(empty)
        agent = _enrolled_agent(empty, empty_dir, server)
        server_cpu = server.cpu_s()
        till_cpu = time.process_time()
        started = time.perf_counter()
        pulled = agent.sync_once().pulled.get("catalog", 0)
        pull_s = time.perf_counter() - started
        pull_cpu = _delta(server.cpu_s(), server_cpu)
        till_pull_cpu = time.process_time() - till_cpu
        agent.stop(final_session=False)
        with _uow(empty)() as w:
            local_products = w.catalog.count()
        total_ingest = sum(results)
        return {
            "bench": "sync",
            "database": database.kind,
            "records": records,
            "fill_s": round(fill_s, 2),
            "baseline_read_outbox_s": round(read_s, 3),
            "push_records": report.accepted,
            "push_s": round(push_s, 3),
            "push_records_per_s": round(report.accepted / push_s) if push_s else None,
            "push_target_s": 10,
            "push_server_cpu_s": _round(push_cpu),
            "push_records_per_server_cpu_s": _per_cpu_s(report.accepted, push_cpu),
            "ingest_tills": tills,
            "ingest_records": total_ingest,
            "ingest_s": round(ingest_s, 3),
            "ingest_records_per_s": round(total_ingest / ingest_s) if ingest_s else None,
            "ingest_target_per_s": 2000,
            "ingest_server_cpu_s": _round(ingest_cpu),
            "ingest_records_per_server_cpu_s": _per_cpu_s(total_ingest, ingest_cpu),
            "ingest_errors": [str(e) for e in errors],
            "catalog_products": products,
            "catalog_publish_s": round(publish_s, 2),
            "catalog_pulled": pulled,
            "catalog_local_products": local_products,
            "pull_s": round(pull_s, 3),
            "pull_target_s": 30,
            "pull_server_cpu_s": _round(pull_cpu),
            "pull_till_cpu_s": round(till_pull_cpu, 2),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "cpus": os.cpu_count(),
        }
    finally:
        for till in opened:
            till.close()
        if server is not None:
            server.stop()
        database.drop()
        shutil.rmtree(folder, ignore_errors=True)
