"""A rule's metadata and the examples it carries (one rule per module in check/rules/).

Apart from check.findings: a run answered from the cache unpickles findings and never needs
the rules, so it does not build these classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
