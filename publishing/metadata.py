"""Metadata that makes an open dataset findable and trustworthy: a Frictionless
`datapackage.json` (licence, sources, version, per-file bytes and hash, Table Schema), a
DCAT-AP 3 `dcat.jsonld` (publishing/dcat.py), and a bilingual data dictionary. Written into the version
folder before the gate, so the gate scans them too and they install with the data.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import yaml

from publishing.dcat import write_dataset

# DuckDB / pandas types -> Table Schema field types
_TYPES = {
    "object": "string",
    "string": "string",
    "bool": "boolean",
    "boolean": "boolean",
    "int64": "integer",
    "float64": "number",
    "datetime64[ns]": "datetime",
}


@cache
def catalogue() -> dict:
    return yaml.safe_load((Path(__file__).parent / "datasets.yml").read_text(encoding="utf-8"))


def _field_type(series) -> str:
    if str(series.dtype).startswith("datetime64"):
        return "date"  # calendar days (the warehouse's DATE columns)
    if series.dtype == object:
        sample = series.dropna().head(1).tolist()
        if sample and hasattr(sample[0], "isoformat") and not isinstance(sample[0], str):
            return "date"
        if sample and type(sample[0]).__name__ == "Decimal":
            return "number"
    return _TYPES.get(str(series.dtype), "string")


def day(value) -> str:
    """A calendar day as YYYY-MM-DD, whether it is a date or a midnight timestamp."""
    return value.date().isoformat() if hasattr(value, "date") and callable(value.date) else str(value)


def _integrity(path: Path, digest: str) -> dict:
    """Bytes and sha256 of a file, as Table Schema's `bytes` and `hash` ("sha256:<hex>").
    Frictionless checks both by streaming the file, which it does for CSV; its Parquet reader
    reads the file through pyarrow and reports no byte count (so a declared `bytes` would fail
    validation there) and no digest (so the `hash` it is given is not checked by it): a
    Parquet file's byte count is the custom property `byteSize`, its `hash` is standard."""
    size = path.stat().st_size
    if path.suffix == ".csv":
        return {"encoding": "utf-8-sig", "bytes": size, "hash": f"sha256:{digest}"}
    return {"byteSize": size, "hash": f"sha256:{digest}"}


# The patterns a published column's dbt meta may name (`meta: {pattern: uscc}`), as Table
# Schema `pattern` constraints. USCC: GB 32100-2015 (no I, O, Z, S, V in the coded positions).
_USCC = r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}"
PATTERNS = {
    "record_id": r"^[0-9a-f]{32}$",
    "uscc": f"^{_USCC}$",
    # an individual business's code is masked as a person's ID where persons are opened
    # (publishing.privacy.subjects.mask_code: first 6 and last 4 shown)
    "uscc_or_masked_id": rf"^(?:{_USCC}|[0-9A-Z]{{6}}\*+[0-9A-Z]{{4}})$",
}


@cache
def _declared_columns(dataset: str) -> dict[str, dict]:
    """The dbt YAML of the publish model opened as `dataset`: column name -> its entry
    (description, meta, constraints, data_tests). Empty for a dataset no model declares."""
    from publishing import declared

    for model, meta in declared.declarations().items():
        if meta.get("open_dataset") == dataset:
            document = yaml.safe_load(meta["_yaml"].read_text(encoding="utf-8"))
            entry = next(m for m in document["models"] if m["name"] == model)
            return {c["name"]: c for c in entry.get("columns") or []}
    return {}


@cache
def template_names() -> dict[str, str]:
    """Field code -> Chinese field name of the national templates (the landing layouts)."""
    from creditlake import landing

    return {f["code"]: f["zh"] for d in landing.datasets() for f in landing.layout(d)["fields"]}


def _tests(column: dict) -> tuple[bool, list | None]:
    """Whether the column's dbt tests make it unique, and its accepted values if they list them."""
    unique, accepted = False, None
    for test in column.get("data_tests") or column.get("tests") or []:
        if test == "unique":
            unique = True
        elif isinstance(test, dict) and "accepted_values" in test:
            spec = test["accepted_values"]
            accepted = (spec.get("arguments") or spec)["values"]
    return unique, accepted


def describe(dataset: str, name: str, given: dict | None = None) -> dict:
    """What the public is told of one published column, from its model's dbt YAML: `title` its
    Chinese name (the national template's, `meta.template`, or `meta.zh` for a derived column),
    `english` its description, `required`/`unique`/`enum` from the YAML's constraints and
    tests, `pattern` from `meta.pattern`, `codes` (code -> zh/en meaning) from `meta.codes`.
    A column no YAML declares falls back on `given` (its meta) and its own name. Fails when an
    accepted value has no meaning: the dictionary must explain every code."""
    column = _declared_columns(dataset).get(name, {})
    meta = column.get("meta") or given or {}
    title = meta.get("zh") or template_names().get(meta.get("template"), "") or name
    english = column.get("description") or (given or {}).get("description") or name
    unique, enum = _tests(column)
    codes = {str(k): v for k, v in (meta.get("codes") or {}).items()}
    if missing := [v for v in enum or [] if str(v) not in codes]:
        raise ValueError(f"{dataset}.{name}: accepted values {missing} have no meaning in meta.codes")
    return {
        "name": name,
        "title": title,
        "english": " ".join(english.split()),
        "required": any(c.get("type") == "not_null" for c in column.get("constraints") or []),
        "unique": unique,
        "enum": enum,
        "pattern": PATTERNS[meta["pattern"]] if "pattern" in meta else None,
        "codes": codes,
    }


def csv_header(dataset: str, columns, given: dict[str, dict] | None = None) -> dict[str, str]:
    """English column name -> the CSV header's Chinese name. Fails on two columns with one name."""
    header = {c: describe(dataset, c, (given or {}).get(c))["title"] for c in columns}
    if len(set(header.values())) < len(header):
        raise ValueError(f"{dataset}: two columns share a Chinese name: {header}")
    return header


def _schema_field(doc: dict, field_type: str, csv: bool) -> dict:
    """One Table Schema field: the Parquet file's named in English, the CSV's in Chinese (the
    English name kept as the custom property `englishName`)."""
    constraints = {"required": True} if doc["required"] else {}
    constraints |= {"unique": True} if doc["unique"] else {}
    constraints |= {"enum": doc["enum"]} if doc["enum"] else {}
    constraints |= {"pattern": doc["pattern"]} if doc["pattern"] else {}
    field = {
        "name": doc["title"] if csv else doc["name"],
        "type": field_type,
        "title": doc["title"],
        "description": f"{doc['title']}: {doc['english']}",
        "englishName": doc["name"],
    }
    if constraints:
        field["constraints"] = constraints
    if doc["codes"]:
        field["codes"] = [{"code": k, "zh": v["zh"], "en": v["en"]} for k, v in doc["codes"].items()]
    return field


def _schema(docs: list[dict], types: dict[str, str], csv: bool) -> dict:
    fields = [_schema_field(d, types[d["name"]], csv) for d in docs]
    key = [f["name"] for f, d in zip(fields, docs, strict=True) if d["unique"] and d["required"]]
    return {"fields": fields, **({"primaryKey": key} if key else {})}


def _dictionary(about: dict, docs: list[dict], types: dict[str, str]) -> str:
    """The data dictionary: every column with its Chinese and English names, type and meaning,
    then every code with its Chinese and English meaning. No cell is left blank."""

    def cell(text) -> str:
        return str(text).replace("|", "\\|")

    lines = [
        f"# {about['title_zh']} / {about['title_en']}",
        "",
        about["description"].strip(),
        "",
        "CSV 表头为国家标准模板的中文字段名，Parquet 列名为英文列名；编码字段在数据中保留代码，含义见下。",
        "The CSV header carries the national template's Chinese field names, the Parquet file the "
        "English column names; coded columns keep their codes in the data, explained below.",
        "",
        "| 字段 field | 列名 column | 类型 type | 必填 required | 说明 description |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {cell(d['title'])} | `{d['name']}` | {types[d['name']]} | "
        f"{'是 yes' if d['required'] else '否 no'} | {cell(d['english'])} |"
        for d in docs
    ]
    for d in (d for d in docs if d["codes"]):
        lines += ["", f"## {d['title']} `{d['name']}`: 代码 codes", ""]
        lines += ["| 代码 code | 中文 | English |", "|---|---|---|"]
        lines += [f"| `{k}` | {cell(v['zh'])} | {cell(v['en'])} |" for k, v in d["codes"].items()]
    return "\n".join(lines) + "\n"


def write_metadata(
    folder: Path, dataset: str, version: str, as_of: str, frame, columns: dict[str, dict]
) -> list[Path]:
    """`columns`: name -> {"description", "privacy"} for every published column."""
    info = catalogue()
    about = info["datasets"][dataset]
    files = sorted(p for p in folder.iterdir() if p.suffix in (".parquet", ".csv"))
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}  # once, for both
    docs = [describe(dataset, c, columns.get(c)) for c in frame.columns]
    types = {c: _field_type(frame[c]) for c in frame.columns}
    dates = frame[about["date_column"]].dropna() if about["date_column"] in frame else []
    coverage = {
        "start": day(dates.min()) if len(dates) else None,
        "end": day(dates.max()) if len(dates) else None,
    }

    package = {
        "name": f"creditlake-{dataset.replace('_', '-')}",
        "title": f"{about['title_zh']} / {about['title_en']}",
        "description": about["description"].strip(),
        "version": version,
        "created": f"{as_of}T00:00:00Z",
        "licenses": [info["licence"]],
        "sources": [{"title": info["publisher"]["name_zh"], "path": info["publisher"]["homepage"]}],
        "resources": [
            {
                "name": p.stem.replace("_", "-") + "-" + p.suffix[1:],
                "path": p.name,
                "format": p.suffix[1:],
                "mediatype": "text/csv" if p.suffix == ".csv" else "application/vnd.apache.parquet",
                **_integrity(p, digests[p.name]),
                "schema": _schema(docs, types, csv=p.suffix == ".csv"),
            }
            for p in files
        ],
    }
    (folder / "datapackage.json").write_text(
        json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    write_dataset(info, folder, dataset, version, as_of, coverage, digests)
    (folder / "data_dictionary.md").write_text(_dictionary(about, docs, types), encoding="utf-8")
    return [folder / "datapackage.json", folder / "dcat.jsonld", folder / "data_dictionary.md"]
