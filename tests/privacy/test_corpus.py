"""The desensitiser against the hand-labelled corpus (tests/privacy/corpus/*.yml): one test per
done-when threshold, on the whole corpus through one `desensitise_column(..., processes=1)` call
with the record's own names and no register. A failing test prints its misses.

The evaluation (what counts as found, as over-masked) is `tests/privacy/evaluate.py`, whose
docstring states the rule; the last tests check the evaluator itself on hand-made outputs.
Speed is measured by `python -m bench.privacy_bench`, never here.
"""

from __future__ import annotations

import pytest

from tests.privacy.evaluate import CORPUS, Entry, Label, corpus_problems, evaluate, load_corpus

RECALL = {
    "citizen_id": 1.0,
    "mobile": 1.0,
    "landline": 1.0,
    "bank_card": 1.0,
    "email": 1.0,
    "passport": 1.0,
    "wechat": 1.0,
    "qq": 1.0,
    "address": 1.0,
    "birth_date": 1.0,
    "name": 0.99,
}
ORDINARY_UNCHANGED = 0.98


@pytest.fixture(scope="module")
def report():
    from publishing.privacy.desensitise import desensitise_column

    entries = load_corpus()
    assert entries, f"no corpus entry in {CORPUS}"
    outputs = desensitise_column([e.text for e in entries], [e.names for e in entries], processes=1)
    return evaluate(outputs, entries)


def test_corpus_is_well_formed():
    problems = corpus_problems()
    assert not problems, "corpus problems:\n" + "\n".join(problems)


@pytest.mark.parametrize("kind", RECALL)
def test_recall(report, kind):
    assert report.entities.get(kind), f"no {kind} in the corpus: its threshold cannot be measured"
    recall = report.recall(kind)
    assert recall >= RECALL[kind], (
        f"{kind}: recall {recall:.2%} < {RECALL[kind]:.0%}\n{report.misses_text(kind)}\n\n{report.table()}"
    )


def test_ordinary_sentences_are_left_alone(report):
    assert report.ordinary, "no ordinary sentence in the corpus"
    share = report.ordinary_share
    assert share >= ORDINARY_UNCHANGED, (
        f"ordinary sentences unchanged: {share:.2%} < {ORDINARY_UNCHANGED:.0%}\n{report.ordinary_text()}"
    )


def test_the_gate_finds_nothing_the_desensitiser_left():
    """The two agree on every exemption: what the desensitiser publishes of each corpus text, the
    gate (its own code, the same shapes.yml) passes, so rows are withheld for leaks, not for
    disagreements. Names are the register's business: the gate is given none here."""
    from publishing.privacy.desensitise import desensitise_column
    from publishing.privacy.gate import Gate

    entries = load_corpus()
    outputs = desensitise_column([e.text for e in entries], [e.names for e in entries], processes=1)
    gate = Gate(known_people=[], organisations=[])
    assert [
        (e.source, gate.scan_text(o), o) for e, o in zip(entries, outputs, strict=True) if gate.scan_text(o)
    ] == []


# --- the evaluator itself ------------------------------------------------------------------------

TEXT = "经查，当事人张三丰（男，1985年3月12日出生）的联系电话为138 1234 5678，其家住长春市朝阳区幸福小区5栋301室。"
ENTRY = Entry(
    TEXT,
    (
        Label("name", "张三丰"),
        Label("birth_date", "1985年3月12日"),
        Label("mobile", "138 1234 5678"),
        Label("address", "长春市朝阳区幸福小区5栋301室"),
    ),
    ("张三丰",),
    "mobile",
    "hand#1",
)
ORDINARY = Entry("当事人销售超过保质期的食品，罚款人民币5000元。", category="ordinary", source="hand#2")
GOOD = "经查，当事人张**（男，[出生日期]出生）的联系电话为[电话]，其家住长春市朝阳区[住址]。"


def test_evaluator_passes_a_clean_output():
    report = evaluate([GOOD, ORDINARY.text], [ENTRY, ORDINARY])
    assert report.misses == [] and report.changes == []
    assert report.found == report.entities == {"name": 1, "birth_date": 1, "mobile": 1, "address": 1}
    assert report.precision == 1.0 and report.ordinary_share == 1.0
    assert report.false_positive_chars == 0 and report.changed_at_labels > 0


@pytest.mark.parametrize(
    ("output", "kind", "kept"),
    [
        (TEXT, "name", "三丰"),  # nothing masked at all
        (GOOD.replace("[电话]", "138****5678"), "mobile", "1385678"),  # partly masked
        (GOOD.replace("张**", "张三*"), "name", "三"),
        (GOOD.replace("[出生日期]", "1985年[出生日期]"), "birth_date", "1985年"),
        (GOOD.replace("长春市朝阳区[住址]", "长春市朝阳区幸福小区[住址]"), "address", "幸福小区"),
    ],
)
def test_evaluator_sees_a_leak(output, kind, kept):
    report = evaluate([output], [ENTRY])
    assert [(m.kind, m.why) for m in report.misses if m.kind == kind] == [(kind, f"kept {kept!r}")]
    assert report.recall(kind) == 0.0


def test_evaluator_sees_a_value_written_twice_and_masked_once():
    entry = Entry("张伟签字确认，张伟的妻子在场。", (Label("name", "张伟"),), ("张伟",))
    assert evaluate(["张*签字确认，张伟的妻子在场。"], [entry]).recall("name") == 0.0
    assert evaluate(["张*签字确认，张*的妻子在场。"], [entry]).recall("name") == 1.0
    twice = Entry(
        entry.text, (Label("name", "张伟"), Label("name", "张伟")), ("张伟",)
    )  # once per occurrence
    report = evaluate(["张*签字确认，张伟的妻子在场。"], [twice])
    assert (report.entities, report.found, len(report.misses)) == ({"name": 2}, {"name": 1}, 1)
    # written twice, labelled once: the format cannot say which one is the person, so both are judged
    flower = Entry("投诉人杜鹃称该店的杜鹃花系假花。", (Label("name", "杜鹃"),))
    report = evaluate(["投诉人杜*称该店的杜鹃花系假花。"], [flower])
    assert [m.why for m in report.misses] == [
        "kept '鹃'; written 2 times, labelled 1: every occurrence judged"
    ]


def test_evaluator_sees_a_value_the_output_spells_another_way():
    entry = Entry("手机号１３８１２３４５６７８。", (Label("mobile", "１３８１２３４５６７８"),))
    report = evaluate(["手机号13812345678。"], [entry])  # no character in place, the number all the same
    assert [m.why for m in report.misses] == ["found elsewhere in the output"]


def test_evaluator_counts_over_masking():
    over = GOOD.replace("的联系电话为", "的[电话]为")  # 联系电话 masked as well
    report = evaluate([over, "当事人销售超过保质期的食品，罚款人民币[号码]元。"], [ENTRY, ORDINARY])
    assert report.misses == []  # every value is gone: recall is not what fails here
    assert report.precision == 0.0 and report.clean == 0
    assert report.false_positive_chars == 4 + 4  # 联系电话, 5000
    assert [(c.before, c.after) for c in report.changes] == [("联系电话", "[电话]"), ("5000", "[号码]")]
    assert report.ordinary_share == 0.0 and report.ordinary_changed[0][0] == "hand#2"


def test_evaluator_reads_the_corpus_format(tmp_path):
    (tmp_path / "mobile.yml").write_text(
        "category: mobile\nentries:\n"
        '  - text: "电话0431777，号码0431777"\n'
        "    pii:\n      - {kind: landline, value: 0431777}\n"  # unquoted: still text, not octal
        '    names: ["张伟"]\n    note: "x"\n'
        '  - text: "无"\n    pii:\n      - {kind: phone, value: "无"}\n'
        '      - {kind: mobile, value: "138"}\n'
        '  - text: "王五，王五"\n    pii: [{kind: name, value: "王五"}, {kind: name, value: "王五"}]\n'
        '  - text: "王五，王五，王五"\n    pii: [{kind: name, value: "王五"}, {kind: name, value: "王五"}]\n',
        encoding="utf-8",
    )
    entries = load_corpus(tmp_path)
    assert entries[0] == Entry(
        "电话0431777，号码0431777", (Label("landline", "0431777"),), ("张伟",), "mobile", "mobile.yml#1", "x"
    )
    assert entries[1].pii == ()
    assert corpus_problems(tmp_path) == [
        "mobile.yml#2: unknown kind 'phone'",
        "mobile.yml#2: mobile value '138' is not in the text",
        "mobile.yml#4: name '王五' labelled 2 times, written 3",
    ]
