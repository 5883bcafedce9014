"""ES256 checks of pushed records, optionally in worker processes shared by every request.

One server process runs its Python under one lock (the GIL), so four tills pushing at once
share one core; with ``CAISSE_SERVER_SIG_WORKERS=N`` the P-256 verifications, the largest
single cost of an ingest, go to N worker processes instead. Workers receive public JWKs
(never key objects) and cache the keys they build. The checker plugs into
`caisse_verif.checks.verify_records` as a `SignatureSubmitter`, which overlaps the workers
with the other checks of the batch.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from caisse_verif import es256

logger = logging.getLogger(__name__)

WORKERS_ENV = "CAISSE_SERVER_SIG_WORKERS"
"""Number of signature worker processes (default 0: check in the server process)."""
_KEYS: dict[str, Any] = {}
_MIN_POOLED = 64
"""Smaller batches are checked inline: shipping them costs more than it saves."""


def _check(jwk_text: str, pairs: Sequence[tuple[str, str]]) -> list[bool]:
    key = _KEYS.get(jwk_text)
    if key is None:
        try:
            key = es256.load_public_jwk(json.loads(jwk_text))
        except ValueError:
            return [False] * len(pairs)
        if len(_KEYS) > 1000:
            _KEYS.clear()
        _KEYS[jwk_text] = key
    return [es256.verify(key, core.encode("utf-8", "surrogatepass"), sig) for core, sig in pairs]


class _Gathered:
    def __init__(self, futures: list[Future[list[bool]]]) -> None:
        self._futures = futures

    def result(self) -> list[bool]:
        results: list[bool] = []
        for future in self._futures:
            results.extend(future.result())
        return results


class _Done:
    def __init__(self, results: list[bool]) -> None:
        self._results = results

    def result(self) -> list[bool]:
        return self._results


class SignaturePool:
    """A lazily started pool of signature workers (none when `workers` is 0)."""

    def __init__(self, workers: int | None = None) -> None:
        if workers is None:
            value = os.environ.get(WORKERS_ENV, "0")
            workers = int(value) if value.isdigit() else 0
        # note: off by default: on the 2-CPU test machine, shared with other jobs, four tills
        # pushed 10,000 records at 1,015-1,749 records/s inline and 1,431-1,681 with one
        # worker (no clear gain); PostgreSQL deployments scale with `serve --workers N`
        self.workers = max(0, workers)
        self._pool: ProcessPoolExecutor | None = None

    def checker(self, jwk: Mapping[str, Any]) -> PooledChecker:
        """A batch checker for one journal key."""
        return PooledChecker(self, json.dumps(dict(jwk), sort_keys=True))

    def submit(self, jwk_text: str, pairs: Sequence[tuple[str, str]]) -> _Done | _Gathered:
        """Start checking `pairs`; inline when the pool is off or the batch is small."""
        if self.workers == 0 or len(pairs) < _MIN_POOLED:
            return _Done(_check(jwk_text, pairs))
        if self._pool is None:
            logger.info("starting %d signature worker(s)", self.workers)
            # note: spawn, not fork: a forked worker would inherit the server's listening
            # socket and both ends of its pipes, and outlive a server that is killed
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        size = -(-len(pairs) // self.workers)
        chunks = [list(pairs[i : i + size]) for i in range(0, len(pairs), size)]
        return _Gathered([self._pool.submit(_check, jwk_text, chunk) for chunk in chunks])

    def close(self) -> None:
        """Stop the workers, if started."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


class PooledChecker:
    """`SignatureSubmitter` for `verify_records`, over a `SignaturePool`."""

    def __init__(self, pool: SignaturePool, jwk_text: str) -> None:
        self._pool = pool
        self._jwk_text = jwk_text

    def __call__(self, pairs: Sequence[tuple[str, str]], /) -> list[bool]:
        """Check a batch and wait."""
        return self._pool.submit(self._jwk_text, pairs).result()

    def submit(self, pairs: Sequence[tuple[str, str]], /) -> _Done | _Gathered:
        """Start checking a batch."""
        return self._pool.submit(self._jwk_text, pairs)
