"""The dated VAT table, HT/TVA breakdowns and exact proportional allocation."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caisse.domain.errors import InvalidInput, InvalidVatRate
from caisse.domain.vat import (
    KNOWN_RATES_BP,
    VAT_RATES,
    VatAmounts,
    allocate,
    check_rate,
    format_rate,
    ht_from_ttc,
    rates_in_force,
    vat_breakdown,
)
from tests.unit.domain.strategies import ALL_RATES, assert_bilingual, rounded

NBSP = "\u00a0"


# ---------------------------------------------------------------- the rate table


def test_known_rates_are_the_french_ones() -> None:
    assert sorted(KNOWN_RATES_BP) == [0, 210, 550, 700, 1000, 1960, 2000]


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 3, 15), [0, 210, 550, 1000, 2000]),
        (date(2014, 1, 1), [0, 210, 550, 1000, 2000]),
        (date(2013, 12, 31), [0, 210, 550, 700, 1960]),
        (date(2012, 1, 1), [0, 210, 550, 700, 1960]),
        (date(2011, 12, 31), [0, 210, 550, 1960]),
        (date(2000, 4, 1), [0, 210, 550, 1960]),
        (date(2000, 3, 31), []),
    ],
)
def test_rates_in_force(on: date, expected: list[int]) -> None:
    assert [rate.rate_bp for rate in rates_in_force(on)] == expected


@pytest.mark.parametrize(
    ("rate_bp", "on", "label"),
    [
        (2000, date(2014, 1, 1), "Taux normal"),
        (2000, date(2026, 3, 15), "Taux normal"),
        (1000, date(2014, 1, 1), "Taux intermédiaire"),
        (550, date(2005, 6, 1), "Taux réduit"),
        (550, date(2026, 3, 15), "Taux réduit"),
        (210, date(2026, 3, 15), "Taux particulier"),
        (0, date(2026, 3, 15), "Exonéré"),
        (1960, date(2013, 12, 31), "Taux normal"),
        (1960, date(2000, 4, 1), "Taux normal"),
        (700, date(2012, 1, 1), "Taux intermédiaire"),
        (700, date(2013, 12, 31), "Taux intermédiaire"),
    ],
)
def test_check_rate_accepts_a_rate_in_force(rate_bp: int, on: date, label: str) -> None:
    entry = check_rate(rate_bp, on)
    assert (entry.rate_bp, entry.label_fr) == (rate_bp, label)


@pytest.mark.parametrize(
    ("rate_bp", "on", "shown"),
    [
        (1960, date(2014, 1, 1), "19,6"),
        (2000, date(2013, 12, 31), "20"),
        (1000, date(2013, 12, 31), "10"),
        (700, date(2011, 12, 31), "7"),
        (700, date(2014, 1, 1), "7"),
        (2000, date(1999, 12, 31), "20"),
        (550, date(2000, 3, 31), "5,5"),
    ],
)
def test_check_rate_refuses_a_rate_out_of_force(rate_bp: int, on: date, shown: str) -> None:
    with pytest.raises(InvalidVatRate) as excinfo:
        check_rate(rate_bp, on)
    assert f"{shown}{NBSP}%" in excinfo.value.fr
    assert "n'est pas en vigueur" in excinfo.value.fr
    assert on.strftime("%d/%m/%Y") in excinfo.value.fr
    assert_bilingual(excinfo)


@pytest.mark.parametrize("rate_bp", [1234, 1900, -550, 100])
def test_check_rate_refuses_an_unknown_rate(rate_bp: int) -> None:
    with pytest.raises(InvalidVatRate) as excinfo:
        check_rate(rate_bp, date(2026, 3, 15))
    assert "n'existe pas" in excinfo.value.fr
    assert_bilingual(excinfo)


def test_invalid_vat_rate_is_an_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        check_rate(1234, date(2026, 3, 15))


def test_table_entries_are_frozen_and_well_ordered() -> None:
    for rate in VAT_RATES:
        assert rate.valid_to is None or rate.valid_from <= rate.valid_to
    with pytest.raises(dataclasses.FrozenInstanceError):
        VAT_RATES[0].rate_bp = 1  # type: ignore[misc]


@given(st.dates(min_value=date(2000, 4, 1), max_value=date(2100, 1, 1)))
def test_one_normal_rate_in_force_each_day(on: date) -> None:
    normal = [rate for rate in rates_in_force(on) if rate.label_fr == "Taux normal"]
    assert len(normal) == 1
    assert normal[0].rate_bp == (2000 if on >= date(2014, 1, 1) else 1960)


@pytest.mark.parametrize(
    ("rate_bp", "expected"),
    [
        (2000, "20"),
        (550, "5,5"),
        (1960, "19,6"),
        (0, "0"),
        (210, "2,1"),
        (1234, "12,34"),
        (5, "0,05"),
    ],
)
def test_format_rate(rate_bp: int, expected: str) -> None:
    assert format_rate(rate_bp) == f"{expected}{NBSP}%"


# ---------------------------------------------------------------- HT from TTC


@pytest.mark.parametrize(
    ("ttc", "rate_bp", "expected_ht"),
    [
        (1200, 2000, 1000),  # 12,00 € at 20 %
        (210, 550, 199),  # 2,10 / 1,055 = 1,9905
        (105, 550, 100),  # 1,05 / 1,055 = 0,9953
        (100, 2000, 83),  # 1,00 / 1,2 = 0,8333
        (110, 1000, 100),
        (3, 2000, 3),  # 0,025 exactly: a half, rounded away from zero
        (-3, 2000, -3),
        (1, 2000, 1),
        (-1200, 2000, -1000),
        (0, 550, 0),
        (500, 0, 500),
        (1196, 1960, 1000),
        (1070, 700, 1000),
    ],
)
def test_ht_from_ttc_examples(ttc: int, rate_bp: int, expected_ht: int) -> None:
    assert ht_from_ttc(ttc, rate_bp) == expected_ht


@given(st.integers(-(10**10), 10**10), st.sampled_from(ALL_RATES))
def test_ht_from_ttc_is_the_exact_rounding(ttc: int, rate_bp: int) -> None:
    assert ht_from_ttc(ttc, rate_bp) == rounded(Fraction(ttc) / (1 + Fraction(rate_bp, 10_000)))


def test_ht_from_ttc_refuses_a_negative_rate() -> None:
    with pytest.raises(ValueError, match="rate_bp"):
        ht_from_ttc(100, -1)


# ---------------------------------------------------------------- vat_breakdown


def test_vat_breakdown_groups_and_sorts_by_rate() -> None:
    assert vat_breakdown([(2000, 1200), (550, 105), (550, 105)]) == [
        VatAmounts(rate_bp=550, ht=199, tva=11, ttc=210),
        VatAmounts(rate_bp=2000, ht=1000, tva=200, ttc=1200),
    ]


def test_vat_breakdown_computes_on_each_rate_total_not_per_line() -> None:
    # Per line: 3 cents at 20 % is 2,5 → 3 HT each, 6 HT in all, no VAT at all.
    # On the total: 6 / 1,2 = 5 HT, 1 cent of VAT.
    assert vat_breakdown([(2000, 3), (2000, 3)]) == [VatAmounts(2000, ht=5, tva=1, ttc=6)]


def test_vat_breakdown_keeps_a_rate_whose_total_is_zero() -> None:
    assert vat_breakdown([(2000, 500), (2000, -500), (550, 100)]) == [
        VatAmounts(550, ht=95, tva=5, ttc=100),
        VatAmounts(2000, ht=0, tva=0, ttc=0),
    ]


def test_vat_breakdown_of_nothing_is_empty() -> None:
    assert vat_breakdown([]) == []


@given(st.lists(st.tuples(st.sampled_from(ALL_RATES), st.integers(-(10**7), 10**7)), max_size=40))
def test_vat_breakdown_properties(pairs: list[tuple[int, int]]) -> None:
    expected_ttc: dict[int, int] = defaultdict(int)
    for rate_bp, ttc in pairs:
        expected_ttc[rate_bp] += ttc
    result = vat_breakdown(pairs)
    assert [entry.rate_bp for entry in result] == sorted(expected_ttc)
    for entry in result:
        assert entry.ttc == expected_ttc[entry.rate_bp]
        assert entry.tva == entry.ttc - entry.ht
        exact_ht = Fraction(entry.ttc) / (1 + Fraction(entry.rate_bp, 10_000))
        assert entry.ht == rounded(exact_ht)
    assert sum(entry.ttc for entry in result) == sum(ttc for _, ttc in pairs)


# ---------------------------------------------------------------- allocate


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (100, [3, 1], [75, 25]),
        (100, [1, 2], [33, 67]),
        (1, [1, 1], [1, 0]),  # a tie goes to the lowest index
        (2, [1, 1, 1], [1, 1, 0]),
        (5, [2, 3], [2, 3]),
        (10, [-1, -1], [5, 5]),
        (10, [-1, -3], [3, 7]),
        (10, [3, -1], [15, -5]),
        (-10, [3, -1], [-15, 5]),
        (167, [66, 67, 67], [55, 56, 56]),
        (7, [0, 5, 0], [0, 7, 0]),
        (0, [4, 5], [0, 0]),
        (10, [0, 0, 0], [4, 3, 3]),  # all-zero weights: even split, remainder first
        (-10, [0, 0, 0], [-4, -3, -3]),
        (2, [0, 0, 0, 0], [1, 1, 0, 0]),
        (0, [0, 0], [0, 0]),
        (0, [1, -1], [0, 0]),
        (0, [], []),
    ],
)
def test_allocate_examples(total: int, weights: list[int], expected: list[int]) -> None:
    assert allocate(total, weights) == expected


@pytest.mark.parametrize(("total", "weights"), [(7, []), (1, [1, -1]), (-3, [2, 0, -2])])
def test_allocate_refuses_a_split_without_proportions(total: int, weights: list[int]) -> None:
    with pytest.raises(ValueError, match="cannot split"):
        allocate(total, weights)


weight_lists = st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=30).filter(
    lambda weights: sum(weights) != 0
)


@given(st.integers(-(10**9), 10**9), weight_lists)
def test_allocate_sums_exactly_and_stays_within_one_of_each_share(
    total: int, weights: list[int]
) -> None:
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - Fraction(total * weight, weight_sum)) < 1


@given(st.integers(-(10**9), 10**9), weight_lists)
def test_allocate_is_symmetric(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert allocate(-total, weights) == [-part for part in parts]
    assert allocate(total, [-weight for weight in weights]) == parts


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
def test_allocate_never_exceeds_a_weight_when_the_total_does_not(
    total: int, weights: list[int]
) -> None:
    # The property the ticket relies on: a discount or an HT no larger than the lines it is
    # spread over never makes a line negative nor larger than its own amount.
    total = min(total, sum(weights))
    parts = allocate(total, weights)
    for part, weight in zip(parts, weights, strict=True):
        assert 0 <= part <= weight


@given(st.integers(-(10**9), 10**9), st.integers(1, 40))
def test_allocate_splits_evenly_over_zero_weights(total: int, count: int) -> None:
    parts = allocate(total, [0] * count)
    assert sum(parts) == total
    magnitudes = [abs(part) for part in parts]
    assert max(magnitudes) - min(magnitudes) <= 1
    assert magnitudes == sorted(magnitudes, reverse=True)  # the remainder goes to the first ones
    assert all(part == 0 or (part > 0) == (total > 0) for part in parts)
