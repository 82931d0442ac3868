"""A small hand-written landing, built under a profile: what the law tests run on.

The extracts are written here row by row (not by the generator), landed and built as a run
does (`creditlake.landing`, `warehouse.build`), so every test sees the rules as a run
applies them. The raw gate between the two is left out: it is not what these tests are about.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

from creditlake import landing, warehouse
from creditlake.settings import safe_name

# valid codes (GB 32100-2015 check character) for the subjects of these tests
ORGS = [
    "91230202Y4CL12TH34",
    "91230202J1XG612DDN",
    "9122020272HD1TJ3YQ",
    "91220702LLJY1JJC13",
    "912207021HU49D4H3F",
    "914406049HTM53JJLB",
    "91220702B3HN2J1K6W",
    "91440103MHDQAEJXEH",
]

PENALTY = {
    "CF_XDR_MC": "长春市金源商贸有限公司",
    "CF_XDR_LB": "法人及非法人组织",
    "CF_XDR_SHXYM": ORGS[0],
    "CF_WSH": "长市监罚〔2019〕1号",
    "CF_WFXW": "销售不合格产品",
    "CF_SY": "销售不合格产品",
    "CF_YJ": "《中华人民共和国产品质量法》第四十九条",
    "CF_CFLB": "罚款",
    "CF_NR": "罚款人民币2万元",
    "CF_NR_FK": "2",
    "CF_JDRQ": "2019-03-01",
    "CF_CFJG": "长春市市场监督管理局",
    "CF_SJLY": "长春市市场监督管理局",
    "CF_AJCXLB": "一般程序",
}
LICENCE = {
    "XK_XDR_MC": "长春市金源商贸有限公司",
    "XK_XDR_LB": "法人及非法人组织",
    "XK_XDR_SHXYM": ORGS[0],
    "XK_XKWS": "食品经营许可决定书",
    "XK_WSH": "JY1220104000001",
    "XK_XKLB": "普通",
    "XK_NR": "食品经营许可",
    "XK_JDRQ": "2020-01-01",
    "XK_YXQZ": "2020-01-01",
    "XK_YXQZI": "2025-01-01",
    "XK_XKJG": "长春市市场监督管理局",
    "XK_LYDW": "长春市市场监督管理局",
}
HONOUR = {
    "RY_MC": "长春市金源商贸有限公司",
    "RY_LB": "法人及非法人组织",
    "RY_SHXYM": ORGS[0],
    "RY_RYMC": "守合同重信用企业",
    "RY_RYLB": "表彰奖励",
    "RY_WH": "吉市监〔2020〕5号",
    "RY_SYJG": "吉林省市场监督管理局",
    "RY_SYRQ": "2020-06-01",
    "RY_SJLY": "吉林省市场监督管理局",
}
COURT = {
    "SX_MC": "长春市金源商贸有限公司",
    "SX_ZJHM": ORGS[0],
    "SX_FRDB": "王伟",
    "SX_ZXFY": "长春市朝阳区人民法院",
    "SX_LASJ": "2020-01-02",
    "SX_AH": "(2020)吉0104执1号",
    "SX_LXQK": "全部未履行",
    "SX_JTQX": "有履行能力而拒不履行生效法律文书确定义务",
    "SX_FBSJ": "2020-03-01",
}
REPAIR = {
    "XF_BH": "XF001",
    "XF_ZTMC": "长春市金源商贸有限公司",
    "XF_ZTDM": ORGS[0],
    "XF_XXLB": "行政处罚",
    "XF_YWSH": "长市监罚〔2019〕1号",
    "XF_JDRQ": "2019-09-01",
    "XF_JG": "长春市市场监督管理局",
    "XF_SJLY": "长春市市场监督管理局",
}
BASE = {
    "penalties": PENALTY,
    "licenses": LICENCE,
    "honors": HONOUR,
    "court_dishonest": COURT,
    "repairs": REPAIR,
}


def write_extract(folder: Path, dataset: str, rows: list[dict]) -> Path:
    """A UTF-8 CSV with the layout's codes as headers, each row the dataset's base row with
    the test's changes."""
    rows = [BASE.get(dataset, {}) | row for row in rows]
    header = list(dict.fromkeys(k for row in rows for k in row))
    path = folder / landing.layout(dataset)["landing_folder"] / f"{dataset}_law.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def built(cfg):
    """`built(profile, as_of, penalties=[...], honors=[...], ...)`: land the rows and build;
    returns a query function on the warehouse (rows as tuples). The models are built without
    dbt's data tests (`dbt run`), a third of the time; `checked=True` runs them too."""
    count = [0]

    def build(profile: str, as_of: date, checked: bool = False, **extracts: list[dict]):
        count[0] += 1
        run = replace(
            cfg,
            profile=profile,
            as_of=as_of,
            landing=cfg.landing / str(count[0]),
            lake=cfg.lake.parent / f"lake{count[0]}",
        )
        for dataset, rows in extracts.items():
            write_extract(run.landing, dataset, rows)
        landing.ensure_raw_schema(run)
        results = [landing.land_file(run, f["path"], f["dataset"]) for f in landing.discover(run)]
        for landed in results:  # the raw gate is not what these tests are about (tests/unit/test_suites.py)
            landing.promote(run, landed["dataset"], safe_name(landed["batch_id"]))
        if checked:
            result = warehouse.build(run)
            assert result.success, result.failures[:3]
        else:
            warehouse.export_working_days(run)
            proc = warehouse.dbt(run, "run")
            assert proc.returncode == 0, proc.stdout[-3000:]

        def query(sql: str, *params):
            with duckdb.connect(str(run.warehouse), read_only=True) as con:
                return con.execute(sql, list(params)).fetchall()

        query.landed = results
        return query

    return build
