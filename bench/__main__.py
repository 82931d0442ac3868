"""`make bench`: every benchmark, each in a fresh process, results to bench/out/results.txt.

Speed is measured here, never by timed unit tests. Run on an otherwise idle machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHES = [
    ("identifiers (one core)", ["taskset", "-c", "0", sys.executable, "-m", "bench.identifiers_bench"]),
    ("landing + raw gate", [sys.executable, "-m", "bench.landing_bench"]),
]


def main() -> int:
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    lines = []
    for name, command in BENCHES + extra():
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        text = proc.stdout.strip() or proc.stderr.strip()[-2000:]
        lines.append(f"## {name}\n{text}\n")
        print(lines[-1], flush=True)
    (out / "results.txt").write_text("\n".join(lines), encoding="utf-8")
    return 0


def extra() -> list[tuple[str, list[str]]]:
    """Benchmarks that live beside this one (e.g. desensitisation, the warehouse build)."""
    here = Path(__file__).parent
    found = []
    for path in sorted(here.glob("*_bench.py")):
        if path.stem not in ("identifiers_bench", "landing_bench"):
            found.append((path.stem.replace("_bench", ""), [sys.executable, "-m", f"bench.{path.stem}"]))
    return found


if __name__ == "__main__":
    sys.exit(main())
