"""The access log: hash-chained JSON Lines that show any edit, deletion, insertion or reordering,
and pruning that never touches the retention period nor edits the chain."""

import hashlib
import json
import threading
from datetime import date

import pytest

from creditlake.jurisdiction import profile_names
from publishing.audit import (
    GENESIS,
    AccessLog,
    AuditError,
    canonical,
    entry_hash,
    head,
    head_for_publication,
    prune_before,
    segments,
    verify,
)
from tests.feeds.conftest import LIC_A, A, B, Clock


def fill(root, clock, n=5):
    log = AccessLog(root, clock)
    for i in range(n):
        log.record(
            action="POST /delta-sharing/shares/x/schemas/y/tables/records/query",
            result="ok",
            institution=A,
            licence=LIC_A,
            purpose="credit_assessment",
            read={"table": "x.y.records", "records": i},
        )
    return log


def lines_of(path):
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_an_untouched_log_verifies(tmp_path):
    log = fill(tmp_path, Clock(date(2026, 11, 22)))
    assert verify(tmp_path) == (True, [])
    [(_, segment)] = segments(tmp_path)
    entries = [json.loads(line) for line in lines_of(segment)]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0]["action"] == "segment_start" and entries[1]["time"] == "2026-11-22T10:00:00+08:00"
    assert all(e["hash"] == entry_hash(e, log.key) for e in entries)
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(entries, entries[1:], strict=False))


def test_entries_after_one_naming_a_snapshot_s_subjects_chain_on_it(tmp_path):
    """A snapshot's delivery_read entry names every subject it served: one line of megabytes,
    and lines of every length around the size the tail is read in. Each next entry chains on
    the one before it, and the log verifies."""
    clock = Clock(date(2026, 11, 22))
    log = AccessLog(tmp_path, clock)
    subjects = [f"9122{n:014d}" for n in range(300_000)]  # about 6.6 MB of JSON
    for count in (300_000, 1, 3_000, 2_975, 2_979, 0):
        log.record(
            action="delivery_read", result="ok", institution=A, licence=LIC_A, subjects=subjects[:count]
        )
    [(_, segment)] = segments(tmp_path)
    entries = [json.loads(line) for line in lines_of(segment)]
    assert [len(e.get("subjects", [])) for e in entries[1:]] == [300_000, 1, 3_000, 2_975, 2_979, 0]
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(entries, entries[1:], strict=False))
    assert verify(tmp_path) == (True, [])
    with open(segment, "ab") as handle:
        handle.write(b"\n\n")  # blank lines at the end: still the same last entry
    log.record(action="delivery_read", result="ok", institution=A, licence=LIC_A, subjects=[])
    last = json.loads([line for line in lines_of(segment) if line.strip()][-1])
    assert last["prev_hash"] == entries[-1]["hash"]


def test_an_edited_line_is_found(tmp_path):
    fill(tmp_path, Clock(date(2026, 11, 22)))
    [(_, segment)] = segments(tmp_path)
    lines = lines_of(segment)
    lines[3] = lines[3].replace('"records":2', '"records":0')
    segment.write_text("".join(lines), encoding="utf-8")
    ok, problems = verify(tmp_path)
    assert not ok and problems == [
        f"{segment.name} line 4: hash does not match the entry's content (the entry was edited)"
    ]


def test_an_edit_that_recomputes_its_own_hash_still_breaks_the_chain(tmp_path):
    log = fill(tmp_path, Clock(date(2026, 11, 22)))
    [(_, segment)] = segments(tmp_path)
    lines = lines_of(segment)
    entry = json.loads(lines[3])
    entry["read"]["records"] = 0
    entry["hash"] = entry_hash(entry, log.key)  # even an insider with the key breaks the next link
    lines[3] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
    segment.write_text("".join(lines), encoding="utf-8")
    ok, problems = verify(tmp_path)
    assert not ok and problems == [
        f"{segment.name} line 5: prev_hash does not match the entry before it "
        "(an entry was deleted, inserted or reordered)"
    ]


def test_a_deleted_line_is_found(tmp_path):
    fill(tmp_path, Clock(date(2026, 11, 22)))
    [(_, segment)] = segments(tmp_path)
    lines = lines_of(segment)
    del lines[2]
    segment.write_text("".join(lines), encoding="utf-8")
    ok, problems = verify(tmp_path)
    assert not ok
    assert problems[0].startswith(f"{segment.name} line 3: prev_hash does not match")
    assert problems[1] == f"{segment.name} line 3: seq 4 does not follow 2"


def test_reordered_lines_are_found(tmp_path):
    fill(tmp_path, Clock(date(2026, 11, 22)))
    [(_, segment)] = segments(tmp_path)
    lines = lines_of(segment)
    lines[2], lines[3] = lines[3], lines[2]
    segment.write_text("".join(lines), encoding="utf-8")
    ok, problems = verify(tmp_path)
    assert not ok and len(problems) >= 2
    assert all("prev_hash does not match" in p or "does not follow" in p for p in problems)


def test_an_inserted_line_is_found(tmp_path):
    log = fill(tmp_path, Clock(date(2026, 11, 22)))
    [(_, segment)] = segments(tmp_path)
    lines = lines_of(segment)
    forged = json.loads(lines[2]) | {"institution": "someone else"}
    forged["hash"] = entry_hash(forged, log.key)
    lines.insert(3, json.dumps(forged, ensure_ascii=False) + "\n")
    segment.write_text("".join(lines), encoding="utf-8")
    assert not verify(tmp_path)[0]
    assert log.head()["seq"] == 6


def test_concurrent_writers_keep_one_chain(tmp_path):
    clock = Clock(date(2026, 11, 22))
    threads = [threading.Thread(target=fill, args=(tmp_path, clock, 20)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert verify(tmp_path) == (True, [])
    assert AccessLog(tmp_path, clock).head()["seq"] == 161


def test_pruning_deletes_only_whole_segments_outside_retention_and_leaves_a_verifiable_chain(tmp_path):
    clock = Clock(date(2022, 1, 15))
    log = AccessLog(tmp_path, clock)
    for month in range(47):  # one entry a month, 2022-01 .. 2025-11: a new segment each month
        year, m = divmod(month, 12)
        clock.set(date(2022 + year, m + 1, 15))
        log.record(action="delivery", result="ok", institution=A, licence=LIC_A, purpose="credit_assessment")
    assert len(segments(tmp_path)) == 47 and verify(tmp_path) == (True, [])

    # Asked to drop everything before 2025-06-01, on 2026-11-22 under 3-year retention (jl-draft Art 20):
    # only segments entirely before 2023-11-22 may go, whatever was asked.
    clock.set(date(2026, 11, 22))
    report = prune_before(
        tmp_path, date(2025, 6, 1), profile="jl-draft", today=date(2026, 11, 22), clock=clock
    )
    assert report["cutoff"] == "2023-11-22"
    pruned = [p["segment"] for p in report["pruned"]]
    assert pruned == [f"access-{n:06d}.jsonl" for n in range(1, 24)]  # 2022-01 .. 2023-11 (11-15 < 11-22)
    assert all(p["last_time"] < "2023-11-22" for p in report["pruned"])
    remaining = segments(tmp_path)
    assert remaining[0][1].name == "access-000024.jsonl"  # 2023-12: inside the three years, kept
    assert verify(tmp_path) == (True, [])
    last = json.loads(lines_of(remaining[-1][1])[-1])
    assert last["action"] == "prune" and last["pruned"]["through_segment"] == 23

    # a second prune later keeps the chain verifiable too
    clock.set(date(2027, 6, 1))
    second = prune_before(tmp_path, date(2027, 1, 1), profile="jl-draft", today=date(2027, 6, 1), clock=clock)
    assert second["cutoff"] == "2024-06-01" and [p["segment"] for p in second["pruned"]] == [
        f"access-{n:06d}.jsonl" for n in range(24, 30)
    ]  # 2023-12 .. 2024-05
    assert verify(tmp_path) == (True, [])

    # deleting a segment by hand is not a prune: verify says so
    segments(tmp_path)[0][1].unlink()
    ok, problems = verify(tmp_path)
    assert not ok and "no prune entry accounts for them" in problems[0]


def test_long_term_retention_prunes_nothing(tmp_path):
    clock = Clock(date(2019, 1, 15))
    fill(tmp_path, clock, 3)
    clock.set(date(2026, 11, 22))
    report = prune_before(
        tmp_path, date(2026, 1, 1), profile="gd-draft", today=date(2026, 11, 22), clock=clock
    )
    assert report["pruned"] == [] and "long-term" in report["why"] and "gd-draft Art 22" in report["why"]
    assert len(segments(tmp_path)) == 1 and verify(tmp_path) == (True, [])


def test_query_log_retention_decides_whether_an_old_segment_is_dropped(tmp_path, profile_with):
    """jl-draft Art 20 (3 years from the query, which national borrows): a segment of 2022 is
    dropped on 2026-11-22; under a long-term retention (gd-draft Art 22) the same segment stays."""
    for name in ("three_years", "long_term"):
        clock = Clock(date(2022, 3, 15))
        fill(tmp_path / name, clock, 2)
        clock.set(date(2026, 11, 20))
        fill(tmp_path / name, clock, 1)  # a new month: the 2022 entries are a closed segment
        assert len(segments(tmp_path / name)) == 2
    today = date(2026, 11, 22)
    report = prune_before(tmp_path / "three_years", today, profile="national", today=today, clock=clock)
    assert [p["segment"] for p in report["pruned"]] == ["access-000001.jsonl"]
    assert report["cutoff"] == "2023-11-22" and "jl-draft Art 20" in report["retention"]["article"]
    assert [f.name for _, f in segments(tmp_path / "three_years")] == ["access-000002.jsonl"]

    kept = profile_with({"query_log_retention": {"value": "long_term", "unit": "long_term"}}, base="national")
    report = prune_before(tmp_path / "long_term", today, profile=kept, today=today, clock=clock)
    assert report["pruned"] == [] and "long-term" in report["why"]
    assert [f.name for _, f in segments(tmp_path / "long_term")] == [
        "access-000001.jsonl",
        "access-000002.jsonl",
    ]
    assert verify(tmp_path / "three_years") == verify(tmp_path / "long_term") == (True, [])


def test_head_hash_is_the_newest_entry(tmp_path):
    log = fill(tmp_path, Clock(date(2026, 11, 22)), 2)
    assert head(tmp_path) == log.head() and head(tmp_path)["seq"] == 3


# Retention comes from the jurisdiction profile: 3 years from the query (jl-draft Art 20, which the
# national default borrows and the profiles that defer to it take), long-term under gd-draft Art 22.
RETENTION = {"gd-draft": (None, "gd-draft Art 22"), "jl-draft": (3, "jl-draft Art 20")}


@pytest.mark.parametrize("profile", profile_names())
def test_every_profile_states_how_long_the_log_is_kept(profile):
    from publishing.audit import retention_for

    years, article = RETENTION.get(profile, (3, "basis: borrowed from jl-draft Art 20"))
    rule = retention_for(profile)
    assert rule["years"] == years and rule["article"].startswith(article)


# --- the keyed chain and the published head (issue 18) ----------------------------------------


def plain_sha256(entry: dict) -> str:
    """What someone without the audit key can compute: the old, unkeyed hash."""
    return hashlib.sha256(canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def rewrite(segment, entries):
    segment.write_text(
        "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in entries),
        encoding="utf-8",
    )


def test_deleting_an_institutions_entries_and_recomputing_the_chain_without_the_key_fails(tmp_path):
    log = fill(tmp_path, Clock(date(2026, 11, 22)))
    log.record(action="delivery", result="ok", institution=B, licence="LIC-B-2026-001")
    [(_, segment)] = segments(tmp_path)
    kept = [json.loads(line) for line in lines_of(segment)]
    kept = [e for e in kept if e.get("institution") != A]
    prev = GENESIS
    for seq, entry in enumerate(kept, start=1):  # seq, prev_hash and hash all recomputed
        entry["seq"], entry["prev_hash"] = seq, prev
        entry["hash"] = prev = plain_sha256(entry)
    rewrite(segment, kept)
    ok, problems = verify(tmp_path)
    assert not ok and len(problems) == 2
    assert all("hash does not match the entry's content" in p for p in problems)


def test_a_forged_appended_entry_fails(tmp_path):
    fill(tmp_path, Clock(date(2026, 11, 22)))
    [(_, segment)] = segments(tmp_path)
    entries = [json.loads(line) for line in lines_of(segment)]
    forged = entries[-1] | {"seq": 7, "prev_hash": entries[-1]["hash"], "institution": B}
    forged["hash"] = plain_sha256(forged)
    rewrite(segment, [*entries, forged])
    ok, problems = verify(tmp_path)
    assert not ok and problems == [
        f"{segment.name} line 7: hash does not match the entry's content (the entry was edited)"
    ]


def published_head(tmp_path, clock):
    log = fill(tmp_path, clock)
    head = head_for_publication(tmp_path, clock=clock)
    assert head["seq"] == head["entries"] == log.head()["seq"] and head["hash"] == log.head()["hash"]
    assert verify(tmp_path, head=head) == (True, [])
    return head


def test_a_cut_tail_fails_against_the_published_head(tmp_path):
    head = published_head(tmp_path, Clock(date(2026, 11, 22)))
    [(_, segment)] = segments(tmp_path)
    segment.write_text("".join(lines_of(segment)[:-2]), encoding="utf-8")
    assert verify(tmp_path) == (True, [])  # the chain alone cannot tell
    ok, problems = verify(tmp_path, head=head)
    assert not ok and "is not in the log: its newest entries or segments were removed" in problems[0]


def test_a_deleted_newest_segment_fails_against_the_published_head(tmp_path):
    clock = Clock(date(2026, 10, 20))
    fill(tmp_path, clock, 2)
    clock.set(date(2026, 11, 22))
    head = published_head(tmp_path, clock)
    assert len(segments(tmp_path)) == 2
    segments(tmp_path)[-1][1].unlink()
    ok, problems = verify(tmp_path, head=head)
    assert not ok and any("is not in the log" in p for p in problems)


def test_every_segment_deleted_fails_with_or_without_the_head(tmp_path):
    head = published_head(tmp_path, Clock(date(2026, 11, 22)))
    for _, segment in segments(tmp_path):
        segment.unlink()
    ok, problems = verify(tmp_path)
    assert not ok and problems == [f"{tmp_path}: no segments (the log is empty or its segments were deleted)"]
    ok, problems = verify(tmp_path, head=head)
    assert not ok and "is not in the log" in problems[0]


def test_a_forged_head_or_a_wrong_key_fails(tmp_path):
    head = published_head(tmp_path, Clock(date(2026, 11, 22)))
    ok, problems = verify(tmp_path, head=head | {"seq": 4})
    assert not ok and "MAC does not verify" in problems[0]
    ok, problems = verify(tmp_path, key=b"k" * 32)
    assert not ok and all("hash does not match" in p for p in problems)


def test_a_head_published_before_a_prune_still_verifies(tmp_path):
    clock = Clock(date(2022, 1, 15))
    log = AccessLog(tmp_path, clock)
    for month in range(14):
        year, m = divmod(month, 12)
        clock.set(date(2022 + year, m + 1, 15))
        log.record(action="delivery", result="ok", institution=A, licence=LIC_A)
    head = head_for_publication(tmp_path, clock=clock)
    clock.set(date(2026, 11, 22))
    report = prune_before(
        tmp_path, date(2026, 1, 1), profile="jl-draft", today=date(2026, 11, 22), clock=clock
    )
    assert len(report["pruned"]) == 14  # every segment, the head's too: the prune entry accounts for it
    assert verify(tmp_path, head=head) == (True, [])
    later = head_for_publication(tmp_path, clock=clock)
    assert verify(tmp_path, head=later) == (True, [])


def test_the_key_is_kept_outside_the_lake_and_never_replaced_under_an_existing_log(
    tmp_path, monkeypatch, audit_key_file
):
    lake = tmp_path / "lake"
    monkeypatch.setenv("CREDITLAKE_AUDIT_KEY_FILE", str(lake / "keys" / "audit.key"))
    with pytest.raises(AuditError, match="inside"):
        AccessLog(lake / "audit").record(action="delivery", result="ok")
    monkeypatch.setenv("CREDITLAKE_AUDIT_KEY_FILE", str(audit_key_file))
    AccessLog(lake / "audit").record(action="delivery", result="ok")
    assert oct(audit_key_file.stat().st_mode & 0o777) == "0o600"
    audit_key_file.unlink()  # a lost key is not silently replaced: the log would be orphaned
    with pytest.raises(AuditError, match="no audit key"):
        AccessLog(lake / "audit").record(action="delivery", result="ok")
    assert verify(lake / "audit")[1] == [
        f"no audit key at {audit_key_file} (CREDITLAKE_AUDIT_KEY_FILE): the log cannot be written or verified"
    ]


def test_a_log_kept_outside_the_lake_still_refuses_a_key_inside_the_lake(lake, tmp_path, monkeypatch):
    """`CREDITLAKE_AUDIT_DIR` elsewhere: the key is still refused inside the lake the feeds are
    delivered from (the lake was guessed from the log's folder, and a key in it was made)."""
    from publishing.feeds import deliver
    from tests.feeds.conftest import base_records

    lake.warehouse(base_records())
    inside = lake.cfg().lake / "keys" / "audit.key"
    monkeypatch.setenv("CREDITLAKE_AUDIT_DIR", str(tmp_path / "elsewhere" / "audit"))
    monkeypatch.setenv("CREDITLAKE_AUDIT_KEY_FILE", str(inside))
    with pytest.raises(AuditError, match="inside"):
        deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    assert not inside.exists()


def test_without_a_named_key_file_the_key_is_kept_in_the_user_s_config(tmp_path, monkeypatch):
    """No `CREDITLAKE_AUDIT_KEY_FILE`: `$XDG_CONFIG_HOME/creditlake/audit.key`, made once (0600)."""
    monkeypatch.delenv("CREDITLAKE_AUDIT_KEY_FILE")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    AccessLog(tmp_path / "lake" / "audit").record(action="delivery", result="ok")
    key = tmp_path / "config" / "creditlake" / "audit.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert verify(tmp_path / "lake" / "audit") == (True, [])
