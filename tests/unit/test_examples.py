"""The example files the README documents land cleanly: the documentation is not stale."""

from pathlib import Path

from creditlake import landing
from creditlake.settings import PROJECT_ROOT, RunConfig
from tests.conftest import AS_OF


def test_every_documented_example_lands_without_refusals(tmp_path, monkeypatch):
    # the provider's own column names land through the example column map
    monkeypatch.setenv("CREDITLAKE_COLUMN_MAPS", str(PROJECT_ROOT / "examples" / "column_maps"))
    cfg = RunConfig(landing=PROJECT_ROOT / "examples" / "landing", lake=tmp_path, as_of=AS_OF)
    found = landing.discover(cfg)
    shapes = {Path(f["path"]).suffix for f in found if f["dataset"] == "penalties"}
    assert shapes == {".csv", ".txt", ".xlsx", ".xls", ".json", ".zip"}  # every export shape
    assert {f["dataset"] for f in found} >= {
        "repairs",
        "revocations",
        "objections",
        "subject_requests",
        "credit_commitments",
        "serious_determinations",
    }
    for f in found:
        result = landing.land_file(cfg, f["path"], f["dataset"], f.get("member"))
        assert (result["status"], result["quarantined"]) == ("landed", 0), result
        assert result["loaded"] == result["rows_in"] > 0
