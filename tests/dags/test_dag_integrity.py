"""Every DAG imports, has no cycles, documents itself, and keeps heavy imports out of parse time."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from creditlake.runner import airflow_env
from creditlake.settings import DAGS_DIR

HEAVY = [
    "duckdb",
    "pandas",
    "numpy",
    "pyarrow",
    "great_expectations",
    "presidio_analyzer",
    "presidio_anonymizer",
    "spacy",
    "dbt",
    "fastparquet",
    "boto3",
]
DAG_FILES = sorted(DAGS_DIR.glob("*.py"))

_PROBE = r"""
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
heavy = [m for m in json.loads(sys.argv[2]) if m in sys.modules]
out = {"errors": {k: str(v) for k, v in bag.import_errors.items()}, "heavy": heavy, "dags": {}}
for dag_id, dag in bag.dags.items():
    out["dags"][dag_id] = {
        "doc_md": bool(dag.doc_md and dag.doc_md.strip()),
        "owners": sorted({t.owner for t in dag.tasks}),
        "retries": {t.task_id: t.retries for t in dag.tasks},
        "max_active_runs": dag.max_active_runs,
        "tasks": sorted(t.task_id for t in dag.tasks),
        "edges": sorted([t.task_id, d] for t in dag.tasks for d in t.downstream_task_ids),
    }
print("RESULT" + json.dumps(out))
"""


def probe(script: str, *args: str, env: dict | None = None) -> dict:
    """What `script` prints after RESULT, run in a child process with the project's Airflow
    settings (and `env`), as the dag-processor would parse the DAGs."""
    proc = subprocess.run(
        [sys.executable, "-c", script, str(DAGS_DIR), *args],
        env=airflow_env() | (env or {}),
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT")), None)
    assert line, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(line[len("RESULT") :])


@pytest.fixture(scope="module")
def bag():
    return probe(_PROBE, json.dumps(HEAVY))


def test_every_dag_imports(bag):
    # a DAG with a cycle is not imported: Airflow reports it here (DagBag checks each DAG)
    assert bag["errors"] == {}
    assert "credit_cycle" in bag["dags"]


def test_no_heavy_imports_at_parse_time(bag):
    assert bag["heavy"] == []


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_no_heavy_module_level_imports_in_source(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in top if isinstance(n, ast.ImportFrom) and n.module]
    assert not [n for n in names if n.split(".")[0] in HEAVY]


def test_dags_are_documented_owned_and_retried(bag):
    for dag_id, dag in bag["dags"].items():
        assert dag["doc_md"], dag_id
        assert dag["owners"] and "airflow" not in dag["owners"], dag_id
        # every task retries, except the summary, which must report what happened, once
        assert {t for t, r in dag["retries"].items() if r < 1} <= {"summarise", "run_failed"}, dag_id


def test_credit_cycle_stage_order(bag):
    """land -> validate raw -> dbt build -> validate outputs -> publish; warehouse has one writer."""
    dag = bag["dags"]["credit_cycle"]
    edges = {tuple(e) for e in dag["edges"]}
    for edge in [
        ("discover", "land"),
        ("land", "validate_raw"),
        ("validate_raw", "build"),
        ("build", "prepare_open_data"),
        ("prepare_open_data", "validate_outputs"),
        ("validate_outputs", "publish"),
        ("publish", "summarise"),
        # a refused dataset fails the run after the others are published, and the summary says so
        ("publish", "refusals"),
        ("validate_outputs", "refusals"),
        ("refusals", "summarise"),
    ]:
        assert edge in edges
    # a failed stage fails the run, though the summary (a leaf) always succeeds
    assert {u for u, d in edges if d == "run_failed"} >= {
        "validate_outputs",
        "publish",
        "refusals",
        "deliver_feeds",
        "summarise",
    }
    assert dag["max_active_runs"] == 1


def test_feeds_are_delivered_after_the_build_beside_open_data(bag):
    """deliver_feeds needs the built warehouse, and neither it nor the open-data branch waits for
    the other: a refused publication must not hold back the institutions' feeds, nor the reverse."""
    edges = {tuple(e) for e in bag["dags"]["credit_cycle"]["edges"]}
    assert {
        ("build", "deliver_feeds"),
        ("deliver_feeds", "summarise"),
        ("deliver_feeds", "run_failed"),
    } <= edges

    def ancestors(task):
        found, todo = set(), [task]
        while todo:
            current = todo.pop()
            for upstream in [u for u, d in edges if d == current]:
                if upstream not in found:
                    found.add(upstream)
                    todo.append(upstream)
        return found

    open_data = {"prepare_open_data", "validate_outputs", "publish", "refusals"}
    assert ancestors("deliver_feeds") == {"discover", "land", "validate_raw", "build"}
    assert all("deliver_feeds" not in ancestors(task) for task in open_data)


_SCHEDULE_PROBE = r"""
import json, sys
from airflow.dag_processing.dagbag import DagBag
dag = DagBag(dag_folder=sys.argv[1]).dags["credit_cycle"]
timetable = dag.timetable
assets = getattr(timetable, "asset_condition", None)
landing = next(iter(assets.objects)) if assets else None
print("RESULT" + json.dumps({
    "cron": getattr(getattr(timetable, "timetable", None), "expression", None),
    "timezone": str(getattr(getattr(timetable, "timetable", None), "timezone", "")) or None,
    "landing": landing.uri if landing else None,
    "watched": [w.trigger.directory for w in landing.watchers] if landing else [],
    "outlets": {t.task_id: [o.name for o in t.outlets] for t in dag.tasks if t.outlets},
    "deadline_minutes": [d.interval.total_seconds() / 60 for d in dag.deadline or []],
    "on_failure": sorted({type(c).__name__ for t in dag.tasks for c in (t.on_failure_callback or [])}),
}))
"""


def parsed_with(env: dict) -> dict:
    return probe(_SCHEDULE_PROBE, env=env)


def test_the_cycle_is_scheduled_daily_watches_its_landing_updates_assets_and_alerts(tmp_path):
    """Daily at 02:00 in Asia/Shanghai, or when an agency's `_READY` marker lands; publish and
    deliver_feeds update assets through aliases; failures and a late cycle alert the operators.
    Each of these follows the environment, as the platform's operators configure it."""
    dag = parsed_with(
        {
            "CREDITLAKE_LANDING": str(tmp_path),
            "CREDITLAKE_ALERT_WEBHOOK": "http://127.0.0.1:9/hook",
            "CREDITLAKE_CYCLE_DEADLINE_MINUTES": "240",
        }
    )
    assert (dag["cron"], dag["timezone"]) == ("0 2 * * *", "Asia/Shanghai")
    assert dag["landing"] == "creditlake://landing/" and dag["watched"] == [str(tmp_path)]
    assert dag["outlets"] == {"publish": ["creditlake_open_data"], "deliver_feeds": ["creditlake_feeds"]}
    assert dag["deadline_minutes"] == [240.0] and dag["on_failure"] == ["WebhookNotifier"]
    other = parsed_with({"CREDITLAKE_SCHEDULE": "30 1 * * 1-5", "CREDITLAKE_LANDING": "s3://agencies/in"})
    assert other["cron"] == "30 1 * * 1-5" and other["watched"] == []  # S3: the schedule's runs only
    assert other["deadline_minutes"] == [] and other["on_failure"] == []  # `creditlake run` sets none
    only_files = parsed_with({"CREDITLAKE_SCHEDULE": "none", "CREDITLAKE_LANDING": str(tmp_path)})
    assert only_files["cron"] is None and only_files["watched"] == [str(tmp_path)]
