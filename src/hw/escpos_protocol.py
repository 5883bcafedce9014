"""ESC/POS facts shared by the printer driver and its emulator: code tables, status bytes."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Final

from hw.errors import (
    CoverOpen,
    DeviceOffline,
    HardwareError,
    PaperOut,
    PrinterError,
    ProtocolError,
)
from hw.ports import CodePage, PrinterStatus

logger = logging.getLogger(__name__)

ESC: Final = b"\x1b"
GS: Final = b"\x1d"
DLE: Final = b"\x10"
LF: Final = b"\n"

INIT: Final = ESC + b"@"

# DLE EOT n: real-time status (hardware.md §1.6); every valid reply matches (b & 0x93) == 0x12.
STATUS_PRINTER: Final = b"\x10\x04\x01"
STATUS_OFFLINE_CAUSE: Final = b"\x10\x04\x02"
STATUS_ERROR_CAUSE: Final = b"\x10\x04\x03"
STATUS_PAPER: Final = b"\x10\x04\x04"
STATUS_QUERIES: Final[Mapping[int, bytes]] = MappingProxyType(
    {1: STATUS_PRINTER, 2: STATUS_OFFLINE_CAUSE, 3: STATUS_ERROR_CAUSE, 4: STATUS_PAPER}
)

# DLE DC4 fn=8: clear the receive and print buffers (real-time; TM-T88IV and later). Sent after
# a job failed mid-way so that the rest of it does not come out when the paper is reloaded.
CLEAR_BUFFERS: Final = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"

# DLE DC4 1 m t: real-time drawer pulse (m 0 = pin 2, 1 = pin 5; t × 100 ms), run even offline.
REALTIME_PULSE: Final = b"\x10\x14\x01"

EPSON_TABLES: Final[Mapping[int, str]] = MappingProxyType(
    {
        0: "cp437",
        2: "cp850",
        3: "cp860",
        4: "cp863",
        5: "cp865",
        16: "cp1252",
        17: "cp866",
        18: "cp852",
        19: "cp858",
        40: "iso8859_15",
    }
)
"""Epson `ESC t n` table numbers and the Python codec of each (hardware.md §1.3, §6.1)."""

CODE_PAGES: Final[Mapping[CodePage, tuple[int, str]]] = MappingProxyType(
    {
        CodePage.WPC1252: (16, "cp1252"),
        CodePage.PC858: (19, "cp858"),
        CodePage.ISO8859_15: (40, "iso8859_15"),
    }
)
"""Our code pages: the Epson table number and the codec."""

_TRANSLITERATIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "œ": "oe",
        "Œ": "OE",
        "Ÿ": "Y",
        "æ": "ae",
        "Æ": "AE",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "×": "x",
        "€": "EUR",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)


@lru_cache(maxsize=4096)
def _encode_char(char: str, codec: str) -> bytes:
    if char in "\u00a0\u202f\u2009":
        # note: no-break spaces only matter to the wrapping, done before encoding.
        return b" "
    try:
        return char.encode(codec)
    except UnicodeEncodeError:
        pass
    substitute = _TRANSLITERATIONS.get(char)
    if substitute is None:
        decomposed = unicodedata.normalize("NFKD", char)
        substitute = "".join(c for c in decomposed if not unicodedata.combining(c)) or "?"
        if substitute == char:
            substitute = "?"
    return b"".join(_encode_char(c, codec) for c in substitute)


def encode_text(text: str, codec: str) -> bytes:
    """Encode printable text in a printer table, transliterating what the table lacks (œ → oe)."""
    try:
        return text.encode(codec)
    except UnicodeEncodeError:
        return b"".join(_encode_char(c, codec) for c in text)


def valid_status(byte: int) -> bool:
    """True when `byte` has the fixed bits of a DLE EOT reply (bits 1, 4 set; 0, 7 clear)."""
    return (byte & 0x93) == 0x12


def decode_status(printer: int, offline_cause: int, paper: int) -> PrinterStatus:
    """The status told by the replies to DLE EOT 1, 2 and 4 (single bits: portable across models).

    Raises:
        ProtocolError: a byte that is not a status reply.
    """
    for byte in (printer, offline_cause, paper):
        if not valid_status(byte):
            raise ProtocolError(f"invalid status byte 0x{byte:02x}")
    return PrinterStatus(
        online=not printer & 0x08,
        drawer_open=bool(printer & 0x04),
        cover_open=bool(offline_cause & 0x04),
        paper_out=bool(offline_cause & 0x20) or bool(paper & 0x60),
        paper_near_end=bool(paper & 0x0C),
        error=bool(offline_cause & 0x40),
    )


def blocking_error(status: PrinterStatus) -> HardwareError | None:
    """The error that stops a job in this state, or None when the printer can print."""
    if status.cover_open:
        return CoverOpen("cover open")
    if status.paper_out:
        return PaperOut("paper end")
    if status.error:
        return PrinterError("printer error")
    if not status.online:
        return DeviceOffline("printer offline")
    return None
