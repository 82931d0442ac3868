"""The deployment files under infra/ say what production needs, and agree with the project.

Docker cannot run on the development machines, so these tests read the files: every YAML
parses, the compose file runs Airflow 3 on PostgreSQL with a distributed executor and
publishes to a domestic object store, the image is built from uv.lock with the DAGs and
the dbt project in it, the Airflow version is the one pyproject.toml pins, the DuckDB
warehouse tasks land on a one-slot pool, and no file carries a secret.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shlex
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
COMPOSE = INFRA / "compose" / "docker-compose.yml"
ENV_EXAMPLE = INFRA / "compose" / ".env.example"
DOCKERFILE = INFRA / "docker" / "Dockerfile"
DOCKERIGNORE = INFRA / "docker" / "Dockerfile.dockerignore"
REQUIREMENTS_PROD = INFRA / "docker" / "requirements-prod.txt"
HELM_VALUES = INFRA / "helm" / "values.yaml"
LAKE_PVC = INFRA / "helm" / "lake-pvc.yaml"
POOLS = INFRA / "airflow" / "pools.json"
LOCAL_SETTINGS = INFRA / "airflow" / "airflow_local_settings.py"
CELERY_CONFIG = INFRA / "airflow" / "creditlake_celery_config.py"
DAG_FILE = ROOT / "dags" / "credit_cycle.py"

DISTRIBUTED_EXECUTORS = {"CeleryExecutor", "KubernetesExecutor"}
AIRFLOW_COMPONENTS = {
    "airflow-apiserver": ["airflow", "api-server"],
    "airflow-scheduler": ["airflow", "scheduler"],
    "airflow-dag-processor": ["airflow", "dag-processor"],
    "airflow-triggerer": ["airflow", "triggerer"],
    "airflow-worker": ["airflow", "celery", "worker"],
}
REQUIRED_SERVICES = {"postgres", "redis", "minio", "minio-init", "airflow-init", *AIRFLOW_COMPONENTS}
SECRET_ENV_KEY = re.compile(r"PASSWORD|SECRET|FERNET|JWT|ACCESS_KEY|REDISCLI_AUTH")
REQUIRED_VAR = re.compile(r"\$\{([A-Z0-9_]+):\?[^}]*\}")


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
def norm(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@cache
def helm() -> dict:
    return yaml.safe_load(HELM_VALUES.read_text(encoding="utf-8"))


@cache
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def pinned_airflow_version() -> str:
    pins = [d for d in pyproject()["project"]["dependencies"] if re.match(r"apache-airflow\s*==", d)]
    assert len(pins) == 1, f"pyproject.toml must pin apache-airflow== exactly once, found {pins}"
    return pins[0].split("==", 1)[1].split(";")[0].strip()


def airflow_services() -> dict[str, dict]:
    """Services that run the creditlake image as an Airflow component (they carry the executor)."""
    return {
        name: svc
        for name, svc in compose()["services"].items()
        if "AIRFLOW__CORE__EXECUTOR" in (svc.get("environment") or {})
    }


def command_list(svc: dict) -> list[str]:
    cmd = svc.get("command")
    return shlex.split(cmd) if isinstance(cmd, str) else list(cmd or [])


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    lines, current = [], ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if not current and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        if raw.rstrip().endswith("\\"):
            current += raw.rstrip()[:-1] + " "
            continue
        current += raw
        lines.append(current)
        current = ""
    out = []
    for line in lines:
        word, _, rest = line.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def dockerfile_args() -> dict[str, str]:
    args = {}
    for inst, rest in dockerfile_instructions():
        if inst == "ARG" and "=" in rest:
            key, _, value = rest.partition("=")
            args.setdefault(key.strip(), value.strip().strip('"'))
    return args


def dockerfile_copies() -> list[list[str]]:
    """The arguments of every COPY that reads the build context (not --from=another stage)."""
    copies = []
    for inst, rest in dockerfile_instructions():
        if inst == "COPY":
            parts = [
                p for p in shlex.split(rest) if not p.startswith("--chown") and not p.startswith("--chmod")
            ]
            if not any(p.startswith("--from") for p in parts):
                copies.append(parts)
    return copies


def dockerfile_env() -> dict[str, str]:
    env = {}
    for inst, rest in dockerfile_instructions():
        if inst == "ENV":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                env[key] = value
    return env


def project_workdir() -> str:
    """The WORKDIR the project is copied into (the build stage's first WORKDIR)."""
    return next(rest for inst, rest in dockerfile_instructions() if inst == "WORKDIR")


@cache
def lock_runtime_closure() -> frozenset[str]:
    """Distributions `uv sync --frozen --no-dev` installs: creditlake's dependencies, transitively."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    packages = {norm(p["name"]): p for p in lock["package"]}
    todo = [(d["name"], tuple(d.get("extra", []))) for d in packages["creditlake"]["dependencies"]]
    seen: set[tuple[str, tuple]] = set()
    while todo:
        name, extras = todo.pop()
        key = (norm(name), extras)
        if key in seen:
            continue
        seen.add(key)
        package = packages[key[0]]
        deps = list(package.get("dependencies", []))
        for extra in extras:
            deps += package.get("optional-dependencies", {}).get(extra, [])
        todo += [(d["name"], tuple(d.get("extra", []))) for d in deps]
    return frozenset(name for name, _ in seen)


def requirements_prod() -> dict[str, str]:
    """requirements-prod.txt as {normalised name (extras dropped): line}."""
    reqs = {}
    for line in REQUIREMENTS_PROD.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name = re.split(r"[\[<>=!~; ]", line, maxsplit=1)[0]
            reqs[norm(name)] = line
    return reqs


def yaml_strings(node) -> list[str]:
    """Every string in a loaded YAML document (keys excluded), comments never included."""
    if isinstance(node, dict):
        return [s for value in node.values() for s in yaml_strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in yaml_strings(value)]
    return [node] if isinstance(node, str) else []


def is_domestic_endpoint(url: str) -> bool:
    """An object-storage endpoint inside China: this deployment's MinIO, or a .cn host."""
    host = urlsplit(url).hostname or ""
    return host in compose()["services"] or host.endswith(".svc.cluster.local") or host.endswith(".cn")


def infra_text_files() -> list[Path]:
    return sorted(p for p in INFRA.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


# ---------------------------------------------------------------------------------------
# every YAML parses
# ---------------------------------------------------------------------------------------
def test_every_infra_yaml_parses_into_mappings():
    files = sorted([*INFRA.rglob("*.yml"), *INFRA.rglob("*.yaml")])
    assert {COMPOSE, HELM_VALUES, LAKE_PVC} <= set(files)
    for path in files:
        docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        assert docs, f"{path} is empty"
        for doc in docs:
            assert isinstance(doc, dict) and doc, f"{path}: every document must be a non-empty mapping"


# ---------------------------------------------------------------------------------------
# docker-compose.yml
# ---------------------------------------------------------------------------------------
def test_compose_has_every_service_and_each_has_an_image():
    services = compose()["services"]
    missing = REQUIRED_SERVICES - set(services)
    assert not missing, f"docker-compose.yml lacks {sorted(missing)}"
    for name, svc in services.items():
        assert svc.get("image") or svc.get("build"), f"service {name} has neither image nor build"


def test_compose_airflow_components_run_the_airflow_3_commands():
    services = compose()["services"]
    for name, expected in AIRFLOW_COMPONENTS.items():
        assert command_list(services[name]) == expected, f"{name} runs {command_list(services[name])}"
    # The image is the project's own, built from infra/docker/Dockerfile.
    for name, svc in airflow_services().items():
        build = svc.get("build") or {}
        assert build.get("dockerfile") == "infra/docker/Dockerfile", (
            f"{name} is not built from the project's image"
        )
        assert (COMPOSE.parent / build["context"]).resolve() == ROOT, (
            f"{name}'s build context is not the repo"
        )


def test_compose_airflow_uses_postgres_and_a_distributed_executor():
    services = compose()["services"]
    assert set(AIRFLOW_COMPONENTS) | {"airflow-init"} <= set(airflow_services())
    for name, svc in airflow_services().items():
        env = svc["environment"]
        executor = env["AIRFLOW__CORE__EXECUTOR"]
        assert executor in DISTRIBUTED_EXECUTORS, f"{name}: executor {executor}"
        conn = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert conn.startswith("postgresql"), (
            f"{name}: metadata database is {conn.split(':')[0]}, not PostgreSQL"
        )
        assert "sqlite" not in conn.lower()
        # The database host is the compose postgres service, with the database it creates.
        assert "@postgres:5432/" + services["postgres"]["environment"]["POSTGRES_DB"] in conn
        if executor == "CeleryExecutor":
            assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
            assert "@redis:6379/" in env["AIRFLOW__CELERY__BROKER_URL"]
            assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")


def test_compose_airflow_3_secrets_are_shared_and_required():
    """Airflow 3 components must share the fernet key, API secret and JWT secret."""
    envs = [svc["environment"] for svc in airflow_services().values()]
    for key in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API__SECRET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"):
        values = {env.get(key) for env in envs}
        assert len(values) == 1 and REQUIRED_VAR.fullmatch(values.pop() or ""), f"{key}: {values}"
    for env in envs:
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:8080/")


def test_compose_secrets_are_required_variables_never_literals():
    for name, svc in compose()["services"].items():
        for key, value in (svc.get("environment") or {}).items():
            value = str(value)
            if SECRET_ENV_KEY.search(key):
                assert REQUIRED_VAR.fullmatch(value), f"{name}.{key} must be ${{VAR:?...}}, is {value!r}"
            # Passwords inside connection URLs too.
            for password in re.findall(r"://[^:/@\s]*:([^@\s]*)@", value):
                assert REQUIRED_VAR.fullmatch(password), f"{name}.{key} has a literal password in its URL"


def test_every_required_compose_variable_is_documented_in_env_example():
    required = {var for text in yaml_strings(compose()) for var in REQUIRED_VAR.findall(text)}
    assert required, "compose should require its secrets with ${VAR:?...}"
    documented = env_example()
    missing = required - set(documented)
    assert not missing, f".env.example does not list {sorted(missing)}"
    for key, value in documented.items():
        if re.search(r"PASSWORD|SECRET_KEY|FERNET|JWT|_SECRET$", key):
            assert value == "", f".env.example ships a value for {key}: leave secrets empty"
    assert ".env" in (INFRA / "compose" / ".gitignore").read_text(encoding="utf-8").split()


def test_compose_shares_one_lake_between_every_worker():
    declared = set(compose()["volumes"])
    for name, svc in airflow_services().items():
        mounts = dict(v.split(":", 1)[::-1] for v in svc["volumes"] if ":" in v)
        assert mounts.get("/data/lake") == "lake", f"{name} does not mount the lake volume at /data/lake"
        assert mounts.get("/data/landing") == "landing", f"{name} does not mount the landing volume"
    assert {"lake", "landing", "postgres-db", "minio-data"} <= declared


def _scheduled_conf(env: dict) -> dict:
    """What a run without a conf (the daily schedule, a _READY marker) resolves to under `env`."""
    from datetime import UTC, datetime

    from creditlake.schedule import resolve

    return resolve({}, datetime(2026, 11, 22, 18, tzinfo=UTC), lambda _key: None, env)


def test_a_scheduled_compose_run_finds_its_landing_lake_and_audit_key():
    """A run without a conf takes its landing and lake from the environment: the volumes every
    Airflow service mounts (else the 02:00 run fails: "this run has no landing or lake"); the
    audit key is one secret file for every worker, outside the lake."""
    secrets = compose()["secrets"]
    for name, svc in airflow_services().items():
        env = svc["environment"]
        mounts = dict(v.split(":", 1)[::-1] for v in svc["volumes"] if ":" in v)
        conf = _scheduled_conf(env)
        assert (mounts.get(conf["landing"]), mounts.get(conf["lake"])) == ("landing", "lake"), name
        key = env["CREDITLAKE_AUDIT_KEY_FILE"]
        assert [f"/run/secrets/{s}" for s in svc["secrets"]] == [key] and not key.startswith(conf["lake"])
    (secret,) = secrets.values()
    assert secret["file"].removeprefix("./") in (INFRA / "compose" / ".gitignore").read_text().split()


def test_a_scheduled_helm_run_finds_its_landing_lake_and_audit_key():
    values = helm()
    conf = _scheduled_conf({e["name"]: e["value"] for e in values["env"]})
    celery, triggerer = values["workers"]["celery"], values["triggerer"]
    mounts = {m["mountPath"]: m["name"] for m in celery["extraVolumeMounts"]}
    volumes = {v["name"]: v for v in celery["extraVolumes"]}
    claim = {
        name: v["persistentVolumeClaim"]["claimName"]
        for name, v in volumes.items()
        if "persistentVolumeClaim" in v
    }
    assert (claim[mounts[conf["landing"]]], claim[mounts[conf["lake"]]]) == (
        "creditlake-landing",
        "creditlake-lake",
    )
    # the landing asset's watcher (DAG: a _READY marker) runs in the triggerer
    watched = {m["mountPath"]: m["name"] for m in triggerer["extraVolumeMounts"]}
    (landing,) = [v for v in triggerer["extraVolumes"] if v["name"] == watched[conf["landing"]]]
    assert landing["persistentVolumeClaim"]["claimName"] == "creditlake-landing"
    key = {e["name"]: e["value"] for e in values["env"]}["CREDITLAKE_AUDIT_KEY_FILE"]
    folder = key.rsplit("/", 1)[0]
    assert "secret" in volumes[mounts[folder]] and not key.startswith(conf["lake"])


def test_compose_init_migrates_and_imports_the_pools_baked_into_the_image():
    script = " ".join(command_list(compose()["services"]["airflow-init"]))
    assert "airflow db migrate" in script
    imported = re.search(r"airflow pools import (\S+)", script)
    assert imported, "airflow-init does not import the pools"
    copied = {parts[-1]: parts[0] for parts in dockerfile_copies()}
    assert copied.get(imported.group(1)) == "infra/airflow/pools.json", (
        "the image does not carry that pools file"
    )


def test_compose_minio_init_creates_the_buckets_creditlake_publishes_to():
    services = compose()["services"]
    init = services["minio-init"]
    script = " ".join(command_list(init))
    make_buckets = [line for line in script.splitlines() if line.strip().startswith("mc mb")]
    assert make_buckets, "minio-init creates no bucket"
    # $$ is compose's escape for a literal $: the shell in the container expands it.
    assert "$$OPEN_BUCKET" in make_buckets[0] and "$$FEEDS_BUCKET" in make_buckets[0]
    worker_env = services["airflow-worker"]["environment"]
    # Same variable, same default: the bucket created is the bucket written.
    assert init["environment"]["OPEN_BUCKET"] == worker_env["CREDITLAKE_OPEN_S3_BUCKET"]
    assert init["environment"]["FEEDS_BUCKET"] == worker_env["CREDITLAKE_FEEDS_S3_BUCKET"]
    # creditlake authenticates as the publisher user minio-init creates, not as MinIO's root.
    assert init["environment"]["PUBLISHER_KEY"] == worker_env["AWS_ACCESS_KEY_ID"]
    assert worker_env["AWS_ACCESS_KEY_ID"] != services["minio"]["environment"]["MINIO_ROOT_USER"]


def test_object_storage_endpoints_are_domestic():
    """Credit data is stored and processed in China (jl-draft Art 43, gd-draft Art 36)."""
    endpoints = [svc["environment"]["CREDITLAKE_S3_ENDPOINT_URL"] for svc in airflow_services().values()]
    endpoints += [e["value"] for e in helm()["env"] if e["name"] == "CREDITLAKE_S3_ENDPOINT_URL"]
    assert len(endpoints) == len(airflow_services()) + 1
    for url in endpoints:
        assert is_domestic_endpoint(url), f"{url} is not a domestic object-storage endpoint"
    for path in infra_text_files():
        for host in re.findall(r"[\w.-]*amazonaws\.com(?:\.cn)?", path.read_text(encoding="utf-8")):
            assert host.endswith(".cn"), f"{path} names {host}, outside China"


def test_domestic_endpoint_check_refuses_a_foreign_endpoint():
    assert not is_domestic_endpoint("https://s3.us-east-1.amazonaws.com")
    assert not is_domestic_endpoint("https://storage.example.com")
    assert is_domestic_endpoint("http://minio:9000")
    assert is_domestic_endpoint("https://s3.cn-north-1.amazonaws.com.cn")


# ---------------------------------------------------------------------------------------
# Dockerfile
# ---------------------------------------------------------------------------------------
def test_dockerfile_builds_on_python_311_slim():
    args = dockerfile_args()
    bases = [rest.split()[0] for inst, rest in dockerfile_instructions() if inst == "FROM"]
    assert bases, "no FROM"
    for base in bases:
        resolved = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), base)
        assert resolved.startswith("python:3.11-slim"), f"FROM {base} resolves to {resolved}"


def test_dockerfile_installs_from_the_lock_without_dev_dependencies():
    runs = [rest for inst, rest in dockerfile_instructions() if inst == "RUN"]
    syncs = [r for r in runs if "uv sync" in r]
    assert syncs, "no uv sync"
    for run in syncs:
        assert "--frozen" in run and "--no-dev" in run, f"uv sync must be --frozen --no-dev: {run}"
        # creditlake.settings finds dbt_project/ next to the package: keep it editable.
        assert "--no-editable" not in run
    assert not any(re.search(r"\bpip install\b(?!.*\buv==)", r) and "uv pip" not in r for r in runs), (
        "packages must come from uv, not a bare pip install"
    )
    # Production extras are installed constrained by the lock, and kept by the final sync.
    extras = [r for r in runs if "uv pip install" in r]
    assert extras and all("--constraint" in r and "uv export --frozen --no-dev" in r for r in extras)
    assert "--inexact" in syncs[-1], "a plain `uv sync` after `uv pip install` removes those packages"


def test_dockerfile_copies_the_project_dags_dbt_and_expectations():
    sources = {src.rstrip("/") for parts in dockerfile_copies() for src in parts[:-1]}
    wheel_packages = pyproject()["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    needed = {"pyproject.toml", "uv.lock", "dags", "dbt_project", "expectations", *wheel_packages}
    assert needed <= sources, f"the image lacks {sorted(needed - sources)}"
    workdir = project_workdir()
    for parts in dockerfile_copies():
        if parts[0].rstrip("/") in {"dags", "dbt_project", "expectations", *wheel_packages}:
            dest = parts[-1].rstrip("/")
            # Relative destinations land in the project WORKDIR, next to the package.
            assert not dest.startswith("/") or dest.startswith(workdir), f"COPY {parts} leaves {workdir}"


def test_dockerfile_sources_exist_and_the_context_ignores_local_state():
    ignored = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".git", ".airflow", "demo"} <= ignored
    for parts in dockerfile_copies():
        for src in parts[:-1]:
            assert (ROOT / src).exists(), f"COPY {src}: no such file in the repository"
            top = src.rstrip("/").split("/")
            assert not any("/".join(top[: i + 1]) in ignored for i in range(len(top))), (
                f"COPY {src} is excluded by Dockerfile.dockerignore"
            )


def test_dockerfile_runs_unprivileged_with_the_dags_it_carries():
    users = [rest for inst, rest in dockerfile_instructions() if inst == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    env = dockerfile_env()
    dags_dir = project_workdir().rstrip("/") + "/dags"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == dags_dir
    for name, svc in airflow_services().items():
        assert svc["environment"]["AIRFLOW__CORE__DAGS_FOLDER"] == dags_dir, name
    assert helm()["config"]["core"]["dags_folder"] == dags_dir
    # Airflow reads airflow_local_settings.py from $AIRFLOW_HOME/config.
    copied = {parts[0]: parts[-1] for parts in dockerfile_copies()}
    assert (
        copied["infra/airflow/airflow_local_settings.py"]
        == env["AIRFLOW_HOME"] + "/config/airflow_local_settings.py"
    )


def test_airflow_version_matches_pyproject_everywhere():
    version = pinned_airflow_version()
    assert dockerfile_args()["AIRFLOW_VERSION"] == version, "Dockerfile ARG AIRFLOW_VERSION"
    # Every stage that declares it agrees (ARG is per stage).
    declared = [
        rest
        for inst, rest in dockerfile_instructions()
        if inst == "ARG" and rest.startswith("AIRFLOW_VERSION=")
    ]
    assert declared and all(d == f"AIRFLOW_VERSION={version}" for d in declared), declared
    assert str(helm()["airflowVersion"]) == version, "helm values airflowVersion"


def test_production_extras_are_pinned_and_match_the_configured_executor_and_database():
    reqs = requirements_prod()
    for name, line in reqs.items():
        assert re.search(r"==\d", line), f"requirements-prod.txt: {line} is not pinned"
        assert name not in {"apache-airflow", "apache-airflow-core"}, "Airflow itself comes from uv.lock"
    installed = lock_runtime_closure() | set(reqs)
    executors = {svc["environment"]["AIRFLOW__CORE__EXECUTOR"] for svc in airflow_services().values()}
    executors.add(helm()["executor"])
    if "CeleryExecutor" in executors:
        assert "apache-airflow-providers-celery" in installed
        assert "redis" in installed or "celery" in reqs and "redis" in reqs["celery"]
    if "KubernetesExecutor" in executors:
        assert "apache-airflow-providers-cncf-kubernetes" in installed
    # Airflow 3 opens PostgreSQL with psycopg2 and, for its async engine, asyncpg.
    assert {"asyncpg"} <= installed and ({"psycopg2", "psycopg2-binary"} & installed)
    auth = {svc["environment"].get("AIRFLOW__CORE__AUTH_MANAGER") for svc in airflow_services().values()}
    auth.add(helm()["config"]["core"].get("auth_manager"))
    if any(a and "providers.fab" in a for a in auth):
        assert "apache-airflow-providers-fab" in installed


def _third_party_imports(folder: Path) -> dict[str, str]:
    """Top-level modules imported anywhere in folder's .py files -> one file importing it."""
    local = {"creditlake", "publishing"}
    found = {}
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in local and top != "__future__":
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_the_image_installs_every_library_the_pipeline_imports():
    """`uv sync --no-dev` + requirements-prod.txt must cover creditlake/, publishing/, dags/."""
    providers = packages_distributions()
    available = lock_runtime_closure() | set(requirements_prod())
    missing = {}
    for folder in ("creditlake", "publishing", "dags"):
        for module, where in _third_party_imports(ROOT / folder).items():
            dists = {norm(d) for d in providers.get(module, [])}
            if not dists & available:
                missing[module] = (where, sorted(dists) or "not installed in the dev environment either")
    assert not missing, f"the production image would lack: {missing}"


# ---------------------------------------------------------------------------------------
# the one-slot pool for DuckDB, and the cluster policy that uses it
# ---------------------------------------------------------------------------------------
def test_pools_json_has_duckdb_writer_with_one_slot():
    pools = json.loads(POOLS.read_text(encoding="utf-8"))
    assert pools["duckdb_writer"]["slots"] == 1
    # `airflow pools import` silently skips an entry without both slots and description.
    for name, pool in pools.items():
        assert isinstance(pool, dict) and "slots" in pool and "description" in pool, name
        assert isinstance(pool.get("include_deferred", False), bool)


@pytest.fixture(scope="module")
def local_settings():
    spec = importlib.util.spec_from_file_location("creditlake_infra_local_settings", LOCAL_SETTINGS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _task(dag_id: str, task_id: str, pool: str = "default_pool"):
    return SimpleNamespace(dag_id=dag_id, task_id=task_id, pool=pool, pool_slots=1)


def test_cluster_policy_puts_the_warehouse_tasks_on_the_pool(local_settings):
    pools = json.loads(POOLS.read_text(encoding="utf-8"))
    assert local_settings.DUCKDB_POOL in pools and pools[local_settings.DUCKDB_POOL]["slots"] == 1
    for task_id in ("build", "prepare_open_data"):
        task = _task("credit_cycle", task_id, pool="some_other_pool")
        local_settings.task_policy(task)
        assert (task.pool, task.pool_slots) == ("duckdb_writer", 1), task_id
    for task in (
        _task("credit_cycle", "land"),
        _task("credit_cycle", "publish"),
        _task("another_dag", "build"),
    ):
        local_settings.task_policy(task)
        assert task.pool == "default_pool", f"{task.dag_id}.{task.task_id} should not queue behind dbt"


def _dag_tasks_and_max_active_runs() -> tuple[set[str], object]:
    tree = ast.parse(DAG_FILE.read_text(encoding="utf-8"))
    tasks, max_runs = set(), None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
                if name == "task":
                    tasks.add(node.name)
                if name == "dag" and isinstance(deco, ast.Call):
                    for kw in deco.keywords:
                        if kw.arg == "max_active_runs":
                            max_runs = ast.literal_eval(kw.value)
    return tasks, max_runs


def test_cluster_policy_names_tasks_the_dag_has(local_settings):
    """A renamed task would silently fall off the pool: the policy and the DAG must agree."""
    tasks, max_active_runs = _dag_tasks_and_max_active_runs()
    assert {"build", "discover", "land"} <= tasks, f"could not read the DAG's tasks: {tasks}"
    assert local_settings.WAREHOUSE_TASKS["credit_cycle"] <= tasks
    assert max_active_runs == 1, "credit_cycle writes the DuckDB warehouse: max_active_runs must be 1"


def test_celery_workers_preload_the_landing_libraries_and_keep_airflows_defaults(monkeypatch):
    """Each task is forked from a worker: a worker that imported creditlake.preload saves every
    gating task 3-5 s of imports (bench/landing_bench.py). The Celery provider is not installed
    here, so its defaults are stood in for; the module must keep them, not replace them."""
    env = dockerfile_env()
    module, _, attr = env["AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS"].rpartition(".")
    copied = {parts[0]: parts[-1] for parts in dockerfile_copies()}
    assert copied[str(CELERY_CONFIG.relative_to(ROOT))] == f"{env['AIRFLOW_HOME']}/config/{module}.py"
    assert module == CELERY_CONFIG.stem

    defaults = {"broker_url": "redis://redis:6379/0", "task_acks_late": True, "imports": ("their.tasks",)}
    stand_in = SimpleNamespace(DEFAULT_CELERY_CONFIG=defaults)
    monkeypatch.setitem(sys.modules, "airflow.providers.celery.executors.default_celery", stand_in)
    spec = importlib.util.spec_from_file_location("creditlake_infra_celery_config", CELERY_CONFIG)
    config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config)
    settings = getattr(config, attr)
    assert {k: v for k, v in settings.items() if k != "imports"} == {
        k: v for k, v in defaults.items() if k != "imports"
    }
    assert settings["imports"] == ("their.tasks", "creditlake.preload")
    assert importlib.util.find_spec("creditlake.preload") is not None


# ---------------------------------------------------------------------------------------
# Helm values for the official chart
# ---------------------------------------------------------------------------------------
def test_helm_values_use_external_postgres_and_secrets():
    values = helm()
    assert values["executor"] in DISTRIBUTED_EXECUTORS
    assert values["postgresql"]["enabled"] is False, "the metadata database is an external PostgreSQL"
    assert values["pgbouncer"]["enabled"] is False or "metadataConnection" not in values["data"]
    assert values["data"]["metadataSecretName"]
    assert "metadataConnection" not in values["data"], "connection details belong in the secret"
    for literal in ("fernetKey", "apiSecretKey", "jwtSecret", "webserverSecretKey"):
        assert not values.get(literal), f"{literal} must come from a Secret, not values"
    for name in ("fernetKeySecretName", "apiSecretKeySecretName", "jwtSecretName"):
        assert values.get(name), f"{name} is not set"
    if values["executor"] == "CeleryExecutor" and values["redis"]["enabled"]:
        assert values["redis"]["passwordSecretName"] and values["data"]["brokerUrlSecretName"]
    assert values["createUserJob"]["defaultUser"]["enabled"] is False
    # boto3's credentials from a Secret, never as a plain env value.
    assert not [e for e in values["env"] if e["name"].startswith("AWS_") and "SECRET" in e["name"]]
    assert {s["envName"] for s in values["secret"]} == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


def test_helm_values_run_the_creditlake_image_with_baked_dags_and_pools():
    values = helm()
    assert values["images"]["airflow"]["repository"] and values["images"]["airflow"]["tag"]
    assert values["dags"]["gitSync"]["enabled"] is False and values["dags"]["persistence"]["enabled"] is False
    # null: the chart must not mount its own airflow_local_settings.py over the image's policy.
    assert values["airflowLocalSettings"] is None
    assert "airflow pools import /opt/airflow/config/pools.json" in " ".join(
        values["migrateDatabaseJob"]["args"]
    )
    assert values["uid"] == 50000
    env = {e["name"]: e["value"] for e in values["env"]}
    for key in ("CREDITLAKE_OPEN_S3_BUCKET", "CREDITLAKE_FEEDS_S3_BUCKET", "CREDITLAKE_S3_ENDPOINT_URL"):
        assert env.get(key), f"helm env lacks {key}"


def test_helm_workers_mount_shared_lake_claims():
    celery = helm()["workers"]["celery"]
    claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"]
        for v in celery["extraVolumes"]
        if "persistentVolumeClaim" in v
    }
    mounts = {m["mountPath"]: m["name"] for m in celery["extraVolumeMounts"]}
    pvcs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(LAKE_PVC.read_text(encoding="utf-8"))}
    for path in ("/data/lake", "/data/landing"):
        claim = claims[mounts[path]]
        assert claim in pvcs, f"{path}: claim {claim} is not defined in lake-pvc.yaml"
        assert pvcs[claim]["spec"]["accessModes"] == ["ReadWriteMany"], f"{claim} must be shared by workers"


# ---------------------------------------------------------------------------------------
# no secrets in any infra file
# ---------------------------------------------------------------------------------------
SECRET_PATTERNS = {
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "literal password in a URL": re.compile(r"://[^\s:/@'\"]+:(?!\$\{|<)[^\s@'\"]+@"),
    "fernet key": re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=(?![A-Za-z0-9])"),
    "assigned secret": re.compile(
        r"(?i)\b[a-z_]*(?:password|secret|token)\b[ \t]*[:=][ \t]*['\"]?(?!\$\{|<)[A-Za-z0-9+/_\-]{12,}"
    ),
}


def find_secrets(text: str) -> list[str]:
    return [kind for kind, pattern in SECRET_PATTERNS.items() if pattern.search(text)]


def test_no_infra_file_contains_a_secret():
    files = infra_text_files()
    assert len(files) >= 8
    for path in files:
        found = find_secrets(path.read_text(encoding="utf-8"))
        assert not found, f"{path.relative_to(ROOT)} looks like it contains: {found}"


@pytest.mark.parametrize(
    "leak",
    [
        "AWS_ACCESS_KEY_ID=" + "AKIA" + "Q" * 16,
        "sql_alchemy_conn = postgresql://airflow:" + "hunter2hunter2" + "@db:5432/airflow",
        "AIRFLOW__CORE__FERNET_KEY: " + "x" * 43 + "=",
        "MINIO_ROOT_PASSWORD=" + "Sup3rS3cretValue99",
    ],
)
def test_secret_scanner_catches_a_planted_secret(leak):
    assert find_secrets(leak), f"the scanner missed {leak!r}"
