"""Defects: each kind a share of the rows, with the fate and reason landing gives it.

`DEFECT_KINDS` says which rows can carry a kind (`subject`: org, a USCC subject; person, a
natural person keyed by citizen ID; any) and where (`where`: record datasets with type /
USCC / ID columns, keyed datasets with one subject-code column: the court list and events,
or both); kinds are planted in this order, each on distinct clean rows, by one small
function per kind (`PLANTERS`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

import numpy as np

from creditlake.identifiers import citizen_id_check_char, uscc_check_char
from creditlake.synthetic.context import Context, FilePlan, Table
from creditlake.synthetic.datasets import (
    DEFECT_KINDS_ALLOWED,
    EVENT_DATASETS,
    POOLED_DATASETS,
    RECORD_DATASETS,
    columns,
)
from creditlake.synthetic.records import yuan_text
from creditlake.synthetic.vocabulary import (
    BAD_AMOUNTS,
    BAD_DATES,
    OTHER_DOCUMENTS,
    PILOT_DIVISION,
    PLACES,
    TRADE_NAME_SECOND,
    TRADES,
)


@dataclass(frozen=True)
class DefectKind:
    subject: str  # person | org | any
    where: str  # which datasets: see `kinds_for`
    fate: str  # loaded | quarantined | excluded


DEFECT_KINDS = {
    "id_excel_float": DefectKind("person", "all", "quarantined"),
    "id_checksum": DefectKind("person", "all", "quarantined"),
    "id_birth_date": DefectKind("person", "all", "quarantined"),
    "id_masked": DefectKind("person", "not_court", "quarantined"),
    "id_missing": DefectKind("person", "record", "quarantined"),
    "other_document": DefectKind("person", "record", "loaded"),
    "id_legacy_15": DefectKind("person", "record", "loaded"),
    "masked_name": DefectKind("person", "court", "loaded"),
    "uscc_checksum": DefectKind("org", "all", "quarantined"),
    "uscc_length": DefectKind("org", "all", "quarantined"),
    "uscc_missing": DefectKind("org", "all", "quarantined"),
    "uscc_pilot": DefectKind("org", "not_event", "loaded"),
    "id_excel_scientific": DefectKind("any", "all", "quarantined"),
    "id_junk": DefectKind("any", "all", "loaded"),
    "required_missing": DefectKind("any", "all", "quarantined"),
    "enum_invalid": DefectKind("any", "all", "quarantined"),
    "date_invalid": DefectKind("any", "all", "quarantined"),
    "end_date_invalid": DefectKind("any", "other_dates", "quarantined"),
    "date_in_future": DefectKind("any", "all", "quarantined"),
    "amount_invalid": DefectKind("any", "penalties", "quarantined"),
    "amount_unit": DefectKind("any", "penalties", "quarantined"),
    "date_order": DefectKind("any", "licenses", "quarantined"),
    "date_format": DefectKind("any", "all", "loaded"),
    "simple_procedure": DefectKind("any", "penalties", "excluded"),
    "duplicate_in_batch": DefectKind("any", "all", "quarantined"),
    "row_malformed": DefectKind("any", "all", "quarantined"),
}
DEFECT_KIND_NAMES = list(DEFECT_KINDS)
DEFAULT_SHARES = {"simple_procedure": 0.05}  # not a defect: a share of its own, outside defect_rate
# planted after the others, by functions of their own
ROW_KINDS = ("row_malformed", "duplicate_in_batch")


def kinds_for(dataset: str) -> list[str]:
    """The defect kinds a dataset can carry."""
    spec = columns(dataset)
    court, event = dataset == "court_dishonest", dataset in EVENT_DATASETS
    where = {
        "all": True,
        "record": not spec.keyed,
        "court": court,
        "not_court": not court,
        "not_event": not event,
        "other_dates": bool(spec.other_dates),
        "penalties": dataset == "penalties",
        "licenses": dataset == "licenses",
    }
    allowed = DEFECT_KINDS_ALLOWED.get(dataset, DEFECT_KINDS)
    return [k for k, kind in DEFECT_KINDS.items() if where[kind.where] and k in allowed]


# ---------------------------------------------------------------------------------------
# Dates as agencies write them (docs/domain.md#what-real-extracts-look-like).
# ---------------------------------------------------------------------------------------

DATE_FORMS = ["zh", "slash", "compact", "dot", "timestamp", "serial", "fullwidth", "zh_padded", "cell"]
FULLWIDTH = str.maketrans(
    "0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "０１２３４５６７８９－ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ",
)
EXCEL_EPOCH = date(1899, 12, 30)


def _fullwidth_date(d: date) -> str:
    return (
        f"{d.year}年{d.month}月{d.day}日".translate(FULLWIDTH)
        if d.day % 2
        else d.isoformat().translate(FULLWIDTH)
    )


DATE_WRITERS: dict[str, Callable[[date], str]] = {
    "zh": lambda d: f"{d.year}年{d.month}月{d.day}日",
    "slash": lambda d: f"{d.year}/{d.month}/{d.day}",
    "compact": lambda d: d.strftime("%Y%m%d"),
    "dot": lambda d: d.strftime("%Y.%m.%d"),
    "timestamp": lambda d: f"{d.isoformat()} 00:00:00.0",
    "serial": lambda d: str((d - EXCEL_EPOCH).days),
    "fullwidth": _fullwidth_date,
    "zh_padded": lambda d: f"{d.year}年{d.month:02d}月{d.day:02d}日",
}


def date_text(d: date, form: str) -> str:
    """A date as agencies write it; every form here must load (others: ISO)."""
    return DATE_WRITERS.get(form, date.isoformat)(d)


# ---------------------------------------------------------------------------------------
# One row's defect.
# ---------------------------------------------------------------------------------------

USCC_CHECK_CHARACTERS = "ABCDEFGHJKLMNPQRTUWXY"


@dataclass
class Site:
    """The row a defect is planted on, and what planting reads and writes."""

    ctx: Context
    table: Table
    row: int

    @property
    def rng(self) -> np.random.Generator:
        return self.ctx.rng

    @cached_property
    def file(self) -> FilePlan:
        return self.table.file(self.row)

    @cached_property
    def present(self) -> set[str]:
        return set(self.file.columns)

    @cached_property
    def person_id(self) -> str:
        u = self.ctx.universe
        return u.persons.id_number[u.person[self.table.subject[self.row]]]

    @cached_property
    def code(self) -> str:
        return self.ctx.universe.code[self.table.subject[self.row]]

    @cached_property
    def identifier(self) -> str:
        return self.table.identifier_column(self.row)

    @property
    def is_person(self) -> bool:
        return self.table.kind[self.row] == 1

    def choice(self, options):
        return options[int(self.rng.integers(len(options)))]

    def wrong_char(self, right: str, alphabet: str) -> str:
        return self.choice([c for c in alphabet if c != right])

    def get(self, column: str) -> str:
        return self.table.cols[column][self.row]

    def set(self, column: str, value: str) -> None:
        self.table.cols[column][self.row] = value

    def set_cell(self, column: str, value) -> None:
        """The typed value XLSX / JSON Lines writers put in the cell instead of the text."""
        self.table.cells[(self.row, column)] = value

    def present_among(self, candidates) -> list[str]:
        return [c for c in candidates if c in self.present]


def _id_excel_float(s: Site) -> str:
    pid = s.person_id
    s.set(s.identifier, f"{pid[:6]}{pid[8:17]}.0")
    return "id_excel_float"


def _id_checksum(s: Site) -> str:
    s.set(s.identifier, s.person_id[:17] + s.wrong_char(s.person_id[17], "0123456789X"))
    return "id_checksum"


def _id_birth_date(s: Site) -> str:
    body = s.person_id[:10] + s.choice(["13", "00", "19"]) + s.person_id[12:17]
    s.set(s.identifier, body + citizen_id_check_char(body))
    return "id_birth_date"


def _id_masked(s: Site) -> str:
    pid = s.person_id
    s.set(
        s.identifier,
        s.choice(
            [f"{pid[:6]}********{pid[14:]}", f"{pid[:10]}****{pid[14:]}", f"{pid[:3]}***********{pid[14:]}"]
        ),
    )
    return "id_masked"


def _id_missing(s: Site) -> str:
    if s.rng.random() < 0.5:
        s.set(s.table.spec.document_type, "护照号")
    s.set(s.identifier, "")
    return "id_missing"


def _other_document(s: Site) -> None:
    document, shape = s.choice(OTHER_DOCUMENTS)
    number = shape.format(int(s.rng.integers(10**6, 10**7)))
    s.set(s.table.spec.document_type, document)
    s.set(s.identifier, number)
    s.table.key[s.row] = f"{document}:{number.upper()}"
    s.ctx.documents.append(number)


def _id_legacy_15(s: Site) -> None:
    pid = s.person_id
    s.set(s.identifier, f"{pid[:6]}{pid[8:17]}")
    if s.file.fmt == "xlsx":
        s.set_cell(s.identifier, int(s.get(s.identifier)))  # a number cell that lost nothing: 15 digits fit


def _masked_name(s: Site) -> None:
    name = s.get(s.table.spec.subject_name)
    s.set(s.table.spec.subject_name, name[0] + "*" * max(1, min(2, len(name) - 1)))


def _uscc_checksum(s: Site) -> str:
    s.set(s.identifier, s.code[:17] + s.wrong_char(s.code[17], USCC_CHECK_CHARACTERS))
    return "uscc_checksum"


def _uscc_length(s: Site) -> str:
    s.set(s.identifier, s.choice([s.code[:-1], s.code + "1", s.code[:-2]]))
    # one-column subject fields: not USCC-shaped, so read as an ID
    return "id_format" if s.table.spec.keyed else "uscc_length"


def _uscc_missing(s: Site) -> str:
    keyed = s.table.spec.keyed
    s.set(s.identifier, s.choice(["undefined", "无", "/", "NULL"] + ([] if keyed else ["", ""])))
    return "id_missing" if keyed else "uscc_missing"


def _uscc_pilot(s: Site) -> None:
    """A real early code from 厦门 思明区 that fails the checksum; the subject moves there."""
    body = s.code[:2] + PILOT_DIVISION + s.code[8:17]
    s.set(s.identifier, body + s.wrong_char(uscc_check_char(body), USCC_CHECK_CHARACTERS))
    s.table.key[s.row] = s.get(s.identifier)
    name = s.table.spec.subject_name
    s.set(name, "厦门市" + s.get(name).split("市", 1)[-1])


def _id_excel_scientific(s: Site) -> str:
    digits = (s.person_id if s.is_person else re.sub(r"\D", "0", s.code)).ljust(18, "0")
    if not digits[0].isdigit() or digits[0] == "0":
        digits = "9" + digits[1:]
    mantissa = digits[1:6].rstrip("0")
    s.set(s.identifier, f"{digits[0]}.{mantissa}E+17" if mantissa else f"{digits[0]}E+17")
    if s.file.fmt in ("xlsx", "jsonl"):
        s.set_cell(s.identifier, float(f"{digits[0]}.{digits[1:15]}e17"))  # the number Excel kept
    return "id_excel_scientific"


def _id_junk(s: Site) -> None:
    if s.is_person:
        pid = s.person_id
        forms = [
            f"身份证号：{pid}",
            f" {pid} ",
            pid.translate(FULLWIDTH),
            f"{pid[:6]} {pid[6:14]} {pid[14:]}",
            f"'{pid}",
        ]
    else:
        # junk around the code the row really carries (an event's may be a pilot code)
        code = s.table.key[s.row] if s.table.spec.keyed else s.code
        forms = [
            f"统一社会信用代码：{code}",
            f"{code}（1/1）",
            f" {code} ",
            f"{code[:8]} {code[8:]}",
            code.translate(FULLWIDTH),
            code.lower(),
            f"'{code}",
            f"统一社会信用代码:{code}",
        ]
    s.set(s.identifier, s.choice(forms))


def _required_missing(s: Site) -> str:
    column = s.choice(s.present_among(s.table.spec.blankable))
    s.set(column, s.choice(["", "", "  "]))
    return "required_missing"


def _enum_invalid(s: Site) -> str:
    invalid = s.table.spec.invalid_values
    column = s.choice(s.present_among(invalid))
    s.set(column, s.choice(invalid[column]))
    return "enum_invalid"


def _date_invalid(s: Site) -> str:
    s.set(s.table.spec.decision_date, s.choice(BAD_DATES))
    return "date_invalid"


def _end_date_invalid(s: Site) -> str:
    column = s.choice(s.present_among(s.table.spec.other_dates))
    s.set(column, s.choice(BAD_DATES))
    return "date_invalid"


def _date_in_future(s: Site) -> str:
    ctx = s.ctx
    s.table.day[s.row] = ctx.today + int(s.rng.integers(1, 400))
    s.set(
        s.table.spec.decision_date,
        date_text(ctx.date_of(s.table.day[s.row]), s.choice(["iso", "iso", "zh", "slash"])),
    )
    return "date_in_future"


def _amount_invalid(s: Site) -> str:
    value = s.choice(BAD_AMOUNTS)
    s.set(s.choice(s.present_among(s.table.spec.amounts)), value)
    return "amount_invalid"


FINE = "CF_NR_FK"  # penalties' 罚款金额（万元）


def _amount_unit(s: Site) -> str:
    """A fine sent in 元, not 万元: above the layout's `amount_wan_max`."""
    yuan = int(s.rng.integers(100_001, 5_000_000)) // 100 * 100
    s.set(FINE, str(yuan))
    if s.file.fmt in ("xlsx", "jsonl"):
        s.set_cell(FINE, yuan)
    return "amount_unit"


def _date_order(s: Site) -> str:
    """Valid to before valid from."""
    ctx = s.ctx
    later = s.table.spec.date_order[0][1]
    s.set(later, ctx.iso[s.table.day[s.row] - ctx.lo - int(s.rng.integers(1, 400))])
    return "date_order"


OPEN_ENDED = {"penalties": "CF_YXQ", "licenses": "XK_YXQZI"}  # validity ends that may say 长期


def _date_format(s: Site) -> None:
    """Odd but readable dates: the forms cycle, so every one appears; in XLSX also date
    and serial-number cells."""
    t, xlsx = s.table, s.file.fmt == "xlsx"
    forms = DATE_FORMS if xlsx else DATE_FORMS[:-1]
    t.forms_used += 1
    form = forms[t.forms_used % len(forms)]
    d = s.ctx.date_of(t.day[s.row])
    column = t.spec.decision_date
    s.set(column, date_text(d, form))
    if xlsx and form == "cell":
        s.set_cell(column, datetime(d.year, d.month, d.day))
    elif xlsx and form == "serial":
        s.set_cell(column, int(s.get(column)))
    end = OPEN_ENDED.get(t.dataset)
    if end and end in s.present and s.rng.random() < 0.5:
        s.set(end, s.choice(["长期", "2099-12-31", "2099/12/31", "长期有效"]))


def _simple_procedure(s: Site) -> str:
    """简易程序: a warning or a small fine, which the national profile excludes."""
    s.set("CF_AJCXLB", s.choice(["01", "01", "简易程序"]))
    warning = s.rng.random() < 0.4
    small = ["0.005", "0.01", "0.02"] if s.is_person else ["0.05", "0.1", "0.2", "0.3"]
    fine = "" if warning else s.choice(small)
    s.set("CF_CFLB", "警告" if warning else "罚款")
    s.set("CF_NR", "警告" if warning else f"罚款人民币{yuan_text(fine)}元")
    for column, value in ((FINE, fine), ("CF_NR_WFFF", ""), ("CF_NR_ZKDX", "")):
        s.set(column, value)
    return "excluded_simple_procedure"


# kind -> plant it on a row; returns the reason landing gives (None: it loads)
PLANTERS: dict[str, Callable[[Site], str | None]] = {
    "id_excel_float": _id_excel_float,
    "id_checksum": _id_checksum,
    "id_birth_date": _id_birth_date,
    "id_masked": _id_masked,
    "id_missing": _id_missing,
    "other_document": _other_document,
    "id_legacy_15": _id_legacy_15,
    "masked_name": _masked_name,
    "uscc_checksum": _uscc_checksum,
    "uscc_length": _uscc_length,
    "uscc_missing": _uscc_missing,
    "uscc_pilot": _uscc_pilot,
    "id_excel_scientific": _id_excel_scientific,
    "id_junk": _id_junk,
    "required_missing": _required_missing,
    "enum_invalid": _enum_invalid,
    "date_invalid": _date_invalid,
    "end_date_invalid": _end_date_invalid,
    "date_in_future": _date_in_future,
    "amount_invalid": _amount_invalid,
    "amount_unit": _amount_unit,
    "date_order": _date_order,
    "date_format": _date_format,
    "simple_procedure": _simple_procedure,
}


# ---------------------------------------------------------------------------------------
# A dataset's defects.
# ---------------------------------------------------------------------------------------


@dataclass
class Planting:
    """Planting one table's defects: which rows are still clean, counts per kind."""

    ctx: Context
    table: Table
    kinds: list[str]
    free: np.ndarray
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rate_kinds(self) -> int:
        return sum(k not in DEFAULT_SHARES for k in self.kinds)

    def share(self, kind: str) -> float:
        if kind in self.ctx.defects:
            return float(self.ctx.defects[kind])
        if kind in DEFAULT_SHARES:
            return DEFAULT_SHARES[kind]
        return self.ctx.defect_rate / max(self.rate_kinds, 1)

    def count(self, kind: str) -> int:
        """How many rows get `kind`: its share of the rows, rounded at random; at least one
        where the dataset has rows enough for every kind."""
        share = self.share(kind)
        if share <= 0:
            return 0
        c = int(np.floor(share * self.table.n + self.ctx.rng.random()))
        return max(c, 1) if self.table.n >= 3 * len(self.kinds) else c

    def subject_of(self, kind: str) -> str:
        if kind == "id_junk" and self.table.spec.keyed:
            return "org"  # a citizen ID with junk around it would be read as a USCC in a one-column subject field
        return DEFECT_KINDS[kind].subject

    def mark(self, row: int, kind: str, reason: str | None) -> None:
        self.table.outcome[row] = self.ctx.outcome(DEFECT_KINDS[kind].fate, reason)
        self.table.tag[row] = DEFECT_KIND_NAMES.index(kind)


def plant_defects(ctx: Context, t: Table) -> dict[str, int]:
    """Plant every kind the dataset can carry on distinct clean rows; returns counts per kind."""
    t.outcome = np.zeros(t.n, np.int16)
    t.tag = np.full(t.n, -1, np.int16)
    t.file_of = np.zeros(t.n, np.int64)
    for i, f in enumerate(t.files):
        t.file_of[f.start : f.stop] = i
    planting = Planting(ctx, t, kinds_for(t.dataset), np.ones(t.n, bool))
    if "row_malformed" in planting.kinds and planting.count("row_malformed"):
        _plant_malformed(planting)
    for kind in planting.kinds:
        if kind not in ROW_KINDS:
            _plant_kind(planting, kind)
    if "duplicate_in_batch" in planting.kinds:
        _plant_duplicates(planting)
    return planting.counts


def _plant_malformed(p: Planting) -> None:
    """One malformed line per dataset: the last line of its first CSV file (landing reports
    its line): fewer fields than the header (an export interrupted mid-row)."""
    t = p.table
    csv_file = next((f for f in t.files if f.fmt.startswith("csv") and f.stop - f.start >= 2), None)
    if csv_file is None:
        return
    row = csv_file.stop - 1
    p.free[row] = False
    parts = [str(t.cols[c][row]) for c in csv_file.columns[:4]]
    t.malformed[row] = ",".join(re.sub(r"[,\"\r\n]", "", part) for part in parts)
    p.mark(row, "row_malformed", "row_malformed")
    p.counts["row_malformed"] = 1


def _candidates(p: Planting, kind: str, subject: str) -> np.ndarray:
    """Clean rows that can carry `kind`."""
    t, u = p.table, p.ctx.universe
    mask = p.free.copy()
    if subject == "person":
        mask &= t.kind == 1
    elif subject == "org":
        mask &= t.kind != 1
    if kind == "masked_name":
        mask &= np.array([k.startswith("masked:") for k in t.key.tolist()])
    if kind == "id_legacy_15":  # 15-digit numbers were issued before 1999: born in the 1900s
        mask &= np.array([b < 2000 for b in u.persons.birth_year[u.person[t.subject]].tolist()])
    return np.flatnonzero(mask)


def _plant_kind(p: Planting, kind: str) -> None:
    c = p.count(kind)
    if not c:
        return
    subject = p.subject_of(kind)
    candidates = _candidates(p, kind, subject)
    if not len(candidates):
        return
    if subject != "any":  # scarce rows (people in an event file): leave some for the kinds still to come
        later = [
            k for k in p.kinds[p.kinds.index(kind) :] if p.subject_of(k) == subject and k not in p.counts
        ]
        c = min(c, max(1, len(candidates) // max(1, len(later))))
    rows = p.ctx.rng.choice(candidates, size=min(c, len(candidates)), replace=False)
    if kind == "id_excel_scientific":
        rows = _in_every_workbook(p, candidates, rows)
    rows = np.sort(rows)
    p.free[rows] = False
    for row in rows.tolist():
        p.mark(row, kind, PLANTERS[kind](Site(p.ctx, p.table, row)))
    p.counts[kind] = len(rows)


def _in_every_workbook(p: Planting, candidates: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Every workbook carries Excel damage: a number cell."""
    for f in p.table.files:
        inside = candidates[(candidates >= f.start) & (candidates < f.stop)]
        if f.fmt == "xlsx" and len(inside) and not ((rows >= f.start) & (rows < f.stop)).any():
            rows = np.append(rows, inside[p.ctx.rng.integers(len(inside))])
    return rows


def _plant_duplicates(p: Planting) -> None:
    """A later row j becomes a copy of an earlier clean row i of the same file."""
    c = p.count("duplicate_in_batch")
    if not c:
        return
    t, rng, free = p.table, p.ctx.rng, p.free
    done = 0
    for j in rng.permutation(np.flatnonzero(free))[: c * 4].tolist():
        if done == c:
            break
        f = t.file(j)
        if not free[j] or j == f.start:
            continue
        tries = rng.integers(f.start, j, size=16)
        earlier = tries[free[tries]]
        if not len(earlier):
            continue
        i = int(earlier[0])
        free[[i, j]] = False
        _copy_row(t, i, j)
        p.mark(j, "duplicate_in_batch", "duplicate_in_batch")
        done += 1
    if done:
        p.counts["duplicate_in_batch"] = done


def _copy_row(t: Table, i: int, j: int) -> None:
    for col in t.cols.values():
        col[j] = col[i]
    t.kind[j], t.subject[j], t.key[j], t.day[j] = t.kind[i], t.subject[i], t.key[i], t.day[i]
    if t.refs is not None:
        t.refs[j] = dict(t.refs[i])


def plant_rare_names(ctx: Context, t: Table) -> None:
    """GB18030 files carry names GBK cannot encode (𠀀, 䶮): an organisation renamed in each.
    (Determinations name the penalties' subjects as the penalties do: left alone.)"""
    name_column = t.spec.subject_name
    if name_column is None or t.dataset in POOLED_DATASETS:
        return
    subjects, seen = np.unique(t.subject, return_counts=True)
    once = set(subjects[seen == 1].tolist())
    for f in t.files:
        if f.fmt != "csv_gb18030":
            continue
        rows = [r for r in range(f.start, f.stop) if t.kind[r] == 0 and t.tag[r] < 0 and r not in t.malformed]
        rows.sort(key=lambda r: int(t.subject[r]) not in once)  # organisations with one record here first
        for r, char in zip(rows[:2], ["𠀀", "䶮"][: len(rows[:2])], strict=True):
            town = PLACES[ctx.universe.town[t.subject[r]]]["town"]
            name = f"{town}市{char}{TRADE_NAME_SECOND[r % len(TRADE_NAME_SECOND)]}{TRADES[r % len(TRADES)]}有限公司"
            t.cols[name_column][r] = name
            if t.dataset in RECORD_DATASETS and int(t.subject[r]) in once:
                ctx.universe.name[t.subject[r]] = name  # events about it quote this name
