"""The portal's HTML pages. Every value is escaped here; the pages that show records (org, record)
are shells the script fills from the index, as text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape

from creditlake.jurisdiction import load_profile
from creditlake.settings import RunConfig
from publishing.dcat import bilingual
from publishing.metadata import day
from publishing.portal.changelog import REASONS, versions_kept

# No inline script or style, nothing from another origin; the index is fetched from the site.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)
DOWNLOADS = ("{d}.csv", "{d}.parquet", "datapackage.json", "dcat.jsonld", "data_dictionary.md")


@dataclass
class Context:
    info: dict  # publishing/datasets.yml
    cfg: RunConfig
    current: dict[str, dict]  # dataset -> latest.json
    assets: dict[str, str]  # asset -> its hashed file name
    manifest: str  # the search index's manifest, from the open root


def index(ctx: Context) -> str:
    search = """
<section class="search" aria-labelledby="search-title">
  <h1 id="search-title">查询法人和非法人组织 <small lang="en">Search organisations</small></h1>
  <label for="q">名称（至少两个字）或统一社会信用代码（前缀即可）
    <span lang="en">Name (two characters or more) or unified social credit code (a prefix is enough)</span></label>
  <input id="q" type="search" autocomplete="off" spellcheck="false">
  <p id="count" role="status" aria-live="polite"></p>
  <ol id="results"></ol>
</section>"""
    cards = "".join(_card(ctx, dataset, latest) for dataset, latest in ctx.current.items())
    body = f'{search}<h2 class="sets">开放数据集 <small lang="en">Open datasets</small></h2>{cards}'
    return _document(ctx, "公共信用信息开放数据 Open credit data", body, "search")


def shell(ctx: Context, page: str, title: str) -> str:
    body = (
        '<div id="view"><p class="loading">正在加载… <span lang="en">Loading…</span></p></div>'
        "<noscript><p>本页由浏览器读取索引生成，需要启用 JavaScript；数据也可从各数据集的文件下载。"
        ' <span lang="en">This page is built from the index by your browser and needs JavaScript; '
        "the data can also be downloaded from each dataset's files.</span></p></noscript>"
    )
    return _document(ctx, title, body, page)


def changelog(ctx: Context, log: list[dict]) -> str:
    titles = {d: a["title_zh"] for d, a in ctx.info["datasets"].items()}
    rows = []
    for entry in reversed(log):
        left = "；".join(
            f"{REASONS[r][0]} <span lang='en'>{REASONS[r][1]}</span> {n:,}" for r, n in entry["left"].items()
        ) + _organisations_left(entry["organisations_left"])
        if entry["removed_on"]:
            files = (
                f"已于 {escape(entry['removed_on'])} 按保留期删除 <span lang='en'>removed (retention)</span>"
            )
        else:
            files = f'<a href="{escape(entry["dataset"])}/{escape(entry["version"])}/datapackage.json">datapackage.json</a>'
        rows.append(
            f"<tr><td>{escape(titles.get(entry['dataset'], entry['dataset']))}</td>"
            f"<td><code>{escape(entry['version'])}</code></td><td>{escape(entry['as_of'])}</td>"
            f"<td>{entry['rows']:,}</td><td>{entry['added']:,}</td><td>{left or '—'}</td><td>{files}</td></tr>"
        )
    kept = versions_kept()
    body = f"""
<h1>版本与变更 <small lang="en">Versions and changes</small></h1>
<p>每次发布生成一个不可变版本。下表列出每个版本的记录数、新增记录数，以及自上一版本以来移出的记录数及原因；移出的法人和非法人组织记录逐条列出（不列自然人）。
每个数据集保留最近 {kept} 个版本的文件，更早的版本只保留本表中的记录。
<span lang="en">Each publication is an immutable version. Below: each version's records, the records added and
those that left since the previous version, by reason, and which of them were organisations' (no person's). The newest {kept}
versions of each dataset keep their files; older ones keep only their line here.</span></p>
<div class="scroll"><table>
<thead><tr><th scope="col">数据集 Dataset</th><th scope="col">版本 Version</th><th scope="col">截至 As of</th>
<th scope="col">记录数 Records</th><th scope="col">新增 Added</th><th scope="col">移出及原因 Left, why</th>
<th scope="col">文件 Files</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></div>"""
    return _document(ctx, "版本与变更 Versions and changes", body, "changelog")


LISTED = 100  # records that left, listed per version on the page (all of them: changelog.json)


def _organisations_left(records: list[dict]) -> str:
    """The organisations' records that left, by record id and reason (never a person's)."""
    if not records:
        return ""
    items = "".join(
        f"<li><code>{escape(r['record_id'])}</code> {REASONS[r['reason']][0]} "
        f"<span lang='en'>{REASONS[r['reason']][1]}</span></li>"
        for r in records[:LISTED]
    )
    more = f"<li>… changelog.json: {len(records) - LISTED:,}</li>" if len(records) > LISTED else ""
    # The count before the words: read without the markup, as the publish gate reads a page, a
    # count followed by the first record id (4,616 / 0007ecb...) is a run of digits like a phone's.
    return (
        f"<details><summary>{len(records):,} 条法人和非法人组织的记录 <span lang='en'>organisations' "
        f"records</span></summary><ul>{items}{more}</ul></details>"
    )


def _card(ctx: Context, dataset: str, latest: dict) -> str:
    about = ctx.info["datasets"][dataset]
    version = latest["version"]
    folder = ctx.cfg.open_root / dataset / version
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    temporal = json.loads((folder / "dcat.jsonld").read_text(encoding="utf-8"))["dct:temporal"]
    sums = {f["path"].rsplit("/", 1)[-1]: f["sha256"] for f in latest["files"]}
    downloads = "".join(
        f'<li><a href="{dataset}/{version}/{escape(name)}">{escape(name)}</a> '
        f'<code class="sum" title="sha256">{sums.get(name, "")}</code></li>'
        for name in (p.format(d=dataset) for p in DOWNLOADS)
    )
    fields = "".join(
        f"<tr><th scope='row'><code>{escape(f['name'])}</code></th><td>{escape(f['type'])}</td>"
        f"<td>{escape(f.get('description') or '')}</td></tr>"
        for f in package["resources"][0]["schema"]["fields"]
    )
    zh, en = bilingual(about["description"])
    licence = ctx.info["licence"]
    return f"""
<section class="dataset" id="{dataset}" aria-labelledby="{dataset}-title">
  <h3 id="{dataset}-title">{escape(about["title_zh"])} <small lang="en">{escape(about["title_en"])}</small></h3>
  <p>{escape(zh)} <span lang="en">{escape(en)}</span></p>
  <dl>
    <dt>记录数 Records</dt><dd class="rows">{latest["rows"]:,}</dd>
    <dt>覆盖时间 Coverage</dt><dd>{temporal["dcat:startDate"] or "-"} — {temporal["dcat:endDate"] or "-"}</dd>
    <dt>版本 Version</dt><dd><code>{escape(version)}</code>，截至 as of {escape(day(latest["as_of"]))}
      （<a href="{dataset}/latest.json">latest.json</a>）</dd>
    <dt>许可 Licence</dt><dd><a href="{escape(licence["path"])}">{escape(licence["name"])}</a></dd>
  </dl>
  <h4>下载与校验和 <small lang="en">Downloads and sha256</small></h4><ul class="downloads">{downloads}</ul>
  <details><summary>数据字典 Data dictionary</summary><div class="scroll"><table>
    <thead><tr><th scope="col">字段 Field</th><th scope="col">类型 Type</th><th scope="col">说明 Description</th></tr></thead>
    <tbody>{fields}</tbody></table></div></details>
</section>"""


def _document(ctx: Context, title: str, body: str, page: str) -> str:
    info, cfg = ctx.info, ctx.cfg
    publisher, contact, terms = info["publisher"], info["contact"], info["terms"]
    regulation = load_profile(cfg.profile).rules.get("title", "")
    versions = "".join(
        f"<li>{escape(info['datasets'][d]['title_zh'])}：<code>{escape(m['version'])}</code></li>"
        for d, m in ctx.current.items()
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · {escape(publisher["name_zh"])}</title>
<link rel="stylesheet" href="portal/{ctx.assets["style.css"]}">
</head><body>
<a class="skip" href="#main">跳到正文 <span lang="en">Skip to content</span></a>
<header><p class="site"><a href="index.html">{escape(publisher["name_zh"])}</a>
  <span lang="en">{escape(publisher["name_en"])}</span></p>
<nav aria-label="站点导航 Site"><a href="index.html">查询与数据集 <span lang="en">Search and datasets</span></a>
  <a href="changelog.html">版本与变更 <span lang="en">Versions</span></a></nav></header>
<main id="main">{body}</main>
<footer>
<section aria-labelledby="provenance"><h2 id="provenance">数据来源 <small lang="en">Provenance</small></h2>
<p>依据规则 <span lang="en">Rules applied</span>：<code>{escape(cfg.profile)}</code> {escape(regulation)}；
数据截至 <span lang="en">as of</span> {cfg.as_of.isoformat()}。当前版本 <span lang="en">Current versions</span>：</p>
<ul>{versions}</ul>
<p>各数据集的 <code>latest.json</code> 列出每个文件的 sha256 校验和 <span lang="en">lists each file's sha256</span>。</p></section>
<section aria-labelledby="terms"><h2 id="terms">使用条款 <small lang="en">Terms of use</small></h2>
<p>{escape(terms["zh"])} <span lang="en">{escape(terms["en"])}</span></p>
<p>署名 <span lang="en">Attribution</span>：{escape(terms["attribution"])}</p>
<p>联系 <span lang="en">Contact</span>：<a href="{escape(contact["url"])}">{escape(contact["name_zh"])}
  <span lang="en">{escape(contact["name_en"])}</span></a></p></section>
</footer>
<script src="portal/{ctx.assets["app.js"]}" data-page="{page}" data-manifest="{escape(ctx.manifest)}" defer></script>
</body></html>
"""
