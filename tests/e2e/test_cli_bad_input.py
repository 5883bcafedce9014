"""Bad input to the cash, closure, archive and purge commands (issue 5, item 10).

Each is refused with one clear sentence on stderr, the right exit code, and no fiscal record
written (the command line's operator sign-ins are JET records, so only J may appear).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.cli_helpers import caisse, one_sentence

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("bad-input")
    assert caisse(data, "demo", "--products", "20").returncode == 0
    return data


def fiscal_rows(data: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(data / "caisse.sqlite") as conn:
        return list(conn.execute("SELECT gseq, kind FROM journal WHERE kind != 'J' ORDER BY gseq"))


def refused(data: Path, code: int, *args: str, pin: str | None = None, says: str = "") -> None:
    before = fiscal_rows(data)
    done = caisse(data, *args, pin=pin)
    assert done.returncode == code, (done.stdout, done.stderr)
    one_sentence(done.stderr)
    assert says in done.stderr
    assert fiscal_rows(data) == before


@pytest.mark.parametrize(
    "float_args",
    [["--amount", "abc"], ["--amount", "-100"], ["--count", "20e:x"], ["--count", "20e:-1"]],
)
def test_an_opening_float_with_letters_or_negative_is_refused(
    shop: Path, float_args: list[str]
) -> None:
    refused(shop, 2, "cash", "open", "--operator", "marie", *float_args, pin="1234")


@pytest.mark.parametrize("amount", ["-500", "douze", "0"])
def test_a_cash_movement_with_a_bad_amount_is_refused(shop: Path, amount: str) -> None:
    refused(
        shop, 2, "cash", "out", "--operator", "paul", "--amount", amount, "--reason", "x",
        pin="5678",
    )  # fmt: skip


def test_archiving_an_open_period_is_refused(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "open.zip"
    month = datetime.now(ZoneInfo("Europe/Paris")).strftime("%Y-%m")  # the till runs on it
    refused(
        shop, 1, "archive", "export", "--period", month, "--out", str(out),
        says="n'est pas clôturée",
    )  # fmt: skip
    assert not out.exists()
    refused(shop, 2, "archive", "export", "--period", "novembre", "--out", str(out))


def test_a_purge_without_an_archive_is_refused(shop: Path, tmp_path: Path) -> None:
    refused(
        shop, 2, "archive", "purge", str(tmp_path / "absent.zip"), "--operator", "paul",
        pin="5678", says="n'existe pas",
    )  # fmt: skip
    not_an_archive = tmp_path / "notes.zip"
    not_an_archive.write_text("pas une archive", encoding="utf-8")
    refused(shop, 2, "archive", "purge", str(not_an_archive), "--operator", "paul", pin="5678")
    done = caisse(shop, "archive", "purge", "--operator", "paul", pin="5678")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_closing_the_month_twice_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert caisse(data, "demo", "--products", "20").returncode == 0
    first = caisse(data, "close", "month", "--operator", "paul", pin="5678")
    assert first.returncode == 0, first.stderr
    refused(data, 1, "close", "month", "--operator", "paul", pin="5678", says="déjà clôturé")
