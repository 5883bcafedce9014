"""Sending the receipts customers asked for by e-mail, through the shop's SMTP relay.

The payment screen only queues the address with the ticket (`receipt_emails`), in the
transaction-free moment after the sale is committed; this module sends what is queued. The
body is the ticket exactly as the printer would print it (the same layout, rendered to ESC/POS
and decoded back to text, so every mandatory mention of nf525.md §3.11 is there), followed by
the proof the QR code carries. A relay that is down or refuses leaves the receipt queued for the
next attempt: the sale and the journal are never touched.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage

from caisse.app.settings import Settings
from caisse.services.context import TillContext
from caisse.services.ports import Receipt
from caisse.services.ticket_layout import layout_receipt
from caisse_verif.record import signature_extract
from hw.drivers.escpos_printer import EscposRenderer
from hw.ports import PrinterProfile, QrCode
from hw.simulators.escpos_printer import EscposEmulator

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 15.0
SEND_INTERVAL_S = 30.0


@dataclass(frozen=True, slots=True)
class MailReport:
    """What one sending round did."""

    sent: int
    waiting: int
    error: str | None = None


def receipt_text(receipt: Receipt, columns: int = 42) -> str:
    """The ticket as the printer prints it, as plain text, then the QR code's proof."""
    document = layout_receipt(receipt)
    emulator = EscposEmulator()
    emulator.feed(EscposRenderer(PrinterProfile(columns=columns)).render(document))
    lines = [line.rstrip() for line in emulator.text_lines()]
    while lines and not lines[-1]:
        lines.pop()
    proofs = [e.data for e in document.elements if isinstance(e, QrCode)]
    if proofs:
        lines += ["", "Preuve du ticket (contenu du QR code) :", *proofs]
    return "\n".join(lines) + "\n"


class ReceiptMailer:
    """Sends the queued e-mail receipts of a till through its configured SMTP relay."""

    def __init__(self, till: TillContext, settings: Settings) -> None:
        self._till = till
        self._settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, interval_s: float = SEND_INTERVAL_S) -> None:
        """Send in a thread of its own every `interval_s`.

        note: never on the service worker, so that a relay that hangs cannot delay a sale.
        """
        if self._thread is not None or not self.configured:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.send_pending()
                except Exception:  # the sender must outlive one bad round
                    logger.exception("e-mail receipts: sending round failed")

        self._thread = threading.Thread(target=loop, name="receipt-mail", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=SMTP_TIMEOUT_S + 1)
            self._thread = None

    @property
    def configured(self) -> bool:
        return bool(self._settings.smtp_host and self._settings.smtp_from)

    def send_pending(self) -> MailReport:
        """Send every queued receipt; stop at the first relay failure (the rest stay queued)."""
        with self._till.uow() as uow:
            pending = uow.receipt_emails.pending()
        if not pending:
            return MailReport(0, 0)
        if not self.configured:
            return MailReport(0, len(pending), "no SMTP relay configured (smtp_host, smtp_from)")
        sent = 0
        try:
            with self._connect() as smtp:
                for gseq, ticket_no, address in pending:
                    smtp.send_message(self._message(gseq, ticket_no, address))
                    with self._till.uow() as uow:
                        stamp = datetime.now(UTC).isoformat(timespec="seconds")
                        uow.receipt_emails.mark_sent(gseq, address, stamp)
                        uow.commit()
                    sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            logger.warning("e-mail receipts: %s sent, the relay failed: %s", sent, exc)
            return MailReport(sent, len(pending) - sent, str(exc) or type(exc).__name__)
        logger.info("e-mail receipts: %s sent", sent)
        return MailReport(sent, 0)

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT_S)
        try:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _message(self, gseq: int, ticket_no: str, address: str) -> EmailMessage:
        with self._till.uow() as uow:
            entry = uow.journal.get(gseq)
        if entry is None:
            raise smtplib.SMTPException(
                f"record {gseq} of ticket {ticket_no} is not in the journal"
            )
        body = json.loads(entry.body)
        receipt = Receipt(entry, body, signature_extract(entry.sig), copy=False)
        company = str(body.get("company", {}).get("name", ""))
        message = EmailMessage()
        message["From"] = self._settings.smtp_from
        message["To"] = address
        message["Subject"] = f"Votre ticket {ticket_no} — {company}".strip(" —")
        message.set_content(receipt_text(receipt))
        return message
