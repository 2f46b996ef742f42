"""SARIF 2.1.0 for GitHub code scanning: rules with help, locations, and the call chain as a codeFlow."""

from __future__ import annotations

import json
from pathlib import Path

from chanlint import __version__
from chanlint.api import Report, display_path
from chanlint.check.findings import Finding
from chanlint.check.rules import ALL_RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning"}
INFORMATION_URI = "https://pypi.org/project/chanlint/"


def _rule(rule) -> dict:
    first_line = rule.explanation.split("\n## Why")[0].replace("## What it does\n", "").strip()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.name.replace("-", " ")},
        "fullDescription": {"text": first_line},
        "help": {"text": rule.explanation, "markdown": rule.explanation},
        "defaultConfiguration": {"level": LEVEL.get(rule.severity, "error")},
    }


def _location(
    path: str, line: int, column: int, end_line: int, end_column: int, cwd: Path | None, message: str | None = None
) -> dict:
    region = {"startLine": line, "startColumn": column}
    if end_line >= line:
        region |= {"endLine": end_line, "endColumn": max(end_column, 1)}
    location: dict = {
        "physicalLocation": {
            "artifactLocation": {"uri": display_path(path, cwd), "uriBaseId": "%SRCROOT%"},
            "region": region,
        }
    }
    if message:
        location["message"] = {"text": message}
    return location


def _result(f: Finding, index: int, cwd: Path | None) -> dict:
    result: dict = {
        "ruleId": f.code,
        "ruleIndex": index,
        "level": LEVEL.get(f.severity, "error"),
        "message": {"text": f.text},
        "locations": [_location(f.path, f.line, f.column, f.end_line, f.end_column, cwd)],
        "partialFingerprints": {"chanlint/v1": f.fingerprint},
    }
    if f.entrypoint.kind:
        result["properties"] = {
            "process": f.process,
            "messageType": f.message_type,
            "group": f.group,
            "call": f.call,
            "entrypoint": {
                "kind": f.entrypoint.kind,
                "name": f.entrypoint.name,
                "path": display_path(f.entrypoint.path, cwd),
                "line": f.entrypoint.line,
            },
        }
    if f.chain:
        steps = [
            {"location": _location(frame.path, frame.line, 1, frame.line, 1, cwd, f"in {frame.function}")}
            for frame in f.chain
        ]
        result["codeFlows"] = [
            {
                "message": {"text": f"{f.entrypoint.kind} {f.entrypoint.name} reaches {f.call}"},
                "threadFlows": [{"locations": steps}],
            }
        ]
    return result


def sarif_document(report: Report, cwd: Path | None = None) -> dict:
    index = {rule.code: i for i, rule in enumerate(ALL_RULES)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "chanlint",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(rule) for rule in ALL_RULES],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(cwd or Path.cwd()).resolve().as_uri() + "/"}},
                "results": [_result(f, index[f.code], cwd) for f in report.findings],
                "properties": {"airflowVersion": report.airflow_version},
            }
        ],
    }


def render_sarif(report: Report, cwd: Path | None = None) -> str:
    return json.dumps(sarif_document(report, cwd), indent=2) + "\n"
