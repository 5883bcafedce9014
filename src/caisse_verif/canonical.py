"""Canonical JSON for record bodies: the RFC 8785 (JCS) subset with integers only and NFC strings.

Rules, beyond RFC 8785 itself:

- floats (and NaN or infinities) are rejected anywhere in the tree: money, quantities and rates
  are integers (cents, thousandths, basis points);
- integers must be in the I-JSON safe range, ``|n| <= 2**53 - 1``;
- strings (object keys included) must already be NFC: they are rejected, not normalised, so that
  the bytes a writer signs are the bytes it meant; writers call `nfc` on free text first;
- object keys are sorted by their UTF-16 code units, as RFC 8785 requires (this differs from
  code-point order only when a key holds characters outside the Basic Multilingual Plane).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from caisse_verif.errors import CanonicalError

MAX_SAFE_INTEGER = 2**53 - 1

# every integer of 15 digits or fewer is safe: only a run of 16 digits or more needs a look
# (bytes.translate and `in` are much faster than a regular expression here)
_DIGITS_ONLY = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_SIXTEEN_DIGITS = b"0" * 16
_SURROGATE = re.compile("[\ud800-\udfff]")
_encode_string = json.JSONEncoder(ensure_ascii=False).encode


def nfc(text: str) -> str:
    """Return `text` in Unicode normalisation form C, for writers to apply to free text."""
    return unicodedata.normalize("NFC", text)


def canonical_json(obj: object) -> bytes:
    """Encode `obj` as canonical JSON bytes (UTF-8).

    Args:
        obj: a tree of dict (str keys), list or tuple, str, int, bool and None.

    Returns:
        The RFC 8785 bytes of `obj`.

    Raises:
        CanonicalError: the tree holds a float, an integer outside the safe range, a string
            that is not NFC or holds a lone surrogate, a non-string key, or another type.
    """
    fast = _fast_canonical(obj)
    if fast is not None:
        return fast
    parts: list[str] = []
    try:
        _encode(obj, parts, "$")
    except RecursionError as exc:
        raise CanonicalError("the tree is nested too deeply") from exc
    return "".join(parts).encode("utf-8")


class _NotFast(Exception):
    """The C encoder's output cannot be trusted for this tree; take the slow encoder."""


def _not_fast(_text: str) -> Any:
    raise _NotFast


_FAST_DECODER = json.JSONDecoder(parse_float=_not_fast, parse_constant=_not_fast)


def _fast_canonical(obj: object) -> bytes | None:
    """The C encoder's bytes when they are provably canonical, else None.

    note: the writer encodes a body on every sale, and the pure-Python encoder cost a quarter of
    the sale path. Python's encoder with sorted keys, compact separators and no ASCII escaping
    writes exactly RFC 8785 for trees of str-keyed dicts, lists, str, int, bool and None. The
    checks below establish that it was given such a tree: decoding the output must give back an
    equal tree (no non-str keys, since those would come back as strings; no float, which the
    decoder refuses here; no custom types), and the same text conditions as `parse_canonical`
    (NFC, no character outside the BMP, no run of 16 digits) hold. Anything else goes to the
    slow encoder, which also names the culprit.
    """
    try:
        text = _ENCODER.encode(obj)
    except (TypeError, ValueError, RecursionError):
        return None
    if not (text.isascii() or (unicodedata.is_normalized("NFC", text) and not _has_astral(text))):
        return None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    if _SIXTEEN_DIGITS in data.translate(_DIGITS_ONLY):
        return None
    try:
        if _FAST_DECODER.decode(text) != obj:
            return None
    except (_NotFast, ValueError, RecursionError):
        return None
    return data


def parse_canonical(data: bytes) -> Any:
    """Parse `data` and check that it is exactly the canonical encoding of what it holds.

    This is the verifier's check: the stored bytes must equal the re-canonicalised value.

    Args:
        data: the stored body bytes.

    Returns:
        The parsed JSON value.

    Raises:
        CanonicalError: the bytes are not UTF-8, not JSON, hold a float or an unsafe integer, a
            non-NFC string, or are not byte-for-byte canonical (spacing, key order, escapes,
            duplicate keys, ...).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CanonicalError(f"not UTF-8 at byte {exc.start}") from exc
    try:
        obj = _DECODER.decode(text)
    except CanonicalError:
        raise
    except (ValueError, RecursionError) as exc:
        raise CanonicalError(f"not JSON: {exc}") from exc
    # note: the fast path below is exact. An NFC text implies NFC strings, because every string
    # sits between quotes, which neither compose nor reorder with anything; without characters
    # outside the BMP, code-point key order equals UTF-16 order; without 16 digits in a row, no
    # integer leaves the safe range. Otherwise the slow encoder decides (and names the culprit).
    if _SIXTEEN_DIGITS not in data.translate(_DIGITS_ONLY) and (
        text.isascii()
        or _is_latin1(text)
        or (unicodedata.is_normalized("NFC", text) and not _has_astral(text))
    ):
        try:
            text_again = _ENCODER.encode(obj)
            if text_again == text:
                # note: `text` is decoded UTF-8, so equal texts are equal bytes (and the
                # encoding below, which is what fails on a lone surrogate, is not needed)
                return obj
            again = text_again.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise CanonicalError("lone surrogate in a string") from exc
        except RecursionError as exc:
            raise CanonicalError("the tree is nested too deeply") from exc
    else:
        again = canonical_json(obj)
    if again != data:
        raise CanonicalError("bytes differ from their canonical form")
    return obj


def canonical_problem(data: bytes) -> str:
    """Run the check of `parse_canonical` alone: ``""`` when `data` is canonical, else why not.

    note: the verifier's worker processes call it on a share of the bodies, so that the calling
    process only has to decode those (`parse_checked_canonical`) and both cores share the work.
    """
    try:
        parse_canonical(data)
    except CanonicalError as exc:
        return str(exc) or "not canonical"
    return ""


def parse_checked_canonical(data: bytes) -> Any:
    """Decode bytes that `canonical_problem` already accepted, without checking them again.

    It decodes exactly as `parse_canonical` does, so the value is the one it would return.

    Raises:
        ValueError: the bytes are not UTF-8 JSON after all (they were not checked).
    """
    return _DECODER.decode(data.decode("utf-8"))


def _reject_float(text: str) -> Any:
    raise CanonicalError(f"float {text!r}: only integers are allowed")


def _reject_constant(text: str) -> Any:
    raise CanonicalError(f"{text} is not JSON")


_DECODER = json.JSONDecoder(parse_float=_reject_float, parse_constant=_reject_constant)
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _is_latin1(text: str) -> bool:
    # note: every string of U+0000..U+00FF is NFC (no combining mark, no composition among
    # them: checked for every pair in tests) and lies in the BMP; French text usually is such a
    # string, and this test costs a seventh of `unicodedata.is_normalized`
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _has_astral(text: str) -> bool:
    # note: only characters outside the BMP take two UTF-16 code units
    return len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text)


def _check_string(text: str, path: str) -> None:
    if _SURROGATE.search(text):
        raise CanonicalError(f"lone surrogate in a string at {path}")
    if not unicodedata.is_normalized("NFC", text):
        raise CanonicalError(f"string at {path} is not NFC")


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be")


def _encode(obj: object, out: list[str], path: str) -> None:
    if obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, int):
        if abs(obj) > MAX_SAFE_INTEGER:
            raise CanonicalError(f"integer at {path} is outside the safe range")
        out.append(str(int(obj)))
    elif isinstance(obj, str):
        _check_string(obj, path)
        out.append(_encode_string(obj))
    elif isinstance(obj, float):
        raise CanonicalError(f"float at {path}: only integers are allowed")
    elif isinstance(obj, Mapping):
        keys: list[str] = []
        for key in obj:
            if not isinstance(key, str):
                raise CanonicalError(f"non-string key {key!r} at {path}")
            _check_string(key, path)
            keys.append(key)
        keys.sort(key=_utf16_key)
        out.append("{")
        for i, key in enumerate(keys):
            if i:
                out.append(",")
            out.append(_encode_string(key))
            out.append(":")
            _encode(obj[key], out, f"{path}.{key}")
        out.append("}")
    elif isinstance(obj, Sequence) and not isinstance(obj, bytes | bytearray):
        out.append("[")
        for i, item in enumerate(obj):
            if i:
                out.append(",")
            _encode(item, out, f"{path}[{i}]")
        out.append("]")
    else:
        raise CanonicalError(f"{type(obj).__name__} at {path} is not a JSON value")
