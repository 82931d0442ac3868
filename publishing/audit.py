"""The access log (查询日志): who read what, when, for what purpose — append-only and MAC-chained.

Every feed delivery and every request to the sharing API appends one entry (hl-draft Art 25,
gd-draft Art 22: who, when, what, for what purpose). An entry is one JSON line:

    {"seq": 42, "time": "2026-11-22T09:30:00+08:00", "institution": "<USCC>", "licence": "LIC-..",
     "purpose": "credit_assessment", "action": "delivery" | "GET /delta-sharing/shares" | ...,
     "read": {"table": "...", "records": 17} | null, "result": "ok" | "refused", "why": "..." | null,
     "token": "tok_..", "client": "10.0.0.7", "request": "GET /delta-sharing/...?..", "status": 200,
     "subjects": ["<subject_key>", ...] | null,
     "prev_hash": "<hash of the entry before>", "hash": "<HMAC-SHA256 of this entry without 'hash'>"}

`hash` is HMAC-SHA256, under the audit key, of the canonical JSON (sorted keys, no spaces,
UTF-8) of the entry without its `hash`; `prev_hash` links it to the entry before, so an edited,
deleted, inserted or reordered line breaks the chain and `verify` names it. A plain hash could
be recomputed by whoever edits the files; the MAC cannot be without the key, which lives outside
the lake (`CREDITLAKE_AUDIT_KEY_FILE`, else `~/.config/creditlake/audit.key`, created with mode
0600 on the first write of an empty log; a key inside the lake or beside the log is refused).
`subjects` are the subject keys in what was served (a downloaded file, a delivery), so
`who_read` answers "who saw my record, and when" (hl-draft Art 25, gd-draft Art 22 查询人员).

Logs are never altered or deleted (jl-draft Art 40), yet kept only as long as the profile
says: 3 years (jl-draft Art 20) or long-term (gd-draft Art 22). The log is therefore written
in segments (`access-000001.jsonl`, a new one each calendar month), each opening with a
`segment_start` entry chained to the previous segment's last entry. `prune_before` deletes
only whole segments that lie entirely outside the retention period, after appending a
`prune` entry that records what it deleted and the last hash before the cut — the chain is
never edited, and `verify` accepts a missing head only when a prune entry accounts for it.

What a chain cannot show alone is the loss of the newest entries (a cut tail, a deleted newest
segment, every segment deleted): `head_for_publication()` gives a MAC'd head (seq, last hash,
entry count, time) to publish outside the platform each run, and `verify(..., head=...)` fails
when the log no longer reaches the published head.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import threading
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from publishing.locks import exclusive

GENESIS = "0" * 64
SEGMENT = re.compile(r"^access-(\d{6})\.jsonl$")
CHINA = timezone(timedelta(hours=8), "CST")  # no daylight saving: a fixed offset is exact
RESULTS = ("ok", "refused")
KEY_ENV = "CREDITLAKE_AUDIT_KEY_FILE"
_ENTRY_DOMAIN = b"creditlake audit entry\n"
_HEAD_DOMAIN = b"creditlake audit head\n"
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


def entry_hash(entry: dict, key: bytes) -> str:
    """HMAC-SHA256 under the audit key of the entry without its `hash`."""
    body = canonical({k: v for k, v in entry.items() if k != "hash"})
    return hmac.new(key, _ENTRY_DOMAIN + body, hashlib.sha256).hexdigest()


# --- the audit key ---------------------------------------------------------------------------


def audit_key_path() -> Path:
    """`CREDITLAKE_AUDIT_KEY_FILE`, else `$XDG_CONFIG_HOME/creditlake/audit.key` (`~/.config`):
    outside the lake, so whoever can rewrite the lake's files cannot recompute the chain."""
    named = os.environ.get(KEY_ENV)
    if named:
        return Path(named).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "creditlake" / "audit.key"


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def audit_key(root: Path, *, lake: Path | None = None, create: bool = False) -> bytes:
    """The key the log under `root` is chained with. Refused inside the log's folder or the lake
    (`lake`, else the folder holding a default `<lake>/audit`). Generated (0600) only when
    `create` and the log is still empty: a new key for an existing log would orphan it."""
    path, root = audit_key_path(), Path(root)
    lake = Path(lake) if lake else (root.parent if root.name == "audit" else root)
    for folder in (root, lake):
        if _inside(path, folder):
            raise AuditError(
                f"audit key {path} is inside {folder}: keep it outside the lake and the log ({KEY_ENV})"
            )
    if not path.exists():
        if create and not segments(root):
            _create_key(path)
        elif not path.exists():  # (re-checked: another writer may have just created it)
            raise AuditError(f"no audit key at {path} ({KEY_ENV}): the log cannot be written or verified")
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except ValueError as err:
        raise AuditError(f"audit key {path} is not hex") from err
    if len(key) < 32:
        raise AuditError(f"audit key {path} is shorter than 32 bytes")
    return key


def _create_key(path: Path) -> None:
    """Written whole under a temporary name, then linked into place: a concurrent writer either
    creates it first (theirs is used) or sees the complete key, never a half-written file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(os.urandom(32).hex() + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def key_id(key: bytes) -> str:
    return hmac.new(key, b"creditlake key id", hashlib.sha256).hexdigest()[:16]


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

    def __init__(
        self,
        root: Path,
        clock: Callable[[], datetime] = now_china,
        *,
        key: bytes | None = None,
        lake: Path | None = None,
    ):
        self.root = Path(root)
        self.clock = clock
        self._key, self._lake = key, lake

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = audit_key(self.root, lake=self._lake, create=True)
        return self._key

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
        **details,
    ) -> dict:
        """Append one entry and return it (with its hash). `details` may name the API request:
        token (id), client (address), request (method, path and query), status, subjects."""
        if result not in RESULTS:
            raise ValueError(f"result must be one of {RESULTS}, got {result!r}")
        unknown = set(details) - {"token", "client", "request", "status", "subjects"}
        if unknown:
            raise TypeError(f"unknown access-log fields {sorted(unknown)}")
        entry = {
            "institution": institution,
            "licence": licence,
            "purpose": purpose,
            "action": action,
            "read": read,
            "result": result,
            "why": why,
            **{k: details.get(k) for k in ("token", "client", "request", "status", "subjects")},
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
        self.key  # noqa: B018 - the key is checked (or created for an empty log) before any write
        key = str(self.root.resolve())
        with _GUARD:
            lock = _THREAD_LOCKS.setdefault(key, threading.Lock())
        with lock, exclusive(self.root / ".lock"):
            yield

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
        entry["hash"] = entry_hash(entry, self.key)
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
            "key_id": key_id(self.key),
        }
        entry["hash"] = entry_hash(entry, self.key)
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
    """The newest entry's segment, seq and hash (see `head_for_publication` for what to publish)."""
    return AccessLog(root).head()


def head_for_publication(
    root: Path,
    *,
    key: bytes | None = None,
    lake: Path | None = None,
    clock: Callable[[], datetime] = now_china,
) -> dict:
    """The log's head, MAC'd under the audit key: seq and hash of the newest entry, how many
    entries the log holds, and when. Publish it outside the platform after every run (the run
    summary, the portal, a letter to the supervisor): `creditlake audit verify --head FILE`
    then fails if the log was cut, its newest segment deleted, or every segment deleted."""
    log = AccessLog(root, clock, key=key, lake=lake)
    with log._locked():
        found = segments(log.root)
        last = _last_entry(found[-1][1]) if found else None
        count = sum(file.read_bytes().count(b"\n") for _, file in found)
    body = {
        "log": "creditlake access log",
        "seq": last["seq"] if last else 0,
        "hash": last["hash"] if last else GENESIS,
        "segment": found[-1][1].name if found else None,
        "entries": count,
        "time": clock().astimezone(CHINA).isoformat(timespec="seconds"),
        "key_id": key_id(log.key),
    }
    return body | {"mac": _head_mac(body, log.key)}


def _head_mac(head: dict, key: bytes) -> str:
    body = canonical({k: v for k, v in head.items() if k != "mac"})
    return hmac.new(key, _HEAD_DOMAIN + body, hashlib.sha256).hexdigest()


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
        # Chunk by chunk, each looked at once: a delivery's entry names every subject it served
        # (a snapshot's, 900,000 of them, is one line of megabytes).
        chunks, pos, trailing = [], end, True
        while pos > 0:
            step = min(1 << 16, pos)
            pos -= step
            handle.seek(pos)
            chunks.append(handle.read(step))
            body = chunks[-1].rstrip(b"\n") if trailing else chunks[-1]
            trailing = trailing and not body
            if b"\n" in body:
                break
        data = b"".join(reversed(chunks))
    line = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    if not data.endswith(b"\n"):
        raise AuditError(f"{path}: the last line is incomplete (a write was interrupted); run audit verify")
    try:
        return json.loads(line)
    except json.JSONDecodeError as err:
        raise AuditError(f"{path}: the last line is not valid JSON; run audit verify") from err


# --- verification ----------------------------------------------------------------------------


def verify(
    path: Path, *, key: bytes | None = None, head: dict | None = None, lake: Path | None = None
) -> tuple[bool, list[str]]:
    """Check the chain of a log folder (every segment) or of one segment file, under the audit key.

    Reports edited entries (MAC does not match the content, even if a plain hash was recomputed),
    deleted, inserted or reordered entries (prev_hash or seq does not follow), missing segments
    not accounted for by a `prune` entry, lines that are not JSON, and an empty log. Given the
    last published `head`, also a log that no longer reaches it (a cut tail, a deleted newest
    segment, every segment deleted) or a head whose MAC does not verify.
    """
    path = Path(path)
    if path.is_file():
        files = [(int(m.group(1)) if (m := SEGMENT.match(path.name)) else 0, path)]
    elif path.is_dir():
        files = segments(path)
    else:
        return False, [f"{path}: no such log file or folder"]
    try:
        key = key or audit_key(path if path.is_dir() else path.parent, lake=lake)
    except AuditError as err:
        return False, [str(err)]
    problems = _verify_chain(path, files, key)
    if head is not None:
        _check_head(head, files, key, problems)
    elif not files:
        problems.append(f"{path}: no segments (the log is empty or its segments were deleted)")
    return not problems, problems


def _verify_chain(path: Path, files: list[tuple[int, Path]], key: bytes) -> list[str]:
    problems: list[str] = []

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
            _check_entry(f"{file.name} line {line_no}", entry, prev_hash, prev_seq, key, problems)
            prev_hash, prev_seq = entry.get("hash"), entry.get("seq")
        prev_number = number
    return problems


def _check_head(head: dict, files: list[tuple[int, Path]], key: bytes, problems: list[str]) -> None:
    """The log must still reach the published head: its entry present with the same hash, and
    as many entries up to it as the head counted (less what prune entries since account for)."""
    if not isinstance(head, dict) or not hmac.compare_digest(str(head.get("mac", "")), _head_mac(head, key)):
        problems.append(
            "the published head's MAC does not verify under the audit key (forged head or wrong key)"
        )
        return
    seq = head.get("seq", 0)
    entries = [e for _, file in files for _, e in _read_entries(file, [])]
    by_seq = {e.get("seq"): e for e in entries}
    prunes = [e for e in entries if e.get("action") == "prune"]
    at_head = by_seq.get(seq)
    where = f"the published head (seq {seq}, {head.get('time')})"
    if seq and at_head is None and not _pruned(seq, prunes):
        problems.append(f"{where} is not in the log: its newest entries or segments were removed")
    elif at_head is not None and at_head.get("hash") != head.get("hash"):
        problems.append(f"{where}: entry {seq} has another hash now (the log was rewritten)")
    held = sum(1 for e in entries if isinstance(e.get("seq"), int) and e["seq"] <= seq)
    held += sum(_pruned_since(p, seq) for p in prunes)
    if held != head.get("entries"):
        problems.append(f"{where} counted {head.get('entries')} entries; the log holds {held} of them now")


def _pruned(seq: int, prunes: list[dict]) -> bool:
    """Was the entry `seq` in a segment a prune entry deleted?"""
    return any(
        s.get("first_seq", 0) <= seq <= s.get("last_seq", -1)
        for p in prunes
        for s in (p.get("pruned") or {}).get("segments", [])
    )


def _pruned_since(prune: dict, seq: int) -> int:
    """Entries up to `seq` that a prune written after `seq` deleted (they were there at the head)."""
    if prune.get("seq", 0) <= seq:
        return 0
    spans = [
        (s.get("first_seq", 0), s.get("last_seq", -1))
        for s in (prune.get("pruned") or {}).get("segments", [])
    ]
    return sum(max(0, min(last, seq) - first + 1) for first, last in spans)


def _check_segment_start(file: Path, first: tuple[int, dict], problems: list[str]) -> None:
    """A segment opens with the entry that names it (a renamed or spliced file does not)."""
    first_line, entry = first
    if entry.get("action") != "segment_start" or entry.get("segment") != file.name:
        problems.append(f"{file.name} line {first_line}: a segment must open with its segment_start entry")


def _check_entry(where: str, entry: dict, prev_hash, prev_seq, key: bytes, problems: list[str]) -> None:
    """One entry against its own content (its MAC) and the entry before it in the chain."""
    if not hmac.compare_digest(str(entry.get("hash", "")), entry_hash(entry, key)):
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
    lake: Path | None = None,
) -> dict:
    """Delete whole segments whose every entry is older than `before` AND outside the profile's
    retention period (jl-draft Art 20: 3 years; gd-draft Art 22: long-term, so never); what
    `creditlake audit prune` runs.

    Nothing inside the retention period is ever deleted, whatever `before` says. Before deleting,
    a `prune` entry recording the deleted segments and the last hash before the cut is appended
    to the open segment, so the remaining chain stays verifiable (jl-draft Art 40: no altering).
    """
    from creditlake.workdays import add_years

    log = AccessLog(root, clock, lake=lake)
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


# --- who read a subject's records ------------------------------------------------------------


def who_read(root: Path, subject: str) -> list[dict]:
    """Every served read that included a subject's records (hl-draft Art 25, gd-draft Art 22
    查询人员): time, institution, licence, purpose, token, client, request and what was read."""
    wanted = str(subject).strip().upper()
    found = []
    for _, file in segments(root):
        for _, entry in _read_entries(file, []):
            if wanted in (entry.get("subjects") or []) and entry.get("result") == "ok":
                found.append(entry)
    return found


def served_subjects(files) -> list[str]:
    """The distinct subject keys in Parquet files (only the `subject_key` column is read)."""
    import pyarrow.parquet as pq

    keys: set[str] = set()
    for file in files:
        if "subject_key" in pq.read_schema(file).names:
            column = pq.read_table(file, columns=["subject_key"]).column("subject_key")
            keys.update(str(k).strip().upper() for k in column.to_pylist() if k is not None)
    return sorted(keys)


def log_delivery_reads(
    root: Path, deliveries: list[dict], clock: Callable[[], datetime] = now_china, lake: Path | None = None
) -> list[dict]:
    """After `publishing.feeds.deliver`: one `delivery_read` entry per delivery made, naming the
    subject keys in its files (what `who_read` finds), read from the delivery's manifest."""
    log, written = AccessLog(root, clock, lake=lake), []
    for delivery in deliveries:
        if delivery.get("status") != "delivered" or not delivery.get("manifest"):
            continue
        manifest_path = Path(delivery["manifest"])
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        names = [f["name"] for f in manifest.get("files", [])]
        written.append(
            log.record(
                action="delivery_read",
                result="ok",
                institution=delivery["institution"],
                licence=delivery["licence"],
                purpose=(manifest.get("licence") or {}).get("purpose"),
                read={"delivery_id": delivery["delivery_id"], "files": names},
                subjects=served_subjects(manifest_path.parent / name for name in names),
            )
        )
    return written
