"""Character tables of pole displays and the French text mapped onto them (hardware.md §2.6).

A display prints one byte per cell from the ROM table it was set to. Text is mapped character
by character to what the table has: accents are kept where the table has them and otherwise
dropped (é → e), a few signs get an ASCII stand-in (œ → oe, € → EUR), control characters become
spaces, and anything else a `?`. The mapped text is what the layout cuts to 20 columns, so
an amount is never cut in the middle by a longer stand-in.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Final

logger = logging.getLogger(__name__)


class DisplayCharset(StrEnum):
    """The table a display is set to (by `ESC t n` in Epson mode, by DIP switch on CD5220)."""

    ASCII = "ascii"  # 7-bit only: the safe choice when the table is unknown
    PC437 = "pc437"  # é è ê à ç ù... but no À É È Ê Ç œ €
    PC850 = "pc850"  # every French accent, no œ/€
    PC858 = "pc858"  # PC850 with € (D5)
    WPC1252 = "wpc1252"  # every French letter, œ Œ Ÿ and € (80)
    UNICODE = "unicode"  # a software display (second screen): no mapping


CODECS: Final[Mapping[DisplayCharset, str]] = MappingProxyType(
    {
        DisplayCharset.ASCII: "ascii",
        DisplayCharset.PC437: "cp437",
        DisplayCharset.PC850: "cp850",
        DisplayCharset.PC858: "cp858",
        DisplayCharset.WPC1252: "cp1252",
    }
)
"""The Python codec of each hardware table."""

EPSON_TABLES: Final[Mapping[DisplayCharset, int]] = MappingProxyType(
    {
        DisplayCharset.PC437: 0,
        DisplayCharset.PC850: 2,
        DisplayCharset.WPC1252: 16,
        DisplayCharset.PC858: 19,
    }
)
"""`ESC t n` of each table on Epson DM-D displays (clones may differ: make it a setting)."""

_STAND_INS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "€": "EUR",
        "’": "'",
        "‘": "'",
        "‚": ",",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‹": "<",
        "›": ">",
        "–": "-",
        "—": "-",
        "−": "-",
        "…": "...",
        "×": "x",
        "·": ".",
        "°": "o",
    }
)

_SPACES: Final = frozenset("\u00a0\u202f\u2009\u2007\u2002\u2003\t")


@lru_cache(maxsize=8192)
def _map_char(char: str, charset: DisplayCharset) -> str:
    category = unicodedata.category(char)
    if category == "Cf":
        return ""  # soft hyphen, zero-width joiners...
    if char in _SPACES or category in ("Cc", "Zl", "Zp"):
        # note: a control byte sent as text would clear or move the display.
        return " "
    if charset is DisplayCharset.UNICODE:
        return char
    codec = CODECS[charset]
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        pass
    else:
        return char
    stand_in = _STAND_INS.get(char)
    if stand_in is None:
        decomposed = unicodedata.normalize("NFKD", char)
        stand_in = "".join(c for c in decomposed if not unicodedata.combining(c))
        if not stand_in or stand_in == char:
            return "?"
    return "".join(_map_char(c, charset) for c in stand_in)


def to_display(text: str, charset: DisplayCharset) -> str:
    """`text` rewritten with characters the table has (idempotent)."""
    return "".join(_map_char(c, charset) for c in text)


def encode(text: str, charset: DisplayCharset) -> bytes:
    """The bytes of `text` in `charset`, after `to_display()`.

    Raises:
        ValueError: `charset` is UNICODE (a software display takes text, not bytes).
    """
    if charset is DisplayCharset.UNICODE:
        raise ValueError("a unicode display takes text, not bytes")
    return to_display(text, charset).encode(CODECS[charset])
