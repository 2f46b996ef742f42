"""The command line: exit statuses, JSON shape, configuration errors, no tracebacks."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner

from chanlint.cli import main
from tests.helpers import FIXTURES, write_tree

BAD_CALLBACK = {
    "dags/d.py": (
        "from airflow.sdk import DAG\n\n"
        "def cb(context):\n    context['ti'].xcom_push(key='k', value=1)\n\n"
        "with DAG('d', on_failure_callback=cb):\n    pass\n"
    )
}


def run(args, cwd):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args)
    finally:
        os.chdir(old)


def test_findings_exit_1_and_json_shape(tmp_path) -> None:
    write_tree(tmp_path, BAD_CALLBACK)
    result = run(["check", "--format", "json", "dags"], tmp_path)
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert set(data) == {"chanlint_version", "airflow_version", "files_scanned", "findings"}
    (finding,) = data["findings"]
    assert set(finding) == {
        "code",
        "severity",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "process",
        "message_type",
        "group",
        "call",
        "entrypoint",
        "chain",
        "text",
    }
    assert finding["path"] == "dags/d.py"
    assert (finding["code"], finding["process"], finding["message_type"]) == ("CHL001", "dag-processor", "SetXCom")
    assert finding["entrypoint"] == {"kind": "dag_callback", "name": "d.cb", "path": "dags/d.py", "line": 6}
    assert finding["chain"] == [{"path": "dags/d.py", "line": 4, "function": "cb"}]


def test_clean_tree_exits_0(tmp_path) -> None:
    write_tree(tmp_path, {"dags/ok.py": "from airflow.sdk import DAG\nwith DAG('ok'):\n    pass\n"})
    result = run(["check", "."], tmp_path)
    assert result.exit_code == 0, result.output
    assert "All clear" in result.output


def test_text_output_reads_like_a_compiler_error() -> None:
    result = run(["check", "."], FIXTURES / "resolution")
    assert result.exit_code == 1
    assert "include/helpers.py:11:5: CHL001 ti.xcom_push sends SetXCom (write)" in result.output
    assert "call chain:" in result.output and "in from_kwargs" in result.output


def test_missing_path_is_a_usage_error(tmp_path) -> None:
    result = run(["check", "nope"], tmp_path)
    assert result.exit_code == 2
    assert "no such file or directory: nope" in result.output
    assert "Traceback" not in result.output


def _config_error(tmp_path, toml: str) -> str:
    write_tree(tmp_path, {"pyproject.toml": toml, **BAD_CALLBACK})
    result = run(["check", "."], tmp_path)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_unknown_key_names_key_and_file(tmp_path) -> None:
    out = _config_error(tmp_path, "[tool.chanlint]\npolicyy = {}\n")
    assert "pyproject.toml" in out and "`policyy`" in out


def test_unknown_process_and_group(tmp_path) -> None:
    assert "unknown process" in _config_error(tmp_path, "[tool.chanlint.policy]\nworker = []\n")


def test_unknown_group_lists_allowed(tmp_path) -> None:
    out = _config_error(tmp_path, "[tool.chanlint.policy]\ncallback = ['reed']\n")
    assert "'reed'" in out and "read" in out


def test_broken_toml(tmp_path) -> None:
    assert "cannot read configuration" in _config_error(tmp_path, "[tool.chanlint\n")


def test_unknown_airflow_version(tmp_path) -> None:
    assert "not a known release" in _config_error(tmp_path, "[tool.chanlint]\nairflow-version = '2.9'\n")


def test_syntax_error_is_a_finding_not_a_crash(tmp_path) -> None:
    write_tree(tmp_path, {**BAD_CALLBACK, "dags/broken.py": "def broken(:\n"})
    result = run(["check", "--format", "json", "."], tmp_path)
    assert result.exit_code == 1
    codes = sorted(f["code"] for f in json.loads(result.output)["findings"])
    assert codes == ["CHL001", "CHL900"]


def test_explain_and_rules() -> None:
    runner = CliRunner()
    listing = runner.invoke(main, ["rules"])
    assert "CHL001" in listing.output and "CHL002" in listing.output
    page = runner.invoke(main, ["explain", "chl001"])
    assert page.exit_code == 0 and "## How to fix" in page.output
    assert runner.invoke(main, ["explain", "XYZ999"]).exit_code == 2


def test_scanning_only_the_dags_folder_still_resolves_the_project(tmp_path) -> None:
    """Astro layout without any config: `chanlint check dags` still imports include/ helpers."""
    import shutil

    shutil.copytree(FIXTURES / "task_callbacks", tmp_path / "proj", ignore=shutil.ignore_patterns("expected.json"))
    result = run(["check", "--format", "json", "dags"], tmp_path / "proj")
    assert result.exit_code == 1, result.output
    paths = {f["path"] for f in json.loads(result.output)["findings"]}
    assert "include/callbacks.py" in paths


def test_scanned_airflow_source_does_not_hide_the_catalog(tmp_path) -> None:
    """When the tree holds Airflow's own source (a provider or core checkout), SDK calls stay SDK calls."""
    write_tree(
        tmp_path,
        {
            "plugins/airflow/__init__.py": "",
            "plugins/airflow/sdk/__init__.py": "from airflow.sdk.definitions.dag import DAG\n",
            "plugins/airflow/sdk/definitions/__init__.py": "",
            "plugins/airflow/sdk/definitions/dag.py": (
                "class DAG:\n    def __init__(self, dag_id, **kwargs):\n        pass\n"
            ),
            "plugins/airflow/hooks/__init__.py": "",
            "plugins/airflow/hooks/base.py": (
                "class BaseHook:\n    @classmethod\n    def get_connection(cls, conn_id):\n        return None\n"
            ),
            "dags/d.py": (
                "from airflow.sdk import DAG\nfrom airflow.hooks.base import BaseHook\n\n"
                "def cb(context):\n    BaseHook.get_connection('x')\n    context['ti'].xcom_push(key='k', value=1)\n\n"
                "with DAG('d', on_failure_callback=cb):\n    pass\n"
            ),
            "pyproject.toml": "[tool.chanlint.policy]\ndag-processor = []\n",
        },
    )
    result = run(["check", "--no-cache", "--format", "json", "."], tmp_path)
    found = {(f["code"], f["message_type"]) for f in json.loads(result.output)["findings"]}
    assert found == {("CHL002", "GetConnection"), ("CHL002", "MaskSecret"), ("CHL001", "SetXCom")}


def test_the_command_exits_at_once_with_every_byte_written_and_its_status(tmp_path) -> None:
    """`chanlint` (cli.run) skips the interpreter's teardown: its output must still be whole
    (however long, through a pipe) and its exit status main()'s."""
    import subprocess
    import sys

    write_tree(tmp_path, BAD_CALLBACK)
    for i in range(400):  # a long report: far more than one pipe buffer
        (tmp_path / "dags" / f"d{i}.py").write_text(BAD_CALLBACK["dags/d.py"].replace("'d'", f"'d{i}'"))

    def command(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "chanlint", *args], cwd=tmp_path, capture_output=True, text=True)

    found = command("check", "--no-cache", "--format", "json", "dags")
    assert found.returncode == 1, found.stderr
    assert len(json.loads(found.stdout)["findings"]) == 401
    shown = command("check", "--no-cache", "dags")  # the default text report, through rich
    assert shown.returncode == 1 and shown.stdout.rstrip().endswith("by process: dag-processor x401")
    assert command("--version").returncode == 0
    usage = command("check", "--bogus")
    assert usage.returncode == 2 and "No such option" in usage.stderr


def test_a_profiler_still_gets_its_normal_exit(tmp_path) -> None:
    """Under cProfile the command exits normally, so the profile is written."""
    import subprocess
    import sys

    write_tree(tmp_path, BAD_CALLBACK)
    profile = tmp_path / "run.prof"
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "chanlint", "check", "--no-cache", "dags"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "Found 1 finding" in done.stdout, done.stderr
    assert profile.is_file() and profile.stat().st_size > 0  # cProfile writes it after a normal exit
