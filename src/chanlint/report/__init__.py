"""Stage 5: present findings: text for people, the rest for tools."""

from __future__ import annotations

from pathlib import Path


def render(report, output_format: str, cwd: Path | None = None) -> str:
    """The report in one of the machine formats (or plain text without colour, for --output)."""
    if output_format == "json":
        from chanlint.report.json_report import render_json

        return render_json(report, cwd)
    if output_format == "concise":
        from chanlint.report.concise import render_concise

        return render_concise(report, cwd)
    if output_format == "sarif":
        from chanlint.report.sarif import render_sarif

        return render_sarif(report, cwd)
    if output_format == "github":
        from chanlint.report.github import render_github

        return render_github(report, cwd)
    if output_format == "gitlab":
        from chanlint.report.gitlab import render_gitlab

        return render_gitlab(report, cwd)
    if output_format == "text":
        from io import StringIO

        from rich.console import Console

        from chanlint.report.text_report import render_text

        buffer = StringIO()
        render_text(report, Console(file=buffer, highlight=False, soft_wrap=True, no_color=True, width=200), cwd)
        return buffer.getvalue()
    raise ValueError(f"unknown format {output_format!r}")
