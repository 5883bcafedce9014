"""Errors raised by the use cases.

Exception tree::

    CaisseError
    ├── UserFacingError
    │   ├── InvalidInput
    │   │   ├── AlreadyInitialised     the data directory already holds a journal
    │   │   ├── NotInitialised         no till was activated in this data directory
    │   │   └── SignerUnavailable      the key cannot be loaded or used (fail closed)
    │   └── Refused
    │       ├── WrongPin
    │       ├── OperatorLocked
    │       ├── UnknownOperator
    │       ├── PermissionDenied
    │       ├── TillBlocked            an integrity defect blocks sales until it is resolved
    │       ├── ClockWentBackwards
    │       ├── TicketNotFound
    │       └── ReturnNotAllowed
    ├── PrinterFailed                  (not user-facing by itself: the sale stands, JET 190)
    └── DrawerFailed                   the drawer did not open
"""

from __future__ import annotations

from caisse.domain.errors import CaisseError, InvalidInput, Refused


class AlreadyInitialised(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "Ce dossier de données contient déjà un journal : la caisse est déjà activée.",
            "This data directory already holds a journal: the till is already activated.",
        )


class NotInitialised(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "Aucune caisse n'est activée dans ce dossier : lancez d'abord « caisse init ».",
            "No till is activated in this data directory: run 'caisse init' first.",
        )


class SignerUnavailable(InvalidInput):
    def __init__(self, detail_fr: str, detail_en: str) -> None:
        super().__init__(
            f"La clé de signature est inutilisable ({detail_fr}) : aucune vente n'est possible.",
            f"The signing key cannot be used ({detail_en}): no sale is possible.",
        )


class RightsExpired(Refused):
    """The users-and-rights snapshot from the central server is past its `valid_until`."""

    def __init__(self, valid_until: str) -> None:
        super().__init__(
            f"Les droits reçus du serveur central ont expiré ({valid_until}) : seul un "
            "responsable peut ouvrir une session jusqu'à la prochaine synchronisation.",
            f"The rights received from the central server expired ({valid_until}): only a "
            "manager may sign in until the next sync.",
        )


class WrongPin(Refused):
    def __init__(self, remaining: int) -> None:
        super().__init__(
            f"Code PIN incorrect ({remaining} essai(s) restant(s) avant blocage).",
            f"Wrong PIN ({remaining} attempt(s) left before lockout).",
        )
        self.remaining = remaining


class OperatorLocked(Refused):
    def __init__(self, seconds: int) -> None:
        super().__init__(
            f"Trop de codes PIN erronés : opérateur bloqué encore {seconds} s.",
            f"Too many wrong PINs: operator locked for {seconds} more seconds.",
        )
        self.seconds = seconds


class UnknownOperator(Refused):
    def __init__(self, operator_id: str) -> None:
        super().__init__(
            f"Opérateur inconnu ou désactivé : {operator_id}.",
            f"Unknown or disabled operator: {operator_id}.",
        )


class PermissionDenied(Refused):
    def __init__(self, right_fr: str, right_en: str) -> None:
        super().__init__(
            f"Droit insuffisant : {right_fr} demande l'accord d'un responsable.",
            f"Not allowed: {right_en} needs a manager's approval.",
        )


class TillBlocked(Refused):
    def __init__(self, reason_fr: str, reason_en: str) -> None:
        super().__init__(
            f"Caisse bloquée : {reason_fr} Contactez le responsable.",
            f"Till blocked: {reason_en} Call the manager.",
        )


class ClockWentBackwards(Refused):
    def __init__(self, last: str, now: str) -> None:
        super().__init__(
            f"L'horloge de la caisse recule ({now} avant {last}) : remettez-la à l'heure.",
            f"The till clock went backwards ({now} before {last}): set it right.",
        )


class TicketNotFound(Refused):
    def __init__(self, number: str) -> None:
        super().__init__(f"Ticket introuvable : {number}.", f"Ticket not found: {number}.")


class ReturnNotAllowed(Refused):
    """A refund line or quantity that the original ticket does not allow."""


class PrinterFailed(CaisseError):
    """The receipt did not print; the sale stands and JET 190 is written."""


class DrawerFailed(CaisseError):
    """The cash drawer did not open."""
