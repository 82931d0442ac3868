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


# Characters as common in Chinese text as the ideographs around them (full-width punctuation),
# replaced by their compatibility decomposition before NFKC: that leaves NFKC's result as it is
# (it decomposes them so anyway), and most texts are then normalized already, which is checked
# at C speed instead of normalizing a megabyte again.
_WIDE = {c: unicodedata.normalize("NFKD", c) for c in "，：；（）！？％＋＠"}
# The rest of the full-width ASCII block (digits, letters, dashes: rare), one by one.
_FULL_WIDTH = re.compile("[\uff01-\uff5e]")
_NARROW = {chr(c): unicodedata.normalize("NFKD", chr(c)) for c in range(0xFF01, 0xFF5F)}
_DASHES = {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u3000": " "}


def _fold(text: str) -> str:
    """Full-width digits, letters, brackets and dashes to ASCII (NFKC); the dash 'FULLWIDTH
    HYPHEN-MINUS' folds, the ideographic ones do not: they are mapped by hand."""
    if text.isascii():
        return text
    for wide, narrow in _WIDE.items():
        if wide in text:
            text = text.replace(wide, narrow)
    text = _FULL_WIDTH.sub(lambda m: _NARROW[m.group()], text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    for dash, ascii_ in _DASHES.items():
        if dash in text:
            text = text.replace(dash, ascii_)
    return text


def _id_ok(digits: str) -> bool:
    """A birth date (year 18xx-20xx, month, day) and stdnum's GB 11643-1999 check digit.
    `ric.is_valid` is not asked: it also rejects unknown birthplaces, which the gate must not
    (new and abolished division codes), so whatever else it says, the check digit decided
    (and its birthplace lookup cost more than the rest of a scan of a file full of IDs)."""
    if not _BIRTH.fullmatch(digits[6:14]):
        return False
    try:
        return ric.calc_check_digit(digits) == digits[-1].upper()
    except ValueError:
        return False


class _Words:
    """A set of literal strings, found leftmost-longest and without overlaps (as one regex
    alternation of them all would find them), but scaling to tens of thousands of words: one
    regex pass over the positions where a word's first character stands (before a word's
    second character), then a set lookup of the slice of each length a word starting with
    those two characters has, longest first. (An alternation of 18,000 names, even as a
    prefix tree, is tried alternative by alternative at every such position: about 1.3 s per
    MB of text.)"""

    def __init__(self, words):
        words = {w for w in words if w}
        self.words = frozenset(words)
        self._singles = frozenset(w for w in words if len(w) == 1)
        lengths: dict[str, set[int]] = {}
        for w in words:
            if len(w) > 1:
                lengths.setdefault(w[:2], set()).add(len(w))
        self._lengths = {k: sorted(v, reverse=True) for k, v in lengths.items()}
        firsts = "".join(sorted({re.escape(w[0]) for w in words}))
        seconds = "".join(sorted({re.escape(w[1]) for w in words if len(w) > 1}))
        if not words:
            self.pattern = None
        elif self._singles or not seconds:
            self.pattern = re.compile("[" + firsts + "]")
        else:
            self.pattern = re.compile("[" + firsts + "](?=[" + seconds + "])")

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each word found, leftmost first, longest at each start, no overlaps."""
        if self.pattern is None:
            return []
        out, pos = [], 0
        words, lengths, singles = self.words, self._lengths, self._singles
        for m in self.pattern.finditer(text):
            a = m.start()
            if a < pos:
                continue
            for length in lengths.get(text[a : a + 2], ()):
                if text[a : a + length] in words:
                    pos = a + length
                    out.append((a, pos))
                    break
            else:
                if text[a] in singles:
                    pos = a + 1
                    out.append((a, pos))
        return out

    def found(self, text: str) -> set[str]:
        return {text[a:b] for a, b in self.spans(text)}

    def blank(self, text: str) -> str:
        """`text` with each word found replaced by one space."""
        spans = self.spans(text)
        if not spans:
            return text
        parts, pos = [], 0
        for a, b in spans:
            parts.append(text[pos:a])
            parts.append(" ")
            pos = b
        parts.append(text[pos:])
        return "".join(parts)


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
        found += [Finding(file, "protected_name", _mask(n)) for n in sorted(names.found(rest))]
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
