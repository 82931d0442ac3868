"""What open data's preparation gave each row in the last run, reused by the next.

A daily cycle prepares the same open datasets again with about 1% new or changed rows. A row
whose inputs are the same as the day before (a sha256 over every column of its model's row,
computed by DuckDB) gets the day before's outcome (published as it was prepared, withheld for
a reason, or left out) only where a fresh preparation would give the same (fails closed):
- the rules are the same: a fingerprint of every file of `publishing/privacy` (code, shapes,
  lexicons) and of `publishing/open_data.py` must match, and so must the dataset's context (its
  columns and their types, the published columns and their privacy classes, whose records the
  profile opens); else nothing is reused;
- the register (`KnownPeople`: people, and organisations that shield a name inside them) is what
  changes between runs. A row is prepared again when any name that entered or left either list
  occurs in the detection copy of any text of it that was analysed (normalised, as the
  register's names are looked for): a person registered today is masked today in a text
  desensitised yesterday, and an organisation listed today shields today.
A file that cannot be read, or whose header is not its table's, is not reused.

Kept per open dataset under `staging/_remembered/` (prepared rows and detection copies of raw
texts: never published, never under the open root), rewritten by each run with the rows it saw:
it never grows past one run.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from functools import cache
from pathlib import Path

from publishing.privacy.names import KnownPeople

FOLDER = "_remembered"
# Per row, beside its prepared columns: what became of it, and the texts its outcome depends on.
DIGEST, OUTCOME, COLUMN, KIND, COPIES = "_digest", "_outcome", "_column", "_kind", "_copies"
PUBLISH, WITHHOLD, LEAVE = "publish", "withhold", "leave"


@cache
def fingerprint() -> str:
    """sha256 over every file of this package (path and bytes) and the preparation's own rules."""
    root = Path(__file__).parent
    rules = root.parent / "open_data.py"
    digest = hashlib.sha256()
    for path in [*sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts), rules]:
        digest.update(path.relative_to(root.parent).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def schema(dtypes: dict, keep: list[str]):
    """The columns remembered of a model's rows: the published ones as its frame holds them
    (`dtypes`; text as strings), then the outcome's. A memory of other columns is not reused."""
    import pandas as pd
    import pyarrow as pa

    def arrow_type(dtype):
        if pd.api.types.is_object_dtype(dtype):
            return pa.string()
        empty = pd.DataFrame({"c": pd.Series([], dtype=dtype)})
        return pa.Schema.from_pandas(empty, preserve_index=False).field("c").type

    fields = [pa.field(c, arrow_type(dtypes[c])) for c in keep]
    return pa.schema(fields + [pa.field(c, pa.string()) for c in (OUTCOME, COPIES, COLUMN, KIND, DIGEST)])


class Remembered:
    """The last run's rows of one dataset (`table`, Arrow, with their digests), and `delta`: the
    names whose rows must be prepared again."""

    def __init__(self, table=None, delta: KnownPeople | None = None):
        self._table = table
        self._delta = delta
        self._positions = None
        self.reused = 0

    def reusable(self, digests, schema):
        """Per row (an Arrow array of digests), whether the last run's outcome holds today;
        nothing when the memory's columns are not `schema`."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        if self._table is None or not self._table.schema.equals(schema):
            return np.zeros(len(digests), dtype=bool)
        self._positions = pc.index_in(digests, value_set=self._table[DIGEST])
        hit = self._positions.is_valid().to_numpy(zero_copy_only=False)
        if self._delta is not None and hit.any():
            copies = self._table[COPIES].take(self._positions.filter(pa.array(hit))).to_pylist()
            hit[hit] = [not (c and self._delta.occurs_in(c)) for c in copies]
        self.reused = int(hit.sum())
        return hit

    def merged(self, hit, fresh):
        """Every row of the digests `reusable` was given, in their order: the remembered one where
        `hit` marks it, else the next of `fresh` (the rows prepared again, in order, with the
        memory's columns). One take over both: the rows hold long texts, taken twice they cost
        a second more at a million rows."""
        import numpy as np
        import pyarrow as pa

        index = np.empty(len(hit), dtype=np.int64)
        index[hit] = self._positions.filter(pa.array(hit)).to_numpy(zero_copy_only=False)
        index[~hit] = self._table.num_rows + np.arange(len(hit) - int(hit.sum()))
        return pa.concat_tables([self._table, fresh]).take(pa.array(index))


def read_kept(staging_root: Path, folder: str, dataset: str) -> tuple[dict, bytes] | None:
    """The header and the table kept for `dataset` under `staging/<folder>/`; None when there are
    none, they cannot be read, the rules changed since, or the header is not this table's (two
    runs saving at once leave a pair that is not)."""
    table = Path(staging_root) / folder / f"{dataset}.parquet"
    try:
        header = json.loads(table.with_suffix(".json").read_text(encoding="utf-8"))
        data = table.read_bytes()
        if header["fingerprint"] != fingerprint() or header["table"] != hashlib.sha256(data).hexdigest():
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return header, data


def write_kept(staging_root: Path, folder: str, dataset: str, write, header: dict) -> None:
    """Keep a table (`write(path)` writes it) and its header (with the rules' fingerprint and the
    table's sha256) for `dataset` under `staging/<folder>/`."""
    table = Path(staging_root) / folder / f"{dataset}.parquet"
    table.parent.mkdir(parents=True, exist_ok=True)
    tmp = table.with_name(f"{table.name}.{os.getpid()}.tmp")
    write(tmp)
    written = hashlib.sha256(tmp.read_bytes()).hexdigest()  # this run's table, whoever renames last
    os.replace(tmp, table)
    about = table.with_suffix(".json")
    tmp = about.with_name(f"{about.name}.{os.getpid()}.tmp")
    header = {"fingerprint": fingerprint(), "table": written} | header
    tmp.write_text(json.dumps(header, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, about)


def changed_names(header: dict, people: list[str], organisations: list[str]) -> set[str]:
    """The names that entered or left the register or the organisations since `header`'s run."""
    return (set(people) ^ set(header["people"])) | (set(organisations) ^ set(header["organisations"]))


def load(
    staging_root: Path, dataset: str, context: dict, people: list[str], organisations: list[str]
) -> Remembered:
    """The last run's rows of `dataset` that may hold under today's register; an empty memory
    when there are none, the rules or the context changed, or the files cannot be read."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    kept = read_kept(staging_root, FOLDER, dataset)
    if kept is None or kept[0].get("context") != context:
        return Remembered()
    try:
        rows = pq.read_table(io.BytesIO(kept[1])).replace_schema_metadata(None)
        # a model that held a row twice: which one is not known
        if pc.count_distinct(rows[DIGEST], mode="all").as_py() != rows.num_rows:
            return Remembered()
    except (OSError, ValueError, KeyError, TypeError):
        return Remembered()
    changed = changed_names(kept[0], people, organisations)
    return Remembered(rows, KnownPeople(changed) if changed else None)


def save(
    staging_root: Path, dataset: str, context: dict, people: list[str], organisations: list[str], rows
) -> None:
    """This run's rows of `dataset` (`prepared_rows`' Arrow table, with `DIGEST`), with the
    register, rules and context they were prepared under. An internal file, never published:
    written by pyarrow (fastparquet writes what leaves the platform)."""
    import pyarrow.parquet as pq

    header = {"context": context, "people": sorted(people), "organisations": sorted(organisations)}
    write_kept(staging_root, FOLDER, dataset, lambda path: pq.write_table(rows, path), header)
