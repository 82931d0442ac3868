"""The Great Expectations suites in expectations/: well-formed, and runnable the way the gate runs them."""

import json

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from creditlake import gate, landing
from creditlake.settings import EXPECTATIONS_DIR

RAW_SUITES = sorted(p.stem for p in EXPECTATIONS_DIR.glob("raw_*.json"))


def test_every_landed_dataset_has_a_raw_suite():
    assert RAW_SUITES == sorted(f"raw_{d}" for d in landing.datasets())


@pytest.mark.parametrize("name", RAW_SUITES)
def test_raw_suites_read_only_landed_columns_and_use_arrow_regexes(name):
    """The raw gate reads batches as Arrow strings, so its regexes run in Arrow's RE2 engine,
    which has no lookarounds: a Python-only pattern would fail every batch."""
    dataset = name.removeprefix("raw_")
    assert set(gate.suite_columns(name)) <= set(landing.layout(dataset)["raw_columns"])
    for exp in json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8"))["expectations"]:
        if "regex" in exp["kwargs"]:
            pc.match_substring_regex(pa.array(["x"]), exp["kwargs"]["regex"])  # raises if RE2 refuses it


def test_the_gate_reports_a_failing_value_from_an_arrow_frame(tmp_path):
    from datetime import date

    import pyarrow.parquet as pq

    from creditlake.settings import RunConfig

    columns = gate.suite_columns("raw_penalties")
    good = {
        "CF_WSH": "长市监罚〔2026〕1号",
        "_decision_date": "2026-03-02",
        "_subject_key": "91220104MA0Y123404",
        "_subject_type": "organisation",
    }
    rows = [good | {"CF_WSH": f"长市监罚〔2026〕{i}号", "_subject_key": f"x:{i}"} for i in range(50)]
    rows.append(good | {"_subject_key": "91220104MA0Y12340"})  # 17 characters: no key shape
    pq.write_table(pa.table({c: [r[c] for r in rows] for c in columns}), tmp_path / "b.parquet")
    cfg = RunConfig(landing=tmp_path, lake=tmp_path / "lake", as_of=date(2026, 11, 22))

    result = gate.run_suite(
        cfg, "raw_penalties", gate.read_for_suite([tmp_path / "b.parquet"], "raw_penalties"), "b"
    )
    assert not result.success
    assert result.failures == [
        "expect_column_values_to_match_regex on _subject_key: 1 unexpected, e.g. ['91220104MA0Y12340']"
    ]
