"""Typed view of the declared Airflow catalog (see data/airflow-*.toml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class ApiCall:
    """One row of the SDK API table: a call (or attribute, subscript, raise) and what it sends."""

    name: str
    kind: str  # "call" | "attribute" | "any-attribute" | "subscript" | "raise"
    targets: tuple[str, ...]
    sends: tuple[str, ...]
    examples: tuple[str, ...]
    keyword_present: str | None = None
    keyword_absent: str | None = None
    returns: str | None = None
    only_in: tuple[str, ...] = ()
    sends_anywhere: tuple[str, ...] = ()  # of `sends`, those sent even where `only_in` does not hold

    def sent_in(self, kind: str, slot: str) -> bool:
        """Whether code of this entry kind (and callback slot) has the call's full effect."""
        return not self.only_in or kind in self.only_in or f"{kind}.{slot}" in self.only_in

    def messages_in(self, kind: str, slot: str) -> tuple[str, ...]:
        """The messages the call really sends from code of this entry kind and slot."""
        return self.sends if self.sent_in(kind, slot) else self.sends_anywhere

    def applies(self, keywords: frozenset[str]) -> bool:
        """Whether the call form (its keyword arguments) selects this row."""
        if self.keyword_present is not None and self.keyword_present not in keywords:
            return False
        return not (self.keyword_absent is not None and self.keyword_absent in keywords)


@dataclass(frozen=True)
class Trap:
    """Code that sends nothing wrong but fails, or does nothing, where it runs ([traps])."""

    id: str
    kind: str  # call, only-in, registration, awaited-notifier, deadline-context, trigger-load, sync-on-loop
    targets: tuple[str, ...]
    works_in: tuple[str, ...]  # entry kinds or "kind.slot" where the code works
    releases: tuple[str, ...]
    processes: tuple[str, ...] = ()  # the processes whose code it concerns (all when empty)
    spared: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (release, messages the trap does not affect)

    def spared_in(self, release: str) -> tuple[str, ...]:
        return next((messages for r, messages in self.spared if r == release), ())

    def messages_in(self, kind: str, slot: str) -> tuple[str, ...]:
        """A trap is recorded like an API use but sends no message: channel rules skip it."""
        return ()

    def works(self, kind: str, slot: str) -> bool:
        return kind in self.works_in or f"{kind}.{slot}" in self.works_in


@dataclass(frozen=True)
class Process:
    name: str
    title: str
    union: str
    messages: frozenset[str]


@dataclass(frozen=True)
class ExternalBase:
    module_pattern: str
    base: str


@dataclass
class Catalog:
    """Everything chanlint knows about one Airflow release."""

    airflow: str
    core: str
    task_sdk: str
    groups: dict[str, str]
    message_group: dict[str, str]
    processes: dict[str, Process]
    entrypoints: dict[str, dict[str, tuple[str, ...]]]
    markers: dict[str, tuple[str, ...]]
    external_bases: tuple[ExternalBase, ...]
    aliases: dict[str, str]
    context_type: str
    context_keys: dict[str, dict[str, object]]
    types: dict[str, dict[str, str]]
    signatures: dict[str, str]
    sent_by_runtime: tuple[str, ...]
    layout: dict  # dag_folder, import_folders, non_dag_folders, safe_mode_all, safe_mode_any
    locations: dict[str, str]  # canonical class -> where this release defines it (if elsewhere)
    notes: tuple[str, ...]  # release-specific facts worth showing users
    calls: tuple[ApiCall, ...]
    traps: dict[str, Trap]
    coroutine_functions: frozenset[str]  # API targets whose call returns a coroutine (never blocks)
    known_bases: dict[str, str]  # Airflow's public subclasses of the marker bases -> base
    runtime_code: dict  # packages, except: Airflow's own modules (see is_runtime_module)
    deadline_context: dict  # type, keys, values: what a deadline callback's `context` holds
    # Derived lookups, filled by __post_init__.
    calls_by_target: dict[tuple[str, str], list[ApiCall]] = field(default_factory=dict)
    traps_by_target: dict[tuple[str, str], list[Trap]] = field(default_factory=dict)
    _bases_cache: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for call in self.calls:
            for target in call.targets:
                self.calls_by_target.setdefault((call.kind, target), []).append(call)
        for trap in self.traps.values():
            for target in trap.targets:
                self.traps_by_target.setdefault((trap.kind, target), []).append(trap)

    def is_runtime_module(self, name: str) -> bool:
        """Whether a module is Airflow's own runtime code (not a provider, not user code)."""

        def under(packages) -> bool:
            return any(name == p or name.startswith(f"{p}.") for p in packages)

        return under(self.runtime_code["packages"]) and not under(self.runtime_code["except"])

    def declared_bases(self, cls: str) -> list[str]:
        """Bases of a class chanlint does not read (Airflow's own, provider packages), as declared."""
        if cls in self.known_bases:
            return [self.known_bases[cls]]
        found = self._bases_cache.get(cls)
        if found is None:
            found = [b.base for b in self.external_bases if fnmatchcase(cls, f"{b.module_pattern}.*")]
            self._bases_cache[cls] = found
        return list(found)

    def trap_lookup(self, kind: str, target: str) -> list[Trap]:
        return self.traps_by_target.get((kind, target), [])

    def canonical(self, name: str) -> str:
        """The canonical name of an import path, following declared aliases by prefix."""
        if name in self.aliases:
            return self.aliases[name]
        head = name.rpartition(".")[0]
        while head:
            if head in self.aliases:
                return f"{self.aliases[head]}.{name[len(head) + 1 :]}"
            head, _, _ = head.rpartition(".")
        return name

    def lookup(self, kind: str, target: str, keywords: frozenset[str] = frozenset()) -> list[ApiCall]:
        return [c for c in self.calls_by_target.get((kind, target), ()) if c.applies(keywords)]

    def is_known_target(self, kind: str, target: str) -> bool:
        return (kind, target) in self.calls_by_target

    def located(self, dotted: str) -> str:
        """Where this release defines a canonical name (classes may have moved between releases)."""
        head = dotted
        while head:
            if head in self.locations:
                return self.locations[head] + dotted[len(head) :]
            head = head.rpartition(".")[0]
        return dotted

    def marker(self, name: str) -> tuple[str, ...]:
        return self.markers.get(name, ())


def relocate(dotted: str, locations: dict[str, str]) -> str:
    """Rewrite the longest prefix of `dotted` that `locations` maps elsewhere."""
    head = dotted
    while head:
        if head in locations:
            return locations[head] + dotted[len(head) :]
        head = head.rpartition(".")[0]
    return dotted
