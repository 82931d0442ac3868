"""Push deliveries to S3 (moto's server over HTTP): one prefix per institution, and nothing
the platform writes, signs or grants reaches across to another institution's prefix."""

import json
import uuid

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from creditlake.settings import S3Target
from publishing.feeds import FeedKeys, deliver, institution_policy, presign_download, verify_delivery
from tests.feeds.conftest import LIC_A, LIC_B, A, B, C, base_records

REGION = "cn-north-1"


@pytest.fixture
def feeds_bucket(s3_server, monkeypatch, lake):
    bucket = f"feeds-{uuid.uuid4().hex[:12]}"
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "CREDITLAKE_S3_ENDPOINT_URL": s3_server,
        "CREDITLAKE_FEEDS_S3_BUCKET": bucket,
        "CREDITLAKE_FEEDS_S3_PREFIX": "feeds",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    client = boto3.client("s3", endpoint_url=s3_server, region_name=REGION)
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    lake.edit("licences.yml", "licences", {"id": LIC_B}, delivery="both")  # B is pushed to as well
    lake.warehouse(base_records())
    results = {r["licence"]: r for r in deliver(lake.cfg(), lake.registry(), "run-1")}
    return {
        "client": client,
        "bucket": bucket,
        "server": s3_server,
        "results": results,
        "target": S3Target.from_env("FEEDS"),
    }


def keys_in(client, bucket, prefix=""):
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def test_each_institutions_delivery_lands_under_its_own_prefix_only(feeds_bucket, lake, tmp_path):
    client, bucket, results = feeds_bucket["client"], feeds_bucket["bucket"], feeds_bucket["results"]
    a_keys, b_keys = results[LIC_A]["s3_keys"], results[LIC_B]["s3_keys"]
    assert a_keys and all(k.startswith(f"feeds/{A}/{LIC_A}/") for k in a_keys)
    assert b_keys and all(k.startswith(f"feeds/{B}/{LIC_B}/") for k in b_keys)
    assert keys_in(client, bucket) == sorted(a_keys + b_keys)  # nothing else: no state, no C
    assert keys_in(client, bucket, f"feeds/{C}/") == []
    assert not any("_state" in k for k in a_keys + b_keys)
    assert a_keys[-1] == f"feeds/{A}/{LIC_A}/latest.json"  # the pointer moves last
    # what A downloads is exactly what was delivered, and verifies on A's side
    local = lake.cfg().feeds_root
    download = tmp_path / "a-download"
    for key in a_keys:
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        relative = key.removeprefix("feeds/")
        assert body == (local / relative).read_bytes()
        (download / relative).parent.mkdir(parents=True, exist_ok=True)
        (download / relative).write_bytes(body)
    delivery = download / A / LIC_A / results[LIC_A]["delivery_id"]
    assert verify_delivery(delivery, FeedKeys.for_run(lake.cfg()).verification_key(A), institution=A) == (
        True,
        [],
    )


def test_presigned_urls_are_only_ever_signed_for_the_institutions_own_keys(feeds_bucket):
    target, results = feeds_bucket["target"], feeds_bucket["results"]
    a_manifest = next(k for k in results[LIC_A]["s3_keys"] if k.endswith("manifest.json"))
    b_manifest = next(k for k in results[LIC_B]["s3_keys"] if k.endswith("manifest.json"))
    url = presign_download(target, A, a_manifest, expires_in=300)
    assert f"/feeds/{A}/" in url.split("?")[0]
    response = requests.get(url, timeout=10)
    assert response.status_code == 200 and json.loads(response.content)["institution"]["uscc"] == A
    for foreign in (b_manifest, f"feeds/{A}/../{B}/{LIC_B}/latest.json", f"feeds/{A}", "feeds//x", B):
        with pytest.raises(PermissionError):
            presign_download(target, A, foreign)


def test_credentials_under_an_institutions_policy_cannot_read_another_prefix(feeds_bucket):
    """moto enforces IAM only when told to: switch it on for this test (and back off after)."""
    server, bucket, target, results = (feeds_bucket[k] for k in ("server", "bucket", "target", "results"))
    policy_a = institution_policy(target, A)
    assert policy_a["Statement"][0]["Resource"] == [f"arn:aws-cn:s3:::{bucket}/feeds/{A}/*"]
    iam = boto3.client("iam", endpoint_url=server, region_name=REGION)
    clients = {}
    for who in (A, B):
        user = f"feed-reader-{who}-{uuid.uuid4().hex[:6]}"
        iam.create_user(UserName=user)
        iam.put_user_policy(
            UserName=user, PolicyName="own-prefix", PolicyDocument=json.dumps(institution_policy(target, who))
        )
        key = iam.create_access_key(UserName=user)["AccessKey"]
        clients[who] = boto3.client(
            "s3",
            endpoint_url=server,
            region_name=REGION,
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )
    a_key, b_key = results[LIC_A]["s3_keys"][0], results[LIC_B]["s3_keys"][0]
    previous = requests.post(f"{server}/moto-api/reset-auth", data=b"0", timeout=10).json()
    try:
        assert clients[A].get_object(Bucket=bucket, Key=a_key)["Body"].read()
        assert clients[B].get_object(Bucket=bucket, Key=b_key)["Body"].read()
        for reader, other in ((A, b_key), (B, a_key)):
            with pytest.raises(ClientError) as err:
                clients[reader].get_object(Bucket=bucket, Key=other)
            assert err.value.response["Error"]["Code"] == "AccessDenied"
    finally:
        requests.post(
            f"{server}/moto-api/reset-auth",
            data=str(previous["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]).encode(),
            timeout=10,
        )


@pytest.mark.parametrize(
    ("region", "partition"),
    [("cn-north-1", "aws-cn"), ("cn-northwest-1", "aws-cn"), ("us-east-1", "aws"), ("", "aws")],
)
def test_the_policy_s_partition_follows_the_region(monkeypatch, region, partition):
    """China regions are the aws-cn partition: a policy naming `arn:aws:` there grants nothing."""
    from creditlake.settings import S3Target

    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    policy = institution_policy(S3Target("feeds-bucket", "feeds", None), A)
    assert policy["Statement"][0]["Resource"] == [f"arn:{partition}:s3:::feeds-bucket/feeds/{A}/*"]
