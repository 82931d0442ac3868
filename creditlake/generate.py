"""Synthetic agency extracts (`creditlake generate`): seeded, sized, realistic, with known defects.

Every identifier, name, phone number, e-mail address and bank card here is made up (valid
check digits, invented people). What is written, under `out/`:

* one folder per landing dataset — `penalties/`, `licenses/`, `court_dishonest/`, `honors/`,
  `credit_commitments/` and the events `repairs/`, `revocations/`, `objections/`, `subject_requests/` — each
  spread over files in every format landing reads: CSV in UTF-8 with BOM, UTF-8 and
  GB18030 (with names GBK cannot encode), XLSX (identifiers as text cells, except the
  planted Excel damage, which is a number cell) and JSON Lines; headers in Chinese in some
  files, column codes (`CF_*`, `XK_*`, ...) in others;
* events that point at generated records (same 原决定书文号 and subject code, dated after
  the record and not after `as_of`): repairs, revocations (撤销/删除/更正), objections
  (受理, and 办结 with 维持/更正/撤销; some still open on `as_of`), subject requests for
  subjects with honours;
* defects, each kind a share of the rows (`defect_rate` split over the kinds a dataset can
  carry, or a share per kind in `defects`), with the fate and reason landing assigns;
* natural persons' names, ID numbers, phones (mobile and landline), e-mail addresses and
  bank cards planted in free text in varied phrasings, for the privacy stages to find;
* `serious_determinations/`: agencies' serious dishonest list determinations (严重失信主体名单
  认定), few (penalties/200, at least 6), for subjects of the penalties, with the persons of
  a listed organisation; they carry only defects that load (odd date forms, junk around codes);
* `truth.json`: the expected fate and reason of every row, per-file counts, the events
  and what they refer to, and what was planted (see `generate`).

`full=True` (the default) writes everything. `full=False` (`creditlake generate
--penalties-only`) writes one file, `penalties/penalties_0001.csv` (UTF-8 with BOM, Chinese
headers), still with every defect kind a CSV can carry: what the landing benchmark reads. Speed: pools of subjects, identifiers and names are drawn once with numpy and
rows sample them; the only per-row Python is string formatting and the csv module, so
1,000,000 penalties take seconds, not minutes. Above 200,000 rows a dataset's bulk is
one UTF-8 CSV and the other formats are small side files.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from creditlake.identifiers import (
    ID_ALPHABET,
    USCC_ALPHABET,
    citizen_id_check_char,
    citizen_id_check_index,
    luhn_check_digits,
    uscc_check_char,
    uscc_check_index,
)

AS_OF = date(2026, 11, 22)
RECORD_DATASETS = ["penalties", "licenses", "court_dishonest", "honors", "credit_commitments"]
EVENT_DATASETS = ["repairs", "revocations", "objections", "subject_requests"]
# records drawn from the subjects of those above (built, like events, from the loaded pool)
POOLED_DATASETS = ["serious_determinations"]
DATASETS = RECORD_DATASETS + POOLED_DATASETS + EVENT_DATASETS
FORMATS = ["csv_bom", "csv", "csv_gb18030", "xlsx", "jsonl"]
ENCODINGS = {"csv_bom": "utf-8-sig", "csv": "utf-8", "csv_gb18030": "gb18030"}
HEADER_STYLE = {"csv_bom": "zh", "csv": "code", "csv_gb18030": "alias", "xlsx": "zh", "jsonl": "code"}
BIG = 200_000  # above this, a dataset's bulk is one UTF-8 CSV and the other formats are side files
MIN_FILE_ROWS = 8

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕建华文波晓东春梅丹宇鹏辉飞鑫浩宁博琳瑶"
COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛"]
RARE_GIVEN = [
    "䶮",
    "𠀀",
    "喆",
    "玥",
    "堃",
    "昇",
]  # 䶮 and 𠀀 are outside GBK: only GB18030 or UTF-8 carry them
MINORITY_NAMES = ["阿依古丽·买买提", "艾力·吐尔逊", "努尔兰·别克", "扎西·多吉", "古丽娜尔·艾买提"]

# town, 文号 short name, province short (案号), province, area code, districts (division code, name)
PLACES = [
    ("长春", "长", "吉", "吉林省", "0431", [("220102", "南关区"), ("220104", "朝阳区"), ("220105", "二道区"), ("220106", "绿园区")]),
    ("吉林", "吉", "吉", "吉林省", "0432", [("220202", "昌邑区"), ("220203", "龙潭区"), ("220204", "船营区")]),
    ("四平", "四", "吉", "吉林省", "0434", [("220302", "铁西区"), ("220303", "铁东区")]),
    ("松原", "松", "吉", "吉林省", "0438", [("220702", "宁江区")]),
    ("哈尔滨", "哈", "黑", "黑龙江省", "0451", [("230102", "道里区"), ("230103", "南岗区"), ("230104", "道外区")]),
    ("齐齐哈尔", "齐", "黑", "黑龙江省", "0452", [("230202", "龙沙区")]),
    ("大庆", "庆", "黑", "黑龙江省", "0459", [("230602", "萨尔图区"), ("230603", "龙凤区")]),
    ("广州", "穗", "粤", "广东省", "020", [("440103", "荔湾区"), ("440104", "越秀区"), ("440106", "天河区")]),
    ("深圳", "深", "粤", "广东省", "0755", [("440303", "罗湖区"), ("440304", "福田区"), ("440305", "南山区")]),
    ("佛山", "佛", "粤", "广东省", "0757", [("440604", "禅城区"), ("440605", "南海区")]),
]  # fmt: skip
# 厦门 思明区: early pilot codes fail the checksum and are real (docs/domain.md#identifiers)
PILOT_DIVISION = "350203"
NAME_A = "金银宏恒泰鑫瑞达盛隆嘉德润兴"
NAME_B = "源丰信通安康泰旺诚远"
TRADES = [
    "商贸",
    "建筑工程",
    "食品",
    "物流",
    "科技",
    "餐饮管理",
    "医药",
    "环保科技",
    "机械制造",
    "房地产开发",
    "化工",
    "运输",
]
FORMS = ["有限公司", "有限责任公司", "股份有限公司"]
SHOPS = ["便利店", "食杂店", "五金店", "餐馆", "美发店", "水果店", "汽车修理部", "烧烤店"]
# organisation heads (GB 32100-2015: registration authority + type) and their name shapes
ORG_HEADS = [("91", 0.84), ("93", 0.05), ("52", 0.04), ("12", 0.04), ("N2", 0.03)]

# agency type, name suffix, 文号 abbreviation
AGENCY_TYPES = [
    ("market", "市场监督管理局", "市监"), ("env", "生态环境局", "环"), ("safety", "应急管理局", "应急"),
    ("tax", "税务局", "税"), ("transport", "交通运输局", "交"), ("housing", "住房和城乡建设局", "建"),
    ("health", "卫生健康委员会", "卫"), ("urban", "城市管理行政执法局", "城管"),
]  # fmt: skip
ORG, PER, IND = 1, 2, 4  # subject-kind bits: organisation, natural person, individual business
KIND_BIT = np.array([ORG, PER, IND])  # by kind code 0, 1, 2
LB = np.array(["法人及非法人组织", "自然人", "个体工商户"], dtype=object)

# agency type, 违法行为类型, 违法事实, 处罚依据, 处罚类别, [(罚款万元, 没收万元)], 暂扣/吊销证照, subjects
VIOLATIONS = [
    ("market", "销售不符合食品安全标准的食品", "销售超过保质期的预包装食品", "《中华人民共和国食品安全法》第一百二十四条", "罚款;没收违法所得", [("5", "0.12"), ("10", "0.35"), ("2.5", "0.08")], "", ORG | IND),
    ("market", "发布虚假广告", "通过店堂广告宣传普通食品具有治疗功效，欺骗、误导消费者", "《中华人民共和国广告法》第五十五条", "罚款", [("20", ""), ("3", "")], "", ORG),
    ("market", "未按规定公示年度报告", "未按照规定的期限公示年度报告", "《企业信息公示暂行条例》第十七条", "警告", [("", "")], "", ORG),
    ("market", "无照经营", "未依法取得营业执照擅自从事经营活动", "《无证无照经营查处办法》第十三条", "罚款;没收违法所得", [("0.5", "0.02"), ("1", "0.1")], "", PER | IND),
    ("market", "价格违法", "不执行政府指导价，擅自提高停车收费标准", "《中华人民共和国价格法》第三十九条", "罚款", [("2", ""), ("6", "")], "", ORG),
    ("market", "销售不合格产品", "销售不合格电动自行车头盔", "《中华人民共和国产品质量法》第四十九条", "罚款;没收违法所得;没收非法财物", [("1.5", "0.3"), ("3", "0.6")], "", ORG | IND),
    ("env", "超标排放大气污染物", "超过大气污染物排放标准排放大气污染物", "《中华人民共和国大气污染防治法》第九十九条", "罚款;责令停产停业", [("20", ""), ("50", ""), ("100", "")], "", ORG),
    ("env", "未批先建", "建设项目环境影响报告表未经批准擅自开工建设", "《中华人民共和国环境影响评价法》第三十一条", "罚款", [("8", ""), ("12", "")], "", ORG),
    ("env", "违法处置危险废物", "将废机油等危险废物交由无经营许可证的单位处置", "《中华人民共和国固体废物污染环境防治法》第一百一十二条", "罚款;限制开展生产经营活动", [("100", ""), ("150", "")], "", ORG),
    ("safety", "未按规定开展安全生产教育培训", "未按照规定对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第九十七条", "罚款", [("1.2", ""), ("3", "")], "", ORG),
    ("safety", "未建立事故隐患排查治理制度", "未建立事故隐患排查治理制度，未如实记录事故隐患排查治理情况", "《中华人民共和国安全生产法》第一百零二条", "罚款;责令停产停业", [("5", ""), ("10", "")], "", ORG),
    ("tax", "未按期申报", "未按照规定的期限办理纳税申报和报送纳税资料", "《中华人民共和国税收征收管理法》第六十二条", "罚款", [("0.2", ""), ("0.05", ""), ("1", "")], "", ORG | IND | PER),
    ("tax", "虚开发票", "虚开增值税普通发票", "《中华人民共和国发票管理办法》第三十五条", "罚款;没收违法所得", [("5", "1.2"), ("50", "8")], "", ORG),
    ("transport", "未取得道路运输经营许可擅自从事道路运输经营", "未取得道路运输经营许可，擅自从事道路旅客运输经营", "《中华人民共和国道路运输条例》第六十三条", "罚款;没收违法所得", [("1", "0.05"), ("3", "0.2")], "", PER | IND),
    ("transport", "车辆超限运输", "驾驶超限车辆擅自在公路上行驶", "《公路安全保护条例》第六十四条", "罚款", [("0.3", ""), ("1", "")], "", ORG | PER),
    ("housing", "未取得施工许可证擅自施工", "未取得施工许可证擅自开工建设", "《建筑工程施工许可管理办法》第十二条", "罚款;责令停产停业", [("8", ""), ("15", "")], "", ORG),
    ("housing", "违法转包", "将承包的工程转包给不具备相应资质的单位", "《建设工程质量管理条例》第六十二条", "罚款;降低资质等级", [("30", ""), ("60", "")], "建筑业企业资质证书", ORG),
    ("housing", "违法分包导致重大质量安全事故", "违法分包工程导致重大质量安全事故", "《建设工程质量管理条例》第六十二条", "罚款;吊销许可证件", [("120", "")], "建筑业企业资质证书", ORG),
    ("health", "非法行医", "未取得《医疗机构执业许可证》擅自执业", "《医疗机构管理条例》第四十三条", "罚款;没收违法所得;没收非法财物", [("3", "0.6"), ("5", "1.1")], "", PER | IND),
    ("health", "公共场所卫生违法", "未取得公共场所卫生许可证擅自营业", "《公共场所卫生管理条例》第十四条", "警告;罚款", [("0.5", "")], "", IND | ORG),
    ("health", "医师违规执业", "在执业活动中违反技术操作规范造成严重后果", "《中华人民共和国医师法》第五十五条", "罚款;暂扣许可证件", [("2", "")], "医师执业证书", PER),
    ("urban", "占道经营", "擅自占用城市道路摆摊经营", "《城市市容和环境卫生管理条例》第三十六条", "罚款", [("0.05", ""), ("0.1", "")], "", PER | IND),
    ("urban", "违法建设", "未取得建设工程规划许可证擅自搭建建筑物", "《中华人民共和国城乡规划法》第六十四条", "罚款", [("2", ""), ("6", "")], "", ORG | PER),
]  # fmt: skip

# agency type, 许可类别, 许可证书名称, 编号前缀, 许可内容, subjects, validity (years; 0 = long-term)
LICENCES = [
    ("market", "普通", "食品经营许可证", "JY", "预包装食品（含冷藏冷冻食品）销售，散装食品（含熟食）销售", ORG | IND, 5),
    ("market", "普通", "药品经营许可证", "YP", "中成药、化学药制剂、抗生素制剂、生化药品零售", ORG, 5),
    ("env", "普通", "排污许可证", "PW", "排放大气污染物：颗粒物、二氧化硫、氮氧化物", ORG, 5),
    ("transport", "普通", "道路运输经营许可证", "YS", "道路普通货物运输，货物专用运输（集装箱）", ORG | IND, 4),
    ("transport", "认可", "道路运输从业人员从业资格证", "CY", "经营性道路货物运输驾驶员", PER, 6),
    ("housing", "核准", "建筑工程施工许可证", "SG", "房屋建筑工程施工，总建筑面积一万二千平方米", ORG, 0),
    ("health", "普通", "医疗机构执业许可证", "YL", "预防保健科、内科、外科、中医科", ORG | IND, 5),
    ("health", "认可", "医师执业证书", "ZY", "执业类别：临床；执业范围：内科专业", PER, 0),
    ("urban", "特许", "城市道路占用挖掘许可", "ZW", "临时占用城市道路，期限三十日", ORG | IND, 1),
    ("tax", "登记", "税务登记证", "SW", "税务登记", ORG | IND, 0),
]  # fmt: skip

# 荣誉名称, 荣誉类别, granting body (format with town/province), 文号 abbreviation, subjects
HONOURS = [
    ("守合同重信用企业", "表彰奖励", "{province}市场监督管理局", "市监", ORG),
    ("诚信示范企业", "表彰奖励", "{province}社会信用体系建设领导小组办公室", "信办", ORG | IND),
    ("纳税信用A级纳税人", "表彰奖励", "{town}市税务局", "税", ORG | IND),
    ("优秀志愿者", "志愿服务", "共青团{town}市委员会", "团", PER),
    ("五星级志愿者", "志愿服务", "{town}市精神文明建设委员会办公室", "文明办", PER),
    ("慈善捐赠荣誉证书", "慈善捐赠", "{town}市民政局", "民", ORG | PER | IND),
    ("无偿献血奉献奖", "其他", "{town}市卫生健康委员会", "卫", PER),
    ("劳动模范", "表彰奖励", "{town}市人民政府", "政", PER),
]  # fmt: skip

DUTY_SITUATIONS = [
    "有履行能力而拒不履行生效法律文书确定义务", "违反限制消费令", "违反财产报告制度",
    "以伪造证据、暴力、威胁等方法妨碍、抗拒执行", "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
]  # fmt: skip

PENALTY_HEADERS_ZH = [
    "行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "法定代表人证件类型",
    "法定代表人证件号码", "证件类型", "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实",
    "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）",
    "暂扣或吊销证照名称及编号", "处罚决定日期", "处罚有效期", "公示截止期", "处罚机关",
    "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码", "案件程序类别", "备注",
]  # fmt: skip

# How each dataset is checked, as far as planting defects needs to know (layouts/*.yml).
SPECS = {
    "penalties": dict(uscc="CF_XDR_SHXYM", pid="CF_XDR_ZJHM", doc="CF_XDR_ZJLX", date="CF_JDRQ", number="CF_WSH",
                      other_dates=["CF_YXQ", "CF_GSJZQ"], amounts=["CF_NR_FK", "CF_NR_WFFF"],
                      required=["CF_XDR_MC", "CF_WSH", "CF_SY", "CF_CFLB", "CF_CFJG", "CF_SJLY"],
                      enums={"CF_XDR_LB": ["企业法人", "个人", "其他组织"], "CF_AJCXLB": ["普通程序", "03"], "CF_GSZT": ["3", "已公示"]},
                      kinds=(0.70, 0.15, 0.15), label="行政处罚"),
    "licenses": dict(uscc="XK_XDR_SHXYM", pid="XK_XDR_ZJHM", doc="XK_XDR_ZJLX", date="XK_JDRQ", number="XK_WSH",
                     other_dates=["XK_YXQZ", "XK_YXQZI"], required=["XK_XDR_MC", "XK_XKWS", "XK_WSH", "XK_NR", "XK_XKJG", "XK_LYDW"],
                     enums={"XK_XKLB": ["普通许可", "一般", "行政许可"], "XK_XDR_LB": ["企业", "个人"], "XK_ZT": ["正常", "注销"]},
                     kinds=(0.60, 0.20, 0.20), label="行政许可"),
    "court_dishonest": dict(key="SX_ZJHM", date="SX_FBSJ", number="SX_AH", other_dates=["SX_LASJ"],
                            required=["SX_MC", "SX_ZXFY", "SX_AH", "SX_JTQX"],
                            enums={"SX_LXQK": ["未履行", "已履行"], "SX_XB": ["未知", "M"]},
                            kinds=(0.40, 0.60, 0.0), label="失信被执行人"),
    "honors": dict(uscc="RY_SHXYM", pid="RY_ZJHM", doc="RY_ZJLX", date="RY_SYRQ", number="RY_WH", other_dates=["RY_YXQZ"],
                   required=["RY_MC", "RY_RYMC", "RY_WH", "RY_SYJG", "RY_SJLY"],
                   enums={"RY_RYLB": ["荣誉称号", "表彰"], "RY_LB": ["企业", "个人"]}, kinds=(0.50, 0.40, 0.10), label="honors"),
    "credit_commitments": dict(uscc="CN_ZT_SHXYM", pid="CN_ZT_ZJHM", doc="CN_ZT_ZJLX", date="CN_CNRQ", number="CN_BH",
                               other_dates=["CN_YXQZ", "CN_LXRQ"],
                               required=["CN_ZT_MC", "CN_BH", "CN_SX", "CN_NR", "CN_SLDW", "CN_SJLY"],
                               enums={"CN_LX": ["告知承诺型", "其他"], "CN_LXZT": ["已违约", "正常"], "CN_ZT_LB": ["企业", "个人"]},
                               kinds=(0.65, 0.20, 0.15), label="信用承诺"),
    "repairs": dict(key="XF_ZTDM", date="XF_JDRQ", number="XF_BH", other_dates=[],
                    required=["XF_ZTMC", "XF_YWSH", "XF_JG", "XF_SJLY"], enums={"XF_XXLB": ["处罚", "行政处罚信息"]}),
    "revocations": dict(key="CX_ZTDM", date="CX_SXRQ", number="CX_BH", other_dates=["CX_SBRQ"],
                        required=["CX_YWSH", "CX_SJLY"], enums={"CX_LX": ["作废", "撤回"], "CX_XXLB": ["处罚", "许可"]}),
    "objections": dict(key="YY_ZTDM", date="YY_RQ", number="YY_BH", other_dates=[], required=["YY_YWSH"],
                       enums={"YY_ZT": ["处理中", "已受理"], "YY_JG": ["驳回", "部分更正"], "YY_XXLB": ["处罚"]}),
    "subject_requests": dict(key="SQ_ZTDM", date="SQ_SLRQ", number="SQ_BH", other_dates=["SQ_SQRQ"],
                             required=["SQ_ZTMC", "SQ_BH"], enums={"SQ_LX": ["删除信息", "撤回申请"], "SQ_FW": ["荣誉", "全部信息"]}),
    # a few rows only: `defects` limits them to kinds that load, each planted at least once
    "serious_determinations": dict(uscc="RD_ZT_SHXYM", pid="RD_ZT_ZJHM", doc="RD_ZT_ZJLX", date="RD_RDRQ", number="RD_BH",
                                   other_dates=["RD_YXQZ"], required=["RD_ZT_MC", "RD_BH", "RD_RDDW", "RD_RDYJ", "RD_SXXW",
                                                                      "RD_JDSWH", "RD_SJLY"],
                                   enums={"RD_ZT_LB": ["企业", "个人"]}, kinds=(0.80, 0.10, 0.10), label="严重失信主体名单",
                                   defects=("date_format", "id_junk")),
}  # fmt: skip

# ---------------------------------------------------------------------------------------
# Defect kinds: what is planted, and the fate landing gives it. `subject`: which rows can
# carry it (org: a USCC subject; person: a natural person keyed by citizen ID; any).
# `where`: record datasets (with type/USCC/ID columns), key datasets (one subject-code
# column: court list and events), or both. Planted in this order.
# ---------------------------------------------------------------------------------------
KINDS = {
    # kind: (subject, where, fate)
    "id_excel_float": ("person", "all", "quarantined"),
    "id_checksum": ("person", "all", "quarantined"),
    "id_birth_date": ("person", "all", "quarantined"),
    "id_masked": ("person", "not_court", "quarantined"),
    "id_missing": ("person", "record", "quarantined"),
    "other_document": ("person", "record", "loaded"),
    "id_legacy_15": ("person", "record", "loaded"),
    "masked_name": ("person", "court", "loaded"),
    "uscc_checksum": ("org", "all", "quarantined"),
    "uscc_length": ("org", "all", "quarantined"),
    "uscc_missing": ("org", "all", "quarantined"),
    "uscc_pilot": ("org", "not_event", "loaded"),
    "id_excel_scientific": ("any", "all", "quarantined"),
    "id_junk": ("any", "all", "loaded"),
    "required_missing": ("any", "all", "quarantined"),
    "enum_invalid": ("any", "all", "quarantined"),
    "date_invalid": ("any", "all", "quarantined"),
    "end_date_invalid": ("any", "other_dates", "quarantined"),
    "date_in_future": ("any", "all", "quarantined"),
    "amount_invalid": ("any", "penalties", "quarantined"),
    "amount_unit": ("any", "penalties", "quarantined"),
    "date_order": ("any", "licenses", "quarantined"),
    "date_format": ("any", "all", "loaded"),
    "simple_procedure": ("any", "penalties", "excluded"),
    "duplicate_in_batch": ("any", "all", "quarantined"),
    "row_malformed": ("any", "all", "quarantined"),
}
DEFAULT_SHARES = {"simple_procedure": 0.05}  # not a defect: a share of its own, outside defect_rate
KIND_NAMES = list(KINDS)


def kinds_for(dataset: str) -> list[str]:
    """The defect kinds a dataset can carry."""
    spec = SPECS[dataset]
    keyed, court, event = "key" in spec, dataset == "court_dishonest", dataset in EVENT_DATASETS
    ok = {
        "all": True, "record": not keyed, "court": court, "not_court": not court, "not_event": not event,
        "other_dates": bool(spec["other_dates"]), "penalties": dataset == "penalties", "licenses": dataset == "licenses",
    }  # fmt: skip
    return [k for k, (_, where, _) in KINDS.items() if ok[where] and k in spec.get("defects", KINDS)]


# ---------------------------------------------------------------------------------------
# Single values (kept for callers such as bench/identifiers_bench.py).
# ---------------------------------------------------------------------------------------


def make_uscc(rng: random.Random, division: str | None = None) -> str:
    body = (
        "91"
        + (division or rng.choice(PLACES)[5][0][0])
        + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    )
    return body + uscc_check_char(body)


def make_citizen_id(rng: random.Random, birth_year_range=(1955, 2000)) -> str:
    birth = date(rng.randint(*birth_year_range), 1, 1) + timedelta(days=rng.randint(0, 364))
    body = rng.choice(PLACES)[5][0][0] + birth.strftime("%Y%m%d") + f"{rng.randint(0, 999):03d}"
    return body + citizen_id_check_char(body)


def make_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def make_mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "150", "186", "177", "199"]) + f"{rng.randint(0, 99_999_999):08d}"


# ---------------------------------------------------------------------------------------
# Vectorised pools: identifiers with valid check characters, names, contact details.
# ---------------------------------------------------------------------------------------

_USCC_CODES = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
_DIVISIONS = np.array([d for p in PLACES for d, _ in p[5]])
_DIVISION_TOWN = np.array([t for t, p in enumerate(PLACES) for _ in p[5]])
_DIVISION_NAME = np.array([n for p in PLACES for _, n in p[5]], dtype=object)


def _strings(matrix: np.ndarray) -> np.ndarray:
    """(n, k) ASCII codes -> object array of n Python strings."""
    m = np.ascontiguousarray(matrix.astype(np.uint8))
    return m.view(f"S{m.shape[1]}").ravel().astype(f"U{m.shape[1]}").astype(object)


def _digits(codes: np.ndarray, width: int) -> np.ndarray:
    """Division codes etc. (strings of digits) -> (n, width) int matrix."""
    return (
        np.frombuffer(np.ascontiguousarray(codes.astype(f"S{width}")).tobytes(), np.uint8).reshape(-1, width)
        - 48
    )


def uscc_array(rng: np.random.Generator, heads: np.ndarray, divisions: np.ndarray) -> np.ndarray:
    """Valid USCCs with the given two-character heads and division codes (one per row).

    Every code has at least one letter after the division code: an all-digit code looks
    like a citizen ID to landing's one-column subject check (court lists and events)."""
    n = len(heads)
    idx = np.zeros((n, 18), np.int64)
    lookup = {c: i for i, c in enumerate(USCC_ALPHABET)}
    head_idx = np.array([[lookup[h[0]], lookup[h[1]]] for h in heads.tolist()], np.int64).reshape(n, 2)
    idx[:, :2] = head_idx
    idx[:, 2:8] = _digits(divisions, 6)
    idx[:, 8:17] = rng.integers(0, 31, size=(n, 9))
    digits_only = (idx[:, 8:17] < 10).all(axis=1)
    idx[digits_only, 16] = rng.integers(10, 31, size=int(digits_only.sum()))
    idx[:, 17] = uscc_check_index(idx)
    return _strings(_USCC_CODES[idx])


def citizen_id_array(rng: np.random.Generator, divisions: np.ndarray, first: date, last: date):
    """Valid 18-digit citizen IDs (GB 11643-1999) born between `first` and `last`; also sex."""
    n = len(divisions)
    born = (
        rng.integers(first.toordinal(), last.toordinal() + 1, size=n) - date(1970, 1, 1).toordinal()
    ).astype("datetime64[D]")
    ymd = np.char.replace(np.datetime_as_string(born), "-", "")
    seq = rng.integers(0, 1000, size=n)
    body = np.zeros((n, 17), np.int64)
    body[:, :6] = _digits(divisions, 6)
    body[:, 6:14] = _digits(ymd, 8)
    body[:, 14] = seq // 100
    body[:, 15] = seq // 10 % 10
    body[:, 16] = seq % 10
    check = np.frombuffer(ID_ALPHABET.encode(), np.uint8)[citizen_id_check_index(body)]
    ids = _strings(np.concatenate([body + 48, check[:, None]], axis=1))
    return (
        ids,
        np.where(seq % 2 == 1, "男", "女").astype(object),
        born.astype("datetime64[Y]").astype(int) + 1970,
    )


def _luhn_cards(rng: np.random.Generator, n: int) -> np.ndarray:
    """19-digit bank card numbers (UnionPay prefixes) with a valid Luhn digit."""
    prefixes = np.array([[6, 2, 2, 2], [6, 2, 2, 8], [6, 2, 1, 7], [6, 2, 1, 4], [6, 2, 3, 0]])
    payload = np.concatenate([prefixes[rng.integers(5, size=n)], rng.integers(0, 10, size=(n, 14))], axis=1)
    check = luhn_check_digits(payload)
    return _strings(np.concatenate([payload, check[:, None]], axis=1) + 48)


def _pick(rng: np.random.Generator, values, n: int) -> np.ndarray:
    values = np.asarray(values, dtype=object)
    return values[rng.integers(len(values), size=n)]


def _join(*parts) -> np.ndarray:
    """Element-wise concatenation of object arrays / scalars (all strings)."""
    out = np.asarray(parts[0], dtype=object)
    for p in parts[1:]:
        out = out + (np.asarray(p, dtype=object) if not isinstance(p, str) else p)
    return out


@dataclass
class Universe:
    """Every subject the extracts talk about: organisations, individual businesses, people.

    Subject index space: [organisations | individual businesses | persons]. Records sample
    it, so the same company has penalties, licences and honours, as in life."""

    kind: np.ndarray  # 0 organisation, 1 natural person, 2 individual business
    name: np.ndarray
    code: np.ndarray  # USCC or citizen ID
    person: np.ndarray  # person index: the legal representative / operator, or the person
    town: np.ndarray
    district: np.ndarray
    offsets: dict  # kind -> (start, size)
    # persons (index space of their own)
    p_name: np.ndarray
    p_id: np.ndarray
    p_sex: np.ndarray
    p_born: np.ndarray
    p_mobile: np.ndarray
    p_landline: np.ndarray
    p_email: np.ndarray
    p_card: np.ndarray


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    sur = np.array(list(SURNAMES))[rng.integers(len(SURNAMES), size=n)]
    given = np.array(list(GIVEN))
    g1 = given[rng.integers(len(GIVEN), size=n)]
    g2 = np.where(rng.random(n) < 0.6, given[rng.integers(len(GIVEN), size=n)], "")
    names = np.char.add(np.char.add(sur, g1), g2).astype(object)
    special = np.flatnonzero(rng.random(n) < 0.02)
    for j, i in enumerate(special.tolist()):
        r = j % 4
        if r == 0:
            names[i] = COMPOUND_SURNAMES[j // 4 % len(COMPOUND_SURNAMES)] + GIVEN[j % len(GIVEN)]
        elif r == 1:
            names[i] = MINORITY_NAMES[j // 4 % len(MINORITY_NAMES)]
        else:
            names[i] = names[i][0] + RARE_GIVEN[j // 4 % len(RARE_GIVEN)] + names[i][2:]
    return names


def build_universe(rng: np.random.Generator, rows: int, as_of: date) -> Universe:
    n_org = int(np.clip(rows // 3, 200, 300_000))
    n_ind = int(np.clip(rows // 10, 60, 100_000))
    n_per = int(np.clip(rows // 3, 300, 250_000))

    # persons
    p_div_idx = rng.integers(len(_DIVISIONS), size=n_per)
    p_id, p_sex, p_born = citizen_id_array(
        rng, _DIVISIONS[p_div_idx], date(1955, 1, 1), date(as_of.year - 20, 12, 31)
    )
    p_name = _names(rng, n_per)
    mobile_heads = np.array(["134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182",
                             "183", "187", "188", "130", "131", "132", "155", "156", "185", "186", "133", "153", "180",
                             "181", "189", "177", "199", "166", "173"], dtype=object)  # fmt: skip
    p_mobile = _join(
        _pick(rng, mobile_heads, n_per),
        np.char.zfill(rng.integers(0, 10**8, size=n_per).astype(str), 8).astype(object),
    )
    areas = np.array([p[4] for p in PLACES], dtype=object)[_DIVISION_TOWN[p_div_idx]]
    numbers = np.char.zfill(rng.integers(2 * 10**7, 9 * 10**7, size=n_per).astype(str), 8).astype(object)
    p_landline = np.where(
        rng.random(n_per) < 0.85, _join(areas, "-", numbers), _join("(", areas, ")", numbers)
    )
    letters = _strings(rng.integers(97, 123, size=(n_per, 6)))
    domains = _pick(rng, ["163.com", "126.com", "qq.com", "sina.com", "139.com", "foxmail.com"], n_per)
    p_email = _join(letters, (p_born % 100).astype(str).astype(object), "@", domains)
    p_card = _luhn_cards(rng, n_per)

    # organisations
    heads = np.array([h for h, _ in ORG_HEADS], dtype=object)[
        rng.choice(len(ORG_HEADS), size=n_org, p=[w for _, w in ORG_HEADS])
    ]
    o_div = rng.integers(len(_DIVISIONS), size=n_org)
    o_town = _DIVISION_TOWN[o_div]
    towns = np.array([p[0] + "市" for p in PLACES], dtype=object)
    a, b = _pick(rng, list(NAME_A), n_org), _pick(rng, list(NAME_B), n_org)
    o_name = _join(towns[o_town], a, b, _pick(rng, TRADES, n_org), _pick(rng, FORMS, n_org))
    o_name = np.where(heads == "93", _join(towns[o_town], a, b, "种植专业合作社"), o_name)
    o_name = np.where(heads == "52", _join(towns[o_town], a, b, "职业培训学校"), o_name)
    o_name = np.where(
        heads == "12",
        _join(
            towns[o_town], _DIVISION_NAME[o_div], "第", _pick(rng, list("一二三四五六七八九"), n_org), "中学"
        ),
        o_name,
    )
    o_name = np.where(
        heads == "N2", _join(towns[o_town], _DIVISION_NAME[o_div], a, b, "村股份经济合作社"), o_name
    )
    o_code = uscc_array(rng, heads, _DIVISIONS[o_div])

    # individual businesses (个体工商户): 92 heads, named after the shop
    i_div = rng.integers(len(_DIVISIONS), size=n_ind)
    i_town = _DIVISION_TOWN[i_div]
    i_name = _join(
        towns[i_town],
        _DIVISION_NAME[i_div],
        _pick(rng, list(NAME_A), n_ind),
        _pick(rng, list(NAME_B), n_ind),
        _pick(rng, SHOPS, n_ind),
    )
    i_code = uscc_array(rng, np.full(n_ind, "92", dtype=object), _DIVISIONS[i_div])

    p_town = _DIVISION_TOWN[p_div_idx]
    return Universe(
        kind=np.concatenate([np.zeros(n_org, np.int8), np.full(n_ind, 2, np.int8), np.ones(n_per, np.int8)]),
        name=np.concatenate([o_name, i_name, p_name]),
        code=np.concatenate([o_code, i_code, p_id]),
        person=np.concatenate([rng.integers(n_per, size=n_org), rng.integers(n_per, size=n_ind), np.arange(n_per)]),
        town=np.concatenate([o_town, i_town, p_town]),
        district=np.concatenate([o_div, i_div, p_div_idx]),
        offsets={0: (0, n_org), 2: (n_org, n_ind), 1: (n_org + n_ind, n_per)},
        p_name=p_name, p_id=p_id, p_sex=p_sex, p_born=p_born, p_mobile=p_mobile, p_landline=p_landline,
        p_email=p_email, p_card=p_card,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# Tables: one dataset's rows as columns of strings, with what landing will make of them.
# ---------------------------------------------------------------------------------------


@dataclass
class FilePlan:
    name: str
    dataset: str
    fmt: str  # csv_bom | csv | csv_gb18030 | xlsx | jsonl
    start: int
    stop: int
    headers: str  # zh | alias | code
    columns: list[str]  # codes in the order written
    header_names: list[str]


@dataclass
class Table:
    dataset: str
    cols: dict[str, np.ndarray]  # code -> object array of strings
    kind: np.ndarray  # subject kind per row: 0 organisation, 1 natural person, 2 individual business
    subject: np.ndarray  # universe index of the subject
    key: np.ndarray  # the subject key landing computes for a loaded row
    day: np.ndarray  # ordinal of the decision (event) date
    refs: list | None = None  # events: what each row refers to
    outcome: np.ndarray | None = None  # index into Context.outcomes
    tag: np.ndarray | None = None  # index into KIND_NAMES (-1: clean)
    cells: dict = field(default_factory=dict)  # (row, code) -> typed value for XLSX / JSON
    files: list = field(default_factory=list)
    malformed: dict = field(default_factory=dict)  # row -> the raw line written instead
    file_of: np.ndarray | None = None  # index into `files` per row
    forms_used: int = 0  # date forms planted so far (they cycle, so every form appears)

    @property
    def n(self) -> int:
        return len(self.kind)

    @property
    def spec(self) -> dict:
        return SPECS[self.dataset]

    def ident_col(self, row: int) -> str:
        spec = self.spec
        if "key" in spec:
            return spec["key"]
        return spec["pid"] if self.kind[row] == 1 else spec["uscc"]

    def locate(self, row: int) -> tuple[str, int]:
        """(file name, row number as landing reports it) of a table row."""
        for f in self.files:
            if f.start <= row < f.stop:
                return f.name, row - f.start + _first_line(f)
        raise IndexError(row)


def _first_line(f: FilePlan) -> int:
    """The line a file's first row is on, as landing reports it: after the header, but
    JSON Lines have none."""
    return 1 if f.fmt == "jsonl" else 2


class Context:
    """Random state, dates, the universe, and what was planted, for one `generate` call."""

    def __init__(self, seed: int, as_of: date, defect_rate: float, defects: dict | None):
        self.rng = np.random.default_rng(seed)
        self.as_of = as_of
        self.today = as_of.toordinal()
        self.lo = self.today - 6000
        days = [date.fromordinal(o) for o in range(self.lo, self.today + 4000)]
        self.iso = np.array([d.isoformat() for d in days], dtype=object)
        self.zh = np.array([f"{d.year}年{d.month}月{d.day}日" for d in days], dtype=object)
        self.year = np.array([d.year for d in days])
        self.defect_rate = defect_rate
        self.defects = dict(defects or {})
        unknown = set(self.defects) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown defect kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
        self.outcomes: list[tuple[str, str | None]] = [("loaded", None)]
        self.universe: Universe | None = None
        self.used: dict[str, np.ndarray] = {}
        self.third_party: np.ndarray | None = None
        self.documents: list[str] = []

    def outcome(self, fate: str, reason: str | None) -> int:
        if (fate, reason) not in self.outcomes:
            self.outcomes.append((fate, reason))
        return self.outcomes.index((fate, reason))

    def iso_of(self, days) -> np.ndarray:
        return self.iso[np.asarray(days) - self.lo]

    def date_of(self, day: int) -> date:
        return date.fromordinal(int(day))

    def mark(self, what: str, persons) -> None:
        """Record that these persons' data (n name, i ID, m mobile, l landline, e e-mail,
        c bank card) appear in the extracts."""
        persons = np.asarray(persons, dtype=np.int64)
        persons = persons[persons >= 0]
        for letter in what:
            self.used[letter][persons] = True


def sample_subjects(
    ctx: Context, n: int, shares: tuple[float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """(kind, universe index) for n records: shares of organisations, persons, individual businesses."""
    rng, u = ctx.rng, ctx.universe
    kind = rng.choice(3, size=n, p=list(shares)).astype(np.int8)
    subject = np.zeros(n, np.int64)
    for k in (0, 1, 2):
        rows = np.flatnonzero(kind == k)
        start, size = u.offsets[k]
        subject[rows] = start + rng.integers(size, size=len(rows))
    return kind, subject


class _Rows:
    """Columns of a subset of rows, sliced on first use (each template reads a few)."""

    def __init__(self, source: dict, rows: np.ndarray):
        self._source, self._rows = source, rows

    def __getattr__(self, name: str):
        value = self._source[name][self._rows].tolist()
        setattr(self, name, value)
        return value


def fill_text(ctx: Context, out: np.ndarray, rows: np.ndarray, templates: list, source: dict) -> None:
    """Free text for `rows`, each with a template drawn by weight; marks what was planted.

    `templates`: (weight, plants, fn) where fn(r) returns the texts of a _Rows r and
    `plants` says which of the person's data it writes (see Context.mark)."""
    if not len(rows):
        return
    weights = np.array([w for w, _, _ in templates], float)
    choice = ctx.rng.choice(len(templates), size=len(rows), p=weights / weights.sum())
    for t, (_, plants, fn) in enumerate(templates):
        sel = rows[choice == t]
        if len(sel):
            out[sel] = fn(_Rows(source, sel))
            if plants:
                ctx.mark(plants, source["person"][sel])


def _yuan(wan: str) -> str:
    """万元 -> 元, as agencies write it in 处罚内容."""
    value = round(float(wan) * 10000, 2)
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"


# ---------------------------------------------------------------------------------------
# Record datasets.
# ---------------------------------------------------------------------------------------


def _agencies():
    names, codes, prefixes, types = [], [], [], []
    rng = random.Random(20230501)  # agency codes do not depend on the seed
    for town, short, _, _, _, districts in PLACES:
        for key, suffix, abbr in AGENCY_TYPES:
            names.append(f"{town}市{suffix}")
            body = "11" + districts[0][0][:4] + "00" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
            codes.append(body + uscc_check_char(body))
            prefixes.append(f"{short}{abbr}")
            types.append(key)
    return (
        np.array(names, dtype=object),
        np.array(codes, dtype=object),
        np.array(prefixes, dtype=object),
        types,
    )


AGENCY_NAMES, AGENCY_CODES, AGENCY_PREFIXES, _ = _agencies()
N_TYPES = len(AGENCY_TYPES)
TYPE_INDEX = {key: i for i, (key, _, _) in enumerate(AGENCY_TYPES)}


def _person_source(ctx: Context, kind: np.ndarray, subject: np.ndarray) -> dict:
    """Per-row person data for templates: the person in the record (subject or representative)."""
    u = ctx.universe
    person = u.person[subject]
    towns = np.array([p[0] for p in PLACES], dtype=object)
    return {
        "s": u.name[subject], "rep": u.p_name[person], "pid": u.p_id[person], "mob": u.p_mobile[person],
        "tel": u.p_landline[person], "mail": u.p_email[person], "card": u.p_card[person], "sex": u.p_sex[person],
        "born": u.p_born[person].astype(str).astype(object), "town": towns[u.town[subject]], "person": person,
        "role": np.where(kind == 2, "经营者", "法定代表人").astype(object),
    }  # fmt: skip


PERSON_FACTS = [
    (3, "nim", lambda r: [f"当事人{s}（身份证号{i}，联系电话{m}）{f}。" for s, i, m, f in zip(r.s, r.pid, r.mob, r.fact, strict=True)]),
    (2, "ni", lambda r: [f"经查，{s}（公民身份号码：{i}）于{d}{f}，违反了{b}的规定。" for s, i, d, f, b in zip(r.s, r.pid, r.dz, r.fact, r.basis, strict=True)]),
    (2, "m", lambda r: [f"经查，{s[0]}某某（联系电话{m}）{f}，经查属实。" for s, m, f in zip(r.s, r.mob, r.fact, strict=True)]),
    (2, "ni", lambda r: [f"{s}，{x}，{y}年出生，身份证号码{i}，住所地{t}市，{f}。" for s, x, y, i, t, f in zip(r.s, r.sex, r.born, r.pid, r.town, r.fact, strict=True)]),
    (1, "nl", lambda r: [f"当事人{s}{f}。经询问，当事人对违法事实供认不讳。联系电话：{t}。" for s, f, t in zip(r.s, r.fact, r.tel, strict=True)]),
    (1, "nem", lambda r: [f"{s}通过微信、电子邮箱（{e}）招揽顾客，{f}，其手机号码为{m}。" for s, e, f, m in zip(r.s, r.mail, r.fact, r.mob, strict=True)]),
    (1, "nic", lambda r: [f"当事人{s}（身份证号：{i}）{f}，违法所得已存入其本人银行卡（卡号{c}）。" for s, i, f, c in zip(r.s, r.pid, r.fact, r.card, strict=True)]),
]  # fmt: skip
ORG_FACTS = [
    (3, "nm", lambda r: [f"{s}（{o}{p}，电话{m}）{f}，经查属实。" for s, o, p, m, f in zip(r.s, r.role, r.rep, r.mob, r.fact, strict=True)]),
    (2, "ni", lambda r: [f"经查，{s}{f}。{o}{p}（身份证号{i}）对上述违法事实无异议。" for s, f, o, p, i in zip(r.s, r.fact, r.role, r.rep, r.pid, strict=True)]),
    (2, "nm", lambda r: [f"{d}，执法人员对{s}进行检查，发现该单位{f}，现场负责人{p}（联系电话{m}）在现场笔录上签字确认。" for d, s, f, p, m in zip(r.dz, r.s, r.fact, r.rep, r.mob, strict=True)]),
    (4, "", lambda r: [f"{s}{f}，经查属实。" for s, f in zip(r.s, r.fact, strict=True)]),
    (1, "nle", lambda r: [f"{s}于{d}{f}。联系人：{p}，座机{t}，电子邮箱{e}。" for s, d, f, p, t, e in zip(r.s, r.dz, r.fact, r.rep, r.tel, r.mail, strict=True)]),
    (1, "nci", lambda r: [f"{s}{f}，违法所得经查已转入其{o}{p}个人银行账户（卡号{c}，身份证号{i}）。" for s, f, o, p, c, i in zip(r.s, r.fact, r.role, r.rep, r.card, r.pid, strict=True)]),
    (1, "m", lambda r: [f"经查，{s}{f}，{o}{p[0]}某（手机{m}）称系员工操作失误。" for s, f, o, p, m in zip(r.s, r.fact, r.role, r.rep, r.mob, strict=True)]),
]  # fmt: skip
PERSON_CONTENT = [
    (6, "", lambda r: r.content),
    (
        1,
        "ni",
        lambda r: [
            f"对当事人{s}（身份证号{i}）作出如下处罚：{c}"
            for s, i, c in zip(r.s, r.pid, r.content, strict=True)
        ],
    ),
]
ORG_CONTENT = [
    (6, "", lambda r: r.content),
    (
        1,
        "nm",
        lambda r: [
            f"责令{s}改正违法行为，并处{c}。送达联系人：{p}，{m}"
            for s, c, p, m in zip(r.s, r.content, r.rep, r.mob, strict=True)
        ],
    ),
]


def _violation_tables():
    facts, wfxw, basis, category, types, zkdx = [], [], [], [], [], []
    options = []  # per violation: list of (fine, confiscated, content)
    for agency, w, fact, law, cat, opts, cert, _ in VIOLATIONS:
        facts.append(fact), wfxw.append(w), basis.append(law), category.append(cat), zkdx.append(cert)
        types.append(TYPE_INDEX[agency])
        rows = []
        for fine, conf in opts:
            parts = []
            if "警告" in cat:
                parts.append("警告")
            if fine:
                parts.append(f"罚款人民币{_yuan(fine)}元")
            if conf:
                parts.append(f"没收违法所得{_yuan(conf)}元")
            for word, text in (("责令停产停业", "责令停产停业整顿"), ("降低资质等级", "降低资质等级"),
                               ("吊销许可证件", f"吊销{cert}"), ("暂扣许可证件", f"暂扣{cert}六个月"),
                               ("限制开展生产经营活动", "限制开展生产经营活动六个月"), ("没收非法财物", "没收非法财物")):  # fmt: skip
                if word in cat:
                    parts.append(text)
            rows.append((fine, conf, "，".join(parts)))
        options.append(rows)
    return facts, wfxw, basis, category, np.array(types), zkdx, options


V_FACTS, V_WFXW, V_BASIS, V_CATEGORY, V_TYPES, V_ZKDX, V_OPTIONS = _violation_tables()
V_KINDS = np.array([v[7] for v in VIOLATIONS])


def _choose_by_kind(ctx: Context, kind: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Per row, an item whose subject mask allows the row's kind."""
    out = np.zeros(len(kind), np.int64)
    for k in (0, 1, 2):
        rows = np.flatnonzero(kind == k)
        allowed = np.flatnonzero(masks & KIND_BIT[k])
        out[rows] = allowed[ctx.rng.integers(len(allowed), size=len(rows))]
    return out


def build_penalties(ctx: Context, n: int) -> Table:
    rng, u = ctx.rng, ctx.universe
    kind, subject = sample_subjects(ctx, n, SPECS["penalties"]["kinds"])
    person = u.person[subject]
    viol = _choose_by_kind(ctx, kind, V_KINDS)
    agency = u.town[subject] * N_TYPES + V_TYPES[viol]
    day = ctx.today - rng.integers(1, 1100, size=n)
    option = np.floor(rng.random(n) * np.array([len(o) for o in V_OPTIONS])[viol]).astype(np.int64)
    flat = [o for opts in V_OPTIONS for o in opts]
    base = np.cumsum([0] + [len(o) for o in V_OPTIONS])[:-1]
    flat_idx = base[viol] + option
    fine = np.array([f for f, _, _ in flat], dtype=object)[flat_idx]
    conf = np.array([c for _, c, _ in flat], dtype=object)[flat_idx]
    content = np.array([t for _, _, t in flat], dtype=object)[flat_idx]
    years = ctx.year[day - ctx.lo]
    number = np.array([f"{p}罚〔{y}〕{i}号" for p, y, i in
                       zip(AGENCY_PREFIXES[agency].tolist(), years.tolist(), range(1001, n + 1001), strict=True)], dtype=object)  # fmt: skip
    is_person = kind == 1
    has_rep = ~is_person
    empty = np.full(n, "", dtype=object)
    doc = np.where(is_person, _pick(rng, ["身份证", "身份证", "身份证", "居民身份证", "", "01"], n), empty)
    source = _person_source(ctx, kind, subject)
    source |= {"fact": np.array(V_FACTS, dtype=object)[viol], "basis": np.array(V_BASIS, dtype=object)[viol],
               "dz": ctx.zh[day - ctx.lo], "content": content}  # fmt: skip
    facts = np.empty(n, dtype=object)
    fill_text(ctx, facts, np.flatnonzero(is_person), PERSON_FACTS, source)
    fill_text(ctx, facts, np.flatnonzero(has_rep), ORG_FACTS, source)
    nr = np.empty(n, dtype=object)
    fill_text(ctx, nr, np.flatnonzero(is_person), PERSON_CONTENT, source)
    fill_text(ctx, nr, np.flatnonzero(has_rep), ORG_CONTENT, source)
    zk = np.array(V_ZKDX, dtype=object)[viol]
    zk_rows = np.flatnonzero(zk != "")
    zk[zk_rows] = [f"{c}（编号D{d}{i:06d}）" for c, d, i in zip(zk[zk_rows].tolist(), _DIVISIONS[u.district[subject[zk_rows]]].tolist(), zk_rows.tolist(), strict=True)]  # fmt: skip
    yxq = np.where(rng.random(n) < 0.25, "2099-12-31", empty)
    six_months = rng.random(n) < 0.2
    yxq[six_months] = ctx.iso_of(day[six_months] + 183)
    gsjzq = np.where(rng.random(n) < 0.5, ctx.iso_of(day + np.where(viol % 3 == 0, 1095, 365)), empty)
    procedure = _pick(rng, ["02"] * 17 + ["一般程序"] * 2 + [""], n)
    # some systems carry the effective date (a few days after the decision) and say that a
    # violation was not a minor first one; none here is (so no profile excludes it)
    takes_effect = np.where(rng.random(n) < 0.4, ctx.iso_of(day + rng.integers(0, 16, n)), empty)
    first_minor = np.where(rng.random(n) < 0.1, "否", empty)
    uscc = np.where(has_rep, u.code[subject], empty)
    zzjg = empty.copy()
    legacy = np.flatnonzero(has_rep & (rng.random(n) < 0.08))
    zzjg[legacy] = [f"{c[8:16]}-{c[16]}" for c in uscc[legacy].tolist()]
    cols = {
        "CF_XDR_MC": u.name[subject], "CF_XDR_LB": LB[kind], "CF_XDR_SHXYM": uscc,
        "CF_XDR_GSZC": empty, "CF_XDR_ZZJG": zzjg, "CF_XDR_SWDJ": empty, "CF_XDR_SYDW": empty, "CF_XDR_SHZZ": empty,
        "CF_FRDB": np.where(has_rep, u.p_name[person], empty), "CF_FR_ZJLX": np.where(has_rep, "身份证", empty),
        "CF_FR_ZJHM": np.where(has_rep, u.p_id[person], empty), "CF_XDR_ZJLX": doc,
        "CF_XDR_ZJHM": np.where(is_person, u.p_id[person], empty), "CF_WSH": number,
        "CF_WFXW": np.array(V_WFXW, dtype=object)[viol], "CF_SY": facts, "CF_YJ": source["basis"],
        "CF_CFLB": np.array(V_CATEGORY, dtype=object)[viol], "CF_NR": nr, "CF_NR_FK": fine, "CF_NR_WFFF": conf,
        "CF_NR_ZKDX": zk, "CF_JDRQ": ctx.iso_of(day), "CF_YXQ": yxq, "CF_GSJZQ": gsjzq,
        "CF_CFJG": AGENCY_NAMES[agency], "CF_CFJGDM": AGENCY_CODES[agency], "CF_SJLY": AGENCY_NAMES[agency],
        "CF_SJLYDM": AGENCY_CODES[agency], "CF_AJCXLB": procedure, "CF_JDSXRQ": takes_effect, "CF_XWZZRQ": empty,
        "CF_SCQW": first_minor,
        "CF_GSZT": np.where(rng.random(n) < 0.3, "0", empty), "BZ": empty.copy(),
    }  # fmt: skip
    cols = {k: np.asarray(v, dtype=object).copy() for k, v in cols.items()}
    ctx.mark("ni", person)  # names and IDs sit in the subject / representative columns
    return Table("penalties", cols, kind, subject, u.code[subject].copy(), day)


LICENCE_NR = {
    0: [(5, "", lambda r: r.scope),
        (2, "nm", lambda r: [f"{c}。法定代表人：{p}，联系电话：{m}" for c, p, m in zip(r.scope, r.rep, r.mob, strict=True)]),
        (1, "ni", lambda r: [f"{c}；企业负责人{p}（身份证号{i}）" for c, p, i in zip(r.scope, r.rep, r.pid, strict=True)]),
        (1, "nl", lambda r: [f"{c}。联系人{p}，座机{t}" for c, p, t in zip(r.scope, r.rep, r.tel, strict=True)])],
    1: [(2, "ni", lambda r: [f"准予{s}（身份证号{i}）{c}" for s, i, c in zip(r.s, r.pid, r.scope, strict=True)]),
        (2, "nm", lambda r: [f"{c}，持证人{s}，手机{m}" for c, s, m in zip(r.scope, r.s, r.mob, strict=True)]),
        (1, "", lambda r: r.scope)],
}  # fmt: skip
L_MASKS = np.array([lt[5] for lt in LICENCES])


def build_licenses(ctx: Context, n: int) -> Table:
    rng, u = ctx.rng, ctx.universe
    kind, subject = sample_subjects(ctx, n, SPECS["licenses"]["kinds"])
    person = u.person[subject]
    lt = _choose_by_kind(ctx, kind, L_MASKS)
    agency = u.town[subject] * N_TYPES + np.array([TYPE_INDEX[x[0]] for x in LICENCES])[lt]
    day = ctx.today - rng.integers(1, 1500, size=n)
    years = ctx.year[day - ctx.lo]
    number = np.array([f"{p}许〔{y}〕{i}号" for p, y, i in zip(AGENCY_PREFIXES[agency].tolist(), years.tolist(), range(1, n + 1), strict=True)], dtype=object)  # fmt: skip
    is_person, has_rep = kind == 1, kind != 1
    empty = np.full(n, "", dtype=object)
    validity = np.array([x[6] for x in LICENCES])[lt]
    end = np.where(
        validity > 0,
        ctx.iso_of(day + validity * 365 - 1),
        _pick(rng, ["2099-12-31", "2099/12/31", "长期"], n),
    )
    source = _person_source(ctx, kind, subject) | {
        "scope": np.array([x[4] for x in LICENCES], dtype=object)[lt]
    }
    nr = np.empty(n, dtype=object)
    fill_text(ctx, nr, np.flatnonzero(has_rep), LICENCE_NR[0], source)
    fill_text(ctx, nr, np.flatnonzero(is_person), LICENCE_NR[1], source)
    prefix = np.array([x[3] for x in LICENCES], dtype=object)[lt]
    cert_no = [f"{p}{d}{y}{i:07d}" for p, d, y, i in zip(prefix.tolist(), _DIVISIONS[u.district[subject]].tolist(), years.tolist(), range(n), strict=True)]  # fmt: skip
    cols = {
        "XK_XDR_MC": u.name[subject], "XK_XDR_LB": LB[kind], "XK_XDR_SHXYM": np.where(has_rep, u.code[subject], empty),
        "XK_XDR_GSZC": empty, "XK_XDR_ZZJG": empty, "XK_XDR_SWDJ": empty, "XK_XDR_SYDW": empty, "XK_XDR_SHZZ": empty,
        "XK_FRDB": np.where(has_rep, u.p_name[person], empty), "XK_FR_ZJLX": np.where(has_rep, "身份证", empty),
        "XK_FR_ZJHM": np.where(has_rep, u.p_id[person], empty),
        "XK_XDR_ZJLX": np.where(is_person, _pick(rng, ["身份证", "身份证", "居民身份证", ""], n), empty),
        "XK_XDR_ZJHM": np.where(is_person, u.p_id[person], empty),
        "XK_XKWS": _pick(rng, ["准予行政许可决定书", "行政许可决定书"], n), "XK_WSH": number,
        "XK_XKLB": np.array([x[1] for x in LICENCES], dtype=object)[lt],
        "XK_XKZS": np.array([x[2] for x in LICENCES], dtype=object)[lt], "XK_XKBH": np.array(cert_no, dtype=object),
        "XK_NR": nr, "XK_JDRQ": ctx.iso_of(day), "XK_YXQZ": ctx.iso_of(day), "XK_YXQZI": end,
        "XK_XKJG": AGENCY_NAMES[agency], "XK_XKJGDM": AGENCY_CODES[agency],
        "XK_ZT": _pick(rng, ["1", "1", "1", "有效", ""], n), "XK_LYDW": AGENCY_NAMES[agency],
        "XK_LYDWDM": AGENCY_CODES[agency], "BZ": empty,
    }  # fmt: skip
    cols = {k: np.asarray(v, dtype=object).copy() for k, v in cols.items()}
    ctx.mark("ni", person)
    return Table("licenses", cols, kind, subject, u.code[subject].copy(), day)


COURT_DUTY = {
    1: [(3, "n", lambda r: [f"被执行人{s}于判决生效之日起十日内偿还申请执行人{c}借款本金{a}元及利息" for s, c, a in zip(r.s, r.creditor, r.amount, strict=True)]),
        (2, "n", lambda r: [f"{s}支付{c}劳动报酬{a}元" for s, c, a in zip(r.s, r.creditor, r.amount, strict=True)]),
        (1, "nm", lambda r: [f"被执行人{s}（联系电话{m}）向申请执行人{c}返还货款{a}元" for s, m, c, a in zip(r.s, r.mob, r.creditor, r.amount, strict=True)])],
    0: [(3, "", lambda r: [f"{s}支付申请执行人{o}货款{a}元及违约金" for s, o, a in zip(r.s, r.other, r.amount, strict=True)]),
        (2, "n", lambda r: [f"{s}支付申请执行人{c}工程款{a}元，法定代表人{p}承担连带责任" for s, c, a, p in zip(r.s, r.creditor, r.amount, r.rep, strict=True)])],
}  # fmt: skip


def build_court(ctx: Context, n: int) -> Table:
    rng, u = ctx.rng, ctx.universe
    kind, subject = sample_subjects(ctx, n, SPECS["court_dishonest"]["kinds"])
    person = u.person[subject]
    is_person = kind == 1
    district = u.district[subject]
    place = _DIVISION_TOWN[district]
    towns = np.array([p[0] + "市" for p in PLACES], dtype=object)
    court = _join(towns[place], _DIVISION_NAME[district], "人民法院")
    pshort = np.array([p[2] for p in PLACES], dtype=object)[place]
    div4 = np.array([d[2:6] for d in _DIVISIONS.tolist()], dtype=object)[district]
    day = ctx.today - rng.integers(1, 1000, size=n)
    filed = day - rng.integers(30, 400, size=n)
    years = ctx.year[filed - ctx.lo].astype(str).astype(object)
    case = np.array([f"({y}){p}{d}执{i}号" for y, p, d, i in zip(years.tolist(), pshort.tolist(), div4.tolist(), range(1, n + 1), strict=True)], dtype=object)  # fmt: skip
    basis_year = (ctx.year[filed - ctx.lo] - 1).astype(str).astype(object)
    basis = _join(
        "(",
        basis_year,
        ")",
        pshort,
        div4,
        "民初",
        rng.integers(100, 9999, size=n).astype(str).astype(object),
        "号",
    )
    ids = u.code[subject].copy()
    pid = u.p_id[person]
    masked = np.array([f"{i[:10]}****{i[14:]}" for i in pid.tolist()], dtype=object)
    shown = np.where(is_person & (rng.random(n) < 0.9), masked, ids)
    key = np.where(is_person & (shown == masked), _join("masked:", masked), ids)
    age = (ctx.as_of.year - u.p_born[person]).astype(str).astype(object)
    empty = np.full(n, "", dtype=object)
    creditors = rng.integers(len(u.p_name), size=n)
    source = _person_source(ctx, kind, subject) | {
        "creditor": u.p_name[creditors], "other": u.name[rng.integers(u.offsets[0][1], size=n)],
        "amount": (rng.integers(5, 2000, size=n) * 100).astype(str).astype(object),
    }  # fmt: skip
    duty = np.empty(n, dtype=object)
    fill_text(ctx, duty, np.flatnonzero(is_person), COURT_DUTY[1], source)
    fill_text(ctx, duty, np.flatnonzero(~is_person), COURT_DUTY[0], source)
    cols = {
        "SX_MC": u.name[subject], "SX_XB": np.where(is_person, u.p_sex[person], empty),
        "SX_NL": np.where(is_person, age, empty), "SX_ZJHM": shown,
        "SX_FRDB": np.where(is_person, empty, u.p_name[person]), "SX_ZXFY": court,
        "SX_SF": np.array([p[3].removesuffix("省") for p in PLACES], dtype=object)[place], "SX_ZXYJ": basis,
        "SX_LASJ": ctx.iso_of(filed), "SX_AH": case, "SX_ZCDW": court, "SX_YW": duty,
        "SX_LXQK": _pick(rng, ["全部未履行", "全部未履行", "部分未履行"], n), "SX_JTQX": _pick(rng, DUTY_SITUATIONS, n),
        "SX_FBSJ": ctx.iso_of(day),
    }  # fmt: skip
    cols = {k: np.asarray(v, dtype=object).copy() for k, v in cols.items()}
    ctx.mark("n", person)
    ctx.mark("i", person[is_person & (shown == ids)])  # published unmasked
    # creditors named in the obligation: third parties the record does not list as its own
    named = np.flatnonzero(
        [c in text for c, text in zip(source["creditor"].tolist(), duty.tolist(), strict=True)]
    )
    ctx.third_party[creditors[named]] = True
    return Table("court_dishonest", cols, kind, subject, key, day)


HONOUR_BZ = {
    1: [(3, "", lambda r: [""] * len(r.s)),
        (1, "nim", lambda r: [f"志愿者{s}（身份证号{i}）累计志愿服务{h}小时，联系电话{m}" for s, i, h, m in zip(r.s, r.pid, r.hours, r.mob, strict=True)]),
        (1, "nm", lambda r: [f"{s}个人向{t}市慈善总会捐款{h}00元，联系电话{m}" for s, t, h, m in zip(r.s, r.town, r.hours, r.mob, strict=True)])],
    0: [(4, "", lambda r: [""] * len(r.s)),
        (1, "nm", lambda r: [f"{s}向{t}市慈善总会捐赠{h}万元，经办人{p}（{m}）" for s, t, h, p, m in zip(r.s, r.town, r.hours, r.rep, r.mob, strict=True)])],
}  # fmt: skip
H_MASKS = np.array([h[4] for h in HONOURS])


def build_honors(ctx: Context, n: int) -> Table:
    rng, u = ctx.rng, ctx.universe
    kind, subject = sample_subjects(ctx, n, SPECS["honors"]["kinds"])
    person = u.person[subject]
    h = _choose_by_kind(ctx, kind, H_MASKS)
    place = u.town[subject]
    towns = np.array([p[0] for p in PLACES], dtype=object)[place]
    provinces = np.array([p[3] for p in PLACES], dtype=object)[place]
    body = np.array([x[2] for x in HONOURS], dtype=object)[h]
    body = np.array([b.format(town=t, province=p) for b, t, p in zip(body.tolist(), towns.tolist(), provinces.tolist(), strict=True)], dtype=object)  # fmt: skip
    day = ctx.today - rng.integers(1, 1500, size=n)
    short = np.array([p[1] for p in PLACES], dtype=object)[place]
    abbr = np.array([x[3] for x in HONOURS], dtype=object)[h]
    years = ctx.year[day - ctx.lo]
    number = np.array([f"{s}{a}〔{y}〕{i}号" for s, a, y, i in zip(short.tolist(), abbr.tolist(), years.tolist(), range(1, n + 1), strict=True)], dtype=object)  # fmt: skip
    is_person, empty = kind == 1, np.full(n, "", dtype=object)
    source = _person_source(ctx, kind, subject) | {
        "hours": rng.integers(2, 300, size=n).astype(str).astype(object)
    }
    bz = np.empty(n, dtype=object)
    fill_text(ctx, bz, np.flatnonzero(is_person), HONOUR_BZ[1], source)
    fill_text(ctx, bz, np.flatnonzero(~is_person), HONOUR_BZ[0], source)
    until = np.where(rng.random(n) < 0.6, ctx.iso_of(day + 730), empty)
    cols = {
        "RY_MC": u.name[subject], "RY_LB": LB[kind], "RY_SHXYM": np.where(is_person, empty, u.code[subject]),
        "RY_ZJLX": np.where(is_person, "身份证", empty), "RY_ZJHM": np.where(is_person, u.p_id[person], empty),
        "RY_RYMC": np.array([x[0] for x in HONOURS], dtype=object)[h], "RY_RYLB": np.array([x[1] for x in HONOURS], dtype=object)[h],
        "RY_WH": number, "RY_SYJG": body, "RY_SYRQ": ctx.iso_of(day), "RY_YXQZ": until,
        "RY_SJLY": np.where(rng.random(n) < 0.5, _join(provinces, "发展和改革委员会"), body), "BZ": bz,
    }  # fmt: skip
    cols = {k: np.asarray(v, dtype=object).copy() for k, v in cols.items()}
    ctx.mark("ni", person[is_person])
    return Table("honors", cols, kind, subject, u.code[subject].copy(), day)


# 承诺类型, 承诺事项 ({cert}: a licence the subject's kind can hold), what is promised, subjects,
# validity (days after the commitment; 0: the licence's own, -1: none given)
COMMITMENTS = [
    ("审批替代型", "{cert}核发（告知承诺制）", "承诺已具备{cert}的许可条件，所提交材料真实、合法、有效，如有不实，愿承担许可被撤销等法律责任", ORG | IND | PER, 0),
    ("审批替代型", "{cert}延续（告知承诺制）", "承诺持续符合{cert}的许可条件，许可期间接受监督检查", ORG | IND | PER, 0),
    ("容缺受理型", "{cert}申请（容缺受理）", "承诺自受理之日起二十个工作日内补齐欠缺的申请材料，逾期未补齐的，同意按撤回申请处理", ORG | IND | PER, 30),
    ("行业自律型", "遵守行业自律公约", "承诺遵守行业自律公约，明码标价，不销售假冒伪劣商品，接受行业协会和社会监督", ORG | IND, 1095),
    ("信用修复型", "申请修复行政处罚信息", "承诺已纠正失信行为、消除不良影响，一年内不再发生同类违法行为，自觉接受监督", ORG | IND | PER, 365),
    ("主动型", "主动公开信用承诺", "承诺依法诚信经营，遵守法律法规和行业规范，自觉接受社会监督", ORG | IND, -1),
]  # fmt: skip
C_MASKS = np.array([c[3] for c in COMMITMENTS])
COMMITMENT_NR = {
    1: [(4, "", lambda r: [f"本人{p}。" for p in r.promise]),
        (1, "ni", lambda r: [f"本人{s}（身份证号{i}）{p}。" for s, i, p in zip(r.s, r.pid, r.promise, strict=True)])],
    0: [(4, "", lambda r: [f"本单位{p}。" for p in r.promise]),
        (1, "nm", lambda r: [f"本单位{p}。承诺人：{o}{n}，联系电话{m}" for p, o, n, m in zip(r.promise, r.role, r.rep, r.mob, strict=True)])],
}  # fmt: skip
BREACHES = ["未履行", "违诺", "虚假承诺"]


def build_commitments(ctx: Context, n: int) -> Table:
    """信用承诺: commitments made when applying for a licence (告知承诺, 容缺受理), to an
    industry, for a repair, or of the subject's own accord, and how each stands. The acceptor
    checks within two months (hl-2022 Art 46): older ones are kept or, some, breached."""
    rng, u = ctx.rng, ctx.universe
    kind, subject = sample_subjects(ctx, n, SPECS["credit_commitments"]["kinds"])
    person = u.person[subject]
    c = _choose_by_kind(ctx, kind, C_MASKS)
    lt = _choose_by_kind(ctx, kind, L_MASKS)
    ctype = np.array([x[0] for x in COMMITMENTS], dtype=object)[c]
    cert = np.array([x[2] for x in LICENCES], dtype=object)[lt]
    day = ctx.today - rng.integers(1, 1100, size=n)
    towns = np.array([p[0] for p in PLACES], dtype=object)[u.town[subject]]
    # the acceptor: the licence's agency, the market regulator, or the town's credit authority (repairs)
    licence_agency = u.town[subject] * N_TYPES + np.array([TYPE_INDEX[x[0]] for x in LICENCES])[lt]
    agency = np.where(np.isin(ctype, ["行业自律型", "主动型"]), u.town[subject] * N_TYPES + TYPE_INDEX["market"],
                      licence_agency)  # fmt: skip
    repair = ctype == "信用修复型"
    acceptor = np.where(repair, _join(towns, "市发展和改革委员会"), AGENCY_NAMES[agency])
    acceptor_code = np.where(repair, "", AGENCY_CODES[agency])
    matter = np.array([COMMITMENTS[i][1].format(cert=k) for i, k in zip(c.tolist(), cert.tolist(), strict=True)], dtype=object)  # fmt: skip
    promise = np.array([COMMITMENTS[i][2].format(cert=k) for i, k in zip(c.tolist(), cert.tolist(), strict=True)], dtype=object)  # fmt: skip
    validity = np.array([x[4] for x in COMMITMENTS])[c]
    years = np.array([x[6] for x in LICENCES])[lt]
    empty = np.full(n, "", dtype=object)
    until = np.where(validity > 0, ctx.iso_of(day + np.maximum(validity, 1) - 1), empty)
    by_licence = validity == 0
    until[by_licence] = np.where(years[by_licence] > 0, ctx.iso_of(day[by_licence] + years[by_licence] * 365 - 1),
                                 _pick(rng, ["长期", "长期", "2099-12-31", ""], int(by_licence.sum())))  # fmt: skip
    # how each stands: checked within two months (hl-2022 Art 46); a repair's year of good
    # conduct, once over, is kept
    checked = ctx.today - day > 60
    draw = rng.random(n)
    breached = checked & (draw < 0.12)
    if n >= MIN_FILE_ROWS and checked.any() and not breached.any():
        breached[np.flatnonzero(checked)[0]] = True  # every extract carries a breach
    kept = (
        checked
        & ~breached
        & (np.isin(ctype, ["审批替代型", "容缺受理型"]) | (repair & (ctx.today - day > 365)))
    )
    status = np.where(breached, _pick(rng, BREACHES, n), np.where(kept, "已履行", "履行中")).astype(object)
    # the day the status was found: materials in or a deadline missed, a check, the repair year's end
    late = ctype == "容缺受理型"
    found = np.where(breached, np.where(late, day + 31, day) + rng.integers(7, 61, size=n),
                     np.where(repair, day + 365, day) + rng.integers(7, 29, size=n))  # fmt: skip
    found = np.minimum(found, ctx.today)
    status_day = np.where(breached | kept, ctx.iso_of(found), empty)
    note = np.where(breached, _pick(rng, ["经核查，承诺内容与实际情况不符", "逾期未履行承诺事项", "责令限期整改后仍未履行承诺"], n),
                    empty)  # fmt: skip
    is_person, has_rep = kind == 1, kind != 1
    source = _person_source(ctx, kind, subject) | {"promise": promise}
    content = np.empty(n, dtype=object)
    fill_text(ctx, content, np.flatnonzero(is_person), COMMITMENT_NR[1], source)
    fill_text(ctx, content, np.flatnonzero(has_rep), COMMITMENT_NR[0], source)
    division = np.array([p[5][0][0][:4] + "00" for p in PLACES], dtype=object)[u.town[subject]]
    number = np.array([f"CN-{d}-{ctx.year[x - ctx.lo]}-{i:06d}" for d, x, i in
                       zip(division.tolist(), day.tolist(), range(1, n + 1), strict=True)], dtype=object)  # fmt: skip
    cols = {
        "CN_ZT_MC": u.name[subject], "CN_ZT_LB": LB[kind], "CN_ZT_SHXYM": np.where(has_rep, u.code[subject], empty),
        "CN_ZT_ZJLX": np.where(is_person, _pick(rng, ["身份证", "身份证", "居民身份证", ""], n), empty),
        "CN_ZT_ZJHM": np.where(is_person, u.p_id[person], empty), "CN_BH": number, "CN_LX": ctype, "CN_SX": matter,
        "CN_NR": content, "CN_CNRQ": ctx.iso_of(day), "CN_SLDW": acceptor, "CN_SLDWDM": acceptor_code,
        "CN_YXQZ": until, "CN_LXZT": status, "CN_LXRQ": status_day, "CN_SJLY": acceptor, "CN_SJLYDM": acceptor_code,
        "BZ": note,
    }  # fmt: skip
    cols = {k: np.asarray(v, dtype=object).copy() for k, v in cols.items()}
    ctx.mark("ni", person[is_person])
    return Table("credit_commitments", cols, kind, subject, u.code[subject].copy(), day)


# 严重失信主体名单认定: the basis and the conduct, by the type of agency that listed the subject
# (a national list's rules where one exists, else the province's social credit regulation)
DETERMINATION_GROUNDS = {
    "market": ("《市场监督管理严重违法失信名单管理办法》第二条", "受到市场监督管理部门较重行政处罚，性质恶劣、情节严重、社会危害较大"),
    "env": ("《{province}社会信用条例》", "违法排放污染物，严重危害人民群众身体健康和生命安全"),
    "safety": ("《安全生产严重失信主体名单管理办法》", "对生产安全事故负有责任，情节严重"),
    "tax": ("《重大税收违法失信主体信息公布管理办法》", "虚开发票、逃避缴纳税款，构成重大税收违法失信"),
    "transport": ("《{province}社会信用条例》", "有履行能力但拒不履行行政处罚决定，严重影响行政机关公信力"),
    "housing": ("《{province}社会信用条例》", "违法分包、转包工程，严重危害工程质量安全"),
    "health": ("《{province}社会信用条例》", "非法行医，严重危害人民群众身体健康"),
    "urban": ("《{province}社会信用条例》", "拒不履行行政处罚决定，严重影响行政机关公信力"),
}  # fmt: skip
EARLY_REMOVAL = "列入名单满一年，已履行行政处罚决定规定的义务、主动消除危害后果和不良影响且未再受到较重行政处罚的，可以申请提前移出；期满移出"
APPEAL = "如不服本决定，可自收到决定书之日起六十日内向{town}市人民政府申请行政复议，或者六个月内依法向人民法院提起行政诉讼"


def build_determinations(ctx: Context, n: int, pool: dict[str, Targets]) -> Table | None:
    """严重失信主体名单认定: the agency that penalised a subject lists it, one determination per
    subject, 1-6 months after the penalty (organisations mostly). A determination states its
    term (three years, one, 长期, or none given: the profile's default), and most their removal
    conditions and remedies (hl-2022 Art 28); an organisation's legal representative, and some
    principals, actual controllers and directly responsible persons, are named with their ID
    numbers (hl-2022 Art 33); an individual business's operator as its principal."""
    t = pool.get("penalties")
    if not t or not n:
        return None
    rng, u, penalties = ctx.rng, ctx.universe, t.table
    _, first = np.unique(penalties.key[t.rows], return_index=True)
    candidates = t.rows[np.sort(first)]
    weight = np.where(penalties.kind[candidates] == 1, 0.25, 1.0)
    chosen = np.sort(
        rng.choice(candidates, size=min(n, len(candidates)), replace=False, p=weight / weight.sum())
    )
    m = len(chosen)
    kind, subject, key = penalties.kind[chosen], penalties.subject[chosen], penalties.key[chosen].copy()
    agency = np.array(
        [int(np.flatnonzero(AGENCY_NAMES == a)[0]) for a in penalties.cols["CF_SJLY"][chosen].tolist()]
    )
    kinds = [AGENCY_TYPES[a % N_TYPES][0] for a in agency.tolist()]
    town = u.town[subject]
    province = [PLACES[x][3] for x in town.tolist()]
    day = np.minimum(penalties.day[chosen] + rng.integers(30, 181, size=m), ctx.today)
    years = ctx.year[day - ctx.lo]
    term = rng.choice(4, size=m, p=[0.5, 0.2, 0.2, 0.1])  # 3 years, 1 year, none given, 长期
    until = np.where(term == 0, ctx.iso_of(np.minimum(day + 1094, ctx.today + 3999)),
                     np.where(term == 1, ctx.iso_of(day + 364), np.where(term == 3, "长期", ""))).astype(object)  # fmt: skip
    basis = [DETERMINATION_GROUNDS[k][0].format(province=p) for k, p in zip(kinds, province, strict=True)]
    conduct = [f"{DETERMINATION_GROUNDS[k][1]}（{w}）" for k, w in
               zip(kinds, penalties.cols["CF_WSH"][chosen].tolist(), strict=True)]  # fmt: skip
    stated = rng.random(m) < 0.6
    empty = np.full(m, "", dtype=object)
    is_person, is_org, is_ind = kind == 1, kind == 0, kind == 2
    person = u.person[subject]

    def linked(share: float, who: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Names and ID numbers of a role: `who` where given, else someone else, on a share of organisations."""
        people = who if who is not None else rng.integers(len(u.p_name), size=m)
        named = is_org & (rng.random(m) < share) if who is None else is_org.copy()
        ctx.mark("ni", people[named])
        return np.where(named, u.p_name[people], empty), np.where(named, u.p_id[people], empty)

    rep, rep_id = linked(1.0, person)
    principal, principal_id = linked(0.5)
    principal = np.where(is_ind, u.p_name[person], principal)  # 个体工商户: the operator
    principal_id = np.where(is_ind, u.p_id[person], principal_id)
    controller, controller_id = linked(0.4)
    responsible, responsible_id = linked(0.5)
    ctx.mark("ni", person[is_person | is_ind])
    division = np.array([p[5][0][0][:4] + "00" for p in PLACES], dtype=object)[town]
    cols = {
        "RD_BH": np.array([f"RD-{d}-{y}-{i:04d}" for i, (d, y) in enumerate(zip(division.tolist(), years.tolist(),
                                                                                   strict=True), 1)], dtype=object),
        "RD_ZT_MC": penalties.cols["CF_XDR_MC"][chosen], "RD_ZT_LB": LB[kind],
        "RD_ZT_SHXYM": np.where(is_person, empty, key), "RD_ZT_ZJLX": np.where(is_person, "身份证", empty),
        "RD_ZT_ZJHM": np.where(is_person, key, empty), "RD_RDDW": AGENCY_NAMES[agency], "RD_RDDWDM": AGENCY_CODES[agency],
        "RD_RDYJ": np.array(basis, dtype=object), "RD_SXXW": np.array(conduct, dtype=object),
        "RD_JDSWH": np.array([f"{p}严失〔{y}〕{i}号" for i, (p, y) in enumerate(zip(AGENCY_PREFIXES[agency].tolist(),
                                                                              years.tolist(), strict=True), 1)], dtype=object),
        "RD_RDRQ": ctx.iso_of(day), "RD_YXQZ": until, "RD_YCTJ": np.where(stated, EARLY_REMOVAL, empty),
        "RD_JJTJ": np.array([APPEAL.format(town=PLACES[x][0]) if s else "" for x, s in
                             zip(town.tolist(), stated.tolist(), strict=True)], dtype=object),
        "RD_FRDB": rep, "RD_FR_ZJHM": rep_id, "RD_ZYFZR": principal, "RD_FZR_ZJHM": principal_id,
        "RD_SJKZR": controller, "RD_KZR_ZJHM": controller_id, "RD_ZJZRR": responsible, "RD_ZRR_ZJHM": responsible_id,
        "RD_SJLY": AGENCY_NAMES[agency], "RD_SJLYDM": AGENCY_CODES[agency], "BZ": empty,
    }  # fmt: skip
    cols = {k: np.asarray(v, dtype=object).copy() for k, v in cols.items()}
    return Table("serious_determinations", cols, kind, subject, key, day)


# ---------------------------------------------------------------------------------------
# Events: each row points at a loaded record (same decision number and subject code).
# ---------------------------------------------------------------------------------------


@dataclass
class Targets:
    """Loaded records events may point at."""

    dataset: str
    rows: np.ndarray
    table: Table

    def __len__(self) -> int:
        return len(self.rows)


def targets(table: Table) -> Targets:
    """Rows that loaded and whose subject key an event can quote (an 18-character USCC or ID)."""
    ok = table.outcome == 0
    tags = table.tag
    ok &= ~np.isin(tags, [KIND_NAMES.index("other_document")])
    ok &= np.array([len(k) == 18 for k in table.key.tolist()])
    return Targets(table.dataset, np.flatnonzero(ok), table)


def _ref(t: Targets, row: int) -> dict:
    table = t.table
    file, number = table.locate(row)
    return {
        "dataset": t.dataset, "file": file, "row": number, "decision_number": table.cols[table.spec["number"]][row],
        "subject_code": table.key[row], "decision_date": date.fromordinal(int(table.day[row])).isoformat(),
    }  # fmt: skip


NAME_COLUMNS = {
    "penalties": "CF_XDR_MC",
    "licenses": "XK_XDR_MC",
    "court_dishonest": "SX_MC",
    "honors": "RY_MC",
    "credit_commitments": "CN_ZT_MC",
    "serious_determinations": "RD_ZT_MC",
}
XXLB = {"penalties": ["行政处罚", "行政处罚", "penalties"], "licenses": ["行政许可", "行政许可", "licenses"],
        "court_dishonest": ["失信被执行人"], "honors": ["honors"]}  # fmt: skip


def _event_base(ctx: Context, picks: list[tuple[Targets, np.ndarray]], earliest_gap: int = 1):
    """Subject, code, name, dates of the records the events point at; dates after the record."""
    rows, tables, kinds, subjects, keys, names, numbers, record_days, refs, labels = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    for t, chosen in picks:
        table = t.table
        for row in chosen.tolist():
            rows.append(row)
            tables.append(t)
        kinds.append(table.kind[chosen])
        subjects.append(table.subject[chosen])
        keys.append(table.key[chosen])
        names.append(table.cols[NAME_COLUMNS[t.dataset]][chosen])
        numbers.append(table.cols[table.spec["number"]][chosen])
        record_days.append(table.day[chosen])
        labels.append(_pick(ctx.rng, XXLB[t.dataset], len(chosen)))
        refs += [_ref(t, r) for r in chosen.tolist()]
    cat = lambda xs, dt=object: np.concatenate(xs) if xs else np.array([], dtype=dt)  # noqa: E731
    record_day = cat(record_days, np.int64).astype(np.int64)
    lo = np.minimum(record_day + earliest_gap, ctx.today)
    lo = np.maximum(lo, record_day + 1)
    day = lo + np.floor(ctx.rng.random(len(lo)) * (ctx.today - lo + 1)).astype(np.int64)
    return dict(kind=cat(kinds, np.int8).astype(np.int8), subject=cat(subjects, np.int64).astype(np.int64), key=cat(keys),
                name=cat(names), number=cat(numbers), record_day=record_day, day=day, refs=refs, label=cat(labels))  # fmt: skip


def _choose(ctx: Context, t: Targets, n: int) -> np.ndarray:
    n = min(n, len(t))
    return np.sort(ctx.rng.choice(t.rows, size=n, replace=False)) if n else np.array([], np.int64)


def _event_table(dataset: str, cols: dict, b: dict, refs: list[dict]) -> Table:
    """Events about the records in `b` (their subjects, keys and days), in date order."""
    table = Table(dataset, {k: np.asarray(v, dtype=object).copy() for k, v in cols.items()},
                  b["kind"], b["subject"], b["key"], b["day"], refs)  # fmt: skip
    return _order(table, table.day)


def _order(table: Table, by: np.ndarray) -> Table:
    """Events arrive sorted by date."""
    order = np.argsort(by, kind="stable")
    table.cols = {k: v[order] for k, v in table.cols.items()}
    table.kind, table.subject, table.key, table.day = (
        table.kind[order],
        table.subject[order],
        table.key[order],
        table.day[order],
    )
    table.refs = [table.refs[i] for i in order.tolist()]
    return table


def _repair_body(ctx: Context, n: int):
    places = ctx.rng.integers(len(PLACES), size=n)
    return np.where(ctx.rng.random(n) < 0.5, _join(np.array([p[3] for p in PLACES], dtype=object)[places], "发展和改革委员会"),
                    _join(np.array([p[0] for p in PLACES], dtype=object)[places], "市发展和改革委员会"))  # fmt: skip


def build_repairs(ctx: Context, n: int, pool: dict[str, Targets]) -> Table | None:
    t = pool.get("penalties")
    if not t or not n:
        return None
    b = _event_base(ctx, [(t, _choose(ctx, t, n))], earliest_gap=90)
    m = len(b["key"])
    body = _repair_body(ctx, m)
    cols = {"XF_BH": np.array([f"XF-{ctx.year[d - ctx.lo]}-{i:06d}" for i, d in enumerate(b["day"].tolist(), 1)], dtype=object),
            "XF_ZTMC": b["name"], "XF_ZTDM": b["key"], "XF_XXLB": b["label"], "XF_YWSH": b["number"],
            "XF_JDRQ": ctx.iso_of(b["day"]), "XF_JG": body, "XF_SJLY": body}  # fmt: skip
    refs = [{"event": "修复", "refers_to": r} for r in b["refs"]]
    return _event_table("repairs", cols, b, refs)


CORRECTIONS = {
    "penalties": [(3, "", lambda r: [f"罚款金额由{a}万元更正为{b}万元" for a, b in zip(r.a, r.b, strict=True)]),
                  (1, "", lambda r: [f"行政相对人名称更正为{s}" for s in r.s]),
                  (1, "ni", lambda r: [f"法定代表人更正为{p}（身份证号{i}）" for p, i in zip(r.rep, r.pid, strict=True)])],
    "licenses": [(2, "", lambda r: [f"有效期至更正为{d}" for d in r.until]),
                 (1, "ni", lambda r: [f"法定代表人更正为{p}（身份证号{i}）" for p, i in zip(r.rep, r.pid, strict=True)])],
    "honors": [(1, "", lambda r: [f"主体名称更正为{s}" for s in r.s])],
}  # fmt: skip


def build_revocations(ctx: Context, n: int, pool: dict[str, Targets]) -> Table | None:
    picks = []
    for dataset, share in (("penalties", 0.6), ("licenses", 0.3), ("honors", 0.1)):
        if pool.get(dataset):
            picks.append((pool[dataset], _choose(ctx, pool[dataset], max(1, round(n * share)))))
    if not n or not picks:
        return None
    b = _event_base(ctx, picks)
    m = len(b["key"])
    rng = ctx.rng
    action = _pick(rng, ["撤销", "撤销", "删除", "更正", "更正", "D", "U"], m)
    reported = np.minimum(b["day"] + rng.integers(0, 4, size=m), ctx.today)
    empty = np.full(m, "", dtype=object)
    short = np.array([p[1] for p in PLACES], dtype=object)[ctx.universe.town[b["subject"]]]
    basis = np.where(rng.random(m) < 0.6,
                     _join("行政复议决定书", short, "政复〔", ctx.year[b["day"] - ctx.lo].astype(str).astype(object), "〕", rng.integers(1, 300, size=m).astype(str).astype(object), "号"),
                     _pick(rng, ["原处罚机关自行纠错", "人民法院生效行政判决", "上级机关责令改正"], m))  # fmt: skip
    person = ctx.universe.person[b["subject"]]
    source = {"s": b["name"], "rep": ctx.universe.p_name[person], "pid": ctx.universe.p_id[person], "person": person,
              "a": _pick(rng, ["5", "2", "10"], m), "b": _pick(rng, ["0.5", "1", "3"], m),
              "until": ctx.iso_of(np.minimum(b["day"] + 1825, ctx.today + 3000))}  # fmt: skip
    correction = empty.copy()
    corrected = np.isin(action, ["更正", "U"])
    origin = np.array([r["dataset"] for r in b["refs"]], dtype=object)
    for dataset, templates in CORRECTIONS.items():
        fill_text(ctx, correction, np.flatnonzero(corrected & (origin == dataset)), templates, source)
    cols = {"CX_BH": np.array([f"CX-{ctx.year[d - ctx.lo]}-{i:06d}" for i, d in enumerate(b["day"].tolist(), 1)], dtype=object),
            "CX_ZTDM": b["key"], "CX_XXLB": b["label"], "CX_YWSH": b["number"], "CX_LX": action,
            "CX_SXRQ": ctx.iso_of(b["day"]), "CX_SBRQ": np.where(rng.random(m) < 0.8, ctx.iso_of(reported), empty),
            "CX_YJ": basis, "CX_GZNR": correction,
            "CX_SJLY": np.array([_source_of(pool, r) for r in b["refs"]], dtype=object)}  # fmt: skip
    refs = [{"event": a, "refers_to": r} for a, r in zip(action.tolist(), b["refs"], strict=True)]
    return _event_table("revocations", cols, b, refs)


def _source_of(pool: dict[str, Targets], ref: dict) -> str:
    """The provider of the record an event points at (its deciding agency)."""
    t = pool[ref["dataset"]].table
    column = {
        "penalties": "CF_SJLY",
        "licenses": "XK_LYDW",
        "honors": "RY_SJLY",
        "court_dishonest": "SX_ZXFY",
    }[ref["dataset"]]
    row = _row_of(t, ref)
    return t.cols[column][row]


def _row_of(table: Table, ref: dict) -> int:
    for f in table.files:
        if f.name == ref["file"]:
            return f.start + ref["row"] - 2
    raise KeyError(ref["file"])


OBJECTION_TEXT = {
    "受理": [(3, "", lambda r: _const(r, "主体认为该信息记载有误，提出异议")), (2, "", lambda r: _const(r, "主体称已履行完毕，申请更正")),
             (1, "nm", lambda r: [f"申请人{p}（电话{m}）称决定书文号有误" for p, m in zip(r.rep, r.mob, strict=True)])],
    "维持": [(1, "", lambda r: _const(r, "经核实信息无误，维持原信息"))],
    "更正": [(1, "", lambda r: _const(r, "经核实，相关信息有误，已予以更正"))],
    "撤销": [(1, "", lambda r: _const(r, "经核实，原决定已被撤销，撤销该信息"))],
}  # fmt: skip


def _const(r: _Rows, text: str) -> list[str]:
    return [text] * len(r.person)


def build_objections(ctx: Context, cases: int, pool: dict[str, Targets]) -> Table | None:
    picks = []
    for dataset, share in (("penalties", 0.7), ("licenses", 0.2), ("court_dishonest", 0.1)):
        if pool.get(dataset):
            picks.append((pool[dataset], _choose(ctx, pool[dataset], max(1, round(cases * share)))))
    if not cases or not picks:
        return None
    rng = ctx.rng
    b = _event_base(ctx, picks)
    m = len(b["key"])
    decided = rng.random(m) < 0.65
    # open objections were opened recently; decided ones were decided within 30 days
    recent = np.maximum(b["record_day"] + 1, ctx.today - 20)
    opened = np.where(
        decided, b["day"], recent + np.floor(rng.random(m) * (ctx.today - recent + 1)).astype(np.int64)
    )
    closed = np.minimum(opened + rng.integers(0, 30, size=m), ctx.today)
    result = _pick(rng, ["维持", "维持", "维持", "更正", "撤销"], m)
    case_ids = np.array(
        [f"YY-{ctx.year[d - ctx.lo]}-{i:05d}" for i, d in enumerate(opened.tolist(), 1)], dtype=object
    )
    rows = np.concatenate([np.arange(m), np.flatnonzero(decided)])
    is_close = np.concatenate([np.zeros(m, bool), np.ones(int(decided.sum()), bool)])
    day = np.where(is_close, closed[rows], opened[rows])
    state = np.where(is_close, "办结", "受理").astype(object)
    jg = np.where(is_close, result[rows], "").astype(object)
    person = ctx.universe.person[b["subject"][rows]]
    source = {"rep": ctx.universe.p_name[person], "mob": ctx.universe.p_mobile[person], "person": person}
    note = np.empty(len(rows), dtype=object)
    for s, templates in OBJECTION_TEXT.items():
        sel = np.flatnonzero((state == s) | (jg == s))
        fill_text(ctx, note, sel, templates, source)
    cols = {"YY_BH": case_ids[rows], "YY_ZTDM": b["key"][rows], "YY_XXLB": b["label"][rows], "YY_YWSH": b["number"][rows],
            "YY_ZT": state, "YY_RQ": ctx.iso_of(day), "YY_JG": jg, "YY_SM": note}  # fmt: skip
    refs = []
    for i, r in enumerate(rows.tolist()):
        refs.append({"event": state[i], "objection": case_ids[r], "result": jg[i] or None,
                     "open_on_as_of": not bool(decided[r]), "refers_to": b["refs"][r]})  # fmt: skip
    table = Table("objections", {k: np.asarray(v, dtype=object).copy() for k, v in cols.items()}, b["kind"][rows],
                  b["subject"][rows], b["key"][rows], day, refs)  # fmt: skip
    # by date; a case's 受理 before its 办结 on the same day
    order = np.lexsort((is_close.astype(int), day))
    table.cols = {k: v[order] for k, v in table.cols.items()}
    table.kind, table.subject, table.key, table.day = (
        table.kind[order],
        table.subject[order],
        table.key[order],
        table.day[order],
    )
    table.refs = [table.refs[i] for i in order.tolist()]
    return table


def build_requests(ctx: Context, n: int, pool: dict[str, Targets]) -> Table | None:
    t = pool.get("honors")
    if not t or not n:
        return None
    table = t.table
    by_subject: dict[str, list[int]] = {}
    for row in t.rows.tolist():
        by_subject.setdefault(table.key[row], []).append(row)
    subjects = list(by_subject)
    chosen = ctx.rng.choice(len(subjects), size=min(n, len(subjects)), replace=False)
    chosen.sort()
    rng = ctx.rng
    rows_out, refs = [], []
    for j in chosen.tolist():
        rows = by_subject[subjects[j]]
        lx = "删除荣誉信息" if rng.random() < 0.7 else "不公示守信信息"
        categories = sorted({table.cols["RY_RYLB"][r] for r in rows})
        if lx == "删除荣誉信息":
            options = [c for c in categories if c in ("表彰奖励", "志愿服务", "慈善捐赠")] + ["全部"]
            fw = options[int(rng.integers(len(options)))]
        else:
            fw = ["", "全部"][int(rng.integers(2))]
        scope = [r for r in rows if fw in ("", "全部") or table.cols["RY_RYLB"][r] == fw]
        latest = max(int(table.day[r]) for r in rows)
        asked = latest + 1 + int(rng.integers(0, max(1, ctx.today - latest)))
        asked = min(asked, ctx.today)
        accepted = min(asked + int(rng.integers(0, 4)), ctx.today)
        rows_out.append((rows[0], lx, fw, asked, accepted))
        refs.append(
            {
                "event": lx,
                "scope": fw or None,
                "refers_to": {
                    "dataset": "honors",
                    "subject_code": table.key[rows[0]],
                    "records": [_ref(t, r) for r in scope],
                },
            }
        )
    if not rows_out:
        return None
    first = np.array([r[0] for r in rows_out])
    day = np.array([r[4] for r in rows_out], np.int64)
    cols = {"SQ_BH": np.array([f"SQ-{ctx.year[d - ctx.lo]}-{i:05d}" for i, d in enumerate(day.tolist(), 1)], dtype=object),
            "SQ_ZTMC": table.cols["RY_MC"][first], "SQ_ZTDM": table.key[first],
            "SQ_LX": np.array([r[1] for r in rows_out], dtype=object), "SQ_FW": np.array([r[2] for r in rows_out], dtype=object),
            "SQ_SQRQ": ctx.iso_of(np.array([r[3] for r in rows_out])), "SQ_SLRQ": ctx.iso_of(day)}  # fmt: skip
    out = Table("subject_requests", {k: np.asarray(v, dtype=object).copy() for k, v in cols.items()}, table.kind[first],
                table.subject[first], table.key[first].copy(), day, refs)  # fmt: skip
    return _order(out, out.day)


# ---------------------------------------------------------------------------------------
# Files: how a dataset's rows are spread over formats, and the headers each file carries.
# ---------------------------------------------------------------------------------------

EXTENSIONS = {"csv_bom": "csv", "csv": "csv", "csv_gb18030": "csv", "xlsx": "xlsx", "jsonl": "jsonl"}


def _layout(dataset: str) -> dict:
    from creditlake.landing import layout

    return layout(dataset)


def plan_files(ctx: Context, table: Table, formats: list[str]) -> list[FilePlan]:
    """Contiguous row ranges, one per format; the first format takes the bulk."""
    n = table.n
    k = max(1, min(len(formats), n // MIN_FILE_ROWS))
    fmts = formats[:k]
    side = 0
    if k > 1:
        cap = 2000 if n > BIG else 5000
        side = int(min(cap, max(MIN_FILE_ROWS, n * 0.15)))
        side = min(side, (n - MIN_FILE_ROWS) // (k - 1))
    sizes = [n - side * (k - 1)] + [side] * (k - 1)
    fields = _layout(table.dataset)["fields"]
    plans, start = [], 0
    for i, (fmt, size) in enumerate(zip(fmts, sizes, strict=True), start=1):
        style = HEADER_STYLE[fmt]
        codes = [f["code"] for f in fields]
        if style == "zh" and table.dataset == "penalties":
            by_zh = {f["zh"]: f["code"] for f in fields}
            codes, names = [by_zh[h] for h in PENALTY_HEADERS_ZH], list(PENALTY_HEADERS_ZH)
        elif style == "zh":
            names = [f["zh"] for f in fields]
        elif style == "alias":
            names = [(f.get("aliases") or [f["zh"]])[0] for f in fields]
        else:  # codes, in the column order of another system's export
            codes = [codes[j] for j in ctx.rng.permutation(len(codes)).tolist()]
            names = list(codes)
        plans.append(FilePlan(f"{table.dataset}_{i:04d}.{EXTENSIONS[fmt]}", table.dataset, fmt, start, start + size,
                              style, codes, names))  # fmt: skip
        start += size
    return plans


# ---------------------------------------------------------------------------------------
# Defects.
# ---------------------------------------------------------------------------------------

BAD_DATES = [
    "2023年13月45日",
    "2023-02-30",
    "20231301",
    "2023/02/29",
    "二〇二三年五月一日",
    "待定",
    "0000-00-00",
    "12345",
    "2023-5",
]
BAD_AMOUNTS = ["-1", "-0.5", "五千元", "1,000", "0.5万", "￥2000", "2000元", "约2万"]
DATE_FORMS = ["zh", "slash", "compact", "dot", "timestamp", "serial", "fullwidth", "zh_padded", "cell"]
_FULLWIDTH = str.maketrans(
    "0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "０１２３４５６７８９－ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ",
)
OTHER_DOCUMENTS = [("护照号", "E{:08d}"), ("港澳居民来往内地通行证", "H{:010d}"), ("台湾居民来往大陆通行证", "{:08d}"),
                   ("其他-军官证", "军字第{:07d}号")]  # fmt: skip
_EXCEL_EPOCH = date(1899, 12, 30)


def date_text(d: date, form: str) -> str:
    """A date as agencies write it (docs/domain.md#what-real-extracts-look-like); every form here must load."""
    if form == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    if form == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if form == "compact":
        return d.strftime("%Y%m%d")
    if form == "dot":
        return d.strftime("%Y.%m.%d")
    if form == "timestamp":
        return f"{d.isoformat()} 00:00:00.0"
    if form == "serial":
        return str((d - _EXCEL_EPOCH).days)
    if form == "fullwidth":
        return (
            f"{d.year}年{d.month}月{d.day}日".translate(_FULLWIDTH)
            if d.day % 2
            else d.isoformat().translate(_FULLWIDTH)
        )
    if form == "zh_padded":
        return f"{d.year}年{d.month:02d}月{d.day:02d}日"
    return d.isoformat()


def _share(ctx: Context, kind: str, rate_kinds: int) -> float:
    if kind in ctx.defects:
        return float(ctx.defects[kind])
    if kind in DEFAULT_SHARES:
        return DEFAULT_SHARES[kind]
    return ctx.defect_rate / max(rate_kinds, 1)


def plant_defects(ctx: Context, t: Table) -> dict[str, int]:
    """Plant every kind the dataset can carry on distinct clean rows; returns counts per kind."""
    n, rng = t.n, ctx.rng
    t.outcome = np.zeros(n, np.int16)
    t.tag = np.full(n, -1, np.int16)
    file_of = np.zeros(n, np.int64)
    for i, f in enumerate(t.files):
        file_of[f.start : f.stop] = i
    t.file_of = file_of
    kinds = kinds_for(t.dataset)
    rate_kinds = sum(k not in DEFAULT_SHARES for k in kinds)
    keyed = "key" in t.spec
    free = np.ones(n, bool)
    counts: dict[str, int] = {}

    def subject_of(kind: str) -> str:
        if kind == "id_junk" and keyed:
            return "org"  # a citizen ID with junk around it would be read as a USCC in a one-column subject field
        return KINDS[kind][0]

    def count(kind: str) -> int:
        share = _share(ctx, kind, rate_kinds)
        c = int(np.floor(share * n + rng.random())) if share > 0 else 0
        if share > 0 and n >= 3 * len(kinds):
            c = max(c, 1)
        return c

    # one malformed line per dataset: the last line of its first CSV file (landing reports its line)
    if "row_malformed" in kinds and count("row_malformed"):
        csv_file = next((f for f in t.files if f.fmt.startswith("csv") and f.stop - f.start >= 2), None)
        if csv_file is not None:
            row = csv_file.stop - 1
            free[row] = False
            _set(ctx, t, row, "row_malformed", _malformed(t, csv_file, row))
            counts["row_malformed"] = 1

    person_rows = t.kind == 1
    if t.dataset == "court_dishonest":
        masked = np.array([k.startswith("masked:") for k in t.key.tolist()])
    for kind in kinds:
        if kind in ("row_malformed", "duplicate_in_batch"):
            continue
        c = count(kind)
        if not c:
            continue
        subject = subject_of(kind)
        mask = free.copy()
        if subject == "person":
            mask &= person_rows
        elif subject == "org":
            mask &= ~person_rows
        if kind == "masked_name":
            mask &= masked
        if kind == "id_legacy_15":  # 15-digit numbers were issued before 1999: born in the 1900s
            mask &= np.array([b < 2000 for b in ctx.universe.p_born[ctx.universe.person[t.subject]].tolist()])
        candidates = np.flatnonzero(mask)
        if not len(candidates):
            continue
        if subject != "any":  # scarce rows (people in an event file): leave some for the kinds still to come
            later = [k for k in kinds[kinds.index(kind) :] if subject_of(k) == subject and k not in counts]
            c = min(c, max(1, len(candidates) // max(1, len(later))))
        rows = rng.choice(candidates, size=min(c, len(candidates)), replace=False)
        if kind == "id_excel_scientific":  # every workbook carries Excel damage: a number cell
            for f in t.files:
                inside = candidates[(candidates >= f.start) & (candidates < f.stop)]
                if f.fmt == "xlsx" and len(inside) and not ((rows >= f.start) & (rows < f.stop)).any():
                    rows = np.append(rows, inside[rng.integers(len(inside))])
        rows = np.sort(rows)
        free[rows] = False
        for row in rows.tolist():
            _set(ctx, t, row, kind, _apply(ctx, t, kind, row))
        counts[kind] = len(rows)

    # duplicates: a later row j becomes a copy of an earlier clean row i of the same file
    c = count("duplicate_in_batch") if "duplicate_in_batch" in kinds else 0
    done = 0
    candidates = np.flatnonzero(free)
    for j in rng.permutation(candidates)[: c * 4].tolist() if c else []:
        if done == c:
            break
        f = t.files[file_of[j]]
        if not free[j] or j == f.start:
            continue
        tries = rng.integers(f.start, j, size=16)
        earlier = tries[free[tries]]
        if not len(earlier):
            continue
        i = int(earlier[0])
        free[[i, j]] = False
        _copy_row(t, i, j)
        _set(ctx, t, j, "duplicate_in_batch", "duplicate_in_batch")
        done += 1
    if done:
        counts["duplicate_in_batch"] = done
    return counts


def _set(ctx: Context, t: Table, row: int, kind: str, reason: str | None) -> None:
    t.outcome[row] = ctx.outcome(KINDS[kind][2], reason)
    t.tag[row] = KIND_NAMES.index(kind)


def _copy_row(t: Table, i: int, j: int) -> None:
    for col in t.cols.values():
        col[j] = col[i]
    t.kind[j], t.subject[j], t.key[j], t.day[j] = t.kind[i], t.subject[i], t.key[i], t.day[i]
    if t.refs is not None:
        t.refs[j] = dict(t.refs[i])


def _malformed(t: Table, f: FilePlan, row: int) -> str:
    """A line cut short: fewer fields than the header (an export interrupted mid-row)."""
    parts = [str(t.cols[c][row]) for c in f.columns[:4]]
    t.malformed[row] = ",".join(re.sub(r"[,\"\r\n]", "", p) for p in parts)
    return "row_malformed"


def _wrong_char(ctx: Context, right: str, alphabet: str) -> str:
    choices = [c for c in alphabet if c != right]
    return choices[int(ctx.rng.integers(len(choices)))]


def _file(t: Table, row: int) -> FilePlan:
    return t.files[t.file_of[row]]


def _apply(ctx: Context, t: Table, kind: str, r: int) -> str | None:
    """Plant `kind` on row r; returns the reason landing gives (None: loads)."""
    u, rng, spec, cols = ctx.universe, ctx.rng, t.spec, t.cols
    keyed = "key" in spec
    f = _file(t, r)
    present = set(f.columns)
    pid = u.p_id[u.person[t.subject[r]]]
    code = u.code[t.subject[r]]
    if kind == "id_junk" and keyed and t.kind[r] != 1:
        code = t.key[r]  # junk around the code the row really carries (an event's may be a pilot code)
    ident = t.ident_col(r)

    def choice(options):
        return options[int(rng.integers(len(options)))]

    if kind == "id_excel_float":
        cols[ident][r] = f"{pid[:6]}{pid[8:17]}.0"
        return "id_excel_float"
    if kind == "id_checksum":
        cols[ident][r] = pid[:17] + _wrong_char(ctx, pid[17], "0123456789X")
        return "id_checksum"
    if kind == "id_birth_date":
        body = pid[:10] + choice(["13", "00", "19"]) + pid[12:17]
        cols[ident][r] = body + citizen_id_check_char(body)
        return "id_birth_date"
    if kind == "id_masked":
        cols[ident][r] = choice(
            [f"{pid[:6]}********{pid[14:]}", f"{pid[:10]}****{pid[14:]}", f"{pid[:3]}***********{pid[14:]}"]
        )
        return "id_masked"
    if kind == "id_missing":
        if rng.random() < 0.5:
            cols[spec["doc"]][r] = "护照号"
        cols[ident][r] = ""
        return "id_missing"
    if kind == "other_document":
        doc, shape = choice(OTHER_DOCUMENTS)
        number = shape.format(int(rng.integers(10**6, 10**7)))
        cols[spec["doc"]][r], cols[ident][r] = doc, number
        t.key[r] = f"{doc}:{number.upper()}"
        ctx.documents.append(number)
        return None
    if kind == "id_legacy_15":
        cols[ident][r] = f"{pid[:6]}{pid[8:17]}"
        if f.fmt == "xlsx":
            t.cells[(r, ident)] = int(cols[ident][r])  # a number cell that lost nothing: 15 digits fit
        return None
    if kind == "masked_name":
        name = cols["SX_MC"][r]
        cols["SX_MC"][r] = name[0] + "*" * max(1, min(2, len(name) - 1))
        return None
    if kind == "uscc_checksum":
        cols[ident][r] = code[:17] + _wrong_char(ctx, code[17], "ABCDEFGHJKLMNPQRTUWXY")
        return "uscc_checksum"
    if kind == "uscc_length":
        cols[ident][r] = choice([code[:-1], code + "1", code[:-2]])
        return (
            "id_format" if keyed else "uscc_length"
        )  # one-column subject fields: not USCC-shaped, so read as an ID
    if kind == "uscc_missing":
        cols[ident][r] = choice(["undefined", "无", "/", "NULL"] + ([] if keyed else ["", ""]))
        return "id_missing" if keyed else "uscc_missing"
    if kind == "uscc_pilot":
        body = code[:2] + PILOT_DIVISION + code[8:17]
        right = uscc_check_char(body)
        cols[ident][r] = body + _wrong_char(ctx, right, "ABCDEFGHJKLMNPQRTUWXY")
        t.key[r] = cols[ident][r]
        name_col = "SX_MC" if keyed else NAME_COLUMNS[t.dataset]
        cols[name_col][r] = "厦门市" + cols[name_col][r].split("市", 1)[-1]
        return None
    if kind == "id_excel_scientific":
        digits = (pid if t.kind[r] == 1 else re.sub(r"\D", "0", code)).ljust(18, "0")
        if not digits[0].isdigit() or digits[0] == "0":
            digits = "9" + digits[1:]
        mantissa = digits[1:6].rstrip("0")
        cols[ident][r] = f"{digits[0]}.{mantissa}E+17" if mantissa else f"{digits[0]}E+17"
        if f.fmt in ("xlsx", "jsonl"):
            t.cells[(r, ident)] = float(f"{digits[0]}.{digits[1:15]}e17")  # the number Excel kept
        return "id_excel_scientific"
    if kind == "id_junk":
        if t.kind[r] == 1:
            cols[ident][r] = choice(
                [
                    f"身份证号：{pid}",
                    f" {pid} ",
                    pid.translate(_FULLWIDTH),
                    f"{pid[:6]} {pid[6:14]} {pid[14:]}",
                    f"'{pid}",
                ]
            )
        else:
            cols[ident][r] = choice([f"统一社会信用代码：{code}", f"{code}（1/1）", f" {code} ", f"{code[:8]} {code[8:]}",
                                     code.translate(_FULLWIDTH), code.lower(), f"'{code}", f"统一社会信用代码:{code}"])  # fmt: skip
        return None
    if kind == "required_missing":
        col = choice([c for c in spec["required"] if c in present])
        cols[col][r] = choice(["", "", "  "])
        return "required_missing"
    if kind == "enum_invalid":
        col = choice([c for c in spec["enums"] if c in present])
        cols[col][r] = choice(spec["enums"][col])
        return "enum_invalid"
    if kind == "date_invalid":
        cols[spec["date"]][r] = choice(BAD_DATES)
        return "date_invalid"
    if kind == "end_date_invalid":
        col = choice([c for c in spec["other_dates"] if c in present])
        cols[col][r] = choice(BAD_DATES)
        return "date_invalid"
    if kind == "date_in_future":
        t.day[r] = ctx.today + int(rng.integers(1, 400))
        cols[spec["date"]][r] = date_text(ctx.date_of(t.day[r]), choice(["iso", "iso", "zh", "slash"]))
        return "date_in_future"
    if kind == "amount_invalid":
        cols[choice([c for c in spec["amounts"] if c in present])][r] = choice(BAD_AMOUNTS)
        return "amount_invalid"
    if kind == "amount_unit":
        yuan = int(rng.integers(100_001, 5_000_000)) // 100 * 100
        cols["CF_NR_FK"][r] = str(yuan)
        if f.fmt in ("xlsx", "jsonl"):
            t.cells[(r, "CF_NR_FK")] = yuan
        return "amount_unit"
    if kind == "date_order":
        cols["XK_YXQZI"][r] = ctx.iso[t.day[r] - ctx.lo - int(rng.integers(1, 400))]
        return "date_order"
    if kind == "date_format":
        forms = DATE_FORMS if f.fmt == "xlsx" else DATE_FORMS[:-1]
        t.forms_used += 1
        form = forms[t.forms_used % len(forms)]
        d = ctx.date_of(t.day[r])
        cols[spec["date"]][r] = date_text(d, form)
        if f.fmt == "xlsx" and form == "cell":
            t.cells[(r, spec["date"])] = datetime(d.year, d.month, d.day)
        elif f.fmt == "xlsx" and form == "serial":
            t.cells[(r, spec["date"])] = int(cols[spec["date"]][r])
        end = {"penalties": "CF_YXQ", "licenses": "XK_YXQZI"}.get(t.dataset)
        if end and end in present and rng.random() < 0.5:
            cols[end][r] = choice(["长期", "2099-12-31", "2099/12/31", "长期有效"])
        return None
    if kind == "simple_procedure":
        cols["CF_AJCXLB"][r] = choice(["01", "01", "简易程序"])
        warning = rng.random() < 0.4
        fine = (
            ""
            if warning
            else choice(["0.005", "0.01", "0.02"] if t.kind[r] == 1 else ["0.05", "0.1", "0.2", "0.3"])
        )
        cols["CF_CFLB"][r] = "警告" if warning else "罚款"
        cols["CF_NR"][r] = "警告" if warning else f"罚款人民币{_yuan(fine)}元"
        cols["CF_NR_FK"][r], cols["CF_NR_WFFF"][r], cols["CF_NR_ZKDX"][r] = fine, "", ""
        return "excluded_simple_procedure"
    raise ValueError(kind)


def _rare_names(ctx: Context, t: Table) -> None:
    """GB18030 files carry names GBK cannot encode (𠀀, 䶮): an organisation renamed in each."""
    name_col = {"penalties": "CF_XDR_MC", "licenses": "XK_XDR_MC", "honors": "RY_MC", "court_dishonest": "SX_MC",
                "repairs": "XF_ZTMC", "subject_requests": "SQ_ZTMC", "credit_commitments": "CN_ZT_MC"}.get(t.dataset)  # fmt: skip
    if name_col is None:
        return
    subjects, seen = np.unique(t.subject, return_counts=True)
    once = set(subjects[seen == 1].tolist())
    for f in t.files:
        if f.fmt != "csv_gb18030":
            continue
        rows = [r for r in range(f.start, f.stop) if t.kind[r] == 0 and t.tag[r] < 0 and r not in t.malformed]
        rows.sort(key=lambda r: int(t.subject[r]) not in once)  # organisations with one record here first
        for r, char in zip(rows[:2], ["𠀀", "䶮"][: len(rows[:2])], strict=True):
            town = PLACES[ctx.universe.town[t.subject[r]]][0]
            name = f"{town}市{char}{NAME_B[r % len(NAME_B)]}{TRADES[r % len(TRADES)]}有限公司"
            t.cols[name_col][r] = name
            if t.dataset in RECORD_DATASETS and int(t.subject[r]) in once:
                ctx.universe.name[t.subject[r]] = name  # events about it quote this name


# ---------------------------------------------------------------------------------------
# Writers.
# ---------------------------------------------------------------------------------------


def _numeric(value: str):
    if re.fullmatch(r"[0-9]+", value):
        return int(value)
    if re.fullmatch(r"[0-9]+\.[0-9]+", value) and repr(float(value)) == value:
        return float(value)
    return None


def write_file(ctx: Context, t: Table, f: FilePlan, folder: Path) -> None:
    path = folder / f.name
    stop = f.stop - (1 if (f.stop - 1) in t.malformed else 0)
    if f.fmt.startswith("csv"):
        # In memory by chunks, encoded once per chunk: a text file's per-row encoding (and
        # utf-8-sig's Python-level encoder) would double the time of a million rows.
        encoding = "utf-8" if f.fmt == "csv_bom" else ENCODINGS[f.fmt]
        with path.open("wb") as fh:
            if f.fmt == "csv_bom":
                fh.write(b"\xef\xbb\xbf")
            for chunk_start in range(f.start, max(stop, f.start + 1), 50_000):
                chunk_stop = min(stop, chunk_start + 50_000)
                buf = io.StringIO()
                writer = csv.writer(buf)
                if chunk_start == f.start:
                    writer.writerow(f.header_names)
                writer.writerows(
                    zip(*[t.cols[c][chunk_start:chunk_stop].tolist() for c in f.columns], strict=True)
                )
                fh.write(buf.getvalue().encode(encoding))
            if stop < f.stop:
                fh.write((t.malformed[stop] + "\r\n").encode(encoding))
    elif f.fmt == "xlsx":
        path.write_bytes(_xlsx_bytes(ctx, t, f, stop))
    else:
        amounts = set(t.spec.get("amounts", []))
        required = {x["code"] for x in _layout(t.dataset)["fields"] if x.get("required")}
        lines = []
        for r in range(f.start, stop):
            obj = {}
            for c in f.columns:
                typed = t.cells.get((r, c))
                value = t.cols[c][r]
                if typed is not None and not isinstance(typed, datetime):
                    obj[c] = typed
                elif value == "" and c not in required:
                    continue  # JSON producers leave empty fields out
                elif c in amounts and _numeric(value) is not None:
                    obj[c] = _numeric(value)
                else:
                    obj[c] = value
            lines.append(json.dumps(obj, ensure_ascii=False))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def _xlsx_bytes(ctx: Context, t: Table, f: FilePlan, stop: int) -> bytes:
    """First sheet, identifiers as text cells (format @); planted Excel damage as number cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    fields = {x["code"]: x for x in _layout(t.dataset)["fields"]}
    ident = {c for c, x in fields.items() if x["kind"] in ("uscc", "person_id", "subject_key")}
    ident |= {
        c
        for c in fields
        if c.endswith(("_GSZC", "_ZZJG", "_SWDJ", "_SYDW", "_SHZZ", "JGDM", "LYDM", "SJLYDM"))
    }
    amounts = set(t.spec.get("amounts", []))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(t.dataset)
    ws.append(f.header_names)
    for r in range(f.start, stop):
        row = []
        for c in f.columns:
            typed = t.cells.get((r, c))
            value = t.cols[c][r]
            if typed is not None:
                cell = WriteOnlyCell(ws, value=typed)
                if isinstance(typed, datetime):
                    cell.number_format = "yyyy-mm-dd"
                row.append(cell)
            elif value == "":
                row.append(None)
            elif c in ident:
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "@"
                row.append(cell)
            elif c in amounts and _numeric(value) is not None:
                row.append(_numeric(value))
            else:
                row.append(value)
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return _stable_zip(buf.getvalue(), ctx.as_of)


def _stable_zip(data: bytes, as_of: date) -> bytes:
    """openpyxl stamps the save time into docProps/core.xml and every zip entry: pin both,
    so the same seed gives the same bytes."""
    stamp = f"{as_of.isoformat()}T00:00:00Z".encode()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + stamp + rb"\g<2>",
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=(as_of.year, as_of.month, as_of.day, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, content)
    return out.getvalue()


# ---------------------------------------------------------------------------------------
# truth.json
# ---------------------------------------------------------------------------------------


def _file_summary(ctx: Context, t: Table, f: FilePlan) -> dict:
    outcomes = t.outcome[f.start : f.stop]
    reasons: dict[str, int] = {}
    fates = {"loaded": 0, "quarantined": 0, "excluded": 0}
    for index, c in zip(*np.unique(outcomes, return_counts=True), strict=True):
        fate, reason = ctx.outcomes[int(index)]
        fates[fate] += int(c)
        if reason:
            reasons[reason] = reasons.get(reason, 0) + int(c)
    return {
        "dataset": t.dataset, "format": f.fmt, "encoding": ENCODINGS.get(f.fmt, "utf-8"),
        "headers": f.headers, "rows_in": f.stop - f.start, **fates, "reasons": dict(sorted(reasons.items())),
    }  # fmt: skip


def _expected_lines(ctx: Context, t: Table, f: FilePlan) -> Iterable[str]:
    snippets: dict[tuple[int, int], str] = {}

    def snippet(o: int, tag: int) -> str:
        if (o, tag) not in snippets:
            fate, reason = ctx.outcomes[o]
            entry = {"fate": fate, "reason": reason} | ({"kind": KIND_NAMES[tag]} if tag >= 0 else {})
            snippets[(o, tag)] = json.dumps(entry, ensure_ascii=False)
        return snippets[(o, tag)]

    outcome, tag = t.outcome.tolist(), t.tag.tolist()
    for r in range(f.start, f.stop):
        yield f'  "{f.name}:{r - f.start + _first_line(f)}": {snippet(outcome[r], tag[r])}'


def _unique(values) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def write_truth(ctx: Context, out: Path, tables: list[Table], params: dict, counts: dict) -> None:
    u = ctx.universe
    loaded_by_dataset = {}
    for t in tables:
        if t.dataset in RECORD_DATASETS:
            ok = (
                (t.outcome == 0)
                & (t.kind == 0)
                & np.array([not k.startswith("masked:") for k in t.key.tolist()])
            )
            loaded_by_dataset[t.dataset] = _unique(t.key[ok].tolist())
    events = []
    for t in tables:
        if t.refs is None:
            continue
        for r in range(t.n):
            file, number = t.locate(r)
            fate, reason = ctx.outcomes[int(t.outcome[r])]
            events.append({"dataset": t.dataset, "file": file, "row": number, "id": t.cols[t.spec["number"]][r],
                           "date": ctx.date_of(t.day[r]).isoformat(), "subject_code": t.key[r],
                           "fate": fate, "reason": reason} | t.refs[r])  # fmt: skip
    head = {
        "seed": params["seed"], "as_of": ctx.as_of.isoformat(), "profile": "national",
        "note": "fates and reasons as creditlake.landing assigns them under the national profile; row numbers as "
                "landing reports them (the line in the file: header = line 1; JSON Lines have no header)",
        "params": params,
        "files": {f.name: _file_summary(ctx, t, f) for t in tables for f in t.files},
        "defects": counts,
    }  # fmt: skip
    tail = {
        "planted_ids": _unique(u.p_id[ctx.used["i"]].tolist()),
        "planted_phones": _unique(u.p_mobile[ctx.used["m"]].tolist()),
        "protected_names": _unique(u.p_name[ctx.used["n"]].tolist()),
        "loaded_orgs": loaded_by_dataset.get("penalties", []),
        "loaded_orgs_by_dataset": loaded_by_dataset,
        "planted_landlines": _unique(u.p_landline[ctx.used["l"]].tolist()),
        "planted_emails": _unique(u.p_email[ctx.used["e"]].tolist()),
        "planted_bank_cards": _unique(u.p_card[ctx.used["c"]].tolist()),
        "planted_documents": _unique(ctx.documents),
        "third_party_names": _unique(u.p_name[ctx.third_party & ~ctx.used["n"]].tolist()),
    }
    dumps = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731
    with (out / "truth.json").open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("{\n")
        for k, v in head.items():
            fh.write(f" {dumps(k)}: {json.dumps(v, ensure_ascii=False, indent=1)},\n")
        fh.write(' "expected": {\n')
        fh.write(",\n".join(line for t in tables for f in t.files for line in _expected_lines(ctx, t, f)))
        fh.write('\n },\n "events": [\n')
        fh.write(",\n".join("  " + dumps(e) for e in events))
        fh.write("\n ],\n")
        fh.write(",\n".join(f" {dumps(k)}: {dumps(v)}" for k, v in tail.items()))
        fh.write("\n}\n")


# ---------------------------------------------------------------------------------------
# The entry point.
# ---------------------------------------------------------------------------------------

_GENERATED = re.compile(r"^(" + "|".join(DATASETS) + r")_\d{4}\.(csv|xlsx|jsonl)$")


def _formats(formats, full: bool) -> list[str]:
    if formats is None:
        return list(FORMATS) if full else ["csv_bom"]
    if isinstance(formats, str):
        formats = [x.strip() for x in formats.split(",") if x.strip()]
    formats = list(dict.fromkeys(formats))
    unknown = [x for x in formats if x not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"unknown formats {unknown}; choose from {', '.join(FORMATS)}")
    return formats


def _sizes(
    full: bool, penalties: int, licenses, court_dishonest, honors, events, commitments=None
) -> dict[str, int]:
    def size(value, default: int) -> int:
        value = default if value is None else int(value)
        if value < 0:
            raise ValueError("sizes must not be negative")
        return value

    sizes = {
        "penalties": size(penalties, 200),
        "licenses": size(licenses, max(20, penalties // 2) if full else 0),
        "court_dishonest": size(court_dishonest, max(30, penalties // 10) if full else 0),
        "honors": size(honors, max(30, penalties // 10) if full else 0),
        "credit_commitments": size(commitments, max(12, penalties // 20) if full else 0),
        "serious_determinations": max(6, penalties // 200) if full else 0,
    }
    if isinstance(events, dict):
        unknown = set(events) - set(EVENT_DATASETS)
        if unknown:
            raise ValueError(
                f"unknown event datasets {sorted(unknown)}; choose from {', '.join(EVENT_DATASETS)}"
            )
        sizes |= {k: size(events.get(k), 0) for k in EVENT_DATASETS}
    else:
        total = size(events, max(40, penalties // 20) if full else 0)
        shares = {"repairs": 0.3, "revocations": 0.25, "objections": 0.2, "subject_requests": 0.15}
        sizes |= {k: int(round(total * s)) for k, s in shares.items()}
    return sizes


def generate(
    out: Path,
    *,
    seed: int = 7,
    penalties: int = 200,
    as_of: date = AS_OF,
    defect_rate: float = 0.05,
    full: bool = True,
    licenses: int | None = None,
    court_dishonest: int | None = None,
    honors: int | None = None,
    events: int | dict | None = None,
    formats=None,
    defects: dict[str, float] | None = None,
    commitments: int | None = None,
) -> Path:
    """Write synthetic extracts under `out` (one folder per dataset) and `out/truth.json`.

    Sizes: `penalties` rows; `licenses`, `court_dishonest`, `honors`, `commitments` (信用承诺)
    rows and `events` (a total split over repairs / revocations / objection cases / subject
    requests, or a dict per event dataset). Unset sizes are 0 unless `full`, which makes
    them proportional to `penalties` (1/2, 1/10, 1/10, 1/20 but at least 12, 1/20). `formats`: any of csv_bom, csv,
    csv_gb18030, xlsx, jsonl (default: all if `full`, else csv_bom); the first takes the
    bulk of each dataset. `defect_rate`: the share of rows carrying a planted defect,
    split evenly over the kinds a dataset can carry; `defects` sets a kind's share
    (0 turns it off). Same arguments and seed, same bytes.

    truth.json: `expected` ("file:row" -> {fate, reason[, kind][, line]}) for every row,
    `files` (per-file counts as `land_file` reports them), `events` (each event row with
    what it refers to), `defects` (counts per dataset and kind), `planted_ids`,
    `planted_phones`, `protected_names`, `loaded_orgs` (penalties' organisations that
    load), `loaded_orgs_by_dataset`, `planted_landlines`, `planted_emails`,
    `planted_bank_cards`, `planted_documents`, `third_party_names`.
    """
    out = Path(out)
    sizes = _sizes(full, penalties, licenses, court_dishonest, honors, events, commitments)
    fmts = _formats(formats, full)
    if not 0 <= defect_rate <= 1:
        raise ValueError("defect_rate is a share between 0 and 1")
    ctx = Context(seed, as_of, defect_rate, defects)
    records = sum(sizes[d] for d in RECORD_DATASETS)
    ctx.universe = build_universe(ctx.rng, max(records, 1), as_of)
    persons = len(ctx.universe.p_name)
    ctx.used = {letter: np.zeros(persons, bool) for letter in "nimlec"}
    ctx.third_party = np.zeros(persons, bool)

    out.mkdir(parents=True, exist_ok=True)
    for dataset in DATASETS:  # earlier runs' files would otherwise land beside this run's
        folder = out / dataset
        if folder.is_dir():
            for p in folder.iterdir():
                if _GENERATED.match(p.name):
                    p.unlink()

    tables: list[Table] = []
    counts: dict[str, dict[str, int]] = {}
    pool: dict[str, Targets] = {}
    builders = {"penalties": build_penalties, "licenses": build_licenses, "court_dishonest": build_court,
                "honors": build_honors, "credit_commitments": build_commitments}  # fmt: skip
    event_builders = {"repairs": build_repairs, "revocations": build_revocations, "objections": build_objections,
                      "subject_requests": build_requests,
                      "serious_determinations": build_determinations}  # fmt: skip
    for dataset in DATASETS:
        if dataset in builders:
            table = builders[dataset](ctx, sizes[dataset]) if sizes[dataset] else None
        else:
            table = event_builders[dataset](ctx, sizes[dataset], pool)
        if table is None or table.n == 0:
            continue
        table.files = plan_files(ctx, table, fmts)
        counts[dataset] = plant_defects(ctx, table)
        _rare_names(ctx, table)
        folder = out / dataset
        folder.mkdir(parents=True, exist_ok=True)
        for f in table.files:
            write_file(ctx, table, f, folder)
        if dataset in RECORD_DATASETS:
            pool[dataset] = targets(table)
        keep = {
            table.spec["number"],
            *NAME_COLUMNS.values(),
            *("CF_SJLY", "XK_LYDW", "RY_SJLY", "SX_ZXFY", "RY_RYLB"),
        }
        table.cols = {k: v for k, v in table.cols.items() if k in keep}  # free the rest
        table.cells = {}
        tables.append(table)
    params = {"seed": seed, "penalties": sizes["penalties"], "sizes": sizes, "as_of": as_of.isoformat(),
              "defect_rate": defect_rate, "defects": dict(defects or {}), "formats": fmts, "full": full}  # fmt: skip
    write_truth(ctx, out, tables, params, counts)
    return out
