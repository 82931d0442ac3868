"""Great Expectations at the edges: suites on what comes in and on what goes out.

Suites are declared in `expectations/<suite>.json` (type, kwargs, and why); the personal data
no publish suite lets through is written once, in `expectations/_personal_patterns.json`. They
run on pandas DataFrames through GX Core 1.x's pandas datasource (its SQL datasource is broken
on DuckDB: docs/stack.md#traps-and-what-the-project-does-about-each). Each run's result is kept as JSON beside the batch and in
the HTML data docs under `reports/gx/`.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import types
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from creditlake.settings import EXPECTATIONS_DIR, RunConfig, safe_name

# GX would otherwise try to send usage statistics; this machine has no internet, and a
# public-sector platform does not phone home.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
# GX logs its own bookkeeping at INFO (hundreds of "Skipping registering function..." lines at
# import, "Saving 1 Fluent Datasources..." per suite): in a task's log they were a third of the
# run's lines. Its warnings and errors still show.
logging.getLogger("great_expectations").setLevel(logging.WARNING)


class _Deferred(types.ModuleType):
    """Stands in for a module until something reads from it; then the real one is imported."""

    def __getattr__(self, attr: str):
        module = sys.modules.get(self.__name__)
        if module is None or module is self:
            sys.modules.pop(self.__name__, None)
            module = importlib.import_module(self.__name__)
        return getattr(module, attr)


def _import_gx():
    """`great_expectations`, without importing scipy.stats and altair until they are used.

    GX imports both at module level for one expectation (the KL divergence and its chart)
    that no suite here uses: about 500 modules, and 1.5 s or more of every gating process's import.
    Deferred, they cost nothing; code that does use them gets the real module at first touch.
    """
    for name in ("scipy.stats", "altair"):
        if name not in sys.modules:
            parent, _, child = name.rpartition(".")
            sys.modules[name] = stand_in = _Deferred(name)
            if parent:
                setattr(importlib.import_module(parent), child, stand_in)
    import great_expectations

    return great_expectations


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


PERSONAL_PATTERNS_FILE = "_personal_patterns.json"


@cache
def personal_patterns() -> list[dict]:
    """The personal data no published free text may carry (`expectations/_personal_patterns.json`):
    each pattern's name, regex and why, written once for every publish suite."""
    path = EXPECTATIONS_DIR / PERSONAL_PATTERNS_FILE
    patterns = json.loads(path.read_text(encoding="utf-8"))["patterns"]
    for i, pattern in enumerate(patterns):
        if set(pattern) != {"name", "regex", "why"}:
            raise ValueError(f"{path}: pattern {i} needs exactly 'name', 'regex' and 'why'")
    return patterns


def _no_personal_data_in(column: str) -> list[dict]:
    return [
        {
            "type": "expect_column_values_to_not_match_regex",
            "kwargs": {"column": column, "regex": pattern["regex"]},
            "why": pattern["why"],
        }
        for pattern in personal_patterns()
    ]


@cache
def load_suite_spec(name: str) -> dict:
    """A suite as GX runs it. An entry `{"no_personal_data_in": column}` stands for one
    expectation per personal pattern on that column, in the patterns' order."""
    path = EXPECTATIONS_DIR / f"{name}.json"
    spec = json.loads(path.read_text(encoding="utf-8"))
    expectations = []
    for i, exp in enumerate(spec["expectations"]):
        if "no_personal_data_in" in exp:
            if set(exp) != {"no_personal_data_in"}:
                raise ValueError(f"{path}: expectation {i} has 'no_personal_data_in' and other keys")
            expectations += _no_personal_data_in(exp["no_personal_data_in"])
        elif "type" not in exp or "kwargs" not in exp:
            raise ValueError(f"{path}: expectation {i} needs 'type' and 'kwargs'")
        else:
            expectations.append(exp)
    return spec | {"expectations": expectations}


def suite_columns(name: str) -> list[str]:
    """The columns a suite reads: only these are loaded for it (batches can be millions of rows)."""
    spec = load_suite_spec(name)
    return sorted({e["kwargs"]["column"] for e in spec["expectations"] if "column" in e["kwargs"]})


# GX fingerprints every in-memory pandas batch under 1 GB with `hash_pandas_object`, a batch
# marker we never read; on a 1,000,000-row batch it costs more than all our expectations
# together. Batches here are fingerprinted already (the landed file's sha256 is the batch id).
_NO_FINGERPRINT = 0


def read_for_suite(paths: list[Path], name: str):
    """The columns suite `name` reads, from a batch's Parquet files, as a DataFrame whose text
    columns are Arrow-backed strings: GX's string metrics then run as Arrow kernels, not per row."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = pd.StringDtype("pyarrow", na_value=np.nan)  # what pandas calls `str`
    table = pa.concat_tables(pq.read_table(p, columns=suite_columns(name)) for p in paths)
    return table.to_pandas(types_mapper={pa.string(): text}.get)


class Gate:
    """One GX context for a run's suites: each batch is validated and its result kept; the
    HTML data docs are built once, in `finish`, not once per batch."""

    def __init__(self, cfg: RunConfig):
        gx = _import_gx()
        from great_expectations.execution_engine import pandas_execution_engine

        pandas_execution_engine.HASH_THRESHOLD = _NO_FINGERPRINT
        self.cfg = cfg
        self.context = gx.get_context(mode="file", project_root_dir=str(cfg.reports_root))
        self.context.variables.progress_bars = {"globally": False, "metric_calculations": False}
        self._checkpoints: dict[str, object] = {}
        self._results: list = []

    def _checkpoint(self, name: str):
        if name in self._checkpoints:
            return self._checkpoints[name]
        import great_expectations as gx
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        spec = load_suite_spec(name)
        source = self.context.data_sources.add_or_update_pandas("creditlake")
        asset = next((a for a in source.assets if a.name == name), None) or source.add_dataframe_asset(name)
        batch_definition = next(
            (b for b in asset.batch_definitions if b.name == "whole"), None
        ) or asset.add_batch_definition_whole_dataframe("whole")
        suite = gx.ExpectationSuite(name=name, meta={"doc": spec.get("doc", "")})
        for exp in spec["expectations"]:
            # matched on what it checks, not only where: by its column ("domain", GX's default)
            # each personal pattern replaced the one before it on the same column, and only the
            # last of them ran
            suite.add_expectation_configuration(
                ExpectationConfiguration(
                    type=exp["type"], kwargs=exp["kwargs"], meta={"why": exp.get("why", "")}
                ),
                match_type="success",
            )
        suite = self.context.suites.add_or_update(suite)
        validation = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
        )
        checkpoint = self.context.checkpoints.add_or_update(
            gx.Checkpoint(name=name, validation_definitions=[validation], actions=[], result_format="SUMMARY")
        )
        self._checkpoints[name] = checkpoint
        return checkpoint

    def run(self, name: str, frame, batch: str) -> GateResult:
        """Validate `frame` against suite `name` and keep the result JSON beside the batch."""
        import pandas as pd

        checkpoint = self._checkpoint(name)
        # For a frame of Arrow-backed strings (`read_for_suite`), `str` means those strings, so
        # GX's `astype(str)` before a regex is free and the regex runs in Arrow (RE2 syntax:
        # no lookarounds, which `tests/unit/test_suites.py` checks for every raw suite).
        arrow = any(isinstance(t, pd.StringDtype) and t.storage == "pyarrow" for t in frame.dtypes)
        with pd.option_context("future.infer_string", arrow):
            outcome = checkpoint.run(batch_parameters={"dataframe": frame})
        identifier, run_result = next(iter(outcome.run_results.items()))
        self._results.append(identifier)
        result = run_result.to_json_dict()

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
                    + (
                        f"{unexpected} unexpected, e.g. {sample}"
                        if unexpected is not None
                        else str(error or detail)
                    )
                )

        out = self.cfg.reports_root / "gx_results" / safe_name(batch) / f"{name}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        return GateResult(name, batch, bool(result["success"]), failures, str(out), str(self.data_docs))

    @property
    def data_docs(self) -> Path:
        return Path(self.cfg.reports_root) / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"

    def ran(self) -> list:
        """The results this gate kept so far (for `finish` in the process that forked it)."""
        return list(self._results)

    def finish(self, also: list | None = None) -> None:
        """Render this run's results, and `also` (those forked workers `ran`; any this gate holds
        already count once), into the HTML data docs (and the index)."""
        results = self._results + [r for r in also or [] if r not in self._results]
        if results:
            self.context.build_data_docs(resource_identifiers=results)


def run_suite(cfg: RunConfig, name: str, frame, batch: str) -> GateResult:
    """Validate one frame against suite `name`; keep the result JSON and update the data docs."""
    gate = Gate(cfg)
    result = gate.run(name, frame, batch)
    gate.finish()
    return result
