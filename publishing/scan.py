"""The publish gate's independent scanner: personal data in files about to be published.

Deliberately shares no code with the desensitiser (publishing.desensitise): its own
patterns, and python-stdnum for the checksum, so a bug in one is not repeated in the other.
It reads the files themselves, every column, as text, and refuses (hl-2022 Art 23, hl-draft
Art 24, city-2022 Art 23) on:

* `citizen_id`: 18 digits (last may be X) with a real birth date and the GB 11643-1999 check
  digit, also written in groups (2201 0419 8503 1200 11, 220104-19850312-0011) or in
  full-width digits (２２０１...). Legacy 15-digit IDs have no check digit and are not looked
  for here: 15-digit registration numbers (注册号) are public.
* `mobile`: 1[3-9] and nine digits, also as 138-1234-5678, 138 1234 5678, +86 / 0086 / 86-
  prefixed, full-width.
* `landline`: a number with its area code, 0431-88886666, 0431 88886666, (0431)88886666,
  （0431）88886666, 010-12345678; and, right after a phone word (电话, 手机, 座机, 联系方式,
  Tel...), an unseparated 043188886666 or a bare 7-8 digit local number.
* `protected_name`: a natural person's name the records say must be hidden: every natural
  person the warehouse knows (subjects and legal representatives of all records, not only
  the row's own), found anywhere outside the public names in `allowed` (organisations,
  authorities, courts: 长春市张伟商贸有限公司 is not a leak of 张伟).

Full-width digits and separators are folded before scanning (NFKC), so the formats the
desensitiser handles cannot slip through by their spelling alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from stdnum.cn import ric

_SEP = r"[ \-]?"  # one space or dash between digit groups, as clerks write them
# Boundaries: no digit or ASCII letter next to the number (USCCs and codes like JY1220... are not IDs).
_ID = re.compile(r"(?<![0-9A-Za-z])([1-9](?:" + _SEP + r"[0-9]){16}" + _SEP + r"[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(
    r"(?<![0-9A-Za-z])(?:(?:\+|00)?86[ \-]?|\(\+?86\)[ ]?)?(1[3-9][0-9](?:" + _SEP + r"[0-9]{4}){2})(?![0-9A-Za-z])"
)
_LANDLINE = re.compile(r"(?<![0-9A-Za-z])(?:\((0[0-9]{2,3})\)[ \-]?|(0[0-9]{2,3})[ \-])([0-9]{7,8})(?![0-9A-Za-z])")
_AFTER_PHONE_WORD = re.compile(
    r"(?:电话|手机|座机|固话|联系方式|联系号码|Tel|TEL|tel)(?:号码|号)?(?:为|是)?[:：]?[ ]?(0[0-9]{9,11}|[0-9]{7,8})(?![0-9A-Za-z])"
)
_BIRTH = re.compile(r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])")


@dataclass(frozen=True)
class Finding:
    file: str
    kind: str  # citizen_id | mobile | landline | protected_name
    sample: str  # masked, so the finding itself leaks nothing

    def __str__(self) -> str:
        return f"{self.kind} in {self.file}: {self.sample}"


def _mask(value: str) -> str:
    return value[:3] + "*" * (len(value) - 5) + value[-2:] if len(value) > 5 else value[:1] + "*"


def _fold(text: str) -> str:
    """Full-width digits, letters, brackets and dashes to ASCII (NFKC); the dash 'FULLWIDTH
    HYPHEN-MINUS' folds, the ideographic ones do not: they are mapped by hand."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate({0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-",
                                                           0x2014: "-", 0x2212: "-", 0x3000: " "})  # fmt: skip


def _id_ok(digits: str) -> bool:
    """A real birth date and the check digit. stdnum also rejects unknown birthplaces; the gate
    must not (new and abolished division codes), so the checksum is checked on its own too."""
    if not _BIRTH.fullmatch(digits[6:14]):
        return False
    if ric.is_valid(digits):
        return True
    try:
        return ric.calc_check_digit(digits) == digits[-1].upper()
    except ValueError:
        return False


class _Words:
    """A set of literal strings, found in one regex pass (a prefix tree of alternatives)."""

    def __init__(self, words):
        words = sorted({w for w in words if w}, key=len, reverse=True)
        self.pattern = re.compile(self._tree(words)) if words else None

    @staticmethod
    def _tree(words: list[str]) -> str:
        root: dict = {}
        for word in words:
            node = root
            for ch in word:
                node = node.setdefault(ch, {})
            node["end"] = True

        def render(node: dict) -> str:
            branches = [re.escape(ch) + render(child) for ch, child in node.items() if ch != "end"]
            if not branches:
                return ""
            body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
            return "(?:" + body + ")?" if node.get("end") else body

        return render(root)

    def finditer(self, text: str):
        return self.pattern.finditer(text) if self.pattern else iter(())

    def blank(self, text: str) -> str:
        return self.pattern.sub(" ", text) if self.pattern else text


def scan_text(text: str, file: str, protected_names, allowed=frozenset()) -> list[Finding]:
    """`protected_names`: natural persons' names (a set, or a prepared `_Words`); `allowed`:
    public strings (organisations' names) that may contain a person's name."""
    found = []
    folded = _fold(text)
    for m in _ID.finditer(folded):
        digits = m.group(1).replace(" ", "").replace("-", "")
        if _id_ok(digits):
            found.append(Finding(file, "citizen_id", _mask(digits)))
    found += [Finding(file, "mobile", _mask(re.sub(r"[ \-]", "", m.group(1)))) for m in _MOBILE.finditer(folded)]
    for m in _LANDLINE.finditer(folded):
        found.append(Finding(file, "landline", _mask((m.group(1) or m.group(2)) + m.group(3))))
    found += [Finding(file, "landline", _mask(m.group(1))) for m in _AFTER_PHONE_WORD.finditer(folded)]
    names = protected_names if isinstance(protected_names, _Words) else _Words(_clean(protected_names))
    if names.pattern is not None:
        public = allowed if isinstance(allowed, _Words) else _Words(allowed)
        rest = public.blank(text)
        found += [Finding(file, "protected_name", _mask(n)) for n in sorted({m.group() for m in names.finditer(rest)})]
    return found


def _clean(names) -> set[str]:
    return {n.strip() for n in names if isinstance(n, str) and len(n.strip()) >= 2 and "*" not in n}


def scan_files(paths: list[Path], protected_names, allowed=frozenset()) -> list[Finding]:
    """Scan the text of every CSV/JSON/HTML/Markdown file, and every column of Parquet files."""
    names, public = _Words(_clean(protected_names)), _Words(allowed)
    findings: list[Finding] = []
    for path in paths:
        if path.suffix == ".parquet":
            import pandas as pd

            frame = pd.read_parquet(path)
            text = "\n".join(frame[c].astype(str).str.cat(sep="\n") for c in frame.columns)
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
        findings += scan_text(text, str(path), names, public)
    return findings
