"""ES256 (ECDSA P-256, SHA-256) signatures as FR1 stores them: raw R‖S, base64url, 86 characters.

Signing is deterministic (RFC 6979), so that signatures are reproducible in tests and do not
depend on a till's random generator. This is the only module of caisse_verif that imports
`cryptography`; the pure modules receive signature checking as a callable.

Throughput: one P-256 verification costs about 70 µs on one core (about 14,000 per second), more
than everything else the verifier does per record. `ParallelSignatureChecker` therefore splits a
large batch between worker processes (one per CPU by default), which receive the public JWKs
(never key objects) and build their keys once, while the calling process goes on with the other
checks of the next records.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from types import TracebackType
from typing import Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

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


class _Done:
    """Results computed in the calling process."""

    def __init__(self, results: list[bool]) -> None:
        self._results = results

    def result(self) -> list[bool]:
        return self._results


class _Gathered:
    """Results of chunks computed by worker processes, in order."""

    def __init__(self, futures: list[Future[list[bool]]]) -> None:
        self._futures = futures

    def result(self) -> list[bool]:
        results: list[bool] = []
        for future in self._futures:
            results.extend(future.result())
        return results


class ParallelSignatureChecker:
    """Check batches of ``(core, sig)`` pairs, sharing large batches with worker processes.

    Calling it checks a batch and waits for the answer (the calling process takes a share).
    `submit` hands a batch to the workers and returns at once, so that the verifier checks the
    next records meanwhile (`caisse_verif.checks.verify_records` uses it when present).

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
    ) -> None:
        """Build the checker.

        Args:
            jwks: the public JWKs whose signatures are accepted.
            workers: worker processes (default: one per CPU; 0 checks everything in the
                calling process).
            parallel_threshold: smallest batch shared with workers.

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

    def _inline(self, pairs: Sequence[tuple[str, str]]) -> list[bool]:
        return [self._check(core, sig) for core, sig in pairs]

    def _chunks(self, pairs: Sequence[tuple[str, str]], parts: int) -> list[list[tuple[str, str]]]:
        size = -(-len(pairs) // parts)
        return [list(pairs[i : i + size]) for i in range(0, len(pairs), size)]

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

    def submit(self, pairs: Sequence[tuple[str, str]]) -> _Done | _Gathered:
        """Start checking a batch; the returned object's ``result()`` gives the booleans."""
        if self._workers == 0 or len(pairs) < self._threshold:
            return _Done(self._inline(pairs))
        pool = self._executor()
        return _Gathered(
            [pool.submit(_worker_run, chunk) for chunk in self._chunks(pairs, self._workers)]
        )

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
    jwk: Mapping[str, object], *, workers: int | None = None, parallel_threshold: int = 1000
) -> ParallelSignatureChecker:
    """Return a batch checker for one public JWK (see `ParallelSignatureChecker`).

    Raises:
        KeyFormatError: the JWK is unusable.
    """
    return ParallelSignatureChecker([jwk], workers=workers, parallel_threshold=parallel_threshold)
