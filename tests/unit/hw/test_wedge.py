"""Keyboard-wedge detection: timing, suffix, prefix, AZERTY repair, GS substitution."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hw.wedge import (
    AzertyMode,
    KeyboardWedgeDecoder,
    Scan,
    Typed,
    WedgeConfig,
    WedgeOutput,
    repair_azerty,
)


def type_keys(
    decoder: KeyboardWedgeDecoder, text: str, *, gap: float, start: float = 0.0
) -> list[WedgeOutput]:
    out: list[WedgeOutput] = []
    t = start
    for char in text:
        out.extend(decoder.feed(char, t))
        t += gap
    return out


def test_a_fast_burst_ending_with_enter_is_a_scan() -> None:
    assert type_keys(KeyboardWedgeDecoder(), "3017620422003\r", gap=0.005) == [
        Scan("3017620422003")
    ]


def test_slow_keys_are_typing_delivered_in_order() -> None:
    out = type_keys(KeyboardWedgeDecoder(), "3017620\r", gap=0.150)
    assert "".join(o.text for o in out if isinstance(o, Typed)) == "3017620\r"
    assert not any(isinstance(o, Scan) for o in out)


def test_a_short_fast_burst_is_typing() -> None:
    assert type_keys(KeyboardWedgeDecoder(), "12\r", gap=0.005) == [Typed("12\r")]


def test_typing_then_a_scan_are_told_apart() -> None:
    decoder = KeyboardWedgeDecoder()
    out = type_keys(decoder, "ab", gap=0.3)
    out += type_keys(decoder, "96385074\r", gap=0.004, start=1.0)
    assert out == [Typed("a"), Typed("b"), Scan("96385074")]


def test_a_burst_without_suffix_is_flushed_by_the_timer() -> None:
    decoder = KeyboardWedgeDecoder(WedgeConfig(suffixes=frozenset()))
    assert type_keys(decoder, "3017620422003", gap=0.004) == []
    assert decoder.pending == "3017620422003"
    assert decoder.flush(0.0485) == []  # too early
    assert decoder.flush(1.0) == [Scan("3017620422003")]
    assert decoder.pending == ""


def test_azerty_top_row_from_a_us_layout_scanner_is_repaired() -> None:
    assert type_keys(KeyboardWedgeDecoder(), "'à&àçè(àé\"éàà\r", gap=0.004) == [
        Scan("4010975023200")
    ]
    assert repair_azerty("&é\"'(-è_çà") == "1234567890"


def test_azerty_repair_modes() -> None:
    assert repair_azerty("LOT-12", AzertyMode.AUTO) == "LOT-12"  # has digits: layout is right
    assert repair_azerty("&é", AzertyMode.NEVER) == "&é"
    assert repair_azerty("A-1", AzertyMode.ALWAYS) == "A61"


def test_prefix_and_suffix_are_stripped_and_mark_a_scan_even_when_slow() -> None:
    decoder = KeyboardWedgeDecoder(WedgeConfig(prefix="$", suffixes=frozenset({"\t"})))
    assert type_keys(decoder, "$123\t", gap=0.2) == [Scan("123")]
    assert type_keys(decoder, "123\t", gap=0.001, start=5.0) == [Typed("123\t")]


def test_a_gs_substitute_becomes_fnc1() -> None:
    decoder = KeyboardWedgeDecoder(WedgeConfig(gs_substitute="~"))
    assert type_keys(decoder, "0103017620422003~10AB\r", gap=0.003) == [
        Scan("0103017620422003\x1d10AB")
    ]


def test_a_lone_enter_is_typing() -> None:
    assert KeyboardWedgeDecoder().feed("\r", 0.0) == [Typed("\r")]


@given(
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-", min_size=6, max_size=40),
    st.floats(min_value=0.0, max_value=0.05),
)
def test_any_fast_code_is_scanned_whole(code: str, gap: float) -> None:
    out = type_keys(
        KeyboardWedgeDecoder(WedgeConfig(azerty=AzertyMode.NEVER)), code + "\r", gap=gap
    )
    assert out == [Scan(code)]


@given(st.text(alphabet="abcdef0123", min_size=1, max_size=30))
def test_slow_typing_is_never_lost_nor_reordered(text: str) -> None:
    decoder = KeyboardWedgeDecoder()
    out = type_keys(decoder, text, gap=0.5)
    out += decoder.flush(1e9)
    assert "".join(o.text for o in out if isinstance(o, Typed)) == text
