"""Device URLs: parsing, typed specs, printer profiles, the factories."""

from __future__ import annotations

from pathlib import Path

import pytest

from hw.errors import InvalidDeviceUrl
from hw.ports import CodePage, DrawerPin, PrinterProfile
from hw.registry import (
    ROLE_SCHEMES,
    FilePrinterSpec,
    NetworkPrinterSpec,
    PrinterOptions,
    SerialPrinterSpec,
    SimulatedPrinterSpec,
    UsbPrinterSpec,
    open_printer,
    parse_device_url,
    printer_profile,
    printer_spec,
)


@pytest.mark.parametrize(
    ("url", "spec"),
    [
        ("escpos-usb:04b8:0e15", UsbPrinterSpec(0x04B8, 0x0E15)),
        ("escpos-usb:0416:5011?timeout=2000", UsbPrinterSpec(0x0416, 0x5011, timeout_ms=2000)),
        ("escpos-serial:/dev/ttyUSB0", SerialPrinterSpec("/dev/ttyUSB0")),
        (
            "escpos-serial:/dev/ttyS0?baudrate=19200&parity=even",
            SerialPrinterSpec("/dev/ttyS0", baudrate=19200, parity="E"),
        ),
        ("escpos-serial:COM3?baudrate=38400", SerialPrinterSpec("COM3", baudrate=38400)),
        ("escpos-net:192.168.1.50:9100", NetworkPrinterSpec("192.168.1.50", 9100)),
        ("escpos-net:imprimante.local", NetworkPrinterSpec("imprimante.local", 9100)),
        ("escpos-net:[::1]:9101", NetworkPrinterSpec("::1", 9101)),
        ("escpos-file:/dev/usb/lp0", FilePrinterSpec("/dev/usb/lp0")),
        ("sim:", SimulatedPrinterSpec("tcp")),
        ("sim:?transport=pty", SimulatedPrinterSpec("pty")),
    ],
)
def test_printer_urls(url: str, spec: object) -> None:
    assert printer_spec(parse_device_url(url, "printer")) == spec


@pytest.mark.parametrize(
    "url",
    [
        "escpos-usb:04b8",
        "escpos-usb:zz:0e15",
        "escpos-usb:04b8:0e15?timeout=abc",
        "escpos-usb:04b8:0e15?timeout=0",
        "escpos-serial:",
        "escpos-serial:/dev/ttyS0?parity=weird",
        "escpos-net:host:port",
        "escpos-net::9100",
        "escpos-file:",
        "sim:?transport=carrier-pigeon",
    ],
)
def test_bad_printer_urls_are_one_clear_error(url: str) -> None:
    with pytest.raises(InvalidDeviceUrl, match=r"escpos|sim|transport|timeout"):
        printer_spec(parse_device_url(url, "printer"))


@pytest.mark.parametrize("url", ["lpt1", "cups:EPSON", "toledo8217:/dev/ttyS0"])
def test_an_unknown_scheme_lists_the_known_ones(url: str) -> None:
    with pytest.raises(InvalidDeviceUrl) as caught:
        parse_device_url(url, "printer")
    assert "escpos-usb:" in str(caught.value)
    assert caught.value.fr.startswith("Adresse de périphérique inconnue")


def test_every_scheme_of_cli_md_is_known() -> None:
    for url in (
        "epson-display:/dev/ttyUSB1",
        "cd5220:/dev/ttyUSB1",
        "toledo8217:/dev/ttyS0",
        "dialog06:/dev/ttyS0?parity=odd",
        "serial-scanner:/dev/ttyACM0",
        "hid:",
        "window:",
        "sim:",
    ):
        assert parse_device_url(url).scheme in set().union(*ROLE_SCHEMES.values())
    assert parse_device_url("dialog06:/dev/ttyS0?parity=odd").params == {"parity": "odd"}
    assert parse_device_url("none").scheme == "none"
    assert parse_device_url("").scheme == "none"


def test_profiles_come_from_the_url() -> None:
    url = parse_device_url(
        "escpos-usb:04b8:0e15?columns=42&codepage=pc858&table=19&pin=5&qr=image&logo=/l.png"
    )
    assert printer_profile(url) == PrinterProfile(
        columns=42,
        code_page=CodePage.PC858,
        code_table=19,
        drawer_pin=DrawerPin.PIN5,
        native_qr=False,
        logo_path="/l.png",
    )
    base = PrinterProfile(columns=32, logo_path="/base.png")
    assert printer_profile(parse_device_url("escpos-net:h:9100"), base) == base


@pytest.mark.parametrize("query", ["columns=8", "columns=120", "codepage=EBCDIC", "pin=3"])
def test_bad_profiles_are_refused(query: str) -> None:
    with pytest.raises(InvalidDeviceUrl):
        printer_profile(parse_device_url(f"escpos-net:h:9100?{query}"))


def test_factories_build_lazily_connected_printers(tmp_path: Path) -> None:
    assert open_printer("none") is None
    for url in (
        "escpos-usb:04b8:0e15",
        "escpos-serial:/dev/nonexistent",
        "escpos-net:127.0.0.1:9",
        f"escpos-file:{tmp_path / 'lp0'}",
    ):
        opened = open_printer(url)
        assert opened is not None
        assert opened.emulator is None
        opened.close()  # never connected: nothing to fail


def test_sim_starts_the_emulator(tmp_path: Path) -> None:
    for url in ("sim:", "sim:?transport=pty"):
        opened = open_printer(
            url + ("&" if "?" in url else "?") + "columns=32", PrinterOptions(sim_dir=tmp_path)
        )
        assert opened is not None
        assert opened.emulator is not None
        try:
            assert opened.printer.status().can_print
        finally:
            opened.close()
    with pytest.raises(InvalidDeviceUrl, match="data directory"):
        open_printer("sim:?transport=pty")
