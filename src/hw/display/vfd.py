"""2×20 pole displays over a byte link: the Epson (DM-D110) and CD5220 command sets.

Epson mode (hardware.md §2.2): `ESC @`, cursor off, `ESC t n`, then per frame `CLR`,
`US $ 1 1` + 20 cells, `US $ 1 2` + 20 cells (no CR/LF after the last cell: it would wrap).
CD5220 (§2.3): `ESC @`, then `CLR`, `ESC Q A` + 20 cells + CR, `ESC Q B` + 20 cells + CR.
Each frame rewrites every cell, so a display that missed a frame is right after the next one.
A write that fails (unplugged USB display, dead pty) raises `DeviceOffline`; the next `show()`
reopens the port and re-initialises the display.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Final

from hw.display.charset import EPSON_TABLES, DisplayCharset, encode, to_display
from hw.display.layout import fit
from hw.errors import DeviceOffline
from hw.ports import ByteLink, SerialSettings
from hw.scales.link import DeviceLine, LinkOpener

logger = logging.getLogger(__name__)

COLUMNS: Final = 20
ROWS: Final = 2

ESC: Final = b"\x1b"
US: Final = b"\x1f"
CLR: Final = b"\x0c"
CR: Final = b"\r"
INIT: Final = ESC + b"@"
EPSON_CURSOR_OFF: Final = US + b"C\x00"
CD5220_CURSOR_OFF: Final = ESC + b"_\x00"
CD5220_UPPER: Final = ESC + b"QA"
CD5220_LOWER: Final = ESC + b"QB"

DEFAULT_SERIAL: Final = SerialSettings(port="", timeout=0.5, write_timeout=0.5)
"""9600 8N1; a short write timeout so that a dead display does not hold the device thread."""


def epson_move(x: int, y: int) -> bytes:
    """`US $ x y`: cursor to column x (1..20), row y (1..2)."""
    return US + b"$" + bytes((x, y))


class VfdDisplay(ABC):
    """Common part of the command sets: mapping, cutting, (re)connection.

    Args:
        opener: opens the link to the display.
        charset: the table the display uses.
        name: the device, for messages.
    """

    def __init__(
        self,
        opener: LinkOpener,
        *,
        charset: DisplayCharset = DisplayCharset.ASCII,
        name: str = "afficheur client",
    ) -> None:
        if charset is DisplayCharset.UNICODE:
            raise ValueError("a pole display needs a hardware character table")
        self.charset = charset
        self._line = DeviceLine(opener, name=name, on_open=self._initialise)

    @property
    def name(self) -> str:
        """The device, for messages."""
        return self._line.name

    @property
    def columns(self) -> int:
        """Characters per row."""
        return COLUMNS

    @property
    def rows(self) -> int:
        """Rows."""
        return ROWS

    def cells(self, lines: Sequence[str]) -> list[bytes]:
        """The encoded rows: mapped to the table, cut or padded to 20 cells, missing rows blank."""
        padded = [*lines[:ROWS], *([""] * (ROWS - len(lines)))]
        return [
            encode(fit(to_display(line, self.charset), COLUMNS), self.charset) for line in padded
        ]

    @abstractmethod
    def frame(self, lines: Sequence[str]) -> bytes:
        """The bytes that show `lines`, in each command set's own framing."""

    def init_bytes(self) -> bytes:
        """The bytes sent after each (re)connection (overridden by each command set)."""
        return INIT

    def show(self, lines: Sequence[str]) -> None:
        """Replace the whole screen (each row cut to 20 characters).

        Raises:
            DeviceOffline: the display cannot be written to (unplugged, powered off port).
        """
        self._send(self.frame(lines))

    def clear(self) -> None:
        """Blank the screen.

        Raises:
            DeviceOffline: the display cannot be written to.
        """
        self._send(CLR)

    def close(self) -> None:
        """Release the port."""
        self._line.close()

    def _initialise(self, link: ByteLink) -> None:
        link.write(self.init_bytes())

    def _send(self, data: bytes) -> None:
        try:
            self._line.send(data)
        except DeviceOffline:
            logger.warning("%s: display offline", self.name)
            raise


class EpsonDisplay(VfdDisplay):
    """A `CustomerDisplay` in Epson ESC/POS mode (DM-D110 and most clones in "EPSON" mode).

    Args:
        opener: opens the link to the display.
        charset: the table to select.
        table: the `ESC t n` number of that table when the model differs from Epson's.
        name: the device, for messages.
    """

    def __init__(
        self,
        opener: LinkOpener,
        *,
        charset: DisplayCharset = DisplayCharset.PC858,
        table: int | None = None,
        name: str = "afficheur client",
    ) -> None:
        super().__init__(opener, charset=charset, name=name)
        if table is not None and not 0 <= table <= 255:
            raise ValueError(f"code table out of range: {table}")
        self.table = table if table is not None else EPSON_TABLES.get(charset)

    def init_bytes(self) -> bytes:
        """`ESC @`, cursor off, and `ESC t n` when the table has a number."""
        table = self.table
        select = ESC + b"t" + bytes((table,)) if table is not None else b""
        return INIT + EPSON_CURSOR_OFF + select

    def frame(self, lines: Sequence[str]) -> bytes:
        """`CLR` then each row positioned with `US $ 1 y`."""
        rows = self.cells(lines)
        return CLR + b"".join(epson_move(1, y) + row for y, row in enumerate(rows, start=1))


class Cd5220Display(VfdDisplay):
    """A `CustomerDisplay` in CD5220 standard mode (the table is chosen by DIP switch)."""

    def init_bytes(self) -> bytes:
        """`ESC @` and cursor off."""
        return INIT + CD5220_CURSOR_OFF

    def frame(self, lines: Sequence[str]) -> bytes:
        """`CLR`, `ESC Q A` row 1 `CR`, `ESC Q B` row 2 `CR` (string mode)."""
        top, bottom = self.cells(lines)
        return CLR + CD5220_UPPER + top + CR + CD5220_LOWER + bottom + CR
