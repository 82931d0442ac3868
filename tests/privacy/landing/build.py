"""A hand-written landing folder for the end-to-end privacy test.

`rows.yml` holds the rows (Chinese headers as keys, plus `_format`, `_clean` and `_planted`);
`write_landing(folder)` writes them as agencies send them, one file per (dataset, format):

    folder/<dataset>/<dataset>_<format>.<ext>

* csv_utf8    - CSV, UTF-8 without BOM
* csv_bom     - CSV, UTF-8 with BOM
* csv_gb18030 - CSV, GB18030 (each row is checked to survive the round trip)
* xlsx        - first sheet, every cell a text cell (openpyxl)
* jsonl       - one JSON object per line, only the row's own keys

CSV and XLSX files carry the full national template header (every field of the layout, in
layout order, as its Chinese name); cells a row does not fill are empty.

The returned truth has one entry per row: its dataset, format, file, spreadsheet row
(`source_row`, the header is row 1, as landing's `_source_row`), decision number
(行政处罚决定书文号 / 行政许可决定文书号 / 案号), subject code and name as written,
`_clean` and `_planted` (the personal values planted in it, each EXACTLY as it appears in
one of the row's cells).
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path

import yaml

ROWS_FILE = Path(__file__).with_name("rows.yml")
LAYOUTS_DIR = Path(__file__).resolve().parents[3] / "creditlake" / "layouts"

DATASETS = ("penalties", "licenses", "court_dishonest")
# format -> (file extension, text encoding for CSV)
FORMATS: dict[str, tuple[str, str | None]] = {
    "csv_utf8": (".csv", "utf-8"),
    "csv_bom": (".csv", "utf-8-sig"),
    "csv_gb18030": (".csv", "gb18030"),
    "xlsx": (".xlsx", None),
    "jsonl": (".jsonl", None),
}
DECISION_FIELD = {
    "penalties": "行政处罚决定书文号",
    "licenses": "行政许可决定文书号",
    "court_dishonest": "案号",
}
SUBJECT_FIELD = {
    "penalties": "统一社会信用代码",
    "licenses": "统一社会信用代码",
    "court_dishonest": "身份证号码/组织机构代码",
}
NAME_FIELD = {
    "penalties": "行政相对人名称",
    "licenses": "行政相对人名称",
    "court_dishonest": "被执行人姓名/名称",
}
PLANTED_KINDS = {
    "citizen_id",
    "mobile",
    "landline",
    "bank_card",
    "email",
    "passport",
    "wechat",
    "qq",
    "birth_date",
    "home_address",
    "person_name",
}


@cache
def layout_fields(dataset: str) -> tuple[dict, ...]:
    """The layout's fields (code, zh, kind...), read from creditlake/layouts/<dataset>.yml."""
    spec = yaml.safe_load((LAYOUTS_DIR / f"{dataset}.yml").read_text(encoding="utf-8"))
    return tuple(spec["fields"])


def headers(dataset: str) -> list[str]:
    """The Chinese header of every field of the layout, in layout order."""
    return [f["zh"] for f in layout_fields(dataset)]


def load_rows(path: Path = ROWS_FILE) -> dict[str, list[dict]]:
    """rows.yml, checked: every column a layout header, every value text, every planted
    value present in one of the row's cells."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    _check(set(data) == set(DATASETS), f"rows.yml datasets: {sorted(data)}")
    for dataset, rows in data.items():
        known = set(headers(dataset))
        for i, row in enumerate(rows):
            where = f"rows.yml {dataset}[{i}]"
            _check(row.get("_format") in FORMATS, f"{where}: _format {row.get('_format')!r}")
            _check(isinstance(row.get("_clean"), bool), f"{where}: _clean must be true or false")
            planted = row.get("_planted")
            _check(isinstance(planted, list), f"{where}: _planted must be a list")
            cells = columns(row)
            unknown = set(cells) - known
            _check(not unknown, f"{where}: not a {dataset} header: {sorted(unknown)}")
            for name, value in cells.items():
                _check(isinstance(value, str), f"{where}: {name} is {type(value).__name__}, quote it")
            for p in planted:
                _check(set(p) == {"kind", "value"}, f"{where}: planted entry {p}")
                _check(p["kind"] in PLANTED_KINDS, f"{where}: unknown kind {p['kind']!r}")
                _check(isinstance(p["value"], str) and p["value"], f"{where}: planted value {p}")
                _check(any(p["value"] in v for v in cells.values()), f"{where}: {p['value']!r} is in no cell")
            _check(row["_clean"] == (not planted), f"{where}: _clean and _planted disagree")
    return data


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def columns(row: dict) -> dict[str, str]:
    """The row's cells: every key but the `_` ones."""
    return {k: v for k, v in row.items() if not k.startswith("_")}


def file_name(dataset: str, fmt: str) -> str:
    return f"{dataset}_{fmt}{FORMATS[fmt][0]}"


def write_landing(folder: Path, rows_file: Path = ROWS_FILE) -> dict:
    """Write every row of `rows_file` into `folder/<dataset>/`, one file per (dataset, format).

    Returns {"files": [{dataset, format, path, rows}], "rows": [{dataset, format, file,
    source_row, decision_number, subject_code, subject_name, _clean, _planted}]}.
    """
    folder = Path(folder)
    data = load_rows(rows_file)
    truth: dict = {"files": [], "rows": []}
    for dataset in DATASETS:
        target = folder / dataset
        target.mkdir(parents=True, exist_ok=True)
        for fmt in FORMATS:
            rows = [r for r in data[dataset] if r["_format"] == fmt]
            if not rows:
                continue
            path = target / file_name(dataset, fmt)
            cells = [columns(r) for r in rows]
            if fmt == "xlsx":
                _write_xlsx(path, dataset, cells)
            elif fmt == "jsonl":
                _write_jsonl(path, cells)
            else:
                _write_csv(path, dataset, cells, FORMATS[fmt][1])
            truth["files"].append({"dataset": dataset, "format": fmt, "path": str(path), "rows": len(rows)})
            for number, row in enumerate(rows, start=2):  # the header is row 1
                truth["rows"].append(
                    {
                        "dataset": dataset,
                        "format": fmt,
                        "file": str(path),
                        "source_row": number,
                        "decision_number": row[DECISION_FIELD[dataset]],
                        "subject_code": row[SUBJECT_FIELD[dataset]],
                        "subject_name": row[NAME_FIELD[dataset]],
                        "_clean": row["_clean"],
                        "_planted": [dict(p) for p in row["_planted"]],
                    }
                )
    return truth


def _write_csv(path: Path, dataset: str, rows: list[dict], encoding: str) -> None:
    header = headers(dataset)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    text = buf.getvalue()
    if encoding == "gb18030":
        for row in rows:  # name the row that GB18030 cannot carry, if any
            for name, value in row.items():
                try:
                    ok = value.encode("gb18030").decode("gb18030") == value
                except UnicodeError:
                    ok = False
                if not ok:
                    raise ValueError(f"{path.name}: {name}={value!r} does not survive GB18030")
    path.write_bytes(text.encode(encoding))


def _write_xlsx(path: Path, dataset: str, rows: list[dict]) -> None:
    from datetime import datetime

    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    header = headers(dataset)
    wb = Workbook()
    ws = wb.active
    ws.title = dataset
    ws.append(header)
    for row in rows:
        values = []
        for h in header:
            value = row.get(h, "")
            if value.startswith("=") or ILLEGAL_CHARACTERS_RE.search(value):
                raise ValueError(f"{path.name}: {h}={value!r} cannot be an XLSX text cell")
            values.append(value or None)
        ws.append(values)
    for line in ws.iter_rows():
        for cell in line:
            if cell.value is not None:
                cell.data_type = "s"  # text, never a number or a date
            cell.number_format = "@"
    wb.properties.creator = "creditlake privacy test"
    wb.properties.created = wb.properties.modified = datetime(2026, 11, 20, 9, 0, 0)
    wb.save(path)


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
