"""The JSON shape: one object, paths relative to the working directory with / separators."""

from __future__ import annotations

import json
from pathlib import Path

from chanlint.api import Report, display_path
from chanlint.check.findings import Finding


def finding_dict(finding: Finding, cwd: Path | None = None) -> dict:
    entry = finding.entrypoint
    return {
        "code": finding.code,
        "severity": finding.severity,
        "path": display_path(finding.path, cwd),
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "process": finding.process or None,
        "message_type": finding.message_type or None,
        "group": finding.group or None,
        "call": finding.call or None,
        "entrypoint": {
            "kind": entry.kind or None,
            "name": entry.name or None,
            "path": display_path(entry.path, cwd),
            "line": entry.line,
        },
        "chain": [{"path": display_path(f.path, cwd), "line": f.line, "function": f.function} for f in finding.chain],
        "text": finding.text,
    }


def report_dict(report: Report, cwd: Path | None = None) -> dict:
    return {
        "chanlint_version": report.chanlint_version,
        "airflow_version": report.airflow_version,
        "files_scanned": report.files_scanned,
        "findings": [finding_dict(f, cwd) for f in report.findings],
    }


def render_json(report: Report, cwd: Path | None = None) -> str:
    return json.dumps(report_dict(report, cwd), indent=2) + "\n"
