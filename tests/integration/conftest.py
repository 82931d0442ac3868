"""Fixtures the integration tests share."""

import shutil

import pytest
from stdnum.cn import uscc

from creditlake.identifiers import check_uscc
from creditlake.settings import RunConfig
from tests.conftest import AS_OF
from tests.integration.court_list import ORGANISATION_ROW, land_and_build


@pytest.fixture
def built(court_list_lake, cfg, monkeypatch):
    """Three court records built: a person, an organisation, and one whose free text names
    the person and a stranger. Each test gets its own copy of a lake built once per worker
    (the build is the same for all; what a test publishes or lands next stays in its copy)."""
    monkeypatch.delenv("CREDITLAKE_OPEN_S3_BUCKET", raising=False)
    shutil.copytree(court_list_lake.landing, cfg.landing)
    shutil.copytree(court_list_lake.lake, cfg.lake)
    return cfg


@pytest.fixture(scope="session")
def court_list_published(court_list_lake, tmp_path_factory):
    """The court list published once per worker (national), for the tests that only read what
    was published: a copy of the lake of `built`, never written after."""
    from tests.integration.court_list import publish

    root = tmp_path_factory.mktemp("court-list-published")
    cfg = RunConfig(landing=root / "landing", lake=root / "lake", as_of=AS_OF)
    shutil.copytree(court_list_lake.landing, cfg.landing)
    shutil.copytree(court_list_lake.lake, cfg.lake)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("CREDITLAKE_OPEN_S3_BUCKET", raising=False)
        publish(cfg.to_conf(), "run-portal")
    return cfg


@pytest.fixture(scope="session")
def court_list_lake(tmp_path_factory):
    """The court list of `built`, landed and built once. Its staging views read its own raw
    files, which no test changes; a test that lands more rebuilds its copy's views."""
    root = tmp_path_factory.mktemp("court-list")
    rows = [
        [
            "张三丰",
            "2201041990****1238",
            "",
            "长春市朝阳区人民法院",
            "2025-01-02",
            "(2025)吉0104执1号",
            "偿还借款10万元，联系电话13911112222",
            "全部未履行",
            "有履行能力而拒不履行",
            "2025-03-01",
        ],
        ORGANISATION_ROW[:8] + ["违反限制消费令，法定代表人王伟仍乘坐飞机", "2025-03-01"],
        # A creditor named in free text is another record's subject (张三丰) or nobody's (陶平):
        [
            "吉林市恒通物流有限公司",
            "91220104MA0Y12345X",
            "李娜",
            "长春市朝阳区人民法院",
            "2025-01-02",
            "(2025)吉0104执3号",
            "支付张三丰劳动报酬5万元，支付陶平劳动报酬2万元",
            "全部未履行",
            "有履行能力而拒不履行",
            "2025-03-01",
        ],
    ]
    code = rows[2][1]  # make the third code valid whatever its check character
    rows[2][1] = code if check_uscc(code).ok else code[:17] + uscc.calc_check_digit(code[:17] + "0")
    return land_and_build(RunConfig(landing=root / "landing", lake=root / "lake", as_of=AS_OF), rows)
