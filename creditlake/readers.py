"""Reading agency extracts: every format and container they send, as one table of strings.

Agencies export what their systems write, and most cannot change it. So the reader takes:
- delimited text (`.csv`, `.txt`, `.tsv`) in UTF-8 (with or without BOM) or GB18030, with the
  delimiter sniffed (comma, tab, semicolon, pipe);
- workbooks: `.xlsx`, legacy Excel 97-2003 `.xls` (BIFF, read with xlrd), and the two things
  older systems save under `.xls` that are not Excel files at all: an HTML table, and an
  Excel 2003 XML spreadsheet; the type is told by the bytes, not by the name;
- JSON: JSON Lines, and a JSON array or an API envelope (`{"code": 0, "data": {"list": [...]}}`),
  the records found in it (or at a configured path);
and in any of them finds the header: the row, within the first `HEADER_SEARCH_ROWS` of a file
or of each sheet, that names the most columns the layout knows. Title and note rows above it
are skipped and reported; so are footers (合计, 制表人, 备注 ... lines) and blank rows below.
In a workbook the sheet holding the data is the one with the best header, whatever its place.
Each table row keeps the line (or spreadsheet row, or JSON record) it came from.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

import numpy as np

TEXT = {".csv", ".txt", ".tsv"}
WORKBOOK = {".xlsx", ".xls"}
JSON = {".json", ".jsonl", ".ndjson"}
READABLE = TEXT | WORKBOOK | JSON
HEADER_SEARCH_ROWS = 30
DELIMITERS = (",", "\t", ";", "|")
# A footer line starts with one of these (after quotes and spaces) and fills few cells.
FOOTER = re.compile(
    r"^[\"'\s]*(合计|总计|小计|共计|制表|填报|审核|复核|备注|说明|注\s*[:：]|数据截止|共\s*\d+\s*条)"
)
FOOTER_MAX_CELLS = 3


class Refusal(Exception):
    """The whole file is refused; `code` is a file-level reason code (reasons.yml)."""

    def __init__(self, code: str, detail: str | None = None):
        super().__init__(code, detail)
        self.code, self.detail = code, detail


def header_key(name: str) -> str:
    """Headers compare after NFKC (full-width brackets) and without spaces or BOM."""
    return unicodedata.normalize("NFKC", str(name)).replace("\ufeff", "").replace(" ", "").strip().upper()


@dataclass
class MalformedRow:
    """A row the reader could not split into the header's columns (CSV), or a record that is not
    a JSON object (JSON)."""

    line: int | None  # the line it starts on, as an editor numbers them from 1 (None: not found)
    text: str  # as sent
    fields: list[str] | None = None  # split with the file's delimiter (CSV only)


@dataclass
class Skipped:
    """Lines that are not records: a title or notes above the header, a footer below the data,
    blank rows. Reported (summary, provider feedback), never counted in `rows_in`."""

    kind: str  # title | footer | blank
    line: int | None
    text: str = ""


class Extract(NamedTuple):
    """A file as read: its rows as a table of strings, the rows it could not read, the line each
    table row starts on (None: the header is line 1 and every row one line after it), what was
    skipped as no record, and how it was read (delimiter, sheet, records path)."""

    table: object
    malformed: list[MalformedRow]
    lines: np.ndarray | None = None
    skipped: list[Skipped] = []
    notes: list[str] = []


Known = Callable[[list[str]], int]


def known_names(keys: Iterable[str]) -> Known:
    """How many cells of a row are header names the layout knows (`keys`: `header_key`s)."""
    keys = frozenset(keys)
    return lambda cells: len({header_key(c) for c in cells if c} & keys)


def read_extract(name: str, data, known: Known, records_path: str | None = None) -> Extract:
    """The file as an Arrow table of strings plus what it could not read and what it skipped.
    `name` gives the type (its suffix); for workbooks the bytes decide between the kinds of
    `.xls`. `known` scores a candidate header row."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in READABLE:
        raise Refusal(
            "file_unreadable",
            f"unsupported file type {suffix or name!r}; send CSV or TXT (comma, tab, semicolon or pipe), "
            "XLSX or XLS, JSON or JSON Lines, or a ZIP of them",
        )
    if suffix in WORKBOOK:
        return _read_workbook(bytes(data), known)
    if suffix == ".json":
        return _read_json(_decoded(data), records_path)
    if suffix in (".jsonl", ".ndjson"):
        return _read_jsonl(_decoded(data))
    # Arrow's CSV reader validates UTF-8 itself (strict): only when the bytes are not UTF-8 are
    # they decoded in Python (GB18030) and read again as UTF-8.
    try:
        return _read_delimited(data, known)
    except _NotUtf8:
        return _read_delimited(_decoded(data).encode("utf-8"), known)


def decode(data: bytes) -> tuple[str, str] | None:
    """(text, encoding): strict UTF-8 (with or without BOM) first, then GB18030; else None.

    Order matters: UTF-8 bytes often decode as GB18030 'successfully' into mojibake.
    """
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def _decoded(data) -> str:
    decoded = decode(bytes(data))
    if decoded is None:
        raise Refusal("file_encoding")
    return decoded[0]


# --- the header ------------------------------------------------------------------------------


def find_header(rows: list[list[str]], known: Known) -> tuple[int, int]:
    """(index, score) of the row among `rows` naming the most known columns; the first of equals.
    Score 0: no row names any, and the first non-blank row is taken (the file is refused later
    for its missing columns, naming them)."""
    scores = [known(row) for row in rows]
    best = max(scores, default=0)
    if best:
        return scores.index(best), best
    return next((i for i, row in enumerate(rows) if any(c.strip() for c in row)), 0), 0


def _above_header(rows: list[list[str]], index: int, first_line: int = 1) -> list[Skipped]:
    """The non-blank rows above the header: a title, notes, a unit line."""
    return [
        Skipped("title", first_line + i, " ".join(c.strip() for c in row if c.strip()))
        for i, row in enumerate(rows[:index])
        if any(c.strip() for c in row)
    ]


def is_footer(cells: list[str]) -> bool:
    filled = [c.strip() for c in cells if c and c.strip()]
    return bool(filled) and len(filled) <= FOOTER_MAX_CELLS and bool(FOOTER.match(filled[0]))


# --- delimited text --------------------------------------------------------------------------


class _NotUtf8(Exception):
    pass


def _head_lines(data) -> tuple[list[str], list[int]]:
    """The first lines of the file as UTF-8 text (the last one dropped when the head cuts it),
    and the byte offset each starts at."""
    head = bytes(memoryview(data)[: 1 << 16])
    if len(head) == 1 << 16:
        head = head[: head.rfind(b"\n") + 1] or head
    raw = head.split(b"\n")[:HEADER_SEARCH_ROWS]
    starts = np.cumsum([0] + [len(line) + 1 for line in raw[:-1]]).tolist()
    try:
        lines = [line.decode("utf-8").rstrip("\r") for line in raw]
    except UnicodeDecodeError as err:
        raise _NotUtf8 from err
    return [lines[0].removeprefix("\ufeff"), *lines[1:]], starts


def sniff(lines: list[str], known: Known) -> tuple[str, int, list[list[str]]]:
    """(delimiter, header index, rows split with it): the delimiter under which some line names
    the most known columns; where none does, the one that splits the first line most."""
    best = None
    for delimiter in DELIMITERS:
        rows = [_split(line, delimiter) for line in lines]
        index, score = find_header(rows, known)
        rank = (score, len(rows[index]) if rows else 0)
        if best is None or rank > best[0]:
            best = (rank, delimiter, index, rows)
    _, delimiter, index, rows = best
    return delimiter, index, rows


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return [line]


def _read_delimited(data, known: Known) -> Extract:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    lines, starts = _head_lines(data)
    delimiter, index, rows = sniff(lines, known)
    header = rows[index] if rows else []
    if not any(h.strip() for h in header):
        raise Refusal("file_empty")
    # The data starts at the header's line: the bytes before it are skipped, not copied.
    offset = starts[index]
    body = pa.py_buffer(data)[offset:] if offset else data
    # Only the text: Arrow's row number counts records, not lines, and is unknown (None) when
    # blocks are parsed on several threads. `_csv_lines` finds each row's line afterwards.
    texts: list[str] = []

    def on_invalid(row) -> str:
        texts.append(row.text)
        return "skip"

    try:
        table = pcsv.read_csv(
            pa.BufferReader(body),
            read_options=pcsv.ReadOptions(block_size=1 << 22),
            parse_options=pcsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as err:
        if "UTF8" in str(err) or "utf8" in str(err).lower():
            raise _NotUtf8 from err
        raise Refusal("file_unreadable", str(err).splitlines()[0]) from err
    notes = [f"delimiter {_DELIMITER_NAMES[delimiter]}"] if delimiter != "," else []
    if index:
        notes.append(f"header on line {index + 1}")
    skipped = _above_header(rows, index)
    malformed, line_of = [], None
    if texts:
        found, line_of = _csv_lines(body, texts, table.num_rows)
        malformed = [
            MalformedRow(None if line is None else line + index, text, _split_record(text, delimiter))
            for line, text in zip(found, texts, strict=True)
        ]
        malformed.sort(key=lambda row: (row.line is None, row.line or 0))
    elif _line_breaks(body) != table.num_rows + _ends_with_break(body):
        # a value holds a line break, or there are blank lines: the rows' lines are found, not counted
        _, line_of = _csv_lines(body, [], table.num_rows)
    if line_of is not None:
        line_of = line_of + index
    elif index:
        line_of = np.arange(index + 2, index + 2 + table.num_rows, dtype=np.int64)
    return _without_footers(Extract(table, malformed, line_of, skipped, notes))


_DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}


def _split_record(text: str, delimiter: str) -> list[str] | None:
    """One CSV record split into its fields, quotes respected (a quoted value may hold the
    delimiter or a line break)."""
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error:
        return None


def _without_footers(extract: Extract) -> Extract:
    """Drop what is no record: rows with no value at all, anywhere; the footer rows that end the
    table, and the footer lines after the last record that the reader could not split; the
    columns with neither a name nor a value (trailing delimiters)."""
    import pyarrow as pa

    table, malformed, lines, skipped, notes = extract
    n = table.num_rows
    line_of = lines if lines is not None else np.arange(2, n + 2, dtype=np.int64)
    keep = _filled_cells(table) > 0
    skipped = [*skipped, *(Skipped("blank", int(line)) for line in line_of[~keep])]
    for i in np.flatnonzero(keep)[::-1][:20]:  # footers end the table
        row = [v or "" for v in table.slice(i, 1).to_pylist()[0].values()]
        if not is_footer(row):
            break
        keep[i] = False
        skipped.append(Skipped("footer", int(line_of[i]), _cells_text(row)))
    last = int(line_of[keep][-1]) if keep.any() else 0
    footers = [m for m in malformed if (m.line or 0) > last and is_footer(m.fields or [m.text])]
    malformed = [m for m in malformed if m not in footers]
    skipped += [Skipped("footer", m.line, _cells_text(m.fields or [m.text])) for m in footers]
    if not keep.all():
        table, lines = table.filter(pa.array(keep)), line_of[keep]
    return Extract(_without_empty_columns(table), malformed, lines, sorted(skipped, key=_line), notes)


def _cells_text(cells: list[str]) -> str:
    return " ".join(c.strip() for c in cells if c and c.strip())


def _line(skipped: Skipped) -> int:
    return skipped.line or 0


def _filled_cells(table) -> np.ndarray:
    """How many cells of each row hold a value, from the string lengths (no string is read)."""
    import pyarrow.compute as pc

    filled = np.zeros(table.num_rows, dtype=np.int32)
    for column in table.columns:
        lengths = pc.fill_null(pc.binary_length(column), 0)
        filled += lengths.to_numpy() > 0
    return filled


def _without_empty_columns(table):
    """Without the columns that have no header name and no value (a row's trailing delimiters)."""
    import pyarrow.compute as pc

    kept = [
        i
        for i, name in enumerate(table.column_names)
        if header_key(name) or (table.num_rows and pc.max(pc.binary_length(table.column(i))).as_py())
    ]
    return table if len(kept) == table.num_columns else table.select(kept)


def _csv_lines(data, texts: list[str], rows: int) -> tuple[list[int | None], np.ndarray | None]:
    """The line each malformed row (by its text) starts on, and the line of every row the
    reader kept, in table order (None when the file's records cannot be told apart for sure).

    Lines are what an editor shows: the header (after any BOM) is line 1, and a quoted value
    holding a line break takes two. A record ends at a line break outside quotes, i.e. after an
    even number of quote characters (a quote doubled inside a quoted value counts twice);
    blank lines are no records, as for the reader. A file whose quotes defeat this (a stray
    quote inside an unquoted value) has its malformed rows looked for among its plain lines.
    Vectorised: this runs on a whole file, however few rows are malformed."""
    b = np.frombuffer(data, np.uint8)
    breaks, quotes = _positions(b, b'\n"')
    if not len(breaks):  # lines ended by CR alone (old Mac exports)
        (breaks,) = _positions(b, b"\r")
    starts, stops = _records(b, breaks, quotes)
    record = _find_records(b, starts, stops, texts)
    first_line = np.searchsorted(breaks, starts) + 1
    found = [None if r is None else int(first_line[r]) for r in record]
    if None not in record and len(starts) == 1 + rows + len(texts):
        kept = np.ones(len(starts), dtype=bool)
        kept[[0, *record]] = False
        return found, first_line[kept]
    starts, stops = _records(b, breaks, quotes[:0])
    plain_line = np.searchsorted(breaks, starts) + 1
    plain = _find_records(
        b, starts, stops, [t if r is None else "" for t, r in zip(texts, record, strict=True)]
    )
    return [line if p is None else int(plain_line[p]) for line, p in zip(found, plain, strict=True)], None


def _line_breaks(data) -> int:
    """How many line feeds the file holds, 4 MB at a time on both cores."""
    from concurrent.futures import ThreadPoolExecutor

    b = np.frombuffer(data, np.uint8)
    step = 1 << 22

    def count(start: int) -> int:
        return int(np.count_nonzero(b[start : start + step] == 10))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return sum(pool.map(count, range(0, len(b), step)))


def _ends_with_break(data) -> bool:
    return len(data) > 0 and bytes(memoryview(data)[-1:]) == b"\n"


def _positions(b: np.ndarray, values: bytes) -> list[np.ndarray]:
    """Offsets of each byte value in `b`. 4 MB at a time, on both cores: both values are found
    while a piece is in the cache, and a comparison of the whole file at once would allocate
    a mask as large as the file (ten times slower)."""
    from concurrent.futures import ThreadPoolExecutor

    step = 1 << 22

    def piece(start: int) -> list[np.ndarray]:
        chunk = b[start : start + step]
        return [np.flatnonzero(chunk == value) + start for value in values]

    with ThreadPoolExecutor(max_workers=2) as pool:
        pieces = list(pool.map(piece, range(0, len(b), step)))
    return [np.concatenate([p[i] for p in pieces] or [np.zeros(0, np.int64)]) for i in range(len(values))]


def _records(b: np.ndarray, breaks: np.ndarray, quotes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start, stop) bytes of each non-blank record, without its line break; the first is the
    header. A break ends a record when an even number of `quotes` come before it."""
    ends = breaks[np.searchsorted(quotes, breaks) % 2 == 0] if len(quotes) else breaks
    starts = np.concatenate([[0], ends + 1])
    stops = np.concatenate([ends, [len(b)]])
    stops[:-1] -= b[np.maximum(ends - 1, 0)] == ord("\r")  # the CR of a CRLF
    while stops[-1] > starts[-1] and int(b[stops[-1] - 1]) in b"\r\n":  # a last break in an open quote
        stops[-1] -= 1
    kept = stops > starts
    return starts[kept], stops[kept]


def _find_records(b: np.ndarray, starts: np.ndarray, stops: np.ndarray, texts: list[str]) -> list[int | None]:
    """The data record (never the header) holding each text byte for byte; identical texts take
    their records in file order. None: no record holds it."""
    from collections import defaultdict, deque

    wanted: dict[bytes, deque] = defaultdict(deque)
    for i, text in enumerate(texts):
        if text:
            wanted[text.encode("utf-8")].append(i)
    found: list[int | None] = [None] * len(texts)
    if not wanted:
        return found
    # compared in Python only where the length and first byte already match
    candidates = np.flatnonzero(
        np.isin(stops - starts, [len(t) for t in wanted]) & np.isin(b[starts], [t[0] for t in wanted])
    )
    for r in candidates[candidates > 0].tolist():
        queue = wanted.get(b[starts[r] : stops[r]].tobytes())
        if queue:
            found[queue.popleft()] = r
    return found


# --- workbooks -------------------------------------------------------------------------------


def _read_workbook(data: bytes, known: Known) -> Extract:
    """The sheet whose header names the most known columns, from an XLSX, a BIFF XLS, or what
    older systems save as `.xls`: an HTML table or an Excel 2003 XML spreadsheet."""
    kind = _workbook_kind(data)
    try:
        sheets = _SHEETS[kind](data)
        best = None
        for number, (name, rows) in enumerate(sheets, start=1):
            head = [row for _, row in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)]
            index, score = find_header(head, known)
            if best is None or score > best[0]:
                best = (score, number, name, head, index, rows)
    except Refusal:
        raise
    except Exception as err:  # the readers raise many types on a damaged workbook
        raise Refusal("file_unreadable", f"not a readable {kind} workbook ({type(err).__name__})") from err
    if best is None:
        raise Refusal("file_empty")
    _, number, name, head, index, rest = best
    notes = [f"{kind}"] + ([f"sheet {name!r} ({number})"] if number > 1 or name else [])
    if index:
        notes.append(f"header on row {index + 1}")
    return _grid_extract(head, index, rest, _above_header(head, index), notes)


def _workbook_kind(data: bytes) -> str:
    start = data[:2048].lstrip(b"\xef\xbb\xbf\r\n\t ").lower()
    if data[:4] == b"PK\x03\x04":
        return "XLSX"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE2: Excel 97-2003
        return "XLS"
    if start.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:4096]:
        return "XML spreadsheet"
    if start.startswith(b"<"):
        return "HTML"
    raise Refusal("file_unreadable", "not a workbook: neither XLSX, Excel 97-2003, HTML nor XML spreadsheet")


def _grid_extract(head: list[list[str]], index: int, rest: Iterator[list[str]], skipped, notes) -> Extract:
    """Columns from the rows under the header (the rows of `head` after it, then `rest`); each
    row keeps its spreadsheet row number. Blank rows and the footers that end the sheet are
    skipped and reported."""
    import pyarrow as pa

    header = [h.strip() for h in head[index]] if head else []
    while header and not header[-1]:  # trailing empty columns
        header.pop()
    columns: list[list[str]] = [[] for _ in header]
    lines: list[int] = []
    blanks: list[int] = []
    for number, row in enumerate([*head[index + 1 :], *rest], start=index + 2):
        if not any(c.strip() for c in row):
            blanks.append(number)
            continue
        for i, column in enumerate(columns):
            column.append(row[i] if i < len(row) else "")
        lines.append(number)
    footers = []
    while lines and is_footer([c[-1] for c in columns]):
        footers.append(Skipped("footer", lines.pop(), " ".join(c.pop().strip() for c in columns).strip()))
    blanks = [b for b in blanks if not lines or b < lines[-1]]  # those after the data end it
    table = pa.table(
        {
            h or f"column_{i + 1}": pa.array(c, pa.string())
            for i, (h, c) in enumerate(zip(header, columns, strict=True))
        }
    )
    skipped = [*skipped, *(Skipped("blank", b) for b in blanks), *reversed(footers)]
    return Extract(table, [], np.array(lines, dtype=np.int64), skipped, notes)


def _cell_text(v) -> str:
    """Every cell as text. A number is written out as Python sees it (`2.201041990030712e+17`),
    so a damaged identifier is refused as damaged, not 'repaired'; a whole number stays whole."""
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return str(v)


def _xlsx_sheets(data: bytes):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    for sheet in book.worksheets:
        yield sheet.title, ([_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True))


def _xls_sheets(data: bytes):
    import xlrd

    book = xlrd.open_workbook(file_contents=data, on_demand=True)
    for sheet in book.sheets():

        def rows(sheet=sheet):
            for r in range(sheet.nrows):
                yield [_xls_cell(cell, book.datemode) for cell in sheet.row(r)]

        yield sheet.name, rows()


def _xls_cell(cell, datemode: int) -> str:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        return _cell_text(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return ""
    return _cell_text(cell.value)


def _html_sheets(data: bytes):
    """Each <table> of an HTML page as a sheet; a cell spanning columns fills the first."""
    import lxml.html

    decoded = decode(data)
    if decoded is None:
        raise Refusal("file_encoding")
    text = re.sub(r"^\s*<\?xml[^>]*>", "", decoded[0])  # lxml refuses a declaration in a str
    document = lxml.html.fromstring(text)
    for number, table in enumerate(document.iter("table"), start=1):
        rows = [
            [cell.text_content().strip() for cell in tr if cell.tag in ("td", "th")]
            for tr in table.iter("tr")
        ]
        yield f"table {number}", iter(rows)


_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


def _xml_spreadsheet_sheets(data: bytes):
    """Excel 2003 XML: Worksheet > Table > Row > Cell > Data; `ss:Index` skips to a column."""
    from lxml import etree

    root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    for sheet in root.iter(f"{_SS}Worksheet"):
        rows = []
        for row in sheet.iter(f"{_SS}Row"):
            cells: list[str] = []
            for cell in row.iter(f"{_SS}Cell"):
                at = cell.get(f"{_SS}Index")
                if at:
                    cells += [""] * (int(at) - 1 - len(cells))
                value = cell.find(f"{_SS}Data")
                cells.append("" if value is None else "".join(value.itertext()).strip())
            rows.append(cells)
        yield sheet.get(f"{_SS}Name") or "", iter(rows)


_SHEETS = {
    "XLSX": _xlsx_sheets,
    "XLS": _xls_sheets,
    "HTML": _html_sheets,
    "XML spreadsheet": _xml_spreadsheet_sheets,
}


# --- JSON ------------------------------------------------------------------------------------


def _read_jsonl(text: str) -> Extract:
    """One JSON object per line; values become text (numbers as JSON wrote them). Lines are
    numbered from 1 as an editor shows them: split at line feeds only (`splitlines` would
    also split at U+2028 and other separators a JSON string may hold as they are)."""
    records, malformed, lines = [], [], []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not an object")
        except ValueError:
            malformed.append(MalformedRow(number, line.rstrip("\r")))
            continue
        records.append(obj)
        lines.append(number)
    return Extract(_records_table(records), malformed, np.array(lines, dtype=np.int64))


# Where APIs put the list of records, in the order they are tried.
RECORD_KEYS = ("data", "rows", "records", "list", "items", "result", "results", "content", "datas")


def _read_json(text: str, records_path: str | None) -> Extract:
    """A JSON array of records, or an API envelope holding one (at `records_path`, dotted, when
    configured; else found). A record's "line" is its place in the list, from 1."""
    try:
        document = json.loads(text)
    except ValueError as err:
        raise Refusal("file_unreadable", f"not valid JSON: {err}") from err
    path, records = _records_in(document, records_path)
    if records is None:
        raise Refusal("file_unreadable", "no list of records in the JSON" + _envelope_says(document))
    objects = [(i, r) for i, r in enumerate(records, start=1) if isinstance(r, dict)]
    malformed = [
        MalformedRow(i, json.dumps(r, ensure_ascii=False)[:2000])
        for i, r in enumerate(records, start=1)
        if not isinstance(r, dict)
    ]
    notes = [f"records at {path!r}"] if path else []
    return Extract(
        _records_table([r for _, r in objects]),
        malformed,
        np.array([i for i, _ in objects], dtype=np.int64),
        [],
        notes,
    )


def _records_in(document, records_path: str | None) -> tuple[str, list | None]:
    """(path, list): the configured path, else the document itself when a list, else the first
    list of objects in it, breadth first, the usual keys (`RECORD_KEYS`) first."""
    if records_path:
        node = document
        for key in records_path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        return records_path, node if isinstance(node, list) else None
    if isinstance(document, list):
        return "", document
    if not isinstance(document, dict):
        return "", None
    queue = [("", document)]
    while queue:
        path, node = queue.pop(0)
        for key in sorted(node, key=_usual_first):
            value, where = node[key], f"{path}.{key}" if path else str(key)
            if isinstance(value, list) and (value and isinstance(value[0], dict) or _usual_first(key) < 99):
                return where, value
            if isinstance(value, dict):
                queue.append((where, value))
    return "", None


def _usual_first(key) -> int:
    low = str(key).lower()
    return RECORD_KEYS.index(low) if low in RECORD_KEYS else 99


def _envelope_says(document) -> str:
    if not isinstance(document, dict):
        return ""
    said = {k: document[k] for k in ("code", "status", "msg", "message", "error") if k in document}
    return f" (the envelope says {json.dumps(said, ensure_ascii=False)})" if said else ""


def _records_table(records: list[dict]):
    import pyarrow as pa

    keys: dict = {}
    for record in records:
        keys.update(dict.fromkeys(record))
    columns = {
        str(k): pa.array(
            [
                ""
                if r.get(k) is None
                else (r[k] if isinstance(r[k], str) else json.dumps(r[k], ensure_ascii=False))
                for r in records
            ],
            pa.string(),
        )
        for k in keys
    }
    return pa.table(columns) if columns else pa.table({})
