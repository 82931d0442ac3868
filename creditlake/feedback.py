"""Feedback to providers: what was refused, why, and by when it is due back.

The platform checks and loads a submission within 3 working days and sends what does not
conform back to the provider to fix and resubmit (gd-draft Art 19); errors are corrected
within 3 working days (hl-draft Art 52, hl-2022 Art 38). One report per provider and
batch, as CSV (UTF-8 with BOM, for Excel) and JSON, under `reports/feedback/<provider>/`.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from creditlake.settings import RunConfig, safe_name


def write_feedback(cfg: RunConfig, result: dict) -> list[str]:
    """The reports for one landed file's refused rows (or for the refused file itself)."""
    from creditlake.jurisdiction import load_profile
    from creditlake.workdays import add_working_days

    # the profile's correction deadline (hl-2022 Art 38: 3 working days; gd-draft Art 19), with
    # its article or, where the profile's own text has none, the basis it borrows
    deadline = load_profile(cfg.profile).dbt_rules()["deadlines"]["correction"]
    due = add_working_days(cfg.as_of, deadline["days"]).isoformat()
    header = {
        "batch_id": result["batch_id"],
        "file": result["path"],
        "dataset": result["dataset"],
        "received_on": cfg.as_of.isoformat(),
        "resubmit_by": due,
        "rule": f"corrected data due within {deadline['days']} working days ({deadline['rule']}; gd-draft Art 19)",
        "rows_in": result["rows_in"],
        "loaded": result["loaded"],
        "quarantined": result["quarantined"],
        "excluded": result["excluded"],
    }
    if result.get("skipped"):
        # lines that are no records: a title above the header, a footer, blank rows
        header |= {"skipped": result["skipped"], "skipped_lines": result.get("skipped_lines", [])}
    if result["status"] == "refused":
        return _write(
            cfg,
            "unknown_provider",
            result,
            header | {"file_refused": result["reason"]},
            _for_provider(refused_rows(cfg, result)),
        )
    if result["status"] == "gate_failed":
        header["batch_refused"] = result["reason"]

    table = refused_rows(cfg, result).sort_by([("provider", "ascending"), ("row", "ascending")])
    providers = table["provider"].to_numpy(zero_copy_only=False)
    starts = [0, *(np.flatnonzero(providers[1:] != providers[:-1]) + 1), len(providers)]
    written = []
    if not len(providers):  # nothing refused: the report says what was skipped, to the usual provider
        provider = result.get("provider") or "unknown_provider"
        return _write(cfg, provider, result, header, _for_provider(table))
    for a, b in itertools.pairwise(starts):
        if a == b:
            continue
        part = table.slice(a, b - a)
        counts = dict(Counter(part["reason_code"].to_pylist()).most_common())
        written += _write(
            cfg,
            providers[a],
            result,
            header | {"provider": providers[a], "reasons": counts},
            _for_provider(part),
        )
    return written


REPORT_COLUMNS = [
    "dataset",
    "file",
    "row",
    "natural_key",
    "subject_key",
    "provider",
    "reason_code",
    "reason_zh",
    "reason_en",
]


def _for_provider(rows: pa.Table) -> pa.Table:
    """A report's rows as the provider gets them: row, natural key and reason (the file and the
    provider are in its header; the subject key is ours)."""
    return rows.drop_columns(["dataset", "file", "subject_key", "provider"])


def refused_rows(cfg: RunConfig, result: dict) -> pa.Table:
    """Every row of one landed file that was not loaded for a fault: dataset, file, row (as
    the provider's spreadsheet shows it), natural key, subject, provider, reason. A batch that
    failed its gate is there whole, with the gate's reason."""
    from creditlake import landing

    if result.get("status") not in ("landed", "gate_failed") or not result.get("quarantined"):
        return pa.table({c: pa.array([], pa.int64() if c == "row" else pa.string()) for c in REPORT_COLUMNS})
    folder, batch = cfg.quarantine_root / result["dataset"], safe_name(result["batch_id"])
    files = [folder / f"{batch}.parquet"]
    if result["status"] == "gate_failed":
        files += landing.batch_parts(folder / f"{batch}.gate_failed.parquet")
    # who gets the row and how they know it: the layout's `provider_field` (a dataset without
    # one, such as objections, goes to unknown_provider) and `natural_key`
    spec = landing.layout(result["dataset"])
    provider_col, key_cols = spec.get("provider_field"), spec["natural_key"]
    parts = []
    for path in (p for p in files if p.exists()):
        present = set(pq.read_schema(path).names)
        t = pq.read_table(
            path,
            columns=[
                c
                for c in (
                    provider_col,
                    *key_cols,
                    "_subject_key",
                    "_source_file",
                    "_source_row",
                    "_reason_code",
                    "_reason_zh",
                    "_reason_en",
                )
                if c in present
            ],
        )
        n = t.num_rows

        def text(name, t=t, present=present, n=n):
            return pc.cast(pc.fill_null(t[name], ""), pa.string()) if name in present else pa.repeat("", n)

        if "_reason_code" in present:
            reason = {k: text(f"_reason_{k}") for k in ("code", "zh", "en")}
        else:  # the gate refused the batch as a whole
            words = landing.reasons()["file_gate_failed"]
            reason = {
                "code": pa.repeat("file_gate_failed", n),
                "zh": pa.repeat(words["zh"], n),
                "en": pa.repeat(words["en"], n),
            }
        provider = text(provider_col)
        parts.append(
            pa.table(
                {
                    "dataset": pa.repeat(result["dataset"], n),
                    "file": text("_source_file"),
                    "row": t["_source_row"],
                    "natural_key": _joined([text(k) for k in key_cols]),
                    "subject_key": text("_subject_key"),
                    "provider": pc.if_else(
                        pc.equal(pc.binary_length(pc.utf8_trim_whitespace(provider)), 0),
                        "unknown_provider",
                        provider,
                    ),
                    "reason_code": reason["code"],
                    "reason_zh": reason["zh"],
                    "reason_en": reason["en"],
                }
            )
        )
    return pa.concat_tables(parts) if parts else refused_rows(cfg, {})


def _joined(columns: list) -> pa.Array:
    """A natural key of several fields (an objection's number and state) as one text, "|" between."""
    return columns[0] if len(columns) == 1 else pc.binary_join_element_wise(*columns, "|")


def _write(cfg: RunConfig, provider: str, result: dict, header: dict, rows) -> list[str]:
    folder = cfg.reports_root / "feedback" / safe_name(provider)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / safe_name(result["batch_id"])
    # The header indented, then one refused row per line, by pandas' JSON writer (C): json's
    # own encoder took seconds on a batch with 50,000 refused rows.
    head = json.dumps(header | {"provider": provider}, ensure_ascii=False, indent=1, default=str)
    lines = (
        rows.to_pandas()
        .to_json(orient="records", lines=True, force_ascii=False)
        .strip()
        .replace("\n", ",\n  ")
    )
    body = f"[\n  {lines}\n ]" if lines else "[]"
    Path(f"{stem}.json").write_text(f'{head[:-2]},\n "rows": {body}\n}}\n', encoding="utf-8")
    with open(f"{stem}.csv", "wb") as fh:  # UTF-8 with BOM, so Excel opens it right
        fh.write("\ufeff".encode())
        pcsv.write_csv(rows, fh)
    return [f"{stem}.json", f"{stem}.csv"]
