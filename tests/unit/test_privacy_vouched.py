"""The publish gate takes back what it judged clean in the last run (`publishing.privacy.vouched`,
`Gate.vouch`) only where judging again would give the same. Each case is a day followed by the
next, the second day's findings compared with a fresh gate's on that day."""

from __future__ import annotations

import pandas as pd
import pytest

from publishing.privacy import vouched
from publishing.privacy.gate import Gate

ORGANISATION = "长春市张伟商贸有限公司"
# Hand-written: a clean text, a name the register may gain, a name inside an organisation's
# name, the same name in traditional characters and with a space inside it (the gate reads them
# folded), a phone (a finding: never remembered), a missing value.
TEXTS = [
    "未按规定公示年度报告",
    "经查属实，司马光明已整改。",
    f"{ORGANISATION}未按期公示年报。",
    "經查，張偉已整改。",
    "经查，张 伟已整改。",
    "联系电话13812345678，已整改。",
    None,
]


def frame(texts=TEXTS) -> pd.DataFrame:
    return pd.DataFrame({"record_id": [f"pen-{i}" for i in range(len(texts))], "facts": texts})


def day(tmp_path, people, organisations=(), texts=TEXTS):
    """One check: the values the day before left, the frame scanned, the clean values kept."""
    gate = Gate(known_people=people, organisations=organisations)
    taken = gate.vouch(*vouched.load(tmp_path, "penalties", list(people), list(organisations)))
    findings = gate.scan_frame(frame(texts))
    vouched.save(tmp_path, "penalties", list(people), list(organisations), gate.clean())
    return findings, taken


def fresh(people, organisations=(), texts=TEXTS):
    return Gate(known_people=people, organisations=organisations).scan_frame(frame(texts))


def records(findings) -> set[str]:
    return {f.record for f in findings}


def test_the_next_day_takes_every_clean_value_and_finds_what_a_fresh_gate_finds(tmp_path, monkeypatch):
    first, taken = day(tmp_path, ["张伟"], [ORGANISATION])
    assert taken == 0 and records(first) == {"pen-3", "pen-4", "pen-5"}
    assert first == fresh(["张伟"], [ORGANISATION])
    judged: list[str] = []
    verdict = Gate._verdict
    monkeypatch.setattr(Gate, "_verdict", lambda self, raw: judged.append(raw) or verdict(self, raw))
    second, taken = day(tmp_path, ["张伟"], [ORGANISATION])
    assert second == first
    # the values with a finding are judged again, every day; the clean ones (and the ids) are not
    assert sorted(judged) == sorted(TEXTS[3:6]) and taken == 3 + len(TEXTS)  # clean texts, ids


def test_a_person_registered_since_is_found_in_a_value_judged_clean_before(tmp_path):
    first, _ = day(tmp_path, [])
    assert "pen-1" not in records(first)
    second, _ = day(tmp_path, ["司马光明"])
    assert "pen-1" in records(second) and second == fresh(["司马光明"])


@pytest.mark.parametrize("text", ["經查，張偉已整改。", "经查，张 伟已整改。"])
def test_the_register_s_names_are_looked_for_in_the_value_as_the_gate_reads_it(tmp_path, text):
    """張偉 (traditional) and 张 伟 (a space inside) are 张伟 to the gate: registering him
    since must send them to be judged again."""
    day(tmp_path, [], texts=[text])
    second, taken = day(tmp_path, ["张伟"], texts=[text])
    assert records(second) == {"pen-0"} == records(fresh(["张伟"], texts=[text]))
    assert taken == 1  # the record id only


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ((["张伟"], [ORGANISATION]), (["张伟"], [])),  # an organisation delisted since
        (([], []), ([], [ORGANISATION])),  # an organisation listed since
        ((["司马光明"], []), ([], [])),  # a person who left the register
    ],
)
def test_any_change_to_the_register_is_judged_again(tmp_path, before, after):
    day(tmp_path, *before)
    second, _ = day(tmp_path, *after)
    assert second == fresh(*after)


def test_nothing_is_taken_when_the_rules_changed(tmp_path, monkeypatch):
    from publishing.privacy import remembered

    day(tmp_path, [])
    monkeypatch.setattr(remembered, "fingerprint", lambda: "a gate of another version")
    second, taken = day(tmp_path, ["司马光明"])
    assert taken == 0 and second == fresh(["司马光明"])


@pytest.mark.parametrize("damage", ["garbage", "another_table", "no_header"])
def test_a_damaged_memory_is_not_taken_and_stops_nothing(tmp_path, damage):
    day(tmp_path, [])
    table = tmp_path / vouched.FOLDER / "penalties.parquet"
    if damage == "garbage":
        table.write_bytes(b"PAR1 not a table")
    elif damage == "another_table":  # two runs saving at once: this header is not this table's
        pd.DataFrame({"value": ["联系电话13812345678，已整改。"], "folded": [None]}).to_parquet(table)
    else:
        table.with_suffix(".json").unlink()
    second, taken = day(tmp_path, ["司马光明"])
    assert taken == 0 and second == fresh(["司马光明"])


def kept_values(tmp_path) -> set[str]:
    import pyarrow.parquet as pq

    return set(pq.read_table(tmp_path / vouched.FOLDER / "penalties.parquet")["value"].to_pylist())


def test_a_value_no_row_holds_any_more_is_not_kept(tmp_path):
    """The memory is what the last run's rows held: a record that left takes its values along."""
    day(tmp_path, [], texts=["未按规定公示年度报告", "逾期未改正"])
    assert {"未按规定公示年度报告", "逾期未改正"} <= kept_values(tmp_path)
    _, taken = day(tmp_path, [], texts=["未按规定公示年度报告"])
    assert taken == 4  # two texts, two ids
    assert kept_values(tmp_path) == {"未按规定公示年度报告", "pen-0"}


def test_a_column_of_objects_that_are_not_text_is_judged_as_a_fresh_gate_judges_it(tmp_path):
    """Hand-written: numbers, a Decimal, a list and a phone in one column of objects (a writer's
    column Arrow cannot read as text) beside values vouched for."""
    from decimal import Decimal

    texts = ["未按规定公示年度报告", 13812345678, Decimal("0431.88886666"), ["张伟"], "已整改", None]
    day(tmp_path, ["张伟"], texts=texts)
    second, taken = day(tmp_path, ["张伟"], texts=texts)
    assert taken > 0 and second == fresh(["张伟"], texts=texts)
    assert records(second) == {"pen-1", "pen-2", "pen-3"}
