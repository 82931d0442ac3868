"""The publish gate (publishing.privacy.gate): what it finds in every spelling a leak can take,
what the declarations in shapes.yml let through, and that it reads them at run time."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml
from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_11_10

from publishing.privacy.gate import SHAPES, Finding, Gate, clean_table

ID = "22010419850312001" + ric.calc_check_digit("22010419850312001" + "0")
ID_X = "22010419850312002X"  # a valid ID whose check character is X
FULL_WIDTH = str.maketrans("0123456789@", "０１２３４５６７８９＠")
REGISTRATION = "22010100001234" + mod_11_10.calc_check_digit("22010100001234")
USCC_DIGITS = "91220101123456007" + uscc.calc_check_digit("91220101123456007")
PEOPLE = ["张伟", "王建国", "李娜"]
ORGANISATIONS = ["长春市张伟商贸有限公司", "吉林省宏达建材有限公司"]


@pytest.fixture(scope="module")
def gate() -> Gate:
    return Gate(known_people=PEOPLE, organisations=ORGANISATIONS)


# --- each kind, in its odd forms --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        ID,
        f"身份证号{ID}。",
        f"{ID[:6]} {ID[6:14]} {ID[14:]}",
        f"{ID[:6]}-{ID[6:14]}-{ID[14:]}",
        " ".join(ID[i : i + 4] for i in range(0, 18, 4)),
        ID.translate(FULL_WIDTH),
        "\u200b".join(ID),
        ID_X,
        ID_X.lower(),
        f"{ID_X[:6]} {ID_X[6:14]} {ID_X[14:]}",
        f"ID{ID}",
    ],
)
def test_citizen_ids(gate, text):
    assert gate.scan_text(text) == ["citizen_id"]


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "138.1234.5678",
        "138 - 1234 - 5678",
        "138\n1234\n5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "(+86)13812345678",
        "0086-13812345678",
        "１３８－１２３４－５６７８",
        "138\u200b1234\u200b5678",
        "138\u2060 1234\ufeff5678",
        "一三八一二三四五六七八",
        "幺三八 幺二三四 五六七八",
        "壹叁捌壹贰叁肆伍陆柒捌",
        "１３8一二三四５６７８",
        "l38OOOO5678",
        "13８I234567８",
        "١٣٨١٢٣٤٥٦٧٨",
        "①③⑧①②③④⑤⑥⑦⑧",
        "𝟏𝟑𝟖𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖",
        "Tel13812345678",
        "电话：13812345678。",
    ],
)
def test_mobiles(gate, text):
    assert gate.scan_text(text) == ["mobile"]


@pytest.mark.parametrize(
    "text",
    ["0431-88886666", "(0431)8765 4321", "（0431）88886666", "０４３１－８８８８６６６６", "010 6552 8888"],
)
def test_landlines(gate, text):
    assert gate.scan_text(text) == ["landline"]


@pytest.mark.parametrize(
    "text", ["6222021234567890123", "6222 0212 3456 7890 123", "卡号：6222-0212-3456-7890"]
)
def test_bank_cards(gate, text):
    assert gate.scan_text(text) == ["bank_card"]


@pytest.mark.parametrize(
    "text",
    [
        "电话8765432",
        "1234567",
        "12 345 67",
        "一二三四五六七",
        "联系 87 65 43 21",
        "编码1234-5678",
    ],
)
def test_any_other_run_of_seven_digits_is_a_number(gate, text):
    assert gate.scan_text(text) == ["number"]


@pytest.mark.parametrize(
    "text", ["123456", "12-34-56", "共有123456件", "138****5678", "2201**********0011", "1.5", "1,234,567"]
)
def test_six_digits_or_fewer_are_not_a_finding_by_length(gate, text):
    assert gate.scan_text(text) == []


@pytest.mark.parametrize(
    "text",
    ["E12345678", "e12345678", "G12345678", "EA1234567", "C12345678", "H1234567890", "护照号：AB1234567"],
)
def test_passports_and_travel_permits(gate, text):
    assert gate.scan_text(text) == ["passport"]


def test_a_code_with_seven_digits_that_nothing_declares_is_a_finding(gate):
    assert gate.scan_text("档案A1234567") == ["code"]
    assert gate.scan_text("档案A123456") == []


def test_a_passport_spelt_with_a_space_is_still_found(gate):
    assert gate.scan_text("E1234 5678") == ["number"]


@pytest.mark.parametrize(
    "text",
    [
        "zhangwei@163.com",
        "zhangwei＠163.com",
        "zhangwei [at] 163.com",
        "zhangwei[at]163[dot]com",
        "zhangwei(at)163.com",
        "zhangwei （at） 163.com",
        "zhangwei at 163.com",
        "zhangwei @ 163 . com",
        "zhangwei@163。com",
        "zhangwei@163．com",
        "zhangwei@qq",
        "邮箱 zhangwei@163，电话[电话]",
        "zhang\u200bwei@163.com",
        "邮箱：ZhangWei@Example.com.cn",
    ],
)
def test_emails(gate, text):
    assert gate.scan_text(text) == ["email"]


def test_a_file_name_with_an_at_is_not_an_email(gate):
    assert gate.scan_text('<img src="logo@2x.png">') == []


@pytest.mark.parametrize(
    "text",
    ["张伟", "当事人张伟于2025年", "張偉", "张 伟", "张\u3000伟", "张\u200b伟", "張 偉", "王建國", "李　娜"],
)
def test_known_names(gate, text):
    assert gate.scan_text(text) == ["known_name"]


@pytest.mark.parametrize(
    "text",
    [
        "家住长春市朝阳区幸福路",
        "住址：吉林省长春市红旗街",
        "现住朝阳区幸福小区",
        "户籍所在地：吉林省松原市宁江区大洼镇",
        "暂住于前进村",
        "幸福小区5栋2单元301室",
        "人民大街1000号A座1201室",
        "5栋2单元",
        "3号楼501",
        "永安村3组15号",
    ],
)
def test_home_addresses(gate, text):
    assert gate.scan_text(text) == ["address"]


@pytest.mark.parametrize(
    "text",
    [
        "建有3栋厂房",
        "住址不详",
        "居住地人民法院管辖",
        "住所：长春市",
        # a province, a city and a district locate no one: what the desensitiser leaves of an address
        "住址：吉林省长春市",
        "现住朝阳区",
        "主要负责人住址长春市二道区[住址]",
    ],
)
def test_not_addresses(gate, text):
    assert gate.scan_text(text) == []


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("微信：zhangwei_88", ["wechat"]),
        ("微信号 wxid_abc123", ["wechat"]),
        ("VX：zw13579", ["wechat"]),
        ("wx: abc12345", ["wechat"]),
        ("VX13812345678", ["mobile", "wechat"]),
        ("QQ：12345", ["qq"]),
        ("扣扣 123456", ["qq"]),
        ("QQ：12345678", ["number", "qq"]),
        ("微信公众号：长春市场监管", []),
        ("QQ群", []),
        # codes whose letters read as a cue: an organisation's code is not an account
        ("11230100QQL237XDNX", []),
        ("主体代码912203032WXCE8Y67K", []),
        ("11230100QQL237XDN0", ["qq"]),  # check character wrong: not a code, read as written
        # a rural collective's code (registration authority N, which stdnum refuses; GB 32100 does not)
        ("N2440604QQ326PNAAU", []),
        ("主体代码N22203024WXM7JM6KN", []),
        ("N2440604QQ326PNAAV", ["qq"]),  # check character wrong
        ("91350203QQ1XYTA24N", []),  # an early Xiamen code: another check character, accepted
    ],
)
def test_wechat_and_qq_accounts(gate, text, kinds):
    assert gate.scan_text(text) == kinds


# --- what shapes.yml declares not personal ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        # organisations' codes whose first 15 digits have a first-generation ID's shape (from the
        # benchmark's extracts): the check character holds, they are codes
        ("914403040712163QTF", []),
        ("当事人914403041005727GGY违法", []),
        ("122202030226749JBY", []),
        ("13912345678MA0Y12X", []),  # eleven digits in a mobile's shape
        # the check fails: the digits are read as they are written
        ("914403040712163QTG", ["citizen_id"]),
        ("13912345678MA0Y12A", ["mobile"]),
        # a citizen ID (17 digits and X) that happens to pass the check is still an ID
        ("22010219850312001X", ["citizen_id"]),
        ("ID914403040712163", ["citizen_id"]),  # not in a code's form
        ("身份证号914403040712163QTF", ["passport"]),  # a personal document's word comes first
    ],
)
def test_an_organisation_code_is_told_from_an_id_by_its_check_character(gate, text, kinds):
    assert gate.scan_text(text) == kinds


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-12",
        "20250312",
        "2025.3.12",
        "2025/03/12",
        "2025-03-12 14:30",
        "2025.1.1-2025.3.31期间",
        "罚款12000000元",
        "12345678.00元",
        "15000000股",
        "￥12345678",
        "人民币12345678",
        "长市监罚〔2025〕10050001号",
        "第2025000123号",
        "（2025）吉0104执1号",
        REGISTRATION,
        f"注册号{REGISTRATION[:-1]}{(int(REGISTRATION[-1]) + 1) % 10}",
        USCC_DIGITS,
        "91220101MA17ABCD1X",
        "12345670-2",
        "商品条码6901234567892",
        "JY12201040012345",
        "SC11322010501234",
        "国药准字H20051234",
        "合同编号：20250001234",
        "2019-2021年度",
        "20192021",
    ],
)
def test_declared_non_personal_numbers_pass(gate, text):
    assert gate.scan_text(text) == []


def test_a_checksum_decides_a_bare_registration_number(gate):
    mistyped = REGISTRATION[:-1] + str((int(REGISTRATION[-1]) + 1) % 10)
    assert gate.scan_text(mistyped) == ["bank_card"]  # 15 digits, no check, no cue: a card's shape


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("13812345678元", "mobile"),
        ("13812345678.00元", "mobile"),
        ("合同编号13812345678", "mobile"),
        ("长市监罚〔2025〕13812345678号", "mobile"),
        ("人民币13812345678", "mobile"),
        ("订单号" + ID, "citizen_id"),
        ("6222021234567890123元", "bank_card"),
        ("合同编号6222021234567890123", "bank_card"),
        ("合同编号043188886666", "landline"),
        ("许可证编号JY" + ID, "citizen_id"),
        ("合同号AB13812345678", "mobile"),
    ],
)
def test_a_personal_shape_is_never_exempt(gate, text, kind):
    assert gate.scan_text(text) == [kind]


def test_a_date_ends_the_run_it_touches(gate):
    assert gate.scan_text("2025-03-12 1234") == []
    assert gate.scan_text("13812345678 2025-03-12") == ["mobile"]


# --- names inside organisations; register poisoning ---------------------------------------------


def test_a_name_inside_a_listed_organisation_is_its_public_name(gate):
    assert gate.scan_text("长春市张伟商贸有限公司") == []
    assert gate.scan_text("長春市張偉商貿有限公司") == []


def test_the_same_name_elsewhere_in_the_text_is_still_found(gate):
    assert gate.scan_text("长春市张伟商贸有限公司，法定代表人张伟") == ["known_name"]


def test_a_known_persons_name_that_arrives_as_an_organisation_is_not_exempt():
    gate = Gate(known_people=["张伟"], organisations=["张伟", "长春市张伟商贸有限公司"])
    assert gate.scan_text("张伟") == ["known_name"]
    assert gate.scan_text("长春市张伟商贸有限公司") == []


def test_an_organisation_without_the_organisation_form_shields_nothing():
    gate = Gate(known_people=["张伟"], organisations=["张伟工作组", "张伟团队"])
    assert gate.scan_text("张伟工作组") == ["known_name"]
    assert gate.scan_text("张伟团队") == ["known_name"]


def test_an_organisation_that_only_overlaps_a_name_does_not_shield_it():
    gate = Gate(known_people=["张伟"], organisations=["伟业商贸有限公司"])
    assert gate.scan_text("张伟业商贸有限公司") == ["known_name"]


def test_a_known_name_registered_in_traditional_characters_or_spaced():
    gate = Gate(known_people=["張 偉"])
    assert gate.scan_text("当事人张伟") == ["known_name"]


# --- what the desensitiser writes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[身份证号]",
        "[电话]",
        "[号码]",
        "[邮箱]",
        "[住址]",
        "张**",
        "张*",
        "王**",
        "身份证号[身份证号]，电话[电话]",
        "住址：[住址]",
        "微信：[号码]",
        "联系人张**，电话[电话]，邮箱[邮箱]，家住[住址]",
    ],
)
def test_desensitised_values_are_clean(gate, text):
    assert gate.scan_text(text) == []


# --- frames and files ---------------------------------------------------------------------------


def test_scan_frame_reports_record_column_and_kind_for_every_string_column(gate):
    frame = pd.DataFrame(
        {
            "record_id": ["r1", "r2", "r3", "r4"],
            "subject": ["长春市张伟商贸有限公司", "张伟", "张**", None],
            "contact": ["[电话]", "13812345678", "zhang＠163.com", "13812345678"],
            "remark": pd.array([None, "家住长春市朝阳区幸福小区", "已履行", "已履行"], dtype="string"),
            "amount": [12000000, 13812345678, 1, 2],  # not a string column
        }
    )
    assert gate.scan_frame(frame) == [
        Finding("r2", "subject", "known_name"),
        Finding("r2", "contact", "mobile"),
        Finding("r2", "remark", "address"),
        Finding("r3", "contact", "email"),
        Finding("r4", "contact", "mobile"),
    ]


def test_scan_frame_scans_the_key_column_and_takes_another_key(gate):
    frame = pd.DataFrame({"id": ["13812345678", "a"], "note": ["x", "E12345678"]})
    assert gate.scan_frame(frame, key="id") == [
        Finding("13812345678", "id", "mobile"),
        Finding("a", "note", "passport"),
    ]


def test_scan_frame_scans_each_distinct_value_once(monkeypatch):
    gate = Gate(known_people=PEOPLE)
    calls: list[str] = []
    scan = gate._scan
    monkeypatch.setattr(gate, "_scan", lambda raw, **kw: calls.append(raw) or scan(raw, **kw))
    frame = pd.DataFrame({"record_id": [f"r{i}" for i in range(1000)], "v": ["张伟", "已履行"] * 500})
    findings = gate.scan_frame(frame)
    assert len(findings) == 500
    assert sorted(calls) == sorted({f"r{i}" for i in range(1000)} | {"张伟", "已履行"})


@pytest.mark.parametrize("worker", ["works", "fails"])
def test_a_frame_judged_in_two_processes_gives_what_one_gives(monkeypatch, worker):
    """Many distinct values are judged half in a forked worker; a worker that fails has its half
    judged here. Either way the findings are those of one process, row by row, and so are the
    clean values with their folded readings (kept for the next run: `Gate.clean`)."""
    from publishing.privacy import forked

    leaks = ["13812345678", "张伟", "zhang＠163.com", "家住长春市朝阳区幸福小区", "长春市张伟商贸有限公司"]
    frame = pd.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(3000)],
            "note": [
                leaks[i % 5] if i % 7 == 0 else f"第{i}{'號決' if i % 3 else '号决'}定已履行"
                for i in range(3000)
            ],
            "contact": [f"0431-8{i:07d}" if i % 11 == 0 else "[电话]" for i in range(3000)],
        }
    )
    one = Gate(known_people=PEOPLE, organisations=["长春市张伟商贸有限公司"])
    one._PARALLEL_MIN = 10**9
    two = Gate(known_people=PEOPLE, organisations=["长春市张伟商贸有限公司"])
    two._PARALLEL_MIN = 100
    splits = []
    run_parts = forked.run_parts
    monkeypatch.setattr(forked, "run_parts", lambda f, parts: splits.append(parts) or run_parts(f, parts))
    if worker == "fails":
        monkeypatch.setattr(forked, "_work", lambda index: 1 / 0)
    expected = one.scan_frame(frame)
    assert splits == []
    assert two.scan_frame(frame) == expected
    assert len(splits) == 1 and all(len(part) > 1000 for part in splits[0])
    assert {f.kind for f in expected} >= {"mobile", "known_name", "email", "address", "landline"}
    assert clean_values(two) == clean_values(one)
    assert ("第1號決定已履行", "第1号决定已履行") in clean_values(two)  # traditional, read simplified


def clean_values(gate: Gate) -> list[tuple[str, str | None]]:
    """What the gate keeps for the next run: (value, folded reading), sorted."""
    return sorted(zip(*gate.clean().to_pydict().values(), strict=True))


def test_values_vouched_for_come_back_once_each_with_their_folded_reading():
    """What the gate keeps of the values the last run vouched for: those a frame held since,
    once however many columns and frames held them, with their folded reading (traditional
    characters read simplified); not one no frame held."""
    gate = Gate(known_people=[], organisations=[])
    gate.vouch(clean_table(["第1號決定已履行", "已整改", "无人再用"], ["第1号决定已履行", None, None]), [])
    gate.scan_frame(
        pd.DataFrame(
            {"record_id": ["r1", "r2"], "a": ["第1號決定已履行", "已整改"], "b": ["已整改", "新的文字"]}
        )
    )
    gate.scan_frame(pd.DataFrame({"record_id": ["r3"], "a": ["已整改"]}))
    assert clean_values(gate) == [
        ("r1", None),
        ("r2", None),
        ("r3", None),
        ("已整改", None),
        ("新的文字", None),
        ("第1號決定已履行", "第1号决定已履行"),
    ]


def test_scan_file_csv_json_html(gate, tmp_path):
    csv_file = tmp_path / "d.csv"
    csv_file.write_text(
        "record_id,name,amount\nr1,长春市张伟商贸有限公司,12000000\nr2,已履行,1200\n", encoding="utf-8"
    )
    assert gate.scan_file(csv_file) == []  # a column of plain numbers is amounts, not phones
    csv_file.write_text("record_id,contact,amount\nr1,电话 138 1234 5678,13987654321\n", encoding="utf-8")
    assert gate.scan_file(csv_file) == ["mobile"]
    json_file = tmp_path / "d.jsonld"
    json_file.write_text('{"@context": "x", "rows": [{"note": "zhang\\uff20163.com", "bytes": 12345678}]}')
    assert gate.scan_file(json_file) == ["email"]
    # a byte count DCAT writes as a typed string is a count; any other string of digits is read
    json_file.write_text('{"dcat:byteSize": "3750903", "note": "3750903"}')
    assert gate.scan_file(json_file) == ["number"]
    json_file.write_text('{"dcat:byteSize": "13812345678"}')  # a phone is a phone wherever it is
    assert gate.scan_file(json_file) == ["mobile"]
    html_file = tmp_path / "d.html"
    html_file.write_text(
        "<p>&#49;&#51;&#56;<b>1234</b>5678</p><p>長春市張偉商貿有限公司</p>", encoding="utf-8"
    )
    assert gate.scan_file(html_file) == ["mobile"]
    md_file = tmp_path / "d.md"
    md_file.write_text("# 数据说明\n\n联系人：張 偉\n", encoding="utf-8")
    assert gate.scan_file(md_file) == ["known_name"]


@pytest.mark.parametrize(
    ("data", "kinds"),
    [
        # hand-written bytes, as other writers leave them: a BOM and Windows line ends
        (b"\xef\xbb\xbfid,note\r\nr1,\xe5\xb7\xb2\xe6\x95\xb4\xe6\x94\xb9\r\n", []),
        ("\ufeffid,note\r\nr1,联系电话13812345678\r\n".encode(), ["mobile"]),
        # bytes that are not UTF-8 around a phone (a GBK cell): read with replacement characters,
        # and the file is a finding of its own: a name in GBK would not be read
        (b"id,note\nr1,\xc1\xaa\xcf\xb5\xb5\xe7\xbb\xb013812345678\n", ["mobile", "not_utf8"]),
        ("id,note\nr1,张伟到场\n".encode("gbk"), ["not_utf8"]),
        ("id,note\nr1,张伟到场\nr2,已履行,多一列\n".encode("gb18030"), ["not_utf8"]),  # the csv module's path
        ("id,note\nr1,已整改\rr2,张伟到场\r".encode(), ["known_name"]),  # old Mac line ends
    ],
)
def test_a_csv_is_read_from_its_bytes_whatever_its_line_ends_and_encoding(gate, tmp_path, data, kinds):
    path = tmp_path / "d.csv"
    path.write_bytes(data)
    assert gate.scan_file(path) == kinds


@pytest.mark.parametrize("suffix", [".md", ".json", ".html", ".js"])
def test_a_file_that_is_not_utf8_is_a_finding_whatever_else_it_holds(gate, tmp_path, suffix):
    # what a UTF-8 reading of GB18030 bytes hides: the name is replacement characters
    path = tmp_path / f"d{suffix}"
    path.write_bytes('{"联系人": "张伟"}'.encode("gb18030"))
    assert gate.scan_file(path) == ["not_utf8"]
    path.write_text('{"联系人": "张伟"}', encoding="utf-8")
    assert gate.scan_file(path) == ["known_name"]


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ('id,note\nr1,"第一行\n联系电话13812345678"\n', ["mobile"]),  # a line break inside a cell
        ('id,note\nr1,"他说""微信 zhangwei_1990"""\n', ["wechat"]),  # doubled quotes
        ("id,note\nr1,已履行\nr2,已履行,13812345678\n", ["mobile"]),  # rows of uneven width
        ("\ufeffid,13812345678\nr1,已履行\n", ["mobile"]),  # the header, after Excel's BOM
        ("id,amount\r\nr1,1200000\r\nr2,13812345678\r\n", ["mobile"]),  # a number column: phones only
        ('id,note\nr1,"张伟,到场"\n', ["known_name"]),  # a comma inside quotes
        ('id,note\nr1,"未闭合的引号,13812345678\n', ["mobile"]),  # a quote never closed
    ],
)
def test_a_csv_is_read_cell_by_cell_whatever_its_quoting_or_width(gate, tmp_path, text, kinds):
    """The files a version holds are scanned as written; a CSV Arrow cannot parse whole is
    read by the csv module, never skipped."""
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    assert gate.scan_file(path) == kinds


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        # a cell the frame held, one it did not: the second is judged
        ("record_id,facts\nr1,已整改\nr2,已整改，电话13812345678\n", ["mobile"]),
        # plain numbers beside a judged name: not a numeric column, so 12345678 is a number
        ("record_id,who\nr1,吉林省宏达建材有限公司\nr2,12345678\n", ["number"]),
        # a numeric column stays one: a fine is not a phone, whatever the frame held
        ("record_id,fine\nr1,12345678\nr2,1200\n", []),
        # the frame's values, each on its own row: nothing
        ("record_id,facts,who\nr1,已整改,吉林省宏达建材有限公司\n", []),
        # a known name the frame never held
        ("record_id,facts\nr1,已整改\nr2,张伟到场\n", ["known_name"]),
    ],
)
def test_a_csv_s_cells_the_frame_held_are_judged_as_a_fresh_gate_judges_them(tmp_path, text, kinds):
    """The CSV written from a frame is matched against the values the gate judged clean in it,
    all at once; what it finds is what a gate that never saw the frame finds."""
    seen = Gate(known_people=PEOPLE, organisations=ORGANISATIONS)
    frame = pd.DataFrame({"record_id": ["r1", "r2"], "facts": ["已整改", "吉林省宏达建材有限公司"]})
    assert seen.scan_frame(frame) == [] and len(clean_values(seen)) == 4
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    fresh = Gate(known_people=PEOPLE, organisations=ORGANISATIONS)
    assert seen.scan_file(path) == fresh.scan_file(path) == kinds


# --- shapes.yml is read at run time -------------------------------------------------------------


def _shapes_copy(tmp_path, change) -> object:
    text = SHAPES.read_text(encoding="utf-8")
    path = tmp_path / "shapes.yml"
    path.write_text(change(text), encoding="utf-8")
    return path


def test_min_digits_is_read_from_the_shapes_file(tmp_path):
    path = _shapes_copy(tmp_path, lambda t: re.sub(r"(?m)^min_digits: *[0-9]+", "min_digits: 8", t))
    assert Gate().scan_text("1234567") == ["number"]
    assert Gate(shapes_path=path).scan_text("1234567") == []
    assert Gate(shapes_path=path).scan_text("12345678") == ["number"]
    assert Gate(shapes_path=path).scan_text("A1234567") == []  # codes count digits the same way


def test_an_exemption_removed_from_the_shapes_file_no_longer_holds(tmp_path):
    def without_decision_numbers(text):
        data = yaml.safe_load(text)
        data["non_personal_numbers"] = [
            e for e in data["non_personal_numbers"] if e["name"] != "decision_number"
        ]
        return yaml.safe_dump(data, allow_unicode=True)

    path = _shapes_copy(tmp_path, without_decision_numbers)
    assert Gate().scan_text("长市监罚〔2025〕10050001号") == []
    assert Gate(shapes_path=path).scan_text("长市监罚〔2025〕10050001号") == ["number"]


def test_a_misspelt_exemption_field_is_refused_not_ignored(tmp_path):
    path = _shapes_copy(tmp_path, lambda t: t.replace("    after: '\\s*号'", "    afterr: '\\s*号'", 1))
    assert "afterr" in path.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="decision_number"):
        Gate(shapes_path=path)


def test_no_version_id_reads_as_personal_data():
    """A version id is in every published file's metadata: one the gate stopped would refuse a
    whole run (a run id whose digest began "wx" + six letters read as a WeChat ID)."""
    from datetime import date
    from pathlib import Path

    from creditlake.settings import RunConfig
    from publishing.open_data import version_id

    cfg = RunConfig(landing=Path("landing"), lake=Path("lake"), as_of=date(2026, 11, 22))
    gate = Gate()
    flagged = [v for i in range(20_000) if gate.scan_text(v := version_id(cfg, f"manual__{i}"))]
    assert not flagged
    assert gate.scan_text("2026-11-22-wxqkdmrt") == ["wechat"]  # what the old alphabet could make
