"""dbt's unit tests (the models' logic on inputs fixed in the project) run here, in CI; a
production build leaves them out (`creditlake.warehouse.build`): no day's data can change
their outcome."""

import json

import yaml

from creditlake import warehouse
from creditlake.settings import DBT_PROJECT_DIR


def _declared() -> set[str]:
    return {
        test["name"]
        for path in (DBT_PROJECT_DIR / "models").rglob("*.yml")
        for test in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("unit_tests", [])
    }


def test_every_unit_test_the_project_declares_runs_and_passes(built):
    declared = _declared()
    assert declared, "the project declares no unit test"
    result = warehouse.unit_tests(built)
    assert result.success, result.failures
    ran = json.loads((built.dbt_target / "run_results.json").read_text(encoding="utf-8"))["results"]
    assert {r["unique_id"].rsplit(".", 1)[-1] for r in ran} == declared
    assert all(r["status"] == "pass" for r in ran)


def test_a_build_runs_the_data_tests_and_no_unit_test(built):
    result = warehouse.build(built)
    assert result.success, result.failures
    ran = json.loads((built.dbt_target / "run_results.json").read_text(encoding="utf-8"))["results"]
    kinds = {r["unique_id"].split(".")[0] for r in ran}
    assert "test" in kinds and "model" in kinds
    assert "unit_test" not in kinds
