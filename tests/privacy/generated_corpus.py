"""A labelled corpus of free text with personal data planted in it, for measuring the desensitiser.

    from tests.privacy.generated_corpus import generate_corpus
    samples = generate_corpus(2000, seed=1)

Each `Sample` is one free-text value in the style of 违法事实 / 处罚内容, the personal names the
record itself carries (what `open_data` passes to `desensitise_column`: the subject when it
is a natural person, the legal representative), the exact spans of every planted entity,
and the spans of *decoys*: things that look like personal data and must stay as they are.

Entity labels are the desensitiser's entity types; `kind` refines them for the report:

| label              | kinds                                                                         |
|--------------------|-------------------------------------------------------------------------------|
| `PERSON`           | `record` (passed in `names`), `record_not_passed` (the record's own names in  |
|                    | the 4% of records that reach the publisher without them), `cued` (role word   |
|                    | before it: 员工/负责人/...), `listed` (after 、/和 in a list), `described`      |
|                    | (followed by （男， / ，身份证号), `uncued` (no role word: 委托X办理, 与X签订)   |
| `CN_CITIZEN_ID`    | `id18`, `id18x` (ends in x/X), `id15` (legacy, no check digit)                |
| `CN_PHONE`         | `mobile`, `mobile_sep` (138-1234-5678, +86 ...), `mobile_fullwidth`,          |
|                    | `landline` (0431-88886666, (0431)88886666, ...), `local` (电话88886666)        |
| `CN_BANK_CARD`     | `card` (16-19 digits, Luhn-valid), `card_grouped` (6222 0212 ...)             |
| `EMAIL_ADDRESS`    | `email`                                                                       |
| `CN_LICENSE_PLATE` | `plate`, `plate_ne` (new-energy 粤B·D12345)                                   |

Decoy kinds: `id_bad_checksum`, `card_bad_luhn`, `decision_no`, `case_no`, `uscc`, `uscc_digits`,
`reg_no` (15-digit 注册号), `licence_no`, `date_compact`, `amount`, `order_no`, `invoice_code`,
`icp_no`, `masked_name` (张某, 李*), `masked_phone`, `org_name` (also without the town:
当事人金源商贸有限公司), `phrase` (a role word followed by a word that starts with a surname
character: 当事人于当日, 负责人安排员工, 当事人陈述, 当事人钱款, 经营者张贴).

Names: a common surname (70% from the 40 most frequent), one or two given characters from a
pool of about 170, a few compound surnames (欧阳), and 3% that are ordinary words too (高明,
马力, 时光: the hard cases). Texts are about 70-180 characters; 30% hold a natural person as
the subject, the rest an organisation with its legal representative.

The detector and this corpus were written by the same hand: the corpus is varied on purpose
(several phrasings per clause, decoys after role words), but a real, hand-labelled extract is
the only fair test of name recall; treat the numbers as an upper bound for names.

Every identifier is made up: IDs and cards have valid (or, for decoys, deliberately wrong)
check digits on random bodies; phone numbers are random.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from creditlake.identifiers import USCC_ALPHABET, citizen_id_check_char, luhn_check_digit, uscc_check_char

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫"
    "孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅"
    "童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车"
    "项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲"
    "虞敖巩明佘池麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼满闻位厉伊仝郜海阚花"
    "权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊"
)
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "令狐",
    "慕容",
    "尉迟",
    "长孙",
    "夏侯",
    "公孙",
    "司徒",
    "宇文",
    "端木",
    "独孤",
    "南宫",
    "轩辕",
    "呼延",
    "申屠",
    "钟离",
    "赫连",
)
# Weighted toward the frequent surnames, as real populations are.
_FREQUENT = SURNAMES[:40]
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志红玉海燕文波晓东春梅丹宇鹏辉飞鑫浩宁博琳瑶"
    "秀珍凤云莲荣婷雪琴慧颖佳晶倩露月莹欣怡嘉雯蕾薇璐悦涵萱晨阳林彬斌俊峰鸿宏亮龙凯毅振健坤鹤翔帆"
    "成康家庆新立永德福贵祥胜利光天达安岩中茂进学诚先敬世舟义信良栋维启克伦翰朗伯瀚澜泽宸睿哲轩浩"
    "淑惠珠翠秋菊育蓉眉君琦素媛莉萍丽岚娅娥琼妍茜黛青倩婉娴瑞凡晗昊"
)
# Given names that are also dictionary words (海燕 petrel, 高明 brilliant): the hard cases.
WORDLIKE_NAMES = (
    "高明",
    "江涛",
    "王海燕",
    "林海",
    "方正",
    "金鑫",
    "安静",
    "常胜",
    "文明",
    "白雪",
    "石磊",
    "马力",
    "黄河",
    "向阳",
    "于洋",
    "时光",
    "宁静",
    "田野",
    "华山",
    "雷鸣",
)

DIVISIONS = (
    "110105",
    "120101",
    "130102",
    "210102",
    "220102",
    "220104",
    "220106",
    "220203",
    "220302",
    "222401",
    "230102",
    "230103",
    "230602",
    "310104",
    "320106",
    "330106",
    "370102",
    "410105",
    "420106",
    "440103",
    "440106",
    "440305",
    "440604",
    "450103",
    "510104",
    "610103",
    "620102",
)
TOWNS = (
    "长春市",
    "吉林市",
    "四平市",
    "延吉市",
    "哈尔滨市",
    "齐齐哈尔市",
    "大庆市",
    "广州市",
    "深圳市",
    "佛山市",
    "东莞市",
    "白山市",
    "松原市",
    "通化市",
    "黄山市",
    "金华市",
    "安阳市",
    "高州市",
)
DISTRICTS = (
    "朝阳区",
    "南关区",
    "宽城区",
    "绿园区",
    "二道区",
    "南岗区",
    "道里区",
    "天河区",
    "越秀区",
    "南山区",
    "禅城区",
    "高新区",
    "经开区",
    "净月区",
)
ROADS = (
    "人民大街",
    "解放大路",
    "自由大路",
    "红旗街",
    "中山路",
    "建设街",
    "长江路",
    "黄河路",
    "珠江新城华夏路",
    "卫星路",
    "临河街",
    "同志街",
    "工农大路",
)
TRADE_NAMES = (
    "金源",
    "华泰",
    "鑫瑞",
    "宏达",
    "恒通",
    "瑞丰",
    "泰康",
    "盛隆",
    "银安",
    "达信",
    "永盛",
    "天成",
    "高科",
    "安泰",
    "国信",
    "万通",
    "明辉",
    "海川",
    "平安",
    "文华",
)
TRADES = (
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
    "汽车销售服务",
    "农资",
    "物业服务",
    "装饰工程",
    "酒业",
    "超市",
)
FORMS = ("有限公司", "有限责任公司", "股份有限公司", "分公司")
SHOPS = (
    "副食店",
    "便利店",
    "超市",
    "药房",
    "诊所",
    "五金建材商店",
    "烟酒商行",
    "小吃部",
    "美发店",
    "汽车修理部",
)
VIOLATIONS = (
    "销售超过保质期的食品",
    "未按规定公示年度报告",
    "超标排放大气污染物",
    "未取得施工许可证擅自施工",
    "未按规定开展安全生产教育培训",
    "发布虚假广告",
    "未取得食品经营许可从事食品经营活动",
    "销售不合格的电线电缆",
    "使用未经检验的特种设备",
    "未按规定建立并执行进货查验制度",
    "擅自改变消防设施用途",
    "无证经营",
    "销售假冒注册商标的商品",
    "未经许可从事道路货物运输经营",
    "将工程转包给不具备资质的单位",
    "未按规定如实记录药品购销情况",
    "违规处置危险废物",
    "在禁止区域内露天焚烧垃圾",
    "未明码标价",
    "利用不合格计量器具进行经营",
    "伪造检测报告",
    "超限超载运输",
    "非法占用耕地建房",
    "未依法取得排污许可证排放污染物",
    "违法收集个人信息",
    "拒不执行停产整顿决定",
)
GOODS = ("白酒", "奶粉", "冷冻肉品", "电线电缆", "化妆品", "农药", "儿童玩具", "保健食品", "成品油", "钢材")
ROLES = (
    "员工",
    "职工",
    "工作人员",
    "店员",
    "负责人",
    "现场负责人",
    "经理",
    "总经理",
    "销售经理",
    "联系人",
    "驾驶人",
    "驾驶员",
    "司机",
    "股东",
    "监事",
    "实际控制人",
    "安全员",
    "仓库保管员",
    "收银员",
    "厨师",
    "会计",
    "出纳",
    "业务员",
    "委托代理人",
    "技术负责人",
    "质量负责人",
    "施工员",
    "项目经理",
    "电工",
    "焊工",
)
CARD_BINS = (
    "622202",
    "622848",
    "621700",
    "622588",
    "621226",
    "622700",
    "625965",
    "623058",
    "621483",
    "622262",
    "436742",
    "622609",
    "621661",
    "622908",
)
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "147",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "170",
    "171",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)
AREA_CODES = (
    "0431",
    "0432",
    "0434",
    "0433",
    "0451",
    "0452",
    "0459",
    "020",
    "0755",
    "0757",
    "010",
    "021",
    "024",
    "0439",
    "0438",
)
PROVINCE_PLATES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
EMAIL_DOMAINS = (
    "163.com",
    "126.com",
    "qq.com",
    "sina.com",
    "hotmail.com",
    "gmail.com",
    "foxmail.com",
    "139.com",
)
PINYIN = (
    "zhang",
    "wang",
    "li",
    "liu",
    "chen",
    "yang",
    "zhao",
    "wei",
    "fang",
    "jing",
    "ming",
    "hua",
    "lei",
    "jun",
    "tao",
    "xia",
    "hong",
    "yan",
    "bo",
    "dong",
)
AGENCY_ABBR = (
    "长市监",
    "吉市监",
    "四市监",
    "长环",
    "哈应急",
    "穗市监",
    "深市监",
    "佛市监",
    "延市监",
    "长综执",
)
# Role words followed by a phrase that starts with a surname character: must stay as they are.
SURNAME_PHRASES = (
    ("当事人", "于当日", "补办了相关手续，"),
    ("负责人", "安排员工", "清理现场，"),
    ("经检测，", "高于国家标准", "，"),
    ("当事人", "向社会", "公开承诺整改，"),
    ("当事人持有的", "许可证", "已过期，"),
    ("店内", "黄金饰品", "未明码标价，"),
    ("经理", "明知", "产品不合格仍继续销售，"),
    ("员工", "和顾客", "均在场，"),
    ("法定代表人", "常年", "在外地，"),
    ("当事人", "于次日", "停止销售，"),
    ("负责人", "时常", "不在岗，"),
    ("员工", "安全意识", "淡薄，"),
    ("当事人", "高价", "收购，"),
    ("联系人", "未能", "到场，"),
    ("股东", "会议", "决议，"),
    ("当事人", "方面", "表示，"),
    ("负责人", "向执法人员", "提供了账册，"),
    ("员工", "宁愿", "违规操作，"),
    ("当事人", "明确", "表示认可，"),
    ("驾驶员", "司机", "培训记录缺失，"),
    ("当事人", "陈述", "申辩意见不成立，"),
    ("当事人", "高度重视", "并积极整改，"),
    ("员工", "宿舍", "内存放易燃物品，"),
    ("当事人", "成立于", "2015年，"),
    ("负责人", "任职", "期间，"),
    ("当事人", "钱款", "去向不明，"),
    ("当事人", "包装", "标识不全，"),
    ("当事人", "安全", "管理制度缺失，"),
    ("当事人", "明显", "存在过错，"),
    ("当事人", "平时", "疏于管理，"),
    ("员工", "严重", "违反操作规程，"),
    ("当事人", "江北", "分店未办理登记，"),
    ("当事人", "华南", "区域仓库内，"),
    ("经营者", "张贴", "的价签不实，"),
    ("当事人", "何时", "购进无法说明，"),
    ("负责人", "金某", "在场，"),
    ("当事人", "周边", "居民投诉，"),
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str  # entity type (PERSON, CN_CITIZEN_ID, ...) or "DECOY"
    kind: str
    value: str


@dataclass(frozen=True)
class Sample:
    text: str
    names: tuple[str, ...]  # the record's own personal names, as open_data passes them
    entities: tuple[Span, ...]
    decoys: tuple[Span, ...]


@dataclass
class _Text:
    """Builds a text piece by piece and remembers where each planted value landed."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    entities: list[Span] = field(default_factory=list)
    decoys: list[Span] = field(default_factory=list)

    def add(self, *pieces: str) -> _Text:
        for piece in pieces:
            self.parts.append(piece)
            self.length += len(piece)
        return self

    def entity(self, value: str, label: str, kind: str) -> _Text:
        self.entities.append(Span(self.length, self.length + len(value), label, kind, value))
        return self.add(value)

    def decoy(self, value: str, kind: str) -> _Text:
        self.decoys.append(Span(self.length, self.length + len(value), "DECOY", kind, value))
        return self.add(value)

    def text(self) -> str:
        return "".join(self.parts)


# --- values -------------------------------------------------------------------------------------


def make_name(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.03:
        return rng.choice(WORDLIKE_NAMES)
    if r < 0.045:
        return rng.choice(COMPOUND_SURNAMES) + "".join(
            rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2)))
        )
    surname = rng.choice(_FREQUENT) if rng.random() < 0.7 else rng.choice(SURNAMES)
    return surname + "".join(rng.choice(GIVEN_CHARS) for _ in range(1 if rng.random() < 0.35 else 2))


def _birth(rng: random.Random) -> date:
    return date(1950, 1, 1) + timedelta(days=rng.randint(0, 55 * 365))


def make_citizen_id(rng: random.Random, *, valid: bool = True, x_ending: bool = False) -> str:
    for _ in range(1000):
        body = rng.choice(DIVISIONS) + _birth(rng).strftime("%Y%m%d") + f"{rng.randint(0, 999):03d}"
        check = citizen_id_check_char(body)
        if x_ending != (check == "X"):
            continue
        if valid:
            return body + (check.lower() if check == "X" and rng.random() < 0.3 else check)
        return body + rng.choice([c for c in "0123456789X" if c != check])
    raise RuntimeError("no ID with the requested check digit")


def make_id15(rng: random.Random) -> str:
    return rng.choice(DIVISIONS) + _birth(rng).strftime("%y%m%d") + f"{rng.randint(0, 999):03d}"


def make_card(rng: random.Random, *, valid: bool = True) -> str:
    length = rng.choices((16, 17, 18, 19), weights=(30, 3, 4, 63))[0]
    body = rng.choice(CARD_BINS) + "".join(rng.choice("0123456789") for _ in range(length - 7))
    check = luhn_check_digit(body)
    return body + (check if valid else str((int(check) + rng.randint(1, 9)) % 10))


def make_mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


def make_uscc(rng: random.Random, *, digits_only: bool = False) -> str:
    alphabet = "0123456789" if digits_only else USCC_ALPHABET
    while True:
        body = rng.choice(("91", "92", "93", "12", "52")) + rng.choice(DIVISIONS)
        body += "".join(rng.choice(alphabet) for _ in range(9))
        check = uscc_check_char(body)
        if not digits_only or check.isdigit():
            return body + check


def make_plate(rng: random.Random) -> tuple[str, str]:
    province, city = rng.choice(PROVINCE_PLATES), rng.choice(PLATE_LETTERS[:12])
    dot = "·" if rng.random() < 0.3 else ""
    if rng.random() < 0.25:  # new-energy: D/F then 5, or 5 digits then D/F (large vehicles)
        tail = rng.choice("DF") + rng.choice("0123456789" + PLATE_LETTERS) + f"{rng.randint(0, 9999):04d}"
        if rng.random() < 0.2:
            tail = f"{rng.randint(0, 99999):05d}" + rng.choice("DF")
        return province + city + dot + tail, "plate_ne"
    tail = list(f"{rng.randint(0, 99999):05d}")
    for _ in range(rng.choice((0, 0, 1, 2))):
        tail[rng.randrange(5)] = rng.choice(PLATE_LETTERS)
    plate = province + city + dot + "".join(tail)
    if rng.random() < 0.05:
        plate = province + city + "".join(tail[:4]) + "挂"
    return plate, "plate"


def _email(rng: random.Random) -> str:
    local = rng.choice(PINYIN) + rng.choice(("", ".", "_")) + rng.choice(PINYIN)
    if rng.random() < 0.6:
        local += str(rng.randint(1, 2005))
    if rng.random() < 0.15:
        return f"{local}@{rng.choice(('jinyuan', 'huatai', 'hongda', 'ruifeng'))}-trade.com.cn"
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def _date_cn(rng: random.Random) -> str:
    d = date(2023, 1, 1) + timedelta(days=rng.randint(0, 1000))
    return rng.choice(
        (
            f"{d.year}年{d.month}月{d.day}日",
            f"{d.year}年{d.month:02d}月{d.day:02d}日",
            f"{d.year}-{d.month:02d}-{d.day:02d}",
            f"{d.year}.{d.month}.{d.day}",
        )
    )


def _date_compact(rng: random.Random) -> str:
    d = date(2023, 1, 1) + timedelta(days=rng.randint(0, 1000))
    return d.strftime("%Y%m%d")


def _amount(rng: random.Random) -> str:
    return rng.choice(
        (
            f"{rng.randint(1, 200) * 500}元",
            f"{rng.randint(1, 99)}.{rng.randint(1, 9)}万元",
            f"{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}元",
            f"{rng.randint(10, 999)},{rng.randint(0, 999):03d}元",
            "壹万元整",
        )
    )


def _org(rng: random.Random) -> str:
    town = rng.choice(TOWNS) if rng.random() < 0.85 else ""  # often written without the town
    if rng.random() < 0.2:
        return town + rng.choice(DISTRICTS) + rng.choice(TRADE_NAMES) + rng.choice(SHOPS)
    return town + rng.choice(TRADE_NAMES) + rng.choice(TRADES) + rng.choice(FORMS)


def _address(rng: random.Random) -> str:
    return f"{rng.choice(TOWNS)}{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randint(1, 3999)}号"


# --- planting helpers ---------------------------------------------------------------------------


def _phone(t: _Text, rng: random.Random, *, mobile_only: bool = False) -> None:
    r = rng.random()
    if mobile_only or r < 0.62:
        m = make_mobile(rng)
        s = rng.random()
        if s < 0.75:
            t.entity(m, "CN_PHONE", "mobile")
        elif s < 0.97:
            form = rng.choice(
                (
                    f"{m[:3]}-{m[3:7]}-{m[7:]}",
                    f"{m[:3]} {m[3:7]} {m[7:]}",
                    f"+86{m}",
                    f"+86 {m}",
                    f"+86-{m[:3]}-{m[3:7]}-{m[7:]}",
                    f"86-{m}",
                )
            )
            t.entity(form, "CN_PHONE", "mobile_sep")
        else:
            t.entity(m.translate(_FULLWIDTH), "CN_PHONE", "mobile_fullwidth")
    elif r < 0.92:
        area = rng.choice(AREA_CODES)
        local = str(rng.randint(2, 8)) + "".join(
            rng.choice("0123456789") for _ in range(rng.choice((6, 7, 7, 7)))
        )
        form = rng.choice(
            (
                f"{area}-{local}",
                f"{area}-{local}",
                f"({area}){local}",
                f"（{area}）{local}",
                f"{area} {local}",
                f"{area}－{local}",
            )
        )
        t.entity(form, "CN_PHONE", "landline")
    else:
        local = str(rng.randint(2, 8)) + "".join(rng.choice("0123456789") for _ in range(7))
        t.entity(local, "CN_PHONE", "local")


_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _phone_cue(rng: random.Random) -> str:
    return rng.choice(
        ("联系电话", "联系电话：", "电话", "电话：", "手机", "手机号码", "手机号", "联系方式：", "电话号码为")
    )


def _id(t: _Text, rng: random.Random) -> None:
    r = rng.random()
    if r < 0.9:
        t.entity(make_citizen_id(rng), "CN_CITIZEN_ID", "id18")
    elif r < 0.96:
        t.entity(make_citizen_id(rng, x_ending=True), "CN_CITIZEN_ID", "id18x")
    else:
        t.entity(make_id15(rng), "CN_CITIZEN_ID", "id15")


def _id_cue(rng: random.Random) -> str:
    return rng.choice(
        ("身份证号", "身份证号：", "身份证号码", "公民身份号码：", "身份证号码为", "证件号码：", "身份证")
    )


def _person_details(t: _Text, rng: random.Random) -> None:
    """（男，1985年3月出生，身份证号...，住...，联系电话...）: the details of a natural person."""
    open_, close = ("（", "）") if rng.random() < 0.8 else ("(", ")")
    t.add(open_, rng.choice(("男", "女")))
    if rng.random() < 0.5:
        t.add("，", rng.choice(("汉族", "朝鲜族", "满族", "回族")))
    if rng.random() < 0.5:
        b = _birth(rng)
        t.add(f"，{b.year}年{b.month}月{b.day}日出生")
    t.add("，", _id_cue(rng))
    _id(t, rng)
    if rng.random() < 0.6:
        t.add("，住", _address(rng))
    if rng.random() < 0.5:
        t.add("，", _phone_cue(rng))
        _phone(t, rng)
    t.add(close)


# --- sentences ----------------------------------------------------------------------------------
# Each takes the text being built, the rng and the record (a dict), and appends one clause.


def _s_subject_person(t: _Text, rng: random.Random, rec: dict) -> None:
    name = rec["subject"]
    form = rng.random()
    if form < 0.45:
        t.add(rng.choice(("当事人", "经查，当事人", "当事人：", "被处罚人")))
        t.entity(name, "PERSON", "record")
        _person_details(t, rng)
    elif form < 0.75:
        t.add(rng.choice(("当事人", "经查，当事人", "经营者", "业主")))
        t.entity(name, "PERSON", "record")
        t.add("，", _id_cue(rng))
        _id(t, rng)
        if rng.random() < 0.6:
            t.add("，", _phone_cue(rng))
            _phone(t, rng)
        t.add("，")
    else:  # no role word in front: the record's own name must be found all the same
        t.add(rng.choice(("经查，", "", f"{_date_cn(rng)}，")))
        t.entity(name, "PERSON", "record")
        t.add(
            rng.choice(("在", "于", "未经许可在", "擅自在")),
            _address(rng),
            rng.choice(("经营", "开设", "从事")),
        )
        t.add(rng.choice(SHOPS), "，")


def _s_subject_org(t: _Text, rng: random.Random, rec: dict) -> None:
    org, rep = rec["org"], rec["rep"]
    t.add(rng.choice(("当事人", "经查，当事人", "", "经查，")))
    t.decoy(org, "org_name")
    form = rng.random()
    if form < 0.3:
        t.add("（统一社会信用代码：")
        u = make_uscc(rng, digits_only=rng.random() < 0.4)
        t.decoy(u, "uscc_digits" if u.isdigit() else "uscc")
        t.add("，法定代表人：")
        t.entity(rep, "PERSON", "record")
        t.add("）")
    elif form < 0.55:
        opener = rng.choice(("（法定代表人", "，法定代表人", "（法定代表人：", "，法人代表", "，负责人"))
        t.add(opener)
        t.entity(rep, "PERSON", "record")
        if rng.random() < 0.5:
            t.add("，", _id_cue(rng))
            _id(t, rng)
        if rng.random() < 0.5:
            t.add("，", _phone_cue(rng))
            _phone(t, rng)
        t.add("）" if opener.startswith("（") else "，")
    elif form < 0.7:
        t.add("，住所地", _address(rng), "，法定代表人")
        t.entity(rep, "PERSON", "record")
        t.add("，")
    else:
        t.add(rng.choice(("", "，")))
    t.add(rng.choice(("于", "在", "")), _date_cn(rng), rng.choice(("", "至今", "期间")))


def _s_violation(t: _Text, rng: random.Random, rec: dict) -> None:
    lead = rng.choice(("", "，", "，在其经营场所"))
    t.add(lead.lstrip("，") if t.parts and t.parts[-1].endswith("，") else lead, rng.choice(VIOLATIONS))
    if rng.random() < 0.4:
        t.add(
            "，涉及",
            rng.choice(GOODS),
            rng.choice(("", "共计")),
            str(rng.randint(2, 900)),
            rng.choice(("箱", "件", "公斤", "吨", "瓶")),
        )
    if rng.random() < 0.4:
        t.add("，货值金额")
        t.decoy(_amount(rng), "amount")
    t.add("。")


def _s_staff(t: _Text, rng: random.Random, rec: dict) -> None:
    role = rng.choice(ROLES)
    t.add(rng.choice(("现场", "该公司", "当事人", "该店", "其", "")), role)
    t.add(rng.choice(("", "", "：", "为")))
    t.entity(make_name(rng), "PERSON", "cued")
    for _ in range(rng.choice((0, 0, 0, 1, 2))):
        t.add(rng.choice(("、", "、", "和", "与")))
        t.entity(make_name(rng), "PERSON", "listed")
    if rng.random() < 0.35:
        t.add("（", _phone_cue(rng))
        _phone(t, rng)
        t.add("）")
    t.add(
        rng.choice(
            (
                "在场",
                "未取得相应资格证书上岗作业",
                "未按规定佩戴防护用品",
                "签字确认",
                "对上述事实无异议",
                "配合检查",
                "负责日常经营",
                "未能提供进货凭证",
                "等人参与销售",
                "擅自离岗",
                "的陈述证实",
            )
        )
    )
    t.add(rng.choice(("。", "，")))


def _s_described(t: _Text, rng: random.Random, rec: dict) -> None:
    t.add(
        rng.choice(("经调查，", "另查明，", "", "该案")),
        rng.choice(("涉案人员", "实际经营人", "受雇人员", "相关人员", "")),
    )
    t.entity(make_name(rng), "PERSON", "described")
    if rng.random() < 0.6:
        _person_details(t, rng)
    else:
        t.add("，", _id_cue(rng))
        _id(t, rng)
        t.add("，")
    t.add(
        rng.choice(("参与", "负责", "具体实施了", "协助")),
        rng.choice(("进货", "销售", "运输", "施工", "仓储")),
        "。",
    )


def _s_uncued(t: _Text, rng: random.Random, rec: dict) -> None:
    name = make_name(rng)
    form = rng.randrange(6)
    if form == 0:
        t.add("当事人委托")
        t.entity(name, "PERSON", "uncued")
        t.add("办理", rng.choice(("相关手续", "登记事项", "货物运输")), "。")
    elif form == 1:
        t.add("当事人与")
        t.entity(name, "PERSON", "uncued")
        t.add("签订", rng.choice(("租赁合同", "购销合同", "劳务协议")), "。")
    elif form == 2:
        t.add("涉案", rng.choice(GOODS), "系从")
        t.entity(name, "PERSON", "uncued")
        t.add("处购进，", rng.choice(("未索取票据", "无法提供供货方资质")), "。")
    elif form == 3:
        t.add("上述货物交由")
        t.entity(name, "PERSON", "uncued")
        t.add("销售。")
    elif form == 4:
        t.add("经")
        t.entity(name, "PERSON", "uncued")
        t.add("介绍，当事人", rng.choice(("承接了该工程", "购入上述货物")), "。")
    else:
        t.add("货款汇入")
        t.entity(name, "PERSON", "uncued")
        t.add("个人账户。")


def _s_card(t: _Text, rng: random.Random, rec: dict) -> None:
    t.add(rng.choice(("当事人通过", "货款通过", "违法所得存入")), rng.choice(("其", "")))
    if rng.random() < 0.5:
        t.add(rng.choice(("员工", "负责人", "会计")))
        t.entity(make_name(rng), "PERSON", "cued")
        t.add("的")
    opener = rng.choice(("（卡号：", "（卡号", "，卡号为", "（账号"))
    t.add(rng.choice(("个人银行卡", "银行账户", "银行卡")), opener)
    card = make_card(rng)
    if rng.random() < 0.2:
        t.entity(" ".join(card[i : i + 4] for i in range(0, len(card), 4)), "CN_BANK_CARD", "card_grouped")
    else:
        t.entity(card, "CN_BANK_CARD", "card")
    t.add("）" if opener.startswith("（") else "，", "收取货款")
    t.decoy(_amount(rng), "amount")
    t.add("。")


def _s_email(t: _Text, rng: random.Random, rec: dict) -> None:
    t.add(rng.choice(("当事人通过电子邮箱", "并通过邮箱", "联系邮箱：", "当事人使用邮箱")))
    t.entity(_email(rng), "EMAIL_ADDRESS", "email")
    t.add(rng.choice(("向客户发送报价单。", "接收订单，", "。", "发布广告信息。")))


def _s_plate(t: _Text, rng: random.Random, rec: dict) -> None:
    plate, kind = make_plate(rng)
    role = rng.choice(("驾驶人", "驾驶员", "司机", ""))
    if role:
        t.add(role).entity(make_name(rng), "PERSON", "cued")
    else:
        t.add("当事人")
    t.add(rng.choice(("驾驶", "使用", "利用")))
    t.entity(plate, "CN_LICENSE_PLATE", kind)
    t.add(rng.choice(("号", "")), rng.choice(("重型半挂牵引车", "小型普通客车", "轻型厢式货车", "车辆")))
    t.add(rng.choice(("超限运输", "非法营运", "运输危险化学品", "在禁行区域通行")), "。")


def _s_contact(t: _Text, rng: random.Random, rec: dict) -> None:
    if rng.random() < 0.5:
        t.add(rng.choice(("联系人：", "联系人", "举报人", "投诉人")))
        t.entity(make_name(rng), "PERSON", "cued")
        t.add("，")
    t.add(_phone_cue(rng))
    _phone(t, rng)
    t.add(rng.choice(("。", "，", "；")))


def _s_decoys(t: _Text, rng: random.Random, rec: dict) -> None:
    """Numbers and phrases that look like personal data and are not: one of `_DECOY_CLAUSES`,
    each equally likely."""
    _DECOY_CLAUSES[rng.randrange(len(_DECOY_CLAUSES))](t, rng)


def _decoy_date_compact(t: _Text, rng: random.Random) -> None:
    t.add("执法人员于")
    t.decoy(_date_compact(rng), "date_compact")
    t.add("进行现场检查，")


def _decoy_bad_citizen_id(t: _Text, rng: random.Random) -> None:
    t.add("核查时发现其登记的身份证号")
    t.decoy(make_citizen_id(rng, valid=False), "id_bad_checksum")
    t.add(rng.choice(("与实际不符，", "无法通过校验，")))


def _decoy_bad_card(t: _Text, rng: random.Random) -> None:
    t.add("其提供的银行卡号")
    card = make_card(rng, valid=False)
    t.decoy(card, "card_bad_luhn")
    t.add("无效，")


def _decoy_registration_number(t: _Text, rng: random.Random) -> None:
    t.add("营业执照注册号")
    reg = rng.choice(DIVISIONS) + rng.choice("0123456") + "".join(rng.choice("0123456789") for _ in range(8))
    t.decoy(reg, "reg_no")
    t.add("，")


def _decoy_licence_number(t: _Text, rng: random.Random) -> None:
    lic = rng.choice(
        (
            "JY" + rng.choice(("1", "2")) + rng.choice(DIVISIONS) + f"{rng.randint(0, 9_999_999):07d}",
            f"吉AA{rng.randint(4310000, 4319999)}",
            f"吉交运管许可长字{rng.choice(DIVISIONS)}{rng.randint(0, 999999):06d}号",
            make_uscc(rng) + f"{rng.randint(1, 9):03d}P",
        )
    )
    t.add(rng.choice(("食品经营许可证编号", "许可证编号：", "许可证号", "排污许可证编号")))
    t.decoy(lic, "licence_no")
    t.add("，")


def _decoy_order_number(t: _Text, rng: random.Random) -> None:
    t.add("网店订单号")
    t.decoy(str(rng.randint(10**17, 10**19 - 1)), "order_no")
    t.add("，")


def _decoy_invoice_code(t: _Text, rng: random.Random) -> None:
    t.add("发票代码")
    t.decoy("0" + "".join(rng.choice("0123456789") for _ in range(11)), "invoice_code")
    t.add("，")


def _decoy_icp_number(t: _Text, rng: random.Random) -> None:
    t.add("网站备案号")
    t.decoy(f"{rng.choice('吉粤黑京')}ICP备{rng.randint(2015, 2025)}{rng.randint(0, 999999):06d}号", "icp_no")
    t.add("，")


def _decoy_masked_name(t: _Text, rng: random.Random) -> None:
    masked = rng.choice(SURNAMES) + rng.choice(("某", "某某", "*", "**"))
    t.add(rng.choice(("员工", "当事人", "驾驶人", "消费者")))
    t.decoy(masked, "masked_name")
    t.add(rng.choice(("在场，", "证实，", "反映，")))


def _decoy_masked_phone(t: _Text, rng: random.Random) -> None:
    t.add("联系电话")
    m = make_mobile(rng)
    t.decoy(m[:3] + "****" + m[7:], "masked_phone")
    t.add("，")


def _decoy_phrase_after_role(t: _Text, rng: random.Random) -> None:
    """A role word before a word that starts with a surname character: 当事人于当日, 经营者张贴."""
    before, phrase, after = rng.choice(SURNAME_PHRASES)
    t.add(before)
    t.decoy(phrase, "phrase")
    t.add(after)


def _decoy_role_without_name(t: _Text, rng: random.Random) -> None:
    t.add(
        rng.choice(("负责人", "法定代表人", "员工", "当事人")),
        rng.choice(("未到场", "拒绝签字", "不在现场", "表示无异议")),
        "，",
    )


# The decoy clauses `_s_decoys` picks from. Their order is the corpus: a seed gives the same
# samples only as long as each clause keeps its place (and its draws from `rng`).
_DECOY_CLAUSES = (
    _decoy_date_compact,
    _decoy_bad_citizen_id,
    _decoy_bad_card,
    _decoy_registration_number,
    _decoy_licence_number,
    _decoy_order_number,
    _decoy_invoice_code,
    _decoy_icp_number,
    _decoy_masked_name,
    _decoy_masked_phone,
    _decoy_phrase_after_role,
    _decoy_role_without_name,
)


def _s_penalty(t: _Text, rng: random.Random, rec: dict) -> None:
    """处罚内容: the decision, its number, the amount."""
    year = rng.randint(2023, 2026)
    number = rng.choice(
        (
            f"{rng.choice(AGENCY_ABBR)}罚〔{year}〕{rng.randint(1, 2999)}号",
            f"{rng.choice(AGENCY_ABBR)}处罚〔{year}〕第{rng.randint(1, 999):04d}号",
            f"（{year}）吉{rng.choice(DIVISIONS)[2:]}行初{rng.randint(1, 500)}号",
        )
    )
    t.add(
        rng.choice(("依据", "根据")),
        "《",
        rng.choice(
            (
                "中华人民共和国食品安全法",
                "中华人民共和国行政处罚法",
                "中华人民共和国大气污染防治法",
                "中华人民共和国安全生产法",
            )
        ),
        "》",
    )
    t.add(rng.choice(("第一百二十四条", "第九十九条", "第二十八条", "第一百零八条")), "，作出")
    t.decoy(number, "case_no" if "行初" in number else "decision_no")
    t.add("行政处罚决定：", rng.choice(("罚款", "处以罚款人民币", "没收违法所得并罚款")))
    t.decoy(_amount(rng), "amount")
    t.add("。")


# --- the corpus ---------------------------------------------------------------------------------

_MIDDLE = [  # (sentence, weight): how often each kind of clause follows the opening
    (_s_staff, 26),
    (_s_described, 7),
    (_s_uncued, 6),
    (_s_card, 8),
    (_s_email, 6),
    (_s_plate, 8),
    (_s_contact, 18),
    (_s_decoys, 30),
]


def make_sample(rng: random.Random) -> Sample:
    t = _Text()
    person = rng.random() < 0.3
    rec = {"subject": make_name(rng)} if person else {"org": _org(rng), "rep": make_name(rng)}
    names: tuple[str, ...] = (rec["subject"],) if person else (rec["rep"],)
    if rng.random() < 0.04:  # a record that reaches the publisher without its personal names
        names = ()
    (_s_subject_person if person else _s_subject_org)(t, rng, rec)
    _s_violation(t, rng, rec)
    fns, weights = zip(*_MIDDLE, strict=True)
    for fn in rng.choices(fns, weights=weights, k=rng.choice((0, 1, 1, 1, 1, 2))):
        fn(t, rng, rec)
    if rng.random() < 0.25:
        _s_penalty(t, rng, rec)
    if rng.random() < 0.25:  # the record's own name again, later in the text
        t.add("以上事实有")
        t.entity(rec.get("subject") or rec["rep"], "PERSON", "record")
        t.add(rng.choice(("的询问笔录", "签字确认的现场笔录")), "等证据证实。")
    text = t.text()
    entities = tuple(sorted(t.entities, key=lambda s: s.start))
    if not names:  # without names, the record's names are ordinary names to be found by context
        entities = tuple(
            Span(s.start, s.end, s.label, "record_not_passed", s.value) if s.kind == "record" else s
            for s in entities
        )
    return Sample(text, names, entities, tuple(sorted(t.decoys, key=lambda s: s.start)))


def generate_corpus(n: int, seed: int = 0) -> list[Sample]:
    """`n` labelled samples, reproducible for a given seed."""
    rng = random.Random(seed)
    return [make_sample(rng) for _ in range(n)]


def with_duplicates(
    samples: list[Sample], n: int, duplicate_share: float = 0.3, seed: int = 0
) -> list[Sample]:
    """`n` rows of which about `duplicate_share` repeat an earlier row (as real extracts do)."""
    rng = random.Random(seed)
    unique = iter(samples)
    out: list[Sample] = []
    for _ in range(n):
        if out and rng.random() < duplicate_share:
            out.append(rng.choice(out))
        else:
            out.append(next(unique))
    return out
