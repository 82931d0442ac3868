"""How the desensitiser's output is judged against a hand-labelled corpus: recall per kind,
precision, ordinary sentences left alone. Used by `tests/privacy/test_corpus.py` (the thresholds)
and by `bench/privacy_bench.py` (the report and the speed).

The corpus is `tests/privacy/corpus/*.yml`, written by hand, not by the detector's author: each
file has a `category` and `entries`, each entry a `text`, its `pii` (`{kind, value}`, the value
an exact substring of the text), optionally `names` (the record's own natural persons, as the
database holds them) and a `note`. `ordinary.yml` holds sentences with no personal data. The
held-out corpus `tests/privacy/heldout/` has the same format.

The whole corpus goes through one call, `desensitise_column(texts, names, processes=1)`, with no
`KnownPeople` (the record's own names only). Then:

* recall, per kind: an entity is found when none of its characters remains in the output, but
  what is kept on purpose: a name's first character (张三丰 -> 张**), an address's leading
  administrative divisions (province, city, district or county: 长春市朝阳区 of
  长春市朝阳区幸福小区5栋2单元301室). Decided two ways, and missed if either says it leaked:
  - *at its place*: the text is aligned with the output (difflib, no junk heuristic), each
    placeholder of the output ([电话], [住址]...: a bracketed token the text does not hold) read
    as one character no text holds, so that 日 of 1985年3月12日 cannot pair with 日 of [出生日期].
    A character of the text survives when it lies in a block the two share. Only the value's
    letters and digits (Han characters included) count, not spaces and punctuation. Every
    occurrence of the value in the text is checked: a value written twice must go twice. A
    value labelled once per occurrence counts as that many entities, each judged at its own
    occurrence. The format cannot say which occurrence a label means, so a value written more
    often than labelled (杜鹃 the person and 杜鹃花 the plant in one text) is judged on every
    occurrence too: such a miss says so ("written 2 times, labelled 1").
  - *anywhere*: the value, compacted (NFKC, zero-width characters dropped, digits of every
    script read as ASCII digits, runs of four or more Chinese numerals read as digits, O/l
    beside a digit read as 0/1, spaces and separators -/._()+ dropped; names: NFKC and no
    spaces), does not occur in the output compacted the same way (digits not glued to other
    digits). This catches a value the output spells in another
    form (full-width digits written back as ASCII...). A name's given name alone is not
    looked for anywhere: 建国 of 王建国 is also 建国路.
* precision: the share of texts whose only changes are at labelled values. Every changed
  character of the text (difflib, as above) outside every occurrence of every labelled value
  (spaces and zero-width characters touching a value count as the value's) is a false positive,
  and so is anything inserted away from a value; `at labels` is the share of all changed
  characters that lie inside labelled values.
* ordinary: the share of `ordinary` entries that come out exactly as they went in.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

CORPUS = Path(__file__).resolve().parent / "corpus"
KINDS = (
    "citizen_id",
    "mobile",
    "landline",
    "bank_card",
    "email",
    "passport",
    "wechat",
    "qq",
    "birth_date",
    "address",
    "name",
)
ORDINARY = "ordinary"


# --- the corpus --------------------------------------------------------------------------------


class Label(NamedTuple):
    kind: str
    value: str


@dataclass(frozen=True)
class Entry:
    text: str
    pii: tuple[Label, ...] = ()
    names: tuple[str, ...] = ()
    category: str = ""
    source: str = ""  # file and position: mobile.yml#3 (the first entry is #1)
    note: str = ""


class CorpusError(ValueError):
    pass


def read_corpus(directory: Path) -> tuple[list[Entry], list[str]]:
    """Every entry of every file, and what is wrong with the files (labels that cannot be
    evaluated are left out of the entries). Scalars are read as strings (YAML's base loader):
    an unquoted 0431777 or 1985-03-12 stays the text it is, not an octal number or a date."""
    entries: list[Entry] = []
    problems: list[str] = []
    files = sorted(Path(directory).glob("*.yml"))
    if not files:
        return [], [f"no *.yml file in {directory}"]
    for path in files:
        entries += _read_corpus_file(path, problems)
    seen: dict[tuple, str] = {}
    for e in entries:
        key = (e.text, e.names)
        if key in seen:
            problems.append(f"{e.source}: the same text (and names) as {seen[key]}")
        seen.setdefault(key, e.source)
    return entries, problems


def _read_corpus_file(path: Path, problems: list[str]) -> list[Entry]:
    """The entries of one corpus file; what is wrong with it is added to `problems`."""
    import yaml

    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        problems.append(f"{path.name}: not readable YAML: {e}")
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        problems.append(f"{path.name}: no `entries` list")
        return []
    category = doc.get("category")
    if not isinstance(category, str) or not category:
        problems.append(f"{path.name}: no `category`")
        category = path.stem
    for unknown in sorted(set(doc) - {"category", "entries"}):
        problems.append(f"{path.name}: unknown key {unknown!r}")
    entries = []
    for n, raw in enumerate(doc["entries"], 1):
        entry = _read_corpus_entry(raw, f"{path.name}#{n}", category, problems)
        if entry is not None:
            entries.append(entry)
    return entries


def _read_corpus_entry(raw, where: str, category: str, problems: list[str]) -> Entry | None:
    """One entry (`where`: file#position), or None when it has no text; what is wrong with it is
    added to `problems`."""
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"]:
        problems.append(f"{where}: no `text`")
        return None
    text = raw["text"]
    for unknown in sorted(set(raw) - {"text", "pii", "names", "note"}):
        problems.append(f"{where}: unknown key {unknown!r}")
    labels = _read_labels(
        raw.get("pii") or [], text, where, problems
    )  # `pii:` with nothing after it reads as ''
    names = raw.get("names") or []
    if isinstance(names, str) or not all(isinstance(x, str) and x for x in names):
        problems.append(f"{where}: `names` is not a list of names: {names!r}")
        names = [names] if isinstance(names, str) else []
    if category == ORDINARY and labels:
        problems.append(f"{where}: an ordinary entry with pii")
    note = raw.get("note") if isinstance(raw.get("note"), str) else ""
    return Entry(text, tuple(labels), tuple(names), category, where, note)


def _read_labels(items, text: str, where: str, problems: list[str]) -> list[Label]:
    """The labels of an entry's `pii` that can be evaluated; what is wrong with the others, and a
    value labelled more than once but not once per occurrence, is added to `problems`."""
    if not isinstance(items, list):
        problems.append(f"{where}: `pii` is not a list")
        items = []
    labels = []
    for item in items:
        problem = _label_problem(item, text)
        if problem:
            problems.append(f"{where}: {problem}")
        else:
            labels.append(Label(item["kind"], item["value"]))
    for (kind, value), count in Counter(labels).items():
        if count > 1 and count != text.count(value):  # once per occurrence is how to label a repeat
            problems.append(f"{where}: {kind} {value!r} labelled {count} times, written {text.count(value)}")
    return labels


def _label_problem(item, text: str) -> str | None:
    """What makes a `pii` item impossible to evaluate, or None."""
    if not isinstance(item, dict) or not isinstance(item.get("kind"), str) or "value" not in item:
        return f"pii item without kind and value: {item!r}"
    if item["kind"] not in KINDS:
        return f"unknown kind {item['kind']!r}"
    if not isinstance(item["value"], str) or not item["value"].strip():
        return f"empty or non-text value for {item['kind']}"
    if item["value"] not in text:
        return f"{item['kind']} value {item['value']!r} is not in the text"
    return None


def load_corpus(directory: Path | str | None = None) -> list[Entry]:
    """The labelled entries of every `*.yml` in `directory` (default `CORPUS`), in file order.
    Labels that cannot be evaluated (unknown kind, value not in the text...) are left out:
    `corpus_problems` lists them."""
    return read_corpus(Path(directory or CORPUS))[0]


def corpus_problems(directory: Path | str | None = None) -> list[str]:
    """What is wrong with the corpus files (empty when nothing is)."""
    return read_corpus(Path(directory or CORPUS))[1]


# --- the evaluation -------------------------------------------------------------------------------

# A token of the output that stands for what was removed: [电话], [住址], [QQ号]...
_PLACEHOLDER = re.compile(r"\[[^\[\]\s]{1,10}\]")
_PRIVATE = 0xE000  # private-use characters stand for placeholders while aligning
_CHINESE_DIGITS = {
    **dict(zip("〇零一二三四五六七八九", "00123456789", strict=True)),
    **dict(zip("壹贰叁肆伍陆柒捌玖", "123456789", strict=True)),
    "幺": "1",  # as 1 is read aloud in phone numbers
}
_NUMERAL_RUN = re.compile("[" + "".join(_CHINESE_DIGITS) + "]{4,}")
_LOOK_ALIKE = re.compile(r"(?<=[0-9])[OolI|]|[OolI|](?=[0-9])")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−﹣/_.()+]+")
# The administrative divisions an address may keep: province, city (prefecture), district,
# county or banner; a division's own name holds no street, village or building word, and
# 小区 / 社区 / 园区 are places inside a district, not districts.
_UNIT = r"[^\W\d_A-Za-z路街巷弄号栋幢楼室村组镇乡屯]"
_NOT_CITY = "".join(f"(?<!{w})" for w in ("超市", "门市", "夜市", "集市", "菜市", "早市"))
_NOT_DISTRICT = "".join(
    f"(?<!{w})" for w in ("小区", "社区", "园区", "校区", "景区", "厂区", "营区", "街区", "城区")
)
_ADMIN_PREFIX = re.compile(  # each division's name two characters or more: 红旗街道 is no banner
    rf"(?:{_UNIT}{{2,8}}?(?:省|自治区|特别行政区))?"
    rf"(?:{_UNIT}{{2,8}}?(?:市|自治州|地区|盟){_NOT_CITY})?"
    rf"(?:{_UNIT}{{2,7}}?(?:区|县|旗|市){_NOT_CITY}{_NOT_DISTRICT})?"
)


def _significant(ch: str) -> bool:
    """Letters (Han included) and digits: what identifies; spaces and punctuation do not."""
    return unicodedata.category(ch)[0] in "LN"


def _compact(s: str, kind: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Cf")  # zero-width characters
    if kind == "name":
        return re.sub(r"\s+", "", s)
    s = "".join(str(d) if (d := unicodedata.decimal(ch, None)) is not None else ch for ch in s)  # ٦, ५...
    s = _NUMERAL_RUN.sub(lambda m: "".join(_CHINESE_DIGITS[c] for c in m.group()), s)
    s = _LOOK_ALIKE.sub(lambda m: "0" if m.group() in "Oo" else "1", s)
    return _SEPARATORS.sub("", s)


def _anywhere(value: str, kind: str, output: str) -> bool:
    """Does the value occur in the output, both compacted (see the module docstring)?"""
    v = _compact(value, kind)
    if not v:
        return False
    pattern = (
        ("(?<![0-9])" if v[0].isdigit() else "") + re.escape(v) + ("(?![0-9])" if v[-1].isdigit() else "")
    )
    return re.search(pattern, _compact(output, kind)) is not None


def _occurrences(text: str, value: str) -> list[int]:
    out, i = [], text.find(value)
    while i >= 0:
        out.append(i)
        i = text.find(value, i + 1)
    return out


def _kept_prefix(value: str, kind: str) -> int:
    """How many leading characters of a value may stay: a name's first significant character,
    an address's administrative divisions."""
    if kind == "name":
        return next((i + 1 for i, ch in enumerate(value) if _significant(ch)), 0)
    if kind == "address":  # an address that is nothing but divisions goes whole
        kept = _ADMIN_PREFIX.match(value).end()
        return kept if kept < len(value) else 0
    return 0


class _Alignment(NamedTuple):
    opcodes: list[tuple[str, int, int, int, int]]
    coded: str  # the output, each placeholder one private-use character
    placeholders: dict[str, str]  # private-use character -> placeholder

    def output(self, j1: int, j2: int) -> str:
        return "".join(self.placeholders.get(ch, ch) for ch in self.coded[j1:j2])


def _align(text: str, output: str) -> _Alignment:
    tokens: dict[str, str] = {}

    def code(m: re.Match) -> str:
        if m.group() in text:  # the text's own brackets are text
            return m.group()
        return tokens.setdefault(m.group(), chr(_PRIVATE + len(tokens)))

    coded = _PLACEHOLDER.sub(code, output)
    opcodes = difflib.SequenceMatcher(None, text, coded, autojunk=False).get_opcodes()
    return _Alignment(opcodes, coded, {v: k for k, v in tokens.items()})


class Miss(NamedTuple):
    kind: str
    value: str
    output: str
    source: str
    why: str  # what of the value stayed


class Change(NamedTuple):
    """A change of the text away from every labelled value."""

    source: str
    before: str  # the text's characters changed (empty: an insertion)
    after: str  # what the output has instead
    text: str
    output: str


@dataclass(repr=False)
class Report:
    entities: dict[str, int] = field(default_factory=dict)  # kind -> labelled entities
    found: dict[str, int] = field(default_factory=dict)  # kind -> entities found
    misses: list[Miss] = field(default_factory=list)
    texts: int = 0
    clean: int = 0  # texts whose only changes are at labelled values
    changed_at_labels: int = 0  # characters of labelled values changed
    false_positive_chars: int = 0  # characters changed outside every labelled value
    changes: list[Change] = field(default_factory=list)  # the changes outside labelled values
    ordinary: int = 0
    ordinary_unchanged: int = 0
    ordinary_changed: list[tuple[str, str, str]] = field(default_factory=list)  # (source, text, output)

    def recall(self, kind: str) -> float | None:
        total = self.entities.get(kind, 0)
        return self.found.get(kind, 0) / total if total else None

    @property
    def precision(self) -> float | None:
        """The share of texts whose only changes are at labelled values."""
        return self.clean / self.texts if self.texts else None

    @property
    def ordinary_share(self) -> float | None:
        return self.ordinary_unchanged / self.ordinary if self.ordinary else None

    def table(self) -> str:
        lines = [f"{'kind':<12} {'entities':>9} {'found':>7} {'recall':>8}"]
        for kind in [*KINDS, *sorted(set(self.entities) - set(KINDS))]:
            lines.append(
                f"{kind:<12} {self.entities.get(kind, 0):>9,} {self.found.get(kind, 0):>7,} "
                f"{_pct(self.found.get(kind, 0), self.entities.get(kind, 0)):>8}"
            )
        total, found = sum(self.entities.values()), sum(self.found.values())
        lines += ["-" * 39, f"{'(all)':<12} {total:>9,} {found:>7,} {_pct(found, total):>8}", ""]
        changed = self.changed_at_labels + self.false_positive_chars
        lines.append(
            f"precision: {self.clean:,} of {self.texts:,} texts changed only at labelled values "
            f"({_pct(self.clean, self.texts).strip()}); {self.false_positive_chars:,} characters changed "
            f"outside labels, {self.changed_at_labels:,} inside ({_pct(self.changed_at_labels, changed).strip()}"
            " of changed characters at labels)"
        )
        lines.append(
            f"ordinary sentences unchanged: {self.ordinary_unchanged:,} of {self.ordinary:,} "
            f"({_pct(self.ordinary_unchanged, self.ordinary).strip()})"
        )
        return "\n".join(lines)

    def misses_text(self, kind: str | None = None, limit: int | None = None) -> str:
        misses = [m for m in self.misses if kind is None or m.kind == kind]
        lines = [f"{len(misses):,} misses" + (f" of {kind}" if kind else "") + (":" if misses else "")]
        for m in misses[:limit]:
            lines.append(f"  {m.kind:<10} {m.value!r} ({m.source}; {m.why})\n{'':13}-> {_show(m.output)}")
        if limit is not None and len(misses) > limit:
            lines.append(f"  ... and {len(misses) - limit:,} more")
        return "\n".join(lines)

    def changes_text(self, limit: int | None = None) -> str:
        lines = [f"{len(self.changes):,} changes outside labelled values" + (":" if self.changes else "")]
        for c in self.changes[:limit]:
            lines.append(f"  {c.source}: {c.before!r} -> {c.after!r}\n{'':13}in {_show(c.output)}")
        if limit is not None and len(self.changes) > limit:
            lines.append(f"  ... and {len(self.changes) - limit:,} more")
        return "\n".join(lines)

    def ordinary_text(self, limit: int | None = None) -> str:
        lines = [
            f"{len(self.ordinary_changed):,} ordinary sentences changed"
            + (":" if self.ordinary_changed else "")
        ]
        for source, text, output in self.ordinary_changed[:limit]:
            lines.append(f"  {source}: {_show(text)}\n{'':13}-> {_show(output)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        found, total = sum(self.found.values()), sum(self.entities.values())
        return (
            f"Report({found}/{total} entities found, {len(self.misses)} misses, {self.clean}/{self.texts} texts "
            f"clean, {self.ordinary_unchanged}/{self.ordinary} ordinary unchanged)"
        )

    def __str__(self) -> str:
        return "\n\n".join((self.table(), self.misses_text(), self.changes_text(), self.ordinary_text()))


def _show(s: str) -> str:
    """Text as printed in a report: line breaks and invisible characters escaped (\\n, \\u200b)."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in s)


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:6.2f}%" if b else "      -"


def evaluate(outputs: Sequence[str], entries: Sequence[Entry]) -> Report:
    """Recall per kind, precision and the ordinary sentences left alone (see the module docstring)."""
    if len(outputs) != len(entries):
        raise ValueError(f"{len(outputs)} outputs for {len(entries)} entries")
    report = Report()
    for entry, output in zip(entries, outputs, strict=True):
        report.texts += 1
        if entry.category == ORDINARY:
            _judge_ordinary(report, entry, output)
        alignment = _align(entry.text, output)
        kept = [False] * len(entry.text)  # the text's characters the output still holds in place
        for tag, i1, i2, _j1, _j2 in alignment.opcodes:
            if tag == "equal":
                kept[i1:i2] = [True] * (i2 - i1)
        labelled = [False] * len(entry.text)
        for label, count in Counter(entry.pii).items():
            _judge_value(report, entry, output, label, count, kept, labelled)
        _widen(entry.text, labelled)
        report.clean += _judge_changes(report, entry, output, alignment, labelled)
    return report


def _judge_ordinary(report: Report, entry: Entry, output: str) -> None:
    """An ordinary sentence counts as left alone only when it comes out exactly as it went in."""
    report.ordinary += 1
    if output == entry.text:
        report.ordinary_unchanged += 1
    else:
        report.ordinary_changed.append((entry.source, entry.text, output))


def _judge_value(
    report: Report,
    entry: Entry,
    output: str,
    label: Label,
    count: int,
    kept: list[bool],
    labelled: list[bool],
) -> None:
    """Count the entities of one labelled value (`count`: how often it is labelled) as found or
    missed, and mark its occurrences in `labelled`."""
    text, (kind, value) = entry.text, label
    allowed = _kept_prefix(value, kind)
    stayed = []  # per occurrence, what of the value the output holds in place
    for start in _occurrences(text, value):
        end = start + len(value)
        labelled[start:end] = [True] * len(value)
        stayed.append(
            "".join(text[i] for i in range(start + allowed, end) if kept[i] and _significant(text[i]))
        )
    elsewhere = not any(stayed) and _anywhere(value, kind, output)
    # a value labelled once per occurrence is judged per occurrence; else each label on all of them
    verdicts = stayed if 1 < count == len(stayed) else ["".join(stayed)] * count
    ambiguous = (
        f"; written {len(stayed)} times, labelled {count}: every occurrence judged"
        if count < len(stayed) and not all(stayed)
        else ""
    )
    for kept_here in verdicts:
        report.entities[kind] = report.entities.get(kind, 0) + 1
        if kept_here:
            report.misses.append(Miss(kind, value, output, entry.source, f"kept {kept_here!r}{ambiguous}"))
        elif elsewhere:
            report.misses.append(Miss(kind, value, output, entry.source, "found elsewhere in the output"))
        else:
            report.found[kind] = report.found.get(kind, 0) + 1


def _judge_changes(
    report: Report, entry: Entry, output: str, alignment: _Alignment, labelled: list[bool]
) -> bool:
    """Count the changed characters inside and outside labelled values, record every change away
    from them; whether the text changed only at labelled values."""
    text = entry.text
    clean = True
    for tag, i1, i2, j1, j2 in alignment.opcodes:
        if tag == "equal":
            continue
        outside = sum(1 for i in range(i1, i2) if not labelled[i])
        report.changed_at_labels += (i2 - i1) - outside
        report.false_positive_chars += outside
        touches = any(labelled[i] for i in (i1 - 1, i1) if 0 <= i < len(text))
        if outside or (i1 == i2 and not touches):
            clean = False
            report.changes.append(Change(entry.source, text[i1:i2], alignment.output(j1, j2), text, output))
    return clean


def _widen(text: str, labelled: list[bool]) -> None:
    """Spaces and zero-width characters touching a labelled value count as the value's."""

    def loose(ch: str) -> bool:
        return ch.isspace() or unicodedata.category(ch) == "Cf"

    for i in range(len(text)):  # rightwards
        if not labelled[i] and loose(text[i]) and i > 0 and labelled[i - 1]:
            labelled[i] = True
    for i in range(len(text) - 1, -1, -1):  # leftwards
        if not labelled[i] and loose(text[i]) and i + 1 < len(text) and labelled[i + 1]:
            labelled[i] = True


# --- the benchmark --------------------------------------------------------------------------------
