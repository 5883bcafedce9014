"""`caisse bench sales|verify|close`: figures as one JSON line, with same-run baselines.

Benchmarks are not tests: they measure, print and never assert (architecture.md §3.4).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from caisse.app.bootstrap import KeyStoreGenerator, Till, open_till
from caisse.app.settings import Settings
from caisse.domain.catalog import Product, Unit
from caisse.domain.sale import Payment, Sale, Tender
from caisse.services.activation import ActivationRequest, activate
from caisse.services.checkout import project_ticket
from caisse.services.operators import OperatorSession, Role

_BENCH_PRODUCTS = (
    Product("BAG", "Baguette tradition", 120, 550, "Boulangerie", Unit.PIECE, "3760000000017"),
    Product("VIN", "Côtes du Rhône 2022", 1190, 2000, "Vins", Unit.PIECE, "3760000000024"),
    Product("SAN", "Sandwich jambon-beurre", 550, 1000, "Traiteur", Unit.PIECE, "3760000000031"),
)


def _percentile(sorted_ms: list[float], pct: float) -> float:
    index = min(len(sorted_ms) - 1, max(0, round(pct / 100 * len(sorted_ms)) - 1))
    return round(sorted_ms[index], 4)


def _rss_mb() -> float:
    try:
        with Path("/proc/self/status").open(encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _new_till(data_dir: Path) -> tuple[Till, OperatorSession]:
    os.environ.setdefault("CAISSE_NO_KEYRING", "1")
    till = open_till(Settings(data_dir=data_dir))
    activate(
        till.context,
        KeyStoreGenerator(till.keys),
        ActivationRequest(
            company="Banc d'essai",
            siren="732829320",
            siret="73282932000074",
            vat_id="FR44732829320",
            address="1 rue du Test, 75001 Paris",
            till_id="BENCH01",
            store_id="S1",
            admin_pin="0000",
        ),
        activated_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    with till.context.uow() as uow:
        uow.catalog.upsert_many(_BENCH_PRODUCTS)
        uow.commit()
    return till, OperatorSession("admin", "Administrateur", Role.ADMIN)


def _three_line_sale(till: Till) -> Sale:
    sale = till.checkout.new_sale()
    for p in _BENCH_PRODUCTS:
        sale.add_line(p, 1000)
    sale.add_payment(Payment(Tender.CASH, 2000))
    return sale


def _prefill(till: Till, session: OperatorSession, target: int) -> None:
    """Grow the journal to `target` records with real signed sales, 2,000 per transaction.

    note: batching only the prefill keeps it to minutes for a million records; the measured
    tickets below each pay their own durable commit.
    """
    with till.context.uow() as uow:
        head = uow.journal.head()
    have = 0 if head is None else head.gseq
    while have < target:
        batch = min(2000, target - have)
        with till.context.uow() as uow:
            entry = None
            for _ in range(batch):
                done = _three_line_sale(till).finalise()
                build = till.checkout.build_sale(session, done, "T", None, "none")
                entry, draft = till.context.append(uow, "T", build)
                project_ticket(uow, entry, draft, "sale")
            till.context.commit(uow, entry)
        have += batch


def _measure_sales(till: Till, session: OperatorSession, tickets: int) -> dict[str, Any]:
    samples: list[float] = []
    started = time.perf_counter()
    for _ in range(tickets):
        sale = _three_line_sale(till)
        t0 = time.perf_counter()
        till.checkout.finalise(session, sale, printed="none")
        samples.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    samples.sort()
    return {
        "p50_ms": _percentile(samples, 50),
        "p99_ms": _percentile(samples, 99),
        "mean_ms": round(statistics.fmean(samples), 4),
        "throughput_per_s": round(tickets / elapsed, 1),
    }


def _baseline(data_dir: Path, count: int) -> dict[str, Any]:
    """A bare one-row insert per durable transaction, WAL and synchronous=FULL, same disk."""
    path = data_dir / "baseline.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
    payload = b"x" * 1200
    samples: list[float] = []
    for _ in range(count):
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (body) VALUES (?)", (payload,))
        conn.execute("COMMIT")
        samples.append((time.perf_counter() - t0) * 1000)
    conn.close()
    samples.sort()
    return {"p50_ms": _percentile(samples, 50), "p99_ms": _percentile(samples, 99)}


def bench_sales(tickets: int, journal_sizes: list[int]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="caisse-bench-") as tmp:
        data_dir = Path(tmp)
        till, session = _new_till(data_dir)
        try:
            baseline = _baseline(data_dir, min(tickets, 20000))
            by_size: dict[str, Any] = {}
            for size in sorted(journal_sizes):
                _prefill(till, session, size)
                by_size[str(size)] = _measure_sales(till, session, tickets)
                by_size[str(size)]["rss_mb"] = _rss_mb()
            first = by_size[str(min(journal_sizes))]
            last = by_size[str(max(journal_sizes))]
            with till.context.uow() as uow:
                records = uow.journal.count()
        finally:
            till.close()
        with closing(sqlite3.connect(data_dir / "caisse.sqlite")) as raw:
            page_size = int(raw.execute("PRAGMA page_size").fetchone()[0])
    return {
        "bench": "sales",
        "tickets": tickets,
        "lines_per_ticket": 3,
        "p50_ms": first["p50_ms"],
        "p99_ms": first["p99_ms"],
        "throughput_per_s": first["throughput_per_s"],
        "baseline_insert_p50_ms": baseline["p50_ms"],
        "baseline_insert_p99_ms": baseline["p99_ms"],
        "p50_over_baseline": round(first["p50_ms"] / baseline["p50_ms"], 2),
        "by_journal_size": by_size,
        "p50_growth_largest_vs_smallest": round(last["p50_ms"] / first["p50_ms"] - 1, 3),
        "journal_records_at_end": records,
        "page_size": page_size,
        "rss_mb_at_end": _rss_mb(),
        "targets": "p99 <= 3 ms; p50 <= 4 x baseline; p50 growth <= 10 %; rss <= 150 MB",
    }


def bench_verify_archive(records: int) -> dict[str, Any]:
    """caisse-verif on the signed archive (ZIP) of a month of `records` records.

    The month is closed (Z and M) and exported with the real archive service; the
    verification is the auditor's (`caisse_verif.cli.main`), output discarded.
    """
    import io

    from caisse.services.archives import ArchiveService
    from caisse_verif.cli import main as verif_main

    with tempfile.TemporaryDirectory(prefix="caisse-bench-") as tmp:
        data_dir = Path(tmp)
        till, session = _new_till(data_dir)
        try:
            _prefill(till, session, records)
            month = till.context.clock.now().astimezone(till.context.tz).strftime("%Y-%m")
            till.closures.close_month(session)
            out = data_dir / "archive.zip"
            t0 = time.perf_counter()
            result = ArchiveService(till.context).export(month, out, session)
            export_s = time.perf_counter() - t0
        finally:
            till.close()
        # note: the same-run baseline (the SQLite journal of the same records, verified as
        # `bench verify` does) makes the figure comparable on a busy machine
        from caisse_verif.checks import verify_records
        from caisse_verif.es256 import make_batch_checker
        from caisse_verif.sources import iter_sqlite_records

        with till_key(data_dir) as jwk, make_batch_checker(jwk) as checker:
            t0 = time.perf_counter()
            baseline = verify_records(
                iter_sqlite_records(data_dir / "caisse.sqlite"), check_signatures=checker
            )
            baseline_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            code = verif_main([str(out), "--json"])
        elapsed = time.perf_counter() - t0
        size = out.stat().st_size
    return {
        "bench": "verify-archive",
        "records": result.records,
        "export_seconds": round(export_s, 3),
        "archive_mb": round(size / 1e6, 1),
        "seconds": round(elapsed, 3),
        "records_per_s": round(result.records / elapsed, 1),
        "sqlite_baseline_records_per_s": round(baseline.records / baseline_s, 1),
        "archive_over_sqlite_speed": round(
            (result.records / elapsed) / (baseline.records / baseline_s), 3
        ),
        "exit_code": code,
        "cores": os.cpu_count(),
        "target": ">= 10000 records/s; export <= 30 s for 150,000 records",
    }


@contextlib.contextmanager
def till_key(data_dir: Path) -> Iterator[dict[str, Any]]:
    """The public JWK of the till in `data_dir` (from its key file's metadata)."""
    import json

    yield dict(json.loads((data_dir / "till-key.json").read_text())["public_jwk"])


def bench_verify(records: int) -> dict[str, Any]:
    from caisse_verif.checks import verify_records
    from caisse_verif.es256 import make_batch_checker
    from caisse_verif.sources import iter_sqlite_records

    with tempfile.TemporaryDirectory(prefix="caisse-bench-") as tmp:
        data_dir = Path(tmp)
        till, session = _new_till(data_dir)
        try:
            _prefill(till, session, records)
            jwk = dict(till.keys.info().public_jwk)
        finally:
            till.close()
        db = data_dir / "caisse.sqlite"
        t0 = time.perf_counter()
        with make_batch_checker(jwk) as checker:
            report = verify_records(iter_sqlite_records(db), check_signatures=checker)
        elapsed = time.perf_counter() - t0
    return {
        "bench": "verify",
        "records": report.records,
        "seconds": round(elapsed, 3),
        "records_per_s": round(report.records / elapsed, 1),
        "anomalies": len(report.anomalies),
        "cores": os.cpu_count(),
        "target": ">= 10000 records/s",
    }


class _SteppedClock:
    """A clock the benchmark moves by hand, so that a whole day of tickets fits in one date."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current


def bench_close(tickets: int) -> dict[str, Any]:
    """Z over one business day of `tickets` three-line tickets, with a read-and-parse baseline.

    The baseline reads the day's record bodies and parses them, the floor of any closure that
    recomputes its figures from the journal (the only source of truth).
    """
    import json

    with tempfile.TemporaryDirectory(prefix="caisse-bench-") as tmp:
        till, session = _new_till(Path(tmp))
        try:
            # the day after activation, from 07:00 UTC, a ticket every 5 s (7 h for 5,000)
            tomorrow = datetime.now(UTC).date() + timedelta(days=1)
            clock = _SteppedClock(
                datetime(tomorrow.year, tomorrow.month, tomorrow.day, 7, tzinfo=UTC)
            )
            till.context.clock = clock
            with till.context.uow() as uow:
                head = uow.journal.head()
            first = 1 if head is None else head.gseq + 1
            done = 0
            while done < tickets:
                batch = min(2000, tickets - done)
                with till.context.uow() as uow:
                    entry = None
                    for _ in range(batch):
                        clock.current += timedelta(seconds=5)
                        sale = _three_line_sale(till).finalise()
                        build = till.checkout.build_sale(session, sale, "T", None, "none")
                        entry, draft = till.context.append(uow, "T", build)
                        project_ticket(uow, entry, draft, "sale")
                    till.context.commit(uow, entry)
                done += batch
            clock.current += timedelta(minutes=30)
            t0 = time.perf_counter()
            with till.context.uow() as uow:
                parsed = sum(1 for e in uow.journal.iter_from(first) if json.loads(e.body))
            baseline_ms = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            report = till.closures.x_report()
            x_ms = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            [z] = till.closures.close_day(session)
            z_ms = (time.perf_counter() - t0) * 1000
            body = till.closures.closure_body(z.gseq)
        finally:
            till.close()
    return {
        "bench": "close",
        "tickets": tickets,
        "lines_per_ticket": 3,
        "z_ms": round(z_ms, 1),
        "x_report_ms": round(x_ms, 1),
        "baseline_read_parse_ms": round(baseline_ms, 1),
        "z_over_baseline": round(z_ms / baseline_ms, 2),
        "records_read": parsed,
        "z_tickets": body["counts"]["tickets"]["SALE"],
        "z_matches_x": body["gt"]["period"] == report["gt"]["period"],
        "target": "z_ms <= 300",
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.bench_command == "close":
        return bench_close(args.tickets)
    if args.bench_command == "sales":
        sizes = [int(s) for s in str(args.journal_sizes).split(",") if s.strip()]
        return bench_sales(args.tickets, sizes or [1000])
    if getattr(args, "archive", False):
        return bench_verify_archive(args.records)
    return bench_verify(args.records)
