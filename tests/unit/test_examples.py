"""The example files the README documents land cleanly: the documentation is not stale."""

from creditlake import landing
from creditlake.settings import PROJECT_ROOT, RunConfig
from tests.conftest import AS_OF


def test_every_documented_example_lands_without_refusals(tmp_path):
    cfg = RunConfig(landing=PROJECT_ROOT / "examples" / "landing", lake=tmp_path, as_of=AS_OF)
    found = landing.discover(cfg)
    assert {f["dataset"] for f in found} >= {
        "repairs",
        "revocations",
        "objections",
        "subject_requests",
        "credit_commitments",
        "serious_determinations",
    }
    for f in found:
        result = landing.land_file(cfg, f["path"], f["dataset"])
        assert (result["status"], result["quarantined"]) == ("landed", 0), result
        assert result["loaded"] == result["rows_in"] > 0
