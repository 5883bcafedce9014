"""The sales report as CSV: one file, one section per table, readable by a spreadsheet.

Layout: ``;``-separated UTF-8 (with a BOM so that spreadsheet software reads the accents),
amounts in integer cents, quantities in thousandths. Each row starts with its section name
(``summary``, ``hour``, ``top``, ``operator``, ``category``, ``vat``, ``day``) and the first
row of each section is its header, so that the file can be filtered on the first column.
"""

from __future__ import annotations

import csv
from pathlib import Path

from caisse.domain.errors import InvalidInput
from caisse.services.reports import SalesReport


def sales_rows(report: SalesReport) -> list[list[object]]:
    """Every row of the CSV, headers included."""
    data = report.as_json()
    rows: list[list[object]] = [["section", "key", "value"]]
    for key in (
        "from",
        "to",
        "till",
        "turnover_ttc_cents",
        "turnover_ht_cents",
        "sales_ttc_cents",
        "returns_ttc_cents",
        "tickets",
        "returns",
        "average_basket_cents",
    ):
        rows.append(["summary", key, data[key]])
    rows.append(["hour", "hour", "tickets", "returns", "ttc_cents"])
    rows += [
        ["hour", h["hour"], h["tickets"], h["returns"], h["ttc_cents"]] for h in data["by_hour"]
    ]
    rows.append(["top", "rank", "sku", "label", "qty_milli", "ttc_cents"])
    rows += [
        ["top", i, t["sku"], t["label"], t["qty_milli"], t["ttc_cents"]]
        for i, t in enumerate(data["top_items"], start=1)
    ]
    rows.append(["operator", "id", "name", "tickets", "returns", "ttc_cents"])
    rows += [
        ["operator", o["id"], o["name"], o["tickets"], o["returns"], o["ttc_cents"]]
        for o in data["by_operator"]
    ]
    rows.append(["category", "category", "qty_milli", "ttc_cents"])
    rows += [
        ["category", c["category"], c["qty_milli"], c["ttc_cents"]] for c in data["by_category"]
    ]
    rows.append(["vat", "rate_bp", "ht_cents", "tva_cents", "ttc_cents"])
    rows += [
        ["vat", v["rate_bp"], v["ht_cents"], v["tva_cents"], v["ttc_cents"]] for v in data["by_vat"]
    ]
    rows.append(["day", "date", "tickets", "returns", "ttc_cents"])
    rows += [["day", d["date"], d["tickets"], d["returns"], d["ttc_cents"]] for d in data["by_day"]]
    return rows


def write_sales_csv(report: SalesReport, path: Path) -> None:
    """Write the sales report as CSV (temporary name, then rename).

    Raises:
        InvalidInput: the file cannot be written.
    """
    part = path.with_name(path.name + ".part")
    try:
        with part.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh, delimiter=";", lineterminator="\n").writerows(sales_rows(report))
        part.replace(path)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise InvalidInput(
            f"Impossible d'écrire {path} : {exc.strerror or exc}.",
            f"Cannot write {path}: {exc.strerror or exc}.",
        ) from exc
