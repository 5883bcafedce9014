"""The display emulator decodes Epson and CD5220 command streams like a 2×20 VFD."""

from __future__ import annotations

from hw.display.charset import DisplayCharset
from hw.simulators.display import DisplayEmulator, DisplayMode, ScrollMode

BLANK = " " * 20


def epson(data: bytes) -> DisplayEmulator:
    emulator = DisplayEmulator(DisplayMode.EPSON)
    emulator.feed(data)
    return emulator


def test_overwrite_wraps_line_2_to_line_1():
    emulator = epson(b"A" * 20 + b"B" * 20 + b"CC")
    assert emulator.lines() == ("CC" + "A" * 18, "B" * 20)


def test_vertical_scroll():
    emulator = epson(b"\x1f\x02" + b"A" * 20 + b"B" * 20 + b"C")
    assert emulator.lines() == ("B" * 20, "C" + " " * 19)
    assert emulator.scroll is ScrollMode.VERTICAL


def test_horizontal_scroll():
    emulator = epson(b"\x1f\x03" + b"0123456789" * 2 + b"XY")
    assert emulator.lines()[0] == "23456789012345678" + "9XY"


def test_cursor_moves_and_clears():
    emulator = epson(b"\x1f$\x05\x02hello\x0bX\x1f$\x15\x01Z")
    assert emulator.lines() == ("XZ" + " " * 18, "    hello" + " " * 11)  # x=21 ignored
    emulator.feed(b"\x1f$\x01\x02\x18")
    assert emulator.lines()[1] == BLANK
    emulator.feed(b"\x0c")
    assert emulator.lines() == (BLANK, BLANK)
    assert (emulator.x, emulator.y) == (1, 1)


def test_cursor_keys():
    emulator = epson(b"ab\x08c\x09d\x0d\x1f\x0dE\x1fBF\x1f\x0aG\x0aH")
    # BS back over b, HT skips a cell, CR/US CR leftmost/rightmost, US B bottom, US LF up, LF down
    assert emulator.lines() == ("aG d" + " " * 15 + "E", "F H" + " " * 17)


def test_code_tables():
    emulator = epson(b"\x1bt\x10\x80\x9c\x1bt\x13\xd5\x1bt\x00\x82")
    assert emulator.lines()[0].startswith("€œ€é")
    emulator.feed(b"\x1b@\x82")
    assert emulator.lines()[0][0] == "é"  # back to PC437 after ESC @


def test_init_clears_and_resets_modes():
    emulator = epson(b"\x1f\x02\x1fC\x00\x1fX\x02abc\x1b@")
    assert emulator.lines() == (BLANK, BLANK)
    assert emulator.scroll is ScrollMode.OVERWRITE
    assert emulator.cursor_visible
    assert emulator.brightness == 4


def test_pass_through_to_the_printer():
    emulator = epson(b"\x1b=\x01\x1b@receipt\x1b=\x02shown\x1b=\x03both")
    assert bytes(emulator.passthrough) == b"\x1b@receiptboth"
    assert emulator.lines()[0].startswith("shownboth")


def test_other_commands_are_skipped_with_their_arguments():
    emulator = epson(
        b"\x1bW\x01\x01\x01\x01\x14\x02"  # window
        b"\x1f#\x01\x01\x1f.\x01\x1f,\x01\x1fE\x00\x1fr\x01\x1bR\x00\x1b%\x01\x1b?\x41"
        b"\x1b&\x01\x41\x42\x02\xff\xff\x01\xff"  # two user-defined characters
        b"ok"
    )
    assert emulator.lines()[0].startswith("ok")


def test_commands_split_across_writes():
    emulator = DisplayEmulator(DisplayMode.EPSON)
    for byte in b"\x1f$\x03\x02x":
        emulator.feed(bytes((byte,)))
    assert emulator.lines()[1] == "  x" + " " * 17


def test_cd5220_string_mode():
    emulator = DisplayEmulator(DisplayMode.CD5220, charset=DisplayCharset.PC858)
    emulator.feed(b"\x0c\x1bQAPrix \xd5\r\x1bQB12,50\r")
    assert emulator.lines() == ("Prix €" + " " * 14, "12,50" + " " * 15)
    emulator.feed(b"\x1bQAinterrupted\x0c")
    assert emulator.lines() == (BLANK, BLANK)
    emulator.feed(b"\x1bQD" + b"scrolling text that is long\r")
    assert emulator.lines()[0] == "scrolling text that "


def test_cd5220_cursor_commands():
    emulator = DisplayEmulator(DisplayMode.CD5220)
    emulator.feed(b"\x1bl\x03\x02a\x1b[Hb\x1b[Kc\x1b[Rd\x1b[Le\x1b[Cf\x1b[Dg\x1b[Ah\x1b[Bi")
    # ESC l, ESC [ H/K/R/L/C/D/A/B: move, home, bottom, rightmost, leftmost, right, left, up, down
    assert emulator.lines() == ("e g i" + " " * 15, "c ah" + " " * 15 + "d")
    emulator.feed(b"\x1b\x12\x1b*\x02\x1b_\x00\x1bf\x46\x1bc\x00\x1bW\x01\x01\x14\x01")
    assert emulator.scroll is ScrollMode.VERTICAL
    assert emulator.brightness == 2
    assert not emulator.cursor_visible


def test_ascii_table_shows_replacement_for_high_bytes():
    emulator = DisplayEmulator(DisplayMode.CD5220, charset=DisplayCharset.ASCII)
    emulator.feed(b"\x1bQA\xe9\r")
    assert emulator.lines()[0][0] == "\ufffd"  # what a wrong byte looks like: garbage
