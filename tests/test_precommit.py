"""The hook in .pre-commit-hooks.yaml, run by the real pre-commit in a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.helpers import FIXTURES, REPO


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def make_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "resolution", repo, ignore=shutil.ignore_patterns("expected*.json"))
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    # Our hook definition as is, but run from this environment (`system`) rather than a fresh
    # venv pre-commit would build from the network.
    local = {**hook, "language": "system"}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}))
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "init")
    return repo


def pre_commit(repo: Path, *files: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--files", *files],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )


def test_changed_helper_reports_the_callback_violation_that_flows_through_it(tmp_path) -> None:
    repo = make_repo(tmp_path)
    result = pre_commit(repo, "include/helpers.py")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "include/helpers.py:11:5: CHL001" in result.stdout  # on_failure -> from_kwargs
    assert "runs in the DAG processor as task callback pipeline.on_failure" in result.stdout


def test_changed_dag_file_reports_violations_in_unchanged_helpers(tmp_path) -> None:
    repo = make_repo(tmp_path)
    result = pre_commit(repo, "dags/pipeline.py")
    assert result.returncode == 1
    assert "include/helpers.py:20:5: CHL001" in result.stdout  # the deadline callback's chain starts here


def test_unrelated_file_passes(tmp_path) -> None:
    repo = make_repo(tmp_path)
    result = pre_commit(repo, "include/decoys.py")
    assert result.returncode == 0, result.stdout + result.stderr
