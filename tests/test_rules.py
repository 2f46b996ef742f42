"""Every rule's own VALID/INVALID examples, run automatically (fixit style)."""

from __future__ import annotations

import pytest

from chanlint.check.rules import ALL_RULES
from tests.helpers import SNAPSHOT_RELEASE, check_folder, write_tree

VALID = [(rule, ex) for rule in ALL_RULES for ex in rule.valid]
INVALID = [(rule, ex) for rule in ALL_RULES for ex in rule.invalid]


@pytest.mark.parametrize(("rule", "example"), VALID, ids=[f"{r.code}-valid{i}" for i, (r, _) in enumerate(VALID)])
def test_valid_examples_have_no_findings(rule, example, tmp_path, monkeypatch) -> None:
    write_tree(tmp_path, example.files, example.symlinks)
    _make_unreadable(monkeypatch, tmp_path, example.unreadable)
    report = check_folder(tmp_path, example.config or None, _release(example), options=example.options)
    assert report.findings == []


@pytest.mark.parametrize(("rule", "example"), INVALID, ids=[f"{r.code}-invalid{i}" for i, (r, _) in enumerate(INVALID)])
def test_invalid_examples_report_the_rule(rule, example, tmp_path, monkeypatch) -> None:
    write_tree(tmp_path, example.files, example.symlinks)
    _make_unreadable(monkeypatch, tmp_path, example.unreadable)
    report = check_folder(tmp_path, example.config or None, _release(example), options=example.options)
    assert sorted({(f.code, f.line) for f in report.findings}) == sorted(example.expect)


def test_rule_codes_are_unique_and_documented() -> None:
    codes = [rule.code for rule in ALL_RULES]
    assert len(codes) == len(set(codes))
    for rule in ALL_RULES:
        assert "## Why is this bad?" in rule.explanation and "## How to fix" in rule.explanation
        assert rule.invalid, f"{rule.code} has no INVALID example"


def _release(example) -> str:
    """The Airflow release an example is judged against: its config's, else the snapshot release."""
    return example.config.get("airflow-version", SNAPSHOT_RELEASE)


def _make_unreadable(monkeypatch, root, names) -> None:
    """Tests run as root, where chmod cannot deny reading: fail the read itself instead."""
    if not names:
        return
    from pathlib import Path

    denied = {(root / n).resolve() for n in names}
    original = Path.read_bytes

    def read_bytes(self):
        if self.resolve() in denied:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


def test_trap_rules_document_the_releases_the_catalog_declares() -> None:
    from chanlint.catalog import load_catalog
    from chanlint.check.rules import TRAP_RULES

    traps = load_catalog("3.3").traps
    assert set(TRAP_RULES) == set(traps), "every catalog trap is reported by exactly one rule"
    for trap_id, rule in TRAP_RULES.items():
        section = rule.explanation.split("## Airflow versions\n", 1)[1].splitlines()[0]
        assert section.split(" (")[0] == ", ".join(traps[trap_id].releases), rule.code
