"""The Great Expectations suites in expectations/: well-formed, and runnable the way the gate runs them."""

import json

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from creditlake import gate, landing
from creditlake.settings import EXPECTATIONS_DIR

RAW_SUITES = sorted(p.stem for p in EXPECTATIONS_DIR.glob("raw_*.json"))


def test_every_landed_dataset_has_a_raw_suite():
    assert RAW_SUITES == sorted(f"raw_{d}" for d in landing.datasets())


@pytest.mark.parametrize("name", RAW_SUITES)
def test_raw_suites_read_only_landed_columns_and_use_arrow_regexes(name):
    """The raw gate reads batches as Arrow strings, so its regexes run in Arrow's RE2 engine,
    which has no lookarounds: a Python-only pattern would fail every batch."""
    dataset = name.removeprefix("raw_")
    assert set(gate.suite_columns(name)) <= set(landing.layout(dataset)["raw_columns"])
    for exp in json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8"))["expectations"]:
        if "regex" in exp["kwargs"]:
            pc.match_substring_regex(pa.array(["x"]), exp["kwargs"]["regex"])  # raises if RE2 refuses it


def test_the_gate_reports_a_failing_value_from_an_arrow_frame(tmp_path):
    from datetime import date

    import pyarrow.parquet as pq

    from creditlake.settings import RunConfig

    columns = gate.suite_columns("raw_penalties")
    good = {
        "CF_WSH": "长市监罚〔2026〕1号",
        "_decision_date": "2026-03-02",
        "_subject_key": "91220104MA0Y123404",
        "_subject_type": "organisation",
    }
    rows = [good | {"CF_WSH": f"长市监罚〔2026〕{i}号", "_subject_key": f"x:{i}"} for i in range(50)]
    rows.append(good | {"_subject_key": "91220104MA0Y12340"})  # 17 characters: no key shape
    pq.write_table(pa.table({c: [r[c] for r in rows] for c in columns}), tmp_path / "b.parquet")
    cfg = RunConfig(landing=tmp_path, lake=tmp_path / "lake", as_of=date(2026, 11, 22))

    result = gate.run_suite(
        cfg, "raw_penalties", gate.read_for_suite([tmp_path / "b.parquet"], "raw_penalties"), "b"
    )
    assert not result.success
    assert result.failures == [
        "expect_column_values_to_match_regex on _subject_key: 1 unexpected, e.g. ['91220104MA0Y12340']"
    ]


PUBLISH_SUITES = sorted(p.stem for p in EXPECTATIONS_DIR.glob("publish_*.json"))


@pytest.mark.parametrize("name", PUBLISH_SUITES)
def test_publish_suites_check_every_personal_pattern_on_each_free_text_column(name):
    """`{"no_personal_data_in": column}` becomes one not-match expectation per personal pattern,
    so a pattern added to expectations/_personal_patterns.json reaches every publish suite."""
    import re

    declared = json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8"))["expectations"]
    free_text = [e["no_personal_data_in"] for e in declared if "no_personal_data_in" in e]
    assert free_text, f"{name} names no free-text column"
    loaded = gate.load_suite_spec(name)["expectations"]
    assert all("type" in e and "kwargs" in e for e in loaded)
    checked = {
        (e["kwargs"]["column"], e["kwargs"]["regex"])
        for e in loaded
        if e["type"] == "expect_column_values_to_not_match_regex"
    }
    patterns = gate.personal_patterns()
    assert {p["name"] for p in patterns} >= {"citizen_id", "mobile", "landline"}
    for column in free_text:
        for pattern in patterns:
            assert (column, pattern["regex"]) in checked
    assert re.search(patterns[0]["regex"], "身份证220104198503120015，") is not None


@pytest.mark.parametrize("name", PUBLISH_SUITES)
def test_publish_suites_use_arrow_regexes(name):
    """The check hands its suites Arrow strings (as the raw gate does): every regex, the personal
    patterns included, must be one Arrow's RE2 engine takes."""
    for exp in gate.load_suite_spec(name)["expectations"]:
        if "regex" in exp["kwargs"]:
            pc.match_substring_regex(pa.array(["x"]), exp["kwargs"]["regex"])  # raises if RE2 refuses it


def test_the_publish_gate_runs_every_personal_pattern_on_every_free_text_column(tmp_path):
    """Hand-written penalties past the desensitiser: a citizen ID and a mobile in the facts, a
    fax number in the content. GX upserts expectations by type and column unless told
    otherwise: only the last pattern of each column ran, and the first two passed."""
    from datetime import date

    import pyarrow.parquet as pq

    from creditlake.settings import RunConfig

    clean = {
        "subject_uscc": "91220104MA0Y123404",
        "violation_facts": "未按规定公示年度报告",
        "penalty_content": "警告",
        "decision_number": "长市监罚〔2026〕1号",
    }
    leaks = [
        {"violation_facts": "当事人身份证220104198503120015"},
        {"violation_facts": "联系电话13812345678"},
        {"penalty_content": "传真（0431）88886666"},
    ]
    rows = [clean] * 20 + [clean | leak for leak in leaks]
    pq.write_table(pa.table({c: [r[c] for r in rows] for c in clean}), tmp_path / "p.parquet")
    cfg = RunConfig(landing=tmp_path, lake=tmp_path / "lake", as_of=date(2026, 11, 22))
    frame = gate.read_for_suite([tmp_path / "p.parquet"], "publish_penalties")  # as the check reads it

    result = gate.run_suite(cfg, "publish_penalties", frame, "p")
    assert sorted(result.failures) == sorted(
        f"expect_column_values_to_not_match_regex on {column}: 1 unexpected, e.g. [{text!r}]"
        for leak in leaks
        for column, text in leak.items()
    )


# Hand-written free texts: a number counts where it stands alone (the text's edge, or anything
# but a digit, on each side), wherever it is in the text.
PERSONAL_CASES = [
    ("身份证220104198503120015，", {"citizen_id"}),
    ("220104198503120015", {"citizen_id"}),
    ("编号22010419850312001X号", {"citizen_id"}),
    ("流水号2201041985031200151", set()),  # 19 digits: no ID inside
    ("电话13812345678", {"mobile"}),
    ("13812345678", {"mobile"}),
    ("联系人王某\n13812345678（已核实）", {"mobile"}),
    ("订单号913812345678", set()),  # a digit before it
    ("金额138123456789元", set()),  # and one after
    ("传真（0431）88886666转", {"landline"}),
    ("0431-88886666", {"landline"}),
    ("编号90431-88886666", set()),
    ("处罚决定书长市监罚〔2026〕13号，罚款1200元", set()),
]


@pytest.mark.parametrize(("text", "kinds"), PERSONAL_CASES)
def test_personal_patterns_find_a_number_standing_alone_in_python_and_in_arrow(text, kinds):
    import re

    patterns = gate.personal_patterns()
    assert {p["name"] for p in patterns if re.search(p["regex"], text)} == kinds
    found = {p["name"] for p in patterns if pc.match_substring_regex(pa.array([text]), p["regex"])[0].as_py()}
    assert found == kinds


def test_a_suite_entry_mixing_the_shorthand_with_other_keys_is_refused(tmp_path, monkeypatch):
    (tmp_path / "publish_x.json").write_text(
        json.dumps({"name": "publish_x", "expectations": [{"no_personal_data_in": "a", "type": "x"}]}),
        encoding="utf-8",
    )
    monkeypatch.setattr(gate, "EXPECTATIONS_DIR", tmp_path)
    gate.load_suite_spec.cache_clear()
    try:
        with pytest.raises(ValueError, match="no_personal_data_in"):
            gate.load_suite_spec("publish_x")
    finally:
        gate.load_suite_spec.cache_clear()
