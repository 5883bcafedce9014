"""Signed period archives (nf525.md §6.10): the ZIP layout, the detached JWS and their checks.

Pure: standard library only. Signature checking is injected (`caisse_verif.cli` passes
`caisse_verif.es256`), so that the till's services can share the format constants and the JWS
helpers without importing a crypto library.

Layout of an archive ZIP::

    manifest.json        canonical JSON (RFC 8785): who, what, which records, every file's
                         SHA-256 (hex) and size, the public key (JWK and kid), the previous
                         archive's manifest hash
    manifest.jws         compact JWS ES256 with a detached payload (RFC 7515 appendix F):
                         BASE64URL(header) + ".." + BASE64URL(signature), the signing input
                         being BASE64URL(header) + "." + BASE64URL(manifest.json bytes)
    journal.jsonl        one {"core", "sig", "body"} line per record of the gseq range
    tickets.csv, lines.csv, payments.csv, vat.csv, closures.csv, jet.csv
                         readable views of the journal bodies (UTF-8, ";" separated)
    schemas/<view>.json  the columns and types of each view
    LISEZMOI.txt         the format and the verification steps, in French

Every file but the manifest and its JWS is listed in the manifest. The JWS header is
``{"alg": "ES256", "kid": <kid>, "manifest_sha256": <hex>}``; the last member lets the
verifier tell a modified manifest from a modified signature file.

Archive checks (after the journal checks of `caisse_verif.checks`):

====================  ======================================================================
``archive.manifest``  manifest.json is unreadable, not canonical, lacks a field, or does not
                      describe journal.jsonl (first gseq, record count, ``first_prev``)
``archive.jws``       manifest.jws is malformed, its kid is not the manifest key's RFC 7638
                      thumbprint, or its ES256 signature does not verify
``archive.file``      a listed file is missing, or its SHA-256 or size differs; or the ZIP
                      holds a file the manifest does not list
``archive.chain``     the previous archive's manifest hash differs from the one this manifest
                      names, or the two ranges are contiguous but do not chain
====================  ======================================================================
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from caisse_verif.canonical import canonical_json, parse_canonical
from caisse_verif.checks import Anchor, Anomaly
from caisse_verif.errors import CanonicalError, SourceError
from caisse_verif.record import StoredRecord, b64u, b64u_decode, jwk_thumbprint

FORMAT = "caisse-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_JWS = "manifest.jws"
JOURNAL = "journal.jsonl"
README = "LISEZMOI.txt"
VIEWS = ("tickets", "lines", "payments", "vat", "closures", "jet")
CONTROL_FILES = frozenset({MANIFEST, MANIFEST_JWS})

_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
"""The JSON module's string scanner (C), untyped in the stubs: (text, index after the opening
quote, strict) -> (the string, the index after its closing quote)."""

JwsVerifier = Callable[[Mapping[str, Any], bytes, bytes], bool]
"""``verify(jwk, signing_input, raw_r_s_signature) -> bool`` (ES256)."""


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of `data`, in lower-case hexadecimal (as ``sha256sum`` prints it)."""
    return hashlib.sha256(data).hexdigest()


def jws_header(kid: str, manifest: bytes) -> bytes:
    """The canonical protected header of an archive's detached JWS."""
    return canonical_json({"alg": "ES256", "kid": kid, "manifest_sha256": sha256_hex(manifest)})


def jws_signing_input(header: bytes, manifest: bytes) -> bytes:
    """BASE64URL(header) "." BASE64URL(manifest): what ES256 signs (RFC 7515 §5.1)."""
    return (b64u(header) + "." + b64u(manifest)).encode("ascii")


def compact_detached(header: bytes, signature_b64u: str) -> str:
    """The compact serialisation with a detached payload: header ".." signature."""
    return b64u(header) + ".." + signature_b64u


# ----------------------------------------------------------------------------- reading


def _anomaly(
    check: str, fr: str, en: str, expected: object = None, found: object = None
) -> Anomaly:
    return Anomaly(
        None,
        check,
        fr,
        en,
        None if expected is None else str(expected),
        None if found is None else str(found),
    )


@dataclass
class ArchiveReport:
    """What the archive checks found, before and beside the journal checks."""

    manifest: dict[str, Any] | None
    manifest_sha256: str | None
    anomalies: list[Anomaly] = field(default_factory=list)
    files_checked: int = 0
    journal_entry: Mapping[str, Any] | None = None
    """The manifest's entry for journal.jsonl when its hash is checked by `iter_journal`."""

    @property
    def anchor(self) -> Anchor | None:
        """The manifest's last record, as an external head anchor for the journal slice."""
        m = self.manifest
        if m is None:
            return None
        gseq, token = m.get("gseq_to"), m.get("last_token_sha256")
        if type(gseq) is not int or not isinstance(token, str):
            return None
        till = m.get("till")
        return Anchor(gseq, token, till if isinstance(till, str) else None)

    @property
    def jwk(self) -> dict[str, Any] | None:
        key = (self.manifest or {}).get("public_key")
        jwk = key.get("jwk") if isinstance(key, dict) else None
        return jwk if isinstance(jwk, dict) else None

    @property
    def kid(self) -> str | None:
        key = (self.manifest or {}).get("public_key")
        kid = key.get("kid") if isinstance(key, dict) else None
        return kid if isinstance(kid, str) else None

    def summary(self) -> dict[str, Any]:
        m = self.manifest or {}
        return {
            "archive_id": m.get("archive_id"),
            "period": m.get("period"),
            "gseq_from": m.get("gseq_from"),
            "gseq_to": m.get("gseq_to"),
            "manifest_sha256": self.manifest_sha256,
            "previous_manifest_sha256": m.get("previous_manifest_sha256"),
            "files_checked": self.files_checked,
        }


def open_archive(path: Path) -> zipfile.ZipFile:
    """Open an archive ZIP.

    Raises:
        SourceError: the file is not a readable ZIP.
    """
    try:
        return zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise SourceError(
            f"{path} n'est pas une archive ZIP lisible ({exc}).",
            f"{path} is not a readable ZIP archive ({exc}).",
        ) from exc


def _read_member(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return zf.read(name)
    except KeyError:
        return None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        # note: a damaged member (CRC error, bad deflate stream) is that file's anomaly
        raise _Damaged(str(exc)) from exc


class _Damaged(Exception):
    pass


def _hash_member(zf: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with zf.open(name) as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def check_archive(
    zf: zipfile.ZipFile, verify_jws: JwsVerifier, *, stream_journal: bool = False
) -> ArchiveReport:
    """Steps 1 and 2 of nf525.md §6.10: the manifest, its JWS, and every file's hash and size.

    Never raises on content: everything wrong is an anomaly. The journal (steps 3-5) is read
    afterwards with `iter_journal` and `caisse_verif.checks.verify_records`. With
    `stream_journal`, journal.jsonl (most of the archive) is hashed by `iter_journal` as it is
    read, instead of being decompressed twice; the caller must then read it to the end.
    """
    anomalies: list[Anomaly] = []
    try:
        raw = _read_member(zf, MANIFEST)
    except _Damaged as exc:
        raw = None
        anomalies.append(
            _anomaly(
                "archive.file",
                f"{MANIFEST} : membre ZIP endommagé ({exc}).",
                f"{MANIFEST}: damaged ZIP member ({exc}).",
            )
        )
    if raw is None:
        if not anomalies:
            anomalies.append(
                _anomaly(
                    "archive.manifest",
                    f"{MANIFEST} est absent de l'archive.",
                    f"{MANIFEST} is missing from the archive.",
                )
            )
        return ArchiveReport(None, None, anomalies)
    manifest_hash = sha256_hex(raw)
    manifest, problem = _parse_manifest(raw)
    if problem is not None:
        anomalies.append(
            _anomaly(
                "archive.manifest",
                f"{MANIFEST} n'est pas un objet JSON canonique ({problem}).",
                f"{MANIFEST} is not a canonical JSON object ({problem}).",
            )
        )
    report = ArchiveReport(manifest, manifest_hash, anomalies)
    signed = _check_jws(zf, raw, report, verify_jws)
    if manifest is not None:
        _check_manifest_fields(report)
        # note: a manifest whose signature fails cannot vouch for any file; checking the
        # files against it would blame files that were never touched.
        if signed:
            _check_files(zf, report, stream_journal=stream_journal)
    return report


def _parse_manifest(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    try:
        parsed = parse_canonical(raw)
    except (CanonicalError, ValueError, RecursionError) as exc:
        return None, str(exc)
    if not isinstance(parsed, dict):
        return None, "not a JSON object"
    return parsed, None


def _parse_jws(raw: bytes) -> tuple[bytes, dict[str, Any], bytes] | str:
    """(header bytes, header, signature), or why the JWS is malformed."""
    try:
        header_b64, payload_b64, sig_b64 = raw.decode("ascii").strip().split(".")
        header_bytes = b64u_decode(header_b64)
        header = json.loads(header_bytes)
        sig = b64u_decode(sig_b64)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return str(exc)
    if payload_b64:
        return "the payload is not detached"
    if not isinstance(header, dict) or len(sig) != 64:
        return "not an ES256 JWS"
    return header_bytes, header, sig


def _record_of(obj: object) -> StoredRecord | None:
    if not (
        isinstance(obj, dict)
        and isinstance(obj.get("core"), str)
        and isinstance(obj.get("sig"), str)
        and isinstance(obj.get("body"), str)
    ):
        return None
    return StoredRecord(obj["core"], obj["sig"], obj["body"].encode("utf-8", "surrogatepass"))


_REQUIRED = (
    ("format", str),
    ("format_version", int),
    ("archive_id", str),
    ("till", str),
    ("period", dict),
    ("gseq_from", int),
    ("gseq_to", int),
    ("first_prev", str),
    ("last_token_sha256", str),
    ("files", list),
    ("public_key", dict),
    ("created_at", str),
)


def _check_manifest_fields(report: ArchiveReport) -> None:
    m = report.manifest or {}
    for name, kind in _REQUIRED:
        value = m.get(name)
        if not isinstance(value, kind) or (kind is int and type(value) is not int):
            report.anomalies.append(
                _anomaly(
                    "archive.manifest",
                    f"{MANIFEST} : le champ « {name} » est absent ou mal typé.",
                    f"{MANIFEST}: the field {name!r} is missing or has the wrong type.",
                    kind.__name__,
                    None if value is None else type(value).__name__,
                )
            )
    if m.get("format") not in (None, FORMAT) or m.get("format_version") not in (
        None,
        FORMAT_VERSION,
    ):
        report.anomalies.append(
            _anomaly(
                "archive.manifest",
                f"{MANIFEST} : format d'archive inconnu.",
                f"{MANIFEST}: unknown archive format.",
                f"{FORMAT} {FORMAT_VERSION}",
                f"{m.get('format')} {m.get('format_version')}",
            )
        )


def _check_jws(
    zf: zipfile.ZipFile, manifest: bytes, report: ArchiveReport, verify_jws: JwsVerifier
) -> bool:
    """Whether manifest.jws signs manifest.json with the manifest's key and kid."""

    def bad(fr: str, en: str, expected: object = None, found: object = None) -> None:
        report.anomalies.append(_anomaly("archive.jws", fr, en, expected, found))

    try:
        raw = _read_member(zf, MANIFEST_JWS)
    except _Damaged as exc:
        bad(
            f"{MANIFEST_JWS} : membre ZIP endommagé ({exc}).",
            f"{MANIFEST_JWS}: damaged ZIP member ({exc}).",
        )
        return False
    if raw is None:
        bad(f"{MANIFEST_JWS} est absent de l'archive.", f"{MANIFEST_JWS} is missing.")
        return False
    parsed = _parse_jws(raw)
    if isinstance(parsed, str):
        bad(
            f"{MANIFEST_JWS} n'est pas un JWS compact ES256 à contenu détaché ({parsed}).",
            f"{MANIFEST_JWS} is not a compact ES256 JWS with a detached payload ({parsed}).",
        )
        return False
    header_bytes, header, sig = parsed
    if header.get("alg") != "ES256":
        bad(
            f"{MANIFEST_JWS} : algorithme inattendu.",
            f"{MANIFEST_JWS}: unexpected algorithm.",
            "ES256",
            header.get("alg"),
        )
        return False
    if header.get("manifest_sha256") != report.manifest_sha256:
        # note: the header names the hash of the manifest it signs; a different hash means
        # the manifest changed (or, undecidably, those header digits did).
        bad(
            f"{MANIFEST} a été modifié : son empreinte n'est pas celle que signe {MANIFEST_JWS}.",
            f"{MANIFEST} was modified: its hash is not the one {MANIFEST_JWS} signs.",
            header.get("manifest_sha256"),
            report.manifest_sha256,
        )
        return False
    jwk, kid = report.jwk, report.kid
    if report.manifest is None:
        return False  # already reported as archive.manifest
    if jwk is None:
        bad(
            f"{MANIFEST_JWS} : le manifeste ne donne pas de clé publique pour la vérifier.",
            f"{MANIFEST_JWS}: the manifest gives no public key to check it with.",
        )
        return False
    try:
        thumbprint = jwk_thumbprint(jwk)
    except (ValueError, TypeError, KeyError):
        thumbprint = None
    if thumbprint is None or thumbprint != kid or header.get("kid") != kid:
        bad(
            f"{MANIFEST_JWS} : le kid n'est pas l'empreinte RFC 7638 de la clé du manifeste.",
            f"{MANIFEST_JWS}: the kid is not the RFC 7638 thumbprint of the manifest's key.",
            thumbprint,
            f"{header.get('kid')} / {kid}",
        )
        return False
    if verify_jws(jwk, jws_signing_input(header_bytes, manifest), sig):
        return True
    bad(
        f"{MANIFEST_JWS} : la signature ES256 du manifeste ne se vérifie pas.",
        f"{MANIFEST_JWS}: the manifest's ES256 signature does not verify.",
    )
    return False


def _check_files(
    zf: zipfile.ZipFile, report: ArchiveReport, *, stream_journal: bool = False
) -> None:
    listed: dict[str, Mapping[str, Any]] = {}
    for item in (report.manifest or {}).get("files") or []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            listed[item["name"]] = item
    present = {info.filename for info in zf.infolist() if not info.is_dir()}
    for name in sorted(present - set(listed) - CONTROL_FILES):
        report.anomalies.append(
            _anomaly(
                "archive.file",
                f"{name} : fichier présent dans l'archive mais absent du manifeste.",
                f"{name}: file in the archive but not listed in the manifest.",
            )
        )
    for name, item in sorted(listed.items()):
        if name not in present:
            report.anomalies.append(
                _anomaly(
                    "archive.file",
                    f"{name} : fichier listé dans le manifeste mais absent de l'archive.",
                    f"{name}: file listed in the manifest but missing from the archive.",
                )
            )
            continue
        if stream_journal and name == JOURNAL:
            report.journal_entry = item
            continue
        try:
            digest, size = _hash_member(zf, name)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            report.anomalies.append(
                _anomaly(
                    "archive.file",
                    f"{name} : membre ZIP endommagé ({exc}).",
                    f"{name}: damaged ZIP member ({exc}).",
                )
            )
            continue
        report.files_checked += 1
        if digest != item.get("sha256") or size != item.get("size"):
            report.anomalies.append(
                _anomaly(
                    "archive.file",
                    f"{name} : l'empreinte SHA-256 ou la taille diffère du manifeste.",
                    f"{name}: the SHA-256 or the size differs from the manifest.",
                    f"{item.get('sha256')} ({item.get('size')} octets)",
                    f"{digest} ({size} octets)",
                )
            )


def _parse_line(line: bytes) -> StoredRecord | None:
    """One journal.jsonl line as a record, or None when it is not ``{"core", "sig", "body"}``.

    note: the writer's lines are ``{"core":"…","sig":"…","body":"…"}`` in that order, and core
    and sig are plain ASCII tokens: slicing them out and unescaping only the body's string
    literal avoids the generic parser and a dictionary per line, the archive path's main
    overhead over SQLite. A literal whose only escape is backslash-quote is unescaped on the bytes;
    any other is read by the JSON module's own C string scanner (strict); any other line
    shape falls back to the JSON parser, so nothing valid is refused.

    Raises:
        ValueError: the line is not JSON.
    """
    if line.startswith(b'{"core":"'):
        end = line.rstrip(b"\r\n")
        i = end.find(b'","sig":"', 9)
        j = end.find(b'","body":"', i + 9) if i > 0 else -1
        if j > 0 and end.endswith(b'"}'):
            core_b, sig_b, literal = end[9:i], end[i + 9 : j], end[j + 10 : -2]
            # note: the usual body has no escape but \" (canonical JSON inside a JSON
            # string): then every backslash is one of those, and unescaping is deleting the
            # backslashes (a third of the cost of replacing the pairs), with no decoding at all
            unescaped = literal.translate(None, b"\\")
            if (
                len(literal) - len(unescaped) == literal.count(b'"') == literal.count(b'\\"')
                and b'"' not in core_b
                and b"\\" not in core_b
                and b'"' not in sig_b
                and b"\\" not in sig_b
                and core_b.isascii()
                and sig_b.isascii()
            ):
                return StoredRecord(core_b.decode("ascii"), sig_b.decode("ascii"), unescaped)
        text = line.decode("utf-8").rstrip("\r\n")
        i = text.find('","sig":"', 9)
        j = text.find('","body":"', i + 9) if i > 0 else -1
        if j > 0:
            core, sig = text[9:i], text[i + 9 : j]
            if '"' not in core and "\\" not in core and '"' not in sig and "\\" not in sig:
                body, after = _scanstring(text, j + 10, True)
                if text[after:] == "}":
                    return StoredRecord(core, sig, body.encode("utf-8", "surrogatepass"))
    return _record_of(json.loads(line))


def iter_journal(zf: zipfile.ZipFile, report: ArchiveReport) -> Iterator[StoredRecord]:
    """The records of journal.jsonl, checked against the manifest as they stream.

    A line that is not a record ends the stream with an ``archive.file`` anomaly (in
    `report`) rather than an exception: the file's hash check names it too. When
    `report.journal_entry` is set (`check_archive(..., stream_journal=True)`), the file's
    SHA-256 and size are computed here, over every byte, and compared at the end.
    """
    m = report.manifest or {}
    count = 0
    first: StoredRecord | None = None
    entry = report.journal_entry
    digest = hashlib.sha256() if entry is not None else None
    size = 0
    try:
        with zf.open(JOURNAL) as raw:
            stream = io.BufferedReader(raw, 1 << 20)  # type: ignore[type-var]
            broken = False
            for number, line in enumerate(stream, start=1):
                if digest is not None:
                    digest.update(line)
                    size += len(line)
                if broken or (len(line) <= 2 and not line.strip()):  # blank lines are short
                    continue
                try:
                    record = _parse_line(line)
                except (ValueError, RecursionError) as exc:
                    report.anomalies.append(
                        _anomaly(
                            "archive.file",
                            f"{JOURNAL} : contenu illisible ({exc}).",
                            f"{JOURNAL}: unreadable content ({exc}).",
                        )
                    )
                    record = None
                else:
                    if record is None:
                        report.anomalies.append(
                            _anomaly(
                                "archive.file",
                                f"{JOURNAL} : la ligne {number} n'est pas un enregistrement "
                                '{"core", "sig", "body"}.',
                                f'{JOURNAL}: line {number} is not a {{"core", "sig", "body"}} '
                                "record.",
                            )
                        )
                if record is None:
                    if digest is None:
                        return
                    broken = True  # note: read on, so that the file's hash is still checked
                    continue
                if first is None:
                    first = record
                count += 1
                yield record
    except KeyError:
        report.anomalies.append(
            _anomaly(
                "archive.file",
                f"{JOURNAL} est absent de l'archive.",
                f"{JOURNAL} is missing from the archive.",
            )
        )
        return
    except (ValueError, zipfile.BadZipFile, OSError, EOFError) as exc:
        report.anomalies.append(
            _anomaly(
                "archive.file",
                f"{JOURNAL} : contenu illisible ({exc}).",
                f"{JOURNAL}: unreadable content ({exc}).",
            )
        )
        return
    if entry is not None and digest is not None:
        report.files_checked += 1
        found = digest.hexdigest()
        if found != entry.get("sha256") or size != entry.get("size"):
            report.anomalies.append(
                _anomaly(
                    "archive.file",
                    f"{JOURNAL} : l'empreinte SHA-256 ou la taille diffère du manifeste.",
                    f"{JOURNAL}: the SHA-256 or the size differs from the manifest.",
                    f"{entry.get('sha256')} ({entry.get('size')} octets)",
                    f"{found} ({size} octets)",
                )
            )
        if broken:
            return
    gfrom, gto = m.get("gseq_from"), m.get("gseq_to")
    if type(gfrom) is int and type(gto) is int and count != gto - gfrom + 1:
        report.anomalies.append(
            _anomaly(
                "archive.manifest",
                f"{JOURNAL} : le nombre d'enregistrements n'est pas celui qu'annonce {MANIFEST}.",
                f"{JOURNAL}: the number of records is not the one {MANIFEST} announces.",
                gto - gfrom + 1,
                count,
            )
        )
    if first is not None:
        fields = first.core.split(",")
        first_gseq = fields[2] if len(fields) > 2 else None
        first_prev = fields[-1] if len(fields) == 11 else None
        if first_gseq != str(gfrom) or first_prev != m.get("first_prev"):
            report.anomalies.append(
                _anomaly(
                    "archive.manifest",
                    f"{JOURNAL} : le premier enregistrement n'est pas celui que nomme "
                    f"{MANIFEST} (gseq_from, first_prev).",
                    f"{JOURNAL}: the first record is not the one {MANIFEST} names "
                    "(gseq_from, first_prev).",
                    f"{gfrom} {m.get('first_prev')}",
                    f"{first_gseq} {first_prev}",
                )
            )


def check_chain(
    current: ArchiveReport, previous: ArchiveReport, previous_path: Path
) -> list[Anomaly]:
    """Step 6: `previous` must be the archive this one chains to.

    Raises:
        SourceError: `previous` is not an archive of the same till and key (one sentence).
    """
    cur, prev = current.manifest or {}, previous.manifest
    if prev is None:
        raise SourceError(
            f"{previous_path} n'a pas de manifeste lisible : ce n'est pas une archive précédente "
            "utilisable.",
            f"{previous_path} has no readable manifest: it is not a usable previous archive.",
        )
    if prev.get("till") != cur.get("till") or previous.kid != current.kid:
        raise SourceError(
            f"{previous_path} est l'archive d'une autre caisse ({prev.get('till')}, clé "
            f"{previous.kid}) : elle ne peut pas précéder celle-ci.",
            f"{previous_path} is another till's archive ({prev.get('till')}, key "
            f"{previous.kid}): it cannot precede this one.",
        )
    out: list[Anomaly] = []
    if previous.anomalies:
        out.append(
            _anomaly(
                "archive.chain",
                f"L'archive précédente {previous_path.name} ne se vérifie pas elle-même "
                f"({previous.anomalies[0].check}).",
                f"The previous archive {previous_path.name} does not verify itself "
                f"({previous.anomalies[0].check}).",
            )
        )
    expected = cur.get("previous_manifest_sha256")
    if expected != previous.manifest_sha256:
        out.append(
            _anomaly(
                "archive.chain",
                f"{MANIFEST} : l'empreinte du manifeste précédent ne correspond pas à "
                f"{previous_path.name}.",
                f"{MANIFEST}: the previous manifest hash does not match {previous_path.name}.",
                expected,
                previous.manifest_sha256,
            )
        )
    elif (
        type(prev_to := prev.get("gseq_to")) is int
        and prev_to + 1 == cur.get("gseq_from")
        and prev.get("last_token_sha256") != cur.get("first_prev")
    ):
        out.append(
            _anomaly(
                "archive.chain",
                f"{MANIFEST} : first_prev n'est pas le dernier jeton de l'archive précédente.",
                f"{MANIFEST}: first_prev is not the previous archive's last token.",
                prev.get("last_token_sha256"),
                cur.get("first_prev"),
            )
        )
    return out
