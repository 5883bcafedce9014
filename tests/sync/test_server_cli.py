"""``caisse-server`` commands and the server migrations."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sync.errors import ProtocolError
from sync.server import db, schema
from sync.server.cli import main
from sync.server.context import ServerContext
from tests.integration.conftest import TillFixture
from tests.sync.conftest import LiveServer, sell, wire_records

pytestmark = pytest.mark.integration


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    out = json.loads(captured.out) if captured.out.strip() else {}
    return code, out, captured.err


def test_the_migrations_build_exactly_the_schema(server: ServerContext) -> None:
    with server.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diffs == []


def test_upgrade_code_import_and_stats(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    assert _run(capsys, "db", "upgrade", "--database-url", db_url, "--json")[0] == 0
    code, out, _ = _run(capsys, "enroll-code", "--database-url", db_url, "--store", "S1", "--json")
    assert code == 0
    assert isinstance(out["code"], str)
    assert len(out["code"]) == 14
    csv_file = tmp_path / "products.csv"
    csv_file.write_text(
        "sku,ean,label,price_ttc_cents,vat_bp,category,unit\n"
        "BAG,3760000000017,Baguette,105,550,Boulangerie,piece\n"
        "VIN,,Vin rouge,1200,2000,Vins,piece\n",
        encoding="utf-8",
    )
    code, out, _ = _run(
        capsys, "catalog", "import", "--database-url", db_url, str(csv_file), "--json"
    )
    assert (code, out) == (0, {"published": 2})
    code, out, _ = _run(capsys, "stats", "--database-url", db_url, "--json")
    assert (code, out) == (0, {"devices": [], "stores": [], "alerts": 0})


def test_stats_verify_and_revoke_after_a_push(
    capsys: pytest.CaptureFixture[str], live: LiveServer, till: TillFixture, db_url: str
) -> None:
    sell(till, ("BAG", 1000))
    client = live.enrolled()
    client.push(wire_records(till.data_dir))
    code, out, _ = _run(capsys, "stats", "--database-url", db_url, "--json")
    assert code == 0
    devices = out["devices"]
    assert isinstance(devices, list)
    assert devices[0]["device_id"] == client.device_id
    assert devices[0]["records"] == devices[0]["acked_gseq"] == len(wire_records(till.data_dir))
    assert out["stores"] == [{"store_id": "S1", "stock_levels": 1, "negative_levels": 1}]
    code, out, _ = _run(capsys, "verify", "--database-url", db_url, "--json")
    assert code == 0
    assert out["devices"][0]["ok"] is True  # type: ignore[index]
    code, _, err = _run(
        capsys, "close-store", "--database-url", db_url, "--store", "S1", "--day", "2026-03-15"
    )
    assert code == 1
    assert "Z" in err
    assert _run(capsys, "revoke", "--database-url", db_url, client.device_id, "--json")[0] == 0
    with pytest.raises(ProtocolError) as info:
        client.cursor()
    assert info.value.code == "revoked"
    assert _run(capsys, "revoke", "--database-url", db_url, "dev_nobody")[0] == 1


def test_unusable_input_exits_2_with_one_sentence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    code, _, err = _run(capsys, "stats", "--database-url", url)
    assert code == 2
    assert "db upgrade" in err
    assert "Traceback" not in err
    db.upgrade(url)
    code, _, err = _run(
        capsys, "catalog", "import", "--database-url", url, str(tmp_path / "missing.csv")
    )
    assert code == 2
    assert "missing.csv" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,label\nBAG,Baguette\n", encoding="utf-8")
    code, _, err = _run(capsys, "catalog", "import", "--database-url", url, str(bad))
    assert code == 2
    assert "price_ttc_cents" in err


def test_bench_ingest_pushes_every_journal(
    capsys: pytest.CaptureFixture[str], till: TillFixture, tmp_path: Path
) -> None:
    sell(till, ("BAG", 1000))
    export = tmp_path / "journal.jsonl"
    export.write_text(
        "".join(
            json.dumps({"core": r.core, "sig": r.sig, "body": r.body.decode()}) + "\n"
            for r in wire_records(till.data_dir)
        ),
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'bench.sqlite'}"
    code, out, _ = _run(
        capsys, "bench-ingest", "--database-url", url, "--batch", "2", str(export), str(export)
    )
    assert code == 0
    assert out["errors"] == []
    assert out["records"] == out["stored"] == 2 * len(wire_records(till.data_dir))


def test_serve_answers_on_loopback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'served.sqlite'}"
    db.upgrade(url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "sync.server.cli", "serve", "--database-url", url]
    process = subprocess.Popen(
        [*command, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        answer = None
        for _ in range(600):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/v1/time", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    break
                time.sleep(0.1)
        assert answer is not None, "the server did not answer"
        assert answer.status_code == 200
        assert answer.json()["v"] == 1
        assert "date" in answer.headers
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert b"Traceback" not in err


def test_users_import_publishes_the_signed_rights(
    capsys: pytest.CaptureFixture[str], live: LiveServer, db_url: str, tmp_path: Path
) -> None:
    users = tmp_path / "users.csv"
    users.write_text("id,name,role,pin_hash\nmarie,Marie,cashier,h1\npaul,Paul,manager,h2\n")
    args = ("users", "import", "--database-url", db_url, "--store", "S1", "--json")
    assert _run(capsys, *args, str(users))[:2] == (0, {"published": 2})
    users.write_text("id,name,role\nmarie,Marie,manager\n")
    assert _run(capsys, *args, "--replace", str(users))[:2] == (0, {"published": 2})
    page = live.enrolled().pull("users:S1", 0)
    assert [(i.id, i.deleted) for i in page.items] == [("marie", False), ("paul", True)]
    assert page.snapshot is not None
    assert page.snapshot.payload["users"] == [{"id": "marie", "name": "Marie", "role": "manager"}]
