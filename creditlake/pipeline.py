"""The stages of one credit cycle, as plain functions the DAG wires together.

land -> validate raw -> dbt build -> prepare open data -> validate outputs -> publish ->
summarise; feeds to credit service institutions are delivered after the build, beside the
open-data branch (neither waits for the other). Each stage takes the run's `conf`
(JSON-able, as Airflow passes it) and returns JSON-able results for the next. A stage that
must stop the cycle raises `StageFailed` with a message for the operator; bad input never
raises, it is refused and counted.
"""

from __future__ import annotations

import json
import os
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
    from creditlake import landing

    cfg = RunConfig.from_conf(conf)
    landing.ensure_raw_schema(cfg)
    return landing.discover(cfg)


def land(conf: dict, file: dict) -> dict:
    from creditlake import landing

    return landing.land_file(RunConfig.from_conf(conf), file["path"], file["dataset"])


def validate_raw(conf: dict, landed: list[dict]) -> list[dict]:
    """Gate each landed batch: pass -> raw layer; fail -> the whole batch is quarantined.
    And one feedback report per provider and batch, written on a second thread while the
    gate runs (a batch the gate refuses gets its report again, with the whole batch in it).

    The ledger is written once each file's fate is final, after its gate, so a failed run
    reruns cleanly and a file that passed is never loaded twice.
    """
    from concurrent.futures import ThreadPoolExecutor

    from creditlake import feedback

    cfg = RunConfig.from_conf(conf)
    owed = [
        r["status"] != "already_landed" and bool(r["quarantined"] or r["status"] == "refused") for r in landed
    ]
    with ThreadPoolExecutor(max_workers=1) as pool:
        reports = [pool.submit(feedback.write_feedback, cfg, dict(r)) if due else None
                   for r, due in zip(landed, owed, strict=True)]  # fmt: skip
        final = _gate_batches(cfg, landed)
    for result, report in zip(final, reports, strict=True):
        if result["status"] == "gate_failed":
            result["feedback"] = feedback.write_feedback(cfg, result)
        elif report is not None:
            result["feedback"] = report.result()
    return final


def _gate_batches(cfg: RunConfig, landed: list[dict]) -> list[dict]:
    from creditlake import gate, landing

    final = []
    suites = None  # GX is started only when a batch has rows to gate
    for result in landed:
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


def prepare_open_data(conf: dict, run_id: str) -> list[dict]:
    from publishing import open_data

    return open_data.prepare(RunConfig.from_conf(conf), run_id)


def validate_outputs(conf: dict, staged: list[dict]) -> list[dict]:
    """The publish gate's verdict on each dataset: rows with a finding are withheld (listed in
    the run's withheld report), the rest passes. A refused dataset does not stop the others:
    `publish` releases what passed, then `refusals` fails the run naming what did not."""
    from publishing import open_data

    return open_data.check(RunConfig.from_conf(conf), staged)


def publish(conf: dict, verdicts: list[dict]) -> list[dict]:
    from publishing import open_data

    return open_data.release(RunConfig.from_conf(conf), verdicts)


def refusals(conf: dict, verdicts: list[dict]) -> None:
    """Fail the run when the gate refused a dataset, after the others were published."""
    refused = [v for v in verdicts if not v["success"]]
    if refused:
        raise StageFailed(
            "publication refused by the publish gate:\n"
            + "\n".join(f"{v['dataset']}: {'; '.join(v['failures'])}" for v in refused)
        )


def registry_root(cfg: RunConfig) -> Path | None:
    """The run's feeds registry: `--registry` (conf `registry`), else `CREDITLAKE_REGISTRY`, else
    None. There is no fallback to the example registry: its institutions are invented."""
    if cfg.registry:
        return Path(cfg.registry)
    env = os.environ.get("CREDITLAKE_REGISTRY")
    return Path(env).resolve() if env else None


def deliver_feeds(conf: dict, run_id: str) -> dict:
    """Push deliveries to every licence in force on the run's date (jl-draft Art 45,
    city-2022 Art 53, hl-2022 Art 23), each delta listing what to take down (city-2022 Art 47).

    Without a registry nothing is delivered, and the result says so. An invalid registry, or a
    warehouse the feeds cannot read, refuses the stage; a licence that may receive nothing today
    (expired, suspended) is a result with its reason, not a failure.
    """
    from publishing.feeds import FeedError, deliver
    from publishing.registry import RegistryError, load_registry

    cfg = RunConfig.from_conf(conf)
    root = registry_root(cfg)
    if root is None:
        return {"registry": None, "deliveries": [],
                "why": "no registry configured (--registry DIR or CREDITLAKE_REGISTRY): no feeds delivered"}  # fmt: skip
    try:
        registry = load_registry(root, cfg.profile)
        deliveries = deliver(cfg, registry, run_id)
    except RegistryError as err:
        raise StageFailed(f"feeds registry {root} is invalid:\n  " + "\n  ".join(err.problems)) from err
    except FeedError as err:
        raise StageFailed(f"feeds not delivered: {err}") from err
    return {"registry": str(root), "deliveries": deliveries, "why": None}


def _feed_lines(feeds: dict | None) -> list[dict]:
    """One summary entry per licence: what it was given in this run, or why nothing."""
    out = []
    for d in (feeds or {}).get("deliveries", []):
        delivered = d["status"] == "delivered"
        out.append({
            "institution": d["institution"], "licence": d["licence"], "mode": d["delivery"],
            "status": d["status"], "why": d.get("why"), "delivery_id": d.get("delivery_id"),
            "kind": d.get("kind"), "rows": d.get("upserts", 0) if delivered else 0,
            "withdrawals": d.get("withdrawals", 0) if delivered else 0, "records_held": d.get("records"),
            "manifest": d.get("manifest"), "s3_objects": len(d.get("s3_keys") or []),
        })  # fmt: skip
    return out


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


def summarise(conf: dict, run_id: str, files: list[dict] | None, build_result: dict | None,
              published: list[dict] | None, feeds: dict | None = None) -> dict:  # fmt: skip
    """The run summary (the operators' contract, README 'Run summary'), written even when a stage failed."""

    cfg = RunConfig.from_conf(conf)
    run_dir = cfg.run_dir(run_id)
    run_dir.mkdir(parents=True, exist_ok=True)
    files = files or []

    report = run_dir / "quarantine_report.csv"
    _quarantine_report(cfg, files).to_csv(report, index=False, encoding="utf-8-sig")

    summary = {
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
            {
                k: f.get(k)
                for k in (
                    "path",
                    "dataset",
                    "rows_in",
                    "loaded",
                    "quarantined",
                    "excluded",
                    "status",
                    "reason",
                )
            }
            | {"reasons": f.get("reasons", {}), "feedback": f.get("feedback", [])}
            for f in files
        ],
        "build": build_result,
        "published": [
            {
                "dataset": p["dataset"],
                "version": p["version"],
                "rows": p["rows"],
                "withheld_rows": p.get("withheld_rows", 0),
                "s3_objects": len(p.get("s3_keys", [])),
            }
            for p in (published or [])
        ],  # fmt: skip
        "withheld_report": str(report) if (report := run_dir / "withheld.csv").exists() else None,
        "portal": next((p["portal"] for p in (published or []) if p.get("portal")), None),
        "feeds_registry": str(registry) if (registry := registry_root(cfg)) else None,
        "feeds": _feed_lines(feeds),
        "deadlines": _deadlines(cfg) if (build_result or {}).get("success") else None,
        "failed": _failures(cfg, run_id),
    }
    cfg.feeds_root.mkdir(parents=True, exist_ok=True)
    cfg.open_root.mkdir(parents=True, exist_ok=True)
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    (run_dir / "summary.json").write_text(text, encoding="utf-8")
    if cfg.summary:
        Path(cfg.summary).parent.mkdir(parents=True, exist_ok=True)
        Path(cfg.summary).write_text(text, encoding="utf-8")
    return summary
