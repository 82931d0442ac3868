"""Open data from a built warehouse: column policy, masking of the court's list, the gate that
withholds rows, individual businesses, register poisoning."""

import json
from pathlib import Path

import pandas as pd
import pytest

from creditlake import pipeline
from publishing import stages
from publishing.portal import portal_files
from tests.integration.court_list import land_and_build, publish


def latest(cfg, dataset: str) -> dict:
    return json.loads((cfg.open_root / dataset / "latest.json").read_text(encoding="utf-8"))


def test_court_list_is_published_with_natural_persons_desensitised(court_list_published):
    published = court_list_published
    court = latest(published, "court_dishonest")
    frame = pd.read_parquet(
        published.open_root / next(f["path"] for f in court["files"] if f["path"].endswith(".parquet"))
    )
    people = frame.set_index("case_number")
    assert people.loc["(2025)吉0104执1号", "subject_name"] == "张**"
    # one mask, recomputed from what the court sent: the birth date is always hidden
    assert people.loc["(2025)吉0104执1号", "subject_identifier"] == "220104********1238"
    assert people.loc["(2025)吉0104执2号", "subject_name"] == "长春市金源商贸有限公司"
    assert "legal_representative" not in frame.columns
    text = (published.open_root / court["files"][0]["path"]).read_text(encoding="utf-8-sig")
    assert "张三丰" not in text and "13911112222" not in text and "王伟" not in text


def test_names_the_warehouse_knows_are_masked_in_other_records_and_guarded_by_the_gate(built):
    conf = built.to_conf()
    staged = stages.prepare_open_data(conf, "run-6")
    court = next(s for s in staged if s["dataset"] == "court_dishonest")
    frame = pd.read_parquet(court["prepared"]).set_index("case_number")
    # 张三丰 is the subject of another record; 陶平 is nobody's: found by the name statistics
    assert frame.loc["(2025)吉0104执3号", "obligation"] == "支付张**劳动报酬5万元，支付陶*劳动报酬2万元"
    known = json.loads(open(court["known_people"], encoding="utf-8").read())
    assert {"张三丰", "王伟", "李娜"} <= set(known["people"]) and "长春市金源商贸有限公司" in known[
        "organisations"
    ]
    assert not str(court["known_people"]).startswith(court["folder"])  # never inside a published version
    assert all(v["success"] and not v["withheld_rows"] for v in stages.validate_outputs(conf, staged))


def test_a_run_s_preparation_removes_the_staged_files_of_earlier_runs_not_their_versions(built):
    """An earlier run's prepared rows and its register of natural persons' names go; its
    published versions (hard links of the staged files) and the memories stay; a stage of that
    run retried afterwards refuses, naming what to do, rather than publish the past."""
    import hashlib

    conf = built.to_conf()
    verdicts, released = publish(conf, "run-a")
    published = {
        path: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in built.open_root.rglob("*")
        if path.is_file() and path.parent.name in {r["version"] for r in released.values()}
    }
    assert published
    stages.prepare_open_data(conf, "run-b")
    assert sorted(p.name for p in built.staging_root.iterdir()) == ["_remembered", "_vouched", "run-b"]
    assert {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in published} == published
    with pytest.raises(pipeline.StageFailed, match="run this cycle again from prepare_open_data"):
        stages.publish(conf, verdicts)


def test_the_next_prepare_analyses_no_text_again_and_prepares_the_same_rows(built, monkeypatch):
    """A cycle re-prepares what the last one did: its texts come from the memory the last run
    kept (`publishing.privacy.remembered`, beside the run folders, never in a version)."""
    from publishing.privacy import desensitise, forked

    conf = built.to_conf()
    first = stages.prepare_open_data(conf, "run-a")
    prepared = [pd.read_parquet(a["prepared"]) for a in first]  # before the next run removes them
    analysed: list[int] = []
    monkeypatch.setattr(forked, "can_fork", lambda: False)  # every text analysed in this process, seen here
    analyse = desensitise._analyse_keys
    monkeypatch.setattr(
        desensitise, "_analyse_keys", lambda keys, *a: analysed.append(len(keys)) or analyse(keys, *a)
    )
    second = stages.prepare_open_data(conf, "run-b")
    assert sum(analysed) == 0
    for a, b in zip(prepared, second, strict=True):
        pd.testing.assert_frame_equal(a, pd.read_parquet(b["prepared"]))
    memory = sorted(p.name for p in (built.staging_root / "_remembered").iterdir())
    assert memory == sorted(f"{s['dataset']}.{ext}" for s in first for ext in ("json", "parquet"))


def test_datasets_prepared_at_once_give_what_they_give_one_after_another(built, monkeypatch):
    """Preparation sends some datasets to a forked worker: each dataset's prepared rows, withheld
    rows and columns are those of a preparation of one dataset after another (each from no
    memory: every text analysed)."""
    import shutil

    from publishing.privacy import forked

    conf = built.to_conf()

    def prepared(run_id):
        shutil.rmtree(built.staging_root / "_remembered", ignore_errors=True)
        staged = stages.prepare_open_data(conf, run_id)
        fields = ("dataset", "rows", "columns", "withheld_columns", "withheld")
        return [({k: s[k] for k in fields}, pd.read_parquet(s["prepared"])) for s in staged]

    at_once = prepared("run-g")
    monkeypatch.setattr(forked, "can_fork", lambda: False)
    one_by_one = prepared("run-h")
    assert len(at_once) > 1 and [a for a, _ in at_once] == [b for b, _ in one_by_one]
    for (_, a), (_, b) in zip(at_once, one_by_one, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_the_next_check_judges_no_value_of_the_rows_again_and_gives_the_same_verdicts(built, monkeypatch):
    """The gate takes back the values it judged clean the day before (`publishing.privacy.vouched`,
    beside the run folders): the rows' values are not judged again, the files' new ones are."""
    from publishing.privacy import forked
    from publishing.privacy.gate import Gate

    conf = built.to_conf()
    first = stages.validate_outputs(conf, stages.prepare_open_data(conf, "run-c"))
    judged: list[str] = []
    monkeypatch.setattr(forked, "can_fork", lambda: False)  # every value judged in this process, seen here
    verdict = Gate._verdict
    monkeypatch.setattr(Gate, "_verdict", lambda self, raw: judged.append(raw) or verdict(self, raw))
    staged = stages.prepare_open_data(conf, "run-d")
    second = stages.validate_outputs(conf, staged)
    fields = ("dataset", "rows", "success", "failures", "withheld_rows")
    assert [{k: v[k] for k in fields} for v in second] == [{k: v[k] for k in fields} for v in first]
    values = {v for s in staged for v in pd.read_parquet(s["prepared"]).stack() if isinstance(v, str)}
    assert judged and not values & set(judged)  # the version id, in the metadata, is new
    memory = sorted(p.name for p in (built.staging_root / "_vouched").iterdir())
    assert memory == sorted(f"{s['dataset']}.{ext}" for s in staged for ext in ("json", "parquet"))


def test_datasets_checked_at_once_give_what_they_give_one_after_another(built, monkeypatch):
    """The check sends some datasets to a forked worker: their verdicts, the withheld report and
    every file of every version are those of a check of one dataset after another."""
    import hashlib

    from publishing.privacy import forked

    conf = built.to_conf()
    staged = stages.prepare_open_data(conf, "run-f")

    def checked():
        verdicts = stages.validate_outputs(conf, staged)
        files = {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for s in staged
            for p in Path(s["folder"]).iterdir()
        }
        report = Path(staged[0]["withheld_report"]).read_text(encoding="utf-8")
        return [{k: v for k, v in x.items() if k != "result_path"} for x in verdicts], report, files

    at_once = checked()
    monkeypatch.setattr(forked, "can_fork", lambda: False)
    assert checked() == at_once
    assert len(staged) > 1 and [v["dataset"] for v in at_once[0]] == [s["dataset"] for s in staged]


def leaking_dictionary(monkeypatch, leak: str) -> None:
    """As if the court list's data dictionary carried `leak` from the version prepared on: a
    file the gate reads whole (what a bad catalogue description would do)."""
    from publishing import metadata

    real = metadata.write_metadata

    def write(folder, dataset, *args, **kwargs):
        files = real(folder, dataset, *args, **kwargs)
        if dataset == "court_dishonest":
            with open(folder / "data_dictionary.md", "a", encoding="utf-8") as fh:
                fh.write(leak + "\n")
        return files

    monkeypatch.setattr(metadata, "write_metadata", write)


def test_a_known_name_in_a_file_refuses_that_dataset_and_fails_the_run(built, monkeypatch):
    conf = built.to_conf()
    leaking_dictionary(monkeypatch, "补充说明：李娜未到庭")
    staged = stages.prepare_open_data(conf, "run-6b")
    verdicts = {v["dataset"]: v for v in stages.validate_outputs(conf, staged)}
    assert not verdicts["court_dishonest"]["success"] and verdicts["penalties"]["success"]
    assert any("known_name" in f for f in verdicts["court_dishonest"]["failures"])
    with pytest.raises(pipeline.StageFailed, match="court_dishonest"):
        stages.refusals(conf, list(verdicts.values()))


@pytest.mark.parametrize(
    "leak", ["联系电话0431-88886666", "电话（0431）88886666", "手机１３８００００１１１１"]
)
def test_the_gate_refuses_landlines_and_full_width_numbers(built, leak, monkeypatch):
    conf = built.to_conf()
    leaking_dictionary(monkeypatch, leak)
    staged = stages.prepare_open_data(conf, "run-7")
    verdicts = {v["dataset"]: v for v in stages.validate_outputs(conf, staged)}
    assert not verdicts["court_dishonest"]["success"]
    assert any(
        kind in f
        for f in verdicts["court_dishonest"]["failures"]
        for kind in ("landline", "mobile", "number")
    )


def test_the_gate_refuses_a_file_that_still_carries_a_phone(built, monkeypatch):
    conf = built.to_conf()
    leaking_dictionary(monkeypatch, "漏网之鱼，联系电话13800001111")
    staged = stages.prepare_open_data(conf, "run-2")
    verdicts = stages.validate_outputs(conf, staged)
    stages.publish(conf, verdicts)
    assert not (built.open_root / "court_dishonest").exists()  # nothing of it left the platform
    assert (built.open_root / "penalties" / "latest.json").exists()  # the others did


def test_unclassified_columns_are_never_published(built, monkeypatch):
    from creditlake import warehouse

    real = warehouse.column_meta

    def forget_one(cfg, model):
        meta = real(cfg, model)
        meta.pop("court", None)  # as if nobody had classed this column
        return meta

    monkeypatch.setattr(warehouse, "column_meta", forget_one)
    staged = {s["dataset"]: s for s in stages.prepare_open_data(built.to_conf(), "run-3")}
    assert "court" in staged["court_dishonest"]["withheld_columns"]
    assert "court" not in staged["court_dishonest"]["columns"]


def test_each_version_carries_a_valid_datapackage_dcat_and_dictionary(court_list_published):
    import frictionless

    version = latest(court_list_published, "court_dishonest")["version"]
    folder = court_list_published.open_root / "court_dishonest" / version
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] and package["version"] == version
    assert {r["path"] for r in package["resources"]} == {"court_dishonest.csv", "court_dishonest.parquet"}
    dcat = json.loads((folder / "dcat.jsonld").read_text(encoding="utf-8"))
    assert dcat["dct:temporal"]["dcat:startDate"] == dcat["dct:temporal"]["dcat:endDate"] == "2025-03-01"
    assert len(dcat["dcat:distribution"]) == 2
    dictionary = (folder / "data_dictionary.md").read_text(encoding="utf-8")
    assert "`case_number`" in dictionary and "案号" in dictionary


def test_published_parquet_is_written_by_fastparquet(court_list_published):
    import pyarrow.parquet as pq

    for dataset in ("court_dishonest", "penalties", "licenses"):
        files = latest(court_list_published, dataset)["files"]
        parquet = next(f["path"] for f in files if f["path"].endswith(".parquet"))
        assert "fastparquet" in pq.ParquetFile(court_list_published.open_root / parquet).metadata.created_by


def _leak_into_one_row(item: dict, case_number: str, text: str) -> str:
    """As if the desensitiser had missed `text` in one row's obligation: its record id."""
    path = item["prepared"]
    frame = pd.read_parquet(path)
    row = frame["case_number"] == case_number
    frame.loc[row, "obligation"] = frame.loc[row, "obligation"] + text
    frame.to_parquet(path)
    return frame.loc[row, "record_id"].item()


def test_a_row_with_a_finding_is_withheld_and_reported_and_the_rest_publishes(built):
    conf = built.to_conf()
    staged = stages.prepare_open_data(conf, "run-8")
    court = next(s for s in staged if s["dataset"] == "court_dishonest")
    record = _leak_into_one_row(court, "(2025)吉0104执2号", "，联系电话1380000 1111")
    verdicts = {v["dataset"]: v for v in stages.validate_outputs(conf, staged)}
    assert verdicts["court_dishonest"]["success"] and verdicts["court_dishonest"]["withheld_rows"] == 1
    released = {r["dataset"]: r for r in stages.publish(conf, list(verdicts.values()))}
    folder = built.open_root / "court_dishonest" / released["court_dishonest"]["version"]
    published = pd.read_parquet(folder / "court_dishonest.parquet")
    assert record not in set(published["record_id"]) and len(published) == 2
    csv_text = (folder / "court_dishonest.csv").read_text(encoding="utf-8-sig")
    assert "1380000" not in csv_text and "(2025)吉0104执3号" in csv_text
    report = pd.read_csv(court["withheld_report"], encoding="utf-8-sig", dtype=str)
    line = report[report["record"] == record]
    assert line[["dataset", "column", "reason"]].values.tolist()[0] == [
        "court_dishonest",
        "obligation",
        "gate",
    ]
    assert "1380000" not in open(court["withheld_report"], encoding="utf-8-sig").read()  # never the value


def test_too_many_withheld_rows_refuse_the_dataset_and_the_limit_is_configurable(built, monkeypatch):
    conf = built.to_conf()
    staged = stages.prepare_open_data(conf, "run-9")
    court = next(s for s in staged if s["dataset"] == "court_dishonest")
    _leak_into_one_row(court, "(2025)吉0104执2号", "，邮箱wangwei＠163。com")
    assert all(v["success"] for v in stages.validate_outputs(conf, staged))  # 1 of 3 rows: not more than 10
    monkeypatch.setenv("CREDITLAKE_WITHHOLD_MAX_ROWS", "0")
    verdicts = {v["dataset"]: v for v in stages.validate_outputs(conf, staged)}
    assert not verdicts["court_dishonest"]["success"] and verdicts["penalties"]["success"]
    monkeypatch.setenv("CREDITLAKE_WITHHOLD_MAX_SHARE", "0.5")  # 1 of 3 is not more than half
    assert all(v["success"] for v in stages.validate_outputs(conf, staged))


@pytest.fixture
def built_subjects(cfg, monkeypatch):
    """A court list with the subjects nobody should take at their label: individual businesses
    (codes starting 92) named after their operator or not, and a known person's name that also
    arrived as an 'organisation' (register poisoning)."""
    monkeypatch.delenv("CREDITLAKE_OPEN_S3_BUCKET", raising=False)
    court, day = "长春市朝阳区人民法院", "2025-01-02"
    rows = [
        [
            "王建国烧烤店",
            "92220104MA0Y123401",
            "王建国",
            court,
            day,
            "(2025)吉0104执11号",
            "支付货款",
            "全部未履行",
            "有履行能力而拒不履行",
            "2025-03-01",
        ],
        [
            "赵建军",
            "92220104MA0Y987603",
            "赵建军",
            court,
            day,
            "(2025)吉0104执12号",
            "支付货款",
            "全部未履行",
            "有履行能力而拒不履行",
            "2025-03-01",
        ],
        [
            "鑫康五金店",
            "91220104567890120T",
            "孙丽华",
            court,
            day,
            "(2025)吉0104执13号",
            "支付货款",
            "全部未履行",
            "有履行能力而拒不履行",
            "2025-03-01",
        ],
        # 李娜 is a legal representative (a person), and arrives again as an 'organisation'
        [
            "李娜",
            "91220104MA0Y56780T",
            "李娜",
            court,
            day,
            "(2025)吉0104执14号",
            "支付李娜劳务费2万元",
            "全部未履行",
            "有履行能力而拒不履行",
            "2025-03-01",
        ],
        [
            "长春市李娜商贸有限公司",
            "91220104MA0Y123404",
            "周强",
            court,
            day,
            "(2025)吉0104执15号",
            "向李娜支付货款，合同编号20250312001",
            "全部未履行",
            "有履行能力而拒不履行",
            "2025-03-01",
        ],
        # a public institution (code 12...): a school is named for its level, not as a company
        [
            "长春市南关区第四中学",
            "1222010207RFFWNR1Q",
            "刘洋",
            court,
            day,
            "(2025)吉0104执16号",
            "支付工程款",
            "全部未履行",
            "有履行能力而拒不履行",
            "2025-03-01",
        ],
    ]
    return land_and_build(cfg, rows)


def test_subjects_are_checked_not_taken_at_their_label(built_subjects):
    verdicts, released = publish(built_subjects.to_conf(), "run-10")
    folder = built_subjects.open_root / "court_dishonest" / released["court_dishonest"]["version"]
    rows = pd.read_parquet(folder / "court_dishonest.parquet").set_index("case_number")
    # individual businesses named after their operator are handled as persons: name and code masked
    assert rows.loc["(2025)吉0104执11号", "subject_name"] == "王**烧烤店"
    assert rows.loc["(2025)吉0104执11号", "subject_identifier"] == "922201********3401"
    assert rows.loc["(2025)吉0104执11号", "subject_type"] == "individual_business"
    assert rows.loc["(2025)吉0104执12号", "subject_name"] == "赵**"
    # an organisation's name stays, with a person's name inside it when it has the form of one
    assert rows.loc["(2025)吉0104执13号", "subject_name"] == "鑫康五金店"
    assert rows.loc["(2025)吉0104执15号", "subject_name"] == "长春市李娜商贸有限公司"
    assert rows.loc["(2025)吉0104执16号", "subject_name"] == "长春市南关区第四中学"
    # register poisoning: 李娜 also arrived as an organisation and is still masked everywhere
    assert rows.loc["(2025)吉0104执14号", "subject_name"] == "李*"
    assert rows.loc["(2025)吉0104执14号", "obligation"] == "支付李*劳务费2万元"
    # the desensitiser and the gate agree on the contract number: it stays, and nothing is withheld
    assert rows.loc["(2025)吉0104执15号", "obligation"] == "向李*支付货款，合同编号20250312001"
    assert all(v["withheld_rows"] == 0 for v in verdicts)
    text = (folder / "court_dishonest.csv").read_text(encoding="utf-8-sig")
    assert "王建国" not in text and "赵建军" not in text and "孙丽华" not in text
    index = "".join(p.read_text(encoding="utf-8") for p in portal_files(built_subjects.open_root))
    assert "烧烤店" not in index and "赵" not in index  # persons are not searchable
    assert "鑫康五金店" in index and "长春市李娜商贸有限公司" in index and "长春市南关区第四中学" in index


def test_the_gate_and_the_desensitiser_agree_on_a_contract_number():
    """The number after 合同编号 that the desensitiser keeps, the gate passes; one it masks (a
    phone's shape) leaves nothing for the gate to find."""
    from publishing.privacy.desensitise import desensitise
    from publishing.privacy.gate import Gate

    gate = Gate(known_people=[], organisations=[])
    for text in (
        "合同编号20250312001",
        "合同编号：HT-2025-0012",
        "合同编号13812345678",
        "合同编号6222021234567890128",
    ):
        out = desensitise(text)
        assert gate.scan_text(out) == [], (text, out)
        assert (out == text) == (gate.scan_text(text) == []), text


def test_the_portal_page_passes_the_gate_too(built, monkeypatch):
    """Every string the portal shows is checked: a catalogue text that carries a phone keeps the
    page from being replaced."""
    import copy

    from publishing import metadata

    conf = built.to_conf()
    verdicts, _released = publish(conf, "run-11")
    page = (built.open_root / "index.html").read_text(encoding="utf-8")
    verdicts = stages.validate_outputs(conf, stages.prepare_open_data(conf, "run-12"))
    leaking = copy.deepcopy(metadata.catalogue())  # changed after the gate read the version's files
    leaking["datasets"]["penalties"]["description"] += " 咨询电话13800001111"
    monkeypatch.setattr(metadata, "catalogue", lambda: leaking)
    with pytest.raises(ValueError, match="portal page"):
        stages.publish(conf, verdicts)
    assert (built.open_root / "index.html").read_text(encoding="utf-8") == page
