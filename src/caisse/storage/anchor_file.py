"""The external head anchor: a small JSON file beside the database (nf525.md §6.8, §6.11)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from caisse.domain.errors import IntegrityError
from caisse.services.ports import AnchorValue

ANCHOR_FILENAME = "head.anchor"


class AnchorUnreadable(IntegrityError):
    """The anchor file exists but does not parse."""


class FileHeadAnchor:
    """Writes the anchor by write-then-rename, so a reader never sees half a file.

    note: no fsync here. After a power cut the file may lag the database, which the start-up
    check accepts; an fsync per sale would double the cost of the durable commit.
    """

    def __init__(self, path: Path, till_id: str) -> None:
        self.path = path
        self._till_id = till_id

    def read(self) -> AnchorValue | None:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(raw)
            return AnchorValue(int(data["gseq"]), str(data["token_sha256"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise AnchorUnreadable(f"anchor file {self.path} is unreadable") from exc

    def write(self, value: AnchorValue) -> None:
        tmp = self.path.with_suffix(".tmp")
        payload = json.dumps(
            {"till": self._till_id, "gseq": value.gseq, "token_sha256": value.token_sha256}
        )
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, payload.encode("utf-8"))
        finally:
            os.close(fd)
        tmp.replace(self.path)
