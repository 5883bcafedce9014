"""Epson and CD5220 displays: exact bytes, decoded by the emulator; unplug and reconnect."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw.display.charset import DisplayCharset, to_display
from hw.display.layout import fit
from hw.display.screens import SaleScreens
from hw.display.vfd import Cd5220Display, EpsonDisplay, VfdDisplay
from hw.errors import DeviceOffline, HardwareError
from hw.ports import CustomerDisplay
from hw.simulators.display import DisplayEmulator, DisplayMode
from hw.simulators.display_sim import SimulatedDisplay
from hw.simulators.endpoints import InProcessPort


class Recorder:
    """A ByteDevice that keeps every byte."""

    def __init__(self) -> None:
        self.data = bytearray()

    def feed(self, data: bytes) -> bytes:
        self.data += data
        return b""


def test_epson_golden_bytes():
    recorder = Recorder()
    display = EpsonDisplay(InProcessPort(recorder).open, charset=DisplayCharset.WPC1252)
    display.show(["Café", "12,50 €"])
    assert bytes(recorder.data) == (
        b"\x1b@\x1fC\x00\x1bt\x10"  # init, cursor off, WPC1252
        b"\x0c\x1f$\x01\x01Caf\xe9                "
        b"\x1f$\x01\x0212,50 \x80             "
    )


def test_epson_table_number_for_clones():
    recorder = Recorder()
    display = EpsonDisplay(InProcessPort(recorder).open, charset=DisplayCharset.PC858, table=17)
    display.clear()
    assert bytes(recorder.data) == b"\x1b@\x1fC\x00\x1bt\x11\x0c"
    with pytest.raises(ValueError, match="table"):
        EpsonDisplay(InProcessPort(recorder).open, table=300)


def test_ascii_epson_sends_no_table():
    recorder = Recorder()
    EpsonDisplay(InProcessPort(recorder).open, charset=DisplayCharset.ASCII).clear()
    assert bytes(recorder.data) == b"\x1b@\x1fC\x00\x0c"


def test_cd5220_golden_bytes():
    recorder = Recorder()
    display = Cd5220Display(InProcessPort(recorder).open, charset=DisplayCharset.ASCII)
    display.show(["Crème", "Total"])
    assert bytes(recorder.data) == (
        b"\x1b@\x1b_\x00\x0c\x1bQACreme               \r\x1bQBTotal               \r"
    )


def test_a_vfd_needs_a_hardware_table():
    with pytest.raises(ValueError, match="table"):
        Cd5220Display(InProcessPort(Recorder()).open, charset=DisplayCharset.UNICODE)


@pytest.mark.parametrize(
    ("mode", "driver", "charset"),
    [
        (DisplayMode.EPSON, EpsonDisplay, DisplayCharset.WPC1252),
        (DisplayMode.EPSON, EpsonDisplay, DisplayCharset.PC858),
        (DisplayMode.EPSON, EpsonDisplay, DisplayCharset.PC437),
        (DisplayMode.CD5220, Cd5220Display, DisplayCharset.PC858),
        (DisplayMode.CD5220, Cd5220Display, DisplayCharset.ASCII),
    ],
)
def test_french_screens_as_the_customer_reads_them(mode, driver, charset):
    emulator = DisplayEmulator(mode, charset=charset)
    display: VfdDisplay = driver(InProcessPort(emulator).open, charset=charset)
    screens = SaleScreens(display, charset=charset)
    screens.item("Bœuf bourguignon à l'ancienne", 1890, 4575)
    expected_top = {
        DisplayCharset.WPC1252: "Bœuf bourgui 18,90 €",
        DisplayCharset.PC858: "Boeuf bourgu 18,90 €",
        DisplayCharset.PC437: "Boeuf bour 18,90 EUR",
        DisplayCharset.ASCII: "Boeuf bour 18,90 EUR",
    }[charset]
    assert emulator.lines()[0] == expected_top
    screens.amount_due(4575)
    has_capital_a_grave = charset in (DisplayCharset.WPC1252, DisplayCharset.PC858)
    assert emulator.lines()[0].startswith("À payer" if has_capital_a_grave else "A payer")
    screens.thank_you()
    assert "bient" in emulator.lines()[1]


@given(st.text(max_size=30), st.text(max_size=30))
def test_any_text_reads_back_mapped_and_cut(top, bottom):
    display = SimulatedDisplay(charset=DisplayCharset.PC858)
    display.show([top, bottom])
    assert display.lines() == tuple(
        fit(to_display(t, DisplayCharset.PC858), 20) for t in (top, bottom)
    )


def test_fewer_rows_are_blanked():
    display = SimulatedDisplay()
    display.show(["a", "b"])
    display.show(["only"])
    assert display.lines() == ("only" + " " * 16, " " * 20)
    display.clear()
    assert display.lines() == (" " * 20, " " * 20)


def test_unplugged_display_raises_then_reconnects():
    display = SimulatedDisplay()
    port: CustomerDisplay = display
    display.show(["Bonjour", ""])
    display.unplug()
    with pytest.raises(DeviceOffline) as caught:
        port.show(["Total", "12,50 €"])
    assert isinstance(caught.value, HardwareError)
    assert "débranché" in caught.value.fr
    with pytest.raises(DeviceOffline):
        port.show(["Total", "12,50 €"])  # still unplugged: the reopen fails
    display.emulator.feed(b"\x1b@")  # the display was power-cycled meanwhile
    display.plug()
    port.show(["Total", "12,50 €"])
    assert display.lines() == ("Total" + " " * 15, "12,50 €" + " " * 13)
    assert display.emulator.codec == "cp1252"  # re-initialised after the reconnection
    display.close()


def test_a_stale_link_is_reopened_transparently():
    display = SimulatedDisplay()
    display.show(["un", ""])
    display.unplug()
    display.plug()  # came back before the next write: no error at all
    display.show(["deux", ""])
    assert display.lines()[0].strip() == "deux"
