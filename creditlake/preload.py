"""What an Airflow worker imports once, so that every task it starts has it loaded already.

On Linux, Airflow's supervisor starts each task with a bare `os.fork()` of the worker
process (a Celery pool process, or a LocalExecutor worker). The task inherits, copy-on-write,
every module the worker imported. Importing this module in the worker, before it takes
tasks, means `land` and `validate_raw` no longer pay the imports themselves. Great
Expectations alone takes 3-5 s in a fresh process, whatever the size of the batch.

Production names this module in Celery's `imports`
(infra/airflow/creditlake_celery_config.py). Celery imports it in the worker's main process,
before it forks its pool. With LocalExecutor, name it in `[core] mp_forkserver_preload`
(infra/README.md). It only imports: no thread, file or connection of its own is open when
the worker forks.
"""

from __future__ import annotations

import importlib
import logging
import sys
import time

from creditlake import gate

# What `land` and `validate_raw` import; a test forks a task from a preloaded process and
# checks that it imports none of the heavy ones itself (tests/integration/test_raw_gate.py).
MODULES = (
    "creditlake.pipeline",
    "creditlake.landing",
    "creditlake.feedback",
    "creditlake.jurisdiction",
    "creditlake.identifiers",
    "pyarrow.compute",
    "pyarrow.csv",
    "pyarrow.dataset",  # pyarrow.parquet reads through it
    "pyarrow.pandas_compat",  # the gate's frames
    "pyarrow.parquet",
    "duckdb",
    # the data docs, built once per run after the last batch
    "great_expectations.render.renderer.site_builder",
    "jinja2.ext",
)

_start, _before = time.perf_counter(), len(sys.modules)
gate._import_gx()  # first: it keeps scipy.stats and altair out (see its docstring)
for _name in MODULES:
    importlib.import_module(_name)
logging.getLogger(__name__).info(
    "creditlake: preloaded %d modules in %.1f s; the tasks this worker forks start with them",
    len(sys.modules) - _before,
    time.perf_counter() - _start,
)
