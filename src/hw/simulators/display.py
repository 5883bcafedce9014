"""A 2×20 customer display emulator that decodes Epson or CD5220 bytes into the screen content.

Follows hardware.md §6.4: a character grid, a cursor (x 1..20, y 1..2), overwrite / vertical /
horizontal scroll modes, the code table (`ESC t n` in Epson mode, fixed by "DIP switch" in CD5220
mode), `ESC = n` peripheral selection with a pass-through sink, and CD5220 string mode
(`ESC Q A/B … CR`). `lines()` returns what a customer would read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from hw.display.charset import CODECS, DisplayCharset

logger = logging.getLogger(__name__)

EPSON_CODECS: Final[Mapping[int, str]] = MappingProxyType(
    {0: "cp437", 2: "cp850", 16: "cp1252", 19: "cp858"}
)

_ESC, _US = 0x1B, 0x1F
_BS, _HT, _LF, _HOME, _CLR, _CR, _CAN = 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x18
# ESC/US commands with a fixed number of parameter bytes (after the 2 command bytes).
_EPSON_ESC_ARGS: Final[Mapping[int, int]] = MappingProxyType(
    {ord("@"): 0, ord("t"): 1, ord("R"): 1, ord("="): 1, ord("%"): 1, ord("?"): 1, ord("W"): 6}
)
_EPSON_US_ARGS: Final[Mapping[int, int]] = MappingProxyType(
    {
        0x01: 0,
        0x02: 0,
        0x03: 0,
        0x0A: 0,
        0x0D: 0,
        ord("B"): 0,
        ord("$"): 2,
        ord("C"): 1,
        ord("X"): 1,
        ord("E"): 1,
        ord("r"): 1,
        ord("#"): 2,
        ord("."): 1,
        ord(","): 1,
    }
)
_CD5220_ESC_ARGS: Final[Mapping[int, int]] = MappingProxyType(
    {
        ord("@"): 0,
        0x11: 0,
        0x12: 0,
        0x13: 0,
        ord("l"): 2,
        ord("["): 1,
        ord("W"): 4,
        ord("*"): 1,
        ord("_"): 1,
        ord("f"): 1,
        ord("c"): 1,
        ord("="): 1,
    }
)
_STRING_MAX: Final = 45


class DisplayMode(StrEnum):
    """The emulation the display is switched to."""

    EPSON = "epson"
    CD5220 = "cd5220"


class ScrollMode(StrEnum):
    OVERWRITE = "overwrite"
    VERTICAL = "vertical"
    HORIZONTAL = "horizontal"


class DisplayEmulator:
    """The display's brain: `feed(bytes)` updates the screen (a display never answers).

    Args:
        mode: Epson or CD5220 command set.
        charset: the table at power-on (Epson: until `ESC t n`; CD5220: the DIP setting).
        columns: characters per row.
        rows: rows.
    """

    def __init__(
        self,
        mode: DisplayMode = DisplayMode.EPSON,
        *,
        charset: DisplayCharset = DisplayCharset.PC437,
        columns: int = 20,
        rows: int = 2,
    ) -> None:
        if charset is DisplayCharset.UNICODE:
            raise ValueError("a pole display has a hardware table")
        self.mode = mode
        self.columns = columns
        self.rows = rows
        self._default_codec = CODECS[charset]
        self._lock = threading.RLock()
        self._rx = bytearray()
        self.passthrough = bytearray()
        self.peripheral = 2
        self.bytes_received = 0
        self._reset()

    def _reset(self) -> None:
        self._grid = [[" "] * self.columns for _ in range(self.rows)]
        self.x, self.y = 1, 1
        self.scroll = ScrollMode.OVERWRITE
        self.cursor_visible = True
        self.brightness = 4
        self.codec = self._default_codec
        self.string_mode = False

    # ------------------------------------------------------------ what the customer sees

    def lines(self) -> tuple[str, ...]:
        """The rows as text."""
        with self._lock:
            return tuple("".join(row) for row in self._grid)

    # ------------------------------------------------------------ protocol

    def feed(self, data: bytes) -> bytes:
        """Process bytes from the host; returns b"" (the display is one-way)."""
        with self._lock:
            self.bytes_received += len(data)
            self._rx += data
            while self._rx:
                both = self.peripheral == 3
                used = self._step(self._rx)
                if used == 0:
                    break
                if both:
                    self.passthrough += self._rx[:used]
                del self._rx[:used]
            return b""

    def _step(self, buf: bytearray) -> int:
        """Handle the command at the head of `buf`; the bytes used, 0 when incomplete."""
        if self.peripheral == 1:  # printer only: everything passes through, but ESC = n
            if buf[0] == _ESC:
                if len(buf) < 3:
                    return 0
                if buf[1] == ord("="):
                    self.peripheral = buf[2]
                    return 3
            self.passthrough.append(buf[0])
            return 1
        first = buf[0]
        if first == _ESC:
            return self._esc(buf)
        if first == _US:
            return self._us(buf)
        if first < 0x20 or first == 0x7F:
            self._control(first)
            return 1
        self._put(bytes((first,)).decode(self.codec, errors="replace"))
        return 1

    def _esc(self, buf: bytearray) -> int:
        if len(buf) < 2:
            return 0
        command = buf[1]
        if self.mode is DisplayMode.CD5220 and command == ord("Q"):
            return self._cd5220_string(buf)
        if self.mode is DisplayMode.EPSON and command == ord("&"):
            return self._epson_user_chars(buf)
        table = _EPSON_ESC_ARGS if self.mode is DisplayMode.EPSON else _CD5220_ESC_ARGS
        size = 2 + table.get(command, 0)
        if len(buf) < size:
            return 0
        args = bytes(buf[2:size])
        if command == ord("@"):
            self._reset()
        elif command == ord("="):
            self.peripheral = args[0]
        elif self.mode is DisplayMode.EPSON:
            if command == ord("t"):
                self.codec = EPSON_CODECS.get(args[0], self.codec)
        elif command in (0x11, 0x12, 0x13):
            self.scroll = list(ScrollMode)[command - 0x11]
        elif command == ord("l"):
            self._move(args[0], args[1])
        elif command == ord("["):
            self._cd5220_cursor(args[0])
        elif command == ord("*"):
            self.brightness = args[0]
        elif command == ord("_"):
            self.cursor_visible = bool(args[0])
        return size

    def _us(self, buf: bytearray) -> int:
        if len(buf) < 2:
            return 0
        command = buf[1]
        size = 2 + (_EPSON_US_ARGS.get(command, 0) if self.mode is DisplayMode.EPSON else 0)
        if len(buf) < size:
            return 0
        args = bytes(buf[2:size])
        if command in (0x01, 0x02, 0x03):
            self.scroll = list(ScrollMode)[command - 1]
        elif self.mode is not DisplayMode.EPSON:
            pass
        elif command == 0x0A:
            self._up()
        elif command == 0x0D:
            self.x = self.columns
        elif command == ord("B"):
            self.x, self.y = 1, self.rows
        elif command == ord("$"):
            self._move(args[0], args[1])
        elif command == ord("C"):
            self.cursor_visible = bool(args[0])
        elif command == ord("X"):
            self.brightness = args[0]
        return size

    def _epson_user_chars(self, buf: bytearray) -> int:
        # ESC & y c1 c2 [x d1 … d(y×x)] × (c2 - c1 + 1): skipped (no user glyphs emulated).
        if len(buf) < 5:
            return 0
        y, c1, c2 = buf[2], buf[3], buf[4]
        pos = 5
        for _ in range(max(0, c2 - c1 + 1)):
            if len(buf) <= pos:
                return 0
            pos += 1 + y * buf[pos]
        return pos if len(buf) >= pos else 0

    def _cd5220_string(self, buf: bytearray) -> int:
        if len(buf) < 3:
            return 0
        which = buf[2]
        end = next((i for i in range(3, len(buf)) if buf[i] in (_CR, _CLR, _CAN)), None)
        if end is None:
            return 0 if len(buf) < 3 + _STRING_MAX else 3
        text = bytes(buf[3:end]).decode(self.codec, errors="replace")
        row = {ord("A"): 1, ord("B"): 2, ord("D"): 1}.get(which)
        if row is not None and row <= self.rows:
            self._grid[row - 1] = list(text[: self.columns].ljust(self.columns))
        return end + 1 if buf[end] == _CR else end

    def _cd5220_cursor(self, code: int) -> None:
        if code == ord("D"):
            self._control(_BS)
        elif code == ord("C"):
            self._control(_HT)
        elif code == ord("A"):
            self._up()
        elif code == ord("B"):
            self._control(_LF)
        elif code == ord("H"):
            self.x, self.y = 1, 1
        elif code == ord("L"):
            self.x = 1
        elif code == ord("R"):
            self.x = self.columns
        elif code == ord("K"):
            self.x, self.y = 1, self.rows

    # ------------------------------------------------------------ cursor and cells

    def _control(self, byte: int) -> None:
        if byte == _CLR:
            self._grid = [[" "] * self.columns for _ in range(self.rows)]
            self.x, self.y = 1, 1
        elif byte == _CAN:
            self._grid[self.y - 1] = [" "] * self.columns
            self.x = 1
        elif byte == _BS:
            if self.x > 1:
                self.x -= 1
            else:
                self.x, self.y = self.columns, self.rows if self.y == 1 else self.y - 1
        elif byte == _HT:
            self._advance()
        elif byte == _LF:
            self._down()
        elif byte == _HOME:
            self.x, self.y = 1, 1
        elif byte == _CR:
            self.x = 1

    def _move(self, x: int, y: int) -> None:
        if 1 <= x <= self.columns and 1 <= y <= self.rows:
            self.x, self.y = x, y

    def _up(self) -> None:
        self.y = self.y - 1 if self.y > 1 else self.rows

    def _down(self) -> None:
        if self.y < self.rows:
            self.y += 1
        elif self.scroll is ScrollMode.VERTICAL:
            self._grid = [*self._grid[1:], [" "] * self.columns]
        else:
            self.y = 1

    def _put(self, char: str) -> None:
        if self.scroll is ScrollMode.HORIZONTAL and self.x > self.columns:
            row = self._grid[self.y - 1]
            self._grid[self.y - 1] = [*row[1:], char]
            return
        self._grid[self.y - 1][self.x - 1] = char
        self._advance()

    def _advance(self) -> None:
        if self.x < self.columns:
            self.x += 1
        elif self.scroll is ScrollMode.HORIZONTAL:
            self.x = self.columns + 1  # next character scrolls the row left
        else:
            self.x = 1
            self._down()
