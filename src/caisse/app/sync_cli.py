"""`caisse sync enroll|now|status` and `caisse bench sync` (cli.md).

Exit codes as everywhere: 0 done; 1 the command ran and found a problem (server unreachable,
sync stopped by a fork, enrolment code refused); 2 unusable input. One sentence on stderr,
never a traceback (the main entry point turns `UserFacingError` into that sentence).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from caisse.app.bootstrap import Till, open_till
from caisse.app.settings import default_data_dir, load_settings
from caisse.app.sync_agent import DataDirLock, SyncAgent, SyncBusy, enroll
from caisse.app.sync_block import stop_reason
from caisse.domain.errors import InvalidInput, Refused
from caisse.services.errors import NotInitialised
from caisse.storage.uow import SqlUnitOfWorkFactory
from sync.errors import SyncUnavailable

Add = Callable[..., argparse.ArgumentParser]


class ServerUnreachable(Refused):
    """The server did not answer (or answered garbage): one sentence, what to do next."""

    def __init__(self, exc: SyncUnavailable, url: str) -> None:
        where = f" {url}" if url else ""
        # note: the client's own sentence is kept when it says more than "unreachable"
        # (an HTTP 5xx, a truncated answer)
        fr = "" if "injoignable" in exc.fr else f" ({exc.fr.rstrip('.')})"
        en = "" if "injoignable" in exc.fr else f" ({exc.en.rstrip('.')})"
        super().__init__(
            f"Serveur central{where} injoignable{fr} : la caisse continue de vendre hors "
            "ligne ; réessayez plus tard.",
            f"Central server{where} unreachable{en}: the till keeps selling offline; try "
            "again later.",
        )


def _write(args: argparse.Namespace, data: dict[str, Any], lines: list[str]) -> None:
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
    else:
        for line in lines:
            sys.stdout.write(line + "\n")


def _open(args: argparse.Namespace) -> tuple[Till, SqlUnitOfWorkFactory]:
    data = Path(args.data) if getattr(args, "data", None) else default_data_dir()
    settings = load_settings(data)
    if not settings.db_path.exists():
        raise NotInitialised
    till = open_till(settings)
    uow = till.context.uow
    if not isinstance(uow, SqlUnitOfWorkFactory):
        raise TypeError("the till's unit of work must be the SQLite one")
    with uow() as w:
        if w.till.get() is None:
            till.close()
            raise NotInitialised
    return till, uow


def cmd_sync_enroll(args: argparse.Namespace, _out: object) -> int:
    server = str(args.server).strip()
    if not server.startswith(("http://", "https://")):
        raise InvalidInput(
            f"Adresse de serveur invalide « {server} » : donnez une URL http:// ou https://.",
            f"Invalid server address '{server}': give an http:// or https:// URL.",
        )
    till, uow = _open(args)
    try:
        lock = DataDirLock(till.settings.data_dir)
        if not lock.acquire():
            raise SyncBusy
        try:
            done = enroll(till.context, uow, till.settings.data_dir, server, args.code)
        except SyncUnavailable as exc:
            raise ServerUnreachable(exc, server) from exc
        finally:
            lock.release()
    finally:
        till.close()
    lines = [
        f"Caisse enregistrée auprès de {done.server_url} : appareil {done.device_id}, "
        f"magasin {done.store_id}."
    ]
    if done.rebased_from:
        lines.append(f"Ancien appareil {done.rebased_from} : ré-enregistrement noté (JET 150).")
    _write(
        args,
        {
            "device_id": done.device_id,
            "store_id": done.store_id,
            "server": done.server_url,
            "rebased_from": done.rebased_from,
        },
        lines,
    )
    return 0


def cmd_sync_now(args: argparse.Namespace, _out: object) -> int:
    till, uow = _open(args)
    try:
        agent = SyncAgent(till.context, uow, till.settings.data_dir, timeout=args.timeout)
        lock = DataDirLock(till.settings.data_dir)
        if not lock.acquire():
            raise SyncBusy
        try:
            report = agent.sync_once()
        except SyncUnavailable as exc:
            with uow() as w:
                url = w.sync.state().server_url or ""
            raise ServerUnreachable(exc, url) from exc
        finally:
            agent.stop(final_session=False)
            lock.release()
    finally:
        till.close()
    lines = [
        f"Journal reçu par le serveur jusqu'à gseq {report.acked_gseq} "
        f"({report.accepted} envoyé(s), {report.duplicates} déjà reçu(s)), "
        f"{report.pending} en attente.",
    ]
    if report.ops_accepted or report.ops_duplicates or report.ops_pending:
        lines.append(
            f"Stock saisi et clients : {report.ops_accepted} envoyé(s), "
            f"{report.ops_duplicates} déjà reçu(s), {report.ops_pending} en attente."
        )
    if report.ops_rejected:
        lines.append(
            f"Refusé(s) par le serveur et mis de côté : {report.ops_rejected} événement(s) "
            "(caisse sync status)."
        )
    pulled = ", ".join(f"{scope} {n}" for scope, n in report.pulled.items())
    if pulled:
        lines.append(f"Reçu du serveur : {pulled}.")
    for flag in report.flags:
        lines.append(f"Signalé par le serveur (gseq {flag.get('gseq')}) : {flag.get('fr')}")
    _write(args, report.as_json(), lines)
    return 0


def cmd_sync_status(args: argparse.Namespace, _out: object) -> int:
    till, uow = _open(args)
    try:
        with uow() as w:
            state = w.sync.state()
            head = w.sync.head_gseq()
            cursors = w.sync.cursors()
            ops_pending = w.ops.pending_count()
            rejected = w.ops.rejected()
    finally:
        till.close()
    reason = stop_reason(state.status)
    data = {
        "enrolled": state.enrolled,
        "server": state.server_url,
        "device_id": state.device_id,
        "store_id": state.store_id,
        "status": state.status,
        "acked_gseq": state.acked_gseq,
        "acked_hash": state.acked_hash,
        "head_gseq": head,
        "pending": max(0, head - state.acked_gseq),
        "last_contact": state.last_contact,
        "last_error": state.last_error,
        "cursors": cursors,
        "ops_pending": ops_pending,
        "ops_rejected": [
            {"event_id": e.event_id, "kind": e.kind, "created_at": e.created_at, "reason": why}
            for e, why in rejected
        ],
    }
    if not state.enrolled:
        lines = [
            "Non enregistrée auprès d'un serveur central (caisse sync enroll).",
            f"{head} enregistrement(s) dans le journal.",
        ]
    else:
        lines = [
            f"Serveur : {state.server_url} (appareil {state.device_id}, magasin {state.store_id})",
            f"Reçu par le serveur jusqu'à gseq {state.acked_gseq} ; journal à gseq {head} ; "
            f"{data['pending']} en attente.",
            f"Stock saisi et clients : {ops_pending} événement(s) en attente.",
            f"Dernier contact : {state.last_contact or 'jamais'}",
        ]
        lines += [
            f"Refusé par le serveur, mis de côté : {e.kind} du {e.created_at} ({e.event_id}) : "
            f"{why}"
            for e, why in rejected
        ]
        if state.last_error:
            lines.append(f"Dernière erreur : {state.last_error}")
    if reason is not None:
        lines.append(f"Synchronisation arrêtée : {reason[0]}")
    _write(args, data, lines)
    if reason is not None:
        sys.stderr.write(f"Synchronisation arrêtée : {reason[0]}\n")
        return 1
    return 0


def cmd_bench_sync(args: argparse.Namespace, _out: object) -> int:
    from caisse.app.sync_bench import bench_sync

    figures = bench_sync(
        records=args.records,
        tills=args.tills,
        products=args.products,
        database_url=args.database_url,
    )
    sys.stdout.write(json.dumps(figures, sort_keys=True) + "\n")
    return 0


def register_sync_commands(sub: Any, add: Add, bench_sub: Any | None = None) -> None:
    """Add `caisse sync ...` to the main parser (and `caisse bench sync` when given)."""
    sync = sub.add_parser("sync", help="sync with the central server (enroll, now, status)")
    ssub = sync.add_subparsers(dest="sync_command", required=True, metavar="ACTION")
    p = add(
        "enroll",
        cmd_sync_enroll,
        "register the till with a central server (one-time code from caisse-server "
        "enroll-code); a new device id and key each time",
        ssub,
    )
    p.add_argument("--server", required=True, metavar="URL", help="e.g. http://10.0.0.2:8700")
    p.add_argument("--code", required=True, help="the one-time enrolment code")
    p = add(
        "now",
        cmd_sync_now,
        "push the journal and pull the reference data once; prints acked gseq and pending",
        ssub,
    )
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    add(
        "status",
        cmd_sync_status,
        "show the server, acked gseq, pending count and last contact (no network)",
        ssub,
    )
    if bench_sub is not None:
        p = add(
            "sync",
            cmd_bench_sync,
            "push --records records over loopback, server ingest with --tills tills at once, "
            "and a --products catalogue pulled into an empty till",
            bench_sub,
        )
        p.add_argument("--records", type=int, default=10000)
        p.add_argument("--tills", type=int, default=4)
        p.add_argument("--products", type=int, default=200000)
        p.add_argument(
            "--database-url",
            default=None,
            help="server database (default: CAISSE_TEST_PG_URL, else a temporary SQLite)",
        )
