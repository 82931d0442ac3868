"""Open datasets for the public: column policy, desensitisation, versioned packages.

Three steps, three DAG tasks, so nothing leaves before the gate has looked at it:

1. `prepare`  reads each `publish/` model, keeps only columns whose privacy class allows
   it (default deny), desensitises free text, and writes a version folder under staging;
2. `check`    runs the outgoing GX suite and the independent scanner on those files;
3. `release`  installs the version under `open_root` (and S3), then moves `latest`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from creditlake.settings import RunConfig, S3Target, safe_name

# publish model -> open dataset name. A model that is not listed here is not opened.
OPEN_MODELS = {
    "pub_open__penalties": "penalties",
    "pub_open__licenses": "licenses",
    "pub_open__court_dishonest": "court_dishonest",
}

# How each privacy class (dbt column meta, declared once) is treated in open data.
# Anything not listed, or a column with no class, is dropped: default deny.
POLICY = {
    "public": "keep",
    "free_text": "desensitise",
    "personal_name": "drop",  # hl-2022 Art 23, hl-draft Art 24: never opened
    "personal_id": "drop",
    "internal": "drop",
    # Published by law (the court's list), desensitised for natural persons (city-2022 Art 23):
    "court_person_name": "mask_person_name",
    "court_person_id": "mask_person_id",
}


@dataclass(frozen=True)
class StagedDataset:
    dataset: str
    version: str
    folder: str
    rows: int
    columns: list[str]
    withheld_columns: list[str]
    protected_names: list[str]  # natural persons' names the records say must stay hidden
    public_names: list[str]  # organisations' names, published as they are
    known_people: str = ""  # file with every natural person and organisation the warehouse knows

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def version_id(cfg: RunConfig, run_id: str) -> str:
    """One immutable version per run: the as-of date plus a digest of the run id."""
    return f"{cfg.as_of.isoformat()}-{hashlib.sha256(run_id.encode()).hexdigest()[:8]}"


def prepare(cfg: RunConfig, run_id: str) -> list[dict]:
    from creditlake import warehouse
    from publishing.desensitise import KnownPeople, desensitise_column
    from publishing.metadata import write_metadata
    from publishing.targets import write_parquet

    version = version_id(cfg, run_id)
    frames = {model: warehouse.read_model(cfg, model) for model in OPEN_MODELS}
    people, organisations = known_subjects(cfg, frames.values())
    known = KnownPeople(people, organisations)
    # Beside the version folders, never inside one: what is inside a version folder is published.
    known_file = cfg.staging_root / safe_name(run_id) / "_known_people.json"
    known_file.parent.mkdir(parents=True, exist_ok=True)
    known_file.write_text(json.dumps({"people": people, "organisations": organisations}, ensure_ascii=False),
                          encoding="utf-8")  # fmt: skip
    staged = []
    for model, dataset in OPEN_MODELS.items():
        frame = frames[model]
        meta = warehouse.column_meta(cfg, model)
        keep, withheld = [], []
        for column in frame.columns:
            action = POLICY.get(meta.get(column, {}).get("privacy"), "drop")
            (keep if action != "drop" else withheld).append(column)
        names = _personal_names(frame)
        out = frame[keep].copy()
        for column in out.columns:  # DuckDB DATE arrives as a timestamp: keep it a calendar day
            if str(out[column].dtype).startswith("datetime64"):
                out[column] = out[column].dt.normalize()
        for column in keep:
            action = POLICY[meta[column]["privacy"]]
            if action == "desensitise":
                out[column] = desensitise_column(out[column].tolist(), names, known)
            elif action in ("mask_person_name", "mask_person_id"):
                out[column] = _mask_people(frame, column, action)
        folder = cfg.staging_root / safe_name(run_id) / dataset / version
        folder.mkdir(parents=True, exist_ok=True)
        write_parquet(out, folder / f"{dataset}.parquet")
        # UTF-8 with BOM so that Excel opens it with the right encoding.
        out.to_csv(folder / f"{dataset}.csv", index=False, encoding="utf-8-sig")
        write_metadata(folder, dataset, version, cfg.as_of.isoformat(), out, {c: meta.get(c, {}) for c in keep})
        protected = sorted({n for row in names for n in row})
        organisations = frame["subject_name"][_is_organisation(frame)] if "subject_name" in frame else []
        staged.append(
            StagedDataset(dataset, version, str(folder), len(out), keep, withheld, protected,
                          sorted(set(organisations)), str(known_file)).as_dict()
        )  # fmt: skip
    return staged


# Published columns that hold organisations' names (authorities, courts): public by nature.
ORGANISATION_COLUMNS = ("authority", "provider", "court")


def known_subjects(cfg: RunConfig, frames=()) -> tuple[list[str], list[str]]:
    """Every natural person's name the warehouse knows, and every organisation's.

    People: natural-person subjects and legal representatives (or operators, responsible
    persons) of every record of every dataset, published or not: a creditor named in one
    court record is often the subject or representative of another, and all of them are to be
    hidden (hl-2022 Art 23, city-2022 Art 23). Organisations: the other subjects, and the
    authorities and courts of the published models; inside their names a person's name is
    public (长春市张伟商贸有限公司)."""
    import duckdb

    sql = """
        select subject_name as name, subject_type = 'natural_person' as person from int_credit__records_conformed
        union all select legal_representative, true from int_credit__records_conformed
        union all select responsible_person, true from dim_serious_dishonest_list
    """
    with duckdb.connect(str(cfg.warehouse), read_only=True) as con:
        rows = con.sql(f"select distinct name, person from ({sql}) where name is not null").fetchall()
    people = sorted({n.strip() for n, person in rows if person and n.strip() and "*" not in n})
    organisations = {n.strip() for n, person in rows if not person and n.strip()}
    for frame in frames:
        for column in ORGANISATION_COLUMNS:
            if column in frame:
                organisations.update(v.strip() for v in frame[column].dropna() if isinstance(v, str) and v.strip())
    return people, sorted(organisations)


def _is_organisation(frame):
    if "subject_type" in frame:
        return frame["subject_type"] != "natural_person"
    return frame["subject_uscc"].notna() if "subject_uscc" in frame else frame.index == frame.index


def _personal_names(frame) -> list[tuple[str, ...]]:
    """Per row, the natural persons' names the record itself carries: its legal
    representative, and its subject when the subject is a natural person."""
    import pandas as pd

    reps = frame["legal_representative"] if "legal_representative" in frame else pd.Series([None] * len(frame))
    people = frame["subject_name"].where(~_is_organisation(frame)) if "subject_name" in frame else reps.map(lambda _: None)
    return [tuple(n for n in pair if isinstance(n, str) and n) for pair in zip(reps, people, strict=True)]


def _mask_people(frame, column: str, action: str):
    """Natural persons' names keep the surname; their IDs stay only as the court masked them
    (never unmasked), else first 6 and last 4 characters. Organisations' values are kept."""
    from publishing.desensitise import mask_name

    def mask_id(value: str) -> str:
        return value if "*" in value else value[:6] + "*" * max(len(value) - 10, 0) + value[-4:]

    person = ~_is_organisation(frame)
    values = frame[column].astype(object)
    fn = mask_name if action == "mask_person_name" else (lambda v: mask_id(v.removeprefix("masked:")))
    return values.where(~person, values[person].map(fn))


def check(cfg: RunConfig, staged: list[dict]) -> list[dict]:
    """The publish gate: GX suite on each file's rows, then the independent scanner."""
    import pandas as pd

    from creditlake import gate
    from publishing.scan import scan_files

    verdicts = []
    for item in staged:
        folder = Path(item["folder"])
        frame = pd.read_parquet(folder / f"{item['dataset']}.parquet")
        result = gate.run_suite(cfg, f"publish_{item['dataset']}", frame, f"open-{item['dataset']}-{item['version']}")
        protected, public = set(item["protected_names"]), set(item["public_names"])
        if item.get("known_people"):
            known = json.loads(Path(item["known_people"]).read_text(encoding="utf-8"))
            protected.update(known["people"])
            public.update(known["organisations"])
        findings = scan_files(sorted(folder.iterdir()), protected, public)
        verdicts.append(
            {
                "dataset": item["dataset"],
                "success": result.success and not findings,
                "failures": result.failures + [str(f) for f in findings],
                "result_path": result.result_path,
            }
        )
    return verdicts


def release(cfg: RunConfig, staged: list[dict]) -> list[dict]:
    """Install each checked version under open_root, mirror to S3, then move `latest`."""
    from publishing.targets import install_version, put_tree, write_pointer

    s3 = S3Target.from_env("OPEN")
    released = []
    for item in staged:
        dataset, version = item["dataset"], item["version"]
        destination = cfg.open_root / dataset / version
        destination.parent.mkdir(parents=True, exist_ok=True)
        files = install_version(Path(item["folder"]), destination)
        manifest = {
            "dataset": dataset,
            "version": version,
            "as_of": cfg.as_of.isoformat(),
            "profile": cfg.profile,
            "rows": item["rows"],
            "files": [
                {"path": p.relative_to(cfg.open_root).as_posix(), "bytes": p.stat().st_size,
                 "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
                for p in files
            ],
        }  # fmt: skip
        pointer = cfg.open_root / dataset / "latest.json"
        keys = put_tree(cfg.open_root, files, s3)
        write_pointer(pointer, json.dumps(manifest, ensure_ascii=False, indent=1))
        keys += put_tree(cfg.open_root, [pointer], s3)  # the pointer moves last
        released.append(manifest | {"s3_keys": keys})
    if released:
        from publishing.portal import build_portal

        portal_files = [build_portal(cfg, released), cfg.open_root / "portal" / "search-index.js"]
        portal_keys = put_tree(cfg.open_root, portal_files, s3)
        for item in released:
            item["portal"] = str(portal_files[0])
        released[-1]["s3_keys"] = released[-1]["s3_keys"] + portal_keys
    return released
