"""Which files need the (slow) libcst analysis up front: decided with a cheap stdlib-ast index.

libcst parsing costs tens of times what `ast.parse` does, and most files in a repository
register no callback and define no trigger or notifier. A file is parsed with libcst up front
only if it may be an entry point's home; every other file is parsed later, on demand, when
evaluation imports it. The test is conservative (anything unsure counts as relevant), so the
findings are the same as parsing everything: tests/test_relevance.py checks that.
"""

from __future__ import annotations

import ast
import builtins
import io
import tokenize
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from chanlint.catalog.model import Catalog

_BUILTINS = frozenset(dir(builtins))


@dataclass
class FileIndex:
    """What a file declares, from one `ast.parse`: its imports and its classes' bases."""

    module: str
    problem: tuple[str, int, int, str] | None = None  # (rule code, line, column, reason)
    # local name -> every dotted target an import binds it to (`if`/`try` branches may differ)
    imports: dict[str, tuple[str, ...]] = field(default_factory=dict)
    classes: dict[str, list[str | None]] = field(default_factory=dict)  # qualname -> bases (None: unknown)
    class_lines: dict[str, int] = field(default_factory=dict)  # qualname -> line of its `class`
    has_registration_token: bool = False
    # What libcst may leave unparsed until the function runs: (first, last, head) for each body
    # that starts on a line of its own and defines no class (classes must be known up front).
    # head "": the body's lines; "def name" (or "async def name"): the whole def's, header too,
    # for a def without decorators (nothing of its header runs or is read before it is called).
    lazy_bodies: tuple[tuple[int, int, str], ...] = ()
    # (first, last) for each run of lines between two statements at those levels (or before the
    # first, from line 2): blank lines and comments there, which libcst would make nodes of, one
    # by one (parse_module checks that they are, and that no backslash joins them to code).
    spare_lines: tuple[tuple[int, int], ...] = ()


def registration_tokens(catalog: Catalog) -> tuple[bytes, ...]:
    """Words without which a file cannot hand a callable to Airflow (callback slots, default args...)."""
    words = {
        *catalog.entrypoints.get("task_callback", {}),
        *catalog.entrypoints.get("dag_callback", {}),
        catalog.signatures["default_args"],
    }
    words |= {name.rsplit(".", 1)[-1] for name in catalog.entrypoints.get("deadline_callback", {})}
    return tuple(sorted(w.encode() for w in words))


def index_file(module: str, is_package: bool, data: bytes, tokens: tuple[bytes, ...]) -> FileIndex:
    index = FileIndex(module=module, has_registration_token=any(t in data for t in tokens))
    index.problem = source_problem(data)
    if index.problem is not None:
        return index
    try:
        with warnings.catch_warnings():  # SyntaxWarnings about the user's code are not ours to print
            warnings.simplefilter("ignore")
            tree = ast.parse(data)
    except SyntaxError as err:
        nested = "nested" in (err.msg or "") or "recursion" in (err.msg or "")
        code = "CHL908" if nested else "CHL900"
        index.problem = (code, err.lineno or 1, err.offset or 1, f"syntax error: {err.msg}")
        return index
    except (RecursionError, MemoryError):
        index.problem = ("CHL908", 1, 1, "nesting too deep to parse")
        return index
    package = module if is_package else module.rpartition(".")[0]
    lazy: list[tuple[int, int, str]] = []
    spare: list[tuple[int, int]] = []
    if tree.body and _start(tree.body[0]) > 2:  # a licence header, say (its first line kept:
        spare.append((2, _start(tree.body[0]) - 1))  # the module starts at line 1 either way)
    try:
        _collect(tree.body, index, package, prefix="", lazy=lazy, lines=_Lines(data), spare=spare)
    except RecursionError:
        index.problem = ("CHL908", 1, 1, "nesting too deep to analyse")
    index.lazy_bodies = tuple(lazy)
    index.spare_lines = tuple(spare)
    return index


def source_problem(data: bytes) -> tuple[str, int, int, str] | None:
    """Bytes Python would refuse before parsing: a null byte, or text not in the declared encoding."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return ("CHL904", line, 1, "null byte in source: not a Python text file")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        data.decode(encoding)
    except SyntaxError as exc:
        return ("CHL903", 1, 1, f"cannot decode file: {exc.msg if hasattr(exc, 'msg') else exc}")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return (
            "CHL903",
            line,
            1,
            f"cannot decode file as {exc.encoding}: byte {data[exc.start]:#04x} at offset {exc.start}",
        )
    except LookupError as exc:
        return ("CHL903", 1, 1, f"cannot decode file: {exc}")
    return None


class _Lines:
    """A file's lines (as Python counts them), split only if a def asks: most files indexed are
    never parsed by libcst, so their lazy bodies are never used."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._lines: list[bytes] | None = None

    def get(self, number: int) -> bytes | None:
        if self._lines is None:
            self._lines = self._data.splitlines()
        return self._lines[number - 1] if 0 < number <= len(self._lines) else None


def _collect(
    body: list[ast.stmt],
    index: FileIndex,
    package: str,
    prefix: str,
    lazy: list | None,
    lines: _Lines,
    spare: list | None = None,
) -> None:
    """Imports, classes and (with `lazy` and `spare`, at the levels that run on import) the
    lazily parsed bodies and the lines between statements."""
    if spare is not None:
        for before, after in pairwise(body):
            first, last = (before.end_lineno or before.lineno) + 1, _start(after) - 1
            if first <= last:
                spare.append((first, last))
    for node in body:
        if type(node) in _LEAVES:  # most statements: nothing to record, nothing inside
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                _bind(index, local, alias.name if alias.asname else alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                if alias.name != "*":
                    _bind(index, alias.asname or alias.name, f"{base}.{alias.name}" if base else alias.name)
        elif isinstance(node, ast.ClassDef):
            qualname = f"{prefix}{node.name}"
            index.classes[qualname] = [_dotted(b) for b in node.bases]
            index.class_lines[qualname] = node.lineno
            _collect(node.body, index, package, f"{qualname}.", lazy, lines, spare)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            classes_before = len(index.classes)
            _collect(node.body, index, package, f"{prefix}{node.name}.<locals>.", None, lines)
            if lazy is not None and len(index.classes) == classes_before:
                span = _own_lines(node, lines)
                # ast spells a name NFKC-normalised; the stub must spell it as the source does,
                # as it is when the def's line is ASCII
                if span is not None and not node.decorator_list and (lines.get(node.lineno) or b"").isascii():
                    keyword = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
                    lazy.append((node.lineno, span[1], f"{keyword} {node.name}"))
                elif span is not None:
                    lazy.append((*span, ""))
        elif isinstance(node, _BLOCKS):
            for part in ("body", "orelse", "finalbody"):
                _collect(getattr(node, part, []) or [], index, package, prefix, lazy, lines, spare)
            for handler in getattr(node, "handlers", []):
                _collect(handler.body, index, package, prefix, lazy, lines, spare)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                _collect(case.body, index, package, prefix, lazy, lines, spare)


# Statements that hold no statement and bind no import or class.
_LEAVES = frozenset(
    {
        ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Pass, ast.Raise,
        ast.Delete, ast.Global, ast.Nonlocal, ast.Assert, ast.Break, ast.Continue,
    }
)  # fmt: skip
# Statements holding statement lists (as libcst's If, For, While, With, Try and TryStar do; Match apart).
_BLOCKS = tuple(
    getattr(ast, name)
    for name in ("If", "For", "AsyncFor", "While", "With", "AsyncWith", "Try", "TryStar")
    if hasattr(ast, name)  # TryStar: Python 3.11+
)


def _bind(index: FileIndex, local: str, target: str) -> None:
    known = index.imports.get(local, ())
    if target not in known:
        index.imports[local] = (*known, target)


def _start(node: ast.stmt) -> int:
    """A statement's first line: its first decorator's, if it has any."""
    decorators = getattr(node, "decorator_list", None)
    return min(node.lineno, *(d.lineno for d in decorators)) if decorators else node.lineno


def _own_lines(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: _Lines) -> tuple[int, int] | None:
    """The lines of a def's body, if nothing of the header shares them (`def f(\n): return 1` does)."""
    first = node.body[0]
    decorators = getattr(first, "decorator_list", None)
    start = _start(first)
    if start <= node.lineno or node.end_lineno is None:
        return None
    text = lines.get(start)
    if text is None:
        return None
    stripped = text.lstrip()
    indent = len(text) - len(stripped)
    if stripped.startswith(b"@") if decorators else first.col_offset == indent:
        return (start, node.end_lineno)
    return None


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".") if package else []
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, node.module] if node.module else parts)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    if isinstance(node, ast.Subscript):  # Generic[T] and friends: the class subscripted
        return _dotted(node.value)
    return None


def entry_class_modules(
    indexes: dict[str, FileIndex],
    names: dict[str, str],
    catalog: Catalog,
    bases_of_interest: tuple[str, ...],
    external,
    packages: frozenset[str] = frozenset(),
) -> set[str]:
    """Modules defining a class that may derive from one of the given bases.

    `names` maps every importable module name to its primary name (`packages`: those that are
    packages); `external(cls)` gives the declared bases of classes chanlint cannot read. A base
    may be reached through re-exports (`from .version_compat import BaseOperator`, which imports
    it in an `if`/`else`): every import that may bind it is followed. What cannot be told counts
    as possibly relevant: this decides what is parsed up front, and too much costs only time.
    """
    wanted = set(bases_of_interest)
    classes: dict[str, list[list[str | None]]] = {}  # class -> each base's candidates (None: unsure)
    home: dict[str, str] = {}
    for module, index in indexes.items():
        for qualname in index.classes:
            classes[f"{module}.{qualname}"] = []
            home[f"{module}.{qualname}"] = module
    expanded: dict[str, tuple[str | None, ...]] = {}

    def canonical(dotted: str) -> str:
        return _primary(catalog.canonical(dotted), names)

    def expand(dotted: str, seen: frozenset[str] = frozenset()) -> tuple[str | None, ...]:
        """What a dotted name may be: classes (ours or not), or None where it cannot be told."""
        dotted = canonical(dotted)
        if dotted in expanded:
            return expanded[dotted]
        if dotted in classes or dotted in wanted or dotted in seen:
            return (dotted,)
        parts = dotted.split(".")
        answer: tuple[str | None, ...] = (dotted,)  # outside the scanned modules: known or not
        for cut in range(len(parts) - 1, 0, -1):
            module = names.get(".".join(parts[:cut]))
            if module is None or module not in indexes:
                continue
            head, rest = parts[cut], parts[cut + 1 :]
            targets = indexes[module].imports.get(head)
            if targets:  # a re-export: whatever that module imported
                answer = tuple(c for t in targets for c in expand(".".join([t, *rest]), seen | {dotted}))
            elif not rest or module not in packages:
                answer = (None,)  # bound some other way in a module we read: unsure
            # else: a submodule of a package we read, not itself scanned: outside, like any other
            break
        expanded[dotted] = answer
        return answer

    for module, index in indexes.items():
        top_classes = {q.split(".")[0] for q in index.classes}
        for qualname, bases in index.classes.items():
            resolved = classes[f"{module}.{qualname}"]
            for base in bases:
                if base is None:
                    resolved.append([None])
                    continue
                head, _, rest = base.partition(".")
                if head in index.imports:
                    targets = [f"{t}.{rest}" if rest else t for t in index.imports[head]]
                elif head in top_classes:
                    targets = [f"{module}.{base}"]
                elif head in _BUILTINS:
                    targets = [f"builtins.{base}"]
                else:
                    resolved.append([None])  # a name bound some other way: unsure
                    continue
                resolved.append([c for target in targets for c in expand(target)])
    relevant: dict[str, bool] = {}

    def is_relevant(fqn: str, seen: frozenset[str]) -> bool:
        if fqn in relevant:
            return relevant[fqn]
        if fqn in wanted or any(b in wanted for b in external(fqn)):
            return True
        if fqn not in classes:
            return False
        if fqn in seen:
            return False
        answer = any(c is None or is_relevant(c, seen | {fqn}) for base in classes[fqn] for c in base)
        relevant[fqn] = answer
        return answer

    return {home[fqn] for fqn in classes if classes[fqn] and is_relevant(fqn, frozenset())}


def _primary(dotted: str, names: dict[str, str]) -> str:
    """A class's dotted name with its module spelled the way the program names it."""
    head, _, tail = dotted.rpartition(".")
    while head:
        if head in names:
            return f"{names[head]}.{tail}"
        head, _, last = head.rpartition(".")
        tail = f"{last}.{tail}"
    return dotted


PARALLEL_THRESHOLD = 200  # below this, starting processes costs more than it saves


def _index_one(item: tuple[str, bool, bytes, tuple[bytes, ...]]) -> FileIndex:
    module, is_package, data, tokens = item
    return index_file(module, is_package, data, tokens)


def index_many(
    items: list[tuple[str, bool, bytes]],
    tokens: tuple[bytes, ...],
    jobs: int,
    progress=None,
    meanwhile: Callable[[], object] | None = None,
) -> list[FileIndex]:
    """Index files in order; across `jobs` processes when there are many (same result either way).
    With processes, `meanwhile` runs in this one while they work (it would otherwise wait)."""
    work = [(module, is_package, data, tokens) for module, is_package, data in items]
    if jobs <= 1 or len(work) < PARALLEL_THRESHOLD:
        results = []
        for done, item in enumerate(work, 1):
            results.append(_index_one(item))
            if progress and (done % 50 == 0 or done == len(work)):
                progress("indexing", done, len(work))
        return results
    from concurrent.futures import ProcessPoolExecutor

    results = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        answers = pool.map(_index_one, work, chunksize=32)  # every chunk handed out: the workers start
        if meanwhile is not None:
            meanwhile()
        for done, index in enumerate(answers, 1):
            results.append(index)
            if progress and (done % 50 == 0 or done == len(work)):
                progress("indexing", done, len(work))
    return results
