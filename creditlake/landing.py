"""Landing: an agency extract becomes raw Parquet with lineage, and every row is accounted for.

For each file: fingerprint it (sha256; the same bytes are landed once), decode it (strict
UTF-8 first, then GB18030, never GBK: DOMAIN.md §6), map its headers (Chinese names or
column codes) onto the layout's codes, check every row, and split the rows three ways:

* loaded      -> `raw/_pending/<dataset>/<batch>.parquet`, promoted by the raw gate;
* quarantined -> `quarantine/<dataset>/<batch>.parquet`, with a reason code per row;
* excluded    -> `excluded/<dataset>/<batch>.parquet`, with the exclusion reason.

`rows_in = loaded + quarantined + excluded` holds for every file, and a file that cannot be
read is refused with a reason instead of failing the run.
"""

from __future__ import annotations

import hashlib
import io
import json
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import yaml

from creditlake import identifiers
from creditlake.settings import RunConfig, safe_name

LAYOUTS_DIR = Path(__file__).parent / "layouts"
LINEAGE_COLUMNS = ["_source_file", "_source_sha256", "_source_row", "_batch_id", "_landed_at"]
DERIVED_COLUMNS = ["_subject_type", "_subject_key", "_decision_date", "_flags"]
LANDED_FORMATS = {".csv"}


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

    def as_dict(self) -> dict:
        return asdict(self)


@cache
def layout(dataset: str) -> dict:
    spec = yaml.safe_load((LAYOUTS_DIR / f"{dataset}.yml").read_text(encoding="utf-8"))
    spec["header_map"] = {}
    for f in spec["fields"]:
        for name in [f["code"], f["zh"], *f.get("aliases", [])]:
            spec["header_map"][_header_key(name)] = f["code"]
    return spec


@cache
def reasons() -> dict[str, dict]:
    return yaml.safe_load((Path(__file__).parent / "reasons.yml").read_text(encoding="utf-8"))


def _header_key(name: str) -> str:
    """Headers compare after NFKC (full-width brackets) and without spaces or BOM."""
    return unicodedata.normalize("NFKC", name).replace("\ufeff", "").replace(" ", "").strip().upper()


def datasets() -> list[str]:
    return sorted(p.stem for p in LAYOUTS_DIR.glob("*.yml"))


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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


def decode(data: bytes) -> str | None:
    """Strict UTF-8 (with or without BOM) first, then GB18030; None when neither reads it.

    Order matters: UTF-8 bytes often decode as GB18030 'successfully' into mojibake.
    """
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def land_file(cfg: RunConfig, path: str, dataset: str) -> dict:
    """Land one file. Never raises on bad input: a bad file is refused with a reason."""
    source = Path(path)
    result = FileResult(path=str(source), dataset=dataset, sha256=sha256_of(source))
    result.batch_id = f"{dataset}-{result.sha256[:16]}"

    previous = read_ledger(cfg).get(result.sha256)
    if previous is not None:
        # Same bytes already landed: nothing is loaded twice. The counts are the first landing's.
        for key in ("rows_in", "loaded", "quarantined", "excluded"):
            setattr(result, key, previous[key])
        result.status = "already_landed"
        result.reason = f"identical file landed before as batch {previous['batch_id']} ({previous['path']})"
        return result.as_dict()

    if source.suffix.lower() not in LANDED_FORMATS:
        return _refuse(result, "file_unreadable", f"unsupported file type {source.suffix!r}")
    text = decode(source.read_bytes())
    if text is None:
        return _refuse(result, "file_encoding")

    import pandas as pd

    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True)
    except Exception as err:  # pandas raises several parser error types
        return _refuse(result, "file_unreadable", str(err).splitlines()[0])
    return _land_frame(cfg, frame, result)


def _refuse(result: FileResult, code: str, detail: str | None = None) -> dict:
    message = reasons()[code]["en"] + (f": {detail}" if detail else "")
    result.status, result.reason = "refused", f"{code}: {message}"
    return result.as_dict()


def _land_frame(cfg: RunConfig, frame, result: FileResult) -> dict:
    import numpy as np
    import pandas as pd

    spec = layout(result.dataset)
    header_map = spec["header_map"]
    renamed, ignored = {}, []
    for col in frame.columns:
        code = header_map.get(_header_key(str(col)))
        if code is None or code in renamed.values():
            ignored.append(str(col))
        else:
            renamed[col] = code
    result.ignored_columns = ignored
    frame = frame[list(renamed)].rename(columns=renamed)
    required = [f["code"] for f in spec["fields"] if f.get("required")]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        return _refuse(result, "file_missing_columns", ", ".join(missing))
    if frame.empty:
        return _refuse(result, "file_empty")
    for f in spec["fields"]:
        if f["code"] not in frame.columns:
            frame[f["code"]] = ""

    n = len(frame)
    result.rows_in = n
    frame = frame.reset_index(drop=True)
    frame["_source_file"] = result.path
    frame["_source_sha256"] = result.sha256
    frame["_source_row"] = np.arange(2, n + 2, dtype="int64")  # the row a clerk sees: header is row 1
    frame["_batch_id"] = result.batch_id
    frame["_landed_at"] = datetime.now(UTC).isoformat(timespec="seconds")

    reason = pd.Series([None] * n, dtype=object)

    def refuse(mask, code) -> None:
        """First failure wins: a row carries the first reason found, in check order.

        `code` is one reason code, or a column of codes aligned with the rows.
        """
        mask = np.asarray(mask, dtype=bool) & reason.isna().to_numpy()
        reason[mask] = code if isinstance(code, str) else np.asarray(code, dtype=object)[mask]

    for f in spec["fields"]:
        if f.get("required"):
            refuse(frame[f["code"]].str.strip() == "", "required_missing")
        if f["kind"] == "enum":
            values = frame[f["code"]].str.strip()
            refuse((values != "") & ~values.isin([str(v) for v in f["values"]]), "enum_invalid")

    subject_type = frame["CF_XDR_LB"].str.strip()
    is_person = (subject_type == "自然人").to_numpy()
    uscc = identifiers.validate_uscc(frame["CF_XDR_SHXYM"])
    person = identifiers.validate_citizen_id(frame["CF_XDR_ZJHM"])
    refuse(~is_person & uscc["reason"].notna().to_numpy(), uscc["reason"])
    refuse(is_person & person["reason"].notna().to_numpy(), person["reason"])
    frame["_subject_type"] = np.where(is_person, "natural_person", np.where(subject_type == "个体工商户", "individual_business", "organisation"))
    frame["_subject_key"] = np.where(is_person, person["value"], uscc["value"])
    frame["_flags"] = np.where(is_person, person["flag"], uscc["flag"])

    decision = parse_dates(frame["CF_JDRQ"])
    refuse(decision.isna(), "date_invalid")
    refuse(decision > pd.Timestamp(cfg.as_of), "date_in_future")
    frame["_decision_date"] = decision.dt.strftime("%Y-%m-%d")

    for f in spec["fields"]:
        if f["kind"] == "amount_wan":
            raw = frame[f["code"]].str.strip()
            amount = pd.to_numeric(raw, errors="coerce")
            refuse((raw != "") & (amount.isna() | (amount < 0)), "amount_invalid")

    key = frame["CF_WSH"].str.strip() + "|" + frame["_subject_key"]
    refuse(key.duplicated(keep="first") & reason.isna(), "duplicate_in_batch")

    # Penalties under the simple procedure are not public credit information
    # (hl-2022 Art 18, hl-draft Art 19; jl-draft Art 13(1) counts only general-procedure ones).
    procedure = frame["CF_AJCXLB"].str.strip()
    simple = procedure.isin(["01", "简易程序"]).to_numpy() & reason.isna().to_numpy()

    quarantined = reason.notna().to_numpy()
    excluded = simple & ~quarantined
    loaded = ~quarantined & ~excluded
    result.loaded, result.quarantined, result.excluded = int(loaded.sum()), int(quarantined.sum()), int(excluded.sum())
    counts = reason[quarantined].value_counts().to_dict()
    if excluded.any():
        counts["excluded_simple_procedure"] = int(excluded.sum())
    result.reasons = {str(k): int(v) for k, v in counts.items()}

    columns = [f["code"] for f in spec["fields"]] + LINEAGE_COLUMNS + DERIVED_COLUMNS
    batch = safe_name(result.batch_id)
    write_parquet(frame.loc[loaded, columns], pending_path(cfg, result.dataset, batch))
    refused = frame.loc[quarantined, columns].assign(
        _reason_code=reason[quarantined].to_numpy(),
        _reason_zh=[reasons()[c]["zh"] for c in reason[quarantined]],
        _reason_en=[reasons()[c]["en"] for c in reason[quarantined]],
    )
    write_parquet(refused, cfg.quarantine_root / result.dataset / f"{batch}.parquet")
    write_parquet(
        frame.loc[excluded, columns].assign(_reason_code="excluded_simple_procedure"),
        cfg.lake / "excluded" / result.dataset / f"{batch}.parquet",
    )
    if result.quarantined:
        top = max(result.reasons.items(), key=lambda kv: kv[1] if not kv[0].startswith("excluded") else -1)
        result.reason = f"{result.quarantined} rows quarantined; most often {top[0]}"
    return result.as_dict()


def pending_path(cfg: RunConfig, dataset: str, batch: str) -> Path:
    return cfg.raw_root / "_pending" / dataset / f"{batch}.parquet"


def raw_path(cfg: RunConfig, dataset: str, batch: str) -> Path:
    return cfg.raw_root / dataset / f"{batch}.parquet"


def ensure_raw_schema(cfg: RunConfig) -> None:
    """An empty, typed file per dataset, so the warehouse builds before anything has landed."""
    import pandas as pd

    for dataset in datasets():
        spec = layout(dataset)
        columns = [f["code"] for f in spec["fields"]] + LINEAGE_COLUMNS + DERIVED_COLUMNS
        empty = pd.DataFrame({c: pd.Series([], dtype="int64" if c == "_source_row" else object) for c in columns})
        write_parquet(empty, raw_path(cfg, dataset, "_schema"))


def write_parquet(frame, path: Path) -> None:
    """Parquet via fastparquet, written to a temporary name and renamed: no half files."""
    import fastparquet

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    object_cols = [c for c in frame.columns if frame[c].dtype == object]
    fastparquet.write(str(tmp), frame.reset_index(drop=True), object_encoding={c: "utf8" for c in object_cols},
                      stats=False, write_index=False)
    tmp.replace(path)


# ---------------------------------------------------------------------------------------
# Dates as agencies write them (DOMAIN.md §6).
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
        r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", value
    )
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def parse_dates(values):
    """Vectorised over a column: dates repeat, so each distinct text is parsed once."""
    import pandas as pd

    uniques = pd.unique(values)
    parsed = {u: parse_date(u) for u in uniques}
    return pd.to_datetime(values.map(parsed), errors="coerce")
