"""Where a run without a conf finds its settings, and when the cycle is scheduled."""

from datetime import UTC, datetime

import pytest

from creditlake import schedule

ENV = {"CREDITLAKE_LANDING": "/srv/landing", "CREDITLAKE_LAKE": "/srv/lake", "CREDITLAKE_PROFILE": "national"}
EMPTY = {"landing": "", "lake": "", "as_of": "", "profile": "", "registry": None, "summary": ""}


def test_a_scheduled_run_reads_variables_before_the_environment_and_is_as_of_its_logical_day_in_china():
    variables = {"creditlake_profile": "hl-2022", "creditlake_registry": "/srv/registry"}
    conf = schedule.resolve(EMPTY, datetime(2026, 11, 22, 18, 0, tzinfo=UTC), variables.get, ENV)
    assert conf["landing"] == "/srv/landing" and conf["lake"] == "/srv/lake"
    assert (conf["profile"], conf["registry"]) == ("hl-2022", "/srv/registry")
    assert conf["as_of"] == "2026-11-23"  # 02:00 the next day in Asia/Shanghai
    utc = schedule.resolve(
        EMPTY, datetime(2026, 11, 22, 18, 0, tzinfo=UTC), variables.get, ENV | {"CREDITLAKE_TIMEZONE": "UTC"}
    )
    assert utc["as_of"] == "2026-11-22"


def test_the_runs_conf_wins_and_the_profile_defaults_to_national():
    given = EMPTY | {"landing": "/tmp/in", "as_of": "2026-01-05", "profile": "jl-draft"}
    conf = schedule.resolve(
        given, datetime(2026, 11, 22, tzinfo=UTC), {"creditlake_profile": "hl-2022"}.get, ENV
    )
    assert (conf["landing"], conf["as_of"], conf["profile"]) == ("/tmp/in", "2026-01-05", "jl-draft")
    bare = schedule.resolve(
        EMPTY, datetime(2026, 11, 22, tzinfo=UTC), {}.get, {"CREDITLAKE_LANDING": "a", "CREDITLAKE_LAKE": "b"}
    )
    assert bare["profile"] == "national"


def test_a_run_with_nowhere_to_land_says_where_to_set_it():
    with pytest.raises(ValueError, match="creditlake_lake or the environment's CREDITLAKE_LAKE"):
        schedule.resolve(
            EMPTY, datetime(2026, 11, 22, tzinfo=UTC), {}.get, {"CREDITLAKE_LANDING": "/srv/landing"}
        )


def test_the_schedule_is_daily_at_two_in_shanghai_unless_configured():
    assert schedule.schedule({}) == ("0 2 * * *", "Asia/Shanghai")
    assert schedule.schedule(
        {"CREDITLAKE_SCHEDULE": "30 1 * * 1-5", "CREDITLAKE_TIMEZONE": "Asia/Urumqi"}
    ) == (
        "30 1 * * 1-5",
        "Asia/Urumqi",
    )
    assert schedule.schedule({"CREDITLAKE_SCHEDULE": "none"})[0] is None
