"""Landing + validation throughput on 1,000,000 generated penalty rows, with peak memory.

    .venv/bin/python -m bench.landing_bench [N]

Target (issue: landing): at least 100,000 rows per second end to end on this 2-core
machine. "End to end" is what the `land` and `validate_raw` tasks do for one file: map and
fingerprint it, parse, map headers, check every row, write raw/quarantine/excluded Parquet,
then the Great Expectations gate on the loaded batch, its promotion into the raw layer and
the provider feedback reports.

Three passes over the same file, each into a fresh lake:

* task: a process forked from one that imported `creditlake.preload` and did nothing else,
  which is how a production task starts: Airflow's supervisor forks each task from its
  worker, and the worker preloads (infra/airflow/creditlake_celery_config.py). Fresh
  memory, loaded libraries. It runs first, in a child process, while this one is idle;
* cold: this fresh process, so it includes importing pyarrow, pandas and Great
  Expectations (GX alone takes 3-5 s to import, whatever the batch size): what a worker
  that does not preload pays on every task, and `creditlake run` once per run;
* warm: the same again in the same process, libraries loaded and memory reused.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

OUT = Path(__file__).parent / "out"
AS_OF = date(2026, 11, 22)


def landing_folder(n: int) -> Path:
    from creditlake.synthetic import generate

    folder = OUT / f"landing-{n}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        start = time.perf_counter()
        generate(folder, penalties=n, as_of=AS_OF, seed=11, full=False)
        print(f"generated {n:,} penalty rows in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        marker.touch()
    return folder


def one_pass(folder: Path, lake: Path) -> dict:
    from creditlake import landing, pipeline
    from creditlake.settings import RunConfig

    cfg = RunConfig(landing=folder, lake=lake, as_of=AS_OF)
    shutil.rmtree(cfg.lake, ignore_errors=True)
    files = [f for f in landing.discover(cfg) if f["dataset"] == "penalties"]
    conf = cfg.to_conf()

    start = time.perf_counter()
    landed = [pipeline.land(conf, f) for f in files]
    land_seconds = time.perf_counter() - start
    gated = pipeline.validate_raw(conf, landed)
    total = time.perf_counter() - start
    rows = sum(f["rows_in"] for f in gated)
    assert all(f["rows_in"] == f["loaded"] + f["quarantined"] + f["excluded"] for f in gated)
    assert all(f["status"] == "landed" for f in gated), [f["reason"] for f in gated]
    return {
        "rows": rows,
        "files": len(files),
        "loaded": sum(f["loaded"] for f in gated),
        "quarantined": sum(f["quarantined"] for f in gated),
        "excluded": sum(f["excluded"] for f in gated),
        "land_seconds": round(land_seconds, 2),
        "gate_seconds": round(total - land_seconds, 2),
        "total_seconds": round(total, 2),
        "rows_per_second": round(rows / total),
        "land_rows_per_second": round(rows / land_seconds),
    }


def in_a_forked_task(n: int) -> dict:
    """One pass in a task forked from a preloaded worker (run as `--task N` in a child)."""
    import creditlake.preload  # noqa: F401  (the worker's import, before it forks)

    folder = landing_folder(n)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the task
        os.close(read)
        result = one_pass(folder, OUT / f"lake-{n}")
        result["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        os.write(write, json.dumps(result).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        result = json.loads(pipe.read() or "null")
    _, status = os.waitpid(pid, 0)
    if result is None or os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the forked task failed (status {status})")
    return result


def duckdb_floor(folder: Path) -> float:
    """Seconds DuckDB takes to read the same CSV files (every column as text, its broken lines
    skipped) into Parquet:
    the floor landing is compared with, measured in the same run."""
    import duckdb

    files = sorted(str(p) for p in (folder / "penalties").iterdir() if p.suffix == ".csv")
    target = OUT / "duckdb-floor.parquet"
    start = time.perf_counter()
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * from read_csv({files!r}, all_varchar = true, ignore_errors = true)) to '{target}' (format parquet)"
        )
    seconds = time.perf_counter() - start
    target.unlink()
    return seconds


def main(n: int = 1_000_000) -> dict:
    folder = landing_folder(n)
    child = subprocess.run(
        [sys.executable, "-m", "bench.landing_bench", "--task", str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    task = json.loads(child.stdout)
    cold = one_pass(folder, OUT / f"lake-{n}")
    warm = one_pass(folder, OUT / f"lake-{n}")
    return {
        "task": task,
        "cold": cold,
        "warm": warm,
        "duckdb_seconds": round(duckdb_floor(folder), 2),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--task"]:
        print(json.dumps(in_a_forked_task(int(sys.argv[2]))))
        raise SystemExit
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    r = main(n)
    for name, p in (("task", r["task"]), ("cold", r["cold"]), ("warm", r["warm"])):
        print(
            f"{name}: landing {p['rows']:,} rows ({p['files']} file): land {p['land_seconds']} s + gate and "
            f"feedback {p['gate_seconds']} s = {p['total_seconds']} s -> {p['rows_per_second']:,} rows/s end to "
            f"end ({p['land_rows_per_second']:,} rows/s landing alone; "
            f"{p['total_seconds'] / r['duckdb_seconds']:.1f}x the DuckDB floor)"
        )
    w = r["warm"]
    print(f"DuckDB floor: the same CSV into Parquet, every column as text: {r['duckdb_seconds']} s")
    print(
        f"peak memory: task {r['task']['peak_memory_mb']:,} MB, cold and warm {r['peak_memory_mb']:,} MB; "
        f"{w['loaded']:,} loaded, {w['quarantined']:,} quarantined, {w['excluded']:,} excluded"
    )
