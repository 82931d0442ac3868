"""The history of a licence's shared tables: the versions behind time travel and the change data feed.

The pull API (`publishing.sharing`) numbers the states a licence's tables go through:

* **one version per delivery** (`publishing.feeds`): the ledger line commits it, its timestamp is
  the delivery's `created_at`, and its rows are rebuilt from the delivery folders (the first
  snapshot, then each delta's upserts and withdrawals), which are the full history the feeds keep;
* **one version whenever the registry changes what the licence may see between deliveries**: an
  authorisation that ends or is withdrawn mid-cycle, an item taken off the licence. Its rows are
  the last delivery's minus the records the registry now hides (`hidden`). A client that caches by
  version sees the version move and drops the person's record (jl-draft Art 21, city-2022 Art 24).

Versions are kept in a small append-only log per licence (`<feeds>/_sharing/versions/<licence>.jsonl`)
so their numbers never change once a client has seen them; the log is filled from the ledger on
each request, so a delivery is a version even if no client asked in between. Before its first
delivery a table is at version 0, empty.

History never re-discloses: a record the licence may not hold today (withdrawn since, or out of
scope today) is left out of every past version a query returns, and appears in the change data
feed by its key columns only (`KEY_COLUMNS`: enough to find and delete it, city-2022 Art 47).
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from publishing.feeds import RECORD_COLUMNS, WITHDRAWAL_COLUMNS, FeedError, read_ledger
from publishing.locks import exclusive

# Platform policy: 30 days of history, long enough for an institution to catch up after a missed
# month of deliveries by reading the change data feed, short enough that the platform does not
# become a second archive of what institutions were told. Withdrawn records are never served from
# history anyway (see above). `CREDITLAKE_SHARING_HISTORY_DAYS` overrides it.
HISTORY_DAYS = 30
RECORD_FIELDS = [*RECORD_COLUMNS, "content_hash"]
WITHDRAWAL_FIELDS = [*WITHDRAWAL_COLUMNS, "delivery_id"]
KEY_COLUMNS = ("record_id", "dataset", "catalog_item", "subject_type", "subject_key")
CHANGE_TYPE = "_change_type"
_STATES_CACHED = 64


class HistoryError(ValueError):
    """A version or timestamp the history cannot answer for (the message says why)."""


def history_days(days: int | None = None) -> int:
    """The retention in days: `days`, else `CREDITLAKE_SHARING_HISTORY_DAYS`, else `HISTORY_DAYS`."""
    raw = days if days is not None else os.environ.get("CREDITLAKE_SHARING_HISTORY_DAYS") or HISTORY_DAYS
    try:
        value = int(raw)
    except ValueError as err:
        raise ValueError(f"CREDITLAKE_SHARING_HISTORY_DAYS={raw!r} is not a number of days") from err
    if value < 1:
        raise ValueError(f"history is kept for at least 1 day, not {value}")
    return value


def parse_timestamp(text: str) -> int:
    """Milliseconds since the epoch of a protocol timestamp (ISO 8601; UTC when no zone is given)."""
    try:
        moment = datetime.fromisoformat(str(text).strip())
    except ValueError as err:
        raise HistoryError(f"{text!r} is not an ISO 8601 timestamp such as 2026-11-22T00:00:00Z") from err
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Version:
    number: int
    timestamp: int  # ms since the epoch, as the protocol's `timestamp` fields
    delivery: str  # the delivery whose state this version shows
    hidden: tuple[str, ...] = ()  # record ids the registry hid since that delivery

    def line(self) -> str:
        return json.dumps(
            {
                "version": self.number,
                "timestamp": self.timestamp,
                "delivery": self.delivery,
                "hidden": list(self.hidden),
            }
        )


class Timeline:
    """The versions of one licence's tables, and their rows."""

    def __init__(self, folder: Path, ledger: list[dict], versions: list[Version], now_ms: int, days: int):
        self.folder, self.ledger, self.versions, self.now_ms, self.days = (
            folder,
            ledger,
            versions,
            now_ms,
            days,
        )

    @classmethod
    def load(cls, folder: Path, log: Path, hidden: list[str], now_ms: int, days: int) -> Timeline:
        """The versions so far, after adding the deliveries not yet numbered and, when the registry
        hides a different set of records than the latest version does, a version for that."""
        with _locked(log):
            versions = [Version(**_fields(json.loads(line))) for line in _lines(log)]
            added = []
            numbered = {v.delivery for v in versions}
            ledger = read_ledger(folder)  # read under the lock: every numbered delivery is in it
            for entry in ledger:
                if entry["delivery_id"] not in numbered:
                    ms = max(parse_timestamp(entry["created_at"]), versions[-1].timestamp if versions else 0)
                    added.append(Version(len(versions) + 1, ms, entry["delivery_id"]))
                    versions.append(added[-1])
            if versions and tuple(hidden) != versions[-1].hidden:
                ms = max(now_ms, versions[-1].timestamp)
                added.append(Version(len(versions) + 1, ms, versions[-1].delivery, tuple(hidden)))
                versions.append(added[-1])
            if added:
                with open(log, "a", encoding="utf-8") as handle:
                    handle.write("".join(v.line() + "\n" for v in added))
        return cls(folder, ledger, versions, now_ms, days)

    @property
    def latest(self) -> int:
        return self.versions[-1].number if self.versions else 0

    def oldest(self) -> int:
        """The oldest version still shared: the one current when the retention window opened."""
        cutoff = self.now_ms - self.days * 86_400_000
        before = [v.number for v in self.versions if v.timestamp <= cutoff]
        return max(before) if before else 0

    def check(self, number: int) -> int:
        if number < 0 or number > self.latest:
            raise HistoryError(f"version {number} does not exist: the latest is {self.latest}")
        if number < self.oldest():
            raise HistoryError(
                f"version {number} is older than the {self.days} days of history shared; "
                f"the oldest version still shared is {self.oldest()}"
            )
        return number

    def timestamp(self, number: int) -> int:
        return self.versions[number - 1].timestamp if number else 0

    def at(self, ms: int) -> int:
        """The version current at a moment (the latest committed at or before it)."""
        at = [v.number for v in self.versions if v.timestamp <= ms]
        if not at:
            first = _iso(self.versions[0].timestamp) if self.versions else "none yet"
            raise HistoryError(f"{_iso(ms)} is before the table's first version ({first})")
        return self.check(at[-1])

    def since(self, ms: int) -> int:
        """The earliest version committed at or after a moment."""
        after = [v.number for v in self.versions if v.timestamp >= ms]
        if not after:
            raise HistoryError(f"{_iso(ms)} is after the latest version ({self.latest})")
        return after[0]

    def records(self, number: int):
        """The records of a version as it was: its delivery's state less what the registry hid."""

        if number == 0:
            return _empty(RECORD_FIELDS)
        version = self.versions[number - 1]
        state = self._state(version.delivery)
        return state[~state["record_id"].isin(set(version.hidden))].reset_index(drop=True)

    def withdrawals(self, number: int):
        """The withdrawals listed up to a version's delivery, latest per record, less those given back."""
        import pandas as pd

        frames = []
        if number:
            delivery = self.versions[number - 1].delivery
            for entry in self.ledger:
                path = self.folder / entry["delivery_id"] / "withdrawals.parquet"
                if path.exists():
                    frames.append(pd.read_parquet(path).assign(delivery_id=entry["delivery_id"]))
                if entry["delivery_id"] == delivery:
                    break
        if not frames:
            return _empty(WITHDRAWAL_FIELDS)
        gone = pd.concat(frames, ignore_index=True).drop_duplicates("record_id", keep="last")
        held = set(self._state(self.versions[number - 1].delivery)["record_id"])
        return gone[~gone["record_id"].isin(held)][WITHDRAWAL_FIELDS].reset_index(drop=True)

    def rows(self, number: int, table: str):
        return self.records(number) if table == "records" else self.withdrawals(number)

    def changes(self, table: str, start: int, end: int) -> list[tuple[Version, object]]:
        """Per version in [start, end]: the rows that changed against the version before, each
        with its `_change_type` (insert, update_preimage, update_postimage, delete)."""
        out = []
        before = self.rows(max(start, 1) - 1, table)
        for number in range(max(start, 1), end + 1):
            after = self.rows(number, table)
            changed = diff(before, after)
            if len(changed):
                out.append((self.versions[number - 1], changed))
            before = after
        return out

    def _state(self, delivery: str):
        return delivered_state(self.folder, self.ledger, delivery)


def diff(before, after):
    """Row-level changes between two versions of a table keyed by `record_id`."""
    import pandas as pd

    old, new = set(before["record_id"]), set(after["record_id"])
    both = old & new
    before_rows = _signatures(before[before["record_id"].isin(both)])
    after_rows = _signatures(after[after["record_id"].isin(both)])
    updated = {rid for rid, sig in after_rows.items() if before_rows.get(rid) != sig}
    parts = [
        after[~after["record_id"].isin(old)].assign(**{CHANGE_TYPE: "insert"}),
        before[before["record_id"].isin(updated)].assign(**{CHANGE_TYPE: "update_preimage"}),
        after[after["record_id"].isin(updated)].assign(**{CHANGE_TYPE: "update_postimage"}),
        before[~before["record_id"].isin(new)].assign(**{CHANGE_TYPE: "delete"}),
    ]
    out = pd.concat(parts, ignore_index=True)
    if "under_objection" in out.columns:  # an empty version 0 makes the column untyped
        out["under_objection"] = out["under_objection"].astype(bool)
    return out


def redact(changes, allowed: set[str]):
    """Rows of records the licence may not hold today keep their key columns only."""
    out = changes.copy()
    gone = ~out["record_id"].isin(allowed)
    for column in out.columns:
        if column not in (*KEY_COLUMNS, CHANGE_TYPE, "under_objection"):
            out[column] = out[column].astype(object)
            out.loc[gone, column] = None
    return out


def _signatures(frame) -> dict:
    columns = [c for c in frame.columns if c != "record_id"]
    return {
        rid: json.dumps([_plain(v) for v in values], default=str)
        for rid, *values in frame[["record_id", *columns]].itertuples(index=False)
    }


def _plain(value):
    return value.item() if hasattr(value, "item") else value


# --- the states the deliveries left ------------------------------------------------------------

_states: OrderedDict = OrderedDict()


def delivered_state(folder: Path, ledger: list[dict], delivery: str):
    """What the licence held after a delivery, rebuilt from the delivery folders (deliveries are
    immutable once in the ledger, so rebuilt states are cached)."""
    state = None
    for entry in ledger:
        key = (str(folder), entry["delivery_id"])
        if key in _states:
            _states.move_to_end(key)
            state = _states[key]
        else:
            state = _apply(state, folder / entry["delivery_id"], entry["delivery_id"])
            _states[key] = state
            while len(_states) > _STATES_CACHED:
                _states.popitem(last=False)
        if entry["delivery_id"] == delivery:
            return state
    raise FeedError(f"{folder}: delivery {delivery} is not in the ledger")


def _apply(state, folder: Path, delivery: str):
    import pandas as pd

    snapshot = folder / "snapshot.parquet"
    if snapshot.exists():
        return pd.read_parquet(snapshot)[RECORD_FIELDS]
    if state is None:
        raise FeedError(f"{folder}: a delta with no snapshot before it")
    try:
        upserts = pd.read_parquet(folder / "upserts.parquet")[RECORD_FIELDS]
        gone = pd.read_parquet(folder / "withdrawals.parquet")
    except FileNotFoundError as err:
        raise FeedError(f"delivery {delivery} is missing a file: {err.filename}") from err
    replaced = set(gone["record_id"]) | set(upserts["record_id"])
    kept = state[~state["record_id"].isin(replaced)]
    return pd.concat([kept, upserts], ignore_index=True)[RECORD_FIELDS]


# --- the version log -----------------------------------------------------------------------------


def _fields(entry: dict) -> dict:
    return {
        "number": entry["version"],
        "timestamp": entry["timestamp"],
        "delivery": entry["delivery"],
        "hidden": tuple(entry.get("hidden", ())),
    }


def _lines(log: Path) -> list[str]:
    if not log.exists():
        return []
    return [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def _locked(log: Path):
    return exclusive(log.with_name(log.name + ".lock"))


def _empty(columns: list[str]):
    import pandas as pd

    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
