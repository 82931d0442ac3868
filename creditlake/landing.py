"""Landing: an agency extract becomes raw Parquet with lineage, and every row is accounted for.

For each file: fingerprint it (sha256; the same bytes are landed once), read it (CSV in
strict UTF-8 first, then GB18030, never GBK: docs/domain.md#what-real-extracts-look-like; XLSX with identifiers as text;
JSON Lines), map its headers (Chinese names or column codes) onto the layout's codes,
check every row, and split the rows three ways:

* loaded      -> `raw/_pending/<dataset>/<batch>.parquet`, promoted by the raw gate;
* quarantined -> `quarantine/<dataset>/<batch>.parquet`, with a reason code per row;
* excluded    -> `excluded/<dataset>/<batch>.parquet`, with the exclusion reason.

`rows_in = loaded + quarantined + excluded` holds for every file, and a file that cannot be
read is refused with a reason instead of failing the run.

Throughput: the checks are Arrow compute kernels over whole columns, and the raw layer is
written with pyarrow's Parquet writer. fastparquet (used for everything published) took
5.1 s to write 1,000,000 raw penalty rows against pyarrow's 1.3 s on this machine, which
alone would spend half of landing's budget (100,000 rows/s end to end).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import yaml

from creditlake.settings import RunConfig, safe_name

LAYOUTS_DIR = Path(__file__).parent / "layouts"
LINEAGE_COLUMNS = ["_source_file", "_source_sha256", "_source_row", "_batch_id", "_landed_at", "_received_at"]
DERIVED_COLUMNS = ["_subject_type", "_subject_key", "_decision_date", "_flags", "_record_key"]
READABLE = {".csv", ".txt", ".xlsx", ".jsonl", ".ndjson"}


@dataclass
class FileResult:
    """One landing file's fate: the row of the run summary (`files`)."""

    path: str
    dataset: str
    sha256: str = ""
    batch_id: str = ""
    rows_in: int = 0
    loaded: int = 0
    quarantined: int = 0
    excluded: int = 0
    status: str = "landed"  # landed | refused | already_landed | gate_failed
    reason: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)  # reason code -> rows
    ignored_columns: list[str] = field(default_factory=list)
    # the day the file arrived (YYYY-MM-DD, Beijing time): the platform's check-and-load
    # deadline runs from it (gd-draft Art 19: 自收到报送的社会信用信息之日起)
    received_at: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


class Refusal(Exception):
    """The whole file is refused; `code` is a file-level reason code (reasons.yml)."""

    def __init__(self, code: str, detail: str | None = None):
        super().__init__(code, detail)
        self.code, self.detail = code, detail


@cache
def layout(dataset: str) -> dict:
    spec = yaml.safe_load((LAYOUTS_DIR / f"{dataset}.yml").read_text(encoding="utf-8"))
    spec["header_map"] = {}
    for f in spec["fields"]:
        for name in [f["code"], f["zh"], *f.get("aliases", [])]:
            spec["header_map"][_header_key(name)] = f["code"]
    spec["raw_columns"] = [f["code"] for f in spec["fields"]] + LINEAGE_COLUMNS + DERIVED_COLUMNS
    return spec


@cache
def reasons() -> dict[str, dict]:
    return yaml.safe_load((Path(__file__).parent / "reasons.yml").read_text(encoding="utf-8"))


def _header_key(name: str) -> str:
    """Headers compare after NFKC (full-width brackets) and without spaces or BOM."""
    return unicodedata.normalize("NFKC", str(name)).replace("\ufeff", "").replace(" ", "").strip().upper()


def datasets() -> list[str]:
    return sorted(p.stem for p in LAYOUTS_DIR.glob("*.yml") if not p.stem.startswith("_"))


@cache
def _prohibited_fields() -> dict:
    return yaml.safe_load((LAYOUTS_DIR / "_prohibited_fields.yml").read_text(encoding="utf-8"))


def prohibited_headers(profile: str) -> list[tuple[str, str]]:
    """(header fragment, field) pairs a file may not carry under `profile` (docs/law.md#data-never-collected): what is
    never collected, and the groups the profile's `consent_required_fields` lists. A group the
    profile names that `_prohibited_fields.yml` does not know fails: a typo must not let it in."""
    from creditlake.jurisdiction import ProfileError, load_profile

    spec = _prohibited_fields()
    consent = {g["field"]: g for g in spec["consent_required"]}
    listed = load_profile(profile).rules["consent_required_fields"]["value"] or []
    unknown = sorted(set(listed) - set(consent))
    if unknown:
        raise ProfileError(
            f"profile {profile}: consent_required_fields: {unknown[0]!r} is not a field group of "
            f"{LAYOUTS_DIR / '_prohibited_fields.yml'} (known: {', '.join(consent)})"
        )
    groups = spec["never"] + [consent[f] for f in listed]
    return [(_header_key(h), g["field"]) for g in groups for h in g["headers"]]


def prohibited_in(header: list[str], profile: str) -> list[str]:
    found = []
    prohibited = prohibited_headers(profile)
    for name in header:
        key = _header_key(name)
        found += [f"{name} ({field})" for fragment, field in prohibited if fragment in key]
    return found


def discover(cfg: RunConfig) -> list[dict]:
    """Every file in the landing folders of the known datasets, in a stable order."""
    found = []
    for dataset in datasets():
        folder = cfg.landing / layout(dataset)["landing_folder"]
        if folder.is_dir():
            found += [
                {"path": str(p), "dataset": dataset}
                for p in sorted(folder.iterdir())
                if p.is_file() and not p.name.startswith(".")
            ]
    return found


def read_ledger(cfg: RunConfig) -> dict[str, dict]:
    if not cfg.ledger.exists():
        return {}
    entries = [json.loads(line) for line in cfg.ledger.read_text(encoding="utf-8").splitlines() if line]
    return {e["sha256"]: e for e in entries}


def record_in_ledger(cfg: RunConfig, result: FileResult) -> None:
    """Appended only once a batch's fate is final (after the gate), so a rerun redoes the rest."""
    cfg.ledger.parent.mkdir(parents=True, exist_ok=True)
    entry = result.as_dict() | {"landed_at": datetime.now(UTC).isoformat()}
    with cfg.ledger.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------------------
# Reading: every format agencies send, as a table of strings.
# ---------------------------------------------------------------------------------------


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


@dataclass
class MalformedRow:
    """A row the reader could not split into the header's columns (CSV), or a line that is not
    a JSON object (JSON Lines)."""

    line: int | None  # the line it starts on, as an editor numbers them from 1 (None: not found)
    text: str  # as sent
    fields: list[str] | None = None  # split with the file's delimiter (CSV only)


class Extract(NamedTuple):
    """A file as read: its rows as a table of strings, the rows it could not read, and the line
    each table row starts on (None: the header is line 1 and every row one line after it)."""

    table: object
    malformed: list[MalformedRow]
    lines: np.ndarray | None = None


def read_extract(path: Path, data: bytes) -> Extract:
    """The file as an Arrow table of strings plus the rows it could not read."""
    suffix = path.suffix.lower()
    if suffix not in READABLE:
        raise Refusal("file_unreadable", f"unsupported file type {suffix!r}; send CSV, XLSX or JSON Lines")
    if suffix == ".xlsx":
        # no malformed rows: a workbook's cells are already apart
        return Extract(_read_xlsx(data), [])
    if suffix not in (".jsonl", ".ndjson"):
        # Arrow's CSV reader validates UTF-8 itself (strict): only when it refuses the
        # bytes do we decode in Python and try GB18030.
        try:
            return _read_csv(data)
        except _NotUtf8:
            pass
    decoded = decode(bytes(data))
    if decoded is None:
        raise Refusal("file_encoding")
    text, encoding = decoded
    if suffix in (".jsonl", ".ndjson"):
        return _read_jsonl(text)
    return _read_csv(data if encoding == "utf-8-sig" else text.encode("utf-8"))


class _NotUtf8(Exception):
    pass


def _read_csv(data: bytes):
    import csv

    import pyarrow as pa
    import pyarrow.csv as pcsv

    head = bytes(memoryview(data)[: 1 << 20])  # the header line is in the first MB
    end = head.find(b"\n")
    try:
        first_line = head[: end if end >= 0 else len(head)].decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError as err:
        raise _NotUtf8 from err
    header = next(csv.reader([first_line]), [])
    if not header:
        raise Refusal("file_empty")
    # Only the text: Arrow's row number counts records, not lines, and is unknown (None) when
    # blocks are parsed on several threads. `_csv_lines` finds each row's line afterwards.
    texts: list[str] = []

    def on_invalid(row) -> str:
        texts.append(row.text)
        return "skip"

    try:
        table = pcsv.read_csv(
            pa.BufferReader(data),
            read_options=pcsv.ReadOptions(block_size=1 << 22),
            parse_options=pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
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
    if not texts:
        return Extract(table, [])
    found, lines = _csv_lines(data, texts, table.num_rows)
    malformed = [MalformedRow(line, text, _csv_fields(text)) for line, text in zip(found, texts, strict=True)]
    malformed.sort(key=lambda row: (row.line is None, row.line or 0))
    return Extract(table, malformed, lines)


def _csv_fields(text: str) -> list[str] | None:
    """One CSV row split into its fields, quotes respected (a quoted value may hold the
    delimiter or a line break)."""
    import csv
    import io

    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return None


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


def _positions(b: np.ndarray, values: bytes) -> list[np.ndarray]:
    """Offsets of each byte value in `b`. 4 MB at a time, on both cores: both values are found
    while a piece is in the cache, and a comparison of the whole file at once would allocate
    a mask as large as the file (ten times slower)."""
    step = 1 << 22

    def piece(start: int) -> list[np.ndarray]:
        chunk = b[start : start + step]
        return [np.flatnonzero(chunk == value) + start for value in values]

    pieces = in_parallel(piece, list(range(0, len(b), step)))
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


def _read_xlsx(data: bytes):
    """First sheet; every cell as text. A number in a cell is written out as Python sees it
    (`2.201041990030712e+17`), so a damaged identifier is refused as damaged, not 'repaired'."""
    import io

    import pyarrow as pa
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(bytes(data)), read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    except Exception as err:  # openpyxl raises many types on a corrupt workbook
        raise Refusal("file_unreadable", f"not a readable XLSX workbook ({type(err).__name__})") from err

    def text(v) -> str:
        if v is None:
            return ""
        if isinstance(v, datetime):
            return v.date().isoformat()
        if isinstance(v, date):
            return v.isoformat()
        return repr(v) if isinstance(v, float) else str(v)

    columns: list[list[str]] = [[] for _ in header]
    for row in rows:
        if row is None or all(v is None for v in row):
            continue
        for i in range(len(header)):
            columns[i].append(text(row[i]) if i < len(row) else "")
    return pa.table(
        {
            h or f"column_{i + 1}": pa.array(c, pa.string())
            for i, (h, c) in enumerate(zip(header, columns, strict=True))
        }
    )


def _read_jsonl(text: str) -> Extract:
    """One JSON object per line; values become text (numbers as JSON wrote them). Lines are
    numbered from 1 as an editor shows them: split at line feeds only (`splitlines` would
    also split at U+2028 and other separators a JSON string may hold as they are)."""
    import pyarrow as pa

    records, malformed, keys, lines = [], [], {}, []
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
        keys.update(dict.fromkeys(obj))
    columns = {
        k: pa.array(
            [
                "" if r.get(k) is None else (r[k] if isinstance(r[k], str) else json.dumps(r[k]))
                for r in records
            ],
            pa.string(),
        )
        for k in keys
    }
    return Extract(pa.table(columns) if columns else pa.table({}), malformed, np.array(lines, dtype=np.int64))


# ---------------------------------------------------------------------------------------
# Landing one file.
# ---------------------------------------------------------------------------------------


def land_file(cfg: RunConfig, path: str, dataset: str) -> dict:
    """Land one file. Never raises on bad input: a bad file is refused with a reason."""
    source = Path(path)
    # The file is mapped, not copied, and fingerprinted on a second thread while it is parsed
    # (hashlib and Arrow's reader both release the GIL). A parse wasted on a file landed
    # before costs less than hashing first would cost every new one.
    data = _mapped(source)
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        try:
            parsed = read_extract(source, data)
        except Refusal as refusal:
            parsed = refusal
        result = FileResult(
            path=str(source), dataset=dataset, sha256=digest.result(), received_at=received_on(source)
        )
    result.batch_id = f"{dataset}-{result.sha256[:16]}"

    previous = read_ledger(cfg).get(result.sha256)
    if previous is not None:
        # Same bytes already landed: nothing is loaded twice. The counts are the first landing's.
        for key in ("rows_in", "loaded", "quarantined", "excluded", "reasons"):
            setattr(result, key, previous.get(key, {} if key == "reasons" else 0))
        result.status = "already_landed"
        result.reason = f"identical file landed before as batch {previous['batch_id']} ({previous['path']})"
        return result.as_dict()
    try:
        if isinstance(parsed, Refusal):
            raise parsed
        return _land_table(cfg, parsed, result)
    except Refusal as refusal:
        message = reasons()[refusal.code]["en"] + (f": {refusal.detail}" if refusal.detail else "")
        result.status, result.reason = "refused", f"{refusal.code}: {message}"
        result.rows_in = result.loaded = result.quarantined = result.excluded = 0
        return result.as_dict()


def received_on(path: Path) -> str:
    """The day a file arrived, as the platform's calendar counts it: its modification time
    (when it was written into the landing folder) as a date in Beijing time."""
    from zoneinfo import ZoneInfo

    return datetime.fromtimestamp(path.stat().st_mtime, ZoneInfo("Asia/Shanghai")).date().isoformat()


def _mapped(path: Path):
    """The file's bytes, memory-mapped (an Arrow buffer: zero-copy, unmapped when the last
    array read from it is gone); b"" for an empty file, which cannot be mapped."""
    import pyarrow as pa

    return pa.memory_map(str(path), "r").read_buffer() if path.stat().st_size else b""


def _land_table(cfg: RunConfig, extract: Extract, result: FileResult) -> dict:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    table, malformed, lines = extract
    spec = layout(result.dataset)
    # Never collected (jl-draft Art 16, city-2022 Art 20, hl-draft Art 20, gd-draft Art 17,
    # hl-2022 Art 20): the whole file is refused before a single row is stored.
    prohibited = prohibited_in(table.column_names, cfg.profile)
    if prohibited:
        raise Refusal("file_prohibited_field", ", ".join(prohibited))
    renamed, ignored = {}, []
    for name in table.column_names:
        code = spec["header_map"].get(_header_key(name))
        if code is None or code in renamed.values():
            ignored.append(name)
        else:
            renamed[name] = code
    result.ignored_columns = ignored
    missing = [f["code"] for f in spec["fields"] if f.get("required") and f["code"] not in renamed.values()]
    if missing:
        raise Refusal("file_missing_columns", ", ".join(missing))
    n = table.num_rows
    if n == 0 and not malformed:
        raise Refusal("file_empty")

    # Columns stay as the reader's chunks: they are only filtered and written. The checked
    # ones are trimmed into one contiguous array each.
    by_code = {code: table.column(name) for name, code in renamed.items()}
    empty = pa.chunked_array(
        [pa.StringArray.from_buffers(n, pa.py_buffer(np.zeros(n + 1, np.int32)), pa.py_buffer(b""))]
    )
    cols = {f["code"]: by_code.get(f["code"], empty) for f in spec["fields"]}
    cols = {k: pc.fill_null(v, "") if v.null_count else v for k, v in cols.items()}  # JSON Lines and XLSX
    checked = {
        f["code"]
        for f in spec["fields"]
        if f["kind"] not in ("free_text", "name", "text") or f.get("required")
    }
    checked |= {
        spec["subject"].get("type_field"),
        spec["subject"].get("person_doc_type_field"),
        *spec["natural_key"],
    }
    checked |= {rule["field"] for rule in _exclusions(result.dataset, cfg.profile)}
    trimmed = dict(
        zip(
            [k for k in cols if k in checked],
            in_parallel(
                lambda v: pc.utf8_trim_whitespace(v).combine_chunks(),
                [v for k, v in cols.items() if k in checked],
            ),
            strict=True,
        )
    )

    def np_mask(arrow_mask) -> np.ndarray:
        return np.asarray(pc.fill_null(arrow_mask, False).to_numpy(zero_copy_only=False), dtype=bool)

    def blank(values) -> np.ndarray:
        # by length, from the offsets: comparing every string with "" reads every string
        return np_mask(pc.equal(pc.binary_length(values), 0))

    # Reasons as small integers into `codes` (-1: none so far): object arrays are slow.
    reason = np.full(n, -1, dtype=np.int16)
    codes: list[str] = []

    def code_of(code: str) -> int:
        if code not in codes:
            codes.append(code)
        return codes.index(code)

    def refuse(mask: np.ndarray, code) -> None:
        """First failure wins: a row keeps the first reason found, in check order. `code`
        is one reason code, or an Arrow column of codes (null where there is none)."""
        mask = mask & (reason < 0)
        if isinstance(code, str):
            reason[mask] = code_of(code)
            return
        for i in np.flatnonzero(mask):
            reason[i] = code_of(code[i].as_py())

    # The checks, in priority order: fields, then subjects, catalog, dates and amounts. The
    # subjects' identifier checks (the costliest) run on a second thread while this one does
    # the field and date checks; the refusals are applied afterwards, in this order.
    fields_checked: list = []
    for f in spec["fields"]:
        value = trimmed.get(f["code"])
        if f.get("required"):
            fields_checked.append((blank(value), "required_missing"))
        if f["kind"] == "enum":
            allowed = pa.array([str(v) for v in f["values"]] + [""])
            fields_checked.append((~np_mask(pc.is_in(value, value_set=allowed)), "enum_invalid"))

    subjects_checked: list = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        subjects = pool.submit(
            _subjects,
            spec["subject"],
            cols,
            trimmed,
            empty,
            lambda mask, code: subjects_checked.append((mask, code)),
            np_mask,
        )
        dates_checked: list = []
        decision = parse_dates(trimmed[spec["decision_date_field"]])
        dates_checked.append((np_mask(pc.is_null(decision)), "date_invalid"))
        dates_checked.append(
            (np_mask(pc.greater(decision, pa.scalar(cfg.as_of, pa.date32()))), "date_in_future")
        )
        for f in spec["fields"]:
            if f["kind"] == "date" and f["code"] != spec["decision_date_field"]:
                other = trimmed[f["code"]]
                dates_checked.append(
                    (~blank(other) & np_mask(pc.is_null(parse_dates(other))), "date_invalid")
                )
            if f["kind"] == "amount_wan":
                value = trimmed[f["code"]]
                numeric = np_mask(pc.match_substring_regex(value, r"^[0-9]+(\.[0-9]+)?$"))
                dates_checked.append((~blank(value) & ~numeric, "amount_invalid"))
                amount = pc.cast(pc.if_else(pa.array(numeric), value, "0"), pa.float64()).to_numpy()
                dates_checked.append((amount > spec["amount_wan_max"], "amount_unit"))
        for start_field, end_field in spec.get("date_order", []):
            dates_checked.append(
                (
                    np_mask(pc.less(parse_dates(trimmed[end_field]), parse_dates(trimmed[start_field]))),
                    "date_order",
                )
            )
        subject_type, subject_key, flags = subjects.result()

    catalog_checked: list = []
    if not spec.get("event"):
        # Every record maps to a catalog item, or it is not loaded (docs/law.md#subjects-and-the-catalog).
        from creditlake.catalog import item_for

        item = item_for(result.dataset)
        covered = pa.array(item[1]["subject_types"] if item else [], pa.string())
        catalog_checked.append((~np_mask(pc.is_in(subject_type, value_set=covered)), "no_catalog_item"))
    for mask, code in fields_checked + subjects_checked + catalog_checked + dates_checked:
        refuse(mask, code)

    # Duplicates within the batch: among the rows not refused yet, the first with a natural
    # key loads and later ones are quarantined.
    record_key = pc.binary_join_element_wise(*[trimmed[k] for k in spec["natural_key"]], subject_key, "|")
    refuse(_repeats(record_key, reason < 0), "duplicate_in_batch")
    # Across batches: the same record with the same content was loaded before. The same
    # record with other content is a provider's correction: it loads and supersedes.
    refuse(_seen_before(cfg, result.dataset, record_key, cols), "duplicate_across_batches")

    quarantined = reason >= 0
    exclusion = np.full(n, -1, dtype=np.int16)
    for rule in _exclusions(result.dataset, cfg.profile):
        hit = np_mask(pc.is_in(trimmed[rule["field"]], value_set=pa.array(rule["values"])))
        exclusion[hit & ~quarantined & (exclusion < 0)] = code_of(rule["reason"])
    excluded = exclusion >= 0

    loaded = ~quarantined & ~excluded
    result.rows_in = n + len(malformed)
    result.loaded = int(loaded.sum())
    result.quarantined = int(quarantined.sum()) + len(malformed)
    result.excluded = int(excluded.sum())
    counts = {
        codes[i]: int(c)
        for i, c in zip(*np.unique(np.concatenate([reason, exclusion]), return_counts=True), strict=True)
        if i >= 0
    }
    if malformed:
        counts["row_malformed"] = len(malformed)
    result.reasons = counts

    landed_at = datetime.now(UTC).isoformat(timespec="seconds")

    def constant(value: str):
        """One value for every row, dictionary-encoded: filtered and written as indices (the
        Parquet column is an ordinary dictionary-encoded string column for every reader)."""
        return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([value]))

    raw = pa.table(
        cols
        | {
            "_source_file": constant(result.path),
            "_source_sha256": constant(result.sha256),
            # the row a clerk sees in the spreadsheet: the header is row 1 (or the reader's line)
            "_source_row": pa.array(
                np.arange(2, n + 2, dtype=np.int64) if lines is None else lines, pa.int64()
            ),
            "_batch_id": constant(result.batch_id),
            "_landed_at": constant(landed_at),
            "_received_at": constant(result.received_at),
            "_subject_type": subject_type,
            "_subject_key": subject_key,
            "_decision_date": pc.cast(decision, pa.string()),
            "_flags": flags,
            "_record_key": record_key,
        }
    )
    batch = safe_name(result.batch_id)
    refused = _with_reasons(_plain(_filter(raw, quarantined)), [codes[i] for i in reason[quarantined]])
    if malformed:
        header_codes = [renamed.get(name) for name in table.column_names]
        unreadable = _malformed_rows(
            malformed, result, spec, landed_at, header_codes, _usual_provider(spec, cols)
        )
        refused = pa.concat_tables([refused, unreadable], promote_options="default")
    in_parallel(
        lambda job: write_parquet(*job),
        [
            *batch_jobs(_filter(raw, loaded), pending_path(cfg, result.dataset, batch)),
            (refused, cfg.quarantine_root / result.dataset / f"{batch}.parquet"),
            (
                _with_reasons(_plain(_filter(raw, excluded)), [codes[i] for i in exclusion[excluded]]),
                cfg.lake / "excluded" / result.dataset / f"{batch}.parquet",
            ),
        ],
    )
    if result.quarantined:
        worst = max(
            (kv for kv in result.reasons.items() if not kv[0].startswith("excluded")), key=lambda kv: kv[1]
        )
        result.reason = f"{result.quarantined} rows quarantined; most often {worst[0]}"
    return result.as_dict()


def in_parallel(fn, items: list) -> list:
    """`fn` over `items` on two threads: Arrow kernels and Parquet writes release the GIL, so
    independent columns (or files) are worked on side by side, on both of this machine's cores."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(fn, items))


def _plain(table):
    """Dictionary-encoded columns decoded (small tables: quarantined and excluded rows)."""
    import pyarrow as pa

    return pa.table(
        {
            name: col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col
            for name, col in zip(table.column_names, table.columns, strict=True)
        }
    )


def _filter(table, mask: np.ndarray):
    """`table.filter(mask)`, a column per thread."""
    import pyarrow as pa

    arrow_mask = pa.array(mask)
    return pa.table(
        dict(zip(table.column_names, in_parallel(lambda c: c.filter(arrow_mask), table.columns), strict=True))
    )


def _repeats(keys, candidates: np.ndarray) -> np.ndarray:
    """Candidate rows whose key is on an earlier candidate row. DuckDB's hash aggregate runs on
    both cores and reads the Arrow columns in place: 0.20-0.28 s on 913,000 keys, where
    Arrow's single-threaded dictionary encoding of the candidates took 0.66 s."""
    import duckdb
    import pyarrow as pa

    rows = pa.table({"k": keys, "c": pa.array(candidates), "i": pa.array(np.arange(len(keys)))})  # noqa: F841
    with duckdb.connect() as con:
        firsts = con.sql("select min(i) as i from rows where c group by k").fetchnumpy()["i"]
    repeats = candidates.copy()
    repeats[firsts] = False
    return repeats


def _seen_before(cfg: RunConfig, dataset: str, record_key, cols: dict):
    """Rows whose record is already in the raw layer with the same content (every business
    field equal). Only records whose key was seen before are compared, so a first landing,
    the common case, costs nothing here."""
    import duckdb
    import numpy as np
    import pyarrow as pa

    files = [str(p) for p in (cfg.raw_root / dataset).glob("*.parquet") if p.stem != "_schema"]
    if not files:
        return np.zeros(len(record_key), dtype=bool)
    fields = list(cols)
    incoming = pa.table(  # noqa: F841 (read by DuckDB, by name)
        {"k": record_key, "i": pa.array(np.arange(len(record_key)))}
        | {f"c{j}": cols[f] for j, f in enumerate(fields)}
    )
    ours = ", ".join(f"incoming.c{j}" for j in range(len(fields)))
    theirs = ", ".join(f"coalesce(r.\"{f}\", '')" for f in fields)
    with duckdb.connect() as con:
        hits = (
            con.sql(
                f"""
            with earlier as (
                select r._record_key as k, md5(concat_ws(chr(31), {theirs})) as h
                from read_parquet($files, union_by_name = true) as r
                where r._record_key in (select k from incoming)
            )
            select incoming.i from incoming join earlier on earlier.k = incoming.k
            where earlier.h = md5(concat_ws(chr(31), {ours}))
            """,
                params={"files": files},
            )
            .to_arrow_table()
            .column("i")
            .to_numpy()
        )
    mask = np.zeros(len(record_key), dtype=bool)
    mask[hits] = True
    return mask


def _subjects(subject: dict, cols: dict, trimmed: dict, empty, refuse, np_mask):
    """Subject type, key and identifier flags per row; refuses rows without a valid key.

    Organisations are keyed by USCC, natural persons by citizen ID or, without one, by
    another document number with its type (jl-draft Art 9, city-2022 Art 10, hl-2022 Art 19).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from creditlake import identifiers

    if "key_field" in subject:
        # One identifier column (court lists, events): a USCC-shaped value is an
        # organisation, anything else a natural person's citizen ID.
        raw = cols[subject["key_field"]]
        uscc = identifiers.validate_uscc(raw)
        person = identifiers.validate_citizen_id(raw)
        shaped = pc.match_substring_regex(identifiers.clean_identifiers(raw), r"^[0-9A-Z]{18}$")
        looks_uscc = np_mask(pc.and_(shaped, pc.invert(pc.match_substring_regex(raw, r"^[0-9]{17}[0-9Xx]$"))))
        is_person = ~looks_uscc
        masked = np.zeros(len(raw), dtype=bool)
        if subject.get("allow_masked_person_id"):
            masked = is_person & np_mask(pc.equal(person["reason"], "id_masked"))
        refuse(looks_uscc & np_mask(pc.is_valid(uscc["reason"])), uscc["reason"].combine_chunks())
        refuse(
            is_person & ~masked & np_mask(pc.is_valid(person["reason"])), person["reason"].combine_chunks()
        )
        masked_key = pc.binary_join_element_wise("masked", pc.utf8_upper(pc.utf8_trim_whitespace(raw)), ":")
        key = pc.if_else(
            pa.array(looks_uscc), uscc["value"], pc.if_else(pa.array(masked), masked_key, person["value"])
        )
        flag = pc.if_else(
            pa.array(looks_uscc),
            uscc["flag"],
            pc.if_else(pa.array(masked), "id_masked_by_court", person["flag"]),
        )
        kind = pc.if_else(pa.array(looks_uscc), "organisation", "natural_person")
        return kind, key, flag

    kinds = pa.array(list(subject["types"].values()))
    kind = pc.take(
        kinds, pc.index_in(trimmed[subject["type_field"]], value_set=pa.array(list(subject["types"])))
    )
    kind = pc.fill_null(kind, "organisation")
    is_person = np_mask(pc.equal(kind, "natural_person"))
    uscc = identifiers.validate_uscc(cols[subject["uscc_field"]])
    person = identifiers.validate_citizen_id(cols[subject["person_id_field"]])
    doc_type = trimmed.get(subject.get("person_doc_type_field")) or empty
    by_citizen_id = is_person & np_mask(
        pc.match_substring_regex(doc_type, r"^(|身份证|居民身份证|身份证号|01)$")
    )
    # another document (passport, permit...): "type:number", cleaned only where it is one
    other = np.flatnonzero(is_person & ~by_citizen_id)
    other_doc = _scatter(
        pc.binary_join_element_wise(
            pc.take(doc_type, other),
            identifiers.clean_identifiers(pc.take(cols[subject["person_id_field"]], other)),
            ":",
        ),
        other,
        len(is_person),
    )
    refuse(~is_person & np_mask(pc.is_valid(uscc["reason"])), uscc["reason"].combine_chunks())
    refuse(by_citizen_id & np_mask(pc.is_valid(person["reason"])), person["reason"].combine_chunks())
    refuse(is_person & ~by_citizen_id & np_mask(pc.match_substring_regex(other_doc, r":$")), "id_missing")
    key = pc.if_else(
        pa.array(is_person), pc.if_else(pa.array(by_citizen_id), person["value"], other_doc), uscc["value"]
    )
    flag = pc.if_else(pa.array(is_person), person["flag"], uscc["flag"])
    return kind, key, flag


def _scatter(values, rows: np.ndarray, n: int, fill: str = ""):
    """A column of `n` rows holding `values` at `rows` and `fill` elsewhere."""
    import pyarrow as pa
    import pyarrow.compute as pc

    position = np.full(n, len(rows), dtype=np.int64)
    position[rows] = np.arange(len(rows))
    return pc.take(
        pa.concat_arrays(
            [
                pa.array(values, pa.string())
                if not isinstance(values, pa.ChunkedArray)
                else values.combine_chunks(),
                pa.array([fill]),
            ]
        ),
        pa.array(position),
    )


def _exclusions(dataset: str, profile: str = "national") -> list[dict]:
    """The profile's exclusions that apply to this dataset (jurisdictions/*.yml `exclusions`)."""
    from creditlake.jurisdiction import load_profile

    switches = load_profile(profile).rules["exclusions"]
    return [rule for rule in EXCLUSIONS.get(dataset, []) if switches[rule["switch"]]["value"]]


# Exclusions that are not failures (counted as `excluded`, with their reason), each
# switched on by the profile's `exclusions.<switch>` (which cites its article).
EXCLUSIONS = {
    "penalties": [
        # Penalties under the simple procedure are not public credit information
        # (hl-2022 Art 18, hl-draft Art 19; jl-draft Art 13(1) counts only general-procedure ones).
        {
            "field": "CF_AJCXLB",
            "values": ["01", "简易程序"],
            "reason": "excluded_simple_procedure",
            "switch": "simple_procedure",
        },
        # Minor, first-time violations whose harm was promptly removed (hl-draft Art 19).
        {
            "field": "CF_SCQW",
            "values": ["是"],
            "reason": "excluded_minor_first_violation",
            "switch": "minor_first_violation",
        },
    ],
}


def _with_reasons(table, codes: list[str]):
    import pyarrow as pa

    return (
        table.append_column("_reason_code", pa.array(codes, pa.string()))
        .append_column("_reason_zh", pa.array([reasons()[c]["zh"] for c in codes], pa.string()))
        .append_column("_reason_en", pa.array([reasons()[c]["en"] for c in codes], pa.string()))
    )


def _malformed_rows(
    malformed: list[MalformedRow],
    result: FileResult,
    spec: dict,
    landed_at: str,
    header_codes: list[str | None],
    usual_provider: str,
):
    """Rows the reader could not read, made findable by their provider: each with its line,
    the fields that can still be read by position (`_recover_fields`: the natural key, the
    subject code, the provider...) and its subject key from them, and, when the row names no
    provider, the one most of the file's rows name. The text as sent is in `_source_text`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    k = len(malformed)
    rules = _FieldRules(spec)
    # Per-row Python, and malformed rows are rare; a file where every row is malformed (a wrong
    # header) still lands in seconds: rows past the cap keep their line and provider only.
    recovered = [
        _recover_fields(row.fields, header_codes, rules)
        if row.fields is not None and i < RECOVER_AT_MOST
        else {}
        for i, row in enumerate(malformed)
    ]
    provider_field = spec.get("provider_field")
    if provider_field and usual_provider:
        for values in recovered:
            if not values.get(provider_field, "").strip():
                values[provider_field] = usual_provider
    cols = {
        f["code"]: pa.chunked_array([pa.array([v.get(f["code"]) for v in recovered], pa.string())])
        for f in spec["fields"]
    }
    filled = {code: pc.fill_null(v, "") for code, v in cols.items()}
    trimmed = {code: pc.utf8_trim_whitespace(v).combine_chunks() for code, v in filled.items()}
    # keyed as a readable row is (the refusals of its identifiers are dropped: it is refused already)
    subject_type, subject_key, flags = _subjects(
        spec["subject"],
        filled,
        trimmed,
        pa.chunked_array([pa.array([""] * k, pa.string())]),
        lambda mask, code: None,
        lambda m: np.asarray(pc.fill_null(m, False).to_numpy(zero_copy_only=False), bool),
    )
    words = reasons()["row_malformed"]

    def reason(language: str, row: MalformedRow) -> str:
        if row.fields is None:
            return words[language]
        return words[f"{language}_counts"].format(found=len(row.fields), expected=len(header_codes))

    return pa.table(
        cols
        | {
            "_source_file": pa.array([result.path] * k, pa.string()),
            "_source_sha256": pa.array([result.sha256] * k, pa.string()),
            "_source_row": pa.array([-1 if row.line is None else row.line for row in malformed], pa.int64()),
            "_batch_id": pa.array([result.batch_id] * k, pa.string()),
            "_landed_at": pa.array([landed_at] * k, pa.string()),
            "_received_at": pa.array([result.received_at] * k, pa.string()),
            "_subject_type": subject_type,
            "_subject_key": subject_key,
            "_flags": flags,
            "_source_text": pa.array([row.text for row in malformed], pa.string()),
            "_reason_code": pa.array(["row_malformed"] * k, pa.string()),
            "_reason_zh": pa.array([reason("zh", row) for row in malformed], pa.string()),
            "_reason_en": pa.array([reason("en", row) for row in malformed], pa.string()),
        }
    )


RECOVER_AT_MOST = 10_000  # malformed rows per file whose fields are recovered


def _usual_provider(spec: dict, cols: dict) -> str:
    """The provider most of the file's readable rows name ("" when none does): its malformed
    rows that name none are fed back to it, not to nobody."""
    import pyarrow.compute as pc

    field = spec.get("provider_field")
    if field not in cols:
        return ""
    counts = pc.value_counts(pc.utf8_trim_whitespace(cols[field]))
    named = [
        (c, v)
        for v, c in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)
        if v
    ]
    return max(named, key=lambda cv: cv[0])[1] if named else ""


class _FieldRules:
    """The rules landing enforces on each field, as far as reading a malformed row needs them."""

    SHAPES = {"amount_wan": r"[0-9]+(\.[0-9]+)?", "uscc": r"[0-9A-HJ-NPQRTUWXY]{18}"}
    # where a stray delimiter most likely is: in prose, then a name, then other text
    HOLDS_DELIMITER = {"free_text": 0, "name": 1, "text": 2}

    def __init__(self, spec: dict):
        import re

        self.fields = {f["code"]: f for f in spec["fields"]}
        self.enums = {f["code"]: {str(v) for v in f["values"]} for f in spec["fields"] if f["kind"] == "enum"}
        self.shapes = {kind: re.compile(pattern) for kind, pattern in self.SHAPES.items()}

    def broken(self, code: str | None, value: str | None) -> int:
        """1 when `value` in field `code` breaks a rule (empty and required; outside its code
        list; not a date, an amount or a USCC's shape), else 0."""
        field = self.fields.get(code)
        if field is None or value is None:
            return 0
        value = value.strip()
        if not value:
            return int(bool(field.get("required")))
        if field["kind"] == "enum":
            return int(value not in self.enums[code])
        if field["kind"] == "date":
            return int(parse_date(value) is None)
        shape = self.shapes.get(field["kind"])
        return int(shape is not None and shape.fullmatch(value.upper()) is None)

    def holds_delimiter(self, code: str | None) -> int:
        """How unlikely field `code` is to hold a stray delimiter (0: most likely)."""
        return self.HOLDS_DELIMITER.get(self.fields.get(code, {}).get("kind"), 3)


def _recover_fields(fields: list[str], codes: list[str | None], rules: _FieldRules) -> dict[str, str]:
    """The fields of a row with the wrong number of them that can still be told by position.

    The row is read as gone wrong at each place in turn. A short row lost fields there: cut off
    (an interrupted export: the last field it has may be cut too) or delimiters lost; a long row
    holds a value there with the delimiter in it, unquoted. Fields before the place line up with
    the header from the left, fields after it from the right. The readings whose values break
    the fewest rules win, and among them a short row read as cut off at its end, and a long row
    read with the delimiter in prose; a field is recovered when all the winning readings give
    it the same value. {code: value}; `codes` are the header's, None for a column not read."""
    from itertools import accumulate

    n, m = len(codes), len(fields)
    shift = abs(m - n)
    if m > n:  # at place p: header p holds fields p..p+shift joined, header i > p field i+shift

        def value(p: int, i: int) -> str | None:
            return (
                fields[i] if i < p else ",".join(fields[p : p + shift + 1]) if i == p else fields[i + shift]
            )

        places = range(n)
        left = [rules.broken(codes[i], fields[i]) for i in range(n)]
        right = [rules.broken(codes[i], fields[i + shift]) for i in range(n)]
    else:  # at place p: headers p..p+shift unknown (field p cut or merged), header i > p+shift field i-shift

        def value(p: int, i: int) -> str | None:
            return fields[i] if i < p else None if i <= p + shift else fields[i - shift]

        places = range(m)
        left = [rules.broken(codes[i], fields[i]) if i < m else 0 for i in range(n)]
        right = [rules.broken(codes[i], fields[i - shift]) if i >= shift else 0 for i in range(n)]
    before = [0, *accumulate(left)]  # before[p]: rules broken in headers 0..p-1 read from the left
    after = [*accumulate(reversed(right))][::-1] + [0]  # after[i]: in headers i.. read from the right

    def rank(p: int) -> tuple[int, int]:
        if m > n:
            return before[p] + rules.broken(codes[p], value(p, p)) + after[p + 1], rules.holds_delimiter(
                codes[p]
            )
        return before[p] + after[min(p + shift + 1, n)], int(p != m - 1)

    ranks = {p: rank(p) for p in places}
    best = min(ranks.values(), default=None)
    winners = [p for p, r in ranks.items() if r == best]
    recovered = {}
    for i, code in enumerate(codes):
        seen = {value(p, i) for p in winners}
        if code is not None and len(seen) == 1 and None not in seen:
            recovered[code] = seen.pop()
    return recovered


def pending_path(cfg: RunConfig, dataset: str, batch: str) -> Path:
    return cfg.raw_root / "_pending" / dataset / f"{safe_name(batch)}.parquet"


def promote(cfg: RunConfig, dataset: str, batch: str) -> None:
    """A gated batch's rows move from pending to the raw layer the warehouse reads."""
    destination = raw_path(cfg, dataset, batch).parent
    destination.mkdir(parents=True, exist_ok=True)
    for part in batch_parts(pending_path(cfg, dataset, batch)):
        shutil.move(part, destination / part.name)


def raw_path(cfg: RunConfig, dataset: str, batch: str) -> Path:
    return cfg.raw_root / dataset / f"{safe_name(batch)}.parquet"


# pyarrow writes one Parquet file on one core: a batch above this many rows is written as two
# files side by side, `<batch>.parquet` and `<batch>.part-1.parquet` (readers glob the folder).
PART_ROWS = 400_000


def batch_jobs(table, first: Path) -> list[tuple]:
    """(table, path) to write for a batch whose first file is `first`."""
    if table.num_rows <= PART_ROWS:
        return [(table, first)]
    half = (table.num_rows + 1) // 2
    return [
        (table.slice(0, half), first),
        (table.slice(half), first.with_name(f"{first.stem}.part-1.parquet")),
    ]


def batch_parts(first: Path) -> list[Path]:
    """The files a batch was written as (see `batch_jobs`), in row order."""
    return [first, *sorted(first.parent.glob(f"{first.stem}.part-*.parquet"))]


def ensure_raw_schema(cfg: RunConfig) -> None:
    """An empty, typed file per dataset, so the warehouse builds before anything has landed."""
    import pyarrow as pa

    for dataset in datasets():
        columns = layout(dataset)["raw_columns"]
        schema = pa.schema([(c, pa.int64() if c == "_source_row" else pa.string()) for c in columns])
        write_parquet(schema.empty_table(), raw_path(cfg, dataset, "_schema"))
        refused = schema.append(pa.field("_reason_code", pa.string()))
        write_parquet(refused.empty_table(), cfg.quarantine_root / dataset / "_schema.parquet")


def write_parquet(table, path: Path) -> None:
    """Write an Arrow table (or DataFrame) to a temporary name and rename: no half files."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not isinstance(table, pa.Table):
        table = pa.Table.from_pandas(table, preserve_index=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp, compression="snappy")
    tmp.replace(path)


# ---------------------------------------------------------------------------------------
# Dates as agencies write them (docs/domain.md#what-real-extracts-look-like).
# ---------------------------------------------------------------------------------------

LONG_TERM = date(2099, 12, 31)  # 处罚有效期 / 有效期至 '2099-12-31' or 长期 mean long-term
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(text: str) -> date | None:
    """One date in any of the forms real extracts carry; None when it cannot be read."""
    import re

    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return None
    if value in {"长期", "永久", "长期有效"}:
        return LONG_TERM
    if re.fullmatch(r"\d{5}(\.0+)?", value):  # Excel serial number (45047 = 2023-05-01)
        serial = int(float(value))
        return _EXCEL_EPOCH + timedelta(days=serial) if 20000 <= serial <= 80000 else None
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", value) or re.fullmatch(
        r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?",
        value,
    )
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def parse_dates(values):
    """A column of date texts as Arrow date32 (null when unreadable). Dates repeat, so each
    distinct text is parsed once and the result taken back to the rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    distinct = pc.unique(values)
    parsed = pa.array([parse_date(v) for v in distinct.to_pylist()], pa.date32())
    return pc.take(parsed, pc.index_in(values, value_set=distinct))
