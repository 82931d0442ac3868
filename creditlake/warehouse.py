"""The warehouse: `dbt build` on DuckDB, in-process, writing only under the lake.

dbt's target and log folders go to the lake, not the repository, so runs on different
lakes (tests, demo, production) never share state. DuckDB is a single writer: the DAG runs
this as one task with `max_active_runs=1` (docs/stack.md#traps-and-what-the-project-does-about-each).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from creditlake.settings import DBT_PROJECT_DIR, RunConfig


@dataclass(frozen=True)
class BuildResult:
    success: bool
    models: int
    tests: int
    failures: list[str]
    warehouse: str

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def dbt_vars(cfg: RunConfig) -> dict:
    """The profile and its rules, handed to every model. Not the run's date: dbt parses the whole
    project again whenever a var changes, so the date goes as `CREDITLAKE_AS_OF` (`dbt_command`,
    the macro `run_date()`)."""
    from creditlake.catalog import catalog
    from creditlake.jurisdiction import load_profile

    return {
        "profile": cfg.profile,
        "rules": load_profile(cfg.profile).dbt_rules(),
        "catalog": {
            name: {"category": item["category"], "dataset": item["dataset"]}
            for name, item in catalog().items()
        },
    }


def dbt(cfg: RunConfig, *args: str) -> subprocess.CompletedProcess:
    """Run dbt with the run's vars in a child process.

    A child process, not dbtRunner in-process: dbt-duckdb keeps its DuckDB connection open
    for the life of the process, which would lock the warehouse against the publisher that
    reads it next in the same Airflow worker (DuckDB is a single writer).
    """
    command, env = dbt_command(cfg, *args)
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def dbt_command(cfg: RunConfig, *args: str) -> tuple[list[str], dict[str, str]]:
    """The dbt command line and environment of `dbt(cfg, *args)`."""
    cfg.warehouse.parent.mkdir(parents=True, exist_ok=True)
    env = os.environ | {
        "CREDITLAKE_LAKE": str(cfg.lake),
        "CREDITLAKE_WAREHOUSE": str(cfg.warehouse),
        "CREDITLAKE_AS_OF": cfg.as_of.isoformat(),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",  # no phoning home
        # as variables, not flags: every dbt command takes them (`dbt debug` refuses the flags)
        "DBT_TARGET_PATH": str(cfg.dbt_target),
        "DBT_LOG_PATH": str(cfg.dbt_target / "logs"),
    }
    command = [
        str(Path(sys.executable).parent / "dbt"),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--vars",
        json.dumps(dbt_vars(cfg)),
    ]
    return command, env


def export_working_days(cfg: RunConfig) -> Path:
    """The official working days (creditlake.workdays, the one home of the calendar) as a
    table dbt joins on: deadlines in working days are `working_day_number + n`."""
    import warnings
    from datetime import date, timedelta

    import pyarrow as pa
    import pyarrow.parquet as pq

    from creditlake.workdays import is_working_day

    start, end = date(2004, 1, 1), date(cfg.as_of.year + 1, 12, 31)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    with warnings.catch_warnings():
        warnings.simplefilter("default")  # the fallback warning is logged once per year, not raised
        working = [is_working_day(d) for d in days]
    numbers, count = [], 0
    for flag in working:
        count += flag
        numbers.append(count)
    path = cfg.lake / "reference" / "working_days.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"day": days, "is_working_day": working, "working_day_number": numbers}), path)
    return path


def build(cfg: RunConfig) -> BuildResult:
    """`dbt build`: seeds, models and data tests, in dependency order. Not the unit tests: their
    inputs are fixed in the project, so a run of the data can neither fail nor pass them (dbt
    advises running them in development and CI only); `unit_tests` runs them, and CI does."""
    export_working_days(cfg)
    return _result(cfg, dbt(cfg, "build", "--exclude-resource-type", "unit_test"))


def unit_tests(cfg: RunConfig) -> BuildResult:
    """dbt's unit tests of the models' logic, on a built warehouse (dbt reads their inputs'
    column types from the models' parents there)."""
    return _result(cfg, dbt(cfg, "test", "--select", "test_type:unit"))


def _result(cfg: RunConfig, proc: subprocess.CompletedProcess) -> BuildResult:
    """What a dbt command did, from its run_results.json."""
    failures, models, tests = [], 0, 0
    results_file = cfg.dbt_target / "run_results.json"
    if results_file.exists():
        for node in json.loads(results_file.read_text(encoding="utf-8"))["results"]:
            kind = node["unique_id"].split(".")[0]
            models += kind == "model"
            tests += kind in ("test", "unit_test")
            if node["status"] in ("error", "fail", "runtime error"):
                failures.append(f"{node['unique_id']}: {node.get('message')}")
    if proc.returncode != 0 and not failures:
        failures.append("dbt: " + (proc.stdout + proc.stderr).strip()[-2000:])
    return BuildResult(proc.returncode == 0, models, tests, failures, str(cfg.warehouse))


def identifier(name) -> str:
    """A column name as a DuckDB SQL identifier (double-quoted, its own quotes doubled)."""
    return '"' + str(name).replace('"', '""') + '"'


def read_model(cfg: RunConfig, model: str, digest: str | None = None):
    """A built model as a DataFrame, read from the warehouse without writing to it; `digest`:
    the name of a column added with each row's sha256 (over its JSON: every column's value)."""
    import duckdb

    with duckdb.connect(str(cfg.warehouse), read_only=True) as con:
        return con.sql(_model_rows(model, digest)).df()


def read_model_rows(cfg: RunConfig, model: str, digest: str | None = None):
    """A built model's rows as an Arrow table (DuckDB's types), as `read_model` reads them:
    nothing is made a Python object until a caller asks (`as_frame`)."""
    import duckdb

    with duckdb.connect(str(cfg.warehouse), read_only=True) as con:
        return con.sql(_model_rows(model, digest)).to_arrow_table()


def _model_rows(model: str, digest: str | None) -> str:
    """The query of a model's rows, with each row's digest as `digest` when asked."""
    extra = f", sha256(to_json(m)) as {digest}" if digest else ""
    return f"select *{extra} from main.{model} m"


def as_frame(rows):
    """Arrow rows of a model as the DataFrame `read_model` gives (DuckDB's conversion: decimals
    as floats, dates as datetime64). Some of a model's rows may not take all of the model's
    dtypes (`frame_dtypes`)."""
    import duckdb

    with duckdb.connect() as con:
        return con.from_arrow(rows).df()


def frame_dtypes(rows) -> dict:
    """The dtypes `read_model` gives all of these rows, without converting their text: a
    column's can depend on its NULLs (int32 without, Int32 with)."""
    import numpy as np
    import pyarrow as pa

    texts = {f.name for f in rows.schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)}
    others = rows.drop_columns(list(texts))
    dtypes = as_frame(others).dtypes.to_dict() if others.num_columns else {}
    return {name: np.dtype(object) if name in texts else dtypes[name] for name in rows.column_names}


def column_meta(cfg: RunConfig, model: str) -> dict[str, dict]:
    """Each column's `meta` of a model, from the manifest of the last build (the one declaration)."""
    manifest = json.loads((cfg.dbt_target / "manifest.json").read_text(encoding="utf-8"))
    node = manifest["nodes"][f"model.creditlake.{model}"]
    return {
        name: col.get("meta", {}) | {"description": col.get("description", "")}
        for name, col in node["columns"].items()
    }
