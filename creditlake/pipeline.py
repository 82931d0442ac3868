"""The stages of one credit cycle, as plain functions the DAG wires together.

land -> validate raw -> dbt build; what follows the build (open data, feeds, the summary) is
in `publishing.stages`, which depends on this package and never the reverse. Each stage takes the run's `conf`
(JSON-able, as Airflow passes it) and returns JSON-able results for the next. A stage that
must stop the cycle raises `StageFailed` with a message for the operator; bad input never
raises, it is refused and counted.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from creditlake.settings import RunConfig, safe_name


class StageFailed(Exception):
    """A stage refused to go on (a gate failed, dbt failed): retrying will not help."""


def record_failure(conf: dict, run_id: str, stage: str, message: str | None) -> None:
    """Keep a failed stage's message for the run summary (`failed`); None: it succeeded."""
    path = RunConfig.from_conf(conf).run_dir(run_id) / "failed" / f"{stage}.txt"
    if message is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(message, encoding="utf-8")


def _failures(cfg: RunConfig, run_id: str) -> list[dict]:
    folder = cfg.run_dir(run_id) / "failed"
    return [{"stage": p.stem, "message": p.read_text(encoding="utf-8")} for p in sorted(folder.glob("*.txt"))]


def discover(conf: dict) -> list[dict]:
    """The files to land: in the landing folder, or fetched from an `s3://` landing prefix
    (`creditlake.sources`, whose files carry their `s3_key`)."""
    from creditlake import landing, sources

    cfg = RunConfig.from_conf(conf)
    landing.ensure_raw_schema(cfg)
    return sources.discover(cfg) if cfg.landing_in_s3 else landing.discover(cfg)


def land(conf: dict, file: dict) -> dict:
    from creditlake import landing, sources

    cfg = RunConfig.from_conf(conf)
    if "s3_key" in file:
        return sources.land(cfg, file)
    return landing.land_file(cfg, file["path"], file["dataset"], file.get("member"))


def validate_raw(conf: dict, landed: list[dict]) -> list[dict]:
    """Gate each landed batch: pass -> raw layer; fail -> the whole batch is quarantined.
    And one feedback report per provider and batch, written on a second thread while the
    gate runs (a batch the gate refuses gets its report again, with the whole batch in it).

    The ledger is written once each file's fate is final, after its gate, so a failed run
    reruns cleanly and a file that passed is never loaded twice. Only then are objects from
    an `s3://` landing prefix moved to its processed prefix (`sources.move_processed`).
    """
    from concurrent.futures import ThreadPoolExecutor

    from creditlake import feedback, sources

    cfg = RunConfig.from_conf(conf)
    owed = [
        r["status"] != "already_landed"
        and bool(r["quarantined"] or r.get("skipped") or r["status"] == "refused")
        for r in landed
    ]
    with ThreadPoolExecutor(max_workers=1) as pool:
        reports = [
            pool.submit(feedback.write_feedback, cfg, dict(r)) if due else None
            for r, due in zip(landed, owed, strict=True)
        ]
        final = _gate_batches(cfg, landed)
    for result, report in zip(final, reports, strict=True):
        if result["status"] == "gate_failed":
            result["feedback"] = feedback.write_feedback(cfg, result)
        elif report is not None:
            result["feedback"] = report.result()
    return sources.move_processed(cfg, final) if cfg.landing_in_s3 else final


def _gate_batches(cfg: RunConfig, landed: list[dict]) -> list[dict]:
    from creditlake import gate, landing

    final = []
    suites = None  # GX is started only when a batch has rows to gate
    seen: dict[str, dict] = {}
    for result in landed:
        _mark_repeat(seen, result)
        if result["status"] != "landed":
            if result["status"] == "refused":
                landing.record_in_ledger(cfg, landing.FileResult(**result))
            final.append(result)
            continue
        batch = safe_name(result["batch_id"])
        pending = landing.batch_parts(landing.pending_path(cfg, result["dataset"], batch))
        if result["loaded"]:
            suite = f"raw_{result['dataset']}"
            suites = suites or gate.Gate(cfg)
            verdict = suites.run(suite, gate.read_for_suite(pending, suite), result["batch_id"])
            result["gate"] = verdict.as_dict()
            if not verdict.success:
                # A batch that fails the gate is not loaded: its rows move to quarantine.
                for part in pending:
                    shutil.move(
                        part, cfg.quarantine_root / result["dataset"] / f"{part.stem}.gate_failed.parquet"
                    )
                result |= {
                    "status": "gate_failed",
                    "quarantined": result["quarantined"] + result["loaded"],
                    "loaded": 0,
                    "reason": "file_gate_failed: " + "; ".join(verdict.failures),
                }
                landing.record_in_ledger(cfg, landing.FileResult(**_file_fields(result)))
                final.append(result)
                continue
        landing.promote(cfg, result["dataset"], batch)
        landing.record_in_ledger(cfg, landing.FileResult(**_file_fields(result)))
        final.append(result)
    if suites is not None:
        suites.finish()
    return final


def _mark_repeat(seen: dict[str, dict], result: dict) -> None:
    """The same bytes twice in one run (two files, or two keys of an S3 landing prefix) land
    as one batch: the later file is `already_landed`, as it would be in the next run."""
    if result["status"] != "landed":
        return
    first = seen.setdefault(result["sha256"], result)
    if first is not result:
        result |= {
            "status": "already_landed",
            "reason": f"identical file landed in this run as batch {first['batch_id']} ({first['path']})",
        }


def _file_fields(result: dict) -> dict:
    from dataclasses import fields

    from creditlake.landing import FileResult

    return {f.name: result[f.name] for f in fields(FileResult) if f.name in result}


def build(conf: dict) -> dict:
    from creditlake import warehouse

    result = warehouse.build(RunConfig.from_conf(conf))
    if not result.success:
        raise StageFailed("dbt build failed:\n" + "\n".join(result.failures))
    return result.as_dict()


def _quarantine_report(cfg: RunConfig, files: list[dict]):
    """Every row refused in this run, one line each (`feedback.refused_rows`)."""
    import pyarrow as pa

    from creditlake.feedback import refused_rows

    return pa.concat_tables([refused_rows(cfg, f) for f in files] or [refused_rows(cfg, {})]).to_pandas()


# What is overdue, and what is open and falls due by `soon`, per process and step of
# fct_deadlines: the count and the `first` earliest due, aggregated in the warehouse.
_DEADLINES_SQL = """
select
    case when state = 'overdue' then 'overdue' else 'due_soon' end as bucket,
    process,
    step,
    count(*) as count,
    any_value(rule) as rule,
    min_by(
        {
            'subject_key': subject_key, 'dataset': dataset, 'record': coalesce(decision_number, record_id),
            'event_id': event_id, 'provider': provider, 'started_on': cast(started_on as varchar),
            'due_by': cast(due_by as varchar), 'done_on': cast(done_on as varchar),
        },
        (due_by, event_id, coalesce(decision_number, record_id)),
        $first
    ) as first,
from main.fct_deadlines
where state = 'overdue' or (state = 'open' and due_by <= $soon)
group by all
order by bucket, process, step
"""


def _deadlines(cfg: RunConfig, first: int = 5, horizon: int = 3) -> dict | None:
    """The deadlines part of the run summary: what is overdue on the run's date and what falls
    due within the next `horizon` working days (fct_deadlines), per process and step with
    its count, its rule and the `first` earliest due. None when the warehouse cannot be read."""
    import duckdb

    from creditlake.workdays import add_working_days

    soon = add_working_days(cfg.as_of, horizon)
    try:
        with duckdb.connect(str(cfg.warehouse), read_only=True) as con:
            rows = con.execute(_DEADLINES_SQL, {"soon": soon, "first": first}).fetchall()
    except duckdb.Error:
        return None
    out: dict = {
        "as_of": cfg.as_of.isoformat(),
        "due_soon_until": soon.isoformat(),
        "overdue": [],
        "due_soon": [],
    }
    for bucket, process, step, count, rule, items in rows:
        out[bucket].append({"process": process, "step": step, "count": count, "rule": rule, "first": items})
    return out


def summary(cfg: RunConfig, run_id: str, files: list[dict] | None, build_result: dict | None) -> dict:
    """The run summary's landing, build and deadline parts (the operators' contract, README 'Run
    summary'); `publishing.stages.summarise` adds what was published and delivered, and writes it."""
    run_dir = cfg.run_dir(run_id)
    run_dir.mkdir(parents=True, exist_ok=True)
    files = files or []
    report = run_dir / "quarantine_report.csv"
    _quarantine_report(cfg, files).to_csv(report, index=False, encoding="utf-8-sig")
    file_keys = ("path", "dataset", "rows_in", "loaded", "quarantined", "excluded", "status", "reason")
    return {
        "run_id": run_id,
        "profile": cfg.profile,
        "as_of": cfg.as_of.isoformat(),
        "landing": str(cfg.landing),
        "lake": str(cfg.lake),
        "open_root": str(cfg.open_root),
        "feeds_root": str(cfg.feeds_root),
        "quarantine_report": str(report),
        "warehouse": str(cfg.warehouse),
        "data_docs": str(cfg.reports_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"),
        "files": [
            {k: f.get(k) for k in file_keys}
            | {"reasons": f.get("reasons", {}), "feedback": f.get("feedback", [])}
            for f in files
        ],
        "build": build_result,
        "deadlines": _deadlines(cfg) if (build_result or {}).get("success") else None,
        "failed": _failures(cfg, run_id),
    }


def write_summary(cfg: RunConfig, run_id: str, summary: dict) -> None:
    """Into the run's folder, and where `--summary` asked."""
    cfg.feeds_root.mkdir(parents=True, exist_ok=True)
    cfg.open_root.mkdir(parents=True, exist_ok=True)
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    (cfg.run_dir(run_id) / "summary.json").write_text(text, encoding="utf-8")
    if cfg.summary:
        Path(cfg.summary).parent.mkdir(parents=True, exist_ok=True)
        Path(cfg.summary).write_text(text, encoding="utf-8")
