"""`caisse stock adjust|receive|count|level` and `caisse customer add|update|list`.

cli.md names no stock or customer command; these follow its conventions: `--operator ID`
with the PIN from `--pin` or CAISSE_PIN, rights checked by the same services as the touch
screen, `--json` for one object on stdout, exit 0 done, 1 refused (a right, an unknown
article or customer), 2 unusable input (a negative or non-numeric quantity, a bad e-mail).
None of them writes to the fiscal journal except the operator's sign-in (JET).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from caisse.app.cli_session import opened, signed_in
from caisse.services.customers import CustomerService
from caisse.services.ports import CustomerRecord
from caisse.services.stock import REASON_LABELS, StockResult, StockService

PIN_ENV = "CAISSE_PIN"


def format_milli(qty_milli: int) -> str:
    """Thousandths as the till shows them: 3 pieces "3", 532 g "0,532", a loss "-2"."""
    sign = "-" if qty_milli < 0 else ""
    whole, milli = divmod(abs(qty_milli), 1000)
    if milli == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole},{milli:03d}".rstrip("0")


def _stock_command(
    args: argparse.Namespace, out: Any, act: Callable[[StockService, Any], StockResult]
) -> int:
    with signed_in(args, check="initialised") as (till, session):
        result = act(StockService(till.context), session)
    what = {
        "stock.adjust": "Ajustement",
        "stock.receipt": "Réception",
        "stock.count": "Inventaire",
    }[result.kind]
    lines = [
        f"{what} de {result.sku} : mouvement {format_milli(result.qty_milli)}, "
        f"stock affiché {format_milli(result.level_milli)}."
    ]
    if result.counted_milli is not None:
        lines.append(f"Compté : {format_milli(result.counted_milli)}.")
    lines.append(f"Événement {result.event_id} en attente d'envoi au serveur central.")
    out.result(result.as_json(), lines)
    return 0


def cmd_stock_adjust(args: argparse.Namespace, out: Any) -> int:
    return _stock_command(
        args, out, lambda s, who: s.adjust(who, args.item, args.qty, args.reason, args.comment)
    )


def cmd_stock_receive(args: argparse.Namespace, out: Any) -> int:
    return _stock_command(
        args, out, lambda s, who: s.receive(who, args.item, args.qty, args.reference)
    )


def cmd_stock_count(args: argparse.Namespace, out: Any) -> int:
    return _stock_command(args, out, lambda s, who: s.count(who, args.item, args.counted))


def cmd_stock_level(args: argparse.Namespace, out: Any) -> int:
    with opened(args, check="initialised") as till:
        service = StockService(till.context)
        level = service.level(args.item)
    out.result(
        {"item": args.item, "level_milli": level},
        [f"Stock affiché de {args.item} : {format_milli(level)}."],
    )
    return 0


def _customer_json(c: CustomerRecord) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "email": c.email,
        "phone": c.phone,
        "notes": c.notes,
        "marketing_optin": c.marketing_optin,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def _customer_line(c: CustomerRecord) -> str:
    contact = " ".join(x for x in (c.email, c.phone) if x)
    return f"{c.id}  {c.name}" + (f"  {contact}" if contact else "")


def cmd_customer_add(args: argparse.Namespace, out: Any) -> int:
    with signed_in(args, check="initialised") as (till, session):
        customer = CustomerService(till.context).add(
            session,
            args.name,
            email=args.email,
            phone=args.phone,
            notes=args.notes,
            marketing_optin=args.optin,
        )
    out.result(_customer_json(customer), [f"Client créé : {_customer_line(customer)}"])
    return 0


def cmd_customer_update(args: argparse.Namespace, out: Any) -> int:
    with signed_in(args, check="initialised") as (till, session):
        customer = CustomerService(till.context).update(
            session,
            args.id,
            name=args.name,
            email=args.email,
            phone=args.phone,
            notes=args.notes,
            marketing_optin=args.optin,
        )
    out.result(_customer_json(customer), [f"Client à jour : {_customer_line(customer)}"])
    return 0


def cmd_customer_list(args: argparse.Namespace, out: Any) -> int:
    with signed_in(args, check="initialised") as (till, session):
        customers = CustomerService(till.context).list(session, args.limit)
    out.result(
        {"customers": [_customer_json(c) for c in customers]},
        [_customer_line(c) for c in customers] or ["Aucun client."],
    )
    return 0


def _operator_options(p: argparse.ArgumentParser, right: str) -> None:
    p.add_argument("--operator", required=True, help=f"the acting operator ({right})")
    p.add_argument("--pin", help=f"operator PIN (or {PIN_ENV})")


def register_stock_commands(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Hook `stock ...` and `customer ...` into the `caisse` commands."""
    reasons = ", ".join(f"{r.value} ({fr})" for r, (fr, _) in REASON_LABELS.items())
    stock = sub.add_parser(
        "stock", help="stock entered by hand, goods receipts, inventory counts (not fiscal)"
    )
    ssub = stock.add_subparsers(dest="stock_command", required=True, metavar="ACTION")
    p = add(
        "adjust",
        cmd_stock_adjust,
        "enter or remove stock by hand with a reason (needs a manager or admin); initial and "
        "found add, the others remove",
        ssub,
    )
    _operator_options(p, "manager or admin")
    p.add_argument("--item", required=True, help="sku, EAN or PLU")
    p.add_argument("--qty", required=True, help="a positive quantity: pieces, or kg (0.532)")
    p.add_argument("--reason", required=True, help=f"one of: {reasons}")
    p.add_argument("--comment", default="", help="a free comment (200 characters at most)")
    p = add("receive", cmd_stock_receive, "goods received (needs a manager or admin)", ssub)
    _operator_options(p, "manager or admin")
    p.add_argument("--item", required=True, help="sku, EAN or PLU")
    p.add_argument("--qty", required=True, help="a positive quantity: pieces, or kg (0.532)")
    p.add_argument("--reference", default="", help="the delivery note's reference")
    p = add(
        "count",
        cmd_stock_count,
        "an inventory count: the quantity counted now (needs a manager or admin)",
        ssub,
    )
    _operator_options(p, "manager or admin")
    p.add_argument("--item", required=True, help="sku, EAN or PLU")
    p.add_argument("--counted", required=True, help="the quantity counted (0 allowed)")
    p = add(
        "level",
        cmd_stock_level,
        "the level the till shows: the server's last level plus this till's movements it "
        "has not acknowledged (the till's own ledger when it does not sync)",
        ssub,
    )
    p.add_argument("--item", required=True, help="sku, EAN or PLU")

    customer = sub.add_parser("customer", help="the customer file (personal data, not fiscal)")
    csub = customer.add_subparsers(dest="customer_command", required=True, metavar="ACTION")
    p = add("add", cmd_customer_add, "create a customer", csub)
    _operator_options(p, "any operator who may sell")
    p.add_argument("--name", required=True)
    p.add_argument("--email", help="e-mail address")
    p.add_argument("--phone", help="phone number")
    p.add_argument("--notes", default="", help="free notes (500 characters at most)")
    p.add_argument("--optin", action="store_true", help="the customer agrees to be contacted")
    p = add(
        "update",
        cmd_customer_update,
        "change the fields given of a customer (an empty --email or --phone clears it)",
        csub,
    )
    _operator_options(p, "any operator who may sell")
    p.add_argument("--id", required=True, help="the customer's id")
    p.add_argument("--name")
    p.add_argument("--email")
    p.add_argument("--phone")
    p.add_argument("--notes")
    p.add_argument(
        "--optin",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="consent to be contacted (--no-optin withdraws it)",
    )
    p = add("list", cmd_customer_list, "list customers by name", csub)
    _operator_options(p, "any operator who may sell")
    p.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
