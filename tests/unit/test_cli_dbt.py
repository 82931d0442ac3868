"""`creditlake dbt`: dbt on its own, with the lake, the profile's rules and the date the pipeline
would give it, called as an engineer types it."""

import json
import re
import subprocess
import sys
from pathlib import Path

CREDITLAKE = str(Path(sys.executable).parent / "creditlake")


def creditlake(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CREDITLAKE, *args], capture_output=True, text=True, check=False, timeout=120)


def test_dbt_lists_a_selection_of_models_under_the_profile_rules(tmp_path):
    lake = tmp_path / "lake"
    proc = creditlake(
        "dbt",
        "--lake",
        str(lake),
        "--profile",
        "hl-2022",
        "--as-of",
        "2026-11-22",
        "--",
        "ls",
        "--resource-type",
        "model",
        "--select",
        "int_credit__records_as_of+",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    models = {line.rsplit(".", 1)[-1] for line in proc.stdout.splitlines() if line.startswith("creditlake.")}
    assert {"int_credit__records_as_of", "fct_shareable_records", "fct_withdrawals"} <= models
    assert "stg_landing__penalties" not in models  # upstream of the selection
    # dbt wrote its state under the lake, not the repository
    manifest = json.loads((lake / "warehouse" / "dbt_target" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metadata"]["project_name"] == "creditlake"
    assert (lake / "warehouse" / "dbt_target" / "logs").is_dir()


def test_dbt_compiles_with_the_profile_s_rules_and_the_date_given(tmp_path):
    """`--profile` and `--as-of` reach the SQL: each profile's articles on the deadlines, and the day."""
    compiled = {}
    for profile, day in (("hl-2022", "2026-11-22"), ("jl-draft", "2026-12-01")):
        lake = tmp_path / profile
        proc = creditlake(
            "dbt",
            "--lake",
            str(lake),
            "--profile",
            profile,
            "--as-of",
            day,
            "--",
            "compile",
            "--select",
            "fct_deadlines",
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        (sql,) = (lake / "warehouse" / "dbt_target" / "compiled").rglob("fct_deadlines.sql")
        compiled[profile] = re.sub(
            r"--[^\n]*", "", sql.read_text(encoding="utf-8")
        )  # the SQL, not its comments
    # each profile's own article for deciding an objection on a listing, or on any record
    assert "hl-2022 Art 35" in compiled["hl-2022"] and "hl-2022 Art 35" not in compiled["jl-draft"]
    assert "jl-draft Art 36" in compiled["jl-draft"] and "jl-draft Art 36" not in compiled["hl-2022"]
    assert "'2026-11-22'" in compiled["hl-2022"] and "'2026-12-01'" in compiled["jl-draft"]
    assert "'2026-12-01'" not in compiled["hl-2022"]


def test_dbt_refuses_what_it_cannot_run_and_says_why(tmp_path):
    lake = str(tmp_path / "lake")
    nothing = creditlake("dbt", "--lake", lake)
    assert nothing.returncode == 2 and "after --" in nothing.stderr
    bad_profile = creditlake("dbt", "--lake", lake, "--profile", "no-such-law", "--", "ls")
    assert bad_profile.returncode == 2 and "no-such-law" in bad_profile.stderr


def test_dbt_debug_checks_the_lake_s_connection(tmp_path):
    """dbt's target folder is handed over as a variable, so even `dbt debug` runs on the lake."""
    debug = creditlake("dbt", "--lake", str(tmp_path / "lake"), "--", "debug")
    assert debug.returncode == 0 and "All checks passed" in debug.stdout
    assert (tmp_path / "lake" / "warehouse" / "dbt_target" / "logs").is_dir()


def test_dbt_passes_on_dbt_s_own_failure(tmp_path):
    """An empty lake has no landed data: the build fails, and so does the command."""
    proc = creditlake(
        "dbt", "--lake", str(tmp_path / "lake"), "--", "run", "--select", "stg_landing__penalties"
    )
    assert proc.returncode != 0
    assert (tmp_path / "lake" / "reference" / "working_days.parquet").is_file()  # as `build` exports it
