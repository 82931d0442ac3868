"""Desensitisation reused from the last run (`publishing.privacy.remembered`): a daily cycle
analyses again only what a fresh analysis could give differently. Each case is a day followed by
the next, the second day compared with a fresh run on that day: reused output must never be less
masked, nor differ at all, from what today's register and detectors give."""

from __future__ import annotations

import pandas as pd
import pytest

from publishing.privacy import remembered
from publishing.privacy.desensitise import desensitise_column
from publishing.privacy.names import KnownPeople

# Hand-written: a name the context detectors half-find without the register (司**明), a name
# inside an organisation's name, a phone, a record's own name, a clean text, missing values.
TEXTS = [
    "经查属实，司马光明已整改。",
    "长春市张伟商贸有限公司未按期公示年报。",
    "联系电话13812345678，已整改。",
    "李四于2025年3月到场，已整改。",
    "未按规定公示年度报告",
    None,
    "",
]
NAMES = [(), (), (), ("李四",), (), (), ()]
ORGANISATION = "长春市张伟商贸有限公司"


def day(folder, people, organisations=(), texts=TEXTS, names=NAMES):
    """One run: the memory left by the day before, the column desensitised, the memory kept."""
    memory = remembered.load(folder, "penalties", list(people), list(organisations))
    known = KnownPeople(people, organisations)
    out = desensitise_column(texts, names, known, processes=1, remembered=memory)
    remembered.save(folder, "penalties", list(people), list(organisations), memory)
    return out, memory.reused


def fresh(people, organisations=(), texts=TEXTS, names=NAMES):
    return desensitise_column(texts, names, KnownPeople(people, organisations), processes=1)


def test_the_next_day_reuses_every_text_and_gives_what_a_fresh_run_gives(tmp_path):
    first, reused = day(tmp_path, ["张伟"], [ORGANISATION])
    assert reused == 0
    second, reused = day(tmp_path, ["张伟"], [ORGANISATION])
    assert reused == 6  # every text (None is not kept)
    assert second == first == fresh(["张伟"], [ORGANISATION])
    assert second[2] == "联系电话[电话]，已整改。" and "李四" not in second[3]


def test_a_person_registered_since_is_masked_whole_in_a_text_remembered_from_before(tmp_path):
    first, _ = day(tmp_path, [])
    assert first[0] == "经查属实，司**明已整改。"  # without the register, one character is left
    second, reused = day(tmp_path, ["司马光明"])
    assert second[0] == "经查属实，司***已整改。" == fresh(["司马光明"])[0]
    assert reused == 5  # the other texts hold no name that changed


def test_an_organisation_delisted_since_no_longer_shields_the_name_inside_it(tmp_path):
    first, _ = day(tmp_path, ["张伟"], [ORGANISATION])
    assert first[1] == TEXTS[1]
    second, _ = day(tmp_path, ["张伟"], [])
    assert second[1] == "长春市张*商贸有限公司未按期公示年报。" == fresh(["张伟"])[1]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ((["张伟"], []), (["张伟"], [ORGANISATION])),  # an organisation listed since
        ((["张伟"], []), ([], [])),  # a person who left the register
        ((["张伟"], [ORGANISATION]), (["张伟", ORGANISATION], [ORGANISATION])),  # registered as a person
    ],
)
def test_any_change_to_the_register_is_analysed_again(tmp_path, before, after):
    day(tmp_path, *before)
    second, _ = day(tmp_path, *after)
    assert second == fresh(*after)


def test_a_record_s_own_names_are_part_of_what_is_remembered(tmp_path):
    """The same text with other names of its record is another key: 李四 is masked only where
    the record names him, and names that join differently are not the same names."""
    texts = ["李四到场", "李四到场", "李四到场"]
    day(tmp_path, [], texts=texts, names=[(), ("李四", "王五"), ("王五",)])
    second, reused = day(tmp_path, [], texts=texts, names=[("李四",), ("李四", "王五"), ("李四王五",)])
    assert reused == 1
    assert second == fresh([], texts=texts, names=[("李四",), ("李四", "王五"), ("李四王五",)])


def test_nothing_is_reused_when_the_detectors_changed(tmp_path, monkeypatch):
    day(tmp_path, [])
    monkeypatch.setattr(remembered, "fingerprint", lambda: "detectors of another version")
    second, reused = day(tmp_path, ["司马光明"])
    assert reused == 0 and second == fresh(["司马光明"])


def test_the_fingerprint_changes_with_any_file_of_the_detectors(tmp_path, monkeypatch):
    before = remembered.fingerprint()
    package = tmp_path / "privacy"
    package.mkdir()
    monkeypatch.setattr(remembered, "__file__", str(package / "remembered.py"))
    (package / "shapes.yml").write_text("mobile: x\n", encoding="utf-8")
    remembered.fingerprint.cache_clear()
    one = remembered.fingerprint()
    (package / "shapes.yml").write_text("mobile: y\n", encoding="utf-8")
    remembered.fingerprint.cache_clear()
    try:
        assert len({before, one, remembered.fingerprint()}) == 3
    finally:
        remembered.fingerprint.cache_clear()


@pytest.mark.parametrize("damage", ["garbage", "another_table", "no_header"])
def test_a_damaged_memory_is_not_reused_and_stops_nothing(tmp_path, damage):
    day(tmp_path, [])
    table = tmp_path / remembered.FOLDER / "penalties.parquet"
    header = table.with_suffix(".json")
    if damage == "garbage":
        table.write_bytes(b"PAR1 not a table")
    elif damage == "another_table":  # two runs saving at once: this header is not this table's
        pd.DataFrame(
            {"text": ["经查属实，司马光明已整改。"], "names": ["[]"], "output": [None], "normalised": [None]}
        ).to_parquet(table)
    else:
        header.unlink()
    second, reused = day(tmp_path, ["司马光明"])
    assert reused == 0 and second == fresh(["司马光明"])
