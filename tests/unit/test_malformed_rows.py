"""Rows the reader cannot split into the header's columns go back to their provider with the
line an editor shows, their natural key and what to do (issue 15, item 7). Every file here is
written out by hand, as a provider's export would arrive."""

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from creditlake import feedback, landing, pipeline

HEADER = "行政相对人名称,行政相对人类别,统一社会信用代码,行政处罚决定书文号,违法事实,处罚类别,处罚决定日期,处罚机关,数据来源单位"
MARKET, TAX = "长春市市场监督管理局", "长春市税务局"
GOOD_USCC, BAD_USCC = "91220104MA0Y123404", "91220104MA0Y123405"  # the second's check character is wrong


def penalty(
    number: int, fact: str = "未按规定公示年度报告", provider: str = MARKET, uscc: str = GOOD_USCC
) -> str:
    """One line of a penalties export (nine fields; the deciding body is not the provider)."""
    return (
        f"长春市金源商贸有限公司,法人及非法人组织,{uscc},长市监罚〔2026〕{number}号,{fact},警告,2026年5月1日,"
        f"长春市朝阳区市场监督管理局,{provider}"
    )


def key(number: int) -> str:
    return f"长市监罚〔2026〕{number}号"


def land_and_report(cfg, text: str, name: str = "a.csv", dataset: str = "penalties", encoding: str = "utf-8"):
    """Land one file as a provider sent it and run the gate: the file's result, and what each
    provider folder under reports/feedback holds, as (row, natural key, reason) from the JSON
    report (the CSV report says the same)."""
    path = cfg.landing / dataset / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    (result,) = pipeline.validate_raw(cfg.to_conf(), [landing.land_file(cfg, str(path), dataset)])
    reports = {}
    for report in sorted(p for p in result["feedback"] if p.endswith(".json")):
        doc = json.loads(Path(report).read_text(encoding="utf-8"))
        rows = [(r["row"], r["natural_key"], r["reason_code"]) for r in doc["rows"]]
        with open(Path(report).with_suffix(".csv"), encoding="utf-8-sig", newline="") as fh:
            assert [(int(r["row"]), r["natural_key"], r["reason_code"]) for r in csv.DictReader(fh)] == rows
        assert Path(report).parent.name == doc["provider"]
        reports[doc["provider"]] = doc
    return result, reports


def rows_of(doc: dict) -> list[tuple]:
    return [(r["row"], r["natural_key"], r["reason_code"]) for r in doc["rows"]]


def test_an_export_cut_short_mid_row_reaches_the_files_provider_with_its_line_and_key(cfg):
    text = "\n".join(
        [HEADER, penalty(1), penalty(2, provider=TAX), penalty(3), penalty(4)[:60]]
    )  # no final break
    result, reports = land_and_report(cfg, text)
    assert (result["rows_in"], result["loaded"], result["reasons"]) == (4, 3, {"row_malformed": 1})
    # the cut row names no provider any more: it goes to the one most of the file's rows name
    assert set(reports) == {MARKET}
    (row,) = reports[MARKET]["rows"]
    assert (row["row"], row["natural_key"], row["reason_code"]) == (5, key(4), "row_malformed")
    assert row["reason_en"].startswith("The row has 5 fields where the header has 9")
    assert row["reason_zh"].startswith("该行有5个字段，表头有9个")
    # the subject key and the text as sent are kept with the refused row
    (refused,) = feedback.refused_rows(cfg, result).to_pylist()
    assert (refused["subject_key"], refused["provider"]) == (GOOD_USCC, MARKET)
    quarantined = pd.read_parquet(cfg.quarantine_root / "penalties" / f"{result['batch_id']}.parquet")
    assert quarantined["_source_text"].tolist() == [penalty(4)[:60]]


def test_an_extra_comma_mid_row_goes_to_the_provider_the_row_names(cfg):
    text = "\n".join(
        [
            HEADER,
            penalty(1),
            penalty(2, fact="未按规定公示年度报告,且逾期未改正", provider=TAX),
            penalty(3, uscc=BAD_USCC),
            "",
        ]
    )
    result, reports = land_and_report(cfg, text)
    assert rows_of(reports[TAX]) == [(3, key(2), "row_malformed")]
    # the rows after it keep their own lines
    assert rows_of(reports[MARKET]) == [(4, key(3), "uscc_checksum")]
    assert reports[TAX]["rows"][0]["reason_en"].startswith("The row has 10 fields where the header has 9")
    quarantined = pd.read_parquet(cfg.quarantine_root / "penalties" / f"{result['batch_id']}.parquet")
    malformed = quarantined[quarantined["_reason_code"] == "row_malformed"]
    # the value that held the comma is read whole
    assert malformed["CF_SY"].tolist() == ["未按规定公示年度报告,且逾期未改正"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_lines_are_counted_as_an_editor_shows_them_after_a_multiline_value(cfg, encoding):
    # a Windows export: BOM (UTF-8) or GB18030, CRLF, a quoted value over three lines, a blank line
    rows = [
        HEADER,
        penalty(1, fact='"第一行\r\n第二行\r\n第三行"'),
        "",
        penalty(2, fact="未按规定公示年度报告,且逾期未改正"),
        penalty(3, uscc=BAD_USCC),
        penalty(4)[:60],
    ]
    result, reports = land_and_report(cfg, "\r\n".join(rows), encoding=encoding)
    assert result["loaded"] == 1
    assert rows_of(reports[MARKET]) == [
        (6, key(2), "row_malformed"),
        (7, key(3), "uscc_checksum"),
        (8, key(4), "row_malformed"),
    ]
    raw = pd.read_parquet(landing.raw_path(cfg, "penalties", result["batch_id"]))
    assert (raw["_source_row"].tolist(), raw["CF_SY"].tolist()) == ([2], ["第一行\r\n第二行\r\n第三行"])


def test_a_court_row_with_a_stray_comma_goes_to_its_court_with_its_case_number(cfg):
    header = "被执行人姓名/名称,身份证号码/组织机构代码,执行法院,立案时间,案号,被执行人的履行情况,失信被执行人行为具体情形,发布时间"
    lines = [
        header,
        "张三,2201041990****1238,长春市朝阳区人民法院,2025-01-02,(2025)吉0104执1号,全部未履行,虚假诉讼,2025-03-01",
        "长春市金源商贸有限公司,91220104MA0Y123404,长春市南关区人民法院,2025-01-02,(2025)吉0102执2号,部分未履行,"
        "有履行能力而拒不履行,违反限制消费令,2025-03-01",
    ]
    result, reports = land_and_report(
        cfg, "\n".join(lines) + "\n", name="court.csv", dataset="court_dishonest"
    )
    assert (result["loaded"], result["reasons"]) == (1, {"row_malformed": 1})
    assert rows_of(reports["长春市南关区人民法院"]) == [(3, "(2025)吉0102执2号", "row_malformed")]
    (refused,) = feedback.refused_rows(cfg, result).to_pylist()
    assert refused["subject_key"] == "91220104MA0Y123404"


def test_a_json_lines_line_that_is_not_json_is_reported_at_its_line(cfg):
    def record(number: int, uscc: str = GOOD_USCC) -> str:
        names = HEADER.split(",")
        values = penalty(number, uscc=uscc).split(",")
        return json.dumps(dict(zip(names, values, strict=True)), ensure_ascii=False)

    # a JSON string may hold U+2028 as it is: it does not end the line
    first = record(1).replace("未按规定公示年度报告", "未按规定公示\u2028年度报告")
    text = "\n".join(
        [first, "", '{"行政处罚决定书文号": "长市监罚〔2026〕2号", "违法', record(3, uscc=BAD_USCC)]
    )
    result, reports = land_and_report(cfg, text, name="feed.jsonl")
    assert result["reasons"] == {"row_malformed": 1, "uscc_checksum": 1}
    # nothing can be read of the broken line but its line; it goes to the file's provider
    assert rows_of(reports[MARKET]) == [(3, "", "row_malformed"), (4, key(3), "uscc_checksum")]
    assert "not valid JSON" in reports[MARKET]["rows"][0]["reason_en"]
    raw = pd.read_parquet(landing.raw_path(cfg, "penalties", result["batch_id"]))
    assert raw["_source_row"].tolist() == [1]


@pytest.mark.parametrize("dataset", landing.datasets())
def test_each_layout_names_its_provider_and_natural_key_among_its_fields(dataset):
    """Feedback reads both from the layout: a new layout is fed back to its provider as is."""
    spec = yaml.safe_load((landing.LAYOUTS_DIR / f"{dataset}.yml").read_text(encoding="utf-8"))
    codes = {f["code"] for f in spec["fields"]}
    assert set(spec["natural_key"]) <= codes
    if dataset in ("objections", "subject_requests"):  # event files with no source column
        assert "provider_field" not in spec
    else:
        assert spec["provider_field"] in codes


@pytest.mark.parametrize(
    "row, want",
    [
        # cut short: the fields it has, but the last (perhaps cut mid-value)
        (["金源", "法人及非法人组织", GOOD_USCC, "文号1", "未按规定"], {"a", "b", "c", "d"}),
        # one delimiter too many, in prose: the prose whole, the rest on either side
        (
            [
                "金源",
                "法人及非法人组织",
                GOOD_USCC,
                "文号1",
                "事实一",
                "事实二",
                "警告",
                "2026-05-01",
                "机关",
                "来源",
            ],
            {"a", "b", "c", "d", "e", "f", "g", "h", "i"},
        ),
    ],
)
def test_fields_are_recovered_by_position_where_every_best_reading_agrees(row, want):
    spec = landing.layout("penalties")
    codes = [
        "CF_XDR_MC",
        "CF_XDR_LB",
        "CF_XDR_SHXYM",
        "CF_WSH",
        "CF_SY",
        "CF_CFLB",
        "CF_JDRQ",
        "CF_CFJG",
        "CF_SJLY",
    ]
    got = landing._recover_fields(row, codes, landing._FieldRules(spec))
    letters = dict(zip(codes, "abcdefghi", strict=True))
    assert {letters[c] for c in got} == want
    if len(row) > len(codes):
        assert (got["CF_SY"], got["CF_SJLY"]) == ("事实一,事实二", "来源")
