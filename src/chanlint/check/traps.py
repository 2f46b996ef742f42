"""Judge every entry point's trap uses: code that fails, or does nothing, where it runs."""

from __future__ import annotations

from chanlint.catalog.model import Catalog, Trap
from chanlint.check.entrypoints import EntryPoint
from chanlint.check.findings import EntryRef, Finding, FindingSet, finding_at
from chanlint.check.rules import TRAP_RULES
from chanlint.resolve.evaluator import Use


def judge_traps(entries: list[EntryPoint], catalog: Catalog) -> list[Finding]:
    findings = FindingSet()
    active = {trap.id: trap for trap in catalog.traps.values() if catalog.airflow in trap.releases}
    by_kind = {trap.kind: trap for trap in active.values()}
    for entry in entries:
        ref: EntryRef | None = None  # its line costs positions: built for the first finding
        for use in entry.uses:
            hit = _sprung(entry, use, active, by_kind, catalog)
            if hit is None:
                continue
            trap, call, message = hit
            ref = ref or entry.ref()
            rule = TRAP_RULES[trap.id]
            for process_name in entry.processes:
                text = rule.summary.format(
                    call=call,
                    message=message,
                    where=_where(entry),
                    entry=entry.name,
                    slot=entry.slot,
                    process_title=catalog.processes[process_name].title,
                    version=catalog.airflow,
                )
                group = catalog.message_group.get(message, "")
                findings.add(finding_at(rule, use, ref, process_name, message, group, call, text))
    return findings.sorted()


def _sprung(
    entry: EntryPoint, use: Use, active: dict[str, Trap], by_kind: dict[str, Trap], catalog: Catalog
) -> tuple[Trap, str, str] | None:
    """(trap, what the code does, message it sends or "") when this use is a trap in this entry."""
    api = use.api
    if isinstance(api, Trap):
        if api.id not in active:
            return None  # not a trap in this release
        if api.kind == "call" and not api.works(entry.kind, entry.slot):
            return api, use.target.rsplit(".", 1)[-1] + "()", ""
        if api.kind in ("registration", "awaited-notifier"):
            return api, use.target.rsplit(".", 1)[-1], ""
        if api.kind == "deadline-context" and entry.kind == "deadline_callback":
            return api, use.target, ""
        return None
    only_in = by_kind.get("only-in")
    if only_in is not None and not api.sent_in(entry.kind, entry.slot):
        return only_in, api.name, ""
    loading = by_kind.get("trigger-load")
    if loading is not None and entry.kind == "trigger" and entry.slot == "load" and api.sends:
        return loading, api.name, api.sends[0]
    on_loop = by_kind.get("sync-on-loop")
    # A blocking call made on the event loop's own thread (a trigger's loading is CHL105's).
    if (
        on_loop is not None
        and set(on_loop.processes) & set(entry.processes)
        and entry.slot != "load"
        and not (use.awaited or use.threaded or use.target in catalog.coroutine_functions)
    ):
        spared = on_loop.spared_in(catalog.airflow)
        failing = [m for m in api.messages_in(entry.kind, entry.slot) if m not in spared]
        if failing:
            return on_loop, api.name, failing[0]
    return None


def _where(entry: EntryPoint) -> str:
    """How a finding names the code: the callback slot it is registered in, or its kind."""
    if entry.kind in ("task_callback", "dag_callback"):
        return f"{entry.kind.split('_')[0]} {entry.slot}"
    return entry.kind.replace("_", " ")
