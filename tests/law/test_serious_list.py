"""The serious dishonest list (严重失信主体名单): an agency's written determination lands, lists
its subject and the persons of a listed organisation, and the entry leaves the list as each
profile's text says (its term, a revocation, an objection, a repair). Every determination and
event here is hand-written, landed through `creditlake.landing` and built with dbt; each test
names the article (or the policy) behind what it shows. `profile_with` changes one setting of
`serious_list` and the test observes the effect."""

from datetime import date

from creditlake.jurisdiction import load_profile
from tests.law.conftest import ORGS

ORG, OTHER = ORGS[1], ORGS[2]
# valid citizen ID numbers (GB 11643-1999 check digit) of the organisation's persons
LEGAL_REP, PRINCIPAL, CONTROLLER, RESPONSIBLE = (
    "230102196903112715",
    "230103197809065538",
    "220104198005234323",
    "230104198502172196",
)
PERSONS = {
    LEGAL_REP: "legal_representative",
    PRINCIPAL: "principal",
    CONTROLLER: "actual_controller",
    RESPONSIBLE: "directly_responsible",
}
OWN_CONDITIONS = "列入满一年且已履行行政处罚决定、消除不良影响的，可申请提前移出；期满自动移出"
OWN_REMEDIES = "如不服本决定，可自收到之日起六十日内申请行政复议，或者六个月内提起行政诉讼"

DETERMINATION = {
    "RD_BH": "RD-230100-2025-0001",
    "RD_ZT_MC": "哈尔滨市隆泰建筑工程有限公司",
    "RD_ZT_LB": "法人及非法人组织",
    "RD_ZT_SHXYM": ORG,
    "RD_RDDW": "哈尔滨市住房和城乡建设局",
    "RD_RDDWDM": "11230100MB1A21503C",
    "RD_RDYJ": "《黑龙江省社会信用条例》第二十九条第（三）项",
    "RD_SXXW": "违法分包工程，导致发生重大工程质量安全事故",
    "RD_JDSWH": "哈建严失〔2025〕1号",
    "RD_RDRQ": "2025-03-10",
    "RD_YXQZ": "2026-03-09",
    "RD_YCTJ": OWN_CONDITIONS,
    "RD_JJTJ": OWN_REMEDIES,
    "RD_FRDB": "李建国",
    "RD_FR_ZJHM": LEGAL_REP,
    "RD_ZYFZR": "赵志强",
    "RD_FZR_ZJHM": PRINCIPAL,
    "RD_SJKZR": "张丽",
    "RD_KZR_ZJHM": CONTROLLER,
    "RD_ZJZRR": "孙明",
    "RD_ZRR_ZJHM": RESPONSIBLE,
    "RD_SJLY": "哈尔滨市住房和城乡建设局",
}


def determination(**changes) -> dict:
    return DETERMINATION | changes


def other_determination(**changes) -> dict:
    """A second listed organisation, with no persons named and no texts of its own."""
    return (
        determination(
            RD_BH="RD-230100-2025-0002",
            RD_ZT_MC="哈尔滨市恒达物流有限公司",
            RD_ZT_SHXYM=OTHER,
            RD_JDSWH="哈交严失〔2025〕2号",
            RD_YCTJ="",
            RD_JJTJ="",
            RD_FRDB="",
            RD_FR_ZJHM="",
            RD_ZYFZR="",
            RD_FZR_ZJHM="",
            RD_SJKZR="",
            RD_KZR_ZJHM="",
            RD_ZJZRR="",
            RD_ZRR_ZJHM="",
        )
        | changes
    )


def entries(query) -> dict:
    """(subject key, role) -> (on the list, removed on, why) for every entry of the run."""
    rows = query(
        "select subject_key, role, on_list, removed_on, removal_reason from int_credit__serious_list"
    )
    return {(key, role): (on, removed, reason) for key, role, on, removed, reason in rows}


def all_loaded(query) -> None:
    for result in query.landed:
        assert (result["status"], result["quarantined"]) == ("landed", 0), result


def test_a_determination_lists_the_organisation_and_its_persons(built):
    """hl-2022 Art 28: an agency's determination puts its subject on the list; Art 33 (jl-draft
    Art 28, city-2022 Art 31): the legal representative, principal, actual controller and
    directly responsible person are noted on their own credit files, keyed by their ID number."""
    penalty = {"CF_XDR_MC": "哈尔滨市隆泰建筑工程有限公司", "CF_XDR_SHXYM": ORG, "CF_JDRQ": "2025-02-01"}
    query = built("hl-2022", date(2025, 12, 1), serious_determinations=[determination()], penalties=[penalty])
    all_loaded(query)
    assert entries(query) == {
        (ORG, None): (True, None, None),
        **{(key, role): (True, None, None) for key, role in PERSONS.items()},
    }
    listed = query(
        "select subject_key, role, linked_to_subject_key, inclusion_basis, determining_authority "
        "from dim_serious_dishonest_list order by role nulls first"
    )
    assert listed[0] == (ORG, None, None, "agency_determination", "哈尔滨市住房和城乡建设局")
    assert {(key, role, org) for key, role, org, *_ in listed[1:]} == {
        (k, r, ORG) for k, r in PERSONS.items()
    }
    files = {
        row[0]: row[1:]
        for row in query(
            "select subject_key, on_serious_list, serious_list_entries, serious_list_noted_as from dim_subject_credit_file"
        )
    }
    assert files[ORG][:2] == (True, 1)
    on_rep, own_entries, noted = files[LEGAL_REP]
    assert (on_rep, own_entries) == (False, 0)  # noted, not listed in their own right
    assert [(n["role"], n["organisation_key"], n["organisation_name"]) for n in noted] == [
        ("legal_representative", ORG, "哈尔滨市隆泰建筑工程有限公司")
    ]
    # the organisation's own records show it is on the list
    assert query("select on_serious_list from int_credit__records_as_of where subject_key = ?", ORG) == [
        (True,)
    ]


def test_off_the_list_the_day_after_its_term(built):
    """hl-2022 Art 28: the decision states its term (期限). 有效期至 is the last day on the list;
    the entry, and the persons noted with it, are off from the next day (removed_on = 有效期至 + 1)."""
    last_day = built("hl-2022", date(2026, 3, 9), serious_determinations=[determination()])
    assert all(on for on, _, _ in entries(last_day).values())
    after = built("hl-2022", date(2026, 3, 10), serious_determinations=[determination()])
    gone = entries(after)
    assert set(gone.values()) == {(False, date(2026, 3, 10), "expired")} and len(gone) == 5
    assert after("select count(*) from dim_serious_dishonest_list") == [(0,)]
    assert after(
        "select on_serious_list, serious_list_noted_as from dim_subject_credit_file where subject_key = ?",
        ORG,
    ) == [(False, [])]


def test_a_determination_without_a_term_runs_the_profiles_default_term(built, profile_with):
    """platform policy (`serious_list.default_term`, 3 years; hl-draft Art 51 for hl-draft): a
    determination stating no 有效期至 keeps its subject listed for the default term from the
    认定日期; 长期 keeps it until removed."""
    rows = [
        determination(RD_RDRQ="2023-01-16", RD_YXQZ=""),
        other_determination(RD_RDRQ="2023-01-16", RD_YXQZ="长期"),
    ]
    sql = "select subject_key, list_end, on_list, removed_on from int_credit__serious_list where role is null"

    def listed(query) -> dict:
        return {key: rest for key, *rest in query(sql)}

    assert listed(built("national", date(2026, 1, 16), serious_determinations=rows)) == {
        ORG: [date(2026, 1, 16), True, None],
        OTHER: [None, True, None],
    }
    shorter = profile_with({"serious_list.default_term": {"value": 1, "unit": "years"}}, base="national")
    assert listed(built(shorter, date(2026, 1, 16), serious_determinations=rows)) == {
        ORG: [date(2024, 1, 16), False, date(2024, 1, 17)],
        OTHER: [None, True, None],
    }


def test_a_revocation_removes_the_entry_and_its_persons(built):
    """city-2022 Art 45, hl-2022 Art 38: a determination revoked (撤销, 删除) leaves the list on the
    revocation's date, with the persons noted for it; one named by its 认定编号 too. A
    correction (更正) does not remove."""
    revocations = [
        {
            "CX_BH": "CX-1",
            "CX_ZTDM": ORG,
            "CX_XXLB": "严重失信主体名单",
            "CX_YWSH": "哈建严失〔2025〕1号",
            "CX_LX": "撤销",
            "CX_SXRQ": "2025-06-02",
            "CX_SJLY": "哈尔滨市住房和城乡建设局",
        },
        {
            "CX_BH": "CX-2",
            "CX_ZTDM": OTHER,
            "CX_XXLB": "serious_determinations",
            "CX_YWSH": "RD-230100-2025-0002",
            "CX_LX": "更正",
            "CX_SXRQ": "2025-06-02",
            "CX_SJLY": "哈尔滨市交通运输局",
        },
    ]
    query = built(
        "hl-2022",
        date(2025, 12, 1),
        serious_determinations=[determination(), other_determination()],
        revocations=revocations,
    )
    all_loaded(query)
    found = entries(query)
    assert found.pop((OTHER, None)) == (True, None, None)
    assert set(found.values()) == {(False, date(2025, 6, 2), "revoked")} and len(found) == 5
    assert query("select subject_key from dim_serious_dishonest_list") == [(OTHER,)]


def test_an_objection_decided_for_the_subject_removes_it(built):
    """hl-2022 Art 35 (hl-draft Art 55): when the determining unit accepts the subject's objection
    (办结, 撤销), the subject leaves the list on the decision's date; one decided 维持 stays."""
    objections = [
        {
            "YY_BH": "YY-1",
            "YY_ZTDM": ORG,
            "YY_XXLB": "严重失信主体名单",
            "YY_YWSH": "哈建严失〔2025〕1号",
            "YY_ZT": "受理",
            "YY_RQ": "2025-05-06",
        },
        {
            "YY_BH": "YY-1",
            "YY_ZTDM": ORG,
            "YY_XXLB": "严重失信主体名单",
            "YY_YWSH": "哈建严失〔2025〕1号",
            "YY_ZT": "办结",
            "YY_RQ": "2025-05-09",
            "YY_JG": "撤销",
        },
        {
            "YY_BH": "YY-2",
            "YY_ZTDM": OTHER,
            "YY_XXLB": "严重失信主体名单",
            "YY_YWSH": "哈交严失〔2025〕2号",
            "YY_ZT": "办结",
            "YY_RQ": "2025-05-09",
            "YY_JG": "维持",
        },
    ]
    query = built(
        "hl-2022",
        date(2025, 12, 1),
        serious_determinations=[determination(), other_determination()],
        objections=objections,
    )
    all_loaded(query)
    found = entries(query)
    assert (
        found[(ORG, None)]
        == found[(LEGAL_REP, "legal_representative")]
        == (
            False,
            date(2025, 5, 9),
            "objection_accepted",
        )
    )
    assert found[(OTHER, None)] == (True, None, None)


def test_repair_removes_where_the_profile_says_so(built, profile_with):
    """hl-2022 Art 40: a repaired subject leaves the serious list (`serious_list.repair_removes`);
    gd-draft Art 41: only general dishonesty is repairable, so the entry stays, the repair
    noted (`repaired_on`)."""
    repair = {
        "XF_BH": "XF-1",
        "XF_ZTMC": "哈尔滨市隆泰建筑工程有限公司",
        "XF_ZTDM": ORG,
        "XF_XXLB": "严重失信主体名单",
        "XF_YWSH": "哈建严失〔2025〕1号",
        "XF_JDRQ": "2025-08-01",
        "XF_JG": "哈尔滨市住房和城乡建设局",
        "XF_SJLY": "哈尔滨市住房和城乡建设局",
    }
    sql = "select on_list, removed_on, removal_reason, repaired_on from int_credit__serious_list where role is null"
    extracts = {"serious_determinations": [determination()], "repairs": [repair]}
    assert built("hl-2022", date(2025, 12, 1), **extracts)(sql) == [
        (False, date(2025, 8, 1), "repaired", date(2025, 8, 1))
    ]
    assert built("gd-draft", date(2025, 12, 1), **extracts)(sql) == [(True, None, None, date(2025, 8, 1))]
    kept = profile_with({"serious_list.repair_removes": False}, base="hl-2022")
    assert built(kept, date(2025, 12, 1), **extracts)(sql) == [(True, None, None, date(2025, 8, 1))]


def test_the_list_states_the_determinations_conditions_else_the_profiles(built, profile_with):
    """jl-draft Art 24, gd-draft Art 31: a published list states its removal conditions and
    remedies. The determination's own (city-2022 Art 30: its decision document states them),
    else the profile's, by basis: hl-2022 Art 28, 35, 40 for determinations; the courts' own
    rules (platform policy) for a court's dishonest judgment debtor."""
    court = {
        "SX_MC": "哈尔滨市瑞丰商贸有限公司",
        "SX_ZJHM": ORGS[3],
        "SX_FRDB": "",
        "SX_AH": "(2025)黑0102执9号",
        "SX_FBSJ": "2025-04-01",
    }
    extracts = {
        "serious_determinations": [determination(), other_determination()],
        "court_dishonest": [court],
    }
    sql = (
        "select subject_key, removal_conditions, remedies from dim_serious_dishonest_list where role is null"
    )
    rules = load_profile("hl-2022").rules["serious_list"]
    assert set(built("hl-2022", date(2025, 12, 1), **extracts)(sql)) == {
        (ORG, OWN_CONDITIONS, OWN_REMEDIES),
        (
            OTHER,
            rules["removal_conditions"]["agency_determination"]["value"],
            rules["remedies"]["agency_determination"]["value"],
        ),
        (
            ORGS[3],
            rules["removal_conditions"]["court_dishonest_debtor"]["value"],
            rules["remedies"]["court_dishonest_debtor"]["value"],
        ),
    }
    variant = profile_with(
        {
            "serious_list.removal_conditions.agency_determination": "认定单位书面决定移出",
            "serious_list.removal_conditions.court_dishonest_debtor": "人民法院决定删除",
            "serious_list.remedies.agency_determination": "向认定单位申请复核",
            "serious_list.remedies.court_dishonest_debtor": "向执行法院申请纠正",
        },
        base="hl-2022",
    )
    assert set(built(variant, date(2025, 12, 1), **extracts)(sql)) == {
        (ORG, OWN_CONDITIONS, OWN_REMEDIES),
        (OTHER, "认定单位书面决定移出", "向认定单位申请复核"),
        (ORGS[3], "人民法院决定删除", "向执行法院申请纠正"),
    }


def test_who_of_a_listed_organisation_is_noted(built, profile_with):
    """gd-draft Art 33: the legal representative, principal and actual controller are marked,
    not the directly responsible persons (hl-2022 Art 33 and city-2022 Art 31 mark them too);
    `serious_list.linked_roles` says whom."""
    rows = [determination()]
    gd = built("gd-draft", date(2025, 12, 1), serious_determinations=rows)
    assert {role for _, role in entries(gd)} == {
        None,
        "legal_representative",
        "principal",
        "actual_controller",
    }
    only_representative = profile_with(
        {"serious_list.linked_roles": ["legal_representative"]}, base="hl-2022"
    )
    narrow = built(only_representative, date(2025, 12, 1), serious_determinations=rows)
    assert set(entries(narrow)) == {(ORG, None), (LEGAL_REP, "legal_representative")}


def test_a_court_listed_organisations_representative_is_noted_by_their_id(built):
    """hl-2022 Art 28, 33: a court's dishonest judgment debtor is on the list, and the legal
    representative the court names is noted on their own file, with the ID number the
    organisation's own records give; the court's removal (a revocation) takes both off."""
    court = [
        {"SX_ZJHM": ORGS[0], "SX_FRDB": "王伟", "SX_AH": "(2025)吉0104执1号", "SX_FBSJ": "2025-03-01"},
        {
            "SX_MC": "哈尔滨市瑞丰商贸有限公司",
            "SX_ZJHM": ORGS[3],
            "SX_FRDB": "李强",
            "SX_AH": "(2025)黑0102执9号",
            "SX_FBSJ": "2025-04-01",
        },
    ]
    penalties = [
        {
            "CF_WSH": "长市监罚〔2024〕7号",
            "CF_JDRQ": "2024-05-01",
            "CF_FRDB": "王伟",
            "CF_FR_ZJHM": LEGAL_REP,
        },
        # a later record names a successor: the court named 王伟, so 王伟 is the one noted
        {
            "CF_WSH": "长市监罚〔2025〕3号",
            "CF_JDRQ": "2025-06-01",
            "CF_FRDB": "刘洋",
            "CF_FR_ZJHM": PRINCIPAL,
        },
        {
            "CF_WSH": "哈市监罚〔2024〕2号",
            "CF_XDR_MC": "哈尔滨市瑞丰商贸有限公司",
            "CF_XDR_SHXYM": ORGS[3],
            "CF_JDRQ": "2024-05-01",
            "CF_FRDB": "李强",
            "CF_FR_ZJHM": CONTROLLER,
        },
    ]
    revocation = {
        "CX_BH": "CX-9",
        "CX_ZTDM": ORGS[3],
        "CX_XXLB": "失信被执行人",
        "CX_YWSH": "(2025)黑0102执9号",
        "CX_LX": "删除",
        "CX_SXRQ": "2025-10-10",
        "CX_SJLY": "哈尔滨市道里区人民法院",
    }
    query = built(
        "hl-2022", date(2025, 12, 1), court_dishonest=court, penalties=penalties, revocations=[revocation]
    )
    all_loaded(query)
    assert entries(query) == {
        (ORGS[0], None): (True, None, None),
        (LEGAL_REP, "legal_representative"): (True, None, None),
        (ORGS[3], None): (False, date(2025, 10, 10), "revoked"),
        (CONTROLLER, "legal_representative"): (False, date(2025, 10, 10), "revoked"),
    }
    assert query(
        "select inclusion_basis, responsible_person, responsible_person_id from dim_serious_dishonest_list "
        "where subject_key = ?",
        ORGS[0],
    ) == [("court_dishonest_debtor", "王伟", LEGAL_REP)]


def test_gd_dishonest_records_stay_published_while_on_an_agency_list(built):
    """gd-draft Art 24(2): dishonest information stays disclosed past its period while its
    subject is on the serious list, an agency's determination as much as the court's."""
    penalties = [
        {"CF_WSH": "哈市监罚〔2022〕1号", "CF_XDR_SHXYM": ORG, "CF_JDRQ": "2022-06-01"},
        {"CF_WSH": "哈市监罚〔2022〕2号", "CF_XDR_SHXYM": OTHER, "CF_JDRQ": "2022-06-01"},
    ]
    query = built(
        "gd-draft", date(2025, 12, 1), penalties=penalties, serious_determinations=[determination()]
    )
    assert set(query("select subject_key, on_serious_list, status from int_credit__records_as_of")) == {
        (ORG, True, "published"),
        (OTHER, False, "expired"),
    }
