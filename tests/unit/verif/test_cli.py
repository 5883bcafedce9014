"""The caisse-verif command: exit codes 0, 1 and 2, reports, and one-sentence errors."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import caisse_verif
from caisse_verif.cli import main
from tests.unit.verif.builder import (
    JournalBuilder,
    Line,
    rfc6979_key,
    standard_journal,
    write_anchor,
    write_jsonl,
    write_sqlite,
)
from tests.unit.verif.test_vectors import TV1_CORE, TV1_SIG

pytestmark = pytest.mark.integration

KEY = rfc6979_key()


@pytest.fixture
def journal() -> JournalBuilder:
    return standard_journal(KEY)


@pytest.fixture
def db(tmp_path: Path, journal: JournalBuilder) -> Path:
    path = tmp_path / "caisse.sqlite"
    write_sqlite(path, journal.records)
    write_anchor(tmp_path / "head.anchor", journal.anchor())
    return path


@pytest.fixture
def key_file(tmp_path: Path, journal: JournalBuilder) -> Path:
    path = tmp_path / "till.jwk.json"
    path.write_text(json.dumps(journal.jwk))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_sentence(err: str) -> None:
    assert err.endswith("\n")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert err.rstrip().endswith(".")


# ----------------------------------------------------------------------------- journals


def test_intact_sqlite_journal(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, out, err = run(capsys, db)
    assert (code, err) == (0, "")
    assert "Résultat : journal intègre, aucune anomalie." in out
    assert "Enregistrements : 8 (D=1, J=2, T=4, X=1)" in out


def test_intact_journal_in_english_with_a_key(
    capsys: pytest.CaptureFixture[str], db: Path, key_file: Path
) -> None:
    code, out, _ = run(capsys, db, "--key", key_file, "--lang", "en")
    assert code == 0
    assert "Result: the journal is intact, no anomaly." in out


def test_json_report(capsys: pytest.CaptureFixture[str], db: Path, journal: JournalBuilder) -> None:
    code, out, _ = run(capsys, db, "--json")
    report = json.loads(out)
    assert code == 0
    assert report["ok"] is True
    assert report["records"] == 8
    assert report["head_gseq"] == 8
    assert report["head_token_sha256"] == journal.prev
    assert (report["till"], report["kid"]) == ("TILL01", journal.kid)
    assert (report["gt"], report["gt_abs"]) == (2205, 2415)
    assert report["counts"] == {"D": 1, "J": 2, "T": 4, "X": 1}
    assert report["anomalies"] == []


def test_tampered_body_exits_1(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE journal SET body = replace(body, 'Croissant', 'Cr0issant')")
    conn.close()
    code, out, err = run(capsys, db, "--json", "--lang", "en")
    report = json.loads(out)
    assert (code, err) == (1, "")
    assert report["ok"] is False
    # the projection still holds the genuine label
    assert [(a["check"], a["gseq"]) for a in report["anomalies"]] == [
        ("body.hash", 3),
        ("projection.mismatch", 3),
    ]
    assert report["anomalies"][0]["message"].startswith("The body's SHA-256")


def test_truncation_seen_through_head_anchor(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM journal WHERE gseq >= 7")
        conn.execute("DELETE FROM sales WHERE gseq >= 7")
        conn.execute("DELETE FROM sale_lines WHERE sale_gseq >= 7")
        conn.execute("DELETE FROM sale_payments WHERE sale_gseq >= 7")
    conn.close()
    code, out, _ = run(capsys, db)
    assert code == 1
    assert "[anchor.truncated]" in out
    assert "gseq 8" in out


def test_explicit_anchor_overrides_the_one_beside(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, journal: JournalBuilder
) -> None:
    other = tmp_path / "server.anchor"
    other.write_text(json.dumps({"till": "TILL01", "gseq": 3, "token_sha256": "forged"}))
    code, out, _ = run(capsys, db, "--anchor", other)
    assert code == 1
    assert "[anchor.mismatch]" in out


def test_projection_mismatch_exits_1(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE sales SET total_ttc_cents = 1 WHERE gseq = 2")
    conn.close()
    code, out, _ = run(capsys, db, "--json")
    assert code == 1
    assert [(a["check"], a["gseq"]) for a in json.loads(out)["anomalies"]] == [
        ("projection.mismatch", 2)
    ]


def test_jsonl_export(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, journal: JournalBuilder
) -> None:
    path = tmp_path / "journal.jsonl"
    write_jsonl(path, journal.records)
    assert run(capsys, path)[0] == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    del lines[3]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, path)
    assert code == 1
    assert "[chain.gseq]" in out


def test_journal_without_a_key_anywhere_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    j = JournalBuilder(KEY)
    j.sale(Line("Baguette", 1000, 105, 550))
    path = tmp_path / "journal.jsonl"
    write_jsonl(path, j.records)
    code, out, err = run(capsys, path)
    assert (code, out) == (2, "")
    assert "--key" in err
    assert_one_sentence(err)
    key = tmp_path / "k.json"
    key.write_text(json.dumps(j.jwk))
    assert run(capsys, path, "--key", key)[0] == 0


# ----------------------------------------------------------------------------- unusable input


def make_other_sqlite(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t(x)")
    conn.close()
    return path


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: p / "missing.sqlite", "n'existe pas"),
        (lambda p: make_other_sqlite(p / "other.sqlite"), "n'est pas un journal"),
        (lambda p: p, "n'est pas un fichier"),
    ],
)
def test_unusable_inputs_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make: object, fragment: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    code, out, err = run(capsys, path)
    assert (code, out) == (2, "")
    assert fragment in err
    assert_one_sentence(err)


def test_garbage_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    code, _, err = run(capsys, path, "--lang", "en")
    assert code == 2
    assert_one_sentence(err)


def test_empty_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    code, _, err = run(capsys, path)
    assert code == 2
    assert "aucun enregistrement" in err
    assert_one_sentence(err)


def test_a_zip_that_is_not_an_archive_exits_2_and_an_empty_manifest_is_an_anomaly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("photo.txt", "{}")
    code, _, err = run(capsys, path, "--lang", "en")
    assert code == 2
    assert "not a caisse archive" in err
    assert_one_sentence(err)
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", "{}")
    code, out, _ = run(capsys, path, "--lang", "en")
    assert code == 1
    assert "archive.manifest" in out


@pytest.mark.parametrize(
    "content", ["", "[]", '{"kty": "EC"}', '{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}']
)
def test_bad_key_file_exits_2(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, content: str
) -> None:
    key = tmp_path / "bad.jwk"
    key.write_text(content)
    code, out, err = run(capsys, db, "--key", key)
    assert (code, out) == (2, "")
    assert "n'est pas une clé publique JWK P-256" in err
    assert_one_sentence(err)


@pytest.mark.parametrize(
    "args", [[], ["--lang", "de", "x"], ["--bogus"], ["a", "b"], ["x", "--qr", "y"]]
)
def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert_one_sentence(err)


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "caisse-verif" in out


# ----------------------------------------------------------------------------- QR codes


@pytest.fixture
def tv1_key(tmp_path: Path) -> Path:
    path = tmp_path / "tv1.jwk.json"
    path.write_text(json.dumps(JournalBuilder(KEY).jwk))
    return path


def test_qr_of_tv1(capsys: pytest.CaptureFixture[str], tv1_key: Path) -> None:
    code, out, err = run(capsys, "--qr", f"{TV1_CORE},{TV1_SIG}", "--key", tv1_key)
    assert (code, err) == (0, "")
    assert "gseq : 1" in out
    assert "Type : T" in out
    assert "kseq : 1 (TILL01-T-000001)" in out
    assert "Date : 2026-03-15 13:45:02 UTC" in out
    assert "Total TTC : 14,10 €" in out
    assert "Extrait de signature : 4GzO" in out
    assert "signature valide" in out


def test_qr_json(capsys: pytest.CaptureFixture[str], tv1_key: Path) -> None:
    code, out, _ = run(capsys, "--qr", f"{TV1_CORE},{TV1_SIG}", "--key", tv1_key, "--json")
    obj = json.loads(out)
    assert code == 0
    assert obj["ok"] is True
    assert (obj["gseq"], obj["kind"], obj["kseq"], obj["total_cents"]) == (1, "T", 1, 1410)
    assert (obj["extract"], obj["ts_utc"]) == ("4GzO", "2026-03-15T13:45:02Z")


def test_qr_with_an_edited_total(capsys: pytest.CaptureFixture[str], tv1_key: Path) -> None:
    forged = TV1_CORE.replace(",1410,", ",141,")
    code, out, _ = run(capsys, "--qr", f"{forged},{TV1_SIG}", "--key", tv1_key, "--json")
    assert code == 1
    assert [a["check"] for a in json.loads(out)["anomalies"]] == ["sig.invalid"]


@pytest.mark.parametrize("qr", ["", "garbage", "FR1,TILL01,1,T", f"{TV1_CORE}"])
def test_qr_garbage(capsys: pytest.CaptureFixture[str], tv1_key: Path, qr: str) -> None:
    code, out, err = run(capsys, "--qr", qr, "--key", tv1_key, "--lang", "en")
    assert (code, err) == (1, "")
    assert "[core.grammar]" in out or "[sig.invalid]" in out


def test_qr_needs_a_key(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--qr", f"{TV1_CORE},{TV1_SIG}")
    assert code == 2
    assert "--key" in err
    assert_one_sentence(err)


# ----------------------------------------------------------------------------- standalone copy


def test_a_copy_of_the_package_runs_alone(tmp_path: Path, journal: JournalBuilder) -> None:
    shutil.copytree(Path(caisse_verif.__file__).parent, tmp_path / "pkg" / "caisse_verif")
    export = tmp_path / "journal.jsonl"
    write_jsonl(export, journal.records)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = (
        "import runpy, sys; sys.argv = ['caisse-verif', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('caisse_verif', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    import caisse_verif\n"
        "    assert caisse_verif.__file__.startswith(sys.path[0]), caisse_verif.__file__\n"
        "    assert not {'caisse', 'sync', 'hw'} & set(sys.modules), 'imports the till'\n"
        "    raise\n"
    )
    base = [
        sys.executable,
        "-I",
        "-c",
        f"import sys; sys.path.insert(0, {str(tmp_path / 'pkg')!r})\n" + probe,
    ]
    done = subprocess.run(
        [*base, str(export)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "journal intègre" in done.stdout
    done = subprocess.run(
        [*base, str(tmp_path / "nope")], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_python_dash_m(tmp_path: Path, journal: JournalBuilder) -> None:
    export = tmp_path / "journal.jsonl"
    write_jsonl(export, journal.records)
    done = subprocess.run(
        [sys.executable, "-m", "caisse_verif", str(export), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True
