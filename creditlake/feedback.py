"""Feedback to providers: what was refused, why, and by when it is due back.

The platform checks and loads a submission within 3 working days and sends what does not
conform back to the provider to fix and resubmit (gd-draft Art 19); errors are corrected
within 3 working days (hl-draft Art 52, hl-2022 Art 38). One report per provider and
batch, as CSV (UTF-8 with BOM, for Excel) and JSON, under `reports/feedback/<provider>/`.
"""

from __future__ import annotations

import json
from pathlib import Path

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
    import pandas as pd

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
        return _write(cfg, "unknown_provider", result, header | {"file_refused": result["reason"]}, pd.DataFrame())

    path = cfg.quarantine_root / result["dataset"] / f"{safe_name(result['batch_id'])}.parquet"
    if not result["quarantined"] or not path.exists():
        return []
    provider_col = PROVIDER_FIELDS.get(result["dataset"])
    key_col = NATURAL_KEYS.get(result["dataset"])
    wanted = [provider_col, key_col, "_source_row", "_reason_code", "_reason_zh", "_reason_en"]
    import pyarrow.parquet as pq

    present = set(pq.read_schema(path).names)
    rows = pd.read_parquet(path, columns=[c for c in wanted if c in present])
    rows["provider"] = rows[provider_col].fillna("").replace("", "unknown_provider") if provider_col in rows else "unknown_provider"
    table = pd.DataFrame({
        "provider": rows["provider"],
        "row": rows["_source_row"],
        "natural_key": rows[key_col] if key_col in rows else "",
        "reason_code": rows["_reason_code"],
        "reason_zh": rows["_reason_zh"],
        "reason_en": rows["_reason_en"],
    })  # fmt: skip
    written = []
    for provider, part in table.groupby("provider"):
        counts = part["reason_code"].value_counts().to_dict()
        written += _write(cfg, provider, result, header | {"provider": provider, "reasons": counts},
                          part.drop(columns="provider"))  # fmt: skip
    return written


def _write(cfg: RunConfig, provider: str, result: dict, header: dict, rows) -> list[str]:
    folder = cfg.reports_root / "feedback" / safe_name(provider)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / safe_name(result["batch_id"])
    # The rows by pandas' JSON writer (C), spliced into the header: json.dumps of a list of
    # dicts took seconds on a batch with 50,000 refused rows.
    doc = json.dumps(header | {"provider": provider, "rows": []}, ensure_ascii=False, indent=1, default=str)
    body = rows.to_json(orient="records", force_ascii=False, lines=True).strip().replace("\n", ",\n ") if len(rows) else ""
    Path(f"{stem}.json").write_text(doc.replace('"rows": []', f'"rows": [\n {body}\n ]' if body else '"rows": []'),
                                    encoding="utf-8")
    rows.to_csv(f"{stem}.csv", index=False, encoding="utf-8-sig")
    return [f"{stem}.json", f"{stem}.csv"]
