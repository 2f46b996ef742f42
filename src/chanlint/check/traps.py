"""Judge every entry point's trap uses: code that fails, or does nothing, where it runs."""

from __future__ import annotations

from chanlint.catalog import Catalog
from chanlint.catalog.model import Trap
from chanlint.check.entrypoints import EntryPoint
from chanlint.check.findings import EntryRef, Finding
from chanlint.check.rules import TRAP_RULES
from chanlint.resolve.evaluator import Use
from chanlint.resolve.sites import resolve_frame


def judge_traps(entries: list[EntryPoint], catalog: Catalog) -> list[Finding]:
    findings: dict[tuple, Finding] = {}
    active = {trap.id: trap for trap in catalog.traps.values() if catalog.airflow in trap.releases}
    for entry in entries:
        ref: EntryRef | None = None  # its line costs positions: built for the first finding
        for use in entry.uses:
            hit = _sprung(entry, use, active)
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
                finding = Finding(
                    code=rule.code,
                    severity=rule.severity,
                    path=use.site.path,
                    line=use.site.line,
                    column=use.site.column,
                    end_line=use.site.end_line,
                    end_column=use.site.end_column,
                    process=process_name,
                    message_type=message,
                    group=catalog.message_group.get(message, ""),
                    call=call,
                    entrypoint=ref,
                    chain=tuple(resolve_frame(f) for f in use.chain),
                    text=text,
                )
                key = finding.sort_key()
                if key not in findings or finding.shown_before(findings[key]):
                    findings[key] = finding
    return sorted(findings.values(), key=Finding.sort_key)


def _sprung(entry: EntryPoint, use: Use, active: dict[str, Trap]) -> tuple[Trap, str, str] | None:
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
    by_kind = {trap.kind: trap for trap in active.values()}
    only_in = by_kind.get("only-in")
    if only_in is not None and not api.sent_in(entry.kind, entry.slot):
        return only_in, api.name, ""
    loading = by_kind.get("trigger-load")
    if loading is not None and entry.kind == "trigger" and entry.slot == "load" and api.sends:
        return loading, api.name, api.sends[0]
    return None


def _where(entry: EntryPoint) -> str:
    """How a finding names the code: the callback slot it is registered in, or its kind."""
    if entry.kind in ("task_callback", "dag_callback"):
        return f"{entry.kind.split('_')[0]} {entry.slot}"
    return entry.kind.replace("_", " ")
