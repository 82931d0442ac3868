"""Run one cycle through the real Airflow DAG (`airflow dags test`), locally.

`creditlake run` is not a second code path: it hands the run's conf to the `credit_cycle`
DAG and lets Airflow execute it, on a SQLite metadata database in an ignored project
folder (`.airflow/`, or `CREDITLAKE_AIRFLOW_HOME`). Production runs the same DAG on a real
scheduler and metadata database (infra/).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from creditlake.settings import DAGS_DIR, PROJECT_ROOT, RunConfig

DAG_ID = "credit_cycle"


def airflow_home() -> Path:
    return Path(os.environ.get("CREDITLAKE_AIRFLOW_HOME", PROJECT_ROOT / ".airflow")).resolve()


def airflow_env() -> dict[str, str]:
    home = airflow_home()
    return os.environ | {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        # `airflow dags test` (Airflow 3.3.2) fails at the end of a run of a DAG with a deadline:
        # DagRun.update_state looks the in-memory DAG's DeadlineAlert objects up as database ids.
        # The deadline is the scheduler's to watch (creditlake/alerts.py), not a local run's.
        "CREDITLAKE_CYCLE_DEADLINE_MINUTES": "none",
        "GX_ANALYTICS_ENABLED": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }


def _airflow(*args: str, capture: bool = True) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "airflow"), *args]
    return subprocess.run(command, env=airflow_env(), capture_output=capture, text=True, check=False)


def ensure_metadata_db() -> None:
    """Create or upgrade the local metadata database (once per Airflow version)."""
    from importlib.metadata import version

    home = airflow_home()
    home.mkdir(parents=True, exist_ok=True)
    marker = home / f".migrated-{version('apache-airflow')}"
    if marker.exists():
        return
    proc = _airflow("db", "migrate")
    if proc.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    marker.touch()


def run_cycle(cfg: RunConfig, *, verbose: bool = False) -> tuple[bool, dict | None, str]:
    """Execute the DAG for `cfg`; returns (success, summary, airflow's log tail)."""
    ensure_metadata_db()
    summary_path = cfg.summary or (cfg.lake.resolve() / "runs" / "last_summary.json")
    cfg = replace(cfg, summary=summary_path)
    if summary_path.exists():
        summary_path.unlink()  # never report a previous run's summary as this one's
    cfg.lake.mkdir(parents=True, exist_ok=True)
    proc = _airflow("dags", "test", DAG_ID, "-c", json.dumps(cfg.to_conf()), capture=not verbose)
    log = "" if verbose else (proc.stdout + proc.stderr)
    (cfg.lake / "runs").mkdir(parents=True, exist_ok=True)
    (cfg.lake / "runs" / "last_airflow.log").write_text(log, encoding="utf-8")
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else None
    state = dag_run_state(log) if not verbose else ("success" if proc.returncode == 0 else "failed")
    return proc.returncode == 0 and state == "success" and summary is not None, summary, log[-5000:]


def dag_run_state(log: str) -> str | None:
    """The final state `airflow dags test` reports for the run ('success', 'failed', ...)."""
    import re

    states = re.findall(r"DagRun Finished: .*?\bstate=(\w+)", log)
    return states[-1] if states else None
