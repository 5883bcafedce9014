"""`caisse sync enroll|now|status` end to end, against the real server over loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caisse.app.cli import main
from tests.sync.till_harness import ServerThread, make_sync_till, server

__all__ = ["server"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_enroll_now_status(
    server: ServerThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "till"
    fixture = make_sync_till(data)
    fixture.till.close()
    code, out, err = _run(capsys, "sync", "status", "--data", str(data), "--json")
    assert code == 0, err
    assert json.loads(out)["enrolled"] is False

    code, out, err = _run(
        capsys,
        "sync",
        "enroll",
        "--data",
        str(data),
        "--server",
        server.base_url,
        "--code",
        server.code(),
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["store_id"] == "S1"

    code, out, err = _run(capsys, "sync", "now", "--data", str(data), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["pending"] == 0
    assert report["accepted"] >= 1

    code, out, err = _run(capsys, "sync", "status", "--data", str(data), "--json")
    status = json.loads(out)
    assert code == 0
    assert status["pending"] == 0
    assert status["acked_gseq"] == status["head_gseq"]
    assert status["last_contact"]


def test_server_down_is_one_sentence(
    server: ServerThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "till"
    make_sync_till(data).till.close()
    code, _, err = _run(
        capsys,
        "sync",
        "enroll",
        "--data",
        str(data),
        "--server",
        server.base_url,
        "--code",
        server.code(),
    )
    assert code == 0, err
    server.stop()
    code, out, err = _run(capsys, "sync", "now", "--data", str(data), "--timeout", "2")
    assert code == 1
    assert "injoignable" in err
    assert "Traceback" not in err
    assert err.count("\n") == 1
    code, out, err = _run(capsys, "sync", "status", "--data", str(data), "--json")
    assert code == 0
    assert json.loads(out)["last_error"]


def test_bad_code_and_bad_url(
    server: ServerThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "till"
    make_sync_till(data).till.close()
    code, _, err = _run(
        capsys,
        "sync",
        "enroll",
        "--data",
        str(data),
        "--server",
        server.base_url,
        "--code",
        "AAAA-BBBB-CCCC",
    )
    assert code == 1
    assert "code" in err
    code, _, err = _run(
        capsys, "sync", "enroll", "--data", str(data), "--server", "ftp://x", "--code", "X"
    )
    assert code == 2
    code, _, err = _run(capsys, "sync", "now", "--data", str(data))
    assert code == 1
    assert "enregistrée" in err
