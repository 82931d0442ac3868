"""Deadlines as data (fct_deadlines): every deadline the law sets the platform and its providers
is due on the day the official calendar gives, under each profile, and the run summary lists
what is overdue and what falls due soon.

Small event files, written here, land through `creditlake.landing` in runs on chosen days
(the landing clock is set per run; a file's arrival is its modification time) and are built
with `creditlake.warehouse.build`. Every expected date is counted by hand on the State
Council's 2026 calendar (国办发明电〔2025〕7号), which chinesecalendar carries:

* Spring Festival: 2026-02-15 (Sun) .. 02-23 (Mon) off; Saturday 02-14 and 02-28 worked.
* Mid-Autumn: 2026-09-25 (Fri) .. 09-27 (Sun) off.
* National Day: 2026-10-01 (Thu) .. 10-07 (Wed) off; Sunday 09-20 and Saturday 10-10 worked.

The run's date is AS_OF, 2026-11-22, a Sunday; the next working days are 11-23, 11-24, 11-25.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import replace
from datetime import datetime

import duckdb
import pytest

from creditlake import landing, pipeline, warehouse
from creditlake.settings import RunConfig
from publishing import stages
from tests.conftest import AS_OF

COMPANY = "91220104MA0Y123404"
DAMAGED = "91220104MA0Y123405"  # checksum wrong: refused at landing
MARKET = "长春市市场监督管理局"
LISTING = "黑市监信〔2026〕3号"  # a serious-list determination

PENALTY = [
    "CF_XDR_MC",
    "CF_XDR_LB",
    "CF_XDR_SHXYM",
    "CF_WSH",
    "CF_SY",
    "CF_CFLB",
    "CF_NR_FK",
    "CF_JDRQ",
    "CF_CFJG",
    "CF_SJLY",
    "CF_AJCXLB",
]
OBJECTION = ["YY_BH", "YY_ZTDM", "YY_XXLB", "YY_YWSH", "YY_ZT", "YY_RQ", "YY_JG", "YY_SM"]
REVOCATION = ["CX_BH", "CX_ZTDM", "CX_XXLB", "CX_YWSH", "CX_LX", "CX_SXRQ", "CX_SBRQ", "CX_YJ", "CX_SJLY"]
REPAIR = ["XF_BH", "XF_ZTMC", "XF_ZTDM", "XF_XXLB", "XF_YWSH", "XF_JDRQ", "XF_JG", "XF_SJLY"]


def penalty(number: str, decided: str, uscc: str = COMPANY) -> list[str]:
    return [
        "长春市金源商贸有限公司",
        "法人及非法人组织",
        uscc,
        number,
        "未按规定公示年度报告",
        "罚款",
        "1",
        decided,
        MARKET,
        MARKET,
        "02",
    ]


def objection(
    number: str,
    state: str,
    on: str,
    result: str = "",
    record: str = "长市监罚〔2026〕50号",
    about: str = "penalties",
) -> list[str]:
    return [number, COMPANY, about, record, state, on, result, ""]


def revocation(number: str, record: str, effective: str, reported: str) -> list[str]:
    return [number, COMPANY, "penalties", record, "撤销", effective, reported, "行政复议决定书", MARKET]


# The landing runs: (the day it ran, [(dataset, file, header, rows, when the file arrived)]).
# A file arrives at 09:00 Beijing time on the run's day unless said otherwise.
RUNS = [
    (
        "2026-02-24",
        [
            ("penalties", "p0.csv", PENALTY, [penalty("长市监罚〔2026〕1号", "2026-01-10")], None),
            (
                "revocations",
                "r1.csv",
                REVOCATION,
                [
                    # effective the Thursday before the festival, reported on the worked Saturday 02-14
                    revocation("CX-1", "长市监罚〔2026〕1号", "2026-02-12", "2026-02-14"),
                    # reported on 除夕 (02-16), a holiday: counted from the last working day before it
                    revocation("CX-2", "长市监罚〔2025〕9号", "2026-02-13", "2026-02-16"),
                ],
                None,
            ),
        ],
    ),
    (
        "2026-10-08",
        [
            (
                "objections",
                "o1.csv",
                OBJECTION,
                [
                    objection("YY-1", "受理", "2026-09-30"),  # received the day before National Day
                    objection("YY-4", "受理", "2026-09-21"),
                    objection("YY-4", "转办", "2026-09-29"),  # referred to the provider to verify
                    objection("YY-4", "反馈", "2026-10-08"),  # the provider's answer
                ],
                None,
            ),
        ],
    ),
    (
        "2026-10-12",
        [
            ("objections", "o2.csv", OBJECTION, [objection("YY-1", "办结", "2026-10-12", "维持")], None),
            # decided the day before Mid-Autumn; the file arrived at 01:30 Beijing time on 10-09
            # (17:30 UTC on 10-08) and landed on 10-12
            (
                "penalties",
                "p1.csv",
                PENALTY,
                [penalty("长市监罚〔2026〕21号", "2026-09-24")],
                "2026-10-08T17:30:00+00:00",
            ),
            (
                "repairs",
                "x1.csv",
                REPAIR,
                [
                    [
                        "XF-1",
                        "长春市金源商贸有限公司",
                        COMPANY,
                        "penalties",
                        "长市监罚〔2026〕21号",
                        "2026-09-28",
                        "长春市市场监督管理局",
                        MARKET,
                    ]
                ],
                "2026-09-30T10:00:00+08:00",
            ),
        ],
    ),
    (
        "2026-10-20",
        [
            ("objections", "o3.csv", OBJECTION, [objection("YY-4", "办结", "2026-10-20", "维持")], None),
        ],
    ),
    (
        "2026-11-02",
        [
            ("objections", "o4.csv", OBJECTION, [objection("YY-3", "受理", "2026-11-02")], None),
            (
                "penalties",
                "p2.csv",
                PENALTY,
                [
                    penalty("长市监罚〔2026〕31号", "2026-10-28", DAMAGED),
                    penalty("长市监罚〔2026〕32号", "2026-10-28", DAMAGED),
                ],
                None,
            ),
        ],
    ),
    (
        "2026-11-05",
        [
            ("penalties", "p2-fixed.csv", PENALTY, [penalty("长市监罚〔2026〕31号", "2026-10-28")], None),
        ],
    ),
    (
        "2026-11-16",
        [
            (
                "objections",
                "o5.csv",
                OBJECTION,
                [
                    objection("YY-5", "受理", "2026-11-09"),
                    objection("YY-5", "办结", "2026-11-11", "更正"),
                    # an objection to a serious-list determination
                    objection("YY-6", "受理", "2026-11-16", record=LISTING, about="严重失信主体名单"),
                ],
                None,
            ),
        ],
    ),
    (
        "2026-11-18",
        [
            (
                "objections",
                "o6.csv",
                OBJECTION,
                [
                    objection("YY-2", "受理", "2026-11-18"),
                    objection("YY-6", "办结", "2026-11-18", "维持", record=LISTING, about="严重失信主体名单"),
                ],
                None,
            ),
        ],
    ),
    (
        "2026-11-20",
        [
            (
                "revocations",
                "r3.csv",
                REVOCATION,
                [revocation("CX-3", "长市监罚〔2026〕40号", "2026-11-16", "")],
                None,
            ),
            # arrived on 11-02, landed only on 11-20
            (
                "penalties",
                "p5.csv",
                PENALTY,
                [penalty("长市监罚〔2026〕41号", "2026-10-30")],
                "2026-11-02T09:00:00+08:00",
            ),
        ],
    ),
]


def clock(at: datetime) -> type[datetime]:
    """`datetime` whose now() is `at`: the landing run's clock."""

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return at.astimezone(tz)

    return Clock


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> RunConfig:
    root = tmp_path_factory.mktemp("deadlines")
    cfg = RunConfig(landing=root / "landing", lake=root / "lake", as_of=AS_OF, profile="hl-2022")
    landing.ensure_raw_schema(cfg)
    for day, files in RUNS:
        paths = []
        for dataset, name, header, rows, arrived in files:
            path = cfg.landing / dataset / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerows([header, *rows])
            at = datetime.fromisoformat(arrived or f"{day}T09:00:00+08:00").timestamp()
            os.utime(path, (at, at))
            paths.append({"path": str(path), "dataset": dataset})
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(landing, "datetime", clock(datetime.fromisoformat(f"{day}T10:00:00+08:00")))
            conf = cfg.to_conf()
            gated = pipeline.validate_raw(conf, [pipeline.land(conf, f) for f in paths])
        assert all(g["status"] == "landed" for g in gated), gated
    return cfg


def build(cfg: RunConfig, profile: str, whole: bool = False) -> dict:
    """Build under `profile` and read the deadlines, the withdrawals and (`whole`) the run
    summary. `whole`: `warehouse.build`, every model and test; else the two marts with what
    they are built from and their tests (`dbt build --select`), a third of the time."""
    cfg = replace(cfg, profile=profile)
    if whole:
        result = warehouse.build(cfg)
        assert result.success, result.failures
    else:
        warehouse.export_working_days(cfg)
        proc = warehouse.dbt(cfg, "build", "--select", "+fct_deadlines", "+fct_withdrawals")
        assert proc.returncode == 0, proc.stdout[-3000:]
    with duckdb.connect(str(cfg.warehouse), read_only=True) as con:
        rows = con.sql("select * from fct_deadlines").df()
        withdrawals = con.sql("select * from fct_withdrawals").df()
    summary = (
        stages.summarise(cfg.to_conf(), f"deadlines-{profile}", [], result.as_dict(), []) if whole else None
    )
    return {"rows": rows, "withdrawals": withdrawals, "summary": summary}


_built: dict[str, dict] = {}


@pytest.fixture(scope="module")
def built(lake):
    def get(profile: str) -> dict:
        if profile not in _built:
            _built[profile] = build(lake, profile, whole=profile == "hl-2022")
        return _built[profile]

    return get


def step(built: dict, process: str, name: str, event: str) -> dict:
    """The one row of a step, with its dates as ISO text."""
    rows = built["rows"]
    found = rows[(rows.process == process) & (rows.step == name) & (rows.event_id == event)]
    assert len(found) == 1, f"{process}/{name}/{event}: {len(found)} rows"
    row = found.iloc[0].to_dict()
    for key in ("started_on", "due_by", "done_on"):
        row[key] = None if row[key] is None or row[key] != row[key] else str(row[key])[:10]
    return row


def dates(row: dict) -> str:
    """'started due done state', a day not done as '-'."""
    return " ".join(row[k] or "-" for k in ("started_on", "due_by", "done_on", "state"))


def batch_of(cfg: RunConfig, dataset: str, name: str) -> str:
    """The batch a landing file became: its dataset and the start of its sha256."""
    return f"{dataset}-{hashlib.sha256((cfg.landing / dataset / name).read_bytes()).hexdigest()[:16]}"


# ---------------------------------------------------------------------------------------
# hl-2022 (黑龙江省社会信用条例)
# ---------------------------------------------------------------------------------------


def test_hl_2022_art_39_an_objection_received_before_national_day_is_marked_and_decided_after_it(built):
    hl = built("hl-2022")
    # hl-2022 Art 39: marked within 1 working day of receipt: 09-30 + 1 = 10-08 (10-01..07 off),
    # and the run of 10-08 marked it
    assert dates(step(hl, "objection", "mark", "YY-1")) == "2026-09-30 2026-10-08 2026-10-08 met"
    # decided within 3: 10-08, 10-09 and the worked Saturday 10-10; decided on 10-12: late
    assert dates(step(hl, "objection", "decide", "YY-1")) == "2026-09-30 2026-10-10 2026-10-12 overdue"
    assert step(hl, "objection", "decide", "YY-1")["rule"] == "hl-2022 Art 39"


def test_hl_2022_art_39_a_referred_objection_is_counted_from_receipt(built):
    hl = built("hl-2022")
    # 7 working days from receipt (09-21): 22, 23, 24, 28, 29, 30 (25..27 Mid-Autumn off), 10-08
    assert (
        dates(step(hl, "objection", "decide_referred", "YY-4")) == "2026-09-21 2026-10-08 2026-10-20 overdue"
    )
    assert step(hl, "objection", "decide_referred", "YY-4")["counted_from"] == "receipt"
    # a referred objection has no 3-day `decide` step
    rows = hl["rows"]
    assert rows[(rows.event_id == "YY-4") & (rows.step == "decide")].empty


def test_hl_2022_art_39_open_met_and_overdue_on_the_run_date(built):
    hl = built("hl-2022")
    # received 11-18, marked the same day; decision due 11-19, 11-20, 11-23: not yet due on 11-22
    assert dates(step(hl, "objection", "mark", "YY-2")) == "2026-11-18 2026-11-19 2026-11-18 met"
    assert dates(step(hl, "objection", "decide", "YY-2")) == "2026-11-18 2026-11-23 - open"
    # received 11-02, never decided: due 11-05, overdue on 11-22
    assert dates(step(hl, "objection", "decide", "YY-3")) == "2026-11-02 2026-11-05 - overdue"
    # corrected on 11-11: copies shared elsewhere corrected within 3 working days (11-16); the
    # run of 11-16 carried the correction
    assert dates(step(hl, "objection", "shared_copies", "YY-5")) == "2026-11-11 2026-11-16 2026-11-16 met"
    assert set(hl["rows"].state) == {"met", "overdue", "open"}


def test_hl_2022_art_38_a_revocation_reported_on_the_eve_of_spring_festival(built):
    hl = built("hl-2022")
    # hl-2022 Art 38: reported within 2 working days of the change (02-12): 02-13 and the
    # worked Saturday 02-14; withdrawn within 1 working day of the report: 02-24 (15..23 off)
    assert dates(step(hl, "revocation", "report", "CX-1")) == "2026-02-12 2026-02-14 2026-02-14 met"
    assert dates(step(hl, "revocation", "withdraw", "CX-1")) == "2026-02-14 2026-02-24 2026-02-24 met"
    # reported on 除夕 (02-16, a holiday): the withdrawal is still due on 02-24
    assert dates(step(hl, "revocation", "withdraw", "CX-2")) == "2026-02-16 2026-02-24 2026-02-24 met"
    # no report date: the day it landed (11-20) is both the report and the receipt
    assert dates(step(hl, "revocation", "report", "CX-3")) == "2026-11-16 2026-11-18 2026-11-20 overdue"
    assert dates(step(hl, "revocation", "withdraw", "CX-3")) == "2026-11-20 2026-11-23 2026-11-20 met"


def test_hl_2022_art_38_withdrawals_are_due_from_receipt_not_from_the_effective_date(built):
    withdrawals = built("hl-2022")["withdrawals"]
    revoked = withdrawals[withdrawals.reason == "revoked"].iloc[0]
    # effective 02-12, received 02-14: due 02-24, not 02-13 (1 working day after the effective date)
    assert (str(revoked.withdrawn_on)[:10], str(revoked.withdraw_due_by)[:10]) == ("2026-02-12", "2026-02-24")


def test_hl_2022_art_21_a_record_pushed_within_5_working_days_of_its_decision(built, lake):
    hl = built("hl-2022")
    # decided 09-24: 28, 29, 30, 10-08, 10-09 (Mid-Autumn and National Day off); the file
    # arrived at 01:30 Beijing time on 10-09 (still 10-08 in UTC): on time, though it landed on 10-12
    row = step(hl, "submission", "submit", batch_of(lake, "penalties", "p1.csv"))
    assert dates(row) == "2026-09-24 2026-10-09 2026-10-09 met"
    assert (row["provider"], row["decision_number"]) == (MARKET, "长市监罚〔2026〕21号")
    assert row["rule"].startswith("hl-2022 Art 21")


def test_hl_2022_art_38_refused_rows_are_corrected_within_3_working_days(built, lake):
    hl = built("hl-2022")
    refused = batch_of(lake, "penalties", "p2.csv")
    # both rows refused on 11-02: due 11-05; row 2 resubmitted on 11-05, row 3 never
    assert dates(step(hl, "correction", "resubmit", f"{refused}#2")) == "2026-11-02 2026-11-05 2026-11-05 met"
    assert dates(step(hl, "correction", "resubmit", f"{refused}#3")) == "2026-11-02 2026-11-05 - overdue"


def test_hl_2022_sets_no_repair_mark_deadline_so_none_is_tracked(built):
    # jl-draft Art 38's marking deadline has no counterpart in hl-2022 (Art 40 sets none)
    rows = built("hl-2022")["rows"]
    assert rows[rows.process == "repair"].empty


# ---------------------------------------------------------------------------------------
# jl-draft (吉林省社会信用条例草案)
# ---------------------------------------------------------------------------------------


def test_jl_draft_art_36_a_referred_objection_is_counted_from_the_referral(built):
    jl = built("jl-draft")
    # 15 working days from the referral (09-29): 09-30, 10-08, 10-09, 10-10 (worked), 10-12 ..
    # 10-16, 10-19 .. 10-23, 10-26
    row = step(jl, "objection", "decide_referred", "YY-4")
    assert dates(row) == "2026-09-29 2026-10-26 2026-10-20 met"
    assert (row["counted_from"], row["rule"]) == ("referral", "jl-draft Art 36")


def test_jl_draft_art_36_marks_an_objection_on_acceptance(built):
    jl = built("jl-draft")
    # 0 working days: due the day it was accepted
    assert dates(step(jl, "objection", "mark", "YY-1")) == "2026-09-30 2026-09-30 2026-10-08 overdue"
    assert dates(step(jl, "objection", "mark", "YY-2")) == "2026-11-18 2026-11-18 2026-11-18 met"


def test_jl_draft_art_38_a_repair_is_marked_within_3_working_days_of_receiving_the_decision(built):
    jl = built("jl-draft")
    # decided 09-28, its file arrived 09-30: 10-08, 10-09, 10-10 (worked); landed 10-12: late
    assert dates(step(jl, "repair", "mark", "XF-1")) == "2026-09-30 2026-10-10 2026-10-12 overdue"
    # jl-draft sets no push deadline: no submission is tracked
    assert jl["rows"][jl["rows"].process == "submission"].empty


# ---------------------------------------------------------------------------------------
# city-2022 and gd-draft
# ---------------------------------------------------------------------------------------


def test_city_2022_art_45_three_working_days_to_report_and_two_to_withdraw(built):
    city = built("city-2022")
    # 02-13, 02-14 (worked), 02-24; withdrawn within 2 of the report on 02-14: 02-24, 02-25
    assert dates(step(city, "revocation", "report", "CX-1")) == "2026-02-12 2026-02-24 2026-02-14 met"
    assert dates(step(city, "revocation", "withdraw", "CX-1")) == "2026-02-14 2026-02-25 2026-02-24 met"
    assert dates(step(city, "revocation", "withdraw", "CX-2")) == "2026-02-16 2026-02-25 2026-02-24 met"
    revoked = city["withdrawals"][city["withdrawals"].reason == "revoked"].iloc[0]
    assert str(revoked.withdraw_due_by)[:10] == "2026-02-25"


def test_gd_draft_art_19_each_file_is_checked_within_3_working_days_of_arriving(built, lake):
    gd = built("gd-draft")
    # arrived 10-09 (Beijing time): 10-10 (worked), 10-12, 10-13; landed 10-12
    on_time = step(gd, "submission_check", "check", batch_of(lake, "penalties", "p1.csv"))
    assert dates(on_time) == "2026-10-09 2026-10-13 2026-10-12 met"
    assert on_time["rule"] == "gd-draft Art 19"
    # arrived 11-02, landed 11-20: due 11-05
    late = step(gd, "submission_check", "check", batch_of(lake, "penalties", "p5.csv"))
    assert dates(late) == "2026-11-02 2026-11-05 2026-11-20 overdue"
    # gd-draft Art 40: marked on acceptance
    assert step(gd, "objection", "mark", "YY-3")["due_by"] == "2026-11-02"


# ---------------------------------------------------------------------------------------
# The run summary
# ---------------------------------------------------------------------------------------


def test_hl_2022_art_35_an_objection_to_a_listing_is_decided_within_3_working_days(built):
    # received Monday 11-16: 11-17, 11-18, 11-19; decided 11-18
    decided = step(built("hl-2022"), "objection", "decide", "YY-6")
    assert (dates(decided), decided["rule"]) == ("2026-11-16 2026-11-19 2026-11-18 met", "hl-2022 Art 35")


def test_hl_2022_art_39_the_unit_asked_to_verify_answers_within_2_working_days(built):
    # referred 09-29 (Tue): 09-30, then National Day, 10-08; answered 10-08
    answer = step(built("hl-2022"), "objection", "assist_reply", "YY-4")
    assert dates(answer) == "2026-09-29 2026-10-08 2026-10-08 met"


def test_the_run_summary_lists_what_is_overdue_and_what_falls_due_within_3_working_days(built):
    deadlines = built("hl-2022")["summary"]["deadlines"]
    assert deadlines["due_soon_until"] == "2026-11-25"
    overdue = {(g["process"], g["step"]): g for g in deadlines["overdue"]}
    # hl-2022 Art 39: YY-3 never decided, YY-1 decided late
    decide = overdue[("objection", "decide")]
    assert decide["count"] == 2 and decide["rule"] == "hl-2022 Art 39"
    assert [(i["event_id"], i["due_by"], i["subject_key"]) for i in decide["first"]] == [
        ("YY-1", "2026-10-10", COMPANY),
        ("YY-3", "2026-11-05", COMPANY),
    ]
    assert overdue[("revocation", "report")]["first"][0]["event_id"] == "CX-3"
    assert overdue[("correction", "resubmit")]["first"][0]["record"] == "长市监罚〔2026〕32号"
    assert ("revocation", "withdraw") not in overdue
    # YY-2's decision falls due on 11-23, the next working day
    soon = {(g["process"], g["step"]): g for g in deadlines["due_soon"]}
    assert list(soon) == [("objection", "decide")]
    assert [(i["event_id"], i["due_by"]) for i in soon[("objection", "decide")]["first"]] == [
        ("YY-2", "2026-11-23")
    ]


# ---------------------------------------------------------------------------------------
# Every deadline a profile sets moves a due date when it changes
# ---------------------------------------------------------------------------------------


_changed: dict[str, dict] = {}


@pytest.fixture
def changed(lake, profile_with):
    """hl-2022 with every deadline it sets changed at once, built once for the module; each
    test below reads the step its setting moves. How a referred objection is counted moves the
    same step as its number of days, so that change has a build of its own."""

    def get(which: str = "days") -> dict:
        if which not in _changed:
            if which == "days":
                name = profile_with(
                    {
                        "deadlines.submission": 6,
                        "deadlines.submission_check": 4,
                        "deadlines.correction": 4,
                        "deadlines.revocation_report": 3,
                        "deadlines.revocation_withdraw": 2,
                        "deadlines.objection_mark": 2,
                        "deadlines.objection_decide": 4,
                        "deadlines.objection_decide_referred.value": 8,
                        "deadlines.objection_serious_list": 5,  # none of the others: its own
                        "deadlines.objection_assist_reply": 3,
                        "deadlines.objection_shared_copies": 4,
                        "deadlines.repair_mark": 3,
                    },
                    base="hl-2022",
                )
            else:
                name = profile_with(
                    {"deadlines.objection_decide_referred.counted_from": "referral"}, base="hl-2022"
                )
            _changed[which] = build(lake, name)
        return _changed[which]

    return get


def due(result: dict, process: str, name: str, event: str) -> str | None:
    return step(result, process, name, event)["due_by"]


def test_changing_deadlines_submission_moves_the_push_due_date(lake, changed):
    # hl-2022 Art 21 with 6 days: the 6th working day after 09-24 is the worked Saturday 10-10
    assert due(changed(), "submission", "submit", batch_of(lake, "penalties", "p1.csv")) == "2026-10-10"


def test_changing_deadlines_submission_check_moves_the_check_due_date(lake, changed):
    # gd-draft Art 19 with 4 days: 10-10, 10-12, 10-13, 10-14
    assert due(changed(), "submission_check", "check", batch_of(lake, "penalties", "p1.csv")) == "2026-10-14"


def test_changing_deadlines_correction_moves_the_resubmission_due_date(lake, changed):
    # hl-2022 Art 38 with 4 days from the refusal on 11-02: 11-06
    event = f"{batch_of(lake, 'penalties', 'p2.csv')}#2"
    assert due(changed(), "correction", "resubmit", event) == "2026-11-06"


def test_changing_deadlines_revocation_report_moves_the_report_due_date(changed):
    # hl-2022 Art 38 with 3 days after 02-12: 02-13, 02-14 (worked), 02-24
    assert due(changed(), "revocation", "report", "CX-1") == "2026-02-24"


def test_changing_deadlines_revocation_withdraw_moves_both_withdrawal_due_dates(changed):
    # hl-2022 Art 38 with 2 days after the report on 02-14: 02-24, 02-25
    result = changed()
    assert due(result, "revocation", "withdraw", "CX-1") == "2026-02-25"
    revoked = result["withdrawals"][result["withdrawals"].reason == "revoked"].iloc[0]
    assert str(revoked.withdraw_due_by)[:10] == "2026-02-25"


def test_changing_deadlines_objection_mark_moves_the_mark_due_date(changed):
    # hl-2022 Art 39 with 2 days after 09-30: 10-08, 10-09
    assert due(changed(), "objection", "mark", "YY-1") == "2026-10-09"


def test_changing_deadlines_objection_decide_moves_the_decision_due_date(changed):
    # hl-2022 Art 39 with 4 days after 09-30: 10-08, 10-09, 10-10 (worked), 10-12
    assert due(changed(), "objection", "decide", "YY-1") == "2026-10-12"


def test_changing_deadlines_objection_decide_referred_days_moves_the_referred_due_date(changed):
    # hl-2022 Art 39 with 8 days from receipt (09-21): the 8th working day is 10-09
    assert due(changed(), "objection", "decide_referred", "YY-4") == "2026-10-09"


def test_changing_deadlines_objection_decide_referred_counted_from_counts_from_the_referral(changed):
    # hl-2022 Art 39's 7 days counted as jl-draft Art 36 counts them, from the referral (09-29):
    # 09-30, 10-08, 10-09, 10-10 (worked), 10-12, 10-13, 10-14
    assert due(changed("counted_from"), "objection", "decide_referred", "YY-4") == "2026-10-14"


def test_changing_deadlines_objection_serious_list_moves_a_listing_objections_due_date(changed):
    # hl-2022 Art 35 with 5 days after 11-16: 11-17, 11-18, 11-19, 11-20, 11-23 (objection_decide
    # is 4: 11-20)
    assert due(changed(), "objection", "decide", "YY-6") == "2026-11-23"
    assert step(changed(), "objection", "decide", "YY-6")["rule"] == "hl-2022 Art 35"


def test_changing_deadlines_objection_assist_reply_moves_the_answer_due_date(changed):
    # hl-2022 Art 39 with 3 days after the referral (09-29): 09-30, 10-08, 10-09
    assert due(changed(), "objection", "assist_reply", "YY-4") == "2026-10-09"


def test_changing_deadlines_objection_shared_copies_moves_the_shared_copies_due_date(changed):
    # hl-2022 Art 39 with 4 days after the decision on 11-11: 11-12, 11-13, 11-16, 11-17
    assert due(changed(), "objection", "shared_copies", "YY-5") == "2026-11-17"


def test_changing_deadlines_repair_mark_starts_tracking_repair_marks(changed):
    # jl-draft Art 38's 3 days under hl-2022 (which sets none): from the decision's arrival
    # on 09-30: 10-08, 10-09, 10-10 (worked)
    assert due(changed(), "repair", "mark", "XF-1") == "2026-10-10"
