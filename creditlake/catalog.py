"""The public credit information catalog (公共信用信息目录), as data: `catalog.yml`.

A record maps to the catalog item of its dataset when its subject type is one the item
covers; a record that maps to no item is never loaded (docs/law.md#subjects-and-the-catalog), it is quarantined
with `no_catalog_item`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

FIELDS = {"title", "category", "dataset", "subject_types"}


@cache
def catalog(path: Path = Path(__file__).parent / "catalog.yml") -> dict[str, dict]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    for name, item in items.items():
        missing = FIELDS - set(item)
        if missing:
            raise ValueError(f"{path}: item {name}: missing {', '.join(sorted(missing))}")
    return items


def item_for(dataset: str) -> tuple[str, dict] | None:
    """The catalog item a landing dataset's records belong to (None: not in the catalog)."""
    return next(((name, item) for name, item in catalog().items() if item["dataset"] == dataset), None)
