"""The public portal in a real browser: headless Chromium (Debian's package) loads the
page from the published folder, searches, and shows the results; a screenshot is kept."""

import shutil
import subprocess

import pytest

from creditlake import pipeline
from publishing import stages
from tests.integration.court_list import land_and_build, publish

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="make test installs chromium; run through make")


def browse(url: str, tmp_path, *extra: str) -> str:
    proc = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.stdout


@pytest.fixture
def portal(built, tmp_path):  # noqa: F811
    conf = built.to_conf()
    staged = stages.prepare_open_data(conf, "run-portal")
    released = stages.publish(conf, stages.validate_outputs(conf, staged))
    return released[0]["portal"]


def test_search_by_name_finds_the_organisation_and_never_a_person(portal, tmp_path):
    dom = browse(f"file://{portal}?q=金源", tmp_path, "--dump-dom")
    assert "1 条结果 results" in dom
    assert "长春市金源商贸有限公司（91220104MA0Y123404）失信被执行人 (2025)吉0104执2号" in dom
    assert "张三丰" not in dom and "张**" not in dom.split('id="results"')[1].split("</ul>")[0]


def test_search_by_uscc_and_the_page_lists_datasets(portal, tmp_path):
    dom = browse(f"file://{portal}?q=91220104MA0Y123404", tmp_path, "--dump-dom")
    assert "1 条结果 results" in dom
    for title in ("失信被执行人名单", "记录数 Records", "数据字典 Data dictionary", "CC-BY-4.0"):
        assert title in dom


def test_screenshot(portal, tmp_path):
    shot = tmp_path / "portal.png"
    browse(f"file://{portal}?q=金源", tmp_path, f"--screenshot={shot}", "--window-size=1200,900")
    assert shot.exists() and shot.stat().st_size > 10_000
    shutil.copy(shot, portal.rsplit("/", 1)[0] + "/portal/last-test-screenshot.png")


def test_a_withdrawn_record_leaves_the_next_version_and_the_portal(tmp_path, monkeypatch):
    """Issue 6: withdrawn records disappear from the next version and the portal. A penalty
    revoked between two runs (city-2022 Art 45, hl-2022 Art 38) is in the first version's
    portal search and gone from the second's, while its neighbour stays."""
    import csv
    from datetime import date

    import pandas as pd

    from creditlake.identifiers import check_uscc
    from creditlake.settings import RunConfig
    from creditlake.synthetic import PENALTY_HEADERS_ZH

    monkeypatch.delenv("CREDITLAKE_OPEN_S3_BUCKET", raising=False)
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    (landing / "penalties").mkdir(parents=True)
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
    ]
    assert all(check_uscc(code).ok for _, code, _ in orgs)
    with (landing / "penalties" / "p.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(PENALTY_HEADERS_ZH)
        for name, code, number in orgs:
            w.writerow([name, base[1], code, *base[3:8], number, *base[9:]])

    def run(as_of: date, run_id: str) -> tuple[str, set[str]]:
        conf = RunConfig(landing=landing, lake=lake, as_of=as_of).to_conf()
        landed = [pipeline.land(conf, f) for f in pipeline.discover(conf)]
        pipeline.validate_raw(conf, landed)
        pipeline.build(conf)
        staged = stages.prepare_open_data(conf, run_id)
        released = {r["dataset"]: r for r in stages.publish(conf, stages.validate_outputs(conf, staged))}
        penalties = released["penalties"]
        parquet = next(f["path"] for f in penalties["files"] if f["path"].endswith(".parquet"))
        return penalties["portal"], set(pd.read_parquet(lake / "open" / parquet)["decision_number"])

    portal, numbers = run(date(2026, 8, 1), "run-1")
    assert numbers == {o[2] for o in orgs}
    assert "1 条结果 results" in browse(f"file://{portal}?q=甲环保", tmp_path, "--dump-dom")

    (landing / "revocations").mkdir()
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
                ["CX-1", orgs[0][1], "行政处罚", orgs[0][2], "撤销", "2026-08-10", "吉林省生态环境厅"],
            ]
        )
    portal, numbers = run(date(2026, 9, 1), "run-2")
    assert numbers == {orgs[1][2]}  # the next version no longer has it...
    gone = browse(f"file://{portal}?q=甲环保", tmp_path, "--dump-dom")
    assert "0 条结果 results" in gone and orgs[0][2] not in gone  # ...nor does the portal
    assert "1 条结果 results" in browse(f"file://{portal}?q=乙化工", tmp_path, "--dump-dom")


def test_a_code_prefix_finds_the_organisation(portal, tmp_path):
    dom = browse(f"file://{portal}?q=912201", tmp_path, "--dump-dom")
    assert "长春市金源商贸有限公司（91220104MA0Y123404）" in dom


def test_markup_in_an_agencys_value_is_shown_as_text_never_run(cfg, monkeypatch, tmp_path):
    """Values carrying markup reach the page through search: they stay text. (A name with
    markup is no organisation's name: the desensitiser masks it whole, failing closed.)"""
    monkeypatch.delenv("CREDITLAKE_OPEN_S3_BUCKET", raising=False)
    markup = '<img src=x onerror="document.title=1">'
    row = [
        f"长春市{markup}有限公司",
        "91220104MA0Y123404",
        "",
        "长春市朝阳区人民法院",
        "2025-01-02",
        f"(2025)吉0104执9号{markup}",
        "支付货款",
        "全部未履行",
        "有履行能力而拒不履行",
        "2025-03-01",
    ]
    land_and_build(cfg, [row])
    _, released = publish(cfg.to_conf(), "run-h")
    dom = browse(f"file://{released['court_dishonest']['portal']}?q=91220104", tmp_path, "--dump-dom")
    results = dom.split('id="results"')[1].split("</ul>")[0]
    assert "1 条结果 results" in dom and "长*" in results  # the name masked whole
    assert "&lt;img" in results and "<img" not in results  # the case number's markup shown as text
    assert "<title>1</title>" not in dom  # its handler never ran
