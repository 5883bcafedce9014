"""``caisse-server``: run the central server and administer it (cli.md, "Central server").

Exit codes: 0 success; 1 the command ran and found a problem (a chain anomaly, a store day that
cannot be closed, an unknown device); 2 unusable input (bad arguments, an unreadable file, a
database that cannot be opened or is not migrated). Errors are one sentence on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from sync.errors import SyncError
from sync.protocol import utc_iso
from sync.server import auth, db, refdata, reports
from sync.server.context import COMMIT_DELAY_ENV, ServerContext, system_clock

logger = logging.getLogger(__name__)

URL_ENV = "CAISSE_SERVER_DATABASE_URL"


_ENGINES: list[Engine] = []
"""Engines opened by this run, disposed before returning (no pooled connection outlives it)."""


class _Unusable(Exception):
    """Input the command cannot use (exit 2)."""


def _out(obj: Any, as_json: bool) -> None:
    text = json.dumps(obj, ensure_ascii=False) if as_json else _text(obj)
    sys.stdout.write(text + "\n")


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in obj.items())
    return str(obj)


def _url(args: argparse.Namespace) -> str:
    url: str | None = args.database_url or os.environ.get(URL_ENV)
    if not url:
        raise _Unusable(f"--database-url is required (or set {URL_ENV}).")
    return url


def _context(args: argparse.Namespace) -> ServerContext:
    url = _url(args)
    try:
        engine = db.make_engine(url)
        _ENGINES.append(engine)
        if not db.is_current(engine, url):
            raise _Unusable(
                "La base du serveur n'est pas à jour : lancez « caisse-server db upgrade ». / "
                "The server database is not up to date: run 'caisse-server db upgrade'."
            )
        clock = system_clock
        key = db.server_private_key(engine, utc_iso(clock()))
        delay = float(os.environ.get(COMMIT_DELAY_ENV) or 0)
        return ServerContext(engine, key, clock, commit_delay_s=delay)
    except SQLAlchemyError as exc:
        raise _Unusable(f"Cannot open the server database: {exc.__class__.__name__}.") from exc


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sync.server.app import create_app

    ctx = _context(args)
    logging.getLogger().setLevel(logging.INFO)
    logger.info("serving on http://%s:%d", args.host, args.port)
    workers = max(1, args.workers)
    if workers > 1 and ctx.engine.dialect.name != "sqlite":
        # note: the server is stateless over its database, so processes share nothing else
        os.environ[URL_ENV] = _url(args)
        uvicorn.run(
            "sync.server.app:create_app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=workers,
            log_level="info",
        )
        return 0
    uvicorn.run(create_app(ctx), host=args.host, port=args.port, workers=1, log_level="info")
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    try:
        db.upgrade(_url(args))
    except SQLAlchemyError as exc:
        raise _Unusable(f"Cannot upgrade the server database: {exc.__class__.__name__}.") from exc
    _out({"upgraded": True}, args.json)
    return 0


def _enroll_code(args: argparse.Namespace) -> int:
    ctx = _context(args)
    code = auth.create_enroll_code(ctx, args.store, args.till)
    _out({"code": code, "store": args.store, "till": args.till, "ttl_s": ctx.code_ttl_s}, args.json)
    return 0


def _catalog_import(args: argparse.Namespace) -> int:
    ctx = _context(args)
    try:
        count = refdata.import_catalog_csv(ctx, Path(args.file), replace=args.replace)
    except OSError as exc:
        raise _Unusable(f"Cannot read {args.file}: {exc.strerror}.") from exc
    except ValueError as exc:
        raise _Unusable(f"{args.file}: {exc}.") from exc
    _out({"published": count}, args.json)
    return 0


def _users_import(args: argparse.Namespace) -> int:
    ctx = _context(args)
    try:
        count = refdata.import_users_csv(ctx, args.store, Path(args.file), replace=args.replace)
    except OSError as exc:
        raise _Unusable(f"Cannot read {args.file}: {exc.strerror}.") from exc
    except ValueError as exc:
        raise _Unusable(f"{args.file}: {exc}.") from exc
    _out({"published": count}, args.json)
    return 0


def _stats(args: argparse.Namespace) -> int:
    _out(reports.stats(_context(args)), args.json)
    return 0


def _verify(args: argparse.Namespace) -> int:
    ctx = _context(args)
    devices = [d["device_id"] for d in reports.stats(ctx)["devices"]]
    if args.device:
        devices = [d for d in devices if d in args.device]
    results = []
    for device_id in devices:
        report = reports.verify_device(ctx, device_id).report
        results.append(
            {
                "device_id": device_id,
                "records": report.records,
                "ok": report.ok,
                "anomalies": [
                    {"gseq": a.gseq, "check": a.check, "en": a.en} for a in report.anomalies[:50]
                ],
            }
        )
    _out({"devices": results}, args.json)
    return 0 if all(r["ok"] for r in results) else 1


def _revoke(args: argparse.Namespace) -> int:
    if not auth.revoke(_context(args), args.device):
        sys.stderr.write(f"Unknown device {args.device}.\n")
        return 1
    _out({"revoked": args.device}, args.json)
    return 0


def _close_store(args: argparse.Namespace) -> int:
    signed = reports.consolidate_store_day(_context(args), args.store, args.day)
    _out(signed.to_json(), args.json)
    return 0


def _bench_ingest(args: argparse.Namespace) -> int:
    from sync.server.bench import ingest_bench, read_export

    try:
        journals = [read_export(Path(f)) for f in args.journal]
    except OSError as exc:
        raise _Unusable(f"Cannot read a journal export: {exc.strerror}.") from exc
    except ValueError as exc:
        raise _Unusable(str(exc)) from exc
    figures = ingest_bench(_url(args), journals, batch=args.batch)
    sys.stdout.write(json.dumps(figures) + "\n")
    return 1 if figures["errors"] else 0


def build_parser() -> argparse.ArgumentParser:
    """The ``caisse-server`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="caisse-server", description="Central server of the caisse tills (sync)."
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url",
        help=f"sqlite:///PATH (embedded) or postgresql+psycopg://... (default: ${URL_ENV})",
    )
    common.add_argument("--json", action="store_true", help="print one JSON object")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", parents=[common], help="run the ASGI server (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8700)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (PostgreSQL only; the embedded SQLite mode uses one)",
    )
    serve.set_defaults(run=_serve)

    dbp = sub.add_parser("db", help="database administration")
    dbsub = dbp.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", parents=[common], help="apply the server migrations")
    up.set_defaults(run=_db_upgrade)

    code = sub.add_parser("enroll-code", parents=[common], help="a one-time enrolment code")
    code.add_argument("--store", required=True)
    code.add_argument("--till")
    code.set_defaults(run=_enroll_code)

    cat = sub.add_parser("catalog", help="reference data")
    catsub = cat.add_subparsers(dest="catalog_command", required=True)
    imp = catsub.add_parser(
        "import",
        parents=[common],
        help="publish products from a CSV (sku, ean, label, price_ttc_cents, vat_bp, category, "
        "unit)",
    )
    imp.add_argument("file")
    imp.add_argument(
        "--replace", action="store_true", help="products absent from the file are deleted"
    )
    imp.set_defaults(run=_catalog_import)

    users = sub.add_parser("users", help="users and rights of a store")
    usersub = users.add_subparsers(dest="users_command", required=True)
    uimp = usersub.add_parser(
        "import",
        parents=[common],
        help="publish users from a CSV (id, name, role; other columns travel as is)",
    )
    uimp.add_argument("--store", required=True)
    uimp.add_argument("file")
    uimp.add_argument(
        "--replace", action="store_true", help="users absent from the file are deleted"
    )
    uimp.set_defaults(run=_users_import)

    st = sub.add_parser("stats", parents=[common], help="per device and per store figures")
    st.set_defaults(run=_stats)

    ver = sub.add_parser(
        "verify", parents=[common], help="re-verify every stored chain from its genesis"
    )
    ver.add_argument("--device", action="append", help="only this device (repeatable)")
    ver.set_defaults(run=_verify)

    rev = sub.add_parser("revoke", parents=[common], help="revoke a device")
    rev.add_argument("device")
    rev.set_defaults(run=_revoke)

    close = sub.add_parser(
        "close-store", parents=[common], help="sign the consolidated closure of a store day"
    )
    close.add_argument("--store", required=True)
    close.add_argument("--day", required=True, help="business date YYYY-MM-DD")
    close.set_defaults(run=_close_store)

    bench = sub.add_parser(
        "bench-ingest",
        parents=[common],
        help="push journal exports at once, one device each, to an EMPTY database on loopback; "
        "prints one JSON line",
    )
    bench.add_argument("journal", nargs="+", help="a 'caisse journal export' file per till")
    bench.add_argument("--batch", type=int, default=500)
    bench.set_defaults(run=_bench_ingest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``caisse-server``."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except _Unusable as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    except SyncError as exc:
        sys.stderr.write(f"{exc.fr} / {exc.en}\n")
        return 1
    finally:
        while _ENGINES:
            _ENGINES.pop().dispose()
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
