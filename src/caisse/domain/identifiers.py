"""Check digits of the identifiers a till prints or scans: SIREN, SIRET, French VAT id, GTIN."""

from __future__ import annotations

import logging
import re
from typing import Final

from caisse.domain.errors import InvalidIdentifier

logger = logging.getLogger(__name__)

# note: every validator takes text as typed (spaces of any kind are ignored, because numbers are
# pasted from letterheads and Kbis extracts) and returns the compact form to store and print.

LA_POSTE_SIREN: Final = "356000000"
"""La Poste's establishments break Luhn; their SIRET digits sum to a multiple of 5 instead."""

GTIN_LENGTHS: Final = frozenset({8, 12, 13, 14})
"""EAN-8, UPC-A, EAN-13 and GTIN-14."""

_VAT_ID_RE: Final = re.compile(r"FR(?P<key>[0-9A-Z]{2})(?P<siren>[0-9]{9})")


def _compact(text: str) -> str:
    """Drop every whitespace (spaces, no-break spaces, tabs) typed or pasted in a number."""
    return "".join(text.split())


def _is_digits(text: str) -> bool:
    """ASCII digits only: `str.isdigit` alone would accept "²" or Arabic-Indic digits."""
    return text.isascii() and text.isdigit()


def luhn_ok(digits: str) -> bool:
    """Whether a string of ASCII digits passes the Luhn check (False for anything else).

    From the right, every second digit is doubled (minus 9 when over 9) and the sum of all the
    digits must be a multiple of 10.
    """
    if not _is_digits(digits):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _siren_ok(siren: str) -> bool:
    """Nine digits passing Luhn, and not the never-issued 000000000."""
    return len(siren) == 9 and siren != "0" * 9 and luhn_ok(siren)


def validate_siren(text: str) -> str:
    """Check a SIREN (9 digits, Luhn) and return it without spaces.

    Raises:
        InvalidIdentifier: not 9 digits, all zeros, or a wrong check digit.
    """
    siren = _compact(text)
    if len(siren) != 9 or not _is_digits(siren):
        raise InvalidIdentifier(
            f"Le SIREN « {text.strip()} » est invalide : il doit compter 9 chiffres.",
            f"SIREN '{text.strip()}' is invalid: it must have 9 digits.",
        )
    # note: 000000000 passes Luhn but is never issued; it is what an unfilled form produces.
    if siren == "0" * 9:
        raise InvalidIdentifier(
            "Le SIREN 000000000 est invalide : il n'est attribué à aucune entreprise.",
            "SIREN 000000000 is invalid: it is never issued.",
        )
    if not luhn_ok(siren):
        raise InvalidIdentifier(
            f"Le SIREN {siren} est invalide : la clé de contrôle (Luhn) ne correspond pas.",
            f"SIREN {siren} is invalid: the check digit (Luhn) does not match.",
        )
    return siren


def validate_siret(text: str, siren: str | None = None) -> str:
    """Check a SIRET (14 digits, Luhn or La Poste's rule) and return it without spaces.

    La Poste (SIREN 356 000 000) numbers its many establishments so that Luhn does not hold;
    INSEE's rule for them is that the sum of the 14 digits is a multiple of 5. Its head office,
    356 000 000 00048, does satisfy Luhn, hence "Luhn, or for La Poste the sum rule".

    Args:
        text: the SIRET as typed.
        siren: when given, the SIRET must belong to this SIREN (the company's own).

    Raises:
        InvalidIdentifier: not 14 digits, a wrong check digit, an invalid SIREN part, or a
            SIRET of another SIREN.
    """
    siret = _compact(text)
    if len(siret) != 14 or not _is_digits(siret):
        raise InvalidIdentifier(
            f"Le SIRET « {text.strip()} » est invalide : il doit compter 14 chiffres.",
            f"SIRET '{text.strip()}' is invalid: it must have 14 digits.",
        )
    if siret.startswith(LA_POSTE_SIREN):
        if not luhn_ok(siret) and sum(int(char) for char in siret) % 5 != 0:
            raise InvalidIdentifier(
                f"Le SIRET {siret} est invalide : la somme de ses chiffres doit être un "
                "multiple de 5 (règle des établissements de La Poste).",
                f"SIRET {siret} is invalid: its digits must add up to a multiple of 5 "
                "(the rule for La Poste's establishments).",
            )
    elif not luhn_ok(siret):
        raise InvalidIdentifier(
            f"Le SIRET {siret} est invalide : la clé de contrôle (Luhn) ne correspond pas.",
            f"SIRET {siret} is invalid: the check digit (Luhn) does not match.",
        )
    own_siren = siret[:9]
    if not _siren_ok(own_siren):
        raise InvalidIdentifier(
            f"Le SIRET {siret} est invalide : le SIREN {own_siren} qu'il contient n'a pas une "
            "clé de contrôle (Luhn) correcte.",
            f"SIRET {siret} is invalid: the SIREN {own_siren} it contains fails the Luhn check.",
        )
    if siren is not None:
        expected = validate_siren(siren)
        if own_siren != expected:
            raise InvalidIdentifier(
                f"Le SIRET {siret} n'appartient pas à l'entreprise de SIREN {expected}.",
                f"SIRET {siret} does not belong to the company with SIREN {expected}.",
            )
    return siret


def vat_key(siren: str) -> str:
    """The two-digit key of the French VAT id of a SIREN: (12 + 3 × (SIREN mod 97)) mod 97."""
    return f"{(12 + 3 * (int(validate_siren(siren)) % 97)) % 97:02d}"


def validate_vat_id(text: str, siren: str | None = None) -> str:
    """Check a French intra-community VAT id ("FR" + key + SIREN) and return it compact.

    Only numeric keys are accepted: they are the ones computed from a SIREN, which is what a
    French shop has. The alphanumeric keys of companies without a SIREN are refused.

    Args:
        text: the VAT id as typed; spaces are removed and letters upper-cased.
        siren: when given, the VAT id must be this SIREN's.

    Returns:
        The VAT id, e.g. "FR40303265045".

    Raises:
        InvalidIdentifier: not "FR" + 2 characters + 9 digits, an alphanumeric key, an invalid
            SIREN part, a wrong key, or the VAT id of another SIREN.
    """
    vat_id = _compact(text).upper()
    match = _VAT_ID_RE.fullmatch(vat_id)
    if match is None:
        raise InvalidIdentifier(
            f"Le numéro de TVA « {text.strip()} » est invalide : il s'écrit FR, "
            "une clé de 2 chiffres et les 9 chiffres du SIREN.",
            f"VAT id '{text.strip()}' is invalid: it is FR, a 2-digit key and the 9 digits "
            "of the SIREN.",
        )
    key, own_siren = match["key"], match["siren"]
    if not _siren_ok(own_siren):
        raise InvalidIdentifier(
            f"Le numéro de TVA {vat_id} est invalide : le SIREN {own_siren} qu'il contient n'a "
            "pas une clé de contrôle (Luhn) correcte.",
            f"VAT id {vat_id} is invalid: the SIREN {own_siren} it contains fails the Luhn check.",
        )
    if not _is_digits(key):
        raise InvalidIdentifier(
            f"Le numéro de TVA {vat_id} est invalide : seules les clés numériques, calculées "
            "à partir d'un SIREN, sont acceptées.",
            f"VAT id {vat_id} is invalid: only numeric keys, computed from a SIREN, are accepted.",
        )
    expected_key = vat_key(own_siren)
    if key != expected_key:
        raise InvalidIdentifier(
            f"Le numéro de TVA {vat_id} est invalide : la clé {key} ne correspond pas au "
            f"SIREN {own_siren} (clé attendue {expected_key}).",
            f"VAT id {vat_id} is invalid: key {key} does not match SIREN {own_siren} "
            f"(expected {expected_key}).",
        )
    if siren is not None:
        expected_siren = validate_siren(siren)
        if own_siren != expected_siren:
            raise InvalidIdentifier(
                f"Le numéro de TVA {vat_id} n'est pas celui du SIREN {expected_siren}.",
                f"VAT id {vat_id} is not the one of SIREN {expected_siren}.",
            )
    return vat_id


def gtin_ok(code: str) -> bool:
    """Whether a GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) has a correct GS1 check digit.

    From the right, the check digit weighs 1, then the digits weigh 3, 1, 3, ...; the weighted
    sum must be a multiple of 10. In-store codes (prefix 2, e.g. weighed items) follow it too.
    """
    if len(code) not in GTIN_LENGTHS or not _is_digits(code):
        return False
    total = sum(int(char) * (3 if position % 2 else 1) for position, char in enumerate(code[::-1]))
    return total % 10 == 0


def validate_ean(text: str) -> str:
    """Check a barcode number (EAN-8, UPC-A, EAN-13, GTIN-14) and return it without spaces.

    Raises:
        InvalidIdentifier: not 8, 12, 13 or 14 digits, or a wrong GS1 check digit.
    """
    code = _compact(text)
    if len(code) not in GTIN_LENGTHS or not _is_digits(code):
        raise InvalidIdentifier(
            f"Le code-barres « {text.strip()} » est invalide : il doit compter 8, 12, 13 "
            "ou 14 chiffres.",
            f"Barcode '{text.strip()}' is invalid: it must have 8, 12, 13 or 14 digits.",
        )
    if not gtin_ok(code):
        raise InvalidIdentifier(
            f"Le code-barres {code} est invalide : la clé de contrôle ne correspond pas.",
            f"Barcode {code} is invalid: the check digit does not match.",
        )
    return code
