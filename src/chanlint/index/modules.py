"""Parse every file once; record its functions and classes by fully qualified name."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from chanlint.discover.files import SourceFile


@dataclass
class FunctionInfo:
    fqn: str
    qualname: str
    node: cst.FunctionDef | cst.Lambda
    module: ModuleInfo
    owner_class: str | None  # fqn of the class for methods


@dataclass
class ClassInfo:
    fqn: str
    qualname: str
    node: cst.ClassDef
    module: ModuleInfo
    methods: dict[str, str] = field(default_factory=dict)  # name -> function fqn


@dataclass
class ModuleInfo:
    source: SourceFile
    tree: cst.Module
    positions: dict[cst.CSTNode, CodeRange]
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    # node -> fqn of the definition it introduces, so evaluation can bind names.
    def_names: dict[cst.CSTNode, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.source.module

    @property
    def path(self) -> Path:
        return self.source.path

    def line_of(self, node: cst.CSTNode) -> int:
        pos = self.positions.get(node)
        return pos.start.line if pos else 0


@dataclass(frozen=True)
class ParseFailure:
    path: Path
    line: int
    column: int
    reason: str


class _DefinitionCollector(cst.CSTVisitor):
    """Records every def/class with a qualname like Python's own (`outer.<locals>.inner`)."""

    def __init__(self, module: ModuleInfo) -> None:
        self.module = module
        self.stack: list[tuple[str, str]] = []  # (kind, name)
        self.class_stack: list[ClassInfo] = []

    def _qualname(self, name: str) -> str:
        parts: list[str] = []
        for kind, n in self.stack:
            parts.append(n)
            if kind == "def":
                parts.append("<locals>")
        parts.append(name)
        return ".".join(parts)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        qual = self._qualname(node.name.value)
        info = ClassInfo(fqn=f"{self.module.name}.{qual}", qualname=qual, node=node, module=self.module)
        self.module.classes[info.fqn] = info
        self.module.def_names[node] = info.fqn
        self.stack.append(("class", node.name.value))
        self.class_stack.append(info)
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.stack.pop()
        self.class_stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        qual = self._qualname(node.name.value)
        owner = self.class_stack[-1] if self.stack and self.stack[-1][0] == "class" else None
        info = FunctionInfo(
            fqn=f"{self.module.name}.{qual}",
            qualname=qual,
            node=node,
            module=self.module,
            owner_class=owner.fqn if owner else None,
        )
        self.module.functions[info.fqn] = info
        self.module.def_names[node] = info.fqn
        if owner is not None:
            owner.methods[node.name.value] = info.fqn
        self.stack.append(("def", node.name.value))
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()


def parse_module(source: SourceFile, text: str) -> ModuleInfo:
    """Parse one file (raises libcst.ParserSyntaxError on bad syntax)."""
    tree = cst.parse_module(text)
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    positions = dict(wrapper.resolve(PositionProvider))
    module = ModuleInfo(source=source, tree=tree, positions=positions)
    tree.visit(_DefinitionCollector(module))
    return module


def decode_source(data: bytes) -> str:
    """Decode like Python does for source files (PEP 263 cookie or BOM, else UTF-8)."""
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)
