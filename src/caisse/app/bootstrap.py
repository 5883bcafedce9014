"""Composition root: builds the engine, the adapters and the services of one till."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from caisse.app.archive_check import CaisseVerifArchives
from caisse.app.build_info import software_info
from caisse.app.clock import SystemClock
from caisse.app.printing import Printing, build_printing
from caisse.app.settings import Settings
from caisse.app.sync_block import blocking_reason
from caisse.keys.keystore import FileKeyStore
from caisse.keys.verify import signature_checker
from caisse.services.activation import GeneratedKey
from caisse.services.cash import CashService
from caisse.services.catalogue import CatalogueService
from caisse.services.checkout import CheckoutService
from caisse.services.closures import ClosureService
from caisse.services.context import TillContext
from caisse.services.integrity import IntegrityService
from caisse.services.open_tickets import OpenTicketService
from caisse.services.operators import OperatorService
from caisse.services.ports import AnchorValue, Clock, HeadAnchor, ReceiptPrinter, Signer
from caisse.services.purge import PurgeService
from caisse.services.reports import ReportService
from caisse.services.returns import ReturnsService
from caisse.storage.anchor_file import FileHeadAnchor
from caisse.storage.catalogue_index import SqlCatalogueIndex
from caisse.storage.engine import make_engine, upgrade_database
from caisse.storage.uow import SqlUnitOfWorkFactory

logger = logging.getLogger(__name__)


class KeyStoreGenerator:
    """Adapts the file key store to the activation use case's `KeyGenerator` port."""

    def __init__(self, store: FileKeyStore) -> None:
        self._store = store

    def exists(self) -> bool:
        return self._store.exists()

    def generate_key(self, till_id: str) -> GeneratedKey:
        info = self._store.generate(till_id)
        return GeneratedKey(info.kid, info.public_jwk)


class _AnchorForTill:
    """Reads the till id lazily: the anchor file names its till, known after activation."""

    def __init__(self, path: Path, uow: SqlUnitOfWorkFactory) -> None:
        self._path = path
        self._uow = uow
        self._inner: FileHeadAnchor | None = None

    def _file(self) -> FileHeadAnchor:
        if self._inner is None:
            with self._uow() as uow:
                till = uow.till.get()
            self._inner = FileHeadAnchor(self._path, till.till_id if till else "")
        return self._inner

    def read(self) -> AnchorValue | None:
        return self._file().read()

    def write(self, value: AnchorValue) -> None:
        self._file().write(value)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()


@dataclass
class Till:
    """One opened till: its settings, engine and services."""

    settings: Settings
    engine: Engine
    context: TillContext
    keys: FileKeyStore
    checkout: CheckoutService
    operators: OperatorService
    integrity: IntegrityService
    printing: Printing | None = None
    closures: ClosureService = field(kw_only=True)
    cash: CashService = field(kw_only=True)
    open_tickets: OpenTicketService = field(kw_only=True)
    returns: ReturnsService = field(kw_only=True)
    catalogue: CatalogueService = field(kw_only=True)
    catalogue_index: SqlCatalogueIndex = field(kw_only=True)
    reports: ReportService = field(kw_only=True)
    """X and closure reports, their tickets, the sales report (caisse.services.reports)."""
    purge: PurgeService = field(kw_only=True)
    """Purge of verified archives (caisse.services.purge)."""

    def close(self) -> None:
        if self.printing is not None:
            self.printing.close()
        self.catalogue_index.close()
        anchor = self.context.anchor
        if isinstance(anchor, _AnchorForTill):
            anchor.close()
        uow = self.context.uow
        if isinstance(uow, SqlUnitOfWorkFactory):
            uow.close()
        self.engine.dispose()


def _synced_through(uow: SqlUnitOfWorkFactory) -> int | None:
    """The last gseq the central server acknowledged (None: the till is not enrolled)."""
    with uow() as w:
        state = w.sync.state()
    return state.acked_gseq if state.enrolled else None


def configure_logging(data_dir: Path, *, verbose: bool = False) -> Path | None:
    """Log to a rotating file in the data directory (and stderr only when verbose)."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    # note: python-escpos calls logging.basicConfig() when it is imported, which would copy
    # every INFO record to stderr, where the command line promises one sentence at most.
    for handler in list(root.handlers):
        if type(handler) is logging.StreamHandler and handler.stream in (
            sys.stderr,
            sys.__stderr__,
        ):
            root.removeHandler(handler)
    log_path: Path | None = None
    try:
        log_dir = data_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / "caisse.log"
        handler = logging.handlers.RotatingFileHandler(
            log_path, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root.addHandler(handler)
    except OSError:
        log_path = None
    if verbose:
        root.addHandler(logging.StreamHandler())
    return log_path


def open_till(
    settings: Settings,
    *,
    clock: Clock | None = None,
    printer: ReceiptPrinter | None = None,
    anchor: HeadAnchor | None = None,
    signer: Signer | None = None,
    simulators: bool = False,
) -> Till:
    """Open (and migrate) the database of a data directory and wire the services.

    The printer (and its drawer) come from `settings.printer` unless `printer` is injected;
    the default `sim:` only runs with `simulators=True` (`caisse run`), so the command line
    and the tests print nothing unless a real printer is configured.

    Raises:
        DatabaseUnusable: the database cannot be opened or migrated.
        InvalidInput: the configured printer URL is unusable.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_path)
    upgrade_database(engine)
    uow = SqlUnitOfWorkFactory(engine)
    keys = FileKeyStore(settings.data_dir)
    printing = None if printer is not None else build_printing(settings, simulators=simulators)
    if printing is not None:
        printer = printing.receipts
    context = TillContext(
        uow=uow,
        clock=clock or SystemClock(),
        tz=ZoneInfo(settings.timezone),
        anchor=anchor or _AnchorForTill(settings.anchor_path, uow),
        software=software_info(settings.cert_ref),
        signer_loader=keys.load_signer,
        printer=printer,
        drawer=printing.drawer if printing is not None else None,
    )
    if signer is not None:
        context._signer = signer
    checkout = CheckoutService(context, discount_cap_bp=settings.discount_cap_bp)
    integrity = IntegrityService(context, signature_checker(keys))
    closures = ClosureService(
        context,
        fiscal_year_start=settings.fiscal_year_start,
        max_day=timedelta(hours=settings.business_day_max_hours),
    )
    # note: every sale and refund first writes the closures that are due and is refused in a
    # closed period (nf525.md §6.5); cash operations call the same guard themselves.
    checkout.before_record = closures.before_sale
    checkout.guard_in = closures.guard_in
    # note: a till that a sync session found cloned or forked stays blocked at every start,
    # whatever opens it (the Qt till or a command), until it is enrolled again.
    with uow() as w:
        checkout.blocked = blocking_reason(w.sync.state().status)
    catalogue_index = SqlCatalogueIndex(settings.db_path)
    cash = CashService(context, closures)
    return Till(
        settings,
        engine,
        context,
        keys,
        checkout,
        OperatorService(context),
        integrity,
        printing,
        closures=closures,
        cash=cash,
        open_tickets=OpenTicketService(context),
        returns=ReturnsService(context),
        catalogue=CatalogueService(catalogue_index, pictures_dir=settings.data_dir / "pictures"),
        catalogue_index=catalogue_index,
        reports=ReportService(context, closures, cash),
        purge=PurgeService(context, CaisseVerifArchives(), lambda: _synced_through(uow)),
    )
