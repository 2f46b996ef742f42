"""One line per finding: `path:line:col: CODE text` (editors and grep understand it)."""

from __future__ import annotations

from pathlib import Path

from chanlint.api import Report, display_path


def render_concise(report: Report, cwd: Path | None = None) -> str:
    lines = [f"{display_path(f.path, cwd)}:{f.line}:{f.column}: {f.code} {f.text}" for f in report.findings]
    return "".join(f"{line}\n" for line in lines)
