"""Feedback to providers: one report per provider and batch, due in working days (gd-draft Art 19)."""

import json
from pathlib import Path

from creditlake import pipeline
from tests.unit.test_landing import GOOD, land, write_csv


def test_refused_rows_go_back_to_their_provider_with_a_working_day_deadline(cfg):
    rows = [
        GOOD,
        GOOD | {"行政处罚决定书文号": "长市监罚〔2026〕2号", "统一社会信用代码": "91220104MA0Y123405"},
        GOOD
        | {
            "行政处罚决定书文号": "长市监罚〔2026〕3号",
            "处罚决定日期": "2026年13月1日",
            "数据来源单位": "长春市税务局",
        },
    ]
    (result,) = pipeline.validate_raw(
        cfg.to_conf(), [land(cfg, write_csv(cfg.landing / "penalties" / "a.csv", rows))]
    )
    reports = sorted(p for p in result["feedback"] if p.endswith(".json"))
    docs = {
        json.loads(Path(p).read_text(encoding="utf-8"))["provider"]: json.loads(
            Path(p).read_text(encoding="utf-8")
        )
        for p in reports
    }
    assert set(docs) == {"长春市市场监督管理局", "长春市税务局"}
    market = docs["长春市市场监督管理局"]
    # received Sunday 2026-11-22: three working days later is Wednesday 2026-11-25
    assert (market["received_on"], market["resubmit_by"]) == ("2026-11-22", "2026-11-25")
    assert [(r["row"], r["natural_key"], r["reason_code"]) for r in market["rows"]] == [
        (3, "长市监罚〔2026〕2号", "uscc_checksum")
    ]
    assert docs["长春市税务局"]["rows"][0]["reason_zh"] == "日期无法识别"
    assert all(Path(p).with_suffix(".csv").read_bytes().startswith(b"\xef\xbb\xbf") for p in reports)


def test_the_profile_s_correction_days_set_the_resubmission_date(cfg, profile_with):
    """Received Sunday 2026-11-22: five working days under a profile that gives five."""
    from dataclasses import replace

    cfg = replace(cfg, profile=profile_with({"deadlines.correction": 5}, base="hl-2022"))
    bad = GOOD | {"统一社会信用代码": "91220104MA0Y123405"}
    (result,) = pipeline.validate_raw(
        cfg.to_conf(), [land(cfg, write_csv(cfg.landing / "penalties" / "a.csv", [bad]))]
    )
    (report,) = (p for p in result["feedback"] if p.endswith(".json"))
    doc = json.loads(Path(report).read_text(encoding="utf-8"))
    assert doc["resubmit_by"] == "2026-11-27" and "within 5 working days (hl-2022 Art 38" in doc["rule"]


def test_a_refused_file_gets_a_report_too(cfg):
    path = cfg.landing / "penalties" / "bad.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x81\x30\xff\xfe")
    (result,) = pipeline.validate_raw(cfg.to_conf(), [land(cfg, path)])
    doc = json.loads(
        Path(next(p for p in result["feedback"] if p.endswith(".json"))).read_text(encoding="utf-8")
    )
    assert doc["file_refused"].startswith("file_encoding")


def test_a_corrected_resubmission_supersedes_the_refused_row(cfg):
    import duckdb

    from creditlake import landing, warehouse

    landing.ensure_raw_schema(cfg)
    bad = GOOD | {"统一社会信用代码": "91220104MA0Y123405"}
    pipeline.validate_raw(cfg.to_conf(), [land(cfg, write_csv(cfg.landing / "penalties" / "a.csv", [bad]))])
    pipeline.validate_raw(cfg.to_conf(), [land(cfg, write_csv(cfg.landing / "penalties" / "b.csv", [GOOD]))])
    assert warehouse.build(cfg).success
    with duckdb.connect(str(cfg.warehouse), read_only=True) as con:
        rows = con.execute("select reason_code, superseded_by_batch is not null from fct_refusals").fetchall()
    assert rows == [("uscc_checksum", True)]
