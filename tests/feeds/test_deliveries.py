"""Push deliveries: a snapshot first, then signed deltas of upserts and withdrawals, per licence."""

import json
import os
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from publishing import audit
from publishing.feeds import (
    FeedError,
    FeedKeys,
    current_state,
    deliver,
    read_ledger,
    verify_delivery,
    verify_feed,
    verify_path,
)
from tests.feeds.conftest import AS_OF, LIC_A, LIC_B, LIC_C, P2, A, B, C, base_records, record, withdrawal

DAY2 = date(2026, 12, 1)


def by_licence(results):
    return {r["licence"]: r for r in results}


def read(folder, name):
    return pd.read_parquet(folder / name)


def day2_records():
    """pen-org-1 repaired, pen-org-2's objection closed, pen-org-4 new; P2's authorisation ends 11-30."""
    records = [r for r in base_records() if r["record_id"] != "pen-org-1"]
    for r in records:
        if r["record_id"] == "pen-org-2":
            r["under_objection"] = False
    records.append(
        record("pen-org-4", "penalties", "administrative_penalty", "organisation", "91110105NLNHD7EJ85")
    )
    repaired = withdrawal(base_records()[0], "repaired", "2026-11-28")
    return records, [repaired]


def test_first_delivery_is_a_signed_snapshot_of_what_each_licence_may_hold(lake):
    lake.warehouse(base_records())
    results = by_licence(deliver(lake.cfg(), lake.registry(), "run-1", s3=None))

    a = results[LIC_A]
    assert (a["status"], a["kind"], a["delivery_id"], a["previous_delivery"]) == (
        "delivered",
        "snapshot",
        "000001-2026-11-22",
        None,
    )
    folder = lake.cfg().feeds_root / A / LIC_A / a["delivery_id"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json",
        "snapshot.parquet",
        "withdrawals.parquet",
    ]
    snap = read(folder, "snapshot.parquet").set_index("record_id")
    # items and subject types of the licence; natural persons only under a valid authorisation
    assert sorted(snap.index) == [
        "court-org-1",
        "court-p1",
        "pen-ib-1",
        "pen-org-1",
        "pen-org-2",
        "pen-p1",
        "pen-p2",
    ]
    assert "pen-p3" not in snap.index
    assert (
        snap.loc["pen-org-2", "under_objection"] and not snap.loc["pen-org-1", "under_objection"]
    )  # RULES §7
    assert (
        snap.loc["pen-org-1", "decision_date"] == "2026-05-10"
        and snap.loc["court-org-1", "publicity_end"] is None
    )
    assert set(snap["change"]) == {"new"} and snap["content_hash"].str.len().eq(64).all()
    assert read(folder, "withdrawals.parquet").empty

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["watermark"] == "2026-11-22" and manifest["schema_version"] == "creditlake.feed/1"
    assert manifest["institution"]["uscc"] == A and manifest["licence"]["purpose"] == "credit_assessment"
    assert {f["name"]: f["rows"] for f in manifest["files"]} == {
        "snapshot.parquet": 7,
        "withdrawals.parquet": 0,
    }
    assert manifest["signature"]["alg"] == "ed25519"
    public_key = lake.cfg().lake / "keys" / "feeds" / "platform-ed25519.pub.pem"
    assert verify_delivery(folder, public_key, institution=A) == (True, [])

    b = results[LIC_B]  # pull-only: a local delivery backs the share; organisations only
    assert b["status"] == "delivered" and b["s3_keys"] == []
    held = read(lake.cfg().feeds_root / B / LIC_B / b["delivery_id"], "snapshot.parquet")
    assert sorted(held["record_id"]) == ["honour-org-1", "lic-org-1", "pen-org-1", "pen-org-2"]

    # a suspended institution gets nothing, not even a folder
    assert results[LIC_C] == {
        "institution": C,
        "licence": LIC_C,
        "delivery": "push",
        "status": "refused",
        "why": f"institution {C} is suspended",
    }
    assert not (lake.cfg().feeds_root / C).exists()


def test_rerunning_the_same_date_rewrites_nothing(lake):
    lake.warehouse(base_records())
    deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    root = lake.cfg().feeds_root
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in root.rglob("*") if p.is_file()}

    again = by_licence(deliver(lake.cfg(), lake.registry(), "run-1-retry", s3=None))
    assert again[LIC_A]["status"] == "unchanged" and again[LIC_A]["delivery_id"] == "000001-2026-11-22"
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in root.rglob("*") if p.is_file()}
    assert after == before
    assert len(read_ledger(root / A / LIC_A)) == 1


def test_next_delivery_is_a_delta_of_upserts_and_withdrawals_with_reasons(lake):
    lake.warehouse(base_records())
    deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    records, withdrawals = day2_records()
    lake.warehouse(records, withdrawals)
    a = by_licence(deliver(lake.cfg(DAY2), lake.registry(), "run-2", s3=None))[LIC_A]

    assert (a["kind"], a["delivery_id"], a["previous_delivery"]) == (
        "delta",
        "000002-2026-12-01",
        "000001-2026-11-22",
    )
    folder = lake.cfg().feeds_root / A / LIC_A / a["delivery_id"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json",
        "upserts.parquet",
        "withdrawals.parquet",
    ]
    upserts = read(folder, "upserts.parquet").set_index("record_id")
    assert upserts["change"].to_dict() == {"pen-org-2": "changed", "pen-org-4": "new"}
    assert not upserts.loc[
        "pen-org-2", "under_objection"
    ]  # the objection closed: the mark is lifted downstream
    gone = read(folder, "withdrawals.parquet").set_index("record_id")
    assert gone[["reason", "withdrawn_on"]].to_dict("index") == {
        "pen-org-1": {"reason": "repaired", "withdrawn_on": "2026-11-28"},
        "pen-p2": {"reason": "authorisation_ended", "withdrawn_on": "2026-12-01"},
    }
    assert gone.loc["pen-p2", "subject_key"] == P2
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["withdrawal_reasons"] == {"repaired": 1, "authorisation_ended": 1}
    assert manifest["counts"]["records_held"] == 6
    assert verify_feed(folder.parent, FeedKeys.for_run(lake.cfg()).verification_key(A)) == (True, [])

    # B never held pen-p2 (organisations only): only the repaired record is withdrawn there
    b = lake.cfg().feeds_root / B / LIC_B / "000002-2026-12-01"
    assert read(b, "withdrawals.parquet")["record_id"].tolist() == ["pen-org-1"]


def test_a_changed_warehouse_on_the_same_date_delivers_only_the_difference(lake):
    lake.warehouse(base_records())
    deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    records = base_records() + [
        record(
            "court-org-9", "court_dishonest", "court_dishonest_debtor", "organisation", "91110105NLNHD7EJ85"
        )
    ]
    lake.warehouse(records)
    a = by_licence(deliver(lake.cfg(), lake.registry(), "run-1-rebuilt", s3=None))[LIC_A]
    assert (a["delivery_id"], a["watermark"], a["upserts"], a["withdrawals"]) == (
        "000002-2026-11-22",
        "2026-11-22",
        1,
        0,
    )


def test_records_leaving_the_licence_scope_or_sharing_without_a_withdrawal_row_are_withdrawn_too(lake):
    lake.warehouse(base_records())
    deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    lake.edit(
        "licences.yml",
        "licences",
        {"id": LIC_B},
        catalog_items=["administrative_penalty", "administrative_licence"],
    )
    lake.warehouse([r for r in base_records() if r["record_id"] != "lic-org-1"])  # gone, and no row says why
    b = by_licence(deliver(lake.cfg(DAY2), lake.registry(), "run-2", s3=None))[LIC_B]
    gone = read(lake.cfg().feeds_root / B / LIC_B / b["delivery_id"], "withdrawals.parquet")
    assert dict(zip(gone["record_id"], gone["reason"], strict=True)) == {
        "honour-org-1": "out_of_licence_scope",
        "lic-org-1": "no_longer_shareable",
    }
    assert verify_path(
        lake.cfg().feeds_root / B / LIC_B, FeedKeys.for_run(lake.cfg()).verification_key(B)
    ) == (True, [])


def test_missing_values_travel_as_nulls_in_every_file_and_state_whichever_path_they_take(lake):
    """Deliveries hold a million records as Arrow columns and make Python objects only of what
    they write: a missing value must still leave as a null (None), never as pandas' NA, in a
    snapshot, an upsert, a withdrawal and the state. Hand-written: a record without a subject
    name or an end of publicity, one changed to have none, and one withdrawn without a key."""
    nameless = dict(base_records()[0], subject_name=None, publicity_end=None)
    keyless = dict(base_records()[6], subject_key=None)
    lake.warehouse([nameless, keyless, *base_records()[1:6]])
    first = by_licence(deliver(lake.cfg(), lake.registry(), "run-1", s3=None))[LIC_B]
    snap = read(Path(first["folder"]), "snapshot.parquet").set_index("record_id")
    assert snap.loc["pen-org-1", "subject_name"] is None and snap.loc["pen-org-1", "publicity_end"] is None
    assert snap.loc["lic-org-1", "subject_key"] is None

    changed = dict(base_records()[1], decision_number=None)  # pen-org-2 loses its number
    lake.warehouse([nameless, changed, *base_records()[2:6]])  # lic-org-1 leaves without a row
    b = by_licence(deliver(lake.cfg(DAY2), lake.registry(), "run-2", s3=None))[LIC_B]
    folder = Path(b["folder"])
    upserts = read(folder, "upserts.parquet").set_index("record_id")
    assert list(upserts.index) == ["pen-org-2"] and upserts.loc["pen-org-2", "decision_number"] is None
    gone = read(folder, "withdrawals.parquet").to_dict("records")
    assert [(g["record_id"], g["subject_key"], g["reason"]) for g in gone] == [
        ("lic-org-1", None, "no_longer_shareable")
    ]
    state = current_state(lake.cfg().feeds_root / B / LIC_B).set_index("record_id")
    assert (
        state.loc["pen-org-1", "subject_name"] is None and state.loc["pen-org-2", "decision_number"] is None
    )
    assert state["decision_number"].map(type).isin([str, type(None)]).all()


def test_a_licence_that_held_nothing_receives_its_first_records_as_new(lake):
    """An empty warehouse on the first day (a new platform, a licence whose scope nothing
    matched): every licence's snapshot holds no record. The next day's records arrive as a
    delta of new records, each in the state as sent by that delivery."""
    lake.warehouse([])
    first = by_licence(deliver(lake.cfg(), lake.registry(), "run-1", s3=None))[LIC_A]
    assert (first["status"], first["kind"], first["records"]) == ("delivered", "snapshot", 0)
    lake.warehouse(base_records())
    a = by_licence(deliver(lake.cfg(DAY2), lake.registry(), "run-2", s3=None))[LIC_A]
    assert (a["status"], a["kind"], a["withdrawals"]) == ("delivered", "delta", 0)
    folder = lake.cfg().feeds_root / A / LIC_A
    upserts = read(folder / a["delivery_id"], "upserts.parquet")
    assert a["upserts"] == a["records"] == len(upserts) > 0 and set(upserts["change"]) == {"new"}
    state = read(folder / "_state", read_ledger(folder)[-1]["state"])
    assert sorted(state["record_id"]) == sorted(upserts["record_id"])
    assert set(state["delivery_id"]) == {a["delivery_id"]}


def test_a_date_before_the_last_watermark_is_refused(lake):
    lake.warehouse(base_records())
    deliver(lake.cfg(DAY2), lake.registry(), "run-2", s3=None)
    a = by_licence(deliver(lake.cfg(AS_OF), lake.registry(), "backfill", s3=None))[LIC_A]
    assert a["status"] == "refused" and "before the last delivery's watermark 2026-12-01" in a["why"]


def test_a_revoked_licence_or_an_expired_one_gets_nothing(lake):
    lake.warehouse(base_records())
    deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    lake.edit("licences.yml", "licences", {"id": LIC_A}, status="revoked")
    results = by_licence(deliver(lake.cfg(DAY2), lake.registry(), "run-2", s3=None))
    assert results[LIC_A]["status"] == "refused" and results[LIC_A]["why"] == f"licence {LIC_A} is revoked"
    assert len(read_ledger(lake.cfg().feeds_root / A / LIC_A)) == 1
    results = by_licence(deliver(lake.cfg(date(2027, 3, 1)), lake.registry(), "run-3", s3=None))
    assert results[LIC_B]["why"] == f"licence {LIC_B} expired on 2027-02-28"


def test_a_tampered_file_or_manifest_or_a_foreign_key_fails_verification(lake):
    lake.warehouse(base_records())
    a = by_licence(deliver(lake.cfg(), lake.registry(), "run-1", s3=None))[LIC_A]
    folder = lake.cfg().feeds_root / A / LIC_A / a["delivery_id"]
    key = FeedKeys.for_run(lake.cfg()).verification_key(A)
    assert verify_delivery(folder, key) == (True, [])

    snapshot = folder / "snapshot.parquet"
    original = snapshot.read_bytes()
    snapshot.write_bytes(original[:100] + bytes([original[100] ^ 1]) + original[101:])
    ok, problems = verify_delivery(folder, key)
    assert not ok and problems == [
        "snapshot.parquet: sha256 does not match the manifest (the file was altered)"
    ]
    snapshot.write_bytes(original)

    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"][0]["sha256"] = "0" * 64  # someone "fixes" the manifest to match a swapped file
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    ok, problems = verify_delivery(folder, key)
    assert not ok and problems[0].startswith("signature does not verify")

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert not verify_delivery(lake.cfg().feeds_root / B / LIC_B / "000001-2026-11-22", other)[0]
    # addressed to A: B cannot pass it off as its own
    assert verify_delivery(folder.parent / "000001-2026-11-22", key, institution=B)[0] is False
    (folder / "extra.csv").write_text("x")
    assert "extra.csv: not listed in the manifest" in verify_delivery(folder, key)[1]


def test_hmac_deliveries_verify_with_the_institutions_own_secret_only(lake, monkeypatch):
    monkeypatch.setenv("CREDITLAKE_FEEDS_SIGNATURE", "hmac-sha256")
    lake.warehouse(base_records())
    results = by_licence(deliver(lake.cfg(), lake.registry(), "run-1", s3=None))
    keys = FeedKeys.for_run(lake.cfg())
    folder = lake.cfg().feeds_root / A / LIC_A / results[LIC_A]["delivery_id"]
    assert json.loads((folder / "manifest.json").read_text())["signature"]["alg"] == "hmac-sha256"
    secret_file = lake.cfg().lake / "keys" / "feeds" / "hmac" / f"{A}.key"
    assert oct(secret_file.stat().st_mode & 0o777) == "0o600"
    assert verify_delivery(folder, secret_file) == (True, [])
    ok, problems = verify_delivery(folder, keys.verification_key(B))  # B's secret
    assert not ok and problems[0].startswith("signature does not verify")
    monkeypatch.setenv(
        f"CREDITLAKE_FEEDS_HMAC_KEY_{A}", os.urandom(32).hex()
    )  # the secret from the environment
    assert verify_delivery(folder, FeedKeys.for_run(lake.cfg()).verification_key(A))[0] is False


def test_an_ed25519_key_is_never_used_as_an_hmac_secret(lake, monkeypatch):
    lake.warehouse(base_records())
    deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    ed_key = FeedKeys.for_run(lake.cfg()).verification_key(A)
    monkeypatch.setenv("CREDITLAKE_FEEDS_SIGNATURE", "hmac-sha256")
    lake.warehouse(base_records()[:3])
    a = by_licence(deliver(lake.cfg(DAY2), lake.registry(), "run-2", s3=None))[LIC_A]
    ok, problems = verify_delivery(a["folder"], ed_key)
    assert not ok and problems == ["the manifest is signed with 'hmac-sha256' but the key given is ed25519"]


def test_every_delivery_is_in_the_access_log(lake):
    lake.warehouse(base_records())
    deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    root = audit.audit_root(lake.cfg())
    entries = [json.loads(line) for line in next(root.glob("access-*.jsonl")).read_text().splitlines()][1:]
    by = {e["licence"]: e for e in entries if e["action"] == "delivery"}
    assert by[LIC_A]["result"] == "ok"
    assert by[LIC_A]["read"] == {"delivery_id": "000001-2026-11-22", "records": 7, "withdrawals": 0}
    assert by[LIC_A]["purpose"] == "credit_assessment" and by[LIC_A]["institution"] == A
    assert by[LIC_C]["result"] == "refused" and by[LIC_C]["why"] == f"institution {C} is suspended"
    # and what each delivery carried, subject by subject (audit who-read)
    reads = {e["licence"]: e for e in entries if e["action"] == "delivery_read"}
    assert set(reads) == {LIC_A, LIC_B} and all(reads[lic]["subjects"] for lic in reads)
    assert audit.verify(root) == (True, [])


def test_the_warehouse_interface_is_checked_before_anything_leaves(lake):
    records = base_records()
    records[1]["under_objection"] = None
    lake.warehouse(records)
    with pytest.raises(FeedError, match="under_objection is null"):
        deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    lake.warehouse(base_records() + [base_records()[0]])
    with pytest.raises(FeedError, match="record_id not unique"):
        deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    assert not lake.cfg().feeds_root.exists()


def test_a_record_hashes_the_same_whatever_types_the_warehouse_hands_over():
    """The content hash decides what an institution receives again: a record read as dates,
    numpy booleans and missing values hashes as its fields written as text do (`content_hash`),
    so an unchanged record is never an upsert."""
    from publishing.feeds import RECORD_COLUMNS, content_hash, normalise_records

    as_text = pd.DataFrame(base_records())
    typed = as_text.assign(
        decision_date=pd.to_datetime(as_text["decision_date"]),
        publicity_end=pd.to_datetime(as_text["publicity_end"]),
        under_objection=as_text["under_objection"].astype("bool"),
        subject_name=as_text["subject_name"].where(as_text.index != 0, float("nan")),
    )
    expected = [
        content_hash(dict(r, subject_name=None if i == 0 else r["subject_name"]))
        for i, r in enumerate(base_records())
    ]
    hashed = normalise_records(typed)
    assert hashed["content_hash"].tolist() == expected
    assert hashed[RECORD_COLUMNS].iloc[0]["subject_name"] is None


def test_a_record_with_text_json_must_escape_hashes_as_content_hash_defines():
    """Quotes, backslashes, line breaks, control characters, U+2028 and characters outside
    the BMP: a record's hash is the sha256 of its canonical JSON whatever its text holds."""
    from publishing.feeds import content_hash, normalise_records

    odd = [
        '某"公司"',
        "C:\\处罚\\",
        "第一行\n第二行\t末",
        "\x01\x1f控制",
        "\u2028分隔\u2029",
        "𠀀𝄞 ＡＢＣ",
        "",
        "\\u001F 已是转义的样子",  # a backslash and "u001F" as text, not a control character
        "".join(map(chr, range(0x20))) + '\\"',
        None,
    ]
    records = [dict(r, subject_name=text) for r, text in zip(base_records() * len(odd), odd, strict=False)]
    hashed = normalise_records(pd.DataFrame(records))
    assert hashed["content_hash"].tolist() == [content_hash(r) for r in records]
    assert hashed["content_hash"].nunique() == len(records)


def test_records_read_from_the_warehouse_are_normalised_and_hashed_as_python_defines(lake):
    """The interface is normalised and hashed by DuckDB over the whole table; each record must
    come out as Python's own definition gives it (`str.strip().upper()` of its subject key, the
    hash `content_hash` gives), or an unchanged record would be delivered again as changed.
    Hand-written: keys with ASCII and ideographic spaces, lower case, full-width letters, the
    German sharp s (which Python upper-cases to two letters), a missing key; texts with the
    control characters DuckDB escapes in upper-case hex, beside a text that only looks like
    such an escape."""
    from publishing.feeds import RECORD_COLUMNS, content_hash, read_interface

    keys = [
        " 91110105nlnhd7ej85\t",
        "\u300091110105NLNHD7EJ85\u3000",
        "ｍａ１２３",
        "strasse-ß",
        "\x1c91110105NLNHD7EJ85\x1f",
        None,
    ]
    names = ["某公司", "控制\x1f字符", "\\u001F 看似转义", "\x0b\x0e\x0f", "某公司", '"引号"\\']
    records = [
        dict(r, record_id=f"odd-{i}", subject_key=key, subject_name=name)
        for i, (r, key, name) in enumerate(zip(base_records(), keys, names, strict=False))
    ]
    lake.warehouse(records)
    read, _ = read_interface(lake.cfg())
    got = read.set_index("record_id")
    for r in records:
        row = got.loc[r["record_id"]]
        key = r["subject_key"]
        assert row["subject_key"] == (key.strip().upper() if key else key)
        expected = dict(r, subject_key=row["subject_key"])
        assert row["content_hash"] == content_hash(expected), r["record_id"]
        assert dict(row[RECORD_COLUMNS[1:]], record_id=r["record_id"]) == expected
    assert got.loc["odd-3", "subject_key"] == "STRASSE-SS"


def test_withdrawal_reasons_are_the_ones_the_warehouse_declares(tmp_path):
    """The reasons a feed accepts are read from fct_withdrawals' dbt YAML (its accepted_values):
    a reason the warehouse does not declare stops the delivery instead of travelling on."""
    from publishing.feeds import FeedError, normalise_withdrawals, warehouse_reasons

    reasons = warehouse_reasons()
    assert {"expired", "repaired", "revoked", "deleted_on_request"} <= set(reasons)
    recs = [
        record(f"r{i}", "penalties", "administrative_penalty", "organisation", A) for i in range(len(reasons))
    ]
    ok = normalise_withdrawals(
        pd.DataFrame([withdrawal(rec, r, "2026-11-01") for rec, r in zip(recs, reasons, strict=True)])
    )
    assert sorted(ok["reason"]) == sorted(reasons)  # each travels on, none dropped
    with pytest.raises(FeedError, match="unknown reason"):
        normalise_withdrawals(pd.DataFrame([withdrawal(recs[0], "mislaid", "2026-11-01")]))
    bare = tmp_path / "models.yml"
    bare.write_text(
        "models:\n  - name: fct_withdrawals\n    columns:\n      - name: reason\n", encoding="utf-8"
    )
    with pytest.raises(FeedError, match="accepted_values"):
        warehouse_reasons(bare)


def test_each_record_taken_down_says_why_and_since_when():
    """Hand-written, one record per way of leaving a licence, decided over all of them at once:
    a withdrawal row with its day, one whose day is missing or empty (taken down as of the run),
    a record with a withdrawal row that is shared again today (the row is stale: the licence's own
    reasons apply), a person's record whose authorisation ended, a record out of the licence's
    items, and one gone from sharing without any row."""
    from types import SimpleNamespace

    from publishing.feeds import WITHDRAWAL_COLUMNS, taken_down

    def held(rid, item="administrative_penalty", kind="organisation"):
        return {
            "record_id": rid,
            "dataset": "penalties",
            "catalog_item": item,
            "subject_type": kind,
            "subject_key": "K",
        }

    def gone(rid, reason, on):
        return held(rid) | {"withdrawn_on": on, "reason": reason}

    left = pd.DataFrame(
        [
            held("repaired"),
            held("no-day"),
            held("empty-day"),
            held("back"),
            held("p", kind="natural_person"),
            held("honour", item="honour"),
            held("vanished"),
        ]
    )
    withdrawals = pd.DataFrame(
        [
            gone("repaired", "repaired", "2026-11-28"),
            gone("no-day", "revoked", None),
            gone("empty-day", "expired", ""),
            gone("back", "corrected", "2026-11-01"),
        ]
    )
    records = pd.DataFrame(
        [held("back", item="honour"), held("p", kind="natural_person"), held("honour", item="honour")]
    )
    licence = SimpleNamespace(
        catalog_items=("administrative_penalty",), subject_types=("organisation", "natural_person")
    )
    out = taken_down(left, records, withdrawals, licence, date(2026, 12, 1)).set_index("record_id")
    assert out[["reason", "withdrawn_on"]].to_dict("index") == {
        "repaired": {"reason": "repaired", "withdrawn_on": "2026-11-28"},
        "no-day": {"reason": "revoked", "withdrawn_on": "2026-12-01"},
        "empty-day": {"reason": "expired", "withdrawn_on": "2026-12-01"},
        "back": {"reason": "out_of_licence_scope", "withdrawn_on": "2026-12-01"},
        "p": {"reason": "authorisation_ended", "withdrawn_on": "2026-12-01"},
        "honour": {"reason": "out_of_licence_scope", "withdrawn_on": "2026-12-01"},
        "vanished": {"reason": "no_longer_shareable", "withdrawn_on": "2026-12-01"},
    }
    assert list(out.reset_index().columns) == WITHDRAWAL_COLUMNS


def test_the_keys_are_where_the_operator_keeps_them(lake, tmp_path, monkeypatch):
    """`CREDITLAKE_FEEDS_KEYS`: the generated signing key and the key set live there, not in the
    lake. `CREDITLAKE_FEEDS_SIGNING_KEY`: that key signs the deliveries, a missing one stops them
    (a named key is never generated), and it is rotated where it is kept, not here."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    lake.warehouse(base_records())
    keys = tmp_path / "keys-elsewhere"
    monkeypatch.setenv("CREDITLAKE_FEEDS_KEYS", str(keys))
    a = by_licence(deliver(lake.cfg(), lake.registry(), "run-1", s3=None))[LIC_A]
    assert (keys / "platform-ed25519.pem").exists() and not (lake.cfg().lake / "keys" / "feeds").exists()
    assert verify_delivery(a["folder"], keys / "platform-ed25519.pub.pem") == (True, [])

    named = Ed25519PrivateKey.generate()
    pem = tmp_path / "signing.pem"
    pem.write_bytes(
        named.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    monkeypatch.setenv("CREDITLAKE_FEEDS_SIGNING_KEY", str(pem))
    lake.warehouse(base_records()[:3])
    a = by_licence(deliver(lake.cfg(DAY2), lake.registry(), "run-2", s3=None))[LIC_A]
    public = named.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "signing.pub.pem").write_bytes(public)
    assert verify_delivery(a["folder"], tmp_path / "signing.pub.pem") == (True, [])
    assert not verify_delivery(a["folder"], keys / "platform-ed25519.pub.pem")[0]  # not the generated key
    with pytest.raises(FeedError, match="rotate it where it is kept"):
        FeedKeys.for_run(lake.cfg()).rotate()
    monkeypatch.setenv("CREDITLAKE_FEEDS_SIGNING_KEY", str(tmp_path / "missing.pem"))
    with pytest.raises(FeedError, match="no such key file"):
        FeedKeys.for_run(lake.cfg()).sign(A, b"x")
    assert not (tmp_path / "missing.pem").exists()
