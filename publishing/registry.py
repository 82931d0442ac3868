"""Who may receive what: credit service institutions, their licences, and subjects' authorisations.

Three YAML files in one folder, named by `--registry` or `CREDITLAKE_REGISTRY`; without
either, nothing is delivered or shared (`publishing/registry_example/` holds fake
institutions for the demo and the tests, and is never used unless named):

* `institutions.yml` — credit service institutions (信用服务机构): USCC, name, qualification
  status and period (jl-draft Art 45, city-2022 Art 53: only qualifying institutions);
* `licences.yml` — the signed agreement with one institution: which catalog items, which
  subject types, for what purpose, valid when, delivered how (push / pull / both);
* `authorisations.yml` — a natural person's written authorisation (书面授权) for one
  institution and one purpose over some catalog items (jl-draft Art 21, city-2022 Art 24,
  gd-draft Art 22). Where the run's jurisdiction profile says `authorisation_end_date_required`
  (city-2022 Art 39, hl-draft Art 56, hl-2022 Art 36), it always ends: no end date, or one
  further away than the longest term, is "once for life" and refused. The longest term is the
  profile's `authorisation_max_term`; the file's own `max_term` may shorten it, never lengthen
  it. Where the profile does not require an end, an authorisation without one runs until it is
  withdrawn.

Loading validates every entry and fails with every problem at once, each naming the file,
the entry and the field. Unknown fields are errors too: a misspelt `expires_on` must not
pass as "no expiry". The helpers (`active_licences`, `licence_refusal`, `authorised`) are
what the feeds and the sharing server decide with; both fail closed.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

EXAMPLE_ROOT = Path(__file__).parent / "registry_example"
FILES = ("institutions.yml", "licences.yml", "authorisations.yml")

STATUSES = ("active", "suspended", "revoked")
DELIVERY_MODES = ("push", "pull", "both")
SUBJECT_TYPES = ("organisation", "individual_business", "natural_person")
# A licence id names a Delta Sharing share and a folder: no dots (the client splits
# "share.schema.table" on them), no slashes.
LICENCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
ENTRY_ID = LICENCE_ID
TERM_UNITS = ("days", "months", "years")
# Terms of different units are compared from one day; each authorisation is then held to every
# ceiling from its own grant date, so the comparison only decides which ceiling a file may set.
TERM_REFERENCE_DAY = date(2001, 1, 1)

INSTITUTION_FIELDS = {"uscc", "name", "status", "qualified_from", "qualified_to"}
LICENCE_FIELDS = {
    "id",
    "institution",
    "catalog_items",
    "subject_types",
    "purpose",
    "valid_from",
    "valid_to",
    "delivery",
    "status",
}
AUTHORISATION_FIELDS = {
    "id",
    "subject_key",
    "institution",
    "purpose",
    "scope",
    "granted_on",
    "expires_on",
    "withdrawn_on",
}


class RegistryError(ValueError):
    """A registry that cannot be used; `problems` lists each as 'file: entry: field: what'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("registry is invalid:\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class Institution:
    uscc: str
    name: str
    status: str
    qualified_from: date
    qualified_to: date | None  # None: until the qualification is revoked


@dataclass(frozen=True)
class Licence:
    id: str
    institution: str
    catalog_items: tuple[str, ...]
    subject_types: tuple[str, ...]
    purpose: str
    valid_from: date
    valid_to: date
    delivery: str
    status: str

    @property
    def pushed(self) -> bool:
        return self.delivery in ("push", "both")

    @property
    def pulled(self) -> bool:
        return self.delivery in ("pull", "both")


@dataclass(frozen=True)
class Authorisation:
    id: str
    subject_key: str
    institution: str
    purpose: str
    scope: tuple[str, ...]
    granted_on: date
    expires_on: date | None  # None: open-ended, where the profile allows it
    withdrawn_on: date | None = None  # the subject may withdraw consent before the end date

    def covers(self, institution: str, subject_key: str, catalog_item: str, purpose: str, on: date) -> bool:
        return (
            self.institution == institution
            and self.subject_key == subject_key
            and catalog_item in self.scope
            and self.purpose == purpose
            and self.granted_on <= on
            and (self.expires_on is None or on <= self.expires_on)
            and (self.withdrawn_on is None or on < self.withdrawn_on)
        )


@dataclass(frozen=True)
class Registry:
    institutions: dict[str, Institution]
    licences: dict[str, Licence]
    authorisations: tuple[Authorisation, ...]
    root: Path | None = None
    # the longest term an authorisation may run: the registry's `max_term`, else the profile's
    max_term: dict = field(default_factory=lambda: {"value": 1, "unit": "years"})
    digest: str = ""  # sha256 over the three files: the server reloads when it changes
    profile: str = "national"  # the jurisdiction profile it was validated under (reloads keep it)


def registry_digest(root: Path) -> str:
    h = hashlib.sha256()
    for name in FILES:
        path = root / name
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"<missing>") + b"\0")
    return h.hexdigest()


def configured_root(explicit: Path | str | None) -> Path | None:
    """The feeds registry a run or command uses: the one named (`--registry`, conf `registry`),
    else `CREDITLAKE_REGISTRY`, else None. There is no fallback to the example registry: its
    institutions are invented."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("CREDITLAKE_REGISTRY")
    return Path(env).resolve() if env else None


def load_registry(root: Path | str, profile: str = "national") -> Registry:
    """Read and validate the three files under the rules of jurisdiction `profile`; raises
    `RegistryError` listing every problem."""
    from creditlake.catalog import catalog

    root = Path(root)
    problems: list[str] = []
    end_date = end_date_rule(profile)
    law_term = authorisation_max_term(profile)
    items = set(catalog())
    docs = {name: _read(root / name, problems) for name in FILES}

    institutions = _institutions(docs["institutions.yml"], root / "institutions.yml", problems)
    licences = _licences(docs["licences.yml"], root / "licences.yml", institutions, items, problems)
    auth_doc = docs["authorisations.yml"]
    ceilings = _ceilings(auth_doc, root / "authorisations.yml", law_term, problems)
    authorisations = _authorisations(
        auth_doc, root / "authorisations.yml", institutions, items, ceilings, end_date, problems
    )

    if problems:
        raise RegistryError(problems)
    max_term = {"value": ceilings[0][0]["value"], "unit": ceilings[0][0]["unit"]}
    return Registry(
        institutions, licences, tuple(authorisations), root, max_term, registry_digest(root), profile
    )


def _institutions(doc, path: Path, problems: list[str]) -> dict[str, Institution]:
    """institutions.yml by USCC; a USCC listed twice is a problem."""
    institutions: dict[str, Institution] = {}
    for where, entry in _entries(doc, "institutions", path, problems):
        inst = _institution(where, entry, problems)
        if inst is None:
            continue
        if inst.uscc in institutions:
            problems.append(f"{where}: uscc: {inst.uscc} is listed twice")
        institutions[inst.uscc] = inst
    return institutions


def _licences(
    doc, path: Path, institutions: dict, items: set[str], problems: list[str]
) -> dict[str, Licence]:
    """licences.yml by id; ids name shares, so two that differ only in case are listed twice."""
    licences: dict[str, Licence] = {}
    for where, entry in _entries(doc, "licences", path, problems):
        lic = _licence(where, entry, institutions, items, problems)
        if lic is None:
            continue
        if lic.id.lower() in {k.lower() for k in licences}:  # share names are case-insensitive
            problems.append(f"{where}: id: {lic.id} is listed twice (ids are compared case-insensitively)")
        licences[lic.id] = lic
    return licences


def _authorisations(
    doc,
    path: Path,
    institutions: dict,
    items: set[str],
    ceilings: list[tuple[dict, str]],
    end_date: str | None,
    problems: list[str],
) -> list[Authorisation]:
    """authorisations.yml in file order; an id listed twice is a problem."""
    authorisations: list[Authorisation] = []
    seen: set[str] = set()
    for where, entry in _entries(doc, "authorisations", path, problems):
        auth = _authorisation(where, entry, institutions, items, ceilings, end_date, problems)
        if auth is None:
            continue
        if auth.id in seen:
            problems.append(f"{where}: id: {auth.id} is listed twice")
        seen.add(auth.id)
        authorisations.append(auth)
    return authorisations


def end_date_rule(profile: str) -> str | None:
    """The article that forbids an authorisation "once for life" under `profile`
    (`authorisation_end_date_required`), or None where the profile does not require an end date."""
    from creditlake.jurisdiction import load_profile, rule_source

    rule = load_profile(profile).rules["authorisation_end_date_required"]
    # fails closed: only an explicit `false` lets an authorisation run without an end date
    return None if rule["value"] is False else f"authorisation_end_date_required: {rule_source(rule)}"


def authorisation_max_term(profile: str) -> dict:
    """The longest an authorisation may run under `profile` (`authorisation_max_term`), with
    the article or basis it comes from."""
    from creditlake.jurisdiction import load_profile

    return load_profile(profile).rules["authorisation_max_term"]


# --- decisions -----------------------------------------------------------------------------


def licence_refusal(registry: Registry, licence_id: str, on_date: date) -> str | None:
    """Why a licence gets nothing on a date (None: it is in force). Fails closed on unknowns."""
    lic = registry.licences.get(licence_id)
    if lic is None:
        return f"licence {licence_id} is not in the registry"
    if lic.status != "active":
        return f"licence {lic.id} is {lic.status}"
    if on_date < lic.valid_from:
        return f"licence {lic.id} is valid only from {lic.valid_from}"
    if on_date > lic.valid_to:
        return f"licence {lic.id} expired on {lic.valid_to}"
    inst = registry.institutions.get(lic.institution)
    if inst is None:
        return f"institution {lic.institution} is not in the registry"
    if inst.status != "active":
        return f"institution {inst.uscc} is {inst.status}"
    if on_date < inst.qualified_from:
        return f"institution {inst.uscc} is qualified only from {inst.qualified_from}"
    if inst.qualified_to is not None and on_date > inst.qualified_to:
        return f"institution {inst.uscc}'s qualification ended on {inst.qualified_to}"
    return None


def active_licences(registry: Registry, on_date: date) -> list[Licence]:
    """Licences in force on a date, held by an active institution qualified on that date."""
    return [lic for lic in registry.licences.values() if licence_refusal(registry, lic.id, on_date) is None]


def authorised(
    registry: Registry, institution: str, subject_key: str, catalog_item: str, purpose: str, on_date: date
) -> bool:
    """Does a subject's authorisation, valid on the date, cover this institution, item and purpose?"""
    key = str(subject_key).strip().upper()
    return any(a.covers(institution, key, catalog_item, purpose, on_date) for a in registry.authorisations)


def authorised_pairs(
    registry: Registry, institution: str, purpose: str, on_date: date
) -> set[tuple[str, str]]:
    """Every (subject_key, catalog_item) one institution may receive for one purpose on a date:
    the bulk form of `authorised`, for filtering a whole table at once."""
    return {
        (a.subject_key, item)
        for a in registry.authorisations
        for item in a.scope
        if a.covers(institution, a.subject_key, item, purpose, on_date)
    }


# --- reading and validating ----------------------------------------------------------------


def _read(path: Path, problems: list[str]) -> dict:
    if not path.exists():
        problems.append(f"{path}: missing (a registry holds {', '.join(FILES)})")
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        problems.append(f"{path}: not valid YAML: {err}")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(f"{path}: must be a mapping")
        return {}
    return {"__path__": path, **data}


def _entries(doc: dict, key: str, path: Path, problems: list[str]):
    if not doc:
        return
    allowed = {"__path__", key} | ({"max_term"} if key == "authorisations" else set())
    for unknown in sorted(set(doc) - allowed, key=str):
        problems.append(f"{path}: unknown top-level key {unknown!r} (expected {key!r})")
    entries = doc.get(key) or []
    if not isinstance(entries, list):
        problems.append(f"{path}: {key}: must be a list")
        return
    for i, entry in enumerate(entries):
        label = entry.get("id") or entry.get("uscc") if isinstance(entry, dict) else None
        where = f"{path}: {key}[{i}]" + (f" ({label})" if label else "")
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        yield where, entry


def _unknown(where: str, entry: dict, allowed: set[str], problems: list[str]) -> None:
    for name in sorted(set(entry) - allowed, key=str):
        problems.append(f"{where}: {name}: unknown field (allowed: {', '.join(sorted(allowed))})")


def _text(where: str, entry: dict, name: str, problems: list[str]) -> str | None:
    value = entry.get(name)
    if value is None or not str(value).strip():
        problems.append(f"{where}: {name}: required")
        return None
    return str(value).strip()


def _date(where: str, entry: dict, name: str, problems: list[str], required: bool = True) -> date | None:
    value = entry.get(name)
    if value is None:
        if required:
            problems.append(f"{where}: {name}: required (YYYY-MM-DD)")
        return None
    if isinstance(value, datetime):
        problems.append(f"{where}: {name}: {value!r} is a timestamp, not a YYYY-MM-DD date")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where}: {name}: {value!r} is not a YYYY-MM-DD date")
        return None


def _choice(where: str, entry: dict, name: str, choices: tuple[str, ...], problems: list[str]) -> str | None:
    value = _text(where, entry, name, problems)
    if value is not None and value not in choices:
        problems.append(f"{where}: {name}: {value!r} is not one of {', '.join(choices)}")
        return None
    return value


def _list(
    where: str, entry: dict, name: str, allowed: set[str], problems: list[str]
) -> tuple[str, ...] | None:
    value = entry.get(name)
    if not isinstance(value, list) or not value:
        problems.append(f"{where}: {name}: required, a non-empty list")
        return None
    bad = [v for v in value if not isinstance(v, str) or v not in allowed]
    if bad:
        problems.append(
            f"{where}: {name}: {', '.join(map(str, bad))} not known (known: {', '.join(sorted(allowed))})"
        )
        return None
    return tuple(dict.fromkeys(value))


def _uscc(where: str, entry: dict, name: str, problems: list[str]) -> str | None:
    from creditlake.identifiers import check_uscc

    value = _text(where, entry, name, problems)
    if value is None:
        return None
    check = check_uscc(value)
    if not check.ok:
        problems.append(f"{where}: {name}: {value!r} is not a valid USCC ({check.reason})")
        return None
    return check.value


def _institution(where: str, entry: dict, problems: list[str]) -> Institution | None:
    before = len(problems)
    _unknown(where, entry, INSTITUTION_FIELDS, problems)
    uscc = _uscc(where, entry, "uscc", problems)
    name = _text(where, entry, "name", problems)
    status = _choice(where, entry, "status", STATUSES, problems)
    start = _date(where, entry, "qualified_from", problems)
    end = _date(where, entry, "qualified_to", problems, required=False)
    if start and end and end < start:
        problems.append(f"{where}: qualified_to: {end} is before qualified_from {start}")
    if len(problems) > before:
        return None
    return Institution(uscc, name, status, start, end)


def _licence(
    where: str, entry: dict, institutions: dict, items: set[str], problems: list[str]
) -> Licence | None:
    before = len(problems)
    _unknown(where, entry, LICENCE_FIELDS, problems)
    lic_id = _text(where, entry, "id", problems)
    if lic_id and not LICENCE_ID.match(lic_id):
        problems.append(
            f"{where}: id: {lic_id!r} must be letters, digits, '-' or '_' (it names a share and a folder)"
        )
    inst = _uscc(where, entry, "institution", problems)
    if inst and inst not in institutions:
        problems.append(f"{where}: institution: {inst} is not in institutions.yml")
    catalog_items = _list(where, entry, "catalog_items", items, problems)
    subject_types = _list(where, entry, "subject_types", set(SUBJECT_TYPES), problems)
    purpose = _text(where, entry, "purpose", problems)
    start = _date(where, entry, "valid_from", problems)
    # A signed agreement has a term (jl-draft Art 45, city-2022 Art 53): no open-ended licence.
    end = _date(where, entry, "valid_to", problems)
    if start and end and end < start:
        problems.append(f"{where}: valid_to: {end} is before valid_from {start}")
    delivery = _choice(where, entry, "delivery", DELIVERY_MODES, problems)
    status = _choice(where, entry, "status", STATUSES, problems)
    if len(problems) > before:
        return None
    return Licence(lic_id, inst, catalog_items, subject_types, purpose, start, end, delivery, status)


def _ceilings(doc: dict, path: Path, law: dict, problems: list[str]) -> list[tuple[dict, str]]:
    """The longest terms an authorisation may run, each with where it comes from: the file's own
    `max_term` where it sets one, then the law's (`authorisation_max_term`). The file may shorten
    the law's term, never lengthen it: a longer or unreadable `max_term` is a problem."""
    from creditlake.jurisdiction import rule_source

    law_term = {"value": law["value"], "unit": law["unit"]}
    ceilings = [(law_term, f"authorisation_max_term: {rule_source(law)}")]
    raw = doc.get("max_term") if doc else None
    if raw is None:
        return ceilings
    term = parse_term(raw)
    if term is None:
        problems.append(
            f"{path}: max_term: {raw!r} is not a term: write {{value: <positive whole number>, "
            f"unit: {'|'.join(TERM_UNITS)}}}"
        )
    elif _longer(term, law_term):
        problems.append(
            f"{path}: max_term: {_term_text(term)} is longer than the law allows "
            f"({_term_text(law_term)}, {ceilings[0][1]}): a registry may shorten it, never lengthen it"
        )
    else:
        ceilings.insert(0, (term, f"max_term of {path.name}"))
    return ceilings


def parse_term(raw) -> dict | None:
    """A term as `{value: 6, unit: months}` (or the text "6 months"); None if it is not a
    positive whole number of days, months or years."""
    if isinstance(raw, str) and len(raw.split()) == 2:
        number, unit = raw.split()
        raw = {"value": int(number) if number.isdigit() else number, "unit": unit}
    if not isinstance(raw, dict) or set(raw) != {"value", "unit"}:
        return None
    value, unit = raw["value"], raw["unit"]
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or unit not in TERM_UNITS:
        return None
    return {"value": value, "unit": unit}


def _term_text(term: dict) -> str:
    return f"{term['value']} {term['unit']}"


def _longer(term: dict, than: dict) -> bool:
    try:
        return term_end(TERM_REFERENCE_DAY, term) > term_end(TERM_REFERENCE_DAY, than)
    except (OverflowError, ValueError):  # runs past the calendar: longer than any law's term
        return True


def term_end(start: date, term: dict) -> date:
    """The last day a term starting on `start` may reach (Civil Code Art 201-203 for months and years)."""
    from creditlake.jurisdiction import term_end as law_term_end

    return law_term_end(start, term)


def _beyond(start: date, end: date, term: dict) -> bool:
    """Does `end` fall after the term from `start`? (A term running past the calendar holds any date.)"""
    try:
        return end > term_end(start, term)
    except (OverflowError, ValueError):
        return False


def _authorisation(
    where: str,
    entry: dict,
    institutions: dict,
    items: set[str],
    ceilings: list[tuple[dict, str]],
    end_date: str | None,
    problems: list[str],
) -> Authorisation | None:
    """One authorisation, validated; `end_date`: the rule that requires it to end (`end_date_rule`),
    or None where the profile lets it run until withdrawn."""
    before = len(problems)
    _unknown(where, entry, AUTHORISATION_FIELDS, problems)
    auth_id = _text(where, entry, "id", problems)
    if auth_id and not ENTRY_ID.match(auth_id):
        problems.append(f"{where}: id: {auth_id!r} must be letters, digits, '-' or '_'")
    key = _subject_key(where, entry, problems)
    inst = _uscc(where, entry, "institution", problems)
    if inst and inst not in institutions:
        problems.append(f"{where}: institution: {inst} is not in institutions.yml")
    purpose = _text(where, entry, "purpose", problems)
    scope = _list(where, entry, "scope", items, problems)
    granted = _date(where, entry, "granted_on", problems)
    expires = _expiry(where, entry, granted, ceilings, end_date, problems)
    withdrawn = _date(where, entry, "withdrawn_on", problems, required=False)
    if granted and withdrawn and withdrawn < granted:
        problems.append(f"{where}: withdrawn_on: {withdrawn} is before granted_on {granted}")
    if len(problems) > before:
        return None
    return Authorisation(auth_id, key, inst, purpose, scope, granted, expires, withdrawn)


def _subject_key(where: str, entry: dict, problems: list[str]) -> str | None:
    """The authorising subject: a citizen ID or a USCC, in its normal form."""
    from creditlake.identifiers import check_citizen_id, check_uscc

    key = _text(where, entry, "subject_key", problems)
    if key is None:
        return None
    person, org = check_citizen_id(key), check_uscc(key)
    if person.ok:
        return person.value
    if org.ok:
        return org.value
    problems.append(f"{where}: subject_key: not a valid citizen ID ({person.reason}) or USCC ({org.reason})")
    return key


def _expiry(
    where: str,
    entry: dict,
    granted: date | None,
    ceilings: list[tuple[dict, str]],
    end_date: str | None,
    problems: list[str],
) -> date | None:
    """When an authorisation ends: required, and within every ceiling (`_ceilings`), where
    `end_date` (the rule against "once for life") applies; never before it was granted."""
    if entry.get("expires_on") is None and end_date:
        problems.append(
            f"{where}: expires_on: required — an authorisation without an end date is "
            f"'once for life' ({end_date})"
        )
    expires = _date(where, entry, "expires_on", problems, required=False)
    if not (granted and expires):
        return expires
    if expires < granted:
        problems.append(f"{where}: expires_on: {expires} is before granted_on {granted}")
        return expires
    # the ceiling makes "not once for life" checkable; where the profile allows no end at
    # all, a far end is no worse than none
    beyond = [(term, source) for term, source in ceilings if end_date and _beyond(granted, expires, term)]
    if beyond:
        term, source = beyond[0]
        problems.append(
            f"{where}: expires_on: {expires} is more than {_term_text(term)} after "
            f"granted_on {granted} ({source}; {end_date}: not once for life)"
        )
    return expires
