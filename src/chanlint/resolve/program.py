"""The scanned tree as one program: modules by every importable name, definitions by fqn."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from chanlint.catalog import Catalog
from chanlint.index.modules import ClassInfo, FunctionInfo, ModuleInfo


@dataclass
class Program:
    catalog: Catalog
    modules: list[ModuleInfo]
    by_name: dict[str, ModuleInfo] = field(default_factory=dict)
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for module in self.modules:
            for name in (module.source.module, *module.source.aliases):
                self.by_name.setdefault(name, module)
            self.functions.update(module.functions)
            self.classes.update(module.classes)

    def module(self, name: str) -> ModuleInfo | None:
        return self.by_name.get(name)

    def resolve_dotted(self, dotted: str) -> str | None:
        """A dotted path string (`pkg.mod.func`) to the fqn of a scanned definition."""
        head, _, tail = dotted.rpartition(".")
        while head:
            module = self.by_name.get(head)
            if module is not None:
                fqn = f"{module.name}.{tail}"
                if fqn in self.functions or fqn in self.classes:
                    return fqn
                return None
            head, _, last = head.rpartition(".")
            tail = f"{last}.{tail}"
        return None

    def external_bases(self, cls: str) -> list[str]:
        """Declared bases of a class chanlint cannot read (provider packages)."""
        return [b.base for b in self.catalog.external_bases if fnmatchcase(cls, f"{b.module_pattern}.*")]
