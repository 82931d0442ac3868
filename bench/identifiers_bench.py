"""Identifier validation throughput on 1,000,000 generated values, on one core.

    .venv/bin/python -m bench.identifiers_bench [N]

Target (issue: regulation as configuration): at least 500,000 values per second.
Values are a realistic mix: mostly clean, some with junk around them, some damaged. Verdicts
are computed once per distinct value, so the bench runs twice: values drawn from 50,000
subjects (each repeats, as a subject's code does on every record about it), and every value
distinct (the worst case).
"""

from __future__ import annotations

import itertools
import os
import random
import sys
import time


def values(n: int, kind: str, subjects: int) -> list[str]:
    from creditlake.synthetic import make_citizen_id, make_uscc

    rng = random.Random(1)
    make = make_uscc if kind == "uscc" else make_citizen_id
    pool = [make(rng) for _ in range(subjects)]
    out = []
    for i in range(n):
        v = pool[i % len(pool)]
        r = i % 100
        if r < 3:
            v = f"统一社会信用代码：{v}（1/1）" if kind == "uscc" else f" {v} "
        elif r < 5:
            v = v[:-1] + ("0" if v[-1] != "0" else "1")
        elif r == 5:
            v = "2.20104E+17"
        out.append(v)
    return out


def main(n: int = 1_000_000) -> dict:
    import pyarrow as pa

    pa.set_cpu_count(1)  # one core, as the target says
    pa.set_io_thread_count(1)
    from creditlake.identifiers import validate_citizen_id, validate_uscc

    results = {}
    for (kind, fn), subjects in itertools.product(
        (("uscc", validate_uscc), ("citizen_id", validate_citizen_id)), (50_000, n)
    ):
        column = pa.array(values(n, kind, subjects), pa.string())
        fn(column.slice(0, 1000))  # warm up (imports, regex compilation)
        start = time.perf_counter()
        verdicts = fn(column)
        seconds = time.perf_counter() - start
        refused = verdicts["reason"].null_count
        results[f"{kind} from {subjects:,} subjects"] = {
            "values": n,
            "seconds": round(seconds, 3),
            "values_per_second": round(n / seconds),
            "refused": n - refused,
        }
    return results


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    for kind, r in main(n).items():
        print(
            f"{kind:<34} {r['values']:>9,} values in {r['seconds']:.2f} s = {r['values_per_second']:>10,} values/s"
            f"  ({r['refused']:,} refused)"
        )
