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
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    # node -> fqn of the definition it introduces, so evaluation can bind names.
    def_names: dict[cst.CSTNode, str] = field(default_factory=dict)
    # class qualname -> line, from the file's ast index when there is one (no positions needed)
    class_lines: dict[str, int] = field(default_factory=dict)
    _positions: dict[cst.CSTNode, CodeRange] | None = None

    @property
    def name(self) -> str:
        return self.source.module

    @property
    def path(self) -> Path:
        return self.source.path

    @property
    def positions(self) -> dict[cst.CSTNode, CodeRange]:
        """Node positions, computed on first need: most modules an import reaches never need them,
        and computing them costs more than parsing."""
        if self._positions is None:
            wrapper = MetadataWrapper(self.tree, unsafe_skip_copy=True)
            self._positions = dict(wrapper.resolve(PositionProvider))
        return self._positions

    def line_of(self, node: cst.CSTNode) -> int:
        pos = self.positions.get(node)
        return pos.start.line if pos else 0

    def def_line(self, qualname: str, node: cst.CSTNode) -> int:
        """A class's line: from the ast index if it has it, else from positions."""
        return self.class_lines.get(qualname) or self.line_of(node)


def _collect_definitions(module: ModuleInfo) -> None:
    """Every def/class with a qualname like Python's own (`outer.<locals>.inner`).

    Definitions only occur as statements, so only statement bodies are walked: a fraction of
    the cost of visiting every expression node.
    """

    def walk(body, prefix: str, owner: ClassInfo | None) -> None:
        for stmt in body:
            if isinstance(stmt, cst.ClassDef):
                qual = f"{prefix}{stmt.name.value}"
                info = ClassInfo(fqn=f"{module.name}.{qual}", qualname=qual, node=stmt, module=module)
                module.classes[info.fqn] = info
                module.def_names[stmt] = info.fqn
                walk(_statements(stmt.body), f"{qual}.", info)
            elif isinstance(stmt, cst.FunctionDef):
                qual = f"{prefix}{stmt.name.value}"
                info_f = FunctionInfo(
                    fqn=f"{module.name}.{qual}",
                    qualname=qual,
                    node=stmt,
                    module=module,
                    owner_class=owner.fqn if owner else None,
                )
                module.functions[info_f.fqn] = info_f
                module.def_names[stmt] = info_f.fqn
                if owner is not None:
                    owner.methods[stmt.name.value] = info_f.fqn
                walk(_statements(stmt.body), f"{qual}.<locals>.", None)
            else:
                for inner in _compound_bodies(stmt):
                    walk(inner, prefix, owner)

    walk(module.tree.body, "", None)


def _statements(suite: cst.BaseSuite) -> list:
    return list(suite.body) if isinstance(suite, cst.IndentedBlock) else []


def _compound_bodies(stmt: cst.CSTNode) -> list[list]:
    """The statement lists nested in an if/for/while/with/try/match statement."""
    bodies: list[list] = []
    if isinstance(stmt, (cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar)):
        bodies.append(_statements(stmt.body))
        orelse = getattr(stmt, "orelse", None)
        while isinstance(orelse, cst.If):
            bodies.append(_statements(orelse.body))
            orelse = orelse.orelse
        if isinstance(orelse, cst.Else):
            bodies.append(_statements(orelse.body))
        for handler in getattr(stmt, "handlers", ()):
            bodies.append(_statements(handler.body))
        final = getattr(stmt, "finalbody", None)
        if final is not None:
            bodies.append(_statements(final.body))
    elif isinstance(stmt, cst.Match):
        bodies.extend(_statements(case.body) for case in stmt.cases)
    return bodies


def parse_module(source: SourceFile, text: str) -> ModuleInfo:
    """Parse one file (raises libcst.ParserSyntaxError on bad syntax)."""
    module = ModuleInfo(source=source, tree=cst.parse_module(text))
    _collect_definitions(module)
    return module


def decode_source(data: bytes) -> str:
    """Decode like Python does for source files (PEP 263 cookie or BOM, else UTF-8)."""
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)
