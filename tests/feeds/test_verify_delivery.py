"""What an institution's `feeds verify` reports for each way a delivery's files can be wrong."""

import json

import pytest

from publishing.feeds import FeedKeys, deliver, verify_delivery
from tests.feeds.conftest import LIC_A, A, base_records


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
