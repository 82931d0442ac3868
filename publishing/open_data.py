"""Open datasets for the public: column policy, desensitisation, versioned packages.

Three steps, three DAG tasks, so nothing leaves before the gate has looked at it:

1. `prepare`  reads each `publish/` model, keeps only columns whose privacy class allows
   it (default deny), desensitises every string that is not in its column's declared shape
   (`publishing/privacy/shapes.yml`), handles individual businesses named after a person as
   persons, masks the court's IDs one way, opens each subject type only as the run's profile
   says (`disclosure`: `opened_subjects`), and writes the prepared rows under staging;
2. `check`    the publish gate, row by row (`publishing.privacy.gate`): a row with a finding is
   withheld and reported, the rest is written as a version folder under staging; then the
   outgoing GX suite and every file;
3. `release`  installs each version the gate passed under `open_root` (and S3), then moves
   `latest`, and rebuilds the portal.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

from creditlake.settings import RunConfig, S3Target, safe_name
from publishing import declared

# publish model -> open dataset name: each model's dbt YAML declares it
# (`config.meta.creditlake.open_dataset`, read by `publishing.declared.open_models`). A model that
# declares none is not opened.

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
    # A subject's name and code where persons are opened only if the profile says so (penalties,
    # licences): an organisation's as they are, a person's masked as on the court's list.
    "subject_name": "mask_person_name",
    "subject_code": "mask_person_id",
    # Whether a subject is an organisation, a person or an individual business: published where
    # the dataset opens persons (where it opens organisations only, the column says nothing).
    "subject_type": "keep_if_persons_opened",
}


class Opened(NamedTuple):
    """Whose records one open dataset carries: organisations', natural persons' (individual
    businesses handled as persons with them: `publishing.privacy.subjects`)."""

    organisations: bool
    persons: bool


def opened_subjects(profile: str, dataset: str) -> Opened:
    """Whose records `dataset` opens under the profile's `disclosure` rules: organisations'
    where `organisations_public` (jl-draft Art 18, gd-draft Art 21: public in principle);
    natural persons' only where the law requires the dataset published (`opened_by_law`: the
    courts' list, hl-2022 Art 23, hl-draft Art 24) or, for every dataset, where
    `natural_persons_public`. A person's record that is opened is desensitised all the same
    (city-2022 Art 23). A profile without one of these rules fails: opening must never guess."""
    from creditlake.jurisdiction import ProfileError, load_profile

    rules = load_profile(profile).rules["disclosure"]

    def value(key: str):
        if not isinstance(rules.get(key), dict) or "value" not in rules[key]:
            raise ProfileError(f"profile {profile}: disclosure.{key}: missing (open data needs it)")
        return rules[key]["value"]

    persons = value("natural_persons_public") is True or dataset in (value("opened_by_law") or [])
    return Opened(organisations=value("organisations_public") is True, persons=persons)


def published_column(privacy: str | None, opened: Opened) -> bool:
    """Whether a column of this privacy class leaves the platform (default deny)."""
    action = POLICY.get(privacy, "drop")
    return action != "drop" and (action != "keep_if_persons_opened" or opened.persons)


@dataclass(frozen=True)
class StagedDataset:
    dataset: str
    version: str
    folder: str
    rows: int
    columns: dict[str, dict]  # each published column's meta (dbt YAML), for the version's metadata
    withheld_columns: list[str]
    withheld: list[dict]  # rows kept back in preparation: record, column, kind (never the value)
    prepared: str  # the prepared rows, beside the version folder: what the gate starts from
    known_people: str  # file with every natural person and organisation the warehouse knows
    withheld_report: str  # where the run's withheld rows are listed for the operator

    def as_dict(self) -> dict:
        return self.__dict__.copy()


# Consonants only, without v and w: a version id is letters (a hex digest can be all digits,
# and eight digits are a number the publish gate stops), and none may spell a contact cue the
# gate stops either ("wx", "vx", "v:" before six letters read as a WeChat ID).
VERSION_LETTERS = "bcdfghjkmnprstxz"


def as_letters(digest: bytes) -> str:
    """A digest written in `VERSION_LETTERS`, one letter per byte (16 values: 4 bits each)."""
    return "".join(VERSION_LETTERS[b % 16] for b in digest)


def version_id(cfg: RunConfig, run_id: str) -> str:
    """One immutable version per run: the as-of date plus a digest of the run id, in letters."""
    return f"{cfg.as_of.isoformat()}-{as_letters(hashlib.sha256(run_id.encode()).digest()[:8])}"


def forget_earlier_runs(cfg: RunConfig, run_id: str) -> None:
    """Remove the staged files of every earlier run. Runs go one at a time (max_active_runs=1):
    an earlier run's versions are published (linked into the open root, which keeps them) or
    abandoned, and no stage reads its prepared rows again; kept, they would pile up (about 110
    MB a day at 1M penalties), each run with its own copy of the register of natural persons'
    names. The memories (`_remembered`, `_vouched`) stay."""
    if not cfg.staging_root.exists():
        return
    for folder in cfg.staging_root.iterdir():
        if folder.is_dir() and not folder.name.startswith("_") and folder.name != safe_name(run_id):
            shutil.rmtree(folder)


def prepare(cfg: RunConfig, run_id: str) -> list[dict]:
    """Column policy (default deny), then every string column desensitised or checked against
    its declared shape, into the prepared rows under staging (the check writes the version).
    The datasets are prepared at the same time (`_at_once`), each as it would be alone."""
    from creditlake import warehouse
    from publishing.privacy import remembered
    from publishing.privacy.names import KnownPeople

    forget_earlier_runs(cfg, run_id)
    version = version_id(cfg, run_id)
    open_models = declared.open_models()
    tables = {model: warehouse.read_model_rows(cfg, model, remembered.DIGEST) for model in open_models}
    people, organisations = known_subjects(cfg, tables.values())
    register = (people, organisations, KnownPeople(people, organisations))
    # Beside the version folders, never inside one: what is inside a version folder is published.
    known_file = cfg.staging_root / safe_name(run_id) / "_known_people.json"
    known_file.parent.mkdir(parents=True, exist_ok=True)
    known_file.write_text(
        json.dumps({"people": people, "organisations": organisations}, ensure_ascii=False), encoding="utf-8"
    )

    def prepare_part(part: list[tuple[str, str]]) -> list[dict]:
        return [
            _prepare_dataset(cfg, run_id, version, (model, dataset), tables.pop(model), register, known_file)
            for model, dataset in part
        ]

    done = _at_once(prepare_part, list(open_models.items()), lambda item: tables[item[0]].num_rows)
    staged = {item["dataset"]: item for part in done for item in part}
    return [staged[dataset] for dataset in open_models.values()]


def _prepare_dataset(
    cfg, run_id: str, version: str, opened_as: tuple[str, str], rows, register, known_file
) -> dict:
    """One model's rows (`prepare`; `opened_as`: the model and its open dataset), prepared under
    staging with the `register` (people, organisations, and their `KnownPeople`); its
    `StagedDataset`."""
    import pyarrow.parquet as pq

    from creditlake import warehouse
    from publishing.privacy import remembered

    model, dataset = opened_as
    people, organisations, known = register
    digests = rows[remembered.DIGEST].combine_chunks()
    rows = rows.drop_columns([remembered.DIGEST])
    meta = warehouse.column_meta(cfg, model)
    opened = opened_subjects(cfg.profile, dataset)
    keep = [c for c in rows.column_names if published_column(meta.get(c, {}).get("privacy"), opened)]
    # the last run's rows that hold under today's register and rules are reused
    context = {
        "columns": {c: str(t) for c, t in warehouse.frame_dtypes(rows).items()},
        "published": {c: meta[c]["privacy"] for c in keep},
        "opened": list(opened),
    }
    memory = remembered.load(cfg.staging_root, dataset, context, people, organisations)
    out, withheld, outcomes = prepared_rows(rows, digests, keep, meta, known, opened, memory)
    remembered.save(cfg.staging_root, dataset, context, people, organisations, outcomes)
    folder = cfg.staging_root / safe_name(run_id) / dataset / version
    # The gate starts from these rows, so that a retried check withholds the same rows again;
    # the version's files are written once, by the check, from the rows it passed.
    prepared = folder.with_name(f"{version}.prepared.parquet")
    prepared.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(out, prepared)
    return StagedDataset(
        dataset,
        version,
        str(folder),
        out.num_rows,
        {c: meta.get(c, {}) for c in keep},
        [c for c in rows.column_names if c not in keep],
        withheld,
        str(prepared),
        str(known_file),
        str(cfg.run_dir(run_id) / "withheld.csv"),
    ).as_dict()


def write_version(
    folder: Path, dataset: str, version: str, as_of: str, frame, columns: dict[str, dict]
) -> None:
    """The files of one version: Parquet, with the English column names (for programs); CSV
    (UTF-8 with BOM, so that Excel reads it), headed with the national template's Chinese field
    names (for people: `publishing.metadata.csv_header`); metadata."""
    from publishing.metadata import csv_header, write_metadata
    from publishing.targets import write_csv, write_parquet

    # From an empty folder: a retried check never writes into a file the version shares with
    # one already published (`publishing.targets.install_version` links them).
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    write_parquet(frame, folder / f"{dataset}.parquet")
    write_csv(frame.rename(columns=csv_header(dataset, frame.columns, columns)), folder / f"{dataset}.csv")
    write_metadata(folder, dataset, version, as_of, frame, columns)


def prepared_rows(rows, digests, keep: list[str], meta: dict, known, opened: Opened, memory):
    """`_desensitised` for the rows (a model's, as Arrow: `creditlake.warehouse.read_model_rows`;
    `digests` beside them) whose last outcome `memory` cannot give (a
    `publishing.privacy.remembered.Remembered`), the others as they were: the rows that may be
    opened, in the model's order (an Arrow table, read back as `read_model`'s frame); the rows
    kept back, each with its reason; and every row's outcome (its prepared columns, its digest,
    the detection copies of its texts), to remember (an Arrow table). Only the rows prepared
    again become Python objects: a daily run takes nearly all of them from memory."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from creditlake import warehouse
    from publishing.privacy import remembered as r

    dtypes = warehouse.frame_dtypes(rows)
    schema = r.schema(dtypes, keep)
    hit = memory.reusable(digests, schema)
    fresh = warehouse.as_frame(rows.filter(pa.array(~hit))).set_axis(np.flatnonzero(~hit))
    out, kept_back, copies = _desensitised(fresh, keep, meta, known, opened)
    outcome = pd.Series(r.LEAVE, index=fresh.index, dtype=object)
    outcome[out.index] = r.PUBLISH
    outcome[list(kept_back)] = r.WITHHOLD
    reasons = pd.DataFrame(list(kept_back.values()), index=list(kept_back), columns=[r.COLUMN, r.KIND])
    prepared = out.join(pd.DataFrame({r.OUTCOME: outcome, r.COPIES: copies}), how="right").join(reasons)
    prepared[r.DIGEST] = digests.filter(pa.array(~hit)).to_numpy(zero_copy_only=False)
    table = pa.Table.from_pandas(prepared[schema.names], schema=schema, preserve_index=False)
    if hit.any():  # every row in the model's order, remembered or prepared again
        table = memory.merged(hit, table)
    outcomes = table[r.OUTCOME]
    # with pandas' metadata of the model's dtypes: the check reads them back (`read_model`'s)
    frame = pd.DataFrame({c: pd.Series([], dtype=dtypes[c]) for c in keep})
    metadata = pa.Schema.from_pandas(frame, preserve_index=False).metadata
    out = table.filter(pc.equal(outcomes, r.PUBLISH)).select(keep).replace_schema_metadata(metadata)
    held = pc.equal(outcomes, r.WITHHOLD)
    reasons = table.filter(held).select([r.COLUMN, r.KIND]).to_pydict()
    withheld = [
        {"record": record, "column": column, "kind": kind}
        for record, column, kind in zip(
            rows["record_id"].filter(held).to_pylist(), reasons[r.COLUMN], reasons[r.KIND], strict=True
        )
    ]
    return out, withheld, table


def _desensitised(frame, keep: list[str], meta: dict, known, opened: Opened):
    """The rows and columns that may be opened, every string desensitised or in its shape (by
    the frame's row labels); the rows kept back here (individual businesses named after a person
    where persons are not opened, court IDs that cannot be masked), label -> (column, reason);
    and per row, the detection copies of the texts analysed for it, joined by line breaks. Rows
    of a subject type the profile does not open (`opened`) are left out."""
    import pandas as pd

    from publishing.privacy.names import mask_name
    from publishing.privacy.subjects import court_id_mask, mask_code

    copies: list = []  # (labels, copies) of every analysis
    names = _personal_names(frame)  # by row label, so computed before any row is left out
    person = ~_is_organisation(frame)
    business = _handled_as_person(frame, names, known, copies)
    as_person = person | business
    shut = (as_person & (not opened.persons)) | (~as_person & (not opened.organisations))
    # A subject labelled an organisation but handled as a person is reported, for the operator to
    # see the label was not taken; a subject labelled a person is simply not opened.
    label = frame["subject_type"] if "subject_type" in frame else pd.Series("organisation", index=frame.index)
    closed = {
        i: ("subject_name", "individual_business")
        for i in frame.index[shut & business & (label == "organisation")]
    }
    frame, person, business = frame[~shut], person[~shut], business[~shut]
    out = frame[keep].copy()
    for column in out.columns:  # DuckDB DATE arrives as a timestamp: keep it a calendar day
        if str(out[column].dtype).startswith("datetime64"):
            out[column] = out[column].dt.normalize()
    withheld: dict[int, tuple[str, str]] = {}
    for column in keep:
        values = out[column]
        if values.dtype != object:  # dates, amounts, flags
            continue
        text = pd.Series([isinstance(v, str) for v in values], index=values.index)
        action = POLICY[meta[column]["privacy"]]
        if action == "mask_person_name":  # as on the court's list: a person's name keeps its surname
            out.loc[person & text, column] = values[person & text].map(mask_name)
            out.loc[business, column] = desensitise_series(
                values[business], names, known, bare_is_name=True, copies=copies
            )
        elif action == "mask_person_id":  # a person without a code (no USCC) stays without one
            ids = values[person & text].map(court_id_mask)
            withheld.update((i, (column, "court_id_unmaskable")) for i in ids[ids.isna()].index)
            out.loc[person & text, column] = ids
            out.loc[business & text, column] = values[business & text].map(mask_code)
        rest = text & ~person & ~business if action.startswith("mask_") else text
        if action != "desensitise":  # a value in its column's declared shape stays as it is
            rest &= ~in_shape(values, SHAPE_OF.get(column, column))
        if rest.any():
            out.loc[rest, column] = desensitise_series(values[rest], names, known, copies=copies)
    if "subject_type" in out:
        out.loc[business, "subject_type"] = "individual_business"
    return out.drop(index=list(withheld)), withheld | closed, _joined(copies, label.index)


def _joined(copies: list, index):
    """Per row label of `index`, the detection copies of its texts, joined by line breaks (a
    name never spans one); "" where none of its texts was analysed."""
    import pandas as pd

    joined = pd.Series("", index=index, dtype=object)
    for labels, found in copies:
        joined[labels] = joined[labels] + "\n" + pd.Series(found, index=labels, dtype=object)
    return joined


def _handled_as_person(frame, names, known, copies=None):
    """Rows whose subject is handled as a natural person in open data though not labelled one: an
    individual business by its type (a person's trade, Civil Code Art 54: its name and code are
    masked as a person's), or by its code (92) when named after a person."""
    business = _named_after_person(frame, names, known, copies)
    if "subject_type" in frame:
        business |= frame["subject_type"] == "individual_business"
    return business


# Columns whose declared shape (shapes.yml `columns`) is another column's.
SHAPE_OF = {"subject_name": "organisation_form", "subject_identifier": "subject_uscc"}


def in_shape(values, column: str):
    """Per value, whether it has its column's declared shape (False where none is declared)."""
    import pandas as pd

    pattern = _column_shapes().get(column)
    if pattern is None:
        return pd.Series(False, index=values.index)
    return _each_distinct(values, lambda v: pattern.fullmatch(v.strip()) is not None)


def _each_distinct(values, test):
    """`test` of each text of `values`, judged once per distinct value (a column's values repeat:
    one subject, many records); False where the value is not text."""
    verdicts = {v: test(v) for v in values.dropna().unique() if isinstance(v, str)}
    return values.map(verdicts).eq(True)


@cache
def _column_shapes() -> dict:
    import re

    from publishing.privacy.numbers import declarations

    spec = declarations()
    return {
        c: re.compile(p)
        for c, p in (spec["columns"] | {"organisation_form": spec["organisation_form"]}).items()
    }


def desensitise_series(values, names, known, bare_is_name: bool = False, copies: list | None = None):
    """`values` desensitised with each row's own names (`names[i]` for the row labelled i);
    `bare_is_name`: a value nothing was found in and that has no organisation's form is masked
    as a name (a bare personal name). `copies`: given (labels, detection copies) of the values."""
    import pandas as pd

    from publishing.privacy.desensitise import desensitise_column
    from publishing.privacy.names import mask_name
    from publishing.privacy.subjects import has_organisation_form

    if not len(values):
        return pd.Series(dtype=object)
    found: list = []
    out = desensitise_column(values.tolist(), [names[i] for i in values.index], known, copies=found)
    if copies is not None:
        copies.append((values.index, found))
    if bare_is_name:
        out = [
            mask_name(v) if o == v and not has_organisation_form(v) else o
            for v, o in zip(values, out, strict=True)
        ]
    return pd.Series(out, index=values.index, dtype=object)


def _named_after_person(frame, names, known, copies=None):
    """Rows whose subject is an individual business (type, or a code starting 92) whose name is
    or holds a personal name: handled as a natural person's (publishing.privacy.subjects)."""
    import pandas as pd

    from publishing.privacy.subjects import has_organisation_form, is_individual_business

    code = next((frame[c] for c in ("subject_uscc", "subject_identifier") if c in frame), None)
    kind = frame["subject_type"] if "subject_type" in frame else pd.Series(None, index=frame.index)
    if code is None or "subject_name" not in frame:
        return pd.Series(False, index=frame.index)
    business = pd.Series(
        [is_individual_business(t, c) for t, c in zip(kind, code, strict=True)], index=frame.index
    )
    business &= kind != "natural_person"
    if not business.any():
        return business
    subject = frame["subject_name"][business]
    checked = desensitise_series(subject, names, known, copies=copies)
    personal = (checked != subject) | ~subject.map(has_organisation_form)
    return business & personal.reindex(frame.index, fill_value=False)


# Published columns that hold organisations' names (authorities, courts): public by nature.
ORGANISATION_COLUMNS = ("authority", "provider", "court")


def known_subjects(cfg: RunConfig, tables=()) -> tuple[list[str], list[str]]:
    """Every natural person's name the warehouse knows, and every organisation's name a person's
    name may stand inside.

    People: natural-person subjects and legal representatives (or operators, responsible
    persons) of every record of every dataset, published or not: a creditor named in one
    court record is often the subject or representative of another, and all of them are to be
    hidden (hl-2022 Art 23, city-2022 Art 23). Organisations: the other subjects, and the
    authorities and courts of the published models, but only names with an organisation's
    form that are no person's name (`publishing.privacy.subjects.organisations`)."""
    import duckdb
    import pyarrow.compute as pc

    from publishing.privacy import subjects

    sql = """
        select subject_name as name, subject_type = 'natural_person' as person from int_credit__records_conformed
        union all select legal_representative, true from int_credit__records_conformed
        union all select responsible_person, true from dim_serious_dishonest_list
    """
    with duckdb.connect(str(cfg.warehouse), read_only=True) as con:
        rows = con.sql(f"select distinct name, person from ({sql}) where name is not null").fetchall()
    people = sorted({n.strip() for n, person in rows if person and n.strip() and "*" not in n})
    candidates = {n.strip() for n, person in rows if not person and n.strip()}
    for table in tables:  # the published models' rows, as Arrow
        for column in ORGANISATION_COLUMNS:
            if column in table.column_names:  # a few hundred authorities over a million rows: each once
                distinct = pc.unique(table[column]).to_pylist()
                candidates.update(v.strip() for v in distinct if isinstance(v, str) and v.strip())
    return people, subjects.organisations(candidates, people)


def _is_organisation(frame):
    import pandas as pd

    if "subject_type" in frame:
        return frame["subject_type"] != "natural_person"
    return pd.Series(True, index=frame.index)


def _personal_names(frame) -> dict[object, tuple[str, ...]]:
    """Per row label, the natural persons' names the record itself carries: its legal
    representative, and its subject when the subject is a natural person or an individual
    business."""
    import pandas as pd

    reps = (
        frame["legal_representative"] if "legal_representative" in frame else pd.Series([None] * len(frame))
    )
    subject = frame["subject_name"] if "subject_name" in frame else reps.map(lambda _: None)
    organisation = _is_organisation(frame)
    bare = _bare(subject)
    return {
        i: tuple(n for n in (rep, None if org and not is_bare else name) if isinstance(n, str) and n)
        for i, rep, name, org, is_bare in zip(frame.index, reps, subject, organisation, bare, strict=True)
    }


def _bare(names):
    """Per subject name, whether it has no organisation's form: a person's name arrived as an
    organisation."""
    from publishing.privacy.subjects import has_organisation_form

    return _each_distinct(names, lambda n: not has_organisation_form(n))


WITHHOLD_MAX_SHARE = "CREDITLAKE_WITHHOLD_MAX_SHARE"  # platform policy: default 0.01
WITHHOLD_MAX_ROWS = "CREDITLAKE_WITHHOLD_MAX_ROWS"  # platform policy: default 10


def withhold_limits() -> tuple[float, int]:
    """A dataset is refused when its rows withheld for findings are more than this share of its
    rows AND more than this many rows (platform policy: a few rows are withheld and reported, a
    systematic leak stops the dataset). Set by the environment."""
    import os

    return float(os.environ.get(WITHHOLD_MAX_SHARE, "0.01")), int(os.environ.get(WITHHOLD_MAX_ROWS, "10"))


def check(cfg: RunConfig, staged: list[dict]) -> list[dict]:
    """The publish gate, row by row: a row with a finding in any column is withheld from this
    version (it stays in the warehouse and is tried again next cycle) and listed for the
    operator; the rest publishes. A dataset is refused when too many rows are withheld
    (`withhold_limits`), when a file still holds a finding, or when its outgoing GX suite fails.
    The datasets are checked at the same time (`_at_once`), the worker inheriting the gates
    built here: each dataset's check starts from the same gate and gives what it gives alone."""
    from creditlake import gate as suites
    from publishing.privacy.gate import Gate

    gates: dict[str, tuple[Gate, dict]] = {}
    for path in dict.fromkeys(item["known_people"] for item in staged):
        known = json.loads(Path(path).read_text(encoding="utf-8"))
        gates[path] = Gate(known_people=known["people"], organisations=known["organisations"]), known
    outgoing = suites.Gate(cfg)  # one GX context, its data docs rendered once for every dataset

    def check_part(items: list[dict]) -> tuple[list[tuple[dict, list[dict]]], list]:
        before = len(outgoing.ran())
        results = [_check_dataset(cfg, item, *gates[item["known_people"]], outgoing) for item in items]
        return results, outgoing.ran()[before:]

    done = _at_once(check_part, staged, lambda item: item["rows"])
    checked, ran = {}, []
    for results, identifiers in done:
        checked.update((verdict["dataset"], (verdict, rows)) for verdict, rows in results)
        ran += identifiers
    outgoing.finish(also=ran)
    verdicts = [checked[item["dataset"]][0] for item in staged]
    if staged:
        report = [row for item in staged for row in checked[item["dataset"]][1]]
        _write_report(Path(staged[0]["withheld_report"]), report)
    return verdicts


def _at_once(work, items: list, rows) -> list:
    """`work` over the datasets in two parts of about as many rows each (`rows(item)`) at the
    same time: the largest dataset's part here, the other in a forked worker that inherits what
    this process built (`forked.run_parts`, which waits for it in proportion to this part); one
    result per part."""
    from publishing.privacy import forked

    parts: list[list] = [[], []]
    sizes = [0, 0]
    for item in sorted(items, key=lambda i: -rows(i)):
        smaller = sizes.index(min(sizes))
        parts[smaller].append(item)
        sizes[smaller] += rows(item)
    parts = [part for part in parts if part]
    return forked.run_parts(work, parts) if len(parts) > 1 and forked.can_fork() else [work(p) for p in parts]


def _check_dataset(cfg: RunConfig, item: dict, gate, known: dict, outgoing) -> tuple[dict, list[dict]]:
    """One dataset through the publish gate (`check`): its verdict and its withheld report rows."""
    import pandas as pd

    from creditlake import gate as suites
    from publishing.locks import exclusive
    from publishing.privacy import vouched

    max_share, max_rows = withhold_limits()
    folder = Path(item["folder"])
    register = (known["people"], known["organisations"])
    # the values judged clean by the last run that no change to the register touches
    gate.vouch(*vouched.load(cfg.staging_root, item["dataset"], *register))
    frame = pd.read_parquet(item["prepared"])
    suite = f"publish_{item['dataset']}"
    # the suite's columns again, as Arrow strings: its regexes then run as Arrow kernels
    checked = suites.read_for_suite([Path(item["prepared"])], suite)
    findings = gate.scan_frame(frame, key="record_id")
    held = {f.record for f in findings}
    found = [{"record": f.record, "column": f.column, "kind": f.kind} for f in findings]
    counted = len(held) + sum(w["kind"] != "individual_business" for w in item["withheld"])
    total = len(frame) + len(item["withheld"])
    failures = []
    if counted > max_share * total and counted > max_rows:
        failures.append(
            f"{counted} of {total} rows withheld for personal data (more than {max_share:.0%} "
            f"and more than {max_rows} rows): the dataset is refused; see the withheld report"
        )
    elif held:
        passed = ~frame["record_id"].isin(held).to_numpy()
        frame, checked = (f[passed].reset_index(drop=True) for f in (frame, checked))
    # The version holds exactly the rows that passed (a retry withholds the same again).
    write_version(folder, item["dataset"], item["version"], cfg.as_of.isoformat(), frame, item["columns"])
    # one process at a time in the GX project: a suite's asset is written to its shared config,
    # then run, as if the datasets were checked one after the other
    with exclusive(cfg.reports_root / ".gx.lock"):
        result = outgoing.run(suite, checked, f"open-{item['dataset']}-{item['version']}")
    failures += result.failures
    for path in sorted(folder.iterdir()):
        if path.suffix != ".parquet":
            failures += [f"{kind} in {path.name}" for kind in sorted(set(gate.scan_file(path)))]
    vouched.save(cfg.staging_root, item["dataset"], *register, gate.clean())
    gate.forget()
    rows = [dict(w, reason="prepare") for w in item["withheld"]] + [dict(f, reason="gate") for f in found]
    verdict = {
        **item,
        "rows": len(frame),
        "success": not failures,
        "failures": failures,
        "withheld_rows": len(held) + len(item["withheld"]),
        "result_path": result.result_path,
    }
    return verdict, [{"dataset": item["dataset"], "version": item["version"], **r} for r in rows]


def _write_report(path: Path, rows: list[dict]) -> None:
    """One line per withheld (row, column, kind): what the operator needs to act, never the value."""
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, ["dataset", "version", "record", "column", "kind", "reason"])
        writer.writeheader()
        writer.writerows(rows)


def release(cfg: RunConfig, verdicts: list[dict]) -> list[dict]:
    """Install each version the gate passed under open_root, mirror to S3, then move `latest`;
    then the changelog, the retention of old versions, the DCAT catalogue and the portal."""
    from publishing.portal import changelog
    from publishing.targets import delete_tree, install_version, put_tree, write_pointer

    s3 = S3Target.from_env("OPEN")
    released = []
    for item in verdicts:
        if not item["success"]:
            continue
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
            "withheld_rows": item["withheld_rows"],
            "files": [
                {
                    "path": p.relative_to(cfg.open_root).as_posix(),
                    "bytes": p.stat().st_size,
                    "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
                }
                for p in files
            ],
        }
        pointer = cfg.open_root / dataset / "latest.json"
        previous = json.loads(pointer.read_text(encoding="utf-8")) if pointer.exists() else None
        keys = put_tree(cfg.open_root, files, s3)
        changelog.record_version(cfg, manifest, previous, item.get("withheld_report"))
        write_pointer(pointer, json.dumps(manifest, ensure_ascii=False, indent=1))
        keys += put_tree(cfg.open_root, [pointer], s3)  # the pointer moves last
        released.append(manifest | {"s3_keys": keys})
    if released:
        from publishing.dcat import write_catalog
        from publishing.portal import build_portal
        from publishing.privacy.gate import Gate

        removed = changelog.apply_retention(cfg)
        known = json.loads(Path(verdicts[0]["known_people"]).read_text(encoding="utf-8"))
        built = build_portal(cfg, Gate(known_people=known["people"], organisations=known["organisations"]))
        extra = [*built.written, cfg.open_root / changelog.LOG, write_catalog(cfg.open_root)]
        portal_keys = put_tree(cfg.open_root, extra, s3)  # DCAT-AP catalogue of the current versions
        delete_tree(cfg.open_root, removed + built.deleted, s3)
        for item in released:
            item["portal"] = str(cfg.open_root / "index.html")
        released[-1]["s3_keys"] = released[-1]["s3_keys"] + portal_keys
    return released
