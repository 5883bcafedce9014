"""Device URLs (cli.md) parsed into typed specs, and the explicit table of printer factories.

URL grammar: `SCHEME:TARGET[?key=value&...]`, for example `escpos-usb:04b8:0e15`,
`escpos-serial:/dev/ttyUSB0?baudrate=19200`, `escpos-net:192.168.1.50:9100`,
`escpos-file:/dev/usb/lp0`, `sim:` (the shipped emulator) or `none`. Printer URLs also take
the profile: `columns=32|42|48`, `codepage=WPC1252|PC858|ISO8859_15`, `table=N` (the
`ESC t` number on clones), `pin=2|5`, `logo=PATH`, `qr=native|image`.

Each factory imports its driver lazily, so that reading a URL never loads pyusb or escpos. An
unknown scheme is one `InvalidDeviceUrl` naming the schemes that exist for that role.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Protocol
from urllib.parse import parse_qsl

from hw.errors import InvalidDeviceUrl
from hw.ports import CashDrawer, CodePage, DrawerPin, PrinterProfile, ReceiptPrinter

if TYPE_CHECKING:
    from hw.simulators.escpos_printer import EscposEmulator

logger = logging.getLogger(__name__)

ROLE_SCHEMES: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "printer": frozenset(
            {"escpos-usb", "escpos-serial", "escpos-net", "escpos-file", "sim", "none"}
        ),
        "display": frozenset({"epson-display", "cd5220", "window", "sim", "none"}),
        "scale": frozenset({"toledo8217", "dialog06", "sim", "none"}),
        "scanner": frozenset({"serial-scanner", "hid", "sim", "none"}),
    }
)
"""Every scheme of cli.md, by device role."""

_SCHEME = re.compile(r"^([a-z][a-z0-9+-]*):(.*)$")


@dataclass(frozen=True, slots=True)
class DeviceUrl:
    """A parsed device URL: `scheme`, `target` (what follows the colon) and query `params`."""

    raw: str
    scheme: str
    target: str
    params: Mapping[str, str] = field(default_factory=dict)

    def param_int(self, key: str, default: int, *, minimum: int = 0, base: int = 10) -> int:
        """An integer parameter.

        Raises:
            InvalidDeviceUrl: not an integer, or below `minimum`.
        """
        text = self.params.get(key)
        if text is None:
            return default
        try:
            value = int(text, base)
        except ValueError as exc:
            raise InvalidDeviceUrl(f"{self.raw}: {key}={text!r} is not a number") from exc
        if value < minimum:
            raise InvalidDeviceUrl(f"{self.raw}: {key} must be at least {minimum}")
        return value


def parse_device_url(url: str, role: str | None = None) -> DeviceUrl:
    """Split a device URL and check its scheme (for `role`, when given).

    Raises:
        InvalidDeviceUrl: no scheme, or a scheme unknown (for that role).
    """
    text = url.strip()
    if text in ("", "none"):
        return DeviceUrl(text, "none", "")
    match = _SCHEME.match(text)
    known = ROLE_SCHEMES.get(role or "", frozenset().union(*ROLE_SCHEMES.values()))
    if match is None or match.group(1) not in known:
        scheme = match.group(1) if match else text
        raise InvalidDeviceUrl(
            f"unknown device URL {url!r} (scheme {scheme!r}); expected one of "
            + ", ".join(f"{s}:" for s in sorted(known)),
            fr=f"Adresse de périphérique inconnue « {url} » : utilisez "
            + ", ".join(f"{s}:" for s in sorted(known))
            + ".",
        )
    rest = match.group(2)
    target, _, query = rest.partition("?")
    params = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    return DeviceUrl(text, match.group(1), target, MappingProxyType(params))


# ---------------------------------------------------------------- printer specs


@dataclass(frozen=True, slots=True)
class UsbPrinterSpec:
    vendor_id: int
    product_id: int
    timeout_ms: int = 5000
    in_ep: int = 0x82
    out_ep: int = 0x01


@dataclass(frozen=True, slots=True)
class SerialPrinterSpec:
    port: str
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1
    dsrdtr: bool = False


@dataclass(frozen=True, slots=True)
class NetworkPrinterSpec:
    host: str
    port: int = 9100
    timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class FilePrinterSpec:
    path: str


@dataclass(frozen=True, slots=True)
class SimulatedPrinterSpec:
    """The shipped emulator, over loopback TCP (default) or a pty (`sim:?transport=pty`)."""

    transport: str = "tcp"


PrinterSpec = (
    UsbPrinterSpec | SerialPrinterSpec | NetworkPrinterSpec | FilePrinterSpec | SimulatedPrinterSpec
)


def _hex_id(url: DeviceUrl, text: str, what: str) -> int:
    try:
        value = int(text, 16)
    except ValueError as exc:
        raise InvalidDeviceUrl(f"{url.raw}: {what} {text!r} is not hexadecimal") from exc
    if not 0 <= value <= 0xFFFF:
        raise InvalidDeviceUrl(f"{url.raw}: {what} out of range")
    return value


def printer_spec(url: DeviceUrl) -> PrinterSpec:
    """The typed spec of a printer URL.

    Raises:
        InvalidDeviceUrl: a target or parameter that does not fit the scheme.
    """
    if url.scheme == "escpos-usb":
        parts = url.target.split(":")
        if len(parts) != 2:
            raise InvalidDeviceUrl(f"{url.raw}: expected escpos-usb:VID:PID (hexadecimal)")
        return UsbPrinterSpec(
            _hex_id(url, parts[0], "vendor id"),
            _hex_id(url, parts[1], "product id"),
            timeout_ms=url.param_int("timeout", 5000, minimum=1),
            in_ep=url.param_int("in_ep", 0x82, base=16),
            out_ep=url.param_int("out_ep", 0x01, base=16),
        )
    if url.scheme == "escpos-serial":
        if not url.target:
            raise InvalidDeviceUrl(f"{url.raw}: expected escpos-serial:PORT")
        parity = url.params.get("parity", "N").upper()[:1]
        if parity not in "NEOMS":
            raise InvalidDeviceUrl(f"{url.raw}: parity must be none, even or odd")
        return SerialPrinterSpec(
            url.target,
            baudrate=url.param_int("baudrate", 9600, minimum=50),
            bytesize=url.param_int("bytesize", 8, minimum=5),
            parity=parity,
            stopbits=url.param_int("stopbits", 1, minimum=1),
            dsrdtr=url.params.get("dsrdtr", "0") in ("1", "true", "yes"),
        )
    if url.scheme == "escpos-net":
        host, sep, port = url.target.rpartition(":")
        if not sep:
            host, port = url.target, "9100"
        host = host.strip("[]")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise InvalidDeviceUrl(f"{url.raw}: expected escpos-net:HOST:PORT")
        return NetworkPrinterSpec(host, int(port))
    if url.scheme == "escpos-file":
        if not url.target:
            raise InvalidDeviceUrl(f"{url.raw}: expected escpos-file:PATH")
        return FilePrinterSpec(url.target)
    if url.scheme == "sim":
        transport = url.params.get("transport", "tcp")
        if transport not in ("tcp", "pty"):
            raise InvalidDeviceUrl(f"{url.raw}: transport must be tcp or pty")
        return SimulatedPrinterSpec(transport)
    raise InvalidDeviceUrl(f"{url.raw}: not a printer URL")


def printer_profile(url: DeviceUrl, base: PrinterProfile | None = None) -> PrinterProfile:
    """The profile given by the URL's parameters, over `base`.

    Raises:
        InvalidDeviceUrl: an unknown code page, a column count or pin out of range.
    """
    profile = base or PrinterProfile()
    columns = url.param_int("columns", profile.columns, minimum=16)
    if columns > 80:
        raise InvalidDeviceUrl(f"{url.raw}: columns must be between 16 and 80")
    page = url.params.get("codepage")
    try:
        code_page = CodePage(page.upper()) if page else profile.code_page
    except ValueError as exc:
        names = ", ".join(c.value for c in CodePage)
        raise InvalidDeviceUrl(f"{url.raw}: code page must be one of {names}") from exc
    table = url.params.get("table")
    pin = url.param_int("pin", int(profile.drawer_pin))
    if pin not in (2, 5):
        raise InvalidDeviceUrl(f"{url.raw}: the drawer pin is 2 or 5")
    qr = url.params.get("qr", "native" if profile.native_qr else "image")
    return replace(
        profile,
        columns=columns,
        code_page=code_page,
        code_table=url.param_int("table", 0) if table is not None else profile.code_table,
        drawer_pin=DrawerPin(pin),
        logo_path=url.params.get("logo", profile.logo_path),
        native_qr=qr != "image",
        logo_max_width=url.param_int("logo_width", profile.logo_max_width, minimum=8),
    )


# ---------------------------------------------------------------- factories


class Stoppable(Protocol):
    def stop(self) -> None: ...


class OpenablePrinter(ReceiptPrinter, CashDrawer, Protocol):
    """A printer that also drives its drawer (EscposPrinter)."""


@dataclass
class OpenedPrinter:
    """A printer made from a URL (not connected yet: the driver connects on first use).

    `emulator` and `server` are set for `sim:`; `close()` stops them.
    """

    url: DeviceUrl
    spec: PrinterSpec
    printer: OpenablePrinter
    emulator: EscposEmulator | None = None
    server: Stoppable | None = None

    def close(self) -> None:
        try:
            self.printer.close()
        finally:
            if self.server is not None:
                self.server.stop()


@dataclass(frozen=True, slots=True)
class PrinterOptions:
    """What the composition root adds to a URL: the default profile and the `sim:` folder.

    The simulator writes its transcript (and creates its pty link) in `sim_dir`.
    """

    profile: PrinterProfile = field(default_factory=PrinterProfile)
    sim_dir: Path | None = None


PrinterFactory = Callable[[DeviceUrl, PrinterSpec, PrinterProfile, PrinterOptions], OpenedPrinter]


def _escpos(
    url: DeviceUrl, spec: PrinterSpec, profile: PrinterProfile, _: PrinterOptions
) -> OpenedPrinter:
    from hw.drivers.escpos_printer import (
        EscposPrinter,
        FileLink,
        Link,
        NetworkLink,
        SerialLink,
        UsbLink,
    )

    link: Link
    if isinstance(spec, UsbPrinterSpec):
        link = UsbLink(
            spec.vendor_id,
            spec.product_id,
            timeout_ms=spec.timeout_ms,
            in_ep=spec.in_ep,
            out_ep=spec.out_ep,
        )
    elif isinstance(spec, SerialPrinterSpec):
        link = SerialLink(
            spec.port,
            baudrate=spec.baudrate,
            bytesize=spec.bytesize,
            parity=spec.parity,
            stopbits=spec.stopbits,
            dsrdtr=spec.dsrdtr,
        )
    elif isinstance(spec, NetworkPrinterSpec):
        link = NetworkLink(spec.host, spec.port, timeout=spec.timeout)
    elif isinstance(spec, FilePrinterSpec):
        link = FileLink(spec.path)
    else:
        raise InvalidDeviceUrl(f"{url.raw}: not an ESC/POS printer")
    return OpenedPrinter(url, spec, EscposPrinter(link, profile))


def _simulated(
    url: DeviceUrl, spec: PrinterSpec, profile: PrinterProfile, options: PrinterOptions
) -> OpenedPrinter:
    from hw.drivers.escpos_printer import EscposPrinter, NetworkLink, SerialLink
    from hw.simulators.escpos_printer import EscposEmulator, PtyPrinterServer, TcpPrinterServer

    emulator = EscposEmulator()
    transcript = options.sim_dir / "imprimante-simulee.txt" if options.sim_dir else None
    if isinstance(spec, SimulatedPrinterSpec) and spec.transport == "pty":
        if options.sim_dir is None:
            raise InvalidDeviceUrl(f"{url.raw}: a pty simulator needs a data directory")
        pty = PtyPrinterServer(emulator, options.sim_dir / "imprimante-simulee.tty", transcript)
        pty.start()
        printer = EscposPrinter(SerialLink(str(pty.path)), profile)
        return OpenedPrinter(url, spec, printer, emulator, pty)
    tcp = TcpPrinterServer(emulator, transcript=transcript).start()
    printer = EscposPrinter(NetworkLink(tcp.host, tcp.port), profile)
    return OpenedPrinter(url, spec, printer, emulator, tcp)


PRINTER_FACTORIES: Final[Mapping[str, PrinterFactory]] = MappingProxyType(
    {
        "escpos-usb": _escpos,
        "escpos-serial": _escpos,
        "escpos-net": _escpos,
        "escpos-file": _escpos,
        "sim": _simulated,
    }
)


def open_printer(url: str, options: PrinterOptions | None = None) -> OpenedPrinter | None:
    """The printer of a URL (None for `none`); `sim:` starts the emulator.

    Raises:
        InvalidDeviceUrl: the URL is unusable.
    """
    options = options or PrinterOptions()
    parsed = parse_device_url(url, "printer")
    if parsed.scheme == "none":
        return None
    spec = printer_spec(parsed)
    profile = printer_profile(parsed, options.profile)
    return PRINTER_FACTORIES[parsed.scheme](parsed, spec, profile, options)
