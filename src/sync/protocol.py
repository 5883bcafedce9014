"""The wire protocol (v1) between tills and the central server, shared by both sides.

Everything here is pure data handling plus ES256 through `caisse_verif.es256`: no HTTP library,
no database, so the till imports it without the server's dependencies (an import-linter contract
checks it). The prose version, with examples, is ``docs/sync-protocol.md``.

Parts:

- **Signed requests**: a fixed profile of RFC 9421 HTTP message signatures over ``@method``,
  ``@path``, ``@query`` and ``content-digest`` (RFC 9530, SHA-256), with ``created``, ``nonce``,
  ``keyid`` (the device id) and ``alg="ecdsa-p256-sha256"`` (ES256, raw R‖S).
- **Payloads**: push batches of fiscal records exactly as stored (core, sig, body bytes), acks
  with a signed anchor, non-fiscal operational events, pull pages with cursors and tombstones,
  enrolment and the start-up handshake.
- **Errors**: ``{"error": code, "reason": {"fr": ..., "en": ...}, ...}`` with stable codes.
- **Versioning**: every JSON body carries ``"v"``; a body from a newer protocol gets
  ``400 unsupported_version`` instead of a guess.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ec

from caisse_verif import es256
from caisse_verif.canonical import canonical_json
from caisse_verif.errors import CanonicalError, KeyFormatError
from caisse_verif.record import b64u, b64u_decode, sha256_b64u, token_hash
from sync.errors import ProtocolError

PROTOCOL_VERSION: Final = 1
"""The version this code speaks; bodies carry it as ``"v"``."""

VERSION_HEADER: Final = "Caisse-Protocol"
OFFSET_HEADER: Final = "Caisse-Clock-Offset"
"""Seconds the client adds to its own clock to sign (the offset it learnt from the server).

Not covered by the signature: it only feeds the server's clock-skew flag (sync.md §3.4).
"""
MAX_BATCH_RECORDS: Final = 500
"""Most fiscal records in one push (a longer batch gets 413)."""
MAX_BODY_BYTES: Final = 1_048_576
"""Largest request body, in bytes, before any parsing (a larger one gets 413)."""
MAX_OPS_EVENTS: Final = 500
MAX_PULL_LIMIT: Final = 1000
DEFAULT_PULL_LIMIT: Final = 500
REPLAY_WINDOW_S: Final = 300
"""A signature's ``created`` must lie within this many seconds of the server's time."""
SIG_ALG: Final = "ecdsa-p256-sha256"
COVERED: Final = ('"@method"', '"@path"', '"@query"', '"content-digest"')

_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_KEYID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_SIG_INPUT = re.compile(
    r'sig1=\("@method" "@path" "@query" "content-digest"\);created=([0-9]{1,12});'
    r'nonce="([A-Za-z0-9_-]{16,64})";keyid="([A-Za-z0-9._-]{1,64})";alg="ecdsa-p256-sha256"'
)
_SIGNATURE = re.compile(r"sig1=:([A-Za-z0-9+/]{86}==):")
_DIGEST = re.compile(r"sha-256=:([A-Za-z0-9+/]{43}=):")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SCOPE = re.compile(
    r"(catalog|prices:[A-Za-z0-9._-]{1,64}|promotions:[A-Za-z0-9._-]{1,64}"
    r"|users:[A-Za-z0-9._-]{1,64}|stock:[A-Za-z0-9._-]{1,64})"
)

# ---------------------------------------------------------------------------------- errors

REASONS: Final[dict[str, tuple[int, str, str]]] = {
    "bad_json": (
        400,
        "Le corps de la requête n'est pas un JSON valide.",
        "The request body is not valid JSON.",
    ),
    "bad_payload": (
        400,
        "Le contenu de la requête ne respecte pas le protocole.",
        "The request content does not follow the protocol.",
    ),
    "unsupported_version": (
        400,
        "Cette version du protocole est plus récente que celle du serveur : mettez le serveur "
        "à jour.",
        "This protocol version is newer than the server's: update the server.",
    ),
    "bad_signature": (
        401,
        "La signature de la requête est absente ou invalide.",
        "The request signature is missing or invalid.",
    ),
    "replay_window": (
        401,
        "L'heure de la requête est hors de la fenêtre admise : l'horloge de la caisse est décalée.",
        "The request time is outside the allowed window: the till's clock is off.",
    ),
    "replay": (
        401,
        "Cette requête a déjà été reçue (rejeu).",
        "This request was already received (replay).",
    ),
    "unknown_device": (
        401,
        "Cette caisse n'est pas enregistrée sur le serveur.",
        "This till is not registered with the server.",
    ),
    "revoked": (
        403,
        "Cette caisse a été révoquée sur le serveur : elle doit être ré-enregistrée.",
        "This till was revoked on the server: it must be registered again.",
    ),
    "forbidden": (
        403,
        "Cette caisse n'a pas accès à cette ressource.",
        "This till may not access this resource.",
    ),
    "bad_code": (
        403,
        "Le code d'enregistrement est inconnu, expiré ou déjà utilisé.",
        "The enrolment code is unknown, expired or already used.",
    ),
    "not_found": (404, "Ressource inconnue.", "Unknown resource."),
    "gap": (
        409,
        "Le lot ne commence pas juste après le dernier enregistrement reçu : renvoyez à partir "
        "de acked_gseq + 1.",
        "The batch does not start right after the last record received: resend from "
        "acked_gseq + 1.",
    ),
    "fork": (
        409,
        "Le journal de cette caisse diverge de celui reçu par le serveur (restauration ou "
        "clone) : la caisse doit être ré-enregistrée ; le lot est conservé en quarantaine.",
        "This till's journal diverges from the one the server received (restore or clone): "
        "the till must be registered again; the batch is kept in quarantine.",
    ),
    "reset": (
        409,
        "Le curseur est trop ancien ou le périmètre a été reconstruit : rechargez-le depuis 0.",
        "The cursor is too old or the scope was rebuilt: reload it from 0.",
    ),
    "too_large": (
        413,
        "Le lot est trop gros : réduisez le nombre d'enregistrements par envoi.",
        "The batch is too large: send fewer records at a time.",
    ),
    "chain": (
        422,
        "Le chaînage ou les signatures du lot ne se vérifient pas ; le lot est conservé en "
        "quarantaine.",
        "The batch's chain or signatures do not verify; the batch is kept in quarantine.",
    ),
    "unknown_key": (
        422,
        "Le serveur ne connaît pas la clé du journal de cette caisse : envoyez d'abord la "
        "genèse ou ré-enregistrez la caisse.",
        "The server does not know this till's journal key: push the genesis first or "
        "register the till again.",
    ),
}
"""Every error code: HTTP status, French and English reason."""


def protocol_error(code: str, detail: str = "", **extra: object) -> ProtocolError:
    """Build the `ProtocolError` of `code`, with an optional detail appended to both sentences."""
    status, fr, en = REASONS[code]
    if detail:
        fr, en = f"{fr} ({detail})", f"{en} ({detail})"
    return ProtocolError(status, code, fr, en, extra)


def error_body(exc: ProtocolError) -> dict[str, object]:
    """Return the JSON error body of `exc`."""
    return {"error": exc.code, "reason": {"fr": exc.fr, "en": exc.en}, **exc.extra}


def error_from_body(status: int, body: object) -> ProtocolError:
    """Rebuild the `ProtocolError` an error body describes (client side)."""
    if isinstance(body, Mapping) and isinstance(body.get("error"), str):
        reason = body.get("reason")
        fr = en = f"HTTP {status}"
        if isinstance(reason, Mapping):
            fr, en = str(reason.get("fr", fr)), str(reason.get("en", en))
        extra = {k: v for k, v in body.items() if k not in ("error", "reason")}
        return ProtocolError(status, str(body["error"]), fr, en, extra)
    return ProtocolError(
        status,
        "http_error",
        f"Le serveur a répondu HTTP {status}.",
        f"The server answered HTTP {status}.",
    )


# ---------------------------------------------------------------------------------- JSON


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(raw: bytes) -> dict[str, Any]:
    """Parse a request or answer body: a JSON object, strict, of a version this code speaks.

    Raises:
        ProtocolError: ``bad_json`` (not UTF-8 JSON, duplicate keys, NaN, too deep, not an
            object), ``bad_payload`` (no integer ``v``) or ``unsupported_version``.
    """
    try:
        value = json.loads(
            raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise protocol_error("bad_json", str(exc)[:120]) from exc
    if not isinstance(value, dict):
        raise protocol_error("bad_json", "not an object")
    check_version(value)
    return value


def check_version(obj: Mapping[str, Any]) -> None:
    """Check the body's protocol version ``v``.

    Raises:
        ProtocolError: ``bad_payload`` when ``v`` is missing or not a positive integer,
            ``unsupported_version`` when it is newer than `PROTOCOL_VERSION`.
    """
    v = obj.get("v")
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise protocol_error("bad_payload", "v must be a positive integer")
    if v > PROTOCOL_VERSION:
        raise protocol_error(
            "unsupported_version",
            f"v={v}, server speaks {PROTOCOL_VERSION}",
            supported=PROTOCOL_VERSION,
        )


def dumps(obj: Mapping[str, Any]) -> bytes:
    """Encode a body (compact UTF-8 JSON; not canonical: only signed objects need that)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _field(obj: Mapping[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = obj.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise protocol_error("bad_payload", f"{where}.{name}")
    return value


def _int_field(obj: Mapping[str, Any], name: str, where: str, minimum: int = 0) -> int:
    value: int = _field(obj, name, int, where)
    if value < minimum or value > 2**53 - 1:
        raise protocol_error("bad_payload", f"{where}.{name} out of range")
    return value


# ---------------------------------------------------------------------------------- time


def utc_iso(moment: datetime) -> str:
    """Format an aware datetime as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc_iso(text: str) -> datetime:
    """Parse what `utc_iso` writes (also accepts no fraction or a ``+00:00`` offset).

    Raises:
        ValueError: not an aware ISO 8601 date and time.
    """
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("naive date and time")
    return moment.astimezone(UTC)


# ---------------------------------------------------------------------------------- signing


def content_digest(body: bytes) -> str:
    """Return the RFC 9530 ``Content-Digest`` value of `body` (SHA-256)."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


def new_nonce() -> str:
    """Return a fresh random nonce (128 bits, base64url)."""
    return b64u(secrets.token_bytes(16))


def _params(created: int, nonce: str, keyid: str) -> str:
    return (
        f'({" ".join(COVERED)});created={created};nonce="{nonce}";keyid="{keyid}";alg="{SIG_ALG}"'
    )


def signature_base(method: str, path: str, query: str, digest: str, params: str) -> bytes:
    """Return the RFC 9421 signature base of a request.

    Args:
        method: the HTTP method, upper case.
        path: the raw (still percent-encoded) path.
        query: the raw query string without ``?`` (empty when there is none).
        digest: the ``Content-Digest`` header value.
        params: the inner list and parameters (what follows ``sig1=`` in ``Signature-Input``).
    """
    lines = [
        f'"@method": {method.upper()}',
        f'"@path": {path}',
        f'"@query": ?{query}',
        f'"content-digest": {digest}',
        f'"@signature-params": {params}',
    ]
    return "\n".join(lines).encode("ascii", "strict")


def sign_request(
    key: ec.EllipticCurvePrivateKey,
    keyid: str,
    method: str,
    path: str,
    query: str,
    body: bytes,
    created: int,
    nonce: str | None = None,
) -> dict[str, str]:
    """Return the headers that sign a request.

    They are ``Content-Digest``, ``Signature-Input``, ``Signature`` and the version header.

    Args:
        key: the device's ES256 private key.
        keyid: the device id (``"enroll"`` while enrolling, the key then being in the body).
        method: the HTTP method.
        path: the raw path, as sent.
        query: the raw query string without ``?``.
        body: the exact body bytes (``b""`` for a GET).
        created: the signing time, Unix seconds, already corrected by the server offset.
        nonce: a fresh nonce (generated when None).

    Raises:
        ValueError: `keyid` or `nonce` breaks its grammar.
    """
    nonce = nonce or new_nonce()
    if not _KEYID.fullmatch(keyid) or not _NONCE.fullmatch(nonce):
        raise ValueError("keyid or nonce breaks its grammar")
    digest = content_digest(body)
    params = _params(created, nonce, keyid)
    raw = b64u_decode(es256.sign(key, signature_base(method, path, query, digest, params)))
    return {
        "Content-Digest": digest,
        "Signature-Input": f"sig1={params}",
        "Signature": "sig1=:" + base64.b64encode(raw).decode("ascii") + ":",
        VERSION_HEADER: str(PROTOCOL_VERSION),
    }


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """The signature parameters of a request, parsed but not yet verified."""

    keyid: str
    created: int
    nonce: str
    params: str
    signature_b64u: str
    digest: str


def parse_signature(headers: Mapping[str, str]) -> SignedRequest:
    """Parse the signature headers (case-insensitive mapping, as the server's request has).

    Raises:
        ProtocolError: ``bad_signature`` when a header is missing or breaks the profile.
    """
    sig_input = headers.get("signature-input", "")
    signature = headers.get("signature", "")
    digest = headers.get("content-digest", "")
    m_input = _SIG_INPUT.fullmatch(sig_input)
    m_sig = _SIGNATURE.fullmatch(signature)
    if m_input is None or m_sig is None or _DIGEST.fullmatch(digest) is None:
        raise protocol_error("bad_signature", "headers missing or outside the profile")
    created, nonce, keyid = m_input.groups()
    try:
        raw = base64.b64decode(m_sig.group(1), validate=True)
    except binascii.Error as exc:
        raise protocol_error("bad_signature", "signature is not base64") from exc
    return SignedRequest(
        keyid=keyid,
        created=int(created),
        nonce=nonce,
        params=sig_input.removeprefix("sig1="),
        signature_b64u=b64u(raw),
        digest=digest,
    )


def verify_request(
    signed: SignedRequest,
    public_key: ec.EllipticCurvePublicKey,
    method: str,
    path: str,
    query: str,
    body: bytes,
    now: int,
    window_s: int = REPLAY_WINDOW_S,
) -> None:
    """Check a parsed signature against the request and the server's time.

    The nonce is not checked here: the caller remembers nonces for the window (`REPLAY_WINDOW_S`).

    Raises:
        ProtocolError: ``bad_signature`` (digest or signature wrong), ``replay_window``
            (``created`` too far from `now`, with ``server_time`` for the client's offset).
    """
    if signed.digest != content_digest(body):
        raise protocol_error("bad_signature", "content-digest does not match the body")
    base = signature_base(method, path, query, signed.digest, signed.params)
    if not es256.verify(public_key, base, signed.signature_b64u):
        raise protocol_error("bad_signature")
    if abs(now - signed.created) > window_s:
        raise protocol_error("replay_window", server_unix=now)


# ---------------------------------------------------------------------------------- signed objects


@dataclass(frozen=True, slots=True)
class SignedObject:
    """A server statement signed with the server key: anchors, rights snapshots, closures.

    The signature is ES256 over the canonical JSON (RFC 8785) of `payload`.
    """

    payload: dict[str, Any]
    kid: str
    sig: str

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {"payload": self.payload, "kid": self.kid, "alg": "ES256", "sig": self.sig}

    @classmethod
    def from_json(cls, obj: object) -> SignedObject:
        """Parse the wire form.

        Raises:
            ProtocolError: ``bad_payload``.
        """
        if not isinstance(obj, Mapping) or obj.get("alg") != "ES256":
            raise protocol_error("bad_payload", "signed object")
        return cls(
            _field(obj, "payload", dict, "signed"),
            _field(obj, "kid", str, "signed"),
            _field(obj, "sig", str, "signed"),
        )

    def verify(self, server_jwk: Mapping[str, object]) -> bool:
        """Whether the signature verifies with `server_jwk` and `kid` is its thumbprint."""
        try:
            key = es256.load_public_jwk(server_jwk)
            if es256.jwk_thumbprint(server_jwk) != self.kid:
                return False
            return es256.verify(key, canonical_json(self.payload), self.sig)
        except (KeyFormatError, CanonicalError):
            return False


def sign_object(key: ec.EllipticCurvePrivateKey, payload: dict[str, Any]) -> SignedObject:
    """Sign `payload` with the server key.

    Raises:
        CanonicalError: `payload` holds a float or another non-canonical value.
    """
    kid = es256.jwk_thumbprint(es256.public_jwk(key.public_key()))
    return SignedObject(payload, kid, es256.sign(key, canonical_json(payload)))


# ---------------------------------------------------------------------------------- enrolment


@dataclass(frozen=True, slots=True)
class EnrollRequest:
    """``POST /v1/enroll``: signed with the key being enrolled (keyid ``enroll``)."""

    code: str
    public_jwk: dict[str, str]
    till_id: str | None = None
    journal_jwk: dict[str, str] | None = None
    hw_info: str = ""

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {
            "v": PROTOCOL_VERSION,
            "code": self.code,
            "public_jwk": self.public_jwk,
            "till_id": self.till_id,
            "journal_jwk": self.journal_jwk,
            "hw_info": self.hw_info,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> EnrollRequest:
        """Parse and check the wire form.

        Raises:
            ProtocolError: ``bad_payload``.
        """
        code: str = _field(obj, "code", str, "enroll")
        public_jwk = _jwk(obj.get("public_jwk"), "public_jwk")
        till = obj.get("till_id")
        if till is not None and (not isinstance(till, str) or not _KEYID.fullmatch(till)):
            raise protocol_error("bad_payload", "enroll.till_id")
        journal = obj.get("journal_jwk")
        journal_jwk = None if journal is None else _jwk(journal, "journal_jwk")
        hw = obj.get("hw_info", "")
        if not isinstance(hw, str) or len(hw) > 500 or len(code) > 64:
            raise protocol_error("bad_payload", "enroll.hw_info or code")
        return cls(code, public_jwk, till, journal_jwk, hw)


def _jwk(value: object, name: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise protocol_error("bad_payload", name)
    try:
        return es256.public_jwk(es256.load_public_jwk(value))
    except KeyFormatError as exc:
        raise protocol_error("bad_payload", f"{name}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class EnrollResponse:
    """The answer to an enrolment: who the till now is, and the key that signs anchors."""

    device_id: str
    store_id: str
    till_id: str | None
    server_time: str
    server_jwk: dict[str, str]
    scopes: list[str]

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {
            "v": PROTOCOL_VERSION,
            "device_id": self.device_id,
            "store_id": self.store_id,
            "till_id": self.till_id,
            "server_time": self.server_time,
            "server_jwk": self.server_jwk,
            "scopes": self.scopes,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> EnrollResponse:
        """Parse the wire form.

        Raises:
            ProtocolError: ``bad_payload``.
        """
        scopes = _field(obj, "scopes", list, "enrolled")
        till = obj.get("till_id")
        return cls(
            _field(obj, "device_id", str, "enrolled"),
            _field(obj, "store_id", str, "enrolled"),
            till if isinstance(till, str) else None,
            _field(obj, "server_time", str, "enrolled"),
            _jwk(obj.get("server_jwk"), "server_jwk"),
            [str(s) for s in scopes],
        )


# ---------------------------------------------------------------------------------- handshake


@dataclass(frozen=True, slots=True)
class Cursor:
    """``GET /v1/devices/{id}/cursor``: what the server holds of this till's journal."""

    device_id: str
    acked_gseq: int
    acked_hash: str | None
    status: str
    server_time: str
    min_client_version: int = PROTOCOL_VERSION

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {
            "v": PROTOCOL_VERSION,
            "device_id": self.device_id,
            "acked_gseq": self.acked_gseq,
            "acked_hash": self.acked_hash,
            "status": self.status,
            "server_time": self.server_time,
            "min_client_version": self.min_client_version,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Cursor:
        """Parse the wire form.

        Raises:
            ProtocolError: ``bad_payload``.
        """
        acked_hash = obj.get("acked_hash")
        return cls(
            _field(obj, "device_id", str, "cursor"),
            _int_field(obj, "acked_gseq", "cursor"),
            acked_hash if isinstance(acked_hash, str) else None,
            _field(obj, "status", str, "cursor"),
            _field(obj, "server_time", str, "cursor"),
            _int_field(obj, "min_client_version", "cursor"),
        )


# ---------------------------------------------------------------------------------- key rotation


@dataclass(frozen=True, slots=True)
class KeyRotation:
    """``POST /v1/devices/{id}/keys``: signed with the current key, names the next one.

    The answer is the `Cursor`; from then on only the new key signs for the device.
    """

    public_jwk: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {"v": PROTOCOL_VERSION, "public_jwk": self.public_jwk}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> KeyRotation:
        """Parse the wire form.

        Raises:
            ProtocolError: ``bad_payload``.
        """
        return cls(_jwk(obj.get("public_jwk"), "public_jwk"))


# ---------------------------------------------------------------------------------- push


@dataclass(frozen=True, slots=True)
class WireRecord:
    """One fiscal journal record exactly as the till stores it."""

    gseq: int
    core: str
    sig: str
    body: bytes

    @property
    def token_sha256(self) -> str:
        """base64url(SHA-256(core "," sig)): the record's hash, the next record's ``prev``."""
        return token_hash(self.core, self.sig)

    def to_json(self) -> dict[str, Any]:
        """The wire form (the body as base64url, so that its bytes travel exactly)."""
        return {"gseq": self.gseq, "core": self.core, "sig": self.sig, "body": b64u(self.body)}

    @classmethod
    def from_json(cls, obj: object, where: str = "record") -> WireRecord:
        """Parse one record's wire form (shape only: the chain is checked by the verifier).

        Raises:
            ProtocolError: ``bad_payload``.
        """
        if not isinstance(obj, Mapping):
            raise protocol_error("bad_payload", where)
        core: str = _field(obj, "core", str, where)
        sig: str = _field(obj, "sig", str, where)
        if len(core) > 1000 or len(sig) > 200:
            raise protocol_error("bad_payload", f"{where}: core or sig too long")
        try:
            body = b64u_decode(_field(obj, "body", str, where))
        except ValueError as exc:
            raise protocol_error("bad_payload", f"{where}.body is not base64url") from exc
        return cls(_int_field(obj, "gseq", where, 1), core, sig, body)


@dataclass(frozen=True, slots=True)
class PushBatch:
    """``POST /v1/devices/{id}/events``: records contiguous by gseq from ``acked_gseq + 1``."""

    records: list[WireRecord]

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {"v": PROTOCOL_VERSION, "records": [r.to_json() for r in self.records]}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> PushBatch:
        """Parse a push body.

        Raises:
            ProtocolError: ``bad_payload`` (empty, not a list, a bad record, gseqs that do not
                increase by one), ``too_large`` (more than `MAX_BATCH_RECORDS`).
        """
        records = _field(obj, "records", list, "push")
        if not records:
            raise protocol_error("bad_payload", "push.records is empty")
        if len(records) > MAX_BATCH_RECORDS:
            raise protocol_error("too_large", f"{len(records)} > {MAX_BATCH_RECORDS} records")
        parsed = [WireRecord.from_json(r, f"records[{i}]") for i, r in enumerate(records)]
        return cls(parsed)


def wire_size(record: WireRecord) -> int:
    """An upper bound of the bytes `record` takes in a push body."""
    return len(record.core.encode()) + len(record.sig) + (len(record.body) * 4 + 2) // 3 + 64


def split_batches(
    records: Sequence[WireRecord],
    max_records: int = MAX_BATCH_RECORDS,
    max_bytes: int = MAX_BODY_BYTES - 1024,
) -> list[list[WireRecord]]:
    """Cut `records` into push batches within both limits (a record alone always fits)."""
    batches: list[list[WireRecord]] = []
    current: list[WireRecord] = []
    size = 0
    for record in records:
        grown = size + wire_size(record)
        if current and (len(current) >= max_records or grown > max_bytes):
            batches.append(current)
            current, grown = [], wire_size(record)
        current.append(record)
        size = grown
    if current:
        batches.append(current)
    return batches


@dataclass(frozen=True, slots=True)
class Flag:
    """A business problem found in an accepted record (never a refusal)."""

    gseq: int
    code: str
    fr: str
    en: str

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {"gseq": self.gseq, "code": self.code, "fr": self.fr, "en": self.en}


@dataclass(frozen=True, slots=True)
class Ack:
    """The answer to a push: the server's committed cursor and a signed anchor at it."""

    acked_gseq: int
    acked_hash: str | None
    accepted: int
    duplicates: int
    server_time: str
    flags: list[dict[str, Any]] = field(default_factory=list)
    anchor: SignedObject | None = None

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {
            "v": PROTOCOL_VERSION,
            "acked_gseq": self.acked_gseq,
            "acked_hash": self.acked_hash,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "server_time": self.server_time,
            "flags": self.flags,
            "anchor": None if self.anchor is None else self.anchor.to_json(),
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Ack:
        """Parse the wire form.

        Raises:
            ProtocolError: ``bad_payload``.
        """
        acked_hash = obj.get("acked_hash")
        anchor = obj.get("anchor")
        return cls(
            _int_field(obj, "acked_gseq", "ack"),
            acked_hash if isinstance(acked_hash, str) else None,
            _int_field(obj, "accepted", "ack"),
            _int_field(obj, "duplicates", "ack"),
            _field(obj, "server_time", str, "ack"),
            list(_field(obj, "flags", list, "ack")),
            None if anchor is None else SignedObject.from_json(anchor),
        )


def anchor_payload(
    device_id: str, till: str, gseq: int, token_sha256: str, gt: int | None, server_time: str
) -> dict[str, Any]:
    """The payload of a signed anchor (nf525.md §6.9): the till records it as JET 210."""
    return {
        "type": "anchor",
        "device_id": device_id,
        "till": till,
        "gseq": gseq,
        "token_sha256": token_sha256,
        "gt": gt,
        "server_time": server_time,
    }


# ---------------------------------------------------------------------------------- ops events

OPS_TYPES: Final = frozenset({"stock.adjust", "stock.receipt", "stock.count", "customer.upsert"})
"""Non-fiscal events: stock entered by hand, goods received, inventory counts, customers."""


@dataclass(frozen=True, slots=True)
class OpsEvent:
    """One non-fiscal operational event, idempotent by `event_id` (a UUID, v7 preferred).

    ``data`` by type: ``stock.adjust`` / ``stock.receipt`` ``{"sku", "qty_milli", "reason"}``
    (a signed delta); ``stock.count`` ``{"sku", "counted_milli"}`` (counted at `at`);
    ``customer.upsert`` ``{"customer_id", "fields": {...}}``.
    """

    event_id: str
    type: str
    at: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {"event_id": self.event_id, "type": self.type, "at": self.at, "data": self.data}

    @classmethod
    def from_json(cls, obj: object, where: str = "event") -> OpsEvent:
        """Parse and check one event.

        Raises:
            ProtocolError: ``bad_payload``.
        """
        if not isinstance(obj, Mapping):
            raise protocol_error("bad_payload", where)
        event_id: str = _field(obj, "event_id", str, where)
        kind: str = _field(obj, "type", str, where)
        at: str = _field(obj, "at", str, where)
        data: dict[str, Any] = _field(obj, "data", dict, where)
        if not _UUID.fullmatch(event_id) or kind not in OPS_TYPES:
            raise protocol_error("bad_payload", f"{where}: event_id or type")
        try:
            parse_utc_iso(at)
        except ValueError as exc:
            raise protocol_error("bad_payload", f"{where}.at") from exc
        if kind in ("stock.adjust", "stock.receipt"):
            _field(data, "sku", str, where)
            _int_field(data, "qty_milli", where, -(2**53 - 1))
        elif kind == "stock.count":
            _field(data, "sku", str, where)
            _int_field(data, "counted_milli", where, -(2**53 - 1))
        else:
            _field(data, "customer_id", str, where)
            _field(data, "fields", dict, where)
        if len(dumps(data)) > 8192:
            raise protocol_error("bad_payload", f"{where}.data too large")
        return cls(event_id, kind, at, data)


@dataclass(frozen=True, slots=True)
class OpsBatch:
    """``POST /v1/devices/{id}/ops``: a batch of operational events."""

    events: list[OpsEvent]

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {"v": PROTOCOL_VERSION, "events": [e.to_json() for e in self.events]}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> OpsBatch:
        """Parse an ops body.

        Raises:
            ProtocolError: ``bad_payload`` or ``too_large``.
        """
        events = _field(obj, "events", list, "ops")
        if len(events) > MAX_OPS_EVENTS:
            raise protocol_error("too_large", f"{len(events)} > {MAX_OPS_EVENTS} events")
        return cls([OpsEvent.from_json(e, f"events[{i}]") for i, e in enumerate(events)])


@dataclass(frozen=True, slots=True)
class OpsAck:
    """The answer to an ops batch."""

    accepted: int
    duplicates: int
    server_time: str

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {
            "v": PROTOCOL_VERSION,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "server_time": self.server_time,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> OpsAck:
        """Parse the wire form.

        Raises:
            ProtocolError: ``bad_payload``.
        """
        return cls(
            _int_field(obj, "accepted", "ops_ack"),
            _int_field(obj, "duplicates", "ops_ack"),
            _field(obj, "server_time", str, "ops_ack"),
        )


# ---------------------------------------------------------------------------------- pull


def check_scope(scope: str) -> str:
    """Return `scope` when it is one of the pull scopes.

    Raises:
        ProtocolError: ``not_found``.
    """
    if not _SCOPE.fullmatch(scope):
        raise protocol_error("not_found", f"scope {scope[:80]!r}")
    return scope


def scope_store(scope: str) -> str | None:
    """The store a scope belongs to (``users:S1`` → ``S1``), None for global scopes."""
    kind, sep, rest = scope.partition(":")
    return rest if sep and kind in ("promotions", "users", "stock") else None


@dataclass(frozen=True, slots=True)
class PullItem:
    """One row of a scope: its id, the server version that wrote it, a tombstone flag, data."""

    id: str
    version: int
    deleted: bool
    data: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {"id": self.id, "version": self.version, "deleted": self.deleted, "data": self.data}

    @classmethod
    def from_json(cls, obj: object) -> PullItem:
        """Parse the wire form.

        Raises:
            ProtocolError: ``bad_payload``.
        """
        if not isinstance(obj, Mapping):
            raise protocol_error("bad_payload", "item")
        data = obj.get("data")
        return cls(
            _field(obj, "id", str, "item"),
            _int_field(obj, "version", "item", 1),
            _field(obj, "deleted", bool, "item"),
            data if isinstance(data, dict) else None,
        )


def page_checksum(items: Sequence[PullItem]) -> str:
    """The page checksum: base64url SHA-256 of ``id:version:deleted`` lines (sync.md §3.6)."""
    text = "\n".join(f"{i.id}:{i.version}:{int(i.deleted)}" for i in items)
    return sha256_b64u(text.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class PullPage:
    """``GET /v1/sync/{scope}/changes?since=V&limit=N``: one page of a scope.

    Apply `items` and store `next` in one local transaction. For ``users:{store}`` the last
    page also carries `snapshot`: the whole current set signed by the server with a
    ``valid_until``, which the till keeps to open sessions offline.
    """

    scope: str
    items: list[PullItem]
    next: int
    has_more: bool
    checksum: str
    snapshot: SignedObject | None = None

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {
            "v": PROTOCOL_VERSION,
            "scope": self.scope,
            "items": [i.to_json() for i in self.items],
            "next": self.next,
            "has_more": self.has_more,
            "checksum": self.checksum,
            "snapshot": None if self.snapshot is None else self.snapshot.to_json(),
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> PullPage:
        """Parse the wire form and check the page checksum.

        Raises:
            ProtocolError: ``bad_payload`` (also when the checksum does not match the items).
        """
        items = [PullItem.from_json(i) for i in _field(obj, "items", list, "page")]
        checksum: str = _field(obj, "checksum", str, "page")
        if page_checksum(items) != checksum:
            raise protocol_error("bad_payload", "page checksum does not match its items")
        snapshot = obj.get("snapshot")
        return cls(
            _field(obj, "scope", str, "page"),
            items,
            _int_field(obj, "next", "page"),
            _field(obj, "has_more", bool, "page"),
            checksum,
            None if snapshot is None else SignedObject.from_json(snapshot),
        )
