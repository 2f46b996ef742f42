"""The persistent cache and parallel indexing change how fast, never what is reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from chanlint.api import CheckOptions, check
from chanlint.config import load_settings
from chanlint.index.cache import CACHE_FILE
from tests.helpers import FIXTURES
from tests.test_cli import run


def project(tmp_path: Path, name: str = "resolution") -> Path:
    target = tmp_path / "proj"
    shutil.copytree(FIXTURES / name, target, ignore=shutil.ignore_patterns("expected*.json"))
    return target


def cached_check(folder: Path, cache: Path, **options):
    settings = load_settings(None, folder)
    settings.use_version("3.3")
    return check([folder], settings, CheckOptions(cache_dir=cache, **options))


def keys(report) -> list:
    return [f.sort_key() for f in report.findings]


def test_warm_run_reuses_findings_and_reports_the_same(tmp_path) -> None:
    folder, cache = project(tmp_path), tmp_path / "cache"
    cold = cached_check(folder, cache)
    assert not cold.from_cache and (cache / CACHE_FILE).is_file()
    warm = cached_check(folder, cache)
    assert warm.from_cache and keys(warm) == keys(cold) and len(keys(cold)) == 7


def test_changing_a_file_the_analysis_read_recomputes(tmp_path) -> None:
    folder, cache = project(tmp_path), tmp_path / "cache"
    cached_check(folder, cache)
    helpers = folder / "include" / "helpers.py"
    helpers.write_text(helpers.read_text().replace('    V.set("setting", "on")\n', "    pass\n"))
    after = cached_check(folder, cache)
    assert not after.from_cache
    assert len(after.findings) == 6  # the PutVariable finding is gone


def test_changing_a_file_nothing_reads_reuses(tmp_path) -> None:
    folder, cache = project(tmp_path), tmp_path / "cache"
    (folder / "include" / "unused.py").write_text("VALUE = 1\n")
    before = cached_check(folder, cache)
    (folder / "include" / "unused.py").write_text("VALUE = 2\n")
    after = cached_check(folder, cache)
    assert after.from_cache and keys(after) == keys(before)


def test_a_new_file_that_an_import_was_missing_recomputes(tmp_path) -> None:
    folder, cache = project(tmp_path), tmp_path / "cache"
    dag = folder / "dags" / "late.py"
    dag.write_text(
        "from airflow.sdk import DAG\nfrom include.later import cb\n"
        "with DAG('late', on_failure_callback=cb):\n    pass\n"
    )
    before = cached_check(folder, cache)
    (folder / "include" / "later.py").write_text("def cb(context):\n    context['ti'].xcom_push(key='k', value=1)\n")
    after = cached_check(folder, cache)
    assert not after.from_cache and len(after.findings) == len(before.findings) + 1


def test_a_corrupt_cache_is_ignored_and_rewritten(tmp_path) -> None:
    folder, cache = project(tmp_path), tmp_path / "cache"
    cache.mkdir()
    (cache / CACHE_FILE).write_bytes(b"\x80\x04 this is not a pickle")
    report = cached_check(folder, cache)
    assert len(report.findings) == 7 and not report.from_cache
    assert cached_check(folder, cache).from_cache


def test_the_cache_folder_ignores_itself_in_git(tmp_path) -> None:
    folder, cache = project(tmp_path), tmp_path / "cache"
    cached_check(folder, cache)
    assert (cache / ".gitignore").read_text().strip().endswith("*")


def test_cli_no_cache_and_cache_dir(tmp_path) -> None:
    folder = project(tmp_path)
    run(["check", "--no-cache", "."], folder)
    assert not (folder / ".chanlint_cache").exists()
    run(["check", "--cache-dir", str(tmp_path / "c"), "."], folder)
    assert (tmp_path / "c" / CACHE_FILE).is_file()


def test_parallel_indexing_gives_identical_output(tmp_path) -> None:
    """Enough files to cross the parallel threshold; the JSON must not differ by a byte."""
    folder = project(tmp_path, "task_callbacks")
    for i in range(250):
        (folder / "include" / f"filler_{i}.py").write_text(f"class Thing{i}:\n    value = {i}\n")
    outputs = [run(["check", "--no-cache", "--format", "json", "--jobs", str(j), "."], folder).output for j in (1, 2)]
    assert outputs[0] == outputs[1] and len(json.loads(outputs[0])["findings"]) == 5


def test_internal_errors_ask_for_a_bug_report(tmp_path, monkeypatch) -> None:
    import chanlint.cli as cli

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(cli, "run_check", broken)
    folder = project(tmp_path)
    result = run(["check", "."], folder)
    assert result.exit_code == 2
    assert "internal error: KeyError" in result.output and "Traceback" not in result.output
    verbose = run(["check", "--verbose", "."], folder)
    assert "Traceback" in verbose.output


def test_a_bad_baseline_file_is_a_user_error(tmp_path) -> None:
    folder = project(tmp_path)
    (folder / "b.json").write_text("[1, 2]")
    result = run(["check", "--baseline", "b.json", "."], folder)
    assert result.exit_code == 2 and "not a chanlint baseline" in result.output


def test_concurrent_runs_share_a_cache_safely(tmp_path) -> None:
    """Four processes on one cache folder at once: every run succeeds, outputs agree, the cache loads."""
    import subprocess
    import sys

    from chanlint.index.cache import Cache

    folder, cache = project(tmp_path), tmp_path / "shared-cache"
    command = [sys.executable, "-m", "chanlint", "check", "--format", "json", "--cache-dir", str(cache), "."]
    for _ in range(2):  # a cold round, then a warm one
        procs = [
            subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [1, 1, 1, 1], [r[1] for r in results]
        assert len({out for out, _ in results}) == 1
    from chanlint.catalog import catalog_stamp

    loaded = Cache(cache, catalog_stamp())
    loaded.load()
    assert loaded.data.indexes and loaded.data.runs  # a whole, current cache, not a torn one
    assert not list(cache.glob(".cache-*"))  # no temporary file left behind
