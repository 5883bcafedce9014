"""Enrolment and the push of real till journals over loopback HTTP (sync.md §6.2-6.5)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import Table, func, select

from caisse.app.bootstrap import open_till
from caisse.app.settings import Settings
from caisse_verif import es256
from sync.client import SyncClient
from sync.errors import ProtocolError
from sync.protocol import Ack, SignedObject, WireRecord
from sync.server import auth, reports, schema
from sync.server.context import ServerContext
from tests.fakes import FakePrinter
from tests.integration.conftest import TillFixture, make_till
from tests.sync.conftest import LiveServer, sell, wire_records


def _count(ctx: ServerContext, table: Table) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.integration
def test_an_enrolment_code_works_once(live: LiveServer) -> None:
    code = auth.create_enroll_code(live.ctx, "S1", "TILL01")
    first = live.client()
    answer = first.enroll(code, till_id="TILL01")
    assert answer.store_id == "S1"
    assert answer.device_id.startswith("dev_")
    assert answer.server_jwk == live.ctx.jwk
    assert "users:S1" in answer.scopes
    with pytest.raises(ProtocolError) as info:
        live.client().enroll(code)
    assert (info.value.status, info.value.code) == (403, "bad_code")
    assert _count(live.ctx, schema.device) == 1


@pytest.mark.integration
def test_an_expired_code_is_refused(live: LiveServer) -> None:
    live.ctx.code_ttl_s = -1
    code = auth.create_enroll_code(live.ctx, "S1")
    with pytest.raises(ProtocolError) as info:
        live.client().enroll(code)
    assert info.value.code == "bad_code"
    assert _count(live.ctx, schema.device) == 0


@pytest.mark.integration
def test_a_code_for_one_till_refuses_another(live: LiveServer) -> None:
    code = auth.create_enroll_code(live.ctx, "S1", "TILL01")
    with pytest.raises(ProtocolError) as info:
        live.client().enroll(code, till_id="TILL09")
    assert info.value.code == "bad_payload"


@pytest.mark.integration
def test_a_journal_is_pushed_verified_anchored_and_pushing_again_is_a_no_op(
    live: LiveServer, till: TillFixture
) -> None:
    sell(till, ("BAG", 2000), ("VIN", None))
    sell(till, ("COMTE", 532))
    records = wire_records(till.data_dir)
    client = live.enrolled()
    ack = client.push(records)
    assert ack.acked_gseq == records[-1].gseq
    assert ack.acked_hash == records[-1].token_sha256
    assert (ack.accepted, ack.duplicates) == (len(records), 0)
    assert ack.anchor is not None
    assert ack.anchor.verify(live.ctx.jwk)
    assert ack.anchor.payload["gseq"] == records[-1].gseq
    assert ack.anchor.payload["till"] == "TILL01"
    assert ack.anchor.payload["gt"] == 2 * 105 + 1200 + round(532 * 2490 / 1000)

    again = client.push(records)
    assert (again.acked_gseq, again.accepted, again.duplicates) == (ack.acked_gseq, 0, len(records))
    assert _count(live.ctx, schema.journal) == len(records)
    assert client.cursor().acked_gseq == records[-1].gseq
    assert reports.verify_device(live.ctx, client.device_id).report.ok


@pytest.mark.integration
def test_batches_continue_from_the_acked_gseq(live: LiveServer, till: TillFixture) -> None:
    client = live.enrolled()
    first = client.push(wire_records(till.data_dir))
    sell(till, ("BAG", 1000))
    sell(till, ("VIN", None))
    rest = wire_records(till.data_dir, first.acked_gseq + 1)
    ack = client.push(rest)
    assert ack.acked_gseq == rest[-1].gseq
    verification = reports.verify_device(live.ctx, client.device_id)
    assert verification.report.ok
    assert verification.report.records == rest[-1].gseq


@pytest.mark.integration
def test_a_gap_is_refused_and_nothing_is_stored(live: LiveServer, till: TillFixture) -> None:
    sell(till, ("BAG", 1000))
    records = wire_records(till.data_dir)
    client = live.enrolled()
    with pytest.raises(ProtocolError) as info:
        client.push(records[2:])
    assert (info.value.status, info.value.code) == (409, "gap")
    assert info.value.extra["acked_gseq"] == 0
    assert _count(live.ctx, schema.journal) == 0
    assert _count(live.ctx, schema.quarantine) == 0


@pytest.mark.integration
def test_only_the_contiguous_prefix_is_accepted(live: LiveServer, till: TillFixture) -> None:
    sell(till, ("BAG", 1000))
    records = wire_records(till.data_dir)
    client = live.enrolled()
    ack = client.push(records[:3] + records[4:])
    assert ack.acked_gseq == 3
    ack = client.push(records[3:])
    assert ack.acked_gseq == records[-1].gseq


@pytest.mark.integration
def test_a_cloned_till_forks_and_its_batch_is_quarantined(
    live: LiveServer, till: TillFixture
) -> None:
    sell(till, ("BAG", 1000))
    till.till.close()
    clone_dir = till.data_dir.parent / "clone"
    shutil.copytree(till.data_dir, clone_dir)
    till.reopen()
    printer = FakePrinter()
    clone = TillFixture(  # the same identity and key, on a copied disk
        open_till(Settings(data_dir=clone_dir), clock=till.clock, printer=printer),
        till.clock,
        printer,
        clone_dir,
        till.admin,
        till.cashier,
        till.manager,
    )
    try:
        sell(till, ("VIN", None))
        sell(clone, ("COMTE", 250))
        client = live.enrolled()
        original = wire_records(till.data_dir)
        ack = client.push(original)
        copied = wire_records(clone_dir)
        with pytest.raises(ProtocolError) as info:
            client.push(copied)
    finally:
        clone.till.close()
    assert (info.value.status, info.value.code) == (409, "fork")
    assert info.value.extra["gseq"] == copied[-1].gseq
    assert info.value.extra["acked_gseq"] == ack.acked_gseq
    with live.ctx.engine.connect() as conn:
        stored = conn.execute(select(schema.journal.c.token_sha256)).scalars().all()
        quarantined = conn.execute(select(schema.quarantine)).one()
        status = conn.execute(select(schema.device.c.status)).scalar_one()
    assert sorted(stored) == sorted(r.token_sha256 for r in original)
    assert quarantined.reason == "fork"
    assert quarantined.last_gseq == copied[-1].gseq
    assert copied[-1].to_json()["body"] in bytes(quarantined.payload).decode()
    assert status == "forked"
    assert client.cursor().acked_gseq == ack.acked_gseq


@pytest.mark.integration
def test_a_chain_defect_is_refused_quarantined_and_flagged(
    live: LiveServer, till: TillFixture
) -> None:
    sell(till, ("BAG", 1000))
    records = wire_records(till.data_dir)
    last = records[-1]
    tampered = WireRecord(
        last.gseq, last.core, last.sig, last.body.replace(b"Baguette", b"Baguettf")
    )
    client = live.enrolled()
    with pytest.raises(ProtocolError) as info:
        client.push([*records[:-1], tampered])
    assert (info.value.status, info.value.code) == (422, "chain")
    anomalies = info.value.extra["anomalies"]
    assert isinstance(anomalies, list)
    checks = {a["check"] for a in anomalies}
    assert "body.hash" in checks
    assert _count(live.ctx, schema.journal) == 0
    assert _count(live.ctx, schema.quarantine) == 1
    assert client.cursor().status == "defect"


@pytest.mark.integration
def test_a_journal_of_another_till_is_a_chain_defect(live: LiveServer, till: TillFixture) -> None:
    client = live.enrolled(till="TILL07")
    with pytest.raises(ProtocolError) as info:
        client.push(wire_records(till.data_dir))
    assert info.value.code == "chain"
    anomalies = info.value.extra["anomalies"]
    assert isinstance(anomalies, list)
    assert any(a["check"] == "device.till" for a in anomalies)


@pytest.mark.integration
def test_concurrent_deliveries_of_one_batch_insert_once(
    live: LiveServer, till: TillFixture
) -> None:
    for _ in range(5):
        sell(till, ("BAG", 1000))
    records = wire_records(till.data_dir)
    client = live.enrolled()
    key = client._key  # the same device, several connections (a retry racing its original)
    clients = [live.client(key) for _ in range(4)]
    for c in clients:
        c.device_id = client.device_id
    acks: list[Ack] = []
    errors: list[BaseException] = []

    def run(c: SyncClient) -> None:
        try:
            acks.append(c.push(records))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(a.accepted for a in acks) == [0, 0, 0, len(records)]
    assert _count(live.ctx, schema.journal) == len(records)


@pytest.mark.integration
def test_several_tills_push_at_once(live: LiveServer, tmp_path: Path) -> None:
    tills = [make_till(tmp_path / f"t{i}") for i in range(3)]
    try:
        for t in tills:
            for _ in range(3):
                sell(t, ("BAG", 1000), ("VIN", None))
        clients = [live.enrolled() for _ in tills]
        acks: list[int] = []
        errors: list[BaseException] = []

        def run(i: int) -> None:
            try:
                acks.append(clients[i].push(wire_records(tills[i].data_dir)).acked_gseq)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(acks) == 3
        levels = reports.stock_levels(live.ctx, "S1")
        assert levels["BAG"] == -9000
        assert levels["VIN"] == -9000
        assert levels == reports.stock_from_movements(live.ctx, "S1")
        for c in clients:
            assert reports.verify_device(live.ctx, c.device_id).report.ok
    finally:
        for t in tills:
            t.till.close()


def test_anchor_signatures_do_not_verify_with_another_key(live: LiveServer) -> None:
    signed = SignedObject({"type": "anchor"}, live.ctx.kid, "x" * 86)
    assert not signed.verify(live.ctx.jwk)
    assert not signed.verify(es256.public_jwk(es256.generate_private_key().public_key()))


@pytest.mark.integration
def test_a_key_rotation_in_the_middle_of_a_backlog(live: LiveServer, till: TillFixture) -> None:
    """F24: half the backlog under the old key, the rest under the new one; the old key is dead."""
    for _ in range(4):
        sell(till, ("BAG", 1000))
    records = wire_records(till.data_dir)
    old_key = es256.generate_private_key()
    client = live.client(old_key)
    client.enroll(auth.create_enroll_code(live.ctx, "S1"))
    client.push(records[:4])
    cursor = client.rotate_key(es256.generate_private_key())
    assert cursor.acked_gseq == 4
    ack = client.push(records[4:])
    assert ack.acked_gseq == records[-1].gseq
    stale = live.client(old_key)
    stale.device_id = client.device_id
    with pytest.raises(ProtocolError) as info:
        stale.cursor()
    assert (info.value.status, info.value.code) == (401, "bad_signature")
    assert reports.verify_device(live.ctx, client.device_id).report.ok
