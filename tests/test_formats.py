"""Every output format: SARIF against the published schema, GitLab and GitHub as documented."""

from __future__ import annotations

import hashlib
import json
import re

import jsonschema
import pytest
from click.testing import CliRunner

from chanlint.cli import main
from tests.helpers import FIXTURES, REPO, check_folder
from tests.test_cli import run

SCHEMA = REPO / "tests" / "data" / "sarif-2.1.0-rtm.5.json"
SCHEMA_SHA256 = "2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8"
DEMO = FIXTURES / "demo"


def output(fmt: str, folder=DEMO) -> str:
    result = run(["check", "--format", fmt, "."], folder)
    assert result.exit_code == 1, result.output
    return result.output


def test_vendored_schema_is_the_published_file() -> None:
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256


def test_sarif_validates_against_the_sarif_2_1_0_schema() -> None:
    document = json.loads(output("sarif"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(document)
    run_ = document["runs"][0]
    rules = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    assert {"CHL001", "CHL002", "CHL900"} <= set(rules)
    assert all(r["help"]["text"] for r in run_["tool"]["driver"]["rules"])
    results = run_["results"]
    assert len(results) == 7
    flow = next(r for r in results if r["message"]["text"].startswith("ti.xcom_push") and "codeFlows" in r)
    steps = flow["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["message"]["text"] for s in steps] == ["in notify_failure", "in _record_alert"]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results)


def test_sarif_schema_rejects_a_broken_document() -> None:
    """The validation is real: a result without a message is refused."""
    document = json.loads(output("sarif"))
    del document["runs"][0]["results"][0]["message"]
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate(document)


def test_gitlab_code_quality_has_the_documented_required_fields() -> None:
    issues = json.loads(output("gitlab"))
    assert len(issues) == 7
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["check_name"], str)
        assert re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"])
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["path"], str) and not issue["location"]["path"].startswith("/")
        assert isinstance(issue["location"]["lines"]["begin"], int)
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_github_workflow_commands() -> None:
    lines = output("github").splitlines()
    assert len(lines) == 7
    pattern = re.compile(r"^::error file=[^,]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=chanlint CHL\d{3}::.+$")
    assert all(pattern.match(line) for line in lines), lines
    assert any("%0ARuns in dag-processor" in line for line in lines)  # newlines escaped


def test_concise_and_output_file(tmp_path) -> None:
    lines = output("concise").splitlines()
    assert lines[0] == (
        "dags/etl.py:11:1: CHL001 XCom.delete sends DeleteXCom (write), which the DAG processor of "
        "Airflow 3.3 does not accept"
    )
    target = tmp_path / "report.sarif"
    result = run(["check", "--format", "sarif", "--output", str(target), "."], DEMO)
    assert result.exit_code == 1 and result.output == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_text_output_summarises_by_code_and_process() -> None:
    text = output("text")
    assert "CHL001 x6, CHL002 x1" in text and "by process: callback x1, dag-processor x3" in text


def test_select_and_ignore() -> None:
    assert len(check_folder(DEMO, options={"select": ["CHL002"]}).findings) == 1
    assert len(check_folder(DEMO, options={"ignore": ["CHL0"]}).findings) == 0
    result = run(["check", "--select", "CHL9", "--ignore", "CHL900", "."], DEMO)
    assert result.exit_code == 0
    bad = run(["check", "--select", "XYZ", "."], DEMO)
    assert bad.exit_code == 2 and "matches no rule" in bad.output


def test_every_rule_has_an_explain_page() -> None:
    from chanlint.check.rules import ALL_RULES

    runner = CliRunner()
    for rule in ALL_RULES:
        page = runner.invoke(main, ["explain", rule.code])
        assert page.exit_code == 0
        for heading in ("## What it does", "## Why is this bad?", "## How to fix"):
            assert heading in page.output, (rule.code, heading)
