"""Parse every file once; record its functions and classes by fully qualified name.

Most of a module is function bodies, and most functions never run in an analysis: a body the
file's ast index marks lazy (see index.relevance) is left out of the libcst parse (its lines
replaced by one placeholder line, the lines after it shifted back into place when positions
are read) and parsed on its own the first time the function runs. A def without decorators is
left out whole, header too (a stub `def name()` stands in for it until then: evaluating a def
without decorators reads nothing but its name). The blank and comment lines between the
statements that run on import (FileIndex.spare_lines) are left out too: nothing reads them,
and libcst makes a node of each.
The result is a full parse's tree, at a fraction of the cost (only layout differs: the blank
lines and comments left out are missing, others around a lazy body may attach to other nodes,
and a node holding one, a class or an `if`, ends where its placeholder does).
"""

from __future__ import annotations

import re
import secrets
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst import CSTNode
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from chanlint.discover.files import SourceFile
from chanlint.timings import LIBCST


class LibcstFailure(Exception):
    """libcst failed on source that Python accepts: a bug of libcst's, reported as such, never
    a crash (Instagram/LibCST#1061's `() if 0 else(lambda:())` fails only in node validation,
    which _cst_parse skips)."""


def _cst_parse(text: str) -> cst.Module:
    start = time.process_time()
    try:
        with _unvalidated_nodes():
            return cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        raise
    except Exception as exc:  # whatever libcst raises on code it should accept
        raise LibcstFailure(f"{type(exc).__name__}: {exc}") from exc
    finally:  # for --timings: what the analysis spends in libcst's parser
        LIBCST.parses += 1
        LIBCST.lines += _line_count(text)
        LIBCST.cpu += time.process_time() - start


def _validation_hook() -> Callable[[CSTNode], None] | None:
    """libcst's `CSTNode.__post_init__`, if it is the one that does nothing but validate."""
    hook = CSTNode.__dict__.get("__post_init__")
    code = getattr(hook, "__code__", None)
    return hook if code is not None and code.co_names == ("_validate",) else None


def _not_validated(node: CSTNode) -> None:
    """Nodes from the parser hold by construction what validation checks (libcst says as much
    beside the hook); checking costs a sixth of a parse. A visit (`node.children`,
    MetadataWrapper) makes each node again from its parts, and would check it again: so would
    a parse's bug of libcst's that only validation finds (Instagram/LibCST#1061)."""


_VALIDATION = _validation_hook()


@contextmanager
def _unvalidated_nodes() -> Iterator[None]:
    """Nodes made meanwhile, in any thread, are not validated, where libcst's hook is the one
    known (used only around nodes made from a parse: the parser's, a visit's copies, a body put
    in its def). Windows overlapping in two threads only validate again, sooner."""
    if _VALIDATION is None:
        yield
        return
    CSTNode.__post_init__ = _not_validated  # type: ignore[method-assign]
    try:
        yield
    finally:
        CSTNode.__post_init__ = _VALIDATION  # type: ignore[method-assign]


@dataclass
class FunctionInfo:
    fqn: str
    qualname: str
    header: cst.FunctionDef  # as parsed; its body is a placeholder while `lazy_lines` is set
    module: ModuleInfo
    owner_class: str | None  # fqn of the class for methods
    lazy_lines: tuple[int, int] | None = None  # the body's lines, not parsed yet
    lazy_def: bool = False  # the lines are the whole def's: `header` is a stub without parameters
    refusal: tuple[int, str] | None = None  # libcst refused its lines: (line, reason); it does nothing

    @property
    def node(self) -> cst.FunctionDef:
        """The whole def, its body parsed on first need."""
        if self.lazy_lines is not None:
            self.module.parse_body(self)
        if self.refusal is not None and self.module.on_refusal is not None:
            self.module.on_refusal(self.module, *self.refusal)  # every task that needs it reports it
        return self.header


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
    lines: list[str] = field(default_factory=list)  # the source's lines, while bodies are unparsed
    lazy_mark: str = ""  # what each left-out body's placeholder begins with (see _skeleton)
    on_define: Callable[[dict[str, FunctionInfo]], None] | None = None  # told of defs found in bodies
    on_refusal: Callable[[ModuleInfo, int, str], None] | None = None  # told when a refused def is needed
    _positions: dict[cst.CSTNode, CodeRange] | None = None  # the parsed file's (its lazy bodies apart)
    # Where the skeleton's lines stop matching the file's: from each line on (first list), the
    # lines its left-out bodies took before it (second list). See _skeleton.
    _shift_from: list[int] = field(default_factory=list)
    _shift_by: list[int] = field(default_factory=list)
    # Bodies parsed later, each with the lines to add to its positions as parsed alone; their
    # positions once computed; and which one holds each function's code (by qualname).
    _fragments: list[tuple[cst.Module, int]] = field(default_factory=list)
    _fragment_positions: dict[int, Mapping[cst.CSTNode, CodeRange]] = field(default_factory=dict)
    _fragment_of: dict[str, int] = field(default_factory=dict)
    _whole_defs: dict[cst.FunctionDef, cst.FunctionDef] = field(default_factory=dict)  # def -> its stub
    _children: dict[cst.CSTNode, tuple[cst.CSTNode, ...]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.source.module

    @property
    def path(self) -> Path:
        return self.source.path

    def position(self, node: cst.CSTNode, function: str = "") -> CodeRange | None:
        """A node's position, computed on first need (it costs more than parsing): a node in a
        body parsed later needs only that body's positions, not the whole file's.

        `function` (the qualname whose code holds the node, as the evaluator knew it) says
        where to look first; every lookup is by identity, so a wrong hint costs time, not truth.
        """
        hinted = self._fragment_of.get(function)
        if hinted is not None:
            found = self._in_fragment(hinted, node)
            if found is not None:
                return found
        elif function:  # the module's or a class's own code, or a function parsed with the file
            found = self._in_skeleton(node)
            if found is not None:
                return found
        found = self._in_any_fragment(node)
        if found is not None:
            return found
        stub = self._whole_defs.get(node)
        if stub is not None:  # a def whose body was parsed later: its header's start to its body's end
            head, body = self._in_skeleton(stub), self._in_any_fragment(node.body)
            return CodeRange(head.start, body.end) if head is not None and body is not None else None
        return self._in_skeleton(node)

    def children_of(self, node: cst.CSTNode) -> tuple[cst.CSTNode, ...]:
        """`node.children`, found once: libcst finds them by making the node again from its
        parts (validating it), and every task that evaluates the code asks again."""
        known = self._children.get(node)
        if known is None:
            with _unvalidated_nodes():
                known = self._children[node] = tuple(node.children)
        return known

    def _in_skeleton(self, node: cst.CSTNode) -> CodeRange | None:
        """A node's position in the file, from its position in the skeleton parsed."""
        if self._positions is None:
            self._positions = dict(_positions_of(self.tree))
        found = self._positions.get(node)
        if found is None or not self._shift_from:
            return found
        start, end = found.start, found.end
        return CodeRange(
            CodePosition(start.line + self._shift_at(start.line), start.column),
            CodePosition(end.line + self._shift_at(end.line), end.column),
        )

    def _shift_at(self, line: int) -> int:
        at = bisect_right(self._shift_from, line)
        return self._shift_by[at - 1] if at else 0

    def _in_any_fragment(self, node: cst.CSTNode) -> CodeRange | None:
        for index in range(len(self._fragments)):
            found = self._in_fragment(index, node)
            if found is not None:
                return found
        return None

    def _in_fragment(self, index: int, node: cst.CSTNode) -> CodeRange | None:
        positions = self._fragment_positions.get(index)
        if positions is None:
            positions = self._fragment_positions[index] = _positions_of(self._fragments[index][0])
        found = positions.get(node)
        if found is None:
            return None
        offset = self._fragments[index][1]
        start, end = found.start, found.end
        return CodeRange(CodePosition(start.line + offset, start.column), CodePosition(end.line + offset, end.column))

    def parse_body(self, info: FunctionInfo) -> None:
        """Parse a lazy function body (or whole def) on its own and put it in place (see the
        module docstring)."""
        assert info.lazy_lines is not None
        first, last = info.lazy_lines
        info.lazy_lines = None
        stub = info.header
        text = "".join(self.lines[first - 1 : last])
        newline = _newline_of(self.lines[0]) if self.lines else "\n"
        try:
            if info.lazy_def and text[:1] not in (" ", "\t", "\f"):  # a def at column 0 parses as it is
                fragment, offset = _cst_parse(text), first - 1
                (parsed,) = fragment.body
            else:  # any indentation is valid under `if 1:`: the lines parse with their own columns
                fragment, offset = _cst_parse(f"if 1:{newline}{text}"), first - 2
                (parsed,) = fragment.body[0].body.body if info.lazy_def else (fragment.body[0].body,)
            if info.lazy_def and not (isinstance(parsed, cst.FunctionDef) and parsed.name.value == stub.name.value):
                raise ValueError("not the def the index saw")
        except (cst.ParserSyntaxError, LibcstFailure, RecursionError, ValueError, IndexError, AttributeError):
            fragment, whole, offset = self._reparsed_def(info, stub, first)
            parsed = whole if info.lazy_def else whole.body
        if info.lazy_def:
            info.header = parsed  # every position of it is the fragment's
        else:
            with _unvalidated_nodes():  # the parsed parts, put together
                info.header = stub.with_changes(body=parsed)
            self._whole_defs[info.header] = stub
        self._fragment_of[info.qualname] = len(self._fragments)
        self._fragments.append((fragment, offset))
        self.def_names[info.header] = info.fqn
        found: dict[str, FunctionInfo] = {}
        _walk_definitions(self, _statements(info.header.body), f"{info.qualname}.<locals>.", None, found)
        for inner in found.values():  # defs inside the body: their code is in the same fragment
            self._fragment_of[inner.qualname] = self._fragment_of[info.qualname]
        if found and self.on_define is not None:
            self.on_define(found)

    def _reparsed_def(
        self, info: FunctionInfo, stub: cst.FunctionDef, first: int
    ) -> tuple[cst.Module, cst.FunctionDef, int]:
        """The fallback for lines that do not parse alone: the def, from a full parse (or, if
        libcst refuses the whole file, the stub: the function then does nothing, and is reported)."""
        try:
            full = _cst_parse("".join(self.lines))
            shadow = ModuleInfo(source=self.source, tree=full)
            _walk_definitions(shadow, full.body, "", None, shadow.functions)
            return full, shadow.functions[info.fqn].header, 0
        except cst.ParserSyntaxError as exc:
            reason = exc.message
        except LibcstFailure as exc:
            reason = str(exc)
        except RecursionError:
            reason = "nesting too deep"
        except KeyError:
            reason = "the def is not where the index saw it"
        # The function then does nothing; each task that needs it reports the file (see api._analyse).
        info.refusal = (first, f"libcst cannot parse `{info.qualname}` ({reason}): it was not followed")
        return self.tree, stub, 0

    def line_of(self, node: cst.CSTNode, function: str = "") -> int:
        pos = self.position(node, function)
        return pos.start.line if pos else 0

    def def_line(self, qualname: str, node: cst.CSTNode) -> int:
        """A class's line: from the ast index if it has it, else from positions."""
        return self.class_lines.get(qualname) or self.line_of(node)


def _positions_of(tree: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """Every node's position, from libcst's PositionProvider.

    Through MetadataWrapper, resolving it also visits the whole tree for the batched providers
    asked (none), which makes every node again: nearly half the cost. So the provider's own
    step runs alone where libcst has the parts known; else, the wrapper."""
    if _CODEGEN_STATE is not None:
        provider = PositionProvider()
        provider._computed = {}
        state = _CODEGEN_STATE(
            default_indent=tree.default_indent, default_newline=tree.default_newline, provider=provider
        )
        tree._codegen(state)
        return provider._computed
    with _unvalidated_nodes():  # the visit makes each node again (and drops it), validating it
        return MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)


def _codegen_state() -> type | None:
    """libcst's codegen state that records positions, if PositionProvider is the one known:
    one whose step runs that state's codegen over the module and nothing else."""
    try:
        from libcst.metadata.position_provider import PositionProvidingCodegenState
    except ImportError:
        return None
    step = PositionProvider.__dict__.get("_gen_impl")
    code = getattr(step, "__code__", None)
    known = ("PositionProvidingCodegenState", "default_indent", "default_newline", "_codegen")
    if code is None or code.co_names != known or PositionProvider.METADATA_DEPENDENCIES:
        return None
    return PositionProvidingCodegenState


_CODEGEN_STATE = _codegen_state()


_LAZY = re.compile(r"'(chanlint:lazy:[0-9a-f]+):(def:)?(\d+):(\d+)'")


def _lazy_lines(stmt: cst.FunctionDef, mark: str) -> tuple[int, int, bool] | None:
    """The lines a placeholder stands for, and whether they are the whole def's (see _skeleton)."""
    body = stmt.body.body
    if isinstance(stmt.body, cst.IndentedBlock):
        body = body[0].body if len(body) == 1 and isinstance(body[0], cst.SimpleStatementLine) else ()
    if len(body) == 1:
        expr = body[0]
        if isinstance(expr, cst.Expr) and isinstance(expr.value, cst.SimpleString):
            match = _LAZY.fullmatch(expr.value.value)
            if match and match[1] == mark:
                return int(match[3]), int(match[4]), bool(match[2])
    return None


def _walk_definitions(
    module: ModuleInfo, body, prefix: str, owner: ClassInfo | None, found: dict[str, FunctionInfo]
) -> None:
    """Every def/class with a qualname like Python's own (`outer.<locals>.inner`).

    Definitions only occur as statements, so only statement bodies are walked: a fraction of
    the cost of visiting every expression node.
    """
    for stmt in body:
        if isinstance(stmt, cst.ClassDef):
            qual = f"{prefix}{stmt.name.value}"
            info = ClassInfo(fqn=f"{module.name}.{qual}", qualname=qual, node=stmt, module=module)
            module.classes[info.fqn] = info
            module.def_names[stmt] = info.fqn
            _walk_definitions(module, _statements(stmt.body), f"{qual}.", info, found)
        elif isinstance(stmt, cst.FunctionDef):
            qual = f"{prefix}{stmt.name.value}"
            lazy = _lazy_lines(stmt, module.lazy_mark) if module.lazy_mark else None
            info_f = FunctionInfo(
                fqn=f"{module.name}.{qual}",
                qualname=qual,
                header=stmt,
                module=module,
                owner_class=owner.fqn if owner else None,
                lazy_lines=lazy[:2] if lazy else None,
                lazy_def=bool(lazy and lazy[2]),
            )
            module.functions[info_f.fqn] = info_f
            found[info_f.fqn] = info_f
            module.def_names[stmt] = info_f.fqn
            if owner is not None:
                owner.methods[stmt.name.value] = info_f.fqn
            if info_f.lazy_lines is None:
                _walk_definitions(module, _statements(stmt.body), f"{qual}.<locals>.", None, found)
        else:
            for inner in _compound_bodies(stmt):
                _walk_definitions(module, inner, prefix, owner, found)


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


def parse_module(
    source: SourceFile,
    text: str,
    lazy_bodies: tuple[tuple[int, int, str], ...] = (),
    spare_lines: tuple[tuple[int, int], ...] = (),
) -> ModuleInfo:
    """Parse one file, leaving `lazy_bodies` (FileIndex.lazy_bodies) for later and `spare_lines`
    (FileIndex.spare_lines) out (raises libcst.ParserSyntaxError on bad syntax, LibcstFailure
    where libcst fails on good syntax)."""
    if not lazy_bodies and not spare_lines:
        module = ModuleInfo(source=source, tree=_cst_parse(text))
    else:
        lines = split_lines(text)
        mark = _fresh_mark(text)
        skeleton, shift_from, shift_by = _skeleton(lines, lazy_bodies, mark, spare_lines)
        try:
            tree = _cst_parse(skeleton)
        except cst.ParserSyntaxError:  # the whole file then: an error is placed by its own lines
            return parse_module(source, text)
        module = ModuleInfo(source=source, tree=tree, lines=lines, lazy_mark=mark)
        module._shift_from, module._shift_by = shift_from, shift_by
    _walk_definitions(module, module.tree.body, "", None, module.functions)
    return module


def _line_count(text: str) -> int:
    """len(split_lines(text)), without making the lines."""
    count = text.count("\n")
    if "\r" in text:
        count += text.count("\r") - text.count("\r\n")
    return count + (1 if text and text[-1] not in "\r\n" else 0)


def split_lines(text: str) -> list[str]:
    """Lines with their endings, as Python's tokenizer counts them (str.splitlines counts more)."""
    return _LINE.findall(text)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _newline_of(line: str) -> str:
    return "\r\n" if line.endswith("\r\n") else "\r" if line.endswith("\r") else "\n"


def _fresh_mark(text: str) -> str:
    """A placeholder prefix the source does not contain, so no string of the user's is taken for one."""
    while True:
        mark = f"chanlint:lazy:{secrets.token_hex(8)}"
        if mark not in text:
            return mark


def _skeleton(
    lines: list[str],
    lazy_bodies: tuple[tuple[int, int, str], ...],
    mark: str,
    spare_lines: tuple[tuple[int, int], ...] = (),
) -> tuple[str, list[int], list[int]]:
    """The source with each lazy body replaced by one placeholder line naming its lines (a whole
    def by a stub def around one), and the spare lines left out; and the line shifts that map
    the skeleton's lines back to the file's (from each skeleton line in the first list on, add
    the second list's number).

    The lines left out are dropped, not blanked: libcst makes nodes of every blank line (0.6
    of a skeleton's lines at 1x), a third of the skeleton's parse time; and of every comment
    (the licence header atop each provider module). Columns are the file's, but a stub's own
    parameters and columns are not the def's.
    """
    out: list[str] = []
    shift_from: list[int] = []
    shift_by: list[int] = []
    position = 1
    spans = [(first, last, None) for first, last in spare_lines if _only_layout(lines, first, last)]
    for first, last, head in sorted([*lazy_bodies, *spans], key=lambda span: span[:2]):
        if first < position or last > len(lines):
            continue  # not a range of this text (overlap or stale index): left as it is
        out.extend(lines[position - 1 : first - 1])
        if head is not None:
            line = lines[first - 1]
            indent = line[: len(line) - len(line.lstrip(" \t\f"))]
            placeholder = f"'{mark}:def:{first}:{last}'" if head else f"'{mark}:{first}:{last}'"
            out.append(f"{indent}{head + '(): ' if head else ''}{placeholder}{_newline_of(line)}")
        shift_from.append(len(out) + 1)  # the next line out is the file's line last + 1
        shift_by.append(last + 1 - shift_from[-1])
        position = last + 1
    out.extend(lines[position - 1 :])
    if out and not lines[-1].endswith(("\n", "\r")):
        out[-1] = out[-1].rstrip("\r\n")
    return "".join(out), shift_from, shift_by


_LAYOUT = re.compile(r"[ \t\f]*(?:#[^\r\n]*)?(?:\r\n|\r|\n)?")


def _only_layout(lines: list[str], first: int, last: int) -> bool:
    """Whether lines first..last hold only blanks and comments, and no backslash before them
    joins the first to the line above (`x = f \\` + `# c` + `(y)` is not `x = f (y)`)."""
    if not 0 < first <= last <= len(lines):
        return False
    if first > 1 and lines[first - 2].rstrip("\r\n").endswith("\\"):
        return False
    return all(_LAYOUT.fullmatch(line) for line in lines[first - 1 : last])


def decode_source(data: bytes) -> str:
    """Decode like Python does for source files (PEP 263 cookie or BOM, else UTF-8)."""
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)
