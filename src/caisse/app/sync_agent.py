"""The till's sync agent: one worker thread that pushes the journal and pulls reference data.

It follows sync.md §6.7 and docs/sync-protocol.md:

- **One agent per till**: a file lock in the data directory (`sync.lock`), so that two app
  instances (or the till and ``caisse sync now``) never push at once.
- **Triggers**: a timer, each committed record (the `JournalListener` port of
  `TillContext`: a sale only sets an event, it never waits on the network), the first success
  after a failure (reconnection: the whole backlog goes at once), closures (they are records),
  and a last best-effort session when the till stops.
- **Backoff**: a failed session waits ``min(cap, base · 2^(n-1))`` with equal jitter, so a
  shop's tills do not retry in step after an outage.
- **Push**: the journal is the outbox: contiguous batches from ``acked_gseq + 1``; every ack is
  checked against the local hash at the acknowledged gseq, stored with its hash, and the
  server's signed anchor is recorded as JET 210 (once per session, so that anchoring an anchor
  record never loops).
- **Start-up handshake** before each session: server ahead of the local head → the till was
  restored or cloned: stop selling, ask for re-enrolment; server behind with a matching hash
  → the server was restored: rewind and push again; a hash mismatch → fork: stop.
- **Operational events** (the second stream: stock by hand, counts, customers) go after the
  journal, in batches from the outbox; an event is stamped sent only on the server's answer,
  and a retry after a lost answer is harmless (the server stores each `event_id` once).
- **Pull**: catalogue, store prices, store promotions, users and rights (the signed snapshot
  is kept), stock levels; each page is applied with its cursor in one transaction;
  ``409 reset`` drops the scope and pulls it from 0.
"""

from __future__ import annotations

import json
import logging
import os
import random
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from caisse.app.sync_block import (
    BLOCKING_STATUSES,
    STOP_TEXTS,
    STOPPING_STATUSES,
    stop_reason,
)
from caisse.domain.errors import Refused
from caisse.services.checkout import CheckoutService
from caisse.services.context import TillContext
from caisse.services.device_status import SyncLink, SyncStatus
from caisse.services.jet import Jet
from caisse.services.operators import RIGHTS_SNAPSHOT_KEY
from caisse.storage.sync_store import OutgoingRecord, PulledItem, SyncState
from caisse.storage.uow import SqlUnitOfWorkFactory
from sync import protocol
from sync.client import SyncClient
from sync.errors import ProtocolError, SyncUnavailable
from sync.protocol import Ack, OpsEvent, PullPage, SignedObject, WireRecord

logger = logging.getLogger(__name__)

KEY_FILENAME = "sync-device-key.pem"
LOCK_FILENAME = "sync.lock"
MAX_BATCH_BYTES = 900_000
"""Stay under the server's 1 MiB body limit (base64 bodies grow by a third)."""
OPS_BATCH = 200
"""Operational events per push: each is under 8 KiB of data, so 200 stay under 1 MiB."""


class NotEnrolled(Refused):
    def __init__(self) -> None:
        super().__init__(
            "Cette caisse n'est pas enregistrée auprès d'un serveur central : lancez "
            "« caisse sync enroll --server URL --code CODE ».",
            "This till is not registered with a central server: run "
            "'caisse sync enroll --server URL --code CODE'.",
        )


class SyncStopped(Refused):
    """Pushing stopped for good (fork, clone, defect, revocation) until re-enrolment."""


class SyncBusy(Refused):
    def __init__(self) -> None:
        super().__init__(
            "Une autre instance de la caisse synchronise déjà ce dossier : réessayez plus tard.",
            "Another instance of the till is already syncing this data directory: try later.",
        )


# ---------------------------------------------------------------------------- the device key


def key_path(data_dir: Path) -> Path:
    return data_dir / KEY_FILENAME


def save_device_key(data_dir: Path, key: ec.EllipticCurvePrivateKey) -> None:
    """Write the device key (PKCS#8 PEM, 0600), replacing the old one atomically.

    note: unlike the journal key it is not encrypted: it only authenticates requests, the
    server can revoke it, and a re-enrolment replaces it.
    """
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = data_dir / (KEY_FILENAME + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    tmp.replace(key_path(data_dir))


def load_device_key(data_dir: Path) -> ec.EllipticCurvePrivateKey:
    """Read the device key.

    Raises:
        NotEnrolled: there is no usable key file.
    """
    try:
        key = serialization.load_pem_private_key(key_path(data_dir).read_bytes(), None)
    except (OSError, ValueError) as exc:
        raise NotEnrolled from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise NotEnrolled
    return key


# ---------------------------------------------------------------------------- the file lock


class DataDirLock:
    """An exclusive, non-blocking lock on ``sync.lock`` in the data directory.

    The operating system releases it when the process dies, so a crash never leaves the till
    unable to sync.
    """

    def __init__(self, data_dir: Path) -> None:
        self._path = data_dir / LOCK_FILENAME
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        if self._file is not None:
            return True
        handle = self._path.open("a+b")
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is None:
            return
        handle, self._file = self._file, None
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()

    @property
    def held(self) -> bool:
        return self._file is not None


# ---------------------------------------------------------------------------- sessions


@dataclass
class SyncReport:
    """What one session did (``caisse sync now --json`` prints it)."""

    acked_gseq: int = 0
    head_gseq: int = 0
    accepted: int = 0
    duplicates: int = 0
    anchors: int = 0
    rewound_from: int | None = None
    pulled: dict[str, int] = field(default_factory=dict)
    flags: list[dict[str, Any]] = field(default_factory=list)
    ops_accepted: int = 0
    ops_duplicates: int = 0
    ops_pending: int = 0
    ops_rejected: int = 0
    """Events the server refused for their content this session, set aside (migration 0010)."""

    @property
    def pending(self) -> int:
        return max(0, self.head_gseq - self.acked_gseq)

    def as_json(self) -> dict[str, Any]:
        return {
            "acked_gseq": self.acked_gseq,
            "head_gseq": self.head_gseq,
            "pending": self.pending,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "anchors": self.anchors,
            "rewound_from": self.rewound_from,
            "pulled": self.pulled,
            "flags": self.flags,
            "ops": {
                "accepted": self.ops_accepted,
                "duplicates": self.ops_duplicates,
                "pending": self.ops_pending,
                "rejected": self.ops_rejected,
            },
        }


def _is_anchor_record(record: OutgoingRecord) -> bool:
    if record.kind != "J":
        return False
    try:
        return int(json.loads(record.body).get("code", 0)) == int(Jet.ANCHOR_ACK)
    except (ValueError, TypeError, AttributeError):
        return False


def _utc_now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SyncAgent:
    """Pushes and pulls for one till; `start` runs it on its own thread.

    Args:
        context: the till's services context (JET 210 records go through it).
        uow: the till's unit-of-work factory (one connection per thread).
        data_dir: the till's data directory (device key and lock file).
        checkout: the sale service to block when the till turns out cloned or forked.
        transport: an httpx transport (tests pass one through the fault proxy).
        timeout: seconds per request.
        interval_s: the timer between sessions when online.
        batch_size: records per push (halved on 413).
        ops_batch: operational events per push (halved on 413).
        pull_limit: items per pulled page.
        backoff_base_s, backoff_cap_s: the retry delays after a failed session.
        rng: the jitter's random source (seeded in tests).
        wall: the client's clock, Unix seconds (skewed in tests).
    """

    def __init__(
        self,
        context: TillContext,
        uow: SqlUnitOfWorkFactory,
        data_dir: Path,
        *,
        checkout: CheckoutService | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        interval_s: float = 30.0,
        batch_size: int = protocol.MAX_BATCH_RECORDS,
        pull_limit: int = protocol.DEFAULT_PULL_LIMIT,
        ops_batch: int = OPS_BATCH,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 300.0,
        rng: random.Random | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._context = context
        self._uow = uow
        self._data_dir = data_dir
        self._checkout = checkout
        self._transport = transport
        self._timeout = timeout
        self.interval_s = interval_s
        self._batch_size = max(1, min(batch_size, protocol.MAX_BATCH_RECORDS))
        self._ops_batch = max(1, min(ops_batch, protocol.MAX_OPS_EVENTS))
        self._pull_limit = pull_limit
        self._backoff_base = backoff_base_s
        self._backoff_cap = backoff_cap_s
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._wall = wall
        self._lock = DataDirLock(data_dir)
        self._session_lock = threading.Lock()
        self._client: SyncClient | None = None
        self._offset_s = 0.0
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.failures = 0
        self.sessions = 0
        self.offline_jet_after_s = 300.0
        """JET 120 (offline) is written once the link has been down this long."""
        self._offline_since_mono: float | None = None
        self._offline_logged = False
        # what the status bar reads, without I/O
        self._online: bool | None = None
        self._last_ok: datetime | None = None
        self._head = 0
        self._acked = 0
        self._enrolled = False
        with self._uow() as w:
            state = w.sync.state()
            self._head = w.sync.head_gseq()
        self._acked = state.acked_gseq
        self._enrolled = state.enrolled
        if state.last_contact:
            self._last_ok = _parse_iso(state.last_contact)
        self._stopped = state.status in STOPPING_STATUSES
        self._apply_block(state.status)

    # ------------------------------------------------------------------ ports
    def journal_committed(self, gseq: int) -> None:
        """`JournalListener`: a record was committed; push it soon (no I/O here)."""
        self._head = max(self._head, gseq)
        self._wake.set()

    def ops_queued(self) -> None:
        """`JournalListener`: an operational event was committed; push it soon (no I/O)."""
        self._wake.set()

    def sync_status(self) -> SyncStatus:
        """`SyncStatusSource`: what the status bar shows, from memory only."""
        if not self._enrolled:
            return SyncStatus()
        pending = max(0, self._head - self._acked)
        if self._online and not self._stopped:
            return SyncStatus(SyncLink.ONLINE, None, pending)
        since = None
        if self._last_ok is not None:
            since = self._last_ok.astimezone(self._context.tz).strftime("%d/%m %H:%M")
        return SyncStatus(SyncLink.OFFLINE, since, pending, stopped=self._stopped)

    # ------------------------------------------------------------------ thread
    def start(self) -> bool:
        """Take the data directory's lock and start the worker thread.

        Returns False (and starts nothing) when another process holds the lock.
        """
        if self._thread is not None:
            return True
        if not self._lock.acquire():
            logger.warning("another instance syncs %s: this one will not", self._data_dir)
            return False
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="caisse-sync", daemon=True)
        self._thread.start()
        return True

    def stop(self, *, final_session: bool = True, timeout: float = 10.0) -> None:
        """Stop the thread (after one last best-effort session when asked) and free the lock."""
        thread = self._thread
        if thread is not None:
            self._final = final_session
            self._stopping.set()
            self._wake.set()
            thread.join(timeout)
            self._thread = None
        self._lock.release()
        if self._client is not None:
            self._client.close()
            self._client = None

    _final = False

    def _run(self) -> None:
        delay = 0.0
        while not self._stopping.is_set():
            if delay > 0:
                self._sleep(delay, wake_early=self.failures == 0)
                if self._stopping.is_set():
                    break
            self._wake.clear()
            delay = self._one_round()
        if self._final and self._enrolled and self.failures == 0:
            self._one_round()

    def _sleep(self, delay: float, *, wake_early: bool) -> None:
        deadline = time.monotonic() + delay
        while not self._stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if self._wake.wait(remaining) and wake_early:
                return
            if not wake_early:
                # note: offline, a sale does not shorten the backoff (no retry storm)
                self._wake.clear()

    def _one_round(self) -> float:
        """One session; returns the delay before the next one."""
        try:
            self.sync_once()
        except SyncUnavailable as exc:
            self.failures += 1
            logger.info("sync failed (%d in a row): %s", self.failures, exc.en)
            self._offline_event()
            return self.backoff(self.failures)
        except (SyncStopped, NotEnrolled) as exc:
            logger.warning("sync stopped: %s", exc.en)
            return self.interval_s * 10
        except Exception:  # the sync loop must survive anything (architecture.md §3.3)
            self.failures += 1
            logger.exception("sync session failed")
            self._offline_event()
            return self.backoff(self.failures)
        self.failures = 0
        self._online_event()
        return self.interval_s

    def _offline_event(self) -> None:
        """JET 120 once the link has been down for `offline_jet_after_s` (nf525.md §6.9)."""
        now = time.monotonic()
        if self._offline_since_mono is None:
            self._offline_since_mono = now
        if self._offline_logged or now - self._offline_since_mono < self.offline_jet_after_s:
            return
        self._offline_logged = True
        last = self._last_ok.strftime("%Y-%m-%dT%H:%M:%SZ") if self._last_ok else None
        self._jet(Jet.OFFLINE_START, {"records_queued": self.pending, "last_contact": last})

    def _online_event(self) -> None:
        """JET 121 at the reconnection that ends a period recorded by JET 120."""
        self._offline_since_mono = None
        if self._offline_logged:
            self._offline_logged = False
            self._jet(Jet.OFFLINE_END, {"records_queued": self.pending})

    def _jet(self, code: Jet, detail: dict[str, Any]) -> None:
        try:
            self._context.log_event(code, detail, clamp_clock=True)
        except Exception:  # note: a JET that cannot be written must not stop the sync loop
            logger.exception("JET %d not recorded", int(code))

    @property
    def pending(self) -> int:
        """Records written and not yet acknowledged, as last known."""
        return max(0, self._head - self._acked)

    def backoff(self, failures: int) -> float:
        """Exponential backoff with equal jitter, capped."""
        delay = min(self._backoff_cap, self._backoff_base * 2.0 ** min(30, max(0, failures - 1)))
        return delay / 2 + self._rng.uniform(0, delay / 2)

    # ------------------------------------------------------------------ one session
    def sync_once(self, *, pull: bool = True) -> SyncReport:
        """Handshake, push everything pending, then pull every scope.

        Raises:
            NotEnrolled: no server configured.
            SyncStopped: fork, clone, chain defect or revocation: nothing is pushed.
            SyncUnavailable: the server could not be reached (retry later).
            ProtocolError: another refusal of the server.
        """
        with self._session_lock:
            self.sessions += 1
            report = SyncReport()
            try:
                client, state = self._client_and_state()
                self._handshake(client, report)
                self._push(client, report)
                self._push_ops(client, report)
                if pull and state.store_id:
                    self._pull(client, state.store_id, report)
            except SyncUnavailable as exc:
                self._online = False
                self._record_error(exc.en)
                raise
            self._online = True
            self._last_ok = datetime.now(UTC)
            with self._uow() as w:
                w.sync.set_contact(_utc_now_iso())
                report.head_gseq = w.sync.head_gseq()
                report.acked_gseq = w.sync.state().acked_gseq
                report.ops_pending = w.ops.pending_count()
                w.commit()
            self._head, self._acked = report.head_gseq, report.acked_gseq
            return report

    def _record_error(self, message: str) -> None:
        try:
            with self._uow() as w:
                w.sync.set_contact(_utc_now_iso(), error=message[:500])
                w.commit()
        except Exception:  # note: a locked database must not hide the network error
            logger.exception("could not record the sync error")

    def _client_and_state(self) -> tuple[SyncClient, SyncState]:
        with self._uow() as w:
            state = w.sync.state()
        self._enrolled = state.enrolled
        if not state.enrolled or state.server_url is None or state.device_id is None:
            raise NotEnrolled
        reason = stop_reason(state.status)
        self._stopped = reason is not None
        if reason is not None:
            self._apply_block(state.status)
            raise SyncStopped(*reason)
        if self._client is None or self._client.device_id != state.device_id:
            if self._client is not None:
                self._client.close()
            self._client = SyncClient(
                state.server_url,
                state.device_id,
                load_device_key(self._data_dir),
                transport=self._transport,
                timeout=self._timeout,
                wall=self._wall,
                offset_s=self._offset_s,
            )
        return self._client, state

    def _apply_block(self, status: str | None) -> None:
        if status in BLOCKING_STATUSES and self._checkout is not None:
            reason = stop_reason(status)
            if reason is not None:
                self._checkout.blocked = reason

    def _stop(self, status: str, detail: str) -> SyncStopped:
        """Persist the stop, block sales when it calls for it; returns the error to raise."""
        fr, en = STOP_TEXTS[status]
        with self._uow() as w:
            w.sync.set_status(status, detail[:500])
            w.commit()
        self._stopped = True
        self._apply_block(status)
        logger.error("sync stopped (%s): %s", status, detail)
        return SyncStopped(fr, en)

    def _handshake(self, client: SyncClient, report: SyncReport) -> None:
        try:
            cursor = client.cursor()
        except ProtocolError as exc:
            raise self._refusal(exc) from exc
        self._offset_s = client.offset_s
        if cursor.status in ("forked", "defect"):
            raise self._stop(cursor.status, f"server status {cursor.status}")
        with self._uow() as w:
            state = w.sync.state()
            head = w.sync.head_gseq()
            local_hash = w.sync.token_at(cursor.acked_gseq) if cursor.acked_gseq else None
        if cursor.acked_gseq > head:
            raise self._stop("cloned", f"server acked {cursor.acked_gseq} > local head {head}")
        if cursor.acked_gseq and local_hash != cursor.acked_hash:
            raise self._stop("forked", f"hash mismatch at gseq {cursor.acked_gseq}")
        if cursor.acked_gseq < state.acked_gseq:
            # note: the server was restored to an older point (sync.md S7): rewind, push again
            report.rewound_from = state.acked_gseq
            logger.warning(
                "server acked %d < local acked %d: rewinding and pushing again",
                cursor.acked_gseq,
                state.acked_gseq,
            )
        if cursor.acked_gseq != state.acked_gseq:
            with self._uow() as w:
                w.sync.set_acked(cursor.acked_gseq, cursor.acked_hash)
                w.commit()
        self._acked = cursor.acked_gseq

    def _refusal(self, exc: ProtocolError) -> Exception:
        if exc.code in ("replay", "replay_window"):
            # note: a request the network delivered twice, or a clock the client already
            # corrected once: the next attempt (new nonce, new offset) is the cure
            return SyncUnavailable(exc.fr, exc.en)
        if exc.code == "fork":
            return self._stop("forked", str(exc))
        if exc.code == "chain":
            return self._stop("defect", str(exc))
        if exc.code == "revoked":
            return self._stop("revoked", str(exc))
        return exc

    def _push(self, client: SyncClient, report: SyncReport) -> None:
        batch_size = self._batch_size
        need_anchor = False
        last_anchor: SignedObject | None = None
        stalled = 0
        server_jwk: dict[str, str] | None = None
        while True:
            with self._uow() as w:
                state = w.sync.state()
                records = w.sync.records_after(state.acked_gseq, batch_size)
            server_jwk = state.server_jwk
            if not records:
                if need_anchor and last_anchor is not None:
                    self._record_anchor(last_anchor)
                    report.anchors += 1
                    need_anchor = False
                    continue
                return
            records = _fit(records)
            try:
                ack = client.push([WireRecord(r.gseq, r.core, r.sig, r.body) for r in records])
            except ProtocolError as exc:
                if exc.code == "too_large" and batch_size > 1:
                    batch_size = max(1, len(records) // 2)
                    continue
                if exc.code == "gap":
                    stalled += 1
                    if stalled > 3:
                        raise
                    self._adopt(exc.extra)
                    continue
                raise self._refusal(exc) from exc
            self._check_ack(ack, records)
            anchor = ack.anchor
            if anchor is not None and server_jwk is not None and not anchor.verify(server_jwk):
                logger.warning("anchor at gseq %d does not verify: not recorded", ack.acked_gseq)
                anchor = None
            with self._uow() as w:
                w.sync.set_acked(ack.acked_gseq, ack.acked_hash)
                w.commit()
            self._acked = ack.acked_gseq
            report.accepted += ack.accepted
            report.duplicates += ack.duplicates
            report.flags.extend(ack.flags)
            if ack.acked_gseq <= state.acked_gseq:
                stalled += 1
                if stalled > 3:
                    raise SyncUnavailable(
                        "Le serveur central n'avance pas dans la réception du journal.",
                        "The central server does not move its cursor forward.",
                    )
            else:
                stalled = 0
            if any(r.gseq <= ack.acked_gseq and not _is_anchor_record(r) for r in records):
                need_anchor = True
            if anchor is not None and anchor.payload.get("gseq") == ack.acked_gseq:
                last_anchor = anchor

    def _push_ops(self, client: SyncClient, report: SyncReport) -> None:
        """Push the outbox of operational events, oldest first, in batches.

        note: the events are stamped sent in a transaction of their own once the server has
        answered; if the answer is lost they stay pending and go again, and the server,
        keyed by `event_id`, counts them as duplicates.
        """
        batch_size = self._ops_batch
        while True:
            with self._uow() as w:
                pending = w.ops.pending(batch_size)
            if not pending:
                return
            events = [OpsEvent(e.event_id, e.kind, e.created_at, dict(e.payload)) for e in pending]
            try:
                ack = client.push_ops(events)
            except ProtocolError as exc:
                if exc.code == "too_large" and batch_size > 1:
                    batch_size = max(1, len(events) // 2)
                    continue
                if exc.code == "bad_payload":
                    # note: the server refuses one event of the batch for its content (an
                    # event type it does not know yet, say). Halving finds it; alone, it is
                    # set aside with the server's reason so that the events behind it, and
                    # the pull that follows, are not blocked forever by it.
                    if len(events) > 1:
                        batch_size = max(1, len(events) // 2)
                        continue
                    self._set_aside(events[0], exc)
                    report.ops_rejected += 1
                    batch_size = self._ops_batch
                    continue
                raise self._refusal(exc) from exc
            if ack.accepted + ack.duplicates != len(events):
                raise SyncUnavailable(
                    "La réponse du serveur central ne correspond pas aux événements envoyés.",
                    f"The server answered for {ack.accepted + ack.duplicates} operational "
                    f"events, not {len(events)}.",
                )
            with self._uow() as w:
                w.ops.mark_sent([e.event_id for e in events], _utc_now_iso())
                w.commit()
            report.ops_accepted += ack.accepted
            report.ops_duplicates += ack.duplicates

    def _set_aside(self, event: OpsEvent, exc: ProtocolError) -> None:
        logger.error(
            "sync: the server refused operational event %s (%s) for its content, set aside: %s",
            event.event_id,
            event.type,
            exc.en,
        )
        with self._uow() as w:
            w.ops.mark_rejected(event.event_id, _utc_now_iso(), exc.en[:500])
            w.commit()

    def _check_ack(self, ack: Ack, records: list[OutgoingRecord]) -> None:
        with self._uow() as w:
            head = w.sync.head_gseq()
            local = w.sync.token_at(ack.acked_gseq) if ack.acked_gseq else None
        if ack.acked_gseq > head:
            raise self._stop("cloned", f"ack {ack.acked_gseq} beyond local head {head}")
        if ack.acked_gseq and local != ack.acked_hash:
            raise self._stop("forked", f"ack hash mismatch at gseq {ack.acked_gseq}")

    def _adopt(self, extra: dict[str, object]) -> None:
        """After a ``409 gap``: take the server's cursor when its hash matches ours."""
        acked = extra.get("acked_gseq")
        acked_hash = extra.get("acked_hash")
        if not isinstance(acked, int):
            return
        with self._uow() as w:
            head = w.sync.head_gseq()
            local = w.sync.token_at(acked) if acked else None
        if acked > head:
            raise self._stop("cloned", f"server acked {acked} > local head {head}")
        if acked and local != acked_hash:
            raise self._stop("forked", f"hash mismatch at gseq {acked}")
        with self._uow() as w:
            w.sync.set_acked(acked, acked_hash if isinstance(acked_hash, str) else None)
            w.commit()

    def _record_anchor(self, anchor: SignedObject) -> None:
        """JET 210 (nf525.md §6.9): the server's signed acknowledgement, kept as evidence."""
        payload = anchor.payload
        detail = {"anchor": payload, "kid": anchor.kid, "sig": anchor.sig}
        gseq = payload.get("gseq")
        self._context.log_event(
            Jet.ANCHOR_ACK,
            detail,
            related_gseq=gseq if isinstance(gseq, int) else None,
            clamp_clock=True,
        )

    # ------------------------------------------------------------------ pull
    def scopes(self, store_id: str) -> list[str]:
        return [
            "catalog",
            f"prices:{store_id}",
            f"promotions:{store_id}",
            f"users:{store_id}",
            f"stock:{store_id}",
        ]

    def _pull(self, client: SyncClient, store_id: str, report: SyncReport) -> None:
        with self._uow() as w:
            server_jwk = w.sync.state().server_jwk
        # note: the next page is requested while this one is applied (one request at a time
        # on the client, from one helper thread), so network and server time overlap with
        # the till's own writes.
        self._end_bulk()  # after a crash in the middle of a bulk load
        with ThreadPoolExecutor(1, thread_name_prefix="caisse-pull") as pool:
            for scope in self.scopes(store_id):
                report.pulled.setdefault(scope, 0)
                try:
                    self._pull_scope(pool, client, scope, server_jwk, report)
                finally:
                    if scope == "catalog":
                        self._end_bulk()

    def _end_bulk(self) -> None:
        with self._uow() as w:
            if w.sync.end_bulk_catalog():
                w.commit()

    def _pull_scope(
        self,
        pool: ThreadPoolExecutor,
        client: SyncClient,
        scope: str,
        server_jwk: dict[str, str] | None,
        report: SyncReport,
    ) -> None:
        resets = 0
        with self._uow() as w:
            since = w.sync.cursor(scope)
        pending: Future[PullPage] = pool.submit(client.pull, scope, since, self._pull_limit)
        while True:
            try:
                page = pending.result()
            except ProtocolError as exc:
                if exc.code == "reset" and resets < 2:
                    resets += 1
                    with self._uow() as w:
                        w.sync.drop_scope(scope)
                        w.commit()
                    since = 0
                    pending = pool.submit(client.pull, scope, since, self._pull_limit)
                    continue
                if exc.code in ("not_found", "forbidden"):
                    logger.warning("scope %s refused: %s", scope, exc)
                    return
                raise
            more = page.has_more and page.next > since
            if more:
                pending = pool.submit(client.pull, scope, page.next, self._pull_limit)
            items = [PulledItem(i.id, i.version, i.deleted, i.data) for i in page.items]
            with self._uow() as w:
                if scope == "catalog" and more and since == 0:
                    w.sync.begin_bulk_catalog()  # a whole catalogue is coming: index at the end
                w.sync.apply(scope, items)
                w.sync.set_cursor(scope, page.next)
                snapshot = page.snapshot
                if snapshot is not None and server_jwk is not None:
                    if snapshot.verify(server_jwk):
                        w.state.set(RIGHTS_SNAPSHOT_KEY, json.dumps(snapshot.to_json()))
                    else:
                        logger.warning("rights snapshot does not verify: ignored")
                w.commit()
            report.pulled[scope] += len(items)
            if not more:
                return
            since = page.next


def _fit(records: list[OutgoingRecord]) -> list[OutgoingRecord]:
    """The longest prefix whose request body stays under `MAX_BATCH_BYTES`."""
    size = 0
    for i, r in enumerate(records):
        size += len(r.core) + len(r.sig) + len(r.body) * 4 // 3 + 64
        if size > MAX_BATCH_BYTES and i > 0:
            return records[:i]
    return records


def _parse_iso(text: str) -> datetime | None:
    try:
        return protocol.parse_utc_iso(text)
    except ValueError:
        return None


# ---------------------------------------------------------------------------- enrolment


@dataclass(frozen=True)
class Enrolment:
    device_id: str
    store_id: str
    server_url: str
    rebased_from: str | None


def enroll(
    context: TillContext,
    uow: SqlUnitOfWorkFactory,
    data_dir: Path,
    server_url: str,
    code: str,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 30.0,
    checkout: CheckoutService | None = None,
) -> Enrolment:
    """Register the till with a central server under a new device id (new key).

    A till that was stopped as cloned, forked or defective records the re-enrolment in its
    journal (JET 150 ``device.rebased`` with the predecessor's device id, acknowledged gseq and
    hash, and the reason) and may sell again.

    Raises:
        ProtocolError: ``bad_code`` and the other refusals.
        SyncUnavailable: the server cannot be reached.
        NotInitialised: the till is not activated.
    """
    from caisse.app.build_info import software_info
    from caisse.services.errors import NotInitialised

    with uow() as w:
        identity = w.till.get()
        previous = w.sync.state()
    if identity is None:
        raise NotInitialised
    key = ec.generate_private_key(ec.SECP256R1())
    url = server_url.rstrip("/")
    with SyncClient(url, "enroll", key, transport=transport, timeout=timeout) as client:
        answer = client.enroll(
            code.strip(),
            till_id=identity.till_id,
            journal_jwk=dict(identity.public_jwk),
            hw_info=f"caisse {software_info('').version}",
        )
    save_device_key(data_dir, key)
    rebased = previous.device_id if previous.status in STOPPING_STATUSES else None
    with uow() as w:
        w.sync.enrol(answer.device_id, answer.store_id, url, answer.server_jwk)
        entry = None
        if rebased is not None:
            entry = context.event(
                w,
                Jet.RESTORE,
                {
                    "what": "device.rebased",
                    "predecessor": previous.device_id,
                    "predecessor_acked_gseq": previous.acked_gseq,
                    "predecessor_acked_hash": previous.acked_hash,
                    "reason": previous.status,
                    "device_id": answer.device_id,
                },
                clamp_clock=True,
            )
        context.commit(w, entry)
    if checkout is not None and rebased is not None and previous.status in BLOCKING_STATUSES:
        checkout.blocked = None
    return Enrolment(answer.device_id, answer.store_id, url, rebased)
