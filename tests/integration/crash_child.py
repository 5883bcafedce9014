"""The child of the crash test: opens a till and sells in a loop until it is killed.

Run as ``python -m tests.integration.crash_child DATA_DIR [SEED]`` on a data directory made by
``make_till``. It opens the till the way the application does (migrations check, start-up
checks, sign-in), then prints ``READY`` and, after every ``finalise`` that returned, one line
``SALE <ticket number> <gseq>``, flushed at once: those are the sales it reports as committed.
It never stops by itself; the parent kills it with SIGKILL.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from caisse.app.bootstrap import open_till
from caisse.app.settings import Settings
from caisse.domain.sale import Payment, Tender

# Piece articles of tests/integration/conftest.py, and the one sold by weight.
PIECES = ("BAG", "VIN", "SAN", "3760000000024", "1")
WEIGHED = "COMTE"


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        sys.stderr.write("usage: python -m tests.integration.crash_child DATA_DIR [SEED]\n")
        return 2
    started = time.perf_counter()
    data_dir = Path(argv[0])
    rng = random.Random(int(argv[1]) if len(argv) == 2 else 0)
    till = open_till(Settings(data_dir=data_dir))
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
        # exact change or a round note, so that some sales give change back
        tendered = total if rng.random() < 0.5 else (total // 1000 + 1) * 1000
        sale.add_payment(Payment(Tender.CASH, tendered))
        result = checkout.finalise(cashier, sale)
        _say(f"SALE {result.number} {result.gseq}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
