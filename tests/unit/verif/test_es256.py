"""ES256 signing and verification, JWKs, and the batch checker with worker processes."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from caisse_verif import es256
from caisse_verif.errors import KeyFormatError
from caisse_verif.record import b64u, b64u_decode
from tests.unit.verif.builder import rfc6979_key

KEY = rfc6979_key()
PUB = KEY.public_key()
SIG = es256.sign(KEY, b"data")


def test_signature_shape_and_determinism() -> None:
    assert len(SIG) == 86
    assert len(b64u_decode(SIG)) == 64
    assert es256.sign(KEY, b"data") == SIG
    assert es256.verify(PUB, b"data", SIG)
    assert not es256.verify(PUB, b"datA", SIG)


def test_fresh_keys_sign_and_verify() -> None:
    key = es256.generate_private_key()
    sig = es256.sign(key, b"x")
    assert es256.verify(key.public_key(), b"x", sig)
    assert not es256.verify(PUB, b"x", sig)


@pytest.mark.parametrize(
    "sig",
    [
        "",
        SIG[:-1],
        SIG + "A",
        SIG[:-2] + "==",
        "!" * 86,
        b64u(bytes(64)),  # r = s = 0
        b64u(b"\xff" * 64),  # r, s >= n
        SIG[:85] + ("B" if SIG[85] != "B" else "C"),  # non-canonical trailing bits or other S
    ],
)
def test_verify_refuses_garbage_without_raising(sig: str) -> None:
    assert es256.verify(PUB, b"data", sig) is False


@settings(max_examples=50)
@given(st.text(max_size=100))
def test_verify_never_raises(sig: str) -> None:
    assert es256.verify(PUB, b"data", sig) is False


def test_verify_refuses_a_flipped_character() -> None:
    for i in (0, 20, 43, 80):
        flipped = SIG[:i] + ("A" if SIG[i] != "A" else "B") + SIG[i + 1 :]
        assert not es256.verify(PUB, b"data", flipped)


def test_public_jwk_round_trip() -> None:
    jwk = es256.public_jwk(PUB)
    assert sorted(jwk) == ["crv", "kty", "x", "y"]
    assert (jwk["crv"], jwk["kty"]) == ("P-256", "EC")
    assert len(b64u_decode(jwk["x"])) == 32
    assert len(b64u_decode(jwk["y"])) == 32
    assert es256.load_public_jwk(jwk).public_numbers() == PUB.public_numbers()
    assert es256.jwk_thumbprint(jwk) == "DOvxvJiAdIqVWIkFt5hDtCunXLF0BV4-JGv4f-ALSm0"


def test_public_jwk_pads_short_coordinates() -> None:
    # note: about 1 key in 128 has a coordinate below 2**248 (one leading zero byte); the
    # first private scalar from 1 up whose key has one is searched for, so the test never
    # depends on a random draw (it is 43 with P-256, whose y is then short)
    for scalar in range(1, 5000):
        key = ec.derive_private_key(scalar, ec.SECP256R1()).public_key()
        numbers = key.public_numbers()
        if numbers.x < 2**248 or numbers.y < 2**248:
            break
    else:
        raise AssertionError("no short coordinate among the first 5,000 scalars")
    jwk = es256.public_jwk(key)
    assert len(jwk["x"]) == 43
    assert len(jwk["y"]) == 43
    assert es256.load_public_jwk(jwk).public_numbers() == numbers


GOOD = es256.public_jwk(PUB)


@pytest.mark.parametrize(
    "jwk",
    [
        {},
        {**GOOD, "kty": "RSA"},
        {**GOOD, "crv": "P-384"},
        {k: v for k, v in GOOD.items() if k != "x"},
        {**GOOD, "x": 5},
        {**GOOD, "x": "not base64!"},
        {**GOOD, "x": GOOD["x"][:-2]},
        {**GOOD, "y": GOOD["x"]},  # not on the curve
        {**GOOD, "x": b64u(b"\xff" * 32)},
    ],
)
def test_load_public_jwk_refuses_garbage(jwk: dict[str, object]) -> None:
    with pytest.raises(KeyFormatError):
        es256.load_public_jwk(jwk)


def test_load_public_jwk_refuses_non_mappings() -> None:
    with pytest.raises(KeyFormatError):
        es256.load_public_jwk(["not", "a", "jwk"])  # type: ignore[arg-type]


def test_signature_checker_accepts_any_of_its_keys() -> None:
    other = es256.generate_private_key()
    check = es256.make_signature_checker({"a": PUB, "b": es256.public_jwk(other.public_key())})
    assert check("core", es256.sign(KEY, b"core"))
    assert check("core", es256.sign(other, b"core"))
    assert not check("core", es256.sign(es256.generate_private_key(), b"core"))
    assert not check("core2", es256.sign(KEY, b"core"))


def pairs(n: int) -> list[tuple[str, str]]:
    out = []
    for i in range(n):
        core = f"core {i}"
        sig = es256.sign(KEY, core.encode())
        if i % 7 == 3:
            sig = es256.sign(KEY, b"something else")
        out.append((core, sig))
    return out


def test_batch_checker_inline() -> None:
    batch = pairs(20)
    with es256.make_batch_checker(GOOD, workers=0) as check:
        assert check(batch) == [i % 7 != 3 for i in range(20)]
        assert check([]) == []


@pytest.mark.integration
def test_batch_checker_with_worker_processes_keeps_order() -> None:
    batch = pairs(60)
    with es256.ParallelSignatureChecker([GOOD], workers=2, parallel_threshold=10) as check:
        assert check(batch) == [i % 7 != 3 for i in range(60)]
        assert check(batch[:5]) == [True, True, True, False, True]  # small: inline
        assert check(batch[5:30]) == [(i % 7 != 3) for i in range(5, 30)]
    check.close()  # closing twice is harmless


def test_batch_checker_refuses_a_bad_jwk() -> None:
    with pytest.raises(KeyFormatError):
        es256.make_batch_checker({**GOOD, "y": GOOD["x"]})


@pytest.mark.integration
def test_verifier_pipelines_batches_to_worker_processes() -> None:
    from dataclasses import replace

    from caisse_verif.checks import SignatureSubmitter
    from tests.unit.verif.builder import Line, standard_journal

    journal = standard_journal(KEY)
    for _ in range(30):
        journal.sale(Line("Baguette", 1000, 105, 550))
    records = list(journal.records)
    records[20] = replace(records[20], sig=records[19].sig)
    with es256.ParallelSignatureChecker([GOOD], workers=2, parallel_threshold=4) as check:
        assert isinstance(check, SignatureSubmitter)
        report = journal.verify(records, check_signatures=check, signature_batch_size=5)
    assert [(a.check, a.gseq) for a in report.anomalies if a.check == "sig.invalid"] == [
        ("sig.invalid", 21)
    ]
    assert {(a.check, a.gseq) for a in report.anomalies} == {
        ("sig.invalid", 21),
        ("chain.prev", 22),
    }
