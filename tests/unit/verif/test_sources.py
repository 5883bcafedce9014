"""Inputs: read-only SQLite journals, JSONL exports, anchors, and the projection check (R16)."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest

from caisse_verif.checks import Anchor
from caisse_verif.errors import SourceError
from caisse_verif.sources import (
    ProjectionCheck,
    anchor_beside,
    check_projections,
    connect_read_only,
    detect_format,
    iter_jsonl_records,
    iter_sqlite_records,
    read_anchor,
)
from tests.unit.verif.builder import (
    JournalBuilder,
    rfc6979_key,
    standard_journal,
    write_anchor,
    write_jsonl,
    write_sqlite,
)

pytestmark = pytest.mark.integration

KEY = rfc6979_key()


@pytest.fixture
def journal() -> JournalBuilder:
    return standard_journal(KEY)


@pytest.fixture
def db(tmp_path: Path, journal: JournalBuilder) -> Path:
    path = tmp_path / "caisse.sqlite"
    write_sqlite(path, journal.records)
    return path


def sql(path: Path, statement: str, *params: object) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(statement, params)
    conn.close()


def checks_of(path: Path) -> set[tuple[str, int | None]]:
    return {(a.check, a.gseq) for a in check_projections(path)}


# ----------------------------------------------------------------------------- SQLite


def test_sqlite_records_stream_in_gseq_order(db: Path, journal: JournalBuilder) -> None:
    records = list(iter_sqlite_records(db, fetch_size=3))
    assert [(r.core, r.sig, r.body) for r in records] == [
        (r.core, r.sig, r.body) for r in journal.records
    ]
    assert [r.gseq_column for r in records] == list(range(1, 9))
    assert records[4].kind_column == "X"
    assert records[4].token_sha256_column == journal.hashes[5]
    assert journal.verify(records, anchor=journal.anchor()).ok


def test_sqlite_is_opened_read_only(db: Path) -> None:
    before = db.read_bytes()
    conn = connect_read_only(db)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("DELETE FROM journal")
    conn.close()
    list(iter_sqlite_records(db))
    check_projections(db)
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["caisse.sqlite"]


def test_edited_columns_are_reported(db: Path, journal: JournalBuilder) -> None:
    sql(db, "UPDATE journal SET kseq = 7 WHERE gseq = 5")
    report = journal.verify(list(iter_sqlite_records(db)), anchor=journal.anchor())
    assert {(a.check, a.gseq) for a in report.anomalies} == {("row.column", 5)}


def test_text_bodies_and_null_columns_are_read(tmp_path: Path, journal: JournalBuilder) -> None:
    path = tmp_path / "j.sqlite"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE journal(gseq INTEGER PRIMARY KEY, core, sig, body)")
        for i, r in enumerate(journal.records, start=1):
            conn.execute(
                "INSERT INTO journal VALUES (?, ?, ?, ?)", (i, r.core, r.sig, r.body.decode())
            )
        conn.execute("INSERT INTO journal VALUES (9, NULL, NULL, NULL)")
    conn.close()
    records = list(iter_sqlite_records(path))
    assert records[0].body == journal.records[0].body
    assert records[0].kind_column is None
    assert (records[8].core, records[8].sig, records[8].body) == ("", "", b"")
    report = journal.verify(records)
    assert ("core.grammar", 9) in {(a.check, a.gseq) for a in report.anomalies}


def test_not_a_journal(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t(x)")
    conn.close()
    with pytest.raises(SourceError, match="not a till journal"):
        connect_read_only(other)
    with pytest.raises(SourceError, match="not a till journal"):
        list(iter_sqlite_records(other))


def test_corrupt_sqlite(tmp_path: Path, db: Path) -> None:
    data = bytearray(db.read_bytes())
    data[100:4000] = b"\x00" * 3900
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(bytes(data))
    with pytest.raises(SourceError):
        list(iter_sqlite_records(bad))


def test_detect_format(tmp_path: Path, db: Path) -> None:
    assert detect_format(db) == "sqlite"
    archive = tmp_path / "a.bin"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("manifest.json", "{}")
    assert detect_format(archive) == "zip"
    text = tmp_path / "j.jsonl"
    text.write_text("")
    assert detect_format(text) == "jsonl"
    with pytest.raises(SourceError, match="does not exist"):
        detect_format(tmp_path / "missing.sqlite")
    with pytest.raises(SourceError, match="not a file"):
        detect_format(tmp_path)


# ----------------------------------------------------------------------------- JSONL


def test_jsonl_round_trip(tmp_path: Path, journal: JournalBuilder) -> None:
    path = tmp_path / "journal.jsonl"
    write_jsonl(path, journal.records)
    path.write_text(path.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    records = list(iter_jsonl_records(path))
    assert [(r.core, r.sig, r.body) for r in records] == [
        (r.core, r.sig, r.body) for r in journal.records
    ]
    assert journal.verify(records, anchor=journal.anchor()).ok


@pytest.mark.parametrize(
    "line",
    ["not json", "[]", '{"core": "x", "sig": "y"}', '{"core": 1, "sig": "y", "body": "{}"}'],
)
def test_jsonl_bad_line(tmp_path: Path, journal: JournalBuilder, line: str) -> None:
    path = tmp_path / "journal.jsonl"
    write_jsonl(path, journal.records[:2])
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    records = iter_jsonl_records(path)
    next(records)
    next(records)
    with pytest.raises(SourceError, match="Line 3"):
        next(records)


def test_jsonl_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_bytes(b'{"core":"\xff"}\n')
    with pytest.raises(SourceError, match="UTF-8"):
        list(iter_jsonl_records(path))


def test_jsonl_lone_surrogate_body_is_kept_as_bytes(
    tmp_path: Path, journal: JournalBuilder
) -> None:
    path = tmp_path / "journal.jsonl"
    write_jsonl(path, journal.records[:1])
    path.write_text(
        path.read_text(encoding="utf-8").replace('"body":"{', '"body":"\\ud800{'), encoding="utf-8"
    )
    (record,) = iter_jsonl_records(path)
    report = journal.verify([record])
    assert {"body.hash", "body.canonical"} <= {a.check for a in report.anomalies}


# ----------------------------------------------------------------------------- anchors


def test_anchor_files(tmp_path: Path, db: Path, journal: JournalBuilder) -> None:
    assert anchor_beside(db) is None
    write_anchor(tmp_path / "head.anchor", journal.anchor())
    assert anchor_beside(db) == journal.anchor()
    assert read_anchor(tmp_path / "head.anchor") == Anchor(8, journal.prev, "TILL01")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        '{"gseq": 8}',
        '{"gseq": "8", "token_sha256": "x"}',
        '{"gseq": 0, "token_sha256": "x"}',
        '{"gseq": 8, "token_sha256": "x", "till": 1}',
    ],
)
def test_bad_anchor_files(tmp_path: Path, text: str) -> None:
    path = tmp_path / "head.anchor"
    path.write_text(text)
    with pytest.raises(SourceError, match="anchor"):
        read_anchor(path)


def test_missing_anchor_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot be read"):
        read_anchor(tmp_path / "nope.anchor")


# ----------------------------------------------------------------------------- projections


def test_projections_match(db: Path) -> None:
    assert check_projections(db) == []


def test_no_projection_tables_is_not_an_error(tmp_path: Path, journal: JournalBuilder) -> None:
    path = tmp_path / "bare.sqlite"
    write_sqlite(path, journal.records, projections=False)
    assert check_projections(path) == []


@pytest.mark.parametrize(
    ("statement", "gseq"),
    [
        ("UPDATE sales SET total_ttc_cents = 1400 WHERE gseq = 2", 2),
        ("UPDATE sales SET ticket_no = 'TILL01-T-000009' WHERE gseq = 3", 3),
        ("UPDATE sales SET op = 'SALE' WHERE gseq = 4", 4),
        ("UPDATE sales SET refers_gseq = NULL WHERE gseq = 4", 4),
        ("UPDATE sales SET training = 0 WHERE gseq = 5", 5),
        ("UPDATE sales SET operator_id = 'u2' WHERE gseq = 8", 8),
        ("UPDATE sales SET total_ht_cents = 'n/a' WHERE gseq = 2", 2),
        ("UPDATE sale_lines SET label = 'Brioche' WHERE sale_gseq = 3 AND n = 1", 3),
        ("UPDATE sale_lines SET discount_cents = 0 WHERE sale_gseq = 3 AND n = 1", 3),
        ("UPDATE sale_lines SET line_ht_cents = NULL WHERE sale_gseq = 2 AND n = 2", 2),
        ("DELETE FROM sale_lines WHERE sale_gseq = 2 AND n = 2", 2),
        ("INSERT INTO sale_lines VALUES (2, 3, NULL, 'Extra', 1000, 1, 550, 1, 1, 0)", 2),
        ("UPDATE sale_payments SET amount_cents = 1 WHERE sale_gseq = 2", 2),
        ("UPDATE sale_payments SET method = 'CARD' WHERE sale_gseq = 8", 8),
        ("DELETE FROM sale_payments WHERE sale_gseq = 3 AND n = 2", 3),
        ("DELETE FROM sales WHERE gseq = 8", 8),
        ("INSERT INTO sales (gseq, kind) VALUES (99, 'T')", 99),
        ("INSERT INTO sale_payments VALUES (7, 1, 'CASH', 5)", 7),
        ("INSERT INTO sale_lines VALUES (1, 1, NULL, 'Ghost', 1000, 1, 550, 1, 1, 0)", 1),
    ],
)
def test_edited_projection_is_a_mismatch(db: Path, statement: str, gseq: int) -> None:
    sql(db, statement)
    assert checks_of(db) == {("projection.mismatch", gseq)}


def test_discount_null_equals_no_discount(db: Path) -> None:
    sql(db, "UPDATE sale_lines SET discount_cents = NULL WHERE sale_gseq = 2")
    assert check_projections(db) == []


@pytest.mark.parametrize(
    ("statement", "gseq"),
    [
        ("UPDATE sales SET total_ttc_cents = 1400 WHERE gseq = 2", 2),
        ("DELETE FROM sales WHERE gseq = 8", 8),
        ("INSERT INTO sales (gseq, kind) VALUES (99, 'T')", 99),
        ("INSERT INTO sale_payments VALUES (7, 1, 'CASH', 5)", 7),
        ("INSERT INTO sale_lines VALUES (1, 1, NULL, 'Ghost', 1000, 1, 550, 1, 1, 0)", 1),
    ],
)
def test_projection_check_as_the_verifiers_body_observer(
    db: Path, journal: JournalBuilder, statement: str, gseq: int
) -> None:
    sql(db, statement)
    with ProjectionCheck(db) as projections:
        report = journal.verify(
            list(iter_sqlite_records(db)),
            anchor=journal.anchor(),
            body_observer=projections.observe,
        )
        assert report.ok
        assert {(a.check, a.gseq) for a in projections.finish()} == {("projection.mismatch", gseq)}
    assert checks_of(db) == {("projection.mismatch", gseq)}


def test_projection_check_without_tables(tmp_path: Path, journal: JournalBuilder) -> None:
    path = tmp_path / "bare.sqlite"
    write_sqlite(path, journal.records, projections=False)
    with ProjectionCheck(path) as projections:
        assert not projections.enabled
        journal.verify(list(iter_sqlite_records(path)), body_observer=projections.observe)
        assert projections.finish() == []
