"""Judge every message an entry point sends against its processes' unions and the policy."""

from __future__ import annotations

from chanlint.catalog import Catalog
from chanlint.check.entrypoints import EntryPoint
from chanlint.check.findings import EntryRef, Finding
from chanlint.check.rules import chl001_outside_union, chl002_outside_policy
from chanlint.resolve.sites import resolve_frame


def judge(entries: list[EntryPoint], catalog: Catalog, policy: dict[str, frozenset[str]]) -> list[Finding]:
    findings: dict[tuple, Finding] = {}
    for entry in entries:
        ref: EntryRef | None = None  # its line costs positions: built for the first finding
        for process_name in entry.processes:
            process = catalog.processes[process_name]
            allowed_by_policy = policy.get(process_name)
            for use in entry.uses:
                for message in dict.fromkeys(use.api.messages_in(entry.kind, entry.slot)):
                    if message not in process.messages:
                        rule = chl001_outside_union.RULE
                    elif allowed_by_policy is not None and message not in allowed_by_policy:
                        rule = chl002_outside_policy.RULE
                    else:
                        continue
                    group = catalog.message_group[message]
                    ref = ref or entry.ref()
                    text = rule.summary.format(
                        call=use.api.name,
                        message=message,
                        group=group,
                        process_title=process.title,
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
                        group=group,
                        call=use.api.name,
                        entrypoint=ref,
                        chain=tuple(resolve_frame(f) for f in use.chain),
                        text=text,
                    )
                    key = finding.sort_key()
                    if key not in findings or finding.shown_before(findings[key]):
                        findings[key] = finding
    return sorted(findings.values(), key=Finding.sort_key)
