"""What chanlint reports: findings (each rule's metadata is in check.rule)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chanlint.resolve.sites import Frame, resolve_frame

if TYPE_CHECKING:
    from chanlint.check.rule import Rule
    from chanlint.resolve.evaluator import Use


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


def finding_at(
    rule: Rule, use: Use, ref: EntryRef, process: str, message: str, group: str, call: str, text: str
) -> Finding:
    """A finding located at a use, with the chain that reached it (lines resolved now)."""
    site = use.site
    return Finding(
        code=rule.code,
        severity=rule.severity,
        path=site.path,
        line=site.line,
        column=site.column,
        end_line=site.end_line,
        end_column=site.end_column,
        process=process,
        message_type=message,
        group=group,
        call=call,
        entrypoint=ref,
        chain=tuple(resolve_frame(f) for f in use.chain),
        text=text,
    )


def finding_in_file(rule: Rule, path: str, line: int, column: int, text: str) -> Finding:
    """A finding about a file itself (it could not be read, a suppression comment in it): no
    entry point, process or message."""
    return Finding(
        code=rule.code,
        severity=rule.severity,
        path=path,
        line=line,
        column=column,
        end_line=line,
        end_column=column,
        process="",
        message_type="",
        group="",
        call="",
        entrypoint=EntryRef("", "", path, line),
        chain=(),
        text=text,
    )


class FindingSet:
    """One finding per sort key: a use reached from two registrations is shown for the earliest."""

    def __init__(self) -> None:
        self._by_key: dict[tuple, Finding] = {}

    def add(self, finding: Finding) -> None:
        key = finding.sort_key()
        known = self._by_key.get(key)
        if known is None or finding.shown_before(known):
            self._by_key[key] = finding

    def sorted(self) -> list[Finding]:
        return sorted(self._by_key.values(), key=Finding.sort_key)
