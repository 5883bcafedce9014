"""`caisse archive purge ARCHIVE.zip`: purge the records of a verified archive (JET 140).

cli.md names no purge command; this one sits next to `archive export`. With `--dry-run` it
only verifies the archive and says what would be deleted.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from caisse.app.cli_session import signed_in

PIN_ENV = "CAISSE_PIN"


def cmd_archive_purge(args: argparse.Namespace, out: Any) -> int:
    path = Path(args.archive)
    with signed_in(args, check="writes") as (till, session):
        service = till.purge
        if args.dry_run:
            plan = service.check(path)
            data, jet = plan.as_json() | {"dry_run": True}, None
        else:
            result = service.purge(path, session)
            plan, data, jet = result.plan, result.as_json(), result.jet_gseq
    lines = [
        f"Archive {plan.archive_id} vérifiée — gseq {plan.gseq_from} à {plan.gseq_to}",
        f"{'À purger' if jet is None else 'Purgés'} : {len(plan.purge)} enregistrement(s) ; "
        f"conservés : {plan.kept} (clôtures, archives, clés, derniers de chaque type)",
    ]
    if jet is not None:
        lines.append(f"Purge tracée (JET 140) Seq {jet}")
        lines.append(
            f"Gardez {path.name} hors de la caisse : la vérification du journal la demande "
            f"désormais (caisse-verif caisse.sqlite --archive {path.name})."
        )
    out.result(data, lines)
    return 0


def register_archive_commands(asub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Hook `archive purge` into the `archive` sub-commands."""
    p = add(
        "purge",
        cmd_archive_purge,
        "delete from the till the records of a verified archive (never closures), oldest "
        "archive first; recorded as JET 140",
        asub,
    )
    p.add_argument("archive", metavar="ARCHIVE.zip", help="the archive exported by this till")
    p.add_argument("--operator", required=True, help="a manager or admin (right: close)")
    p.add_argument("--pin", help=f"operator PIN (or {PIN_ENV})")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="verify and show what would be purged; delete nothing",
    )
