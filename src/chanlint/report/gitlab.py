"""GitLab Code Quality report (a JSON array of issues, as GitLab documents it)."""

from __future__ import annotations

import json
from pathlib import Path

from chanlint.api import Report, display_path

SEVERITY = {"error": "major", "warning": "minor"}


def render_gitlab(report: Report, cwd: Path | None = None) -> str:
    issues = [
        {
            "description": f"{f.code} {f.text}",
            "check_name": f.code,
            "fingerprint": f.fingerprint,
            "severity": SEVERITY.get(f.severity, "major"),
            "location": {"path": display_path(f.path, cwd), "lines": {"begin": f.line, "end": f.end_line}},
        }
        for f in report.findings
    ]
    return json.dumps(issues, indent=2) + "\n"
