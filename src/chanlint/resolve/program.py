"""The scanned tree as one program: modules by every importable name, definitions by fqn.

Modules are parsed on first need, so that a run re-analysing a few entry points parses only
what they read. Each analysis task records the modules it reached (`start_task`/`end_task`):
every definition a task sees comes through a module it asked for by name, so those are all its
results depend on (see check.entrypoints).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from chanlint.catalog.model import Catalog
from chanlint.index.modules import ClassInfo, FunctionInfo, ModuleInfo


@dataclass
class Program:
    catalog: Catalog
    modules: list[ModuleInfo]
    by_name: dict[str, ModuleInfo] = field(default_factory=dict)
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    # Finds and parses a module that is not parsed yet: a scanned file, or one under an import root.
    loader: Callable[[str], ModuleInfo | None] | None = None
    _missing: set[str] = field(default_factory=set)
    _reached: dict[int, ModuleInfo] | None = None  # the running task's modules, by identity
    _asked_missing: set[str] | None = None  # ... the names it asked for that gave no module
    _refusals: set[tuple[str, int, str]] | None = None  # ... and the refused bodies it needed

    @property
    def unresolved(self) -> set[str]:
        """Module names asked for that no file provided (a new file could change the answer)."""
        return set(self._missing)

    def __post_init__(self) -> None:
        for module in self.modules:
            self._add(module)

    def _add(self, module: ModuleInfo) -> None:
        if module.on_define is not None:
            return  # added already
        module.on_define = self.functions.update  # defs inside bodies parsed later
        module.on_refusal = self._saw_refusal
        for name in (module.source.module, *module.source.aliases):
            self.by_name.setdefault(name, module)
        self.functions.update(module.functions)
        self.classes.update(module.classes)

    def module(self, name: str) -> ModuleInfo | None:
        found = self.by_name.get(name)
        if found is None and self.loader is not None and name not in self._missing:
            loaded = self.loader(name)
            if loaded is None:
                self._missing.add(name)
            else:
                self._add(loaded)
                found = self.by_name.get(name)
        if self._reached is not None:
            if found is not None:
                self._reached[id(found)] = found
            else:
                self._asked_missing.add(name)  # type: ignore[union-attr]
        return found

    def add(self, module: ModuleInfo) -> None:
        """A module parsed outside `module()` (a task's root, found by its path)."""
        self._add(module)

    def start_task(self, root: ModuleInfo | None) -> None:
        self._reached, self._asked_missing, self._refusals = {}, set(), set()
        if root is not None:
            self._reached[id(root)] = root

    def reached(self) -> list[ModuleInfo]:
        """The modules the running task has reached so far."""
        assert self._reached is not None
        return list(self._reached.values())

    def end_task(self) -> tuple[list[ModuleInfo], set[str], set[tuple[str, int, str]]]:
        """The modules the task reached, the names it asked for in vain, the refused bodies it needed."""
        reached, missing, refusals = self._reached, self._asked_missing, self._refusals
        self._reached = self._asked_missing = self._refusals = None
        assert reached is not None and missing is not None and refusals is not None
        return list(reached.values()), missing, refusals

    def _saw_refusal(self, module: ModuleInfo, line: int, reason: str) -> None:
        if self._refusals is not None:
            self._refusals.add((str(module.path), line, reason))

    def resolve_dotted(self, dotted: str) -> str | None:
        """A dotted path string (`pkg.mod.func`) to the fqn of a scanned definition."""
        head, _, tail = dotted.rpartition(".")
        while head:
            module = self.module(head)
            if module is not None:
                fqn = f"{module.name}.{tail}"
                if fqn in self.functions or fqn in self.classes:
                    return fqn
                return None
            head, _, last = head.rpartition(".")
            tail = f"{last}.{tail}"
        return None
