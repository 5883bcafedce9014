"""X and Z tickets: real till records → report layout → ESC/POS bytes → emulator, compared whole.

Only the kid (a fresh key per till) and the closure's signature extract are filled in from the
records. The figures of the scenario are worked out by hand in the comments.
"""

from __future__ import annotations

import pytest

from caisse.domain.cash import CashCount
from caisse.domain.sale import Payment, Tender
from caisse.services.ports import JournalEntry
from caisse.services.report_layout import layout_closure, layout_x
from caisse.services.reports import ReportService
from caisse_verif.record import signature_extract
from hw.drivers.escpos_printer import EscposRenderer
from hw.ports import PrinterProfile, TicketDocument
from hw.simulators.escpos_printer import CutEvent, EscposEmulator, QrEvent
from tests.integration.conftest import TillFixture

pytestmark = pytest.mark.integration

HEADER = [
    "Épicerie Test",
    "1 rue du Test, 75001 Paris",
    "SIRET 73282932000074",
    "N° TVA FR44732829320",
    "-" * 42,
]


def printed(document: TicketDocument, columns: int = 42) -> EscposEmulator:
    data = EscposRenderer(PrinterProfile(columns=columns)).render(document)
    emulator = EscposEmulator()
    emulator.feed(data)
    assert emulator.unknown == []
    assert isinstance(emulator.events[-1], CutEvent)
    return emulator


def day_of_trading(shop: TillFixture) -> None:
    """Float 100 €; Marie sells 2 baguettes + 532 g of Comté (15,35 €, cash 20 €, change
    4,65 €); Paul sells a wine and a sandwich (17,50 € by card) and refunds one baguette
    (-1,05 € in cash)."""
    till = shop.till
    till.cash.open_session(shop.cashier, CashCount.of_pieces([(5000, 1), (2000, 2), (1000, 1)]))
    sale = till.checkout.new_sale()
    till.checkout.add_item(sale, "BAG", 2000)
    till.checkout.add_item(sale, "COMTE", 532)
    sale.add_payment(Payment(Tender.CASH, 2000))
    first = till.checkout.finalise(shop.cashier, sale)
    shop.clock.advance(minutes=10)
    sale = till.checkout.new_sale()
    till.checkout.add_item(sale, "VIN")
    till.checkout.add_item(sale, "SAN")
    sale.add_payment(Payment(Tender.CARD, 1750))
    till.checkout.finalise(shop.manager, sale)
    shop.clock.advance(minutes=10)
    till.checkout.refund(
        shop.manager, first.number, [(1, 1000)], [Payment(Tender.CASH, -105)], reason="rassis"
    )


FIGURES = [
    "-" * 42,
    "TICKETS",
    "Ventes                                   2",
    "Remboursements                           1",
    "Annulations                              0",
    "Annulations avant paiement               0",
    "-" * 42,
    "VENTES PAR TAUX",
    "Code      Taux        HT      TVA      TTC",
    "A        5,5 %     14,55     0,80    15,35",
    "B         10 %      5,00     0,50     5,50",
    "C         20 %     10,00     2,00    12,00",
    "-" * 42,
    "RETOURS PAR TAUX",
    "Code      Taux        HT      TVA      TTC",
    "A        5,5 %     -1,00    -0,05    -1,05",
    "-" * 42,
    "NET PAR TAUX DE TVA",
    "Code      Taux        HT      TVA      TTC",
    "A        5,5 %     13,55     0,75    14,30",
    "B         10 %      5,00     0,50     5,50",
    "C         20 %     10,00     2,00    12,00",
    "Ventes TTC                         32,85 €",
    "Retours TTC                        -1,05 €",
    "Total HT                           28,55 €",
    "Total TVA                           3,25 €",
    "TOTAL TTC NET                      31,80 €",
    "-" * 42,
    "RÈGLEMENTS (rendu déduit)",
    "Carte bancaire                     17,50 €",
    "Espèces                            14,30 €",
]
OPERATORS = [
    "-" * 42,
    "OPÉRATEURS",
    "Marie                              15,35 €",
    "  1 vente(s), 0 remb., 0 annul.",
    "Paul                               16,45 €",
    "  1 vente(s), 1 remb., 0 annul.",
    "-" * 42,
    "MODE ÉCOLE (hors grand total)",
    "Tickets école                            0",
    "Montant école                       0,00 €",
    "-" * 42,
    "GRANDS TOTAUX",
    "GT période                         31,80 €",
    "GT perpétuel                       31,80 €",
    "GT perpétuel absolu                33,90 €",
    "-" * 42,
    "TICKETS DE LA PÉRIODE",
    "Premier ticket             TILL01-T-000001",
    "Dernier ticket             TILL01-T-000003",
]
SOFTWARE = [
    "Logiciel caisse 0.1.0",
    "Attestation individuelle de l'éditeur",
    "(art. 286 I 3° bis CGI)",
]


def kid_lines(kid: str) -> list[str]:
    return ["Clé (kid) :", kid[:42], kid[42:]]


def test_golden_x_ticket(shop: TillFixture) -> None:
    day_of_trading(shop)
    reports = ReportService(shop.till.context, shop.till.closures, shop.till.cash)
    report = reports.x_report()
    lines = printed(layout_x(report)).text_lines()
    assert lines == [
        *HEADER,
        "RAPPORT X",
        "Lecture sans clôture",
        "Caisse                  TILL01  Magasin S1",
        "Journée du 15/03/2026",
        "Édité le               15/03/2026 15:05:02",
        *FIGURES,
        "-" * 42,
        "OPÉRATIONS DE CAISSE",
        "Ouvertures de caisse                     1",
        "-" * 42,
        "COMPTAGES DE CAISSE",
        # 100 € float + 20 € tendered − 4,65 € change − 1,05 € refunded
        "Espèces attendues                 114,30 €",
        *OPERATORS,
        "Séquences                            1 à 8",
        "-" * 42,
        *kid_lines(str(report["kid"])),
        *SOFTWARE,
        "RAPPORT X – Lecture sans clôture",
        "",
        "",
        "",
        "",
        "",
    ]
    assert not any(isinstance(e, QrEvent) for e in printed(layout_x(report)).events)


def test_golden_z_ticket_with_the_count_and_its_difference(shop: TillFixture) -> None:
    day_of_trading(shop)
    till = shop.till
    till.cash.count(
        shop.cashier, CashCount.of_amount(11400), {"CARD": 1750}, "pièce de 20 c perdue ×15"
    )
    z = till.closures.close_day(shop.manager)[-1]
    reports = ReportService(till.context, till.closures, till.cash)
    report = reports.closure_report(z.gseq)
    emulator = printed(layout_closure(report))
    with till.context.uow() as uow:
        entry = uow.journal.get(z.gseq)
    assert isinstance(entry, JournalEntry)
    assert emulator.text_lines() == [
        *HEADER,
        "CLÔTURE JOURNALIÈRE (Z)",
        "Clôture                    TILL01-Z-000001",
        "Journée du 15/03/2026",
        "Caisse                  TILL01  Magasin S1",
        "Date                   15/03/2026 15:05:02",
        "Déclenchement                     manuelle",
        "Opérateur                             Paul",
        *FIGURES,
        "-" * 42,
        "OPÉRATIONS DE CAISSE",
        "Comptages                                1",
        "Ouvertures de caisse                     1",
        "-" * 42,
        "COMPTAGES DE CAISSE",
        "Comptage TILL01-P-000002 (Marie)",
        "Moyen        Attendu      Compté     Écart",
        "Espèces       114,30      114,00     -0,30",
        "CB             17,50       17,50      0,00",
        "Justification : pièce de 20 c perdue ×15",
        *OPERATORS,
        "Séquences                            1 à 9",
        "-" * 42,
        f"N° Z-000001  Seq {z.gseq}  Sig {signature_extract(entry.sig)}",
        *kid_lines(str(report["kid"])),
        *SOFTWARE,
        "",  # the QR code
        "",
        "",
        "",
        "",
        "",
    ]
    assert QrEvent(f"{entry.core},{entry.sig}") in emulator.events


def test_z_ticket_on_58_mm_paper_keeps_every_section(shop: TillFixture) -> None:
    day_of_trading(shop)
    z = shop.till.closures.close_day(shop.manager)[-1]
    reports = ReportService(shop.till.context, shop.till.closures, shop.till.cash)
    lines = printed(reports.closure_ticket(z.gseq), 32).text_lines()
    assert all(len(line) <= 32 for line in lines)
    for expected in (
        "CLÔTURE JOURNALIÈRE (Z)",
        "A      5,5 %  13,55  0,75  14,30",
        "TOTAL TTC NET            31,80 €",
        "GT perpétuel absolu      33,90 €",
        "Premier ticket   TILL01-T-000001",
    ):
        assert expected in lines
