"""Files: how a dataset's rows are spread over formats, the headers each file carries, and
the writers: CSV (UTF-8 with BOM, UTF-8, GB18030), XLSX, JSON Lines."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

from creditlake.landing import layout
from creditlake.synthetic.context import MIN_FILE_ROWS, Context, FilePlan, Table
from creditlake.synthetic.datasets import PENALTY_HEADERS_ZH

FORMATS = ["csv_bom", "csv", "csv_gb18030", "xlsx", "jsonl"]
ENCODINGS = {"csv_bom": "utf-8-sig", "csv": "utf-8", "csv_gb18030": "gb18030"}
EXTENSIONS = {"csv_bom": "csv", "csv": "csv", "csv_gb18030": "csv", "xlsx": "xlsx", "jsonl": "jsonl"}
# zh: the layout's Chinese names; alias: its first alias (else zh); code: column codes, in
# the column order of another system's export
HEADER_STYLE = {"csv_bom": "zh", "csv": "code", "csv_gb18030": "alias", "xlsx": "zh", "jsonl": "code"}
BULK = 200_000  # above this, a dataset's bulk is one UTF-8 CSV and the other formats are side files
CSV_CHUNK = 50_000


def plan_files(ctx: Context, table: Table, formats: list[str]) -> list[FilePlan]:
    """Contiguous row ranges, one per format; the first format takes the bulk."""
    n = table.n
    k = max(1, min(len(formats), n // MIN_FILE_ROWS))
    side = 0
    if k > 1:
        cap = 2000 if n > BULK else 5000
        side = int(min(cap, max(MIN_FILE_ROWS, n * 0.15)))
        side = min(side, (n - MIN_FILE_ROWS) // (k - 1))
    sizes = [n - side * (k - 1)] + [side] * (k - 1)
    plans, start = [], 0
    for i, (fmt, size) in enumerate(zip(formats[:k], sizes, strict=True), start=1):
        style = HEADER_STYLE[fmt]
        codes, names = headers(ctx, table.dataset, style)
        name = f"{table.dataset}_{i:04d}.{EXTENSIONS[fmt]}"
        plans.append(FilePlan(name, table.dataset, fmt, start, start + size, style, codes, names))
        start += size
    return plans


def headers(ctx: Context, dataset: str, style: str) -> tuple[list[str], list[str]]:
    """(column codes in the order written, header names) of a file in `style`."""
    fields = layout(dataset)["fields"]
    codes = [f["code"] for f in fields]
    if style == "zh" and dataset == "penalties":
        by_zh = {f["zh"]: f["code"] for f in fields}
        return [by_zh[h] for h in PENALTY_HEADERS_ZH], list(PENALTY_HEADERS_ZH)
    if style == "zh":
        return codes, [f["zh"] for f in fields]
    if style == "alias":
        return codes, [(f.get("aliases") or [f["zh"]])[0] for f in fields]
    shuffled = [codes[j] for j in ctx.rng.permutation(len(codes)).tolist()]
    return shuffled, list(shuffled)


def numeric(value: str):
    """An amount as a JSON / XLSX number, where it is one (else None)."""
    if re.fullmatch(r"[0-9]+", value):
        return int(value)
    if re.fullmatch(r"[0-9]+\.[0-9]+", value) and repr(float(value)) == value:
        return float(value)
    return None


def write_file(ctx: Context, t: Table, f: FilePlan, folder: Path) -> None:
    path = folder / f.name
    stop = f.stop - (1 if (f.stop - 1) in t.malformed else 0)  # the malformed line is written raw
    if f.fmt.startswith("csv"):
        write_csv(t, f, stop, path)
    elif f.fmt == "xlsx":
        path.write_bytes(xlsx_bytes(ctx, t, f, stop))
    else:
        write_jsonl(t, f, stop, path)


def write_csv(t: Table, f: FilePlan, stop: int, path: Path) -> None:
    """In memory by chunks, encoded once per chunk: a text file's per-row encoding (and
    utf-8-sig's Python-level encoder) would double the time of a million rows."""
    encoding = "utf-8" if f.fmt == "csv_bom" else ENCODINGS[f.fmt]
    with path.open("wb") as fh:
        if f.fmt == "csv_bom":
            fh.write(b"\xef\xbb\xbf")
        for chunk_start in range(f.start, max(stop, f.start + 1), CSV_CHUNK):
            chunk_stop = min(stop, chunk_start + CSV_CHUNK)
            buf = io.StringIO()
            writer = csv.writer(buf)
            if chunk_start == f.start:
                writer.writerow(f.header_names)
            writer.writerows(
                zip(*[t.cols[c][chunk_start:chunk_stop].tolist() for c in f.columns], strict=True)
            )
            fh.write(buf.getvalue().encode(encoding))
        if stop < f.stop:
            fh.write((t.malformed[stop] + "\r\n").encode(encoding))


def write_jsonl(t: Table, f: FilePlan, stop: int, path: Path) -> None:
    """One object per row: typed cells and amounts as numbers; JSON producers leave empty
    optional fields out."""
    spec = t.spec
    amounts = set(spec.amounts)
    lines = []
    for r in range(f.start, stop):
        obj = {}
        for c in f.columns:
            typed = t.cells.get((r, c))
            value = t.cols[c][r]
            if typed is not None and not isinstance(typed, datetime):
                obj[c] = typed
            elif value == "" and c not in spec.required:
                continue
            elif c in amounts and numeric(value) is not None:
                obj[c] = numeric(value)
            else:
                obj[c] = value
        lines.append(json.dumps(obj, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def xlsx_bytes(ctx: Context, t: Table, f: FilePlan, stop: int) -> bytes:
    """First sheet, identifiers as text cells (format @); planted Excel damage as number cells."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(t.dataset)
    ws.append(f.header_names)
    for r in range(f.start, stop):
        ws.append([_xlsx_cell(ws, t, r, c) for c in f.columns])
    buf = io.BytesIO()
    wb.save(buf)
    return stable_zip(buf.getvalue(), ctx.as_of)


def _xlsx_cell(ws, t: Table, r: int, c: str):
    from openpyxl.cell import WriteOnlyCell

    typed = t.cells.get((r, c))
    value = t.cols[c][r]
    if typed is not None:
        cell = WriteOnlyCell(ws, value=typed)
        if isinstance(typed, datetime):
            cell.number_format = "yyyy-mm-dd"
        return cell
    if value == "":
        return None
    if c in t.spec.identifiers:
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "@"
        return cell
    if c in t.spec.amounts and numeric(value) is not None:
        return numeric(value)
    return value


def stable_zip(data: bytes, as_of: date) -> bytes:
    """openpyxl stamps the save time into docProps/core.xml and every zip entry: pin both,
    so the same seed gives the same bytes."""
    stamp = f"{as_of.isoformat()}T00:00:00Z".encode()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + stamp + rb"\g<2>",
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=(as_of.year, as_of.month, as_of.day, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, content)
    return out.getvalue()
