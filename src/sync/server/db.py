"""The server's database: engine set-up for PostgreSQL and SQLite, migrations, the server key.

SQLite (the embedded single-shop mode) follows sync.md §4.1: WAL, ``synchronous=FULL``, a 30 s
busy timeout and ``BEGIN IMMEDIATE`` for every transaction, because ``FOR UPDATE`` does nothing
there and concurrent pushes must still be serialised.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Connection, Engine, create_engine, event, insert, select
from sqlalchemy.exc import IntegrityError

from caisse_verif import es256
from sync.server import schema

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Build the engine for `url` (``sqlite:///PATH`` or ``postgresql+psycopg://...``)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _sqlite_events(engine)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: object) -> None:
        # note: pysqlite's own BEGIN handling is switched off so that ours (IMMEDIATE) is used
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(url: str) -> Config:
    """The alembic configuration of the server schema (its own script location)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the server schema at `url` to the latest revision."""
    command.upgrade(alembic_config(url), "head")


def is_current(engine: Engine, url: str) -> bool:
    """Whether the database at `engine` is at the latest server revision."""
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current == head


def server_private_key(engine: Engine, created_at: str) -> ec.EllipticCurvePrivateKey:
    """Load the server's signing key, generating it the first time.

    The key sits in the database so that every server process signs with the same key; a
    deployment with an HSM or a KMS would replace this function (nf525.md §6.9).
    """
    with engine.begin() as conn:
        row = conn.execute(select(schema.server_key.c.private_pem).limit(1)).first()
        if row is None:
            key = es256.generate_private_key()
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode("ascii")
            kid = es256.jwk_thumbprint(es256.public_jwk(key.public_key()))
            try:
                conn.execute(
                    insert(schema.server_key).values(
                        kid=kid, private_pem=pem, created_at=created_at
                    )
                )
            except IntegrityError:  # pragma: no cover - two processes raced; reload below
                pass
            else:
                logger.info("server key created, kid %s", kid)
                return key
    with engine.connect() as conn:
        pem_text = conn.execute(
            select(schema.server_key.c.private_pem).order_by(schema.server_key.c.created_at)
        ).scalar_one()
    loaded = serialization.load_pem_private_key(pem_text.encode("ascii"), password=None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey):  # pragma: no cover - we wrote it
        raise TypeError("the server key is not an EC key")
    return loaded
