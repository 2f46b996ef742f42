"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""

from __future__ import annotations

from pathlib import Path

from chanlint.api import Report, display_path

LEVEL = {"error": "error", "warning": "warning"}


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report, cwd: Path | None = None) -> str:
    out = []
    for f in report.findings:
        level = LEVEL.get(f.severity, "error")
        props = (
            f"file={_property(display_path(f.path, cwd))},line={f.line},col={f.column},"
            f"endLine={f.end_line},endColumn={f.end_column},title={_property(f'chanlint {f.code}')}"
        )
        message = f.text
        if f.entrypoint.kind:
            message += f"\nRuns in {f.process} as {f.entrypoint.kind} {f.entrypoint.name}"
        out.append(f"::{level} {props}::{_data(message)}\n")
    return "".join(out)
