"""One credit cycle on the production path: PostgreSQL, scheduler, dag-processor, api-server.

Every other test runs `credit_cycle` with `airflow dags test`: one process, SQLite, one task
at a time. This one runs it as production does (infra/README.md), minus Celery: a PostgreSQL
metadata database, `airflow db migrate`, the `duckdb_writer` pool and the cluster policy from
infra/airflow/, then Airflow 3's `scheduler`, `dag-processor` and `api-server` as separate
processes, the LocalExecutor with parallelism 2 and the forkserver preload infra/README.md
gives it, and a run triggered with the conf `creditlake run` passes. It proves that the
tasks of one run work in separate processes, two at a time, handing their results over
through the metadata database and the execution API. (The CeleryExecutor needs packages the
dev environment does not lock: infra/celery_cycle.sh runs that stack by hand.)

PostgreSQL is Debian's server (`make postgres` installs it), started by the test on a free
port of 127.0.0.1 with its data in a temporary folder, and stopped (`pg_ctl stop -m fast`,
then SIGKILL of its process group) whatever happens. PostgreSQL refuses to run as root, and
this machine (like CI containers) runs as root: then `initdb`, `postgres` and `pg_ctl` run
through `runuser -u postgres` as the `postgres` system user that Debian's package creates,
with the temporary folder created outside pytest's (root-only, mode 0700) tmp tree and
chowned to that user. `runuser` is util-linux's tool for root to run a command as another user
without PAM authentication or a password. Run as an ordinary user, the test starts
PostgreSQL as itself. The server trusts local connections (`initdb -A trust`): it listens on
127.0.0.1 only and lives for one test.

Airflow's settings are `creditlake.runner.airflow_env()`, those of `creditlake run`, with
the production differences on top (database, executor, api-server address, shared secrets).
Airflow 3 also opens the metadata database through an async engine, which production gives
asyncpg (infra/docker/requirements-prod.txt). The dev environment does not lock asyncpg, so
without it the async engine points at an unused SQLite file: in Airflow 3.3.2 only
multi-team lookups, the dag-run "wait" endpoint and the task state store use that engine,
and this run uses none of them. With asyncpg installed, the test uses it.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from creditlake.runner import DAG_ID, airflow_env
from creditlake.settings import PROJECT_ROOT, RunConfig
from tests.conftest import AS_OF, read_summary, run_cli

pytestmark = pytest.mark.e2e
psycopg2 = pytest.importorskip("psycopg2", reason="psycopg2 is in the dev group: run `make env`")

AIRFLOW = str(Path(sys.executable).parent / "airflow")
INFRA_AIRFLOW = PROJECT_ROOT / "infra" / "airflow"
RUN_ID = "production-path"
RUN_TIMEOUT_S = 480  # a run takes ~45 s on 2 cores; a failing one, with its retries, ~5 min
COMPONENTS = ("scheduler", "dag-processor", "api-server", "triggerer")  # the triggerer runs asset watchers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parents[1].name))
    return Path(found[-1]).parent if found else None


def as_pg_user(*command: str | Path) -> list[str]:
    """The command as the `postgres` system user when we are root (PostgreSQL refuses root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return [*prefix, *map(str, command)]


def stop_group(proc: subprocess.Popen, sig: int = signal.SIGTERM, wait: float = 20) -> None:
    """Stop a process started with start_new_session, and everything it started."""
    for signum, timeout in ((sig, wait), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, signum)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            continue
        if signum == signal.SIGKILL:
            return
    # the leader exited; kill whatever of its group survived it (task processes, gunicorn workers)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture
def postgres():
    """A PostgreSQL server of its own on a free port; yields the metadata database's URL."""
    bin_dir = pg_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server (/usr/lib/postgresql/*/bin/initdb): `make postgres` installs it")
    if os.geteuid() == 0 and not (shutil.which("runuser") and _has_user("postgres")):
        pytest.skip("running as root, and no `runuser` or `postgres` user to start PostgreSQL as")
    folder = Path(tempfile.mkdtemp(prefix="creditlake-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    init = subprocess.run(
        as_pg_user(bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "airflow", "-E", "UTF8", "--no-sync"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert init.returncode == 0, init.stdout[-2000:] + init.stderr[-2000:]
    options = ("-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off")
    with open(folder / "postgres.log", "wb") as log:
        server = subprocess.Popen(
            as_pg_user(bin_dir / "postgres", "-D", data, "-p", str(port), "-k", folder, *options),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        connect_when_up(port, folder / "postgres.log", server)
        yield f"postgresql+psycopg2://airflow@127.0.0.1:{port}/airflow"
    finally:
        subprocess.run(as_pg_user(bin_dir / "pg_ctl", "stop", "-D", data, "-m", "fast", "-w"), check=False)
        stop_group(server, signal.SIGINT)
        shutil.rmtree(folder, ignore_errors=True)


def connect_when_up(port: int, log: Path, server: subprocess.Popen) -> None:
    """Wait for the server, then create the `airflow` database."""
    deadline = time.monotonic() + 30
    while True:
        try:
            con = psycopg2.connect(host="127.0.0.1", port=port, user="airflow", dbname="postgres")
            break
        except psycopg2.OperationalError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"PostgreSQL did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
    con.autocommit = True  # CREATE DATABASE cannot run in a transaction (nor in `with con`)
    with con.cursor() as cur:
        cur.execute("CREATE DATABASE airflow")
    con.close()


@dataclass
class Cluster:
    env: dict[str, str]
    home: Path
    dsn: str
    procs: dict[str, subprocess.Popen]

    def airflow(self, *args: str) -> str:
        proc = subprocess.run([AIRFLOW, *args], env=self.env, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, (
            f"airflow {' '.join(args)}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
        return proc.stdout

    def query(self, sql: str, *params) -> list[tuple]:
        con = psycopg2.connect(self.dsn)
        try:
            with con, con.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            con.close()

    def component_logs(self) -> str:
        return "\n".join(
            f"--- {name} (exit {proc.poll()}) ---\n"
            + (self.home / f"{name}.log").read_text(errors="replace")[-2500:]
            for name, proc in self.procs.items()
        )


def production_env(home: Path, database: str, api_port: int, landing: Path, lake: Path) -> dict[str, str]:
    """`creditlake run`'s Airflow settings, with production's differences (infra/README.md)."""
    try:
        import asyncpg  # noqa: F401

        async_conn = {}
    except ImportError:  # see the module's docstring
        async_conn = {
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": f"sqlite+aiosqlite:///{home / 'unused.db'}"
        }
    return (
        airflow_env()
        | async_conn
        | {
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),  # the scheduler serves task logs
            # every component must share these, or the execution API refuses the tasks' tokens
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
            # the LocalExecutor's preload (infra/README.md "Workers preload what the tasks import")
            "AIRFLOW__CORE__MP_START_METHOD": "forkserver",
            "AIRFLOW__CORE__MP_FORKSERVER_PRELOAD": "airflow,airflow.executors.local_executor,creditlake.preload",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",  # unpaused below, once triggered
            # where runs without a conf (asset-triggered, backfilled) land and write, and the
            # folder the landing asset's watcher looks at (creditlake/schedule.py)
            "CREDITLAKE_LANDING": str(landing),
            "CREDITLAKE_LAKE": str(lake),
            # a Variable wins over the environment; a run's conf wins over both
            "CREDITLAKE_PROFILE": "national",
            "AIRFLOW_VAR_CREDITLAKE_PROFILE": "hl-2022",
            "PYTHONUNBUFFERED": "1",
        }
    )


@pytest.fixture
def cluster(postgres, tmp_path, monkeypatch):
    """Migrated metadata database, pools and cluster policy, then the three components."""
    home = tmp_path / "airflow"
    (home / "config").mkdir(parents=True)
    monkeypatch.setenv("CREDITLAKE_AIRFLOW_HOME", str(home))  # read by airflow_env()
    shutil.copy(INFRA_AIRFLOW / "airflow_local_settings.py", home / "config")  # as the image does
    (tmp_path / "watched").mkdir()
    env = production_env(home, postgres, free_port(), tmp_path / "watched", tmp_path / "lake")
    c = Cluster(env, home, postgres.replace("+psycopg2", ""), {})
    c.airflow("db", "migrate")
    c.airflow("pools", "import", str(INFRA_AIRFLOW / "pools.json"))
    try:
        for name in COMPONENTS:
            with open(home / f"{name}.log", "wb") as log:
                c.procs[name] = subprocess.Popen(
                    [AIRFLOW, name],
                    env=c.env,
                    cwd=tmp_path,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        yield c
    finally:
        for proc in c.procs.values():
            stop_group(proc)


def wait_for(cluster: Cluster, what: str, check, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        dead = [name for name, proc in cluster.procs.items() if proc.poll() is not None]
        if dead or time.monotonic() > deadline:
            why = f"{', '.join(dead)} exited" if dead else f"not within {timeout:.0f} s"
            pytest.fail(f"{what}: {why}\n{task_logs(cluster)}\n{cluster.component_logs()}")
        time.sleep(2)


def run_state(cluster: Cluster) -> str | None:
    rows = cluster.query("select state from dag_run where dag_id = %s and run_id = %s", DAG_ID, RUN_ID)
    return rows[0][0] if rows else None


def task_logs(cluster: Cluster, most: int = 6) -> str:
    """Every task instance's state, and the last attempt's log of (at most `most`) each that failed."""
    rows = cluster.query(
        "select task_id, map_index, state from task_instance where dag_id = %s and run_id = %s "
        "order by start_date nulls last",
        DAG_ID,
        RUN_ID,
    )
    out = ["task instances: " + ", ".join(f"{t}[{m}]={s}" for t, m, s in rows)]
    run_logs = cluster.home / "logs" / f"dag_id={DAG_ID}" / f"run_id={RUN_ID}"
    failed = [(t, m) for t, m, s in rows if s not in ("success", "skipped", "removed", None)]
    for task_id, map_index in failed[:most]:
        folder = run_logs / f"task_id={task_id}" / (f"map_index={map_index}" if map_index >= 0 else "")
        attempts = sorted(folder.glob("attempt=*.log"), key=lambda p: int(p.stem.split("=")[1]))
        if attempts:
            log = attempts[-1]
            out.append(f"--- {log.relative_to(run_logs)} ---\n{log.read_text(errors='replace')[-3000:]}")
    return "\n".join(out)


def test_a_triggered_cycle_runs_on_postgres_with_parallel_task_processes(cluster, tmp_path):
    landing, lake, summary_path = tmp_path / "landing", tmp_path / "lake", tmp_path / "summary.json"
    run_cli("generate", "--out", str(landing), "--penalties", "200", "--as-of", AS_OF.isoformat())
    registry = PROJECT_ROOT / "publishing" / "registry_example"
    conf = RunConfig(landing, lake, AS_OF, "national", summary_path, registry).to_conf()

    wait_for(
        cluster,
        "the dag-processor did not store credit_cycle",
        lambda: cluster.query("select 1 from serialized_dag where dag_id = %s", DAG_ID),
        timeout=120,
    )
    cluster.airflow("dags", "trigger", DAG_ID, "--run-id", RUN_ID, "--conf", json.dumps(conf))
    cluster.airflow("dags", "unpause", DAG_ID)
    started = time.monotonic()
    wait_for(
        cluster,
        f"run {RUN_ID} did not finish",
        lambda: run_state(cluster) in ("success", "failed"),
        RUN_TIMEOUT_S,
    )
    print(f"run {RUN_ID}: {run_state(cluster)} in {time.monotonic() - started:.0f} s after the trigger")
    assert run_state(cluster) == "success", f"the run failed\n{task_logs(cluster)}"

    summary = read_summary(summary_path)
    assert summary["failed"] == [] and summary["as_of"] == AS_OF.isoformat(), summary
    assert summary["profile"] == "national"  # the conf's, over the Variable's hl-2022
    assert {f["status"] for f in summary["files"]} == {"landed"}
    assert summary["feeds"], "the example registry's licences got no feed"
    published = {p["dataset"]: p for p in summary["published"]}
    assert published["penalties"]["rows"] > 0, published
    latest = json.loads((lake / "open" / "penalties" / "latest.json").read_text(encoding="utf-8"))
    assert latest["version"] == published["penalties"]["version"], latest

    assert_separate_parallel_processes(cluster)
    scheduler_log = (cluster.home / "scheduler.log").read_text(errors="replace")
    assert "creditlake: preloaded" in scheduler_log, "the executor's forkserver did not preload creditlake"
    unpausing_started_the_latest_scheduled_cycle(cluster, lake)
    an_agency_marker_starts_a_run(cluster, tmp_path / "watched", lake, staged_rows(lake))
    a_backfill_runs_one_cycle_per_day_in_order(cluster, lake)


def runs(cluster: Cluster, run_type: str) -> list[tuple]:
    """(run_id, state, logical_date, run_after, start_date, end_date) of a type, by start."""
    return cluster.query(
        "select run_id, state, logical_date, run_after, start_date, end_date from dag_run "
        "where dag_id = %s and run_type = %s order by start_date nulls last, run_after",
        DAG_ID,
        run_type,
    )


def finished(rows: list[tuple]) -> bool:
    return bool(rows) and all(state in ("success", "failed") for _, state, *_ in rows)


def run_summary(lake: Path, run_id: str) -> dict:
    from creditlake.settings import safe_name

    return read_summary(lake / "runs" / safe_name(run_id) / "summary.json")


def unpausing_started_the_latest_scheduled_cycle(cluster: Cluster, lake: Path) -> None:
    """Unpaused, the DAG ran its latest daily slot (02:00 in Asia/Shanghai, catchup off): with no
    conf, on the environment's landing folder (empty here) and lake, under the profile of the
    Airflow Variable (which wins over the environment's), as of its logical date. Nothing
    arrived: no `land` task is mapped, and the run still builds and publishes; the assets it
    updated are in the summary and in the task's log."""
    from zoneinfo import ZoneInfo

    wait_for(
        cluster, "no scheduled run finished", lambda: finished(runs(cluster, "scheduled")), RUN_TIMEOUT_S
    )
    (run_id, state, logical_date, *_), *more = runs(cluster, "scheduled")
    assert state == "success" and not more, runs(cluster, "scheduled")
    local = logical_date.astimezone(ZoneInfo("Asia/Shanghai"))
    assert (local.hour, local.minute) == (2, 0)
    summary = run_summary(lake, run_id)
    assert summary["as_of"] == local.date().isoformat() and summary["files"] == [] and not summary["failed"]
    assert summary["profile"] == "hl-2022"
    assert (Path(summary["open_root"]) / "index.html").exists()
    assert "creditlake://open/penalties" in summary["outlets"]
    logs = cluster.home / "logs" / f"dag_id={DAG_ID}" / f"run_id={run_id}" / "task_id=publish"
    assert any("updated asset creditlake://open/penalties" in log.read_text() for log in logs.glob("*.log"))


def staged_rows(lake: Path) -> dict[str, int]:
    """Rows of each staging model of the warehouse, by model."""
    import duckdb

    with duckdb.connect(str(lake / "warehouse" / "creditlake.duckdb"), read_only=True) as con:
        models = [r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()]
        return {
            m: con.execute(f'select count(*) from "{m}"').fetchone()[0]
            for m in models
            if m.startswith("stg_")
        }


def an_agency_marker_starts_a_run(
    cluster: Cluster, landing: Path, lake: Path, staged: dict[str, int]
) -> None:
    """The `_READY` marker an agency writes when its upload is complete: the landing asset's
    watcher (in the triggerer) consumes it and the scheduler starts a run, with no conf: landing
    and lake from the environment, as of the day it was queued for in Asia/Shanghai. The file
    it brings was landed by the first run already: the rerun loads nothing twice."""
    from zoneinfo import ZoneInfo

    (landing / "penalties").mkdir()
    shutil.copy(next((landing.parent / "landing" / "penalties").glob("*")), landing / "penalties")
    (landing / "_READY").touch()
    wait_for(
        cluster,
        "no asset-triggered run finished",
        lambda: finished(runs(cluster, "asset_triggered")),
        RUN_TIMEOUT_S,
    )
    (run_id, state, _, run_after, *_), *more = runs(cluster, "asset_triggered")
    assert state == "success" and not more, runs(cluster, "asset_triggered")
    assert not (landing / "_READY").exists()  # consumed: the next upload's marker starts the next run
    summary = run_summary(lake, run_id)
    assert summary["as_of"] == run_after.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    # the agency's file was landed by the first run already (the same bytes): nothing twice
    assert [f["status"] for f in summary["files"]] == ["already_landed"]
    assert staged_rows(lake) == staged and staged["stg_landing__penalties"] > 0
    assert "creditlake://open/penalties" in summary["outlets"]


def a_backfill_runs_one_cycle_per_day_in_order(cluster: Cluster, lake: Path) -> None:
    """Airflow 3's backfill over two days: one cycle per day, in date order, one at a time (the
    warehouse has one writer), each as of its own day. The range is from midnight to midnight in
    the platform's time zone: the 02:00 slots of the 23rd and the 24th. A backfill keeps its own
    limit of runs at once, not the DAG's: `--max-active-runs 1` keeps the one writer."""
    cluster.airflow(
        "backfill",
        "create",
        "--dag-id",
        DAG_ID,
        "--from-date",
        "2026-11-23",
        "--to-date",
        "2026-11-25",
        "--max-active-runs",
        "1",
    )
    wait_for(
        cluster, "the backfill did not finish", lambda: finished(runs(cluster, "backfill")), 2 * RUN_TIMEOUT_S
    )
    backfill = runs(cluster, "backfill")
    assert [state for _, state, *_ in backfill] == ["success"] * len(backfill) and len(backfill) == 2, (
        backfill
    )
    assert [r[2] for r in backfill] == sorted(r[2] for r in backfill)  # started in date order...
    assert backfill[1][4] >= backfill[0][5]  # ...the second after the first ended
    assert [run_summary(lake, r[0])["as_of"] for r in backfill] == ["2026-11-23", "2026-11-24"]


def assert_separate_parallel_processes(cluster: Cluster) -> None:
    """Each task instance ran in a process of its own, not the scheduler's, two at a time."""
    rows = cluster.query(
        "select task_id, map_index, pid, pool, start_date, end_date from task_instance "
        "where dag_id = %s and run_id = %s and state = 'success'",
        DAG_ID,
        RUN_ID,
    )
    pids = [pid for _, _, pid, *_ in rows]
    components = {proc.pid for proc in cluster.procs.values()} | {os.getpid()}
    assert None not in pids and len(set(pids)) == len(rows) > 10, rows
    assert not set(pids) & components, (pids, components)
    pools = {task: pool for task, _, _, pool, *_ in rows}
    assert pools["build"] == pools["prepare_open_data"] == "duckdb_writer", pools  # the cluster policy
    lands = sorted((start, end) for task, _, _, _, start, end in rows if task == "land")
    overlapping = [(a, b) for a, b in zip(lands, lands[1:], strict=False) if b[0] < a[1]]
    print(
        f"{len(rows)} task instances in {len(set(pids))} processes; {len(lands)} `land`, {len(overlapping)} overlaps"
    )
    assert len(lands) > 2 and overlapping, f"no two `land` task instances ran at once: {lands}"
