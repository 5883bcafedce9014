"""The print queue: jobs stay until printed or cancelled, also across a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw.errors import DeviceOffline, HardwareError, PaperOut, PrintJobNotFound, ProtocolError
from hw.ports import (
    Align,
    Barcode,
    BarcodeSymbology,
    Columns,
    Cut,
    DrawerKick,
    DrawerPin,
    Feed,
    Logo,
    PrinterProfile,
    PrinterStatus,
    PrintJobState,
    QrCode,
    QrErrorLevel,
    Separator,
    Table,
    TextLine,
    TicketDocument,
)
from hw.print_queue import PrintQueue, PrintSpooler, document_from_json, document_to_json
from hw.worker import DeviceWorker

DOC = TicketDocument(
    (
        TextLine("Épicerie", bold=True, align=Align.CENTER, width=2, height=2),
        Columns("Bœuf", "9,90 €", bold=True),
        Table((("A", "5,5 %", "1,00"),), header=("Code", "Taux", "HT"), aligns=(Align.LEFT,)),
        Separator("="),
        Feed(2),
        Barcode(BarcodeSymbology.EAN13, "3017620422003"),
        QrCode("FR1,x", size=5, error_level=QrErrorLevel.Q),
        Logo(),
        DrawerKick(DrawerPin.PIN5),
        Cut(partial=False),
    ),
    "TILL01-T-000001",
)


class FlakyPrinter:
    """Fails while `error` is set; records what it printed."""

    def __init__(self) -> None:
        self.error: HardwareError | None = None
        self.printed: list[TicketDocument] = []

    @property
    def profile(self) -> PrinterProfile:
        return PrinterProfile()

    def status(self) -> PrinterStatus:
        return PrinterStatus()

    def print_document(self, document: TicketDocument) -> None:
        if self.error is not None:
            raise self.error
        self.printed.append(document)

    def open_drawer(self, pin: DrawerPin | None = None) -> None:
        pass

    def close(self) -> None:
        pass


def test_documents_round_trip_through_json() -> None:
    raw = json.loads(json.dumps(document_to_json(DOC)))
    assert document_from_json(raw) == DOC


texts = st.text(min_size=0, max_size=30)
elements = st.one_of(
    st.builds(
        TextLine,
        texts,
        st.booleans(),
        st.sampled_from(Align),
        st.integers(1, 8),
        st.integers(1, 8),
        st.booleans(),
    ),
    st.builds(Columns, texts, texts, st.booleans()),
    st.builds(Separator, st.sampled_from("-=*")),
    st.builds(Feed, st.integers(0, 5)),
    st.builds(QrCode, texts, st.integers(1, 16), st.sampled_from(QrErrorLevel)),
    st.builds(Cut, st.booleans()),
    st.builds(DrawerKick, st.sampled_from(DrawerPin)),
    st.builds(
        Table, st.lists(st.tuples(texts, texts), max_size=3).map(tuple), st.tuples(texts, texts)
    ),
)


@given(st.lists(elements, max_size=12), texts)
def test_any_document_round_trips(items: list, reference: str) -> None:  # type: ignore[type-arg]
    doc = TicketDocument(tuple(items), reference)
    assert document_from_json(json.loads(json.dumps(document_to_json(doc)))) == doc


def test_unreadable_spool_documents_are_refused() -> None:
    with pytest.raises(ProtocolError):
        document_from_json({"version": 99, "elements": []})
    with pytest.raises(ProtocolError):
        document_from_json({"version": 1, "elements": [{"type": "Bomb"}]})


def test_a_printed_job_leaves_the_queue(tmp_path: Path) -> None:
    printer = FlakyPrinter()
    with DeviceWorker() as worker:
        spooler = PrintSpooler(printer, PrintQueue(tmp_path), worker)
        info = spooler.print(DOC)
    assert info.state is PrintJobState.PRINTED
    assert printer.printed == [DOC]
    assert spooler.jobs() == []
    assert list(tmp_path.iterdir()) == []


def test_a_failed_job_stays_queued_until_retried(tmp_path: Path) -> None:
    printer = FlakyPrinter()
    printer.error = PaperOut("paper end")
    with DeviceWorker() as worker:
        spooler = PrintSpooler(printer, PrintQueue(tmp_path), worker)
        with pytest.raises(PaperOut):
            spooler.print(DOC)
        (job,) = spooler.jobs()
        assert job.state is PrintJobState.FAILED
        assert job.reference == "TILL01-T-000001"
        assert job.last_error_fr.startswith("L'imprimante n'a plus de papier")
        with pytest.raises(PaperOut):
            spooler.retry(job.job_id)
        assert spooler.jobs()[0].attempts == 2
        printer.error = None
        assert spooler.retry(job.job_id).state is PrintJobState.PRINTED
        assert spooler.jobs() == []
        with pytest.raises(PrintJobNotFound):
            spooler.retry(job.job_id)
    assert printer.printed == [DOC]


def test_a_cancelled_job_is_gone(tmp_path: Path) -> None:
    printer = FlakyPrinter()
    printer.error = DeviceOffline("unplugged")
    with DeviceWorker() as worker:
        spooler = PrintSpooler(printer, PrintQueue(tmp_path), worker)
        with pytest.raises(DeviceOffline):
            spooler.print(DOC)
        job_id = spooler.jobs()[0].job_id
        assert spooler.cancel(job_id).state is PrintJobState.CANCELLED
        assert spooler.jobs() == []
        with pytest.raises(PrintJobNotFound):
            spooler.cancel(job_id)
    assert printer.printed == []
    assert list(tmp_path.glob("*.json")) == []


def test_failed_jobs_survive_a_restart_in_order(tmp_path: Path) -> None:
    queue = PrintQueue(tmp_path)
    first = queue.add(TicketDocument((TextLine("1"),), "T-1"))
    second = queue.add(TicketDocument((TextLine("2"),), "T-2"))
    queue.mark_failed(second.job_id, PaperOut())
    # first was being printed when the till stopped: it comes back as failed, not printed
    reloaded = PrintQueue(tmp_path)
    jobs = reloaded.jobs()
    assert [j.reference for j in jobs] == ["T-1", "T-2"]
    assert all(j.state is PrintJobState.FAILED for j in jobs)
    assert "interrompue" in jobs[0].last_error_fr
    assert jobs[1].last_error_fr == PaperOut.FR
    assert reloaded.get(first.job_id).document == first.document


def test_a_corrupt_spool_file_is_set_aside(tmp_path: Path) -> None:
    queue = PrintQueue(tmp_path)
    queue.add(DOC)
    (tmp_path / "0-bad.json").write_text("{not json", encoding="utf-8")
    reloaded = PrintQueue(tmp_path)
    assert len(reloaded.jobs()) == 1
    assert (tmp_path / "0-bad.bad").exists()


def test_a_memory_only_queue() -> None:
    queue = PrintQueue()
    job = queue.add(DOC)
    assert queue.mark_printed(job.job_id).state is PrintJobState.PRINTED
    with pytest.raises(PrintJobNotFound):
        queue.mark_failed(job.job_id, PaperOut())
    with pytest.raises(PrintJobNotFound):
        queue.mark_printed(job.job_id)


def test_a_job_that_times_out_then_prints_leaves_the_queue(tmp_path: Path) -> None:
    import threading

    from hw.errors import DeviceTimeout

    release = threading.Event()

    class Slow(FlakyPrinter):
        def print_document(self, document: TicketDocument) -> None:
            release.wait(30)
            super().print_document(document)

    printer = Slow()
    with DeviceWorker() as worker:
        spooler = PrintSpooler(printer, PrintQueue(tmp_path), worker, timeout=0.01)
        with pytest.raises(DeviceTimeout):
            spooler.print(DOC)
        assert spooler.jobs()[0].state is PrintJobState.FAILED
        release.set()
        worker.call(lambda: None)  # the late completion ran before this call
        assert spooler.jobs() == []
    assert printer.printed == [DOC]
