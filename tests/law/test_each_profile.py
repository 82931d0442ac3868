"""One scenario under each of the six profiles, built as a run builds it: the answers the law
gives differ by profile, and the warehouse gives each. (The same scenario runs through the
Airflow DAG for jl-draft in tests/e2e/test_credit_cycle.py.)

On 2026-11-22: penalty A, a general one decided 2025-06-02, is published or archived as the
profile says; B has an objection open since 2026-11-20, so it is published and marked
(jl-draft Art 36, city-2022 Art 42, gd-draft Art 40); C was revoked on 2026-10-08, so it is
withdrawn (city-2022 Art 45, hl-2022 Art 38), within the profile's working days of the report;
D was decided under the simple procedure: excluded at landing.
"""

from datetime import date

import pytest

from creditlake.jurisdiction import load_profile
from tests.law.conftest import ORGS

AS_OF = date(2026, 11, 22)
PROFILE_ANSWERS = {  # is A still published?
    "jl-draft": False,  # jl-draft Art 19: general at most 1 year -> A ended 2026-06-02
    "hl-draft": False,  # hl-draft Art 51: 3 months to 1 year
    "gd-draft": True,  # gd-draft Art 24: 3 years from determination
    "national": True,  # NDRC Order 58 in force on 2025-06-02: at most 3 years
    "hl-2022": True,  # hl-2022 Art 37: per national rules (Order 58 on that date)
    "city-2022": True,  # city-2022 Art 13: per the catalog item, i.e. national rules
}
AGENCY = "吉林市市场监督管理局"


def penalty(number: str, decided: str, procedure: str = "02") -> dict:
    return {
        "CF_XDR_MC": "丁食品有限公司",
        "CF_XDR_SHXYM": ORGS[1],
        "CF_WSH": number,
        "CF_SY": "销售过期食品",
        "CF_CFLB": "罚款",
        "CF_NR": "罚款2万元",
        "CF_NR_FK": "2",
        "CF_JDRQ": decided,
        "CF_CFJG": AGENCY,
        "CF_SJLY": AGENCY,
        "CF_AJCXLB": procedure,
    }


SCENARIO = {
    "penalties": [
        penalty("A", "2025-06-02"),
        penalty("B", "2026-09-01"),
        penalty("C", "2026-09-01"),
        penalty("D", "2026-09-01", "01"),
    ],
    "objections": [
        {
            "YY_BH": "YY-1",
            "YY_ZTDM": ORGS[1],
            "YY_XXLB": "行政处罚",
            "YY_YWSH": "B",
            "YY_ZT": "受理",
            "YY_RQ": "2026-11-20",
        }
    ],
    "revocations": [
        {
            "CX_BH": "CX-1",
            "CX_ZTDM": ORGS[1],
            "CX_XXLB": "行政处罚",
            "CX_YWSH": "C",
            "CX_LX": "撤销",
            "CX_SXRQ": "2026-10-08",
            "CX_SBRQ": "2026-10-16",  # a Friday
            "CX_SJLY": AGENCY,
        }
    ],
}


@pytest.mark.parametrize("profile", sorted(PROFILE_ANSWERS))
def test_each_profile_gives_its_answers(built, profile):
    query = built(profile, AS_OF, **SCENARIO)
    penalties = next(r for r in query.landed if r["dataset"] == "penalties")
    assert (penalties["loaded"], penalties["excluded"]) == (3, 1)  # D: simple procedure, under all six
    published = dict(query("select decision_number, under_objection from pub_open__penalties"))
    assert ("A" in published) == PROFILE_ANSWERS[profile]  # published...
    archived = query("select count(*) from fct_archive")[0][0]
    assert archived == (0 if PROFILE_ANSWERS[profile] else 1)  # ...or archived
    assert published["B"] is True  # marked while the objection is open
    assert "C" not in published
    withdrawn = query(
        "select reason, withdrawn_on, withdraw_due_by from fct_withdrawals where reason = 'revoked'"
    )
    # withdrawn within the profile's working days of the Friday's report: one or two
    days = load_profile(profile).rules["deadlines"]["revocation_withdraw"]["value"]
    due = {1: date(2026, 10, 19), 2: date(2026, 10, 20)}[days]
    assert withdrawn == [("revoked", date(2026, 10, 8), due)]
