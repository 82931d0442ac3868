"""Serving safely (issue 18): who read a subject's records, the published head, and the server's
guards — bind refusal, Host header ignored, back-off, body limit after the token, file URLs
capped by what they were issued under, served files owner-only and swept at expiry."""

import json
import stat
from dataclasses import replace
from datetime import date, datetime, timedelta

import delta_sharing
import pytest
import requests
from fastapi.testclient import TestClient

from creditlake.cli import main
from publishing import audit, stages
from publishing.feeds import deliver
from publishing.sharing import (
    AUTH_FAILURES_ALLOWED,
    MAX_BODY_BYTES,
    create_app,
    issue_token,
    serving_refusal,
    tokens_path,
)
from tests.feeds.conftest import (
    AS_OF,
    CHINA,
    LIC_A,
    P1,
    P3,
    A,
    Clock,
    base_records,
    running,
    write_profile,
)

TABLE = f"/delta-sharing/shares/{LIC_A}/schemas/administrative_penalty/tables/records"


@pytest.fixture
def sharing(lake):
    """Day-one deliveries (each logs the subjects it carried), a token for A, the app."""
    lake.warehouse(base_records())
    root = audit.audit_root(lake.cfg())
    deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    clock = Clock(AS_OF)
    token, record = issue_token(tokens_path(lake.cfg()), lake.registry(), A, days=30, clock=clock)
    app = create_app(lake.cfg(), lake.registry(), clock=clock)
    handle = type("Sharing", (), {})()
    handle.lake, handle.clock, handle.app, handle.token, handle.record = lake, clock, app, token, record
    handle.state, handle.audit_root = app.state.sharing, root
    return handle


def client_of(sharing, token: str | None = None) -> TestClient:
    headers = {"Authorization": f"Bearer {token or sharing.token}"} if token is not False else {}
    return TestClient(sharing.app, headers=headers)


def entries(root) -> list[dict]:
    return [json.loads(line) for _, f in audit.segments(root) for line in f.read_text().splitlines()]


# --- who read my record ----------------------------------------------------------------------


def test_who_read_names_the_institution_token_time_and_file_after_a_download(sharing, tmp_path, capsys):
    lake = sharing.lake
    with running(sharing.app) as base:
        profile = write_profile(tmp_path / "a.share", base + "/delta-sharing", sharing.token, sharing.record)
        frame = delta_sharing.load_as_pandas(f"{profile}#{LIC_A}.administrative_penalty.records")
    assert P1 in set(frame["subject_key"]) and P3 not in set(frame["subject_key"])

    assert main(["audit", "who-read", P1, "--lake", str(lake.cfg().lake)]) == 0
    lines = capsys.readouterr().out.splitlines()
    download = [line for line in lines if "file " in line]
    assert download and all(A in line and sharing.record["id"] in line for line in download)
    assert all("client 127.0.0.1" in line and "GET /delta-sharing/files/" in line for line in download)
    assert all("sig=-" in line for line in download)  # the URL's signature is not kept in the log
    assert any(f"institution {A}" in line and "delivery 000001-2026-11-22" in line for line in lines)

    assert main(["audit", "who-read", P3, "--lake", str(lake.cfg().lake)]) == 0  # never served
    assert capsys.readouterr().out == ""
    logged = [e for e in entries(sharing.audit_root) if e["action"].startswith("GET /delta-sharing/files/")]
    assert logged and all(e["status"] in (200, 206) and e["token"] == sharing.record["id"] for e in logged)
    assert all(P1 in e["subjects"] for e in logged)


def test_the_delivery_stage_logs_the_subjects_and_publishes_a_head_the_summary_carries(lake):
    lake.warehouse(base_records())
    run_conf = replace(lake.cfg(), registry=lake.registry_root).to_conf()
    result = stages.deliver_feeds(run_conf, "run-1")
    reads = [e for e in entries(audit.audit_root(lake.cfg())) if e["action"] == "delivery_read"]
    assert {e["licence"] for e in reads} == {
        e["licence"] for e in result["deliveries"] if e["status"] == "delivered"
    }
    assert [e["institution"] for e in audit.who_read(audit.audit_root(lake.cfg()), P1)] == [A]
    head = result["audit_head"]
    assert head["seq"] == reads[-1]["seq"] and audit.verify(audit.audit_root(lake.cfg()), head=head) == (
        True,
        [],
    )
    summary = stages.summarise(run_conf, "run-1", [], {"models": 1, "tests": 1}, [], result)
    assert summary["audit_head"] == head


def test_audit_verify_with_the_published_head_catches_a_cut_tail(sharing, tmp_path, capsys):
    lake = sharing.lake.cfg().lake
    client_of(sharing).get("/delta-sharing/shares")
    head_file = tmp_path / "published" / "head.json"
    assert main(["audit", "head", "--lake", str(lake), "--out", str(head_file)]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(head_file.read_text())
    assert main(["audit", "verify", "--lake", str(lake), "--head", str(head_file)]) == 0
    assert "reaches the published head" in capsys.readouterr().out
    segment = audit.segments(lake / "audit")[-1][1]
    segment.write_text("".join(segment.read_text().splitlines(keepends=True)[:-1]))
    assert main(["audit", "verify", "--lake", str(lake), "--head", str(head_file)]) == 1
    assert "is not in the log" in capsys.readouterr().err


# --- the server's guards -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "host, public_url, tls, refused",
    [
        ("127.0.0.1", None, False, None),
        ("::1", None, False, None),
        ("0.0.0.0", None, False, "give --public-url"),
        ("0.0.0.0", "http://share.example.cn", False, "without TLS"),
        ("0.0.0.0", "https://share.example.cn", False, None),  # a TLS proxy in front
        ("0.0.0.0", "https://share.example.cn", True, None),
    ],
)
def test_a_non_loopback_address_needs_tls_and_a_public_url(tmp_path, host, public_url, tls, refused):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("x")
    key.write_text("x")
    why = serving_refusal(host, public_url, cert if tls else None, key if tls else None)
    assert (why is None) if refused is None else (refused in why)
    assert "together" in serving_refusal("127.0.0.1", None, cert, None)


def test_serve_refuses_to_bind_beyond_loopback_without_tls(sharing, capsys):
    args = ["serve", "--lake", str(sharing.lake.cfg().lake), "--registry", str(sharing.lake.registry_root)]
    assert main([*args, "--host", "0.0.0.0", "--public-url", "http://share.example.cn"]) == 2
    assert "without TLS" in capsys.readouterr().err


def test_file_urls_never_come_from_the_host_header(sharing):
    with running(sharing.app) as base:
        answer = requests.post(
            base + TABLE + "/query",
            json={},
            headers={"Authorization": f"Bearer {sharing.token}", "Host": "evil.example"},
            timeout=10,
        )
    url = json.loads(answer.text.splitlines()[2])["file"]["url"]
    assert url.startswith(base + "/delta-sharing/files/") and "evil" not in url


def test_failed_authentication_backs_off_per_client_address(sharing):
    bad = client_of(sharing, "cls_guessed")
    for _ in range(AUTH_FAILURES_ALLOWED):
        assert bad.get("/delta-sharing/shares").status_code == 401
    refused = bad.get("/delta-sharing/shares")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
    assert refused.json()["errorCode"] == "TOO_MANY_REQUESTS"
    assert client_of(sharing).get("/delta-sharing/shares").status_code == 429  # the address waits
    sharing.clock.advance(seconds=3)
    assert bad.get("/delta-sharing/shares").status_code == 401
    assert bad.get("/delta-sharing/shares").headers["retry-after"] == "4"  # doubled
    sharing.clock.advance(seconds=5)
    assert client_of(sharing).get("/delta-sharing/shares").status_code == 200  # a success clears it
    assert bad.get("/delta-sharing/shares").status_code == 401
    why = [e["why"] for e in entries(sharing.audit_root) if e.get("status") == 429]
    assert why and all("backing off" in w for w in why)


def test_the_token_is_checked_before_the_body_and_a_large_body_is_refused(sharing):
    big = b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}"
    anonymous = client_of(sharing, False).post(TABLE + "/query", content=big)
    assert anonymous.status_code == 401 and anonymous.json()["errorCode"] == "UNAUTHENTICATED"
    refused = client_of(sharing).post(TABLE + "/query", content=big)
    assert refused.status_code == 413
    assert set(refused.json()) == {"errorCode", "message"} and "larger than" in refused.json()["message"]
    assert client_of(sharing).post(TABLE + "/query", json={}).status_code == 200
    logged = [e for e in entries(sharing.audit_root) if e["action"] == f"POST {TABLE}/query"]
    assert [e["status"] for e in logged] == [401, 413, 200]
    assert logged[1]["token"] == sharing.record["id"] and logged[1]["client"] == "testclient"


def expiry_of(answer) -> datetime:
    file = json.loads(answer.text.splitlines()[2])["file"]
    return datetime.fromtimestamp(file["expirationTimestamp"] / 1000, CHINA)


def test_a_file_url_never_outlives_the_authorisation_token_or_licence_behind_it(sharing):
    client = client_of(sharing)
    assert expiry_of(client.post(TABLE + "/query", json={})) == sharing.clock() + timedelta(minutes=15)
    # P2's authorisation to A (conftest) ends with 2026-11-30: a URL issued five minutes before is cut there
    sharing.clock.now = datetime(2026, 11, 30, 23, 55, tzinfo=CHINA)
    assert expiry_of(client.post(TABLE + "/query", json={})) == datetime(2026, 12, 1, tzinfo=CHINA)
    # a token expiring in two minutes
    short, _ = issue_token(
        tokens_path(sharing.lake.cfg()),
        sharing.lake.registry(),
        A,
        days=1,
        clock=Clock(date(2026, 11, 29), hour=23),
    )
    sharing.clock.now = datetime(2026, 11, 30, 22, 58, tzinfo=CHINA)
    assert expiry_of(client_of(sharing, short).post(TABLE + "/query", json={})) == datetime(
        2026, 11, 30, 23, tzinfo=CHINA
    )


def test_served_files_are_owner_only_per_institution_and_removed_when_their_urls_expire(sharing):
    client = client_of(sharing)
    file = json.loads(client.post(TABLE + "/query", json={}).text.splitlines()[2])["file"]
    folder = sharing.state.files / A
    path = folder / f"{file['id']}.parquet"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(sharing.state.files.stat().st_mode) == 0o700
    assert client.get(file["url"]).status_code == 200
    sharing.clock.advance(minutes=16)
    assert client.get(file["url"]).status_code == 403  # expired
    assert not path.exists()  # and swept


def test_each_delivery_carries_the_access_logs_head_under_its_signature(sharing):
    """The head as each delivery was made, in its signed manifest: what the institution holds
    lets `audit verify --head` prove the log still reaches that point."""
    folder = next(sharing.lake.cfg().feeds_root.glob(f"{A}/{LIC_A}/0*"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    head = manifest["access_log_head"]
    assert set(head) >= {"seq", "hash", "entries", "mac", "key_id"}
    assert audit.verify(sharing.audit_root, head=head) == (True, [])
    reads = [e for e in entries(sharing.audit_root) if e["action"] == "delivery_read"]
    assert {e["licence"] for e in reads} >= {LIC_A} and all(e["subjects"] for e in reads)
