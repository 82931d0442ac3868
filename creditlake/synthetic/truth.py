"""truth.json: what landing should make of every row, and what was planted where."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from creditlake.synthetic.context import Context, FilePlan, Table
from creditlake.synthetic.datasets import RECORD_DATASETS
from creditlake.synthetic.defects import DEFECT_KIND_NAMES
from creditlake.synthetic.writers import ENCODINGS

NOTE = (
    "fates and reasons as creditlake.landing assigns them under the national profile; row numbers as "
    "landing reports them (the line in the file: header = line 1; JSON Lines have no header)"
)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def unique(values) -> list[str]:
    """Distinct non-empty values, in first-seen order."""
    return list(dict.fromkeys(v for v in values if v))


def file_summary(ctx: Context, t: Table, f: FilePlan) -> dict:
    """Per-file counts, as `land_file` reports them."""
    reasons: dict[str, int] = {}
    fates = {"loaded": 0, "quarantined": 0, "excluded": 0}
    for index, c in zip(*np.unique(t.outcome[f.start : f.stop], return_counts=True), strict=True):
        fate, reason = ctx.outcomes[int(index)]
        fates[fate] += int(c)
        if reason:
            reasons[reason] = reasons.get(reason, 0) + int(c)
    return {
        "dataset": t.dataset,
        "format": f.fmt,
        "encoding": ENCODINGS.get(f.fmt, "utf-8"),
        "headers": f.headers,
        "rows_in": f.stop - f.start,
        **fates,
        "reasons": dict(sorted(reasons.items())),
    }


def expected_lines(ctx: Context, t: Table, f: FilePlan) -> Iterable[str]:
    """`"file:row": {fate, reason[, kind]}` for every row of a file."""
    snippets: dict[tuple[int, int], str] = {}

    def snippet(o: int, tag: int) -> str:
        if (o, tag) not in snippets:
            fate, reason = ctx.outcomes[o]
            entry = {"fate": fate, "reason": reason} | ({"kind": DEFECT_KIND_NAMES[tag]} if tag >= 0 else {})
            snippets[(o, tag)] = _dumps(entry)
        return snippets[(o, tag)]

    outcome, tag = t.outcome.tolist(), t.tag.tolist()
    for r in range(f.start, f.stop):
        yield f'  "{f.name}:{r - f.start + f.first_line}": {snippet(outcome[r], tag[r])}'


def loaded_organisations(tables: list[Table]) -> dict[str, list[str]]:
    """Per record dataset, the organisations whose rows load (unmasked keys)."""
    loaded = {}
    for t in tables:
        if t.dataset in RECORD_DATASETS:
            unmasked = np.array([not k.startswith("masked:") for k in t.key.tolist()])
            loaded[t.dataset] = unique(t.key[(t.outcome == 0) & (t.kind == 0) & unmasked].tolist())
    return loaded


def event_rows(ctx: Context, tables: list[Table]) -> list[dict]:
    """Every event row with its fate and what it refers to."""
    events = []
    for t in tables:
        if t.refs is None:
            continue
        for r in range(t.n):
            file, number = t.locate(r)
            fate, reason = ctx.outcomes[int(t.outcome[r])]
            row = {
                "dataset": t.dataset,
                "file": file,
                "row": number,
                "id": t.cols[t.spec.number][r],
                "date": ctx.date_of(t.day[r]).isoformat(),
                "subject_code": t.key[r],
                "fate": fate,
                "reason": reason,
            }
            events.append(row | t.refs[r])
    return events


def planted(ctx: Context, loaded: dict[str, list[str]]) -> dict:
    """The personal data planted, the organisations that load, and the third parties."""
    u, used = ctx.universe, ctx.used
    people = u.persons
    return {
        "planted_ids": unique(people.id_number[used["i"]].tolist()),
        "planted_phones": unique(people.mobile[used["m"]].tolist()),
        "protected_names": unique(people.name[used["n"]].tolist()),
        "loaded_orgs": loaded.get("penalties", []),
        "loaded_orgs_by_dataset": loaded,
        "planted_landlines": unique(people.landline[used["l"]].tolist()),
        "planted_emails": unique(people.email[used["e"]].tolist()),
        "planted_bank_cards": unique(people.bank_card[used["c"]].tolist()),
        "planted_documents": unique(ctx.documents),
        "third_party_names": unique(people.name[ctx.third_party & ~used["n"]].tolist()),
    }


def write_truth(ctx: Context, out: Path, tables: list[Table], params: dict, counts: dict) -> None:
    """Written by hand, one row per line, so a million rows stay greppable."""
    head = {
        "seed": params["seed"],
        "as_of": ctx.as_of.isoformat(),
        "profile": "national",
        "note": NOTE,
        "params": params,
        "files": {f.name: file_summary(ctx, t, f) for t in tables for f in t.files},
        "defects": counts,
    }
    events = event_rows(ctx, tables)
    tail = planted(ctx, loaded_organisations(tables))
    with (out / "truth.json").open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("{\n")
        for k, v in head.items():
            fh.write(f" {_dumps(k)}: {json.dumps(v, ensure_ascii=False, indent=1)},\n")
        fh.write(' "expected": {\n')
        fh.write(",\n".join(line for t in tables for f in t.files for line in expected_lines(ctx, t, f)))
        fh.write('\n },\n "events": [\n')
        fh.write(",\n".join("  " + _dumps(e) for e in events))
        fh.write("\n ],\n")
        fh.write(",\n".join(f" {_dumps(k)}: {_dumps(v)}" for k, v in tail.items()))
        fh.write("\n}\n")
