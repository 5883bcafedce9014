"""Devices: one-time enrolment codes, a key per device, signed requests, nonces, revocation."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from caisse_verif import es256
from caisse_verif.errors import KeyFormatError
from sync import protocol
from sync.errors import ProtocolError
from sync.protocol import EnrollRequest, EnrollResponse
from sync.server import schema
from sync.server.context import ServerContext

logger = logging.getLogger(__name__)

_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or typed


@dataclass(frozen=True, slots=True)
class Device:
    """An enrolled device as the request handlers need it."""

    device_id: str
    store_id: str
    till_id: str | None
    status: str
    skew_s: int


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).hexdigest()


def create_enroll_code(ctx: ServerContext, store_id: str, till_id: str | None = None) -> str:
    """Create a one-time enrolment code for a till of `store_id` (valid `ctx.code_ttl_s`)."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    with ctx.engine.begin() as conn:
        conn.execute(
            insert(schema.enroll_code).values(
                code_sha256=_code_hash(code),
                store_id=store_id,
                till_id=till_id,
                expires_unix=ctx.now_unix() + ctx.code_ttl_s,
                created_at=ctx.now_iso(),
            )
        )
    return code


def scopes_of(store_id: str) -> list[str]:
    """The pull scopes of a device of `store_id`."""
    return [
        "catalog",
        f"prices:{store_id}",
        f"promotions:{store_id}",
        f"users:{store_id}",
        f"stock:{store_id}",
    ]


def enroll(
    ctx: ServerContext, headers: Mapping[str, str], path: str, query: str, raw: bytes
) -> EnrollResponse:
    """Enrol a till: a signed request (keyid ``enroll``) carrying a valid one-time code.

    Raises:
        ProtocolError: ``bad_signature`` (not signed by the key in the body), ``bad_code``,
            ``bad_payload``, ``replay_window``.
    """
    signed = protocol.parse_signature(headers)
    request = EnrollRequest.from_json(protocol.loads(raw))
    if signed.keyid != "enroll":
        raise protocol.protocol_error("bad_signature", "enrolment is signed with keyid enroll")
    public_key = es256.load_public_jwk(request.public_jwk)
    protocol.verify_request(signed, public_key, "POST", path, query, raw, ctx.now_unix())
    device_id = "dev_" + secrets.token_hex(10)
    with ctx.engine.begin() as conn:
        code = conn.execute(
            select(schema.enroll_code)
            .where(schema.enroll_code.c.code_sha256 == _code_hash(request.code))
            .with_for_update()
        ).first()
        if code is None or code.used_at is not None or code.expires_unix < ctx.now_unix():
            raise protocol.protocol_error("bad_code")
        if code.till_id is not None and request.till_id not in (None, code.till_id):
            raise protocol.protocol_error("bad_payload", "till_id differs from the code's")
        till_id = request.till_id or code.till_id
        journal_kid = None
        if request.journal_jwk is not None:
            journal_kid = es256.jwk_thumbprint(request.journal_jwk)
        # note: burn the code only if it is still unused (a concurrent enrolment loses)
        burnt = conn.execute(
            update(schema.enroll_code)
            .where(schema.enroll_code.c.code_sha256 == code.code_sha256)
            .where(schema.enroll_code.c.used_at.is_(None))
            .values(used_at=ctx.now_iso(), device_id=device_id)
        )
        if burnt.rowcount != 1:
            raise protocol.protocol_error("bad_code")
        conn.execute(
            insert(schema.device).values(
                device_id=device_id,
                store_id=code.store_id,
                till_id=till_id,
                public_jwk=json.dumps(request.public_jwk),
                journal_jwk=None
                if request.journal_jwk is None
                else json.dumps(request.journal_jwk),
                journal_kid=journal_kid,
                status="active",
                acked_gseq=0,
                acked_hash=None,
                gt=None,
                enrolled_at=ctx.now_iso(),
                hw_info=request.hw_info,
            )
        )
    logger.info("device %s enrolled for store %s", device_id, code.store_id)
    return EnrollResponse(
        device_id, code.store_id, till_id, ctx.now_iso(), ctx.jwk, scopes_of(code.store_id)
    )


def authenticate(
    ctx: ServerContext,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    raw: bytes,
) -> Device:
    """Check a request's signature, time window and nonce; return the signing device.

    The nonce is stored only once everything else passed, so a refused request stores nothing.

    Raises:
        ProtocolError: ``bad_signature``, ``unknown_device``, ``revoked``, ``replay_window``,
            ``replay``.
    """
    signed = protocol.parse_signature(headers)
    with ctx.engine.connect() as conn:
        row = conn.execute(
            select(
                schema.device.c.device_id,
                schema.device.c.store_id,
                schema.device.c.till_id,
                schema.device.c.status,
                schema.device.c.public_jwk,
            ).where(schema.device.c.device_id == signed.keyid)
        ).first()
    if row is None:
        raise protocol.protocol_error("unknown_device")
    if row.status == "revoked":
        raise protocol.protocol_error("revoked")
    try:
        public_key = _public_key(row.public_jwk)
    except KeyFormatError as exc:  # pragma: no cover - checked at enrolment
        raise protocol.protocol_error("bad_signature", "stored key unusable") from exc
    now = ctx.now_unix()
    protocol.verify_request(signed, public_key, method, path, query, raw, now)
    _remember_nonce(ctx, signed.keyid, signed.nonce, signed.created, now)
    return Device(
        row.device_id, row.store_id, row.till_id, row.status, _skew(headers, now, signed.created)
    )


def _skew(headers: Mapping[str, str], now: int, created: int) -> int:
    """Server time minus the till's own clock, in seconds.

    The offset header undoes the correction the client applied to sign within the window.
    """
    offset = headers.get(protocol.OFFSET_HEADER, "0")
    try:
        value = int(offset)
    except ValueError:
        value = 0
    return now - created + max(-(2**40), min(2**40, value))


_KEYS: dict[str, Any] = {}


def _public_key(jwk_text: str) -> Any:
    # note: building a key object costs more than a verification; cache by JWK text
    key = _KEYS.get(jwk_text)
    if key is None:
        key = es256.load_public_jwk(json.loads(jwk_text))
        if len(_KEYS) > 10_000:
            _KEYS.clear()
        _KEYS[jwk_text] = key
    return key


def _remember_nonce(ctx: ServerContext, device_id: str, nonce: str, created: int, now: int) -> None:
    try:
        with ctx.engine.begin() as conn:
            conn.execute(
                insert(schema.request_nonce).values(
                    device_id=device_id, nonce=nonce, created_unix=created
                )
            )
            # note: forget nonces older than two windows now and then (cheap, indexed)
            if secrets.randbelow(200) == 0:
                conn.execute(
                    delete(schema.request_nonce).where(
                        schema.request_nonce.c.created_unix < now - 2 * protocol.REPLAY_WINDOW_S
                    )
                )
    except IntegrityError as exc:
        raise protocol.protocol_error("replay") from exc


def revoke(ctx: ServerContext, device_id: str) -> bool:
    """Revoke a device: its requests get 403 from now on. Returns False if it is unknown."""
    with ctx.engine.begin() as conn:
        result = conn.execute(
            update(schema.device)
            .where(schema.device.c.device_id == device_id)
            .values(status="revoked", revoked_at=ctx.now_iso())
        )
    return result.rowcount == 1


def rotate_key(ctx: ServerContext, device: Device, raw: bytes) -> None:
    """Replace the device's transport key (the request was signed with the current one).

    Raises:
        ProtocolError: ``bad_json``, ``bad_payload``, ``unsupported_version``.
    """
    rotation = protocol.KeyRotation.from_json(protocol.loads(raw))
    with ctx.engine.begin() as conn:
        conn.execute(
            update(schema.device)
            .where(schema.device.c.device_id == device.device_id)
            .values(public_jwk=json.dumps(rotation.public_jwk))
        )
    logger.info("device %s rotated its key", device.device_id)


def require_own(device: Device, path_device_id: str) -> None:
    """A device may only act on its own path.

    Raises:
        ProtocolError: ``forbidden``.
    """
    if device.device_id != path_device_id:
        raise protocol.protocol_error("forbidden", "another device's path")


__all__ = [
    "Device",
    "ProtocolError",
    "authenticate",
    "create_enroll_code",
    "enroll",
    "require_own",
    "revoke",
    "rotate_key",
    "scopes_of",
]
