"""The verifier's projection check on the cash and closure tables (nf525.md R16).

A day with a cash session (opening, a cash-out, a sale in cash, the count) closed by its Z;
then one projection row is edited, deleted or added directly in the database, as an auditor
would, and the verifier must report ``projection.mismatch`` at that record.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from caisse.domain.cash import CashCount, CashOp
from caisse.domain.sale import Tender
from caisse_verif.cli import main as verif_main
from tests.integration.conftest import TillFixture
from tests.integration.test_closures import sell
from tests.journal_helpers import journal_rows, projection_anomalies, public_jwk

pytestmark = pytest.mark.integration


@pytest.fixture
def day(shop: TillFixture) -> TillFixture:
    till = shop.till
    till.cash.open_session(shop.cashier, CashCount.of_amount(10000))
    till.cash.movement(shop.manager, CashOp.CASH_OUT, 2000, "fournisseur")
    sell(shop, "VIN", pay=[(Tender.CASH, 1200)])
    till.cash.count(shop.cashier, CashCount.of_amount(9200), None, None)
    till.closures.close_day(shop.manager)
    return shop


def gseq_of(shop: TillFixture, kind: str, op: str | None = None) -> int:
    for row in journal_rows(shop.data_dir):
        if row["kind"] == kind and (op is None or json.loads(row["body"]).get("op") == op):
            return int(row["gseq"])
    raise AssertionError(f"no {kind} {op}")


def tampered(shop: TillFixture, tmp_path: Path, sql: str, *params: object) -> Path:
    shop.till.close()
    copy = tmp_path / "copy"
    shutil.copytree(shop.data_dir, copy)
    with sqlite3.connect(copy / "caisse.sqlite") as conn:
        changed = conn.execute(sql, params).rowcount
    assert changed == 1
    shop.reopen()
    return copy


def cli_findings(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> list[dict[str, object]]:
    key = tmp_path / "key.jwk"
    key.write_text(json.dumps(public_jwk(data_dir)))
    code = verif_main([str(data_dir / "caisse.sqlite"), "--key", str(key), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == (1 if report["anomalies"] else 0)
    return list(report["anomalies"])


def test_the_untouched_day_has_no_projection_anomaly(
    day: TillFixture, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert projection_anomalies(day.data_dir) == []
    assert cli_findings(capsys, day.data_dir, tmp_path) == []


CASES = {
    "movement amount": (
        "UPDATE cash_movements SET amount_cents = amount_cents - 100 WHERE gseq = ?",
        ("P", "CASH_OUT"),
    ),
    "movement deleted": ("DELETE FROM cash_movements WHERE gseq = ?", ("P", "CASH_OUT")),
    "session float": (
        "UPDATE cash_sessions SET opening_float_cents = 1 WHERE opened_gseq = ?",
        ("P", "OPEN"),
    ),
    "session counted": (
        "UPDATE cash_sessions SET counted_cash_cents = 999999 WHERE closed_gseq = ?",
        ("P", "COUNT"),
    ),
    "closure total": ("UPDATE closures SET net_ttc_cents = 0 WHERE gseq = ?", ("Z", None)),
    "closure grand total": ("UPDATE closures SET gt = gt + 1 WHERE gseq = ?", ("Z", None)),
    "closure period": (
        "UPDATE closures SET period_to = '2026-03-16' WHERE gseq = ?",
        ("Z", None),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_edited_cash_or_closure_projection_is_reported(
    day: TillFixture, capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    sql, (kind, op) = CASES[case]
    target = gseq_of(day, kind, op)
    copy = tampered(day, tmp_path, sql, target)
    assert projection_anomalies(copy) == ["projection.mismatch"]
    findings = cli_findings(capsys, copy, tmp_path)
    assert [(f["gseq"], f["check"]) for f in findings] == [(target, "projection.mismatch")]


def test_an_invented_closure_row_is_reported(
    day: TillFixture, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sale = gseq_of(day, "T")
    copy = tampered(
        day,
        tmp_path,
        "INSERT INTO closures (gseq, kind, kseq, period_from, period_to, gseq_from, gseq_to,"
        " net_ttc_cents, gt, gt_abs, token_sha256) VALUES (?, 'Z', 9, '2026-03-14',"
        " '2026-03-14', 1, 2, 0, 0, 0, 'x')",
        sale,
    )
    findings = cli_findings(capsys, copy, tmp_path)
    assert [(f["gseq"], f["check"]) for f in findings] == [(sale, "projection.mismatch")]
