"""The census for people (rich tables, a heatmap) and for scripts (JSON, CSV, markdown)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from chanlint.api import display_path
from chanlint.catalog.model import Catalog
from chanlint.check.census import Census, MessageUse

if TYPE_CHECKING:  # rich loads when a table is drawn: the run before it loads libcst while it indexes
    from rich.console import Console


class PlotUnavailable(Exception):
    """matplotlib (the `plot` extra) is not installed."""


def use_dict(use: MessageUse, cwd: Path | None = None) -> dict:
    entry = use.entrypoint
    return {
        "path": display_path(use.path, cwd),
        "line": use.line,
        "column": use.column,
        "process": use.process,
        "message_type": use.message_type,
        "group": use.group,
        "call": use.call,
        "allowed": use.allowed,
        "entrypoint": {
            "kind": entry.kind,
            "name": entry.name,
            "path": display_path(entry.path, cwd),
            "line": entry.line,
        },
        "chain": [{"path": display_path(f.path, cwd), "line": f.line, "function": f.function} for f in use.chain],
    }


def census_dict(census: Census, catalog: Catalog, cwd: Path | None = None) -> dict:
    needing = census.entry_points_needing()
    counts = census.entry_counts()
    return {
        "airflow_version": census.airflow_version,
        "entry_points": [
            {"process": p, "kind": k, "count": counts.get((p, k), 0), "needing_group": needing.get((p, k), {})}
            for p, k in census.rows()
        ],
        "messages": [
            {"process": p, "message_type": m, "group": catalog.message_group[m], "uses": n}
            for (p, m), n in sorted(census.message_counts().items())
        ],
        "uses": [use_dict(u, cwd) for u in census.uses],
    }


def render_text(census: Census, catalog: Catalog, console: Console, details: bool, cwd: Path | None) -> None:
    from rich.table import Table

    needing = census.entry_points_needing()
    counts = census.entry_counts()
    groups = list(catalog.groups)
    table = Table(title=f"Entry points needing each access group (Airflow {census.airflow_version})")
    table.add_column("process / entry kind")
    table.add_column("entry points", justify="right")
    for group in groups:
        table.add_column(group, justify="right")
    for row in census.rows():
        cells = [str(needing.get(row, {}).get(g, "")) or "[dim]·[/]" for g in groups]
        table.add_row(f"{row[0]} / {row[1]}", str(counts.get(row, 0)), *cells)
    console.print(table)
    messages = Table(title="Uses per message")
    for column in ("process", "message", "group", "uses", "allowed"):
        messages.add_column(column, justify="right" if column == "uses" else "left")
    refused = {(u.process, u.message_type) for u in census.refused()}
    for (process, message), n in sorted(census.message_counts().items()):
        ok = "[red]no[/]" if (process, message) in refused else "yes"
        messages.add_row(process, message, catalog.message_group[message], str(n), ok)
    console.print(messages)
    if details:
        for use in census.uses:
            mark = "" if use.allowed else " [red](refused)[/]"
            console.print(
                f"{display_path(use.path, cwd)}:{use.line}:{use.column}: {use.process} "
                f"{use.message_type} ({use.group}) via {use.call} from {use.entrypoint.kind} "
                f"{use.entrypoint.name}{mark}"
            )


def render_markdown(census: Census, catalog: Catalog) -> str:
    needing = census.entry_points_needing()
    counts = census.entry_counts()
    groups = list(catalog.groups)
    lines = [
        "| process / entry kind | entry points | " + " | ".join(groups) + " |",
        "|---|---:|" + "---:|" * len(groups),
    ]
    for row in census.rows():
        cells = " | ".join(str(needing.get(row, {}).get(g, 0)) for g in groups)
        lines.append(f"| {row[0]} / {row[1]} | {counts.get(row, 0)} | {cells} |")
    lines += ["", "| process | message | group | uses | allowed |", "|---|---|---|---:|---|"]
    refused = {(u.process, u.message_type) for u in census.refused()}
    for (process, message), n in sorted(census.message_counts().items()):
        ok = "**no**" if (process, message) in refused else "yes"
        lines.append(f"| {process} | {message} | {catalog.message_group[message]} | {n} | {ok} |")
    return "\n".join(lines) + "\n"


def render_csv(census: Census, cwd: Path | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "path",
            "line",
            "column",
            "process",
            "message_type",
            "group",
            "call",
            "allowed",
            "entrypoint_kind",
            "entrypoint_name",
            "entrypoint_path",
            "entrypoint_line",
            "chain",
        ]
    )
    for use in census.uses:
        chain = " > ".join(f"{display_path(f.path, cwd)}:{f.line}:{f.function}" for f in use.chain)
        writer.writerow(
            [
                display_path(use.path, cwd),
                use.line,
                use.column,
                use.process,
                use.message_type,
                use.group,
                use.call,
                use.allowed,
                use.entrypoint.kind,
                use.entrypoint.name,
                display_path(use.entrypoint.path, cwd),
                use.entrypoint.line,
                chain,
            ]
        )
    return buffer.getvalue()


def suggested_policy_toml(census: Census, catalog: Catalog) -> str:
    policy = census.suggested_policy(catalog)
    lines = ["# The narrowest group policy under which the scanned code passes, per process.", "[tool.chanlint.policy]"]
    for process, groups in policy.items():
        lines.append(f"{process} = [{', '.join(json.dumps(g) for g in groups)}]")
    refused = census.refused()
    if refused:
        lines.append(
            f"# {len(refused)} use(s) send a message their process refuses whatever the policy (see `chanlint check`)."
        )
    return "\n".join(lines) + "\n"


def plot(census: Census, catalog: Catalog, target: Path) -> None:
    """Heatmap: process/entry kind x group; each cell counts entry points needing that group."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise PlotUnavailable("the census plot needs matplotlib: pip install 'chanlint[plot]'") from exc
    rows = census.rows()
    groups = list(catalog.groups)
    needing = census.entry_points_needing()
    counts = census.entry_counts()
    grid = [[needing.get(row, {}).get(g, 0) for g in groups] for row in rows]
    # Colour by the share of the row's entry points (rows differ in size by 100x); label by count.
    shares = [[value / max(counts.get(row, 0), 1) for value in line] for row, line in zip(rows, grid, strict=True)]
    fig, ax = plt.subplots(figsize=(1.1 * len(groups) + 3.5, 0.55 * max(len(rows), 1) + 1.6))
    image = ax.imshow(shares or [[0] * len(groups)], cmap="Blues", aspect="auto", vmin=0, vmax=1)
    ax.set_xticks(range(len(groups)), labels=groups, rotation=35, ha="right")
    ax.set_yticks(range(len(rows)), labels=[f"{p} / {k} ({counts.get((p, k), 0)})" for p, k in rows])
    for i, line in enumerate(grid):
        for j, value in enumerate(line):
            if value:
                ax.text(
                    j,
                    i,
                    str(value),
                    ha="center",
                    va="center",
                    color="white" if shares[i][j] > 0.5 else "black",
                    fontsize=9,
                )
    ax.set_title(f"Entry points needing each access group (Airflow {census.airflow_version})")
    fig.colorbar(image, ax=ax, label="share of the row's entry points")
    fig.tight_layout()
    # The same census gives the same bytes: no date in an SVG, and its ids from a fixed salt.
    svg = target.suffix.lower() == ".svg"
    with matplotlib.rc_context({"svg.hashsalt": "chanlint"}):
        fig.savefig(target, metadata={"Date": None} if svg else None)
    plt.close(fig)
