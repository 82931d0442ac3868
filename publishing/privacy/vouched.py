"""The values the publish gate judged clean in the last run, taken as clean in the next.

A daily version holds nearly every value of the day before's. The gate (`Gate.vouch`) takes a
value judged clean yesterday as clean today only where judging it again would give the same
(fails closed):
- the rules are the same: the fingerprint of `publishing.privacy.remembered` (every file of
  `publishing/privacy`, the gate's code and `shapes.yml` among them) must match, else nothing
  is taken;
- a value in whose folded reading (the gate's own) a name occurs that entered or left the
  register or the organisations since is judged again.
A value with a finding is never remembered: it is judged again in every run. Every value not
remembered (a new row's, a changed row's) is judged as always. A file that cannot be read, or
whose header is not its table's, is not used.

Kept per open dataset under `staging/_vouched/` (values of prepared rows: never published),
rewritten by each run with the clean values it judged or took: it never grows past one run.
"""

from __future__ import annotations

import io
from pathlib import Path

from publishing.privacy.remembered import changed_names, read_kept, write_kept

FOLDER = "_vouched"


def load(
    staging_root: Path, dataset: str, people: list[str], organisations: list[str]
) -> tuple[list[tuple[str, str | None]], set[str]]:
    """The last run's clean values of `dataset` with their folded readings, and the names that
    entered or left the register or the organisations since; nothing when the rules changed or
    the files cannot be read."""
    import pyarrow.parquet as pq

    kept = read_kept(staging_root, FOLDER, dataset)
    if kept is None:
        return [], set()
    try:
        columns = pq.read_table(io.BytesIO(kept[1])).to_pydict()
        clean = list(zip(columns["value"], columns["folded"], strict=True))
    except (OSError, ValueError, KeyError, TypeError):
        return [], set()
    return clean, changed_names(kept[0], people, organisations)


def save(
    staging_root: Path,
    dataset: str,
    people: list[str],
    organisations: list[str],
    clean: list[tuple[str, str | None]],
) -> None:
    """This run's clean values of `dataset` (`Gate.clean`), with the register they were judged
    under (an internal file: written by pyarrow)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "value": pa.array([v for v, _ in clean], pa.string()),
            "folded": pa.array([f for _, f in clean], pa.string()),
        }
    )
    header = {"people": sorted(people), "organisations": sorted(organisations)}
    write_kept(staging_root, FOLDER, dataset, lambda path: pq.write_table(table, path), header)
