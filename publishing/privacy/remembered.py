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


class Remembered:
    """The last run's rows of one dataset (`table`, indexed by digest), and `delta`: the names
    whose rows must be prepared again."""

    def __init__(self, table=None, delta: KnownPeople | None = None):
        self._table = table
        self._delta = delta
        self.reused = 0

    def reusable(self, digests):
        """Per row (a Series of digests), whether the last run's outcome holds today."""
        import numpy as np

        if self._table is None:
            return np.zeros(len(digests), dtype=bool)
        hit = self._table.index.get_indexer(digests) >= 0
        if self._delta is not None and hit.any():
            copies = self._table[COPIES].reindex(digests[hit]).to_numpy()
            hit[hit] = [not (c and self._delta.occurs_in(c)) for c in copies]
        self.reused = int(hit.sum())
        return hit

    def rows(self, digests):
        """The remembered rows of these digests, indexed as `digests` is."""
        return self._table.reindex(digests.to_numpy()).set_axis(digests.index)


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
    import pandas as pd

    kept = read_kept(staging_root, FOLDER, dataset)
    if kept is None or kept[0].get("context") != context:
        return Remembered()
    try:
        rows = pd.read_parquet(io.BytesIO(kept[1])).set_index(DIGEST)
    except (OSError, ValueError, KeyError, TypeError):
        return Remembered()
    if not rows.index.is_unique:  # a model that held a row twice: which one is not known
        return Remembered()
    changed = changed_names(kept[0], people, organisations)
    return Remembered(rows, KnownPeople(changed) if changed else None)


def save(
    staging_root: Path, dataset: str, context: dict, people: list[str], organisations: list[str], rows
) -> None:
    """This run's rows of `dataset` (with `DIGEST`), with the register, rules and context they
    were prepared under. An internal file, never published: written by pyarrow (fastparquet
    writes what leaves the platform)."""
    header = {"context": context, "people": sorted(people), "organisations": sorted(organisations)}
    write_kept(
        staging_root,
        FOLDER,
        dataset,
        lambda path: rows.to_parquet(path, index=False, engine="pyarrow"),
        header,
    )
