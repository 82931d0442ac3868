"""When `credit_cycle` runs, and where a run without a conf finds its settings.

A run started by `creditlake run` or by hand carries its settings in its conf. A scheduled run,
a backfill's runs and a run an agency's file started carry none: each setting then comes from
the Airflow Variable `creditlake_<key>`, else the environment's `CREDITLAKE_<KEY>` (the same
names `creditlake run` reads), and the run's date is its logical date in the platform's time
zone (an asset-triggered run has none: the day it was queued for). A conf value always wins.

    CREDITLAKE_SCHEDULE   cron of the daily run, in CREDITLAKE_TIMEZONE; "none": runs only when
                          the landing asset is updated (platform policy: 02:00, after agencies'
                          overnight exports and before offices open)
    CREDITLAKE_TIMEZONE   Asia/Shanghai (China Standard Time, the agencies' calendar)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

KEYS = ("landing", "lake", "profile", "registry", "summary")
DEFAULT_SCHEDULE, DEFAULT_TIMEZONE = "0 2 * * *", "Asia/Shanghai"


def schedule(env: Mapping[str, str] = os.environ) -> tuple[str | None, str]:
    """(cron or None, time zone) of the daily run."""
    cron = env.get("CREDITLAKE_SCHEDULE", DEFAULT_SCHEDULE).strip()
    return (None if cron.lower() in ("", "none") else cron), env.get("CREDITLAKE_TIMEZONE", DEFAULT_TIMEZONE)


def resolve(
    params: Mapping[str, str | None],
    run_date: datetime,
    variable: Callable[[str], str | None],
    env: Mapping[str, str] = os.environ,
) -> dict:
    """The run's conf: each key from `params` (the run's conf), else the Variable, else the
    environment; `as_of` from `params`, else `run_date` in the platform's time zone."""
    conf = {
        key: params.get(key) or variable(f"creditlake_{key}") or env.get(f"CREDITLAKE_{key.upper()}") or ""
        for key in KEYS
    }
    missing = [key for key in ("landing", "lake") if not conf[key]]
    if missing:
        raise ValueError(
            "this run has no "
            + " or ".join(missing)
            + ": pass it in the run's conf, or set the Airflow Variable "
            + " / ".join(f"creditlake_{k}" for k in missing)
            + " or the environment's "
            + " / ".join(f"CREDITLAKE_{k.upper()}" for k in missing)
        )
    zone = ZoneInfo(schedule(env)[1])
    as_of = params.get("as_of") or run_date.astimezone(zone).date().isoformat()
    return conf | {"profile": conf["profile"] or "national", "as_of": as_of}
