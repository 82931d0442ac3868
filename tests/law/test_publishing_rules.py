"""The publishing side obeys the profile: whose records open data opens (`disclosure`), and the
fields a landing file may not carry without the person's consent (`consent_required_fields`).
Each test changes one setting (`profile_with`) and shows what a reader, or an agency, would see
change. The registry's `authorisation_end_date_required` and the access log's
`query_log_retention` are tested beside their neighbours (tests/feeds/test_registry.py,
tests/feeds/test_audit.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from creditlake import landing, pipeline, warehouse
from creditlake.settings import RunConfig
from publishing import stages
from publishing.portal import portal_files
from tests.conftest import open_text
from tests.law.conftest import ORGS, write_extract

AS_OF = date(2026, 11, 20)
PERSON_ID = "220702197806038133"
BUSINESS_CODE = "92220104MA0Y123401"  # an individual business (GB 32100-2015: 9, then 2)
ORG_PENALTY, PERSON_PENALTY, BUSINESS_PENALTY = (
    "长市监罚〔2026〕1号",
    "长市监罚〔2026〕2号",
    "长市监罚〔2026〕3号",
)
ORG_CASE, PERSON_CASE = "(2025)吉0104执1号", "(2025)吉0104执2号"


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> RunConfig:
    """A warehouse built under national with one penalty each of an organisation, a natural
    person and an individual business named after its operator, and the court's list with an
    organisation and a natural person. Who of them is opened is decided at publication, so each
    test publishes this one warehouse under its own profile."""
    root = tmp_path_factory.mktemp("publishing_rules")
    cfg = RunConfig(landing=root / "landing", lake=root / "lake", as_of=AS_OF)
    decided = {"CF_JDRQ": "2026-05-06", "CF_NR_FK": "2"}
    write_extract(
        cfg.landing,
        "penalties",
        [
            decided | {"CF_WSH": ORG_PENALTY},
            decided
            | {
                "CF_WSH": PERSON_PENALTY,
                "CF_XDR_MC": "王建华",
                "CF_XDR_LB": "自然人",
                "CF_XDR_SHXYM": "",
                "CF_XDR_ZJLX": "身份证",
                "CF_XDR_ZJHM": PERSON_ID,
                "CF_SY": "王建华销售不合格产品",
            },
            decided
            | {
                "CF_WSH": BUSINESS_PENALTY,
                "CF_XDR_MC": "赵建军烧烤店",
                "CF_XDR_LB": "个体工商户",
                "CF_XDR_SHXYM": BUSINESS_CODE,
                "CF_FRDB": "赵建军",
                "CF_SY": "赵建军烧烤店使用过期食材",
            },
        ],
    )
    write_extract(
        cfg.landing,
        "court_dishonest",
        [
            {"SX_AH": ORG_CASE, "SX_ZJHM": ORGS[0]},
            {"SX_AH": PERSON_CASE, "SX_MC": "张三丰", "SX_ZJHM": "2201041990****1238", "SX_FRDB": ""},
        ],
    )
    landing.ensure_raw_schema(cfg)
    landed = [landing.land_file(cfg, f["path"], f["dataset"]) for f in landing.discover(cfg)]
    assert all(f["loaded"] == f["rows_in"] for f in landed), landed
    pipeline.validate_raw(cfg.to_conf(), landed)
    result = warehouse.build(cfg)
    assert result.success, result.failures[:3]
    return cfg


def published(lake: RunConfig, profile: str, run_id: str, monkeypatch) -> tuple[dict, dict, str, str]:
    """Open data of the lake published under `profile`: each dataset's rows as published (by
    their decision or case number), the gate's verdicts, everything a reader can download of
    this version, and the portal's search index."""
    monkeypatch.delenv("CREDITLAKE_OPEN_S3_BUCKET", raising=False)
    cfg = replace(lake, profile=profile)
    conf = cfg.to_conf()
    verdicts = {
        v["dataset"]: v for v in stages.validate_outputs(conf, stages.prepare_open_data(conf, run_id))
    }
    released = {r["dataset"]: r for r in stages.publish(conf, list(verdicts.values()))}
    rows = {}
    for dataset, key in (("penalties", "decision_number"), ("court_dishonest", "case_number")):
        item = released[dataset]
        parquet = next(f["path"] for f in item["files"] if f["path"].endswith(".parquet"))
        rows[dataset] = pd.read_parquet(cfg.open_root / parquet).set_index(key)
    text = "\n".join(open_text(cfg.open_root / d / released[d]["version"]) for d in released)
    return rows, verdicts, text, "".join(p.read_text(encoding="utf-8") for p in portal_files(cfg.open_root))


def test_natural_persons_public_opens_their_penalties_desensitised(lake, profile_with, monkeypatch):
    """jl-draft Art 18, gd-draft Art 21 (national borrows them): natural persons' credit
    information is not public in principle. A profile that makes it public opens their penalties
    (and an individual business's, a person's trade) with name and code masked as on the court's
    list (city-2022 Art 23), and the publish gate passes them."""
    rows, _verdicts, text, _index = published(lake, "national", "persons-closed", monkeypatch)
    assert list(rows["penalties"].index) == [ORG_PENALTY]
    assert "subject_type" not in rows["penalties"].columns  # with organisations only, as before
    assert "王**" not in text and "赵**" not in text

    opened = profile_with({"disclosure.natural_persons_public": True}, base="national")
    rows, verdicts, text, index = published(lake, opened, "persons-open", monkeypatch)
    penalties = rows["penalties"]
    assert set(penalties.index) == {ORG_PENALTY, PERSON_PENALTY, BUSINESS_PENALTY}
    person, business = penalties.loc[PERSON_PENALTY], penalties.loc[BUSINESS_PENALTY]
    assert (person["subject_name"], person["subject_type"]) == ("王**", "natural_person")
    assert person["subject_uscc"] is None  # a person has no USCC; the citizen ID is never opened
    assert person["violation_facts"] == "王**销售不合格产品"
    assert (business["subject_name"], business["subject_uscc"]) == ("赵**烧烤店", "922201********3401")
    assert business["subject_type"] == "individual_business"
    assert penalties.loc[ORG_PENALTY, "subject_name"] == "长春市金源商贸有限公司"
    assert verdicts["penalties"]["success"] and verdicts["penalties"]["withheld_rows"] == 0
    assert "王建华" not in text and "建华" not in text and "赵建军" not in text and PERSON_ID not in text
    assert (
        "长春市金源商贸有限公司" in index and "王**" not in index and "赵**" not in index
    )  # persons not searchable


def test_opened_by_law_opens_the_court_list_of_natural_persons(lake, profile_with, monkeypatch):
    """hl-2022 Art 23, hl-draft Art 24 (national borrows them): what the law requires published
    is opened, natural persons included: the courts' list, masked (city-2022 Art 23). Without
    the court list among `opened_by_law`, its natural persons are not opened."""
    rows, _verdicts, _text, _index = published(lake, "national", "law-opens", monkeypatch)
    court = rows["court_dishonest"]
    assert set(court.index) == {ORG_CASE, PERSON_CASE}
    assert (court.loc[PERSON_CASE, "subject_name"], court.loc[PERSON_CASE, "subject_identifier"]) == (
        "张**",
        "220104********1238",
    )

    closed = profile_with({"disclosure.opened_by_law": []}, base="national")
    rows, verdicts, text, _index = published(lake, closed, "law-closed", monkeypatch)
    assert list(rows["court_dishonest"].index) == [ORG_CASE]
    assert "张**" not in text and "220104********1238" not in text
    assert verdicts["court_dishonest"]["withheld_rows"] == 0  # not opened is not withheld


def test_organisations_public_opens_organisations(lake, profile_with, monkeypatch):
    """jl-draft Art 18, gd-draft Art 21: organisations' credit information is public in
    principle. A profile that does not make it public opens no organisation's record; the court's
    list still opens its natural persons, by law."""
    closed = profile_with({"disclosure.organisations_public": False}, base="national")
    rows, verdicts, text, _index = published(lake, closed, "orgs-closed", monkeypatch)
    assert rows["penalties"].empty and list(rows["court_dishonest"].index) == [PERSON_CASE]
    assert "长春市金源商贸有限公司" not in text and ORGS[0] not in text
    assert all(v["success"] for v in verdicts.values())


@pytest.mark.parametrize("header", ["房产套数", "纳税额（元）"])
def test_consent_required_fields_decide_which_columns_a_file_may_carry(cfg, profile_with, header):
    """city-2022 Art 20, hl-draft Art 20, gd-draft Art 17, hl-2022 Art 20 (national borrows them):
    real estate and tax amounts need the person's written consent, and an agency's extract is not
    that, so a file carrying them is refused whole. jl-draft Art 16 lists neither: there the column
    is ignored and the rows land; so under a profile that lists only jl-draft's four."""

    def land(profile: str, name: str) -> dict:
        run = replace(cfg, profile=profile, landing=cfg.landing / name, lake=cfg.lake.parent / f"lake-{name}")
        path = write_extract(run.landing, "penalties", [{"CF_WSH": "长市监罚〔2026〕9号", header: "2"}])
        landing.ensure_raw_schema(run)
        return landing.land_file(run, str(path), "penalties")

    refused = land("national", "national")
    assert refused["status"] == "refused" and refused["reason"].startswith("file_prohibited_field")
    assert header in refused["reason"]
    assert land("jl-draft", "jl")["loaded"] == 1
    four = profile_with(
        {"consent_required_fields": ["income", "deposits", "securities", "commercial_insurance"]},
        base="national",
    )
    result = land(four, "four")
    assert (result["status"], result["loaded"]) == ("landed", 1) and header in result["ignored_columns"]
