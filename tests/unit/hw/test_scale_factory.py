"""Scale URLs: serial settings, options, `sim:`; the shared serial URL parser."""

from __future__ import annotations

import pytest

from hw.errors import DeviceOffline, InvalidDeviceUrl
from hw.ports import Parity, SerialSettings, Weight
from hw.scales.dialog06 import ChecksumKey, Dialog06Scale
from hw.scales.factory import SCALE_FACTORIES, ScaleFactory, ScaleSetup, open_scale, register
from hw.scales.link import DeviceLine, parse_serial_url
from hw.scales.toledo8217 import Toledo8217Scale
from hw.simulators.scale_sim import SimulatedDialog06Scale, SimulatedScale

BASE = SerialSettings(port="")


def test_parse_serial_url():
    scheme, settings, extra = parse_serial_url(
        "toledo8217:/dev/ttyUSB0?baudrate=2400&parity=odd&bytesize=7&stopbits=2&timeout=0.3&x=1",
        BASE,
    )
    assert scheme == "toledo8217"
    assert settings == SerialSettings("/dev/ttyUSB0", 2400, 7, Parity.ODD, 2, 0.3)
    assert extra == {"x": "1"}


def test_parse_serial_url_keeps_pyserial_urls():
    _, settings, _ = parse_serial_url("dialog06:socket://127.0.0.1:7000?parity=E", BASE)
    assert settings.port == "socket://127.0.0.1:7000"
    assert settings.parity is Parity.EVEN


@pytest.mark.parametrize(
    "url",
    [
        "nocolon",
        ":x",
        "toledo8217:",
        "toledo8217:/dev/x?parity=mark",
        "toledo8217:/dev/x?baudrate=fast",
        "toledo8217:/dev/x?baudrate=0",
        "toledo8217:/dev/x?bytesize=9",
        "toledo8217:/dev/x?stopbits=3",
        "toledo8217:/dev/x?timeout=0",
        "toledo8217:/dev/x?=&&",
    ],
)
def test_bad_serial_urls(url):
    with pytest.raises(InvalidDeviceUrl):
        parse_serial_url(url, BASE)


def test_toledo_url_defaults_to_7e1():
    opened = open_scale("toledo8217:/dev/ttyUSB9?minimum=20&settle=1.5")
    assert opened is not None
    assert isinstance(opened.scale, Toledo8217Scale)
    assert opened.scale.minimum_grams == 20
    assert opened.scale.options.settle_timeout == 1.5
    with pytest.raises(DeviceOffline):  # nothing at that path: a clear error, no crash
        opened.scale.read()
    opened.close()


def test_dialog06_url_takes_the_key_from_the_setup():
    key = ChecksumKey(0x1_1021)
    opened = open_scale("dialog06:/dev/ttyUSB9?parity=even", ScaleSetup(checksum_key=key))
    assert opened is not None
    assert isinstance(opened.scale, Dialog06Scale)
    opened.close()


@pytest.mark.parametrize(
    "url",
    [
        "cas:/dev/ttyUSB0",
        "toledo8217:/dev/ttyUSB0?polynomial=1234",
        "toledo8217:/dev/ttyUSB0?minimum=-1",
        "toledo8217:/dev/ttyUSB0?settle=soon",
        "sim:?protocol=cas",
        "sim:?transport=usb",
        "sim:?transport=pty",  # needs a data directory
    ],
)
def test_bad_scale_urls(url):
    with pytest.raises(InvalidDeviceUrl):
        open_scale(url)


@pytest.mark.parametrize("url", ["", "none", " none "])
def test_no_scale(url):
    assert open_scale(url) is None


def test_sim_scales():
    opened = open_scale("sim:")
    assert opened is not None
    assert isinstance(opened.scale, SimulatedScale)
    opened.scale.put(532)
    assert opened.scale.read() == Weight(532)
    opened.close()
    opened = open_scale("sim:?protocol=dialog06&minimum=10")
    assert opened is not None
    assert isinstance(opened.scale, SimulatedDialog06Scale)
    assert opened.scale.minimum_grams == 10
    opened.close()


def test_register_fills_a_registry_table():
    table: dict[str, ScaleFactory] = {}
    register(table)
    assert set(table) == {"toledo8217", "dialog06", "sim"} == set(SCALE_FACTORIES)


def test_device_line_translates_opener_errors():
    def refused():
        raise ValueError("bad bytesize")

    with pytest.raises(InvalidDeviceUrl):
        DeviceLine(refused, name="x").link()

    def missing():
        raise FileNotFoundError("no such port")

    with pytest.raises(DeviceOffline, match="cannot open"):
        DeviceLine(missing, name="x").link()
