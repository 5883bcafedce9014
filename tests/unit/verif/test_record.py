"""The FR1 core grammar, tokens, hashes and helpers."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caisse_verif.errors import CoreGrammarError, KeyFormatError
from caisse_verif.record import (
    KINDS,
    Core,
    b64u,
    b64u_decode,
    body_hash,
    format_core,
    genesis_prev,
    iso_from_ts_token,
    jwk_thumbprint,
    parse_core,
    parse_ts_token,
    signature_extract,
    ticket_number,
    token,
    token_hash,
    ts_token,
)

SAFE = 2**53 - 1
HASH = "GdZXGay0vvyc0yFoADMskW-nXveiL9jSu5r_hfTspYA"
PREV = "KzKX5zEdQsvRc72YwZBViYkopcM4-bxILCipmsix5UM"
TV1_CORE = f"FR1,TILL01,1,T,1,20260315134502Z,550:210|2000:1200,1410,-,{HASH},{PREV}"

tills = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)
moments = st.datetimes(timezones=st.just(UTC))
digests = st.binary(min_size=32, max_size=32).map(b64u)
vats = st.dictionaries(st.integers(0, 100_000), st.integers(-SAFE, SAFE), max_size=4).map(
    lambda d: tuple(sorted(d.items()))
)
cores = st.builds(
    Core,
    version=st.just("FR1"),
    till=tills,
    gseq=st.integers(1, SAFE),
    kind=st.sampled_from(KINDS),
    kseq=st.integers(1, SAFE),
    ts=moments.map(ts_token),
    vat=vats,
    total_cents=st.integers(-SAFE, SAFE),
    ref=st.none() | st.integers(1, SAFE),
    body_hash=digests,
    prev=digests,
)


@given(cores)
def test_core_round_trip(core: Core) -> None:
    text = format_core(core)
    assert text.isascii()
    assert "," not in "".join(text.split(","))
    assert text.count(",") == 10
    assert parse_core(text) == core
    assert format_core(parse_core(text)) == text


def test_tv1_core_parses() -> None:
    core = parse_core(TV1_CORE)
    assert core == Core(
        "FR1",
        "TILL01",
        1,
        "T",
        1,
        "20260315134502Z",
        ((550, 210), (2000, 1200)),
        1410,
        None,
        HASH,
        PREV,
    )
    assert format_core(core) == TV1_CORE


def fields_with(index: int, value: str) -> str:
    fields = TV1_CORE.split(",")
    fields[index] = value
    return ",".join(fields)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "FR1",
        TV1_CORE + ",extra",
        TV1_CORE.rsplit(",", 1)[0],
        fields_with(0, "FR2"),
        fields_with(1, ""),
        fields_with(1, "TILL|01"),
        fields_with(1, "TILL:01"),
        fields_with(1, "-TILL"),
        fields_with(1, "CAISSÉ"),
        fields_with(2, "0"),
        fields_with(2, "01"),
        fields_with(2, "+1"),
        fields_with(2, "-1"),
        fields_with(2, "1.0"),
        fields_with(2, "١"),  # an Arabic-Indic digit
        fields_with(2, str(SAFE + 1)),
        fields_with(3, "Q"),
        fields_with(3, "TT"),
        fields_with(3, "t"),
        fields_with(4, "0"),
        fields_with(5, "20260315134502"),
        fields_with(5, "20261315134502Z"),
        fields_with(5, "20260230134502Z"),
        fields_with(5, "20260315246000Z"),
        fields_with(5, "2026-03-15T13:45:02Z"),
        fields_with(6, ""),
        fields_with(6, "2000:1200|550:210"),
        fields_with(6, "550:210|550:1"),
        fields_with(6, "550:-0"),
        fields_with(6, "550:"),
        fields_with(6, "550"),
        fields_with(6, "-550:210"),
        fields_with(6, "550:210|"),
        fields_with(6, f"550:{SAFE + 1}"),
        fields_with(6, f"{SAFE + 1}:210"),
        fields_with(7, "-0"),
        fields_with(7, "+1410"),
        fields_with(7, "01410"),
        fields_with(7, "-"),
        fields_with(8, "0"),
        fields_with(8, ""),
        fields_with(9, HASH[:-1]),
        fields_with(9, HASH + "A"),
        fields_with(9, HASH[:-1] + "B"),  # non-zero trailing bits: not canonical base64url
        fields_with(9, HASH[:-1] + "="),
        fields_with(10, PREV.replace("K", "+", 1)),
        TV1_CORE.replace(",", ", ", 1),
        TV1_CORE + "\n",
    ],
)
def test_garbage_cores_are_refused(text: str) -> None:
    with pytest.raises(CoreGrammarError):
        parse_core(text)


@given(st.text(max_size=200))
def test_parse_core_never_raises_anything_else(text: str) -> None:
    try:
        core = parse_core(text)
    except CoreGrammarError:
        return
    assert format_core(core) == text


@pytest.mark.parametrize(
    "change",
    [
        {"version": "FR2"},
        {"till": "A,B"},
        {"till": ""},
        {"gseq": 0},
        {"kind": "Q"},
        {"ts": "2026"},
        {"vat": ((2000, 1), (550, 2))},
        {"vat": ((550, 1), (550, 2))},
        {"total_cents": SAFE + 1},
        {"ref": 0},
        {"gseq": "1"},
        {"gseq": True},
        {"total_cents": 1410.0},
        {"vat": ((550, SAFE + 1),)},
        {"vat": (("550", 210),)},
        {"ts": "20260230134502Z"},
        {"kind": "TT"},
        {"body_hash": "x"},
        {"prev": HASH + "A"},
    ],
)
def test_format_core_refuses_fields_off_grammar(change: dict[str, object]) -> None:
    core = replace(parse_core(TV1_CORE), **change)  # type: ignore[arg-type]
    with pytest.raises(CoreGrammarError):
        format_core(core)


@given(st.binary(max_size=100))
def test_b64u_round_trip(data: bytes) -> None:
    text = b64u(data)
    assert "=" not in text
    assert text == base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert b64u_decode(text) == data


@pytest.mark.parametrize("text", ["A", "AB=", "AB+/", "A B", "AB\n", "AF", "QUJDRA=="])
def test_b64u_decode_is_strict(text: str) -> None:
    with pytest.raises(ValueError, match="base64url"):
        b64u_decode(text)


@given(moments)
def test_ts_token_round_trip(moment: datetime) -> None:
    text = ts_token(moment)
    assert len(text) == 15
    assert text.endswith("Z")
    assert parse_ts_token(text) == moment.replace(microsecond=0)
    assert parse_ts_token(text).tzinfo is UTC


def test_ts_token_converts_to_utc_and_refuses_naive() -> None:
    paris = timezone(timedelta(hours=1))
    assert ts_token(datetime(2026, 3, 15, 14, 45, 2, tzinfo=paris)) == "20260315134502Z"
    assert iso_from_ts_token("20260315134502Z") == "2026-03-15T13:45:02Z"
    with pytest.raises(ValueError, match="aware"):
        ts_token(datetime(2026, 3, 15, 14, 45, 2))  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize("text", ["20260229000000Z", "2026031513450Z", "20260315134502z", ""])
def test_parse_ts_token_refuses(text: str) -> None:
    with pytest.raises(CoreGrammarError):
        parse_ts_token(text)


def test_hashes_and_links() -> None:
    assert body_hash(b"abc") == b64u(hashlib.sha256(b"abc").digest())
    assert token("C", "S") == "C,S"
    assert token_hash("C", "S") == b64u(hashlib.sha256(b"C,S").digest())
    assert genesis_prev("T1", "K") == b64u(hashlib.sha256(b"FR1|GENESIS|T1|K").digest())
    assert ticket_number("TILL01", "T", 123) == "TILL01-T-000123"


def test_signature_extract_positions() -> None:
    sig = "abcdefghijklmnopqrstuvwxyz"
    assert signature_extract(sig) == "cgms"
    with pytest.raises(ValueError, match="19"):
        signature_extract("short")


def test_jwk_thumbprint_ignores_other_members_and_needs_the_four() -> None:
    jwk = {"crv": "P-256", "kty": "EC", "x": "abc", "y": "def"}
    assert jwk_thumbprint({**jwk, "kid": "x", "use": "sig"}) == jwk_thumbprint(jwk)
    expected = b64u(hashlib.sha256(b'{"crv":"P-256","kty":"EC","x":"abc","y":"def"}').digest())
    assert jwk_thumbprint(jwk) == expected
    with pytest.raises(KeyFormatError):
        jwk_thumbprint({"crv": "P-256", "kty": "EC", "x": "abc"})
    with pytest.raises(KeyFormatError):
        jwk_thumbprint({**jwk, "y": 5})
