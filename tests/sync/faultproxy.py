"""A fault-injecting HTTP/1.1 proxy for the sync tests (toxiproxy is not available here).

It sits between the till's httpx client and uvicorn on loopback, reads each request whole,
and chooses a fault for it, from a script (`FaultProxy.script`) or from a seeded random draw
(`FaultProxy.rates`), so that a failing run can be replayed exactly from its printed seed.
Each request goes to the server on a fresh connection with ``Connection: close``, and the
answer tells the client to close too, so a fault hits exactly one request (sync.md §5.1).

Faults:

- ``ok``: forwarded untouched.
- ``latency``: forwarded after `latency_s`.
- ``drop_before``: the client's connection is closed; the server never sees the request.
- ``drop_after``: the server handles the request (and commits); the client gets no answer.
- ``truncate``: the client gets the first half of the answer's bytes, then a close.
- ``reset``: the connection is reset (RST) without forwarding.
- ``blackhole``: the request is swallowed and the connection held open until the client
  gives up (its timeout).
- ``slow``: the answer trickles back in small chunks (`slow_chunk` bytes every `slow_gap_s`).
- ``duplicate``: the request is delivered twice (one after the other); the client gets the
  first answer.
- ``delay``: the request reaches the server only after `delay_s` (longer than the client's
  timeout), so it races the client's retry; the client gets no answer.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable

FAULTS = (
    "ok",
    "latency",
    "drop_before",
    "drop_after",
    "truncate",
    "reset",
    "blackhole",
    "slow",
    "duplicate",
    "delay",
)


def _read_request(conn: socket.socket) -> bytes | None:
    """One whole HTTP/1.1 request (head and Content-Length body), None at end of stream."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return head + b"\r\n\r\n" + rest[:length]


def _close_request(request: bytes) -> bytes:
    """The same request with ``Connection: close`` (the server then closes after answering)."""
    head, _, body = request.partition(b"\r\n\r\n")
    lines = [
        line
        for line in head.split(b"\r\n")
        if not line.lower().startswith((b"connection:", b"keep-alive:"))
    ]
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def request_line(request: bytes) -> str:
    return request.split(b"\r\n", 1)[0].decode("latin-1")


class FaultProxy:
    """A threaded TCP proxy on 127.0.0.1 that injects one fault per request.

    Args:
        upstream_port: the server's port on 127.0.0.1.
        seed: the random draw's seed (print it in the test).
        rates: fault name → probability for the random draw (the rest is ``ok``).
        applies_to: only requests whose request line this accepts get a fault.
    """

    def __init__(
        self,
        upstream_port: int,
        *,
        seed: int = 0,
        rates: dict[str, float] | None = None,
        applies_to: Callable[[str], bool] | None = None,
    ) -> None:
        self.upstream_port = upstream_port
        self.seed = seed
        self.rng = random.Random(seed)
        self.rates = dict(rates or {})
        self.applies_to = applies_to or (lambda _line: True)
        self.script: list[str] = []
        self.stats: Counter[str] = Counter()
        self.log: list[tuple[str, str]] = []
        self.latency_s = 0.05
        self.delay_s = 2.0
        self.slow_chunk = 64
        self.slow_gap_s = 0.002
        self.enabled = True
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port: int = self._sock.getsockname()[1]
        self._closing = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True, name="faultproxy")
        self._accepter.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closing.set()
        with contextlib.suppress(OSError):
            self._sock.close()
        self._accepter.join(2)
        for t in self._threads:
            t.join(self.delay_s + 2)

    # ------------------------------------------------------------------ choice
    def _choose(self, line: str) -> str:
        with self._lock:
            if not self.enabled or not self.applies_to(line):
                fault = "ok"
            elif self.script:
                fault = self.script.pop(0)
            else:
                draw = self.rng.random()
                fault = "ok"
                acc = 0.0
                for name in sorted(self.rates):
                    acc += self.rates[name]
                    if draw < acc:
                        fault = name
                        break
            self.stats[fault] += 1
            self.log.append((line, fault))
            return fault

    # ------------------------------------------------------------------ plumbing
    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads = [x for x in self._threads if x.is_alive()]
            self._threads.append(t)
            t.start()

    def _upstream(self, request: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60) as up:
            up.sendall(_close_request(request))
            chunks: list[bytes] = []
            while True:
                chunk = up.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks)

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                self._serve_requests(conn)
            except OSError:
                return

    def _serve_requests(self, conn: socket.socket) -> None:
        while not self._closing.is_set():
            request = _read_request(conn)
            if request is None:
                return
            fault = self._choose(request_line(request))
            if fault == "drop_before":
                return
            if fault == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if fault == "blackhole":
                conn.settimeout(None)
                while not self._closing.is_set():
                    try:
                        conn.settimeout(0.2)
                        if not conn.recv(1):
                            return
                    except TimeoutError:
                        continue
                return
            if fault == "delay":
                # the client gives up first; the request still lands later, racing the retry
                self._closing.wait(self.delay_s)
                with contextlib.suppress(OSError):
                    self._upstream(request)
                return
            if fault == "latency":
                time.sleep(self.latency_s)
            response = self._upstream(request)
            if fault == "duplicate":
                # the network delivers it again; the client still sees one answer (the first)
                self._upstream(request)
            if fault == "drop_after":
                return
            if fault == "truncate":
                conn.sendall(response[: len(response) // 2])
                return
            if fault == "slow":
                for i in range(0, len(response), self.slow_chunk):
                    conn.sendall(response[i : i + self.slow_chunk])
                    time.sleep(self.slow_gap_s)
                return
            conn.sendall(response)
            return  # the answer carries Connection: close
