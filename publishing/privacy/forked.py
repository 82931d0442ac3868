"""One piece of work in parts: the first done in this process, the others in forked workers at
the same time (this machine has 2 cores: one worker). Used where a column's distinct values are
many (desensitisation, the publish gate), and only there: below that the fork and the transfer
cost more than the second core gives back (bench/privacy_bench.py).

A worker inherits by fork what it works on (the function and the parts, set here just before
forking), so nothing but the results is pickled. A worker that cannot start, fails or hangs has
its part done here: a part is never lost, and the results are those one process would give.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager

PATIENCE = 30.0  # seconds a worker may take beyond four times this process's own part
_inherited: tuple[Callable, Sequence] | None = None  # what forked workers inherit
_lock = threading.Lock()
# In a forked worker: its work is done in it, never forked again (the worker was forked while
# its parent held `_lock`, which it inherits held: a second fork there would wait for ever).
_in_worker = False


def can_fork() -> bool:
    """More than one core, the fork start method, and neither a forked worker's nor a daemon
    process."""
    import multiprocessing as mp
    import os

    return (
        not _in_worker
        and (os.cpu_count() or 1) > 1
        and "fork" in mp.get_all_start_methods()
        and not mp.current_process().daemon
    )


@contextmanager
def gc_paused():
    """Work on a column allocates millions of small objects and no cycles: the cyclic collector
    would walk the caller's whole heap again and again (in a forked worker, copying every page
    it touches). Reference counting still frees it all."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _work(index: int):
    """In a forked worker: its part of what the parent set before forking."""
    global _in_worker
    assert _inherited is not None
    _in_worker = True
    function, parts = _inherited
    with gc_paused():
        return function(parts[index])


def run_parts(function: Callable, parts: Sequence) -> list:
    """`[function(part) for part in parts]`: the first part here, each other in a forked worker
    (all here in a forked worker: `can_fork`)."""
    global _inherited
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    if _in_worker:
        return [function(part) for part in parts]
    with _lock:  # another thread's work must not be what these workers inherit
        _inherited = (function, parts)
        try:
            pool = ProcessPoolExecutor(len(parts) - 1, mp_context=mp.get_context("fork"))
            futures = [pool.submit(_work, i) for i in range(1, len(parts))]
        except OSError:
            pool, futures = None, []
        finally:
            _inherited = None
    try:
        start = time.perf_counter()
        results = [function(parts[0])]
        patience = PATIENCE + 4 * (time.perf_counter() - start)
        for i, part in enumerate(parts[1:]):
            try:
                results.append(futures[i].result(timeout=patience))
            except Exception:  # no worker, one that died or hangs: its part is done here
                for process in list((getattr(pool, "_processes", None) or {}).values()):
                    process.terminate()
                results.append(function(part))
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
    return results
