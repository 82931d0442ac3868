"""Jurisdiction profiles: the law the pipeline runs under, as data (`creditlake/jurisdictions/`).

One YAML file per regulation (`jl-draft`, `city-2022`, `hl-draft`, `gd-draft`, `hl-2022`)
plus `national`, which the others inherit and override. Every rule carries the article it
comes from (`article`), or, where no article of the profile's own text gives the value,
its `basis`: the article it borrows from another text, or `platform policy` and why. An
operator's own profiles live in the folder `CREDITLAKE_PROFILES` names and may inherit the
shipped ones. Loading validates the file and fails with a message naming the file, the key
and the problem.

This module is the one source of the numbers: `Profile.dbt_rules()` is what every dbt
model reads as `var('rules')`, and `publicity_window()` is the same rule in Python.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import yaml

from creditlake.workdays import add_months, add_years

PROFILES_DIR = Path(__file__).parent / "jurisdictions"
CITED = ("article", "basis")  # where a rule's value comes from
UNITS = {"days", "working_days", "months", "years", "long_term"}
NATURE_CLASSES = ("minor", "general", "serious")
AUTHORISATION_TERM_UNITS = ("days", "months", "years")
TOP_LEVEL = {
    "name",
    "title",
    "seed",
    "inherits",
    "periods_by_version",
    "penalty_tiers",
    "basic_publicity",
    "positive_publicity",
    "serious_list_extends_publicity",
    "repair",
    "exclusions",
    "disclosure",
    "deadlines",
    "query_log_retention",
    "authorisation_end_date_required",
    "authorisation_max_term",
    "positive_withheld_on_request",
    "honours_deleted_on_request",
    "long_term_categories",
    "earlier_decisions",
    "period_start",
    "court_list_publicity",
    "serious_list",
    "consent_required_fields",
}
REQUIRED = TOP_LEVEL - {"seed", "inherits"}
# the persons noted on a listed organisation's entry (jl-draft Art 28, hl-2022 Art 33)
LINKED_ROLES = {"legal_representative", "principal", "actual_controller", "directly_responsible"}
# settings whose value is one of a few words (what each means: national.yml)
CHOICES = {
    "earlier_decisions": {"earliest_version", "not_published"},
    "period_start": {"decision_date", "effective_date", "conduct_end"},
    "basic_publicity": {"long_term", "validity", "until_subject_ends"},
    "positive_publicity": {"long_term", "validity"},
    "court_list_publicity": {"until_removed"},  # or a period: {value: 2, unit: years}
}


class ProfileError(ValueError):
    """A profile that cannot be used: the message names the file, the key and the problem."""


@dataclass(frozen=True)
class Profile:
    name: str
    rules: dict
    files: tuple[str, ...] = field(default=())

    def period_table(self) -> list[dict]:
        """The period versions, with one more before the first for older decisions as the
        profile's `earlier_decisions` says, so that every decision falls in a version."""
        versions = sorted(
            self.rules["periods_by_version"], key=lambda v: v["in_force"].get("from") or date.min
        )
        first, start = versions[0], versions[0]["in_force"].get("from")
        if start is None:
            return versions
        rule = self.rules["earlier_decisions"]
        never = {
            "published": False,
            "min": {"value": 0, "unit": "months"},
            "max": {"value": 0, "unit": "months"},
        }
        classes = {
            cls: first[cls] if rule["value"] == "earliest_version" else never for cls in NATURE_CLASSES
        }
        earlier = {
            "version": f"before {first['version']}",
            "in_force": {"from": None, "to": start - timedelta(days=1)},
            "article": rule_source(rule),
            **classes,
        }
        return [earlier, *versions]

    def period_version(self, decision: date) -> dict:
        """The publicity periods in force on a decision date (national rules are versioned)."""
        for version in self.period_table():
            start, end = version["in_force"].get("from"), version["in_force"].get("to")
            if (start is None or decision >= start) and (end is None or decision <= end):
                return version
        raise ProfileError(f"{self.files[-1]}: periods_by_version: no version in force on {decision}")

    def show(self) -> str:
        """Every rule with its article, for `creditlake profiles show NAME`."""
        lines = [f"{self.name}: {self.rules.get('title', '')}", f"  files: {', '.join(self.files)}"]

        def walk(node, path: str) -> None:
            if isinstance(node, dict) and set(CITED) & set(node):
                value = {k: v for k, v in node.items() if k not in CITED}
                lines.append(f"  {path}: {_fmt(value)}  [{rule_source(node)}]")
                return
            if isinstance(node, dict):
                for k, v in node.items():
                    walk(v, f"{path}.{k}" if path else k)
            elif isinstance(node, list):
                for item in node:
                    walk(item, f"{path}[{item.get('version', '')}]" if isinstance(item, dict) else path)

        for key in sorted(self.rules):
            if key not in ("name", "title", "seed", "inherits"):
                walk(self.rules[key], key)
        return "\n".join(lines)

    def dbt_rules(self) -> dict:
        """What the SQL needs, in months and flags: dbt models read exactly this (var('rules'))."""
        r = self.rules

        def months(spec: dict) -> int | None:
            return (
                None
                if spec["unit"] == "long_term"
                else spec["value"] * (12 if spec["unit"] == "years" else 1)
            )

        return {
            "period_versions": [
                {
                    "from": (v["in_force"].get("from") or date(1900, 1, 1)).isoformat(),
                    "to": (v["in_force"].get("to") or date(2999, 12, 31)).isoformat(),
                    "article": v["article"],
                    **{
                        cls: {
                            "published": v[cls]["published"],
                            "min": months(v[cls]["min"]),
                            "max": months(v[cls]["max"]),
                        }
                        for cls in NATURE_CLASSES
                    },
                }
                for v in self.period_table()
            ],
            "earlier_decisions": r["earlier_decisions"]["value"],
            "period_start": r["period_start"]["value"],
            "penalty_tiers": r["penalty_tiers"]["value"],
            "long_term_categories": r["long_term_categories"]["value"],
            "basic_publicity": r["basic_publicity"]["value"],
            "positive_publicity": r["positive_publicity"]["value"],
            "court_list_months": (
                None
                if r["court_list_publicity"]["value"] == "until_removed"
                else months(r["court_list_publicity"])
            ),
            "repair": {
                cls: {
                    "repairable": r["repair"][cls]["repairable"],
                    "wait_months": months(r["repair"][cls]["wait"]),
                }
                for cls in ("general", "serious")
            },
            "never_repairable": r["repair"]["never_repairable"]["value"],
            "serious_list_extends_publicity": r["serious_list_extends_publicity"]["value"],
            "repair_effect": r["repair"]["effect"]["value"],
            # every deadline with the rule behind it; days null = the profile sets none
            "deadlines": {
                name: {
                    "days": rule["value"],
                    "counted_from": rule.get("counted_from", "receipt"),
                    "rule": rule_source(rule),
                }
                for name, rule in r["deadlines"].items()
            },
            # the rule behind each end that is not a period's, as the marts state it
            "end_rules": {
                "court": rule_source(r["court_list_publicity"]),
                "long_term": rule_source(r["long_term_categories"]),
                "basic": f"{r['basic_publicity']['value']}: {rule_source(r['basic_publicity'])}",
                "positive": f"{r['positive_publicity']['value']}: {rule_source(r['positive_publicity'])}",
                "other": "its validity, else until cancelled (gd-draft Art 24(3); platform policy elsewhere)",
            },
            "positive_withheld_on_request": r["positive_withheld_on_request"]["value"],
            "honours_deleted_on_request": r["honours_deleted_on_request"]["value"],
            # 严重失信主体名单: a determination's term where it states none (null: until removed),
            # whether repair removes, who of a listed organisation is noted, and the texts the
            # list states where the entry's source gives none
            "serious_list": {
                "default_term_months": months(r["serious_list"]["default_term"]),
                "term_rule": rule_source(r["serious_list"]["default_term"]),
                "repair_removes": r["serious_list"]["repair_removes"]["value"],
                "linked_roles": r["serious_list"]["linked_roles"]["value"],
                **{
                    text: {basis: rule["value"] for basis, rule in r["serious_list"][text].items()}
                    for text in ("removal_conditions", "remedies")
                },
            },
        }


def rule_source(node: dict) -> str:
    """Where a rule's value comes from, as `show` prints it."""
    parts = [node["article"]] if node.get("article") else []
    return "; ".join(parts + ([f"basis: {node['basis']}"] if node.get("basis") else []))


def rule_keys(rules: dict) -> list[str]:
    """Every setting a profile holds, as a dotted path: what `show` prints, one line or one
    field of a line each (`repair.general.wait`, `penalty_tiers.minor_fine_wan`)."""
    keys: list[str] = []

    def walk(node, path: str) -> None:
        if isinstance(node, dict) and set(CITED) & set(node):
            fields = {k: v for k, v in node.items() if k not in (*CITED, "unit")}
            if set(fields) == {"value"} and isinstance(fields["value"], dict):
                keys.extend(f"{path}.{k}" for k in fields["value"])
            elif set(fields) == {"value"}:
                keys.append(path)
            else:
                keys.extend(f"{path}.{k}" for k in fields)
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            keys.append(path)  # a table (periods_by_version) is one setting

    for key, node in rules.items():
        if key not in ("name", "title", "seed", "inherits"):
            walk(node, key)
    return sorted(keys)


def _fmt(value: dict) -> str:
    if set(value) == {"value"}:
        return str(value["value"])
    if set(value) == {"value", "unit"}:
        return f"{value['value']} {value['unit']}"
    return ", ".join(f"{k}={_fmt(v) if isinstance(v, dict) else v}" for k, v in value.items())


def _folders(directory: Path | None) -> list[Path]:
    """Where profiles are found: the given folder, else the operator's (CREDITLAKE_PROFILES)
    before the shipped ones."""
    if directory is not None:
        return [directory]
    own = os.environ.get("CREDITLAKE_PROFILES")
    return [Path(own), PROFILES_DIR] if own else [PROFILES_DIR]


def profile_names(directory: Path | None = None) -> list[str]:
    return sorted({p.stem for folder in _folders(directory) for p in folder.glob("*.yml")})


def load_profile(name: str, directory: Path | None = None) -> Profile:
    return _load(name, tuple(_folders(directory)))


@cache
def _load(name: str, folders: tuple[Path, ...]) -> Profile:
    path = next((f / f"{name}.yml" for f in folders if (f / f"{name}.yml").exists()), None)
    if path is None:
        names = sorted({p.stem for f in folders for p in f.glob("*.yml")})
        raise ProfileError(f"no profile {name!r}: choose one of {', '.join(names)}")
    own = _read(path)
    files: tuple[str, ...] = (str(path),)
    rules = own
    if own.get("inherits"):
        parent = _load(own["inherits"], folders)
        rules, files = _merge(copy.deepcopy(parent.rules), own), parent.files + files
    _validate(rules, str(path))
    return Profile(name=name, rules=rules, files=files)


load_profile.cache_clear = _load.cache_clear  # for whoever rewrites a profile file in place


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ProfileError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: a profile is a mapping of rules")
    unknown = set(data) - TOP_LEVEL
    if unknown:
        raise ProfileError(
            f"{path}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(TOP_LEVEL))})"
        )
    return data


def _merge(base: dict, override: dict) -> dict:
    """A child's rule replaces the parent's at the deepest mapping it sets (lists replace)."""
    for key, value in override.items():
        if (
            isinstance(value, dict)
            and isinstance(base.get(key), dict)
            and not {"article", "value"} & set(value)
        ):
            base[key] = _merge(base[key], value)
        else:
            base[key] = value
    return base


def _validate(rules: dict, file: str) -> None:
    """Every check on a merged profile, in order; the first problem raises `ProfileError`."""
    for check in _PROFILE_CHECKS:
        check(rules, file)


def _check_required(rules: dict, file: str) -> None:
    missing = REQUIRED - set(rules)
    if missing:
        raise ProfileError(f"{file}: missing key {sorted(missing)[0]!r} (and it inherits no value for it)")


def _check_citations(rules: dict, file: str) -> None:
    """Every rule with a value cites its article (or gives its basis), at any depth."""
    for key, node in rules.items():
        if key in ("name", "title", "seed", "inherits"):
            continue
        if isinstance(node, dict) and "value" in node and not set(CITED) & set(node):
            raise ProfileError(f"{file}: {key}: no article cited (or basis given)")
        _check_node(node, key, file)


def _check_node(node, path: str, file: str, cited: bool = False) -> None:
    """One node of a rule and everything under it: known units, cited values, no empty citation."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _check_node(item, f"{path}[{i}]", file, cited)
        return
    if not isinstance(node, dict):
        return
    if "unit" in node and node["unit"] not in UNITS:
        raise ProfileError(f"{file}: {path}: unit {node['unit']!r} is not one of {sorted(UNITS)}")
    cited = cited or bool(set(CITED) & set(node))
    if "value" in node and not cited and path.count(".") <= 1 and not path.startswith("periods"):
        raise ProfileError(f"{file}: {path}: no article cited (or basis given)")
    for source in CITED:
        if source in node and not str(node[source]).strip():
            raise ProfileError(f"{file}: {path}: the {source} is empty")
    for k, v in node.items():
        _check_node(v, f"{path}.{k}", file, cited)


def _check_choices(rules: dict, file: str) -> None:
    for key, allowed in CHOICES.items():
        node = rules[key]
        if node["value"] not in allowed and not (key == "court_list_publicity" and "unit" in node):
            raise ProfileError(f"{file}: {key}: {node['value']!r} is not one of {sorted(allowed)}")


def _check_serious_list(rules: dict, file: str) -> None:
    roles = set(rules["serious_list"]["linked_roles"]["value"]) - LINKED_ROLES
    if roles:
        raise ProfileError(
            f"{file}: serious_list.linked_roles: {sorted(roles)} not among {sorted(LINKED_ROLES)}"
        )
    _as_months(rules["serious_list"]["default_term"], f"{file}: serious_list.default_term")


def _check_units(rules: dict, file: str) -> None:
    """Each value in a unit it is counted in: a deadline in working days on the official
    calendar (creditlake.workdays), a repair's wait and a court list's period in months or years
    (Civil Code Art 201-203). Any other unit would be read as one of these, silently."""
    for name, rule in rules["deadlines"].items():
        if rule.get("unit", "working_days") != "working_days":
            raise ProfileError(f"{file}: deadlines.{name}: deadlines are in working days, not {rule['unit']}")
    waits = [(f"repair.{cls}.wait", rules["repair"][cls]["wait"]) for cls in ("general", "serious")]
    court = rules["court_list_publicity"]
    for where, spec in waits + ([("court_list_publicity", court)] if "unit" in court else []):
        if _as_months(spec, f"{file}: {where}") is None:
            raise ProfileError(f"{file}: {where}: a period in months or years, not long_term")


def _check_group_citations(rules: dict, file: str) -> None:
    """Each entry of the grouped rules cites its own article: the group as a whole cites none."""
    for group in ("repair", "deadlines", "exclusions", "disclosure"):
        for sub, node in rules[group].items():
            if not isinstance(node, dict) or not any(str(node.get(s, "")).strip() for s in CITED):
                raise ProfileError(f"{file}: {group}.{sub}: no article cited (or basis given)")


def _check_periods_by_version(rules: dict, file: str) -> None:
    for i, version in enumerate(rules["periods_by_version"]):
        where = f"periods_by_version[{i}]"
        if not str(version.get("article", "")).strip():
            raise ProfileError(f"{file}: {where}: no article cited")
        _check_in_force(version, f"{file}: {where}")
        for cls in NATURE_CLASSES:
            _check_period(version, cls, file, where)


def _check_in_force(version: dict, where: str) -> None:
    for bound in ("from", "to"):
        value = version.get("in_force", {}).get(bound)
        if value is not None and not isinstance(value, date):
            raise ProfileError(f"{where}.in_force.{bound}: {value!r} is not a YYYY-MM-DD date")


def _check_period(version: dict, cls: str, file: str, where: str) -> None:
    """One nature class's publicity period in one version: present, and min no longer than max."""
    if cls not in version:
        raise ProfileError(f"{file}: {where}: no periods for nature class {cls!r}")
    lo, hi = (_as_months(version[cls][b], f"{file}: {where}.{cls}.{b}") for b in ("min", "max"))
    if hi is not None and lo is not None and lo > hi:
        raise ProfileError(f"{file}: {where}.{cls}: min ({lo} months) is longer than max ({hi} months)")


def _check_authorisation_max_term(rules: dict, file: str) -> None:
    """The longest term an authorisation may run (where it must end): a positive whole number of
    days, months or years that a date can reach."""
    term = rules["authorisation_max_term"]
    value, unit = term.get("value"), term.get("unit")
    if unit not in AUTHORISATION_TERM_UNITS or isinstance(value, bool) or not isinstance(value, int):
        raise ProfileError(
            f"{file}: authorisation_max_term: needs a whole value and a unit of "
            f"{', '.join(AUTHORISATION_TERM_UNITS)} (got {value!r} {unit!r})"
        )
    if value <= 0:
        raise ProfileError(f"{file}: authorisation_max_term: {value} {unit} is not a positive term")
    try:
        term_end(date(2000, 1, 1), term)
    except (OverflowError, ValueError):
        raise ProfileError(f"{file}: authorisation_max_term: {value} {unit} runs past any date") from None


def term_end(start: date, term: dict) -> date:
    """The last day a term of days, months or years starting on `start` reaches (Civil Code
    Arts 201-203: months and years end on the same-numbered day). Raises OverflowError or
    ValueError past the calendar's end."""
    if term["unit"] == "days":
        return start + timedelta(days=term["value"])
    return add_months(start, term["value"] * (12 if term["unit"] == "years" else 1))


# In order: the first problem found is the one reported.
_PROFILE_CHECKS = (
    _check_required,
    _check_citations,
    _check_choices,
    _check_serious_list,
    _check_authorisation_max_term,
    _check_group_citations,
    _check_units,
    _check_periods_by_version,
)


def _as_months(spec, where: str) -> int | None:
    if not isinstance(spec, dict) or "value" not in spec or "unit" not in spec:
        raise ProfileError(f"{where}: needs value and unit")
    if spec["unit"] not in UNITS:
        raise ProfileError(f"{where}: unit {spec['unit']!r} is not one of {sorted(UNITS)}")
    if spec["unit"] == "long_term":
        return None
    if spec["unit"] not in ("months", "years"):
        raise ProfileError(f"{where}: publicity periods are in months or years, not {spec['unit']}")
    return spec["value"] * (12 if spec["unit"] == "years" else 1)


# ---------------------------------------------------------------------------------------
# The publicity window of one record (公示期限), with the rule that decided each date.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    published: bool
    published_from: date
    earliest_end: date | None
    latest_end: date | None  # last day of publicity; None = long-term / until removed
    earliest_repair: date | None
    repairable: bool
    decided_by: dict[str, str]


def _add(d: date, spec: dict) -> date:
    """Civil Code Art 201-203: a period of months or years ends on the same-numbered day."""
    return add_years(d, spec["value"]) if spec["unit"] == "years" else add_months(d, spec["value"])


def publicity_window(
    profile: Profile,
    *,
    nature_class: str,
    decision_date: date,
    dataset: str = "penalties",
    on_serious_list: bool = False,
    starts_on: date | None = None,
    valid_to: date | None = None,
) -> Window:
    """The window of one record. `starts_on`: the day its period runs from when the profile's
    `period_start` picks another date than the decision (effective date, end of the conduct);
    `valid_to`: the record's own validity (licences, honours)."""
    r = profile.rules
    if dataset == "court_dishonest":
        rule = r["court_list_publicity"]
        latest = None if rule["value"] == "until_removed" else _add(decision_date, rule)
        return Window(True, decision_date, None, latest, None, False, {"latest_end": rule_source(rule)})
    if nature_class in ("basic", "positive"):
        rule = r[f"{nature_class}_publicity"]
        latest = (
            valid_to if rule["value"] == "validity" and valid_to and valid_to < date(2099, 12, 31) else None
        )
        return Window(
            True,
            decision_date,
            None,
            latest,
            None,
            False,
            {"latest_end": f"{rule['value']} ({rule_source(rule)})"},
        )
    version = profile.period_version(decision_date)
    period = version[nature_class]
    start = starts_on or decision_date
    repair = r["repair"].get(nature_class, r["repair"]["general"])
    extended = on_serious_list and r["serious_list_extends_publicity"]["value"]
    return Window(
        published=period["published"],
        published_from=decision_date,
        earliest_end=_add(start, period["min"]),
        latest_end=None if extended else _add(start, period["max"]),
        earliest_repair=_add(decision_date, repair["wait"]) if repair["repairable"] else None,
        repairable=bool(repair["repairable"]),
        decided_by={
            "published": f"{version['version']} ({version['article']})",
            "latest_end": (
                f"extended while on the serious list ({rule_source(r['serious_list_extends_publicity'])})"
                if extended
                else f"{period['max']['value']} {period['max']['unit']} ({version['article']})"
            ),
            "earliest_repair": repair["article"],
        },
    )
