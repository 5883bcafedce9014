"""Barcode decoding: check digits, UPC-E, in-store price/weight codes, GS1 element strings."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw.barcodes import (
    DEFAULT_RULES,
    GS,
    Gs1Data,
    Gtin,
    Measure,
    PlainText,
    Symbology,
    VariableMeasure,
    VariableMeasureRule,
    compress_upca,
    decode_scan,
    decode_variable_measure,
    encode_variable_measure,
    expand_upce,
    format_gs1,
    gs1_date,
    gtin_check_digit,
    is_valid_gtin,
    parse_gs1,
    price_check_digit,
    with_check_digit,
)
from hw.errors import InvalidBarcode

digits = st.text(alphabet="0123456789", min_size=1, max_size=17)


# ---------------------------------------------------------------- check digits


@pytest.mark.parametrize(
    ("body", "check"),
    [("301762042200", 3), ("9638507", 4), ("03600029145", 2), ("0001234567890", 5)],
)
def test_known_check_digits(body: str, check: int) -> None:
    assert gtin_check_digit(body) == check


@given(digits)
def test_a_code_with_its_check_digit_is_valid(body: str) -> None:
    code = with_check_digit(body)
    assert gtin_check_digit(code[:-1]) == int(code[-1])
    if len(code) in (8, 12, 13, 14):
        assert is_valid_gtin(code)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.data())
def test_any_single_digit_error_is_detected(body: str, data: st.DataObject) -> None:
    code = with_check_digit(body)
    i = data.draw(st.integers(0, 12))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != code[i]]))
    assert not is_valid_gtin(code[:i] + wrong + code[i + 1 :])


def test_check_digit_refuses_non_digits() -> None:
    with pytest.raises(ValueError, match="digit"):
        gtin_check_digit("12a4")
    assert not is_valid_gtin("ABCDEFGH")


# ---------------------------------------------------------------- UPC-E


def test_upce_expansion_of_the_reference_example() -> None:
    assert expand_upce("04252614") == "042100005264"


@pytest.mark.parametrize(
    ("seven", "eleven"),
    [
        ("0123455", "01234500005"),  # d6 in 5..9: N d1..d5 0000 d6
        ("0123451", "01210000345"),  # d6 in 0..2: N d1 d2 d6 0000 d3 d4 d5
        ("0123453", "01230000045"),  # d6 = 3: N d1 d2 d3 00000 d4 d5
        ("0123454", "01234000005"),  # d6 = 4: N d1 d2 d3 d4 00000 d5
    ],
)
def test_upce_expansion_rules(seven: str, eleven: str) -> None:
    check = str(gtin_check_digit(eleven))
    assert expand_upce(seven + check) == eleven + check


@given(st.sampled_from("01"), st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_upce_round_trips_through_upca(ns: str, six: str) -> None:
    body_upca = expand_upce_body(ns + six)
    upce = ns + six + str(gtin_check_digit(body_upca))
    upca = expand_upce(upce)
    assert is_valid_gtin(upca)
    back = compress_upca(upca)
    assert back is not None
    assert expand_upce(back) == upca


def expand_upce_body(seven: str) -> str:
    # the expansion rules without the check digit, written independently of the module
    ns, d = seven[0], seven[1:]
    if d[5] in "012":
        return ns + d[0] + d[1] + d[5] + "0000" + d[2] + d[3] + d[4]
    if d[5] == "3":
        return ns + d[0] + d[1] + d[2] + "00000" + d[3] + d[4]
    if d[5] == "4":
        return ns + d[0] + d[1] + d[2] + d[3] + "00000" + d[4]
    return ns + d[0:5] + "0000" + d[5]


def test_upce_refuses_bad_input() -> None:
    with pytest.raises(InvalidBarcode):
        expand_upce("04252615")  # wrong check digit
    with pytest.raises(InvalidBarcode):
        expand_upce("24252614")  # number system 2
    with pytest.raises(InvalidBarcode):
        expand_upce("425261")
    assert compress_upca("012345678905") is None


# ---------------------------------------------------------------- price verifier digit


def test_price_verifier_reference_values() -> None:
    assert price_check_digit("2875") == 9
    assert price_check_digit("14685") == 6


@given(st.text(alphabet="0123456789", min_size=4, max_size=5), st.data())
def test_price_verifier_detects_any_single_digit_error(value: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(value) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != value[i]]))
    assert price_check_digit(value) != price_check_digit(value[:i] + wrong + value[i + 1 :])


def test_price_verifier_needs_4_or_5_digits() -> None:
    with pytest.raises(ValueError, match="4 or 5"):
        price_check_digit("123")


# ---------------------------------------------------------------- in-store codes


def test_reference_weight_and_price_codes() -> None:
    weight = decode_scan("2100005080002")
    assert weight == VariableMeasure(
        "2100005080002", "21", "00005", Measure.WEIGHT, 8000, "2100005000000"
    )
    price = decode_scan("2305000123451")
    assert isinstance(price, VariableMeasure)
    assert (price.measure, price.item, price.value) == (Measure.PRICE, "05000", 12345)
    assert is_valid_gtin(price.template)


def test_a_price_verifier_rule_checks_the_verifier() -> None:
    rule = next(r for r in DEFAULT_RULES if r.prefix == "28")
    code = encode_variable_measure(rule, "1234", 14685)
    assert code[6] == "6"
    assert decode_scan(code) == decode_variable_measure(code, rule)
    broken = code[:6] + "7" + code[7:12]
    with pytest.raises(InvalidBarcode, match="verifier"):
        decode_scan(with_check_digit(broken))


rules = st.sampled_from(
    [
        *DEFAULT_RULES,
        VariableMeasureRule("02", Measure.PRICE, item=(2, 8), value=(8, 12), decimals=2),
        VariableMeasureRule(
            "26", Measure.WEIGHT, item=(2, 6), value=(7, 12), decimals=3, verifier=6
        ),
        VariableMeasureRule("29", Measure.WEIGHT, item=(2, 7), value=(7, 12), decimals=2),
    ]
)


@given(rules, st.data())
def test_in_store_codes_round_trip(rule: VariableMeasureRule, data: st.DataObject) -> None:
    item = data.draw(
        st.text(
            alphabet="0123456789",
            min_size=rule.item[1] - rule.item[0],
            max_size=rule.item[1] - rule.item[0],
        )
    )
    width = rule.value[1] - rule.value[0]
    unit_decimals = 2 if rule.measure is Measure.PRICE else 3
    step = 10 ** max(unit_decimals - rule.decimals, 0)
    value = data.draw(st.integers(0, 10**width - 1)) * step
    code = encode_variable_measure(rule, item, value)
    assert len(code) == 13
    assert is_valid_gtin(code)
    decoded = decode_variable_measure(code, rule)
    assert (decoded.item, decoded.value, decoded.measure) == (item, value, rule.measure)
    assert decoded.template[: rule.value[0]] == code[: rule.value[0]] or rule.verifier


def test_custom_rules_replace_the_defaults() -> None:
    # La Chouette's weight nomenclature on prefix 26, while 21 is then an ordinary item
    rules_ = (VariableMeasureRule("26", Measure.WEIGHT, decimals=3),)
    decoded = decode_scan(with_check_digit("260000500532"), rules_)
    assert isinstance(decoded, VariableMeasure)
    assert decoded.value == 532
    assert isinstance(decode_scan("2100005080002", rules_), Gtin)


def test_rules_must_fit_the_code() -> None:
    with pytest.raises(ValueError, match="rule"):
        VariableMeasureRule("21", Measure.PRICE, item=(2, 7), value=(7, 13))


# ---------------------------------------------------------------- plain GTINs and text


@pytest.mark.parametrize(
    ("scan", "symbology", "code"),
    [
        ("3017620422003", Symbology.EAN13, "3017620422003"),
        ("]E03017620422003", Symbology.EAN13, "3017620422003"),
        ("96385074", Symbology.EAN8, "96385074"),
        ("036000291452", Symbology.UPCA, "0036000291452"),
        ("04252614", Symbology.UPCE, "0042100005264"),
        ("03017620422003", Symbology.GS1, "3017620422003"),
    ],
)
def test_gtins_are_normalised_for_lookup(scan: str, symbology: Symbology, code: str) -> None:
    decoded = decode_scan(scan + "\r")
    assert decoded == Gtin(scan + "\r", symbology, code)
    assert decoded.gtin14 == code.zfill(14)


def test_a_upca_of_number_system_2_is_an_in_store_code() -> None:
    code = encode_variable_measure(DEFAULT_RULES[0], "12345", 499)  # prefix 02
    assert isinstance(decode_scan(code[1:]), VariableMeasure)


@pytest.mark.parametrize("text", ["BAG", "1", "3017620422004", "12345", "Comté"])
def test_anything_else_is_plain_text(text: str) -> None:
    assert isinstance(decode_scan(text), PlainText)


# ---------------------------------------------------------------- GS1


def test_gs1_datamatrix_with_fnc1_separators() -> None:
    scan = f"]d201030176204220031726010010LOT-42{GS}21SN0001{GS}3103000532"
    data = decode_scan(scan)
    assert isinstance(data, Gs1Data)
    assert data.gtin == "3017620422003"
    assert data.expiry == date(2026, 1, 31)  # DD 00: the month's last day
    assert data.batch == "LOT-42"
    assert data.serial == "SN0001"
    assert data.net_weight_grams == 532


def test_gs1_128_and_bracketed_forms() -> None:
    assert decode_scan(f"]C1{GS}0103017620422003172602283103001250").net_weight_grams == 1250  # type: ignore[union-attr]
    bracketed = decode_scan("(01)03017620422003(10)ABC(17)260228")
    assert isinstance(bracketed, Gs1Data)
    assert bracketed.batch == "ABC"
    assert bracketed.expiry == date(2026, 2, 28)


def test_gs1_price_and_digital_link() -> None:
    priced = parse_gs1("010301762042200339220499")
    assert priced.price_cents == 499
    link = decode_scan("https://id.example.fr/01/3017620422003/10/L1?17=261231")
    assert isinstance(link, Gs1Data)
    assert (link.gtin, link.batch, link.expiry) == ("3017620422003", "L1", date(2026, 12, 31))


@pytest.mark.parametrize(
    "scan",
    [
        "]d2010301762042200",  # (01) too short
        "]d20103017620422004",  # GTIN check digit wrong
        "]d2010301762042200317261340",  # month 13
        f"]d2{GS}99",  # empty company field
        "]d2770123",  # unknown AI
        "]d201030176204220033103ABCDEF",  # non-numeric measure
    ],
)
def test_broken_gs1_is_refused(scan: str) -> None:
    with pytest.raises(InvalidBarcode):
        decode_scan(scan)


ai_values = st.one_of(
    st.builds(
        lambda b: ("01", "0" + with_check_digit(b)), st.text("0123456789", min_size=12, max_size=12)
    ),
    st.builds(lambda v: ("10", v), st.text("ABCXYZ0123456789-./", min_size=1, max_size=20)),
    st.builds(lambda v: ("21", v), st.text("abcXYZ0123456789", min_size=1, max_size=20)),
    st.builds(
        lambda y, m, d: ("17", f"{y:02d}{m:02d}{d:02d}"),
        st.integers(0, 49),
        st.integers(1, 12),
        st.integers(0, 28),
    ),
    st.builds(lambda v: ("3103", f"{v:06d}"), st.integers(0, 999999)),
)


@given(st.lists(ai_values, min_size=1, max_size=5, unique_by=lambda e: e[0]))
def test_gs1_element_strings_round_trip(elements: list[tuple[str, str]]) -> None:
    text = format_gs1(elements)
    assert dict(parse_gs1("]d2" + text).elements) == dict(elements)
    assert dict(parse_gs1(GS + text).elements) == dict(elements)


def test_gs1_dates() -> None:
    assert gs1_date("241200") == date(2024, 12, 31)
    assert gs1_date("240200") == date(2024, 2, 29)
    with pytest.raises(InvalidBarcode):
        gs1_date("24A200")
