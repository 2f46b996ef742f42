"""The scanned tree as one program: modules by every importable name, definitions by fqn."""

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
    # Finds and parses a module that was not scanned but sits under an import root.
    loader: Callable[[str], ModuleInfo | None] | None = None
    _missing: set[str] = field(default_factory=set)

    @property
    def unresolved(self) -> set[str]:
        """Module names asked for that no file provided (a new file could change the answer)."""
        return set(self._missing)

    def __post_init__(self) -> None:
        for module in self.modules:
            self._add(module)

    def _add(self, module: ModuleInfo) -> None:
        module.on_define = self.functions.update  # defs inside bodies parsed later
        for name in (module.source.module, *module.source.aliases):
            self.by_name.setdefault(name, module)
        self.functions.update(module.functions)
        self.classes.update(module.classes)

    def module(self, name: str) -> ModuleInfo | None:
        found = self.by_name.get(name)
        if found is not None or self.loader is None or name in self._missing:
            return found
        loaded = self.loader(name)
        if loaded is None:
            self._missing.add(name)
            return None
        self._add(loaded)
        return self.by_name.get(name)

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
