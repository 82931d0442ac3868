"""A court list written by hand, landed, gated, built and published as a cycle does: what the
open-data, portal, DCAT and data-package tests run on. A helper module, not a test module, so
no test imports another."""

from __future__ import annotations

import csv

from creditlake import pipeline
from creditlake.settings import RunConfig
from publishing import stages

COURT_HEADER = [
    "被执行人姓名/名称",
    "身份证号码/组织机构代码",
    "法定代表人或者负责人姓名",
    "执行法院",
    "立案时间",
    "案号",
    "生效法律文书确定的义务",
    "被执行人的履行情况",
    "失信被执行人行为具体情形",
    "发布时间",
]

# An organisation's entry as a court's list gives it (what several tests land as it is)
ORGANISATION_ROW = [
    "长春市金源商贸有限公司",
    "91220104MA0Y123404",
    "王伟",
    "长春市朝阳区人民法院",
    "2025-01-02",
    "(2025)吉0104执2号",
    "支付货款",
    "部分未履行",
    "违反限制消费令",
    "2025-03-01",
]


def land_and_build(cfg: RunConfig, rows: list[list[str]], header: list[str] = COURT_HEADER) -> RunConfig:
    """The rows as the court list's CSV under `cfg.landing`, landed, gated and built."""
    folder = cfg.landing / "court_dishonest"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "court.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    conf = cfg.to_conf()
    pipeline.validate_raw(conf, [pipeline.land(conf, f) for f in pipeline.discover(conf)])
    pipeline.build(conf)
    return cfg


def publish(conf: dict, run_id: str) -> tuple[list[dict], dict]:
    """One open-data branch of a cycle: prepare, the gate's verdicts, release (by dataset)."""
    verdicts = stages.validate_outputs(conf, stages.prepare_open_data(conf, run_id))
    return verdicts, {r["dataset"]: r for r in stages.publish(conf, verdicts)}
