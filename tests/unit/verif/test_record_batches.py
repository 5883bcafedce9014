"""Whole-record batches (`RecordChecker`): the same findings as checking every body in the verifier.

`ParallelSignatureChecker.submit_records` checks the signatures and, for a share of the bodies,
whether they are canonical; the verifier then only decodes those bodies. Whatever the share, and
whether the work runs in the calling process or in worker processes, the report must be the one
the signature-batch path gives (every finding, with its gseq, sentences and values).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caisse_verif import es256
from caisse_verif.archive import _parse_line, _record_of
from caisse_verif.canonical import (
    canonical_json,
    canonical_problem,
    parse_canonical,
    parse_checked_canonical,
)
from caisse_verif.checks import RecordChecker, Report, SignatureSubmitter
from caisse_verif.errors import CanonicalError
from caisse_verif.record import StoredRecord
from tests.unit.verif.builder import JournalBuilder, Line, standard_journal, with_body
from tests.unit.verif.test_tampering_property import KEY, build, operations, tamper

KINDS = [
    "flip_body_byte",
    "flip_core_char",
    "flip_sig_char",
    "delete",
    "swap",
    "duplicate",
    "resign_other_key",
    "resign_same_key",
    "edit_total_resign",
]


def findings(report: Report) -> list[tuple[Any, ...]]:
    return [(a.gseq, a.check, a.fr, a.en, a.expected, a.found) for a in report.anomalies]


def by_signature_batches(j: JournalBuilder, records: Sequence[StoredRecord]) -> Report:
    """The reference: a plain batch callable, so that the verifier checks every body itself."""
    inner = es256.make_batch_checker(j.jwk, workers=0)

    def checker(pairs: Sequence[tuple[str, str]]) -> list[bool]:
        return inner(pairs)

    assert not isinstance(checker, RecordChecker)
    return j.verify(records, check_signatures=checker, anchor=j.anchor())


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":1,"b":[true,null,"\\u0001"]}',
        b'{"b":1,"a":2}',
        b'{"a": 1}',
        b'{"a":1.5}',
        b'{"a":-0}',
        b'{"a":"\\u00e9"}',
        b'{"a":1,"a":1}',
        b"\xff",
        b"[1,2]",
        b"",
    ],
)
def test_canonical_problem_is_the_check_of_parse_canonical(body: bytes) -> None:
    message = ""
    value: Any = None
    try:
        value = parse_canonical(body)
    except CanonicalError as exc:
        message = str(exc)
    assert canonical_problem(body) == message
    if not message:
        assert parse_checked_canonical(body) == value


@settings(max_examples=40, deadline=None)
@given(
    ops=operations,
    kind=st.sampled_from(KINDS),
    index=st.integers(0, 100),
    share=st.sampled_from([0.0, 0.4, 1.0]),
    data=st.data(),
)
def test_record_batches_find_what_signature_batches_find(
    ops: list[tuple[str, list[Line]]], kind: str, index: int, share: float, data: Any
) -> None:
    j = build(ops)
    records = tamper(j, kind, index, data)
    expected = by_signature_batches(j, records)
    with es256.make_batch_checker(j.jwk, workers=0, canonical_share=share) as checker:
        assert isinstance(checker, RecordChecker)
        report = j.verify(records, check_signatures=checker, anchor=j.anchor())
    assert findings(report) == findings(expected)
    assert (report.records, report.head_gseq, report.head_token_hash, report.gt) == (
        expected.records,
        expected.head_gseq,
        expected.head_token_hash,
        expected.gt,
    )


def test_a_body_the_checker_finds_not_canonical_is_reported_as_by_the_verifier() -> None:
    j = standard_journal(KEY)
    records = list(j.records)
    spaced = records[2].body.replace(b",", b", ", 1)
    records[2] = with_body(records[2], spaced, None)
    with es256.make_batch_checker(j.jwk, workers=0, canonical_share=1.0) as checker:
        report = j.verify(records, check_signatures=checker, anchor=j.anchor())
    assert [(a.gseq, a.check) for a in report.anomalies] == [
        (3, "body.hash"),
        (3, "body.canonical"),
    ]
    assert findings(report) == findings(by_signature_batches(j, records))


@pytest.mark.integration
def test_worker_processes_report_a_bad_signature_with_its_gseq() -> None:
    journal = standard_journal(KEY)
    for _ in range(40):
        journal.sale(Line("Baguette", 1000, 105, 550))
    records = list(journal.records)
    records[20] = replace(records[20], sig=records[19].sig)
    spaced = records[30].body.replace(b",", b", ", 1)
    records[30] = with_body(records[30], spaced, None)
    for share in (None, 0.0, 1.0):
        with es256.ParallelSignatureChecker(
            [journal.jwk], workers=2, parallel_threshold=4, canonical_share=share
        ) as check:
            assert isinstance(check, SignatureSubmitter)
            assert isinstance(check, RecordChecker)
            report = journal.verify(records, check_signatures=check, signature_batch_size=5)
            assert 0.0 <= check.canonical_share <= 1.0
        assert [(a.check, a.gseq) for a in report.anomalies] == [
            ("sig.invalid", 21),
            ("chain.prev", 22),
            ("body.hash", 31),
            ("body.canonical", 31),
        ], share


# ------------------------------------------------------------- archive lines (journal.jsonl)

texts = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40)
pieces = st.lists(st.sampled_from(['"', "\\", '\\"', "\\\\", "\\n", "é", "a", "{", ":", ","]))


@settings(max_examples=300, deadline=None)
@given(core=texts, sig=texts, body=texts, extra=pieces)
def test_an_archive_line_reads_as_the_json_parser_reads_it(
    core: str, sig: str, body: str, extra: list[str]
) -> None:
    """The sliced fast path of `_parse_line` gives what the JSON module gives, or falls back."""
    for text in (body, body + "".join(extra)):
        line = json.dumps(
            {"core": core, "sig": sig, "body": text}, ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")
        assert _parse_line(line + b"\n") == _record_of(json.loads(line))
    # a hand-made line whose body literal is not valid JSON string content is never misread
    raw = b'{"core":"C","sig":"S","body":"' + "".join(extra).encode("utf-8") + b'"}\n'
    try:
        expected = _record_of(json.loads(raw))
    except ValueError:
        with pytest.raises(ValueError, match=r"."):
            _parse_line(raw)
    else:
        assert _parse_line(raw) == expected


def test_every_latin1_string_is_nfc_so_the_canonical_check_may_skip_normalisation() -> None:
    """The premise of the Latin-1 shortcut of `parse_canonical` (no combining mark, no pair
    that composes), for the Unicode version of this Python."""
    assert all(unicodedata.combining(chr(c)) == 0 for c in range(256))
    for a in range(256):
        for b in range(256):
            pair = chr(a) + chr(b)
            assert unicodedata.normalize("NFC", pair) == pair


@pytest.mark.parametrize("text", ["Côtes du Rhône", "l'éditeur ½ ÿ", "e\u0301", "Å", "🍷 ok"])
def test_latin1_and_other_bodies_get_the_same_verdict_as_normalising(text: str) -> None:
    """The verdict is the slow encoder's, which checks every string for NFC."""
    body = json.dumps({"a": text}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    try:
        canonical = canonical_json(json.loads(body)) == body
    except CanonicalError:
        canonical = False
    assert (canonical_problem(body) == "") == canonical
    assert canonical == unicodedata.is_normalized("NFC", text)
