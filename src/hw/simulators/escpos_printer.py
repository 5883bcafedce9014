"""An ESC/POS printer emulator that speaks the real bytes, over a pty, TCP or in process.

`EscposEmulator` decodes a byte stream (resumable across chunks) the way a receipt printer
does (hardware.md §6.1): text through the selected code table, modes, cuts, drawer pulses,
barcodes, QR codes and raster images become `events`, committed text becomes `lines`, and the
real-time layer answers DLE EOT 1..4 even while the printer is offline. Tests (and the demo)
drive its state: paper out or cover open now or after N more lines, power off (no reply).

`PtyPrinterServer` serves it behind `os.openpty()` (the driver opens the slave path with
pyserial, through a stable symlink that survives a restart); `TcpPrinterServer` on loopback
(for `escpos-net:`). Neither imports pyserial.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from hw.escpos_protocol import EPSON_TABLES
from hw.simulators.endpoints import PtyEndpoint, TcpEndpoint

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class PrintedLine:
    """A committed text line and the modes it was printed with."""

    text: str
    bold: bool = False
    underline: bool = False
    align: str = "left"
    width: int = 1
    height: int = 1
    code_table: int = 0


@dataclass(frozen=True, slots=True)
class CutEvent:
    partial: bool


@dataclass(frozen=True, slots=True)
class PulseEvent:
    pin: int
    on_ms: int
    off_ms: int


@dataclass(frozen=True, slots=True)
class BarcodeEvent:
    symbology: str
    data: str


@dataclass(frozen=True, slots=True)
class QrEvent:
    data: str


@dataclass(frozen=True, slots=True)
class ImageEvent:
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class InitEvent:
    pass


@dataclass(frozen=True, slots=True)
class CodeTableEvent:
    table: int


@dataclass(frozen=True, slots=True)
class ClearedEvent:
    """The held data was discarded (DLE DC4 8 or DLE ENQ 2)."""

    discarded: int


Event = (
    PrintedLine
    | CutEvent
    | PulseEvent
    | BarcodeEvent
    | QrEvent
    | ImageEvent
    | InitEvent
    | CodeTableEvent
    | ClearedEvent
)

_BARCODES_A = {0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR"}
_BARCODES_B = {
    65: "UPC-A",
    66: "UPC-E",
    67: "EAN13",
    68: "EAN8",
    69: "CODE39",
    70: "ITF",
    71: "CODABAR",
    72: "CODE93",
    73: "CODE128",
    74: "GS1-128",
}
_ESC_ONE_ARG = b"!-3adeEGJMRt{V=r% U"
_GS_ONE_ARG = b"!BHfhwbarI|T"
_ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}


class _Incomplete(Exception):
    """The buffer ends inside a command: wait for more bytes."""


# ---------------------------------------------------------------- the emulator


@dataclass
class _Modes:
    bold: bool = False
    underline: bool = False
    align: str = "left"
    width: int = 1
    height: int = 1


@dataclass
class _Triggers:
    paper_out_after: int | None = None
    cover_open_after: int | None = None


@dataclass
class EscposEmulator:
    """The printer: feed it bytes, read its replies, inspect what it printed.

    Args:
        default_table: the code table after power-on and after ESC @ (0 = PC437 on Epson).
    """

    default_table: int = 0
    paper: str = "ok"  # ok | near_end | out
    cover_open: bool = False
    drawer_open: bool = False
    error: bool = False
    powered: bool = True
    lines: list[PrintedLine] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)
    unknown: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.code_table = self.default_table
        self._modes = _Modes()
        self._line = bytearray()
        self._buffer = bytearray()
        self._held = bytearray()
        self._qr_data = b""
        self._triggers = _Triggers()
        self._lock = threading.RLock()
        self.changed = threading.Condition(self._lock)

    # -------------------------------------------------------------- test hooks
    @property
    def offline(self) -> bool:
        return self.cover_open or self.paper == "out" or self.error

    def run_out_of_paper(self, after_lines: int = 0) -> None:
        """Paper end now, or after `after_lines` more printed lines (mid-job)."""
        with self._lock:
            if after_lines <= 0:
                self.paper = "out"
            else:
                self._triggers.paper_out_after = after_lines

    def open_cover(self, after_lines: int = 0) -> None:
        """Open the cover now, or after `after_lines` more printed lines."""
        with self._lock:
            if after_lines <= 0:
                self.cover_open = True
            else:
                self._triggers.cover_open_after = after_lines

    def refill_paper(self) -> None:
        """New roll: prints whatever was held, as a real printer does."""
        with self._lock:
            self.paper = "ok"
            self._resume()

    def close_cover(self) -> None:
        with self._lock:
            self.cover_open = False
            self._resume()

    def text_lines(self) -> list[str]:
        with self._lock:
            return [line.text for line in self.lines]

    def clear_output(self) -> None:
        with self._lock:
            self.lines.clear()
            self.events.clear()
            self.raw.clear()

    def wait_for(self, predicate: Callable[[EscposEmulator], bool], timeout: float = 10.0) -> bool:
        """Block until `predicate(self)` holds (a safety net, never a timed assertion)."""
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self), timeout)

    # -------------------------------------------------------------- byte input
    def feed(self, data: bytes) -> bytes:
        """Process bytes from the host; returns the bytes the printer sends back."""
        with self._lock:
            if not self.powered:
                return b""
            self.raw.extend(data)
            self._buffer.extend(data)
            reply = self._process()
            self.changed.notify_all()
            return reply

    def _process(self) -> bytes:
        reply = bytearray()
        while self._buffer:
            try:
                size = self._command_size(self._buffer)
            except _Incomplete:
                break
            command = bytes(self._buffer[:size])
            del self._buffer[:size]
            if command[:1] == b"\x10" and size > 1:
                reply.extend(self._realtime(command))
            elif self.offline:
                self._held.extend(command)
            else:
                self._execute(command)
        return bytes(reply)

    def _resume(self) -> None:
        if self.offline or not self._held:
            return
        held = bytes(self._held)
        self._held.clear()
        while held and not self.offline:
            size = self._command_size(bytearray(held))
            self._execute(held[:size])
            held = held[size:]
        self._held[:0] = held
        self.changed.notify_all()

    # -------------------------------------------------------------- command lengths
    def _command_size(self, buf: bytearray) -> int:
        def need(n: int) -> None:
            if len(buf) < n:
                raise _Incomplete

        first = buf[0]
        if first == 0x10:  # DLE
            need(2)
            if buf[1] in (0x04, 0x05):
                need(3)
                return 3
            if buf[1] == 0x14:
                need(3)
                size = {1: 5, 2: 5, 7: 4, 8: 10}.get(buf[2], 3)
                need(size)
                return size
            return 1
        if first == 0x1B:  # ESC
            need(2)
            op = buf[1]
            if op in b"@2<":
                return 2
            if op in _ESC_ONE_ARG:
                need(3)
                return 3
            if op in b"$\\B":
                need(4)
                return 4
            if op == ord("c"):
                need(4)
                return 4
            if op == ord("p"):
                need(5)
                return 5
            if op == ord("D"):
                end = buf.find(b"\x00", 2)
                if end < 0:
                    raise _Incomplete
                return end + 1
            if op == ord("*"):
                need(5)
                n = buf[3] + 256 * buf[4]
                k = n if buf[2] in (0, 1) else 3 * n
                need(5 + k)
                return 5 + k
            need(3)
            return 3
        if first == 0x1D:  # GS
            need(2)
            op = buf[1]
            if op in _GS_ONE_ARG:
                need(3)
                return 3
            if op in b"LWP":
                need(4)
                return 4
            if op == ord("V"):
                need(3)
                if buf[2] in (65, 66):
                    need(4)
                    return 4
                return 3
            if op == ord("k"):
                need(3)
                if buf[2] <= 6:
                    end = buf.find(b"\x00", 3)
                    if end < 0:
                        raise _Incomplete
                    return end + 1
                need(4)
                need(4 + buf[3])
                return 4 + buf[3]
            if op == ord("v"):
                need(8)
                x = buf[4] + 256 * buf[5]
                y = buf[6] + 256 * buf[7]
                need(8 + x * y)
                return 8 + x * y
            if op == ord("("):
                need(5)
                n = buf[3] + 256 * buf[4]
                need(5 + n)
                return 5 + n
            if op == ord("8"):
                need(7)
                n = buf[3] | buf[4] << 8 | buf[5] << 16 | buf[6] << 24
                need(7 + n)
                return 7 + n
            need(3)
            return 3
        if first == 0x1C:  # FS
            need(2)
            if buf[1] == ord("p"):
                need(4)
                return 4
            if buf[1] in b".&":
                return 2
            need(3)
            return 3
        return 1

    # -------------------------------------------------------------- real-time layer
    def _status_byte(self, n: int) -> int:
        if n == 1:
            return 0x12 | (0x04 if self.drawer_open else 0) | (0x08 if self.offline else 0)
        if n == 2:
            return (
                0x12
                | (0x04 if self.cover_open else 0)
                | (0x20 if self.paper == "out" else 0)
                | (0x40 if self.error else 0)
            )
        if n == 3:
            return 0x12 | (0x20 if self.error else 0)
        if n == 4:
            low = self.paper in ("near_end", "out")
            return 0x12 | (0x0C if low else 0) | (0x60 if self.paper == "out" else 0)
        return 0x12

    def _realtime(self, command: bytes) -> bytes:
        if command[1] == 0x04:
            return bytes([self._status_byte(command[2])])
        if command[1] == 0x05 and command[2] == 2:
            self._discard_held()
        elif command[1] == 0x14:
            fn = command[2]
            if fn == 1:
                self.events.append(PulseEvent(2 if command[3] == 0 else 5, command[4] * 100, 0))
            elif fn == 8:
                self._discard_held()
        return b""

    def _discard_held(self) -> None:
        discarded = len(self._held) + len(self._line)
        self._held.clear()
        self._line.clear()
        self.events.append(ClearedEvent(discarded))

    # -------------------------------------------------------------- print commands
    def _commit_line(self) -> None:
        codec = EPSON_TABLES.get(self.code_table, "cp437")
        text = bytes(self._line).decode(codec, errors="replace")
        self._line.clear()
        m = self._modes
        line = PrintedLine(text, m.bold, m.underline, m.align, m.width, m.height, self.code_table)
        self.lines.append(line)
        self.events.append(line)
        self._after_line()

    def _after_line(self) -> None:
        t = self._triggers
        if t.paper_out_after is not None:
            t.paper_out_after -= 1
            if t.paper_out_after <= 0:
                t.paper_out_after = None
                self.paper = "out"
        if t.cover_open_after is not None:
            t.cover_open_after -= 1
            if t.cover_open_after <= 0:
                t.cover_open_after = None
                self.cover_open = True

    def _feed_lines(self, n: int) -> None:
        for _ in range(n):
            if self.offline:
                return
            self._commit_line()

    def _execute(self, c: bytes) -> None:
        first = c[0]
        if len(c) == 1:
            if first == 0x0A:
                self._commit_line()
            elif first >= 0x20 or first == 0x09:
                self._line.append(first)
            return
        op = c[1]
        if first == 0x1B:
            if op == ord("@"):
                self._modes = _Modes()
                self.code_table = self.default_table
                self.events.append(InitEvent())
            elif op == ord("t"):
                self.code_table = c[2]
                self.events.append(CodeTableEvent(c[2]))
            elif op == ord("E"):
                self._modes.bold = bool(c[2] & 1)
            elif op == ord("-"):
                self._modes.underline = bool(c[2] & 3)
            elif op == ord("a"):
                self._modes.align = _ALIGN.get(c[2], "left")
            elif op == ord("!"):
                self._modes.bold = bool(c[2] & 0x08)
                self._modes.underline = bool(c[2] & 0x80)
                self._modes.height = 2 if c[2] & 0x10 else 1
                self._modes.width = 2 if c[2] & 0x20 else 1
            elif op == ord("d"):
                if self._line:
                    self._commit_line()
                    self._feed_lines(c[2] - 1)
                else:
                    self._feed_lines(c[2])
            elif op == ord("p"):
                self.events.append(PulseEvent(2 if c[2] in (0, 48) else 5, c[3] * 2, c[4] * 2))
            elif op not in b"23GJMR{V=r%e U$\\BcD*<":
                self.unknown.append(c)
        elif first == 0x1D:
            if op == ord("!"):
                self._modes.width = (c[2] >> 4) + 1
                self._modes.height = (c[2] & 0x0F) + 1
            elif op == ord("V"):
                if self._line:
                    self._commit_line()
                partial = c[2] in (1, 49, 66)
                self.events.append(CutEvent(partial))
            elif op == ord("k"):
                if c[2] <= 6:
                    self.events.append(
                        BarcodeEvent(_BARCODES_A.get(c[2], str(c[2])), c[3:-1].decode("ascii"))
                    )
                else:
                    self.events.append(
                        BarcodeEvent(_BARCODES_B.get(c[2], str(c[2])), c[4:].decode("latin-1"))
                    )
            elif op == ord("v"):
                self.events.append(ImageEvent((c[4] + 256 * c[5]) * 8, c[6] + 256 * c[7]))
            elif op == ord("(") and c[2] == ord("k") and len(c) >= 8 and c[5] == ord("1"):
                fn = c[6]
                if fn == ord("P"):
                    self._qr_data = c[8:]
                elif fn == ord("Q"):
                    self.events.append(QrEvent(self._qr_data.decode("utf-8", errors="replace")))
            elif op == ord("(") and c[2] == ord("L"):
                if len(c) > 14 and c[6] == ord("p"):
                    self.events.append(ImageEvent(c[11] + 256 * c[12], c[13] + 256 * c[14]))
            elif op not in b"BHfhwbarI|TLWP(8":
                self.unknown.append(c)
        elif first == 0x1C:
            pass
        else:
            self.unknown.append(c)

    # -------------------------------------------------------------- readable output
    def transcript(self) -> str:
        """Every committed line, then one line per cut, pulse, barcode and QR (for demo files)."""
        with self._lock:
            out: list[str] = []
            for event in self.events:
                if isinstance(event, PrintedLine):
                    out.append(event.text)
                elif isinstance(event, CutEvent):
                    out.append("✂" + "-" * 30)
                elif isinstance(event, BarcodeEvent):
                    out.append(f"[{event.symbology} {event.data}]")
                elif isinstance(event, QrEvent):
                    out.append(f"[QR {event.data}]")
                elif isinstance(event, PulseEvent):
                    out.append(f"[TIROIR broche {event.pin}]")
                elif isinstance(event, ImageEvent):
                    out.append(f"[IMAGE {event.width}×{event.height}]")
            return "\n".join(out)


# ---------------------------------------------------------------- transports


class _Transcriber:
    """Appends each cut ticket's transcript to a file (demo mode), if a path was given."""

    def __init__(self, emulator: EscposEmulator, path: Path | None) -> None:
        self._emulator = emulator
        self._path = path
        self._written = 0

    def after_feed(self) -> None:
        if self._path is None:
            return
        events = self._emulator.events
        cuts = [i for i, e in enumerate(events) if isinstance(e, CutEvent)]
        if not cuts or cuts[-1] < self._written:
            return
        end = cuts[-1] + 1
        chunk = EscposEmulator(events=events[self._written : end]).transcript()
        self._written = end
        try:
            with self._path.open("a", encoding="utf-8") as f:
                f.write(chunk + "\n\n")
        except OSError as exc:
            logger.warning("simulated printer cannot write %s: %s", self._path, exc)


class _TranscribedPrinter:
    """The emulator as a `ByteDevice` that also writes each cut ticket's transcript."""

    def __init__(self, emulator: EscposEmulator, transcript: Path | None) -> None:
        self._emulator = emulator
        self._transcriber = _Transcriber(emulator, transcript)

    def feed(self, data: bytes) -> bytes:
        reply = self._emulator.feed(data)
        self._transcriber.after_feed()
        return reply


class PtyPrinterServer(PtyEndpoint):
    """Serves an emulator on a pseudo-terminal; `path` is a stable symlink to the slave.

    `stop()` closes both ends (the port disappears: the driver gets EIO); `start()` opens a
    new pty and points the same symlink at it (the port comes back).
    """

    def __init__(
        self, emulator: EscposEmulator, link: Path, transcript: Path | None = None
    ) -> None:
        super().__init__(_TranscribedPrinter(emulator, transcript), link)
        self.emulator = emulator

    def start(self) -> Self:
        return self.plug()

    def stop(self) -> None:
        self.unplug()


class TcpPrinterServer(TcpEndpoint):
    """Serves an emulator on 127.0.0.1 (one client at a time, replies on the same socket).

    `port=0` picks a free port on the first start; later starts reuse it.
    """

    def __init__(
        self, emulator: EscposEmulator, port: int = 0, transcript: Path | None = None
    ) -> None:
        super().__init__(_TranscribedPrinter(emulator, transcript), port)
        self.emulator = emulator

    def start(self) -> Self:
        return self.plug()

    def stop(self) -> None:
        self.unplug()
