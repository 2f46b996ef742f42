"""Tasks evaluated in forked workers give, byte for byte, what tasks evaluated in turn give,
and leave the cache knowing what a run in one process knows (see check.forks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chanlint.api import CheckOptions, census, check
from chanlint.catalog import catalog_stamp
from chanlint.check import forks
from chanlint.config import find_config, load_settings
from chanlint.index.cache import Cache
from chanlint.report.json_report import report_dict
from tests.helpers import FIXTURES, copied_fixture, real_project

FOLDERS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


@pytest.fixture
def forked(monkeypatch) -> list[int]:
    """Every run with jobs > 1 hands its tasks to workers, however few; returns how many it handed."""
    handed: list[int] = []
    real = forks.map_in_forks

    def counting(work, items, jobs):
        handed.append(len(items))
        return real(work, items, jobs)

    monkeypatch.setattr(forks, "PARALLEL_TASKS", 1)
    monkeypatch.setattr(forks, "map_in_forks", counting)
    return handed


def both_ways(folder: Path, version: str = "3.3", cache: Path | None = None, scan: str = "") -> list[dict]:
    """Reports with jobs 1 and 2; `scan`: the subfolder scanned (the rest is read through imports)."""
    shown = []
    for jobs in (1, 2):
        settings = load_settings(find_config(folder), folder)
        settings.use_version(version)
        options = CheckOptions(jobs=jobs, cache_dir=cache and cache / str(jobs))
        report = check([folder / scan], settings, options)
        shown.append(report_dict(report, cwd=folder))
    return shown


def censuses(folder: Path, version: str = "3.3") -> list:
    taken = []
    for jobs in (1, 2):
        settings = load_settings(find_config(folder), folder)
        settings.use_version(version)
        result = census([folder], settings, CheckOptions(jobs=jobs))
        taken.append((result.uses, result.entrypoints, result.processes_of))
    return taken


@pytest.mark.skipif(not forks.can_fork(), reason="tasks run in forked workers only where fork is safe")
@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_fixtures_give_the_same_in_workers(folder: Path, forked: list[int]) -> None:
    serial, parallel = both_ways(folder)
    assert parallel == serial
    in_turn, apart = censuses(folder)
    assert apart == in_turn
    assert forked and all(forked)


@pytest.mark.skipif(not forks.can_fork(), reason="tasks run in forked workers only where fork is safe")
@pytest.mark.parametrize("scan", ["", "dags"], ids=["everything", "dags-only"])
def test_real_code_gives_the_same_in_workers_and_the_cache_knows_as_much(
    tmp_path: Path, forked: list[int], scan: str
) -> None:
    project, cache = real_project(tmp_path), tmp_path / "cache"
    serial, parallel = both_ways(project, "3.0", cache, scan)
    assert parallel == serial and serial["files_scanned"] > 40
    if not scan:
        in_turn, apart = censuses(project, "3.0")
        assert apart == in_turn and len(in_turn[0]) > 5
    memos = [Cache(cache / str(jobs), catalog_stamp()) for jobs in (1, 2)]
    for memo in memos:
        memo.load()
    runs = [next(iter(memo.runs.values())) for memo in memos]
    # What the workers learnt reached the parent's memo: files read outside the scan, folders looked in.
    assert runs[1].read == runs[0].read and runs[1].hashes == runs[0].hashes
    assert runs[1].folders.keys() == runs[0].folders.keys() and runs[1].read_stats.keys() == runs[0].read_stats.keys()
    assert bool(runs[0].read_stats) == (scan == "dags")  # the provider's modules, read outside the scan
    tasks = [memo.task_memo() for memo in memos]
    assert tasks[1].tasks == tasks[0].tasks and len(tasks[0].tasks) > 40  # type: ignore[union-attr]
    assert forked and forked[0] > 40


@pytest.mark.skipif(not forks.can_fork(), reason="tasks run in forked workers only where fork is safe")
def test_an_edit_after_a_run_in_workers(tmp_path: Path, forked: list[int]) -> None:
    project, cache = real_project(tmp_path), tmp_path / "cache"
    both_ways(project, "3.0", cache)
    hook = project / "plugins" / "standard" / "operators" / "bash.py"
    hook.write_text(hook.read_text(encoding="utf-8").replace(".get(", ".set(", 1), encoding="utf-8")
    serial, parallel = both_ways(project, "3.0", cache)
    assert parallel == serial
    fresh = both_ways(project, "3.0")
    assert parallel == fresh[0]


def test_few_tasks_run_in_turn(tmp_path: Path, monkeypatch) -> None:
    """Below the threshold no worker is started: starting them costs more than it saves."""
    monkeypatch.setattr(forks, "map_in_forks", lambda *args: pytest.fail("workers started for a few tasks"))
    folder = copied_fixture(tmp_path)
    report = check([folder], load_settings(None, folder), CheckOptions(jobs=2))
    assert 0 < report.tasks_run < forks.PARALLEL_TASKS


@pytest.mark.skipif(not forks.can_fork(), reason="tasks run in forked workers only where fork is safe")
def test_entry_points_are_listed_only_when_asked(tmp_path: Path, forked: list[int]) -> None:
    """The CLI's check shows findings only: its workers need not look up every use's position."""
    folder = copied_fixture(tmp_path, "task_callbacks")
    reports = []
    for listed in (True, False):
        options = CheckOptions(jobs=2, list_entrypoints=listed)
        reports.append(check([folder], load_settings(None, folder), options))
    assert report_dict(reports[0], cwd=folder) == report_dict(reports[1], cwd=folder)
    assert reports[0].entrypoints and not reports[1].entrypoints and forked


def _collector_on(_: int) -> bool:
    import gc

    return gc.isenabled()


@pytest.mark.skipif(not forks.can_fork(), reason="tasks run in forked workers only where fork is safe")
def test_workers_run_without_the_cycle_collector_and_the_parent_keeps_it() -> None:
    """What a worker builds lives until it exits: collecting cycles there finds next to nothing."""
    import gc

    assert list(forks.map_in_forks(_collector_on, list(range(6)), 2)) == [False] * 6
    assert gc.isenabled()
