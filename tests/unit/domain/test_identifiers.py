"""SIREN, SIRET, French VAT ids and barcodes, checked against published numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caisse.domain.errors import InvalidIdentifier
from caisse.domain.identifiers import (
    gtin_ok,
    luhn_ok,
    validate_ean,
    validate_siren,
    validate_siret,
    validate_vat_id,
    vat_key,
)
from tests.unit.domain.strategies import assert_bilingual

# Public SIRENs of large French companies (INSEE register), and the Luhn example of the
# Wikipedia article on the algorithm.
REAL_SIRENS = ["552100554", "732829320", "542051180", "552081317", "356000000"]


# ---------------------------------------------------------------- Luhn


@pytest.mark.parametrize("digits", [*REAL_SIRENS, "79927398713", "0", "18"])
def test_luhn_accepts_valid_numbers(digits: str) -> None:
    assert luhn_ok(digits)


@pytest.mark.parametrize(
    "digits", ["552100555", "732829321", "79927398710", "1", "", "55210O554", "²", "5521 00554"]
)
def test_luhn_rejects_wrong_or_non_digit_strings(digits: str) -> None:
    assert not luhn_ok(digits)


@given(st.sampled_from(REAL_SIRENS), st.integers(0, 8), st.integers(1, 9))
def test_luhn_catches_every_single_digit_error(siren: str, position: int, shift: int) -> None:
    wrong = siren[:position] + str((int(siren[position]) + shift) % 10) + siren[position + 1 :]
    assert not luhn_ok(wrong)


# ---------------------------------------------------------------- SIREN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("552100554", "552100554"),
        ("552 100 554", "552100554"),
        ("552\u00a0100\u00a0554", "552100554"),
        (" 732829320 ", "732829320"),
    ],
)
def test_validate_siren_returns_the_compact_number(text: str, expected: str) -> None:
    assert validate_siren(text) == expected


def test_validate_siren_names_the_failing_check() -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_siren("552 100 555")
    assert excinfo.value.fr == (
        "Le SIREN 552100555 est invalide : la clé de contrôle (Luhn) ne correspond pas."
    )
    assert excinfo.value.en == "SIREN 552100555 is invalid: the check digit (Luhn) does not match."


@pytest.mark.parametrize(
    ("text", "french_words"),
    [
        ("55210055", "9 chiffres"),
        ("5521005540", "9 chiffres"),
        ("55210055A", "9 chiffres"),
        ("", "9 chiffres"),
        ("000000000", "n'est attribué à aucune entreprise"),
    ],
)
def test_validate_siren_rejects(text: str, french_words: str) -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_siren(text)
    assert french_words in excinfo.value.fr
    assert_bilingual(excinfo)


# ---------------------------------------------------------------- SIRET


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("732 829 320 00074", "73282932000074"),
        ("73282932000074", "73282932000074"),
        # La Poste: the digits sum to a multiple of 5 (35, 45), Luhn does not hold...
        ("356 000 000 09075", "35600000009075"),
        ("35600000049837", "35600000049837"),
        # ...except for the head office, which passes Luhn and sums to 26.
        ("35600000000048", "35600000000048"),
    ],
)
def test_validate_siret_accepts_real_numbers(text: str, expected: str) -> None:
    assert validate_siret(text) == expected


def test_la_poste_numbers_really_break_luhn() -> None:
    assert not luhn_ok("35600000009075")
    assert not luhn_ok("35600000049837")


def test_validate_siret_names_the_failing_luhn_check() -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_siret("73282932000079")
    assert excinfo.value.fr == (
        "Le SIRET 73282932000079 est invalide : la clé de contrôle (Luhn) ne correspond pas."
    )
    assert_bilingual(excinfo)


def test_validate_siret_applies_la_poste_rule() -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_siret("35600000049838")  # sums to 46 and fails Luhn
    assert "multiple de 5" in excinfo.value.fr
    assert_bilingual(excinfo)


@pytest.mark.parametrize(
    ("text", "french_words"),
    [
        ("7328293200007", "14 chiffres"),
        ("732829320000744", "14 chiffres"),
        ("7328293200007X", "14 chiffres"),
        # Luhn holds over the 14 digits but not over the SIREN part.
        ("12345678900007", "le SIREN 123456789 qu'il contient"),
        ("00000000000000", "le SIREN 000000000 qu'il contient"),
    ],
)
def test_validate_siret_rejects(text: str, french_words: str) -> None:
    assert not luhn_ok("123456789")
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_siret(text)
    assert french_words in excinfo.value.fr
    assert_bilingual(excinfo)


def test_validate_siret_checks_it_belongs_to_the_siren() -> None:
    assert validate_siret("73282932000074", siren="732 829 320") == "73282932000074"
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_siret("73282932000074", siren="552100554")
    assert "n'appartient pas" in excinfo.value.fr
    assert "552100554" in excinfo.value.fr
    assert_bilingual(excinfo)


def test_validate_siret_checks_the_siren_given() -> None:
    with pytest.raises(InvalidIdentifier, match="SIREN 732829321"):
        validate_siret("73282932000074", siren="732829321")


# ---------------------------------------------------------------- VAT id


@pytest.mark.parametrize(
    ("siren", "key"), [("303265045", "40"), ("334175221", "23"), ("732829320", "44")]
)
def test_vat_key_matches_published_vat_ids(siren: str, key: str) -> None:
    assert vat_key(siren) == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fr 40 303 265 045", "FR40303265045"),
        ("FR23334175221", "FR23334175221"),
        ("fr44732829320", "FR44732829320"),
        ("FR\u00a044\u00a0732\u00a0829\u00a0320", "FR44732829320"),
    ],
)
def test_validate_vat_id_accepts_real_numbers(text: str, expected: str) -> None:
    assert validate_vat_id(text) == expected


@pytest.mark.parametrize(
    ("text", "french_words"),
    [
        ("40303265045", "il s'écrit FR"),
        ("FR4030326504", "il s'écrit FR"),
        ("FR403032650455", "il s'écrit FR"),
        ("DE40303265045", "il s'écrit FR"),
        ("FR4O303265045", "clés numériques"),
        ("FR84323140391", "le SIREN 323140391 qu'il contient"),
        ("FR41303265045", "la clé 41 ne correspond pas au SIREN 303265045 (clé attendue 40)"),
        ("FRK7399859412", "clés numériques"),
    ],
)
def test_validate_vat_id_rejects(text: str, french_words: str) -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_vat_id(text)
    assert french_words in excinfo.value.fr
    assert_bilingual(excinfo)


def test_validate_vat_id_checks_it_belongs_to_the_siren() -> None:
    assert validate_vat_id("FR44732829320", siren="732829320") == "FR44732829320"
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_vat_id("FR44732829320", siren="303265045")
    assert "n'est pas celui du SIREN 303265045" in excinfo.value.fr
    assert_bilingual(excinfo)


# ---------------------------------------------------------------- barcodes


@pytest.mark.parametrize(
    "code",
    [
        "4006381333931",  # EAN-13 example of the GS1 / Wikipedia article
        "3017620422003",  # a French EAN-13 (prefix 30-37)
        "73513537",  # EAN-8 example
        "036000291452",  # UPC-A example
        "00036000291452",  # the same as GTIN-14
    ],
)
def test_gtin_accepts_published_codes(code: str) -> None:
    assert gtin_ok(code)
    assert validate_ean(code) == code


@pytest.mark.parametrize("code", ["4006381333932", "3017620422004", "73513538", "12345", ""])
def test_gtin_rejects_wrong_codes(code: str) -> None:
    assert not gtin_ok(code)


@pytest.mark.parametrize(
    ("text", "french_words"),
    [("4006381333932", "clé de contrôle"), ("40063813339", "8, 12, 13"), ("40063813339A1", "8")],
)
def test_validate_ean_rejects(text: str, french_words: str) -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_ean(text)
    assert french_words in excinfo.value.fr
    assert_bilingual(excinfo)


def test_validate_ean_drops_spaces() -> None:
    assert validate_ean(" 4 006381 333931 ") == "4006381333931"
