"""`caisse stock ...` and `caisse customer ...` end to end, then `caisse sync now` to the real
server over loopback: exit codes, JSON, one French sentence on refusal, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caisse.app.cli import main
from tests.sync.till_harness import ServerThread, make_sync_till, server, server_stock

__all__ = ["server"]

pytestmark = pytest.mark.integration


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _ops_pending(capsys: pytest.CaptureFixture[str], data: Path) -> int:
    code, out, err = _run(capsys, "sync", "status", "--data", str(data), "--json")
    assert code == 0, err
    return int(json.loads(out)["ops_pending"])


def test_stock_and_customers_from_the_command_line(
    server: ServerThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "till"
    make_sync_till(data).till.close()
    d = ("--data", str(data))
    manager = ("--operator", "paul", "--pin", "5678")
    code, _, err = _run(
        capsys, "sync", "enroll", *d, "--server", server.base_url, "--code", server.code()
    )
    assert code == 0, err

    code, out, err = _run(
        capsys, "stock", "receive", *d, *manager, "--item", "BAG", "--qty", "12", "--json"
    )
    assert code == 0, err
    receipt = json.loads(out)
    assert (receipt["kind"], receipt["qty_milli"], receipt["level_milli"]) == (
        "stock.receipt",
        12_000,
        12_000,
    )
    code, out, err = _run(
        capsys, "stock", "adjust", *d, *manager, "--item", "BAG", "--qty", "2", "--reason", "casse"
    )
    assert code == 0, err
    assert "Ajustement de BAG : mouvement -2, stock affiché 10." in out
    code, out, err = _run(
        capsys, "stock", "count", *d, *manager, "--item", "COMTE", "--counted", "0,750", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["counted_milli"] == 750
    code, out, err = _run(
        capsys,
        "customer",
        "add",
        *d,
        "--operator",
        "marie",
        "--pin",
        "1234",
        "--name",
        "Jeanne Martin",
        "--email",
        "jeanne@exemple.fr",
        "--optin",
        "--json",
    )
    assert code == 0, err
    jeanne = json.loads(out)
    assert jeanne["marketing_optin"] is True
    assert _ops_pending(capsys, data) == 4

    refusals = [
        (2, "La quantité « -3 » est négative", ("stock", "adjust", *manager, "--item", "BAG",
                                                 "--qty", "-3", "--reason", "casse")),
        (2, "« trois » n'est pas une quantité valide.", ("stock", "receive", *manager,
                                                          "--item", "BAG", "--qty", "trois")),
        (1, "Article inconnu : « XYZ »", ("stock", "count", *manager, "--item", "XYZ",
                                          "--counted", "1")),
        (1, "Droit insuffisant : la saisie de stock", ("stock", "adjust", "--operator",
                                                        "marie", "--pin", "1234", "--item",
                                                        "BAG", "--qty", "1", "--reason", "vol")),
        (2, "Adresse e-mail invalide", ("customer", "add", *manager, "--name", "Paul",
                                        "--email", "paul.exemple.fr")),
    ]  # fmt: skip
    for expected, french, argv in refusals:
        code, out, err = _run(capsys, *argv[:2], *d, *argv[2:])
        assert code == expected, (argv, err)
        assert out == ""
        assert french in err
        assert len(err.strip().splitlines()) == 1
        assert "Traceback" not in err
    assert _ops_pending(capsys, data) == 4

    code, out, err = _run(capsys, "sync", "now", *d, "--json")
    assert code == 0, err
    assert json.loads(out)["ops"] == {"accepted": 4, "duplicates": 0, "pending": 0, "rejected": 0}
    assert _ops_pending(capsys, data) == 0
    assert server_stock(server) == {"BAG": 10_000, "COMTE": 750}

    code, out, err = _run(capsys, "stock", "level", *d, "--item", "3760000000017", "--json")
    assert code == 0, err
    assert json.loads(out)["level_milli"] == 10_000
    code, out, err = _run(capsys, "customer", "list", *d, *manager, "--json")
    assert code == 0, err
    assert [c["id"] for c in json.loads(out)["customers"]] == [jeanne["id"]]
    code, out, err = _run(
        capsys, "customer", "update", *d, *manager, "--id", jeanne["id"], "--no-optin"
    )
    assert code == 0, err
    assert _ops_pending(capsys, data) == 1
