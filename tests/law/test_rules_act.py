"""Each rule of a profile acts: a test per setting changes it (`profile_with`) and shows what
a user would see change, a record published or not, its last day, its class. Every record
is hand-written in these tests (tests/law/conftest.py), landed and built as a run does.
Each test names the article (or the policy) behind the setting it changes."""

from datetime import date

import pytest

from tests.law.conftest import ORGS

AS_OF = date(2026, 11, 20)
PERSON_ID = "220702197806038133"
BUSINESS_CODE = "92220104MA0Y123401"  # an individual business (GB 32100-2015: 9, then 2)


def state(query, number: str) -> tuple:
    """(status, nature class, last day) of the record with this decision number."""
    rows = query(
        "select status, nature_class, effective_end from int_credit__records_as_of where decision_number = ?",
        number,
    )
    assert len(rows) == 1, rows
    return rows[0]


def penalty(number: str, **fields) -> dict:
    return {"CF_WSH": number} | fields


def test_periods_by_version_sets_the_period(built, profile_with):
    """NDRC Order 36: a general penalty is published for a year; a shorter version ends it sooner."""
    rows = [penalty("P1", CF_JDRQ="2026-05-06")]
    assert state(built("national", AS_OF, penalties=rows), "P1")[0] == "published"
    short = [
        {
            "version": "short",
            "in_force": {"from": None, "to": None},
            "article": "test",
            **{
                c: {
                    "published": True,
                    "min": {"value": 1, "unit": "months"},
                    "max": {"value": 3, "unit": "months"},
                }
                for c in ("minor", "general", "serious")
            },
        }
    ]
    variant = profile_with({"periods_by_version": short}, base="national")
    assert state(built(variant, AS_OF, penalties=rows), "P1")[0] == "expired"


def test_the_version_in_force_on_the_decision_date_sets_the_period(built, profile_with):
    """A decision takes the periods of the version in force on its date: a general penalty of
    2026-05-06 is published a year under NDRC Order 36 (in force from 2026-04-01), three under
    Order 58 had Order 36 come into force a month later."""
    import copy

    from creditlake.jurisdiction import load_profile

    rows = [penalty("V1", CF_JDRQ="2026-05-06")]
    assert state(built("national", AS_OF, penalties=rows), "V1")[::2] == ("published", date(2027, 5, 6))
    versions = copy.deepcopy(load_profile("national").rules["periods_by_version"])
    order_58, order_36 = versions[-2], versions[-1]
    assert (order_58["in_force"]["to"], order_36["in_force"]["from"]) == (date(2026, 3, 31), date(2026, 4, 1))
    order_58["in_force"]["to"], order_36["in_force"]["from"] = date(2026, 5, 31), date(2026, 6, 1)
    later = profile_with({"periods_by_version": versions}, base="national")
    assert state(built(later, AS_OF, penalties=rows), "V1")[::2] == ("published", date(2029, 5, 6))


@pytest.mark.parametrize("profile", ["national", "jl-draft", "city-2022", "hl-draft", "gd-draft", "hl-2022"])
def test_decisions_of_2016_to_2019_are_not_published_in_2026(built, profile):
    """Migrated history: no decision of 2016-2019 is still published in 2026 under any profile
    (national: `earlier_decisions` gives decisions before 2019-07-01 the first version's periods)."""
    rows = [
        penalty(f"H{i}", CF_JDRQ=decided, CF_CFLB=category, CF_NR_FK=fine)
        for i, (decided, category, fine) in enumerate(
            [
                ("2016-01-04", "罚款", "2"),
                ("2017-06-30", "警告", "0"),
                ("2018-03-01", "罚款;责令停产停业", "50"),
                ("2018-12-31", "罚款", "150"),
                ("2019-06-30", "罚款", "5"),
                ("2019-07-01", "罚款", "5"),
                ("2019-12-31", "罚款;吊销许可证件", "20"),
            ]
        )
    ]
    query = built(profile, AS_OF, checked=True, penalties=rows)  # with dbt's data tests
    # every one reached the warehouse ...
    states = dict(query("select decision_number, status from int_credit__records_as_of"))
    assert set(states) == {f"H{i}" for i in range(7)}, states
    assert [n for n, status in states.items() if status == "published"] == []  # ... none published
    assert query("select count(*) from pub_open__penalties")[0][0] == 0


def test_earlier_decisions_before_the_first_national_version(built, profile_with):
    """platform policy (`earlier_decisions`): a 2018 decision follows NDRC 2019 No. 527's periods,
    or is not published at all."""
    rows = [penalty("E1", CF_JDRQ="2018-09-03")]
    assert state(built("national", date(2018, 12, 3), penalties=rows), "E1")[0] == "published"
    variant = profile_with({"earlier_decisions": "not_published"}, base="national")
    assert state(built(variant, date(2018, 12, 3), penalties=rows), "E1")[0] == "excluded"


def test_jl_period_runs_from_the_effective_date(built, profile_with):
    """jl-draft Art 19: publicity runs from the day the decision took effect, where carried."""
    rows = [penalty("J1", CF_JDRQ="2025-10-09", CF_JDSXRQ="2025-12-10")]
    assert state(built("jl-draft", AS_OF, penalties=rows), "J1")[::2] == ("published", date(2026, 12, 10))
    variant = profile_with({"period_start": "decision_date"}, base="jl-draft")
    assert state(built(variant, AS_OF, penalties=rows), "J1")[::2] == ("expired", date(2026, 10, 9))


def test_hl_draft_period_runs_from_the_end_of_continuing_conduct(built):
    """hl-draft Art 51: for continuing conduct, the period counts from the day it ended."""
    rows = [penalty("C1", CF_JDRQ="2025-12-01", CF_XWZZRQ="2025-10-08"), penalty("C2", CF_JDRQ="2025-12-01")]
    query = built("hl-draft", AS_OF, penalties=rows)
    assert state(query, "C1")[::2] == ("expired", date(2026, 10, 8))
    assert state(query, "C2")[::2] == ("published", date(2026, 12, 1))


@pytest.mark.parametrize(
    "key, value, record, before, after",
    [
        (
            "penalty_tiers.serious_categories",
            [],
            {"CF_CFLB": "罚款;责令停产停业", "CF_NR_FK": "5"},
            "serious",
            "general",
        ),
        (
            "penalty_tiers.minor_only_categories",
            [],
            {"CF_CFLB": "通报批评", "CF_NR_FK": ""},
            "minor",
            "general",
        ),
        ("penalty_tiers.serious_fine_wan", 1000, {"CF_NR_FK": "150"}, "serious", "general"),
        (
            "penalty_tiers.minor_fine_categories",
            ["警告"],
            {"CF_CFLB": "罚款", "CF_NR_FK": "0.2"},
            "minor",
            "general",
        ),
    ],
)
def test_penalty_tiers_set_the_class(built, profile_with, key, value, record, before, after):
    """NDRC Order 36 tiers: the categories and fine that make a penalty serious or minor."""
    rows = [penalty("T1", CF_JDRQ="2026-05-06", **record)]
    assert state(built("national", AS_OF, penalties=rows), "T1")[1] == before
    variant = profile_with({key: value}, base="national")
    assert state(built(variant, AS_OF, penalties=rows), "T1")[1] == after


def test_minor_fine_ceiling_depends_on_the_subject(built, profile_with):
    """Administrative Penalty Law 2021 Art 51: the simple procedure fines a citizen up to 200
    yuan and an organisation up to 3,000; a 500-yuan fine on a person is not minor (issue item i)."""
    person = {
        "CF_XDR_MC": "王伟",
        "CF_XDR_LB": "自然人",
        "CF_XDR_SHXYM": "",
        "CF_XDR_ZJLX": "身份证",
        "CF_XDR_ZJHM": PERSON_ID,
    }
    business = {"CF_XDR_MC": "赵建军烧烤店", "CF_XDR_LB": "个体工商户", "CF_XDR_SHXYM": BUSINESS_CODE}
    rows = [
        penalty("M1", CF_JDRQ="2026-05-06", CF_NR_FK="0.05", **person),
        penalty("M2", CF_JDRQ="2026-05-06", CF_NR_FK="0.25"),
        penalty("M3", CF_JDRQ="2026-05-06", CF_NR_FK="0.05", **business),
    ]
    query = built("national", AS_OF, penalties=rows)
    assert [state(query, m)[1] for m in ("M1", "M2", "M3")] == ["general", "minor", "general"]
    # each subject type by its own ceiling: none is the smallest of them, which a type not
    # looked up would fall back to
    ceilings = {"organisation": 0.3, "natural_person": 0.1, "individual_business": 0.02}
    variant = profile_with({"penalty_tiers.minor_fine_wan": ceilings}, base="national")
    query = built(variant, AS_OF, penalties=rows)
    assert [state(query, m)[1] for m in ("M1", "M2", "M3")] == ["minor", "minor", "general"]
    ceilings = {"organisation": 0.3, "natural_person": 0.02, "individual_business": 0.1}
    variant = profile_with({"penalty_tiers.minor_fine_wan": ceilings}, base="national")
    query = built(variant, AS_OF, penalties=rows)
    assert [state(query, m)[1] for m in ("M1", "M2", "M3")] == ["general", "minor", "minor"]


@pytest.mark.parametrize("key", ["long_term_categories.categories", "long_term_categories.fields"])
def test_hl_draft_long_term_categories(built, profile_with, key):
    """hl-draft Art 51: a food licence revoked is published long-term; without the category
    (or the field) it ends after its period like any serious penalty."""
    rows = [
        penalty(
            "L1",
            CF_JDRQ="2020-01-06",
            CF_CFLB="吊销许可证件",
            CF_WFXW="食品安全违法",
            CF_NR="吊销食品经营许可证",
        )
    ]
    query = built("hl-draft", AS_OF, penalties=rows)
    assert state(query, "L1")[::2] == ("published", None)
    assert "hl-draft Art 51" in query("select end_rule from int_credit__records_as_of")[0][0]
    variant = profile_with({key: {}}, base="hl-draft")
    assert state(built(variant, AS_OF, penalties=rows), "L1")[0] == "expired"


def test_basic_publicity(built, profile_with):
    """platform policy: a licence is shown while valid; gd-draft Art 24(1): basic information
    until the subject ends (item f); long-term when the profile says so."""
    rows = [{"XK_WSH": "B1", "XK_YXQZI": "2025-01-01"}]
    assert state(built("national", AS_OF, licenses=rows), "B1")[0] == "expired"
    assert state(built("gd-draft", AS_OF, licenses=rows), "B1")[0] == "published"
    variant = profile_with({"basic_publicity": "long_term"}, base="national")
    assert state(built(variant, AS_OF, licenses=rows), "B1")[0] == "published"


def test_positive_publicity(built, profile_with):
    """gd-draft Art 24(3): an honour ends with its validity; long-term where the profile says so
    (hl-2022 Art 37 allows it)."""
    rows = [{"RY_WH": "R1", "RY_YXQZ": "2025-12-31"}]
    assert state(built("gd-draft", AS_OF, honors=rows), "R1")[0] == "expired"
    variant = profile_with({"positive_publicity": "long_term"}, base="gd-draft")
    assert state(built(variant, AS_OF, honors=rows), "R1")[0] == "published"


def test_court_list_publicity(built, profile_with):
    """platform policy (item h): the court's entry stays until the court removes it, or for a
    set term where the profile gives one."""
    rows = [{}]
    assert state(built("hl-2022", AS_OF, court_dishonest=rows), "(2020)吉0104执1号")[0] == "published"
    variant = profile_with({"court_list_publicity": {"value": 2, "unit": "years"}}, base="hl-2022")
    assert state(built(variant, AS_OF, court_dishonest=rows), "(2020)吉0104执1号")[0] == "expired"


def test_serious_list_extends_publicity(built, profile_with):
    """gd-draft Art 24(2): dishonest information stays published while the subject is on the
    serious list."""
    extracts = {"penalties": [penalty("S1", CF_JDRQ="2022-01-04")], "court_dishonest": [{}]}
    assert state(built("gd-draft", AS_OF, **extracts), "S1")[0] == "published"
    variant = profile_with({"serious_list_extends_publicity": False}, base="gd-draft")
    assert state(built(variant, AS_OF, **extracts), "S1")[0] == "expired"


def repaired(number: str, on: str) -> dict:
    return {"XF_BH": f"XF-{number}", "XF_YWSH": number, "XF_JDRQ": on}


@pytest.mark.parametrize(
    "key, value, base, record, repair_on, before, after",
    [
        ("repair.general.repairable", False, "national", {}, "2026-09-01", "repaired", "published"),
        (
            "repair.general.wait",
            {"value": 0, "unit": "months"},
            "national",
            {},
            "2026-06-01",
            "published",
            "repaired",
        ),
        (
            "repair.serious.repairable",
            True,
            "gd-draft",
            {"CF_CFLB": "责令停产停业"},
            "2026-09-01",
            "published",
            "repaired",
        ),
        (
            "repair.serious.wait",
            {"value": 0, "unit": "months"},
            "national",
            {"CF_CFLB": "责令停产停业"},
            "2026-09-01",
            "published",
            "repaired",
        ),
        (
            "repair.never_repairable",
            ["吊销食品经营许可证"],
            "national",
            {"CF_NR": "罚款2万元，吊销食品经营许可证"},
            "2026-09-01",
            "repaired",
            "published",
        ),
        ("repair.effect", "stop", "jl-draft", {}, "2026-09-01", "published", "repaired"),
    ],
)
def test_repair_rules(built, profile_with, key, value, base, record, repair_on, before, after):
    """NDRC Order 36 (repair after the minimum period), gd-draft Art 41 (serious dishonesty not
    repairable), jl-draft Art 37 (some serious penalties never repaired), jl-draft Art 38 (the
    repair is marked, the record stays)."""
    extracts = {
        "penalties": [penalty("R1", CF_JDRQ="2026-05-06", **record)],
        "repairs": [repaired("R1", repair_on)],
    }
    assert state(built(base, AS_OF, **extracts), "R1")[0] == before
    variant = profile_with({key: value}, base=base)
    assert state(built(variant, AS_OF, **extracts), "R1")[0] == after


def test_jl_repair_is_marked_not_removed(built):
    """jl-draft Art 38 (item d): the platform marks the repair; the record stays published, marked."""
    extracts = {"penalties": [penalty("R2", CF_JDRQ="2026-03-02")], "repairs": [repaired("R2", "2026-09-01")]}
    query = built("jl-draft", AS_OF, **extracts)
    assert query("select status, repair_marked from int_credit__records_as_of")[0] == ("published", True)


@pytest.mark.parametrize("profile", ["hl-draft", "hl-2022", "city-2022"])
def test_no_waiting_period_for_repair_where_the_text_sets_none(built, profile):
    """hl-draft Art 54, hl-2022 Art 40, city-2022 Art 46 set no waiting period (item e): a repair a
    month after the decision applies, and none is dropped."""
    extracts = {"penalties": [penalty("W1", CF_JDRQ="2026-05-06")], "repairs": [repaired("W1", "2026-06-01")]}
    query = built(profile, AS_OF, **extracts)
    assert state(query, "W1")[0] == "repaired"
    assert query("select outcome from fct_repair_decisions") == [("applied",)]


def test_a_premature_repair_is_reported_not_dropped(built):
    """NDRC Order 36 (national): a repair before the waiting period is listed with its reason."""
    extracts = {"penalties": [penalty("W2", CF_JDRQ="2026-05-06")], "repairs": [repaired("W2", "2026-06-01")]}
    query = built("national", AS_OF, **extracts)
    assert query("select outcome from fct_repair_decisions") == [("before_waiting_period",)]


@pytest.mark.parametrize(
    "key, base, field, value",
    [
        ("exclusions.simple_procedure", "national", "CF_AJCXLB", "简易程序"),
        ("exclusions.minor_first_violation", "hl-draft", "CF_SCQW", "是"),
    ],
)
def test_exclusions_at_landing(built, profile_with, key, base, field, value):
    """hl-2022 Art 18, hl-draft Art 19: simple-procedure penalties, and (hl-draft) minor first-time
    violations, are excluded at landing with their reason; switched off, they load."""
    rows = [penalty("X1", CF_JDRQ="2026-05-06", **{field: value})]
    query = built(base, AS_OF, penalties=rows)
    assert [r["excluded"] for r in query.landed] == [1]
    variant = profile_with({key: False}, base=base)
    query = built(variant, AS_OF, penalties=rows)
    assert [r["excluded"] for r in query.landed] == [0] and state(query, "X1")[0] == "published"


def request(kind: str, scope: str = "") -> dict:
    return {
        "SQ_BH": "SQ1",
        "SQ_ZTMC": "长春市金源商贸有限公司",
        "SQ_ZTDM": ORGS[0],
        "SQ_LX": kind,
        "SQ_FW": scope,
        "SQ_SQRQ": "2026-10-08",
        "SQ_SLRQ": "2026-10-09",
    }


@pytest.mark.parametrize(
    "key, kind, status",
    [
        ("positive_withheld_on_request", "不公示守信信息", "withheld_on_request"),
        ("honours_deleted_on_request", "删除荣誉信息", "deleted_on_request"),
    ],
)
def test_subject_requests(built, profile_with, key, kind, status):
    """hl-2022 Art 37 (positive information withheld on request), city-2022 Art 48 (honours
    deleted on request): switched off, the honour stays published."""
    extracts = {"honors": [{"RY_WH": "Q1"}], "subject_requests": [request(kind, "全部")]}
    assert state(built("national", AS_OF, **extracts), "Q1")[0] == status
    variant = profile_with({key: False}, base="national")
    assert state(built(variant, AS_OF, **extracts), "Q1")[0] == "published"
