"""The external head anchor: a small JSON file beside the database (nf525.md §6.8, §6.11)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from caisse.domain.errors import IntegrityError
from caisse.services.ports import AnchorValue

ANCHOR_FILENAME = "head.anchor"
# note: one fixed-size record, rewritten in place with a single pwrite. A 256-byte write at
# offset 0 sits in one disk sector, so a reader sees the old or the new record, and the file
# never shrinks; this costs a few microseconds where write-then-rename cost ~150 µs per sale.
RECORD_SIZE = 256
_PLAIN = re.compile(r"[A-Za-z0-9._-]*")


class AnchorUnreadable(IntegrityError):
    """The anchor file exists but does not parse."""


class FileHeadAnchor:
    """Rewrites the anchor after every commit.

    note: no fsync here. After a power cut the file may lag the database, which the start-up
    check accepts (a head beyond the anchor is normal); an fsync per sale would double the
    cost of the durable commit. What the anchor must catch, a database *behind* it, needs no
    fsync: rows that were committed and anchored cannot silently disappear.
    """

    def __init__(self, path: Path, till_id: str) -> None:
        self.path = path
        self._till_id = till_id
        self._fd: int | None = None

    def read(self) -> AnchorValue | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(raw.decode("utf-8").strip())
            return AnchorValue(int(data["gseq"]), str(data["token_sha256"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise AnchorUnreadable(f"anchor file {self.path} is unreadable") from exc

    def write(self, value: AnchorValue) -> None:
        payload = self._encode(value)
        if len(payload) >= RECORD_SIZE:
            raise ValueError("anchor record too long")
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.pwrite(self._fd, payload.ljust(RECORD_SIZE - 1) + b"\n", 0)

    def _encode(self, value: AnchorValue) -> bytes:
        # note: formatted by hand (this runs after every sale): the till id and the base64url
        # hash need no JSON escaping, and the text is exactly what json.dumps writes; anything
        # else goes through json.dumps.
        if _PLAIN.fullmatch(self._till_id) and _PLAIN.fullmatch(value.token_sha256):
            text = (
                f'{{"till": "{self._till_id}", "gseq": {int(value.gseq)}, '
                f'"token_sha256": "{value.token_sha256}"}}'
            )
            return text.encode("ascii")
        return json.dumps(
            {"till": self._till_id, "gseq": value.gseq, "token_sha256": value.token_sha256}
        ).encode("utf-8")

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
