"""Fixtures for feeds, sharing and the access log: small warehouses with exactly the mart
interface (`fct_shareable_records`, `fct_withdrawals`), a registry copied from the example
files, and the sharing app running under uvicorn on loopback."""

from __future__ import annotations

import json
import shutil
import threading
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from creditlake.settings import RunConfig
from publishing.audit import CHINA
from publishing.registry import EXAMPLE_ROOT, load_registry

AS_OF = date(2026, 11, 22)
A = "91110105L30P8774P4"  # active, licence LIC-A-2026-001 (both), natural persons authorised
B = "911101053MPWH2JD1Q"  # active, licence LIC-B-2026-001 (pull), organisations only
C = "911101050267GK0H6G"  # suspended
LIC_A, LIC_B, LIC_C = "LIC-A-2026-001", "LIC-B-2026-001", "LIC-C-2025-001"
P1 = "440305195503233483"  # authorised to A until 2027-05-31
P2 = "230102197203209801"  # authorised to A until 2026-11-30
P3 = "220102197602223895"  # never authorised
ORG1, ORG2, ORG3 = "911101050267GK0H6G", "91110105NLNHD7EJ85", "91110105L30P8774P4"


def record(
    record_id: str,
    dataset: str,
    item: str,
    subject_type: str,
    key: str,
    *,
    objection: bool = False,
    decision: str = "2026-05-10",
    end: str | None = "2027-05-09",
    extra: dict | None = None,
) -> dict:
    return {
        "record_id": record_id,
        "dataset": dataset,
        "catalog_item": item,
        "subject_type": subject_type,
        "subject_key": key,
        "subject_name": "某公司" if subject_type != "natural_person" else "张三",
        "decision_number": f"京罚〔2026〕{record_id}号",
        "decision_date": decision,
        "publicity_end": end,
        "nature_class": "general",
        "under_objection": objection,
        "record_json": json.dumps(
            {"penalty_content": "罚款", "amount_wan": 1.5, **(extra or {})}, ensure_ascii=False
        ),
    }


def base_records() -> list[dict]:
    return [
        record("pen-org-1", "penalties", "administrative_penalty", "organisation", ORG1),
        record("pen-org-2", "penalties", "administrative_penalty", "organisation", ORG2, objection=True),
        record("pen-ib-1", "penalties", "administrative_penalty", "individual_business", ORG3),
        record("pen-p1", "penalties", "administrative_penalty", "natural_person", P1),
        record("pen-p2", "penalties", "administrative_penalty", "natural_person", P2),
        record("pen-p3", "penalties", "administrative_penalty", "natural_person", P3),
        record("lic-org-1", "licenses", "administrative_licence", "organisation", ORG1, end=None),
        record("court-org-1", "court_dishonest", "court_dishonest_debtor", "organisation", ORG2, end=None),
        record("court-p1", "court_dishonest", "court_dishonest_debtor", "natural_person", P1, end=None),
        record("honour-org-1", "honors", "honour", "organisation", ORG2, end=None),
    ]


def build_warehouse(path: Path, records: list[dict], withdrawals: list[dict] | None = None) -> Path:
    """A DuckDB file with the two marts, typed exactly as the dbt contract says."""
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    with duckdb.connect(str(path)) as con:
        con.execute("""create table main.fct_shareable_records (
            record_id varchar, dataset varchar, catalog_item varchar, subject_type varchar, subject_key varchar,
            subject_name varchar, decision_number varchar, decision_date date, publicity_end date,
            nature_class varchar, under_objection boolean, record_json varchar)""")
        con.execute("""create table main.fct_withdrawals (
            record_id varchar, dataset varchar, catalog_item varchar, subject_type varchar, subject_key varchar,
            withdrawn_on date, reason varchar)""")
        for r in records:
            con.execute(
                "insert into main.fct_shareable_records values (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    r[k]
                    for k in (
                        "record_id",
                        "dataset",
                        "catalog_item",
                        "subject_type",
                        "subject_key",
                        "subject_name",
                        "decision_number",
                        "decision_date",
                        "publicity_end",
                        "nature_class",
                        "under_objection",
                        "record_json",
                    )
                ],
            )
        for w in withdrawals or []:
            con.execute(
                "insert into main.fct_withdrawals values (?,?,?,?,?,?,?)",
                [
                    w[k]
                    for k in (
                        "record_id",
                        "dataset",
                        "catalog_item",
                        "subject_type",
                        "subject_key",
                        "withdrawn_on",
                        "reason",
                    )
                ],
            )
    return path


def withdrawal(rec: dict, reason: str, on: str) -> dict:
    return {k: rec[k] for k in ("record_id", "dataset", "catalog_item", "subject_type", "subject_key")} | {
        "withdrawn_on": on,
        "reason": reason,
    }


def run_config(lake: Path, as_of: date) -> RunConfig:
    return RunConfig(landing=lake.parent / "landing", lake=lake, as_of=as_of)


class Lake:
    """One test lake: the registry folder, the warehouse, and a config per run date."""

    def __init__(self, root: Path):
        self.root = root
        self.lake = root / "lake"
        self.registry_root = root / "registry"
        shutil.copytree(EXAMPLE_ROOT, self.registry_root)

    def cfg(self, as_of: date = AS_OF) -> RunConfig:
        return run_config(self.lake, as_of)

    def registry(self):
        return load_registry(self.registry_root)

    def warehouse(self, records: list[dict], withdrawals: list[dict] | None = None) -> Path:
        return build_warehouse(self.cfg().warehouse, records, withdrawals)

    def edit(self, file: str, key: str, match: dict, **changes) -> None:
        """Change the fields of the registry entry matching `match` (the server reloads on change)."""
        path = self.registry_root / file
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        hits = [e for e in doc[key] if all(e.get(k) == v for k, v in match.items())]
        assert hits, f"no entry {match} in {file}"
        for entry in hits:
            entry.update(changes)
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def lake(tmp_path, monkeypatch) -> Lake:
    for var in (
        "CREDITLAKE_FEEDS_S3_BUCKET",
        "CREDITLAKE_FEEDS_S3_PREFIX",
        "CREDITLAKE_AUDIT_DIR",
        "CREDITLAKE_FEEDS_KEYS",
        "CREDITLAKE_FEEDS_SIGNING_KEY",
        "CREDITLAKE_FEEDS_SIGNATURE",
        "CREDITLAKE_SHARING_TOKENS",
        "CREDITLAKE_SHARING_URL_KEY",
        "CREDITLAKE_REGISTRY",
    ):
        monkeypatch.delenv(var, raising=False)
    return Lake(tmp_path)


class Clock:
    """A settable clock in China time: the server and the log read it on every call."""

    def __init__(self, day: date, hour: int = 10):
        self.now = datetime(day.year, day.month, day.day, hour, tzinfo=CHINA)

    def __call__(self) -> datetime:
        return self.now

    def set(self, day: date, hour: int = 10) -> None:
        self.now = datetime(day.year, day.month, day.day, hour, tzinfo=CHINA)

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@contextmanager
def running(app):
    """The app under uvicorn in a background thread on 127.0.0.1, on a free port."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def write_profile(path: Path, endpoint: str, token: str, token_record: dict) -> str:
    from publishing.sharing import profile

    path.write_text(json.dumps(profile(endpoint, token, token_record)), encoding="utf-8")
    return str(path)
