"""Where a run's time goes (`--timings`): each stage's wall and CPU seconds, what it handled.

CPU counts the worker processes a stage started and waited for (POSIX reports their use once
they are reaped; Windows does not, so there a stage's CPU is this process's alone). A stage
is measured whether or not anyone asks: two clock reads per stage cost nothing worth saving.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]


@dataclass
class Stage:
    name: str
    wall: float = 0.0  # seconds
    cpu: float = 0.0  # seconds, this process and the workers it waited for
    detail: str = ""  # what it handled, for a reader: "2,343 files indexed anew"
    part: bool = False  # a share of the stage before it (its CPU only): not added to the total


@dataclass
class Timings:
    stages: list[Stage] = field(default_factory=list)
    workers_counted: bool = resource is not None  # whether `cpu` includes worker processes

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


@dataclass
class ParseTally:
    """libcst parses made in this process (a whole file, a skeleton or one function body)."""

    parses: int = 0
    lines: int = 0
    cpu: float = 0.0  # seconds in libcst's parser

    def add(self, other: ParseTally) -> None:
        self.parses += other.parses
        self.lines += other.lines
        self.cpu += other.cpu

    def since(self, before: ParseTally) -> ParseTally:
        return ParseTally(self.parses - before.parses, self.lines - before.lines, self.cpu - before.cpu)

    def copy(self) -> ParseTally:
        return ParseTally(self.parses, self.lines, self.cpu)


LIBCST = ParseTally()  # this process's, kept by index.modules
