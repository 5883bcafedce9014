"""Signed archives of closed periods (nf525.md §3.8, §6.10, R35-R36).

`ArchiveService.export` writes one ZIP for a closed month (its M exists) or fiscal year (its Y
exists): the journal records of the period's gseq range as JSON lines, readable CSV views with
their schemas, a French LISEZMOI.txt and the canonical manifest with its detached JWS, signed
by the till key (the layout is `caisse_verif.archive`'s). Once the file is complete on disk
(temporary name, fsync, rename), the archive is recorded in one transaction as an A record,
the JET 130 event and a row of the archives projection. Each manifest names the previous
archive's manifest hash, so archives form a chain.

The gseq range of a period runs from the record after the previous closure of the same level
(M for a month, Y for a fiscal year; gseq 1 for the first) to the closure itself, so that
consecutive monthly archives cover the journal without gap or overlap; the A and JET 130
records of an archive fall into the next period's range.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date
from itertools import islice
from pathlib import Path
from typing import Any, Final

from caisse.domain.closures import FiscalYearStart, Period, fiscal_year_period, month_period
from caisse.domain.errors import IntegrityError, InvalidInput, Refused
from caisse.services.context import TillContext
from caisse.services.jet import Jet
from caisse.services.journal_writer import AppendContext, Draft
from caisse.services.operators import OperatorSession
from caisse.services.ports import ArchiveRecord, ClosureRecord, JournalEntry, TillIdentity
from caisse_verif.archive import (
    FORMAT,
    FORMAT_VERSION,
    JOURNAL,
    MANIFEST,
    MANIFEST_JWS,
    README,
    compact_detached,
    jws_header,
    jws_signing_input,
)
from caisse_verif.canonical import canonical_json
from caisse_verif.record import signature_extract

logger = logging.getLogger(__name__)

CHUNK: Final = 5000
"""Records read per transaction: the write lock is never held for a whole period."""

_PERIOD_RE: Final = re.compile(r"(?P<y>[0-9]{4})(?:-(?P<m>[0-9]{2}))?")

# (name, type, description) of each CSV view's columns
VIEW_COLUMNS: Final[dict[str, tuple[tuple[str, str, str], ...]]] = {
    "tickets": (
        ("gseq", "integer", "rang dans le journal"),
        ("kind", "string", "T ticket, F facture, X ticket école"),
        ("number", "string", "numéro du ticket ou de la facture"),
        ("op", "string", "SALE, REFUND ou CANCEL"),
        ("ts_utc", "string", "horodatage UTC"),
        ("business_date", "string", "date commerciale (AAAA-MM-JJ)"),
        ("operator_id", "string", "identifiant de l'opérateur"),
        ("operator_name", "string", "nom de l'opérateur"),
        ("total_ht_cents", "integer", "total HT en centimes"),
        ("total_ttc_cents", "integer", "total TTC en centimes"),
        ("change_cents", "integer", "monnaie rendue en centimes"),
        ("refers_to_gseq", "integer", "ticket d'origine d'un remboursement ou d'une annulation"),
        ("gt_before", "integer", "grand total perpétuel avant"),
        ("gt_after", "integer", "grand total perpétuel après"),
        ("gt_abs_after", "integer", "grand total perpétuel absolu après"),
        ("training", "boolean", "mode école"),
        ("token_sha256", "string", "empreinte du jeton signé (base64url)"),
    ),
    "lines": (
        ("gseq", "integer", "rang du ticket dans le journal"),
        ("number", "string", "numéro du ticket"),
        ("n", "integer", "numéro de ligne"),
        ("sku", "string", "référence article"),
        ("label", "string", "libellé"),
        ("qty_milli", "integer", "quantité en millièmes"),
        ("unit_ttc_cents", "integer", "prix unitaire TTC en centimes"),
        ("unit_ht_cents", "integer", "prix unitaire HT en centimes"),
        ("vat_bp", "integer", "taux de TVA en points de base (2000 = 20 %)"),
        ("line_ht_cents", "integer", "montant HT de la ligne en centimes"),
        ("line_ttc_cents", "integer", "montant TTC de la ligne en centimes"),
        ("discount_cents", "integer", "remise en centimes"),
    ),
    "payments": (
        ("gseq", "integer", "rang de l'enregistrement dans le journal"),
        ("kind", "string", "T, F, X ticket ou P opération de caisse"),
        ("number", "string", "numéro de l'enregistrement"),
        ("n", "integer", "rang du règlement"),
        ("method", "string", "moyen de paiement"),
        ("amount_cents", "integer", "montant en centimes"),
        ("currency", "string", "devise"),
    ),
    "vat": (
        ("gseq", "integer", "rang du ticket dans le journal"),
        ("number", "string", "numéro du ticket"),
        ("rate_bp", "integer", "taux de TVA en points de base"),
        ("ht_cents", "integer", "base HT en centimes"),
        ("tva_cents", "integer", "TVA en centimes"),
        ("ttc_cents", "integer", "TTC en centimes"),
    ),
    "closures": (
        ("gseq", "integer", "rang de la clôture dans le journal"),
        ("kind", "string", "Z jour, M mois, Y exercice"),
        ("kseq", "integer", "numéro d'ordre de la clôture de ce type"),
        ("number", "string", "numéro de la clôture"),
        ("period_from", "string", "premier jour de la période"),
        ("period_to", "string", "dernier jour de la période"),
        ("trigger", "string", "manual ou automatic"),
        ("gt_period", "integer", "total de la période en centimes"),
        ("gt_perpetual", "integer", "grand total perpétuel en centimes"),
        ("gt_perpetual_abs", "integer", "grand total perpétuel absolu en centimes"),
        ("token_sha256", "string", "empreinte du jeton signé (base64url)"),
    ),
    "jet": (
        ("gseq", "integer", "rang de l'événement dans le journal"),
        ("kseq", "integer", "numéro d'ordre de l'événement"),
        ("ts_utc", "string", "horodatage UTC"),
        ("code", "integer", "code de l'événement (nf525.md §6.6)"),
        ("label", "string", "libellé"),
        ("operator_id", "string", "identifiant de l'opérateur"),
        ("related_gseq", "integer", "enregistrement concerné"),
        ("detail", "json", "détail (JSON canonique)"),
    ),
    "duplicates": (
        ("gseq", "integer", "rang du duplicata dans le journal"),
        ("number", "string", "numéro du duplicata"),
        ("original_gseq", "integer", "rang de l'original"),
        ("original_number", "string", "numéro de l'original"),
        ("copy_no", "integer", "numéro de copie"),
        ("reason", "string", "motif"),
        ("channel", "string", "papier ou électronique"),
        ("operator_id", "string", "identifiant de l'opérateur"),
    ),
}

VIEW_TITLES: Final = {
    "tickets": "Tickets, factures et tickets école (un par ligne)",
    "lines": "Lignes des tickets",
    "payments": "Règlements des tickets et des opérations de caisse",
    "vat": "Ventilation de la TVA par ticket et par taux",
    "closures": "Clôtures journalières (Z), mensuelles (M) et annuelles (Y)",
    "jet": "Journal des événements techniques (JET)",
    "duplicates": "Duplicatas",
}


class PeriodNotClosed(Refused):
    def __init__(self, label: str) -> None:
        super().__init__(
            f"La période {label} n'est pas clôturée : seule une période clôturée (mois ou "
            "exercice) peut être archivée, et rien n'a été écrit.",
            f"The period {label} is not closed: only a closed period (month or fiscal year) "
            "can be archived, and nothing was written.",
        )


@dataclass(frozen=True, slots=True)
class ArchiveResult:
    """What was written: the file, its manifest hash and the A record."""

    archive_id: str
    period: str
    path: Path
    gseq_from: int
    gseq_to: int
    records: int
    files: int
    manifest_sha256: str
    previous_manifest_sha256: str | None
    gseq: int
    extract: str

    def as_json(self) -> dict[str, Any]:
        return {
            "archive_id": self.archive_id,
            "period": self.period,
            "out": str(self.path),
            "gseq_from": self.gseq_from,
            "gseq_to": self.gseq_to,
            "records": self.records,
            "files": self.files,
            "manifest_sha256": self.manifest_sha256,
            "previous_manifest_sha256": self.previous_manifest_sha256,
            "a_gseq": self.gseq,
            "signature_extract": self.extract,
        }


@dataclass(frozen=True, slots=True)
class _Plan:
    period: Period
    label: str
    closure: ClosureRecord
    gseq_from: int
    till: TillIdentity
    kseq: int
    previous: ArchiveRecord | None


class _File:
    """A file of the archive being written to a scratch directory, hashed as it goes."""

    def __init__(self, directory: Path, name: str) -> None:
        self.name = name
        self.path = directory / name
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("wb")
        self._sha = hashlib.sha256()
        self.size = 0

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self._sha.update(data)
        self._fh.write(data)
        self.size += len(data)
        return len(text)

    def close(self) -> dict[str, Any]:
        self._fh.close()
        return {"name": self.name, "sha256": self._sha.hexdigest(), "size": self.size}


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return canonical_json(value).decode("utf-8")
    return value


class _Views:
    """The CSV views, fed record by record."""

    def __init__(self, directory: Path) -> None:
        self.files = {name: _File(directory, f"{name}.csv") for name in VIEW_COLUMNS}
        self.writers = {
            name: csv.writer(f, delimiter=";", lineterminator="\n")
            for name, f in self.files.items()
        }
        for name, columns in VIEW_COLUMNS.items():
            self.writers[name].writerow([c[0] for c in columns])

    def row(self, view: str, *values: Any) -> None:
        self.writers[view].writerow([_cell(v) for v in values])

    def add(self, e: JournalEntry, body: Mapping[str, Any]) -> None:
        kind = e.kind
        get = body.get
        if kind in "TFX":
            number = get("ticket_no") or get("invoice_no")
            op = get("operator") or {}
            refers = get("refers_to") or {}
            self.row(
                "tickets",
                e.gseq,
                kind,
                number,
                get("op"),
                get("ts_utc"),
                get("business_date"),
                op.get("id"),
                op.get("name"),
                get("total_ht_cents"),
                get("total_ttc_cents"),
                get("change_cents"),
                refers.get("gseq"),
                get("gt_before"),
                get("gt_after"),
                get("gt_abs_after"),
                bool(get("training")),
                e.token_sha256,
            )
            for line in get("lines") or []:
                self.row(
                    "lines",
                    e.gseq,
                    number,
                    *(
                        line.get(c)
                        for c in (
                            "n",
                            "sku",
                            "label",
                            "qty_milli",
                            "unit_ttc_cents",
                            "unit_ht_cents",
                            "vat_bp",
                            "line_ht_cents",
                            "line_ttc_cents",
                            "discount_cents",
                        )
                    ),
                )
            for v in get("vat") or []:
                self.row(
                    "vat", e.gseq, number, v.get("rate_bp"), v.get("ht"), v.get("tva"), v.get("ttc")
                )
            self._payments(e, number, body)
        elif kind == "P":
            self._payments(e, get("number"), body)
        elif kind in "ZMY":
            period = get("period") or {}
            gt = get("gt") or {}
            self.row(
                "closures",
                e.gseq,
                kind,
                e.kseq,
                get("number"),
                period.get("from"),
                period.get("to"),
                get("trigger"),
                gt.get("period"),
                gt.get("perpetual"),
                gt.get("perpetual_abs"),
                e.token_sha256,
            )
        elif kind == "J":
            op = get("operator") or {}
            self.row(
                "jet",
                e.gseq,
                e.kseq,
                get("ts_utc"),
                get("code"),
                get("label"),
                op.get("id"),
                get("related_gseq"),
                get("detail"),
            )
        elif kind == "D":
            original = get("original") or {}
            op = get("operator") or {}
            self.row(
                "duplicates",
                e.gseq,
                get("ticket_no"),
                original.get("gseq"),
                original.get("number"),
                get("copy_no"),
                get("reason"),
                get("channel"),
                op.get("id"),
            )

    def _payments(self, e: JournalEntry, number: Any, body: Mapping[str, Any]) -> None:
        for n, p in enumerate(body.get("payments") or [], start=1):
            self.row(
                "payments",
                e.gseq,
                e.kind,
                number,
                n,
                p.get("method"),
                p.get("amount_cents"),
                p.get("currency", "EUR"),
            )

    def close(self) -> list[dict[str, Any]]:
        return [f.close() for f in self.files.values()]


def _schema(name: str) -> bytes:
    return canonical_json(
        {
            "view": name,
            "title": VIEW_TITLES[name],
            "file": f"{name}.csv",
            "encoding": "UTF-8",
            "delimiter": ";",
            "header": True,
            "empty": "valeur absente",
            "columns": [{"name": c, "type": t, "description": d} for c, t, d in VIEW_COLUMNS[name]],
        }
    )


LISEZMOI: Final = """\
ARCHIVE FISCALE NF525 — caisse {till} — période {period}
=========================================================

Cette archive est une copie figée, signée et horodatée des données fiscales de la caisse
{till} (magasin {store}) pour la période {period} : enregistrements {gseq_from} à {gseq_to} du
journal signé. Elle a été produite le {created_at} (UTC) par {software}.

Contenu
-------
- manifest.json : le manifeste, en JSON canonique (RFC 8785). Il décrit l'entreprise (SIREN,
  SIRET, n° de TVA), la caisse, la période, la plage d'enregistrements (gseq_from, gseq_to),
  le chaînage (first_prev : empreinte du jeton qui précède le premier enregistrement ;
  last_token_sha256 : empreinte du jeton du dernier), les clôtures incluses, les grands
  totaux, la liste des fichiers avec leur empreinte SHA-256 (hexadécimal) et leur taille en
  octets, la clé publique de la caisse (JWK) et son identifiant (kid, empreinte RFC 7638),
  et l'empreinte SHA-256 du manifeste de l'archive précédente (null pour la première).
- manifest.jws : la signature ES256 (ECDSA P-256, SHA-256) du manifeste, au format JWS
  compact à contenu détaché (RFC 7515, annexe F) : BASE64URL(en-tête) + ".." +
  BASE64URL(signature). Le contenu signé est BASE64URL(en-tête) + "." +
  BASE64URL(octets de manifest.json).
- journal.jsonl : une ligne par enregistrement, {{"core": ..., "sig": ..., "body": ...}}.
  « core » est le noyau signé (11 champs séparés par des virgules : FR1, caisse, gseq,
  type, kseq, horodatage UTC, TVA par taux, total TTC, référence, empreinte du corps,
  empreinte du jeton précédent), « sig » sa signature ES256 (R‖S, base64url) et « body »
  le corps exact en JSON canonique. Montants en centimes, quantités en millièmes, taux en
  points de base.
- tickets.csv, lines.csv, payments.csv, vat.csv, closures.csv, jet.csv, duplicates.csv :
  des vues lisibles du journal (UTF-8, séparateur « ; », première ligne = noms de colonnes).
  Le dossier schemas/ décrit chaque colonne et son type. Ces vues sont une commodité : seul
  journal.jsonl fait foi.
- LISEZMOI.txt : ce fichier.

Vérification
------------
Avec l'outil autonome caisse-verif (Python 3 et la bibliothèque « cryptography ») :

    caisse-verif ARCHIVE.zip [--previous ARCHIVE_PRECEDENTE.zip] [--lang fr|en] [--json]

Il contrôle, dans l'ordre :
1. la signature manifest.jws du manifeste avec la clé publique qu'il contient, et que le kid
   est bien l'empreinte RFC 7638 de cette clé (à comparer avec le kid déclaré de la caisse :
   {kid}) ;
2. l'empreinte SHA-256 et la taille de chaque fichier listé ; un fichier absent ou non
   listé est une anomalie ;
3. pour chaque enregistrement de journal.jsonl : la grammaire du noyau, le corps canonique,
   l'empreinte du corps, la signature, le chaînage (prev), les séquences gseq et kseq et
   l'ordre des horodatages ; le dernier enregistrement doit avoir l'empreinte
   last_token_sha256 du manifeste ;
4. les règles de gestion (TVA, lignes, règlements, grand total perpétuel, références) ;
5. les clôtures recalculées (Z depuis les enregistrements, M depuis les Z, Y depuis les M) ;
6. avec --previous, le chaînage des archives : l'empreinte SHA-256 du manifest.json de
   l'archive précédente doit être celle que donne ce manifeste.

Codes de sortie : 0 archive intègre, 1 anomalies (chacune avec son contrôle, la valeur
attendue et la valeur trouvée), 2 fichier inutilisable.

Vérification manuelle possible : « sha256sum » de chaque fichier comparé au manifeste ;
la signature se vérifie avec toute bibliothèque JOSE acceptant un contenu détaché.
"""


def parse_period(text: str, fiscal_start: FiscalYearStart) -> tuple[str, Period]:
    """``YYYY-MM`` (a month) or ``YYYY`` (the fiscal year that starts in that year).

    Raises:
        InvalidInput: neither form.
    """
    match = _PERIOD_RE.fullmatch(text.strip())
    try:
        year = int(match["y"]) if match is not None else 0
        if match is not None and match["m"] is not None:
            return "M", month_period(date(year, int(match["m"]), 1))
        if match is not None:
            return "Y", fiscal_year_period(
                date(year, fiscal_start.month, fiscal_start.day), fiscal_start
            )
    except ValueError:
        pass
    raise InvalidInput(
        f"Période « {text} » invalide : donnez AAAA-MM (un mois) ou AAAA (l'exercice qui "
        "commence cette année-là).",
        f"Invalid period {text!r}: give YYYY-MM (a month) or YYYY (the fiscal year that "
        "starts that year).",
    )


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # note: Windows cannot open a directory; the rename is durable enough there
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class ArchiveService:
    """Exports signed archives of closed periods and records them in the journal."""

    def __init__(self, till: TillContext, *, fiscal_year_start: str = "01-01") -> None:
        self._till = till
        self.fiscal_start = FiscalYearStart.parse(fiscal_year_start)

    def export(
        self, period_text: str, out: Path, session: OperatorSession | None = None
    ) -> ArchiveResult:
        """Write the archive of a closed month or fiscal year to `out`, then record it.

        Raises:
            InvalidInput: a malformed period, or `out` cannot be written.
            PeriodNotClosed: the period has no M (month) or Y (fiscal year) closure.
            SignerUnavailable: the key failed; no file and no record are left behind.
            IntegrityError: a record of the range is missing, or an archive was recorded
                meanwhile.
        """
        plan = self._plan(period_text)
        out = out.resolve()
        if not out.parent.is_dir():
            raise InvalidInput(
                f"Le dossier {out.parent} n'existe pas.",
                f"The directory {out.parent} does not exist.",
            )
        part = out.with_name(out.name + ".part")
        scratch = Path(tempfile.mkdtemp(prefix=".caisse-archive-", dir=out.parent))
        try:
            manifest, files, records = self._write(plan, part, scratch, session)
            part.replace(out)
            _fsync_dir(out.parent)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise InvalidInput(
                f"Impossible d'écrire {out} : {exc.strerror or exc}.",
                f"Cannot write {out}: {exc.strerror or exc}.",
            ) from exc
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        try:
            entry = self._record(plan, manifest, files, out, session)
        except BaseException:
            # note: an archive without its A record must not be mistaken for a recorded one
            out.unlink(missing_ok=True)
            raise
        return ArchiveResult(
            archive_id=manifest["archive_id"],
            period=plan.label,
            path=out,
            gseq_from=plan.gseq_from,
            gseq_to=plan.closure.gseq,
            records=records,
            files=files,
            manifest_sha256=manifest["manifest_sha256"],
            previous_manifest_sha256=manifest["previous_manifest_sha256"],
            gseq=entry.gseq,
            extract=signature_extract(entry.sig),
        )

    # ------------------------------------------------------------------ planning

    def _plan(self, period_text: str) -> _Plan:
        level, period = parse_period(period_text, self.fiscal_start)
        label = period.label if level == "M" else f"{period.start.year} ({period.label})"
        with self._till.uow() as uow:
            till = uow.till.get()
            if till is None:
                raise IntegrityError("an archive needs an activated till")
            closures = uow.closures.since(level, 0)
            found = [c for c in closures if c.period_from == period.start.isoformat()]
            if not found:
                raise PeriodNotClosed(label)
            closure = found[-1]
            before = [c for c in closures if c.gseq < closure.gseq]
            gseq_from = before[-1].gseq + 1 if before else 1
            kseq = uow.journal.last_kseq("A") + 1
            previous = uow.archives.last()
        return _Plan(period, label, closure, gseq_from, till, kseq, previous)

    # ------------------------------------------------------------------ the file

    def _entries(self, start: int, end: int) -> Iterator[JournalEntry]:
        """The records start..end, a chunk per transaction."""
        gseq = start
        while gseq <= end:
            with self._till.uow() as uow:
                chunk = list(islice(uow.journal.iter_from(gseq), min(CHUNK, end - gseq + 1)))
            if not chunk or chunk[0].gseq != gseq:
                raise IntegrityError(f"journal record {gseq} is missing")
            for e in chunk:
                if e.gseq != gseq:
                    raise IntegrityError(f"journal record {gseq} is missing")
                gseq += 1
                yield e

    def _write(
        self, plan: _Plan, part: Path, scratch: Path, session: OperatorSession | None
    ) -> tuple[dict[str, Any], int, int]:
        till, closure = plan.till, plan.closure
        journal = _File(scratch, JOURNAL)
        views = _Views(scratch)
        first: JournalEntry | None = None
        last: JournalEntry | None = None
        included: list[dict[str, Any]] = []
        records = 0
        dumps, loads = json.dumps, json.loads
        for e in self._entries(plan.gseq_from, closure.gseq):
            text = e.body.decode("utf-8")
            journal.write(
                dumps(
                    {"core": e.core, "sig": e.sig, "body": text},
                    ensure_ascii=False,
                    separators=(",", ":"),
                )
                + "\n"
            )
            views.add(e, loads(text))
            if e.kind in "ZMY":
                included.append(
                    {"kind": e.kind, "kseq": e.kseq, "gseq": e.gseq, "token_hash": e.token_sha256}
                )
            first = first or e
            last = e
            records += 1
        if first is None or last is None:
            raise IntegrityError("the period holds no record")
        listing = [journal.close(), *views.close()]
        for name in VIEW_COLUMNS:
            data = _schema(name)
            (scratch / "schemas").mkdir(exist_ok=True)
            (scratch / "schemas" / f"{name}.json").write_bytes(data)
            listing.append(
                {
                    "name": f"schemas/{name}.json",
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                }
            )
        software = self._till.software
        created_at = self._till.clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        readme = LISEZMOI.format(
            till=till.till_id,
            store=till.store_id,
            period=plan.label,
            gseq_from=plan.gseq_from,
            gseq_to=closure.gseq,
            created_at=created_at,
            software=f"{software.name} {software.version}",
            kid=till.kid,
        ).encode("utf-8")
        (scratch / README).write_bytes(readme)
        listing.append(
            {"name": README, "sha256": hashlib.sha256(readme).hexdigest(), "size": len(readme)}
        )
        listing.sort(key=lambda f: str(f["name"]))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "archive_id": f"{till.till_id}-A-{plan.kseq:06d}",
            "software": software.as_body(),
            "cert_ref": software.cert_ref,
            "company": {
                "name": till.company_name,
                "siren": till.siren,
                "siret": till.siret,
                "vat_id": till.vat_id,
                "address": till.address,
            },
            "store": till.store_id,
            "till": till.till_id,
            "period": {
                "type": "month" if plan.period.level == "M" else "fiscal_year",
                "label": plan.label,
                "from": plan.period.start.isoformat(),
                "to": plan.period.end.isoformat(),
            },
            "gseq_from": plan.gseq_from,
            "gseq_to": closure.gseq,
            "records": records,
            "first_prev": first.core.rsplit(",", 1)[1],
            "last_token_sha256": last.token_sha256,
            "closures": included,
            "gt": {
                "period": closure.net_ttc_cents,
                "perpetual": closure.gt,
                "perpetual_abs": closure.gt_abs,
            },
            "files": listing,
            "public_key": {"kid": till.kid, "jwk": dict(till.public_jwk)},
            "previous_manifest_sha256": None
            if plan.previous is None
            else plan.previous.manifest_sha256,
            "created_at": created_at,
            "operator": None if session is None else session.as_body(),
        }
        manifest_bytes = canonical_json(manifest)
        header = jws_header(till.kid, manifest_bytes)
        signature = self._till.signer.sign(jws_signing_input(header, manifest_bytes))
        jws = compact_detached(header, signature).encode("ascii")
        with zipfile.ZipFile(
            part, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6, allowZip64=True
        ) as zf:
            zf.writestr(MANIFEST, manifest_bytes)
            zf.writestr(MANIFEST_JWS, jws)
            for item in listing:
                zf.write(scratch / str(item["name"]), str(item["name"]))
        with part.open("rb+") as fh:
            os.fsync(fh.fileno())
        info = manifest | {"manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest()}
        return info, len(listing) + 2, records

    # ------------------------------------------------------------------ the record

    def _record(
        self,
        plan: _Plan,
        manifest: Mapping[str, Any],
        files: int,
        out: Path,
        session: OperatorSession | None,
    ) -> JournalEntry:
        software = self._till.software
        operator = None if session is None else session.as_body()
        with self._till.uow() as uow:
            last = uow.archives.last()
            if (last is None) != (plan.previous is None) or (
                last is not None and plan.previous is not None and last.gseq != plan.previous.gseq
            ):
                raise IntegrityError("another archive was recorded meanwhile; export again")

            def build(ctx: AppendContext) -> Draft:
                if ctx.kseq != plan.kseq:
                    raise IntegrityError("another archive was recorded meanwhile; export again")
                return Draft(
                    body={
                        "archive_id": manifest["archive_id"],
                        "number": ctx.number,
                        "ts_utc": ctx.ts_utc,
                        "ts_local": ctx.local.isoformat(),
                        "till": ctx.till.till_id,
                        "store": ctx.till.store_id,
                        "period": manifest["period"],
                        "gseq_from": manifest["gseq_from"],
                        "gseq_to": manifest["gseq_to"],
                        "manifest_sha256": manifest["manifest_sha256"],
                        "files": files,
                        "previous_manifest_sha256": manifest["previous_manifest_sha256"],
                        "file_name": out.name,
                        "operator": operator,
                        "software": software.as_body(),
                        "cert_ref": software.cert_ref,
                    },
                    ref=manifest["gseq_to"],
                )

            entry, _ = self._till.append(uow, "A", build)
            jet = self._till.event(
                uow,
                Jet.ARCHIVE,
                {
                    "archive_id": manifest["archive_id"],
                    "period": plan.label,
                    "gseq_from": manifest["gseq_from"],
                    "gseq_to": manifest["gseq_to"],
                    "manifest_sha256": manifest["manifest_sha256"],
                    "file_name": out.name,
                },
                operator=operator,
                related_gseq=entry.gseq,
            )
            uow.archives.add(
                ArchiveRecord(
                    gseq=entry.gseq,
                    archive_id=str(manifest["archive_id"]),
                    period=plan.label,
                    gseq_from=int(manifest["gseq_from"]),
                    gseq_to=int(manifest["gseq_to"]),
                    manifest_sha256=str(manifest["manifest_sha256"]),
                    files=files,
                    file_name=out.name,
                    created_at=str(manifest["created_at"]),
                )
            )
            self._till.commit(uow, jet)
        logger.info("archive %s of %s written to %s", manifest["archive_id"], plan.label, out)
        return entry
