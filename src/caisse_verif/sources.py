"""Inputs of the verifier: a read-only SQLite journal, a JSONL export, head anchors and projections.

SQLite files are opened read-only (``mode=ro``) and read in gseq order with ``fetchmany``, so a
journal of any size streams in bounded memory. The projection check (nf525.md R16) compares the
``sales``, ``sale_lines`` and ``sale_payments`` tables, when they exist, with the T and X bodies,
and the ``cash_movements``, ``cash_sessions`` and ``closures`` tables with the P, Z, M and Y
bodies (check id ``projection.mismatch``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from caisse_verif.checks import Anchor, Anomaly
from caisse_verif.errors import CoreGrammarError, SourceError
from caisse_verif.record import Core, StoredRecord, parse_core, ticket_number

logger = logging.getLogger(__name__)

SourceFormat = Literal["sqlite", "jsonl", "zip"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_ZIP_MAGIC = b"PK\x03\x04"
_FETCH = 1000
ANCHOR_FILE_NAME = "head.anchor"

_SALE_COLUMNS = (
    "kind",
    "ticket_no",
    "op",
    "ts_utc",
    "business_date",
    "operator_id",
    "total_ttc_cents",
    "total_ht_cents",
    "refers_gseq",
    "training",
)
_LINE_COLUMNS = (
    "sku",
    "label",
    "qty_milli",
    "unit_ttc_cents",
    "vat_bp",
    "line_ttc_cents",
    "line_ht_cents",
    "discount_cents",
)
_PAYMENT_COLUMNS = ("method", "amount_cents")
_SALES_SQL = (
    "SELECT gseq, kind, ticket_no, op, ts_utc, business_date, operator_id, total_ttc_cents,"
    " total_ht_cents, refers_gseq, training FROM sales ORDER BY gseq"
)
_LINES_SQL = (
    "SELECT sale_gseq, n, sku, label, qty_milli, unit_ttc_cents, vat_bp, line_ttc_cents,"
    " line_ht_cents, discount_cents FROM sale_lines ORDER BY sale_gseq, n"
)
_PAYMENTS_SQL = "SELECT sale_gseq, n, method, amount_cents FROM sale_payments ORDER BY sale_gseq, n"


def _unreadable(path: Path, why: str) -> SourceError:
    return SourceError(
        f"Le fichier {path} est illisible ({why}).",
        f"The file {path} cannot be read ({why}).",
    )


def detect_format(path: Path) -> SourceFormat:
    """Tell a SQLite journal, a ZIP archive and a JSONL export apart by their first bytes.

    Raises:
        SourceError: the file is missing or unreadable.
    """
    if not path.exists():
        raise SourceError(f"Le fichier {path} n'existe pas.", f"The file {path} does not exist.")
    if not path.is_file():
        raise SourceError(f"{path} n'est pas un fichier.", f"{path} is not a file.")
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise _unreadable(path, exc.strerror or type(exc).__name__) from exc
    if head == _SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(_ZIP_MAGIC) or path.suffix.lower() == ".zip":
        return "zip"
    return "jsonl"


def connect_read_only(path: Path) -> sqlite3.Connection:
    """Open a SQLite file read-only.

    Raises:
        SourceError: the file cannot be opened, is not SQLite, or has no ``journal`` table with
            the columns the verifier reads.
    """
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(journal)")}
    except sqlite3.Error as exc:
        raise _unreadable(path, str(exc)) from exc
    if not {"gseq", "core", "sig", "body"} <= columns:
        conn.close()
        raise SourceError(
            f"Le fichier {path} n'est pas un journal de caisse (table journal absente).",
            f"The file {path} is not a till journal (no journal table).",
        )
    return conn


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return ""


def _blob(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return b""


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def iter_sqlite_records(path: Path, *, fetch_size: int = _FETCH) -> Iterator[StoredRecord]:
    """Yield the journal's records in gseq order, with their index columns.

    Raises:
        SourceError: the file is not a readable journal (raised on first iteration, or later
            if the file turns out to be corrupt).
    """
    conn = connect_read_only(path)
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(journal)")}
        wanted = ["gseq", "core", "sig", "body"] + [
            name for name in ("kind", "kseq", "ts", "token_sha256") if name in columns
        ]
        select = ", ".join(
            name if name in columns else f"NULL AS {name}"
            for name in ("gseq", "core", "sig", "body", "kind", "kseq", "ts", "token_sha256")
        )
        logger.debug("reading columns %s from %s", wanted, path)
        sql = f"SELECT {select} FROM journal ORDER BY gseq"  # noqa: S608 - fixed column names
        cursor = conn.execute(sql)
        while True:
            rows = cursor.fetchmany(fetch_size)
            if not rows:
                break
            for gseq, core, sig, body, kind, kseq, ts, token_col in rows:
                # note: the usual types are tested inline (a call per column cost a tenth of
                # the reading); anything else goes through the converters
                yield StoredRecord(
                    core if type(core) is str else _text(core),
                    sig if type(sig) is str else _text(sig),
                    body if type(body) is bytes else _blob(body),
                    gseq if type(gseq) is int else None,
                    kind if type(kind) is str else _opt_str(kind),
                    kseq if type(kseq) is int else None,
                    ts if type(ts) is str else _opt_str(ts),
                    token_col if type(token_col) is str else _opt_str(token_col),
                )
    except sqlite3.Error as exc:
        raise _unreadable(path, str(exc)) from exc
    finally:
        conn.close()


read_sqlite = iter_sqlite_records
"""Alias of `iter_sqlite_records`."""


def iter_jsonl_records(path: Path) -> Iterator[StoredRecord]:
    """Yield the records of a JSONL export: one ``{"core", "sig", "body"}`` object a line.

    The body is the exact canonical JSON text, as a JSON string; its bytes are that string in
    UTF-8. Blank lines are skipped.

    Raises:
        SourceError: the file is unreadable, or a line is not such an object.
    """
    try:
        handle = path.open("r", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise _unreadable(path, exc.strerror or type(exc).__name__) from exc
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                yield _jsonl_record(path, number, line)
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"Le fichier {path} n'est pas un export JSONL en UTF-8.",
                f"The file {path} is not a UTF-8 JSONL export.",
            ) from exc
        except OSError as exc:
            raise _unreadable(path, exc.strerror or type(exc).__name__) from exc


def _jsonl_record(path: Path, number: int, line: str) -> StoredRecord:
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        obj = None
    if (
        not isinstance(obj, dict)
        or not isinstance(obj.get("core"), str)
        or not isinstance(obj.get("sig"), str)
        or not isinstance(obj.get("body"), str)
    ):
        raise SourceError(
            f"La ligne {number} de {path} n'est pas un enregistrement "
            '{"core", "sig", "body"} : ce n\'est pas un export de journal.',
            f'Line {number} of {path} is not a {{"core", "sig", "body"}} record: this is not a '
            "journal export.",
        )
    return StoredRecord(
        core=obj["core"],
        sig=obj["sig"],
        body=obj["body"].encode("utf-8", "surrogatepass"),
    )


read_jsonl = iter_jsonl_records
"""Alias of `iter_jsonl_records`."""


def read_anchor(path: Path) -> Anchor:
    """Read a head anchor file ``{"till": .., "gseq": .., "token_sha256": ..}``.

    Raises:
        SourceError: the file is missing, unreadable or not such an object.
    """
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _unreadable(path, exc.strerror or type(exc).__name__) from exc
    except (ValueError, RecursionError):
        obj = None
    gseq = obj.get("gseq") if isinstance(obj, dict) else None
    token_hash = obj.get("token_sha256") if isinstance(obj, dict) else None
    till = obj.get("till") if isinstance(obj, dict) else None
    if (
        type(gseq) is not int
        or gseq < 1
        or not isinstance(token_hash, str)
        or not (till is None or isinstance(till, str))
    ):
        raise SourceError(
            f"Le fichier d'ancre {path} n'est pas de la forme "
            '{"till", "gseq", "token_sha256"}.',
            f'The anchor file {path} is not of the form {{"till", "gseq", "token_sha256"}}.',
        )
    return Anchor(gseq=gseq, token_hash=token_hash, till=till)


def anchor_beside(db_path: Path) -> Anchor | None:
    """Return the ``head.anchor`` found beside a SQLite journal, if any.

    Raises:
        SourceError: the file exists but is not an anchor.
    """
    candidate = db_path.with_name(ANCHOR_FILE_NAME)
    return read_anchor(candidate) if candidate.is_file() else None


# ------------------------------------------------------------------------------ projections


def check_projections(path: Path, *, fetch_size: int = _FETCH) -> list[Anomaly]:
    """Compare the projections with the T, X, P, Z, M and Y journal bodies (nf525.md R16).

    A pass of its own over the journal; the command line uses `ProjectionCheck` as the
    verifier's body observer instead, to read and parse each body once.

    Returns:
        The ``projection.mismatch`` anomalies, in gseq order.

    Raises:
        SourceError: the file is not a readable journal.
    """
    with ProjectionCheck(path, fetch_size=fetch_size) as check:
        if check.enabled:
            try:
                for gseq, core, body in _fetch_rows(
                    check.connection,
                    "SELECT gseq, core, body FROM journal ORDER BY gseq",
                    fetch_size,
                ):
                    fields = _text(core).split(",", 6)
                    if len(fields) == 7 and fields[3] in ("T", "X") and _is_count(fields[4]):
                        check.observe_record(
                            gseq, fields[1], fields[3], int(fields[4]), _lenient_body(body)
                        )
                    elif len(fields) == 7 and fields[3] in ("P", "Z", "M", "Y"):
                        try:
                            parsed = parse_core(_text(core))
                        except CoreGrammarError:
                            continue  # the verifier's core.grammar reports it
                        check.observe(parsed, _lenient_body(body))
            except sqlite3.Error as exc:
                raise _unreadable(path, str(exc)) from exc
        return check.finish()


def _is_count(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _fetch_rows(conn: sqlite3.Connection, sql: str, size: int) -> Iterator[tuple[Any, ...]]:
    cursor = conn.execute(sql)
    while rows := cursor.fetchmany(size):
        yield from rows


class ProjectionCheck:
    """Compares the sale projections with the T and X bodies, in one merge join by gseq.

    Every T or X record must have one ``sales`` row, and its ``sale_lines`` and
    ``sale_payments`` rows, equal to its body; every projection row must have its journal
    record. When the tables are absent (`enabled` is false), nothing is checked.

    Pass `observe` to `caisse_verif.checks.verify_records` as ``body_observer``, then call
    `finish`. Use it as a context manager to close its read-only connection.
    """

    def __init__(self, path: Path, *, fetch_size: int = _FETCH) -> None:
        """Open the projections of `path`, read-only.

        Raises:
            SourceError: the file is not a readable journal.
        """
        self._path = path
        self.connection = connect_read_only(path)
        self._fetch = fetch_size
        self.anomalies: list[Anomaly] = []
        try:
            tables = {
                row[0]
                for row in self.connection.execute(
                    "SELECT name FROM sqlite_master WHERE type='table'"
                )
            }
            self.enabled = {"sales", "sale_lines", "sale_payments"} <= tables
            self._cash = _CashAndClosures(self.connection, tables)
            self._streams = (
                [_Peek(self._grouped(sql)) for sql in (_SALES_SQL, _LINES_SQL, _PAYMENTS_SQL)]
                if self.enabled
                else []
            )
        except sqlite3.Error as exc:
            self.connection.close()
            raise _unreadable(path, str(exc)) from exc

    def __enter__(self) -> ProjectionCheck:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def observe(self, core: Core, body: Mapping[str, Any] | None) -> None:
        """Check one record the verifier has parsed (non-T/X records are skipped).

        Raises:
            SourceError: the file turned out to be unreadable.
        """
        if self.enabled and core.kind in ("T", "X"):
            self.observe_record(core.gseq, core.till, core.kind, core.kseq, body)
        elif core.kind in ("P", "Z", "M", "Y") and body is not None:
            self.anomalies += self._cash.observe(core, body)

    def observe_record(
        self, gseq: int, till: str, kind: str, kseq: int, body: Mapping[str, Any] | None
    ) -> None:
        """Check one T or X record given by its fields and body (None: unreadable body).

        Raises:
            SourceError: the file turned out to be unreadable.
        """
        if not self.enabled:
            return
        try:
            self._orphans_before(gseq)
            sale, sale_lines, sale_payments = (stream.take(gseq) for stream in self._streams)
        except sqlite3.Error as exc:
            raise _unreadable(self._path, str(exc)) from exc
        if body is not None:
            self._compare(gseq, till, kind, kseq, body, sale, sale_lines, sale_payments)

    def finish(self) -> list[Anomaly]:
        """Report the projection rows left without a journal record; return every anomaly.

        Raises:
            SourceError: the file turned out to be unreadable.
        """
        try:
            self._orphans_before(None)
        except sqlite3.Error as exc:
            raise _unreadable(self._path, str(exc)) from exc
        self.anomalies += self._cash.finish()
        return self.anomalies

    def _orphans_before(self, gseq: int | None) -> None:
        while True:
            heads = [
                s.key for s in self._streams if s.key is not None and (gseq is None or s.key < gseq)
            ]
            if not heads:
                return
            orphan = min(heads)
            tables = [
                name
                for name, stream in zip(
                    ("sales", "sale_lines", "sale_payments"), self._streams, strict=True
                )
                if stream.take(orphan) is not None
            ]
            self._bad(
                orphan,
                f"lignes {', '.join(tables)} sans enregistrement T ou X au journal",
                f"{', '.join(tables)} rows without a T or X journal record",
                None,
                tables,
            )

    def _grouped(self, sql: str) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
        key: int | None = None
        group: list[tuple[Any, ...]] = []
        for row in _fetch_rows(self.connection, sql, self._fetch):
            if row[0] != key and group and key is not None:
                yield key, group
                group = []
            key = row[0]
            group.append(row[1:])
        if group and key is not None:
            yield key, group

    def _bad(
        self, gseq: int | None, what_fr: str, what_en: str, expected: object, found: object
    ) -> None:
        def show(value: object) -> str | None:
            return None if value is None else json.dumps(value, ensure_ascii=False)

        self.anomalies.append(
            Anomaly(
                gseq,
                "projection.mismatch",
                f"La projection ne correspond pas au journal : {what_fr}.",
                f"The projection does not match the journal: {what_en}.",
                show(expected),
                show(found),
            )
        )

    def _compare(
        self,
        gseq: int,
        till: str,
        kind: str,
        kseq: int,
        body: Mapping[str, Any],
        sale: Any,
        sale_lines: Any,
        sale_payments: Any,
    ) -> None:
        if sale is None:
            self._bad(
                gseq,
                "enregistrement sans ligne dans sales",
                "record without a sales row",
                "sales row",
                None,
            )
            return
        refers_to = body.get("refers_to")
        operator = body.get("operator")
        operator_id = body.get(
            "operator_id", operator.get("id") if isinstance(operator, dict) else None
        )
        expected_sale = (
            kind,
            ticket_number(till, kind, kseq),
            body.get("op"),
            body.get("ts_utc"),
            body.get("business_date"),
            None if operator_id is None else str(operator_id),
            body.get("total_ttc_cents"),
            body.get("total_ht_cents"),
            refers_to.get("gseq") if isinstance(refers_to, dict) else None,
            1 if kind == "X" else 0,
        )
        if not _same_row(expected_sale, sale[0]):
            for name, expected, found in zip(_SALE_COLUMNS, expected_sale, sale[0], strict=True):
                if not _same(expected, found):
                    self._bad(gseq, f"sales.{name}", f"sales.{name}", expected, found)
        self._compare_lines(gseq, body.get("lines"), sale_lines or [])
        self._compare_payments(gseq, body.get("payments"), sale_payments or [])

    def _compare_lines(self, gseq: int, lines: object, rows: list[tuple[Any, ...]]) -> None:
        body_lines = [x for x in lines if isinstance(x, dict)] if isinstance(lines, list) else []
        by_n = {row[0]: row[1:] for row in rows}
        expected_ns = []
        for i, line in enumerate(body_lines):
            n = line.get("n", i + 1)
            expected_ns.append(n)
            row = by_n.get(n)
            if row is None:
                self._bad(
                    gseq,
                    f"ligne {n} absente de sale_lines",
                    f"line {n} missing from sale_lines",
                    n,
                    None,
                )
                continue
            expected = (
                line.get("sku"),
                line.get("label"),
                line.get("qty_milli"),
                line.get("unit_ttc_cents"),
                line.get("vat_bp"),
                line.get("line_ttc_cents"),
                line.get("line_ht_cents"),
                line.get("discount_cents", 0),
            )
            if row[-1] is None:  # no discount
                row = (*row[:-1], 0)
            if _same_row(expected, row):
                continue
            for name, want, got in zip(_LINE_COLUMNS, expected, row, strict=True):
                if not _same(want, got):
                    self._bad(gseq, f"sale_lines[{n}].{name}", f"sale_lines[{n}].{name}", want, got)
        for n in by_n:
            if n not in expected_ns:
                self._bad(
                    gseq,
                    f"ligne {n} de sale_lines absente du corps",
                    f"sale_lines row {n} not in the body",
                    None,
                    n,
                )

    def _compare_payments(self, gseq: int, payments: object, rows: list[tuple[Any, ...]]) -> None:
        body_payments = (
            [p for p in payments if isinstance(p, dict)] if isinstance(payments, list) else []
        )
        expected_rows = [(p.get("method"), p.get("amount_cents")) for p in body_payments]
        found_rows = [tuple(row[1:]) for row in rows]
        if len(expected_rows) != len(found_rows) or not all(
            _same_row(e, f) for e, f in zip(expected_rows, found_rows, strict=False)
        ):
            self._bad(
                gseq,
                "règlements (sale_payments)",
                "payments (sale_payments)",
                [list(r) for r in expected_rows],
                [list(r) for r in found_rows],
            )


class _Peek:
    """One sorted stream of ``(gseq, value)`` with a look-ahead of one."""

    def __init__(self, items: Iterator[tuple[int, Any]]) -> None:
        self._items = items
        self.key: int | None = None
        self._value: Any = None
        self._advance()

    def _advance(self) -> None:
        for key, value in self._items:
            self.key, self._value = key, value
            return
        self.key, self._value = None, None

    def take(self, key: int) -> Any:
        if self.key != key:
            return None
        value = self._value
        self._advance()
        return value


def _same_row(expected: tuple[Any, ...], found: tuple[Any, ...]) -> bool:
    return expected == found and tuple(map(type, expected)) == tuple(map(type, found))


def _same(expected: object, found: object) -> bool:
    # note: SQLite has no booleans and no distinction between absent and NULL
    return type(expected) is type(found) and expected == found


def _lenient_body(raw: object) -> dict[str, Any] | None:
    try:
        body = json.loads(_blob(raw))
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


# ------------------------------------------------------------------ cash and closures

_MOVEMENTS_SQL = (
    "SELECT gseq, session_gseq, op, amount_cents, reason, business_date, ts_utc, operator_id"
    " FROM cash_movements"
)
_SESSIONS_SQL = (
    "SELECT opened_gseq, opened_ts, operator_id, opening_float_cents, closed_gseq,"
    " counted_cash_cents FROM cash_sessions"
)
_CLOSURES_SQL = (
    "SELECT gseq, kind, kseq, period_from, period_to, gseq_from, gseq_to, net_ttc_cents, gt,"
    " gt_abs FROM closures"
)
_MOVEMENT_FIELDS = (
    "session_gseq",
    "op",
    "amount_cents",
    "reason",
    "business_date",
    "ts_utc",
    "operator_id",
)
_CLOSURE_FIELDS = (
    "kind",
    "kseq",
    "period_from",
    "period_to",
    "gseq_from",
    "gseq_to",
    "net_ttc_cents",
    "gt",
    "gt_abs",
)


class _CashAndClosures:
    """The cash and closure projections versus the P, Z, M and Y bodies.

    ``cash_movements`` holds one row per P record, ``cash_sessions`` one per session (opened
    by a P OPEN, closed by its P COUNT), ``closures`` one per Z, M or Y. The rows are few (a
    handful per business day), so they are read once into dictionaries and taken as the
    records stream by; what is left at the end has no journal record.
    """

    def __init__(self, conn: sqlite3.Connection, tables: set[str]) -> None:
        def rows(sql: str, table: str) -> dict[int, tuple[Any, ...]]:
            if table not in tables:
                return {}
            return {int(r[0]): tuple(r[1:]) for r in conn.execute(sql)}

        self.movements = rows(_MOVEMENTS_SQL, "cash_movements")
        self.sessions = rows(_SESSIONS_SQL, "cash_sessions")
        self.closures = rows(_CLOSURES_SQL, "closures")
        self.enabled = {"cash_movements", "cash_sessions", "closures"} & tables
        self.seen_sessions: set[int] = set()

    def observe(self, core: Core, body: Mapping[str, Any]) -> list[Anomaly]:
        if core.kind == "P":
            return self._payment(core, body)
        return self._closure(core, body)

    def _payment(self, core: Core, body: Mapping[str, Any]) -> list[Anomaly]:
        out: list[Anomaly] = []
        if "cash_movements" not in self.enabled:
            return out
        gseq = core.gseq
        operator = body.get("operator")
        session_ref = body.get("session")
        session = session_ref.get("gseq") if isinstance(session_ref, dict) else gseq
        count = body.get("count")
        counted = count.get("cash_cents") if isinstance(count, dict) else None
        expected = (
            session,
            body.get("op"),
            body.get("total_cents"),
            body.get("reason"),
            body.get("business_date"),
            body.get("ts_utc"),
            operator.get("id") if isinstance(operator, dict) else None,
        )
        out += _compare_row(
            gseq, "cash_movements", _MOVEMENT_FIELDS, expected, self.movements.pop(gseq, None)
        )
        if "cash_sessions" not in self.enabled:
            return out
        if body.get("op") == "OPEN":
            self.seen_sessions.add(gseq)
            row = self.sessions.get(gseq)
            found = None if row is None else row[:3]
            opened = (body.get("ts_utc"), expected[6], counted)
            out += _compare_row(
                gseq,
                "cash_sessions",
                ("opened_ts", "operator_id", "opening_float_cents"),
                opened,
                found,
            )
            if row is not None and row[3] is None:
                self.sessions.pop(gseq)  # still open: nothing more to compare
        elif body.get("op") == "COUNT" and isinstance(session, int):
            row = self.sessions.pop(session, None)
            found = None if row is None else row[3:]
            out += _compare_row(
                gseq, "cash_sessions", ("closed_gseq", "counted_cash_cents"), (gseq, counted), found
            )
        return out

    def _closure(self, core: Core, body: Mapping[str, Any]) -> list[Anomaly]:
        if "closures" not in self.enabled:
            return []
        period = body.get("period")
        gt = body.get("gt")
        period = period if isinstance(period, dict) else {}
        gt = gt if isinstance(gt, dict) else {}
        expected = (
            core.kind,
            core.kseq,
            period.get("from"),
            period.get("to"),
            body.get("gseq_from"),
            body.get("gseq_to"),
            gt.get("period"),
            gt.get("perpetual"),
            gt.get("perpetual_abs"),
        )
        return _compare_row(
            core.gseq, "closures", _CLOSURE_FIELDS, expected, self.closures.pop(core.gseq, None)
        )

    def finish(self) -> list[Anomaly]:
        out: list[Anomaly] = []
        for table, left in (
            ("cash_movements", self.movements),
            ("closures", self.closures),
        ):
            for gseq in sorted(left):
                out.append(_orphan(gseq, table))
        for gseq, row in sorted(self.sessions.items()):
            # note: an open session's row was taken at its OPEN; a counted one at its COUNT
            if gseq not in self.seen_sessions or row[3] is not None:
                out.append(_orphan(gseq, "cash_sessions"))
        return out


def _projection_anomaly(gseq: int, fr: str, en: str, expected: object, found: object) -> Anomaly:
    def show(value: object) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False)

    return Anomaly(
        gseq,
        "projection.mismatch",
        f"La projection ne correspond pas au journal : {fr}.",
        f"The projection does not match the journal: {en}.",
        show(expected),
        show(found),
    )


def _compare_row(
    gseq: int,
    table: str,
    names: tuple[str, ...],
    expected: tuple[Any, ...],
    found: tuple[Any, ...] | None,
) -> list[Anomaly]:
    if found is None:
        return [
            _projection_anomaly(
                gseq,
                f"enregistrement sans ligne dans {table}",
                f"record without a {table} row",
                dict(zip(names, expected, strict=True)),
                None,
            )
        ]
    wrong = [n for n, e, f in zip(names, expected, found, strict=True) if e != f]
    if not wrong:
        return []
    return [
        _projection_anomaly(
            gseq,
            f"{table} : {', '.join(wrong)} diffère du corps signé",
            f"{table}: {', '.join(wrong)} differs from the signed body",
            {n: e for n, e, f in zip(names, expected, found, strict=True) if e != f},
            {n: f for n, e, f in zip(names, expected, found, strict=True) if e != f},
        )
    ]


def _orphan(gseq: int, table: str) -> Anomaly:
    return _projection_anomaly(
        gseq,
        f"ligne {table} sans enregistrement au journal",
        f"{table} row without a journal record",
        None,
        table,
    )
