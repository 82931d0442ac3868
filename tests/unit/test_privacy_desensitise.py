"""Desensitisation end to end (publishing.privacy.desensitise): each category, the decoys it must
leave alone, the record's own names, the register, the column path and its workers, and recall
on the generated corpus (tests/privacy/generated_corpus.py), beside the hand-written one
(tests/privacy/corpus/, tests/privacy/test_corpus.py).

Speed is measured by bench/privacy_bench.py, never here.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections import Counter

import pytest
from stdnum.cn import ric

from creditlake.identifiers import luhn_check_digit
from publishing.privacy.desensitise import (
    KnownPeople,
    analyse_column,
    analyzer,
    desensitise,
    desensitise_column,
    mask_name,
    mask_plate,
)
from tests.privacy.generated_corpus import generate_corpus, make_citizen_id, make_uscc


def citizen_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def bad_check(valid: str) -> str:
    return valid[:-1] + ("1" if valid[-1] != "1" else "2")


ID = citizen_id("22010419850312001")  # valid: GB 11643-1999 check digit
ID_X = next(i for i in (citizen_id(f"22010219790101{n:03d}") for n in range(200)) if i.endswith("X"))
CARD19 = "622202123456789012" + luhn_check_digit("622202123456789012")
CARD16 = "622588123456789" + luhn_check_digit("622588123456789")


# --- citizen IDs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"当事人身份证号{ID}，",
        f"身份证号：{ID}。",
        f"公民身份号码{ID_X}）",
        f"公民身份号码{ID_X.lower()}）",  # lower-case x as typed
        f"（{ID}）",
        ID,
    ],
)
def test_valid_citizen_ids_are_replaced_whole(text):
    out = desensitise(text)
    assert "[身份证号]" in out
    assert ID not in out and ID_X not in out.upper()


def test_legacy_15_digit_id_is_replaced():
    assert desensitise("身份证号220104850312001，") == "身份证号[身份证号]，"


def test_full_width_id_is_replaced():
    wide = ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert desensitise(f"身份证号{wide}。") == "身份证号[身份证号]。"


@pytest.mark.parametrize(
    "number",
    [
        bad_check(ID),  # wrong check digit
        "220104198513320019",  # month 13: no such birth date
        "220104850231001",  # 15 digits, 31 February
    ],
)
def test_ids_with_a_wrong_check_digit_or_date_are_still_masked(number):
    """A typo is still a person's ID: whatever its checksum, the number does not stay."""
    text = f"其登记的身份证号{number}与实际不符。"
    assert number not in desensitise(text) and desensitise(text).endswith("]与实际不符。")


def test_a_registration_number_with_an_id_shape_is_masked_as_one():
    """15 digits that read as a legacy ID (region, 1960-01-23) may be one: fails closed."""
    assert desensitise("营业执照注册号220104600123456，") == "营业执照注册号[身份证号]，"
    assert desensitise("营业执照注册号220104000012345，") == "营业执照注册号220104000012345，"


# --- phones -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "138-1234-5678",
        "138 1234 5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "86-13812345678",
        "008613812345678",
        "１３８１２３４５６７８",
        "0431-88886666",
        "(0431)88886666",
        "（0431）88886666",
        "0431 88886666",
        "010-62345678",
        "020-8765432",
        "0431－88886666",
    ],
)
def test_phones_in_their_usual_forms_are_replaced(phone):
    assert desensitise(f"联系电话{phone}。") == "联系电话[电话]。"
    assert desensitise(f"经核实{phone}为其本人号码") == "经核实[电话]为其本人号码"


def test_numbers_next_to_han_characters_are_found():
    # No \b between Han characters and digits: the number must still be found.
    assert desensitise("电话13812345678。") == "电话[电话]。"
    assert desensitise("号码13812345678已停机") == "号码[电话]已停机"


def test_landline_extension_goes_with_the_number():
    assert desensitise("电话0431-88886666转801，") == "电话[电话]，"


def test_local_numbers_only_after_a_phone_word():
    assert desensitise("联系电话：88886666；") == "联系电话：[电话]；"
    assert desensitise("座机043188886666，") == "座机[电话]，"
    assert desensitise("罚款88886666元，") == "罚款88886666元，"
    assert desensitise("发票代码044001900211，") == "发票代码044001900211，"
    # a landline's shape after a harmless cue is still a landline
    assert desensitise("发票代码043188886666，") == "发票代码[电话]，"


def test_numbers_joined_by_a_space_go_together():
    """One space may join groups of one number or two numbers: either way every digit goes."""
    out = desensitise("电话13812345678 0431-88886666。")
    assert out.startswith("电话[") and out.endswith("]。") and not any(c.isdigit() for c in out)


def test_already_masked_phone_is_left_alone():
    assert desensitise("联系电话138****5678，") == "联系电话138****5678，"


# --- bank cards ---------------------------------------------------------------------------------


@pytest.mark.parametrize("card", [CARD19, CARD16, " ".join(CARD19[i : i + 4] for i in range(0, 19, 4))])
def test_luhn_valid_cards_are_replaced(card):
    assert desensitise(f"银行卡（卡号：{card}）收取货款") == "银行卡（卡号：[银行卡号]）收取货款"


def test_a_card_failing_luhn_is_still_masked():
    """A typo is still a person's card."""
    assert desensitise(f"其提供的银行卡号{bad_check(CARD19)}无效，") == "其提供的银行卡号[银行卡号]无效，"


def test_eighteen_digit_uscc_is_not_a_card():
    rng = random.Random(3)
    for _ in range(200):
        uscc = make_uscc(rng, digits_only=True)
        text = f"统一社会信用代码：{uscc}，"
        assert desensitise(text) == text, uscc


def test_an_id_shaped_number_with_a_bad_check_digit_is_masked_as_an_id():
    rng = random.Random(5)
    for _ in range(200):
        number = make_citizen_id(rng, valid=False)
        assert (
            desensitise(f"核查时发现其登记的身份证号{number}与实际不符，")
            == "核查时发现其登记的身份证号[身份证号]与实际不符，"
        )


def test_numbers_after_a_harmless_cue_stay_unless_a_card_could_hide_there():
    rng = random.Random(7)
    for _ in range(100):
        short = f"网店订单号{rng.randint(10**9, 10**12 - 1)}，"
        assert desensitise(short) == short
        long = f"网店订单号{rng.randint(10**15, 10**17 - 1)}，"  # 16-17 digits: a card's length
        assert desensitise(long) == "网店订单号[银行卡号]，"


# --- e-mail and plates --------------------------------------------------------------------------


def test_email_is_replaced():
    assert desensitise("当事人通过邮箱zhang.wei1985@163.com接收订单") == "当事人通过邮箱[邮箱]接收订单"
    assert desensitise("service@jinyuan-trade.com.cn。") == "[邮箱]。"


@pytest.mark.parametrize(
    "plate", ["吉A12345", "吉A·12345", "粤B·D12345", "粤BD12345", "粤B12345D", "黑AB123C", "吉A1234挂"]
)
def test_plates_keep_the_province_only(plate):
    assert desensitise(f"驾驶{plate}号车辆运输") == f"驾驶{plate[0]}*****号车辆运输"


@pytest.mark.parametrize(
    "text", ["网站备案号吉ICP备2021012345号，", "药品经营许可证编号吉AA4310123，", "吉林省长春市"]
)
def test_plate_look_alikes_are_left_alone(text):
    assert desensitise(text) == text


# --- numbers that must stay ---------------------------------------------------------------------


def test_decision_numbers_amounts_dates_and_codes_are_not_touched():
    rng = random.Random(11)
    text = (
        "依据《中华人民共和国食品安全法》第一百二十四条，作出长市监罚〔2025〕1005号行政处罚决定，"
        "案号（2025）吉0104行初12号，罚款人民币50000元，没收违法所得1234.56元，货值金额12,345元。"
        f"执法人员于20250312进行检查。统一社会信用代码：{make_uscc(rng)}，"
        f"统一社会信用代码914403001922038216，许可证编号JY12201040012345，发票代码044001900211，"
        "营业执照注册号220104000012345。"
    )
    assert desensitise(text) == text


# --- names --------------------------------------------------------------------------------------


def test_mask_name_keeps_the_surname():
    assert mask_name("张三丰") == "张**"
    assert mask_name("王伟") == "王*"
    assert mask_plate("粤B·D12345") == "粤*****"


def test_record_names_are_masked_everywhere_even_without_context():
    text = "张三丰在长春市朝阳区经营超市，以上事实有张三丰签字确认，其妻李丽到场。"
    out = desensitise(text, ("张三丰", "李丽"))
    assert out == "张**在长春市朝阳区经营超市，以上事实有张**签字确认，其妻李*到场。"


@pytest.mark.parametrize(
    "text", ["经查KONG KAI到场", "经查kong kai到场", "经查\u212aONG \u212aAI到场", "经查ＫＯＮＧ ＫＡＩ到场"]
)
def test_a_record_s_own_name_in_pinyin_is_masked_whatever_its_case_or_width(text):
    """孔凯 written in pinyin: upper or lower case, with the Kelvin sign (its lower case is k),
    in full-width letters."""
    out = unicodedata.normalize("NFKC", desensitise(text, ("孔凯",))).lower()
    assert "kong" not in out and "kai" not in out and out.startswith("经查k*")


def test_record_names_apply_to_their_own_row_only():
    # 马力 (horsepower) is a word: with no cue, only the record that names its own 马力 masks it
    texts = ["马力在场。", "马力在场。"]
    assert desensitise_column(texts, [("马力",), ()]) == ["马*在场。", "马力在场。"]


def test_pinyin_forms_are_looked_for_where_there_are_letters_and_a_latin_name_everywhere():
    """The record's pinyin forms are made only for texts with Latin letters; one with a ü counts
    (LÜ Qiang). A record's Latin name without letters (a code given as a name) is still looked
    for in a text without any."""
    texts = ["吕强在场，Lv Qiang", "LÜ Qiang在场", "罚款;警告", "编号12号的车辆"]
    names = [("吕强",), ("吕强",), ("吕强",), ("12",)]
    assert desensitise_column(texts, names) == [
        "吕*在场，L* *****",
        "L*******在场",
        "罚款;警告",
        "编号1*号的车辆",
    ]


def test_each_row_gets_its_own_text_and_names_whatever_their_types():
    """A column as providers fill it: the same text under other names (a tuple, a list, one
    name as a string, none at all), values that are not text, an empty one. Each row is given
    what its own text and names give, and its detection copy ("" where it is not text)."""
    texts = ["马力在场。", None, "马力在场。", float("nan"), "Ma Li was here", "马力在场。", 7, ""]
    names = [("马力",), ("马力",), [], None, ["马力"], "马力", (), ("马力",)]
    copies: list = []
    out = desensitise_column(texts, names, copies=copies)
    assert out[:3] == ["马*在场。", None, "马力在场。"] and out[3] != out[3]  # NaN stays NaN
    assert out[4:] == ["M* ** was here", "马*在场。", 7, ""]
    assert copies == ["马力在场。", "", "马力在场。", "", "Ma Li was here", "马力在场。", "", ""]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("法定代表人王伟，电话13812345678", "法定代表人王*，电话[电话]"),
        ("当事人：张三丰（男，1985年出生）", "当事人：张**（男，[出生日期]出生）"),  # even the year alone
        ("现场负责人刘强未能提供进货凭证", "现场负责人刘*未能提供进货凭证"),
        ("员工张伟、李娜和王芳签字确认。", "员工张*、李*和王*签字确认。"),
        ("驾驶员赵敏驾驶吉A12345号车辆", "驾驶员赵*驾驶吉*****号车辆"),
        ("联系人：欧阳娜娜，", "联系人：欧***，"),
        ("经理为黄海燕在现场", "经理为黄**在现场"),
        ("涉案人员田舟（女，身份证号码", "涉案人员田*（女，身份证号码"),
        ("当事人委托刘建国办理相关手续。", "当事人委托刘**办理相关手续。"),
        ("当事人与何平签订租赁合同。", "当事人与何*签订租赁合同。"),
        ("以上事实有马雯的询问笔录为证。", "以上事实有马*的询问笔录为证。"),
        # the verb after a name is not part of it, though its 还 ends names elsewhere
        ("当事人王伟退还货款", "当事人王*退还货款"),
        ("当事人张三返还违法所得", "当事人张*返还违法所得"),
        # 向 is a surname (向红) or "to" (向张红梅): no character of either name is shown
        ("经查，当事人向红返还了款项", "经查，当事人向*返还了款项"),
        ("当事人向张红梅返还货款", "当事人向***返还货款"),
    ],
)
def test_names_found_by_context(text, expected):
    assert desensitise(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "员工张*在场，当事人李某某证实，负责人王某到场。",  # already masked: never unmasked or re-masked
        "负责人安排员工清理现场，当事人于当日补办，经理明知产品不合格。",
        "员工和顾客均在场，当事人向社会公开承诺整改，检测结果高于国家标准。",
        "当事人持有的许可证已过期，店内黄金饰品未明码标价。",
        "当事人长春市金源商贸有限公司，法定代表人未到场。",
        "当事人文华房地产开发股份有限公司，当事人吉林省恒通物流有限公司。",
        "当事人陈述申辩意见不成立，经营者张贴的价签不实。",
    ],
)
def test_phrases_after_role_words_are_not_names(text):
    assert desensitise(text) == text


def test_masked_names_passed_in_are_ignored():
    assert desensitise("张*在场，马力在场", ("张*", "马", "")) == "张*在场，马力在场"


# --- names with no cue, and the names the platform knows -----------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("邱**支付陶平劳动报酬26600元", "邱**支付陶*劳动报酬26600元"),  # a creditor in the court's list
        ("被执行人张*偿还申请执行人曾英桂借款本金103200元", "被执行人张*偿还申请执行人曾**借款本金103200元"),
        ("某公司支付申请执行人丁娟工程款37900元", "某公司支付申请执行人丁*工程款37900元"),
        ("经查，黄杰翰未经许可销售白酒。", "经查，黄**未经许可销售白酒。"),
        ("货款由欧阳娜娜收取。", "货款由欧***收取。"),  # the first character stays, as for every name
    ],
)
def test_names_with_no_cue_are_found_by_their_statistics(text, expected):
    assert desensitise(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "该公司仓库保管员未到岗。",  # 公司|仓库, not 公|司仓库
        "使用小型普通客车运输。",  # 普通 is a word
        "住所地长春市朝阳区黄河路316号。",  # a road
        "向齐齐哈尔市慈善总会捐款4300元。",  # a city
        "吉林市慈善总会出具收据。",
        "朝阳区华泰小吃部未明码标价。",  # a shop
        "龙凤区鑫康五金店销售不合格头盔。",
        "当事人于当日补办了相关手续。",
        "于判决生效之日起十日内履行。",
    ],
)
def test_words_places_and_shops_are_not_names(text):
    assert desensitise(text) == text


def test_names_the_platform_knows_are_masked_in_every_row():

    known = KnownPeople(["马力", "王伟", "侯玉", "艾力·吐尔逊"], ["长春市王伟商贸有限公司"])
    texts = [
        "当事人已于当日补缴，马力未到场。",
        "长春市王伟商贸有限公司支付王伟货款。",
        "偿还申请执行人侯玉英借款",
        "偿还艾力·吐尔逊借款",
    ]
    assert desensitise_column(texts, [()] * 4, known) == [
        "当事人已于当日补缴，马*未到场。",  # a word, but a person the warehouse knows
        "长春市王伟商贸有限公司支付王*货款。",  # inside the organisation's name it is public
        "偿还申请执行人侯**借款",  # a known 侯玉 inside 侯玉英: the names merge, all masked
        "偿还艾*****借款",
    ]
    assert desensitise_column(texts[:1], [()]) == texts[:1]  # without the register: a word


# --- the column ---------------------------------------------------------------------------------


def test_column_equals_row_by_row_and_handles_missing_values():
    samples = generate_corpus(300, seed=21)
    texts = [s.text for s in samples] * 2 + [None, "", float("nan")]
    names = [s.names for s in samples] * 2 + [None, (), ["王伟"]]
    out = desensitise_column(texts, names)
    for text, row_names, got in zip(texts[:600], names[:600], out[:600], strict=True):
        assert got == desensitise(text, row_names)
    assert out[600] is None and out[601] == "" and math.isnan(out[602])
    assert out[:300] == out[300:600]


def test_output_is_the_same_in_any_process():
    """Sets of names and spans iterate in an order that changes with each process's string
    hashes: the open files must not change with it (a daily run would publish other text)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    program = (
        "import json\n"
        "from publishing.privacy.desensitise import desensitise_column\n"
        "from tests.privacy.generated_corpus import generate_corpus\n"
        "samples = generate_corpus(100, seed=22)\n"
        "print(json.dumps(desensitise_column([s.text for s in samples], [s.names for s in samples])))\n"
    )
    root = Path(__file__).resolve().parents[2]
    outputs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", program],
                env=os.environ | {"PYTHONHASHSEED": seed},
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for seed in ("1", "2")
    ]
    samples = generate_corpus(100, seed=22)
    here = desensitise_column([s.text for s in samples], [s.names for s in samples])
    assert outputs[0] == outputs[1] == here
    assert sum(a != b for a, b in zip(here, (s.text for s in samples), strict=True)) > 50  # masked


def test_presidio_is_the_engine():
    from presidio_analyzer import AnalyzerEngine

    engine = analyzer()
    assert isinstance(engine, AnalyzerEngine)
    found = engine.analyze(text=f"员工王伟，电话13812345678，身份证号{ID}", language="zh")
    assert {r.entity_type for r in found} == {"PERSON", "CN_PHONE", "CN_CITIZEN_ID"}


def test_the_pre_filter_never_hides_anything():
    """Texts the pre-filter clears would yield nothing from Presidio either."""
    from publishing.privacy import desensitise as d
    from publishing.privacy.normalise import normalise

    samples = generate_corpus(2000, seed=23)
    # Nearly every sentence holds a surname before a given-name character (公示, 万元), which
    # the name statistics must look at; these do not, nor any number, @ or plate:
    clean = ["超标排放大气污染物。", "销售超过保质期的食品"]
    texts = [s.text for s in samples] + clean
    cleared = [t for t in texts if not d._may_hold(normalise(t).text, None)]
    assert set(clean) <= set(cleared)
    engine, _names, empty, _record, _known = d._engine()
    assert all(not found for found in d._analyse_joined(engine, empty, cleared, lambda _s, _e: []))


# --- recall on a small labelled corpus ----------------------------------------------------------


# What reads as a person's number, written out from the standards here rather than read from
# shapes.yml (under test): a legacy citizen ID (GB 11643-1989: a division, a YYMMDD birth date, a
# sequence) and a landline (0, an area code, a subscriber number not starting with 0 or 1).
_LEGACY_ID = re.compile(r"[1-9][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}")
_LANDLINE = re.compile(r"0(?:10|2[0-9]|[3-9][0-9]{2})[2-9][0-9]{6,7}")


def test_harmless_numbers_with_a_personal_shape_are_masked():
    """A personal shape is never exempt, whatever the cue: a 15-digit registration number that
    reads as a legacy ID, a 12-digit invoice code that reads as a landline (0 and an area code);
    the others keep their exemption."""
    samples = generate_corpus(2000, seed=2024)
    found = analyse_column([s.text for s in samples], [s.names for s in samples])
    masked, kept = Counter(), Counter()
    for sample, spans in zip(samples, found, strict=True):
        for d in sample.decoys:
            if d.kind in ("reg_no", "invoice_code"):
                touched = any(f.start < d.end and f.end > d.start for f in spans)
                personal = (_LEGACY_ID if d.kind == "reg_no" else _LANDLINE).fullmatch(d.value) is not None
                assert touched == personal, d.value
                (masked if touched else kept)[d.kind] += 1
    # both ways met, for both kinds: the corpus holds numbers of each
    assert min(masked["reg_no"], masked["invoice_code"], kept["reg_no"], kept["invoice_code"]) > 0, (
        masked,
        kept,
    )


@pytest.fixture(scope="module")
def corpus_result():
    """Per entity label, (masked, planted); per decoy kind, (touched, planted): a planted value is
    masked when no span found leaves any of its characters but a name's first one."""
    samples = generate_corpus(2000, seed=2024)
    found = analyse_column([s.text for s in samples], [s.names for s in samples])
    recall, decoys = {}, {}
    for sample, spans in zip(samples, found, strict=True):
        covered = set()
        for f in spans:
            covered.update(range(f.start, f.end))
        for e in sample.entities:
            need = range(e.start + (e.label in ("PERSON", "CN_LICENSE_PLATE")), e.end)
            ok = all(i in covered for i in need)
            masked, total = recall.get(e.label, (0, 0))
            recall[e.label] = (masked + ok, total + 1)
        for d in sample.decoys:
            touched, total = decoys.get(d.kind, (0, 0))
            decoys[d.kind] = (touched + any(i in covered for i in range(d.start, d.end)), total + 1)
    return recall, decoys


def test_corpus_recall_of_numbers_and_contacts_is_complete(corpus_result):
    recall, _decoys = corpus_result
    for label in ("CN_CITIZEN_ID", "CN_PHONE", "CN_BANK_CARD", "EMAIL_ADDRESS", "CN_LICENSE_PLATE"):
        masked, total = recall[label]
        assert masked == total, label


def test_corpus_recall_of_names(corpus_result):
    masked, total = corpus_result[0]["PERSON"]
    assert masked / total >= 0.98


def test_corpus_decoys_stay(corpus_result):
    """What is declared harmless stays; a card or an ID failing its checksum no longer does."""
    _recall, decoys = corpus_result
    for kind in (
        "decision_no",
        "case_no",
        "uscc",
        "uscc_digits",
        "date_compact",
        "amount",
        "icp_no",
        "masked_name",
        "masked_phone",
    ):
        touched, total = decoys[kind]
        assert total and touched == 0, kind
    for kind in ("id_bad_checksum", "card_bad_luhn"):
        touched, total = decoys[kind]
        assert touched == total, kind


def test_two_processes_give_what_one_gives():

    samples = generate_corpus(600, seed=25)
    texts = [s.text for s in samples] * 2 + [None, "", float("nan"), "马力未到场。"]
    names = [s.names for s in samples] + [()] * len(samples) + [None, (), ["王伟"], ()]
    known = KnownPeople(["马力", "王伟"], ["长春市王伟商贸有限公司"])
    one = desensitise_column(texts, names, known, processes=1)
    two = desensitise_column(texts, names, known, processes=2)
    assert one[:-2] == two[:-2] and math.isnan(two[-2]) and two[-1] == one[-1] == "马*未到场。"


def test_a_failing_worker_is_redone_here(monkeypatch):
    from publishing.privacy import forked

    def fail(part):
        raise MemoryError

    monkeypatch.setattr(forked, "_work", fail)  # forked workers inherit the patched module
    samples = generate_corpus(200, seed=26)
    texts, names = [s.text for s in samples], [s.names for s in samples]
    assert desensitise_column(texts, names, processes=2) == desensitise_column(texts, names, processes=1)


def test_a_hanging_worker_is_given_up(monkeypatch):
    import time

    from publishing.privacy import forked

    def hang(part):
        time.sleep(60)

    monkeypatch.setattr(forked, "_work", hang)
    monkeypatch.setattr(forked, "PATIENCE", 0.5)
    samples = generate_corpus(200, seed=27)
    texts, names = [s.text for s in samples], [s.names for s in samples]
    start = time.perf_counter()
    assert desensitise_column(texts, names, processes=2) == desensitise_column(texts, names, processes=1)
    assert time.perf_counter() - start < 30


def test_columns_of_two_threads_split_at_once_stay_apart():
    from concurrent.futures import ThreadPoolExecutor

    columns = []
    for seed in (28, 29):
        samples = generate_corpus(300, seed=seed)
        columns.append(([s.text for s in samples], [s.names for s in samples]))
    expected = [desensitise_column(t, n, processes=1) for t, n in columns]
    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(lambda c: desensitise_column(c[0], c[1], processes=2), columns * 2))
    assert got == expected * 2


def test_work_forked_within_forked_work_is_done_in_the_worker_not_waited_for():
    """The publish gate checks datasets in a forked worker, and judges a dataset's many values
    in a forked worker of its own: a worker was forked while its parent held the fork lock, so
    a second fork there would wait for ever (and its part be given up and redone here, after
    `PATIENCE`). Each part must be done where it was sent: a worker does its inner work itself."""
    import os

    from publishing.privacy import forked

    def part(values):
        inner = forked.run_parts(lambda half: [(v, os.getpid()) for v in half], [values[:1], values[1:]])
        return os.getpid(), forked.can_fork(), [pair for half in inner for pair in half]

    parent = os.getpid()
    (here, here_forks, here_done), (there, there_forks, there_done) = forked.run_parts(part, [[1, 2], [3, 4]])
    assert here == parent and here_forks and there != parent and not there_forks
    assert [v for v, _ in here_done + there_done] == [1, 2, 3, 4]
    assert {pid for _, pid in there_done} == {there}  # the worker's inner parts, in the worker
    assert here_done[0][1] == parent and here_done[1][1] not in (parent, there)  # forked again here
