"""Sync in the running till: the agent's thread, and the embedded server of `caisse run --demo`.

`start_sync` is the one hook the Qt entry point calls: it starts the agent when the till is
enrolled (wiring it as the commit listener and the status bar's source), and with ``demo``
it first starts an embedded central server on loopback (SQLite in the demo data directory,
uvicorn in a thread on a free port) and enrols the demo till with it, so that sync works out
of the box (cli.md, `caisse run --demo`).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caisse.app.bootstrap import Till
from caisse.app.sync_agent import SyncAgent, enroll
from caisse.storage.uow import SqlUnitOfWorkFactory

logger = logging.getLogger(__name__)

DEMO_SERVER_DIR = "demo-server"
DEMO_STORE = "DEMO"


class EmbeddedServer:
    """The central server (SQLite) under uvicorn in a daemon thread on 127.0.0.1."""

    def __init__(self, database_url: str) -> None:
        # note: imported here: the till core never needs the server's dependencies
        import uvicorn

        from sync.server import db
        from sync.server.app import create_app
        from sync.server.context import ServerContext

        db.upgrade(database_url)
        self.ctx = ServerContext.open(database_url)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port: int = sock.getsockname()[1]
        self._sock = sock
        config = uvicorn.Config(
            create_app(self.ctx), log_level="warning", lifespan="off", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            daemon=True,
            name="caisse-embedded-server",
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def enroll_code(self, store_id: str, till_id: str | None = None) -> str:
        from sync.server import auth

        return auth.create_enroll_code(self.ctx, store_id, till_id)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()
        self.ctx.engine.dispose()


@dataclass
class SyncRuntime:
    """What `start_sync` started; `stop` ends it (last session first, then the server)."""

    agent: SyncAgent | None
    server: EmbeddedServer | None

    def stop(self) -> None:
        if self.agent is not None:
            self.agent.stop(final_session=True, timeout=5)
        if self.server is not None:
            self.server.stop()


def _factory(till: Till) -> SqlUnitOfWorkFactory:
    uow = till.context.uow
    if not isinstance(uow, SqlUnitOfWorkFactory):
        raise TypeError("the till's unit of work must be the SQLite one")
    return uow


def ensure_demo_server(till: Till, data_dir: Path) -> EmbeddedServer:
    """Start the demo's embedded server and enrol the till with it (or follow its new port)."""
    folder = data_dir / DEMO_SERVER_DIR
    folder.mkdir(parents=True, exist_ok=True)
    server = EmbeddedServer(f"sqlite:///{folder / 'server.sqlite'}")
    uow = _factory(till)
    with uow() as w:
        state = w.sync.state()
        identity = w.till.get()
    if identity is None:
        return server
    if state.enrolled:
        # note: the embedded server gets a new port each run; the device stays the same
        with uow() as w:
            w.sync.set_server_url(server.base_url)
            w.commit()
    else:
        enroll(
            till.context,
            uow,
            data_dir,
            server.base_url,
            server.enroll_code(identity.store_id, identity.till_id),
            checkout=till.checkout,
        )
    return server


def start_sync(till: Till, *, demo: bool = False, **agent_options: Any) -> SyncRuntime:
    """Start sync for a running till; returns what to stop at exit.

    Sync failing to start never stops the till: it sells offline and says so in the log.
    """
    server: EmbeddedServer | None = None
    data_dir = till.settings.data_dir
    if demo:
        try:
            server = ensure_demo_server(till, data_dir)
        except Exception:  # note: a demo without its server still sells (offline)
            logger.exception("the demo's embedded server did not start")
    uow = _factory(till)
    with uow() as w:
        enrolled = w.sync.state().enrolled
    if not enrolled:
        return SyncRuntime(None, server)
    agent = SyncAgent(till.context, uow, data_dir, checkout=till.checkout, **agent_options)
    till.context.listener = agent
    if not agent.start():
        till.context.listener = None
        return SyncRuntime(None, server)
    return SyncRuntime(agent, server)
