"""The preamble shared by the `caisse` commands: open the till, check it, sign in, close.

Every command that works on the till's database opens it from the command line's options,
checks it (an initialised till; before a write, also the recent records and the anchor),
signs the operator in when it acts for one, and closes the till whatever happens. `opened`
and `signed_in` do this once for all the command modules (cli.py and the `*_cli.py` ones),
which import them from here rather than from cli.py, so that none of them imports cli.py.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from caisse.app.bootstrap import Till, open_till
from caisse.app.settings import Settings, default_data_dir, load_settings
from caisse.domain.errors import InvalidInput
from caisse.services.activation import record_fiscal_parameters
from caisse.services.errors import NotInitialised, TillBlocked
from caisse.services.jet import Jet
from caisse.services.operators import OperatorSession

PIN_ENV = "CAISSE_PIN"

Check = Literal["writes", "initialised"]
"""What is checked once the till is open: `writes` the integrity of the recent records
before a write (`_guard_writes`), `initialised` only that the till is activated."""


def _settings(args: argparse.Namespace) -> Settings:
    data = Path(args.data) if args.data else default_data_dir()
    return load_settings(data)


def _device_options(args: argparse.Namespace) -> dict[str, str]:
    """The device URLs given with --printer, --display, --scale, --scanner on this run."""
    from caisse.app.devices import ROLES, device_options

    return device_options({role: getattr(args, role, None) for role in ROLES})


def _device_settings(args: argparse.Namespace) -> Settings:
    """The settings, with the device options of the command line over the configuration."""
    from caisse.app.devices import override_settings

    return override_settings(_settings(args), _device_options(args))


def _open(args: argparse.Namespace, *, must_exist: bool = True) -> Till:
    from caisse.app.devices import printer_simulated

    options = _device_options(args)
    settings = _device_settings(args)
    if must_exist and not settings.db_path.exists():
        raise NotInitialised
    # note: `sim:` prints only when asked for on the command line (`--printer sim:`); the
    # configured default `sim:` stays silent, as before.
    return open_till(settings, simulators=printer_simulated(options))


def _require_initialised(till: Till) -> None:
    with till.context.uow() as uow:
        if uow.till.get() is None:
            raise NotInitialised


def _pin(args: argparse.Namespace, attr: str = "pin") -> str:
    pin = getattr(args, attr, None) or os.environ.get(PIN_ENV)
    if not pin:
        raise InvalidInput(
            f"Code PIN manquant : donnez --{attr.replace('_', '-')} ou la variable {PIN_ENV}.",
            f"Missing PIN: give --{attr.replace('_', '-')} or the {PIN_ENV} variable.",
        )
    return str(pin)


def _sign_in(till: Till, operator: str, pin: str) -> OperatorSession:
    return till.operators.authenticate(operator, pin)


def _guard_writes(till: Till) -> None:
    """Check the recent records and the anchor before any write from the command line."""
    _require_initialised(till)
    record_fiscal_parameters(till.context)
    anomalies = till.integrity.check_recent()
    if anomalies:
        first = anomalies[0]
        till.context.anchor_frozen = True  # keep the evidence (see IntegrityService.start)
        till.context.log_event(
            Jet.INTEGRITY_DEFECT,
            {
                "count": len(anomalies),
                "anomalies": [
                    {"gseq": a.gseq, "check": a.check, "expected": a.expected, "found": a.found}
                    for a in anomalies[:20]
                ],
            },
            related_gseq=first.gseq,
            clamp_clock=True,
        )
        raise TillBlocked(
            f"défaut d'intégrité du journal ({first.check}, gseq {first.gseq}).",
            f"journal integrity defect ({first.check}, gseq {first.gseq}).",
        )


def _check(till: Till, check: Check | None) -> None:
    if check == "writes":
        _guard_writes(till)
    elif check == "initialised":
        _require_initialised(till)


@contextmanager
def opened(args: argparse.Namespace, *, check: Check | None) -> Iterator[Till]:
    """The till of this run, checked as asked; closed on leaving, even on an error."""
    till = _open(args)
    try:
        _check(till, check)
        yield till
    finally:
        till.close()


@contextmanager
def signed_in(
    args: argparse.Namespace, *, check: Check | None, pin_attr: str = "pin"
) -> Iterator[tuple[Till, OperatorSession]]:
    """As `opened`, then `args.operator` signed in with the PIN of `--pin` (or `pin_attr`)."""
    with opened(args, check=check) as till:
        yield till, _sign_in(till, args.operator, _pin(args, pin_attr))
