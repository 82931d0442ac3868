"""The published package as a machine and a person read it: `datapackage.json` strict enough for
`frictionless validate` to check keys, constraints, codes and every file's hash; the CSV headed
with the national template's Chinese field names; a data dictionary with no blank entry that
explains every code. One cycle for the module: the warehouse build is the slow part."""

import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from creditlake.settings import RunConfig
from tests.integration.court_list import land_and_build, publish

HEADER = [
    "被执行人姓名/名称",
    "身份证号码/组织机构代码",
    "执行法院",
    "立案时间",
    "案号",
    "被执行人的履行情况",
]
HEADER += ["失信被执行人行为具体情形", "发布时间"]
ROWS = [
    ["张三丰", "2201041990****1238", "长春市朝阳区人民法院", "2025-01-02", "(2025)吉0104执1号", "全部未履行"],
    [
        "长春市金源商贸有限公司",
        "91220104MA0Y123404",
        "长春市朝阳区人民法院",
        "2025-01-02",
        "(2025)吉0104执2号",
    ],
]
ROWS[0] += ["有履行能力而拒不履行", "2025-03-01"]
ROWS[1] += ["部分未履行", "违反限制消费令", "2025-03-01"]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> dict[str, Path]:
    """dataset -> its published version folder, after one cycle over two court records."""
    root = tmp_path_factory.mktemp("datapackage")
    cfg = RunConfig(landing=root / "landing", lake=root / "lake", as_of=date(2026, 11, 22))
    land_and_build(cfg, ROWS, header=HEADER)
    _, released = publish(cfg.to_conf(), "run-dp")
    return {name: cfg.open_root / name / r["version"] for name, r in released.items()}


def resource(folder: Path, fmt: str) -> dict:
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    return next(r for r in package["resources"] if r["format"] == fmt)


def test_frictionless_validate_passes_on_every_published_package(published):
    assert set(published) == {"court_dishonest", "penalties", "licenses"}
    for folder in published.values():
        cli = Path(sys.executable).with_name("frictionless")
        run = subprocess.run([cli, "validate", folder / "datapackage.json"], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr


def test_every_checksum_the_metadata_gives_is_the_file_s(published):
    """A downloader checks a file against the package's `hash` or DCAT's `spdx:checksumValue`:
    both must be the sha256 of the bytes published (each file is hashed once, for both)."""
    import hashlib

    for folder in published.values():
        dcat = json.loads((folder / "dcat.jsonld").read_text(encoding="utf-8"))
        for fmt in ("parquet", "csv"):
            data = next(folder.glob(f"*.{fmt}")).read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            assert resource(folder, fmt)["hash"] == f"sha256:{digest}"
            (distribution,) = [d for d in dcat["dcat:distribution"] if d["@id"].endswith(f"#{fmt}")]
            assert distribution["spdx:checksum"]["spdx:checksumValue"] == digest
            assert distribution["dcat:byteSize"] == str(len(data))


def test_the_schema_declares_keys_titles_constraints_and_codes(published):
    court = published["court_dishonest"]
    parquet, table = resource(court, "parquet"), resource(court, "csv")
    assert parquet["schema"]["primaryKey"] == ["record_id"] and table["schema"]["primaryKey"] == ["记录编号"]
    assert parquet["hash"].startswith("sha256:") and table["hash"].startswith("sha256:") and table["bytes"]
    fields = {f["englishName"]: f for f in table["schema"]["fields"]}
    assert fields["case_number"]["name"] == fields["case_number"]["title"] == "案号"
    assert fields["record_id"]["constraints"] == {
        "required": True,
        "unique": True,
        "pattern": "^[0-9a-f]{32}$",
    }
    for field in table["schema"]["fields"]:  # Chinese title, Chinese and English description
        assert CJK.search(field["title"]) and field["description"].startswith(field["title"] + ": ")
        assert re.search(r"[a-z]{3}", field["description"])
    penalties = {f["name"]: f for f in resource(published["penalties"], "parquet")["schema"]["fields"]}
    assert penalties["nature_class"]["constraints"]["enum"] == ["minor", "general", "serious"]
    assert {c["code"]: c["zh"] for c in penalties["nature_class"]["codes"]}["serious"] == "严重失信"
    uscc = re.compile(penalties["authority_uscc"]["constraints"]["pattern"])
    assert uscc.fullmatch("91220104MA0Y123404") and not uscc.fullmatch("91220104MA0Y12340I")


def test_a_file_changed_by_one_byte_fails_validation_on_its_hash(published, tmp_path):
    import frictionless

    copy = shutil.copytree(published["court_dishonest"], tmp_path / "court")
    data = bytearray((copy / "court_dishonest.csv").read_bytes())
    at = data.index("部分未履行".encode())
    data[at : at + 15] = "全部未履行".encode()  # same length: only the hash can tell
    (copy / "court_dishonest.csv").write_bytes(bytes(data))
    report = frictionless.validate(str(copy / "datapackage.json"))
    assert not report.valid
    assert [e[0] for e in report.flatten(["type"])] == ["hash-count"]


def test_the_csv_is_headed_in_chinese_and_parquet_keeps_english_names(published):
    folder = published["court_dishonest"]
    table = pd.read_csv(folder / "court_dishonest.csv", encoding="utf-8-sig", dtype=str)
    assert list(table.columns[:2]) == ["记录编号", "被执行人类别"]
    assert {"被执行人姓名/名称", "案号", "执行法院", "发布时间", "异议标注"} <= set(table.columns)
    assert set(table["被执行人类别"]) == {"organisation", "natural_person"}  # codes stay codes
    frame = pd.read_parquet(folder / "court_dishonest.parquet")
    assert list(frame.columns) == [f["englishName"] for f in resource(folder, "csv")["schema"]["fields"]]


def _table_rows(markdown: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split(" | ")]
        for line in markdown.splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ]


def test_the_dictionary_has_no_blank_entry_and_explains_every_code(published):
    for dataset, folder in published.items():
        dictionary = (folder / "data_dictionary.md").read_text(encoding="utf-8")
        rows = _table_rows(dictionary)
        assert rows and all(cell for row in rows for cell in row), f"{dataset}: a blank entry"
        for field in resource(folder, "parquet")["schema"]["fields"]:
            assert f"`{field['name']}`" in dictionary and field["title"] in dictionary
            for code in field.get("codes", []):
                assert f"| `{code['code']}` | {code['zh']} | {code['en']} |" in dictionary
            for code in field.get("constraints", {}).get("enum", []):
                assert code in {c["code"] for c in field["codes"]}
    court = published["court_dishonest"]
    used = set(pd.read_parquet(court / "court_dishonest.parquet")["subject_type"])
    assert {f"`{code}`" for code in used} <= set(
        re.findall(r"`\w+`", (court / "data_dictionary.md").read_text())
    )
