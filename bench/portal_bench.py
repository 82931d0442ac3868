"""The portal at national scale: 1,000,000 published penalties, its search in headless Chromium.

    .venv/bin/python -m bench.portal_bench [N]

Targets (issue 19): the first page a visitor downloads is under 1 MB, and a search shows its
first results within 300 ms, on this machine. A published version of N penalties on about a
third as many organisations (the synthetic universe's names and codes) is written as the
publisher writes one, the portal is built from it as `publish` builds it, then served over HTTP
on loopback and searched in Chromium with a cold cache per query. Times are taken in the page,
from the input event the last keystroke fires to the result count shown: the 150 ms the page
waits for typing to stop included. The floor beside the build: DuckDB writing the same rows to
JSON, sorted by code, in the same run.
"""

from __future__ import annotations

import hashlib
import json
import resource
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "out"
AS_OF = date(2026, 11, 22)
TIMED = """(text) => new Promise((resolve) => {
  const input = document.getElementById("q"), count = document.getElementById("count");
  const seen = performance.getEntriesByType("resource").length;
  const observer = new MutationObserver(() => {
    if (!count.textContent) return;
    observer.disconnect();
    const fetched = performance.getEntriesByType("resource").slice(seen);
    resolve({ms: performance.now() - start, count: count.textContent,
             first: (document.querySelector("#results li") || {}).textContent || "",
             bytes: fetched.reduce((sum, r) => sum + r.encodedBodySize, 0), files: fetched.length});
  });
  observer.observe(count, {childList: true, characterData: true, subtree: true});
  input.value = text;
  const start = performance.now();
  input.dispatchEvent(new Event("input"));
})"""


def published_penalties(n: int):
    import pandas as pd

    from creditlake.synthetic.universe import build_universe

    rng = np.random.default_rng(19)
    universe = build_universe(rng, n, AS_OF)
    start, size = universe.offsets[0]
    subject = start + rng.integers(size, size=n)
    days = rng.integers(0, 3 * 365, size=n)
    decided = np.datetime64(AS_OF - timedelta(days=3 * 365)) + days.astype("timedelta64[D]")
    facts = np.array(
        ["未按规定公示年度报告", "超标排放大气污染物", "销售不合格产品", "未取得许可擅自经营"], dtype=object
    )
    return pd.DataFrame(
        {
            "record_id": [hashlib.md5(str(i).encode()).hexdigest() for i in range(n)],
            "subject_name": universe.name[subject],
            "subject_uscc": universe.code[subject],
            "decision_number": [f"吉市监罚〔{2023 + d // 365}〕{i}号" for i, d in enumerate(days)],
            "violation_type": "违反市场监管规定",
            "violation_facts": facts[rng.integers(len(facts), size=n)]
            + "（第"
            + (days % 97).astype(str)
            + "次检查）",
            "legal_basis": "《中华人民共和国行政处罚法》",
            "penalty_category": "罚款",
            "penalty_content": "罚款" + (days % 50 + 1).astype(str) + "万元",
            "fine_amount_wan": (days % 50 + 1).astype(float),
            "decision_date": decided.astype("datetime64[ns]"),
            "publicity_end": (decided + np.timedelta64(365, "D")).astype("datetime64[ns]"),
            "nature_class": np.where(days % 10 == 0, "serious", "general"),
            "under_objection": days % 100 == 0,
            "authority": "吉林市市场监督管理局",
            "authority_uscc": "11220200013544397C",
            "provider": "吉林市市场监督管理局",
        }
    )


def publish_version(cfg, frame) -> None:
    """The version as the publisher installs one: its files, then `latest.json` with their sha256."""
    from publishing.open_data import write_version

    version = f"{AS_OF.isoformat()}-bench"
    folder = cfg.open_root / "penalties" / version
    write_version(folder, "penalties", version, AS_OF.isoformat(), frame, {c: {} for c in frame.columns})
    files = [
        {
            "path": p.relative_to(cfg.open_root).as_posix(),
            "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
        }
        for p in sorted(folder.iterdir())
    ]
    manifest = {
        "dataset": "penalties",
        "version": version,
        "as_of": AS_OF.isoformat(),
        "profile": cfg.profile,
    }
    manifest |= {"rows": len(frame), "withheld_rows": 0, "files": files}
    (cfg.open_root / "penalties" / "latest.json").write_text(
        json.dumps(manifest, ensure_ascii=False), encoding="utf-8"
    )


def floor_seconds(cfg) -> float:
    import duckdb

    parquet = next((cfg.open_root / "penalties").glob("*/penalties.parquet"))
    start = time.perf_counter()
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * from read_parquet('{parquet}') order by subject_uscc) "
            f"to '{OUT / 'portal-floor.json'}' (format json)"
        )
    return time.perf_counter() - start


def browse(open_root: Path, queries: list[str]) -> dict:
    from tests.integration.browser import chromium, serve

    results = {}
    with serve(open_root) as url, chromium() as browser:
        for query in ["", *queries]:
            page = browser.new_context().new_page()  # a cold cache for each
            responses = []
            page.on("response", lambda r, got=responses: got.append(r))
            page.goto(f"{url}index.html", wait_until="networkidle")
            if not query:
                results["first page"] = {
                    "files": len(responses),
                    "bytes": sum(len(r.body()) for r in responses),
                    "names": [r.url.rsplit("/", 1)[-1] for r in responses],
                }
            else:
                results[query] = page.evaluate(TIMED, query)
            page.context.close()
    return results


def main(n: int = 1_000_000) -> dict:
    from creditlake.settings import RunConfig
    from publishing.portal import build_portal
    from publishing.privacy.gate import Gate

    cfg = RunConfig(landing=OUT / "empty", lake=OUT / f"portal-{n}", as_of=AS_OF)
    shutil.rmtree(cfg.lake, ignore_errors=True)
    frame = published_penalties(n)
    publish_version(cfg, frame)
    start = time.perf_counter()
    build_portal(cfg, Gate(known_people=[], organisations=[]))
    build = time.perf_counter() - start
    search = cfg.open_root / "portal" / "search"
    manifest = json.loads(max(search.glob("manifest.*"), key=lambda p: p.stat().st_mtime).read_text())
    code = frame["subject_uscc"].iloc[n // 2]
    name = frame["subject_name"].iloc[n // 3]
    queries = [name, name[3:9], name[:3], code[:2], code[:6], code, "有限公司"]
    return {
        "records": n,
        "organisations": manifest["organisations"],
        "build_seconds": round(build, 1),
        "floor_seconds (DuckDB rows to JSON)": round(floor_seconds(cfg), 1),
        "index_files": len(list(search.iterdir())),
        "index_mb": round(sum(p.stat().st_size for p in search.iterdir()) / 1e6, 1),
        "manifest_kb": round(len(json.dumps(manifest, ensure_ascii=False).encode()) / 1e3, 1),
        "name_shards": len(manifest["names"]),
        "common_pairs": len(manifest["common"]),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "browser": browse(cfg.open_root, queries),
    }


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parents[1]))  # the browser helpers of the tests
    print(
        json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000), ensure_ascii=False, indent=1)
    )
