"""A run after an edit re-evaluates only the tasks that read the edited file, and reports exactly
what a run without the cache reports (see check.entrypoints.TaskResult)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chanlint.api import CheckOptions, check
from chanlint.config import find_config, load_settings
from chanlint.index.cache import TASKS_FILE
from chanlint.report.json_report import report_dict
from tests.helpers import FIXTURES, settle

FOLDERS = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and len(list(p.rglob("*.py"))) > 1)


def run(folder: Path, cache: Path | None, version: str = "3.3"):
    settings = load_settings(find_config(folder), folder)
    settings.use_version(version)
    return check([folder], settings, CheckOptions(cache_dir=cache))


def shown(report, folder: Path) -> dict:
    """Everything a user sees of the findings (lines, entry points, chains, texts)."""
    result = report_dict(report, cwd=folder)
    return {"findings": result["findings"], "files_scanned": result["files_scanned"]}


def swap_get_for_set(text: str) -> str:
    return text.replace(".get(", ".set(", 1) if ".get(" in text else text + "\nX = 1\n"


def shift_lines(text: str) -> str:
    return "\n\n# moved down\n" + text


def cut_in_half(text: str) -> str:  # often a syntax error: a file that stops parsing
    lines = text.splitlines(keepends=True)
    return "".join(lines[: len(lines) // 2])


def empty(text: str) -> str:
    return ""


EDITS = (swap_get_for_set, shift_lines, cut_in_half, empty)


def edit_each_file_in_turn(folder: Path, cache: Path, version: str = "3.3") -> tuple[int, int]:
    """Edit every file (one edit per run); each cached run must equal a run without the cache.
    Returns how many tasks were run and reused, over all the runs after the first."""
    run(folder, cache, version)
    ran = reused = 0
    for i, path in enumerate(sorted(folder.rglob("*.py"))):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # the nasty fixture's symlinks and undecodable files
        if path.is_symlink() or "\0" in text:
            continue
        path.write_text(EDITS[i % len(EDITS)](text), encoding="utf-8")
        incremental = run(folder, cache, version)
        assert shown(incremental, folder) == shown(run(folder, None, version), folder), f"after editing {path}"
        ran, reused = ran + incremental.tasks_run, reused + incremental.tasks_reused
    return ran, reused


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_each_edit_gives_what_a_run_without_the_cache_gives(tmp_path: Path, folder: Path) -> None:
    target = tmp_path / folder.name
    shutil.copytree(folder, target, symlinks=True, ignore=shutil.ignore_patterns("expected*.json"))
    settle(target)
    edit_each_file_in_turn(target, tmp_path / "cache")


def test_a_corrupt_tasks_file_is_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "proj"
    shutil.copytree(FIXTURES / "resolution", folder, ignore=shutil.ignore_patterns("expected*.json"))
    settle(folder)
    cache = tmp_path / "cache"
    cold = run(folder, cache)
    (cache / TASKS_FILE).write_bytes(b"\x80\x04 not a pickle")
    helper = folder / "include" / "helpers.py"
    helper.write_text(helper.read_text() + "\nX = 1\n")
    after = run(folder, cache)
    assert after.tasks_reused == 0 and after.tasks_run == cold.tasks_run
    assert shown(after, folder) == shown(cold, folder)
