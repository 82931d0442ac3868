"""Python and SQL apply the same law: the publicity windows dbt computes for a large
generated set equal `creditlake.jurisdiction.publicity_window`'s, under every profile."""

import duckdb
import pytest

from creditlake import landing, warehouse
from creditlake.jurisdiction import load_profile, publicity_window
from creditlake.synthetic.raw_layer import RAW_PENALTIES

N = 20_000


@pytest.mark.parametrize("profile", ["national", "jl-draft", "city-2022", "hl-draft", "gd-draft", "hl-2022"])
def test_windows_agree(cfg, profile):
    from dataclasses import replace

    cfg = replace(cfg, profile=profile)
    landing.ensure_raw_schema(cfg)
    sql = RAW_PENALTIES.format(
        n=N
    ).replace(  # decisions spread over 2016-01 .. 2026-11 (before the first national version too), every month end included
        "cast(date '2026-11-21' - cast(i % 1100 as integer) as varchar)",
        "cast(date '2016-01-01' + cast((i * 7919) % 3980 as integer) as varchar)",
    )
    with duckdb.connect() as con:
        con.execute(f"copy ({sql}) to '{landing.raw_path(cfg, 'penalties', 'agree')}' (format parquet)")
    # the models the windows come from, without the marts and data tests (tests/law runs those)
    warehouse.export_working_days(cfg)
    proc = warehouse.dbt(cfg, "run", "--select", "+int_credit__records_conformed")
    assert proc.returncode == 0, proc.stdout[-3000:]
    with duckdb.connect(str(cfg.warehouse), read_only=True) as con:
        rows = con.execute(
            "select decision_date, nature_class, published_at_all, earliest_end, latest_end, earliest_repair_on "
            "from int_credit__records_conformed where dataset = 'penalties'"
        ).fetchall()
    assert len(rows) == N
    rules = load_profile(profile)
    mismatches = []
    for decided, nature, published, earliest, latest, repair in rows:
        w = publicity_window(rules, nature_class=nature, decision_date=decided)
        if (w.published, w.earliest_end, w.latest_end, w.earliest_repair) != (
            published,
            earliest,
            latest,
            repair,
        ):
            mismatches.append((decided, nature, (published, earliest, latest, repair), w))
    assert not mismatches[:5], f"{len(mismatches)} of {N} disagree"
