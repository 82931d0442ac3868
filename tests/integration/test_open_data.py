"""Open data from a built warehouse: column policy, masking of the court's list, the gate."""

import csv
import json

import pandas as pd
import pytest
from stdnum.cn import uscc

from creditlake import pipeline
from creditlake.identifiers import check_uscc

COURT_HEADER = ["被执行人姓名/名称", "身份证号码/组织机构代码", "法定代表人或者负责人姓名", "执行法院", "立案时间", "案号",
                "生效法律文书确定的义务", "被执行人的履行情况", "失信被执行人行为具体情形", "发布时间"]  # fmt: skip


@pytest.fixture
def built(cfg, monkeypatch):
    monkeypatch.delenv("CREDITLAKE_OPEN_S3_BUCKET", raising=False)
    folder = cfg.landing / "court_dishonest"
    folder.mkdir(parents=True)
    rows = [
        ["张三丰", "2201041990****1238", "", "长春市朝阳区人民法院", "2025-01-02", "(2025)吉0104执1号",
         "偿还借款10万元，联系电话13911112222", "全部未履行", "有履行能力而拒不履行", "2025-03-01"],
        ["长春市金源商贸有限公司", "91220104MA0Y123404", "王伟", "长春市朝阳区人民法院", "2025-01-02",
         "(2025)吉0104执2号", "支付货款", "部分未履行", "违反限制消费令，法定代表人王伟仍乘坐飞机", "2025-03-01"],
        # A creditor named in free text is another record's subject (张三丰) or nobody's (陶平):
        ["吉林市恒通物流有限公司", "91220104MA0Y12345X", "李娜", "长春市朝阳区人民法院", "2025-01-02",
         "(2025)吉0104执3号", "支付张三丰劳动报酬5万元，支付陶平劳动报酬2万元", "全部未履行", "有履行能力而拒不履行",
         "2025-03-01"],
    ]  # fmt: skip
    code = rows[2][1]  # make the third code valid whatever its check character
    rows[2][1] = code if check_uscc(code).ok else code[:17] + uscc.calc_check_digit(code[:17] + "0")
    with (folder / "court.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([COURT_HEADER, *rows])
    conf = cfg.to_conf()
    landed = [pipeline.land(conf, f) for f in pipeline.discover(conf)]
    pipeline.validate_raw(conf, landed)
    pipeline.build(conf)
    return cfg


def test_court_list_is_published_with_natural_persons_desensitised(built):
    conf = built.to_conf()
    staged = pipeline.prepare_open_data(conf, "run-1")
    pipeline.validate_outputs(conf, staged)
    released = {r["dataset"]: r for r in pipeline.publish(conf, staged)}
    court = released["court_dishonest"]
    frame = pd.read_parquet(built.open_root / next(f["path"] for f in court["files"] if f["path"].endswith(".parquet")))
    people = frame.set_index("case_number")
    assert people.loc["(2025)吉0104执1号", "subject_name"] == "张**"
    assert people.loc["(2025)吉0104执1号", "subject_identifier"] == "2201041990****1238"  # as the court masked it
    assert people.loc["(2025)吉0104执2号", "subject_name"] == "长春市金源商贸有限公司"
    assert "legal_representative" not in frame.columns
    text = (built.open_root / court["files"][0]["path"]).read_text(encoding="utf-8-sig")
    assert "张三丰" not in text and "13911112222" not in text and "王伟" not in text


def test_names_the_warehouse_knows_are_masked_in_other_records_and_guarded_by_the_gate(built):
    conf = built.to_conf()
    staged = pipeline.prepare_open_data(conf, "run-6")
    court = next(s for s in staged if s["dataset"] == "court_dishonest")
    frame = pd.read_parquet(f"{court['folder']}/court_dishonest.parquet").set_index("case_number")
    # 张三丰 is the subject of another record; 陶平 is nobody's: found by the name statistics
    assert frame.loc["(2025)吉0104执3号", "obligation"] == "支付张**劳动报酬5万元，支付陶*劳动报酬2万元"
    known = json.loads(open(court["known_people"], encoding="utf-8").read())
    assert {"张三丰", "王伟", "李娜"} <= set(known["people"]) and "长春市金源商贸有限公司" in known["organisations"]
    assert not str(court["known_people"]).startswith(court["folder"])  # never inside a published version
    pipeline.validate_outputs(conf, staged)  # the desensitised files pass
    # ...and a known person's name that slipped into any file of the version is refused
    with open(f"{court['folder']}/court_dishonest.csv", "a", encoding="utf-8") as fh:
        fh.write("补充说明：李娜未到庭\n")
    with pytest.raises(pipeline.StageFailed, match="protected_name"):
        pipeline.validate_outputs(conf, staged)


@pytest.mark.parametrize("leak", ["联系电话0431-88886666", "电话（0431）88886666", "手机１３８００００１１１１"])
def test_the_gate_refuses_landlines_and_full_width_numbers(built, leak):
    conf = built.to_conf()
    staged = pipeline.prepare_open_data(conf, "run-7")
    court = next(s for s in staged if s["dataset"] == "court_dishonest")
    with open(f"{court['folder']}/data_dictionary.md", "a", encoding="utf-8") as fh:
        fh.write(leak + "\n")
    with pytest.raises(pipeline.StageFailed, match="landline|mobile"):
        pipeline.validate_outputs(conf, staged)


def test_the_gate_refuses_a_file_that_still_carries_a_phone(built):
    conf = built.to_conf()
    staged = pipeline.prepare_open_data(conf, "run-2")
    court = next(s for s in staged if s["dataset"] == "court_dishonest")
    path = f"{court['folder']}/court_dishonest.csv"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("漏网之鱼，联系电话13800001111\n")
    with pytest.raises(pipeline.StageFailed, match="mobile"):
        pipeline.validate_outputs(conf, staged)
    assert not (built.open_root / "court_dishonest").exists()  # nothing left the platform


def test_unclassified_columns_are_never_published(built, monkeypatch):
    from creditlake import warehouse

    real = warehouse.column_meta

    def forget_one(cfg, model):
        meta = real(cfg, model)
        meta.pop("court", None)  # as if nobody had classed this column
        return meta

    monkeypatch.setattr(warehouse, "column_meta", forget_one)
    staged = {s["dataset"]: s for s in pipeline.prepare_open_data(built.to_conf(), "run-3")}
    assert "court" in staged["court_dishonest"]["withheld_columns"]
    assert "court" not in staged["court_dishonest"]["columns"]


def test_each_version_carries_a_valid_datapackage_dcat_and_dictionary(built):
    import json

    import frictionless

    conf = built.to_conf()
    staged = pipeline.prepare_open_data(conf, "run-4")
    pipeline.validate_outputs(conf, staged)
    released = {r["dataset"]: r for r in pipeline.publish(conf, staged)}
    folder = built.open_root / "court_dishonest" / released["court_dishonest"]["version"]
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] and package["version"] == released["court_dishonest"]["version"]
    assert {r["path"] for r in package["resources"]} == {"court_dishonest.csv", "court_dishonest.parquet"}
    dcat = json.loads((folder / "dcat.jsonld").read_text(encoding="utf-8"))
    assert dcat["dct:temporal"] == {"dcat:startDate": "2025-03-01", "dcat:endDate": "2025-03-01"}
    assert len(dcat["dcat:distribution"]) == 2
    dictionary = (folder / "data_dictionary.md").read_text(encoding="utf-8")
    assert "`case_number`" in dictionary and "案号" in dictionary


def test_published_parquet_is_written_by_fastparquet(built):
    import pyarrow.parquet as pq

    conf = built.to_conf()
    staged = pipeline.prepare_open_data(conf, "run-5")
    for item in staged:
        meta = pq.ParquetFile(f"{item['folder']}/{item['dataset']}.parquet").metadata
        assert "fastparquet" in meta.created_by
