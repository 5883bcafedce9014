"""The exception tree of every peripheral: drivers translate library errors into these.

Exception tree::

    HardwareError                  root; `fr` holds one French sentence for the cashier
    ├── InvalidDeviceUrl           a device URL that does not parse or has an unknown scheme
    ├── DeviceOffline              no reply, unplugged, powered off, port missing
    ├── DeviceTimeout              the device did not answer in time
    ├── ProtocolError              a reply that does not follow the protocol
    │   └── ChecksumRefused        a Dialog 06 scale refused the POS checksum handshake
    ├── PrinterFault               the printer answered but cannot print
    │   ├── PaperOut               paper end sensor
    │   ├── CoverOpen              cover (or platen) open
    │   └── PrinterError           cutter error, unrecoverable or auto-recoverable error
    ├── PrintJobNotFound           a queued job id that the print queue does not hold
    ├── InvalidDocument            a ticket the printer cannot render (a malformed barcode...)
    ├── InvalidBarcode             a scan that claims a format (GS1, EAN) and breaks its rules
    ├── ScaleFault                 the scale answered but gives no usable weight
    │   ├── UnstableWeight         the load is moving
    │   ├── OverCapacity           above the maximum capacity
    │   ├── UnderZero              below zero (tare or zero not set)
    │   ├── BelowMinimum           empty pan, or below the scale's minimum weight
    │   ├── SameWeighing           this load was already registered: lift it first
    │   └── WeightNotShown         a weight used without being the one last shown
    └── UnsupportedOperation       the device cannot do this (no status line, no drawer...)

Every class carries a default French sentence (`FR`), overridable per instance, so that a
composition root can show `exc.fr` without a mapping table; `str(exc)` stays technical.
Other packages may add subclasses here, never remove or rename one.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


class HardwareError(Exception):
    """Root of every peripheral exception.

    Args:
        detail: technical detail (logged, shown in `str(exc)`).
        fr: the French sentence for the cashier; defaults to the class's `FR`.
    """

    FR = "Le périphérique ne répond pas correctement."

    def __init__(self, detail: str = "", *, fr: str | None = None) -> None:
        super().__init__(detail or type(self).__name__)
        self.detail = detail
        self.fr = fr if fr is not None else self.FR


class InvalidDeviceUrl(HardwareError):
    FR = "L'adresse du périphérique est invalide : vérifiez la configuration."


class DeviceOffline(HardwareError):
    FR = "Le périphérique est débranché, éteint ou hors ligne."


class DeviceTimeout(HardwareError):
    FR = "Le périphérique n'a pas répondu à temps."


class ProtocolError(HardwareError):
    FR = "Le périphérique a envoyé une réponse incompréhensible."


class PrinterFault(HardwareError):
    FR = "L'imprimante ne peut pas imprimer."


class PaperOut(PrinterFault):
    FR = "L'imprimante n'a plus de papier : remettez un rouleau puis relancez l'impression."


class CoverOpen(PrinterFault):
    FR = "Le capot de l'imprimante est ouvert : refermez-le puis relancez l'impression."


class PrinterError(PrinterFault):
    FR = "L'imprimante signale une erreur (massicot, surchauffe) : vérifiez-la puis relancez."


class InvalidDocument(HardwareError):
    FR = "Ce ticket ne peut pas être imprimé sur cette imprimante (mise en page invalide)."


class PrintJobNotFound(HardwareError):
    FR = "Cette impression n'est plus dans la file d'attente."


class InvalidBarcode(HardwareError):
    FR = "Code-barres illisible ou invalide : scannez-le à nouveau ou tapez le code."


class ScaleFault(HardwareError):
    FR = "La balance ne donne pas de poids utilisable."


class UnstableWeight(ScaleFault):
    FR = "Le poids n'est pas stable : attendez que la balance se stabilise."


class OverCapacity(ScaleFault):
    FR = "La charge dépasse la portée maximale de la balance."


class UnderZero(ScaleFault):
    FR = "La balance affiche un poids négatif : remettez-la à zéro."


class UnsupportedOperation(HardwareError):
    FR = "Ce périphérique ne sait pas faire cette opération."


# note: appended for the scale drivers and the weighing rules (hardware.md §3.1, §3.3).


class BelowMinimum(ScaleFault):
    FR = "Le poids est inférieur au minimum de la balance : cet article ne peut pas être pesé."


class SameWeighing(ScaleFault):
    FR = "Cette pesée est déjà enregistrée : retirez l'article de la balance puis reposez-le."


class WeightNotShown(ScaleFault):
    FR = "Ce poids n'a pas été affiché avant d'être utilisé : relisez la balance."


class ChecksumRefused(ProtocolError):
    FR = "La balance refuse le contrôle de la caisse (somme de contrôle) : appelez le support."
