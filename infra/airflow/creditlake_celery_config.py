"""Celery settings for creditlake's workers: Airflow's defaults, plus one module to preload.

`[celery] celery_config_options` points here (infra/docker/Dockerfile sets
AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS); Airflow imports it from $AIRFLOW_HOME/config.
Celery imports the modules named in `imports` in the worker's main process when the worker
starts, before it forks its pool. On Linux each task is then forked from a pool process by
Airflow's supervisor, so every task starts with `creditlake.preload`'s libraries loaded
(Great Expectations alone is 3-5 s per process otherwise; README "Benchmarks").
"""

from __future__ import annotations

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

CELERY_CONFIG = {
    **DEFAULT_CELERY_CONFIG,
    "imports": (*DEFAULT_CELERY_CONFIG.get("imports", ()), "creditlake.preload"),
}
