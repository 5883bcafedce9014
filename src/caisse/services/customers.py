"""The customer file at the till: create and edit, also offline (product.md, Customers).

Personal data never enter the signed journal, so that a customer can be erased on request
(GDPR). Each creation or edit writes the customer row and queues a ``customer.upsert`` event
for the central server in one transaction; an edit sends only the fields it changed, since
the server merges edits field by field, the latest winning (sync.md §6.1).

Any operator who may sell may record a customer (cashiers do it at the counter); an auditor
may not.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from caisse.domain.errors import InvalidInput, Refused
from caisse.services import ops_events
from caisse.services.context import TillContext
from caisse.services.operators import OperatorSession, Right, require
from caisse.services.ports import CustomerRecord, UnitOfWork

MAX_NAME_CHARS = 120
MAX_NOTES_CHARS = 500
MAX_LIST = 1000
# note: deliberately loose (one @, a dot in the domain, no spaces): the only sure check of
# an address is a mail that arrives; this catches typing slips, not every RFC 5322 case.
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_PHONE_RE = re.compile(r"\+?[0-9 .()-]+")


class CustomerNotFound(Refused):
    def __init__(self, customer_id: str) -> None:
        super().__init__(
            f"Client introuvable : {customer_id}.", f"Customer not found: {customer_id}."
        )


def validate_name(text: str) -> str:
    name = " ".join(text.split())
    if not name:
        raise InvalidInput("Le nom du client est vide.", "The customer's name is empty.")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(
            f"Le nom du client dépasse {MAX_NAME_CHARS} caractères.",
            f"The customer's name is longer than {MAX_NAME_CHARS} characters.",
        )
    return name


def validate_email(text: str | None) -> str | None:
    """None or an empty text: no address. Kept as typed, domain in lower case."""
    if text is None or not text.strip():
        return None
    email = text.strip()
    if len(email) > 254 or not _EMAIL_RE.fullmatch(email):
        raise InvalidInput(
            f"Adresse e-mail invalide : « {email} » (attendu : nom@domaine.fr).",
            f"Invalid e-mail address: '{email}' (expected: name@domain.com).",
        )
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def validate_phone(text: str | None) -> str | None:
    """None or an empty text: no number. Digits, spaces, + . - ( ) and 6 to 15 digits."""
    if text is None or not text.strip():
        return None
    phone = " ".join(text.split())
    digits = sum(c.isdigit() for c in phone)
    if not _PHONE_RE.fullmatch(phone) or not 6 <= digits <= 15:
        raise InvalidInput(
            f"Numéro de téléphone invalide : « {phone} » (6 à 15 chiffres, + autorisé).",
            f"Invalid phone number: '{phone}' (6 to 15 digits, + allowed).",
        )
    return phone


def validate_notes(text: str) -> str:
    notes = text.strip()
    if len(notes) > MAX_NOTES_CHARS:
        raise InvalidInput(
            f"Les notes dépassent {MAX_NOTES_CHARS} caractères.",
            f"The notes are longer than {MAX_NOTES_CHARS} characters.",
        )
    return notes


def _fields(customer: CustomerRecord) -> dict[str, Any]:
    return {
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "notes": customer.notes,
        "marketing_optin": customer.marketing_optin,
    }


class CustomerService:
    def __init__(self, till: TillContext) -> None:
        self._till = till

    def add(
        self,
        session: OperatorSession,
        name: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        notes: str = "",
        marketing_optin: bool = False,
    ) -> CustomerRecord:
        """A new customer (a UUIDv7 made here), queued for the server.

        Raises:
            PermissionDenied: the operator may not sell (an auditor).
            InvalidInput: an empty or too long name, a bad e-mail or phone, notes too long.
        """
        require(session, Right.SELL)
        now = self._till.clock.now()
        stamp = ops_events.iso_millis(now)
        customer = CustomerRecord(
            id=ops_events.uuid7(now),
            name=validate_name(name),
            email=validate_email(email),
            phone=validate_phone(phone),
            notes=validate_notes(notes),
            marketing_optin=bool(marketing_optin),
            created_at=stamp,
            updated_at=stamp,
        )
        with self._till.uow() as uow:
            uow.customers.put(customer)
            self._queue(uow, now, session, customer, _fields(customer))
            uow.commit()
        self._wake_sync()
        return customer

    def update(
        self,
        session: OperatorSession,
        customer_id: str,
        *,
        name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        notes: str | None = None,
        marketing_optin: bool | None = None,
    ) -> CustomerRecord:
        """Change the fields given (None leaves a field as it is; "" clears e-mail or phone).

        Raises:
            PermissionDenied, InvalidInput: as `add`.
            CustomerNotFound: no customer with that id.
        """
        require(session, Right.SELL)
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = validate_name(name)
        if email is not None:
            changes["email"] = validate_email(email)
        if phone is not None:
            changes["phone"] = validate_phone(phone)
        if notes is not None:
            changes["notes"] = validate_notes(notes)
        if marketing_optin is not None:
            changes["marketing_optin"] = bool(marketing_optin)
        now = self._till.clock.now()
        with self._till.uow() as uow:
            current = uow.customers.get(customer_id.strip())
            if current is None:
                raise CustomerNotFound(customer_id)
            before = _fields(current)
            changed = {k: v for k, v in changes.items() if before[k] != v}
            if not changed:
                return current
            updated = replace(current, **changed, updated_at=ops_events.iso_millis(now))
            uow.customers.put(updated)
            self._queue(uow, now, session, updated, changed)
            uow.commit()
        self._wake_sync()
        return updated

    def get(self, customer_id: str) -> CustomerRecord | None:
        with self._till.uow() as uow:
            return uow.customers.get(customer_id.strip())

    def list(self, session: OperatorSession, limit: int = 100) -> list[CustomerRecord]:
        """Customers by name (personal data: only for an operator who may sell).

        Raises:
            PermissionDenied: an auditor.
        """
        require(session, Right.SELL)
        with self._till.uow() as uow:
            return uow.customers.list(max(1, min(limit, MAX_LIST)))

    def _wake_sync(self) -> None:
        if self._till.listener is not None:
            self._till.listener.ops_queued()

    @staticmethod
    def _queue(
        uow: UnitOfWork,
        now: datetime,
        session: OperatorSession,
        customer: CustomerRecord,
        fields: dict[str, Any],
    ) -> None:
        ops_events.queue(
            uow,
            ops_events.CUSTOMER_UPSERT,
            now,
            {"customer_id": customer.id, "fields": fields, "operator_id": session.id},
        )
