"""The `caisse` command line (cli.md): argument parsing, output and exit codes.

Exit codes: 0 success; 1 the command ran and found a problem or refused the operation; 2
unusable input. Every non-zero exit prints one clear sentence on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from caisse.app.bench_devices import register_devices_bench
from caisse.app.bench_ui import register_ui_bench
from caisse.app.bootstrap import KeyStoreGenerator, configure_logging, open_till
from caisse.app.cli_session import (
    PIN_ENV,
    _device_options,
    _device_settings,
    _guard_writes,
    _pin,
    _settings,
    _sign_in,
    opened,
    signed_in,
)
from caisse.app.purge_cli import register_archive_commands
from caisse.app.reports_cli import (
    add_pdf_option,
    emit_closures,
    emit_x,
    pdf_lines,
    register_report_commands,
)
from caisse.app.settings import default_data_dir
from caisse.app.stock_cli import register_stock_commands
from caisse.app.sync_cli import register_sync_commands
from caisse.domain.cash import CASH, CashCount, CashOp, parse_count_item, parse_whole
from caisse.domain.errors import (
    CaisseError,
    InvalidInput,
    UserFacingError,
)
from caisse.domain.money import format_eur
from caisse.domain.sale import Payment, Tender
from caisse.domain.vat import format_rate
from caisse.services.activation import ActivationRequest, activate
from caisse.services.cash import CashResult
from caisse.services.checkout import TicketResult
from caisse.services.errors import NotInitialised
from caisse.services.operators import Right, Role, require

logger = logging.getLogger(__name__)

_DAY_STATES_FR = {
    "not_started": "pas encore commencée",
    "open": "ouverte",
    "warning": "ouverte, bientôt à sa durée maximale",
    "expired": "durée maximale dépassée : encaissements bloqués",
    "closed": "clôturée",
}


class Output:
    """Writes results to stdout (text or one JSON object) and messages to stderr."""

    def __init__(self, as_json: bool, lang: str) -> None:
        self.as_json = as_json
        self.lang = lang

    def text(self, line: str) -> None:
        if not self.as_json:
            sys.stdout.write(line + "\n")

    def result(self, data: dict[str, Any], lines: Sequence[str]) -> None:
        if self.as_json:
            sys.stdout.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
        else:
            for line in lines:
                sys.stdout.write(line + "\n")

    def error(self, fr: str, en: str) -> None:
        sys.stderr.write((en if self.lang == "en" else fr) + "\n")


# ---------------------------------------------------------------------------- helpers


def _ticket_output(args: argparse.Namespace, chosen: str | None) -> str:
    """What was asked, else paper with a printer given on the command line, else none."""
    if chosen is not None:
        return chosen
    return "paper" if getattr(args, "printer", None) else "none"


def _warn_not_printed(out: Output, result: TicketResult) -> None:
    """The record stands even when its ticket did not print: exit 0 and one warning line."""
    if result.print_error:
        out.error(
            f"Attention : {result.number} est enregistré mais son ticket n'est pas imprimé "
            f"({result.print_error.rstrip('.')}).",
            f"Warning: {result.number} is recorded but its ticket did not print "
            f"({result.print_error.rstrip('.')}).",
        )


def parse_item(text: str) -> tuple[str, str | None]:
    """`CODE[xQTY]`: the code, and the quantity text if any (x0.532 for 532 g)."""
    code, sep, qty = text.rpartition("x")
    if sep and code and qty and all(c.isdigit() or c in ".," for c in qty):
        return code, qty
    return text, None


def parse_pay(text: str) -> Payment:
    """`METHOD:CENTS`, e.g. CASH:2000 or card:1250."""
    method, sep, cents = text.partition(":")
    try:
        tender = Tender(method.strip().upper())
    except ValueError:
        names = ", ".join(t.value for t in Tender)
        raise InvalidInput(
            f"Moyen de paiement inconnu : {method!r} (attendu : {names}).",
            f"Unknown tender: {method!r} (expected: {names}).",
        ) from None
    if not sep or not cents.strip().lstrip("-").isdigit():
        raise InvalidInput(
            f"Montant invalide dans {text!r} : écrivez METHODE:CENTIMES, par ex. CASH:2000.",
            f"Invalid amount in {text!r}: write METHOD:CENTS, e.g. CASH:2000.",
        )
    return Payment(tender, int(cents))


def _ticket_lines(result: TicketResult) -> list[str]:
    lines = [
        f"Ticket {result.number}  Seq {result.gseq}  Sig {result.extract}",
        f"Total : {format_eur(result.total_ttc_cents)}",
    ]
    if result.change_cents:
        lines.append(f"Rendu : {format_eur(result.change_cents)}")
    if result.print_error:
        lines.append(f"Impression échouée : {result.print_error} (réimprimez en DUPLICATA)")
    return lines


# ---------------------------------------------------------------------------- commands


def cmd_init(args: argparse.Namespace, out: Output) -> int:
    settings = _settings(args)
    till = open_till(settings)
    try:
        identity = activate(
            till.context,
            KeyStoreGenerator(till.keys),
            ActivationRequest(
                company=args.company,
                siren=args.siren,
                siret=args.siret,
                vat_id=args.vat_id,
                address=args.address,
                till_id=args.till,
                store_id=args.store,
                admin_pin=args.admin_pin,
            ),
            activated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
    finally:
        till.close()
    out.result(
        {"till": identity.till_id, "kid": identity.kid, "data": str(settings.data_dir)},
        [
            f"Caisse {identity.till_id} activée pour {identity.company_name}.",
            f"Clé : {identity.kid}",
            f"Données : {settings.data_dir}",
        ],
    )
    return 0


def cmd_user_add(args: argparse.Namespace, out: Output) -> int:
    with signed_in(args, check=None, pin_attr="operator_pin") as (till, admin):
        till.operators.add(admin, args.id, args.name, Role(args.role), args.pin)
    out.result({"id": args.id, "role": args.role}, [f"Opérateur {args.id} ({args.role}) créé."])
    return 0


def cmd_user_list(args: argparse.Namespace, out: Output) -> int:
    with signed_in(args, check=None, pin_attr="operator_pin") as (till, admin):
        require(admin, Right.MANAGE_USERS)
        users = till.operators.list()
    out.result(
        {
            "operators": [
                {"id": u.id, "name": u.name, "role": u.role, "active": u.active} for u in users
            ]
        },
        [f"{u.id:<16} {u.role:<8} {u.name}" for u in users],
    )
    return 0


def cmd_catalog_import(args: argparse.Namespace, out: Output) -> int:
    from caisse.app.catalog_csv import read_catalog_csv

    with opened(args, check="initialised") as till:
        products = read_catalog_csv(Path(args.file))
        with till.context.uow() as uow:
            count = uow.catalog.upsert_many(products)
            uow.commit()
    out.result({"imported": count}, [f"{count} article(s) importé(s)."])
    return 0


def cmd_sell(args: argparse.Namespace, out: Output) -> int:
    from caisse.domain.money import parse_quantity

    with signed_in(args, check="writes") as (till, session):
        sale = till.checkout.new_sale()
        for item in args.item:
            code, qty_text = parse_item(item)
            product = till.checkout.find_product(code)
            qty = None if qty_text is None else parse_quantity(qty_text, product.unit)
            till.checkout.add_item(sale, code, qty)
        for pay in args.pay:
            sale.add_payment(parse_pay(pay))
        result = till.checkout.finalise(session, sale, printed=_ticket_output(args, args.ticket))
    out.result(result.as_json(), _ticket_lines(result))
    _warn_not_printed(out, result)
    return 0


def _parse_refund_line(text: str) -> tuple[int, int | None]:
    n_text, _, qty_text = text.partition("x")
    if not n_text.isdigit():
        raise InvalidInput(
            f"Ligne invalide : {text!r} (attendu N ou NxQTE).",
            f"Invalid line: {text!r} (expected N or NxQTY).",
        )
    if not qty_text:
        return int(n_text), None
    from caisse.domain.catalog import Unit
    from caisse.domain.money import parse_quantity

    return int(n_text), parse_quantity(
        qty_text, Unit.KG if "." in qty_text or "," in qty_text else Unit.PIECE
    )


def cmd_refund(args: argparse.Namespace, out: Output) -> int:
    with signed_in(args, check="writes") as (till, session):
        approver = None
        if args.approver:
            approver = _sign_in(till, args.approver, _pin(args, "approver_pin"))
        lines = [_parse_refund_line(li) for li in args.line] if args.line else None
        payments = [parse_pay(p) for p in args.pay]
        result = till.checkout.refund(
            session,
            args.ticket,
            lines,
            payments,
            approver=approver,
            cancel=args.cancel,
            reason=args.reason or "",
            printed=_ticket_output(args, args.ticket_output),
        )
    out.result(result.as_json(), _ticket_lines(result))
    _warn_not_printed(out, result)
    return 0


def cmd_reprint(args: argparse.Namespace, out: Output) -> int:
    with signed_in(args, check="writes") as (till, session):
        result = till.checkout.reprint(session, args.ticket, reason=args.reason or "")
    out.result(
        result.as_json(),
        [f"DUPLICATA de {args.ticket} : {result.number}  Seq {result.gseq}  Sig {result.extract}"],
    )
    _warn_not_printed(out, result)
    return 0


# ---------------------------------------------------------------------------- cash and closures


def _cash_count(args: argparse.Namespace) -> CashCount:
    """The cash counted: `--count 20e:3 ...` by denomination, or `--amount CENTS`."""
    if args.count and args.amount is not None:
        raise InvalidInput(
            "Donnez soit le détail des coupures (--count), soit un montant (--amount).",
            "Give either the denominations (--count) or an amount (--amount), not both.",
        )
    if args.count:
        return CashCount.of_pieces(parse_count_item(item) for item in args.count)
    if args.amount is not None:
        cents = parse_whole(args.amount, "Montant", "amount", limit=99_999_999_999)
        return CashCount.of_amount(cents)
    raise InvalidInput(
        "Comptez les espèces : --count COUPURE:NOMBRE (par ex. 20e:3) ou --amount CENTIMES.",
        "Count the cash: --count DENOMINATION:NUMBER (e.g. 20e:3) or --amount CENTS.",
    )


def _tender_counts(items: Sequence[str] | None) -> dict[str, int]:
    counted: dict[str, int] = {}
    for item in items or ():
        method, sep, cents = item.partition(":")
        try:
            tender = Tender(method.strip().upper())
        except ValueError:
            tender = None
        if not sep or tender is None or tender.value == CASH:
            names = ", ".join(t.value for t in Tender if t.value != CASH)
            raise InvalidInput(
                f"Moyen compté invalide : {item!r} (METHODE:CENTIMES avec {names} ; les "
                "espèces se comptent avec --count ou --amount).",
                f"Invalid counted tender: {item!r} (METHOD:CENTS with {names}; cash is counted "
                "with --count or --amount).",
            )
        counted[tender.value] = counted.get(tender.value, 0) + parse_whole(
            cents, "Montant compté", "counted amount", limit=99_999_999_999
        )
    return counted


def _cash_lines(result: CashResult) -> list[str]:
    details = result.details
    lines = [f"{result.op} {result.number}  Seq {result.gseq}  Sig {result.extract}"]
    if result.amount_cents:
        lines.append(f"Montant : {format_eur(result.amount_cents)}")
    if "count" in details:
        lines.append(f"Compté en espèces : {format_eur(details['count']['cash_cents'])}")
    difference = details.get("opening_difference_cents")
    if difference is not None:
        lines.append(f"Écart avec la dernière clôture de caisse : {format_eur(difference)}")
    for tender in details.get("tenders", ()):
        counted = tender["counted_cents"]
        shown = "non compté"
        if counted is not None:
            gap = format_eur(tender["difference_cents"])
            shown = f"compté {format_eur(counted):>14}  écart {gap}"
        lines.append(
            f"{tender['method']:<13} attendu {format_eur(tender['expected_cents']):>14}  {shown}"
        )
    if result.drawer_error:
        lines.append(f"Le tiroir ne s'est pas ouvert : {result.drawer_error}")
    return lines


def cmd_cash_open(args: argparse.Namespace, out: Output) -> int:
    count = _cash_count(args)
    with signed_in(args, check="writes") as (till, session):
        result = till.cash.open_session(session, count, note=args.note or "")
    out.result(result.as_json(), _cash_lines(result))
    return 0


def _cash_movement(args: argparse.Namespace, out: Output, op: CashOp) -> int:
    cents = parse_whole(args.amount, "Montant", "amount", limit=99_999_999_999)
    with signed_in(args, check="writes") as (till, session):
        approver = None
        if args.approver:
            approver = _sign_in(till, args.approver, _pin(args, "approver_pin"))
        result = till.cash.movement(session, op, cents, args.reason or "", approver)
    out.result(result.as_json(), _cash_lines(result))
    return 0


def cmd_cash_in(args: argparse.Namespace, out: Output) -> int:
    return _cash_movement(args, out, CashOp.CASH_IN)


def cmd_cash_out(args: argparse.Namespace, out: Output) -> int:
    op = {"safe": CashOp.SAFE_DROP, "bank": CashOp.BANK_DEPOSIT}.get(args.to, CashOp.CASH_OUT)
    return _cash_movement(args, out, op)


def cmd_cash_count(args: argparse.Namespace, out: Output) -> int:
    count = _cash_count(args)
    others = _tender_counts(args.tender)
    with signed_in(args, check="writes") as (till, session):
        result = till.cash.count(session, count, others, args.justification)
    out.result(result.as_json(), _cash_lines(result))
    return 0


def _totals_lines(report: dict[str, Any]) -> list[str]:
    net = report["totals"]["net"]
    lines = [
        f"Tickets : {report['counts']['tickets']['SALE']} vente(s), "
        f"{report['counts']['tickets']['REFUND']} remboursement(s), "
        f"{report['counts']['tickets']['CANCEL']} annulation(s)",
        f"CA TTC net : {format_eur(net['ttc'])}  (HT {format_eur(net['ht'])}, "
        f"TVA {format_eur(net['tva'])})",
    ]
    for vat in report["vat"]:
        lines.append(
            f"  TVA {format_rate(vat['rate_bp'])[:-2]} % : TTC {format_eur(vat['net']['ttc'])} "
            f"(ventes {format_eur(vat['sales']['ttc'])}, retours "
            f"{format_eur(vat['returns']['ttc'])})"
        )
    for pay in report["payments"]:
        lines.append(f"  {pay['method']:<13} {format_eur(pay['amount_cents'])}")
    training = report["training"]
    if training["count"]:
        lines.append(
            f"Mode école (hors GT) : {training['count']} ticket(s), "
            f"{format_eur(training['amount_cents'])}"
        )
    gt = report["gt"]
    lines.append(
        f"GT période {format_eur(gt['period'])}  GT perpétuel {format_eur(gt['perpetual'])}  "
        f"GT perpétuel absolu {format_eur(gt['perpetual_abs'])}"
    )
    return lines


def cmd_report_x(args: argparse.Namespace, out: Output) -> int:
    with opened(args, check="initialised") as till:
        report = emit_x(args, till, out.lang)
    day = report["day"]
    lines = [
        f"Rapport X (sans clôture) — caisse {report['till']} — {report['generated_at']}",
        f"Journée du {report['business_date']} : "
        f"{_DAY_STATES_FR.get(day['state'], day['state'])}"
        + (" (une clôture est en attente)" if day["closure_due"] else ""),
        *_totals_lines(report),
    ]
    cash = report["cash_session"]
    if cash is not None:
        lines.append(f"Espèces attendues en caisse : {format_eur(cash['expected_cash_cents'])}")
    out.result(report, lines + pdf_lines(args))
    return 0


def cmd_close(args: argparse.Namespace, out: Output) -> int:
    with opened(args, check="writes") as till:
        if args.close_command == "pending":
            results = till.closures.ensure_closed_up_to(till.context.clock.now())
        else:
            session = _sign_in(till, args.operator, _pin(args))
            close = {
                "day": till.closures.close_day,
                "month": till.closures.close_month,
                "year": till.closures.close_year,
            }[args.close_command]
            results = close(session)
        bodies = [till.closures.closure_body(r.gseq) for r in results]
        emit_closures(args, till, [r.gseq for r in results], out.lang)
    lines: list[str] = []
    for result, body in zip(results, bodies, strict=True):
        lines.append(
            f"Clôture {result.kind} {result.number} — période {result.period} "
            f"({'automatique' if result.trigger == 'automatic' else 'manuelle'})  "
            f"Seq {result.gseq}  Sig {result.extract}"
        )
        lines.extend("  " + line for line in _totals_lines(body))
    if not results:
        lines.append("Aucune clôture n'était due.")
    elif args.close_command != "pending":
        lines.append(
            "La clôture est de votre responsabilité : aucune vente ni opération de caisse ne "
            "peut plus être enregistrée dans la période clôturée."
        )
    out.result(
        {"closures": [r.as_json() | {"body": b} for r, b in zip(results, bodies, strict=True)]},
        lines + pdf_lines(args, results),
    )
    return 0


def cmd_archive_export(args: argparse.Namespace, out: Output) -> int:
    """Write the signed archive of a closed month or fiscal year (nf525.md §6.10)."""
    from caisse.services.archives import ArchiveService

    with opened(args, check="writes") as till:
        session = _sign_in(till, args.operator, _pin(args)) if args.operator else None
        if session is not None:
            require(session, Right.AUDIT)
        service = ArchiveService(till.context, fiscal_year_start=till.settings.fiscal_year_start)
        result = service.export(args.period, Path(args.out), session)
    out.result(
        result.as_json(),
        [
            f"Archive {result.archive_id} — période {result.period} — gseq "
            f"{result.gseq_from} à {result.gseq_to} ({result.records} enregistrement(s), "
            f"{result.files} fichiers) → {result.path}",
            f"Manifeste SHA-256 {result.manifest_sha256}",
            f"Enregistrement A Seq {result.gseq}  Sig {result.extract}",
            f"Vérification : caisse-verif {result.path}",
        ],
    )
    return 0


def cmd_journal_verify(args: argparse.Namespace, out: Output) -> int:
    """Run the auditor's verifier (caisse-verif, the same code) on this till's database."""
    import tempfile

    from caisse.keys.keystore import FileKeyStore
    from caisse_verif.cli import main as verif_main

    with opened(args, check="initialised"):
        pass  # note: only to refuse an uninitialised till before running the verifier
    settings = _settings(args)
    info = FileKeyStore(settings.data_dir).info()
    with tempfile.TemporaryDirectory(prefix="caisse-verify-") as tmp:
        jwk_path = Path(tmp) / "till.jwk"
        jwk_path.write_text(json.dumps(dict(info.public_jwk)), encoding="utf-8")
        argv = [str(settings.db_path), "--key", str(jwk_path), "--lang", out.lang]
        for archive in getattr(args, "archive", None) or []:
            argv += ["--archive", archive]  # the archives of a purged head (caisse-verif)
        if out.as_json:
            argv.append("--json")
        return verif_main(argv)


def cmd_journal_export(args: argparse.Namespace, out: Output) -> int:
    count = 0
    target = Path(args.out)
    with opened(args, check="initialised") as till:
        try:
            tmp = target.with_name(target.name + ".part")
            with till.context.uow() as uow, tmp.open("w", encoding="utf-8") as fh:
                for e in uow.journal.iter_from(args.from_gseq):
                    fh.write(
                        json.dumps(
                            {"core": e.core, "sig": e.sig, "body": e.body.decode("utf-8")},
                            ensure_ascii=False,
                            separators=(",", ":"),
                        )
                        + "\n"
                    )
                    count += 1
            tmp.replace(target)
        except OSError as exc:
            raise InvalidInput(
                f"Impossible d'écrire {target} : {exc.strerror}.",
                f"Cannot write {target}: {exc.strerror}.",
            ) from exc
    out.result({"records": count, "out": str(target)}, [f"{count} enregistrement(s) → {target}"])
    return 0


def cmd_key_show(args: argparse.Namespace, out: Output) -> int:
    settings = _settings(args)
    from caisse.keys.keystore import FileKeyStore

    store = FileKeyStore(settings.data_dir)
    if not store.exists():
        raise NotInitialised
    info = store.info()
    if args.jwk:
        jwk = dict(info.public_jwk) | {"kid": info.kid, "alg": "ES256", "use": "sig"}
        sys.stdout.write(json.dumps(jwk, sort_keys=True) + "\n")
        return 0
    out.result(
        {"kid": info.kid, "jwk": info.public_jwk, "passphrase_store": info.passphrase_store},
        [
            f"kid : {info.kid}",
            "algorithme : ES256 (P-256)",
            f"phrase secrète : {info.passphrase_store}",
        ],
    )
    return 0


def cmd_demo(args: argparse.Namespace, out: Output) -> int:
    from caisse.app.demo import create_demo

    settings = _settings(args)
    summary = create_demo(settings, products=args.products)
    out.result(summary, [f"{k} : {v}" for k, v in summary.items()])
    return 0


def cmd_bench(args: argparse.Namespace, out: Output) -> int:
    from caisse.app import bench

    figures = bench.run(args)
    sys.stdout.write(json.dumps(figures, sort_keys=True) + "\n")
    return 0


def cmd_screenshot(args: argparse.Namespace, out: Output) -> int:
    from caisse.app.screenshot import take_screenshots

    saved = take_screenshots(Path(args.out))
    out.result({"screenshots": [str(p) for p in saved]}, [str(p) for p in saved])
    return 0


def cmd_run(args: argparse.Namespace, out: Output) -> int:
    from caisse.app.run import run_till

    return run_till(args)


# ---------------------------------------------------------------------------- devices


def cmd_devices_list(args: argparse.Namespace, out: Output) -> int:
    from caisse.app.devices import list_devices

    states = list_devices(_device_settings(args))
    out.result({"devices": [s.as_json() for s in states]}, [s.line() for s in states])
    failed = [s for s in states if s.openable is False]
    if failed:
        out.error(
            f"{len(failed)} périphérique(s) ne peuvent pas être ouverts : vérifiez les "
            "branchements ou la configuration (voir la liste).",
            f"{len(failed)} device(s) cannot be opened: check the cables or the configuration "
            "(see the list).",
        )
        return 1
    return 0


def cmd_devices_test(args: argparse.Namespace, out: Output) -> int:
    from caisse.app.devices import check_devices, failure_sentence

    checks = check_devices(_device_settings(args))
    out.result({"devices": [c.as_json() for c in checks]}, [c.line() for c in checks])
    failure = failure_sentence(checks)
    if failure is not None:
        out.error(*failure)
        return 1
    return 0


def cmd_devices_print_test(args: argparse.Namespace, out: Output) -> int:
    from caisse.app.devices import print_test

    result = print_test(_device_settings(args), datetime.now().astimezone())
    lines = [f"Ticket de test imprimé sur {result.url}."]
    if result.transcript is not None:
        lines.append(f"Copie texte du simulateur : {result.transcript}")
    out.result(result.as_json(), lines)
    return 0


def cmd_devices_open_drawer(args: argparse.Namespace, out: Output) -> int:
    from caisse.app.devices import printer_simulated

    options = _device_options(args)
    settings = _device_settings(args)
    if not settings.db_path.exists():
        raise NotInitialised
    till = open_till(settings, simulators=printer_simulated(options) or settings.printer == "sim:")
    try:
        if till.printing is None:
            raise InvalidInput(
                "Aucune imprimante configurée : le tiroir-caisse se branche sur l'imprimante, "
                "donnez --printer URL.",
                "No printer configured: the cash drawer is wired to the printer, give "
                "--printer URL.",
            )
        _guard_writes(till)
        session = _sign_in(till, args.operator, _pin(args))
        reason = args.reason or "essai du tiroir (caisse devices open-drawer)"
        till.checkout.open_drawer(session, reason)
    finally:
        till.close()
    out.result(
        {"opened": True, "printer": settings.printer, "reason": reason},
        [f"Tiroir-caisse ouvert (imprimante {settings.printer}), ouverture tracée."],
    )
    return 0


def cmd_devices_weigh(args: argparse.Namespace, out: Output) -> int:
    from caisse.app.devices import weigh

    result = weigh(_device_settings(args))
    out.result(result.as_json(), [f"{result.grams} g ({result.status})"])
    return 0


def cmd_devices_show(args: argparse.Namespace, out: Output) -> int:
    from caisse.app.devices import show

    settings = _device_settings(args)
    lines = show(settings, args.text)
    out.result(
        {"display": settings.display, "lines": lines},
        [f"Affiché sur {settings.display} :", *(f"  {line}" for line in lines)],
    )
    return 0


def cmd_devices_queue(args: argparse.Namespace, out: Output) -> int:
    from caisse.app.devices import queued_jobs

    jobs = queued_jobs(_settings(args))
    lines = [job.line() for job in jobs] or ["Aucune impression en attente."]
    out.result({"jobs": [job.as_json() for job in jobs]}, lines)
    return 0


def cmd_devices_retry(args: argparse.Namespace, out: Output) -> int:
    from caisse.app.devices import printer_simulated, retry_jobs

    if (args.job is None) == (not args.all):
        raise InvalidInput(
            "Donnez l'impression à relancer (JOB, voir « caisse devices queue ») ou --all.",
            "Give the print job to retry (JOB, see 'caisse devices queue') or --all.",
        )
    options = _device_options(args)
    settings = _device_settings(args)
    if not settings.db_path.exists():
        raise NotInitialised
    till = open_till(settings, simulators=printer_simulated(options) or settings.printer == "sim:")
    try:
        if till.printing is None:
            raise InvalidInput(
                "Aucune imprimante configurée : donnez --printer URL.",
                "No printer configured: give --printer URL.",
            )
        _guard_writes(till)
        printed = retry_jobs(till.context, till.printing, None if args.all else [args.job])
        left = len(till.printing.spooler.jobs())
    finally:
        till.close()
    out.result(
        {"printed": [job.as_json() for job in printed], "waiting": left},
        [f"Imprimé : {job.ticket} ({job.job_id})." for job in printed]
        + [f"{left} impression(s) encore en attente."],
    )
    return 0


def cmd_devices_cancel(args: argparse.Namespace, out: Output) -> int:
    from dataclasses import replace

    from caisse.app.devices import cancel_job, spool_queue

    settings = _settings(args)
    if not settings.db_path.exists():
        raise NotInitialised
    # note: cancelling needs no printer: the queue is read from the spool directly.
    till = open_till(replace(settings, printer="none"))
    try:
        _guard_writes(till)
        session = _sign_in(till, args.operator, _pin(args))
        job = cancel_job(till.context, spool_queue(settings), session, args.job, args.reason)
    finally:
        till.close()
    out.result(
        {"cancelled": job.as_json(), "operator": session.id},
        [f"Impression de {job.ticket} annulée ({job.job_id}), tracée (JET 191)."],
    )
    return 0


def add_device_options(p: argparse.ArgumentParser) -> None:
    """--printer, --display, --scale, --scanner: override the configuration for this run."""
    group = p.add_argument_group(
        "devices", "device URLs overriding the till's configuration for this run (cli.md)"
    )
    for role, example in (
        ("printer", "escpos-usb:VID:PID, escpos-serial:PORT, escpos-net:HOST:PORT, sim:"),
        ("display", "epson-display:PORT, cd5220:PORT, sim:"),
        ("scale", "toledo8217:PORT, dialog06:PORT, sim:"),
        ("scanner", "serial-scanner:PORT, hid:"),
    ):
        group.add_argument(
            f"--{role}",
            metavar="URL",
            default=argparse.SUPPRESS,
            help=f"the {role}: {example} or none",
        )


def add_devices_parser(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    devices = sub.add_parser(
        "devices", help="probe and drive the devices (printer, display, scale, scanner)"
    )
    add_device_options(devices)
    dsub = devices.add_subparsers(dest="devices_command", required=True, metavar="ACTION")
    p = add(
        "list",
        cmd_devices_list,
        "each device role with its URL and whether it can be opened (exit 1 if one cannot)",
        dsub,
    )
    add_device_options(p)
    p = add(
        "test",
        cmd_devices_test,
        "open each device: printer status, one scale reading, 'caisse OK' on the display; "
        "exit 1 if one fails",
        dsub,
    )
    add_device_options(p)
    p = add(
        "print-test",
        cmd_devices_print_test,
        "print a test ticket (accents, euro sign, QR code); with sim: see "
        "imprimante-simulee.txt in the data directory",
        dsub,
    )
    add_device_options(p)
    p = add(
        "open-drawer",
        cmd_devices_open_drawer,
        "open the cash drawer wired to the printer (needs the no-sale drawer right; traced "
        "as JET 70)",
        dsub,
    )
    p.add_argument("--operator", required=True)
    p.add_argument("--pin", help=f"operator PIN (or {PIN_ENV})")
    p.add_argument("--reason", help="why the drawer is opened without a sale")
    add_device_options(p)
    p = add(
        "weigh",
        cmd_devices_weigh,
        "one stable reading of the scale: grams and status (exit 1 if none is stable)",
        dsub,
    )
    add_device_options(p)
    p = add("show", cmd_devices_show, "show one or two lines on the customer display", dsub)
    p.add_argument("text", nargs="+", help="one or two lines")
    add_device_options(p)
    p = add(
        "queue",
        cmd_devices_queue,
        "the print jobs waiting in the spool (failed or interrupted): job id, ticket, when, "
        "the reason",
        dsub,
    )
    p = add(
        "retry",
        cmd_devices_retry,
        "print a waiting job again (or --all, oldest first); exit 1 with the printer's "
        "sentence if it fails again (the job stays queued, traced as JET 190)",
        dsub,
    )
    p.add_argument("job", nargs="?", metavar="JOB", help="the job id (see 'devices queue')")
    p.add_argument("--all", action="store_true", help="every waiting job")
    add_device_options(p)
    p = add(
        "cancel",
        cmd_devices_cancel,
        "give up a waiting job (needs the reprint right; traced as JET 191 with the ticket, "
        "the reason and the operator)",
        dsub,
    )
    p.add_argument("job", metavar="JOB", help="the job id (see 'devices queue')")
    p.add_argument("--operator", required=True)
    p.add_argument("--pin", help=f"operator PIN (or {PIN_ENV})")
    p.add_argument("--reason", required=True, help="why the ticket is not printed")


# ---------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", default=argparse.SUPPRESS, help="the till's data directory")
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="one JSON object on stdout"
    )
    common.add_argument(
        "--lang", choices=["fr", "en"], default=argparse.SUPPRESS, help="message language"
    )

    parser = argparse.ArgumentParser(
        prog="caisse",
        description="caisse: offline-first point of sale with a signed NF525 journal.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str,
        func: Callable[[argparse.Namespace, Output], int],
        help_text: str,
        subp: Any = sub,
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = subp.add_parser(
            name, parents=[common], help=help_text, description=help_text
        )
        p.set_defaults(func=func)
        return p

    p = add("init", cmd_init, "activate the till: key, genesis record (JET 30), admin operator")
    p.add_argument("--company", required=True, help="company name")
    p.add_argument("--siren", required=True, help="9-digit SIREN (Luhn-checked)")
    p.add_argument("--siret", required=True, help="14-digit SIRET of the establishment")
    p.add_argument("--vat-id", required=True, help="intra-EU VAT number, e.g. FR40303265045")
    p.add_argument("--address", required=True, help="address of the establishment")
    p.add_argument("--till", required=True, help="till id, e.g. TILL01 (immutable)")
    p.add_argument("--store", default="STORE01", help="store id")
    p.add_argument("--admin-pin", required=True, help="PIN of the operator 'admin' (4-8 digits)")

    user = sub.add_parser("user", help="operators (needs an admin's PIN)")
    usub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    p = add("add", cmd_user_add, "add an operator", usub)
    p.add_argument("--id", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--pin", required=True, help="the new operator's PIN")
    p.add_argument("--operator", default="admin", help="acting admin (default: admin)")
    p.add_argument("--operator-pin", help=f"acting admin's PIN (or {PIN_ENV})")
    p = add("list", cmd_user_list, "list operators", usub)
    p.add_argument("--operator", default="admin")
    p.add_argument("--operator-pin", help=f"acting admin's PIN (or {PIN_ENV})")

    p = add(
        "demo", cmd_demo, "create a ready demo shop in --data (activation, catalogue, operators)"
    )
    p.add_argument("--products", type=int, default=2000, help="catalogue size (default 2000)")

    catalog = sub.add_parser("catalog", help="catalogue")
    csub = catalog.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")
    p = add(
        "import",
        cmd_catalog_import,
        "load or update products from a CSV file with the columns sku, ean, label, "
        "price_ttc_cents, vat_bp, category, unit (piece or kg) and optionally plu; "
        "separator ',' or ';', UTF-8",
        csub,
    )
    p.add_argument("file")

    p = add("sell", cmd_sell, "a headless sale through the same services as the till")
    p.add_argument("--operator", required=True)
    p.add_argument("--pin", help=f"operator PIN (or {PIN_ENV})")
    p.add_argument(
        "--item",
        action="append",
        required=True,
        help="CODE[xQTY]; QTY in kg for weighed items (x0.532)",
    )
    p.add_argument("--pay", action="append", required=True, help="METHOD:CENTS, e.g. CASH:2000")
    p.add_argument(
        "--ticket",
        choices=["paper", "email", "none"],
        default=None,
        help="ticket output (AGEC: on request); default none, or paper with --printer",
    )
    add_device_options(p)

    p = add("refund", cmd_refund, "a refund referencing the original ticket")
    p.add_argument("--operator", required=True)
    p.add_argument("--pin", help=f"operator PIN (or {PIN_ENV})")
    p.add_argument("--ticket", required=True, help="original ticket number, e.g. TILL01-T-000012")
    p.add_argument(
        "--line", action="append", help="N[xQTY]: original line and quantity; default all"
    )
    p.add_argument("--pay", action="append", required=True, help="METHOD:-CENTS paid back")
    p.add_argument("--approver", help="manager approving the refund")
    p.add_argument("--approver-pin")
    p.add_argument("--cancel", action="store_true", help="cancel the whole ticket (op CANCEL)")
    p.add_argument("--reason")
    p.add_argument(
        "--ticket-output",
        choices=["paper", "email", "none"],
        default=None,
        help="ticket output; default none, or paper with --printer",
    )
    add_device_options(p)

    p = add("reprint", cmd_reprint, "a signed DUPLICATA record, then the copy")
    p.add_argument("--operator", required=True)
    p.add_argument("--pin", help=f"operator PIN (or {PIN_ENV})")
    p.add_argument("--ticket", required=True)
    p.add_argument("--reason")
    add_device_options(p)

    cash = sub.add_parser("cash", help="cash session: opening float, cash in/out, count")
    cashsub = cash.add_subparsers(dest="cash_command", required=True, metavar="ACTION")
    count_help = (
        "DENOMINATION:NUMBER counted, e.g. 20e:3, 2e:5, 10c:4 (notes 500e..5e, coins 2e..1c); "
        "repeat the option"
    )
    p = add(
        "open",
        cmd_cash_open,
        "open the cash session with the float counted by denomination (P record); the "
        "difference with the previous count is reported here, once",
        cashsub,
    )
    p.add_argument("--operator", required=True)
    p.add_argument("--pin", help=f"operator PIN (or {PIN_ENV})")
    p.add_argument("--count", action="append", help=count_help)
    p.add_argument("--amount", help="the float as one amount in cents, instead of --count")
    p.add_argument("--note", help="a free note kept in the record")
    for name, func, text in (
        ("in", cmd_cash_in, "cash put into the drawer, with a reason (P record)"),
        (
            "out",
            cmd_cash_out,
            "cash taken out of the drawer, with a reason; --to safe or bank for a transfer "
            "to the safe or a bank deposit (P record)",
        ),
    ):
        p = add(name, func, text, cashsub)
        p.add_argument("--operator", required=True)
        p.add_argument("--pin", help=f"operator PIN (or {PIN_ENV})")
        p.add_argument("--amount", required=True, help="amount in cents (> 0)")
        p.add_argument("--reason", help="why (required for a plain cash in or out)")
        p.add_argument("--approver", help="manager approving (needs the drawer right)")
        p.add_argument("--approver-pin")
        if name == "out":
            p.add_argument("--to", choices=["safe", "bank"], help="a safe drop or bank deposit")
    p = add(
        "count",
        cmd_cash_count,
        "count the drawer against the expected amounts and close the session (P record); a "
        "difference needs --justification",
        cashsub,
    )
    p.add_argument("--operator", required=True)
    p.add_argument("--pin", help=f"operator PIN (or {PIN_ENV})")
    p.add_argument("--count", action="append", help=count_help)
    p.add_argument("--amount", help="the cash counted as one amount in cents, instead of --count")
    p.add_argument(
        "--tender", action="append", help="another tender counted, METHOD:CENTS, e.g. CARD:12550"
    )
    p.add_argument("--justification", help="why counted and expected differ")

    report = sub.add_parser("report", help="reports")
    rsub = report.add_subparsers(dest="report_command", required=True, metavar="WHICH")
    p = add(
        "x",
        cmd_report_x,
        "X report: the open period's figures and the expected cash; read-only, no record",
        rsub,
    )
    add_device_options(p)
    add_pdf_option(p, "the X report")
    register_report_commands(rsub, add, add_device_options)

    close = sub.add_parser(
        "close",
        help="closures (Z, monthly, fiscal year); closing is the manager's responsibility",
    )
    clsub = close.add_subparsers(dest="close_command", required=True, metavar="PERIOD")
    for name, text in (
        ("day", "daily closure (Z) of today's business day, after any closure still due"),
        ("month", "closes today (Z) and the current month (M): nothing more this month"),
        ("year", "closes today, this month and the current fiscal year (Y)"),
    ):
        p = add(name, cmd_close, text, clsub)
        p.add_argument("--operator", required=True, help="a manager or admin (right: close)")
        p.add_argument("--pin", help=f"operator PIN (or {PIN_ENV})")
        add_device_options(p)
        add_pdf_option(p, "the closures written")
    p = add(
        "pending",
        cmd_close,
        "write the closures that are due (past days, ended months and fiscal years) without "
        "closing the current period",
        clsub,
    )
    add_device_options(p)
    add_pdf_option(p, "the closures written")

    add_devices_parser(sub, add)

    journal = sub.add_parser("journal", help="the fiscal journal")
    jsub = journal.add_subparsers(dest="journal_command", required=True, metavar="ACTION")
    p = add(
        "verify",
        cmd_journal_verify,
        "verify the whole local journal (exit 0 intact, 1 anomalies)",
        jsub,
    )
    p.add_argument(
        "--archive",
        action="append",
        metavar="ARCHIVE.zip",
        help="after a purge: the archives of the purged records, oldest first (repeat)",
    )
    p = add("export", cmd_journal_export, "export the journal as JSON lines", jsub)
    p.add_argument("--out", required=True)
    p.add_argument("--from-gseq", type=int, default=1)

    archive = sub.add_parser("archive", help="signed archives of closed periods")
    asub = archive.add_subparsers(dest="archive_command", required=True, metavar="ACTION")
    p = add(
        "export",
        cmd_archive_export,
        "signed archive (ZIP) of a closed month (YYYY-MM) or fiscal year (YYYY: the one that "
        "starts that year), recorded in the journal (A record and JET 130)",
        asub,
    )
    p.add_argument("--period", required=True, metavar="YYYY-MM|YYYY")
    p.add_argument("--out", required=True, metavar="FILE.zip")
    p.add_argument("--operator", help="who exports (right: audit); recorded in the manifest")
    p.add_argument("--pin", help=f"operator PIN (or {PIN_ENV})")
    register_archive_commands(asub, add)

    key = sub.add_parser("key", help="the till key")
    ksub = key.add_subparsers(dest="key_command", required=True, metavar="ACTION")
    p = add("show", cmd_key_show, "the till's public key and kid", ksub)
    p.add_argument("--jwk", action="store_true", help="print the public JWK")

    bench = sub.add_parser("bench", help="benchmarks: one JSON line of figures each")
    bsub = bench.add_subparsers(dest="bench_command", required=True, metavar="WHAT")
    p = add(
        "sales",
        cmd_bench,
        "latency of finalising a three-line ticket, with a bare-insert baseline",
        bsub,
    )
    p.add_argument("--tickets", type=int, default=20000)
    p.add_argument(
        "--journal-sizes",
        default="1000",
        help="comma-separated journal sizes to measure at, e.g. 1000,1000000",
    )
    p = add("verify", cmd_bench, "verifier throughput on a journal of --records records", bsub)
    p.add_argument("--records", type=int, default=100000)
    p.add_argument(
        "--archive", action="store_true", help="verify the signed archive ZIP of a closed month"
    )
    p = add(
        "close",
        cmd_bench,
        "duration of the Z of a business day of --tickets three-line tickets (and of the X "
        "report), with a read-and-parse baseline",
        bsub,
    )
    p.add_argument("--tickets", type=int, default=5000)

    register_sync_commands(sub, add, bsub)
    register_stock_commands(sub, add)
    register_ui_bench(add, bsub)
    register_devices_bench(add, bsub)

    p = add(
        "screenshot",
        cmd_screenshot,
        "render the main screens of a demo till (login, sale, payment, confirmation) to PNG",
    )
    p.add_argument("--out", required=True, help="the folder for the PNG files")

    p = add("run", cmd_run, "the touch till (Qt)")
    p.add_argument("--demo", action="store_true", help="create and open the demo shop")
    p.add_argument("--fullscreen", action="store_true", help="kiosk mode")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for name, default in (("data", None), ("json", False), ("lang", "fr")):
        if not hasattr(args, name):
            setattr(args, name, default)
    out = Output(bool(args.json), args.lang)
    data_dir = Path(args.data) if args.data else default_data_dir()
    log_path = configure_logging(data_dir)
    try:
        code: int = args.func(args, out)
    except UserFacingError as exc:
        logger.info("refused: %s", exc.en)
        sys.stderr.write(exc.message(out.lang) + "\n")
        return 2 if isinstance(exc, InvalidInput) else 1
    except CaisseError as exc:
        logger.exception("caisse error")
        out.error(f"Erreur : {exc}.", f"Error: {exc}.")
        return 1
    except KeyboardInterrupt:
        out.error("Interrompu.", "Interrupted.")
        return 1
    except Exception:
        logger.exception("unexpected error in %s", args.command)
        where = str(log_path) if log_path else "les journaux"
        out.error(
            f"Erreur interne inattendue : le détail est dans {where}.",
            f"Unexpected internal error: details are in {where}.",
        )
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
