"""Jurisdiction profiles: one case per article, each named by its article."""

from datetime import date
from pathlib import Path

import pytest

from creditlake.jurisdiction import ProfileError, load_profile, profile_names, publicity_window

ALL = ["national", "jl-draft", "city-2022", "hl-draft", "gd-draft", "hl-2022"]


def window(profile, nature, decided, **kw):
    return publicity_window(load_profile(profile), nature_class=nature, decision_date=decided, **kw)


def test_all_six_profiles_load():
    assert profile_names() == sorted(ALL)
    for name in ALL:
        assert load_profile(name).name == name


CASES = [
    (
        "jl-draft Art 19: a general penalty ends publicity at the latest one year after its decision",
        "jl-draft",
        "general",
        date(2025, 11, 30),
        {},
        "latest_end",
        date(2026, 11, 30),
    ),
    (
        "jl-draft Art 19: a general penalty is published at least three months",
        "jl-draft",
        "general",
        date(2023, 11, 30),
        {},
        "earliest_end",
        date(2024, 2, 29),
    ),
    (
        "jl-draft Art 19: a serious penalty is published at most three years",
        "jl-draft",
        "serious",
        date(2024, 2, 29),
        {},
        "latest_end",
        date(2027, 2, 28),
    ),
    (
        "jl-draft Art 37: a general penalty may be repaired three months after the decision",
        "jl-draft",
        "general",
        date(2026, 1, 31),
        {},
        "earliest_repair",
        date(2026, 4, 30),
    ),
    (
        "jl-draft Art 37: a serious penalty may be repaired six months after the decision",
        "jl-draft",
        "serious",
        date(2026, 1, 31),
        {},
        "earliest_repair",
        date(2026, 7, 31),
    ),
    (
        "jl-draft Art 13(1), 19: a warning or small fine under the general procedure is negative information",
        "jl-draft",
        "minor",
        date(2026, 5, 1),
        {},
        "published",
        True,
    ),
    (
        "gd-draft Art 24: a serious-list subject's record stays published until removal",
        "gd-draft",
        "general",
        date(2024, 1, 1),
        {"on_serious_list": True},
        "latest_end",
        None,
    ),
    (
        "gd-draft Art 24: dishonest information is published three years from determination",
        "gd-draft",
        "general",
        date(2024, 1, 1),
        {},
        "latest_end",
        date(2027, 1, 1),
    ),
    (
        "gd-draft Art 41: serious dishonesty is not repairable",
        "gd-draft",
        "serious",
        date(2024, 1, 1),
        {},
        "repairable",
        False,
    ),
    (
        "gd-draft Art 41: general dishonesty is repairable",
        "gd-draft",
        "general",
        date(2024, 1, 1),
        {},
        "repairable",
        True,
    ),
    (
        "hl-draft Art 51: dishonest information 3 months to 1 year",
        "hl-draft",
        "general",
        date(2026, 6, 1),
        {},
        "latest_end",
        date(2027, 6, 1),
    ),
    (
        "hl-draft Art 51: basic information is long-term",
        "hl-draft",
        "basic",
        date(2020, 6, 1),
        {},
        "latest_end",
        None,
    ),
    (
        "hl-2022 Art 37: positive information is long-term",
        "hl-2022",
        "positive",
        date(2020, 6, 1),
        {},
        "latest_end",
        None,
    ),
    (
        "hl-2022 Art 37 -> NDRC Order 36: a general penalty decided on 2026-04-01 ends within 1 year",
        "hl-2022",
        "general",
        date(2026, 4, 1),
        {},
        "latest_end",
        date(2027, 4, 1),
    ),
    (
        "hl-2022 Art 37 -> NDRC Order 58: a general penalty decided on 2026-03-31 may run 3 years",
        "hl-2022",
        "general",
        date(2026, 3, 31),
        {},
        "latest_end",
        date(2029, 3, 31),
    ),
    (
        "NDRC Order 36: a minor penalty is not published",
        "national",
        "minor",
        date(2026, 4, 1),
        {},
        "published",
        False,
    ),
    (
        "NDRC Order 36: a serious penalty is published at least one year",
        "national",
        "serious",
        date(2026, 5, 31),
        {},
        "earliest_end",
        date(2027, 5, 31),
    ),
    (
        "city-2022 Art 13: per the catalog item, which follows national rules (Order 36)",
        "city-2022",
        "general",
        date(2026, 8, 31),
        {},
        "latest_end",
        date(2027, 8, 31),
    ),
    (
        "hl-2022 Art 28: the court's dishonest debtors stay listed until the court removes them",
        "hl-2022",
        "serious",
        date(2025, 3, 1),
        {"dataset": "court_dishonest"},
        "latest_end",
        None,
    ),
]


@pytest.mark.parametrize(
    "article, profile, nature, decided, kw, attribute, expected", CASES, ids=[c[0] for c in CASES]
)
def test_publicity_rule(article, profile, nature, decided, kw, attribute, expected):
    result = window(profile, nature, decided, **kw)
    assert getattr(result, attribute) == expected
    assert result.decided_by  # every answer says which rule decided it


@pytest.mark.parametrize(
    "profile, key, value, article",
    [
        ("hl-2022", "deadlines.revocation_withdraw", 1, "hl-2022 Art 38"),
        ("city-2022", "deadlines.revocation_withdraw", 2, "city-2022 Art 45"),
        ("hl-draft", "deadlines.objection_decide", 3, "hl-draft Art 53"),
        ("jl-draft", "deadlines.objection_decide", 10, "jl-draft Art 36"),
        ("jl-draft", "query_log_retention", 3, "jl-draft Art 20"),
        ("gd-draft", "query_log_retention", "long_term", "gd-draft Art 22"),
        ("hl-draft", "exclusions.minor_first_violation", True, "hl-draft Art 19"),
        ("hl-2022", "exclusions.simple_procedure", True, "hl-2022 Art 18"),
        ("jl-draft", "exclusions.simple_procedure", True, "jl-draft Art 13(1)"),
    ],
    ids=lambda v: str(v),
)
def test_rule_values_cite_their_article(profile, key, value, article):
    node = load_profile(profile).rules
    for part in key.split("."):
        node = node[part]
    assert node["value"] == value and article in node["article"]


def test_show_lists_every_rule_with_its_article():
    text = load_profile("gd-draft").show()
    assert "serious_list_extends_publicity: True  [gd-draft Art 24(2)]" in text
    assert all("[" in line for line in text.splitlines()[2:])


def test_dbt_rules_are_the_same_numbers():
    import json

    rules = load_profile("jl-draft").dbt_rules()
    json.dumps(rules)  # JSON-serialisable: handed to dbt as --vars
    (version,) = rules["period_versions"]
    assert (
        version["general"]["max"],
        version["serious"]["max"],
        rules["repair"]["serious"]["wait_months"],
    ) == (12, 36, 6)


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / f"{name}.yml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def profiles_dir(tmp_path):
    national = (Path(__file__).parents[2] / "creditlake" / "jurisdictions" / "national.yml").read_text(
        encoding="utf-8"
    )
    return write(tmp_path, "national", national)


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "inherits: national\nquery_log_retention: {value: 3, unit: years}\n",
            "query_log_retention: no article cited",
        ),
        (
            "inherits: national\nquery_log_retention: {value: 3, unit: fortnights, article: x}\n",
            "unit 'fortnights'",
        ),
        (
            "inherits: national\nfavourite_colour: {value: red, article: x}\n",
            "unknown key 'favourite_colour'",
        ),
        (
            "inherits: national\nrepair:\n  effect: {value: stop, article: ''}\n",
            "repair.effect: the article is empty",
        ),
        (
            "inherits: national\nserious_list:\n  linked_roles: {value: [uncle], article: x}\n",
            "serious_list.linked_roles: ['uncle'] not among",
        ),
        (
            "inherits: national\nearlier_decisions: {value: forever, article: x}\n",
            "earlier_decisions: 'forever' is not one of",
        ),
        (
            "inherits: national\nperiods_by_version:\n  - {version: x, article: a, in_force: {from: 2020-01-01, to: null},\n"
            "     minor: {published: true, min: {value: 2, unit: years}, max: {value: 1, unit: years}},\n"
            "     general: {published: true, min: {value: 1, unit: months}, max: {value: 1, unit: years}},\n"
            "     serious: {published: true, min: {value: 1, unit: months}, max: {value: 1, unit: years}}}\n",
            "minor: min (24 months) is longer than max (12 months)",
        ),
    ],
)
def test_a_bad_profile_names_file_key_and_problem(profiles_dir, body, message):
    write(profiles_dir, "bad", body)
    load_profile.cache_clear()
    try:
        with pytest.raises(ProfileError) as err:
            load_profile("bad", profiles_dir)
        assert str(profiles_dir / "bad.yml") in str(err.value) and message in str(err.value)
    finally:
        load_profile.cache_clear()
