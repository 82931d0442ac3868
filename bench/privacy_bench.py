"""The desensitiser (`publishing.privacy.desensitise`) on the hand-labelled corpus: recall per kind,
precision, ordinary sentences left alone (judged by `tests/privacy/evaluate.py`, whose docstring
states the rule); then its speed on the column path.

    .venv/bin/python -m bench.privacy_bench [N] [--runs R] [--show K] [--corpus DIR] [--no-speed]

Speed: `desensitise_column(texts, names)` on at least N (default 50,000) distinct texts built
from the corpus: each distinct corpus text with a distinct clause appended (a decision number
and a service date: （长市监罚〔2024〕1234号，2024年3月5日送达）), with its entry's names. Each
timed call gets a column of its own (same corpus texts, another year in the clause), so no memo
of whole texts carries over from one call to the next (each corpus text, and so each of its
personal values, recurs in N / corpus-size texts of a column); one warm-up call first. R runs (default
3) of each mode, interleaved: the default column path (`processes=None`: split over the
module's `PROCESSES` above `PARALLEL_MIN` distinct texts) and one process (`processes=1`).
Printed: texts/s min / median / max, the load average before each run, the distinct texts,
their mean length and the machine's core count.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tests.privacy.evaluate import CORPUS, Entry, Report, evaluate, read_corpus

AGENCIES = "长市监 吉市监 四市监 延州市监 通市监 白市监 长朝市监 长南市监 吉林市监 松市监".split()


def distinct_column(entries: Sequence[Entry], n: int, year: int) -> tuple[list[str], list[tuple[str, ...]]]:
    """At least n distinct texts: each distinct corpus text with a distinct clause appended (a
    decision number and a service date in `year`), with its entry's names."""
    base = list({e.text: e for e in entries}.values())
    if not base:
        raise ValueError("no corpus text to build a column from")
    texts: list[str] = []
    names: list[tuple[str, ...]] = []
    j = 0
    while len(texts) < n:
        month, day = 1 + j % 12, 1 + (j // 12) % 28
        clause = f"（{AGENCIES[j % len(AGENCIES)]}罚〔{year}〕{1001 + j}号，{year}年{month}月{day}日送达）"
        for e in base:
            texts.append(e.text.rstrip() + clause)
            names.append(e.names)
            if len(texts) == n:
                break
        j += 1
    return texts, names


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def _version() -> str:
    """Which desensitiser was measured: its file, and a digest of its package's sources."""
    from publishing.privacy import desensitise as d

    path = Path(d.__file__)
    digest = hashlib.sha256()
    for source in sorted(path.parent.rglob("*")):
        if (
            source.is_file()
            and source.suffix in (".py", ".yml", ".yaml", ".txt")
            and "__pycache__" not in source.parts
        ):
            digest.update(str(source.relative_to(path.parent)).encode() + b"\0" + source.read_bytes())
    return f"{d.__name__} ({path}; sources sha256 {digest.hexdigest()[:12]})"


def measure_quality(entries: Sequence[Entry], show: int | None = 40) -> Report:
    from publishing.privacy.desensitise import desensitise_column

    start = time.perf_counter()
    outputs = desensitise_column([e.text for e in entries], [e.names for e in entries], processes=1)
    seconds = time.perf_counter() - start
    report = evaluate(outputs, entries)
    categories = sorted({e.category for e in entries})
    print(
        f"corpus: {len(entries):,} texts in {len(categories)} categories, one call with processes=1 "
        f"(the first: analyzer built inside): {seconds:.2f} s\n"
    )
    print(report.table())
    print("\n" + report.misses_text(limit=show))
    print("\n" + report.changes_text(limit=show))
    print("\n" + report.ordinary_text(limit=show))
    return report


def measure_speed(entries: Sequence[Entry], n: int = 50_000, runs: int = 3) -> dict[str, list[float]]:
    from publishing.privacy import desensitise as d

    # one column per call: the warm-up's year, then one per (run, mode)
    columns = [distinct_column(entries, n, 2010 + k) for k in range(1 + 2 * runs)]
    texts = columns[0][0]
    distinct = len(set(texts))
    assert all(len(set(c[0])) == distinct for c in columns)
    base = len({e.text for e in entries})
    print(
        f"\ncolumn: {len(texts):,} texts, {distinct:,} distinct, mean {sum(map(len, texts)) / len(texts):.1f} "
        f"characters, from {base:,} distinct corpus texts (each in about {len(texts) / base:.0f} of them, with "
        f"its personal values); {os.cpu_count()} cores; module PROCESSES={getattr(d, 'PROCESSES', '?')}, "
        f"PARALLEL_MIN={getattr(d, 'PARALLEL_MIN', '?')}"
    )
    start = time.perf_counter()
    d.desensitise_column(*columns[0])
    print(f"warm-up call (processes=None): {time.perf_counter() - start:.2f} s")
    modes = {"column path (processes=None)": None, "one process (processes=1)": 1}
    rates: dict[str, list[float]] = {mode: [] for mode in modes}
    loads: dict[str, list[float]] = {mode: [] for mode in modes}
    k = 1
    for _ in range(runs):
        for mode, processes in modes.items():
            column_texts, column_names = columns[k]
            k += 1
            loads[mode].append(_load())
            start = time.perf_counter()
            d.desensitise_column(column_texts, column_names, processes=processes)
            rates[mode].append(len(column_texts) / (time.perf_counter() - start))
    for mode, values in rates.items():
        print(
            f"  {mode:<29} texts/s min {min(values):,.0f}, median {statistics.median(values):,.0f}, "
            f"max {max(values):,.0f} (runs: {', '.join(f'{v:,.0f}' for v in values)}; load before each: "
            f"{', '.join(f'{x:.2f}' for x in loads[mode])})"
        )
    return rates


def main(
    n: int = 50_000,
    runs: int = 3,
    show: int | None = 40,
    corpus: Path | str | None = None,
    speed: bool = True,
) -> dict:
    corpus = Path(corpus or CORPUS)
    entries, problems = read_corpus(corpus)
    print(f"desensitiser: {_version()}")
    if problems:
        print(f"corpus problems ({len(problems)}):\n" + "\n".join(f"  {p}" for p in problems))
    if not entries:
        print(f"no entry in {corpus}")
        return {}
    print()
    report = measure_quality(entries, show)
    result: dict = {"report": report}
    if speed:
        result["texts_per_second"] = measure_speed(entries, n, runs)
    return result


if __name__ == "__main__":
    args = sys.argv[1:]
    valued = {"--runs": "3", "--show": "40", "--corpus": ""}  # options that take a value, and their defaults
    values, positional, i = dict(valued), [], 0
    while i < len(args):
        if args[i] in valued:
            values[args[i]] = args[i + 1]
            i += 2
            continue
        if not args[i].startswith("--"):
            positional.append(args[i])
        i += 1
    main(
        int(positional[0]) if positional else 50_000,
        runs=int(values["--runs"]),
        show=int(values["--show"]),
        corpus=values["--corpus"],
        speed="--no-speed" not in args,
    )
