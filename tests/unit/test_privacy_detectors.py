"""The desensitiser's detectors one by one: the normalised copy and its map back, the fail-closed
number rule and its declared exemptions, contacts, home addresses, birth dates, court IDs.

The hand-written corpus (tests/privacy/corpus/) measures them together; these pin each rule.
"""

from __future__ import annotations

import pytest

from publishing.privacy.addresses import find_addresses, find_birth_dates
from publishing.privacy.contacts import find_contacts
from publishing.privacy.normalise import normalise
from publishing.privacy.numbers import find_numbers
from publishing.privacy.subjects import court_id_mask, has_organisation_form, is_individual_business


def found(finder, text: str) -> list[tuple[str, str]]:
    """(original characters, kind) of what `finder` finds in the normalised copy of `text`."""
    norm = normalise(text)
    return [(text[slice(*norm.span(f.start, f.end))], f.kind) for f in finder(norm.text)]


# --- the normalised copy -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "copy"),
    [
        ("１３８１２３４５６７８", "13812345678"),  # full-width
        ("13\u200b8\u200c1234\ufeff5678", "13812345678"),  # zero-width characters
        ("一三八一二三四五六七八", "13812345678"),  # Chinese numerals
        ("①③⑧", "138"),  # circled
        ("𝟏𝟑𝟖", "138"),  # mathematical digits
        ("١٣٨", "138"),  # Arabic-Indic digits
        ("138OO12345l", "13800123451"),  # O for 0, l for 1
        ("張 偉", "张伟"),  # traditional, and a space inside a name
        ("王\n五", "王五"),
    ],
)
def test_the_detection_copy_has_one_spelling(text, copy):
    assert normalise(text).text == copy


def test_words_are_not_read_as_digits():
    assert normalise("一般程序，三四天").text == "一般程序,三四天"  # short numeral runs are words
    assert normalise("Tel13812345678").text == "Tel13812345678"  # the l of Tel is a letter


def test_a_span_maps_back_onto_the_characters_the_reader_sees():
    text = "电话1\u200b3 8-1234-5678。"
    norm = normalise(text)
    (number,) = find_numbers(norm.text)
    start, end = norm.span(number.start, number.end)
    assert text[:start] == "电话" and text[end:] == "。"


# --- numbers: seven digits or more are personal unless declared otherwise ---------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("身份证号220104198503120011", "citizen_id"),
        ("身份证号220104198503120012", "citizen_id"),  # a wrong check digit is still a person's ID
        ("身份证号22010419850312001x", "citizen_id"),
        ("220104 850312 001", "citizen_id"),  # 15 digits grouped 6-6-3
        ("电话138.1234.5678", "mobile"),
        ("电话138/1234/5678", "mobile"),
        ("电话1381 2345 678", "mobile"),  # 4-4-3
        ("电话138  1234\n5678", "mobile"),  # two spaces, a line break
        ("电话+86 138 1234 5678", "mobile"),
        ("（86-13812345678）", "mobile"),
        ("0431-8765-4321", "landline"),
        ("+86-431-87654321", "landline"),
        ("(0431)8765 4321", "landline"),
        ("卡号622202 1234567890128", "bank_card"),  # 6-13
        ("卡号6222.0212.3456.7890", "bank_card"),  # dots; Luhn or not
        ("登记的号码为 8765432 系其本人", "number"),  # any other seven digits nobody declared
        ("合同编号13812345678", "mobile"),  # a personal shape after a harmless cue
        ("罚款13812345678元", "mobile"),  # a personal shape before an amount's unit
        ("护照号码E12345678", "passport"),
        ("护照号EA1234567", "passport"),
        ("港澳通行证C12345678", "passport"),
        ("Tel13812345678", "mobile"),
        ("914403040712163QTG", "citizen_id"),  # an ID's shape in a code whose check fails
        ("22010219850312001X", "citizen_id"),  # an ID that also passes an organisation code's check
    ],
)
def test_personal_numbers_are_found_whatever_their_spelling(text, kind):
    assert [k for _span, k in found(find_numbers, text)] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "2025年3月12日检查",
        "于2025-03-12 14:30检查",  # a date and a time, not one number
        "20250312",
        "2019-2021年度",
        "罚款人民币12000000元",
        "没收违法所得1234567.89元",
        "销售白酒1234567瓶",
        "长市监罚〔2025〕10050001号",
        "吉林市环罚字[2024]第0012345号",
        "统一社会信用代码91220101MA17XY1234",
        "主体代码914403040712163QTF",  # its first 15 digits in a first-generation ID's shape
        "13912345678MA0Y12X",  # eleven digits in a mobile's shape, the check character holds
        "食品经营许可证JY12201040012345",
        "国药准字H20051234",  # the cue's code, though H and eight digits is a home-return permit's shape
        "合同编号20250312001",
        "注册号220104000012345",
        "检测值为0.123456mg/kg",
        "第1234条",  # short
    ],
)
def test_declared_non_personal_numbers_stay(text):
    assert found(find_numbers, text) == []


def test_a_declared_shape_is_read_from_shapes_yml(tmp_path, monkeypatch):
    """A configured value changes behaviour: with min_digits at 9, eight digits are harmless."""
    from publishing.privacy import numbers

    spec = numbers.SHAPES_FILE.read_text(encoding="utf-8").replace("min_digits: 7", "min_digits: 9")
    (tmp_path / "shapes.yml").write_text(spec, encoding="utf-8")
    assert found(find_numbers, "登记的号码为 87654321 系其本人") != []
    original = numbers.shapes
    monkeypatch.setattr(numbers, "shapes", lambda path=tmp_path / "shapes.yml": original(path))
    assert found(find_numbers, "登记的号码为 87654321 系其本人") == []
    assert found(find_numbers, "登记的号码为 8765432109 系其本人") != []


# --- contacts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("邮箱zhangsan@163.com。", "zhangsan@163.com"),
        ("邮箱zhangsan＠163.com", "zhangsan＠163.com"),
        ("邮箱zhangsan@163。com", "zhangsan@163。com"),
        ("邮箱zhangsan@163．com", "zhangsan@163．com"),
        ("邮箱zhang.san[at]qq.com", "zhang.san[at]qq.com"),
        ("邮箱 li_si (at) sina (dot) com", "li_si (at) sina (dot) com"),
        ("邮箱wangwu @ 126.com", "wangwu @ 126.com"),
        ("邮箱WANGWU@GOV.CN", "WANGWU@GOV.CN"),
        ("邮箱zs at 163 dot com", "zs at 163 dot com"),
        ("邮箱12345678@qq.com", "12345678@qq.com"),
    ],
)
def test_email_in_every_written_form(text, value):
    assert (value, "email") in found(find_contacts, text)


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("微信号：zhang_san1988，", "zhang_san1988", "wechat"),
        ("VX：wx-lisi88", "wx-lisi88", "wechat"),
        ("QQ：12345678，", "12345678", "qq"),
        ("扣扣号为 987654321", "987654321", "qq"),
    ],
)
def test_wechat_and_qq_after_their_cue(text, value, kind):
    assert (value, kind) in found(find_contacts, text)


# --- home addresses and birth dates ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("家住长春市朝阳区红旗街道幸福小区5栋2单元301室，", "5栋2单元301室"),
        ("住址：吉林省榆树市大岭镇幸福村三组12号。", "幸福村三组12号"),
        ("李四住在绿园区青年路丽水花园3号楼1门502，", "3号楼1门502"),
        ("在南关区民康路88号6幢1单元201室存放", "6幢1单元201室"),  # no cue: the grain says it
    ],
)
def test_home_addresses_are_found_down_to_the_room(text, gone):
    spans = [span for span, kind in found(find_addresses, text) if kind == "address"]
    assert spans and any(gone in span for span in spans)


def test_what_of_an_address_stays():
    """After a residence word the whole address goes; where only the dwelling's grain says so, the
    city and district stay (they locate no one); a business address to its street number stays."""
    (span,) = [s for s, _k in found(find_addresses, "家住长春市朝阳区红旗街道幸福小区5栋2单元301室，")]
    assert span == "长春市朝阳区红旗街道幸福小区5栋2单元301室"
    (span,) = [s for s, _k in found(find_addresses, "在长春市朝阳区红旗街道幸福小区5栋2单元301室存放")]
    assert span == "红旗街道幸福小区5栋2单元301室"
    assert found(find_addresses, "经营场所位于长春市朝阳区人民大街1234号，") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("张三，男，1985年3月12日出生，", "1985年3月12日"),
        ("出生日期：1985-03-12", "1985-03-12"),
        ("（女，一九八五年三月十二日生，汉族）", "一九八五年三月十二日"),
        ("王五，生于1979.11.3，", "1979.11.3"),
        ("（男，1990年5月，汉族）", "1990年5月"),
    ],
)
def test_birth_dates_next_to_a_birth_word(text, value):
    assert (value, "birth_date") in found(find_birth_dates, text)


def test_other_dates_are_not_birth_dates():
    assert found(find_birth_dates, "2025年3月12日，执法人员检查发现") == []


# --- subjects ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "published"),
    [
        ("220104198503120011", "220104********0011"),
        ("22010419850312001*", "220104********001*"),  # only the check digit starred: recomputable
        ("2201041985031200**", "220104********00**"),  # two digits starred: ten candidates
        ("masked:220104********0011", "220104********0011"),
        ("２２０１０４１９８５０３１２００１１", "220104********0011"),
        ("220104850312001", "220104*****2001"),
    ],
)
def test_court_ids_are_published_in_one_mask_that_hides_the_birth_date(raw, published):
    assert court_id_mask(raw) == published


@pytest.mark.parametrize("raw", ["张三", "2201041985", "22010419850312001A", None])
def test_a_court_id_that_cannot_be_masked_is_not_published(raw):
    assert court_id_mask(raw) is None


def test_individual_businesses_and_organisation_form():
    assert is_individual_business("organisation", "92220101MA17XY1234")
    assert is_individual_business("individual_business", None)
    assert not is_individual_business("organisation", "91220101MA17XY1234")
    assert has_organisation_form("长春市张伟商贸有限公司")
    assert has_organisation_form("鑫康五金店")
    assert has_organisation_form("吉林省𠀀源食品有限公司")  # a Han character outside the basic block
    assert not has_organisation_form("张伟")
    # Public institutions (codes 12...): schools are named for their level. Found at 1M
    # penalties: every 长春市南关区第四中学 was published as 长********* (a bare person's name).
    for school in ("长春市南关区第四中学", "朝阳区实验小学", "吉林大学", "长春市第二实验学校"):
        assert has_organisation_form(school), school
    assert not has_organisation_form("张大学")  # a person's given name is not a school
