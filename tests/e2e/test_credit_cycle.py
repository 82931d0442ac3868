"""One credit cycle through the real Airflow DAG (`creditlake run` -> `airflow dags test`)."""

import csv
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from creditlake.synthetic import PENALTY_HEADERS_ZH
from tests.conftest import AS_OF, open_text, read_summary, run_cli

pytestmark = pytest.mark.e2e
LIC_A, INST_A = "LIC-A-2026-001", "91110105L30P8774P4"  # in publishing/registry_example
SUMMARY_KEYS = {"profile", "as_of", "open_root", "feeds_root", "quarantine_report", "files"}
FILE_KEYS = {"path", "dataset", "rows_in", "loaded", "quarantined", "excluded", "status", "reason"}
ORGS = "subject_type = 'organisation'"  # the publish models carry every subject; the profile opens these


def cycle(landing, lake, summary, env=None, profile="national"):
    return run_cli(
        "run",
        "--landing",
        str(landing),
        "--as-of",
        AS_OF.isoformat(),
        "--profile",
        profile,
        "--lake",
        str(lake),
        "--summary",
        str(summary),
        env=env,
    )


def query(lake, sql):
    with duckdb.connect(str(lake / "warehouse" / "creditlake.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_generated_cycle_lands_gates_builds_and_publishes(tmp_path, s3_env):
    """Every dataset and event in every format, defects and personal data planted: every
    row meets its expected fate, and nothing personal reaches open data."""
    landing, lake, summary_path = tmp_path / "landing", tmp_path / "lake", tmp_path / "summary.json"
    run_cli("generate", "--out", str(landing), "--penalties", "300", "--as-of", AS_OF.isoformat())
    truth = json.loads((landing / "truth.json").read_text(encoding="utf-8"))
    env = {k: v for k, v in s3_env.items() if k != "client"}

    out = cycle(landing, lake, summary_path, env).stdout
    summary = read_summary(summary_path)
    assert (
        SUMMARY_KEYS <= set(summary) and summary["profile"] == "national" and summary["as_of"] == "2026-11-22"
    )
    assert summary["failed"] == []
    # every published package validates strictly on generated data: keys, patterns, enums, hashes
    for published in summary["published"]:
        package = lake / "open" / published["dataset"] / published["version"] / "datapackage.json"
        report = run_cli("validate", str(package), env={}, check=False, program="frictionless")
        assert report.returncode == 0, report.stdout[-3000:]
    files = {Path(f["path"]).name: f for f in summary["files"]}
    assert set(files) == set(truth["files"]) and {f["dataset"] for f in files.values()} >= {
        "penalties",
        "objections",
    }
    for name, f in files.items():
        assert FILE_KEYS <= set(f)
        assert f["rows_in"] == f["loaded"] + f["quarantined"] + f["excluded"], name
        want = truth["files"][name]
        assert (f["status"], f["rows_in"], f["loaded"], f["quarantined"], f["excluded"], f["reasons"]) == (
            "landed",
            want["rows_in"],
            want["loaded"],
            want["quarantined"],
            want["excluded"],
            want["reasons"],
        ), name
    assert str(summary["open_root"]) in out and "published" in out

    # Published: organisations inside their window; nothing personal anywhere under open_root.
    import pandas as pd

    # national opens organisations' penalties and licences, and the court's whole list (by law)
    for dataset, opened in (("penalties", ORGS), ("licenses", ORGS), ("court_dishonest", "true")):
        expected = query(lake, f"select count(*) from pub_open__{dataset} where {opened}")[0][0]
        latest = json.loads((lake / "open" / dataset / "latest.json").read_text(encoding="utf-8"))
        parquet = next(f["path"] for f in latest["files"] if f["path"].endswith(".parquet"))
        assert len(pd.read_parquet(lake / "open" / parquet)) == expected > 10, dataset
    expected = {r[0] for r in query(lake, f"select decision_number from pub_open__penalties where {ORGS}")}
    latest = json.loads((lake / "open" / "penalties" / "latest.json").read_text(encoding="utf-8"))
    parquet = next(f["path"] for f in latest["files"] if f["path"].endswith(".parquet"))
    published = pd.read_parquet(lake / "open" / parquet)
    assert set(published["decision_number"]) == expected
    assert set(published["subject_uscc"]) <= set(truth["loaded_orgs"])
    assert "legal_representative" not in published.columns  # personal_name: never opened
    text = open_text(lake / "open")
    for planted in (
        "planted_ids",
        "planted_phones",
        "planted_landlines",
        "planted_emails",
        "planted_bank_cards",
        "planted_documents",
        "protected_names",
        "third_party_names",
    ):
        assert truth[planted], planted  # the extracts hold some of each
        leaked = [v for v in truth[planted] if v and v in text]
        assert not leaked, (planted, leaked[:5])

    # The same files went to S3 through boto3, the pointer with them.
    keys = {
        o["Key"]
        for o in s3_env["client"].list_objects_v2(Bucket=env["CREDITLAKE_OPEN_S3_BUCKET"])["Contents"]
    }
    local = {
        "open-data/" + p.relative_to(lake / "open").as_posix()
        for p in (lake / "open").rglob("*")
        if p.is_file()
    }
    assert "open-data/penalties/latest.json" in keys and keys == local
    # (a rerun on files already landed loads nothing twice: tests/e2e/test_production_path.py)


def test_two_as_of_dates_withdraw_what_left_publication(tmp_path):
    """A revocation and a repair take effect between two runs: the second run's open data no
    longer has them, the warehouse's withdrawals say when and why, and the signed feed delta
    tells the institution holding them to take both down."""
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    (landing / "penalties").mkdir(parents=True)
    (landing / "revocations").mkdir()
    (landing / "repairs").mkdir()
    base = [
        "",
        "法人及非法人组织",
        "",
        "王五",
        "身份证",
        "",
        "",
        "",
        "",
        "超标排放",
        "超标排放大气污染物",
        "《大气污染防治法》",
        "罚款",
        "罚款5万元",
        "5",
        "",
        "",
        "2026-03-02",
        "",
        "",
        "吉林省生态环境厅",
        "",
        "吉林省生态环境厅",
        "",
        "02",
        "",
    ]
    orgs = [
        ("甲环保科技有限公司", "91220104MA0Y123404", "吉环罚〔2026〕1号"),
        ("乙化工有限公司", "91110108600037341D", "吉环罚〔2026〕2号"),
        ("丙建材有限公司", "91220104MA0Y12345X", "吉环罚〔2026〕3号"),
    ]
    from creditlake.identifiers import check_uscc

    with (landing / "penalties" / "p.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(PENALTY_HEADERS_ZH)
        for name, code, number in orgs:
            if not check_uscc(code).ok:  # make the third code valid whatever its check character
                from stdnum.cn import uscc

                code = code[:17] + uscc.calc_check_digit(code[:17] + "0")
            w.writerow([name, base[1], code, *base[3:8], number, *base[9:]])

    def published_numbers(summary_path):
        latest = json.loads((lake / "open" / "penalties" / "latest.json").read_text(encoding="utf-8"))
        import pandas as pd

        parquet = next(f["path"] for f in latest["files"] if f["path"].endswith(".parquet"))
        return set(pd.read_parquet(lake / "open" / parquet)["decision_number"])

    # With the example registry: institution A's licence covers organisations' penalties
    # (publishing/registry_example), so each run also delivers it a signed feed.
    registry = ["--registry", "publishing/registry_example"]
    first = run_cli(
        "run",
        "--landing",
        str(landing),
        "--as-of",
        "2026-08-01",
        "--lake",
        str(lake),
        "--summary",
        str(tmp_path / "s1.json"),
        *registry,
    ).stdout
    assert published_numbers(tmp_path / "s1.json") == {o[2] for o in orgs}
    assert query(lake, "select count(*) from fct_withdrawals") == [(0,)]
    feeds = {f["licence"]: f for f in read_summary(tmp_path / "s1.json")["feeds"]}
    assert {
        k: feeds[LIC_A][k] for k in ("institution", "status", "delivery_id", "kind", "rows", "withdrawals")
    } == {
        "institution": INST_A,
        "status": "delivered",
        "delivery_id": "000001-2026-08-01",
        "kind": "snapshot",
        "rows": 3,
        "withdrawals": 0,
    }
    assert f"delivered  {LIC_A} to {INST_A}: 000001-2026-08-01 snapshot, 3 rows" in first
    feed = lake / "feeds" / INST_A / LIC_A
    key = str(lake / "keys" / "feeds" / "platform-ed25519.pub.pem")
    assert feeds[LIC_A]["manifest"] == str(feed / "000001-2026-08-01" / "manifest.json")
    run_cli("feeds", "verify", str(feed / "000001-2026-08-01"), "--key", key, "--institution", INST_A)

    # the events arrive after the first run, dated between the two
    codes = [r[2] for r in csv.reader((landing / "penalties" / "p.csv").open(encoding="utf-8"))][1:]
    with (landing / "revocations" / "r.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [
                [
                    "操作编号",
                    "主体代码",
                    "原信息类别",
                    "原决定书文号",
                    "操作类型",
                    "生效日期",
                    "数据来源单位",
                ],
                ["CX-1", codes[0], "行政处罚", orgs[0][2], "撤销", "2026-08-10", "吉林省生态环境厅"],
            ]
        )
    with (landing / "repairs" / "x.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [
                [
                    "修复决定编号",
                    "主体名称",
                    "主体代码",
                    "原信息类别",
                    "原决定书文号",
                    "修复决定日期",
                    "修复机关",
                    "数据来源单位",
                ],
                [
                    "XF-1",
                    orgs[1][0],
                    codes[1],
                    "行政处罚",
                    orgs[1][2],
                    "2026-08-20",
                    "吉林省发展和改革委员会",
                    "吉林省发展和改革委员会",
                ],
            ]
        )

    second = run_cli(
        "run",
        "--landing",
        str(landing),
        "--as-of",
        "2026-09-01",
        "--lake",
        str(lake),
        "--summary",
        str(tmp_path / "s2.json"),
        *registry,
    ).stdout
    assert published_numbers(tmp_path / "s2.json") == {orgs[2][2]}
    withdrawn = query(lake, "select reason, withdrawn_on::varchar from fct_withdrawals order by withdrawn_on")
    assert withdrawn == [("revoked", "2026-08-10"), ("repaired", "2026-08-20")]

    # ...and the institution is told to take both down (city-2022 Art 47), in a signed delta
    assert (
        f"delivered  {LIC_A} to {INST_A}: 000002-2026-09-01 delta, 0 rows, 2 withdrawals (1 held)" in second
    )
    import pandas as pd

    gone = pd.read_parquet(feed / "000002-2026-09-01" / "withdrawals.parquet")
    numbers = dict(query(lake, "select record_id, decision_number from int_credit__records_as_of"))
    assert sorted(
        (numbers[r], reason, on)
        for r, reason, on in zip(gone["record_id"], gone["reason"], gone["withdrawn_on"], strict=True)
    ) == [(orgs[0][2], "revoked", "2026-08-10"), (orgs[1][2], "repaired", "2026-08-20")]
    run_cli("feeds", "verify", str(feed), "--key", key, "--institution", INST_A)  # both deliveries, chained
    assert run_cli("audit", "verify", "--lake", str(lake)).stdout.startswith("OK  ")


# Hand-made extracts, not the generator's, in one landing folder run once through the DAG under
# jl-draft: the first test reads how the files were landed, the second what the profile made of
# the events (a DAG run is the dearest thing the tests do; the two share it).
#
# Penalties: GB18030 with Chinese headers, one row with a wrong check character, a file that is
# not GB18030 nor UTF-8, a stray file. And a scenario whose answer differs from the default
# profile's (national publishes A), so the run's profile must reach the build (all six profiles
# are built, without Airflow, in tests/law/test_each_profile.py): penalty A, a general one
# decided 2025-06-02, is published or archived as the profile says; B has an objection open
# since 2026-11-20, so it is published and marked (jl-draft Art 36); C was revoked on
# 2026-10-08, so it is withdrawn (city-2022 Art 45, hl-2022 Art 38); D was decided under the
# simple procedure: excluded.
PROFILE = "jl-draft"
A_IS_PUBLISHED = False  # jl-draft Art 19: general at most 1 year -> A ended 2026-06-02
SCENARIO_USCC = "91230202J1XG612DDN"  # a valid check character (GB 32100-2015)


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory):
    """(lake, summary) of one run under jl-draft on the hand-made landing folder."""
    root = tmp_path_factory.mktemp("hand_made")
    landing, lake, summary_path = root / "landing", root / "lake", root / "out" / "summary.json"
    for folder in ("penalties", "objections", "revocations"):
        (landing / folder).mkdir(parents=True)
    row = [
        "吉林省𠀀源食品有限公司",
        "法人及非法人组织",
        "91220104MA0Y123404",
        "李强",
        "身份证",
        "220104199003071238",
        "",
        "",
        "吉市监罚〔2026〕7号",
        "销售过期食品",
        "当事人销售过期食品，负责人李强（电话13900001111）承认。",
        "《食品安全法》",
        "罚款",
        "罚款0.5万元",
        "0.5",
        "",
        "",
        "2026/3/2",
        "2099-12-31",
        "",
        "吉林市市场监督管理局",
        "",
        "吉林市市场监督管理局",
        "",
        "02",
        "",
    ]
    with (landing / "penalties" / "gb.csv").open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(PENALTY_HEADERS_ZH)
        w.writerow(row)
        w.writerow(row[:2] + ["91220104MA0Y123405"] + row[3:8] + ["吉市监罚〔2026〕8号"] + row[9:])
    (landing / "penalties" / "broken.csv").write_bytes(b"\x81\x30\xff\xfe\xfd")
    (landing / "penalties" / "notes.txt").write_text("not an extract", encoding="utf-8")

    scenario = ["丁食品有限公司", "法人及非法人组织", SCENARIO_USCC] + [""] * 23
    scenario[9:15] = ["销售过期食品", "销售过期食品", "《食品安全法》", "罚款", "罚款2万元", "2"]
    scenario[20], scenario[22] = "吉林市市场监督管理局", "吉林市市场监督管理局"

    def penalty(number, decided, procedure="02"):
        return scenario[:8] + [number] + scenario[9:17] + [decided] + scenario[18:24] + [procedure, ""]

    with (landing / "penalties" / "p.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [
                PENALTY_HEADERS_ZH,
                penalty("A", "2025-06-02"),
                penalty("B", "2026-09-01"),
                penalty("C", "2026-09-01"),
                penalty("D", "2026-09-01", "01"),
            ]
        )
    with (landing / "objections" / "o.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [
                ["异议编号", "主体代码", "原信息类别", "原决定书文号", "状态", "日期"],
                ["YY-1", SCENARIO_USCC, "行政处罚", "B", "受理", "2026-11-20"],
            ]
        )
    with (landing / "revocations" / "r.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [
                [
                    "操作编号",
                    "主体代码",
                    "原信息类别",
                    "原决定书文号",
                    "操作类型",
                    "生效日期",
                    "上报日期",
                    "数据来源单位",
                ],
                [
                    "CX-1",
                    SCENARIO_USCC,
                    "行政处罚",
                    "C",
                    "撤销",
                    "2026-10-08",
                    "2026-10-16",  # reported on a Friday
                    "吉林市市场监督管理局",
                ],
            ]
        )
    cycle(landing, lake, summary_path, profile=PROFILE)
    return lake, read_summary(summary_path)


def test_a_landing_folder_it_did_not_generate(hand_made):
    """GB18030 with Chinese headers, a bad row, a bad file, a stray file: each accounted for."""
    lake, summary = hand_made
    files = {f["path"].rsplit("/", 1)[1]: f for f in summary["files"]}
    assert (files["gb.csv"]["loaded"], files["gb.csv"]["quarantined"]) == (1, 1)
    assert files["broken.csv"]["status"] == "refused" and files["broken.csv"]["reason"].startswith(
        "file_encoding"
    )
    assert files["notes.txt"]["status"] == "refused"
    for f in files.values():
        assert f["rows_in"] == f["loaded"] + f["quarantined"] + f["excluded"]
    assert (files["p.csv"]["loaded"], files["p.csv"]["excluded"]) == (
        3,
        1,
    )  # D: simple procedure, under all six
    with open(summary["quarantine_report"], encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["dataset"], r["row"], r["natural_key"], r["reason_code"]) for r in rows] == [
        ("penalties", "3", "吉市监罚〔2026〕8号", "uscc_checksum")
    ]
    text = open_text(lake / "open")
    assert "吉林省𠀀源食品有限公司" in text  # GB18030-only character survived to open data
    assert "13900001111" not in text and "李强" not in text
    # the run's log is for the operator: no Great Expectations bookkeeping, and in a run that
    # succeeded (refusing a bad file is not an error of the run) no error line
    log = (lake / "runs" / "last_airflow.log").read_text(encoding="utf-8")
    assert "validate_raw" in log and "[great_expectations" not in log
    assert not [line for line in log.splitlines() if "[error" in line]


def test_the_run_s_profile_reaches_the_build(hand_made):
    """The run's profile (jl-draft) decides A, the objection marks B, the revocation withdraws C."""
    lake, summary = hand_made
    assert summary["profile"] == PROFILE
    published = dict(query(lake, "select decision_number, under_objection from pub_open__penalties"))
    assert ("A" in published) == A_IS_PUBLISHED  # published...
    assert (query(lake, "select count(*) from fct_archive") == [(1,)]) != A_IS_PUBLISHED  # ...or archived
    assert published["B"] is True  # marked while the objection is open
    assert "C" not in published
    assert query(
        lake, "select reason, withdrawn_on::varchar from fct_withdrawals where reason = 'revoked'"
    ) == [("revoked", "2026-10-08")]
    # ...and must be withdrawn within the profile's working days of receiving the report: one
    # under jl-draft (borrowed from hl-2022 Art 38), so by the Monday after a Friday's report (the
    # official calendar's holidays: tests/integration/test_deadlines.py)
    due = query(lake, "select withdraw_due_by from fct_withdrawals where reason = 'revoked'")
    assert due == [(date(2026, 10, 19),)]
    latest = json.loads((lake / "open" / "penalties" / "latest.json").read_text(encoding="utf-8"))
    assert latest["rows"] == len(published) and latest["profile"] == PROFILE
