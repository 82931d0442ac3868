"""One `generate` call's state: random numbers, dates, the subjects, what was planted; and
the tables of rows it writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from creditlake.synthetic.datasets import SUBJECT_SHARES, Columns, columns
from creditlake.synthetic.universe import Universe
from creditlake.synthetic.vocabulary import KIND_BIT, TextTemplate, place_values

MIN_FILE_ROWS = 8  # fewer rows than this in a file, and a dataset is spread over fewer formats
PLANTED_DATA = "nimlec"  # person's data planted: name, ID, mobile, landline, e-mail, bank card


@dataclass
class FilePlan:
    """One file of a dataset: its format, its rows of the table, its headers."""

    name: str
    dataset: str
    fmt: str  # csv_bom | csv | csv_gb18030 | xlsx | jsonl
    start: int
    stop: int
    headers: str  # zh | alias | code
    columns: list[str]  # codes in the order written
    header_names: list[str]

    @property
    def first_line(self) -> int:
        """The line a file's first row is on, as landing reports it: after the header, but
        JSON Lines have none."""
        return 1 if self.fmt == "jsonl" else 2


@dataclass
class Table:
    """One dataset's rows as columns of strings, with what landing will make of them."""

    dataset: str
    cols: dict[str, np.ndarray]  # code -> object array of strings
    kind: np.ndarray  # subject kind per row: 0 organisation, 1 natural person, 2 individual business
    subject: np.ndarray  # universe index of the subject
    key: np.ndarray  # the subject key landing computes for a loaded row
    day: np.ndarray  # ordinal of the decision (event) date
    refs: list | None = None  # events: what each row refers to
    outcome: np.ndarray | None = None  # index into Context.outcomes
    tag: np.ndarray | None = None  # index into DEFECT_KIND_NAMES (-1: clean)
    cells: dict = field(default_factory=dict)  # (row, code) -> typed value for XLSX / JSON
    files: list[FilePlan] = field(default_factory=list)
    malformed: dict = field(default_factory=dict)  # row -> the raw line written instead
    file_of: np.ndarray | None = None  # index into `files` per row
    forms_used: int = 0  # date forms planted so far (they cycle, so every form appears)

    @property
    def n(self) -> int:
        return len(self.kind)

    @property
    def spec(self) -> Columns:
        return columns(self.dataset)

    def identifier_column(self, row: int) -> str:
        return self.spec.identifier_column(self.kind[row])

    def file(self, row: int) -> FilePlan:
        return self.files[self.file_of[row]]

    def locate(self, row: int) -> tuple[str, int]:
        """(file name, row number as landing reports it) of a table row."""
        for f in self.files:
            if f.start <= row < f.stop:
                return f.name, row - f.start + f.first_line
        raise IndexError(row)

    def row_of(self, file: str, number: int) -> int:
        """The table row of a CSV file's row number (the inverse of `locate`)."""
        for f in self.files:
            if f.name == file:
                return f.start + number - 2
        raise KeyError(file)

    def reorder(self, order: np.ndarray) -> Table:
        """Rows in `order` (events arrive sorted by date)."""
        self.cols = {k: v[order] for k, v in self.cols.items()}
        self.kind, self.subject, self.key, self.day = (
            self.kind[order],
            self.subject[order],
            self.key[order],
            self.day[order],
        )
        self.refs = [self.refs[i] for i in order.tolist()]
        return self


def string_columns(cols: dict) -> dict[str, np.ndarray]:
    """Every column as its own object array (defects write into them)."""
    return {k: np.asarray(v, dtype=object).copy() for k, v in cols.items()}


class Context:
    """Random state, dates, the universe, and what was planted, for one `generate` call."""

    def __init__(self, seed: int, as_of: date, defect_rate: float, defects: dict[str, float]):
        self.rng = np.random.default_rng(seed)
        self.as_of = as_of
        self.today = as_of.toordinal()
        self.lo = self.today - 6000  # the first day the date tables cover
        days = [date.fromordinal(o) for o in range(self.lo, self.today + 4000)]
        self.iso = np.array([d.isoformat() for d in days], dtype=object)
        self.zh = np.array([f"{d.year}年{d.month}月{d.day}日" for d in days], dtype=object)
        self.year = np.array([d.year for d in days])
        self.defect_rate = defect_rate
        self.defects = defects
        self.outcomes: list[tuple[str, str | None]] = [("loaded", None)]
        self.universe: Universe | None = None
        self.used: dict[str, np.ndarray] = {}
        self.third_party: np.ndarray | None = None
        self.documents: list[str] = []

    def set_universe(self, universe: Universe) -> None:
        self.universe = universe
        persons = len(universe.persons)
        self.used = {letter: np.zeros(persons, bool) for letter in PLANTED_DATA}
        self.third_party = np.zeros(persons, bool)

    def outcome(self, fate: str, reason: str | None) -> int:
        if (fate, reason) not in self.outcomes:
            self.outcomes.append((fate, reason))
        return self.outcomes.index((fate, reason))

    def iso_of(self, days) -> np.ndarray:
        return self.iso[np.asarray(days) - self.lo]

    def zh_of(self, days) -> np.ndarray:
        return self.zh[np.asarray(days) - self.lo]

    def year_of(self, days) -> np.ndarray:
        return self.year[np.asarray(days) - self.lo]

    def date_of(self, day: int) -> date:
        return date.fromordinal(int(day))

    def mark(self, what: str, persons) -> None:
        """Record that these persons' data (n name, i ID, m mobile, l landline, e e-mail,
        c bank card) appear in the extracts."""
        persons = np.asarray(persons, dtype=np.int64)
        persons = persons[persons >= 0]
        for letter in what:
            self.used[letter][persons] = True


def sample_subjects(ctx: Context, dataset: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(kind, universe index) for n records, in the dataset's shares of subject kinds."""
    rng, u = ctx.rng, ctx.universe
    kind = rng.choice(3, size=n, p=list(SUBJECT_SHARES[dataset])).astype(np.int8)
    subject = np.zeros(n, np.int64)
    for k in (0, 1, 2):
        rows = np.flatnonzero(kind == k)
        start, size = u.offsets[k]
        subject[rows] = start + rng.integers(size, size=len(rows))
    return kind, subject


def choose_by_kind(ctx: Context, kind: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Per row, a table entry whose subjects include the row's kind."""
    out = np.zeros(len(kind), np.int64)
    for k in (0, 1, 2):
        rows = np.flatnonzero(kind == k)
        allowed = np.flatnonzero(masks & KIND_BIT[k])
        out[rows] = allowed[ctx.rng.integers(len(allowed), size=len(rows))]
    return out


def fill_text(
    ctx: Context, out: np.ndarray, rows: np.ndarray, templates: list[TextTemplate], values: dict
) -> None:
    """Free text for `rows`, each with a template drawn by weight; marks what was planted.

    `values`: the row values templates read, by name (with `person`: whose data it is)."""
    if not len(rows):
        return
    weights = np.array([t.weight for t in templates], float)
    choice = ctx.rng.choice(len(templates), size=len(rows), p=weights / weights.sum())
    for i, template in enumerate(templates):
        chosen = rows[choice == i]
        if len(chosen):
            out[chosen] = template.render(values, chosen)
            if template.plants:
                ctx.mark(template.plants, values["person"][chosen])


def person_values(ctx: Context, kind: np.ndarray, subject: np.ndarray) -> dict:
    """Per-row values templates read: the subject and the person in the record (the
    subject, or its representative or operator)."""
    u = ctx.universe
    people = u.persons
    person = u.person[subject]
    return {
        "name": u.name[subject],
        "representative": people.name[person],
        "id_number": people.id_number[person],
        "mobile": people.mobile[person],
        "landline": people.landline[person],
        "email": people.email[person],
        "bank_card": people.bank_card[person],
        "sex": people.sex[person],
        "birth_year": people.birth_year[person].astype(str).astype(object),
        "town": place_values("town")[u.town[subject]],
        "person": person,
        "role": np.where(kind == 2, "经营者", "法定代表人").astype(object),
    }
