"""Where a use or a chain step is: resolved to lines only when a finding shows it.

No libcst import at run time: findings (and the cache that stores them) need only these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst

    from chanlint.index.modules import ModuleInfo


@dataclass(frozen=True)
class Frame:
    path: str
    line: int
    function: str


@dataclass(frozen=True, eq=False)
class PendingFrame:
    """A chain step whose line is looked up only if a finding shows it (positions are costly)."""

    module: ModuleInfo
    node: cst.CSTNode
    function: str

    def resolve(self) -> Frame:
        return Frame(str(self.module.path), self.module.line_of(self.node, self.function), self.function)


def resolve_frame(frame: Frame | PendingFrame) -> Frame:
    return frame.resolve() if isinstance(frame, PendingFrame) else frame


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    column: int  # 1-based
    end_line: int
    end_column: int


@dataclass(frozen=True)
class PendingSite:
    """A node whose position is looked up only if a finding shows it (positions are costly)."""

    module: ModuleInfo = field(compare=False)
    node: cst.CSTNode  # compared by identity
    function: str = field(default="", compare=False)  # the qualname whose code holds it: where to look

    def resolve(self) -> Site:
        pos = self.module.position(self.node, self.function)
        path = str(self.module.path)
        if pos is None:
            return Site(path, 1, 1, 1, 1)
        return Site(path, pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1)
