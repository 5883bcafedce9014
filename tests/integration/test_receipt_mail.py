"""E-mail receipts: queued after the sale, sent through an SMTP relay over loopback.

The relay is a small SMTP server written for the test (RFC 5321 commands over a real socket),
so that smtplib, the message and the queue are exercised end to end.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from caisse.app.receipt_mail import ReceiptMailer
from caisse.app.settings import Settings
from caisse.domain.sale import Payment, Tender
from tests.integration.conftest import TillFixture
from tests.journal_helpers import verify_data_dir


class _Relay(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse_data = False


class _SmtpSession(socketserver.StreamRequestHandler):
    server: _Relay

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        self._say("220 relay.test ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline():
            verb = line.decode("ascii", "replace").strip()
            upper = verb.upper()
            if upper.startswith(("EHLO", "HELO")):
                self._say("250 relay.test")
            elif upper.startswith("MAIL FROM:"):
                recipients = []
                self._say("250 OK")
            elif upper.startswith("RCPT TO:"):
                recipients.append(verb[8:].strip(" <>"))
                self._say("250 OK")
            elif upper == "DATA":
                if self.server.refuse_data:
                    self._say("451 try again later")
                    continue
                self._say("354 end with <CRLF>.<CRLF>")
                raw = bytearray()
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    raw += chunk[1:] if chunk.startswith(b"..") else chunk
                parsed = message_from_bytes(bytes(raw), policy=policy.default)
                assert isinstance(parsed, EmailMessage)
                self.server.messages.append((recipients, parsed))
                self._say("250 queued")
            elif upper == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 OK")


@pytest.fixture
def relay() -> Iterator[_Relay]:
    server = _Relay()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _mailer(shop: TillFixture, port: int) -> ReceiptMailer:
    settings = replace(
        Settings(data_dir=Path(shop.data_dir)),
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_from="boutique@example.fr",
    )
    return ReceiptMailer(shop.till.context, settings)


def _sell(shop: TillFixture) -> tuple[int, str]:
    sale = shop.till.checkout.new_sale()
    shop.till.checkout.add_item(sale, "VIN", None)
    sale.add_payment(Payment(Tender.CARD, sale.totals.total_ttc_cents))
    result = shop.till.checkout.finalise(shop.cashier, sale, printed="email")
    return result.gseq, result.number


def test_a_queued_receipt_is_mailed_once_with_the_printed_ticket(
    shop: TillFixture, relay: _Relay
) -> None:
    gseq, number = _sell(shop)
    shop.till.open_tickets.queue_receipt_email(gseq, number, "client@example.org")
    mailer = _mailer(shop, relay.server_address[1])

    report = mailer.send_pending()

    assert (report.sent, report.waiting, report.error) == (1, 0, None)
    [(to, message)] = relay.messages
    assert to == ["client@example.org"]
    assert message["From"] == "boutique@example.fr"
    assert number in message["Subject"]
    text = message.get_content()
    assert "SIRET 73282932000074" in text
    assert "Vin rouge" in text
    assert "12,00" in text
    assert f"Seq {gseq}" in text
    with shop.till.context.uow() as uow:
        entry = uow.journal.get(gseq)
    assert entry is not None
    assert f"{entry.core},{entry.sig}" in text  # the proof of the QR code, whole
    assert mailer.send_pending().sent == 0  # sent once
    assert len(relay.messages) == 1


def test_a_relay_that_refuses_or_is_down_keeps_the_receipt_queued(
    shop: TillFixture, relay: _Relay
) -> None:
    gseq, number = _sell(shop)
    shop.till.open_tickets.queue_receipt_email(gseq, number, "client@example.org")
    relay.refuse_data = True
    refused = _mailer(shop, relay.server_address[1]).send_pending()
    assert (refused.sent, refused.waiting) == (0, 1)
    assert refused.error is not None

    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    down = _mailer(shop, dead_port).send_pending()
    assert (down.sent, down.waiting) == (0, 1)

    relay.refuse_data = False
    assert _mailer(shop, relay.server_address[1]).send_pending().sent == 1
    assert verify_data_dir(shop.data_dir).ok


def test_without_a_relay_nothing_is_sent_and_the_queue_says_why(shop: TillFixture) -> None:
    gseq, number = _sell(shop)
    shop.till.open_tickets.queue_receipt_email(gseq, number, "client@example.org")
    mailer = ReceiptMailer(shop.till.context, Settings(data_dir=Path(shop.data_dir)))
    report = mailer.send_pending()
    assert (report.sent, report.waiting) == (0, 1)
    assert report.error is not None
    assert "SMTP" in report.error
