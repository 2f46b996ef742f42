"""What chanlint reports: findings, and the rule metadata they point to."""

from __future__ import annotations

from dataclasses import dataclass, field

from chanlint.resolve.sites import Frame


@dataclass(frozen=True)
class Example:
    """A mini repository (path -> source) and the (code, line) findings it must produce."""

    files: dict[str, str]
    expect: tuple[tuple[str, int], ...] = ()
    config: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)  # CheckOptions fields, e.g. show_unused_suppressions
    symlinks: dict[str, str] = field(default_factory=dict)  # link path -> target (relative or absolute)
    unreadable: tuple[str, ...] = ()  # files whose reading fails (simulated: tests run as root)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary: str
    explanation: str
    valid: tuple[Example, ...] = ()
    invalid: tuple[Example, ...] = ()
    trap: str = ""  # the catalog [traps] entry this rule reports, if any


@dataclass(frozen=True)
class EntryRef:
    kind: str
    name: str
    path: str
    line: int


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    process: str
    message_type: str
    group: str
    call: str
    entrypoint: EntryRef
    chain: tuple[Frame, ...]
    text: str
    fingerprint: str = ""  # stable across line shifts; set by check.postprocess

    def shown_before(self, other: Finding) -> bool:
        """Of two findings with one sort key (one use reached from two registrations), the one to
        show: the earliest registration."""
        return (self.entrypoint.path, self.entrypoint.line) < (other.entrypoint.path, other.entrypoint.line)

    def sort_key(self) -> tuple:
        return (
            self.path,
            self.line,
            self.column,
            self.code,
            self.process,
            self.message_type,
            self.entrypoint.kind,
            self.entrypoint.name,
        )
