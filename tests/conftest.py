"""Shared fixtures: generated extracts, a real S3 API (moto's server on loopback), the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from creditlake.settings import PROJECT_ROOT, RunConfig

AS_OF = date(2026, 11, 22)
CREDITLAKE = str(Path(sys.executable).parent / "creditlake")


@pytest.fixture
def cfg(tmp_path) -> RunConfig:
    return RunConfig(landing=tmp_path / "landing", lake=tmp_path / "lake", as_of=AS_OF)


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server over HTTP on 127.0.0.1, talked to through boto3 like real storage."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(s3_server, monkeypatch):
    """Credentials and endpoint for moto, and a fresh bucket for open data."""
    import uuid

    import boto3

    bucket = f"open-{uuid.uuid4().hex[:12]}"
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "cn-north-1",
        "CREDITLAKE_S3_ENDPOINT_URL": s3_server,
        "CREDITLAKE_OPEN_S3_BUCKET": bucket,
        "CREDITLAKE_OPEN_S3_PREFIX": "open-data",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    client = boto3.client("s3", endpoint_url=s3_server, region_name="cn-north-1")
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
    return env | {"client": client}


def run_cli(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    import os

    proc = subprocess.run(
        [CREDITLAKE, *args], capture_output=True, text=True, cwd=PROJECT_ROOT,
        env=(os.environ | (env or {})), check=False,
    )  # fmt: skip
    if check and proc.returncode != 0:
        raise AssertionError(
            f"creditlake {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def read_summary(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def open_text(open_root: Path) -> str:
    """Everything under open_root a reader could download, as text (Parquet as CSV)."""
    import pandas as pd

    parts = []
    for path in sorted(open_root.rglob("*")):
        if path.suffix == ".parquet":
            parts.append(pd.read_parquet(path).to_csv())
        elif path.is_file():
            parts.append(path.read_text(encoding="utf-8-sig"))
    return "\n".join(parts)
