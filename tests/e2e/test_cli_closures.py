"""`caisse cash`, `caisse report x` and `caisse close` as store managers and scripts use them.

The till runs on the system clock here, so everything happens on today's business date.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from caisse.app.demo import demo_products
from caisse.domain.catalog import Unit
from tests.e2e.cli_helpers import caisse, one_sentence

pytestmark = pytest.mark.integration


def journal_count(data: Path) -> int:
    with sqlite3.connect(data / "caisse.sqlite") as conn:
        (count,) = conn.execute("SELECT COUNT(*) FROM journal").fetchone()
    return int(count)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    done = caisse(tmp_path, "demo", "--products", "20")
    assert done.returncode == 0, done.stderr
    return tmp_path


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo shop with an open cash session (refused counts leave it unchanged)."""
    data = tmp_path_factory.mktemp("opened")
    assert caisse(data, "demo", "--products", "20").returncode == 0
    done = caisse(data, "cash", "open", "--operator", "marie", "--amount", "5000", pin="1234")
    assert done.returncode == 0, done.stderr
    return data


def piece_sku() -> tuple[str, int]:
    product = next(p for p in demo_products(20) if p.unit is Unit.PIECE)
    return product.sku, product.price_ttc_cents


def test_a_cash_day_from_float_to_z(shop: Path) -> None:
    sku, price = piece_sku()
    opened = caisse(
        shop,
        "cash", "open", "--operator", "marie", "--count", "20e:3", "--count", "2e:5",
        "--count", "10c:4", "--json",
        pin="1234",
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    body = json.loads(opened.stdout)
    assert (body["kind"], body["op"], body["count"]["cash_cents"]) == ("P", "OPEN", 7040)
    sold = caisse(
        shop, "sell", "--operator", "marie", "--item", sku, "--pay", f"CASH:{price + 500}",
        pin="1234",
    )  # fmt: skip
    assert sold.returncode == 0, sold.stderr
    moved = caisse(
        shop, "cash", "in", "--operator", "paul", "--amount", "1000", "--reason", "monnaie",
        pin="5678",
    )  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    for extra in ([], ["--to", "safe"], ["--to", "bank"]):
        out = caisse(
            shop, "cash", "out", "--operator", "paul", "--amount", "100", "--reason", "frais",
            *extra, "--json",
            pin="5678",
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["amount_cents"] == -100
    expected = 7040 + price + 1000 - 300

    x = caisse(shop, "report", "x", "--json")
    assert x.returncode == 0, x.stderr
    report = json.loads(x.stdout)
    assert report["report"] == "X"
    assert report["cash_session"]["expected_cash_cents"] == expected
    assert report["counts"]["tickets"]["SALE"] == 1
    assert report["gt"]["period"] == price
    count = caisse(
        shop, "cash", "count", "--operator", "marie", "--amount", str(expected), "--json",
        pin="1234",
    )  # fmt: skip
    assert count.returncode == 0, count.stderr
    assert json.loads(count.stdout)["tenders"][0]["difference_cents"] == 0

    closed = caisse(shop, "close", "day", "--operator", "paul", "--json", pin="5678")
    assert closed.returncode == 0, closed.stderr
    [z] = json.loads(closed.stdout)["closures"]
    assert (z["kind"], z["trigger"], z["net_ttc_cents"]) == ("Z", "manual", price)
    assert z["body"]["gt"]["perpetual"] == price
    text = caisse(shop, "close", "month", "--operator", "paul", pin="5678")
    assert text.returncode == 0, text.stderr
    assert "responsabilité" in text.stdout
    verified = caisse(shop, "journal", "verify")
    assert verified.returncode == 0, verified.stdout


def test_closing_twice_is_refused_and_changes_nothing(shop: Path) -> None:
    cashier = caisse(shop, "close", "day", "--operator", "marie", pin="1234")
    assert cashier.returncode == 1
    one_sentence(cashier.stderr)
    first = caisse(shop, "close", "day", "--operator", "paul", pin="5678")
    assert first.returncode == 0, first.stderr
    before = journal_count(shop)
    again = caisse(shop, "close", "day", "--operator", "paul", pin="5678")
    assert again.returncode == 1
    one_sentence(again.stderr)
    assert "déjà clôturée" in again.stderr
    english = caisse(shop, "--lang", "en", "close", "day", "--operator", "paul", pin="5678")
    assert "already closed" in english.stderr
    sku, price = piece_sku()
    late = caisse(
        shop, "sell", "--operator", "marie", "--item", sku, "--pay", f"CARD:{price}", pin="1234"
    )
    assert late.returncode == 1
    one_sentence(late.stderr)
    assert "clôturée" in late.stderr
    # sign-ins are JET records; nothing fiscal was added
    with sqlite3.connect(shop / "caisse.sqlite") as conn:
        kinds = [k for (k,) in conn.execute("SELECT kind FROM journal WHERE gseq > ?", (before,))]
    assert set(kinds) <= {"J"}
    pending = caisse(shop, "close", "pending")
    assert pending.returncode == 0
    assert "Aucune clôture" in pending.stdout


@pytest.mark.parametrize(
    "count",
    [
        ["--count", "20e:abc"],
        ["--count", "20e:-3"],
        ["--count", "3e:1"],
        ["--count", "vingt"],
        ["--amount", "-500"],
        ["--amount", "12,50"],
        ["--amount", "10", "--count", "2e:5"],
        [],
    ],
)
def test_a_bad_count_is_refused_with_one_sentence(opened: Path, count: list[str]) -> None:
    before = journal_count(opened)
    done = caisse(opened, "cash", "count", "--operator", "marie", *count, pin="1234")
    assert done.returncode == 2, done.stderr
    one_sentence(done.stderr)
    assert journal_count(opened) == before


def test_a_difference_without_justification_is_refused(shop: Path) -> None:
    caisse(shop, "cash", "open", "--operator", "marie", "--amount", "5000", pin="1234")
    before = journal_count(shop)
    short = caisse(shop, "cash", "count", "--operator", "marie", "--amount", "4900", pin="1234")
    assert short.returncode == 1
    one_sentence(short.stderr)
    assert "justification" in short.stderr
    with sqlite3.connect(shop / "caisse.sqlite") as conn:
        kinds = [k for (k,) in conn.execute("SELECT kind FROM journal WHERE gseq > ?", (before,))]
    assert set(kinds) <= {"J"}  # the sign-in, no P record
    ok = caisse(
        shop, "cash", "count", "--operator", "marie", "--amount", "4900",
        "--justification", "billet de 1 € introuvable",
        pin="1234",
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "écart -1,00" in ok.stdout
