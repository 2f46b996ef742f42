"""Every rule's own VALID/INVALID examples, run automatically (fixit style)."""

from __future__ import annotations

import pytest

from chanlint.check.rules import ALL_RULES
from tests.helpers import check_folder, write_tree

VALID = [(rule, ex) for rule in ALL_RULES for ex in rule.valid]
INVALID = [(rule, ex) for rule in ALL_RULES for ex in rule.invalid]


@pytest.mark.parametrize(("rule", "example"), VALID, ids=[f"{r.code}-valid{i}" for i, (r, _) in enumerate(VALID)])
def test_valid_examples_have_no_findings(rule, example, tmp_path) -> None:
    write_tree(tmp_path, example.files)
    report = check_folder(tmp_path, example.config or None, options=example.options)
    assert report.findings == []


@pytest.mark.parametrize(("rule", "example"), INVALID, ids=[f"{r.code}-invalid{i}" for i, (r, _) in enumerate(INVALID)])
def test_invalid_examples_report_the_rule(rule, example, tmp_path) -> None:
    write_tree(tmp_path, example.files)
    report = check_folder(tmp_path, example.config or None, options=example.options)
    assert sorted({(f.code, f.line) for f in report.findings}) == sorted(example.expect)


def test_rule_codes_are_unique_and_documented() -> None:
    codes = [rule.code for rule in ALL_RULES]
    assert len(codes) == len(set(codes))
    for rule in ALL_RULES:
        assert "## Why is this bad?" in rule.explanation and "## How to fix" in rule.explanation
        assert rule.invalid, f"{rule.code} has no INVALID example"
