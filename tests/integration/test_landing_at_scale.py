"""A large generated run, every dataset and event in every format: every row of every file is
accounted for (loaded, quarantined or excluded) with the fate and reason the generator
planted, the raw gate passes, and landing it all again loads nothing twice."""

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from creditlake import landing, pipeline
from creditlake.settings import RunConfig
from creditlake.synthetic import DATASETS, generate

AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale")
    generate(root / "landing", penalties=20_000, as_of=AS_OF, seed=5)
    cfg = RunConfig(landing=root / "landing", lake=root / "lake", as_of=AS_OF)
    landing.ensure_raw_schema(cfg)
    gated = pipeline.validate_raw(
        cfg.to_conf(), [pipeline.land(cfg.to_conf(), f) for f in landing.discover(cfg)]
    )
    truth = json.loads((cfg.landing / "truth.json").read_text(encoding="utf-8"))
    return cfg, gated, truth


def fates_in_lake(cfg: RunConfig) -> dict[str, tuple[str, str | None]]:
    """'file:row' -> (fate, reason), from what the lake holds."""
    fates = {}
    for fate, root in (
        ("loaded", cfg.raw_root),
        ("quarantined", cfg.quarantine_root),
        ("excluded", cfg.lake / "excluded"),
    ):
        for path in root.glob("*/*.parquet"):
            if path.stem == "_schema" or path.parent.name == "_pending":
                continue
            frame = pd.read_parquet(
                path, columns=["_source_file", "_source_row"] + (["_reason_code"] if fate != "loaded" else [])
            )
            reasons = frame["_reason_code"] if fate != "loaded" else [None] * len(frame)
            for file, row, reason in zip(frame["_source_file"], frame["_source_row"], reasons, strict=True):
                fates[f"{Path(file).name}:{row}"] = (fate, reason)
    return fates


def test_every_file_accounts_for_every_row_with_its_planted_reason(run):
    cfg, gated, truth = run
    assert {g["dataset"] for g in gated} == set(DATASETS) and len(gated) >= 5 * len(DATASETS)
    assert sum(g["rows_in"] for g in gated) > 30_000
    for g in gated:
        want = truth["files"][Path(g["path"]).name]
        assert g["rows_in"] == g["loaded"] + g["quarantined"] + g["excluded"], g["path"]
        assert (g["status"], g["rows_in"], g["loaded"], g["quarantined"], g["excluded"], g["reasons"]) == (
            "landed",
            want["rows_in"],
            want["loaded"],
            want["quarantined"],
            want["excluded"],
            want["reasons"],
        ), g["path"]
        assert g["gate"]["success"], g["gate"]["failures"]


def test_each_row_is_where_its_fate_says(run):
    cfg, _, truth = run
    expected = {k: (v["fate"], v["reason"]) for k, v in truth["expected"].items()}
    # a row the CSV parser could not split has no row number of its own (-1, its line in truth)
    held = {k: v for k, v in fates_in_lake(cfg).items() if not k.endswith(":-1")}
    assert held == {k: v for k, v in expected.items() if not k.endswith(":-1")}


def test_landing_the_same_files_again_loads_nothing_twice(run):
    cfg, first, _ = run
    before = sum(len(pd.read_parquet(p, columns=["_source_row"])) for p in cfg.raw_root.glob("*/*.parquet"))
    again = pipeline.validate_raw(
        cfg.to_conf(), [pipeline.land(cfg.to_conf(), f) for f in landing.discover(cfg)]
    )
    assert {g["status"] for g in again} == {"already_landed"}
    assert [(g["loaded"], g["quarantined"], g["excluded"], g["reasons"]) for g in again] == [
        (g["loaded"], g["quarantined"], g["excluded"], g["reasons"]) for g in first
    ]
    assert (
        sum(len(pd.read_parquet(p, columns=["_source_row"])) for p in cfg.raw_root.glob("*/*.parquet"))
        == before
    )
