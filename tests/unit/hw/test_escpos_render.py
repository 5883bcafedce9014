"""Rendering documents to ESC/POS bytes, decoded back by the emulator; python-escpos pitfalls."""

from __future__ import annotations

from pathlib import Path

import pytest
from escpos.printer import Dummy
from hypothesis import given
from hypothesis import strategies as st

from caisse.services.ticket_layout import layout_receipt
from hw.drivers.escpos_printer import EscposRenderer, columns, wrap
from hw.ports import (
    Align,
    Barcode,
    BarcodeSymbology,
    CodePage,
    Columns,
    Cut,
    DrawerKick,
    DrawerPin,
    Feed,
    Logo,
    PrinterProfile,
    QrCode,
    Separator,
    Table,
    TextLine,
    TicketDocument,
)
from hw.simulators.escpos_printer import (
    BarcodeEvent,
    CodeTableEvent,
    CutEvent,
    EscposEmulator,
    ImageEvent,
    InitEvent,
    PulseEvent,
    QrEvent,
)
from tests.unit.hw.conftest import make_logo
from tests.unit.hw.samples import sale_receipt

SMALL = TicketDocument(
    (
        TextLine("Café", bold=True, align=Align.CENTER),
        Columns("Bœuf", "9,90 €"),
        Cut(),
    )
)


def decode(data: bytes, default_table: int = 0) -> EscposEmulator:
    emulator = EscposEmulator(default_table=default_table)
    assert emulator.feed(data) == b""
    assert emulator.unknown == []
    return emulator


def test_exact_bytes_of_a_small_fixed_ticket() -> None:
    data = EscposRenderer(PrinterProfile(columns=16)).render(SMALL)
    assert data == bytes.fromhex(
        "1b40 1b7410"  # ESC @ once, then ESC t 16 (WPC1252) right after it
        "1b4501 1b6101 436166e9 0a"  # bold, centred "Café"
        "1b4500 1b6100 429c7566 202020202020 392c393020 80 0a"  # "Bœuf      9,90 €"
        "1b6404 1d5601"  # feed 4 lines, partial cut
    )
    emulator = decode(data)
    assert emulator.text_lines() == ["Café", "Bœuf      9,90 €", "", "", "", ""]
    assert emulator.lines[0].bold
    assert emulator.lines[0].align == "center"
    assert isinstance(emulator.events[-1], CutEvent)
    assert emulator.events[-1].partial


@pytest.mark.parametrize(
    ("code_page", "table", "expected"),
    [
        (CodePage.WPC1252, 16, "Bœuf, crème brûlée, œufs : 9,90 €"),
        (CodePage.ISO8859_15, 40, "Bœuf, crème brûlée, œufs : 9,90 €"),
        (CodePage.PC858, 19, "Boeuf, crème brûlée, oeufs : 9,90 €"),  # PC858 has no œ
    ],
)
def test_french_text_and_euro_come_back_after_the_init(
    code_page: CodePage, table: int, expected: str
) -> None:
    doc = TicketDocument((TextLine("Bœuf, crème brûlée, œufs : 9,90\u00a0€"),))
    emulator = decode(EscposRenderer(PrinterProfile(code_page=code_page)).render(doc))
    assert emulator.text_lines() == [expected]
    assert emulator.events[:2] == [InitEvent(), CodeTableEvent(table)]


def test_a_clone_table_number_is_used_as_configured() -> None:
    profile = PrinterProfile(code_page=CodePage.WPC1252, code_table=71)
    data = EscposRenderer(profile).render(TicketDocument((TextLine("é"),)))
    assert data.startswith(b"\x1b@\x1bt\x47")


def test_every_init_of_a_real_ticket_is_followed_by_the_code_page() -> None:
    data = EscposRenderer(PrinterProfile()).render(layout_receipt(sale_receipt()))
    assert data.count(b"\x1b@") == 1
    assert data.startswith(b"\x1b@\x1bt\x10")
    emulator = decode(data)
    assert "Épicerie Test" in emulator.text_lines()
    assert all(line.code_table == 16 for line in emulator.lines)


def test_the_emulator_catches_python_escpos_31_init_pitfall() -> None:
    # python-escpos 3.1: ESC @ resets the printer's table but MagicEncode does not resend
    # ESC t (hardware.md §0): the second € comes out wrong. Our renderer never does this.
    printer = Dummy()
    printer.charcode("CP1252")
    printer.text("€\n")
    printer.hw("INIT")
    printer.text("€\n")
    emulator = EscposEmulator()
    emulator.feed(printer.output)
    first, second = emulator.text_lines()
    assert first == "€"
    assert second != "€"


def test_paper_status_of_python_escpos_31_is_optimistic_without_a_reply() -> None:
    class Silent(Dummy):  # type: ignore[misc]
        def _read(self) -> bytes:
            return b""

    # nothing answered, yet 3.1 says "paper adequate": the driver never relies on it
    assert Silent().paper_status() == 2


def test_rendering_prints_nothing_on_stdout(capsys: pytest.CaptureFixture[str], logo: Path) -> None:
    doc = TicketDocument(
        (
            Logo(),
            Barcode(BarcodeSymbology.EAN13, "3017620422003"),
            Barcode(BarcodeSymbology.CODE128, "T-000001"),
            QrCode("FR1,TILL01"),
        )
    )
    EscposRenderer(PrinterProfile(logo_path=str(logo), native_qr=False)).render(doc)
    EscposRenderer(PrinterProfile()).render(doc)
    assert capsys.readouterr().out == ""


def test_barcodes_and_qr_payloads_reach_the_printer() -> None:
    qr = "FR1,TILL01,1,T,1,20260315134502Z,550:210,1410,-,abc,def,sig"
    doc = TicketDocument(
        (
            Barcode(BarcodeSymbology.EAN13, "3017620422003"),
            Barcode(BarcodeSymbology.EAN8, "96385074"),
            Barcode(BarcodeSymbology.CODE128, "TILL01-T-000001"),
            QrCode(qr),
            TextLine("après", align=Align.LEFT),
        )
    )
    emulator = decode(EscposRenderer(PrinterProfile()).render(doc))
    events = [e for e in emulator.events if isinstance(e, BarcodeEvent | QrEvent)]
    assert events == [
        BarcodeEvent("EAN13", "3017620422003"),
        BarcodeEvent("EAN8", "96385074"),
        BarcodeEvent("CODE128", "{BTILL01-T-000001"),
        QrEvent(qr),
    ]
    assert emulator.lines[-1].text == "après"
    assert emulator.lines[-1].align == "left"  # alignment restored after the centred codes


def test_a_qr_code_as_an_image_for_printers_without_native_qr() -> None:
    import qrcode  # type: ignore[import-untyped]

    payload = "FR1,TILL01,1,T,1,20260315134502Z,550:210,1410,-,abc,def,sig"
    data = EscposRenderer(PrinterProfile(native_qr=False)).render(
        TicketDocument((QrCode(payload, size=3),))
    )
    emulator = decode(data)
    (image,) = [e for e in emulator.events if isinstance(e, ImageEvent)]
    assert not any(isinstance(e, QrEvent) for e in emulator.events)
    # the raster holds the QR matrix, each module 3 × 3 dots (any mask decodes)
    code = qrcode.QRCode(
        border=1, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=2
    )
    code.add_data(payload)
    code.make(fit=True)
    matrix = code.get_matrix()
    start = data.index(b"\x1dv0\x00")
    width_bytes = data[start + 4] + 256 * data[start + 5]
    height = data[start + 6] + 256 * data[start + 7]
    raster = data[start + 8 : start + 8 + width_bytes * height]
    assert (image.height, height) == (len(matrix) * 3, len(matrix) * 3)

    def dot(x: int, y: int) -> bool:
        return bool(raster[y * width_bytes + x // 8] & (0x80 >> (x % 8)))

    assert [
        [dot(3 * c + 1, 3 * r + 1) for c in range(len(matrix))] for r in range(len(matrix))
    ] == [[bool(m) for m in row] for row in matrix]


def test_the_logo_is_printed_and_scaled_to_the_paper(tmp_path: Path) -> None:
    wide = make_logo(tmp_path / "wide.png", width=600, height=100)
    renderer = EscposRenderer(PrinterProfile(logo_path=str(wide), logo_max_width=384))
    emulator = decode(renderer.render(TicketDocument((Logo(), TextLine("x")))))
    (image,) = [e for e in emulator.events if isinstance(e, ImageEvent)]
    assert image.width == 384
    assert image.height == 64
    assert decode(renderer.render(TicketDocument((Logo(),)))).events.count(image) == 1  # cached


def test_no_logo_configured_or_unreadable_prints_nothing(tmp_path: Path) -> None:
    for profile in (PrinterProfile(), PrinterProfile(logo_path=str(tmp_path / "missing.png"))):
        emulator = decode(EscposRenderer(profile).render(TicketDocument((Logo(),))))
        assert not any(isinstance(e, ImageEvent) for e in emulator.events)


@pytest.mark.parametrize(("pin", "byte"), [(DrawerPin.PIN2, 0), (DrawerPin.PIN5, 1)])
def test_drawer_kick_on_pin_2_or_5(pin: DrawerPin, byte: int) -> None:
    renderer = EscposRenderer(PrinterProfile(drawer_pin=pin))
    assert renderer.drawer_pulse() == bytes([0x1B, 0x70, byte, 0x32, 0x32])
    emulator = decode(renderer.render(TicketDocument((DrawerKick(pin),))))
    assert PulseEvent(int(pin), 100, 100) in emulator.events


@pytest.mark.parametrize("cols", [32, 42, 48])
def test_a_real_ticket_fits_every_paper_width(cols: int) -> None:
    emulator = decode(
        EscposRenderer(PrinterProfile(columns=cols)).render(layout_receipt(sale_receipt()))
    )
    for line in emulator.lines:
        assert len(line.text) * line.width <= cols, line
    total = next(li.text for li in emulator.lines if li.text.startswith("TOTAL TTC"))
    assert len(total) == cols
    assert total.endswith("27,35 €")
    assert next(li for li in emulator.lines if li.text.startswith("TOTAL TTC")).height == 2


def test_a_table_too_wide_for_the_paper_becomes_label_value_lines() -> None:
    table = Table(
        (("A", "5,5 %", "1 234,56", "67,89", "1 302,45"),),
        header=("Code", "Taux", "HT", "TVA", "TTC"),
    )
    wide = decode(EscposRenderer(PrinterProfile(columns=48)).render(TicketDocument((table,))))
    assert wide.text_lines()[0].split() == ["Code", "Taux", "HT", "TVA", "TTC"]
    narrow = decode(EscposRenderer(PrinterProfile(columns=20)).render(TicketDocument((table,))))
    assert narrow.text_lines() == [
        "Code               A",
        "Taux           5,5 %",
        "HT          1 234,56",
        "TVA            67,89",
        "TTC         1 302,45",
    ]


def test_separators_feeds_and_sizes() -> None:
    doc = TicketDocument(
        (Separator("="), Feed(2), TextLine("TOTAL", width=2, height=2), Cut(partial=False))
    )
    emulator = decode(EscposRenderer(PrinterProfile(columns=32)).render(doc))
    assert emulator.text_lines()[:4] == ["=" * 32, "", "", "TOTAL"]
    assert (emulator.lines[3].width, emulator.lines[3].height) == (2, 2)
    assert CutEvent(partial=False) in emulator.events


words = st.text(alphabet="abcdéœ€0123456789,", min_size=1, max_size=30)


@given(st.lists(words, min_size=1, max_size=12), st.integers(8, 48))
def test_wrap_keeps_every_word_within_the_width(parts: list[str], width: int) -> None:
    text = " ".join(parts)
    lines = wrap(text, width)
    assert all(len(line) <= width for line in lines)
    assert "".join("".join(lines).split()) == "".join(parts)


@given(words, st.text(alphabet="0123456789,€ ", min_size=1, max_size=12), st.integers(16, 48))
def test_columns_keep_the_right_text_whole_and_flush_right(
    left: str, right: str, width: int
) -> None:
    lines = columns(left, right.strip() or "0", width)
    assert lines[-1].endswith(right.strip() or "0")
    assert all(len(line) <= max(width, len(right)) for line in lines)
