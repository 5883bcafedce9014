"""The command-line contract of cli.md: outputs, exit codes, one sentence, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from caisse.app.demo import demo_products
from tests.e2e.cli_helpers import caisse, one_sentence

pytestmark = pytest.mark.integration

INIT = [
    "init",
    "--company",
    "Librairie Test",
    "--siren",
    "732829320",
    "--siret",
    "73282932000074",
    "--vat-id",
    "FR44732829320",
    "--address",
    "3 rue des Livres, 69002 Lyon",
    "--till",
    "TILL07",
    "--admin-pin",
    "4321",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("demo")
    done = caisse(data, "demo", "--products", "50")
    assert done.returncode == 0, done.stderr
    return data


def test_init_then_refuses_to_reinitialise(tmp_path: Path) -> None:
    first = caisse(tmp_path, *INIT, "--json")
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["till"] == "TILL07"
    key = caisse(tmp_path, "key", "show", "--jwk")
    jwk = json.loads(key.stdout)
    assert jwk["kid"] == out["kid"]
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("EC", "P-256", "ES256")
    assert oct((tmp_path / "till-key.p8").stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "till-key.pass").stat().st_mode & 0o777) == "0o600"
    pem = (tmp_path / "till-key.p8").read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in pem
    # without the keystore secret the key does not parse (R43)
    with pytest.raises(TypeError, match="encrypted"):
        serialization.load_pem_private_key(pem, password=None)
    with pytest.raises(ValueError, match="password"):
        serialization.load_pem_private_key(pem, password=b"guess")
    again = caisse(tmp_path, *INIT)
    assert again.returncode == 2
    one_sentence(again.stderr)
    assert "déjà" in again.stderr


@pytest.mark.parametrize(
    ("flag", "value", "word"),
    [("--siren", "732829321", "SIREN"), ("--siret", "73282932000075", "SIRET")],
)
def test_init_rejects_identifiers_failing_luhn(
    tmp_path: Path, flag: str, value: str, word: str
) -> None:
    args = list(INIT)
    args[args.index(flag) + 1] = value
    done = caisse(tmp_path, *args)
    assert done.returncode == 2
    one_sentence(done.stderr)
    assert word in done.stderr
    assert not (tmp_path / "till-key.p8").exists()


def test_sell_refund_reprint_and_verify(demo: Path) -> None:
    sold = caisse(
        demo,
        "sell",
        "--operator",
        "marie",
        "--item",
        "SKU000001x2",
        "--item",
        "SKU000002x0.250",
        "--pay",
        "CASH:10000",
        "--json",
        pin="1234",
    )
    assert sold.returncode == 0, sold.stderr
    ticket = json.loads(sold.stdout)
    assert ticket["kind"] == "T"
    assert len(ticket["signature_extract"]) == 4
    assert ticket["signature_extract"] == "".join(ticket["sig"][i - 1] for i in (3, 7, 13, 19))
    price = demo_products(50)[0].price_ttc_cents
    short = caisse(
        demo,
        "refund",
        "--operator",
        "paul",
        "--ticket",
        ticket["ticket"],
        "--line",
        "1x1",
        "--pay",
        "CASH:-1",
        pin="5678",
    )
    assert short.returncode == 1
    one_sentence(short.stderr)
    refund = caisse(
        demo,
        "refund",
        "--operator",
        "paul",
        "--ticket",
        ticket["ticket"],
        "--line",
        "1x1",
        "--pay",
        f"CASH:-{price}",
        "--json",
        pin="5678",
    )
    assert refund.returncode == 0, refund.stderr
    assert json.loads(refund.stdout)["total_cents"] == -price
    copy = caisse(demo, "reprint", "--operator", "marie", "--ticket", ticket["ticket"], pin="1234")
    assert copy.returncode == 0, copy.stderr
    assert "DUPLICATA" in copy.stdout
    verify = caisse(demo, "journal", "verify", "--json")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert json.loads(verify.stdout)["ok"] is True


@pytest.mark.parametrize(
    ("args", "pin", "code", "word"),
    [
        (["--item", "NOPE", "--pay", "CASH:100"], "1234", 1, "inconnu"),
        (["--item", "SKU000003", "--pay", "CASH:1"], "1234", 1, "manque"),
        (["--item", "SKU000003", "--pay", "CASH:1000000"], "9876", 1, "PIN"),
        (["--item", "SKU000003", "--pay", "BITCOIN:100"], "1234", 2, "paiement"),
        (["--item", "SKU000003", "--pay", "CASH:douze"], "1234", 2, "Montant"),
    ],
)
def test_sell_errors_are_one_sentence_and_write_nothing(
    demo: Path, args: list[str], pin: str, code: int, word: str
) -> None:
    before = json.loads(caisse(demo, "journal", "verify", "--json").stdout)["records"]
    done = caisse(demo, "sell", "--operator", "marie", *args, pin=pin)
    assert done.returncode == code
    one_sentence(done.stderr)
    assert word in done.stderr
    after = json.loads(caisse(demo, "journal", "verify", "--json").stdout)
    assert after["ok"] is True
    # a wrong PIN is not a sale; nothing but the journal's own events may appear
    assert after["records"] - before <= 1


def test_journal_export_lines(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "journal.jsonl"
    done = caisse(demo, "journal", "export", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == json.loads(done.stdout)["records"] > 0
    first = json.loads(lines[0])
    assert set(first) == {"core", "sig", "body"}
    assert first["core"].startswith("FR1,TILL01,1,J,1,")


def test_unusable_inputs_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    not_init = caisse(empty, "journal", "verify")
    assert not_init.returncode == 2
    one_sentence(not_init.stderr)
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "caisse.sqlite").write_bytes(b"this is not a database" * 100)
    done = caisse(corrupt, "journal", "verify")
    assert done.returncode == 2
    one_sentence(done.stderr)
    assert "corrompue" in done.stderr


def test_unreadable_key_refuses_to_sell(tmp_path: Path) -> None:
    assert caisse(tmp_path, "demo", "--products", "5").returncode == 0
    (tmp_path / "till-key.pass").write_text("wrong passphrase")
    before = (tmp_path / "caisse.sqlite").stat().st_size
    done = caisse(
        tmp_path,
        "sell",
        "--operator",
        "marie",
        "--item",
        "SKU000001",
        "--pay",
        "CASH:100000",
        pin="1234",
    )
    assert done.returncode == 2
    one_sentence(done.stderr)
    assert "clé" in done.stderr
    assert (tmp_path / "caisse.sqlite").stat().st_size >= before


def test_corrupt_config_is_one_sentence(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "config.toml").write_text("timezone = [unclosed")
    done = caisse(tmp_path, "key", "show")
    assert done.returncode == 2
    one_sentence(done.stderr)
    assert "config" in done.stderr


def test_users_need_an_admin_pin(tmp_path: Path) -> None:
    assert caisse(tmp_path, *INIT).returncode == 0
    refused = caisse(
        tmp_path, "user", "add", "--id", "zoe", "--name", "Zoé", "--role", "cashier",
        "--pin", "1111", pin="0000",
    )  # fmt: skip
    assert refused.returncode == 1
    one_sentence(refused.stderr)
    added = caisse(
        tmp_path, "user", "add", "--id", "zoe", "--name", "Zoé", "--role", "cashier",
        "--pin", "1111", pin="4321",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = caisse(tmp_path, "user", "list", "--json", pin="4321")
    ids = {u["id"]: u["role"] for u in json.loads(listed.stdout)["operators"]}
    assert ids == {"admin": "admin", "zoe": "cashier"}
    cashier_lists = caisse(tmp_path, "user", "list", "--operator", "zoe", pin="1111")
    assert cashier_lists.returncode == 1


def test_catalog_import_and_a_weighed_sale(tmp_path: Path) -> None:
    assert caisse(tmp_path, *INIT).returncode == 0
    csv_path = tmp_path / "products.csv"
    csv_path.write_text(
        "sku;ean;label;price_ttc_cents;vat_bp;category;unit\n"
        "OLIVES;3760000000055;Olives de Nyons, AOP;2400;550;Épicerie;kg\n"
        "LIVRE;9782070360024;L'Étranger;850;550;Livres;piece\n",
        encoding="utf-8",
    )
    done = caisse(tmp_path, "catalog", "import", str(csv_path), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"imported": 2}
    sold = caisse(
        tmp_path, "sell", "--operator", "admin", "--item", "OLIVESx0.250",
        "--item", "9782070360024", "--pay", "CARD:1450", "--json", pin="4321",
    )  # fmt: skip
    assert sold.returncode == 0, sold.stderr
    assert json.loads(sold.stdout)["total_cents"] == 600 + 850
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,label\nX,Y\n", encoding="utf-8")
    refused = caisse(tmp_path, "catalog", "import", str(bad))
    assert refused.returncode == 2
    one_sentence(refused.stderr)
    assert "Colonnes manquantes" in refused.stderr


def test_benchmarks_print_one_json_line() -> None:
    env = dict(os.environ, CAISSE_NO_KEYRING="1")
    figures: dict[str, Any] = {}
    for args in (["sales", "--tickets", "30"], ["verify", "--records", "200"]):
        done = subprocess.run(
            [sys.executable, "-m", "caisse", "bench", *args],
            capture_output=True, text=True, env=env, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        lines = done.stdout.strip().splitlines()
        assert len(lines) == 1
        figures = json.loads(lines[0])
        assert figures["bench"] == args[0]
    assert figures["records"] >= 200
    assert figures["anomalies"] == 0


def test_devices_benchmark_times_a_whole_ticket_and_a_real_weighing(tmp_path: Path) -> None:
    env = dict(os.environ, CAISSE_NO_KEYRING="1")
    done = subprocess.run(
        [sys.executable, "-m", "caisse", "--data", str(tmp_path), "bench", "devices",
         "--repeats", "20"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # the logs go to the data directory, not to the terminal
    [line] = done.stdout.strip().splitlines()
    figures = json.loads(line)
    ticket = figures["ticket_30_lines"]
    assert ticket["lines_on_ticket"] == 30
    assert ticket["unknown_commands"] == 0
    assert ticket["ends_with_cut"] is True
    assert ticket["decoded_text_lines"] > 30
    weight = figures["weight_request_over_pty"]
    assert weight["stable_532_g"] is True
    assert weight["p99_ms"] >= weight["p50_ms"] > 0
