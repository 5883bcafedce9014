"""A journal whose head was purged, verified with the archives that hold the purged records.

The rule (nf525.md §3.8, §6.10, R38): a till purges only records that a verified archive
holds, oldest archive first, and never its closures (Z, M, Y) nor its archive records (A).
What the database keeps is therefore "gseq 1..N purged except a few kept records, the rest
whole". Given the archives covering 1..N (``caisse-verif JOURNAL.sqlite --archive A1.zip
--archive A2.zip …``), the verifier:

1. checks each archive like ``caisse-verif ARCHIVE.zip`` does for its manifest, JWS and files
   (steps 1 and 2), and that the archives chain: the first starts at gseq 1, each next one
   names the previous manifest's hash and starts right after it (``archive.chain``);
2. replays the whole journal: the archives' records for 1..N, then the database's records
   after N, as one stream through every check of `caisse_verif.checks` (steps 3 to 5: chain,
   sequences, signatures, business rules, closures recomputed from the records);
3. checks that every record the database kept in 1..N is byte for byte the archive's record
   at that gseq (check id ``purge.mismatch``).

Without the archives, a purged journal (``app_state.purged_through`` > 0) cannot be verified
from genesis: the verifier says so in one sentence (exit 2) rather than reporting the gaps as
a broken chain.
"""

from __future__ import annotations

import itertools
import sqlite3
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from caisse_verif.archive import ArchiveReport, check_chain, iter_journal
from caisse_verif.checks import Anomaly
from caisse_verif.errors import SourceError
from caisse_verif.record import StoredRecord

PURGED_THROUGH_KEY = "purged_through"


def purged_through(conn: sqlite3.Connection) -> int:
    """The till's record of its purged head (0 when none, or when the table is absent)."""
    try:
        row = conn.execute(
            "SELECT value FROM app_state WHERE key = ?", (PURGED_THROUGH_KEY,)
        ).fetchone()
    except sqlite3.Error:
        return 0
    try:
        return int(row[0]) if row and row[0] else 0
    except (TypeError, ValueError):
        return 0


def _anomaly(gseq: int | None, fr: str, en: str, expected: object, found: object) -> Anomaly:
    return Anomaly(
        gseq,
        "purge.mismatch",
        fr,
        en,
        None if expected is None else str(expected),
        None if found is None else str(found),
    )


@dataclass
class OpenedArchive:
    """An archive given with --archive: its path, ZIP and step 1-2 report."""

    path: Path
    zf: zipfile.ZipFile
    report: ArchiveReport

    @property
    def gseq_from(self) -> int:
        value = (self.report.manifest or {}).get("gseq_from")
        return value if type(value) is int else 0

    @property
    def gseq_to(self) -> int:
        value = (self.report.manifest or {}).get("gseq_to")
        return value if type(value) is int else 0


def chain_anomalies(archives: Sequence[OpenedArchive]) -> list[Anomaly]:
    """Step 6 between consecutive archives, and the first one starting at gseq 1.

    Raises:
        SourceError: an archive of another till or key is among them.
    """
    out: list[Anomaly] = []
    for archive in archives:
        out += archive.report.anomalies
    if archives and archives[0].gseq_from != 1:
        out.append(
            Anomaly(
                None,
                "archive.chain",
                f"La première archive ({archives[0].path.name}) ne commence pas au gseq 1 : il "
                "manque les archives des enregistrements purgés avant elle.",
                f"The first archive ({archives[0].path.name}) does not start at gseq 1: the "
                "archives of the records purged before it are missing.",
                "1",
                str(archives[0].gseq_from),
            )
        )
    for previous, current in itertools.pairwise(archives):
        out += check_chain(current.report, previous.report, previous.path)
        if current.gseq_from != previous.gseq_to + 1:
            out.append(
                Anomaly(
                    None,
                    "archive.chain",
                    f"{current.path.name} ne suit pas {previous.path.name} (gseq).",
                    f"{current.path.name} does not follow {previous.path.name} (gseq).",
                    str(previous.gseq_to + 1),
                    str(current.gseq_from),
                )
            )
    return out


@dataclass
class Merge:
    """The archives' records for their ranges, then the database's; see the module doc."""

    archives: Sequence[OpenedArchive]
    anomalies: list[Anomaly] = field(default_factory=list)
    kept: set[int] = field(default_factory=set)
    """gseqs of the purged range that the database still holds (its projections are real)."""
    covered_to: int = 0

    def records(self, database: Iterator[StoredRecord]) -> Iterator[StoredRecord]:
        """One stream: the archived records, then the database's after the last archive."""
        pending: StoredRecord | None = next(database, None)
        for archive in self.archives:
            # note: set before the archive's records are fed, so `observes` knows them
            self.covered_to = max(self.covered_to, archive.gseq_to)
            for record in iter_journal(archive.zf, archive.report):
                gseq = _gseq(record)
                while pending is not None and _gseq(pending) < gseq:
                    self._extra(pending)
                    pending = next(database, None)
                if pending is not None and _gseq(pending) == gseq:
                    self.kept.add(gseq)
                    if (pending.core, pending.sig, pending.body) != (
                        record.core,
                        record.sig,
                        record.body,
                    ):
                        self.anomalies.append(
                            _anomaly(
                                gseq,
                                f"L'enregistrement {gseq} conservé dans la base diffère de "
                                f"celui de l'archive {archive.path.name}.",
                                f"Record {gseq} kept in the database differs from the one "
                                f"in the archive {archive.path.name}.",
                                record.core,
                                pending.core,
                            )
                        )
                    pending = next(database, None)
                yield record
        while pending is not None and _gseq(pending) <= self.covered_to:
            self._extra(pending)
            pending = next(database, None)
        if pending is not None:
            yield pending
        yield from database

    def _extra(self, record: StoredRecord) -> None:
        gseq = _gseq(record)
        self.anomalies.append(
            _anomaly(
                gseq,
                f"La base contient un enregistrement {gseq} que les archives n'ont pas.",
                f"The database holds a record {gseq} that the archives do not have.",
                None,
                record.core,
            )
        )

    def observes(self, gseq: int) -> bool:
        """Whether the database's projections should hold this record."""
        return gseq > self.covered_to or gseq in self.kept


def _gseq(record: StoredRecord) -> int:
    if record.gseq_column is not None:
        return record.gseq_column
    parts = record.core.split(",", 3)
    try:
        return int(parts[2])
    except (IndexError, ValueError):
        return -1


def need_archives(path: Path, through: int) -> SourceError:
    return SourceError(
        f"Le journal {path.name} a été purgé jusqu'au gseq {through} (JET 140) : donnez les "
        "archives qui contiennent les enregistrements purgés avec --archive ARCHIVE.zip.",
        f"The journal {path.name} was purged up to gseq {through} (JET 140): give the "
        "archives that hold the purged records with --archive ARCHIVE.zip.",
    )
