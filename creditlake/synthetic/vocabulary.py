"""Word lists and tables the extracts are made of, loaded once from `vocabulary.yml`.

Tables keep the order of the file: the generator draws by index, so the same seed gives
the same bytes only while the order stays."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from creditlake.landing import layout

_WORDS = yaml.safe_load(Path(__file__).with_name("vocabulary.yml").read_text(encoding="utf-8"))

# Subject kinds: the code a record carries (0, 1, 2) and, as bits, which kinds a table entry
# concerns (its `subjects`).
ORGANISATION, NATURAL_PERSON, INDIVIDUAL_BUSINESS = 0, 1, 2
SUBJECT_KINDS = ["organisation", "natural_person", "individual_business"]  # by kind code
KIND_BIT = np.array([1 << code for code in range(len(SUBJECT_KINDS))])


def subject_mask(subjects: list[str]) -> int:
    """The bits of the subject kinds a table entry concerns."""
    return sum(1 << SUBJECT_KINDS.index(s) for s in subjects)


def subject_masks(entries: list[dict]) -> np.ndarray:
    return np.array([subject_mask(e["subjects"]) for e in entries])


SURNAMES: str = _WORDS["surnames"]
GIVEN_NAME_CHARACTERS: str = _WORDS["given_name_characters"]
COMPOUND_SURNAMES: list[str] = _WORDS["compound_surnames"]
RARE_GIVEN_NAMES: list[str] = _WORDS["rare_given_names"]
MINORITY_NAMES: list[str] = _WORDS["minority_names"]
PLACES: list[dict] = _WORDS["places"]
PILOT_DIVISION: str = _WORDS["pilot_division"]
TRADE_NAME_FIRST: str = _WORDS["trade_name_first"]
TRADE_NAME_SECOND: str = _WORDS["trade_name_second"]
TRADES: list[str] = _WORDS["trades"]
LEGAL_FORMS: list[str] = _WORDS["legal_forms"]
SHOPS: list[str] = _WORDS["shops"]
ORGANISATION_HEADS: list[list] = _WORDS["organisation_heads"]
MOBILE_PREFIXES: list[str] = _WORDS["mobile_prefixes"]
EMAIL_DOMAINS: list[str] = _WORDS["email_domains"]
AGENCY_TYPES: list[dict] = _WORDS["agency_types"]
VIOLATIONS: list[dict] = _WORDS["violations"]
PENALTY_MEASURES: list[list[str]] = _WORDS["penalty_measures"]
LICENCES: list[dict] = _WORDS["licences"]
HONOURS: list[dict] = _WORDS["honours"]
DISHONEST_SITUATIONS: list[str] = _WORDS["dishonest_situations"]
COMMITMENTS: list[dict] = _WORDS["commitments"]
COMMITMENT_BREACHES: list[str] = _WORDS["commitment_breaches"]
COMMITMENT_BREACH_NOTES: list[str] = _WORDS["commitment_breach_notes"]
DETERMINATION_GROUNDS: dict[str, dict] = _WORDS["determination_grounds"]
EARLY_REMOVAL: str = _WORDS["early_removal"]
APPEAL: str = _WORDS["appeal"]
BAD_DATES: list[str] = _WORDS["bad_dates"]
BAD_AMOUNTS: list[str] = _WORDS["bad_amounts"]
OTHER_DOCUMENTS: list[list[str]] = _WORDS["other_documents"]


def place_values(key: str) -> np.ndarray:
    """One value per place (by town index), as an object array."""
    return np.array([p[key] for p in PLACES], dtype=object)


# districts, flattened: division code, the town it lies in, its name
DIVISIONS = np.array([code for p in PLACES for code, _ in p["districts"]])
DIVISION_TOWN = np.array([town for town, p in enumerate(PLACES) for _ in p["districts"]])
DIVISION_NAME = np.array([name for p in PLACES for _, name in p["districts"]], dtype=object)
# a town's own division code (its first district's, ending in 00)
TOWN_DIVISION = np.array([p["districts"][0][0][:4] + "00" for p in PLACES], dtype=object)


def invalid_enum_values(dataset: str) -> dict[str, list[str]]:
    """Values outside each enumerated column of `dataset`; fails if the layout allows one."""
    planted = _WORDS["invalid_enum_values"][dataset]
    allowed = {f["code"]: f.get("values", []) for f in layout(dataset)["fields"]}
    for column, values in planted.items():
        valid = [v for v in values if v in allowed[column]]
        if valid:
            raise ValueError(f"vocabulary.yml: invalid_enum_values.{dataset}.{column}: {valid} are valid")
    return planted


@dataclass(frozen=True)
class TextTemplate:
    """A phrasing of free text: drawn by `weight`; `plants` the person's data it writes
    (letters, see `Context.mark`); `text` formatted with the row's values."""

    weight: float
    plants: str
    fields: tuple[str, ...]  # the row values it reads, in the order `positional` takes them
    positional: str  # `text` with the field names replaced by their positions

    @classmethod
    def parse(cls, weight: float, plants: str, text: str) -> TextTemplate:
        fields: list[str] = []
        parts = []
        for literal, field_name, _, _ in string.Formatter().parse(text):
            parts.append(literal)
            if field_name is None:
                continue
            base = re.match(r"\w+", field_name).group()
            if base not in fields:
                fields.append(base)
            parts.append("{" + str(fields.index(base)) + field_name[len(base) :] + "}")
        return cls(weight, plants, tuple(fields), "".join(parts))

    def render(self, values: dict[str, np.ndarray], rows: np.ndarray) -> list[str]:
        if not self.fields:
            return [self.positional] * len(rows)
        columns = [values[f][rows].tolist() for f in self.fields]
        return [self.positional.format(*row) for row in zip(*columns, strict=True)]


def templates(group: str, variant: str) -> list[TextTemplate]:
    """The phrasings of one kind of free text (vocabulary.yml `templates`)."""
    return [TextTemplate.parse(*entry) for entry in _WORDS["templates"][group][variant]]


def template_variants(group: str) -> dict[str, list[TextTemplate]]:
    return {variant: templates(group, variant) for variant in _WORDS["templates"][group]}
