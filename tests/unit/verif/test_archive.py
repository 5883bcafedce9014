"""caisse_verif.archive on archives written by this file (rfc8785 + es256.sign, no till code)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import rfc8785

from caisse_verif import es256
from caisse_verif.archive import check_archive, check_chain, iter_journal
from caisse_verif.checks import CHECKS
from caisse_verif.cli import main as verif_main
from caisse_verif.errors import SourceError
from caisse_verif.record import StoredRecord
from tests.unit.verif.builder import JournalBuilder, b64, standard_journal


def jsonl(records: list[StoredRecord]) -> bytes:
    return b"".join(
        json.dumps(
            {"core": r.core, "sig": r.sig, "body": r.body.decode()},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        + b"\n"
        for r in records
    )


def token_hash(r: StoredRecord) -> str:
    return b64(hashlib.sha256(f"{r.core},{r.sig}".encode()).digest())


def write_archive(
    path: Path,
    j: JournalBuilder,
    records: list[StoredRecord],
    *,
    previous: str | None = None,
    extra: dict[str, bytes] | None = None,
    edit: dict[str, Any] | None = None,
    jws: bytes | None = None,
) -> Path:
    files = {"journal.jsonl": jsonl(records), "LISEZMOI.txt": b"Lisez-moi"}
    listing = [
        {"name": n, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
        for n, d in sorted(files.items())
    ]
    first_gseq = int(records[0].core.split(",")[2])
    manifest: dict[str, Any] = {
        "format": "caisse-archive",
        "format_version": 1,
        "archive_id": "TILL01-A-000001",
        "till": j.till,
        "period": {"type": "month", "label": "2026-03", "from": "2026-03-01", "to": "2026-03-31"},
        "gseq_from": first_gseq,
        "gseq_to": first_gseq + len(records) - 1,
        "first_prev": records[0].core.rsplit(",", 1)[1],
        "last_token_sha256": token_hash(records[-1]),
        "files": listing,
        "public_key": {"kid": j.kid, "jwk": j.jwk},
        "previous_manifest_sha256": previous,
        "created_at": "2026-04-01T08:00:00Z",
        **(edit or {}),
    }
    raw = rfc8785.dumps(manifest)
    header = rfc8785.dumps(
        {"alg": "ES256", "kid": j.kid, "manifest_sha256": hashlib.sha256(raw).hexdigest()}
    )
    sig = es256.sign(j.key, f"{b64(header)}.{b64(raw)}".encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", raw)
        zf.writestr("manifest.jws", jws if jws is not None else f"{b64(header)}..{sig}".encode())
        for name, data in {**files, **(extra or {})}.items():
            zf.writestr(name, data)
    return path


def verify_jws(jwk: Any, data: bytes, sig: bytes) -> bool:
    return es256.verify(es256.load_public_jwk(jwk), data, b64(sig))


def checks_of(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        report = check_archive(zf, verify_jws)
        list(iter_journal(zf, report))
    return [a.check for a in report.anomalies]


@pytest.fixture
def journal() -> JournalBuilder:
    return standard_journal()


def test_an_intact_archive_and_a_slice_verify(
    journal: JournalBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = write_archive(tmp_path / "whole.zip", journal, journal.records)
    assert checks_of(whole) == []
    assert verif_main([str(whole)]) == 0
    part = write_archive(tmp_path / "part.zip", journal, journal.records[3:])
    assert checks_of(part) == []
    assert verif_main([str(part), "--json"]) == 0
    capsys.readouterr()


def test_every_archive_check_id_is_listed() -> None:
    assert {"archive.manifest", "archive.jws", "archive.file", "archive.chain"} <= set(CHECKS)


def test_the_module_is_pure() -> None:
    code = "import sys, caisse_verif.archive; print('\\n'.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert not {m for m in done.stdout.split() if m.split(".")[0] in {"cryptography", "caisse"}}


def test_a_wrong_kid_an_attached_payload_and_a_foreign_key(
    journal: JournalBuilder, tmp_path: Path
) -> None:
    records = journal.records
    wrong_kid = write_archive(
        tmp_path / "a.zip",
        journal,
        records,
        edit={"public_key": {"kid": "x" * 43, "jwk": journal.jwk}},
    )
    assert "archive.jws" in checks_of(wrong_kid)
    attached = write_archive(tmp_path / "b.zip", journal, records, jws=b"e30.e30.AAAA")
    assert checks_of(attached) == ["archive.jws"]
    other = JournalBuilder()
    foreign = write_archive(
        tmp_path / "c.zip",
        journal,
        records,
        edit={"public_key": {"kid": other.kid, "jwk": other.jwk}},
    )
    assert "archive.jws" in checks_of(foreign)


def test_manifest_defects(journal: JournalBuilder, tmp_path: Path) -> None:
    missing = write_archive(tmp_path / "a.zip", journal, journal.records, edit={"till": None})
    assert "archive.manifest" in checks_of(missing)
    wrong_first = write_archive(
        tmp_path / "b.zip", journal, journal.records, edit={"first_prev": "A" * 43}
    )
    assert "archive.manifest" in checks_of(wrong_first)
    wrong_count = write_archive(tmp_path / "c.zip", journal, journal.records, edit={"gseq_to": 99})
    assert "archive.manifest" in checks_of(wrong_count)


def test_an_unlisted_file_and_a_damaged_member(journal: JournalBuilder, tmp_path: Path) -> None:
    extra = write_archive(tmp_path / "a.zip", journal, journal.records, extra={"x.csv": b"1"})
    assert checks_of(extra) == ["archive.file"]
    damaged = write_archive(tmp_path / "b.zip", journal, journal.records)
    raw = bytearray(damaged.read_bytes())
    with zipfile.ZipFile(damaged) as zf:
        info = zf.getinfo("LISEZMOI.txt")
    at = info.header_offset + 30 + len(info.filename) + 2  # inside the deflated data
    raw[at] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    assert "archive.file" in checks_of(damaged)


def test_the_chain(journal: JournalBuilder, tmp_path: Path) -> None:
    first = write_archive(tmp_path / "1.zip", journal, journal.records[:4])
    digest = hashlib.sha256(zipfile.ZipFile(first).read("manifest.json")).hexdigest()
    second = write_archive(tmp_path / "2.zip", journal, journal.records[4:], previous=digest)
    broken = write_archive(tmp_path / "3.zip", journal, journal.records[4:], previous="0" * 64)
    assert verif_main([str(second), "--previous", str(first)]) == 0
    assert verif_main([str(broken), "--previous", str(first)]) == 1
    with zipfile.ZipFile(second) as a, zipfile.ZipFile(first) as b:
        current, prev = check_archive(a, verify_jws), check_archive(b, verify_jws)
    assert check_chain(current, prev, first) == []
    other = standard_journal()
    foreign = write_archive(tmp_path / "4.zip", other, other.records[:4])
    with zipfile.ZipFile(foreign) as zf:
        alien = check_archive(zf, verify_jws)
    with pytest.raises(SourceError):
        check_chain(current, alien, foreign)
