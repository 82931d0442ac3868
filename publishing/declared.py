"""Which warehouse models leave the platform, and as what: declared once, in each model's dbt
YAML under `config.meta.creditlake`, read here.

* `open_dataset: <name>` on a `publish/` model: opened to the public as that dataset
  (`publishing.open_data`; the public title and description are in `publishing/datasets.yml`);
* `feed: records` / `feed: withdrawals` on the two marts licensed institutions receive
  (`publishing.feeds`).

Adding an open dataset is then a model, its YAML with the meta, and its texts in datasets.yml:
no Python list. Read from the model YAML files of the repository's dbt project, not from a
build's manifest: the declarations are the same whatever target folder a run used, and exist
before anything was built (the feeds' tests use a warehouse written by hand).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from creditlake.settings import DBT_PROJECT_DIR

META_KEY = "creditlake"
FEED_ROLES = ("records", "withdrawals")


class DeclarationError(RuntimeError):
    """The dbt YAML declares the outgoing models ambiguously: fail closed."""


def _model_entries(models_dir: Path) -> Iterator[tuple[Path, dict]]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's: a tenth of the time
    for path in sorted(models_dir.rglob("*.yml")):
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
        for model in document.get("models") or []:
            yield path, model


def declarations(models_dir: Path = DBT_PROJECT_DIR / "models") -> dict[str, dict]:
    """Each model's `meta.creditlake` (under `config:`, or the older top-level `meta:`), with the
    YAML file that declares it under `_yaml`; models without one are left out."""
    found: dict[str, dict] = {}
    for path, model in _model_entries(models_dir):
        meta = ((model.get("config") or {}).get("meta") or {}).get(META_KEY) or (model.get("meta") or {}).get(
            META_KEY
        )
        if meta:
            if model["name"] in found:
                raise DeclarationError(f"{path}: {model['name']} is declared twice")
            found[model["name"]] = dict(meta) | {"_yaml": path}
    return found


def open_models(models_dir: Path = DBT_PROJECT_DIR / "models") -> dict[str, str]:
    """publish model -> open dataset name, in model order. A model without `open_dataset` is not opened."""
    opened = {
        name: meta["open_dataset"]
        for name, meta in declarations(models_dir).items()
        if "open_dataset" in meta
    }
    datasets = list(opened.values())
    twice = sorted({d for d in datasets if datasets.count(d) > 1})
    if twice:
        raise DeclarationError(f"open dataset(s) {twice} declared by more than one model: {opened}")
    return dict(sorted(opened.items()))


def feed_model(role: str, models_dir: Path = DBT_PROJECT_DIR / "models") -> tuple[str, Path]:
    """The one model declared `feed: <role>`, and the YAML file that declares it."""
    if role not in FEED_ROLES:
        raise DeclarationError(f"unknown feed role {role!r} (known: {', '.join(FEED_ROLES)})")
    models = [
        (name, meta["_yaml"]) for name, meta in declarations(models_dir).items() if meta.get("feed") == role
    ]
    if len(models) != 1:
        raise DeclarationError(
            f"{len(models)} models declare `meta.{META_KEY}.feed: {role}` under {models_dir} "
            f"({', '.join(n for n, _ in models) or 'none'}); feeds need exactly one"
        )
    return models[0]
