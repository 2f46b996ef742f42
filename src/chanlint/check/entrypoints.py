"""Where user code runs: every entry point with the processes that run it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

from chanlint.check.findings import EntryRef
from chanlint.index.modules import ModuleInfo
from chanlint.resolve.evaluator import Evaluator, FuncResult, Registration, Use
from chanlint.resolve.program import Program
from chanlint.resolve.sites import PendingFrame, PendingSite, resolve_frame
from chanlint.resolve.values import Bound, DeadlineCallbackV, Inst, LambdaV, PartialV, Ref, Str, Values, one

ENTRY_KINDS = ("task_callback", "dag_callback", "deadline_callback", "notifier", "trigger", "parse", "task")


@dataclass(frozen=True)
class EntryPoint:
    kind: str
    name: str
    path: str
    where: int | PendingSite  # its line, or the registering call (resolved only when shown)
    processes: tuple[str, ...]
    uses: tuple[Use, ...]
    # The callback slot (on_execute_callback), deadline callback class, or for triggers
    # "run" / "load" (import of its module and __init__, in TriggerRunner.create_triggers).
    slot: str = ""

    @property
    def line(self) -> int:
        return self.where if isinstance(self.where, int) else self.where.resolve().line

    def ref(self) -> EntryRef:
        return EntryRef(self.kind, self.name, self.path, self.line)

    def settled(self) -> EntryPoint:
        """With every position looked up: plain data, that a worker process can send back."""
        uses = tuple(replace(u, where=u.site, chain=tuple(resolve_frame(f) for f in u.chain)) for u in self.uses)
        return replace(self, where=self.line, uses=uses)


@dataclass
class TaskResult:
    """What one task found: an eager module's parse-time code, every callable registered while it
    runs, and the entry classes of the modules it reaches (its own, and those no task is rooted at).

    Each task runs on a fresh evaluator, so its entries follow from the code of the modules it
    reached and from nothing else: not from other tasks, nor from the order tasks run in. A later
    run may reuse them while those files are unchanged (see api).
    """

    entries: list[EntryPoint]
    attached: frozenset[str]  # notifier classes (and their bases) its registrations attach
    reached: list[ModuleInfo]  # every module it asked for by name, found
    missing: frozenset[str]  # module names it asked for that gave no module
    refusals: frozenset[tuple[str, int, str]]  # bodies libcst refused that it needed: (path, line, reason)


def run_task(
    program: Program,
    module: ModuleInfo | None,
    roots: frozenset[str],
    dag_files: frozenset[str],
    include_operators: bool = True,
) -> TaskResult:
    """Evaluate `module` (None: libcst refused it) as a task of its own. `roots` are the paths
    of every module a task is rooted at: a task evaluates their entry classes only in their own."""
    program.start_task(module)
    try:
        entries, attached = (
            _task_entries(Evaluator(program), module, roots, dag_files, include_operators) if module else ([], set())
        )
    finally:
        reached, missing, refusals = program.end_task()
    return TaskResult(entries, frozenset(attached), reached, frozenset(missing), frozenset(refusals))


def _task_entries(
    evaluator: Evaluator, module: ModuleInfo, roots: frozenset[str], dag_files: frozenset[str], include_operators: bool
) -> tuple[list[EntryPoint], set[str]]:
    program = evaluator.program
    catalog = evaluator.catalog
    other = catalog.entrypoints["other"]
    found: dict[tuple, EntryPoint] = {}

    def add(entry: EntryPoint) -> None:
        key = entry_key(entry)
        known = found.get(key)
        if known is None or (entry.path, entry.line) < (known.path, known.line):
            found[key] = entry

    scope = evaluator.module_scope(module)
    if module.name in dag_files:
        add(EntryPoint("parse", module.name, str(module.path), 1, other["parse"], tuple(scope.uses)))

    attached_notifiers: set[str] = set()
    seen = 0
    while seen < len(evaluator.registrations):  # evaluating a callback may register more
        registration = evaluator.registrations[seen]
        seen += 1
        for entry, notifier in _registration_entries(evaluator, registration, dag_files):
            if notifier:
                # A base class of an attached notifier is not a notifier of its own.
                attached_notifiers.update(evaluator.mro(notifier))
            add(entry)

    notifier_base = catalog.marker("notifier_base")
    operator_base = catalog.marker("operator_base")
    trigger_base = catalog.marker("trigger_base")
    context = one(Inst(catalog.context_type))
    wanted = (*trigger_base, *notifier_base, *(operator_base if include_operators else ()))
    owned = {
        fqn: info
        for reached in program.reached()
        if reached is module or str(reached.path) not in roots
        for fqn, info in reached.classes.items()
    }
    for fqn, info in sorted(owned.items()):
        if fqn in wanted or not evaluator.is_subclass(fqn, wanted):
            continue  # the SDK's own base classes (when their source is scanned) are no entry points
        path, line = str(info.module.path), info.module.def_line(info.qualname, info.node)
        instance = one(Inst(fqn))
        init = evaluator.find_method(fqn, "__init__")
        # What __init__ stores on self is what run/notify/execute read.
        init_uses = _uses(evaluator.run_function(init, [instance], {})) if init else ()
        if evaluator.is_subclass(fqn, trigger_base):
            method = evaluator.find_method(fqn, catalog.signatures["trigger_method"])
            if method:
                result = evaluator.run_function(method, [instance], {})
                add(EntryPoint("trigger", fqn, path, line, other["trigger"], _uses(result), "run"))
            # The triggerer imports the class's module, then calls __init__, before run().
            loading = (*evaluator.module_scope(info.module).uses, *init_uses)
            add(EntryPoint("trigger", fqn, path, line, other["trigger"], loading, "load"))
        if evaluator.is_subclass(fqn, notifier_base):  # dropped later if a registration attaches it
            method = evaluator.find_method(fqn, catalog.signatures["notifier_method"])
            if method:
                result = evaluator.run_function(method, [instance, context], {})
                add(EntryPoint("notifier", fqn, path, line, other["notifier"], _uses(result)))
        if include_operators and evaluator.is_subclass(fqn, operator_base):
            method = evaluator.find_method(fqn, catalog.signatures["operator_method"])
            if method:
                result = evaluator.run_function(method, [instance, context], {})
                add(EntryPoint("task", fqn, path, line, other["task"], _uses(result)))
    return list(found.values()), attached_notifiers


def entry_key(entry: EntryPoint) -> tuple:
    """What makes two entry points one: the same code, run the same way, in the same processes."""
    return (entry.kind, entry.name, entry.processes, entry.slot)


Item = TypeVar("Item")


def choose(per_task: Iterable[Iterable[tuple[tuple, str, Item]]], attached: set[str]) -> list[Item]:
    """One item per entry key across tasks (given in their roots' path order): the one in the first path,
    else the first task's. A notifier class some registration attaches is no entry of its own."""
    chosen: dict[tuple, tuple[str, Item]] = {}
    for items in per_task:
        for key, path, item in items:
            if key[0] == "notifier" and key[1] in attached:
                continue
            known = chosen.get(key)
            if known is None or path < known[0]:
                chosen[key] = (path, item)
    return [item for _, item in chosen.values()]


def merge_entries(results: list[TaskResult]) -> list[EntryPoint]:
    """Every task's entry points (tasks in their roots' path order, as the findings are chosen)
    as one list, sorted without lines: a line costs positions."""
    attached = set().union(*(r.attached for r in results))
    per_task = [[(entry_key(e), e.path, e) for e in r.entries] for r in results]
    return sorted(choose(per_task, attached), key=lambda e: (e.path, e.kind, e.name, e.processes, e.slot))


def _uses(result: FuncResult | None) -> tuple[Use, ...]:
    return result.uses if result is not None else ()


def _registration_entries(evaluator: Evaluator, reg: Registration, dag_files: frozenset[str]):
    catalog = evaluator.catalog
    context = one(Inst(catalog.context_type))
    if reg.kind == "task":
        assert isinstance(reg.target, Ref)
        result = _run_task_function(evaluator, reg.target.name)
        yield (
            EntryPoint(
                "task", reg.target.name, reg.path, reg.where, catalog.entrypoints["other"]["task"], _uses(result)
            ),
            None,
        )
        return
    if reg.kind == "deadline_callback":
        assert isinstance(reg.target, DeadlineCallbackV)
        processes = catalog.entrypoints["deadline_callback"][reg.slot]
        # A deadline callback gets Deadline.handle_miss's small dict, not the task context.
        context = one(Inst(evaluator.deadline_context_type))
        kwargs = {k: v for value in reg.target.kwargs if hasattr(value, "items") for k, v in value.items}
        kwargs[catalog.signatures["deadline_context"]] = context
        awaited = reg.slot in catalog.marker("awaits_callable")
        notify_with = catalog.signatures["async_notifier_method"] if awaited else None
        for target, by_path in _resolve_targets(evaluator, reg.target.target):
            name, result, notifier = _call_entry(evaluator, target, [], kwargs, context, notify_with)
            if name is None:
                continue
            uses = _uses(result)
            if awaited and _lacks_async_notify(evaluator, target):
                uses = (*_trap_at(catalog.trap_lookup("awaited-notifier", reg.slot), reg), *uses)
            module = _defining_module(evaluator, target)
            if module is not None and module.name in dag_files:
                uses = (*_in_dag_file(evaluator, reg, module, by_path), *uses)
            yield EntryPoint("deadline_callback", name, reg.path, reg.where, processes, uses, reg.slot), notifier
        return
    processes = catalog.entrypoints[reg.kind][reg.slot]
    name, result, notifier = _call_entry(evaluator, reg.target, [context], {}, context)
    if name is not None:
        yield EntryPoint(reg.kind, name, reg.path, reg.where, processes, _uses(result), reg.slot), notifier


def _defining_module(evaluator: Evaluator, target: object):
    """The scanned module that defines a callable given as an object (not as a dotted path)."""
    program = evaluator.program
    name = target.name if isinstance(target, Ref) else target.cls if isinstance(target, Inst) else None
    if name in program.functions:
        return program.functions[name].module
    if name in program.classes:
        return program.classes[name].module
    return None


def _in_dag_file(evaluator: Evaluator, reg: Registration, module, by_path: bool) -> tuple[Use, ...]:
    """What a deadline callback defined in a DAG file costs where it runs.

    Given as an object, its path is the DAG file's module as the DAG processor loaded it
    (unusual_prefix_<sha1>_...): a runner that imports the path cannot (a trap of its own),
    a runner that re-executes the file sends the file's parse-time messages from its own
    process. Given as a dotted path, importing it runs the file's top level just the same.
    """
    catalog = evaluator.catalog
    uses: list[Use] = []
    if by_path or reg.slot in catalog.marker("reexecutes_dag_file"):
        uses.extend(evaluator.module_scope(module).uses)
    if not by_path:
        uses.extend(_trap_at(catalog.trap_lookup("registration", reg.slot), reg))
    return tuple(uses)


def _trap_at(traps: list, reg: Registration) -> list[Use]:
    """Trap uses located at the registering call itself (the code there is what is wrong)."""
    return [
        Use(trap, reg.slot, reg.where, (PendingFrame(reg.where.module, reg.where.node, "<module>"),)) for trap in traps
    ]


def _lacks_async_notify(evaluator: Evaluator, target: object) -> bool:
    """A notifier class awaited by its runner, whose own code has no async_notify()."""
    cls = target.name if isinstance(target, Ref) else None
    if cls is None or cls not in evaluator.program.classes:
        return False
    if not evaluator.is_subclass(cls, evaluator.catalog.marker("notifier_base")):
        return False
    return evaluator._notifier_method(cls, evaluator.catalog.signatures["async_notifier_method"]) is None


def _resolve_targets(evaluator: Evaluator, values: Values) -> list[tuple[object, bool]]:
    """A deadline callback is a callable or its dotted import path: (callable, given as a path)."""
    targets: list[tuple[object, bool]] = []
    for value in values:
        if isinstance(value, Str):
            fqn = evaluator.program.resolve_dotted(value.value)
            if fqn is not None:
                targets.append((Ref(fqn), True))
        else:
            targets.append((value, False))
    return targets


def _call_entry(
    evaluator: Evaluator,
    target: object,
    args: list[Values],
    kwargs: dict[str, Values],
    context: Values,
    notify_with: str | None = None,
) -> tuple[str | None, FuncResult | None, str | None]:
    """Run a registered callable as Airflow would; returns (display name, result, notifier class).

    `notify_with` names the notifier method a runner that awaits the callable ends in.
    """
    program = evaluator.program
    if isinstance(target, Ref) and target.name in program.functions:
        return target.name, evaluator.run_function(target.name, args, kwargs), None
    if isinstance(target, Bound):
        return target.func, evaluator.run_function(target.func, [one(target.self_value), *args], kwargs), None
    if isinstance(target, LambdaV):
        return evaluator.lambda_name(target.func), evaluator.run_function(target.func, args, kwargs), None
    if isinstance(target, PartialV):
        merged = dict(target.keywords)
        merged.update(kwargs)
        for inner in target.func:
            name, result, notifier = _call_entry(evaluator, inner, [*target.args, *args], merged, context, notify_with)
            if name is not None:
                return f"functools.partial({name})", result, notifier
        return None, None, None
    if isinstance(target, Ref) and target.name in program.classes:
        # A class given as a deadline callback: instantiated with the kwargs, then called.
        instance = Inst(target.name)
        init = evaluator.find_method(target.name, "__init__")
        uses = []
        if init:
            result = evaluator.run_function(init, [one(instance)], kwargs)
            uses.extend(_uses(result))
        name, result, notifier = _call_entry(evaluator, instance, [context], {}, context, notify_with)
        combined = FuncResult(uses=tuple(uses) + _uses(result), returns=frozenset())
        return (name or target.name), combined, notifier
    if isinstance(target, Inst):
        notify = evaluator._notifier_method(target.cls, notify_with)
        method = notify or evaluator.find_method(target.cls, "__call__")
        if method is not None:
            result = evaluator.run_function(method, [one(target), *args], kwargs)
            return target.cls, result, target.cls if notify else None
    return None, None, None


def _run_task_function(evaluator: Evaluator, fqn: str) -> FuncResult | None:
    """A @task body: context keys arrive as keyword arguments, **kwargs is the whole context."""
    context = one(Inst(evaluator.catalog.context_type))
    return evaluator.run_function(fqn, [], evaluator.context_kwargs(), star_kwargs=context)
