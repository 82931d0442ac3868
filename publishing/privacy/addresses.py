"""A person's home address and birth date: personal data that is never opened (hl-2022 Art 23).

Home address (住址). Two signals, either enough:
- a residence word before it (家住, 住址, 现住, 户籍地, 居住于, 暂住...): the address after it,
  to its last place word before the clause ends;
- the fine grain only a dwelling has: a building, a unit, a room (5栋2单元301室, 3号楼1门502,
  幸福村三组12号), wherever it stands.
A business address down to its street number (经营场所位于人民大街1234号) has neither and stays.
The mask starts after the city and district (长春市朝阳区 stays, the rest goes): what is left
locates no one.

Birth date (出生日期): a date next to a birth word (出生, 生于, 出生日期...) or inside a person's
description (（男，1985年3月12日，汉族）).
"""

from __future__ import annotations

import re
from typing import NamedTuple

_NUM = r"(?:[0-9]{1,5}|[一二三四五六七八九十百零〇]{1,4})"
_BUILDING = r"(?:[0-9A-Za-z]{1,5}|[一二三四五六七八九十百零〇]{1,4})"  # 5栋, A座, 3#楼
RESIDENCE_CUE = re.compile(
    r"(?:家庭住址|家庭地址|家住|住址|现住址|现住|现居住地|现居住于|现居住|现居|住在|住于|户籍地址|户籍所在地|户籍地|户籍|实际居住在|"
    r"居住地址|居住地|居住于|居住在|暂住地|暂住于|暂住|租住于|租住在|租住|住处|住宅地址|身份证地址|身份证住址)"
    r"(?:为|是|在|于)?[:：]?\s*"
)
# The parts only a dwelling has; two of them (or a village group and a number) make the grain.
_DWELLING = re.compile(
    _BUILDING
    + r"\s*(?:号楼|#楼|#|栋|幢|座|号院|排)\s*-?\s*(?:"
    + _NUM
    + r"\s*(?:单元|门|号|层|楼|-)\s*)?"
    + _NUM
    + r"\s*(?:室|户|号房|号|房)?"
    r"|" + _NUM + r"\s*(?:单元|门)\s*" + _NUM + r"\s*(?:室|户|号|层)?"
    r"|" + _NUM + r"\s*楼\s*[0-9]{3,4}(?![0-9])\s*(?:室|号)?"  # 12楼1201
    r"|(?<![0-9.])[0-9]{1,3}\s*-\s*[0-9]{1,2}\s*-\s*[0-9]{3,4}(?![0-9])\s*(?:室|号)?"  # 5-2-301
    r"|[村屯][^，。；,;\s]{0,6}?" + _NUM + r"\s*(?:组|社|队)(?:\s*" + _NUM + r"\s*号)?"
    r"|[0-9]{1,3}委[0-9]{1,3}组"  # 5委18组
    r"|(?:组|胡同|巷|弄|里)\s*" + _NUM + r"\s*号"  # 后屯组58号, 东三条胡同7号
)
_ADDRESS_CHAR = r"[\u4e00-\u9fff0-9A-Za-z\-#() \t\n\u00a0]"
# Where an address may end: the last of these in the clause.
_PLACE_END = re.compile(
    r"(?:室|户|号房|号院|号楼|号|单元|门|层|楼|栋|幢|组|社|队|村|屯|庄|小区|社区|花园|家园|公寓|大厦|苑|街道|大街|路|街|巷|弄|道|镇|乡|区|县|市)"
)
# The administrative prefix that stays: province, city, district or county (长春市朝阳区).
_KEPT_PREFIX = re.compile(
    r"\s*(?:[\u4e00-\u9fff]{1,8}?(?:省|自治区))?\s*(?:[\u4e00-\u9fff]{1,8}?(?:市|州|盟))?"
    r"\s*(?:[\u4e00-\u9fff]{1,6}?(?<!小)(?<!社)(?<!业园)(?<!技园)(?<!景)(?<!校)(?<!营)(?:区|县|旗)区?)?\s*"
)  # 小区, 社区, 工业园区 are no district; 梅县区 is one
_CLAUSE_END = re.compile(
    r"[，。；;,！!？?、\x00]|(?:的|内|处|家中|期间|从事|经营|销售|开设|无证|未经|于20|在其)"
)


class Found(NamedTuple):
    start: int
    end: int
    kind: str  # address | birth_date


def find_addresses(text: str) -> list[Found]:
    """Home addresses in a normalised text: (start, end) of what is masked."""
    out: list[Found] = []
    for m in RESIDENCE_CUE.finditer(text):  # after a residence word the whole address goes
        end = _address_end(text, m.end())
        if end > m.end():
            out.append(Found(m.end(), end, "address"))
    for m in _DWELLING.finditer(text):
        if any(f.start <= m.start() < f.end for f in out):  # the grain after a cue's address: one address
            out = [f._replace(end=max(f.end, m.end())) if f.start <= m.start() < f.end else f for f in out]
            continue
        start = m.start()
        while start > 0 and re.match(_ADDRESS_CHAR, text[start - 1]) and m.start() - start < 40:
            start -= 1
            if _CLAUSE_END.match(text, start):
                start += 1
                break
        # the address starts after its last clause word (在, 于, 住) before the place words
        lead = re.search(r"^.*(?:在|于|住|位于|地址|地点)", text[start : m.start()])
        if lead:
            start += lead.end()
        end = max(m.end(), _address_end(text, m.end()))
        out.append(Found(_after_prefix(text, start, end), end, "address"))
    return out


def _address_end(text: str, start: int) -> int:
    """The end of the address that starts at `start`: its last place word within the clause."""
    clause = _CLAUSE_END.search(text, start, min(len(text), start + 60))
    stop = clause.start() if clause else min(len(text), start + 60)
    end = start
    for m in _PLACE_END.finditer(text, start, stop):
        end = m.end()
    room = (
        re.match(r"\s*[0-9A-Za-z\-]+", text[end:stop]) if end > start else None
    )  # 1门502: the room without 室
    return end + room.end() if room else end


def _after_prefix(text: str, start: int, end: int) -> int:
    """Where the mask starts: after the province, city and district the address begins with."""
    m = _KEPT_PREFIX.match(text, start, end)
    kept = m.end() if m else start
    return kept if kept < end else start


_MONTH = r"(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3}|正|元|冬|腊)"
_DAY = r"(?:[0-9]{1,2}|初[一二三四五六七八九十]|廿[一二三四五六七八九]?|二十[一二三四五六七八九]?|三十|[一二三四五六七八九十]{1,3})"
_YEAR = r"(?:(?:19|20)[0-9]{2}|(?<![0-9])[0-9]{2}|民国[一二三四五六七八九十零〇0-9]{1,4})\s*年(?:的)?\s*(?:农历|阴历|公历)?"
DATE = (
    _YEAR + r"\s*" + _MONTH + r"\s*月(?:\s*" + _DAY + r"\s*[日号]?)?"
    r"|(?:19|20)[0-9]{2}[-/.](?:1[0-2]|0?[1-9])(?:[-/.](?:3[01]|[12][0-9]|0?[1-9]))?(?![0-9])"
    r"|(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])(?![0-9])"
    r"|(?:19|20)[0-9]{2}\s+(?:1[0-2]|0?[1-9])\s+(?:3[01]|[12][0-9]|0?[1-9])(?![0-9])"  # 1989 01 26
    r"|(?<![0-9])[0-9]{2}[./](?:1[0-2]|0?[1-9])[./](?:3[01]|[12][0-9]|0?[1-9])(?![0-9])"  # 82.07.07
    r"|(?<![0-9])[0-9]{1,2}\s*(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*\.?\s*(?:19|20)[0-9]{2}"
    r"|(?:19|20)[0-9]{2}\s*年(?=\s*(?:出生|生))"  # the year alone: 1966年生
    r"|(?<![0-9年])" + _MONTH + r"\s*月\s*" + _DAY + r"\s*[日号]"  # no year: 生日：3月12日
)
_BIRTH_BEFORE = re.compile(
    r"(?:出生日期|出生年月日|出生年月|出生时间|出生于|出生在|出生|生日|生于|生辰|Date of Birth|DATE OF BIRTH|DOB|D\.O\.B\.|Birth)"
    r"\s*(?:为|是)?\s*[:：]?\s*(?:公元|农历|阴历|阳历)?\s*$|(?:男|女)\s*[,，、]\s*$"
    r"|(?:户口本|户口簿|户籍|身份证)[^,，。；;]{0,6}(?:登记|记载)(?:为|的)?\s*$"  # the registered date of birth
)
_BIRTH_AFTER = re.compile(
    r"\s*(?:出生|出世|生人|年生|生[，,）)、。；;\s]|生$)|\s*[,，、]\s*[\u4e00-\u9fff]{1,3}族"
)
_DATE = re.compile(DATE, re.IGNORECASE)


def find_birth_dates(text: str) -> list[Found]:
    """Dates of birth in a normalised text: a date with a birth word next to it."""
    out = []
    for m in _DATE.finditer(text):
        if _BIRTH_BEFORE.search(text, max(0, m.start() - 16), m.start()) or _BIRTH_AFTER.match(text, m.end()):
            out.append(Found(m.start(), m.end(), "birth_date"))
    return out
