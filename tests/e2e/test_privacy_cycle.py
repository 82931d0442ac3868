"""A cycle through the real Airflow DAG over a hand-written landing folder (tests/privacy/landing):
personal data of every kind planted in every column of every dataset and every file format, beside
clean organisation records. Nothing planted reaches `open_root`, not even as digits; every clean
organisation record is published; withholding, not refusal, and each withheld row is reported."""

import json
import re

import pandas as pd
import pytest

from tests.conftest import AS_OF, open_text, read_summary, run_cli
from tests.privacy.landing.build import write_landing

pytestmark = pytest.mark.e2e


USCC = re.compile(r"[0-9A-HJ-NPQRTUWY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")


def digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", text)


def fields(text: str) -> list[str]:
    """The text's cells (CSV, JSON and Markdown separators), each in digits-only form, record ids
    (md5 hex) left out: a number split by any separator inside one cell is still found."""
    cells = re.split(r'[,|"\n\t]', re.sub(r"\b[0-9a-f]{32}\b", "", text))
    # an organisation's published code (a USCC) may hold any eight digits by chance
    return [d for c in cells if len(d := digits(c)) >= 7 and not USCC.fullmatch(c.strip())]


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy")
    truth = write_landing(root / "landing")
    summary = root / "summary.json"
    proc = run_cli(
        "run",
        "--landing",
        str(root / "landing"),
        "--as-of",
        AS_OF.isoformat(),
        "--profile",
        "national",
        "--lake",
        str(root / "lake"),
        "--summary",
        str(summary),
        check=False,
    )
    return truth, read_summary(summary), root / "lake", proc


def test_no_planted_value_is_published_anywhere(cycle):
    truth, summary, lake, _proc = cycle
    text = open_text(lake / "open")
    squeezed = re.sub(r"\s+", "", text)
    cells = fields(text)
    leaked = []
    for row in truth["rows"]:
        for planted in row["_planted"]:
            value = planted["value"]
            # a name keeps its surname: the name must not be shown, nor a given name of two characters or more
            shown = [value] + (
                [value[1:]] if planted["kind"] == "person_name" and len(value.strip()) >= 3 else []
            )
            if any(v.strip() and (v in text or re.sub(r"\s+", "", v) in squeezed) for v in shown):
                leaked.append((row["dataset"], planted["kind"], value))
            number = digits(value)
            if len(number) >= 7 and any(number in cell for cell in cells):
                leaked.append((row["dataset"], planted["kind"], value, "as digits"))
    assert leaked == [], "\n".join(map(str, leaked))


def test_every_clean_organisation_record_is_published(cycle):
    truth, summary, lake, _proc = cycle
    for dataset, column in (
        ("penalties", "decision_number"),
        ("licenses", "decision_number"),
        ("court_dishonest", "case_number"),
    ):
        latest = json.loads((lake / "open" / dataset / "latest.json").read_text(encoding="utf-8"))
        parquet = next(f["path"] for f in latest["files"] if f["path"].endswith(".parquet"))
        published = set(pd.read_parquet(lake / "open" / parquet)[column])
        clean = {r["decision_number"] for r in truth["rows"] if r["dataset"] == dataset and r["_clean"]}
        assert clean and clean <= published, dataset


def test_rows_are_withheld_not_refused_and_each_is_reported(cycle):
    truth, summary, lake, proc = cycle
    assert {p["dataset"] for p in summary["published"]} == {"penalties", "licenses", "court_dishonest"}
    assert summary["failed"] == [], proc.stdout[-3000:]
    report = pd.read_csv(summary["withheld_report"], encoding="utf-8-sig", dtype=str)
    assert set(report.columns) == {"dataset", "version", "record", "column", "kind", "reason"}
    withheld = {p["dataset"]: p["withheld_rows"] for p in summary["published"]}
    for dataset, rows in withheld.items():
        assert report[report["dataset"] == dataset]["record"].nunique() == rows
    # the report names what to look at, never the value
    values = [p["value"] for r in truth["rows"] for p in r["_planted"] if len(p["value"]) >= 4]
    report_text = open(summary["withheld_report"], encoding="utf-8-sig").read()
    assert not [v for v in values if v in report_text]
