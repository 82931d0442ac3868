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

OUT = Path(__file__).parent / "out"
AS_OF = date(2026, 11, 22)

PENALTIES = """
select
    '企业' || (i % 400000) || '有限公司' as CF_XDR_MC, '法人及非法人组织' as CF_XDR_LB,
    '' as CF_XDR_SHXYM, '' as CF_XDR_GSZC, '' as CF_XDR_ZZJG, '' as CF_XDR_SWDJ, '' as CF_XDR_SYDW, '' as CF_XDR_SHZZ,
    '王伟' as CF_FRDB, '身份证' as CF_FR_ZJLX, '' as CF_FR_ZJHM, '' as CF_XDR_ZJLX, '' as CF_XDR_ZJHM,
    '罚〔' || (2024 + i % 3) || '〕' || i || '号' as CF_WSH, '违法行为' as CF_WFXW,
    '经查，该单位违法事实清楚，法定代表人王伟（电话13812345678）承认。' as CF_SY, '《行政处罚法》' as CF_YJ,
    ['罚款', '警告', '罚款;没收违法所得', '吊销许可证件', '罚款;责令停产停业'][1 + i % 5] as CF_CFLB,
    '处罚内容' as CF_NR, cast((i % 300) / 10.0 as varchar) as CF_NR_FK, '0' as CF_NR_WFFF, '' as CF_NR_ZKDX,
    '' as CF_JDRQ, '' as CF_YXQ, '' as CF_GSJZQ, '某市市场监督管理局' as CF_CFJG, '' as CF_CFJGDM,
    '某市市场监督管理局' as CF_SJLY, '' as CF_SJLYDM, '02' as CF_AJCXLB, '0' as CF_GSZT, '' as BZ,
    'bench.csv' as _source_file, 'x' as _source_sha256, i + 2 as _source_row, 'penalties-bench' as _batch_id,
    '2026-11-01T00:00:00+00:00' as _landed_at, 'organisation' as _subject_type,
    'K' || lpad(cast(i % 400000 as varchar), 17, '0') as _subject_key,
    cast(date '2026-11-21' - cast(i % 1100 as integer) as varchar) as _decision_date, null::varchar as _flags,
    '罚〔' || (2024 + i % 3) || '〕' || i || '号|K' || lpad(cast(i % 400000 as varchar), 17, '0') as _record_key,
    md5(cast(i as varchar)) as _row_hash,
from range({n}) t(i)
"""

LICENCES = """
select
    '企业' || (i % 400000) || '有限公司' as XK_XDR_MC, '法人及非法人组织' as XK_XDR_LB, '' as XK_XDR_SHXYM,
    '' as XK_XDR_GSZC, '' as XK_XDR_ZZJG, '' as XK_XDR_SWDJ, '' as XK_XDR_SYDW, '' as XK_XDR_SHZZ,
    '王伟' as XK_FRDB, '身份证' as XK_FR_ZJLX, '' as XK_FR_ZJHM, '' as XK_XDR_ZJLX, '' as XK_XDR_ZJHM,
    '食品经营许可决定书' as XK_XKWS, '许〔' || i || '〕号' as XK_WSH, '普通' as XK_XKLB, '食品经营许可证' as XK_XKZS,
    'JY' || i as XK_XKBH, '食品销售' as XK_NR, '' as XK_JDRQ, '2024-01-01' as XK_YXQZ,
    case when i % 3 = 0 then '长期' else '2029-12-31' end as XK_YXQZI, '某市市场监督管理局' as XK_XKJG,
    '' as XK_XKJGDM, '1' as XK_ZT, '某市市场监督管理局' as XK_LYDW, '' as XK_LYDWDM, '' as BZ,
    'bench.csv' as _source_file, 'x' as _source_sha256, i + 2 as _source_row, 'licenses-bench' as _batch_id,
    '2026-11-01T00:00:00+00:00' as _landed_at, 'organisation' as _subject_type,
    'K' || lpad(cast(i % 400000 as varchar), 17, '0') as _subject_key,
    cast(date '2026-11-21' - cast(i % 1500 as integer) as varchar) as _decision_date, null::varchar as _flags,
    '许〔' || i || '〕号|K' || lpad(cast(i % 400000 as varchar), 17, '0') as _record_key,
    md5(cast(i as varchar)) as _row_hash,
from range({n}) t(i)
"""


def main(n: int = 1_000_000) -> dict:
    import duckdb

    from creditlake import landing, warehouse
    from creditlake.settings import RunConfig

    cfg = RunConfig(landing=OUT / "empty", lake=OUT / f"warehouse-{n}", as_of=AS_OF)
    shutil.rmtree(cfg.lake, ignore_errors=True)
    landing.ensure_raw_schema(cfg)
    with duckdb.connect() as con:
        for dataset, sql in (("penalties", PENALTIES), ("licenses", LICENCES)):
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
    print(f"dbt build on {n:,} penalties + {n:,} licences: {r['seconds']} s, {r['models']} models, "
          f"{r['tests']} tests, success={r['success']}; peak memory of the dbt process {r['peak_memory_mb']:,} MB; "
          f"states: {r['status']}" + (f"; failures: {r['failures']}" if r["failures"] else ""))  # fmt: skip
