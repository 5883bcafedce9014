"""The child of the crash test: opens a till and sells in a loop until it is killed.

Run as ``python -m tests.integration.crash_child DATA_DIR [--seed N] [--wait]`` on a data
directory made by ``make_till``. It opens the till the way the application does (migrations
check, start-up checks, sign-in), then prints ``READY <seconds>`` and, after every ``finalise``
that returned, one line ``SALE <ticket number> <gseq>``, flushed at once: those are the sales
it reports as committed. It never stops by itself; the parent kills it with SIGKILL.

With ``--wait`` it prints ``WAITING`` once its imports are done and opens the till only when a
line arrives on stdin, so that a parent can let it import while it still checks the database.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from caisse.app.bootstrap import open_till
from caisse.app.settings import Settings
from caisse.domain.sale import Payment, Tender

# Articles of tests/integration/conftest.py sold by the piece (sku, EAN, PLU), and by weight.
PIECES = ("BAG", "VIN", "SAN", "3760000000024", "1")
WEIGHED = "COMTE"


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.integration.crash_child")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--seed", type=int, default=0, help="seed of the sales' contents")
    parser.add_argument("--wait", action="store_true", help="wait for a line on stdin first")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    if args.wait:
        _say("WAITING")
        sys.stdin.readline()
    started = time.perf_counter()
    till = open_till(Settings(data_dir=args.data_dir))
    report = till.integrity.start(till.checkout)
    if report.blocked is not None or report.anomalies:
        sys.stderr.write(f"till blocked at start: {report.blocked} {report.anomalies}\n")
        return 3
    cashier = till.operators.authenticate("marie", "1234")
    _say(f"READY {time.perf_counter() - started:.3f}")
    checkout = till.checkout
    while True:
        sale = checkout.new_sale()
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.2:
                checkout.add_item(sale, WEIGHED, rng.randint(50, 1500))
            else:
                checkout.add_item(sale, rng.choice(PIECES))
        total = sale.totals.total_ttc_cents
        # the exact amount, or a round sum so that change is given back
        tendered = total if rng.random() < 0.5 else (total // 1000 + 1) * 1000
        sale.add_payment(Payment(Tender.CASH, tendered))
        result = checkout.finalise(cashier, sale)
        _say(f"SALE {result.number} {result.gseq}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
