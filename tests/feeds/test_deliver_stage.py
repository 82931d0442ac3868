"""The DAG's `deliver_feeds` stage and what the run summary and `creditlake run` show of it."""

from dataclasses import replace

import pytest

from creditlake.cli import render_summary
from creditlake.pipeline import StageFailed
from publishing import stages
from tests.feeds.conftest import LIC_A, LIC_B, LIC_C, A, C, base_records, withdrawal


def conf(lake, registry=None) -> dict:
    return replace(lake.cfg(), registry=registry).to_conf()


def summary_of(run_conf: dict, feeds: dict | None) -> dict:
    return stages.summarise(run_conf, "run-1", [], {"models": 1, "tests": 1}, [], feeds)


def test_without_a_registry_nothing_is_delivered_and_the_summary_says_so(lake):
    lake.warehouse(base_records())
    result = stages.deliver_feeds(conf(lake), "run-1")
    assert result["deliveries"] == [] and "no registry configured" in result["why"]
    assert not lake.cfg().feeds_root.exists() or not any(lake.cfg().feeds_root.iterdir())
    summary = summary_of(conf(lake), result)
    assert summary["feeds"] == [] and summary["feeds_registry"] is None
    assert "delivered  no feeds: no registry configured" in render_summary(summary)


def test_the_registry_of_the_run_gets_one_delivery_per_licence_in_the_summary(lake):
    lake.warehouse(base_records())
    run_conf = conf(lake, lake.registry_root)
    result = stages.deliver_feeds(run_conf, "run-1")
    assert result["registry"] == str(lake.registry_root)
    summary = summary_of(run_conf, result)
    assert summary["feeds_registry"] == str(lake.registry_root)
    feeds = {f["licence"]: f for f in summary["feeds"]}
    assert (
        feeds[LIC_A]["institution"],
        feeds[LIC_A]["status"],
        feeds[LIC_A]["delivery_id"],
        feeds[LIC_A]["kind"],
        feeds[LIC_A]["rows"],
        feeds[LIC_A]["withdrawals"],
    ) == (A, "delivered", "000001-2026-11-22", "snapshot", 7, 0)
    assert feeds[LIC_A]["manifest"].endswith(f"{A}/{LIC_A}/000001-2026-11-22/manifest.json")
    assert feeds[LIC_B]["rows"] == 4 and feeds[LIC_B]["mode"] == "pull"
    assert (feeds[LIC_C]["status"], feeds[LIC_C]["why"]) == ("refused", f"institution {C} is suspended")

    text = render_summary(summary)
    lines = [line for line in text.splitlines() if line.startswith("delivered  ")]
    assert lines == [
        f"delivered  {LIC_A} to {A}: 000001-2026-11-22 snapshot, 7 rows, 0 withdrawals (7 held)",
        f"delivered  {LIC_B} to 911101053MPWH2JD1Q: 000001-2026-11-22 snapshot, 4 rows, 0 withdrawals (4 held)",
        f"delivered  nothing: {LIC_C} to {C}: institution {C} is suspended",
    ]

    # the next run on a later day: a delta that says what to take down (city-2022 Art 47)
    records = [r for r in base_records() if r["record_id"] != "pen-org-1"]
    lake.warehouse(records, [withdrawal(base_records()[0], "repaired", "2026-11-28")])
    later = replace(lake.cfg(as_of=lake.cfg().as_of.replace(day=29)), registry=lake.registry_root).to_conf()
    second = summary_of(later, stages.deliver_feeds(later, "run-2"))
    feeds = {f["licence"]: f for f in second["feeds"]}
    assert (
        feeds[LIC_A]["delivery_id"],
        feeds[LIC_A]["kind"],
        feeds[LIC_A]["rows"],
        feeds[LIC_A]["withdrawals"],
    ) == ("000002-2026-11-29", "delta", 0, 1)
    assert (
        f"delivered  {LIC_A} to {A}: 000002-2026-11-29 delta, 0 rows, 1 withdrawals (6 held)"
        in render_summary(second)
    )

    # the same day again: nothing rewritten, and the summary says so
    again = summary_of(later, stages.deliver_feeds(later, "run-2-again"))
    assert f"delivered  nothing new: {LIC_A} to {A}: still 000002-2026-11-29 (6 held)" in render_summary(
        again
    )


def test_the_registry_may_come_from_the_environment(lake, monkeypatch):
    lake.warehouse(base_records())
    monkeypatch.setenv("CREDITLAKE_REGISTRY", str(lake.registry_root))
    result = stages.deliver_feeds(conf(lake), "run-1")
    assert {d["licence"]: d["status"] for d in result["deliveries"]} == {
        LIC_A: "delivered",
        LIC_B: "delivered",
        LIC_C: "refused",
    }


def test_an_invalid_registry_or_a_missing_warehouse_refuses_the_stage(lake):
    lake.edit("authorisations.yml", "authorisations", {"id": "AUTH-2026-0001"}, expires_on=None)
    with pytest.raises(StageFailed, match="expires_on: required .* 'once for life'"):
        stages.deliver_feeds(conf(lake, lake.registry_root), "run-1")
    lake.edit("authorisations.yml", "authorisations", {"id": "AUTH-2026-0001"}, expires_on="2027-05-31")
    with pytest.raises(StageFailed, match="no warehouse"):
        stages.deliver_feeds(conf(lake, lake.registry_root), "run-1")
