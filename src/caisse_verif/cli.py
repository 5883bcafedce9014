"""The ``caisse-verif`` command: verify a journal (SQLite or JSONL export) or one ticket's QR code.

Usage::

    caisse-verif JOURNAL.sqlite [--key JWK.json] [--anchor FILE] [--json] [--lang fr|en]
    caisse-verif EXPORT.jsonl   [--key JWK.json] [--anchor FILE] [--json] [--lang fr|en]
    caisse-verif ARCHIVE.zip    [--previous PREV.zip] [--key JWK.json] [--json] [--lang fr|en]
    caisse-verif --qr "CORE,SIG" --key JWK.json [--json] [--lang fr|en]

Exit codes: 0 intact, 1 anomalies found, 2 unusable input (missing or unreadable file, not a
journal, unusable key, no key to check signatures with, a previous archive of another till). On
exit code 2 the reason is one sentence on standard error, never a traceback.

Without ``--key`` the public key is taken from the journal's genesis record (JET 30); the report
shows its kid, which the auditor compares with the registered one. For a SQLite journal, a
``head.anchor`` file beside it is used as the external head anchor unless ``--anchor`` is given.
An archive ZIP (`caisse_verif.archive`) is checked in the order of nf525.md §6.10: its manifest's
detached JWS with the manifest's own key, every file's SHA-256 and size, the journal slice (its
last record anchored to the manifest's last token hash), and with ``--previous`` the chain to the
previous archive.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

from caisse_verif import es256
from caisse_verif.archive import (
    JOURNAL,
    MANIFEST,
    check_archive,
    check_chain,
    iter_journal,
    open_archive,
)
from caisse_verif.checks import Anchor, Anomaly, Report, verify_records
from caisse_verif.errors import CoreGrammarError, KeyFormatError, SourceError
from caisse_verif.purged import Merge, OpenedArchive, chain_anomalies, need_archives, purged_through
from caisse_verif.record import (
    Core,
    b64u,
    iso_from_ts_token,
    jwk_thumbprint,
    parse_core,
    signature_extract,
    ticket_number,
)
from caisse_verif.report import (
    anomaly_lines,
    anomaly_to_json,
    format_cents,
    render_json,
    render_json_text,
)
from caisse_verif.report import render_text as render_report
from caisse_verif.sources import (
    ProjectionCheck,
    anchor_beside,
    connect_read_only,
    detect_format,
    iter_jsonl_records,
    iter_sqlite_records,
    read_anchor,
)

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ANOMALIES = 1
EXIT_UNUSABLE = 2


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _build_parser(lang: str) -> _Parser:
    fr = lang != "en"
    parser = _Parser(
        prog="caisse-verif",
        description=(
            "Vérifie un journal de caisse NF525 (SQLite ou export JSONL) ou le QR code d'un "
            "ticket, hors ligne."
            if fr
            else "Verify an NF525 till journal (SQLite or JSONL export) or a ticket's QR code, "
            "offline."
        ),
    )
    parser.add_argument(
        "source",
        nargs="?",
        help="journal SQLite, export JSONL ou archive ZIP"
        if fr
        else "SQLite journal, JSONL export or ZIP archive",
    )
    parser.add_argument(
        "--qr",
        metavar="CORE,SIG",
        help="contenu du QR code d'un ticket" if fr else "the content of a ticket's QR code",
    )
    parser.add_argument(
        "--key",
        metavar="JWK.json",
        help="clé publique (JWK) de la caisse" if fr else "the till's public key (JWK)",
    )
    parser.add_argument(
        "--anchor",
        metavar="FILE",
        help="ancre de tête externe {till, gseq, token_sha256}"
        if fr
        else "external head anchor {till, gseq, token_sha256}",
    )
    parser.add_argument(
        "--previous",
        metavar="PREV.zip",
        help="archive précédente de la même caisse (contrôle du chaînage des archives)"
        if fr
        else "the same till's previous archive (checks the archive chain)",
    )
    parser.add_argument(
        "--archive",
        metavar="ARCHIVE.zip",
        action="append",
        default=[],
        help="archive des enregistrements purgés du journal (à répéter, dans l'ordre)"
        if fr
        else "an archive of the journal's purged records (repeat it, oldest first)",
    )
    parser.add_argument("--json", action="store_true", help="rapport JSON" if fr else "JSON report")
    parser.add_argument(
        "--lang", choices=("fr", "en"), default="fr", help="langue du rapport" if fr else "language"
    )
    return parser


def _pre_scan_lang(argv: Sequence[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return "en" if argv[i + 1] == "en" else "fr"
        if arg.startswith("--lang="):
            return "en" if arg.partition("=")[2] == "en" else "fr"
    return "fr"


def _say(stream: Any, text: str) -> None:
    stream.write(text if text.endswith("\n") else text + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run the verifier and return its exit code (0 intact, 1 anomalies, 2 unusable input)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    lang = _pre_scan_lang(args_list)
    parser = _build_parser(lang)
    try:
        args = parser.parse_args(args_list)
    except _UsageError as exc:
        _say(
            sys.stderr,
            f"Arguments invalides ({exc}) : voir caisse-verif --help."
            if lang == "fr"
            else f"Invalid arguments ({exc}): see caisse-verif --help.",
        )
        return EXIT_UNUSABLE
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    lang = args.lang
    try:
        return _dispatch(args, lang)
    except SourceError as exc:
        _say(sys.stderr, exc.message(lang))
        return EXIT_UNUSABLE
    except Exception as exc:  # the top-level handler: one sentence, never a traceback
        logger.debug("internal error", exc_info=True)
        _say(
            sys.stderr,
            f"Erreur interne du vérificateur ({type(exc).__name__}: {exc})."
            if lang == "fr"
            else f"Internal verifier error ({type(exc).__name__}: {exc}).",
        )
        return EXIT_UNUSABLE


def _dispatch(args: argparse.Namespace, lang: str) -> int:
    if args.qr is not None:
        if args.source is not None:
            raise SourceError(
                "Donnez soit un journal, soit --qr, pas les deux.",
                "Give either a journal or --qr, not both.",
            )
        return _run_qr(args.qr, args.key, as_json=args.json, lang=lang)
    if args.source is None:
        raise SourceError(
            "Donnez un journal SQLite, un export JSONL ou --qr : voir caisse-verif --help.",
            "Give a SQLite journal, a JSONL export or --qr: see caisse-verif --help.",
        )
    return _run_journal(args, lang)


# ----------------------------------------------------------------------------------- keys


def read_jwk_file(path: Path) -> dict[str, str]:
    """Read and check a public JWK file (a JSON object with ``kty``, ``crv``, ``x``, ``y``).

    Raises:
        SourceError: missing, unreadable, or not a usable P-256 public key.
    """
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceError(
            f"Le fichier de clé {path} est illisible ({exc.strerror or type(exc).__name__}).",
            f"The key file {path} cannot be read ({exc.strerror or type(exc).__name__}).",
        ) from exc
    except (ValueError, RecursionError):
        obj = None
    try:
        jwk = es256.public_jwk(es256.load_public_jwk(obj if isinstance(obj, Mapping) else {}))
    except KeyFormatError as exc:
        raise SourceError(
            f"Le fichier de clé {path} n'est pas une clé publique JWK P-256 utilisable.",
            f"The key file {path} is not a usable P-256 public JWK.",
        ) from exc
    return jwk


# ----------------------------------------------------------------------------------- journal


def _run_journal(args: argparse.Namespace, lang: str) -> int:
    path = Path(args.source)
    fmt = detect_format(path)
    if fmt == "zip":
        return _run_archive(args, path, lang)
    if args.previous:
        raise SourceError(
            "--previous ne s'emploie qu'avec une archive ZIP.",
            "--previous only applies to a ZIP archive.",
        )
    jwk = read_jwk_file(Path(args.key)) if args.key else None
    anchor: Anchor | None
    if args.anchor:
        anchor = read_anchor(Path(args.anchor))
    else:
        anchor = anchor_beside(path) if fmt == "sqlite" else None
    through = 0
    if fmt == "sqlite":
        conn = connect_read_only(path)  # fail early, with one sentence, on a non-journal
        try:
            through = purged_through(conn)
        finally:
            conn.close()
        records = iter_sqlite_records(path)
    else:
        records = iter_jsonl_records(path)
    if through and not args.archive:
        raise need_archives(path, through)
    stack = contextlib.ExitStack()
    merge: Merge | None = None
    chain: list[Anomaly] = []
    if args.archive:
        opened = []
        for name in args.archive:
            archive_path = Path(name)
            if detect_format(archive_path) != "zip":
                raise SourceError(
                    f"{archive_path} n'est pas une archive ZIP.",
                    f"{archive_path} is not a ZIP archive.",
                )
            zf = stack.enter_context(open_archive(archive_path))
            opened.append(
                OpenedArchive(archive_path, zf, check_archive(zf, _verify_jws, stream_journal=True))
            )
        opened.sort(key=lambda a: a.gseq_from)
        chain = chain_anomalies(opened)
        merge = Merge(opened)
        records = merge.records(iter(records))

    checkers: list[es256.ParallelSignatureChecker] = []

    def checker_for(key: Mapping[str, Any]) -> es256.ParallelSignatureChecker:
        checker = es256.make_batch_checker(key)
        checkers.append(checker)
        return checker

    projections = ProjectionCheck(path) if fmt == "sqlite" else None
    observer: Callable[[Core, dict[str, Any] | None], None] | None = (
        projections.observe if projections is not None else None
    )
    if projections is not None and merge is not None:
        observe, merged = projections.observe, merge

        def observe_kept(core: Core, body: dict[str, Any] | None) -> None:
            # note: the projections of purged records were deleted with them
            if merged.observes(core.gseq):
                observe(core, body)

        observer = observe_kept

    try:
        report = verify_records(
            records,
            check_signatures=checker_for(jwk) if jwk is not None else None,
            public_key_kid=jwk_thumbprint(jwk) if jwk is not None else None,
            anchor=anchor,
            signature_checker_for_jwk=checker_for if jwk is None else None,
            body_observer=observer,
        )
        if projections is not None and (extra := projections.finish()):
            report = _with_anomalies(report, extra)
        if merge is not None:
            report = _with_anomalies(report, chain + merge.anomalies)
    finally:
        for checker in checkers:
            checker.close()
        if projections is not None:
            projections.close()
        stack.close()
    if report.ok and report.records == 0:
        raise SourceError(
            f"{path} ne contient aucun enregistrement de journal.",
            f"{path} holds no journal record.",
        )
    if report.ok and not report.signatures_checked:
        raise SourceError(
            "Signatures non vérifiées : le journal n'a pas de genèse (JET 30) portant la clé "
            "publique ; donnez-la avec --key.",
            "Signatures not checked: the journal has no genesis (JET 30) carrying the public "
            "key; give it with --key.",
        )
    # note: with anomalies the report is shown even if signatures could not be checked (it
    # says so); what was found stands either way
    _say(sys.stdout, render_json_text(report, lang) if args.json else render_report(report, lang))
    return EXIT_OK if report.ok else EXIT_ANOMALIES


# ----------------------------------------------------------------------------------- archive


def _verify_jws(jwk: Mapping[str, Any], data: bytes, sig: bytes) -> bool:
    try:
        key = es256.load_public_jwk(jwk)
    except KeyFormatError:
        return False
    return es256.verify(key, data, b64u(sig))


def _run_archive(args: argparse.Namespace, path: Path, lang: str) -> int:
    """Steps 1-6 of nf525.md §6.10 on an archive ZIP (and its predecessor with --previous)."""
    if args.anchor:
        raise SourceError(
            "Une archive porte sa propre ancre (son manifeste) : --anchor ne s'emploie pas ici.",
            "An archive carries its own anchor (its manifest): --anchor does not apply here.",
        )
    with open_archive(path) as zf:
        if not {MANIFEST, JOURNAL} & set(zf.namelist()):
            raise SourceError(
                f"{path} n'est pas une archive caisse : ni {MANIFEST} ni {JOURNAL}.",
                f"{path} is not a caisse archive: neither {MANIFEST} nor {JOURNAL}.",
            )
        found = check_archive(zf, _verify_jws, stream_journal=True)
        chain: list[Anomaly] = []
        if args.previous:
            prev_path = Path(args.previous)
            if detect_format(prev_path) != "zip":
                raise SourceError(
                    f"{prev_path} n'est pas une archive ZIP.", f"{prev_path} is not a ZIP archive."
                )
            with open_archive(prev_path) as prev_zf:
                previous = check_archive(prev_zf, _verify_jws)
            chain = check_chain(found, previous, prev_path)
        jwk: Mapping[str, Any] | None = None
        if args.key:
            jwk = read_jwk_file(Path(args.key))
        elif found.jwk is not None:
            try:
                jwk = es256.public_jwk(es256.load_public_jwk(found.jwk))
            except KeyFormatError:
                jwk = None
        manifest = found.manifest or {}
        gseq_from = manifest.get("gseq_from")
        checker = es256.make_batch_checker(jwk) if jwk is not None else None
        try:
            report = verify_records(
                iter_journal(zf, found),
                check_signatures=checker,
                public_key_kid=jwk_thumbprint(jwk) if jwk is not None else None,
                anchor=found.anchor,
                expect_genesis=gseq_from == 1,
            )
        finally:
            if checker is not None:
                checker.close()
    report = _with_anomalies(report, found.anomalies + chain)
    summary = found.summary() | {"previous_checked": bool(args.previous)}
    if args.json:
        obj = render_json(report, lang) | {"archive": summary}
        _say(sys.stdout, json.dumps(obj, ensure_ascii=False, indent=2))
    else:
        _say(sys.stdout, _archive_header(summary, lang) + render_report(report, lang))
    return EXIT_OK if report.ok else EXIT_ANOMALIES


def _archive_header(summary: Mapping[str, Any], lang: str) -> str:
    fr = lang != "en"
    colon = " : " if fr else ": "
    period = summary.get("period")
    label = period.get("label") if isinstance(period, dict) else None
    previous = summary.get("previous_manifest_sha256")
    if previous is None:
        chain = "première archive de la caisse" if fr else "the till's first archive"
    elif summary.get("previous_checked"):
        chain = f"{previous} ({'vérifié' if fr else 'checked'})"
    else:
        chain = f"{previous} ({'non vérifié : --previous' if fr else 'not checked: --previous'})"
    lines = [
        "Archive NF525" if fr else "NF525 archive",
        f"{'Identifiant' if fr else 'Id'}{colon}{summary.get('archive_id') or '-'}",
        f"{'Période' if fr else 'Period'}{colon}{label or '-'}"
        f" (gseq {summary.get('gseq_from')}-{summary.get('gseq_to')})",
        f"{'Manifeste' if fr else 'Manifest'}{colon}SHA-256 {summary.get('manifest_sha256')}",
        f"{'Fichiers vérifiés' if fr else 'Files checked'}{colon}{summary.get('files_checked')}",
        f"{'Archive précédente' if fr else 'Previous archive'}{colon}{chain}",
        "",
        "",
    ]
    return "\n".join(lines)


def _with_anomalies(report: Report, extra: list[Anomaly]) -> Report:
    merged = sorted(report.anomalies + extra, key=lambda a: (a.gseq is None, a.gseq or 0))
    return replace(report, anomalies=merged)


# ----------------------------------------------------------------------------------- QR code


def _run_qr(text: str, key_path: str | None, *, as_json: bool, lang: str) -> int:
    if not key_path:
        raise SourceError(
            "Pour vérifier un QR code, donnez la clé publique de la caisse avec --key.",
            "To verify a QR code, give the till's public key with --key.",
        )
    jwk = read_jwk_file(Path(key_path))
    key = es256.load_public_jwk(jwk)
    core_text, _, sig = text.strip().rpartition(",")
    anomalies: list[Anomaly] = []
    try:
        core = parse_core(core_text)
    except CoreGrammarError as exc:
        core = None
        anomalies.append(
            Anomaly(
                None,
                "core.grammar",
                f"Le noyau signé ne respecte pas la grammaire FR1 : {exc}.",
                f"The signed core breaks the FR1 grammar: {exc}.",
                None,
                text.strip(),
            )
        )
    if not es256.verify(key, core_text.encode("utf-8", "surrogatepass"), sig):
        anomalies.append(
            Anomaly(
                None if core is None else core.gseq,
                "sig.invalid",
                "La signature ES256 du noyau ne se vérifie pas avec la clé publique.",
                "The core's ES256 signature does not verify with the public key.",
                None,
                None,
            )
        )
    fr = lang != "en"
    extract = signature_extract(sig) if len(sig) >= 19 else None
    if as_json:
        obj: dict[str, object] = {
            "ok": not anomalies,
            "kid": jwk_thumbprint(jwk),
            "till": None if core is None else core.till,
            "gseq": None if core is None else core.gseq,
            "kind": None if core is None else core.kind,
            "kseq": None if core is None else core.kseq,
            "number": None if core is None else ticket_number(core.till, core.kind, core.kseq),
            "ts_utc": None if core is None else iso_from_ts_token(core.ts),
            "total_cents": None if core is None else core.total_cents,
            "extract": extract,
            "anomalies": [anomaly_to_json(a, lang) for a in anomalies],
        }
        _say(sys.stdout, json.dumps(obj, ensure_ascii=False, indent=2))
    else:
        colon = " : " if fr else ": "
        lines = [
            "Vérification d'un ticket (QR code)" if fr else "Ticket verification (QR code)",
            "",
        ]
        if core is not None:
            when = iso_from_ts_token(core.ts).replace("T", " ").replace("Z", " UTC")
            lines += [
                f"{'Caisse' if fr else 'Till'}{colon}{core.till}",
                f"gseq{colon}{core.gseq}",
                f"{'Type' if fr else 'Kind'}{colon}{core.kind}",
                f"kseq{colon}{core.kseq} ({ticket_number(core.till, core.kind, core.kseq)})",
                f"Date{colon}{when}",
                f"{'Total TTC' if fr else 'Total incl. VAT'}{colon}"
                f"{format_cents(core.total_cents, lang)}",
            ]
        lines += [
            f"{'Extrait de signature' if fr else 'Signature extract'}{colon}{extract or '-'}",
            f"{'Clé publique (kid)' if fr else 'Public key (kid)'}{colon}{jwk_thumbprint(jwk)}",
            "",
        ]
        if anomalies:
            lines.append(
                f"Résultat : {len(anomalies)} anomalie(s)."
                if fr
                else f"Result: {len(anomalies)} anomaly(ies)."
            )
            lines.extend(anomaly_lines(anomalies, lang))
        else:
            lines.append(
                "Résultat : signature valide, ticket authentique."
                if fr
                else "Result: valid signature, authentic ticket."
            )
        _say(sys.stdout, "\n".join(lines))
    return EXIT_ANOMALIES if anomalies else EXIT_OK
