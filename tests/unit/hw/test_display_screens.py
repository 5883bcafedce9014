"""Sale screens on a 2×20 display: layout, truncation, amounts never cut."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw.display.charset import DisplayCharset
from hw.display.layout import center, columns, fit, format_eur, format_kg, right
from hw.display.screens import SaleScreens, ScreenTexts
from hw.ports import SaleDisplay


class FakeDisplay:
    columns = 20
    rows = 2

    def __init__(self) -> None:
        self.shown: list[list[str]] = []
        self.closed = False

    def show(self, lines):
        self.shown.append(list(lines))

    def clear(self):
        self.shown.append(["", ""])

    def close(self):
        self.closed = True


@pytest.fixture
def display() -> FakeDisplay:
    return FakeDisplay()


def screens(display: FakeDisplay, charset: DisplayCharset = DisplayCharset.WPC1252) -> SaleScreens:
    return SaleScreens(display, charset=charset)


def test_amounts():
    assert format_eur(123456) == "1 234,56 €"
    assert format_eur(-250) == "-2,50 €"
    assert format_eur(5) == "0,05 €"
    assert format_kg(532) == "0,532 kg"
    assert format_kg(12_345) == "12,345 kg"
    assert format_kg(-20) == "-0,020 kg"


def test_layout_helpers():
    assert fit("abc", 5) == "abc  "
    assert fit("abcdefg", 5) == "abcde"
    assert center("ab", 6) == "  ab  "
    assert right("12,50 €", 10) == "   12,50 €"
    assert right("123456789", 5) == "56789"
    assert right("", 3) == "   "
    assert columns("Pain", "1,05 €", 20) == "Pain          1,05 €"
    assert columns("", "1,05 €", 10) == "    1,05 €"
    assert columns("Label", "", 8) == "Label   "
    assert columns("Label", "12345678901", 10) == "2345678901"


@given(st.text(max_size=60), st.integers(-(10**9), 10**9))
def test_the_amount_is_never_cut(label, cents):
    amount = format_eur(cents)
    line = columns(label, amount, 20)
    assert len(line) == 20
    if len(amount) < 20:
        assert line.endswith(amount)
        assert line[: 20 - len(amount)].endswith(" ")


def test_item_line_with_a_long_label(display):
    screens(display).item("Saucisson sec pur porc fermier d'Auvergne", 1290, 4575)
    top, bottom = display.shown[-1]
    assert top == "Saucisson se 12,90 €"
    assert bottom == "Total        45,75 €"
    assert all(len(line) == 20 for line in display.shown[-1])


def test_euro_stand_in_counts_before_cutting(display):
    screens(display, DisplayCharset.ASCII).item("Crème fraîche épaisse", 395, 123456)
    top, bottom = display.shown[-1]
    assert top == "Creme fraic 3,95 EUR"
    assert bottom == "Total   1 234,56 EUR"


def test_every_screen(display):
    s = screens(display)
    s.welcome()
    s.weighing("Comté AOP", 532, 2490, 1325)
    s.amount_due(1325)
    s.change(675, 2000)
    s.change(675)
    s.thank_you()
    assert display.shown == [
        ["      Bonjour       ", "    Bienvenue !     "],
        ["Comté AOP    13,25 €", "0,532 kg  24,90 €/kg"],
        ["À payer             ", "             13,25 €"],
        ["Reçu         20,00 €", "Rendu         6,75 €"],
        ["", "Rendu         6,75 €"],
        ["      Merci !       ", "     À bientôt      "],
    ]


def test_texts_are_configurable(display):
    s = SaleScreens(display, texts=ScreenTexts(welcome=("Épicerie Test", "")))
    s.welcome()
    assert display.shown[-1][0].strip() == "Épicerie Test"


def test_is_a_sale_display(display):
    port: SaleDisplay = screens(display)
    port.close()
    assert display.closed
