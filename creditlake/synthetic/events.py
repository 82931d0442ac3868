"""Events about loaded records: repairs (信用修复), revocations (撤销/删除/更正), objections
(异议: 受理, and 办结 with 维持/更正/撤销; some still open on `as_of`), and subject requests
(not to publish, or to delete, an honour). Each row quotes its record's number and subject
code and is dated after it and not after `as_of`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from creditlake.synthetic.context import Context, Table, fill_text, string_columns
from creditlake.synthetic.defects import DEFECT_KIND_NAMES
from creditlake.synthetic.strings import join, pick, texts
from creditlake.synthetic.vocabulary import place_values, template_variants

# 信息类别: how an event names the dataset of the record it is about
RECORD_CATEGORY_LABELS = {
    "penalties": ["行政处罚", "行政处罚", "penalties"],
    "licenses": ["行政许可", "行政许可", "licenses"],
    "court_dishonest": ["失信被执行人"],
    "honors": ["honors"],
}
CORRECTIONS = template_variants("corrections")
OBJECTION_NOTES = template_variants("objection_notes")


@dataclass
class Targets:
    """Loaded records events may point at."""

    dataset: str
    rows: np.ndarray
    table: Table

    def __len__(self) -> int:
        return len(self.rows)


def targets(table: Table) -> Targets:
    """Rows that loaded and whose subject key an event can quote (an 18-character USCC or ID)."""
    ok = table.outcome == 0
    ok &= ~np.isin(table.tag, [DEFECT_KIND_NAMES.index("other_document")])
    ok &= np.array([len(k) == 18 for k in table.key.tolist()])
    return Targets(table.dataset, np.flatnonzero(ok), table)


def reference(t: Targets, row: int) -> dict:
    """What an event refers to, as truth.json records it."""
    table = t.table
    file, number = table.locate(row)
    return {
        "dataset": t.dataset,
        "file": file,
        "row": number,
        "decision_number": table.cols[table.spec.number][row],
        "subject_code": table.key[row],
        "decision_date": date.fromordinal(int(table.day[row])).isoformat(),
    }


def _concat(parts: list, dtype=object) -> np.ndarray:
    return np.concatenate(parts) if parts else np.array([], dtype=dtype)


def referred_records(ctx: Context, picks: list[tuple[Targets, np.ndarray]], earliest_gap: int = 1) -> dict:
    """Subject, code, name, number and dates of the records the events point at, and each
    event's date: after the record (by `earliest_gap` days where `as_of` allows)."""
    kinds, subjects, keys, names, numbers, record_days, refs, labels = [], [], [], [], [], [], [], []
    for t, chosen in picks:
        table = t.table
        kinds.append(table.kind[chosen])
        subjects.append(table.subject[chosen])
        keys.append(table.key[chosen])
        names.append(table.cols[table.spec.subject_name][chosen])
        numbers.append(table.cols[table.spec.number][chosen])
        record_days.append(table.day[chosen])
        labels.append(pick(ctx.rng, RECORD_CATEGORY_LABELS[t.dataset], len(chosen)))
        refs += [reference(t, r) for r in chosen.tolist()]
    record_day = _concat(record_days, np.int64).astype(np.int64)
    lo = np.maximum(np.minimum(record_day + earliest_gap, ctx.today), record_day + 1)
    day = lo + np.floor(ctx.rng.random(len(lo)) * (ctx.today - lo + 1)).astype(np.int64)
    return {
        "kind": _concat(kinds, np.int8).astype(np.int8),
        "subject": _concat(subjects, np.int64).astype(np.int64),
        "key": _concat(keys),
        "name": _concat(names),
        "number": _concat(numbers),
        "record_day": record_day,
        "day": day,
        "refs": refs,
        "label": _concat(labels),
    }


def choose(ctx: Context, t: Targets, n: int) -> np.ndarray:
    """n distinct target rows, in order."""
    n = min(n, len(t))
    return np.sort(ctx.rng.choice(t.rows, size=n, replace=False)) if n else np.array([], np.int64)


def choose_shares(ctx: Context, pool: dict[str, Targets], n: int, shares) -> list[tuple[Targets, np.ndarray]]:
    """Target rows from each dataset in `shares` that has any (at least one each)."""
    return [(pool[d], choose(ctx, pool[d], max(1, round(n * s)))) for d, s in shares if pool.get(d)]


def event_table(dataset: str, cols: dict, referred: dict, refs: list[dict]) -> Table:
    """Events about the records in `referred`, in date order (stable)."""
    table = Table(
        dataset,
        string_columns(cols),
        referred["kind"],
        referred["subject"],
        referred["key"],
        referred["day"],
        refs,
    )
    return table.reorder(np.argsort(table.day, kind="stable"))


def event_numbers(ctx: Context, prefix: str, days: np.ndarray, width: int = 6) -> np.ndarray:
    """PREFIX-YEAR-NNNNNN, numbered in row order."""
    years = ctx.year_of(days).tolist()
    return np.array([f"{prefix}-{y}-{i:0{width}d}" for i, y in enumerate(years, 1)], dtype=object)


def credit_authorities(ctx: Context, n: int) -> np.ndarray:
    """A province's or a town's development and reform commission (信用主管部门)."""
    places = ctx.rng.integers(len(place_values("town")), size=n)
    province = join(place_values("province")[places], "发展和改革委员会")
    return np.where(
        ctx.rng.random(n) < 0.5, province, join(place_values("town")[places], "市发展和改革委员会")
    )


def build_repairs(ctx: Context, n: int, pool: dict[str, Targets]) -> Table | None:
    """信用修复 of penalties, at least 90 days after the decision where `as_of` allows."""
    t = pool.get("penalties")
    if not t or not n:
        return None
    referred = referred_records(ctx, [(t, choose(ctx, t, n))], earliest_gap=90)
    decided_by = credit_authorities(ctx, len(referred["key"]))
    cols = {
        "XF_BH": event_numbers(ctx, "XF", referred["day"]),
        "XF_ZTMC": referred["name"],
        "XF_ZTDM": referred["key"],
        "XF_XXLB": referred["label"],
        "XF_YWSH": referred["number"],
        "XF_JDRQ": ctx.iso_of(referred["day"]),
        "XF_JG": decided_by,
        "XF_SJLY": decided_by,
    }
    refs = [{"event": "修复", "refers_to": r} for r in referred["refs"]]
    return event_table("repairs", cols, referred, refs)


def build_revocations(ctx: Context, n: int, pool: dict[str, Targets]) -> Table | None:
    """撤销, 删除 and 更正 (or D and U) of penalties, licences and honours, on review, by the
    agency itself or by a court; corrections say what changed."""
    picks = choose_shares(ctx, pool, n, (("penalties", 0.6), ("licenses", 0.3), ("honors", 0.1)))
    if not n or not picks:
        return None
    rng, u = ctx.rng, ctx.universe
    referred = referred_records(ctx, picks)
    m = len(referred["key"])
    action = pick(rng, ["撤销", "撤销", "删除", "更正", "更正", "D", "U"], m)
    reported = np.minimum(referred["day"] + rng.integers(0, 4, size=m), ctx.today)
    short = place_values("document_short")[u.town[referred["subject"]]]
    basis = _revocation_basis(ctx, referred, short)
    correction = _corrections(ctx, referred, action)
    empty = np.full(m, "", dtype=object)
    cols = {
        "CX_BH": event_numbers(ctx, "CX", referred["day"]),
        "CX_ZTDM": referred["key"],
        "CX_XXLB": referred["label"],
        "CX_YWSH": referred["number"],
        "CX_LX": action,
        "CX_SXRQ": ctx.iso_of(referred["day"]),
        "CX_SBRQ": np.where(rng.random(m) < 0.8, ctx.iso_of(reported), empty),
        "CX_YJ": basis,
        "CX_GZNR": correction,
        "CX_SJLY": np.array([provider_of(pool, r) for r in referred["refs"]], dtype=object),
    }
    refs = [{"event": a, "refers_to": r} for a, r in zip(action.tolist(), referred["refs"], strict=True)]
    return event_table("revocations", cols, referred, refs)


def _revocation_basis(ctx: Context, referred: dict, short: np.ndarray) -> np.ndarray:
    """撤销依据: a review decision (行政复议决定书) or another ground."""
    rng, m = ctx.rng, len(short)
    on_review = rng.random(m) < 0.6
    year = texts(ctx.year_of(referred["day"]))
    review = join("行政复议决定书", short, "政复〔", year, "〕", texts(rng.integers(1, 300, size=m)), "号")
    other = pick(rng, ["原处罚机关自行纠错", "人民法院生效行政判决", "上级机关责令改正"], m)
    return np.where(on_review, review, other)


def _corrections(ctx: Context, referred: dict, action: np.ndarray) -> np.ndarray:
    """更正内容 of the corrections (更正, U), phrased for the dataset of the record."""
    rng, u, m = ctx.rng, ctx.universe, len(action)
    person = u.person[referred["subject"]]
    values = {
        "name": referred["name"],
        "representative": u.persons.name[person],
        "id_number": u.persons.id_number[person],
        "person": person,
        "old_amount": pick(rng, ["5", "2", "10"], m),
        "new_amount": pick(rng, ["0.5", "1", "3"], m),
        "valid_until": ctx.iso_of(np.minimum(referred["day"] + 1825, ctx.today + 3000)),
    }
    correction = np.full(m, "", dtype=object)
    corrected = np.isin(action, ["更正", "U"])
    origin = np.array([r["dataset"] for r in referred["refs"]], dtype=object)
    for dataset, templates in CORRECTIONS.items():
        fill_text(ctx, correction, np.flatnonzero(corrected & (origin == dataset)), templates, values)
    return correction


def provider_of(pool: dict[str, Targets], ref: dict) -> str:
    """The unit that reported the record an event points at (the layout's provider field)."""
    table = pool[ref["dataset"]].table
    return table.cols[table.spec.provider][table.row_of(ref["file"], ref["row"])]


def build_objections(ctx: Context, cases: int, pool: dict[str, Targets]) -> Table | None:
    """Objection cases (异议): each is accepted (受理); most are decided (办结) within 30 days
    with a result; open ones were opened recently and are still open on `as_of`."""
    shares = (("penalties", 0.7), ("licenses", 0.2), ("court_dishonest", 0.1))
    picks = choose_shares(ctx, pool, cases, shares)
    if not cases or not picks:
        return None
    rng = ctx.rng
    referred = referred_records(ctx, picks)
    m = len(referred["key"])
    decided = rng.random(m) < 0.65
    recent = np.maximum(referred["record_day"] + 1, ctx.today - 20)
    opened_lately = recent + np.floor(rng.random(m) * (ctx.today - recent + 1)).astype(np.int64)
    opened = np.where(decided, referred["day"], opened_lately)
    closed = np.minimum(opened + rng.integers(0, 30, size=m), ctx.today)
    result = pick(rng, ["维持", "维持", "维持", "更正", "撤销"], m)
    case_ids = event_numbers(ctx, "YY", opened, width=5)
    # one row per acceptance, and one per decision
    rows = np.concatenate([np.arange(m), np.flatnonzero(decided)])
    is_close = np.concatenate([np.zeros(m, bool), np.ones(int(decided.sum()), bool)])
    day = np.where(is_close, closed[rows], opened[rows])
    state = np.where(is_close, "办结", "受理").astype(object)
    outcome = np.where(is_close, result[rows], "").astype(object)
    note = _objection_notes(ctx, referred["subject"][rows], state, outcome)
    cols = {
        "YY_BH": case_ids[rows],
        "YY_ZTDM": referred["key"][rows],
        "YY_XXLB": referred["label"][rows],
        "YY_YWSH": referred["number"][rows],
        "YY_ZT": state,
        "YY_RQ": ctx.iso_of(day),
        "YY_JG": outcome,
        "YY_SM": note,
    }
    refs = [
        {
            "event": state[i],
            "objection": case_ids[r],
            "result": outcome[i] or None,
            "open_on_as_of": not bool(decided[r]),
            "refers_to": referred["refs"][r],
        }
        for i, r in enumerate(rows.tolist())
    ]
    kind, subject, key = referred["kind"][rows], referred["subject"][rows], referred["key"][rows]
    table = Table("objections", string_columns(cols), kind, subject, key, day, refs)
    # by date; a case's 受理 before its 办结 on the same day
    return table.reorder(np.lexsort((is_close.astype(int), day)))


def _objection_notes(ctx: Context, subject: np.ndarray, state: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """说明 by state (受理) or result (维持, 更正, 撤销)."""
    u = ctx.universe
    person = u.person[subject]
    values = {"representative": u.persons.name[person], "mobile": u.persons.mobile[person], "person": person}
    note = np.empty(len(subject), dtype=object)
    for phase, templates in OBJECTION_NOTES.items():
        fill_text(ctx, note, np.flatnonzero((state == phase) | (outcome == phase)), templates, values)
    return note


def build_requests(ctx: Context, n: int, pool: dict[str, Targets]) -> Table | None:
    """Subject requests about their honours (hl-2022: a subject may ask that its good-credit
    information not be published, or be deleted): one per subject, after its latest honour."""
    t = pool.get("honors")
    if not t or not n:
        return None
    table = t.table
    by_subject: dict[str, list[int]] = {}
    for row in t.rows.tolist():
        by_subject.setdefault(table.key[row], []).append(row)
    subjects = list(by_subject)
    chosen = ctx.rng.choice(len(subjects), size=min(n, len(subjects)), replace=False)
    chosen.sort()
    requests = [_request(ctx, t, by_subject[subjects[j]]) for j in chosen.tolist()]
    if not requests:
        return None
    first = np.array([r["row"] for r in requests])
    day = np.array([r["accepted"] for r in requests], np.int64)
    cols = {
        "SQ_BH": event_numbers(ctx, "SQ", day, width=5),
        "SQ_ZTMC": table.cols["RY_MC"][first],
        "SQ_ZTDM": table.key[first],
        "SQ_LX": np.array([r["type"] for r in requests], dtype=object),
        "SQ_FW": np.array([r["scope"] for r in requests], dtype=object),
        "SQ_SQRQ": ctx.iso_of(np.array([r["asked"] for r in requests])),
        "SQ_SLRQ": ctx.iso_of(day),
    }
    refs = [r["ref"] for r in requests]
    kind, subject, key = table.kind[first], table.subject[first], table.key[first].copy()
    out = Table("subject_requests", string_columns(cols), kind, subject, key, day, refs)
    return out.reorder(np.argsort(out.day, kind="stable"))


def _request(ctx: Context, t: Targets, rows: list[int]) -> dict:
    """One subject's request: what it asks (删除荣誉信息 with a category or 全部, or
    不公示守信信息), when asked and accepted, and the honours it covers."""
    rng, table = ctx.rng, t.table
    category = table.cols["RY_RYLB"]
    request_type = "删除荣誉信息" if rng.random() < 0.7 else "不公示守信信息"
    if request_type == "删除荣誉信息":
        held = sorted({category[r] for r in rows})
        options = [c for c in held if c in ("表彰奖励", "志愿服务", "慈善捐赠")] + ["全部"]
        scope = options[int(rng.integers(len(options)))]
    else:
        scope = ["", "全部"][int(rng.integers(2))]
    covered = [r for r in rows if scope in ("", "全部") or category[r] == scope]
    latest = max(int(table.day[r]) for r in rows)
    asked = min(latest + 1 + int(rng.integers(0, max(1, ctx.today - latest))), ctx.today)
    accepted = min(asked + int(rng.integers(0, 4)), ctx.today)
    ref = {
        "event": request_type,
        "scope": scope or None,
        "refers_to": {
            "dataset": "honors",
            "subject_code": table.key[rows[0]],
            "records": [reference(t, r) for r in covered],
        },
    }
    return {
        "row": rows[0],
        "type": request_type,
        "scope": scope,
        "asked": asked,
        "accepted": accepted,
        "ref": ref,
    }
