"""`caisse devices queue|retry|cancel`: a ticket that did not print waits for the cashier.

Never a lost sale, never a silent "printed": the sale stands, its ticket stays in the spool
until it prints (`retry`) or the cashier gives it up (`cancel`, traced as JET 191). The
printer is the ESC/POS emulator served by this test process on a pty, out of paper then
refilled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from caisse.services.jet import Jet
from hw.simulators.escpos_printer import EscposEmulator, PtyPrinterServer

# the demo till fixtures, shared (re-exported so that pytest finds them here)
from tests.e2e.cli_helpers import caisse, one_sentence
from tests.e2e.cli_helpers import demo as demo
from tests.e2e.cli_helpers import demo_template as demo_template
from tests.e2e.test_cli_devices import sell_args, serial_url
from tests.journal_helpers import jet_codes, journal_rows, verify_data_dir

pytestmark = pytest.mark.integration


@pytest.fixture
def printer_pty(tmp_path: Path) -> Iterator[PtyPrinterServer]:
    with PtyPrinterServer(EscposEmulator(), tmp_path / "ttyPRINTER") as server:
        yield server


def queue(data: Path) -> list[dict[str, object]]:
    done = caisse(data, "devices", "queue", "--json")
    assert done.returncode == 0, done.stderr
    jobs: list[dict[str, object]] = json.loads(done.stdout)["jobs"]
    return jobs


def sell_out_of_paper(demo: Path, printer: PtyPrinterServer) -> tuple[str, dict[str, object]]:
    """A sale on a printer without paper: recorded, its ticket queued; the URL and ticket."""
    printer.emulator.run_out_of_paper()
    url = serial_url("escpos-serial", printer.path)
    done = caisse(demo, *sell_args("--printer", url, "--json"), pin="1234")
    assert done.returncode == 0, done.stderr
    ticket: dict[str, object] = json.loads(done.stdout)
    assert ticket["printed"] is False
    return url, ticket


def test_an_empty_queue(demo: Path) -> None:
    assert queue(demo) == []
    done = caisse(demo, "devices", "queue")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Aucune impression en attente."


def test_a_failed_ticket_waits_then_prints_once_the_paper_is_refilled(
    demo: Path, printer_pty: PtyPrinterServer
) -> None:
    url, ticket = sell_out_of_paper(demo, printer_pty)
    jobs = queue(demo)
    assert len(jobs) == 1
    job = jobs[0]
    assert job["ticket"] == ticket["ticket"]
    assert "plus de papier" in str(job["reason"])
    assert job["created_at"]
    listed = caisse(demo, "devices", "queue")
    assert str(job["job"]) in listed.stdout
    assert str(ticket["ticket"]) in listed.stdout

    # still no paper: exit 1 with the printer's sentence, the job stays, JET 190 again
    failures = jet_codes(demo).count(int(Jet.PRINTER_FAILURE))
    again = caisse(demo, "devices", "retry", str(job["job"]), "--printer", url)
    assert again.returncode == 1
    assert one_sentence(again.stderr).startswith("Imprimante : L'imprimante n'a plus de papier")
    assert [j["job"] for j in queue(demo)] == [job["job"]]
    assert jet_codes(demo).count(int(Jet.PRINTER_FAILURE)) == failures + 1
    assert printer_pty.emulator.text_lines() == []

    printer_pty.emulator.refill_paper()
    records = len(journal_rows(demo))
    done = caisse(demo, "devices", "retry", str(job["job"]), "--printer", url, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert [j["job"] for j in out["printed"]] == [job["job"]]
    assert out["waiting"] == 0
    assert any(str(ticket["ticket"]) in line for line in printer_pty.emulator.text_lines())
    assert queue(demo) == []
    assert len(journal_rows(demo)) == records  # the sale's record already stands
    assert verify_data_dir(demo).anomalies == []


def test_retry_all_prints_every_waiting_ticket(demo: Path, printer_pty: PtyPrinterServer) -> None:
    url, first = sell_out_of_paper(demo, printer_pty)
    _, second = sell_out_of_paper(demo, printer_pty)
    assert [j["ticket"] for j in queue(demo)] == [first["ticket"], second["ticket"]]
    printer_pty.emulator.refill_paper()
    done = caisse(demo, "devices", "retry", "--all", "--printer", url)
    assert done.returncode == 0, done.stderr
    assert queue(demo) == []
    lines = printer_pty.emulator.text_lines()
    assert any(str(first["ticket"]) in line for line in lines)
    assert any(str(second["ticket"]) in line for line in lines)


def test_cancel_is_traced_as_jet_191_and_empties_the_queue(
    demo: Path, printer_pty: PtyPrinterServer
) -> None:
    _, ticket = sell_out_of_paper(demo, printer_pty)
    job = queue(demo)[0]
    done = caisse(
        demo,
        "devices",
        "cancel",
        str(job["job"]),
        "--operator",
        "marie",
        "--reason",
        "client parti sans ticket",
        "--json",
        pin="1234",
    )
    assert done.returncode == 0, done.stderr
    assert queue(demo) == []
    events = [
        json.loads(r["body"])
        for r in journal_rows(demo)
        if r["kind"] == "J" and json.loads(r["body"])["code"] == int(Jet.NOT_PRINTED)
    ]
    assert len(events) == 1
    event = events[0]
    assert event["detail"]["ticket"] == ticket["ticket"]
    assert event["detail"]["reason"] == "client parti sans ticket"
    assert event["operator"]["id"] == "marie"
    assert event["related_gseq"] == ticket["gseq"]
    assert verify_data_dir(demo).anomalies == []


def test_unknown_jobs_and_a_wrong_pin_are_refused(
    demo: Path, printer_pty: PtyPrinterServer
) -> None:
    url, _ = sell_out_of_paper(demo, printer_pty)
    job = str(queue(demo)[0]["job"])
    retried = caisse(demo, "devices", "retry", "nope", "--printer", url)
    assert retried.returncode == 1
    assert one_sentence(retried.stderr).startswith("Impression inconnue : nope")
    cancelled = caisse(
        demo, "devices", "cancel", "nope", "--operator", "marie", "--reason", "x", pin="1234"
    )
    assert cancelled.returncode == 1
    assert one_sentence(cancelled.stderr).startswith("Impression inconnue : nope")
    wrong = caisse(
        demo, "devices", "cancel", job, "--operator", "marie", "--reason", "x", pin="0000"
    )
    assert wrong.returncode == 1
    one_sentence(wrong.stderr)
    neither = caisse(demo, "devices", "retry", "--printer", url)
    assert neither.returncode == 2
    assert "--all" in one_sentence(neither.stderr)
    assert [j["job"] for j in queue(demo)] == [job]
    assert int(Jet.NOT_PRINTED) not in jet_codes(demo)
