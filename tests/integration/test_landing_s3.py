"""Landing from `s3://bucket/prefix` (moto's server over HTTP): objects land as files in a folder
do, each once by its bytes, verified on download, and move to the processed prefix only once
their fate is final."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pyarrow.parquet as pq
import pytest

from creditlake import cli, landing, pipeline, sources
from creditlake.settings import RunConfig
from creditlake.synthetic import PENALTY_HEADERS_ZH
from tests.conftest import AS_OF, PENALTY_ROW_ZH
from tests.integration.court_list import COURT_HEADER, ORGANISATION_ROW


def penalties_csv(*numbers: int) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=PENALTY_HEADERS_ZH, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(PENALTY_ROW_ZH | {"行政处罚决定书文号": f"长市监罚〔2026〕{n}号"} for n in numbers)
    return buf.getvalue().encode("utf-8")


def court_csv() -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([COURT_HEADER, ORGANISATION_ROW])
    return buf.getvalue().encode("utf-8")


def bundle(**members: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def bucket(s3_env):
    client = s3_env["client"]
    name = s3_env["CREDITLAKE_OPEN_S3_BUCKET"]

    class Bucket:
        def put(self, key: str, data: bytes, **extra) -> None:
            client.put_object(Bucket=name, Key=key, Body=data, **extra)

        def keys(self) -> list[str]:
            pages = client.get_paginator("list_objects_v2").paginate(Bucket=name)
            return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    b = Bucket()
    b.name, b.client = name, client
    return b


@pytest.fixture
def conf(bucket, tmp_path) -> dict:
    return RunConfig(landing=f"s3://{bucket.name}/landing", lake=tmp_path / "lake", as_of=AS_OF).to_conf()


def cycle(conf: dict) -> list[dict]:
    """discover -> land -> validate_raw, as the DAG runs them (without Airflow)."""
    return pipeline.validate_raw(conf, [pipeline.land(conf, f) for f in pipeline.discover(conf)])


def raw_rows(conf: dict, dataset: str = "penalties") -> list[dict]:
    cfg = RunConfig.from_conf(conf)
    parts = [p for p in (cfg.raw_root / dataset).glob("*.parquet") if not p.name.startswith("_schema")]
    return [row for p in sorted(parts) for row in pq.read_table(p).to_pylist()]


def ledger(conf: dict) -> list[dict]:
    path = RunConfig.from_conf(conf).ledger
    return (
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    )


def test_objects_land_as_from_a_folder_then_move_to_the_processed_prefix(bucket, conf, tmp_path):
    bucket.put("landing/penalties/p.csv", penalties_csv(1, 2))
    bucket.put("landing/penalties/.hidden.csv", penalties_csv(9))  # not an extract, as in a folder
    bucket.put("landing/penalties/old/deeper.csv", penalties_csv(8))  # not in the folder itself
    bucket.put("landing/court_dishonest/court.csv", court_csv())
    bucket.put("landing/penalties/bundle.zip", bundle(**{"m.csv": penalties_csv(3)}))

    files = pipeline.discover(conf)
    assert json.loads(json.dumps(files)) == files  # XCom-able
    assert sorted(f["s3_key"] for f in files) == [
        "landing/court_dishonest/court.csv",
        "landing/penalties/bundle.zip",
        "landing/penalties/p.csv",
    ]
    results = pipeline.validate_raw(conf, [pipeline.land(conf, f) for f in files])
    by_name = {r["path"].rsplit("/", 1)[-1]: r for r in results}
    assert {n: (r["status"], r["loaded"]) for n, r in by_name.items()} == {
        "court.csv": ("landed", 1),
        "bundle.zip!m.csv": ("landed", 1),
        "p.csv": ("landed", 2),
    }
    # the lineage names the object, not the local copy
    rows = raw_rows(conf)
    assert {r["_source_file"] for r in rows} == {
        f"s3://{bucket.name}/landing/penalties/p.csv",
        f"s3://{bucket.name}/landing/penalties/bundle.zip!m.csv",
    }
    assert len(raw_rows(conf, "court_dishonest")) == 1

    # the same bytes from a folder land the same
    folder = tmp_path / "folder"
    (folder / "penalties").mkdir(parents=True)
    (folder / "penalties" / "p.csv").write_bytes(penalties_csv(1, 2))
    local = RunConfig(landing=folder, lake=tmp_path / "folder-lake", as_of=AS_OF).to_conf()
    (from_folder,) = cycle(local)
    keys = ("status", "sha256", "batch_id", "rows_in", "loaded", "quarantined", "excluded", "received_at")
    assert {k: from_folder[k] for k in keys} == {k: by_name["p.csv"][k] for k in keys}

    # moved: the next discover finds nothing, the objects are under the processed prefix
    assert by_name["p.csv"]["moved_to"] == f"s3://{bucket.name}/landing/_processed/penalties/p.csv"
    assert pipeline.discover(conf) == []
    assert bucket.keys() == [
        "landing/_processed/court_dishonest/court.csv",
        "landing/_processed/penalties/bundle.zip",
        "landing/_processed/penalties/p.csv",
        "landing/penalties/.hidden.csv",
        "landing/penalties/old/deeper.csv",
    ]
    assert not any(p.is_file() for p in RunConfig.from_conf(conf).incoming_root.rglob("*"))


def test_the_same_bytes_under_another_key_are_moved_but_not_landed_twice(bucket, conf):
    bucket.put("landing/penalties/p.csv", penalties_csv(1, 2))
    (first,) = cycle(conf)
    assert first["status"] == "landed"

    bucket.put("landing/penalties/resent.csv", penalties_csv(1, 2))  # the provider sends it again
    bucket.put("landing/penalties/p.csv", penalties_csv(1, 2))  # and under its first name
    again = cycle(conf)
    assert [r["status"] for r in again] == ["already_landed", "already_landed"]
    assert all(first["batch_id"] in r["reason"] for r in again)
    assert len(raw_rows(conf)) == 2 and len(ledger(conf)) == 1
    assert pipeline.discover(conf) == []
    # nothing in the processed prefix is overwritten: the same object again is the same object
    assert bucket.keys() == ["landing/_processed/penalties/p.csv", "landing/_processed/penalties/resent.csv"]


def test_the_same_bytes_under_two_keys_in_one_run_land_once(bucket, conf):
    bucket.put("landing/penalties/a.csv", penalties_csv(1, 2))
    bucket.put("landing/penalties/b.csv", penalties_csv(1, 2))
    results = cycle(conf)
    assert [r["status"] for r in results] == ["landed", "already_landed"]
    assert "landing/penalties/a.csv" in results[1]["reason"]
    assert len(raw_rows(conf)) == 2 and len(ledger(conf)) == 1
    assert bucket.keys() == ["landing/_processed/penalties/a.csv", "landing/_processed/penalties/b.csv"]


def test_a_processed_object_with_other_bytes_is_not_overwritten(bucket, conf):
    bucket.put("landing/penalties/p.csv", penalties_csv(1))
    cycle(conf)
    bucket.put("landing/penalties/p.csv", penalties_csv(2))  # next month's extract, same name
    (second,) = cycle(conf)
    assert second["status"] == "landed" and len(raw_rows(conf)) == 2
    processed = [k for k in bucket.keys() if k.startswith("landing/_processed/")]
    assert len(processed) == 2 and "landing/_processed/penalties/p.csv" in processed
    (renamed,) = set(processed) - {"landing/_processed/penalties/p.csv"}
    assert second["moved_to"] == f"s3://{bucket.name}/{renamed}"


def test_a_processed_prefix_can_be_configured(bucket, conf, monkeypatch):
    monkeypatch.setenv("CREDITLAKE_S3_PROCESSED_PREFIX", "archive/landed/")
    bucket.put("landing/penalties/p.csv", penalties_csv(1))
    cycle(conf)
    assert bucket.keys() == ["archive/landed/penalties/p.csv"]


@pytest.mark.parametrize(
    "algorithm, told",
    [("SHA256", "SHA256"), ("CRC32", "CRC32"), (None, "ETag")],  # None: an upload without a checksum
)
def test_a_tampered_download_is_refused_naming_the_key_and_the_object_stays(
    bucket, conf, monkeypatch, algorithm, told
):
    import boto3
    from botocore.config import Config

    # an older client (or another tool) uploads without a checksum: the ETag's MD5 is checked
    plain = Config(request_checksum_calculation="when_required")
    uploader = boto3.client("s3", endpoint_url=bucket.client.meta.endpoint_url, config=plain)
    extra = {"ChecksumAlgorithm": algorithm} if algorithm else {}
    uploader.put_object(Bucket=bucket.name, Key="landing/penalties/p.csv", Body=penalties_csv(1, 2), **extra)
    head = bucket.client.head_object(
        Bucket=bucket.name, Key="landing/penalties/p.csv", ChecksumMode="ENABLED"
    )
    assert bool(head.get(f"Checksum{algorithm}")) if algorithm else "ChecksumCRC32" not in head
    original = sources.read_chunks

    def tampered(body):
        for i, chunk in enumerate(original(body)):
            yield bytes([chunk[0] ^ 1]) + chunk[1:] if i == 0 else chunk

    monkeypatch.setattr(sources, "read_chunks", tampered)
    (result,) = cycle(conf)
    assert result["status"] == "fetch_failed" and result["loaded"] == 0
    assert f"s3://{bucket.name}/landing/penalties/p.csv" in result["reason"]
    assert told in result["reason"]
    assert "left where it is" in result["reason"] and "moved_to" not in result
    assert bucket.keys() == ["landing/penalties/p.csv"]  # not moved
    assert ledger(conf) == [] and raw_rows(conf) == []
    assert not list(RunConfig.from_conf(conf).incoming_root.rglob("*.csv"))  # no bad copy kept

    monkeypatch.setattr(sources, "read_chunks", original)  # the next run's download is sound
    (result,) = cycle(conf)
    assert (result["status"], result["loaded"]) == ("landed", 2)
    assert bucket.keys() == ["landing/_processed/penalties/p.csv"]


def test_a_run_that_fails_before_its_gate_leaves_the_objects_and_its_rerun_lands_them_once(
    bucket, conf, monkeypatch
):
    bucket.put("landing/penalties/p.csv", penalties_csv(1, 2))
    landed = [pipeline.land(conf, f) for f in pipeline.discover(conf)]
    assert [r["status"] for r in landed] == ["landed"]
    # ... and the run stops here (validate_raw never runs): nothing moved, nothing in the ledger
    assert bucket.keys() == ["landing/penalties/p.csv"] and ledger(conf) == []

    # the rerun stops after the ledger, before the move
    def crash(cfg, final):
        raise RuntimeError("the worker died")

    move_processed = sources.move_processed
    monkeypatch.setattr(sources, "move_processed", crash)
    with pytest.raises(RuntimeError):
        cycle(conf)
    assert bucket.keys() == ["landing/penalties/p.csv"] and len(raw_rows(conf)) == 2
    monkeypatch.setattr(sources, "move_processed", move_processed)

    (again,) = cycle(conf)  # the third run: the ledger knows the bytes, the object is moved
    assert again["status"] == "already_landed"
    assert len(raw_rows(conf)) == 2 and len(ledger(conf)) == 1
    assert bucket.keys() == ["landing/_processed/penalties/p.csv"]


def test_a_missing_bucket_or_refused_credentials_name_the_uri(bucket, conf, tmp_path, monkeypatch, capsys):
    missing = conf | {"landing": "s3://no-such-bucket-creditlake/landing"}
    with pytest.raises(sources.SourceError, match="s3://no-such-bucket-creditlake/landing.*does not exist"):
        pipeline.discover(missing)

    args = ["run", "--landing", "s3://no-such-bucket-creditlake/landing", "--lake", str(tmp_path / "l")]
    assert cli.main([*args, "--as-of", AS_OF.isoformat()]) == 2  # before Airflow starts
    assert "s3://no-such-bucket-creditlake/landing" in capsys.readouterr().err

    # credentials the bucket refuses
    from botocore.stub import Stubber

    client = sources.s3_client()
    stub = Stubber(client)
    stub.add_client_error("list_objects_v2", service_error_code="AccessDenied", http_status_code=403)
    monkeypatch.setattr(sources, "s3_client", lambda: client)
    with stub, pytest.raises(sources.SourceError, match=rf"s3://{bucket.name}/landing: access denied"):
        pipeline.discover(conf)


def test_the_cli_and_the_conf_keep_the_uri_unchanged(bucket):
    uri = f"s3://{bucket.name}/landing/"
    args = cli.parser().parse_args(["run", "--landing", uri, "--lake", "lake"])
    assert args.landing == uri
    cfg = RunConfig(landing=args.landing, lake=args.lake.resolve(), as_of=AS_OF)
    assert RunConfig.from_conf(cfg.to_conf()).landing == uri and cfg.landing_in_s3
    assert not RunConfig(landing=landing.Path("x"), lake=args.lake, as_of=AS_OF).landing_in_s3
