"""`sqlfluff lint` on the dbt project, with the vars `creditlake dbt` hands dbt.

The dbt templater renders every model as dbt does, so it needs the vars: `rules` comes only from
the jurisdiction profile's loader (dbt_project.yml holds no default, on purpose), which a
`.sqlfluff` file cannot express (its values are strings). This sets them on sqlfluff's config
from `creditlake.warehouse.dbt_vars`, for the national profile, and points the
profile at an in-memory DuckDB so that no warehouse or lake has to exist.

    python dbt_project/sqlfluff_lint.py [PATH ...]     (default: models, macros, tests)

Exit code 0 when clean, 1 on a violation, as `sqlfluff lint`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = ["dbt_project/models", "dbt_project/macros", "dbt_project/tests"]


def main(argv: list[str]) -> int:
    os.chdir(ROOT)  # .sqlfluff's project_dir is relative to the repository root
    with tempfile.TemporaryDirectory(prefix="creditlake-sqlfluff-") as folder:
        return _lint(Path(folder), argv)


def _lint(lake: Path, argv: list[str]) -> int:
    import logging

    from sqlfluff.core import FluffConfig, Linter
    from sqlfluff.core.config.loader import load_config_up_to_path

    from creditlake.settings import RunConfig
    from creditlake.warehouse import dbt_vars

    # compile only: sources' locations name the lake, the profile a warehouse; neither is read
    os.environ.setdefault("CREDITLAKE_LAKE", str(lake))
    os.environ.setdefault("CREDITLAKE_WAREHOUSE", ":memory:")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    cfg = RunConfig(landing=lake / "landing", lake=lake, as_of=date.today(), profile="national")
    # FluffConfig.set_value coerces values to scalars: the vars (nested) go into the loaded
    # mapping instead
    configs = load_config_up_to_path(str(ROOT))
    dbt_section = configs.setdefault("templater", {}).setdefault("dbt", {})
    dbt_section["context"] = dbt_vars(cfg)
    dbt_section["target_path"] = str(lake / "dbt_target")  # the repository's target/ stays untouched
    config = FluffConfig(configs=configs)
    # the dbt templater skips macro files (one warning each): they are linted as the models that
    # call them render
    logging.getLogger("sqlfluff.linter").setLevel(logging.ERROR)
    result = Linter(config=config).lint_paths(tuple(argv or PATHS), processes=2)
    problems = 0
    for record in result.as_records():
        for v in record["violations"]:
            problems += 1
            print(
                f"{record['filepath']}:{v['start_line_no']}:{v['start_line_pos']}: {v['code']} {v['description']}"
            )
    files = len(result.as_records())
    print(f"sqlfluff: {files} files, {problems} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
