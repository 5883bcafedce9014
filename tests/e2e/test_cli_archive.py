"""`caisse archive export` and `caisse-verif ARCHIVE.zip` as processes, on the system clock."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.cli_helpers import caisse, one_sentence
from tests.e2e.test_cli_closures import journal_count, piece_sku

pytestmark = pytest.mark.integration


def caisse_verif(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "caisse_verif", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )


def test_export_a_closed_month_and_verify_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert caisse(data, "demo", "--products", "20").returncode == 0
    sku, price = piece_sku()
    sold = caisse(
        data, "sell", "--operator", "marie", "--item", sku, "--pay", f"CARD:{price}", pin="1234"
    )
    assert sold.returncode == 0, sold.stderr
    month = datetime.now(ZoneInfo("Europe/Paris")).strftime("%Y-%m")  # the till's zone
    out = tmp_path / "archive.zip"

    refused = caisse(data, "archive", "export", "--period", month, "--out", str(out))
    assert refused.returncode == 1
    one_sentence(refused.stderr)
    assert "n'est pas clôturée" in refused.stderr
    assert not out.exists()

    closed = caisse(data, "close", "month", "--operator", "paul", pin="5678")
    assert closed.returncode == 0, closed.stderr
    before = journal_count(data)
    done = caisse(
        data, "archive", "export", "--period", month, "--out", str(out), "--json",
        "--operator", "paul",
        pin="5678",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["archive_id"].endswith("-A-000001")
    assert result["gseq_from"] == 1
    assert result["records"] == before
    with sqlite3.connect(data / "caisse.sqlite") as conn:
        last = conn.execute("SELECT kind, body FROM journal ORDER BY gseq DESC LIMIT 2").fetchall()
    assert [k for k, _ in last] == ["J", "A"]  # the A record, then JET 130
    assert json.loads(last[0][1])["code"] == 130
    with zipfile.ZipFile(out) as zf:
        assert {"manifest.json", "manifest.jws", "journal.jsonl", "LISEZMOI.txt"} <= set(
            zf.namelist()
        )

    verified = caisse_verif(str(out))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Archive NF525" in verified.stdout
    assert "aucune anomalie" in verified.stdout
    english = caisse_verif(str(out), "--lang", "en", "--json")
    assert english.returncode == 0
    assert json.loads(english.stdout)["archive"]["archive_id"] == result["archive_id"]
    whole = caisse(data, "journal", "verify")
    assert whole.returncode == 0, whole.stdout + whole.stderr

    bad = caisse(data, "archive", "export", "--period", "2026-13", "--out", str(out))
    assert bad.returncode == 2
    one_sentence(bad.stderr)
