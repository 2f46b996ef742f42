"""Each fixture repository's JSON output, compared with its reviewed snapshots.

`expected.json` is the output judged against Airflow 3.3; `expected-3.1.json` and friends
against that release. Regenerate after a deliberate change with CHANLINT_UPDATE_SNAPSHOTS=1,
then review the diff.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.helpers import FIXTURES, SNAPSHOT_RELEASE, check_folder, json_for

FOLDERS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
SNAPSHOTS = [
    (folder, snapshot)
    for folder in FOLDERS
    for snapshot in sorted(folder.glob("expected*.json")) or [folder / "expected.json"]
]


def _release(snapshot) -> str:
    stem = snapshot.stem
    return stem.split("-", 1)[1] if "-" in stem else SNAPSHOT_RELEASE


@pytest.mark.parametrize(("folder", "snapshot"), SNAPSHOTS, ids=[f"{f.name}/{s.name}" for f, s in SNAPSHOTS])
def test_fixture_matches_snapshot(folder, snapshot) -> None:
    actual = json_for(folder, _release(snapshot))
    if os.environ.get("CHANLINT_UPDATE_SNAPSHOTS"):
        snapshot.write_text(json.dumps(actual, indent=2) + "\n", encoding="utf-8")
    expected = json.loads(snapshot.read_text(encoding="utf-8"))
    assert actual == expected


def test_demo_shows_every_process_type() -> None:
    findings = json_for(FIXTURES / "demo")["findings"]
    assert {f["process"] for f in findings} == {"task", "triggerer", "dag-processor", "callback"}


def test_every_entry_kind_is_exercised_by_some_fixture() -> None:
    kinds = set()
    for folder in FOLDERS:
        kinds |= {e.kind for e in check_folder(folder).entrypoints}
    assert kinds == {"task_callback", "dag_callback", "deadline_callback", "notifier", "trigger", "parse", "task"}


def test_each_release_judges_by_its_own_unions() -> None:
    """The same DAG: 3.0's DAG processor cannot answer XCom reads; 3.3 adds the callback process."""
    folder = FIXTURES / "releases"
    by_release = {
        v: {
            (f["line"], f["process"], f["message_type"])
            for f in json_for(folder, v)["findings"]
            if f["code"] in ("CHL001", "CHL002")
        }
        for v in ("3.0", "3.1", "3.2", "3.3")
    }
    assert by_release["3.0"] == {(12, "dag-processor", "GetXComSequenceSlice"), (13, "dag-processor", "GetTaskStates")}
    assert by_release["3.1"] == by_release["3.2"] == {(22, "triggerer", "GetXComSequenceSlice")}
    assert by_release["3.3"] == {(18, "callback", "PutVariable"), (22, "triggerer", "GetXComSequenceSlice")}
    # 3.0 has no deadline alerts; from 3.1 on, an AsyncCallback defined in the DAG file cannot run.
    traps = {
        v: {(f["code"], f["line"]) for f in json_for(folder, v)["findings"] if f["code"] == "CHL102"}
        for v in by_release
    }
    assert traps["3.0"] == set() and traps["3.1"] == traps["3.2"] == traps["3.3"] == {("CHL102", 34)}
    texts = {f["text"] for f in json_for(folder, "3.1")["findings"]}
    assert all("of Airflow 3.1" in t for t in texts)
