"""What agencies really export lands as the plain CSV of the same records does.

Five penalty records, written here by hand, are put into each shape government systems
commonly export (a title above the header, footers, a workbook whose data is on its second
sheet, an HTML table or an Excel 97-2003 file under `.xls`, tab / semicolon / pipe text, a
JSON array or API envelope, a ZIP bundle, the agency's own column names): every shape must
load the same rows, field for field, as the plain CSV, and say what it skipped.
"""

import csv
import io
import json
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from creditlake import landing
from creditlake.identifiers import check_uscc
from creditlake.settings import PROJECT_ROOT, RunConfig, safe_name
from tests.conftest import AS_OF

HEADER = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "行政处罚决定书文号",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "处罚决定日期",
    "处罚机关",
    "数据来源单位",
    "案件程序类别",
]
AGENCY = "长春市市场监督管理局"
RECORDS = [
    [
        "长春市金源商贸有限公司",
        "法人及非法人组织",
        "91220104MA0Y123404",
        "王伟",
        "长市监罚〔2026〕101号",
        "销售超过保质期的食品，货值金额1,200元",
        "《中华人民共和国食品安全法》第一百二十四条",
        "警告;罚款",
        "警告，罚款2万元",
        "2",
        "2026-05-06",
        AGENCY,
        AGENCY,
        "02",
    ],
    [
        "吉林省䶮丰农业科技有限公司",
        "法人及非法人组织",
        "91220101MA17XKR505",
        "刘䶮",
        "长市监罚〔2026〕102号",
        "未按规定公示年度报告",
        "《企业信息公示暂行条例》第十七条",
        "罚款",
        "罚款0.5万元",
        "0.5",
        "2026-05-07",
        AGENCY,
        AGENCY,
        "02",
    ],
    [
        "长春市宏达建材经销处",
        "法人及非法人组织",
        "91220102MA84JP2N0X",
        "赵丽",
        "长市监罚〔2026〕103号",
        '销售"三无"产品',
        "《中华人民共和国产品质量法》第四十九条",
        "没收违法所得;罚款",
        "没收违法所得，罚款1.2万元",
        "1.2",
        "2026-05-08",
        AGENCY,
        AGENCY,
        "02",
    ],
    [
        "长春新区明辉餐饮管理有限公司",
        "法人及非法人组织",
        "91220104MA0Y7Q3H0Y",
        "孙明",
        "长市监罚〔2026〕104号",
        "未取得食品经营许可从事食品经营活动\n（经营场所：长春新区）",
        "《中华人民共和国食品安全法》第一百二十二条",
        "罚款",
        "罚款5万元",
        "5",
        "2026-05-11",
        AGENCY,
        AGENCY,
        "02",
    ],
    [
        "长春市朝阳区佳美美容店",
        "法人及非法人组织",
        "91220106MA14WG8D00",
        "周佳",
        "长市监罚〔2026〕105号",
        "发布虚假广告",
        "《中华人民共和国广告法》第五十五条",
        "罚款",
        "罚款3万元",
        "3",
        "2026-05-12",
        AGENCY,
        AGENCY,
        "02",
    ],
]
DECISION = HEADER.index("行政处罚决定书文号")


def test_the_hand_written_records_are_valid():
    assert all(check_uscc(r[2]).ok for r in RECORDS)


def as_csv(rows, delimiter=",", encoding="utf-8", before=(), after=(), trailing=0) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for line in before:
        writer.writerow(line)
    for row in rows:
        writer.writerow(list(row) + [""] * trailing)
    for line in after:
        writer.writerow(line)
    return buf.getvalue().encode(encoding)


def plain() -> tuple[str, bytes]:
    return "penalties.csv", as_csv([HEADER, *RECORDS])


def title_csv():
    title = [["长春市市场监督管理局行政处罚信息公示表"], ["报送日期：2026年5月15日", "", "单位：万元"], []]
    return "处罚公示表.csv", as_csv([HEADER, *RECORDS], before=title, encoding="gb18030")


def footer_csv():
    footers = [["合计：5条"], ["制表人：张三", "", "审核人：李四"], ["备注：本表数据截至2026年5月15日"]]
    return "处罚.csv", as_csv([HEADER, *RECORDS], after=footers, trailing=3)


def footer_csv_unsplit():
    """The footer is a bare line (not padded to the header's columns), after a blank line."""
    return "处罚.csv", as_csv([HEADER, *RECORDS]) + "\r\n合计：5条\r\n".encode()


def xlsx(sheets: dict[str, list[list]], merge_title: bool = False) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if merge_title and rows and len(rows[0]) == 1:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_title():
    rows = [["长春市市场监督管理局行政处罚信息公示表"], HEADER, *RECORDS, ["合计：5条"]]
    return "公示表.xlsx", xlsx({"Sheet1": rows}, merge_title=True)


def xlsx_second_sheet():
    notes = [
        ["填报说明"],
        ["1. 行政相对人类别填写：法人及非法人组织、自然人、个体工商户"],
        ["2. 日期格式：YYYY-MM-DD"],
    ]
    return "报送.xlsx", xlsx({"填报说明": notes, "处罚信息": [HEADER, *RECORDS]})


def html_xls():
    """What many older systems write under .xls: an HTML table, here GBK with a meta charset,
    a title spanning the columns and the header in <th> cells."""
    cells = "".join(f"<th>{h}</th>" for h in HEADER)
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>" for r in RECORDS)
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head><body>'
        f'<table border="1"><tr><td colspan="{len(HEADER)}">行政处罚信息</td></tr><tr>{cells}</tr>{body}'
        "</table></body></html>"
    )
    return "导出数据.xls", page.encode("gb18030")


def xml_spreadsheet_xls():
    def row(values):
        return "<Row>" + "".join(f'<Cell><Data ss:Type="String">{v}</Data></Cell>' for v in values) + "</Row>"

    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="Sheet1"><Table>'
        + row(["行政处罚信息"])
        + row(HEADER)
        + "".join(row(r) for r in RECORDS)
        + "</Table></Worksheet></Workbook>"
    )
    return "export.xls", document.encode("utf-8")


def biff_xls():
    """A real Excel 97-2003 workbook (BIFF), with a title row, real date and number cells,
    written once from RECORDS (tests/fixtures/shapes/README.md says how)."""
    return "处罚信息.xls", (PROJECT_ROOT / "tests" / "fixtures" / "shapes" / "penalties.xls").read_bytes()


def tsv_txt():
    return "penalties.txt", as_csv([HEADER, *RECORDS], delimiter="\t")


def semicolon_csv():
    return "penalties.csv", as_csv([HEADER, *RECORDS], delimiter=";")


def pipe_txt():
    return "penalties.txt", as_csv([HEADER, *RECORDS], delimiter="|", encoding="gb18030")


def records_as_objects():
    return [dict(zip(HEADER, r, strict=True)) for r in RECORDS]


def json_array():
    return "penalties.json", json.dumps(records_as_objects(), ensure_ascii=False, indent=2).encode()


def json_envelope():
    envelope = {"code": 0, "msg": "success", "data": {"total": 5, "pageNo": 1, "list": records_as_objects()}}
    return "api_response.json", json.dumps(envelope, ensure_ascii=False).encode()


SHAPES = {
    "title above the header (GB18030)": (title_csv, {"title": 2}),
    "footers and trailing empty columns": (footer_csv, {"footer": 3}),
    "a footer line not split into columns": (footer_csv_unsplit, {"footer": 1}),
    "xlsx with a merged title and a footer": (xlsx_title, {"title": 1, "footer": 1}),
    "xlsx whose data is on the second sheet": (xlsx_second_sheet, {}),
    "HTML table saved as .xls": (html_xls, {"title": 1}),
    "Excel 2003 XML saved as .xls": (xml_spreadsheet_xls, {"title": 1}),
    "Excel 97-2003 .xls (BIFF)": (biff_xls, {"title": 1}),
    "tab-separated .txt": (tsv_txt, {}),
    "semicolon-separated .csv": (semicolon_csv, {}),
    "pipe-separated .txt (GB18030)": (pipe_txt, {}),
    "JSON array": (json_array, {}),
    "JSON envelope": (json_envelope, {}),
}


def land_bytes(root, name: str, data: bytes, member: str | None = None) -> tuple[dict, list[dict]]:
    """Land one file into its own lake; its result and its loaded rows, fields only."""
    cfg = RunConfig(landing=root / "landing", lake=root / "lake", as_of=AS_OF)
    path = cfg.landing / "penalties" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    result = landing.land_file(cfg, str(path), "penalties", member)
    return result, loaded_rows(cfg, result)


def loaded_rows(cfg, result) -> list[dict]:
    if result["status"] != "landed":
        return []
    fields = [f["code"] for f in landing.layout("penalties")["fields"]]
    parts = landing.batch_parts(landing.pending_path(cfg, "penalties", safe_name(result["batch_id"])))
    rows = [r for part in parts for r in pq.read_table(part, columns=fields).to_pylist()]
    return sorted(rows, key=lambda r: r["CF_WSH"])


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    result, rows = land_bytes(tmp_path_factory.mktemp("plain"), *plain())
    assert (result["status"], result["loaded"], result["rows_in"]) == ("landed", 5, 5), result
    assert result["skipped"] == {}
    return rows


@pytest.mark.parametrize("shape", SHAPES)
def test_each_export_shape_loads_the_rows_the_plain_csv_loads(tmp_path, baseline, shape):
    make, skipped = SHAPES[shape]
    result, rows = land_bytes(tmp_path, *make())
    assert (result["status"], result["quarantined"], result["reason"]) == ("landed", 0, None), result
    assert result["rows_in"] == result["loaded"] == 5  # title and footer lines are no rows
    assert rows == baseline
    assert result["skipped"] == skipped
    assert result["ignored_columns"] == []


def test_what_was_skipped_is_reported_line_by_line(tmp_path):
    result, _ = land_bytes(tmp_path, *footer_csv())
    # the header is line 1; five records (one spans two lines: a line break in a quoted value)
    assert [(s["kind"], s["line"], s["text"]) for s in result["skipped_lines"]] == [
        ("footer", 8, "合计：5条"),
        ("footer", 9, "制表人：张三 审核人：李四"),
        ("footer", 10, "备注：本表数据截至2026年5月15日"),
    ]
    result, _ = land_bytes(tmp_path / "t", *title_csv())
    assert [(s["kind"], s["line"]) for s in result["skipped_lines"]] == [("title", 1), ("title", 2)]
    assert "header on line 4" in result["notes"]


def test_source_rows_are_the_lines_a_clerk_sees(tmp_path):
    cfg = RunConfig(landing=tmp_path / "landing", lake=tmp_path / "lake", as_of=AS_OF)
    result, _ = land_bytes(tmp_path, *title_csv())
    part = landing.batch_parts(landing.pending_path(cfg, "penalties", safe_name(result["batch_id"])))[0]
    lines = pq.read_table(part, columns=["CF_WSH", "_source_row"]).to_pydict()
    # title, a notes line, a blank line, the header on line 4; record 104 holds a line break
    assert lines["_source_row"] == [5, 6, 7, 8, 10]


def test_a_workbook_sheet_is_chosen_by_its_header_and_named(tmp_path):
    result, _ = land_bytes(tmp_path, *xlsx_second_sheet())
    assert "sheet '处罚信息' (2)" in result["notes"]


def test_a_blank_row_between_records_is_skipped_not_quarantined(tmp_path):
    rows = [HEADER, RECORDS[0], [""] * len(HEADER), *RECORDS[1:]]
    result, loaded = land_bytes(tmp_path, "p.csv", as_csv(rows))
    assert (result["loaded"], result["quarantined"], result["skipped"]) == (5, 0, {"blank": 1})


def test_a_real_record_that_starts_like_a_footer_is_kept(tmp_path):
    """A footer fills few cells; a record whose name begins 合计 or 备注 is still a record."""
    last = ["合计商贸有限公司", *RECORDS[-1][1:]]
    result, rows = land_bytes(tmp_path, "p.csv", as_csv([HEADER, *RECORDS[:-1], last]))
    assert (result["loaded"], result["skipped"]) == (5, {})
    assert rows[-1]["CF_XDR_MC"] == "合计商贸有限公司"


def test_an_envelope_without_records_is_refused_with_what_it_says(tmp_path):
    error = {"code": 500, "msg": "查询超时", "data": None}
    result, _ = land_bytes(tmp_path, "api.json", json.dumps(error, ensure_ascii=False).encode())
    assert result["status"] == "refused"
    assert "no list of records" in result["reason"] and "查询超时" in result["reason"]


def test_a_json_records_path_can_be_configured(tmp_path, monkeypatch):
    """Two lists in one envelope: the configured path decides which holds the records."""
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "api.yml").write_text("dataset: penalties\nrecords_path: result.rows\n", encoding="utf-8")
    monkeypatch.setenv("CREDITLAKE_COLUMN_MAPS", str(maps))
    envelope = {"data": [{"note": "not records"}], "result": {"rows": records_as_objects()}}
    result, rows = land_bytes(tmp_path, "api.json", json.dumps(envelope, ensure_ascii=False).encode())
    assert (result["status"], result["loaded"]) == ("landed", 5)
    assert "records at 'result.rows'" in result["notes"]


# --- ZIP bundles -------------------------------------------------------------------------------


class _WindowsZipInfo(zipfile.ZipInfo):
    """A member named as Windows tools write Chinese names: GB18030 bytes, no UTF-8 flag
    (zipfile itself always writes UTF-8)."""

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's own name)
        return self.filename.encode("gb18030"), self.flag_bits & ~0x800


def zipped(members: dict[str, bytes], utf8_names: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            info = (zipfile.ZipInfo if utf8_names else _WindowsZipInfo)(
                name, date_time=(2026, 5, 15, 9, 0, 0)
            )
            bundle.writestr(info, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_each_member_of_a_bundle_lands_as_its_own_file(tmp_path, baseline):
    cfg = RunConfig(landing=tmp_path / "landing", lake=tmp_path / "lake", as_of=AS_OF)
    folder = cfg.landing / "penalties"
    folder.mkdir(parents=True)
    members = {
        "2026年5月/处罚信息.csv": as_csv([HEADER, *RECORDS]),
        "../../etc/cron.d/evil.csv": b"x",
        "inner.zip": zipped({"a.csv": b"x"}),
        "说明.docx": b"PK",
    }
    (folder / "报送包.zip").write_bytes(zipped(members, utf8_names=False))
    found = landing.discover(cfg)
    assert [f.get("member") for f in found] == list(members)
    results = {f["member"]: landing.land_file(cfg, f["path"], f["dataset"], f["member"]) for f in found}
    data = results["2026年5月/处罚信息.csv"]
    assert (data["status"], data["loaded"]) == ("landed", 5)
    assert data["path"] == f"{folder / '报送包.zip'}!2026年5月/处罚信息.csv"  # the bundle in its lineage
    assert loaded_rows(cfg, data) == baseline
    assert results["../../etc/cron.d/evil.csv"]["reason"].startswith("file_bundle_member")
    assert "leaves the bundle" in results["../../etc/cron.d/evil.csv"]["reason"]
    assert "archive inside the bundle" in results["inner.zip"]["reason"]
    assert "unsupported file type '.docx'" in results["说明.docx"]["reason"]
    assert not (tmp_path / "etc").exists() and not any(tmp_path.rglob("evil.csv"))


def test_a_bundle_sent_again_lands_nothing_twice(tmp_path):
    cfg = RunConfig(landing=tmp_path / "landing", lake=tmp_path / "lake", as_of=AS_OF)
    (cfg.landing / "penalties").mkdir(parents=True)
    (cfg.landing / "penalties" / "a.zip").write_bytes(zipped({"p.csv": as_csv([HEADER, *RECORDS])}))
    first = [landing.land_file(cfg, f["path"], f["dataset"], f.get("member")) for f in landing.discover(cfg)]
    for result in first:
        landing.record_in_ledger(cfg, landing.FileResult(**result))
    (cfg.landing / "penalties" / "b.zip").write_bytes(zipped({"again.csv": as_csv([HEADER, *RECORDS])}))
    again = [landing.land_file(cfg, f["path"], f["dataset"], f.get("member")) for f in landing.discover(cfg)]
    assert [r["status"] for r in again] == ["already_landed", "already_landed"]


def test_a_damaged_bundle_is_refused_not_crashed_on(tmp_path):
    result, _ = land_bytes(tmp_path, "broken.zip", b"PK\x03\x04 not really a zip")
    assert result["status"] == "refused" and "not a readable ZIP bundle" in result["reason"]


# --- the agency's own column names ---------------------------------------------------------------

AGENCY_NAMES = {
    "行政相对人名称": "当事人名称",
    "行政处罚决定书文号": "处罚决定书文号",
    "处罚决定日期": "作出处罚决定日期",
    "统一社会信用代码": "社会信用代码",
}


def synonyms_csv():
    header = [AGENCY_NAMES.get(h, h) for h in HEADER if h != "数据来源单位"]
    rows = [[v for h, v in zip(HEADER, r, strict=True) if h != "数据来源单位"] for r in RECORDS]
    return "长春市监处罚.csv", as_csv([header, *rows])


def test_the_agencys_own_names_are_refused_without_a_map(tmp_path):
    result, _ = land_bytes(tmp_path, *synonyms_csv())
    assert result["status"] == "refused" and result["reason"].startswith("file_missing_columns")


def test_a_column_map_lands_the_agencys_own_names(tmp_path, monkeypatch, baseline):
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "changchun_scj.yml").write_text(
        "dataset: penalties\nprovider: 长春市市场监督管理局\nfiles: ['长春市监*']\ncolumns:\n"
        + "".join(f"  {theirs}: {ours}\n" for ours, theirs in AGENCY_NAMES.items())
        + f"fixed:\n  数据来源单位: {AGENCY}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CREDITLAKE_COLUMN_MAPS", str(maps))
    result, rows = land_bytes(tmp_path, *synonyms_csv())
    assert (result["status"], result["loaded"]) == ("landed", 5), result
    assert rows == baseline
    assert "column map changchun_scj.yml" in result["notes"]
    # the map names its files: another provider's file with the same columns is not mapped
    other, _ = land_bytes(tmp_path / "other", "吉林市监.csv", synonyms_csv()[1])
    assert other["status"] == "refused"


def test_a_map_naming_no_field_of_the_layout_is_an_error_naming_it(tmp_path, monkeypatch):
    from creditlake import column_maps

    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "bad.yml").write_text("dataset: penalties\ncolumns:\n  当事人名称: 当事人\n", encoding="utf-8")
    monkeypatch.setenv("CREDITLAKE_COLUMN_MAPS", str(maps))
    problems = column_maps.check_all({d: landing.layout(d) for d in landing.datasets()})
    assert problems == [
        f"{maps / 'bad.yml'}: columns.当事人名称: '当事人' is no field of the penalties layout"
    ]


def test_layouts_suggest_proposes_the_map_that_lands_the_file(tmp_path, monkeypatch, capsys, baseline):
    """The operator's round trip: a refused file, `layouts suggest`, review (here: give the
    value of the one required field no column holds), save, land."""
    import yaml

    from creditlake.cli import main

    name, data = synonyms_csv()
    (tmp_path / name).write_bytes(data)
    assert main(["layouts", "suggest", str(tmp_path / name), "--dataset", "penalties"]) == 0
    proposed = capsys.readouterr().out
    document = yaml.safe_load(proposed)
    assert document["columns"] == {theirs: ours for ours, theirs in AGENCY_NAMES.items()}
    assert "# 数据来源单位: ...  # CF_SJLY" in proposed  # required, and no column holds it
    document["fixed"] = {"数据来源单位": AGENCY}
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "provider.yml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CREDITLAKE_COLUMN_MAPS", str(maps))
    assert main(["layouts", "check"]) == 0
    result, rows = land_bytes(tmp_path, name, data)
    assert (result["status"], result["loaded"]) == ("landed", 5) and rows == baseline


def test_a_bad_map_stops_a_run_before_airflow_starts(tmp_path, monkeypatch, capsys):
    from creditlake.cli import main

    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "typo.yml").write_text("dataset: penalty\ncolumns: {}\n", encoding="utf-8")
    monkeypatch.setenv("CREDITLAKE_COLUMN_MAPS", str(maps))
    (tmp_path / "landing").mkdir()
    args = [
        "run",
        "--landing",
        str(tmp_path / "landing"),
        "--lake",
        str(tmp_path / "lake"),
        "--as-of",
        "2026-11-22",
    ]
    assert main(args) == 2
    assert "typo.yml: dataset: 'penalty' is none of" in capsys.readouterr().err


def test_the_provider_is_told_what_was_skipped(tmp_path):
    """A file that loads whole still gets a report when lines were skipped: the provider sees
    which lines the platform did not take as records, and why."""
    from creditlake import feedback

    cfg = RunConfig(landing=tmp_path / "landing", lake=tmp_path / "lake", as_of=AS_OF)
    result, _ = land_bytes(tmp_path, *footer_csv())
    written = feedback.write_feedback(cfg, result)
    report = json.loads(
        next(p for p in map(Path, written) if p.suffix == ".json").read_text(encoding="utf-8")
    )
    assert report["provider"] == AGENCY and report["rows"] == []
    assert report["skipped"] == {"footer": 3}
    assert [s["text"] for s in report["skipped_lines"]][0] == "合计：5条"
