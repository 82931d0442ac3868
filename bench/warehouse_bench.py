"""`dbt build` on 1,000,000 penalties and 1,000,000 licences, with peak memory.

    .venv/bin/python -m bench.warehouse_bench [N]

Target (issue: dbt marts): under 60 seconds on this machine. The raw layer is made
directly in the shape landing writes (DuckDB generates it: the point here is the build,
not the landing, which has its own benchmark), with realistic key spreads, then the whole
project is built — staging, conformed records, events as of the date, marts, publish
models, and every data and unit test.
"""

from __future__ import annotations

import resource
import shutil
import sys
import time
from datetime import date
from pathlib import Path

from creditlake.synthetic.raw_layer import RAW_LICENCES, RAW_PENALTIES

OUT = Path(__file__).parent / "out"
AS_OF = date(2026, 11, 22)


def main(n: int = 1_000_000) -> dict:
    import duckdb

    from creditlake import landing, warehouse
    from creditlake.settings import RunConfig

    cfg = RunConfig(landing=OUT / "empty", lake=OUT / f"warehouse-{n}", as_of=AS_OF)
    shutil.rmtree(cfg.lake, ignore_errors=True)
    landing.ensure_raw_schema(cfg)
    with duckdb.connect() as con:
        for dataset, sql in (("penalties", RAW_PENALTIES), ("licenses", RAW_LICENCES)):
            target = landing.raw_path(cfg, dataset, f"{dataset}-bench")
            con.execute(f"copy ({sql.format(n=n)}) to '{target}' (format parquet)")
    start = time.perf_counter()
    result = warehouse.build(cfg)
    seconds = time.perf_counter() - start
    with duckdb.connect(str(cfg.warehouse), read_only=True) as con:
        counts = dict(
            con.execute("select status, count(*) from int_credit__records_as_of group by 1").fetchall()
        )
    return {
        "records": 2 * n,
        "success": result.success,
        "failures": result.failures[:3],
        "models": result.models,
        "tests": result.tests,
        "seconds": round(seconds, 1),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "status": counts,
    }


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    r = main(n)
    print(
        f"dbt build on {n:,} penalties + {n:,} licences: {r['seconds']} s, {r['models']} models, "
        f"{r['tests']} tests, success={r['success']}; peak memory of the dbt process {r['peak_memory_mb']:,} MB; "
        f"states: {r['status']}" + (f"; failures: {r['failures']}" if r["failures"] else "")
    )
