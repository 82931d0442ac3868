"""Landing: every row loaded, quarantined or excluded, with a reason; bad files refused, not crashed."""

import csv
import io
import json

import pandas as pd
import pytest

from creditlake import landing
from creditlake.synthetic import PENALTY_HEADERS_ZH
from tests.conftest import PENALTY_ROW_ZH as GOOD


def write_csv(path, rows, headers=PENALTY_HEADERS_ZH, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=headers, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def land(cfg, path):
    return landing.land_file(cfg, str(path), "penalties")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings_are_read_and_names_survive(cfg, encoding):
    row = GOOD | {"行政相对人名称": "吉林省䶮䶮商贸有限公司"}  # a name GBK cannot encode
    if encoding == "gb18030":
        row["行政相对人名称"] = "吉林省𠀀商贸有限公司"
    path = write_csv(cfg.landing / "penalties" / "a.csv", [row], encoding=encoding)
    result = land(cfg, path)
    assert (result["status"], result["loaded"]) == ("landed", 1)
    raw = pd.read_parquet(landing.pending_path(cfg, "penalties", result["batch_id"]))
    assert raw["CF_XDR_MC"].iloc[0] == row["行政相对人名称"]


def test_code_headers_are_accepted(cfg):
    codes = {f["zh"]: f["code"] for f in landing.layout("penalties")["fields"]}
    row = {codes[k]: v for k, v in GOOD.items()}
    path = write_csv(cfg.landing / "penalties" / "codes.csv", [row], headers=list(row))
    assert land(cfg, path)["loaded"] == 1


@pytest.mark.parametrize(
    "change, fate, reason",
    [
        ({}, "loaded", None),
        ({"统一社会信用代码": "91220104MA0Y123405"}, "quarantined", "uscc_checksum"),
        ({"统一社会信用代码": "9.12201E+17"}, "quarantined", "id_excel_scientific"),
        ({"统一社会信用代码": "统一社会信用代码：91220104MA0Y123404"}, "loaded", None),
        ({"处罚决定日期": "2023年13月45日"}, "quarantined", "date_invalid"),
        ({"处罚决定日期": "2027-01-01"}, "quarantined", "date_in_future"),
        ({"处罚决定日期": "45047"}, "loaded", None),  # Excel serial for 2023-05-01
        ({"处罚决定日期": "２０２６／５／１"}, "loaded", None),  # full-width
        ({"行政处罚决定书文号": ""}, "quarantined", "required_missing"),
        ({"行政相对人类别": "公司"}, "quarantined", "enum_invalid"),
        ({"罚款金额（万元）": "-1"}, "quarantined", "amount_invalid"),
        ({"案件程序类别": "01"}, "excluded", "excluded_simple_procedure"),
        # a legal representative's number as a publicity page shows it names no one
        ({"法定代表人证件号码": "2201041990****1238"}, "quarantined", "linked_id_masked"),
        ({"法定代表人证件号码": "22010419900307123＊"}, "quarantined", "linked_id_masked"),
        ({"法定代表人证件号码": "220104199003071238"}, "loaded", None),
        (
            {"行政相对人类别": "自然人", "统一社会信用代码": "", "证件号码": "220104199003071232"},
            "quarantined",
            "id_checksum",
        ),
        (
            {"行政相对人类别": "自然人", "统一社会信用代码": "", "证件号码": "220104199003071238"},
            "loaded",
            None,
        ),
    ],
)
def test_row_fate_and_reason(cfg, change, fate, reason):
    path = write_csv(cfg.landing / "penalties" / "one.csv", [GOOD | change])
    result = land(cfg, path)
    assert result[fate] == 1
    assert result["rows_in"] == result["loaded"] + result["quarantined"] + result["excluded"] == 1
    if reason:
        assert result["reasons"] == {reason: 1}
    if fate == "quarantined":
        q = pd.read_parquet(cfg.quarantine_root / "penalties" / f"{result['batch_id']}.parquet")
        assert q["_reason_code"].tolist() == [reason]
        assert q["_source_row"].tolist() == [2]  # the row a clerk sees in the spreadsheet
        assert q["_reason_zh"].iloc[0] and q["_reason_en"].iloc[0]


def test_duplicate_in_batch_keeps_the_first(cfg):
    path = write_csv(cfg.landing / "penalties" / "dup.csv", [GOOD, GOOD])
    result = land(cfg, path)
    assert (result["loaded"], result["quarantined"], result["reasons"]) == (1, 1, {"duplicate_in_batch": 1})


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"\xff\xfe\x00\x00garbage\x81\x30", "file_encoding"),
        ("行政相对人名称,违法事实\n甲公司,无\n".encode(), "file_missing_columns"),
        (",".join(PENALTY_HEADERS_ZH).encode() + b"\n", "file_empty"),
    ],
)
def test_bad_files_are_refused_with_a_reason(cfg, content, reason):
    path = cfg.landing / "penalties" / "bad.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    result = land(cfg, path)
    assert result["status"] == "refused" and result["reason"].startswith(reason)
    assert result["rows_in"] == result["loaded"] == 0


def test_same_bytes_land_once(cfg):
    path = write_csv(cfg.landing / "penalties" / "a.csv", [GOOD])
    first = land(cfg, path)
    landing.record_in_ledger(cfg, landing.FileResult(**first))
    again = land(cfg, cfg.landing / "penalties" / "a.csv")
    assert again["status"] == "already_landed" and again["loaded"] == first["loaded"]


def test_generated_extract_accounts_for_every_row(cfg):
    import json

    from creditlake.synthetic import generate

    generate(cfg.landing, penalties=400, as_of=cfg.as_of, defect_rate=0.1, full=False)
    truth = json.loads((cfg.landing / "truth.json").read_text(encoding="utf-8"))
    (file,) = landing.discover(cfg)
    result = land(cfg, file["path"])
    assert result["rows_in"] == 400 == result["loaded"] + result["quarantined"] + result["excluded"]
    q = pd.read_parquet(cfg.quarantine_root / "penalties" / f"{result['batch_id']}.parquet")
    got = {f"penalties_0001.csv:{r}": c for r, c in zip(q["_source_row"], q["_reason_code"], strict=True)}
    # the truth keys the malformed line as row -1 with its file line in "line"; landing reports the line
    want = {
        (f"{k[: -len(':-1')]}:{v['line']}" if k.endswith(":-1") else k): v["reason"]
        for k, v in truth["expected"].items()
        if v["fate"] == "quarantined"
    }
    assert got == want
    assert result["excluded"] == sum(v["fate"] == "excluded" for v in truth["expected"].values())


def test_xlsx_reads_identifiers_as_text_and_refuses_excel_damage(cfg):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(GOOD))
    ws.append(list(GOOD.values()))
    damaged = dict(GOOD, 统一社会信用代码=9.12201e17, 行政处罚决定书文号="长市监罚〔2026〕2号")
    ws.append(list(damaged.values()))
    path = cfg.landing / "penalties" / "book.xlsx"
    path.parent.mkdir(parents=True)
    wb.save(path)
    result = land(cfg, path)
    assert (result["loaded"], result["reasons"]) == (1, {"id_excel_scientific": 1})


def test_json_lines_with_a_broken_line(cfg):
    path = cfg.landing / "penalties" / "feed.jsonl"
    path.parent.mkdir(parents=True)
    lines = [
        json.dumps(GOOD, ensure_ascii=False),
        "{not json",
        json.dumps(GOOD | {"行政处罚决定书文号": "X2"}, ensure_ascii=False),
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    result = land(cfg, path)
    assert (result["rows_in"], result["loaded"], result["quarantined"]) == (3, 2, 1)
    assert result["reasons"] == {"row_malformed": 1}


def test_csv_row_with_too_many_fields_is_quarantined_not_fatal(cfg):
    path = write_csv(cfg.landing / "penalties" / "a.csv", [GOOD])
    path.write_bytes(
        path.read_bytes()
        + "多,出,来,的,行,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23\n".encode()
    )
    result = land(cfg, path)
    assert (result["rows_in"], result["loaded"], result["quarantined"]) == (2, 1, 1)


def test_court_list_keeps_masked_ids_as_published(cfg):
    folder = cfg.landing / "court_dishonest"
    folder.mkdir(parents=True)
    header = [
        "被执行人姓名/名称",
        "身份证号码/组织机构代码",
        "执行法院",
        "立案时间",
        "案号",
        "被执行人的履行情况",
        "失信被执行人行为具体情形",
        "发布时间",
    ]
    rows = [
        [
            "张三",
            "2201041990****1238",
            "长春市朝阳区人民法院",
            "2025-01-02",
            "(2025)吉0104执1号",
            "全部未履行",
            "有履行能力而拒不履行",
            "2025-03-01",
        ],
        [
            "长春市金源商贸有限公司",
            "91220104MA0Y123404",
            "长春市朝阳区人民法院",
            "2025-01-02",
            "(2025)吉0104执2号",
            "部分未履行",
            "违反限制消费令",
            "2025-03-01",
        ],
        [
            "李四",
            "220104199003071232",
            "长春市朝阳区人民法院",
            "2025-01-02",
            "(2025)吉0104执3号",
            "全部未履行",
            "虚假诉讼",
            "2025-03-01",
        ],
    ]
    with (folder / "court.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    result = landing.land_file(cfg, str(folder / "court.csv"), "court_dishonest")
    assert (result["loaded"], result["reasons"]) == (2, {"id_checksum": 1})
    raw = pd.read_parquet(landing.pending_path(cfg, "court_dishonest", result["batch_id"]))
    assert raw["_subject_key"].tolist() == ["masked:2201041990****1238", "91220104MA0Y123404"]
    assert raw["_subject_type"].tolist() == ["natural_person", "organisation"]
    assert raw["_flags"].tolist() == ["id_masked_by_court", None]


def test_licence_valid_to_before_valid_from_is_refused(cfg):
    folder = cfg.landing / "licenses"
    folder.mkdir(parents=True)
    header = [
        "行政相对人名称",
        "行政相对人类别",
        "统一社会信用代码",
        "行政许可决定文书名称",
        "行政许可决定文书号",
        "许可类别",
        "许可内容",
        "许可决定日期",
        "有效期自",
        "有效期至",
        "许可机关",
        "数据来源单位",
    ]
    good = [
        "甲公司",
        "法人及非法人组织",
        "91220104MA0Y123404",
        "食品经营许可决定书",
        "吉食许1号",
        "普通",
        "食品销售",
        "2025-01-01",
        "2025-01-01",
        "长期",
        "长春市市场监督管理局",
        "长春市市场监督管理局",
    ]
    bad = good[:4] + ["吉食许2号"] + good[5:9] + ["2024-12-31"] + good[10:]
    with (folder / "l.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, good, bad])
    result = landing.land_file(cfg, str(folder / "l.csv"), "licenses")
    assert (result["loaded"], result["reasons"]) == (1, {"date_order": 1})


def test_across_batches_same_content_is_a_duplicate_and_other_content_a_correction(cfg):
    from creditlake import pipeline

    first = write_csv(cfg.landing / "penalties" / "a.csv", [GOOD])
    pipeline.validate_raw(cfg.to_conf(), [land(cfg, first)])  # gate passes -> raw layer
    # other bytes (a BOM), same record, same content: refused
    same = land(cfg, write_csv(cfg.landing / "penalties" / "b.csv", [GOOD], encoding="utf-8-sig"))
    assert (same["loaded"], same["reasons"]) == (0, {"duplicate_across_batches": 1})
    # same record, corrected content: loads, and supersedes in the warehouse
    corrected = land(
        cfg, write_csv(cfg.landing / "penalties" / "c.csv", [GOOD | {"违法事实": "更正后的违法事实"}])
    )
    assert (corrected["loaded"], corrected["quarantined"]) == (1, 0)


@pytest.mark.parametrize(
    "header, profile, refused",
    [
        ("宗教信仰", "national", True),  # all profiles: jl-draft Art 16, hl-2022 Art 20
        ("血型", "hl-2022", True),
        ("既往病史", "gd-draft", True),
        ("个人收入（元）", "city-2022", True),  # needs written consent: an extract is not that
        ("房产套数", "hl-2022", True),  # city-2022/hl-draft/gd-draft/hl-2022 add real estate
        ("房产套数", "jl-draft", False),  # jl-draft Art 16 does not list it
    ],
)
def test_a_file_with_a_prohibited_field_is_refused_whole(cfg, header, profile, refused):
    from dataclasses import replace

    cfg = replace(cfg, profile=profile)
    path = write_csv(
        cfg.landing / "penalties" / "p.csv", [GOOD | {header: "x"}], headers=[*PENALTY_HEADERS_ZH, header]
    )
    result = land(cfg, path)
    if refused:
        assert result["status"] == "refused" and result["reason"].startswith("file_prohibited_field")
        assert header in result["reason"]
        assert not list(cfg.lake.rglob("*.parquet"))  # nothing stored beyond the refusal record
    else:
        assert result["loaded"] == 1 and header in result["ignored_columns"]


def test_a_record_outside_the_catalog_is_not_loaded(cfg, monkeypatch):
    """docs/law.md#subjects-and-the-catalog: a record that maps to no catalog item is quarantined with that reason."""
    from creditlake import catalog

    narrowed = {k: dict(v) for k, v in catalog.catalog().items()}
    narrowed["administrative_penalty"]["subject_types"] = ["organisation"]
    monkeypatch.setattr(catalog, "catalog", lambda: narrowed)
    person = GOOD | {
        "行政相对人类别": "自然人",
        "统一社会信用代码": "",
        "证件号码": "220104199003071238",
        "行政处罚决定书文号": "X9",
    }
    result = land(cfg, write_csv(cfg.landing / "penalties" / "p.csv", [GOOD, person]))
    assert (result["loaded"], result["reasons"]) == (1, {"no_catalog_item": 1})


def test_every_landed_dataset_of_records_has_a_catalog_item():
    from creditlake.catalog import item_for

    for dataset in landing.datasets():
        if not landing.layout(dataset).get("event"):
            assert item_for(dataset) is not None, dataset
