"""Rounding, French formatting and parsing of amounts and quantities."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caisse.domain.catalog import Unit
from caisse.domain.errors import InvalidAmount, InvalidInput, InvalidQuantity
from caisse.domain.money import format_eur, parse_eur, parse_quantity, round_half_away
from tests.unit.domain.strategies import assert_bilingual, rounded

NNBSP = "\u202f"
NBSP = "\u00a0"


# ---------------------------------------------------------------- round_half_away


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (5, 2, 3),
        (-5, 2, -3),
        (7, 2, 4),
        (-7, 2, -4),
        (1, 2, 1),
        (-1, 2, -1),
        (1, 3, 0),
        (2, 3, 1),
        (-2, 3, -1),
        (0, 7, 0),
        (149, 100, 1),
        (150, 100, 2),
        (-150, 100, -2),
        (-149, 100, -1),
        (12, 4, 3),
        (-12, 4, -3),
    ],
)
def test_round_half_away_examples(numerator: int, denominator: int, expected: int) -> None:
    assert round_half_away(numerator, denominator) == expected


@given(st.integers(-(10**15), 10**15), st.integers(1, 10**6))
def test_round_half_away_matches_exact_rounding(numerator: int, denominator: int) -> None:
    assert round_half_away(numerator, denominator) == rounded(Fraction(numerator, denominator))


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**6))
def test_round_half_away_is_odd(numerator: int, denominator: int) -> None:
    assert round_half_away(-numerator, denominator) == -round_half_away(numerator, denominator)


@pytest.mark.parametrize("denominator", [0, -1, -100])
def test_round_half_away_refuses_non_positive_denominators(denominator: int) -> None:
    with pytest.raises(ValueError, match="denominator"):
        round_half_away(10, denominator)


# ---------------------------------------------------------------- format_eur


@pytest.mark.parametrize(
    ("cents", "expected"),
    [
        (0, f"0,00{NBSP}€"),
        (5, f"0,05{NBSP}€"),
        (100, f"1,00{NBSP}€"),
        (1250, f"12,50{NBSP}€"),
        (99_999, f"999,99{NBSP}€"),
        (123_450, f"1{NNBSP}234,50{NBSP}€"),
        (100_000_000, f"1{NNBSP}000{NNBSP}000,00{NBSP}€"),
        (-1250, f"-12,50{NBSP}€"),
        (-5, f"-0,05{NBSP}€"),
        (-123_456_789, f"-1{NNBSP}234{NNBSP}567,89{NBSP}€"),
    ],
)
def test_format_eur_examples(cents: int, expected: str) -> None:
    assert format_eur(cents) == expected


# ---------------------------------------------------------------- parse_eur


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 1200),
        ("12,5", 1250),
        ("12,50", 1250),
        ("12.50", 1250),
        ("12.5", 1250),
        ("0,05", 5),
        ("0", 0),
        ("1234", 123_400),
        ("1 234,50", 123_450),
        (f"1{NBSP}234,50", 123_450),
        (f"1{NNBSP}234,50", 123_450),
        ("1 000 000", 100_000_000),
        ("12,50 €", 1250),
        ("12,50€", 1250),
        (" 7 ", 700),
        ("999 999 999,99", 99_999_999_999),
        ("007", 700),
    ],
)
def test_parse_eur_examples(text: str, expected: int) -> None:
    assert parse_eur(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("-12,50", -1250), ("\u221212,50 €", -1250), (f"-12,50{NBSP}€", -1250), ("-0", 0)],
)
def test_parse_eur_accepts_a_minus_sign_when_asked(text: str, expected: int) -> None:
    assert parse_eur(text, allow_negative=True) == expected


@pytest.mark.parametrize(
    ("text", "french_words"),
    [
        ("", "vide"),
        ("   ", "vide"),
        ("€", "vide"),
        ("abc", "n'est pas un montant valide"),
        ("12a", "n'est pas un montant valide"),
        ("12,", "n'est pas un montant valide"),
        (",50", "n'est pas un montant valide"),
        ("1.234,50", "n'est pas un montant valide"),
        ("12 34", "n'est pas un montant valide"),
        ("1234 567", "n'est pas un montant valide"),
        ("12,50 $", "n'est pas un montant valide"),
        ("+12", "n'est pas un montant valide"),
        ("12e3", "n'est pas un montant valide"),
        ("--1", "n'est pas un montant valide"),
        ("\u0661\u0662", "n'est pas un montant valide"),
        ("12,505", "deux décimales"),
        ("0.001", "deux décimales"),
        ("-12", "négatif"),
        ("1 234 567 890,00", "trop grand"),
    ],
)
def test_parse_eur_rejects(text: str, french_words: str) -> None:
    with pytest.raises(InvalidAmount) as excinfo:
        parse_eur(text)
    assert french_words in excinfo.value.fr
    assert_bilingual(excinfo)


def test_invalid_amount_is_an_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        parse_eur("douze")


@given(st.integers(0, 99_999_999_999))
def test_parse_eur_reads_back_format_eur(cents: int) -> None:
    assert parse_eur(format_eur(cents)) == cents


@given(st.integers(-99_999_999_999, 99_999_999_999))
def test_parse_eur_reads_back_negative_format_eur(cents: int) -> None:
    assert parse_eur(format_eur(cents), allow_negative=True) == cents


@given(st.integers(0, 10**9 - 1), st.integers(0, 99), st.sampled_from([",", "."]))
def test_parse_eur_reads_plain_decimals(euros: int, hundredths: int, separator: str) -> None:
    assert parse_eur(f"{euros}{separator}{hundredths:02d}") == euros * 100 + hundredths


# ---------------------------------------------------------------- parse_quantity


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("3", Unit.PIECE, 3000),
        ("12", Unit.PIECE, 12_000),
        (" 1 ", Unit.PIECE, 1000),
        ("0,532", Unit.KG, 532),
        ("0.532", Unit.KG, 532),
        ("1,5", Unit.KG, 1500),
        ("1,50", Unit.KG, 1500),
        ("2", Unit.KG, 2000),
        ("0,005", Unit.KG, 5),
        ("12,345", Unit.KG, 12_345),
    ],
)
def test_parse_quantity_examples(text: str, unit: Unit, expected: int) -> None:
    assert parse_quantity(text, unit) == expected


@pytest.mark.parametrize(
    ("text", "unit", "french_words"),
    [
        ("", Unit.PIECE, "vide"),
        ("  ", Unit.KG, "vide"),
        ("0", Unit.PIECE, "supérieure à zéro"),
        ("0,000", Unit.KG, "supérieure à zéro"),
        ("1,5", Unit.PIECE, "nombre entier"),
        ("0,5321", Unit.KG, "trop de décimales"),
        ("-1", Unit.PIECE, "n'est pas une quantité valide"),
        ("abc", Unit.KG, "n'est pas une quantité valide"),
        ("1 000", Unit.PIECE, "n'est pas une quantité valide"),
        ("1,", Unit.KG, "n'est pas une quantité valide"),
        ("0,5 kg", Unit.KG, "n'est pas une quantité valide"),
        ("1234567", Unit.PIECE, "trop grande"),
    ],
)
def test_parse_quantity_rejects(text: str, unit: Unit, french_words: str) -> None:
    with pytest.raises(InvalidQuantity) as excinfo:
        parse_quantity(text, unit)
    assert french_words in excinfo.value.fr
    assert_bilingual(excinfo)


@given(st.integers(1, 999_999_999), st.sampled_from([",", "."]))
def test_parse_quantity_reads_grams(grams: int, separator: str) -> None:
    assert parse_quantity(f"{grams // 1000}{separator}{grams % 1000:03d}", Unit.KG) == grams


@given(st.integers(1, 999_999))
def test_parse_quantity_reads_whole_pieces(pieces: int) -> None:
    assert parse_quantity(str(pieces), Unit.PIECE) == pieces * 1000
