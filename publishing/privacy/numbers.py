"""Numbers and codes that identify a person: citizen IDs, phones, bank cards, passports, and
any other long number nobody declared harmless.

Natural persons' ID numbers and phone numbers are never opened (hl-2022 Art 23, hl-draft
Art 24). Rather than list every way a clerk can write one, the rule fails closed (platform
policy, `shapes.yml`): on the normalised copy (`publishing.privacy.normalise`), a *digit run*
(digit groups joined by separators of any length) of seven digits or more is personal unless it
has a declared non-personal shape (a date, an amount, a decision number, a checksummed
organisation code, a number a registration or licence word introduces...), and no declaration
frees a run with the shape of a mobile, a citizen ID or a landline, nor a 13-19 digit run
(a card, Luhn-valid or not) but by its checksum. The kind only chooses the placeholder:

| kind        | shape                                                     | replaced by   |
|-------------|-----------------------------------------------------------|---------------|
| citizen_id  | 18 digits (or 17 and X) or 15, region and birth date shape | [身份证号]     |
| mobile      | 1[3-9] and nine digits, 86 / 0086 before it or not          | [电话]         |
| landline    | 0 and an area code, then seven or eight digits              | [电话]         |
| bank_card   | 13-19 digits                                                | [银行卡号]     |
| number      | any other run of seven digits or more                       | [号码]         |
| passport    | a personal document's code (E12345678, C12345678, H...), or | [证件号码]     |
|             | any code after 护照 / 通行证 / 证件号码                      |               |

The publish gate reads the same `shapes.yml` with its own code: the two agree on every
exemption because there is one list.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

from creditlake.identifiers import organisation_code_valid, uscc_valid

SHAPES_FILE = Path(__file__).with_name("shapes.yml")
# Separators between digit groups: whitespace, dashes, slashes, underscores, a dot before three
# digits or more, and a bracketed trunk zero (+86 (0)431...).
_SEPARATOR = r"(?:[ \t\r\n\u00a0\-/_]*\(0\)[ \t\r\n\u00a0\-/_]*|[ \t\r\n\u00a0\-/_]+|\.(?=[0-9]{3}))"
# A digit run: digit groups joined by separators. Joined to it: a + before it, a bracketed area
# code, mobile prefix or country code before it ((0431), (138), (+86)); an X that closes an ID;
# a permit's letter in brackets after it (1012345678(B)). Letters touching it make it a code.
_RUN = re.compile(
    r"(?:\((?:0[0-9]{2,3}|1[3-9][0-9]|\+?86)\)\s*|\+\s*)?[0-9]+(?:" + _SEPARATOR + r"[0-9]+)*"
    r"(?:\s?[Xx](?![A-Za-z0-9])|\([A-Z]\))?"
)
# A phone's extension goes with it: 0431-81234567转8012.
_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|EXT\.?|Ext\.?|-)\s*[0-9]{1,5}(?![0-9])")
_PHONE_WORD = re.compile(
    r"(?:电话|手机|座机|固话|联系方式|联系号码|热线|Tel|TEL|tel|Fax|FAX|传真)(?:号码|号)?(?:为|是)?[:：]?\s*$"
)
_PERMIT_LETTER = re.compile(r"\([A-Z]\)|\s[A-Z](?![A-Za-z0-9])")  # 台胞证 1012345678(B), 1028374650 B
# Letters written apart before a run: E 2345 6789, C8765\n4321, CD 9876543 (a code spelt out).
_LETTERS_BEFORE = re.compile(r"(?<![A-Za-z])[A-Za-z]{1,2}[ \t\r\n\u00a0\-]*$")
_CODE = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*")


class Shapes(NamedTuple):
    min_digits: int
    personal: dict[str, re.Pattern]
    exemptions: list[dict]
    personal_codes: re.Pattern
    personal_code_before: re.Pattern
    non_personal_codes: re.Pattern
    non_personal_code_before: re.Pattern
    date_with_separators: re.Pattern
    platform_key: re.Pattern
    organisation_check: str


@cache
def declarations(path: Path = SHAPES_FILE) -> dict:
    """`shapes.yml` as it is written (the desensitiser's one reading of it)."""
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def shapes(path: Path = SHAPES_FILE) -> Shapes:
    spec = declarations(path)
    exemptions = []
    for entry in spec["non_personal_numbers"]:
        exemptions.append(
            {
                "name": entry["name"],
                "digits": re.compile(entry["digits"]) if "digits" in entry else None,
                "before": re.compile(entry["before"]) if "before" in entry else None,
                "after": re.compile(entry["after"]) if "after" in entry else None,
                "check": entry.get("check"),
                "may_be_card": bool(entry.get("may_be_card")),
            }
        )
    codes = spec["codes"]
    return Shapes(
        spec["min_digits"],
        {kind: re.compile(p) for kind, p in spec["personal_shapes"].items()},
        exemptions,
        re.compile("|".join(f"(?:{p})" for p in codes["personal"])),
        re.compile(codes["personal_before"]),
        re.compile("|".join(f"(?:{p})" for p in codes["non_personal"])),
        re.compile(codes["non_personal_before"]),
        re.compile(spec["date_with_separators"]),
        re.compile(codes["platform_key"]),
        codes["organisation_check"],
    )


# --- checksums named in shapes.yml -------------------------------------------------------------


def _mod_11_10_ok(digits: str) -> bool:
    from stdnum.iso7064 import mod_11_10

    return mod_11_10.is_valid(digits)


def _ean13_ok(digits: str) -> bool:
    from stdnum import ean

    return len(digits) == 13 and ean.is_valid(digits)


CHECKS = {
    "uscc": uscc_valid,
    "mod_11_10": _mod_11_10_ok,
    "gb11714": organisation_code_valid,
    "ean13": _ean13_ok,
}


# --- runs ---------------------------------------------------------------------------------------


class Number(NamedTuple):
    start: int
    end: int
    kind: str  # citizen_id | mobile | landline | bank_card | number | passport


def personal_kind(digits: str) -> str | None:
    """The personal shape of a run's digits (never exempt), or None."""
    personal = shapes().personal
    if personal["citizen_id_18"].fullmatch(digits) or personal["citizen_id_15"].fullmatch(digits):
        return "citizen_id"
    if personal["mobile"].fullmatch(digits):
        return "mobile"
    if personal["landline"].fullmatch(digits):
        return "landline"
    if personal["bank_card"].fullmatch(digits):
        return "bank_card"
    return None


def exempt(text: str, start: int, end: int, digits: str, kind: str | None) -> str | None:
    """The declared non-personal shape the run text[start:end] has, or None."""
    if kind in ("citizen_id", "mobile", "landline"):
        return None
    before, after = text[max(0, start - 24) : start], text[end : end + 16]
    for entry in shapes().exemptions:
        if kind == "bank_card" and not entry["may_be_card"]:
            continue
        if entry["digits"] is not None and not entry["digits"].fullmatch(digits):
            continue
        if entry["before"] is not None and not entry["before"].search(before):
            continue
        if entry["after"] is not None and not entry["after"].match(after):
            continue
        if entry["check"] is not None and not CHECKS[entry["check"]](digits):
            continue
        return entry["name"]
    return None


def find_numbers(text: str) -> list[Number]:
    """Every personal number and code in a normalised text (see the module docstring)."""
    spec = shapes()
    out: list[Number] = []
    n = len(text)
    done = 0  # end of the last code judged: a code's digit groups are one token
    min_digits = spec.min_digits
    for m in _RUN.finditer(text):
        start, end = m.span()
        if start < done:
            continue
        touched = (start and _letter(text[start - 1])) or (end < n and _letter(text[end]))
        if end - start < min_digits and not touched:  # years, amounts, house numbers: most runs
            continue
        if touched and m.group().isdigit():
            code, done = _code_at(text, start, end, spec)
            if code is not None:
                out.append(code)
            continue
        out += _run_numbers(text, start, end, spec)
    return out


def _run_numbers(text: str, start: int, end: int, spec: Shapes) -> list[Number]:
    """The personal numbers of a digit run no letter touches: a code spelt out with letters before
    it (E 2345 6789) as one, else each piece between the dates in it, with a phone's extension
    or a permit's letter after it."""
    spelt = _spelt_code(text, start, end, spec)
    if spelt is not None:
        return [spelt] if spelt.kind != "exempt" else []
    out = []
    for a, b in _between_dates(text, start, end, spec):
        number = _judge(text, a, b, spec)
        if number is not None:
            out.append(_with_suffix(text, number))
    return out


def _with_suffix(text: str, number: Number) -> Number:
    """A phone with its extension (0431-81234567转8012), any other number with a permit's letter
    after it (1012345678(B))."""
    if number.kind in ("mobile", "landline") and (ext := _EXTENSION.match(text, number.end)):
        return number._replace(end=ext.end())
    if permit := _PERMIT_LETTER.match(text, number.end):
        return number._replace(end=permit.end())
    return number


def _spelt_code(text: str, start: int, end: int, spec: Shapes) -> Number | None:
    """A personal code written apart (E 2345 6789, 护照号E-1234-5670): one or two letters, then a
    run; the letters and the run go together."""
    letters = _LETTERS_BEFORE.search(text, max(0, start - 6), start)
    if letters is None or letters.end() != start or letters.start() == start:
        return None
    prefix = letters.group().strip(" \t\r\n\u00a0-")
    digits = "".join(c for c in text[start:end] if c.isdigit())
    kind = personal_kind(digits)
    if spec.personal_code_before.search(text, max(0, letters.start() - 24), letters.start()):
        return Number(letters.start(), end, "passport")
    if exempt(text, start, end, digits, kind) is not None:  # DB22/T 2957-2018: a standard
        return Number(start, end, "exempt")
    if spec.personal_codes.fullmatch((prefix + digits).upper()):
        return Number(letters.start(), end, "passport")
    return None


def _letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _between_dates(text: str, start: int, end: int, spec: Shapes) -> list[tuple[int, int]]:
    """The pieces of a run outside the dates written with separators in it, separators trimmed."""
    cuts = [(d.start(), d.end()) for d in spec.date_with_separators.finditer(text, start, end)]
    pieces, pos = [], start
    for a, b in cuts + [(end, end)]:
        s, e = pos, a
        while s < e and not (text[s].isdigit() or text[s] in "(+"):
            s += 1
        while e > s and not (text[e - 1].isdigit() or text[e - 1] in "Xx"):
            e -= 1
        if e > s:
            pieces.append((s, e))
        pos = b
    return pieces


def _judge(text: str, start: int, end: int, spec: Shapes) -> Number | None:
    digits = "".join(c for c in text[start:end] if c.isdigit() or c in "Xx").upper()
    if digits[-1:] == "X" and len(digits) != 18:
        digits, end = digits[:-1], end - 1
    if len(digits) < spec.min_digits:
        return None
    kind = personal_kind(digits)
    if kind is None and spec.personal_code_before.search(text, max(0, start - 24), start):  # 护照 72 4518390
        return Number(start, end, "passport")
    if kind is None and len(digits) <= 8 and _PHONE_WORD.search(text, max(0, start - 12), start):
        kind = "landline"  # 电话：88886666, a local number without its area code
    if exempt(text, start, end, digits, kind) is not None:
        return None
    return Number(start, end, kind or "number")


def _code_at(text: str, start: int, end: int, spec: Shapes) -> tuple[Number | None, int]:
    """A run that letters touch: the whole alphanumeric token decides (E12345678 is a passport,
    JY12201040012345 a licence number, Tel13812345678 a phone). Also where the token ends."""
    a, b = start, end
    while a > 0 and text[a - 1].isascii() and text[a - 1].isalnum():
        a -= 1
    while b < len(text) and text[b].isascii() and text[b].isalnum():
        b += 1
    return _judge_code(text, start, end, a, b, spec), b


def _judge_code(text: str, start: int, end: int, a: int, b: int, spec: Shapes) -> Number | None:
    """The verdict on the token text[a:b] around the run text[start:end], first rule that
    applies: the record's own id stays; after a personal document's word it is a passport; the
    digits of an ID or a mobile in it go (the letters stay) unless it is an organisation's code;
    after a non-personal code's word it stays; a personal code's shape is a passport; a harmless
    code stays; else it is a number."""
    if spec.platform_key.fullmatch(text, a, b):  # the record's own id
        return None
    token = text[a:b].upper()
    before = text[max(0, a - 24) : a]
    if spec.personal_code_before.search(before):
        return Number(a, b, "passport")
    personal = None if _organisation_code(token, spec) else _personal_digits_in(token, a)
    if personal is not None:
        return personal
    if spec.non_personal_code_before.search(before):
        return None
    if spec.personal_codes.fullmatch(token):
        return Number(a, b, "passport")
    if _harmless_code(text, start, end, token, spec):
        return None
    return Number(a, b, "number")


def _organisation_code(token: str, spec: Shapes) -> bool:
    """An organisation's code by its check character (914403040712163QTF), not itself a citizen
    ID's shape: the digit groups in it are the code's (shapes.yml `codes.organisation_check`)."""
    return CHECKS[spec.organisation_check](token) and personal_kind(token) is None


def _personal_digits_in(token: str, a: int) -> Number | None:
    """The first digit group of a token (at `a`) with a citizen ID's or a mobile's shape:
    Tel13812345678, ID220102198503121234 (the digits go, the letters stay)."""
    for group in re.finditer(r"[0-9]+X?", token):
        kind = personal_kind(group.group())
        if kind in ("citizen_id", "mobile"):
            return Number(a + group.start(), a + group.end(), kind)
    return None


def _harmless_code(text: str, start: int, end: int, token: str, spec: Shapes) -> bool:
    """Whether a token with no personal shape may stay: too few digits, a declared non-personal
    number (1234567mg: a quantity) or a non-personal code's shape."""
    return (
        sum(c.isdigit() for c in token) < spec.min_digits
        or exempt(text, start, end, text[start:end], None) is not None
        or spec.non_personal_codes.fullmatch(token) is not None
    )


# --- vehicle plates --------------------------------------------------------------------------------
# A private car's plate identifies its owner: the province character stays (吉A12345 -> 吉*****).

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTER = "[A-HJ-NP-Z]"  # no I, O on plates
_PLATE_CHAR = "[A-HJ-NP-Z0-9]"
_PLATE_START = re.compile("[" + _PROVINCES + "]" + _PLATE_LETTER)
_PLATE = re.compile(
    r"[" + _PROVINCES + "]" + _PLATE_LETTER + r"[·•・.]?"
    r"(?:[DF]"
    + _PLATE_CHAR
    + r"[0-9]{4}|[0-9]{5}[DF]|"
    + _PLATE_CHAR
    + r"{5}|"
    + _PLATE_CHAR
    + r"{4}[挂学警港澳])"
    r"(?![A-Za-z0-9])"
)


def find_plates(text: str) -> list[Number]:
    """吉A12345, 吉A·12345, new-energy 粤B·D12345 / 粤BD12345 / 粤B12345D, trailers 吉A1234挂."""
    out = []
    for m in _PLATE_START.finditer(text):
        p = _PLATE.match(text, m.start())
        if p is None:
            continue
        tail = p.group()[2:].lstrip("·•・.")
        if tail[:1] in "DF" or sum(c.isascii() and c.isalpha() for c in tail) <= 2:  # at most two letters
            out.append(Number(p.start(), p.end(), "plate"))
    return out
