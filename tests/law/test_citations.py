"""The numbers match the texts: each value a profile takes names the article that sets it, or
says that it is borrowed or platform policy, and `creditlake profiles show` prints that."""

import re

import pytest

from creditlake.jurisdiction import load_profile


def rule(profile: str, key: str) -> dict:
    node = load_profile(profile).rules
    for part in key.split("."):
        node = node[part]
    return node


def test_gd_objection_period_is_policy_not_art_40():
    """gd-draft Art 40 sets no period for deciding an objection (item a); the 10 (up to 20)
    working days of Art 41 are for repair review, so the value is marked platform policy."""
    decide = rule("gd-draft", "deadlines.objection_decide")
    assert "article" not in decide and decide["basis"].startswith(
        "platform policy: gd-draft Art 40 sets no period"
    )
    assert "[basis: platform policy: gd-draft Art 40" in load_profile("gd-draft").show()
    assert rule("gd-draft", "deadlines.objection_mark") == {
        "value": 0,
        "unit": "working_days",
        "article": "gd-draft Art 40 (marked on acceptance)",
    }


def test_jl_objection_deadlines_are_art_36s():
    """jl-draft Art 36 (item b): marked while handled (from acceptance, so 0 days), verified within
    10 working days, 15 for the provider from the referral; no 1-day figure."""
    assert [
        rule("jl-draft", f"deadlines.objection_{k}")["value"] for k in ("mark", "decide", "decide_referred")
    ] == [0, 10, 15]
    assert rule("jl-draft", "deadlines.objection_decide_referred")["counted_from"] == "referral"
    assert all(
        "jl-draft Art 36" in rule("jl-draft", f"deadlines.objection_{k}")["article"]
        for k in ("mark", "decide", "decide_referred")
    )


@pytest.mark.parametrize(
    "profile, key, source",
    [
        ("jl-draft", "deadlines.correction", "borrowed from hl-2022 Art 38"),
        ("city-2022", "deadlines.correction", "borrowed from hl-2022 Art 38"),
        ("gd-draft", "deadlines.correction", "borrowed from hl-2022 Art 38"),
        ("jl-draft", "deadlines.revocation_withdraw", "borrowed from hl-2022 Art 38"),
        ("gd-draft", "deadlines.revocation_withdraw", "borrowed from hl-2022 Art 38"),
        ("city-2022", "deadlines.objection_mark", "borrowed from hl-2022 Art 39"),
        ("city-2022", "deadlines.objection_decide", "borrowed from hl-2022 Art 39"),
        ("national", "deadlines.submission_check", "borrowed from gd-draft Art 19"),
        ("city-2022", "query_log_retention", "borrowed from jl-draft Art 20"),
        ("hl-draft", "query_log_retention", "borrowed from jl-draft Art 20"),
        ("hl-2022", "query_log_retention", "borrowed from jl-draft Art 20"),
    ],
)
def test_borrowed_deadlines_say_so(profile, key, source):
    """Item g: a deadline a profile's own text does not set says where it comes from."""
    node = rule(profile, key)
    assert "article" not in node and node["basis"].startswith(source)


def test_court_list_is_not_cited_to_hl_2022():
    """Item h: hl-2022 Arts 28-29 make a court's dishonest debtor a serious dishonest subject;
    they do not say the entry stays until removed, so that value is platform policy."""
    node = rule("hl-2022", "court_list_publicity")
    assert node["value"] == "until_removed" and "Art 28" not in node["basis"]
    assert node["basis"].startswith("platform policy")


@pytest.mark.parametrize("profile", ["hl-draft", "hl-2022", "city-2022"])
def test_no_borrowed_repair_wait(profile):
    """Item e: hl-draft Art 54, hl-2022 Art 40 and city-2022 Art 46 set no waiting period."""
    for cls in ("general", "serious"):
        node = rule(profile, f"repair.{cls}")
        assert node["wait"]["value"] == 0 and profile in node["article"]


# An article (jl-draft Art 16), an order or notice (NDRC Order 36, NDRC 2019 No. 527), or a basis
_CITATION = re.compile(r"\bArt \d|\bOrder \d|\bNo\. \d|^basis: \S")


def _unsourced(node, path: str = "", sourced: bool = False):
    """The dotted paths of the values in a profile's rules with no article or basis, on them or
    on a rule above them."""
    if isinstance(node, dict):
        sourced = sourced or bool(node.get("article") or node.get("basis"))
        if "value" in node and not sourced:
            yield path
        for key, child in node.items():
            yield from _unsourced(child, f"{path}.{key}".lstrip("."), sourced)
    elif isinstance(node, list):
        for item in node:
            yield from _unsourced(item, path, sourced)


def test_every_rule_names_its_source():
    """Every value a profile sets has an article or a basis, and every line `profiles show`
    prints ends with it."""
    for name in ("national", "jl-draft", "city-2022", "hl-draft", "gd-draft", "hl-2022"):
        profile = load_profile(name)
        assert list(_unsourced(profile.rules)) == [], name
        for line in profile.show().splitlines()[2:]:
            assert line.rstrip().endswith("]") and "  [" in line, line
            assert _CITATION.search(line[line.rindex("  [") + 3 : -1]), line
