"""Landing + validation throughput on 1,000,000 generated penalty rows, with peak memory.

    .venv/bin/python -m bench.landing_bench [N]

Target (issue: landing): at least 100,000 rows per second end to end on this 2-core
machine. "End to end" is what the `land` and `validate_raw` tasks do for one file: map and
fingerprint it, parse, map headers, check every row, write raw/quarantine/excluded Parquet,
then the Great Expectations gate on the loaded batch, its promotion into the raw layer and
the provider feedback reports.

Two passes over the same file, each into a fresh lake:

* cold: this fresh process, so it includes importing pyarrow, pandas and Great
  Expectations (GX alone takes 3-5 s to import, whatever the batch size), as
  a task process that lands one file and gates it pays once;
* warm: the same again in the same process, libraries loaded: the rate a worker that keeps
  them loaded sustains. (Airflow starts a process per task, and `creditlake run` one process
  per run: each pays the imports once.)
"""

from __future__ import annotations

import resource
import shutil
import sys
import time
from datetime import date
from pathlib import Path

OUT = Path(__file__).parent / "out"
AS_OF = date(2026, 11, 22)


def landing_folder(n: int) -> Path:
    from creditlake.generate import generate

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


def main(n: int = 1_000_000) -> dict:
    folder = landing_folder(n)
    cold = one_pass(folder, OUT / f"lake-{n}")
    warm = one_pass(folder, OUT / f"lake-{n}")
    return {"cold": cold, "warm": warm,
            "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}  # fmt: skip


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    r = main(n)
    for name, p in (("cold", r["cold"]), ("warm", r["warm"])):
        print(f"{name}: landing {p['rows']:,} rows ({p['files']} file): land {p['land_seconds']} s + gate and feedback "
              f"{p['gate_seconds']} s = {p['total_seconds']} s -> {p['rows_per_second']:,} rows/s end to end "
              f"({p['land_rows_per_second']:,} rows/s landing alone)")  # fmt: skip
    w = r["warm"]
    print(f"peak memory {r['peak_memory_mb']:,} MB; {w['loaded']:,} loaded, {w['quarantined']:,} quarantined, "
          f"{w['excluded']:,} excluded")  # fmt: skip
