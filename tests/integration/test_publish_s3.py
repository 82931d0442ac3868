"""Publishing through boto3 to a real S3 API: moto's server over HTTP on loopback."""

import hashlib
import json
from pathlib import Path

import pandas as pd

from publishing import open_data


def staged_version(cfg, rows=3, version="v1"):
    folder = cfg.staging_root / "run1" / "penalties" / version
    frame = pd.DataFrame({"record_id": [f"r{i}" for i in range(rows)], "subject_name": ["甲公司"] * rows})
    open_data.write_version(folder, "penalties", version, "2026-11-22", frame, {c: {} for c in frame.columns})
    known = folder.parent.parent / "_known_people.json"
    known.write_text(json.dumps({"people": [], "organisations": []}), encoding="utf-8")
    # as the publish gate passed it
    return [
        {
            "dataset": "penalties",
            "version": version,
            "folder": str(folder),
            "rows": rows,
            "success": True,
            "withheld_rows": 0,
            "known_people": str(known),
        }
    ]


def test_release_mirrors_every_file_to_s3_and_moves_latest_last(cfg, s3_env):
    released = open_data.release(cfg, staged_version(cfg))
    client, bucket = s3_env["client"], s3_env["CREDITLAKE_OPEN_S3_BUCKET"]
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    local = [
        "open-data/" + p.relative_to(cfg.open_root).as_posix()
        for p in cfg.open_root.rglob("*")
        if p.is_file()
    ]
    assert sorted(keys) == sorted(local)
    assert {
        "open-data/penalties/v1/penalties.parquet",
        "open-data/penalties/latest.json",
        "open-data/index.html",
    } <= set(keys)
    # the version's files first, then its pointer, then the portal that links to it
    order = released[0]["s3_keys"]
    assert order.index("open-data/penalties/latest.json") > order.index(
        "open-data/penalties/v1/penalties.parquet"
    )
    latest = json.loads(
        client.get_object(Bucket=bucket, Key="open-data/penalties/latest.json")["Body"].read()
    )
    assert latest["version"] == "v1" and latest["rows"] == 3
    body = client.get_object(Bucket=bucket, Key="open-data/penalties/v1/penalties.csv")["Body"].read()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, so Excel opens it
    local = cfg.open_root / "penalties" / "v1" / "penalties.csv"
    assert local.read_bytes() == body
    # a static website serves each object as what it is; files named by their hash are cached for ever
    page = client.head_object(Bucket=bucket, Key="open-data/index.html")
    assert (page["ContentType"], page["CacheControl"]) == ("text/html; charset=utf-8", "no-cache")
    script = next(k for k in keys if k.startswith("open-data/portal/app."))
    assert (
        client.head_object(Bucket=bucket, Key=script)["CacheControl"] == "public, max-age=31536000, immutable"
    )


def test_versions_past_retention_and_unused_index_files_leave_s3_too(cfg, s3_env, monkeypatch):
    """With one version kept, the second release deletes the first version's objects, and the
    index files no kept portal build uses: the bucket holds what the open root holds."""
    monkeypatch.setenv("CREDITLAKE_OPEN_VERSIONS_KEPT", "1")
    client, bucket = s3_env["client"], s3_env["CREDITLAKE_OPEN_S3_BUCKET"]
    for rows, version in ((3, "v1"), (4, "v2"), (5, "v3")):
        open_data.release(cfg, staged_version(cfg, rows, version))
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"])
    local = sorted(
        "open-data/" + p.relative_to(cfg.open_root).as_posix()
        for p in cfg.open_root.rglob("*")
        if p.is_file()
    )
    assert keys == local
    assert (
        not any("/v1/" in k or "/v2/" in k for k in keys) and "open-data/penalties/v3/penalties.csv" in keys
    )


def test_without_bucket_publishing_stays_local(cfg, monkeypatch):
    monkeypatch.delenv("CREDITLAKE_OPEN_S3_BUCKET", raising=False)
    released = open_data.release(cfg, staged_version(cfg))
    assert released[0]["s3_keys"] == []
    assert (cfg.open_root / "penalties" / "latest.json").exists()


def test_a_published_version_is_never_overwritten(cfg, monkeypatch):
    monkeypatch.delenv("CREDITLAKE_OPEN_S3_BUCKET", raising=False)
    open_data.release(cfg, staged_version(cfg, rows=3))
    before = (cfg.open_root / "penalties" / "v1" / "penalties.parquet").read_bytes()
    open_data.release(cfg, staged_version(cfg, rows=5))
    assert (cfg.open_root / "penalties" / "v1" / "penalties.parquet").read_bytes() == before


def test_a_retried_check_leaves_every_published_file_as_it_was(cfg, monkeypatch):
    """The published version shares its files with the staged one (linked, not copied): the
    check writing that staged version again, with other rows, changes no published byte, and
    the version's files stay the ones whose sha256 its pointer gives."""
    monkeypatch.delenv("CREDITLAKE_OPEN_S3_BUCKET", raising=False)
    staged = staged_version(cfg, rows=3)
    open_data.release(cfg, staged)
    published = cfg.open_root / "penalties" / "v1"
    before = {p.name: p.read_bytes() for p in published.iterdir()}
    frame = pd.DataFrame({"record_id": ["r9"], "subject_name": ["乙公司"]})
    columns = {c: {} for c in frame.columns}
    open_data.write_version(Path(staged[0]["folder"]), "penalties", "v1", "2026-11-23", frame, columns)
    assert {p.name: p.read_bytes() for p in published.iterdir()} == before
    pointer = json.loads((cfg.open_root / "penalties" / "latest.json").read_text(encoding="utf-8"))
    for entry in pointer["files"]:
        assert hashlib.sha256((cfg.open_root / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    assert pd.read_parquet(Path(staged[0]["folder"]) / "penalties.parquet")["record_id"].tolist() == ["r9"]
