"""Synthetic agency extracts (`creditlake generate`): seeded, sized, with known defects.

Every identifier, name and phone number here is made up. Natural persons' names, ID
numbers and phone numbers are planted in free text on purpose, so that the privacy stages
have something to find; `truth.json` beside the extracts lists what was planted and what
fate each defective row must meet, so tests can check the pipeline against it.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc

from creditlake.identifiers import USCC_ALPHABET

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕建华文波晓东春梅丹宇鹏辉飞鑫浩宁博琳瑶"
TOWNS = ["长春", "吉林", "四平", "哈尔滨", "齐齐哈尔", "广州", "深圳", "佛山", "大庆", "延吉"]
TRADES = ["商贸", "建筑工程", "食品", "物流", "科技", "餐饮管理", "医药", "环保科技", "机械制造", "房地产开发"]
FORMS = ["有限公司", "有限责任公司", "股份有限公司"]
DIVISIONS = ["220104", "220102", "220203", "230102", "230103", "440103", "440305", "440604", "230602", "222401"]
AGENCIES = [
    ("长春市市场监督管理局", "11220100MB1234567X"),
    ("吉林省生态环境厅", "11220000013544357C"),
    ("哈尔滨市应急管理局", "11230100MB0000000X"),
    ("广州市税务局", "11440100MB2K00000X"),
]
VIOLATIONS = [
    ("未按规定公示年度报告", "警告", "0"),
    ("销售不符合食品安全标准的食品", "罚款;没收违法所得", "2.5"),
    ("超标排放大气污染物", "罚款", "20"),
    ("未取得施工许可证擅自施工", "罚款;责令停产停业", "8"),
    ("生产经营单位未按规定开展安全生产教育培训", "罚款", "1.2"),
    ("虚假广告宣传", "罚款", "0.5"),
    ("无证经营", "吊销许可证件", "0"),
]
PENALTY_HEADERS_ZH = [
    "行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "法定代表人证件类型",
    "法定代表人证件号码", "证件类型", "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实",
    "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）",
    "暂扣或吊销证照名称及编号", "处罚决定日期", "处罚有效期", "公示截止期", "处罚机关",
    "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码", "案件程序类别", "备注",
]  # fmt: skip


def make_uscc(rng: random.Random, division: str | None = None) -> str:
    body = "91" + (division or rng.choice(DIVISIONS)) + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + _uscc.calc_check_digit(body + "0")


def make_citizen_id(rng: random.Random, birth_year_range=(1955, 2000)) -> str:
    birth = date(rng.randint(*birth_year_range), 1, 1) + timedelta(days=rng.randint(0, 364))
    body = rng.choice(DIVISIONS) + birth.strftime("%Y%m%d") + f"{rng.randint(0, 999):03d}"
    return body + _ric.calc_check_digit(body + "0")


def make_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def make_mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "150", "186", "177", "199"]) + f"{rng.randint(0, 99_999_999):08d}"


@dataclass
class Truth:
    """What the generator planted, for tests to check the pipeline against."""

    expected: dict[str, dict] = field(default_factory=dict)  # "file:row" -> {"fate", "reason"}
    planted_ids: list[str] = field(default_factory=list)
    planted_phones: list[str] = field(default_factory=list)
    protected_names: list[str] = field(default_factory=list)
    loaded_orgs: list[str] = field(default_factory=list)  # USCCs of organisation records that load


def generate(out: Path, *, seed: int = 7, penalties: int = 200, as_of: date = date(2026, 11, 22),
             defect_rate: float = 0.05) -> Path:
    """Write `penalties/` extracts under `out` and `truth.json`; returns `out`."""
    rng = random.Random(seed)
    truth = Truth()
    folder = out / "penalties"
    folder.mkdir(parents=True, exist_ok=True)
    rows = [_penalty_row(rng, i, as_of, truth, defect_rate) for i in range(penalties)]
    name = "penalties_0001.csv"
    with (folder / name).open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(PENALTY_HEADERS_ZH)
        for row_number, (row, fate) in enumerate(rows, start=2):
            writer.writerow(row)
            truth.expected[f"{name}:{row_number}"] = fate
    (out / "truth.json").write_text(json.dumps(truth.__dict__, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def _penalty_row(rng: random.Random, i: int, as_of: date, truth: Truth, defect_rate: float):
    agency, agency_code = rng.choice(AGENCIES)
    violation, category, fine = rng.choice(VIOLATIONS)
    decided = as_of - timedelta(days=rng.randint(1, 700))
    rep, rep_id, phone = make_name(rng), make_citizen_id(rng), make_mobile(rng)
    person = rng.random() < 0.15
    if person:
        subject, kind, uscc, doc_type, doc_no = make_name(rng), "自然人", "", "身份证", make_citizen_id(rng)
        rep, rep_id = "", ""
        fact = f"当事人{subject}（身份证号{doc_no}，联系电话{phone}）{violation}。"
        truth.protected_names.append(subject)
        truth.planted_ids.append(doc_no)
    else:
        subject = f"{rng.choice(TOWNS)}市{rng.choice('金银华宏恒泰鑫瑞达盛隆')}{rng.choice('源丰信通安康')}{rng.choice(TRADES)}{rng.choice(FORMS)}"
        kind, uscc, doc_type, doc_no = "法人及非法人组织", make_uscc(rng), "", ""
        fact = f"{subject}（法定代表人{rep}，电话{phone}）{violation}，经查属实。"
        truth.planted_ids.append(rep_id)
    truth.planted_phones.append(phone)
    truth.protected_names.append(rep) if rep else None
    procedure = "01" if rng.random() < 0.05 else "02"
    row = [
        subject, kind, uscc, rep, "身份证" if rep else "", rep_id, doc_type, doc_no,
        f"{agency[:2]}市监罚〔{decided.year}〕{1000 + i}号", violation, fact, "《中华人民共和国行政处罚法》",
        category, f"{category}，罚款{fine}万元" if fine != "0" else category, fine, "0", "",
        decided.isoformat(), "2099-12-31", "", agency, agency_code, agency, agency_code, procedure, "",
    ]
    fate = {"fate": "loaded", "reason": None}
    if procedure == "01":
        fate = {"fate": "excluded", "reason": "excluded_simple_procedure"}
    elif rng.random() < defect_rate:
        defect = rng.choice(["uscc_checksum", "date_invalid", "id_excel_scientific"])
        if defect == "uscc_checksum" and not person:
            row[2] = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")
        elif defect == "date_invalid":
            row[17] = "2023年13月45日"
        else:
            defect = "id_excel_scientific"
            if person:
                row[7] = "2.20104E+17"
            else:
                row[2] = "9.12201E+17"
        fate = {"fate": "quarantined", "reason": defect}
    elif not person:
        truth.loaded_orgs.append(uscc)
    return row, fate
