"""The ports the use cases need: storage, signing, time, anchors and output devices.

Adapters live in `caisse.storage`, `caisse.keys` and `caisse.app`; tests use fakes. Members of
the unit of work are read-only properties so that fakes type-check (architecture.md §3.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, Self

from caisse.domain.catalog import Product


class Clock(Protocol):
    """The only source of time; aware, in UTC."""

    def now(self) -> datetime: ...


class Signer(Protocol):
    """Signs record cores with the till key (ES256, raw R‖S in base64url)."""

    @property
    def kid(self) -> str: ...

    def sign(self, data: bytes) -> str:
        """Sign the bytes.

        Raises:
            SignerUnavailable: the key cannot be used; the caller must fail closed.
        """
        ...


@dataclass(frozen=True, slots=True)
class Head:
    """The last record of the chain and the perpetual grand totals after it."""

    gseq: int
    token_sha256: str
    ts: str
    gt: int
    gt_abs: int


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One stored record: the exact bytes that were signed and chained."""

    gseq: int
    kind: str
    kseq: int
    ts: str
    core: str
    sig: str
    body: bytes
    token_sha256: str


class JournalStore(Protocol):
    """The append-only journal and its head."""

    def head(self) -> Head | None: ...

    def last_kseq(self, kind: str) -> int: ...

    def append(self, entry: JournalEntry, *, gt: int, gt_abs: int) -> None:
        """Insert the record and move the head in the current transaction."""
        ...

    def get(self, gseq: int) -> JournalEntry | None: ...

    def iter_from(self, gseq: int) -> Iterator[JournalEntry]: ...

    def count(self) -> int: ...


@dataclass(frozen=True, slots=True)
class OperatorRecord:
    """An operator as stored (the PIN only as its scrypt hash)."""

    id: str
    name: str
    role: str
    pin_hash: str
    failed_attempts: int
    locked_until: datetime | None
    active: bool


class OperatorRepository(Protocol):
    def get(self, operator_id: str) -> OperatorRecord | None: ...

    def add(self, operator: OperatorRecord) -> None: ...

    def list(self) -> list[OperatorRecord]: ...

    def set_lockout(
        self, operator_id: str, failed_attempts: int, locked_until: datetime | None
    ) -> None: ...


class CatalogRepository(Protocol):
    def find(self, code: str) -> Product | None:
        """The active product whose sku, EAN or PLU is `code`."""
        ...

    def upsert_many(self, products: Iterable[Product]) -> int: ...

    def count(self) -> int: ...


@dataclass(frozen=True, slots=True)
class TicketRef:
    """Where a finalised ticket sits in the journal."""

    gseq: int
    kind: str
    ticket_no: str
    op: str


@dataclass(frozen=True, slots=True)
class TicketSummary:
    """A finalised ticket as a list shows it (returns screen: search by date)."""

    gseq: int
    kind: str
    ticket_no: str
    op: str
    ts_utc: str
    operator_id: str
    total_ttc_cents: int


class SalesProjection(Protocol):
    """Sale, line, payment and duplicate tables, rebuilt from journal bodies if need be."""

    def add_ticket(self, gseq: int, kind: str, ticket_no: str, body: Mapping[str, Any]) -> None: ...

    def find_ticket(self, ticket_no: str) -> TicketRef | None: ...

    def returned_qty(self, original_gseq: int) -> dict[int, int]:
        """Quantities (thousandths) already returned per original line number."""
        ...

    def on_date(self, business_date: str, limit: int) -> list[TicketSummary]:
        """The sales and refunds of a business date, newest first."""
        ...

    def add_duplicate(self, gseq: int, original_gseq: int, copy_no: int) -> None: ...

    def last_copy_no(self, original_gseq: int) -> int: ...


class StockLedger(Protocol):
    def add_movements(self, movements: Sequence[tuple[str, int, int | None, str, str]]) -> None:
        """Append (sku, qty_milli, gseq, reason, ts_utc) movements."""
        ...

    def level(self, sku: str) -> int: ...


@dataclass(frozen=True, slots=True)
class TillIdentity:
    """Who the till is, fixed at activation and copied into every body."""

    till_id: str
    store_id: str
    company_name: str
    siren: str
    siret: str
    vat_id: str
    address: str
    kid: str
    public_jwk: Mapping[str, str]
    cert_ref: str
    activated_at: str


class TillRepository(Protocol):
    def get(self) -> TillIdentity | None: ...

    def create(self, identity: TillIdentity) -> None: ...


class AppState(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...


@dataclass(frozen=True, slots=True)
class CashSessionRecord:
    """A cash session as projected: opened by a P OPEN record, closed by its P COUNT."""

    opened_gseq: int
    opened_ts: str
    operator_id: str
    opening_float_cents: int
    closed_gseq: int | None = None
    counted_cash_cents: int | None = None


@dataclass(frozen=True, slots=True)
class CashMovementRecord:
    """A P record as projected (amount signed as the drawer sees it)."""

    gseq: int
    session_gseq: int
    op: str
    amount_cents: int
    reason: str
    business_date: str
    ts_utc: str
    operator_id: str


class CashStore(Protocol):
    """Cash sessions and the P records' projection."""

    def open_session(self) -> CashSessionRecord | None:
        """The session not yet counted, if any (at most one per till)."""
        ...

    def last_closed_session(self) -> CashSessionRecord | None: ...

    def add_session(self, session: CashSessionRecord) -> None: ...

    def close_session(
        self, opened_gseq: int, closed_gseq: int, counted_cash_cents: int
    ) -> None: ...

    def add_movement(self, movement: CashMovementRecord) -> None: ...


@dataclass(frozen=True, slots=True)
class ClosureRecord:
    """A Z, M or Y record as projected: period, range and grand totals after it."""

    gseq: int
    kind: str
    kseq: int
    period_from: str
    period_to: str
    gseq_from: int | None
    gseq_to: int | None
    net_ttc_cents: int
    gt: int
    gt_abs: int
    token_sha256: str


@dataclass(frozen=True, slots=True)
class DatedRecord:
    """A T, X or P record's place and business date (from the projections)."""

    gseq: int
    business_date: str
    ts_utc: str


class ClosureStore(Protocol):
    """The closures' projection, and what the closure calendar asks of the other projections."""

    def add(self, closure: ClosureRecord) -> None: ...

    def last(self, kind: str | None = None) -> ClosureRecord | None:
        """The latest closure of that kind (of any kind when None)."""
        ...

    def since(self, kind: str, after_gseq: int) -> list[ClosureRecord]:
        """Closures of that kind written after `after_gseq`, in order."""
        ...

    def recent(self, limit: int) -> list[ClosureRecord]:
        """The latest closures of every kind, newest first."""
        ...

    def last_dated_after(self, gseq: int) -> DatedRecord | None:
        """The latest T, X or P record after `gseq`."""
        ...

    def first_dated_on(self, business_date: str, after_gseq: int) -> DatedRecord | None:
        """The first T, X or P record of that business date after `after_gseq`."""
        ...


@dataclass(frozen=True, slots=True)
class ArchiveRecord:
    """An A record as projected: which archive, which period and range, its manifest hash."""

    gseq: int
    archive_id: str
    period: str
    gseq_from: int
    gseq_to: int
    manifest_sha256: str
    files: int
    file_name: str
    created_at: str


class ArchiveStore(Protocol):
    """The archives' projection (the chain of manifests)."""

    def add(self, archive: ArchiveRecord) -> None: ...

    def last(self) -> ArchiveRecord | None:
        """The latest archive recorded, if any."""
        ...

    def all(self) -> list[ArchiveRecord]:
        """Every archive recorded, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class OpenTicketRecord:
    """A ticket being built or parked: not fiscal, kept so that it survives a restart.

    `status` is "open" (the ticket on screen) or "parked"; `data` is the sale as JSON text
    (`caisse.domain.open_ticket`); times are ISO 8601 UTC.
    """

    id: str
    status: str
    operator_id: str
    operator_name: str
    created_at: str
    updated_at: str
    parked_at: str | None
    items: int
    total_cents: int
    data: str


class OpenTicketStore(Protocol):
    """Open and parked tickets (one row each)."""

    def get(self, ticket_id: str) -> OpenTicketRecord | None: ...

    def put(self, record: OpenTicketRecord) -> None:
        """Insert or replace the row of `record.id`."""
        ...

    def delete(self, ticket_id: str) -> bool:
        """Remove a row; False when there was none."""
        ...

    def list(self, status: str) -> list[OpenTicketRecord]:
        """The rows of a status, oldest first."""
        ...


class ReceiptEmailQueue(Protocol):
    """Receipts the customer asked for by e-mail, waiting for the mail sender."""

    def add(self, gseq: int, ticket_no: str, address: str, queued_at: str) -> None: ...

    def pending(self) -> list[tuple[int, str, str]]:
        """(gseq, ticket number, address) of the receipts not sent yet, oldest first."""
        ...

    def mark_sent(self, gseq: int, address: str, sent_at: str) -> None:
        """Record that the receipt of `gseq` went to `address`."""
        ...


@dataclass(frozen=True, slots=True)
class PromotionRecord:
    """A promotion as the central server last sent it (`promotions:{store}` scope).

    `valid_from` is inclusive and `valid_until` exclusive, both aware UTC datetimes to the
    second; None leaves that side open. `data` is the whole payload, for the promotion engine.
    """

    promo_id: str
    version: int
    label: str
    valid_from: datetime | None
    valid_until: datetime | None
    data: Mapping[str, Any]

    def active_at(self, moment: datetime) -> bool:
        """Whether `moment` (aware) falls in [valid_from, valid_until)."""
        if self.valid_from is not None and moment < self.valid_from:
            return False
        return self.valid_until is None or moment < self.valid_until


class PromotionStore(Protocol):
    """The promotions pulled from the central server (only the sync agent writes them)."""

    def get(self, promo_id: str) -> PromotionRecord | None: ...

    def list_all(self) -> list[PromotionRecord]:
        """Every promotion kept, by id."""
        ...

    def active_at(self, moment: datetime) -> list[PromotionRecord]:
        """The promotions whose validity contains `moment` (aware), by id."""
        ...


@dataclass(frozen=True, slots=True)
class OpsEventRecord:
    """A non-fiscal operational event of the second sync stream (sync.md §6.1).

    `kind` is one of ``stock.adjust``, ``stock.receipt``, ``stock.count``,
    ``customer.upsert``; `created_at` the till's time (ISO UTC), sent as the event's `at`;
    `payload` the event's data as sent. `sku`/`qty_milli` are its effect on the till's own
    stock (None for a customer).
    """

    event_id: str
    kind: str
    created_at: str
    payload: Mapping[str, Any]
    sku: str | None = None
    qty_milli: int | None = None


class OpsOutbox(Protocol):
    """The events waiting to be pushed; written in the transaction of their change."""

    def add(self, event: OpsEventRecord) -> None:
        """Queue `event` after every event already queued."""
        ...

    def pending(self, limit: int) -> list[OpsEventRecord]:
        """Up to `limit` events not yet acknowledged, oldest first."""
        ...

    def mark_sent(self, event_ids: Sequence[str], sent_at: str) -> None:
        """The server acknowledged these events (stored or already known)."""
        ...

    def pending_count(self) -> int: ...

    def mark_rejected(self, event_id: str, rejected_at: str, reason: str) -> None:
        """The server refused this one event for its content: out of the pending queue."""
        ...

    def rejected(self) -> list[tuple[OpsEventRecord, str]]:
        """The events set aside, oldest first, each with the server's reason."""
        ...


class StockView(Protocol):
    """The stock level the till shows for an article."""

    def shown(self, sku: str) -> int:
        """The level shown for `sku`, in thousandths.

        The server's last level plus the till's own movements it has not acknowledged; the
        till's own ledger when the server never sent a level (a till that does not sync).
        """
        ...


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """A customer file kept at the till (personal data: never in the signed journal)."""

    id: str
    name: str
    email: str | None
    phone: str | None
    notes: str
    marketing_optin: bool
    created_at: str
    updated_at: str


class CustomerStore(Protocol):
    def get(self, customer_id: str) -> CustomerRecord | None: ...

    def put(self, customer: CustomerRecord) -> None:
        """Insert or replace the customer with this id."""
        ...

    def list(self, limit: int) -> list[CustomerRecord]:
        """Customers by name, then id."""
        ...


class PurgeStore(Protocol):
    """Removes purged journal rows and their projections (`caisse.services.purge`)."""

    def delete_records(self, gseqs: Sequence[int]) -> int:
        """Delete those journal rows and every projection row that refers to them."""
        ...


class UnitOfWork(Protocol):
    """One database transaction (BEGIN IMMEDIATE) across every repository."""

    @property
    def journal(self) -> JournalStore: ...

    @property
    def operators(self) -> OperatorRepository: ...

    @property
    def catalog(self) -> CatalogRepository: ...

    @property
    def sales(self) -> SalesProjection: ...

    @property
    def stock(self) -> StockLedger: ...

    @property
    def till(self) -> TillRepository: ...

    @property
    def state(self) -> AppState: ...

    @property
    def cash(self) -> CashStore: ...

    @property
    def closures(self) -> ClosureStore: ...

    @property
    def archives(self) -> ArchiveStore: ...

    @property
    def open_tickets(self) -> OpenTicketStore: ...

    @property
    def receipt_emails(self) -> ReceiptEmailQueue: ...

    @property
    def purge(self) -> PurgeStore: ...

    @property
    def promotions(self) -> PromotionStore: ...

    @property
    def ops(self) -> OpsOutbox: ...

    @property
    def stock_view(self) -> StockView: ...

    @property
    def customers(self) -> CustomerStore: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class JournalListener(Protocol):
    """Told after each durable commit of a record (the sync agent's "push soon" trigger).

    It is called on the committing thread right after the commit: it must only note the fact
    (set an event), never do I/O, so that a sale never waits on the network.
    """

    def journal_committed(self, gseq: int) -> None: ...

    def ops_queued(self) -> None:
        """A non-fiscal event (stock by hand, a count, a customer) was committed."""
        ...


@dataclass(frozen=True, slots=True)
class AnchorValue:
    """The head as last written outside the database."""

    gseq: int
    token_sha256: str


class HeadAnchor(Protocol):
    """A small file outside the database that remembers the head (truncation evidence)."""

    def read(self) -> AnchorValue | None:
        """The anchor, or None when there is none yet.

        Raises:
            AnchorUnreadable: the file exists but cannot be parsed.
        """
        ...

    def write(self, value: AnchorValue) -> None: ...


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the printer port receives after the commit: the record and its body.

    For a duplicate (`copy`, a D record), `original` is the ticket it copies, so that the copy
    can show the original's lines next to its own DUPLICATA mentions.
    """

    entry: JournalEntry
    body: Mapping[str, Any]
    extract: str
    copy: bool
    original: JournalEntry | None = None


class ReceiptPrinter(Protocol):
    """Prints a ticket after the commit; a failure never undoes the sale.

    Raises:
        PrinterFailed: the ticket did not print (paper out, offline...).
    """

    def print_receipt(self, receipt: Receipt) -> None: ...


class CashDrawer(Protocol):
    """Opens the cash drawer (through the printer's kick pulse or a direct port).

    Raises:
        DrawerFailed: the pulse could not be sent.
    """

    def open(self) -> None: ...
