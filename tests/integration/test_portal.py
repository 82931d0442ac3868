"""The public portal in a real browser: headless Chromium (Debian's package, driven by Playwright)
reads the published folder served over HTTP on loopback, as a static host would serve it."""

import csv
import json
import re
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from creditlake import pipeline
from creditlake.identifiers import check_uscc
from creditlake.settings import RunConfig
from creditlake.synthetic import PENALTY_HEADERS_ZH
from publishing import stages
from publishing.metadata import day
from publishing.portal import portal_files
from tests.integration.browser import AXE, CHROMIUM, chromium, serve
from tests.integration.court_list import land_and_build, publish

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="make test installs chromium; run through make")
PAGES = ("index.html", "org.html", "record.html", "changelog.html")
JINYUAN = "91220104MA0Y123404"


@pytest.fixture(scope="session")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def site(court_list_published):
    with serve(court_list_published.open_root) as url:
        yield url


def current_manifest(open_root) -> str:
    """The search index's manifest the pages name (relative to the open root)."""
    return re.search(
        r'data-manifest="([^"]+)"', (open_root / "index.html").read_text(encoding="utf-8")
    ).group(1)


def searched(browser, url: str, text: str, **context):
    """A page of `url` where `text` was typed into the search box, once its results are shown."""
    from playwright.sync_api import expect

    page = browser.new_context(**context).new_page()
    page.goto(f"{url}index.html")
    page.fill("#q", text)
    expect(page.locator("#count")).to_contain_text("结果", timeout=10_000)
    return page


def opened(browser, url: str, **context):
    """A page of `url` once the script has filled it (or the search page, at once)."""
    page = browser.new_context(**context).new_page()
    page.goto(url)
    if "org.html" in url or "record.html" in url:
        page.wait_for_selector("#view h1", timeout=10_000)
    return page


def test_search_by_name_finds_the_organisation_and_never_a_person(browser, site):
    page = searched(browser, site, "金源")
    assert page.inner_text("#count") == "1 条结果 results"
    assert page.inner_text("#results li") == f"长春市金源商贸有限公司 {JINYUAN} 失信被执行人名单 1"
    # the court list's natural person is not searchable, by name or masked name
    for text in ("张三", "张*"):
        assert searched(browser, site, text).inner_text("#results") == ""


def test_a_code_prefix_finds_its_organisations_and_a_middle_of_a_name_finds_its_organisation(browser, site):
    page = searched(browser, site, "912201")
    assert page.inner_text("#count") == "2 条结果 results"
    assert "长春市金源商贸有限公司" in page.inner_text("#results") and "吉林市恒通物流" in page.inner_text(
        "#results"
    )
    assert searched(browser, site, "恒通物流").inner_text("#count") == "1 条结果 results"
    assert searched(browser, site, "通物流有限").inner_text("#count") == "1 条结果 results"
    assert searched(browser, site, "A0Y12340").inner_text("#count") == "0 条结果 results"  # codes by prefix


def test_an_organisation_page_is_its_credit_report_and_prints_to_pdf(browser, site, tmp_path):
    page = searched(browser, site, "金源")
    page.click("#results a")
    page.wait_for_selector("#view h1")
    assert page.url.endswith(f"org.html?c={JINYUAN}")
    text = page.inner_text("#view")
    assert "长春市金源商贸有限公司" in text and f"统一社会信用代码 USCC {JINYUAN}" in text
    assert "(2025)吉0104执2号" in text and "违反限制消费令" in text  # the record's public fields
    assert "national" in text and "截至 as of 2026-11-22" in text  # provenance on the page
    assert "王伟" not in text  # the legal representative is not published
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000


def test_a_record_page_shows_every_public_field_and_what_an_objection_means(built, browser):
    """The guidance follows the profile: national (objection decided in 3 working days,
    borrowed from hl-2022 Art 39) and jl-draft (10 working days, jl-draft Art 36). A court's
    record has no repair guidance (the court ends its list); a penalty's: the withdrawn-record
    test below."""
    for profile, decide in (("national", 3), ("jl-draft", 10)):
        cfg = replace(built, profile=profile)
        publish(cfg.to_conf(), f"run-{profile}")
        record = pd.read_parquet(
            next((built.open_root / "court_dishonest").glob("*/court_dishonest.parquet"))
        )
        with serve(built.open_root) as url:
            manifest = json.loads((built.open_root / current_manifest(built.open_root)).read_text())
            row = record[record["case_number"] == "(2025)吉0104执2号"].iloc[0]
            page = opened(browser, f"{url}record.html?c={JINYUAN}&r={row['record_id']}")
            text = page.inner_text("#view")
            for name, title, _english, codes in manifest["fields"]["court_dishonest"]:
                assert title in text, name
                value = (
                    "—" if pd.isna(row[name]) else day(row[name]) if not codes else codes[str(row[name])][0]
                )
                assert value in text, (name, value)
            assert f"{decide} 个工作日内作出处理决定" in text, profile
            assert page.get_attribute(".guidance a", "href") == "https://credit.example.gov.cn/apply"
            assert (
                opened(browser, f"{url}record.html?c={JINYUAN}&r=0").inner_text("#view h1")
                == "未找到 / Not found"
            )


def test_markup_in_every_published_value_is_shown_as_text_never_run(cfg, browser, monkeypatch):
    """Agencies' values carrying markup reach every page kind (search, organisation, record,
    changelog): nothing runs, the markup is shown as text, and the pages' Content-Security-Policy
    blocks a script the page did not load from the site."""
    monkeypatch.delenv("CREDITLAKE_OPEN_S3_BUCKET", raising=False)
    planted = {
        "img": '<img src=x onerror="window.pwned=1">',
        "script": "<script>window.pwned=2</script>",
        "link": "javascript:window.pwned=3",
        "template": "{{constructor.constructor('window.pwned=4')()}}",
    }
    markup = "".join(planted.values())
    row = [
        "长春市金源商贸有限公司",
        JINYUAN,
        "",
        f"长春市朝阳区人民法院{planted['img']}",
        "2025-01-02",
        f"(2025)吉0104执9号{planted['script']}",
        f"支付货款{markup}",
        "全部未履行",
        f"有履行能力而拒不履行{planted['link']}{planted['template']}",
        "2025-03-01",
    ]
    land_and_build(cfg, [row])
    _, released = publish(cfg.to_conf(), "run-h")
    parquet = next(f["path"] for f in released["court_dishonest"]["files"] if f["path"].endswith(".parquet"))
    record = pd.read_parquet(cfg.open_root / parquet).iloc[0]
    with serve(cfg.open_root) as url:
        pages = [
            searched(browser, url, "金源"),
            opened(browser, f"{url}org.html?c={JINYUAN}"),
            opened(browser, f"{url}record.html?c={JINYUAN}&r={record['record_id']}"),
            opened(browser, f"{url}changelog.html"),
        ]
        for page in pages:
            assert page.evaluate("() => window.pwned") is None, page.url
            assert page.evaluate("() => document.querySelectorAll('main img, main script').length") == 0
            # an inline script added now is refused by the page's policy
            page.evaluate(
                "() => { const s = document.createElement('script'); s.textContent = 'window.inline = 1'; document.body.append(s); }"
            )
            assert page.evaluate("() => window.inline") is None, page.url
        for page in pages[1:3]:  # the values themselves are on the page, as text
            text = page.inner_text("#view")
            assert planted["script"] in text and planted["img"] in text and planted["template"] in text
    for name in PAGES:
        html = (cfg.open_root / name).read_text(encoding="utf-8")
        assert "script-src 'self'" in html and "unsafe-inline" not in html
        assert html.count("<script") == html.count('<script src="portal/app.')  # no inline script


@pytest.mark.skipif(not AXE.exists(), reason="make browser installs axe-core (tests/browser)")
def test_every_page_kind_passes_axe_and_fits_a_phone(court_list_published, browser):
    """axe-core (npm) finds no serious or critical violation on any page kind, and none scrolls
    sideways at 390 px. axe is injected, so this context ignores the pages' policy."""
    open_root = court_list_published.open_root
    record = pd.read_parquet(next((open_root / "court_dishonest").glob("*/court_dishonest.parquet")))
    record_id = record.set_index("case_number").loc["(2025)吉0104执2号", "record_id"]
    phone = {"viewport": {"width": 390, "height": 844}, "bypass_csp": True}
    with serve(open_root) as url:
        pages = [
            searched(browser, url, "金源", **phone),
            opened(browser, f"{url}org.html?c={JINYUAN}", **phone),
            opened(browser, f"{url}record.html?c={JINYUAN}&r={record_id}", **phone),
            opened(browser, f"{url}changelog.html", **phone),
        ]
        for page in pages:
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, page.url
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate("async () => (await axe.run()).violations")
            serious = [
                (v["id"], v["impact"], len(v["nodes"]))
                for v in violations
                if v["impact"] in ("serious", "critical")
            ]
            assert serious == [], page.url


def test_a_withdrawn_record_leaves_the_next_version_the_portal_and_says_why(tmp_path, monkeypatch, browser):
    """A penalty revoked between two runs (city-2022 Art 45, hl-2022 Art 38) is in the first
    version's search and gone from the second's, while its neighbour stays; the changelog says
    one record left, revoked; with one version kept, the first version's files are deleted. The
    neighbour, under objection by then, is marked so on its pages (jl-draft Art 36, city-2022
    Art 42); screenshots of its record page at 1366 and 390 px are kept with the test's files."""
    monkeypatch.delenv("CREDITLAKE_OPEN_S3_BUCKET", raising=False)
    monkeypatch.setenv("CREDITLAKE_OPEN_VERSIONS_KEPT", "1")
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    (landing / "penalties").mkdir(parents=True)
    base = ["", "法人及非法人组织", "", "王五", "身份证", "", "", "", "", "超标排放", "超标排放大气污染物"]
    base += [
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
    ]
    base += ["吉林省生态环境厅", "", "02", ""]
    orgs = [
        ("甲环保科技有限公司", JINYUAN, "吉环罚〔2026〕1号"),
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
        pipeline.validate_raw(conf, [pipeline.land(conf, f) for f in pipeline.discover(conf)])
        pipeline.build(conf)
        released = {
            r["dataset"]: r
            for r in stages.publish(
                conf, stages.validate_outputs(conf, stages.prepare_open_data(conf, run_id))
            )
        }
        parquet = next(f["path"] for f in released["penalties"]["files"] if f["path"].endswith(".parquet"))
        return released["penalties"]["version"], set(
            pd.read_parquet(lake / "open" / parquet)["decision_number"]
        )

    first, numbers = run(date(2026, 8, 1), "run-1")
    assert numbers == {o[2] for o in orgs}
    with serve(lake / "open") as url:
        assert searched(browser, url, "甲环保").inner_text("#count") == "1 条结果 results"
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
    (landing / "objections").mkdir()
    with (landing / "objections" / "o.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [
                ["异议编号", "主体代码", "原信息类别", "原决定书文号", "状态", "日期", "处理结果", "说明"],
                ["YY-1", orgs[1][1], "行政处罚", orgs[1][2], "受理", "2026-08-20", "", "企业申请异议"],
            ]
        )
    second, numbers = run(date(2026, 9, 1), "run-2")
    assert numbers == {orgs[1][2]}  # the next version no longer has it...
    with serve(lake / "open") as url:
        assert (
            searched(browser, url, "甲环保").inner_text("#count") == "0 条结果 results"
        )  # ...nor the portal
        assert searched(browser, url, "乙化工").inner_text("#count") == "1 条结果 results"
        page = opened(browser, f"{url}changelog.html")
        page.click("td details summary")  # the organisations' records that left, listed
        changes = page.inner_text("main")
        page = opened(browser, f"{url}org.html?c={orgs[1][1]}")
        assert "异议处理中" in page.inner_text(".record .objection")
        page.click(".record h3 a")
        page.wait_for_selector("#view .guidance")
        assert "异议处理中" in page.inner_text(".objection") and "有异议在办理中" in page.inner_text(
            "#view dl"
        )
        # a general penalty under national: repairable after its 3 months' minimum, and repair
        # stops publication (NDRC Order 36)
        assert "公示满 3 个月后可提出申请；修复后停止公示" in page.inner_text("#view .guidance")
        for width, height in ((1366, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(tmp_path / f"record-{width}.png"), full_page=True)
            assert (tmp_path / f"record-{width}.png").stat().st_size > 20_000
    log = {
        e["version"]: e for e in json.loads((lake / "open" / "changelog.json").read_text(encoding="utf-8"))
    }
    assert (log[second]["previous"], log[second]["left"], log[second]["added"]) == (first, {"revoked": 1}, 0)
    assert log[second]["organisations_left"][0]["reason"] == "revoked"
    assert "决定被撤销 decision revoked 1" in changes and "removed (retention)" in changes
    revoked = log[second]["organisations_left"][0]["record_id"]
    assert f"{revoked} 决定被撤销 decision revoked" in changes  # the record itself, with its reason
    assert not (lake / "open" / "penalties" / first).exists() and log[first]["removed_on"] == "2026-09-01"
    assert (lake / "open" / "penalties" / second / "penalties.csv").exists()  # the current is kept


def test_the_portal_holds_no_person_and_every_file_passes_the_gate(court_list_published):
    """What the portal serves, file by file, is clean; the court list's person is in none."""
    from publishing.privacy.gate import Gate

    gate = Gate(known_people=["张三丰", "王伟", "李娜"], organisations=[])
    files = portal_files(court_list_published.open_root)
    assert any(p.name.startswith("records.") for p in files) and any(
        p.name.startswith("names.") for p in files
    )
    for path in files:
        assert gate.scan_file(path) == [], path
        text = path.read_text(encoding="utf-8")
        assert "张三丰" not in text and "(2025)吉0104执1号" not in text  # the person's record
        if path.suffix == ".json":  # as strict as the browser's JSON.parse: no NaN for a missing fine
            constants: list[str] = []  # NaN, Infinity: what JSON.parse refuses
            json.loads(text, parse_constant=constants.append)
            assert constants == [], path.name
