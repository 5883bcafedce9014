"""Purge after a verified archive (nf525.md §3.8, §6.10, R38; JET 140), and caisse-verif on the
purged journal with the archives of its purged head.

One till sells in March 2026 (with a cash session opened and counted, a duplicate and a
refund) and in April, closes both months and exports both archives; a second till exports its
own March. Every refusal must leave the journal exactly as it was.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from caisse.app.archive_check import CaisseVerifArchives
from caisse.app.cli import main as caisse_main
from caisse.domain.cash import CashCount
from caisse.domain.errors import InvalidInput
from caisse.domain.sale import Payment, Tender
from caisse.services.archives import ArchiveService
from caisse.services.errors import PermissionDenied
from caisse.services.jet import Jet
from caisse.services.purge import PurgeRefused, PurgeService
from caisse_verif.cli import main as verif_main
from tests.fakes import FakeClock
from tests.integration.conftest import TillFixture, make_till
from tests.integration.test_closures import at_local, paris, sell
from tests.journal_helpers import jet_codes, journal_rows, projection_anomalies

pytestmark = pytest.mark.integration


@dataclass
class Purgeable:
    shop: TillFixture
    march: Path
    april: Path
    other: Path


@pytest.fixture
def purgeable(tmp_path: Path) -> Any:
    clock = FakeClock(datetime(2026, 3, 30, 6, 0, tzinfo=UTC))
    shop = make_till(tmp_path / "data", clock)
    other = make_till(tmp_path / "other", FakeClock(datetime(2026, 3, 30, 6, 0, tzinfo=UTC)))
    try:
        till = shop.till
        till.cash.open_session(shop.cashier, CashCount.of_amount(5000))
        first = sell(shop, "VIN", "BAG", pay=[(Tender.CASH, 1305)])
        till.checkout.reprint(shop.cashier, first.number)
        till.checkout.refund(
            shop.manager, first.number, [(2, 1000)], [Payment(Tender.CASH, -105)], reason="rassis"
        )
        till.cash.count(shop.cashier, CashCount.of_amount(6200), None, None)
        at_local(clock, paris(2026, 3, 31, 10, 0))
        sell(shop, "SAN", "SAN")
        till.closures.close_month(shop.manager)
        march = ArchiveService(till.context).export("2026-03", tmp_path / "march.zip")
        at_local(clock, paris(2026, 4, 2, 10, 0))
        sell(shop, "BAG")
        till.closures.close_month(shop.manager)
        april = ArchiveService(till.context).export("2026-04", tmp_path / "april.zip")
        sell(other, "BAG")
        other.till.closures.close_month(other.manager)
        ArchiveService(other.till.context).export("2026-03", tmp_path / "other.zip")
        yield Purgeable(shop, march.path, april.path, tmp_path / "other.zip")
    finally:
        shop.till.close()
        other.till.close()


def service(shop: TillFixture) -> PurgeService:
    return PurgeService(shop.till.context, CaisseVerifArchives())


def snapshot(data_dir: Path) -> list[tuple[int, str]]:
    return [(r["gseq"], r["token_sha256"]) for r in journal_rows(data_dir)]


def verif(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = verif_main([*argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {}, captured.err


def test_purge_deletes_the_archived_records_but_never_the_closures(
    purgeable: Purgeable, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = purgeable.shop
    before = {r["gseq"]: r for r in journal_rows(shop.data_dir)}
    with zipfile.ZipFile(purgeable.march) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    result = service(shop).purge(purgeable.march, shop.manager)
    after = {r["gseq"]: r for r in journal_rows(shop.data_dir)}
    span = range(manifest["gseq_from"], manifest["gseq_to"] + 1)
    gone = set(before) - set(after)
    assert gone
    assert gone <= set(span)
    assert len(gone) == result.plan.as_json()["purged"]
    kinds_gone = {before[g]["kind"] for g in gone}
    assert kinds_gone <= set("TXPDJ")
    assert "T" in kinds_gone
    # every closure and archive record is still online, byte for byte
    for gseq, row in before.items():
        if row["kind"] in "ZMYA":
            assert after[gseq] == row
    # the per-kind counters go on from the last record of each kind, which is kept
    last_t = max(g for g in span if before[g]["kind"] == "T")
    assert last_t in after
    assert jet_codes(shop.data_dir)[-1] == Jet.PURGE
    detail = json.loads(journal_rows(shop.data_dir)[-1]["body"])["detail"]
    assert (detail["gseq_from"], detail["gseq_to"]) == (manifest["gseq_from"], manifest["gseq_to"])
    assert projection_anomalies(shop.data_dir) == []
    # the till goes on: the start-up check skips the purged head, numbering continues
    assert shop.till.integrity.check_recent() == []
    at_local(shop.clock, paris(2026, 5, 4, 10, 0))
    ticket = sell(shop, "VIN")
    assert ticket.kseq == before[last_t]["kseq"] + 1 + sum(
        1 for r in before.values() if r["kind"] == "T" and r["gseq"] > last_t
    )
    # the auditor verifies the whole journal with the archive of the purged head
    db = str(shop.data_dir / "caisse.sqlite")
    code, report, err = verif(capsys, db, "--archive", str(purgeable.march))
    assert (code, report["anomalies"]) == (0, []), (err, report["anomalies"][:3])
    assert report["records"] == len(before) + 2  # the JET 140 and the May ticket


def test_a_purged_journal_without_its_archive_is_named_not_misread(
    purgeable: Purgeable, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = purgeable.shop
    service(shop).purge(purgeable.march, shop.manager)
    db = str(shop.data_dir / "caisse.sqlite")
    code, _, err = verif(capsys, db)
    assert code == 2
    assert "purgé jusqu'au gseq" in err
    assert "--archive" in err
    # the wrong archive (it does not start at gseq 1) is an anomaly of the archive chain
    code, report, _ = verif(capsys, db, "--archive", str(purgeable.april))
    assert code == 1
    assert "archive.chain" in {a["check"] for a in report["anomalies"]}


def test_two_purges_in_order_and_the_verifier_takes_both_archives(
    purgeable: Purgeable, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = purgeable.shop
    service(shop).purge(purgeable.march, shop.manager)
    service(shop).purge(purgeable.april, shop.manager)
    db = str(shop.data_dir / "caisse.sqlite")
    code, report, err = verif(
        capsys, db, "--archive", str(purgeable.april), "--archive", str(purgeable.march)
    )
    assert (code, report["anomalies"]) == (0, []), (err, report["anomalies"][:3])


def test_a_kept_record_that_differs_from_the_archive_is_reported(
    purgeable: Purgeable, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The other till's March archive in place of ours: every record differs."""
    shop = purgeable.shop
    service(shop).purge(purgeable.march, shop.manager)
    db = str(shop.data_dir / "caisse.sqlite")
    code, report, _ = verif(capsys, db, "--archive", str(purgeable.other))
    assert code == 1
    assert "purge.mismatch" in {a["check"] for a in report["anomalies"]}


# ------------------------------------------------------------------ refusals: nothing deleted


@pytest.mark.parametrize(
    ("which", "fragment"),
    [
        ("other", "autre caisse"),
        ("april", "purgez d'abord les archives précédentes"),
        ("tampered", "ne se vérifie pas"),
    ],
)
def test_refused_purges_delete_nothing(
    purgeable: Purgeable, tmp_path: Path, which: str, fragment: str
) -> None:
    shop = purgeable.shop
    if which == "tampered":
        path = tmp_path / "tampered.zip"
        with (
            zipfile.ZipFile(purgeable.march) as zin,
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout,
        ):
            for info in zin.infolist():
                data = zin.read(info.filename)
                if info.filename == "journal.jsonl":
                    i = len(data) // 2
                    data = data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]
                zout.writestr(info, data)
    else:
        path = {"other": purgeable.other, "april": purgeable.april}[which]
    before = snapshot(shop.data_dir)
    with pytest.raises(PurgeRefused, match=fragment) as refused:
        service(shop).purge(path, shop.manager)
    assert refused.value.fr.endswith("rien n'a été supprimé.")
    assert len(refused.value.fr.splitlines()) == 1
    assert snapshot(shop.data_dir) == before


def test_purging_twice_is_refused(purgeable: Purgeable) -> None:
    shop = purgeable.shop
    service(shop).purge(purgeable.march, shop.manager)
    before = snapshot(shop.data_dir)
    with pytest.raises(PurgeRefused, match="déjà purgés"):
        service(shop).purge(purgeable.march, shop.manager)
    assert snapshot(shop.data_dir) == before


def test_a_purge_without_an_archive_file_or_by_a_cashier_is_refused(
    purgeable: Purgeable, tmp_path: Path
) -> None:
    shop = purgeable.shop
    before = snapshot(shop.data_dir)
    with pytest.raises(InvalidInput, match="n'existe pas"):
        service(shop).purge(tmp_path / "absent.zip", shop.manager)
    not_zip = tmp_path / "journal.sqlite"
    not_zip.write_bytes((shop.data_dir / "caisse.sqlite").read_bytes()[:4096])
    with pytest.raises(InvalidInput):
        service(shop).purge(not_zip, shop.manager)
    with pytest.raises(PermissionDenied):
        service(shop).purge(purgeable.march, shop.cashier)
    assert snapshot(shop.data_dir) == before


def test_the_journal_stays_append_only_outside_a_purge(purgeable: Purgeable) -> None:
    shop = purgeable.shop
    service(shop).purge(purgeable.march, shop.manager)
    with sqlite3.connect(shop.data_dir / "caisse.sqlite") as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM journal WHERE kind = 'Z'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE journal SET kind = 'T' WHERE kind = 'Z'")


def test_caisse_archive_purge_on_the_command_line(
    purgeable: Purgeable, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = purgeable.shop
    shop.till.close()
    monkeypatch.setenv("CAISSE_NO_KEYRING", "1")
    data = str(shop.data_dir)
    before = snapshot(shop.data_dir)
    code = caisse_main(
        [
            "archive",
            "purge",
            str(purgeable.other),
            "--data",
            data,
            "--operator",
            "paul",
            "--pin",
            "5678",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "autre caisse" in err
    # nothing deleted (the command line traces the operator's sign-in, JET 40)
    assert snapshot(shop.data_dir)[: len(before)] == before
    before = snapshot(shop.data_dir)
    code = caisse_main(
        [
            "archive",
            "purge",
            str(purgeable.march),
            "--data",
            data,
            "--operator",
            "paul",
            "--pin",
            "5678",
            "--dry-run",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert (code, out["dry_run"]) == (0, True)
    assert snapshot(shop.data_dir)[: len(before)] == before
    before = snapshot(shop.data_dir)
    code = caisse_main(
        [
            "archive",
            "purge",
            str(purgeable.march),
            "--data",
            data,
            "--operator",
            "paul",
            "--pin",
            "5678",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["purged"] > 0
    assert len(snapshot(shop.data_dir)) == len(before) - out["purged"] + 2  # JET 40 and 140
    assert caisse_main(["journal", "verify", "--data", data]) == 2
    assert "--archive" in capsys.readouterr().err
    code = caisse_main(["journal", "verify", "--data", data, "--archive", str(purgeable.march)])
    assert code == 0, capsys.readouterr()
    shop.reopen()


def test_records_the_central_server_has_not_acknowledged_are_not_purged(
    purgeable: Purgeable,
) -> None:
    shop = purgeable.shop
    with sqlite3.connect(shop.data_dir / "caisse.sqlite") as conn:
        conn.execute(
            "UPDATE sync_state SET device_id = 'dev-1', server_url = 'http://127.0.0.1:9',"
            " acked_gseq = 3 WHERE id = 1"
        )
    till = shop.reopen()
    before = snapshot(shop.data_dir)
    with pytest.raises(PurgeRefused, match="synchronisez d'abord"):
        till.purge.purge(purgeable.march, shop.manager)
    assert snapshot(shop.data_dir) == before
    with sqlite3.connect(shop.data_dir / "caisse.sqlite") as conn:
        conn.execute("UPDATE sync_state SET acked_gseq = 1000 WHERE id = 1")
    assert till.purge.purge(purgeable.march, shop.manager).plan.purge
