"""Text and JSON rendering of reports."""

from __future__ import annotations

import json

from caisse_verif.checks import Anomaly, Report
from caisse_verif.report import format_cents, render_json, render_json_text, render_text


def report(*anomalies: Anomaly, checked: bool = True) -> Report:
    return Report(
        records=3,
        anomalies=list(anomalies),
        head_gseq=3,
        head_token_hash="HEAD",
        gt=123456,
        gt_abs=-5,
        till="TILL01",
        kid="KID",
        counts_by_kind={"T": 2, "J": 1},
        signatures_checked=checked,
    )


BAD = Anomaly(2, "body.hash", "Corps modifié.", "Body changed.", "AAA", "BBB")
NO_GSEQ = Anomaly(None, "core.grammar", "Noyau illisible.", "Unreadable core.", None, None)


def test_format_cents() -> None:
    assert format_cents(123456) == "1\u202f234,56 €"
    assert format_cents(-5) == "-0,05 €"
    assert format_cents(0, "en") == "EUR 0.00"
    assert format_cents(-123456, "en") == "EUR -1,234.56"


def test_text_ok_in_french_and_english() -> None:
    fr = render_text(report())
    assert "Caisse : TILL01" in fr
    assert "Enregistrements : 3 (J=1, T=2)" in fr
    assert "Grand total perpétuel : 1\u202f234,56 € ; grand total perpétuel absolu : -0,05 €" in fr
    assert fr.rstrip().endswith("Résultat : journal intègre, aucune anomalie.")
    en = render_text(report(), "en")
    assert "Till: TILL01" in en
    assert "Perpetual grand total: EUR 1,234.56; perpetual absolute grand total: EUR -0.05" in en
    assert en.rstrip().endswith("Result: the journal is intact, no anomaly.")


def test_text_lists_anomalies() -> None:
    fr = render_text(report(BAD, NO_GSEQ, checked=False))
    assert "Signatures : NON vérifiées" in fr
    assert "Résultat : 2 anomalie(s) détectée(s)." in fr
    assert "- gseq 2 [body.hash] Corps modifié." in fr
    assert "    attendu : AAA\n    trouvé : BBB" in fr
    assert fr.endswith(
        "Contrôles en échec :\n  body.hash : empreinte du corps incorrecte\n"
        "  core.grammar : noyau mal formé\n"
    )
    assert "- gseq ? [core.grammar] Noyau illisible." in fr
    en = render_text(report(BAD), "en")
    assert "- gseq 2 [body.hash] Body changed." in en
    assert "    expected: AAA\n    found: BBB" in en


def test_json_object() -> None:
    obj = render_json(report(BAD), "en")
    assert obj == {
        "ok": False,
        "records": 3,
        "head_gseq": 3,
        "head_token_sha256": "HEAD",
        "till": "TILL01",
        "kid": "KID",
        "gt": 123456,
        "gt_abs": -5,
        "counts": {"J": 1, "T": 2},
        "signatures_checked": True,
        "anomalies": [
            {
                "gseq": 2,
                "check": "body.hash",
                "message": "Body changed.",
                "expected": "AAA",
                "found": "BBB",
            }
        ],
    }
    assert json.loads(render_json_text(report(BAD)))["anomalies"][0]["message"] == "Corps modifié."
    assert render_json(report())["ok"] is True
