"""The FR1 record format: the signed core string, its tokens, hashes, chain links and extracts.

A journal record is three stored strings (nf525.md §6.3): the canonical JSON ``body`` (bytes),
the ASCII ``core`` and the ES256 ``sig``. The core is the only signed thing::

    FR1,<till>,<gseq>,<kind>,<kseq>,<ts>,<vat>,<total>,<ref>,<body_hash>,<prev>

Field grammar (every token also matches ``[A-Za-z0-9:|._+-]+``):

- ``till``: ``[A-Za-z0-9][A-Za-z0-9._-]{0,63}`` (no ``|`` or ``:``, which the genesis string and
  the vat token use as separators);
- ``gseq``, ``kseq``: positive integers, no sign, no leading zero;
- ``kind``: one character of `KINDS`;
- ``ts``: ``YYYYMMDDHHMMSSZ``, a valid UTC date and time;
- ``vat``: ``-`` or ``rate_bp:ttc_cents`` items joined by ``|``, rates strictly ascending;
- ``total``: an integer (negative for refunds), ``-0`` excluded;
- ``ref``: a positive integer (the referenced gseq) or ``-``;
- ``body_hash``, ``prev``: canonical base64url without padding of 32 bytes (43 characters).

Integers are limited to the JSON safe range (``|n| <= 2**53 - 1``). This module uses only the
standard library: the till's pure domain imports it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from caisse_verif.canonical import MAX_SAFE_INTEGER, canonical_json
from caisse_verif.errors import CoreGrammarError, KeyFormatError

VERSION = "FR1"
KINDS = "TFBDPXZMYJA"
"""T ticket, F invoice, B bill, D copy, P payment, X training, Z M Y closures, J JET, A archive."""

_TOKEN = re.compile(r"[A-Za-z0-9:|._+-]+")
_TILL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_POSITIVE = re.compile(r"[1-9][0-9]{0,15}")
_NATURAL = re.compile(r"0|[1-9][0-9]{0,15}")
_SIGNED = re.compile(r"0|-?[1-9][0-9]{0,15}")
_TS = re.compile(r"[0-9]{14}Z")
_B64U = re.compile(r"[A-Za-z0-9_-]*")
_HASH = re.compile(r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")
_INT = r"(?:0|[1-9][0-9]{0,15})"
_VAT_ITEM = rf"{_INT}:(?:0|-?[1-9][0-9]{{0,15}})"
# the whole grammar at once (the fast path); the field-by-field path names what is wrong
_CORE = re.compile(
    rf"FR1,({_TILL.pattern}),([1-9][0-9]{{0,15}}),([{KINDS}]),([1-9][0-9]{{0,15}}),"
    rf"([0-9]{{14}}Z),(-|{_VAT_ITEM}(?:\|{_VAT_ITEM})*),(0|-?[1-9][0-9]{{0,15}}),"
    rf"(-|[1-9][0-9]{{0,15}}),({_HASH.pattern}),({_HASH.pattern})"
)
_FIELDS = (
    "version",
    "till",
    "gseq",
    "kind",
    "kseq",
    "ts",
    "vat",
    "total",
    "ref",
    "body_hash",
    "prev",
)


def b64u(data: bytes) -> str:
    """Encode `data` as base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    """Decode canonical base64url without padding.

    Raises:
        ValueError: not base64url, padded, or not the canonical encoding of its bytes (non-zero
            trailing bits), so that one byte string has exactly one text form.
    """
    if not _B64U.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url without padding")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64u(data) != text:
        raise ValueError("not the canonical base64url form")
    return data


def sha256_b64u(data: bytes) -> str:
    """Return base64url(SHA-256(data))."""
    return b64u(hashlib.sha256(data).digest())


@dataclass(frozen=True, slots=True)
class Core:
    """The parsed signed core of one record (see the module docstring for the grammar)."""

    version: str
    till: str
    gseq: int
    kind: str
    kseq: int
    ts: str
    vat: tuple[tuple[int, int], ...]
    total_cents: int
    ref: int | None
    body_hash: str
    prev: str


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """One record as a store row or an export line holds it.

    The optional ``*_column`` fields are the SQLite journal's index columns; the verifier checks
    that they agree with the signed core (check ``row.gseq`` and ``row.column``).
    """

    core: str
    sig: str
    body: bytes
    gseq_column: int | None = None
    kind_column: str | None = None
    kseq_column: int | None = None
    ts_column: str | None = None
    token_sha256_column: str | None = None


def ts_token(moment: datetime) -> str:
    """Format an aware datetime as the core's ``YYYYMMDDHHMMSSZ`` token (UTC, seconds floored).

    Raises:
        ValueError: `moment` is naive.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("ts_token needs an aware datetime")
    t = moment.astimezone(UTC)
    # note: not strftime("%Y"), which does not pad years before 1000 on every platform
    return f"{t.year:04d}{t.month:02d}{t.day:02d}{t.hour:02d}{t.minute:02d}{t.second:02d}Z"


def parse_ts_token(text: str) -> datetime:
    """Parse a ``YYYYMMDDHHMMSSZ`` token into an aware UTC datetime.

    Raises:
        CoreGrammarError: not of that form, or not a valid date and time.
    """
    if not _TS.fullmatch(text):
        raise CoreGrammarError(f"timestamp {text!r} is not YYYYMMDDHHMMSSZ")
    return _check_ts_date(text)


def _check_ts_date(text: str) -> datetime:
    try:
        return datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[8:10]),
            int(text[10:12]),
            int(text[12:14]),
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise CoreGrammarError(f"timestamp {text!r} is not a valid date and time") from exc


def iso_from_ts_token(text: str) -> str:
    """Turn ``20260315134502Z`` into the body's ``ts_utc`` form ``2026-03-15T13:45:02Z``."""
    return f"{text[0:4]}-{text[4:6]}-{text[6:8]}T{text[8:10]}:{text[10:12]}:{text[12:14]}Z"


def body_hash(body: bytes) -> str:
    """Return the core's body-hash token: base64url(SHA-256(body))."""
    return sha256_b64u(body)


def token(core: str, sig: str) -> str:
    """Return the record's token, ``core + "," + sig`` (what a QR code carries)."""
    return f"{core},{sig}"


def token_hash(core: str, sig: str) -> str:
    """Return base64url(SHA-256(token)): the next record's ``prev``."""
    return sha256_b64u(f"{core},{sig}".encode("utf-8", "surrogatepass"))


def genesis_prev(till: str, kid: str) -> str:
    """Return the ``prev`` of a chain's first record: base64url(SHA-256("FR1|GENESIS|till|kid"))."""
    return sha256_b64u(f"{VERSION}|GENESIS|{till}|{kid}".encode())


def signature_extract(sig: str) -> str:
    """Return the printed signature extract: characters 3, 7, 13 and 19 (1-based) of `sig`.

    Raises:
        ValueError: `sig` is shorter than 19 characters.
    """
    if len(sig) < 19:
        raise ValueError("a signature has at least 19 characters")
    return sig[2] + sig[6] + sig[12] + sig[18]


def ticket_number(till: str, kind: str, kseq: int) -> str:
    """Return the customer-facing number ``<till>-<kind>-<kseq:06d>`` (e.g. ``TILL01-T-000123``)."""
    return f"{till}-{kind}-{kseq:06d}"


def jwk_thumbprint(jwk: Mapping[str, object]) -> str:
    """Return the RFC 7638 thumbprint (the kid) of an EC public JWK.

    Raises:
        KeyFormatError: `crv`, `kty`, `x` or `y` is missing or not a string.
    """
    members: dict[str, str] = {}
    for name in ("crv", "kty", "x", "y"):
        value = jwk.get(name)
        if not isinstance(value, str):
            raise KeyFormatError(f"JWK member {name!r} is missing or not a string")
        members[name] = value
    try:
        return sha256_b64u(canonical_json(members))
    except ValueError as exc:
        raise KeyFormatError("JWK members are not canonical strings") from exc


def format_core(core: Core) -> str:
    """Format `core` as its comma-joined string.

    Raises:
        CoreGrammarError: a field breaks the grammar (the result would not parse back to `core`).
    """
    vat = "|".join(f"{rate}:{ttc}" for rate, ttc in core.vat) if core.vat else "-"
    fast = _format_core_fast(core, vat)
    if fast is not None:
        return fast
    tokens: list[object] = [
        core.version,
        core.till,
        str(core.gseq),
        core.kind,
        str(core.kseq),
        core.ts,
        vat,
        str(core.total_cents),
        "-" if core.ref is None else str(core.ref),
        core.body_hash,
        core.prev,
    ]
    for name, tok in zip(_FIELDS, tokens, strict=True):
        if not isinstance(tok, str) or not _TOKEN.fullmatch(tok):
            raise CoreGrammarError(f"core field {name} {tok!r} is not a core token")
    text = ",".join(str(tok) for tok in tokens)
    if parse_core(text) != core:
        raise CoreGrammarError(f"core fields do not follow the FR1 grammar: {text!r}")
    return text


def _format_core_fast(core: Core, vat: str) -> str | None:
    """The core text when one match of the whole grammar proves it parses back to `core`.

    note: the writer formats a core on every sale; matching the assembled text once against
    the full grammar (`_CORE`, which admits no comma inside a field, so each field's text is
    exactly its token) with integer-typed numbers, a real date, ascending rates and safe
    integers is what `parse_core(text) == core` establishes, at a third of its cost. Anything
    else takes the field-by-field path, which names the culprit.
    """
    numbers = (core.gseq, core.kseq, core.total_cents, 0 if core.ref is None else core.ref)
    if core.version != VERSION or any(type(n) is not int for n in numbers):
        return None
    if any(type(r) is not int or type(t) is not int for r, t in core.vat):
        return None
    ref = "-" if core.ref is None else str(core.ref)
    text = (
        f"{core.version},{core.till},{core.gseq},{core.kind},{core.kseq},{core.ts},{vat},"
        f"{core.total_cents},{ref},{core.body_hash},{core.prev}"
    )
    if _CORE.fullmatch(text) is None:
        return None
    if max(core.gseq, core.kseq, abs(core.total_cents), core.ref or 0) > MAX_SAFE_INTEGER:
        return None
    if any(abs(t) > MAX_SAFE_INTEGER or r > MAX_SAFE_INTEGER for r, t in core.vat):
        return None
    if any(a[0] >= b[0] for a, b in itertools.pairwise(core.vat)):
        return None
    try:
        _check_ts_date(core.ts)
    except CoreGrammarError:
        return None
    return text


def parse_core(text: str) -> Core:
    """Parse a core string, strictly (the inverse of `format_core`).

    Raises:
        CoreGrammarError: the text breaks the grammar; the message names the field.
    """
    match = _CORE.fullmatch(text)
    if match is not None:
        till, gseq, kind, kseq, ts, vat, total, ref, bhash, prev = match.groups()
        _check_ts_date_cached(ts)
        vat_items, ascending, vat_safe = _vat_items(vat)
        if not ascending:
            raise CoreGrammarError(f"vat rates are not strictly ascending in {vat!r}")
        core = Core(
            VERSION,
            till,
            int(gseq),
            kind,
            int(kseq),
            ts,
            vat_items,
            int(total),
            None if ref == "-" else int(ref),
            bhash,
            prev,
        )
        # note: the regex bounds integers to 16 digits; the safe range is narrower. The vat
        # amounts count too: an unsafe one goes to the field path, which names it.
        if vat_safe and max(core.gseq, core.kseq, abs(core.total_cents), core.ref or 0) <= (
            MAX_SAFE_INTEGER
        ):
            return core
    return _parse_core_fields(text)


# note: consecutive records share their second and, often, their VAT token: the verifier parses
# a core per record, and these two were a third of it. Both are pure functions of the token.
@functools.lru_cache(maxsize=4096)
def _check_ts_date_cached(text: str) -> None:
    _check_ts_date(text)


@functools.lru_cache(maxsize=4096)
def _vat_items(vat: str) -> tuple[tuple[tuple[int, int], ...], bool, bool]:
    """The items of a vat token that matched `_CORE`, whether rates ascend, whether all is safe."""
    items = (
        ()
        if vat == "-"
        else tuple((int(r), int(t)) for r, _, t in (i.partition(":") for i in vat.split("|")))
    )
    ascending = not any(a[0] >= b[0] for a, b in itertools.pairwise(items))
    safe = all(r <= MAX_SAFE_INTEGER and abs(t) <= MAX_SAFE_INTEGER for r, t in items)
    return items, ascending, safe


def _parse_core_fields(text: str) -> Core:
    fields = text.split(",")
    if len(fields) != 11:
        raise CoreGrammarError(f"the core has {len(fields)} fields instead of 11")
    version, till, gseq, kind, kseq, ts, vat, total, ref, bhash, prev = fields
    if version != VERSION:
        raise CoreGrammarError(f"unknown format version {version!r}")
    if not _TILL.fullmatch(till):
        raise CoreGrammarError(f"till {till!r} breaks the till grammar")
    if len(kind) != 1 or kind not in KINDS:
        raise CoreGrammarError(f"kind {kind!r} is not one of {KINDS}")
    parse_ts_token(ts)
    return Core(
        version,
        till,
        _int_field("gseq", gseq, _POSITIVE),
        kind,
        _int_field("kseq", kseq, _POSITIVE),
        ts,
        _parse_vat(vat),
        _int_field("total", total, _SIGNED),
        None if ref == "-" else _int_field("ref", ref, _POSITIVE),
        _hash_field("body_hash", bhash),
        _hash_field("prev", prev),
    )


def _int_field(name: str, text: str, pattern: re.Pattern[str]) -> int:
    if not pattern.fullmatch(text):
        raise CoreGrammarError(f"{name} {text!r} is not a canonical integer")
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise CoreGrammarError(f"{name} {text!r} is outside the safe range")
    return value


def _hash_field(name: str, text: str) -> str:
    if not _HASH.fullmatch(text):
        raise CoreGrammarError(f"{name} {text!r} is not a base64url SHA-256 (43 characters)")
    return text


def _parse_vat(text: str) -> tuple[tuple[int, int], ...]:
    if text == "-":
        return ()
    items: list[tuple[int, int]] = []
    for item in text.split("|"):
        rate, sep, ttc = item.partition(":")
        if not sep:
            raise CoreGrammarError(f"vat item {item!r} is not rate_bp:ttc_cents")
        pair = (_int_field("vat rate", rate, _NATURAL), _int_field("vat ttc", ttc, _SIGNED))
        if items and pair[0] <= items[-1][0]:
            raise CoreGrammarError(f"vat rates are not strictly ascending in {text!r}")
        items.append(pair)
    return tuple(items)
