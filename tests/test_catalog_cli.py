"""`chanlint catalog`: the knowledge as tables, per process, as a diff, as JSON and markdown."""

from __future__ import annotations

import json

from click.testing import CliRunner

from chanlint.catalog import load_catalog
from chanlint.catalog import release as release_module
from chanlint.catalog.release import choose_release
from chanlint.cli import main


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_overview_counts_each_group() -> None:
    data = json.loads(invoke("catalog", "--airflow-version", "3.3", "--format", "json").output)
    callback = data["processes"]["callback"]["messages"]
    assert callback == {
        "GetConnection": "read",
        "GetVariable": "read",
        "GetVariableKeys": "read",
        "MaskSecret": "logging",
    }
    text = invoke("catalog", "--airflow-version", "3.3").output
    assert "messages each process may send" in text and "callback" in text


def test_process_listing_names_the_calls_that_send_each_message() -> None:
    data = json.loads(invoke("catalog", "--airflow-version", "3.3", "--process", "callback", "--format", "json").output)
    rows = {r["message"]: r for r in data["messages"]}
    assert "Variable.get" in rows["GetVariable"]["sent_by"]
    assert rows["MaskSecret"]["group"] == "logging"


def test_diff_between_releases() -> None:
    data = json.loads(invoke("catalog", "--diff", "3.0", "3.3", "--format", "json").output)
    assert data["processes"]["callback"] == {"status": "added"}
    assert "GetXComSequenceSlice" in data["processes"]["dag-processor"]["added"]
    assert "upsert_hitl_detail" in data["calls_added"]
    assert "No" not in invoke("catalog", "--diff", "3.2", "3.3").output.splitlines()[0]


def test_process_missing_from_a_release_and_unknown_release_are_errors() -> None:
    result = invoke("catalog", "--airflow-version", "3.1", "--process", "callback")
    assert result.exit_code == 2 and "unknown process 'callback' in Airflow 3.1" in result.output
    assert invoke("catalog", "--airflow-version", "2.9").exit_code == 2


def test_markdown_for_docs() -> None:
    page = invoke("catalog", "--all-versions", "--format", "markdown").output
    for version in ("3.0", "3.1", "3.2", "3.3"):
        assert f"## Airflow {version} " in page


def test_release_choice_reads_package_metadata(monkeypatch) -> None:
    monkeypatch.setattr(release_module, "installed_airflow", lambda: "3.1.8")
    assert choose_release(None).version == "3.1" and choose_release(None).reason == ""
    monkeypatch.setattr(release_module, "installed_airflow", lambda: "3.9.0")
    choice = choose_release(None)
    assert choice.version == "3.3" and "3.9.0 is not catalogued" in choice.reason
    monkeypatch.setattr(release_module, "installed_airflow", lambda: None)
    assert "no Airflow installed" in choose_release(None).reason
    assert choose_release("3.0").version == "3.0"


def test_older_release_drops_what_it_lacks() -> None:
    assert "callback" not in load_catalog("3.0").processes
    assert not load_catalog("3.0").entrypoints["deadline_callback"]
    names = {c.name for c in load_catalog("3.1").calls}
    assert "Variable.keys" not in names and "Variable.get" in names
