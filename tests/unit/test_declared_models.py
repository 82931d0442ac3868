"""The models that leave the platform are declared in their dbt YAML (`config.meta.creditlake`),
not in Python lists: open datasets (`open_dataset`) and the feeds' two models (`feed`)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from creditlake.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from publishing import declared

MODELS = DBT_PROJECT_DIR / "models"
CREDITLAKE = str(Path(sys.executable).parent / "creditlake")


def test_every_publish_model_opens_one_dataset_with_public_texts():
    opened = declared.open_models()
    assert opened == {
        "pub_open__court_dishonest": "court_dishonest",
        "pub_open__licenses": "licenses",
        "pub_open__penalties": "penalties",
    }
    # every model of the publish layer declares its dataset; each dataset has its public texts
    assert set(opened) == {p.stem for p in (MODELS / "publish").glob("pub_open__*.sql")}
    texts = yaml.safe_load((PROJECT_ROOT / "publishing" / "datasets.yml").read_text(encoding="utf-8"))
    assert set(opened.values()) <= set(texts["datasets"])


def test_the_feeds_read_the_models_declared_for_them():
    assert declared.feed_model("records") == (
        "fct_shareable_records",
        MODELS / "marts" / "fct_shareable_records.yml",
    )
    assert declared.feed_model("withdrawals") == ("fct_withdrawals", MODELS / "marts" / "fct_withdrawals.yml")


def _model_yaml(folder: Path, name: str, meta: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    body = {"version": 2, "models": [{"name": name, "config": {"meta": {"creditlake": meta}}}]}
    (folder / f"{name}.yml").write_text(yaml.safe_dump(body), encoding="utf-8")


def test_a_new_open_dataset_needs_only_its_model_yaml(tmp_path):
    models = tmp_path / "models"
    shutil.copytree(MODELS, models)
    _model_yaml(models / "publish", "pub_open__honours", {"open_dataset": "honours"})
    assert declared.open_models(models)["pub_open__honours"] == "honours"
    assert "pub_open__honours" not in declared.open_models()  # the repository's own are untouched


def test_ambiguous_declarations_fail_closed(tmp_path):
    models = tmp_path / "models"
    _model_yaml(models, "pub_a", {"open_dataset": "penalties"})
    _model_yaml(models, "pub_b", {"open_dataset": "penalties"})
    with pytest.raises(declared.DeclarationError, match="more than one model"):
        declared.open_models(models)
    with pytest.raises(declared.DeclarationError, match="feeds need exactly one"):
        declared.feed_model("records", models)
    _model_yaml(models, "fct_a", {"feed": "records"})
    _model_yaml(models, "fct_b", {"feed": "records"})
    with pytest.raises(declared.DeclarationError, match="2 models declare"):
        declared.feed_model("records", models)
    with pytest.raises(declared.DeclarationError, match="unknown feed role"):
        declared.feed_model("mailing_list")


def test_dbt_sees_the_same_declarations(tmp_path):
    """What Python reads from the YAML files is what dbt puts in the manifest (`dbt parse`)."""
    lake = tmp_path / "lake"
    proc = subprocess.run(
        [CREDITLAKE, "dbt", "--lake", str(lake), "--as-of", "2026-11-22", "--", "parse"],
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = json.loads((lake / "warehouse" / "dbt_target" / "manifest.json").read_text(encoding="utf-8"))
    in_manifest = {
        node["name"]: node["config"]["meta"]["creditlake"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "creditlake" in node["config"].get("meta", {})
    }
    from_yaml = {
        name: {k: v for k, v in meta.items() if k != "_yaml"}
        for name, meta in declared.declarations().items()
    }
    assert in_manifest == from_yaml
