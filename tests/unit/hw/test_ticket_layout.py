"""The ticket layout: every mandatory mention, for sales, refunds, copies and training."""

from __future__ import annotations

import pytest

from caisse.domain.catalog import Unit
from caisse.domain.sale import Discount, PriceOverride
from caisse.services.ports import Receipt
from caisse.services.ticket_layout import (
    TRAINING_MARK,
    LayoutOptions,
    format_local,
    format_qty,
    layout_receipt,
    vat_letter,
)
from hw.ports import Align, Cut, Logo, QrCode, Separator, Table, TextLine
from tests.unit.hw.samples import (
    D_SIG,
    SALE_LINES,
    TV1_CORE,
    TV1_SIG,
    body_for,
    duplicate_receipt,
    line,
    receipt_for,
    sale_receipt,
)


def texts(receipt: Receipt, options: LayoutOptions | None = None) -> list[str]:
    return layout_receipt(receipt, options).text_lines()


def test_a_sale_shows_every_mandatory_mention() -> None:
    doc = layout_receipt(sale_receipt())
    lines = doc.text_lines()
    assert doc.reference == "TILL01-T-000001"
    for expected in (
        "Épicerie Test",
        "1 rue du Test, 75001 Paris",
        "SIRET 73282932000074",
        "N° TVA FR44732829320",
        "VENTE",
        "Ticket TILL01-T-000001",
        "Caisse TILL01  Magasin S1",
        "Opérateur Marie",
        "Date 15/03/2026 14:45:02",
        "Vin rouge 12,00\u00a0€ C",
        "Baguette",
        "  2 × 1,05\u00a0€ 2,10\u00a0€ A",
        "Comté AOP",
        "  0,532 kg × 24,90\u00a0€/kg 13,25\u00a0€ A",
        "Nombre de lignes 3",
        "TOTAL TTC 27,35\u00a0€",
        "Espèces 30,00\u00a0€",
        "Rendu 2,65\u00a0€",
        "Code Taux HT TVA TTC",
        "A 5,5\u00a0% 14,55 0,80 15,35",
        "C 20\u00a0% 10,00 2,00 12,00",
        "Total HT 24,55\u00a0€",
        "Total TVA 2,80\u00a0€",
        "N° T-000001  Seq 42  Sig 4GzO",
        "Logiciel caisse 0.1.0",
        "Attestation individuelle de l'éditeur (art. 286 I 3° bis CGI)",
        "Merci de votre visite !",
    ):
        assert expected in lines, expected
    assert QrCode(f"{TV1_CORE},{TV1_SIG}") in doc.elements
    assert isinstance(doc.elements[-1], Cut)
    assert Logo() in doc.elements
    assert not any(TRAINING_MARK in t for t in lines)


def test_the_vat_table_is_a_table_element_with_code_letters() -> None:
    (table,) = [e for e in layout_receipt(sale_receipt()).elements if isinstance(e, Table)]
    assert table.header == ("Code", "Taux", "HT", "TVA", "TTC")
    assert [row[0] for row in table.rows] == ["A", "C"]


@pytest.mark.parametrize(
    ("rate", "letter"), [(550, "A"), (1000, "B"), (2000, "C"), (210, "D"), (0, "E"), (1234, "*")]
)
def test_vat_letters(rate: int, letter: str) -> None:
    assert vat_letter(rate) == letter


def test_quantities_and_dates_the_french_way() -> None:
    assert format_qty(2000, "piece") == "2"
    assert format_qty(2500, "piece") == "2,5"
    assert format_qty(-1000, "piece") == "-1"
    assert format_qty(532, "kg") == "0,532 kg"
    assert format_qty(-12050, "kg") == "-12,050 kg"
    assert format_local("2026-07-01T09:05:00+02:00") == "01/07/2026 09:05:00"
    assert format_local("garbage") == "garbage"


def test_discounts_overrides_and_ticket_discount() -> None:
    body = body_for(
        (
            line(1, "Sandwich", 1000, 1000, 500, override=PriceOverride(600, 500, "abîmé")),
            line(2, "Vin rouge", 2000, 1000, 1200, discount=Discount(amount_cents=200)),
        ),
        [("CARD", 1400)],
        ticket_discount=Discount(amount_cents=100),
    )
    lines = texts(receipt_for(body))
    assert "Sandwich" in lines
    assert "  1 × 5,00\u00a0€ 5,00\u00a0€ B" in lines
    assert "  Prix initial 6,00\u00a0€ (abîmé)" in lines
    assert "  Remise -2,00\u00a0€" in lines
    assert "Remise sur le ticket -1,00\u00a0€" in lines
    assert "TOTAL TTC 14,00\u00a0€" in lines
    assert "Carte bancaire 14,00\u00a0€" in lines
    assert not any(t.startswith("Rendu") for t in lines)


def test_a_refund_names_the_original_ticket() -> None:
    body = body_for(
        (line(1, "Vin rouge", 2000, -1000, 1200),),
        [("CASH", -1200)],
        op="REFUND",
        kseq=2,
        refers_to={"gseq": 3, "number": "TILL01-T-000001", "token_hash": "h"},
    )
    body["reason"] = "bouchonné"
    lines = texts(receipt_for(body, kseq=2))
    assert "REMBOURSEMENT" in lines
    assert "Ticket d'origine TILL01-T-000001" in lines
    assert "Motif : bouchonné" in lines
    assert "Vin rouge" in lines
    assert "  -1 × 12,00\u00a0€ -12,00\u00a0€ C" in lines
    assert "TOTAL TTC -12,00\u00a0€" in lines
    assert "Espèces -12,00\u00a0€" in lines
    assert "N° T-000002  Seq 42  Sig 4GzO" in lines


def test_a_cancellation_says_so() -> None:
    body = body_for(
        (line(1, "Baguette", 550, -1000, 105),),
        [("CASH", -105)],
        op="CANCEL",
        refers_to={"gseq": 3, "number": "TILL01-T-000007", "token_hash": "h"},
    )
    lines = texts(receipt_for(body))
    assert "ANNULATION" in lines
    assert "Annule le ticket TILL01-T-000007" in lines


def test_a_training_ticket_is_marked_on_every_block() -> None:
    body = body_for(SALE_LINES, [("CASH", 3000)], kind="X", training=True)
    doc = layout_receipt(receipt_for(body, kind="X"))
    lines = doc.text_lines()
    assert "N° X-000001  Seq 42  Sig 4GzO" in lines
    assert "Superviseur paul" in lines
    # every block (between separators) starts with the watermark, and the ticket ends with it
    blocks: list[list[object]] = [[]]
    for element in doc.elements:
        if isinstance(element, Separator):
            blocks.append([])
        else:
            blocks[-1].append(element)
    assert len(blocks) >= 7
    for block in blocks:
        assert block[0] == TextLine(f"*** {TRAINING_MARK} ***", bold=True, align=Align.CENTER)


def test_a_duplicate_shows_the_original_and_its_own_proof() -> None:
    original = sale_receipt()
    copy = duplicate_receipt(original, copy_no=2)
    doc = layout_receipt(copy)
    lines = doc.text_lines()
    assert doc.reference == "DUPLICATA TILL01-T-000001"
    assert lines.count("DUPLICATA n° 2") == 2  # at the top and at the bottom
    assert "Copie du 16/03/2026 10:00:00" in lines
    extract = D_SIG[2] + D_SIG[6] + D_SIG[12] + D_SIG[18]
    assert f"N° D-000001  Seq 57  Sig {extract}" in lines
    # the original, as printed the first time
    assert "N° T-000001  Seq 42  Sig 4GzO" in lines
    assert "TOTAL TTC 27,35\u00a0€" in lines
    assert "Date 15/03/2026 14:45:02" in lines


def test_a_duplicate_without_its_original_still_identifies_it() -> None:
    copy = duplicate_receipt(sale_receipt())
    bare = Receipt(copy.entry, copy.body, copy.extract, copy=True, original=None)
    lines = texts(bare)
    assert "DUPLICATA n° 1" in lines
    assert "Ticket d'origine TILL01-T-000001" in lines
    assert "Seq d'origine 42" in lines


def test_a_training_duplicate_keeps_the_watermark() -> None:
    original = receipt_for(
        body_for(SALE_LINES, [("CASH", 3000)], kind="X", training=True), kind="X"
    )
    assert any(TRAINING_MARK in t for t in texts(duplicate_receipt(original)))


def test_options_drop_logo_qr_and_cut() -> None:
    doc = layout_receipt(sale_receipt(), LayoutOptions(logo=False, qr=False, footer=(), cut=False))
    assert not any(isinstance(e, Logo | QrCode | Cut) for e in doc.elements)
    assert "Merci de votre visite !" not in doc.text_lines()


def test_weighed_items_and_item_count() -> None:
    body = body_for((line(1, "Comté AOP", 550, 1250, 2490, unit=Unit.KG),), [("CASH", 3200)])
    lines = texts(receipt_for(body))
    assert "  1,250 kg × 24,90\u00a0€/kg 31,13\u00a0€ A" in lines
    assert not any(t.startswith("Nombre d'articles") for t in lines)
