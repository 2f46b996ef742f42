"""Analysis tasks in forked processes: a task depends only on the files it reads (see
check.entrypoints.TaskResult), so running tasks apart gives what running them in turn gives.

Forked, the workers inherit the run's state (the files read, their indexes, the catalog) without
pickling it; only each task's answer travels back. Where fork is missing or unsafe (Windows,
macOS), tasks run in turn.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")

# Below this many tasks, starting the workers (and each parsing the modules its tasks share)
# costs more than it saves. Measured on 2 cores: 13 tasks (Airflow's first 14 example DAGs),
# 0.45 s in turn, 0.40 s in workers; a library edit's 10 tasks in the 2x bench corpus, 1.03 s
# in turn, 0.97 s in workers.
PARALLEL_TASKS = 8
CHUNK = 4  # consecutive tasks (neighbouring files, sharing imports) per hand-out

_work: Callable | None = None  # the function the forked workers run (set while a pool is open)


def can_fork() -> bool:
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def map_in_forks(work: Callable[[Item], Answer], items: list[Item], jobs: int) -> Iterator[Answer]:
    """`work` over `items`, answers in the items' order, in `jobs` forked processes. Interrupted
    (Ctrl-C, an error), the workers are stopped at once rather than left to finish the queue."""
    global _work
    _work = work
    pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_start_worker)
    try:
        yield from pool.imap(_run, items, chunksize=CHUNK)
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()
        _work = None


def _start_worker() -> None:
    """Ctrl-C reaches the whole process group: the parent alone answers it (and stops the pool).
    And no cycle collection: a worker's trees and values live until it exits (without tearing
    down), so the collector's passes find next to nothing (in the bench corpus at 1x: 63 passes,
    0.15-0.19 s of each worker's 2.7 s, about 1,300 objects freed)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()


def _run(item):
    assert _work is not None, "a task handed to a process that was not forked from the run"
    return _work(item)
