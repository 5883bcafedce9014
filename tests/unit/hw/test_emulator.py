"""The ESC/POS emulator: status replies, chunked input, holding data while offline."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caisse.services.ticket_layout import layout_receipt
from hw.drivers.escpos_printer import EscposRenderer
from hw.escpos_protocol import (
    CLEAR_BUFFERS,
    STATUS_OFFLINE_CAUSE,
    STATUS_PAPER,
    STATUS_PRINTER,
    decode_status,
    valid_status,
)
from hw.ports import PrinterProfile
from hw.simulators.escpos_printer import ClearedEvent, EscposEmulator, PulseEvent
from tests.unit.hw.samples import sale_receipt

TICKET = EscposRenderer(PrinterProfile(columns=32)).render(layout_receipt(sale_receipt()))


def status(emulator: EscposEmulator) -> tuple[int, int, int]:
    return (
        emulator.feed(STATUS_PRINTER)[0],
        emulator.feed(STATUS_OFFLINE_CAUSE)[0],
        emulator.feed(STATUS_PAPER)[0],
    )


def test_an_idle_printer_answers_all_ok() -> None:
    assert status(EscposEmulator()) == (0x12, 0x12, 0x12)
    assert EscposEmulator().feed(b"\x10\x04\x03") == b"\x12"


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda e: e.run_out_of_paper(), (0x1A, 0x32, 0x7E)),
        (lambda e: e.open_cover(), (0x1A, 0x16, 0x12)),
        (lambda e: setattr(e, "paper", "near_end"), (0x12, 0x12, 0x1E)),
        (lambda e: setattr(e, "drawer_open", True), (0x16, 0x12, 0x12)),
        (lambda e: setattr(e, "error", True), (0x1A, 0x52, 0x12)),
    ],
)
def test_status_bytes_follow_hardware_md(setup, expected: tuple[int, int, int]) -> None:  # type: ignore[no-untyped-def]
    emulator = EscposEmulator()
    setup(emulator)
    replies = status(emulator)
    assert replies == expected
    assert all(valid_status(b) for b in replies)


def test_status_bytes_decode_to_the_printer_state() -> None:
    emulator = EscposEmulator()
    emulator.run_out_of_paper()
    emulator.drawer_open = True
    decoded = decode_status(*status(emulator))
    assert decoded.paper_out
    assert not decoded.online
    assert decoded.drawer_open
    assert not decoded.can_print


def test_a_powered_off_printer_answers_nothing() -> None:
    emulator = EscposEmulator(powered=False)
    assert emulator.feed(STATUS_PRINTER) == b""
    assert emulator.lines == []


@given(st.lists(st.integers(1, 64), min_size=1, max_size=200))
def test_any_chunking_of_a_job_gives_the_same_ticket(sizes: list[int]) -> None:
    whole = EscposEmulator()
    whole.feed(TICKET)
    chunked = EscposEmulator()
    pos = 0
    for size in sizes:
        chunked.feed(TICKET[pos : pos + size])
        pos += size
    chunked.feed(TICKET[pos:])
    assert chunked.lines == whole.lines
    assert chunked.events == whole.events


def test_paper_out_mid_job_holds_the_rest_and_answers_status() -> None:
    emulator = EscposEmulator()
    emulator.run_out_of_paper(after_lines=3)
    emulator.feed(TICKET)
    assert len(emulator.lines) == 3
    assert emulator.feed(STATUS_OFFLINE_CAUSE) == b"\x32"  # real-time even while offline
    emulator.refill_paper()  # a real printer prints what it held
    full = EscposEmulator()
    full.feed(TICKET)
    assert emulator.text_lines() == full.text_lines()


def test_clearing_the_buffers_drops_what_was_held() -> None:
    emulator = EscposEmulator()
    emulator.open_cover(after_lines=2)
    emulator.feed(TICKET)
    emulator.feed(CLEAR_BUFFERS)
    assert isinstance(emulator.events[-1], ClearedEvent)
    assert emulator.events[-1].discarded > 0
    emulator.close_cover()
    assert len(emulator.lines) == 2


def test_real_time_drawer_pulse_and_transcript() -> None:
    emulator = EscposEmulator()
    emulator.feed(b"\x10\x14\x01\x00\x02")
    emulator.feed(TICKET)
    assert emulator.events[0] == PulseEvent(2, 200, 0)
    text = emulator.transcript()
    assert "[TIROIR broche 2]" in text
    assert "TOTAL TTC" in text
    assert "[QR FR1," in text
    emulator.clear_output()
    assert emulator.lines == []
    assert emulator.transcript() == ""


def test_unknown_commands_are_logged_not_fatal() -> None:
    emulator = EscposEmulator()
    emulator.feed(b"\x1b\x99\x01hello\n")
    assert emulator.unknown == [b"\x1b\x99\x01"]
    assert emulator.text_lines() == ["hello"]
