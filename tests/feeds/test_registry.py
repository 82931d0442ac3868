"""The registry: institutions, licences and authorisations, validated on load; who may get what."""

from datetime import date

import pytest
import yaml

from publishing.registry import (
    EXAMPLE_ROOT,
    RegistryError,
    active_licences,
    authorised,
    licence_refusal,
    load_registry,
)
from tests.feeds.conftest import AS_OF, LIC_A, LIC_B, LIC_C, P1, P2, A, B, C, base_records


def test_the_example_registry_loads_and_only_active_qualified_licences_are_in_force():
    registry = load_registry(EXAMPLE_ROOT)
    assert set(registry.institutions) == {A, B, C}
    assert [lic.id for lic in active_licences(registry, AS_OF)] == [LIC_A, LIC_B]
    assert licence_refusal(registry, LIC_C, AS_OF) == f"institution {C} is suspended"
    assert licence_refusal(registry, LIC_B, date(2027, 3, 1)) == f"licence {LIC_B} expired on 2027-02-28"
    assert (
        licence_refusal(registry, LIC_B, date(2026, 2, 28))
        == f"licence {LIC_B} is valid only from 2026-03-01"
    )
    assert "not in the registry" in licence_refusal(registry, "LIC-NOPE", AS_OF)


def test_an_institution_outside_its_qualification_gets_nothing(lake):
    """A licence in force is refused while its institution is not (yet, or no longer) qualified
    as a credit service institution: no delivery is made under it."""
    from publishing.feeds import deliver

    lake.warehouse(base_records())
    lake.edit("institutions.yml", "institutions", {"uscc": A}, qualified_to=date(2026, 11, 21))
    registry = lake.registry()
    assert licence_refusal(registry, LIC_A, AS_OF) == f"institution {A}'s qualification ended on 2026-11-21"
    assert licence_refusal(registry, LIC_A, date(2026, 11, 21)) is None  # its last day counts
    assert [lic.id for lic in active_licences(registry, AS_OF)] == [LIC_B]
    made = {d["licence"]: d for d in deliver(lake.cfg(), registry, "run-1", s3=None)}
    assert (made[LIC_A]["status"], made[LIC_B]["status"]) == ("refused", "delivered")
    assert made[LIC_A]["why"] == f"institution {A}'s qualification ended on 2026-11-21"
    assert not (lake.cfg().feeds_root / A).exists()  # nothing written for it
    lake.edit(
        "institutions.yml", "institutions", {"uscc": A}, qualified_from=date(2026, 11, 23), qualified_to=None
    )
    assert (
        licence_refusal(lake.registry(), LIC_A, AS_OF) == f"institution {A} is qualified only from 2026-11-23"
    )


def test_authorised_needs_institution_subject_item_purpose_and_date_to_match(lake):
    registry = lake.registry()
    ok = dict(
        institution=A, subject_key=P1, catalog_item="administrative_penalty", purpose="credit_assessment"
    )
    assert authorised(registry, **ok, on_date=AS_OF)
    assert authorised(
        registry, **(ok | {"subject_key": P1.lower()}), on_date=AS_OF
    )  # keys compared normalised
    assert not authorised(registry, **(ok | {"institution": B}), on_date=AS_OF)
    assert not authorised(registry, **(ok | {"catalog_item": "honour"}), on_date=AS_OF)
    assert not authorised(registry, **(ok | {"purpose": "marketing"}), on_date=AS_OF)
    assert not authorised(registry, **ok, on_date=date(2026, 5, 31))  # before granted_on
    assert authorised(registry, **ok, on_date=date(2027, 5, 31))  # the last day counts
    assert not authorised(registry, **ok, on_date=date(2027, 6, 1))
    p2 = ok | {"subject_key": P2}
    assert authorised(registry, **p2, on_date=date(2026, 11, 30))
    assert not authorised(registry, **p2, on_date=date(2026, 12, 1))
    # the subject withdraws consent: it ends that day
    lake.edit("authorisations.yml", "authorisations", {"subject_key": P1}, withdrawn_on=date(2026, 12, 10))
    registry = lake.registry()
    assert authorised(registry, **ok, on_date=date(2026, 12, 9))
    assert not authorised(registry, **ok, on_date=date(2026, 12, 10))


def _problems(lake) -> list[str]:
    with pytest.raises(RegistryError) as err:
        lake.registry()
    return err.value.problems


def test_an_authorisation_without_an_end_date_is_refused_naming_file_entry_and_field(lake):
    path = lake.registry_root / "authorisations.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    del doc["authorisations"][1]["expires_on"]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    [problem] = _problems(lake)
    assert problem.startswith(f"{path}: authorisations[1] (AUTH-2026-0002): expires_on: required")
    assert "city-2022 Art 39" in problem


def test_authorisation_end_date_required_decides_whether_an_open_ended_one_is_accepted(lake, profile_with):
    """city-2022 Art 39, hl-draft Art 56, hl-2022 Art 36 (national borrows them): an authorisation
    with no end date is "once for life" and refused; under a profile that does not require an end
    it is accepted and runs until the subject withdraws it, and the run's profile decides."""
    from dataclasses import replace

    from creditlake import pipeline
    from publishing import stages

    lake.warehouse(base_records())
    lake.edit("authorisations.yml", "authorisations", {"id": "AUTH-2026-0001"}, expires_on=None)
    [problem] = _problems(lake)
    assert "authorisations[0] (AUTH-2026-0001): expires_on: required" in problem
    assert (
        "'once for life' (authorisation_end_date_required: basis: borrowed from city-2022 Art 39" in problem
    )
    run = replace(lake.cfg(), registry=lake.registry_root)
    with pytest.raises(pipeline.StageFailed, match="authorisation_end_date_required"):
        stages.deliver_feeds(run.to_conf(), "run-1")

    open_ended = profile_with({"authorisation_end_date_required": False}, base="national")
    registry = load_registry(lake.registry_root, open_ended)
    ok = dict(
        institution=A, subject_key=P1, catalog_item="administrative_penalty", purpose="credit_assessment"
    )
    assert authorised(registry, **ok, on_date=date(2046, 6, 1))  # twenty years on
    result = stages.deliver_feeds(replace(run, profile=open_ended).to_conf(), "run-1")
    assert {d["licence"]: d["status"] for d in result["deliveries"]}[LIC_A] == "delivered"
    lake.edit("authorisations.yml", "authorisations", {"id": "AUTH-2026-0001"}, withdrawn_on=date(2030, 1, 1))
    assert not authorised(load_registry(lake.registry_root, open_ended), **ok, on_date=date(2030, 1, 1))


def test_an_authorisation_longer_than_max_term_is_once_for_life_and_refused(lake):
    lake.edit("authorisations.yml", "authorisations", {"id": "AUTH-2026-0001"}, expires_on=date(2036, 5, 31))
    [problem] = _problems(lake)
    assert "authorisations[0] (AUTH-2026-0001): expires_on: 2036-05-31 is more than 1 years after" in problem
    # a registry may shorten the law's term: the example's one-year authorisation is then too long
    lake.edit("authorisations.yml", "authorisations", {"id": "AUTH-2026-0001"}, expires_on=date(2027, 5, 31))
    _set_max_term(lake, {"value": 6, "unit": "months"})
    problem, _ = _problems(lake)  # and AUTH-2026-0002's twelve months
    assert problem.startswith(
        f"{lake.registry_root / 'authorisations.yml'}: authorisations[0] (AUTH-2026-0001): expires_on: "
        "2027-05-31 is more than 6 months after granted_on 2026-06-01 (max_term of authorisations.yml;"
    )
    # ... never lengthen it: ten years is refused, naming the file and the key
    _set_max_term(lake, {"value": 10, "unit": "years"})
    [problem] = _problems(lake)
    assert problem.startswith(
        f"{lake.registry_root / 'authorisations.yml'}: max_term: 10 years is longer than the law allows "
        "(1 years, authorisation_max_term: basis: platform policy:"
    )


def _set_max_term(lake, term) -> None:
    path = lake.registry_root / "authorisations.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["max_term"] = term
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def test_authorisation_max_term_of_the_profile_decides_how_long_an_authorisation_may_run(lake, profile_with):
    """The law's longest term comes from the profile (`authorisation_max_term`): two years lets
    an 18-month authorisation and a registry's two-year `max_term` load that national refuses."""
    lake.edit("authorisations.yml", "authorisations", {"id": "AUTH-2026-0001"}, expires_on=date(2027, 11, 30))
    _set_max_term(lake, {"value": 2, "unit": "years"})
    national = _problems(lake)
    assert any("max_term: 2 years is longer than the law allows (1 years" in p for p in national)
    assert any(
        "expires_on: 2027-11-30 is more than 1 years after granted_on 2026-06-01" in p for p in national
    )
    longer = profile_with({"authorisation_max_term": {"value": 2, "unit": "years"}})
    registry = load_registry(lake.registry_root, longer)
    assert registry.max_term == {"value": 2, "unit": "years"}
    ok = dict(
        institution=A, subject_key=P1, catalog_item="administrative_penalty", purpose="credit_assessment"
    )
    assert authorised(registry, **ok, on_date=date(2027, 11, 30))
    # without the file's own max_term, the profile's term is the ceiling
    _set_max_term(lake, None)
    assert load_registry(lake.registry_root, longer).max_term == {"value": 2, "unit": "years"}


def test_every_problem_is_reported_at_once_with_its_file_entry_and_field(lake):
    lake.edit("institutions.yml", "institutions", {"uscc": B}, uscc="91110105L30P8774P5", status="dormant")
    lake.edit(
        "licences.yml",
        "licences",
        {"id": LIC_A},
        catalog_items=["administrative_penalty", "gossip"],
        delivery="fax",
        valid_to=None,
        expires="2027-01-01",
    )
    lake.edit(
        "authorisations.yml", "authorisations", {"id": "AUTH-2026-0001"}, subject_key="110101199003071234"
    )
    problems = _problems(lake)
    root = lake.registry_root
    expected = [
        f"{root / 'institutions.yml'}: institutions[1] (91110105L30P8774P5): uscc: '91110105L30P8774P5' is not a valid USCC",
        f"{root / 'institutions.yml'}: institutions[1] (91110105L30P8774P5): status: 'dormant' is not one of",
        f"{root / 'licences.yml'}: licences[0] (LIC-A-2026-001): expires: unknown field",
        f"{root / 'licences.yml'}: licences[0] (LIC-A-2026-001): catalog_items: gossip not known",
        f"{root / 'licences.yml'}: licences[0] (LIC-A-2026-001): valid_to: required",
        f"{root / 'licences.yml'}: licences[0] (LIC-A-2026-001): delivery: 'fax' is not one of",
        f"{root / 'licences.yml'}: licences[1] (LIC-B-2026-001): institution: {B} is not in institutions.yml",
        f"{root / 'authorisations.yml'}: authorisations[0] (AUTH-2026-0001): subject_key: not a valid citizen ID",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert len(problems) == len(expected)
