"""What an institution's `feeds verify` reports for each way a delivery's files can be wrong."""

import json
import shutil
from datetime import date

import pytest

from publishing.feeds import FeedKeys, KeySet, deliver, verify_delivery, verify_feed, verify_path
from tests.feeds.conftest import LIC_A, ORG2, A, base_records, record


@pytest.fixture
def delivered(lake):
    """LIC_A's first delivery folder and the key A verifies it with."""
    lake.warehouse(base_records())
    (a,) = [r for r in deliver(lake.cfg(), lake.registry(), "run-1", s3=None) if r["licence"] == LIC_A]
    return lake.cfg().feeds_root / A / LIC_A / a["delivery_id"], FeedKeys.for_run(
        lake.cfg()
    ).verification_key(A)


def _edit_manifest(folder, **changes_by_file):
    """Rewrite what the manifest says of a file (the signature then no longer verifies)."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        entry.update(changes_by_file.get(entry["name"].replace(".", "_"), {}))
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


def _file_problems(folder, key) -> list[str]:
    ok, problems = verify_delivery(folder, key)
    assert not ok and problems[0].startswith("signature does not verify")
    return problems[1:]


def test_a_missing_file_is_reported_as_listed_but_missing(delivered):
    folder, key = delivered
    (folder / "withdrawals.parquet").unlink()
    assert verify_delivery(folder, key) == (
        False,
        ["withdrawals.parquet: listed in the manifest but missing"],
    )


def test_a_listed_name_outside_the_delivery_folder_is_never_read(delivered):
    folder, key = delivered
    # the very file, beside the delivery folder: read there, it would pass its size and hash
    shutil.copy(folder / "withdrawals.parquet", folder.parent / "withdrawals.parquet")
    _edit_manifest(folder, withdrawals_parquet={"name": "../withdrawals.parquet"})
    assert _file_problems(folder, key) == [
        "../withdrawals.parquet: listed in the manifest but missing",
        "withdrawals.parquet: not listed in the manifest",
    ]


def test_a_grown_file_is_reported_by_size_and_by_hash(delivered):
    folder, key = delivered
    snapshot = folder / "snapshot.parquet"
    size = snapshot.stat().st_size
    snapshot.write_bytes(snapshot.read_bytes() + b"\0")
    assert verify_delivery(folder, key) == (
        False,
        [
            f"snapshot.parquet: {size + 1} bytes, the manifest says {size}",
            "snapshot.parquet: sha256 does not match the manifest (the file was altered)",
        ],
    )


def test_a_file_that_is_not_parquet_or_has_other_rows_is_reported(delivered):
    import hashlib

    folder, key = delivered
    junk = b"not parquet"
    (folder / "withdrawals.parquet").write_bytes(junk)
    _edit_manifest(
        folder,
        withdrawals_parquet={"bytes": len(junk), "sha256": hashlib.sha256(junk).hexdigest()},
        snapshot_parquet={"rows": 99},
    )
    problems = _file_problems(folder, key)
    assert problems[0] == "snapshot.parquet: 7 rows, the manifest says 99"
    assert len(problems) == 2 and problems[1].startswith("withdrawals.parquet: not a readable Parquet file (")


# --- a licence folder: every delivery, their numbers and latest.json ---------------------------


@pytest.fixture
def three_deliveries(lake):
    """LIC_A's folder after three days of deliveries, the key A verifies with, and latest.json as
    it stood after the second."""
    days = [date(2026, 11, 22), date(2026, 12, 1), date(2026, 12, 8)]
    records = base_records()
    folder = lake.cfg().feeds_root / A / LIC_A
    pointers = []
    for i, day in enumerate(days):
        records = records + [
            record(f"pen-day-{i}", "penalties", "administrative_penalty", "organisation", ORG2)
        ]
        lake.warehouse(records)
        deliver(lake.cfg(day), lake.registry(), f"run-{i}", s3=None)
        pointers.append((folder / "latest.json").read_text(encoding="utf-8"))
    key = FeedKeys.for_run(lake.cfg()).verification_key(A)
    return folder, key, pointers[1]


def test_an_intact_licence_folder_verifies(three_deliveries):
    folder, key, _ = three_deliveries
    assert sorted(p.name for p in folder.iterdir() if p.name[0].isdigit()) == [
        "000001-2026-11-22",
        "000002-2026-12-01",
        "000003-2026-12-08",
    ]
    assert verify_feed(folder, key) == (True, [])


def test_a_deleted_newest_delivery_fails_through_latest_json(three_deliveries):
    folder, key, _ = three_deliveries
    shutil.rmtree(folder / "000003-2026-12-08")
    assert verify_path(folder, key) == (
        False,
        ["latest.json: names delivery 000003-2026-12-08, which is missing: the newest delivery was deleted"],
    )


def test_a_deleted_delivery_in_the_middle_is_a_gap_in_the_numbers_and_the_chain(three_deliveries):
    folder, key, _ = three_deliveries
    shutil.rmtree(folder / "000002-2026-12-01")
    assert verify_feed(folder, key) == (
        False,
        [
            "000003-2026-12-08: delivery 000002 before it is missing (deleted or not received)",
            "000003-2026-12-08: previous_delivery is 000002-2026-12-01, expected 000001-2026-11-22",
        ],
    )


def test_a_stale_or_forged_or_missing_latest_json_fails(three_deliveries):
    folder, key, second = three_deliveries
    latest = folder / "latest.json"
    latest.write_text(second, encoding="utf-8")  # an old pointer put back: the newest is hidden
    assert verify_feed(folder, key) == (
        False,
        [
            "latest.json: names delivery 000002-2026-12-01, but the newest is 000003-2026-12-08 (stale or forged)"
        ],
    )
    pointer = json.loads(second) | {
        "delivery_id": "000003-2026-12-08",
        "manifest": "000003-2026-12-08/manifest.json",
        "watermark": "2026-12-08",
    }
    latest.write_text(json.dumps(pointer), encoding="utf-8")  # right name, another manifest's sha
    assert verify_feed(folder, key) == (
        False,
        [
            "latest.json: manifest_sha256 is not the sha256 of 000003-2026-12-08/manifest.json "
            "(the pointer or the manifest was altered)"
        ],
    )
    latest.unlink()
    assert verify_feed(folder, key) == (
        False,
        ["latest.json: missing (the newest delivery here is 000003-2026-12-08)"],
    )


# --- signing keys: ids, a key set, rotation -----------------------------------------------------


@pytest.fixture
def rotated(lake):
    """LIC_A delivered, the platform key rotated, LIC_A delivered again: (folder, keys, the
    retired key's public PEM, the retired and new key ids)."""
    keys = FeedKeys.for_run(lake.cfg())
    lake.warehouse(base_records())
    deliver(lake.cfg(), lake.registry(), "run-1", s3=None, keys=keys)
    old_public = keys.verification_key(A)
    old_id, new_id = keys.rotate()
    lake.warehouse(
        base_records() + [record("pen-new", "penalties", "administrative_penalty", "organisation", ORG2)]
    )
    deliver(lake.cfg(date(2026, 12, 1)), lake.registry(), "run-2", s3=None, keys=keys)
    return lake.cfg().feeds_root / A / LIC_A, keys, old_public, old_id, new_id


def _key_id(folder, delivery):
    return json.loads((folder / delivery / "manifest.json").read_text(encoding="utf-8"))["signature"][
        "key_id"
    ]


def test_deliveries_before_and_after_a_rotation_verify_with_the_key_set(rotated):
    folder, keys, old_public, old_id, new_id = rotated
    assert old_id != new_id
    assert _key_id(folder, "000001-2026-11-22") == old_id and _key_id(folder, "000002-2026-12-01") == new_id
    key_set = KeySet.load(keys.key_set_path)
    assert set(key_set.keys) == {old_id, new_id}
    assert verify_feed(folder, key_set) == (True, [])
    # one key alone verifies only what it signed, and says which key the other one names
    ok, problems = verify_feed(folder, old_public)
    assert not ok and problems == [
        "000002-2026-12-01: signature does not verify (the manifest was altered or signed with another "
        f"key): it names key {new_id}, the key given is {old_id} (a rotated key: verify with the key set)"
    ]
    assert verify_delivery(folder / "000002-2026-12-01", keys.verification_key(A)) == (True, [])
    assert not verify_delivery(folder / "000001-2026-11-22", keys.verification_key(A))[0]


def test_the_retired_private_key_is_gone_and_signs_nothing_more(rotated):
    folder, keys, old_public, old_id, new_id = rotated
    key_set = json.loads(keys.key_set_path.read_text(encoding="utf-8"))["keys"]
    retired, current = key_set
    assert (retired["kid"], current["kid"]) == (old_id, new_id)
    assert retired["valid_until"] == current["valid_from"] and current["valid_until"] is None
    assert sorted(p.name for p in keys.root.iterdir()) == [
        "keys.json",
        "platform-ed25519.pem",
        "platform-ed25519.pub.pem",
    ]
    assert (keys.root / "platform-ed25519.pub.pem").read_bytes() != old_public


def test_a_delivery_signed_by_a_key_not_in_the_key_set_or_after_its_retirement_fails(rotated, tmp_path):
    folder, keys, _, old_id, new_id = rotated
    entries = json.loads(keys.key_set_path.read_text(encoding="utf-8"))["keys"]
    only_new = tmp_path / "only-new.json"
    only_new.write_text(json.dumps({"keys": [e for e in entries if e["kid"] == new_id]}), encoding="utf-8")
    ok, problems = verify_feed(folder, KeySet.load(only_new))
    assert not ok and problems == [
        f"000001-2026-11-22: signed with key id '{old_id}', which is not in the key set {only_new}"
    ]
    # a key set saying the old key was retired before the first delivery was made
    early = tmp_path / "early.json"
    entries[0]["valid_until"] = "2020-01-01T00:00:00+08:00"
    early.write_text(json.dumps({"keys": entries}), encoding="utf-8")
    ok, problems = verify_delivery(folder / "000001-2026-11-22", KeySet.load(early))
    assert not ok and problems[0].endswith(
        f"with key {old_id}, which was retired at 2020-01-01T00:00:00+08:00"
    )


def test_a_key_set_listing_a_key_under_another_id_is_refused(rotated, tmp_path):
    _, keys, _, old_id, new_id = rotated
    entries = json.loads(keys.key_set_path.read_text(encoding="utf-8"))["keys"]
    entries[0]["kid"] = new_id
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({"keys": entries}), encoding="utf-8")
    with pytest.raises(
        ValueError, match=rf"{forged}: keys\[0\]: kid: '{new_id}' is not the id of its public key"
    ):
        KeySet.load(forged)


def test_rotate_key_and_verify_with_the_key_set_from_the_command_line(lake, capsys):
    from creditlake.cli import main

    lake.warehouse(base_records())
    deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    assert main(["feeds", "rotate-key", "--lake", str(lake.cfg().lake)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("retired  key ") and "signing  key " in out
    key_set = lake.cfg().lake / "keys" / "feeds" / "keys.json"
    lake.warehouse(base_records()[:-1])
    deliver(lake.cfg(date(2026, 12, 1)), lake.registry(), "run-2", s3=None)
    folder = lake.cfg().feeds_root / A / LIC_A
    assert main(["feeds", "verify", str(folder), "--key-set", str(key_set), "--institution", A]) == 0
    old_key = lake.cfg().lake / "keys" / "feeds" / "platform-ed25519.pub.pem"  # now the new key
    assert main(["feeds", "verify", str(folder), "--key", str(old_key)]) == 1
    assert "it names key" in capsys.readouterr().err
