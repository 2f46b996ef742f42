"""Each fixture repository's JSON output, compared with its reviewed snapshot (expected.json).

Regenerate after a deliberate change with CHANLINT_UPDATE_SNAPSHOTS=1, then review the diff.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.helpers import FIXTURES, json_for

FOLDERS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_fixture_matches_snapshot(folder) -> None:
    actual = json_for(folder)
    snapshot = folder / "expected.json"
    if os.environ.get("CHANLINT_UPDATE_SNAPSHOTS"):
        snapshot.write_text(json.dumps(actual, indent=2) + "\n", encoding="utf-8")
    expected = json.loads(snapshot.read_text(encoding="utf-8"))
    assert actual == expected


def test_demo_shows_every_process_type() -> None:
    findings = json_for(FIXTURES / "demo")["findings"]
    assert {f["process"] for f in findings} == {"task", "triggerer", "dag-processor", "callback"}


def test_every_entry_kind_is_exercised_by_some_fixture() -> None:
    from chanlint.api import check
    from chanlint.config import find_config, load_settings

    kinds = set()
    for folder in FOLDERS:
        report = check([folder], load_settings(find_config(folder), folder))
        kinds |= {e.kind for e in report.entrypoints}
    assert kinds == {"task_callback", "dag_callback", "deadline_callback", "notifier", "trigger", "parse", "task"}
