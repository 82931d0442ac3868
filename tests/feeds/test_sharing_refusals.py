"""The pull API's refusals, as a client sees them: status, protocol error body, and the `why`
the access log keeps. (In-process; test_sharing.py drives the official client over HTTP.)"""

import json

import pytest
from fastapi.testclient import TestClient

from publishing import audit
from publishing.feeds import deliver
from publishing.sharing import create_app, issue_token, tokens_path
from tests.feeds.conftest import AS_OF, LIC_A, A, Clock, base_records

TABLE = f"/delta-sharing/shares/{LIC_A}/schemas/administrative_penalty/tables/records"


@pytest.fixture
def client(lake):
    lake.warehouse(base_records())
    deliver(lake.cfg(), lake.registry(), "run-1", s3=None)
    clock = Clock(AS_OF)
    registry = lake.registry()
    token, _ = issue_token(tokens_path(lake.cfg()), registry, A, days=30, clock=clock)
    app = create_app(lake.cfg(), registry, clock=clock)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as test_client:
        test_client.sharing = app.state.sharing
        test_client.audit_root = audit.audit_root(lake.cfg())
        yield test_client


def error(response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["errorCode"], body["message"]


def logged_why(client, action: str) -> str:
    entries = [
        json.loads(line)
        for f in sorted(client.audit_root.glob("access-*.jsonl"))
        for line in f.read_text(encoding="utf-8").splitlines()
    ]
    return [e for e in entries if e["action"] == action][-1]["why"]


@pytest.mark.parametrize(
    "path, message",
    [
        ("/delta-sharing/shares?pageToken=next", "pageToken is not a page token of this server"),
        (f"/delta-sharing/shares/{LIC_A}/schemas?maxResults=-1", "maxResults must not be negative"),
        (
            "/delta-sharing/shares?maxResults=ten",
            "maxResults: Input should be a valid integer, unable to parse string as an integer",
        ),
    ],
)
def test_a_bad_page_is_an_invalid_parameter(client, path, message):
    assert error(client.get(path)) == (400, "INVALID_PARAMETER_VALUE", message)


def test_a_long_listing_comes_in_pages(client):
    first = client.get(f"/delta-sharing/shares/{LIC_A}/all-tables?maxResults=1").json()
    assert len(first["items"]) == 1
    rest = client.get(f"/delta-sharing/shares/{LIC_A}/all-tables?pageToken={first['nextPageToken']}").json()
    assert "nextPageToken" not in rest
    everything = client.get(f"/delta-sharing/shares/{LIC_A}/all-tables").json()["items"]
    assert first["items"] + rest["items"] == everything
    tables = client.get(f"/delta-sharing/shares/{LIC_A}/schemas/administrative_penalty/tables").json()
    assert [t["name"] for t in tables["items"]] == ["records", "withdrawals"]


def test_an_unknown_schema_or_table_is_not_found(client):
    assert error(client.get(f"/delta-sharing/shares/{LIC_A}/schemas/gossip/tables")) == (
        404,
        "RESOURCE_DOES_NOT_EXIST",
        f"schema gossip not found in share {LIC_A}",
    )
    assert error(client.get(TABLE.replace("records", "archive") + "/metadata")) == (
        404,
        "RESOURCE_DOES_NOT_EXIST",
        f"table archive not found in {LIC_A}.administrative_penalty",
    )


def test_version_and_metadata_name_the_current_version(client):
    assert client.head(TABLE + "/version").headers["delta-table-version"] == "1"
    response = client.get(TABLE + "/metadata")
    protocol, metadata = (json.loads(line) for line in response.text.splitlines())
    assert protocol == {"protocol": {"minReaderVersion": 1}}
    assert (metadata["metaData"]["name"], metadata["metaData"]["version"]) == ("records", 1)
    assert response.headers["delta-table-version"] == "1"


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"{not json", (400, "MALFORMED_REQUEST", "the request body is not JSON")),
        (b"[1, 2]", (400, "MALFORMED_REQUEST", "the request body must be a JSON object")),
        (b'{"version": 2}', (400, "INVALID_PARAMETER_VALUE", "version 2 does not exist: the latest is 1")),
        (
            b'{"startingVersion": 1}',
            (
                400,
                "INVALID_PARAMETER_VALUE",
                "startingVersion queries are not served: read the table's changes",
            ),
        ),
    ],
)
def test_a_query_for_a_version_the_table_never_had_is_refused(client, content, expected):
    response = client.post(TABLE + "/query", content=content, headers={"Content-Type": "application/json"})
    assert error(response) == expected
    assert logged_why(client, f"POST {TABLE}/query") == expected[2]


def test_a_query_for_the_current_version_is_answered(client):
    response = client.post(TABLE + "/query", json={"version": 1})
    assert response.status_code == 200 and len(response.text.splitlines()) == 3


def test_the_change_data_feed_needs_a_start(client):
    assert error(client.get(TABLE + "/changes")) == (
        400,
        "INVALID_PARAMETER_VALUE",
        "give startingVersion or startingTimestamp (one of them)",
    )


def test_a_file_url_that_names_no_file_or_a_swept_one_is_not_found(client):
    assert error(client.get("/delta-sharing/files/not-a-file-id")) == (
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "no such file",
    )
    lines = client.post(TABLE + "/query", json={}).text.splitlines()
    url = json.loads(lines[2])["file"]["url"]
    (client.sharing.files / A / f"{json.loads(lines[2])['file']['id']}.parquet").unlink()
    assert error(client.get(url)) == (
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "the file has been swept; query the table again",
    )


def test_a_bad_signature_is_logged_as_such(client):
    lines = client.post(TABLE + "/query", json={}).text.splitlines()
    file = json.loads(lines[2])["file"]
    forged = file["url"].split("&sig=")[0] + "&sig=" + "0" * 64
    assert error(client.get(forged)) == (403, "PERMISSION_DENIED", "the file URL's signature is not valid")
    assert logged_why(client, f"GET /delta-sharing/files/{file['id']}") == "bad URL signature"
