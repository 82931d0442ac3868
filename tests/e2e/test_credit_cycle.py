"""One credit cycle through the real Airflow DAG (`creditlake run` -> `airflow dags test`)."""

import csv
import json

import duckdb
import pytest

from creditlake.generate import PENALTY_HEADERS_ZH
from tests.conftest import AS_OF, read_summary, run_cli

pytestmark = pytest.mark.e2e
SUMMARY_KEYS = {"profile", "as_of", "open_root", "feeds_root", "quarantine_report", "files"}
FILE_KEYS = {"path", "dataset", "rows_in", "loaded", "quarantined", "excluded", "status", "reason"}


def cycle(landing, lake, summary, env=None):
    return run_cli("run", "--landing", str(landing), "--as-of", AS_OF.isoformat(), "--profile", "national",
                   "--lake", str(lake), "--summary", str(summary), env=env)  # fmt: skip


def query(lake, sql):
    with duckdb.connect(str(lake / "warehouse" / "creditlake.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def open_text(open_root):
    """Everything under open_root a reader could download, as text."""
    import pandas as pd

    parts = []
    for path in open_root.rglob("*"):
        if path.suffix == ".parquet":
            parts.append(pd.read_parquet(path).to_csv())
        elif path.is_file():
            parts.append(path.read_text(encoding="utf-8-sig"))
    return "\n".join(parts)


def test_generated_cycle_lands_gates_builds_and_publishes(tmp_path, s3_env):
    landing, lake, summary_path = tmp_path / "landing", tmp_path / "lake", tmp_path / "summary.json"
    run_cli("generate", "--out", str(landing), "--penalties", "200", "--as-of", AS_OF.isoformat())
    truth = json.loads((landing / "truth.json").read_text(encoding="utf-8"))
    env = {k: v for k, v in s3_env.items() if k != "client"}

    out = cycle(landing, lake, summary_path, env).stdout
    summary = read_summary(summary_path)
    assert SUMMARY_KEYS <= set(summary) and summary["profile"] == "national" and summary["as_of"] == "2026-11-22"
    (file,) = summary["files"]
    assert FILE_KEYS <= set(file)
    assert file["rows_in"] == 200 == file["loaded"] + file["quarantined"] + file["excluded"]
    fates = [v["fate"] for v in truth["expected"].values()]
    assert (file["loaded"], file["quarantined"], file["excluded"]) == tuple(
        fates.count(f) for f in ("loaded", "quarantined", "excluded")
    )
    assert str(summary["open_root"]) in out and "published" in out

    # Published: organisations inside their window; nothing personal anywhere under open_root.
    expected = {r[0] for r in query(lake, "select decision_number from pub_open__penalties")}
    latest = json.loads((lake / "open" / "penalties" / "latest.json").read_text(encoding="utf-8"))
    import pandas as pd

    published = pd.read_parquet(lake / "open" / latest["files"][1]["path"])
    assert set(published["decision_number"]) == expected and len(expected) > 20
    assert set(published["subject_uscc"]) <= set(truth["loaded_orgs"])
    assert "legal_representative" not in published.columns  # personal_name: never opened
    text = open_text(lake / "open")
    assert not [i for i in truth["planted_ids"] if i and i in text]
    assert not [p for p in truth["planted_phones"] if p in text]
    assert not [n for n in truth["protected_names"] if n and n in text]

    # The same files went to S3 through boto3, the pointer with them.
    keys = {o["Key"] for o in s3_env["client"].list_objects_v2(Bucket=env["CREDITLAKE_OPEN_S3_BUCKET"])["Contents"]}
    assert "open-data/penalties/latest.json" in keys and len(keys) == 3

    # A rerun on the same landing folder loads nothing twice.
    cycle(landing, lake, summary_path, env)
    again = read_summary(summary_path)
    assert again["files"][0]["status"] == "already_landed"
    assert query(lake, "select count(*) from stg_landing__penalties") == [(file["loaded"],)]
    assert {r[0] for r in query(lake, "select decision_number from pub_open__penalties")} == expected


def test_a_landing_folder_it_did_not_generate(tmp_path):
    """Hand-made extracts: GB18030 with Chinese headers, code headers, a bad file, a stray file."""
    landing, lake, summary_path = tmp_path / "landing", tmp_path / "lake", tmp_path / "out" / "summary.json"
    folder = landing / "penalties"
    folder.mkdir(parents=True)
    row = ["吉林省𠀀源食品有限公司", "法人及非法人组织", "91220104MA0Y123404", "李强", "身份证", "220104199003071238",
           "", "", "吉市监罚〔2026〕7号", "销售过期食品", "当事人销售过期食品，负责人李强（电话13900001111）承认。",
           "《食品安全法》", "罚款", "罚款0.5万元", "0.5", "", "", "2026/3/2", "2099-12-31", "",
           "吉林市市场监督管理局", "", "吉林市市场监督管理局", "", "02", ""]  # fmt: skip
    with (folder / "gb.csv").open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(PENALTY_HEADERS_ZH)
        w.writerow(row)
        w.writerow(row[:2] + ["91220104MA0Y123405"] + row[3:8] + ["吉市监罚〔2026〕8号"] + row[9:])
    (folder / "broken.csv").write_bytes(b"\x81\x30\xff\xfe\xfd")
    (folder / "notes.txt").write_text("not an extract", encoding="utf-8")

    cycle(landing, lake, summary_path)
    files = {f["path"].rsplit("/", 1)[1]: f for f in read_summary(summary_path)["files"]}
    assert (files["gb.csv"]["loaded"], files["gb.csv"]["quarantined"]) == (1, 1)
    assert files["broken.csv"]["status"] == "refused" and files["broken.csv"]["reason"].startswith("file_encoding")
    assert files["notes.txt"]["status"] == "refused"
    for f in files.values():
        assert f["rows_in"] == f["loaded"] + f["quarantined"] + f["excluded"]
    report = read_summary(summary_path)["quarantine_report"]
    with open(report, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["row"], r["reason_code"]) for r in rows] == [("3", "uscc_checksum")]
    text = open_text(lake / "open")
    assert "吉林省𠀀源食品有限公司" in text  # GB18030-only character survived to open data
    assert "13900001111" not in text and "李强" not in text
