"""The public portal in a real browser: headless Chromium (Debian's package) loads the
page from the published folder, searches, and shows the results; a screenshot is kept."""

import shutil
import subprocess

import pytest

from creditlake import pipeline
from tests.integration.test_open_data import built  # noqa: F401 (fixture)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-component-update", "--disable-sync", "--disable-quic"]  # fmt: skip
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="make test installs chromium; run through make")


def browse(url: str, tmp_path, *extra: str) -> str:
    proc = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra, url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return proc.stdout


@pytest.fixture
def portal(built, tmp_path):  # noqa: F811
    conf = built.to_conf()
    staged = pipeline.prepare_open_data(conf, "run-portal")
    pipeline.validate_outputs(conf, staged)
    released = pipeline.publish(conf, staged)
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
