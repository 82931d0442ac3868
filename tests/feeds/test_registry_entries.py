"""Registry entries refused on load (listed twice, ending before they begin) and subject keys
read in their normal form: what an operator sees when `institutions.yml`, `licences.yml` or
`authorisations.yml` is wrong."""

from datetime import date, datetime

import pytest

from publishing.registry import RegistryError
from tests.feeds.conftest import LIC_A, LIC_B, A, B


def _problems(lake) -> list[str]:
    with pytest.raises(RegistryError) as err:
        lake.registry()
    return err.value.problems


def test_an_entry_listed_twice_is_refused_in_each_file(lake):
    lake.edit("institutions.yml", "institutions", {"uscc": B}, name="the same institution again", uscc=A)
    lake.edit("licences.yml", "licences", {"id": LIC_B}, id=LIC_A.lower(), institution=A)
    lake.edit("authorisations.yml", "authorisations", {"id": "AUTH-2026-0002"}, id="AUTH-2026-0001")
    problems = _problems(lake)
    root = lake.registry_root
    for expected in (
        f"{root / 'institutions.yml'}: institutions[1] ({A}): uscc: {A} is listed twice",
        f"{root / 'licences.yml'}: licences[1] ({LIC_A.lower()}): id: {LIC_A.lower()} is listed twice "
        "(ids are compared case-insensitively)",
        f"{root / 'authorisations.yml'}: authorisations[1] (AUTH-2026-0001): id: AUTH-2026-0001 is listed twice",
    ):
        assert expected in problems, (expected, problems)


def test_an_authorisation_ending_before_it_is_granted_is_refused(lake):
    lake.edit("authorisations.yml", "authorisations", {"id": "AUTH-2026-0001"}, expires_on=date(2026, 5, 1))
    assert _problems(lake) == [
        f"{lake.registry_root / 'authorisations.yml'}: authorisations[0] (AUTH-2026-0001): "
        "expires_on: 2026-05-01 is before granted_on 2026-06-01"
    ]


def test_an_organisation_may_authorise_by_its_uscc_in_any_case(lake):
    lake.edit("authorisations.yml", "authorisations", {"id": "AUTH-2026-0001"}, subject_key=A.lower())
    (auth,) = [a for a in lake.registry().authorisations if a.id == "AUTH-2026-0001"]
    assert auth.subject_key == A


@pytest.mark.parametrize(
    "max_term, says",
    [
        ("99 years", "max_term: 99 years is longer than the law allows (1 years"),
        ({"value": 8000, "unit": "years"}, "max_term: 8000 years is longer than the law allows"),
        ({"value": -1, "unit": "years"}, "'value': -1} is not a term: write {value: <positive whole number>"),
        ({"value": 0, "unit": "months"}, "'value': 0} is not a term"),
        ({"value": 1, "unit": "centuries"}, "is not a term"),
        ({"value": True, "unit": "years"}, "is not a term"),
        ("for life", "max_term: 'for life' is not a term"),
        ("-5 years", "max_term: '-5 years' is not a term"),
        ([1, "years"], "max_term: [1, 'years'] is not a term"),
    ],
)
def test_a_bad_max_term_is_a_registry_error_naming_file_and_key(lake, max_term, says):
    import yaml

    path = lake.registry_root / "authorisations.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["max_term"] = max_term
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    [problem] = _problems(lake)
    assert problem.startswith(f"{path}: max_term: ") and says in problem, problem


AUTH_1 = "authorisations[0] (AUTH-2026-0001)"


@pytest.mark.parametrize(
    "changes, says",
    [
        (
            {"withdrawn_on": date(2026, 5, 31)},
            f"{AUTH_1}: withdrawn_on: 2026-05-31 is before granted_on 2026-06-01",
        ),
        ({"expires_on": "10000-01-01"}, f"{AUTH_1}: expires_on: '10000-01-01' is not a YYYY-MM-DD date"),
        ({"granted_on": "0000-12-31"}, f"{AUTH_1}: granted_on: '0000-12-31' is not a YYYY-MM-DD date"),
        ({"withdrawn_on": "2026-02-30"}, f"{AUTH_1}: withdrawn_on: '2026-02-30' is not a YYYY-MM-DD date"),
        (
            {"expires_on": datetime(2027, 5, 31, 10, 0)},
            f"{AUTH_1}: expires_on: datetime.datetime(2027, 5, 31, 10, 0) is a timestamp, not a YYYY-MM-DD date",
        ),
        ({"scope": [{"item": "honour"}]}, f"{AUTH_1}: scope: {{'item': 'honour'}} not known"),
        (
            {"granted_on": date(9999, 12, 1), "expires_on": date(9999, 11, 30)},
            f"{AUTH_1}: expires_on: 9999-11-30 is before granted_on 9999-12-01",
        ),
    ],
)
def test_every_bad_authorisation_value_is_a_registry_error_naming_file_entry_and_key(lake, changes, says):
    lake.edit("authorisations.yml", "authorisations", {"id": "AUTH-2026-0001"}, **changes)
    [problem] = _problems(lake)
    assert problem.startswith(f"{lake.registry_root / 'authorisations.yml'}: {says}"), problem


def test_a_term_reaching_past_the_calendar_is_checked_without_a_crash(lake):
    """A grant in 9999 has no 'one year later': its end is within any term, and it loads."""
    lake.edit(
        "authorisations.yml",
        "authorisations",
        {"id": "AUTH-2026-0001"},
        granted_on=date(9999, 6, 1),
        expires_on=date(9999, 12, 31),
    )
    (auth,) = [a for a in lake.registry().authorisations if a.id == "AUTH-2026-0001"]
    assert auth.expires_on == date(9999, 12, 31)


def test_a_profile_whose_max_term_runs_past_the_calendar_is_refused_naming_file_and_key(lake, profile_with):
    from creditlake.jurisdiction import ProfileError
    from publishing.registry import load_registry

    forever = profile_with({"authorisation_max_term": {"value": 8000, "unit": "years"}})
    with pytest.raises(ProfileError, match=rf"{forever}\.yml: authorisation_max_term: 8000 years runs past"):
        load_registry(lake.registry_root, forever)
