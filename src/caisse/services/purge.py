"""Purge of archived records (nf525.md §3.8, §6.10, R38; JET 140).

A purge removes from the till's database the transaction records of a period that a signed
archive holds, once that archive file has been verified with the auditor's code (through the
`ArchiveVerifier` port) and recognised as one this till recorded (its A record names the same
manifest hash). Purges go in order: each starts right after the previous one, so that what
is left is always "the head of the journal purged up to gseq N, the rest whole", which
`caisse-verif --archive` can verify in full.

What stays (never purged): the closures Z, M and Y and the archive records A (cumulative and
summary data, §3.8), the JET events of activation and keys (30, 170, 171, 172), the last
record of each kind in the range (the per-kind counters continue from it), and the cash
records of a session that is not both opened and counted inside the range. Everything else
in the range (T, F, X, P, D, B and other J records) goes, with its projection rows, in one
transaction that ends with the JET 140 record.

Service functions the manager menu calls:
- `PurgeService.check(path)`: what a purge of that archive would do (nothing is written);
- `PurgeService.purge(path, session)`: the purge itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

from caisse.domain.errors import IntegrityError, Refused
from caisse.services.context import TillContext
from caisse.services.jet import Jet
from caisse.services.operators import OperatorSession, Right, require
from caisse.services.ports import UnitOfWork

logger = logging.getLogger(__name__)

PURGED_THROUGH_KEY: Final = "purged_through"
"""app_state: the last gseq of the purged head of the journal ("0" or absent: none)."""
KEPT_KINDS: Final = frozenset("ZMYA")
KEPT_JET_CODES: Final = frozenset({30, 170, 171, 172})


@dataclass(frozen=True, slots=True)
class VerifiedArchive:
    """What the auditor's verifier found in an archive file.

    Attributes:
        anomalies: the check ids of the anomalies found (empty: the archive verifies).
        manifest: the manifest (empty when unreadable).
        manifest_sha256: SHA-256 (hex) of manifest.json.
        kid: the kid of the key that signed it.
    """

    anomalies: tuple[str, ...]
    manifest: Mapping[str, Any]
    manifest_sha256: str | None
    kid: str | None


class ArchiveVerifier(Protocol):
    """Verifies an archive file with the auditor's verifier (steps 1 to 5 of §6.10).

    Raises:
        InvalidInput: the file is missing or is not an archive.
    """

    def verify(self, path: Path) -> VerifiedArchive: ...


class PurgeRefused(Refused):
    """A purge that cannot be done; nothing was deleted."""


@dataclass(frozen=True, slots=True)
class PurgePlan:
    """What a purge of one archive does."""

    archive_id: str
    manifest_sha256: str
    gseq_from: int
    gseq_to: int
    purge: tuple[int, ...]
    kept: int

    def as_json(self) -> dict[str, Any]:
        return {
            "archive_id": self.archive_id,
            "manifest_sha256": self.manifest_sha256,
            "gseq_from": self.gseq_from,
            "gseq_to": self.gseq_to,
            "purged": len(self.purge),
            "kept": self.kept,
        }


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """The purge done, and its JET 140 record."""

    plan: PurgePlan
    jet_gseq: int

    def as_json(self) -> dict[str, Any]:
        return self.plan.as_json() | {"jet_gseq": self.jet_gseq}


def _refused(fr: str, en: str) -> PurgeRefused:
    return PurgeRefused(f"{fr} : rien n'a été supprimé.", f"{en}: nothing was deleted.")


def purged_through(uow: UnitOfWork) -> int:
    """The last gseq of the journal's purged head (0 when nothing was purged)."""
    value = uow.state.get(PURGED_THROUGH_KEY)
    return int(value) if value else 0


class PurgeService:
    """Purges the records of verified archives, oldest first."""

    def __init__(
        self,
        till: TillContext,
        verifier: ArchiveVerifier,
        synced_through: Callable[[], int | None] | None = None,
    ) -> None:
        """Bind the till, the archive verifier and, for an enrolled till, the sync state.

        Args:
            till: the till's context.
            verifier: the auditor's verifier behind the port.
            synced_through: the last gseq the central server acknowledged, or None when the
                till is not enrolled; records the server has not received are never purged.
        """
        self._till = till
        self._verifier = verifier
        self._synced_through = synced_through

    def check(self, path: Path) -> PurgePlan:
        """Verify the archive and plan its purge; nothing is written.

        Raises:
            InvalidInput: not an archive file.
            PurgeRefused: the archive does not verify, is another till's, was not recorded by
                this till, is already purged, is not the next one to purge, or holds records
                the central server has not acknowledged yet (enrolled tills).
        """
        name = path.name
        found = self._verifier.verify(path)
        if found.anomalies:
            raise _refused(
                f"L'archive {name} ne se vérifie pas ({found.anomalies[0]})",
                f"The archive {name} does not verify ({found.anomalies[0]})",
            )
        m = found.manifest
        # note: read before the unit of work (one transaction per connection at a time)
        acked = self._synced_through() if self._synced_through is not None else None
        with self._till.uow() as uow:
            till = uow.till.get()
            if till is None:
                raise IntegrityError("a purge needs an activated till")
            if m.get("till") != till.till_id or found.kid != till.kid:
                raise _refused(
                    f"L'archive {name} est celle d'une autre caisse ({m.get('till')}, clé "
                    f"{str(found.kid)[:8]}…, celle-ci : {till.till_id}, clé {till.kid[:8]}…)",
                    f"The archive {name} belongs to another till ({m.get('till')}, key "
                    f"{str(found.kid)[:8]}…, this one: {till.till_id}, key {till.kid[:8]}…)",
                )
            gseq_from, gseq_to = int(m["gseq_from"]), int(m["gseq_to"])
            done = purged_through(uow)
            if gseq_to <= done:
                raise _refused(
                    f"Les enregistrements de l'archive {name} sont déjà purgés",
                    f"The records of the archive {name} are already purged",
                )
            if gseq_from != done + 1:
                raise _refused(
                    f"L'archive {name} commence au gseq {gseq_from} mais la purge doit "
                    f"reprendre au gseq {done + 1} : purgez d'abord les archives précédentes",
                    f"The archive {name} starts at gseq {gseq_from} but the purge must go on "
                    f"from gseq {done + 1}: purge the earlier archives first",
                )
            if acked is not None and acked < gseq_to:
                raise _refused(
                    f"Le serveur central n'a reçu le journal que jusqu'au gseq {acked}, avant la "
                    f"fin de l'archive {name} (gseq {gseq_to}) : synchronisez d'abord",
                    f"The central server has the journal only up to gseq {acked}, before the "
                    f"end of the archive {name} (gseq {gseq_to}): synchronise first",
                )
            if not self._recorded(uow, gseq_to, str(found.manifest_sha256)):
                raise _refused(
                    f"L'archive {name} n'est pas enregistrée dans le journal de cette caisse",
                    f"The archive {name} is not recorded in this till's journal",
                )
            purge, kept = self._select(uow, gseq_from, gseq_to)
        return PurgePlan(
            str(m.get("archive_id")),
            str(found.manifest_sha256),
            gseq_from,
            gseq_to,
            tuple(purge),
            kept,
        )

    def purge(self, path: Path, session: OperatorSession) -> PurgeResult:
        """Verify the archive, then delete its purgeable records and write JET 140.

        Raises:
            PermissionDenied: the operator may not close periods (right CLOSE: managers and
                admins; an auditor only reads).
            InvalidInput, PurgeRefused: see `check`; nothing is deleted.
        """
        require(session, Right.CLOSE)
        plan = self.check(path)
        with self._till.uow() as uow:
            if purged_through(uow) != plan.gseq_from - 1:
                raise _refused(
                    "Une autre purge a eu lieu entre-temps", "Another purge happened meanwhile"
                )
            deleted = uow.purge.delete_records(plan.purge)
            if deleted != len(plan.purge):
                raise IntegrityError(f"purge deleted {deleted} rows, {len(plan.purge)} planned")
            uow.state.set(PURGED_THROUGH_KEY, str(plan.gseq_to))
            jet = self._till.event(
                uow,
                Jet.PURGE,
                plan.as_json() | {"file_name": path.name},
                operator=session.as_body(),
                related_gseq=plan.gseq_to,
            )
            self._till.commit(uow, jet)
        logger.info("purge of %s: %d records deleted", plan.archive_id, len(plan.purge))
        return PurgeResult(plan, jet.gseq)

    # ------------------------------------------------------------------ planning

    @staticmethod
    def _recorded(uow: UnitOfWork, gseq_to: int, manifest_sha256: str) -> bool:
        """Whether an A record after the range names this manifest hash."""
        for entry in uow.journal.iter_from(gseq_to + 1):
            if entry.kind == "A":
                body = json.loads(entry.body)
                if body.get("manifest_sha256") == manifest_sha256:
                    return bool(body.get("gseq_to") == gseq_to)
        return False

    @staticmethod
    def _select(uow: UnitOfWork, gseq_from: int, gseq_to: int) -> tuple[list[int], int]:
        """(the gseqs to delete, the number kept) in gseq_from..gseq_to."""
        candidates: list[int] = []
        last_of_kind: dict[str, int] = {}
        session_of: dict[int, int] = {}  # P gseq -> its session (the OPEN record's gseq)
        opened: set[int] = set()
        counted: set[int] = set()
        total = 0
        for entry in uow.journal.iter_from(gseq_from):
            if entry.gseq > gseq_to:
                break
            total += 1
            last_of_kind[entry.kind] = entry.gseq
            if entry.kind in KEPT_KINDS:
                continue
            if entry.kind == "J":
                code = json.loads(entry.body).get("code")
                if code in KEPT_JET_CODES:
                    continue
            elif entry.kind == "P":
                body = json.loads(entry.body)
                ref = body.get("session") or {}
                session = int(ref.get("gseq", entry.gseq))
                session_of[entry.gseq] = session
                if body.get("op") == "OPEN":
                    opened.add(entry.gseq)
                elif body.get("op") == "COUNT":
                    counted.add(session)
            candidates.append(entry.gseq)
        if total != gseq_to - gseq_from + 1:
            raise IntegrityError(f"records are missing between gseq {gseq_from} and {gseq_to}")
        keep = set(last_of_kind.values())
        # note: a cash session goes whole or not at all (its rows refer to its OPEN and
        # COUNT records): only sessions opened and counted inside the range, none of whose
        # records is kept for another reason
        whole = (opened & counted) - {session_of[g] for g in keep if g in session_of}
        purge = [
            g
            for g in candidates
            if g not in keep and (g not in session_of or session_of[g] in whole)
        ]
        return purge, total - len(purge)
