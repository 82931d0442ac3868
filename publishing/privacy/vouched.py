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
rewritten by each run with the clean values its rows and files held (judged or taken): a value
no row holds any more leaves it, so it never grows past one run. Kept and matched as Arrow
columns: a daily version's millions of values are taken back without becoming Python objects.
"""

from __future__ import annotations

import io
from pathlib import Path

from publishing.privacy.remembered import changed_names, read_kept, write_kept

FOLDER = "_vouched"


def load(staging_root: Path, dataset: str, people: list[str], organisations: list[str]):
    """The last run's clean values of `dataset` with their folded readings (`Gate.clean`'s
    table), and the names that entered or left the register or the organisations since; no
    values when the rules changed or the files cannot be read."""
    import pyarrow.parquet as pq

    from publishing.privacy.gate import clean_table

    kept = read_kept(staging_root, FOLDER, dataset)
    if kept is not None:
        try:
            table = pq.read_table(io.BytesIO(kept[1]), columns=["value", "folded"])
            if all(str(t) == "string" for t in table.schema.types):
                return table, changed_names(kept[0], people, organisations)
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return clean_table([], []), set()


def save(staging_root: Path, dataset: str, people: list[str], organisations: list[str], clean) -> None:
    """This run's clean values of `dataset` (`Gate.clean`'s table), with the register they were
    judged under (an internal file: written by pyarrow)."""
    import pyarrow.parquet as pq

    header = {"people": sorted(people), "organisations": sorted(organisations)}
    write_kept(staging_root, FOLDER, dataset, lambda path: pq.write_table(clean, path), header)
