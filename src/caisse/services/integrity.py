"""Start-up and stop checks and their technical events (JET 10, 20, 80, 90, 180, 230).

The recent records are verified with the auditor's code and compared with the external head
anchor (nf525.md §6.8 and R15).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from caisse.domain.errors import IntegrityError
from caisse.services.activation import record_fiscal_parameters
from caisse.services.checkout import CheckoutService
from caisse.services.context import TillContext
from caisse.services.errors import NotInitialised
from caisse.services.jet import Jet
from caisse.services.purge import PURGED_THROUGH_KEY
from caisse_verif.checks import Anchor, Anomaly, verify_records
from caisse_verif.record import StoredRecord, ts_token

logger = logging.getLogger(__name__)

SignatureChecker = Callable[[Sequence[tuple[str, str]]], list[bool]]
RECENT_RECORDS = 1000
RUNNING_KEY = "running"
VERSION_KEY = "software_version"


@dataclass
class StartupReport:
    """What the start-up found; `blocked` is the reason sales are refused, if any."""

    anomalies: list[Anomaly] = field(default_factory=list)
    clock_went_back: bool = False
    unclean_stop: bool = False
    version_changed: tuple[str, str] | None = None
    blocked: tuple[str, str] | None = None


class IntegrityService:
    """Checks the journal when the till starts and records the technical events."""

    def __init__(self, till: TillContext, check_signatures: SignatureChecker) -> None:
        self._till = till
        self._check_signatures = check_signatures

    def check_recent(self, last: int = RECENT_RECORDS) -> list[Anomaly]:
        """Verify the last records (and the anchor) with the auditor's verifier code."""
        with self._till.uow() as uow:
            head = uow.journal.head()
            till = uow.till.get()
            if till is None:
                raise NotInitialised
            if head is None:
                return []
            # note: after a purge the head of the journal has gaps (closures kept): check the
            # whole part after the purged range only (caisse-verif --archive checks the rest).
            purged = uow.state.get(PURGED_THROUGH_KEY)
            start = max(1, head.gseq - last + 1, int(purged) + 1 if purged else 1)
            records = [
                StoredRecord(e.core, e.sig, e.body, e.gseq) for e in uow.journal.iter_from(start)
            ]
        try:
            anchor_value = self._till.anchor.read()
        except IntegrityError:
            logger.exception("head anchor unreadable")
            anchor_value = None
            unreadable = True
        else:
            unreadable = False
        anchor = (
            None
            if anchor_value is None
            else Anchor(anchor_value.gseq, anchor_value.token_sha256, till.till_id)
        )
        report = verify_records(
            records,
            check_signatures=self._check_signatures,
            public_key_kid=till.kid,
            anchor=anchor,
            expect_genesis=start == 1,
        )
        anomalies = list(report.anomalies)
        if unreadable:
            anomalies.append(
                Anomaly(
                    None,
                    "anchor.unreadable",
                    "Le fichier d'ancrage de la tête est illisible.",
                    "The head anchor file is unreadable.",
                    None,
                    None,
                )
            )
        return anomalies

    def start(self, checkout: CheckoutService | None = None) -> StartupReport:
        """Run every start-up check and record JET 10 (and 80, 180, 230, 90 as needed)."""
        report = StartupReport()
        software = self._till.software
        with self._till.uow() as uow:
            if uow.till.get() is None:
                raise NotInitialised
            report.unclean_stop = uow.state.get(RUNNING_KEY) == "1"
            previous_version = uow.state.get(VERSION_KEY)
            head = uow.journal.head()
        # note: verify BEFORE writing anything. Every commit moves the head anchor, so a record
        # written first (JET 230, 180) would overwrite the evidence of a truncated tail.
        report.anomalies = self.check_recent()
        if report.anomalies:
            # note: keep the anchor where it is for the whole session, so the defect is still
            # visible at the next start instead of being papered over by new records.
            self._till.anchor_frozen = True
        now_token = ts_token(self._till.clock.now())
        if head is not None and now_token < head.ts:
            report.clock_went_back = True
            self._till.log_event(
                Jet.CLOCK_ANOMALY,
                {"last_record_ts": head.ts, "clock_ts": now_token},
                clamp_clock=True,
            )
            report.blocked = (
                "l'horloge recule par rapport au dernier enregistrement.",
                "the clock is behind the last record.",
            )
        if report.unclean_stop:
            self._till.log_event(
                Jet.CRASH_RECOVERY, {"what": "unclean stop detected at start"}, clamp_clock=True
            )
        if report.anomalies:
            first = report.anomalies[0]
            self._till.log_event(
                Jet.INTEGRITY_DEFECT,
                {
                    "count": len(report.anomalies),
                    "anomalies": [
                        {
                            "gseq": a.gseq,
                            "check": a.check,
                            "expected": a.expected,
                            "found": a.found,
                        }
                        for a in report.anomalies[:20]
                    ],
                },
                related_gseq=first.gseq,
                clamp_clock=True,
            )
            report.blocked = (
                f"défaut d'intégrité du journal ({first.check}, gseq {first.gseq}).",
                f"journal integrity defect ({first.check}, gseq {first.gseq}).",
            )
        record_fiscal_parameters(self._till)
        with self._till.uow() as uow:
            entry = self._till.event(
                uow,
                Jet.APP_START,
                {"version": software.version, "build_sha256": software.build_sha256},
                clamp_clock=True,
            )
            if previous_version is not None and previous_version != software.version:
                report.version_changed = (previous_version, software.version)
                entry = self._till.event(
                    uow,
                    Jet.SOFTWARE_UPDATED,
                    {"from": previous_version, "to": software.version},
                    clamp_clock=True,
                )
            uow.state.set(VERSION_KEY, software.version)
            uow.state.set(RUNNING_KEY, "1")
            self._till.commit(uow, entry)
        if checkout is not None:
            # note: a block set before the start-up (the sync agent found this till cloned
            # or forked) stands until it is lifted by re-enrolment.
            checkout.blocked = report.blocked or checkout.blocked
        return report

    def stop(self) -> None:
        """Record a clean stop (JET 20)."""
        with self._till.uow() as uow:
            entry = self._till.event(uow, Jet.APP_STOP, {}, clamp_clock=True)
            uow.state.set(RUNNING_KEY, "0")
            self._till.commit(uow, entry)
