"""Operators, roles and rights; PINs hashed with scrypt; lockout after repeated wrong PINs.

Rights are enforced here, in the services, so that the command line and the UI obey the same
rules (a UI that hides a button is not a control).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from caisse.domain.errors import InvalidInput
from caisse.services.context import TillContext
from caisse.services.errors import (
    OperatorLocked,
    PermissionDenied,
    RightsExpired,
    UnknownOperator,
    WrongPin,
)
from caisse.services.jet import Jet
from caisse.services.ports import JournalEntry, OperatorRecord

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LOCKOUT = timedelta(seconds=60)
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_PIN_RE = re.compile(r"^[0-9]{4,8}$")
_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


class Role(StrEnum):
    CASHIER = "cashier"
    MANAGER = "manager"
    ADMIN = "admin"
    AUDITOR = "auditor"


class Right(StrEnum):
    SELL = "sell"
    PRICE_OVERRIDE = "price_override"
    DISCOUNT_ABOVE_CAP = "discount_above_cap"
    REFUND = "refund"
    CANCEL = "cancel"
    DRAWER_NO_SALE = "drawer_no_sale"
    TRAINING = "training"
    REPRINT = "reprint"
    MANAGE_USERS = "manage_users"
    AUDIT = "audit"
    CLOSE = "close"
    MANAGE_STOCK = "manage_stock"


RIGHT_LABELS: dict[Right, tuple[str, str]] = {
    Right.SELL: ("la vente", "selling"),
    Right.PRICE_OVERRIDE: ("la modification de prix", "a price override"),
    Right.DISCOUNT_ABOVE_CAP: ("une remise au-delà du plafond", "a discount above the cap"),
    Right.REFUND: ("le remboursement", "a refund"),
    Right.CANCEL: ("l'annulation d'un ticket", "cancelling a ticket"),
    Right.DRAWER_NO_SALE: ("l'ouverture du tiroir sans vente", "opening the drawer without a sale"),
    Right.TRAINING: ("le mode école", "training mode"),
    Right.REPRINT: ("la réimpression", "a reprint"),
    Right.MANAGE_USERS: ("la gestion des opérateurs", "managing operators"),
    Right.AUDIT: ("l'export pour contrôle", "the audit export"),
    Right.CLOSE: ("la clôture (Z, mensuelle, annuelle)", "a closure (Z, monthly, yearly)"),
    Right.MANAGE_STOCK: (
        "la saisie de stock (ajustement, réception, inventaire)",
        "entering stock (adjustment, receipt, count)",
    ),
}

_CASHIER = {Right.SELL, Right.REPRINT}
_MANAGER = _CASHIER | {
    Right.PRICE_OVERRIDE,
    Right.DISCOUNT_ABOVE_CAP,
    Right.REFUND,
    Right.CANCEL,
    Right.DRAWER_NO_SALE,
    Right.TRAINING,
    Right.AUDIT,
    Right.CLOSE,
    Right.MANAGE_STOCK,
}
ROLE_RIGHTS: dict[Role, frozenset[Right]] = {
    Role.CASHIER: frozenset(_CASHIER),
    Role.MANAGER: frozenset(_MANAGER),
    Role.ADMIN: frozenset(_MANAGER | {Right.MANAGE_USERS}),
    # note: the auditor reads and exports; any write action is denied (nf525.md R42).
    Role.AUDITOR: frozenset({Right.AUDIT}),
}


@dataclass(frozen=True, slots=True)
class OperatorSession:
    """An operator who has proved their PIN."""

    id: str
    name: str
    role: Role

    def can(self, right: Right) -> bool:
        return right in ROLE_RIGHTS[self.role]

    def as_body(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}


def require(
    session: OperatorSession, right: Right, approver: OperatorSession | None = None
) -> None:
    """Pass when the operator, or an approving manager, holds the right.

    Raises:
        PermissionDenied: neither holds it.
    """
    if session.can(right) or (approver is not None and approver.can(right)):
        return
    fr, en = RIGHT_LABELS[right]
    raise PermissionDenied(fr, en)


RIGHTS_SNAPSHOT_KEY = "sync.rights_snapshot"
"""`app_state` key of the last users-and-rights snapshot pulled from the central server (its
signature already checked by the sync agent)."""


def rights_expired_at(snapshot_json: str | None, now: datetime) -> str | None:
    """The snapshot's `valid_until` when it is past at `now`, else None (none kept: None)."""
    if not snapshot_json:
        return None
    try:
        valid_until = str(json.loads(snapshot_json)["payload"]["valid_until"])
        moment = datetime.fromisoformat(valid_until.replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError):
        return None
    return valid_until if moment.tzinfo is not None and now >= moment else None


def hash_pin(pin: str) -> str:
    """Scrypt hash of a PIN, with its parameters and salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    enc = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${enc(salt).decode()}${enc(digest).decode()}"


def pin_matches(pin: str, stored: str) -> bool:
    """Constant-time comparison of a PIN with its stored scrypt hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        found = hashlib.scrypt(
            pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return False
    return hmac.compare_digest(expected, found)


def validate_pin(pin: str) -> str:
    if not _PIN_RE.match(pin):
        raise InvalidInput(
            "Le code PIN doit comporter de 4 à 8 chiffres.", "The PIN must have 4 to 8 digits."
        )
    return pin


def validate_operator_id(operator_id: str) -> str:
    if not _ID_RE.match(operator_id):
        raise InvalidInput(
            f"Identifiant d'opérateur invalide : {operator_id!r} (lettres, chiffres, _ . -).",
            f"Invalid operator id: {operator_id!r} (letters, digits, _ . -).",
        )
    return operator_id


class OperatorService:
    """Adds operators, checks PINs and signs operators in and out."""

    def __init__(self, till: TillContext) -> None:
        self._till = till

    def add(
        self, admin: OperatorSession | None, operator_id: str, name: str, role: Role, pin: str
    ) -> None:
        """Create an operator; `admin` is None only during activation.

        Raises:
            PermissionDenied: the acting operator may not manage users.
            InvalidInput: malformed id or PIN, or the id is taken.
        """
        if admin is not None:
            require(admin, Right.MANAGE_USERS)
        validate_operator_id(operator_id)
        validate_pin(pin)
        if not name.strip():
            raise InvalidInput("Le nom de l'opérateur est vide.", "The operator name is empty.")
        record = OperatorRecord(operator_id, name.strip(), Role(role), hash_pin(pin), 0, None, True)
        with self._till.uow() as uow:
            if uow.operators.get(operator_id) is not None:
                raise InvalidInput(
                    f"L'opérateur {operator_id} existe déjà.",
                    f"Operator {operator_id} already exists.",
                )
            uow.operators.add(record)
            entry: JournalEntry | None = None
            if admin is not None:
                entry = self._till.event(
                    uow,
                    Jet.RIGHTS_CHANGED,
                    {"operator_id": operator_id, "role": str(role), "action": "added"},
                    operator=admin.as_body(),
                )
            self._till.commit(uow, entry)

    def list(self) -> list[OperatorRecord]:
        with self._till.uow() as uow:
            return uow.operators.list()

    def authenticate(
        self, operator_id: str, pin: str, *, log_sign_in: bool = True
    ) -> OperatorSession:
        """Check a PIN; five wrong PINs lock the operator for 60 s (logged).

        Raises:
            UnknownOperator: no such active operator.
            OperatorLocked: locked out; the error says for how long.
            WrongPin: the PIN does not match.
        """
        now = self._till.clock.now()
        with self._till.uow() as uow:
            record = uow.operators.get(operator_id)
            if record is None or not record.active:
                raise UnknownOperator(operator_id)
            if record.locked_until is not None and record.locked_until > now:
                remaining = int((record.locked_until - now).total_seconds()) + 1
                raise OperatorLocked(remaining)
            if not pin_matches(pin, record.pin_hash):
                failed = record.failed_attempts + 1
                if failed >= MAX_ATTEMPTS:
                    uow.operators.set_lockout(operator_id, 0, now + LOCKOUT)
                    logger.warning(
                        "operator %s locked out after %d wrong PINs", operator_id, failed
                    )
                    lockout = self._till.event(
                        uow,
                        Jet.SIGN_IN,
                        {"outcome": "locked_out", "failed_attempts": failed},
                        operator={"id": record.id, "name": record.name},
                    )
                    self._till.commit(uow, lockout)
                    raise OperatorLocked(int(LOCKOUT.total_seconds()))
                uow.operators.set_lockout(operator_id, failed, None)
                uow.commit()
                raise WrongPin(MAX_ATTEMPTS - failed)
            session = OperatorSession(record.id, record.name, Role(record.role))
            expired = rights_expired_at(uow.state.get(RIGHTS_SNAPSHOT_KEY), now)
            if expired is not None and session.role not in (Role.MANAGER, Role.ADMIN):
                # note: sync.md §6.7.5: past valid_until only a manager's PIN opens a session
                raise RightsExpired(expired)
            uow.operators.set_lockout(operator_id, 0, None)
            entry: JournalEntry | None = None
            if log_sign_in:
                entry = self._till.event(
                    uow, Jet.SIGN_IN, {"outcome": "ok"}, operator=session.as_body()
                )
            self._till.commit(uow, entry)
            return session

    def sign_out(self, session: OperatorSession) -> None:
        self._till.log_event(Jet.SIGN_OUT, {}, operator=session.as_body())
