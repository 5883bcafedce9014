"""The dependencies every use case shares, and the commit-then-anchor step."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from caisse.services.jet import LABELS_FR, Jet
from caisse.services.journal_writer import AppendContext, Draft, SoftwareInfo, append_record
from caisse.services.ports import (
    AnchorValue,
    CashDrawer,
    Clock,
    HeadAnchor,
    JournalEntry,
    JournalListener,
    ReceiptPrinter,
    Signer,
    UnitOfWork,
    UnitOfWorkFactory,
)

logger = logging.getLogger(__name__)


@dataclass
class TillContext:
    """Everything a use case needs, wired once by `caisse.app`.

    The signer is loaded lazily (`signer_loader`) so that commands that never sign (verify,
    export, key show) work even when the key store is locked.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    tz: ZoneInfo
    anchor: HeadAnchor
    software: SoftwareInfo
    signer_loader: Callable[[], Signer]
    printer: ReceiptPrinter | None = None
    drawer: CashDrawer | None = None
    anchor_frozen: bool = False
    _signer: Signer | None = None
    listener: JournalListener | None = None
    """Told of each committed record (the sync agent wakes up to push it)."""

    @property
    def signer(self) -> Signer:
        if self._signer is None:
            self._signer = self.signer_loader()
        return self._signer

    def append(
        self,
        uow: UnitOfWork,
        kind: str,
        build: Callable[[AppendContext], Draft],
        *,
        clamp_clock: bool = False,
    ) -> tuple[JournalEntry, Draft]:
        """Append one record in the open unit of work (see `append_record`)."""
        return append_record(
            uow, self.signer, self.clock, self.tz, kind, build, clamp_clock=clamp_clock
        )

    def commit(self, uow: UnitOfWork, entry: JournalEntry | None) -> None:
        """Commit durably, then move the external head anchor.

        note: the anchor is written after the commit, so after a crash it can only lag the
        database (harmless: the start-up check accepts a head at or beyond the anchor); it
        can never be ahead of a committed head unless rows were removed.
        """
        uow.commit()
        if entry is not None and not self.anchor_frozen:
            self.anchor.write(AnchorValue(entry.gseq, entry.token_sha256))
        if entry is not None and self.listener is not None:
            self.listener.journal_committed(entry.gseq)

    def event(
        self,
        uow: UnitOfWork,
        code: Jet,
        detail: Mapping[str, Any],
        *,
        operator: Mapping[str, str] | None = None,
        related_gseq: int | None = None,
        clamp_clock: bool = False,
    ) -> JournalEntry:
        """Append a JET record (kind J) in the open unit of work."""

        def build(ctx: AppendContext) -> Draft:
            return Draft(
                body={
                    "code": int(code),
                    "label": LABELS_FR[code],
                    "detail": dict(detail),
                    "operator": dict(operator) if operator else None,
                    "related_gseq": related_gseq,
                    "till": ctx.till.till_id,
                    "ts_utc": ctx.ts_utc,
                    "software": self.software.as_body(),
                },
                ref=related_gseq,
            )

        entry, _ = self.append(uow, "J", build, clamp_clock=clamp_clock)
        return entry

    def log_event(
        self,
        code: Jet,
        detail: Mapping[str, Any],
        *,
        operator: Mapping[str, str] | None = None,
        related_gseq: int | None = None,
        clamp_clock: bool = False,
    ) -> JournalEntry:
        """Append and commit a JET record in its own transaction."""
        with self.uow() as uow:
            entry = self.event(
                uow,
                code,
                detail,
                operator=operator,
                related_gseq=related_gseq,
                clamp_clock=clamp_clock,
            )
            self.commit(uow, entry)
        return entry
