"""The till key: generated on the till, kept as encrypted PKCS#8 (0600), used to sign cores.

The passphrase lives in the OS keyring when one works (Secret Service, Windows Credential
Locker); otherwise in a separate 0600 file of the data directory. Residual risk, as the README
states: anyone who can read both files (root, or the till's own account) can use the key. This
is why the chain is also anchored outside the database and, when online, by the server.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from caisse.services.errors import SignerUnavailable
from caisse_verif.es256 import jwk_thumbprint, public_jwk, sign

logger = logging.getLogger(__name__)

KEY_FILENAME = "till-key.p8"
META_FILENAME = "till-key.json"
PASSPHRASE_FILENAME = "till-key.pass"  # noqa: S105 - a file name, not a secret
KEYRING_SERVICE = "caisse-till-key"


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _keyring_store(username: str, secret: str) -> bool:
    """Try the OS keyring; True only when the secret reads back identical."""
    if os.environ.get("CAISSE_NO_KEYRING") == "1":
        return False
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return False
    try:
        keyring.set_password(KEYRING_SERVICE, username, secret)
        return bool(keyring.get_password(KEYRING_SERVICE, username) == secret)
    except (KeyringError, RuntimeError, OSError) as exc:
        logger.info("no usable OS keyring (%s); the passphrase goes to a 0600 file", exc)
        return False


def _keyring_load(username: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        value = keyring.get_password(KEYRING_SERVICE, username)
    except (KeyringError, RuntimeError, OSError):
        return None
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """The public half of the till key."""

    kid: str
    public_jwk: dict[str, str]
    passphrase_store: str


class TillSigner:
    """ES256 signer over the loaded private key (deterministic nonces, RFC 6979)."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, kid: str) -> None:
        self._key = private_key
        self._kid = kid

    @property
    def kid(self) -> str:
        return self._kid

    def sign(self, data: bytes) -> str:
        return sign(self._key, data)


class FileKeyStore:
    """The key files of one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.key_path = data_dir / KEY_FILENAME
        self.meta_path = data_dir / META_FILENAME
        self.pass_path = data_dir / PASSPHRASE_FILENAME

    def exists(self) -> bool:
        return self.key_path.exists()

    def generate(self, till_id: str) -> KeyInfo:
        """Generate the till key on this machine; it never leaves it.

        Raises:
            FileExistsError: a key is already there (never overwrite a till key).
        """
        private = ec.generate_private_key(ec.SECP256R1())
        jwk = public_jwk(private.public_key())
        kid = jwk_thumbprint(jwk)
        passphrase = secrets.token_urlsafe(32)
        store = "keyring" if _keyring_store(f"{till_id}:{kid}", passphrase) else "file"
        if store == "file":
            _write_private(self.pass_path, passphrase.encode())
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
        _write_private(self.key_path, pem)
        meta = {"kid": kid, "public_jwk": jwk, "passphrase_store": store, "till": till_id}
        self.meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
        return KeyInfo(kid, jwk, store)

    def info(self) -> KeyInfo:
        """The public key and kid, without touching the private key.

        Raises:
            SignerUnavailable: the metadata file is missing or unreadable.
        """
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
            return KeyInfo(meta["kid"], dict(meta["public_jwk"]), meta["passphrase_store"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SignerUnavailable(
                "fichier de clé publique illisible", "unreadable public key file"
            ) from exc

    def load_signer(self) -> TillSigner:
        """Decrypt the private key and check it against the recorded kid.

        Raises:
            SignerUnavailable: a file is missing, the passphrase is wrong, or the key does not
                match the kid recorded at activation.
        """
        info = self.info()
        meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
        if info.passphrase_store == "keyring":  # noqa: S105 - a store name, not a secret
            passphrase = _keyring_load(f"{meta.get('till', '')}:{info.kid}")
            if passphrase is None:
                raise SignerUnavailable(
                    "phrase secrète absente du trousseau", "passphrase missing from the keyring"
                )
        else:
            try:
                passphrase = self.pass_path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SignerUnavailable(
                    "phrase secrète illisible", "unreadable passphrase"
                ) from exc
        try:
            pem = self.key_path.read_bytes()
            private = serialization.load_pem_private_key(pem, passphrase.encode())
        except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise SignerUnavailable(
                "clé privée illisible ou phrase secrète erronée",
                "unreadable private key or wrong passphrase",
            ) from exc
        if not isinstance(private, ec.EllipticCurvePrivateKey):
            raise SignerUnavailable("clé d'un type inattendu", "unexpected key type")
        if jwk_thumbprint(public_jwk(private.public_key())) != info.kid:
            raise SignerUnavailable(
                "la clé ne correspond pas à celle de l'activation",
                "the key does not match the one recorded at activation",
            )
        return TillSigner(private, info.kid)
