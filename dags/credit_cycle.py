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
| `prepare_open_data` | column policy (default deny) and Presidio desensitisation, into staging |
| `validate_outputs` | the publish gate, row by row: a row with personal data is withheld and reported (`runs/<run>/withheld.csv`), the rest passes; a dataset with too many withheld rows is refused |
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
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from creditlake import pipeline
from publishing import stages

DEFAULT_ARGS = {
    "owner": "creditlake-data-engineering",
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
}


def _conf() -> dict:
    return dict(get_current_context()["params"])


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


@task
def publish(verdicts: list[dict]) -> list[dict]:
    return _stage(stages.publish, _conf(), verdicts)


@task
def refusals(verdicts: list[dict]) -> None:
    return _stage(stages.refusals, _conf(), verdicts)


@task
def deliver_feeds() -> dict:
    return _stage(stages.deliver_feeds, _conf(), _run_id())


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
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["creditlake"],
    params={
        "landing": Param("", type="string", description="landing folder with penalties/, licenses/, ..."),
        "lake": Param("", type="string", description="lake folder the run writes"),
        "as_of": Param("", type="string", description="the run's 'today', YYYY-MM-DD"),
        "profile": Param("national", type="string", description="jurisdiction profile"),
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
