"""Great Expectations at the edges: suites on what comes in and on what goes out.

Suites are declared in `expectations/<suite>.json` (type, kwargs, and why). They run on
pandas DataFrames through GX Core 1.x's pandas datasource (its SQL datasource is broken
on DuckDB: shared/STACK.md). Each run's result is kept as JSON beside the batch and in
the HTML data docs under `reports/gx/`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from creditlake.settings import EXPECTATIONS_DIR, RunConfig, safe_name

# GX would otherwise try to send usage statistics; this machine has no internet, and a
# public-sector platform does not phone home.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@dataclass(frozen=True)
class GateResult:
    suite: str
    batch: str
    success: bool
    failures: list[str]  # one line per failed expectation, for the operator and the provider
    result_path: str
    data_docs: str

    def as_dict(self) -> dict:
        return self.__dict__.copy()


@cache
def load_suite_spec(name: str) -> dict:
    path = EXPECTATIONS_DIR / f"{name}.json"
    spec = json.loads(path.read_text(encoding="utf-8"))
    for i, exp in enumerate(spec["expectations"]):
        if "type" not in exp or "kwargs" not in exp:
            raise ValueError(f"{path}: expectation {i} needs 'type' and 'kwargs'")
    return spec


def suite_columns(name: str) -> list[str]:
    """The columns a suite reads: only these are loaded for it (batches can be millions of rows)."""
    spec = load_suite_spec(name)
    return sorted({e["kwargs"]["column"] for e in spec["expectations"] if "column" in e["kwargs"]})


def _context(cfg: RunConfig):
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=str(cfg.reports_root))
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    return context


def run_suite(cfg: RunConfig, name: str, frame, batch: str) -> GateResult:
    """Validate `frame` against suite `name`; keep the result JSON and update the data docs."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    spec = load_suite_spec(name)
    context = _context(cfg)
    source = context.data_sources.add_or_update_pandas("creditlake")
    asset = next((a for a in source.assets if a.name == name), None) or source.add_dataframe_asset(name)
    batch_definition = next(
        (b for b in asset.batch_definitions if b.name == "whole"), None
    ) or asset.add_batch_definition_whole_dataframe("whole")

    suite = gx.ExpectationSuite(name=name, meta={"doc": spec.get("doc", "")})
    for exp in spec["expectations"]:
        suite.add_expectation_configuration(
            ExpectationConfiguration(type=exp["type"], kwargs=exp["kwargs"], meta={"why": exp.get("why", "")})
        )
    suite = context.suites.add_or_update(suite)
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=name,
            validation_definitions=[validation],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
            result_format="SUMMARY",
        )
    )
    outcome = checkpoint.run(batch_parameters={"dataframe": frame})
    result = next(iter(outcome.run_results.values())).to_json_dict()

    failures = []
    for r in result["results"]:
        if not r["success"]:
            cfg_ = r["expectation_config"]
            column = cfg_["kwargs"].get("column", "table")
            detail = r.get("result", {})
            unexpected = detail.get("unexpected_count")
            sample = detail.get("partial_unexpected_list", [])[:3]
            error = (r.get("exception_info") or {}).get("exception_message")
            failures.append(
                f"{cfg_['type']} on {column}: "
                + (f"{unexpected} unexpected, e.g. {sample}" if unexpected is not None else str(error or detail))
            )

    out = cfg.reports_root / "gx_results" / safe_name(batch) / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    docs = Path(cfg.reports_root) / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return GateResult(name, batch, bool(result["success"]), failures, str(out), str(docs))
