"""caisse.app.devices against the shipped emulators (pty, loopback TCP, in-process), in-process."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from caisse.app.cli import main
from caisse.app.devices import (
    DeviceFailed,
    check_devices,
    device_state,
    failure_sentence,
    list_devices,
    override_settings,
    print_test,
    show,
    weigh,
)
from caisse.app.settings import Settings
from caisse.domain.errors import InvalidInput
from caisse.services.jet import Jet
from hw.display.charset import DisplayCharset
from hw.simulators.display import DisplayEmulator, DisplayMode
from hw.simulators.endpoints import PtyEndpoint
from hw.simulators.escpos_printer import EscposEmulator, PulseEvent, QrEvent, TcpPrinterServer
from hw.simulators.scale_toledo8217 import Toledo8217Emulator
from tests.integration.conftest import make_till
from tests.journal_helpers import jet_codes

pytestmark = pytest.mark.integration

DisplayRig = tuple[DisplayEmulator, PtyEndpoint]
ScaleRig = tuple[Toledo8217Emulator, PtyEndpoint]

NOON = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)


class Mute:
    """A serial scanner ignores what the host writes."""

    def feed(self, data: bytes) -> bytes:
        return b""


def real(link: Path) -> str:
    return os.path.realpath(link)


def screen(emulator: DisplayEmulator, expected: tuple[str, ...]) -> tuple[str, ...]:
    """The screen once it shows `expected` (the pty is asynchronous), or as it is after 5 s."""
    deadline = time.monotonic() + 5.0  # a bound against hangs, not a timing requirement
    lines = emulator.lines()
    while lines != expected and time.monotonic() < deadline:
        time.sleep(0.005)
        lines = emulator.lines()
    return lines


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", printer="none", display="none", scale="none")


@pytest.fixture
def tcp_printer() -> Iterator[TcpPrinterServer]:
    with TcpPrinterServer(EscposEmulator()) as server:
        yield server


@pytest.fixture
def display_pty(tmp_path: Path) -> Iterator[tuple[DisplayEmulator, PtyEndpoint]]:
    emulator = DisplayEmulator(DisplayMode.EPSON, charset=DisplayCharset.PC858)
    with PtyEndpoint(emulator, tmp_path / "ttyDISPLAY") as endpoint:
        yield emulator, endpoint


@pytest.fixture
def toledo_pty(tmp_path: Path) -> Iterator[tuple[Toledo8217Emulator, PtyEndpoint]]:
    emulator = Toledo8217Emulator()
    with PtyEndpoint(emulator, tmp_path / "ttySCALE") as endpoint:
        yield emulator, endpoint


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`caisse ARGV` in this process; the log handlers it adds are removed afterwards."""
    root = logging.getLogger()
    handlers = list(root.handlers)
    try:
        code = main(list(argv))
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ---------------------------------------------------------------- options


def test_options_override_only_the_roles_given(settings: Settings) -> None:
    changed = override_settings(settings, {"scale": "sim:", "printer": "escpos-net:10.0.0.9:9100"})
    assert (changed.printer, changed.display, changed.scale, changed.scanner) == (
        "escpos-net:10.0.0.9:9100",
        "none",
        "sim:",
        "hid:",
    )
    assert override_settings(settings, {}) is settings


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("printer", "toledo8217:/dev/ttyS0"),
        ("printer", "escpos-usb:nothex"),
        ("scale", "cd5220:/dev/ttyS0"),
        ("scanner", "/dev/ttyACM0"),
    ],
)
def test_a_url_of_the_wrong_role_is_invalid_input(settings: Settings, role: str, url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        override_settings(settings, {role: url})
    assert caught.value.fr.startswith(f"--{role} {url} : ")


# ---------------------------------------------------------------- list


def test_list_checks_ports_and_network_printers(
    settings: Settings, tcp_printer: TcpPrinterServer, display_pty: DisplayRig, tmp_path: Path
) -> None:
    _, endpoint = display_pty
    states = list_devices(
        override_settings(
            settings,
            {
                "printer": f"escpos-net:127.0.0.1:{tcp_printer.port}",
                "display": f"epson-display:{real(endpoint.path)}",
                "scale": f"toledo8217:{tmp_path / 'absent'}",
            },
        )
    )
    assert [(s.role, s.state, s.openable) for s in states] == [
        ("printer", "ready", True),
        ("display", "ready", True),
        ("scale", "missing", False),
        ("scanner", "ui", True),
    ]
    assert device_state("printer", "none").state == "none"
    assert device_state("scale", "bogus:1").state == "invalid"


def test_list_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    code, out, err = run(capsys, "--data", data, "devices", "list", "--printer", "none")
    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith("Imprimante")
    code, out, err = run(capsys, "--data", data, "devices", "list", "--printer", "lpt:")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------- test


def test_check_devices_drives_real_drivers(
    settings: Settings,
    tcp_printer: TcpPrinterServer,
    display_pty: DisplayRig,
    toledo_pty: ScaleRig,
    tmp_path: Path,
) -> None:
    display, display_end = display_pty
    scale, scale_end = toledo_pty
    scale.set_weight(250)
    with PtyEndpoint(Mute(), tmp_path / "ttySCANNER") as scanner_end:
        checks = check_devices(
            override_settings(
                settings,
                {
                    "printer": f"escpos-net:127.0.0.1:{tcp_printer.port}",
                    "display": f"epson-display:{real(display_end.path)}",
                    "scale": f"toledo8217:{real(scale_end.path)}",
                    "scanner": f"serial-scanner:{real(scanner_end.path)}",
                },
            )
        )
    assert [c.detail for c in checks] == [
        "papier OK, capot fermé, en ligne",
        "« caisse OK » affiché",
        "250 g (stable)",
        "port ouvert",
    ]
    assert failure_sentence(checks) is None
    assert screen(display, ("caisse OK".ljust(20), " " * 20)) == ("caisse OK".ljust(20), " " * 20)


def test_check_devices_reports_each_failure(
    settings: Settings, tcp_printer: TcpPrinterServer, tmp_path: Path
) -> None:
    tcp_printer.emulator.open_cover()
    checks = check_devices(
        override_settings(
            settings,
            {
                "printer": f"escpos-net:127.0.0.1:{tcp_printer.port}",
                "scanner": f"serial-scanner:{tmp_path / 'ttyGONE'}",
            },
        )
    )
    assert [c.ok for c in checks] == [False, True, True, False]
    sentence = failure_sentence(checks)
    assert sentence is not None
    assert sentence[0] == (
        "Imprimante : Le capot de l'imprimante est ouvert : refermez-le puis relancez "
        "l'impression. (et 1 autre(s) périphérique(s) en échec)"
    )
    assert checks[3].error is not None
    assert checks[3].error.fr.startswith("Lecteur : ")


# ---------------------------------------------------------------- print, weigh, show


def test_print_test_over_tcp(settings: Settings, tcp_printer: TcpPrinterServer) -> None:
    url = f"escpos-net:127.0.0.1:{tcp_printer.port}?columns=32"
    result = print_test(override_settings(settings, {"printer": url}), NOON)
    assert result.transcript is None
    lines = tcp_printer.emulator.text_lines()
    assert "16/03/2026 12:00:00" in [li.strip() for li in lines]
    assert max(len(li) for li in lines) <= 32
    assert QrEvent("https://caisse.example/essai") in tcp_printer.emulator.events


def test_print_test_out_of_paper_is_the_hardware_sentence(
    settings: Settings, tcp_printer: TcpPrinterServer
) -> None:
    tcp_printer.emulator.run_out_of_paper()
    url = f"escpos-net:127.0.0.1:{tcp_printer.port}"
    with pytest.raises(DeviceFailed) as caught:
        print_test(override_settings(settings, {"printer": url}), NOON)
    assert caught.value.fr == (
        "Imprimante : L'imprimante n'a plus de papier : remettez un rouleau puis relancez "
        "l'impression."
    )


def test_print_test_needs_a_printer(settings: Settings) -> None:
    with pytest.raises(InvalidInput):
        print_test(settings, NOON)


@pytest.mark.parametrize(("grams", "status"), [(1500, "stable"), (0, "zero"), (10, "under_load")])
def test_weigh_stable_readings(
    settings: Settings, toledo_pty: ScaleRig, grams: int, status: str
) -> None:
    scale, endpoint = toledo_pty
    scale.set_weight(grams)
    url = f"toledo8217:{real(endpoint.path)}"
    result = weigh(override_settings(settings, {"scale": url}))
    assert (result.grams, result.status) == (grams, status)


@pytest.mark.parametrize(("grams", "word"), [(-20, "négatif"), (15_500, "portée maximale")])
def test_weigh_refuses_what_is_not_a_weight(
    settings: Settings, toledo_pty: ScaleRig, grams: int, word: str
) -> None:
    scale, endpoint = toledo_pty
    scale.set_weight(grams)
    url = f"toledo8217:{real(endpoint.path)}"
    with pytest.raises(DeviceFailed) as caught:
        weigh(override_settings(settings, {"scale": url}))
    assert word in caught.value.fr
    assert caught.value.fr.startswith("Balance : ")


def test_weigh_a_missing_port_is_offline(settings: Settings, tmp_path: Path) -> None:
    url = f"toledo8217:{tmp_path / 'ttyGONE'}"
    with pytest.raises(DeviceFailed) as caught:
        weigh(override_settings(settings, {"scale": url}))
    assert caught.value.fr.startswith("Balance : ")


def test_show_two_lines_on_a_pty_display(settings: Settings, display_pty: DisplayRig) -> None:
    emulator, endpoint = display_pty
    url = f"epson-display:{real(endpoint.path)}"
    shown = show(override_settings(settings, {"display": url}), ["Bonjour é", "x" * 30])
    assert shown == ["Bonjour é", "x" * 20]
    expected = ("Bonjour é".ljust(20), "x" * 20)
    assert screen(emulator, expected) == expected


def test_show_refuses_three_lines_and_window(settings: Settings) -> None:
    with pytest.raises(InvalidInput):
        show(override_settings(settings, {"display": "sim:"}), ["1", "2", "3"])
    with pytest.raises(InvalidInput):
        show(override_settings(settings, {"display": "window:"}), ["1"])


# ---------------------------------------------------------------- open-drawer


def test_open_drawer_through_the_checkout_service(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tcp_printer: TcpPrinterServer
) -> None:
    fixture = make_till(tmp_path / "till")
    fixture.till.close()
    data = str(fixture.data_dir)
    url = f"escpos-net:127.0.0.1:{tcp_printer.port}"
    code, _, err = run(
        capsys,
        "--data",
        data,
        "devices",
        "open-drawer",
        "--operator",
        "paul",
        "--pin",
        "5678",
        "--printer",
        "none",
    )
    assert code == 2
    assert "Aucune imprimante" in err
    assert int(Jet.OVERRIDE) not in jet_codes(fixture.data_dir)
    code, out, err = run(
        capsys,
        "--data",
        data,
        "devices",
        "open-drawer",
        "--operator",
        "paul",
        "--pin",
        "5678",
        "--printer",
        url,
        "--json",
    )
    assert code == 0, err
    assert '"opened": true' in out
    assert PulseEvent(2, 100, 100) in tcp_printer.emulator.events
    assert jet_codes(fixture.data_dir).count(int(Jet.OVERRIDE)) == 1
