"""Golden tickets: real till records → layout → ESC/POS bytes (python-escpos Dummy) → emulator.

The decoded lines are compared whole; only the signature extracts (ES256 signatures are
randomised) are filled in from the records.
"""

from __future__ import annotations

import pytest

from caisse.domain.sale import Payment, Tender
from caisse.services.checkout import TicketResult
from caisse.services.ports import Receipt
from caisse.services.ticket_layout import layout_receipt
from hw.drivers.escpos_printer import EscposRenderer
from hw.ports import PrinterProfile
from hw.simulators.escpos_printer import CutEvent, EscposEmulator, QrEvent
from tests.integration.conftest import TillFixture

pytestmark = pytest.mark.integration

HEADER_42 = [
    "Épicerie Test",
    "1 rue du Test, 75001 Paris",
    "SIRET 73282932000074",
    "N° TVA FR44732829320",
    "-" * 42,
]
FOOTER_42 = [
    "Logiciel caisse 0.1.0",
    "Attestation individuelle de l'éditeur",
    "(art. 286 I 3° bis CGI)",
    "",
    "Merci de votre visite !",
]
FOOTER_32 = [
    "Logiciel caisse 0.1.0",
    "Attestation individuelle de",
    "l'éditeur (art. 286 I 3° bis",
    "CGI)",
    "",
    "Merci de votre visite !",
]
CUT_FEED = ["", "", "", "", ""]


def printed(receipt: Receipt, columns: int) -> EscposEmulator:
    data = EscposRenderer(PrinterProfile(columns=columns)).render(layout_receipt(receipt))
    emulator = EscposEmulator()
    emulator.feed(data)
    assert emulator.unknown == []
    assert isinstance(emulator.events[-1], CutEvent)
    return emulator


def proof(result: TicketResult) -> str:
    return f"N° {result.kind}-{result.kseq:06d}  Seq {result.gseq}  Sig {result.extract}"


def sell(shop: TillFixture, items: list[tuple[str, int | None]], pay: Payment) -> TicketResult:
    sale = shop.till.checkout.new_sale()
    for code, qty in items:
        shop.till.checkout.add_item(sale, code, qty)
    sale.add_payment(pay)
    return shop.till.checkout.finalise(shop.cashier, sale)


def test_golden_sale_with_a_weighed_item(shop: TillFixture) -> None:
    result = sell(shop, [("BAG", 2000), ("COMTE", 532)], Payment(Tender.CASH, 2000))
    emulator = printed(shop.printer.receipts[-1], 42)
    assert emulator.text_lines() == [
        *HEADER_42,
        "VENTE",
        "Ticket                     TILL01-T-000001",
        "Caisse                  TILL01  Magasin S1",
        "Opérateur                            Marie",
        "Date                   15/03/2026 14:45:02",
        "-" * 42,
        "Baguette",
        "  2 × 1,05 €                      2,10 € A",
        "Comté AOP",
        "  0,532 kg × 24,90 €/kg          13,25 € A",
        "-" * 42,
        "Nombre de lignes                         2",
        "Nombre d'articles                        2",
        "TOTAL TTC                          15,35 €",
        "-" * 42,
        "Espèces                            20,00 €",
        "Rendu                               4,65 €",
        "-" * 42,
        "Code      Taux        HT      TVA      TTC",
        "A        5,5 %     14,55     0,80    15,35",
        "Total HT                           14,55 €",
        "Total TVA                           0,80 €",
        "-" * 42,
        proof(result),
        *FOOTER_42,
        *CUT_FEED,
    ]
    assert QrEvent(f"{result.core},{result.sig}") in emulator.events
    title = emulator.lines[0]
    assert (title.bold, title.height, title.align) == (True, 2, "center")


def test_golden_weighed_item_on_58_mm_paper(shop: TillFixture) -> None:
    result = sell(shop, [("COMTE", 1250)], Payment(Tender.CARD, 3113))
    lines = printed(shop.printer.receipts[-1], 32).text_lines()
    start = lines.index("Comté AOP")
    assert lines[start : start + 3] == [
        "Comté AOP",
        "  1,250 kg × 24,90 €/kg",
        "                       31,13 € A",
    ]
    assert "TOTAL TTC                31,13 €" in lines
    assert "Carte bancaire           31,13 €" in lines
    assert "A      5,5 %  29,51  1,62  31,13" in lines
    assert proof(result) in lines
    assert not any(li.startswith("Nombre d'articles") for li in lines)


def test_golden_refund(shop: TillFixture) -> None:
    sale = sell(shop, [("BAG", 2000), ("COMTE", 532)], Payment(Tender.CASH, 2000))
    refund = shop.till.checkout.refund(
        shop.manager, sale.number, [(1, 1000)], [Payment(Tender.CASH, -105)], reason="rassis"
    )
    lines = printed(shop.printer.receipts[-1], 32).text_lines()
    assert lines[5:29] == [
        "REMBOURSEMENT",
        "Ticket d'origine TILL01-T-000001",
        "Motif : rassis",
        "Ticket           TILL01-T-000002",
        "Caisse        TILL01  Magasin S1",
        "Opérateur                   Paul",
        "Date         15/03/2026 14:45:02",
        "-" * 32,
        "Baguette",
        "  -1 × 1,05 €          -1,05 € A",
        "-" * 32,
        "Nombre de lignes               1",
        "Nombre d'articles              1",
        "TOTAL TTC                -1,05 €",
        "-" * 32,
        "Espèces                  -1,05 €",
        "-" * 32,
        "Code   Taux     HT    TVA    TTC",
        "A     5,5 %  -1,00  -0,05  -1,05",
        "Total HT                 -1,00 €",
        "Total TVA                -0,05 €",
        "-" * 32,
        proof(refund),
        "Logiciel caisse 0.1.0",
    ]


def test_golden_duplicate(shop: TillFixture) -> None:
    sale = sell(shop, [("VIN", None)], Payment(Tender.CASH, 1200))
    copy = shop.till.checkout.reprint(shop.cashier, sale.number, reason="client")
    emulator = printed(shop.printer.receipts[-1], 32)
    lines = emulator.text_lines()
    banner = ["DUPLICATA n° 1", "Copie du 15/03/2026 14:45:02", proof(copy)]
    assert lines[:3] == banner
    assert lines[-8:-5] == banner
    assert lines[3:5] == ["-" * 32, "Épicerie Test"]
    assert "Vin rouge              12,00 € C" in lines
    assert proof(sale) in lines  # the original's own proof, as first printed
    assert QrEvent(f"{sale.core},{sale.sig}") in emulator.events
    assert emulator.lines[0].width == 2


def test_golden_training_ticket(shop: TillFixture) -> None:
    shop.till.checkout.set_training(shop.manager, True)
    result = sell(shop, [("VIN", None)], Payment(Tender.CARD, 1200))
    mark = "*** MODE ÉCOLE – FACTICE ***"
    assert printed(shop.printer.receipts[-1], 32).text_lines() == [
        mark,
        "Épicerie Test",
        "1 rue du Test, 75001 Paris",
        "SIRET 73282932000074",
        "N° TVA FR44732829320",
        "-" * 32,
        mark,
        "VENTE",
        "Ticket           TILL01-X-000001",
        "Caisse        TILL01  Magasin S1",
        "Opérateur                  Marie",
        "Date         15/03/2026 14:45:02",
        "Superviseur                 paul",
        "-" * 32,
        mark,
        "Vin rouge              12,00 € C",
        "-" * 32,
        mark,
        "Nombre de lignes               1",
        "Nombre d'articles              1",
        "TOTAL TTC                12,00 €",
        "-" * 32,
        mark,
        "Carte bancaire           12,00 €",
        "-" * 32,
        mark,
        "Code   Taux      HT   TVA    TTC",
        "C      20 %   10,00  2,00  12,00",
        "Total HT                 10,00 €",
        "Total TVA                 2,00 €",
        "-" * 32,
        mark,
        proof(result),
        *FOOTER_32,
        "-" * 32,
        mark,
        *CUT_FEED,
    ]
