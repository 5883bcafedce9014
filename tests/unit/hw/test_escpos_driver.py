"""EscposPrinter on in-process links: status before and after, errors, reconnection, USB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import usb.core

from hw.drivers.escpos_printer import EscposPrinter, FileLink, UsbLink
from hw.errors import (
    CoverOpen,
    DeviceOffline,
    DeviceTimeout,
    PaperOut,
    PrinterError,
    ProtocolError,
    UnsupportedOperation,
)
from hw.escpos_protocol import CLEAR_BUFFERS
from hw.ports import DrawerPin, PrinterProfile, TextLine, TicketDocument
from hw.simulators.escpos_printer import ClearedEvent, EscposEmulator, PulseEvent

DOC = TicketDocument(tuple(TextLine(f"ligne {i}") for i in range(1, 11)), "T-1")


class EmulatorLink:
    """A link straight into an emulator, that can be unplugged."""

    description = "emulator"
    reads_status = True

    def __init__(self, emulator: EscposEmulator | None = None) -> None:
        self.emulator = emulator or EscposEmulator()
        self.plugged = True
        self.opened = 0
        self.closed = 0
        self.is_open = False
        self.garbage: int | None = None

    def open(self) -> None:
        if not self.plugged:
            raise DeviceOffline("unplugged")
        self.opened += 1
        self.is_open = True

    def close(self) -> None:
        self.closed += 1
        self.is_open = False

    def write(self, data: bytes) -> None:
        if not (self.plugged and self.is_open):
            raise DeviceOffline("unplugged")
        self.emulator.feed(data)

    def query(self, command: bytes) -> int | None:
        if not (self.plugged and self.is_open):
            raise DeviceOffline("unplugged")
        if self.garbage is not None:
            return self.garbage
        reply = self.emulator.feed(command)
        return reply[0] if reply else None


def make() -> tuple[EscposPrinter, EmulatorLink]:
    link = EmulatorLink()
    return EscposPrinter(link, PrinterProfile(columns=32)), link


def test_a_job_prints_between_two_status_checks() -> None:
    printer, link = make()
    printer.print_document(DOC)
    assert link.emulator.text_lines() == [f"ligne {i}" for i in range(1, 11)]
    raw = bytes(link.emulator.raw)
    job_start = raw.index(b"\x1b@")
    assert raw[:job_start] == b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"
    assert raw.endswith(b"\x10\x04\x01\x10\x04\x02\x10\x04\x04")


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (lambda e: e.run_out_of_paper(), PaperOut),
        (lambda e: e.open_cover(), CoverOpen),
        (lambda e: setattr(e, "error", True), PrinterError),
    ],
)
def test_a_printer_that_cannot_print_gets_nothing(fault, error: type[Exception]) -> None:  # type: ignore[no-untyped-def]
    printer, link = make()
    fault(link.emulator)
    with pytest.raises(error) as caught:
        printer.print_document(DOC)
    assert b"\x1b@" not in link.emulator.raw
    assert caught.value.fr  # type: ignore[attr-defined]


def test_paper_out_mid_job_is_reported_and_the_rest_cleared() -> None:
    printer, link = make()
    link.emulator.run_out_of_paper(after_lines=4)
    with pytest.raises(PaperOut, match="paper"):
        printer.print_document(DOC)
    assert len(link.emulator.lines) == 4
    assert bytes(link.emulator.raw).endswith(CLEAR_BUFFERS)
    assert isinstance(link.emulator.events[-1], ClearedEvent)
    link.emulator.refill_paper()
    assert len(link.emulator.lines) == 4  # nothing of the failed job comes out later
    printer.print_document(DOC)
    assert link.emulator.text_lines()[4:] == [f"ligne {i}" for i in range(1, 11)]


def test_no_reply_is_offline_never_paper_ok() -> None:
    printer, link = make()
    link.emulator.powered = False
    with pytest.raises(DeviceOffline, match="no reply to DLE EOT 1"):
        printer.status()
    assert link.closed == 1  # dropped, to be reopened


def test_a_reply_that_is_not_a_status_byte_is_a_protocol_error() -> None:
    printer, link = make()
    link.garbage = 0x41
    with pytest.raises(ProtocolError, match="0x41"):
        printer.status()


def test_an_unplugged_printer_is_reopened_when_it_comes_back() -> None:
    printer, link = make()
    printer.print_document(DOC)
    link.plugged = False
    with pytest.raises(DeviceOffline):
        printer.print_document(DOC)
    with pytest.raises(DeviceOffline):
        printer.print_document(DOC)
    link.plugged = True
    printer.print_document(DOC)
    assert link.opened == 2
    assert len(link.emulator.lines) == 20


def test_drawer_pulse_and_sensor() -> None:
    printer, link = make()
    printer.open()  # the CashDrawer port
    printer.open_drawer(DrawerPin.PIN5)
    pulses = [e for e in link.emulator.events if isinstance(e, PulseEvent)]
    assert pulses == [PulseEvent(2, 100, 100), PulseEvent(5, 100, 100)]
    assert printer.is_open() is False
    link.emulator.drawer_open = True
    assert printer.is_open() is True
    link.plugged = False
    assert printer.is_open() is None


def test_the_drawer_still_opens_without_paper() -> None:
    printer, link = make()
    link.emulator.run_out_of_paper()
    printer.open_drawer(DrawerPin.PIN5)
    # ESC p would wait in the buffer of an offline printer: the real-time pulse is used
    assert [e for e in link.emulator.events if isinstance(e, PulseEvent)] == [PulseEvent(5, 100, 0)]
    link.emulator.refill_paper()
    link.emulator.error = True
    with pytest.raises(PrinterError):
        printer.open_drawer()


def test_a_file_printer_writes_without_status(tmp_path: Path) -> None:
    out = tmp_path / "lp0"
    printer = EscposPrinter(FileLink(str(out)), PrinterProfile(columns=32))
    assert printer.status().verified is False
    printer.print_document(DOC)
    printer.close()
    emulator = EscposEmulator()
    emulator.feed(out.read_bytes())
    assert emulator.text_lines()[0] == "ligne 1"
    with pytest.raises(UnsupportedOperation):
        FileLink(str(out)).query(b"\x10\x04\x01")
    with pytest.raises(DeviceOffline):
        EscposPrinter(FileLink(str(tmp_path / "no" / "lp0"))).print_document(DOC)


# ---------------------------------------------------------------- USB through pyusb (mocked)


class FakeBackend:
    pass


class FakeUsbDevice:
    backend = FakeBackend()

    def __init__(self, replies: list[bytes]) -> None:
        self.replies = replies
        self.writes: list[tuple[int, bytes, Any]] = []
        self.reads: list[tuple[int, int, Any]] = []
        self.gone = False

    def set_configuration(self) -> None:
        pass

    def reset(self) -> None:
        pass

    def write(self, ep: int, data: bytes, timeout: Any = None) -> int:
        if self.gone:
            raise usb.core.USBError("No such device", errno=19)
        self.writes.append((ep, bytes(data), timeout))
        return len(data)

    def read(self, ep: int, size: int, timeout: Any = None) -> bytes:
        self.reads.append((ep, size, timeout))
        if not self.replies:
            raise usb.core.USBTimeoutError("timeout")
        return self.replies.pop(0)


def usb_printer(monkeypatch: pytest.MonkeyPatch, device: FakeUsbDevice) -> EscposPrinter:
    monkeypatch.setattr(usb.core, "find", lambda **kwargs: device)
    monkeypatch.setattr("hw.drivers.escpos_printer.time.sleep", lambda s: None)
    return EscposPrinter(UsbLink(0x04B8, 0x0E15, timeout_ms=5000), PrinterProfile(columns=32))


def test_usb_writes_always_carry_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    device = FakeUsbDevice([b"\x12"] * 6)
    usb_printer(monkeypatch, device).print_document(DOC)
    assert device.writes
    assert all(timeout == 5000 for _, _, timeout in device.writes)
    assert all(timeout == 300 for _, _, timeout in device.reads)
    with pytest.raises(ValueError, match="blocks forever"):
        UsbLink(0x04B8, 0x0E15, timeout_ms=0)


def test_usb_status_reads_are_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    # two empty reads (a printer that answers late), then the reply
    device = FakeUsbDevice([b"", b"", b"\x12", b"\x32", b"\x7e"])
    status = usb_printer(monkeypatch, device).status()
    assert status.paper_out
    assert not status.can_print
    assert len(device.reads) == 5


def test_usb_without_any_reply_is_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    device = FakeUsbDevice([])
    with pytest.raises(DeviceOffline, match="no reply"):
        usb_printer(monkeypatch, device).status()
    assert len(device.reads) == 5


def test_usb_unplugged_is_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    device = FakeUsbDevice([b"\x12"] * 3)
    printer = usb_printer(monkeypatch, device)
    device.gone = True
    with pytest.raises(DeviceOffline, match="No such device"):
        printer.print_document(DOC)
    monkeypatch.setattr(usb.core, "find", lambda **kwargs: None)
    with pytest.raises(DeviceOffline):
        printer.print_document(DOC)


def test_usb_write_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stuck(FakeUsbDevice):
        def write(self, ep: int, data: bytes, timeout: Any = None) -> int:
            if len(data) > 3:
                raise usb.core.USBTimeoutError("timeout")
            return super().write(ep, data, timeout)

    with pytest.raises(DeviceTimeout):
        usb_printer(monkeypatch, Stuck([b"\x12"] * 3)).print_document(DOC)


def test_a_document_the_printer_cannot_render_is_refused_before_sending() -> None:
    from hw.errors import InvalidDocument
    from hw.ports import Barcode, BarcodeSymbology

    printer, link = make()
    bad = TicketDocument((Barcode(BarcodeSymbology.EAN13, "30176204220"),), "T-9")
    with pytest.raises(InvalidDocument, match="T-9"):
        printer.print_document(bad)
    assert link.emulator.raw == bytearray()
