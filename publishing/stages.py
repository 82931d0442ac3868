"""The stages of a credit cycle after the build, as plain functions the DAG wires together:
prepare open data -> validate outputs -> publish -> refusals, and the feeds delivered beside
them (neither branch waits for the other); then the run summary. The stages before them
(land, validate raw, build) are `creditlake.pipeline`'s; this package depends on it and never
the reverse. Each stage takes the run's `conf` and returns JSON-able results; a stage that must
stop the cycle raises `StageFailed`.
"""

from __future__ import annotations

from pathlib import Path

from creditlake.pipeline import StageFailed, summary, write_summary
from creditlake.settings import RunConfig
from publishing.registry import configured_root


def prepare_open_data(conf: dict, run_id: str) -> list[dict]:
    from publishing import open_data

    return open_data.prepare(RunConfig.from_conf(conf), run_id)


def validate_outputs(conf: dict, staged: list[dict]) -> list[dict]:
    """The publish gate's verdict on each dataset: rows with a finding are withheld (listed in
    the run's withheld report), the rest passes. A refused dataset does not stop the others:
    `publish` releases what passed, then `refusals` fails the run naming what did not."""
    from publishing import open_data

    _still_staged(staged, "prepared")
    return open_data.check(RunConfig.from_conf(conf), staged)


def publish(conf: dict, verdicts: list[dict]) -> list[dict]:
    from publishing import open_data

    _still_staged([v for v in verdicts if v["success"]], "folder")
    return open_data.release(RunConfig.from_conf(conf), verdicts)


def _still_staged(items: list[dict], key: str) -> None:
    """Refuse a stage of a run whose staged files a later run's preparation removed
    (`open_data.forget_earlier_runs`): retried after a newer run, it would publish the past."""
    gone = sorted({item["dataset"] for item in items if not Path(item[key]).exists()})
    if gone:
        raise StageFailed(
            f"the staged files of {', '.join(gone)} are gone: a later run's preparation removed "
            "them (one run at a time); run this cycle again from prepare_open_data"
        )


def refusals(conf: dict, verdicts: list[dict]) -> None:
    """Fail the run when the gate refused a dataset, after the others were published."""
    refused = [v for v in verdicts if not v["success"]]
    if refused:
        raise StageFailed(
            "publication refused by the publish gate:\n"
            + "\n".join(f"{v['dataset']}: {'; '.join(v['failures'])}" for v in refused)
        )


def deliver_feeds(conf: dict, run_id: str) -> dict:
    """Push deliveries to every licence in force on the run's date (jl-draft Art 45,
    city-2022 Art 53, hl-2022 Art 23), each delta listing what to take down (city-2022 Art 47).

    Without a registry nothing is delivered, and the result says so. An invalid registry, or a
    warehouse the feeds cannot read, refuses the stage; a licence that may receive nothing today
    (expired, suspended) is a result with its reason, not a failure.
    """
    from publishing.audit import audit_root, head_for_publication
    from publishing.feeds import FeedError, deliver
    from publishing.registry import RegistryError, load_registry

    cfg = RunConfig.from_conf(conf)
    root = configured_root(cfg.registry)
    if root is None:
        why = "no registry configured (--registry DIR or CREDITLAKE_REGISTRY): no feeds delivered"
        return {"registry": None, "deliveries": [], "why": why}
    try:
        registry = load_registry(root, cfg.profile)
        deliveries = deliver(cfg, registry, run_id)
    except RegistryError as err:
        raise StageFailed(f"feeds registry {root} is invalid:\n  " + "\n  ".join(err.problems)) from err
    except FeedError as err:
        raise StageFailed(f"feeds not delivered: {err}") from err
    # the log's head after the deliveries, to publish (README 'Access log')
    head = head_for_publication(audit_root(cfg), lake=cfg.lake)
    return {"registry": str(root), "deliveries": deliveries, "why": None, "audit_head": head}


def _feed_line(delivery: dict) -> dict:
    """A licence's summary entry: what it was given in this run, or why nothing."""
    delivered = delivery["status"] == "delivered"
    return {
        "institution": delivery["institution"],
        "licence": delivery["licence"],
        "mode": delivery["delivery"],
        "status": delivery["status"],
        "why": delivery.get("why"),
        "delivery_id": delivery.get("delivery_id"),
        "kind": delivery.get("kind"),
        "rows": delivery.get("upserts", 0) if delivered else 0,
        "withdrawals": delivery.get("withdrawals", 0) if delivered else 0,
        "records_held": delivery.get("records"),
        "manifest": delivery.get("manifest"),
        "s3_objects": len(delivery.get("s3_keys") or []),
    }


def outlets(published: list[dict] | None, feeds: dict | None) -> list[dict]:
    """The assets a run updated, for Airflow's outlet events and the run summary: each open
    dataset released (its new version) and each licence a delivery reached. A dataset the gate
    refused, or a licence that received nothing, is not updated."""
    updated = [
        {"uri": f"creditlake://open/{p['dataset']}", "version": p["version"], "rows": p["rows"]}
        for p in published or []
    ]
    updated += [
        {
            "uri": f"creditlake://feeds/{d['licence']}",
            "delivery_id": d.get("delivery_id"),
            "kind": d.get("kind"),
        }
        for d in (feeds or {}).get("deliveries", [])
        if d["status"] == "delivered"
    ]
    return updated


def summarise(
    conf: dict,
    run_id: str,
    files: list[dict] | None,
    build_result: dict | None,
    published: list[dict] | None,
    feeds: dict | None = None,
) -> dict:
    """The run summary (the operators' contract, README 'Run summary'), written even when a
    stage failed: landing and build from `creditlake.pipeline.summary`, then what was published
    and delivered."""
    cfg = RunConfig.from_conf(conf)
    result = summary(cfg, run_id, files, build_result)
    published = published or []
    withheld = cfg.run_dir(run_id) / "withheld.csv"
    registry = configured_root(cfg.registry)
    result |= {
        "published": [
            {
                "dataset": p["dataset"],
                "version": p["version"],
                "rows": p["rows"],
                "withheld_rows": p.get("withheld_rows", 0),
                "s3_objects": len(p.get("s3_keys", [])),
            }
            for p in published
        ],
        "withheld_report": str(withheld) if withheld.exists() else None,
        "portal": next((p["portal"] for p in published if p.get("portal")), None),
        "feeds_registry": str(registry) if registry else None,
        "feeds": [_feed_line(d) for d in (feeds or {}).get("deliveries", [])],
        "audit_head": (feeds or {}).get("audit_head"),  # publish it: `audit verify --head` checks it
        "outlets": [o["uri"] for o in outlets(published, feeds)],
    }
    write_summary(cfg, run_id, result)
    return result
