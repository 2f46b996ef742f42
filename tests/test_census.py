"""`chanlint census`: checked against a hand count of the demo repository."""

from __future__ import annotations

import csv
import io
import json
import sys

from chanlint.api import census
from chanlint.catalog import load_catalog
from chanlint.config import find_config, load_settings
from tests.helpers import FIXTURES
from tests.test_cli import run

DEMO = FIXTURES / "demo"


def demo_census():
    settings = load_settings(find_config(DEMO), DEMO)
    settings.use_version("3.3")
    return census([DEMO], settings)


def test_entry_points_needing_each_group_match_a_hand_count() -> None:
    result = demo_census()
    # Counted by reading fixtures/demo: see the README of the census section.
    assert result.entry_counts() == {
        ("callback", "deadline_callback"): 1,  # page_on_call
        ("dag-processor", "dag_callback"): 1,  # TeamsNotifier
        ("dag-processor", "parse"): 1,  # etl.py
        ("dag-processor", "task_callback"): 1,  # notify_failure (on_failure also runs here)
        ("task", "task"): 1,  # @task load
        ("task", "task_callback"): 2,  # notify_failure, remember_success
        ("triggerer", "deadline_callback"): 1,  # escalate
        ("triggerer", "trigger"): 1,  # PartitionReadyTrigger
    }
    assert result.entry_points_needing() == {
        ("callback", "deadline_callback"): {"write": 1},
        ("dag-processor", "dag_callback"): {"write": 1},
        ("dag-processor", "parse"): {"read": 1, "write": 1},  # XCom.delete: GetXCom, DeleteXCom
        ("dag-processor", "task_callback"): {"read": 1, "logging": 1, "write": 1},
        ("task", "task_callback"): {"read": 1, "logging": 1, "write": 2},
        ("triggerer", "deadline_callback"): {"read": 1},
        ("triggerer", "trigger"): {"read": 1},
    }
    counts = result.message_counts()
    assert counts[("dag-processor", "SetXCom")] == 2  # alerts._record_alert, TeamsNotifier.notify
    assert counts[("triggerer", "GetXComSequenceSlice")] == 2
    assert len(result.refused()) == 6  # the six CHL001 findings of `chanlint check`


def test_suggested_policy_is_what_the_code_uses() -> None:
    policy = demo_census().suggested_policy(load_catalog("3.3"))
    assert policy == {
        "task": ["read", "write", "logging"],
        "triggerer": [],
        "dag-processor": ["read", "logging"],
        "callback": [],
    }
    text = run(["census", "--suggest-policy", "--airflow-version", "3.3", "."], DEMO).output
    assert '[tool.chanlint.policy]\ntask = ["read", "write", "logging"]' in text


def test_json_uses_carry_the_finding_fields() -> None:
    data = json.loads(run(["census", "--format", "json", "--airflow-version", "3.3", "."], DEMO).output)
    use = data["uses"][0]
    assert {"path", "line", "process", "message_type", "group", "call", "entrypoint", "chain"} <= set(use)
    # By hand: callback 1 (PutVariable); dag-processor 6 (TeamsNotifier SetXCom; parse GetXCom, DeleteXCom;
    # notify_failure GetVariable, MaskSecret, SetXCom); task 4 (notify_failure 3, remember_success 1);
    # triggerer 2 (escalate, PartitionReadyTrigger).
    assert len(data["uses"]) == 13
    rows = list(csv.DictReader(io.StringIO(run(["census", "--format", "csv", "."], DEMO).output)))
    assert len(rows) == 13 and rows[0]["entrypoint_kind"]


def test_text_markdown_and_details() -> None:
    text = run(["census", "--details", "--airflow-version", "3.3", "."], DEMO).output
    assert "Entry points needing each access group" in text and "(refused)" in text
    markdown = run(["census", "--format", "markdown", "."], DEMO).output
    assert markdown.startswith("| process / entry kind | entry points |")


def test_plot_writes_a_heatmap(tmp_path) -> None:
    target = tmp_path / "census.svg"
    result = run(["census", "--plot", str(target), "--format", "json", "."], DEMO)
    assert result.exit_code == 0, result.output
    svg = target.read_text()
    assert "<svg" in svg and "Entry points needing each access group" in svg
    again = tmp_path / "again.svg"
    assert run(["census", "--plot", str(again), "--format", "json", "."], DEMO).exit_code == 0
    assert again.read_text() == svg  # the same census, the same bytes (no date, fixed ids)


def test_plot_without_matplotlib_says_how_to_get_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    result = run(["census", "--plot", str(tmp_path / "c.png"), "."], DEMO)
    assert result.exit_code == 2 and "pip install 'chanlint[plot]'" in result.output
    assert run(["census", "--plot", str(tmp_path / "c.gif"), "."], DEMO).exit_code == 2


def test_the_census_command_loads_libcst_only_with_the_run() -> None:
    """Before the run, the command's modules leave libcst and rich unloaded: the run loads libcst
    while its workers index the files (see api._import_analysis), which costs no wall time."""
    import subprocess

    script = "import sys, chanlint.cli, chanlint.report.census_view; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert "chanlint.check.census" in loaded
    assert not {"libcst", "rich", "chanlint.check.entrypoints"} & loaded
