"""Device-neutral value types and the Protocols every peripheral driver and simulator satisfies.

Nothing here touches a device or a library: `caisse.services` may import this module (and
`hw.errors`) to build documents and name devices, never `hw.drivers`. Every method that talks
to a device documents what it raises; all of them raise only `hw.errors.HardwareError`
subclasses. Other packages may add types and Protocols here, never change existing ones.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Protocol

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------- ticket documents


class Align(StrEnum):
    """Horizontal justification of a printed line."""

    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of text (wrapped by the renderer if longer than the paper).

    `width` and `height` are character magnifications (1..8); a width of 2 halves the number
    of columns available on that line.
    """

    text: str
    bold: bool = False
    align: Align = Align.LEFT
    width: int = 1
    height: int = 1
    underline: bool = False


@dataclass(frozen=True, slots=True)
class Columns:
    """A line with `left` flushed left and `right` flushed right (e.g. label and amount).

    The renderer truncates or wraps `left` so that `right` always stays whole on the last line.
    """

    left: str
    right: str
    bold: bool = False
    width: int = 1
    height: int = 1


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of cells in aligned columns (e.g. the VAT breakdown), the header in bold.

    `aligns` gives each column's justification (default: first left, the others right). When
    the widest cells do not fit the paper, each row is printed as "header: value" lines.
    """

    rows: tuple[tuple[str, ...], ...]
    header: tuple[str, ...] = ()
    aligns: tuple[Align, ...] = ()


@dataclass(frozen=True, slots=True)
class Separator:
    """A full-width rule made of `char`."""

    char: str = "-"


@dataclass(frozen=True, slots=True)
class Feed:
    """Blank lines."""

    lines: int = 1


class BarcodeSymbology(StrEnum):
    """1D symbologies a ticket may carry."""

    EAN13 = "EAN13"
    EAN8 = "EAN8"
    UPCA = "UPC-A"
    CODE128 = "CODE128"


@dataclass(frozen=True, slots=True)
class Barcode:
    """A 1D barcode, centred, human-readable digits below."""

    symbology: BarcodeSymbology
    data: str
    height_dots: int = 64


class QrErrorLevel(StrEnum):
    L = "L"
    M = "M"
    Q = "Q"
    H = "H"


@dataclass(frozen=True, slots=True)
class QrCode:
    """A QR code, centred; `size` is the module size in dots (1..16)."""

    data: str
    size: int = 4
    error_level: QrErrorLevel = QrErrorLevel.M


@dataclass(frozen=True, slots=True)
class Logo:
    """The store logo configured for the printer (skipped when none is configured)."""


@dataclass(frozen=True, slots=True)
class Cut:
    """Feed past the cutter and cut (partial cut by default, as most tickets are torn off)."""

    partial: bool = True


class DrawerPin(IntEnum):
    """The drawer kick connector pin (most drawers are on pin 2)."""

    PIN2 = 2
    PIN5 = 5


@dataclass(frozen=True, slots=True)
class DrawerKick:
    """Pulse the cash drawer connected to the printer."""

    pin: DrawerPin = DrawerPin.PIN2


TicketElement = (
    TextLine | Columns | Table | Separator | Feed | Barcode | QrCode | Logo | Cut | DrawerKick
)


@dataclass(frozen=True, slots=True)
class TicketDocument:
    """A printer-neutral ticket: what to print, not how many columns the paper has.

    `reference` names the job for the cashier ("T-000042", "DUPLICATA T-000042").
    """

    elements: tuple[TicketElement, ...]
    reference: str = ""

    def text_lines(self) -> list[str]:
        """The plain texts of the document (for logs and tests), without layout."""
        out: list[str] = []
        for element in self.elements:
            if isinstance(element, TextLine):
                out.append(element.text)
            elif isinstance(element, Columns):
                out.append(f"{element.left} {element.right}")
            elif isinstance(element, Table):
                out.extend(" ".join(row) for row in (element.header, *element.rows) if row)
        return out


# ---------------------------------------------------------------- printer


class CodePage(StrEnum):
    """Character tables a French ticket can be printed with (hardware.md §1.3)."""

    WPC1252 = "WPC1252"  # ESC t 16 on Epson: every French letter, œ and €
    PC858 = "PC858"  # ESC t 19: € and accents, no œ/Œ/Ÿ (transliterated)
    ISO8859_15 = "ISO8859_15"  # ESC t 40: œ and €


@dataclass(frozen=True, slots=True)
class PrinterProfile:
    """Per-printer settings that change the bytes sent.

    Args:
        columns: characters per line in font A (32 on 58 mm, 42 or 48 on 80 mm).
        code_page: the character table used for text.
        code_table: the `ESC t n` number of that table on this model (clones differ);
            None uses the Epson number of `code_page`.
        logo_path: a PNG printed for `Logo()` elements, or None.
        logo_max_width: the widest raster in dots (384 on 58 mm, 512/576 on 80 mm).
        native_qr: True sends `GS ( k` (most printers); False prints the QR as an image.
        drawer_pin: the pin used by `open_drawer()` without an argument.
        cut_feed_lines: lines fed before a cut so that the last line passes the cutter.
    """

    columns: int = 48
    code_page: CodePage = CodePage.WPC1252
    code_table: int | None = None
    logo_path: str | None = None
    logo_max_width: int = 384
    native_qr: bool = True
    drawer_pin: DrawerPin = DrawerPin.PIN2
    cut_feed_lines: int = 4


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """What the real-time status bytes (DLE EOT 1..4) said.

    `verified` is False when the link cannot read a status (a write-only file): nothing is
    known, and the other fields are only the optimistic defaults.
    """

    online: bool = True
    cover_open: bool = False
    paper_out: bool = False
    paper_near_end: bool = False
    drawer_open: bool | None = None
    error: bool = False
    verified: bool = True

    @property
    def can_print(self) -> bool:
        """True when nothing stops a job."""
        return self.online and not (self.cover_open or self.paper_out or self.error)


class ReceiptPrinter(Protocol):
    """A ticket printer: the hardware side of `caisse.services.ports.ReceiptPrinter`."""

    @property
    def profile(self) -> PrinterProfile: ...

    def status(self) -> PrinterStatus:
        """Query the printer now.

        Raises:
            DeviceOffline: no reply (unplugged, powered off).
            ProtocolError: a reply that is not a status byte.
        """
        ...

    def print_document(self, document: TicketDocument) -> None:
        """Print one document, checking the status before and after.

        Raises:
            PaperOut, CoverOpen, PrinterError: the printer cannot print (nothing or part printed).
            DeviceOffline, DeviceTimeout: the printer cannot be reached.
        """
        ...

    def open_drawer(self, pin: DrawerPin | None = None) -> None:
        """Pulse the drawer kick connector (the profile's pin by default).

        Raises:
            DeviceOffline, DeviceTimeout: the pulse could not be sent.
        """
        ...

    def close(self) -> None: ...


class CashDrawer(Protocol):
    """A cash drawer, usually behind the receipt printer's kick connector."""

    def open(self) -> None:
        """Send the opening pulse.

        Raises:
            HardwareError: the pulse could not be sent.
        """
        ...

    def is_open(self) -> bool | None:
        """The drawer sensor, or None when the drawer has none or it cannot be read."""
        ...


class PrintJobState(StrEnum):
    PENDING = "pending"
    FAILED = "failed"
    PRINTED = "printed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class PrintJobInfo:
    """A print job as the cashier sees it in the queue."""

    job_id: str
    reference: str
    state: PrintJobState
    attempts: int
    created_at: str
    last_error_fr: str = ""


# ---------------------------------------------------------------- display, scale, scanner


class CustomerDisplay(Protocol):
    """A customer pole display (2×20 on most models)."""

    @property
    def columns(self) -> int: ...

    @property
    def rows(self) -> int: ...

    def show(self, lines: Sequence[str]) -> None:
        """Replace the display content (one string per row, cut to the width).

        Raises:
            DeviceOffline, DeviceTimeout: the display cannot be reached.
        """
        ...

    def clear(self) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Weight:
    """A stable net weight in grams (legal-for-trade scales: 1, 2 or 5 g divisions)."""

    grams: int
    tare_grams: int = 0


class Scale(Protocol):
    """A weighing scale that returns stable weights only."""

    def read(self) -> Weight:
        """Ask for the current weight.

        Raises:
            UnstableWeight: the load is moving.
            OverCapacity, UnderZero: no legal weight can be given.
            DeviceOffline, DeviceTimeout, ProtocolError: the scale cannot be read.
        """
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ScannedCode:
    """The raw text of one scan, and its AIM symbology identifier when the scanner sent one."""

    data: str
    symbology_id: str | None = None


class Scanner(Protocol):
    """A barcode scanner on a serial line (wedge scanners go through the UI's key filter)."""

    def read(self, timeout: float) -> ScannedCode | None:
        """The next scan, or None when nothing came within `timeout` seconds.

        Raises:
            DeviceOffline: the port disappeared.
        """
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A configured device as listed by the registry."""

    role: str
    url: str
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- weighing, sale display, serial
# note: appended for the scale, customer display and serial scanner drivers; the `Weight`,
# `Scale`, `CustomerDisplay` and `Scanner` types above are used as they are.


class WeightStatus(StrEnum):
    """What one scale answer says about the load (hardware.md §3.1)."""

    STABLE = "stable"  # stable, in range, at or above the minimum: the only state a sale may use
    ZERO = "zero"  # stable at zero: nothing on the pan
    UNDER_LOAD = "under_load"  # stable, above zero but below the scale's minimum weight
    MOTION = "motion"  # the load is moving (or the scale has not finished measuring)
    UNDER_ZERO = "under_zero"  # negative: zero or tare needed
    OVER_CAPACITY = "over_capacity"  # above the maximum capacity
    UNCHANGED = "unchanged"  # a price-computing scale refuses to weigh again without movement


@dataclass(frozen=True, slots=True)
class ScaleReading:
    """One answer of a scale, in any state: what the cashier and the customer are shown.

    `grams` is the net weight when the scale gave one (STABLE, ZERO, UNDER_LOAD) and 0 otherwise:
    the protocols send a status instead of a weight while the load moves or is out of range.
    A price-computing scale (Dialog 06) also returns the unit price and the price to pay, which
    must be printed exactly as returned; weight-only scales leave both None.

    Args:
        status: the state of the load.
        grams: net weight in grams (see above).
        tare_grams: the tare known to the driver (a preset tare or a taken tare), else 0.
        net: True when the scale says the weight is net of a tare.
        unit_price_cents: price per kg used by a price-computing scale.
        price_cents: price to pay computed by a price-computing scale.
        fresh: the scale itself vouches that this is a new weighing (Dialog 06 refuses to weigh
            twice without movement), so the POS need not have seen the load change.
    """

    status: WeightStatus
    grams: int = 0
    tare_grams: int = 0
    net: bool = False
    unit_price_cents: int | None = None
    price_cents: int | None = None
    fresh: bool = False

    @property
    def stable(self) -> bool:
        """True when the scale gave a settled figure (usable or not)."""
        return self.status in (WeightStatus.STABLE, WeightStatus.ZERO, WeightStatus.UNDER_LOAD)

    @property
    def usable(self) -> bool:
        """True when a sale may use this weight (stable, in range, not below the minimum)."""
        return self.status is WeightStatus.STABLE


class WeighingScale(Scale, Protocol):
    """A scale that also reports its state and, when its protocol allows, zeroes and tares.

    `read()` waits (a bounded time) for a stable weight and raises otherwise; `reading()` asks
    once and returns whatever the scale says, for display.
    """

    @property
    def minimum_grams(self) -> int:
        """The smallest weight a sale may use (below it: `WeightStatus.UNDER_LOAD`)."""
        ...

    def reading(self) -> ScaleReading:
        """Ask once, without waiting for stability.

        Raises:
            DeviceOffline, DeviceTimeout, ProtocolError: the scale cannot be read.
            ChecksumRefused: a Dialog 06 scale refused the POS checksum.
        """
        ...

    def set_article(self, unit_price_cents: int, text: str = "") -> None:
        """Name the article about to be weighed.

        A price-computing scale sends the unit price (and text) with the next request and
        returns the price; a weight-only scale only remembers it (the POS computes the price).

        Raises:
            ValueError: a negative or too large unit price (6 digits at most).
        """
        ...

    def zero(self) -> None:
        """Zero the scale (empty pan, stable).

        Raises:
            UnsupportedOperation: the protocol has no zero command.
            UnstableWeight, ScaleFault: the scale refused.
            DeviceOffline, DeviceTimeout, ProtocolError: the scale cannot be reached.
        """
        ...

    def tare(self) -> None:
        """Take the stable load on the pan as tare.

        Raises:
            UnsupportedOperation: the protocol has no tare command.
            UnstableWeight, ScaleFault: the scale refused.
            DeviceOffline, DeviceTimeout, ProtocolError: the scale cannot be reached.
        """
        ...

    def preset_tare(self, grams: int) -> None:
        """Send a preset (digital) tare; the scale, not the POS, subtracts it.

        Raises:
            ValueError: a negative or too large tare for the protocol.
            UnsupportedOperation, ScaleFault: the scale refused.
            DeviceOffline, DeviceTimeout, ProtocolError: the scale cannot be reached.
        """
        ...

    def clear_tare(self) -> None:
        """Remove the tare.

        Raises:
            UnstableWeight, ScaleFault: the scale refused.
            DeviceOffline, DeviceTimeout, ProtocolError: the scale cannot be reached.
        """
        ...


class SaleDisplay(Protocol):
    """What the customer sees during a sale, whatever display shows it.

    Every method replaces the whole screen and raises only `HardwareError` subclasses
    (`DeviceOffline` when the display is unplugged): the caller logs it and keeps selling.
    """

    def welcome(self) -> None:
        """The idle screen between two customers."""
        ...

    def item(self, label: str, amount_cents: int, total_cents: int) -> None:
        """The line just added (label and amount) and the running total."""
        ...

    def weighing(self, label: str, grams: int, unit_price_cents: int, price_cents: int) -> None:
        """A weighed article: its price, weight and price per kg (shown before it is used)."""
        ...

    def amount_due(self, cents: int) -> None:
        """The amount left to pay."""
        ...

    def change(self, cents: int, paid_cents: int | None = None) -> None:
        """The change to give back (and what the customer handed over, when known)."""
        ...

    def thank_you(self) -> None:
        """The goodbye screen after the ticket."""
        ...

    def close(self) -> None: ...


class Parity(StrEnum):
    """Serial parity, with pyserial's letters as values."""

    NONE = "N"
    EVEN = "E"
    ODD = "O"


@dataclass(frozen=True, slots=True)
class SerialSettings:
    """How to open a serial line (a device path, a pty path or a pyserial URL like socket://).

    Args:
        port: `/dev/ttyUSB0`, `/dev/pts/3`, `socket://127.0.0.1:7000`...
        baudrate: bits per second.
        bytesize: 7 or 8 data bits.
        parity: none, even or odd.
        stopbits: 1 or 2.
        timeout: seconds a read waits for a reply.
        write_timeout: seconds a write may block (a full buffer on a dead device).
    """

    port: str
    baudrate: int = 9600
    bytesize: int = 8
    parity: Parity = Parity.NONE
    stopbits: int = 1
    timeout: float = 0.5
    write_timeout: float = 1.0


class ByteLink(Protocol):
    """A byte pipe to one device: an open pyserial port, a socket:// port or an emulator.

    Reads return what arrived within the link's timeout (possibly fewer bytes, or none).
    Failures are `OSError`s (pyserial's `SerialException` is one).
    """

    def write(self, data: bytes, /) -> int | None: ...

    def read(self, size: int = 1, /) -> bytes: ...

    def read_until(self, expected: bytes = b"\n", size: int | None = None) -> bytes: ...

    def reset_input_buffer(self) -> None: ...

    def close(self) -> None: ...
