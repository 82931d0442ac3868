"""The access log (查询日志): who read what, when, for what purpose — append-only and hash-chained.

Every feed delivery and every request to the sharing API appends one entry (hl-draft Art 25,
gd-draft Art 22: who, when, what, for what purpose). An entry is one JSON line:

    {"seq": 42, "time": "2026-11-22T09:30:00+08:00", "institution": "<USCC>", "licence": "LIC-..",
     "purpose": "credit_assessment", "action": "delivery" | "GET /delta-sharing/shares" | ...,
     "read": {"table": "...", "records": 17} | null, "result": "ok" | "refused", "why": "..." | null,
     "prev_hash": "<hash of the entry before>", "hash": "<sha256 of this entry without 'hash'>"}

`hash` is sha256 over the canonical JSON (sorted keys, no spaces, UTF-8) of the entry without
its `hash`; `prev_hash` links it to the entry before, so an edited, deleted, inserted or
reordered line breaks the chain and `verify` names it.

Logs are never altered or deleted (jl-draft Art 40), yet kept only as long as the profile
says: 3 years (jl-draft Art 20) or long-term (gd-draft Art 22). The log is therefore written
in segments (`access-000001.jsonl`, a new one each calendar month), each opening with a
`segment_start` entry chained to the previous segment's last entry. `prune_before` deletes
only whole segments that lie entirely outside the retention period, after appending a
`prune` entry that records what it deleted and the last hash before the cut — the chain is
never edited, and `verify` accepts a missing head only when a prune entry accounts for it.

What a local hash chain cannot show is the loss of the newest entries (a truncated tail);
`head()` gives the latest hash so it can be anchored outside the platform.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import threading
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

GENESIS = "0" * 64
SEGMENT = re.compile(r"^access-(\d{6})\.jsonl$")
CHINA = timezone(timedelta(hours=8), "CST")  # no daylight saving: a fixed offset is exact
RESULTS = ("ok", "refused")
_THREAD_LOCKS: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


class AuditError(RuntimeError):
    """The log cannot be appended to safely (e.g. a damaged tail): callers must fail closed."""


def audit_root(cfg) -> Path:
    """`CREDITLAKE_AUDIT_DIR`, else `<lake>/audit`."""
    return Path(os.environ.get("CREDITLAKE_AUDIT_DIR") or Path(cfg.lake) / "audit")


def now_china() -> datetime:
    return datetime.now(CHINA)


def canonical(obj) -> bytes:
    """The bytes that are hashed and signed: sorted keys, no whitespace, UTF-8 (no ASCII escapes)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: dict) -> str:
    return hashlib.sha256(canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def segment_name(number: int) -> str:
    return f"access-{number:06d}.jsonl"


def segments(root: Path) -> list[tuple[int, Path]]:
    root = Path(root)
    if not root.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in root.iterdir() if (m := SEGMENT.match(p.name))]
    return sorted(found)


class AccessLog:
    """Appends entries to the log under `root`; safe across threads and processes (flock)."""

    def __init__(self, root: Path, clock: Callable[[], datetime] = now_china):
        self.root = Path(root)
        self.clock = clock

    def record(
        self,
        *,
        action: str,
        result: str,
        institution: str | None = None,
        licence: str | None = None,
        purpose: str | None = None,
        read: dict | None = None,
        why: str | None = None,
    ) -> dict:
        """Append one entry and return it (with its hash)."""
        if result not in RESULTS:
            raise ValueError(f"result must be one of {RESULTS}, got {result!r}")
        entry = {
            "institution": institution,
            "licence": licence,
            "purpose": purpose,
            "action": action,
            "read": read,
            "result": result,
            "why": why,
        }
        with self._locked():
            return self._append(entry, rotate_monthly=True)

    def head(self) -> dict | None:
        """The newest entry's segment, seq and hash: anchor it outside the platform."""
        found = segments(self.root)
        if not found:
            return None
        last = _last_entry(found[-1][1])
        return {"segment": found[-1][1].name, "seq": last["seq"], "hash": last["hash"]} if last else None

    # -- internals --

    @contextmanager
    def _locked(self):
        self.root.mkdir(parents=True, exist_ok=True)
        key = str(self.root.resolve())
        with _GUARD:
            lock = _THREAD_LOCKS.setdefault(key, threading.Lock())
        with lock, open(self.root / ".lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _append(self, fields: dict, rotate_monthly: bool) -> dict:
        now = self.clock().astimezone(CHINA)
        found = segments(self.root)
        if not found:
            current = self._start_segment(1, None, GENESIS, 0, now)
        else:
            number, current = found[-1]
            first, last = _first_entry(current), _last_entry(current)
            if last is None or first is None:
                raise AuditError(f"{current}: the log's last segment is empty or damaged; run audit verify")
            if rotate_monthly and first["time"][:7] != now.isoformat()[:7]:
                current = self._start_segment(number + 1, current.name, last["hash"], last["seq"], now)
        last = _last_entry(current)
        entry = {
            "seq": last["seq"] + 1,
            "time": now.isoformat(timespec="seconds"),
            **fields,
            "prev_hash": last["hash"],
        }
        entry["hash"] = entry_hash(entry)
        _write_line(current, entry)
        return entry

    def _start_segment(
        self, number: int, previous: str | None, prev_hash: str, prev_seq: int, now: datetime
    ) -> Path:
        path = self.root / segment_name(number)
        if path.exists():
            raise AuditError(f"{path} already exists: segments are never rewritten")
        entry = {
            "seq": prev_seq + 1,
            "time": now.isoformat(timespec="seconds"),
            "action": "segment_start",
            "segment": path.name,
            "previous_segment": previous,
            "result": "ok",
            "prev_hash": prev_hash,
        }
        entry["hash"] = entry_hash(entry)
        _write_line(path, entry)
        return path

    def rotate(self) -> Path:
        """Close the current segment and open the next (what `prune_before` does first)."""
        with self._locked():
            return self._rotate()

    def _rotate(self) -> Path:
        found = segments(self.root)
        if not found:
            return self._start_segment(1, None, GENESIS, 0, self.clock().astimezone(CHINA))
        number, current = found[-1]
        last = _last_entry(current)
        if last is None:
            raise AuditError(f"{current}: the log's last segment is empty or damaged; run audit verify")
        return self._start_segment(
            number + 1, current.name, last["hash"], last["seq"], self.clock().astimezone(CHINA)
        )


def head(root: Path) -> dict | None:
    """The newest entry's segment, seq and hash (publish it elsewhere to detect a truncated tail)."""
    return AccessLog(root).head()


def _write_line(path: Path, entry: dict) -> None:
    line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
    with open(path, "ab") as handle:
        handle.write(line.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def _first_entry(path: Path) -> dict | None:
    with open(path, "rb") as handle:
        line = handle.readline()
    try:
        return json.loads(line) if line.strip() else None
    except json.JSONDecodeError:
        return None


def _last_entry(path: Path) -> dict | None:
    """The last line, read backwards from the end (segments can be large)."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        if end == 0:
            return None
        chunk, data = 4096, b""
        pos = end
        while pos > 0:
            step = min(chunk, pos)
            pos -= step
            handle.seek(pos)
            data = handle.read(step) + data
            if data.rstrip(b"\n").count(b"\n") >= 1:
                break
    line = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    if not data.endswith(b"\n"):
        raise AuditError(f"{path}: the last line is incomplete (a write was interrupted); run audit verify")
    try:
        return json.loads(line)
    except json.JSONDecodeError as err:
        raise AuditError(f"{path}: the last line is not valid JSON; run audit verify") from err


# --- verification ----------------------------------------------------------------------------


def verify(path: Path) -> tuple[bool, list[str]]:
    """Check the chain of a log folder (every segment) or of one segment file.

    Reports edited entries (hash does not match the content), deleted, inserted or reordered
    entries (prev_hash or seq does not follow), missing segments not accounted for by a
    `prune` entry, and lines that are not JSON.
    """
    path = Path(path)
    problems: list[str] = []
    if path.is_file():
        files = [(int(m.group(1)) if (m := SEGMENT.match(path.name)) else 0, path)]
    elif path.is_dir():
        files = segments(path)
    else:
        return False, [f"{path}: no such log file or folder"]
    if not files:
        return True, []

    parsed = [(number, file, _read_entries(file, problems)) for number, file in files]
    prunes = [e for _, _, entries in parsed for _, e in entries if e.get("action") == "prune"]
    prev_hash, prev_seq, prev_number = None, None, None
    for index, (number, file, entries) in enumerate(parsed):
        if not entries:
            problems.append(f"{file.name}: empty segment")
            continue
        _check_segment_start(file, entries[0], problems)
        if index == 0 and path.is_dir():
            prev_hash, prev_seq = _chain_start(number, entries[0][1], prunes, file.name, problems)
        elif index > 0 and number != prev_number + 1:
            problems.append(
                f"{file.name}: segment(s) {segment_name(prev_number + 1)} .. "
                f"{segment_name(number - 1)} are missing"
            )
        for line_no, entry in entries:
            _check_entry(f"{file.name} line {line_no}", entry, prev_hash, prev_seq, problems)
            prev_hash, prev_seq = entry.get("hash"), entry.get("seq")
        prev_number = number
    return not problems, problems


def _check_segment_start(file: Path, first: tuple[int, dict], problems: list[str]) -> None:
    """A segment opens with the entry that names it (a renamed or spliced file does not)."""
    first_line, entry = first
    if entry.get("action") != "segment_start" or entry.get("segment") != file.name:
        problems.append(f"{file.name} line {first_line}: a segment must open with its segment_start entry")


def _check_entry(where: str, entry: dict, prev_hash, prev_seq, problems: list[str]) -> None:
    """One entry against its own content and the entry before it in the chain."""
    if entry.get("hash") != entry_hash(entry):
        problems.append(f"{where}: hash does not match the entry's content (the entry was edited)")
    if prev_hash is not None and entry.get("prev_hash") != prev_hash:
        problems.append(
            f"{where}: prev_hash does not match the entry before it "
            "(an entry was deleted, inserted or reordered)"
        )
    if prev_seq is not None and entry.get("seq") != prev_seq + 1:
        problems.append(f"{where}: seq {entry.get('seq')} does not follow {prev_seq}")
    if entry.get("result") not in RESULTS:
        problems.append(f"{where}: result {entry.get('result')!r} is not one of {RESULTS}")


def _read_entries(file: Path, problems: list[str]) -> list[tuple[int, dict]]:
    entries = []
    raw = file.read_bytes()
    if raw and not raw.endswith(b"\n"):
        problems.append(f"{file.name}: the last line is incomplete (a write was interrupted)")
    for line_no, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            problems.append(f"{file.name} line {line_no}: not valid JSON")
            continue
        if not isinstance(entry, dict):
            problems.append(f"{file.name} line {line_no}: not a JSON object")
            continue
        entries.append((line_no, entry))
    return entries


def _chain_start(number: int, first: dict, prunes: list[dict], name: str, problems: list[str]):
    """Where the chain may start: the genesis, or the point a prune entry says it was cut."""
    if number == 1:
        if first.get("prev_hash") != GENESIS:
            problems.append(f"{name} line 1: the first entry must follow the genesis hash")
        return None, None
    cut = max((p.get("pruned") or {} for p in prunes), key=lambda p: p.get("through_segment", 0), default={})
    if cut.get("through_segment") != number - 1:
        problems.append(f"{name}: segments before it are missing and no prune entry accounts for them")
        return None, None
    if first.get("prev_hash") != cut.get("last_hash") or first.get("seq") != cut.get("last_seq", -2) + 1:
        problems.append(f"{name} line 1: does not continue from the pruned segment's last entry")
    return None, None


# --- retention and pruning -------------------------------------------------------------------


def retention_for(profile: str) -> dict:
    """The profile's query-log retention: {"years": 3, "article": ...} or {"years": None} (long-term).

    From the jurisdiction profile (`creditlake.jurisdiction`, rule `query_log_retention`):
    3 years under jl-draft Art 20 (and the national default taken from it), long-term under
    gd-draft Art 22. A profile without a usable rule fails: pruning must never guess.
    """
    from creditlake.jurisdiction import load_profile, rule_source

    rule = load_profile(profile).rules["query_log_retention"]
    # the article, or the basis where the profile borrows the value (national: jl-draft Art 20)
    if rule.get("unit") == "long_term" or rule.get("value") == "long_term":
        return {"years": None, "article": rule_source(rule)}
    if rule.get("unit") != "years" or not isinstance(rule.get("value"), int) or rule["value"] <= 0:
        raise ValueError(
            f"profile {profile}: query_log_retention {rule!r} is not a positive number of years or long_term"
        )
    return {"years": rule["value"], "article": rule_source(rule)}


def prune_before(
    root: Path,
    before: date,
    *,
    profile: str = "national",
    today: date | None = None,
    clock: Callable[[], datetime] = now_china,
) -> dict:
    """Delete whole segments whose every entry is older than `before` AND outside the profile's
    retention period (jl-draft Art 20: 3 years; gd-draft Art 22: long-term, so never).

    Nothing inside the retention period is ever deleted, whatever `before` says. Before deleting,
    a `prune` entry recording the deleted segments and the last hash before the cut is appended
    to the open segment, so the remaining chain stays verifiable (jl-draft Art 40: no altering).
    """
    from creditlake.workdays import add_years

    log = AccessLog(root, clock)
    today = today or clock().date()
    retention = retention_for(profile)
    report = {
        "profile": profile,
        "retention": retention,
        "requested_before": before.isoformat(),
        "cutoff": None,
        "pruned": [],
    }
    if retention["years"] is None:
        report["why"] = (
            f"profile {profile} keeps query logs long-term ({retention['article']}): nothing pruned"
        )
        return report
    cutoff = min(before, add_years(today, -retention["years"]))
    report["cutoff"] = cutoff.isoformat()
    with log._locked():
        found = segments(log.root)
        if not found:
            return report
        if _entry_date(_last_entry(found[-1][1])) < cutoff:
            log._rotate()  # the open segment is entirely old: close it so it can go
            found = segments(log.root)
        doomed = []
        for number, file in found[:-1]:  # the open segment is never deleted
            if _entry_date(_last_entry(file)) >= cutoff:
                break
            doomed.append((number, file))
        if not doomed:
            return report
        details = []
        for _number, file in doomed:
            entries = [
                json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()
            ]
            details.append(
                {
                    "segment": file.name,
                    "entries": len(entries),
                    "first_seq": entries[0]["seq"],
                    "last_seq": entries[-1]["seq"],
                    "first_time": entries[0]["time"],
                    "last_time": entries[-1]["time"],
                    "last_hash": entries[-1]["hash"],
                }
            )
        pruned = {
            "through_segment": doomed[-1][0],
            "last_seq": details[-1]["last_seq"],
            "last_hash": details[-1]["last_hash"],
            "segments": details,
            "cutoff": cutoff.isoformat(),
            "retention_years": retention["years"],
            "article": retention["article"],
        }
        entry = log._append(
            {
                "action": "prune",
                "result": "ok",
                "pruned": pruned,
                "why": f"segments entirely before {cutoff} are outside the retention period",
            },
            rotate_monthly=False,
        )
        for _number, file in doomed:  # only after the prune entry is safely written
            file.unlink()
        report["pruned"] = details
        report["entry"] = entry
    return report


def _entry_date(entry: dict | None) -> date:
    if entry is None:
        return date.max
    return datetime.fromisoformat(entry["time"]).astimezone(CHINA).date()
