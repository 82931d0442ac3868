"""Telling the operators: a task that failed, a cycle past its deadline.

Through Airflow's notifiers, on the channels the environment names (both may be set; with
neither, nothing is sent and the DAG's documentation says so):

    CREDITLAKE_ALERT_WEBHOOK           a URL: one JSON POST per alert (chat tools, incident systems)
    CREDITLAKE_ALERT_EMAIL             addresses, comma-separated: Airflow's SMTP notifier
                                       (its connection `smtp_default`)
    CREDITLAKE_CYCLE_DEADLINE_MINUTES  a cycle not finished this long after it was queued is
                                       an alert (default 360, platform policy: a 02:00 cycle
                                       that is not done by 08:00, when offices open, is late);
                                       "none": no deadline

An alert that cannot be sent is logged, never raised: it must not hide the failure it reports.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from collections.abc import Mapping
from datetime import timedelta

log = logging.getLogger(__name__)
DEFAULT_DEADLINE_MINUTES = 360


def post(url: str, payload: dict) -> bool:
    """POST `payload` as JSON to `url`; False (and a log line) when it could not be sent."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the operator's URL)
            return 200 <= response.status < 300
    except OSError as err:
        log.error("alert not sent to %s: %s", url, err)
        return False


def failure(context: Mapping) -> dict:
    """What a failed task's alert says: which run, which task, what went wrong, where to look."""
    ti = context.get("ti") or context.get("task_instance")
    return {
        "alert": "task_failed",
        "dag_id": getattr(ti, "dag_id", None),
        "run_id": context.get("run_id"),
        "task_id": getattr(ti, "task_id", None),
        "try_number": getattr(ti, "try_number", None),
        "error": str(context.get("exception") or ""),
        "log_url": getattr(ti, "log_url", None),
    }


def webhook_notifier(url: str):
    """Airflow's notifier for a JSON POST per failed task (Airflow is imported here, not with
    this module: the triggerer and the package's other users need none of it)."""
    from airflow.sdk import BaseNotifier

    class WebhookNotifier(BaseNotifier):
        template_fields = ("url",)

        def __init__(self, url: str):
            super().__init__()
            self.url = url

        def notify(self, context) -> None:
            post(self.url, failure(context))

    return WebhookNotifier(url)


def failure_notifiers(env: Mapping[str, str] = os.environ) -> list:
    """The notifiers for a failed task, from the environment (empty: no alert)."""
    notifiers: list = []
    if url := env.get("CREDITLAKE_ALERT_WEBHOOK"):
        notifiers.append(webhook_notifier(url))
    if addresses := env.get("CREDITLAKE_ALERT_EMAIL"):
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        notifiers.append(
            SmtpNotifier(
                to=[a.strip() for a in addresses.split(",") if a.strip()],
                subject="creditlake: {{ ti.dag_id }} {{ ti.task_id }} failed ({{ run_id }})",
            )
        )
    return notifiers


def deadline(env: Mapping[str, str] = os.environ):
    """The cycle's deadline (Airflow's DeadlineAlert): an alert when a run is not finished this
    long after it was queued; None when the environment says "none"."""
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

    raw = env.get("CREDITLAKE_CYCLE_DEADLINE_MINUTES", str(DEFAULT_DEADLINE_MINUTES)).strip()
    if raw.lower() == "none":
        return None
    try:
        minutes = int(raw)
    except ValueError as err:
        raise ValueError(f"CREDITLAKE_CYCLE_DEADLINE_MINUTES={raw!r} is not a number of minutes") from err
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(minutes=minutes),
        callback=AsyncCallback(deadline_missed, kwargs={"minutes": minutes}),
    )


async def deadline_missed(minutes: int, context: Mapping | None = None, **_) -> None:
    """Run by Airflow's triggerer when a cycle passes its deadline: posted to the webhook and
    logged. Not e-mailed: Airflow's SMTP notifier renders a failed task's context, which a
    deadline has not."""
    context = context or {}
    dag_run = context.get("dag_run") or {}
    payload = {
        "alert": "deadline_missed",
        "dag_id": getattr(dag_run, "dag_id", None)
        or (dag_run.get("dag_id") if isinstance(dag_run, dict) else None),
        "run_id": getattr(dag_run, "run_id", None)
        or (dag_run.get("run_id") if isinstance(dag_run, dict) else None),
        "minutes": minutes,
        "message": f"the cycle has not finished {minutes} minutes after it was queued",
    }
    if url := os.environ.get("CREDITLAKE_ALERT_WEBHOOK"):
        post(url, payload)
    log.error("creditlake deadline missed: %s", payload)
