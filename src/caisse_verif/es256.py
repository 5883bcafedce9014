"""ES256 (ECDSA P-256, SHA-256) signatures as FR1 stores them: raw R‖S, base64url, 86 characters.

Signing is deterministic (RFC 6979), so that signatures are reproducible in tests and do not
depend on a till's random generator. This is the only module of caisse_verif that imports
`cryptography`; the pure modules receive signature checking as a callable.

Throughput: one P-256 verification costs about 45 µs on one core, and the other checks of a
record (mostly decoding its body and checking it is canonical) about as much.
`ParallelSignatureChecker` therefore hands large batches to worker processes, which receive the
public JWKs (never key objects) and build their keys once, while the calling process goes on
with the other checks of the next records. With `submit_records` the workers also check that a
share of the bodies are canonical, so that the calling process only decodes those: the share
adapts, batch after batch, so that neither side waits for the other.
"""

from __future__ import annotations

import functools
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from types import TracebackType
from typing import Generic, Self, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from caisse_verif.canonical import canonical_problem
from caisse_verif.checks import RecordOutcome
from caisse_verif.errors import KeyFormatError
from caisse_verif.record import b64u, b64u_decode, jwk_thumbprint

__all__ = [
    "ParallelSignatureChecker",
    "generate_private_key",
    "jwk_thumbprint",
    "load_public_jwk",
    "make_batch_checker",
    "make_signature_checker",
    "public_jwk",
    "sign",
    "verify",
]

logger = logging.getLogger(__name__)

_CURVE = ec.SECP256R1()
_SIGN = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
_VERIFY = ec.ECDSA(hashes.SHA256())
_COORD = 32

PublicKeySource = ec.EllipticCurvePublicKey | Mapping[str, object]

_T = TypeVar("_T")
_SHARE_STEP = 0.05


def generate_private_key() -> ec.EllipticCurvePrivateKey:
    """Generate a new P-256 private key."""
    return ec.generate_private_key(_CURVE)


def sign(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> str:
    """Sign `data` with deterministic ECDSA P-256 / SHA-256.

    Returns:
        The raw R‖S signature (each left-padded to 32 bytes), base64url: 86 characters.
    """
    r, s = utils.decode_dss_signature(private_key.sign(data, _SIGN))
    return b64u(r.to_bytes(_COORD, "big") + s.to_bytes(_COORD, "big"))


def verify(public_key: ec.EllipticCurvePublicKey, data: bytes, sig_b64u: str) -> bool:
    """Return whether `sig_b64u` (raw R‖S, base64url) is a valid signature of `data`.

    Never raises: a signature of the wrong length, with garbage, or a non-canonical encoding of
    its bytes is simply invalid.
    """
    sig_value: object = sig_b64u  # callers may hand anything read from a file
    if not isinstance(sig_value, str) or len(sig_value) != 86:
        return False
    try:
        raw = b64u_decode(sig_b64u)
        r = int.from_bytes(raw[:_COORD], "big")
        s = int.from_bytes(raw[_COORD:], "big")
        public_key.verify(utils.encode_dss_signature(r, s), data, _VERIFY)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_jwk(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """Return the public JWK of a P-256 key: ``{"crv": "P-256", "kty": "EC", "x": .., "y": ..}``."""
    numbers = public_key.public_numbers()
    return {
        "crv": "P-256",
        "kty": "EC",
        "x": b64u(numbers.x.to_bytes(_COORD, "big")),
        "y": b64u(numbers.y.to_bytes(_COORD, "big")),
    }


def load_public_jwk(jwk: Mapping[str, object]) -> ec.EllipticCurvePublicKey:
    """Build a public key from a P-256 JWK.

    Raises:
        KeyFormatError: not a mapping, not ``kty`` EC and ``crv`` P-256, coordinates that are not
            32-byte base64url, or a point that is not on the curve.
    """
    if not isinstance(jwk, Mapping):
        raise KeyFormatError("a JWK is a JSON object")
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise KeyFormatError("the JWK is not an EC P-256 key")
    coords: list[int] = []
    for name in ("x", "y"):
        value = jwk.get(name)
        if not isinstance(value, str):
            raise KeyFormatError(f"JWK member {name!r} is missing")
        try:
            raw = b64u_decode(value)
        except ValueError as exc:
            raise KeyFormatError(f"JWK member {name!r} is not base64url") from exc
        if len(raw) != _COORD:
            raise KeyFormatError(f"JWK member {name!r} is not 32 bytes")
        coords.append(int.from_bytes(raw, "big"))
    try:
        return ec.EllipticCurvePublicNumbers(coords[0], coords[1], _CURVE).public_key()
    except ValueError as exc:
        raise KeyFormatError("the JWK point is not on the P-256 curve") from exc


def _as_key(source: PublicKeySource) -> ec.EllipticCurvePublicKey:
    if isinstance(source, ec.EllipticCurvePublicKey):
        return source
    return load_public_jwk(source)


def make_signature_checker(
    public_keys_by_kid: Mapping[str, PublicKeySource],
) -> Callable[[str, str], bool]:
    """Return ``check(core, sig) -> bool`` over the given keys.

    A signature is accepted when any of the keys verifies it (key rotation, JET 171, is not
    modelled yet: when it is, the verifier will pick the key by gseq range).

    Raises:
        KeyFormatError: a JWK is unusable.
    """
    keys = [_as_key(source) for source in public_keys_by_kid.values()]

    def check(core: str, sig: str) -> bool:
        data = core.encode("utf-8", "surrogatepass")
        return any(verify(key, data, sig) for key in keys)

    return check


# ------------------------------------------------------------------ batches and worker processes

_worker_check: Callable[[str, str], bool] | None = None


def _worker_init(jwks: list[dict[str, str]]) -> None:
    # note: one key set per worker process, built once from the JWKs it was handed
    global _worker_check
    _worker_check = make_signature_checker({str(i): jwk for i, jwk in enumerate(jwks)})


def _worker_run(pairs: Sequence[tuple[str, str]]) -> list[bool]:
    check = _worker_check
    if check is None:  # pragma: no cover - the initializer always ran
        raise RuntimeError("worker not initialised")
    return [check(core, sig) for core, sig in pairs]


def _check_records(
    check: Callable[[str, str], bool], items: Sequence[tuple[str, str, bytes | None]]
) -> list[RecordOutcome]:
    return [
        (check(core, sig), None if body is None else canonical_problem(body))
        for core, sig, body in items
    ]


def _worker_run_records(items: Sequence[tuple[str, str, bytes | None]]) -> list[RecordOutcome]:
    check = _worker_check
    if check is None:  # pragma: no cover - the initializer always ran
        raise RuntimeError("worker not initialised")
    return _check_records(check, items)


def _split(items: Sequence[_T], parts: int) -> list[list[_T]]:
    size = -(-len(items) // parts)
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


class _Done(Generic[_T]):
    """Results computed in the calling process."""

    def __init__(self, results: list[_T]) -> None:
        self._results = results

    def done(self) -> bool:
        return True

    def result(self) -> list[_T]:
        return self._results


class _Gathered(Generic[_T]):
    """Results of chunks computed by worker processes, in order.

    `on_result` learns, when the results are asked for, whether they were all ready.
    """

    def __init__(
        self, futures: list[Future[list[_T]]], on_result: Callable[[bool], None] | None = None
    ) -> None:
        self._futures = futures
        self.on_result = on_result

    def done(self) -> bool:
        return all(future.done() for future in self._futures)

    def result(self) -> list[_T]:
        if self.on_result is not None:
            self.on_result(self.done())
            self.on_result = None
        results: list[_T] = []
        for future in self._futures:
            results.extend(future.result())
        return results


class ParallelSignatureChecker:
    """Check batches of ``(core, sig)`` pairs, sharing large batches with worker processes.

    Calling it checks a batch and waits for the answer (the calling process takes a share).
    `submit` hands a batch to the workers and returns at once, so that the verifier checks the
    next records meanwhile (`caisse_verif.checks.verify_records` uses it when present).

    `submit_records` takes ``(core, sig, body)`` triples: the workers check the signatures and
    whether a share of the bodies are canonical. The share adapts: when the calling process asks
    for a batch's results and they are all ready, it was the slower side, so the next batch
    sends a larger share of bodies; when it has to wait, a smaller one.

    Use it as a context manager (or call `close`) to stop the workers. Batches shorter than
    `parallel_threshold`, or ``workers=0``, are checked in the calling process, and the pool
    is started only for the first large batch.
    """

    def __init__(
        self,
        jwks: Iterable[Mapping[str, object]],
        *,
        workers: int | None = None,
        parallel_threshold: int = 1000,
        canonical_share: float | None = None,
    ) -> None:
        """Build the checker.

        Args:
            jwks: the public JWKs whose signatures are accepted.
            workers: worker processes (default: one per CPU; 0 checks everything in the
                calling process).
            parallel_threshold: smallest batch shared with workers.
            canonical_share: the fixed share (0 to 1) of the bodies given to `submit_records`
                whose canonical form the checker checks; None adapts it with workers, and
                checks none in the calling process (where it would only add work).

        Raises:
            KeyFormatError: a JWK is unusable.
        """
        self._jwks = [public_jwk(load_public_jwk(jwk)) for jwk in jwks]
        self._check = make_signature_checker({str(i): j for i, j in enumerate(self._jwks)})
        # note: the calling process is busy with every other check; one worker per remaining
        # CPU keeps both sides fed without the three-way contention measured with one per CPU.
        self._workers = max(1, (os.cpu_count() or 2) - 1) if workers is None else max(0, workers)
        self._threshold = max(1, parallel_threshold)
        self._pool: Executor | None = None
        self._adaptive = canonical_share is None and self._workers > 0
        self._record_batches: deque[_Gathered[RecordOutcome]] = deque()
        if canonical_share is None:
            self._share = 0.5 if self._workers else 0.0
        else:
            self._share = min(1.0, max(0.0, canonical_share))

    @property
    def canonical_share(self) -> float:
        """The share of the bodies the next large `submit_records` batch checks."""
        return self._share

    def _adapt(self, batch: _Gathered[RecordOutcome], ready: bool) -> None:
        # note: a dead band keeps the workers one or two batches behind, which absorbs the
        # noise of a shared machine: a larger share only when even the next batch is ready,
        # a smaller one when the calling process has to wait
        if batch in self._record_batches:
            self._record_batches.remove(batch)
        if not self._adaptive:
            return
        if not ready:
            self._share = max(0.0, self._share - _SHARE_STEP)
        elif self._record_batches and self._record_batches[0].done():
            self._share = min(1.0, self._share + _SHARE_STEP)

    def _inline(self, pairs: Sequence[tuple[str, str]]) -> list[bool]:
        return [self._check(core, sig) for core, sig in pairs]

    def _chunks(self, pairs: Sequence[tuple[str, str]], parts: int) -> list[list[tuple[str, str]]]:
        return _split(pairs, parts)

    def _executor(self) -> Executor:
        if self._pool is None:
            logger.debug("starting %d signature worker(s)", self._workers)
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers, initializer=_worker_init, initargs=(self._jwks,)
            )
        return self._pool

    def __call__(self, pairs: Sequence[tuple[str, str]]) -> list[bool]:
        """Return one boolean per pair, in order."""
        if self._workers == 0 or len(pairs) < self._threshold:
            return self._inline(pairs)
        chunks = self._chunks(pairs, self._workers + 1)
        pool = self._executor()
        futures = [pool.submit(_worker_run, chunk) for chunk in chunks[1:]]
        first = self._inline(chunks[0])
        return first + _Gathered(futures).result()

    def submit(self, pairs: Sequence[tuple[str, str]]) -> _Done[bool] | _Gathered[bool]:
        """Start checking a batch; the returned object's ``result()`` gives the booleans."""
        if self._workers == 0 or len(pairs) < self._threshold:
            return _Done(self._inline(pairs))
        pool = self._executor()
        return _Gathered(
            [pool.submit(_worker_run, chunk) for chunk in self._chunks(pairs, self._workers)]
        )

    def submit_records(
        self, records: Sequence[tuple[str, str, bytes]]
    ) -> _Done[RecordOutcome] | _Gathered[RecordOutcome]:
        """Start checking ``(core, sig, body)`` triples: see `RecordOutcome` for the results."""
        inline = self._workers == 0 or len(records) < self._threshold
        share = 0.0 if inline and self._adaptive else self._share
        # note: the bodies checked are spread evenly over the batch (and so over the workers)
        items = [
            (core, sig, body if int((i + 1) * share) > int(i * share) else None)
            for i, (core, sig, body) in enumerate(records)
        ]
        if inline:
            return _Done(_check_records(self._check, items))
        pool = self._executor()
        batch: _Gathered[RecordOutcome] = _Gathered(
            [pool.submit(_worker_run_records, chunk) for chunk in _split(items, self._workers)]
        )
        batch.on_result = functools.partial(self._adapt, batch)
        self._record_batches.append(batch)
        return batch

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def make_batch_checker(
    jwk: Mapping[str, object],
    *,
    workers: int | None = None,
    parallel_threshold: int = 1000,
    canonical_share: float | None = None,
) -> ParallelSignatureChecker:
    """Return a batch checker for one public JWK (see `ParallelSignatureChecker`).

    Raises:
        KeyFormatError: the JWK is unusable.
    """
    return ParallelSignatureChecker(
        [jwk],
        workers=workers,
        parallel_threshold=parallel_threshold,
        canonical_share=canonical_share,
    )
