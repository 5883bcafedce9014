"""The software identity written into every body: name, version and a hash of the code."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import caisse
from caisse.services.journal_writer import SoftwareInfo


@cache
def build_sha256() -> str:
    """SHA-256 over the installed sources of `caisse` (sorted relative paths and contents).

    note: it identifies the code that signed a record (JET 10, nf525.md R2); a patched file
    changes it.
    """
    root = Path(caisse.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def software_info(cert_ref: str) -> SoftwareInfo:
    return SoftwareInfo(caisse.SOFTWARE_NAME, caisse.__version__, build_sha256(), cert_ref)
