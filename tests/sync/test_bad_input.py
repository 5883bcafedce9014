"""Bad input at the server (issue 6 item 11, sync.md F23): a clear 4xx with a reason, nothing
stored, and the server keeps serving."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from caisse_verif import es256
from sync import protocol
from sync.client import SyncClient
from sync.errors import ProtocolError
from sync.server import auth, schema
from sync.server.context import ServerContext
from tests.integration.conftest import TillFixture
from tests.sync.conftest import LiveServer, wire_records

pytestmark = pytest.mark.integration


class Raw:
    """Hand-made requests for one enrolled device (to tamper with what the client would sign)."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live
        self.key: ec.EllipticCurvePrivateKey = es256.generate_private_key()
        client = SyncClient(live.url, "enroll", self.key)
        self.device_id = client.enroll(auth.create_enroll_code(live.ctx, "S1")).device_id
        client.close()
        self.http = httpx.Client(base_url=live.url, timeout=30)

    @property
    def events(self) -> str:
        return f"/v1/devices/{self.device_id}/events"

    def headers(
        self, method: str, path: str, body: bytes, *, created: int | None = None
    ) -> dict[str, str]:
        when = int(time.time()) if created is None else created
        return protocol.sign_request(self.key, self.device_id, method, path, "", body, when)

    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.http.post(
            path,
            content=body,
            headers=headers if headers is not None else self.headers("POST", path, body),
        )

    def cursor_ok(self) -> bool:
        path = f"/v1/devices/{self.device_id}/cursor"
        return self.http.get(path, headers=self.headers("GET", path, b"")).status_code == 200


@pytest.fixture
def raw(live: LiveServer) -> Iterator[Raw]:
    r = Raw(live)
    yield r
    r.http.close()


def _stored(ctx: ServerContext) -> tuple[int, int, int, int]:
    with ctx.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (schema.journal, schema.quarantine, schema.flag, schema.ops_event)
        )


def _push_body(till: TillFixture) -> bytes:
    return protocol.dumps(protocol.PushBatch(wire_records(till.data_dir)).to_json())


def _assert_refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert body["reason"]["fr"]
    assert body["reason"]["en"]
    return dict(body)


def test_a_signed_push_is_accepted(raw: Raw, till: TillFixture) -> None:
    response = raw.post(raw.events, _push_body(till))
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == len(wire_records(till.data_dir))


def test_a_body_changed_after_signing_is_refused(raw: Raw, till: TillFixture) -> None:
    body = _push_body(till)
    headers = raw.headers("POST", raw.events, body)
    tampered = body.replace(b'"gseq":1', b'"gseq":2', 1)
    _assert_refused(raw.post(raw.events, tampered, headers), 401, "bad_signature")
    assert _stored(raw.live.ctx) == (0, 0, 0, 0)
    assert raw.cursor_ok()


def test_a_request_signed_by_another_key_is_refused(raw: Raw, till: TillFixture) -> None:
    body = _push_body(till)
    other = es256.generate_private_key()
    headers = protocol.sign_request(
        other, raw.device_id, "POST", raw.events, "", body, int(time.time())
    )
    _assert_refused(raw.post(raw.events, body, headers), 401, "bad_signature")
    assert _stored(raw.live.ctx) == (0, 0, 0, 0)


def test_an_unsigned_request_is_refused(raw: Raw, till: TillFixture) -> None:
    _assert_refused(raw.post(raw.events, _push_body(till), {}), 401, "bad_signature")


def test_a_replayed_request_is_refused(raw: Raw, till: TillFixture) -> None:
    body = protocol.dumps({"v": 1, "events": []})
    path = f"/v1/devices/{raw.device_id}/ops"
    headers = raw.headers("POST", path, body)
    assert raw.post(path, body, headers).status_code == 200
    _assert_refused(raw.post(path, body, headers), 401, "replay")
    assert raw.cursor_ok()


def test_a_request_outside_the_window_gives_the_server_time(raw: Raw, till: TillFixture) -> None:
    body = _push_body(till)
    headers = raw.headers("POST", raw.events, body, created=int(time.time()) - 2 * 86400)
    answer = _assert_refused(raw.post(raw.events, body, headers), 401, "replay_window")
    assert abs(answer["server_unix"] - time.time()) < 60
    assert _stored(raw.live.ctx) == (0, 0, 0, 0)


def test_the_client_learns_the_server_offset_and_retries(
    live: LiveServer, till: TillFixture
) -> None:
    key = es256.generate_private_key()
    late = SyncClient(live.url, "enroll", key, wall=lambda: time.time() + 2 * 86400)
    try:
        late.enroll(auth.create_enroll_code(live.ctx, "S1"))
        ack = late.push(wire_records(till.data_dir))
    finally:
        late.close()
    assert ack.acked_gseq > 0
    assert abs(late.offset_s + 2 * 86400) < 60
    assert [f["code"] for f in ack.flags] == ["clock_skew"]  # F11: accepted, and flagged


def test_an_unknown_device_is_refused(raw: Raw, till: TillFixture) -> None:
    body = _push_body(till)
    path = "/v1/devices/dev_unknown/events"
    headers = protocol.sign_request(
        raw.key, "dev_unknown", "POST", path, "", body, int(time.time())
    )
    _assert_refused(raw.post(path, body, headers), 401, "unknown_device")


def test_a_device_cannot_push_to_another_device(raw: Raw, live: LiveServer) -> None:
    other = live.enrolled()
    path = f"/v1/devices/{other.device_id}/ops"
    body = protocol.dumps({"v": 1, "events": []})
    _assert_refused(raw.post(path, body), 403, "forbidden")


def test_a_revoked_device_is_refused(raw: Raw, till: TillFixture) -> None:
    assert auth.revoke(raw.live.ctx, raw.device_id)
    _assert_refused(raw.post(raw.events, _push_body(till)), 403, "revoked")
    assert _stored(raw.live.ctx) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "bad_json"),
        (b"[]", 400, "bad_json"),
        (b'{"v":1}', 400, "bad_payload"),
        (b'{"v":1,"records":[]}', 400, "bad_payload"),
        (b'{"v":1,"records":[{"gseq":1}]}', 400, "bad_payload"),
        (b'{"v":2,"records":[]}', 400, "unsupported_version"),
    ],
)
def test_malformed_payloads_are_refused(raw: Raw, body: bytes, status: int, code: str) -> None:
    _assert_refused(raw.post(raw.events, body), status, code)
    assert _stored(raw.live.ctx) == (0, 0, 0, 0)
    assert raw.cursor_ok()


def test_a_newer_protocol_header_is_refused(raw: Raw, till: TillFixture) -> None:
    body = _push_body(till)
    headers = raw.headers("POST", raw.events, body) | {protocol.VERSION_HEADER: "9"}
    answer = _assert_refused(raw.post(raw.events, body, headers), 400, "unsupported_version")
    assert answer["supported"] == protocol.PROTOCOL_VERSION


def test_an_oversized_body_is_refused_before_parsing(raw: Raw) -> None:
    body = b'{"v":1,"records":["' + b"x" * protocol.MAX_BODY_BYTES + b'"]}'
    _assert_refused(raw.post(raw.events, body), 413, "too_large")
    assert raw.cursor_ok()


def test_too_many_records_are_refused(raw: Raw, till: TillFixture) -> None:
    one = wire_records(till.data_dir)[0].to_json()
    body = protocol.dumps({"v": 1, "records": [one] * (protocol.MAX_BATCH_RECORDS + 1)})
    _assert_refused(raw.post(raw.events, body), 413, "too_large")
    assert _stored(raw.live.ctx) == (0, 0, 0, 0)


def test_an_unknown_path_is_a_json_404(raw: Raw) -> None:
    _assert_refused(raw.http.get("/v1/nothing"), 404, "not_found")


def test_a_pull_of_another_store_is_forbidden(live: LiveServer) -> None:
    client = live.enrolled(store="S1")
    with pytest.raises(ProtocolError) as info:
        client.pull("stock:S2", 0)
    assert (info.value.status, info.value.code) == (403, "forbidden")


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
_records = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "gseq": st.integers(min_value=-2, max_value=10) | _json_values,
            "core": st.text(max_size=120) | _json_values,
            "sig": st.text(max_size=90) | _json_values,
            "body": st.text(alphabet="ABCDEFabcdef0123456789-_", max_size=60) | _json_values,
        },
    ),
    max_size=4,
)
_payloads = st.one_of(
    st.binary(max_size=200),
    _json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"v": st.integers(-1, 3) | _json_values, "records": _records}).map(
        lambda v: json.dumps(v).encode()
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=_payloads)
def test_random_signed_payloads_get_a_4xx_and_store_nothing(raw: Raw, payload: bytes) -> None:
    response = raw.post(raw.events, payload)
    assert 400 <= response.status_code < 500, (payload, response.text)
    body = response.json()
    assert isinstance(body["error"], str)
    assert body["reason"]["en"]
    with raw.live.ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.journal)).scalar_one() == 0
