"""Credit commitments (信用承诺) land, go through the raw gate and the warehouse, and show in the
subject's credit file with how each was kept (city-2022 Art 32, jl-draft Art 51); one past its
有效期至 is no longer published and is withdrawn from the feeds (gd-draft Art 24(3))."""

import csv
import json

import pytest

from creditlake import pipeline, warehouse
from creditlake.settings import RunConfig
from tests.conftest import AS_OF

HEADER = [
    "承诺编号",
    "主体名称",
    "主体类别",
    "统一社会信用代码",
    "证件类型",
    "证件号码",
    "承诺类型",
    "承诺事项",
    "承诺内容",
    "承诺日期",
    "受理单位",
    "有效期至",
    "履行状态",
    "履行状态日期",
    "数据来源单位",
]
COMPANY, PERSON = "91220104MA0Y123404", "220104198503171230"
MARKET = "长春市市场监督管理局"
ROWS = [
    # kept: checked within two months and found true (hl-2022 Art 46)
    [
        "CN-2026-0001",
        "长春市金源商贸有限公司",
        "法人及非法人组织",
        COMPANY,
        "",
        "",
        "审批替代型",
        "食品经营许可证核发（告知承诺制）",
        "本单位承诺已具备食品经营许可条件，所提交材料真实有效。",
        "2026-03-02",
        MARKET,
        "2031-03-01",
        "已履行",
        "2026-04-28",
        MARKET,
    ],
    # broken, long-term: stays published (no validity: until cancelled)
    [
        "CN-2026-0002",
        "长春市金源商贸有限公司",
        "法人及非法人组织",
        COMPANY,
        "",
        "",
        "容缺受理型",
        "食品经营许可证延续（容缺受理）",
        "承诺二十个工作日内补交检测报告，法定代表人王伟，电话13911112222。",
        "2026-05-11",
        MARKET,
        "长期",
        "违诺",
        "2026-06-15",
        MARKET,
    ],
    # in force until 2026-06-30: past its validity on the run's date (2026-11-22)
    [
        "CN-2026-0003",
        "长春市金源商贸有限公司",
        "法人及非法人组织",
        COMPANY,
        "",
        "",
        "行业自律型",
        "遵守行业自律公约",
        "承诺明码标价，不销售假冒伪劣商品。",
        "2025-07-01",
        MARKET,
        "2026-06-30",
        "履行中",
        "",
        MARKET,
    ],
    [
        "CN-2026-0004",
        "刘建华",
        "自然人",
        "",
        "身份证",
        PERSON,
        "信用修复型",
        "申请修复行政处罚信息",
        "本人承诺一年内不再发生同类违法行为。",
        "2026-08-03",
        "吉林省发展和改革委员会",
        "2027-08-02",
        "履行中",
        "",
        "吉林省发展和改革委员会",
    ],
    # refused: a status outside the list, and a status found before the commitment was made
    [
        "CN-2026-0005",
        "长春市金源商贸有限公司",
        "法人及非法人组织",
        COMPANY,
        "",
        "",
        "主动型",
        "主动公开信用承诺",
        "承诺依法诚信经营。",
        "2026-07-01",
        MARKET,
        "",
        "已违约",
        "2026-08-01",
        MARKET,
    ],
    [
        "CN-2026-0006",
        "长春市金源商贸有限公司",
        "法人及非法人组织",
        COMPANY,
        "",
        "",
        "主动型",
        "主动公开信用承诺",
        "承诺依法诚信经营。",
        "2026-07-01",
        MARKET,
        "",
        "未履行",
        "2026-06-01",
        MARKET,
    ],
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("commitments")
    cfg = RunConfig(landing=root / "landing", lake=root / "lake", as_of=AS_OF)
    folder = cfg.landing / "credit_commitments"
    folder.mkdir(parents=True)
    with (folder / "commitments.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *ROWS])
    conf = cfg.to_conf()
    landed = pipeline.validate_raw(conf, [pipeline.land(conf, f) for f in pipeline.discover(conf)])
    result = warehouse.build(cfg)
    assert result.success, result.failures
    return cfg, landed


def test_every_good_row_lands_and_a_bad_one_is_refused_with_its_reason(built):
    cfg, landed = built
    [result] = landed
    assert (result["dataset"], result["status"], result["gate"]["success"]) == (
        "credit_commitments",
        "landed",
        True,
    )
    assert (result["rows_in"], result["loaded"], result["quarantined"]) == (6, 4, 2)
    assert result["reasons"] == {"enum_invalid": 1, "date_order": 1}
    # the refused rows go back to the unit that sent them
    [report] = [p for p in result["feedback"] if p.endswith(".json")]
    assert MARKET in report
    rows = json.loads(open(report, encoding="utf-8").read())["rows"]
    assert {(r["natural_key"], r["reason_code"]) for r in rows} == {
        ("CN-2026-0005", "enum_invalid"),
        ("CN-2026-0006", "date_order"),
    }


def test_the_credit_file_shows_commitments_published_kept_and_broken(built):
    cfg, _ = built
    files = warehouse.read_model(cfg, "dim_subject_credit_file").set_index("subject_key")
    columns = ["commitments_published", "commitments_fulfilled", "commitments_breached", "archived"]
    assert files.loc[COMPANY, columns].tolist() == [2, 1, 1, 1]
    assert files.loc[PERSON, columns].tolist() == [1, 0, 0, 0]


def test_a_commitment_past_its_validity_is_no_longer_published_and_is_withdrawn(built):
    cfg, _ = built
    records = warehouse.read_model(cfg, "int_credit__records_as_of").set_index("decision_number")
    assert records.loc["CN-2026-0003", "status"] == "expired"
    assert records.loc["CN-2026-0002", "status"] == "published"  # 长期: until cancelled
    shared = warehouse.read_model(cfg, "fct_shareable_records")
    assert set(shared.loc[shared["dataset"] == "credit_commitments", "decision_number"]) == {
        "CN-2026-0001",
        "CN-2026-0002",
        "CN-2026-0004",
    }
    withdrawn = warehouse.read_model(cfg, "fct_withdrawals")
    [gone] = withdrawn[withdrawn["dataset"] == "credit_commitments"].to_dict("records")
    assert (gone["reason"], str(gone["withdrawn_on"])[:10]) == ("expired", "2026-07-01")


def test_institutions_receive_how_a_commitment_stands_but_not_its_free_text(built):
    cfg, _ = built
    shared = warehouse.read_model(cfg, "fct_shareable_records").set_index("decision_number")
    payload = json.loads(shared.loc["CN-2026-0002", "record_json"])
    assert payload | {"record_id": None} == {
        "record_id": None,
        "commitment_kind": "incomplete_application",
        "commitment_matter": "食品经营许可证延续（容缺受理）",
        "authority": MARKET,
        "valid_to": "2099-12-31",
        "fulfilment": "breached",
        "fulfilment_on": "2026-06-15",
    }
    assert shared.loc["CN-2026-0002", "catalog_item"] == "credit_commitment"
    assert "13911112222" not in shared["record_json"].str.cat()
