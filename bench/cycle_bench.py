"""One whole cycle at provincial scale, through the DAG as `creditlake run` runs it.

    .venv/bin/python -m bench.cycle_bench [N ...]      (default: 100000 1000000)

Target (issue 21): a first cycle of 1,000,000 penalties (and every other dataset in
proportion: licences 1/2, court list and honours 1/10, commitments and events 1/20, in UTF-8
CSV) within 10x the floor measured in the same run, DuckDB reading the same CSV files into
Parquet; a daily cycle (the next day: 1% new rows of every dataset and their events, landed
into the same lake) in under a quarter of the first's time; peak memory under 8 GB.

Per cycle it prints the wall time of `creditlake run` (Airflow's `dags test`, its start-up
included), each task's time from Airflow's metadata database (mapped `land` tasks summed),
the peak resident memory of the largest process, and the size of each output folder. Feeds
go to the example registry's institutions (publishing/registry_example), as `make demo`.
"""

from __future__ import annotations

import json
import resource
import shutil
import sqlite3
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).parent / "out"
AS_OF = date(2026, 11, 22)
REGISTRY = Path(__file__).parents[1] / "publishing" / "registry_example"


def landing_folder(name: str, penalties: int, as_of: date, seed: int) -> Path:
    """Generated extracts, kept between runs of the benchmark (same arguments, same bytes)."""
    from creditlake.synthetic import generate

    folder = OUT / name
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        start = time.perf_counter()
        generate(folder, penalties=penalties, as_of=as_of, seed=seed, formats="csv")
        print(f"generated {name} in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
        marker.touch()
    return folder


def csv_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.csv"))


def duckdb_floor(folder: Path) -> float:
    """Seconds DuckDB takes to read every extract (every column as text, broken lines skipped)
    into one Parquet file per extract."""
    import duckdb

    target = OUT / "floor"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    start = time.perf_counter()
    with duckdb.connect() as con:
        for i, path in enumerate(csv_files(folder)):
            con.execute(
                f"copy (select * from read_csv('{path}', all_varchar = true, ignore_errors = true)) "
                f"to '{target / f'{i}.parquet'}' (format parquet)"
            )
    seconds = time.perf_counter() - start
    shutil.rmtree(target)
    return seconds


def task_seconds(run_id: str) -> dict[str, float]:
    """Each task's time in the run, from the local metadata database; mapped tasks summed."""
    from creditlake.runner import airflow_home

    with sqlite3.connect(airflow_home() / "airflow.db") as con:
        rows = con.execute(
            "select task_id, (julianday(end_date) - julianday(start_date)) * 86400 "
            "from task_instance where run_id = ? and end_date is not null",
            (run_id,),
        ).fetchall()
    seconds: dict[str, float] = defaultdict(float)
    for task, spent in rows:
        seconds[task] += spent
    return dict(sorted(seconds.items(), key=lambda kv: -kv[1]))


def folder_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6, 1)


def cycle(landing: Path, lake: Path, as_of: date) -> dict:
    from creditlake.runner import run_cycle
    from creditlake.settings import RunConfig

    cfg = RunConfig(landing=landing, lake=lake, as_of=as_of, registry=REGISTRY)
    start = time.perf_counter()
    ok, summary, log = run_cycle(cfg)
    seconds = time.perf_counter() - start
    if not ok:
        raise SystemExit(f"the cycle as of {as_of} failed:\n{log[-3000:]}")
    return {
        "seconds": round(seconds, 1),
        "tasks": {task: round(s, 1) for task, s in task_seconds(summary["run_id"]).items()},
        "rows_landed": sum(f.get("rows_in", 0) for f in summary.get("files", [])),
        "outputs_mb": {p.name: folder_mb(p) for p in sorted(lake.iterdir()) if p.is_dir()},
    }


def main(n: int) -> dict:
    first = landing_folder(f"cycle-{n}", n, AS_OF, seed=21)
    daily = landing_folder(f"cycle-{n}-daily", max(n // 100, 200), AS_OF + timedelta(days=1), seed=22)
    lake = OUT / f"cycle-lake-{n}"
    shutil.rmtree(lake, ignore_errors=True)
    floor = duckdb_floor(first)
    result = {
        "penalties": n,
        "extract_rows": sum(sum(1 for _ in p.open("rb")) - 1 for p in csv_files(first)),
        "extract_mb": round(sum(p.stat().st_size for p in csv_files(first)) / 1e6, 1),
        "floor_seconds": round(floor, 2),
        "first": cycle(first, lake, AS_OF),
        "daily": cycle(daily, lake, AS_OF + timedelta(days=1)),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }
    result["first_vs_floor"] = round(result["first"]["seconds"] / floor, 1)
    result["daily_vs_first"] = round(result["daily"]["seconds"] / result["first"]["seconds"], 2)
    return result


def report(r: dict) -> str:
    lines = [
        f"{r['penalties']:,} penalties ({r['extract_rows']:,} extract lines, {r['extract_mb']:,} MB of CSV): "
        f"DuckDB floor {r['floor_seconds']} s",
    ]
    for name in ("first", "daily"):
        c = r[name]
        tasks = ", ".join(f"{t} {s}" for t, s in c["tasks"].items())
        outputs = ", ".join(f"{k} {v}" for k, v in c["outputs_mb"].items())
        lines.append(f"  {name} cycle: {c['seconds']} s ({c['rows_landed']:,} rows landed)")
        lines.append(f"    tasks (s): {tasks}")
        lines.append(f"    lake after (MB): {outputs}")
    lines.append(
        f"  first cycle = {r['first_vs_floor']}x the floor (target 10x); daily = {r['daily_vs_first']} of the "
        f"first (target < 0.25); peak memory of the largest process {r['peak_memory_mb']:,} MB (target < 8,000)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    for size in sizes:
        outcome = main(size)
        print(report(outcome), flush=True)
        (OUT / f"cycle-{size}.json").write_text(json.dumps(outcome, indent=1), encoding="utf-8")
