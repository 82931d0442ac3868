"""The raw gate: a batch that fails its Great Expectations suite is not loaded, with a clear reason."""

import json

import pyarrow.parquet as pq

from creditlake import landing, pipeline
from tests.unit.test_landing import GOOD, land, write_csv


def test_a_failing_batch_stays_out_of_the_raw_layer(cfg):
    result = land(
        cfg, write_csv(cfg.landing / "penalties" / "a.csv", [GOOD, GOOD | {"行政处罚决定书文号": "X2"}])
    )
    pending = landing.pending_path(cfg, "penalties", result["batch_id"])
    # a loader bug the row checks did not catch: a subject type outside the code list
    table = pq.read_table(pending)
    table = table.set_column(
        table.schema.get_field_index("_subject_type"), "_subject_type", [["organisation", "company"]]
    )
    pq.write_table(table, pending)

    (gated,) = pipeline.validate_raw(cfg.to_conf(), [result])
    assert gated["status"] == "gate_failed"
    assert (gated["loaded"], gated["quarantined"]) == (0, 2) and gated["rows_in"] == 2
    assert "expect_column_values_to_be_in_set on _subject_type" in gated["reason"]
    assert not landing.raw_path(cfg, "penalties", result["batch_id"]).exists()
    assert list((cfg.quarantine_root / "penalties").glob("*.gate_failed.parquet"))
    report = pipeline._quarantine_report(cfg, [gated])  # the run's quarantine report lists the batch whole
    assert report[["row", "natural_key", "reason_code"]].values.tolist() == [
        [2, GOOD["行政处罚决定书文号"], "file_gate_failed"],
        [3, "X2", "file_gate_failed"],
    ]
    # and its provider is told, row by row, in the feedback report
    (doc,) = [json.loads(open(p, encoding="utf-8").read()) for p in gated["feedback"] if p.endswith(".json")]
    assert doc["batch_refused"].startswith("file_gate_failed") and len(doc["rows"]) == 2
    assert {r["reason_code"] for r in doc["rows"]} == {"file_gate_failed"}
    kept = json.loads(open(gated["gate"]["result_path"], encoding="utf-8").read())
    assert kept["success"] is False
    assert (cfg.reports_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").exists()


def test_a_passing_batch_is_promoted_and_recorded(cfg):
    result = land(cfg, write_csv(cfg.landing / "penalties" / "a.csv", [GOOD]))
    (gated,) = pipeline.validate_raw(cfg.to_conf(), [result])
    assert gated["status"] == "landed" and gated["gate"]["success"]
    assert landing.raw_path(cfg, "penalties", result["batch_id"]).exists()
    assert result["sha256"] in landing.read_ledger(cfg)


def test_a_batch_that_puts_every_row_on_one_subject_is_stopped(cfg):
    """The kind of error row checks cannot see: each row is valid, the batch is not."""
    rows = [GOOD | {"行政处罚决定书文号": f"长市监罚〔2026〕{i}号"} for i in range(2_000)]
    (gated,) = pipeline.validate_raw(
        cfg.to_conf(), [land(cfg, write_csv(cfg.landing / "penalties" / "a.csv", rows))]
    )
    assert gated["status"] == "gate_failed" and gated["loaded"] == 0
    assert "expect_column_proportion_of_unique_values_to_be_between on _subject_key" in gated["reason"]


def test_a_large_batch_written_in_two_files_is_gated_and_promoted_whole(cfg, monkeypatch):
    monkeypatch.setattr(landing, "PART_ROWS", 3)
    rows = [GOOD | {"行政处罚决定书文号": f"长市监罚〔2026〕{i}号"} for i in range(7)]
    result = land(cfg, write_csv(cfg.landing / "penalties" / "a.csv", rows))
    assert len(landing.batch_parts(landing.pending_path(cfg, "penalties", result["batch_id"]))) == 2
    (gated,) = pipeline.validate_raw(cfg.to_conf(), [result])
    parts = landing.batch_parts(landing.raw_path(cfg, "penalties", result["batch_id"]))
    assert gated["status"] == "landed" and len(parts) == 2
    assert [
        r for p in parts for r in pq.read_table(p, columns=["_source_row"]).column(0).to_pylist()
    ] == list(range(2, 9))
    assert not list((cfg.raw_root / "_pending").rglob("*.parquet"))


GATE_IN_A_FRESH_PROCESS = """
import sys
from pathlib import Path
from creditlake import pipeline
from creditlake.settings import RunConfig
from tests.unit.test_landing import GOOD, land, write_csv

cfg = RunConfig(landing=Path(sys.argv[1]) / "landing", lake=Path(sys.argv[1]) / "lake", as_of=__import__("datetime").date(2026, 11, 22))
(gated,) = pipeline.validate_raw(cfg.to_conf(), [land(cfg, write_csv(cfg.landing / "penalties" / "a.csv", [GOOD]))])
assert gated["status"] == "landed" and gated["gate"]["success"], gated
loaded = sorted(m for m in sys.modules if m.startswith(("scipy.stats.", "altair.")))
assert not loaded, loaded

from scipy.stats import entropy
import altair
assert round(float(entropy([0.5, 0.5], [0.9, 0.1])), 3) == 0.511 and altair.Chart.__name__ == "Chart"
"""


def test_gating_loads_neither_scipy_stats_nor_altair_and_both_still_work(tmp_path):
    """GX imports them at module level for an expectation no suite uses (creditlake/gate.py
    defers them): a gating process does not pay for them, and code that uses them gets them."""
    import subprocess
    import sys

    from creditlake.settings import PROJECT_ROOT

    subprocess.run(
        [sys.executable, "-c", GATE_IN_A_FRESH_PROCESS, str(tmp_path)], cwd=PROJECT_ROOT, check=True
    )


A_TASK_FORKED_FROM_A_PRELOADED_WORKER = """
import os, sys
from datetime import date
from pathlib import Path

import creditlake.preload  # what a worker imports once (infra/airflow/creditlake_celery_config.py)
from creditlake import pipeline
from creditlake.settings import RunConfig
from tests.unit.test_landing import GOOD, write_csv

cfg = RunConfig(landing=Path(sys.argv[1]) / "landing", lake=Path(sys.argv[1]) / "lake", as_of=date(2026, 11, 22))
path = write_csv(cfg.landing / "penalties" / "a.csv", [GOOD, GOOD | {"行政处罚决定书文号": "X2"}])
assert not any(m.startswith(("scipy.stats.", "altair.")) for m in sys.modules)

pid = os.fork()  # what Airflow's supervisor does to start a task on Linux
if pid == 0:
    before = set(sys.modules)
    landed = pipeline.land(cfg.to_conf(), {"path": str(path), "dataset": "penalties"})
    (gated,) = pipeline.validate_raw(cfg.to_conf(), [landed])
    heavy = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in sys.argv[2].split(","))
    ok = gated["status"] == "landed" and gated["gate"]["success"] and gated["loaded"] == 2 and not heavy
    print(gated["status"], gated["loaded"], "imported by the task:", heavy, file=sys.stderr)
    os._exit(0 if ok else 1)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def test_a_task_forked_from_a_preloaded_worker_lands_and_gates_without_importing_a_library(tmp_path):
    """Production workers import `creditlake.preload` once; the tasks forked from them then
    start with Great Expectations and the landing libraries loaded, and still work after the fork."""
    import subprocess
    import sys

    from creditlake.settings import PROJECT_ROOT

    heavy = "great_expectations,pandas,pyarrow,numpy,duckdb,sqlalchemy,pydantic,marshmallow,jinja2,yaml,scipy,altair"
    proc = subprocess.run(
        [sys.executable, "-c", A_TASK_FORKED_FROM_A_PRELOADED_WORKER, str(tmp_path), heavy],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "landed 2 imported by the task: []" in proc.stderr
