"""One writer at a time on a file other processes share (the access log, a licence's ledger,
the tokens file, a share's version log): an exclusive `flock` on a lock file beside it, held for
the `with` block. Advisory, local: the lake is on one machine's disk (docs/stack.md)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    lock_file = Path(lock_file)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
