"""French text on pole display tables: accents kept where the table has them, never garbage."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw.display.charset import CODECS, DisplayCharset, encode, to_display

HARDWARE = [c for c in DisplayCharset if c is not DisplayCharset.UNICODE]
FRENCH = "àâäçéèêëîïôöùûüÿÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸœŒæÆ€«»’"


@pytest.mark.parametrize(
    ("charset", "expected"),
    [
        (DisplayCharset.WPC1252, "Crème brûlée, œuf À côté 12,50 €"),
        (DisplayCharset.PC858, "Crème brûlée, oeuf À côté 12,50 €"),
        (DisplayCharset.PC850, "Crème brûlée, oeuf À côté 12,50 EUR"),
        (DisplayCharset.PC437, "Crème brûlée, oeuf A côté 12,50 EUR"),
        (DisplayCharset.ASCII, "Creme brulee, oeuf A cote 12,50 EUR"),
        (DisplayCharset.UNICODE, "Crème brûlée, œuf À côté 12,50 €"),
    ],
)
def test_french_accents_are_mapped(charset, expected):
    assert to_display("Crème brûlée, œuf À côté 12,50 €", charset) == expected


def test_the_bytes_are_the_tables_own():
    assert encode("é€œ", DisplayCharset.WPC1252) == b"\xe9\x80\x9c"
    assert encode("é€œ", DisplayCharset.PC858) == b"\x82\xd5oe"
    assert encode("ÉÀ", DisplayCharset.PC437) == b"\x90A"
    assert encode("É", DisplayCharset.PC850) == b"\x90"


def test_controls_never_reach_the_display():
    assert to_display("a\x0cb\x1bc\td\u00a0e\u00adf\u200bg", DisplayCharset.ASCII) == "a b c d efg"


def test_unknown_characters_become_a_question_mark():
    assert to_display("日本", DisplayCharset.WPC1252) == "??"
    assert to_display("→", DisplayCharset.ASCII) == "?"


def test_unicode_is_for_software_displays():
    with pytest.raises(ValueError, match="unicode"):
        encode("x", DisplayCharset.UNICODE)


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(FRENCH)))
@pytest.mark.parametrize("charset", HARDWARE)
def test_mapped_text_always_encodes_and_is_stable(charset, text):
    mapped = to_display(text, charset)
    mapped.encode(CODECS[charset])  # never raises: every character is in the table
    assert to_display(mapped, charset) == mapped
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in mapped)


@given(st.text(alphabet=st.sampled_from(FRENCH + "abcXYZ 019,.")))
@pytest.mark.parametrize("charset", HARDWARE)
def test_never_garbage(charset, text):
    # every displayed letter is the original or its plain form: no foreign glyph appears
    mapped = to_display(text, charset)
    allowed = set(text) | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'\"-EUR ")
    assert set(mapped) <= allowed
