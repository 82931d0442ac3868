"""Metadata that makes an open dataset findable and trustworthy: a Frictionless
`datapackage.json` (licence, sources, version, per-file bytes and hash, Table Schema), a
DCAT-style `dcat.jsonld`, and a bilingual data dictionary. Written into the version
folder before the gate, so the gate scans them too and they install with the data.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import yaml

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


def _integrity(path: Path) -> dict:
    """Bytes and sha256 of a file. Frictionless checks `bytes`/`hash` by streaming the
    file, which it does for CSV but not for Parquet (it reports no byte count there), so a
    Parquet file's are given as the custom properties `byteSize`/`sha256` instead."""
    size, digest = path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest()
    if path.suffix == ".csv":
        return {"encoding": "utf-8-sig", "bytes": size, "hash": f"sha256:{digest}"}
    return {"byteSize": size, "sha256": digest}


def write_metadata(
    folder: Path, dataset: str, version: str, as_of: str, frame, columns: dict[str, dict]
) -> list[Path]:
    """`columns`: name -> {"description", "privacy"} for every published column."""
    info = catalogue()
    about = info["datasets"][dataset]
    files = sorted(p for p in folder.iterdir() if p.suffix in (".parquet", ".csv"))
    fields = [
        {"name": c, "type": _field_type(frame[c]), "description": columns[c].get("description", "")}
        for c in frame.columns
    ]
    dates = frame[about["date_column"]].dropna() if about["date_column"] in frame else []
    coverage = {
        "start": day(min(dates)) if len(dates) else None,
        "end": day(max(dates)) if len(dates) else None,
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
                **_integrity(p),
                "schema": {"fields": fields},
            }
            for p in files
        ],
    }
    dcat = {
        "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"},
        "@type": "dcat:Dataset",
        "dct:identifier": f"{dataset}/{version}",
        "dct:title": [
            {"@language": "zh", "@value": about["title_zh"]},
            {"@language": "en", "@value": about["title_en"]},
        ],
        "dct:description": about["description"].strip(),
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": info["publisher"]["name_zh"]},
        "dct:temporal": {"dcat:startDate": coverage["start"], "dcat:endDate": coverage["end"]},
        "dct:accrualPeriodicity": info["update_frequency"],
        "dct:modified": as_of,
        "dct:license": info["licence"]["path"],
        "dcat:distribution": [
            {
                "@type": "dcat:Distribution",
                "dcat:downloadURL": p.name,
                "dcat:mediaType": r["mediatype"],
                "dcat:byteSize": p.stat().st_size,
                "spdx:checksum": hashlib.sha256(p.read_bytes()).hexdigest(),
            }
            for p, r in zip(files, package["resources"], strict=True)
        ],
    }
    (folder / "datapackage.json").write_text(
        json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (folder / "dcat.jsonld").write_text(json.dumps(dcat, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = ["| 字段 field | 类型 type | 说明 description |", "|---|---|---|"]
    lines += [f"| `{f['name']}` | {f['type']} | {f['description']} |" for f in fields]
    (folder / "data_dictionary.md").write_text(
        f"# {about['title_zh']} / {about['title_en']}\n\n{about['description'].strip()}\n\n"
        + "\n".join(lines)
        + "\n",
        encoding="utf-8",
    )
    return [folder / "datapackage.json", folder / "dcat.jsonld", folder / "data_dictionary.md"]
