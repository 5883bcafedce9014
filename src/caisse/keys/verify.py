"""Signature checking for the till's own start-up verification (the auditor's code path)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from caisse.keys.keystore import FileKeyStore
from caisse_verif.es256 import load_public_jwk, verify


def signature_checker(store: FileKeyStore) -> Callable[[Sequence[tuple[str, str]]], list[bool]]:
    """A batch checker over the till's public key, loaded on first use."""

    def check(pairs: Sequence[tuple[str, str]]) -> list[bool]:
        key = load_public_jwk(store.info().public_jwk)
        # note: a core is ASCII by grammar; a non-ASCII one cannot carry a valid signature and
        # must be reported as such, not crash the start-up check.
        return [core.isascii() and verify(key, core.encode("ascii"), sig) for core, sig in pairs]

    return check
