"""Display URLs: `epson-display:`, `cd5220:`, `sim:` and their options."""

from __future__ import annotations

import pytest

from hw.display.charset import DisplayCharset
from hw.display.factory import DISPLAY_FACTORIES, DisplayFactory, open_display, register
from hw.display.vfd import Cd5220Display, EpsonDisplay
from hw.errors import DeviceOffline, InvalidDeviceUrl
from hw.ports import Parity


def test_epson_url():
    opened = open_display("epson-display:/dev/ttyUSB9?charset=wpc1252&table=17")
    assert opened is not None
    assert isinstance(opened.display, EpsonDisplay)
    assert (opened.display.charset, opened.display.table) == (DisplayCharset.WPC1252, 17)
    assert opened.screens.charset is DisplayCharset.WPC1252
    with pytest.raises(DeviceOffline):  # nothing at that path
        opened.screens.welcome()
    opened.close()


def test_epson_default_table_is_pc858():
    opened = open_display("epson-display:/dev/ttyUSB9")
    assert opened is not None
    assert isinstance(opened.display, EpsonDisplay)
    assert (opened.display.charset, opened.display.table) == (DisplayCharset.PC858, 19)
    opened.close()


def test_cd5220_url():
    opened = open_display("cd5220:/dev/ttyS0?parity=none&charset=pc437")
    assert opened is not None
    assert isinstance(opened.display, Cd5220Display)
    assert opened.display.charset is DisplayCharset.PC437
    opened.close()
    assert Parity("N") is Parity.NONE


@pytest.mark.parametrize(
    "url",
    [
        "window:",
        "aedex:/dev/ttyS0",
        "epson-display:/dev/ttyS0?charset=utf8",
        "epson-display:/dev/ttyS0?charset=unicode",
        "epson-display:/dev/ttyS0?table=999",
        "epson-display:/dev/ttyS0?brightness=2",
        "cd5220:/dev/ttyS0?table=1",
        "sim:?mode=aedex",
        "sim:?transport=pty",
    ],
)
def test_bad_display_urls(url):
    with pytest.raises(InvalidDeviceUrl):
        open_display(url)


def test_no_display():
    assert open_display("none") is None


@pytest.mark.parametrize("mode", ["epson", "cd5220"])
def test_sim_display_in_process(mode):
    opened = open_display(f"sim:?mode={mode}")
    assert opened is not None
    assert opened.emulator is not None
    opened.screens.amount_due(1250)
    assert opened.emulator.lines()[1].strip() == "12,50 €"
    opened.close()


def test_register_fills_a_registry_table():
    table: dict[str, DisplayFactory] = {}
    register(table)
    assert set(table) == set(DISPLAY_FACTORIES) == {"epson-display", "cd5220", "sim"}
