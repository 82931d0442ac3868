"""Table history over the pull API: versions from the deliveries (and from the registry between
them), time travel, the change data feed, and the protocol's edges, with the official client
against the app under uvicorn."""

import json
from datetime import date

import delta_sharing
import pytest
import requests

from publishing import sharing
from publishing.feeds import deliver
from publishing.sharing import create_app, issue_token, tokens_path
from tests.feeds.conftest import (
    AS_OF,
    LIC_A,
    A,
    Clock,
    base_records,
    record,
    running,
    withdrawal,
    write_profile,
)

DAY2, DAY3 = date(2026, 11, 26), date(2026, 12, 1)  # P2's authorisation ends on 2026-11-30
PENALTIES = f"{LIC_A}.administrative_penalty"


def second_cycle() -> tuple[list[dict], list[dict]]:
    """pen-org-1 repaired (withdrawn), pen-org-2's objection settled (changed), pen-org-4 new."""
    records = [r for r in base_records() if r["record_id"] != "pen-org-1"]
    records = [r | {"under_objection": False} if r["record_id"] == "pen-org-2" else r for r in records]
    records.append(
        record("pen-org-4", "penalties", "administrative_penalty", "organisation", "91110105NLNHD7EJ85")
    )
    return records, [withdrawal(base_records()[0], "repaired", "2026-11-25")]


@pytest.fixture
def history(lake, tmp_path):
    """Three cycles (22 Nov, 26 Nov, 1 Dec) and the server, whose clock the test moves; the
    server is asked between the second and third cycle, after P2's authorisation ended."""
    clock = Clock(AS_OF)
    lake.warehouse(base_records())
    deliver(lake.cfg(AS_OF), lake.registry(), "run-1", s3=None, clock=Clock(AS_OF))
    registry = lake.registry()
    token, rec = issue_token(tokens_path(lake.cfg()), registry, A, days=90, clock=clock)
    app = create_app(lake.cfg(), registry, clock=clock)
    with running(app) as base:
        endpoint = base + "/delta-sharing"
        handle = type("History", (), {})()
        handle.clock, handle.endpoint, handle.token = clock, endpoint, token
        handle.url = write_profile(tmp_path / "a.share", endpoint, token, rec) + "#" + PENALTIES
        handle.headers = {"Authorization": f"Bearer {token}"}

        lake.warehouse(*second_cycle())
        deliver(lake.cfg(DAY2), lake.registry(), "run-2", s3=None, clock=Clock(DAY2))
        clock.set(DAY2, hour=12)
        handle.versions = [delta_sharing.get_table_version(handle.url + ".records")]
        clock.set(DAY3, hour=9)  # P2's authorisation ended yesterday: no delivery yet
        handle.versions.append(delta_sharing.get_table_version(handle.url + ".records"))
        deliver(lake.cfg(DAY3), lake.registry(), "run-3", s3=None, clock=Clock(DAY3))
        clock.set(DAY3, hour=11)
        handle.versions.append(delta_sharing.get_table_version(handle.url + ".records"))
        yield handle


def ids(frame) -> list[str]:
    return sorted(frame["record_id"])


def test_each_delivery_and_each_scope_change_is_a_version(history):
    # 1, 2: the first two deliveries; 3: the registry hid P2's record; 4: the third delivery
    assert history.versions == [2, 3, 4]
    url = history.url + ".records"
    assert delta_sharing.get_table_version(url, starting_timestamp="2026-11-24T00:00:00Z") == 2
    assert delta_sharing.get_table_version(url, starting_timestamp="2026-11-01T00:00:00Z") == 1
    with pytest.raises(requests.HTTPError) as err:
        delta_sharing.get_table_version(url, starting_timestamp="2027-01-01T00:00:00Z")
    assert err.value.response.status_code == 400


def test_a_query_reads_a_past_version_by_number_or_timestamp(history):
    url = history.url + ".records"
    v1 = delta_sharing.load_as_pandas(url, version=1).set_index("record_id")
    v2 = delta_sharing.load_as_pandas(url, version=2).set_index("record_id")
    # history never re-serves what must be taken down: pen-org-1 (repaired) and pen-p2
    # (authorisation ended) are left out of every version
    assert sorted(v1.index) == ["pen-ib-1", "pen-org-2", "pen-p1"]
    assert sorted(v2.index) == ["pen-ib-1", "pen-org-2", "pen-org-4", "pen-p1"]
    assert bool(v1.loc["pen-org-2", "under_objection"]) and not bool(v2.loc["pen-org-2", "under_objection"])
    assert ids(delta_sharing.load_as_pandas(url, timestamp="2026-11-24T00:00:00Z")) == sorted(v1.index)
    assert ids(delta_sharing.load_as_pandas(url, timestamp="2026-11-30T00:00:00Z")) == sorted(v2.index)
    assert ids(delta_sharing.load_as_pandas(url, version=0)) == []
    assert ids(delta_sharing.load_as_pandas(url)) == sorted(v2.index)
    gone = delta_sharing.load_as_pandas(history.url + ".withdrawals", version=4).set_index("record_id")
    assert gone["reason"].to_dict() == {"pen-org-1": "repaired", "pen-p2": "authorisation_ended"}
    assert ids(delta_sharing.load_as_pandas(history.url + ".withdrawals", version=1)) == []


def test_the_change_data_feed_lists_inserts_updates_and_deletes(history):
    changes = delta_sharing.load_table_changes_as_pandas(
        history.url + ".records", starting_version=1, ending_version=4
    )
    seen = sorted(zip(changes["_commit_version"], changes["_change_type"], changes["record_id"], strict=True))
    assert seen == [
        (1, "insert", "pen-ib-1"),
        (1, "insert", "pen-org-1"),
        (1, "insert", "pen-org-2"),
        (1, "insert", "pen-p1"),
        (1, "insert", "pen-p2"),
        (2, "delete", "pen-org-1"),
        (2, "insert", "pen-org-4"),
        (2, "update_postimage", "pen-org-2"),
        (2, "update_preimage", "pen-org-2"),
        (3, "delete", "pen-p2"),  # the authorisation ended between deliveries
    ]
    rows = changes.set_index(["record_id", "_change_type"])
    # a record the licence may no longer hold is named by its keys only, never its content
    assert rows.loc[("pen-p2", "delete"), "subject_key"] == "230102197203209801"
    assert rows.loc[("pen-p2", "insert"), "subject_name"] is None
    assert rows.loc[("pen-org-4", "insert"), "subject_name"] == "某公司"
    assert set(changes["_commit_timestamp"]) == {
        history_ms("2026-11-22T10:00:00+08:00"),
        history_ms("2026-11-26T10:00:00+08:00"),
        history_ms("2026-12-01T09:00:00+08:00"),
    }
    later = delta_sharing.load_table_changes_as_pandas(history.url + ".records", starting_version=3)
    assert sorted(zip(later["_change_type"], later["record_id"], strict=True)) == [("delete", "pen-p2")]
    gone = delta_sharing.load_table_changes_as_pandas(history.url + ".withdrawals", starting_version=1)
    assert sorted(zip(gone["_commit_version"], gone["_change_type"], gone["record_id"], strict=True)) == [
        (2, "insert", "pen-org-1"),
        (4, "insert", "pen-p2"),
    ]


def history_ms(text: str) -> int:
    from publishing.history import parse_timestamp

    return parse_timestamp(text)


def test_the_metadata_advertises_the_change_data_feed(history):
    metadata = delta_sharing.get_table_metadata(history.url + ".records", use_delta_format=False)
    assert metadata.configuration["delta.enableChangeDataFeed"] == "true"


def test_versions_older_than_the_history_kept_are_refused(history):
    history.clock.set(date(2027, 1, 15))  # 30 days of history: version 4 was current on 16 Dec
    response = requests.post(
        f"{history.endpoint}/shares/{LIC_A}/schemas/administrative_penalty/tables/records/query",
        json={"version": 2},
        headers=history.headers,
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json() == {
        "errorCode": "INVALID_PARAMETER_VALUE",
        "message": "version 2 is older than the 30 days of history shared; the oldest version still shared is 4",
    }
    assert len(delta_sharing.load_as_pandas(history.url + ".records", version=4)) == 4


def test_the_history_kept_is_the_operators_setting(history, monkeypatch):
    """`CREDITLAKE_SHARING_HISTORY_DAYS`: 9 days after version 2 was replaced (1 Dec), it is still
    shared under the 30 days' default and refused under 7."""
    history.clock.set(date(2026, 12, 10))

    def version_2():
        return requests.post(
            f"{history.endpoint}/shares/{LIC_A}/schemas/administrative_penalty/tables/records/query",
            json={"version": 2},
            headers=history.headers,
            timeout=10,
        )

    assert version_2().status_code == 200
    monkeypatch.setenv("CREDITLAKE_SHARING_HISTORY_DAYS", "7")
    response = version_2()
    assert response.status_code == 400 and "older than the 7 days of history" in response.json()["message"]


def test_a_client_asking_for_delta_format_is_answered_in_parquet_and_told_so(history):
    response = requests.post(
        f"{history.endpoint}/shares/{LIC_A}/schemas/administrative_penalty/tables/records/query",
        json={},
        headers=history.headers | {"delta-sharing-capabilities": "responseformat=delta"},
        timeout=10,
    )
    assert response.headers["delta-sharing-capabilities"] == "responseformat=parquet"
    assert [next(iter(line)) for line in map(json.loads, response.text.splitlines())] == [
        "protocol",
        "metaData",
        "file",
    ]


@pytest.mark.parametrize(
    "method, path, status, code",
    [
        ("get", "/shares/nothing/here/at/all", 404, "RESOURCE_DOES_NOT_EXIST"),
        ("delete", "/shares", 405, "METHOD_NOT_ALLOWED"),
        ("get", "/shares?maxResults=many", 400, "INVALID_PARAMETER_VALUE"),
        (
            "get",
            f"/shares/{LIC_A}/schemas/administrative_penalty/tables/records/changes?startingVersion=x",
            400,
            "INVALID_PARAMETER_VALUE",
        ),
        (
            "get",
            f"/shares/{LIC_A}/schemas/administrative_penalty/tables/records/changes?startingVersion=9",
            400,
            "INVALID_PARAMETER_VALUE",
        ),
    ],
)
def test_every_error_is_in_the_protocols_shape(history, method, path, status, code):
    response = getattr(requests, method)(history.endpoint + path, headers=history.headers, timeout=10)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"errorCode", "message"} and body["errorCode"] == code


def test_fileidhash_is_echoed_or_refused(history):
    query = f"{history.endpoint}/shares/{LIC_A}/schemas/administrative_penalty/tables/records/query"
    ok = requests.post(query, json={}, headers=history.headers | {"fileidhash": "Parquet"}, timeout=10)
    assert ok.status_code == 200 and ok.headers["fileidhash"] == "parquet"
    bad = requests.post(query, json={}, headers=history.headers | {"fileidhash": "md5"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["errorCode"] == "INVALID_PARAMETER_VALUE"


def test_pages_are_capped_and_their_tokens_bound_to_the_listing(history, monkeypatch):
    monkeypatch.setattr(sharing, "MAX_RESULTS", 3)
    listing = f"{history.endpoint}/shares/{LIC_A}/all-tables"
    first = requests.get(listing + "?maxResults=5000", headers=history.headers, timeout=10).json()
    assert len(first["items"]) == 3 and first["nextPageToken"]
    rest = requests.get(
        listing, params={"pageToken": first["nextPageToken"]}, headers=history.headers, timeout=10
    ).json()
    assert len(rest["items"]) == 1 and "nextPageToken" not in rest
    other = requests.get(
        f"{history.endpoint}/shares/{LIC_A}/schemas/administrative_penalty/tables",
        params={"pageToken": first["nextPageToken"]},
        headers=history.headers,
        timeout=10,
    )
    assert other.status_code == 400
    assert other.json() == {
        "errorCode": "INVALID_PARAMETER_VALUE",
        "message": "pageToken does not belong to this listing",
    }
    forged = sharing.base64.urlsafe_b64encode(b"2." + b"0" * 32).decode()
    response = requests.get(listing, params={"pageToken": forged}, headers=history.headers, timeout=10)
    assert response.status_code == 400
