"""The real pyserial display drivers against the display emulator over ptys and loopback TCP."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from hw.display import vfd
from hw.display.charset import DisplayCharset
from hw.display.factory import DisplaySetup, open_display
from hw.display.screens import SaleScreens
from hw.display.vfd import VfdDisplay
from hw.drivers.display_serial import open_cd5220_display, open_epson_display
from hw.errors import DeviceOffline, HardwareError
from hw.simulators.display import DisplayEmulator, DisplayMode
from hw.simulators.endpoints import PtyEndpoint, TcpEndpoint

pytestmark = pytest.mark.integration

BLANK = " " * 20


def shows(emulator: DisplayEmulator, expected: tuple[str, ...]) -> tuple[str, ...]:
    """The screen once it shows `expected` (the pty is asynchronous), or as it is after 5 s."""
    return _eventually(emulator.lines, lambda lines: lines == expected)


def _eventually(
    get: Callable[[], tuple[str, ...]], done: Callable[[tuple[str, ...]], bool]
) -> tuple[str, ...]:
    deadline = time.monotonic() + 5.0  # a bound against hangs, not a timing requirement
    value = get()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.005)
        value = get()
    return value


@pytest.fixture(params=[DisplayMode.EPSON, DisplayMode.CD5220])
def mode(request: pytest.FixtureRequest) -> DisplayMode:
    return DisplayMode(request.param)


@pytest.fixture
def emulator(mode: DisplayMode) -> DisplayEmulator:
    return DisplayEmulator(mode, charset=DisplayCharset.PC858)


@pytest.fixture
def endpoint(emulator: DisplayEmulator, tmp_path: Path) -> Iterator[PtyEndpoint]:
    with PtyEndpoint(emulator, tmp_path / "ttyDISPLAY") as pty:
        yield pty


def _driver(mode: DisplayMode, port: str) -> VfdDisplay:
    settings = replace(vfd.DEFAULT_SERIAL, port=port)
    if mode is DisplayMode.EPSON:
        return open_epson_display(settings, DisplayCharset.PC858)
    return open_cd5220_display(settings, DisplayCharset.PC858)


@pytest.fixture
def display(mode: DisplayMode, endpoint: PtyEndpoint) -> Iterator[VfdDisplay]:
    driver = _driver(mode, str(endpoint.path))
    yield driver
    driver.close()


def test_sale_screens_reach_the_customer(display, emulator):
    screens = SaleScreens(display, charset=display.charset)
    screens.welcome()
    expected = ("      Bonjour       ", "    Bienvenue !     ")
    assert shows(emulator, expected) == expected
    screens.item("Crème fraîche épaisse 40 %", 395, 1290)
    expected = ("Crème fraîche 3,95 €", "Total        12,90 €")
    assert shows(emulator, expected) == expected
    screens.weighing("Bœuf haché", 532, 2490, 1325)
    expected = ("Boeuf haché  13,25 €", "0,532 kg  24,90 €/kg")
    assert shows(emulator, expected) == expected
    screens.amount_due(1325)
    expected = ("À payer" + " " * 13, " " * 13 + "13,25 €")
    assert shows(emulator, expected) == expected
    screens.change(675, 2000)
    expected = ("Reçu         20,00 €", "Rendu         6,75 €")
    assert shows(emulator, expected) == expected
    screens.thank_you()
    expected = ("      Merci !       ", "     À bientôt      ")
    assert shows(emulator, expected) == expected


def test_long_text_is_cut_to_twenty_columns(display, emulator):
    display.show(["Une ligne beaucoup trop longue pour l'afficheur", "x" * 45])
    expected = ("Une ligne beaucoup t", "x" * 20)
    assert shows(emulator, expected) == expected


def test_unplugged_display_is_a_hardware_error_then_reconnects(display, emulator, endpoint):
    display.show(["Bonjour", ""])
    expected = ("Bonjour" + " " * 13, BLANK)
    assert shows(emulator, expected) == expected
    endpoint.unplug()
    with pytest.raises(DeviceOffline) as caught:
        display.show(["Total", "12,50 €"])
    assert isinstance(caught.value, HardwareError)
    with pytest.raises(DeviceOffline):
        display.clear()  # still unplugged
    emulator.feed(b"\x1b@")  # it lost its screen and settings while unplugged
    endpoint.plug()
    display.show(["Total", "12,50 €"])
    expected = ("Total" + " " * 15, "12,50 €" + " " * 13)
    assert shows(emulator, expected) == expected


def test_replugged_before_the_next_frame_is_transparent(display, emulator, endpoint):
    display.show(["un", ""])
    assert shows(emulator, ("un" + " " * 18, BLANK)) == ("un" + " " * 18, BLANK)
    endpoint.unplug()
    squatter = os.openpty()  # the display comes back on another /dev/pts number
    try:
        endpoint.plug()
        display.show(["deux", ""])
        expected = ("deux" + " " * 16, BLANK)
        assert shows(emulator, expected) == expected
    finally:
        for fd in squatter:
            os.close(fd)


def test_epson_table_is_selected_after_each_connection(tmp_path):
    emulator = DisplayEmulator(DisplayMode.EPSON)  # powers on in PC437
    with PtyEndpoint(emulator, tmp_path / "tty") as endpoint:
        driver = open_epson_display(
            replace(vfd.DEFAULT_SERIAL, port=str(endpoint.path)), DisplayCharset.WPC1252
        )
        driver.show(["œuf 2,00 €", ""])
        expected = ("œuf 2,00 €" + " " * 10, BLANK)
        assert shows(emulator, expected) == expected
        assert emulator.codec == "cp1252"
        driver.close()


def test_display_over_loopback_tcp():
    emulator = DisplayEmulator(DisplayMode.EPSON, charset=DisplayCharset.PC858)
    with TcpEndpoint(emulator) as endpoint:
        driver = open_epson_display(replace(vfd.DEFAULT_SERIAL, port=endpoint.url))
        driver.show(["Ça marche", "à 100 %"])
        expected = ("Ça marche" + " " * 11, "à 100 %" + " " * 13)
        assert shows(emulator, expected) == expected
        driver.close()


@pytest.mark.parametrize("transport", ["pty", "tcp"])
@pytest.mark.parametrize("sim_mode", ["epson", "cd5220"])
def test_sim_display_over_a_real_transport(tmp_path, transport, sim_mode):
    opened = open_display(
        f"sim:?mode={sim_mode}&transport={transport}", DisplaySetup(sim_dir=tmp_path)
    )
    assert opened is not None
    assert opened.emulator is not None
    try:
        opened.screens.amount_due(4200)
        expected = ("À payer" + " " * 13, " " * 13 + "42,00 €")
        assert shows(opened.emulator, expected) == expected
    finally:
        opened.close()
