"""Landing + validation throughput on 1,000,000 generated penalty rows, with peak memory.

    .venv/bin/python -m bench.landing_bench [N]

Target (issue: landing): at least 100,000 rows per second end to end on this 2-core
machine. "End to end" here is what the `land` and `validate_raw` tasks do for one file:
read, decode, map headers, check every row, write raw/quarantine/excluded Parquet, then
the Great Expectations gate on the loaded batch and its promotion into the raw layer.
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


def main(n: int = 1_000_000) -> dict:
    from creditlake import landing, pipeline
    from creditlake.settings import RunConfig

    folder = landing_folder(n)
    cfg = RunConfig(landing=folder, lake=OUT / f"lake-{n}", as_of=AS_OF)
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
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    r = main(n)
    print(f"landing {r['rows']:,} rows ({r['files']} files): land {r['land_seconds']} s + gate {r['gate_seconds']} s "
          f"= {r['total_seconds']} s -> {r['rows_per_second']:,} rows/s end to end "
          f"({r['land_rows_per_second']:,} rows/s landing alone); peak memory {r['peak_memory_mb']:,} MB; "
          f"{r['loaded']:,} loaded, {r['quarantined']:,} quarantined, {r['excluded']:,} excluded")  # fmt: skip
