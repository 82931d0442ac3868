"""Builds the portal's files (what they are: publishing/portal/__init__.py)."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from creditlake.jurisdiction import load_profile, rule_source
from creditlake.settings import RunConfig
from creditlake.warehouse import identifier
from publishing import metadata
from publishing.open_data import as_letters
from publishing.portal import changelog, pages
from publishing.portal.search import organisations_schema, organisations_table, write_index

STATIC = Path(__file__).parent / "static"
ASSETS = ("app.js", "style.css")
GENERATIONS = "generations.json"  # the files of the current and the previous portal build


@dataclass
class Built:
    """What a portal build changed, for the S3 mirror."""

    written: list[Path]
    deleted: list[Path]


def build_portal(cfg: RunConfig, gate) -> Built:
    """Regenerate the portal from every dataset's current version. `gate`: the publish gate; a
    page, asset or label it finds anything in leaves the previous portal in place (ValueError)."""
    info = metadata.catalogue()
    current = current_versions(cfg.open_root)
    portal = cfg.open_root / "portal"
    (portal / "search").mkdir(parents=True, exist_ok=True)
    before = set(portal.rglob("*"))
    fields = {dataset: _fields(cfg.open_root, m) for dataset, m in current.items()}
    organisations = collect(cfg.open_root, current, fields)
    header = {
        "as_of": cfg.as_of.isoformat(),
        "profile": cfg.profile,
        "regulation": load_profile(cfg.profile).rules.get("title", ""),
        "versions": {d: m["version"] for d, m in current.items()},
        "titles": {d: [info["datasets"][d]["title_zh"], info["datasets"][d]["title_en"]] for d in current},
        "fields": fields,
        "guidance": guidance(cfg.profile, info),
    }
    manifest = write_index(portal / "search", organisations, list(current), header)
    assets = {name: _asset(portal, name) for name in ASSETS}
    context = pages.Context(info, cfg, current, assets, f"portal/search/{manifest}")
    texts = {
        "index.html": pages.index(context),
        "org.html": pages.shell(context, "org", "企业信用报告 Organisation credit report"),
        "record.html": pages.shell(context, "record", "信用记录 Credit record"),
        "changelog.html": pages.changelog(context, changelog.read_log(cfg.open_root)),
    }
    _replace_checked(cfg.open_root, texts, gate, [portal / name for name in assets.values()], header)
    keep = _remember(portal, [manifest, *assets.values()])
    deleted = _sweep(portal, keep)
    written = sorted(p for p in portal.rglob("*") if p.is_file() and p not in before)
    return Built([cfg.open_root / name for name in texts] + [portal / GENERATIONS] + written, deleted)


def portal_files(open_root: Path) -> list[Path]:
    """Every file the current portal serves (pages, assets, index), for whoever checks it whole."""
    portal = open_root / "portal"
    manifest, *assets = json.loads((portal / GENERATIONS).read_text(encoding="utf-8"))[0]
    content = json.loads((portal / "search" / manifest).read_text(encoding="utf-8"))
    index = [manifest, *_index_files(content)]
    return (
        [open_root / n for n in ("index.html", "org.html", "record.html", "changelog.html")]
        + [portal / name for name in assets]
        + [portal / "search" / name for name in index]
    )


def current_versions(open_root: Path) -> dict[str, dict]:
    """dataset -> its `latest.json` (the current version and its files' sha256), by dataset name."""
    return {
        p.parent.name: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(open_root.glob("*/latest.json"))
    }


def collect(open_root: Path, current: dict[str, dict], fields: dict[str, list]):
    """Organisations with their published records, from the current versions' Parquet files
    (an Arrow table, `search.organisations_table`, by key): grouped, ordered and written as JSON
    by DuckDB over every record at once (a record is `[dataset index, field values...]`, in the
    order of the datasets, then of their rows), and kept as Arrow's text."""
    import duckdb
    import numpy as np
    import pyarrow as pa

    if not current:
        return organisations_table([])
    with duckdb.connect() as con:
        parts = []
        for index, (dataset, manifest) in enumerate(current.items()):
            table = _verified_table(open_root, manifest)  # each row with its position, for the order
            con.register(f"d{index}", table.append_column("_row", pa.array(np.arange(table.num_rows))))
            parts.append(_records_sql(index, f"d{index}", table.schema, [f[0] for f in fields[dataset]]))
        counts = ", ".join(f"count(*) filter (where ds = {i})" for i in range(len(parts)))
        query = f"""
            select key, first(name order by ds, pos) as name, [{counts}] as counts,
                '[' || string_agg(record, ',' order by ds, pos) || ']' as records
            from ({" union all ".join(parts)})
            group by key
            order by key
            """
        return con.sql(query).to_arrow_table().cast(organisations_schema())


def _records_sql(index: int, table: str, schema, columns: list[str]) -> str:
    """One dataset's organisations' records: each its organisation's key (its code, or "~" and
    its name), its name, and the record as JSON (days as YYYY-MM-DD, a missing value or NaN as
    null)."""
    code = next((c for c in ("subject_uscc", "subject_identifier") if c in schema.names), None)
    unnamed = "'~' || coalesce(subject_name, 'None')"
    key = f"coalesce(nullif({identifier(code)}, ''), {unnamed})" if code else unnamed
    values = ", ".join(_json_value(c, schema.field(c).type) for c in columns)
    where = "where subject_type = 'organisation'" if "subject_type" in schema.names else ""
    return (
        f"select {key} as key, subject_name as name, {index} as ds, _row as pos, "
        f"json_array({index}, {values})::varchar as record from {table} {where}"
    )


def _json_value(column: str, kind) -> str:
    import pyarrow.types as t

    quoted = identifier(column)
    if t.is_timestamp(kind) or t.is_date(kind):
        return f"strftime({quoted}, '%Y-%m-%d')"
    if t.is_floating(kind) or t.is_decimal(kind):
        return f"case when isnan(cast({quoted} as double)) then null else cast({quoted} as double) end"
    return quoted


def guidance(profile: str, info: dict) -> dict:
    """What repair and an objection mean for a record, per nature class, under the profile, and
    where to apply (shown on each record page)."""
    rules = load_profile(profile).rules
    repair, deadlines = rules["repair"], rules["deadlines"]
    effect = repair["effect"]
    stops = effect["value"] == "stop"
    out = {
        "apply": info["applications"],
        "objection": {
            "mark_days": deadlines["objection_mark"]["value"],
            "decide_days": deadlines["objection_decide"]["value"],
            "source": "; ".join(
                dict.fromkeys(rule_source(deadlines[k]) for k in ("objection_mark", "objection_decide"))
            ),
        },
        "repair": {},
    }
    for nature, rule in repair.items():
        if isinstance(rule, dict) and "repairable" in rule:
            out["repair"][nature] = {
                "repairable": rule["repairable"],
                "wait": rule["wait"],
                "stops": stops,
                "source": "; ".join(dict.fromkeys((rule_source(rule), rule_source(effect)))),
            }
    return out


def _fields(open_root: Path, manifest: dict) -> list[list]:
    """[name, Chinese title, English description, {code: [zh, en]}] of each published column."""
    import pyarrow.parquet as pq

    dataset = manifest["dataset"]
    path = open_root / dataset / manifest["version"] / f"{dataset}.parquet"
    out = []
    for name in pq.read_schema(path).names:
        doc = metadata.describe(dataset, name)
        out.append(
            [name, doc["title"], doc["english"], {k: [v["zh"], v["en"]] for k, v in doc["codes"].items()}]
        )
    return out


def _verified_table(open_root: Path, manifest: dict):
    """The version's Parquet file (an Arrow table), read only if it is the file the publish gate
    passed: from the bytes whose sha256 was checked."""
    import pyarrow.parquet as pq

    entry = next(f for f in manifest["files"] if f["path"].endswith(".parquet"))
    data = (open_root / entry["path"]).read_bytes()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise ValueError(f"{entry['path']} is not the file the publish gate passed (its sha256 differs)")
    return pq.read_table(io.BytesIO(data))


def _asset(portal: Path, name: str) -> str:
    """Copy a static asset under a name with its content's hash; returns that name."""
    data = (STATIC / name).read_bytes()
    stem, suffix = name.rsplit(".", 1)
    hashed = f"{stem}.{as_letters(hashlib.sha256(data).digest()[:12])}.{suffix}"
    if not (portal / hashed).exists():
        (portal / hashed).write_bytes(data)
    return hashed


def _replace_checked(open_root: Path, texts: dict[str, str], gate, assets: list[Path], header: dict) -> None:
    """Every page written beside its place and scanned, with the assets and what the manifest
    adds to the published values (labels, guidance); all replace the previous pages, or none
    does. The manifest's keys and the chunks are the organisations' names and codes from the
    files the gate passed, and are not scanned again: out of their columns, a public code
    such as 91220106WXE3CXYRC5 reads to the gate as a WeChat ID."""
    staged = {open_root / name.replace(".", ".new.", 1): open_root / name for name in texts}
    for tmp, name in zip(staged, texts, strict=True):
        tmp.write_text(texts[name], encoding="utf-8")
    findings = {k for path in [*staged, *assets] for k in gate.scan_file(path)}
    findings |= set(gate.scan_text(json.dumps(header, ensure_ascii=False)))
    if findings:
        for tmp in staged:  # the index files stay until a build no longer uses them (_sweep)
            tmp.unlink()
        raise ValueError(
            f"the portal page was not replaced: the publish gate found {', '.join(sorted(findings))}"
        )
    for tmp, final in staged.items():
        tmp.replace(final)


def _remember(portal: Path, names: list[str]) -> set[str]:
    """Record this build's manifest and assets; returns every file the current and the previous
    build use (a page loaded before the switch still finds its files)."""
    record = portal / GENERATIONS
    generations = json.loads(record.read_text(encoding="utf-8")) if record.exists() else []
    generations = [names, *generations[:1]]
    record.write_text(json.dumps(generations), encoding="utf-8")
    keep = {GENERATIONS}
    for manifest, *assets in generations:
        keep |= {manifest, *assets}
        content = json.loads((portal / "search" / manifest).read_text(encoding="utf-8"))
        keep |= set(_index_files(content))
    return keep


def _index_files(manifest: dict) -> list[str]:
    """The files a manifest names: its chunks, name shards and bitsets."""
    chunks = [name for chunk in manifest["chunks"] for name in chunk[1:]]
    return chunks + manifest["names"] + list(manifest["dense"].values())


def _sweep(portal: Path, keep: set[str]) -> list[Path]:
    """Delete the index files and assets no kept build uses; returns them."""
    deleted = [
        p
        for p in [*portal.glob("*.*"), *(portal / "search").glob("*.json")]
        if p.is_file() and p.name not in keep
    ]
    for path in deleted:
        path.unlink()
    return deleted
