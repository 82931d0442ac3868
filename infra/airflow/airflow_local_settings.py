"""Airflow cluster policy for creditlake: the warehouse tasks run on the `duckdb_writer` pool.

DuckDB is a single writer: while one process holds `creditlake.duckdb` open for writing,
no other process may open it, not even read-only (docs/stack.md#traps-and-what-the-project-does-about-each). Locally that is
guaranteed by `airflow dags test` running one task at a time; in production a Celery worker
on another machine could start a second run's `build` while the first run's
`prepare_open_data` still reads the file. `max_active_runs=1` on `credit_cycle` prevents that
for one DAG; the one-slot pool (infra/airflow/pools.json) also covers manual task reruns,
backfills and any other DAG that opens the warehouse, and it does not trust a file lock
on a network file system (the lake is a shared volume in production).

Airflow imports this module from $AIRFLOW_HOME/config in every component; the DAG
processor applies `task_policy` to every task when it parses a DAG file. It imports
nothing heavy, so parsing stays fast.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

DUCKDB_POOL = "duckdb_writer"

# dag_id -> task_ids that open the DuckDB warehouse file (read or write).
WAREHOUSE_TASKS: dict[str, frozenset[str]] = {
    "credit_cycle": frozenset(
        {
            "build",  # dbt build writes creditlake.duckdb
            "prepare_open_data",  # reads publish models from it (warehouse.read_model)
        }
    ),
}


def task_policy(task) -> None:
    """Put the warehouse tasks on the one-slot pool, one slot each."""
    dag_id = getattr(task, "dag_id", None)
    if task.task_id in WAREHOUSE_TASKS.get(dag_id, ()):
        if task.pool not in (DUCKDB_POOL, "default_pool"):
            log.warning(
                "%s.%s asked for pool %r: moved to %r (DuckDB is a single writer)",
                dag_id,
                task.task_id,
                task.pool,
                DUCKDB_POOL,
            )
        task.pool = DUCKDB_POOL
        task.pool_slots = 1
