"""Shared fixtures: generated extracts, a real S3 API (moto's server on loopback), the CLI."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from creditlake.settings import PROJECT_ROOT, RunConfig

AS_OF = date(2026, 11, 22)
CREDITLAKE = str(Path(sys.executable).parent / "creditlake")

# One penalty as an agency's extract gives it, under the Chinese headers (hand-written: an
# organisation, a warning, a date written the Chinese way)
PENALTY_ROW_ZH = {
    "行政相对人名称": "长春市金源商贸有限公司",
    "行政相对人类别": "法人及非法人组织",
    "统一社会信用代码": "91220104MA0Y123404",
    "法定代表人": "王伟",
    "行政处罚决定书文号": "长市监罚〔2026〕1号",
    "违法事实": "未按规定公示年度报告",
    "处罚类别": "警告",
    "处罚决定日期": "2026年5月1日",
    "处罚机关": "长春市市场监督管理局",
    "数据来源单位": "长春市市场监督管理局",
    "案件程序类别": "02",
}


def pytest_collection_modifyitems(config, items):
    """Under `--dist loadgroup` (make test): a file whose tests share a module-scoped fixture goes
    whole to one worker, so the fixture (a DAG run, a built lake) runs once; every other test
    goes to whichever worker is free, so no long file keeps one worker busy at the end.

    xdist groups by a suffix on the node id (`test_x@group`), which xdist 3.8 writes to
    `item._nodeid`; pytest 9.2 keeps the id in `item._id`, so the suffix is written here: without
    it each worker ran its own copy of every module fixture."""
    grouping = getattr(config.option, "loadgroup", False)  # set on xdist's workers, where items are collected
    for item in items:
        scopes = {defs[-1].scope for defs in item._fixtureinfo.name2fixturedefs.values()}
        if scopes & {"module", "package", "class"}:
            group = item.nodeid.split("::")[0]
            item.add_marker(pytest.mark.xdist_group(group))
            if grouping and hasattr(item, "_id") and "@" not in item.nodeid:
                item._id = type(item._id).parse(f"{item.nodeid}@{group}")


def pytest_configure(config):
    """Under pytest-xdist (`make test` runs two workers), each worker runs its DAG runs on an
    Airflow home of its own: two `airflow dags test` on one SQLite database lock each other."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and "CREDITLAKE_AIRFLOW_HOME" not in os.environ:
        os.environ["CREDITLAKE_AIRFLOW_HOME"] = str(PROJECT_ROOT / ".airflow" / f"pytest-{worker}")


@pytest.fixture(scope="session", autouse=True)
def dbt_forked():
    """Every `warehouse.dbt` of the tests runs in a child forked from the test process, with dbt
    imported once per worker: the product's command line, environment and vars, in a process of
    its own that ends with the build (and its DuckDB connection with it), without starting an
    interpreter and importing dbt (1.5 s) for each of the hundred builds the tests make. The DAG
    runs (tests/e2e) still start dbt as the product does."""
    from creditlake import warehouse

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(warehouse, "dbt", _forked_dbt)
        yield


def _forked_dbt(cfg: RunConfig, *args: str) -> subprocess.CompletedProcess:
    from dbt.cli.main import dbtRunner

    from creditlake.warehouse import dbt_command

    _warm_dbt()
    command, env = dbt_command(cfg, *args)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: dbt's own command line, its output to the pipe, then exit
        code = 2
        try:
            os.close(read)
            sys.stdout = sys.stderr = open(write, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            os.environ.clear()
            os.environ.update(env)
            result = dbtRunner().invoke(command[1:])
            code = 0 if result.success else 2 if result.exception else 1
            if result.exception:
                print(f"dbt: {type(result.exception).__name__}: {result.exception}")
        finally:
            sys.stdout.flush()
            os._exit(code)
    os.close(write)
    with open(read, encoding="utf-8", errors="replace") as pipe:
        output = pipe.read()
    _, status = os.waitpid(pid, 0)
    return subprocess.CompletedProcess(command, os.waitstatus_to_exitcode(status), output, "")


@functools.cache
def _warm_dbt() -> None:
    """Parse the project once in the worker itself, on a lake of its own, so that every forked
    child starts with what dbt builds on its first parse in a process: measured, a build of
    tests/law takes 2.0 s instead of 3.3 s. A parse opens no DuckDB connection; the static
    parser is off here because its Rust thread pool would not survive the fork (the child
    waits on the pool's threads forever), and the children still use it."""
    import tempfile

    from dbt.cli.main import dbtRunner

    from creditlake.warehouse import dbt_command

    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="dbt-warm-") as folder:
        lake = Path(folder)
        command, env = dbt_command(
            RunConfig(landing=lake, lake=lake, as_of=AS_OF), "parse", "--quiet", "--no-static-parser"
        )
        try:
            os.environ.update(env)
            dbtRunner().invoke(command[1:])
        finally:
            os.environ.clear()
            os.environ.update(saved)


@pytest.fixture(autouse=True)
def audit_key_file(tmp_path_factory, monkeypatch) -> Path:
    """Each test's audit key, outside its lake and log (as `CREDITLAKE_AUDIT_KEY_FILE` would be),
    for every test: a cycle that delivers feeds writes the access log, and no test may create
    or share the operator's default key (~/.config/creditlake/audit.key)."""
    path = tmp_path_factory.mktemp("audit-key") / "audit.key"
    monkeypatch.setenv("CREDITLAKE_AUDIT_KEY_FILE", str(path))
    return path


@pytest.fixture
def cfg(tmp_path) -> RunConfig:
    return RunConfig(landing=tmp_path / "landing", lake=tmp_path / "lake", as_of=AS_OF)


@pytest.fixture
def profile_with(tmp_path, monkeypatch):
    """A jurisdiction profile that is `base` with some settings changed, found by name through
    CREDITLAKE_PROFILES as an operator's own profile would be: `profile_with({"deadlines.
    objection_mark": 2}, base="hl-2022")`. Each key is a `rule_keys` path; the profile-key
    coverage test (tests/law/test_profile_keys.py) reads these calls to know which settings
    have a test that changes them."""
    import copy

    import yaml

    from creditlake.jurisdiction import load_profile

    folder = tmp_path / "profiles"
    folder.mkdir(exist_ok=True)
    monkeypatch.setenv("CREDITLAKE_PROFILES", str(folder))
    made = []

    def make(changes: dict, base: str = "national") -> str:
        rules = copy.deepcopy(load_profile(base).rules)
        for key, value in changes.items():
            _set_rule(rules, key, value)
        name = f"{base}-variant-{len(made)}"
        tops = {key.split(".")[0] for key in changes}
        own = {"name": name, "title": f"{base} with {', '.join(changes)} changed", "inherits": base}
        (folder / f"{name}.yml").write_text(
            yaml.safe_dump(own | {t: rules[t] for t in tops}, allow_unicode=True), encoding="utf-8"
        )
        made.append(name)
        return name

    yield make
    load_profile.cache_clear()


def _set_rule(rules: dict, key: str, value) -> None:
    """Set one `rule_keys` path: the rule's value, or one field of it; a mapping with a
    `value` ({"value": 2, "unit": "years"}) replaces the rule's fields."""
    *parents, last = key.split(".")
    node = rules
    for part in parents:
        node = node[part] if part in node else node["value"][part]
    if isinstance(value, dict) and "value" in value:
        node[last] = {k: v for k, v in node[last].items() if k not in ("value", "unit")} | value
    elif last in node and isinstance(node[last], dict) and "value" in node[last]:
        node[last]["value"] = value
    elif last in node:
        node[last] = value
    else:
        node["value"][last] = value


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


def run_cli(
    *args: str, env: dict | None = None, check: bool = True, program: str = "creditlake"
) -> subprocess.CompletedProcess:
    """A command of the venv (`creditlake` unless named), as a person types it."""
    proc = subprocess.run(
        [str(Path(sys.executable).parent / program), *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=(os.environ | (env or {})),
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{program} {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
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
