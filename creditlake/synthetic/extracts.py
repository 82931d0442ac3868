"""`generate`: the whole run, from arguments to files and truth.json."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from creditlake.synthetic.context import Context, Table
from creditlake.synthetic.datasets import DATASETS, EVENT_DATASETS, RECORD_DATASETS
from creditlake.synthetic.defects import DEFECT_KINDS, plant_defects, plant_rare_names
from creditlake.synthetic.events import (
    Targets,
    build_objections,
    build_repairs,
    build_requests,
    build_revocations,
    targets,
)
from creditlake.synthetic.records import (
    build_commitments,
    build_court,
    build_determinations,
    build_honors,
    build_licenses,
    build_penalties,
)
from creditlake.synthetic.truth import write_truth
from creditlake.synthetic.universe import build_universe
from creditlake.synthetic.writers import FORMATS, plan_files, write_file

AS_OF = date(2026, 11, 22)
RECORD_BUILDERS = {
    "penalties": build_penalties,
    "licenses": build_licenses,
    "court_dishonest": build_court,
    "honors": build_honors,
    "credit_commitments": build_commitments,
}
# built from the records that loaded (`pool`)
POOL_BUILDERS = {
    "repairs": build_repairs,
    "revocations": build_revocations,
    "objections": build_objections,
    "subject_requests": build_requests,
    "serious_determinations": build_determinations,
}
EVENT_SHARES = {"repairs": 0.3, "revocations": 0.25, "objections": 0.2, "subject_requests": 0.15}
GENERATED = re.compile(r"^(" + "|".join(DATASETS) + r")_\d{4}\.(csv|xlsx|jsonl)$")


def generate(
    out: Path,
    *,
    seed: int = 7,
    penalties: int = 200,
    as_of: date = AS_OF,
    defect_rate: float = 0.05,
    full: bool = True,
    licenses: int | None = None,
    court_dishonest: int | None = None,
    honors: int | None = None,
    events: int | dict | None = None,
    formats=None,
    defects: dict[str, float] | None = None,
    commitments: int | None = None,
) -> Path:
    """Write synthetic extracts under `out` (one folder per dataset) and `out/truth.json`.

    Sizes: `penalties` rows; `licenses`, `court_dishonest`, `honors`, `commitments` (信用承诺)
    rows and `events` (a total split over repairs / revocations / objection cases / subject
    requests, or a dict per event dataset). Unset sizes are 0 unless `full`, which makes
    them proportional to `penalties` (1/2, 1/10, 1/10, 1/20 but at least 12, 1/20). `formats`: any of csv_bom, csv,
    csv_gb18030, xlsx, jsonl (default: all if `full`, else csv_bom); the first takes the
    bulk of each dataset. `defect_rate`: the share of rows carrying a planted defect,
    split evenly over the kinds a dataset can carry; `defects` sets a kind's share
    (0 turns it off). Same arguments and seed, same bytes.

    truth.json: `expected` ("file:row" -> {fate, reason[, kind][, line]}) for every row,
    `files` (per-file counts as `land_file` reports them), `events` (each event row with
    what it refers to), `defects` (counts per dataset and kind), `planted_ids`,
    `planted_phones`, `protected_names`, `loaded_orgs` (penalties' organisations that
    load), `loaded_orgs_by_dataset`, `planted_landlines`, `planted_emails`,
    `planted_bank_cards`, `planted_documents`, `third_party_names`.
    """
    out = Path(out)
    sizes = dataset_sizes(full, penalties, licenses, court_dishonest, honors, events, commitments)
    fmts = file_formats(formats, full)
    if not 0 <= defect_rate <= 1:
        raise ValueError("defect_rate is a share between 0 and 1")
    unknown = set(defects or {}) - set(DEFECT_KINDS)
    if unknown:
        raise ValueError(f"unknown defect kinds {sorted(unknown)}; known: {', '.join(DEFECT_KINDS)}")
    ctx = Context(seed, as_of, defect_rate, dict(defects or {}))
    records = sum(sizes[d] for d in RECORD_DATASETS)
    ctx.set_universe(build_universe(ctx.rng, max(records, 1), as_of))
    out.mkdir(parents=True, exist_ok=True)
    remove_earlier_files(out)
    tables, counts = write_datasets(ctx, out, sizes, fmts)
    params = {
        "seed": seed,
        "penalties": sizes["penalties"],
        "sizes": sizes,
        "as_of": as_of.isoformat(),
        "defect_rate": defect_rate,
        "defects": dict(defects or {}),
        "formats": fmts,
        "full": full,
    }
    write_truth(ctx, out, tables, params, counts)
    return out


def remove_earlier_files(out: Path) -> None:
    """Earlier runs' files would otherwise land beside this run's."""
    for dataset in DATASETS:
        folder = out / dataset
        if folder.is_dir():
            for p in folder.iterdir():
                if GENERATED.match(p.name):
                    p.unlink()


def write_datasets(
    ctx: Context, out: Path, sizes: dict[str, int], fmts: list[str]
) -> tuple[list[Table], dict[str, dict[str, int]]]:
    """Build, damage and write every dataset in turn; events from the records that loaded."""
    tables: list[Table] = []
    counts: dict[str, dict[str, int]] = {}
    pool: dict[str, Targets] = {}
    for dataset in DATASETS:
        if dataset in RECORD_BUILDERS:
            table = RECORD_BUILDERS[dataset](ctx, sizes[dataset]) if sizes[dataset] else None
        else:
            table = POOL_BUILDERS[dataset](ctx, sizes[dataset], pool)
        if table is None or table.n == 0:
            continue
        table.files = plan_files(ctx, table, fmts)
        counts[dataset] = plant_defects(ctx, table)
        plant_rare_names(ctx, table)
        folder = out / dataset
        folder.mkdir(parents=True, exist_ok=True)
        for f in table.files:
            write_file(ctx, table, f, folder)
        if dataset in RECORD_DATASETS:
            pool[dataset] = targets(table)
        release(table)
        tables.append(table)
    return tables, counts


def release(table: Table) -> None:
    """Free the columns nothing reads once the files are written: events and truth.json
    need the number, the subject's name, the provider and an honour's category."""
    spec = table.spec
    keep = {spec.number, spec.subject_name, spec.provider, "RY_RYLB"}
    table.cols = {k: v for k, v in table.cols.items() if k in keep}
    table.cells = {}


def file_formats(formats, full: bool) -> list[str]:
    if formats is None:
        return list(FORMATS) if full else ["csv_bom"]
    if isinstance(formats, str):
        formats = [x.strip() for x in formats.split(",") if x.strip()]
    formats = list(dict.fromkeys(formats))
    unknown = [x for x in formats if x not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"unknown formats {unknown}; choose from {', '.join(FORMATS)}")
    return formats


def _size(value, default: int) -> int:
    value = default if value is None else int(value)
    if value < 0:
        raise ValueError("sizes must not be negative")
    return value


def dataset_sizes(
    full: bool, penalties: int, licenses, court_dishonest, honors, events, commitments=None
) -> dict[str, int]:
    """Rows per dataset; unset sizes in proportion to `penalties` when `full`, else 0."""
    sizes = {
        "penalties": _size(penalties, 200),
        "licenses": _size(licenses, max(20, penalties // 2) if full else 0),
        "court_dishonest": _size(court_dishonest, max(30, penalties // 10) if full else 0),
        "honors": _size(honors, max(30, penalties // 10) if full else 0),
        "credit_commitments": _size(commitments, max(12, penalties // 20) if full else 0),
        "serious_determinations": max(6, penalties // 200) if full else 0,
    }
    if isinstance(events, dict):
        unknown = set(events) - set(EVENT_DATASETS)
        if unknown:
            raise ValueError(
                f"unknown event datasets {sorted(unknown)}; choose from {', '.join(EVENT_DATASETS)}"
            )
        return sizes | {k: _size(events.get(k), 0) for k in EVENT_DATASETS}
    total = _size(events, max(40, penalties // 20) if full else 0)
    return sizes | {k: int(round(total * s)) for k, s in EVENT_SHARES.items()}
