"""Read code as Python would run it, without running it: a small abstract interpreter.

Names hold sets of abstract values (see values.py). Calls into scanned code are followed
with their arguments bound (memoised per argument shape), so `helper(context)` knows its
parameter is the task context. Calls that the catalog's API table knows become `Use`s;
operator, DAG and deadline constructors seen on the way become `Registration`s.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import libcst as cst

from chanlint.catalog.model import ApiCall, Catalog, Trap
from chanlint.index.modules import FunctionInfo, ModuleInfo
from chanlint.resolve.program import Program
from chanlint.resolve.sites import Frame, PendingFrame, PendingSite, Site
from chanlint.resolve.values import (
    EMPTY,
    Bound,
    DeadlineCallbackV,
    DictV,
    Inst,
    LambdaV,
    PartialV,
    Ref,
    SeqV,
    Str,
    ThreadedV,
    Values,
    one,
)

MAX_DEPTH = 60
_DICT_ATTRS = frozenset(dir(dict))
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class Use:
    """One SDK call (or attribute read, raise, ...) reached, with the chain that reached it."""

    api: ApiCall | Trap  # a Trap sends nothing: only the trap rules look at it
    target: str  # the API table target that matched (for a trap: what the code does)
    where: Site | PendingSite
    chain: tuple[Frame | PendingFrame, ...]
    # How the call runs relative to an event loop: directly awaited (`await Variable.aget()`),
    # or in a worker thread (`await sync_to_async(Variable.get)(...)`, `asyncio.to_thread`).
    awaited: bool = False
    threaded: bool = False

    @property
    def site(self) -> Site:
        return self.where.resolve() if isinstance(self.where, PendingSite) else self.where

    def called_from(self, frame: Frame | PendingFrame) -> Use:
        return replace(self, chain=(frame, *self.chain))


@dataclass(frozen=True)
class Registration:
    """User code handed to Airflow to run later: a callback, a deadline callback, a @task."""

    kind: str  # task_callback | dag_callback | deadline_callback | task
    slot: str  # on_failure_callback, the deadline callback class, or "@task"
    target: object  # an abstract value
    path: str
    where: PendingSite  # the registering call
    kwargs: Values = EMPTY  # deadline callbacks: the kwargs= given


@dataclass
class FuncResult:
    uses: tuple[Use, ...]
    returns: Values


@dataclass
class Scope:
    module: ModuleInfo
    function: str  # qualname, "<module>", or a class qualname
    locals: dict[str, Values]
    enclosing: Scope | None = None
    is_module: bool = False
    uses: list[Use] = field(default_factory=list)
    returns: set = field(default_factory=set)
    branch_depth: int = 0  # > 0 inside code that may or may not run (if, loop, try, match)

    def pending_frame(self, node: cst.CSTNode) -> PendingFrame:
        return PendingFrame(self.module, node, self.function)


@dataclass
class _ModuleState:
    scope: Scope
    done: bool = False


class Evaluator:
    def __init__(self, program: Program) -> None:
        self.program = program
        self.catalog: Catalog = program.catalog
        self.module_states: dict[str, _ModuleState] = {}
        self.memo: dict[tuple, FuncResult] = {}
        self.in_progress: set[tuple] = set()
        self.closures: dict[str, Scope] = {}
        self.lambdas: dict[str, tuple[cst.Lambda, Scope]] = {}
        self.task_functions: set[str] = set()
        self.class_attrs: dict[str, dict[str, Values]] = {}
        self.class_scopes: dict[str, Scope] = {}  # where each class statement ran
        self.instance_attrs: dict[tuple[str, str], Values] = {}  # (class, attr) -> self.attr values
        self.registrations: list[Registration] = []
        self.depth = 0
        self._awaited: set[int] = set()  # ids of expressions under `await`
        cat = self.catalog
        self._context_type = cat.context_type
        self.deadline_context_type = str(cat.deadline_context["type"])
        self._deadline_trap = next((t for t in cat.traps.values() if t.kind == "deadline-context"), None)
        self._type_checking = set(cat.marker("type_checking"))
        self._get_current_context = set(cat.marker("get_current_context"))
        self._partial = set(cat.marker("partial"))
        self._returns_first = set(cat.marker("returns_first_argument"))
        self._calls_first = set(cat.marker("calls_first_argument"))
        self._dag = set(cat.marker("dag"))
        self._dag_decorator = set(cat.marker("dag_decorator"))
        self._task_decorator = set(cat.marker("task_decorator"))
        self._task_group = set(cat.marker("task_group"))
        self._deadline_classes = set(cat.entrypoints.get("deadline_callback", {}))
        self._task_slots = tuple(cat.entrypoints.get("task_callback", {}))
        self._dag_slots = tuple(cat.entrypoints.get("dag_callback", {}))
        self.sig = cat.signatures
        self._mro_cache: dict[str, list[str]] = {}

    # ------------------------------------------------------------------ modules
    def module_scope(self, module: ModuleInfo) -> Scope:
        """Evaluate a module's top level once; its scope holds the globals and parse-time uses."""
        state = self.module_states.get(module.name)
        if state is not None:
            return state.scope
        scope = Scope(module=module, function="<module>", locals={}, is_module=True)
        state = _ModuleState(scope=scope)
        self.module_states[module.name] = state
        self.exec_block(module.tree.body, scope)
        state.done = True
        scope.uses = _dedupe(scope.uses)
        return scope

    # ------------------------------------------------------------------ statements
    def exec_block(self, body: Sequence[cst.CSTNode], scope: Scope) -> None:
        for stmt in body:
            self.exec_stmt(stmt, scope)

    def exec_stmt(self, stmt: cst.CSTNode, scope: Scope) -> None:
        kind = type(stmt)
        if kind is cst.SimpleStatementLine:
            for small in stmt.body:
                self.exec_small(small, scope)
        elif kind is cst.FunctionDef:
            self.exec_def(stmt, scope)
        elif kind is cst.ClassDef:
            self.exec_class(stmt, scope)
        elif kind is cst.If:
            if self._is_type_checking(stmt.test, scope):
                if stmt.orelse is not None:
                    self.exec_orelse(stmt.orelse, scope)
                return
            self.ev(stmt.test, scope)
            self.exec_branch(stmt.body, scope)
            if stmt.orelse is not None:
                self.exec_orelse(stmt.orelse, scope)
        elif kind is cst.For:
            items = self.ev(stmt.iter, scope)
            self.bind(stmt.target, _iter_items(items), scope)
            self.exec_branch(stmt.body, scope)
            if stmt.orelse is not None:
                self.exec_branch(stmt.orelse.body, scope)
        elif kind is cst.While:
            self.ev(stmt.test, scope)
            self.exec_branch(stmt.body, scope)
            if stmt.orelse is not None:
                self.exec_branch(stmt.orelse.body, scope)
        elif kind is cst.With:
            for item in stmt.items:
                value = self.ev(item.item, scope)
                if item.asname is not None:
                    self.bind(item.asname.name, value, scope)
            self.exec_suite(stmt.body, scope)
        elif kind in (cst.Try, cst.TryStar):
            self.exec_branch(stmt.body, scope)
            for handler in stmt.handlers:
                if handler.type is not None:
                    self.ev(handler.type, scope)
                if handler.name is not None:
                    self.bind(handler.name.name, EMPTY, scope)
                self.exec_branch(handler.body, scope)
            if stmt.orelse is not None:
                self.exec_branch(stmt.orelse.body, scope)
            if stmt.finalbody is not None:
                self.exec_suite(stmt.finalbody.body, scope)
        elif kind is cst.Match:
            self.ev(stmt.subject, scope)
            for case in stmt.cases:
                self.exec_branch(case.body, scope)

    def exec_orelse(self, orelse: cst.If | cst.Else, scope: Scope) -> None:
        if isinstance(orelse, cst.If):
            scope.branch_depth += 1
            try:
                self.exec_stmt(orelse, scope)
            finally:
                scope.branch_depth -= 1
        else:
            self.exec_branch(orelse.body, scope)

    def exec_branch(self, suite: cst.BaseSuite, scope: Scope) -> None:
        """Code that may run: names it binds keep what they held before, too."""
        scope.branch_depth += 1
        try:
            self.exec_suite(suite, scope)
        finally:
            scope.branch_depth -= 1

    def exec_suite(self, suite: cst.BaseSuite, scope: Scope) -> None:
        if isinstance(suite, cst.IndentedBlock):
            self.exec_block(suite.body, scope)
        elif isinstance(suite, cst.SimpleStatementSuite):
            for small in suite.body:
                self.exec_small(small, scope)

    def exec_small(self, small: cst.BaseSmallStatement, scope: Scope) -> None:
        kind = type(small)
        if kind is cst.Expr:
            self.ev(small.value, scope)
        elif kind is cst.Assign:
            value = self.ev(small.value, scope)
            for target in small.targets:
                self.bind(target.target, value, scope)
        elif kind is cst.AnnAssign:
            if small.value is not None:
                self.bind(small.target, self.ev(small.value, scope), scope)
        elif kind is cst.AugAssign:
            self.ev(small.value, scope)
        elif kind is cst.Return:
            if small.value is not None:
                scope.returns |= self.ev(small.value, scope)
        elif kind is cst.Raise:
            if small.exc is not None:
                self.exec_raise(small, scope)
        elif kind is cst.Import:
            self.exec_import(small, scope)
        elif kind is cst.ImportFrom:
            self.exec_import_from(small, scope)
        elif kind is cst.Assert:
            self.ev(small.test, scope)

    def exec_raise(self, node: cst.Raise, scope: Scope) -> None:
        assert node.exc is not None
        for value in self.ev(node.exc, scope):
            cls = value.cls if isinstance(value, Inst) else value.name if isinstance(value, Ref) else None
            if cls is None:
                continue
            for candidate in self.mro(cls):
                apis = self.catalog.lookup("raise", candidate)
                if apis:
                    self.record(apis, candidate, node, scope)
                    break

    # ------------------------------------------------------------------ imports
    def exec_import(self, node: cst.Import, scope: Scope) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            self._run_module_imports(dotted, node, scope)
            if alias.asname is not None:
                self.bind(alias.asname.name, one(self._module_ref(dotted)), scope)
            else:
                top = dotted.split(".")[0]
                self.bind(cst.Name(top), one(self._module_ref(top)), scope)

    def exec_import_from(self, node: cst.ImportFrom, scope: Scope) -> None:
        base = self._absolute_from(node, scope.module)
        if base is None:
            return
        self._run_module_imports(base, node, scope)
        if isinstance(node.names, cst.ImportStar):
            module = self.program.module(base)
            if module is not None and module is not scope.module:
                for name, value in self.module_scope(module).locals.items():
                    if not name.startswith("_"):
                        scope.locals[name] = value
            return
        for alias in node.names:
            name = _dotted(alias.name)
            if name is None:
                continue
            value = self._import_attr(base, name, node, scope)
            target = alias.asname.name if alias.asname is not None else cst.Name(name)
            self.bind(target, value, scope)

    def _import_attr(self, base: str, name: str, node: cst.CSTNode, scope: Scope) -> Values:
        module = self.program.module(base)
        if module is not None:
            submodule = self.program.module(f"{base}.{name}")
            if submodule is not None:
                self._run_module_imports(f"{base}.{name}", node, scope)
                return one(Ref(submodule.name))
            found = self.module_scope(module).locals.get(name)
            if found is not None:
                return found
            return one(Ref(f"{module.name}.{name}"))
        return one(Ref(self.catalog.canonical(f"{base}.{name}")))

    def _module_ref(self, dotted: str) -> Ref:
        module = self.program.module(dotted)
        return Ref(module.name if module is not None else dotted)

    def _run_module_imports(self, dotted: str, node: cst.CSTNode, scope: Scope) -> None:
        """Importing a scanned module runs its top level (and its packages'), here."""
        parts = dotted.split(".")
        for i in range(1, len(parts) + 1):
            module = self.program.module(".".join(parts[:i]))
            if module is None or module is scope.module:
                continue
            module_scope = self.module_scope(module)
            if module_scope.uses:
                frame = scope.pending_frame(node)
                scope.uses.extend(u.called_from(frame) for u in module_scope.uses)

    def _absolute_from(self, node: cst.ImportFrom, module: ModuleInfo) -> str | None:
        level = len(node.relative)
        name = _dotted(node.module) if node.module is not None else ""
        if level == 0:
            return name
        package = module.name.split(".")
        if not module.source.is_package:
            package = package[:-1]
        if level > 1:
            package = package[: len(package) - (level - 1)]
        return ".".join([*package, name] if name else package) or None

    # ------------------------------------------------------------------ definitions
    def exec_def(self, node: cst.FunctionDef, scope: Scope) -> None:
        fqn = scope.module.def_names.get(node)
        if fqn is None:
            return
        is_task = False
        for decorator in node.decorators:
            for value in self.ev(decorator.decorator, scope):
                if isinstance(value, Ref) and self._is_task_decorator(value.name):
                    is_task = True
        if not scope.is_module:
            self.closures[fqn] = scope
        if is_task:
            self.task_functions.add(fqn)
            self.register("task", "@task", Ref(fqn), node, scope)
        self.bind(node.name, one(Ref(fqn)), scope)

    def exec_class(self, node: cst.ClassDef, scope: Scope) -> None:
        fqn = scope.module.def_names.get(node)
        if fqn is None:
            return
        for base in node.bases:
            self.ev(base.value, scope)
        self.class_scopes[fqn] = scope
        body = Scope(module=scope.module, function=fqn.split(".", 1)[-1], locals={}, enclosing=scope)
        self.exec_suite(node.body, body)
        scope.uses.extend(body.uses)
        self.class_attrs[fqn] = body.locals
        self.bind(node.name, one(Ref(fqn)), scope)

    # ------------------------------------------------------------------ classes
    def class_bases(self, fqn: str) -> list[str]:
        info = self.program.classes.get(fqn)
        if info is None:
            return self.catalog.declared_bases(fqn)
        scope = self.class_scopes.get(fqn) or self.module_scope(info.module)
        bases: list[str] = []
        for arg in info.node.bases:
            if arg.keyword is not None:
                continue
            for value in self.ev(arg.value, scope, record=False):
                if isinstance(value, Ref):
                    bases.append(self.catalog.canonical(value.name))
        return bases

    def mro(self, cls: str) -> list[str]:
        """Linearised ancestry (depth-first, duplicates removed): enough for lookups.

        Cached once every class involved has had its class statement evaluated (a class
        defined inside a function resolves its bases only when that function runs).
        """
        cls = self.catalog.canonical(cls)
        cached = self._mro_cache.get(cls)
        if cached is not None:
            return cached
        order = self._linearise(cls)
        if all(c in self.class_scopes or c not in self.program.classes for c in order):
            self._mro_cache[cls] = order
        return order

    def _linearise(self, cls: str) -> list[str]:
        order: list[str] = []
        stack = [cls]
        while stack and len(order) < 64:
            current = stack.pop(0)
            if current in order:
                continue
            order.append(current)
            stack = self.class_bases(current) + stack
        return order

    def is_subclass(self, cls: str, bases: Iterable[str]) -> bool:
        wanted = set(bases)
        return any(c in wanted for c in self.mro(cls))

    def _method_kind(self, fqn: str) -> str:
        """ "staticmethod", "classmethod" or "method", from the def's decorators."""
        info = self.program.functions.get(fqn)
        if info is not None:
            for decorator in info.header.decorators:  # the header: no need to parse the body
                name = _dotted(decorator.decorator)
                if name in ("staticmethod", "classmethod"):
                    return name
        return "method"

    def find_method(self, cls: str, name: str) -> str | None:
        for candidate in self.mro(cls):
            info = self.program.classes.get(candidate)
            if info is not None and name in info.methods:
                return info.methods[name]
        return None

    # ------------------------------------------------------------------ expressions
    def ev(self, node: cst.BaseExpression, scope: Scope, record: bool = True) -> Values:
        if not record:
            silent = Scope(
                module=scope.module,
                function=scope.function,
                locals=scope.locals,
                enclosing=scope.enclosing,
                is_module=scope.is_module,
            )
            return self.ev(node, silent)
        kind = type(node)  # exact types: these classes have no subclasses, and ABC checks cost more
        if kind is cst.Name:
            return self.lookup(node.value, scope)
        if kind is cst.Attribute:
            base = self.ev(node.value, scope)
            return self._union(self.attr_of(v, node.attr.value, node, scope) for v in base)
        if kind is cst.Call:
            return self.call(node, scope)
        if kind is cst.Subscript:
            return self.subscript(node, scope)
        if kind is cst.SimpleString:
            value = _string_value(node)
            return one(Str(value)) if isinstance(value, str) else EMPTY
        if kind in (cst.List, cst.Tuple, cst.Set):
            items = tuple(self.ev(el.value, scope) for el in node.elements if isinstance(el, cst.Element))
            for el in node.elements:
                if isinstance(el, cst.StarredElement):
                    self.ev(el.value, scope)
            return one(SeqV(items))
        if kind is cst.Dict:
            return self.ev_dict(node, scope)
        if kind is cst.Lambda:
            return self.ev_lambda(node, scope)
        if kind is cst.Await:
            self._awaited.add(id(node.expression))
            return self.ev(node.expression, scope)
        if kind is cst.BooleanOperation:
            return self.ev(node.left, scope) | self.ev(node.right, scope)
        if kind is cst.IfExp:
            self.ev(node.test, scope)
            return self.ev(node.body, scope) | self.ev(node.orelse, scope)
        if kind is cst.BinaryOperation:
            left, right = self.ev(node.left, scope), self.ev(node.right, scope)
            if isinstance(node.operator, cst.Add):
                return _concat(left, right)
            return EMPTY
        if kind is cst.NamedExpr:
            value = self.ev(node.value, scope)
            self.bind(node.target, value, scope)
            return value
        if kind in (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp):
            return self.ev_comprehension(node, scope)
        # Anything else: evaluate sub-expressions for the calls they make.
        for child in scope.module.children_of(node):
            self._ev_children(child, scope)
        return EMPTY

    def _ev_children(self, node: cst.CSTNode, scope: Scope) -> None:
        if isinstance(node, cst.BaseExpression):
            self.ev(node, scope)
            return
        for child in scope.module.children_of(node):
            self._ev_children(child, scope)

    def ev_dict(self, node: cst.Dict, scope: Scope) -> Values:
        items: list[tuple[str, Values]] = []
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = self.ev(element.key, scope)
                value = self.ev(element.value, scope)
                keys = [k.value for k in key if isinstance(k, Str)]
                items.extend((k, value) for k in keys)
            elif isinstance(element, cst.StarredDictElement):
                for spread in self.ev(element.value, scope):
                    if isinstance(spread, DictV):
                        items.extend(spread.items)
        return one(DictV(tuple(items)))

    def ev_lambda(self, node: cst.Lambda, scope: Scope) -> Values:
        # Keyed by node identity (stable for the run); the line-based name is made only when a
        # lambda is shown to the user, so plain `sorted(key=lambda ...)` costs no position pass.
        fqn = f"{scope.module.name}.<lambda>@{id(node)}"
        self.lambdas[fqn] = (node, scope)
        return one(LambdaV(fqn))

    def lambda_name(self, fqn: str) -> str:
        """`module.function.<lambda>:line`, the name users see."""
        node, scope = self.lambdas[fqn]
        owner = "" if scope.is_module else f".{scope.function}"
        return f"{scope.module.name}{owner}.<lambda>:{scope.module.line_of(node, scope.function)}"

    def ev_comprehension(self, node: cst.BaseExpression, scope: Scope) -> Values:
        inner = Scope(module=scope.module, function=scope.function, locals={}, enclosing=scope)
        inner.uses = scope.uses  # same frame: uses land in the caller's list
        comp = node.for_in  # type: ignore[attr-defined]
        while comp is not None:
            self.bind(comp.target, _iter_items(self.ev(comp.iter, inner)), inner)
            for condition in comp.ifs:
                self.ev(condition.test, inner)
            comp = comp.inner_for_in
        if isinstance(node, cst.DictComp):
            self.ev(node.key, inner)
            self.ev(node.value, inner)
            return EMPTY
        return one(SeqV((self.ev(node.elt, inner),)))  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ names
    def lookup(self, name: str, scope: Scope) -> Values:
        current: Scope | None = scope
        while current is not None:
            if name in current.locals:
                return current.locals[name]
            if current.is_module:
                break
            current = current.enclosing
        globals_ = self.module_scope(scope.module).locals
        if name in globals_:
            return globals_[name]
        return one(Ref(f"builtins.{name}")) if name in _BUILTINS else EMPTY

    def bind(self, target: cst.BaseExpression, value: Values, scope: Scope) -> None:
        if isinstance(target, cst.Name):
            if scope.branch_depth:
                value = scope.locals.get(target.value, EMPTY) | value
            scope.locals[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            seqs = [v for v in value if isinstance(v, SeqV)]
            for i, element in enumerate(target.elements):
                item = self._union(s.items[i] for s in seqs if i < len(s.items))
                self.bind(element.value, item, scope)
        elif isinstance(target, cst.Attribute):
            owners = self.ev(target.value, scope)
            attr = target.attr.value
            for owner in owners:
                if isinstance(owner, Inst) and owner.cls in self.program.classes:
                    key = (owner.cls, attr)
                    self.instance_attrs[key] = self.instance_attrs.get(key, EMPTY) | value
            self._register_assigned_callback(owners, attr, value, target, scope)
        elif isinstance(target, cst.Subscript):
            self.ev(target.value, scope)

    # ------------------------------------------------------------------ attributes
    def attr_of(self, value: object, attr: str, node: cst.CSTNode, scope: Scope) -> Values:
        if isinstance(value, Ref):
            return self._ref_attr(value.name, attr)
        if isinstance(value, Inst):
            if value.cls.startswith(f"{self.deadline_context_type}[") and attr not in _DICT_ATTRS:
                # `context["dag_run"].run_id` in a deadline callback: the value is a plain dict.
                self._record_deadline_trap(f"{value.cls.removeprefix(self.deadline_context_type)}.{attr}", node, scope)
                return EMPTY
            return self._inst_attr(value, attr, node, scope)
        return EMPTY

    def _ref_attr(self, name: str, attr: str) -> Values:
        module = self.program.module(name)
        if module is not None:
            found = self.module_scope(module).locals.get(attr)
            if found is not None:
                return found
            sub = self.program.module(f"{name}.{attr}")
            return one(Ref(sub.name if sub else f"{name}.{attr}"))
        if name in self.program.classes or self.catalog.declared_bases(name):
            for cls in self.mro(name):
                method = self._own_member(cls, attr)
                if method is not None:
                    return method
        return one(Ref(self.catalog.canonical(f"{name}.{attr}")))

    def _own_member(self, cls: str, attr: str) -> Values | None:
        """A class's own member; an API table target wins even over the scanned SDK's source."""
        target = f"{cls}.{attr}"
        if any(self.catalog.is_known_target(kind, target) for kind in ("call", "attribute")):
            return one(Ref(target))
        info = self.program.classes.get(cls)
        if info is not None:
            if attr in info.methods:
                method = info.methods[attr]
                if self._method_kind(method) == "classmethod":
                    return one(Bound(method, Ref(cls)))
                return one(Ref(method))
            attrs = self.class_attrs.get(cls, {})
            return attrs.get(attr)
        return None

    def _inst_attr(self, value: Inst, attr: str, node: cst.CSTNode, scope: Scope) -> Values:
        for cls in self.mro(value.cls):
            apis = self.catalog.lookup("attribute", f"{cls}.{attr}")
            if apis:
                self.record(apis, f"{cls}.{attr}", node, scope)
                return EMPTY
            apis = self.catalog.lookup("any-attribute", cls)
            if apis:
                self.record(apis, cls, node, scope)
                return self._returns(apis)
            if self.catalog.is_known_target("call", f"{cls}.{attr}"):
                return one(Ref(f"{cls}.{attr}"))
            info = self.program.classes.get(cls)
            if info is not None:
                if attr in info.methods:
                    method = info.methods[attr]
                    kind = self._method_kind(method)
                    if kind == "staticmethod":
                        return one(Ref(method))
                    return one(Bound(method, Ref(cls) if kind == "classmethod" else value))
                assigned = self.instance_attrs.get((value.cls, attr))
                if assigned is not None:
                    return assigned
                attrs = self.class_attrs.get(cls, {})
                if attr in attrs:
                    return attrs[attr]
                continue
            if self.catalog.is_known_target("call", f"{cls}.{attr}"):
                return one(Ref(f"{cls}.{attr}"))
        return EMPTY

    # ------------------------------------------------------------------ subscripts
    def subscript(self, node: cst.Subscript, scope: Scope) -> Values:
        base = self.ev(node.value, scope)
        keys: Values = EMPTY
        for element in node.slice:
            if isinstance(element.slice, cst.Index):
                keys = self.ev(element.slice.value, scope)
            else:
                self._ev_children(element.slice, scope)
        key = next((k.value for k in keys if isinstance(k, Str)), None)
        return self._union(self.item_of(v, key, node, scope) for v in base)

    def item_of(self, value: object, key: str | None, node: cst.CSTNode, scope: Scope) -> Values:
        if isinstance(value, DictV):
            return value.get(key) if key is not None else self._union(v for _, v in value.items)
        if isinstance(value, SeqV):
            return self._union(value.items)
        if not isinstance(value, Inst):
            return EMPTY
        if value.cls == self._context_type:
            return self.context_item(key, node, scope)
        if value.cls == self.deadline_context_type:
            return self.deadline_context_item(key, node, scope)
        apis = self.catalog.lookup("subscript", value.cls)
        if apis:
            self.record(apis, value.cls, node, scope)
        items = self.catalog.types.get(value.cls, {}).get("items")
        return one(Inst(items)) if items else EMPTY

    def context_item(self, key: str | None, node: cst.CSTNode, scope: Scope) -> Values:
        if key is None:
            return EMPTY
        spec = self.catalog.context_keys.get(key)
        if spec is None:
            return EMPTY
        apis = self.catalog.lookup("context-key", key)
        if apis:
            self.record(apis, key, node, scope)
        typ = spec.get("type")
        return one(Inst(str(typ))) if typ else EMPTY

    def deadline_context_item(self, key: str | None, node: cst.CSTNode, scope: Scope) -> Values:
        """A deadline callback's context: a dict of a few keys, each a plain JSON dict."""
        if key is None:
            return EMPTY
        if key not in self.catalog.deadline_context["keys"]:
            self._record_deadline_trap(f"[{key!r}]", node, scope)
            return EMPTY
        return one(Inst(f"{self.deadline_context_type}[{key!r}]"))

    def _record_deadline_trap(self, access: str, node: cst.CSTNode, scope: Scope) -> None:
        if self._deadline_trap is not None:
            self.record([self._deadline_trap], f"context{access}", node, scope)

    # ------------------------------------------------------------------ calls
    def call(self, node: cst.Call, scope: Scope) -> Values:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args:
            # `context.get("ti")` / `kwargs.get("ti")` reads a key like subscripting does.
            base = self.ev(func.value, scope)
            mapping = [v for v in base if isinstance(v, DictV) or (isinstance(v, Inst) and v.cls == self._context_type)]
            if mapping:
                key_values = self.ev(node.args[0].value, scope)
                for arg in node.args[1:]:
                    self.ev(arg.value, scope)
                key = next((k.value for k in key_values if isinstance(k, Str)), None)
                rest = base - frozenset(mapping)
                result = self._union(self.item_of(v, key, node, scope) for v in mapping)
                if not rest:
                    return result
        funcs = self.ev(func, scope)
        args: list[Values] = []
        kwargs: dict[str, Values] = {}
        for arg in node.args:
            value = self.ev(arg.value, scope)
            if arg.keyword is not None:
                kwargs[arg.keyword.value] = value
            elif arg.star == "**":
                for v in value:
                    if isinstance(v, DictV):
                        for k, item in v.items:
                            kwargs[k] = kwargs.get(k, EMPTY) | item
                    elif isinstance(v, Inst) and v.cls == self._context_type:
                        # `helper(**context)`: every context key arrives as a keyword argument.
                        for k, item in self.context_kwargs().items():
                            kwargs[k] = kwargs.get(k, EMPTY) | item
            elif arg.star != "*":
                args.append(value)
        return self._union(self.call_value(f, args, kwargs, node, scope) for f in funcs)

    def call_value(
        self, func: object, args: list[Values], kwargs: dict[str, Values], node: cst.CSTNode, scope: Scope
    ) -> Values:
        if isinstance(func, Ref):
            return self.call_ref(func.name, args, kwargs, node, scope)
        if isinstance(func, Bound):
            return self.invoke(func.func, [one(func.self_value), *args], kwargs, node, scope)
        if isinstance(func, LambdaV):
            return self.invoke(func.func, args, kwargs, node, scope)
        if isinstance(func, ThreadedV):
            return self._in_thread(
                lambda: self._union(self.call_value(f, args, kwargs, node, scope) for f in func.func), scope
            )
        if isinstance(func, PartialV):
            merged = dict(func.keywords)
            merged.update(kwargs)
            return self._union(self.call_value(f, [*func.args, *args], merged, node, scope) for f in func.func)
        if isinstance(func, Inst):
            notify = self._notifier_method(func.cls)
            method = notify or self.find_method(func.cls, "__call__")
            if method is not None:
                return self.invoke(method, [one(func), *args], kwargs, node, scope)
        return EMPTY

    def call_ref(
        self, name: str, args: list[Values], kwargs: dict[str, Values], node: cst.CSTNode, scope: Scope
    ) -> Values:
        # The catalog comes first: when the scanned tree holds Airflow's own source, `Variable.get`
        # or `DAG(...)` must still be the SDK call, not a scanned function to walk into.
        canonical = self.catalog.canonical(name)
        traps = self.catalog.trap_lookup("call", canonical)
        if traps:
            self.record(traps, canonical, node, scope)
        apis = self.catalog.lookup("call", canonical, frozenset(kwargs))
        if apis:
            self.record(apis, canonical, node, scope)
            return self._returns(apis)
        if self.catalog.is_known_target("call", canonical):
            return EMPTY  # a table row whose form (keywords) no variant covers
        marked = self._call_marker(canonical, args, kwargs, node, scope)
        if marked is not None:
            return marked
        if name in self.program.functions or name in self.lambdas:
            if name in self.task_functions:
                return EMPTY  # calling a @task at parse time builds a task; the body runs later
            return self.invoke(name, args, kwargs, node, scope)
        if name in self.program.classes:
            return self.instantiate(name, args, kwargs, node, scope)
        if self.catalog.declared_bases(canonical):
            return self.instantiate(canonical, args, kwargs, node, scope)
        owner, _, method = canonical.rpartition(".")
        if method == self.sig["operator_partial"] and owner and self._is_operator(owner):
            self.register_task_callbacks(kwargs, node, scope)  # a mapped operator's callbacks
            return EMPTY
        last = canonical.rsplit(".", 1)[-1]
        return one(Inst(canonical)) if last[:1].isupper() else EMPTY

    def _call_marker(
        self, canonical: str, args: list[Values], kwargs: dict[str, Values], node: cst.CSTNode, scope: Scope
    ) -> Values | None:
        """Calls the catalog marks (DAG, @task, deadline callbacks, partial...); None for any other."""
        if canonical in self._get_current_context:
            return one(Inst(self._context_type))
        if canonical in self._partial and args:
            return one(PartialV(args[0], tuple(args[1:]), tuple(kwargs.items())))
        if canonical in self._returns_first and args:
            return one(ThreadedV(args[0]))
        if canonical in self._calls_first and args:
            return self._in_thread(
                lambda: self._union(self.call_value(f, args[1:], kwargs, node, scope) for f in args[0]), scope
            )
        if canonical == "builtins.dict":
            return one(DictV(tuple(kwargs.items())))
        if canonical in self._dag or canonical in self._dag_decorator:
            self.register_dag(kwargs, node, scope)
            return one(Inst(canonical)) if canonical in self._dag else one(Ref(canonical))
        if self._is_task_decorator(canonical):
            self.register_task_callbacks(kwargs, node, scope)
            return one(Ref(canonical))
        if canonical in self._task_group:
            self.register_default_args(kwargs, node, scope)
            return one(Inst(canonical))
        if canonical in self._deadline_classes:
            target = args[0] if args else kwargs.get(self.sig["deadline_callable"], EMPTY)
            callback = DeadlineCallbackV(canonical, target, kwargs.get(self.sig["deadline_kwargs"], EMPTY))
            self.register("deadline_callback", canonical, callback, node, scope)
            return one(callback)
        return None

    def instantiate(
        self, cls: str, args: list[Values], kwargs: dict[str, Values], node: cst.CSTNode, scope: Scope
    ) -> Values:
        instance = Inst(cls)
        if self._is_operator(cls):
            self.register_task_callbacks(kwargs, node, scope)
        init = self.find_method(cls, "__init__")
        if init is not None:
            self.invoke(init, [one(instance), *args], kwargs, node, scope)
        return one(instance)

    def _is_operator(self, cls: str) -> bool:
        return self.is_subclass(cls, self.catalog.marker("operator_base"))

    def _notifier_method(self, cls: str, name: str | None = None) -> str | None:
        """The method Airflow calls on a notifier: notify(), or the one an awaiting runner calls.

        A method only the notifier base class defines (its source scanned) does not count.
        """
        if self.is_subclass(cls, self.catalog.marker("notifier_base")):
            method = self.find_method(cls, name or self.sig["notifier_method"])
            if method is not None and method.rpartition(".")[0] not in self.catalog.marker("notifier_base"):
                return method
        return None

    # ------------------------------------------------------------------ invocation
    def invoke(
        self, fqn: str, args: list[Values], kwargs: dict[str, Values], node: cst.CSTNode | None, scope: Scope | None
    ) -> Values:
        result = self.run_function(fqn, args, kwargs)
        if result is None:
            return EMPTY
        if scope is not None and node is not None and result.uses:
            frame = scope.pending_frame(node)
            scope.uses.extend(u.called_from(frame) for u in result.uses)
        return result.returns

    def run_function(
        self, fqn: str, args: list[Values], kwargs: dict[str, Values], star_kwargs: Values | None = None
    ) -> FuncResult | None:
        """Evaluate a function body with its parameters bound; memoised per argument shape."""
        if fqn in self.lambdas:
            node, closure = self.lambdas[fqn]
            module, params, body, qualname = closure.module, node.params, node.body, "<lambda>"
        else:
            info: FunctionInfo | None = self.program.functions.get(fqn)
            if info is None or not isinstance(info.node, cst.FunctionDef):
                return None
            module, params, body, qualname = info.module, info.node.params, info.node.body, info.qualname
            closure = self.closures.get(fqn) or self.module_scope(module)
        bound = _bind_params(params, args, kwargs)
        if star_kwargs is not None and params.star_kwarg is not None:
            bound[params.star_kwarg.name.value] = star_kwargs
        key = (fqn, id(closure), tuple(sorted(bound.items())))
        if key in self.memo:
            return self.memo[key]
        if key in self.in_progress or self.depth >= MAX_DEPTH:
            return None
        self.in_progress.add(key)
        self.depth += 1
        try:
            for param in _all_params(params):
                if param.default is not None:
                    self.ev(param.default, closure, record=False)
            scope = Scope(module=module, function=qualname, locals=dict(bound), enclosing=closure)
            if isinstance(body, cst.BaseExpression):
                scope.returns |= self.ev(body, scope)
            else:
                self.exec_suite(body, scope)
            result = FuncResult(uses=tuple(_dedupe(scope.uses)), returns=frozenset(scope.returns))
        finally:
            self.depth -= 1
            self.in_progress.discard(key)
        self.memo[key] = result
        return result

    # ------------------------------------------------------------------ registrations
    def register(
        self, kind: str, slot: str, target: object, node: cst.CSTNode, scope: Scope, kwargs: Values = EMPTY
    ) -> None:
        where = PendingSite(scope.module, node, scope.function)
        self.registrations.append(Registration(kind, slot, target, str(scope.module.path), where, kwargs))

    def register_task_callbacks(self, kwargs: dict[str, Values], node: cst.CSTNode, scope: Scope) -> None:
        for slot in self._task_slots:
            for target in _callables(kwargs.get(slot, EMPTY)):
                self.register("task_callback", slot, target, node, scope)
        self.register_default_args(kwargs, node, scope)

    def _register_assigned_callback(
        self, owners: Values, attr: str, value: Values, node: cst.CSTNode, scope: Scope
    ) -> None:
        """`op.on_failure_callback = cb` / `dag.on_success_callback = cb` after construction."""
        for owner in owners:
            if not isinstance(owner, Inst):
                continue
            if attr in self._task_slots and self._is_operator(owner.cls):
                kind = "task_callback"
            elif attr in self._dag_slots and owner.cls in self._dag:
                kind = "dag_callback"
            else:
                continue
            for target in _callables(value):
                self.register(kind, attr, target, node, scope)

    def register_default_args(self, kwargs: dict[str, Values], node: cst.CSTNode, scope: Scope) -> None:
        for value in kwargs.get(self.sig["default_args"], EMPTY):
            if isinstance(value, DictV):
                for slot in self._task_slots:
                    for target in _callables(value.get(slot)):
                        self.register("task_callback", slot, target, node, scope)

    def register_dag(self, kwargs: dict[str, Values], node: cst.CSTNode, scope: Scope) -> None:
        for slot in self._dag_slots:
            for target in _callables(kwargs.get(slot, EMPTY)):
                self.register("dag_callback", slot, target, node, scope)
        self.register_default_args(kwargs, node, scope)

    def context_kwargs(self) -> dict[str, Values]:
        """The context as keyword arguments: each key whose value has a known type."""
        return {key: one(Inst(str(spec["type"]))) for key, spec in self.catalog.context_keys.items() if "type" in spec}

    def _is_task_decorator(self, name: str) -> bool:
        return any(name == t or name.startswith(f"{t}.") for t in self._task_decorator)

    def _is_type_checking(self, test: cst.BaseExpression, scope: Scope) -> bool:
        values = self.ev(test, scope, record=False)
        return any(isinstance(v, Ref) and v.name in self._type_checking for v in values)

    # ------------------------------------------------------------------ uses
    def record(self, apis: Sequence[ApiCall | Trap], target: str, node: cst.CSTNode, scope: Scope) -> None:
        where = PendingSite(scope.module, node, scope.function)
        frame = scope.pending_frame(node)
        awaited = id(node) in self._awaited
        for api in apis:
            scope.uses.append(Use(api, target, where, (frame,), awaited=awaited))

    @staticmethod
    def _in_thread(call, scope: Scope) -> Values:
        """Run `call` (an abstract call), marking the uses it adds as made in a worker thread."""
        before = len(scope.uses)
        result = call()
        scope.uses[before:] = [replace(u, threaded=True) for u in scope.uses[before:]]
        return result

    def _returns(self, apis: list[ApiCall]) -> Values:
        return frozenset(Inst(a.returns) for a in apis if a.returns)

    @staticmethod
    def _union(parts: Iterable[Values]) -> Values:
        result: set = set()
        for part in parts:
            result |= part
        return frozenset(result)


# ---------------------------------------------------------------------- helpers
def _dedupe(uses: Iterable[Use]) -> list[Use]:
    """One use per (API row, site): the first (shortest-found) chain explains it."""
    seen: dict[tuple, Use] = {}
    for use in uses:
        key = (use.api, use.target, use.where, use.awaited, use.threaded)
        if key not in seen or len(use.chain) < len(seen[key].chain):
            seen[key] = use
    return list(seen.values())


def _string_value(node: cst.SimpleString) -> str | bytes | None:
    """A string literal's value; plain literals without escapes skip libcst's literal_eval."""
    raw = node.value
    if raw[:1] in ("'", '"') and "\\" not in raw:
        quote = 3 if raw[:3] in ('"""', "'''") else 1
        return raw[quote:-quote]
    try:
        return node.evaluated_value
    except (ValueError, SyntaxError):
        return None


def _dotted(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


def _iter_items(values: Values) -> Values:
    result: set = set()
    for value in values:
        if isinstance(value, SeqV):
            for item in value.items:
                result |= item
        elif isinstance(value, DictV):
            result.update(Str(k) for k, _ in value.items)
    return frozenset(result)


def _concat(left: Values, right: Values) -> Values:
    lseq = [v for v in left if isinstance(v, SeqV)]
    rseq = [v for v in right if isinstance(v, SeqV)]
    if lseq and rseq:
        return frozenset(SeqV(a.items + b.items) for a in lseq for b in rseq)
    return EMPTY


def _callables(values: Values) -> list[object]:
    """A callback slot holds a callable or a list of them."""
    found: list[object] = []
    for value in values:
        if isinstance(value, SeqV):
            for item in value.items:
                found.extend(_callables(item))
        else:
            found.append(value)
    return found


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    result = [*params.posonly_params, *params.params, *params.kwonly_params]
    if isinstance(params.star_arg, cst.Param):
        result.append(params.star_arg)
    if params.star_kwarg is not None:
        result.append(params.star_kwarg)
    return result


def _bind_params(params: cst.Parameters, args: list[Values], kwargs: dict[str, Values]) -> dict[str, Values]:
    bound: dict[str, Values] = {}
    positional = [*params.posonly_params, *params.params]
    for i, param in enumerate(positional):
        name = param.name.value
        if i < len(args):
            bound[name] = args[i]
        elif name in kwargs:
            bound[name] = kwargs[name]
        else:
            bound[name] = EMPTY
    if isinstance(params.star_arg, cst.Param):
        extra = args[len(positional) :]
        bound[params.star_arg.name.value] = one(SeqV(tuple(extra)))
    for param in params.kwonly_params:
        bound[param.name.value] = kwargs.get(param.name.value, EMPTY)
    if params.star_kwarg is not None:
        named = {p.name.value for p in _all_params(params)}
        rest = tuple((k, v) for k, v in kwargs.items() if k not in named)
        bound[params.star_kwarg.name.value] = one(DictV(rest))
    return bound
