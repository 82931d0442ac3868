"""The publish gate's independent scanner: personal data in files about to be published.

Deliberately shares no code with the desensitiser (publishing.desensitise): its own
patterns, and python-stdnum for the checksum, so a bug in one is not repeated in the other.
It reads the files themselves, every column, as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from stdnum.cn import ric

_ID = re.compile(r"(?<![0-9])([1-9][0-9]{16}[0-9Xx])(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9]{9})(?![0-9])")


@dataclass(frozen=True)
class Finding:
    file: str
    kind: str  # citizen_id | mobile | protected_name
    sample: str  # masked, so the finding itself leaks nothing

    def __str__(self) -> str:
        return f"{self.kind} in {self.file}: {self.sample}"


def _mask(value: str) -> str:
    return value[:3] + "*" * (len(value) - 5) + value[-2:] if len(value) > 5 else value[:1] + "*"


def scan_text(text: str, file: str, protected_names: set[str], allowed: set[str] = frozenset()) -> list[Finding]:
    """`allowed`: public strings (organisations' names) that may contain a person's name."""
    found = []
    for m in _ID.finditer(text):
        if ric.is_valid(m.group(1)) or _checksum_ok(m.group(1)):
            found.append(Finding(file, "citizen_id", _mask(m.group(1))))
    found += [Finding(file, "mobile", _mask(m.group(1))) for m in _MOBILE.finditer(text)]
    if protected_names:
        for public in sorted(allowed, key=len, reverse=True):
            text = text.replace(public, " ")
        found += [Finding(file, "protected_name", _mask(n)) for n in protected_names if n in text]
    return found


def _checksum_ok(number: str) -> bool:
    """stdnum also rejects unknown birthplaces; the gate must not, so check the sum alone."""
    try:
        return ric.calc_check_digit(number) == number[-1].upper()
    except ValueError:
        return False


def scan_files(paths: list[Path], protected_names: set[str], allowed: set[str] = frozenset()) -> list[Finding]:
    """Scan the text of every CSV/JSON/HTML file, and every text column of Parquet files."""
    names = {n for n in protected_names if n and len(n) >= 2 and "*" not in n}
    findings: list[Finding] = []
    for path in paths:
        if path.suffix == ".parquet":
            import pandas as pd

            frame = pd.read_parquet(path)
            text = "\n".join(frame[c].astype(str).str.cat(sep="\n") for c in frame.columns)
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
        findings += scan_text(text, str(path), names, allowed)
    return findings
