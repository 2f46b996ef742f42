"""The catalog as people and scripts want to see it: process x group, one process, a diff."""

from __future__ import annotations

import json
from collections import defaultdict

from rich.console import Console
from rich.table import Table

from chanlint.catalog import load_catalog
from chanlint.catalog.model import Catalog


def group_counts(catalog: Catalog) -> dict[str, dict[str, int]]:
    """process -> group -> number of messages of that group in the process's union."""
    counts: dict[str, dict[str, int]] = {}
    for name, process in catalog.processes.items():
        row = dict.fromkeys(catalog.groups, 0)
        for message in process.messages:
            row[catalog.message_group[message]] += 1
        counts[name] = row
    return counts


def senders_of(catalog: Catalog) -> dict[str, list[str]]:
    """message -> names of the API table rows that send it."""
    found: dict[str, list[str]] = defaultdict(list)
    for call in catalog.calls:
        for message in dict.fromkeys(call.sends):
            found[message].append(call.name)
    return found


def sender_text(catalog: Catalog, message: str, senders: dict[str, list[str]], code: str = "") -> str:
    """Who sends a message: the API rows, else the runtime itself, else nothing chanlint models."""
    if senders.get(message):
        return ", ".join(f"{code}{s}{code}" for s in senders[message])
    if message in catalog.sent_by_runtime:
        return "the runtime itself"
    return "no modelled user call"


def overview_data(catalog: Catalog) -> dict:
    return {
        "airflow_version": catalog.airflow,
        "core": catalog.core,
        "task_sdk": catalog.task_sdk,
        "groups": catalog.groups,
        "processes": {
            name: {
                "title": p.title,
                "union": p.union,
                "messages": {m: catalog.message_group[m] for m in sorted(p.messages)},
            }
            for name, p in catalog.processes.items()
        },
        "notes": list(catalog.notes),
    }


def process_data(catalog: Catalog, process: str) -> dict:
    senders = senders_of(catalog)
    spec = catalog.processes[process]
    return {
        "airflow_version": catalog.airflow,
        "process": process,
        "title": spec.title,
        "union": spec.union,
        "messages": [
            {"message": m, "group": catalog.message_group[m], "sent_by": senders.get(m, [])}
            for m in sorted(spec.messages, key=lambda m: (catalog.message_group[m], m))
        ],
    }


def diff_data(old: Catalog, new: Catalog) -> dict:
    processes: dict[str, dict] = {}
    for name in sorted(set(old.processes) | set(new.processes)):
        before = old.processes[name].messages if name in old.processes else None
        after = new.processes[name].messages if name in new.processes else None
        if before is None or after is None:
            processes[name] = {"status": "added" if before is None else "removed"}
            continue
        added, removed = sorted(after - before), sorted(before - after)
        if added or removed:
            processes[name] = {"status": "changed", "added": added, "removed": removed}
    old_calls, new_calls = {c.name for c in old.calls}, {c.name for c in new.calls}
    return {
        "from": old.airflow,
        "to": new.airflow,
        "processes": processes,
        "calls_added": sorted(new_calls - old_calls),
        "calls_removed": sorted(old_calls - new_calls),
    }


# ---------------------------------------------------------------------- text (rich)
def render_overview(catalog: Catalog, console: Console) -> None:
    counts = group_counts(catalog)
    table = Table(
        title=f"Airflow {catalog.airflow} (core {catalog.core}, task SDK {catalog.task_sdk}): "
        "messages each process may send, by access group"
    )
    table.add_column("group")
    for name in counts:
        table.add_column(name, justify="right")
    for group in catalog.groups:
        table.add_row(group, *[str(counts[p][group]) if counts[p][group] else "[dim]·[/]" for p in counts])
    table.add_section()
    table.add_row("[bold]total[/]", *[f"[bold]{sum(row.values())}[/]" for row in counts.values()])
    console.print(table)
    for name, process in catalog.processes.items():
        console.print(f"  [bold]{name}[/]: {process.title}, [dim]{process.union}[/]")
    for note in catalog.notes:
        console.print(f"[yellow]note:[/] {note}")


def render_process(catalog: Catalog, process: str, console: Console) -> None:
    data = process_data(catalog, process)
    table = Table(title=f"{data['title']} ({process}) in Airflow {catalog.airflow}: {data['union']}")
    table.add_column("message")
    table.add_column("group")
    table.add_column("sent by (API table)")
    for row in data["messages"]:
        table.add_row(row["message"], row["group"], sender_text(catalog, row["message"], senders_of(catalog)))
    console.print(table)


def render_diff(old: Catalog, new: Catalog, console: Console) -> None:
    data = diff_data(old, new)
    console.print(f"[bold]Airflow {data['from']} -> {data['to']}[/]")
    if not data["processes"] and not data["calls_added"] and not data["calls_removed"]:
        console.print("no differences")
    for name, change in data["processes"].items():
        if change["status"] != "changed":
            console.print(f"  process [bold]{name}[/]: {change['status']}")
            continue
        console.print(f"  process [bold]{name}[/]:")
        for message in change["added"]:
            console.print(f"    [green]+ {message}[/] ({new.message_group[message]})")
        for message in change["removed"]:
            console.print(f"    [red]- {message}[/] ({old.message_group[message]})")
    for name in data["calls_added"]:
        console.print(f"  API [green]+ {name}[/]")
    for name in data["calls_removed"]:
        console.print(f"  API [red]- {name}[/]")


# ---------------------------------------------------------------------- markdown
def markdown_overview(catalog: Catalog) -> str:
    counts = group_counts(catalog)
    groups = list(catalog.groups)
    lines = [
        f"## Airflow {catalog.airflow} (core {catalog.core}, task SDK {catalog.task_sdk})",
        "",
        "| process | " + " | ".join(groups) + " | total |",
        "|---|" + "---:|" * (len(groups) + 1),
    ]
    for name, row in counts.items():
        cells = " | ".join(str(row[g]) for g in groups)
        lines.append(f"| {name} ({catalog.processes[name].title}) | {cells} | {sum(row.values())} |")
    lines.append("")
    for note in catalog.notes:
        lines.append(f"> {note}")
        lines.append("")
    senders = senders_of(catalog)
    for name, process in catalog.processes.items():
        lines += [f"### {name}: `{process.union}`", "", "| message | group | sent by |", "|---|---|---|"]
        for message in sorted(process.messages, key=lambda m: (catalog.message_group[m], m)):
            sent_by = sender_text(catalog, message, senders, code="`")
            lines.append(f"| {message} | {catalog.message_group[message]} | {sent_by} |")
        lines.append("")
    return "\n".join(lines)


def markdown_all_versions(versions: list[str]) -> str:
    header = [
        "# The chanlint catalog",
        "",
        "Generated by `chanlint catalog --all-versions --format markdown` from the bundled data;",
        '`tests/test_catalog_docs.py` fails when this page and the data disagree. "sent by" names the',
        'API table rows whose calls send the message; "the runtime itself" marks messages Airflow sends on',
        "its own account.",
        "",
    ]
    body = "\n".join(markdown_overview(load_catalog(v)) for v in reversed(versions))
    return "\n".join(header) + "\n" + body + "\n"


def as_json(data: dict) -> str:
    return json.dumps(data, indent=2) + "\n"


def drift_data(drift, catalog: Catalog) -> dict:
    return {
        "airflow_version": catalog.airflow,
        "drift": bool(drift),
        "added_to_union": drift.added,
        "removed_from_union": drift.removed,
        "messages_without_group": drift.ungrouped,
        "unions_not_found": drift.missing_unions,
        "new_process_unions": drift.new_unions,
        "senders_not_in_api_table": drift.unclaimed,
    }


def render_drift(drift, catalog: Catalog, console: Console) -> None:
    if not drift:
        console.print(f"[green]No drift:[/] the source matches the Airflow {catalog.airflow} catalog.")
        return
    console.print(f"[bold red]Drift against the Airflow {catalog.airflow} catalog[/]")
    for process, messages in drift.added.items():
        for message in messages:
            group = catalog.message_group.get(message, "no group")
            console.print(f"  {process}: [green]+ {message}[/] ({group})")
    for process, messages in drift.removed.items():
        for message in messages:
            console.print(f"  {process}: [red]- {message}[/]")
    for message in drift.ungrouped:
        console.print(f"  new message with no group: [bold]{message}[/]")
    for union in drift.missing_unions:
        console.print(f"  union not found in the source: {union}")
    for union, members in drift.new_unions.items():
        console.print(f"  new process union [bold]{union}[/]: {', '.join(members)}")
    for message, senders in drift.unclaimed.items():
        console.print(f"  {message} is sent by {', '.join(senders)}, which no API table row covers")
