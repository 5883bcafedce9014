"""Crash test (issue item 19): a till selling in a loop is killed with SIGKILL, 50 times.

After every kill the database must open with SQLite's integrity check ``ok``, the journal must
verify (chain, signatures, head anchor: the anchor may lag the database after a kill, never lead
it), every sale the child reported as committed must be in the journal and in the sales
projection exactly once, and the till must restart without anomaly (JET 230 records the unclean
stop) before it is stopped cleanly for the next child.

Where the kill lands is drawn from a seeded `random.Random`: after 1..30 reported sales, after
0..300 ms of selling, or during the child's start-up (migrations check, start-up checks,
sign-in). The seed is printed; ``CAISSE_CRASH_SEED=<seed>`` replays the same draws (the timing
of a real process stays real); ``CAISSE_CRASH_ROUNDS=<n>`` makes a longer soak run.

note: a child's start-up is mostly imports (~0.4 s of ~0.7 s). The next child is spawned as
soon as one is killed and imports while the parent checks the database; it opens the till only
when the parent tells it to (``--wait``), so no two processes ever use the till at once.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from caisse.app.bootstrap import open_till
from caisse.app.settings import Settings
from caisse.services.jet import Jet
from caisse_verif.checks import Report, verify_records
from caisse_verif.es256 import make_batch_checker
from caisse_verif.sources import check_projections, iter_sqlite_records, read_anchor
from tests.integration.conftest import make_till
from tests.journal_helpers import public_jwk, verify_data_dir

pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX"),
]

ROUNDS = int(os.environ.get("CAISSE_CRASH_ROUNDS") or 50)  # more for a soak run
MAX_SALES = 30  # "sales" rounds: killed right after the child reported 1..30 sales
MAX_DELAY_S = 0.300  # "delay" rounds: killed 0..300 ms after the child is ready to sell
STARTUP_SHARE = 0.15  # "startup" rounds: killed while the child opens the till
TIMEOUT_S = 60.0  # a child that is not ready (or stalls) this long fails the test
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Round:
    """How one child is to die, and what it reported on its stdout before it did."""

    number: int
    mode: str  # "sales", "delay" or "startup"
    target: float  # sales to see, or seconds after READY ("delay") or after GO ("startup")
    ready_after: float | None = None  # seconds from GO to READY, if it got there
    sales: list[tuple[str, int]] = field(default_factory=list)  # (ticket number, gseq)
    partial: str = ""

    def describe(self, seed: int) -> str:
        return (
            f"seed {seed}, round {self.number} ({self.mode} {self.target:g}): "
            f"{len(self.sales)} sales reported, ready after {self.ready_after}"
        )


def _draw_round(number: int, rng: random.Random, startup_s: float | None) -> Round:
    """Where this round's kill lands; the first round also measures the child's start-up."""
    if startup_s is None:
        return Round(number, "sales", rng.randint(1, MAX_SALES))
    pick = rng.random()
    if pick < STARTUP_SHARE:
        return Round(number, "startup", round(rng.uniform(0.0, 1.05) * startup_s, 4))
    if pick < STARTUP_SHARE + (1 - STARTUP_SHARE) / 2:
        return Round(number, "sales", rng.randint(1, MAX_SALES))
    return Round(number, "delay", round(rng.uniform(0.0, MAX_DELAY_S), 4))


class Child:
    """One `crash_child` process: spawned early, told to go, killed, reaped."""

    def __init__(self, data_dir: Path, seed: int, stderr: IO[str]) -> None:
        self.spawned = time.perf_counter()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.crash_child",
                str(data_dir),
                f"--seed={seed}",
                "--wait",
            ],
            cwd=REPO_ROOT,
            env=dict(os.environ, CAISSE_NO_KEYRING="1"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            encoding="utf-8",
        )
        self.stderr = stderr
        self.imported_after: float | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        assert self.proc.stdout is not None
        self._reader = threading.Thread(target=self._pump, args=(self.proc.stdout,), daemon=True)
        self._reader.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in iter(stream.readline, ""):
            self._lines.put(line)
        self._lines.put(None)

    def _next(self, deadline: float) -> str | None:
        """The next line, None at end of file; raises queue.Empty at the deadline."""
        return self._lines.get(timeout=max(0.0, deadline - time.perf_counter()))

    def go(self) -> float:
        """Wait for the end of its imports, let it open the till; returns the GO time."""
        try:
            line = self._next(self.spawned + TIMEOUT_S)
        except queue.Empty:
            line = None
        if line != "WAITING\n":
            self.kill()
            raise AssertionError(f"child did not start: {line!r}\n{self.error_text()}")
        self.imported_after = time.perf_counter() - self.spawned
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.close()
        return time.perf_counter()

    def run(self, rnd: Round) -> int:
        """Read its reports until the round's kill is due, kill it, collect every report."""
        started = self.go()
        deadline = started + (rnd.target if rnd.mode == "startup" else TIMEOUT_S)
        eof = False
        while True:
            if rnd.mode == "delay" and rnd.ready_after is not None:
                deadline = started + rnd.ready_after + rnd.target
            try:
                line = self._next(deadline)
            except queue.Empty:
                break
            if line is None:
                eof = True
                break
            self._parse(rnd, line, started)
            if rnd.mode == "sales" and len(rnd.sales) >= rnd.target:
                break
        if not eof:
            self.proc.send_signal(signal.SIGKILL)
        returncode = self.kill()
        # what it wrote before it died was reported too
        while (line := self._lines.get(timeout=10)) is not None:
            self._parse(rnd, line, started)
        return returncode

    @staticmethod
    def _parse(rnd: Round, line: str, started: float) -> None:
        if not line.endswith("\n"):
            rnd.partial = line  # one write() to a pipe is atomic: this must never happen
            return
        word, *rest = line.split()
        if word == "READY":
            rnd.ready_after = time.perf_counter() - started
        elif word == "SALE":
            rnd.sales.append((rest[0], int(rest[1])))
        else:
            raise AssertionError(f"unexpected line from the child: {line!r}")

    def kill(self) -> int:
        """SIGKILL it if it still runs, reap it, close the pipes; its return code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        returncode = self.proc.wait()
        self._reader.join(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None and not stream.closed:
                stream.close()
        return returncode

    def error_text(self) -> str:
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read()


@dataclass(frozen=True)
class JournalFacts:
    """What the checks read straight from the file (json_extract keeps it fast)."""

    head_gseq: int
    tickets: list[tuple[int, str]]  # T records: gseq and the ticket number of the body
    sales: dict[str, int]  # the sales projection: ticket number -> gseq
    jets: list[int]  # codes of the J records after a given gseq, in order


def _journal_facts(db: Path, jets_after: int = 0) -> JournalFacts:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        (head_gseq,) = conn.execute("SELECT MAX(gseq) FROM journal").fetchone()
        tickets = [
            (int(gseq), str(no))
            for gseq, no in conn.execute(
                "SELECT gseq, json_extract(CAST(body AS TEXT), '$.ticket_no') FROM journal"
                " WHERE kind = 'T' ORDER BY gseq"
            )
        ]
        sales = {
            str(no): int(gseq)
            for no, gseq in conn.execute("SELECT ticket_no, gseq FROM sales WHERE kind = 'T'")
        }
        jets = [
            int(code)
            for (code,) in conn.execute(
                "SELECT json_extract(CAST(body AS TEXT), '$.code') FROM journal"
                " WHERE kind = 'J' AND gseq > ? ORDER BY gseq",
                (jets_after,),
            )
        ]
    finally:
        conn.close()
    return JournalFacts(int(head_gseq), tickets, sales, jets)


def _integrity_check(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


class CachedSignatures:
    """The batch checker of `verify_data_dir`, remembering the pairs it has already checked.

    note: the journal only grows, so every round would check every signature again (0.2 ms
    each, thousands of records, 50 rounds). A (core, sig) pair has the same answer every time;
    the chain, the bodies and the anchor are still verified in full after every kill, and
    `verify_data_dir` itself runs at the end.
    """

    def __init__(self, data_dir: Path) -> None:
        self._check = make_batch_checker(public_jwk(data_dir), workers=0)
        self._known: dict[tuple[str, str], bool] = {}

    def __call__(self, pairs: Sequence[tuple[str, str]]) -> list[bool]:
        todo = [pair for pair in pairs if pair not in self._known]
        if todo:
            self._known.update(zip(todo, self._check(todo), strict=True))
        return [self._known[pair] for pair in pairs]


def _verify(data_dir: Path, signatures: CachedSignatures) -> Report:
    """`verify_data_dir`, with the signatures already checked in earlier rounds skipped."""
    return verify_records(
        iter_sqlite_records(data_dir / "caisse.sqlite"),
        check_signatures=signatures,
        anchor=read_anchor(data_dir / "head.anchor"),
    )


def test_sigkill_while_selling_loses_and_corrupts_nothing(tmp_path: Path) -> None:
    seed = int(os.environ.get("CAISSE_CRASH_SEED") or random.SystemRandom().randrange(2**32))
    sys.stdout.write(f"crash test seed: {seed} (replay with CAISSE_CRASH_SEED={seed})\n")
    rng = random.Random(seed)
    data_dir = tmp_path / "data"
    db = data_dir / "caisse.sqlite"
    make_till(data_dir).till.close()

    reported: dict[str, int] = {}  # every sale any child reported: ticket number -> gseq
    head_before = _journal_facts(db).head_gseq
    signatures = CachedSignatures(data_dir)
    imports: list[float] = []
    startups: list[float] = []
    timings = dict.fromkeys(("child", "checks", "restart"), 0.0)
    modes: Counter[str] = Counter()
    max_lag = 0
    unreported = 0
    started = time.perf_counter()
    stderr_files = [(tmp_path / f"child{i}.stderr").open("w+", encoding="utf-8") for i in (0, 1)]
    child = Child(data_dir, rng.randrange(2**32), stderr_files[0])
    following: Child | None = None
    try:
        for number in range(ROUNDS):
            rnd = _draw_round(number, rng, statistics.median(startups) if startups else None)
            modes[rnd.mode] += 1
            t0 = time.perf_counter()
            returncode = child.run(rnd)
            timings["child"] += time.perf_counter() - t0
            where = rnd.describe(seed)
            child_err = child.error_text()
            assert returncode == -signal.SIGKILL, f"{where}: child ended by itself:\n{child_err}"
            assert not rnd.partial, f"{where}: half a line reported: {rnd.partial!r}"
            if rnd.mode != "startup":
                assert rnd.ready_after is not None, f"{where}: child not ready:\n{child_err}"
            if rnd.mode == "sales":
                assert len(rnd.sales) >= rnd.target, f"{where}: child stalled:\n{child_err}"
            if rnd.ready_after is not None:
                startups.append(rnd.ready_after)
            if child.imported_after is not None:
                imports.append(child.imported_after)
            if number + 1 < ROUNDS:  # it imports while this round is checked
                stderr = stderr_files[(number + 1) % 2]
                stderr.seek(0)
                stderr.truncate()
                following = Child(data_dir, rng.randrange(2**32), stderr)

            t0 = time.perf_counter()
            # 1. SQLite's own check, on a plain connection (which also recovers the WAL).
            assert _integrity_check(db) == "ok", where
            # 2. The journal: chain, signatures, head anchor (which may lag, never lead).
            report = _verify(data_dir, signatures)
            assert report.ok, f"{where}: {report.anomalies}"
            facts = _journal_facts(db, jets_after=head_before)
            anchor = read_anchor(data_dir / "head.anchor")
            lag = facts.head_gseq - anchor.gseq
            assert lag >= 0, f"{where}: anchor at {anchor.gseq}, ahead of head {facts.head_gseq}"
            # the anchor is written right after the commit: a kill in between leaves one record
            assert lag <= 1, f"{where}: the anchor lags the head by {lag} records"
            max_lag = max(max_lag, lag)
            # 3. Every reported sale is there exactly once, at the gseq the child was told.
            counts = Counter(no for _, no in facts.tickets)
            twice = [no for no, n in counts.items() if n > 1]
            assert not twice, f"{where}: ticket numbers twice in the journal: {twice}"
            by_number = {no: gseq for gseq, no in facts.tickets}
            for no, gseq in rnd.sales:
                assert no not in reported, f"{where}: ticket {no} reported by two children"
                reported[no] = gseq
            for no, gseq in reported.items():
                assert by_number.get(no) == gseq, f"{where}: reported {no}@{gseq} not in journal"
                assert facts.sales.get(no) == gseq, f"{where}: reported {no}@{gseq} not in sales"
            # The round's T records: the reported ones in order, then at most one committed
            # sale whose report the kill cut off.
            new = [(no, gseq) for gseq, no in facts.tickets if gseq > head_before]
            assert new[: len(rnd.sales)] == rnd.sales, f"{where}: {new[:3]} vs {rnd.sales[:3]}"
            assert len(new) - len(rnd.sales) in (0, 1), f"{where}: {len(new)} T records new"
            unreported += len(new) - len(rnd.sales)
            # 4. The projections match the journal.
            projections = check_projections(db)
            assert projections == [], f"{where}: {projections}"
            timings["checks"] += time.perf_counter() - t0

            # 5. The till restarts: no anomaly, not blocked; the unclean stop is JET 230.
            t0 = time.perf_counter()
            till = open_till(Settings(data_dir=data_dir))
            try:
                start = till.integrity.start(till.checkout)
                assert start.anomalies == [], f"{where}: {start.anomalies}"
                assert start.blocked is None, f"{where}: {start.blocked}"
                assert till.checkout.blocked is None, where
                assert not start.clock_went_back, where
                if rnd.ready_after is not None:
                    assert start.unclean_stop, f"{where}: the kill went unnoticed"
                # a clean stop, so that the next unclean stop is the next child's own
                till.integrity.stop()
            finally:
                till.close()
            facts = _journal_facts(db, jets_after=facts.head_gseq)
            jets = facts.jets  # what the restart wrote
            assert jets[-2:] == [Jet.APP_START, Jet.APP_STOP], f"{where}: {jets}"
            assert (Jet.CRASH_RECOVERY in jets) == start.unclean_stop, f"{where}: {jets}"
            assert Jet.INTEGRITY_DEFECT not in jets, f"{where}: {jets}"
            assert Jet.CLOCK_ANOMALY not in jets, f"{where}: {jets}"
            head_before = facts.head_gseq
            timings["restart"] += time.perf_counter() - t0
            if following is not None:
                child, following = following, None
    finally:
        for left in (child, following):
            if left is not None:
                left.kill()
        for handle in stderr_files:
            handle.close()

    report = verify_data_dir(data_dir)
    assert report.ok, f"seed {seed}: {report.anomalies}"
    sys.stdout.write(
        f"crash test seed {seed}: {ROUNDS} kills in {time.perf_counter() - started:.1f} s "
        f"({dict(modes)}); {len(reported)} sales reported, {unreported} more committed but "
        f"not reported, anchor lag at most {max_lag}; child imports median "
        f"{statistics.median(imports):.3f} s, GO to READY median "
        f"{statistics.median(startups):.3f} s; "
        + ", ".join(f"{name} {spent:.1f} s" for name, spent in timings.items())
        + "\n"
    )
