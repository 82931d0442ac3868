"""Per-provider column maps: an agency's own column names (and the values its files leave out)
mapped to a layout, as the operator's configuration, outside the product's code.

The layouts (`creditlake/layouts/*.yml`) know the national templates' names and a few
aliases. An agency whose system names its columns otherwise (当事人名称 for 行政相对人名称)
gets a map in the folder `CREDITLAKE_COLUMN_MAPS` names, one YAML file per provider:

    dataset: penalties
    provider: 长春市市场监督管理局        # for the operator; not matched
    files: ["长春市监*"]                  # optional: file names (globs) it applies to
    columns:                             # the provider's name: the layout's field (code or 中文名)
      当事人名称: 行政相对人名称
      处罚决定书文号: CF_WSH
    fixed:                               # optional: a value for a field the files leave out
      数据来源单位: 长春市市场监督管理局
    records_path: data.list              # optional, JSON: where the records are

A map applies to a file of its dataset whose name matches `files` (when given) and whose
header has at least half of the map's columns; among several, the one naming most of the
header. `creditlake layouts suggest FILE --dataset D` proposes a map for a refused file.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from creditlake.readers import header_key


class ColumnMapError(ValueError):
    """A map the operator must fix: names the file and the key."""


@dataclass(frozen=True)
class ColumnMap:
    name: str  # the file it came from
    dataset: str
    columns: dict[str, str]  # header_key of the provider's name -> layout field code
    fixed: dict[str, str] = field(default_factory=dict)  # field code -> value
    files: tuple[str, ...] = ()
    records_path: str | None = None

    def names(self, file_name: str) -> bool:
        """Whether its `files` take this file (a map without `files` takes any)."""
        return not self.files or any(fnmatch.fnmatch(file_name, pattern) for pattern in self.files)

    def matches(self, file_name: str, header: list[str]) -> int:
        """How many of the header's columns it maps (0: it does not apply to this file)."""
        if not self.names(file_name):
            return 0
        found = len({header_key(h) for h in header} & set(self.columns))
        return found if self.columns and found * 2 >= len(self.columns) else 0


def folder() -> Path | None:
    own = os.environ.get("CREDITLAKE_COLUMN_MAPS")
    return Path(own) if own else None


def load_maps(dataset: str, header_map: dict[str, str]) -> list[ColumnMap]:
    """The maps for `dataset`, checked against its layout (`header_map`: header_key -> code)."""
    root = folder()
    if root is None or not root.is_dir():
        return []
    paths = sorted(root.glob("*.yml")) + sorted(root.glob("*.yaml"))
    return [_load(path, header_map) for path in paths if _document(path).get("dataset") == dataset]


def check_all(layouts: dict[str, dict]) -> list[str]:
    """Every problem of every map in the folder, for `creditlake run` to refuse to start on."""
    root = folder()
    if root is None:
        return []
    if not root.is_dir():
        return [f"CREDITLAKE_COLUMN_MAPS: {root} is not a folder"]
    problems = []
    for path in sorted(root.glob("*.yml")) + sorted(root.glob("*.yaml")):
        try:
            dataset = _document(path).get("dataset")
            if dataset not in layouts:
                raise ColumnMapError(f"{path}: dataset: {dataset!r} is none of {', '.join(sorted(layouts))}")
            _load(path, layouts[dataset]["header_map"])
        except ColumnMapError as err:
            problems.append(str(err))
    return problems


def _document(path: Path) -> dict:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ColumnMapError(f"{path}: not readable YAML ({err})") from err
    if not isinstance(document, dict):
        raise ColumnMapError(f"{path}: expected a mapping with dataset and columns")
    return document


def _load(path: Path, header_map: dict[str, str]) -> ColumnMap:
    document = _document(path)

    def field_code(key: str, name) -> str:
        code = header_map.get(header_key(str(name)))
        if code is None:
            raise ColumnMapError(
                f"{path}: {key}: {name!r} is no field of the {document.get('dataset')} layout"
            )
        return code

    columns = document.get("columns") or {}
    fixed = document.get("fixed") or {}
    files = document.get("files") or []
    if not isinstance(columns, dict) or not isinstance(fixed, dict) or not isinstance(files, list):
        raise ColumnMapError(f"{path}: columns and fixed are mappings, files a list")
    return ColumnMap(
        name=path.name,
        dataset=str(document.get("dataset")),
        columns={header_key(str(k)): field_code(f"columns.{k}", v) for k, v in columns.items()},
        fixed={field_code(f"fixed.{k}", k): str(v) for k, v in fixed.items()},
        files=tuple(str(f) for f in files),
        records_path=document.get("records_path"),
    )


def for_file(maps: list[ColumnMap], file_name: str, header: list[str]) -> ColumnMap | None:
    """The map that applies to a file, by its name and header; None when none does."""
    scored = [(m.matches(file_name, header), m) for m in maps]
    best = max(scored, key=lambda pair: pair[0], default=(0, None))
    return best[1] if best[0] else None


# --- proposing a map ----------------------------------------------------------------------------

SAMPLE = 200  # values per column looked at


def suggest(name: str, data, dataset: str) -> str:
    """A column map for a file (`name`, its bytes) of `dataset`, as YAML for the operator to
    review and save: each column the layout does not know paired with the field it most likely
    is, by its name (character overlap with the field's names and aliases) and by what its
    values look like (codes that pass the USCC check, dates, amounts, enumerated values)."""
    from creditlake import landing
    from creditlake.readers import known_names, read_extract

    spec = landing.layout(dataset)
    extract = read_extract(name, data, known_names(spec["header_map"]))
    table = extract.table
    known = {
        h: spec["header_map"][header_key(h)]
        for h in table.column_names
        if header_key(h) in spec["header_map"]
    }
    free = [f for f in spec["fields"] if f["code"] not in known.values()]
    scored = sorted(
        (
            (_name_score(column, f) + _value_score(table.column(column), f), column, f)
            for column in table.column_names
            if column not in known and header_key(column)
            for f in free
        ),
        key=lambda t: -t[0],
    )
    chosen: dict[str, tuple[float, dict]] = {}
    for score, column, f in scored:
        if score >= 0.5 and column not in chosen and f["code"] not in {c["code"] for _, c in chosen.values()}:
            chosen[column] = (score, f)
    return _as_yaml(name, dataset, spec, table.column_names, known, chosen)


def _name_score(column: str, f: dict) -> float:
    """How much of the column's name the field's best name shares, in order (0-1)."""
    from difflib import SequenceMatcher

    ours = header_key(column)
    return max(SequenceMatcher(None, ours, header_key(n)).ratio() for n in [f["zh"], *f.get("aliases", [])])


def _value_score(column, f: dict) -> float:
    """0-0.5: how well a sample of the column's values fits the field's kind."""
    from creditlake.identifiers import check_citizen_id, check_uscc
    from creditlake.landing import parse_date

    values = [v.strip() for v in column.slice(0, SAMPLE).to_pylist() if v and v.strip()]
    if not values:
        return 0.0
    fits = {
        "uscc": lambda v: check_uscc(v).ok,
        "person_id": lambda v: check_citizen_id(v).ok,
        "date": lambda v: parse_date(v) is not None,
        "amount_wan": lambda v: v.replace(".", "", 1).isdigit(),
        "enum": lambda v: v in {str(x) for x in f.get("values", [])},
        # an organisation's or a person's name: short, no digits
        "name": lambda v: 2 <= len(v) <= 40 and not any(c.isdigit() for c in v),
    }.get(f["kind"])
    if fits is None:
        return 0.0
    return 0.5 * sum(map(fits, values)) / len(values)


def _as_yaml(name, dataset, spec, header, known, chosen) -> str:
    lines = [
        f"# A column map proposed by `creditlake layouts suggest` for {name}: review every line,",
        "# then save it in the folder CREDITLAKE_COLUMN_MAPS names (one file per provider).",
        f"dataset: {dataset}",
        "provider: ''  # who sends these files (for the operator)",
        f"files: [{_yaml_text(name)}]  # the file names it applies to (globs); remove to apply by header alone",
        "columns:",
    ]
    zh = {f["code"]: f["zh"] for f in spec["fields"]}
    for column, (score, f) in chosen.items():
        lines.append(f"  {_yaml_text(column)}: {_yaml_text(f['zh'])}  # {f['code']}, score {score:.2f}")
    unmatched = [h for h in header if h not in known and h not in chosen and header_key(h)]
    if unmatched:
        lines.append("# not matched (landed as ignored columns unless mapped): " + ", ".join(unmatched))
    given = set(known.values()) | {f["code"] for _, f in chosen.values()}
    missing = [f for f in spec["fields"] if f.get("required") and f["code"] not in given]
    lines.append(
        "fixed: {}"
        if not missing
        else "fixed:  # required fields no column gives: map one, or give the value"
    )
    lines += [f"  # {zh[f['code']]}: ...  # {f['code']}" for f in missing]
    return "\n".join(lines) + "\n"


def _yaml_text(text: str) -> str:
    """A YAML scalar that stays the text it is (quoted JSON is valid YAML)."""
    import json

    return json.dumps(text, ensure_ascii=False)
