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

PROVIDER_FIELDS = {
    "penalties": "CF_SJLY", "licenses": "XK_LYDW", "court_dishonest": "SX_ZXFY", "honors": "RY_SJLY",
    "repairs": "XF_SJLY", "revocations": "CX_SJLY",
}  # fmt: skip
NATURAL_KEYS = {
    "penalties": "CF_WSH", "licenses": "XK_WSH", "court_dishonest": "SX_AH", "honors": "RY_WH",
    "repairs": "XF_BH", "revocations": "CX_BH", "objections": "YY_BH", "subject_requests": "SQ_BH",
}  # fmt: skip


def write_feedback(cfg: RunConfig, result: dict) -> list[str]:
    """The reports for one landed file's refused rows (or for the refused file itself)."""
    from creditlake.jurisdiction import load_profile
    from creditlake.workdays import add_working_days

    # the profile's correction deadline (hl-2022 Art 38: 3 working days; gd-draft Art 19)
    deadline = load_profile(cfg.profile).rules["deadlines"]["correction"]
    due = add_working_days(cfg.as_of, deadline["value"]).isoformat()
    header = {
        "batch_id": result["batch_id"],
        "file": result["path"],
        "dataset": result["dataset"],
        "received_on": cfg.as_of.isoformat(),
        "resubmit_by": due,
        "rule": f"corrected data due within {deadline['value']} working days ({deadline['article']}; gd-draft Art 19)",
        "rows_in": result["rows_in"],
        "loaded": result["loaded"],
        "quarantined": result["quarantined"],
        "excluded": result["excluded"],
    }
    if result["status"] == "refused":
        return _write(cfg, "unknown_provider", result, header | {"file_refused": result["reason"]}, _rows({}, 0))

    path = cfg.quarantine_root / result["dataset"] / f"{safe_name(result['batch_id'])}.parquet"
    if not result["quarantined"] or not path.exists():
        return []
    provider_col = PROVIDER_FIELDS.get(result["dataset"])
    key_col = NATURAL_KEYS.get(result["dataset"])
    present = set(pq.read_schema(path).names)
    refused = pq.read_table(path, columns=[c for c in (provider_col, key_col, "_source_row", "_reason_code",
                                                        "_reason_zh", "_reason_en") if c in present])  # fmt: skip
    n = refused.num_rows
    provider = pc.fill_null(refused[provider_col], "") if provider_col in present else pa.repeat("", n)
    provider = pc.if_else(pc.equal(pc.binary_length(provider), 0), "unknown_provider", provider)
    table = _rows({"natural_key": refused[key_col] if key_col in present else pa.repeat("", n), **{
        name: refused[f"_{name}"] for name in ("reason_code", "reason_zh", "reason_en")}}, n,
        provider=provider, row=refused["_source_row"]).sort_by([("provider", "ascending"), ("row", "ascending")])  # fmt: skip
    providers = table["provider"].to_numpy()
    starts = [0, *(np.flatnonzero(providers[1:] != providers[:-1]) + 1), len(providers)]
    written = []
    for a, b in itertools.pairwise(starts):
        part = table.slice(a, b - a)
        counts = dict(Counter(part["reason_code"].to_pylist()).most_common())
        written += _write(cfg, providers[a], result, header | {"provider": providers[a], "reasons": counts},
                          part.drop_columns(["provider"]))  # fmt: skip
    return written


def _rows(columns: dict, n: int, **first):
    """The report's table: row, natural key, reason code and messages (Chinese, English)."""
    first.setdefault("row", pa.array([], pa.int64()))
    names = ["natural_key", "reason_code", "reason_zh", "reason_en"]
    return pa.table(first | {k: columns.get(k, pa.array([], pa.string())) for k in names})


def _write(cfg: RunConfig, provider: str, result: dict, header: dict, rows) -> list[str]:
    folder = cfg.reports_root / "feedback" / safe_name(provider)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / safe_name(result["batch_id"])
    # The header indented, then one refused row per line, by pandas' JSON writer (C): json's
    # own encoder took seconds on a batch with 50,000 refused rows.
    head = json.dumps(header | {"provider": provider}, ensure_ascii=False, indent=1, default=str)
    lines = rows.to_pandas().to_json(orient="records", lines=True, force_ascii=False).strip().replace("\n", ",\n  ")
    body = f'[\n  {lines}\n ]' if lines else "[]"
    Path(f"{stem}.json").write_text(f'{head[:-2]},\n "rows": {body}\n}}\n', encoding="utf-8")
    with open(f"{stem}.csv", "wb") as fh:  # UTF-8 with BOM, so Excel opens it right
        fh.write("\ufeff".encode())
        pcsv.write_csv(rows, fh)
    return [f"{stem}.json", f"{stem}.csv"]
