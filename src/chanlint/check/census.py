"""The census: every message the analysis finds each entry point sending, allowed or not.

Where `judge` keeps only what a process refuses, the census keeps everything, so teams (and
Airflow's maintainers) can see which channels real callbacks, triggers and parse-time code use.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chanlint.catalog.model import Catalog
from chanlint.check.findings import EntryRef
from chanlint.resolve.sites import Frame, resolve_frame
from chanlint.timings import Timings

if TYPE_CHECKING:  # the command's module imports this one before the run, which loads libcst meanwhile
    from chanlint.check.entrypoints import EntryPoint


@dataclass(frozen=True)
class MessageUse:
    path: str
    line: int
    column: int
    process: str
    message_type: str
    group: str
    call: str
    entrypoint: EntryRef
    chain: tuple[Frame, ...]
    allowed: bool  # in the process's union

    def sort_key(self) -> tuple:
        return (
            self.process,
            self.entrypoint.kind,
            self.entrypoint.name,
            self.path,
            self.line,
            self.column,
            self.message_type,
        )


@dataclass
class Census:
    airflow_version: str
    uses: list[MessageUse]
    entrypoints: list[EntryRef]  # every entry point found, with or without uses
    processes_of: dict[tuple[str, str], tuple[str, ...]]  # (kind, name) -> processes
    timings: Timings = field(default_factory=Timings, repr=False, compare=False)  # of the run that took it

    def rows(self) -> list[tuple[str, str]]:
        """(process, entry kind) pairs that have entry points, in a stable order."""
        seen = {(p, e.kind) for e in self.entrypoints for p in self.processes_of[(e.kind, e.name)]}
        return sorted(seen)

    def entry_points_needing(self) -> dict[tuple[str, str], dict[str, int]]:
        """(process, kind) -> group -> number of entry points that send a message of that group."""
        needs: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for use in self.uses:
            needs[(use.process, use.entrypoint.kind)][use.group].add(use.entrypoint.name)
        return {row: {g: len(names) for g, names in groups.items()} for row, groups in needs.items()}

    def entry_counts(self) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for entry in self.entrypoints:
            for process in self.processes_of[(entry.kind, entry.name)]:
                counts[(process, entry.kind)] += 1
        return dict(counts)

    def message_counts(self) -> dict[tuple[str, str], int]:
        """(process, message) -> number of uses (call sites reached from entry points)."""
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for use in self.uses:
            counts[(use.process, use.message_type)] += 1
        return dict(counts)

    def suggested_policy(self, catalog: Catalog) -> dict[str, list[str]]:
        """Per process, the groups the scanned code uses: the narrowest group policy it passes."""
        used: dict[str, set[str]] = {p: set() for p in catalog.processes}
        for use in self.uses:
            if use.allowed:
                used[use.process].add(use.group)
        order = list(catalog.groups)
        return {p: sorted(groups, key=order.index) for p, groups in used.items()}

    def refused(self) -> list[MessageUse]:
        return [u for u in self.uses if not u.allowed]


def take_census(entries: list[EntryPoint], catalog: Catalog) -> Census:
    uses: dict[tuple, MessageUse] = {}
    refs: list[EntryRef] = []
    processes_of: dict[tuple[str, str], tuple[str, ...]] = {}
    for entry in entries:
        ref = entry.ref()
        key = (entry.kind, entry.name)
        if key not in processes_of:
            refs.append(ref)
            processes_of[key] = ()
        processes_of[key] = tuple(dict.fromkeys((*processes_of[key], *entry.processes)))
        for process_name in entry.processes:
            process = catalog.processes[process_name]
            for use in entry.uses:
                for message in dict.fromkeys(use.api.messages_in(entry.kind, entry.slot)):
                    item = MessageUse(
                        path=use.site.path,
                        line=use.site.line,
                        column=use.site.column,
                        process=process_name,
                        message_type=message,
                        group=catalog.message_group[message],
                        call=use.api.name,
                        entrypoint=ref,
                        chain=tuple(resolve_frame(f) for f in use.chain),
                        allowed=message in process.messages,
                    )
                    uses.setdefault(item.sort_key(), item)
    return Census(
        catalog.airflow,
        sorted(uses.values(), key=MessageUse.sort_key),
        sorted(refs, key=lambda r: (r.kind, r.name)),
        processes_of,
    )
