"""Natural persons' names in free text, and the platform's register of them.

A natural person's name is never published (hl-2022 Art 23); a natural person's data made public
is desensitised, the name keeping only its surname (city-2022 Art 23: 张三丰 -> 张**). Every
function here reads the desensitiser's *normalised* copy of a text
(`publishing.privacy.normalise`): NFKC, traditional characters mapped to simplified, whitespace
between two Han characters and format characters removed. Texts of a batch may be joined by NUL
("\\x00"): no name crosses it.

What the orchestrator (`publishing.privacy.desensitise`) calls:

| function / class          | what it gives                                                          |
|---------------------------|------------------------------------------------------------------------|
| `context_names(text)`     | every name found by context, lists, name statistics: (start, end,      |
|                           | score, how)                                                            |
| `KnownPeople`             | the platform's register of natural persons, found anywhere but inside  |
|                           | an organisation's name of the organisation form                        |
| `record_name_variants`    | the forms of a record's own name to look for: Chinese, pinyin          |
| `mask_name`               | 张三丰 -> 张**, Zhang Wei -> Z**** ***                                   |
| `may_hold_name(text)`     | False only when no rule of `context_names` could start in the text     |
| `load()`                  | builds every table once (before worker processes fork)                 |

Data, not code: the lists are `lexicon/*.txt` (one entry a line, a header saying what the list
is and where it comes from): surnames (common, rare, compound), role words (strong and
ordinary), weak cues and what follows them, brands, place endings after 家, transliteration
characters, Tibetan and Mongolian name components, surname readings, Latin words that are no
names, ordinary words jieba tags as names.

How a name is found (`context_names`; `how` in brackets, by confidence)
---------------------------------------------------------------------
No Chinese NER model can be installed here: names are found by rules and by jieba's tables.

1. (`role`) After a role word (`role_words.txt`: 店员, 骑手, 执业药师, 监护人, 其妻...; a colon,
   为, 是, 系 or a space may stand between): a surname (common, rare or compound) and one or two
   given characters. After a *strong* role word (`role_words_strong.txt`: 当事人, 法定代表人,
   负责人, 经营者, 联系人, 姓名, 被执行人... and every role ending in 负责人, 代表人, 经营者,
   联系人, 当事人, 代理人), the name may start with any Han character, a surname nobody listed
   (当事人禤国强), unless the characters are an ordinary word, a place or an organisation's name
   (当事人于当日, 负责人安排员工, 当事人陈述, 经营者张贴, 当事人长春市金源商贸有限公司). After an
   ordinary role word the first given character must be plausible in a name (顾客来店购买: 店
   is not). A Tibetan or Mongolian name component (`tibetan_names.txt`, `mongolian_names.txt`:
   格桑, 巴特尔) after a role word is a name, with a second component if one follows.
2. (`latin`) After a role word, one to three capitalised or upper-case Latin words:
   法定代表人Zhang Wei, 联系人:ZHANG San, 外籍员工John Smith (not company forms or labels:
   `latin_not_names.txt`).
3. (`described`) Before a description of a person: （男，, ，身份证号, 的询问笔录, 签字: a listed
   surname (common, rare or compound) and one or two given characters.
4. (`listed`) Further names in a list after a found name (张三、李四和王五): a listed surname
   (common, rare or compound); after 和/与/及 its first given character must be plausible in a
   name (张三和员工 is no list of names).
5. (`weak`) A weak cue before (委托, 交由, 与, 从, 经: `weak_cues.txt`) and an action after (签订,
   办理, 处, 个人账户: `weak_right.txt`), a common surname.
6. (`dotted`) Minority names joined by a middle dot (· • ・ . ‧): a run of transliteration
   characters (`transliteration_chars.txt`) on each side of each dot (买买提·艾力, 古丽娜尔•吐尔逊,
   阿依古丽·买买提·艾力), anywhere.
7. (`components`) Two Tibetan or Mongolian name components in a row (扎西顿珠, 次仁卓玛,
   额尔敦巴特尔, 斯琴高娃), anywhere but before a place's or an organisation's suffix.
8. (`uncued`) No cue at all (经查，黄杰翰未经许可...; 支付陶平劳动报酬): a *common* surname and one
   or two given characters that are much likelier in names than in other words, by
   log-ratios from jieba's own tables (the posseg HMM's emissions for person names and the
   person names of its dictionary, against each character's frequency in the dictionary), kept
   where the best segmentation of the text around it by the dictionary's word frequencies reads
   the candidate as one word (支付|陶平|劳动, not 支|付陶平|劳动), and never a place (黄河路,
   吉林市慈善总会), a village (王家庄, 何家沟: `place_after_jia.txt`), a shop (华泰小吃部) or a
   brand (王老吉, 周黑鸭, 李宁: `brands.txt`). Rare surnames never count here: 和 山 通 家 are
   words far more often than names.
9. (`repeated`) Any other occurrence, in the same text, of a name found by 1-8 (not inside a
   shop's or an organisation's name).
10. (`grouped`) Names counted after them (独孤敏、公冶明二人, 多吉与顿珠二人, 张三等人, 三户): a
   listed surname or name components before 二人/等人/三户..., and the list before it; never when
   the last two characters are a word (钟国富兄弟二人).

Also: a title finds a Latin name anywhere (Mr. David Miller); a role word whose last character
starts a word is no cue (执法人员出示: 法人|员出示); after a role word, a common surname and one or
two characters before what a person says (称, 反映, 证实) are a name though they are a word (举报人
向阳称), unless that word says how or is too frequent (当事人当场称, 当事人单位称); given names that
are words (`given_words.txt`: 建国 红军 大海) pass the ordinary-word guards in every cued context.
The no-cue detector also refuses ordinary words that jieba tags as names (`ordinary_words.txt`:
杨梅 玉米 黎明 杜鹃花) and places it tags ns/nt/nz (吉林, 葛洲坝), a third character after one of
these unless typical of given names (韩国籍, but 杨梅芳), shop signs (蔡林记), medicines (白凤丸),
villages (刘家馆子村), trade names in quotes (“赵一鸣零食”) and document numbers (吉长证内字第).

Where the given name ends (one or two characters) is decided by the character after it (的/在/
未... end a name) and by jieba's dictionary (签字, 驾驶, 负责 start a new word). jieba's
dictionary (read from the file jieba ships: no download, no cache file) also rejects
candidates that are ordinary words (安排, 明知, 于当日, 向社会, 由监理, 于车间; `not_names.txt`:
陈述, 张贴, 林蛙), and a candidate followed by 省/市/区... or an organisation's suffix is a place
or an organisation.

Known misses: names that are ordinary words, with no cue or after a role word without a colon
(负责人马力; 驾驶人:马力 is found), and not in the register; a given name that starts a word
(质量负责人阳哲学: 哲学); rare surnames with no cue (经查，禤国强未到场); rare surnames that are
frequent words on their own (当事人和丽: 和, 有, 都, 山...); transliterated names without their dot
and without a role word (买买提艾力在场); a single Tibetan or Mongolian component with no role
word (其其格在店内); Latin names in lower case or with no role word before them. Known false
finds: the no-cue statistics read some places and product names as names (白音宝力格苏木: 白音宝,
格桑花: 桑花).

Speed
-----
`load()` builds everything once (about 1 s: jieba's dictionary and HMM tables). Inside: one
regex scan per rule, each starting with one character class (Python's regex engine skips ahead
by a pattern's first characters only: a lookahead over an alternation is tried everywhere);
role words are found by their last two characters and a dict of lengths (`_ROLE_END`), name
components and dotted names by a two-class scan; the name statistics decide what a candidate's first
two characters allow once per pair (`_pairs`); runs of no-cue candidates that overlap names the
cues found are dropped before any segmentation, and only the few characters around a candidate
are segmented, only when a dictionary word reaches into it; the register is found by a
first-character class and a dict.

Measured on the 5,000 texts of the generated corpus (about 120 characters each, normalised),
one process, interleaved runs, median of seven: `context_names` 37,600 texts/s one call a text,
51,500 texts/s in batches of 500 joined by NUL; the code it replaced (`publishing.desensitise
._context_names`, fewer rules) 49,000 and 64,000 on the same texts. `may_hold_name` 4 million/s.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "KnownPeople",
    "context_names",
    "load",
    "mask_name",
    "may_hold_name",
    "pinyin_variants",
    "record_name_variants",
]

HERE = Path(__file__).resolve().parent
LEXICON = HERE / "lexicon"
SHAPES_FILE = HERE / "shapes.yml"
SEPARATOR = "\x00"  # texts of a batch are joined by it: no name crosses it


def read_lexicon(name: str) -> list[str]:
    """The entries of `lexicon/<name>.txt`: one a line; lines starting with # are comments."""
    out = []
    for line in (LEXICON / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


# --- the lists ---------------------------------------------------------------------------------

SURNAMES = frozenset(read_lexicon("surnames_common"))  # every context, the no-cue detector too
RARE_SURNAMES = frozenset(read_lexicon("surnames_rare")) - SURNAMES  # only where context says "a person"
COMPOUND_SURNAMES = frozenset(read_lexicon("surnames_compound"))  # every context
RARE_COMPOUND_SURNAMES = frozenset(read_lexicon("surnames_compound_rare")) - COMPOUND_SURNAMES
STRONG_ROLES = frozenset(read_lexicon("role_words_strong"))
ROLE_CUES = frozenset(read_lexicon("role_words")) | STRONG_ROLES
# Every role word that ends in one of these is strong too (财务负责人, 食品经营者, 诉讼代理人).
STRONG_ENDINGS = ("当事人", "负责人", "代表人", "经营者", "联系人", "代理人", "执行人", "姓名")
WEAK_CUES = tuple(read_lexicon("weak_cues"))
WEAK_RIGHT = tuple(read_lexicon("weak_right"))
NOT_NAMES = frozenset(read_lexicon("not_names"))
GIVEN_WORDS = frozenset(read_lexicon("given_words"))  # 建国 红军 大海: given names that are words
ORDINARY_WORDS = frozenset(read_lexicon("ordinary_words"))  # 杨梅 玉米 黎明: no name with no cue
BRANDS = frozenset(read_lexicon("brands"))
PLACE_AFTER_JIA = frozenset(read_lexicon("place_after_jia"))
TRANSLITERATION = frozenset(read_lexicon("transliteration_chars"))
NAME_COMPONENTS = frozenset(read_lexicon("tibetan_names")) | frozenset(read_lexicon("mongolian_names"))
LATIN_NOT_NAMES = frozenset(w.upper() for w in read_lexicon("latin_not_names"))
SURNAME_READINGS = {line.split()[0]: tuple(line.split()[1:]) for line in read_lexicon("surname_readings")}

# A word this frequent (jieba) before what a person says is that word, not a name: 当事人单位称
# (单位 17,532, 方面 26,963; 关心 3,261 is a name in 学员关心反映).
SAYS_WORD_FREQ = 5000
UNCUED_SCORE = 0.55
SCORES = {"role": 0.75, "latin": 0.75, "described": 0.7, "dotted": 0.7, "components": 0.65, "weak": 0.6}

# A rare surname that is this frequent a word on its own (jieba: 和 555,815, 有, 都, 能, 后, 年,
# 家, 山) is read as that word even after a role word.
RARE_WORD_FREQ = 20_000
# A Han character that no list has as a surname may start a name after a strong role word only
# when it is rare as a word on its own (jieba: at most this often, or tagged as a name).
UNLISTED_WORD_FREQ = 300
# After an ordinary role word, a first given character this much less likely in a given name than
# in other words (log-ratio, jieba's tables) is no name's: 顾客来店 (店 -4.9), 工人到场 (到 -4.9).
PLAUSIBLE_GIVEN = -3.5

# A character that ends a name (never the second given character): particles, prepositions,
# auxiliaries, and the first characters of the verbs that most often follow a name.
_ENDS_NAME = frozenset(
    "的了在于与和及等未无将把被对向从自因为是系已曾仍还也都又并且而但却就才所以由经到至说称不没应需要会能"
    "可让给叫请其该此这那们处均亦即再便上下内外前后时年日号个名人户族签驾负拒擅违使用购销售卖买收付提"
    "供持携带开去现等、，。；：:,;（()）“”\"'《》"
)
_NOT_FIRST_GIVEN = _ENDS_NAME | frozenset("某总氏姓")  # 张某, 王总; 张先生 and 李女士 are words
_NUMERALS = frozenset("一二三四五六七八九十百千万亿两几零〇壹贰叁肆伍陆柒捌玖拾")
# Words that follow a name though their second character ends names (王伟退还货款, 当事人向红返还:
# that 还 is no particle), and with which no given name starts.
_WORDS_AFTER_NAME = frozenset("返还 退还 归还 偿还 交还 发还 送还 退赔 退回 赔偿 缴纳 补缴".split())
_ADMIN_SUFFIX = frozenset("省市县区州盟旗镇乡村")
_ORG_SUFFIX = re.compile(
    r"公司|商行|超市|商店|门市|经营部|中心|合作社|酒店|宾馆|饭店|医院|诊所|药房|药店|学校|工作室|事务所|集团|加油站|店|厂"
)
# What cannot be inside an organisation's name: particles, punctuation, the verbs that join a
# person to a business (张三开办的美发店, 李四经营副食店).
_ORG_BREAK = re.compile(
    r"[的在于与和及等未将把被对从因是系已曾仍还也都又并且而但就才所以由到至不没该此，。、；：,;:（）()\s\x00]"
    r"|开办|开设|经营(?!部)|注册|投资|承包|租赁|签订|签署|租用|称|反映|表示|承认|证实|当场"
)
_NAME_TAGS = ("nr",)  # jieba's person-name tags: nr, nrfg, nrt
_ORDINARY_TAGS = frozenset("n v vn vd d p c t r f m q u a ad an b l i z e y o".split())
_PLACE_TAGS = frozenset(("ns", "nt", "nz"))  # jieba: places, organisations, other proper nouns
_NOT_SURNAME_TAGS = frozenset("m q d v f".split())  # a compound surname that is a number or a verb: 第五 独孤
_DOTS = "·•・.‧∙⋅"
_LIST_SEPARATORS = frozenset("、和与及")


def _han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _trie(words: Iterable[str]) -> str:
    """An alternation of literal words as a prefix tree (当(?:事人|班人员)|...): Python's regex
    engine tries alternatives one by one, so shared prefixes are tested once; longer words
    first."""
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


def _strong(role: str) -> bool:
    return role in STRONG_ROLES or role.endswith(STRONG_ENDINGS)


_ROLE_STRENGTH = {role: _strong(role) for role in ROLE_CUES}
# Compound surnames by their first two characters: the lengths that start there, longest first
# (爱新觉罗, 欧阳).
_COMPOUND_LENGTHS: dict[str, tuple[int, ...]] = {}
for _c in COMPOUND_SURNAMES | RARE_COMPOUND_SURNAMES:
    _COMPOUND_LENGTHS[_c[:2]] = tuple(sorted({*_COMPOUND_LENGTHS.get(_c[:2], ()), len(_c)}, reverse=True))
_BRANDS_BY_START: dict[str, tuple[str, ...]] = {}
for _b in BRANDS:
    _BRANDS_BY_START[_b[:2]] = tuple(sorted({*_BRANDS_BY_START.get(_b[:2], ()), _b}, key=len, reverse=True))
_LONGEST_BRAND = max(map(len, BRANDS), default=0)
_BRAND_PAIRS = frozenset(b[i : i + 2] for b in BRANDS for i in range(len(b) - 1))
_COMPONENT_LENGTHS: dict[str, tuple[int, ...]] = {}
for _c in NAME_COMPONENTS:
    _COMPONENT_LENGTHS[_c[:2]] = tuple(sorted({*_COMPONENT_LENGTHS.get(_c[:2], ()), len(_c)}, reverse=True))
_PREPOSITION_SURNAMES = frozenset(c for c in WEAK_CUES if len(c) == 1 and c in SURNAMES)  # 向, 由

_COMMON_FIRST = "".join(sorted(SURNAMES | {c[0] for c in COMPOUND_SURNAMES}))
# Separate scans: Python's regex engine skips ahead by the first characters of a pattern, which
# one combined pattern would lose.
# Role words are found from their last character (one character class, a look-behind for the one
# before it, a lookahead for what may follow: a colon, 为, 是, 系 or a space, then a name), then
# by the lengths of the role words that end in those two characters (`_role_before`). An
# alternation of all the role words (a prefix tree) was tried at each of the ~30 characters of a
# text that start one, and cost four times more.
_ROLE_END = re.compile(
    "["
    + "".join(sorted({r[-1] for r in ROLE_CUES}))
    + "](?<=["
    + "".join(sorted({r[-2] for r in ROLE_CUES}))
    + r"].)(?=(?:[:：]\s*|\s+|[为是系])?[\u4e00-\u9fffA-Z])"
)
_ROLE_LENGTHS: dict[str, tuple[int, ...]] = {}  # the lengths of the role words ending in two characters
for _r in ROLE_CUES:
    _ROLE_LENGTHS[_r[-2:]] = tuple(sorted({*_ROLE_LENGTHS.get(_r[-2:], ()), len(_r)}, reverse=True))
_ROLE_SEPARATORS = frozenset(":：为是系")
_WEAK_RE = re.compile(
    r"(?:" + "|".join(sorted(WEAK_CUES, key=len, reverse=True)) + r")(?=[" + _COMMON_FIRST + "])"
)
# After a name: （男， ，身份证号 ... (the details of a natural person), 的询问笔录, 签字.
# One character class first, the alternatives after it.
_RIGHT_RE = re.compile(
    r"[（(，,的签](?:(?<=[（(])(?:男|女|身份证|公民身份|证件号)|(?<=[，,])(?:男[，,、）)]|女[，,、）)]|身份证|公民身份号码"
    r"|证件号码)|(?<=的)(?:询问笔录|陈述|证言|身份证)|(?<=签)[字名])"
)
_WEAK_RIGHT_RE = re.compile(_trie(WEAK_RIGHT))
# People counted after their names (张三、李四二人, 王五等人, 三户): the numeral, before 人 or 户.
_GROUP_RE = re.compile("[二两三四五等](?=[人户])")
_TRANSLIT_CLASS = "[" + "".join(sorted(TRANSLITERATION)) + "]"
# A dot between two transliteration characters: the dot first (rare), so the engine skips ahead.
# A space may stand on either side of the dot (阿力木江 · 吐尔洪), and a hyphen may join two runs
# of three or more (帕尔哈提-吐尔逊).
_DOT_RE = re.compile(
    "[-"
    + re.escape(_DOTS)
    + "](?:(?<="
    + _TRANSLIT_CLASS
    + ".)|(?<="
    + _TRANSLIT_CLASS
    + " .))(?= ?"
    + _TRANSLIT_CLASS
    + ")"
)
# Where a name component may start: one character class and a lookahead class (a trie tried at
# every position cost more than all the other scans), then a dict lookup of the two characters.
_COMPONENT_START = re.compile(
    "["
    + "".join(sorted({c[0] for c in NAME_COMPONENTS}))
    + "](?=["
    + "".join(sorted({c[1] for c in NAME_COMPONENTS}))
    + "])"
)
_LATIN_WORD = r"(?:[A-Z][a-z]+|[A-Z]{2,}|[A-Z]'[A-Z][a-z]+)(?:['\-][A-Za-z]+)?"  # O'Brien, Shui-lin
_LATIN_RE = re.compile(_LATIN_WORD + r"(?: " + _LATIN_WORD + r"){0,2}(?![A-Za-z0-9@_\-])")


# --- jieba's tables ------------------------------------------------------------------------------


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


class _Lexicon(NamedTuple):
    common_pair: frozenset  # ordinary two-character words seen 200+ times (安排 明知 司机), and NOT_NAMES
    common_given: frozenset  # ordinary two-character words seen 1000+ times (社会 当日 经理)
    any_word: frozenset  # any non-name two-character word seen 500+ times (签字 驾驶 负责)
    preposition_given: frozenset  # ordinary words seen 20+ times: after 于/向/由 they are no given name
    rare_ok: frozenset  # rare surnames that are not frequent words on their own
    compound_uncued: frozenset  # two-character compound surnames that are no ordinary word
    word_chars: frozenset  # characters too frequent as words on their own to be an unlisted surname
    any_entry: frozenset  # two- and three-character words but rare names (光荣 is tagged a name 2,088 times)
    uncued_words: frozenset  # no name with no cue: ORDINARY_WORDS, and places and organisations (吉林 葛洲坝)


_lexicon: _Lexicon | None = None


def _load_lexicon() -> _Lexicon:
    global _lexicon
    if _lexicon is None:
        words = _jieba_words()[0]
        pairs = {w: v for w, v in words.items() if len(w) == 2}
        single = {w: v for w, v in words.items() if len(w) == 1}
        _lexicon = _Lexicon(
            frozenset(w for w, (f, tag) in pairs.items() if f >= 200 and tag in _ORDINARY_TAGS)
            | {w for w in NOT_NAMES if len(w) == 2},
            frozenset(w for w, (f, tag) in pairs.items() if f >= 1000 and tag in _ORDINARY_TAGS),
            frozenset(w for w, (f, tag) in pairs.items() if f >= 500 and not tag.startswith(_NAME_TAGS)),
            frozenset(w for w, (f, tag) in pairs.items() if f >= 20 and tag in _ORDINARY_TAGS),
            frozenset(
                c for c in RARE_SURNAMES if single.get(c, (0, ""))[0] < RARE_WORD_FREQ and c not in _ENDS_NAME
            ),
            frozenset(
                c
                for c in COMPOUND_SURNAMES
                if len(c) == 2
                and not (  # 第五 百里 单于 西门
                    pairs.get(c, (0, ""))[1] in _NOT_SURNAME_TAGS
                    or pairs.get(c, (0, ""))[1] == "ns"
                    and pairs[c][0] >= 300
                )
            ),
            frozenset(
                c
                for c, (f, tag) in single.items()
                if f > UNLISTED_WORD_FREQ and not (tag.startswith(_NAME_TAGS) and f <= 5 * UNLISTED_WORD_FREQ)
            )
            | _NOT_FIRST_GIVEN
            | _NUMERALS,
            frozenset(
                w
                for w, (f, tag) in words.items()
                if 2 <= len(w) <= 3 and f >= 3 and (not tag.startswith(_NAME_TAGS) or f >= 300)
            ),
            ORDINARY_WORDS
            | {
                w
                for w, (f, tag) in words.items()
                if 2 <= len(w) <= 3 and f >= 50 and tag in _PLACE_TAGS and w[0] in SURNAMES
            },
        )
    return _lexicon


# --- names by context ----------------------------------------------------------------------------


def _brand_at(text: str, s: int) -> bool:
    """Whether a brand (王老吉, 周黑鸭, 李宁, 张记) starts at `s`."""
    return any(text.startswith(b, s) for b in _BRANDS_BY_START.get(text[s : s + 2], ()))


def _in_brand(text: str, s: int) -> bool:
    """Whether a brand starts at `s` or covers it (吉凉茶 in 王老吉凉茶)."""
    if text[s : s + 2] not in _BRAND_PAIRS and text[s - 1 : s + 1] not in _BRAND_PAIRS:
        return False  # the usual case: a brand over s would hold one of these two pairs
    for k in range(min(s, _LONGEST_BRAND - 1) + 1):
        for b in _BRANDS_BY_START.get(text[s - k : s - k + 2], ()):
            if len(b) > k and text.startswith(b, s - k):
                return True
    return False


def _compound_at(text: str, s: int, tier: int = 0) -> int:
    """The length of the compound surname at `s` (a rare one from `tier` 1 on), or 0."""
    for length in _COMPOUND_LENGTHS.get(text[s : s + 2], ()):
        name = text[s : s + length]
        if name in COMPOUND_SURNAMES or (tier and name in RARE_COMPOUND_SURNAMES):
            return length
    return 0


def _surname_length(text: str, s: int, tier: int = 0) -> int:
    """The length of a surname at `s` that `tier` allows (0: common, 1: listed, 2: any), or 0."""
    compound = _compound_at(text, s, tier)
    if compound:
        return compound
    if s >= len(text):
        return 0
    c = text[s]
    if c in SURNAMES:
        return 1
    lexicon = _lexicon or _load_lexicon()
    if tier >= 1 and c in lexicon.rare_ok:
        return 1
    if tier >= 2 and "\u4e00" <= c <= "\u9fff" and c not in lexicon.word_chars:
        return 1
    return 0


def _place_or_org(text: str, s: int, end: int) -> bool:
    """Whether a candidate at text[s:end] is a place (吉林省..., 长春市..., 王家庄) or part of an
    organisation's name (金源商贸有限公司: a run with no particle in it, ending in a suffix)."""
    n = len(text)
    for k in range(s + 2, min(s + 5, n)):
        c = text[k]
        if c in _ADMIN_SUFFIX:
            return True
        if c in _ENDS_NAME or not _han(c):
            break
    org = _ORG_SUFFIX.search(text, end, min(n, s + 24))
    return bool(org) and not _ORG_BREAK.search(text, s, org.start())


def _name_end(
    text: str,
    s: int,
    tier: int = 0,
    *,
    fixed_end: int | None = None,
    in_list: bool = False,
    plausible: bool = False,
    labelled: bool = False,
) -> int:
    """Where a name starting at `s` ends (exclusive), or -1 when `s` starts no name.

    `tier`: which surnames may start it: 0 the common ones, 1 any listed one (rare ones too),
    2 any Han character (after a strong role word). Then one or two given characters: two
    unless the second one ends names (的, 在, 未...) or starts a common word (签字, 驾驶, 负责).
    Candidates that are ordinary words (安排, 明知, 于当日, 向社会), places (长春市, 王家庄) or
    organisations (金源商贸有限公司) are refused. `plausible`: the first given character must be
    one that names use (after an ordinary role word: 顾客来店 is no name). `labelled`: right after
    a role word and a colon (驾驶人:马力, 工作人员:杨胜利), where a common surname and an
    ordinary word are a name all the same.
    """
    lexicon = _lexicon or _load_lexicon()
    if s >= len(text):
        return -1
    g1 = _given_name_start(text, s, tier, labelled, lexicon)
    if g1 < 0 or _given_name_refused(
        text, s, g1, lexicon, in_list=in_list, plausible=plausible, labelled=labelled
    ):
        return -1
    end = _given_name_end(text, g1, fixed_end, lexicon)
    if end < 0 or _place_or_org(text, s, end):
        return -1
    return end


def _given_name_start(text: str, s: int, tier: int, labelled: bool, lexicon: _Lexicon) -> int:
    """Where the given name starts after a surname at `s` that `tier` allows (see `_name_end`),
    or -1: no such surname, or the surname and what follows are an ordinary word."""
    two = text[s : s + 2]
    length = _compound_at(text, s, tier) if two in _COMPOUND_LENGTHS else 0
    if length:
        return s + length
    if text[s] in SURNAMES:
        # 安排 明知 高于 司机 (not 高明, 徐海: names; nor 庞大海, a surname and a given name 大海)
        if two in lexicon.common_pair and not labelled and text[s + 1 : s + 3] not in GIVEN_WORDS:
            return -1
        return s + 1
    if tier and (
        text[s] in lexicon.rare_ok
        or (tier > 1 and "\u4e00" <= text[s] <= "\u9fff" and text[s] not in lexicon.word_chars)
    ):
        # 巢湖, 要求, 持有, 拒不, 光荣: a rare or unlisted surname and what follows make a word
        if two in lexicon.any_entry or text[s : s + 3] in lexicon.any_entry or two in NOT_NAMES:
            return -1
        return s + 1
    return -1


def _given_name_refused(
    text: str, s: int, g1: int, lexicon: _Lexicon, *, in_list: bool, plausible: bool, labelled: bool
) -> bool:
    """Whether the given name at `g1` (the surname at `s`) is none: no Han character, one that no
    given name starts with, or with the surname an ordinary word, a village or, where
    `plausible` asks, a character names do not use."""
    if g1 >= len(text) or not "\u4e00" <= text[g1] <= "\u9fff" or text[g1] in _NOT_FIRST_GIVEN:
        return True
    given2 = text[g1 : g1 + 2]
    return (
        (
            given2 in lexicon.common_given and not (in_list or labelled or given2 in GIVEN_WORDS)
        )  # 于当日 向社会 王经理 (not 建国)
        or (text[s] in _PREPOSITION_SURNAMES and given2 in lexicon.preposition_given)  # 由监理单位, 向其
        or given2 in _WORDS_AFTER_NAME
        or text[s : s + 3] in NOT_NAMES
        or (text[g1] == "家" and text[g1 + 1 : g1 + 2] in PLACE_AFTER_JIA)  # 王家庄, 何家沟, 张家口
        or (plausible and _name_model().implausible.get(text[g1], 0.0) < PLAUSIBLE_GIVEN)
    )


def _given_name_end(text: str, g1: int, fixed_end: int | None, lexicon: _Lexicon) -> int:
    """Where a given name starting at `g1` ends: at `fixed_end` when the context fixes it (-1 if
    a character before it ends names), else after one character or two."""
    if fixed_end is not None:
        for c in text[g1 + 1 : fixed_end]:
            if c in _ENDS_NAME or not "\u4e00" <= c <= "\u9fff":
                return -1
        return fixed_end
    end = g1 + 1
    if end < len(text):
        c = text[end]
        # 张伟签字 (签字 is a word: the name ends before it) but 陈磊中和 (中和 is a word, yet 和 ends names)
        if (
            "\u4e00" <= c <= "\u9fff"
            and c not in _ENDS_NAME
            and text[end : end + 2] not in _WORDS_AFTER_NAME
            and (text[end : end + 2] not in lexicon.any_word or text[end + 1 : end + 2] in _ENDS_NAME)
        ):
            end += 1
    return end


def _components_end(text: str, s: int) -> tuple[int, int]:
    """The end of one or more Tibetan or Mongolian name components starting at `s` (格桑, 扎西顿珠,
    巴特尔), and how many there are; (-1, 0) when none, or when they are a word, a place or an
    organisation's name (格桑花, 乌兰浩特市)."""
    end, count = s, 0
    while count < 3:
        for length in _COMPONENT_LENGTHS.get(text[end : end + 2], ()):
            if text[end : end + length] in NAME_COMPONENTS:
                end += length
                count += 1
                break
        else:
            break
    words = _name_model().words
    if not count or (end < len(text) and (text[s : end + 1] in words or text[end - 1 : end + 1] in words)):
        return -1, 0  # 格桑花: the components and the next character are a word
    if text[end : end + 1] in _PLACE_END or text[end : end + 2] in _PLACE_WORDS:  # 白音宝力格苏木, 达瓦村
        return -1, 0
    return (-1, 0) if _place_or_org(text, s, end) else (end, count)


_TITLES = frozenset("MR MRS MS MISS DR PROF SIR MADAM".split())
# A title before capitalised words is a name's cue wherever it stands (经询问，Mr. David Miller承认).
_TITLE_RE = re.compile(r"(?:Mr|Mrs|Ms|Miss|Dr|Prof)(?:\. ?| )(?=[A-Z])")


def _latin_name(text: str, s: int) -> tuple[int, int] | None:
    """A Latin-script name at `s` after a role word (Zhang Wei, ZHANG San, John Smith; after a
    title: Mr John Smith -> John Smith): one to three capitalised or upper-case words, none of
    them a company form or a label (`latin_not_names.txt`). (start, end), or None."""
    m = _LATIN_RE.match(text, s)
    if m is None or (s and text[s - 1].isascii() and text[s - 1].isalnum()):
        return None
    words = m.group().split(" ")
    if words[0].upper() in _TITLES:  # Mr John Smith, Dr. Li
        s += len(words[0])
        while s < len(text) and text[s] in ". ":
            s += 1
        m = _LATIN_RE.match(text, s)
        if m is None:
            return None
        words = m.group().split(" ")
    if any(w.upper() in LATIN_NOT_NAMES for w in words):
        return None
    return s, s + len(" ".join(words))


def _dot_at(text: str, i: int) -> int:
    """The length of a dot joining two parts of a name at `i` (·, or · between spaces, or a
    hyphen), 0 where there is none."""
    k = i + 1 if text[i : i + 1] == " " else i
    if k >= len(text) or (text[k] not in _DOTS and text[k] != "-"):
        return 0
    k += 1
    if text[k : k + 1] == " ":
        k += 1
    return k - i if text[k : k + 1] in TRANSLITERATION else 0


def _dotted_names(text: str) -> list[tuple[int, int]]:
    """Names joined by a middle dot (买买提·艾力, 古丽娜尔•吐尔逊, 阿力木江 · 吐尔洪): runs of
    transliteration characters, each of at most eight, on each side of every dot; a hyphen joins
    only runs of three or more (帕尔哈提-吐尔逊, not 哈密-阿克苏)."""
    out: list[tuple[int, int]] = []
    n, last = len(text), -1
    for m in _DOT_RE.finditer(text):
        dot = m.start()
        if dot < last:
            continue
        a = dot - 1 if text[dot - 1] != " " else dot - 2
        left = a
        while a > 0 and dot - a < 8 and text[a - 1] in TRANSLITERATION:
            a -= 1
        e = a + (left - a + 1)
        runs = [left - a + 1]
        while e < n and (step := _dot_at(text, e)):
            k = e = e + step
            while e < n and e - k < 8 and text[e] in TRANSLITERATION:
                e += 1
            runs.append(e - k)
        if text[dot] == "-" and min(runs) < 3:
            last = e
            continue
        if e - a >= 4:
            out.append((a, e))
        last = e
    return out


def _role_before(text: str, p: int) -> str | None:
    """The longest role word that ends at `p`, or None."""
    for length in _ROLE_LENGTHS.get(text[p - 2 : p], ()):
        if text[p - length : p] in ROLE_CUES and length <= p:
            return text[p - length : p]
    return None


# What a person says or reports, right after a name (举报人向阳称, 学员关心反映): after a role word a
# common surname and one or two characters before one of these are a name though they are a word.
_SAYS = re.compile(r"称(?![重为号呼作])|反映|证实|供述|辩称")
# Parts of speech of a word that, after a role word, is what the person does or how, not a name:
# 当事人当场承认, 负责人明确表示, 当事人当天称.
_NOT_NAME_WORD_TAGS = frozenset("v vn vd vi d ad a t p c r m q f u".split())


def _says_after(text: str, s: int) -> int:
    """The end of a name at `s` (a common surname and one or two characters) before what a person
    says (`_SAYS`), or -1: 投诉人杜鹃称, 学员关心反映, 投诉人揭晓峰称 (but not 当事人当场称: a word
    of the kind that says how)."""
    words = _jieba_words()[0]
    for end in (s + 3, s + 2):
        if _SAYS.match(text, end) is None:
            continue
        chars = text[s + 1 : end]
        if any(not _han(ch) or ch in _NOT_FIRST_GIVEN for ch in chars):
            continue
        word, two = text[s:end], text[s : s + 2]
        if word in NOT_NAMES or two in NOT_NAMES or two in ROLE_CUES or word in ROLE_CUES:
            continue  # 当事人陈述称, 当事人代表称
        freq, tag = words.get(two, (0, "n"))
        if end == s + 2 and (
            tag in _NOT_NAME_WORD_TAGS or (freq >= SAYS_WORD_FREQ and not tag.startswith(_NAME_TAGS))
        ):
            continue  # 当事人当场称, 当事人单位称 (关心, 向阳, 杜鹃: names)
        if end == s + 3 and two in (_lexicon or _load_lexicon()).common_given:
            continue
        if (
            end == s + 3
            and words.get(word[1:], (0, "n"))[1] in _NOT_NAME_WORD_TAGS
            and word[1:] not in GIVEN_WORDS
        ):
            continue
        return end
    return -1


def _after_role(text: str, p: int) -> tuple[int, int, float, str] | None:
    """The name right after a role word ending at `p` (and a colon, 为, 是, 系 or spaces):
    (start, end, score, how), or None."""
    role = _role_before(text, p)
    if role is None or _role_starts_word(text, p):
        return None
    s, labelled = _after_role_separator(text, p)
    if s >= len(text):
        return None
    c = text[s]
    if c < "\u4e00":  # Latin letters: 法定代表人Zhang Wei, 外籍员工John Smith
        latin = _latin_name(text, s) if "A" <= c <= "Z" else None
        return (*latin, SCORES["latin"], "latin") if latin else None
    if not _han(c):
        return None
    s, e = _han_name_after_role(text, s, _ROLE_STRENGTH[role], labelled)
    return (s, e, SCORES["role"], "role") if e > 0 else None


def _role_starts_word(text: str, p: int) -> bool:
    """Whether the last character of a role word ending at `p` starts a word with what follows:
    执法人员出示 (法人|员出示 is no name), unless a surname or a separator follows."""
    return (
        text[p] not in SURNAMES
        and text[p] not in _ROLE_SEPARATORS
        and text[p - 1 : p + 1] in (_lexicon or _load_lexicon()).any_word
    )


def _after_role_separator(text: str, p: int) -> tuple[int, bool]:
    """Where a name after a role word ending at `p` may start, past a colon, 为, 是 or 系 and
    spaces; and whether a colon labels it (驾驶人:马力)."""
    s, n = p, len(text)
    labelled = False
    if text[s] in _ROLE_SEPARATORS:
        labelled = text[s] in ":："
        s += 1
    while s < n and text[s] in " \t\r\n\u00a0":
        s += 1
    return s, labelled


def _han_name_after_role(text: str, s: int, strong: bool, labelled: bool) -> tuple[int, int]:
    """(start, end) of a Chinese name at `s` after a role word (end -1: none). After a strong role
    word any Han character may start it; after an ordinary one the first given character must be
    plausible in a name."""
    c = text[s]
    e = _name_end(text, s, 2 if strong else 1, plausible=not strong, labelled=labelled)
    if e < 0 and c in SURNAMES:
        e = _says_after(text, s)
    if c in _PREPOSITION_SURNAMES:
        # 当事人向红返还 (向红, a name) or 当事人向张红梅返还 (向, "to"): which one cannot be
        # told, so the span covers both readings and no character of either name is shown.
        after = _name_end(text, s + 1, 1, plausible=not strong)
        s, e = (s, max(e, after)) if e > 0 else (s + 1, after)
    if text[s : s + 2] in _COMPONENT_LENGTHS:  # 格桑, 巴特尔, 扎西顿珠 (罗丹露 is read by its surname)
        e = max(e, _components_end(text, s)[0])
    return s, e


def _name_before(text: str, p: int) -> int:
    """The start of a name that ends at `p` (a listed surname and one or two given characters,
    a compound surname and one or two, or Tibetan and Mongolian name components), or -1."""
    for s in (p - 4, p - 3, p - 2):
        if s < 0:
            continue
        if text[s : s + 2] in _COMPONENT_LENGTHS and _components_end(text, s)[0] == p:
            return s
        if s == p - 4 and _compound_at(text, s, 1) < 2:
            continue
        if (
            s < p - 2
            and text[p - 2 : p] in (_lexicon or _load_lexicon()).any_word
            and text[p - 2 : p] not in GIVEN_WORDS
        ):
            continue  # 钟国富兄弟二人: 兄弟 is no given name
        if _name_end(text, s, 1, fixed_end=p, in_list=True) > 0:
            return s
    return -1


_Name = tuple[int, int, float, str]  # (start, end, score, how)


class _Found:
    """The names found so far in one text, by start, and their ends: every rule after the first
    reads what the rules before it found (a description right after a role word's name, a
    component already inside a name), so the rules run in a fixed order and add through `add`."""

    def __init__(self, text: str):
        self.text = text
        self.names: dict[int, _Name] = {}
        self.ends: set[int] = set()

    def add(self, s: int, e: int, score: float, how: str) -> None:
        """One name, and the names listed after it (张三、李四和王五)."""
        old = self.names.get(s)
        if old is None or old[2] < score or old[1] < e:
            # two rules at one start: the longer span and the surer score (穆罕默 by its role word,
            # 穆罕默德·阿不都 by its dot)
            if old is not None:
                e, score, how = max(e, old[1]), max(score, old[2]), how if score >= old[2] else old[3]
            self.names[s] = (s, e, score, how)
            self.ends.add(e)
        self._add_listed_after(e, score)

    def _add_listed_after(self, e: int, score: float) -> None:
        """The names of a list that goes on after a name ending at `e`: 张三、李四和王五. After 和/与/
        及 the name must look like one (张三和员工 is no list of names); a brand ends the list."""
        text, n = self.text, len(self.text)
        while e < n and text[e] in _LIST_SEPARATORS:
            comma = text[e] == "、"
            nxt = _name_end(text, e + 1, 1, in_list=comma, plausible=not comma)
            if nxt < 0 and text[e + 1 : e + 3] in _COMPONENT_LENGTHS:  # 尼玛次仁、洛桑
                nxt = _components_end(text, e + 1)[0]
            if nxt < 0 or (not comma and _brand_at(text, e + 1)):
                break
            if e + 1 not in self.names:
                self.names[e + 1] = (e + 1, nxt, score, "listed")
                self.ends.add(nxt)
            e = nxt


def _names_after_role_words(text: str, found: _Found) -> None:
    """(`role`, `latin`) The name right after each role word: 当事人张三, 法定代表人Zhang Wei."""
    for m in _ROLE_END.finditer(text):
        p = m.end()
        if text[p - 2 : p] in _ROLE_LENGTHS:  # most ends are no role's (事实, 公司)
            name = _after_role(text, p)
            if name is not None:
                found.add(*name)


def _names_before_descriptions(text: str, found: _Found) -> None:
    """(`described`) A listed surname and one or two given characters before a description of a
    person: 张三（男，, 张三，身份证号, 张三的询问笔录, 张三签字."""
    for m in _RIGHT_RE.finditer(text):
        p = m.start()
        if p in found.ends or p < 2:  # 员工王伟签字: already found by its role word
            continue
        for s in (p - 4, p - 3, p - 2):  # 欧阳娜娜 / 张三丰 / 张三
            if s < 0 or (s == p - 4 and _compound_at(text, s, 1) < 2):
                continue
            e = _name_end(text, s, 1, fixed_end=p)  # -1 where no surname starts
            if e > 0:
                found.add(s, e, SCORES["described"], "described")
                break


def _names_counted_in_groups(text: str, found: _Found) -> None:
    """(`grouped`) A group of people counted after their names, and the list before them: 张三、
    李四二人, 多吉与顿珠二人, 齐心、田野等人."""
    for m in _GROUP_RE.finditer(text):
        p = m.start()
        s = _name_before(text, p)
        while s >= 0:
            found.add(s, p, SCORES["described"], "grouped")
            p = s - 1
            s = _name_before(text, p) if p > 0 and text[p] in _LIST_SEPARATORS else -1


def _names_between_weak_cues(text: str, found: _Found) -> None:
    """(`weak`) A common surname and one or two given characters between a weak cue and an
    action: 委托张三办理, 与李四签订 (not a brand: 与王老吉签订)."""
    n = len(text)
    for m in _WEAK_RE.finditer(text):
        s = m.end()
        surname = _surname_length(text, s)
        if _brand_at(text, s):
            continue
        for length in (surname + 2, surname + 1):
            e = s + length
            if e <= n and _WEAK_RIGHT_RE.match(text, e) and _name_end(text, s, fixed_end=e) > 0:
                found.add(s, e, SCORES["weak"], "weak")
                break


def _latin_names_after_titles(text: str, found: _Found) -> None:
    """(`latin`) A Latin name after a title, wherever it stands: Mr. David Miller."""
    for m in _TITLE_RE.finditer(text):
        latin = _latin_name(text, m.start())
        if latin is not None:
            found.add(*latin, SCORES["latin"], "latin")


def _names_joined_by_dots(text: str, found: _Found) -> None:
    """(`dotted`) Minority names joined by a middle dot, anywhere: 买买提·艾力."""
    if _DOT_RE.search(text) is not None:
        for s, e in _dotted_names(text):
            found.add(s, e, SCORES["dotted"], "dotted")


def _names_of_two_components(text: str, found: _Found) -> None:
    """(`components`) Two Tibetan or Mongolian name components in a row, wherever they stand:
    扎西顿珠, 额尔敦巴特尔 (not where a name was found already)."""
    last = -1
    for m in _COMPONENT_START.finditer(text):
        s = m.start()
        if s < last or text[s : s + 2] not in _COMPONENT_LENGTHS or s in found.names:
            continue
        e, count = _components_end(text, s)
        if count >= 2:
            found.add(s, e, SCORES["components"], "components")
            last = e


def _names_with_no_cue(text: str, found: _Found) -> None:
    """(`uncued`) No cue at all (经查，黄杰翰未经许可...): the name statistics (see below), but
    never over a name the cues found."""
    taken = sorted((s, e) for s, e, _score, _how in found.names.values())
    starts = [s for s, _ in taken]
    for s, e, _score in _uncued_names(text, taken):
        if not _overlaps(taken, starts, s, e):
            found.add(s, e, UNCUED_SCORE, "uncued")


def _overlaps(taken: Sequence[tuple[int, int]], starts: Sequence[int], a: int, b: int) -> bool:
    """Whether text[a:b] overlaps a name of `taken` (sorted (start, end); `starts` their starts)."""
    k = bisect_right(starts, b - 1) - 1
    return k >= 0 and taken[k][1] > a


# The rules of `context_names`, in the order they run, each adding what it finds (`_Found.add`):
# the surest first, since a later rule reads what an earlier one found (a description right after
# a name found by its role word adds nothing; the no-cue statistics never overlap a name the cues
# found). Plain functions, not generators: one generator per rule per text cost a tenth of the time.
_CONTEXT_RULES = (
    _names_after_role_words,
    _names_before_descriptions,
    _names_counted_in_groups,
    _names_between_weak_cues,
    _latin_names_after_titles,
    _names_joined_by_dots,
    _names_of_two_components,
    _names_with_no_cue,
)


def context_names(text: str) -> list[tuple[int, int, float, str]]:
    """Names found in the normalised `text` by context, lists, the no-cue statistics and repeats:
    (start, end, score, how). See the module docstring."""
    found = _Found(text)
    for rule in _CONTEXT_RULES:
        rule(text, found)
    _add_repeats(text, found)
    return list(found.names.values())


def _add_repeats(text: str, found: _Found) -> None:
    """(`repeated`) A name found once is masked wherever else it appears in the same text (以上事实
    有马雯签字), but inside a shop's or an organisation's name (长春市王伟商贸有限公司). Texts of
    a batch are joined by NUL: no repeat is looked for across it."""
    n = len(text)
    for s, e, score, _how in list(found.names.values()):
        name = text[s:e]
        lo, hi = text.rfind(SEPARATOR, 0, s) + 1, text.find(SEPARATOR, e)
        hi = n if hi < 0 else hi
        at = text.find(name, lo, hi)
        while at >= 0:
            if at not in found.names and not _in_shop_name(text, at, at + len(name)):
                found.names[at] = (at, at + len(name), score - 0.05, "repeated")
            at = text.find(name, at + len(name), hi)


# --- names with no cue ---------------------------------------------------------------------------
# 经查，黄杰翰未经许可..., 被执行人张某支付陶平劳动报酬...: nothing before or after says "a name".
# Candidates are a common surname and one or two given characters that are much likelier in
# names than in other words (log-ratios from jieba's own tables: the HMM's emissions for person
# names and the person names in its dictionary, against each character's frequency in the
# dictionary); a candidate is kept when the best segmentation of the text around it, by the
# dictionary's word frequencies, reads it as one word (支付|陶平|劳动 rather than 支|付陶平|劳动,
# 该|公司|仓库 rather than 该公|司仓库), and when it is not a place (黄河路, 长春市, 王家庄), a brand
# (王老吉) or part of a shop's or an organisation's name (华泰小吃部).

UNCUED_THREE = 1.5  # least score (surname + two given characters) of a three-character name
UNCUED_TWO = 2.5  # least score of a two-character name: two characters are more often a word
# After an ordinary word or a place (`_Lexicon.uncued_words`: 韩国, 乌鸡, 杨梅), a third character
# makes a name only when it is this typical of given names (杨梅芳: 芳 3.8; 韩国籍: 籍 0.1).
UNCUED_AFTER_WORD = 2.0
# A name as a word of the segmentation: log P(a name) + log P(surname | name) + log P(each given
# character | given name), so that every character a name absorbs costs what it is worth.
NAME_BASE = -4.0
_OOV = -20.0  # log-probability of a single character jieba's dictionary does not list
_PLACE_END = frozenset("路街巷弄道号村镇乡区县市省州旗屯湾坝")
# Place words after a Mongolian or Tibetan name component: 白音宝力格苏木 is a township.
_PLACE_WORDS = frozenset("苏木 嘎查 浩特 草原 牧场 大街 小区 广场 社区".split())
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
    implausible: dict[str, float]  # given-name log-ratio of characters far likelier in words (店 要 到)


_model: _NameModel | None = None


def _name_model() -> _NameModel:
    global _model
    if _model is None:
        _model = _build_name_model()
    return _model


def _build_name_model() -> _NameModel:
    import jieba.posseg  # its HMM tables: P(character | position in a word of each part of speech)

    emit = jieba.posseg.emit_P
    words, total = _jieba_words()
    logp, char_freq, in_names = _rival_words(words, total)

    def ratio(p: float, ch: str) -> float:
        return math.log(p / ((char_freq[ch] + 1) / total))

    surname_lp = {c: emit[("B", "nr")].get(c, -60.0) for c in SURNAMES}
    surname = {c: ratio(math.exp(lp), c) for c, lp in surname_lp.items()}
    given_lp = _given_name_logp(emit, in_names)
    given = {c: ratio(math.exp(lp), c) for c, lp in given_lp.items()}
    floor = math.log(1e-6)  # a character the tables never saw in a name
    implausible = {}
    for c in char_freq:
        r = ratio(math.exp(given_lp.get(c, floor)), c)
        if _han(c) and r < PLAUSIBLE_GIVEN:
            implausible[c] = r
    # A surname (or the first character of a compound one) before a given-name character (or the
    # second of a compound surname). One character consumed per match, so runs of surnames
    # (陈黄) are all tried; one character class is several times faster than a lookahead group.
    compound = _load_lexicon().compound_uncued
    first = set(surname) | {c[0] for c in compound}
    second = set(given) | {c[1] for c in compound}
    pattern = re.compile("[" + "".join(sorted(first)) + "](?=[" + "".join(sorted(second)) + "])")
    starts = frozenset(w[:2] for w in logp if len(w) > 1)
    return _NameModel(
        logp, surname, given, surname_lp, given_lp, pattern, max(given.values()), starts, implausible
    )


def _rival_words(words: dict[str, tuple[int, str]], total: int) -> tuple[dict[str, float], Counter, Counter]:
    """What a name competes with in a segmentation: log P(word) of every dictionary word but the
    person names of two or three characters; each character's frequency in those words; and how
    often each character is a given-name character of the dictionary's three-character names
    with a common surname."""
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
    return logp, char_freq, in_names


def _given_name_logp(emit: dict, in_names: Counter) -> dict[str, float]:
    """log P(character | given name): the HMM's emissions for the middle and end of a person's
    name, raised for characters common in the dictionary's names (娟, 萱, 睿: rare in the HMM's
    tables)."""
    given_lp: dict[str, float] = {}
    for c in set(emit[("E", "nr")]) | set(emit[("M", "nr")]):
        if _han(c):
            given_lp[c] = max(emit[("E", "nr")].get(c, -60.0), emit[("M", "nr")].get(c, -60.0))
    names_total = sum(in_names.values())
    for c, k in in_names.items():
        if k >= 3 and _han(c):
            given_lp[c] = max(given_lp.get(c, -math.inf), math.log(k / names_total))
    return given_lp


def _in_shop_name(text: str, a: int, end: int) -> bool:
    """Whether text[a:end] is part of a shop's or an organisation's name: 华泰小吃部, 海川药房,
    明辉超市, 长春市王伟商贸有限公司 (but 张伟所在, 李娜店内 are names); right after a place any
    suffix counts: 龙凤区鑫|康五金|店."""
    n = len(text)
    shop = _SHOP_SUFFIX.search(text, a + 1, min(n, end + 12))
    if shop is None:
        return False
    if (
        shop.end() - shop.start() == 1
        and shop.start() <= end
        and _IN_PLACE.isdisjoint(text[max(0, a - 3) : a])
    ):
        shop = _SHOP_SUFFIX.search(text, shop.end(), min(n, end + 12))
        while shop and shop.end() - shop.start() == 1 and shop.start() <= end:
            shop = _SHOP_SUFFIX.search(text, shop.end(), min(n, end + 12))
    return bool(shop) and not _ORG_BREAK.search(text, a, shop.start())


_COMPOUND = "compound"
_Allowed = tuple[float, bool] | str  # what a candidate's first two characters allow (`_pair`)
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
    lexicon = _lexicon or _load_lexicon()
    if pair in lexicon.compound_uncued:
        info = _COMPOUND
    else:
        s, c1 = pair[0], pair[1:]
        weight, w1 = model.surname.get(s), model.given.get(c1)
        if (
            weight is None
            or pair in lexicon.common_pair
            or w1 is None
            or c1 in _NOT_FIRST_GIVEN
            or c1 == s
            or c1 in _IN_PLACE
        ):
            info = None
        else:
            base = weight + w1
            two = base >= UNCUED_TWO and c1 not in _PLACE_END and pair not in lexicon.uncued_words
            info = (base, two) if two or base + model.best_given >= UNCUED_THREE else None
    if len(_pairs) < 500_000:
        _pairs[pair] = info
    return info


def _candidates_at(
    text: str, starts: list[tuple[int, tuple[float, bool] | str]], model: _NameModel
) -> list[tuple[int, int, float]]:
    """Surname + one or two given characters, at the given starts, scoring at least UNCUED_THREE /
    UNCUED_TWO (the sum of their log-ratios), that are not ordinary words (安排, 于当日, 由监理),
    places (黄河路, 哈尔|滨市, 吉|林市慈|善总会, 王家庄) or brands (王老吉): (start, end, score).
    Whether one is in a shop's name (华泰小吃部) is decided by the caller (`_uncued_names`), only
    where it matters."""
    lexicon = _lexicon or _load_lexicon()
    out = []
    for a, info in starts:
        head = _candidate_head(text, a, info, model, lexicon)
        if head is None:
            continue
        g1, base, two = head
        c2, c3 = text[g1 + 1 : g1 + 2], text[g1 + 2 : g1 + 3]
        w2 = model.given.get(c2) if c2 and c2 not in _ENDS_NAME else None
        three = w2 is not None and _three_characters_allowed(text, a, g1, base, w2, lexicon)
        two = two and c2 not in _PLACE_END and c3 not in _ADMIN_SUFFIX
        if _candidate_refused(text, a, g1, three, two):
            continue
        if three:
            out.append((a, g1 + 2, base + w2))
        if two:
            out.append((a, g1 + 1, base))
    return out


def _candidate_head(
    text: str, a: int, info: _Allowed, model: _NameModel, lexicon: _Lexicon
) -> tuple[int, float, bool] | None:
    """A candidate's surname and first given character at `a` (`info`: what its first two
    characters allow, `_pair`): (where the given name starts, their score, whether the two
    characters may be a name on their own), or None."""
    if info is not _COMPOUND:
        g1 = a + 1
        if text[a] in _PREPOSITION_SURNAMES and text[g1 : g1 + 2] in lexicon.preposition_given:
            return None  # 由监理单位, 向其, 于车间
        base, two = info
        return g1, base, two
    g1 = a + 2  # 欧阳, 司马: the first given character is the third
    c1 = text[g1] if g1 < len(text) else ""
    w1 = model.given.get(c1)
    if w1 is None or c1 in _NOT_FIRST_GIVEN or c1 == text[a] or c1 in _IN_PLACE:
        return None
    base = _COMPOUND_WEIGHT + w1
    return g1, base, base >= UNCUED_TWO and c1 not in _PLACE_END


def _three_characters_allowed(text: str, a: int, g1: int, base: float, w2: float, lexicon: _Lexicon) -> bool:
    """Whether a surname at `a` and two given characters (the first at `g1`; `w2` the second's
    score) score enough and are no place (黄河路, 哈尔滨市), ordinary word (于当日 杜鹃花) or word
    and a character untypical of names (韩国籍, 乌鸡白)."""
    c2, c3, c4 = text[g1 + 1 : g1 + 2], text[g1 + 2 : g1 + 3], text[g1 + 3 : g1 + 4]
    return (
        base + w2 >= UNCUED_THREE
        and c2 not in _PLACE_END
        and c3 not in _PLACE_END
        and c4 not in _ADMIN_SUFFIX
        and text[g1 : g1 + 2] not in lexicon.common_given
        and text[a : a + 3] not in NOT_NAMES
        and text[a : a + 3] not in lexicon.uncued_words  # 于当日 杜鹃花
        and (text[a : a + 2] not in lexicon.uncued_words or w2 >= UNCUED_AFTER_WORD)
    )  # 韩国籍, 乌鸡白


def _candidate_refused(text: str, a: int, g1: int, three: bool, two: bool) -> bool:
    """Whether a candidate at `a` (given name at `g1`; `three`, `two`: the lengths its scores
    allow) is no name: a shop's sign, a medicine, a village, a trade name in quotes, a document
    number or a brand."""
    c2 = text[g1 + 1 : g1 + 2]
    if not (three or two) or c2 == "记":  # 蔡林记, 张记: a shop's sign
        return True
    if two and not three and c2 in "丸膏":  # 乌鸡白凤丸, 王氏膏: a medicine
        return True
    if text[g1] == "家" and (c2 in PLACE_AFTER_JIA or not _ADMIN_SUFFIX.isdisjoint(text[g1 + 1 : g1 + 4])):
        return True  # 王家庄, 何家沟, 刘家馆子村
    if _quoted_or_numbered(text, a, g1 + 2 if three else g1 + 1):
        return True
    # 王老吉, 周黑鸭, 王老吉凉茶
    return (text[a : a + 2] in _BRAND_PAIRS or text[a - 1 : a + 1] in _BRAND_PAIRS) and _in_brand(text, a)


_OPEN_QUOTES = frozenset("“\"「『《‘'")
_CLOSE_QUOTES = frozenset("”\"」』》’'")
_DOC_NUMBER = re.compile(r"[^\x00，。,;；]{0,2}字第|〔|\[")


def _quoted_or_numbered(text: str, a: int, end: int) -> bool:
    """Whether a candidate at text[a:end] opens a longer quoted name (“赵一鸣零食”, “武大郎烧饼”: a
    trade name; “张三” alone stays a name) or starts a document number (吉长证内字第12345号,
    吉网文〔2023〕)."""
    if a and text[a - 1] in _OPEN_QUOTES:
        for k in range(end, min(len(text), end + 10)):
            c = text[k]
            if c in _CLOSE_QUOTES:
                return k > end
            if not _han(c):
                break
    return _DOC_NUMBER.match(text, end) is not None


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
    overlaps one. Candidate starts come in runs, chained by the longest name each could start
    (three characters after a surname): every run of candidates, and so every segmentation, lies
    inside one of them. A run whose every start is covered already for its shortest name (so for
    every name) is dropped before its candidates are even looked at: where the text has cues,
    nearly every candidate is a name the cues found."""
    model = _name_model()
    starts = [s for s, _ in taken]
    kept: list[tuple[int, int, float]] = []
    for run in _open_runs(text, model, taken, starts):
        kept.extend(_run_names(text, run, model, taken, starts))
    return kept


def _two_character_marks(taken: Sequence[tuple[int, int]], starts: Sequence[int], n: int) -> bytearray:
    """mark[a]: a name of two characters at a overlaps `taken` (the interval that starts last at or
    before a + 1 ends after a)."""
    mark = bytearray(n + 1)
    for k, (s, e) in enumerate(taken):
        stop = min(e, starts[k + 1] - 1 if k + 1 < len(starts) else n)
        if stop > max(s - 1, 0):
            mark[max(s - 1, 0) : stop] = b"\x01" * (stop - max(s - 1, 0))
    return mark


def _open_runs(
    text: str, model: _NameModel, taken: Sequence[tuple[int, int]], starts: Sequence[int]
) -> Iterator[list[tuple[int, _Allowed]]]:
    """The runs of candidate starts ((start, what its pair allows), chained by the longest name
    each could start) that hold a start whose shortest name does not overlap `taken`."""
    mark = _two_character_marks(taken, starts, len(text))
    pairs = _pairs
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
                yield run
            run, open_ = [], False
            hi = end
        elif end > hi:
            hi = end
        run.append((a, info))
        if not open_:
            open_ = not (mark[a] if info is not _COMPOUND else _overlaps(taken, starts, a, a + 3))
    if open_:
        yield run


def _run_names(
    text: str, run: list, model: _NameModel, taken: Sequence[tuple[int, int]], starts: Sequence[int]
) -> list[tuple[int, int, float]]:
    """The names the segmentation keeps among a run's candidates: groups that `taken` covers
    whole are skipped, candidates in a shop's name dropped."""
    kept: list[tuple[int, int, float]] = []
    candidates = _candidates_at(text, run, model)
    candidates.sort()
    for group in _groups(candidates):
        if taken and all(_overlaps(taken, starts, a, b) for a, b, _score in group):
            continue
        group = [c for c in group if not _in_shop_name(text, c[0], c[1])]
        if group:
            kept.extend(_segmented(text, group, model))
    return kept


def _segmented(
    text: str, candidates: list[tuple[int, int, float]], model: _NameModel
) -> list[tuple[int, int, float]]:
    """The candidates (sorted) that the best segmentation of the text around them keeps."""
    kept = []
    for group in _groups(candidates):  # candidates close together are decided in one segmentation
        lo, hi = group[0][0], max(c[1] for c in group)
        if all(c[0] == lo for c in group):  # the usual case: one start, read as two or three characters
            longest = max(group, key=lambda c: c[1])
            if not _crossed(text, longest[0], longest[1], model):
                kept.append(longest)  # no word reaches into it: the segmentation would keep it
                continue
        kept.extend(_best_segmentation(text, group, lo, hi, model))
    return kept


def _best_segmentation(
    text: str, group: list[tuple[int, int, float]], lo: int, hi: int, model: _NameModel
) -> tuple[tuple[int, int, float], ...]:
    """The candidates of `group` (spanning text[lo:hi]) that the best segmentation of the text
    around them reads as words: by the dictionary's word frequencies, from the right (as jieba
    does), each candidate a word of its name probability (`_name_logp`)."""
    words, n = model.words, len(text)
    left, right = lo, hi  # three characters either side decide nearly every case
    while left > 0 and lo - left < 3 and _han(text[left - 1]):
        left -= 1
    while right < n and right - hi < 3 and _han(text[right]):
        right += 1
    names: dict[int, list] = {}
    for a, b, score in group:
        names.setdefault(a, []).append((b, _name_logp(text, a, b, model), score))
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
    return route[0][1]


def _has_role(text: str) -> bool:
    return any(_role_before(text, m.end()) for m in _ROLE_END.finditer(text))


def may_hold_name(text: str) -> bool:
    """A cheap pre-filter: False only when no rule of `context_names` could start in `text` (no
    surname before a given-name character, no role word, no description, no weak cue, no dotted
    name, no name component). The register and the record's own names are looked for apart."""
    return (
        _name_model().candidates.search(text) is not None  # first: it lets nearly every text through early
        or _has_role(text)
        or _RIGHT_RE.search(text) is not None
        or _WEAK_RE.search(text) is not None
        or _DOT_RE.search(text) is not None
        or _COMPONENT_START.search(text) is not None
        or _TITLE_RE.search(text) is not None
    )


# --- the register ---------------------------------------------------------------------------------


@cache
def organisation_form() -> re.Pattern:
    """`organisation_form` of shapes.yml: the form of an organisation's name (fullmatch)."""
    import yaml

    return re.compile(yaml.safe_load(SHAPES_FILE.read_text(encoding="utf-8"))["organisation_form"])


_OTHER_DOTS = [c for c in _DOTS if c != "·"]


def _one_dot(text: str) -> str:
    """Every middle dot look-alike as ·, one character for one (the offsets stay). By
    `str.replace` where one occurs, not `str.translate`: measured over 256,346 detection copies,
    0.05 s against 1.1 s."""
    for dot in _OTHER_DOTS:
        if dot in text:
            text = text.replace(dot, "·")
    return text


def normalise_name(name: str) -> str:
    """A name as the detectors read it: the normalised copy (simplified characters, NFKC,
    no whitespace between Han characters, other whitespace single), middle dots as ·."""
    from publishing.privacy.normalise import normalise

    return _one_dot(" ".join(normalise(name).text.split()))


class KnownPeople:
    """The natural persons' names the platform knows, to be masked wherever they appear.

    Built once per run from the warehouse (`publishing.open_data`): every natural-person subject
    and legal representative of every record, not only the row's own (a creditor named in one
    court record is often the subject or representative of another). Names are normalised as the
    text is (simplified, no spaces; middle dots read alike; a dotted name also without its dot).

    `organisations`: public names inside which a person's name stays as it is (长春市张伟商贸有限公司).
    Only names of the organisation form (`shapes.yml` `organisation_form`) count, and never one
    that is also a known person's name: a register poisoned with a bare personal name "as an
    organisation" exempts nothing."""

    def __init__(self, people: Iterable[str], organisations: Iterable[str] = ()):
        names: set[str] = set()
        registered: set[str] = set()
        for raw in people:
            if not isinstance(raw, str) or "*" in raw:
                continue
            name = normalise_name(raw)
            if len(name) < 2:
                continue
            names.add(name)
            registered.add(name)
            if "·" in name and len(name.replace("·", "")) >= 3:
                names.add(name.replace("·", ""))  # 艾力吐尔逊 as written without the dot
        self.people = frozenset(names)  # with the dotted names' forms without their dot
        self._count = len(registered)
        self._dotted = any("·" in name for name in names)
        lengths: dict[str, set[int]] = {}
        for name in self.people:
            lengths.setdefault(name[:2], set()).add(len(name))
        self._lengths = {k: sorted(v, reverse=True) for k, v in lengths.items()}
        # Where a name may start: a name's first character before a name's second character (one
        # character consumed per match, so overlapping candidates are all tried), then a dict
        # lookup of the two characters. (A lookahead over an alternation of all the names is
        # tried at every position of the text: with 8,000 names it cost more than the rest.)
        self.pattern = (
            re.compile(
                "["
                + "".join(sorted({re.escape(k[0]) for k in lengths}))
                + "](?=["
                + "".join(sorted({re.escape(k[1]) for k in lengths}))
                + "])"
            )
            if self.people
            else None
        )
        form = organisation_form()
        orgs: dict[str, list[str]] = {}
        for raw in organisations:
            if not isinstance(raw, str):
                continue
            org = normalise_name(raw)
            if len(org) < 3 or org in self.people or raw.strip() in self.people or not form.fullmatch(org):
                continue
            orgs.setdefault(org[:2], []).append(org)
        self._orgs = {k: sorted(set(v), key=len, reverse=True) for k, v in orgs.items()}
        self._longest_org = max((len(o) for v in orgs.values() for o in v), default=0)

    def __len__(self) -> int:
        """How many distinct names are registered (normalised)."""
        return self._count

    @property
    def organisations(self) -> frozenset:
        """The organisations' names that exempt a name inside them (the organisation form only)."""
        return frozenset(o for v in self._orgs.values() for o in v)

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
        if self._dotted:
            text = _one_dot(text)
        lengths, people = self._lengths, self.people
        for m in self.pattern.finditer(text):
            a = m.start()
            for length in lengths.get(text[a : a + 2], ()):
                if text[a : a + length] in people:
                    return True
        return False

    def find(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every known name in the normalised `text`, but inside an organisation's
        name of the organisation form."""
        if self.pattern is None:
            return []
        if self._dotted:
            text = _one_dot(text)
        out = []
        lengths, people = self._lengths, self.people
        for m in self.pattern.finditer(text):
            a = m.start()
            for length in lengths.get(text[a : a + 2], ()):
                if text[a : a + length] in people:
                    if not (self._orgs and self.in_organisation(text, a, a + length)):
                        out.append((a, a + length))
                    break
        return out


# --- the record's own names ------------------------------------------------------------------------


def pinyin_variants(surname: Sequence[str], given: Sequence[str]) -> tuple[str, ...]:
    """The Latin forms of a name from its pinyin syllables (`surname`: one or two syllables,
    `given`: any): surname first and given name first, with and without a space, given
    syllables joined, spaced or hyphenated, capitalised, upper case, lower case, surname in
    capitals (ZHANG Wei), surname and a comma (Zhang, Wei): Zhang Wei, ZHANG Wei, ZHANG WEI, zhang wei,
    Zhangwei, Wei Zhang...
    A ü (written v, as pypinyin does) gives its forms u, v, yu and ü."""
    if not surname or not given:
        return ()
    out: dict[str, None] = {}
    for s_syl in _u_forms(surname):
        for g_syl in _u_forms(given):
            s = "".join(s_syl).lower()
            gs = [g.lower() for g in g_syl]
            cap_s = s.capitalize()
            for g in ("".join(gs), " ".join(gs), "-".join(gs)):
                cap_g = g.capitalize() if " " not in g else " ".join(w.capitalize() for w in g.split(" "))
                for form in (
                    f"{cap_s} {cap_g}",
                    f"{s.upper()} {cap_g}",
                    f"{s.upper()} {g.upper()}",
                    f"{s} {g}",
                    f"{cap_g} {cap_s}",
                    f"{cap_g} {s.upper()}",
                    f"{g.upper()} {s.upper()}",
                    f"{g} {s}",
                ):
                    out[form] = None
            g = "".join(gs)
            for form in (
                f"{cap_s}, {g.capitalize()}",
                f"{s.upper()}, {g.capitalize()}",
                f"{s.upper()}, {g.upper()}",
            ):
                out[form] = None  # as forms are filled in: surname, comma, given name (Zhang, Wei)
            for form in (
                cap_s + g,
                cap_s + g.capitalize(),
                (s + g).upper(),
                s + g,
                g.capitalize() + s,
                g.capitalize() + cap_s,
                (g + s).upper(),
                g + s,
            ):
                out[form] = None
    return tuple(out)


def _u_forms(syllables: Sequence[str]) -> list[list[str]]:
    """The syllables with each ü (v) written u, v, yu and ü: [['lv'], ...] -> lu, lv, lyu, lü."""
    if not any("v" in s or "ü" in s for s in syllables):
        return [list(syllables)]
    out: list[list[str]] = [[]]
    for syl in syllables:
        base = syl.replace("ü", "v")
        forms = [base] if "v" not in base else [base.replace("v", x) for x in ("u", "v", "yu", "ü")]
        out = [prefix + [f] for prefix in out for f in forms]
    return out


@cache
def _pinyin():
    """pypinyin's `lazy_pinyin`, imported once."""
    from pypinyin import lazy_pinyin

    return lazy_pinyin


def _syllables(chars: str) -> list[str] | None:
    out = _pinyin()(chars)
    return out if len(out) == len(chars) and all(s.isascii() and s.isalpha() for s in out) else None


def record_name_variants(name: str, pinyin: bool = True) -> tuple[str, ...]:
    """The forms of a record's own name to look for in its text: its normalised Chinese form (a
    dotted name also with the other dots and without one), and its pinyin forms
    (`pinyin_variants`: Zhang Wei, ZHANG Wei, Wei Zhang, Zhangwei...; left out when `pinyin` is
    False: they cost most, and every one of them has Latin letters). The surname is read as a
    surname (单 Shan, 曾 Zeng: `surname_readings.txt`). `name`: normalised (simplified, no spaces)."""
    name = name.strip()
    if len(name) < 2 or "*" in name:
        return ()
    if not any(_han(c) for c in name):  # a Latin name is looked for as it is, its words apart too
        spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)  # JohnSmith (spaces removed) -> John Smith
        return tuple(dict.fromkeys((name, spaced)))
    parts = [p for p in re.split("[" + re.escape(_DOTS) + "]", name) if p]
    if len(parts) > 1:
        return tuple(dict.fromkeys((name, *_dotted_name_forms(parts, pinyin))))
    if not all(_han(c) for c in name) or len(name) > 6 or not pinyin:
        return (name,)
    return tuple(dict.fromkeys((name, *_pinyin_name_forms(name))))


def _dotted_name_forms(parts: list[str], pinyin: bool = True) -> Iterator[str]:
    """艾力·吐尔逊 with every dot, without one, and in pinyin (the first part as the surname) when
    every part is Chinese."""
    for dot in "·•・.":
        yield dot.join(parts)
    yield "".join(parts)
    if pinyin and all(_han(c) for p in parts for c in p):
        syllables = [_syllables(p) for p in parts]
        if all(syllables):
            first, rest = syllables[0], [s for syl in syllables[1:] for s in syl]
            yield from pinyin_variants(["".join(first)], ["".join(rest)])


def _pinyin_name_forms(name: str) -> Iterator[str]:
    """The pinyin forms of a Chinese name (two to six characters), its surname read as a surname
    (`surname_readings.txt`); none when a character has no pinyin."""
    surname_len = _compound_at(name, 0, 1) if len(name) > 2 else 0
    surname_len = surname_len if 0 < surname_len < len(name) else 1
    surname, given = name[:surname_len], name[surname_len:]
    given_syl = _syllables(given)
    if given_syl is None:
        return
    readings = SURNAME_READINGS.get(surname)
    if readings:
        surname_options = [[r] for r in readings]
    else:
        syl = _syllables(surname)
        surname_options = [["".join(syl)]] if syl else []
    for option in surname_options:
        yield from pinyin_variants(option, given_syl)


# --- masks and loading ----------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """Keep the surname, mask the rest: 张三丰 -> 张**, 王伟 -> 王*. A Latin name keeps its first
    letter and its spaces, every other letter masked: Zhang Wei -> Z**** ***."""
    if name.isascii() and any(c.isalpha() for c in name):
        out, first = [], True
        for ch in name:
            if ch.isspace():
                out.append(ch)
            elif first and ch.isalpha():
                out.append(ch)
                first = False
            else:
                out.append("*")
        return "".join(out)
    return name[:1] + "*" * max(len(name) - 1, 1)


def load() -> None:
    """Build every table once: jieba's dictionary and HMM tables, the name statistics, the
    organisation form, pypinyin (before worker processes fork, so that none builds them again)."""
    _load_lexicon()
    _name_model()
    organisation_form()
    _pinyin()("张")
    context_names("当事人张三")
