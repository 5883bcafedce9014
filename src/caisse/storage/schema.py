"""SQLAlchemy row classes of the till database; the alembic migrations mirror them exactly."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# note: explicit names keep alembic's autogenerate comparison stable across SQLAlchemy versions.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# note: SQLite FTS5 indexes (a virtual table and its shadow tables) are created by hand in the
# migrations and have no class here; schema comparisons (`alembic check`, the storage tests)
# must not report them as extra tables.
UNMAPPED_TABLE_PREFIXES = ("products_fts",)


def include_in_schema_check(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic's include_name hook: everything but the hand-made FTS5 tables."""
    if type_ == "table" and name is not None:
        return not name.startswith(UNMAPPED_TABLE_PREFIXES)
    return True


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TillRow(Base):
    """The till's identity, fixed at activation (one row)."""

    __tablename__ = "till"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    till_id: Mapped[str] = mapped_column(String(32))
    store_id: Mapped[str] = mapped_column(String(32))
    company_name: Mapped[str] = mapped_column(Text)
    siren: Mapped[str] = mapped_column(String(9))
    siret: Mapped[str] = mapped_column(String(14))
    vat_id: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(Text)
    kid: Mapped[str] = mapped_column(String(64))
    public_jwk: Mapped[str] = mapped_column(Text)
    cert_ref: Mapped[str] = mapped_column(Text)
    activated_at: Mapped[str] = mapped_column(String(32))
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class JournalRow(Base):
    """The signed, chained NF525 journal: the only source of truth (nf525.md §6.8)."""

    __tablename__ = "journal"
    gseq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(1))
    kseq: Mapped[int] = mapped_column(Integer)
    ts: Mapped[str] = mapped_column(String(16))
    core: Mapped[str] = mapped_column(Text)
    sig: Mapped[str] = mapped_column(String(86))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    token_sha256: Mapped[str] = mapped_column(String(43))
    __table_args__ = (UniqueConstraint("kind", "kseq", name="uq_journal_kind_kseq"),)


class HeadRow(Base):
    """The chain head, updated in the same transaction as every append (one row)."""

    __tablename__ = "head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gseq: Mapped[int] = mapped_column(Integer)
    token_sha256: Mapped[str] = mapped_column(String(43))
    ts: Mapped[str] = mapped_column(String(16))
    gt: Mapped[int] = mapped_column(Integer)
    gt_abs: Mapped[int] = mapped_column(Integer)
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class OperatorRow(Base):
    """A person who may sign in at the till, with a scrypt-hashed PIN."""

    __tablename__ = "operators"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str] = mapped_column(Text)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[str | None] = mapped_column(String(32), nullable=True)
    active: Mapped[int] = mapped_column(Integer, default=1)


class ProductRow(Base):
    """A catalogue article; sales copy its values into the journal body."""

    __tablename__ = "products"
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    ean: Mapped[str | None] = mapped_column(String(14), nullable=True, unique=True)
    plu: Mapped[str | None] = mapped_column(String(8), nullable=True, unique=True)
    label: Mapped[str] = mapped_column(Text)
    price_ttc_cents: Mapped[int] = mapped_column(Integer)
    vat_bp: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(8), default="piece")
    active: Mapped[int] = mapped_column(Integer, default=1)
    # note: a path relative to the data directory's pictures (or absolute); None = no picture.
    picture: Mapped[str | None] = mapped_column(Text, nullable=True)
    # note: the FTS5 index products_fts and its triggers (migration 0004) are not mapped here;
    # migrations/env.py keeps them out of `alembic check`.
    __table_args__ = (Index("ix_products_category_label", "category", "label"),)


class SaleRow(Base):
    """Projection of a T or X record (rebuildable from the journal body)."""

    __tablename__ = "sales"
    gseq: Mapped[int] = mapped_column(
        Integer, ForeignKey("journal.gseq"), primary_key=True, autoincrement=False
    )
    kind: Mapped[str] = mapped_column(String(1))
    ticket_no: Mapped[str] = mapped_column(String(40), unique=True)
    op: Mapped[str] = mapped_column(String(8))
    ts_utc: Mapped[str] = mapped_column(String(20))
    business_date: Mapped[str] = mapped_column(String(10), index=True)
    operator_id: Mapped[str] = mapped_column(String(32))
    total_ttc_cents: Mapped[int] = mapped_column(Integer)
    total_ht_cents: Mapped[int] = mapped_column(Integer)
    refers_gseq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    training: Mapped[int] = mapped_column(Integer, default=0)
    # note: partial, so that a plain sale (no reference) writes no page of it (migration 0006).
    __table_args__ = (
        Index("ix_sales_refers_gseq", "refers_gseq", sqlite_where=text("refers_gseq IS NOT NULL")),
    )


class SaleLineRow(Base):
    """Projection of one line of a T or X body."""

    __tablename__ = "sale_lines"
    sale_gseq: Mapped[int] = mapped_column(Integer, ForeignKey("sales.gseq"))
    n: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(Text)
    qty_milli: Mapped[int] = mapped_column(Integer)
    unit_ttc_cents: Mapped[int] = mapped_column(Integer)
    vat_bp: Mapped[int] = mapped_column(Integer)
    line_ttc_cents: Mapped[int] = mapped_column(Integer)
    line_ht_cents: Mapped[int] = mapped_column(Integer)
    discount_cents: Mapped[int] = mapped_column(Integer)
    # note: WITHOUT ROWID: the rows live in the primary key's B-tree (one page per commit
    # instead of a rowid table plus an index on the same key; migration 0006).
    __table_args__ = (PrimaryKeyConstraint("sale_gseq", "n"), {"sqlite_with_rowid": False})


class SalePaymentRow(Base):
    """Projection of one tender of a T or X body."""

    __tablename__ = "sale_payments"
    sale_gseq: Mapped[int] = mapped_column(Integer, ForeignKey("sales.gseq"))
    n: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int] = mapped_column(Integer)
    __table_args__ = (PrimaryKeyConstraint("sale_gseq", "n"), {"sqlite_with_rowid": False})


class StockMovementRow(Base):
    """A change of stock for one article; sales write negative movements."""

    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    qty_milli: Mapped[int] = mapped_column(Integer)
    gseq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(String(32))
    ts_utc: Mapped[str] = mapped_column(String(20))


class StockLevelRow(Base):
    """The stock of one article: the sum of its movements.

    note: kept by a trigger on `stock_movements` (migration 0006), so that reading a level
    never sums the article's whole history.
    """

    __tablename__ = "stock_levels"
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    qty_milli: Mapped[int] = mapped_column(Integer)
    __table_args__ = ({"sqlite_with_rowid": False},)


class SyncStateRow(Base):
    """What the central server has acknowledged; the journal itself is the outbox (one row)."""

    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    acked_gseq: Mapped[int] = mapped_column(Integer, default=0)
    # note: the columns below came with migration 0007 (the sync agent).
    acked_hash: Mapped[str | None] = mapped_column(String(43), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    store_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    server_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    server_jwk: Mapped[str | None] = mapped_column(Text, nullable=True)
    # None while not enrolled; "active", or why pushing stopped: forked, cloned, defect, revoked
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    last_contact: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class SyncCursorRow(Base):
    """The pull cursor of one scope (sync.md §6.4), stored with the page it follows."""

    __tablename__ = "sync_cursors"
    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class ServerStockRow(Base):
    """A stock level as the server last sent it (its projection, sync.md §3.5)."""

    __tablename__ = "server_stock"
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    qty_milli: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    __table_args__ = ({"sqlite_with_rowid": False},)


class PromotionRow(Base):
    """A promotion of the server's `promotions:{store}` scope, as last pulled (migration 0008).

    `valid_from` (inclusive) and `valid_until` (exclusive) are UTC instants written
    `YYYY-MM-DDTHH:MM:SSZ`, so that text order is time order; None leaves that side open.
    `data` is the item's whole payload (JSON) for the promotion engine to come.
    """

    __tablename__ = "promotions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[str | None] = mapped_column(String(20), nullable=True)
    valid_until: Mapped[str | None] = mapped_column(String(20), nullable=True)
    data: Mapped[str] = mapped_column(Text)
    __table_args__ = ({"sqlite_with_rowid": False},)


class OpsOutboxRow(Base):
    """A non-fiscal operational event waiting for (or past) its push (migration 0009).

    Stock entered by hand, goods receipts, inventory counts and customer records travel in
    the second stream of sync.md §6.1, idempotent by `event_id` (a UUIDv7): the agent pushes
    the rows whose `sent_at` is None in `seq` order and stamps them only once the server has
    acknowledged them. `sku` and `qty_milli` are the event's effect on the till's own stock
    (None for a customer), so that the level shown can add what the server has not seen yet.
    """

    __tablename__ = "ops_outbox"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    sku: Mapped[str | None] = mapped_column(String(64), nullable=True)
    qty_milli: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # set when the server refused this one event for its content (migration 0010): it leaves
    # the pending queue with the server's reason, so the events behind it still go
    rejected_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    rejected_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # note: partial, so that the pending events are found without walking the sent ones.
    __table_args__ = (Index("ix_ops_outbox_pending", "seq", sqlite_where=text("sent_at IS NULL")),)


class CustomerRow(Base):
    """A customer file created or edited at the till (migration 0009).

    Personal data: kept out of the signed journal so that they can be erased on request
    (GDPR); every change also goes to the server as a `customer.upsert` event.
    `marketing_optin` records the customer's consent to be contacted (0 or 1).
    """

    __tablename__ = "customers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    marketing_optin: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    __table_args__ = (Index("ix_customers_name", "name"),)


class AppStateRow(Base):
    """Small named values of the running till (training mode, last version seen, clean stop)."""

    __tablename__ = "app_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DuplicateRow(Base):
    """Projection of a D record: which original it copies and its copy number."""

    __tablename__ = "duplicates"
    gseq: Mapped[int] = mapped_column(
        Integer, ForeignKey("journal.gseq"), primary_key=True, autoincrement=False
    )
    original_gseq: Mapped[int] = mapped_column(Integer, index=True)
    copy_no: Mapped[int] = mapped_column(Integer)


class CashSessionRow(Base):
    """Projection of a cash session: opened by a P OPEN record, closed by a P COUNT record."""

    __tablename__ = "cash_sessions"
    opened_gseq: Mapped[int] = mapped_column(
        Integer, ForeignKey("journal.gseq"), primary_key=True, autoincrement=False
    )
    opened_ts: Mapped[str] = mapped_column(String(20))
    operator_id: Mapped[str] = mapped_column(String(32))
    opening_float_cents: Mapped[int] = mapped_column(Integer)
    closed_gseq: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("journal.gseq"), nullable=True, unique=True
    )
    counted_cash_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CashMovementRow(Base):
    """Projection of a P record: a session's opening, movements and count (signed cents)."""

    __tablename__ = "cash_movements"
    gseq: Mapped[int] = mapped_column(
        Integer, ForeignKey("journal.gseq"), primary_key=True, autoincrement=False
    )
    session_gseq: Mapped[int] = mapped_column(
        Integer, ForeignKey("cash_sessions.opened_gseq"), index=True
    )
    op: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    business_date: Mapped[str] = mapped_column(String(10), index=True)
    ts_utc: Mapped[str] = mapped_column(String(20))
    operator_id: Mapped[str] = mapped_column(String(32))


class ClosureRow(Base):
    """Projection of a Z, M or Y record: its period, range and grand totals."""

    __tablename__ = "closures"
    gseq: Mapped[int] = mapped_column(
        Integer, ForeignKey("journal.gseq"), primary_key=True, autoincrement=False
    )
    kind: Mapped[str] = mapped_column(String(1))
    kseq: Mapped[int] = mapped_column(Integer)
    period_from: Mapped[str] = mapped_column(String(10))
    period_to: Mapped[str] = mapped_column(String(10))
    gseq_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gseq_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    net_ttc_cents: Mapped[int] = mapped_column(Integer)
    gt: Mapped[int] = mapped_column(Integer)
    gt_abs: Mapped[int] = mapped_column(Integer)
    token_sha256: Mapped[str] = mapped_column(String(43))
    __table_args__ = (UniqueConstraint("kind", "kseq", name="uq_closures_kind_kseq"),)


class ArchiveRow(Base):
    """Projection of an A record: a signed archive of a closed period and its manifest hash."""

    __tablename__ = "archives"
    gseq: Mapped[int] = mapped_column(
        Integer, ForeignKey("journal.gseq"), primary_key=True, autoincrement=False
    )
    archive_id: Mapped[str] = mapped_column(String(40), unique=True)
    period: Mapped[str] = mapped_column(String(32))
    gseq_from: Mapped[int] = mapped_column(Integer)
    gseq_to: Mapped[int] = mapped_column(Integer)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    files: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(20))


class OpenTicketRow(Base):
    """A ticket being built or parked (not fiscal: it becomes a record when finalised)."""

    __tablename__ = "open_tickets"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(8), index=True)
    operator_id: Mapped[str] = mapped_column(String(32))
    operator_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    parked_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    items: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)
    __table_args__ = (CheckConstraint("status IN ('open', 'parked')", name="status"),)


class ReceiptEmailRow(Base):
    """A receipt the customer asked for by e-mail, until a mail sender sends it."""

    __tablename__ = "receipt_emails"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gseq: Mapped[int] = mapped_column(Integer, ForeignKey("journal.gseq"))
    ticket_no: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(Text)
    queued_at: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
