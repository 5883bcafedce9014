"""Signed archives of closed periods (nf525.md §6.10, R35-R36), verified by caisse-verif.

One till sells in March and April 2026 on a fake clock, closes each month and exports both
archives (the second chains to the first); a second till exports its own March. Every
tampering case rewrites a copy of an archive with one byte flipped in one member.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from caisse.domain.errors import InvalidInput
from caisse.services.archives import ArchiveService, PeriodNotClosed
from caisse.services.jet import Jet
from caisse_verif.cli import main as verif_main
from caisse_verif.record import jwk_thumbprint
from tests.fakes import FakeClock
from tests.integration.conftest import TillFixture, make_till
from tests.integration.test_closures import at_local, paris, sell
from tests.journal_helpers import jet_codes, journal_rows, verify_data_dir

pytestmark = pytest.mark.integration

VIEWS = ("tickets", "lines", "payments", "vat", "closures", "jet", "duplicates")
EXPECTED_NAMES = {
    "manifest.json",
    "manifest.jws",
    "journal.jsonl",
    "LISEZMOI.txt",
    *(f"{v}.csv" for v in VIEWS),
    *(f"schemas/{v}.json" for v in VIEWS),
}


@dataclass
class Archives:
    shop: TillFixture
    march: Path
    april: Path
    other: Path
    dir: Path


def _service(shop: TillFixture) -> ArchiveService:
    return ArchiveService(shop.till.context)


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("archives")
    clock = FakeClock(datetime(2026, 3, 30, 6, 0, tzinfo=UTC))
    shop = make_till(base / "data", clock)
    other_shop = make_till(base / "other", FakeClock(datetime(2026, 3, 30, 6, 0, tzinfo=UTC)))
    try:
        sell(shop, "VIN", "BAG")
        shop.till.checkout.reprint(shop.cashier, sell(shop, "SAN").number)
        at_local(clock, paris(2026, 3, 31, 10, 0))
        sell(shop, "SAN", "SAN")
        shop.till.closures.close_month(shop.manager)
        march = _service(shop).export("2026-03", base / "march.zip", shop.manager)
        at_local(clock, paris(2026, 4, 2, 10, 0))
        sell(shop, "BAG")
        at_local(clock, paris(2026, 4, 30, 10, 0))
        sell(shop, "VIN")
        shop.till.closures.close_month(shop.manager)
        april = _service(shop).export("2026-04", base / "april.zip")
        assert april.previous_manifest_sha256 == march.manifest_sha256
        sell(other_shop, "BAG")
        other_shop.till.closures.close_month(other_shop.manager)
        _service(other_shop).export("2026-03", base / "other.zip")
        yield Archives(shop, march.path, april.path, base / "other.zip", base)
    finally:
        shop.till.close()
        other_shop.till.close()


def verif(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = verif_main([*argv, "--json", "--lang", "fr"])
    captured = capsys.readouterr()
    report = json.loads(captured.out) if captured.out.strip() else {}
    return code, report, captured.err


def flipped(source: Path, target: Path, member: str, at: str = "middle") -> Path:
    """A copy of `source` with one byte of `member` flipped (content, not ZIP bytes)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == member:
                i = {"middle": len(data) // 2, "first": 0, "last": len(data) - 1}[at]
                data = data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]
            zout.writestr(info, data)
    return target


# ------------------------------------------------------------------ the archive


def test_the_zip_listing_matches_the_spec(archives: Archives) -> None:
    with zipfile.ZipFile(archives.march) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        jws = zf.read("manifest.jws").decode()
        lines = zf.read("journal.jsonl").decode().splitlines()
        readme = zf.read("LISEZMOI.txt").decode()
        tickets = zf.read("tickets.csv").decode().splitlines()
        schema = json.loads(zf.read("schemas/tickets.json"))
    assert names == EXPECTED_NAMES
    assert {f["name"] for f in manifest["files"]} == EXPECTED_NAMES - {
        "manifest.json",
        "manifest.jws",
    }
    assert manifest["gseq_from"] == 1
    assert manifest["records"] == len(lines) == manifest["gseq_to"]
    assert manifest["company"]["siren"] == "732829320"
    assert manifest["period"] == {
        "type": "month",
        "label": "2026-03",
        "from": "2026-03-01",
        "to": "2026-03-31",
    }
    assert manifest["previous_manifest_sha256"] is None
    assert manifest["operator"] == {"id": "paul", "name": "Paul"}
    assert [c["kind"] for c in manifest["closures"]] == ["Z", "Z", "M"]
    assert manifest["public_key"]["kid"] == jwk_thumbprint(manifest["public_key"]["jwk"])
    _header_b64, payload, sig = jws.split(".")
    assert payload == ""
    assert len(sig) == 86
    assert set(json.loads(lines[0])) == {"core", "sig", "body"}
    assert "caisse-verif" in readme
    assert "Vérification" in readme
    assert tickets[0].split(";")[:3] == ["gseq", "kind", "number"]
    assert len(tickets) == 1 + 3
    assert [c["name"] for c in schema["columns"]][:3] == ["gseq", "kind", "number"]


def test_the_archive_is_an_a_record_plus_jet_130_and_the_journal_still_verifies(
    archives: Archives,
) -> None:
    rows = journal_rows(archives.shop.data_dir)
    a_rows = [r for r in rows if r["kind"] == "A"]
    assert len(a_rows) == 2
    body = json.loads(a_rows[0]["body"])
    with zipfile.ZipFile(archives.march) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        digest = hashlib.sha256(zf.read("manifest.json")).hexdigest()
    assert body["archive_id"] == manifest["archive_id"] == "TILL01-A-000001"
    assert body["manifest_sha256"] == digest
    assert body["files"] == len(EXPECTED_NAMES)
    assert body["previous_manifest_sha256"] is None
    assert json.loads(a_rows[1]["body"])["previous_manifest_sha256"] == digest
    assert jet_codes(archives.shop.data_dir).count(int(Jet.ARCHIVE)) == 2
    with sqlite3.connect(archives.shop.data_dir / "caisse.sqlite") as conn:
        ids = [r[0] for r in conn.execute("SELECT archive_id FROM archives ORDER BY gseq")]
    assert ids == ["TILL01-A-000001", "TILL01-A-000002"]
    assert verify_data_dir(archives.shop.data_dir).ok


def test_caisse_verif_accepts_the_archives_and_their_chain(
    archives: Archives, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, _ = verif(capsys, str(archives.march))
    assert code == 0, report["anomalies"]
    assert report["archive"]["files_checked"] == len(EXPECTED_NAMES) - 2
    code, report, _ = verif(capsys, str(archives.april), "--previous", str(archives.march))
    assert code == 0, report["anomalies"]
    assert report["archive"]["previous_checked"] is True
    # the April slice does not start at the genesis and still verifies
    assert report["archive"]["gseq_from"] > 1
    assert verif_main([str(archives.april), "--lang", "en"]) == 0
    assert "NF525 archive" in capsys.readouterr().out


# ------------------------------------------------------------------ tampering

MEMBERS = sorted(EXPECTED_NAMES - {"manifest.jws"})


@pytest.mark.parametrize("member", MEMBERS)
def test_one_flipped_byte_in_any_file_names_that_file(
    archives: Archives, capsys: pytest.CaptureFixture[str], tmp_path: Path, member: str
) -> None:
    bad = flipped(archives.april, tmp_path / "bad.zip", member)
    code, report, _ = verif(capsys, str(bad))
    assert code == 1
    blamed = [a for a in report["anomalies"] if a["check"].startswith("archive.")]
    assert blamed, report["anomalies"]
    assert all(a["message"].startswith(member) for a in blamed), blamed
    if member == "manifest.json":
        assert {a["check"] for a in blamed} <= {"archive.jws", "archive.manifest"}
    else:
        assert "archive.file" in {a["check"] for a in blamed}


@pytest.mark.parametrize("at", ["first", "middle", "last"])
def test_one_flipped_byte_in_the_jws_names_the_jws(
    archives: Archives, capsys: pytest.CaptureFixture[str], tmp_path: Path, at: str
) -> None:
    bad = flipped(archives.april, tmp_path / "bad.zip", "manifest.jws", at)
    code, report, _ = verif(capsys, str(bad))
    assert code == 1
    blamed = [a for a in report["anomalies"] if a["check"].startswith("archive.")]
    assert blamed
    assert {a["check"] for a in blamed} == {"archive.jws"}
    # note: a flip inside the header's hash digits cannot be told from a changed manifest
    assert all(a["message"].startswith(("manifest.jws", "manifest.json")) for a in blamed)
    if at != "middle":
        assert all(a["message"].startswith("manifest.jws") for a in blamed)


def test_a_missing_and_an_unlisted_file_are_anomalies(
    archives: Archives, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(archives.march) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            if info.filename != "vat.csv":
                zout.writestr(info, zin.read(info.filename))
        zout.writestr("extra.txt", b"hello")
    code, report, _ = verif(capsys, str(bad))
    assert code == 1
    messages = [a["message"] for a in report["anomalies"] if a["check"] == "archive.file"]
    assert any(m.startswith("vat.csv") for m in messages)
    assert any(m.startswith("extra.txt") for m in messages)


def test_a_broken_archive_chain(
    archives: Archives, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # April given as its own predecessor: not the manifest April names
    code, report, _ = verif(capsys, str(archives.april), "--previous", str(archives.april))
    assert code == 1
    assert [a["check"] for a in report["anomalies"]] == ["archive.chain"]
    # March claims no predecessor: any previous archive breaks the chain
    code, report, _ = verif(capsys, str(archives.march), "--previous", str(archives.march))
    assert code == 1
    assert "archive.chain" in {a["check"] for a in report["anomalies"]}


def test_an_archive_from_another_till_as_previous_is_refused(
    archives: Archives, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, err = verif(capsys, str(archives.april), "--previous", str(archives.other))
    assert code == 2
    assert report == {}
    assert "autre caisse" in err
    assert err.count("\n") == 1


def test_an_open_period_is_refused_and_nothing_is_written(
    archives: Archives, tmp_path: Path
) -> None:
    before = len(journal_rows(archives.shop.data_dir))
    for period in ("2026-05", "2026", "2025-12"):
        with pytest.raises(PeriodNotClosed) as caught:
            _service(archives.shop).export(period, tmp_path / "open.zip")
        assert caught.value.fr.count(".") == 1
    with pytest.raises(InvalidInput):
        _service(archives.shop).export("2026-13", tmp_path / "open.zip")
    assert not list(tmp_path.iterdir())
    assert len(journal_rows(archives.shop.data_dir)) == before


def test_a_fiscal_year_archive(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 12, 30, 9, 0, tzinfo=UTC))
    shop = make_till(tmp_path / "data", clock)
    try:
        sell(shop, "VIN")
        shop.till.closures.close_year(shop.manager)
        result = _service(shop).export("2026", tmp_path / "y.zip")
        assert result.gseq_from == 1
        with zipfile.ZipFile(result.path) as zf:
            period = json.loads(zf.read("manifest.json"))["period"]
        assert period["type"] == "fiscal_year"
        assert (period["from"], period["to"]) == ("2026-01-01", "2026-12-31")
        assert verif_main([str(result.path)]) == 0
    finally:
        shop.till.close()
