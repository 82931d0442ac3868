"""Every open version, what left it since the previous one and why, and how long versions stay.

`changelog.json` at the open root holds one entry per released version, oldest first: its
counts, the records added, and the records that left since the dataset's previous version by
reason (counts only; the organisations' record ids beside them, never a person's). The reason
is the warehouse's (`fct_withdrawals`: expired, repaired, revoked, corrected, deleted or
withheld on request), else the publish gate's (withheld for personal data this version), else
`other` (no longer public under the profile).

Retention: the newest `versions_kept()` versions of each dataset keep their files; an older
version folder is deleted and its entry says when. The current version is never deleted.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

from publishing.targets import write_pointer

LOG = "changelog.json"
KEPT_ENV = "CREDITLAKE_OPEN_VERSIONS_KEPT"
# Platform policy: a month of daily versions, so that a figure a reader cites can be checked
# against the version it came from for a month; the changelog keeps every version's counts.
VERSIONS_KEPT = 30
REASONS = {  # reason -> (zh, en)
    "expired": ("公示期满", "publicity period ended"),
    "repaired": ("信用修复", "credit repaired"),
    "revoked": ("决定被撤销", "decision revoked"),
    "corrected": ("更正", "corrected"),
    "deleted_on_request": ("依申请删除", "deleted on request"),
    "withheld_on_request": ("依申请不予公开", "withheld on request"),
    "withheld": ("暂缓发布（个人信息检查）", "withheld by the privacy check"),
    "other": ("不再符合公开条件", "no longer public under the profile"),
}


def versions_kept() -> int:
    raw = os.environ.get(KEPT_ENV) or VERSIONS_KEPT
    try:
        kept = int(raw)
    except ValueError as err:
        raise ValueError(f"{KEPT_ENV}={raw!r} is not a number of versions") from err
    if kept < 1:
        raise ValueError(f"{KEPT_ENV}: at least the current version is kept, not {kept}")
    return kept


def read_log(open_root: Path) -> list[dict]:
    path = open_root / LOG
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def record_version(cfg, released: dict, previous: dict | None, withheld_report: str | None) -> None:
    """Append the entry of a version just installed (`released`: its `latest.json` content;
    `previous`: the dataset's pointer before it moved)."""
    import pyarrow.compute as pc

    log = read_log(cfg.open_root)
    if any(e["dataset"] == released["dataset"] and e["version"] == released["version"] for e in log):
        return  # a rerun of the same release
    dataset = released["dataset"]
    after = _record_ids(cfg.open_root, released)
    before = _record_ids(cfg.open_root, previous)
    added = after.filter(pc.invert(pc.is_in(after["record_id"], value_set=before["record_id"])))
    gone = before.filter(pc.invert(pc.is_in(before["record_id"], value_set=after["record_id"])))
    left = dict(zip(gone["record_id"].to_pylist(), gone["organisation"].to_pylist(), strict=True))
    reasons = _reasons(cfg, dataset, set(left), withheld_report)
    counts: dict[str, int] = {}
    for record in left:
        counts[reasons[record]] = counts.get(reasons[record], 0) + 1
    log.append(
        {
            "dataset": dataset,
            "version": released["version"],
            "as_of": released["as_of"],
            "profile": released["profile"],
            "previous": previous["version"] if previous else None,
            "rows": released["rows"],
            "added": len(pc.unique(added["record_id"])),
            "left": dict(sorted(counts.items())),
            "organisations_left": sorted(
                ({"record_id": r, "reason": reasons[r]} for r, organisation in left.items() if organisation),
                key=lambda e: e["record_id"],
            ),
            "removed_on": None,
        }
    )
    write_pointer(cfg.open_root / LOG, json.dumps(log, ensure_ascii=False, indent=1))


def apply_retention(cfg) -> list[Path]:
    """Delete the version folders beyond the newest `versions_kept()` of each dataset; returns
    the files deleted (for the S3 mirror). Versions from before the changelog count as older."""
    kept, log, deleted = versions_kept(), read_log(cfg.open_root), []
    logged = [e["version"] for e in log]
    for pointer in sorted(cfg.open_root.glob("*/latest.json")):
        current = json.loads(pointer.read_text(encoding="utf-8"))["version"]
        folders = [p for p in pointer.parent.iterdir() if (p / "datapackage.json").exists()]
        order = sorted(
            folders, key=lambda p: (p.name in logged, logged.index(p.name) if p.name in logged else p.name)
        )
        for folder in order[: max(0, len(order) - kept)]:
            if folder.name == current:
                continue
            deleted += sorted(p for p in folder.rglob("*") if p.is_file())
            shutil.rmtree(folder)
            for entry in log:
                if entry["dataset"] == pointer.parent.name and entry["version"] == folder.name:
                    entry["removed_on"] = cfg.as_of.isoformat()
    if deleted:
        write_pointer(cfg.open_root / LOG, json.dumps(log, ensure_ascii=False, indent=1))
    return deleted


def _record_ids(open_root: Path, manifest: dict | None):
    """The record ids of one version, each with whether it is an organisation's, as an
    Arrow table (`record_id`, `organisation`); empty for no version or one deleted. Arrow, not
    Python: a version holds millions of records and only those that left are needed one by one."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    empty = pa.table({"record_id": pa.array([], pa.string()), "organisation": pa.array([], pa.bool_())})
    if manifest is None:
        return empty
    parquet = open_root / manifest["dataset"] / manifest["version"] / f"{manifest['dataset']}.parquet"
    if not parquet.exists():
        return empty
    names = pq.read_schema(parquet).names
    table = pq.read_table(parquet, columns=[c for c in ("record_id", "subject_type") if c in names])
    organisation = (
        pc.fill_null(pc.equal(table["subject_type"], "organisation"), False)
        if "subject_type" in names
        else pa.repeat(True, table.num_rows)
    )
    return pa.table({"record_id": pc.cast(table["record_id"], pa.string()), "organisation": organisation})


def _reasons(cfg, dataset: str, left: set[str], withheld_report: str | None) -> dict[str, str]:
    from creditlake import warehouse

    reasons = dict.fromkeys(left, "other")
    if not left:
        return reasons
    if withheld_report and Path(withheld_report).exists():
        with Path(withheld_report).open(encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                if row["dataset"] == dataset and row["record"] in reasons:
                    reasons[row["record"]] = "withheld"
    withdrawals = warehouse.read_model(cfg, "fct_withdrawals")
    withdrawals = withdrawals[withdrawals["record_id"].isin(left)].sort_values("withdrawn_on")
    for record, reason in zip(withdrawals["record_id"], withdrawals["reason"], strict=True):
        reasons[record] = reason  # the latest withdrawal wins
    return reasons
