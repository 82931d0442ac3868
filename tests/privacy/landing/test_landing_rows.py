"""The hand-written privacy landing folder lands whole: every row loaded, nothing quarantined
or excluded, and every planted personal value is in the raw layer, as received.

No Airflow: the files are written into tmp_path and landed with `creditlake.landing`.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pandas as pd
import pytest

from creditlake import landing
from creditlake.identifiers import check_citizen_id, check_uscc
from creditlake.settings import RunConfig
from tests.privacy.landing.build import (
    DATASETS,
    DECISION_FIELD,
    FORMATS,
    PLANTED_KINDS,
    columns,
    load_rows,
    write_landing,
)

AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    """The folder written and every file landed once: (cfg, truth, results, raw by dataset)."""
    root = tmp_path_factory.mktemp("privacy_landing")
    cfg = RunConfig(landing=root / "landing", lake=root / "lake", as_of=AS_OF, profile="national")
    truth = write_landing(cfg.landing)
    results = [landing.land_file(cfg, f["path"], f["dataset"]) for f in landing.discover(cfg)]
    raw = {}
    for dataset in DATASETS:
        parts = [
            part
            for r in results
            if r["dataset"] == dataset
            for part in landing.batch_parts(landing.pending_path(cfg, dataset, r["batch_id"]))
        ]
        raw[dataset] = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    return cfg, truth, results, raw


def test_rows_are_spread_over_datasets_formats_and_kinds():
    data = load_rows()
    for dataset in DATASETS:
        rows = data[dataset]
        by_format = Counter(r["_format"] for r in rows)
        assert set(by_format) == set(FORMATS), f"{dataset}: {by_format}"
        planted_formats = {r["_format"] for r in rows if r["_planted"]}
        assert planted_formats == set(FORMATS), f"{dataset}: planted values missing from some format"
        decisions = [r[DECISION_FIELD[dataset]] for r in rows]
        assert len(set(decisions)) == len(decisions), f"{dataset}: decision numbers repeat"
    assert len(data["penalties"]) >= 30 and len(data["licenses"]) >= 20 and len(data["court_dishonest"]) >= 20
    clean = Counter(d for d in DATASETS for r in data[d] if r["_clean"])
    assert clean["penalties"] >= 8 and clean["licenses"] >= 6 and clean["court_dishonest"] >= 5
    kinds = {p["kind"] for d in DATASETS for r in data[d] for p in r["_planted"]}
    assert kinds == PLANTED_KINDS


def test_clean_rows_are_plain_organisations():
    data = load_rows()
    for dataset in DATASETS:
        for row in data[dataset]:
            if not row["_clean"]:
                continue
            code = row["身份证号码/组织机构代码" if dataset == "court_dishonest" else "统一社会信用代码"]
            assert check_uscc(code).reason is None and check_uscc(code).flag is None, code
            assert not code.startswith("92"), f"{code}: an individual business is never a clean row"
            if dataset != "court_dishonest":
                assert row["行政相对人类别"] == "法人及非法人组织"
            if dataset == "penalties":
                assert row["案件程序类别"] in ("02", "一般程序")
                assert date(2025, 6, 1) <= landing.parse_date(row["处罚决定日期"]) <= date(2026, 11, 1)
                assert float(row["罚款金额（万元）"]) > 0.3  # above the minor tier of NDRC Order 36


def test_the_rows_hold_a_court_listed_person_masked_every_way():
    """A check of the hand-written rows, not of the product: one person on the court's list with
    his ID as courts mask it (the last one or two digits, the birth date) and in full. What the
    platform publishes of them: tests/e2e/test_privacy_cycle.py (each is planted)."""
    rows = [r for r in load_rows()["court_dishonest"] if r["被执行人姓名/名称"] == "孟庆祥"]
    ids = {r["身份证号码/组织机构代码"] for r in rows}
    assert ids == {"22010419850312001*", "2201041985031200**", "220104********0011", "220104198503120011"}
    assert check_citizen_id("220104198503120011").ok


def test_every_file_lands_every_row(landed):
    cfg, truth, results, _ = landed
    assert len(results) == len(DATASETS) * len(FORMATS) == len(truth["files"])
    want = {f["path"]: f["rows"] for f in truth["files"]}
    for r in results:
        name = r["path"].rsplit("/", 1)[-1]
        assert r["status"] == "landed", f"{name}: {r['reason']}"
        assert r["ignored_columns"] == [], f"{name}: headers not mapped: {r['ignored_columns']}"
        assert (r["rows_in"], r["loaded"], r["quarantined"], r["excluded"]) == (want[r["path"]],) * 2 + (
            0,
            0,
        ), f"{name}: {r['reasons']}"
        assert r["reasons"] == {}, f"{name}: {r['reasons']}"


def test_raw_rows_are_the_cells_as_written(landed):
    _, _, _, raw = landed
    data = load_rows()
    for dataset in DATASETS:
        code_of = {f["zh"]: f["code"] for f in landing.layout(dataset)["fields"]}
        key = code_of[DECISION_FIELD[dataset]]
        table = raw[dataset].set_index(key, drop=False)
        assert table.index.is_unique and len(table) == len(data[dataset])
        for row in data[dataset]:
            got = table.loc[row[DECISION_FIELD[dataset]]]
            for zh, value in columns(row).items():
                assert got[code_of[zh]] == value, f"{dataset} {row[DECISION_FIELD[dataset]]}: {zh}"


def test_every_planted_value_is_in_the_raw_layer(landed):
    _, truth, _, raw = landed
    planted = 0
    for entry in truth["rows"]:
        dataset = entry["dataset"]
        key = landing.layout(dataset)["header_map"][landing.header_key(DECISION_FIELD[dataset])]
        (hit,) = raw[dataset].index[raw[dataset][key] == entry["decision_number"]]
        fields = [f["code"] for f in landing.layout(dataset)["fields"]]
        cells = [str(v) for v in raw[dataset].loc[hit, fields] if v is not None]
        for p in entry["_planted"]:
            assert any(p["value"] in c for c in cells), f"{entry['decision_number']}: {p}"
            planted += 1
    assert planted == sum(len(r["_planted"]) for r in truth["rows"]) > 0


def test_subjects_are_typed_as_written(landed):
    _, truth, _, raw = landed
    types = {}
    for dataset in DATASETS:
        key = landing.layout(dataset)["header_map"][landing.header_key(DECISION_FIELD[dataset])]
        types.update(zip(raw[dataset][key], raw[dataset]["_subject_type"], strict=True))
    for entry in truth["rows"]:
        got = types[entry["decision_number"]]
        if entry["subject_name"] in ("孟庆祥", "宋国栋"):
            assert got == "natural_person"
        elif entry["subject_name"] in ("王建国烧烤店", "张桂芳"):
            assert got == "individual_business"
        else:
            assert got == "organisation", entry
