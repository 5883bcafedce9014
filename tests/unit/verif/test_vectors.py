"""Published vectors: RFC 6979 A.2.5, nf525.md TV-1 byte for byte, and the frozen TV-2."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from caisse_verif import es256
from caisse_verif.canonical import canonical_json
from caisse_verif.checks import Anchor, verify_records
from caisse_verif.record import (
    StoredRecord,
    b64u,
    b64u_decode,
    body_hash,
    genesis_prev,
    signature_extract,
    token_hash,
)
from tests.unit.verif.builder import rfc6979_key

FIXTURES = Path(__file__).parent / "fixtures"

# RFC 6979 A.2.5, P-256: the public key and the SHA-256 signatures of "sample" and "test"
RFC_UX = "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
RFC_UY = "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"
RFC_SIGNATURES = {
    b"sample": (
        "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
        "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
    ),
    b"test": (
        "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
        "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083",
    ),
}

# nf525.md §6.3, TV-1
TV1_KID = "DOvxvJiAdIqVWIkFt5hDtCunXLF0BV4-JGv4f-ALSm0"
TV1_GENESIS_PREV = "KzKX5zEdQsvRc72YwZBViYkopcM4-bxILCipmsix5UM"
TV1_BODY = (
    '{"business_date":"2026-03-15","change_cents":90,"gt_abs_after":1410,"gt_after":1410,'
    '"gt_before":0,"lines":[{"label":"Baguette","line_ttc_cents":210,"n":1,"qty_milli":2000,'
    '"unit_ttc_cents":105,"vat_bp":550},{"label":"Vin rouge","line_ttc_cents":1200,"n":2,'
    '"qty_milli":1000,"unit_ttc_cents":1200,"vat_bp":2000}],"op":"SALE","payments":'
    '[{"amount_cents":1500,"method":"CASH"}],"ticket_no":1,"till":"TILL01",'
    '"total_ttc_cents":1410,"ts_utc":"2026-03-15T13:45:02Z","vat":[{"ht":199,"rate_bp":550,'
    '"ttc":210,"tva":11},{"ht":1000,"rate_bp":2000,"ttc":1200,"tva":200}]}'
)
TV1_BODY_HASH = "GdZXGay0vvyc0yFoADMskW-nXveiL9jSu5r_hfTspYA"
TV1_CORE = (
    "FR1,TILL01,1,T,1,20260315134502Z,550:210|2000:1200,1410,-,"
    "GdZXGay0vvyc0yFoADMskW-nXveiL9jSu5r_hfTspYA,KzKX5zEdQsvRc72YwZBViYkopcM4-bxILCipmsix5UM"
)
TV1_SIG = "gT4_lMGTQ_BIzw9pcaODACg4QfFGfkC-F4jND3-wNw42paCa3DogObMNourPFrgCG7wGDWI231P2ir61iUhmUg"
TV1_EXTRACT = "4GzO"
TV1_NEXT_PREV = "VcOnrCIKcJKYu8P-8sIYDPJ0LX-pbnvEKqKr3aUzs10"


def tv1_body_dict() -> dict[str, Any]:
    return {
        "business_date": "2026-03-15",
        "change_cents": 90,
        "gt_abs_after": 1410,
        "gt_after": 1410,
        "gt_before": 0,
        "lines": [
            {
                "label": "Baguette",
                "line_ttc_cents": 210,
                "n": 1,
                "qty_milli": 2000,
                "unit_ttc_cents": 105,
                "vat_bp": 550,
            },
            {
                "label": "Vin rouge",
                "line_ttc_cents": 1200,
                "n": 2,
                "qty_milli": 1000,
                "unit_ttc_cents": 1200,
                "vat_bp": 2000,
            },
        ],
        "op": "SALE",
        "payments": [{"amount_cents": 1500, "method": "CASH"}],
        "ticket_no": 1,
        "till": "TILL01",
        "total_ttc_cents": 1410,
        "ts_utc": "2026-03-15T13:45:02Z",
        "vat": [
            {"ht": 199, "rate_bp": 550, "ttc": 210, "tva": 11},
            {"ht": 1000, "rate_bp": 2000, "ttc": 1200, "tva": 200},
        ],
    }


def raw_signature(r_hex: str, s_hex: str) -> str:
    return b64u(bytes.fromhex(r_hex) + bytes.fromhex(s_hex))


def test_rfc6979_public_key() -> None:
    numbers = rfc6979_key().public_key().public_numbers()
    assert (f"{numbers.x:064X}", f"{numbers.y:064X}") == (RFC_UX, RFC_UY)


@pytest.mark.parametrize("message", [b"sample", b"test"])
def test_rfc6979_a25_deterministic_signatures(message: bytes) -> None:
    expected = raw_signature(*RFC_SIGNATURES[message])
    signature = es256.sign(rfc6979_key(), message)
    assert signature == expected
    assert len(signature) == 86
    assert es256.verify(rfc6979_key().public_key(), message, signature)


def test_rfc6979_test_vector_keeps_the_leading_zero_of_s() -> None:
    signature = es256.sign(rfc6979_key(), b"test")
    raw = bytes.fromhex(RFC_SIGNATURES[b"test"][0] + RFC_SIGNATURES[b"test"][1])
    assert raw[32] == 0x01  # S = 0x019F..., 32 bytes: no byte dropped
    assert signature_extract(signature) == "uG26"


def test_tv1_byte_for_byte() -> None:
    key = rfc6979_key()
    jwk = es256.public_jwk(key.public_key())
    kid = es256.jwk_thumbprint(jwk)
    assert kid == TV1_KID
    prev = genesis_prev("TILL01", kid)
    assert prev == TV1_GENESIS_PREV

    body = canonical_json(tv1_body_dict())
    assert body == TV1_BODY.encode()
    assert body == rfc8785.dumps(tv1_body_dict())
    assert body_hash(body) == TV1_BODY_HASH

    core = f"FR1,TILL01,1,T,1,20260315134502Z,550:210|2000:1200,1410,-,{body_hash(body)},{prev}"
    assert core == TV1_CORE
    sig = es256.sign(key, core.encode())
    assert sig == TV1_SIG
    assert es256.verify(key.public_key(), core.encode(), sig)
    assert signature_extract(sig) == TV1_EXTRACT
    assert token_hash(core, sig) == TV1_NEXT_PREV


def test_tv1_verifies_as_a_one_record_journal() -> None:
    jwk = es256.public_jwk(rfc6979_key().public_key())
    record = StoredRecord(TV1_CORE, TV1_SIG, TV1_BODY.encode(), 1)
    report = verify_records(
        [record],
        check_signatures=es256.make_batch_checker(jwk, workers=0),
        public_key_kid=TV1_KID,
        anchor=Anchor(1, TV1_NEXT_PREV, "TILL01"),
    )
    assert report.ok, report.anomalies
    assert (report.gt, report.gt_abs, report.head_token_hash) == (1410, 1410, TV1_NEXT_PREV)


def tv2_body_dict() -> dict[str, Any]:
    """TV-2: a refund of one baguette of TV-1 (gseq 1), 13:52:40 UTC, paid back in cash."""
    return {
        "business_date": "2026-03-15",
        "change_cents": 0,
        "gt_abs_after": 1515,
        "gt_after": 1305,
        "gt_before": 1410,
        "lines": [
            {
                "label": "Baguette",
                "line_ttc_cents": -105,
                "n": 1,
                "qty_milli": -1000,
                "unit_ttc_cents": 105,
                "vat_bp": 550,
            }
        ],
        "op": "REFUND",
        "payments": [{"amount_cents": -105, "method": "CASH"}],
        "refers_to": {"gseq": 1, "number": 1, "token_hash": TV1_NEXT_PREV},
        "ticket_no": 2,
        "till": "TILL01",
        "total_ttc_cents": -105,
        "ts_utc": "2026-03-15T13:52:40Z",
        "vat": [{"ht": -100, "rate_bp": 550, "ttc": -105, "tva": -5}],
    }


def load_tv2() -> dict[str, str]:
    data: dict[str, str] = json.loads((FIXTURES / "tv2.json").read_text(encoding="utf-8"))
    return data


def test_tv2_fixture_is_rebuilt_byte_for_byte() -> None:
    tv2 = load_tv2()
    body = canonical_json(tv2_body_dict())
    assert body == tv2["body"].encode()
    assert body == rfc8785.dumps(tv2_body_dict())
    assert tv2["prev"] == TV1_NEXT_PREV
    core = f"FR1,TILL01,2,T,2,20260315135240Z,550:-105,-105,1,{body_hash(body)},{TV1_NEXT_PREV}"
    assert core == tv2["core"]
    sig = es256.sign(rfc6979_key(), core.encode())
    assert sig == tv2["sig"]
    assert token_hash(core, sig) == tv2["next_prev"]


def test_tv1_then_tv2_is_an_intact_journal() -> None:
    tv2 = load_tv2()
    jwk = es256.public_jwk(rfc6979_key().public_key())
    records = [
        StoredRecord(TV1_CORE, TV1_SIG, TV1_BODY.encode(), 1),
        StoredRecord(tv2["core"], tv2["sig"], tv2["body"].encode(), 2),
    ]
    report = verify_records(
        records,
        check_signatures=es256.make_batch_checker(jwk, workers=0),
        public_key_kid=TV1_KID,
        anchor=Anchor(2, tv2["next_prev"], "TILL01"),
    )
    assert report.ok, report.anomalies
    assert (report.gt, report.gt_abs, report.counts_by_kind) == (1305, 1515, {"T": 2})


def test_a_key_other_than_the_rfc_key_does_not_reproduce_tv1() -> None:
    other = ec.derive_private_key(12345, ec.SECP256R1())
    assert es256.sign(other, TV1_CORE.encode()) != TV1_SIG
    assert not es256.verify(other.public_key(), TV1_CORE.encode(), TV1_SIG)


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
@pytest.mark.parametrize("vector", ["TV-1", "TV-2"])
def test_openssl_verifies_the_vectors(tmp_path: Path, vector: str) -> None:
    core, sig = (TV1_CORE, TV1_SIG) if vector == "TV-1" else (load_tv2()["core"], load_tv2()["sig"])
    raw = b64u_decode(sig)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    pem = rfc6979_key().public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "pub.pem").write_bytes(pem)
    (tmp_path / "sig.der").write_bytes(der)
    (tmp_path / "core").write_bytes(core.encode())
    tampered = tmp_path / "tampered"
    tampered.write_bytes(core.replace(",T,", ",X,", 1).encode())
    command = ["openssl", "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.der"]
    good = subprocess.run([*command, "core"], cwd=tmp_path, capture_output=True, check=False)
    bad = subprocess.run([*command, "tampered"], cwd=tmp_path, capture_output=True, check=False)
    assert (good.returncode, good.stdout.strip()) == (0, b"Verified OK")
    assert bad.returncode != 0
