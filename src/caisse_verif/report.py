"""Rendering of a verification `Report`: a text report in French or English, and a JSON object.

Pure: standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from caisse_verif.checks import CHECKS, Anomaly, Report

LANGS = ("fr", "en")

_TEXT = {
    "fr": {
        "title": "Vérification du journal NF525 (caisse-verif)",
        "till": "Caisse",
        "kid": "Clé publique (kid)",
        "records": "Enregistrements",
        "head": "Tête de chaîne",
        "gt": "Grand total perpétuel",
        "gt_abs": "grand total perpétuel absolu",
        "sigs": "Signatures",
        "sigs_yes": "vérifiées",
        "sigs_no": "NON vérifiées (aucune clé publique)",
        "ok": "Résultat : journal intègre, aucune anomalie.",
        "bad": "Résultat : {n} anomalie(s) détectée(s).",
        "expected": "attendu",
        "found": "trouvé",
        "absent": "(absent)",
        "none": "(aucune)",
        "no_gseq": "gseq ?",
        "legend": "Contrôles en échec :",
        ":": " : ",
        ";": " ; ",
    },
    "en": {
        "title": "NF525 journal verification (caisse-verif)",
        "till": "Till",
        "kid": "Public key (kid)",
        "records": "Records",
        "head": "Chain head",
        "gt": "Perpetual grand total",
        "gt_abs": "perpetual absolute grand total",
        "sigs": "Signatures",
        "sigs_yes": "checked",
        "sigs_no": "NOT checked (no public key)",
        "ok": "Result: the journal is intact, no anomaly.",
        "bad": "Result: {n} anomaly(ies) found.",
        "expected": "expected",
        "found": "found",
        "absent": "(absent)",
        "none": "(none)",
        "no_gseq": "gseq ?",
        "legend": "Failed checks:",
        ":": ": ",
        ";": "; ",
    },
}


def _lang(lang: str) -> str:
    return lang if lang in LANGS else "fr"


def format_cents(cents: int, lang: str = "fr") -> str:
    """Format cents as euros: ``-1 234,56 €`` in French, ``EUR -1,234.56`` in English."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    if _lang(lang) == "en":
        return f"EUR {sign}{units:,}.{rest:02d}"
    grouped = f"{units:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d} €"


def anomaly_lines(anomalies: Sequence[Anomaly], lang: str = "fr") -> list[str]:
    """Render anomalies, each as a headline and its expected and found values."""
    lang = _lang(lang)
    text = _TEXT[lang]
    colon = text[":"]
    out: list[str] = []
    for anomaly in anomalies:
        where = text["no_gseq"] if anomaly.gseq is None else f"gseq {anomaly.gseq}"
        out.append(f"- {where} [{anomaly.check}] {anomaly.message(lang)}")
        if anomaly.expected is not None or anomaly.found is not None:
            expected = text["absent"] if anomaly.expected is None else anomaly.expected
            found = text["absent"] if anomaly.found is None else anomaly.found
            out.append(f"    {text['expected']}{colon}{expected}")
            out.append(f"    {text['found']}{colon}{found}")
    return out


def render_text(report: Report, lang: str = "fr") -> str:
    """Render `report` as a text report in French (default) or English."""
    lang = _lang(lang)
    text = _TEXT[lang]
    colon, semicolon = text[":"], text[";"]
    counts = ", ".join(f"{kind}={n}" for kind, n in sorted(report.counts_by_kind.items()))
    signatures = text["sigs_yes"] if report.signatures_checked else text["sigs_no"]
    lines = [
        text["title"],
        "",
        f"{text['till']}{colon}{report.till or text['absent']}",
        f"{text['kid']}{colon}{report.kid or text['absent']}",
        f"{text['records']}{colon}{report.records}" + (f" ({counts})" if counts else ""),
        f"{text['head']}{colon}gseq {report.head_gseq}, SHA-256 {report.head_token_hash or '-'}",
        f"{text['gt']}{colon}{format_cents(report.gt, lang)}{semicolon}"
        f"{text['gt_abs']}{colon}{format_cents(report.gt_abs, lang)}",
        f"{text['sigs']}{colon}{signatures}",
        "",
    ]
    if report.ok:
        lines.append(text["ok"])
    else:
        lines.append(text["bad"].format(n=len(report.anomalies)))
        lines.append("")
        lines.extend(anomaly_lines(report.anomalies, lang))
        lines += ["", text["legend"]]
        for check in sorted({a.check for a in report.anomalies}):
            title = CHECKS.get(check, ("?", "?"))[0 if lang == "fr" else 1]
            lines.append(f"  {check}{colon}{title}")
    return "\n".join(lines) + "\n"


def anomaly_to_json(anomaly: Anomaly, lang: str = "fr") -> dict[str, object]:
    """Return ``{"gseq", "check", "message", "expected", "found"}`` for one anomaly."""
    return {
        "gseq": anomaly.gseq,
        "check": anomaly.check,
        "message": anomaly.message(_lang(lang)),
        "expected": anomaly.expected,
        "found": anomaly.found,
    }


def render_json(report: Report, lang: str = "fr") -> dict[str, object]:
    """Return the report as a JSON object (messages in `lang`).

    Keys: ``ok``, ``records``, ``head_gseq``, ``head_token_sha256``, ``till``, ``kid``, ``gt``,
    ``gt_abs``, ``counts``, ``signatures_checked`` and ``anomalies`` (each ``gseq``, ``check``,
    ``message``, ``expected``, ``found``).
    """
    return {
        "ok": report.ok,
        "records": report.records,
        "head_gseq": report.head_gseq,
        "head_token_sha256": report.head_token_hash,
        "till": report.till,
        "kid": report.kid,
        "gt": report.gt,
        "gt_abs": report.gt_abs,
        "counts": dict(sorted(report.counts_by_kind.items())),
        "signatures_checked": report.signatures_checked,
        "anomalies": [anomaly_to_json(a, lang) for a in report.anomalies],
    }


def render_json_text(report: Report, lang: str = "fr") -> str:
    """Render the report as indented JSON text (UTF-8, not ASCII-escaped), newline-terminated."""
    return json.dumps(render_json(report, lang), ensure_ascii=False, indent=2) + "\n"
