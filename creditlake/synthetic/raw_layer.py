"""Raw-layer rows made directly by DuckDB, in the shape landing writes (the lineage and
derived columns included), for building the warehouse on many rows without landing them:
`bench/warehouse_bench.py` and `tests/integration/test_rules_agree.py`.

Each is a `select` over `range({n})`: format it with `n`. Keys spread as real ones do
(400,000 subjects); decisions go back from 2026-11-21 (1,100 days for penalties, 1,500 for
licences).
"""

RAW_PENALTIES = """
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

RAW_LICENCES = """
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
