"""What every server use case needs: the engine, the server key, the clock, dialect helpers."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Connection, Engine, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from caisse_verif import es256
from sync import protocol
from sync.server import db, schema
from sync.server.signatures import SignaturePool

Clock = Callable[[], datetime]
COMMIT_DELAY_ENV = "CAISSE_SERVER_TEST_COMMIT_DELAY"


def system_clock() -> datetime:
    """The real time, aware, UTC."""
    return datetime.now(UTC)


@dataclass
class ServerContext:
    """The server's shared state; stateless over its database, so several processes may run.

    Attributes:
        engine: the SQLAlchemy engine.
        key: the server's ES256 signing key.
        clock: the time source (injected in tests).
        rights_valid_s: how long a signed users-and-rights snapshot stays valid.
        skew_flag_s: a request's clock further than this from the server's is flagged.
        code_ttl_s: lifetime of an enrolment code.
        signatures: the worker processes that check record signatures.
        commit_delay_s: test hook: seconds to wait before committing a push that wrote
            records (from ``CAISSE_SERVER_TEST_COMMIT_DELAY``; 0 in production).
    """

    engine: Engine
    key: ec.EllipticCurvePrivateKey
    clock: Clock = system_clock
    rights_valid_s: int = 7 * 86400
    skew_flag_s: int = 120
    code_ttl_s: int = 600
    commit_delay_s: float = 0.0
    signatures: SignaturePool = field(default_factory=SignaturePool)
    jwk: dict[str, str] = field(init=False)
    kid: str = field(init=False)

    def __post_init__(self) -> None:
        self.jwk = es256.public_jwk(self.key.public_key())
        self.kid = es256.jwk_thumbprint(self.jwk)

    @classmethod
    def open(cls, url: str, clock: Clock = system_clock) -> ServerContext:
        """Open the database at `url` (already migrated) and load or create the server key."""
        engine = db.make_engine(url)
        key = db.server_private_key(engine, protocol.utc_iso(clock()))
        delay = float(os.environ.get(COMMIT_DELAY_ENV) or 0)
        return cls(engine, key, clock, commit_delay_s=delay)

    def close(self) -> None:
        """Stop the signature workers and close the database connections."""
        self.signatures.close()
        self.engine.dispose()

    def now(self) -> datetime:
        """The current time, aware, UTC."""
        return self.clock().astimezone(UTC)

    def now_iso(self) -> str:
        """The current time as the protocol's ISO UTC string."""
        return protocol.utc_iso(self.now())

    def now_unix(self) -> int:
        """The current time, Unix seconds."""
        return int(self.now().timestamp())

    def insert(self, table: Table) -> Any:
        """A dialect ``INSERT`` that knows ``on_conflict_do_nothing`` / ``_do_update``."""
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def next_versions(self, conn: Connection, count: int) -> int:
        """Reserve `count` versions and return the first one.

        The counter row stays locked until the transaction commits, so version order is
        commit order and a pull cursor never skips a late commit (sync.md §3.6).
        """
        c = schema.counter
        conn.execute(self.insert(c).values(name="version", value=0).on_conflict_do_nothing())
        current = conn.execute(
            select(c.c.value).where(c.c.name == "version").with_for_update()
        ).scalar_one()
        conn.execute(update(c).where(c.c.name == "version").values(value=current + count))
        return int(current) + 1

    def current_version(self, conn: Connection) -> int:
        """The last version handed out (0 when none)."""
        c = schema.counter
        value = conn.execute(select(c.c.value).where(c.c.name == "version")).scalar()
        return int(value or 0)
