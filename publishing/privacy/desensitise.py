"""Desensitisation (脱敏) of open data with Presidio, offline: every string column of every open
dataset passes here before it leaves (`publishing.open_data`), and the gate
(`publishing.privacy.gate`, which shares no detection code with this) checks the result.

Natural persons' names, ID numbers, phones and other personal data are never opened
(hl-2022 Art 23, hl-draft Art 24); any natural person's data made public is desensitised
(city-2022 Art 23). Each text is read through one normalised copy
(`publishing.privacy.normalise`: full-width, circled and Chinese digits, zero-width characters,
traditional characters, spaces inside names), each category has its module, and every span
found is mapped back onto the text's own characters before it is replaced:

| Presidio entity    | module       | replaced by                       |
|--------------------|--------------|-----------------------------------|
| `CN_CITIZEN_ID`    | numbers      | [身份证号]                         |
| `CN_PHONE`         | numbers      | [电话]                             |
| `CN_BANK_CARD`     | numbers      | [银行卡号]                         |
| `CN_NUMBER`        | numbers      | [号码] (any other undeclared run)  |
| `CN_PASSPORT`      | numbers      | [证件号码]                         |
| `CN_LICENSE_PLATE` | numbers      | province kept: 吉*****             |
| `EMAIL_ADDRESS`    | contacts     | [邮箱]                             |
| `CN_WECHAT`        | contacts     | [微信号]                           |
| `CN_QQ`            | contacts     | [QQ号]                             |
| `CN_ADDRESS`       | addresses    | [住址] (city and district kept)    |
| `CN_BIRTH_DATE`    | addresses    | [出生日期]                         |
| `PERSON`           | names        | surname kept: 张三丰 -> 张**        |

Names come from, in order of confidence: the record's own names (subject, legal
representative) in every variant (traditional, spaced, pinyin); the platform's register of
natural persons (`KnownPeople`); context, lists and name statistics (`names.context_names`).
Overlapping spans are masked as one (their union), so no character any detector found is left.

Speed: identical texts are analysed once; texts are normalised once; the recognizers that do not
depend on the row run over batches of distinct texts joined by NUL in one
`AnalyzerEngine.analyze` call (no detector crosses a NUL); the record's names are looked for by a
second engine only where one of them occurs. A column with at least `PARALLEL_MIN` distinct texts
is split over `PROCESSES` processes (this one and a forked worker, which inherits the analyzer
and the register: `publishing.privacy.forked`). Measured by `bench/privacy_bench.py`. Each
text's detection copy is given on request (`desensitise_column(copies=...)`): what open data
keeps to know, the next day, which rows a change to the register touches
(`publishing.privacy.remembered`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import cache, cached_property, lru_cache
from typing import Any, NamedTuple

from publishing.privacy import addresses, contacts, forked, names, numbers
from publishing.privacy.names import KnownPeople, mask_name
from publishing.privacy.normalise import Normalised, normalise, normalise_name

__all__ = ["KnownPeople", "analyse_column", "analyzer", "desensitise", "desensitise_column", "mask_name"]

PERSON = "PERSON"
CITIZEN_ID = "CN_CITIZEN_ID"
PHONE = "CN_PHONE"
BANK_CARD = "CN_BANK_CARD"
NUMBER = "CN_NUMBER"
PASSPORT = "CN_PASSPORT"
PLATE = "CN_LICENSE_PLATE"
EMAIL = "EMAIL_ADDRESS"
WECHAT = "CN_WECHAT"
QQ = "CN_QQ"
ADDRESS = "CN_ADDRESS"
BIRTH_DATE = "CN_BIRTH_DATE"

# kind found by a module -> (Presidio entity, score: where spans overlap, the label of the surest)
KINDS = {
    "citizen_id": (CITIZEN_ID, 1.0),
    "mobile": (PHONE, 0.9),
    "landline": (PHONE, 0.85),
    "bank_card": (BANK_CARD, 0.85),
    "passport": (PASSPORT, 0.9),
    "number": (NUMBER, 0.6),
    "plate": (PLATE, 0.8),
    "email": (EMAIL, 0.95),
    "wechat": (WECHAT, 0.92),
    "qq": (QQ, 0.92),
    "address": (ADDRESS, 0.7),
    "birth_date": (BIRTH_DATE, 0.8),
}
ENTITIES = (PERSON, *dict.fromkeys(entity for entity, _score in KINDS.values()))
REPLACEMENTS = {
    CITIZEN_ID: "[身份证号]",
    PHONE: "[电话]",
    BANK_CARD: "[银行卡号]",
    NUMBER: "[号码]",
    PASSPORT: "[证件号码]",
    EMAIL: "[邮箱]",
    WECHAT: "[微信号]",
    QQ: "[QQ号]",
    ADDRESS: "[住址]",
    BIRTH_DATE: "[出生日期]",
}
SCORE_THRESHOLD = 0.5


def mask_plate(plate: str) -> str:
    """Keep the province character: 吉A12345 -> 吉*****."""
    return plate[:1] + "*****"


def replacement(entity_type: str, span: str) -> str:
    if entity_type == PERSON:
        return mask_name(span)
    if entity_type == PLATE:
        return mask_plate(span)
    return REPLACEMENTS[entity_type]


class Found(NamedTuple):
    """One span found in one text (offsets into that text)."""

    start: int
    end: int
    entity_type: str
    score: float


def _categories(text: str) -> list[tuple[int, int, str, float]]:
    """Every non-name finding in a normalised text: (start, end, entity, score)."""
    found = numbers.find_numbers(text) + numbers.find_plates(text)
    found += contacts.find_contacts(text) + addresses.find_addresses(text) + addresses.find_birth_dates(text)
    return [(f.start, f.end, *KINDS[f.kind]) for f in found]


# --- the record's own names ----------------------------------------------------------------------


@lru_cache(maxsize=20_000)
def _compiled(latin: tuple[str, ...]) -> re.Pattern:
    """One case-insensitive pattern for the pinyin forms, longest first, spaces optional."""
    words = sorted(
        {r"\s*".join(map(re.escape, v.split())) if " " in v else re.escape(v) for v in latin},
        key=len,
        reverse=True,
    )
    return re.compile(r"(?<![A-Za-z])(?:" + "|".join(words) + r")(?![A-Za-z])", re.IGNORECASE)


def _squashed(text: str) -> str:
    return "".join(text.lower().split())


# The Latin forms are ASCII: a text without an ASCII character holds none of them (most texts,
# in Chinese, have none); without a Latin letter, none of the pinyin forms.
_ASCII = re.compile("[\x00-\x7f]")
_LETTER = re.compile("[a-z]")


class RecordNames:
    """How a record's names are looked for: their Chinese forms (normalised: simplified, no
    spaces) by substring search, their pinyin forms by one case-insensitive pattern. The
    pattern is compiled only for a text that holds one of the pinyin forms, spaces aside:
    compiling one per record cost more than the rest of desensitisation (2 ms a record). The
    pinyin forms themselves are made only for a text with Latin letters in it, which most texts
    (in Chinese) have not: making them for every record's names cost more than looking for them."""

    def __init__(self, cleaned: tuple[str, ...]):
        forms, latin = set(), set()
        for name in cleaned:
            for variant in names.record_name_variants(normalise_name(name), pinyin=False):
                (latin if variant.isascii() else forms).add(variant)
        self.names = cleaned
        self.forms = tuple(sorted(f for f in forms if len(f) >= 2))
        # every pinyin form has letters; a Latin name of the record may have none (a code)
        self.lettered = all(_LETTER.search(_squashed(v)) for v in latin)

    @cached_property
    def _spelled(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The forms that only pinyin gives: those with a ü (Lü Qiang), and the Latin ones (with
        the record's Latin names)."""
        forms, latin = set(), set()
        for name in self.names:
            for variant in names.record_name_variants(normalise_name(name)):
                (latin if variant.isascii() else forms).add(variant)
        return tuple(sorted(f for f in forms - set(self.forms) if len(f) >= 2)), tuple(sorted(latin))

    @property
    def latin(self) -> tuple[str, ...]:
        return self._spelled[1]

    @cached_property
    def latin_keys(self) -> tuple[str, ...]:
        """Each Latin form lower-cased, without spaces."""
        return tuple(sorted({_squashed(v) for v in self.latin}))

    def _latin_in(self, text: str, squashed: str | None = None, letters: bool = True) -> re.Pattern | None:
        squashed = _squashed(text) if squashed is None else squashed
        if not squashed or (not letters and self.lettered):  # no key (none is empty) is in it
            return None
        if not self.latin:
            return None
        return _compiled(self.latin) if any(key in squashed for key in self.latin_keys) else None

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        end = len(text) if end is None else end
        segment = text[start:end]
        squashed = _squashed(segment)
        letters = _LETTER.search(squashed) is not None  # else no pinyin form is in it
        out = []
        for form in self.forms + (self._spelled[0] if letters else ()):
            at = text.find(form, start, end)
            while at >= 0:
                out.append((at, at + len(form)))
                at = text.find(form, at + len(form), end)
        latin = self._latin_in(segment, squashed, letters)
        if latin is not None:
            out += [m.span() for m in latin.finditer(text, start, end)]
        return out

    def occurs_in(self, text: str, squashed: str | None = None, letters: bool = True) -> bool:
        """Whether one of the names occurs in `text`. When the caller knows them: `squashed`, the
        text as `latin_keys` are (`_squashed`), or "" when that holds no ASCII character;
        `letters`, whether that holds a Latin letter."""
        if any(form in text for form in self.forms):
            return True
        if letters and any(form in text for form in self._spelled[0]):  # each has Latin letters
            return True
        latin = self._latin_in(text, squashed, letters)
        return latin is not None and latin.search(text) is not None


@lru_cache(maxsize=200_000)
def record_names(cleaned: tuple[str, ...]) -> RecordNames:
    """How a record's names (`_clean_names`: two characters or more, not masked) are looked for."""
    return RecordNames(cleaned)


def _clean_names(raw) -> tuple[str, ...]:
    """The record's names worth looking for: two characters or more, not already masked."""
    if not raw:
        return ()
    if isinstance(raw, str):
        raw = (raw,)
    return tuple(
        sorted({n.strip() for n in raw if isinstance(n, str) and len(n.strip()) >= 2 and "*" not in n})
    )


# --- Presidio -----------------------------------------------------------------------------------


def _build_analyzer():
    """The Presidio engines (one for the recognizers that do not depend on the row, one for the
    record's names), the empty NLP artifacts they are called with, and the two recognizers made
    per call (the record's names, the register)."""
    from presidio_analyzer import RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpArtifacts, NoOpNlpEngine

    base, engine_class = _presidio_classes()
    category, context_name, record_name, known_name = _chinese_recognizers(base)
    nlp_engine = NoOpNlpEngine(models=[{"lang_code": "zh", "model_name": "no_op"}])
    registry = RecognizerRegistry(supported_languages=["zh"])
    for recognizer in (category, context_name):
        registry.add_recognizer(recognizer())
    engine = engine_class(registry=registry, nlp_engine=nlp_engine, supported_languages=["zh"])
    # A second engine for the record's names (ad hoc per call; the registered one has none: an
    # empty registry would make Presidio load its English defaults).
    names_registry = RecognizerRegistry(supported_languages=["zh"])
    names_registry.add_recognizer(record_name([], [], []))
    names_engine = engine_class(registry=names_registry, nlp_engine=nlp_engine, supported_languages=["zh"])
    empty = NlpArtifacts(
        entities=[], tokens=[], tokens_indices=[], lemmas=[], nlp_engine=nlp_engine, language="zh"
    )
    return engine, names_engine, empty, record_name, known_name


def _presidio_classes():
    """The base of the Chinese recognizers and the analyzer engine that runs them (classes made
    here, not at import: Presidio is imported only when a column is desensitised)."""
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer
    from presidio_analyzer import RecognizerResult as Result

    class ChineseResult(Result):
        """Hashed as a tuple (Presidio's own hash formats a string; its duplicate removal puts
        every result in a set)."""

        def __hash__(self):
            return hash((self.start, self.end, self.score, self.entity_type))

    class ChineseRecognizer(EntityRecognizer):
        """A recognizer of the Chinese set: `find(text)` gives (start, end, entity, score)."""

        ENTITIES: tuple[str, ...] = ()

        def __init__(self):
            super().__init__(list(self.ENTITIES), supported_language="zh")

        def load(self) -> None:
            pass

        def find(self, text: str) -> list[tuple[int, int, str, float]]:
            raise NotImplementedError

        def analyze(self, text, entities, nlp_artifacts=None):
            meta = {Result.RECOGNIZER_NAME_KEY: self.name, Result.RECOGNIZER_IDENTIFIER_KEY: self.id}
            return [
                ChineseResult(entity, s, e, score, recognition_metadata=meta)
                for s, e, entity, score in self.find(text)
            ]

    class ChineseAnalyzerEngine(AnalyzerEngine):
        """Context is part of each recognizer here: Presidio's context pass (which deep-copies
        every result) has nothing to add, so it is skipped."""

        def _enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
            return raw_results

    return ChineseRecognizer, ChineseAnalyzerEngine


def _chinese_recognizers(base):
    """The recognizers, each a subclass of `base` (`_presidio_classes`): the categories, names by
    context, the record's own names, the register's names."""

    class CategoryRecognizer(base):
        """Numbers and codes, plates, contacts, home addresses and birth dates (their modules)."""

        ENTITIES = tuple(e for e in ENTITIES if e != PERSON)

        def find(self, text):
            return _categories(text)

    class ContextNameRecognizer(base):
        """Names by context, lists, minority and Latin-script names, statistics (`names`)."""

        ENTITIES = (PERSON,)

        def load(self) -> None:
            names.load()

        def find(self, text):
            return [(s, e, PERSON, score) for s, e, score, _how in names.context_names(text)]

    class RecordNameRecognizer(base):
        """The record's own names, per text of a batch (ad hoc, one per analyze call)."""

        ENTITIES = (PERSON,)

        def __init__(self, starts: Sequence[int], ends: Sequence[int], own: Sequence[RecordNames]):
            super().__init__()
            self.segments = list(zip(starts, ends, own, strict=True))

        def find(self, text):
            return [
                (s, e, PERSON, 0.95)
                for start, end, own in self.segments
                for s, e in own.find(text, start, end)
            ]

    class KnownNameRecognizer(base):
        """Natural persons the platform knows (`KnownPeople`), wherever they appear."""

        ENTITIES = (PERSON,)

        def __init__(self, known: KnownPeople):
            super().__init__()
            self.known = known

        def find(self, text):
            return [(s, e, PERSON, 0.9) for s, e in self.known.find(text)]

    return CategoryRecognizer, ContextNameRecognizer, RecordNameRecognizer, KnownNameRecognizer


@cache
def _engine():
    names.load()
    numbers.shapes()
    return _build_analyzer()


def analyzer():
    """The Presidio AnalyzerEngine (built once): Chinese recognizers, no model, no download."""
    return _engine()[0]


# --- the column --------------------------------------------------------------------------------

BATCH = 500  # texts per analyze call
_SEPARATOR = "\x00"  # no detector matches it, so none crosses from one text to the next
# What every non-name detector starts from: a digit, an @ or its spellings, Latin letters (codes,
# e-mail, names in pinyin), a province before a plate's letter, or a cue word.
_MAYBE = re.compile(
    r"[0-9@#]|[A-Za-z]{2}|艾特|微信|薇信|威信|绿泡泡|扣扣|护照|通行证|回乡证|台胞证|证件"
    r"|[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z]"
    r"|住|户籍|居住|栋|幢|单元|室|号楼|组|胡同|出生|生于|生日|年生"
)


def _may_hold(text: str, known: KnownPeople | None) -> bool:
    """A cheap pre-filter: False only when no detector could find anything in the normalised text."""
    return (
        names.may_hold_name(text)
        or _MAYBE.search(text) is not None
        or (known is not None and known.occurs_in(text))
    )


def _resolve(found: list[Found]) -> list[Found]:
    """Sorted by start; overlapping spans become one (their union), so that no character a
    detector found is left. Names with names stay a name; a name with anything else takes the
    other's placeholder (an e-mail that holds the record's name in pinyin is an e-mail);
    otherwise the surest finding's label."""
    found.sort()
    merged: list[Found] = []
    for f in found:
        last = merged[-1] if merged else None
        if last is None or f.start >= last.end:
            merged.append(f)
            continue
        if (last.entity_type == PERSON) != (f.entity_type == PERSON):
            label = f if last.entity_type == PERSON else last
        else:
            label = last if last.score >= f.score else f
        merged[-1] = Found(last.start, max(last.end, f.end), label.entity_type, max(last.score, f.score))
    return merged


def _analyse_joined(engine, empty, texts: Sequence[str], ad_hoc) -> list[list[Found]]:
    """One `AnalyzerEngine.analyze` call over `texts` joined by NUL: what each text holds."""
    starts, ends, pos = [], [], 0
    for t in texts:
        starts.append(pos)
        ends.append(pos + len(t))
        pos += len(t) + len(_SEPARATOR)
    joined = _SEPARATOR.join(texts)
    results = engine.analyze(
        text=joined,
        language="zh",
        nlp_artifacts=empty,
        score_threshold=SCORE_THRESHOLD,
        ad_hoc_recognizers=ad_hoc(starts, ends),
    )
    out: list[list[Found]] = [[] for _ in texts]
    for r in results:
        i = bisect_right(starts, r.start) - 1
        if r.end <= ends[i]:
            out[i].append(Found(r.start - starts[i], r.end - starts[i], r.entity_type, r.score))
    return out


def _in_original(norm: Normalised, found: list[Found]) -> list[Found]:
    if norm.origin is None:
        return found
    return [Found(*norm.span(f.start, f.end), f.entity_type, f.score) for f in found]


def _named_keys(keys: list[tuple], norms: dict[str, Normalised]) -> list[tuple]:
    """The distinct keys (text, names) whose text holds one of its names; each text normalised
    (into `norms`) and squashed for the pinyin forms once, not once per key."""
    named: list[tuple] = []
    squashed: dict[str, tuple[str, bool]] = {}  # per text: as the Latin keys are, has it a letter
    for key in dict.fromkeys(keys):
        text, raw = key
        if not isinstance(text, str) or not text:
            continue
        norm = norms.get(text)
        if norm is None:
            norm = norms[text] = normalise(text)
        if not raw:
            continue
        plain = squashed.get(text)
        if plain is None:
            plain = _squashed(norm.text)
            plain = squashed[text] = (
                (plain, _LETTER.search(plain) is not None) if _ASCII.search(plain) else ("", False)
            )
        if record_names(raw).occurs_in(norm.text, *plain):
            named.append(key)
    return named


def _analyse_keys(
    keys: list[tuple], known: KnownPeople | None = None, norms: dict[str, Normalised] | None = None
) -> dict[tuple, list[Found]]:
    """What is found for each distinct key (text, names), in the text's own offsets. Each distinct
    text is normalised and analysed once (into `norms`, when given); the record's names are
    looked for per key, only where one of them occurs."""
    engine, names_engine, empty, record_recognizer, known_recognizer = _engine()
    norms = {} if norms is None else norms
    named = _named_keys(keys, norms)
    todo = [t for t, norm in norms.items() if _may_hold(norm.text, known)]
    found: dict[str, list[Found]] = {}
    ad_hoc = (lambda _s, _e: [known_recognizer(known)]) if known else (lambda _s, _e: [])
    for i in range(0, len(todo), BATCH):
        chunk = todo[i : i + BATCH]
        results = _analyse_joined(engine, empty, [norms[t].text for t in chunk], ad_hoc)
        found.update(zip(chunk, results, strict=True))
    out: dict[tuple, list[Found]] = {}
    for i in range(0, len(named), BATCH):
        chunk = named[i : i + BATCH]
        own = [record_names(raw) for _t, raw in chunk]
        results = _analyse_joined(
            names_engine,
            empty,
            [norms[t].text for t, _raw in chunk],
            lambda s, e, own=own: [record_recognizer(s, e, own)],
        )
        for key, extra in zip(chunk, results, strict=True):
            out[key] = extra
    resolved: dict[tuple, list[Found]] = {}
    for key in dict.fromkeys(keys):
        text = key[0]
        spans = found.get(text, []) + out.get(key, []) if isinstance(text, str) else []
        resolved[key] = _resolve(_in_original(norms[text], spans)) if spans else []
    return resolved


def analyse_column(
    texts: Sequence, names_per_row: Sequence, known: KnownPeople | None = None
) -> list[list[Found]]:
    """What is found in each text (overlaps resolved, offsets into the text)."""
    with forked.gc_paused():
        distinct, of_row = _distinct_keys(_objects(texts), names_per_row)
        found = _analyse_keys(distinct, known)
        return [found[distinct[i]] if i >= 0 else [] for i in of_row]


def apply(text: str, found: Sequence[Found]) -> str:
    """Replace the found spans (sorted, non-overlapping) in `text`."""
    if not found:
        return text
    parts, pos = [], 0
    for start, end, entity_type, _score in found:
        parts.append(text[pos:start])
        parts.append(replacement(entity_type, text[start:end]))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


# A column with at least this many distinct texts is split over `PROCESSES` processes; below it
# the fork and the transfer cost more than the second core gives back (bench/privacy_bench.py).
PARALLEL_MIN = 4_000
PROCESSES = 2


def _split(keys: list[tuple], parts: int) -> list[list[tuple]]:
    """Distinct keys in `parts` runs of about equal text length; keys sharing a text stay together."""
    lengths = [len(t) if isinstance(t, str) else 1 for t, _names in keys]
    total = sum(lengths) or 1
    out: list[list[tuple]] = [[] for _ in range(parts)]
    part_of: dict = {}
    done = 0
    for key, length in zip(keys, lengths, strict=True):
        out[part_of.setdefault(key[0], min(parts - 1, done * parts // total))].append(key)
        done += length
    return out


def _desensitised(keys: list[tuple], known: KnownPeople | None) -> list[tuple[str | None, str | None]]:
    """For each distinct key: its output (None where the text stays as it is), and its text as
    normalised for detection (None where normalising changed nothing)."""
    with forked.gc_paused():
        norms: dict[str, Normalised] = {}
        found = _analyse_keys(keys, known, norms)
        return [
            (
                apply(key[0], spans) if (spans := found[key]) else None,
                norm.text if (norm := norms.get(key[0])) is not None and norm.text != key[0] else None,
            )
            for key in keys
        ]


def _desensitise_parallel(keys: list[tuple], known: KnownPeople | None, processes: int) -> dict:
    """`_desensitised` of each distinct key, by key, the keys split over this process and forked
    workers (`forked.run_parts`), which inherit the analyzer and `known`."""
    _engine()  # built before forking, so that no worker builds it again
    parts = _split(keys, processes)
    outputs = forked.run_parts(lambda run: _desensitised(run, known), parts)
    return {
        key: out for run, part in zip(parts, outputs, strict=True) for key, out in zip(run, part, strict=True)
    }


def desensitise_column(
    texts,
    names_per_row,
    known: KnownPeople | None = None,
    processes: int | None = None,
    copies: list | None = None,
) -> list:
    """Desensitise a column; identical (text, names) pairs are analysed and replaced once.
    Values that are not text (None, NaN) come back as they are. `names_per_row`: each row's own
    natural persons' names; `known`: the platform's register. `processes`: by default
    `PROCESSES` when the column has at least `PARALLEL_MIN` distinct texts, else one.
    `copies`: extended with each row's text as its detectors read it (normalised; "" where the
    value is not text), in which the register's names were looked for."""
    import numpy as np

    with forked.gc_paused():
        values = _objects(texts)
        distinct, of_row = _distinct_keys(values, names_per_row)
        if processes is None:
            many = len(distinct) >= PARALLEL_MIN and len({k[0] for k in distinct}) >= PARALLEL_MIN
            processes = PROCESSES if many and forked.can_fork() else 1
        if processes > 1:
            results = _desensitise_parallel(distinct, known, processes)
            results = [results[key] for key in distinct]
        else:
            results = _desensitised(distinct, known)
        text = of_row >= 0
        out = values.copy()
        replaced = _objects(
            [o if o is not None else k[0] for (o, _n), k in zip(results, distinct, strict=True)]
        )
        out[text] = replaced[of_row[text]]
        if copies is not None:
            read = _objects([n or k[0] for (_o, n), k in zip(results, distinct, strict=True)])
            each = np.full(len(values), "", dtype=object)
            each[text] = read[of_row[text]]
            copies.extend(each.tolist())
        return out.tolist()


def _objects(values) -> Any:
    """`values` as a NumPy array of objects, one per value (a tuple stays one object)."""
    import numpy as np

    return np.fromiter(values, dtype=object, count=len(values))


def _distinct_keys(values, names_per_row: Sequence) -> tuple[list[tuple], Any]:
    """The distinct keys (text, `_clean_names` of its row's names) of the rows whose value is
    text, in the order they first occur, and per row the index of its key (-1 where the value
    is not text): computed by pandas over whole columns, since a province's columns have
    millions of rows and few distinct texts or names (a column of 621,381 rows and 18 texts: 5.5 s
    one row at a time)."""
    import numpy as np
    import pandas as pd

    text = np.flatnonzero(np.fromiter((type(v) is str for v in values), dtype=bool, count=len(values)))
    text_codes, texts = pd.factorize(values)
    raw = _objects([tuple(n) if isinstance(n, list) else n for n in names_per_row])
    raw_codes, raws = pd.factorize(raw)  # no names (None) is -1: the last of the cleaned, ()
    names_codes, cleaned = pd.factorize(_objects([_clean_names(r) for r in raws] + [()]))
    width = len(cleaned)
    combined = text_codes[text].astype(np.int64) * width + names_codes[raw_codes[text]]
    codes, first, of_text = np.unique(combined, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # the keys in the order they first occur
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    of_row = np.full(len(values), -1, dtype=np.intp)
    of_row[text] = rank[of_text]
    return [(texts[c // width], cleaned[c % width]) for c in codes[order]], of_row


def desensitise(
    text: str | None, names: tuple[str, ...] = (), known: KnownPeople | None = None
) -> str | None:
    """Replace personal data in `text` (see the module docstring); other text is kept as is."""
    if not text:
        return text
    return desensitise_column([text], [names], known)[0]
