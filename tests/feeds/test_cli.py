"""The operator's and the institution's commands: `creditlake feeds verify`, `audit verify`,
`tokens issue|list|revoke` and `serve`, called as a user would (in-process through
`creditlake.cli.main`, and `serve` as a real process the official client talks to)."""

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import delta_sharing
import pytest
import requests
from requests.exceptions import HTTPError

from creditlake.cli import main
from publishing.audit import segments
from publishing.feeds import deliver
from tests.feeds.conftest import LIC_A, A, B, base_records

CREDITLAKE = str(Path(sys.executable).parent / "creditlake")


@pytest.fixture
def delivered(lake):
    """Day-one deliveries in the test lake; returns (lake, A's delivery folder, public key)."""
    lake.warehouse(base_records())
    results = {r["licence"]: r for r in deliver(lake.cfg(), lake.registry(), "run-1", s3=None)}
    folder = Path(results[LIC_A]["folder"])
    return lake, folder, lake.cfg().lake / "keys" / "feeds" / "platform-ed25519.pub.pem"


# --- creditlake feeds verify ------------------------------------------------------------------


def test_feeds_verify_accepts_an_untouched_delivery_and_its_licence_folder(delivered, capsys):
    _, folder, key = delivered
    assert main(["feeds", "verify", str(folder), "--key", str(key), "--institution", A]) == 0
    assert capsys.readouterr().out.startswith(f"OK  {folder}")
    assert main(["feeds", "verify", str(folder.parent), "--key", str(key)]) == 0  # every delivery, chained


def test_feeds_verify_fails_on_a_tampered_file(delivered, capsys):
    _, folder, key = delivered
    snapshot = folder / "snapshot.parquet"
    data = bytearray(snapshot.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same size
    snapshot.write_bytes(bytes(data))
    assert main(["feeds", "verify", str(folder), "--key", str(key)]) == 1
    err = capsys.readouterr().err
    assert "snapshot.parquet: sha256 does not match the manifest" in err and "do not use it" in err


def test_feeds_verify_fails_on_an_edited_manifest_and_on_another_institutions_delivery(delivered, capsys):
    _, folder, key = delivered
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert main(["feeds", "verify", str(folder), "--key", str(key), "--institution", B]) == 1
    assert f"addressed to {A}, not {B}" in capsys.readouterr().err
    manifest["counts"]["withdrawals"] = 0
    manifest["watermark"] = "2027-01-01"
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["feeds", "verify", str(folder), "--key", str(key)]) == 1
    assert "signature does not verify" in capsys.readouterr().err


def test_feeds_verify_with_the_wrong_key_fails(delivered, tmp_path, capsys):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _, folder, _ = delivered
    other = tmp_path / "other.pub.pem"
    other.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert main(["feeds", "verify", str(folder), "--key", str(other)]) == 1
    assert "signature does not verify" in capsys.readouterr().err
    assert main(["feeds", "verify", str(folder), "--key", str(tmp_path / "missing.pem")]) == 2


# --- creditlake audit verify ------------------------------------------------------------------


def test_audit_verify_counts_an_intact_log(delivered, capsys):
    lake, _, _ = delivered
    assert main(["audit", "verify", "--lake", str(lake.cfg().lake)]) == 0
    # segment_start, one entry per licence in the registry (two delivered, one refused), and
    # one per delivery naming the subjects it carried
    assert capsys.readouterr().out.startswith("OK  6 entries in 1 segment(s)")


def test_audit_verify_fails_on_an_edited_or_deleted_entry(delivered, capsys):
    lake, _, _ = delivered
    [(_, segment)] = segments(lake.cfg().lake / "audit")
    lines = segment.read_text(encoding="utf-8").splitlines(keepends=True)
    assert '"result":"refused"' in lines[3]
    segment.write_text(
        "".join(lines[:3] + [lines[3].replace('"result":"refused"', '"result":"ok"')]), encoding="utf-8"
    )
    assert main(["audit", "verify", "--lake", str(lake.cfg().lake)]) == 1
    err = capsys.readouterr().err
    assert f"{segment.name} line 4: hash does not match the entry's content (the entry was edited)" in err

    segment.write_text("".join(lines[:2] + lines[3:]), encoding="utf-8")  # line 3 deleted
    assert main(["audit", "verify", "--lake", str(lake.cfg().lake)]) == 1
    assert "an entry was deleted, inserted or reordered" in capsys.readouterr().err


def test_audit_verify_without_a_log_fails(tmp_path, capsys):
    assert main(["audit", "verify", "--lake", str(tmp_path)]) == 1
    assert "no access log" in capsys.readouterr().err


def test_audit_prune_keeps_what_the_profile_retains(tmp_path, capsys, profile_with):
    """`creditlake audit prune`: whole monthly segments older than the profile's retention go
    (jl-draft Art 20: 3 years), none where the profile keeps the log long-term (gd-draft Art 22)
    or longer than they are old."""
    from datetime import date

    from publishing.audit import AccessLog
    from tests.feeds.conftest import Clock

    clock = Clock(date(2022, 1, 15))
    log = AccessLog(tmp_path / "audit", clock)
    for month in range(14):  # 2022-01 to 2023-02, one segment a month
        clock.set(date(2022 + month // 12, month % 12 + 1, 15))
        log.record(action="delivery", result="ok", institution=A, licence=LIC_A)
    prune = ["audit", "prune", "--lake", str(tmp_path), "--before", "2026-01-01", "--profile"]
    for profile in ("gd-draft", profile_with({"query_log_retention": 30}, base="jl-draft")):
        assert main([*prune, profile]) == 0
        assert json.loads(capsys.readouterr().out)["pruned"] == [] and len(segments(tmp_path / "audit")) == 14
    assert main([*prune, "jl-draft"]) == 0
    assert len(json.loads(capsys.readouterr().out)["pruned"]) == 14
    assert main(["audit", "verify", "--lake", str(tmp_path)]) == 0  # the prune is in the chain


# --- creditlake tokens ------------------------------------------------------------------------


def issue(lake, *extra):
    return main(
        [
            "tokens",
            "issue",
            "--lake",
            str(lake.cfg().lake),
            "--registry",
            str(lake.registry_root),
            "--institution",
            A,
            *extra,
        ]
    )


def test_tokens_issue_prints_the_token_once_and_writes_the_profile(lake, tmp_path, capsys):
    profile_file = tmp_path / "out" / "a.share"
    assert (
        issue(
            lake,
            "--days",
            "30",
            "--profile-file",
            str(profile_file),
            "--endpoint",
            "https://share.example.cn/delta-sharing/",
        )
        == 0
    )
    out = capsys.readouterr().out
    token = next(line.split()[2] for line in out.splitlines() if line.startswith("bearer token"))
    profile = json.loads(profile_file.read_text(encoding="utf-8"))
    assert set(profile) == {"shareCredentialsVersion", "endpoint", "bearerToken", "expirationTime"}
    assert profile["shareCredentialsVersion"] == 1 and profile["bearerToken"] == token
    assert profile["endpoint"] == "https://share.example.cn/delta-sharing"
    assert profile["expirationTime"].endswith("Z")
    assert stat.S_IMODE(profile_file.stat().st_mode) == 0o600  # it carries the bearer token
    assert LIC_A in out  # the shares the token will see
    stored = (lake.cfg().lake / "sharing" / "tokens.json").read_text(encoding="utf-8")
    assert token not in stored  # only its hash is kept

    assert main(["tokens", "list", "--lake", str(lake.cfg().lake)]) == 0
    listed = capsys.readouterr().out
    assert A in listed and token not in listed and "expires" in listed


def test_tokens_issue_refuses_an_unknown_institution_a_missing_registry_and_a_long_life(
    lake, tmp_path, capsys, monkeypatch
):
    profile_file = tmp_path / "x.share"
    args = ["tokens", "issue", "--lake", str(lake.cfg().lake), "--profile-file", str(profile_file)]
    assert main([*args, "--institution", A]) == 2  # no --registry, no CREDITLAKE_REGISTRY
    assert "no registry" in capsys.readouterr().err
    monkeypatch.setenv("CREDITLAKE_REGISTRY", str(lake.registry_root))
    assert main([*args, "--institution", "91110000000000000X"]) == 2
    assert main([*args, "--institution", A, "--days", "400"]) == 2
    assert "1 to 366 days" in capsys.readouterr().err
    assert not profile_file.exists()
    lake.edit("licences.yml", "licences", {"id": LIC_A}, valid_to="not a date")
    assert main([*args, "--institution", A]) == 2
    assert "valid_to: 'not a date' is not a YYYY-MM-DD date" in capsys.readouterr().err


def test_tokens_revoke_marks_the_token_and_unknown_ids_fail(lake, tmp_path, capsys):
    assert issue(lake, "--profile-file", str(tmp_path / "a.share")) == 0
    token_id = next(
        line.split()[2] for line in capsys.readouterr().out.splitlines() if line.startswith("token id")
    )
    assert main(["tokens", "revoke", "--lake", str(lake.cfg().lake), token_id]) == 0
    assert f"revoked {token_id}" in capsys.readouterr().out
    main(["tokens", "list", "--lake", str(lake.cfg().lake)])
    assert f"{token_id}  {A}" in (listed := capsys.readouterr().out) and "revoked" in listed
    assert main(["tokens", "revoke", "--lake", str(lake.cfg().lake), "tok_nosuch"]) == 1


# --- creditlake serve, with the official client -----------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(delivered, tmp_path):
    """`creditlake serve` as its own process on loopback, stopped after the test."""
    lake, _, _ = delivered
    # Far-off end dates: the server runs on the real clock, and this test must not expire.
    lake.edit("licences.yml", "licences", {"id": LIC_A}, valid_to="2099-12-31")
    lake.edit("institutions.yml", "institutions", {"uscc": A}, qualified_to=None)
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CREDITLAKE_") or k == "CREDITLAKE_AUDIT_KEY_FILE"
    }
    log = (tmp_path / "serve.log").open("w")  # a file, not a pipe nobody drains
    proc = subprocess.Popen(
        [
            CREDITLAKE,
            "serve",
            "--lake",
            str(lake.cfg().lake),
            "--registry",
            str(lake.registry_root),
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/delta-sharing"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/shares", timeout=1)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise RuntimeError(
                        "creditlake serve did not start:\n" + (tmp_path / "serve.log").read_text()
                    ) from None
                time.sleep(0.2)
        yield lake, base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_serve_answers_the_official_client_with_a_token_from_tokens_issue(server, tmp_path, capsys):
    lake, endpoint = server
    profile_file = tmp_path / "a.share"
    assert issue(lake, "--profile-file", str(profile_file), "--endpoint", endpoint) == 0
    token_id = next(
        line.split()[2] for line in capsys.readouterr().out.splitlines() if line.startswith("token id")
    )

    profile = str(profile_file)
    shares = [s.name for s in delta_sharing.SharingClient(profile).list_shares()]
    assert shares == [LIC_A]  # A's own pull licence only
    records = delta_sharing.load_as_pandas(profile + f"#{LIC_A}.administrative_penalty.records")
    assert {"pen-org-1", "pen-org-2", "pen-ib-1"} <= set(records["record_id"])
    assert "pen-p3" not in set(records["record_id"])  # a natural person who never authorised A

    assert main(["tokens", "revoke", "--lake", str(lake.cfg().lake), token_id]) == 0
    with pytest.raises(HTTPError) as refused:
        delta_sharing.SharingClient(profile).list_shares()
    assert refused.value.response.status_code == 401

    # every request, the refused one too, is in the access log, and the log verifies
    assert main(["audit", "verify", "--lake", str(lake.cfg().lake)]) == 0
    entries = [
        json.loads(line)
        for _, seg in segments(lake.cfg().lake / "audit")
        for line in seg.read_text(encoding="utf-8").splitlines()
    ]
    assert [e["result"] for e in entries if e["action"] == "GET /delta-sharing/shares"][-1] == "refused"


def test_serve_refuses_to_start_without_a_registry(lake, capsys, monkeypatch):
    lake.cfg().lake.mkdir(parents=True)
    assert main(["serve", "--lake", str(lake.cfg().lake)]) == 2
    assert "no registry" in capsys.readouterr().err
    assert (
        main(
            [
                "serve",
                "--lake",
                str(lake.cfg().lake),
                "--registry",
                str(lake.registry_root),
                "--profile",
                "nowhere",
            ]
        )
        == 2
    )


# --- creditlake run --registry: checked before Airflow starts --------------------------------


def test_run_refuses_a_missing_or_invalid_registry_before_starting_airflow(lake, tmp_path, capsys):
    (tmp_path / "landing").mkdir()
    args = [
        "run",
        "--landing",
        str(tmp_path / "landing"),
        "--lake",
        str(tmp_path / "lake"),
        "--as-of",
        "2026-11-22",
    ]
    assert main([*args, "--registry", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
    lake.edit("institutions.yml", "institutions", {"uscc": A}, status="dormant")
    assert main([*args, "--registry", str(lake.registry_root)]) == 2
    assert "status: 'dormant' is not one of active, suspended, revoked" in capsys.readouterr().err
    assert not (tmp_path / "lake").exists()  # nothing ran
