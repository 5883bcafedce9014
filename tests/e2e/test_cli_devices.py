"""`caisse devices ...` and the device options of sell/refund/reprint, as a subprocess.

The devices are the shipped simulators (`sim:`) and emulators served by this test process on
a pty (`escpos-serial:/dev/pts/N`, `toledo8217:/dev/pts/N`), driven by the real drivers in the
child process.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from caisse.services.jet import Jet
from hw.simulators.endpoints import PtyEndpoint
from hw.simulators.escpos_printer import (
    CutEvent,
    EscposEmulator,
    PtyPrinterServer,
    PulseEvent,
    QrEvent,
)
from hw.simulators.scale_toledo8217 import Toledo8217Emulator
from tests.e2e.cli_helpers import caisse, one_sentence
from tests.e2e.cli_helpers import demo as demo
from tests.e2e.cli_helpers import demo_template as demo_template
from tests.journal_helpers import jet_codes, journal_rows, verify_data_dir

pytestmark = pytest.mark.integration

TRANSCRIPT = "imprimante-simulee.txt"


@pytest.fixture
def printer_pty(tmp_path: Path) -> Iterator[PtyPrinterServer]:
    with PtyPrinterServer(EscposEmulator(), tmp_path / "ttyPRINTER") as server:
        yield server


@pytest.fixture
def toledo() -> Toledo8217Emulator:
    return Toledo8217Emulator()


@pytest.fixture
def toledo_pty(toledo: Toledo8217Emulator, tmp_path: Path) -> Iterator[PtyEndpoint]:
    with PtyEndpoint(toledo, tmp_path / "ttySCALE") as endpoint:
        yield endpoint


def serial_url(scheme: str, link: Path) -> str:
    """`scheme:/dev/pts/N`: the real pty behind the emulator's stable symlink."""
    return f"{scheme}:{os.path.realpath(link)}"


def sell_args(*extra: str) -> list[str]:
    return ["sell", "--operator", "marie", "--item", "SKU000001", "--pay", "CASH:100000", *extra]


# ---------------------------------------------------------------- devices on the simulators


def test_list_shows_each_role_with_its_url(tmp_path: Path) -> None:
    done = caisse(tmp_path, "devices", "list", "--json")
    assert done.returncode == 0, done.stderr
    devices = {d["role"]: d for d in json.loads(done.stdout)["devices"]}
    assert list(devices) == ["printer", "display", "scale", "scanner"]
    assert devices["printer"]["url"] == "sim:"
    assert devices["printer"]["openable"] is True
    assert devices["scanner"]["url"] == "hid:"


def test_list_says_a_missing_port_cannot_be_opened(tmp_path: Path) -> None:
    missing = tmp_path / "ttyNOTHERE"
    done = caisse(tmp_path, "devices", "list", "--scale", f"toledo8217:{missing}")
    assert done.returncode == 1
    assert "ne peuvent pas être ouverts" in one_sentence(done.stderr)
    line = next(li for li in done.stdout.splitlines() if li.startswith("Balance"))
    assert "ÉCHEC" in line
    assert str(missing) in line


def test_test_exercises_every_simulator(tmp_path: Path) -> None:
    done = caisse(tmp_path, "devices", "test", "--json")
    assert done.returncode == 0, done.stderr
    checks = {d["role"]: d for d in json.loads(done.stdout)["devices"]}
    assert all(c["ok"] for c in checks.values()), checks
    assert "papier OK" in checks["printer"]["detail"]
    assert checks["display"]["detail"] == "« caisse OK » affiché"
    assert checks["scale"]["detail"] == "0 g (zero)"


def test_print_test_on_the_simulator_leaves_its_text_copy(tmp_path: Path) -> None:
    done = caisse(tmp_path, "devices", "print-test", "--printer", "sim:", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    transcript = Path(out["transcript"])
    assert transcript == tmp_path / TRANSCRIPT
    text = transcript.read_text(encoding="utf-8")
    assert "TICKET DE TEST" in text
    assert "Crème brûlée, pâté, Noël" in text
    assert "12,50 €" in text
    assert "[QR https://caisse.example/essai]" in text
    assert "✂" in text


def test_weigh_and_show_on_the_simulators(tmp_path: Path) -> None:
    weighed = caisse(tmp_path, "devices", "weigh", "--scale", "sim:", "--json")
    assert weighed.returncode == 0, weighed.stderr
    assert json.loads(weighed.stdout) == {
        "scale": "sim:",
        "grams": 0,
        "tare_grams": 0,
        "status": "zero",
    }
    shown = caisse(tmp_path, "devices", "show", "--display", "sim:", "Bonjour", "Total 12,50 €")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[1:] == ["  Bonjour", "  Total 12,50 €"]


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["devices", "test", "--printer", "lpt:1"], "--printer lpt:1"),
        (["devices", "weigh", "--scale", "escpos-usb:04b8:0e15"], "--scale"),
        (["devices", "show", "--display", "vga:", "x"], "--display vga:"),
        (["devices", "print-test", "--printer", "escpos-net:"], "--printer"),
        (["devices", "show", "--display", "sim:", "1", "2", "3"], "deux lignes"),
    ],
)
def test_unusable_input_is_exit_2_one_sentence(tmp_path: Path, args: list[str], word: str) -> None:
    done = caisse(tmp_path, *args)
    assert done.returncode == 2
    assert word in one_sentence(done.stderr)
    assert done.stdout == ""


def test_sell_with_a_bad_printer_url_writes_nothing(demo: Path) -> None:
    before = len(journal_rows(demo))
    done = caisse(demo, *sell_args("--printer", "lpt:1"), pin="1234")
    assert done.returncode == 2
    assert "--printer lpt:1" in one_sentence(done.stderr)
    assert len(journal_rows(demo)) == before


# ---------------------------------------------------------------- pty emulators


def test_weigh_a_toledo_scale_on_a_pty(toledo: Toledo8217Emulator, toledo_pty: PtyEndpoint) -> None:
    toledo.set_weight(1234)
    url = serial_url("toledo8217", toledo_pty.path)
    done = caisse(toledo_pty.path.parent, "devices", "weigh", "--scale", url, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "scale": url,
        "grams": 1234,
        "tare_grams": 0,
        "status": "stable",
    }


def test_an_unstable_load_is_exit_1_with_the_sentence(
    toledo: Toledo8217Emulator, toledo_pty: PtyEndpoint
) -> None:
    toledo.set_weight(500, settle=3600.0)  # never settles during the test
    url = serial_url("toledo8217", toledo_pty.path) + "?settle=0.5"
    done = caisse(toledo_pty.path.parent, "devices", "weigh", "--scale", url)
    assert done.returncode == 1
    assert one_sentence(done.stderr) == (
        "Balance : Le poids n'est pas stable : attendez que la balance se stabilise."
    )
    assert done.stdout == ""


def test_test_reports_a_printer_out_of_paper(printer_pty: PtyPrinterServer) -> None:
    printer_pty.emulator.run_out_of_paper()
    url = serial_url("escpos-serial", printer_pty.path)
    done = caisse(printer_pty.path.parent, "devices", "test", "--printer", url)
    assert done.returncode == 1
    assert one_sentence(done.stderr).startswith("Imprimante : L'imprimante n'a plus de papier")
    line = next(li for li in done.stdout.splitlines() if li.startswith("Imprimante"))
    assert "ÉCHEC" in line
    assert "Afficheur" in done.stdout
    assert "Balance" in done.stdout


def test_print_test_on_a_serial_printer(printer_pty: PtyPrinterServer) -> None:
    url = serial_url("escpos-serial", printer_pty.path)
    done = caisse(printer_pty.path.parent / "data", "devices", "print-test", "--printer", url)
    assert done.returncode == 0, done.stderr
    lines = printer_pty.emulator.text_lines()
    assert "Crème brûlée, pâté, Noël" in lines
    assert QrEvent("https://caisse.example/essai") in printer_pty.emulator.events
    assert any(isinstance(e, CutEvent) for e in printer_pty.emulator.events)


def test_open_drawer_is_traced_and_pulses_the_printer(
    demo: Path, printer_pty: PtyPrinterServer
) -> None:
    url = serial_url("escpos-serial", printer_pty.path)
    refused = caisse(
        demo, "devices", "open-drawer", "--operator", "marie", "--printer", url, pin="1234"
    )
    assert refused.returncode == 1
    assert "Droit insuffisant" in one_sentence(refused.stderr)
    assert not any(isinstance(e, PulseEvent) for e in printer_pty.emulator.events)
    done = caisse(
        demo,
        "devices",
        "open-drawer",
        "--operator",
        "paul",
        "--reason",
        "monnaie",
        "--printer",
        url,
        pin="5678",
    )
    assert done.returncode == 0, done.stderr
    assert PulseEvent(2, 100, 100) in printer_pty.emulator.events
    assert jet_codes(demo).count(int(Jet.OVERRIDE)) == 1
    assert verify_data_dir(demo).anomalies == []


# ---------------------------------------------------------------- sell / refund / reprint


def test_sell_without_device_options_prints_nothing(demo: Path) -> None:
    done = caisse(demo, *sell_args(), pin="1234")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert not (demo / TRANSCRIPT).exists()


def test_sell_refund_and_reprint_print_on_the_simulator(demo: Path) -> None:
    sold = caisse(demo, *sell_args("--printer", "sim:", "--json"), pin="1234")
    assert sold.returncode == 0, sold.stderr
    ticket = json.loads(sold.stdout)
    assert ticket["printed"] is True
    text = (demo / TRANSCRIPT).read_text(encoding="utf-8")
    assert f"Seq {ticket['gseq']}  Sig {ticket['signature_extract']}" in text
    copy = caisse(
        demo,
        "reprint",
        "--operator",
        "marie",
        "--ticket",
        ticket["ticket"],
        "--printer",
        "sim:",
        pin="1234",
    )
    assert copy.returncode == 0, copy.stderr
    assert "DUPLICATA" in (demo / TRANSCRIPT).read_text(encoding="utf-8")
    back = caisse(
        demo,
        "refund",
        "--operator",
        "paul",
        "--ticket",
        ticket["ticket"],
        "--pay",
        f"CASH:-{ticket['total_cents']}",
        "--printer",
        "sim:",
        "--json",
        pin="5678",
    )
    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout)["printed"] is True
    assert verify_data_dir(demo).anomalies == []


def test_a_sale_stands_when_the_printer_is_out_of_paper(
    demo: Path, printer_pty: PtyPrinterServer
) -> None:
    printer_pty.emulator.run_out_of_paper()
    url = serial_url("escpos-serial", printer_pty.path)
    done = caisse(demo, *sell_args("--printer", url, "--json"), pin="1234")
    assert done.returncode == 0, done.stderr
    ticket = json.loads(done.stdout)
    assert ticket["printed"] is False
    warning = one_sentence(done.stderr)
    assert warning.startswith(f"Attention : {ticket['ticket']} est enregistré")
    assert "plus de papier" in warning
    rows = journal_rows(demo)
    assert any(r["gseq"] == ticket["gseq"] and r["kind"] == "T" for r in rows)
    assert int(Jet.PRINTER_FAILURE) in jet_codes(demo)
    assert verify_data_dir(demo).anomalies == []
    assert printer_pty.emulator.text_lines() == []
