"""
### credit_cycle — one cycle of the public credit information platform

Lands every agency extract found in the landing folder, gates it, builds the warehouse
under the run's jurisdiction profile, publishes what the public may see, and delivers the
authorised feeds to licensed credit service institutions.

| task | what it does |
|---|---|
| `discover` | lists the files in the landing folders (`penalties/`, ...) |
| `land` | one mapped task per file: decode, map headers, check rows; every row loaded, quarantined or excluded |
| `validate_raw` | Great Expectations suite per batch (a failing batch is not loaded); feedback reports to providers |
| `build` | `dbt build` on DuckDB with the run's `as_of` and profile |
| `prepare_open_data` | column policy (default deny) and Presidio desensitisation, into the prepared rows under staging |
| `validate_outputs` | the publish gate, row by row: a row with personal data is withheld and reported (`runs/<run>/withheld.csv`), the rest is written as the version's files (Parquet, CSV, metadata); a dataset with too many withheld rows is refused |
| `publish` | installs each version the gate passed under `open_root` (and S3), moves `latest`, regenerates the portal |
| `refusals` | after `publish`: fails the run when the gate refused a dataset (the others are published) |
| `deliver_feeds` | after `build`, beside the open-data branch: one signed snapshot or delta (upserts and withdrawals) per licence in force, under `feeds_root` (and S3); nothing without a registry |
| `summarise` | writes the run summary, whatever happened before, naming any stage that failed |
| `run_failed` | runs only when a task failed, and fails the run: the summary is a leaf that always succeeds, so without it a refused publication would end in a "successful" run |

Run it with `creditlake run --landing DIR --as-of YYYY-MM-DD --profile P --lake DIR
[--registry DIR]`, which passes these as the run's conf. The warehouse has one writer:
`max_active_runs=1`. `deliver_feeds` and the open-data branch only read it and do not wait
for each other: a refused publication still delivers feeds, a failed delivery still
publishes, and either fails the run.

**Scheduled, asset-aware** (`creditlake/schedule.py`): daily at `CREDITLAKE_SCHEDULE` (02:00) in
`CREDITLAKE_TIMEZONE` (Asia/Shanghai), and whenever the `agency_landing` asset is updated: an
agency (or the job syncing its exchange folder) writes a `_READY` file into the landing folder
when its upload is complete, and the asset's watcher (in Airflow's triggerer) consumes it and
starts a run. A run without a conf (scheduled, asset-triggered, backfilled) takes landing, lake,
profile and registry from the Airflow Variables `creditlake_<key>`, else `CREDITLAKE_<KEY>`, and
is as of its logical date. `publish` updates one asset per open dataset released
(`creditlake://open/<dataset>`), `deliver_feeds` one per licence delivered
(`creditlake://feeds/<licence>`), through asset aliases; the summary lists them (`outlets`).
Failed tasks and a cycle past its deadline alert the operators (`creditlake/alerts.py`).
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import (
    Asset,
    AssetAlias,
    AssetOrTimeSchedule,
    AssetWatcher,
    CronTriggerTimetable,
    Param,
    Variable,
    dag,
    get_current_context,
    task,
)

from creditlake import alerts, pipeline, schedule
from publishing import stages

DEFAULT_ARGS = {
    "owner": "creditlake-data-engineering",
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "on_failure_callback": alerts.failure_notifiers(),
}
OPEN_DATA, FEEDS = AssetAlias("creditlake_open_data"), AssetAlias("creditlake_feeds")
READY_MARKER = "_READY"


def landing_asset() -> Asset:
    """The agencies' landing location; watched (a `_READY` file, consumed) when it is a folder
    the environment names. An S3 landing has no watcher here: its runs are the schedule's."""
    folder = os.environ.get("CREDITLAKE_LANDING", "")
    watchers = []
    if folder and "://" not in folder:
        from airflow.providers.standard.triggers.file import DirectoryFileDeleteTrigger

        trigger = DirectoryFileDeleteTrigger(directory=folder, filename=READY_MARKER, poke_interval=30)
        watchers = [AssetWatcher(name="agency_ready_marker", trigger=trigger)]
    return Asset(name="agency_landing", uri="creditlake://landing", watchers=watchers)


def dag_schedule():
    """Daily, or when the landing asset is updated; without a cron, only the latter."""
    cron, zone = schedule.schedule()
    if cron is None:
        return [landing_asset()]
    return AssetOrTimeSchedule(timetable=CronTriggerTimetable(cron, timezone=zone), assets=[landing_asset()])


def _conf() -> dict:
    """The run's settings: its conf, else Variables and the environment (creditlake/schedule.py)."""
    context = get_current_context()
    run_date = context.get("logical_date") or context["dag_run"].run_after
    return schedule.resolve(context["params"], run_date, lambda key: Variable.get(key, default=None))


def _updated(outlet_events, alias: AssetAlias, updated: list[dict]) -> None:
    """An asset event per dataset or licence this task updated, through its alias; logged."""
    import logging

    for outlet in updated:
        uri = outlet["uri"]
        outlet_events[alias].add(
            Asset(name=uri.removeprefix("creditlake://").replace("/", "."), uri=uri), extra=outlet
        )
        logging.getLogger(__name__).info("updated asset %s: %s", uri, outlet)


def _run_id() -> str:
    return get_current_context()["run_id"]


def _stage(fn, *args):
    """Run a pipeline stage; a deliberate refusal fails the task at once, without retries.
    Either way the failure is recorded for the summary (an error is retried, and the
    summary keeps its last attempt's message)."""
    from airflow.sdk.exceptions import AirflowFailException

    try:
        result = fn(*args)
    except pipeline.StageFailed as err:
        pipeline.record_failure(_conf(), _run_id(), fn.__name__, str(err))
        raise AirflowFailException(str(err)) from err
    except Exception as err:
        pipeline.record_failure(_conf(), _run_id(), fn.__name__, f"{type(err).__name__}: {err}")
        raise
    pipeline.record_failure(_conf(), _run_id(), fn.__name__, None)  # a retry that succeeded
    return result


@task
def discover() -> list[dict]:
    return pipeline.discover(_conf())


@task(max_active_tis_per_dagrun=2)
def land(file: dict) -> dict:
    return pipeline.land(_conf(), file)


# none_failed: an empty landing folder maps no `land` task, and the cycle still builds
# (records expire as days pass) and publishes.
@task(trigger_rule="none_failed")
def validate_raw(landed: list[dict] | None) -> list[dict]:
    # One slice, not iteration: iterating the mapped results probes one past the end, and
    # Airflow logs that probe as an error ("XCom not found") in every run.
    return _stage(pipeline.validate_raw, _conf(), landed[:] if landed else [])


@task
def build() -> dict:
    return _stage(pipeline.build, _conf())


@task
def prepare_open_data() -> list[dict]:
    return _stage(stages.prepare_open_data, _conf(), _run_id())


@task
def validate_outputs(staged: list[dict]) -> list[dict]:
    return _stage(stages.validate_outputs, _conf(), staged)


@task(outlets=[OPEN_DATA])
def publish(verdicts: list[dict]) -> list[dict]:
    published = _stage(stages.publish, _conf(), verdicts)
    _updated(get_current_context()["outlet_events"], OPEN_DATA, stages.outlets(published, None))
    return published


@task
def refusals(verdicts: list[dict]) -> None:
    return _stage(stages.refusals, _conf(), verdicts)


@task(outlets=[FEEDS])
def deliver_feeds() -> dict:
    delivered = _stage(stages.deliver_feeds, _conf(), _run_id())
    _updated(get_current_context()["outlet_events"], FEEDS, stages.outlets(None, delivered))
    return delivered


@task(trigger_rule="all_done", retries=0)
def summarise(
    files: list[dict] | None, build_result: dict | None, published: list[dict] | None, feeds: dict | None
) -> dict:
    return stages.summarise(_conf(), _run_id(), files, build_result, published, feeds)


@task(trigger_rule="one_failed", retries=0)
def run_failed() -> None:
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException("a stage of this cycle failed: the run summary names it")


@dag(
    dag_id="credit_cycle",
    schedule=dag_schedule(),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,  # missed days are a backfill, on purpose (README "Operating it")
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    deadline=alerts.deadline(),
    doc_md=__doc__,
    tags=["creditlake"],
    params={
        "landing": Param(
            "",
            type="string",
            description="landing folder with penalties/, licenses/, ... (empty: the Variable or environment)",
        ),
        "lake": Param(
            "", type="string", description="lake folder the run writes (empty: the Variable or environment)"
        ),
        "as_of": Param(
            "", type="string", description="the run's 'today', YYYY-MM-DD (empty: its logical date)"
        ),
        "profile": Param(
            "",
            type="string",
            description="jurisdiction profile (empty: the Variable or environment, else national)",
        ),
        "summary": Param("", type="string", description="where to write the summary JSON (optional)"),
        "registry": Param(
            "",
            type=["null", "string"],
            description="feeds registry folder (optional; else CREDITLAKE_REGISTRY, else no feeds)",
        ),
    },
)
def credit_cycle():
    files = validate_raw(land.expand(file=discover()))
    built = build()
    staged = prepare_open_data()
    checked = validate_outputs(staged)
    published = publish(checked)
    refused = refusals(checked)
    delivered = deliver_feeds()
    files >> built >> staged
    built >> delivered  # feeds read the warehouse only; they do not wait for open data
    published >> refused
    summary = summarise(files, built, published, delivered)
    refused >> summary  # the summary names a refused dataset
    [files, built, staged, checked, published, refused, delivered, summary] >> run_failed()


credit_cycle()
