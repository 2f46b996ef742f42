"""Human output: each finding like a compiler error, with the chain like a traceback."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from chanlint.api import Report, display_path
from chanlint.catalog import load_catalog

# Diagnostics about files chanlint did not read (or could not decode): their text is not shown.
UNREAD_CODES = frozenset({"CHL903", "CHL904", "CHL905", "CHL906", "CHL907"})
MAX_SHOWN = 160  # characters of a source line shown under a finding

KIND_LABEL = {
    "task_callback": "task callback",
    "dag_callback": "DAG callback",
    "deadline_callback": "deadline callback",
    "notifier": "notifier",
    "trigger": "trigger",
    "parse": "parse-time code of",
    "task": "task",
}


def render_text(report: Report, console: Console, cwd: Path | None = None) -> None:
    catalog = load_catalog(report.airflow_version)
    lines_cache: dict[str, list[str]] = {}
    for f in report.findings:
        path = display_path(f.path, cwd)
        console.print(f"[bold]{escape(path)}:{f.line}:{f.column}:[/] [bold red]{f.code}[/] {escape(f.text)}")
        source = None if f.code in UNREAD_CODES else _line(lines_cache, f.path, f.line)
        if source is not None and len(source) > MAX_SHOWN:
            source = source[:MAX_SHOWN] + " …" if f.column <= MAX_SHOWN else None
        if source is not None:
            gutter = f"{f.line:>5} | "
            console.print(f"[blue]{gutter}[/]{escape(source)}", highlight=False)
            width = max(1, (f.end_column - f.column) if f.end_line == f.line else len(source) - f.column + 1)
            width = min(width, max(1, len(source) - f.column + 1))
            console.print(" " * (len(gutter) + f.column - 1) + "[red]" + "^" * width + "[/]", highlight=False)
        if f.entrypoint.kind:
            entry = f.entrypoint
            label = KIND_LABEL.get(entry.kind, entry.kind)
            process = catalog.processes[f.process].title if f.process in catalog.processes else f.process
            console.print(
                f"  [dim]runs in the[/] {escape(process)} [dim]as {label}[/] "
                f"{escape(entry.name)} [dim]({escape(display_path(entry.path, cwd))}:{entry.line})[/]"
            )
        if len(f.chain) > 1:
            console.print("  [dim]call chain:[/]")
            for frame in f.chain:
                console.print(
                    f"    [dim]{escape(display_path(frame.path, cwd))}:{frame.line}[/] in {escape(frame.function)}"
                )
        console.print()
    _summary(report, console)


def _summary(report: Report, console: Console) -> None:
    if report.version_note:
        console.print(f"[yellow]note:[/] {escape(report.version_note)}")
    n = len(report.findings)
    scanned = f"{report.files_scanned} file{'s' if report.files_scanned != 1 else ''}"
    hidden = ", ".join(
        part
        for part in (
            f"{report.suppressed} suppressed" if report.suppressed else "",
            f"{report.baselined} in the baseline" if report.baselined else "",
        )
        if part
    )
    hidden = f" ({hidden})" if hidden else ""
    if n == 0:
        console.print(f"[green]All clear.[/] {scanned} checked against Airflow {report.airflow_version}{hidden}.")
        return
    by_code = Counter(f.code for f in report.findings)
    by_process = Counter(f.process for f in report.findings if f.process)
    codes = ", ".join(f"{code} x{count}" for code, count in sorted(by_code.items()))
    processes = ", ".join(f"{p} x{c}" for p, c in sorted(by_process.items()))
    console.print(
        f"[bold red]Found {n} finding{'s' if n != 1 else ''}[/] in {scanned} "
        f"(Airflow {report.airflow_version}){hidden}: {codes}" + (f"; by process: {processes}" if processes else "")
    )


def _line(cache: dict[str, list[str]], path: str, line: int) -> str | None:
    if path not in cache:
        try:
            cache[path] = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            cache[path] = []
    lines = cache[path]
    return lines[line - 1] if 0 < line <= len(lines) else None
