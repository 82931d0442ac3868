// The portal's one script: search, an organisation's credit report, a record. It reads the
// static index (publishing/portal/search.py says how it is laid out) and only ever puts
// agencies' values into the page as text (textContent), never as markup.
"use strict";
(() => {
  const script = document.currentScript;
  const manifestUrl = new URL(script.dataset.manifest, document.baseURI);
  const files = new Map();
  let manifest = null;

  function load(name) {
    if (!files.has(name)) {
      files.set(name, fetch(new URL(name, manifestUrl)).then((r) => {
        if (!r.ok) throw new Error(`${name}: HTTP ${r.status}`);
        return r.json();
      }));
    }
    return files.get(name);
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function bilingual(tag, zh, en) {
    const node = el(tag, zh + " ");
    const span = el("span", en);
    span.lang = "en";
    node.appendChild(span);
    return node;
  }

  // --- the index (the same normalisation, pairs and hash as search.py) ---
  const normalise = (text) => text.normalize("NFKC").toUpperCase();
  const compact = (text) => normalise(text).replace(/\s+/gu, "");

  function pairs(text) {
    const chars = [...compact(text)];
    const out = new Set();
    for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
    return [...out];
  }

  // FNV-1a; the prime 2^24 + 403 written so that no run of eight digits reaches the publish gate
  const FNV_PRIME = (1 << 24) + 403;

  function shardOf(pair, shards) {
    let h = 0x811c9dc5;
    for (const ch of pair) h = Math.imul(h ^ ch.codePointAt(0), FNV_PRIME) >>> 0;
    return h % shards;
  }

  // the chunk whose first key is the last one not after `key` (keys sort by code point)
  function chunkOf(key) {
    const chunks = manifest.chunks;
    let lo = 0, hi = chunks.length - 1, found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (chunks[mid][0] <= key) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  function positions(gaps) {
    let at = 0;
    return gaps.map((gap) => (at += gap));
  }

  function intersect(lists) {
    lists.sort((a, b) => a.length - b.length);
    let out = lists[0];
    for (const other of lists.slice(1)) {
      const set = new Set(other);
      out = out.filter((p) => set.has(p));
    }
    return out;
  }

  async function byCode(prefix, want) {
    const hits = [], start = chunkOf(prefix);
    for (let i = start; i < manifest.chunks.length; i++) {
      if (i > start && manifest.chunks[i][0] > prefix && !manifest.chunks[i][0].startsWith(prefix)) break;
      const orgs = await load(manifest.chunks[i][1]);
      for (const org of orgs) {
        if (org[0].startsWith(prefix)) {
          if (hits.length === want) return { hits, more: true };
          hits.push(org);
        } else if (org[0] > prefix) return { hits, more: false };
      }
    }
    return { hits, more: false };
  }

  function bitset(text) {
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    return (p) => (bytes[p >> 3] & (1 << (p & 7))) !== 0;
  }

  async function byName(text, want) {
    const common = new Set(manifest.common), dense = manifest.dense;
    const asked = pairs(text);
    if (!asked.length) return { hits: [], more: false, note: "short" };
    const listed = asked.filter((p) => !common.has(p) && !(p in dense));
    const big = asked.filter((p) => p in dense);
    if (!listed.length && !big.length) return { hits: [], more: false, note: "common" };
    let candidates = null;
    if (listed.length) {
      candidates = intersect(await Promise.all(listed.map(async (p) => {
        const shard = await load(manifest.names[shardOf(p, manifest.names.length)]);
        return positions(shard[p] || []);
      })));
    }
    // a city's or a big trade's pairs, as bitsets: only when the other pairs leave many candidates
    if (big.length && (candidates === null || candidates.length > want)) {
      const sets = await Promise.all(big.map(async (p) => bitset(await load(dense[p]))));
      const inAll = (p) => sets.every((has) => has(p));
      if (candidates === null) {
        candidates = [];
        for (let p = 0; p < manifest.organisations; p++) if (inAll(p)) candidates.push(p);
      } else candidates = candidates.filter(inAll);
    }
    const needle = compact(text), hits = [];
    // candidates in code order: load their chunks eight at a time until a page is full
    const chunkSize = manifest.chunk;
    let i = 0;
    while (i < candidates.length && hits.length <= want) {
      const batch = [], wanted = new Set();
      while (i < candidates.length) {
        const c = Math.floor(candidates[i] / chunkSize);
        if (!wanted.has(c) && wanted.size === 8) break;
        wanted.add(c);
        batch.push(candidates[i++]);
      }
      const loaded = new Map(await Promise.all([...wanted].map(async (c) => [c, await load(manifest.chunks[c][1])])));
      for (const p of batch) {
        const org = loaded.get(Math.floor(p / chunkSize))[p % chunkSize];
        if (compact(org[1]).includes(needle)) hits.push(org);
      }
    }
    return { hits: hits.slice(0, want), more: hits.length > want || i < candidates.length };
  }

  // --- search page ---
  const PAGE = 20;
  let asked = 0;

  function describeCounts(counts) {
    return manifest.datasets.map((d, i) => counts[i] ? `${manifest.titles[d][0]} ${counts[i]}` : null)
      .filter(Boolean).join(" · ");
  }

  async function search(text) {
    const list = document.getElementById("results"), count = document.getElementById("count");
    const mine = ++asked;
    const query = compact(text);
    if (!query) { list.replaceChildren(); count.textContent = ""; return; }
    try {
      await ready;
    } catch (err) {
      count.textContent = `索引无法读取 / the index could not be read: ${err.message}`;
      return;
    }
    const codeLike = /^[0-9A-Z]{2,18}$/.test(query);
    // letters and digits together are a code, never a name: no name shard is fetched for them
    const onlyCode = codeLike && /[0-9]/.test(query) && query.length >= 6;
    let codes, names;
    try {
      [codes, names] = await Promise.all([
        codeLike ? byCode(query, PAGE) : { hits: [], more: false },
        onlyCode ? { hits: [], more: false } : byName(text, PAGE),
      ]);
    } catch (err) {
      if (mine === asked) count.textContent = `查询失败，请稍后再试 / the search failed: ${err.message}`;
      return;
    }
    if (mine !== asked) return; // a newer query is on its way
    const seen = new Set(), hits = [];
    for (const org of [...codes.hits, ...names.hits]) {
      if (!seen.has(org[0])) { seen.add(org[0]); hits.push(org); }
    }
    const more = codes.more || names.more || hits.length > PAGE;
    list.replaceChildren(...hits.slice(0, PAGE).map((org) => {
      const li = el("li", null, "hit");
      const link = el("a", org[1]);
      link.href = `org.html?c=${encodeURIComponent(org[0])}`;
      li.append(link, " ", el("code", org[0].startsWith("~") ? "" : org[0]), " ", el("span", describeCounts(org[2]), "counts"));
      return li;
    }));
    if (!hits.length && names.note === "common" && !codeLike) {
      count.textContent = "查询词过于常见，请输入更多字 / too common: type more of the name";
    } else if (!hits.length && names.note === "short" && !codeLike) {
      count.textContent = "请输入至少两个字 / type two characters or more";
    } else {
      count.textContent = `${Math.min(hits.length, PAGE)}${more ? "+" : ""} 条结果 results`;
    }
  }

  function searchPage() {
    const q = document.getElementById("q");
    let timer = null;
    q.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => search(q.value), 150);
    });
    const initial = new URLSearchParams(location.search).get("q");
    if (initial) { q.value = initial; search(initial); }
  }

  // --- organisation and record pages ---
  async function findOrganisation(key) {
    const c = chunkOf(key);
    const [orgs, records] = await Promise.all([load(manifest.chunks[c][1]), load(manifest.chunks[c][2])]);
    const at = orgs.findIndex((org) => org[0] === key);
    return at < 0 ? null : { org: orgs[at], records: records[at] };
  }

  function shown(field, value) {
    const [, , , codes] = field;
    if (value === null || value === undefined || value === "") return "—";
    const code = typeof value === "boolean" ? (value ? "True" : "False") : String(value);
    if (codes[code]) return `${codes[code][0]} / ${codes[code][1]}`;
    if (typeof value === "boolean") return value ? "是 / yes" : "否 / no";
    return String(value);
  }

  function asObject(record) {
    const dataset = manifest.datasets[record[0]];
    const fields = manifest.fields[dataset];
    const values = {};
    fields.forEach((f, i) => { values[f[0]] = record[i + 1]; });
    return { dataset, fields, values };
  }

  function recordArticle(record, key, link) {
    const { dataset, fields, values } = asObject(record);
    const article = el("article", null, "record");
    const title = manifest.titles[dataset];
    const heading = el("h3");
    const number = values.decision_number || values.case_number || values.record_id;
    if (link) {
      const a = el("a", `${title[0]} ${number}`);
      a.href = `record.html?c=${encodeURIComponent(key)}&r=${encodeURIComponent(values.record_id)}`;
      heading.appendChild(a);
    } else heading.textContent = `${title[0]} ${number}`;
    article.appendChild(heading);
    if (values.under_objection === true) {
      article.appendChild(el("p", "异议处理中：对本记录的异议正在核查，结论作出前请谨慎使用。/ Under objection: an objection to this record is being checked.", "objection"));
    }
    const dl = el("dl");
    for (const field of fields) {
      const dt = bilingual("dt", field[1], field[2]);
      dl.append(dt, el("dd", shown(field, values[field[0]])));
    }
    article.appendChild(dl);
    return article;
  }

  function provenance() {
    const versions = manifest.datasets.map((d) => `${manifest.titles[d][0]} ${manifest.versions[d]}`).join("；");
    return el("p", `截至 as of ${manifest.as_of}；规则 rules: ${manifest.profile} ${manifest.regulation}；版本 versions: ${versions}`, "provenance");
  }

  function notFound(view) {
    view.replaceChildren(el("h1", "未找到 / Not found"),
      el("p", "当前版本中没有该组织或记录：它可能已期满、修复、撤销或更正（见版本与变更）。/ Not in the current versions: it may have expired, been repaired, revoked or corrected (see Versions)."));
  }

  async function orgPage() {
    const view = document.getElementById("view");
    const key = new URLSearchParams(location.search).get("c") || "";
    const found = await findOrganisation(key);
    if (!found) return notFound(view);
    const { org, records } = found;
    document.title = `${org[1]} · ${document.title}`;
    const print = el("button", "打印 / 保存为 PDF  Print or save as PDF", "print");
    print.type = "button";
    print.addEventListener("click", () => window.print());
    view.replaceChildren(
      bilingual("h1", org[1], "public credit report"),
      el("p", key.startsWith("~") ? "" : `统一社会信用代码 USCC ${key}`, "code"),
      provenance(), el("p", describeCounts(org[2]), "counts"), print,
      ...records.map((r) => recordArticle(r, key, true)));
  }

  function guidanceFor(values) {
    const g = manifest.guidance, section = el("section", null, "guidance");
    section.appendChild(bilingual("h2", "信用修复与异议", "Repair and objections"));
    const repair = g.repair[values.nature_class];
    if (repair) {
      const wait = repair.wait.value ? `公示满 ${repair.wait.value} ${repair.wait.unit === "years" ? "年" : "个月"}后` : "公示期间";
      section.appendChild(el("p", repair.repairable
        ? `本记录可以申请信用修复：${wait}可提出申请；修复后${repair.stops ? "停止公示" : "予以标注"}。（${repair.source}）`
        + ` / Repair can be applied for${repair.wait.value ? ` after ${repair.wait.value} ${repair.wait.unit} of publicity` : ""}; once repaired the record ${repair.stops ? "stops being published" : "is marked as repaired"}.`
        : `按现行规则本记录不可修复。（${repair.source}）/ Not repairable under these rules.`));
    }
    const o = g.objection;
    section.appendChild(el("p", `认为本记录有误的，可以提出异议：平台在 ${o.mark_days} 个工作日内标注异议，${o.decide_days} 个工作日内作出处理决定。（${o.source}）`
      + ` / If the record is wrong, raise an objection: it is marked within ${o.mark_days} working days and decided within ${o.decide_days}.`));
    const apply = el("a", `${g.apply.name_zh} ${g.apply.name_en}`);
    apply.href = g.apply.url;
    const p = el("p", "申请 Apply: ");
    p.appendChild(apply);
    section.appendChild(p);
    return section;
  }

  async function recordPage() {
    const view = document.getElementById("view");
    const params = new URLSearchParams(location.search);
    const key = params.get("c") || "", id = params.get("r") || "";
    const found = await findOrganisation(key);
    const record = found && found.records.find((r) => asObject(r).values.record_id === id);
    if (!record) return notFound(view);
    const { values } = asObject(record);
    const back = el("a", `${found.org[1]} 的信用报告 / credit report`);
    back.href = `org.html?c=${encodeURIComponent(key)}`;
    const crumbs = el("p");
    crumbs.appendChild(back);
    document.title = `${found.org[1]} · ${document.title}`;
    view.replaceChildren(bilingual("h1", found.org[1], "credit record"), crumbs, provenance(),
      recordArticle(record, key, false), guidanceFor(values));
  }

  // the manifest is on its way while the page listens: what is typed before it arrives waits for it
  const ready = load(manifestUrl.pathname.split("/").pop()).then((m) => { manifest = m; });

  async function start() {
    const page = script.dataset.page;
    if (page === "search") searchPage();
    await ready;
    if (page === "org") await orgPage();
    else if (page === "record") await recordPage();
  }

  start().catch((err) => {
    const view = document.getElementById("view") || document.getElementById("count");
    if (view) view.textContent = `索引无法读取 / the index could not be read: ${err.message}`;
  });
})();
