"""Ingest benchmark: several tills push their journals at once to a server on loopback.

Used by ``caisse-server bench-ingest`` (journals given as ``caisse journal export`` files) and
meant for ``caisse bench sync`` on the till side, which builds the journals with the real till
services. It prints figures; it asserts nothing.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn

from caisse_verif import es256
from caisse_verif.checks import verify_records
from caisse_verif.es256 import ParallelSignatureChecker
from caisse_verif.record import StoredRecord
from sync.client import SyncClient
from sync.protocol import MAX_BATCH_RECORDS, WireRecord, split_batches
from sync.server import auth, db, reports
from sync.server.app import create_app
from sync.server.context import ServerContext


def read_export(path: Path) -> list[WireRecord]:
    """Read a ``caisse journal export`` file (one ``{"core", "sig", "body"}`` object a line).

    Raises:
        ValueError: a line is not such an object.
    """
    records: list[WireRecord] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            obj = json.loads(line)
            if not isinstance(obj, dict) or not all(k in obj for k in ("core", "sig", "body")):
                raise ValueError(f"{path}:{number}: not a journal export line")
            core = str(obj["core"])
            records.append(
                WireRecord(
                    int(core.split(",")[2]), core, str(obj["sig"]), str(obj["body"]).encode()
                )
            )
    return records


class _Serving:
    """uvicorn on a free loopback port, in a thread."""

    def __init__(self, ctx: ServerContext) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        config = uvicorn.Config(create_app(ctx), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def __enter__(self) -> _Serving:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the benchmark server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.should_exit = True
        self._thread.join(30)
        self._sock.close()


def ingest_bench(
    url: str, journals: Sequence[Sequence[WireRecord]], *, batch: int = MAX_BATCH_RECORDS
) -> dict[str, Any]:
    """Push every journal from its own thread and device, at once; return the figures.

    The database at `url` must be empty; it is migrated here.
    """
    baseline = _verifier_baseline(journals[0]) if journals else None
    db.upgrade(url)
    ctx = ServerContext.open(url)
    try:
        with _Serving(ctx) as serving:
            clients = []
            for _ in journals:
                client = SyncClient(serving.url, "enroll", es256.generate_private_key())
                client.enroll(auth.create_enroll_code(ctx, "BENCH"))
                clients.append(client)
            errors: list[str] = []
            per_till: list[float] = [0.0] * len(journals)

            def push(i: int) -> None:
                started = time.perf_counter()
                try:
                    for chunk in split_batches(journals[i], batch):
                        clients[i].push(chunk)
                except Exception as exc:  # noqa: BLE001 - reported in the figures
                    errors.append(f"till {i}: {exc}")
                per_till[i] = time.perf_counter() - started

            threads = [threading.Thread(target=push, args=(i,)) for i in range(len(journals))]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            for client in clients:
                client.close()
        total = sum(len(j) for j in journals)
        stored = sum(d["records"] for d in reports.stats(ctx)["devices"])
    finally:
        ctx.close()
    return {
        "bench": "sync_ingest",
        "dialect": url.split(":", 1)[0],
        "tills": len(journals),
        "batch": batch,
        "records": total,
        "stored": stored,
        "seconds": round(elapsed, 3),
        "records_per_s": round(total / elapsed, 1) if elapsed else None,
        "slowest_till_s": round(max(per_till, default=0.0), 3),
        "baseline_verify_records_per_s": baseline,
        "ratio_to_baseline": round(total / elapsed / baseline, 3) if elapsed and baseline else None,
        "errors": errors,
    }


def _verifier_baseline(records: Sequence[WireRecord]) -> float | None:
    """Same-run baseline: records per second of the bare verifier, in this process, one core.

    The server can hardly beat it (it runs the same checks, then stores); the ratio to it holds
    on a loaded machine where absolute figures do not.
    """
    if not records:
        return None
    started = time.perf_counter()
    verify_records(
        (StoredRecord(r.core, r.sig, r.body, gseq_column=r.gseq) for r in records),
        check_signatures=None,
        signature_checker_for_jwk=lambda jwk: ParallelSignatureChecker([jwk], workers=0),
        expect_genesis=records[0].gseq == 1,
    )
    elapsed = time.perf_counter() - started
    return round(len(records) / elapsed, 1) if elapsed else None
