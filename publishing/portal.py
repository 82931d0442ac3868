"""The public portal: a static site generated with each publication, under `open_root`.

`index.html` lists every open dataset (description, coverage, update time, record counts,
licence, downloads, data dictionary) and searches published organisations' records by
name or USCC in the browser, without a server: the search index is a script file the
page loads (`portal/search-index.js`), so it works from a plain folder, S3 or file://.
Only organisations' records go into the index; it is built from the published files
themselves, so a withdrawn record disappears from the portal with the next version.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from creditlake.settings import RunConfig

SEARCHABLE = {"penalties": "行政处罚", "licenses": "行政许可", "court_dishonest": "失信被执行人"}


def build_portal(cfg: RunConfig, released: list[dict], gate) -> Path:
    """`gate`: the publish gate (`publishing.privacy.gate.Gate`): an index entry it finds anything
    in is left out of the search index (fails closed)."""
    import pandas as pd

    from publishing.metadata import catalogue, day

    info = catalogue()
    cards, index = [], []
    for item in released:
        dataset, version = item["dataset"], item["version"]
        folder = cfg.open_root / dataset / version
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        dcat = json.loads((folder / "dcat.jsonld").read_text(encoding="utf-8"))
        about = info["datasets"][dataset]
        frame = pd.read_parquet(folder / f"{dataset}.parquet")
        # organisations only: natural persons and individual businesses named after one are not indexed
        organisations = (
            frame if "subject_type" not in frame else frame[frame["subject_type"] == "organisation"]
        )
        code_column = "subject_uscc" if "subject_uscc" in frame else "subject_identifier"
        for row in organisations.to_dict(orient="records"):
            index.append(
                {
                    "d": SEARCHABLE.get(dataset, dataset),
                    "n": row["subject_name"],
                    "c": row.get(code_column),
                    "k": row.get("decision_number") or row.get("case_number"),
                    "t": day(row.get("decision_date") or row.get("published_on") or ""),
                }
            )
        downloads = " ".join(
            f'<a href="{dataset}/{version}/{p}">{p}</a>'
            for p in (
                f"{dataset}.csv",
                f"{dataset}.parquet",
                "datapackage.json",
                "dcat.jsonld",
                "data_dictionary.md",
            )
        )
        temporal = dcat["dct:temporal"]
        fields = "".join(
            f"<tr><td><code>{html.escape(f['name'])}</code></td><td>{f['type']}</td>"
            f"<td>{html.escape(f.get('description') or '')}</td></tr>"
            for f in package["resources"][0]["schema"]["fields"]
        )
        cards.append(f"""
<section class="dataset" id="{dataset}">
  <h2>{html.escape(about["title_zh"])} <small>{html.escape(about["title_en"])}</small></h2>
  <p>{html.escape(about["description"].strip())}</p>
  <dl>
    <dt>记录数 Records</dt><dd class="rows">{item["rows"]}</dd>
    <dt>覆盖时间 Coverage</dt><dd>{temporal["dcat:startDate"] or "-"} — {temporal["dcat:endDate"] or "-"}</dd>
    <dt>更新 Updated</dt><dd>{cfg.as_of.isoformat()} (版本 version {version})</dd>
    <dt>许可 Licence</dt><dd><a href="{info["licence"]["path"]}">{info["licence"]["name"]}</a></dd>
    <dt>下载 Downloads</dt><dd>{downloads}</dd>
  </dl>
  <details><summary>数据字典 Data dictionary</summary><table>{fields}</table></details>
</section>""")
    index = _gated(index, gate)
    portal = cfg.open_root / "portal"
    portal.mkdir(parents=True, exist_ok=True)
    tmp = portal / "search-index.js.tmp"
    tmp.write_text(
        "window.CREDITLAKE_INDEX = " + json.dumps(index, ensure_ascii=False) + ";\n", encoding="utf-8"
    )
    tmp.replace(portal / "search-index.js")
    page = PAGE.replace("{{cards}}", "".join(cards)).replace(
        "{{publisher}}", html.escape(info["publisher"]["name_zh"])
    )
    out = cfg.open_root / "index.html"
    (cfg.open_root / "index.html.tmp").write_text(page, encoding="utf-8")
    # every string of the page (catalogue texts, dataset cards) passes the gate before it replaces
    # the page the public sees; the page keeps the previous version's otherwise
    if findings := gate.scan_file(cfg.open_root / "index.html.tmp"):
        (cfg.open_root / "index.html.tmp").unlink()
        raise ValueError(
            f"the portal page was not replaced: the publish gate found {', '.join(sorted(set(findings)))}"
        )
    (cfg.open_root / "index.html.tmp").replace(out)
    return out


def _gated(index: list[dict], gate) -> list[dict]:
    """The entries in which the gate finds nothing (each distinct string scanned once)."""
    verdicts: dict[str, bool] = {}

    def clean(value) -> bool:
        if not isinstance(value, str) or not value:
            return True
        if value not in verdicts:
            verdicts[value] = not gate.scan_text(value)
        return verdicts[value]

    return [entry for entry in index if all(clean(v) for v in entry.values())]


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>公共信用信息开放数据 Open credit data</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
 h1 small, h2 small { color: #666; font-weight: normal; font-size: 60%; }
 .dataset { border: 1px solid #ddd; border-radius: 6px; padding: 0 1rem 1rem; margin: 1rem 0; }
 dl { display: grid; grid-template-columns: 10rem 1fr; gap: .25rem 1rem; }
 dt { color: #666; } table { border-collapse: collapse; font-size: 90%; } td { border-top: 1px solid #eee; padding: .2rem .5rem; }
 #q { width: 100%; font-size: 1.1rem; padding: .5rem; } #results li { margin: .3rem 0; }
</style></head>
<body>
<h1>公共信用信息开放数据 <small>Open public credit data — {{publisher}}</small></h1>
<h2>查询法人和非法人组织 <small>Search organisations by name or unified social credit code</small></h2>
<input id="q" type="search" placeholder="名称或统一社会信用代码 / name or USCC" autocomplete="off">
<p id="count"></p><ul id="results"></ul>
{{cards}}
<script src="portal/search-index.js"></script>
<script>
 const index = window.CREDITLAKE_INDEX || [];
 const q = document.getElementById("q"), list = document.getElementById("results"), count = document.getElementById("count");
 function search(text) {
   text = text.trim().toUpperCase();
   list.innerHTML = "";
   if (!text) { count.textContent = ""; return; }
   // a name holds the text anywhere; a code starts with it (a prefix finds the code's region)
   const hits = index.filter(r => r.n.toUpperCase().includes(text) || (r.c || "").toUpperCase().startsWith(text));
   count.textContent = hits.length + " 条结果 results";
   for (const r of hits.slice(0, 200)) {
     const li = document.createElement("li");
     li.className = "hit";
     li.textContent = `${r.n}（${r.c}）${r.d} ${r.k} ${r.t}`;
     list.appendChild(li);
   }
 }
 q.addEventListener("input", () => search(q.value));
 const initial = new URLSearchParams(location.search).get("q");
 if (initial) { q.value = initial; search(initial); }
</script>
</body></html>
"""
