"""The publish gate's independent scanner (publishing.scan): what it refuses on, in every
spelling the desensitiser handles, and what it must let through (public numbers and names)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from stdnum.cn import ric

from publishing.scan import scan_files, scan_text

ID = "22010419850312001" + ric.calc_check_digit("22010419850312001" + "0")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def kinds(text, names=(), allowed=()):
    return [f.kind for f in scan_text(text, "f.csv", set(names), set(allowed))]


@pytest.mark.parametrize(
    "text",
    [ID, f"身份证号{ID}。", f"{ID[:6]} {ID[6:14]} {ID[14:]}", f"{ID[:6]}-{ID[6:14]}-{ID[14:]}",
     " ".join(ID[i : i + 4] for i in range(0, 18, 4)), ID.translate(FULL_WIDTH)],
)  # fmt: skip
def test_valid_citizen_ids_in_any_spelling(text):
    assert kinds(text) == ["citizen_id"]


@pytest.mark.parametrize(
    "text",
    ["13812345678", "电话13812345678。", "138-1234-5678", "138 1234 5678", "+8613812345678", "+86 138 1234 5678",
     "0086-13812345678", "86-13812345678", "１３８１２３４５６７８", "１３８－１２３４－５６７８"],
)  # fmt: skip
def test_mobiles_in_any_spelling(text):
    assert kinds(text) == ["mobile"]


@pytest.mark.parametrize(
    "text",
    ["0431-88886666", "联系电话：0431-88886666转801", "0431 88886666", "(0431)88886666", "（0431）88886666",
     "010-12345678", "0431－88886666", "０４３１-８８８８６６６６", "电话88886666", "座机：043188886666", "Tel:8888666"],
)  # fmt: skip
def test_landlines_with_their_area_code_or_after_a_phone_word(text):
    assert kinds(text) == ["landline"]


@pytest.mark.parametrize(
    "text",
    [
        ID[:-1] + ("1" if ID[-1] != "1" else "2"),  # wrong check digit
        "220104198513320011",  # no such birth date
        "91220104MA0Y123404",  # a USCC: organisations' codes are public
        "注册号220104639093587",  # 15 digits: registration numbers are public
        "2025-01-02", "（2025）吉0104执1号", "长市监罚〔2026〕第0778号", "罚款人民币45500元", "20250312",
        "订单号1381234567890123", "2201041990****1238", "138****5678",
    ],
)  # fmt: skip
def test_public_numbers_and_masked_values_pass(text):
    assert kinds(text) == []


def test_protected_names_anywhere_but_inside_public_names():
    names = {"王伟", "张三丰"}
    assert kinds("王伟在场", names) == ["protected_name"]
    assert kinds("支付张三丰劳动报酬", names) == ["protected_name"]
    assert kinds("长春市王伟商贸有限公司支付货款", names, {"长春市王伟商贸有限公司"}) == []
    assert kinds("长春市王伟商贸有限公司支付王伟货款", names, {"长春市王伟商贸有限公司"}) == ["protected_name"]
    assert kinds("王*在场，张**签字", names) == []


def test_findings_leak_nothing_themselves():
    findings = scan_text(f"王伟，身份证{ID}，电话13812345678，座机0431-88886666", "f.csv", {"王伟"})
    assert sorted(f.kind for f in findings) == ["citizen_id", "landline", "mobile", "protected_name"]
    for f in findings:
        assert not any(v in str(f) for v in (ID, "13812345678", "88886666", "王伟"))


def test_every_file_kind_is_read(tmp_path):
    import pandas as pd

    pd.DataFrame({"facts": ["支付陶平劳动报酬"], "n": [1]}).to_parquet(tmp_path / "a.parquet")
    (tmp_path / "a.csv").write_text("\ufeffx\n0431-88886666\n", encoding="utf-8")
    (tmp_path / "index.html").write_text("<p>13812345678</p>", encoding="utf-8")
    found = {(Path(f.file).name, f.kind) for f in scan_files(sorted(tmp_path.iterdir()), {"陶平"})}
    assert found == {("a.parquet", "protected_name"), ("a.csv", "landline"), ("index.html", "mobile")}


def test_the_scanner_shares_no_code_with_the_desensitiser():
    source = Path(__file__).parents[2] / "publishing" / "scan.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
    assert not any("desensitise" in m or m.startswith("publishing") for m in imported)


def test_names_are_found_leftmost_and_longest_without_overlaps():
    names = {"王伟", "王伟明", "伟明", "李娜"}
    found = scan_text("王伟明与李娜、王伟在场", "f.csv", names)
    assert len(found) == 3  # 王伟明 (not 王伟 inside it, nor 伟明), 李娜, 王伟
    assert kinds("长春市王伟明商贸有限公司支付货款", names, {"长春市王伟明商贸有限公司", "长春市王伟"}) == []


def test_thousands_of_names_and_organisations():
    import random

    rng = random.Random(3)
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
    names = {rng.choice(surnames) + "".join(rng.choices(given, k=rng.choice((1, 2)))) for _ in range(20_000)}
    orgs = {f"长春市{n}商贸有限公司" for n in sorted(names)[:500]}
    inside = sorted(names)[0]
    text = f"经查，长春市{inside}商贸有限公司于当日销售白酒。" * 50 + "以上事实有当事人签字。"
    assert kinds(text, names, orgs) == []
    assert kinds(text + f"{sorted(names)[-1]}签字", names, orgs) == ["protected_name"]


def test_folding_equals_nfkc():
    import random
    import unicodedata

    from publishing.scan import _fold

    rng = random.Random(4)
    pool = "０１２３４５６７８９－（）＋，：；。！？、％＠ＡＢｘＸ　—–‐−·①⑴²e\u0301한글长春市电话13812345678 -()"
    dashes = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
                            "\u3000": " "})  # fmt: skip
    for _ in range(2000):
        text = "".join(rng.choices(pool, k=rng.randint(1, 30)))
        assert _fold(text) == unicodedata.normalize("NFKC", text).translate(dashes), text
