"""Free-text desensitisation (脱敏) with Presidio, offline.

Natural persons' names, ID numbers and phone numbers are never opened (hl-draft Art 24,
hl-2022 Art 23); any natural person's data made public is desensitised (city-2022 Art 23).
Free text such as 违法事实 routinely names people, so every free-text column passes here
before it leaves.

Presidio's default engines download a spaCy model; this one never does: the NLP engine is
a blank Chinese pipeline (per-character tokens) and the recognizers are patterns, with
checksums where the identifier has one, plus the record's own personal names (subject,
legal representative) as a deny list (shared/STACK.md).
"""

from __future__ import annotations

from functools import cache

# Chinese text has no \b next to Han characters: lookarounds bound the numbers instead.
_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"

REPLACEMENTS = {
    "CN_CITIZEN_ID": "[身份证号]",
    "CN_PHONE": "[电话]",
}


def mask_name(name: str) -> str:
    """Keep the surname, mask the rest: 张三丰 -> 张**. A documented, deterministic pattern."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def _zh_nlp_engine():
    import spacy
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    class BlankChineseNlpEngine(SpacyNlpEngine):
        """spaCy's blank Chinese pipeline: tokenises per character, downloads nothing."""

        def load(self) -> None:
            self.nlp = {"zh": spacy.blank("zh")}

    engine = BlankChineseNlpEngine(models=[{"lang_code": "zh", "model_name": "blank:zh"}])
    engine.load()
    return engine


@cache
def analyzer():
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry

    from creditlake.identifiers import check_citizen_id

    class CitizenIdRecognizer(PatternRecognizer):
        """18-digit (and legacy 15-digit) citizen IDs; only checksum-valid numbers count."""

        def validate_result(self, pattern_text: str) -> bool | None:
            return check_citizen_id(pattern_text).ok

    registry = RecognizerRegistry(supported_languages=["zh"])
    registry.add_recognizer(
        CitizenIdRecognizer(
            supported_entity="CN_CITIZEN_ID",
            supported_language="zh",
            patterns=[
                Pattern("id18", _NOT_ALNUM_BEFORE + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]" + _NOT_ALNUM_AFTER, 0.6),
                Pattern("id15", _NOT_ALNUM_BEFORE + r"[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}" + _NOT_ALNUM_AFTER, 0.4),
            ],
        )
    )  # fmt: skip
    registry.add_recognizer(
        PatternRecognizer(
            supported_entity="CN_PHONE",
            supported_language="zh",
            patterns=[
                Pattern("mobile", r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)", 0.8),
                Pattern("landline", r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)", 0.6),
            ],
        )
    )
    return AnalyzerEngine(registry=registry, nlp_engine=_zh_nlp_engine(), supported_languages=["zh"])


def desensitise(text: str | None, names: tuple[str, ...] = ()) -> str | None:
    """Replace IDs, phones and the given personal names in `text`; other text is kept as is."""
    if not text:
        return text
    import re

    from presidio_analyzer import Pattern, PatternRecognizer

    # Presidio's deny_list wraps terms in \b, which never matches beside Han characters:
    # the record's names go in as one plain alternation instead.
    names = tuple(sorted({n for n in names if n and len(n) >= 2 and "*" not in n}, key=len, reverse=True))
    ad_hoc = (
        [PatternRecognizer(supported_entity="PERSON", supported_language="zh",
                           patterns=[Pattern("record_names", "|".join(map(re.escape, names)), 0.9)])]
        if names else []
    )  # fmt: skip
    found = analyzer().analyze(text=text, language="zh", ad_hoc_recognizers=ad_hoc, score_threshold=0.5)
    # Replace from the end, longest first, so earlier offsets stay valid and overlaps resolve.
    out, last_start = text, len(text) + 1
    for r in sorted(found, key=lambda r: (r.start, -(r.end - r.start)), reverse=True):
        if r.end > last_start:
            continue
        span = text[r.start : r.end]
        replacement = mask_name(span) if r.entity_type == "PERSON" else REPLACEMENTS[r.entity_type]
        out = out[: r.start] + replacement + out[r.end :]
        last_start = r.start
    return out


def desensitise_column(texts, names_per_row) -> list:
    """Desensitise a column; identical (text, names) pairs are analysed once."""
    cache: dict[tuple, str | None] = {}
    out = []
    for text, names in zip(texts, names_per_row, strict=True):
        key = (text, names)
        if key not in cache:
            cache[key] = desensitise(text, names)
        out.append(cache[key])
    return out
