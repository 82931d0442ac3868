"""Who a record is about, checked rather than trusted: individual businesses named after their
operator, the court's masked IDs, and what counts as an organisation's name.

- **Individual businesses** (个体工商户: the type says so, or the unified social credit code
  starts with 92, GB 32100-2015: registration authority 9, type 2) are often named after their
  operator (王建国, 王建国烧烤店). One whose name is or holds a personal name is handled as a
  natural person in open data and in the portal's search index: its penalties and licences are
  not opened (jl-draft Art 18, gd-draft Art 21), and on the court's list its name and code are
  masked as a person's (city-2022 Art 23).
- **Court IDs**: the court's list is published by law, natural persons' IDs desensitised
  (city-2022 Art 23). Whatever the court sent (unmasked, only the check digit starred, two
  digits starred, 6+4), one mask is recomputed from the raw value: at most its first six and
  last four characters shown (a star the court put there stays a star), everything between
  starred, so the birth date is always hidden. A value that cannot be masked so is not
  published.
- **Organisation form**: a person's name inside an organisation's name stays only when the
  name has the form of an organisation (`shapes.yml` `organisation_form`), never for a bare
  personal name, and never for a string known as a natural person's name.
"""

from __future__ import annotations

import re
from functools import cache

from publishing.privacy.normalise import normalise
from publishing.privacy.numbers import declarations

INDIVIDUAL_BUSINESS_CODE = "92"  # GB 32100-2015: 9 市场监管 (registration authority), 2 个体工商户
_COURT_ID = re.compile(r"[0-9*]{17}[0-9X*]|[0-9*]{15}")


@cache
def _organisation_form() -> re.Pattern:
    return re.compile(declarations()["organisation_form"])


def has_organisation_form(name: str) -> bool:
    """Whether `name` is shaped like an organisation's name (长春市张伟商贸有限公司, 鑫康五金店)."""
    return isinstance(name, str) and _organisation_form().fullmatch(name.strip()) is not None


def is_individual_business(subject_type: str | None, code: str | None) -> bool:
    return subject_type == "individual_business" or (
        isinstance(code, str) and code.strip().upper().startswith(INDIVIDUAL_BUSINESS_CODE)
    )


def court_id_mask(raw: str | None) -> str | None:
    """The one published form of a natural person's ID on the court's list (see the module
    docstring), or None when the value cannot be masked so (it is then not published)."""
    if not isinstance(raw, str):
        return None
    value = "".join(normalise(raw.removeprefix("masked:")).text.split()).upper()
    if not _COURT_ID.fullmatch(value):
        return None
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_code(code: str) -> str:
    """An individual business's code, masked as a person's ID is (first 6 and last 4 shown)."""
    value = code.strip().upper()
    return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:]


def organisations(names, people) -> list[str]:
    """The organisations' names a person's name may stand inside: only those with the form of
    an organisation, and never one that is also a known person's name (register poisoning)."""
    people = {p.strip() for p in people}
    return sorted({n.strip() for n in names if has_organisation_form(n) and n.strip() not in people})
