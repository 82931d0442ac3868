"""A version's CSV (`publishing.targets.write_csv`): its rows are written by DuckDB, and every
cell must read back as the cell pandas' `to_csv` writes, whatever the agencies' texts hold."""

import csv
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from publishing.targets import write_csv

# Hand-written: what CSV must quote or may not, texts that look like other things, and the
# header's own Chinese names with a comma and a quote.
TEXTS = [
    "长春宏达建材有限公司",
    "罚款,并没收",
    '称"宏达"',
    "第一行\n第二行",
    "回车\r",
    "\r",
    "#开头",
    " 前后空格 ",
    "",
    None,
    "NULL",
    "制表\t符",
    "分隔\u2028符",
    "𠀀𝄞",
]


def adversarial() -> pd.DataFrame:
    n = len(TEXTS)
    return pd.DataFrame(
        {
            "处罚内容": TEXTS,
            '名称,"简称"': [t[::-1] if t else t for t in TEXTS],
            "罚款金额（万元）": [float("nan"), 3.0, 1e-05, 1e16, 1200.5, 0.1] + [2.0] * (n - 6),
            "条数": list(range(n)),
            "异议": [i % 2 == 0 for i in range(n)],
            "已修复": pd.array([True, None] + [False] * (n - 2), dtype="boolean"),
            "决定日期": pd.to_datetime([None, "2026-03-01"] + ["2025-12-31"] * (n - 2)),
        }
    )


def cells(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def as_pandas_writes(value) -> str:
    """A cell as pandas' `to_csv` writes it: nothing for a missing value, a day's date, Python's
    own text of a number or a boolean."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def test_every_cell_reads_back_as_the_frame_holds_it(tmp_path, monkeypatch):
    """pandas would leave a lone carriage return unquoted, which every reader takes for the end
    of a row (the row is cut in two); the rows written by DuckDB read back whole."""
    frame = adversarial()
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda *a, **k: pytest.fail("written by pandas"))
    written = tmp_path / "written.csv"
    write_csv(frame, written)
    assert written.read_bytes().startswith("\ufeff".encode())  # Excel reads it as UTF-8
    expected = [list(frame.columns)] + [
        [as_pandas_writes(v) for v in row] for row in frame.astype(object).itertuples(index=False)
    ]
    assert cells(written) == expected
    # the frame still holds the cases this test is for (reversed text, a lone carriage return,
    # integers pandas writes as floats, an empty text), whoever edits `adversarial`
    assert expected[1][:3] == ["长春宏达建材有限公司", "司公限有材建达宏春长", ""]
    assert expected[5][:2] == ["回车\r", "\r车回"] and expected[2][2:4] == ["3.0", "1"]
    assert TEXTS[8] == "" and expected[9][3] == "8"
    # an empty text written as pandas writes it (nothing), not as ""
    assert "\n,,2.0,8,True," in written.read_text(encoding="utf-8-sig")
    assert not list(tmp_path.glob("*.rows"))  # the rows' file is gone


@pytest.mark.parametrize(
    "column",
    [
        [date(2026, 3, 1), None],  # dates as objects
        [Decimal("1200.50"), None],
        ["文本", 3],  # text mixed with a number
        pd.to_datetime(["2026-03-01 08:30", None]),  # a time of day
    ],
)
def test_a_column_duckdb_would_write_otherwise_leaves_the_frame_to_pandas(tmp_path, column):
    frame = pd.DataFrame({"处罚内容": ["警告", "罚款"], "值": column})
    assert_written_as_pandas_writes(tmp_path, frame)


@pytest.mark.parametrize(
    "frame",
    [pd.DataFrame({"处罚内容": pd.Series([], dtype=object)}), pd.DataFrame(index=range(2))],
    ids=["no rows", "no columns"],
)
def test_an_empty_frame_is_written_as_pandas_writes_it(tmp_path, frame):
    assert_written_as_pandas_writes(tmp_path, frame)


def assert_written_as_pandas_writes(tmp_path, frame):
    expected = tmp_path / "pandas.csv"
    frame.to_csv(expected, index=False, encoding="utf-8-sig")
    write_csv(frame, tmp_path / "written.csv")
    assert (tmp_path / "written.csv").read_bytes() == expected.read_bytes()
