"""The ASGI application (Starlette): routes, body limits, signed-request checks, error bodies.

Handlers are ``async`` only to read the raw body (the signature covers its exact bytes); the
database work runs in the thread pool with the synchronous engine (sync.md §4.1). Any refusal
is a JSON error body with a stable code; an unexpected exception is logged and answered 500,
and the server keeps serving.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import select
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sync import protocol
from sync.errors import ProtocolError
from sync.server import auth, ingest, ops, refdata, schema
from sync.server.auth import Device
from sync.server.context import ServerContext

logger = logging.getLogger(__name__)

_JSON = "application/json"


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(protocol.dumps(body), status_code=status, media_type=_JSON)


def _error(exc: ProtocolError) -> Response:
    return _json(protocol.error_body(exc), exc.status)


async def _read_body(request: Request) -> bytes:
    """The raw body, refused (413) past `MAX_BODY_BYTES` without reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > protocol.MAX_BODY_BYTES:
        raise protocol.protocol_error("too_large", f"{declared} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > protocol.MAX_BODY_BYTES:
            raise protocol.protocol_error("too_large", f"more than {protocol.MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _check_version_header(request: Request) -> None:
    value = request.headers.get(protocol.VERSION_HEADER)
    if value is not None and (not value.isdigit() or int(value) > protocol.PROTOCOL_VERSION):
        raise protocol.protocol_error(
            "unsupported_version", f"header {value[:10]}", supported=protocol.PROTOCOL_VERSION
        )


def _target(request: Request) -> tuple[str, str]:
    raw_path = request.scope.get("raw_path") or request.url.path.encode("ascii")
    return raw_path.decode("latin-1"), request.scope.get("query_string", b"").decode("latin-1")


def create_app(ctx: ServerContext) -> Starlette:
    """Build the ASGI application over `ctx`."""

    async def signed(
        request: Request, work: Callable[[Device, bytes], dict[str, Any]], own: bool = True
    ) -> Response:
        try:
            _check_version_header(request)
            raw = await _read_body(request)
            path, query = _target(request)

            def run() -> dict[str, Any]:
                device = auth.authenticate(ctx, request.method, path, query, request.headers, raw)
                if own:
                    auth.require_own(device, request.path_params["device_id"])
                return work(device, raw)

            return _json(await run_in_threadpool(run))
        except ProtocolError as exc:
            if exc.status >= 400:
                logger.info("%s %s refused: %s", request.method, request.url.path, exc)
            return _error(exc)

    async def enroll_route(request: Request) -> Response:
        try:
            _check_version_header(request)
            raw = await _read_body(request)
            path, query = _target(request)
            answer = await run_in_threadpool(auth.enroll, ctx, request.headers, path, query, raw)
            return _json(answer.to_json())
        except ProtocolError as exc:
            return _error(exc)

    async def time_route(request: Request) -> Response:
        return _json(
            {
                "v": protocol.PROTOCOL_VERSION,
                "server_time": ctx.now_iso(),
                "server_unix": ctx.now_unix(),
            }
        )

    async def cursor_route(request: Request) -> Response:
        return await signed(request, lambda device, raw: _cursor(ctx, device))

    async def events_route(request: Request) -> Response:
        return await signed(request, lambda device, raw: ingest.push(ctx, device, raw).to_json())

    async def keys_route(request: Request) -> Response:
        def work(device: Device, raw: bytes) -> dict[str, Any]:
            auth.rotate_key(ctx, device, raw)
            return _cursor(ctx, device)

        return await signed(request, work)

    async def ops_route(request: Request) -> Response:
        return await signed(request, lambda device, raw: ops.push_ops(ctx, device, raw).to_json())

    async def changes_route(request: Request) -> Response:
        def work(device: Device, raw: bytes) -> dict[str, Any]:
            since = _int_param(request, "since", 0)
            limit = _int_param(request, "limit", protocol.DEFAULT_PULL_LIMIT)
            return refdata.pull(ctx, device, request.path_params["scope"], since, limit).to_json()

        return await signed(request, work, own=False)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = "not_found" if status in (404, 405) else "bad_payload"
        if status >= 500:
            return await server_error(request, exc)
        return _json(protocol.error_body(protocol.protocol_error(code)), status)

    async def server_error(request: Request, exc: Exception) -> Response:
        logger.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return _json(
            {
                "error": "internal",
                "reason": {
                    "fr": "Erreur interne du serveur ; réessayez plus tard.",
                    "en": "Internal server error; try again later.",
                },
            },
            500,
        )

    routes = [
        Route("/v1/enroll", enroll_route, methods=["POST"]),
        Route("/v1/time", time_route, methods=["GET"]),
        Route("/v1/devices/{device_id}/cursor", cursor_route, methods=["GET"]),
        Route("/v1/devices/{device_id}/events", events_route, methods=["POST"]),
        Route("/v1/devices/{device_id}/ops", ops_route, methods=["POST"]),
        Route("/v1/devices/{device_id}/keys", keys_route, methods=["POST"]),
        Route("/v1/sync/{scope}/changes", changes_route, methods=["GET"]),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        ctx.signatures.close()

    return Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )


def create_app_from_env() -> Starlette:
    """App factory for several uvicorn worker processes (``serve --workers N``).

    Each worker opens the database named by ``CAISSE_SERVER_DATABASE_URL`` itself.
    """
    return create_app(ServerContext.open(os.environ["CAISSE_SERVER_DATABASE_URL"]))


def _int_param(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value is None:
        return default
    if not value.isdigit() or len(value) > 16:
        raise protocol.protocol_error("bad_payload", f"{name} is not a natural number")
    return int(value)


def _cursor(ctx: ServerContext, device: Device) -> dict[str, Any]:
    with ctx.engine.connect() as conn:
        row = conn.execute(
            select(schema.device).where(schema.device.c.device_id == device.device_id)
        ).one()
    return protocol.Cursor(
        device.device_id, int(row.acked_gseq), row.acked_hash, row.status, ctx.now_iso()
    ).to_json()
