"""Preparation reused from the last run (`publishing.privacy.remembered`): a daily cycle
prepares again only the rows a fresh preparation could give differently. Each case is a day
followed by the next, the second day compared with a fresh preparation on that day: a reused row
must never be less masked, nor differ at all, from what today's register and rules give."""

from __future__ import annotations

from types import SimpleNamespace

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from creditlake import warehouse
from publishing import open_data
from publishing.privacy import remembered
from publishing.privacy.names import KnownPeople

# Hand-written penalties: a name the context detectors half-find without the register (司**明),
# a name inside an organisation's name, a phone, a record's own name (its representative, not
# published), a clean text, a missing text, a natural person (not opened here) and an individual
# business named after its operator but labelled an organisation (withheld, reported).
ORGANISATION = "长春市张伟商贸有限公司"
ROWS = [
    ("r1", "organisation", "长春市鑫源建材有限公司", "经查属实，司马光明已整改。", None),
    ("r2", "organisation", "长春市宏达物流有限公司", f"{ORGANISATION}未按期公示年报。", None),
    ("r3", "organisation", "吉林省安泰化工有限公司", "联系电话13812345678，已整改。", None),
    ("r4", "organisation", "长春市远方食品有限公司", "李四于2025年3月到场，已整改。", "李四"),
    ("r5", "organisation", "长春市恒通机械有限公司", "未按规定公示年度报告", "王五"),
    ("r6", "organisation", "长春市顺达商贸有限公司", None, None),
    ("r7", "natural_person", "赵六", "赵六无证经营", None),
    ("r8", "organisation", "王伟烧烤店", "未办理健康证", "王伟"),
]
COLUMNS = ["record_id", "subject_type", "subject_name", "violation_facts", "legal_representative"]
FRAME = pd.DataFrame(ROWS, columns=COLUMNS).assign(
    subject_uscc=["91220101MA0000001X"] * 7 + ["92220101MA0000008Y"],
    authority="长春市市场监督管理局",
    under_objection=False,
)
PRIVACY = {
    "record_id": "public",
    "subject_type": "subject_type",
    "subject_name": "subject_name",
    "subject_uscc": "subject_code",
    "violation_facts": "free_text",
    "legal_representative": "personal_name",
    "authority": "public",
    "under_objection": "public",
}
META = {c: {"privacy": p} for c, p in PRIVACY.items()}
OPENED = open_data.Opened(organisations=True, persons=False)
KEEP = [c for c in FRAME.columns if open_data.published_column(PRIVACY[c], OPENED)]
CONTEXT = {"published": {c: PRIVACY[c] for c in KEEP}, "opened": list(OPENED)}


def read(tmp_path, frame):
    """`frame`'s rows and their digests, as prepare reads a model from the warehouse."""
    database = tmp_path / "warehouse.duckdb"
    database.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as con:
        con.sql("create table pub_open__penalties as select * from frame")
    rows = warehouse.read_model_rows(SimpleNamespace(warehouse=database), "pub_open__penalties", "_digest")
    return rows.drop_columns(["_digest"]), rows["_digest"].combine_chunks()


def day(tmp_path, people, organisations=(), frame=FRAME, context=CONTEXT):
    """One run: the memory left by the day before, the rows prepared, the memory kept."""
    rows, digests = read(tmp_path, frame)
    memory = remembered.load(tmp_path, "penalties", context, list(people), list(organisations))
    known = KnownPeople(people, organisations)
    out, withheld, outcomes = open_data.prepared_rows(rows, digests, KEEP, META, known, OPENED, memory)
    remembered.save(tmp_path, "penalties", context, list(people), list(organisations), outcomes)
    return (checked(tmp_path, out), withheld), memory.reused


def fresh(tmp_path, people, organisations=(), frame=FRAME):
    rows, digests = read(tmp_path, frame)
    known = KnownPeople(people, organisations)
    out, withheld, _ = open_data.prepared_rows(
        rows, digests, KEEP, META, known, OPENED, remembered.Remembered()
    )
    return checked(tmp_path, out), withheld


def checked(tmp_path, out):
    """The rows published as the check reads them back from the prepared file."""
    path = tmp_path / "prepared.parquet"
    pq.write_table(out, path)
    return pd.read_parquet(path)


def same(one, other) -> None:
    pd.testing.assert_frame_equal(one[0], other[0])
    assert one[1] == other[1]


def facts(prepared, record: str) -> str:
    out = prepared[0].set_index("record_id")
    return out.at[record, "violation_facts"]


def test_the_next_day_reuses_every_row_and_gives_what_a_fresh_run_gives(tmp_path):
    first, reused = day(tmp_path, ["张伟"], [ORGANISATION])
    assert reused == 0
    second, reused = day(tmp_path, ["张伟"], [ORGANISATION])
    assert reused == len(ROWS)
    same(second, first)
    same(second, fresh(tmp_path, ["张伟"], [ORGANISATION]))
    assert facts(second, "r3") == "联系电话[电话]，已整改。" and "李四" not in facts(second, "r4")
    assert "r7" not in set(second[0]["record_id"])  # a natural person: not opened here
    assert second[1] == [{"record": "r8", "column": "subject_name", "kind": "individual_business"}]


def test_a_person_registered_since_is_masked_whole_in_a_row_remembered_from_before(tmp_path):
    first, _ = day(tmp_path, [])
    assert facts(first, "r1") == "经查属实，司**明已整改。"  # without the register, one character is left
    second, reused = day(tmp_path, ["司马光明"])
    assert facts(second, "r1") == "经查属实，司***已整改。"
    same(second, fresh(tmp_path, ["司马光明"]))
    assert reused == len(ROWS) - 1  # the other rows hold no name that changed


def test_an_organisation_delisted_since_no_longer_shields_the_name_inside_it(tmp_path):
    first, _ = day(tmp_path, ["张伟"], [ORGANISATION])
    assert facts(first, "r2") == f"{ORGANISATION}未按期公示年报。"
    second, _ = day(tmp_path, ["张伟"], [])
    assert facts(second, "r2") == "长春市张*商贸有限公司未按期公示年报。"
    same(second, fresh(tmp_path, ["张伟"]))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ((["张伟"], []), (["张伟"], [ORGANISATION])),  # an organisation listed since
        ((["张伟"], []), ([], [])),  # a person who left the register
        ((["张伟"], [ORGANISATION]), (["张伟", ORGANISATION], [ORGANISATION])),  # registered as a person
    ],
)
def test_any_change_to_the_register_is_prepared_again(tmp_path, before, after):
    day(tmp_path, *before)
    second, _ = day(tmp_path, *after)
    same(second, fresh(tmp_path, *after))


def test_a_row_changed_in_any_column_even_one_not_published_is_prepared_again(tmp_path):
    """r5's text names 王五's colleague 李四; the record's representative changes to 李四 (a
    column never published): 李四 is now the record's own name, to be masked."""
    day(tmp_path, [])
    changed = FRAME.copy()
    changed.loc[4, "violation_facts"] = "李四未按规定公示年度报告"
    day(tmp_path, [], frame=changed)
    changed.loc[4, "legal_representative"] = "李四"
    second, reused = day(tmp_path, [], frame=changed)
    assert reused == len(ROWS) - 1
    assert "李四" not in facts(second, "r5")
    same(second, fresh(tmp_path, [], frame=changed))


def test_a_new_row_is_prepared_and_the_others_keep_their_order(tmp_path):
    day(tmp_path, [])
    grown = pd.concat([FRAME.iloc[:3], FRAME.iloc[[0]].assign(record_id="r0"), FRAME.iloc[3:]])
    second, reused = day(tmp_path, [], frame=grown.reset_index(drop=True))
    assert reused == len(ROWS)
    same(second, fresh(tmp_path, [], frame=grown.reset_index(drop=True)))
    assert list(second[0]["record_id"]) == ["r1", "r2", "r3", "r0", "r4", "r5", "r6"]


def test_a_row_held_twice_by_its_model_stops_nothing(tmp_path):
    twice = pd.concat([FRAME, FRAME.iloc[[2]]], ignore_index=True)
    first, _ = day(tmp_path, [], frame=twice)
    second, reused = day(tmp_path, [], frame=twice)
    same(second, first)
    same(second, fresh(tmp_path, [], frame=twice))
    assert reused == 0


def test_nothing_is_reused_when_the_rules_or_the_dataset_s_context_changed(tmp_path, monkeypatch):
    day(tmp_path, [])
    _, reused = day(tmp_path, [], context=CONTEXT | {"opened": [True, True]})
    assert reused == 0
    monkeypatch.setattr(remembered, "fingerprint", lambda: "detectors of another version")
    second, reused = day(tmp_path, ["司马光明"], context=CONTEXT | {"opened": [True, True]})
    assert reused == 0
    same(second, fresh(tmp_path, ["司马光明"]))


def test_the_fingerprint_changes_with_any_file_of_the_detectors_and_with_the_rules(tmp_path, monkeypatch):
    before = remembered.fingerprint()
    package = tmp_path / "privacy"
    package.mkdir()
    monkeypatch.setattr(remembered, "__file__", str(package / "remembered.py"))
    rules = tmp_path / "open_data.py"
    prints = []
    for shapes, code in [("mobile: x\n", "A"), ("mobile: y\n", "A"), ("mobile: y\n", "B")]:
        (package / "shapes.yml").write_text(shapes, encoding="utf-8")
        rules.write_text(code, encoding="utf-8")
        remembered.fingerprint.cache_clear()
        prints.append(remembered.fingerprint())
    remembered.fingerprint.cache_clear()
    assert len({before, *prints}) == 4


@pytest.mark.parametrize("damage", ["garbage", "another_table", "no_header"])
def test_a_damaged_memory_is_not_reused_and_stops_nothing(tmp_path, damage):
    day(tmp_path, [])
    table = tmp_path / remembered.FOLDER / "penalties.parquet"
    header = table.with_suffix(".json")
    if damage == "garbage":
        table.write_bytes(b"PAR1 not a table")
    elif damage == "another_table":  # two runs saving at once: this header is not this table's
        pd.read_parquet(table).iloc[:2].to_parquet(table)
    else:
        header.unlink()
    second, reused = day(tmp_path, ["司马光明"])
    assert reused == 0
    same(second, fresh(tmp_path, ["司马光明"]))


def test_a_memory_of_other_columns_is_not_reused_and_stops_nothing(tmp_path):
    """A memory whose header is its table's but whose columns are not today's: here the reason
    column without a type, as a writer that inferred types left it where no row was withheld."""
    import json

    import pyarrow as pa

    day(tmp_path, [])
    table = tmp_path / remembered.FOLDER / "penalties.parquet"
    rows = pq.read_table(table)
    rows = rows.set_column(rows.schema.get_field_index("_kind"), "_kind", pa.nulls(len(rows)))
    header = json.loads(table.with_suffix(".json").read_text(encoding="utf-8"))
    kept = {key: header[key] for key in ("context", "people", "organisations")}
    remembered.write_kept(tmp_path, remembered.FOLDER, "penalties", lambda p: pq.write_table(rows, p), kept)
    second, reused = day(tmp_path, ["司马光明"])
    assert reused == 0
    same(second, fresh(tmp_path, ["司马光明"]))


def test_rows_prepared_again_take_the_whole_model_s_types(tmp_path):
    """An objection mark unknown on one remembered row (a NULL: the model's column reads as a
    nullable boolean) and a new row without one: the rows published are typed as a fresh run
    types them, whichever of them were prepared again."""
    unknown = FRAME.astype({"under_objection": object})
    unknown.loc[0, "under_objection"] = None
    day(tmp_path, [], frame=unknown)
    grown = pd.concat([unknown, FRAME.iloc[[4]].assign(record_id="r9")], ignore_index=True)
    second, reused = day(tmp_path, [], frame=grown)
    assert reused == len(ROWS) and str(second[0]["under_objection"].dtype) == "boolean"
    same(second, fresh(tmp_path, [], frame=grown))
