"""The wire protocol on its own: request signatures, strict JSON, versions, payload shapes."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from caisse_verif import es256
from sync import protocol
from sync.errors import ProtocolError
from sync.protocol import PullItem, PullPage, SignedObject, WireRecord

NOW = 1_795_000_000


def _signed(
    body: bytes = b'{"v":1}', *, created: int = NOW
) -> tuple[ec.EllipticCurvePrivateKey, dict[str, str]]:
    key = es256.generate_private_key()
    headers = protocol.sign_request(
        key, "dev_1", "POST", "/v1/devices/dev_1/events", "", body, created
    )
    lowered = {k.lower(): v for k, v in headers.items()}
    return key, lowered


def test_a_signed_request_verifies_and_names_its_device() -> None:
    key, headers = _signed()
    signed = protocol.parse_signature(headers)
    assert signed.keyid == "dev_1"
    protocol.verify_request(
        signed, key.public_key(), "POST", "/v1/devices/dev_1/events", "", b'{"v":1}', NOW + 10
    )


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "code"),
    [
        ("POST", "/v1/devices/dev_1/events", "", b'{"v":2}', "bad_signature"),
        ("GET", "/v1/devices/dev_1/events", "", b'{"v":1}', "bad_signature"),
        ("POST", "/v1/devices/dev_2/events", "", b'{"v":1}', "bad_signature"),
        ("POST", "/v1/devices/dev_1/events", "x=1", b'{"v":1}', "bad_signature"),
    ],
)
def test_any_change_to_a_covered_component_breaks_the_signature(
    method: str, path: str, query: str, body: bytes, code: str
) -> None:
    key, headers = _signed()
    signed = protocol.parse_signature(headers)
    with pytest.raises(ProtocolError) as info:
        protocol.verify_request(signed, key.public_key(), method, path, query, body, NOW)
    assert info.value.code == code
    assert info.value.status == 401


def test_a_request_outside_the_window_is_refused_with_the_server_time() -> None:
    key, headers = _signed(created=NOW - protocol.REPLAY_WINDOW_S - 1)
    signed = protocol.parse_signature(headers)
    with pytest.raises(ProtocolError) as info:
        protocol.verify_request(
            signed, key.public_key(), "POST", "/v1/devices/dev_1/events", "", b'{"v":1}', NOW
        )
    assert info.value.code == "replay_window"
    assert info.value.extra["server_unix"] == NOW


def test_another_key_does_not_verify() -> None:
    _, headers = _signed()
    other = es256.generate_private_key()
    with pytest.raises(ProtocolError):
        protocol.verify_request(
            protocol.parse_signature(headers),
            other.public_key(),
            "POST",
            "/v1/devices/dev_1/events",
            "",
            b'{"v":1}',
            NOW,
        )


@pytest.mark.parametrize("drop", ["signature", "signature-input", "content-digest"])
def test_missing_signature_headers_are_refused(drop: str) -> None:
    _, headers = _signed()
    del headers[drop]
    with pytest.raises(ProtocolError) as info:
        protocol.parse_signature(headers)
    assert info.value.code == "bad_signature"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{", "bad_json"),
        (b"\xff\xfe", "bad_json"),
        (b"[1]", "bad_json"),
        (b'{"v":1,"v":1}', "bad_json"),
        (b'{"v":NaN}', "bad_json"),
        (b"{}", "bad_payload"),
        (b'{"v":"1"}', "bad_payload"),
        (b'{"v":2}', "unsupported_version"),
    ],
)
def test_strict_json_and_versions(raw: bytes, code: str) -> None:
    with pytest.raises(ProtocolError) as info:
        protocol.loads(raw)
    assert info.value.code == code
    assert 400 <= info.value.status < 500
    body = protocol.error_body(info.value)
    assert body["error"] == code
    assert isinstance(body["reason"], dict)
    assert body["reason"]["fr"]
    assert body["reason"]["en"]


def test_records_travel_with_their_exact_body_bytes() -> None:
    record = WireRecord(3, "FR1,core", "sig", '{"é":1}\n\x00'.encode())
    assert WireRecord.from_json(record.to_json()) == record


def test_a_push_batch_longer_than_the_limit_is_too_large() -> None:
    one = WireRecord(1, "c", "s", b"{}").to_json()
    with pytest.raises(ProtocolError) as info:
        protocol.PushBatch.from_json({"v": 1, "records": [one] * (protocol.MAX_BATCH_RECORDS + 1)})
    assert info.value.status == 413


def test_signed_objects_verify_with_the_server_key_only() -> None:
    key = es256.generate_private_key()
    signed = protocol.sign_object(key, {"type": "anchor", "gseq": 5})
    jwk = es256.public_jwk(key.public_key())
    again = SignedObject.from_json(signed.to_json())
    assert again.verify(jwk)
    assert not SignedObject(dict(again.payload, gseq=6), again.kid, again.sig).verify(jwk)
    assert not again.verify(es256.public_jwk(es256.generate_private_key().public_key()))


def test_a_page_with_a_wrong_checksum_is_refused() -> None:
    items = [PullItem("BAG", 3, False, {"price": 105}), PullItem("VIN", 4, True, None)]
    page = PullPage("catalog", items, 4, False, protocol.page_checksum(items))
    assert PullPage.from_json(page.to_json()) == page
    bad = page.to_json() | {"checksum": protocol.page_checksum(items[:1])}
    with pytest.raises(ProtocolError):
        PullPage.from_json(bad)


def test_batches_are_cut_within_both_limits() -> None:
    records = [WireRecord(i, "c" * 100, "s" * 86, b"x" * 3000) for i in range(1, 1001)]
    batches = protocol.split_batches(records)
    assert [r for b in batches for r in b] == records
    for batch in batches:
        body = protocol.dumps(protocol.PushBatch(batch).to_json())
        assert len(body) <= protocol.MAX_BODY_BYTES
        assert len(batch) <= protocol.MAX_BATCH_RECORDS
    assert len(protocol.split_batches(records[:10], max_records=3)) == 4


def test_pooled_signature_checks_agree_with_inline_checks() -> None:
    from sync.server.signatures import SignaturePool

    key = es256.generate_private_key()
    jwk = es256.public_jwk(key.public_key())
    pairs = [(f"core {i}", es256.sign(key, f"core {i}".encode())) for i in range(100)]
    pairs[7] = (pairs[7][0], pairs[8][1])
    pool = SignaturePool(workers=1)
    try:
        pooled = pool.checker(jwk).submit(pairs).result()
    finally:
        pool.close()
    inline = SignaturePool(workers=0).checker(jwk)(pairs)
    assert pooled == inline
    assert inline.count(False) == 1
    assert not inline[7]
