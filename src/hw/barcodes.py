"""Pure barcode decoding: EAN/UPC check digits, UPC-E, in-store price and weight codes, GS1 AIs.

`decode_scan(text)` turns what a scanner sent into one of:

* `Gtin`: an EAN-13, EAN-8, UPC-A or UPC-E with a valid check digit, normalised for lookup
  (UPC-A and UPC-E become their 13-digit EAN form);
* `VariableMeasure`: a restricted-circulation code (prefix 02 or 20-29) carrying a price or a
  weight, decoded with the store's configurable rules (hardware.md §4.3);
* `Gs1Data`: a GS1 element string (GS1-128, GS1 DataMatrix, GS1 QR, Digital Link URL);
* `PlainText`: anything else (a typed sku or PLU, a number with a wrong check digit).

Nothing here touches a device; the tests are property tests (round trips, check digits).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Final
from urllib.parse import parse_qsl, urlsplit

from hw.errors import InvalidBarcode

logger = logging.getLogger(__name__)

GS: Final = "\x1d"
"""FNC1 as transmitted inside GS1 data (ASCII group separator)."""

# ---------------------------------------------------------------- check digits


def gtin_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of `body` (the digits before the check digit).

    Weights 3, 1, 3... from the right, check = (10 - sum mod 10) mod 10.

    Raises:
        ValueError: `body` is empty or holds a non-digit.
    """
    if not body or not body.isascii() or not body.isdigit():
        raise ValueError(f"not a digit string: {body!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def with_check_digit(body: str) -> str:
    """`body` followed by its check digit."""
    return body + str(gtin_check_digit(body))


def is_valid_gtin(code: str) -> bool:
    """True for an 8-, 12-, 13- or 14-digit code whose last digit is its check digit."""
    if len(code) not in (8, 12, 13, 14) or not code.isascii() or not code.isdigit():
        return False
    return gtin_check_digit(code[:-1]) == int(code[-1])


def expand_upce(code: str) -> str:
    """The 12-digit UPC-A of an 8-digit UPC-E (number system, 6 digits, check digit).

    Raises:
        InvalidBarcode: not 8 digits, a number system other than 0 or 1, or a wrong check digit.
    """
    if len(code) != 8 or not code.isascii() or not code.isdigit():
        raise InvalidBarcode(f"UPC-E must be 8 digits: {code!r}")
    ns, d, check = code[0], code[1:7], code[7]
    if ns not in "01":
        raise InvalidBarcode(f"UPC-E number system must be 0 or 1: {code!r}")
    last = d[5]
    if last in "012":
        body = f"{ns}{d[0]}{d[1]}{last}0000{d[2]}{d[3]}{d[4]}"
    elif last == "3":
        body = f"{ns}{d[0]}{d[1]}{d[2]}00000{d[3]}{d[4]}"
    elif last == "4":
        body = f"{ns}{d[0]}{d[1]}{d[2]}{d[3]}00000{d[4]}"
    else:
        body = f"{ns}{d[0]}{d[1]}{d[2]}{d[3]}{d[4]}0000{last}"
    if gtin_check_digit(body) != int(check):
        raise InvalidBarcode(f"UPC-E check digit wrong: {code!r}")
    return body + check


def compress_upca(upca: str) -> str | None:
    """The UPC-E form of a 12-digit UPC-A, or None when it has none (inverse of `expand_upce`)."""
    if len(upca) != 12 or not upca.isdigit() or upca[0] not in "01":
        return None
    ns, m, check = upca[0], upca[1:11], upca[11]
    candidates: list[str] = []
    if m[2] in "012" and m[3:7] == "0000":
        candidates.append(f"{m[0]}{m[1]}{m[7]}{m[8]}{m[9]}{m[2]}")
    if m[3:8] == "00000":
        candidates.append(f"{m[0]}{m[1]}{m[2]}{m[8]}{m[9]}3")
    if m[4:9] == "00000":
        candidates.append(f"{m[0]}{m[1]}{m[2]}{m[3]}{m[9]}4")
    if m[5:9] == "0000" and m[9] in "56789":
        candidates.append(f"{m[0]}{m[1]}{m[2]}{m[3]}{m[4]}{m[9]}")
    for six in candidates:
        upce = f"{ns}{six}{check}"
        try:
            if expand_upce(upce) == upca:
                return upce
        except InvalidBarcode:
            continue
    return None


# ---------------------------------------------------------------- price/weight verifier digit

_W2_MINUS: Final = (0, 2, 4, 6, 8, 9, 1, 3, 5, 7)
_W3: Final = (0, 3, 6, 9, 2, 5, 8, 1, 4, 7)
_W5_PLUS: Final = (0, 5, 1, 6, 2, 7, 3, 8, 4, 9)
_W5_MINUS: Final = (0, 5, 9, 4, 8, 3, 7, 2, 6, 1)


def price_check_digit(value: str) -> int:
    """The GS1 price/weight verifier digit of a 4- or 5-digit field (GS1 GenSpecs §7.9).

    Raises:
        ValueError: a field that is not 4 or 5 digits.
    """
    if len(value) not in (4, 5) or not value.isascii() or not value.isdigit():
        raise ValueError(f"a price verifier covers 4 or 5 digits, got {value!r}")
    d = [int(c) for c in value]
    if len(d) == 4:
        total = _W2_MINUS[d[0]] + _W2_MINUS[d[1]] + _W3[d[2]] + _W5_MINUS[d[3]]
        return (total * 3) % 10
    total = _W5_PLUS[d[0]] + _W2_MINUS[d[1]] + _W5_MINUS[d[2]] + _W5_PLUS[d[3]] + _W2_MINUS[d[4]]
    target = (10 - total % 10) % 10
    return _W5_MINUS.index(target)


# ---------------------------------------------------------------- results


class Symbology(StrEnum):
    EAN13 = "EAN-13"
    EAN8 = "EAN-8"
    UPCA = "UPC-A"
    UPCE = "UPC-E"
    GS1 = "GS1"
    TEXT = "TEXT"


@dataclass(frozen=True, slots=True)
class Gtin:
    """A trade item number; `code` is the catalogue key (13 digits, or 8 for an EAN-8)."""

    raw: str
    symbology: Symbology
    code: str

    @property
    def gtin14(self) -> str:
        return self.code.zfill(14)


class Measure(StrEnum):
    PRICE = "price"
    WEIGHT = "weight"


@dataclass(frozen=True, slots=True)
class VariableMeasureRule:
    """How one restricted-circulation prefix is laid out in the 13 digits (0-based slices).

    Args:
        prefix: "02" or "20".."29" (any leading digits, matched at the start).
        measure: what the value field carries.
        item: [start, end) of the item reference.
        value: [start, end) of the value field.
        decimals: decimals of the value: a price in euros with 2 decimals is in cents; a
            weight in kg with 3 decimals is in grams.
        verifier: the index of the price/weight verifier digit over the value field, if any.
    """

    prefix: str
    measure: Measure
    item: tuple[int, int] = (2, 7)
    value: tuple[int, int] = (7, 12)
    decimals: int = 2
    verifier: int | None = None

    def __post_init__(self) -> None:
        ends = [self.item[1], self.value[1]] + ([self.verifier] if self.verifier else [])
        if max(ends) > 12 or self.item[0] < len(self.prefix) or not self.prefix.isdigit():
            raise ValueError(f"rule out of the 12 data digits: {self}")


def _rules(*rules: VariableMeasureRule) -> tuple[VariableMeasureRule, ...]:
    return rules


DEFAULT_RULES: Final = _rules(
    VariableMeasureRule("02", Measure.PRICE),
    VariableMeasureRule("20", Measure.PRICE),
    VariableMeasureRule("21", Measure.WEIGHT, decimals=3),
    VariableMeasureRule("22", Measure.PRICE),
    VariableMeasureRule("23", Measure.PRICE),
    VariableMeasureRule("24", Measure.PRICE),
    VariableMeasureRule("25", Measure.PRICE),
    VariableMeasureRule("26", Measure.WEIGHT, decimals=3),
    VariableMeasureRule("27", Measure.PRICE),
    VariableMeasureRule("28", Measure.PRICE, item=(2, 6), verifier=6),
    VariableMeasureRule("29", Measure.PRICE),
)
"""Defaults matching common French label scales; configure them like the store's scale.

`2100005080002` → item 00005, 8,000 kg; `2305000123451` → 123,45 €; prefix 28 carries a
price verifier digit in position 7 (GS1 §7.9) and a 4-digit item.
"""


@dataclass(frozen=True, slots=True)
class VariableMeasure:
    """A price- or weight-embedded in-store code.

    `value` is in cents for a price, in grams for a weight. `template` is the code with the
    value (and verifier) zeroed and the check digit recomputed: the catalogue key for it.
    """

    raw: str
    prefix: str
    item: str
    measure: Measure
    value: int
    template: str


@dataclass(frozen=True, slots=True)
class Gs1Data:
    """A parsed GS1 element string; `elements` maps each AI to its raw value."""

    raw: str
    elements: Mapping[str, str] = field(default_factory=dict)

    @property
    def gtin(self) -> str | None:
        """The catalogue key of AI (01): 13 digits when the GTIN-14 starts with 0."""
        value = self.elements.get("01")
        if value is None:
            return None
        return value[1:] if value.startswith("0") else value

    @property
    def batch(self) -> str | None:
        return self.elements.get("10")

    @property
    def serial(self) -> str | None:
        return self.elements.get("21")

    @property
    def expiry(self) -> date | None:
        """AI (17), a DD of 00 meaning the month's last day (years read as 20YY)."""
        value = self.elements.get("17")
        return None if value is None else gs1_date(value)

    @property
    def net_weight_grams(self) -> int | None:
        """AI (310n), net weight in kg with n decimals, as rounded grams."""
        for n in range(6):
            value = self.elements.get(f"310{n}")
            if value is not None:
                divisor = int(10**n)
                return (int(value) * 1000 + divisor // 2) // divisor
        return None

    @property
    def price_cents(self) -> int | None:
        """AI (392n), amount payable with n decimals, as rounded cents."""
        for n in range(10):
            value = self.elements.get(f"392{n}")
            if value is not None:
                divisor = int(10**n)
                return (int(value) * 100 + divisor // 2) // divisor
        return None


@dataclass(frozen=True, slots=True)
class PlainText:
    """A code that is no GTIN: looked up as a sku or PLU."""

    raw: str
    note: str = ""


Decoded = Gtin | VariableMeasure | Gs1Data | PlainText


def gs1_date(value: str) -> date:
    """A GS1 YYMMDD date; DD 00 is the last day of the month.

    Raises:
        InvalidBarcode: not a date.
    """
    if len(value) != 6 or not value.isdigit():
        raise InvalidBarcode(f"GS1 date must be YYMMDD: {value!r}")
    year, month, day = 2000 + int(value[:2]), int(value[2:4]), int(value[4:])
    try:
        if day == 0:
            following = date(year + month // 12, month % 12 + 1, 1)
            return date.fromordinal(following.toordinal() - 1)
        return date(year, month, day)
    except ValueError as exc:
        raise InvalidBarcode(f"GS1 date out of range: {value!r}") from exc


# ---------------------------------------------------------------- GS1 element strings

# (AI, fixed length of the value or None when variable, max length)
_FIXED_AIS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "00": 18,
        "01": 14,
        "02": 14,
        "03": 14,
        "04": 16,
        "11": 6,
        "12": 6,
        "13": 6,
        "15": 6,
        "16": 6,
        "17": 6,
        "20": 2,
        "402": 17,
        "410": 13,
        "411": 13,
        "412": 13,
        "413": 13,
        "414": 13,
        "415": 13,
        "416": 13,
        "417": 13,
        "422": 3,
        "8005": 6,
    }
)
_VARIABLE_AIS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "10": 20,
        "21": 20,
        "22": 20,
        "30": 8,
        "37": 8,
        "240": 30,
        "241": 30,
        "250": 30,
        "251": 30,
        "253": 30,
        "254": 20,
        "400": 30,
        "401": 30,
        "403": 30,
        "420": 20,
        "421": 12,
        "7003": 10,
        "8008": 12,
        "8020": 25,
        "90": 30,
    }
)
_NUMERIC_MEASURES: Final = frozenset({"31", "32", "33", "34", "35", "36", "39"})
_SYMBOLOGY_IDS: Final = ("]C1", "]d2", "]Q3", "]e0", "]J1")
_PARENS: Final = re.compile(r"\((\d{2,4})\)([^(]*)")


def _ai_at(data: str, pos: int) -> tuple[str, int | None, int]:
    """The AI starting at `pos`, its fixed length (None = variable) and its max length."""
    for size in (2, 3, 4):
        ai = data[pos : pos + size]
        if ai in _FIXED_AIS:
            return ai, _FIXED_AIS[ai], _FIXED_AIS[ai]
        if ai in _VARIABLE_AIS:
            return ai, None, _VARIABLE_AIS[ai]
    four = data[pos : pos + 4]
    if len(four) == 4 and four.isdigit():
        head = four[:3]
        if "310" <= head <= "369":  # measures: 6 digits, the 4th AI digit = decimals
            return four, 6, 6
        if head in ("390", "392"):  # amounts, up to 15 digits
            return four, None, 15
        if head in ("391", "393"):  # amounts with an ISO currency, up to 18 digits
            return four, None, 18
    two = data[pos : pos + 2]
    if len(two) == 2 and two.isdigit() and 91 <= int(two) <= 99:  # company internal
        return data[pos : pos + 2], None, 90
    raise InvalidBarcode(f"unknown GS1 application identifier at {pos}: {data[pos : pos + 4]!r}")


def parse_gs1(text: str) -> Gs1Data:
    """Parse a GS1 element string: AIM id optional, FNC1 as GS (0x1D), or "(01)..." form.

    Raises:
        InvalidBarcode: an unknown AI, a short fixed field, a bad GTIN or date.
    """
    raw = text
    data = text.strip("\r\n")
    for sid in _SYMBOLOGY_IDS:
        if data.startswith(sid):
            data = data[len(sid) :]
            break
    elements: dict[str, str] = {}
    if data.startswith("("):
        for ai, value in _PARENS.findall(data):
            elements[ai] = value
    else:
        data = data.lstrip(GS)
        pos = 0
        while pos < len(data):
            ai, fixed, maximum = _ai_at(data, pos)
            pos += len(ai)
            if fixed is not None:
                value = data[pos : pos + fixed]
                if len(value) != fixed:
                    raise InvalidBarcode(f"GS1 AI ({ai}) needs {fixed} characters: {value!r}")
                pos += fixed
                if pos < len(data) and data[pos] == GS:
                    pos += 1  # a superfluous separator after a fixed field is tolerated
            else:
                end = data.find(GS, pos)
                end = len(data) if end < 0 else end
                value = data[pos:end]
                if not value or len(value) > maximum:
                    raise InvalidBarcode(f"GS1 AI ({ai}) holds 1 to {maximum} characters")
                pos = end + 1
            elements[ai] = value
    _check_gs1(elements)
    return Gs1Data(raw, MappingProxyType(elements))


def _check_gs1(elements: Mapping[str, str]) -> None:
    if not elements:
        raise InvalidBarcode("no GS1 element")
    for ai in ("01", "02"):
        if ai in elements and not is_valid_gtin(elements[ai]):
            raise InvalidBarcode(f"GS1 ({ai}) is not a valid GTIN-14: {elements[ai]!r}")
    for ai in ("11", "13", "15", "16", "17"):
        if ai in elements:
            gs1_date(elements[ai])
    for ai, value in elements.items():
        numeric = ai in _FIXED_AIS or (len(ai) == 4 and ai[:2] in _NUMERIC_MEASURES)
        if numeric and not (value.isascii() and value.isdigit()):
            raise InvalidBarcode(f"GS1 ({ai}) must be numeric: {value!r}")


def format_gs1(elements: Sequence[tuple[str, str]]) -> str:
    """The element string of `elements`, with GS after each variable-length value but the last."""
    parts: list[str] = []
    for i, (ai, value) in enumerate(elements):
        parts.append(ai + value)
        fixed = _FIXED_AIS.get(ai) or (6 if "310" <= ai[:3] <= "369" and len(ai) == 4 else None)
        if fixed is None and i < len(elements) - 1:
            parts.append(GS)
    return "".join(parts)


def parse_digital_link(url: str) -> Gs1Data:
    """A GS1 Digital Link URL (`https://host/01/<gtin>/10/<lot>?17=YYMMDD`).

    Raises:
        InvalidBarcode: no (01) in the path, or an invalid element.
    """
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    elements: dict[str, str] = {}
    for i in range(len(segments) - 1):
        if segments[i] in ("01", "10", "21", "22", "8006", "8010", "414", "417"):
            elements[segments[i]] = segments[i + 1]
    if "01" not in elements:
        raise InvalidBarcode(f"no GTIN in digital link {url!r}")
    if len(elements["01"]) in (8, 12, 13):
        elements["01"] = elements["01"].zfill(14)
    for key, value in parse_qsl(parts.query):
        if key.isdigit():
            elements[key] = value
    _check_gs1(elements)
    return Gs1Data(url, MappingProxyType(elements))


# ---------------------------------------------------------------- scan decoding


def decode_variable_measure(code: str, rule: VariableMeasureRule) -> VariableMeasure:
    """Decode a 13-digit in-store code with `rule`.

    Raises:
        InvalidBarcode: the price/weight verifier digit does not match.
    """
    value_field = code[rule.value[0] : rule.value[1]]
    if rule.verifier is not None and price_check_digit(value_field) != int(code[rule.verifier]):
        raise InvalidBarcode(f"price verifier digit wrong in {code!r}")
    number = int(value_field)
    unit_decimals = 2 if rule.measure is Measure.PRICE else 3
    shift = unit_decimals - rule.decimals
    value = number * 10**shift if shift >= 0 else number // 10 ** (-shift)
    digits = list(code[:12])
    for i in range(rule.value[0], rule.value[1]):
        digits[i] = "0"
    if rule.verifier is not None:
        digits[rule.verifier] = "0"
    template = with_check_digit("".join(digits))
    return VariableMeasure(
        raw=code,
        prefix=rule.prefix,
        item=code[rule.item[0] : rule.item[1]],
        measure=rule.measure,
        value=value,
        template=template,
    )


def encode_variable_measure(rule: VariableMeasureRule, item: str, value: int) -> str:
    """The 13-digit code a label scale prints for `item` and `value` (cents or grams).

    Raises:
        ValueError: the item or value does not fit the rule's fields.
    """
    unit_decimals = 2 if rule.measure is Measure.PRICE else 3
    shift = unit_decimals - rule.decimals
    if shift < 0:
        number = value * 10 ** (-shift)
    else:
        number, rest = divmod(value, 10**shift)
        if rest:
            raise ValueError(f"{value} is finer than the rule's {rule.decimals} decimals")
    width = rule.value[1] - rule.value[0]
    item_width = rule.item[1] - rule.item[0]
    if len(item) != item_width or not item.isdigit() or not 0 <= number < 10**width:
        raise ValueError("item or value does not fit the rule")
    digits = list(rule.prefix.ljust(12, "0"))
    digits[rule.item[0] : rule.item[1]] = list(item)
    value_field = str(number).zfill(width)
    digits[rule.value[0] : rule.value[1]] = list(value_field)
    if rule.verifier is not None:
        digits[rule.verifier] = str(price_check_digit(value_field))
    return with_check_digit("".join(digits))


def _is_gs1(text: str) -> bool:
    return (
        text.startswith((*_SYMBOLOGY_IDS, GS, "(01)"))
        or GS in text
        or (len(text) > 16 and text.startswith("01") and text.isalnum())
    )


def decode_scan(text: str, rules: Sequence[VariableMeasureRule] = DEFAULT_RULES) -> Decoded:
    """Decode what a scanner (or the cashier) entered.

    Raises:
        InvalidBarcode: a GS1 string or an in-store price code that breaks its own rules.
    """
    code = text.strip()
    if code.startswith(("]E0", "]E4", "]E3")):
        code = code[3:]
    if code.startswith(("http://", "https://")):
        return parse_digital_link(code)
    if _is_gs1(code):
        return parse_gs1(code)
    if not code.isascii() or not code.isdigit():
        return PlainText(code)
    symbology = Symbology.EAN13
    if len(code) == 8:
        if is_valid_gtin(code):
            return Gtin(text, Symbology.EAN8, code)
        if code[0] not in "01":
            return PlainText(code, "check digit")
        try:
            code, symbology = "0" + expand_upce(code), Symbology.UPCE
        except InvalidBarcode:
            return PlainText(code, "check digit")
    elif len(code) == 12:
        code, symbology = "0" + code, Symbology.UPCA
    elif len(code) == 14 and is_valid_gtin(code):
        return Gtin(text, Symbology.GS1, code[1:] if code.startswith("0") else code)
    if len(code) != 13:
        return PlainText(code)
    if not is_valid_gtin(code):
        return PlainText(code, "check digit")
    for rule in rules:
        if code.startswith(rule.prefix):
            return decode_variable_measure(code, rule)
    return Gtin(text, symbology, code)
