"""The pull API: the official Delta Sharing client against the app under uvicorn on loopback."""

import json
import os
from datetime import date

import delta_sharing
import pytest
import requests
from requests.exceptions import HTTPError

from publishing import audit
from publishing.feeds import deliver
from publishing.sharing import create_app, issue_token, revoke_token, tokens_path
from tests.feeds.conftest import (
    AS_OF,
    LIC_A,
    LIC_B,
    P2,
    A,
    B,
    Clock,
    base_records,
    record,
    running,
    withdrawal,
    write_profile,
)

DAY2 = date(2026, 12, 1)


@pytest.fixture
def shared(lake, tmp_path):
    """Day-one deliveries, tokens for A and B, the server running; yields a small handle."""
    lake.warehouse(base_records())
    deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    clock = Clock(AS_OF)
    registry = lake.registry()
    tokens = tokens_path(lake.cfg())
    token_a, rec_a = issue_token(tokens, registry, A, days=30, clock=clock)
    token_b, rec_b = issue_token(tokens, registry, B, days=30, clock=clock)
    app = create_app(lake.cfg(), registry, clock=clock)
    with running(app) as base:
        endpoint = base + "/delta-sharing"
        handle = type("Shared", (), {})()
        handle.lake, handle.clock, handle.endpoint, handle.tokens = lake, clock, endpoint, tokens
        handle.token_a, handle.rec_a, handle.token_b = token_a, rec_a, token_b
        handle.profile_a = write_profile(tmp_path / "a.share", endpoint, token_a, rec_a)
        handle.profile_b = write_profile(tmp_path / "b.share", endpoint, token_b, rec_b)
        yield handle


def table(profile: str, share: str, item: str, name: str = "records"):
    return delta_sharing.load_as_pandas(f"{profile}#{share}.{item}.{name}")


def status_of(call) -> int:
    with pytest.raises(HTTPError) as err:
        call()
    return err.value.response.status_code


def test_institution_a_reads_its_share_with_the_official_client(shared):
    client = delta_sharing.SharingClient(shared.profile_a)
    assert [s.name for s in client.list_shares()] == [LIC_A]
    assert sorted((t.schema, t.name) for t in client.list_all_tables()) == [
        ("administrative_penalty", "records"),
        ("administrative_penalty", "withdrawals"),
        ("court_dishonest_debtor", "records"),
        ("court_dishonest_debtor", "withdrawals"),
    ]
    frame = table(shared.profile_a, LIC_A, "administrative_penalty").set_index("record_id")
    assert sorted(frame.index) == ["pen-ib-1", "pen-org-1", "pen-org-2", "pen-p1", "pen-p2"]
    assert bool(frame.loc["pen-org-2", "under_objection"]) is True  # the objection mark travels (RULES §7)
    assert json.loads(frame.loc["pen-org-1", "record_json"])["penalty_content"] == "罚款"
    court = table(shared.profile_a, LIC_A, "court_dishonest_debtor")
    assert sorted(court["record_id"]) == ["court-org-1", "court-p1"]
    assert delta_sharing.get_table_version(f"{shared.profile_a}#{LIC_A}.administrative_penalty.records") == 1
    assert table(shared.profile_a, LIC_A, "administrative_penalty", "withdrawals").empty


def test_a_token_sees_only_its_own_institutions_shares(shared):
    b_client = delta_sharing.SharingClient(shared.profile_b)
    assert [s.name for s in b_client.list_shares()] == [LIC_B]
    # A's token on B's share: not found, whatever the path
    assert status_of(lambda: table(shared.profile_a, LIC_B, "administrative_penalty")) == 404
    headers = {"Authorization": f"Bearer {shared.token_a}"}
    for path in (
        f"/shares/{LIC_B}",
        f"/shares/{LIC_B}/schemas",
        f"/shares/{LIC_B}/all-tables",
        f"/shares/{LIC_B.lower()}/schemas/honour/tables/records/version",
    ):
        assert requests.get(shared.endpoint + path, headers=headers, timeout=10).status_code == 404, path
    response = requests.post(
        shared.endpoint + f"/shares/{LIC_B}/schemas/honour/tables/records/query",
        json={},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 404 and response.json()["errorCode"] == "RESOURCE_DOES_NOT_EXIST"
    # B reads its own: organisations only, never a natural person
    frame = table(shared.profile_b, LIC_B, "administrative_penalty")
    assert sorted(frame["record_id"]) == ["pen-org-1", "pen-org-2"]
    # an item outside B's licence is not a schema of its share
    assert status_of(lambda: table(shared.profile_b, LIC_B, "court_dishonest_debtor")) == 404


def test_missing_unknown_expired_and_revoked_tokens_are_refused(shared, tmp_path):
    assert requests.get(shared.endpoint + "/shares", timeout=10).status_code == 401
    bad = write_profile(tmp_path / "bad.share", shared.endpoint, "cls_not-a-token", shared.rec_a)
    assert status_of(lambda: delta_sharing.SharingClient(bad).list_shares()) == 401
    shared.clock.advance(days=31)  # the token was issued for 30 days
    assert status_of(lambda: table(shared.profile_a, LIC_A, "administrative_penalty")) == 401
    shared.clock.set(AS_OF)
    assert len(table(shared.profile_a, LIC_A, "administrative_penalty")) == 5
    revoke_token(shared.tokens, shared.rec_a["id"], clock=shared.clock)
    assert status_of(lambda: table(shared.profile_a, LIC_A, "administrative_penalty")) == 401
    # only the hash is stored
    stored = shared.tokens.read_text()
    assert shared.token_a not in stored and shared.token_b not in stored


def test_a_revoked_licence_is_refused_on_the_next_request(shared):
    assert len(table(shared.profile_a, LIC_A, "administrative_penalty")) == 5
    shared.lake.edit("licences.yml", "licences", {"id": LIC_A}, status="revoked")
    assert status_of(lambda: table(shared.profile_a, LIC_A, "administrative_penalty")) == 403
    assert delta_sharing.SharingClient(shared.profile_a).list_shares() == []
    response = requests.get(
        f"{shared.endpoint}/shares/{LIC_A}", timeout=10, headers={"Authorization": f"Bearer {shared.token_a}"}
    )
    assert response.status_code == 403 and response.json()["message"] == f"licence {LIC_A} is revoked"


def test_a_natural_persons_record_is_shared_only_while_an_authorisation_covers_it(shared):
    def people() -> set[str]:
        shared_ids = set(table(shared.profile_a, LIC_A, "administrative_penalty")["record_id"])
        return shared_ids & {"pen-p1", "pen-p2", "pen-p3"}

    assert people() == {"pen-p1", "pen-p2"}  # P3 never authorised anyone
    shared.clock.set(date(2026, 11, 30))
    assert people() == {"pen-p1", "pen-p2"}  # P2's last authorised day
    shared.clock.set(DAY2)
    assert people() == {"pen-p1"}  # expired: gone the same day, before any new delivery
    shared.clock.set(AS_OF)
    shared.lake.edit("authorisations.yml", "authorisations", {"subject_key": P2}, purpose="marketing")
    assert people() == {"pen-p1"}  # an authorisation for another purpose does not count


def test_a_withdrawn_record_leaves_the_share_and_is_listed_in_the_next_delta(shared):
    records = [r for r in base_records() if r["record_id"] != "pen-org-1"]
    records.append(
        record("pen-org-4", "penalties", "administrative_penalty", "organisation", "91110105NLNHD7EJ85")
    )
    shared.lake.warehouse(records, [withdrawal(base_records()[0], "repaired", "2026-11-28")])
    delivered = {
        r["licence"]: r for r in deliver(shared.lake.cfg(DAY2), shared.lake.registry(), "run-2", s3=None)
    }
    shared.clock.set(DAY2)

    frame = table(shared.profile_a, LIC_A, "administrative_penalty")
    assert "pen-org-1" not in set(frame["record_id"]) and "pen-org-4" in set(frame["record_id"])
    gone = table(shared.profile_a, LIC_A, "administrative_penalty", "withdrawals").set_index("record_id")
    assert gone.loc["pen-org-1", ["reason", "withdrawn_on", "delivery_id"]].tolist() == [
        "repaired",
        "2026-11-28",
        "000002-2026-12-01",
    ]
    assert gone.loc["pen-p2", "reason"] == "authorisation_ended"
    import pandas as pd

    pushed = pd.read_parquet(f"{delivered[LIC_A]['folder']}/withdrawals.parquet").set_index("record_id")
    assert pushed.loc["pen-org-1", "reason"] == "repaired"
    assert delta_sharing.get_table_version(f"{shared.profile_a}#{LIC_A}.administrative_penalty.records") == 2


def test_file_urls_are_signed_short_lived_and_bound_to_the_licence(shared):
    headers = {"Authorization": f"Bearer {shared.token_a}"}
    response = requests.post(
        f"{shared.endpoint}/shares/{LIC_A}/schemas/administrative_penalty/tables/records/query",
        json={},
        headers=headers,
        timeout=10,
    )
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert response.headers["delta-table-version"] == "1" and list(lines[0]) == ["protocol"]
    url = lines[2]["file"]["url"]
    assert requests.get(url, timeout=10).status_code == 200  # the client fetches it without the bearer token
    assert requests.head(url, timeout=10).headers["content-length"] == str(lines[2]["file"]["size"])
    ranged = requests.get(url, headers={"Range": "bytes=0-3"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == b"PAR1"
    assert requests.get(url.replace(f"lic={LIC_A}", f"lic={LIC_B}"), timeout=10).status_code == 403
    assert requests.get(url[:-1] + ("0" if url[-1] != "0" else "1"), timeout=10).status_code == 403
    forged = url.split("&exp=")[0] + "&exp=9999999999&sig=" + url.split("&sig=")[1]
    assert requests.get(forged, timeout=10).status_code == 403  # exp is signed: extending it breaks the URL
    shared.clock.advance(minutes=16)  # URLs live 15 minutes
    assert requests.get(url, timeout=10).status_code == 403
    shared.clock.advance(minutes=-16)
    revoke_token(shared.tokens, shared.rec_a["id"], clock=shared.clock)
    assert requests.get(url, timeout=10).status_code == 401  # the URL dies with its token


def test_every_request_is_logged_with_who_what_and_why(shared):
    table(shared.profile_a, LIC_A, "administrative_penalty")
    requests.get(
        shared.endpoint + f"/shares/{LIC_B}",
        headers={"Authorization": f"Bearer {shared.token_a}"},
        timeout=10,
    )
    requests.get(shared.endpoint + "/shares", timeout=10)
    root = audit.audit_root(shared.lake.cfg())
    entries = [
        json.loads(line) for f in sorted(root.glob("access-*.jsonl")) for line in f.read_text().splitlines()
    ]
    api = [e for e in entries if e["action"].startswith(("GET", "HEAD", "POST"))]
    query = next(e for e in api if e["action"].endswith("/administrative_penalty/tables/records/query"))
    assert (query["institution"], query["licence"], query["purpose"], query["result"]) == (
        A,
        LIC_A,
        "credit_assessment",
        "ok",
    )
    assert query["read"] == {"table": f"{LIC_A}.administrative_penalty.records", "records": 5, "version": 1}
    assert any(e["action"].startswith("GET /delta-sharing/files/") and e["result"] == "ok" for e in api)
    foreign = next(e for e in api if e["action"] == f"GET /delta-sharing/shares/{LIC_B}")
    assert foreign["result"] == "refused" and foreign["institution"] == A
    assert foreign["why"] == f"share {LIC_B} belongs to institution {B}"
    anonymous = next(
        e for e in api if e["action"] == "GET /delta-sharing/shares" and e["institution"] is None
    )
    assert anonymous["why"] == "no bearer token"
    assert audit.verify(root) == (True, [])


def test_replicas_with_one_url_key_accept_each_others_file_urls(shared, monkeypatch):
    """Behind a load balancer a client may fetch a file from another replica than the one that
    listed it: `CREDITLAKE_SHARING_URL_KEY` (hex) gives the replicas one key to sign file URLs
    with; without it each signs with its own, and the other refuses the URL."""

    def fetched_from_the_other(one: str, two: str) -> int:
        listed = requests.post(
            f"{one}/delta-sharing/shares/{LIC_A}/schemas/administrative_penalty/tables/records/query",
            json={},
            headers={"Authorization": f"Bearer {shared.token_a}"},
            timeout=10,
        )
        url = json.loads(listed.text.splitlines()[2])["file"]["url"]
        assert url.startswith(one)
        return requests.get(two + url[len(one) :], timeout=10).status_code

    lake = shared.lake
    for key, status in ((None, 403), (os.urandom(32).hex(), 200)):
        if key:
            monkeypatch.setenv("CREDITLAKE_SHARING_URL_KEY", key)
        first = create_app(lake.cfg(), lake.registry(), clock=shared.clock)
        second = create_app(lake.cfg(), lake.registry(), clock=shared.clock)
        with running(first) as one, running(second) as two:
            assert fetched_from_the_other(one, two) == status, key


def test_the_tokens_file_is_where_the_operator_keeps_it(lake, tmp_path, monkeypatch):
    """`CREDITLAKE_SHARING_TOKENS`: tokens are issued into that file and the server checks them
    there, not under the lake; a server reading the lake's file knows none of them."""
    lake.warehouse(base_records())
    deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    kept, clock = tmp_path / "secrets" / "tokens.json", Clock(AS_OF)
    monkeypatch.setenv("CREDITLAKE_SHARING_TOKENS", str(kept))
    token, _record = issue_token(tokens_path(lake.cfg()), lake.registry(), A, days=30, clock=clock)
    assert kept.exists() and not (lake.cfg().lake / "sharing" / "tokens.json").exists()
    headers = {"Authorization": f"Bearer {token}"}
    with running(create_app(lake.cfg(), lake.registry(), clock=clock)) as base:
        shares = requests.get(f"{base}/delta-sharing/shares", headers=headers, timeout=10)
        assert shares.status_code == 200 and LIC_A in shares.text
    monkeypatch.delenv("CREDITLAKE_SHARING_TOKENS")
    with running(create_app(lake.cfg(), lake.registry(), clock=clock)) as base:
        assert requests.get(f"{base}/delta-sharing/shares", headers=headers, timeout=10).status_code == 401
