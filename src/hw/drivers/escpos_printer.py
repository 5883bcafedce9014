"""The ESC/POS receipt printer through python-escpos 3.1: rendering, links, real-time status.

Three parts:

* `EscposRenderer` turns a `TicketDocument` into the bytes of one job for a `PrinterProfile`
  (columns, code table), through a python-escpos `Dummy`. The python-escpos 3.1 pitfalls of
  hardware.md §0 are designed out: ESC @ is sent once, at the start of the job, and is always
  followed by `ESC t n`; text is encoded here with the profile's table (never by MagicEncode,
  which switches to Greek for € on the default profile); `barcode()` and `image()` are not
  called because they print to stdout.
* Links (`SerialLink`, `NetworkLink`, `UsbLink`, `FileLink`) wrap python-escpos's `Serial`,
  `Network`, `Usb` and `File`: they write bytes and read one status byte with a short
  timeout themselves (3.1 reads 16 bytes and waits for the whole serial timeout, USB has no
  timeout by default, and `paper_status()` says "paper OK" when nothing answers).
* `EscposPrinter` (ports `ReceiptPrinter` and `CashDrawer`) checks DLE EOT 1, 2 and 4 before
  and after each job, raises `hw.errors`, and reopens its link after an unplug.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import serial
from escpos import constants as esc_constants
from escpos.exceptions import DeviceNotFoundError
from escpos.exceptions import Error as EscposError
from escpos.image import EscposImage
from escpos.printer import Dummy, File, Network, Serial, Usb
from PIL import Image

from hw.errors import (
    DeviceOffline,
    DeviceTimeout,
    HardwareError,
    InvalidDocument,
    ProtocolError,
    UnsupportedOperation,
)
from hw.escpos_protocol import (
    CLEAR_BUFFERS,
    CODE_PAGES,
    REALTIME_PULSE,
    STATUS_QUERIES,
    blocking_error,
    decode_status,
    encode_text,
    valid_status,
)
from hw.ports import (
    Align,
    Barcode,
    BarcodeSymbology,
    Columns,
    Cut,
    DrawerKick,
    DrawerPin,
    Feed,
    Logo,
    PrinterProfile,
    PrinterStatus,
    QrCode,
    QrErrorLevel,
    Separator,
    Table,
    TextLine,
    TicketDocument,
)

logger = logging.getLogger(__name__)

_NON_BREAKING = "\u00a0\u202f"
_QR_LEVELS = {
    QrErrorLevel.L: esc_constants.QR_ECLEVEL_L,
    QrErrorLevel.M: esc_constants.QR_ECLEVEL_M,
    QrErrorLevel.Q: esc_constants.QR_ECLEVEL_Q,
    QrErrorLevel.H: esc_constants.QR_ECLEVEL_H,
}
_BARCODE_NAMES = {
    BarcodeSymbology.EAN13: "EAN13",
    BarcodeSymbology.EAN8: "EAN8",
    BarcodeSymbology.UPCA: "UPC-A",
    BarcodeSymbology.CODE128: "CODE128",
}


# ---------------------------------------------------------------- text layout


def wrap(text: str, width: int) -> list[str]:
    """Cut `text` into lines of at most `width` characters, at spaces (never at no-break ones).

    A leading indent is kept on the first line; a word longer than the line is split.
    """
    if len(text) <= width:
        return [text]
    body = text.lstrip(" ")
    indent = text[: len(text) - len(body)]
    lines: list[str] = []
    current, has_words = (indent if len(indent) < width else ""), False
    for word in body.split(" "):
        if not word:
            continue
        candidate = f"{current} {word}" if has_words else current + word
        if len(candidate) <= width:
            current, has_words = candidate, True
            continue
        if has_words:
            lines.append(current)
        while len(word) > width:
            lines.append(word[:width])
            word = word[width:]
        current, has_words = word, bool(word)
    if has_words or not lines:
        lines.append(current)
    return lines


def columns(left: str, right: str, width: int) -> list[str]:
    """`left` flushed left and `right` flushed right; `right` is never cut."""
    if len(left) + 1 + len(right) <= width:
        return [left + " " * (width - len(left) - len(right)) + right]
    lines = wrap(left, width)
    last = lines[-1]
    if len(last) + 1 + len(right) <= width:
        lines[-1] = last + " " * (width - len(last) - len(right)) + right
    else:
        lines.append(right.rjust(width))
    return lines


# ---------------------------------------------------------------- renderer


@dataclass
class _Style:
    align: Align = Align.LEFT
    bold: bool = False
    underline: bool = False
    width: int = 1
    height: int = 1


class EscposRenderer:
    """Renders documents to the bytes of one job, for one printer profile.

    Thread-safe (one lock around the python-escpos `Dummy` it reuses).
    """

    def __init__(self, profile: PrinterProfile) -> None:
        self.profile = profile
        table, codec = CODE_PAGES[profile.code_page]
        self.code_table = table if profile.code_table is None else profile.code_table
        self.codec = codec
        self._dummy: Any = Dummy()
        self._lock = threading.Lock()
        self._style = _Style()
        self._logo: bytes | None = None
        self._logo_key: tuple[str, float] | None = None

    # -------------------------------------------------------------- public
    def render(self, document: TicketDocument) -> bytes:
        """The bytes of one job: ESC @, ESC t n, then the elements; nothing is sent."""
        with self._lock:
            d = self._dummy
            d.clear()
            self._style = _Style()
            d.hw("INIT")
            # note: python-escpos 3.1 does not resend ESC t after ESC @ (fixed by PR #729 on
            # master); we select the table ourselves, right after the only ESC @ of the job.
            d._raw(esc_constants.ESC + b"t" + bytes([self.code_table]))
            for element in document.elements:
                self._element(element)
            return bytes(d.output)

    def drawer_pulse(self, pin: DrawerPin | None = None) -> bytes:
        """ESC p for the profile's pin (100 ms on, 100 ms off)."""
        with self._lock:
            d = self._dummy
            d.clear()
            d.cashdraw(int(pin or self.profile.drawer_pin))
            return bytes(d.output)

    # -------------------------------------------------------------- elements
    def _text(self, text: str) -> None:
        # note: no-break spaces did their job in `wrap`; clones print 0xA0 as a letter.
        text = text.replace("\u00a0", " ").replace("\u202f", " ")
        self._dummy._raw(encode_text(text, self.codec) + b"\n")

    def _set_style(self, style: _Style) -> None:
        d, cur = self._dummy, self._style
        if (style.width, style.height) != (cur.width, cur.height):
            w = min(max(style.width, 1), 8)
            h = min(max(style.height, 1), 8)
            d.set(custom_size=True, width=w, height=h)
        if style.bold != cur.bold:
            d.set(bold=style.bold)
        if style.underline != cur.underline:
            d.set(underline=1 if style.underline else 0)
        if style.align != cur.align:
            d.set(align=str(style.align))
        self._style = style

    def _element(self, element: object) -> None:
        cols = self.profile.columns
        if isinstance(element, TextLine):
            style = _Style(
                element.align, element.bold, element.underline, element.width, element.height
            )
            self._set_style(style)
            for line in wrap(element.text, max(cols // max(element.width, 1), 1)):
                self._text(line)
        elif isinstance(element, Columns):
            self._set_style(_Style(Align.LEFT, element.bold, False, element.width, element.height))
            for line in columns(element.left, element.right, max(cols // element.width, 1)):
                self._text(line)
        elif isinstance(element, Table):
            self._table(element)
        elif isinstance(element, Separator):
            self._set_style(_Style())
            self._text((element.char or "-")[0] * cols)
        elif isinstance(element, Feed):
            self._dummy._raw(b"\n" * max(element.lines, 0))
        elif isinstance(element, Barcode):
            self._barcode(element)
        elif isinstance(element, QrCode):
            self._qr(element)
        elif isinstance(element, Logo):
            self._print_logo()
        elif isinstance(element, Cut):
            self._set_style(_Style())
            self._dummy.print_and_feed(self.profile.cut_feed_lines)
            self._dummy._raw(
                esc_constants.PAPER_PART_CUT if element.partial else esc_constants.PAPER_FULL_CUT
            )
        elif isinstance(element, DrawerKick):
            self._dummy.cashdraw(int(element.pin))
        else:
            raise TypeError(f"unknown ticket element {element!r}")

    def _table(self, table: Table) -> None:
        cols = self.profile.columns
        rows = [table.header, *table.rows] if table.header else list(table.rows)
        count = max((len(r) for r in rows), default=0)
        if count == 0:
            return
        widths = [max((len(r[i]) for r in rows if i < len(r)), default=0) for i in range(count)]
        aligns = list(table.aligns) + [Align.RIGHT] * count
        if not table.aligns:
            aligns[0] = Align.LEFT
        spare = cols - sum(widths)
        if spare < count - 1:
            # too wide for this paper: one "header: value" line per cell
            for r_index, row in enumerate(table.rows):
                if r_index:
                    self._set_style(_Style())
                    self._text("")
                for i, cell in enumerate(row):
                    label = table.header[i] if i < len(table.header) else ""
                    self._set_style(_Style(bold=i == 0))
                    for line in columns(label, cell, cols):
                        self._text(line)
            return
        gaps = [
            spare // (count - 1) + (1 if i < spare % (count - 1) else 0) for i in range(count - 1)
        ]
        for r_index, row in enumerate(rows):
            self._set_style(_Style(bold=bool(table.header) and r_index == 0))
            parts: list[str] = []
            for i in range(count):
                cell = row[i] if i < len(row) else ""
                parts.append(
                    cell.ljust(widths[i]) if aligns[i] is Align.LEFT else cell.rjust(widths[i])
                )
                if i < count - 1:
                    parts.append(" " * gaps[i])
            self._text("".join(parts).rstrip())

    def _barcode(self, element: Barcode) -> None:
        self._set_style(_Style(align=Align.CENTER))
        name = _BARCODE_NAMES[element.symbology]
        data = element.data
        function_type = None
        if element.symbology is BarcodeSymbology.CODE128:
            data, function_type = "{B" + data, "B"
        # note: `_hw_barcode`, not `barcode()`, which prints "Using hardware barcode renderer"
        # on stdout (and would break `--json` outputs).
        self._dummy._hw_barcode(
            data, name, element.height_dots, 3, "BELOW", "A", False, function_type, True
        )
        self._text("")

    def _qr(self, element: QrCode) -> None:
        self._set_style(_Style(align=Align.CENTER))
        size = min(max(element.size, 1), 16)
        if self.profile.native_qr:
            self._dummy.qr(element.data, ec=_QR_LEVELS[element.error_level], size=size, native=True)
            self._text("")
            return
        import qrcode  # type: ignore[import-untyped]

        levels = {
            QrErrorLevel.L: qrcode.constants.ERROR_CORRECT_L,
            QrErrorLevel.M: qrcode.constants.ERROR_CORRECT_M,
            QrErrorLevel.Q: qrcode.constants.ERROR_CORRECT_Q,
            QrErrorLevel.H: qrcode.constants.ERROR_CORRECT_H,
        }
        # note: a fixed mask (any of the 8 is valid) skips qrcode's best-mask search, which
        # costs ~20 ms in pure Python; the matrix is packed to raster bits without Pillow.
        code = qrcode.QRCode(border=1, error_correction=levels[element.error_level], mask_pattern=2)
        code.add_data(element.data)
        code.make(fit=True)
        matrix = code.get_matrix()
        size = max(1, min(size, self.profile.logo_max_width // max(len(matrix), 1)))
        self._dummy._raw(_matrix_raster(matrix, size))

    def _print_logo(self) -> None:
        path = self.profile.logo_path
        if not path:
            return
        try:
            key = (path, Path(path).stat().st_mtime)
            if key != self._logo_key:
                self._logo = _raster(_fit(Image.open(path), self.profile.logo_max_width))
                self._logo_key = key
        except OSError as exc:
            logger.warning("logo %s not printed: %s", path, exc)
            return
        self._set_style(_Style(align=Align.CENTER))
        if self._logo is not None:
            self._dummy._raw(self._logo)


def _matrix_raster(matrix: list[list[bool]], scale: int) -> bytes:
    """GS v 0 raster bytes of a module matrix (True = black), each module `scale` dots wide."""
    width = len(matrix[0]) * scale if matrix else 0
    width_bytes = (width + 7) // 8
    rows: list[bytes] = []
    for modules in matrix:
        bits = 0
        for black in modules:
            bits = (bits << scale) | ((1 << scale) - 1 if black else 0)
        row = (bits << (width_bytes * 8 - width)).to_bytes(width_bytes, "big")
        rows.extend([row] * scale)
    header = (
        esc_constants.GS
        + b"v0\x00"
        + width_bytes.to_bytes(2, "little")
        + len(rows).to_bytes(2, "little")
    )
    return bytes(header + b"".join(rows))


def _fit(image: Image.Image, max_width: int) -> Image.Image:
    image = image.convert("L")
    if image.width > max_width:
        height = max(1, round(image.height * max_width / image.width))
        image = image.resize((max_width, height))
    return image.convert("1")


def _raster(image: Image.Image) -> bytes:
    """GS v 0 raster bytes of an image (black = 1), as python-escpos's `bitImageRaster`."""
    im = EscposImage(image)
    header = (
        esc_constants.GS
        + b"v0\x00"
        + im.width_bytes.to_bytes(2, "little")
        + im.height.to_bytes(2, "little")
    )
    return bytes(header + im.to_raster_format())


# ---------------------------------------------------------------- links


class _QuietDel:
    """Mixin: a `__del__` that never raises.

    python-escpos's `__del__` calls `close()`, which raises on a device already gone (an
    unraisable exception at garbage collection); our links close explicitly.
    """

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()  # type: ignore[attr-defined]


class _Serial(_QuietDel, Serial):  # type: ignore[misc]
    pass


class _Network(_QuietDel, Network):  # type: ignore[misc]
    pass


class _Usb(_QuietDel, Usb):  # type: ignore[misc]
    pass


class _File(_QuietDel, File):  # type: ignore[misc]
    pass


class Link(Protocol):
    """Bytes to one printer and single status bytes back."""

    @property
    def description(self) -> str: ...

    @property
    def reads_status(self) -> bool: ...

    def open(self) -> None:
        """Raises: DeviceOffline."""
        ...

    def close(self) -> None: ...

    def write(self, data: bytes) -> None:
        """Raises: DeviceOffline, DeviceTimeout."""
        ...

    def query(self, command: bytes) -> int | None:
        """Send a real-time query and read one byte; None when nothing came in time.

        Raises:
            DeviceOffline: the link is broken.
        """
        ...


def _port_errors() -> tuple[type[Exception], ...]:
    try:
        import termios
    except ImportError:  # Windows
        return (serial.SerialException, OSError)
    # note: pyserial lets termios.error (not an OSError) escape from tcflush on a dead pty.
    return (serial.SerialException, OSError, termios.error)


_PORT_ERRORS = _port_errors()

_H = TypeVar("_H")


class _EscposLink:
    """What the four links share around their python-escpos printer object.

    Each link names its device in its error sentences (`_label`: the port, host:port, USB
    ids or path), refuses to write to a link that is not open, and turns the driver's
    exceptions into `DeviceTimeout` and `DeviceOffline` the same way; only how the device is
    reached differs.
    """

    reads_status = True
    _label: str
    _printer: Any

    def _open_printer(self) -> None:
        try:
            self._printer.open()
        except DeviceNotFoundError as exc:
            raise DeviceOffline(f"{self._label}: {exc}") from exc

    def _release(self, close: Callable[[], object] | None) -> None:
        """Close what was open (a device already gone is no error) and let escpos forget it."""
        if close is not None:
            with contextlib.suppress(Exception):
                close()
        self._printer._device = False

    def _require_open(self, handle: _H | None, state: str = "is not open") -> _H:
        if handle is None:
            raise DeviceOffline(f"{self._label} {state}")
        return handle

    @contextlib.contextmanager
    def _mapped_errors(
        self,
        timeouts: tuple[type[Exception], ...],
        failures: tuple[type[Exception], ...],
        timed_out: str = "write timed out",
    ) -> Iterator[None]:
        """The driver's timeouts as `DeviceTimeout`, its other failures as `DeviceOffline`."""
        try:
            yield
        except timeouts as exc:
            raise DeviceTimeout(f"{self._label}: {timed_out}") from exc
        except failures as exc:
            raise DeviceOffline(f"{self._label}: {exc}") from exc


class SerialLink(_EscposLink):
    """RS-232 / USB-serial / pty through `escpos.printer.Serial` (pyserial)."""

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: int = 1,
        dsrdtr: bool = False,
        status_timeout: float = 0.5,
        write_timeout: float = 10.0,
    ) -> None:
        self.port = port
        self._label = port
        self._printer = _Serial(
            devfile=port,
            baudrate=baudrate,
            bytesize=bytesize,
            parity=parity,
            stopbits=stopbits,
            timeout=status_timeout,
            dsrdtr=dsrdtr,
        )
        self._status_timeout = status_timeout
        self._write_timeout = write_timeout
        self._serial: Any = None

    @property
    def description(self) -> str:
        return f"serial {self.port}"

    def open(self) -> None:
        self._open_printer()
        self._serial = self._printer.device
        self._serial.write_timeout = self._write_timeout

    def close(self) -> None:
        # note: not escpos's close(), which flushes (tcdrain) and can block on a dead port.
        serial_port, self._serial = self._serial, None
        self._release(None if serial_port is None else serial_port.close)

    def _errors(self) -> contextlib.AbstractContextManager[None]:
        return self._mapped_errors((serial.SerialTimeoutException,), _PORT_ERRORS)

    def write(self, data: bytes) -> None:
        port = self._require_open(self._serial)
        with self._errors():
            port.write(data)

    def query(self, command: bytes) -> int | None:
        port = self._require_open(self._serial)
        with self._errors():
            port.reset_input_buffer()
            port.write(command)
            port.timeout = self._status_timeout
            reply = port.read(1)
        return reply[0] if reply else None


class NetworkLink(_EscposLink):
    """Raw TCP (port 9100) through `escpos.printer.Network`."""

    def __init__(
        self, host: str, port: int = 9100, *, timeout: float = 10.0, status_timeout: float = 1.0
    ) -> None:
        self.host, self.port = host, port
        self._label = f"{host}:{port}"
        self._printer = _Network(host=host, port=port, timeout=timeout)
        self._timeout = timeout
        self._status_timeout = status_timeout
        self._socket: socket.socket | None = None

    @property
    def description(self) -> str:
        return f"tcp {self.host}:{self.port}"

    def open(self) -> None:
        # note: not `Network.open()`, which leaks its socket when the connection is refused.
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self._timeout)
        except OSError as exc:
            raise DeviceOffline(f"{self._label}: {exc}") from exc
        self._printer.device = sock
        self._socket = sock

    def close(self) -> None:
        sock, self._socket = self._socket, None
        self._printer._device = False
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def write(self, data: bytes) -> None:
        sock = self._require_open(self._socket, "is not connected")
        with self._mapped_errors((TimeoutError,), (OSError,), "send timed out"):
            sock.settimeout(self._timeout)
            sock.sendall(data)

    def query(self, command: bytes) -> int | None:
        sock = self._require_open(self._socket, "is not connected")
        try:
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                while sock.recv(64):  # stale replies from an earlier, timed-out query
                    pass
            sock.settimeout(self._timeout)
            sock.sendall(command)
            sock.settimeout(self._status_timeout)
            reply = sock.recv(1)
        except TimeoutError:
            return None
        except OSError as exc:
            raise DeviceOffline(f"{self._label}: {exc}") from exc
        if not reply:
            raise DeviceOffline(f"{self._label}: connection closed")
        return reply[0]


class UsbLink(_EscposLink):
    """USB printer class (bulk endpoints) through `escpos.printer.Usb`, always with a timeout.

    Status reads are retried a few times: some printers answer only on the 2nd or 3rd read.
    """

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        *,
        timeout_ms: int = 5000,
        status_timeout_ms: int = 300,
        in_ep: int = 0x82,
        out_ep: int = 0x01,
        read_attempts: int = 5,
    ) -> None:
        if timeout_ms <= 0:
            raise ValueError("a USB timeout of 0 blocks forever (odoo/odoo#247055)")
        self.vendor_id, self.product_id = vendor_id, product_id
        self._label = self.description
        self.timeout_ms = timeout_ms
        self._printer = _Usb(
            idVendor=vendor_id,
            idProduct=product_id,
            timeout=timeout_ms,
            in_ep=in_ep,
            out_ep=out_ep,
        )
        self._in_ep, self._out_ep = in_ep, out_ep
        self._status_timeout_ms = status_timeout_ms
        self._attempts = read_attempts
        self._device: Any = None

    @property
    def description(self) -> str:
        return f"usb {self.vendor_id:04x}:{self.product_id:04x}"

    def open(self) -> None:
        self._open_printer()
        self._device = self._printer.device

    def close(self) -> None:
        device, self._device = self._device, None
        self._release(None if device is None else self._printer.close)

    def _errors(self) -> contextlib.AbstractContextManager[None]:
        import usb.core

        return self._mapped_errors((usb.core.USBTimeoutError,), (usb.core.USBError,))

    def write(self, data: bytes) -> None:
        device = self._require_open(self._device)
        with self._errors():
            device.write(self._out_ep, data, self.timeout_ms)

    def query(self, command: bytes) -> int | None:
        import usb.core

        device = self._require_open(self._device)
        with self._errors():
            device.write(self._out_ep, command, self.timeout_ms)
            for attempt in range(self._attempts):
                try:
                    reply = bytes(device.read(self._in_ep, 16, self._status_timeout_ms))
                except usb.core.USBTimeoutError:
                    reply = b""
                if reply:
                    return reply[-1]
                if attempt + 1 < self._attempts:
                    time.sleep(0.05)
        return None


class FileLink(_EscposLink):
    """A device file (`/dev/usb/lp0`) or a plain file: write only, no status."""

    reads_status = False

    def __init__(self, path: str) -> None:
        self.path = path
        self._label = path
        self._printer = _File(devfile=path, auto_flush=True)
        self._opened = False

    @property
    def description(self) -> str:
        return f"file {self.path}"

    def open(self) -> None:
        if not Path(self.path).parent.exists():
            raise DeviceOffline(f"{self.path}: no such directory")
        self._open_printer()
        self._opened = True

    def close(self) -> None:
        self._release(self._printer.close if self._opened else None)
        self._opened = False

    def write(self, data: bytes) -> None:
        if not self._opened:
            raise DeviceOffline(f"{self.path} is not open")
        with self._mapped_errors((), (OSError,)):
            self._printer._raw(data)

    def query(self, command: bytes) -> int | None:
        raise UnsupportedOperation(f"{self.path}: a file gives no status")


# ---------------------------------------------------------------- the printer


class EscposPrinter:
    """A receipt printer and its drawer; every call may run on the device worker only.

    Raises `hw.errors` only. After an unplug (DeviceOffline), the link is closed and the next
    call reopens it: a printer plugged back in works again without restarting the till.
    """

    def __init__(self, link: Link, profile: PrinterProfile | None = None) -> None:
        self.link = link
        self._profile = profile or PrinterProfile()
        self.renderer = EscposRenderer(self._profile)
        self._open = False

    @property
    def profile(self) -> PrinterProfile:
        return self._profile

    @property
    def description(self) -> str:
        return self.link.description

    @contextlib.contextmanager
    def _session(self) -> Iterator[None]:
        if not self._open:
            self.link.open()
            self._open = True
        try:
            yield
        except (DeviceOffline, DeviceTimeout, ProtocolError):
            self.close()
            raise
        except EscposError as exc:
            self.close()
            raise DeviceOffline(str(exc)) from exc

    def _status_byte(self, n: int) -> int:
        byte = self.link.query(STATUS_QUERIES[n])
        if byte is None:
            raise DeviceOffline(f"no reply to DLE EOT {n} on {self.link.description}")
        if not valid_status(byte):
            raise ProtocolError(f"invalid reply 0x{byte:02x} to DLE EOT {n}")
        return byte

    def _read_status(self) -> PrinterStatus:
        if not self.link.reads_status:
            return PrinterStatus(verified=False)
        return decode_status(self._status_byte(1), self._status_byte(2), self._status_byte(4))

    def status(self) -> PrinterStatus:
        with self._session():
            return self._read_status()

    def print_document(self, document: TicketDocument) -> None:
        try:
            data = self.renderer.render(document)
        except (EscposError, ValueError) as exc:  # e.g. a barcode with a wrong check digit
            raise InvalidDocument(f"{document.reference}: {exc}") from exc
        self.print_bytes(data)

    def print_bytes(self, data: bytes) -> None:
        """Send one rendered job between two status checks.

        Raises:
            PaperOut, CoverOpen, PrinterError, DeviceOffline, DeviceTimeout, ProtocolError.
        """
        with self._session():
            before = blocking_error(self._read_status())
            if before is not None:
                raise before
            self.link.write(data)
            after = blocking_error(self._read_status())
            if after is not None:
                # note: the rest of the job is still in the printer's buffer; clear it so that
                # it does not come out when the paper is reloaded (the job stays queued and is
                # printed again in full). Printers without DLE DC4 8 ignore this.
                with contextlib.suppress(HardwareError):
                    self.link.write(CLEAR_BUFFERS)
                raise after

    def open_drawer(self, pin: DrawerPin | None = None) -> None:
        """Pulse the drawer: ESC p when the printer is online, else the real-time DLE DC4 1.

        note: a printer out of paper or with its cover open holds ESC p in its buffer; the
        cashier still needs the drawer then, and real-time commands run even offline.
        """
        with self._session():
            status = self._read_status()
            if status.can_print or not status.verified:
                self.link.write(self.renderer.drawer_pulse(pin))
            elif status.cover_open or status.paper_out:
                pin_byte = 1 if (pin or self._profile.drawer_pin) is DrawerPin.PIN5 else 0
                self.link.write(REALTIME_PULSE + bytes([pin_byte, 1]))
            else:
                raise blocking_error(status) or DeviceOffline("printer offline")
            if status.verified:
                self._status_byte(1)  # the printer is still there after the pulse

    def open(self) -> None:
        """The `CashDrawer` port's `open`: pulse the profile's pin."""
        self.open_drawer()

    def is_open(self) -> bool | None:
        try:
            status = self.status()
        except HardwareError:
            return None
        return status.drawer_open if status.verified else None

    def close(self) -> None:
        self._open = False
        self.link.close()
