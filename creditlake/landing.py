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
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import yaml

from creditlake import bundles, column_maps
from creditlake.readers import Extract, MalformedRow, Refusal, header_key, known_names, read_extract
from creditlake.settings import RunConfig, safe_name

LAYOUTS_DIR = Path(__file__).parent / "layouts"
LINEAGE_COLUMNS = ["_source_file", "_source_sha256", "_source_row", "_batch_id", "_landed_at", "_received_at"]
SKIPPED_SHOWN = 20
DERIVED_COLUMNS = ["_subject_type", "_subject_key", "_decision_date", "_flags", "_record_key"]


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
    # landed | refused | already_landed | gate_failed | fetch_failed (an S3 object's download
    # did not match it: creditlake.sources; nothing landed, not in the ledger, tried again next run)
    status: str = "landed"
    reason: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)  # reason code -> rows
    ignored_columns: list[str] = field(default_factory=list)
    # lines that are no records (a title above the header, a footer, blank rows): kind -> count,
    # and the first SKIPPED_SHOWN of them (kind, line, text) for the provider's feedback
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_lines: list[dict] = field(default_factory=list)
    # the provider most rows name, where a report must go without a refused row to say (skipped lines)
    provider: str = ""
    # how the file was read, where it was not a plain CSV (delimiter, sheet, header row, map)
    notes: list[str] = field(default_factory=list)
    # the day the file arrived (YYYY-MM-DD, Beijing time): the platform's check-and-load
    # deadline runs from it (gd-draft Art 19: 自收到报送的社会信用信息之日起)
    received_at: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@cache
def layout(dataset: str) -> dict:
    spec = yaml.safe_load((LAYOUTS_DIR / f"{dataset}.yml").read_text(encoding="utf-8"))
    spec["header_map"] = {}
    for f in spec["fields"]:
        for name in [f["code"], f["zh"], *f.get("aliases", [])]:
            spec["header_map"][header_key(name)] = f["code"]
    spec["raw_columns"] = [f["code"] for f in spec["fields"]] + LINEAGE_COLUMNS + DERIVED_COLUMNS
    return spec


@cache
def reasons() -> dict[str, dict]:
    return yaml.safe_load((Path(__file__).parent / "reasons.yml").read_text(encoding="utf-8"))


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
    return [(header_key(h), g["field"]) for g in groups for h in g["headers"]]


def prohibited_in(header: list[str], profile: str) -> list[str]:
    found = []
    prohibited = prohibited_headers(profile)
    for name in header:
        key = header_key(name)
        found += [f"{name} ({field})" for fragment, field in prohibited if fragment in key]
    return found


def landing_folders() -> dict[str, str]:
    """Dataset -> the folder its files land in (`penalties`, ...): under a landing folder, or a
    landing prefix in object storage (`creditlake.sources`)."""
    return {dataset: layout(dataset)["landing_folder"] for dataset in datasets()}


def is_landing_name(name: str) -> bool:
    """Whether a file in a dataset folder is an extract to land (hidden files are not)."""
    return bool(name) and not name.startswith(".")


def entries(path: Path, dataset: str) -> list[dict]:
    """The files to land in one landing file: itself, or each member of a ZIP bundle (`member`)."""
    names = bundles.member_names(path) if bundles.is_bundle(path) else None
    if names is None:  # a plain file, or a bundle that is unreadable (refused when landed)
        return [{"path": str(path), "dataset": dataset}]
    return [{"path": str(path), "dataset": dataset, "member": name} for name in names]


def discover(cfg: RunConfig) -> list[dict]:
    """Every file in the landing folders of the known datasets, in a stable order; each member
    of a ZIP bundle as a file of its own (`member`)."""
    found = []
    for dataset, folder_name in landing_folders().items():
        folder = cfg.landing / folder_name
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and is_landing_name(path.name):
                found += entries(path, dataset)
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


# ---------------------------------------------------------------------------------------
# Landing one file.
# ---------------------------------------------------------------------------------------


def land_file(
    cfg: RunConfig, path: str, dataset: str, member: str | None = None, shown_as: str | None = None
) -> dict:
    """Land one file (or one `member` of a ZIP bundle at `path`). Never raises on bad input: a
    bad file is refused with a reason. `shown_as`: the file's name in its lineage and results
    where `path` is only a local copy (an object fetched from S3: its `s3://` URI)."""
    source = Path(path)
    shown = shown_as or str(source)
    name = member or source.name
    spec = layout(dataset)
    maps = column_maps.load_maps(dataset, spec["header_map"])
    known = known_names([*spec["header_map"], *(key for m in maps for key in m.columns)])
    records_path = next((m.records_path for m in maps if m.records_path and m.names(name)), None)
    # The file is mapped, not copied, and fingerprinted on a second thread while it is parsed
    # (hashlib and Arrow's reader both release the GIL). A parse wasted on a file landed
    # before costs less than hashing first would cost every new one.
    try:
        data = _member_or_file(source, member)
    except Refusal as refusal:
        data, parsed = b"", refusal
    else:
        parsed = None
    # a member refused unread is known by its place: its bytes were never taken
    fingerprint = data if parsed is None else f"{shown}{bundles.SEPARATOR}{member}".encode()
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(fingerprint).hexdigest())
        if parsed is None:
            try:
                parsed = read_extract(name, data, known, records_path)
            except Refusal as refusal:
                parsed = refusal
        result = FileResult(
            path=f"{shown}{bundles.SEPARATOR}{member}" if member else shown,
            dataset=dataset,
            sha256=digest.result(),
            received_at=received_on(source),
        )
    result.batch_id = f"{dataset}-{result.sha256[:16]}"

    previous = read_ledger(cfg).get(result.sha256)
    if previous is not None:
        # Same bytes already landed: nothing is loaded twice. The counts are the first landing's.
        for key in ("rows_in", "loaded", "quarantined", "excluded", "reasons", "skipped"):
            setattr(result, key, previous.get(key, {} if key in ("reasons", "skipped") else 0))
        result.status = "already_landed"
        result.reason = f"identical file landed before as batch {previous['batch_id']} ({previous['path']})"
        return result.as_dict()
    try:
        if isinstance(parsed, Refusal):
            raise parsed
        result.notes = list(parsed.notes)
        result.skipped = dict(Counter(s.kind for s in parsed.skipped))
        result.skipped_lines = [asdict(s) for s in parsed.skipped[:SKIPPED_SHOWN]]
        mapped = column_maps.for_file(maps, name, parsed.table.column_names)
        return _land_table(cfg, parsed, result, mapped)
    except Refusal as refusal:
        message = reasons()[refusal.code]["en"] + (f": {refusal.detail}" if refusal.detail else "")
        result.status, result.reason = "refused", f"{refusal.code}: {message}"
        result.rows_in = result.loaded = result.quarantined = result.excluded = 0
        return result.as_dict()


def _member_or_file(source: Path, member: str | None):
    if member is not None:
        return bundles.read_member(source, member)
    if bundles.is_bundle(source):
        raise Refusal("file_unreadable", "not a readable ZIP bundle")
    return _mapped(source)


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


def _land_table(cfg: RunConfig, extract: Extract, result: FileResult, mapped=None) -> dict:
    """Check every row of a read file and write the three ways it splits (loaded, quarantined,
    excluded), under the file's batch id. `mapped`: the provider's column map, if one applies."""
    table, malformed, lines = extract.table, extract.malformed, extract.lines
    spec = layout(result.dataset)
    renamed = _map_columns(cfg, spec, table.column_names, result, mapped)
    n = table.num_rows
    if n == 0 and not malformed:
        raise Refusal("file_empty")
    cols = _columns(spec, table, renamed, mapped)
    trimmed = _trimmed(spec, cols, result.dataset, cfg.profile)
    verdict = _Verdict(n)
    subject_type, subject_key, flags, decision = _check_rows(
        cfg, spec, result.dataset, cols, trimmed, verdict
    )

    # Duplicates within the batch: among the rows not refused yet, the first with a natural
    # key loads and later ones are quarantined.
    record_key = _record_keys(spec, trimmed, subject_key)
    verdict.refuse(_repeats(record_key, verdict.reason < 0), "duplicate_in_batch")
    # Across batches: the same record with the same content was loaded before. The same
    # record with other content is a provider's correction: it loads and supersedes.
    verdict.refuse(_seen_before(cfg, result.dataset, record_key, cols), "duplicate_across_batches")
    verdict.exclude(_exclusions(result.dataset, cfg.profile), trimmed)
    verdict.count(result, malformed)

    landed_at = datetime.now(UTC).isoformat(timespec="seconds")
    raw = _raw_table(result, cols, lines, landed_at, subject_type, subject_key, decision, flags, record_key)
    refused = verdict.quarantined_rows(raw)
    if malformed or result.skipped:  # who gets a report no refused row names
        result.provider = _usual_provider(spec, cols)
    if malformed:
        header_codes = [renamed.get(name) for name in table.column_names]
        unreadable = _malformed_rows(malformed, result, spec, landed_at, header_codes, result.provider)
        refused = _concat(refused, unreadable)
    _write_batch(cfg, result, raw, verdict, refused)
    return result.as_dict()


def _map_columns(cfg: RunConfig, spec: dict, header: list[str], result: FileResult, mapped) -> dict[str, str]:
    """The file's column names -> the layout's codes (through the provider's map, if any).
    Refuses a file carrying a prohibited field, or lacking a required one (unless the map
    gives its value)."""
    # Never collected (jl-draft Art 16, city-2022 Art 20, hl-draft Art 20, gd-draft Art 17,
    # hl-2022 Art 20): the whole file is refused before a single row is stored.
    prohibited = prohibited_in(header, cfg.profile)
    if prohibited:
        raise Refusal("file_prohibited_field", ", ".join(prohibited))
    names = spec["header_map"] | (mapped.columns if mapped else {})
    renamed, ignored = {}, []
    for name in header:
        code = names.get(header_key(name))
        if code is None or code in renamed.values():
            ignored.append(name)
        else:
            renamed[name] = code
    result.ignored_columns = ignored
    given = set(renamed.values()) | set(mapped.fixed if mapped else ())
    missing = [f["code"] for f in spec["fields"] if f.get("required") and f["code"] not in given]
    if missing:
        raise Refusal("file_missing_columns", ", ".join(missing))
    if mapped:
        result.notes.append(f"column map {mapped.name}")
    return renamed


def _columns(spec: dict, table, renamed: dict[str, str], mapped) -> dict:
    """Every field of the layout as a column: the file's, the map's fixed value, or empty.
    Columns stay as the reader's chunks: they are only filtered and written."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = table.num_rows
    by_code = {code: table.column(name) for name, code in renamed.items()}
    for code, value in (mapped.fixed if mapped else {}).items():
        by_code.setdefault(code, pa.chunked_array([pa.array([value] * n, pa.string())]))
    empty = pa_empty(n)
    cols = {f["code"]: by_code.get(f["code"], empty) for f in spec["fields"]}
    return {k: pc.fill_null(v, "") if v.null_count else v for k, v in cols.items()}  # JSON and workbooks


def _trimmed(spec: dict, cols: dict, dataset: str, profile: str) -> dict:
    """The checked columns, trimmed, each into one contiguous array."""
    import pyarrow.compute as pc

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
    checked |= {rule["field"] for rule in _exclusions(dataset, profile)}
    names = [k for k in cols if k in checked]
    values = in_parallel(lambda v: pc.utf8_trim_whitespace(v).combine_chunks(), [cols[k] for k in names])
    return dict(zip(names, values, strict=True))


def np_mask(arrow_mask) -> np.ndarray:
    import pyarrow.compute as pc

    return np.asarray(pc.fill_null(arrow_mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _blank(values) -> np.ndarray:
    """By length, from the offsets: comparing every string with "" reads every string."""
    import pyarrow.compute as pc

    return np_mask(pc.equal(pc.binary_length(values), 0))


class _Verdict:
    """Each row's fate: its first reason (an index into `codes`; -1: none) and exclusion.
    Reasons are small integers: object arrays are slow."""

    def __init__(self, n: int):
        self.reason = np.full(n, -1, dtype=np.int16)
        self.exclusion = np.full(n, -1, dtype=np.int16)
        self.codes: list[str] = []

    def code_of(self, code: str) -> int:
        if code not in self.codes:
            self.codes.append(code)
        return self.codes.index(code)

    def refuse(self, mask: np.ndarray, code) -> None:
        """First failure wins: a row keeps the first reason found, in check order. `code` is
        one reason code, or an Arrow column of codes (null where there is none)."""
        mask = mask & (self.reason < 0)
        if isinstance(code, str):
            self.reason[mask] = self.code_of(code)
            return
        for i in np.flatnonzero(mask):
            self.reason[i] = self.code_of(code[i].as_py())

    def exclude(self, rules: list[dict], trimmed: dict) -> None:
        """Rows the profile leaves out (not a failure), among those not quarantined."""
        import pyarrow as pa
        import pyarrow.compute as pc

        for rule in rules:
            hit = np_mask(pc.is_in(trimmed[rule["field"]], value_set=pa.array(rule["values"])))
            self.exclusion[hit & (self.reason < 0) & (self.exclusion < 0)] = self.code_of(rule["reason"])

    @property
    def quarantined(self) -> np.ndarray:
        return self.reason >= 0

    @property
    def excluded(self) -> np.ndarray:
        return self.exclusion >= 0

    def count(self, result: FileResult, malformed: list) -> None:
        loaded = ~self.quarantined & ~self.excluded
        result.rows_in = len(self.reason) + len(malformed)
        result.loaded = int(loaded.sum())
        result.quarantined = int(self.quarantined.sum()) + len(malformed)
        result.excluded = int(self.excluded.sum())
        found = np.unique(np.concatenate([self.reason, self.exclusion]), return_counts=True)
        result.reasons = {self.codes[i]: int(c) for i, c in zip(*found, strict=True) if i >= 0}
        if malformed:
            result.reasons["row_malformed"] = len(malformed)
        if result.quarantined:
            worst = max(
                (kv for kv in result.reasons.items() if not kv[0].startswith("excluded")),
                key=lambda kv: kv[1],
            )
            result.reason = f"{result.quarantined} rows quarantined; most often {worst[0]}"

    def quarantined_rows(self, raw):
        mask = self.quarantined
        return _with_reasons(_plain(_filter(raw, mask)), [self.codes[i] for i in self.reason[mask]])

    def excluded_rows(self, raw):
        mask = self.excluded
        return _with_reasons(_plain(_filter(raw, mask)), [self.codes[i] for i in self.exclusion[mask]])


def _check_rows(cfg: RunConfig, spec: dict, dataset: str, cols: dict, trimmed: dict, verdict: _Verdict):
    """The row checks, in priority order: fields, then subjects, catalog, dates and amounts. The
    subjects' identifier checks (the costliest) run on a second thread while this one does the
    field and date checks; the refusals are applied afterwards, in this order. Returns the
    subject type, key and flags and the decision date of every row."""

    empty = pa_empty(len(verdict.reason))
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
        fields_checked = _field_checks(spec, trimmed)
        decision = parse_dates(trimmed[spec["decision_date_field"]])
        dates_checked = _date_checks(cfg, spec, trimmed, decision)
        subject_type, subject_key, flags = subjects.result()
    for mask, code in (
        fields_checked + subjects_checked + _catalog_checks(spec, dataset, subject_type) + dates_checked
    ):
        verdict.refuse(mask, code)
    return subject_type, subject_key, flags, decision


def pa_empty(n: int):
    """n empty strings, from offsets alone (no string is built)."""
    import pyarrow as pa

    return pa.chunked_array(
        [pa.StringArray.from_buffers(n, pa.py_buffer(np.zeros(n + 1, np.int32)), pa.py_buffer(b""))]
    )


def _field_checks(spec: dict, trimmed: dict) -> list:
    import pyarrow as pa
    import pyarrow.compute as pc

    # the subject's own number is checked with its subject (`_subjects`)
    own = {spec["subject"].get("person_id_field"), spec["subject"].get("key_field")}
    checks = []
    for f in spec["fields"]:
        value = trimmed.get(f["code"])
        if f.get("required"):
            checks.append((_blank(value), "required_missing"))
        if f["kind"] == "enum":
            allowed = pa.array([str(v) for v in f["values"]] + [""])
            checks.append((~np_mask(pc.is_in(value, value_set=allowed)), "enum_invalid"))
        if f["kind"] == "person_id" and f["code"] not in own:
            # A masked number names no one: as the key of a legal representative or another
            # person linked to a serious dishonest entry, it would join whoever shares its digits.
            checks.append((np_mask(pc.match_substring_regex(value, "[*＊]")), "linked_id_masked"))
    return checks


def _date_checks(cfg: RunConfig, spec: dict, trimmed: dict, decision) -> list:
    """Dates that cannot be read or lie in the future, amounts that are no number or in the
    wrong unit, end dates before start dates."""
    import pyarrow as pa
    import pyarrow.compute as pc

    checks = [
        (np_mask(pc.is_null(decision)), "date_invalid"),
        (np_mask(pc.greater(decision, pa.scalar(cfg.as_of, pa.date32()))), "date_in_future"),
    ]
    for f in spec["fields"]:
        value = trimmed.get(f["code"])
        if f["kind"] == "date" and f["code"] != spec["decision_date_field"]:
            checks.append((~_blank(value) & np_mask(pc.is_null(parse_dates(value))), "date_invalid"))
        if f["kind"] == "amount_wan":
            numeric = np_mask(pc.match_substring_regex(value, r"^[0-9]+(\.[0-9]+)?$"))
            checks.append((~_blank(value) & ~numeric, "amount_invalid"))
            amount = pc.cast(pc.if_else(pa.array(numeric), value, "0"), pa.float64()).to_numpy()
            checks.append((amount > spec["amount_wan_max"], "amount_unit"))
    for start_field, end_field in spec.get("date_order", []):
        earlier = pc.less(parse_dates(trimmed[end_field]), parse_dates(trimmed[start_field]))
        checks.append((np_mask(earlier), "date_order"))
    return checks


def _catalog_checks(spec: dict, dataset: str, subject_type) -> list:
    """Every record maps to a catalog item, or it is not loaded (docs/law.md#subjects-and-the-catalog)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from creditlake.catalog import item_for

    if spec.get("event"):
        return []
    item = item_for(dataset)
    covered = pa.array(item[1]["subject_types"] if item else [], pa.string())
    return [(~np_mask(pc.is_in(subject_type, value_set=covered)), "no_catalog_item")]


def _record_keys(spec: dict, trimmed: dict, subject_key):
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*[trimmed[k] for k in spec["natural_key"]], subject_key, "|")


def _raw_table(
    result: FileResult, cols, lines, landed_at, subject_type, subject_key, decision, flags, record_key
):
    """The rows with their lineage and what the checks derived, as the raw layer stores them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(record_key)

    def constant(value: str):
        """One value for every row, dictionary-encoded: filtered and written as indices (the
        Parquet column is an ordinary dictionary-encoded string column for every reader)."""
        return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([value]))

    return pa.table(
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


def _concat(refused, unreadable):
    import pyarrow as pa

    return pa.concat_tables([refused, unreadable], promote_options="default")


def _write_batch(cfg: RunConfig, result: FileResult, raw, verdict: _Verdict, refused) -> None:
    """Loaded rows to pending (promoted by the raw gate), the others to quarantine and excluded."""
    batch = safe_name(result.batch_id)
    loaded = ~verdict.quarantined & ~verdict.excluded
    in_parallel(
        lambda job: write_parquet(*job),
        [
            *batch_jobs(_filter(raw, loaded), pending_path(cfg, result.dataset, batch)),
            (refused, cfg.quarantine_root / result.dataset / f"{batch}.parquet"),
            (verdict.excluded_rows(raw), cfg.lake / "excluded" / result.dataset / f"{batch}.parquet"),
        ],
    )


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
