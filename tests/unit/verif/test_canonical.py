"""Canonical JSON: our encoder equals PyPI rfc8785 on integer/string trees; the rest is refused."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from caisse_verif.canonical import MAX_SAFE_INTEGER, canonical_json, nfc, parse_canonical
from caisse_verif.errors import CanonicalError

nfc_text = st.text().map(nfc)
# keys mixing the BMP's private-use area with astral characters: UTF-16 order != code-point order
keys = st.one_of(nfc_text, st.text(alphabet="a\ue000\uffee\U0001f600\U00010000é", max_size=4))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER),
    nfc_text,
)
trees = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=30,
)


@given(trees)
def test_equals_rfc8785(tree: Any) -> None:
    assert canonical_json(tree) == rfc8785.dumps(tree)


@given(trees)
def test_parse_canonical_round_trips(tree: Any) -> None:
    data = canonical_json(tree)
    assert parse_canonical(data) == tree


@given(trees.filter(lambda t: isinstance(t, dict) and len(t) > 1))
def test_parse_canonical_refuses_other_spacing(tree: dict[str, Any]) -> None:
    spaced = json.dumps(tree, ensure_ascii=False, indent=1, sort_keys=True).encode()
    with pytest.raises(CanonicalError):
        parse_canonical(spaced)


def test_keys_sort_by_utf16_code_units() -> None:
    tree = {"\ue000": 1, "\U0001f600": 2, "a": 3}
    # U+1F600 is the surrogate pair D83D DE00, below U+E000 in UTF-16
    assert canonical_json(tree) == '{"a":3,"\U0001f600":2,"\ue000":1}'.encode()
    assert canonical_json(tree) == rfc8785.dumps(tree)
    assert parse_canonical(canonical_json(tree)) == tree
    # the code-point order (what sort_keys gives) is refused as non-canonical
    with pytest.raises(CanonicalError):
        parse_canonical(
            json.dumps(tree, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        )


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_floats_are_refused_anywhere(value: float) -> None:
    for tree in (value, [1, value], {"a": {"b": [value]}}):
        with pytest.raises(CanonicalError):
            canonical_json(tree)


@pytest.mark.parametrize(
    "data",
    [b'{"a":1.5}', b'{"a":1e3}', b'{"a":NaN}', b'{"a":-Infinity}', b"[1.0]"],
)
def test_parse_refuses_floats_and_constants(data: bytes) -> None:
    with pytest.raises(CanonicalError):
        parse_canonical(data)


@pytest.mark.parametrize("value", [MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1, 10**30])
def test_unsafe_integers_are_refused(value: int) -> None:
    with pytest.raises(CanonicalError):
        canonical_json({"n": value})
    with pytest.raises(CanonicalError):
        parse_canonical(f'{{"n":{value}}}'.encode())


def test_safe_integer_bounds_are_accepted() -> None:
    tree = {"a": MAX_SAFE_INTEGER, "b": -MAX_SAFE_INTEGER}
    assert parse_canonical(canonical_json(tree)) == tree


non_nfc_text = st.builds(
    lambda a, b, c: a + b + c,
    nfc_text,
    st.sampled_from(["e\u0301", "A\u030a", "\u212b", "a\u0301\u0323", "\u1100\u1161"]),
    nfc_text,
).filter(lambda s: not unicodedata.is_normalized("NFC", s))


@given(non_nfc_text)
def test_non_nfc_strings_are_refused_not_normalised(text: str) -> None:
    with pytest.raises(CanonicalError):
        canonical_json({"label": text})
    with pytest.raises(CanonicalError):
        canonical_json({text: 1})
    raw = json.dumps({"label": text}, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass"
    )
    with pytest.raises(CanonicalError):
        parse_canonical(raw)


def test_nfc_helper_composes() -> None:
    assert nfc("e\u0301") == "\u00e9"
    assert canonical_json({"label": nfc("Cafe\u0301")}) == '{"label":"Café"}'.encode()


def test_string_after_an_escape_is_judged_on_its_own() -> None:
    # "\n" then a combining accent: NFC as a string, though "n" + U+0301 would compose in the text
    tree = {"label": "a\n\u0301"}
    data = canonical_json(tree)
    assert data == rfc8785.dumps(tree)
    assert parse_canonical(data) == tree


@pytest.mark.parametrize(
    "tree",
    [{1: "a"}, {"a": b"bytes"}, {"a": {1, 2}}, {"a": object()}, "\ud800", {"\udc00": 1}],
)
def test_other_values_are_refused(tree: Any) -> None:
    with pytest.raises(CanonicalError):
        canonical_json(tree)


@pytest.mark.parametrize(
    "data",
    [
        b'{"b":1,"a":2}',  # key order
        b'{"a": 1}',  # spacing
        b'{"a":1,"a":2}',  # duplicate key
        b'{"a":"\\u00e9"}',  # needless escape
        b'{"a":"\\ud800"}',  # lone surrogate
        b'{"a":-0}',  # negative zero
        b'{"a":01}',  # leading zero
        b"\xff",  # not UTF-8
        b"",
        b'{"a":1}\n',
    ],
)
def test_parse_refuses_non_canonical_bytes(data: bytes) -> None:
    with pytest.raises(CanonicalError):
        parse_canonical(data)


def test_deep_nesting_is_refused_not_crashing() -> None:
    tree: Any = []
    for _ in range(5000):
        tree = [tree]
    with pytest.raises(CanonicalError):
        canonical_json(tree)
    with pytest.raises(CanonicalError):
        parse_canonical(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(CanonicalError):
        parse_canonical(("[" * 5000 + '"é"' + "]" * 5000).encode())
