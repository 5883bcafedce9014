"""A typed HTTP client for the sync protocol: signs every request, parses every answer.

It knows nothing of the till's database: the till-side sync worker reads its journal, calls
`SyncClient.push` and stores what comes back. The client only adds the transport rules of
``docs/sync-protocol.md``: signing with the device key, learning the server's clock offset
on a ``replay_window`` answer (then retrying once), and turning answers into typed values or
`ProtocolError` / `SyncUnavailable`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec

from caisse_verif import es256
from sync import protocol
from sync.errors import ProtocolError, SyncUnavailable
from sync.protocol import (
    Ack,
    Cursor,
    EnrollRequest,
    EnrollResponse,
    KeyRotation,
    OpsAck,
    OpsBatch,
    OpsEvent,
    PullPage,
    PushBatch,
    WireRecord,
)

logger = logging.getLogger(__name__)

ENROLL_KEYID = "enroll"


class SyncClient:
    """Talks to one central server as one device.

    Args:
        base_url: the server's root URL (``http://127.0.0.1:8700``).
        device_id: the id the server gave at enrolment (``"enroll"`` before it).
        key: the device's ES256 private key.
        transport: an httpx transport (tests pass a mock or a fault-injecting one).
        timeout: seconds for each request.
        wall: the local clock, Unix seconds (injected in tests).
        offset_s: the known server-minus-local offset, seconds (learnt and updated here).
    """

    def __init__(
        self,
        base_url: str,
        device_id: str,
        key: ec.EllipticCurvePrivateKey,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        wall: Callable[[], float] = time.time,
        offset_s: float = 0.0,
    ) -> None:
        self.device_id = device_id
        self.offset_s = offset_s
        self.last_server_date: datetime | None = None
        """The server's ``Date`` header of the last answer (for the status bar)."""
        self._key = key
        self._wall = wall
        self._http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def public_jwk(self) -> dict[str, str]:
        """The device's public JWK (what enrolment registers)."""
        return es256.public_jwk(self._key.public_key())

    # ------------------------------------------------------------------ protocol calls

    def enroll(
        self,
        code: str,
        *,
        till_id: str | None = None,
        journal_jwk: dict[str, str] | None = None,
        hw_info: str = "",
    ) -> EnrollResponse:
        """Register this key with a one-time code; sets `device_id` from the answer.

        Raises:
            ProtocolError: ``bad_code`` (unknown, expired or used code) and the other 4xx.
            SyncUnavailable: network error, 5xx or an unreadable answer.
        """
        request = EnrollRequest(code, self.public_jwk, till_id, journal_jwk, hw_info)
        body = self._call("POST", "/v1/enroll", request.to_json(), keyid=ENROLL_KEYID)
        answer = EnrollResponse.from_json(body)
        self.device_id = answer.device_id
        return answer

    def cursor(self) -> Cursor:
        """The start-up handshake: what the server holds of this device's journal.

        Raises:
            ProtocolError: 4xx (``unknown_device``, ``revoked``...).
            SyncUnavailable: network error, 5xx or an unreadable answer.
        """
        return Cursor.from_json(self._call("GET", f"/v1/devices/{self.device_id}/cursor"))

    def push(self, records: Sequence[WireRecord]) -> Ack:
        """Push fiscal records contiguous from the server's ``acked_gseq + 1``.

        Raises:
            ProtocolError: ``gap`` (resend from ``extra["acked_gseq"] + 1``), ``fork`` or
                ``chain`` (stop: the batch is in quarantine), ``too_large`` (halve the batch)
                and the other 4xx.
            SyncUnavailable: network error, 5xx or an unreadable answer: retry the same batch.
        """
        body = self._call(
            "POST", f"/v1/devices/{self.device_id}/events", PushBatch(list(records)).to_json()
        )
        return Ack.from_json(body)

    def push_ops(self, events: Sequence[OpsEvent]) -> OpsAck:
        """Push non-fiscal operational events (idempotent by event id).

        Raises:
            ProtocolError: 4xx.
            SyncUnavailable: network error, 5xx or an unreadable answer.
        """
        body = self._call(
            "POST", f"/v1/devices/{self.device_id}/ops", OpsBatch(list(events)).to_json()
        )
        return OpsAck.from_json(body)

    def pull(self, scope: str, since: int, limit: int = protocol.DEFAULT_PULL_LIMIT) -> PullPage:
        """Pull one page of a scope after version `since`.

        Raises:
            ProtocolError: ``reset`` (reload the scope from 0), ``forbidden`` and other 4xx.
            SyncUnavailable: network error, 5xx or an unreadable answer (or a bad checksum).
        """
        body = self._call(
            "GET", f"/v1/sync/{scope}/changes", params={"since": since, "limit": limit}
        )
        try:
            return PullPage.from_json(body)
        except ProtocolError as exc:
            raise SyncUnavailable(
                "La page reçue du serveur est incohérente.", f"The page received is corrupt: {exc}"
            ) from exc

    def rotate_key(self, new_key: ec.EllipticCurvePrivateKey) -> Cursor:
        """Register `new_key` for this device (signed with the current key), then use it.

        Raises:
            ProtocolError: 4xx (the old key stays in use).
            SyncUnavailable: network error, 5xx or an unreadable answer: the rotation may or
                may not have happened; `cursor` signed with either key tells.
        """
        body = self._call(
            "POST",
            f"/v1/devices/{self.device_id}/keys",
            KeyRotation(es256.public_jwk(new_key.public_key())).to_json(),
        )
        self._key = new_key
        return Cursor.from_json(body)

    def server_time(self) -> str:
        """``GET /v1/time`` (unsigned): the server's clock, ISO UTC.

        Raises:
            SyncUnavailable: network error, 5xx or an unreadable answer.
        """
        body = self._send("GET", "/v1/time", None, {}, keyid=None)
        return str(body.get("server_time", ""))

    # ------------------------------------------------------------------ transport

    def _call(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, int] | None = None,
        keyid: str | None = None,
    ) -> dict[str, Any]:
        keyid = keyid or self.device_id
        try:
            return self._send(method, path, payload, params or {}, keyid=keyid)
        except ProtocolError as exc:
            if exc.code != "replay_window":
                raise
            # note: learn the offset from the server's time and retry once (sync.md §3.4)
            server_unix = exc.extra.get("server_unix")
            if not isinstance(server_unix, int):
                raise
            self.offset_s = server_unix - self._wall()
            logger.info("server clock offset learnt: %.0f s", self.offset_s)
            return self._send(method, path, payload, params or {}, keyid=keyid)

    def _send(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None,
        params: Mapping[str, int],
        *,
        keyid: str | None,
    ) -> dict[str, Any]:
        body = b"" if payload is None else protocol.dumps(payload)
        request = self._http.build_request(
            method, path, content=body if payload is not None else None, params=dict(params)
        )
        if payload is not None:
            request.headers["Content-Type"] = "application/json"
        if keyid is not None:
            raw_path, _, query = request.url.raw_path.decode("ascii").partition("?")
            created = int(self._wall() + self.offset_s)
            request.headers.update(
                protocol.sign_request(self._key, keyid, method, raw_path, query, body, created)
            )
            request.headers[protocol.OFFSET_HEADER] = str(round(self.offset_s))
        try:
            response = self._http.send(request)
            content = response.read()
        except httpx.HTTPError as exc:
            raise SyncUnavailable(
                "Le serveur central est injoignable.",
                f"The central server cannot be reached: {type(exc).__name__}.",
            ) from exc
        self._learn_date(response)
        if response.status_code >= 500 or response.status_code in (429, 503):
            raise SyncUnavailable(
                f"Le serveur central a répondu HTTP {response.status_code}.",
                f"The central server answered HTTP {response.status_code}.",
            )
        try:
            decoded: object = json.loads(content)
        except (ValueError, RecursionError) as exc:
            raise SyncUnavailable(
                "La réponse du serveur est illisible (tronquée ?).",
                "The server's answer is unreadable (truncated?).",
            ) from exc
        if response.status_code >= 400:
            raise protocol.error_from_body(response.status_code, decoded)
        if not isinstance(decoded, dict):
            raise SyncUnavailable(
                "La réponse du serveur n'est pas un objet JSON.",
                "The server's answer is not a JSON object.",
            )
        return decoded

    def _learn_date(self, response: httpx.Response) -> None:
        date = response.headers.get("date")
        if date is None:
            return
        try:
            self.last_server_date = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            return


__all__ = ["ENROLL_KEYID", "SyncClient"]
