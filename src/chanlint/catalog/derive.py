"""Read Airflow's own source, never importing it, and compare what it declares with the catalog.

Sources can be an installed environment (found through package metadata), wheel files, or a
source checkout. From them we extract every process union (`Name = Annotated[A | B | ...,
Field(discriminator=...)]`) and every SDK function that sends a message to its supervisor
(`SUPERVISOR_COMMS.send(Msg(...))`, `await comms.asend(msg=Msg(...))`).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import libcst as cst

from chanlint.catalog.model import Catalog, relocate

DISTRIBUTIONS = ("apache-airflow-core", "apache-airflow-task-sdk")
# A union whose name says it flows up to a supervisor or manager is one a child process sends.
CHILD_TO_PARENT = re.compile(r"^(To\w*(Supervisor|Manager)|\w+ToSupervisor)$")
SEND_METHODS = {"send", "asend"}
SDK_PREFIX = "airflow/sdk/"


class SourceError(Exception):
    """The source to read from cannot be found or read."""


class SourceTree:
    """Python files of the `airflow` package, from folders and wheels, by their path in it."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[Path, str | None]] = {}  # "airflow/x.py" -> (folder or wheel, member)
        self._archives: dict[Path, zipfile.ZipFile] = {}
        self._texts: dict[str, str] = {}

    @classmethod
    def from_paths(cls, paths: list[Path]) -> SourceTree:
        tree = cls()
        for path in paths:
            if path.is_file() and path.suffix == ".whl":
                tree._add_wheel(path)
            elif path.is_dir():
                tree._add_folder(path)
            else:
                raise SourceError(f"{path}: not a folder or a .whl file")
        if not tree.files:
            raise SourceError("no `airflow` package found in " + ", ".join(str(p) for p in paths))
        return tree

    @classmethod
    def installed(cls) -> SourceTree:
        roots: list[Path] = []
        for name in DISTRIBUTIONS:
            try:
                dist = metadata.distribution(name)
            except metadata.PackageNotFoundError:
                continue
            roots.append(Path(str(dist.locate_file(""))))
        if not roots:
            raise SourceError(
                "neither apache-airflow-core nor apache-airflow-task-sdk is installed; "
                "pass --source with wheels or a source checkout"
            )
        return cls.from_paths(sorted(set(roots)))

    def _add_folder(self, root: Path) -> None:
        # site-packages (root/airflow) or a checkout (airflow-core/src/airflow, task-sdk/src/airflow).
        packages = [p for p in (root / "airflow", *root.glob("*/src/airflow"), *root.glob("src/airflow")) if p.is_dir()]
        if root.name == "airflow" and root.is_dir():
            packages.append(root)
        for package in packages:
            for file in package.rglob("*.py"):
                rel = "airflow/" + file.relative_to(package).as_posix()
                self.files.setdefault(rel, (file, None))

    def _add_wheel(self, wheel: Path) -> None:
        archive = zipfile.ZipFile(wheel)  # kept open: reopening per member costs seconds
        self._archives[wheel] = archive
        for member in archive.namelist():
            if member.startswith("airflow/") and member.endswith(".py"):
                self.files.setdefault(member, (wheel, member))

    def read(self, rel: str) -> str | None:
        if rel in self._texts:
            return self._texts[rel]
        entry = self.files.get(rel)
        if entry is None:
            return None
        location, member = entry
        if member is None:
            text = location.read_text(encoding="utf-8")
        else:
            text = self._archives[location].read(member).decode("utf-8")
        self._texts[rel] = text
        return text

    def iter_texts(self, prefix: str = "airflow/", needle: str | None = None) -> Iterator[tuple[str, str]]:
        for rel in sorted(self.files):
            if not rel.startswith(prefix):
                continue
            text = self.read(rel)
            if text is not None and (needle is None or needle in text):
                yield rel, text


@dataclass
class Derived:
    """What the source declares."""

    unions: dict[str, set[str]] = field(default_factory=dict)  # dotted union name -> message names
    senders: dict[str, set[str]] = field(default_factory=dict)  # message -> SDK functions sending it


def derive(tree: SourceTree) -> Derived:
    derived = Derived()
    for rel, text in tree.iter_texts(needle="discriminator"):
        if "Annotated" not in text:
            continue
        module = rel[:-3].replace("/", ".").removesuffix(".__init__")
        for name, members in _unions_in(text):
            derived.unions[f"{module}.{name}"] = members
    for rel, text in tree.iter_texts(prefix=SDK_PREFIX, needle="send("):
        module = rel[:-3].replace("/", ".").removesuffix(".__init__")
        for function, message in _sends_in(text):
            derived.senders.setdefault(message, set()).add(f"{module}.{function}")
    return derived


def _parse(text: str) -> cst.Module | None:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError:
        return None


def _unions_in(text: str) -> Iterator[tuple[str, set[str]]]:
    module = _parse(text)
    if module is None:
        return
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, value = small.targets[0].target, small.value
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                target, value = small.target, small.value
            else:
                continue
            if isinstance(target, cst.Name) and (members := _annotated_union(value)):
                yield target.value, members


def _annotated_union(value: cst.BaseExpression) -> set[str] | None:
    if not isinstance(value, cst.Subscript) or _last_name(value.value) != "Annotated" or len(value.slice) < 2:
        return None
    first, *rest = (el.slice.value for el in value.slice if isinstance(el.slice, cst.Index))
    if not any(
        isinstance(r, cst.Call) and any(a.keyword and a.keyword.value == "discriminator" for a in r.args) for r in rest
    ):
        return None
    members: set[str] = set()
    _collect_bitor(first, members)
    return members or None


def _collect_bitor(node: cst.BaseExpression, out: set[str]) -> None:
    """Members of `A | B | C` or of `Union[A, B, C]` (the spelling Airflow 3.0 used)."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        _collect_bitor(node.left, out)
        _collect_bitor(node.right, out)
    elif isinstance(node, cst.Subscript) and _last_name(node.value) == "Union":
        for element in node.slice:
            if isinstance(element.slice, cst.Index):
                _collect_bitor(element.slice.value, out)
    elif (name := _last_name(node)) is not None:
        out.add(name)


def _last_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


class _SendCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.stack: list[str] = []
        self.found: list[tuple[str, str]] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.stack.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stack.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in SEND_METHODS):
            return
        receiver = _last_name(func.value)
        if receiver is None or "comms" not in receiver.lower():
            return
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value == "msg":
                if isinstance(arg.value, cst.Call) and (message := _last_name(arg.value.func)):
                    self.found.append((".".join(self.stack) or "<module>", message))
                break


def _sends_in(text: str) -> list[tuple[str, str]]:
    module = _parse(text)
    if module is None:
        return []
    collector = _SendCollector()
    module.visit(collector)
    return collector.found


@dataclass
class Drift:
    """Differences between the source and the catalog; empty means the catalog is current."""

    added: dict[str, list[str]] = field(default_factory=dict)  # process -> messages new in its union
    removed: dict[str, list[str]] = field(default_factory=dict)  # process -> messages gone from it
    ungrouped: list[str] = field(default_factory=list)  # messages in a union with no group
    missing_unions: list[str] = field(default_factory=list)  # catalog processes whose union is gone
    new_unions: dict[str, list[str]] = field(default_factory=dict)  # child->parent unions not catalogued
    unclaimed: dict[str, list[str]] = field(default_factory=dict)  # message -> SDK senders no row covers

    def __bool__(self) -> bool:
        return any((self.added, self.removed, self.ungrouped, self.missing_unions, self.new_unions, self.unclaimed))


def compare(derived: Derived, catalog: Catalog) -> Drift:
    drift = Drift()
    known_unions = {p.union for p in catalog.processes.values()}
    for process in catalog.processes.values():
        actual = derived.unions.get(process.union)
        if actual is None:
            drift.missing_unions.append(f"{process.name} ({process.union})")
            continue
        if added := sorted(actual - process.messages):
            drift.added[process.name] = added
        if removed := sorted(process.messages - actual):
            drift.removed[process.name] = removed
    for union, members in sorted(derived.unions.items()):
        short = union.rsplit(".", 1)[-1]
        if union not in known_unions and CHILD_TO_PARENT.match(short):
            drift.new_unions[union] = sorted(members)
    in_unions = set().union(*(derived.unions.get(u, set()) for u in known_unions | set(drift.new_unions)))
    drift.ungrouped = sorted(in_unions - catalog.message_group.keys())
    claimed = {m for call in catalog.calls for m in call.sends} | set(catalog.sent_by_runtime)
    for message, senders in sorted(derived.senders.items()):
        if message in in_unions and message not in claimed:
            drift.unclaimed[message] = sorted(senders)
    return drift


class Definitions:
    """What names a source tree defines, read statically: for checking catalog names per release."""

    def __init__(self, tree: SourceTree) -> None:
        self.tree = tree
        self._modules: dict[str, dict[str, object] | None] = {}

    def _module_file(self, module: str) -> str | None:
        base = module.replace(".", "/")
        for rel in (f"{base}.py", f"{base}/__init__.py"):
            if rel in self.tree.files:
                return rel
        return None

    def _names(self, module: str) -> dict[str, object] | None:
        """Top-level names: classes map to their member names; lazy exports map to their module."""
        if module in self._modules:
            return self._modules[module]
        rel = self._module_file(module)
        text = self.tree.read(rel) if rel else None
        parsed = _parse(text) if text is not None else None
        names: dict[str, object] | None = None
        if parsed is not None:
            names = {}
            for stmt in parsed.body:
                _top_level_names(stmt, names)
        self._modules[module] = names
        return names

    def defines(self, dotted: str) -> bool:
        parts = dotted.split(".")
        for split in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:split])
            names = self._names(module)
            if names is None:
                continue
            rest = parts[split:]
            value = names.get(rest[0])
            if value is None:
                return False
            if len(rest) == 1:
                return True
            return isinstance(value, set) and len(rest) == 2 and rest[1] in value
        return False


def _top_level_names(stmt: cst.CSTNode, names: dict[str, object]) -> None:
    if isinstance(stmt, cst.ClassDef):
        members: set[str] = set()
        for item in stmt.body.body:
            if isinstance(item, cst.FunctionDef):
                members.add(item.name.value)
            elif isinstance(item, cst.SimpleStatementLine):
                for small in item.body:
                    targets = (
                        small.targets
                        if isinstance(small, cst.Assign)
                        else ([small] if isinstance(small, cst.AnnAssign) else [])
                    )
                    for t in targets:
                        if isinstance(t.target, cst.Name):
                            members.add(t.target.value)
        names[stmt.name.value] = members
    elif isinstance(stmt, cst.FunctionDef):
        names[stmt.name.value] = "function"
    elif isinstance(stmt, cst.SimpleStatementLine):
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    bound = alias.asname.name if alias.asname else alias.name
                    if isinstance(bound, cst.Name):
                        names.setdefault(bound.value, "import")
            elif isinstance(small, (cst.Assign, cst.AnnAssign)):
                targets = small.targets if isinstance(small, cst.Assign) else [small]
                for t in targets:
                    if isinstance(t.target, cst.Name):
                        names.setdefault(t.target.value, "value")
                        if isinstance(small.value, cst.Dict) and "lazy" in t.target.value.lower():
                            _lazy_map(small.value, names)
    elif isinstance(stmt, (cst.If, cst.Try)):
        for inner in stmt.body.body:
            _top_level_names(inner, names)


def _lazy_map(node: cst.Dict, names: dict[str, object]) -> None:
    """`__lazy_imports = {"Name": ".module", ...}`: Airflow's lazily exported names."""
    for element in node.elements:
        if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
            key = element.key.evaluated_value
            value = element.value
            if isinstance(value, cst.Tuple) and value.elements:
                value = value.elements[0].value
            if isinstance(key, str) and isinstance(value, cst.SimpleString):
                target = value.evaluated_value
                if isinstance(target, str):
                    names[key] = ("lazy", target)


CONTEXT_BUILDERS = ("airflow/sdk/execution_time/task_runner.py", "airflow/sdk/execution_time/context.py")


def missing_targets(catalog: Catalog, tree: SourceTree, locations: dict[str, str] | None = None) -> set[str]:
    """API table targets that a release's source does not define (provider targets excepted)."""
    definitions = Definitions(tree)
    context_text = "".join(tree.read(rel) or "" for rel in CONTEXT_BUILDERS)

    def located(dotted: str) -> str:
        return catalog.located(dotted) if locations is None else relocate(dotted, locations)

    missing: set[str] = set()
    for call in catalog.calls:
        for target in call.targets:
            if target.startswith("airflow.providers."):
                continue
            if call.kind == "context-key":
                present = f'"{target}"' in context_text
            else:
                present = definitions.defines(located(target))
            if not present:
                missing.add(target)
    return missing


def source_release(paths: list[Path]) -> str | None:
    """The Airflow release (major.minor) of a core wheel among the sources, from its file name."""
    for path in paths:
        match = re.match(r"apache_airflow_core-(\d+)\.(\d+)\.", path.name)
        if match:
            return f"{match.group(1)}.{match.group(2)}"
    return None
