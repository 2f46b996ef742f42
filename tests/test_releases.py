"""Every catalogued release, checked against that release's real wheels (read, never imported).

The wheels are fetched by `python scripts/fetch_airflow_wheels.py` (part of the README's test
command) into .cache/airflow-wheels, or taken from $CHANLINT_WHEELS.
"""

from __future__ import annotations

import ast
import json
import os
import sys
import zipfile
from functools import cache
from importlib import resources
from pathlib import Path

import pytest
import tomllib
from click.testing import CliRunner

from chanlint.catalog import available_versions, load_catalog
from chanlint.catalog.derive import SourceTree, compare, derive, missing_targets
from chanlint.cli import main
from tests.helpers import REPO

sys.path.insert(0, str(REPO / "scripts"))
from fetch_airflow_wheels import wheel_name

WHEELS = Path(os.environ.get("CHANLINT_WHEELS", REPO / ".cache" / "airflow-wheels"))
VERSIONS = available_versions()


@cache
def tree_for(version: str) -> SourceTree:
    return SourceTree.from_paths(wheels_for(version))


def wheels_for(version: str) -> list[Path]:
    catalog = load_catalog(version)
    paths = [
        WHEELS / wheel_name("apache-airflow-core", catalog.core),
        WHEELS / wheel_name("apache-airflow-task-sdk", catalog.task_sdk),
    ]
    missing = [p.name for p in paths if not p.is_file()]
    assert not missing, f"missing {missing}: run `python scripts/fetch_airflow_wheels.py` first"
    return paths


def raw_overlay(version: str) -> dict:
    path = resources.files("chanlint.catalog") / "data" / f"airflow-{version}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_every_release_from_3_0_to_3_3_is_catalogued() -> None:
    assert VERSIONS == ["3.0", "3.1", "3.2", "3.3"]


@pytest.mark.parametrize("version", VERSIONS)
def test_unions_match_the_release_wheels(version: str) -> None:
    catalog = load_catalog(version)
    drift = compare(derive(tree_for(version)), catalog)
    assert not drift, drift


@pytest.mark.parametrize("version", [v for v in VERSIONS if "base" in raw_overlay(v)])
def test_api_rows_removed_for_a_release_are_exactly_those_it_lacks(version: str) -> None:
    overlay = raw_overlay(version)
    base = load_catalog(overlay["base"])
    tree = tree_for(version)
    assert missing_targets(base, tree, overlay.get("locations", {})) == set(overlay["remove_targets"])
    # ...and what remains exists in that release.
    assert missing_targets(load_catalog(version), tree) == set()


@pytest.mark.parametrize("version", VERSIONS)
def test_verify_command_reports_no_drift_on_real_wheels(version: str) -> None:
    args = ["catalog", "verify", "--format", "json"]
    for wheel in wheels_for(version):
        args += ["--source", str(wheel)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["airflow_version"] == version


def test_verify_reports_exactly_a_message_added_to_a_union(tmp_path: Path) -> None:
    core, sdk = wheels_for("3.3")
    comms = "airflow/sdk/execution_time/comms.py"
    with zipfile.ZipFile(sdk) as archive:
        text = archive.read(comms).decode("utf-8")
    text = text.replace(
        "ToSupervisor = Annotated[\n",
        'class GetTeamQuota(BaseModel):\n    type: Literal["GetTeamQuota"] = "GetTeamQuota"\n\n\n'
        "ToSupervisor = Annotated[\n    GetTeamQuota\n    | ",
        1,
    )
    patched = tmp_path / "checkout" / "airflow" / "sdk" / "execution_time" / "comms.py"
    patched.parent.mkdir(parents=True)
    patched.write_text(text, encoding="utf-8")
    args = [
        "catalog",
        "verify",
        "--format",
        "json",
        "--airflow-version",
        "3.3",
        "--source",
        str(tmp_path / "checkout"),
        "--source",
        str(core),
        "--source",
        str(sdk),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["added_to_union"] == {"task": ["GetTeamQuota"]}
    assert report["messages_without_group"] == ["GetTeamQuota"]
    assert not report["removed_from_union"] and not report["new_process_unions"]
    assert not report["unions_not_found"] and not report["senders_not_in_api_table"]
    text_result = CliRunner().invoke(main, args[:2] + args[4:])
    assert "task: + GetTeamQuota (no group)" in text_result.output


def test_verify_finds_a_new_child_process_union(tmp_path: Path) -> None:
    core, sdk = wheels_for("3.3")
    extra = tmp_path / "checkout" / "airflow" / "sdk" / "execution_time" / "edge_supervisor.py"
    extra.parent.mkdir(parents=True)
    extra.write_text(
        "from typing import Annotated\nfrom pydantic import Field\n"
        "from airflow.sdk.execution_time.comms import GetVariable, MaskSecret\n"
        "EdgeToSupervisor = Annotated[GetVariable | MaskSecret, Field(discriminator='type')]\n",
        encoding="utf-8",
    )
    tree = SourceTree.from_paths([tmp_path / "checkout", core, sdk])
    drift = compare(derive(tree), load_catalog("3.3"))
    assert drift.new_unions == {
        "airflow.sdk.execution_time.edge_supervisor.EdgeToSupervisor": ["GetVariable", "MaskSecret"]
    }


def test_verify_reads_an_installed_environment() -> None:
    result = CliRunner().invoke(main, ["catalog", "verify"])
    assert result.exit_code == 0, result.output
    assert "No drift" in result.output


# ---- which releases each runtime trap applies to, read off each release's source ------------


def _function_source(tree: SourceTree, rel: str, name: str) -> str:
    text = tree.read(rel) or ""
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return ast.get_source_segment(text, node) or ""
    return ""


def _no_current_context(tree: SourceTree) -> bool:
    setters = {
        rel for rel, text in tree.iter_texts(needle="set_current_context(") if "def set_current_context" not in text
    }
    return setters == {"airflow/sdk/execution_time/task_runner.py"}


def _lifecycle_outside_task(tree: SourceTree) -> bool:
    runner = _function_source(tree, "airflow/sdk/execution_time/task_runner.py", "_run_task_state_change_callbacks")
    return "except Exception" in runner


def _deadline_callback_in_dag_file(tree: SourceTree) -> bool:
    stores_qualname = any("__module__}.{_callback.__qualname__}" in text for _, text in tree.iter_texts("airflow/sdk/"))
    triggers = [tree.read(f"airflow/triggers/{name}.py") or "" for name in ("callback", "deadline")]
    return stores_qualname and any("import_string(self.callback_path)" in text for text in triggers)


def _deadline_context_shape(tree: SourceTree) -> bool:
    builder = _function_source(tree, "airflow/models/deadline.py", "get_simple_context")
    return '"dag_run":' in builder and '"deadline":' in builder and "model_dump(" in builder


def _supervisor_call_while_loading_trigger(tree: SourceTree) -> bool:
    rel = "airflow/jobs/triggerer_job_runner.py"
    send = _function_source(tree, rel, "send")
    create = _function_source(tree, rel, "create_triggers")
    refuses_loop_thread = "async_to_sync" in send or "has_portal()" in send
    return refuses_loop_thread and "get_trigger_by_classpath" in create and "ensure_portal" not in create


def _notifier_without_async_notify(tree: SourceTree) -> bool:
    rel = "airflow/sdk/bases/notifier.py"
    awaits_async_notify = "async_notify(" in _function_source(tree, rel, "__await__")
    unimplemented = "raise NotImplementedError" in _function_source(tree, rel, "async_notify")
    triggers = [tree.read(f"airflow/triggers/{name}.py") or "" for name in ("callback", "deadline")]
    return awaits_async_notify and unimplemented and any("await callback(" in text for text in triggers)


def _sync_call_on_triggerer_loop(tree: SourceTree) -> bool:
    """Before 3.2 the triggerer's comms send with async_to_sync, which refuses a running loop's thread."""
    send = _function_source(tree, "airflow/jobs/triggerer_job_runner.py", "send")
    return "async_to_sync(" in send and "has_portal" not in send


TRAP_EVIDENCE = {
    "sync-call-on-triggerer-loop": _sync_call_on_triggerer_loop,
    "notifier-without-async-notify": _notifier_without_async_notify,
    "no-current-context": _no_current_context,
    "lifecycle-outside-task": _lifecycle_outside_task,
    "deadline-callback-in-dag-file": _deadline_callback_in_dag_file,
    "deadline-context-shape": _deadline_context_shape,
    "supervisor-call-while-loading-trigger": _supervisor_call_while_loading_trigger,
}


def test_every_trap_has_release_evidence() -> None:
    assert set(TRAP_EVIDENCE) == set(load_catalog("3.3").traps)


@pytest.mark.parametrize("trap_id", sorted(TRAP_EVIDENCE))
def test_each_trap_applies_to_exactly_the_releases_whose_source_shows_it(trap_id: str) -> None:
    shown = [v for v in VERSIONS if TRAP_EVIDENCE[trap_id](tree_for(v))]
    assert list(load_catalog("3.3").traps[trap_id].releases) == shown


@pytest.mark.parametrize("version", ["3.0", "3.1"])
def test_what_a_blocking_call_on_the_triggerer_loop_spares_matches_the_source(version: str) -> None:
    """3.1 retries a connection lookup through greenback and swallows MaskSecret's failure; 3.0 neither.

    Observed by hand against the real runtimes (apache-airflow-core 3.0.6 / 3.1.8 in their own
    environments): blocking Variable.get, Variable.set, Connection.get, XCom.get_one and
    mask_secret inside a trigger's run(), with run_trigger's greenback portal on 3.1. On 3.0 all
    raised "You cannot use AsyncToSync in the same thread as an async event loop"; on 3.1
    Connection.get / BaseHook.get_connection worked, mask_secret returned quietly, Variable.get
    raised VARIABLE_NOT_FOUND and the others the same RuntimeError.
    """
    tree = tree_for(version)
    lookup = _function_source(tree, "airflow/sdk/execution_time/secrets/execution_api.py", "get_connection")
    masking = _function_source(tree, "airflow/sdk/log.py", "mask_secret")
    spared = set()
    if "greenback" in lookup:
        spared.add("GetConnection")
    if "suppress(Exception)" in masking:
        spared.add("MaskSecret")
    assert set(load_catalog("3.3").traps["sync-call-on-triggerer-loop"].spared_in(version)) == spared
