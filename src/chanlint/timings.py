"""Where a run's time goes (`--timings`): each stage's wall and CPU seconds, what it handled.

CPU counts the worker processes a stage started and waited for (POSIX reports their use once
they are reaped; Windows does not, so there a stage's CPU is this process's alone). A stage
is measured whether or not anyone asks: two clock reads per stage cost nothing worth saving.
Plain classes, not dataclasses: a run answered from the cache imports this module too, and
making three dataclasses would cost it 1.5 ms, a fiftieth of such a run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]


class Stage:
    __slots__ = ("cpu", "detail", "name", "part", "wall")

    def __init__(self, name: str, wall: float = 0.0, cpu: float = 0.0, detail: str = "", part: bool = False) -> None:
        self.name = name
        self.wall = wall  # seconds
        self.cpu = cpu  # seconds, this process's and the workers' it waited for
        self.detail = detail  # what it handled, for a reader: "2,343 files indexed anew"
        self.part = part  # a share of the stage before it (its CPU only): not added to the total

    def __repr__(self) -> str:
        return f"Stage({self.name!r}, wall={self.wall:.3f}, cpu={self.cpu:.3f}, detail={self.detail!r})"


class Timings:
    __slots__ = ("stages",)
    workers_counted = resource is not None  # whether a stage's CPU includes its worker processes

    def __init__(self) -> None:
        self.stages: list[Stage] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[Stage]:
        """Measure the block as stage `name` (its detail may be set inside)."""
        stage = Stage(name)
        wall, cpu = time.perf_counter(), cpu_seconds()
        try:
            yield stage
        finally:
            stage.wall, stage.cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            self.stages.append(stage)

    def total(self) -> Stage:
        whole = [s for s in self.stages if not s.part]
        return Stage("total", sum(s.wall for s in whole), sum(s.cpu for s in whole))


def cpu_seconds() -> float:
    """CPU time of this process and of its reaped children, user and system."""
    if resource is None:
        times = os.times()
        return times.user + times.system
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class ParseTally:
    """libcst parses made in this process (a whole file, a skeleton or one function body)."""

    __slots__ = ("cpu", "lines", "parses")

    def __init__(self, parses: int = 0, lines: int = 0, cpu: float = 0.0) -> None:
        self.parses = parses
        self.lines = lines
        self.cpu = cpu  # seconds in libcst's parser

    def __repr__(self) -> str:
        return f"ParseTally(parses={self.parses}, lines={self.lines}, cpu={self.cpu:.3f})"

    def add(self, other: ParseTally) -> None:
        self.parses += other.parses
        self.lines += other.lines
        self.cpu += other.cpu

    def since(self, before: ParseTally) -> ParseTally:
        return ParseTally(self.parses - before.parses, self.lines - before.lines, self.cpu - before.cpu)

    def copy(self) -> ParseTally:
        return ParseTally(self.parses, self.lines, self.cpu)


LIBCST = ParseTally()  # this process's, kept by index.modules


def process_start_up() -> Stage | None:
    """From when this process started to now (Python's start, imports, reading the settings),
    where the platform says when that was (Linux); CPU: this process's so far."""
    try:
        with open("/proc/self/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        with open("/proc/uptime", "rb") as handle:
            uptime = float(handle.read().split()[0])
    except (OSError, IndexError, ValueError):
        return None
    started = float(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime: seconds after boot
    if not 0.0 <= uptime - started < 86400.0:  # clocks that disagree (a time namespace, say): no answer
        return None
    return Stage("start up", wall=uptime - started, cpu=time.process_time())
