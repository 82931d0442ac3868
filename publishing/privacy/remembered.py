"""What desensitisation gave each (text, record's names) in the last run, reused by the next.

A daily cycle prepares the same open datasets again with about 1% new rows: nearly every text
was desensitised the day before. An output is reused only where it is the output a fresh
analysis would give today, else the text is analysed again (fails closed):
- the detectors are the same: a fingerprint of every file of `publishing/privacy` (code, shapes,
  lexicons) must match, else nothing is reused;
- the register (`KnownPeople`: people, and organisations that shield a name inside them) is what
  changes between runs. A text is analysed again when any name that entered or left either
  list occurs in it (in its normalised form, as the register's names are looked for): a person
  registered today is masked today in a text desensitised yesterday, and an organisation listed
  today shields today.
The record's own names are part of the key. A file that cannot be read is not reused.

Kept per open dataset under `staging/_remembered/` (raw texts: never published, never under
the open root), rewritten by each run with the keys it saw: it never grows past one run.
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


@cache
def fingerprint() -> str:
    """sha256 over every file of this package (path and bytes): the detectors and their data."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class Remembered:
    """The last run's outputs for one dataset (`previous`: key -> (output or None where the text
    stayed as it was, normalised text or None where normalising changed nothing)), `delta`: the
    names whose texts must be analysed again; and what this run gives, to keep for the next."""

    def __init__(self, previous: dict | None = None, delta: KnownPeople | None = None):
        self._previous = previous or {}
        self._delta = delta
        self.kept: dict[tuple, tuple[str | None, str | None]] = {}
        self.reused = 0

    def take(self, keys) -> dict[tuple, tuple[str | None, str | None]]:
        """The keys whose last output holds today; the others are to be analysed."""
        out = {}
        for key in keys:
            hit = self._previous.get(key)
            if hit is None:
                continue
            normalised = hit[1] if hit[1] is not None else key[0]
            if self._delta is not None and self._delta.occurs_in(normalised):
                continue
            out[key] = hit
        self.reused += len(out)
        return out

    def keep(self, results: dict[tuple, tuple[str | None, str | None]]) -> None:
        self.kept.update((k, v) for k, v in results.items() if type(k[0]) is str)


def _paths(staging_root: Path, dataset: str) -> tuple[Path, Path]:
    folder = Path(staging_root) / FOLDER
    return folder / f"{dataset}.parquet", folder / f"{dataset}.json"


def load(staging_root: Path, dataset: str, people: list[str], organisations: list[str]) -> Remembered:
    """The last run's outputs for `dataset` that may hold under today's register; an empty
    memory when there are none, the detectors changed, or the files cannot be read."""
    import pyarrow.parquet as pq

    table, about = _paths(staging_root, dataset)
    try:
        header = json.loads(about.read_text(encoding="utf-8"))
        data = table.read_bytes()
        # the header must be this table's (two runs saving at once leave a pair that is not)
        if header["fingerprint"] != fingerprint() or header["table"] != hashlib.sha256(data).hexdigest():
            return Remembered()
        columns = pq.read_table(io.BytesIO(data)).to_pydict()
        names = {raw: tuple(json.loads(raw)) for raw in set(columns["names"])}
        previous = {
            (text, names[raw]): (output, normalised)
            for text, raw, output, normalised in zip(
                columns["text"], columns["names"], columns["output"], columns["normalised"], strict=True
            )
        }
    except (OSError, ValueError, KeyError, TypeError):
        return Remembered()
    changed = (set(people) ^ set(header["people"])) | (set(organisations) ^ set(header["organisations"]))
    return Remembered(previous, KnownPeople(changed) if changed else None)


def save(
    staging_root: Path, dataset: str, people: list[str], organisations: list[str], remembered: Remembered
) -> None:
    """What this run gave for `dataset`, with the register and detectors it was given under."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table, about = _paths(staging_root, dataset)
    table.parent.mkdir(parents=True, exist_ok=True)
    as_json = {names: json.dumps(names, ensure_ascii=False) for names in {k[1] for k in remembered.kept}}
    columns = {
        "text": [k[0] for k in remembered.kept],
        "names": [as_json[k[1]] for k in remembered.kept],
        "output": [v[0] for v in remembered.kept.values()],
        "normalised": [v[1] for v in remembered.kept.values()],
    }
    # an internal file, never published: written by pyarrow straight from the lists (fastparquet
    # writes what leaves the platform)
    tmp = table.with_name(f"{table.name}.{os.getpid()}.tmp")
    pq.write_table(pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()}), tmp)
    written = hashlib.sha256(tmp.read_bytes()).hexdigest()  # this run's table, whoever renames last
    os.replace(tmp, table)
    header = {
        "fingerprint": fingerprint(),
        "table": written,
        "people": sorted(people),
        "organisations": sorted(organisations),
    }
    tmp = about.with_name(f"{about.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(header, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, about)
