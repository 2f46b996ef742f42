"""Shared test helpers: run chanlint on a folder the way the CLI does."""

from __future__ import annotations

import os
import shutil
import time
from importlib import metadata
from pathlib import Path

from chanlint.api import CheckOptions, Report, check
from chanlint.config import find_config, load_settings, settings_from_table
from chanlint.report.json_report import report_dict

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def airflow_site() -> Path:
    """The installed apache-airflow-core package's folder: real Airflow code to scan (never imported)."""
    return Path(str(metadata.distribution("apache-airflow-core").locate_file(""))) / "airflow"


def settle(*paths: Path, seconds_ago: int = 3600) -> None:
    """Date files and folders (and everything below a folder) in the past, as a tree is between
    a developer's edits and the next run; a stat taken just after a change is not trusted (racy)."""
    moment = time.time() - seconds_ago
    for path in paths:
        for item in [*path.rglob("*"), path] if path.is_dir() else [path]:
            os.utime(item, (moment, moment), follow_symlinks=False)  # a dangling link too


def real_project(tmp_path: Path) -> Path:
    """Airflow's example DAGs over the standard provider's code, as a user's dags and plugins."""
    project = tmp_path / "proj"
    shutil.copytree(airflow_site() / "example_dags", project / "dags")
    shutil.copytree(airflow_site() / "providers" / "standard", project / "plugins" / "standard")
    for path in (project / "dags").rglob("*.py"):  # import the provider from plugins/, as scanned code
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("airflow.providers.standard", "standard"), encoding="utf-8")
    settle(project)
    return project


def copied_fixture(tmp_path: Path, name: str = "resolution") -> Path:
    """A fixture folder copied to tmp_path/proj (without its snapshots), dated in the past."""
    target = tmp_path / "proj"
    shutil.copytree(FIXTURES / name, target, ignore=shutil.ignore_patterns("expected*.json"))
    settle(target)
    return target


def reads_during(monkeypatch, action) -> list[str]:
    """The files read (by Path.read_bytes, as chanlint reads sources) while running `action`."""
    read: list[str] = []
    original = Path.read_bytes

    def recording(self: Path) -> bytes:
        read.append(str(self))
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", recording)
    try:
        action()
    finally:
        monkeypatch.setattr(Path, "read_bytes", original)
    return read


# Snapshots are judged against a fixed release, whatever Airflow this machine has installed.
SNAPSHOT_RELEASE = "3.3"


def check_folder(
    folder: Path, table: dict | None = None, version: str = SNAPSHOT_RELEASE, options: dict | None = None
) -> Report:
    if table is not None:
        settings = settings_from_table(table, None, root=folder)
    else:
        settings = load_settings(find_config(folder), folder)
    settings.use_version(version)
    return check([folder], settings, CheckOptions(**(options or {})))


def json_for(folder: Path, version: str = SNAPSHOT_RELEASE) -> dict:
    return report_dict(check_folder(folder, version=version), cwd=folder)


def write_tree(root: Path, files: dict[str, str], symlinks: dict[str, str] | None = None) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for rel, target in (symlinks or {}).items():
        link = root / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
