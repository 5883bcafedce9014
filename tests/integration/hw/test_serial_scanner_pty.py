"""The serial scanner driver over a pty: codes, suffixes, AIM identifiers, unplug and replug."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hw.drivers.serial_scanner import SerialScanner, open_serial_scanner
from hw.errors import DeviceOffline, InvalidDeviceUrl
from hw.ports import ScannedCode, Scanner
from hw.simulators.endpoints import PtyEndpoint

pytestmark = pytest.mark.integration


class Mute:
    """A scanner ignores what the host writes."""

    def feed(self, data: bytes) -> bytes:
        return b""


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[PtyEndpoint]:
    with PtyEndpoint(Mute(), tmp_path / "ttySCANNER") as pty:
        yield pty


def scanner_for(endpoint: PtyEndpoint, options: str = "") -> SerialScanner:
    return open_serial_scanner(f"serial-scanner:{endpoint.path}{options}")


@pytest.fixture
def scanner(endpoint: PtyEndpoint) -> Iterator[SerialScanner]:
    driver = scanner_for(endpoint)
    yield driver
    driver.close()


def test_codes_one_per_line(scanner, endpoint):
    port: Scanner = scanner
    assert port.read(0.05) is None  # opens the port; nothing scanned yet
    endpoint.send(b"3017620422003\r\n2123456789016\n")
    assert port.read(2.0) == ScannedCode("3017620422003")
    assert port.read(2.0) == ScannedCode("2123456789016")
    assert port.read(0.05) is None


def test_a_code_split_across_reads(scanner, endpoint):
    assert scanner.read(0.05) is None
    endpoint.send(b"30176")
    assert scanner.read(0.1) is None
    endpoint.send(b"20422003\r")
    assert scanner.read(2.0) == ScannedCode("3017620422003")


def test_gs1_separator_is_kept(scanner, endpoint):
    scanner.read(0.01)
    endpoint.send(b"0103760000000017\x1d10LOT42\r")
    assert scanner.read(2.0) == ScannedCode("0103760000000017\x1d10LOT42")


def test_custom_suffix_prefix_and_aim(endpoint):
    driver = scanner_for(endpoint, "?suffix=hex:03&prefix=hex:02&aim=1&baudrate=19200")
    driver.read(0.01)
    endpoint.send(b"\x02]E03017620422003\x03\x02]C1ABC\x03")
    assert driver.read(2.0) == ScannedCode("3017620422003", symbology_id="]E0")
    assert driver.read(2.0) == ScannedCode("ABC", symbology_id="]C1")
    driver.close()


def test_crlf_suffix(endpoint):
    driver = scanner_for(endpoint, "?suffix=crlf")
    driver.read(0.01)
    endpoint.send(b"12345678\r\n")
    assert driver.read(2.0) == ScannedCode("12345678")
    driver.close()


def test_port_disappears_and_comes_back(scanner, endpoint):
    scanner.read(0.01)
    endpoint.send(b"111\r")
    assert scanner.read(2.0) == ScannedCode("111")
    endpoint.unplug()
    with pytest.raises(DeviceOffline):
        scanner.read(1.0)
    with pytest.raises(DeviceOffline):
        scanner.read(0.1)  # still gone
    squatter = os.openpty()
    try:
        endpoint.plug()
        assert scanner.read(0.05) is None  # reopened
        endpoint.send(b"222\r")
        assert scanner.read(2.0) == ScannedCode("222")
    finally:
        for fd in squatter:
            os.close(fd)


@pytest.mark.parametrize(
    "url",
    [
        "hid:",
        "serial-scanner:/dev/ttyACM0?suffix=hex:zz",
        "serial-scanner:/dev/ttyACM0?suffix=hex:",
        "serial-scanner:/dev/ttyACM0?beep=1",
    ],
)
def test_bad_urls(url):
    with pytest.raises(InvalidDeviceUrl):
        open_serial_scanner(url)


def test_missing_port_is_offline():
    driver = open_serial_scanner("serial-scanner:/dev/does-not-exist")
    with pytest.raises(DeviceOffline):
        driver.read(0.1)
    with pytest.raises(ValueError, match="terminator"):
        SerialScanner(lambda: pytest.fail("not opened"), terminators=())
