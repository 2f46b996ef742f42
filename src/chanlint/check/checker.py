"""Judge every message an entry point sends against its processes' unions and the policy."""

from __future__ import annotations

from chanlint.catalog.model import Catalog
from chanlint.check.entrypoints import EntryPoint
from chanlint.check.findings import EntryRef, Finding, FindingSet, finding_at
from chanlint.check.rules import chl001_outside_union, chl002_outside_policy


def judge(entries: list[EntryPoint], catalog: Catalog, policy: dict[str, frozenset[str]]) -> list[Finding]:
    findings = FindingSet()
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
                    findings.add(finding_at(rule, use, ref, process_name, message, group, use.api.name, text))
    return findings.sorted()
