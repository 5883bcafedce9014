"""Till activation: the key, the identity, the genesis record (JET 30) and the first admin."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from caisse.domain.errors import InvalidInput
from caisse.domain.identifiers import validate_siren, validate_siret, validate_vat_id
from caisse.services.context import TillContext
from caisse.services.errors import AlreadyInitialised
from caisse.services.jet import Jet
from caisse.services.operators import OperatorService, Role
from caisse.services.ports import TillIdentity

logger = logging.getLogger(__name__)

_TILL_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
CERT_REF_KEY = "cert_ref"


@dataclass(frozen=True, slots=True)
class GeneratedKey:
    kid: str
    public_jwk: Mapping[str, str]


class KeyGenerator(Protocol):
    def exists(self) -> bool: ...

    def generate_key(self, till_id: str) -> GeneratedKey:
        """Create the till key on this machine and return its public half."""
        ...


@dataclass(frozen=True, slots=True)
class ActivationRequest:
    company: str
    siren: str
    siret: str
    vat_id: str
    address: str
    till_id: str
    store_id: str
    admin_pin: str


def validate_request(req: ActivationRequest) -> ActivationRequest:
    """Normalise and check every identifier before anything is written.

    Raises:
        InvalidInput: an identifier fails its check.
    """
    siren = validate_siren(req.siren)
    siret = validate_siret(req.siret, siren=siren)
    vat_id = validate_vat_id(req.vat_id, siren=siren)
    for value, what_fr, what_en in (
        (req.till_id, "de caisse", "till"),
        (req.store_id, "de magasin", "store"),
    ):
        if not _TILL_RE.match(value):
            raise InvalidInput(
                f"Identifiant {what_fr} invalide : {value!r} (lettres, chiffres, . _ -).",
                f"Invalid {what_en} id: {value!r} (letters, digits, . _ -).",
            )
    if not req.company.strip() or not req.address.strip():
        raise InvalidInput(
            "La raison sociale et l'adresse sont obligatoires.",
            "The company name and the address are required.",
        )
    return ActivationRequest(
        req.company.strip(),
        siren,
        siret,
        vat_id,
        req.address.strip(),
        req.till_id,
        req.store_id,
        req.admin_pin,
    )


def activate(
    till: TillContext, keys: KeyGenerator, req: ActivationRequest, *, activated_at: str
) -> TillIdentity:
    """Activate a till: refuse a data directory that already holds a journal.

    Raises:
        AlreadyInitialised: a journal or a key is already there.
        InvalidInput: bad identifiers or PIN.
    """
    req = validate_request(req)
    from caisse.services.operators import validate_pin

    validate_pin(req.admin_pin)
    with till.uow() as uow:
        if uow.till.get() is not None or uow.journal.head() is not None:
            raise AlreadyInitialised
    if keys.exists():
        raise AlreadyInitialised
    key = keys.generate_key(req.till_id)
    identity = TillIdentity(
        till_id=req.till_id,
        store_id=req.store_id,
        company_name=req.company,
        siren=req.siren,
        siret=req.siret,
        vat_id=req.vat_id,
        address=req.address,
        kid=key.kid,
        public_jwk=dict(key.public_jwk),
        cert_ref=till.software.cert_ref,
        activated_at=activated_at,
    )
    with till.uow() as uow:
        uow.till.create(identity)
        entry = till.event(
            uow,
            Jet.ACTIVATION,
            {
                "reason": "activation",
                "kid": key.kid,
                "public_key_jwk": dict(key.public_jwk),
                "company": {
                    "name": req.company,
                    "siren": req.siren,
                    "siret": req.siret,
                    "vat_id": req.vat_id,
                    "address": req.address,
                },
                "store": req.store_id,
                "previous": None,
                "cert_ref": till.software.cert_ref,
            },
        )
        uow.state.set(CERT_REF_KEY, till.software.cert_ref)
        till.commit(uow, entry)
    OperatorService(till).add(None, "admin", "Administrateur", Role.ADMIN, req.admin_pin)
    logger.info("till %s activated with key %s", req.till_id, key.kid)
    return identity


def record_fiscal_parameters(till: TillContext) -> bool:
    """Log JET 100 when the certificate reference in force differs from the recorded one."""
    with till.uow() as uow:
        recorded = uow.state.get(CERT_REF_KEY)
        if recorded is None or recorded == till.software.cert_ref:
            return False
        entry = till.event(
            uow,
            Jet.FISCAL_PARAMETER,
            {"parameter": "cert_ref", "from": recorded, "to": till.software.cert_ref},
        )
        uow.state.set(CERT_REF_KEY, till.software.cert_ref)
        till.commit(uow, entry)
    return True
