"""The profile validator's remaining refusals: each names the file, the key and the problem.

(The common ones are in test_jurisdiction.py; these cover the rest of the checks, one each.)
"""

from pathlib import Path

import pytest

from creditlake.jurisdiction import ProfileError, load_profile

NATIONAL = Path(__file__).parents[2] / "creditlake" / "jurisdictions" / "national.yml"

PERIOD = "{published: true, min: {value: 3, unit: months}, max: {value: 1, unit: years}}"


def _version(**override: str) -> str:
    fields = {
        "version": "x",
        "article": "a",
        "in_force": "{from: 2020-01-01, to: null}",
        "minor": PERIOD,
        "general": PERIOD,
        "serious": PERIOD,
        **override,
    }
    body = ", ".join(f"{k}: {v}" for k, v in fields.items() if v is not None)
    return f"inherits: national\nperiods_by_version:\n  - {{{body}}}\n"


@pytest.fixture
def profiles_dir(tmp_path):
    (tmp_path / "national.yml").write_text(NATIONAL.read_text(encoding="utf-8"), encoding="utf-8")
    load_profile.cache_clear()
    yield tmp_path
    load_profile.cache_clear()


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "name: bad\n",
            "missing key 'authorisation_end_date_required' (and it inherits no value for it)",
        ),
        ("inherits: national\ndeadlines:\n  correction: 3\n", "deadlines.correction: no article cited"),
        (
            "inherits: national\nserious_list:\n  default_term: {value: 30, unit: days, basis: x}\n",
            "serious_list.default_term: publicity periods are in months or years, not days",
        ),
        (
            "inherits: national\ndeadlines:\n  correction: {value: 3, unit: days, article: x}\n",
            "deadlines.correction: deadlines are in working days, not days",
        ),
        (
            "inherits: national\nrepair:\n  general: {repairable: true, wait: {value: 30, unit: days}, article: x}\n",
            "repair.general.wait: publicity periods are in months or years, not days",
        ),
        (
            "inherits: national\ncourt_list_publicity: {value: 10, unit: working_days, article: x}\n",
            "court_list_publicity: publicity periods are in months or years, not working_days",
        ),
        (
            "inherits: national\nrepair:\n  serious: {repairable: true, wait: {value: 1, unit: long_term}, article: x}\n",
            "repair.serious.wait: a period in months or years, not long_term",
        ),
        (
            "inherits: national\nbasic_publicity: {value: forever, article: x}\n",
            "basic_publicity: 'forever' is not one of",
        ),
        (_version(article=None), "periods_by_version[0]: no article cited"),
        (
            _version(in_force="{from: soon, to: null}"),
            "periods_by_version[0].in_force.from: 'soon' is not a YYYY-MM-DD date",
        ),
        (_version(serious=None), "periods_by_version[0]: no periods for nature class 'serious'"),
        (
            _version(general="{published: true, min: {value: 3, unit: months}, max: {value: 1}}"),
            "periods_by_version[0].general.max: needs value and unit",
        ),
    ],
)
def test_a_bad_profile_is_refused_with_its_file_and_key(profiles_dir, body, message):
    (profiles_dir / "bad.yml").write_text(body, encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile("bad", profiles_dir)
    assert str(err.value).startswith(f"{profiles_dir / 'bad.yml'}: ")
    assert message in str(err.value)


def test_a_court_list_period_is_a_valid_choice(profiles_dir):
    (profiles_dir / "ok.yml").write_text(
        "inherits: national\ncourt_list_publicity: {value: 2, unit: years, article: x}\n", encoding="utf-8"
    )
    assert load_profile("ok", profiles_dir).rules["court_list_publicity"]["value"] == 2
