"""The desensitiser's detection copy of a text, and the map back to the text itself.

Agencies write the same number or name every way: full-width or circled digits, Chinese
numerals (一三八…), O for 0 and l for 1, zero-width characters between digits, traditional
characters, spaces inside a name (张  三). Every detector of the desensitiser reads one
normalised copy, so each of them sees a single spelling; the published text keeps its own
characters, and `Normalised.span` maps a finding back onto the characters it came from, so a
mask covers what the reader sees (the zero-width characters inside a number included).

The copy is made in two steps:
1. one `str.translate` (C speed, one character for one character, offsets unchanged):
   NFKC where it gives a single character (full-width letters, digits and punctuation, other
   Unicode digits, CJK compatibility ideographs), dashes of every width to `-`, the ideographic
   space to a space, traditional characters to simplified (OpenCC's character table);
2. only where the text needs it (rare), a pass character by character: format characters
   (zero-width spaces, joiners, BOM, soft hyphen) removed, NFKC expansions (⑩ -> 10, ㈠ ->
   (一)), whitespace between two Han characters removed, runs of four or more Chinese numerals
   to digits, and O/o, l/I/| beside a digit to 0 and 1.

The publish gate (`publishing.privacy.gate`) normalises with its own code, on purpose.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import NamedTuple

# Chinese numerals, read as digits only in runs of four or more (二〇二五, 一三八一二三四五六七八):
# shorter runs are words (一般, 三四天) and names (张一鸣).
CHINESE_DIGITS = {
    **dict(zip("〇零一二三四五六七八九", "00123456789", strict=True)),
    **dict(zip("壹贰叁肆伍陆柒捌玖", "123456789", strict=True)),
    "幺": "1",  # as 1 is read aloud in phone numbers
}
_NUMERAL = "[" + "".join(CHINESE_DIGITS) + "]"
# four or more numerals, or numerals touching digits in a run of four or more (62l7...八)
_NUMERAL_RUN = f"{_NUMERAL}{{4,}}|(?=[0-9]*{_NUMERAL})(?=(?:[0-9]|{_NUMERAL}){{4}})(?:[0-9]|{_NUMERAL})*[0-9](?:[0-9]|{_NUMERAL})*"
LOOK_ALIKES = {"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"}
_LOOK_ALIKE = "[" + re.escape("".join(LOOK_ALIKES)) + "]"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2043\u30fc"
_HAN = "\u4e00-\u9fff\u3400-\u4dbf"


class Normalised(NamedTuple):
    """`text`: the detection copy; `origin[i]`: the index in the original of the character that
    gave `text[i]` (None when the copy has the original's offsets)."""

    text: str
    origin: list[int] | None
    length: int  # of the original

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original characters that `text[start:end]` came from."""
        if self.origin is None:
            return start, end
        if end <= start:
            return self.origin[start] if start < len(self.origin) else self.length, self.origin[start]
        return self.origin[start], self.origin[end - 1] + 1


@cache
def _traditional() -> dict[str, str]:
    """Traditional -> simplified, one character for one (OpenCC's TSCharacters, first reading)."""
    from importlib.resources import files

    out = {}
    table = files("opencc") / "dictionary" / "TSCharacters.txt"
    for line in table.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0]
        if len(source) == 1 and len(target) == 1 and source != target:
            out[source] = target
    return out


@cache
def _tables() -> tuple[dict[int, str], re.Pattern]:
    """The one-for-one translation table, and the pattern of what needs the second pass."""
    table: dict[int, str] = {}
    expanding = []
    for code in range(0x80, 0x20000):
        ch = chr(code)
        if unicodedata.category(ch) == "Cf":
            continue
        digit = unicodedata.decimal(ch, None)
        if digit is not None:
            table[code] = str(digit)
            continue
        folded = unicodedata.normalize("NFKC", ch)
        if folded == ch:
            continue
        if len(folded) == 1:
            table[code] = folded
        elif not folded.isspace():
            expanding.append(ch)
    for ch in _DASHES:
        table[ord(ch)] = "-"
    table[0x3000] = " "
    for source, target in _traditional().items():
        table.setdefault(ord(source), target)
    slow = re.compile(
        "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
        + "".join(re.escape(c) for c in expanding)
        + "]"
        + f"|[{_HAN}][ \t\r\n\u00a0]+[{_HAN}]"
        + "|"
        + _NUMERAL_RUN
        + f"|[0-9]{_LOOK_ALIKE}|{_LOOK_ALIKE}[0-9]"
    )
    return table, slow


def normalise(text: str) -> Normalised:
    """The detection copy of `text` and its map back (see the module docstring)."""
    table, slow = _tables()
    copy = text.translate(table)
    if slow.search(copy) is None:
        return Normalised(copy, None, len(text))
    return _second_pass(copy, len(text))


def _second_pass(copy: str, length: int) -> Normalised:
    chars: list[str] = []
    origin: list[int] = []
    n = len(copy)
    for i, ch in enumerate(copy):
        if unicodedata.category(ch) == "Cf":
            continue
        if ch in " \t\r\n\u00a0" and chars and _is_han(chars[-1]):
            j = i
            while j < n and copy[j] in " \t\r\n\u00a0":
                j += 1
            if j < n and _is_han(copy[j]):
                continue  # 张  三 -> 张三
        folded = unicodedata.normalize("NFKC", ch) if ord(ch) >= 0x80 and not _is_han(ch) else ch
        for c in folded:
            chars.append(c)
            origin.append(i)
    text = "".join(chars)
    for m in re.finditer(_NUMERAL_RUN, text):
        for k in range(m.start(), m.end()):
            chars[k] = CHINESE_DIGITS.get(chars[k], chars[k])
    _read_look_alikes(chars)
    return Normalised("".join(chars), origin + [length], length)


def _read_look_alikes(chars: list[str]) -> None:
    """O/o and l/I/| next to a digit and not next to another letter are read as 0 and 1, both
    ways so that runs of them (138OO12345) are all read."""

    def digit_at(k: int) -> bool:
        return 0 <= k < len(chars) and chars[k].isascii() and chars[k].isdigit()

    def word_at(k: int) -> bool:  # Tel1..., ml: a letter of a word, not a digit mistyped
        return (
            0 <= k < len(chars) and chars[k].isascii() and chars[k].isalpha() and chars[k] not in LOOK_ALIKES
        )

    for order in (range(len(chars)), range(len(chars) - 1, -1, -1)):
        for k in order:
            if (
                chars[k] in LOOK_ALIKES
                and (digit_at(k - 1) or digit_at(k + 1))
                and not (word_at(k - 1) or word_at(k + 1))
            ):
                chars[k] = LOOK_ALIKES[chars[k]]


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def normalise_name(name: str) -> str:
    """A name as the detectors read it: the detection copy, whitespace collapsed (none is left
    between Han characters; Latin names keep one space between words)."""
    return " ".join(normalise(name).text.split())
