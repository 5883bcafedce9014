"""Read a till's journal straight from its SQLite file, and verify it with caisse-verif."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from caisse_verif.checks import Report, verify_records
from caisse_verif.es256 import make_batch_checker
from caisse_verif.sources import check_projections, iter_sqlite_records, read_anchor


def journal_rows(data_dir: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(data_dir / "caisse.sqlite") as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM journal ORDER BY gseq").fetchall()
    return [dict(r) for r in rows]


def jet_codes(data_dir: Path) -> list[int]:
    return [int(json.loads(r["body"])["code"]) for r in journal_rows(data_dir) if r["kind"] == "J"]


def public_jwk(data_dir: Path) -> dict[str, str]:
    meta = json.loads((data_dir / "till-key.json").read_text())
    return dict(meta["public_jwk"])


def verify_data_dir(data_dir: Path, *, use_anchor: bool = True) -> Report:
    anchor = read_anchor(data_dir / "head.anchor") if use_anchor else None
    with make_batch_checker(public_jwk(data_dir)) as checker:
        return verify_records(
            iter_sqlite_records(data_dir / "caisse.sqlite"),
            check_signatures=checker,
            anchor=anchor,
        )


def projection_anomalies(data_dir: Path) -> list[str]:
    return [a.check for a in check_projections(data_dir / "caisse.sqlite")]
