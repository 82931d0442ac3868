"""Registry entries refused on load (listed twice, ending before they begin) and subject keys
read in their normal form: what an operator sees when `institutions.yml`, `licences.yml` or
`authorisations.yml` is wrong."""

from datetime import date

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
