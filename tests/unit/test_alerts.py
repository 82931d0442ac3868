"""Alerts reach the operators: a failed task's notifier posts to a real HTTP server on loopback."""

import http.server
import json
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest

from creditlake import alerts


@pytest.fixture
def webhook():
    """A web server that keeps what is posted to it; yields (url, received)."""
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/creditlake", received
    server.shutdown()
    server.server_close()


def test_a_failed_task_is_posted_to_the_configured_webhook(webhook):
    url, received = webhook
    (notifier,) = alerts.failure_notifiers({"CREDITLAKE_ALERT_WEBHOOK": url})
    ti = SimpleNamespace(dag_id="credit_cycle", task_id="build", try_number=3, log_url="http://airflow/log")
    notifier.notify(
        {"ti": ti, "run_id": "scheduled__2026-11-23", "exception": RuntimeError("dbt build failed")}
    )
    assert received == [
        {
            "alert": "task_failed",
            "dag_id": "credit_cycle",
            "run_id": "scheduled__2026-11-23",
            "task_id": "build",
            "try_number": 3,
            "error": "dbt build failed",
            "log_url": "http://airflow/log",
        }
    ]


def test_an_alert_that_cannot_be_sent_is_logged_not_raised(caplog):
    assert alerts.post("http://127.0.0.1:9/nobody-listens", {"alert": "x"}) is False
    assert "alert not sent" in caplog.text


def test_channels_and_deadline_come_from_the_environment():
    assert alerts.failure_notifiers({}) == []
    webhook, email = alerts.failure_notifiers(
        {
            "CREDITLAKE_ALERT_WEBHOOK": "http://x",
            "CREDITLAKE_ALERT_EMAIL": "ops@example.org, duty@example.org",
        }
    )
    assert type(webhook).__name__ == "WebhookNotifier" and webhook.url == "http://x"
    assert type(email).__name__ == "SmtpNotifier" and email.to == ["ops@example.org", "duty@example.org"]
    assert alerts.deadline({}).interval == timedelta(minutes=360)
    assert alerts.deadline({"CREDITLAKE_CYCLE_DEADLINE_MINUTES": "90"}).interval == timedelta(minutes=90)
    assert alerts.deadline({"CREDITLAKE_CYCLE_DEADLINE_MINUTES": "none"}) is None
    with pytest.raises(ValueError, match="not a number of minutes"):
        alerts.deadline({"CREDITLAKE_CYCLE_DEADLINE_MINUTES": "six hours"})


def test_a_missed_deadline_is_posted(webhook, monkeypatch):
    import asyncio

    url, received = webhook
    monkeypatch.setenv("CREDITLAKE_ALERT_WEBHOOK", url)
    # on a thread of its own, as Airflow's triggerer runs it: this worker's main thread may hold
    # the browser tests' event loop (Playwright's sync API)
    missed = alerts.deadline_missed(
        minutes=360, context={"dag_run": {"dag_id": "credit_cycle", "run_id": "r1"}}
    )
    worker = threading.Thread(target=asyncio.run, args=(missed,))
    worker.start()
    worker.join()
    assert (
        received[0]["alert"] == "deadline_missed"
        and received[0]["run_id"] == "r1"
        and received[0]["minutes"] == 360
    )
