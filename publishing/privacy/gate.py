"""The publish gate: the last check before an open dataset leaves the platform.

Natural persons' names, ID numbers and phone numbers are never opened (hl-2022 Art 23), and any
natural person's data made public is desensitised first (city-2022 Art 23). The desensitiser
does that work; the gate checks its output with code of its own, so that a blind spot of one is
not repeated in the other. It shares nothing with the desensitiser but the declarations file
`shapes.yml` (what is *not* personal), read here at run time, and the check characters of
`creditlake.identifiers` (arithmetic tested against python-stdnum, not detection). When in
doubt it reports, and the caller withholds the row.

Every text value is read through a normalised copy: NFKC, invisible characters dropped, every
Unicode digit and runs of four or more Chinese numerals as ASCII digits, O/o and l/I/| beside a
digit as 0 and 1, traditional characters as simplified, spaces between two Han characters
dropped. Then a value has a finding of kind

* `citizen_id`, `mobile`, `landline`, `bank_card`: a digit run (groups joined by separators, as
  shapes.yml defines) of one of the declared personal shapes; never exempt;
* `number`: any other digit run of `min_digits` (7) digits or more that is not of a declared
  non-personal shape (dates, amounts, decision numbers, checksummed codes, cue exemptions). The
  length is platform policy: no article gives one;
* `passport`: a code (letters and digits together) of a declared personal shape, or any code
  after a personal document word; `code`: any other code with `min_digits` digits that no
  declaration exempts;
* `email`: an e-mail address, also written with [at], (at), " at ", 。 or [dot];
* `known_name`: a name from the register of natural persons, also in traditional characters or
  spaced out, unless it stands inside the name of a listed organisation that has the
  organisation form (and is not itself a known person's name: register poisoning);
* `address`: a home address: a residence word followed by an address, or an address with a
  building, unit or room part;
* `wechat`, `qq`: an account after 微信/VX/wx/QQ/扣扣.

Placeholders the desensitiser writes ([身份证号], [电话], 张**) hold none of these.

Across runs, the values a gate judged clean are kept (`clean`) and taken back by the next gate
(`vouch`) unless a name that entered or left the register occurs in them as this module reads
them: `publishing.privacy.vouched` keeps them, and drops them all when any detector changed.
"""

from __future__ import annotations

import codecs
import csv
import html
import importlib.util
import io
import json
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any

import yaml
from stdnum import ean
from stdnum.iso7064 import mod_11_10

from creditlake.identifiers import organisation_code_valid, uscc_valid

SHAPES = Path(__file__).with_name("shapes.yml")
BEFORE, AFTER = 24, 16  # the context windows of shapes.yml, in characters of the normalised text


@dataclass(frozen=True)
class Finding:
    """One kind of personal data in one cell: never the value itself, so a report leaks nothing."""

    record: Any
    column: str
    kind: str


# --- normalisation ----------------------------------------------------------------------------

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_NUMERALS = "〇零一二三四五六七八九幺壹贰叁肆伍陆柒捌玖"
_NUMERAL_DIGITS = str.maketrans(_NUMERALS, "00123456789" + "1" + "123456789")
# Four numerals or digits, separators allowed between them: 一三八 一二三四 五六七八 is a phone too.
_NUMERAL_RUN = re.compile(f"[0-9{_NUMERALS}](?:[\\s\\-_/.]*[0-9{_NUMERALS}]){{3,}}")
_ANY_NUMERAL = re.compile(f"[{_NUMERALS}]")
# A chain of look-alikes touching a digit: 1O0 and l38 are numbers, Hello is not.
_LOOKALIKE = re.compile(r"(?<![0-9OolI|])[0-9OolI|]*(?:[OolI|][0-9]|[0-9][OolI|])[0-9OolI|]*")
_LOOKALIKE_DIGITS = str.maketrans("OolI|", "00111")
_LOOKALIKE_HINT = re.compile(r"[OolI|]")
_HAN_GAP = re.compile(f"(?<=[{_HAN}])\\s+(?=[{_HAN}])")
# Invisible letters (fillers) a category test misses.
_FILLERS = "\u115f\u1160\u3164\uffa0\u2800"


@cache
def _fold_table() -> dict[int, str | None]:
    """One translation for what NFKC leaves: format, combining and control characters dropped,
    every other digit (Arabic-Indic, dingbat ❶...) to ASCII, traditional Han to simplified."""
    table: dict[int, str | None] = {ord(c): None for c in _FILLERS}
    for cp in range(0x110000):
        char = chr(cp)
        category = unicodedata.category(char)
        if category in ("Cf", "Mn", "Me") or (category == "Cc" and not char.isspace()):
            table[cp] = None
        elif cp >= 0x80 and (digit := unicodedata.digit(char, None)) is not None:
            table[cp] = str(digit)
    table.update(_traditional_to_simplified())
    return table


def _traditional_to_simplified() -> dict[int, str]:
    """OpenCC's character table (the opencc package, a dependency of the project): the first
    simplified form of each traditional character. Phrases do not matter for names."""
    spec = importlib.util.find_spec("opencc")
    if spec is None or spec.origin is None:
        raise RuntimeError("the publish gate needs the opencc package for traditional characters")
    path = Path(spec.origin).parent / "dictionary" / "TSCharacters.txt"
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        traditional, _, simplified = line.partition("\t")
        first = simplified.split(" ")[0]
        if len(traditional) == 1 and len(first) == 1 and first != traditional:
            table[ord(traditional)] = first
    return table


def _fold(text: str) -> str:
    """NFKC, invisible characters dropped, digits ASCII, simplified characters."""
    if text.isascii():
        return text if text.isprintable() else text.translate(_fold_table())
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = text.translate(_fold_table())
    if " " in text or not text.isprintable():  # any whitespace at all
        text = _HAN_GAP.sub("", text)
    return text


def _as_digits(text: str) -> str:
    """Chinese numerals and look-alike letters read as the digits they stand for."""
    if not text.isascii() and _ANY_NUMERAL.search(text):
        text = _NUMERAL_RUN.sub(lambda m: m.group().translate(_NUMERAL_DIGITS), text)
    if not _LOOKALIKE_HINT.search(text):
        return text
    return _LOOKALIKE.sub(lambda m: _lookalikes_as_digits(text, m), text)


def _lookalikes_as_digits(text: str, m: re.Match) -> str:
    """A chain of digits and look-alikes, but for look-alikes at an end of it that touch a
    letter outside: those end a word (the l of Tel13812345678, the O of ISO9001)."""
    chain, head, tail = m.group(), "", ""
    if m.start() > 0 and text[m.start() - 1].isascii() and text[m.start() - 1].isalpha():
        kept = len(chain) - len(chain.lstrip("OolI|"))
        head, chain = chain[:kept], chain[kept:]
    if m.end() < len(text) and text[m.end()].isascii() and text[m.end()].isalpha():
        kept = len(chain) - len(chain.rstrip("OolI|"))
        chain, tail = chain[: len(chain) - kept], chain[len(chain) - kept :]
    return head + chain.translate(_LOOKALIKE_DIGITS) + tail


def _name_key(name: str) -> str:
    """A register or organisation name as the text is read: folded, no whitespace at all."""
    return "".join(_fold(name).split())


# --- shapes.yml -------------------------------------------------------------------------------


_CHECKS: dict[str, Callable[[str], bool]] = {
    "uscc": uscc_valid,
    "mod_11_10": mod_11_10.is_valid,
    "ean13": lambda d: len(d) == 13 and ean.is_valid(d),
    "gb11714": organisation_code_valid,
}
_EXEMPTION_FIELDS = {"name", "digits", "before", "after", "check", "may_be_card"}


@dataclass(frozen=True)
class _Exemption:
    """One entry of `non_personal_numbers`: every field given must hold."""

    name: str
    digits: re.Pattern | None
    before: re.Pattern | None
    after: re.Pattern | None
    check: Callable[[str], bool] | None
    may_be_card: bool

    @classmethod
    def load(cls, entry: dict) -> _Exemption:
        # A misspelt field would silently widen the exemption (an entry with no condition exempts
        # every run): refuse the file instead.
        unknown = set(entry) - _EXEMPTION_FIELDS
        if unknown or not {"digits", "before", "after", "check"} & set(entry):
            raise ValueError(
                f"shapes.yml: non_personal_numbers entry {entry.get('name')!r} is not understood"
            )
        if "check" in entry and entry["check"] not in _CHECKS:
            raise ValueError(f"shapes.yml: unknown check {entry['check']!r}")

        def compiled(field):
            return re.compile(entry[field]) if field in entry else None

        return cls(
            name=str(entry.get("name", "")),
            digits=compiled("digits"),
            before=compiled("before"),
            after=compiled("after"),
            check=_CHECKS[entry["check"]] if "check" in entry else None,
            may_be_card=bool(entry.get("may_be_card", False)),
        )

    def holds(self, digits: str, text: str, start: int, end: int) -> bool:
        return bool(
            (self.digits is None or self.digits.fullmatch(digits))
            and (self.check is None or self.check(digits))
            and (self.before is None or self.before.search(text[max(0, start - BEFORE) : start]))
            and (self.after is None or self.after.match(text[end : end + AFTER]))
        )


def _kind_of_shape(name: str) -> str:
    """citizen_id_18 -> citizen_id; a shape the gate has no finer kind for is a `number`."""
    kind = re.sub(r"_[0-9]+$", "", name)
    return kind if kind in ("citizen_id", "mobile", "landline") else "number"


def _any_of(patterns: list[str]) -> re.Pattern:
    """One pattern for a list of them (fullmatch of any)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def _min_width(pattern: re.Pattern) -> int:
    """The fewest characters a pattern can match, to skip short runs without trying it."""
    try:
        return re._parser.parse(pattern.pattern).getwidth()[0]  # type: ignore[attr-defined]
    except Exception:  # a private API: without it, nothing is skipped
        return 0


class _Shapes:
    """shapes.yml, compiled: the shared declaration of what is not personal."""

    def __init__(self, path: Path):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.min_digits = int(data["min_digits"])
        self.date = data["date_with_separators"]
        shapes = data["personal_shapes"]
        self.card = re.compile(shapes["bank_card"])
        self.personal = [(_kind_of_shape(n), re.compile(p)) for n, p in shapes.items() if n != "bank_card"]
        self.exemptions = [_Exemption.load(e) for e in data["non_personal_numbers"]]
        codes = data["codes"]
        self.personal_codes = _any_of(codes["personal"])
        self.personal_before = re.compile(codes["personal_before"])
        self.non_personal_codes = _any_of(codes["non_personal"])
        self.non_personal_before = re.compile(codes["non_personal_before"])
        self.platform_key = re.compile(codes["platform_key"])
        self._organisation_check = _CHECKS[codes["organisation_check"]]
        self.organisation_form = re.compile(data["organisation_form"])
        # A code "holds" a citizen ID or a mobile when one of its digit groups has that shape:
        # one search, the group that matched names the kind.
        held = [(kind, p.pattern) for kind, p in self.personal if kind in ("citizen_id", "mobile")]
        self.held = re.compile(
            "(?<![0-9])(?:"
            + "|".join(f"(?P<{kind}_{i}>{p})" for i, (kind, p) in enumerate(held))
            + ")(?![0-9])"
        )
        self.shortest = min(
            [self.min_digits] + [_min_width(p) for _, p in self.personal] + [_min_width(self.card)]
        )

    def organisation_code(self, token: str) -> bool:
        """Whether an upper-cased code is an organisation's by its check character, and is not
        itself a personal shape (shapes.yml `codes.organisation_check`)."""
        return self._organisation_check(token) and not any(
            shape.fullmatch(token) for _, shape in self.personal
        )


# --- numbers and codes ------------------------------------------------------------------------

_SEP = r"(?:[\s\-\u2010-\u2015\u2212\ufe63\uff0d/_]|\.(?=[0-9]{3}))+"
_AREA = r"[(\[](?:\+?86|0086|0[0-9]{2,3})[)\]]\s*"  # (0431)8765 4321, (+86)138...
_NOT_DIGIT = re.compile(r"[^0-9]")
# A token of letters and digits together (no separator inside): the whole token decides.
_CODE = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z]*[0-9])(?=[0-9]*[A-Za-z])[A-Za-z0-9]+")
_DIGIT = re.compile(r"[0-9]")


def _run_hint(shortest: int) -> re.Pattern:
    """Whether a text can hold a run of `shortest` digits: a group that long touching no letter,
    digits joined by a separator, or an area code in brackets (a cheap search first: most
    values hold short numbers only, 〔2025〕123号)."""
    return re.compile(
        rf"[0-9](?:(?<![A-Za-z0-9][0-9])[0-9]{{{max(shortest - 1, 0)},}}(?![A-Za-z0-9])|{_SEP}[0-9])|{_AREA}[0-9]"
    )


def _run_pattern(date: str) -> re.Pattern:
    """Dates with separators (their own runs, ending any run they touch), then digit runs. A
    single group touching a letter is part of a code and left to `_CODE`; a run of several
    groups is a number even when a letter touches it (E1234 5678 must not pass as E1234)."""
    date = f"(?:{date})"
    return re.compile(
        f"(?P<date>(?<![0-9]){date})"
        f"|(?P<run>(?<![0-9])(?:{_AREA})?[0-9]+(?:{_SEP}(?!{date})[0-9]+)+"
        f"|{_AREA}[0-9]+"
        f"|(?<![A-Za-z0-9])[0-9]+(?![A-Za-z0-9]))"
    )


# --- e-mail, accounts, addresses --------------------------------------------------------------

_OPEN, _CLOSE = r"[\[(【{<]", r"[\])】}>]"
_AT = rf"(?:\s*@\s*|\s*{_OPEN}\s*at\s*{_CLOSE}\s*|\s+at\s+(?!www\.))"
_DOT = rf"(?:\s*[.。]\s*|\s*{_OPEN}\s*dot\s*{_CLOSE}\s*|\s+dot\s+)"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
# logo@2x.png is a file name, not an address.
_FILE_END = r"(?:png|jpe?g|gif|svg|webp|ico|bmp|css|js|json|html?|xml|pdf|txt|csv)(?![A-Za-z0-9])"
# zhangwei@qq, as people shorten it: a mail provider's name needs no top-level domain.
_PROVIDER = (
    r"(?:163|126|139|189|qq|foxmail|sina|sohu|aliyun|yeah|gmail|hotmail|outlook|yahoo)(?![A-Za-z0-9.])"
)
_EMAIL = re.compile(
    rf"(?<![\w.%+\-])[\w.%+\-]+{_AT}"
    rf"(?:{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}(?!{_FILE_END})[A-Za-z]{{2,24}}(?![A-Za-z0-9])|{_PROVIDER})",
    re.I,
)

_ACCOUNT = re.compile(
    r"(?<![A-Za-z])(?:(?P<wechat>微信号?|wechat|weixin|vx|wx)|(?P<qq>qq|扣扣))"
    r"(?:号码|号|账号|帐号|id)?(?:为|是)?\s*[:：]?\s*[A-Za-z0-9][A-Za-z0-9_\-]{4,}",
    re.I,
)
_ACCOUNT_HINTS = ("微信", "扣扣", "wechat", "weixin", "vx", "wx", "qq")
# A unified social credit code may hold the letters QQ, WX or VX (11230100QQL237XDNX): a code
# whose check character holds is an organisation's, not an account, so it is set aside before
# accounts are read. Any other run of letters and digits is still read.
_CODE_TOKEN = re.compile(r"(?<![0-9A-Za-z])[0-9A-Z]{18}(?![0-9A-Za-z])")


def _without_codes(text: str) -> str:
    return _CODE_TOKEN.sub(lambda m: " " if uscc_valid(m.group()) else m.group(), text)


_RESIDENCE = "家庭住址|户籍所在地|户籍地|居住地|居住于|现住|家住|住址|住在|暂住"
# Finer than a district: an address that names only its province, city and district (住址长春市
# 二道区[住址], as the desensitiser leaves it) locates no one.
_PLACE = r"镇|乡|村|屯|街|路|道|巷|弄|胡同|里|小区|花园|苑|公寓|大厦|社区|组|栋|幢|楼|单元|室|户|[0-9]+号"
_MARK = r"省|市|区|县|旗|镇|乡|村|屯|庄|街|路|道|巷|弄|胡同|里|小区|花园|苑|园|城|公寓|大厦|座|社区|号院|号"
_X = r"(?:[0-9]+|[A-Za-z]|[一二三四五六七八九十甲乙丙丁东南西北]{1,3})"
_PART = r"栋|幢|号楼|单元|室|户"
_SPAN = r"[^\s,，.。;；!！?？、]"
_ADDRESS = re.compile(
    # a residence word, then within 30 characters a place word finer than a district: 家住...街道, 住址：XX村
    rf"(?:{_RESIDENCE})(?:地址|址|地)?(?:为|是|于|在)?\s*[:：]?\s*[{_HAN}0-9A-Za-z#\-]{{0,30}}?(?:{_PLACE})(?![区县市旗州])"
    # a building, unit or room in an address: 幸福小区5栋, 人民大街1号A座1201室
    rf"|(?:{_MARK}){_SPAN}{{0,20}}?{_X}(?:{_PART})"
    # two parts in a row need no place word: 5栋2单元, 3号楼501
    rf"|(?:[0-9]+|[A-Za-z])(?:栋|幢|号楼|单元)-?[0-9A-Za-z]+"
    # a household of a village: 永安村3组15号
    rf"|村{_SPAN}{{0,12}}?{_X}组{_X}号"
)
_ADDRESS_HINT = re.compile("[住居暂栋幢楼元室户组]")


# --- names ------------------------------------------------------------------------------------


class _Lexicon:
    """Literal words (names), found fast among tens of thousands: one regex pass finds where a
    word can start (a word's first character before a word's second), then a set lookup per
    length that words starting with those two characters have. One alternation of all names
    would be tried name by name at every position."""

    def __init__(self, words: Iterable[str]):
        self.words = frozenset(w for w in words if len(w) >= 2)
        lengths: dict[str, set[int]] = {}
        for word in self.words:
            lengths.setdefault(word[:2], set()).add(len(word))
        self._lengths = {k: sorted(v, reverse=True) for k, v in lengths.items()}
        self.has_ascii = any(w[0].isascii() for w in self.words)
        if self.words:
            firsts = "".join(sorted({re.escape(w[0]) for w in self.words}))
            seconds = "".join(sorted({re.escape(w[1]) for w in self.words}))
            self._starts: re.Pattern | None = re.compile(f"[{firsts}](?=[{seconds}])")
        else:
            self._starts = None

    def occurrences(self, text: str) -> Iterator[tuple[int, int]]:
        """Every (start, end) of a word, overlapping ones included, longest first at a start."""
        if self._starts is None:
            return
        for m in self._starts.finditer(text):
            a = m.start()
            for length in self._lengths.get(text[a : a + 2], ()):
                if text[a : a + length] in self.words:
                    yield a, a + length

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Leftmost-longest occurrences, without overlaps."""
        out: list[tuple[int, int]] = []
        for a, b in self.occurrences(text):
            if not out or a >= out[-1][1]:
                out.append((a, b))
        return out


# --- the gate ---------------------------------------------------------------------------------


class Gate:
    """The publish gate over one register of natural persons and one list of organisations."""

    # Verdicts kept per distinct value, so that the files of a dataset (its CSV, cell by cell)
    # are judged from the values its frame scan already judged. Sized for one dataset of a
    # province (1M penalties hold ~3.5M distinct values; the keys are the frame's own strings);
    # `forget` empties it between datasets. Measured at 1M: with a limit of 1M the memo was
    # emptied mid-dataset and the CSV scan judged every cell again (61 s, not 17 s, profiled).
    _MEMO_LIMIT = 8_000_000
    # A frame with at least this many distinct strings not yet judged is judged in two processes
    # (as desensitisation is: below it the fork costs more than the second core gives back).
    _PARALLEL_MIN = 20_000

    def __init__(
        self,
        known_people: Iterable[str] = (),
        organisations: Iterable[str] = (),
        shapes_path: Path | None = None,
    ):
        self.shapes = _Shapes(Path(shapes_path) if shapes_path else SHAPES)
        self._runs = _run_pattern(self.shapes.date)
        self._run_hint = _run_hint(self.shapes.shortest)
        people = {_name_key(n) for n in known_people if isinstance(n, str) and "*" not in n}
        self._people = _Lexicon(people)
        # An organisation's name shields a person's name only in the organisation form, and
        # never when the string itself is a known person's name (register poisoning).
        form = self.shapes.organisation_form
        public = {_name_key(o) for o in organisations if isinstance(o, str)}
        self._organisations = _Lexicon(o for o in public if form.fullmatch(o) and o not in people)
        self._memo: dict[str, tuple[str, ...]] = {}
        self._folds: dict[str, str] = {}  # a judged value's folded reading, where it differs
        # The last run's clean values taken back (`vouch`: value, folded), and the positions in it
        # of those the frames scanned since held: kept as Arrow, matched against whole columns at
        # once.
        self._vouched = clean_table([], [])
        self._taken: list = []

    # -- the API --

    def scan_text(self, text: str) -> list[str]:
        """The kinds of personal data in one value, sorted; [] when clean."""
        if not isinstance(text, str) or not text:
            return []
        return list(self._kinds(text))

    def scan_frame(self, frame, key: str = "record_id") -> list[Finding]:
        """One Finding per (row, column, kind), over every string column and every row. Each
        distinct value is scanned once: values repeat a lot across rows; a value taken back from
        the last run (`vouch`) is clean without being scanned."""
        if key not in frame.columns:
            raise KeyError(f"the frame has no key column {key!r}")
        records = frame[key].to_numpy(dtype=object)
        strings = {index: _strings(frame[column]) for index, column in enumerate(frame.columns)}
        strings = {index: values for index, values in strings.items() if values is not None}
        columns = self._distinct(strings)
        self._judge(distinct for _, distinct in columns.values())
        found: list[tuple[int, int, str]] = []
        for index, values in strings.items():
            for row, kinds in self._rows_with_findings(values, *columns[index]):
                found += [(row, index, kind) for kind in kinds]
        found.sort()
        names = list(frame.columns)
        return [Finding(records[row], str(names[index]), kind) for row, index, kind in found]

    def _distinct(self, strings: dict[int, Any]) -> dict[int, tuple[Any, list | None]]:
        """Per column (`strings`: its values): its values as Arrow (None when they are not all
        text), and its distinct values that are not vouched for: all that is left to judge in it
        (None for unhashable objects: `_rows_with_findings` reads them as text). One lookup over
        every column's distinct values: Arrow hashes the values vouched for (millions) once per
        call."""
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        out: dict[int, tuple[Any, list | None]] = {}
        texts: dict[int, tuple[Any, Any]] = {}
        for index, values in strings.items():
            try:
                column = pa.array(values, pa.string(), from_pandas=True)
                texts[index] = column, pc.unique(column.drop_null())
            except (pa.ArrowException, TypeError, ValueError):  # objects that are not text
                try:
                    out[index] = None, list(pd.unique(values))
                except TypeError:  # unhashable objects
                    out[index] = None, None
        if texts and len(self._vouched):
            distinct = pa.concat_arrays([d for _, d in texts.values()])
            positions = pc.index_in(distinct, value_set=self._vouched["value"])
            vouched = positions.is_valid()
            self._taken.append(positions.filter(vouched))
            ends = list(accumulate(len(d) for _, d in texts.values()))
            for (index, (column, _)), a, b in zip(texts.items(), [0, *ends[:-1]], ends, strict=True):
                out[index] = (
                    column,
                    distinct.slice(a, b - a).filter(pc.invert(vouched.slice(a, b - a))).to_pylist(),
                )
        else:
            out |= {index: (column, distinct.to_pylist()) for index, (column, distinct) in texts.items()}
        return out

    def _not_vouched(self, values: Iterable[str]) -> list[str]:
        """Those of a few `values` (a file's strings) that are not vouched for: the values vouched
        for are probed against them, not the other way round (Arrow hashes its value set at
        each call: hashing millions for a handful would cost more than judging them)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        values = list(values)
        if not values or not len(self._vouched):
            return values
        vouched = self._vouched["value"]
        vouched = set(vouched.filter(pc.is_in(vouched, value_set=pa.array(values, pa.string()))).to_pylist())
        return [v for v in values if v not in vouched]

    def _judge(self, columns: Iterable[list | None]) -> None:
        """Judge the distinct strings of these columns not judged yet into the memo; when they are
        many, half of them in a forked worker (`forked.run_parts`) at the same time."""
        from publishing.privacy import forked

        todo: dict[str, None] = {}
        for distinct in columns:
            todo.update((v, None) for v in distinct or () if type(v) is str and v not in self._memo)
        if (
            len(todo) < self._PARALLEL_MIN
            or len(self._memo) + len(todo) > self._MEMO_LIMIT
            or not forked.can_fork()
        ):
            return  # judged one by one as the rows are read
        texts = list(todo)
        parts = [texts[0::2], texts[1::2]]  # every other value: long texts fall in both halves
        with forked.gc_paused():
            for part, (kinds, folds) in zip(parts, forked.run_parts(self._judged, parts), strict=True):
                self._memo.update(zip(part, kinds, strict=True))
                self._folds.update(folds)

    def _judged(self, texts: list[str]) -> tuple[list[tuple[str, ...]], dict[str, str]]:
        """The verdicts of `texts`, and their folded readings where they differ (for `clean`: a
        forked worker's own `_folds` do not come back)."""
        verdicts = [self._verdict(text) for text in texts]
        return verdicts, {t: self._folds[t] for t in texts if t in self._folds}

    def _verdict(self, raw: str) -> tuple[str, ...]:
        plain = _fold(raw)
        if plain != raw:
            self._folds[raw] = plain
        return tuple(sorted(self._scan(raw, plain=plain)))

    def forget(self) -> None:
        """Drop the verdicts kept so far and the values vouched for (between datasets: their
        values rarely repeat)."""
        self._memo.clear()
        self._folds.clear()
        self._vouched = clean_table([], [])
        self._taken = []

    def clean(self):
        """Every value judged clean so far, and every value vouched for that a frame scanned since
        held, with its folded reading (null where it is the value): what `vouch` takes back in
        the next run (an Arrow table: value, folded). A value vouched for that no frame holds any
        more is not kept: the memory never outgrows one run."""
        import pyarrow as pa
        import pyarrow.compute as pc

        judged = [v for v, kinds in self._memo.items() if not kinds]
        table = clean_table(judged, [self._folds.get(v) for v in judged])
        if not self._taken:
            return table
        # by their positions: the values vouched for are hashed once a frame, not again here
        taken = self._vouched.take(pc.unique(pa.concat_arrays(self._taken)))
        taken = taken.filter(pc.invert(pc.is_in(taken["value"], value_set=table["value"])))
        return pa.concat_tables([table, taken.select(["value", "folded"])])

    def vouch(self, clean, changed: Iterable[str]) -> int:
        """Take values judged clean in the last run (`clean`, as `clean()` gives them) as clean,
        without judging them again, but for those in whose folded reading a name of `changed`
        occurs: names that entered or left the register or the organisations since, whose
        verdicts may differ today. The caller makes sure this gate's rules are the last run's.
        Returns how many were taken."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        changed = _Lexicon(_name_key(n) for n in changed if isinstance(n, str))
        clean = clean.select(["value", "folded"]).combine_chunks()
        if changed.words and len(clean):  # one pass over every text, joined: a name holds no line break
            texts = pc.coalesce(clean["folded"], clean["value"]).to_pylist()
            starts = list(accumulate((len(t) + 1 for t in texts), initial=0))
            touched = {bisect_right(starts, a) - 1 for a, _ in changed.occurrences("\n".join(texts))}
            keep = np.ones(len(texts), dtype=bool)
            keep[list(touched)] = False
            clean = clean.filter(keep)
        self._vouched = pa.concat_tables([self._vouched, clean]).combine_chunks()
        return len(clean)

    def scan_file(self, path: Path) -> list[str]:
        """The kinds of personal data anywhere in a text file (csv, json, jsonld, md, html, js).
        A file that is not UTF-8 is read with replacement characters, which may be where a name
        was (GBK bytes): it is a finding of its own (`not_utf8`), whatever else is found."""
        path = Path(path)
        data = path.read_bytes()
        suffix = path.suffix.lower()
        if suffix == ".csv":
            return sorted(self._csv_kinds(data))  # parsed from the bytes: a version's CSV is large
        text, utf8 = _decoded(data)
        if suffix in (".json", ".jsonld", ".geojson"):
            kinds = self._json_kinds(text)
        elif suffix in (".html", ".htm"):
            # What a reader sees (entities decoded, tags as spaces) and what the markup holds.
            unescaped = html.unescape(text)
            kinds = self._scan(unescaped) | self._scan(re.sub(r"<[^>]*>", " ", unescaped))
        elif suffix in (".js", ".mjs"):
            kinds = self._scan(text) | self._scan(_unescape_js(text))
        else:
            kinds = self._scan(text)  # a whole file: not kept in the memo of values
        return sorted(kinds if utf8 else kinds | {"not_utf8"})

    # -- one value --

    def _kinds(self, raw: str) -> tuple[str, ...]:
        kinds = self._memo.get(raw)
        if kinds is None:
            if len(self._memo) >= self._MEMO_LIMIT:
                self._memo.clear()
            kinds = self._memo[raw] = self._verdict(raw)
        return kinds

    def _scan(self, raw: str, numbers_only: bool = False, plain: str | None = None) -> set[str]:
        if plain is None:
            plain = _fold(raw)  # names are read here: numerals are part of names (王一)
        text = _as_digits(plain)
        if numbers_only:
            return set(self._numbers(text, personal_only=True))
        found: set[str] = set()
        if _DIGIT.search(text):
            found.update(self._numbers(text, personal_only=False))
            found.update(self._codes(text))
        lower = text.lower()
        if ("@" in lower or "at" in lower) and _EMAIL.search(text):
            found.add("email")
        if any(cue in lower for cue in _ACCOUNT_HINTS):
            found.update(m.lastgroup for m in _ACCOUNT.finditer(_without_codes(text)) if m.lastgroup)
        if not text.isascii() and _ADDRESS_HINT.search(text) and _ADDRESS.search(text):
            found.add("address")
        if (self._people.has_ascii or not plain.isascii()) and self._names_a_person(plain):
            found.add("known_name")
        return found

    def _numbers(self, text: str, personal_only: bool) -> Iterator[str]:
        if not self._run_hint.search(text):
            return
        shortest = self.shapes.shortest
        for m in self._runs.finditer(text):
            run = m.group()
            if m.lastgroup == "date" or len(run) < shortest - 1:
                continue
            digits = run if run.isdigit() else _NOT_DIGIT.sub("", run)
            x = text[m.end() : m.end() + 1] in ("X", "x")  # the check character of a citizen ID
            if len(digits) + x >= shortest:
                kind = self._judge_run(digits, x, text, m.start(), m.end(), personal_only)
                if kind:
                    yield kind

    def _judge_run(
        self, digits: str, x: bool, text: str, start: int, end: int, personal_only: bool
    ) -> str | None:
        """A personal shape is never exempt; a 13-19 digit run (bank card shape) only by an entry
        that may be a card; any other run of min_digits digits unless an entry declares it."""
        for kind, shape in self.shapes.personal:
            if shape.fullmatch(digits) or (x and shape.fullmatch(digits + "X")):
                return kind
        card = bool(self.shapes.card.fullmatch(digits))
        if personal_only and not card:
            return None
        if not card and len(digits) < self.shapes.min_digits:
            return None
        for entry in self.shapes.exemptions:
            if (entry.may_be_card or not card) and entry.holds(digits, text, start, end):
                return None
        return "bank_card" if card else "number"

    def _codes(self, text: str) -> Iterator[str]:
        for m in _CODE.finditer(text):
            kind = self._judge_code(m.group(), text[max(0, m.start() - BEFORE) : m.start()])
            if kind:
                yield kind

    def _judge_code(self, token: str, before: str) -> str | None:
        """A code holding a citizen ID or a mobile is personal whatever its letters, unless it is
        an organisation's by its check character; then the words before it; then its own shape
        (personal first: never exempt); then its length."""
        shapes, upper = self.shapes, token.upper()
        if shapes.platform_key.fullmatch(token):  # the record's own id
            return None
        if (held := shapes.held.search(upper)) and not shapes.organisation_code(upper):
            return held.lastgroup.rsplit("_", 1)[0]
        if before and shapes.personal_before.search(before):
            return "passport"
        if before and shapes.non_personal_before.search(before):
            return None
        if shapes.personal_codes.fullmatch(upper):
            return "passport"
        if shapes.non_personal_codes.fullmatch(upper):
            return None
        return "code" if len(_NOT_DIGIT.sub("", token)) >= shapes.min_digits else None

    def _names_a_person(self, text: str) -> bool:
        """A register name anywhere but inside a listed organisation's name (长春市张伟商贸有限公司
        shields its 张伟, not the 张伟 after it). Organisations are matched first, each
        occurrence of a name must lie wholly inside one to be shielded."""
        shields = self._organisations.spans(text) if self._organisations.words else []
        for a, b in self._people.occurrences(text):
            if not any(x <= a and b <= y for x, y in shields):
                return True
        return False

    # -- many values --

    def _rows_with_findings(
        self, values, column=None, distinct=None
    ) -> Iterator[tuple[int, tuple[str, ...]]]:
        """(row, kinds) of every row whose value has findings; distinct values scanned once.
        `column` and `distinct`: the values as Arrow, and those of them left to judge
        (`_distinct`); without them every distinct value is looked at."""
        import numpy as np
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        if distinct is None:
            try:
                distinct = pd.unique(values)
            except TypeError:  # unhashable objects (lists, dicts): read as text
                values = np.array([None if v is None else str(v) for v in values], dtype=object)
                distinct = pd.unique(values)
        bad: dict[Any, tuple[str, ...]] = {}
        for value in distinct:
            if value is not None:
                # Objects that are not strings (Decimal...) are read as they would be written out.
                kinds = self._kinds(value if isinstance(value, str) else str(value))
                if kinds:
                    bad[value] = kinds
        if not bad:
            return
        if column is not None:
            hits = pc.is_in(column, value_set=pa.array(list(bad), pa.string()))
            rows = np.flatnonzero(hits.to_numpy(zero_copy_only=False))
        else:
            rows = np.flatnonzero(pd.Series(values, dtype=object).isin(list(bad)).to_numpy())
        for row in rows:
            yield int(row), bad[values[row]]

    def _csv_kinds(self, data: bytes) -> set[str]:
        """Cell by cell (a row's last number does not join the next row's first). A column of
        plain numbers is a numeric column, as scan_frame skips them: there only the personal
        shapes are looked for (a fine of 1200000 yuan is not personal data, a mobile is). A cell
        this gate holds as clean (judged in the frame the file was written from, or taken back
        from the last run by `vouch`) is not looked up again one by one: it is matched against
        them all at once."""
        import pyarrow as pa

        judged = pa.concat_arrays(
            [
                pa.array([v for v, kinds in self._memo.items() if not kinds], pa.string()),
                self._vouched["value"].combine_chunks(),
            ]
        )
        header, columns, utf8 = _csv_columns(data, judged)
        kinds: set[str] = set() if utf8 else {"not_utf8"}
        for numeric, cells in columns:
            for cell in cells:
                kinds |= self._scan(cell, numbers_only=True) if numeric else set(self._kinds(cell))
        for cell in self._not_vouched(header):
            kinds.update(self._kinds(cell))
        return kinds

    def _json_kinds(self, text: str) -> set[str]:
        """Every key and string of the document; numbers for personal shapes only (byte counts
        and amounts have no unit to exempt them). Not JSON: the whole text."""
        try:
            document = json.loads(text)
        except ValueError:
            return self._scan(_unescape_js(text))
        strings: set[str] = set()
        numbers: set[str] = set()
        _walk_json(document, strings, numbers)
        kinds: set[str] = set()
        for value in self._not_vouched(strings):
            kinds.update(self._kinds(value))
        for value in numbers:
            kinds |= self._scan(value, numbers_only=True)
        return kinds


_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_PLAIN_NUMBER_RE2 = f"^(?:{_PLAIN_NUMBER.pattern})$"  # the same, for Arrow (whole cell)


def _csv_columns(data: bytes, judged=None) -> tuple[list[str], list[tuple[bool, set[str]]], bool]:
    """A CSV's header cells; per column below it, whether its cells are all plain numbers
    (`_PLAIN_NUMBER`, blank cells aside) and its distinct cells that are not blank and not in
    `judged` (an Arrow array of strings); and whether the file is UTF-8. A short row has no
    cells in the columns it lacks. Parsed by Arrow from the file's bytes, every cell as text
    (1M rows: seconds, not tens), which checks that every cell is UTF-8; a file Arrow cannot
    parse (rows of uneven width, bytes that are not UTF-8...) by the csv module, from the text
    as decoded with replacement characters."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as arrow_csv

    data = data.removeprefix(codecs.BOM_UTF8)  # the BOM that lets Excel read UTF-8 is not a cell's
    line = data[: data.find(b"\n") + 1 or len(data)].decode("utf-8", errors="replace")
    first = next(csv.reader(io.StringIO(line)), [])
    try:
        table = arrow_csv.read_csv(
            io.BytesIO(data),
            read_options=arrow_csv.ReadOptions(column_names=[f"c{i}" for i in range(len(first))]),
            parse_options=arrow_csv.ParseOptions(newlines_in_values=True),
            convert_options=arrow_csv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(len(first))},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, ValueError):
        text, utf8 = _decoded(data)
        rows = list(csv.reader(io.StringIO(text)))
        width = max((len(r) for r in rows), default=0)
        cells = [{c for r in rows[1:] if i < len(r) and (c := r[i]).strip()} for i in range(width)]
        numeric = [bool(c) and all(_PLAIN_NUMBER.fullmatch(x.strip()) for x in c) for c in cells]
        return (rows[0] if rows else []), list(zip(numeric, cells, strict=True)), utf8
    header = [column[0].as_py() for column in table.columns] if table.num_rows else []
    numeric, distinct = [], []
    for column in table.columns:
        cells = column.slice(1).unique()
        trimmed = pc.utf8_trim_whitespace(cells)
        blank = pc.equal(trimmed, "")
        cells, trimmed = cells.filter(pc.invert(blank)), trimmed.filter(pc.invert(blank))
        numeric.append(
            len(cells) > 0 and pc.all(pc.match_substring_regex(trimmed, _PLAIN_NUMBER_RE2)).as_py()
        )
        distinct.append(cells)
    if judged is not None and len(judged) and distinct:
        # one lookup over every column's cells: Arrow hashes `judged` once per call
        cells = pa.concat_arrays(distinct)
        new = pc.invert(pc.is_in(cells, value_set=judged))
        ends = list(accumulate(len(c) for c in distinct))
        distinct = [
            cells.slice(a, b - a).filter(new.slice(a, b - a)) for a, b in zip([0, *ends], ends, strict=False)
        ]
    return header, [(n, set(c.to_pylist())) for n, c in zip(numeric, distinct, strict=True)], True


def _decoded(data: bytes) -> tuple[str, bool]:
    """The text of a file's bytes, and whether they are UTF-8 (else read with replacement
    characters)."""
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), False


def clean_table(values: list, folded: list):
    """Clean values and their folded readings (None where it is the value), as `Gate.clean`
    gives them and `Gate.vouch` takes them."""
    import pyarrow as pa

    return pa.table({"value": pa.array(values, pa.string()), "folded": pa.array(folded, pa.string())})


def _strings(series):
    """The values of a column holding strings (object, string or categorical of strings) as an
    object array, missing values as None; None for other columns."""
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    if not pd.api.types.is_object_dtype(dtype) and not isinstance(dtype, pd.StringDtype):
        return None
    return series.to_numpy(dtype=object, na_value=None)


def _walk_json(node, strings: set[str], numbers: set[str], key: str = "") -> None:
    if isinstance(node, str):
        # DCAT writes a byte count as a typed string ("dcat:byteSize": "3750903"): a count, read
        # as a number (personal shapes only), as when it is written bare
        (numbers if key.endswith("byteSize") and node.isdigit() else strings).add(node)
    elif isinstance(node, bool) or node is None:
        return
    elif isinstance(node, int | float):
        numbers.add(str(node))
    elif isinstance(node, dict):
        for name, value in node.items():
            strings.add(str(name))
            _walk_json(value, strings, numbers, str(name))
    elif isinstance(node, list):
        for value in node:
            _walk_json(value, strings, numbers, key)


def _unescape_js(text: str) -> str:
    r"""\u5f20\u4f1f and \x31 escapes as the characters they write."""
    return re.sub(
        r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1) or m.group(2), 16)), text
    )
